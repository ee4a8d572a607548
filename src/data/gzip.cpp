#include "data/gzip.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <system_error>

#include "core/error.hpp"

namespace aelab::data {

namespace fs = std::filesystem;

namespace {

constexpr size_t kRawBuffer = size_t{1} << 16;

// What a non-regular file is, for "X: is a FIFO (named pipe), expected a regular file".
const char* file_kind(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO (named pipe)";
  if (S_ISSOCK(mode)) return "a socket";
  if (S_ISCHR(mode) || S_ISBLK(mode)) return "a device";
  return "not a regular file";
}

std::string mib(uint64_t bytes) {
  return std::to_string((bytes + (uint64_t{1} << 20) - 1) >> 20) + " MiB";
}

// A read-only descriptor of a regular file and its size. A directory, FIFO, socket or device is
// refused as what it is; O_NONBLOCK because opening a FIFO for reading would wait for a writer.
int open_regular_file(const fs::path& path, uint64_t& size) {
  const std::string what = path.string();
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    const int err = errno;
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode))
      throw InputError(what + ": is " + file_kind(st.st_mode) + ", expected a file");
    throw InputError(what + ": cannot open file (" + std::strerror(err) + ")");
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    const mode_t mode = st.st_mode;
    ::close(fd);
    throw InputError(what + ": is " + file_kind(mode) + ", expected a file");
  }
  size = static_cast<uint64_t>(st.st_size);
  return fd;
}

}  // namespace

// [SECTION] ByteStream

bool is_gzip(std::span<const uint8_t> bytes) {
  return bytes.size() >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b;
}

void ByteStream::ZDeleter::operator()(z_stream_s* zs) const {
  inflateEnd(zs);
  delete zs;
}

ByteStream ByteStream::open_file(const fs::path& path) {
  uint64_t size = 0;
  const int fd = open_regular_file(path, size);
  return ByteStream(fd, size, path.string());
}

ByteStream::ByteStream(int fd, uint64_t size, std::string what)
    : fd_(fd), source_size_(size), what_(std::move(what)) {
  start();
}

ByteStream::ByteStream(std::span<const uint8_t> bytes, std::string what)
    : mem_(bytes), source_size_(bytes.size()), what_(std::move(what)) {
  start();
}

ByteStream::ByteStream(ByteStream&& o) noexcept
    : fd_(o.fd_),
      mem_(o.mem_),
      source_size_(o.source_size_),
      source_pos_(o.source_pos_),
      what_(std::move(o.what_)),
      raw_(std::move(o.raw_)),
      raw_begin_(o.raw_begin_),
      raw_end_(o.raw_end_),
      gz_(o.gz_),
      member_done_(o.member_done_),
      eof_(o.eof_),
      zs_(std::move(o.zs_)),
      produced_(o.produced_),
      limit_(o.limit_) {
  o.fd_ = -1;
}

ByteStream::~ByteStream() {
  if (fd_ >= 0) ::close(fd_);
}

void ByteStream::fail(const std::string& problem) const {
  throw InputError(what_ + ": " + problem);
}

size_t ByteStream::fill_raw() {
  // Keep unread bytes at the front, then append.
  if (raw_begin_ > 0) {
    std::memmove(raw_.data(), raw_.data() + raw_begin_, raw_end_ - raw_begin_);
    raw_end_ -= raw_begin_;
    raw_begin_ = 0;
  }
  const size_t room = raw_.size() - raw_end_;
  if (room == 0) return 0;
  size_t got = 0;
  if (fd_ >= 0) {
    while (true) {
      const ssize_t r = ::read(fd_, raw_.data() + raw_end_, room);
      if (r >= 0) {
        got = static_cast<size_t>(r);
        break;
      }
      if (errno != EINTR) fail(std::string("cannot read file (") + std::strerror(errno) + ")");
    }
  } else {
    got = static_cast<size_t>(std::min<uint64_t>(room, mem_.size() - source_pos_));
    std::memcpy(raw_.data() + raw_end_, mem_.data() + source_pos_, got);
  }
  raw_end_ += got;
  source_pos_ += got;
  return got;
}

void ByteStream::start() {
  // No bigger than the source needs (+1 so the end is seen in one read).
  raw_.resize(static_cast<size_t>(
      std::min<uint64_t>(kRawBuffer, std::max<uint64_t>(source_size_ + 1, 16))));
  while (raw_end_ < 2 && fill_raw() > 0) {
  }
  gz_ = is_gzip(std::span<const uint8_t>(raw_.data(), raw_end_));
  if (!gz_) return;
  zs_.reset(new z_stream{});
  if (inflateInit2(zs_.get(), 15 + 16) != Z_OK) {
    delete zs_.release();
    throw std::runtime_error("zlib: inflateInit2 failed");
  }
  zs_->next_in = raw_.data();
  zs_->avail_in = static_cast<uInt>(raw_end_);
}

size_t ByteStream::read_plain(uint8_t* dst, size_t n) {
  size_t got = 0;
  while (got < n) {
    if (raw_begin_ == raw_end_ && fill_raw() == 0) break;
    const size_t take = std::min(n - got, raw_end_ - raw_begin_);
    std::memcpy(dst + got, raw_.data() + raw_begin_, take);
    raw_begin_ += take;
    got += take;
  }
  return got;
}

size_t ByteStream::read_gzip(uint8_t* dst, size_t n) {
  z_stream& zs = *zs_;
  size_t got = 0;
  const auto refill = [&] {
    raw_begin_ = static_cast<size_t>(zs.next_in - raw_.data());
    const size_t more = fill_raw();
    zs.next_in = raw_.data() + raw_begin_;
    zs.avail_in = static_cast<uInt>(raw_end_ - raw_begin_);
    return more;
  };
  while (got < n && !eof_) {
    if (member_done_) {  // another member, the end, or garbage
      if (zs.avail_in < 2) refill();
      if (zs.avail_in == 0) {
        eof_ = true;
        break;
      }
      if (!is_gzip(std::span<const uint8_t>(zs.next_in, zs.avail_in)))
        fail(std::to_string(source_size_ - source_pos_ + zs.avail_in) +
             " bytes of trailing garbage after the gzip data");
      inflateReset(&zs);
      member_done_ = false;
    }
    if (zs.avail_in == 0 && refill() == 0) fail("truncated gzip data (the stream ends early)");
    zs.next_out = dst + got;
    zs.avail_out = static_cast<uInt>(std::min<size_t>(n - got, 1u << 30));
    const uInt before = zs.avail_out;
    const int ret = inflate(&zs, Z_NO_FLUSH);
    got += before - zs.avail_out;
    if (ret == Z_STREAM_END)
      member_done_ = true;
    else if (ret == Z_BUF_ERROR && zs.avail_in == 0)
      continue;  // needs input: refilled at the top, or truncated
    else if (ret != Z_OK)
      fail(std::string("corrupt gzip data (") +
           (zs.msg ? zs.msg : "zlib error " + std::to_string(ret)) + ")");
  }
  return got;
}

size_t ByteStream::read(uint8_t* dst, size_t n) {
  const size_t got = gz_ ? read_gzip(dst, n) : read_plain(dst, n);
  produced_ += got;
  if (produced_ > limit_)
    fail(std::string(gz_ ? "gzip data inflates" : "file is") + " to more than " + mib(limit_) +
         ", refusing");
  return got;
}

uint64_t ByteStream::skip(uint64_t n) {
  uint8_t buf[1 << 14];
  uint64_t done = 0;
  while (done < n) {
    const size_t got = read(buf, static_cast<size_t>(std::min<uint64_t>(sizeof buf, n - done)));
    if (got == 0) break;
    done += got;
  }
  return done;
}

uint64_t ByteStream::count_rest(uint64_t limit) {
  return skip(limit + 1);
}

void ByteStream::rewind() {
  if (fd_ >= 0 && ::lseek(fd_, 0, SEEK_SET) != 0)
    fail(std::string("cannot read file (") + std::strerror(errno) + ")");
  source_pos_ = 0;
  raw_begin_ = raw_end_ = 0;
  member_done_ = eof_ = false;
  produced_ = 0;
  zs_.reset();
  start();
}

std::optional<uint32_t> ByteStream::gzip_size_hint() const {
  if (!gz_ || source_size_ < 18) return std::nullopt;
  uint8_t t[4];
  if (fd_ >= 0) {
    if (::pread(fd_, t, 4, static_cast<off_t>(source_size_ - 4)) != 4) return std::nullopt;
  } else {
    std::memcpy(t, mem_.data() + source_size_ - 4, 4);
  }
  return uint32_t{t[0]} | (uint32_t{t[1]} << 8) | (uint32_t{t[2]} << 16) | (uint32_t{t[3]} << 24);
}

// [SECTION] Whole buffers

std::vector<uint8_t> read_up_to(ByteStream& in, uint64_t n) {
  std::vector<uint8_t> out;
  // Grow by doubling from 64 KiB, never past n: memory follows the bytes that really arrive.
  uint64_t cap = std::min<uint64_t>(n, uint64_t{1} << 16);
  while (out.size() < n) {
    const size_t have = out.size();
    if (have == cap) cap = std::min<uint64_t>(n, cap * 2);
    out.resize(static_cast<size_t>(cap));
    const size_t got = in.read(out.data() + have, out.size() - have);
    out.resize(have + got);
    if (got == 0) break;
  }
  return out;
}

std::vector<uint8_t> read_file_bytes(const fs::path& path) {
  uint64_t size = 0;
  const int fd = open_regular_file(path, size);
  std::vector<uint8_t> bytes(static_cast<size_t>(size));
  size_t got = 0;
  while (got < bytes.size()) {
    const ssize_t r = ::read(fd, bytes.data() + got, bytes.size() - got);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) {
      ::close(fd);
      throw InputError(path.string() + ": cannot read file");
    }
    got += static_cast<size_t>(r);
  }
  ::close(fd);
  return bytes;
}

std::vector<uint8_t> gunzip(std::span<const uint8_t> bytes, const std::string& what,
                            size_t max_bytes) {
  ByteStream in(bytes, what);
  if (!in.compressed()) throw InputError(what + ": not gzip data");
  in.set_limit(max_bytes);
  return read_up_to(in, UINT64_MAX);
}

std::vector<uint8_t> gzip_compress(std::span<const uint8_t> bytes, int level) {
  z_stream zs{};
  if (deflateInit2(&zs, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    throw std::runtime_error("zlib: deflateInit2 failed");
  std::vector<uint8_t> out(deflateBound(&zs, static_cast<uLong>(bytes.size())));
  zs.next_in = const_cast<Bytef*>(bytes.data());
  zs.avail_in = static_cast<uInt>(bytes.size());
  zs.next_out = out.data();
  zs.avail_out = static_cast<uInt>(out.size());
  const int ret = deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  if (ret != Z_STREAM_END) throw std::runtime_error("zlib: deflate did not finish");
  return out;
}

void write_file_atomic(const fs::path& path, std::span<const uint8_t> bytes) {
  fs::path tmp = path;
  tmp += ".tmp-" + std::to_string(::getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw InputError(path.string() + ": cannot create file");
    out.write(reinterpret_cast<const char*>(bytes.data()),
              static_cast<std::streamsize>(bytes.size()));
    out.flush();
    if (!out) {
      out.close();
      std::error_code ec;
      fs::remove(tmp, ec);
      throw InputError(path.string() + ": write failed (disk full?)");
    }
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) {
    std::error_code ignored;
    fs::remove(tmp, ignored);
    throw InputError(path.string() + ": cannot rename temporary file into place (" + ec.message() +
                     ")");
  }
}

}  // namespace aelab::data
