#pragma once
// Keeps key presses and clicks that come faster than frames. Dear ImGui 1.86's GLFW backend
// keeps keys as a polled state (io.KeysDown): a key pressed and released between two frames never
// reaches ImGui, and two clicks between two frames are one. On a software-rendered window under
// load (a frame can take 100 ms, the idle window sleeps up to 250 ms) that loses Enter, Backspace,
// Ctrl+A and double-clicks a person really typed. InputQueue sits between GLFW's callbacks and the
// backend's: each key and each mouse button changes at most once per frame; what comes after
// waits for the next frame, in order, with the characters typed after it. A modifier (Ctrl, Shift,
// Alt, Super) is not released in the frame a key was pressed in: ImGui reads the modifier's state
// when it sees the press, so Ctrl+Q sent as Ctrl down, Q down, Ctrl up (xdotool, a fast hand)
// would otherwise reach ImGui as a plain Q.
//
//   InputQueue q(sinks);          // sinks: the backend's key, mouse-button and char callbacks
//   glfwSetKeyCallback(w, ...)    // -> q.key(...), q.button(...), q.character(...)
//   each frame: q.begin_frame(); poll events; if (q.pending()) draw the next frame at once
//
// Nothing here knows GLFW or ImGui: the sinks do, so the queue is tested without a window.
#include <cstddef>
#include <deque>
#include <functional>
#include <set>

namespace aelab::app {

class InputQueue {
 public:
  struct Sinks {
    std::function<void(int key, int scancode, int action, int mods)> key;
    std::function<void(int button, int action, int mods)> button;
    std::function<void(unsigned codepoint)> character;
  };
  // `is_modifier`: whether a key code is a modifier key (the window passes GLFW's).
  InputQueue(Sinks sinks, std::function<bool(int key)> is_modifier)
      : sinks_(std::move(sinks)), is_modifier_(std::move(is_modifier)) {}

  // A new frame: what waited goes on, up to the first event of a key or button that has changed
  // in this frame already.
  void begin_frame();
  void key(int key, int scancode, int action, int mods);
  void button(int button, int action, int mods);
  void character(unsigned codepoint);

  // Events held for a later frame: the loop should draw the next frame without waiting.
  [[nodiscard]] size_t pending() const { return queue_.size(); }

 private:
  enum class Kind { key, button, character };
  struct Event {
    Kind kind;
    int code = 0;  // key, button or codepoint
    int scancode = 0, action = 0, mods = 0;
  };
  // True when `e` may reach ImGui in this frame (its key or button has not changed yet).
  [[nodiscard]] bool fits(const Event& e) const;
  void deliver(const Event& e);
  void offer(const Event& e);

  Sinks sinks_;
  std::function<bool(int)> is_modifier_;
  std::deque<Event> queue_;
  std::set<int> keys_, buttons_;  // changed in this frame
  bool key_pressed_ = false;      // a key was pressed in this frame
};

}  // namespace aelab::app
