#include "nn/winograd_conv.hpp"

// Index
// [SECTION] Geometry and plan
// [SECTION] Layout changes (NCHW <-> channel innermost)
// [SECTION] Tile transforms F(m x m, 3x3)
// [SECTION] WinogradConv2d

#include <omp.h>

#include <algorithm>
#include <exception>
#include <stdexcept>
#include <type_traits>
#include <vector>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "core/error.hpp"
#include "core/simd_clones.hpp"
#include "nn/dnnl_util.hpp"
#include "nn/vec_io.hpp"

// The transforms are short loops over channels; an AVX2 clone runs where the CPU has it.

namespace aelab::nn {

// [SECTION] Geometry and plan

namespace detail {

// The batch runs in chunks of a few images, so that a chunk's Winograd-domain data (points x its
// tiles x channels) stays in the core's L2 cache from the transform through the GEMM to the
// inverse transform; over the whole batch at once (13 MB of V and 26 MB of M for dis_net's conv2
// at batch 128, F(2x2)) every pass streamed through memory and the GEMMs ran at half speed. With
// several threads, each takes whole chunks (its GEMMs then run single-threaded inside), so a
// pass is one parallel region rather than one per chunk and GEMM.
//
// Tiles: th x tw per image, each m x m outputs, t = (image th + ty) tw + tx within a chunk.
// One thread's buffers, channel innermost:
//   xp  (nb, hp, wp, C)        the chunk's input, zero-padded: input row r at row r + 1;
//                              hp = m th + 2 (the border is zeroed once, the copy fills the rest)
//   v   (P, tp, C)             B^T d B per tile, Winograd point xi = (m + 2) i + j outermost
//   m   (P, tp, O)             v . u (forward), dM = A dZ A^T (backward)
//   zp  (nb, m th, m tw, O)    the output, bias added (and a ReLU applied)
//   dzp (nb, m th, m tw, O)    dz (rows and columns past H, W stay zero)
//   dv  (P, tp, C)             dM u^T
//   dxp (nb, hp, wp, C)        dx, padded; tiles scatter-add into it
//   du  (P, C, O), db (O)      this thread's share of the weight and bias gradients
// On the layer: u (P, C, O) = G g G^T and du (P, C, O), the threads' sum. The layout changes
// between NCHW and these buffers are plain loops on one chunk, in cache (oneDNN's reorders took
// 3x as long).
struct WinogradChunk {
  int64_t nb = 0, t = 0;
  // The GEMMs' row count, t rounded up to odd, and the point strides of v (and dv) and m: a
  // transform touches every point of a tile at once, and at strides that are multiples of 4 KiB
  // (F(4x4)'s 80 tiles x 64 channels) they all fell in one L1 set. Row t (when tp > t) stays zero
  // in v and m, so it adds nothing to dU.
  int64_t tp = 0, sv = 0, sm = 0;
  dnnl::matmul fwd;          // v (P, tp, C) . u (P, C, O) -> m (P, tp, O)
  dnnl::matmul bwd_data;     // dm (P, tp, O) . u^T (P, O, C) -> dv (P, tp, C)
  dnnl::matmul bwd_weights;  // v^T (P, C, tp) . dm (P, tp, O) -> du (P, C, O), accumulating
  dnnl::memory::desc v_md, u_md, m_md, ut_md, vt_md, scratch_md[3];
};

struct WinogradScratch {
  Tensor xp, v, m, zp, dzp, dv, dxp, du, db, dz;
  std::vector<char> pad;  // the GEMMs' scratchpad (user mode: threads never share one)
};

struct WinogradPlan {
  int tile = 2;         // output tile m x m, input tile (m + 2) x (m + 2)
  int64_t points = 16;  // P = (m + 2)^2 Winograd points
  int64_t n = 0, c = 0, o = 0, h = 0, w = 0, th = 0, tw = 0, hp = 0, wp = 0;
  // With the 2x2 max pool fused: the pooled output (oh, ow) = (h / 2, w / 2), and the tiles'
  // pooled cells, (m / 2) th x (m / 2) tw per image (channel innermost, as zp).
  bool pool = false;
  int64_t oh = 0, ow = 0, ph = 0, pw = 0;
  [[nodiscard]] int64_t out_image() const { return pool ? o * oh * ow : o * h * w; }
  [[nodiscard]] int64_t cells_image() const { return ph * pw * o; }
  int64_t nb = 0, chunks = 0;            // images per chunk, chunks per batch
  WinogradChunk full, tail;              // tail: the last, smaller chunk (tail.nb == 0 if none)
  size_t pad_bytes = 0;                  // the largest GEMM scratchpad
  std::vector<WinogradScratch> threads;  // grown to the threads in use
  [[nodiscard]] const WinogradChunk& chunk(int64_t i) const {
    return (i + 1) * nb <= n ? full : tail;
  }
};

}  // namespace detail

using detail::strided_md;
using detail::WinogradChunk;
using detail::WinogradPlan;
using detail::WinogradScratch;

namespace {

// Points x tiles per chunk to aim at: dis_net's conv2 (32 -> 64 channels, F(4x4, 3x3): 16 tiles,
// 36 points) runs in chunks of 8 images, GEMMs of 129 rows, ~0.6 MB of v and ~1.2 MB of m. On a
// 2-core AVX2 EPYC (512 KB L2) 8 images beat 5 (the earlier 16 x 196, tuned for F(2x2) on AVX-512)
// by ~15 % at 2 threads and matched it at 1, in 3 alternating runs each (2026-12-06); 12 images
// split 128 unevenly over 2 threads, 16 ran out of cache.
constexpr int64_t kChunkPointTiles = 36 * 16 * 8;

WinogradChunk make_chunk(const WinogradPlan& p, int64_t nb) {
  WinogradChunk k;
  k.nb = nb;
  k.t = nb * p.th * p.tw;
  k.tp = k.t | 1;
  k.sv = k.tp * p.c, k.sm = k.tp * p.o;
  const int64_t P = p.points, T = k.tp, C = p.c, O = p.o;
  auto& eng = cpu_engine();
  k.v_md = strided_md({P, T, C}, {T * C, C, 1});
  k.u_md = strided_md({P, C, O}, {C * O, O, 1});
  k.m_md = strided_md({P, T, O}, {T * O, O, 1});
  k.ut_md = strided_md({P, O, C}, {C * O, 1, O});  // u read transposed
  k.vt_md = strided_md({P, C, T}, {T * C, 1, C});  // v read transposed
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  dnnl::matmul::primitive_desc fwd({k.v_md, k.u_md, k.m_md}, attr, eng);
  dnnl::matmul::primitive_desc bwd_data({k.m_md, k.ut_md, k.v_md}, attr, eng);
  dnnl::post_ops sum;
  sum.append_sum(1.0f);
  attr.set_post_ops(sum);
  dnnl::matmul::primitive_desc bwd_weights({k.vt_md, k.m_md, k.u_md}, attr, eng);
  k.fwd = dnnl::matmul(fwd), k.bwd_data = dnnl::matmul(bwd_data);
  k.bwd_weights = dnnl::matmul(bwd_weights);
  k.scratch_md[0] = fwd.scratchpad_desc(), k.scratch_md[1] = bwd_data.scratchpad_desc();
  k.scratch_md[2] = bwd_weights.scratchpad_desc();
  return k;
}

WinogradPlan make_plan(const Shape& xs, int64_t out_ch, int m, bool pool) {
  WinogradPlan p;
  p.tile = m, p.points = (m + 2) * (m + 2);
  p.n = xs[0], p.c = xs[1], p.h = xs[2], p.w = xs[3], p.o = out_ch;
  p.th = (p.h + m - 1) / m, p.tw = (p.w + m - 1) / m;
  p.pool = pool;
  p.oh = p.h / 2, p.ow = p.w / 2;
  p.ph = m / 2 * p.th, p.pw = m / 2 * p.tw;
  p.hp = m * p.th + 2, p.wp = m * p.tw + 2;
  p.nb = std::clamp<int64_t>(kChunkPointTiles / (p.points * p.th * p.tw), 1,
                             std::max<int64_t>(p.n, 1));
  p.chunks = (p.n + p.nb - 1) / p.nb;
  p.full = make_chunk(p, p.nb);
  if (p.n % p.nb != 0) p.tail = make_chunk(p, p.n % p.nb);
  for (const WinogradChunk* k : {&p.full, &p.tail})
    if (k->nb > 0)
      for (const auto& md : k->scratch_md) p.pad_bytes = std::max(p.pad_bytes, md.get_size());
  return p;
}

// Buffers for threads [0, count).
void ensure_scratch(WinogradPlan& p, int count) {
  const int64_t zp_size = p.nb * p.tile * p.tile * p.th * p.tw * p.o;
  while (static_cast<int>(p.threads.size()) < count) {
    WinogradScratch s;
    s.xp = Tensor({p.nb * p.hp * p.wp * p.c});  // zero: the border stays so
    s.v.resize({p.points * p.full.sv});
    s.m.resize({p.points * p.full.sm});
    s.zp.resize({zp_size});
    s.dzp = Tensor({zp_size});  // zero: rows and columns past H, W stay so
    s.dv.resize({p.points * p.full.sv});
    s.dxp.resize({p.nb * p.hp * p.wp * p.c});
    s.du.resize({p.points * p.c * p.o});
    s.db.resize({p.o});
    s.pad.resize(p.pad_bytes);
    p.threads.push_back(std::move(s));
  }
}

// One GEMM of a chunk: a . b -> c (the primitive's descriptors), with this thread's scratchpad.
void run_matmul(const dnnl::matmul& mm, const dnnl::memory::desc& a_md, const float* a,
                const dnnl::memory::desc& b_md, const float* b, const dnnl::memory::desc& c_md,
                float* c, const dnnl::memory::desc& pad_md, WinogradScratch& s) {
  auto& eng = cpu_engine();
  auto mem = [&](const dnnl::memory::desc& md, const void* ptr) {
    return dnnl::memory(md, eng, const_cast<void*>(ptr));
  };
  mm.execute(cpu_stream(), {{DNNL_ARG_SRC, mem(a_md, a)},
                            {DNNL_ARG_WEIGHTS, mem(b_md, b)},
                            {DNNL_ARG_DST, mem(c_md, c)},
                            {DNNL_ARG_SCRATCHPAD, mem(pad_md, s.pad.data())}});
}

// [SECTION] Layout changes (NCHW <-> channel innermost)

// Between an NCHW image, planes (C, H, W), and a channel-innermost one, cl[(r * row + col) * C
// + c], in 4x4 blocks (4 channels x 4 columns) through registers. Channels outermost: the NCHW
// side streams through 4 planes at a time, the channel-innermost side is a chunk buffer in cache
// (a scalar loop over all planes of a row ran at 3 ns a float). The last column block overlaps
// the one before when W is not a multiple of 4 (its writes are idempotent). With kMask,
// to_channels_last keeps src only where mask (laid out as src) > 0: the ReLU's derivative.
template <bool kMask>
[[gnu::always_inline]] inline void to_channels_last(const float* src, const float* mask, float* cl,
                                                    int64_t C, int64_t H, int64_t W, int64_t row) {
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
AELAB_CLONES_AVX2
void input_to_channels_last(const float* x, float* xp, const WinogradPlan& p, int64_t nb) {
  const int64_t C = p.c, H = p.h, W = p.w;
  for (int64_t n = 0; n < nb; ++n)
    to_channels_last<false>(x + n * C * H * W, nullptr, xp + ((n * p.hp + 1) * p.wp + 1) * C, C, H,
                            W, p.wp);
}

// zp: (nb, 2 th, 2 tw, O) -> y: (nb, O, H, W).
AELAB_CLONES_AVX2
void output_to_nchw(const float* zp, float* y, const WinogradPlan& p, int64_t nb) {
  const int64_t O = p.o, H = p.h, W = p.w;
  for (int64_t n = 0; n < nb; ++n)
    to_nchw(zp + n * p.tile * p.tile * p.th * p.tw * O, y + n * O * H * W, O, H, W, p.tile * p.tw);
}

// With the pool: zp's pooled cells (nb, ph, pw, O) -> y: (nb, O, OH, OW) (cells past OH, OW
// dropped).
AELAB_CLONES_AVX2
void pooled_to_nchw(const float* zp, float* y, const WinogradPlan& p, int64_t nb) {
  for (int64_t n = 0; n < nb; ++n)
    to_nchw(zp + n * p.cells_image(), y + n * p.out_image(), p.o, p.oh, p.ow, p.pw);
}

// With the pool: dy: (nb, O, OH, OW) -> dpp: (nb, ph, pw, O) interior (cells past OH, OW stay
// zero).
AELAB_CLONES_AVX2
void pooled_gradient_to_channels_last(const float* dy, float* dpp, const WinogradPlan& p,
                                      int64_t nb) {
  for (int64_t n = 0; n < nb; ++n)
    to_channels_last<false>(dy + n * p.out_image(), nullptr, dpp + n * p.cells_image(), p.o, p.oh,
                            p.ow, p.pw);
}

// dz: (nb, O, H, W) -> dzp: (nb, 2 th, 2 tw, O) interior; with kRelu, dz = dy where y > 0.
template <bool kRelu>
AELAB_CLONES_AVX2 void gradient_to_channels_last(const float* dy, const float* y, float* dzp,
                                                 const WinogradPlan& p, int64_t nb) {
  const int64_t O = p.o, H = p.h, W = p.w;
  for (int64_t n = 0; n < nb; ++n)
    to_channels_last<kRelu>(dy + n * O * H * W, kRelu ? y + n * O * H * W : nullptr,
                            dzp + n * p.tile * p.tile * p.th * p.tw * O, O, H, W, p.tile * p.tw);
}

// dxp: (nb, hp, wp, C) interior -> dx: (nb, C, H, W).
AELAB_CLONES_AVX2
void input_grad_to_nchw(const float* dxp, float* dx, const WinogradPlan& p, int64_t nb) {
  const int64_t C = p.c, H = p.h, W = p.w;
  for (int64_t n = 0; n < nb; ++n)
    to_nchw(dxp + ((n * p.hp + 1) * p.wp + 1) * C, dx + n * C * H * W, C, H, W, p.wp);
}

// [SECTION] Tile transforms F(m x m, 3x3)
// Lavin & Gray's matrices for m = 2 (points 0, 1, -1, inf) and m = 4 (0, 1, -1, 2, -2, inf).
// Each transform applies its 1-D matrix along the tile's rows, then along its columns, a group
// of channels per vector; zero and unit coefficients fold away at compile time (see combine).

template <int M>
struct Matrices;

template <>
struct Matrices<2> {
  static constexpr float BT[4][4] = {{1, 0, -1, 0}, {0, 1, 1, 0}, {0, -1, 1, 0}, {0, 1, 0, -1}};
  static constexpr float G[4][3] = {{1, 0, 0}, {0.5f, 0.5f, 0.5f}, {0.5f, -0.5f, 0.5f}, {0, 0, 1}};
  static constexpr float AT[2][4] = {{1, 1, 1, 0}, {0, 1, -1, -1}};
};

template <>
struct Matrices<4> {
  static constexpr float BT[6][6] = {{4, 0, -5, 0, 1, 0},  {0, -4, -4, 1, 1, 0},
                                     {0, 4, -4, -1, 1, 0}, {0, -2, -1, 2, 1, 0},
                                     {0, 2, -1, -2, 1, 0}, {0, 4, 0, -5, 0, 1}};
  static constexpr float G[6][3] = {{1.0f / 4, 0, 0},
                                    {-1.0f / 6, -1.0f / 6, -1.0f / 6},
                                    {-1.0f / 6, 1.0f / 6, -1.0f / 6},
                                    {1.0f / 24, 1.0f / 12, 1.0f / 6},
                                    {1.0f / 24, -1.0f / 12, 1.0f / 6},
                                    {0, 0, 1}};
  static constexpr float AT[4][6] = {
      {1, 1, 1, 1, 1, 0}, {0, 1, -1, 2, -2, 0}, {0, 1, 1, 4, 4, 0}, {0, 1, -1, 8, -8, 1}};
};

// The 32-byte vector helpers below are always inlined, so no call passes a vector across the
// ABI that GCC warns about for the baseline (non-AVX) build (it reports at the end of the file,
// hence no pop).
#pragma GCC diagnostic ignored "-Wpsabi"

// One group of channels: V is float (one channel) or Vec (kLanes of them).
typedef float Vec __attribute__((vector_size(32)));
constexpr int64_t kLanes = 8;

// Unaligned: channel groups start anywhere when C is not a multiple of 8.
using vec::load;
using vec::store;

// Calls body.template operator()<V>(c) over channels [0, n): Vec groups, then single floats.
template <class Body>
[[gnu::always_inline]] inline void over_channels(int64_t n, Body&& body) {
  int64_t c = 0;
  for (; c + kLanes <= n; c += kLanes) body.template operator()<Vec>(c);
  for (; c < n; ++c) body.template operator()<float>(c);
}

// sum_k coef[k * S] x[k] for k < N. The coefficients are compile-time constants once unrolled:
// zero terms vanish, +-1 need no multiply.
template <int N, int S, class V>
[[gnu::always_inline]] inline V combine(const float* coef, const V* x) {
  V acc{};
  bool first = true;
#pragma GCC unroll 8
  for (int k = 0; k < N; ++k) {
    const float c = coef[k * S];
    if (c == 0.0f) continue;
    const V term = c == 1.0f ? x[k] : c == -1.0f ? -x[k] : c * x[k];
    acc = first ? term : acc + term;
    first = false;
  }
  return acc;
}

// xp -> v: v[A i + j][t][c] = (B^T d B)[i][j] with d the AxA patch of tile t, channel c.
template <int M>
AELAB_CLONES_AVX2 void input_transform(const float* xp, float* v, const WinogradPlan& p,
                                       const WinogradChunk& k) {
  constexpr int A = M + 2;
  constexpr auto& BT = Matrices<M>::BT;
  const int64_t C = p.c, TC = k.sv, row = p.wp * C, nb = k.nb;
  for (int64_t n = 0; n < nb; ++n)
    for (int64_t ty = 0; ty < p.th; ++ty)
      for (int64_t tx = 0; tx < p.tw; ++tx) {
        const int64_t t = (n * p.th + ty) * p.tw + tx;
        const float* d = xp + ((n * p.hp + M * ty) * p.wp + M * tx) * C;
        float* out = v + t * C;
        over_channels(
            C, [&]<class V>(int64_t c) __attribute__((always_inline)) {
              V b[A][A];  // b[j][i] = (B^T d)[i][j]: column j of d, transformed
#pragma GCC unroll 8
              for (int j = 0; j < A; ++j) {
                V col[A];
#pragma GCC unroll 8
                for (int k = 0; k < A; ++k) col[k] = load<V>(d + k * row + j * C + c);
#pragma GCC unroll 8
                for (int i = 0; i < A; ++i) b[j][i] = combine<A, 1>(BT[i], col);
              }
#pragma GCC unroll 8
              for (int i = 0; i < A; ++i) {
                V r[A];
#pragma GCC unroll 8
                for (int k = 0; k < A; ++k) r[k] = b[k][i];
#pragma GCC unroll 8
                for (int j = 0; j < A; ++j)
                  store<V>(out + (A * i + j) * TC + c, combine<A, 1>(BT[j], r));
              }
            });
      }
}

// w: (O, C, 3, 3) -> u: u[A i + j][c][o] = (G g G^T)[i][j], g = w[o, c].
template <int M>
void weight_transform(const float* w, float* u, int64_t C, int64_t O) {
  constexpr int A = M + 2;
  constexpr auto& G = Matrices<M>::G;
  const int64_t CO = C * O;
  for (int64_t o = 0; o < O; ++o)
    for (int64_t c = 0; c < C; ++c) {
      const float* g = w + (o * C + c) * 9;
      float a[3][A];  // a[j][i] = (G g)[i][j]
      for (int j = 0; j < 3; ++j) {
        const float col[3] = {g[j], g[3 + j], g[6 + j]};
        for (int i = 0; i < A; ++i) a[j][i] = combine<3, 1>(G[i], col);
      }
      float* out = u + c * O + o;
      for (int i = 0; i < A; ++i) {
        const float r[3] = {a[0][i], a[1][i], a[2][i]};
        for (int j = 0; j < A; ++j) out[(A * i + j) * CO] = combine<3, 1>(G[j], r);
      }
    }
}

// The int lanes that a comparison of V gives: int32_t for one channel, 8 of them for Vec.
template <class V>
struct IntLanes {
  using type = int32_t;
};
template <>
struct IntLanes<Vec> {
  typedef int32_t type __attribute__((vector_size(32)));
};

// f(ci, cj) for the (M / 2)^2 2x2 cells of an MxM tile (row-major), unrolled.
template <int M, class F>
[[gnu::always_inline]] inline void over_cells(F&& f) {
#pragma GCC unroll 4
  for (int ci = 0; ci < M / 2; ++ci)
#pragma GCC unroll 4
    for (int cj = 0; cj < M / 2; ++cj) f(ci, cj);
}

// m -> zp: the MxM outputs A^T M A + bias of every tile, through a ReLU if kRelu (rows and
// columns past H, W are written too; the copy to NCHW drops them). With kPool (and kRelu), each
// 2x2 cell of a tile is max-pooled instead: zp gets the cells (nb, ph, pw, O) and win the first
// maximum's position in the cell (0..3, row-major, strict >, as MaxPool2d), or -1 where the
// maximum is not positive (the ReLU's gradient is 0 there, so none flows).
template <int M, bool kRelu, bool kPool>
AELAB_CLONES_AVX2 void output_transform(const float* m, const float* bias, float* zp, int32_t* win,
                                        const WinogradPlan& p, const WinogradChunk& k) {
  static_assert(!kPool || (kRelu && M % 2 == 0));
  constexpr int A = M + 2;
  constexpr auto& AT = Matrices<M>::AT;
  const int64_t O = p.o, TO = k.sm, row = M * p.tw * O, nb = k.nb;
  for (int64_t n = 0; n < nb; ++n)
    for (int64_t ty = 0; ty < p.th; ++ty)
      for (int64_t tx = 0; tx < p.tw; ++tx) {
        const int64_t t = (n * p.th + ty) * p.tw + tx;
        const float* in = m + t * O;
        float* out = zp + ((n * M * p.th + M * ty) * M * p.tw + M * tx) * O;
        const int64_t cell0 = ((n * p.ph + M / 2 * ty) * p.pw + M / 2 * tx) * O;
        over_channels(
            O, [&]<class V>(int64_t o) __attribute__((always_inline)) {
              V a[A][M];  // a[j][i] = (A^T m)[i][j]
#pragma GCC unroll 8
              for (int j = 0; j < A; ++j) {
                V col[A];
#pragma GCC unroll 8
                for (int k = 0; k < A; ++k) col[k] = load<V>(in + (A * k + j) * TO + o);
#pragma GCC unroll 8
                for (int i = 0; i < M; ++i) a[j][i] = combine<A, 1>(AT[i], col);
              }
              const V b = load<V>(bias + o);
              V yt[M][M];
#pragma GCC unroll 8
              for (int i = 0; i < M; ++i) {
                V r[A];
#pragma GCC unroll 8
                for (int k = 0; k < A; ++k) r[k] = a[k][i];
#pragma GCC unroll 8
                for (int j = 0; j < M; ++j) {
                  V y = combine<A, 1>(AT[j], r) + b;
                  if constexpr (kRelu) y = y > 0.0f ? y : 0.0f;
                  if constexpr (kPool)
                    yt[i][j] = y;
                  else
                    store<V>(out + i * row + j * O + o, y);
                }
              }
              if constexpr (kPool) {
                using I = typename IntLanes<V>::type;
                over_cells<M>([&](int ci, int cj) __attribute__((always_inline)) {
                  const auto [best, at] =
                      vec::first_max_of_4<I>(yt[2 * ci][2 * cj], yt[2 * ci][2 * cj + 1],
                                             yt[2 * ci + 1][2 * cj], yt[2 * ci + 1][2 * cj + 1]);
                  const int64_t cell = cell0 + (ci * p.pw + cj) * O + o;
                  store<V>(zp + cell, best);
                  store<I>(win + cell, at);
                });
              }
            });
      }
}

// dzp (dz) -> m: dM = A dZ A^T per tile; db[o] += sum of dz. With kPool, dzp holds the pooled
// gradient's cells (nb, ph, pw, O) and dz is each cell's gradient at the position win names
// (zero elsewhere, and everywhere in a cell whose win is -1).
template <int M, bool kPool>
AELAB_CLONES_AVX2 void output_gradient_transform(const float* zp, const int32_t* win, float* m,
                                                 float* db, const WinogradPlan& p,
                                                 const WinogradChunk& k) {
  constexpr int A = M + 2;
  constexpr auto& AT = Matrices<M>::AT;
  const int64_t O = p.o, TO = k.sm, row = M * p.tw * O, nb = k.nb;
  for (int64_t n = 0; n < nb; ++n)
    for (int64_t ty = 0; ty < p.th; ++ty)
      for (int64_t tx = 0; tx < p.tw; ++tx) {
        const int64_t t = (n * p.th + ty) * p.tw + tx;
        const float* in = zp + ((n * M * p.th + M * ty) * M * p.tw + M * tx) * O;
        const int64_t cell0 = ((n * p.ph + M / 2 * ty) * p.pw + M / 2 * tx) * O;
        float* out = m + t * O;
        over_channels(
            O, [&]<class V>(int64_t o) __attribute__((always_inline)) {
              V dz[M][M];
              if constexpr (kPool) {
                using I = typename IntLanes<V>::type;
                over_cells<M>([&](int ci, int cj) __attribute__((always_inline)) {
                  const int64_t cell = cell0 + (ci * p.pw + cj) * O + o;
                  const V g = load<V>(zp + cell);
                  const I at = load<I>(win + cell);
#pragma GCC unroll 4
                  for (int pos = 0; pos < 4; ++pos)
                    dz[2 * ci + pos / 2][2 * cj + pos % 2] = at == pos ? g : V{};
                });
              } else {
#pragma GCC unroll 8
                for (int i = 0; i < M; ++i)
#pragma GCC unroll 8
                  for (int j = 0; j < M; ++j) dz[i][j] = load<V>(in + i * row + j * O + o);
              }
              V a[M][A];  // a[j][k] = (A dZ)[k][j]: column j of dZ, transformed
              V sum{};
#pragma GCC unroll 8
              for (int j = 0; j < M; ++j) {
                V col[M];
#pragma GCC unroll 8
                for (int i = 0; i < M; ++i) col[i] = dz[i][j], sum += col[i];
#pragma GCC unroll 8
                for (int k = 0; k < A; ++k) a[j][k] = combine<M, A>(&AT[0][k], col);
              }
              store<V>(db + o, load<V>(db + o) + sum);
#pragma GCC unroll 8
              for (int k = 0; k < A; ++k) {
                V r[M];
#pragma GCC unroll 8
                for (int j = 0; j < M; ++j) r[j] = a[j][k];
#pragma GCC unroll 8
                for (int l = 0; l < A; ++l)
                  store<V>(out + (A * k + l) * TO + o, combine<M, A>(&AT[0][l], r));
              }
            });
      }
}

// du: (P, C, O) -> dw[o, c] += G^T dU G (3x3).
template <int M>
void weight_gradient_transform(const float* du, float* dw, int64_t C, int64_t O) {
  constexpr int A = M + 2;
  constexpr auto& G = Matrices<M>::G;
  const int64_t CO = C * O;
  for (int64_t o = 0; o < O; ++o)
    for (int64_t c = 0; c < C; ++c) {
      const float* in = du + c * O + o;
      float a[A][3];  // a[j][k] = (G^T dU)[k][j]
      for (int j = 0; j < A; ++j) {
        float col[A];
        for (int i = 0; i < A; ++i) col[i] = in[(A * i + j) * CO];
        for (int k = 0; k < 3; ++k) a[j][k] = combine<A, 3>(&G[0][k], col);
      }
      float* g = dw + (o * C + c) * 9;
      for (int k = 0; k < 3; ++k) {
        float r[A];
        for (int j = 0; j < A; ++j) r[j] = a[j][k];
        for (int l = 0; l < 3; ++l) g[3 * k + l] += combine<A, 3>(&G[0][l], r);
      }
    }
}

// dv: (P, T, C) -> dxp: B dV B^T per tile, added into the tile's AxA patch (patches overlap).
template <int M>
AELAB_CLONES_AVX2 void input_gradient_transform(const float* dv, float* dxp, const WinogradPlan& p,
                                                const WinogradChunk& k) {
  constexpr int A = M + 2;
  constexpr auto& BT = Matrices<M>::BT;
  const int64_t C = p.c, TC = k.sv, row = p.wp * C, nb = k.nb;
  std::fill_n(dxp, nb * p.hp * p.wp * C, 0.0f);
  for (int64_t n = 0; n < nb; ++n)
    for (int64_t ty = 0; ty < p.th; ++ty)
      for (int64_t tx = 0; tx < p.tw; ++tx) {
        const int64_t t = (n * p.th + ty) * p.tw + tx;
        const float* in = dv + t * C;
        float* d = dxp + ((n * p.hp + M * ty) * p.wp + M * tx) * C;
        over_channels(
            C, [&]<class V>(int64_t c) __attribute__((always_inline)) {
              V b[A][A];  // b[j][i] = (B dV)[i][j]
#pragma GCC unroll 8
              for (int j = 0; j < A; ++j) {
                V col[A];
#pragma GCC unroll 8
                for (int k = 0; k < A; ++k) col[k] = load<V>(in + (A * k + j) * TC + c);
#pragma GCC unroll 8
                for (int i = 0; i < A; ++i) b[j][i] = combine<A, A>(&BT[0][i], col);
              }
#pragma GCC unroll 8
              for (int i = 0; i < A; ++i) {
                V r[A];
#pragma GCC unroll 8
                for (int k = 0; k < A; ++k) r[k] = b[k][i];
#pragma GCC unroll 8
                for (int l = 0; l < A; ++l) {
                  float* at = d + i * row + l * C + c;
                  store<V>(at, load<V>(at) + combine<A, A>(&BT[0][l], r));
                }
              }
            });
      }
}

// Zeroes the GEMMs' padding row t of every point in a (points, tp, width) buffer.
void zero_padding_row(float* buf, const WinogradPlan& p, const WinogradChunk& k, int64_t width) {
  if (k.tp == k.t) return;
  for (int64_t xi = 0; xi < p.points; ++xi)
    std::fill_n(buf + (xi * k.tp + k.t) * width, width, 0.0f);
}

// f(std::integral_constant<int, m>) for the plan's tile size.
template <class F>
void with_tile(int m, F&& f) {
  if (m == 4)
    f(std::integral_constant<int, 4>{});
  else
    f(std::integral_constant<int, 2>{});
}

// Runs body(chunk index, its first image, the thread's scratch) over the batch's chunks: whole
// chunks per thread, in a fixed order per thread count (so results repeat). The first exception
// thrown in any thread is rethrown here.
template <class Body>
void for_each_chunk(WinogradPlan& p, const std::string& what, Body&& body) {
  const int threads = static_cast<int>(std::min<int64_t>(num_threads(), p.chunks));
  if (threads == 0) return;  // an empty batch
  ensure_scratch(p, threads);
  std::exception_ptr error;
#pragma omp parallel for num_threads(threads) schedule(static)
  for (int64_t i = 0; i < p.chunks; ++i) {
    try {
      body(i, i * p.nb, p.threads[omp_get_thread_num()]);
    } catch (...) {
#pragma omp critical(aelab_winograd_error)
      if (!error) error = std::current_exception();
    }
  }
  if (!error) return;
  try {
    std::rethrow_exception(error);
  } catch (const dnnl::error& e) {
    rethrow_dnnl(e, what);
  }
}

}  // namespace

// [SECTION] WinogradConv2d

WinogradConv2d::WinogradConv2d(int64_t in_ch, int64_t out_ch, Rng& rng, Activation fused,
                               float leaky_slope, int output_tile, bool max_pool)
    : in_ch_(in_ch),
      out_ch_(out_ch),
      tile_(output_tile),
      act_(fused),
      slope_(leaky_slope),
      pool_(max_pool),
      plans_(std::make_unique<detail::PlanCache<WinogradPlan>>()) {
  if (in_ch <= 0 || out_ch <= 0)
    throw InputError("WinogradConv2d: channels must be positive (in " + std::to_string(in_ch) +
                     ", out " + std::to_string(out_ch) + ")");
  if (output_tile != 2 && output_tile != 4)
    throw InputError("WinogradConv2d: the output tile is 2 or 4, got " +
                     std::to_string(output_tile));
  detail::check_leaky_slope(fused, leaky_slope, "WinogradConv2d");
  if (max_pool && fused != Activation::relu)
    throw InputError("WinogradConv2d: the fused max pool follows a ReLU, got " +
                     std::string(activation_name(fused)));
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
                  ", k3 s1 p1, F(" + std::to_string(tile_) + "x" + std::to_string(tile_) + ",3x3))";
  if (act_ != Activation::none) s += " + " + std::string(activation_name(act_));
  if (pool_) s += " + max k2 s2";
  return s;
}

WinogradPlan& WinogradConv2d::plan_for(const Shape& x_shape) {
  return plans_->get(x_shape, [&] {
    try {
      return make_plan(x_shape, out_ch_, tile_, pool_);
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
  if (pool_ && (x.dim(2) < 2 || x.dim(3) < 2))
    throw ShapeError(describe() + ": input " + shape_str(x.shape()) +
                     " is smaller than the pooling window");
  WinogradPlan& p = plan_for(x.shape());
  u_.resize({p.points, p.c, p.o});
  if (pool_) {
    y_.resize({p.n, p.o, p.oh, p.ow});
    winner_.resize(static_cast<size_t>(p.n * p.cells_image()));
  } else {
    y_.resize({p.n, p.o, p.h, p.w});
  }
  with_tile(p.tile,
            [&](auto m) { weight_transform<m()>(weight_.value.data(), u_.data(), p.c, p.o); });
  const bool relu = act_ == Activation::relu;
  const int64_t x_image = p.c * p.h * p.w, y_image = p.out_image();
  for_each_chunk(p, "running " + describe(), [&](int64_t i, int64_t n0, WinogradScratch& s) {
    const WinogradChunk& k = p.chunk(i);
    input_to_channels_last(x.data() + n0 * x_image, s.xp.data(), p, k.nb);
    with_tile(p.tile, [&](auto m) { input_transform<m()>(s.xp.data(), s.v.data(), p, k); });
    zero_padding_row(s.v.data(), p, k, p.c);
    run_matmul(k.fwd, k.v_md, s.v.data(), k.u_md, u_.data(), k.m_md, s.m.data(), k.scratch_md[0],
               s);
    float* y = y_.data() + n0 * y_image;
    with_tile(p.tile, [&](auto m) {
      float* zp = s.zp.data();
      if (pool_)
        output_transform<m(), true, true>(s.m.data(), bias_.value.data(), zp,
                                          winner_.data() + n0 * p.cells_image(), p, k);
      else if (relu)
        output_transform<m(), true, false>(s.m.data(), bias_.value.data(), zp, nullptr, p, k);
      else
        output_transform<m(), false, false>(s.m.data(), bias_.value.data(), zp, nullptr, p, k);
    });
    if (pool_)
      pooled_to_nchw(s.zp.data(), y, p, k.nb);
    else
      output_to_nchw(s.zp.data(), y, p, k.nb);
    if (!relu && act_ != Activation::none) activation_forward(act_, slope_, y, y, k.nb * y_image);
  });
  cpu_stream().wait();
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
  const int threads = static_cast<int>(std::min<int64_t>(num_threads(), p.chunks));
  ensure_scratch(p, threads);
  for (int t = 0; t < threads; ++t) p.threads[t].du.zero(), p.threads[t].db.zero();
  if (needs_input_grad()) dx_.resize(x_->shape());
  const int64_t x_image = p.c * p.h * p.w, y_image = p.out_image();
  for_each_chunk(
      p, "running the backward of " + describe(), [&](int64_t i, int64_t n0, WinogradScratch& s) {
        const WinogradChunk& k = p.chunk(i);
        const int64_t at = n0 * y_image, count = k.nb * y_image;
        if (pool_) {
          pooled_gradient_to_channels_last(dy.data() + at, s.dzp.data(), p, k.nb);
        } else if (act_ == Activation::none) {
          gradient_to_channels_last<false>(dy.data() + at, nullptr, s.dzp.data(), p, k.nb);
        } else if (act_ == Activation::relu) {
          gradient_to_channels_last<true>(dy.data() + at, y_.data() + at, s.dzp.data(), p, k.nb);
        } else {
          s.dz.resize({count});
          activation_backward_from_output(act_, slope_, y_.data() + at, dy.data() + at, s.dz.data(),
                                          count);
          gradient_to_channels_last<false>(s.dz.data(), nullptr, s.dzp.data(), p, k.nb);
        }
        with_tile(p.tile, [&](auto m) {
          if (pool_)
            output_gradient_transform<m(), true>(
                s.dzp.data(), winner_.data() + n0 * p.cells_image(), s.m.data(), s.db.data(), p, k);
          else
            output_gradient_transform<m(), false>(s.dzp.data(), nullptr, s.m.data(), s.db.data(), p,
                                                  k);
        });
        zero_padding_row(s.m.data(), p, k, p.o);
        input_to_channels_last(x_->data() + n0 * x_image, s.xp.data(), p, k.nb);
        with_tile(p.tile, [&](auto m) { input_transform<m()>(s.xp.data(), s.v.data(), p, k); });
        zero_padding_row(s.v.data(), p, k, p.c);
        run_matmul(k.bwd_weights, k.vt_md, s.v.data(), k.m_md, s.m.data(), k.u_md, s.du.data(),
                   k.scratch_md[2], s);
        if (!needs_input_grad()) return;
        run_matmul(k.bwd_data, k.m_md, s.m.data(), k.ut_md, u_.data(), k.v_md, s.dv.data(),
                   k.scratch_md[1], s);
        with_tile(p.tile,
                  [&](auto m) { input_gradient_transform<m()>(s.dv.data(), s.dxp.data(), p, k); });
        input_grad_to_nchw(s.dxp.data(), dx_.data() + n0 * x_image, p, k.nb);
      });
  cpu_stream().wait();
  // The threads' shares, summed in thread order.
  du_.resize({p.points, p.c, p.o});
  du_.zero();
  for (int t = 0; t < threads; ++t)
    detail::add_into(du_.data(), p.threads[t].du.data(), du_.numel());
  for (int t = 0; t < threads; ++t)
    detail::add_into(bias_.grad.data(), p.threads[t].db.data(), p.o);
  with_tile(p.tile, [&](auto m) {
    weight_gradient_transform<m()>(du_.data(), weight_.grad.data(), p.c, p.o);
  });
  if (!needs_input_grad()) dx_ = Tensor();
  return dx_;
}

}  // namespace aelab::nn
