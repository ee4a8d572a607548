#pragma once
// Error types. Bad input at a boundary (a malformed file, an impossible setting, a shape mismatch)
// becomes one of these, with a message a user can act on; internal invariants are asserts.
#include <stdexcept>
#include <string>

namespace aelab {

// Something the user gave us is wrong (a file, a flag, a setting). The CLI exits 2 on it.
class InputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
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
