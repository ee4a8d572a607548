// .npy and CSV matrices.
//
// [SECTION] .npy header
// [SECTION] .npy read
// [SECTION] .npy write
// [SECTION] CSV
#include "data/matrix_file.hpp"

#include <algorithm>
#include <bit>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>

#include "core/error.hpp"

namespace aelab::data {
namespace {

static_assert(std::endian::native == std::endian::little, "the .npy code assumes little endian");

[[noreturn]] void refuse(const std::filesystem::path& path, const std::string& why) {
  throw InputError(path.string() + ": " + why);
}

// [SECTION] .npy header

struct NpyHeader {
  char kind = 0;  // 'f', 'i', 'u'
  int item = 0;   // bytes per value
  bool fortran = false;
  std::vector<int64_t> shape;
  int64_t data_offset = 0;
  [[nodiscard]] int64_t count() const {
    int64_t c = 1;
    for (int64_t s : shape) c *= s;
    return c;
  }
};

// The value of 'key' in the header dict, as the raw text up to the next top-level comma or '}'.
std::string dict_value(const std::string& h, const std::string& key,
                       const std::filesystem::path& p) {
  size_t at = h.find("'" + key + "'");
  if (at == std::string::npos) at = h.find("\"" + key + "\"");
  if (at == std::string::npos) refuse(p, "not a valid .npy file (header has no '" + key + "')");
  size_t colon = h.find(':', at + key.size() + 2);
  if (colon == std::string::npos) refuse(p, "not a valid .npy file (malformed header)");
  size_t b = colon + 1;
  while (b < h.size() && h[b] == ' ') ++b;
  size_t e = b;
  if (e < h.size() && h[e] == '(') {
    e = h.find(')', e);
    if (e == std::string::npos) refuse(p, "not a valid .npy file (unclosed shape)");
    return h.substr(b, e - b + 1);
  }
  while (e < h.size() && h[e] != ',' && h[e] != '}') ++e;
  std::string v = h.substr(b, e - b);
  while (!v.empty() && v.back() == ' ') v.pop_back();
  return v;
}

NpyHeader read_npy_header(std::ifstream& f, const std::filesystem::path& p, int64_t file_size) {
  char pre[10];
  if (!f.read(pre, 8) || std::memcmp(pre, "\x93NUMPY", 6) != 0)
    refuse(p, "not a .npy file (bad magic)");
  const int major = static_cast<unsigned char>(pre[6]);
  int64_t header_len = 0;
  int64_t offset = 0;
  if (major == 1) {
    unsigned char l[2];
    if (!f.read(reinterpret_cast<char*>(l), 2)) refuse(p, "truncated .npy header");
    header_len = l[0] | (l[1] << 8);
    offset = 10;
  } else if (major == 2 || major == 3) {
    unsigned char l[4];
    if (!f.read(reinterpret_cast<char*>(l), 4)) refuse(p, "truncated .npy header");
    header_len =
        int64_t(l[0]) | (int64_t(l[1]) << 8) | (int64_t(l[2]) << 16) | (int64_t(l[3]) << 24);
    offset = 12;
  } else {
    refuse(p, ".npy format version " + std::to_string(major) + " is not supported");
  }
  if (header_len > 65536 || offset + header_len > file_size)
    refuse(p, "truncated or oversized .npy header");
  std::string h(size_t(header_len), '\0');
  if (!f.read(h.data(), header_len)) refuse(p, "truncated .npy header");
  NpyHeader out;
  out.data_offset = offset + header_len;

  std::string descr = dict_value(h, "descr", p);
  if (descr.size() < 2 || (descr.front() != '\'' && descr.front() != '"'))
    refuse(p, "unsupported .npy dtype " + descr);
  descr = descr.substr(1, descr.size() - 2);
  if (descr.size() < 3 || (descr[0] != '<' && descr[0] != '|' && descr[0] != '='))
    refuse(p, "unsupported .npy dtype '" + descr + "' (need little-endian numbers)");
  out.kind = descr[1];
  const std::string width = descr.substr(2);
  if (width.empty() || !std::all_of(width.begin(), width.end(), ::isdigit) || width.size() > 1)
    refuse(p, "unsupported .npy dtype '" + descr + "'");
  out.item = width[0] - '0';
  const bool ok = (out.kind == 'f' && (out.item == 4 || out.item == 8)) ||
                  ((out.kind == 'i' || out.kind == 'u') &&
                   (out.item == 1 || out.item == 2 || out.item == 4 || out.item == 8));
  if (!ok) refuse(p, "unsupported .npy dtype '" + descr + "' (float32/64 or integers)");
  if (out.item > 1 && descr[0] == '|') refuse(p, "unsupported .npy dtype '" + descr + "'");

  const std::string fortran = dict_value(h, "fortran_order", p);
  if (fortran == "True") {
    out.fortran = true;
  } else if (fortran != "False") {
    refuse(p, "not a valid .npy file (fortran_order is '" + fortran + "')");
  }

  const std::string shape = dict_value(h, "shape", p);
  if (shape.size() < 2 || shape.front() != '(' || shape.back() != ')')
    refuse(p, "not a valid .npy file (shape " + shape + ")");
  const std::string inner = shape.substr(1, shape.size() - 2);
  size_t i = 0;
  while (i < inner.size()) {
    while (i < inner.size() && (inner[i] == ' ' || inner[i] == ',')) ++i;
    if (i >= inner.size()) break;
    int64_t v = 0;
    auto [end, ec] = std::from_chars(inner.data() + i, inner.data() + inner.size(), v);
    if (ec != std::errc() || v < 0) refuse(p, "not a valid .npy file (shape " + shape + ")");
    out.shape.push_back(v);
    i = size_t(end - inner.data());
    if (i < inner.size() && inner[i] != ',' && inner[i] != ' ')
      refuse(p, "not a valid .npy file (shape " + shape + ")");
  }
  int64_t count = 1;
  for (int64_t s : out.shape) {
    if (s > 0 && count > kMaxMatrixValues / s)
      refuse(p, "array of shape " + shape + " is larger than the limit of " +
                    std::to_string(kMaxMatrixValues) + " values");
    count *= s;
  }
  const int64_t want = out.data_offset + count * out.item;
  if (file_size < want)
    refuse(p, "truncated: shape " + shape + " needs " + std::to_string(want) +
                  " bytes, the file has " + std::to_string(file_size));
  if (file_size > want)
    refuse(p,
           "has " + std::to_string(file_size - want) + " bytes after the data of shape " + shape);
  return out;
}

// Reads the header's values as doubles, in file order, in chunks (no second full-size copy).
template <typename Out>
void read_values(std::ifstream& f, const NpyHeader& h, const std::filesystem::path& p, Out&& out) {
  const int64_t n = h.count();
  constexpr int64_t kChunk = 1 << 16;
  std::vector<char> buf(size_t(kChunk) * 8);
  for (int64_t at = 0; at < n; at += kChunk) {
    const int64_t m = std::min(kChunk, n - at);
    if (!f.read(buf.data(), m * h.item)) refuse(p, "truncated data");
    for (int64_t k = 0; k < m; ++k) {
      const char* c = buf.data() + k * h.item;
      double v = 0;
      switch (h.kind == 'f' ? h.item : (h.kind == 'i' ? -h.item : 10 + h.item)) {
        case 4: {
          float t;
          std::memcpy(&t, c, 4);
          v = t;
          break;
        }
        case 8: {
          double t;
          std::memcpy(&t, c, 8);
          v = t;
          break;
        }
        case -1: {
          int8_t t;
          std::memcpy(&t, c, 1);
          v = t;
          break;
        }
        case -2: {
          int16_t t;
          std::memcpy(&t, c, 2);
          v = t;
          break;
        }
        case -4: {
          int32_t t;
          std::memcpy(&t, c, 4);
          v = t;
          break;
        }
        case -8: {
          int64_t t;
          std::memcpy(&t, c, 8);
          v = double(t);
          break;
        }
        case 11: {
          uint8_t t;
          std::memcpy(&t, c, 1);
          v = t;
          break;
        }
        case 12: {
          uint16_t t;
          std::memcpy(&t, c, 2);
          v = t;
          break;
        }
        case 14: {
          uint32_t t;
          std::memcpy(&t, c, 4);
          v = t;
          break;
        }
        case 18: {
          uint64_t t;
          std::memcpy(&t, c, 8);
          v = double(t);
          break;
        }
        default:
          refuse(p, "unsupported dtype");
      }
      out(at + k, v);
    }
  }
}

int64_t open_npy(std::ifstream& f, const std::filesystem::path& p) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(p, ec);
  if (ec) refuse(p, "cannot read (" + ec.message() + ")");
  f.open(p, std::ios::binary);
  if (!f) refuse(p, "cannot open");
  return int64_t(size);
}

}  // namespace

// [SECTION] .npy read

Tensor read_npy_matrix(const std::filesystem::path& path) {
  std::ifstream f;
  const int64_t size = open_npy(f, path);
  const NpyHeader h = read_npy_header(f, path, size);
  if (h.kind != 'f') refuse(path, "codes must be float32 or float64, not integers");
  if (h.shape.size() != 1 && h.shape.size() != 2)
    refuse(path, "codes must be a 2-D array, got " + std::to_string(h.shape.size()) + "-D");
  const int64_t rows = h.shape[0], cols = h.shape.size() == 2 ? h.shape[1] : 1;
  if (rows < 1 || cols < 1) refuse(path, "the array is empty");
  Tensor x({rows, cols});
  float* d = x.data();
  bool finite = true;
  read_values(f, h, path, [&](int64_t k, double v) {
    const int64_t r = h.fortran ? k % rows : k / cols, c = h.fortran ? k / rows : k % cols;
    finite = finite && std::isfinite(v) && std::fabs(v) <= std::numeric_limits<float>::max();
    d[r * cols + c] = float(v);
  });
  if (!finite) refuse(path, "holds a NaN or infinite value (or one beyond float32's range)");
  return x;
}

std::vector<int> read_npy_labels(const std::filesystem::path& path) {
  std::ifstream f;
  const int64_t size = open_npy(f, path);
  const NpyHeader h = read_npy_header(f, path, size);
  if (!(h.shape.size() == 1 || (h.shape.size() == 2 && h.shape[1] == 1)))
    refuse(path, "labels must be a 1-D array");
  std::vector<int> labels(size_t(h.shape[0]));
  int64_t bad = -1;
  read_values(f, h, path, [&](int64_t k, double v) {
    if (!(v >= 0 && v <= 1e6 && v == std::floor(v))) {
      if (bad < 0) bad = k;
      return;
    }
    labels[size_t(k)] = int(v);
  });
  if (bad >= 0) refuse(path, "label " + std::to_string(bad) + " is not a whole number in [0, 1e6]");
  return labels;
}

// [SECTION] .npy write

namespace {

void write_npy_raw(const std::filesystem::path& path, const char* descr,
                   const std::vector<int64_t>& shape, const void* data, size_t bytes) {
  std::string dims;
  for (size_t i = 0; i < shape.size(); ++i) dims += (i ? ", " : "") + std::to_string(shape[i]);
  if (shape.size() == 1) dims += ",";
  std::string dict =
      std::string("{'descr': '") + descr + "', 'fortran_order': False, 'shape': (" + dims + ")";
  dict += ", }";
  // Magic (6) + version (2) + length (2) + dict + padding + '\n' is a multiple of 64.
  size_t total = 10 + dict.size() + 1;
  dict.append((64 - total % 64) % 64, ' ');
  dict += '\n';
  std::string head = std::string("\x93NUMPY\x01\x00", 8);
  head += char(dict.size() & 0xff);
  head += char((dict.size() >> 8) & 0xff);
  head += dict;
  std::error_code ec;
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path(), ec);
  const std::filesystem::path tmp = path.string() + ".tmp";
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    if (!f.write(head.data(), std::streamsize(head.size())) ||
        !f.write(static_cast<const char*>(data), std::streamsize(bytes)) || !f.flush()) {
      std::filesystem::remove(tmp, ec);
      refuse(path, "cannot write");
    }
  }
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::filesystem::remove(tmp, ec);
    refuse(path, "cannot write");
  }
}

}  // namespace

void write_npy(const std::filesystem::path& path, const Tensor& x) {
  write_npy_raw(path, "<f4", x.shape(), x.data(), size_t(x.numel()) * sizeof(float));
}

void write_npy(const std::filesystem::path& path, std::span<const uint8_t> labels) {
  write_npy_raw(path, "|u1", {int64_t(labels.size())}, labels.data(), labels.size());
}

// [SECTION] CSV

namespace {

constexpr size_t kMaxCsvLine = size_t(1) << 20;
constexpr size_t kMaxCsvFields = 65536;

void split_fields(const std::string& line, std::vector<std::string_view>& out) {
  out.clear();
  size_t b = 0;
  for (;;) {
    const size_t e = line.find(',', b);
    std::string_view f(line.data() + b, (e == std::string::npos ? line.size() : e) - b);
    while (!f.empty() && (f.front() == ' ' || f.front() == '\t')) f.remove_prefix(1);
    while (!f.empty() && (f.back() == ' ' || f.back() == '\t')) f.remove_suffix(1);
    if (f.size() >= 2 && f.front() == '"' && f.back() == '"') f = f.substr(1, f.size() - 2);
    out.push_back(f);
    if (e == std::string::npos) break;
    b = e + 1;
  }
}

bool parse_number(std::string_view f, double& v) {
  if (f.empty()) return false;
  if (f.front() == '+') f.remove_prefix(1);
  auto [end, ec] = std::from_chars(f.data(), f.data() + f.size(), v);
  return ec == std::errc() && end == f.data() + f.size();
}

}  // namespace

CsvMatrix read_csv_matrix(const std::filesystem::path& path, const CsvMatrixOptions& options) {
  std::ifstream f(path, std::ios::binary);
  if (!f) refuse(path, "cannot open");
  std::string line;
  std::vector<std::string_view> fields;
  int64_t line_no = 0;
  auto next_line = [&]() -> bool {
    // A bounded getline: a file without newlines never becomes one huge string.
    line.clear();
    std::streambuf* sb = f.rdbuf();
    int c = sb->sbumpc();
    if (c == std::char_traits<char>::eof()) return false;
    ++line_no;
    for (; c != std::char_traits<char>::eof() && c != '\n'; c = sb->sbumpc()) {
      line.push_back(char(c));
      if (line.size() > kMaxCsvLine)
        refuse(path, "line " + std::to_string(line_no) + " is longer than 1 MiB");
    }
    if (!line.empty() && line.back() == '\r') line.pop_back();
    return true;
  };
  // First non-empty line: header or data.
  do {
    if (!next_line()) refuse(path, "is empty");
  } while (line.empty());
  split_fields(line, fields);
  if (fields.size() > kMaxCsvFields) refuse(path, "has more than 65536 columns");
  const size_t n_fields = fields.size();
  bool header = false;
  for (auto fd : fields) {
    double v;
    if (!parse_number(fd, v)) header = true;
  }
  std::vector<std::string> names(fields.begin(), fields.end());

  int label_col = -1;
  if (!options.labels_column.empty()) {
    const std::string& lc = options.labels_column;
    if (std::all_of(lc.begin(), lc.end(), ::isdigit)) {
      label_col = std::stoi(lc.size() > 6 ? "999999" : lc);
    } else if (header) {
      auto it = std::find(names.begin(), names.end(), lc);
      if (it == names.end()) refuse(path, "has no column named '" + lc + "'");
      label_col = int(it - names.begin());
    } else {
      refuse(path, "has no header, so the label column must be a 0-based index, not '" + lc + "'");
    }
    if (label_col >= int(n_fields))
      refuse(path, "has " + std::to_string(n_fields) + " columns, no label column " + lc);
  } else if (header) {
    auto it = std::find(names.begin(), names.end(), "label");
    if (it != names.end()) label_col = int(it - names.begin());
  }
  std::vector<int> feature_cols;
  CsvMatrix out;
  for (size_t c = 0; c < n_fields; ++c) {
    if (int(c) == label_col) continue;
    if (header && (names[c] == "index" || names[c] == "split")) continue;
    feature_cols.push_back(int(c));
    if (header) out.names.push_back(names[c]);
  }
  if (feature_cols.empty()) refuse(path, "has no feature columns besides the labels");
  const int64_t d = int64_t(feature_cols.size());

  std::vector<float> values;
  auto parse_row = [&]() {
    if (fields.size() != n_fields)
      refuse(path, "line " + std::to_string(line_no) + " has " + std::to_string(fields.size()) +
                       " fields, expected " + std::to_string(n_fields));
    if (int64_t(values.size()) + d > kMaxMatrixValues)
      refuse(path, "holds more than " + std::to_string(kMaxMatrixValues) + " values");
    for (int c : feature_cols) {
      double v;
      if (!parse_number(fields[size_t(c)], v) || !std::isfinite(v) ||
          std::fabs(v) > std::numeric_limits<float>::max())
        refuse(path, "line " + std::to_string(line_no) + ", column " + std::to_string(c + 1) +
                         (header ? " (" + names[size_t(c)] + ")" : std::string()) + ": '" +
                         std::string(fields[size_t(c)]) + "' is not a finite number");
      values.push_back(float(v));
    }
    if (label_col >= 0) {
      double v;
      std::string_view lf = fields[size_t(label_col)];
      if (!parse_number(lf, v) || !(v >= 0 && v <= 1e6 && v == std::floor(v)))
        refuse(path, "line " + std::to_string(line_no) + ": label '" + std::string(lf) +
                         "' is not a whole number >= 0");
      out.labels.push_back(int(v));
    }
  };
  if (!header) parse_row();
  while (next_line()) {
    if (line.empty()) {
      // Only trailing blank lines are allowed.
      while (next_line())
        if (!line.empty()) refuse(path, "line " + std::to_string(line_no - 1) + " is empty");
      break;
    }
    split_fields(line, fields);
    parse_row();
  }
  const int64_t rows = int64_t(values.size()) / d;
  if (rows < 1) refuse(path, "has a header but no rows");
  out.x = Tensor({rows, d}, values);
  return out;
}

}  // namespace aelab::data
