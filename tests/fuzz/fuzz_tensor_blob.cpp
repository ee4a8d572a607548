// The tensor blob decoder (checkpoints, artefacts) from arbitrary bytes; a blob that decodes
// re-encodes to the same bytes.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

#include "fuzz_common.hpp"
#include "runs/tensor_blob.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace aelab;
  const std::span<const std::byte> blob(reinterpret_cast<const std::byte*>(data), size);
  fuzz::expect_input_error_only([&] {
    const runs::NamedTensors t = runs::decode_tensors(blob, "fuzz");
    const std::vector<std::byte> again = runs::encode_tensors(t);
    if (again.size() != size || std::memcmp(again.data(), data, size) != 0) std::abort();
  });
  return 0;
}
