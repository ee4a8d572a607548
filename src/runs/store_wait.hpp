#pragma once
// Waiting for the run store. A writer that finds the write lock taken (another process is
// committing, or holds a long transaction) waits and retries for up to kStoreWriteWaitSeconds
// instead of failing, so a busy store never kills a training. While it waits, the listener in
// force on that thread hears about it about once a second, and once more when the wait is over:
//
//   runs::StoreWaitScope scope([&](const runs::StoreWait& w) {
//     status = w.done ? "" : "waiting for the run store (" + std::to_string(int(w.seconds)) + "
//     s)";
//   });
//
// Job installs one for its work (the status line shows it); the CLI installs a process-wide
// default that writes the line on a terminal.
#include <filesystem>
#include <functional>
#include <string>

namespace aelab::runs {

inline constexpr double kStoreWriteWaitSeconds = 600;  // then the write fails (exit 1)
inline constexpr double kStoreReadWaitSeconds = 60;    // a reader rarely waits at all (WAL)
inline constexpr double kStoreWaitNoticeSeconds = 1;   // shorter waits are not reported

struct StoreWait {
  std::filesystem::path db;
  double seconds = 0;  // waited so far
  bool done = false;   // true once: the lock was taken (or the wait gave up)
};
using StoreWaitListener = std::function<void(const StoreWait&)>;

// `listener` hears this thread's waits while the scope lives; scopes nest (the innermost wins).
class StoreWaitScope {
 public:
  explicit StoreWaitScope(StoreWaitListener listener);
  ~StoreWaitScope();
  StoreWaitScope(const StoreWaitScope&) = delete;
  StoreWaitScope& operator=(const StoreWaitScope&) = delete;

 private:
  StoreWaitListener listener_;
  StoreWaitScope* outer_;
};

// The listener of threads without a scope. Set it once, before other threads start.
void set_default_store_wait_listener(StoreWaitListener listener);
// What RunStore calls: the innermost scope's listener on this thread, else the default.
void notify_store_wait(const StoreWait& wait);
// "waiting for the run store (12 s; another process holds its write lock)"
[[nodiscard]] std::string store_wait_text(const StoreWait& wait);

}  // namespace aelab::runs
