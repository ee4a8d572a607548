#include "report/study_runs.hpp"

#include <chrono>
#include <cstdio>
#include <functional>
#include <memory>
#include <optional>

#include "core/error.hpp"
#include "runs/run_store.hpp"
#include "runs/tensor_blob.hpp"
#include "train/presets.hpp"

namespace aelab::report {

namespace {

std::string hex16(uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

std::string stored_data_hash(const runs::RunStore& store, int64_t id) {
  for (const runs::BlobInfo& b : store.list_artefacts(id))
    if (b.name == kDataHashArtefact) {
      const runs::Artefact a = store.load_artefact(id, kDataHashArtefact);
      return std::string(reinterpret_cast<const char*>(a.data.data()), a.data.size());
    }
  return "";
}

enum class Found { none, finished, resumable };
struct Match {
  Found found = Found::none;
  runs::RunSummary run;
};

// The newest run of `kind` with this config: finished on the same data (reuse), or cut short with
// an epoch checkpoint (resume; autoencoders only). A live one is refused.
Match find_match(const runs::RunStore& store, runs::RunKind kind, const std::string& hash,
                 const std::string& data_hash, bool can_resume) {
  for (const runs::RunSummary& r : store.list_runs()) {
    if (r.kind != kind || config_hash(r.config) != hash) continue;
    if (r.status == runs::RunStatus::running)
      throw InputError("run #" + std::to_string(r.id) + " (" + r.name +
                       ") has this report's config and is still running in another process; "
                       "wait for it to end or cancel it");
    if (r.status == runs::RunStatus::finished && r.has_final_weights &&
        stored_data_hash(store, r.id) == data_hash)
      return {Found::finished, r};
    if (can_resume &&
        (r.status == runs::RunStatus::cancelled || r.status == runs::RunStatus::interrupted))
      return {Found::resumable, r};
  }
  return {};
}

// Runs `work` in a Job (the trainers take a JobContext), forwarding progress and cancel.
void run_in_job(StudyContext& ctx, const std::string& name, double lo, double hi,
                const std::string& what, std::function<void(train::JobContext&)> work) {
  auto job = std::make_shared<train::Job>(name, std::move(work));
  while (!job->wait_for(std::chrono::milliseconds(100))) {
    if (ctx.cancel_requested()) job->cancel(train::StopReason::quit);
    ctx.progress(lo + (hi - lo) * job->progress(), what + ": " + job->status_line());
  }
  if (job->state() == train::JobState::cancelled) throw StudyCancelled();
  if (job->state() == train::JobState::failed && job->error()) std::rethrow_exception(job->error());
  ctx.progress(hi, what + ": done");
}

// The part every kind shares: find, reuse / resume / train, tag with the data hash, record.
StudyRun ensure_run(StudyContext& ctx, SectionResult& out, runs::RunKind kind,
                    const nlohmann::json& config_json, double lo, double hi,
                    const std::string& what,
                    const std::function<int64_t(train::JobContext&)>& train_new,
                    const std::function<int64_t(int64_t, train::JobContext&)>& resume) {
  ctx.check_cancel();
  const std::string hash = config_hash(config_json);
  const std::filesystem::path& db = ctx.options().runs_db;
  Match m;
  {
    runs::RunStore store = runs::RunStore::open(db);
    m = find_match(store, kind, hash, ctx.data_hash(), bool(resume));
  }
  if (ctx.options().fresh && m.found == Found::finished) m = {};
  StudyRun run;
  if (m.found == Found::finished) {
    run.id = m.run.id;
    run.reused = true;
    ctx.progress(hi, what + ": reusing run #" + std::to_string(run.id));
  } else {
    int64_t id = 0;
    if (m.found == Found::resumable)
      run_in_job(ctx, "resume " + m.run.name, lo, hi,
                 what + " (resuming #" + std::to_string(m.run.id) + ")",
                 [&](train::JobContext& jc) { id = resume(m.run.id, jc); });
    else
      run_in_job(ctx, what, lo, hi, what, [&](train::JobContext& jc) { id = train_new(jc); });
    run.id = id;
    runs::RunStore store = runs::RunStore::open(db);
    store.save_text_artefact(id, kDataHashArtefact, "text", ctx.data_hash());
  }
  runs::RunStore store = runs::RunStore::open(db);
  const runs::RunSummary s = store.get_summary(run.id);
  run.name = s.name;
  run.result = s.result;
  out.runs.push_back({run.id, run.name, std::string(runs::to_string(kind)), hash, run.reused});
  return run;
}

}  // namespace

// [SECTION] The study's runs

namespace {
constexpr int kQuickAeEpochs = 3, kQuickBEpochs = 2, kQuickDisNetEpochs = 1, kQuickJudgeEpochs = 3;
constexpr int kQuickClusterEpochs = 2;
}  // namespace

train::AeTrainConfig study_ae_config(const StudyContext& ctx, int latent, uint64_t seed) {
  train::AeTrainConfig c = train::apply_preset(train::preset("study-L" + std::to_string(latent)));
  c.seed = seed;
  c.dataset = ctx.dataset().name;
  c.limit = ctx.options().limit;
  c.threads = ctx.options().threads;
  if (ctx.quick()) c.epochs = kQuickAeEpochs;
  c.name = "report-" + train::default_run_name(c);
  return c;
}

train::AeTrainConfig study_clustering_config(const StudyContext& ctx, uint64_t seed) {
  train::AeTrainConfig c = train::apply_preset(train::preset(train::kClusteringPreset));
  c.seed = seed;
  c.dataset = ctx.dataset().name;
  c.limit = ctx.options().limit;
  c.threads = ctx.options().threads;
  if (ctx.quick()) {
    c.epochs = kQuickAeEpochs;
    c.cluster_epochs = kQuickClusterEpochs;
  }
  c.name = "report-clustering-" + train::default_run_name(c);
  return c;
}

train::AeTrainConfig study_b_config(const StudyContext& ctx, int64_t init_run, int latent,
                                    uint64_t seed, const std::string& mode, double lambda,
                                    int64_t disnet_run) {
  train::AeTrainConfig base = study_ae_config(ctx, latent, seed);
  train::AeTrainConfig c = train::apply_preset(train::preset(train::kAdversarialPreset), base);
  c.model = base.model;  // the preset's own model is its default; (b) retrains the (a) run's
  c.init_run = init_run;
  c.adversarial = mode;
  c.lambda = mode == "none" ? 0.0 : lambda;
  c.disnet_run = mode == "none" ? 0 : disnet_run;
  if (ctx.quick()) c.epochs = kQuickBEpochs;
  c.name = "report-" + train::default_run_name(c) + (mode == "none" ? "-ref" : "");
  return c;
}

// The report's dataset, limit and threads on a CNN run's config (dis_net, judge).
template <class Config>
Config report_cnn_config(const StudyContext& ctx, int quick_epochs) {
  Config c;
  c.dataset = ctx.dataset().name;
  c.limit = ctx.options().limit;
  c.threads = ctx.options().threads;
  if (ctx.quick()) c.epochs = quick_epochs;
  return c;
}

train::DisNetConfig study_disnet_config(const StudyContext& ctx) {
  train::DisNetConfig c = report_cnn_config<train::DisNetConfig>(ctx, kQuickDisNetEpochs);
  c.name = "report-" + train::default_run_name(c);
  return c;
}

train::ClassifierConfig study_judge_config(const StudyContext& ctx) {
  train::ClassifierConfig c = report_cnn_config<train::ClassifierConfig>(ctx, kQuickJudgeEpochs);
  c.name = "report-judge";
  return c;
}

train::DatasetSource report_datasets(const StudyContext& ctx) {
  const data::Dataset& ds = ctx.dataset();
  return [&ds](const train::DatasetRequest& r) {
    const std::string& name = r.name;
    if (name != ds.name)
      throw InputError("a run of this report was trained on '" + name + "', not on '" + ds.name +
                       "'");
    return std::shared_ptr<const data::Dataset>(std::shared_ptr<const data::Dataset>(), &ds);
  };
}

// [SECTION] Finding or training a run

std::string config_hash(const nlohmann::json& config) {
  nlohmann::json c = config;
  if (c.is_object()) c.erase("name");
  const std::string text = c.dump();
  return hex16(runs::fnv1a64(std::as_bytes(std::span(text.data(), text.size()))));
}

StudyRun ensure_ae_run(StudyContext& ctx, SectionResult& out, const train::AeTrainConfig& config,
                       double lo, double hi, const std::string& what) {
  const runs::RunKind kind =
      train::is_adversarial(config) ? runs::RunKind::adv_ae : runs::RunKind::ae;
  const std::filesystem::path db = ctx.options().runs_db;
  const data::Dataset& ds = ctx.dataset();
  return ensure_run(
      ctx, out, kind, train::to_json(config), lo, hi, what,
      [&](train::JobContext& jc) { return train::train_autoencoder(config, ds, db, jc).run_id; },
      [&](int64_t id, train::JobContext& jc) {
        return train::resume_autoencoder(id, ds, db, jc).run_id;
      });
}

StudyRun ensure_disnet_run(StudyContext& ctx, SectionResult& out, const train::DisNetConfig& config,
                           double lo, double hi, const std::string& what) {
  const std::filesystem::path db = ctx.options().runs_db;
  const data::Dataset& ds = ctx.dataset();
  return ensure_run(
      ctx, out, runs::RunKind::disnet, train::to_json(config), lo, hi, what,
      [&](train::JobContext& jc) { return train::train_disnet(config, ds, db, jc).run_id; }, {});
}

StudyRun ensure_classifier_run(StudyContext& ctx, SectionResult& out,
                               const train::ClassifierConfig& config, double lo, double hi,
                               const std::string& what) {
  const std::filesystem::path db = ctx.options().runs_db;
  const data::Dataset& ds = ctx.dataset();
  return ensure_run(
      ctx, out, runs::RunKind::classifier, train::to_json(config), lo, hi, what,
      [&](train::JobContext& jc) { return train::train_classifier(config, ds, db, jc).run_id; },
      {});
}

}  // namespace aelab::report
