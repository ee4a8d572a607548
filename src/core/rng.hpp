#pragma once
// Seeded random numbers. Every random choice in aelab (init, shuffling, k-means++, t-SNE) draws
// from an Rng made from the run's seed, so the same config and seed give the same numbers.
#include <cstdint>
#include <random>
#include <span>
#include <string>

namespace aelab {

class Rng {
 public:
  explicit Rng(uint64_t seed = 0) : engine_(seed) {}

  [[nodiscard]] double uniform() {  // [0, 1), the same on every platform
    return static_cast<double>(engine_() >> 11) * 0x1.0p-53;
  }
  [[nodiscard]] double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
  [[nodiscard]] double normal();  // standard normal (Box-Muller, cached pair)
  [[nodiscard]] uint64_t next_u64() { return engine_(); }
  [[nodiscard]] int64_t below(int64_t n);  // uniform integer in [0, n)
  template <class T>
  void shuffle(std::span<T> items) {  // Fisher-Yates with our own draws (portable)
    for (int64_t i = static_cast<int64_t>(items.size()) - 1; i > 0; --i)
      std::swap(items[i], items[below(i + 1)]);
  }
  [[nodiscard]] Rng split() { return Rng(engine_() ^ 0x9E3779B97F4A7C15ull); }
  // The whole state as text (engine and the cached normal), for training checkpoints;
  // set_state(state()) continues the same stream. InputError on text state() did not write.
  [[nodiscard]] std::string state() const;
  void set_state(const std::string& text);

 private:
  std::mt19937_64 engine_;
  bool has_spare_ = false;
  double spare_ = 0.0;
};

}  // namespace aelab
