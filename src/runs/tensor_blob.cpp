#include "runs/tensor_blob.hpp"

#include <bit>
#include <cstring>
#include <limits>

#include "core/error.hpp"

namespace aelab::runs {

static_assert(std::endian::native == std::endian::little,
              "tensor blobs are written with memcpy and assume a little-endian host");

namespace {

constexpr char kMagic[8] = {'A', 'E', 'L', 'A', 'B', 'T', 'N', 'S'};
constexpr uint32_t kVersion = 1;
constexpr int kMaxRank = 4;

template <class T>
void put(std::vector<std::byte>& out, const T& v) {
  const auto* p = reinterpret_cast<const std::byte*>(&v);
  out.insert(out.end(), p, p + sizeof(T));
}

// Reads fields front to back, refusing to step past the end.
class Reader {
 public:
  Reader(std::span<const std::byte> bytes, std::string_view what) : bytes_(bytes), what_(what) {}

  [[noreturn]] void fail(const std::string& problem) const {
    throw InputError(std::string(what_) + ": corrupt tensor blob (" + problem + ")");
  }
  [[nodiscard]] size_t left() const { return bytes_.size() - pos_; }

  template <class T>
  T get(const char* field) {
    if (left() < sizeof(T)) fail(std::string("truncated at ") + field);
    T v;
    std::memcpy(&v, bytes_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    return v;
  }
  std::span<const std::byte> take(size_t n, const char* field) {
    if (left() < n) fail(std::string("truncated in ") + field);
    auto s = bytes_.subspan(pos_, n);
    pos_ += n;
    return s;
  }

 private:
  std::span<const std::byte> bytes_;
  std::string_view what_;
  size_t pos_ = 0;
};

}  // namespace

uint64_t fnv1a64(std::span<const std::byte> bytes, uint64_t seed) {
  uint64_t h = seed;
  for (std::byte b : bytes) {
    h ^= static_cast<uint8_t>(b);
    h *= 0x100000001b3ull;
  }
  return h;
}

std::vector<std::byte> encode_tensors(const NamedTensors& tensors) {
  size_t total = sizeof(kMagic) + 8 + 8;
  for (const auto& t : tensors)
    total +=
        8 + t.name.size() + 8 * t.value.shape().size() + 4 * static_cast<size_t>(t.value.numel());
  std::vector<std::byte> out;
  out.reserve(total);
  const auto* magic = reinterpret_cast<const std::byte*>(kMagic);
  out.insert(out.end(), magic, magic + sizeof(kMagic));
  put(out, kVersion);
  put(out, static_cast<uint32_t>(tensors.size()));
  for (const auto& [name, value] : tensors) {
    put(out, static_cast<uint32_t>(name.size()));
    const auto* n = reinterpret_cast<const std::byte*>(name.data());
    out.insert(out.end(), n, n + name.size());
    put(out, static_cast<uint32_t>(value.rank()));
    for (int64_t d : value.shape()) put(out, d);
    const auto* d = reinterpret_cast<const std::byte*>(value.data());
    if (value.numel()) out.insert(out.end(), d, d + value.numel() * sizeof(float));
  }
  put(out, fnv1a64(out));
  return out;
}

NamedTensors decode_tensors(std::span<const std::byte> blob, std::string_view what) {
  Reader r(blob, what);
  if (blob.size() < sizeof(kMagic) + 8 + 8)
    r.fail("only " + std::to_string(blob.size()) + " bytes");
  // The checksum first: a flipped byte anywhere is reported as such, not as a strange shape.
  uint64_t stored;
  std::memcpy(&stored, blob.data() + blob.size() - 8, 8);
  auto body = blob.first(blob.size() - 8);
  if (fnv1a64(body) != stored) r.fail("checksum mismatch");
  Reader b(body, what);
  auto magic = b.take(sizeof(kMagic), "magic");
  if (std::memcmp(magic.data(), kMagic, sizeof(kMagic)) != 0) b.fail("bad magic");
  auto version = b.get<uint32_t>("version");
  if (version != kVersion) b.fail("unknown format version " + std::to_string(version));
  auto count = b.get<uint32_t>("count");
  // Each tensor takes at least 8 bytes, so a count beyond that is a lie; don't reserve for it.
  if (count > b.left() / 8) b.fail("count " + std::to_string(count) + " exceeds the blob size");
  NamedTensors out;
  out.reserve(count);
  for (uint32_t i = 0; i < count; ++i) {
    auto name_len = b.get<uint32_t>("name length");
    auto name_bytes = b.take(name_len, "name");
    std::string name(reinterpret_cast<const char*>(name_bytes.data()), name_len);
    auto rank = b.get<uint32_t>("rank");
    if (rank > kMaxRank) b.fail("tensor '" + name + "' has rank " + std::to_string(rank));
    Shape shape(rank);
    uint64_t numel = 1;
    for (auto& d : shape) {
      d = b.get<int64_t>("dims");
      if (d < 0) b.fail("tensor '" + name + "' has a negative dimension");
      // Guard the product: every factor must still fit in what is left of the blob.
      if (d > 0 && numel > (b.left() / sizeof(float)) / static_cast<uint64_t>(d))
        b.fail("tensor '" + name + "' is larger than the blob");
      numel *= static_cast<uint64_t>(d);
    }
    auto data = b.take(numel * sizeof(float), "tensor data");
    Tensor t(shape);
    if (numel) std::memcpy(t.data(), data.data(), data.size());
    out.push_back({std::move(name), std::move(t)});
  }
  if (b.left() != 0) b.fail(std::to_string(b.left()) + " trailing bytes");
  return out;
}

NamedTensors name_in_order(const std::vector<Tensor>& tensors) {
  NamedTensors out;
  out.reserve(tensors.size());
  for (size_t i = 0; i < tensors.size(); ++i) out.push_back({std::to_string(i), tensors[i]});
  return out;
}

std::vector<Tensor> values_of(NamedTensors tensors) {
  std::vector<Tensor> out;
  out.reserve(tensors.size());
  for (auto& t : tensors) out.push_back(std::move(t.value));
  return out;
}

}  // namespace aelab::runs
