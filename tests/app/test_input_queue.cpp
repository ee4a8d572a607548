// InputQueue: what comes faster than frames reaches ImGui one change per key or button per frame,
// in the order it was typed, and nothing is lost.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "app/input_queue.hpp"

using aelab::app::InputQueue;

namespace {

constexpr int kRelease = 0, kPress = 1, kRepeat = 2;
constexpr int kEnter = 257, kCtrl = 341, kA = 65;

// Records what the queue hands on, frame by frame: "K257+" (key 257 pressed), "K257-",
// "B0+", "B0-", "Cx".
struct Recorder {
  std::vector<std::vector<std::string>> frames{{}};
  InputQueue queue{
      InputQueue::Sinks{
          [this](int k, int, int a, int) {
            frames.back().push_back("K" + std::to_string(k) + (a == kRelease ? "-" : "+"));
          },
          [this](int b, int a, int) {
            frames.back().push_back("B" + std::to_string(b) + (a == kRelease ? "-" : "+"));
          },
          [this](unsigned c) { frames.back().push_back(std::string("C") + char(c)); }},
      [](int k) { return k >= 340 && k <= 347; }};  // GLFW's Shift .. Super
  void next_frame() {
    frames.emplace_back();
    queue.begin_frame();
  }
};

using Frames = std::vector<std::vector<std::string>>;

}  // namespace

TEST_CASE("input queue: a key pressed and released between two frames reaches ImGui in two") {
  Recorder r;
  r.queue.key(kEnter, 0, kPress, 0);
  r.queue.key(kEnter, 0, kRelease, 0);
  CHECK(r.queue.pending() == 1);
  r.next_frame();
  CHECK(r.queue.pending() == 0);
  CHECK(r.frames == Frames{{"K257+"}, {"K257-"}});
}

TEST_CASE("input queue: Ctrl+A then typed text then Enter keep their order across frames") {
  Recorder r;
  r.queue.key(kCtrl, 0, kPress, 0);
  r.queue.key(kA, 0, kPress, 2);
  r.queue.key(kA, 0, kRelease, 2);  // waits: A changed in this frame
  r.queue.key(kCtrl, 0, kRelease, 0);
  r.queue.character('x');  // typed after: waits behind them
  r.queue.key(kEnter, 0, kPress, 0);
  r.queue.key(kEnter, 0, kRelease, 0);
  r.queue.character('y');
  for (int i = 0; i < 4 && r.queue.pending(); ++i) r.next_frame();
  CHECK(r.queue.pending() == 0);
  // Frame 1: Ctrl and A down (ImGui sees Ctrl+A). Frame 2: A up, Ctrl up, x, Enter down.
  // Frame 3: Enter up, y.
  CHECK(r.frames == Frames{{"K341+", "K65+"}, {"K65-", "K341-", "Cx", "K257+"}, {"K257-", "Cy"}});
}

TEST_CASE("input queue: a double click between two frames is two presses in two frames") {
  Recorder r;
  r.queue.button(0, kPress, 0);
  r.queue.button(0, kRelease, 0);
  r.queue.button(0, kPress, 0);
  r.queue.button(0, kRelease, 0);
  r.next_frame();
  CHECK(r.queue.pending() == 0);
  CHECK(r.frames == Frames{{"B0+", "B0-"}, {"B0+", "B0-"}});
  // Two buttons at once go together; characters alone never wait.
  Recorder s;
  s.queue.button(0, kPress, 0);
  s.queue.button(1, kPress, 0);
  s.queue.character('a');
  s.queue.character('b');
  CHECK(s.queue.pending() == 0);
  CHECK(s.frames == Frames{{"B0+", "B1+", "Ca", "Cb"}});
}

TEST_CASE("input queue: held keys repeat one step per frame and nothing is dropped") {
  Recorder r;
  r.queue.key(kEnter, 0, kPress, 0);
  for (int i = 0; i < 5; ++i) r.queue.key(kEnter, 0, kRepeat, 0);
  r.queue.key(kEnter, 0, kRelease, 0);
  int frames = 0;
  while (r.queue.pending() && frames < 20) r.next_frame(), ++frames;
  CHECK(frames == 6);
  size_t events = 0;
  for (const auto& f : r.frames) {
    CHECK(f.size() == 1);
    events += f.size();
  }
  CHECK(events == 7);
  CHECK(r.frames.back() == std::vector<std::string>{"K257-"});
}

TEST_CASE("input queue: Ctrl released right after Q is pressed still reaches ImGui as Ctrl+Q") {
  // xdotool's order for "ctrl+q": Ctrl down, Q down, Ctrl up, Q up. Delivered in one frame, ImGui
  // would see Q pressed with Ctrl already up.
  constexpr int kQ = 81;
  Recorder r;
  r.queue.key(kCtrl, 0, kPress, 0);
  r.next_frame();  // Ctrl came in the frame before (the window drew between the two events)
  r.queue.key(kQ, 0, kPress, 2);
  r.queue.key(kCtrl, 0, kRelease, 2);
  r.queue.key(kQ, 0, kRelease, 0);
  for (int i = 0; i < 4 && r.queue.pending(); ++i) r.next_frame();
  CHECK(r.queue.pending() == 0);
  CHECK(r.frames == Frames{{"K341+"}, {"K81+"}, {"K341-", "K81-"}});
}

TEST_CASE("input queue: a modifier released with no key pressed in the frame goes at once") {
  Recorder r;
  r.queue.key(kCtrl, 0, kPress, 0);
  r.next_frame();
  r.queue.key(kCtrl, 0, kRelease, 0);
  CHECK(r.queue.pending() == 0);
  CHECK(r.frames == Frames{{"K341+"}, {"K341-"}});
}
