#pragma once
// PNG encoding (stb_image_write, Debian's libstb) for the report's figures and the window's
// screenshots and exports.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace aelab::report {

// pixels: (h, w, channels) row 0 at the top, channels 1 (grey), 3 (RGB) or 4 (RGBA).
// ShapeError when the sizes disagree.
[[nodiscard]] std::vector<unsigned char> encode_png(int w, int h, int channels,
                                                    const std::vector<uint8_t>& pixels);
// Returns "" or a message naming the path (the window shows it; nothing is thrown).
[[nodiscard]] std::string write_png_file(const std::filesystem::path& path, int w, int h,
                                         int channels, const std::vector<uint8_t>& pixels);

}  // namespace aelab::report
