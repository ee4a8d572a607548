#include "report/study_sections.hpp"

namespace aelab::report {

const std::vector<SectionSpec>& study_sections() {
  static const std::vector<SectionSpec> kSections = {
      // id     title                                                      function     quick full
      // default
      {"q1", "Q1. Gradient descent and Adam on a bump", section_q1, 2, 5, true},
      {"q2a", "Q2(a). Autoencoders with latent size 2, 16 and 256", section_q2a, 20, 110, true},
      {"q2b", "Q2(b). Blur, dis_net and a sharper autoencoder", section_q2b, 30, 170, true},
      // optional
      {"clustering", "The clustering recipe", section_clustering, 25, 420, false},
  };
  return kSections;
}

const SectionSpec* find_section(const std::string& id) {
  for (const SectionSpec& s : study_sections())
    if (id == s.id) return &s;
  return nullptr;
}

}  // namespace aelab::report
