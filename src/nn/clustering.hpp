#pragma once
// The clustering head of DEC / IDEC (Xie et al. 2016, "Unsupervised deep embedding for clustering
// analysis"; Guo et al. 2017, "Improved deep embedded clustering with local structure
// preservation"), as two pieces that compose like any layer and loss:
//
//   SoftAssignment  z: (N, D) -> q: (N, K), q_ij = w_ij / sum_k w_ik with the Student's t kernel
//                   w_ij = 1 / (1 + |z_i - mu_j|^2) (one degree of freedom); the K centres mu
//                   (K, D) are its one Param, trained with the encoder.
//   KLDivLoss       the mean over rows of sum_j p_ij log(p_ij / q_ij) for a fixed target p.
//
// target_distribution(q) makes the target: p_ij = (q_ij^2 / f_j) / sum_k (q_ik^2 / f_k) with the
// soft cluster sizes f_j = sum_i q_ij, which sharpens confident assignments and keeps large
// clusters from swallowing small ones. The trainer recomputes it over the whole training set
// once per epoch and holds it fixed in between (train/ae_trainer.hpp, cluster refinement).
#include <cstdint>
#include <string>
#include <vector>

#include "nn/loss.hpp"
#include "nn/module.hpp"

namespace aelab::nn {

class SoftAssignment : public Module {
 public:
  // Centres start at zero; set them (k-means on the codes, as DEC does) before training.
  SoftAssignment(int64_t clusters, int64_t dim);

  void set_centres(const Tensor& centres);  // (K, D); ShapeError otherwise
  [[nodiscard]] const Tensor& centres() const { return centres_.value; }
  [[nodiscard]] int64_t clusters() const { return k_; }

  // z: (N, D) -> q: (N, K), rows sum to 1
  const Tensor& forward(const Tensor& z) override;
  // dq: (N, K) -> dz: (N, D); centres.grad accumulates
  const Tensor& backward(const Tensor& dq) override;
  [[nodiscard]] std::vector<Param*> params() override { return {&centres_}; }
  [[nodiscard]] std::string describe() const override;

 private:
  int64_t k_, d_;
  Param centres_;
  const Tensor* z_ = nullptr;
  Tensor q_, w_, dz_;
};

// Mean over rows of KL(p_i || q_i). Targets must be finite, non-negative; q must be positive
// where p is (InputError otherwise). d/dq_ij = -p_ij / (N q_ij).
class KLDivLoss : public Loss {
 public:
  float forward(const Tensor& q, const Tensor& p) override;
  const Tensor& backward() override;
  [[nodiscard]] std::string describe() const override { return "KLDivLoss"; }
};

// q: (N, K) soft assignments -> p: (N, K), the sharpened DEC target.
[[nodiscard]] Tensor target_distribution(const Tensor& q);

// Row-wise argmax of q: the hard cluster of each row.
[[nodiscard]] std::vector<int> hard_assignments(const Tensor& q);

}  // namespace aelab::nn
