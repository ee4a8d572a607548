#include "nn/linear.hpp"

#include <atomic>
#include <stdexcept>

#include "core/error.hpp"
#include "nn/dnnl_util.hpp"
#include "nn/step_profile.hpp"
#include "nn/transpose.hpp"

namespace aelab::nn {

namespace detail {

// The three matmuls of one batch size. W is stored (out, in) row-major; the forward reads it as
// W^T (in, out) through strides and the weight gradient reads dz as dz^T the same way, so there is
// no transpose copy and no reorder anywhere: every tensor stays plain `ab`.
struct LinearPlan {
  dnnl::matmul fwd;                    // x (N, in) . W^T (in, out) + b -> y (N, out), fused f
  dnnl::matmul bwd_data;               // dz (N, out) . W (out, in) -> dx (N, in)
  dnnl::matmul bwd_weights;            // dz^T (out, N) . x (N, in) -> dW (out, in), post-op sum: +=
  dnnl::matmul bwd_weights_overwrite;  // the same, dW = (the first after a lazy zero_grad)
  dnnl::memory x, wt, b, y;            // forward operands
  dnnl::memory dz, w, dx;              // backward-data operands
  dnnl::memory dzt, x2, dw;            // backward-weights operands
  Args fwd_args, bwd_data_args, bwd_weights_args;
  // When W's row length is a multiple of 256 floats, a GEMM reading it untransposed hits cache-set
  // aliasing on AVX2 (oneDNN's f32 GEMM drops from ~90 to ~60 GFLOP/s at 256x784 . 784x512).
  // There backward data reads a transposed copy of W instead (nn::transpose, ~3 % of the GEMM;
  // oneDNN's reorder took ~11 %). With AVX-512 (a different kernel) the plain read runs at the
  // peak: no copy.
  bool transposed_copy = false;
};

}  // namespace detail

using detail::bind;
using detail::plain_md;
using detail::strided_md;
using detail::Tag;
using detail::unbound;

namespace {

bool has_avx512() {
  static const bool yes = [] {
    const auto isa = static_cast<unsigned>(dnnl::get_effective_cpu_isa());
    const auto core = static_cast<unsigned>(dnnl::cpu_isa::avx512_core);
    return (isa & core) == core;  // a bit set, not an order: avx2_vnni's value is above it
  }();
  return yes;
}

std::atomic<detail::TransposedCopy> g_transposed_copy{detail::TransposedCopy::automatic};

bool use_transposed_copy(int64_t in) {
  switch (g_transposed_copy.load()) {
    case detail::TransposedCopy::always:
      return in % 256 == 0;
    case detail::TransposedCopy::never:
      return false;
    case detail::TransposedCopy::automatic:
      break;
  }
  return in % 256 == 0 && !has_avx512();
}

}  // namespace

void detail::set_transposed_copy(TransposedCopy mode) {
  g_transposed_copy = mode;
}

Linear::Linear(int64_t in, int64_t out, Rng& rng, Activation fused, float leaky_slope)
    : in_(in),
      out_(out),
      act_(fused),
      slope_(leaky_slope),
      plans_(std::make_unique<detail::PlanCache<detail::LinearPlan>>()) {
  if (in <= 0 || out <= 0)
    throw InputError("Linear needs positive sizes, got " + std::to_string(in) + " -> " +
                     std::to_string(out));
  detail::check_leaky_slope(fused, leaky_slope, describe());
  // Both gradients are overwritten by the first backward after zero_grad (module.hpp).
  weight_ = Param{"weight", Tensor({out, in}), Tensor({out, in}), /*lazy_zero=*/true};
  bias_ = Param{"bias", Tensor({out}), Tensor({out}), /*lazy_zero=*/true};
  detail::init_params(weight_.value, bias_.value, in, rng);
}

Linear::~Linear() = default;
Linear::Linear(Linear&&) noexcept = default;
Linear& Linear::operator=(Linear&&) noexcept = default;

size_t Linear::cached_plans() const {
  return plans_->size();
}

std::string Linear::describe() const {
  std::string s = "Linear(" + std::to_string(in_) + " -> " + std::to_string(out_) + ")";
  if (act_ != Activation::none) s += " + " + std::string(activation_name(act_));
  return s;
}

detail::LinearPlan& Linear::plan_for(int64_t n) {
  return plans_->get({n}, [&] {
    try {
      detail::LinearPlan p;
      auto& eng = cpu_engine();
      auto x_md = plain_md({n, in_}, Tag::ab);
      auto wt_md = strided_md({in_, out_}, {1, in_});
      auto b_md = plain_md({1, out_}, Tag::ab);
      auto y_md = plain_md({n, out_}, Tag::ab);
      dnnl::matmul::primitive_desc fwd_pd({x_md, wt_md, b_md, y_md},
                                          detail::activation_attr(act_, slope_), eng);
      p.fwd = dnnl::matmul(fwd_pd);
      p.x = unbound(x_md), p.wt = unbound(wt_md), p.b = unbound(b_md), p.y = unbound(y_md);
      p.fwd_args = {
          {DNNL_ARG_SRC, p.x}, {DNNL_ARG_WEIGHTS, p.wt}, {DNNL_ARG_BIAS, p.b}, {DNNL_ARG_DST, p.y}};

      auto w_md = plain_md({out_, in_}, Tag::ab);
      p.transposed_copy = use_transposed_copy(in_);
      auto w_read_md = p.transposed_copy ? strided_md({out_, in_}, {1, out_}) : w_md;
      dnnl::matmul::primitive_desc bwd_data_pd({y_md, w_read_md, x_md}, eng);
      p.bwd_data = dnnl::matmul(bwd_data_pd);
      p.dz = unbound(y_md), p.w = unbound(w_read_md), p.dx = unbound(x_md);
      p.bwd_data_args = {{DNNL_ARG_SRC, p.dz}, {DNNL_ARG_WEIGHTS, p.w}, {DNNL_ARG_DST, p.dx}};

      // The sum post-op makes the primitive accumulate into dW (the Module contract) for free.
      auto dzt_md = strided_md({out_, n}, {1, out_});
      dnnl::post_ops sum;
      sum.append_sum(1.0f);
      dnnl::primitive_attr acc;
      acc.set_post_ops(sum);
      dnnl::matmul::primitive_desc bwd_w_pd({dzt_md, x_md, w_md}, acc, eng);
      p.bwd_weights = dnnl::matmul(bwd_w_pd);
      p.bwd_weights_overwrite =
          dnnl::matmul(dnnl::matmul::primitive_desc({dzt_md, x_md, w_md}, eng));
      p.dzt = unbound(dzt_md), p.x2 = unbound(x_md), p.dw = unbound(w_md);
      p.bwd_weights_args = {{DNNL_ARG_SRC, p.dzt}, {DNNL_ARG_WEIGHTS, p.x2}, {DNNL_ARG_DST, p.dw}};
      return p;
    } catch (const dnnl::error& e) {
      rethrow_dnnl(e, "building " + describe() + " for batch " + std::to_string(n));
    }
  });
}

const Tensor& Linear::forward(const Tensor& x) {
  // x: (N, in) -> y: (N, out)
  if (x.rank() != 2 || x.dim(1) != in_)
    throw ShapeError(describe() + ": expected input (N, " + std::to_string(in_) + "), got " +
                     shape_str(x.shape()) + (x.rank() == 4 ? " (add a Flatten before it)" : ""));
  const int64_t n = x.dim(0);
  detail::LinearPlan& p = plan_for(n);
  y_.resize({n, out_});
  bind(p.x, x.data()), bind(p.wt, weight_.value.data()), bind(p.b, bias_.value.data());
  bind(p.y, y_.data());
  try {
    ProfileScope scope([&] { return describe() + ": forward GEMM (+ bias, activation)"; },
                       2.0 * double(n) * double(in_) * double(out_));
    p.fwd.execute(cpu_stream(), p.fwd_args);
    cpu_stream().wait();
  } catch (const dnnl::error& e) {
    rethrow_dnnl(e, "running " + describe());
  }
  x_ = &x;
  return y_;
}

const Tensor& Linear::backward(const Tensor& dy) {
  if (!x_) throw std::logic_error(describe() + ": backward before forward");
  if (dy.shape() != y_.shape())
    throw ShapeError(describe() + ": gradient of shape " + shape_str(dy.shape()) +
                     " for an output of shape " + shape_str(y_.shape()));
  const int64_t n = dy.dim(0);
  detail::LinearPlan& p = plan_for(n);

  // dz = dy * f'(z), from the stored output; without an activation dz is dy itself.
  const float* dz = dy.data();
  if (act_ != Activation::none) {
    ProfileScope scope([&] { return describe() + ": activation backward"; });
    dz_.resize(dy.shape());
    activation_backward_from_output(act_, slope_, y_.data(), dy.data(), dz_.data(), dy.numel());
    dz = dz_.data();
  }

  // bias.grad += sum over the batch of dz (row-wise adds vectorise; out is small)
  {
    ProfileScope scope([&] { return describe() + ": bias gradient"; });
    if (bias_.grad_stale) bias_.grad.zero(), bias_.grad_stale = false;
    float* db = bias_.grad.data();
    for (int64_t i = 0; i < n; ++i) {
      const float* row = dz + i * out_;
#pragma omp simd
      for (int64_t j = 0; j < out_; ++j) db[j] += row[j];
    }
  }

  try {
    const double gemm_flops = 2.0 * double(n) * double(in_) * double(out_);
    bind(p.dzt, dz), bind(p.x2, x_->data()), bind(p.dw, weight_.grad.data());
    {
      ProfileScope scope([&] { return describe() + ": weight-gradient GEMM (dz^T x)"; },
                         gemm_flops);
      (weight_.grad_stale ? p.bwd_weights_overwrite : p.bwd_weights)
          .execute(cpu_stream(), p.bwd_weights_args);
      cpu_stream().wait();
      weight_.grad_stale = false;
    }
    if (needs_input_grad()) {
      dx_.resize({n, in_});
      const float* w = weight_.value.data();
      if (p.transposed_copy) {
        ProfileScope scope([&] { return describe() + ": W transposed copy"; });
        wt_.resize({in_, out_});
        transpose(w, out_, in_, wt_.data());
        w = wt_.data();
      }
      ProfileScope scope([&] { return describe() + ": input-gradient GEMM (dz W)"; }, gemm_flops);
      bind(p.dz, dz), bind(p.w, w), bind(p.dx, dx_.data());
      p.bwd_data.execute(cpu_stream(), p.bwd_data_args);
      cpu_stream().wait();
    } else {
      dx_ = Tensor();
    }
    cpu_stream().wait();
  } catch (const dnnl::error& e) {
    rethrow_dnnl(e, "running the backward of " + describe());
  }
  return dx_;
}

}  // namespace aelab::nn
