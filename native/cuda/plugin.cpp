// The C ABI of the plugin (See Note [Plugin ABI] in plugin_api.h): each entry point runs its C++ body
// inside guard(), which turns every exception into a tn_cuda_status and the thread-local last error.
#include <cstring>
#include <exception>
#include <new>
#include <string>
#include <vector>

#include "cuda/check.h"
#include "cuda/device.h"
#include "cuda/ops.h"
#include "cuda/plugin_api.h"

namespace tn {
namespace cuda {
namespace {

thread_local std::string t_last_error;

template <typename Fn>
tn_cuda_status guard(const char* op, Fn&& fn) noexcept {
  try {
    fn();
    t_last_error.clear();
    return TN_CUDA_OK;
  } catch (const Error& e) {
    t_last_error = concat(op, ": ", e.what());
    return e.status();
  } catch (const std::bad_alloc&) {
    t_last_error = concat(op, ": out of host memory");
    return TN_CUDA_ERROR_OUT_OF_MEMORY;
  } catch (const std::exception& e) {
    t_last_error = concat(op, ": ", e.what());
    return TN_CUDA_ERROR_INTERNAL;
  } catch (...) {
    t_last_error = concat(op, ": unknown error");
    return TN_CUDA_ERROR_INTERNAL;
  }
}

const char* last_error() { return t_last_error.c_str(); }

tn_cuda_status init(int device) {
  return guard("init", [&] { Device::init(device); });
}

tn_cuda_status get_info(tn_cuda_info* out) {
  return guard("get_info", [&] {
    TN_CUDA_ARG(out != nullptr, "null output");
    Device::get().info(out);
  });
}

tn_cuda_status set_tf32(int enabled) {
  return guard("set_tf32", [&] { Device::get().set_tf32(enabled != 0); });
}

tn_cuda_status synchronize() {
  return guard("synchronize", [&] { Device::get().synchronize(); });
}

tn_cuda_status device_malloc(void** out, size_t bytes) {
  return guard("malloc", [&] {
    TN_CUDA_ARG(out != nullptr, "null output");
    *out = nullptr;
    *out = Device::get().alloc(bytes);
  });
}

tn_cuda_status device_free(void* ptr) {
  return guard("free", [&] { Device::get().free(ptr); });
}

tn_cuda_status copy_to_device(void* dst, const void* src, size_t bytes) {
  return guard("copy_to_device", [&] {
    TN_CUDA_ARG(bytes == 0 || (dst && src), "null buffer");
    Device::get().copy_to_device(dst, src, bytes);
  });
}

tn_cuda_status copy_to_host(void* dst, const void* src, size_t bytes) {
  return guard("copy_to_host", [&] {
    TN_CUDA_ARG(bytes == 0 || (dst && src), "null buffer");
    Device::get().copy_to_host(dst, src, bytes);
  });
}

tn_cuda_status memset_zero(void* dst, size_t bytes) {
  return guard("memset_zero", [&] {
    if (bytes) CUDA_CHECK(cudaMemsetAsync(dst, 0, bytes, Device::get().stream()));
  });
}

tn_cuda_status dense_forward_c(float* y, float* z, const float* x, const float* kernel, const float* bias, int64_t batch,
                               int64_t in_dim, int64_t out_dim, int activation, float alpha) {
  return guard("dense_forward", [&] {
    dense_forward(y, z, x, kernel, bias, batch, in_dim, out_dim, Activation(activation), alpha);
  });
}

tn_cuda_status dense_backward_c(float* dx, float* dkernel, float* dbias, float* dz_scratch, const float* dy,
                                const float* x, const float* kernel, const float* z, const float* y, int64_t batch,
                                int64_t in_dim, int64_t out_dim, int activation, float alpha, int dy_is_pre) {
  return guard("dense_backward", [&] {
    dense_backward(dx, dkernel, dbias, dz_scratch, dy, x, kernel, z, y, batch, in_dim, out_dim, Activation(activation),
                   alpha, dy_is_pre != 0);
  });
}

tn_cuda_status activation_forward_c(int activation, float alpha, float* y, const float* x, int64_t rows, int64_t cols) {
  return guard("activation_forward", [&] { cuda::activation_forward(Activation(activation), alpha, y, x, rows, cols); });
}

tn_cuda_status activation_backward_c(int activation, float alpha, float* dx, const float* dy, const float* x,
                                     const float* y, int64_t rows, int64_t cols) {
  return guard("activation_backward",
               [&] { cuda::activation_backward(Activation(activation), alpha, dx, dy, x, y, rows, cols); });
}

tn_cuda_status bias_add_c(float* y, const float* bias, int64_t rows, int64_t cols) {
  return guard("bias_add", [&] { bias_add(y, bias, rows, cols); });
}

tn_cuda_status bias_backward_c(float* dbias, const float* dy, int64_t rows, int64_t cols) {
  return guard("bias_backward", [&] { bias_backward(dbias, dy, rows, cols); });
}

tn_cuda_status dropout_forward_c(float* y, float* mask, const float* x, int64_t n, float rate, uint32_t seed) {
  return guard("dropout_forward", [&] { dropout_forward(y, mask, x, n, rate, seed); });
}

tn_cuda_status multiply_c(float* out, const float* a, const float* b, int64_t n) {
  return guard("multiply", [&] { multiply(out, a, b, n); });
}

tn_cuda_status loss_forward_backward_c(int loss, int from_logits, float* grad, const float* input, const float* target,
                                       const int32_t* sparse_target, int64_t rows, int64_t cols,
                                       tn_cuda_metrics* metrics) {
  return guard("loss_forward_backward", [&] {
    cuda::loss_forward_backward(Loss(loss), from_logits != 0, grad, input, target, sparse_target, rows, cols, metrics);
  });
}

tn_cuda_status accuracy_count_c(int kind, int from_logits, const float* pred, const float* target,
                                const int32_t* sparse_target, int64_t rows, int64_t cols, tn_cuda_metrics* metrics) {
  return guard("accuracy_count", [&] {
    cuda::accuracy_count(Accuracy(kind), from_logits != 0, pred, target, sparse_target, rows, cols, metrics);
  });
}

tn_cuda_status metrics_reset_c(tn_cuda_metrics* metrics) {
  return guard("metrics_reset", [&] { metrics_reset(metrics); });
}

tn_cuda_status metrics_read_c(tn_cuda_metrics* host_out, const tn_cuda_metrics* metrics) {
  return guard("metrics_read", [&] {
    TN_CUDA_ARG(host_out && metrics, "null metrics");
    Device::get().copy_to_host(host_out, metrics, sizeof(tn_cuda_metrics));
  });
}

tn_cuda_status optimizer_update_c(int kind, const tn_cuda_optimizer_params* hp, const tn_cuda_param_slice* params,
                                  int64_t count) {
  return guard("optimizer_update", [&] {
    TN_CUDA_ARG(hp != nullptr, "null hyperparameters");
    cpu::OptimizerParams p;
    p.learning_rate = hp->learning_rate;
    p.beta1 = hp->beta1;
    p.beta2 = hp->beta2;
    p.epsilon = hp->epsilon;
    p.weight_decay = hp->weight_decay;
    p.momentum = hp->momentum;
    p.rho = hp->rho;
    p.nesterov = hp->nesterov != 0;
    p.step = hp->step;
    cuda::optimizer_update(Optimizer(kind), p, params, count);
  });
}

// ---- ABI 2: the cuDNN slice ----

tn_cuda_status supports_c(int op, const void* params) {
  // A pure rule: no Device needed. The reason goes to last_error(), like any failure.
  try {
    const std::string reason = unsupported_reason(op, params);
    if (reason.empty()) {
      t_last_error.clear();
      return TN_CUDA_OK;
    }
    t_last_error = reason;
    return TN_CUDA_ERROR_UNSUPPORTED;
  } catch (...) {
    t_last_error = "supports: unknown error";
    return TN_CUDA_ERROR_INTERNAL;
  }
}

tn_cuda_status conv2d_forward_c(const tn_cuda_conv2d_params* p, float* y, const float* x, const float* kernel) {
  return guard("conv2d_forward", [&] {
    TN_CUDA_ARG(p != nullptr, "null params");
    conv2d_forward(*p, y, x, kernel);
  });
}

tn_cuda_status conv2d_backward_c(const tn_cuda_conv2d_params* p, float* dx, float* dkernel, const float* dy,
                                 const float* x, const float* kernel) {
  return guard("conv2d_backward", [&] {
    TN_CUDA_ARG(p != nullptr, "null params");
    conv2d_backward(*p, dx, dkernel, dy, x, kernel);
  });
}

tn_cuda_status maxpool2d_forward_c(const tn_cuda_pool2d_params* p, float* y, const float* x) {
  return guard("maxpool2d_forward", [&] {
    TN_CUDA_ARG(p != nullptr, "null params");
    pool2d_forward(true, *p, y, x);
  });
}

tn_cuda_status maxpool2d_backward_c(const tn_cuda_pool2d_params* p, float* dx, const float* dy, const float* x,
                                    const float* y) {
  return guard("maxpool2d_backward", [&] {
    TN_CUDA_ARG(p != nullptr, "null params");
    pool2d_backward(true, *p, dx, dy, x, y);
  });
}

tn_cuda_status avgpool2d_forward_c(const tn_cuda_pool2d_params* p, float* y, const float* x) {
  return guard("avgpool2d_forward", [&] {
    TN_CUDA_ARG(p != nullptr, "null params");
    pool2d_forward(false, *p, y, x);
  });
}

tn_cuda_status avgpool2d_backward_c(const tn_cuda_pool2d_params* p, float* dx, const float* dy, const float* x,
                                    const float* y) {
  return guard("avgpool2d_backward", [&] {
    TN_CUDA_ARG(p != nullptr, "null params");
    pool2d_backward(false, *p, dx, dy, x, y);
  });
}

tn_cuda_status batchnorm_forward_c(float* y, float* mean_out, float* invstd_out, float* moving_mean, float* moving_var,
                                   const float* x, const float* gamma, const float* beta, int64_t outer,
                                   int64_t channels, int64_t inner, float momentum, float epsilon, int training) {
  return guard("batchnorm_forward", [&] {
    batchnorm_forward(y, mean_out, invstd_out, moving_mean, moving_var, x, gamma, beta, outer, channels, inner,
                      momentum, epsilon, training != 0);
  });
}

tn_cuda_status batchnorm_backward_c(float* dx, float* dgamma, float* dbeta, const float* dy, const float* x,
                                    const float* mean, const float* invstd, const float* gamma, int64_t outer,
                                    int64_t channels, int64_t inner, int training) {
  return guard("batchnorm_backward", [&] {
    batchnorm_backward(dx, dgamma, dbeta, dy, x, mean, invstd, gamma, outer, channels, inner, training != 0);
  });
}

tn_cuda_status rnn_reserve_bytes_c(const tn_cuda_rnn_params* p, size_t* out_bytes) {
  return guard("rnn_reserve_bytes", [&] {
    TN_CUDA_ARG(p && out_bytes, "null argument");
    *out_bytes = rnn_reserve_bytes(*p);
  });
}

tn_cuda_status rnn_forward_c(const tn_cuda_rnn_params* p, float* y, void* reserve, const float* x, const float* kernel,
                             const float* recurrent, const float* bias, int training) {
  return guard("rnn_forward", [&] {
    TN_CUDA_ARG(p != nullptr, "null params");
    rnn_forward(*p, y, reserve, x, kernel, recurrent, bias, training != 0);
  });
}

tn_cuda_status rnn_backward_c(const tn_cuda_rnn_params* p, float* dx, float* dkernel, float* drecurrent, float* dbias,
                              const float* dy, const float* x, void* reserve) {
  return guard("rnn_backward", [&] {
    TN_CUDA_ARG(p != nullptr, "null params");
    rnn_backward(*p, dx, dkernel, drecurrent, dbias, dy, x, reserve);
  });
}

tn_cuda_status embedding_forward_c(float* y, const float* table, const int32_t* indices, int64_t n, int64_t vocab,
                                   int64_t dim, int64_t* bad_index) {
  return guard("embedding_forward", [&] { embedding_forward(y, table, indices, n, vocab, dim, bad_index); });
}

tn_cuda_status embedding_backward_c(float* dtable, const float* dy, const int32_t* indices, int64_t n,
                                    const int32_t* prev_indices, int64_t prev_n, int64_t vocab, int64_t dim) {
  return guard("embedding_backward",
               [&] { embedding_backward(dtable, dy, indices, n, prev_indices, prev_n, vocab, dim); });
}

tn_cuda_api make_api() {
  tn_cuda_api api;
  std::memset(&api, 0, sizeof(api));
  api.abi_version = TN_CUDA_ABI_VERSION;
  api.struct_size = sizeof(tn_cuda_api);
  api.last_error = last_error;
  api.init = init;
  api.get_info = get_info;
  api.set_tf32 = set_tf32;
  api.synchronize = synchronize;
  api.malloc = device_malloc;
  api.free = device_free;
  api.copy_to_device = copy_to_device;
  api.copy_to_host = copy_to_host;
  api.memset_zero = memset_zero;
  api.dense_forward = dense_forward_c;
  api.dense_backward = dense_backward_c;
  api.activation_forward = activation_forward_c;
  api.activation_backward = activation_backward_c;
  api.bias_add = bias_add_c;
  api.bias_backward = bias_backward_c;
  api.dropout_forward = dropout_forward_c;
  api.multiply = multiply_c;
  api.loss_forward_backward = loss_forward_backward_c;
  api.accuracy_count = accuracy_count_c;
  api.metrics_reset = metrics_reset_c;
  api.metrics_read = metrics_read_c;
  api.optimizer_update = optimizer_update_c;
  api.supports = supports_c;
  api.conv2d_forward = conv2d_forward_c;
  api.conv2d_backward = conv2d_backward_c;
  api.maxpool2d_forward = maxpool2d_forward_c;
  api.maxpool2d_backward = maxpool2d_backward_c;
  api.avgpool2d_forward = avgpool2d_forward_c;
  api.avgpool2d_backward = avgpool2d_backward_c;
  api.batchnorm_forward = batchnorm_forward_c;
  api.batchnorm_backward = batchnorm_backward_c;
  api.rnn_reserve_bytes = rnn_reserve_bytes_c;
  api.rnn_forward = rnn_forward_c;
  api.rnn_backward = rnn_backward_c;
  api.embedding_forward = embedding_forward_c;
  api.embedding_backward = embedding_backward_c;
  return api;
}

const tn_cuda_api g_api = make_api();

}  // namespace
}  // namespace cuda
}  // namespace tn

extern "C" TN_CUDA_EXPORT const tn_cuda_api* tn_cuda_get_api(int abi_version) {
  return abi_version == TN_CUDA_ABI_VERSION ? &tn::cuda::g_api : nullptr;
}
