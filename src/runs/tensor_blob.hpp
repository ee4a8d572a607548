#pragma once
// A small, self-checking binary format for a list of named tensors: model weights in checkpoints,
// codes of a test set in artefacts. Everything little-endian:
//
//   "AELABTNS"            8-byte magic
//   u32 version (1)       u32 count
//   count x { u32 name_len, name bytes, u32 rank (0..4), i64 dims[rank], f32 data[numel] }
//   u64 FNV-1a-64 of every byte before it
//
// decode_tensors() checks every length against the bytes that are left before it trusts it, so a
// truncated or corrupted blob becomes an InputError naming the blob, never a crash or a huge
// allocation.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/tensor.hpp"

namespace aelab::runs {

struct NamedTensor {
  std::string name;  // "encoder.0.weight"
  Tensor value;
};
using NamedTensors = std::vector<NamedTensor>;

// 64-bit FNV-1a. `seed` lets a caller hash in pieces: fnv1a64(b, fnv1a64(a)) == fnv1a64(a + b).
inline constexpr uint64_t kFnv1aOffset = 0xcbf29ce484222325ull;
[[nodiscard]] uint64_t fnv1a64(std::span<const std::byte> bytes, uint64_t seed = kFnv1aOffset);

[[nodiscard]] std::vector<std::byte> encode_tensors(const NamedTensors& tensors);
// `what` names the blob in error messages, e.g. "checkpoint 'final' of run 7".
[[nodiscard]] NamedTensors decode_tensors(std::span<const std::byte> blob, std::string_view what);

// Convenience for code that keeps weights as a plain list (Module params in order).
[[nodiscard]] NamedTensors name_in_order(const std::vector<Tensor>& tensors);  // "0", "1", ...
[[nodiscard]] std::vector<Tensor> values_of(NamedTensors tensors);

}  // namespace aelab::runs
