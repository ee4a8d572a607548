#include "train/resume.hpp"

#include "core/error.hpp"
#include "train/run_checkpoint.hpp"

namespace aelab::train {

ResumeTarget check_resume(const runs::RunStore& store, int64_t run_id) {
  ResumeTarget t;
  t.summary = check_resumable_run(store, run_id);
  const nlohmann::json& c = t.summary.config;
  // Parsed (and validated) by the kind's own reader, so a broken config is refused here.
  int64_t limit = 0;
  switch (t.summary.kind) {
    case runs::RunKind::disnet:
      limit = disnet_config_from_json(c).limit;
      break;
    case runs::RunKind::classifier:
      limit = classifier_config_from_json(c).limit;
      break;
    default:
      limit = ae_config_from_json(c).limit;
  }
  t.data = dataset_request(run_id, c, limit);
  return t;
}

ResumedRun resume_run(int64_t run_id, const data::Dataset& ds, const std::filesystem::path& runs_db,
                      JobContext& ctx) {
  ResumedRun r;
  r.kind = runs::RunStore::open(runs_db).get_summary(run_id).kind;
  switch (r.kind) {
    case runs::RunKind::disnet:
      r.disnet = resume_disnet(run_id, ds, runs_db, ctx);
      break;
    case runs::RunKind::classifier:
      r.classifier = resume_classifier(run_id, ds, runs_db, ctx);
      break;
    default:
      r.ae = resume_autoencoder(run_id, ds, runs_db, ctx);
  }
  return r;
}

}  // namespace aelab::train
