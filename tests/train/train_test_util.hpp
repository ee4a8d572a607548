#pragma once
// Helpers for tests that need trained runs in a throwaway store: synthetic stroke "digits" that
// blur visibly, squares top-left or bottom-right (tiny_dataset), a temporary store path, and a Job
// run to completion.
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <string>

#include "core/rng.hpp"
#include "data/dataset.hpp"
#include "train/job.hpp"

namespace aelab::test {

// Two or three 2-px-wide strokes between random points; class = which of ten 7x7 tiles holds an
// extra solid block. Named "strokes".
inline data::Dataset stroke_dataset(int64_t n_train, int64_t n_test, uint64_t seed = 3) {
  data::Dataset ds;
  ds.name = "strokes";
  Rng rng(seed);
  auto make = [&](int64_t n, Tensor& x, std::vector<uint8_t>& y) {
    x = Tensor({n, 1, 28, 28});
    for (int64_t i = 0; i < n; ++i) {
      float* img = x.data() + i * 784;
      const int strokes = 2 + int(rng.below(2));
      for (int s = 0; s < strokes; ++s) {
        const double x0 = rng.uniform(4, 24), y0 = rng.uniform(4, 24), x1 = rng.uniform(4, 24),
                     y1 = rng.uniform(4, 24);
        const double dx = x1 - x0, dy = y1 - y0, len2 = std::max(dx * dx + dy * dy, 1e-9);
        for (int r = 0; r < 28; ++r)
          for (int c = 0; c < 28; ++c) {
            const double t = std::clamp(((c - x0) * dx + (r - y0) * dy) / len2, 0.0, 1.0);
            const double ex = c - (x0 + t * dx), ey = r - (y0 + t * dy);
            if (ex * ex + ey * ey <= 1.0) img[r * 28 + c] = 1.0f;
          }
      }
      const uint8_t label = static_cast<uint8_t>(i % 10);
      const int tr = 7 * (label / 4), tc = 7 * (label % 4);
      for (int r = tr + 1; r < tr + 6; ++r)
        for (int c = tc + 1; c < tc + 6; ++c) img[r * 28 + c] = 1.0f;
      y.push_back(label);
    }
  };
  make(n_train, ds.train_images, ds.train_labels);
  make(n_test, ds.test_images, ds.test_labels);
  return ds;
}

// Two kinds of synthetic "digits": a bright square top-left or bottom-right, plus noise.
inline data::Dataset tiny_dataset(int64_t n_train, int64_t n_test) {
  data::Dataset ds;
  ds.name = "tiny";
  Rng rng(11);
  auto make = [&](int64_t n, Tensor& x, std::vector<uint8_t>& y) {
    x = Tensor({n, 1, 28, 28});
    for (int64_t i = 0; i < n; ++i) {
      uint8_t label = static_cast<uint8_t>(i % 2);
      y.push_back(label);
      for (int r = 0; r < 28; ++r)
        for (int c = 0; c < 28; ++c) {
          bool on = label ? (r >= 14 && c >= 14) : (r < 14 && c < 14);
          x[i * 784 + r * 28 + c] = on ? 0.8f + 0.2f * float(rng.uniform()) : 0.0f;
        }
    }
  };
  make(n_train, ds.train_images, ds.train_labels);
  make(n_test, ds.test_images, ds.test_labels);
  return ds;
}

// A temporary store path, removed (with its WAL files) at the end of the test.
struct TempDb {
  std::filesystem::path path;
  explicit TempDb(const std::string& tag = "test") {
    path = std::filesystem::temp_directory_path() /
           ("aelab-" + tag + "-" + std::to_string(::getpid()) + "-" +
            std::to_string(reinterpret_cast<uintptr_t>(this)) + ".sqlite");
    std::filesystem::remove(path);
  }
  ~TempDb() {
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path.string() + suffix);
  }
};

template <class R, class F>
R run_job(F&& f) {
  R result;
  train::Job job("test", [&](train::JobContext& ctx) { result = f(ctx); });
  job.wait();
  if (job.error()) std::rethrow_exception(job.error());
  return result;
}

}  // namespace aelab::test
