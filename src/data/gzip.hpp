#pragma once
// Byte input shared by the IDX reader and the npm importer. A file is read front to back through
// a ByteStream, inflated on the fly when it is gzip, so a reader holds only what it asked for
// (plus two 64 KiB buffers): a header can be read and checked before any payload is allocated,
// and a decompression bomb costs time, never memory.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

struct z_stream_s;  // zlib's z_stream

namespace aelab::data {

// gzip is recognised by its magic bytes 1f 8b, whatever the file is called.
[[nodiscard]] bool is_gzip(std::span<const uint8_t> bytes);

// deflate's densest output: 258 bytes per 2 bits (about 1032:1), so a gzip file of n bytes
// inflates to at most n * kMaxDeflateRatio bytes. A header claiming more is certainly lying.
constexpr uint64_t kMaxDeflateRatio = 1032;

class ByteStream {
 public:
  // A regular file. A directory, FIFO, socket or device is refused as what it is (opened without
  // blocking, so a FIFO never waits for a writer); a missing file is "cannot open". InputError.
  [[nodiscard]] static ByteStream open_file(const std::filesystem::path& path);
  // Bytes in memory (they must outlive the stream); `what` names them in errors.
  ByteStream(std::span<const uint8_t> bytes, std::string what);
  ~ByteStream();
  ByteStream(ByteStream&& other) noexcept;  // fd and inflater move, the source stays
  ByteStream& operator=(ByteStream&&) = delete;
  ByteStream(const ByteStream&) = delete;
  ByteStream& operator=(const ByteStream&) = delete;

  // Up to n bytes into dst; fewer only at the end of the data. Corrupt or truncated gzip, bytes
  // after the last gzip member (concatenated members are one stream) and output beyond the limit
  // are InputErrors naming the source.
  size_t read(uint8_t* dst, size_t n);
  // Reads and drops up to n bytes; how many were dropped.
  uint64_t skip(uint64_t n);
  // Bytes left, counted up to `limit` (reads them): min(left, limit + 1).
  uint64_t count_rest(uint64_t limit);

  // Back to the first byte (the file is read again; nothing is kept).
  void rewind();
  // A gzip file's trailer states its last member's inflated size mod 2^32: what a well-formed
  // single-member file will inflate to. Nullopt for plain data or fewer than 18 bytes.
  [[nodiscard]] std::optional<uint32_t> gzip_size_hint() const;

  // Inflated output beyond max_bytes is refused ("inflates to more than N MiB").
  void set_limit(uint64_t max_bytes) { limit_ = max_bytes; }
  [[nodiscard]] bool compressed() const { return gz_; }
  [[nodiscard]] uint64_t source_size() const { return source_size_; }  // bytes on disk
  [[nodiscard]] const std::string& what() const { return what_; }

 private:
  ByteStream(int fd, uint64_t size, std::string what);
  void start();
  size_t fill_raw();  // more source bytes into raw_; 0 at the end of the source
  size_t read_plain(uint8_t* dst, size_t n);
  size_t read_gzip(uint8_t* dst, size_t n);
  [[noreturn]] void fail(const std::string& problem) const;

  int fd_ = -1;
  std::span<const uint8_t> mem_;
  uint64_t source_size_ = 0;
  uint64_t source_pos_ = 0;  // source bytes moved into raw_ so far
  std::string what_;
  std::vector<uint8_t> raw_;
  size_t raw_begin_ = 0, raw_end_ = 0;  // unread source bytes in raw_ (plain files)
  bool gz_ = false;
  bool member_done_ = false;
  bool eof_ = false;
  struct ZDeleter {
    void operator()(z_stream_s* zs) const;
  };
  std::unique_ptr<z_stream_s, ZDeleter> zs_;  // on the heap: zlib keeps a pointer to it
  uint64_t produced_ = 0;
  uint64_t limit_ = UINT64_MAX;
};

// Raw bytes of a file; InputError naming the file when it cannot be opened or read.
[[nodiscard]] std::vector<uint8_t> read_file_bytes(const std::filesystem::path& path);

// Inflates a gzip stream (concatenated members allowed). `what` names the source in errors.
// Refuses corrupt or truncated streams, bytes after the last member, and output above max_bytes
// (a guard against decompression bombs).
[[nodiscard]] std::vector<uint8_t> gunzip(std::span<const uint8_t> bytes, const std::string& what,
                                          size_t max_bytes = size_t{1} << 31);

[[nodiscard]] std::vector<uint8_t> gzip_compress(std::span<const uint8_t> bytes, int level = 6);

// Reads exactly `n` bytes (n bounded by the caller) into a buffer that grows only as the bytes
// arrive, so a header that lies about its size costs what the stream really holds. Fewer bytes
// when the stream ends first.
[[nodiscard]] std::vector<uint8_t> read_up_to(ByteStream& in, uint64_t n);

// Writes `bytes` to a temporary file next to `path`, then renames it over `path`, so a reader
// never sees a half-written file. InputError naming the file on failure.
void write_file_atomic(const std::filesystem::path& path, std::span<const uint8_t> bytes);

}  // namespace aelab::data
