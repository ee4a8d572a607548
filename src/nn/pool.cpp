#include "nn/pool.hpp"

#include <stdexcept>

#include "core/error.hpp"
#include "nn/dnnl_util.hpp"

namespace aelab::nn {

namespace detail {

struct PoolPlan {
  Shape x_shape, y_shape;
  dnnl::pooling_forward fwd;
  dnnl::pooling_backward bwd;
  dnnl::memory x, y, workspace;  // workspace: library-owned, written by fwd, read by bwd
  dnnl::memory dy, dx;
  Args fwd_args, bwd_args;
};

}  // namespace detail

using detail::bind;
using detail::plain_md;
using detail::Tag;
using detail::unbound;

MaxPool2d::MaxPool2d(int64_t kernel, int64_t stride)
    : k_(kernel), stride_(stride), plans_(std::make_unique<detail::PlanCache<detail::PoolPlan>>()) {
  if (kernel <= 0 || stride <= 0)
    throw InputError("MaxPool2d: kernel and stride must be positive, got " +
                     std::to_string(kernel) + ", " + std::to_string(stride));
}

MaxPool2d::~MaxPool2d() = default;
MaxPool2d::MaxPool2d(MaxPool2d&&) noexcept = default;
MaxPool2d& MaxPool2d::operator=(MaxPool2d&&) noexcept = default;

std::string MaxPool2d::describe() const {
  return "MaxPool2d(k" + std::to_string(k_) + " s" + std::to_string(stride_) + ")";
}

const Tensor& MaxPool2d::forward(const Tensor& x) {
  if (x.rank() != 4)
    throw ShapeError(describe() + ": expected input (N, C, H, W), got " + shape_str(x.shape()));
  if (output_size(x.dim(2)) <= 0 || output_size(x.dim(3)) <= 0)
    throw ShapeError(describe() + ": input " + shape_str(x.shape()) +
                     " is smaller than the window");
  detail::PoolPlan& p = plans_->get(x.shape(), [&] {
    try {
      using namespace dnnl;
      detail::PoolPlan q;
      const Shape& xs = x.shape();
      q.x_shape = xs;
      q.y_shape = {xs[0], xs[1], output_size(xs[2]), output_size(xs[3])};
      auto x_md = plain_md(xs, Tag::nchw);
      auto y_md = plain_md(q.y_shape, Tag::nchw);
      memory::dims strides{stride_, stride_}, kernel{k_, k_}, pad{0, 0};
      pooling_forward::primitive_desc fwd_pd({prop_kind::forward_training, algorithm::pooling_max,
                                              x_md, y_md, strides, kernel, pad, pad},
                                             cpu_engine());
      q.fwd = pooling_forward(fwd_pd);
      pooling_backward::primitive_desc bwd_pd(
          {algorithm::pooling_max, x_md, y_md, strides, kernel, pad, pad}, cpu_engine(), fwd_pd);
      q.bwd = pooling_backward(bwd_pd);
      q.x = unbound(x_md), q.y = unbound(y_md);
      q.workspace = memory(fwd_pd.workspace_desc(), cpu_engine());
      q.dy = unbound(y_md), q.dx = unbound(x_md);
      q.fwd_args = {{DNNL_ARG_SRC, q.x}, {DNNL_ARG_DST, q.y}, {DNNL_ARG_WORKSPACE, q.workspace}};
      q.bwd_args = {
          {DNNL_ARG_DIFF_DST, q.dy}, {DNNL_ARG_DIFF_SRC, q.dx}, {DNNL_ARG_WORKSPACE, q.workspace}};
      return q;
    } catch (const dnnl::error& e) {
      rethrow_dnnl(e, "building " + describe() + " for input " + shape_str(x.shape()));
    }
  });
  y_.resize(p.y_shape);
  bind(p.x, x.data()), bind(p.y, y_.data());
  try {
    p.fwd.execute(cpu_stream(), p.fwd_args);
    cpu_stream().wait();
  } catch (const dnnl::error& e) {
    rethrow_dnnl(e, "running " + describe());
  }
  last_ = &p;
  return y_;
}

const Tensor& MaxPool2d::backward(const Tensor& dy) {
  if (!last_) throw std::logic_error(describe() + ": backward before forward");
  if (dy.shape() != y_.shape())
    throw ShapeError(describe() + ": gradient of shape " + shape_str(dy.shape()) +
                     " for an output of shape " + shape_str(y_.shape()));
  if (!needs_input_grad()) {
    dx_ = Tensor();
    return dx_;
  }
  detail::PoolPlan& p = *last_;
  dx_.resize(p.x_shape);
  bind(p.dy, dy.data()), bind(p.dx, dx_.data());
  try {
    p.bwd.execute(cpu_stream(), p.bwd_args);
    cpu_stream().wait();
  } catch (const dnnl::error& e) {
    rethrow_dnnl(e, "running the backward of " + describe());
  }
  return dx_;
}

}  // namespace aelab::nn
