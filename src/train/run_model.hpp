#pragma once
// A stored autoencoder run as everything downstream wants it: its summary and config, its final
// weights in a ready model, its dataset and the test-set codes. The latent explorer, the k-means
// view, `aelab kmeans | project | codes`, the comparison and dis_net scoring all load a run
// through here, so they accept and refuse the same runs with the same words.
//
// Which runs: kind "ae" or "adv_ae" (runs::is_autoencoder), in any status, as long as the run has
// its final weights. Codes come from the stored `test_codes` artefact; a run without it (or with
// codes that do not fit) is re-encoded from its weights.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "data/dataset.hpp"
#include "models/autoencoder.hpp"
#include "runs/run_store.hpp"
#include "train/ae_trainer.hpp"

namespace aelab::train {

// [SECTION] Names in the store

// Kinds are runs::RunKind (runs::is_autoencoder: ae or adv_ae); blob names are
// runs::kFinalCheckpoint and runs::kTestCodesArtefact.
using runs::kFinalCheckpoint;
using runs::kTestCodesArtefact;

// [SECTION] Datasets

// What a run asks for: its dataset, limit and recorded source (train/data_source.hpp).
struct DatasetRequest {
  std::string name;
  int64_t limit = 0;
  DataSource source;   // empty for runs recorded before sources were
  int64_t run_id = 0;  // for messages
};
// The request a run's config makes (its "dataset", "limit" and "data_source").
[[nodiscard]] DatasetRequest dataset_request(int64_t run_id, const nlohmann::json& run_config,
                                             int64_t limit);

// Where a run's dataset comes from: a request -> the dataset (InputError as data::load_dataset).
// The window passes its cache; the CLI and the tests datasets_from().
using DatasetSource =
    std::function<std::shared_ptr<const data::Dataset>(const DatasetRequest& request)>;
// Loads on every call with load_requested_dataset.
[[nodiscard]] DatasetSource datasets_from(const std::filesystem::path& data_dir);
// The run's dataset read from the directory it recorded when the user named one at training
// (else from the dataset's place under data_dir), refused in one line when those files are gone
// or have changed since (content hash), never with advice to pass a flag.
[[nodiscard]] data::Dataset load_requested_dataset(const DatasetRequest& request,
                                                   const std::filesystem::path& data_dir);
// Always `ds` (shared, not copied; it must outlive the source's use), InputError when a run asks
// for another dataset or limit than ds has.
[[nodiscard]] DatasetSource datasets_fixed(const data::Dataset& ds, int64_t limit = 0);

// [SECTION] Loading

struct RunModel {
  runs::RunSummary summary;
  AeTrainConfig config;
  std::vector<Tensor> weights;                   // Autoencoder::params() order ("final")
  std::unique_ptr<models::Autoencoder> model;    // built from config, holding weights
  std::shared_ptr<const data::Dataset> dataset;  // load_run_codes only
  Tensor test_codes;                             // load_run_codes only: (M, L) of the test split
  bool codes_reencoded = false;                  // no usable stored codes: encoded here
};

// The run's record after the checks load_run_model makes, without reading any weights (cheap; for
// refusing early). InputError: run_id <= 0, no such run, not an autoencoder, no final weights
// (the message says why: still training, or ended cancelled / diverged / ... before saving them).
[[nodiscard]] runs::RunRecord check_autoencoder_run(const runs::RunStore& store, int64_t run_id);
// Summary, config, weights and model.
[[nodiscard]] RunModel load_run_model(const runs::RunStore& store, int64_t run_id);
// ... and the dataset (from `datasets`, with the run's dataset name and limit) and the test codes.
[[nodiscard]] RunModel load_run_codes(const runs::RunStore& store, int64_t run_id,
                                      const DatasetSource& datasets);
// The same, opening the store at runs_db and loading datasets from data_dir.
[[nodiscard]] RunModel load_run_codes(const std::filesystem::path& runs_db,
                                      const std::filesystem::path& data_dir, int64_t run_id);

// A model for `config` holding `weights` (params() order; ShapeError when they do not fit).
[[nodiscard]] std::unique_ptr<models::Autoencoder> make_autoencoder(
    const AeTrainConfig& config, const std::vector<Tensor>& weights);
// Loads weights into an existing model (keeps its oneDNN primitives; ShapeError as above).
void load_weights(models::Autoencoder& ae, const std::vector<Tensor>& weights);

// What the run's encoder is fed for `images`: the images, blurred with the run's blur for a
// deblurring run.
[[nodiscard]] Tensor model_input(const AeTrainConfig& config, const Tensor& images);

// [SECTION] Codes of a split, and as CSV

enum class Split { train, test };
[[nodiscard]] const char* split_name(Split split);       // "train", "test"
[[nodiscard]] Split parse_split(std::string_view text);  // InputError on anything else

struct SplitCodes {
  Split split = Split::test;
  Tensor codes;                     // (M, L)
  std::span<const uint8_t> labels;  // M, into the run's dataset
};
// Test: the run's test codes; train: the training split encoded now. `run` from load_run_codes.
[[nodiscard]] SplitCodes split_codes(RunModel& run, Split split);

// "index,split,label,z0,...,z{L-1}", then one line per code (index within the split, codes with
// 9 significant digits: float round-trips). InputError when labels and codes disagree in length.
[[nodiscard]] std::string codes_csv(const SplitCodes& codes);
// Writes codes_csv to path (replacing it); InputError naming the path when it cannot.
void write_codes_csv(const std::filesystem::path& path, const SplitCodes& codes);

}  // namespace aelab::train
