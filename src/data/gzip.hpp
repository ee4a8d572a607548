#pragma once
// Whole-file byte I/O with gzip detection, shared by the IDX reader and the npm importer. Files
// here are small enough (at most ~50 MB inflated) to be handled in memory, which keeps every
// check (truncation, trailing bytes) a plain comparison of sizes.
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

namespace aelab::data {

// Raw bytes of a file; InputError naming the file when it cannot be opened or read.
[[nodiscard]] std::vector<uint8_t> read_file_bytes(const std::filesystem::path& path);

// gzip is recognised by its magic bytes 1f 8b, whatever the file is called.
[[nodiscard]] bool is_gzip(std::span<const uint8_t> bytes);

// Inflates a gzip stream (concatenated members allowed). `what` names the source in errors.
// Refuses corrupt or truncated streams, bytes after the last member, and output above max_bytes
// (a guard against decompression bombs).
[[nodiscard]] std::vector<uint8_t> gunzip(std::span<const uint8_t> bytes, const std::string& what,
                                          size_t max_bytes = size_t{1} << 31);

// The bytes of a file, inflated if they are gzip.
[[nodiscard]] std::vector<uint8_t> read_maybe_gzip(const std::filesystem::path& path,
                                                   size_t max_bytes = size_t{1} << 31);

[[nodiscard]] std::vector<uint8_t> gzip_compress(std::span<const uint8_t> bytes, int level = 6);

// Writes `bytes` to a temporary file next to `path`, then renames it over `path`, so a reader
// never sees a half-written file. InputError naming the file on failure.
void write_file_atomic(const std::filesystem::path& path, std::span<const uint8_t> bytes);

}  // namespace aelab::data
