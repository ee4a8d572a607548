#pragma once
// What a run trained. Stored in the runs table as text (to_string); parse_run_kind() reads it back.
// To add a kind: one enumerator, one row in kRunKinds (run_kind.cpp), and the trainer that makes
// it.
#include <array>
#include <string>
#include <string_view>

namespace aelab::runs {

enum class RunKind {
  ae,          // autoencoder (part a)
  adv_ae,      // autoencoder with the dis_net term (part b)
  disnet,      // dis_net: clear vs blurred digits
  classifier,  // the digit classifier used as the judge in compare
};

inline constexpr std::array<RunKind, 4> kAllRunKinds = {RunKind::ae, RunKind::adv_ae,
                                                        RunKind::disnet, RunKind::classifier};

// "ae", "adv_ae", "disnet", "classifier": the stored text and what the CLI prints.
[[nodiscard]] std::string_view to_string(RunKind k);
// InputError on unknown text (naming the valid ones).
[[nodiscard]] RunKind parse_run_kind(std::string_view s);
// Both autoencoder kinds: they have a decoder, test codes and an "L".
[[nodiscard]] inline bool is_autoencoder(RunKind k) {
  return k == RunKind::ae || k == RunKind::adv_ae;
}

}  // namespace aelab::runs
