// Number fields: the parsing and rule core, and the widget's behaviour in a headless ImGui
// context (no GL, no window): click, type, Enter, leave the field.
#include "app/widgets/number_field.hpp"

#include <imgui.h>
#include <imgui_internal.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>

using namespace aelab::app;

TEST_CASE("number field parsing: numbers, whole numbers and the messages for the rest") {
  CHECK(*parse_double("0.25").value == 0.25);
  CHECK(*parse_double("  1e-4 ").value == 1e-4);
  CHECK(*parse_double("+3").value == 3);
  CHECK(*parse_double("-.5").value == -0.5);
  CHECK(parse_double("abc").error == "'abc' is not a number");
  CHECK(!parse_double("abc").value);
  CHECK(parse_double("").error == "enter a number");
  CHECK(parse_double("1,5").error.find("use . for decimals") != std::string::npos);
  CHECK(parse_double("0.3x").error == "'0.3x' is not a number");
  CHECK(parse_double("inf").error == "must be a finite number");
  CHECK(parse_double("nan").error == "must be a finite number");
  CHECK(!parse_double("1e999").value);

  CHECK(*parse_int("64").value == 64);
  CHECK(*parse_int("-5").value == -5);
  CHECK(*parse_int("1e3").value == 1000);  // a whole number written another way
  CHECK(*parse_int("9223372036854775807").value == INT64_MAX);  // seeds are int64
  CHECK(parse_int("1.5").error == "must be a whole number");
  CHECK(parse_int("abc").error == "'abc' is not a number");
  CHECK(!parse_int("99999999999999999999").value);
}

TEST_CASE("number field rules: bounds with their messages, integer-ness, custom checks") {
  CHECK(check_rule(DoubleRule::positive(), 1e-9).empty());
  CHECK(check_rule(DoubleRule::positive(), 0) == "must be > 0");
  CHECK(check_rule(DoubleRule::in_half_open(0, 1), 0).empty());
  CHECK(check_rule(DoubleRule::in_half_open(0, 1), 1) == "must be in [0, 1)");
  CHECK(check_rule(DoubleRule::in_half_open(0, 1), 0.999).empty());
  CHECK(check_rule(DoubleRule::in_open(0, 1), 0) == "must be in (0, 1)");
  CHECK(check_rule(IntRule::integer_in(1, 4096), 99999) == "must be in [1, 4096]");
  CHECK(check_rule(IntRule::integer_in(1, 4096), 4096).empty());
  CHECK(check_rule(IntRule::at_least(1), -5) == "must be >= 1");
  CHECK(check_rule(DoubleRule::integer_in(1, 10), 2.5) == "must be a whole number");
  CHECK(check_rule(DoubleRule::integer_in(1, 10), 3).empty());
  IntRule even = IntRule::at_least(2).and_check(
      [](int64_t v) { return v % 2 == 0 ? std::string() : std::string("must be even"); });
  CHECK(check_rule(even, 3) == "must be even");
  CHECK(check_rule(even, 0) == "must be >= 2");  // the bound is checked first
  CHECK(check_rule(even, 4).empty());
  CHECK(format_number(1e-4, "%.2e") == "1.00e-04");
  CHECK(format_number(0.1, "") == "0.1");
  CHECK(format_number(int64_t{-7}, "") == "-7");
}

TEST_CASE("number field state: apply keeps the value on invalid text, set_value resets") {
  IntField f{64, IntRule::at_least(1)};
  CHECK(std::string(f.text) == "64");
  std::snprintf(f.text, sizeof f.text, "-5");
  CHECK(!f.apply());
  CHECK(f.value == 64);
  CHECK(f.error == "must be >= 1");
  CHECK(std::string(f.text) == "-5");  // not reverted
  std::snprintf(f.text, sizeof f.text, "128");
  CHECK(f.apply());
  CHECK(f.value == 128);
  CHECK(f.ok());
  CHECK(!f.apply());  // nothing new to apply
  f.set_value(32);
  CHECK(std::string(f.text) == "32");
  DoubleField lr{0.30000000000000004, DoubleRule::positive(), "%.3g"};
  CHECK(std::string(lr.text) == "0.3");
  CHECK(!lr.apply());  // the untouched display text does not round the value
  CHECK(lr.value == 0.30000000000000004);
}

namespace {

// One ImGui context without a renderer: frames are built and thrown away.
struct Headless {
  static constexpr int kEnter = 300;
  ImGuiContext* ctx;
  ImVec2 field_pos{0, 0};
  Headless() {
    ctx = ImGui::CreateContext();
    ImGuiIO& io = ImGui::GetIO();
    io.DisplaySize = ImVec2(800, 600);
    io.DeltaTime = 1.0f / 60;
    io.IniFilename = nullptr;
    io.KeyMap[ImGuiKey_Enter] = kEnter;
    unsigned char* px;
    int w, h;
    io.Fonts->GetTexDataAsRGBA32(&px, &w, &h);
  }
  ~Headless() { ImGui::DestroyContext(ctx); }
  // Draws one frame: `body` inside a window covering the display.
  void frame(const std::function<void()>& body) {
    ImGui::NewFrame();
    ImGui::SetNextWindowPos(ImVec2(0, 0));
    ImGui::SetNextWindowSize(ImGui::GetIO().DisplaySize);
    ImGui::Begin("test", nullptr, ImGuiWindowFlags_NoDecoration);
    body();
    ImGui::End();
    ImGui::Render();
  }
  void mouse(ImVec2 p, bool down) {
    ImGui::GetIO().MousePos = p;
    ImGui::GetIO().MouseDown[0] = down;
  }
  void type(const char* s) {
    for (; *s; ++s) ImGui::GetIO().AddInputCharacter(static_cast<unsigned char>(*s));
  }
  void enter(bool down) { ImGui::GetIO().KeysDown[kEnter] = down; }
};

}  // namespace

TEST_CASE("number field widget: click, type, Enter, and invalid text stays with its message") {
  Headless ui;
  IntField batch{64, IntRule::at_least(1)};
  bool applied = false;
  auto body = [&] {
    ui.field_pos = ImGui::GetCursorScreenPos();
    applied = number_field("batch", batch);
  };
  const auto click_field = [&] {
    const ImVec2 p(ui.field_pos.x + 10, ui.field_pos.y + 5);
    ui.mouse(p, false);
    ui.frame(body);
    ui.mouse(p, true);
    ui.frame(body);
    ui.mouse(p, false);
    ui.frame(body);
  };
  ui.frame(body);
  click_field();
  CHECK(ImGui::GetActiveID() != 0);  // the click made it the active text field

  // "abc": the value stays, the message is there, the text is kept.
  ui.type("abc");
  ui.frame(body);
  CHECK(batch.value == 64);
  CHECK(std::string(batch.text) == "abc");  // typing replaced the selected "64"
  CHECK(batch.error == "'abc' is not a number");
  ui.enter(true);
  ui.frame(body);
  ui.enter(false);
  CHECK(!applied);
  ui.frame(body);
  CHECK(batch.value == 64);
  CHECK(std::string(batch.text) == "abc");  // not reverted after Enter either
  CHECK(!batch.ok());

  // "-5" with rule >= 1: refused, not clamped to 1.
  click_field();
  ui.type("-5");
  ui.frame(body);
  CHECK(batch.error == "must be >= 1");
  ui.enter(true);
  ui.frame(body);
  ui.enter(false);
  CHECK(!applied);
  ui.frame(body);
  CHECK(batch.value == 64);
  CHECK(std::string(batch.text) == "-5");

  // A valid text is not applied while typing, then Enter applies it in that frame.
  click_field();
  ui.type("256");
  ui.frame(body);
  CHECK(batch.ok());
  CHECK(batch.pending);
  CHECK(batch.value == 64);
  ui.enter(true);
  ui.frame(body);
  ui.enter(false);
  CHECK(applied);
  CHECK(batch.value == 256);
  ui.frame(body);
  CHECK(!applied);  // "applied" is for one frame only
  CHECK(!batch.pending);
}

TEST_CASE("number field widget: leaving the field applies a valid edit") {
  Headless ui;
  DoubleField lr{1e-3, DoubleRule::positive(), "%.3g"};
  int applied_frames = 0;
  auto body = [&] {
    ui.field_pos = ImGui::GetCursorScreenPos();
    if (number_field("lr", lr)) ++applied_frames;
    ImGui::Button("elsewhere", ImVec2(200, 40));
  };
  ui.frame(body);
  const ImVec2 p(ui.field_pos.x + 10, ui.field_pos.y + 5);
  ui.mouse(p, false);
  ui.frame(body);
  ui.mouse(p, true);
  ui.frame(body);
  ui.mouse(p, false);
  ui.frame(body);
  ui.type("0.01");
  ui.frame(body);
  CHECK(lr.value == 1e-3);
  // Click somewhere else in the window: the field loses focus and applies.
  const ImVec2 q(400, 400);
  ui.mouse(q, false);
  ui.frame(body);
  ui.mouse(q, true);
  ui.frame(body);
  ui.mouse(q, false);
  ui.frame(body);
  CHECK(lr.value == 0.01);
  CHECK(applied_frames == 1);
  CHECK(ImGui::GetActiveID() == 0);
}
