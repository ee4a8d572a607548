#pragma once
// Matrices from and for other programs: NumPy .npy files (2-D float32/float64 to read, any
// shape's float32 or uint8 to write) and numeric CSV, so codes made elsewhere can be projected
// and ours can be read by scikit-learn, PyTorch or R. Readers check everything before they
// allocate (an .npy header's shape against the file's size; a CSV's line length and value count
// against fixed limits) and refuse a malformed file with one InputError naming the file, the line
// or field, and the problem.
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "core/tensor.hpp"

namespace aelab::data {

// Largest matrix a reader accepts: 2^28 values (1 GiB of float32).
constexpr int64_t kMaxMatrixValues = int64_t(1) << 28;

// [SECTION] .npy

// A 2-D little-endian float32 ('<f4') or float64 ('<f8') array, C or Fortran order, format 1.0,
// 2.0 or 3.0 -> (rows, cols) float32. Also reads a 1-D array as (n, 1).
[[nodiscard]] Tensor read_npy_matrix(const std::filesystem::path& path);
// Labels: a 1-D (or (n, 1)) integer array ('|u1', '|i1', '<i2', '<u2', '<i4', '<u4', '<i8',
// '<u8') or float array of whole numbers >= 0.
[[nodiscard]] std::vector<int> read_npy_labels(const std::filesystem::path& path);
// float32 C-order array of x's shape; written beside the target and renamed over it.
void write_npy(const std::filesystem::path& path, const Tensor& x);
void write_npy(const std::filesystem::path& path, std::span<const uint8_t> labels);

// [SECTION] CSV

struct CsvMatrixOptions {
  // Column holding integer labels: a header name, or a 0-based index when it is all digits.
  // Empty: a header column named "label" is used when there is one, else no labels.
  std::string labels_column;
};

struct CsvMatrix {
  Tensor x;                        // (rows, features)
  std::vector<int> labels;         // rows, or empty
  std::vector<std::string> names;  // feature column names (empty without a header)
};

// Comma-separated numbers, one row a line (CR LF accepted, blank last line ignored). A first line
// with a field that is not a number is a header. With a header, aelab's own "index" and "split"
// columns are skipped; every other column except the label column must be a finite number in
// every row, and every row must have the header's number of fields.
[[nodiscard]] CsvMatrix read_csv_matrix(const std::filesystem::path& path,
                                        const CsvMatrixOptions& options = {});

}  // namespace aelab::data
