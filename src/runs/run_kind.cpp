#include "runs/run_kind.hpp"

#include "core/error.hpp"

namespace aelab::runs {

namespace {
struct KindName {
  RunKind kind;
  std::string_view name;
};
constexpr std::array<KindName, 4> kRunKinds = {{{RunKind::ae, "ae"},
                                                {RunKind::adv_ae, "adv_ae"},
                                                {RunKind::disnet, "disnet"},
                                                {RunKind::classifier, "classifier"}}};
}  // namespace

std::string_view to_string(RunKind k) {
  for (const auto& e : kRunKinds)
    if (e.kind == k) return e.name;
  return "ae";  // unreachable: every enumerator has a row
}

RunKind parse_run_kind(std::string_view s) {
  std::string valid;
  for (const auto& e : kRunKinds) {
    if (e.name == s) return e.kind;
    valid += (valid.empty() ? "" : ", ") + std::string(e.name);
  }
  throw InputError("unknown run kind '" + std::string(s) + "' (valid: " + valid + ")");
}

}  // namespace aelab::runs
