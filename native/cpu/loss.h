// Losses and accuracy metrics on the CPU: value and gradient in one pass.
//
// Keras reductions: each loss is averaged over the last axis (MSE, MAE, BCE) or summed over
// it (the cross-entropies), then averaged over the batch. The returned value is that batch
// mean; grad (when not null) is WRITTEN with d(batch mean)/d(input).
//
// Note [Fused output activation]: when the model's last layer ends in sigmoid (with BCE) or
// softmax (with CCE/SCCE), `input` holds the LOGITS and grad is taken w.r.t. the logits:
// (sigmoid(z) - t) / n and (softmax(z) - t) / rows. This is exact for saturated logits,
// where dividing by a probability that rounded to 0 would give inf/NaN. Otherwise `input`
// holds the probabilities and Keras' clipping to [1e-7, 1 - 1e-7] applies.
#pragma once
#include <cstdint>

namespace tn {
namespace cpu {

enum class Loss : int {
  MeanSquaredError = 0,
  MeanAbsoluteError = 1,
  BinaryCrossentropy = 2,
  CategoricalCrossentropy = 3,
  SparseCategoricalCrossentropy = 4,  // targets: class indices (int32), input (rows, cols)
  Count = 5
};

// Returns the batch-mean loss. input, grad: (rows, cols). target: (rows, cols) floats, or
// for the sparse loss (rows) int32 class indices passed as sparse_target.
double loss_forward_backward(Loss loss, bool from_logits, float* grad, const float* input, const float* target,
                             const int32_t* sparse_target, int64_t rows, int64_t cols);

enum class Accuracy : int {
  Binary = 0,       // (p > 0.5) == t, per element
  Categorical = 1,  // argmax(p) == argmax(t), per row
  Sparse = 2,       // argmax(p) == label, per row
  Count = 3
};

// Returns the number of correct predictions (elements for Binary, rows otherwise).
// For Binary with from_logits, p > 0.5 is tested as z > 0.
int64_t accuracy_count(Accuracy kind, bool from_logits, const float* pred, const float* target,
                       const int32_t* sparse_target, int64_t rows, int64_t cols);

}  // namespace cpu
}  // namespace tn
