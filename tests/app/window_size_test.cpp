// The window's first size: the defaults shrink to fit the screen, a size given is kept.
#include <catch2/catch.hpp>

#include "app/app_main.hpp"

using aelab::app::initial_window_size;
using aelab::app::WindowOptions;

TEST_CASE("window: the default size fits the screen, a given size stays") {
  WindowOptions o;  // 1400 x 900 unless given
  // A large screen: the defaults.
  CHECK(initial_window_size(o, 1920, 1080) == std::pair{1400, 900});
  // A 1366x768 laptop and a 1024x640 display: inside the work area, room left for the frame.
  const auto [w1, h1] = initial_window_size(o, 1366, 740);
  CHECK(w1 == 1350);
  CHECK(h1 == 692);
  const auto [w2, h2] = initial_window_size(o, 1024, 640);
  CHECK(w2 <= 1024);
  CHECK(h2 <= 640);
  CHECK(w2 == 1008);
  CHECK(h2 == 592);
  // No monitor known (0): the defaults.
  CHECK(initial_window_size(o, 0, 0) == std::pair{1400, 900});
  // A tiny screen never goes under the smallest size --width/--height accept.
  CHECK(initial_window_size(o, 100, 100) == std::pair{200, 150});
  // Given on the command line: kept even when larger than the screen, each on its own.
  o.width = 1920, o.width_given = true;
  CHECK(initial_window_size(o, 1024, 640) == std::pair{1920, 592});
  o.height = 1080, o.height_given = true;
  CHECK(initial_window_size(o, 1024, 640) == std::pair{1920, 1080});
}

TEST_CASE(
    "window: the size it was closed at comes back, fitted to this screen, a given size wins") {
  WindowOptions o;
  CHECK(initial_window_size(o, 1920, 1080, 1900, 1000) == std::pair{1900, 1000});
  // Saved on a larger screen: fitted to this one, as the defaults are.
  CHECK(initial_window_size(o, 1024, 640, 1900, 1000) == std::pair{1008, 592});
  // None saved: the defaults.
  CHECK(initial_window_size(o, 1920, 1080, 0, 0) == std::pair{1400, 900});
  // --width given: it stays; the height still comes back.
  o.width = 800, o.width_given = true;
  CHECK(initial_window_size(o, 1920, 1080, 1900, 1000) == std::pair{800, 1000});
}
