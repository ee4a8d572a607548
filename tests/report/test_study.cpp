// The study report's pieces without training: figures (PNG bytes, sizes, the digit font), the
// writers (files, inline figures, claims, atomic replace, refusals), options and config hashes.
// The whole report runs in tests/cli/test_report_cmd.cpp (through the binary, on mnist-10k).
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/error.hpp"
#include "report/figure.hpp"
#include "report/png.hpp"
#include "report/study.hpp"
#include "report/study_runs.hpp"
#include "report/study_sections.hpp"
#include "report/study_writer.hpp"

using namespace aelab;
namespace fs = std::filesystem;

namespace {

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Width and height from a PNG's IHDR chunk (big-endian at bytes 16..23).
std::pair<int, int> png_size(const std::vector<unsigned char>& png) {
  REQUIRE(png.size() > 24);
  auto be = [&](size_t o) {
    return int(png[o]) << 24 | int(png[o + 1]) << 16 | int(png[o + 2]) << 8 | int(png[o + 3]);
  };
  return {be(16), be(20)};
}

bool is_png(const std::vector<unsigned char>& b) {
  const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  return b.size() > 8 && std::equal(sig, sig + 8, b.begin());
}

struct TempDir {
  fs::path dir = fs::temp_directory_path() / ("aelab_study_" + std::to_string(::getpid()));
  TempDir() {
    fs::remove_all(dir);
    fs::create_directories(dir);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
};

report::StudyReport small_report() {
  report::StudyReport r;
  r.provenance = {{"aelab_version", "0.1"}, {"git_commit", "abc"}, {"date", "today"}};
  report::SectionResult s;
  s.id = "q1";
  s.title = "Q1. A <test> section";
  s.heading("Numbers");
  s.paragraph("a **bold** claim with `code` & more");
  report::Table t;
  t.columns = {"x", "y"};
  t.add_row({1, 0.5});
  s.table(t);
  report::Canvas c(4, 3);
  s.figure({"q1-tiny.png", "a tiny figure", report::figure_png(c)});
  s.claim("two is more than one", {{"a", 2}, {"b", 1}}, true);
  s.claim("one is more than two", {{"a", 1}, {"b", 2}}, false);
  r.sections.push_back(std::move(s));
  return r;
}

}  // namespace

TEST_CASE("base64 follows RFC 4648's test vectors") {
  auto b = [](std::string s) {
    return report::base64(std::span(reinterpret_cast<const unsigned char*>(s.data()), s.size()));
  };
  CHECK(b("") == "");
  CHECK(b("f") == "Zg==");
  CHECK(b("fo") == "Zm8=");
  CHECK(b("foo") == "Zm9v");
  CHECK(b("foob") == "Zm9vYg==");
  CHECK(b("fooba") == "Zm9vYmE=");
  CHECK(b("foobar") == "Zm9vYmFy");
}

TEST_CASE("figures are PNGs of the size their layout says") {
  Tensor images({6, 1, 28, 28}, 0.5f);
  const auto grid = report::image_grid(images, 3, 2, 2);
  REQUIRE(is_png(grid));
  CHECK(png_size(grid) == std::pair{3 * (56 + 2) + 2, 2 * (56 + 2) + 2});
  const std::vector<double> v = {0, 0.5, 1, NAN, 0.25, 0.75};
  CHECK(png_size(report::heatmap(v, 2, 3, 10, 0, 1)) == std::pair{30, 20});
  CHECK_THROWS_AS(report::heatmap(v, 3, 3, 10, 0, 1), ShapeError);
  Tensor pts({3, 2}, std::vector<float>{0, 0, 1, 1, 2, 0.5f});
  const std::vector<uint8_t> labels = {0, 1, 2};
  CHECK(png_size(report::scatter_chart(pts, labels, {.width = 200, .height = 100})) ==
        std::pair{200, 100});
  CHECK_THROWS_AS(report::scatter_chart(pts, std::vector<uint8_t>{0, 1}), ShapeError);
  const std::vector<std::vector<float>> maps = {{0, 0, 1, 1, 2, 0.5f}, {2, 2, 1, 0, 0, 1}};
  CHECK(png_size(report::scatter_row(maps, labels, 120, 6)) == std::pair{2 * 120 + 6, 120});
  CHECK_THROWS_AS(report::scatter_row(maps, std::vector<uint8_t>{0, 1}), ShapeError);
  CHECK_THROWS_AS(report::scatter_row({}, labels), InputError);
  CHECK_THROWS_AS(report::scatter_row(maps, labels, 1 << 20), InputError);
  report::Series s;
  s.x = {1, 2, 3};
  s.y = {0.1, 0.01, 0.001};
  CHECK(is_png(report::line_chart({&s, 1}, {.log_y = true})));
  CHECK_THROWS_AS(report::encode_png(2, 2, 3, std::vector<uint8_t>(11)), ShapeError);
}

TEST_CASE("the canvas draws digits with its 3x5 font") {
  report::Canvas c(20, 10, {1, 1, 1});
  c.text(0, 0, "1", {0, 0, 0});
  // "1": rows 010 110 010 010 111
  const int on[5][3] = {{0, 1, 0}, {1, 1, 0}, {0, 1, 0}, {0, 1, 0}, {1, 1, 1}};
  for (int y = 0; y < 5; ++y)
    for (int x = 0; x < 3; ++x) CHECK((c.get(x, y).r < 0.5f) == bool(on[y][x]));
  CHECK(report::Canvas::text_width("10.5") == 15);
  c.line(0, 9, 19, 9, {1, 0, 0});
  CHECK(c.get(10, 9).r == 1.0f);
  CHECK(c.get(10, 9).g == 0.0f);
}

TEST_CASE("the writers put every figure and claim into report.md, report.html, metrics.json") {
  TempDir t;
  const fs::path out = t.dir / "rep";
  const report::StudyReport r = small_report();
  report::write_study(r, out);
  REQUIRE(fs::exists(out / "report.md"));
  REQUIRE(fs::exists(out / "figures" / "q1-tiny.png"));
  CHECK(slurp(out / "figures" / "q1-tiny.png") ==
        std::string(r.sections[0].figures[0].png.begin(), r.sections[0].figures[0].png.end()));
  const std::string md = slurp(out / "report.md");
  CHECK(md.find("1 of 2 claims passed (1 FAILED)") != std::string::npos);
  CHECK(md.find("| q1 | one is more than two | a = 1, b = 2 | FAILED |") != std::string::npos);
  CHECK(md.find("![q1-tiny.png](figures/q1-tiny.png)") != std::string::npos);
  const std::string html = slurp(out / "report.html");
  CHECK(html.find("<img alt=\"q1-tiny.png\" src=\"data:image/png;base64," +
                  report::base64(r.sections[0].figures[0].png) + "\">") != std::string::npos);
  CHECK(html.find("figures/") == std::string::npos);  // one file: nothing linked
  CHECK(html.find("Q1. A &lt;test&gt; section") != std::string::npos);
  CHECK(html.find("a <b>bold</b> claim with <code>code</code> &amp; more") != std::string::npos);
  const auto j = nlohmann::json::parse(slurp(out / "metrics.json"));
  CHECK(j["claims_total"] == 2);
  CHECK(j["claims_failed"] == 1);
  CHECK(j["sections"]["q1"]["claims"][1]["numbers"]["b"] == 2);
  CHECK(j["sections"]["q1"]["figures"][0]["file"] == "figures/q1-tiny.png");

  // A second report replaces the first whole; nothing temporary is left beside it.
  report::StudyReport r2 = small_report();
  r2.sections[0].figures[0].file = "q1-other.png";
  report::write_study(r2, out);
  CHECK(fs::exists(out / "figures" / "q1-other.png"));
  CHECK_FALSE(fs::exists(out / "figures" / "q1-tiny.png"));
  int entries = 0;
  for (const auto& e : fs::directory_iterator(t.dir)) entries += (void(e), 1);
  CHECK(entries == 1);
}

TEST_CASE("an output folder that cannot hold a report is refused before any work") {
  TempDir t;
  std::ofstream(t.dir / "file.txt") << "x";
  CHECK_THROWS_AS(report::check_output_dir(t.dir / "file.txt"), InputError);
  fs::create_directories(t.dir / "other");
  std::ofstream(t.dir / "other" / "notes.txt") << "mine";
  CHECK_THROWS_AS(report::check_output_dir(t.dir / "other"), InputError);
  CHECK_THROWS_AS(report::check_output_dir("/proc/aelab-report"), InputError);
  CHECK_NOTHROW(report::check_output_dir(t.dir / "new" / "deeper"));
  // The refused folder is untouched.
  CHECK(slurp(t.dir / "other" / "notes.txt") == "mine");
}

TEST_CASE("report options: sections in table order, unknown ones and bad seeds refused") {
  report::StudyOptions o;
  o.runs_db = "/tmp/x.sqlite";
  CHECK(report::selected_sections(o) == std::vector<std::string>{"q1", "q2a", "q2b"});
  o.sections = {"q2b", "q1"};
  CHECK(report::selected_sections(o) == std::vector<std::string>{"q1", "q2b"});
  o.sections = {"q1", "q3"};
  CHECK_THROWS_WITH(report::validate(o), Catch::Contains("unknown report section 'q3'"));
  o.sections = {};
  o.seeds = 0;
  CHECK_THROWS_AS(report::validate(o), InputError);
  o.seeds = 1;
  o.limit = 10;
  CHECK_THROWS_AS(report::validate(o), InputError);
  for (const report::SectionSpec& s : report::study_sections()) {
    CHECK(report::find_section(s.id) == &s);
    CHECK(s.run != nullptr);
  }
}

TEST_CASE("a run's config hash ignores its name and nothing else") {
  const nlohmann::json a = {{"seed", 0}, {"name", "x"}, {"model", {{"latent", 16}}}};
  nlohmann::json b = a;
  b["name"] = "y";
  CHECK(report::config_hash(a) == report::config_hash(b));
  CHECK(report::config_hash(a).size() == 16);
  b["seed"] = 1;
  CHECK(report::config_hash(a) != report::config_hash(b));
}
