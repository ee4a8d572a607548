#pragma once
// Where a training step's time goes: named, timed parts (a layer's GEMMs, its element-wise passes,
// the loss, the optimiser) recorded into the profile the calling thread has switched on. With no
// profile on (the normal case) a ProfileScope costs one thread-local load and builds no name.
//
//   nn::StepProfile prof;
//   { nn::ProfileOn on(prof); step(); }      // every scope inside records into prof
//   ProfileScope s([&] { return describe() + " fwd GEMM"; }, 2.0 * n * in * out);
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace aelab::nn {

struct ProfileEntry {
  std::string name;
  double seconds = 0;  // summed over calls
  double flops = 0;    // summed over calls (0: not a GEMM)
  int64_t calls = 0;
};

class StepProfile {
 public:
  void add(std::string_view name, double seconds, double flops);
  // In first-seen order (a step's order of execution).
  [[nodiscard]] const std::vector<ProfileEntry>& entries() const { return entries_; }
  [[nodiscard]] double total_seconds() const;
  void clear() { entries_.clear(); }

 private:
  std::vector<ProfileEntry> entries_;
};

[[nodiscard]] StepProfile* active_profile();

// Switches `profile` on for the calling thread for the object's lifetime.
class ProfileOn {
 public:
  explicit ProfileOn(StepProfile& profile);
  ~ProfileOn();
  ProfileOn(const ProfileOn&) = delete;
  ProfileOn& operator=(const ProfileOn&) = delete;

 private:
  StepProfile* previous_;
};

class ProfileScope {
 public:
  using Clock = std::chrono::steady_clock;
  // name() is called only when a profile is on.
  template <typename NameFn>
  explicit ProfileScope(NameFn&& name, double flops = 0) : profile_(active_profile()) {
    if (profile_) {
      name_ = name();
      flops_ = flops;
      t0_ = Clock::now();
    }
  }
  ~ProfileScope() {
    if (profile_)
      profile_->add(name_, std::chrono::duration<double>(Clock::now() - t0_).count(), flops_);
  }
  ProfileScope(const ProfileScope&) = delete;
  ProfileScope& operator=(const ProfileScope&) = delete;

 private:
  StepProfile* profile_;
  std::string name_;
  double flops_ = 0;
  Clock::time_point t0_;
};

}  // namespace aelab::nn
