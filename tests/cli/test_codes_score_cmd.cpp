// aelab codes / score through the built binary: refusals exit 2 with one line, checked before
// any dataset loads (the data dir here is empty).
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "runs/run_store.hpp"

namespace fs = std::filesystem;

namespace {

struct Run {
  int code;
  std::string err;
};

fs::path scratch() {
  const fs::path dir =
      fs::temp_directory_path() / ("aelab_cli_codes_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  return dir;
}

Run run_aelab(const std::string& args) {
  const fs::path dir = scratch(), err = dir / "stderr.txt";
  const std::string cmd = std::string("'") + AELAB_BINARY + "' --data-dir '" + dir.string() + "' " +
                          args + " >/dev/null 2>'" + err.string() + "'";
  const int rc = std::system(cmd.c_str());
  std::ifstream in(err);
  std::stringstream ss;
  ss << in.rdbuf();
  return {WIFEXITED(rc) ? WEXITSTATUS(rc) : -1, ss.str()};
}

size_t lines(const std::string& s) {
  size_t n = 0;
  for (char c : s) n += c == '\n';
  return n;
}

// A finished dis_net run and an autoencoder run cancelled before it saved weights, in the store
// the commands read (<data dir>/runs.sqlite).
struct Store {
  int64_t disnet = 0, no_weights = 0;
  Store() {
    const fs::path db = scratch() / "runs.sqlite";
    for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(db.string() + suffix);
    aelab::runs::RunStore store = aelab::runs::RunStore::open(db);
    disnet =
        store.create_run(aelab::runs::RunKind::disnet, "disnet-s1.5-k7", {{"blur", {{"sigma", 1.5}, {"kernel", 7}}}});
    store.finish_run(disnet, aelab::runs::RunStatus::finished, "", {});
    no_weights =
        store.create_run(aelab::runs::RunKind::ae, "mlp-L2-l1", {{"model", {{"preset", "mlp"}, {"latent", 2}}}});
    store.finish_run(no_weights, aelab::runs::RunStatus::cancelled, "cancelled", {});
  }
};

}  // namespace

TEST_CASE("aelab codes: bad input exits 2 with one line") {
  const Store s;
  Run r = run_aelab("codes --run 42");
  CHECK(r.code == 2);
  CHECK(r.err.find("no run with id 42") != std::string::npos);
  CHECK(lines(r.err) == 1);
  r = run_aelab("codes --run " + std::to_string(s.disnet));
  CHECK(r.code == 2);
  CHECK(r.err.find("not an autoencoder") != std::string::npos);
  CHECK(lines(r.err) == 1);
  r = run_aelab("codes --run " + std::to_string(s.no_weights));
  CHECK(r.code == 2);
  CHECK(r.err.find("no final weights") != std::string::npos);
  CHECK(r.err.find("cancelled") != std::string::npos);
  r = run_aelab("codes --run " + std::to_string(s.no_weights) + " --split validation");
  CHECK(r.code == 2);
  CHECK(r.err.find("test or train") != std::string::npos);
  CHECK(lines(r.err) == 1);
}

TEST_CASE("aelab score: a --run that is not an autoencoder, or a missing dis_net, exits 2") {
  const Store s;
  Run r = run_aelab("score --disnet " + std::to_string(s.disnet) + " --run " +
                    std::to_string(s.disnet));
  CHECK(r.code == 2);
  CHECK(r.err.find("not an autoencoder") != std::string::npos);
  CHECK(lines(r.err) == 1);
  r = run_aelab("score --disnet " + std::to_string(s.disnet) + " --run " +
                std::to_string(s.no_weights));
  CHECK(r.code == 2);
  CHECK(r.err.find("no final weights") != std::string::npos);
  r = run_aelab("score --disnet " + std::to_string(s.no_weights));
  CHECK(r.code == 2);
  CHECK(r.err.find("not a dis_net") != std::string::npos);
  r = run_aelab("score --disnet 77");
  CHECK(r.code == 2);
  CHECK(lines(r.err) == 1);
  r = run_aelab("score --disnet " + std::to_string(s.disnet) + " --kernel 4");
  CHECK(r.code == 2);
  CHECK(r.err.find("kernel") != std::string::npos);
}
