#pragma once
// Tables as files: one small Table type (column names, rows of text or number cells) written as
// CSV (RFC 4180), Markdown or JSON, plus the tables the window exports (curves, confusion
// matrices). Writes are atomic (a temp file renamed over the target), so a reader never sees
// half a file.
//
// Exporting something new as a table: build a Table (add_row per row) and call write_table; the
// window's app/export.hpp puts it in the export folder and says where.
#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "analysis/cluster_metrics.hpp"
#include "runs/run_store.hpp"

namespace aelab::report {

// A cell: text, a whole number or a real number. Non-finite reals are written "nan", "inf",
// "-inf" in CSV and Markdown and null in JSON.
struct Cell {
  enum class Kind { text, integer, real };
  Kind kind = Kind::text;
  std::string s;  // kind text
  int64_t i = 0;  // kind integer
  double d = 0;   // kind real
  Cell() = default;
  Cell(std::string t) : s(std::move(t)) {}
  Cell(const char* t) : s(t) {}
  Cell(std::string_view t) : s(t) {}
  template <class I>
  requires(std::is_integral_v<I> && !std::is_same_v<I, bool>) Cell(I v)
      : kind(Kind::integer), i(static_cast<int64_t>(v)) {}
  template <class F>
  requires std::is_floating_point_v<F> Cell(F v) : kind(Kind::real), d(static_cast<double>(v)) {}
  [[nodiscard]] bool is_number() const { return kind != Kind::text; }
  // As written in CSV/Markdown: text as is, whole numbers in decimal, reals in the shortest form
  // that reads back to the same double.
  [[nodiscard]] std::string text() const;
};

struct Table {
  std::vector<std::string> columns;
  std::vector<std::vector<Cell>> rows;
  // ShapeError when the row's width differs from the columns'.
  Table& add_row(std::vector<Cell> row);
};

enum class TableFormat { csv, markdown, json };
[[nodiscard]] std::string_view extension(TableFormat f);  // "csv", "md", "json"

// RFC 4180: fields with a comma, a double quote, CR or LF are quoted, quotes doubled; CRLF
// line ends; a header line with the column names. UTF-8 passes through unchanged.
[[nodiscard]] std::string to_csv(const Table& t);
// A GitHub-style pipe table: '|' escaped, line breaks as <br>, number columns right-aligned.
[[nodiscard]] std::string to_markdown(const Table& t);
// An array of objects, one per row, keyed by column name (invalid UTF-8 replaced, not thrown).
[[nodiscard]] nlohmann::json to_json(const Table& t);
[[nodiscard]] std::string to_text(const Table& t, TableFormat f);

// Atomically writes `text` to `path` (parent folders created); InputError naming the file.
void write_text_atomic(const std::filesystem::path& path, std::string_view text);
void write_table(const std::filesystem::path& path, const Table& t, TableFormat f);

// [SECTION] the tables the window exports

// One curve: a metric of a run, as parallel arrays. steps or epochs may be empty (blank cells).
struct Curve {
  std::string run;     // the run's name (or "#12 name")
  std::string metric;  // "test_l1", "lr", ...
  std::span<const long> steps;
  std::span<const double> epochs;
  std::span<const double> values;
};
[[nodiscard]] inline Curve curve(std::string run, std::string metric, const runs::MetricSeries& s) {
  return Curve{std::move(run), std::move(metric), s.steps, s.epochs, s.values};
}
// Columns run, metric, step, epoch, value; one row per point, curves one after the other.
[[nodiscard]] Table curves_table(std::span<const Curve> curves);

// The first column names the row (row_labels, or the row index), then one column per matrix
// column (col_labels, or the column index). corner: the first column's name.
[[nodiscard]] Table confusion_table(const analysis::ConfusionMatrix& cm,
                                    std::span<const std::string> row_labels = {},
                                    std::span<const std::string> col_labels = {},
                                    std::string corner = "class");

}  // namespace aelab::report
