// Where a run's data came from: `aelab train ... --dataset mnist --data DIR` records DIR and a
// content hash of its files; kmeans / project / codes / compare / train resume on the run read
// them from there with no flag retyped, and refuse in one line (exit 2, never advising a flag
// the command lacks) when the files are gone or changed. A dataset with an empty split never
// trains (exit 2, one line, no run recorded).
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "cli/cli_test_util.hpp"
#include "data/idx.hpp"
#include "runs/run_store.hpp"

namespace fs = std::filesystem;
using namespace aelab;

namespace {

using test::lines;
using test::Out;
using test::slurp;

// A private data dir (no datasets in it) and its store.
struct Lab {
  fs::path dir = fs::temp_directory_path() / ("aelab_cli_source_" + std::to_string(::getpid()));
  Lab() { fs::create_directories(dir / "data"); }
  ~Lab() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  Out aelab(const std::string& args) const {
    const std::string cmd = std::string("'") + AELAB_BINARY + "' --data-dir '" +
                            (dir / "data").string() + "' " + args + " >'" +
                            (dir / "out.txt").string() + "' 2>'" + (dir / "err.txt").string() + "'";
    const int rc = std::system(cmd.c_str());
    return {WIFEXITED(rc) ? WEXITSTATUS(rc) : -1, slurp(dir / "out.txt"), slurp(dir / "err.txt")};
  }
  [[nodiscard]] fs::path db() const { return dir / "data" / "runs.sqlite"; }
};

// Four IDX files of n_train and n_test images (two classes of bright squares, a pixel offset
// `shade` apart, so two sets can be told apart by their bytes).
void write_idx_set(const fs::path& dir, int n_train, int n_test, uint8_t shade = 200) {
  fs::create_directories(dir);
  auto write = [&](const std::string& images, const std::string& labels, int n) {
    std::vector<uint8_t> px(static_cast<size_t>(n) * 784, 0), lab(static_cast<size_t>(n));
    for (int i = 0; i < n; ++i) {
      lab[size_t(i)] = uint8_t(i % 2);
      for (int r = 0; r < 28; ++r)
        for (int c = 0; c < 28; ++c) {
          const bool on = i % 2 ? (r >= 14 && c >= 14) : (r < 14 && c < 14);
          px[size_t(i) * 784 + size_t(r) * 28 + size_t(c)] = on ? uint8_t(shade + i % 7) : 0;
        }
    }
    data::write_idx_images(dir / images, px, n);
    data::write_idx_labels(dir / labels, lab);
  };
  write("train-images-idx3-ubyte", "train-labels-idx1-ubyte", n_train);
  write("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte", n_test);
}

void require_one_line_refusal(const Out& o, const std::string& contains) {
  INFO(o.err);
  CHECK(o.code == 2);
  CHECK(lines(o.err) == 1);
  CHECK(o.err.find(contains) != std::string::npos);
  CHECK(o.err.find("--data") == std::string::npos);  // no flag the command does not have
}

}  // namespace

TEST_CASE("runs record their data source and analysis commands use it") {
  Lab lab;
  const fs::path idx = lab.dir / "my-mnist";
  write_idx_set(idx, 48, 24);
  Out t = lab.aelab("train ae --dataset mnist --data '" + idx.string() +
                    "' --epochs 1 --latent 2 --threads 1 --batch 16 --json");
  INFO(t.err);
  REQUIRE(t.code == 0);
  const int64_t id = nlohmann::json::parse(t.out.substr(t.out.rfind('{'))).at("run_id");
  {
    runs::RunStore store = runs::RunStore::open(lab.db());
    const nlohmann::json src = store.get_summary(id).config.at("data_source");
    CHECK(fs::path(src.at("dir").get<std::string>()) == fs::absolute(idx).lexically_normal());
    CHECK(src.at("given").get<bool>());
    CHECK(src.at("hash").get<std::string>().size() == 16);
  }
  // The default place (<data dir>/datasets/mnist) holds nothing: only the recorded one works.
  Out k = lab.aelab("kmeans --run " + std::to_string(id) + " --k 2 --json");
  INFO(k.err);
  CHECK(k.code == 0);
  Out c = lab.aelab("codes --run " + std::to_string(id));
  CHECK(c.code == 0);
  CHECK(lines(c.out) == 1 + 24);  // header and one row per test image
  Out p = lab.aelab("project --run " + std::to_string(id));
  CHECK(p.code == 0);

  // Other files under the same name: refused, not silently analysed.
  write_idx_set(idx, 48, 24, 100);
  require_one_line_refusal(lab.aelab("kmeans --run " + std::to_string(id) + " --k 2"),
                           "has changed since it trained");
  // Gone: refused, naming the directory.
  fs::remove_all(idx);
  require_one_line_refusal(lab.aelab("codes --run " + std::to_string(id)), idx.string());
}

TEST_CASE("a dataset with an empty split is refused before any run is recorded") {
  Lab lab;
  const fs::path no_test = lab.dir / "no-test", no_train = lab.dir / "no-train";
  write_idx_set(no_test, 32, 0);
  write_idx_set(no_train, 0, 16);
  for (const std::string kind : {"ae --latent 2", "disnet", "classifier"}) {
    for (const fs::path& d : {no_test, no_train}) {
      Out o = lab.aelab("train " + kind + " --dataset mnist --data '" + d.string() +
                        "' --epochs 1 --threads 1");
      INFO(kind << " on " << d << ": " << o.err);
      CHECK(o.code == 2);
      CHECK(lines(o.err) == 1);
      CHECK(o.err.find("training needs both splits") != std::string::npos);
    }
  }
  if (fs::exists(lab.db())) CHECK(runs::RunStore::open(lab.db()).list_runs().empty());
}
