// aelab report through the built binary on the default data dir's mnist-10k (a few hundred digits
// a split) and a private store: every file, figure and claim is there, the Q1 numbers are exact,
// a second report reuses every run, and bad input is refused with one line, exit 2, nothing
// written.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>

#include "runs/run_store.hpp"

namespace fs = std::filesystem;

namespace {

struct Out {
  int code;
  std::string out, err;
};

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

size_t lines(const std::string& s) {
  size_t n = 0;
  for (char c : s) n += c == '\n';
  return n;
}

struct Store {
  fs::path dir = fs::temp_directory_path() / ("aelab_cli_report_" + std::to_string(::getpid()));
  Store() {
    fs::remove_all(dir);
    fs::create_directories(dir);
  }
  ~Store() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  [[nodiscard]] fs::path db() const { return dir / "runs.sqlite"; }
  Out aelab(const std::string& args) const {
    std::string cmd = std::string("'") + AELAB_BINARY + "' --runs-db '" + db().string() + "' " +
                      args + " >'" + (dir / "out.txt").string() + "' 2>'" +
                      (dir / "err.txt").string() + "'";
    int rc = std::system(cmd.c_str());
    return {WIFEXITED(rc) ? WEXITSTATUS(rc) : -1, slurp(dir / "out.txt"), slurp(dir / "err.txt")};
  }
};

const char* kQuick = "report --quick --limit 300 --threads 2";

// Adam's climb with eps = 0 and |g| = 1, by hand: four steps of 0.3 (m_hat = -1), then the
// gradient turns +1 and m_hat_t = m_t / (1 - 0.9^t) with m_t = 0.9 m_{t-1} + 0.1.
double hand_h_star() {
  double m = -(1 - std::pow(0.9, 4));
  double x = 1.2;
  for (int t = 5; t <= 6; ++t) {
    m = 0.9 * m + 0.1;
    x -= 0.3 * m / (1 - std::pow(0.9, t));
  }
  REQUIRE(0.9 * m + 0.1 > 0);  // m_7 > 0: x6 is the top
  return x - 1;
}

}  // namespace

TEST_CASE("aelab report --quick writes every file, figure and claim, and a rerun reuses every run") {
  Store s;
  const fs::path out = s.dir / "rep";
  Out r = s.aelab(std::string(kQuick) + " --out '" + out.string() + "'");
  INFO(r.err);
  INFO(r.out);
  REQUIRE(r.code == 0);
  CHECK(r.out.find("wrote " + fs::absolute(out).string() + "/report.md") != std::string::npos);
  for (const char* f : {"report.md", "report.html", "metrics.json"})
    CHECK(fs::file_size(out / f) > 1000);

  const std::set<std::string> figures = {
      "q1-phase-map-adam.png",   "q1-phase-map-sgd.png", "q2a-curves.png",
      "q2a-reconstructions.png", "q2a-latent-2d.png",    "q2a-pca-16.png",
      "q2a-tsne-16.png",         "q2a-pca-256.png",      "q2a-tsne-256.png",
      "q2a-kmeans-16.png",       "q2a-kmeans-256.png",   "q2b-blur.png",
      "q2b-comparison.png",      "q2b-lambda-sweep.png"};
  std::set<std::string> written;
  for (const auto& e : fs::directory_iterator(out / "figures")) {
    written.insert(e.path().filename().string());
    CHECK(slurp(e.path()).substr(1, 3) == "PNG");
  }
  CHECK(written == figures);
  const std::string md = slurp(out / "report.md"), html = slurp(out / "report.html");
  size_t inline_figures = 0;
  for (size_t p = 0; (p = html.find("data:image/png;base64,", p)) != std::string::npos; ++p)
    ++inline_figures;
  CHECK(inline_figures == figures.size());
  for (const std::string& f : figures) CHECK(md.find("(figures/" + f + ")") != std::string::npos);
  CHECK(md.find("## Provenance") != std::string::npos);
  CHECK(md.find("dataset content hash") != std::string::npos);

  const auto j = nlohmann::json::parse(slurp(out / "metrics.json"));
  const std::map<std::string, size_t> claims_per_section = {{"q1", 5}, {"q2a", 5}, {"q2b", 5}};
  for (const auto& [id, n] : claims_per_section) {
    INFO(id);
    const auto& claims = j["sections"][id]["claims"];
    REQUIRE(claims.size() == n);
    for (const auto& c : claims) {
      CHECK(!c["text"].get<std::string>().empty());
      CHECK(c["passed"].is_boolean());
      CHECK(!c["numbers"].empty());
      CHECK(md.find(c["text"].get<std::string>()) != std::string::npos);
    }
  }
  CHECK(j["claims_total"] == 15);

  // Q1 is exact: the closed form against the hand computation, the bisection within 1e-6, the
  // GD cycle, and its claims passed.
  const auto& q1 = j["sections"]["q1"];
  const double h_star = q1["metrics"]["adam"]["h_star_closed_form"];
  CHECK(std::abs(h_star - hand_h_star()) < 1e-12);
  CHECK(q1["metrics"]["adam"]["peak_step"] == 6);
  CHECK(std::abs(q1["metrics"]["adam"]["h_max_bisection"].get<double>() - h_star) <= 1e-6);
  CHECK(std::abs(q1["metrics"]["gd"]["cycle"][0].get<double>() - 0.9) < 1e-12);
  CHECK(std::abs(q1["metrics"]["gd"]["cycle"][1].get<double>() - 1.2) < 1e-12);
  CHECK(q1["metrics"]["gd"]["period"] == 2);
  for (const auto& c : q1["claims"]) CHECK(c["passed"] == true);

  // Provenance names the runs with their config hashes; all trained by this report.
  const auto& prov = j["provenance"];
  CHECK(prov["dataset"]["name"] == "mnist-10k");
  CHECK(prov["dataset"]["content_hash"].get<std::string>().size() == 16);
  CHECK(!prov["git_commit"].get<std::string>().empty());
  REQUIRE(prov["runs"].size() >= 9);
  for (const auto& run : prov["runs"]) {
    CHECK(run["config_hash"].get<std::string>().size() == 16);
    CHECK(run["id"].get<int64_t>() > 0);
  }
  CHECK(prov["runs"][0]["reused"] == false);

  // A second report on the same store trains nothing.
  const fs::path out2 = s.dir / "rep2";
  Out r2 = s.aelab(std::string(kQuick) + " --sections q2a,q2b --out '" + out2.string() + "'");
  INFO(r2.err);
  REQUIRE(r2.code == 0);
  const auto j2 = nlohmann::json::parse(slurp(out2 / "metrics.json"));
  for (const auto& run : j2["provenance"]["runs"]) CHECK(run["reused"] == true);
  CHECK(j2["sections"]["q2a"]["metrics"]["by_latent"] ==
        j["sections"]["q2a"]["metrics"]["by_latent"]);

  // A matching run still running in another process (this one) is refused, nothing written.
  {
    aelab::runs::RunStore store = aelab::runs::RunStore::open(s.db());
    const auto runs = store.list_runs();
    const auto first_ae = std::find_if(runs.rbegin(), runs.rend(), [](const auto& x) {
      return x.kind == aelab::runs::RunKind::ae;
    });
    REQUIRE(first_ae != runs.rend());
    store.create_run(aelab::runs::RunKind::ae, "half-done", first_ae->config);
  }
  const fs::path out3 = s.dir / "rep3";
  Out r3 = s.aelab(std::string(kQuick) + " --sections q2a --out '" + out3.string() + "'");
  INFO(r3.err);
  CHECK(r3.code == 2);
  CHECK(lines(r3.err) == 1);
  CHECK(r3.err.find("still running") != std::string::npos);
  CHECK_FALSE(fs::exists(out3));
}

TEST_CASE("aelab report --sections clustering: the recipe against the study MLP, with claims") {
  Store s;
  const fs::path out = s.dir / "rep";
  Out r = s.aelab(std::string(kQuick) + " --sections clustering --out '" + out.string() + "'");
  INFO(r.err);
  INFO(r.out);
  REQUIRE(r.code == 0);
  std::set<std::string> written;
  for (const auto& e : fs::directory_iterator(out / "figures"))
    written.insert(e.path().filename().string());
  CHECK(written == std::set<std::string>{"clustering-kmeans.png", "clustering-pca.png"});
  const auto j = nlohmann::json::parse(slurp(out / "metrics.json"));
  const auto& sec = j["sections"]["clustering"];
  REQUIRE(sec["claims"].size() == 2);
  for (const auto& c : sec["claims"]) {
    CHECK(c["passed"].is_boolean());
    CHECK(c["numbers"].contains("recipe"));
  }
  const auto acc = sec["metrics"]["kmeans_accuracy"];
  REQUIRE(acc.size() == 1);
  CHECK(acc[0].get<double>() > 0.0);
  CHECK(acc[0].get<double>() <= 1.0);
  REQUIRE(sec["metrics"]["study_mlp_kmeans_accuracy"].size() == 1);
  // Two runs: the recipe (deep, MSE, refinement) and the study MLP at L = 16.
  REQUIRE(j["provenance"]["runs"].size() == 2);
  aelab::runs::RunStore store = aelab::runs::RunStore::open(s.db());
  const auto runs = store.list_runs();
  REQUIRE(runs.size() == 2);
  bool recipe = false, study = false;
  for (const auto& run : runs) {
    const auto& m = run.config["model"];
    recipe |= m.value("preset", "") == "deep" && run.config.value("cluster_epochs", 0) > 0;
    study |= m.value("preset", "") == "mlp" && m.value("latent", 0) == 16;
  }
  CHECK(recipe);
  CHECK(study);
}

TEST_CASE("aelab report refuses bad input with one line and exit 2, writing nothing") {
  Store s;
  const fs::path out = s.dir / "rep";
  const std::string o = " --out '" + out.string() + "'";
  struct Case {
    std::string args, says;
  };
  std::ofstream(s.dir / "a-file") << "x";
  for (const Case& c : std::vector<Case>{
           {"report --sections q1,q9" + o, "unknown report section 'q9'"},
           {"report --dataset mnist --data '" + (s.dir / "nothing").string() + "'" + o, "mnist"},
           {"report --dataset nosuch" + o, "nosuch"},
           {"report --seeds 0" + o, "--seeds"},
           {"report --out /proc/aelab-report", "cannot write"},
           {"report --out '" + (s.dir / "a-file").string() + "'", "is a file"},
       }) {
    INFO(c.args);
    Out r = s.aelab(c.args);
    INFO(r.err);
    CHECK(r.code == 2);
    CHECK(lines(r.err) == 1);
    CHECK(r.err.find(c.says) != std::string::npos);
    CHECK_FALSE(fs::exists(out));
  }
}
