#include "report/study_writer.hpp"

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <system_error>

#include "core/error.hpp"
#include "report/table_export.hpp"

namespace aelab::report {

namespace fs = std::filesystem;

namespace {

// [SECTION] Shared pieces

std::string numbers_text(const nlohmann::json& numbers) {
  std::string out;
  for (auto it = numbers.begin(); it != numbers.end(); ++it) {
    if (!out.empty()) out += ", ";
    std::string v;
    if (it->is_string()) {
      v = it->get<std::string>();
    } else if (it->is_number_float()) {
      char buf[40];
      std::snprintf(buf, sizeof buf, "%.10g", it->get<double>());
      v = buf;
    } else if (it->is_array()) {  // a list of reals: each as above
      for (const auto& e : *it) {
        char buf[40];
        if (e.is_number()) std::snprintf(buf, sizeof buf, "%.6g", e.get<double>());
        v += (v.empty() ? "" : ", ") + (e.is_number() ? std::string(buf) : e.dump());
      }
      v = "[" + v + "]";
    } else {
      v = it->dump();
    }
    out += it.key() + " = " + v;
  }
  return out;
}

Table claims_table(const StudyReport& r) {
  Table t;
  t.columns = {"section", "claim", "numbers", "result"};
  for (const SectionResult& s : r.sections)
    for (const Claim& c : s.claims)
      t.add_row({s.id, c.text, numbers_text(c.numbers), c.passed ? "passed" : "FAILED"});
  return t;
}

Table provenance_table(const StudyReport& r) {
  const nlohmann::json& p = r.provenance;
  Table t;
  t.columns = {"what", "value"};
  auto row = [&](const std::string& what, const nlohmann::json& v) {
    t.add_row({what, v.is_string() ? v.get<std::string>() : v.dump()});
  };
  row("aelab", p.value("aelab_version", "") + " (git " + p.value("git_commit", "") + ")");
  row("date", p.value("date", ""));
  if (p.contains("dataset")) {
    const nlohmann::json& d = p["dataset"];
    row("dataset",
        d.value("name", "") + ": " + std::to_string(d.value("train", 0)) + " train / " +
            std::to_string(d.value("test", 0)) + " test digits" +
            (d.value("limit", 0) > 0 ? " (limit " + std::to_string(d.value("limit", 0)) + ")"
                                     : "") +
            (d.value("source_dir", "").empty() ? "" : ", from " + d.value("source_dir", "")));
    row("dataset content hash (FNV-1a)", d.value("content_hash", ""));
  }
  if (p.contains("machine")) {
    const nlohmann::json& m = p["machine"];
    row("machine", m.value("cpu", "") + ", " + std::to_string(m.value("cores", 0)) + " cores, " +
                       std::to_string(m.value("threads", 0)) + " threads used");
  }
  if (p.contains("options")) row("options", p["options"]);
  if (p.contains("wall_seconds"))
    for (auto it = p["wall_seconds"].begin(); it != p["wall_seconds"].end(); ++it) {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%.1f s", it->get<double>());
      row("wall time " + it.key(), std::string(buf));
    }
  if (p.contains("wall_seconds_total")) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f s", p["wall_seconds_total"].get<double>());
    row("wall time total", std::string(buf));
  }
  return t;
}

Table runs_table(const StudyReport& r) {
  Table t;
  t.columns = {"section", "run", "name", "kind", "config hash", "trained"};
  for (const SectionResult& s : r.sections)
    for (const RunUse& u : s.runs)
      t.add_row({s.id, u.id, u.name, u.kind, u.config_hash,
                 u.reused ? "reused from the store" : "by this report"});
  return t;
}

std::string summary_line(const StudyReport& r) {
  const int n = r.claim_count(), f = r.failed_claims();
  return std::to_string(n - f) + " of " + std::to_string(n) + " claims passed" +
         (f ? " (" + std::to_string(f) + " FAILED)" : "") + ".";
}

// [SECTION] HTML

std::string escape_html(const std::string& s) {
  std::string out;
  for (char c : s) switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  return out;
}

// Markdown's inline `code` and **bold**, the only inline marks the sections use.
std::string inline_html(const std::string& s) {
  std::string e = escape_html(s), out;
  bool code = false, bold = false;
  for (size_t i = 0; i < e.size(); ++i) {
    if (e[i] == '`') {
      out += code ? "</code>" : "<code>";
      code = !code;
    } else if (!code && e.compare(i, 2, "**") == 0) {
      out += bold ? "</b>" : "<b>";
      bold = !bold;
      ++i;
    } else {
      out += e[i];
    }
  }
  if (code) out += "</code>";
  if (bold) out += "</b>";
  return out;
}

std::string table_html(const Table& t, const char* cls = "") {
  std::string out = std::string("<table class=\"") + cls + "\"><thead><tr>";
  for (const std::string& c : t.columns) out += "<th>" + escape_html(c) + "</th>";
  out += "</tr></thead><tbody>\n";
  for (const auto& row : t.rows) {
    out += "<tr>";
    for (const Cell& c : row) {
      const std::string text = c.text();
      const char* extra = c.is_number()      ? " class=\"num\""
                          : text == "FAILED" ? " class=\"fail\""
                          : text == "passed" ? " class=\"pass\""
                                             : "";
      out += std::string("<td") + extra + ">" + inline_html(text) + "</td>";
    }
    out += "</tr>\n";
  }
  return out + "</tbody></table>\n";
}

constexpr const char* kCss =
    "body{font-family:sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}"
    "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 8px;"
    "vertical-align:top}th{background:#f0f0f0}td.num{text-align:right;font-family:monospace}"
    "td.fail{color:#b00;font-weight:bold}td.pass{color:#070}figure{margin:1em 0}"
    "figcaption{font-size:90%;color:#444;max-width:800px}img{image-rendering:pixelated;"
    "max-width:100%}pre{background:#f6f6f6;padding:.5em;overflow-x:auto}";

}  // namespace

// [SECTION] Writers

std::string base64(std::span<const unsigned char> b) {
  static const char* k = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((b.size() + 2) / 3 * 4);
  for (size_t i = 0; i < b.size(); i += 3) {
    const uint32_t n = (uint32_t(b[i]) << 16) | (i + 1 < b.size() ? uint32_t(b[i + 1]) << 8 : 0) |
                       (i + 2 < b.size() ? uint32_t(b[i + 2]) : 0);
    out += k[(n >> 18) & 63];
    out += k[(n >> 12) & 63];
    out += i + 1 < b.size() ? k[(n >> 6) & 63] : '=';
    out += i + 2 < b.size() ? k[n & 63] : '=';
  }
  return out;
}

std::string study_markdown(const StudyReport& r) {
  std::string md = "# The study, reproduced by aelab\n\n" + summary_line(r) +
                   " Every number below was computed from the runs listed under Provenance.\n\n";
  md += "## Claims\n\n" + to_markdown(claims_table(r)) + "\n";
  for (const SectionResult& s : r.sections) {
    md += "## " + s.title + "\n\n";
    for (const Block& b : s.blocks) switch (b.kind) {
        case Block::Kind::heading:
          md += "### " + b.text + "\n\n";
          break;
        case Block::Kind::paragraph:
          md += b.text + "\n\n";
          break;
        case Block::Kind::code:
          md += "```\n" + b.text + "\n```\n\n";
          break;
        case Block::Kind::table:
          md += to_markdown(b.table) + "\n";
          break;
        case Block::Kind::figure: {
          const Figure& f = s.figures.at(b.figure);
          md += "![" + f.file + "](figures/" + f.file + ")\n\n*" + f.caption + "*\n\n";
          break;
        }
      }
  }
  md += "## Provenance\n\n" + to_markdown(provenance_table(r)) + "\n" + to_markdown(runs_table(r)) +
        "\n";
  return md;
}

std::string study_html(const StudyReport& r) {
  std::string h =
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<title>aelab study report</title><style>";
  h += kCss;
  h += "</style></head><body>\n<h1>The study, reproduced by aelab</h1>\n<p>" +
       escape_html(summary_line(r)) +
       " Every number below was computed from the runs listed under Provenance.</p>\n";
  h += "<h2>Claims</h2>\n" + table_html(claims_table(r), "claims");
  for (const SectionResult& s : r.sections) {
    h += "<h2 id=\"" + escape_html(s.id) + "\">" + escape_html(s.title) + "</h2>\n";
    for (const Block& b : s.blocks) switch (b.kind) {
        case Block::Kind::heading:
          h += "<h3>" + inline_html(b.text) + "</h3>\n";
          break;
        case Block::Kind::paragraph:
          h += "<p>" + inline_html(b.text) + "</p>\n";
          break;
        case Block::Kind::code:
          h += "<pre>" + escape_html(b.text) + "</pre>\n";
          break;
        case Block::Kind::table:
          h += table_html(b.table);
          break;
        case Block::Kind::figure: {
          const Figure& f = s.figures.at(b.figure);
          h += "<figure><img alt=\"" + escape_html(f.file) + "\" src=\"data:image/png;base64," +
               base64(f.png) + "\"><figcaption>" + inline_html(f.caption) +
               "</figcaption></figure>\n";
          break;
        }
      }
  }
  h += "<h2>Provenance</h2>\n" + table_html(provenance_table(r)) + table_html(runs_table(r));
  return h + "</body></html>\n";
}

nlohmann::json study_metrics(const StudyReport& r) {
  nlohmann::json sections = nlohmann::json::object();
  for (const SectionResult& s : r.sections) {
    nlohmann::json claims = nlohmann::json::array(), figures = nlohmann::json::array();
    for (const Claim& c : s.claims)
      claims.push_back({{"text", c.text}, {"numbers", c.numbers}, {"passed", c.passed}});
    for (const Figure& f : s.figures)
      figures.push_back({{"file", "figures/" + f.file}, {"caption", f.caption}});
    sections[s.id] = {{"title", s.title},
                      {"metrics", s.metrics},
                      {"claims", claims},
                      {"figures", figures},
                      {"seconds", s.seconds}};
  }
  return {{"provenance", r.provenance},
          {"sections", sections},
          {"claims_total", r.claim_count()},
          {"claims_failed", r.failed_claims()}};
}

void check_output_dir(const fs::path& dir) {
  std::error_code ec;
  if (dir.empty()) throw InputError("--out: no folder given");
  if (fs::exists(dir, ec) && !fs::is_directory(dir, ec))
    throw InputError("--out " + dir.string() + " is a file, not a folder");
  if (fs::is_directory(dir, ec) && !fs::is_empty(dir, ec) && !fs::exists(dir / "report.md", ec))
    throw InputError("--out " + dir.string() +
                     " is a folder with other files in it (not an earlier report); choose "
                     "another");
  const fs::path parent = fs::absolute(dir, ec).parent_path();
  fs::create_directories(parent, ec);
  // A probe folder, as write_study will make: permissions alone do not tell (root, /proc, ...).
  const fs::path probe = parent / (".aelab-probe-" + std::to_string(getpid()));
  const bool made = !ec && fs::create_directory(probe, ec) && !ec;
  std::error_code ignored;
  fs::remove(probe, ignored);
  if (!made) throw InputError("--out " + dir.string() + ": cannot write in " + parent.string());
}

void write_study(const StudyReport& r, const fs::path& dir_in) {
  check_output_dir(dir_in);
  const fs::path dir = fs::absolute(dir_in);
  const fs::path tmp =
      dir.parent_path() / ("." + dir.filename().string() + ".tmp-" + std::to_string(getpid()));
  std::error_code ec;
  fs::remove_all(tmp, ec);
  fs::create_directories(tmp / "figures", ec);
  if (ec) throw InputError("cannot create " + tmp.string() + ": " + ec.message());
  try {
    auto write = [](const fs::path& p, std::string_view bytes) {
      std::ofstream f(p, std::ios::binary | std::ios::trunc);
      if (!f.write(bytes.data(), std::streamsize(bytes.size())) || !f.flush())
        throw InputError("cannot write " + p.string());
    };
    for (const SectionResult& s : r.sections)
      for (const Figure& f : s.figures)
        write(tmp / "figures" / f.file,
              std::string_view(reinterpret_cast<const char*>(f.png.data()), f.png.size()));
    write(tmp / "report.md", study_markdown(r));
    write(tmp / "report.html", study_html(r));
    write(tmp / "metrics.json", study_metrics(r).dump(2) + "\n");
    // Swap in: an older report moves aside first and is removed only once the new one is there.
    const fs::path old =
        dir.parent_path() / ("." + dir.filename().string() + ".old-" + std::to_string(getpid()));
    if (fs::exists(dir)) fs::rename(dir, old);
    fs::rename(tmp, dir);
    fs::remove_all(old, ec);
  } catch (...) {
    fs::remove_all(tmp, ec);
    throw;
  }
}

}  // namespace aelab::report
