#include "nn/winograd_conv.hpp"

// Index
// [SECTION] Geometry and plan
// [SECTION] Layout changes (NCHW <-> channel-innermost, padded)
// [SECTION] Tile transforms F(2x2, 3x3)
// [SECTION] WinogradConv2d

#include <algorithm>
#include <stdexcept>

#include "core/error.hpp"
#include "nn/dnnl_util.hpp"

// The transforms are memory-bound loops over channels; an AVX2 clone runs where the CPU has it
// (the library itself is built for baseline x86-64).
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(__SANITIZE_ADDRESS__)
#define AELAB_WINO_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define AELAB_WINO_CLONES
#endif

namespace aelab::nn {

// [SECTION] Geometry and plan

namespace detail {

// One input shape. Tiles: th x tw per image, each 2x2 outputs, T = N th tw in all, t = (n th +
// ty) tw + tx. Buffers (channel innermost):
//   xp  (N, hp, wp, C)    input, zero-padded: input row r sits at row r + 1; hp = 2 th + 2
//   v   (16, T, C)        B^T d B per tile, Winograd point xi = 4 i + j outermost
//   u   (16, C, O)        G g G^T per filter
//   m   (16, T, O)        v . u (forward), dM = A dY A^T (backward)
//   zp  (N, 2 th, 2 tw, O) output before bias and activation (forward), dz (backward); rows and
//                         columns past H, W (odd sizes) are zero in the backward
//   du  (16, C, O)        sum over tiles of v^T dM
//   dv  (16, T, C)        dM u^T
//   dxp (N, hp, wp, C)    dx, padded, tiles scatter-added
struct WinogradPlan {
  int64_t n = 0, c = 0, o = 0, h = 0, w = 0, th = 0, tw = 0, t = 0, hp = 0, wp = 0;
  dnnl::matmul fwd;          // v (16, T, C) . u (16, C, O) -> m (16, T, O)
  dnnl::matmul bwd_data;     // dm (16, T, O) . u^T (16, O, C) -> dv (16, T, C)
  dnnl::matmul bwd_weights;  // v^T (16, C, T) . dm (16, T, O) -> du (16, C, O)
  dnnl::memory v, u, m, dm, ut, dv, vt, dm2, du;
  Args fwd_args, bwd_data_args, bwd_weights_args;
};

}  // namespace detail

using detail::bind;
using detail::strided_md;
using detail::unbound;
using detail::WinogradPlan;

namespace {

constexpr int64_t kPoints = 16;  // (2 + 3 - 1)^2 Winograd points

WinogradPlan make_plan(const Shape& xs, int64_t out_ch) {
  WinogradPlan p;
  p.n = xs[0], p.c = xs[1], p.h = xs[2], p.w = xs[3], p.o = out_ch;
  p.th = (p.h + 1) / 2, p.tw = (p.w + 1) / 2;
  p.t = p.n * p.th * p.tw;
  p.hp = 2 * p.th + 2, p.wp = 2 * p.tw + 2;
  const int64_t P = kPoints, T = p.t, C = p.c, O = p.o;
  auto& eng = cpu_engine();
  auto v_md = strided_md({P, T, C}, {T * C, C, 1});
  auto u_md = strided_md({P, C, O}, {C * O, O, 1});
  auto m_md = strided_md({P, T, O}, {T * O, O, 1});
  auto ut_md = strided_md({P, O, C}, {C * O, 1, O});  // u read transposed
  auto vt_md = strided_md({P, C, T}, {T * C, 1, C});  // v read transposed
  p.fwd = dnnl::matmul(dnnl::matmul::primitive_desc({v_md, u_md, m_md}, eng));
  p.v = unbound(v_md), p.u = unbound(u_md), p.m = unbound(m_md);
  p.fwd_args = {{DNNL_ARG_SRC, p.v}, {DNNL_ARG_WEIGHTS, p.u}, {DNNL_ARG_DST, p.m}};
  p.bwd_data = dnnl::matmul(dnnl::matmul::primitive_desc({m_md, ut_md, v_md}, eng));
  p.dm = unbound(m_md), p.ut = unbound(ut_md), p.dv = unbound(v_md);
  p.bwd_data_args = {{DNNL_ARG_SRC, p.dm}, {DNNL_ARG_WEIGHTS, p.ut}, {DNNL_ARG_DST, p.dv}};
  p.bwd_weights = dnnl::matmul(dnnl::matmul::primitive_desc({vt_md, m_md, u_md}, eng));
  p.vt = unbound(vt_md), p.dm2 = unbound(m_md), p.du = unbound(u_md);
  p.bwd_weights_args = {{DNNL_ARG_SRC, p.vt}, {DNNL_ARG_WEIGHTS, p.dm2}, {DNNL_ARG_DST, p.du}};
  return p;
}

// [SECTION] Layout changes (NCHW <-> channel-innermost, padded)

// x: (N, C, H, W) -> xp: (N, hp, wp, C), zero border.
AELAB_WINO_CLONES
void pad_to_channels_last(const float* x, float* xp, const WinogradPlan& p) {
  const int64_t C = p.c, H = p.h, W = p.w;
  std::fill_n(xp, p.n * p.hp * p.wp * C, 0.0f);
#pragma omp parallel for if (p.n * C * H * W > 262144)
  for (int64_t n = 0; n < p.n; ++n)
    for (int64_t r = 0; r < H; ++r) {
      float* dst = xp + ((n * p.hp + r + 1) * p.wp + 1) * C;
      for (int64_t c = 0; c < C; ++c) {
        const float* src = x + ((n * C + c) * H + r) * W;
        for (int64_t col = 0; col < W; ++col) dst[col * C + c] = src[col];
      }
    }
}

// zp: (N, 2 th, 2 tw, O) -> y: (N, O, H, W), plus bias.
AELAB_WINO_CLONES
void channels_last_to_output(const float* zp, const float* bias, float* y, const WinogradPlan& p) {
  const int64_t O = p.o, H = p.h, W = p.w, zw = 2 * p.tw;
#pragma omp parallel for if (p.n * O * H * W > 262144)
  for (int64_t n = 0; n < p.n; ++n)
    for (int64_t r = 0; r < H; ++r) {
      const float* src = zp + (n * 2 * p.th + r) * zw * O;
      for (int64_t o = 0; o < O; ++o) {
        float* dst = y + ((n * O + o) * H + r) * W;
        const float b = bias[o];
        for (int64_t col = 0; col < W; ++col) dst[col] = src[col * O + o] + b;
      }
    }
}

// dz: (N, O, H, W) -> zp: (N, 2 th, 2 tw, O) (zero past H, W); db[o] += sum of dz[:, o].
AELAB_WINO_CLONES
void gradient_to_channels_last(const float* dz, float* zp, float* db, const WinogradPlan& p) {
  const int64_t O = p.o, H = p.h, W = p.w, zh = 2 * p.th, zw = 2 * p.tw;
  if (zh != H || zw != W) std::fill_n(zp, p.n * zh * zw * O, 0.0f);
  for (int64_t n = 0; n < p.n; ++n)
    for (int64_t o = 0; o < O; ++o) {
      const float* src = dz + (n * O + o) * H * W;
      float sum = 0.0f;
#pragma omp simd reduction(+ : sum)
      for (int64_t i = 0; i < H * W; ++i) sum += src[i];
      db[o] += sum;
    }
#pragma omp parallel for if (p.n * O * H * W > 262144)
  for (int64_t n = 0; n < p.n; ++n)
    for (int64_t r = 0; r < H; ++r) {
      float* dst = zp + (n * zh + r) * zw * O;
      for (int64_t o = 0; o < O; ++o) {
        const float* src = dz + ((n * O + o) * H + r) * W;
        for (int64_t col = 0; col < W; ++col) dst[col * O + o] = src[col];
      }
    }
}

// dxp: (N, hp, wp, C) -> dx: (N, C, H, W), the border dropped.
AELAB_WINO_CLONES
void channels_last_to_input_grad(const float* dxp, float* dx, const WinogradPlan& p) {
  const int64_t C = p.c, H = p.h, W = p.w;
#pragma omp parallel for if (p.n * C * H * W > 262144)
  for (int64_t n = 0; n < p.n; ++n)
    for (int64_t r = 0; r < H; ++r) {
      const float* src = dxp + ((n * p.hp + r + 1) * p.wp + 1) * C;
      for (int64_t c = 0; c < C; ++c) {
        float* dst = dx + ((n * C + c) * H + r) * W;
        for (int64_t col = 0; col < W; ++col) dst[col] = src[col * C + c];
      }
    }
}

// [SECTION] Tile transforms F(2x2, 3x3)
//   B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1]   G = [1 0 0; .5 .5 .5; .5 -.5 .5; 0 0 1]
//   A^T = [1 1 1 0; 0 1 -1 -1]
// Each transform applies its 1-D matrix along the tile's rows, then along its columns, one
// channel per simd lane.

// xp -> v: v[4 i + j][t][c] = (B^T d B)[i][j] with d the 4x4 patch of tile t, channel c.
AELAB_WINO_CLONES
void input_transform(const float* xp, float* v, const WinogradPlan& p) {
  const int64_t C = p.c, TC = p.t * C, row = p.wp * C;
#pragma omp parallel for if (p.t * C > 65536)
  for (int64_t n = 0; n < p.n; ++n)
    for (int64_t ty = 0; ty < p.th; ++ty)
      for (int64_t tx = 0; tx < p.tw; ++tx) {
        const int64_t t = (n * p.th + ty) * p.tw + tx;
        const float* d = xp + ((n * p.hp + 2 * ty) * p.wp + 2 * tx) * C;
        float* out = v + t * C;
#pragma omp simd
        for (int64_t c = 0; c < C; ++c) {
          float b[4][4];
          for (int j = 0; j < 4; ++j) {
            const float d0 = d[j * C + c], d1 = d[row + j * C + c];
            const float d2 = d[2 * row + j * C + c], d3 = d[3 * row + j * C + c];
            b[0][j] = d0 - d2, b[1][j] = d1 + d2, b[2][j] = d2 - d1, b[3][j] = d1 - d3;
          }
          for (int i = 0; i < 4; ++i) {
            out[(4 * i + 0) * TC + c] = b[i][0] - b[i][2];
            out[(4 * i + 1) * TC + c] = b[i][1] + b[i][2];
            out[(4 * i + 2) * TC + c] = b[i][2] - b[i][1];
            out[(4 * i + 3) * TC + c] = b[i][1] - b[i][3];
          }
        }
      }
}

// w: (O, C, 3, 3) -> u: u[4 i + j][c][o] = (G g G^T)[i][j], g = w[o, c].
void weight_transform(const float* w, float* u, int64_t C, int64_t O) {
  const int64_t CO = C * O;
  for (int64_t o = 0; o < O; ++o)
    for (int64_t c = 0; c < C; ++c) {
      const float* g = w + (o * C + c) * 9;
      float a[4][3];
      for (int j = 0; j < 3; ++j) {
        const float g0 = g[j], g1 = g[3 + j], g2 = g[6 + j];
        a[0][j] = g0, a[1][j] = 0.5f * (g0 + g1 + g2), a[2][j] = 0.5f * (g0 - g1 + g2), a[3][j] = g2;
      }
      float* out = u + c * O + o;
      for (int i = 0; i < 4; ++i) {
        out[(4 * i + 0) * CO] = a[i][0];
        out[(4 * i + 1) * CO] = 0.5f * (a[i][0] + a[i][1] + a[i][2]);
        out[(4 * i + 2) * CO] = 0.5f * (a[i][0] - a[i][1] + a[i][2]);
        out[(4 * i + 3) * CO] = a[i][2];
      }
    }
}

// m -> zp: the 2x2 outputs A^T M A of every tile (rows and columns past H, W are written too;
// the copy to NCHW drops them).
AELAB_WINO_CLONES
void output_transform(const float* m, float* zp, const WinogradPlan& p) {
  const int64_t O = p.o, TO = p.t * O, row = 2 * p.tw * O;
#pragma omp parallel for if (p.t * O > 65536)
  for (int64_t n = 0; n < p.n; ++n)
    for (int64_t ty = 0; ty < p.th; ++ty)
      for (int64_t tx = 0; tx < p.tw; ++tx) {
        const int64_t t = (n * p.th + ty) * p.tw + tx;
        const float* in = m + t * O;
        float* out = zp + ((n * 2 * p.th + 2 * ty) * 2 * p.tw + 2 * tx) * O;
#pragma omp simd
        for (int64_t o = 0; o < O; ++o) {
          float a[2][4];
          for (int j = 0; j < 4; ++j) {
            const float m0 = in[j * TO + o], m1 = in[(4 + j) * TO + o];
            const float m2 = in[(8 + j) * TO + o], m3 = in[(12 + j) * TO + o];
            a[0][j] = m0 + m1 + m2, a[1][j] = m1 - m2 - m3;
          }
          for (int i = 0; i < 2; ++i) {
            out[i * row + o] = a[i][0] + a[i][1] + a[i][2];
            out[i * row + O + o] = a[i][1] - a[i][2] - a[i][3];
          }
        }
      }
}

// zp (dz) -> m: dM = A dZ A^T per tile.
AELAB_WINO_CLONES
void output_gradient_transform(const float* zp, float* m, const WinogradPlan& p) {
  const int64_t O = p.o, TO = p.t * O, row = 2 * p.tw * O;
#pragma omp parallel for if (p.t * O > 65536)
  for (int64_t n = 0; n < p.n; ++n)
    for (int64_t ty = 0; ty < p.th; ++ty)
      for (int64_t tx = 0; tx < p.tw; ++tx) {
        const int64_t t = (n * p.th + ty) * p.tw + tx;
        const float* in = zp + ((n * 2 * p.th + 2 * ty) * 2 * p.tw + 2 * tx) * O;
        float* out = m + t * O;
#pragma omp simd
        for (int64_t o = 0; o < O; ++o) {
          const float z00 = in[o], z01 = in[O + o], z10 = in[row + o], z11 = in[row + O + o];
          // A dZ: rows z0, z0 + z1, z0 - z1, -z1 (per column)
          const float a[4][2] = {{z00, z01}, {z00 + z10, z01 + z11}, {z00 - z10, z01 - z11},
                                 {-z10, -z11}};
          for (int i = 0; i < 4; ++i) {
            out[(4 * i + 0) * TO + o] = a[i][0];
            out[(4 * i + 1) * TO + o] = a[i][0] + a[i][1];
            out[(4 * i + 2) * TO + o] = a[i][0] - a[i][1];
            out[(4 * i + 3) * TO + o] = -a[i][1];
          }
        }
      }
}

// du: (16, C, O) -> dw[o, c] += G^T dU G (3x3).
void weight_gradient_transform(const float* du, float* dw, int64_t C, int64_t O) {
  const int64_t CO = C * O;
  for (int64_t o = 0; o < O; ++o)
    for (int64_t c = 0; c < C; ++c) {
      const float* in = du + c * O + o;
      float a[3][4];
      for (int j = 0; j < 4; ++j) {
        const float x0 = in[j * CO], x1 = in[(4 + j) * CO], x2 = in[(8 + j) * CO];
        const float x3 = in[(12 + j) * CO];
        a[0][j] = x0 + 0.5f * (x1 + x2), a[1][j] = 0.5f * (x1 - x2), a[2][j] = 0.5f * (x1 + x2) + x3;
      }
      float* g = dw + (o * C + c) * 9;
      for (int k = 0; k < 3; ++k) {
        g[3 * k + 0] += a[k][0] + 0.5f * (a[k][1] + a[k][2]);
        g[3 * k + 1] += 0.5f * (a[k][1] - a[k][2]);
        g[3 * k + 2] += 0.5f * (a[k][1] + a[k][2]) + a[k][3];
      }
    }
}

// dv: (16, T, C) -> dxp: B dV B^T per tile, added into the tile's 4x4 patch (patches overlap).
AELAB_WINO_CLONES
void input_gradient_transform(const float* dv, float* dxp, const WinogradPlan& p) {
  const int64_t C = p.c, TC = p.t * C, row = p.wp * C;
  std::fill_n(dxp, p.n * p.hp * p.wp * C, 0.0f);
#pragma omp parallel for if (p.t * C > 65536)
  for (int64_t n = 0; n < p.n; ++n)
    for (int64_t ty = 0; ty < p.th; ++ty)
      for (int64_t tx = 0; tx < p.tw; ++tx) {
        const int64_t t = (n * p.th + ty) * p.tw + tx;
        const float* in = dv + t * C;
        float* d = dxp + ((n * p.hp + 2 * ty) * p.wp + 2 * tx) * C;
#pragma omp simd
        for (int64_t c = 0; c < C; ++c) {
          // B X: rows x0, x1 - x2 + x3, -x0 + x1 + x2, -x3 (per column j)
          float b[4][4];
          for (int j = 0; j < 4; ++j) {
            const float x0 = in[j * TC + c], x1 = in[(4 + j) * TC + c];
            const float x2 = in[(8 + j) * TC + c], x3 = in[(12 + j) * TC + c];
            b[0][j] = x0, b[1][j] = x1 - x2 + x3, b[2][j] = x1 + x2 - x0, b[3][j] = -x3;
          }
          for (int i = 0; i < 4; ++i) {
            float* r = d + i * row + c;
            r[0] += b[i][0];
            r[C] += b[i][1] - b[i][2] + b[i][3];
            r[2 * C] += b[i][1] + b[i][2] - b[i][0];
            r[3 * C] -= b[i][3];
          }
        }
      }
}

}  // namespace

// [SECTION] WinogradConv2d

WinogradConv2d::WinogradConv2d(int64_t in_ch, int64_t out_ch, Rng& rng, Activation fused,
                               float leaky_slope)
    : in_ch_(in_ch),
      out_ch_(out_ch),
      act_(fused),
      slope_(leaky_slope),
      plans_(std::make_unique<detail::PlanCache<WinogradPlan>>()) {
  if (in_ch <= 0 || out_ch <= 0)
    throw InputError("WinogradConv2d: channels must be positive (in " + std::to_string(in_ch) +
                     ", out " + std::to_string(out_ch) + ")");
  detail::check_leaky_slope(fused, leaky_slope, "WinogradConv2d");
  weight_ = Param{"weight", Tensor({out_ch, in_ch, 3, 3}), Tensor({out_ch, in_ch, 3, 3})};
  bias_ = Param{"bias", Tensor({out_ch}), Tensor({out_ch})};
  // The same draws as Conv2d(in, out, 3, 1, 1): one seed gives one network either way.
  detail::init_params(weight_.value, bias_.value, in_ch * 9, rng);
}

WinogradConv2d::~WinogradConv2d() = default;
WinogradConv2d::WinogradConv2d(WinogradConv2d&&) noexcept = default;
WinogradConv2d& WinogradConv2d::operator=(WinogradConv2d&&) noexcept = default;

std::string WinogradConv2d::describe() const {
  std::string s = "WinogradConv2d(" + std::to_string(in_ch_) + " -> " + std::to_string(out_ch_) +
                  ", k3 s1 p1, F(2x2,3x3))";
  if (act_ != Activation::none) s += " + " + std::string(activation_name(act_));
  return s;
}

WinogradPlan& WinogradConv2d::plan_for(const Shape& x_shape) {
  return plans_->get(x_shape, [&] {
    try {
      return make_plan(x_shape, out_ch_);
    } catch (const dnnl::error& e) {
      rethrow_dnnl(e, "building " + describe() + " for input " + shape_str(x_shape));
    }
  });
}

const Tensor& WinogradConv2d::forward(const Tensor& x) {
  // x: (N, in_ch, H, W) -> y: (N, out_ch, H, W)
  if (x.rank() != 4 || x.dim(1) != in_ch_ || x.dim(2) < 1 || x.dim(3) < 1)
    throw ShapeError(describe() + ": expected input (N, " + std::to_string(in_ch_) +
                     ", H, W), got " + shape_str(x.shape()));
  WinogradPlan& p = plan_for(x.shape());
  xp_.resize({p.n, p.hp, p.wp, p.c});
  v_.resize({kPoints, p.t, p.c});
  u_.resize({kPoints, p.c, p.o});
  m_.resize({kPoints, p.t, p.o});
  dzp_.resize({p.n, 2 * p.th, 2 * p.tw, p.o});
  y_.resize({p.n, p.o, p.h, p.w});

  pad_to_channels_last(x.data(), xp_.data(), p);
  input_transform(xp_.data(), v_.data(), p);
  weight_transform(weight_.value.data(), u_.data(), p.c, p.o);
  bind(p.v, v_.data()), bind(p.u, u_.data()), bind(p.m, m_.data());
  try {
    p.fwd.execute(cpu_stream(), p.fwd_args);
    cpu_stream().wait();
  } catch (const dnnl::error& e) {
    rethrow_dnnl(e, "running " + describe());
  }
  output_transform(m_.data(), dzp_.data(), p);
  channels_last_to_output(dzp_.data(), bias_.value.data(), y_.data(), p);
  if (act_ != Activation::none) activation_forward(act_, slope_, y_.data(), y_.data(), y_.numel());
  x_ = &x;
  return y_;
}

const Tensor& WinogradConv2d::backward(const Tensor& dy) {
  if (!x_) throw std::logic_error(describe() + ": backward before forward");
  if (dy.shape() != y_.shape())
    throw ShapeError(describe() + ": gradient of shape " + shape_str(dy.shape()) +
                     " for an output of shape " + shape_str(y_.shape()));
  WinogradPlan& p = plan_for(x_->shape());
  // v_ and u_ still hold the forward's transforms: x_ and the weights are unchanged until backward
  // (Module contract).
  const float* dz = dy.data();
  if (act_ != Activation::none) {
    dz_.resize(dy.shape());
    activation_backward_from_output(act_, slope_, y_.data(), dy.data(), dz_.data(), dy.numel());
    dz = dz_.data();
  }
  gradient_to_channels_last(dz, dzp_.data(), bias_.grad.data(), p);
  output_gradient_transform(dzp_.data(), m_.data(), p);
  du_.resize({kPoints, p.c, p.o});
  try {
    bind(p.vt, v_.data()), bind(p.dm2, m_.data()), bind(p.du, du_.data());
    p.bwd_weights.execute(cpu_stream(), p.bwd_weights_args);
    if (needs_input_grad()) {
      dv_.resize({kPoints, p.t, p.c});
      bind(p.dm, m_.data()), bind(p.ut, u_.data()), bind(p.dv, dv_.data());
      p.bwd_data.execute(cpu_stream(), p.bwd_data_args);
    }
    cpu_stream().wait();
  } catch (const dnnl::error& e) {
    rethrow_dnnl(e, "running the backward of " + describe());
  }
  weight_gradient_transform(du_.data(), weight_.grad.data(), p.c, p.o);
  if (!needs_input_grad()) {
    dx_ = Tensor();
    return dx_;
  }
  dxp_.resize({p.n, p.hp, p.wp, p.c});
  input_gradient_transform(dv_.data(), dxp_.data(), p);
  dx_.resize(x_->shape());
  channels_last_to_input_grad(dxp_.data(), dx_.data(), p);
  return dx_;
}

}  // namespace aelab::nn
