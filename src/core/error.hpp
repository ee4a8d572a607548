#pragma once
// Error types. Bad input at a boundary (a malformed file, an impossible setting, a shape mismatch)
// becomes one of these, with a message a user can act on; internal invariants are asserts.
#include <stdexcept>
#include <string>

namespace aelab {

// `what` with every C0 control character and DEL written as \xNN: a message that quotes what the
// user gave (a key, a name, a path) stays one line and cannot put escape codes on a terminal.
inline std::string one_line(const std::string& what) {
  std::string out;
  out.reserve(what.size());
  for (const char c : what) {
    const auto b = static_cast<unsigned char>(c);
    if (b < 0x20 || b == 0x7f) {
      constexpr char hex[] = "0123456789abcdef";
      out += "\\x";
      out += hex[b >> 4];
      out += hex[b & 15];
    } else {
      out += c;
    }
  }
  return out;
}

// Something the user gave us is wrong (a file, a flag, a setting). The CLI exits 2 on it. Its
// message is always one line (one_line), whatever user text it quotes.
class InputError : public std::runtime_error {
 public:
  explicit InputError(const std::string& what) : std::runtime_error(one_line(what)) {}
  explicit InputError(const char* what) : InputError(std::string(what)) {}
};

// Shapes that do not fit together (a programming or configuration mistake caught at a boundary).
class ShapeError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Training that produced a non-finite loss.
class DivergedError : public std::runtime_error {
 public:
  DivergedError(const std::string& what, long step) : std::runtime_error(what), step_(step) {}
  [[nodiscard]] long step() const { return step_; }

 private:
  long step_;
};

}  // namespace aelab
