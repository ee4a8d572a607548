#include "train/run_model.hpp"

#include <cstdio>
#include <fstream>
#include <system_error>

#include "core/error.hpp"
#include "core/rng.hpp"
#include "data/blur.hpp"
#include "nn/params.hpp"

namespace aelab::train {

namespace {

std::string run_label(const runs::RunSummary& s) {
  return "run " + std::to_string(s.id) + " (" + s.name + ")";
}

// Why a run of this status has no final weights, for the refusal.
std::string why_no_weights(runs::RunStatus status) {
  switch (status) {
    case runs::RunStatus::running:
      return "it is still training; they are stored when it finishes";
    case runs::RunStatus::finished:
      return "they are missing from the store";
    default:
      return "it ended " + std::string(runs::to_string(status)) + " before saving them";
  }
}

bool has_blob(const std::vector<runs::BlobInfo>& blobs, const char* name) {
  for (const runs::BlobInfo& b : blobs)
    if (b.name == name) return true;
  return false;
}

}  // namespace

// [SECTION] Datasets

DatasetRequest dataset_request(int64_t run_id, const nlohmann::json& c, int64_t limit) {
  DatasetRequest r;
  r.run_id = run_id;
  r.limit = limit;
  r.name = data::kDefaultDataset;
  if (c.is_object()) {
    if (c.contains("dataset") && c["dataset"].is_string()) r.name = c["dataset"].get<std::string>();
    r.source = data_source_from_json(c.value("data_source", nlohmann::json::object()));
  }
  return r;
}

data::Dataset load_requested_dataset(const DatasetRequest& r,
                                     const std::filesystem::path& data_dir) {
  const std::filesystem::path source_dir = source_dir_of(r.source);
  const std::string whose = "run " + std::to_string(r.run_id) + "'s dataset '" + r.name + "'";
  data::Dataset ds;
  try {
    ds = data::load_dataset(r.name, data_dir, source_dir, r.limit);
  } catch (const InputError& e) {
    // The loader's advice after "; " may name training's --data flag, which the commands that
    // analyse a run do not have: the run's directory is where its files belong.
    std::string why = e.what();
    if (why.find("--data") == std::string::npos) throw;
    why = why.substr(0, why.find("; "));
    const std::string dir =
        source_dir.empty() ? data::dataset_dir(r.name, data_dir).string() : r.source.dir;
    throw InputError(whose + " cannot be read from " + dir + " (" + why +
                     "); put its files back there");
  }
  if (!r.source.hash.empty()) {
    const std::string now = content_hash(data::dataset_dir(r.name, data_dir, source_dir));
    if (now != r.source.hash)
      throw InputError(whose + " has changed since it trained: the files in " +
                       data::dataset_dir(r.name, data_dir, source_dir).string() + " hash to " +
                       (now.empty() ? "nothing" : now) + ", not " + r.source.hash);
  }
  return ds;
}

DatasetSource datasets_from(const std::filesystem::path& data_dir) {
  return [data_dir](const DatasetRequest& r) {
    return std::make_shared<const data::Dataset>(load_requested_dataset(r, data_dir));
  };
}

DatasetSource datasets_fixed(const data::Dataset& ds, int64_t limit) {
  return [&ds, limit](const DatasetRequest& r) {
    const std::string& name = r.name;
    const int64_t want_limit = r.limit;
    if (name != ds.name || want_limit != limit)
      throw InputError("the run was trained on '" + name + "' (limit " +
                       std::to_string(want_limit) + "), not on the '" + ds.name + "' (limit " +
                       std::to_string(limit) + ") given");
    return std::shared_ptr<const data::Dataset>(std::shared_ptr<const data::Dataset>(), &ds);
  };
}

// [SECTION] Loading

runs::RunRecord check_autoencoder_run(const runs::RunStore& store, int64_t run_id) {
  if (run_id <= 0)
    throw InputError("a run id must be > 0, got " + std::to_string(run_id) +
                     " (see aelab runs list)");
  if (!store.has_run(run_id))
    throw InputError("no run with id " + std::to_string(run_id) + " in " + store.path().string() +
                     " (see aelab runs list)");
  runs::RunRecord rec = store.get_run(run_id);
  if (!runs::is_autoencoder(rec.summary.kind))
    throw InputError(run_label(rec.summary) + " is a '" +
                     std::string(runs::to_string(rec.summary.kind)) +
                     "' run, not an autoencoder (ae or adv_ae)");
  if (!has_blob(store.list_checkpoints(run_id), kFinalCheckpoint))
    throw InputError(run_label(rec.summary) +
                     " has no final weights: " + why_no_weights(rec.summary.status));
  return rec;
}

RunModel load_run_model(const runs::RunStore& store, int64_t run_id) {
  runs::RunRecord rec = check_autoencoder_run(store, run_id);
  RunModel r;
  r.summary = rec.summary;
  r.config = ae_config_from_json(rec.config);
  r.weights = runs::values_of(store.load_checkpoint(run_id, kFinalCheckpoint));
  try {
    r.model = make_autoencoder(r.config, r.weights);
  } catch (const ShapeError& e) {
    throw InputError(run_label(rec.summary) + ": its final weights do not fit its model (" +
                     e.what() + ")");
  }
  return r;
}

RunModel load_run_codes(const runs::RunStore& store, int64_t run_id,
                        const DatasetSource& datasets) {
  RunModel r = load_run_model(store, run_id);
  r.dataset = datasets(dataset_request(run_id, r.summary.config, r.config.limit));
  const int64_t m = r.dataset->test_images.dim(0), l = r.config.model.latent;
  if (has_blob(store.list_artefacts(run_id), kTestCodesArtefact)) {
    runs::NamedTensors t = store.load_tensor_artefact(run_id, kTestCodesArtefact);
    if (!t.empty() && t.front().value.shape() == Shape{m, l})
      r.test_codes = std::move(t.front().value);
  }
  if (r.test_codes.numel() == 0) {  // none stored, or not of this dataset: encode them now
    r.test_codes = encode_all(*r.model, model_input(r.config, r.dataset->test_images));
    r.codes_reencoded = true;
  }
  return r;
}

RunModel load_run_codes(const std::filesystem::path& runs_db, const std::filesystem::path& data_dir,
                        int64_t run_id) {
  return load_run_codes(runs::RunStore::open(runs_db), run_id, datasets_from(data_dir));
}

std::unique_ptr<models::Autoencoder> make_autoencoder(const AeTrainConfig& config,
                                                      const std::vector<Tensor>& weights) {
  Rng rng(config.seed);
  auto ae = std::make_unique<models::Autoencoder>(config.model, rng);
  load_weights(*ae, weights);
  return ae;
}

void load_weights(models::Autoencoder& ae, const std::vector<Tensor>& weights) {
  const size_t n_enc = ae.encoder().params().size();
  if (weights.size() != n_enc + ae.decoder().params().size())
    throw ShapeError("weights: " + std::to_string(weights.size()) + " tensors for a model with " +
                     std::to_string(ae.params().size()));
  nn::load_values(ae.encoder(), std::vector<Tensor>(weights.begin(), weights.begin() + n_enc));
  nn::load_values(ae.decoder(), std::vector<Tensor>(weights.begin() + n_enc, weights.end()));
}

Tensor model_input(const AeTrainConfig& config, const Tensor& images) {
  return config.deblur ? data::gaussian_blur(images, config.blur) : images;
}

// [SECTION] Codes of a split, and as CSV

const char* split_name(Split split) {
  return split == Split::train ? "train" : "test";
}

Split parse_split(std::string_view text) {
  if (text == "train") return Split::train;
  if (text == "test") return Split::test;
  throw InputError("split must be test or train, not '" + std::string(text) + "'");
}

SplitCodes split_codes(RunModel& run, Split split) {
  if (!run.dataset || !run.model)
    throw std::logic_error("split_codes needs a run from load_run_codes");
  SplitCodes out;
  out.split = split;
  if (split == Split::test) {
    out.codes = run.test_codes;
    out.labels = run.dataset->test_labels;
  } else {
    out.codes = encode_all(*run.model, model_input(run.config, run.dataset->train_images));
    out.labels = run.dataset->train_labels;
  }
  return out;
}

std::string codes_csv(const SplitCodes& c) {
  if (c.codes.rank() != 2 || c.codes.dim(0) != static_cast<int64_t>(c.labels.size()))
    throw InputError("codes: " + std::to_string(c.codes.rank() == 2 ? c.codes.dim(0) : 0) +
                     " codes for " + std::to_string(c.labels.size()) + " labels");
  const int64_t m = c.codes.dim(0), l = c.codes.dim(1);
  std::string csv = "index,split,label";
  for (int64_t j = 0; j < l; ++j) csv += ",z" + std::to_string(j);
  csv += "\n";
  const std::string split = split_name(c.split);
  char num[32];
  for (int64_t i = 0; i < m; ++i) {
    csv += std::to_string(i) + "," + split + "," + std::to_string(int(c.labels[i]));
    for (int64_t j = 0; j < l; ++j) {
      std::snprintf(num, sizeof num, ",%.9g", double(c.codes[i * l + j]));
      csv += num;
    }
    csv += "\n";
  }
  return csv;
}

void write_codes_csv(const std::filesystem::path& path, const SplitCodes& codes) {
  const std::string csv = codes_csv(codes);
  std::error_code ec;
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path(), ec);
  // Written beside the target and renamed over it: a failed write leaves the old file.
  const std::filesystem::path tmp = path.string() + ".tmp";
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    if (!(f << csv) || !f.flush()) {
      std::filesystem::remove(tmp, ec);
      throw InputError(path.string() + ": cannot write the CSV");
    }
  }
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    const std::string why = ec.message();
    std::filesystem::remove(tmp, ec);
    throw InputError(path.string() + ": cannot write the CSV (" + why + ")");
  }
}

}  // namespace aelab::train
