// The plugin's op entry points, one section per family (elementwise.cu, loss.cu, optim.cu, dense.cpp).
// Every pointer is device memory; every function enqueues on Device::get().stream() and returns without
// waiting. Shapes and argument order are those of the CPU kernels (native/cpu/*.h), which are the
// reference: see each .cu file's header for what is written and what is accumulated.
#pragma once
#include <cstdint>

#include "cpu/elementwise.h"  // Activation codes: shared with the CPU backend by construction
#include "cpu/loss.h"         // Loss, Accuracy codes
#include "cpu/optim.h"        // Optimizer codes, OptimizerParams
#include "cuda/plugin_api.h"

namespace tn {
namespace cuda {

using cpu::Accuracy;
using cpu::Activation;
using cpu::Loss;
using cpu::Optimizer;

// ---- elementwise.cu ----
bool activation_backward_uses_input(Activation act);
void activation_forward(Activation act, float alpha, float* y, const float* x, int64_t rows, int64_t cols);
void activation_backward(Activation act, float alpha, float* dx, const float* dy, const float* x, const float* y,
                         int64_t rows, int64_t cols);
void bias_add(float* y, const float* bias, int64_t rows, int64_t cols);
void bias_backward(float* dbias, const float* dy, int64_t rows, int64_t cols);
void dropout_forward(float* y, float* mask, const float* x, int64_t n, float rate, uint32_t seed);
void multiply(float* out, const float* a, const float* b, int64_t n);

// ---- loss.cu ----
void loss_forward_backward(Loss loss, bool from_logits, float* grad, const float* input, const float* target,
                           const int32_t* sparse_target, int64_t rows, int64_t cols, tn_cuda_metrics* metrics);
void accuracy_count(Accuracy kind, bool from_logits, const float* pred, const float* target,
                    const int32_t* sparse_target, int64_t rows, int64_t cols, tn_cuda_metrics* metrics);
void metrics_reset(tn_cuda_metrics* metrics);

// ---- optim.cu ----
void optimizer_update(Optimizer kind, const cpu::OptimizerParams& hp, const tn_cuda_param_slice* params, int64_t count);

// ---- dense.cpp ----
void dense_forward(float* y, float* z, const float* x, const float* kernel, const float* bias, int64_t batch,
                   int64_t in_dim, int64_t out_dim, Activation act, float alpha);
void dense_backward(float* dx, float* dkernel, float* dbias, float* dz_scratch, const float* dy, const float* x,
                    const float* kernel, const float* z, const float* y, int64_t batch, int64_t in_dim, int64_t out_dim,
                    Activation act, float alpha, bool dy_is_pre_activation);

// Launch geometry shared by the .cu files: a 1-D grid-stride launch over n elements.
constexpr int kThreads = 256;
inline unsigned grid_for(int64_t n, int threads = kThreads) {
  const int64_t blocks = (n + threads - 1) / threads;
  // Grid-stride loops cover the rest; 64K blocks of 256 fill any current GPU many times over.
  return unsigned(blocks < 1 ? 1 : (blocks > 65535 ? 65535 : blocks));
}

}  // namespace cuda
}  // namespace tn
