#pragma once
// A small ustar (POSIX tar) reader and writer: enough to read an `npm pack` tarball without a
// tar program, and to build synthetic tarballs in tests. Regular files only; pax `path=` records
// are honoured, everything else that is not a regular file is skipped.
#include <cstdint>
#include <functional>
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

class ByteStream;

// Streams a tar archive (inflated on the fly when the stream is gzip): for each regular file,
// `want(path)` decides whether its bytes are read and handed to `take`; the others are skipped
// without being stored. A wanted entry declaring more than max_entry_bytes is refused before it
// is read, so memory is one entry at a time, bounded. Errors as read_ustar.
void scan_ustar(ByteStream& in, const std::function<bool(const std::string&)>& want,
                const std::function<void(TarEntry&&)>& take, uint64_t max_entry_bytes);

// An uncompressed ustar archive of regular files (mode 0644), with the two zero end blocks.
// Paths up to 100 bytes.
[[nodiscard]] std::vector<uint8_t> write_ustar(std::span<const TarEntry> entries);

}  // namespace aelab::data
