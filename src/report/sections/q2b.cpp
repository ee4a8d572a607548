// Q2(b): Gaussian blur, dis_net (blurred against clear), the (a) L = 16 run retrained with
// L1 + lambda * BCE(dis_net(x_hat), clear) against a frozen dis_net and in learning mode, each
// beside the fair L1-only reference (the same epochs from the same (a) run), compared by
// report::compare_runs (test L1, clear score, sharpness, judge accuracy, image strip), and a
// lambda sweep.
#include <cmath>
#include <cstdio>

#include "data/blur.hpp"
#include "report/compare.hpp"
#include "report/figure.hpp"
#include "report/study_runs.hpp"
#include "report/study_sections.hpp"
#include "train/disnet_scoring.hpp"
#include "train/presets.hpp"
#include "train/run_model.hpp"

namespace aelab::report {

namespace {

constexpr int kLatent = 16;

std::string fixed(double v, int digits = 3) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

const ComparisonRow& row_of(const Comparison& c, int64_t run_id) {
  for (const ComparisonRow& r : c.rows)
    if (r.run_id == run_id) return r;
  throw std::logic_error("q2b: run missing from its comparison");
}

}  // namespace

void section_q2b(StudyContext& ctx, SectionResult& out) {
  const data::Dataset& ds = ctx.dataset();
  const std::filesystem::path& db = ctx.options().runs_db;
  const int seeds = ctx.seeds();

  // [SECTION] Blur and dis_net
  const train::DisNetConfig dc = study_disnet_config(ctx);
  const StudyRun dis = ensure_disnet_run(ctx, out, dc, 0.0, 0.1, "dis_net");
  const StudyRun judge = ensure_classifier_run(ctx, out, study_judge_config(ctx), 0.1, 0.2,
                                               "judge (digit classifier)");
  out.heading("Blurred digits and dis_net");
  const std::vector<int64_t> idx = pick_strip(ds.test_labels, 10);
  Tensor pair({20, 1, 28, 28});
  for (size_t k = 0; k < idx.size(); ++k)
    std::copy_n(ds.test_images.data() + idx[k] * 784, 784, pair.data() + int64_t(k) * 784);
  Tensor clear10({10, 1, 28, 28}, std::span<const float>(pair.data(), 10 * 784));
  const Tensor blurred10 = data::gaussian_blur(clear10, dc.blur);
  std::copy_n(blurred10.data(), 10 * 784, pair.data() + 10 * 784);
  out.figure({"q2b-blur.png",
              "Top: test digits as they are; bottom: Gaussian-blurred (sigma " +
                  fixed(dc.blur.sigma, 1) + ", kernel " + std::to_string(dc.blur.kernel) +
                  "), what dis_net learns to call blurred.",
              image_grid(pair, 10, 3)});
  runs::RunStore store = runs::RunStore::open(db);
  train::ScoreRequest sr;
  sr.disnet_run = dis.id;
  const train::DisNetScores sc = train::score_test_digits(store, sr, report_datasets(ctx));
  out.paragraph("dis_net (run #" + std::to_string(dis.id) + ", " + std::to_string(dc.epochs) +
                " epochs) on the test digits: clear ones called clear " +
                fixed(100 * sc.clear_accuracy, 1) + " %, blurred ones called blurred " +
                fixed(100 * sc.blurred_accuracy, 1) + " %, " + fixed(100 * sc.accuracy, 1) +
                " % overall; mean clear score " + fixed(sc.clear_mean) + " on clear digits, " +
                fixed(sc.blurred_mean) + " on blurred ones. The judge (a digit classifier, run #" +
                std::to_string(judge.id) + ") reads " +
                fixed(100 * judge.result.value("test_accuracy", 0.0), 1) +
                " % of the clear test digits right.");
  out.metrics["disnet"] = {{"run", dis.id},
                           {"accuracy", sc.accuracy},
                           {"clear_accuracy", sc.clear_accuracy},
                           {"blurred_accuracy", sc.blurred_accuracy}};
  out.metrics["judge"] = {{"run", judge.id},
                          {"test_accuracy", judge.result.value("test_accuracy", 0.0)}};
  out.claim("dis_net tells blurred from clear on at least 90 % of the test digits",
            {{"accuracy", sc.accuracy}}, sc.accuracy >= 0.9);

  // [SECTION] (b) runs beside their references
  const double lambda = study_b_config(ctx, 1, kLatent, 0, "frozen", 0.05, dis.id).lambda;
  const train::AeTrainConfig bdef = train::apply_preset(train::preset(train::kAdversarialPreset));
  out.heading("(b): the autoencoder retrained to look clear to dis_net");
  std::vector<Comparison> per_seed;
  int raised = 0, cheap = 0, learning_raised = 0;
  nlohmann::json seeds_json = nlohmann::json::array();
  const int jobs = seeds * 4;
  int done = 0;
  for (int s = 0; s < seeds; ++s) {
    auto range = [&](int n) {
      const double lo = 0.2 + 0.5 * done / jobs, hi = 0.2 + 0.5 * (done + n) / jobs;
      done += n;
      return std::pair{lo, hi};
    };
    const std::string tag = " seed " + std::to_string(s);
    auto [a0, a1] = range(1);
    const StudyRun a = ensure_ae_run(ctx, out, study_ae_config(ctx, kLatent, uint64_t(s)), a0, a1,
                                     "(a) L = 16" + tag);
    auto [r0, r1] = range(1);
    const StudyRun ref =
        ensure_ae_run(ctx, out, study_b_config(ctx, a.id, kLatent, uint64_t(s), "none", 0, 0), r0,
                      r1, "L1-only reference" + tag);
    auto [f0, f1] = range(1);
    const StudyRun frozen = ensure_ae_run(
        ctx, out, study_b_config(ctx, a.id, kLatent, uint64_t(s), "frozen", lambda, dis.id), f0, f1,
        "(b) frozen" + tag);
    auto [l0, l1] = range(1);
    const StudyRun learning = ensure_ae_run(
        ctx, out, study_b_config(ctx, a.id, kLatent, uint64_t(s), "learning", lambda, dis.id), l0,
        l1, "(b) learning" + tag);
    ctx.progress(0.7, "comparing" + tag);
    const std::vector<int64_t> ids = {a.id, ref.id, frozen.id, learning.id};
    Comparison c = compare_runs(db, ids, ds, dis.id, judge.id, 10);
    const ComparisonRow &rr = row_of(c, ref.id), &fr = row_of(c, frozen.id),
                        &lr = row_of(c, learning.id);
    raised += fr.clear_score > rr.clear_score;
    cheap += fr.judge_accuracy >= rr.judge_accuracy - 0.02;
    learning_raised += lr.clear_score > rr.clear_score;
    seeds_json.push_back(to_json(c));
    per_seed.push_back(std::move(c));
  }
  const Comparison& c0 = per_seed.front();
  out.paragraph(
      "Every (b) run starts from the (a) L = 16 run's weights and trains " +
      std::to_string(study_b_config(ctx, 1, kLatent, 0, "frozen", lambda, dis.id).epochs) +
      " more epochs with L1 + " + fixed(lambda, 2) +
      " * BCE(dis_net(x_hat), clear); the reference trains the same epochs from the same start "
      "with L1 alone, so the difference is the dis_net term and not the extra training. Frozen: "
      "dis_net stays as trained; learning: dis_net keeps learning against the reconstructions. "
      "Seed 0 (the preset b-defaults: " +
      std::to_string(bdef.epochs) + " epochs, lambda " + fixed(bdef.lambda, 2) + "):");
  out.table(comparison_table(c0));
  Tensor strip = strip_image(c0);
  {
    // strip_image tiles (H, W) in [0, 1]; scale it up for the page.
    const int h = int(strip.dim(0)), w = int(strip.dim(1)), k = 3;
    Canvas cv(w * k, h * k);
    for (int y = 0; y < h * k; ++y)
      for (int x = 0; x < w * k; ++x) {
        const float v = strip[(y / k) * w + x / k];
        cv.set(x, y, Rgb{v, v, v});
      }
    out.figure({"q2b-comparison.png",
                "Columns: the original test digit, (a) L = 16, the L1-only reference, (b) frozen, "
                "(b) learning (seed 0); one digit per row.",
                figure_png(cv)});
  }
  out.metrics["comparisons"] = seeds_json;
  const std::string of_seeds = " of " + std::to_string(seeds);
  out.claim("(b) frozen raises the clear score over its L1-only reference in every seed",
            {{"seed0_reference", c0.rows[2].clear_score},
             {"seed0_frozen", c0.rows[3].clear_score},
             {"seeds", std::to_string(raised) + of_seeds}},
            raised == seeds);
  out.claim("(b) frozen costs at most 2 judge points against its reference in every seed",
            {{"seed0_reference_judge", c0.rows[2].judge_accuracy},
             {"seed0_frozen_judge", c0.rows[3].judge_accuracy},
             {"seeds", std::to_string(cheap) + of_seeds}},
            cheap == seeds);
  out.claim("(b) learning mode also raises the clear score over the reference in every seed",
            {{"seed0_reference", c0.rows[2].clear_score},
             {"seed0_learning", c0.rows[4].clear_score},
             {"seeds", std::to_string(learning_raised) + of_seeds}},
            learning_raised == seeds);

  // [SECTION] lambda sweep (seed 0, frozen)
  out.heading("How much dis_net: a lambda sweep");
  const std::vector<double> lambdas = ctx.quick() ? std::vector<double>{0.01, lambda, 0.5}
                                                  : std::vector<double>{0.01, lambda, 0.2, 0.5};
  const int64_t a0_id = c0.rows[1].run_id;
  std::vector<int64_t> sweep_ids = {c0.rows[2].run_id};  // the reference: lambda 0
  for (size_t i = 0; i < lambdas.size(); ++i) {
    const double lo = 0.72 + 0.23 * i / lambdas.size(), hi = 0.72 + 0.23 * (i + 1) / lambdas.size();
    sweep_ids.push_back(
        ensure_ae_run(ctx, out,
                      study_b_config(ctx, a0_id, kLatent, 0, "frozen", lambdas[i], dis.id), lo, hi,
                      "sweep lambda " + fixed(lambdas[i], 2))
            .id);
  }
  ctx.progress(0.96, "comparing the sweep");
  const Comparison sw = compare_runs(db, sweep_ids, ds, dis.id, judge.id, 0);
  Table st;
  st.columns = {"lambda", "run", "test L1", "clear score", "sharpness ratio", "judge accuracy"};
  Series clear_s, judge_s, l1_s;
  clear_s.colour = digit_palette()[0];
  judge_s.colour = digit_palette()[1];
  clear_s.points = judge_s.points = true;
  for (size_t i = 1; i < sw.rows.size(); ++i) {
    const double lam = i == 1 ? 0.0 : lambdas[i - 2];
    const ComparisonRow& r = sw.rows[i];
    st.add_row({lam, r.run_id, r.test_l1, r.clear_score, r.sharpness_ratio, r.judge_accuracy});
    clear_s.x.push_back(lam);
    clear_s.y.push_back(r.clear_score);
    judge_s.x.push_back(lam);
    judge_s.y.push_back(r.judge_accuracy);
  }
  out.table(st);
  const Series both[] = {clear_s, judge_s};
  out.figure({"q2b-lambda-sweep.png",
              "The lambda sweep (frozen dis_net, seed 0; lambda 0 is the L1-only reference): x "
              "lambda, y in [0, 1]; blue dis_net's mean clear score, orange the judge's accuracy "
              "on the reconstructions.",
              line_chart(both, {.y_min = 0, .y_max = 1})});
  out.metrics["lambda_sweep"] = to_json(sw);
  const double first = sw.rows[1].clear_score, last = sw.rows.back().clear_score;
  out.claim("the largest lambda scores clearer than the L1-only reference (lambda 0)",
            {{"lambda0_clear", first}, {"lambda_max_clear", last}, {"lambda_max", lambdas.back()}},
            last > first);
}

}  // namespace aelab::report
