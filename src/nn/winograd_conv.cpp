#include "nn/winograd_conv.hpp"

// Index
// [SECTION] Geometry and plan
// [SECTION] Layout changes (NCHW <-> channel innermost)
// [SECTION] Tile transforms F(2x2, 3x3)
// [SECTION] WinogradConv2d

#include <algorithm>
#include <stdexcept>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "core/error.hpp"
#include "nn/dnnl_util.hpp"

#ifdef AELAB_WINO_PROFILE  // a throwaway timing harness compiles this file itself
#include <ctime>
namespace aelab::nn::wino_prof {
inline double acc[16];
inline const char* names[16];
inline double cpu_now() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec + 1e-9 * ts.tv_nsec;
}
struct Scope {
  int i;
  double t0 = cpu_now();
  Scope(int i_, const char* n) : i(i_) { names[i] = n; }
  ~Scope() { acc[i] += cpu_now() - t0; }
};
}  // namespace aelab::nn::wino_prof
#define WINO_T(i, name) aelab::nn::wino_prof::Scope wino_scope_##i(i, name)
#else
#define WINO_T(i, name)
#endif

// The transforms are short loops over channels; an AVX2 clone runs where the CPU has it (the
// library itself is built for baseline x86-64).
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && \
    !defined(__SANITIZE_ADDRESS__)
#define AELAB_WINO_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define AELAB_WINO_CLONES
#endif

namespace aelab::nn {

// [SECTION] Geometry and plan

namespace detail {

// The batch runs in chunks of a few images, so that a chunk's Winograd-domain data (16 x its
// tiles x channels) stays in the core's L2 cache from the transform through the GEMM to the
// inverse transform; over the whole batch at once (13 MB of V and 26 MB of M for dis_net's conv2
// at batch 128) every pass streamed through memory and the GEMMs ran at half speed.
//
// Tiles: th x tw per image, each 2x2 outputs, t = (image th + ty) tw + tx within a chunk.
// Buffers, channel innermost:
//   xp  (nb, hp, wp, C)        the chunk's input, zero-padded: input row r at row r + 1;
//                              hp = 2 th + 2 (the border is zeroed once, the copy fills the rest)
//   v   (16, T, C)             B^T d B per tile, Winograd point xi = 4 i + j outermost
//   m   (16, T, O)             v . u (forward), dM = A dZ A^T (backward)
//   zp  (nb, 2 th, 2 tw, O)    the output, bias added (and a ReLU applied)
//   dzp (nb, 2 th, 2 tw, O)    dz (rows and columns past H, W stay zero)
//   dv  (16, T, C)             dM u^T
//   dxp (nb, hp, wp, C)        dx, padded; tiles scatter-add into it
// On the layer: u (16, C, O) = G g G^T and du (16, C, O). The layout changes between NCHW and
// these buffers are plain loops on one chunk, in cache (oneDNN's reorders took 3x as long).
struct WinogradChunk {
  int64_t nb = 0, t = 0;
  dnnl::matmul fwd;          // v (16, T, C) . u (16, C, O) -> m (16, T, O)
  dnnl::matmul bwd_data;     // dm (16, T, O) . u^T (16, O, C) -> dv (16, T, C)
  dnnl::matmul bwd_weights;  // v^T (16, C, T) . dm (16, T, O) -> du (16, C, O), accumulating
  dnnl::memory v, u, m, dm, ut, dv, vt, dm2, du;
  Args fwd_args, bwd_data_args, bwd_weights_args;
};

struct WinogradPlan {
  int64_t n = 0, c = 0, o = 0, h = 0, w = 0, th = 0, tw = 0, hp = 0, wp = 0;
  int64_t nb = 0;                // images per chunk
  WinogradChunk full, tail;      // tail: the last, smaller chunk (tail.nb == 0 if none)
  Tensor xp, v, m, zp, dzp, dv, dxp;  // chunk scratch, sized for `full`
};

}  // namespace detail

using detail::bind;
using detail::strided_md;
using detail::unbound;
using detail::WinogradChunk;
using detail::WinogradPlan;

namespace {

constexpr int64_t kPoints = 16;  // (2 + 3 - 1)^2 Winograd points
// Tiles per chunk to aim at: dis_net's conv2 (49 tiles per image, 32 -> 64 channels) runs in
// chunks of 4 images, ~0.4 MB of v and ~0.8 MB of m.
constexpr int64_t kChunkTiles = 196;

WinogradChunk make_chunk(const WinogradPlan& p, int64_t nb) {
  WinogradChunk k;
  k.nb = nb;
  k.t = nb * p.th * p.tw;
  const int64_t P = kPoints, T = k.t, C = p.c, O = p.o;
  auto& eng = cpu_engine();
  auto v_md = strided_md({P, T, C}, {T * C, C, 1});
  auto u_md = strided_md({P, C, O}, {C * O, O, 1});
  auto m_md = strided_md({P, T, O}, {T * O, O, 1});
  auto ut_md = strided_md({P, O, C}, {C * O, 1, O});  // u read transposed
  auto vt_md = strided_md({P, C, T}, {T * C, 1, C});  // v read transposed
  k.fwd = dnnl::matmul(dnnl::matmul::primitive_desc({v_md, u_md, m_md}, eng));
  k.v = unbound(v_md), k.u = unbound(u_md), k.m = unbound(m_md);
  k.fwd_args = {{DNNL_ARG_SRC, k.v}, {DNNL_ARG_WEIGHTS, k.u}, {DNNL_ARG_DST, k.m}};
  k.bwd_data = dnnl::matmul(dnnl::matmul::primitive_desc({m_md, ut_md, v_md}, eng));
  k.dm = unbound(m_md), k.ut = unbound(ut_md), k.dv = unbound(v_md);
  k.bwd_data_args = {{DNNL_ARG_SRC, k.dm}, {DNNL_ARG_WEIGHTS, k.ut}, {DNNL_ARG_DST, k.dv}};
  dnnl::post_ops sum;
  sum.append_sum(1.0f);
  dnnl::primitive_attr acc;
  acc.set_post_ops(sum);
  k.bwd_weights = dnnl::matmul(dnnl::matmul::primitive_desc({vt_md, m_md, u_md}, acc, eng));
  k.vt = unbound(vt_md), k.dm2 = unbound(m_md), k.du = unbound(u_md);
  k.bwd_weights_args = {{DNNL_ARG_SRC, k.vt}, {DNNL_ARG_WEIGHTS, k.dm2}, {DNNL_ARG_DST, k.du}};

  return k;
}

WinogradPlan make_plan(const Shape& xs, int64_t out_ch) {
  WinogradPlan p;
  p.n = xs[0], p.c = xs[1], p.h = xs[2], p.w = xs[3], p.o = out_ch;
  p.th = (p.h + 1) / 2, p.tw = (p.w + 1) / 2;
  p.hp = 2 * p.th + 2, p.wp = 2 * p.tw + 2;
  p.nb = std::clamp<int64_t>(kChunkTiles / (p.th * p.tw), 1, std::max<int64_t>(p.n, 1));
  p.full = make_chunk(p, p.nb);
  if (p.n % p.nb != 0) p.tail = make_chunk(p, p.n % p.nb);
  const int64_t T = p.full.t;
  p.xp = Tensor({p.nb * p.hp * p.wp * p.c});  // zero: the border stays so
  p.v.resize({kPoints * T * p.c});
  p.m.resize({kPoints * T * p.o});
  p.zp.resize({p.nb * 4 * p.th * p.tw * p.o});
  p.dzp = Tensor({p.nb * 4 * p.th * p.tw * p.o});  // zero: rows and columns past H, W stay so
  p.dv.resize({kPoints * T * p.c});
  p.dxp.resize({p.nb * p.hp * p.wp * p.c});
  return p;
}

// [SECTION] Layout changes (NCHW <-> channel innermost)

// Between an NCHW image, planes (C, H, W), and a channel-innermost one, cl[(r * row + col) * C
// + c], in 4x4 blocks (4 channels x 4 columns) through registers. Channels outermost: the NCHW
// side streams through 4 planes at a time, the channel-innermost side is a chunk buffer in cache
// (a scalar loop over all planes of a row ran at 3 ns a float). The last column block overlaps
// the one before when W is not a multiple of 4 (its writes are idempotent). With kMask,
// to_channels_last keeps src only where mask (laid out as src) > 0: the ReLU's derivative.
template <bool kMask>
[[gnu::always_inline]] inline void to_channels_last(const float* src, const float* mask,
                                                    float* cl, int64_t C, int64_t H, int64_t W,
                                                    int64_t row) {
  const int64_t HW = H * W;
  int64_t c = 0;
#ifdef __SSE2__
  if (W >= 4)
    for (; c + 4 <= C; c += 4)
      for (int64_t r = 0; r < H; ++r)
        for (int64_t col0 = 0; col0 < W; col0 += 4) {
          const int64_t col = std::min(col0, W - 4);
          __m128 v[4];
          for (int i = 0; i < 4; ++i) {
            const int64_t at = (c + i) * HW + r * W + col;
            v[i] = _mm_loadu_ps(src + at);
            if constexpr (kMask)
              v[i] = _mm_and_ps(v[i], _mm_cmpgt_ps(_mm_loadu_ps(mask + at), _mm_setzero_ps()));
          }
          _MM_TRANSPOSE4_PS(v[0], v[1], v[2], v[3]);
          for (int i = 0; i < 4; ++i) _mm_storeu_ps(cl + (r * row + col + i) * C + c, v[i]);
        }
#endif
  for (; c < C; ++c)
    for (int64_t r = 0; r < H; ++r)
      for (int64_t col = 0; col < W; ++col) {
        const int64_t at = c * HW + r * W + col;
        cl[(r * row + col) * C + c] = !kMask || mask[at] > 0.0f ? src[at] : 0.0f;
      }
}

[[gnu::always_inline]] inline void to_nchw(const float* cl, float* dst, int64_t C, int64_t H,
                                           int64_t W, int64_t row) {
  const int64_t HW = H * W;
  int64_t c = 0;
#ifdef __SSE2__
  if (W >= 4)
    for (; c + 4 <= C; c += 4)
      for (int64_t r = 0; r < H; ++r)
        for (int64_t col0 = 0; col0 < W; col0 += 4) {
          const int64_t col = std::min(col0, W - 4);
          __m128 v[4];
          for (int i = 0; i < 4; ++i) v[i] = _mm_loadu_ps(cl + (r * row + col + i) * C + c);
          _MM_TRANSPOSE4_PS(v[0], v[1], v[2], v[3]);
          for (int i = 0; i < 4; ++i) _mm_storeu_ps(dst + (c + i) * HW + r * W + col, v[i]);
        }
#endif
  for (; c < C; ++c)
    for (int64_t r = 0; r < H; ++r)
      for (int64_t col = 0; col < W; ++col) dst[c * HW + r * W + col] = cl[(r * row + col) * C + c];
}

// x: (nb, C, H, W) -> xp: (nb, hp, wp, C) interior (the border stays zero).
AELAB_WINO_CLONES
void input_to_channels_last(const float* x, float* xp, const WinogradPlan& p, int64_t nb) {
  const int64_t C = p.c, H = p.h, W = p.w;
  for (int64_t n = 0; n < nb; ++n)
    to_channels_last<false>(x + n * C * H * W, nullptr, xp + ((n * p.hp + 1) * p.wp + 1) * C, C,
                            H, W, p.wp);
}

// zp: (nb, 2 th, 2 tw, O) -> y: (nb, O, H, W).
AELAB_WINO_CLONES
void output_to_nchw(const float* zp, float* y, const WinogradPlan& p, int64_t nb) {
  const int64_t O = p.o, H = p.h, W = p.w;
  for (int64_t n = 0; n < nb; ++n)
    to_nchw(zp + n * 4 * p.th * p.tw * O, y + n * O * H * W, O, H, W, 2 * p.tw);
}

// dz: (nb, O, H, W) -> dzp: (nb, 2 th, 2 tw, O) interior; with kRelu, dz = dy where y > 0.
template <bool kRelu>
AELAB_WINO_CLONES void gradient_to_channels_last(const float* dy, const float* y, float* dzp,
                                                 const WinogradPlan& p, int64_t nb) {
  const int64_t O = p.o, H = p.h, W = p.w;
  for (int64_t n = 0; n < nb; ++n)
    to_channels_last<kRelu>(dy + n * O * H * W, kRelu ? y + n * O * H * W : nullptr,
                            dzp + n * 4 * p.th * p.tw * O, O, H, W, 2 * p.tw);
}

// dxp: (nb, hp, wp, C) interior -> dx: (nb, C, H, W).
AELAB_WINO_CLONES
void input_grad_to_nchw(const float* dxp, float* dx, const WinogradPlan& p, int64_t nb) {
  const int64_t C = p.c, H = p.h, W = p.w;
  for (int64_t n = 0; n < nb; ++n)
    to_nchw(dxp + ((n * p.hp + 1) * p.wp + 1) * C, dx + n * C * H * W, C, H, W, p.wp);
}

// [SECTION] Tile transforms F(2x2, 3x3)
//   B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1]   G = [1 0 0; .5 .5 .5; .5 -.5 .5; 0 0 1]
//   A^T = [1 1 1 0; 0 1 -1 -1]
// Each transform applies its 1-D matrix along the tile's rows, then along its columns, a group
// of channels per vector.

// One group of channels: V is float (one channel) or Vec (kLanes of them).
typedef float Vec __attribute__((vector_size(32), aligned(4)));  // unaligned loads and stores
constexpr int64_t kLanes = 8;

template <class V>
[[gnu::always_inline]] inline V load(const float* p) {
  return *reinterpret_cast<const V*>(p);
}
template <class V>
[[gnu::always_inline]] inline void store(float* p, V v) {
  *reinterpret_cast<V*>(p) = v;
}

// Calls body.template operator()<V>(c) over channels [0, n): Vec groups, then single floats.
template <class Body>
[[gnu::always_inline]] inline void over_channels(int64_t n, Body&& body) {
  int64_t c = 0;
  for (; c + kLanes <= n; c += kLanes) body.template operator()<Vec>(c);
  for (; c < n; ++c) body.template operator()<float>(c);
}

// xp -> v: v[4 i + j][t][c] = (B^T d B)[i][j] with d the 4x4 patch of tile t, channel c.
AELAB_WINO_CLONES
void input_transform(const float* xp, float* v, const WinogradPlan& p, int64_t nb) {
  const int64_t C = p.c, TC = nb * p.th * p.tw * C, row = p.wp * C;
  for (int64_t n = 0; n < nb; ++n)
    for (int64_t ty = 0; ty < p.th; ++ty)
      for (int64_t tx = 0; tx < p.tw; ++tx) {
        const int64_t t = (n * p.th + ty) * p.tw + tx;
        const float* d = xp + ((n * p.hp + 2 * ty) * p.wp + 2 * tx) * C;
        float* out = v + t * C;
        over_channels(C, [&]<class V>(int64_t c) {
          V b[4][4];
          for (int j = 0; j < 4; ++j) {
            const V d0 = load<V>(d + j * C + c), d1 = load<V>(d + row + j * C + c);
            const V d2 = load<V>(d + 2 * row + j * C + c), d3 = load<V>(d + 3 * row + j * C + c);
            b[0][j] = d0 - d2, b[1][j] = d1 + d2, b[2][j] = d2 - d1, b[3][j] = d1 - d3;
          }
          for (int i = 0; i < 4; ++i) {
            store<V>(out + (4 * i + 0) * TC + c, b[i][0] - b[i][2]);
            store<V>(out + (4 * i + 1) * TC + c, b[i][1] + b[i][2]);
            store<V>(out + (4 * i + 2) * TC + c, b[i][2] - b[i][1]);
            store<V>(out + (4 * i + 3) * TC + c, b[i][1] - b[i][3]);
          }
        });
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

// m -> zp: the 2x2 outputs A^T M A + bias of every tile, through a ReLU if kRelu (rows and
// columns past H, W are written too; the copy to NCHW drops them).
template <bool kRelu>
AELAB_WINO_CLONES void output_transform(const float* m, const float* bias, float* zp,
                                        const WinogradPlan& p, int64_t nb) {
  const int64_t O = p.o, TO = nb * p.th * p.tw * O, row = 2 * p.tw * O;
  for (int64_t n = 0; n < nb; ++n)
    for (int64_t ty = 0; ty < p.th; ++ty)
      for (int64_t tx = 0; tx < p.tw; ++tx) {
        const int64_t t = (n * p.th + ty) * p.tw + tx;
        const float* in = m + t * O;
        float* out = zp + ((n * 2 * p.th + 2 * ty) * 2 * p.tw + 2 * tx) * O;
        over_channels(O, [&]<class V>(int64_t o) {
          V a[2][4];
          for (int j = 0; j < 4; ++j) {
            const V m0 = load<V>(in + j * TO + o), m1 = load<V>(in + (4 + j) * TO + o);
            const V m2 = load<V>(in + (8 + j) * TO + o), m3 = load<V>(in + (12 + j) * TO + o);
            a[0][j] = m0 + m1 + m2, a[1][j] = m1 - m2 - m3;
          }
          const V b = load<V>(bias + o);
          for (int i = 0; i < 2; ++i) {
            V y0 = a[i][0] + a[i][1] + a[i][2] + b, y1 = a[i][1] - a[i][2] - a[i][3] + b;
            if constexpr (kRelu) y0 = y0 > 0.0f ? y0 : 0.0f, y1 = y1 > 0.0f ? y1 : 0.0f;
            store<V>(out + i * row + o, y0);
            store<V>(out + i * row + O + o, y1);
          }
        });
      }
}

// dzp (dz) -> m: dM = A dZ A^T per tile; db[o] += sum of dz.
AELAB_WINO_CLONES
void output_gradient_transform(const float* zp, float* m, float* db, const WinogradPlan& p,
                               int64_t nb) {
  const int64_t O = p.o, TO = nb * p.th * p.tw * O, row = 2 * p.tw * O;
  for (int64_t n = 0; n < nb; ++n)
    for (int64_t ty = 0; ty < p.th; ++ty)
      for (int64_t tx = 0; tx < p.tw; ++tx) {
        const int64_t t = (n * p.th + ty) * p.tw + tx;
        const float* in = zp + ((n * 2 * p.th + 2 * ty) * 2 * p.tw + 2 * tx) * O;
        float* out = m + t * O;
        over_channels(O, [&]<class V>(int64_t o) {
          const V z00 = load<V>(in + o), z01 = load<V>(in + O + o);
          const V z10 = load<V>(in + row + o), z11 = load<V>(in + row + O + o);
          store<V>(db + o, load<V>(db + o) + ((z00 + z01) + (z10 + z11)));
          // A dZ: rows z0, z0 + z1, z0 - z1, -z1 (per column)
          const V a[4][2] = {{z00, z01}, {z00 + z10, z01 + z11}, {z00 - z10, z01 - z11},
                             {-z10, -z11}};
          for (int i = 0; i < 4; ++i) {
            store<V>(out + (4 * i + 0) * TO + o, a[i][0]);
            store<V>(out + (4 * i + 1) * TO + o, a[i][0] + a[i][1]);
            store<V>(out + (4 * i + 2) * TO + o, a[i][0] - a[i][1]);
            store<V>(out + (4 * i + 3) * TO + o, -a[i][1]);
          }
        });
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
void input_gradient_transform(const float* dv, float* dxp, const WinogradPlan& p, int64_t nb) {
  const int64_t C = p.c, TC = nb * p.th * p.tw * C, row = p.wp * C;
  std::fill_n(dxp, nb * p.hp * p.wp * C, 0.0f);
  for (int64_t n = 0; n < nb; ++n)
    for (int64_t ty = 0; ty < p.th; ++ty)
      for (int64_t tx = 0; tx < p.tw; ++tx) {
        const int64_t t = (n * p.th + ty) * p.tw + tx;
        const float* in = dv + t * C;
        float* d = dxp + ((n * p.hp + 2 * ty) * p.wp + 2 * tx) * C;
        over_channels(C, [&]<class V>(int64_t c) {
          // B X: rows x0, x1 - x2 + x3, -x0 + x1 + x2, -x3 (per column j)
          V b[4][4];
          for (int j = 0; j < 4; ++j) {
            const V x0 = load<V>(in + j * TC + c), x1 = load<V>(in + (4 + j) * TC + c);
            const V x2 = load<V>(in + (8 + j) * TC + c), x3 = load<V>(in + (12 + j) * TC + c);
            b[0][j] = x0, b[1][j] = x1 - x2 + x3, b[2][j] = x1 + x2 - x0, b[3][j] = -x3;
          }
          for (int i = 0; i < 4; ++i) {
            float* r = d + i * row + c;
            store<V>(r, load<V>(r) + b[i][0]);
            store<V>(r + C, load<V>(r + C) + (b[i][1] - b[i][2] + b[i][3]));
            store<V>(r + 2 * C, load<V>(r + 2 * C) + (b[i][1] + b[i][2] - b[i][0]));
            store<V>(r + 3 * C, load<V>(r + 3 * C) - b[i][3]);
          }
        });
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
  u_.resize({kPoints, p.c, p.o});
  y_.resize({p.n, p.o, p.h, p.w});
  weight_transform(weight_.value.data(), u_.data(), p.c, p.o);
  try {
    dnnl::stream& s = cpu_stream();
    const bool relu = act_ == Activation::relu;
    for (int64_t n0 = 0; n0 < p.n; n0 += p.nb) {
      WinogradChunk& k = n0 + p.nb <= p.n ? p.full : p.tail;
      {
        WINO_T(0, "x transpose");
        input_to_channels_last(x.data() + n0 * p.c * p.h * p.w, p.xp.data(), p, k.nb);
      }
      {
        WINO_T(1, "in_tf");
        input_transform(p.xp.data(), p.v.data(), p, k.nb);
      }
      {
        WINO_T(2, "mm_fwd");
        bind(k.v, p.v.data()), bind(k.u, u_.data()), bind(k.m, p.m.data());
        k.fwd.execute(s, k.fwd_args);
      }
      {
        WINO_T(3, "out_tf");
        if (relu)
          output_transform<true>(p.m.data(), bias_.value.data(), p.zp.data(), p, k.nb);
        else
          output_transform<false>(p.m.data(), bias_.value.data(), p.zp.data(), p, k.nb);
      }
      {
        WINO_T(4, "y transpose");
        float* y = y_.data() + n0 * p.o * p.h * p.w;
        output_to_nchw(p.zp.data(), y, p, k.nb);
        if (!relu && act_ != Activation::none)
          activation_forward(act_, slope_, y, y, k.nb * p.o * p.h * p.w);
      }
    }
    s.wait();
  } catch (const dnnl::error& e) {
    rethrow_dnnl(e, "running " + describe());
  }
  x_ = &x;
  return y_;
}

const Tensor& WinogradConv2d::backward(const Tensor& dy) {
  if (!x_) throw std::logic_error(describe() + ": backward before forward");
  if (dy.shape() != y_.shape())
    throw ShapeError(describe() + ": gradient of shape " + shape_str(dy.shape()) +
                     " for an output of shape " + shape_str(y_.shape()));
  WinogradPlan& p = plan_for(x_->shape());
  // u_ still holds the forward's: x_ and the weights are unchanged until backward (Module
  // contract). V is recomputed per chunk from x: cheaper than keeping the batch's in memory.
  du_.resize({kPoints, p.c, p.o});
  du_.zero();
  if (needs_input_grad()) dx_.resize(x_->shape());
  try {
    dnnl::stream& s = cpu_stream();
    for (int64_t n0 = 0; n0 < p.n; n0 += p.nb) {
      WinogradChunk& k = n0 + p.nb <= p.n ? p.full : p.tail;
      {
        WINO_T(5, "dy transpose");
        const int64_t at = n0 * p.o * p.h * p.w, count = k.nb * p.o * p.h * p.w;
        if (act_ == Activation::none || act_ == Activation::relu) {
          if (act_ == Activation::relu)
            gradient_to_channels_last<true>(dy.data() + at, y_.data() + at, p.dzp.data(), p, k.nb);
          else
            gradient_to_channels_last<false>(dy.data() + at, nullptr, p.dzp.data(), p, k.nb);
        } else {
          dz_.resize({count});
          activation_backward_from_output(act_, slope_, y_.data() + at, dy.data() + at,
                                          dz_.data(), count);
          gradient_to_channels_last<false>(dz_.data(), nullptr, p.dzp.data(), p, k.nb);
        }
      }
      {
        WINO_T(6, "dm_tf");
        output_gradient_transform(p.dzp.data(), p.m.data(), bias_.grad.data(), p, k.nb);
      }
      {
        WINO_T(7, "x transpose+in_tf");
        input_to_channels_last(x_->data() + n0 * p.c * p.h * p.w, p.xp.data(), p, k.nb);
        input_transform(p.xp.data(), p.v.data(), p, k.nb);
      }
      {
        WINO_T(8, "mm_bw");
        bind(k.vt, p.v.data()), bind(k.dm2, p.m.data()), bind(k.du, du_.data());
        k.bwd_weights.execute(s, k.bwd_weights_args);
      }
      if (!needs_input_grad()) continue;
      {
        WINO_T(9, "mm_bd");
        bind(k.dm, p.m.data()), bind(k.ut, u_.data()), bind(k.dv, p.dv.data());
        k.bwd_data.execute(s, k.bwd_data_args);
      }
      {
        WINO_T(10, "dx_tf+transpose");
        input_gradient_transform(p.dv.data(), p.dxp.data(), p, k.nb);
        input_grad_to_nchw(p.dxp.data(), dx_.data() + n0 * p.c * p.h * p.w, p, k.nb);
      }
    }
    s.wait();
  } catch (const dnnl::error& e) {
    rethrow_dnnl(e, "running the backward of " + describe());
  }
  weight_gradient_transform(du_.data(), weight_.grad.data(), p.c, p.o);
  if (!needs_input_grad()) dx_ = Tensor();
  return dx_;
}

}  // namespace aelab::nn
