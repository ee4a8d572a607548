#include "app/input_queue.hpp"

namespace aelab::app {

namespace {
constexpr int kRelease = 0;  // GLFW_RELEASE (1: press, 2: repeat)
}

bool InputQueue::fits(const Event& e) const {
  switch (e.kind) {
    case Kind::key:
      if (e.action == kRelease && key_pressed_ && is_modifier_ && is_modifier_(e.code))
        return false;
      return !keys_.contains(e.code);
    case Kind::button:
      // The backend sees a press as "just pressed" and reads the button's state for the rest, so
      // only presses count: a second press in one frame would be lost.
      return e.action == kRelease || !buttons_.contains(e.code);
    case Kind::character:
      return true;  // ImGui queues characters itself
  }
  return true;
}

void InputQueue::deliver(const Event& e) {
  switch (e.kind) {
    case Kind::key:
      keys_.insert(e.code);
      if (e.action != kRelease) key_pressed_ = true;
      if (sinks_.key) sinks_.key(e.code, e.scancode, e.action, e.mods);
      break;
    case Kind::button:
      if (e.action != kRelease) buttons_.insert(e.code);
      if (sinks_.button) sinks_.button(e.code, e.action, e.mods);
      break;
    case Kind::character:
      if (sinks_.character) sinks_.character(static_cast<unsigned>(e.code));
      break;
  }
}

void InputQueue::offer(const Event& e) {
  // Order is kept: once anything waits, everything after it waits too.
  if (queue_.empty() && fits(e))
    deliver(e);
  else
    queue_.push_back(e);
}

void InputQueue::begin_frame() {
  keys_.clear();
  buttons_.clear();
  key_pressed_ = false;
  while (!queue_.empty() && fits(queue_.front())) {
    deliver(queue_.front());
    queue_.pop_front();
  }
}

void InputQueue::key(int key, int scancode, int action, int mods) {
  offer({Kind::key, key, scancode, action, mods});
}

void InputQueue::button(int button, int action, int mods) {
  offer({Kind::button, button, 0, action, mods});
}

void InputQueue::character(unsigned codepoint) {
  offer({Kind::character, static_cast<int>(codepoint), 0, 0, 0});
}

}  // namespace aelab::app
