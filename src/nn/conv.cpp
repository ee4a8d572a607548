#include "nn/conv.hpp"

#include <stdexcept>

#include "core/error.hpp"
#include "nn/dnnl_util.hpp"

namespace aelab::nn {

namespace detail {

// One input shape's primitives. All tensors are plain nchw / oihw: the study's convs are small
// (a few channels, 28x28), where a blocked layout's reorders cost more than they save.
struct ConvPlan {
  Shape y_shape;
  dnnl::primitive fwd, bwd_data, bwd_weights;
  dnnl::memory x, w, b, y;       // forward
  dnnl::memory dz, w2, dx;       // backward data
  dnnl::memory x2, dz2, dw, db;  // backward weights
  Args fwd_args, bwd_data_args, bwd_weights_args;
};

}  // namespace detail

using detail::bind;
using detail::plain_md;
using detail::Tag;
using detail::unbound;

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

const Tensor& ConvolutionBase::forward(const Tensor& x) {
  // x: (N, in_ch, H, W) -> y: (N, out_ch, OH, OW)
  if (x.rank() != 4 || x.dim(1) != in_ch_)
    throw ShapeError(describe() + ": expected input (N, " + std::to_string(in_ch_) +
                     ", H, W), got " + shape_str(x.shape()));
  if (output_size(x.dim(2)) <= 0 || output_size(x.dim(3)) <= 0)
    throw ShapeError(describe() + ": input " + shape_str(x.shape()) +
                     " is too small for the kernel");
  detail::ConvPlan& p = plans_->get(x.shape(), [&] {
    try {
      return build_plan(x.shape());
    } catch (const dnnl::error& e) {
      rethrow_dnnl(e, "building " + describe() + " for input " + shape_str(x.shape()));
    }
  });
  y_.resize(p.y_shape);
  bind(p.x, x.data()), bind(p.w, weight_.value.data()), bind(p.b, bias_.value.data());
  bind(p.y, y_.data());
  try {
    p.fwd.execute(cpu_stream(), p.fwd_args);
    cpu_stream().wait();
  } catch (const dnnl::error& e) {
    rethrow_dnnl(e, "running " + describe());
  }
  x_ = &x;
  return y_;
}

const Tensor& ConvolutionBase::backward(const Tensor& dy) {
  if (!x_) throw std::logic_error(describe() + ": backward before forward");
  if (dy.shape() != y_.shape())
    throw ShapeError(describe() + ": gradient of shape " + shape_str(dy.shape()) +
                     " for an output of shape " + shape_str(y_.shape()));
  detail::ConvPlan& p = plans_->get(x_->shape(), [&] {
    try {
      return build_plan(x_->shape());
    } catch (const dnnl::error& e) {
      rethrow_dnnl(e, "building " + describe() + " for input " + shape_str(x_->shape()));
    }
  });

  const float* dz = dy.data();
  if (act_ != Activation::none) {
    dz_.resize(dy.shape());
    activation_backward_from_output(act_, slope_, y_.data(), dy.data(), dz_.data(), dy.numel());
    dz = dz_.data();
  }
  dw_.resize(weight_.value.shape());
  db_.resize(bias_.value.shape());
  try {
    bind(p.x2, x_->data()), bind(p.dz2, dz), bind(p.dw, dw_.data()), bind(p.db, db_.data());
    p.bwd_weights.execute(cpu_stream(), p.bwd_weights_args);
    if (needs_input_grad()) {
      dx_.resize(x_->shape());
      bind(p.dz, dz), bind(p.w2, weight_.value.data()), bind(p.dx, dx_.data());
      p.bwd_data.execute(cpu_stream(), p.bwd_data_args);
    } else {
      dx_ = Tensor();
    }
    cpu_stream().wait();
  } catch (const dnnl::error& e) {
    rethrow_dnnl(e, "running the backward of " + describe());
  }
  detail::add_into(weight_.grad.data(), dw_.data(), dw_.numel());
  detail::add_into(bias_.grad.data(), db_.data(), db_.numel());
  return dx_;
}

namespace {

std::string conv_args(int64_t in, int64_t out, int64_t k, int64_t s, int64_t p) {
  std::string r = std::to_string(in) + " -> " + std::to_string(out) + ", k" + std::to_string(k) +
                  " s" + std::to_string(s) + " p" + std::to_string(p);
  return r;
}

std::string act_suffix(Activation a) {
  return a == Activation::none ? "" : " + " + std::string(activation_name(a));
}

// Fills the memories and argument maps common to both layer kinds.
void bind_plan_memories(detail::ConvPlan& p, const dnnl::memory::desc& x_md,
                        const dnnl::memory::desc& w_md, const dnnl::memory::desc& b_md,
                        const dnnl::memory::desc& y_md) {
  p.x = unbound(x_md), p.w = unbound(w_md), p.b = unbound(b_md), p.y = unbound(y_md);
  p.fwd_args = {
      {DNNL_ARG_SRC, p.x}, {DNNL_ARG_WEIGHTS, p.w}, {DNNL_ARG_BIAS, p.b}, {DNNL_ARG_DST, p.y}};
  p.dz = unbound(y_md), p.w2 = unbound(w_md), p.dx = unbound(x_md);
  p.bwd_data_args = {
      {DNNL_ARG_DIFF_DST, p.dz}, {DNNL_ARG_WEIGHTS, p.w2}, {DNNL_ARG_DIFF_SRC, p.dx}};
  p.x2 = unbound(x_md), p.dz2 = unbound(y_md), p.dw = unbound(w_md), p.db = unbound(b_md);
  p.bwd_weights_args = {{DNNL_ARG_SRC, p.x2},
                        {DNNL_ARG_DIFF_DST, p.dz2},
                        {DNNL_ARG_DIFF_WEIGHTS, p.dw},
                        {DNNL_ARG_DIFF_BIAS, p.db}};
}

}  // namespace

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
  memory::dims strides{stride_, stride_}, pad_l{pad_, pad_};
  // Right padding that makes the division exact (the floor drops the rest of the input).
  memory::dims pad_r{(oh - 1) * stride_ + k_ - xs[2] - pad_,
                     (ow - 1) * stride_ + k_ - xs[3] - pad_};
  auto& eng = cpu_engine();
  convolution_forward::primitive_desc fwd_pd(
      {prop_kind::forward_training, algorithm::convolution_direct, x_md, w_md, b_md, y_md, strides,
       pad_l, pad_r},
      detail::activation_attr(act_, slope_), eng);
  p.fwd = convolution_forward(fwd_pd);
  convolution_backward_data::primitive_desc bwd_data_pd(
      {algorithm::convolution_direct, x_md, w_md, y_md, strides, pad_l, pad_r}, eng, fwd_pd);
  p.bwd_data = convolution_backward_data(bwd_data_pd);
  convolution_backward_weights::primitive_desc bwd_w_pd(
      {algorithm::convolution_direct, x_md, w_md, b_md, y_md, strides, pad_l, pad_r}, eng, fwd_pd);
  p.bwd_weights = convolution_backward_weights(bwd_w_pd);
  bind_plan_memories(p, x_md, w_md, b_md, y_md);
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
  memory::dims strides{stride_, stride_}, pad_l{pad_, pad_};
  memory::dims pad_r{pad_ - out_pad_, pad_ - out_pad_};
  auto& eng = cpu_engine();
  deconvolution_forward::primitive_desc fwd_pd(
      {prop_kind::forward_training, algorithm::deconvolution_direct, x_md, w_md, b_md, y_md,
       strides, pad_l, pad_r},
      detail::activation_attr(act_, slope_), eng);
  p.fwd = deconvolution_forward(fwd_pd);
  deconvolution_backward_data::primitive_desc bwd_data_pd(
      {algorithm::deconvolution_direct, x_md, w_md, y_md, strides, pad_l, pad_r}, eng, fwd_pd);
  p.bwd_data = deconvolution_backward_data(bwd_data_pd);
  deconvolution_backward_weights::primitive_desc bwd_w_pd(
      {algorithm::deconvolution_direct, x_md, w_md, b_md, y_md, strides, pad_l, pad_r}, eng,
      fwd_pd);
  p.bwd_weights = deconvolution_backward_weights(bwd_w_pd);
  bind_plan_memories(p, x_md, w_md, b_md, y_md);
  return p;
}

}  // namespace aelab::nn
