#pragma once
// The one IDX reader every dataset goes through (DESIGN.md "Data"), and its writer.
//
// IDX: a big-endian header (magic 00 00 <type> <ndims>, then ndims u32 sizes) followed by the
// items. aelab reads exactly two kinds, both of unsigned bytes:
//   images  0x00000803  N x 28 x 28
//   labels  0x00000801  N, each a digit class 0..9
// Files may be plain or gzip (recognised by the magic bytes 1f 8b, not by the name). Anything
// else (bad magic, another item type, other dimensions, truncated or trailing data, an empty
// file, a label above 9, image and label counts that disagree) is an InputError whose one-line
// message starts with the file name.
//
// Memory is bounded by the header: it is read and checked first, the declared size is checked
// against the file (plain: its size; gzip: deflate's densest ratio, then a counting pass unless
// the gzip trailer confirms it) and against kMaxIdxItems, and only then is it allocated, once.
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "core/tensor.hpp"

namespace aelab::data {

constexpr uint32_t kIdxImagesMagic = 0x00000803;
constexpr uint32_t kIdxLabelsMagic = 0x00000801;
constexpr int64_t kImageSide = 28;
constexpr int64_t kImagePixels = kImageSide * kImageSide;
constexpr int kNumClasses = 10;
// The most items one IDX file may declare (784 MB of images). EMNIST's largest split has 698 k.
constexpr int64_t kMaxIdxItems = 1'000'000;

class ByteStream;

struct IdxImages {
  int64_t count = 0;
  std::vector<uint8_t> pixels;  // count * 784, row-major, 0 = background
};

[[nodiscard]] IdxImages read_idx_images(const std::filesystem::path& path);
[[nodiscard]] std::vector<uint8_t> read_idx_labels(const std::filesystem::path& path);

// Same checks on an open stream (the header is read from where the stream stands).
[[nodiscard]] IdxImages read_idx_images(ByteStream& in);
[[nodiscard]] std::vector<uint8_t> read_idx_labels(ByteStream& in);

// Same checks on bytes in memory (plain or gzip) (inflated if they were gzip); `what` names the
// source.
[[nodiscard]] IdxImages parse_idx_images(std::span<const uint8_t> bytes, const std::string& what);
[[nodiscard]] std::vector<uint8_t> parse_idx_labels(std::span<const uint8_t> bytes,
                                                    const std::string& what);

// Images and their labels, checked against each other: (N, 1, 28, 28) floats in [0, 1].
struct LabelledImages {
  Tensor images;
  std::vector<uint8_t> labels;
};
[[nodiscard]] LabelledImages read_idx_pair(const std::filesystem::path& images_path,
                                           const std::filesystem::path& labels_path);

// pixel / 255 into (N, 1, 28, 28), and back (round(v * 255), clamped to [0, 255]).
[[nodiscard]] Tensor pixels_to_tensor(std::span<const uint8_t> pixels, int64_t count);
[[nodiscard]] std::vector<uint8_t> tensor_to_pixels(const Tensor& images);

// Writers: gzip when the name ends in ".gz", plain otherwise; atomic (temp file, then rename).
void write_idx_images(const std::filesystem::path& path, std::span<const uint8_t> pixels,
                      int64_t count);
void write_idx_images(const std::filesystem::path& path, const Tensor& images);
void write_idx_labels(const std::filesystem::path& path, std::span<const uint8_t> labels);

// Encoded bytes (no compression), for tests and for building archives.
[[nodiscard]] std::vector<uint8_t> encode_idx_images(std::span<const uint8_t> pixels,
                                                     int64_t count);
[[nodiscard]] std::vector<uint8_t> encode_idx_labels(std::span<const uint8_t> labels);

}  // namespace aelab::data
