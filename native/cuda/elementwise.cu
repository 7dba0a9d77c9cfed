// Activations, bias and dropout on the GPU, forward and backward side by side.
// Reference and semantics: native/cpu/elementwise.{h,cpp} (same codes, same formulas, same dropout hash).
//
// Buffers are row-major (rows, cols), device memory. Backward functions WRITE dx (never accumulate);
// bias_backward WRITES dbias. y may alias x, dx may alias dy (every kernel reads element i before
// writing it; softmax reads its row before writing it, see softmax_forward_kernel).
#include <cuda_runtime.h>

#include <cmath>

#include "cuda/check.h"
#include "cuda/device.h"
#include "cuda/ops.h"

namespace tn {
namespace cuda {
namespace {

constexpr float kSeluAlpha = 1.6732632423543772f;
constexpr float kSeluScale = 1.0507009873554805f;

__device__ __forceinline__ float sigmoid(float z) {
  if (z >= 0.f) return 1.f / (1.f + expf(-z));
  const float e = expf(z);
  return e / (1.f + e);
}

__device__ __forceinline__ float apply(int act, float alpha, float z) {
  switch (act) {
    case int(Activation::Linear): return z;
    case int(Activation::Relu): return fmaxf(z, 0.f);
    case int(Activation::Sigmoid): return sigmoid(z);
    case int(Activation::Tanh): return tanhf(z);
    case int(Activation::LeakyRelu): return z > 0.f ? z : alpha * z;
    case int(Activation::Elu): return z > 0.f ? z : alpha * expm1f(z);
    case int(Activation::Selu): return z > 0.f ? kSeluScale * z : kSeluScale * kSeluAlpha * expm1f(z);
    case int(Activation::Gelu): return 0.5f * z * (1.f + erff(z * 0.70710678118654752f));  // exact (erf) form
    case int(Activation::Softplus): return fmaxf(z, 0.f) + log1pf(expf(-fabsf(z)));
    case int(Activation::Relu6): return fminf(fmaxf(z, 0.f), 6.f);
    case int(Activation::Softsign): return z / (1.f + fabsf(z));
    case int(Activation::Swish): return z * sigmoid(z);
    default: return NAN;  // unreachable: codes are checked on the host
  }
}

// d act / dz from the pre-activation z or the output y (whichever the activation uses).
__device__ __forceinline__ float derivative(int act, float alpha, float z, float y) {
  switch (act) {
    case int(Activation::Linear): return 1.f;
    case int(Activation::Relu): return y > 0.f ? 1.f : 0.f;
    case int(Activation::Sigmoid): return y * (1.f - y);
    case int(Activation::Tanh): return 1.f - y * y;
    case int(Activation::LeakyRelu): return z > 0.f ? 1.f : alpha;
    case int(Activation::Elu): return z > 0.f ? 1.f : alpha * expf(z);
    case int(Activation::Selu): return z > 0.f ? kSeluScale : kSeluScale * kSeluAlpha * expf(z);
    case int(Activation::Gelu):
      return 0.5f * (1.f + erff(z * 0.70710678118654752f)) + z * 0.39894228040143268f * expf(-0.5f * z * z);
    case int(Activation::Softplus): return sigmoid(z);
    case int(Activation::Relu6): return (z > 0.f && z < 6.f) ? 1.f : 0.f;
    case int(Activation::Softsign): {
      const float d = 1.f + fabsf(z);
      return 1.f / (d * d);
    }
    case int(Activation::Swish): {
      const float s = sigmoid(z);
      return s + z * s * (1.f - s);
    }
    default: return NAN;
  }
}

// The activation is a template parameter so each kernel is a straight line, not a switch per element.
template <int Act>
__global__ void activation_forward_kernel(float* __restrict__ y, const float* x, float alpha, int64_t n) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x)
    y[i] = apply(Act, alpha, x[i]);
}

template <int Act, bool UsesInput>
__global__ void activation_backward_kernel(float* dx, const float* dy, const float* saved, float alpha, int64_t n) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    const float s = saved[i];
    dx[i] = dy[i] * derivative(Act, alpha, UsesInput ? s : 0.f, UsesInput ? 0.f : s);
  }
}

__global__ void relu_backward_kernel(float* dx, const float* dy, const float* y, int64_t n) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x)
    dx[i] = y[i] > 0.f ? dy[i] : 0.f;
}

__device__ __forceinline__ float warp_max(float v) {
  for (int o = 16; o > 0; o >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
  return v;
}
__device__ __forceinline__ float warp_sum(float v) {
  for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
  return v;
}

constexpr int kRowsPerBlock = 8;  // one warp per row, 8 warps per block

// Softmax over the last axis, one warp per row. y may alias x: the row is read fully (max pass) before
// the first write, and each lane rewrites only the elements it read itself.
__global__ void softmax_forward_kernel(float* y, const float* x, int64_t rows, int64_t cols) {
  const int64_t row = int64_t(blockIdx.x) * kRowsPerBlock + threadIdx.x / 32;
  const int lane = threadIdx.x % 32;
  if (row >= rows) return;
  const float* xr = x + row * cols;
  float* yr = y + row * cols;
  float mx = -INFINITY;
  for (int64_t c = lane; c < cols; c += 32) mx = fmaxf(mx, xr[c]);
  mx = warp_max(mx);
  float sum = 0.f;
  for (int64_t c = lane; c < cols; c += 32) {
    const float e = expf(xr[c] - mx);
    yr[c] = e;
    sum += e;
  }
  const float inv = 1.f / warp_sum(sum);
  for (int64_t c = lane; c < cols; c += 32) yr[c] *= inv;
}

// dx = y * (dy - sum(dy * y)) per row.
__global__ void softmax_backward_kernel(float* dx, const float* dy, const float* y, int64_t rows, int64_t cols) {
  const int64_t row = int64_t(blockIdx.x) * kRowsPerBlock + threadIdx.x / 32;
  const int lane = threadIdx.x % 32;
  if (row >= rows) return;
  const float* yr = y + row * cols;
  const float* dyr = dy + row * cols;
  float* dxr = dx + row * cols;
  float dot = 0.f;
  for (int64_t c = lane; c < cols; c += 32) dot += dyr[c] * yr[c];
  dot = warp_sum(dot);
  for (int64_t c = lane; c < cols; c += 32) dxr[c] = yr[c] * (dyr[c] - dot);
}

__global__ void bias_add_kernel(float* y, const float* __restrict__ bias, int64_t rows, int64_t cols) {
  const int64_t n = rows * cols;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x)
    y[i] += bias[i % cols];
}

// Column sums: block (32, 8) owns 32 columns; the 8 thread rows stride over the rows, then reduce in
// shared memory. Deterministic (fixed order), written not accumulated.
__global__ void column_sum_kernel(float* __restrict__ out, const float* __restrict__ in, int64_t rows, int64_t cols) {
  __shared__ float partial[8][33];
  const int64_t c = int64_t(blockIdx.x) * 32 + threadIdx.x;
  float acc = 0.f;
  if (c < cols)
    for (int64_t r = threadIdx.y; r < rows; r += 8) acc += in[r * cols + c];
  partial[threadIdx.y][threadIdx.x] = acc;
  __syncthreads();
  if (threadIdx.y == 0 && c < cols) {
    float s = 0.f;
    for (int k = 0; k < 8; ++k) s += partial[k][threadIdx.x];
    out[c] = s;
  }
}

// Same stable hash as native/cpu/elementwise.cpp (hash2), so a seed gives the same mask on both backends.
__device__ __forceinline__ uint32_t hash2(uint32_t seed, uint64_t counter) {
  uint64_t x = counter * 0x9E3779B97F4A7C15ull ^ (uint64_t(seed) << 32 | seed);
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdull;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ull;
  x ^= x >> 33;
  return uint32_t(x);
}

__global__ void dropout_kernel(float* y, float* __restrict__ mask, const float* x, int64_t n, uint32_t threshold,
                               float keep_scale, uint32_t seed) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    const bool drop = (hash2(seed, uint64_t(i)) >> 8) < threshold;
    const float m = drop ? 0.f : keep_scale;
    mask[i] = m;
    y[i] = x[i] * m;
  }
}

__global__ void multiply_kernel(float* out, const float* a, const float* b, int64_t n) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x)
    out[i] = a[i] * b[i];
}

void check_code(Activation act) {
  TN_CUDA_ARG(int(act) >= 0 && int(act) < int(Activation::Count), "unknown activation code ", int(act));
}

template <int Act>
void launch_forward(float* y, const float* x, float alpha, int64_t n) {
  activation_forward_kernel<Act><<<grid_for(n), kThreads, 0, Device::get().stream()>>>(y, x, alpha, n);
}

template <int Act, bool UsesInput>
void launch_backward(float* dx, const float* dy, const float* saved, float alpha, int64_t n) {
  activation_backward_kernel<Act, UsesInput><<<grid_for(n), kThreads, 0, Device::get().stream()>>>(dx, dy, saved, alpha, n);
}

}  // namespace

// As tn::cpu::activation_backward_uses_input (the plugin does not link the CPU backend).
bool activation_backward_uses_input(Activation act) {
  switch (act) {
    case Activation::LeakyRelu:
    case Activation::Elu:
    case Activation::Selu:
    case Activation::Gelu:
    case Activation::Softplus:
    case Activation::Relu6:
    case Activation::Softsign:
    case Activation::Swish: return true;
    default: return false;
  }
}

void activation_forward(Activation act, float alpha, float* y, const float* x, int64_t rows, int64_t cols) {
  check_code(act);
  TN_CUDA_ARG(rows >= 0 && cols >= 0, "activation: negative size");
  const int64_t n = rows * cols;
  if (n == 0) return;
  cudaStream_t stream = Device::get().stream();
  switch (act) {
    case Activation::Linear:
      if (y != x) CUDA_CHECK(cudaMemcpyAsync(y, x, size_t(n) * sizeof(float), cudaMemcpyDeviceToDevice, stream));
      return;
    case Activation::Softmax:
      softmax_forward_kernel<<<unsigned((rows + kRowsPerBlock - 1) / kRowsPerBlock), 32 * kRowsPerBlock, 0, stream>>>(
          y, x, rows, cols);
      break;
    case Activation::Relu: launch_forward<int(Activation::Relu)>(y, x, alpha, n); break;
    case Activation::Sigmoid: launch_forward<int(Activation::Sigmoid)>(y, x, alpha, n); break;
    case Activation::Tanh: launch_forward<int(Activation::Tanh)>(y, x, alpha, n); break;
    case Activation::LeakyRelu: launch_forward<int(Activation::LeakyRelu)>(y, x, alpha, n); break;
    case Activation::Elu: launch_forward<int(Activation::Elu)>(y, x, alpha, n); break;
    case Activation::Selu: launch_forward<int(Activation::Selu)>(y, x, alpha, n); break;
    case Activation::Gelu: launch_forward<int(Activation::Gelu)>(y, x, alpha, n); break;
    case Activation::Softplus: launch_forward<int(Activation::Softplus)>(y, x, alpha, n); break;
    case Activation::Relu6: launch_forward<int(Activation::Relu6)>(y, x, alpha, n); break;
    case Activation::Softsign: launch_forward<int(Activation::Softsign)>(y, x, alpha, n); break;
    case Activation::Swish: launch_forward<int(Activation::Swish)>(y, x, alpha, n); break;
    default: TN_CUDA_ARG(false, "activation code ", int(act), " is not elementwise");
  }
  CUDA_CHECK_LAUNCH();
}

void activation_backward(Activation act, float alpha, float* dx, const float* dy, const float* x, const float* y,
                         int64_t rows, int64_t cols) {
  check_code(act);
  TN_CUDA_ARG(rows >= 0 && cols >= 0, "activation backward: negative size");
  const int64_t n = rows * cols;
  if (n == 0) return;
  cudaStream_t stream = Device::get().stream();
  if (act == Activation::Linear) {
    if (dx != dy) CUDA_CHECK(cudaMemcpyAsync(dx, dy, size_t(n) * sizeof(float), cudaMemcpyDeviceToDevice, stream));
    return;
  }
  if (act == Activation::Softmax) {
    TN_CUDA_ARG(y != nullptr, "softmax backward needs the forward output");
    softmax_backward_kernel<<<unsigned((rows + kRowsPerBlock - 1) / kRowsPerBlock), 32 * kRowsPerBlock, 0, stream>>>(
        dx, dy, y, rows, cols);
    CUDA_CHECK_LAUNCH();
    return;
  }
  const bool uses_input = cuda::activation_backward_uses_input(act);
  TN_CUDA_ARG(uses_input ? x != nullptr : y != nullptr, "activation backward: missing the saved ",
              uses_input ? "input" : "output");
  switch (act) {
    case Activation::Relu: relu_backward_kernel<<<grid_for(n), kThreads, 0, stream>>>(dx, dy, y, n); break;
    case Activation::Sigmoid: launch_backward<int(Activation::Sigmoid), false>(dx, dy, y, alpha, n); break;
    case Activation::Tanh: launch_backward<int(Activation::Tanh), false>(dx, dy, y, alpha, n); break;
    case Activation::LeakyRelu: launch_backward<int(Activation::LeakyRelu), true>(dx, dy, x, alpha, n); break;
    case Activation::Elu: launch_backward<int(Activation::Elu), true>(dx, dy, x, alpha, n); break;
    case Activation::Selu: launch_backward<int(Activation::Selu), true>(dx, dy, x, alpha, n); break;
    case Activation::Gelu: launch_backward<int(Activation::Gelu), true>(dx, dy, x, alpha, n); break;
    case Activation::Softplus: launch_backward<int(Activation::Softplus), true>(dx, dy, x, alpha, n); break;
    case Activation::Relu6: launch_backward<int(Activation::Relu6), true>(dx, dy, x, alpha, n); break;
    case Activation::Softsign: launch_backward<int(Activation::Softsign), true>(dx, dy, x, alpha, n); break;
    case Activation::Swish: launch_backward<int(Activation::Swish), true>(dx, dy, x, alpha, n); break;
    default: TN_CUDA_ARG(false, "activation code ", int(act), " is not elementwise");
  }
  CUDA_CHECK_LAUNCH();
}

void bias_add(float* y, const float* bias, int64_t rows, int64_t cols) {
  TN_CUDA_ARG(rows >= 0 && cols >= 0, "bias_add: negative size");
  if (rows * cols == 0) return;
  bias_add_kernel<<<grid_for(rows * cols), kThreads, 0, Device::get().stream()>>>(y, bias, rows, cols);
  CUDA_CHECK_LAUNCH();
}

void bias_backward(float* dbias, const float* dy, int64_t rows, int64_t cols) {
  TN_CUDA_ARG(rows >= 0 && cols >= 0, "bias_backward: negative size");
  if (cols == 0) return;
  column_sum_kernel<<<unsigned((cols + 31) / 32), dim3(32, 8), 0, Device::get().stream()>>>(dbias, dy, rows, cols);
  CUDA_CHECK_LAUNCH();
}

void dropout_forward(float* y, float* mask, const float* x, int64_t n, float rate, uint32_t seed) {
  TN_CUDA_ARG(rate >= 0.f && rate < 1.f, "dropout rate must be in [0, 1), got ", rate);
  TN_CUDA_ARG(n >= 0, "dropout: negative size");
  if (n == 0) return;
  // Exactly as the CPU computes them, so masks match bit for bit.
  const float keep_scale = 1.f / (1.f - rate);
  const uint32_t threshold = uint32_t(double(rate) * double(1u << 24));
  dropout_kernel<<<grid_for(n), kThreads, 0, Device::get().stream()>>>(y, mask, x, n, threshold, keep_scale, seed);
  CUDA_CHECK_LAUNCH();
}

void multiply(float* out, const float* a, const float* b, int64_t n) {
  TN_CUDA_ARG(n >= 0, "multiply: negative size");
  if (n == 0) return;
  multiply_kernel<<<grid_for(n), kThreads, 0, Device::get().stream()>>>(out, a, b, n);
  CUDA_CHECK_LAUNCH();
}

}  // namespace cuda
}  // namespace tn
