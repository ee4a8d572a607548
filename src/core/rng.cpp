#include "core/rng.hpp"

#include <bit>
#include <cmath>
#include <sstream>

#include "core/error.hpp"

namespace aelab {

double Rng::normal() {
  if (has_spare_) {
    has_spare_ = false;
    return spare_;
  }
  double u1 = 0.0;
  while (u1 <= 0.0) u1 = uniform();
  double u2 = uniform();
  double r = std::sqrt(-2.0 * std::log(u1));
  spare_ = r * std::sin(2.0 * M_PI * u2);
  has_spare_ = true;
  return r * std::cos(2.0 * M_PI * u2);
}

int64_t Rng::below(int64_t n) {
  // Rejection sampling: no modulo bias.
  uint64_t un = static_cast<uint64_t>(n);
  uint64_t limit = UINT64_MAX - UINT64_MAX % un;
  uint64_t x;
  do x = engine_();
  while (x >= limit);
  return static_cast<int64_t>(x % un);
}

std::string Rng::state() const {
  std::ostringstream out;
  out << engine_ << ' ' << (has_spare_ ? 1 : 0) << ' ' << std::bit_cast<uint64_t>(spare_);
  return out.str();
}

void Rng::set_state(const std::string& text) {
  std::istringstream in(text);
  std::mt19937_64 engine;
  int spare_flag = 0;
  uint64_t spare_bits = 0;
  in >> engine >> spare_flag >> spare_bits;
  if (!in || (spare_flag != 0 && spare_flag != 1))
    throw InputError("stored random generator state is malformed");
  engine_ = engine;
  has_spare_ = spare_flag == 1;
  spare_ = std::bit_cast<double>(spare_bits);
}

}  // namespace aelab
