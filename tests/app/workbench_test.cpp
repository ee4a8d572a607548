// The workbench layout's pure operations: raise never closes, a panel is in one pane at most,
// split and unsplit keep every tab, and a saved layout survives unknown or malformed entries.
#include "app/workbench.hpp"

#include <algorithm>
#include <catch2/catch.hpp>

using aelab::app::Layout;

namespace {
Layout two_tabs() {
  Layout l;
  l.raise("playground");
  l.raise("training");
  return l;
}
}  // namespace

TEST_CASE("workbench: raise opens a panel once and selects it, never closes it") {
  Layout l = two_tabs();
  REQUIRE(l.panes[0].tabs == std::vector<std::string>{"playground", "training"});
  CHECK(l.panes[0].active == "training");
  l.raise("playground");
  CHECK(l.panes[0].tabs.size() == 2);
  CHECK(l.panes[0].active == "playground");
  l.raise("playground");  // raising the shown panel again keeps it shown
  CHECK(l.is_open("playground"));
  CHECK(l.panes[0].active == "playground");
}

TEST_CASE("workbench: a second pane beside the first, and back") {
  Layout l = two_tabs();
  l.move_to_other_pane("training");
  CHECK(l.split);
  CHECK(l.pane_of("training") == 1);
  CHECK(l.pane_of("playground") == 0);
  CHECK(l.visible() == std::vector<std::string>{"playground", "training"});
  CHECK(l.focused == 1);
  // View opens new panels in the focused pane.
  l.raise("kmeans");
  CHECK(l.pane_of("kmeans") == 1);
  l.set_split(false);
  CHECK_FALSE(l.split);
  CHECK(l.panes[0].tabs.size() == 3);
  CHECK(l.panes[1].tabs.empty());
  CHECK(l.focused == 0);
}

TEST_CASE("workbench: closing the last tab of the right pane ends the split") {
  Layout l = two_tabs();
  l.move_to_other_pane("training");
  l.close("training");
  CHECK_FALSE(l.split);
  CHECK(l.visible() == std::vector<std::string>{"playground"});
  // Closing the left pane's last tab moves the right pane's tabs over.
  Layout m = two_tabs();
  m.move_to_other_pane("training");
  m.close("playground");
  CHECK_FALSE(m.split);
  CHECK(m.panes[0].tabs == std::vector<std::string>{"training"});
  CHECK(m.panes[0].active == "training");
}

TEST_CASE("workbench: closing the active tab selects its neighbour") {
  Layout l = two_tabs();
  l.raise("kmeans");
  l.raise("training");
  l.close("training");
  CHECK(l.panes[0].active == "kmeans");
  l.close("kmeans");
  CHECK(l.panes[0].active == "playground");
}

TEST_CASE("workbench: split with a chosen panel, or the left pane's other tab") {
  Layout l = two_tabs();
  l.set_split(true, "runs");
  CHECK(l.pane_of("runs") == 1);
  Layout m = two_tabs();  // active: training
  m.set_split(true);
  CHECK(m.pane_of("playground") == 1);
  CHECK(m.pane_of("training") == 0);
}

TEST_CASE("workbench: a layout round-trips through JSON and drops what it does not know") {
  Layout l = two_tabs();
  l.move_to_other_pane("training");
  l.ratio = 0.3f;
  const std::vector<std::string> known = {"playground", "training", "kmeans"};
  Layout r = Layout::from_json(l.to_json(), known);
  CHECK(r.split);
  CHECK(r.ratio == Approx(0.3f));
  CHECK(r.panes[0].tabs == l.panes[0].tabs);
  CHECK(r.panes[1].tabs == l.panes[1].tabs);
  CHECK(r.panes[1].active == "training");

  nlohmann::json j = l.to_json();
  j["panes"][0]["tabs"].push_back("no_such_panel");
  j["panes"][0]["tabs"].push_back("training");  // already in the other pane: dropped
  j["ratio"] = 7.0;                             // clamped into range
  Layout s = Layout::from_json(j, known);
  CHECK(s.panes[0].tabs.front() == "playground");
  CHECK(std::count(s.panes[0].tabs.begin(), s.panes[0].tabs.end(), "no_such_panel") == 0);
  const auto count = [&](const std::string& n) {
    return std::count(s.panes[0].tabs.begin(), s.panes[0].tabs.end(), n) +
           std::count(s.panes[1].tabs.begin(), s.panes[1].tabs.end(), n);
  };
  CHECK(count("training") == 1);
  CHECK(s.ratio <= 1 - Layout::kMinRatio);

  CHECK(Layout::from_json(nlohmann::json("garbage"), known).panes[0].tabs.empty());
  CHECK(Layout::from_json(nlohmann::json{{"split", "yes"}}, known).panes[0].tabs.empty());
}
