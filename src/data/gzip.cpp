#include "data/gzip.hpp"

#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <system_error>

#include "core/error.hpp"

namespace aelab::data {

namespace fs = std::filesystem;

std::vector<uint8_t> read_file_bytes(const fs::path& path) {
  std::error_code ec;
  if (fs::is_directory(path, ec))
    throw InputError(path.string() + ": is a directory, expected a file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path.string() + ": cannot open file");
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  if (size < 0) throw InputError(path.string() + ": cannot read file");
  in.seekg(0, std::ios::beg);
  std::vector<uint8_t> bytes(static_cast<size_t>(size));
  if (size > 0 && !in.read(reinterpret_cast<char*>(bytes.data()), size))
    throw InputError(path.string() + ": cannot read file");
  return bytes;
}

bool is_gzip(std::span<const uint8_t> bytes) {
  return bytes.size() >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b;
}

std::vector<uint8_t> gunzip(std::span<const uint8_t> bytes, const std::string& what,
                            size_t max_bytes) {
  std::vector<uint8_t> out;
  size_t pos = 0;
  // One pass per gzip member; `gzip a; gzip b; cat` files are valid gzip.
  while (pos < bytes.size()) {
    if (!is_gzip(bytes.subspan(pos)))
      throw InputError(what + ": " + std::to_string(bytes.size() - pos) +
                       " bytes of trailing garbage after the gzip data");
    z_stream zs{};
    if (inflateInit2(&zs, 15 + 16) != Z_OK) throw std::runtime_error("zlib: inflateInit2 failed");
    const uint8_t* const end = bytes.data() + bytes.size();
    zs.next_in = const_cast<Bytef*>(bytes.data() + pos);
    std::vector<uint8_t> chunk(1 << 18);
    int ret = Z_OK;
    while (ret != Z_STREAM_END) {
      if (zs.avail_in == 0)  // refill in pieces zlib's uInt can hold
        zs.avail_in = static_cast<uInt>(std::min<size_t>(end - zs.next_in, 1u << 30));
      zs.next_out = chunk.data();
      zs.avail_out = static_cast<uInt>(chunk.size());
      ret = inflate(&zs, Z_NO_FLUSH);
      out.insert(out.end(), chunk.data(), chunk.data() + (chunk.size() - zs.avail_out));
      std::string problem;
      // Fresh output room is given on every call, so "no progress possible" means no input left.
      if (ret == Z_BUF_ERROR)
        problem = "truncated gzip data (the stream ends early)";
      else if (ret != Z_OK && ret != Z_STREAM_END)
        problem = std::string("corrupt gzip data (") +
                  (zs.msg ? zs.msg : "zlib error " + std::to_string(ret)) + ")";
      else if (out.size() > max_bytes)
        problem =
            "gzip data inflates to more than " + std::to_string(max_bytes >> 20) + " MiB, refusing";
      if (!problem.empty()) {
        inflateEnd(&zs);
        throw InputError(what + ": " + problem);
      }
    }
    pos = static_cast<size_t>(zs.next_in - bytes.data());
    inflateEnd(&zs);
  }
  return out;
}

std::vector<uint8_t> read_maybe_gzip(const fs::path& path, size_t max_bytes) {
  std::vector<uint8_t> bytes = read_file_bytes(path);
  if (!is_gzip(bytes)) return bytes;
  return gunzip(bytes, path.string(), max_bytes);
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
