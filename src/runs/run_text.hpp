#pragma once
// Stored text (run names, messages) as it is checked on the way in and shown on the way out:
// names must be valid UTF-8 without control characters; anything printed from the store goes
// through printable(), so an old or hand-edited row cannot put escape codes on a terminal.
#include <string>
#include <string_view>

namespace aelab::runs {

[[nodiscard]] bool is_valid_utf8(std::string_view s);
// true when s holds a C0 control character (including newline, tab, ESC) or DEL, or a C1 one.
[[nodiscard]] bool has_control_chars(std::string_view s);
// s with every control character and every byte that is not part of valid UTF-8 written as \xNN.
[[nodiscard]] std::string printable(std::string_view s);
// s with every byte that is not part of valid UTF-8 replaced by U+FFFD; control characters kept
// (for JSON, which escapes them itself, and must not fail on an old row's broken bytes).
[[nodiscard]] std::string valid_utf8(std::string_view s);

}  // namespace aelab::runs
