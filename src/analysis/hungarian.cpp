#include "analysis/hungarian.hpp"

#include <cmath>
#include <limits>
#include <string>

#include "core/error.hpp"

namespace aelab::analysis {

namespace {

void check_matrix(std::span<const double> cost, int rows, int cols) {
  if (rows < 0 || cols < 0)
    throw InputError("hungarian: negative matrix size " + std::to_string(rows) + "x" +
                     std::to_string(cols));
  if (static_cast<int64_t>(cost.size()) != static_cast<int64_t>(rows) * cols)
    throw InputError("hungarian: cost has " + std::to_string(cost.size()) + " entries, expected " +
                     std::to_string(rows) + "x" + std::to_string(cols));
  for (double c : cost)
    if (!std::isfinite(c)) throw InputError("hungarian: cost matrix holds a non-finite value");
}

// Rows <= cols. a(i, j) is 0-based; returns column per row. Potentials u (rows), v (cols) keep
// reduced costs non-negative; each outer step adds one row along a shortest augmenting path.
template <class Cost>
std::vector<int> assign_rows(int n, int m, Cost a) {
  constexpr double inf = std::numeric_limits<double>::infinity();
  std::vector<double> u(n + 1, 0.0), v(m + 1, 0.0), minv(m + 1);
  std::vector<int> p(m + 1, 0), way(m + 1, 0);  // p[j]: row (1-based) matched to column j
  std::vector<char> used(m + 1);
  for (int i = 1; i <= n; ++i) {
    p[0] = i;
    int j0 = 0;
    std::fill(minv.begin(), minv.end(), inf);
    std::fill(used.begin(), used.end(), 0);
    do {
      used[j0] = 1;
      const int i0 = p[j0];
      double delta = inf;
      int j1 = 0;
      for (int j = 1; j <= m; ++j) {
        if (used[j]) continue;
        const double cur = a(i0 - 1, j - 1) - u[i0] - v[j];
        if (cur < minv[j]) {
          minv[j] = cur;
          way[j] = j0;
        }
        if (minv[j] < delta) {
          delta = minv[j];
          j1 = j;
        }
      }
      for (int j = 0; j <= m; ++j) {
        if (used[j]) {
          u[p[j]] += delta;
          v[j] -= delta;
        } else {
          minv[j] -= delta;
        }
      }
      j0 = j1;
    } while (p[j0] != 0);
    do {
      const int j1 = way[j0];
      p[j0] = p[j1];
      j0 = j1;
    } while (j0 != 0);
  }
  std::vector<int> col_of_row(n, -1);
  for (int j = 1; j <= m; ++j)
    if (p[j] != 0) col_of_row[p[j] - 1] = j - 1;
  return col_of_row;
}

}  // namespace

std::vector<int> hungarian_min_cost(std::span<const double> cost, int rows, int cols) {
  check_matrix(cost, rows, cols);
  if (rows == 0 || cols == 0) return std::vector<int>(rows, -1);
  if (rows <= cols)
    return assign_rows(rows, cols, [&](int i, int j) { return cost[size_t(i) * cols + j]; });
  // More rows than columns: assign columns to rows on the transpose, then invert.
  const std::vector<int> row_of_col =
      assign_rows(cols, rows, [&](int j, int i) { return cost[size_t(i) * cols + j]; });
  std::vector<int> col_of_row(rows, -1);
  for (int j = 0; j < cols; ++j) col_of_row[row_of_col[j]] = j;
  return col_of_row;
}

std::vector<int> hungarian_max_score(std::span<const double> score, int rows, int cols) {
  std::vector<double> cost(score.begin(), score.end());
  for (double& c : cost) c = -c;
  return hungarian_min_cost(cost, rows, cols);
}

double assignment_cost(std::span<const double> cost, int rows, int cols,
                       std::span<const int> assignment) {
  double total = 0.0;
  for (int i = 0; i < rows; ++i)
    if (assignment[i] >= 0) total += cost[size_t(i) * cols + assignment[i]];
  return total;
}

}  // namespace aelab::analysis
