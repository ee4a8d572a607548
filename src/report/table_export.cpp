#include "report/table_export.hpp"

#include <charconv>
#include <cmath>

#include "core/error.hpp"
#include "data/gzip.hpp"

namespace aelab::report {

namespace {

std::string real_text(double d) {
  if (std::isnan(d)) return "nan";
  if (std::isinf(d)) return d > 0 ? "inf" : "-inf";
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, d);
  return ec == std::errc() ? std::string(buf, end) : std::to_string(d);
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string md_field(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '|')
      out += "\\|";
    else if (c == '\r' && i + 1 < s.size() && s[i + 1] == '\n')
      continue;  // CRLF: the LF writes the break
    else if (c == '\n' || c == '\r')
      out += "<br>";
    else
      out += c;
  }
  return out;
}

}  // namespace

std::string Cell::text() const {
  switch (kind) {
    case Kind::text:
      return s;
    case Kind::integer:
      return std::to_string(i);
    case Kind::real:
      return real_text(d);
  }
  return s;
}

Table& Table::add_row(std::vector<Cell> row) {
  if (row.size() != columns.size())
    throw ShapeError("table: a row of " + std::to_string(row.size()) + " cells for " +
                     std::to_string(columns.size()) + " columns");
  rows.push_back(std::move(row));
  return *this;
}

std::string_view extension(TableFormat f) {
  switch (f) {
    case TableFormat::csv:
      return "csv";
    case TableFormat::markdown:
      return "md";
    case TableFormat::json:
      return "json";
  }
  return "txt";
}

std::string to_csv(const Table& t) {
  std::string out;
  for (size_t c = 0; c < t.columns.size(); ++c) out += (c ? "," : "") + csv_field(t.columns[c]);
  out += "\r\n";
  for (const auto& row : t.rows) {
    for (size_t c = 0; c < row.size(); ++c) out += (c ? "," : "") + csv_field(row[c].text());
    out += "\r\n";
  }
  return out;
}

std::string to_markdown(const Table& t) {
  // A column is right-aligned when every non-empty cell in it is a number.
  std::vector<bool> numeric(t.columns.size(), true);
  for (const auto& row : t.rows)
    for (size_t c = 0; c < row.size(); ++c)
      if (!row[c].is_number() && !row[c].text().empty()) numeric[c] = false;
  std::string out = "|";
  for (const auto& name : t.columns) out += " " + md_field(name) + " |";
  out += "\n|";
  for (size_t c = 0; c < t.columns.size(); ++c)
    out += numeric[c] && !t.rows.empty() ? " ---: |" : " --- |";
  out += "\n";
  for (const auto& row : t.rows) {
    out += "|";
    for (const Cell& cell : row) out += " " + md_field(cell.text()) + " |";
    out += "\n";
  }
  return out;
}

nlohmann::json to_json(const Table& t) {
  nlohmann::json arr = nlohmann::json::array();
  for (const auto& row : t.rows) {
    nlohmann::json o = nlohmann::json::object();
    for (size_t c = 0; c < row.size(); ++c) {
      const Cell& cell = row[c];
      if (cell.kind == Cell::Kind::text)
        o[t.columns[c]] = cell.s;
      else if (cell.kind == Cell::Kind::integer)
        o[t.columns[c]] = cell.i;
      else if (std::isfinite(cell.d))
        o[t.columns[c]] = cell.d;
      else
        o[t.columns[c]] = nullptr;
    }
    arr.push_back(std::move(o));
  }
  return arr;
}

std::string to_text(const Table& t, TableFormat f) {
  switch (f) {
    case TableFormat::csv:
      return to_csv(t);
    case TableFormat::markdown:
      return to_markdown(t);
    case TableFormat::json:
      return to_json(t).dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  }
  return {};
}

void write_text_atomic(const std::filesystem::path& path, std::string_view text) {
  std::error_code ec;
  if (path.has_parent_path()) {
    std::filesystem::create_directories(path.parent_path(), ec);
    if (ec) throw InputError("cannot create " + path.parent_path().string() + ": " + ec.message());
  }
  data::write_file_atomic(path,
                          std::span(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
}

void write_table(const std::filesystem::path& path, const Table& t, TableFormat f) {
  write_text_atomic(path, to_text(t, f));
}

// [SECTION] the tables the window exports

Table curves_table(std::span<const Curve> curves) {
  Table t;
  t.columns = {"run", "metric", "step", "epoch", "value"};
  for (const Curve& c : curves)
    for (size_t i = 0; i < c.values.size(); ++i)
      t.add_row({c.run, c.metric, i < c.steps.size() ? Cell(c.steps[i]) : Cell(),
                 i < c.epochs.size() ? Cell(c.epochs[i]) : Cell(), Cell(c.values[i])});
  return t;
}

Table confusion_table(const analysis::ConfusionMatrix& cm, std::span<const std::string> row_labels,
                      std::span<const std::string> col_labels, std::string corner) {
  Table t;
  t.columns.push_back(std::move(corner));
  for (int c = 0; c < cm.cols; ++c)
    t.columns.push_back(static_cast<size_t>(c) < col_labels.size() ? col_labels[c]
                                                                   : std::to_string(c));
  for (int r = 0; r < cm.rows; ++r) {
    std::vector<Cell> row;
    row.push_back(static_cast<size_t>(r) < row_labels.size() ? Cell(row_labels[r]) : Cell(r));
    for (int c = 0; c < cm.cols; ++c) row.push_back(Cell(cm.at(r, c)));
    t.add_row(std::move(row));
  }
  return t;
}

}  // namespace aelab::report
