// aelab kmeans / project through the built binary: bad input ends with exit code 2 and one line.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <vector>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace fs = std::filesystem;

namespace {

struct Run {
  int code;
  std::string err;
  std::string out;
};

Run aelab(const std::string& args) {
  const fs::path dir =
      fs::temp_directory_path() / ("aelab_cli_analysis_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const fs::path err = dir / "stderr.txt", out = dir / "stdout.txt";
  std::string cmd = std::string("'") + AELAB_BINARY + "' --data-dir '" + dir.string() + "' " +
                    args + " >'" + out.string() + "' 2>'" + err.string() + "'";
  int rc = std::system(cmd.c_str());
  auto slurp = [](const fs::path& p) {
    std::ifstream in(p);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  };
  return {WIFEXITED(rc) ? WEXITSTATUS(rc) : -1, slurp(err), slurp(out)};
}

size_t lines(const std::string& s) {
  size_t n = 0;
  for (char c : s) n += c == '\n';
  return n;
}

}  // namespace

TEST_CASE("aelab kmeans: bad input exits 2 with one line") {
  Run r = aelab("kmeans --run 42");
  CHECK(r.code == 2);
  CHECK(r.err.find("no run with id 42") != std::string::npos);
  CHECK(lines(r.err) == 1);

  r = aelab("kmeans");
  CHECK(r.code == 2);
  CHECK(r.err.find("exactly one of --run ID, --codes FILE or --pixels") != std::string::npos);

  r = aelab("kmeans --run 1 --pixels");
  CHECK(r.code == 2);

  // The data dir is empty: no dataset for the pixel baseline, with the way to get it.
  r = aelab("kmeans --pixels");
  CHECK(r.code == 2);
  CHECK(lines(r.err) >= 1);
}

TEST_CASE("aelab project: bad input exits 2 with one line") {
  Run r = aelab("project --run 7 --method pca");
  CHECK(r.code == 2);
  CHECK(r.err.find("no run with id 7") != std::string::npos);
  r = aelab("project --run 7 --method umap");
  CHECK(r.code == 2);
  CHECK(r.err.find("pca or tsne") != std::string::npos);
  CHECK(lines(r.err) == 1);
}

namespace {

fs::path work_dir() {
  const fs::path dir =
      fs::temp_directory_path() / ("aelab_cli_analysis_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  return dir;
}

void write_file(const fs::path& p, const std::string& text) {
  std::ofstream f(p, std::ios::binary | std::ios::trunc);
  f << text;
  REQUIRE(f.good());
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Two tight, far apart groups of 20 points in 3-D: label = group.
std::string two_groups_csv(bool header) {
  std::string csv = header ? "index,split,label,z0,z1,z2\n" : "";
  for (int i = 0; i < 40; ++i) {
    const int g = i % 2;
    const double off = g ? 10.0 : -10.0;
    char line[128];
    std::snprintf(line, sizeof line, "%s%d,%.3f,%.3f,%.3f\n",
                  header ? (std::to_string(i) + ",test,").c_str() : "", g, off + 0.01 * (i % 7),
                  -off + 0.02 * (i % 5), 0.03 * (i % 3));
    csv += line;
  }
  return csv;
}

}  // namespace

TEST_CASE("aelab project --codes: anyone's CSV to a 2-D map, scored by aelab knn") {
  const fs::path dir = work_dir();
  write_file(dir / "ours.csv", two_groups_csv(true));
  Run r = aelab("project --codes '" + (dir / "ours.csv").string() + "' --method pca --out '" +
                (dir / "map.csv").string() + "'");
  REQUIRE(r.code == 0);
  const std::string map = read_file(dir / "map.csv");
  CHECK(map.rfind("x,y,label\n", 0) == 0);
  CHECK(lines(map) == 41);
  r = aelab("knn --map '" + (dir / "map.csv").string() + "' --k 5");
  CHECK(r.code == 0);

  // No header: the label column by index; t-SNE on 40 points at perplexity 5.
  write_file(dir / "bare.csv", two_groups_csv(false));
  r = aelab("project --codes '" + (dir / "bare.csv").string() +
            "' --labels-column 0 --method tsne --perplexity 5 --iterations 300 --out '" +
            (dir / "tsne.npy").string() + "'");
  REQUIRE(r.code == 0);
  const std::string npy = read_file(dir / "tsne.npy");
  CHECK(npy.find("'shape': (40, 2)") != std::string::npos);
  CHECK(npy.size() == 128 + 40 * 2 * 4);
}

TEST_CASE("aelab project --codes / knn: malformed input exits 2 with one line") {
  const fs::path dir = work_dir();
  write_file(dir / "ragged.csv", "1,2,3\n4,5\n");
  Run r = aelab("project --codes '" + (dir / "ragged.csv").string() + "'");
  CHECK(r.code == 2);
  CHECK(r.err.find("line 2 has 2 fields") != std::string::npos);
  CHECK(lines(r.err) == 1);

  write_file(dir / "junk.npy", "not numpy at all");
  r = aelab("project --codes '" + (dir / "junk.npy").string() + "'");
  CHECK(r.code == 2);
  CHECK(r.err.find("bad magic") != std::string::npos);
  CHECK(lines(r.err) == 1);

  r = aelab("project --codes '" + (dir / "ragged.dat").string() + "'");
  CHECK(r.code == 2);
  CHECK(r.err.find("--format csv|npy") != std::string::npos);

  r = aelab("project --codes '" + (dir / "ragged.csv").string() + "' --format xls");
  CHECK(r.code == 2);
  CHECK(r.err.find("csv or npy") != std::string::npos);

  r = aelab("project --run 3 --codes '" + (dir / "ragged.csv").string() + "'");
  CHECK(r.code == 2);
  CHECK(r.err.find("exactly one of --run ID or --codes FILE") != std::string::npos);

  write_file(dir / "three.csv", "x,y,z,label\n1,2,3,0\n4,5,6,1\n");
  r = aelab("knn --map '" + (dir / "three.csv").string() + "'");
  CHECK(r.code == 2);
  CHECK(r.err.find("2 columns") != std::string::npos);
  CHECK(lines(r.err) == 1);
}

TEST_CASE("aelab kmeans --repeat: the fastest run, the first apart, one answer") {
  const fs::path dir = work_dir();
  write_file(dir / "groups.csv", two_groups_csv(true));
  const std::string codes = "kmeans --codes '" + (dir / "groups.csv").string() + "' --k 2";
  Run r = aelab(codes + " --repeat 4 --json");
  REQUIRE(r.code == 0);
  const nlohmann::json j = nlohmann::json::parse(r.out);
  REQUIRE(j.at("seconds_each").size() == 4);
  std::vector<double> each;
  for (size_t i = 0; i < 4; ++i) each.push_back(j["seconds_each"][i].get<double>());
  CHECK(j.at("seconds").get<double>() == *std::min_element(each.begin(), each.end()));
  CHECK(j.at("first_seconds").get<double>() == j["seconds_each"][0].get<double>());
  CHECK(j.at("repeat") == 4);
  CHECK(j.at("matched_accuracy").get<double>() == 1.0);  // two far apart groups

  // One run: no repeat fields, the seconds of that run.
  r = aelab(codes + " --json");
  REQUIRE(r.code == 0);
  CHECK_FALSE(nlohmann::json::parse(r.out).contains("seconds_each"));

  for (const char* bad : {" --repeat 0", " --repeat 101", " --repeat two"}) {
    r = aelab(codes + bad);
    CHECK(r.code == 2);
    CHECK(r.err.find("--repeat") != std::string::npos);
    CHECK(lines(r.err) == 1);
  }
}

TEST_CASE("aelab kmeans: the confusion rows are named for the dataset the labels are of") {
  const fs::path dir = work_dir();
  write_file(dir / "groups.csv", two_groups_csv(true));  // labels 0 and 1
  const std::string codes = "kmeans --codes '" + (dir / "groups.csv").string() + "' --k 2";
  Run r = aelab(codes + " --dataset fashion");
  REQUIRE(r.code == 0);
  CHECK_THAT(r.out, Catch::Contains("confusion (rows: class,"));
  CHECK_THAT(r.out, Catch::Contains("\n  T-shirt/top : "));
  CHECK_THAT(r.out, Catch::Contains("\n  trouser     : "));
  // A codes file alone does not say whose labels it has: plain classes.
  r = aelab(codes);
  REQUIRE(r.code == 0);
  CHECK_THAT(r.out, Catch::Contains("confusion (rows: class,"));
  CHECK_THAT(r.out, Catch::Contains("\n  1 : "));
  r = aelab(codes + " --dataset mnist-10k");
  CHECK_THAT(r.out, Catch::Contains("confusion (rows: digit,"));
}
