#pragma once
// Number fields that behave like number fields: click, type, Enter (or leaving the field)
// applies. The text is validated as it is typed; an invalid text stays visible with its message
// in red beside the field (below it when there is no room) until it is fixed, and the value is
// unchanged until a valid text is applied. Nothing is clamped or reverted silently.
//
// A panel keeps one small struct per field in its view state and draws it each frame:
//
//   IntField batch_{64, IntRule::integer_in(1, 4096)};       // view state
//   DoubleField lr_{1e-3, DoubleRule::positive(), "%.3g"};
//   IntField seed_{0, IntRule::at_least(0)};
//
//   if (number_field("batch", batch_)) config.batch = static_cast<int>(batch_.value);
//   if (number_field("lr", lr_, font * 7)) job.set_lr(lr_.value);
//   ImGui::BeginDisabled(!all_valid(batch_, lr_));  ...  "Start"
//
// A caller that changes the value itself uses set_value() (the text follows); the parsing and the
// rules are plain functions, tested without ImGui.
#include <cmath>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

namespace aelab::app {

// [SECTION] rules

// What a field accepts: optional bounds (each inclusive or not) and an optional check returning
// a message ("" = fine). integer_in / at_least on IntRule are whole numbers by construction.
template <class T>
struct NumberRule {
  std::optional<T> min, max;
  bool min_inclusive = true, max_inclusive = true;
  std::function<std::string(T)> check;

  // > 0
  static NumberRule positive() { return {T{0}, std::nullopt, false, true, {}}; }
  // >= lo
  static NumberRule at_least(T lo) { return {lo, std::nullopt, true, true, {}}; }
  // [lo, hi]
  static NumberRule in(T lo, T hi) { return {lo, hi, true, true, {}}; }
  // [lo, hi)
  static NumberRule in_half_open(T lo, T hi) { return {lo, hi, true, false, {}}; }
  // (lo, hi)
  static NumberRule in_open(T lo, T hi) { return {lo, hi, false, false, {}}; }
  // A whole number in [lo, hi] (for IntRule the same as in(); for DoubleRule also integer-ness)
  static NumberRule integer_in(T lo, T hi) {
    NumberRule r = in(lo, hi);
    if constexpr (std::is_floating_point_v<T>)
      r.check = [](T v) { return v == std::floor(v) ? std::string() : "must be a whole number"; };
    return r;
  }
  // Any number, with the caller's check.
  static NumberRule custom(std::function<std::string(T)> check) {
    NumberRule r;
    r.check = std::move(check);
    return r;
  }
  // The same rule with an extra check on top.
  [[nodiscard]] NumberRule and_check(std::function<std::string(T)> extra) const {
    NumberRule r = *this;
    r.check = [first = check, extra = std::move(extra)](T v) {
      std::string m = first ? first(v) : std::string();
      return m.empty() ? extra(v) : m;
    };
    return r;
  }
};
using DoubleRule = NumberRule<double>;
using IntRule = NumberRule<int64_t>;

// The text as a number, or a message: "enter a number", "'abc' is not a number",
// "must be a whole number" (int fields), "must be a finite number". Spaces around are allowed.
template <class T>
struct Parsed {
  std::optional<T> value;
  std::string error;
};
[[nodiscard]] Parsed<double> parse_double(std::string_view text);
[[nodiscard]] Parsed<int64_t> parse_int(std::string_view text);

// "" when v satisfies the rule, else the message: "must be > 0", "must be in [0, 1)",
// "must be >= 1", or the check's own.
[[nodiscard]] std::string check_rule(const DoubleRule& rule, double v);
[[nodiscard]] std::string check_rule(const IntRule& rule, int64_t v);

// A number as a field shows it: printf format for doubles ("%.3g", "%.2e"; "" = shortest text
// that reads back exactly), decimal for ints.
[[nodiscard]] std::string format_number(double v, const std::string& format);
[[nodiscard]] std::string format_number(int64_t v, const std::string& format);

// [SECTION] the field

template <class T>
struct NumberField {
  NumberField() : NumberField(T{}) {}
  explicit NumberField(T initial, NumberRule<T> r = {}, std::string fmt = {})
      : value(initial), rule(std::move(r)), format(std::move(fmt)) {
    set_value(initial);
  }

  T value{};             // the applied value; changes only through apply() or set_value()
  NumberRule<T> rule;    // what the field accepts
  std::string format;    // display format (see format_number)
  char text[64] = {};    // what the field shows, typed text included
  std::string error;     // why `text` is refused, "" when it is fine
  bool pending = false;  // the text was edited and not yet applied
  bool applied = false;  // a valid text was applied in the last draw
  std::string shown;     // the text set_value() wrote (an untouched field applies nothing)

  // Sets the value from code (a loaded preset, another control): the text follows, the message
  // and any pending edit go.
  void set_value(T v);
  // Re-checks the current text (e.g. when the rule depends on another field that changed).
  void revalidate();
  // Applies the text if it is valid and differs from the value's; true if the value changed.
  // On an invalid text the value stays and `error` says why.
  bool apply();
  [[nodiscard]] bool ok() const { return error.empty(); }
};
using DoubleField = NumberField<double>;
using IntField = NumberField<int64_t>;

// Draws the field (an ImGui text input with `label`, width in pixels or 0 for about 8 digits)
// and its message. Returns true in the frame a valid text was applied (Enter or leaving the
// field after an edit), then field.value holds it.
bool number_field(const char* label, DoubleField& field, float width = 0);
bool number_field(const char* label, IntField& field, float width = 0);

// True when no field has an error (for greying out "Start" while something is refused).
template <class... F>
[[nodiscard]] bool all_valid(const F&... fields) {
  return (fields.ok() && ...);
}

}  // namespace aelab::app
