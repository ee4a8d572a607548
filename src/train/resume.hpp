#pragma once
// `aelab train resume ID` and the window's Resume: one entry point over every trained kind (ae,
// adv_ae, disnet, classifier). The caller checks the run (cheap), loads the dataset the run names,
// then resumes it inside a Job.
//
//   const train::ResumeTarget t = train::check_resume(store, id);   // InputError: one line
//   data::Dataset ds = train::load_requested_dataset(t.data, data_dir);  // where it recorded
//   train::ResumedRun r = train::resume_run(id, ds, runs_db, ctx);
#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "data/dataset.hpp"
#include "runs/run_store.hpp"
#include "train/ae_trainer.hpp"
#include "train/classifier_trainer.hpp"
#include "train/disnet_trainer.hpp"
#include "train/job.hpp"
#include "train/run_model.hpp"

namespace aelab::train {

struct ResumeTarget {
  runs::RunSummary summary;
  DatasetRequest data;  // the run's dataset, limit and recorded source
};
// InputError as check_resumable_run says (unknown, finished, running, diverged); a
// run with no checkpoint is resumed from its start.
[[nodiscard]] ResumeTarget check_resume(const runs::RunStore& store, int64_t run_id);

struct ResumedRun {
  runs::RunKind kind = runs::RunKind::ae;
  AeResult ae;  // the member for `kind`
  DisNetResult disnet;
  ClassifierResult classifier;
};
// Continues the run with its kind's trainer (resume_autoencoder, resume_disnet,
// resume_classifier) to the result of a straight run with the same seed and threads.
ResumedRun resume_run(int64_t run_id, const data::Dataset& dataset,
                      const std::filesystem::path& runs_db, JobContext& ctx);

}  // namespace aelab::train
