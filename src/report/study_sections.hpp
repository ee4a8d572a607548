#pragma once
// The sections of the study report, in the order they appear. Each fills a SectionResult.
//
// Adding a section: declare its function below, write it in sections/<id>.cpp, and add one row
// to kSections in study_sections.cpp.
#include <vector>

#include "report/study.hpp"

namespace aelab::report {

using SectionFn = void (*)(StudyContext&, SectionResult&);

struct SectionSpec {
  const char* id;     // what --sections takes
  const char* title;  // the section's heading
  SectionFn run;
  double quick_cost;  // rough seconds with --quick, for the overall ETA before measuring
  double full_cost;   // ... and a full report with one seed (training scales with seeds)
  bool by_default;    // part of a report when --sections is not given
};

[[nodiscard]] const std::vector<SectionSpec>& study_sections();
[[nodiscard]] const SectionSpec* find_section(const std::string& id);

// Q1: the optimiser playground (bump loss, GD's cycle, Adam's steps, escape heights, phase map).
void section_q1(StudyContext& ctx, SectionResult& out);
// Q2(a): the study MLP at L = 2, 16, 256 with L1.
void section_q2a(StudyContext& ctx, SectionResult& out);
// Q2(b): blur, dis_net, the (b) runs against their references, the lambda sweep.
void section_q2b(StudyContext& ctx, SectionResult& out);
// The clustering recipe against the study MLP at L = 16 (optional: --sections adds it).
void section_clustering(StudyContext& ctx, SectionResult& out);

}  // namespace aelab::report
