#include "nn/step_profile.hpp"

namespace aelab::nn {
namespace {
thread_local StepProfile* g_active = nullptr;
}  // namespace

void StepProfile::add(std::string_view name, double seconds, double flops) {
  for (ProfileEntry& e : entries_)
    if (e.name == name) {
      e.seconds += seconds;
      e.flops += flops;
      ++e.calls;
      return;
    }
  entries_.push_back({std::string(name), seconds, flops, 1});
}

double StepProfile::total_seconds() const {
  double t = 0;
  for (const ProfileEntry& e : entries_) t += e.seconds;
  return t;
}

StepProfile* active_profile() {
  return g_active;
}

ProfileOn::ProfileOn(StepProfile& profile) : previous_(g_active) {
  g_active = &profile;
}

ProfileOn::~ProfileOn() {
  g_active = previous_;
}

}  // namespace aelab::nn
