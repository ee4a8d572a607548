#include "app/widgets/number_field.hpp"

#include <imgui.h>

#include <charconv>
#include <cstdio>
#include <cstring>

namespace aelab::app {

// [SECTION] parsing and rules

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string quoted(std::string_view s) {
  return "'" + std::string(s) + "'";
}

template <class T>
std::string check_impl(const NumberRule<T>& r, T v) {
  const bool lo_ok = !r.min || (r.min_inclusive ? v >= *r.min : v > *r.min);
  const bool hi_ok = !r.max || (r.max_inclusive ? v <= *r.max : v < *r.max);
  if (!lo_ok || !hi_ok) {
    if (r.min && r.max)
      return "must be in " + std::string(r.min_inclusive ? "[" : "(") + format_number(*r.min, "") +
             ", " + format_number(*r.max, "") + (r.max_inclusive ? "]" : ")");
    if (r.min)
      return std::string("must be ") + (r.min_inclusive ? ">= " : "> ") + format_number(*r.min, "");
    return std::string("must be ") + (r.max_inclusive ? "<= " : "< ") + format_number(*r.max, "");
  }
  return r.check ? r.check(v) : std::string();
}

}  // namespace

Parsed<double> parse_double(std::string_view text) {
  const std::string_view s = trim(text);
  if (s.empty()) return {std::nullopt, "enter a number"};
  std::string_view body = s.front() == '+' ? s.substr(1) : s;
  double v = 0;
  auto [end, ec] = std::from_chars(body.data(), body.data() + body.size(), v);
  if (ec == std::errc::result_out_of_range) return {std::nullopt, quoted(s) + " is out of range"};
  if (ec != std::errc() || end != body.data() + body.size()) {
    if (s.find(',') != std::string_view::npos)
      return {std::nullopt, quoted(s) + " is not a number (use . for decimals)"};
    return {std::nullopt, quoted(s) + " is not a number"};
  }
  if (!std::isfinite(v)) return {std::nullopt, "must be a finite number"};
  return {v, ""};
}

Parsed<int64_t> parse_int(std::string_view text) {
  const std::string_view s = trim(text);
  if (s.empty()) return {std::nullopt, "enter a whole number"};
  std::string_view body = s.front() == '+' ? s.substr(1) : s;
  int64_t v = 0;
  auto [end, ec] = std::from_chars(body.data(), body.data() + body.size(), v);
  if (ec == std::errc() && end == body.data() + body.size()) return {v, ""};
  if (ec == std::errc::result_out_of_range) return {std::nullopt, quoted(s) + " is too large"};
  // "1e3" is a whole number written another way; "1.5" is not one.
  Parsed<double> d = parse_double(s);
  if (!d.value) return {std::nullopt, d.error};
  if (*d.value != std::floor(*d.value)) return {std::nullopt, "must be a whole number"};
  if (std::abs(*d.value) >= 9.2e18) return {std::nullopt, quoted(s) + " is too large"};
  return {static_cast<int64_t>(*d.value), ""};
}

std::string check_rule(const DoubleRule& rule, double v) {
  return check_impl(rule, v);
}
std::string check_rule(const IntRule& rule, int64_t v) {
  return check_impl(rule, v);
}

std::string format_number(double v, const std::string& format) {
  char buf[64];
  if (format.empty()) {
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf - 1, v);
    *end = 0;
    if (ec != std::errc()) std::snprintf(buf, sizeof buf, "%.17g", v);
  } else {
    std::snprintf(buf, sizeof buf, format.c_str(), v);
  }
  return buf;
}

std::string format_number(int64_t v, const std::string& format) {
  if (format.empty()) return std::to_string(v);
  char buf[64];
  std::snprintf(buf, sizeof buf, format.c_str(), static_cast<long long>(v));
  return buf;
}

// [SECTION] the field (state)

namespace {

Parsed<double> parse_as(std::string_view s, double*) {
  return parse_double(s);
}
Parsed<int64_t> parse_as(std::string_view s, int64_t*) {
  return parse_int(s);
}

}  // namespace

template <class T>
void NumberField<T>::set_value(T v) {
  value = v;
  shown = format_number(v, format);
  std::snprintf(text, sizeof text, "%s", shown.c_str());
  error.clear();
  pending = false;
}

template <class T>
void NumberField<T>::revalidate() {
  Parsed<T> p = parse_as(text, static_cast<T*>(nullptr));
  error = p.value ? check_rule(rule, *p.value) : p.error;
}

template <class T>
bool NumberField<T>::apply() {
  revalidate();
  if (!error.empty()) return false;
  pending = false;
  if (shown == text) return false;  // untouched (or edited back): the value stands
  const T v = *parse_as(text, static_cast<T*>(nullptr)).value;
  shown = text;
  if (v == value) return false;
  value = v;
  return true;
}

template struct NumberField<double>;
template struct NumberField<int64_t>;

// [SECTION] the field (drawing)

namespace {

constexpr ImU32 kErrorText = IM_COL32(255, 110, 100, 255);

template <class T>
bool draw_field(const char* label, NumberField<T>& f, float width) {
  f.applied = false;
  ImGui::PushID(label);
  ImGui::SetNextItemWidth(width > 0 ? width : ImGui::GetFontSize() * 7);
  const bool invalid = !f.error.empty();
  if (invalid) {
    ImGui::PushStyleColor(ImGuiCol_FrameBg, IM_COL32(110, 36, 36, 200));
    ImGui::PushStyleColor(ImGuiCol_Border, kErrorText);
    ImGui::PushStyleVar(ImGuiStyleVar_FrameBorderSize, 1.0f);
  }
  const bool edited =
      ImGui::InputText(label, f.text, sizeof f.text, ImGuiInputTextFlags_AutoSelectAll);
  if (invalid) {
    ImGui::PopStyleVar();
    ImGui::PopStyleColor(2);
  }
  if (edited) {
    f.pending = true;
    f.revalidate();
  }
  // Enter, Tab or a click elsewhere after an edit: apply (Escape has put the old text back).
  if (ImGui::IsItemDeactivatedAfterEdit()) f.applied = f.apply();
  if (!f.error.empty()) {
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", f.error.c_str());
    // Beside the field when it fits on the line, else below it, wrapped to the width left.
    ImGui::SameLine();
    const float need = ImGui::CalcTextSize(f.error.c_str()).x;
    if (need > ImGui::GetContentRegionAvail().x) ImGui::NewLine();
    ImGui::PushStyleColor(ImGuiCol_Text, kErrorText);
    ImGui::PushTextWrapPos(0.0f);
    ImGui::TextUnformatted(f.error.c_str());
    ImGui::PopTextWrapPos();
    ImGui::PopStyleColor();
  }
  ImGui::PopID();
  return f.applied;
}

}  // namespace

bool number_field(const char* label, DoubleField& field, float width) {
  return draw_field(label, field, width);
}
bool number_field(const char* label, IntField& field, float width) {
  return draw_field(label, field, width);
}

}  // namespace aelab::app
