#include "nn/conv.hpp"

#include <algorithm>
#include <stdexcept>
#include <vector>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "core/error.hpp"
#include "nn/dnnl_util.hpp"

namespace aelab::nn {

namespace detail {

// A tensor argument whose layout the primitive chose (format_tag::any): the Module contract keeps
// every Tensor plain (nchw, oihw), oneDNN's direct jit kernels want blocked layouts (nChw8c,
// OIhw8i8o, ...). `user` wraps the plain buffer (bound per call), `inner` is what the primitive
// reads or writes: the same memory when the layouts agree, else a buffer owned here with a reorder
// in the one direction this argument flows.
struct Bridge {
  dnnl::memory user, inner;
  dnnl::reorder reorder;  // user -> inner for inputs, inner -> user for outputs; empty if none
  [[nodiscard]] bool reorders() const { return static_cast<bool>(reorder); }
  void run(const dnnl::stream& s) {
    if (reorders()) reorder.execute(s, user, inner);
  }
  void run_out(const dnnl::stream& s) {
    if (reorders()) reorder.execute(s, inner, user);
  }
};

// One input shape's primitives and the layout bridges around them.
struct ConvPlan {
  Shape y_shape;
  dnnl::primitive fwd, bwd_data, bwd_weights;
  Bridge x, w, y;                    // forward: x, w in; y out
  Bridge dz, w2, dx;                 // backward data: dz, w2 in; dx out
  Bridge x2, dz2, dw;                // backward weights: x2, dz2 in; dw out
  bool x2_is_x = false;              // backward weights reads the forward's reordered x
  bool dz2_is_dz = false;            // both backward primitives read one reordered dz
  dnnl::memory b, db;                // bias: always plain (x)
  bool separate_activation = false;  // the activation runs after the primitive, not fused
  bool direct_bwd_weights = false;   // backward weights by direct_backward_weights, not oneDNN
  std::vector<float> x_padded;       // its zero-padded copy of x
  Args fwd_args, bwd_data_args, bwd_weights_args;
};

}  // namespace detail

using detail::bind;
using detail::Bridge;
using detail::plain_md;
using detail::Tag;
using detail::unbound;

namespace {

Bridge make_input_bridge(const dnnl::memory::desc& plain, const dnnl::memory::desc& wanted) {
  Bridge br;
  br.user = unbound(plain);
  if (wanted == plain) {
    br.inner = br.user;
  } else {
    br.inner = dnnl::memory(wanted, cpu_engine());
    br.reorder = dnnl::reorder(br.user, br.inner);
  }
  return br;
}

Bridge make_output_bridge(const dnnl::memory::desc& plain, const dnnl::memory::desc& chosen) {
  Bridge br;
  br.user = unbound(plain);
  if (chosen == plain) {
    br.inner = br.user;
  } else {
    br.inner = dnnl::memory(chosen, cpu_engine());
    br.reorder = dnnl::reorder(br.inner, br.user);
  }
  return br;
}

// Builds the bridges and argument maps of a plan from its three primitive descriptors (the
// convolution and deconvolution ones answer the same queries) and the plain descriptors.
template <class FwdPd, class BwdDataPd, class BwdWeightsPd>
void finish_plan(detail::ConvPlan& p, const FwdPd& fwd, const BwdDataPd& bwd_data,
                 const BwdWeightsPd& bwd_w, const dnnl::memory::desc& x_md,
                 const dnnl::memory::desc& w_md, const dnnl::memory::desc& b_md,
                 const dnnl::memory::desc& y_md) {
  p.x = make_input_bridge(x_md, fwd.src_desc());
  p.w = make_input_bridge(w_md, fwd.weights_desc());
  p.y = make_output_bridge(y_md, fwd.dst_desc());
  p.b = unbound(b_md);
  p.fwd_args = {{DNNL_ARG_SRC, p.x.inner},
                {DNNL_ARG_WEIGHTS, p.w.inner},
                {DNNL_ARG_BIAS, p.b},
                {DNNL_ARG_DST, p.y.inner}};

  p.dz = make_input_bridge(y_md, bwd_data.diff_dst_desc());
  p.w2 = make_input_bridge(w_md, bwd_data.weights_desc());
  p.dx = make_output_bridge(x_md, bwd_data.diff_src_desc());
  p.bwd_data_args = {{DNNL_ARG_DIFF_DST, p.dz.inner},
                     {DNNL_ARG_WEIGHTS, p.w2.inner},
                     {DNNL_ARG_DIFF_SRC, p.dx.inner}};

  p.x2_is_x = bwd_w.src_desc() == p.x.inner.get_desc();
  p.x2 = p.x2_is_x ? p.x : make_input_bridge(x_md, bwd_w.src_desc());
  p.dz2_is_dz = bwd_w.diff_dst_desc() == p.dz.inner.get_desc();
  p.dz2 = p.dz2_is_dz ? p.dz : make_input_bridge(y_md, bwd_w.diff_dst_desc());
  p.dw = make_output_bridge(w_md, bwd_w.diff_weights_desc());
  p.db = unbound(b_md);
  p.bwd_weights_args = {{DNNL_ARG_SRC, p.x2.inner},
                        {DNNL_ARG_DIFF_DST, p.dz2.inner},
                        {DNNL_ARG_DIFF_WEIGHTS, p.dw.inner},
                        {DNNL_ARG_DIFF_BIAS, p.db}};
}

// A primitive descriptor, preferring the blocked layouts `any` picks unless they pad the data
// (1 input or output channel in 8-wide channel blocks): then the jit kernel does up to 8x the
// work plus reorders, where oneDNN's gemm kernel on the plain tensors is faster and needs no
// reorder (dis_net's first conv backward-weights: 13 ms -> 6.5 ms per batch of 128; the conv
// autoencoder's last deconvolution forward: 5.7 ms -> 1.1 ms). make(x_md, y_md) builds the
// descriptor for the given data layouts (weights stay `any`).
template <class Make>
auto unpadded(Make&& make, const dnnl::memory::desc& x_any, const dnnl::memory::desc& y_any,
              const dnnl::memory::desc& x_plain, const dnnl::memory::desc& y_plain) {
  auto blocked = make(x_any, y_any);
  auto size_of = [&](int arg) {
    return blocked.query_md(dnnl::query::exec_arg_md, arg).get_size();
  };
  const bool pads =
      std::max(size_of(DNNL_ARG_SRC), size_of(DNNL_ARG_DIFF_SRC)) > x_plain.get_size() ||
      std::max(size_of(DNNL_ARG_DST), size_of(DNNL_ARG_DIFF_DST)) > y_plain.get_size();
  if (!pads) return blocked;
  auto plain = make(x_plain, y_plain);
  const std::string impl = plain.impl_info_str();
  return impl.rfind("ref", 0) == 0 ? blocked : plain;  // never trade a jit kernel for a reference
}

std::string conv_args(int64_t in, int64_t out, int64_t k, int64_t s, int64_t p) {
  std::string r = std::to_string(in) + " -> " + std::to_string(out) + ", k" + std::to_string(k) +
                  " s" + std::to_string(s) + " p" + std::to_string(p);
  return r;
}

std::string act_suffix(Activation a) {
  return a == Activation::none ? "" : " + " + std::string(activation_name(a));
}

// [SECTION] Direct backward weights for few input channels

// dw[o, c, kh, kw] = sum_{n, i, j} dz[n, o, i, j] * xpad[n, c, i + kh, j + kw], db[o] = sum dz:
// stride 1 only. With 1 (or a few) input channels oneDNN has no good kernel: its jit one pads
// the channels to 8 and its gemm one builds per-image im2col matrices for tiny GEMMs (dis_net's
// first conv: ~6-11 ms per batch of 128, for 58 MFLOP). Here the dz plane is read once per input
// channel and each load feeds all k*k taps from registers.
template <int K>
void correlate_plane(const float* dz, const float* xp, int64_t oh, int64_t ow, int64_t wp,
                     int64_t k_rt, double* out) {
  const int64_t k = K > 0 ? K : k_rt;
  int64_t j_vec = 0;
#ifdef __SSE2__
  if constexpr (K > 0) {
    __m128 acc[K * K];
    for (auto& a : acc) a = _mm_setzero_ps();
    j_vec = ow / 4 * 4;
    for (int64_t i = 0; i < oh; ++i) {
      const float* dr = dz + i * ow;
      for (int64_t j = 0; j < j_vec; j += 4) {
        const __m128 d = _mm_loadu_ps(dr + j);
#pragma GCC unroll 16
        for (int kh = 0; kh < K; ++kh) {
          const float* xr = xp + (i + kh) * wp + j;
#pragma GCC unroll 16
          for (int kw = 0; kw < K; ++kw)
            acc[kh * K + kw] = _mm_add_ps(acc[kh * K + kw], _mm_mul_ps(d, _mm_loadu_ps(xr + kw)));
        }
      }
    }
    for (int t = 0; t < K * K; ++t) {
      alignas(16) float lanes[4];
      _mm_store_ps(lanes, acc[t]);
      out[t] += (double(lanes[0]) + lanes[1]) + (double(lanes[2]) + lanes[3]);
    }
  }
#endif
  // The columns the vector loop left (all of them without SSE2 or for a run-time k).
  if (j_vec == ow) return;
  for (int64_t kh = 0; kh < k; ++kh)
    for (int64_t kw = 0; kw < k; ++kw) {
      float sum = 0.0f;
      for (int64_t i = 0; i < oh; ++i)
        for (int64_t j = j_vec; j < ow; ++j) sum += dz[i * ow + j] * xp[(i + kh) * wp + j + kw];
      out[kh * k + kw] += sum;
    }
}

// x: (N, C, H, W), dz: (N, O, OH, OW) -> dw: (O, C, k, k), db: (O), both overwritten.
void direct_backward_weights(const Tensor& x, const float* dz, int64_t out_ch, int64_t k,
                             int64_t pad, const Shape& y_shape, std::vector<float>& x_padded,
                             Tensor& dw, Tensor& db) {
  const int64_t n = x.dim(0), c = x.dim(1), h = x.dim(2), w = x.dim(3);
  const int64_t oh = y_shape[2], ow = y_shape[3];
  const int64_t hp = oh + k - 1, wp = ow + k - 1;  // every row and column a tap can reach
  x_padded.assign(static_cast<size_t>(n * c * hp * wp), 0.0f);
  for (int64_t p = 0; p < n * c; ++p)
    for (int64_t i = 0; i < h && i + pad < hp; ++i)
      for (int64_t j = 0; j < w && j + pad < wp; ++j)
        x_padded[(p * hp + i + pad) * wp + j + pad] = x.data()[(p * h + i) * w + j];
  const int64_t kk = k * k;
  std::vector<double> acc(static_cast<size_t>(out_ch * c * kk), 0.0), bias(out_ch, 0.0);
  // Images outside, output channels inside: dz streams through once in memory order (the other
  // way round each plane was a cold start, and the first touch cost as much as the arithmetic).
  for (int64_t b = 0; b < n; ++b) {
#pragma omp parallel for if (out_ch * oh * ow * c > 65536)
    for (int64_t o = 0; o < out_ch; ++o) {
      const float* dzp = dz + (b * out_ch + o) * oh * ow;
      float plane_sum = 0.0f;  // simd: a serial float sum is latency-bound
#pragma omp simd reduction(+ : plane_sum)
      for (int64_t t = 0; t < oh * ow; ++t) plane_sum += dzp[t];
      bias[o] += plane_sum;
      for (int64_t ci = 0; ci < c; ++ci) {
        const float* xp = x_padded.data() + (b * c + ci) * hp * wp;
        double* out = acc.data() + (o * c + ci) * kk;
        if (k == 3)
          correlate_plane<3>(dzp, xp, oh, ow, wp, k, out);
        else
          correlate_plane<0>(dzp, xp, oh, ow, wp, k, out);
      }
    }
  }
  for (int64_t t = 0; t < out_ch * c * kk; ++t) dw.data()[t] = static_cast<float>(acc[t]);
  for (int64_t o = 0; o < out_ch; ++o) db.data()[o] = static_cast<float>(bias[o]);
}

}  // namespace

// [SECTION] Shared driver

ConvolutionBase::ConvolutionBase(int64_t in_ch, int64_t out_ch, int64_t kernel, int64_t stride,
                                 int64_t pad, Activation fused, float slope,
                                 const std::string& name)
    : in_ch_(in_ch),
      out_ch_(out_ch),
      k_(kernel),
      stride_(stride),
      pad_(pad),
      act_(fused),
      slope_(slope),
      plans_(std::make_unique<detail::PlanCache<detail::ConvPlan>>()) {
  if (in_ch <= 0 || out_ch <= 0 || kernel <= 0 || stride <= 0 || pad < 0)
    throw InputError(name + ": channels, kernel and stride must be positive and padding >= 0 (in " +
                     std::to_string(in_ch) + ", out " + std::to_string(out_ch) + ", kernel " +
                     std::to_string(kernel) + ", stride " + std::to_string(stride) + ", pad " +
                     std::to_string(pad) + ")");
  detail::check_leaky_slope(fused, slope, name);
  weight_ = Param{"weight", Tensor({out_ch, in_ch, kernel, kernel}),
                  Tensor({out_ch, in_ch, kernel, kernel})};
  bias_ = Param{"bias", Tensor({out_ch}), Tensor({out_ch})};
}

ConvolutionBase::~ConvolutionBase() = default;
ConvolutionBase::ConvolutionBase(ConvolutionBase&&) noexcept = default;
ConvolutionBase& ConvolutionBase::operator=(ConvolutionBase&&) noexcept = default;

detail::ConvPlan& ConvolutionBase::plan_for(const Shape& x_shape) {
  return plans_->get(x_shape, [&] {
    try {
      return build_plan(x_shape);
    } catch (const dnnl::error& e) {
      rethrow_dnnl(e, "building " + describe() + " for input " + shape_str(x_shape));
    }
  });
}

const Tensor& ConvolutionBase::forward(const Tensor& x) {
  // x: (N, in_ch, H, W) -> y: (N, out_ch, OH, OW)
  if (x.rank() != 4 || x.dim(1) != in_ch_)
    throw ShapeError(describe() + ": expected input (N, " + std::to_string(in_ch_) +
                     ", H, W), got " + shape_str(x.shape()));
  if (output_size(x.dim(2)) <= 0 || output_size(x.dim(3)) <= 0)
    throw ShapeError(describe() + ": input " + shape_str(x.shape()) +
                     " is too small for the kernel");
  detail::ConvPlan& p = plan_for(x.shape());
  y_.resize(p.y_shape);
  bind(p.x.user, x.data()), bind(p.w.user, weight_.value.data()), bind(p.b, bias_.value.data());
  bind(p.y.user, y_.data());
  try {
    dnnl::stream& s = cpu_stream();
    p.x.run(s);
    p.w.run(s);  // the master copy stays plain oihw; its blocked copy is remade per call (small)
    p.fwd.execute(s, p.fwd_args);
    p.y.run_out(s);
    s.wait();
  } catch (const dnnl::error& e) {
    rethrow_dnnl(e, "running " + describe());
  }
  if (p.separate_activation) activation_forward(act_, slope_, y_.data(), y_.data(), y_.numel());
  x_ = &x;
  return y_;
}

const Tensor& ConvolutionBase::backward(const Tensor& dy) {
  if (!x_) throw std::logic_error(describe() + ": backward before forward");
  if (dy.shape() != y_.shape())
    throw ShapeError(describe() + ": gradient of shape " + shape_str(dy.shape()) +
                     " for an output of shape " + shape_str(y_.shape()));
  detail::ConvPlan& p = plan_for(x_->shape());

  const float* dz = dy.data();
  if (act_ != Activation::none) {
    dz_.resize(dy.shape());
    activation_backward_from_output(act_, slope_, y_.data(), dy.data(), dz_.data(), dy.numel());
    dz = dz_.data();
  }
  dw_.resize(weight_.value.shape());
  db_.resize(bias_.value.shape());
  try {
    dnnl::stream& s = cpu_stream();
    bind(p.dz.user, dz);
    if (p.direct_bwd_weights) {
      direct_backward_weights(*x_, dz, out_ch_, k_, pad_, p.y_shape, p.x_padded, dw_, db_);
    } else {
      // The forward's blocked x is still current: x_ is unchanged until backward (Module
      // contract).
      bind(p.x2.user, x_->data());
      if (!p.x2_is_x) p.x2.run(s);
      bind(p.dz2.user, dz);
      p.dz2.run(s);
      bind(p.dw.user, dw_.data()), bind(p.db, db_.data());
      p.bwd_weights.execute(s, p.bwd_weights_args);
      p.dw.run_out(s);
    }
    if (needs_input_grad()) {
      dx_.resize(x_->shape());
      if (!p.dz2_is_dz || p.direct_bwd_weights) p.dz.run(s);
      bind(p.w2.user, weight_.value.data()), bind(p.dx.user, dx_.data());
      p.w2.run(s);
      p.bwd_data.execute(s, p.bwd_data_args);
      p.dx.run_out(s);
    } else {
      dx_ = Tensor();
    }
    s.wait();
  } catch (const dnnl::error& e) {
    rethrow_dnnl(e, "running the backward of " + describe());
  }
  detail::add_into(weight_.grad.data(), dw_.data(), dw_.numel());
  detail::add_into(bias_.grad.data(), db_.data(), db_.numel());
  return dx_;
}

// [SECTION] Conv2d

Conv2d::Conv2d(int64_t in_ch, int64_t out_ch, int64_t kernel, int64_t stride, int64_t pad, Rng& rng,
               Activation fused, float leaky_slope)
    : ConvolutionBase(in_ch, out_ch, kernel, stride, pad, fused, leaky_slope, "Conv2d") {
  detail::init_params(weight_.value, bias_.value, in_ch * kernel * kernel, rng);
}

std::string Conv2d::describe() const {
  return "Conv2d(" + conv_args(in_ch_, out_ch_, k_, stride_, pad_) + ")" + act_suffix(act_);
}

int64_t Conv2d::output_size(int64_t in) const {
  int64_t span = in + 2 * pad_ - k_;
  return span < 0 ? 0 : span / stride_ + 1;
}

detail::ConvPlan Conv2d::build_plan(const Shape& xs) const {
  using namespace dnnl;
  detail::ConvPlan p;
  const int64_t oh = output_size(xs[2]), ow = output_size(xs[3]);
  p.y_shape = {xs[0], out_ch_, oh, ow};
  auto x_md = plain_md(xs, Tag::nchw);
  auto w_md = plain_md({out_ch_, in_ch_, k_, k_}, Tag::oihw);
  auto b_md = plain_md({out_ch_}, Tag::x);
  auto y_md = plain_md(p.y_shape, Tag::nchw);
  // `any`: oneDNN picks the layouts its direct jit kernels want; the bridges reorder at the edges.
  auto x_any = plain_md(xs, Tag::any), w_any = plain_md({out_ch_, in_ch_, k_, k_}, Tag::any);
  auto y_any = plain_md(p.y_shape, Tag::any);
  memory::dims strides{stride_, stride_}, pad_l{pad_, pad_};
  // Right padding that makes the division exact (the floor drops the rest of the input).
  memory::dims pad_r{(oh - 1) * stride_ + k_ - xs[2] - pad_,
                     (ow - 1) * stride_ + k_ - xs[3] - pad_};
  auto& eng = cpu_engine();
  const primitive_attr act_attr = detail::activation_attr(act_, slope_);
  auto fwd_pd = unpadded(
      [&](const memory::desc& x, const memory::desc& y) {
        return convolution_forward::primitive_desc(
            {prop_kind::forward_training, algorithm::convolution_direct, x, w_any, b_md, y, strides,
             pad_l, pad_r},
            act_attr, eng);
      },
      x_any, y_any, x_md, y_md);
  p.fwd = convolution_forward(fwd_pd);
  auto bwd_data_pd = unpadded(
      [&](const memory::desc& x, const memory::desc& y) {
        return convolution_backward_data::primitive_desc(
            {algorithm::convolution_direct, x, w_any, y, strides, pad_l, pad_r}, eng, fwd_pd);
      },
      x_any, y_any, x_md, y_md);
  p.bwd_data = convolution_backward_data(bwd_data_pd);
  auto bwd_w_pd = unpadded(
      [&](const memory::desc& x, const memory::desc& y) {
        return convolution_backward_weights::primitive_desc(
            {algorithm::convolution_direct, x, w_any, b_md, y, strides, pad_l, pad_r}, eng, fwd_pd);
      },
      x_any, y_any, x_md, y_md);
  p.bwd_weights = convolution_backward_weights(bwd_w_pd);
  // Below one channel block (8) oneDNN's kernels waste most of their work; see
  // direct_backward_weights.
  p.direct_bwd_weights = stride_ == 1 && in_ch_ < 8;
  finish_plan(p, fwd_pd, bwd_data_pd, bwd_w_pd, x_md, w_md, b_md, y_md);
  return p;
}

// [SECTION] ConvTranspose2d

ConvTranspose2d::ConvTranspose2d(int64_t in_ch, int64_t out_ch, int64_t kernel, int64_t stride,
                                 int64_t pad, int64_t output_pad, Rng& rng, Activation fused,
                                 float leaky_slope)
    : ConvolutionBase(in_ch, out_ch, kernel, stride, pad, fused, leaky_slope, "ConvTranspose2d"),
      out_pad_(output_pad) {
  if (output_pad < 0 || output_pad >= stride || output_pad > pad)
    throw InputError("ConvTranspose2d: output_pad must be in [0, min(stride - 1, pad)], got " +
                     std::to_string(output_pad) + " with stride " + std::to_string(stride) +
                     " and pad " + std::to_string(pad));
  detail::init_params(weight_.value, bias_.value, in_ch * kernel * kernel, rng);
}

std::string ConvTranspose2d::describe() const {
  return "ConvTranspose2d(" + conv_args(in_ch_, out_ch_, k_, stride_, pad_) + " op" +
         std::to_string(out_pad_) + ")" + act_suffix(act_);
}

int64_t ConvTranspose2d::output_size(int64_t in) const {
  return (in - 1) * stride_ - 2 * pad_ + k_ + out_pad_;
}

detail::ConvPlan ConvTranspose2d::build_plan(const Shape& xs) const {
  using namespace dnnl;
  detail::ConvPlan p;
  p.y_shape = {xs[0], out_ch_, output_size(xs[2]), output_size(xs[3])};
  auto x_md = plain_md(xs, Tag::nchw);
  auto w_md = plain_md({out_ch_, in_ch_, k_, k_}, Tag::oihw);
  auto b_md = plain_md({out_ch_}, Tag::x);
  auto y_md = plain_md(p.y_shape, Tag::nchw);
  // `any`: oneDNN picks the layouts its direct jit kernels want; the bridges reorder at the edges.
  auto x_any = plain_md(xs, Tag::any), w_any = plain_md({out_ch_, in_ch_, k_, k_}, Tag::any);
  auto y_any = plain_md(p.y_shape, Tag::any);
  memory::dims strides{stride_, stride_}, pad_l{pad_, pad_};
  memory::dims pad_r{pad_ - out_pad_, pad_ - out_pad_};
  auto& eng = cpu_engine();
  // No fused activation: oneDNN 2.6 applies a deconvolution's post-ops in a slow separate pass
  // (64 -> 32 s2 at batch 128: 7.5 ms -> 98 ms with a ReLU), so the layer applies it itself.
  p.separate_activation = act_ != Activation::none;
  auto fwd_pd = unpadded(
      [&](const memory::desc& x, const memory::desc& y) {
        return deconvolution_forward::primitive_desc(
            {prop_kind::forward_training, algorithm::deconvolution_direct, x, w_any, b_md, y,
             strides, pad_l, pad_r},
            eng);
      },
      x_any, y_any, x_md, y_md);
  p.fwd = deconvolution_forward(fwd_pd);
  auto bwd_data_pd = unpadded(
      [&](const memory::desc& x, const memory::desc& y) {
        return deconvolution_backward_data::primitive_desc(
            {algorithm::deconvolution_direct, x, w_any, y, strides, pad_l, pad_r}, eng, fwd_pd);
      },
      x_any, y_any, x_md, y_md);
  p.bwd_data = deconvolution_backward_data(bwd_data_pd);
  auto bwd_w_pd = unpadded(
      [&](const memory::desc& x, const memory::desc& y) {
        return deconvolution_backward_weights::primitive_desc(
            {algorithm::deconvolution_direct, x, w_any, b_md, y, strides, pad_l, pad_r}, eng,
            fwd_pd);
      },
      x_any, y_any, x_md, y_md);
  p.bwd_weights = deconvolution_backward_weights(bwd_w_pd);
  finish_plan(p, fwd_pd, bwd_data_pd, bwd_w_pd, x_md, w_md, b_md, y_md);
  return p;
}

}  // namespace aelab::nn
