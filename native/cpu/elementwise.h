// Activations, bias and dropout on the CPU, forward and backward side by side.
//
// Buffers are row-major (rows, cols). Backward functions WRITE dx (never accumulate).
// Activation codes are shared with lib/activations.ts; keep the two lists in step.
#pragma once
#include <cstdint>

namespace tn {
namespace cpu {

enum class Activation : int {
  Linear = 0,
  Relu = 1,
  Sigmoid = 2,
  Tanh = 3,
  Softmax = 4,  // over the last axis (cols)
  LeakyRelu = 5,  // alpha = negative slope
  Elu = 6,        // alpha
  Selu = 7,
  Gelu = 8,  // exact (erf) form, Keras' default
  Softplus = 9,
  Relu6 = 10,
  Softsign = 11,
  Swish = 12,
  Count = 13
};

// Whether backward needs the pre-activation input x (else the output y suffices).
bool activation_backward_uses_input(Activation act);

// y = act(x). y may alias x. x, y: (rows, cols)
void activation_forward(Activation act, float alpha, float* y, const float* x, int64_t rows, int64_t cols);

// dx = dy * act'(x). x: pre-activation, y: output (either may be null when the activation
// does not use it; see activation_backward_uses_input). dx may alias dy.
void activation_backward(Activation act, float alpha, float* dx, const float* dy, const float* x, const float* y,
                         int64_t rows, int64_t cols);

// y(rows, cols) += bias(cols), row by row.
void bias_add(float* y, const float* bias, int64_t rows, int64_t cols);

// dbias(cols) = sum over rows of dy(rows, cols). Written, not accumulated.
void bias_backward(float* dbias, const float* dy, int64_t rows, int64_t cols);

// Inverted dropout: mask[i] = 0 with probability rate, else 1/(1-rate); y = x * mask.
// The mask comes from a counter-based hash of (seed, i), so a seed repeats a mask exactly.
void dropout_forward(float* y, float* mask, const float* x, int64_t n, float rate, uint32_t seed);

// out = a * b elementwise (dropout backward: dx = dy * mask).
void multiply(float* out, const float* a, const float* b, int64_t n);

// Index of the first NaN in x[0, n), or -1. Input validation (lib/ throws the error): a
// vectorized scan, because the same loop in JS costs a third of a small predict() call.
int64_t first_nan(const float* x, int64_t n);

}  // namespace cpu
}  // namespace tn
