#include "data/idx.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "core/error.hpp"
#include "data/gzip.hpp"

namespace aelab::data {

namespace fs = std::filesystem;

namespace {

// [SECTION] Header parsing

uint32_t read_be32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}

void put_be32(std::vector<uint8_t>& out, uint32_t v) {
  out.push_back(static_cast<uint8_t>(v >> 24));
  out.push_back(static_cast<uint8_t>(v >> 16));
  out.push_back(static_cast<uint8_t>(v >> 8));
  out.push_back(static_cast<uint8_t>(v));
}

std::string hex32(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08X", v);
  return buf;
}

std::string hex8(uint8_t v) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%02X", v);
  return buf;
}

const char* type_name(uint8_t code) {
  switch (code) {
    case 0x08:
      return "unsigned byte";
    case 0x09:
      return "signed byte";
    case 0x0B:
      return "int16";
    case 0x0C:
      return "int32";
    case 0x0D:
      return "float32";
    case 0x0E:
      return "float64";
    default:
      return "unknown";
  }
}

// Reads and checks the header of an IDX file expected to hold `want_dims` dimensions of unsigned
// bytes and returns the dimension sizes. `kind` is "images" or "labels" for messages.
std::vector<int64_t> read_header(ByteStream& in, int want_dims, const char* kind) {
  const std::string& what = in.what();
  uint8_t b[4 + 4 * 3];
  const size_t got = in.read(b, 4);
  if (got == 0) throw InputError(what + ": empty file, expected IDX " + kind);
  if (got < 4)
    throw InputError(what + ": truncated IDX header (" + std::to_string(got) + " bytes)");
  const uint32_t magic = read_be32(b);
  const uint32_t want = 0x00000800u | static_cast<uint32_t>(want_dims);
  if (b[0] != 0 || b[1] != 0)
    throw InputError(what + ": bad magic " + hex32(magic) + ", expected " + hex32(want) + " (IDX " +
                     kind + ")");
  if (b[2] != 0x08)
    throw InputError(what + ": wrong item type " + hex8(b[2]) + " (" + type_name(b[2]) +
                     "), expected unsigned byte (magic " + hex32(want) + ")");
  if (b[3] != want_dims)
    throw InputError(what + ": " + std::to_string(b[3]) + " dimensions (magic " + hex32(magic) +
                     "), expected " + std::to_string(want_dims) + " for IDX " + kind + " (magic " +
                     hex32(want) + ")");
  const size_t header = 4 + 4 * static_cast<size_t>(want_dims);
  const size_t more = in.read(b + 4, header - 4);
  if (more < header - 4)
    throw InputError(what + ": truncated IDX header (" + std::to_string(4 + more) + " of " +
                     std::to_string(header) + " bytes)");
  std::vector<int64_t> dims;
  for (int i = 0; i < want_dims; ++i) dims.push_back(read_be32(b + 4 + 4 * i));
  return dims;
}

[[noreturn]] void throw_truncated(const std::string& what, int64_t count, const char* items,
                                  uint64_t expected, uint64_t have) {
  throw InputError(what + ": truncated data: header says " + std::to_string(count) + " " + items +
                   " (" + std::to_string(expected) + " bytes) but only " + std::to_string(have) +
                   " bytes follow");
}

[[noreturn]] void throw_trailing(const std::string& what, int64_t count, const char* items,
                                 uint64_t extra, uint64_t counted_up_to) {
  throw InputError(what + ": " + (extra > counted_up_to ? "more than " : "") +
                   std::to_string(std::min(extra, counted_up_to)) +
                   " bytes of trailing garbage after " + std::to_string(count) + " " + items);
}

// The `count` items of `item_bytes` after a `header`-byte header, exactly: the declared size is
// checked against the cap and against what the source can hold before anything is allocated, and
// a gzip file whose trailer does not confirm that size is first inflated without keeping
// anything. So memory is the declared size (when true) plus the stream's buffers.
std::vector<uint8_t> read_payload(ByteStream& in, size_t header, int64_t count, int64_t item_bytes,
                                  const char* items) {
  const std::string& what = in.what();
  if (count > kMaxIdxItems)
    throw InputError(what + ": header says " + std::to_string(count) + " " + items +
                     ", more than the " + std::to_string(kMaxIdxItems) +
                     " aelab reads from one file");
  const uint64_t expected = static_cast<uint64_t>(count * item_bytes);
  constexpr uint64_t kCountTrailing = uint64_t{1} << 20;
  if (!in.compressed()) {
    const uint64_t have = in.source_size() - header;
    if (have < expected) throw_truncated(what, count, items, expected, have);
    if (have > expected) throw_trailing(what, count, items, have - expected, UINT64_MAX);
  } else {
    const uint64_t most = in.source_size() * kMaxDeflateRatio;
    if (header + expected > most)
      throw InputError(what + ": header says " + std::to_string(count) + " " + items + " (" +
                       std::to_string(expected) + " bytes) but " +
                       std::to_string(in.source_size()) + " bytes of gzip inflate to at most " +
                       std::to_string(most));
    if (in.gzip_size_hint() != static_cast<uint32_t>(header + expected)) {
      const uint64_t have = in.skip(expected);
      if (have < expected) throw_truncated(what, count, items, expected, have);
      if (const uint64_t extra = in.count_rest(kCountTrailing))
        throw_trailing(what, count, items, extra, kCountTrailing);
      in.rewind();
      (void)in.skip(header);
    }
  }
  std::vector<uint8_t> data(static_cast<size_t>(expected));
  const size_t have = in.read(data.data(), data.size());
  if (have < expected) throw_truncated(what, count, items, expected, have);
  if (const uint64_t extra = in.count_rest(kCountTrailing))
    throw_trailing(what, count, items, extra, kCountTrailing);
  return data;
}

}  // namespace

// [SECTION] Reading

IdxImages read_idx_images(ByteStream& in) {
  const std::vector<int64_t> dims = read_header(in, 3, "images");
  if (dims[1] != kImageSide || dims[2] != kImageSide)
    throw InputError(in.what() + ": images are " + std::to_string(dims[1]) + "x" +
                     std::to_string(dims[2]) + ", expected 28x28");
  IdxImages out;
  out.count = dims[0];
  out.pixels = read_payload(in, 16, out.count, kImagePixels, "images");
  return out;
}

std::vector<uint8_t> read_idx_labels(ByteStream& in) {
  const std::vector<int64_t> dims = read_header(in, 1, "labels");
  std::vector<uint8_t> labels = read_payload(in, 8, dims[0], 1, "labels");
  for (size_t i = 0; i < labels.size(); ++i)
    if (labels[i] >= kNumClasses)
      throw InputError(in.what() + ": label " + std::to_string(labels[i]) + " at index " +
                       std::to_string(i) + " is not a class 0..9");
  return labels;
}

IdxImages parse_idx_images(std::span<const uint8_t> bytes, const std::string& what) {
  ByteStream in(bytes, what);
  return read_idx_images(in);
}

std::vector<uint8_t> parse_idx_labels(std::span<const uint8_t> bytes, const std::string& what) {
  ByteStream in(bytes, what);
  return read_idx_labels(in);
}

IdxImages read_idx_images(const fs::path& path) {
  ByteStream in = ByteStream::open_file(path);
  return read_idx_images(in);
}

std::vector<uint8_t> read_idx_labels(const fs::path& path) {
  ByteStream in = ByteStream::open_file(path);
  return read_idx_labels(in);
}

LabelledImages read_idx_pair(const fs::path& images_path, const fs::path& labels_path) {
  // Labels first: they are small, and a mismatch is then found before the images are converted.
  std::vector<uint8_t> labels = read_idx_labels(labels_path);
  IdxImages images = read_idx_images(images_path);
  if (static_cast<int64_t>(labels.size()) != images.count)
    throw InputError(images_path.string() + " holds " + std::to_string(images.count) +
                     " images but " + labels_path.string() + " holds " +
                     std::to_string(labels.size()) + " labels");
  return {pixels_to_tensor(images.pixels, images.count), std::move(labels)};
}

// [SECTION] Conversion

Tensor pixels_to_tensor(std::span<const uint8_t> pixels, int64_t count) {
  if (static_cast<int64_t>(pixels.size()) != count * kImagePixels)
    throw ShapeError("pixels_to_tensor: " + std::to_string(pixels.size()) + " bytes for " +
                     std::to_string(count) + " images of 784");
  Tensor t({count, 1, kImageSide, kImageSide});
  float* d = t.data();
  for (size_t i = 0; i < pixels.size(); ++i) d[i] = static_cast<float>(pixels[i]) / 255.0f;
  return t;
}

std::vector<uint8_t> tensor_to_pixels(const Tensor& images) {
  if (images.rank() < 1 || images.numel() != images.dim(0) * kImagePixels)
    throw ShapeError("tensor_to_pixels: expected (N, 1, 28, 28), got " + shape_str(images.shape()));
  std::vector<uint8_t> pixels(static_cast<size_t>(images.numel()));
  const float* s = images.data();
  for (size_t i = 0; i < pixels.size(); ++i) {
    const float v = std::isnan(s[i]) ? 0.0f : std::clamp(s[i], 0.0f, 1.0f);
    pixels[i] = static_cast<uint8_t>(std::lround(v * 255.0f));
  }
  return pixels;
}

// [SECTION] Writing

std::vector<uint8_t> encode_idx_images(std::span<const uint8_t> pixels, int64_t count) {
  if (count < 0 || static_cast<int64_t>(pixels.size()) != count * kImagePixels)
    throw ShapeError("encode_idx_images: " + std::to_string(pixels.size()) + " bytes for " +
                     std::to_string(count) + " images of 784");
  std::vector<uint8_t> out;
  out.reserve(16 + pixels.size());
  put_be32(out, kIdxImagesMagic);
  put_be32(out, static_cast<uint32_t>(count));
  put_be32(out, kImageSide);
  put_be32(out, kImageSide);
  out.insert(out.end(), pixels.begin(), pixels.end());
  return out;
}

std::vector<uint8_t> encode_idx_labels(std::span<const uint8_t> labels) {
  std::vector<uint8_t> out;
  out.reserve(8 + labels.size());
  put_be32(out, kIdxLabelsMagic);
  put_be32(out, static_cast<uint32_t>(labels.size()));
  out.insert(out.end(), labels.begin(), labels.end());
  return out;
}

namespace {
void write_encoded(const fs::path& path, const std::vector<uint8_t>& bytes) {
  if (path.extension() == ".gz")
    write_file_atomic(path, gzip_compress(bytes));
  else
    write_file_atomic(path, bytes);
}
}  // namespace

void write_idx_images(const fs::path& path, std::span<const uint8_t> pixels, int64_t count) {
  write_encoded(path, encode_idx_images(pixels, count));
}

void write_idx_images(const fs::path& path, const Tensor& images) {
  write_idx_images(path, tensor_to_pixels(images), images.dim(0));
}

void write_idx_labels(const fs::path& path, std::span<const uint8_t> labels) {
  for (uint8_t l : labels)
    if (l >= kNumClasses)
      throw InputError(path.string() + ": refusing to write label " + std::to_string(l) +
                       " (not a class 0..9)");
  write_encoded(path, encode_idx_labels(labels));
}

}  // namespace aelab::data
