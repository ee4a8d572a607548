#include "runs/store_wait.hpp"

namespace aelab::runs {

namespace {
thread_local StoreWaitScope* t_innermost = nullptr;
thread_local const StoreWaitListener* t_listener = nullptr;
StoreWaitListener& default_listener() {
  static StoreWaitListener listener;
  return listener;
}
}  // namespace

StoreWaitScope::StoreWaitScope(StoreWaitListener listener)
    : listener_(std::move(listener)), outer_(t_innermost) {
  t_innermost = this;
  t_listener = &listener_;
}

StoreWaitScope::~StoreWaitScope() {
  t_innermost = outer_;
  t_listener = outer_ ? &outer_->listener_ : nullptr;
}

void set_default_store_wait_listener(StoreWaitListener listener) {
  default_listener() = std::move(listener);
}

void notify_store_wait(const StoreWait& wait) {
  const StoreWaitListener* l = t_listener ? t_listener : &default_listener();
  if (*l) (*l)(wait);
}

std::string store_wait_text(const StoreWait& wait) {
  return "waiting for the run store (" + std::to_string(static_cast<long>(wait.seconds)) +
         " s; another process holds its write lock)";
}

}  // namespace aelab::runs
