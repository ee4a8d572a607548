#include "nn/reference.hpp"

#include <cmath>
#include <vector>

namespace aelab::nn::reference {

// [SECTION] Activations

namespace {

double act(double z, Activation a, double slope) {
  switch (a) {
    case Activation::none:
      return z;
    case Activation::relu:
      return z > 0 ? z : 0.0;
    case Activation::leaky_relu:
      return z > 0 ? z : slope * z;
    case Activation::sigmoid:
      return 1.0 / (1.0 + std::exp(-z));
    case Activation::tanh:
      return std::tanh(z);
  }
  return z;
}

double act_deriv(double z, Activation a, double slope) {
  switch (a) {
    case Activation::none:
      return 1.0;
    case Activation::relu:
      return z > 0 ? 1.0 : 0.0;
    case Activation::leaky_relu:
      return z > 0 ? 1.0 : slope;
    case Activation::sigmoid: {
      double s = 1.0 / (1.0 + std::exp(-z));
      return s * (1.0 - s);
    }
    case Activation::tanh: {
      double t = std::tanh(z);
      return 1.0 - t * t;
    }
  }
  return 1.0;
}

}  // namespace

Tensor activate(const Tensor& z, Activation a, float slope) {
  Tensor y(z.shape());
  for (int64_t i = 0; i < z.numel(); ++i) y[i] = static_cast<float>(act(z[i], a, slope));
  return y;
}

Tensor activation_grad(const Tensor& z, const Tensor& dy, Activation a, float slope) {
  Tensor dz(z.shape());
  for (int64_t i = 0; i < z.numel(); ++i)
    dz[i] = static_cast<float>(dy[i] * act_deriv(z[i], a, slope));
  return dz;
}

// [SECTION] Linear

Tensor linear_forward(const Tensor& x, const Tensor& w, const Tensor& b, Activation a,
                      float slope) {
  const int64_t n = x.dim(0), in = x.dim(1), out = w.dim(0);
  Tensor z({n, out});
  for (int64_t i = 0; i < n; ++i)
    for (int64_t o = 0; o < out; ++o) {
      double s = b[o];
      for (int64_t k = 0; k < in; ++k) s += static_cast<double>(x[i * in + k]) * w[o * in + k];
      z[i * out + o] = static_cast<float>(s);
    }
  return activate(z, a, slope);
}

Grads linear_backward(const Tensor& x, const Tensor& w, const Tensor& b, const Tensor& dy,
                      Activation a, float slope) {
  const int64_t n = x.dim(0), in = x.dim(1), out = w.dim(0);
  Tensor dz = activation_grad(linear_forward(x, w, b), dy, a, slope);
  Grads g{Tensor(x.shape()), Tensor(w.shape()), Tensor(b.shape())};
  for (int64_t i = 0; i < n; ++i)
    for (int64_t k = 0; k < in; ++k) {
      double s = 0;
      for (int64_t o = 0; o < out; ++o) s += static_cast<double>(dz[i * out + o]) * w[o * in + k];
      g.dx[i * in + k] = static_cast<float>(s);
    }
  for (int64_t o = 0; o < out; ++o) {
    double sb = 0;
    for (int64_t i = 0; i < n; ++i) sb += dz[i * out + o];
    g.db[o] = static_cast<float>(sb);
    for (int64_t k = 0; k < in; ++k) {
      double s = 0;
      for (int64_t i = 0; i < n; ++i) s += static_cast<double>(dz[i * out + o]) * x[i * in + k];
      g.dw[o * in + k] = static_cast<float>(s);
    }
  }
  return g;
}

// [SECTION] Convolution
// Both convolutions are one scatter/gather pattern: output position (oh, ow) of the direct
// convolution meets input position (oh*s - p + kh, ow*s - p + kw). The transposed convolution is
// the same pattern with the roles of its input and output swapped.

namespace {

// For each (n, c_small, ih, iw, o_big, kh, kw) link: calls f(small_index, big_index, w_index).
// "big" is the direct convolution's input (index over o_big channels of size bh x bw).
template <class F>
void for_each_link(int64_t n, int64_t small_c, int64_t sh, int64_t sw, int64_t big_c, int64_t bh,
                   int64_t bw, int64_t k, int64_t s, int64_t p, F&& f) {
  for (int64_t b = 0; b < n; ++b)
    for (int64_t sc = 0; sc < small_c; ++sc)
      for (int64_t y = 0; y < sh; ++y)
        for (int64_t x = 0; x < sw; ++x)
          for (int64_t bc = 0; bc < big_c; ++bc)
            for (int64_t kh = 0; kh < k; ++kh)
              for (int64_t kw = 0; kw < k; ++kw) {
                int64_t by = y * s - p + kh, bx = x * s - p + kw;
                if (by < 0 || by >= bh || bx < 0 || bx >= bw) continue;
                f(((b * small_c + sc) * sh + y) * sw + x, ((b * big_c + bc) * bh + by) * bw + bx,
                  ((sc * big_c + bc) * k + kh) * k + kw);
              }
}

Tensor to_float(const std::vector<double>& v, const Shape& shape) {
  Tensor t(shape);
  for (int64_t i = 0; i < t.numel(); ++i) t[i] = static_cast<float>(v[i]);
  return t;
}

}  // namespace

Tensor conv2d_forward(const Tensor& x, const Tensor& w, const Tensor& b, int64_t stride,
                      int64_t pad, Activation a, float slope) {
  const int64_t n = x.dim(0), c = x.dim(1), h = x.dim(2), wd = x.dim(3), o = w.dim(0), k = w.dim(2);
  const int64_t oh = (h + 2 * pad - k) / stride + 1, ow = (wd + 2 * pad - k) / stride + 1;
  Shape ys{n, o, oh, ow};
  std::vector<double> acc(shape_numel(ys));
  // small side = output (o channels), big side = input (c channels); w index is (o, c, kh, kw)
  for_each_link(n, o, oh, ow, c, h, wd, k, stride, pad,
                [&](int64_t yi, int64_t xi, int64_t wi) { acc[yi] += double(x[xi]) * w[wi]; });
  const int64_t plane = oh * ow;
  for (int64_t i = 0; i < static_cast<int64_t>(acc.size()); ++i) acc[i] += b[(i / plane) % o];
  return activate(to_float(acc, ys), a, slope);
}

Grads conv2d_backward(const Tensor& x, const Tensor& w, const Tensor& b, const Tensor& dy,
                      int64_t stride, int64_t pad, Activation a, float slope) {
  const int64_t n = x.dim(0), c = x.dim(1), h = x.dim(2), wd = x.dim(3), o = w.dim(0), k = w.dim(2);
  Tensor dz = activation_grad(conv2d_forward(x, w, b, stride, pad), dy, a, slope);
  const int64_t oh = dz.dim(2), ow = dz.dim(3);
  std::vector<double> dx(x.numel()), dw(w.numel()), db(b.numel());
  for_each_link(n, o, oh, ow, c, h, wd, k, stride, pad, [&](int64_t yi, int64_t xi, int64_t wi) {
    dx[xi] += double(dz[yi]) * w[wi];
    dw[wi] += double(dz[yi]) * x[xi];
  });
  for (int64_t i = 0; i < dz.numel(); ++i) db[(i / (oh * ow)) % o] += dz[i];
  return {to_float(dx, x.shape()), to_float(dw, w.shape()), to_float(db, b.shape())};
}

Tensor conv_transpose2d_forward(const Tensor& x, const Tensor& w, const Tensor& b, int64_t stride,
                                int64_t pad, int64_t output_pad, Activation a, float slope) {
  const int64_t n = x.dim(0), c = x.dim(1), h = x.dim(2), wd = x.dim(3), o = w.dim(0), k = w.dim(2);
  const int64_t oh = (h - 1) * stride - 2 * pad + k + output_pad;
  const int64_t ow = (wd - 1) * stride - 2 * pad + k + output_pad;
  Shape ys{n, o, oh, ow};
  std::vector<double> acc(shape_numel(ys));
  // small side = input x (c channels), big side = output (o channels); w index (c, o) order is
  // produced by for_each_link as (small, big) = (c, o), so transpose to w's (o, c) layout.
  for_each_link(n, c, h, wd, o, oh, ow, k, stride, pad, [&](int64_t xi, int64_t yi, int64_t li) {
    int64_t kk = li % (k * k), pair = li / (k * k), ci = pair / o, oi = pair % o;
    acc[yi] += double(x[xi]) * w[(oi * c + ci) * k * k + kk];
  });
  const int64_t plane = oh * ow;
  for (int64_t i = 0; i < static_cast<int64_t>(acc.size()); ++i) acc[i] += b[(i / plane) % o];
  return activate(to_float(acc, ys), a, slope);
}

Grads conv_transpose2d_backward(const Tensor& x, const Tensor& w, const Tensor& b, const Tensor& dy,
                                int64_t stride, int64_t pad, int64_t output_pad, Activation a,
                                float slope) {
  const int64_t n = x.dim(0), c = x.dim(1), h = x.dim(2), wd = x.dim(3), o = w.dim(0), k = w.dim(2);
  Tensor dz =
      activation_grad(conv_transpose2d_forward(x, w, b, stride, pad, output_pad), dy, a, slope);
  const int64_t oh = dz.dim(2), ow = dz.dim(3);
  std::vector<double> dx(x.numel()), dw(w.numel()), db(b.numel());
  for_each_link(n, c, h, wd, o, oh, ow, k, stride, pad, [&](int64_t xi, int64_t yi, int64_t li) {
    int64_t kk = li % (k * k), pair = li / (k * k), ci = pair / o, oi = pair % o;
    int64_t wi = (oi * c + ci) * k * k + kk;
    dx[xi] += double(dz[yi]) * w[wi];
    dw[wi] += double(dz[yi]) * x[xi];
  });
  for (int64_t i = 0; i < dz.numel(); ++i) db[(i / (oh * ow)) % o] += dz[i];
  return {to_float(dx, x.shape()), to_float(dw, w.shape()), to_float(db, b.shape())};
}

// [SECTION] Max pooling

namespace {

// Flat index of the first maximum of output (b, c, y, x)'s window.
int64_t argmax_of_window(const Tensor& x, int64_t b, int64_t c, int64_t y, int64_t xo, int64_t k,
                         int64_t s) {
  const int64_t ch = x.dim(1), h = x.dim(2), w = x.dim(3);
  int64_t best = -1;
  for (int64_t kh = 0; kh < k; ++kh)
    for (int64_t kw = 0; kw < k; ++kw) {
      int64_t i = ((b * ch + c) * h + y * s + kh) * w + xo * s + kw;
      if (best < 0 || x[i] > x[best]) best = i;
    }
  return best;
}

}  // namespace

Tensor maxpool2d_forward(const Tensor& x, int64_t kernel, int64_t stride) {
  const int64_t n = x.dim(0), c = x.dim(1);
  const int64_t oh = (x.dim(2) - kernel) / stride + 1, ow = (x.dim(3) - kernel) / stride + 1;
  Tensor y({n, c, oh, ow});
  int64_t o = 0;
  for (int64_t b = 0; b < n; ++b)
    for (int64_t ci = 0; ci < c; ++ci)
      for (int64_t yy = 0; yy < oh; ++yy)
        for (int64_t xx = 0; xx < ow; ++xx)
          y[o++] = x[argmax_of_window(x, b, ci, yy, xx, kernel, stride)];
  return y;
}

Tensor maxpool2d_backward(const Tensor& x, const Tensor& dy, int64_t kernel, int64_t stride) {
  const int64_t n = x.dim(0), c = x.dim(1), oh = dy.dim(2), ow = dy.dim(3);
  Tensor dx(x.shape());
  int64_t o = 0;
  for (int64_t b = 0; b < n; ++b)
    for (int64_t ci = 0; ci < c; ++ci)
      for (int64_t yy = 0; yy < oh; ++yy)
        for (int64_t xx = 0; xx < ow; ++xx)
          dx[argmax_of_window(x, b, ci, yy, xx, kernel, stride)] += dy[o++];
  return dx;
}

}  // namespace aelab::nn::reference
