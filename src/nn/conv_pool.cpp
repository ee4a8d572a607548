#include "nn/conv_pool.hpp"

// Index
// [SECTION] Vectors and the split input
// [SECTION] Kernels (one image each)
// [SECTION] ConvReluPool2d

#include <omp.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <stdexcept>

#include "core/dnnl_context.hpp"
#include "core/error.hpp"
#include "nn/dnnl_util.hpp"
#include "nn/vec_io.hpp"

namespace aelab::nn {

// [SECTION] Vectors and the split input

namespace {

using Geometry = ConvReluPool2d::Geometry;

// The kernels are templates on the lanes per block, L pooled columns: 16 (one AVX-512 register),
// 8 (AVX2) or 4 (the SSE2 baseline), built for each target and picked at run time (kernels()).
template <int L>
struct Simd {
  typedef float V __attribute__((vector_size(4 * L)));
  typedef int32_t VI __attribute__((vector_size(4 * L)));
};

using vec::load;
using vec::store;

template <class V>
[[gnu::always_inline]] inline void add_to(float* p, const V& v) {
  store(p, load<V>(p) + v);
}

// The columns [j0, j0 + L) of a pooled row of n columns, with `room` floats from the row's start
// to the end of the image's planes. A block that runs past the row but not past the image is
// loaded (stored) whole: the lanes past n then hold the next row's values, which the winners
// (-1 there) mask on the way in, and which the next row's own store overwrites on the way out (the
// loops go in row order). Only a block that would leave the image goes through a copy: a
// variable-length memcpy per block cost about as much as the block's arithmetic.
template <class V>
[[gnu::always_inline]] inline V load_block(const float* row, int64_t j0, int64_t n, int64_t room) {
  constexpr int64_t L = sizeof(V) / sizeof(float);
  if (j0 + L <= room) return load<V>(row + j0);
  float t[L] = {};
  std::memcpy(t, row + j0, static_cast<size_t>(n - j0) * sizeof(float));
  return load<V>(t);
}
template <class V>
[[gnu::always_inline]] inline void store_block(float* row, int64_t j0, int64_t n, int64_t room,
                                               const V& v) {
  constexpr int64_t L = sizeof(V) / sizeof(float);
  if (j0 + L <= room) return store(row + j0, v);
  float t[L];
  store(t, v);
  std::memcpy(row + j0, t, static_cast<size_t>(std::min(n, room) - j0) * sizeof(float));
}

// A block's winners, window positions 0..3 or -1 (no gradient), as int32 lanes: AVX2 has no
// narrowing store, and a byte per lane cost a scalar loop there.
template <class VI>
[[gnu::always_inline]] inline VI load_winners(const int32_t* p) {
  return load<VI>(p);
}

// The four window positions' share of a block's gradient g: d[a][b] = g where (a, b) won.
template <class V>
struct Share {
  V d00, d01, d10, d11;
};
template <class V, class VI>
[[gnu::always_inline]] inline Share<V> share(const V& g, const VI& k) {
  const V z{};
  return {k == 0 ? g : z, k == 1 ? g : z, k == 2 ? g : z, k == 3 ? g : z};
}

// One image x: (C, H, W) -> s: (C, H + 2, 2, row): padded row pr = r + 1 and padded column
// pc = col + 1 of channel c at s[((c (H + 2) + pr) 2 + pc % 2) row + pc / 2], zero elsewhere (the
// padding, and the tails that the blocks' loads at j + 1 reach). Pooled column j's window then
// reads padded columns 2j .. 2j + 3: even[j], odd[j], even[j + 1], odd[j + 1].
void split_image(const float* x, float* s, const Geometry& g) {
  std::fill_n(s, g.split_size(), 0.0f);
  for (int64_t c = 0; c < g.c; ++c)
    for (int64_t r = 0; r < g.h; ++r) {
      const float* xr = x + (c * g.h + r) * g.w;
      float* even = s + (c * (g.h + 2) + r + 1) * 2 * g.row;
      float* odd = even + g.row;
      for (int64_t col = 0; col < g.w; ++col) {
        const int64_t pc = col + 1;
        (pc % 2 ? odd : even)[pc / 2] = xr[col];
      }
    }
}

// The reverse for a gradient: ds (split, padded) -> dx: (C, H, W), the padding dropped.
void unsplit_image(const float* ds, float* dx, const Geometry& g) {
  for (int64_t c = 0; c < g.c; ++c)
    for (int64_t r = 0; r < g.h; ++r) {
      const float* even = ds + (c * (g.h + 2) + r + 1) * 2 * g.row;
      const float* odd = even + g.row;
      float* dr = dx + (c * g.h + r) * g.w;
      for (int64_t col = 0; col < g.w; ++col) {
        const int64_t pc = col + 1;
        dr[col] = (pc % 2 ? odd : even)[pc / 2];
      }
    }
}

// [SECTION] Kernels (one image each)
// Window (a, b) of pooled output (i, j) is conv output (2i + a, 2j + b); its tap (dr, dc) reads
// padded row 2i + a + dr = 2i + q. Each of the four padded rows q = 0..3 of a pooled row feeds
// the top positions (a = 0) through filter row q and the bottom ones (a = 1) through row q - 1.
// Per row: E0 = even[j], O0 = odd[j], E1 = even[j + 1], O1 = odd[j + 1] (16 columns each);
// left positions (b = 0) read E0, O0, E1, right ones (b = 1) read O0, E1, O1.

template <class V>
struct Rows {
  V e0, o0, e1, o1;
};
template <class V>
[[gnu::always_inline]] inline Rows<V> load_rows(const float* even, int64_t row) {
  return {load<V>(even), load<V>(even + row), load<V>(even + 1), load<V>(even + row + 1)};
}

// y: (O, OH, OW) and its winners (O, OH, L blocks) for one image, from its split input s.
template <int L>
[[gnu::always_inline]] inline void forward_image(const float* s, const float* w, const float* bias,
                                                 float* y, int32_t* win, const Geometry& g) {
  using V = typename Simd<L>::V;
  using VI = typename Simd<L>::VI;
  const int64_t rs = 2 * g.row;
  VI lane;
  for (int l = 0; l < L; ++l) lane[l] = l;
  for (int64_t o = 0; o < g.o; ++o)
    for (int64_t i = 0; i < g.oh; ++i)
      for (int64_t blk = 0; blk < g.blocks; ++blk) {
        const int64_t j0 = blk * L;
        const V b0 = V{} + bias[o];
        V z00 = b0, z01 = b0, z10 = b0, z11 = b0;
        for (int64_t c = 0; c < g.c; ++c) {
          const float* k = w + (o * g.c + c) * 9;
          const float* top = s + (c * (g.h + 2) + 2 * i) * rs + j0;
#pragma GCC unroll 4
          for (int q = 0; q < 4; ++q) {
            const Rows<V> r = load_rows<V>(top + q * rs, g.row);
            if (q <= 2) {
              const float* kq = k + 3 * q;
              z00 += kq[0] * r.e0 + kq[1] * r.o0 + kq[2] * r.e1;
              z01 += kq[0] * r.o0 + kq[1] * r.e1 + kq[2] * r.o1;
            }
            if (q >= 1) {
              const float* kq = k + 3 * (q - 1);
              z10 += kq[0] * r.e0 + kq[1] * r.o0 + kq[2] * r.e1;
              z11 += kq[0] * r.o0 + kq[1] * r.e1 + kq[2] * r.o1;
            }
          }
        }
        const auto [best, at] = vec::first_max_of_4<VI>(z00, z01, z10, z11);
        const int64_t y_at = (o * g.oh + i) * g.ow;
        store_block(y + y_at, j0, g.ow, g.o * g.oh * g.ow - y_at, best > V{} ? best : V{});
        // Lanes past the row (lane + j0 >= ow) get -1: the sign of lane + j0 - ow as a mask,
        // all ones where live. (As a comparison, GCC built the mask one lane at a time for
        // AVX-512: 16 scalar compares a block.)
        const VI live = (lane + static_cast<int32_t>(j0 - g.ow)) >> 31;
        const VI k = at | ~live;
        store(win + (o * g.oh + i) * g.winner_row() + j0, k);
      }
}

// dw (O, C, 9, L lanes) and db (O, L lanes) += this image's weight and bias gradients.
template <int L>
[[gnu::always_inline]] inline void weight_grad_image(const float* s, const float* dy,
                                                     const int32_t* win, float* dw, float* db,
                                                     const Geometry& g) {
  using V = typename Simd<L>::V;
  using VI = typename Simd<L>::VI;
  const int64_t rs = 2 * g.row;
  for (int64_t o = 0; o < g.o; ++o)
    for (int64_t c = 0; c < g.c; ++c) {
      V acc[9] = {};
      V accb{};
      for (int64_t i = 0; i < g.oh; ++i)
        for (int64_t blk = 0; blk < g.blocks; ++blk) {
          const int64_t j0 = blk * L;
          const int64_t at = (o * g.oh + i) * g.ow;
          const V gv = load_block<V>(dy + at, j0, g.ow, g.o * g.oh * g.ow - at);
          const Share<V> d =
              share(gv, load_winners<VI>(win + (o * g.oh + i) * g.winner_row() + j0));
          if (c == 0) accb += (d.d00 + d.d01) + (d.d10 + d.d11);
          const float* top = s + (c * (g.h + 2) + 2 * i) * rs + j0;
#pragma GCC unroll 4
          for (int q = 0; q < 4; ++q) {
            const Rows<V> r = load_rows<V>(top + q * rs, g.row);
            if (q <= 2) {
              V* a = acc + 3 * q;
              a[0] += d.d00 * r.e0 + d.d01 * r.o0;
              a[1] += d.d00 * r.o0 + d.d01 * r.e1;
              a[2] += d.d00 * r.e1 + d.d01 * r.o1;
            }
            if (q >= 1) {
              V* a = acc + 3 * (q - 1);
              a[0] += d.d10 * r.e0 + d.d11 * r.o0;
              a[1] += d.d10 * r.o0 + d.d11 * r.e1;
              a[2] += d.d10 * r.e1 + d.d11 * r.o1;
            }
          }
        }
      float* out = dw + (o * g.c + c) * 9 * L;
      for (int t = 0; t < 9; ++t) add_to(out + t * L, acc[t]);
      if (c == 0) add_to(db + o * L, accb);
    }
}

// dx: (C, H, W) of one image, through its split form ds (a scratch buffer).
template <int L>
[[gnu::always_inline]] inline void input_grad_image(const float* dy, const int32_t* win,
                                                    const float* w, float* ds, float* dx,
                                                    const Geometry& g) {
  using V = typename Simd<L>::V;
  using VI = typename Simd<L>::VI;
  const int64_t rs = 2 * g.row;
  std::fill_n(ds, g.split_size(), 0.0f);
  for (int64_t i = 0; i < g.oh; ++i)
    for (int64_t blk = 0; blk < g.blocks; ++blk) {
      const int64_t j0 = blk * L;
      for (int64_t c = 0; c < g.c; ++c) {
        Rows<V> acc[4] = {};
        for (int64_t o = 0; o < g.o; ++o) {
          const int64_t at = (o * g.oh + i) * g.ow;
          const V gv = load_block<V>(dy + at, j0, g.ow, g.o * g.oh * g.ow - at);
          const Share<V> d =
              share(gv, load_winners<VI>(win + (o * g.oh + i) * g.winner_row() + j0));
          const float* k = w + (o * g.c + c) * 9;
#pragma GCC unroll 4
          for (int q = 0; q < 4; ++q) {
            Rows<V>& a = acc[q];
            if (q <= 2) {
              const float* kq = k + 3 * q;
              a.e0 += kq[0] * d.d00;
              a.o0 += kq[1] * d.d00 + kq[0] * d.d01;
              a.e1 += kq[2] * d.d00 + kq[1] * d.d01;
              a.o1 += kq[2] * d.d01;
            }
            if (q >= 1) {
              const float* kq = k + 3 * (q - 1);
              a.e0 += kq[0] * d.d10;
              a.o0 += kq[1] * d.d10 + kq[0] * d.d11;
              a.e1 += kq[2] * d.d10 + kq[1] * d.d11;
              a.o1 += kq[2] * d.d11;
            }
          }
        }
        // In order: e1 and o1 overlap the next block's e0 and o0 by a lane.
        float* top = ds + (c * (g.h + 2) + 2 * i) * rs + j0;
        for (int q = 0; q < 4; ++q) {
          float* even = top + q * rs;
          add_to(even, acc[q].e0);
          add_to(even + g.row, acc[q].o0);
          add_to(even + 1, acc[q].e1);
          add_to(even + g.row + 1, acc[q].o1);
        }
      }
    }
  unsplit_image(ds, dx, g);
}

// The kernels for one lane count, as plain functions (built for one target each below).
struct Kernels {
  int lanes;
  void (*forward)(const float*, const float*, const float*, float*, int32_t*, const Geometry&);
  void (*weight_grad)(const float*, const float*, const int32_t*, float*, float*, const Geometry&);
  void (*input_grad)(const float*, const int32_t*, const float*, float*, float*, const Geometry&);
};

#define AELAB_CONV_POOL_KERNELS(NAME, L, TARGET)                                                 \
  TARGET void NAME##_forward(const float* s, const float* w, const float* b, float* y,           \
                             int32_t* win, const Geometry& g) {                                  \
    forward_image<L>(s, w, b, y, win, g);                                                        \
  }                                                                                              \
  TARGET void NAME##_weight_grad(const float* s, const float* dy, const int32_t* win, float* dw, \
                                 float* db, const Geometry& g) {                                 \
    weight_grad_image<L>(s, dy, win, dw, db, g);                                                 \
  }                                                                                              \
  TARGET void NAME##_input_grad(const float* dy, const int32_t* win, const float* w, float* ds,  \
                                float* dx, const Geometry& g) {                                  \
    input_grad_image<L>(dy, win, w, ds, dx, g);                                                  \
  }                                                                                              \
  constexpr Kernels NAME = {L, NAME##_forward, NAME##_weight_grad, NAME##_input_grad};

AELAB_CONV_POOL_KERNELS(kBaseline, 4, )
#ifdef __x86_64__
AELAB_CONV_POOL_KERNELS(kAvx2, 8, __attribute__((target("avx2,fma"))))
AELAB_CONV_POOL_KERNELS(kAvx512, 16, __attribute__((target("avx512f,fma"))))
#endif

// The widest the CPU runs, unless a test chose narrower ones (set_conv_pool_lanes). Explicit
// targets rather than target_clones: the lane count differs per target (and so does the
// geometry), which one cloned body cannot express.
const Kernels& widest_kernels() {
#ifdef __x86_64__
  static const Kernels& best = __builtin_cpu_supports("avx512f") ? kAvx512
                               : __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")
                                   ? kAvx2
                                   : kBaseline;
  return best;
#else
  return kBaseline;
#endif
}

std::atomic<const Kernels*> chosen_kernels{nullptr};

const Kernels& kernels() {
  const Kernels* k = chosen_kernels.load(std::memory_order_relaxed);
  return k ? *k : widest_kernels();
}

// The kernels a forward ran with (its geometry is laid out for their lanes).
const Kernels& kernels_for(int lanes) {
#ifdef __x86_64__
  if (lanes == kAvx512.lanes) return kAvx512;
  if (lanes == kAvx2.lanes) return kAvx2;
#endif
  return kBaseline;
}

// Sums the L lanes at v in lane order.
float lane_sum(const float* v, int lanes) {
  float s = 0.0f;
  for (int l = 0; l < lanes; ++l) s += v[l];
  return s;
}

}  // namespace

namespace detail {

int conv_pool_lanes() {
  return kernels().lanes;
}

bool set_conv_pool_lanes(int lanes) {
  const Kernels* pick = nullptr;
  for (const Kernels* k : {&kBaseline,
#ifdef __x86_64__
                           &kAvx2, &kAvx512
#endif
       })
    if (k->lanes == lanes && k->lanes <= widest_kernels().lanes) pick = k;
  if (lanes == 0) pick = &widest_kernels();
  if (!pick) return false;
  chosen_kernels.store(pick, std::memory_order_relaxed);
  return true;
}

}  // namespace detail

// [SECTION] ConvReluPool2d

ConvReluPool2d::ConvReluPool2d(int64_t in_ch, int64_t out_ch, Rng& rng)
    : in_ch_(in_ch), out_ch_(out_ch) {
  if (in_ch <= 0 || out_ch <= 0)
    throw InputError("ConvReluPool2d: channels must be positive (in " + std::to_string(in_ch) +
                     ", out " + std::to_string(out_ch) + ")");
  weight_ = Param{"weight", Tensor({out_ch, in_ch, 3, 3}), Tensor({out_ch, in_ch, 3, 3})};
  bias_ = Param{"bias", Tensor({out_ch}), Tensor({out_ch})};
  // The same draws as Conv2d(in, out, 3, 1, 1): one seed gives one network either way.
  detail::init_params(weight_.value, bias_.value, in_ch * 9, rng);
}

std::string ConvReluPool2d::describe() const {
  return "ConvReluPool2d(" + std::to_string(in_ch_) + " -> " + std::to_string(out_ch_) +
         ", k3 s1 p1 + relu + max k2 s2)";
}

const Tensor& ConvReluPool2d::forward(const Tensor& x) {
  if (x.rank() != 4 || x.dim(1) != in_ch_)
    throw ShapeError(describe() + ": expected input (N, " + std::to_string(in_ch_) +
                     ", H, W), got " + shape_str(x.shape()));
  if (x.dim(2) < 2 || x.dim(3) < 2)
    throw ShapeError(describe() + ": input " + shape_str(x.shape()) +
                     " is smaller than the pooling window");
  Geometry& g = g_;
  const int64_t n = x.dim(0);
  g.c = in_ch_, g.o = out_ch_, g.h = x.dim(2), g.w = x.dim(3);
  g.oh = g.h / 2, g.ow = g.w / 2;
  const Kernels& kern = kernels();
  g.lanes = kern.lanes;
  g.blocks = (g.ow + g.lanes - 1) / g.lanes;
  g.row = g.lanes * (g.blocks + 1);
  y_.resize({n, g.o, g.oh, g.ow});
  const int64_t win_image = g.o * g.oh * g.winner_row();
  winner_.resize(static_cast<size_t>(n * win_image));
  const int threads = static_cast<int>(std::min<int64_t>(num_threads(), n));
  if (static_cast<int>(threads_.size()) < threads) threads_.resize(static_cast<size_t>(threads));
  for (int t = 0; t < threads; ++t) threads_[t].split.resize(static_cast<size_t>(g.split_size()));
  const int64_t x_image = g.c * g.h * g.w, y_image = g.o * g.oh * g.ow;
  if (threads > 0) {
#pragma omp parallel num_threads(threads)
    {
      const int t = omp_get_thread_num();
      float* s = threads_[t].split.data();
      for (int64_t img = n * t / threads; img < n * (t + 1) / threads; ++img) {
        split_image(x.data() + img * x_image, s, g);
        kern.forward(s, weight_.value.data(), bias_.value.data(), y_.data() + img * y_image,
                     winner_.data() + img * win_image, g);
      }
    }
  }
  x_ = &x;
  return y_;
}

const Tensor& ConvReluPool2d::backward(const Tensor& dy) {
  if (!x_) throw std::logic_error(describe() + ": backward before forward");
  if (dy.shape() != y_.shape())
    throw ShapeError(describe() + ": gradient of shape " + shape_str(dy.shape()) +
                     " for an output of shape " + shape_str(y_.shape()));
  const Geometry& g = g_;
  const Kernels& kern = kernels_for(g.lanes);
  const int64_t n = dy.dim(0);
  const bool want_dx = needs_input_grad();
  const int threads = static_cast<int>(std::min<int64_t>(num_threads(), n));
  if (static_cast<int>(threads_.size()) < threads) threads_.resize(static_cast<size_t>(threads));
  for (int t = 0; t < threads; ++t) {
    ThreadScratch& ts = threads_[t];
    ts.split.resize(static_cast<size_t>(g.split_size()));
    ts.dw.assign(static_cast<size_t>(g.o * g.c * 9 * g.lanes), 0.0f);
    ts.db.assign(static_cast<size_t>(g.o * g.lanes), 0.0f);
    if (want_dx) ts.dsplit.resize(static_cast<size_t>(g.split_size()));
  }
  if (want_dx)
    dx_.resize(x_->shape());
  else
    dx_ = Tensor();
  const int64_t x_image = g.c * g.h * g.w, y_image = g.o * g.oh * g.ow;
  const int64_t win_image = g.o * g.oh * g.winner_row();
  if (threads > 0) {
#pragma omp parallel num_threads(threads)
    {
      const int t = omp_get_thread_num();
      ThreadScratch& ts = threads_[t];
      for (int64_t img = n * t / threads; img < n * (t + 1) / threads; ++img) {
        const float* dyi = dy.data() + img * y_image;
        const int32_t* win = winner_.data() + img * win_image;
        split_image(x_->data() + img * x_image, ts.split.data(), g);
        kern.weight_grad(ts.split.data(), dyi, win, ts.dw.data(), ts.db.data(), g);
        if (want_dx)
          kern.input_grad(dyi, win, weight_.value.data(), ts.dsplit.data(),
                          dx_.data() + img * x_image, g);
      }
    }
  }
  // The threads' sums, in thread order.
  for (int t = 0; t < threads; ++t) {
    const ThreadScratch& ts = threads_[t];
    for (int64_t e = 0; e < g.o * g.c * 9; ++e)
      weight_.grad[e] += lane_sum(&ts.dw[e * g.lanes], g.lanes);
    for (int64_t o = 0; o < g.o; ++o) bias_.grad[o] += lane_sum(&ts.db[o * g.lanes], g.lanes);
  }
  return dx_;
}

}  // namespace aelab::nn
