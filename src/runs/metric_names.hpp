#pragma once
// The names of the metric series the trainers store and publish, and the result fields the lists
// show. One place, so a plot, a report column and a trainer cannot disagree on a spelling. To add a
// metric: one constant here, written by its trainer, read by whoever plots or reports it.
#include <array>
#include <string_view>

namespace aelab::runs::metric {

// [SECTION] Per epoch (stored in the run store)
inline constexpr const char* train_loss = "train_loss";  // the full objective, mean over the epoch
inline constexpr const char* train_l1 = "train_l1";      // adversarial: the reconstruction term
inline constexpr const char* train_adv = "train_adv";    // adversarial: lambda * BCE term
inline constexpr const char* train_kl = "train_kl";      // cluster refinement: the KL term
inline constexpr const char* test_l1 = "test_l1";
inline constexpr const char* test_mse = "test_mse";
inline constexpr const char* test_accuracy = "test_accuracy";
inline constexpr const char* test_clear_score = "test_clear_score";
inline constexpr const char* test_cluster_acc = "test_cluster_acc";
inline constexpr const char* cluster_changes = "cluster_changes";
inline constexpr const char* clear_score_mean = "clear_score_mean";
inline constexpr const char* blurred_score_mean = "blurred_score_mean";
inline constexpr const char* lr = "lr";
inline constexpr const char* lambda = "lambda";
inline constexpr const char* seconds = "seconds";  // training time so far (evaluation excluded)

// The per-epoch series that are also a run's result while it trains (the list's headline reads
// them first; the window copies a live run's latest values into its row between reads of the
// store).
inline constexpr std::array<const char*, 2> epoch_results = {test_l1, test_accuracy};

// [SECTION] Per step (published to the window only)
inline constexpr const char* train_loss_step = "train_loss_step";
inline constexpr const char* train_acc_step = "train_acc_step";

}  // namespace aelab::runs::metric
