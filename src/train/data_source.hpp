#pragma once
// Where a run's data came from (DESIGN.md "The run store"): recorded in its config as
// "data_source", so `aelab kmeans | project | codes | score | compare` and the window's explorer
// load the same files later without any flag retyped, and notice when they changed.
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

namespace aelab::train {

struct DataSource {
  std::string dir;     // absolute directory the dataset's files were read from
  bool given = false;  // the user named it (--data DIR); else the dataset's default place
  std::string hash;    // content_hash of the files
  [[nodiscard]] bool empty() const { return dir.empty(); }
};

[[nodiscard]] nlohmann::json to_json(const DataSource& s);
// {} or absent members: an empty source (a run recorded before sources were).
[[nodiscard]] DataSource data_source_from_json(const nlohmann::json& j);

// The source load_dataset(name, data_dir, source_dir) reads: its directory and the hash of its
// files. An unknown dataset name is an InputError (as load_dataset's).
[[nodiscard]] DataSource describe_data_source(const std::string& name,
                                              const std::filesystem::path& data_dir,
                                              const std::filesystem::path& source_dir = {});

// FNV-1a 64 (hex) over the name, size and bytes of every regular file in `dir` whose name starts
// with "train-" or "t10k-" (the IDX files, plain or .gz), in name order. "" when there are none.
[[nodiscard]] std::string content_hash(const std::filesystem::path& dir);

// What to pass load_dataset as source_dir for a run recorded with `s`: its directory when the
// user gave one, else empty (the dataset's default place under the current data dir).
[[nodiscard]] std::filesystem::path source_dir_of(const DataSource& s);

}  // namespace aelab::train
