// .npy and CSV matrices: files as NumPy and other programs write them are read exactly; every
// malformed one is refused with one line naming the file and the problem.
#include <catch2/catch.hpp>
#include <cstring>

#include "data/matrix_file.hpp"
#include "data_test_util.hpp"

using namespace aelab;
using namespace aelab::data;
using aelab::data::test::require_input_error;
using aelab::data::test::TempDir;
using aelab::data::test::write_bytes;

namespace {

// An .npy file the way numpy.save writes format 1.0: magic, version, little-endian header
// length, the dict padded with spaces to a 64-byte boundary, '\n', then the data.
std::vector<uint8_t> npy_bytes(const std::string& dict, const std::vector<uint8_t>& payload,
                               int major = 1) {
  std::string h = dict;
  const size_t pre = major == 1 ? 10 : 12;
  h.append((64 - (pre + h.size() + 1) % 64) % 64, ' ');
  h += '\n';
  std::vector<uint8_t> out = {0x93, 'N', 'U', 'M', 'P', 'Y', uint8_t(major), 0};
  out.push_back(uint8_t(h.size() & 0xff));
  out.push_back(uint8_t(h.size() >> 8));
  if (major != 1) {
    out.push_back(0);
    out.push_back(0);
  }
  out.insert(out.end(), h.begin(), h.end());
  out.insert(out.end(), payload.begin(), payload.end());
  return out;
}

template <typename T>
std::vector<uint8_t> raw(const std::vector<T>& v) {
  std::vector<uint8_t> b(v.size() * sizeof(T));
  std::memcpy(b.data(), v.data(), b.size());
  return b;
}

void write_text(const std::filesystem::path& p, const std::string& s) {
  write_bytes(p, std::vector<uint8_t>(s.begin(), s.end()));
}

}  // namespace

TEST_CASE("read_npy_matrix: float32 and float64, C and Fortran order, versions 1 and 2") {
  TempDir dir;
  const std::vector<float> f32 = {1.5f, -2.f, 3.25f, 4.f, 5.f, 6.f};  // (3, 2) in C order
  write_bytes(dir / "a.npy",
              npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 2), }", raw(f32)));
  Tensor a = read_npy_matrix(dir / "a.npy");
  REQUIRE(a.shape() == Shape{3, 2});
  for (size_t i = 0; i < f32.size(); ++i) CHECK(a[int64_t(i)] == f32[i]);

  // Fortran order: the columns are contiguous. Columns (1, 2, 3) and (4, 5, 6).
  const std::vector<double> f64 = {1, 2, 3, 4, 5, 6};
  write_bytes(dir / "b.npy",
              npy_bytes("{'descr': '<f8', 'fortran_order': True, 'shape': (3, 2), }", raw(f64), 2));
  Tensor b = read_npy_matrix(dir / "b.npy");
  REQUIRE(b.shape() == Shape{3, 2});
  const float want[] = {1, 4, 2, 5, 3, 6};
  for (int i = 0; i < 6; ++i) CHECK(b[i] == want[i]);
}

TEST_CASE("write_npy writes what read_npy_matrix and numpy's header layout expect") {
  TempDir dir;
  Tensor x({2, 3}, std::vector<float>{0.f, 1.f, 2.f, 3.f, 4.f, 5.5f});
  write_npy(dir / "x.npy", x);
  Tensor back = read_npy_matrix(dir / "x.npy");
  REQUIRE(back.shape() == x.shape());
  for (int i = 0; i < 6; ++i) CHECK(back[i] == x[i]);
  // Header: magic, 1.0, total header a multiple of 64, the exact dict numpy writes.
  std::ifstream f(dir / "x.npy", std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  REQUIRE(bytes.size() == 128 + 24);  // numpy.save gives 152 bytes for this array too
  CHECK(bytes.substr(0, 8) == std::string("\x93NUMPY\x01\x00", 8));
  CHECK(bytes.find("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }") == 10);
  CHECK(bytes[127] == '\n');

  const std::vector<uint8_t> labels = {3, 0, 9};
  write_npy(dir / "l.npy", labels);
  CHECK(read_npy_labels(dir / "l.npy") == std::vector<int>{3, 0, 9});
  std::ifstream g(dir / "l.npy", std::ios::binary);
  std::string lb((std::istreambuf_iterator<char>(g)), std::istreambuf_iterator<char>());
  CHECK(lb.find("'shape': (3,)") != std::string::npos);
  CHECK(lb.find("'|u1'") != std::string::npos);
}

TEST_CASE("read_npy_matrix refuses malformed files with one line") {
  TempDir dir;
  const std::vector<float> six(6, 1.f);
  auto npy = [&](const std::string& name, const std::vector<uint8_t>& bytes) {
    write_bytes(dir / name, bytes);
    return dir / name;
  };
  const auto bad_magic = npy("m.npy", {'N', 'U', 'M', 'P', 'Y', 0, 0, 0, 0, 0});
  require_input_error([&] { (void)read_npy_matrix(bad_magic); }, {"m.npy", "bad magic"});
  const auto truncated = npy(
      "t.npy", npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (4, 2), }", raw(six)));
  require_input_error([&] { (void)read_npy_matrix(truncated); }, {"t.npy", "truncated"});
  const auto extra = npy(
      "e.npy", npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2), }", raw(six)));
  require_input_error([&] { (void)read_npy_matrix(extra); }, {"e.npy", "bytes after the data"});
  const auto big_endian = npy(
      "be.npy", npy_bytes("{'descr': '>f4', 'fortran_order': False, 'shape': (3, 2), }", raw(six)));
  require_input_error([&] { (void)read_npy_matrix(big_endian); }, {"be.npy", "little-endian"});
  const auto ints = npy(
      "i.npy", npy_bytes("{'descr': '<i4', 'fortran_order': False, 'shape': (3, 2), }", raw(six)));
  require_input_error([&] { (void)read_npy_matrix(ints); }, {"i.npy", "float32 or float64"});
  const auto three_d = npy("3.npy", npy_bytes("{'descr': '<f4', 'fortran_order': False, "
                                              "'shape': (1, 3, 2), }",
                                              raw(six)));
  require_input_error([&] { (void)read_npy_matrix(three_d); }, {"3.npy", "2-D"});
  // A header claiming 2^40 values is refused before anything is allocated.
  const auto huge = npy("h.npy", npy_bytes("{'descr': '<f4', 'fortran_order': False, "
                                           "'shape': (1048576, 1048576), }",
                                           raw(six)));
  require_input_error([&] { (void)read_npy_matrix(huge); }, {"h.npy", "limit"});
  const auto no_shape =
      npy("s.npy", npy_bytes("{'descr': '<f4', 'fortran_order': False, }", raw(six)));
  require_input_error([&] { (void)read_npy_matrix(no_shape); }, {"s.npy", "shape"});
  const auto object = npy(
      "o.npy", npy_bytes("{'descr': '|O', 'fortran_order': False, 'shape': (3, 2), }", raw(six)));
  require_input_error([&] { (void)read_npy_matrix(object); }, {"o.npy", "dtype"});
  std::vector<float> with_nan = six;
  with_nan[4] = std::nanf("");
  const auto nan = npy("n.npy", npy_bytes("{'descr': '<f4', 'fortran_order': False, "
                                          "'shape': (3, 2), }",
                                          raw(with_nan)));
  require_input_error([&] { (void)read_npy_matrix(nan); }, {"n.npy", "NaN"});
  const auto labels_2d = npy(
      "l.npy", npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 2), }", raw(six)));
  require_input_error([&] { (void)read_npy_labels(labels_2d); }, {"l.npy", "1-D"});
  const std::vector<float> frac = {0.f, 1.5f};
  const auto labels_frac = npy(
      "lf.npy", npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", raw(frac)));
  require_input_error([&] { (void)read_npy_labels(labels_frac); }, {"lf.npy", "label 1"});
  require_input_error([&] { (void)read_npy_matrix(dir / "missing.npy"); }, {"missing.npy"});
}

TEST_CASE("read_csv_matrix: aelab's own export, a bare matrix, a named label column") {
  TempDir dir;
  write_text(dir / "ours.csv",
             "index,split,label,z0,z1\n0,test,7,0.5,-1\n1,test,2,1e-3,2.25\r\n\n");
  CsvMatrix a = read_csv_matrix(dir / "ours.csv");
  REQUIRE(a.x.shape() == Shape{2, 2});
  CHECK(a.x[0] == 0.5f);
  CHECK(a.x[1] == -1.f);
  CHECK(a.x[2] == 1e-3f);
  CHECK(a.x[3] == 2.25f);
  CHECK(a.labels == std::vector<int>{7, 2});
  CHECK(a.names == std::vector<std::string>{"z0", "z1"});

  write_text(dir / "bare.csv", "1,2,3\n4,5,6\n");
  CsvMatrix b = read_csv_matrix(dir / "bare.csv");
  REQUIRE(b.x.shape() == Shape{2, 3});
  CHECK(b.x[5] == 6.f);
  CHECK(b.labels.empty());
  CsvMatrix b2 = read_csv_matrix(dir / "bare.csv", {"2"});  // last column as labels
  REQUIRE(b2.x.shape() == Shape{2, 2});
  CHECK(b2.labels == std::vector<int>{3, 6});
  CHECK(b2.x[2] == 4.f);

  write_text(dir / "named.csv", "digit,a,b\n1,0.1,0.2\n0,0.3,0.4\n");
  CsvMatrix c = read_csv_matrix(dir / "named.csv", {"digit"});
  CHECK(c.labels == std::vector<int>{1, 0});
  CHECK(c.x.shape() == Shape{2, 2});
  CHECK(c.x[3] == 0.4f);
}

TEST_CASE("read_csv_matrix refuses malformed files with one line naming the place") {
  TempDir dir;
  auto csv = [&](const std::string& name, const std::string& text) {
    write_text(dir / name, text);
    return dir / name;
  };
  const auto ragged = csv("r.csv", "a,b\n1,2\n3\n");
  require_input_error([&] { (void)read_csv_matrix(ragged); }, {"r.csv", "line 3", "1 fields"});
  const auto word = csv("w.csv", "a,b\n1,2\n3,x\n");
  require_input_error([&] { (void)read_csv_matrix(word); }, {"w.csv", "line 3", "(b)", "'x'"});
  const auto nan = csv("n.csv", "1,2\nnan,3\n");
  require_input_error([&] { (void)read_csv_matrix(nan); }, {"n.csv", "line 2", "finite"});
  const auto label = csv("l.csv", "label,z0\n1.5,2\n");
  require_input_error([&] { (void)read_csv_matrix(label); }, {"l.csv", "line 2", "label '1.5'"});
  const auto no_col = csv("c.csv", "a,b\n1,2\n");
  require_input_error([&] { (void)read_csv_matrix(no_col, {"digit"}); },
                      {"c.csv", "no column named 'digit'"});
  require_input_error([&] { (void)read_csv_matrix(no_col, {"5"}); }, {"c.csv", "no label column"});
  const auto header_only = csv("h.csv", "a,b\n");
  require_input_error([&] { (void)read_csv_matrix(header_only); }, {"h.csv", "no rows"});
  const auto empty = csv("e.csv", "");
  require_input_error([&] { (void)read_csv_matrix(empty); }, {"e.csv", "empty"});
  const auto gap = csv("g.csv", "1,2\n\n3,4\n");
  require_input_error([&] { (void)read_csv_matrix(gap); }, {"g.csv", "line 2 is empty"});
  const auto only_labels = csv("o.csv", "label\n1\n");
  require_input_error([&] { (void)read_csv_matrix(only_labels); }, {"o.csv", "no feature"});
  std::string long_line(size_t(1) << 21, '1');
  const auto too_long = csv("long.csv", long_line + "\n");
  require_input_error([&] { (void)read_csv_matrix(too_long); }, {"long.csv", "longer than"});
}
