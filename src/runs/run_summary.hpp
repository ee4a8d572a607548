#pragma once
// How a run is named wherever one is chosen (the window's run combos, `aelab runs list`), and
// which runs can feed which use. Everything here reads a RunSummary from RunStore::list_runs(): no
// further queries.
//
//   for (const auto& r : store.list_runs())
//     if (runs::is_autoencoder_with_codes(r)) combo.add(r.id, runs::summary_line(r));
#include <string>
#include <string_view>

#include "runs/run_store.hpp"

namespace aelab::runs {

// [SECTION] Text
// "#12 mlp-L16-l1-s0  ae mlp L16 l1 fashion  50 ep  lr 1e-3  seed 0  finished  test_l1 0.0490"
// (the dataset when the config records one)
// Epochs read "30/50 ep" until all are done; adversarial runs add their mode and lambda
// ("frozen lambda 0.05"); the status part is status_text(). Control characters and broken UTF-8
// of stored names are escaped (printable()).
// Tags, when the run has any, end the line: "  [baseline, L2]".
[[nodiscard]] std::string summary_line(const RunSummary& run);
// "baseline, L2" (printable); "" for none.
[[nodiscard]] std::string tags_text(const RunSummary& run);
// The note's first line, cut to max_chars code points, printable, with "..." when anything was
// left out; "" for no note.
[[nodiscard]] std::string note_preview(const RunSummary& run, size_t max_chars = 60);
// The fields of summary_line as JSON ({"id", "kind", "name", "preset", "latent", "loss",
// "epochs_done", "epochs_total", "lr", "adversarial", "lambda", "seed", "status",
// "status_text", "headline": {"name", "value"}, "resumable", "tags": [...], "note", ...}); absent
// fields are left out ("dataset" too, for runs recorded before configs named it). Strings are valid UTF-8 (the note's broken bytes become U+FFFD; names and
// tags are printable()), so dumping never throws.
[[nodiscard]] nlohmann::json summary_fields(const RunSummary& run);
// The short label of a status for a badge: "running", "finished", "cancelled", "interrupted",
// "diverged", "failed". Colours are the window's choice.
[[nodiscard]] std::string_view status_label(RunStatus status);
// The status with its message, never repeating the status word: "finished", "interrupted at
// epoch 3 (its process 123 ended)", "diverged at step 120: loss is nan", "failed: <why>".
[[nodiscard]] std::string status_text(const RunSummary& run);
// The total epochs the run's config asks for (autoencoders: epochs + cluster_epochs); 0 unknown.
[[nodiscard]] int epochs_total(const RunSummary& run);

// [SECTION] What a run can feed
[[nodiscard]] bool has_final_weights(const RunSummary& run);
// A finished ae/adv_ae run with final weights and test-set codes: the latent explorer, k-means,
// projections, compare.
[[nodiscard]] bool is_autoencoder_with_codes(const RunSummary& run);
// A finished dis_net run with final weights: part (b)'s judge of clear vs blurred.
[[nodiscard]] bool is_finished_disnet(const RunSummary& run);
// A finished classifier run with final weights: compare's judge.
[[nodiscard]] bool is_finished_classifier(const RunSummary& run);
// A cancelled, interrupted or failed training run (ae, adv_ae, disnet, classifier): `aelab train
// resume` (train::resume_run) continues it from its "last" checkpoint, or starts it again from
// the beginning when it has none.
[[nodiscard]] bool is_resumable(const RunSummary& run);

}  // namespace aelab::runs
