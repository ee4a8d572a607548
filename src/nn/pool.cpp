#include "nn/pool.hpp"

#include <stdexcept>

#include "core/error.hpp"

#ifdef __SSE2__
#include <emmintrin.h>
#endif

namespace aelab::nn {

namespace {

// One (n, c) plane: xp (h, w) -> yp (oh, ow), wp the winners. K > 0 fixes the window at compile
// time (the unrolled 2x2 case is the one the study's CNNs run); K == 0 reads k at run time.
// Strict > keeps the first maximum in row-major window order, as the reference does.
template <int K>
void pool_plane(const float* xp, float* yp, int32_t* wp, int64_t w, int64_t oh, int64_t ow,
                int64_t k_rt, int64_t s) {
  const int64_t k = K > 0 ? K : k_rt;
  for (int64_t i = 0; i < oh; ++i) {
    for (int64_t j = 0; j < ow; ++j) {
      const int64_t top = i * s * w + j * s;
      float best = xp[top];
      int64_t at = top;
      for (int64_t a = 0; a < k; ++a) {
        for (int64_t b = 0; b < k; ++b) {
          // Selects, not a branch: on real activations the winner's position is unpredictable,
          // and a mispredicted branch per element cost more than the memory traffic.
          const int64_t o = top + a * w + b;
          const bool wins = xp[o] > best;
          at = wins ? o : at;
          best = wins ? xp[o] : best;
        }
      }
      yp[i * ow + j] = best;
      wp[i * ow + j] = static_cast<int32_t>(at);
    }
  }
}

// The 2x2 stride-2 window of the study's CNNs, four outputs at a time: even and odd columns of
// the two input rows are split into a, b, c, d and the winner is chosen by masks in row-major
// order (strict >, so ties go to the first), exactly as the scalar loop does.
void pool_plane_2x2(const float* xp, float* yp, int32_t* wp, int64_t w, int64_t oh, int64_t ow) {
  for (int64_t i = 0; i < oh; ++i) {
    const float* r0 = xp + 2 * i * w;
    const float* r1 = r0 + w;
    float* yr = yp + i * ow;
    int32_t* wr = wp + i * ow;
    int64_t j = 0;
#ifdef __SSE2__
    const __m128i one = _mm_set1_epi32(1), down = _mm_set1_epi32(static_cast<int32_t>(w));
    const __m128i diag = _mm_set1_epi32(static_cast<int32_t>(w + 1));
    for (; j + 4 <= ow; j += 4) {
      const __m128 r0a = _mm_loadu_ps(r0 + 2 * j), r0b = _mm_loadu_ps(r0 + 2 * j + 4);
      const __m128 r1a = _mm_loadu_ps(r1 + 2 * j), r1b = _mm_loadu_ps(r1 + 2 * j + 4);
      const __m128 a = _mm_shuffle_ps(r0a, r0b, _MM_SHUFFLE(2, 0, 2, 0));
      const __m128 b = _mm_shuffle_ps(r0a, r0b, _MM_SHUFFLE(3, 1, 3, 1));
      const __m128 c = _mm_shuffle_ps(r1a, r1b, _MM_SHUFFLE(2, 0, 2, 0));
      const __m128 d = _mm_shuffle_ps(r1a, r1b, _MM_SHUFFLE(3, 1, 3, 1));
      __m128 best = a;
      __m128i off = _mm_setzero_si128();
      auto take = [&](__m128 v, __m128i at) {
        const __m128 wins = _mm_cmpgt_ps(v, best);
        const __m128i mi = _mm_castps_si128(wins);
        best = _mm_or_ps(_mm_and_ps(wins, v), _mm_andnot_ps(wins, best));
        off = _mm_or_si128(_mm_and_si128(mi, at), _mm_andnot_si128(mi, off));
      };
      take(b, one);
      take(c, down);
      take(d, diag);
      const int32_t top = static_cast<int32_t>(2 * i * w + 2 * j);
      const __m128i base = _mm_add_epi32(_mm_set1_epi32(top), _mm_set_epi32(6, 4, 2, 0));
      _mm_storeu_ps(yr + j, best);
      _mm_storeu_si128(reinterpret_cast<__m128i*>(wr + j), _mm_add_epi32(base, off));
    }
#endif
    for (; j < ow; ++j) {
      const int64_t top = 2 * i * w + 2 * j;
      float best = xp[top];
      int64_t at = top;
      for (int64_t o : {top + 1, top + w, top + w + 1}) {
        const bool wins = xp[o] > best;
        at = wins ? o : at;
        best = wins ? xp[o] : best;
      }
      yr[j] = best;
      wr[j] = static_cast<int32_t>(at);
    }
  }
}

// The backward of pool_plane_2x2: writes every input of the plane once (the winner gets dy, the
// other three 0, inputs no window covers 0) instead of zeroing the plane and scattering into it,
// which wrote the largest tensor of the step twice.
void unpool_plane_2x2(const float* dyp, const int32_t* wp, float* dxp, int64_t h, int64_t w,
                      int64_t oh, int64_t ow) {
  for (int64_t i = 0; i < oh; ++i) {
    float* r0 = dxp + 2 * i * w;
    float* r1 = r0 + w;
    const float* dyr = dyp + i * ow;
    const int32_t* wr = wp + i * ow;
    int64_t j = 0;
#ifdef __SSE2__
    const __m128i one = _mm_set1_epi32(1), down = _mm_set1_epi32(static_cast<int32_t>(w));
    const __m128i diag = _mm_set1_epi32(static_cast<int32_t>(w + 1));
    for (; j + 4 <= ow; j += 4) {
      const __m128 d = _mm_loadu_ps(dyr + j);
      const int32_t top = static_cast<int32_t>(2 * i * w + 2 * j);
      const __m128i base = _mm_add_epi32(_mm_set1_epi32(top), _mm_set_epi32(6, 4, 2, 0));
      const __m128i off =
          _mm_sub_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(wr + j)), base);
      auto at = [&](__m128i where) {
        return _mm_and_ps(_mm_castsi128_ps(_mm_cmpeq_epi32(off, where)), d);
      };
      const __m128 a = at(_mm_setzero_si128()), b = at(one), c = at(down), e = at(diag);
      _mm_storeu_ps(r0 + 2 * j, _mm_unpacklo_ps(a, b));
      _mm_storeu_ps(r0 + 2 * j + 4, _mm_unpackhi_ps(a, b));
      _mm_storeu_ps(r1 + 2 * j, _mm_unpacklo_ps(c, e));
      _mm_storeu_ps(r1 + 2 * j + 4, _mm_unpackhi_ps(c, e));
    }
#endif
    for (; j < ow; ++j) {
      r0[2 * j] = r0[2 * j + 1] = r1[2 * j] = r1[2 * j + 1] = 0.0f;
      dxp[wr[j]] = dyr[j];
    }
    for (int64_t col = 2 * ow; col < w; ++col) r0[col] = r1[col] = 0.0f;  // odd width
  }
  for (int64_t idx = 2 * oh * w; idx < h * w; ++idx) dxp[idx] = 0.0f;  // odd height
}

}  // namespace

MaxPool2d::MaxPool2d(int64_t kernel, int64_t stride) : k_(kernel), stride_(stride) {
  if (kernel <= 0 || stride <= 0)
    throw InputError("MaxPool2d: kernel and stride must be positive, got " +
                     std::to_string(kernel) + ", " + std::to_string(stride));
}

std::string MaxPool2d::describe() const {
  return "MaxPool2d(k" + std::to_string(k_) + " s" + std::to_string(stride_) + ")";
}

const Tensor& MaxPool2d::forward(const Tensor& x) {
  if (x.rank() != 4)
    throw ShapeError(describe() + ": expected input (N, C, H, W), got " + shape_str(x.shape()));
  const int64_t oh = output_size(x.dim(2)), ow = output_size(x.dim(3));
  if (oh <= 0 || ow <= 0)
    throw ShapeError(describe() + ": input " + shape_str(x.shape()) +
                     " is smaller than the window");
  const int64_t h = x.dim(2), w = x.dim(3);
  if (h * w > INT32_MAX)
    throw ShapeError(describe() + ": input plane " + shape_str(x.shape()) + " is too large");
  x_shape_ = x.shape();
  const int64_t planes = x.dim(0) * x.dim(1);
  y_.resize({x.dim(0), x.dim(1), oh, ow});
  winner_.resize(static_cast<size_t>(planes * oh * ow));
  const float* xd = x.data();
  float* yd = y_.data();
  int32_t* wd = winner_.data();
  const bool two_by_two = k_ == 2 && stride_ == 2;
#pragma omp parallel for if (planes * h * w > (1 << 18))
  for (int64_t p = 0; p < planes; ++p) {
    const float* xp = xd + p * h * w;
    float* yp = yd + p * oh * ow;
    int32_t* wp = wd + p * oh * ow;
    if (two_by_two)
      pool_plane_2x2(xp, yp, wp, w, oh, ow);
    else if (k_ == 2)
      pool_plane<2>(xp, yp, wp, w, oh, ow, k_, stride_);
    else
      pool_plane<0>(xp, yp, wp, w, oh, ow, k_, stride_);
  }
  return y_;
}

const Tensor& MaxPool2d::backward(const Tensor& dy) {
  if (x_shape_.empty()) throw std::logic_error(describe() + ": backward before forward");
  if (dy.shape() != y_.shape())
    throw ShapeError(describe() + ": gradient of shape " + shape_str(dy.shape()) +
                     " for an output of shape " + shape_str(y_.shape()));
  if (!needs_input_grad()) {
    dx_ = Tensor();
    return dx_;
  }
  // dy: (N, C, OH, OW) -> dx: (N, C, H, W), zero but at the winners; overlapping windows
  // (k > s) can share a winner, hence +=.
  dx_.resize(x_shape_);
  const int64_t planes = x_shape_[0] * x_shape_[1], hw = x_shape_[2] * x_shape_[3];
  const int64_t ohw = dy.dim(2) * dy.dim(3);
  const float* dyd = dy.data();
  const int32_t* wd = winner_.data();
  float* dxd = dx_.data();
  const bool two_by_two = k_ == 2 && stride_ == 2;
#pragma omp parallel for if (planes * hw > (1 << 18))
  for (int64_t p = 0; p < planes; ++p) {
    float* dxp = dxd + p * hw;
    if (two_by_two) {
      unpool_plane_2x2(dyd + p * ohw, wd + p * ohw, dxp, x_shape_[2], x_shape_[3], dy.dim(2),
                       dy.dim(3));
      continue;
    }
    for (int64_t i = 0; i < hw; ++i) dxp[i] = 0.0f;
    const float* dyp = dyd + p * ohw;
    const int32_t* wp = wd + p * ohw;
    for (int64_t i = 0; i < ohw; ++i) dxp[wp[i]] += dyp[i];
  }
  return dx_;
}

}  // namespace aelab::nn
