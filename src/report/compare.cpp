#include "report/compare.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <memory>

#include "analysis/sharpness.hpp"
#include "core/error.hpp"
#include "runs/run_store.hpp"
#include "train/ae_trainer.hpp"
#include "train/classifier_trainer.hpp"
#include "train/disnet_trainer.hpp"
#include "train/run_model.hpp"

namespace aelab::report {

namespace {

constexpr double kBlank = std::numeric_limits<double>::quiet_NaN();

// [SECTION] Helpers

double mean_abs_diff(const Tensor& a, const Tensor& b) {
  double s = 0;
  for (int64_t i = 0; i < a.numel(); ++i) s += std::abs(double(a[i]) - b[i]);
  return s / std::max<int64_t>(a.numel(), 1);
}

double mean(const Tensor& t) {
  double s = 0;
  for (int64_t i = 0; i < t.numel(); ++i) s += t[i];
  return s / std::max<int64_t>(t.numel(), 1);
}

void copy_strip_row(const Tensor& images, std::span<const int64_t> idx, Tensor& strip, size_t r) {
  const int64_t px = 28 * 28, d = static_cast<int64_t>(idx.size());
  for (int64_t k = 0; k < d; ++k)
    std::copy_n(images.data() + idx[k] * px, px, strip.data() + (int64_t(r) * d + k) * px);
}

void progress(train::JobContext* ctx, double f, const std::string& line) {
  if (!ctx) return;
  ctx->checkpoint();
  ctx->report_progress(f, line);
}

}  // namespace

// [SECTION] pick_strip

std::vector<int64_t> pick_strip(std::span<const uint8_t> labels, int count) {
  std::vector<std::vector<int64_t>> by_class(10);
  for (size_t i = 0; i < labels.size(); ++i)
    if (labels[i] < 10) by_class[labels[i]].push_back(static_cast<int64_t>(i));
  std::vector<int64_t> out;
  for (size_t round = 0; int(out.size()) < count; ++round) {
    bool any = false;
    for (int c = 0; c < 10 && int(out.size()) < count; ++c)
      if (round < by_class[c].size()) {
        out.push_back(by_class[c][round]);
        any = true;
      }
    if (!any) break;
  }
  return out;
}

// [SECTION] compare_runs

Comparison compare_runs(const std::filesystem::path& runs_db, std::span<const int64_t> run_ids,
                        const data::Dataset& ds, int64_t disnet_run, int64_t judge_run,
                        int strip_digits, train::JobContext* ctx) {
  if (run_ids.empty()) throw InputError("compare needs at least one autoencoder run id");
  if (strip_digits < 0 || strip_digits > 100)
    throw InputError("strip digits must be between 0 and 100, got " + std::to_string(strip_digits));
  if (ds.test_images.dim(0) < 1) throw InputError("dataset '" + ds.name + "' has no test digits");
  if (ds.test_images.numel() != ds.test_images.dim(0) * 28 * 28)
    throw InputError("compare needs 28x28 test images");

  // Everything the user named is checked before any model runs: a typo fails in milliseconds.
  runs::RunStore store = runs::RunStore::open(runs_db);
  std::vector<runs::RunRecord> records;
  for (int64_t id : run_ids) {
    runs::RunRecord rec = train::check_autoencoder_run(store, id);
    const std::string trained_on = rec.config.value("dataset", std::string(data::kDefaultDataset));
    if (trained_on != ds.name)
      throw InputError("run " + std::to_string(id) + " was trained on '" + trained_on +
                       "', not on '" + ds.name + "'; pass --dataset " + trained_on);
    records.push_back(std::move(rec));
  }
  Comparison out;
  out.dataset = ds.name;
  out.test_count = ds.test_images.dim(0);
  // A run asked for by id must be usable; without one the latest finished one is used, and
  // when there is none its columns stay blank (plain autoencoder runs compare on their own).
  auto latest_finished = [&](runs::RunKind kind) -> int64_t {
    auto r = store.latest_run_of_kind(kind, true);
    return r && r->has_final_weights ? r->id : 0;
  };
  out.disnet_run = disnet_run != 0 ? train::resolve_disnet_run(store, disnet_run)
                                   : latest_finished(runs::RunKind::disnet);
  out.judge_run = judge_run != 0
                      ? train::resolve_finished_run(store, judge_run, runs::RunKind::classifier,
                                                    "classifier (judge)", "aelab train classifier")
                      : latest_finished(runs::RunKind::classifier);

  progress(ctx, 0.0, "loading dis_net and the judge");
  std::unique_ptr<train::LoadedDisNet> dis;
  std::unique_ptr<train::LoadedClassifier> judge;
  if (out.disnet_run)
    dis = std::make_unique<train::LoadedDisNet>(train::load_disnet(runs_db, out.disnet_run));
  if (out.judge_run)
    judge =
        std::make_unique<train::LoadedClassifier>(train::load_classifier(runs_db, out.judge_run));
  auto clear_score = [&](const Tensor& images) {
    return dis ? mean(train::disnet_scores(dis->net, images)) : kBlank;
  };
  auto judge_accuracy = [&](const Tensor& images) {
    return judge ? train::accuracy(train::classify(judge->net, images), ds.test_labels) : kBlank;
  };

  const Tensor& originals = ds.test_images;  // (M, 1, 28, 28)
  out.strip_indices = pick_strip(ds.test_labels, strip_digits);
  const int64_t d = static_cast<int64_t>(out.strip_indices.size());
  out.strip = Tensor({int64_t(records.size()) + 1, d, 28, 28});

  const double steps = double(records.size()) + 1;
  progress(ctx, 0.5 / steps, "scoring the originals");
  ComparisonRow ref;
  ref.name = "original";
  ref.kind = "original";
  ref.test_l1 = 0;
  ref.sharpness_ratio = 1;
  ref.clear_score = clear_score(originals);
  ref.judge_accuracy = judge_accuracy(originals);
  out.rows.push_back(ref);
  copy_strip_row(originals, out.strip_indices, out.strip, 0);

  for (size_t r = 0; r < records.size(); ++r) {
    const runs::RunRecord& rec = records[r];
    progress(ctx, (r + 1) / steps,
             "run " + std::to_string(rec.summary.id) + " (" + rec.summary.name + ")");
    train::RunModel run = train::load_run_model(store, rec.summary.id);
    const train::AeTrainConfig& cfg = run.config;
    // A deblurring run's task is blurred in, clear out: give it blurred digits, score against
    // clear.
    const Tensor recon = train::reconstruct_all(*run.model, train::model_input(cfg, originals));
    ComparisonRow row;
    row.run_id = rec.summary.id;
    row.name = rec.summary.name;
    row.kind = runs::to_string(rec.summary.kind);
    row.adversarial = cfg.adversarial;
    row.preset = cfg.model.preset;
    row.latent = cfg.model.latent;
    row.deblur = cfg.deblur;
    row.test_l1 = mean_abs_diff(recon, originals);
    row.clear_score = clear_score(recon);
    row.sharpness_ratio = analysis::sharpness_ratio(recon, originals);
    row.judge_accuracy = judge_accuracy(recon);
    out.rows.push_back(row);
    copy_strip_row(recon, out.strip_indices, out.strip, r + 1);
  }
  progress(ctx, 1.0, "compared " + std::to_string(records.size()) + " runs");
  return out;
}

// [SECTION] Output

namespace {
nlohmann::json blank_null(double v) {
  return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json();
}
Cell blank_cell(double v) {
  return std::isnan(v) ? Cell("") : Cell(v);
}
std::string blank_text(double v, const char* fmt) {
  if (std::isnan(v)) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, fmt, v);
  return buf;
}
}  // namespace

nlohmann::json to_json(const Comparison& c) {
  nlohmann::json rows = nlohmann::json::array();
  for (const ComparisonRow& r : c.rows) {
    nlohmann::json j = {{"run_id", r.run_id},
                        {"name", r.name},
                        {"kind", r.kind},
                        {"test_l1", r.test_l1},
                        {"clear_score", blank_null(r.clear_score)},
                        {"sharpness_ratio", r.sharpness_ratio},
                        {"judge_accuracy", blank_null(r.judge_accuracy)}};
    if (r.kind != "original") {
      j["adversarial"] = r.adversarial;
      j["preset"] = r.preset;
      j["latent"] = r.latent;
      j["deblur"] = r.deblur;
    }
    rows.push_back(std::move(j));
  }
  return {
      {"dataset", c.dataset},     {"test_count", c.test_count},       {"disnet_run", c.disnet_run},
      {"judge_run", c.judge_run}, {"strip_indices", c.strip_indices}, {"rows", rows}};
}

Tensor strip_image(const Comparison& c, int gap) {
  const int64_t cols = c.strip.rank() == 4 ? c.strip.dim(0) : 0;
  const int64_t rows = c.strip.rank() == 4 ? c.strip.dim(1) : 0;
  if (cols == 0 || rows == 0) return Tensor({0, 0});
  const int64_t h = rows * 28 + (rows - 1) * gap, w = cols * 28 + (cols - 1) * gap;
  Tensor img({h, w}, 0.5f);
  for (int64_t col = 0; col < cols; ++col)
    for (int64_t row = 0; row < rows; ++row) {
      const float* src = c.strip.data() + (col * rows + row) * 784;
      for (int64_t y = 0; y < 28; ++y)
        for (int64_t x = 0; x < 28; ++x)
          img[(row * (28 + gap) + y) * w + col * (28 + gap) + x] =
              std::clamp(src[y * 28 + x], 0.0f, 1.0f);
    }
  return img;
}

std::string model_label(const ComparisonRow& r) {
  if (r.kind == "original") return "-";
  std::string model = r.preset + " L" + std::to_string(r.latent) + " " +
                      (r.adversarial == "none" ? std::string("(a)") : "(b) " + r.adversarial);
  if (r.deblur) model += " deblur";
  return model;
}

Table comparison_table(const Comparison& c) {
  Table t;
  t.columns = {"run",
               "name",
               "model",
               "test_l1",
               "clear_score",
               "sharpness_ratio",
               "judge_accuracy",
               "dataset",
               "test_count",
               "disnet_run",
               "judge_run"};
  for (const ComparisonRow& r : c.rows)
    t.add_row({r.run_id ? Cell(r.run_id) : Cell("-"), r.name, model_label(r), r.test_l1,
               blank_cell(r.clear_score), r.sharpness_ratio, blank_cell(r.judge_accuracy),
               c.dataset, c.test_count, c.disnet_run ? Cell(c.disnet_run) : Cell(""),
               c.judge_run ? Cell(c.judge_run) : Cell("")});
  return t;
}

std::string format_table(const Comparison& c) {
  size_t name_w = 4;
  for (const ComparisonRow& r : c.rows) name_w = std::max(name_w, r.name.size());
  auto line = [&](const char* fmt, auto... args) {
    char buf[512];
    std::snprintf(buf, sizeof buf, fmt, args...);
    return std::string(buf);
  };
  const int nw = static_cast<int>(name_w);
  std::string s = line("%5s  %-*s  %-22s  %8s  %11s  %9s  %8s", "run", nw, "name", "model",
                       "test L1", "clear score", "sharpness", "judge %");
  for (const ComparisonRow& r : c.rows) {
    const std::string model = model_label(r);
    const std::string id = r.run_id ? std::to_string(r.run_id) : "-";
    s += "\n" + line("%5s  %-*s  %-22s  %8.4f  %11s  %9.3f  %8s", id.c_str(), nw, r.name.c_str(),
                     model.c_str(), r.test_l1, blank_text(r.clear_score, "%.3f").c_str(),
                     r.sharpness_ratio, blank_text(100.0 * r.judge_accuracy, "%.2f").c_str());
  }
  auto used = [](int64_t id, const char* none) {
    return id ? "run " + std::to_string(id) : std::string(none);
  };
  s += "\n" + line("%s test split, %lld digits; dis_net %s, judge %s", c.dataset.c_str(),
                   (long long)c.test_count, used(c.disnet_run, "none (aelab train disnet)").c_str(),
                   used(c.judge_run, "none (aelab train classifier)").c_str());
  return s;
}

}  // namespace aelab::report
