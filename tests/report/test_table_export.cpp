// report::Table writers: RFC 4180 quoting, Markdown escaping, JSON values, the curve and
// confusion tables, atomic writes.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/error.hpp"
#include "report/table_export.hpp"

using namespace aelab;
using namespace aelab::report;
namespace fs = std::filesystem;

namespace {

// A minimal RFC 4180 reader, to check that what we write reads back field for field.
std::vector<std::vector<std::string>> parse_csv(const std::string& s) {
  std::vector<std::vector<std::string>> rows(1);
  std::string field;
  bool quoted = false, in_quotes = false;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (in_quotes) {
      if (c == '"' && i + 1 < s.size() && s[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        in_quotes = false;
      } else {
        field += c;
      }
    } else if (c == '"') {
      in_quotes = quoted = true;
    } else if (c == ',') {
      rows.back().push_back(field);
      field.clear();
      quoted = false;
    } else if (c == '\r' && i + 1 < s.size() && s[i + 1] == '\n') {
      rows.back().push_back(field);
      field.clear();
      quoted = false;
      rows.emplace_back();
      ++i;
    } else {
      field += c;
    }
  }
  (void)quoted;
  if (rows.back().empty() && field.empty()) rows.pop_back();
  return rows;
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Table tricky() {
  Table t;
  t.columns = {"name", "note", "value"};
  t.add_row({"plain", "a, b", 1.5});
  t.add_row({"quote", "say \"hi\"", int64_t{42}});
  t.add_row({"lines", "one\ntwo\r\nthree", NAN});
  t.add_row({"größe ✓", "pipe | bar", -0.1});
  return t;
}

}  // namespace

TEST_CASE("table CSV: RFC 4180 quoting round-trips commas, quotes, line breaks and UTF-8") {
  const Table t = tricky();
  const std::string csv = to_csv(t);
  // Exact text of the awkward fields, as RFC 4180 spells them.
  CHECK(csv.rfind("name,note,value\r\n", 0) == 0);
  CHECK(csv.find("plain,\"a, b\",1.5\r\n") != std::string::npos);
  CHECK(csv.find("quote,\"say \"\"hi\"\"\",42\r\n") != std::string::npos);
  CHECK(csv.find("\"one\ntwo\r\nthree\",nan") != std::string::npos);
  CHECK(csv.find("größe ✓,pipe | bar,-0.1\r\n") != std::string::npos);
  auto rows = parse_csv(csv);
  REQUIRE(rows.size() == 5);
  CHECK(rows[0] == std::vector<std::string>{"name", "note", "value"});
  for (size_t r = 0; r < t.rows.size(); ++r)
    for (size_t c = 0; c < 3; ++c) CHECK(rows[r + 1][c] == t.rows[r][c].text());
  CHECK(rows[3][1] == "one\ntwo\r\nthree");
}

TEST_CASE("table cells: shortest exact reals, whole numbers, non-finite words") {
  CHECK(Cell(0.1).text() == "0.1");
  CHECK(std::stod(Cell(1.0 / 3.0).text()) == 1.0 / 3.0);
  CHECK(Cell(int64_t{9007199254740993}).text() == "9007199254740993");  // not through a double
  CHECK(Cell(7).text() == "7");
  CHECK(Cell(INFINITY).text() == "inf");
  CHECK(Cell(-INFINITY).text() == "-inf");
  CHECK(Cell("x").is_number() == false);
  CHECK(Cell(2.5f).is_number());
  Table t;
  t.columns = {"a", "b"};
  CHECK_THROWS_AS(t.add_row({1}), ShapeError);
}

TEST_CASE("table Markdown: escaped pipes, <br> for line breaks, numbers right-aligned") {
  const std::string md = to_markdown(tricky());
  std::istringstream in(md);
  std::string header, rule, line;
  std::getline(in, header);
  std::getline(in, rule);
  CHECK(header == "| name | note | value |");
  CHECK(rule == "| --- | --- | ---: |");
  int lines = 0;
  while (std::getline(in, line)) ++lines;
  CHECK(lines == 4);  // the embedded line breaks did not split a row
  CHECK(md.find("| lines | one<br>two<br>three | nan |") != std::string::npos);
  CHECK(md.find("| größe ✓ | pipe \\| bar | -0.1 |") != std::string::npos);
}

TEST_CASE("table JSON: one object per row, numbers as numbers, NaN as null, UTF-8 kept") {
  auto j = nlohmann::json::parse(to_text(tricky(), TableFormat::json));
  REQUIRE(j.is_array());
  REQUIRE(j.size() == 4);
  CHECK(j[0]["note"] == "a, b");
  CHECK(j[0]["value"].get<double>() == 1.5);
  CHECK(j[1]["value"].is_number_integer());
  CHECK(j[1]["value"].get<int64_t>() == 42);
  CHECK(j[2]["value"].is_null());
  CHECK(j[3]["name"] == "größe ✓");
  // Invalid UTF-8 in a cell is replaced, not thrown.
  Table bad;
  bad.columns = {"x"};
  bad.add_row({std::string("a\xff")});
  CHECK_NOTHROW(to_text(bad, TableFormat::json));
}

TEST_CASE("curves table: run, metric, step, epoch, value per point") {
  runs::MetricSeries test_l1;
  test_l1.steps = {100, 200, 300};
  test_l1.epochs = {1, 2, 3};
  test_l1.values = {0.12, 0.1, 0.09};
  std::vector<double> lr = {1e-3, 1e-4};
  std::vector<Curve> curves = {curve("#12 mlp-L16", "test_l1", test_l1),
                               Curve{"#12 mlp-L16", "lr", {}, {}, lr}};
  Table t = curves_table(curves);
  CHECK(t.columns == std::vector<std::string>{"run", "metric", "step", "epoch", "value"});
  REQUIRE(t.rows.size() == 5);
  CHECK(t.rows[1][2].text() == "200");
  CHECK(t.rows[1][3].text() == "2");
  CHECK(t.rows[2][4].text() == "0.09");
  CHECK(t.rows[3][1].text() == "lr");
  CHECK(t.rows[3][2].text().empty());             // no steps given: blank, not 0
  CHECK(std::stod(t.rows[4][4].text()) == 1e-4);  // shortest form that reads back exactly
  auto rows = parse_csv(to_csv(t));
  REQUIRE(rows.size() == 6);
  CHECK(rows[1] == std::vector<std::string>{"#12 mlp-L16", "test_l1", "100", "1", "0.12"});
}

TEST_CASE("confusion table: labelled rows and columns, counts as integers") {
  analysis::ConfusionMatrix cm;
  cm.rows = 2;
  cm.cols = 3;
  cm.counts = {5, 0, 1, 2, 7, 0};
  std::vector<std::string> rows = {"digit 0", "digit 1"};
  std::vector<std::string> cols = {"cluster 4", "cluster 0", "cluster 2"};
  Table t = confusion_table(cm, rows, cols, "digit");
  CHECK(to_csv(t) == "digit,cluster 4,cluster 0,cluster 2\r\ndigit 0,5,0,1\r\ndigit 1,2,7,0\r\n");
  Table plain = confusion_table(cm);
  CHECK(to_csv(plain) == "class,0,1,2\r\n0,5,0,1\r\n1,2,7,0\r\n");
}

TEST_CASE("write_table: atomic (no temp file left), parent folders made, errors name the file") {
  fs::path dir = fs::temp_directory_path() / ("aelab_table_test_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::path p = dir / "sub" / "t.csv";
  write_table(p, tricky(), TableFormat::csv);
  CHECK(slurp(p) == to_csv(tricky()));
  write_table(p, confusion_table(analysis::ConfusionMatrix{1, 1, {3}}), TableFormat::csv);
  CHECK(slurp(p) == "class,0\r\n0,3\r\n");  // replaced whole
  for (auto& e : fs::directory_iterator(dir / "sub")) CHECK(e.path().filename() == "t.csv");
  // A folder where the file should be: refused with the path in the message.
  fs::create_directories(dir / "blocked.csv");
  try {
    write_text_atomic(dir / "blocked.csv", "x");
    FAIL("expected an error");
  } catch (const InputError& e) {
    CHECK(std::string(e.what()).find("blocked.csv") != std::string::npos);
  }
  fs::remove_all(dir);
}
