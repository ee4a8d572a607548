#include "train/data_source.hpp"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <system_error>
#include <vector>

#include "data/dataset.hpp"

namespace aelab::train {

nlohmann::json to_json(const DataSource& s) {
  return {{"dir", s.dir}, {"given", s.given}, {"hash", s.hash}};
}

DataSource data_source_from_json(const nlohmann::json& j) {
  DataSource s;
  if (!j.is_object()) return s;
  if (j.contains("dir") && j["dir"].is_string()) s.dir = j["dir"].get<std::string>();
  if (j.contains("given") && j["given"].is_boolean()) s.given = j["given"].get<bool>();
  if (j.contains("hash") && j["hash"].is_string()) s.hash = j["hash"].get<std::string>();
  return s;
}

namespace {

constexpr uint64_t kFnvOffset = 1469598103934665603ull;
constexpr uint64_t kFnvPrime = 1099511628211ull;

void fnv(uint64_t& h, const char* p, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    h ^= static_cast<unsigned char>(p[i]);
    h *= kFnvPrime;
  }
}

}  // namespace

std::string content_hash(const std::filesystem::path& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    const std::string name = e.path().filename().string();
    if ((name.rfind("train-", 0) == 0 || name.rfind("t10k-", 0) == 0) && e.is_regular_file(ec))
      files.push_back(e.path());
  }
  if (files.empty()) return "";
  std::sort(files.begin(), files.end());
  uint64_t h = kFnvOffset;
  std::vector<char> buf(1 << 16);
  for (const fs::path& f : files) {
    const std::string name = f.filename().string();
    fnv(h, name.data(), name.size() + 1);
    std::ifstream in(f, std::ios::binary);
    uint64_t size = 0;
    while (in) {
      in.read(buf.data(), std::streamsize(buf.size()));
      const size_t got = static_cast<size_t>(in.gcount());
      fnv(h, buf.data(), got);
      size += got;
    }
    fnv(h, reinterpret_cast<const char*>(&size), sizeof size);
  }
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
  return hex;
}

DataSource describe_data_source(const std::string& name, const std::filesystem::path& data_dir,
                                const std::filesystem::path& source_dir) {
  DataSource s;
  std::error_code ec;
  const std::filesystem::path dir = data::dataset_dir(name, data_dir, source_dir);
  const std::filesystem::path abs = std::filesystem::absolute(dir, ec);
  s.dir = (ec ? dir : abs).lexically_normal().string();
  s.given = !source_dir.empty();
  s.hash = content_hash(dir);
  return s;
}

std::filesystem::path source_dir_of(const DataSource& s) {
  return s.given ? std::filesystem::path(s.dir) : std::filesystem::path();
}

}  // namespace aelab::train
