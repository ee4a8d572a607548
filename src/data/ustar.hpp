#pragma once
// A small ustar (POSIX tar) reader and writer: enough to read an `npm pack` tarball without a
// tar program, and to build synthetic tarballs in tests. Regular files only; pax `path=` records
// are honoured, everything else that is not a regular file is skipped.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace aelab::data {

struct TarEntry {
  std::string path;
  std::vector<uint8_t> data;
};

// Regular files of an uncompressed tar archive, in archive order. `what` names the source in
// errors; a bad header checksum, an entry running past the end, or a missing end marker is an
// InputError.
[[nodiscard]] std::vector<TarEntry> read_ustar(std::span<const uint8_t> tar,
                                               const std::string& what);

// An uncompressed ustar archive of regular files (mode 0644), with the two zero end blocks.
// Paths up to 100 bytes.
[[nodiscard]] std::vector<uint8_t> write_ustar(std::span<const TarEntry> entries);

}  // namespace aelab::data
