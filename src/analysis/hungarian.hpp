#pragma once
// Hungarian algorithm (Kuhn-Munkres with potentials, O(n^2 m)): the cheapest one-to-one assignment
// of rows to columns of a cost matrix. Rectangular matrices are fine: with more rows than columns
// some rows stay unassigned, and the other way round some columns do. Cluster metrics use it to
// map k clusters onto 10 digits.
#include <cstdint>
#include <span>
#include <vector>

namespace aelab::analysis {

// cost: (rows, cols) row-major, finite. Returns for each row its column, or -1 when the row is
// left over (rows > cols). Minimises the summed cost; ties resolve deterministically.
[[nodiscard]] std::vector<int> hungarian_min_cost(std::span<const double> cost, int rows, int cols);

// Same, maximising the summed score (e.g. counts of a confusion matrix).
[[nodiscard]] std::vector<int> hungarian_max_score(std::span<const double> score, int rows,
                                                   int cols);

// Summed cost of an assignment as returned above (unassigned rows add nothing).
[[nodiscard]] double assignment_cost(std::span<const double> cost, int rows, int cols,
                                     std::span<const int> assignment);

}  // namespace aelab::analysis
