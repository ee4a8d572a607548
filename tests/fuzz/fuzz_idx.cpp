// IDX images and labels, plain or gzip (inflated as a stream), from arbitrary bytes.
#include <cstddef>
#include <cstdint>
#include <span>

#include "data/gzip.hpp"
#include "data/idx.hpp"
#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace aelab;
  const std::span<const uint8_t> bytes(data, size);
  fuzz::expect_input_error_only([&] {
    const data::IdxImages img = data::parse_idx_images(bytes, "fuzz");
    if (img.pixels.size() != static_cast<size_t>(img.count * data::kImagePixels)) std::abort();
  });
  fuzz::expect_input_error_only([&] {
    const auto labels = data::parse_idx_labels(bytes, "fuzz");
    for (uint8_t l : labels)
      if (l >= data::kNumClasses) std::abort();
  });
  if (data::is_gzip(bytes))
    fuzz::expect_input_error_only([&] { (void)data::gunzip(bytes, "fuzz", size_t{64} << 20); });
  return 0;
}
