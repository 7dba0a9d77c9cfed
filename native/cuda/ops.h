// The plugin's op entry points, one section per family (elementwise.cu, loss.cu, optim.cu, dense.cpp).
// Every pointer is device memory; every function enqueues on Device::get().stream() and returns without
// waiting. Shapes and argument order are those of the CPU kernels (native/cpu/*.h), which are the
// reference: see each .cu file's header for what is written and what is accumulated.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

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

// ---- issue 6, the cuDNN slice (conv.cu, pool.cpp, batchnorm.cu, rnn.cu, embedding.cu, supports.cpp) ----
// supports.cpp: "" when the plugin computes op with these params as the CPU does, else the reason.
std::string unsupported_reason(int op, const void* params);
// Throws Error(UNSUPPORTED) with the reason when unsupported_reason() is not empty.
void require_supported(int op, const void* params);

void conv2d_forward(const tn_cuda_conv2d_params& p, float* y, const float* x, const float* kernel);
void conv2d_backward(const tn_cuda_conv2d_params& p, float* dx, float* dkernel, const float* dy, const float* x,
                     const float* kernel);

void pool2d_forward(bool max, const tn_cuda_pool2d_params& p, float* y, const float* x);
void pool2d_backward(bool max, const tn_cuda_pool2d_params& p, float* dx, const float* dy, const float* x,
                     const float* y);

void batchnorm_forward(float* y, float* mean_out, float* invstd_out, float* moving_mean, float* moving_var,
                       const float* x, const float* gamma, const float* beta, int64_t outer, int64_t C, int64_t inner,
                       float momentum, float epsilon, bool training);
void batchnorm_backward(float* dx, float* dgamma, float* dbeta, const float* dy, const float* x, const float* mean,
                        const float* invstd, const float* gamma, int64_t outer, int64_t C, int64_t inner,
                        bool training);

size_t rnn_reserve_bytes(const tn_cuda_rnn_params& p);
void rnn_forward(const tn_cuda_rnn_params& p, float* y, void* reserve, const float* x, const float* kernel,
                 const float* recurrent, const float* bias, bool training);
void rnn_backward(const tn_cuda_rnn_params& p, float* dx, float* dkernel, float* drecurrent, float* dbias,
                  const float* dy, const float* x, void* reserve);

void embedding_forward(float* y, const float* table, const int32_t* indices, int64_t n, int64_t vocab, int64_t dim,
                       int64_t* bad_index);
void embedding_backward(float* dtable, const float* dy, const int32_t* indices, int64_t n, const int32_t* prev_indices,
                        int64_t prev_n, int64_t vocab, int64_t dim);

// Launch geometry shared by the .cu files: a 1-D grid-stride launch over n elements.
constexpr int kThreads = 256;
inline unsigned grid_for(int64_t n, int threads = kThreads) {
  const int64_t blocks = (n + threads - 1) / threads;
  // Grid-stride loops cover the rest; 64K blocks of 256 fill any current GPU many times over.
  return unsigned(blocks < 1 ? 1 : (blocks > 65535 ? 65535 : blocks));
}

}  // namespace cuda
}  // namespace tn
