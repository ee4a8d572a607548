#pragma once
// Shared by the libFuzzer harnesses: the one rule they check. A parser given hostile bytes either
// accepts them or throws InputError (a one-line message); any other exception, a crash, a
// sanitizer report or a huge allocation (-malloc_limit_mb) is a bug.
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

#include "core/error.hpp"

namespace aelab::fuzz {

template <class Fn>
void expect_input_error_only(Fn&& fn) {
  try {
    fn();
  } catch (const InputError& e) {
    const std::string msg = e.what();
    if (msg.empty() || msg.find('\n') != std::string::npos) {
      std::fprintf(stderr, "InputError message is not one line: [%s]\n", msg.c_str());
      std::abort();
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "unexpected exception (not InputError): %s\n", e.what());
    std::abort();
  }
}

}  // namespace aelab::fuzz
