#pragma once
// The runs a report needs, trained once: a run whose config (and data) already finished in the
// store is reused, one cut short (cancelled, interrupted) is resumed, otherwise it is trained now.
//
// The config hash is FNV-1a over the run's recorded config JSON without its name (the name is a
// label, not a setting). The data hash (report::dataset_hash) is stored beside a run the report
// trained, as the artefact kDataHashArtefact; a finished run without it (trained by another
// command) is not reused, because nothing says which data it saw.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "report/study.hpp"
#include "train/ae_trainer.hpp"
#include "train/classifier_trainer.hpp"
#include "train/disnet_trainer.hpp"
#include "train/run_model.hpp"

namespace aelab::report {

inline constexpr const char* kDataHashArtefact = "report_data_hash";

[[nodiscard]] std::string config_hash(const nlohmann::json& config);

struct StudyRun {
  int64_t id = 0;
  std::string name;
  bool reused = false;
  nlohmann::json result;  // the run's recorded result
};

// [SECTION] The study's runs: the presets, with the report's dataset, limit, threads and seed.
// --quick shortens every run to a few epochs; a full report keeps the presets' epochs.

// Q2(a): preset study-L<latent>.
[[nodiscard]] train::AeTrainConfig study_ae_config(const StudyContext& ctx, int latent,
                                                   uint64_t seed);
// Q2(b): preset b-defaults over the (a) run `init_run` (its preset and latent size), mode
// "none" (the fair L1-only reference: the same epochs from the same start), "frozen" or
// "learning".
[[nodiscard]] train::AeTrainConfig study_b_config(const StudyContext& ctx, int64_t init_run,
                                                  int latent, uint64_t seed,
                                                  const std::string& mode, double lambda,
                                                  int64_t disnet_run);
[[nodiscard]] train::DisNetConfig study_disnet_config(const StudyContext& ctx);
// The clustering recipe: preset clustering (--quick: 3 epochs and 2 of refinement).
[[nodiscard]] train::AeTrainConfig study_clustering_config(const StudyContext& ctx, uint64_t seed);
[[nodiscard]] train::ClassifierConfig study_judge_config(const StudyContext& ctx);

// The report's dataset for the library's loaders: every run the report uses was trained on it.
// Any limit asked for is answered with the report's own split (dis_net scoring asks for the full
// test split, limit 0: with --limit the report scores the limited one, as everywhere else).
[[nodiscard]] train::DatasetSource report_datasets(const StudyContext& ctx);

// [SECTION] Finding or training a run

// Each reports progress over [lo, hi] of the section as `what`, records the run in out.runs,
// throws StudyCancelled on cancel (the run is left interrupted and resumable) and InputError
// when a matching run is still running in another process.
StudyRun ensure_ae_run(StudyContext& ctx, SectionResult& out, const train::AeTrainConfig& config,
                       double lo, double hi, const std::string& what);
StudyRun ensure_disnet_run(StudyContext& ctx, SectionResult& out, const train::DisNetConfig& config,
                           double lo, double hi, const std::string& what);
StudyRun ensure_classifier_run(StudyContext& ctx, SectionResult& out,
                               const train::ClassifierConfig& config, double lo, double hi,
                               const std::string& what);

}  // namespace aelab::report
