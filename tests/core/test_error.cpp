// InputError messages are one line whatever user text they quote.
#include <catch2/catch.hpp>
#include <string>

#include "core/error.hpp"

using aelab::InputError;

TEST_CASE("InputError writes control characters as hex escapes and keeps everything else", "[core]") {
  const InputError e(std::string("key \"a\nb\tc\x1b[31m\x7f\" é"));
  CHECK(std::string(e.what()) == "key \"a\\x0ab\\x09c\\x1b[31m\\x7f\" é");
  CHECK(std::string(InputError("plain").what()) == "plain");
  CHECK(std::string(InputError(std::string("nul\0byte", 8)).what()) == "nul\\x00byte");
}
