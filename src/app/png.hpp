#pragma once
// PNG output for screenshots and exports: report/png.hpp's writer (one PNG writer in the program).
#include <cstdint>
#include <string>
#include <vector>

namespace aelab::app {

// rgba: (h, w, 4), row 0 at the top. Returns "" or a message naming the path.
[[nodiscard]] std::string write_png(const std::string& path, int w, int h,
                                    const std::vector<uint8_t>& rgba);

}  // namespace aelab::app
