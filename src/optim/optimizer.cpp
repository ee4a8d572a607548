// Optimisers: each published update rule is a small struct with an inline per-element `delta`,
// and one template (RuleOptimizer<Rule, T>) runs it over every parameter in a plain loop that the
// compiler vectorises and OpenMP splits when a parameter is large. No virtual call per element:
// the virtual step() is called once per optimiser step.
//
// Index
// [SECTION] Validation and names
// [SECTION] Update rules (one struct per optimiser, PyTorch's formulations)
// [SECTION] RuleOptimizer: the loop over parameters, state in double, probe()
// [SECTION] make_optimizer
#include "optim/optimizer.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <limits>
#include <omp.h>
#include <stdexcept>
#include <string>
#include <type_traits>

#include "core/error.hpp"
#include "core/simd_clones.hpp"

namespace aelab::optim {

// [SECTION] Validation and names ------------------------------------------------------------

const std::vector<std::string>& optimizer_names() {
  static const std::vector<std::string> names = {"sgd",     "momentum", "nesterov", "adagrad",
                                                 "rmsprop", "adam",     "adamw",    "amsgrad"};
  return names;
}

namespace {

std::string fmt(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

std::string joined_names() {
  std::string out;
  for (const auto& n : optimizer_names()) out += (out.empty() ? "" : ", ") + n;
  return out;
}

void require_unit_interval(const char* what, double v) {
  // [0, 1): 1 would never forget (and divides by zero in the bias correction), <0 is meaningless.
  if (!(v >= 0.0 && v < 1.0))
    throw InputError(std::string(what) + " must be in [0, 1), got " + fmt(v));
}

}  // namespace

void Optimizer::throw_bad_lr(double lr) {
  throw InputError("learning rate must be a finite number > 0, got " + fmt(lr));
}

void validate(const OptimizerConfig& c) {
  const auto& names = optimizer_names();
  if (std::find(names.begin(), names.end(), c.name) == names.end())
    throw InputError("unknown optimizer '" + c.name + "' (valid: " + joined_names() + ")");
  if (!(c.lr > 0.0 && std::isfinite(c.lr)))
    throw InputError("learning rate must be a finite number > 0, got " + fmt(c.lr));
  require_unit_interval("momentum", c.momentum);
  require_unit_interval("beta1", c.beta1);
  require_unit_interval("beta2", c.beta2);
  require_unit_interval("rho", c.rho);
  if (!(c.eps >= 0.0 && std::isfinite(c.eps)))
    throw InputError("eps must be a finite number >= 0, got " + fmt(c.eps));
  if (!(c.weight_decay >= 0.0 && std::isfinite(c.weight_decay)))
    throw InputError("weight_decay must be a finite number >= 0, got " + fmt(c.weight_decay));
}

// [SECTION] Update rules ----------------------------------------------------------------------
// Each rule: kStates per-element state buffers (in x's precision), their names for probe(), Coeffs
// computed once per step (lr, bias corrections), and delta(): the signed change of x for one
// element, updating that element's state. g' = g + wd·x is PyTorch's coupled L2 (all but AdamW). A
// zero denominator (eps = 0 and no gradient seen yet, so the numerator is 0 too) must give step 0,
// not 0/0. A branch or select would stop GCC vectorising the loop (it will not if-convert a
// division under -ftrapping-math), so the denominator adds eps_den = max(eps, the smallest normal
// S) instead: 0/tiny = 0, and any denominator a gradient of that precision produces is so much
// larger that adding tiny does not change it. (A gradient below sqrt(tiny) squares to 0; with eps =
// 0 the textbook rule divides by zero there too.)

namespace {

// In the parameter's precision S: float arithmetic for the networks (a third of the cost of
// double's sqrt and division on AVX2), double for the playground's walker.
template <class S>
struct Coeffs {
  S lr, wd, mu, b1, b2, rho, eps;
  S bc1, bc2;  // 1 - beta1^t, 1 - beta2^t
  S eps_den;   // max(eps, tiny): see above
};

template <class S>
Coeffs<S> coeffs_for(const OptimizerConfig& c, long t) {
  // The smallest normal S keeps 0/0 at 0 and is far below any denominator a gradient of that
  // precision produces.
  const double tiny = static_cast<double>(std::numeric_limits<S>::min());
  return {S(c.lr),
          S(c.weight_decay),
          S(c.momentum),
          S(c.beta1),
          S(c.beta2),
          S(c.rho),
          S(c.eps),
          S(1.0 - std::pow(c.beta1, static_cast<double>(t))),
          S(1.0 - std::pow(c.beta2, static_cast<double>(t))),
          S(std::max(c.eps, tiny))};
}

// x -= lr·g'
struct SGD {
  static constexpr int kStates = 0;
  static constexpr std::array<const char*, 1> kNames = {""};
  template <class S>
  static S delta(const Coeffs<S>& c, S x, S g) {
    return -c.lr * (g + c.wd * x);
  }
};

// Heavy ball: v = mu·v + g'; x -= lr·v
struct Momentum {
  static constexpr int kStates = 1;
  static constexpr std::array<const char*, 1> kNames = {"velocity"};
  template <class S>
  static S delta(const Coeffs<S>& c, S x, S g, S& s0) {
    const S v = c.mu * s0 + (g + c.wd * x);
    s0 = v;
    return -c.lr * v;
  }
};

// PyTorch's Nesterov: b = mu·b + g'; x -= lr·(g' + mu·b)
struct Nesterov {
  static constexpr int kStates = 1;
  static constexpr std::array<const char*, 1> kNames = {"velocity"};
  template <class S>
  static S delta(const Coeffs<S>& c, S x, S g, S& s0) {
    const S gg = g + c.wd * x;
    const S b = c.mu * s0 + gg;
    s0 = b;
    return -c.lr * (gg + c.mu * b);
  }
};

// AdaGrad: s += g'^2; x -= lr·g' / (sqrt(s) + eps)
struct AdaGrad {
  static constexpr int kStates = 1;
  static constexpr std::array<const char*, 1> kNames = {"sum_sq"};
  template <class S>
  static S delta(const Coeffs<S>& c, S x, S g, S& s0) {
    const S gg = g + c.wd * x;
    const S acc = s0 + gg * gg;
    s0 = acc;
    return -c.lr * gg / (std::sqrt(acc) + c.eps_den);
  }
};

// RMSProp (PyTorch, no momentum, not centred): v = rho·v + (1-rho)·g'^2; x -= lr·g' / (sqrt(v) +
// eps)
struct RMSProp {
  static constexpr int kStates = 1;
  static constexpr std::array<const char*, 1> kNames = {"square_avg"};
  template <class S>
  static S delta(const Coeffs<S>& c, S x, S g, S& s0) {
    const S gg = g + c.wd * x;
    const S v = c.rho * s0 + (S(1) - c.rho) * gg * gg;
    s0 = v;
    return -c.lr * gg / (std::sqrt(v) + c.eps_den);
  }
};

// Adam (Kingma & Ba, Algorithm 1): m = b1·m + (1-b1)·g'; v = b2·v + (1-b2)·g'^2;
// m̂ = m/(1-b1^t); v̂ = v/(1-b2^t); x -= lr·m̂ / (sqrt(v̂) + eps)
template <class S>
inline S adam_delta(const Coeffs<S>& c, S g, S& s_m, S& s_v) {
  const S m = c.b1 * s_m + (S(1) - c.b1) * g;
  const S v = c.b2 * s_v + (S(1) - c.b2) * g * g;
  s_m = m;
  s_v = v;
  return -c.lr * (m / c.bc1) / (std::sqrt(v / c.bc2) + c.eps_den);
}

struct Adam {
  static constexpr int kStates = 2;
  static constexpr std::array<const char*, 2> kNames = {"m", "v"};
  template <class S>
  static S delta(const Coeffs<S>& c, S x, S g, S& s_m, S& s_v) {
    return adam_delta(c, g + c.wd * x, s_m, s_v);
  }
};

// AdamW (Loshchilov & Hutter, PyTorch): x *= 1 - lr·wd, then the Adam step on the raw gradient.
// The Adam part does not depend on x, so the total change is their sum.
struct AdamW {
  static constexpr int kStates = 2;
  static constexpr std::array<const char*, 2> kNames = {"m", "v"};
  template <class S>
  static S delta(const Coeffs<S>& c, S x, S g, S& s_m, S& s_v) {
    return -c.lr * c.wd * x + adam_delta(c, g, s_m, s_v);
  }
};

// AMSGrad as PyTorch's Adam(amsgrad=True): v_max = max(v_max, v) on the raw second moment, then
// v̂ = v_max/(1-b2^t). (Reddi et al.'s paper omits the bias correction; PyTorch keeps it.)
struct AMSGrad {
  static constexpr int kStates = 3;
  static constexpr std::array<const char*, 3> kNames = {"m", "v", "v_max"};
  template <class S>
  static S delta(const Coeffs<S>& c, S x, S g, S& s_m, S& s_v, S& s_vmax) {
    const S gg = g + c.wd * x;
    const S m = c.b1 * s_m + (S(1) - c.b1) * gg;
    const S v = c.b2 * s_v + (S(1) - c.b2) * gg * gg;
    const S vmax = std::max(s_vmax, v);
    s_m = m;
    s_v = v;
    s_vmax = vmax;
    return -c.lr * (m / c.bc1) / (std::sqrt(vmax / c.bc2) + c.eps_den);
  }
};

template <class Rule>
constexpr bool kAdamFamily = Rule::kStates >= 2;

// [SECTION] RuleOptimizer ---------------------------------------------------------------------

// Below this many elements a parameter is updated by the calling thread alone: forking a team
// costs more than the loop (and the playground's one-element span must never fork).
constexpr std::ptrdiff_t kParallelMin = 1 << 15;

// Whether an optimiser keeps each element's last step for probe(): the playground's walker (double,
// one element, shown in its panel) does; the networks' (float, ~1M elements, never probed for it)
// do not, which saves a 4-byte write per element a step (an eighth of Adam's memory traffic).
template <class T>
constexpr bool kKeepsStep = std::is_same_v<T, double>;

template <class T>
struct Slot {
  std::span<T> value;
  std::span<T> grad;
  bool* grad_stale = nullptr;  // ParamRef::grad_stale
};

// Coefficients and state pointers are copied into restrict locals so the compiler sees them as
// loop invariants, and each rule gets its state as plain references: GCC vectorises all 16
// instantiations (checked with -fopt-info-vec; the sqrt needs -fno-math-errno, set in CMake).
// Built for AVX-512 and AVX2 besides the baseline: Adam's sqrt and division made the SSE2 loop
// compute-bound (a tenth of a study-MLP step). The clones give the same bits as the baseline:
// sqrt and division are exact in every width, and CMake turns off FMA contraction here.
template <class Rule, class T>
AELAB_CLONES_AVX512 void update_range(
    const Coeffs<T>& coeffs, T* __restrict x, const T* __restrict g,
    const std::array<T*, 3>& state, T* __restrict step, std::ptrdiff_t begin,
    std::ptrdiff_t end) {
  const Coeffs<T> c = coeffs;
  T* __restrict s0 = state[0];
  T* __restrict s1 = state[1];
  T* __restrict s2 = state[2];
#pragma omp simd
  for (std::ptrdiff_t i = begin; i < end; ++i) {
    const T xi = x[i];
    const T gi = g[i];
    T d;
    T a = Rule::kStates > 0 ? s0[i] : T(0);
    T b = Rule::kStates > 1 ? s1[i] : T(0);
    T e = Rule::kStates > 2 ? s2[i] : T(0);
    if constexpr (Rule::kStates == 0) d = Rule::delta(c, xi, gi);
    if constexpr (Rule::kStates == 1) d = Rule::delta(c, xi, gi, a);
    if constexpr (Rule::kStates == 2) d = Rule::delta(c, xi, gi, a, b);
    if constexpr (Rule::kStates == 3) d = Rule::delta(c, xi, gi, a, b, e);
    if constexpr (Rule::kStates > 0) s0[i] = a;
    if constexpr (Rule::kStates > 1) s1[i] = b;
    if constexpr (Rule::kStates > 2) s2[i] = e;
    if constexpr (kKeepsStep<T>) step[i] = d;
    x[i] = xi + d;
  }
}

// The threads split the elements in contiguous blocks of whole cache lines (a team is forked only
// for large parameters; see kParallelMin).
template <class Rule, class T>
void update(const Coeffs<T>& c, T* x, const T* g, const std::array<T*, 3>& state, T* step,
            std::ptrdiff_t n) {
  if (n < kParallelMin) {
    update_range<Rule, T>(c, x, g, state, step, 0, n);
    return;
  }
#pragma omp parallel
  {
    const std::ptrdiff_t threads = omp_get_num_threads(), t = omp_get_thread_num();
    constexpr std::ptrdiff_t kLine = 64 / sizeof(T);
    const std::ptrdiff_t block = (n / threads + kLine - 1) / kLine * kLine;
    const std::ptrdiff_t b = std::min(n, t * block), e = std::min(n, b + block);
    if (t == threads - 1)
      update_range<Rule, T>(c, x, g, state, step, b, n);
    else
      update_range<Rule, T>(c, x, g, state, step, b, e);
  }
}

template <class Rule, class T>
class RuleOptimizer final : public Optimizer {
 public:
  RuleOptimizer(const OptimizerConfig& config, std::vector<Slot<T>> slots,
                std::vector<ParamRef> float_params)
      : Optimizer(config, std::move(float_params)), slots_(std::move(slots)) {
    state_.resize(slots_.size());
    for (size_t p = 0; p < slots_.size(); ++p) {
      const size_t n = slots_[p].value.size();
      for (auto& buf : state_[p].buffers) buf.assign(Rule::kStates > 0 ? n : 0, T(0));
      state_[p].step.assign(kKeepsStep<T> ? n : 0, T(0));
    }
  }

  void step() override {
    ++steps_;
    const Coeffs<T> c = coeffs_for<T>(config_, steps_);
    for (size_t p = 0; p < slots_.size(); ++p) {
      auto& st = state_[p];
      std::array<T*, 3> s{};
      for (int k = 0; k < Rule::kStates; ++k) s[k] = st.buffers[k].data();
      if (bool* stale = slots_[p].grad_stale; stale && *stale) {
        std::fill(slots_[p].grad.begin(), slots_[p].grad.end(), T(0));
        *stale = false;
      }
      update<Rule, T>(c, slots_[p].value.data(), slots_[p].grad.data(), s, st.step.data(),
                      static_cast<std::ptrdiff_t>(slots_[p].value.size()));
    }
  }

  [[nodiscard]] std::vector<StateValue> probe(size_t param, size_t index) const override {
    if (param >= slots_.size() || index >= slots_[param].value.size())
      throw std::out_of_range("optimizer probe(" + std::to_string(param) + ", " +
                              std::to_string(index) + ") is out of range");
    std::vector<StateValue> out;
    if (steps_ == 0) return out;
    const auto& st = state_[param];
    for (int k = 0; k < Rule::kStates; ++k) out.push_back({Rule::kNames[k], st.buffers[k][index]});
    if constexpr (kAdamFamily<Rule>) {
      const Coeffs<double> c = coeffs_for<double>(config_, steps_);
      const int vk = Rule::kStates == 3 ? 2 : 1;  // AMSGrad corrects v_max
      out.push_back({"m_hat", st.buffers[0][index] / c.bc1});
      out.push_back({"v_hat", st.buffers[vk][index] / c.bc2});
    }
    if constexpr (kKeepsStep<T>) out.push_back({"step", static_cast<double>(st.step[index])});
    return out;
  }

  [[nodiscard]] OptimizerState export_state() const override {
    OptimizerState out;
    out.steps = steps_;
    out.buffers.resize(slots_.size());
    for (size_t p = 0; p < slots_.size(); ++p)
      for (int k = 0; k < Rule::kStates; ++k)
        out.buffers[p].emplace_back(state_[p].buffers[k].begin(), state_[p].buffers[k].end());
    return out;
  }

  void import_state(const OptimizerState& in) override {
    if (in.steps < 0 || in.buffers.size() != slots_.size())
      throw InputError("stored optimiser state has " + std::to_string(in.buffers.size()) +
                       " parameters, this optimiser " + std::to_string(slots_.size()));
    for (size_t p = 0; p < slots_.size(); ++p) {
      if (in.buffers[p].size() != static_cast<size_t>(Rule::kStates))
        throw InputError("stored optimiser state does not fit " + config_.name);
      for (int k = 0; k < Rule::kStates; ++k)
        if (in.buffers[p][k].size() != slots_[p].value.size())
          throw InputError("stored optimiser state of parameter " + std::to_string(p) +
                           " has the wrong size");
    }
    for (size_t p = 0; p < slots_.size(); ++p)
      for (int k = 0; k < Rule::kStates; ++k)
        std::copy(in.buffers[p][k].begin(), in.buffers[p][k].end(), state_[p].buffers[k].begin());
    steps_ = in.steps;
  }

 private:
  struct State {
    // The first Rule::kStates are used. Stored in x's own precision, as PyTorch does: float for
    // the networks (half the memory traffic of double on ~1M parameters a step), double for the
    // playground's walker, whose escape heights are bisected to 1e-6.
    std::array<std::vector<T>, 3> buffers;
    // The signed change of x at the last step (kKeepsStep only; empty otherwise).
    std::vector<T> step;
  };
  std::vector<Slot<T>> slots_;
  std::vector<State> state_;
};

// [SECTION] make_optimizer --------------------------------------------------------------------

template <class T, class Ref>
std::unique_ptr<Optimizer> make_typed(const OptimizerConfig& config, const std::vector<Ref>& refs,
                                      std::vector<ParamRef> float_params) {
  validate(config);
  std::vector<Slot<T>> slots;
  slots.reserve(refs.size());
  for (size_t i = 0; i < refs.size(); ++i) {
    if (refs[i].grad.size() != refs[i].value.size())
      throw ShapeError("optimizer parameter " + std::to_string(i) + ": " +
                       std::to_string(refs[i].value.size()) + " values but " +
                       std::to_string(refs[i].grad.size()) + " gradients");
    if constexpr (std::is_same_v<Ref, ParamRef>)
      slots.push_back({refs[i].value, refs[i].grad, refs[i].grad_stale});
    else
      slots.push_back({refs[i].value, refs[i].grad});
  }
  const std::string& n = config.name;
  auto make = [&]<class Rule>(Rule*) -> std::unique_ptr<Optimizer> {
    return std::make_unique<RuleOptimizer<Rule, T>>(config, std::move(slots),
                                                    std::move(float_params));
  };
  if (n == "sgd") return make(static_cast<SGD*>(nullptr));
  if (n == "momentum") return make(static_cast<Momentum*>(nullptr));
  if (n == "nesterov") return make(static_cast<Nesterov*>(nullptr));
  if (n == "adagrad") return make(static_cast<AdaGrad*>(nullptr));
  if (n == "rmsprop") return make(static_cast<RMSProp*>(nullptr));
  if (n == "adam") return make(static_cast<Adam*>(nullptr));
  if (n == "adamw") return make(static_cast<AdamW*>(nullptr));
  return make(static_cast<AMSGrad*>(nullptr));  // validate() left only "amsgrad"
}

}  // namespace

std::unique_ptr<Optimizer> make_optimizer(const OptimizerConfig& config,
                                          std::vector<ParamRef> params) {
  auto copy = params;
  return make_typed<float>(config, copy, std::move(params));
}

std::unique_ptr<Optimizer> make_optimizer(const OptimizerConfig& config,
                                          std::vector<ParamRef64> params) {
  return make_typed<double>(config, params, {});
}

}  // namespace aelab::optim
