#pragma once
// Shuffled mini-batches over N samples: each epoch is a fresh permutation drawn from the run's
// Rng, cut into batches of `batch` indices (the last one shorter unless drop_last).
//
//   Batcher b(n, 128, rng);
//   std::span<const int64_t> idx;
//   for (int epoch = 0; epoch < epochs; ++epoch)
//     while (b.next(idx)) train_step(gather_rows(x, idx));
//
// next() returns false once at the end of each epoch; the call after that starts the next epoch.
// The same seed gives the same order.
#include <cstdint>
#include <numeric>
#include <span>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/rng.hpp"

namespace aelab::data {

class Batcher {
 public:
  Batcher(int64_t n, int64_t batch, Rng& rng, bool drop_last = false)
      : n_(n), batch_(batch), drop_last_(drop_last), rng_(&rng) {
    if (n < 0) throw InputError("batcher: sample count must be >= 0, got " + std::to_string(n));
    if (batch < 1) throw InputError("batch size must be at least 1, got " + std::to_string(batch));
    order_.resize(static_cast<size_t>(n));
  }

  // The next batch of this epoch in `indices` (valid until the next call), or false at its end.
  bool next(std::span<const int64_t>& indices) {
    if (pos_ < 0) start_epoch();
    const int64_t left = n_ - pos_;
    if (left <= 0 || (drop_last_ && left < batch_)) {
      pos_ = -1;  // the next call starts a new epoch
      ++epoch_;
      return false;
    }
    const int64_t take = std::min(left, batch_);
    indices = std::span<const int64_t>(order_.data() + pos_, static_cast<size_t>(take));
    pos_ += take;
    return true;
  }

  [[nodiscard]] int64_t size() const { return n_; }
  [[nodiscard]] int64_t batch_size() const { return batch_; }
  [[nodiscard]] int64_t batches_per_epoch() const {
    return drop_last_ ? n_ / batch_ : (n_ + batch_ - 1) / batch_;
  }
  [[nodiscard]] int64_t epochs_done() const { return epoch_; }

  // Where it stands, for mid-epoch training checkpoints: this epoch's order and how much of it
  // has been handed out (position -1: the next call starts a new epoch, drawing from the Rng).
  struct State {
    std::vector<int64_t> order;
    int64_t position = -1;
    int64_t epoch = 0;
  };
  [[nodiscard]] State state() const { return {order_, pos_, epoch_}; }
  // InputError when the state does not belong to a batcher over the same samples.
  void restore(const State& s) {
    if (static_cast<int64_t>(s.order.size()) != n_ || s.position < -1 || s.position > n_ ||
        s.epoch < 0)
      throw InputError("batcher state does not fit " + std::to_string(n_) + " samples");
    for (int64_t i : s.order)
      if (i < 0 || i >= n_) throw InputError("batcher state holds an index out of range");
    order_ = s.order;
    pos_ = s.position;
    epoch_ = s.epoch;
  }

 private:
  void start_epoch() {
    std::iota(order_.begin(), order_.end(), int64_t{0});
    rng_->shuffle(std::span<int64_t>(order_));
    pos_ = 0;
  }

  int64_t n_;
  int64_t batch_;
  bool drop_last_;
  Rng* rng_;  // not owned; the trainer's Rng outlives its batcher
  std::vector<int64_t> order_;
  int64_t pos_ = -1;  // -1: the current epoch has not started
  int64_t epoch_ = 0;
};

}  // namespace aelab::data
