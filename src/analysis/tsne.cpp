// t-SNE: neighbours and affinities, the quadtree, gradients, the optimiser, the k-NN score.
//
// [SECTION] Validation
// [SECTION] Neighbours and affinities
// [SECTION] Vantage-point tree
// [SECTION] Quadtree (Barnes-Hut)
// [SECTION] Gradients
// [SECTION] Optimiser
// [SECTION] k-NN label accuracy
#include "analysis/tsne.hpp"

#include <omp.h>

#ifdef __x86_64__
#include <immintrin.h>
#endif

#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>

#include "analysis/pca.hpp"
#include "analysis/sq_distances.hpp"
#include "core/error.hpp"
#include "core/half.hpp"
#include "core/rng.hpp"
#include "core/simd_clones.hpp"

namespace aelab::analysis {

// [SECTION] Validation

namespace {

// Below this many points an optimiser step takes well under a millisecond: forking threads for it
// costs more than it saves (and a lot more on a loaded machine, where OpenMP barriers wait on
// descheduled threads).
constexpr int64_t kParallelMinPoints = 2048;

void check_data(const Tensor& x) {
  if (x.rank() != 2)
    throw InputError("t-SNE: data must be a (N, D) matrix, got shape " + shape_str(x.shape()));
  if (x.dim(0) < 4)
    throw InputError("t-SNE: needs at least 4 rows, got " + std::to_string(x.dim(0)));
  if (x.dim(1) < 1) throw InputError("t-SNE: data has 0 features");
  for (float v : x.span())
    if (!std::isfinite(v)) throw InputError("t-SNE: data holds a NaN or infinite value");
}

void check_perplexity(double perplexity, int64_t n) {
  if (!(perplexity > 0.0) || perplexity >= double(n - 1))
    throw InputError("t-SNE: perplexity " + std::to_string(perplexity) + " must be in (0, " +
                     std::to_string(n - 1) + ") for " + std::to_string(n) + " points");
}

// [SECTION] Neighbours and affinities

// A few spare candidates guard against float rounding reordering the k-th neighbour.
constexpr int kSpareCandidates = 8;

// The exact double squared distance of two rows of d floats.
double exact_sq_dist(const float* a, const float* b, int64_t d) {
  double s = 0.0;
  for (int64_t t = 0; t < d; ++t) {
    const double diff = double(a[t]) - double(b[t]);
    s += diff * diff;
  }
  return s;
}

// Candidates as (exact squared distance, row): the k nearest (ties by row) go to idx / dist2.
void keep_nearest(int k, std::vector<std::pair<double, int>>& exact, int* idx, double* dist2) {
  std::sort(exact.begin(), exact.end());
  for (int c = 0; c < k; ++c) {
    idx[c] = exact[c].second;
    dist2[c] = exact[c].first;
  }
}

}  // namespace

// GEMM distances in row blocks pick candidates; O(N^2 D), for small N or wide codes.
void tsne_neighbours_brute(const Tensor& x, int k, std::vector<int>& idx,
                           std::vector<double>& dist2) {
  const int64_t n = x.dim(0), d = x.dim(1);
  const std::vector<float> sq = row_sq_norms(x.data(), n, d);
  idx.resize(size_t(n) * k);
  dist2.resize(size_t(n) * k);
  // Row blocks of at most ~16 MB of distances (70,000 points: 59 rows at a time).
  const int64_t block = std::clamp<int64_t>((int64_t(1) << 22) / n, 16, 512);
  std::vector<float> dist(size_t(block) * n);
  SqDistances gemm;
  for (int64_t b0 = 0; b0 < n; b0 += block) {
    const int64_t rows = std::min(block, n - b0);
    gemm.distances(x.data() + b0 * d, sq.data() + b0, rows, x.data(), sq.data(), n, d, dist.data());
#pragma omp parallel
    {
      std::vector<std::pair<float, int>> cand(n);
#pragma omp for schedule(static)
      for (int64_t r = 0; r < rows; ++r) {
        const int64_t i = b0 + r;
        const float* row = dist.data() + r * n;
        int64_t m = 0;
        for (int64_t j = 0; j < n; ++j)
          if (j != i) cand[m++] = {row[j], int(j)};
        const int64_t keep = std::min<int64_t>(m, k + kSpareCandidates);
        std::nth_element(cand.begin(), cand.begin() + (keep - 1), cand.begin() + m);
        std::vector<std::pair<double, int>> exact(keep);
        for (int64_t c = 0; c < keep; ++c)
          exact[c] = {exact_sq_dist(x.data() + i * d, x.data() + int64_t(cand[c].second) * d, d),
                      cand[c].second};
        keep_nearest(k, exact, idx.data() + i * k, dist2.data() + i * k);
      }
    }
  }
}

// [SECTION] Vantage-point tree

namespace {

// Squared distances from q to the points of a bucket stored by column (cols[t * width + p]: the
// t-th coordinate of point p; width a multiple of 8, at most 16): eight points a vector, no sums
// across lanes. The query loop of the tree spends most of its time here.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpsabi"  // Float8 stays inside the clones (core/simd_clones.hpp)
AELAB_CLONES_AVX512 void bucket_sq_dists(const float* q, const float* cols, int64_t d, int width,
                                         float* out) {
  for (int p = 0; p < width; p += 16) {
    Float8 a = Float8{}, b = Float8{};
    const bool two = p + 8 < width;
    for (int64_t t = 0; t < d; ++t) {
      const float* c = cols + t * width + p;
      const Float8 qt = Float8{} + q[t];
      const Float8 u = load8(c) - qt;
      a += u * u;
      if (two) {
        const Float8 v = load8(c + 8) - qt;
        b += v * v;
      }
    }
    store8(out + p, a);
    if (two) store8(out + p + 8, b);
  }
}

// |a - b|^2 over d floats, eight lanes at a time (the distance to a vantage point).
AELAB_CLONES_AVX512 float row_sq_dist8(const float* a, const float* b, int64_t d) {
  Float8 acc = Float8{};
  int64_t t = 0;
  for (; t + 8 <= d; t += 8) {
    const Float8 u = load8(a + t) - load8(b + t);
    acc += u * u;
  }
  float s = 0.0f;
  for (int lane = 0; lane < 8; ++lane) s += acc[lane];
  for (; t < d; ++t) s += (a[t] - b[t]) * (a[t] - b[t]);
  return s;
}
#pragma GCC diagnostic pop

// A vantage-point tree over the rows of x (Yianilos 1993, as in bhtsne): each node splits its
// points by the median distance to a vantage point; a k-NN query descends the near side first
// and visits the far side only when the ball of the current k-th distance crosses the median.
// Nodes of at most kLeaf points are buckets scanned in one loop. The rows are copied in tree
// order, so a node's points and a query's neighbours sit close together in memory.
class VpTree {
 public:
  static constexpr int kLeaf = 16;

  explicit VpTree(const Tensor& x) : d_(x.dim(1)) {
    const int n = int(x.dim(0));
    std::vector<std::pair<float, int>> items(n);
    for (int i = 0; i < n; ++i) items[i] = {0.f, i};
    nodes_.reserve(size_t(n / kLeaf * 2 + 2));
    Rng rng(0x5eed);
    build(x.data(), items, 0, n, rng);
    order_.resize(n);
    pts_.resize(size_t(n) * d_);
    for (int t = 0; t < n; ++t) {
      order_[t] = items[t].second;
      std::copy_n(x.data() + int64_t(items[t].second) * d_, d_, pts_.data() + int64_t(t) * d_);
    }
    // The buckets' points once more, by column, for bucket_sq_dists.
    for (Node& nd : nodes_) {
      if (nd.inside >= 0) continue;
      nd.width = (nd.end - nd.begin + 7) / 8 * 8;
      nd.cols = int64_t(cols_.size());
      cols_.resize(cols_.size() + size_t(nd.width * d_), 0.0f);
      for (int p = 0; p < nd.end - nd.begin; ++p)
        for (int64_t t = 0; t < d_; ++t)
          cols_[size_t(nd.cols + t * nd.width + p)] = pts_[size_t((nd.begin + p) * d_ + t)];
    }
  }

  [[nodiscard]] int size() const { return int(order_.size()); }
  [[nodiscard]] int row_at(int position) const { return order_[position]; }
  [[nodiscard]] const float* point(int position) const {
    return pts_.data() + int64_t(position) * d_;
  }

  // The `want` nearest rows to the row at tree position `pos` (itself excluded), as
  // (float squared distance, row) pairs in a max-heap.
  void query(int pos, int want, std::vector<std::pair<float, int>>& heap) const {
    heap.clear();
    float tau = std::numeric_limits<float>::infinity();
    search(0, pos, pts_.data() + int64_t(pos) * d_, want, heap, tau);
  }

 private:
  struct Node {
    int begin = 0, end = 0;  // tree positions; a bucket when inside < 0
    float radius = 0;        // median distance to the vantage point at position begin
    int inside = -1, outside = -1;
    int width = 0;      // a bucket's point count rounded up to 8
    int64_t cols = -1;  // where its points start in cols_
  };

  // items[lo, hi): (scratch distance, row); returns the node id.
  int build(const float* x, std::vector<std::pair<float, int>>& items, int lo, int hi, Rng& rng) {
    const int id = int(nodes_.size());
    nodes_.push_back({lo, hi});
    if (hi - lo <= kLeaf) return id;
    const int pick = lo + int(rng.below(uint64_t(hi - lo)));
    std::swap(items[lo], items[pick]);
    const float* vp = x + int64_t(items[lo].second) * d_;
    for (int t = lo + 1; t < hi; ++t)
      items[t].first = std::sqrt(row_sq_dist8(vp, x + int64_t(items[t].second) * d_, d_));
    const int mid = (lo + 1 + hi) / 2;
    std::nth_element(items.begin() + lo + 1, items.begin() + mid, items.begin() + hi);
    nodes_[id].radius = items[mid].first;
    const int inside = build(x, items, lo + 1, mid, rng);
    const int outside = build(x, items, mid, hi, rng);
    nodes_[id].inside = inside;
    nodes_[id].outside = outside;
    return id;
  }

  void offer(int pos, float d2, int want, std::vector<std::pair<float, int>>& heap,
             float& tau) const {
    if (d2 >= tau * tau) return;
    heap.push_back({d2, pos});
    std::push_heap(heap.begin(), heap.end());
    if (int(heap.size()) > want) {
      std::pop_heap(heap.begin(), heap.end());
      heap.pop_back();
    }
    if (int(heap.size()) == want) tau = std::sqrt(heap.front().first);
  }

  void search(int id, int self, const float* q, int want, std::vector<std::pair<float, int>>& heap,
              float& tau) const {
    const Node& nd = nodes_[id];
    if (nd.inside < 0) {  // a bucket
      float d2[kLeaf + 8];
      bucket_sq_dists(q, cols_.data() + nd.cols, d_, nd.width, d2);
      for (int t = nd.begin; t < nd.end; ++t)
        if (t != self) offer(t, d2[t - nd.begin], want, heap, tau);
      return;
    }
    const float d2 = row_sq_dist8(q, pts_.data() + int64_t(nd.begin) * d_, d_);
    if (nd.begin != self) offer(nd.begin, d2, want, heap, tau);
    const float dd = std::sqrt(d2);
    if (dd < nd.radius) {
      if (dd - tau <= nd.radius) search(nd.inside, self, q, want, heap, tau);
      if (dd + tau >= nd.radius) search(nd.outside, self, q, want, heap, tau);
    } else {
      if (dd + tau >= nd.radius) search(nd.outside, self, q, want, heap, tau);
      if (dd - tau <= nd.radius) search(nd.inside, self, q, want, heap, tau);
    }
  }

  int64_t d_;
  std::vector<Node> nodes_;
  std::vector<int> order_;   // tree position -> row
  std::vector<float> pts_;   // rows in tree order (n * d)
  std::vector<float> cols_;  // the buckets' rows by column (see Node::cols)
};

// Brute force below this many points (the GEMM pass is cheap) or above this many dimensions
// (metric trees prune little there).
constexpr int64_t kTreeMinPoints = 4096;
constexpr int64_t kTreeMaxDims = 64;

}  // namespace

void tsne_neighbours_tree(const Tensor& x, int k, std::vector<int>& idx,
                          std::vector<double>& dist2) {
  const int64_t n = x.dim(0);
  idx.resize(size_t(n) * k);
  dist2.resize(size_t(n) * k);
  const VpTree tree(x);
  const int want = int(std::min<int64_t>(n - 1, k + kSpareCandidates));
#pragma omp parallel
  {
    std::vector<std::pair<float, int>> heap;
    std::vector<std::pair<double, int>> exact;
    // Queries in tree order: consecutive ones are near each other and walk the same nodes.
#pragma omp for schedule(dynamic, 64)
    for (int pos = 0; pos < int(n); ++pos) {
      tree.query(pos, want, heap);
      exact.resize(heap.size());
      // From the tree's copy of the rows: the candidates sit near the query in tree order.
      for (size_t c = 0; c < heap.size(); ++c)
        exact[c] = {exact_sq_dist(tree.point(pos), tree.point(heap[c].second), x.dim(1)),
                    tree.row_at(heap[c].second)};
      const int64_t i = tree.row_at(pos);
      keep_nearest(k, exact, idx.data() + i * k, dist2.data() + i * k);
    }
  }
}

namespace {

void nearest_neighbours(const Tensor& x, int k, std::vector<int>& idx, std::vector<double>& dist2) {
  if (x.dim(0) >= kTreeMinPoints && x.dim(1) <= kTreeMaxDims)
    tsne_neighbours_tree(x, k, idx, dist2);
  else
    tsne_neighbours_brute(x, k, idx, dist2);
}

}  // namespace

void tsne_conditional(std::span<const double> dist2, int64_t n, int k, double perplexity,
                      std::vector<double>& cond) {
  cond.resize(size_t(n) * k);
  const double target = std::log(perplexity);
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < n; ++i) {
    const double* dd = dist2.data() + i * k;
    double* p = cond.data() + i * k;
    // Entropy is shift invariant: subtract the nearest distance so exp() never underflows to 0.
    const double d0 = *std::min_element(dd, dd + k);
    double beta = 1.0, lo = -std::numeric_limits<double>::infinity(),
           hi = std::numeric_limits<double>::infinity();
    for (int step = 0; step < 200; ++step) {
      double sum = 0.0;
      for (int j = 0; j < k; ++j) sum += (p[j] = std::exp(-(dd[j] - d0) * beta));
      double mean_d = 0.0;
      for (int j = 0; j < k; ++j) {
        p[j] /= sum;
        mean_d += (dd[j] - d0) * p[j];
      }
      const double entropy = std::log(sum) + beta * mean_d;
      const double diff = entropy - target;
      if (std::fabs(diff) <= 1e-5) break;
      if (diff > 0) {  // too flat: sharpen
        lo = beta;
        beta = std::isinf(hi) ? beta * 2.0 : 0.5 * (beta + hi);
      } else {
        hi = beta;
        beta = std::isinf(lo) ? beta / 2.0 : 0.5 * (beta + lo);
      }
    }
  }
}

SparseAffinities tsne_affinities(const Tensor& x, double perplexity) {
  check_data(x);
  const int64_t n = x.dim(0);
  check_perplexity(perplexity, n);
  const int k = int(std::min<int64_t>(n - 1, int64_t(3.0 * perplexity + 1.0)));
  std::vector<int> idx;
  std::vector<double> dist2, cond;
  nearest_neighbours(x, k, idx, dist2);
  tsne_conditional(dist2, n, k, perplexity, cond);

  // P = (P_cond + P_cond^T) / sum, as CSR with sorted, merged columns.
  std::vector<int64_t> deg(n + 1, 0);
  for (int64_t i = 0; i < n; ++i) {
    deg[i + 1] += k;
    for (int c = 0; c < k; ++c) deg[idx[i * k + c] + 1] += 1;
  }
  std::partial_sum(deg.begin(), deg.end(), deg.begin());
  std::vector<std::pair<int, double>> entries(deg[n]);
  std::vector<int64_t> fill(deg.begin(), deg.end() - 1);
  for (int64_t i = 0; i < n; ++i)
    for (int c = 0; c < k; ++c) {
      const int j = idx[i * k + c];
      const double v = cond[i * k + c];
      entries[fill[i]++] = {j, v};
      entries[fill[j]++] = {int(i), v};
    }
  // Each row sorted and its pairs merged on the threads (a serial second at 70,000 points); the
  // total is summed afterwards in the same order as one thread would, so P is the same bits.
  SparseAffinities p;
  p.n = n;
  p.row_ptr.assign(n + 1, 0);
  std::vector<int64_t> unique(static_cast<size_t>(n), 0);
#pragma omp parallel for schedule(dynamic, 256) if (n >= kParallelMinPoints)
  for (int64_t i = 0; i < n; ++i) {
    auto first = entries.begin() + deg[i], last = entries.begin() + deg[i + 1];
    std::sort(first, last, [](const auto& a, const auto& b) { return a.first < b.first; });
    int64_t u = 0;
    for (auto it = first; it != last; ++it) u += it == first || it[-1].first != it->first;
    unique[size_t(i)] = u;
  }
  double total = 0.0;
  for (int64_t i = 0; i < n; ++i) {
    p.row_ptr[i + 1] = p.row_ptr[i] + unique[size_t(i)];
    for (int64_t e = deg[i]; e < deg[i + 1]; ++e) total += entries[size_t(e)].second;
  }
  p.col.resize(size_t(p.row_ptr[n]));
  p.val.resize(size_t(p.row_ptr[n]));
#pragma omp parallel for schedule(dynamic, 256) if (n >= kParallelMinPoints)
  for (int64_t i = 0; i < n; ++i) {
    int64_t at = p.row_ptr[i] - 1;
    double v = 0.0;
    for (int64_t e = deg[i]; e < deg[i + 1]; ++e) {
      const auto& [col, value] = entries[size_t(e)];
      if (e > deg[i] && entries[size_t(e - 1)].first == col) {
        v += value;
      } else {
        if (at >= p.row_ptr[i]) p.val[size_t(at)] = float(v / total);
        p.col[size_t(++at)] = col;
        v = value;
      }
    }
    if (at >= p.row_ptr[i]) p.val[size_t(at)] = float(v / total);
  }
  return p;
}

// [SECTION] Quadtree (Barnes-Hut)

namespace {

// A node as the walk reads it at every visit: 16 bytes, so the nodes of a 70,000-point tree
// (about 20,000) stay in a core's L2 cache. Float, as the interaction lists the walk fills.
struct QuadCell {
  float cx = 0, cy = 0;  // centre of mass
  float size = 0;        // longest side of the points' bounding box (tighter than the cell)
  float count = 0;
};

// What the walk reads only when it opens a node.
struct QuadLinks {
  int first_child = -1;  // children are contiguous; -1 for a leaf
  int n_children = 0;
  int begin = 0, end = 0;  // the node's points in QuadTree::order
};

class QuadTree {
 public:
  static constexpr int kLeafCapacity = 8;
  static constexpr int kMaxDepth = 40;
  static constexpr int kGroupSize = 192;

  // Rebuilds the tree for map y (n * 2). Points are partitioned as (x, y, index) records, starting
  // from the previous build's order: the map moves little per iteration, so the records are
  // nearly in place and the partitions stay cache friendly.
  void build(const double* y, int n) {
    if (int(pts_.size()) != n) {
      pts_.resize(n);
      for (int i = 0; i < n; ++i) pts_[i].idx = i;
    }
    for (Pt& p : pts_) {
      p.x = y[2 * p.idx];
      p.y = y[2 * p.idx + 1];
    }
    cells.clear();
    links.clear();
    cells.reserve(size_t(n) / 2);
    links.reserve(size_t(n) / 2);
    double x0 = y[0], x1 = y[0], y0 = y[1], y1 = y[1];
    for (int i = 1; i < n; ++i) {
      x0 = std::min(x0, y[2 * i]);
      x1 = std::max(x1, y[2 * i]);
      y0 = std::min(y0, y[2 * i + 1]);
      y1 = std::max(y1, y[2 * i + 1]);
    }
    const double w = std::max({x1 - x0, y1 - y0, 1e-12}) * (1.0 + 1e-9);
    cells.emplace_back();
    links.push_back({-1, 0, 0, n});
    split(0, 0.5 * (x0 + x1), 0.5 * (y0 + y1), w, 0);
    collect_groups(groups);
    order.resize(n);
    pos.resize(size_t(n) * 2);
    for (int t = 0; t < n; ++t) {
      order[t] = pts_[t].idx;
      pos[2 * t] = float(pts_[t].x);
      pos[2 * t + 1] = float(pts_[t].y);
    }
  }

  // Groups for the walk: the largest nodes with at most kGroupSize points.
  void collect_groups(std::vector<int>& groups) const {
    groups.clear();
    int stack[4 * kMaxDepth + 8];
    int top = 0;
    stack[top++] = 0;
    while (top > 0) {
      const int id = stack[--top];
      const QuadLinks& nd = links[id];
      if (nd.end - nd.begin <= kGroupSize || nd.first_child < 0) {
        groups.push_back(id);
        continue;
      }
      for (int c = nd.n_children - 1; c >= 0; --c) stack[top++] = nd.first_child + c;
    }
  }

  // Barnes' group walk: one traversal per group of nearby points builds the list of what they
  // interact with. A cell is summarised by its centre of mass when size / distance < theta for
  // the distance to the nearest point of the group's box, so every point of the group meets the
  // per-point Barnes-Hut criterion (the walk is never coarser than plain Barnes-Hut). The list
  // then runs as a flat loop over all points of the group.
  void interaction_list(const QuadLinks& group, float theta2, std::vector<float>& lx,
                        std::vector<float>& ly, std::vector<float>& lc) const {
    float gx0 = pos[2 * group.begin], gx1 = gx0, gy0 = pos[2 * group.begin + 1], gy1 = gy0;
    for (int t = group.begin; t < group.end; ++t) {
      gx0 = std::min(gx0, pos[2 * t]);
      gx1 = std::max(gx1, pos[2 * t]);
      gy0 = std::min(gy0, pos[2 * t + 1]);
      gy1 = std::max(gy1, pos[2 * t + 1]);
    }
    lx.clear();
    ly.clear();
    lc.clear();
    int stack[4 * kMaxDepth + 8];
    int top = 0;
    stack[top++] = 0;
    while (top > 0) {
      const int id = stack[--top];
      const QuadCell& nd = cells[id];
      const float dx = std::max({gx0 - nd.cx, 0.0f, nd.cx - gx1});
      const float dy = std::max({gy0 - nd.cy, 0.0f, nd.cy - gy1});
      if (nd.size * nd.size < theta2 * (dx * dx + dy * dy)) {
        lx.push_back(nd.cx);
        ly.push_back(nd.cy);
        lc.push_back(nd.count);
        continue;
      }
      const QuadLinks& ln = links[id];
      if (ln.first_child < 0) {
        for (int t = ln.begin; t < ln.end; ++t) {  // the group's own points included: q = 1
          lx.push_back(pos[2 * t]);
          ly.push_back(pos[2 * t + 1]);
          lc.push_back(1.0f);
        }
      } else {
        for (int c = 0; c < ln.n_children; ++c) stack[top++] = ln.first_child + c;
      }
    }
  }

  // The points were renumbered in this tree's order (point order[t] of the last build is now t).
  void renumbered_in_order() {
    for (size_t t = 0; t < pts_.size(); ++t) pts_[t].idx = int(t);
  }

  std::vector<QuadCell> cells;
  std::vector<QuadLinks> links;
  std::vector<int> groups;  // node ids, in tree order
  std::vector<int> order;   // points in tree order (leaves contiguous)
  std::vector<float> pos;   // positions in tree order (n * 2)

 private:
  void split(int node, double mx, double my, double width, int depth) {
    const int begin = links[node].begin, end = links[node].end;
    double sx = 0, sy = 0;
    double x0 = pts_[begin].x, x1 = x0, y0 = pts_[begin].y, y1 = y0;
    for (int t = begin; t < end; ++t) {
      const double px = pts_[t].x, py = pts_[t].y;
      sx += px;
      sy += py;
      x0 = std::min(x0, px);
      x1 = std::max(x1, px);
      y0 = std::min(y0, py);
      y1 = std::max(y1, py);
    }
    cells[node] = {float(sx / (end - begin)), float(sy / (end - begin)),
                   float(std::max(x1 - x0, y1 - y0)), float(end - begin)};
    if (end - begin <= kLeafCapacity || depth >= kMaxDepth) return;
    // Quadrants: (left, bottom), (left, top), (right, bottom), (right, top).
    auto first = pts_.begin() + begin, last = pts_.begin() + end;
    auto mid_x = std::partition(first, last, [&](const Pt& p) { return p.x < mx; });
    auto mid_l = std::partition(first, mid_x, [&](const Pt& p) { return p.y < my; });
    auto mid_r = std::partition(mid_x, last, [&](const Pt& p) { return p.y < my; });
    const int cuts[5] = {begin, int(mid_l - pts_.begin()), int(mid_x - pts_.begin()),
                         int(mid_r - pts_.begin()), end};
    const double q = 0.25 * width;
    const double cxs[4] = {mx - q, mx - q, mx + q, mx + q},
                 cys[4] = {my - q, my + q, my - q, my + q};
    const int first_child = int(links.size());
    int made = 0;
    int which[4];
    for (int c = 0; c < 4; ++c) {
      if (cuts[c + 1] == cuts[c]) continue;
      cells.emplace_back();
      links.push_back({-1, 0, cuts[c], cuts[c + 1]});
      which[made++] = c;
    }
    links[node].first_child = first_child;
    links[node].n_children = made;
    for (int m = 0; m < made; ++m)
      split(first_child + m, cxs[which[m]], cys[which[m]], 0.5 * width, depth + 1);
  }

  struct Pt {
    double x, y;
    int idx;
  };
  std::vector<Pt> pts_;
};

// Attraction: sum_j P_ij q_ij (y_i - y_j), the sparse part of the gradient.
void attract(const SparseAffinities& p, const double* y, int64_t i, double& fx, double& fy) {
  const double px = y[2 * i], py = y[2 * i + 1];
  for (int64_t e = p.row_ptr[i]; e < p.row_ptr[i + 1]; ++e) {
    const int j = p.col[e];
    const double dx = px - y[2 * j], dy = py - y[2 * j + 1];
    const double f = p.val[e] / (1.0 + dx * dx + dy * dy);
    fx += f * dx;
    fy += f * dy;
  }
}

void check_map(const SparseAffinities& p, std::span<const double> y, std::span<double> grad) {
  if (int64_t(y.size()) != 2 * p.n || int64_t(grad.size()) != 2 * p.n)
    throw ShapeError("t-SNE gradient: map and gradient must hold 2 * N values");
}

}  // namespace

// [SECTION] Gradients

double tsne_gradient_exact(const SparseAffinities& p, std::span<const double> y,
                           double exaggeration, std::span<double> grad) {
  check_map(p, y, grad);
  const int64_t n = p.n;
  std::vector<double> rep(2 * n, 0.0);
  double z = 0.0;
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < n; ++j) {
      if (i == j) continue;
      const double dx = y[2 * i] - y[2 * j], dy = y[2 * i + 1] - y[2 * j + 1];
      const double q = 1.0 / (1.0 + dx * dx + dy * dy);
      z += q;
      rep[2 * i] += q * q * dx;
      rep[2 * i + 1] += q * q * dy;
    }
  for (int64_t i = 0; i < n; ++i) {
    double fx = 0, fy = 0;
    attract(p, y.data(), i, fx, fy);
    grad[2 * i] = 4.0 * (exaggeration * fx - rep[2 * i] / z);
    grad[2 * i + 1] = 4.0 * (exaggeration * fy - rep[2 * i + 1] / z);
  }
  return z;
}

namespace {

// Repulsion of one point from an interaction list: sum of c q and of c q^2 (p - l), with
// q = 1 / (1 + |p - l|^2). Vectorised; built for AVX-512 and AVX2 too where the CPU has them.
AELAB_CLONES_AVX512 void repulse_list(float px, float py, const float* lx, const float* ly,
                                      const float* lc, int m, double* out) {
  float fx = 0, fy = 0, sq = 0;
#pragma omp simd reduction(+ : fx, fy, sq)
  for (int k = 0; k < m; ++k) {
    const float dx = px - lx[k], dy = py - ly[k];
    const float q = 1.0f / (1.0f + dx * dx + dy * dy), cq = lc[k] * q;
    sq += cq;
    fx += cq * q * dx;
    fy += cq * q * dy;
  }
  out[0] = fx;
  out[1] = fy;
  out[2] = double(sq) - 1.0;  // the point itself sits in its own list with q = 1 and no force
}

// P in the optimiser's numbering. Every row holds all its pairs (P is symmetric), so the
// attraction only gathers: each row sums its own forces in a vectorised loop, with no scattered
// writes to the other end of each pair and no per-thread sums to add up (which also makes the
// gradient the same for any thread count).
//
// `perm` (current index -> row of p), when given, renumbers the points: the optimiser numbers them
// in the quadtree's order of the map now and then, so that pairs near in the map, which most of
// P's pairs become, are near in memory too (the attraction's reads of y and the repulsion's writes
// hit the cache instead of memory: at 70,000 points a third of the time went there before).
//
// Compressed to about 4 bytes a pair from 8: the attraction reads all of P every iteration (at
// 70,000 points 36 MB instead of 73 MB, and half the memory held). A pair whose other end is within
// 32,767 positions (most, once the points are in map order) keeps a 16-bit offset and its value in
// half precision, 4 bytes; the others a 32-bit column and a float. Values are scaled by a power of
// two (exact) so the largest is 2^15: every value above 2^-15 of the largest is a normal half,
// rounded by at most 2^-11 of itself (Barnes-Hut at theta 0.5 errs by ~1e-2). Each row's near pairs
// are padded to a multiple of kNearStep with pairs of the point with itself of value 0 (their force
// is 0 * 0), so the vector loop needs no scalar tail.
constexpr int64_t kNearStep = 4;

struct MapAffinities {
  std::vector<int64_t> near_ptr, far_ptr;  // (n + 1) each
  std::vector<int16_t> off;                // j - i
  std::vector<uint16_t> half;              // P_ij * scale, binary16
  std::vector<int> far_col;
  std::vector<float> far_val;  // P_ij * scale
  float inv_scale = 1.0f;
};

MapAffinities renumbered(const SparseAffinities& p, std::span<const int> perm = {}) {
  const int64_t n = p.n;
  const auto row_of = [&](int64_t r) { return perm.empty() ? r : int64_t(perm[size_t(r)]); };
  std::vector<int> rank(static_cast<size_t>(n));
  for (int64_t r = 0; r < n; ++r) rank[size_t(row_of(r))] = int(r);
  const auto near = [](int64_t r, int j) { return std::abs(int64_t(j) - r) <= 32767; };
  MapAffinities m;
  const float top = p.val.empty() ? 1.0f : *std::max_element(p.val.begin(), p.val.end());
  const int exp = top > 0 ? 15 - std::ilogb(top) - 1 : 0;  // top * 2^exp in [2^14, 2^15)
  const float scale = std::ldexp(1.0f, exp);
  m.inv_scale = std::ldexp(1.0f, -exp);
  m.near_ptr.assign(size_t(n) + 1, 0);
  m.far_ptr.assign(size_t(n) + 1, 0);
#pragma omp parallel for schedule(static, 1024) if (n >= kParallelMinPoints)
  for (int64_t r = 0; r < n; ++r) {
    const int64_t i = row_of(r);
    int64_t c = 0;
    for (int64_t e = p.row_ptr[i]; e < p.row_ptr[i + 1]; ++e) c += near(r, rank[size_t(p.col[e])]);
    m.near_ptr[r + 1] = (c + kNearStep - 1) / kNearStep * kNearStep;
    m.far_ptr[r + 1] = (p.row_ptr[i + 1] - p.row_ptr[i]) - c;
  }
  for (int64_t r = 0; r < n; ++r) {
    m.near_ptr[r + 1] += m.near_ptr[r];
    m.far_ptr[r + 1] += m.far_ptr[r];
  }
  m.off.resize(size_t(m.near_ptr[n]));
  m.half.resize(size_t(m.near_ptr[n]));
  m.far_col.resize(size_t(m.far_ptr[n]));
  m.far_val.resize(size_t(m.far_ptr[n]));
#pragma omp parallel for schedule(static, 1024) if (n >= kParallelMinPoints)
  for (int64_t r = 0; r < n; ++r) {
    const int64_t i = row_of(r);
    int64_t to_near = m.near_ptr[r], to_far = m.far_ptr[r];
    for (int64_t e = p.row_ptr[i]; e < p.row_ptr[i + 1]; ++e) {
      const int j = rank[size_t(p.col[e])];
      const float v = p.val[e] * scale;
      if (near(r, j)) {
        m.off[size_t(to_near)] = int16_t(j - r);
        m.half[size_t(to_near++)] = float_to_half(v);
      } else {
        m.far_col[size_t(to_far)] = j;
        m.far_val[size_t(to_far++)] = v;
      }
    }
    for (; to_near < m.near_ptr[r + 1]; ++to_near) {  // padding: the point itself, value 0
      m.off[size_t(to_near)] = 0;
      m.half[size_t(to_near)] = 0;
    }
  }
  return m;
}

// The pairs whose other end is far in the numbering, added to a row's (scaled) force. Inlined:
// called from the AVX2 loop, a call per row cost more than the few pairs it adds.
[[gnu::always_inline]] inline void attract_far(const MapAffinities& p, const float* y, int64_t i,
                                               float px, float py, float& fx, float& fy) {
  for (int64_t e = p.far_ptr[i]; e < p.far_ptr[i + 1]; ++e) {
    const int64_t j = p.far_col[size_t(e)];
    const float dx = px - y[2 * j], dy = py - y[2 * j + 1];
    const float w = p.far_val[size_t(e)] / (1.0f + dx * dx + dy * dy);
    fx += w * dx;
    fy += w * dy;
  }
}

// Attraction of the points [i0, i1), sum_j P_ij q_ij (y_i - y_j), into f (x, y per point). The map
// is float, (x, y) interleaved. Plain loop: the reference and the build for CPUs without AVX2.
void attract_rows_plain(const MapAffinities& p, const float* y, int64_t i0, int64_t i1, double* f) {
  for (int64_t i = i0; i < i1; ++i) {
    const float px = y[2 * i], py = y[2 * i + 1];
    float fx = 0, fy = 0;
    for (int64_t e = p.near_ptr[i]; e < p.near_ptr[i + 1]; ++e) {
      const int64_t j = i + p.off[size_t(e)];
      const float dx = px - y[2 * j], dy = py - y[2 * j + 1];
      const float w = half_to_float(p.half[size_t(e)]) / (1.0f + dx * dx + dy * dy);
      fx += w * dx;
      fy += w * dy;
    }
    attract_far(p, y, i, px, py, fx, fy);
    f[2 * i] = double(fx) * p.inv_scale;
    f[2 * i + 1] = double(fy) * p.inv_scale;
  }
}

#ifdef __x86_64__
// Four pairs of row i from entry e: their forces' sum, lanes x, y, x, y, ...
__attribute__((target("avx2,fma,f16c"), always_inline)) inline __m256 attract4(
    const double* yi, __m256 pxy, const int16_t* off, const uint16_t* half) {
  const __m128d a = _mm_loadh_pd(_mm_load_sd(yi + off[0]), yi + off[1]);
  const __m128d b = _mm_loadh_pd(_mm_load_sd(yi + off[2]), yi + off[3]);
  const __m256 q = _mm256_castpd_ps(_mm256_insertf128_pd(_mm256_castpd128_pd256(a), b, 1));
  const __m256 d = _mm256_sub_ps(pxy, q);
  const __m256 sq = _mm256_mul_ps(d, d);
  const __m256 den =
      _mm256_add_ps(_mm256_add_ps(sq, _mm256_permute_ps(sq, 0xB1)), _mm256_set1_ps(1.0f));
  const __m128 v4 = _mm_cvtph_ps(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(half)));
  const __m256 v = _mm256_permutevar8x32_ps(_mm256_castps128_ps256(v4),
                                            _mm256_setr_epi32(0, 0, 1, 1, 2, 2, 3, 3));
  // 1 / den: the reciprocal estimate and one Newton step (float precision; a division's
  // throughput on Zen 3 held the loop back by ~15 %).
  const __m256 r0 = _mm256_rcp_ps(den);
  const __m256 r = _mm256_mul_ps(r0, _mm256_fnmadd_ps(den, r0, _mm256_set1_ps(2.0f)));
  return _mm256_mul_ps(_mm256_mul_ps(v, r), d);
}

// The same with AVX2, four pairs a step (rows are padded to whole steps): each neighbour's (x, y)
// is one 64-bit load (a gather instruction was twice as slow on Zen 3), the arithmetic stays
// interleaved (lanes x, y, x, y, ...), the values decode with F16C, two sums so the next step
// does not wait on the last one's addition. The order of the sums differs from the plain loop's,
// so the last bits may differ.
__attribute__((target("avx2,fma,f16c"))) void attract_rows_avx2(const MapAffinities& p,
                                                                const float* y, int64_t i0,
                                                                int64_t i1, double* f) {
  const double* yy = reinterpret_cast<const double*>(y);  // (x, y) as one 64-bit lane
  const int16_t* off = p.off.data();
  const uint16_t* half = p.half.data();
  for (int64_t i = i0; i < i1; ++i) {
    const __m256 pxy = _mm256_castpd_ps(_mm256_broadcast_sd(yy + i));
    __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
    int64_t e = p.near_ptr[i];
    const int64_t end = p.near_ptr[i + 1];
    for (; e + 8 <= end; e += 8) {
      acc0 = _mm256_add_ps(acc0, attract4(yy + i, pxy, off + e, half + e));
      acc1 = _mm256_add_ps(acc1, attract4(yy + i, pxy, off + e + 4, half + e + 4));
    }
    if (e < end) acc0 = _mm256_add_ps(acc0, attract4(yy + i, pxy, off + e, half + e));
    alignas(32) float lanes[8];
    _mm256_store_ps(lanes, _mm256_add_ps(acc0, acc1));
    float fx = (lanes[0] + lanes[2]) + (lanes[4] + lanes[6]);
    float fy = (lanes[1] + lanes[3]) + (lanes[5] + lanes[7]);
    attract_far(p, y, i, y[2 * i], y[2 * i + 1], fx, fy);
    f[2 * i] = double(fx) * p.inv_scale;
    f[2 * i + 1] = double(fy) * p.inv_scale;
  }
}
#endif

using AttractRows = void (*)(const MapAffinities&, const float*, int64_t, int64_t, double*);

AttractRows best_attract_rows() {
#ifdef __x86_64__
  // F16C came before AVX2 on every CPU that has both; clang 14's __builtin_cpu_supports does
  // not know its name, so there only AVX2 and FMA are asked for.
  static const AttractRows best = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")
#ifndef __clang__
                                          && __builtin_cpu_supports("f16c")
#endif
                                      ? attract_rows_avx2
                                      : attract_rows_plain;
  return best;
#else
  return attract_rows_plain;
#endif
}

std::atomic<bool> plain_attraction{false};  // detail::set_tsne_plain_kernels

AttractRows attract_rows() {
  return plain_attraction.load(std::memory_order_relaxed) ? attract_rows_plain
                                                          : best_attract_rows();
}

}  // namespace

namespace detail {

bool tsne_vector_kernels() {
  return best_attract_rows() != attract_rows_plain;
}

void set_tsne_plain_kernels(bool plain) {
  plain_attraction.store(plain, std::memory_order_relaxed);
}

}  // namespace detail

namespace {

struct BhWorkspace {
  QuadTree tree;
  std::vector<double> rep;  // per point: repulsion x, y, sum of q
  std::vector<double> att;  // per point: attraction x, y
  std::vector<float> yf;    // the map in float
};

// Barnes-Hut gradient with caller-owned tree and scratch (the optimiser reuses them).
double gradient_bh(const MapAffinities& p, int n, const double* y, double exaggeration,
                   double theta, BhWorkspace& ws, double* grad) {
  QuadTree& tree = ws.tree;
  ws.rep.resize(size_t(n) * 3);
  ws.att.resize(size_t(n) * 2);
  ws.yf.resize(size_t(n) * 2);
  for (size_t c = 0; c < size_t(n) * 2; ++c) ws.yf[c] = float(y[c]);
  const float theta2 = float(theta * theta);
  // The tree is built by one thread (its recursion is serial) while the others compute the
  // attraction, which needs no tree; the builder joins the attraction when it is done.
  constexpr int kChunk = 512;
  std::atomic<int> next_chunk{0};
  const int chunks = (n + kChunk - 1) / kChunk;
#pragma omp parallel if (n >= kParallelMinPoints)
  {
#pragma omp single nowait
    tree.build(y, n);
    const AttractRows attract = attract_rows();
    for (int c; (c = next_chunk.fetch_add(1, std::memory_order_relaxed)) < chunks;)
      attract(p, ws.yf.data(), c * kChunk, std::min(n, (c + 1) * kChunk), ws.att.data());
#pragma omp barrier
    std::vector<float> lx, ly, lc;
    const int n_groups = int(tree.groups.size());
#pragma omp for schedule(dynamic, 4)
    for (int g = 0; g < n_groups; ++g) {
      const QuadLinks& group = tree.links[tree.groups[g]];
      tree.interaction_list(group, theta2, lx, ly, lc);
      for (int t = group.begin; t < group.end; ++t)
        repulse_list(tree.pos[2 * t], tree.pos[2 * t + 1], lx.data(), ly.data(), lc.data(),
                     int(lx.size()), &ws.rep[3 * size_t(tree.order[t])]);
    }
  }
  double z = 0.0;
  for (int i = 0; i < n; ++i) z += ws.rep[3 * i + 2];  // fixed order: deterministic

#pragma omp parallel for schedule(static) if (n >= kParallelMinPoints)
  for (int i = 0; i < n; ++i) {
    grad[2 * i] = 4.0 * (exaggeration * ws.att[2 * i] - ws.rep[3 * i] / z);
    grad[2 * i + 1] = 4.0 * (exaggeration * ws.att[2 * i + 1] - ws.rep[3 * i + 1] / z);
  }
  return z;
}

double kl_divergence(const SparseAffinities& p, const double* y, double z) {
  double kl = 0.0;
  for (int64_t i = 0; i < p.n; ++i)
    for (int64_t e = p.row_ptr[i]; e < p.row_ptr[i + 1]; ++e) {
      const int j = p.col[e];
      const double dx = y[2 * i] - y[2 * j], dy = y[2 * i + 1] - y[2 * j + 1];
      const double q = 1.0 / (1.0 + dx * dx + dy * dy) / z;
      if (p.val[e] > 0) kl += p.val[e] * std::log(p.val[e] / std::max(q, 1e-300));
    }
  return kl;
}

}  // namespace

double tsne_gradient_bh(const SparseAffinities& p, std::span<const double> y, double exaggeration,
                        double theta, std::span<double> grad) {
  check_map(p, y, grad);
  BhWorkspace ws;
  return gradient_bh(renumbered(p), int(p.n), y.data(), exaggeration, theta, ws, grad.data());
}

// [SECTION] Optimiser

// Progress: the neighbour search and affinities are the first kAffinityShare (a fifth of the
// time at 70,000 points, less below), the iterations the rest up to kIterationsEnd, the final
// gradient and KL the last bit, so the bar reaches 1 only with the map.
constexpr double kAffinityShare = 0.15, kIterationsEnd = 0.98;

std::string tsne_stage(double fraction, int iterations) {
  if (!(fraction >= kAffinityShare)) return "neighbours and affinities";
  if (fraction >= 1.0) return "done";
  if (fraction >= kIterationsEnd) return "final KL";
  const double done = (fraction - kAffinityShare) / (kIterationsEnd - kAffinityShare);
  const int it = std::clamp(int(std::lround(done * iterations)), 0, iterations);
  return "iteration " + std::to_string(it) + " of " + std::to_string(iterations);
}

TsneResult tsne(const Tensor& x, const TsneConfig& config, std::atomic<bool>* cancel,
                std::function<void(double)> progress) {
  check_data(x);
  const int64_t n = x.dim(0);
  check_perplexity(config.perplexity, n);
  if (config.iterations < 1) throw InputError("t-SNE: iterations must be at least 1");
  if (config.exaggeration_iters < 0) throw InputError("t-SNE: exaggeration_iters must be >= 0");
  if (!(config.early_exaggeration >= 1.0))
    throw InputError("t-SNE: early exaggeration must be >= 1");
  if (!(config.theta >= 0.0 && config.theta < 2.0))
    throw InputError("t-SNE: theta must be in [0, 2)");
  if (!std::isfinite(config.learning_rate)) throw InputError("t-SNE: learning rate must be finite");

  if (progress) progress(0.0);
  const SparseAffinities p = tsne_affinities(x, config.perplexity);
  if (progress) progress(kAffinityShare);
  const double lr = config.learning_rate > 0
                        ? config.learning_rate
                        : std::max(double(n) / config.early_exaggeration / 4.0, 50.0);

  // Initial map with standard deviation 1e-4 (sklearn): PCA of the data, or Gaussian noise.
  std::vector<double> y(2 * n);
  if (config.init == TsneInit::Pca && x.dim(1) >= 2) {
    const Tensor proj = fit_pca(x, 2).project(x);
    double mean = 0.0, m2 = 0.0;
    for (int64_t i = 0; i < n; ++i) mean += proj.data()[2 * i];
    mean /= double(n);
    for (int64_t i = 0; i < n; ++i) m2 += std::pow(proj.data()[2 * i] - mean, 2);
    const double sd = std::sqrt(m2 / double(n));
    const double scale = sd > 0 ? 1e-4 / sd : 1.0;
    for (int64_t i = 0; i < 2 * n; ++i) y[i] = proj.data()[i] * scale;
  } else {
    Rng rng(config.seed);
    for (double& v : y) v = 1e-4 * rng.normal();
  }

  std::vector<double> grad(2 * n), update(2 * n, 0.0), gains(2 * n, 1.0);
  // The points are renumbered in the map's quadtree order every kRenumberEvery iterations (see
  // MapAffinities); perm maps the current numbering to p's rows. Same answer for a seed and a
  // thread count; the map's order of summation changes, not what is summed.
  constexpr int kRenumberEvery = 100;
  std::vector<int> perm(static_cast<size_t>(n));
  std::iota(perm.begin(), perm.end(), 0);
  MapAffinities pm;  // p in the current numbering
  BhWorkspace ws;
  std::vector<double> scratch(2 * n);
  std::vector<int> moved(static_cast<size_t>(n));
  const auto renumber = [&] {
    const std::vector<int>& order = ws.tree.order;  // tree position -> current index
    for (std::vector<double>* v : {&y, &update, &gains}) {
      for (int64_t t = 0; t < n; ++t) {
        scratch[2 * t] = (*v)[2 * size_t(order[size_t(t)])];
        scratch[2 * t + 1] = (*v)[2 * size_t(order[size_t(t)]) + 1];
      }
      v->swap(scratch);
    }
    for (int64_t t = 0; t < n; ++t) moved[size_t(t)] = perm[size_t(order[size_t(t)])];
    perm.swap(moved);
    ws.tree.renumbered_in_order();
    pm = renumbered(p, perm);
  };
  ws.tree.build(y.data(), int(n));
  renumber();
  TsneResult result;
  double z = 1.0;
  for (int it = 0; it < config.iterations; ++it) {
    if (cancel && cancel->load()) {
      result.cancelled = true;
      break;
    }
    if (it > 0 && it % kRenumberEvery == 0) renumber();  // ws.tree: the last gradient's tree
    const bool exploring = it < config.exaggeration_iters;
    if (it == config.exaggeration_iters && it > 0) {  // sklearn starts the second stage afresh
      std::fill(update.begin(), update.end(), 0.0);
      std::fill(gains.begin(), gains.end(), 1.0);
    }
    const double exaggeration = exploring ? config.early_exaggeration : 1.0;
    const double momentum = exploring ? 0.5 : 0.8;
    z = gradient_bh(pm, int(n), y.data(), exaggeration, config.theta, ws, grad.data());
#pragma omp parallel for schedule(static) if (n >= kParallelMinPoints)
    for (int64_t c = 0; c < 2 * n; ++c) {
      gains[c] = update[c] * grad[c] < 0.0 ? gains[c] + 0.2 : std::max(gains[c] * 0.8, 0.01);
      update[c] = momentum * update[c] - lr * gains[c] * grad[c];
      y[c] += update[c];
    }
    result.iterations = it + 1;
    if (progress && (it % 10 == 9 || it + 1 == config.iterations))
      progress(kAffinityShare +
               (kIterationsEnd - kAffinityShare) * double(it + 1) / config.iterations);
  }
  for (double v : y)
    if (!std::isfinite(v)) throw std::runtime_error("t-SNE diverged (non-finite map coordinates)");
  z = gradient_bh(pm, int(n), y.data(), 1.0, config.theta, ws, grad.data());
  for (int64_t t = 0; t < n; ++t) {  // back to p's numbering
    scratch[2 * size_t(perm[size_t(t)])] = y[2 * t];
    scratch[2 * size_t(perm[size_t(t)]) + 1] = y[2 * t + 1];
  }
  y.swap(scratch);
  result.kl = kl_divergence(p, y.data(), z);
  result.y = Tensor({n, 2});
  for (int64_t i = 0; i < 2 * n; ++i) result.y.data()[i] = float(y[i]);
  if (progress) progress(1.0);
  return result;
}

TsneResult tsne(std::span<const float> x, int64_t n, int64_t d, const TsneConfig& config,
                std::atomic<bool>* cancel, std::function<void(double)> progress) {
  if (n < 0 || d < 0 || int64_t(x.size()) != n * d)
    throw InputError("t-SNE: buffer of " + std::to_string(x.size()) + " values is not " +
                     std::to_string(n) + " x " + std::to_string(d));
  return tsne(Tensor({n, d}, x), config, cancel, std::move(progress));
}

// [SECTION] k-NN label accuracy

double knn_label_accuracy(const Tensor& y2d, std::span<const int> labels, int k) {
  if (y2d.rank() != 2 || y2d.dim(1) != 2)
    throw InputError("k-NN accuracy: map must be (N, 2), got " + shape_str(y2d.shape()));
  const int64_t n = y2d.dim(0);
  if (int64_t(labels.size()) != n)
    throw InputError("k-NN accuracy: " + std::to_string(labels.size()) + " labels for " +
                     std::to_string(n) + " points");
  if (k < 1 || k > n - 1)
    throw InputError("k-NN accuracy: k = " + std::to_string(k) + " must be in [1, " +
                     std::to_string(n - 1) + "]");
  for (int l : labels)
    if (l < 0) throw InputError("k-NN accuracy: negative label");
  const int n_labels = *std::max_element(labels.begin(), labels.end()) + 1;
  const float* y = y2d.data();
  // A grid of about 2 points per cell over the map's bounding box; each query widens a square ring
  // of cells until the k-th distance so far is inside every cell not yet visited.
  float x0 = y[0], x1 = y[0], y0 = y[1], y1 = y[1];
  for (int64_t i = 0; i < n; ++i) {
    if (!std::isfinite(y[2 * i]) || !std::isfinite(y[2 * i + 1]))
      throw InputError("k-NN accuracy: the map holds a NaN or infinite value");
    x0 = std::min(x0, y[2 * i]);
    x1 = std::max(x1, y[2 * i]);
    y0 = std::min(y0, y[2 * i + 1]);
    y1 = std::max(y1, y[2 * i + 1]);
  }
  const int side = int(std::clamp(std::sqrt(double(n) / 2.0), 1.0, 2048.0));
  const double cw = std::max(double(x1) - x0, 1e-30) / side,
               ch = std::max(double(y1) - y0, 1e-30) / side;
  auto cell_x = [&](double v) { return std::clamp(int((v - x0) / cw), 0, side - 1); };
  auto cell_y = [&](double v) { return std::clamp(int((v - y0) / ch), 0, side - 1); };
  std::vector<int64_t> start(size_t(side) * side + 1, 0);
  std::vector<int> members(n);
  for (int64_t i = 0; i < n; ++i)
    ++start[size_t(cell_y(y[2 * i + 1])) * side + cell_x(y[2 * i]) + 1];
  std::partial_sum(start.begin(), start.end(), start.begin());
  {
    std::vector<int64_t> fill(start.begin(), start.end() - 1);
    for (int64_t i = 0; i < n; ++i)
      members[fill[size_t(cell_y(y[2 * i + 1])) * side + cell_x(y[2 * i])]++] = int(i);
  }
  int64_t correct = 0;
#pragma omp parallel reduction(+ : correct)
  {
    std::vector<std::pair<double, int>> heap;  // max-heap of the k nearest so far
    std::vector<int> votes(n_labels);
    auto offer = [&](int64_t i, int j) {
      if (j == i) return;
      const double dx = double(y[2 * i]) - y[2 * j], dy = double(y[2 * i + 1]) - y[2 * j + 1];
      const std::pair<double, int> c{dx * dx + dy * dy, j};
      if (int(heap.size()) < k) {
        heap.push_back(c);
        std::push_heap(heap.begin(), heap.end());
      } else if (c < heap.front()) {
        std::pop_heap(heap.begin(), heap.end());
        heap.back() = c;
        std::push_heap(heap.begin(), heap.end());
      }
    };
#pragma omp for schedule(dynamic, 256)
    for (int64_t i = 0; i < n; ++i) {
      heap.clear();
      const double px = y[2 * i], py = y[2 * i + 1];
      const int gx = cell_x(px), gy = cell_y(py);
      for (int r = 0; r < side; ++r) {
        // Cells at Chebyshev ring distance r from (gx, gy).
        auto visit = [&](int cx, int cy) {
          if (cx < 0 || cx >= side || cy < 0 || cy >= side) return;
          const size_t c = size_t(cy) * side + cx;
          for (int64_t t = start[c]; t < start[c + 1]; ++t) offer(i, members[size_t(t)]);
        };
        if (r == 0) {
          visit(gx, gy);
        } else {
          for (int cx = gx - r; cx <= gx + r; ++cx) {
            visit(cx, gy - r);
            visit(cx, gy + r);
          }
          for (int cy = gy - r + 1; cy <= gy + r - 1; ++cy) {
            visit(gx - r, cy);
            visit(gx + r, cy);
          }
        }
        if (int(heap.size()) == k) {
          // Every unvisited cell lies at least this far from the point (an equal distance
          // could still win a tie by index, hence <, not <=).
          const double reach = std::min({px - (x0 + (gx - r) * cw), (x0 + (gx + r + 1) * cw) - px,
                                         py - (y0 + (gy - r) * ch), (y0 + (gy + r + 1) * ch) - py});
          if (heap.front().first < reach * reach) break;
        }
      }
      std::sort_heap(heap.begin(), heap.end());  // nearest first
      std::fill(votes.begin(), votes.end(), 0);
      int best_votes = 0;
      for (const auto& h : heap) best_votes = std::max(best_votes, ++votes[labels[h.second]]);
      int vote = -1;
      for (const auto& h : heap)
        if (votes[labels[h.second]] == best_votes) {
          vote = labels[h.second];
          break;
        }
      if (vote == labels[i]) ++correct;
    }
  }
  return double(correct) / double(n);
}

double knn_label_accuracy(const Tensor& y2d, std::span<const uint8_t> labels, int k) {
  const std::vector<int> wide(labels.begin(), labels.end());
  return knn_label_accuracy(y2d, wide, k);
}

}  // namespace aelab::analysis
