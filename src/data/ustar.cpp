#include "data/ustar.hpp"

#include <algorithm>
#include <cstring>

#include "core/error.hpp"
#include "data/gzip.hpp"

namespace aelab::data {

namespace {

constexpr size_t kBlock = 512;

// Header field offsets and widths (POSIX.1-1988 ustar).
constexpr size_t kName = 0, kNameLen = 100;
constexpr size_t kMode = 100, kSize = 124, kSizeLen = 12, kMtime = 136, kChksum = 148;
constexpr size_t kType = 156, kMagic = 257, kPrefix = 345, kPrefixLen = 155;

std::string field_string(const uint8_t* p, size_t len) {
  const auto* c = reinterpret_cast<const char*>(p);
  return std::string(c, strnlen(c, len));
}

// Octal number padded with spaces or NULs; nullopt-like -1 on anything else.
int64_t parse_octal(const uint8_t* p, size_t len) {
  size_t i = 0;
  while (i < len && p[i] == ' ') ++i;
  int64_t v = 0;
  bool any = false;
  for (; i < len && p[i] >= '0' && p[i] <= '7'; ++i) {
    if (v > (int64_t{1} << 50)) return -1;
    v = v * 8 + (p[i] - '0');
    any = true;
  }
  for (; i < len; ++i)
    if (p[i] != ' ' && p[i] != '\0') return -1;
  return any ? v : -1;
}

int64_t header_checksum(const uint8_t* h) {
  int64_t sum = 0;
  for (size_t i = 0; i < kBlock; ++i) sum += (i >= kChksum && i < kChksum + 8) ? ' ' : h[i];
  return sum;
}

void write_octal(uint8_t* p, size_t len, uint64_t v) {
  // len-1 digits, zero padded, then NUL.
  for (size_t i = len - 1; i-- > 0;) {
    p[i] = static_cast<uint8_t>('0' + (v & 7));
    v >>= 3;
  }
  p[len - 1] = '\0';
}

// "path=" from pax extended header records ("<len> key=value\n").
std::string pax_path(std::span<const uint8_t> data) {
  std::string s(data.begin(), data.end());
  std::string path;
  size_t pos = 0;
  while (pos < s.size()) {
    const size_t sp = s.find(' ', pos);
    if (sp == std::string::npos) break;
    const long len = std::strtol(s.c_str() + pos, nullptr, 10);
    if (len <= 0 || pos + static_cast<size_t>(len) > s.size()) break;
    const std::string record = s.substr(sp + 1, pos + len - sp - 2);  // drop the '\n'
    if (record.rfind("path=", 0) == 0) path = record.substr(5);
    pos += static_cast<size_t>(len);
  }
  return path;
}

}  // namespace

void scan_ustar(ByteStream& in, const std::function<bool(const std::string&)>& want,
                const std::function<void(TarEntry&&)>& take, uint64_t max_entry_bytes) {
  const std::string& what = in.what();
  std::string next_path;  // from a pax header, for the entry that follows it
  uint64_t pos = 0;
  uint8_t h[kBlock];
  while (true) {
    if (in.read(h, kBlock) < kBlock) {
      if (pos == 0) throw InputError(what + ": not a tar archive (too short)");
      throw InputError(what + ": truncated tar archive (no end-of-archive marker)");
    }
    if (std::all_of(h, h + kBlock, [](uint8_t b) { return b == 0; })) break;  // end marker
    const int64_t stored = parse_octal(h + kChksum, 8);
    if (stored < 0 || stored != header_checksum(h))
      throw InputError(
          what + (pos == 0 ? ": not a tar archive (bad header checksum)"
                           : ": corrupt tar header (bad checksum) at byte " + std::to_string(pos)));
    const int64_t size = parse_octal(h + kSize, kSizeLen);
    if (size < 0)
      throw InputError(what + ": corrupt tar header (bad size) at byte " + std::to_string(pos));
    const uint64_t usize = static_cast<uint64_t>(size);
    const uint64_t padded = (usize + kBlock - 1) / kBlock * kBlock;

    std::string path = field_string(h + kName, kNameLen);
    if (std::memcmp(h + kMagic, "ustar", 5) == 0) {
      const std::string prefix = field_string(h + kPrefix, kPrefixLen);
      if (!prefix.empty()) path = prefix + "/" + path;
    }
    const char type = static_cast<char>(h[kType]);
    const bool regular = type == '0' || type == '\0';
    if (type != 'x' && !next_path.empty()) path = next_path;
    const bool keep = type == 'x' || (regular && want(path));
    if (keep && usize > max_entry_bytes)
      throw InputError(what + ": tar entry " + (type == 'x' ? "(pax header)" : path) + " is " +
                       std::to_string(usize) + " bytes, more than the " +
                       std::to_string(max_entry_bytes) + " expected");
    uint64_t done = 0;
    std::vector<uint8_t> data;
    if (keep) {
      data = read_up_to(in, usize);
      done = data.size();
    }
    if (done < usize) done += in.skip(usize - done);
    if (done < usize || in.skip(padded - usize) < padded - usize)
      throw InputError(what + ": truncated tar archive (an entry runs past the end)");
    if (type == 'x') {
      next_path = pax_path(data);
    } else {
      next_path.clear();
      if (keep) take({std::move(path), std::move(data)});
    }
    pos += kBlock + padded;
  }
}

std::vector<TarEntry> read_ustar(std::span<const uint8_t> tar, const std::string& what) {
  ByteStream in(tar, what);
  std::vector<TarEntry> entries;
  scan_ustar(
      in, [](const std::string&) { return true; },
      [&](TarEntry&& e) { entries.push_back(std::move(e)); }, tar.size());
  return entries;
}

std::vector<uint8_t> write_ustar(std::span<const TarEntry> entries) {
  std::vector<uint8_t> tar;
  for (const TarEntry& e : entries) {
    if (e.path.empty() || e.path.size() > kNameLen)
      throw InputError("tar entry path must be 1..100 bytes: '" + e.path + "'");
    std::vector<uint8_t> h(kBlock, 0);
    std::memcpy(h.data() + kName, e.path.data(), e.path.size());
    write_octal(h.data() + kMode, 8, 0644);
    write_octal(h.data() + 108, 8, 0);  // uid
    write_octal(h.data() + 116, 8, 0);  // gid
    write_octal(h.data() + kSize, kSizeLen, e.data.size());
    write_octal(h.data() + kMtime, 12, 0);
    h[kType] = '0';
    std::memcpy(h.data() + kMagic,
                "ustar\0"
                "00",
                8);
    write_octal(h.data() + kChksum, 7, static_cast<uint64_t>(header_checksum(h.data())));
    h[kChksum + 7] = ' ';
    tar.insert(tar.end(), h.begin(), h.end());
    tar.insert(tar.end(), e.data.begin(), e.data.end());
    tar.resize((tar.size() + kBlock - 1) / kBlock * kBlock, 0);
  }
  tar.resize(tar.size() + 2 * kBlock, 0);
  return tar;
}

}  // namespace aelab::data
