// Losses and accuracy on the GPU: value and gradient in one pass, the loss ACCUMULATED on the device.
// Reference and semantics: native/cpu/loss.{h,cpp} (Keras reductions, See Note [Fused output activation]
// there: with from_logits the gradient is taken w.r.t. the logits, fused with sigmoid / softmax).
//
// Written:     grad (rows, cols), when not null: d(batch mean)/d(input).
// Accumulated: metrics->loss_sum += batch mean, metrics->batches += 1 (loss_forward_backward);
//              metrics->correct += correct predictions, metrics->total += predictions (accuracy_count).
// A step therefore never waits for the host; the training loop reads the metrics once per epoch.
//
// Sums of the loss are taken in double (per thread, then per warp, then one atomicAdd per block), as the
// CPU sums in double; the order of the atomics varies, so the last bits of loss_sum may vary run to run.
// A sparse label outside [0, cols) cannot throw on the device: its row contributes nothing and
// metrics->bad_label_row / bad_label record the first one, which the host reports (plugin.cpp).
#include <cuda_runtime.h>

#include <cmath>

#include "cuda/check.h"
#include "cuda/device.h"
#include "cuda/ops.h"

namespace tn {
namespace cuda {
namespace {

constexpr float kEpsilon = 1e-7f;  // Keras backend epsilon
constexpr int kRowsPerBlock = 8;   // row losses: one warp per row

__device__ __forceinline__ float clip_probability(float p) { return fminf(fmaxf(p, kEpsilon), 1.f - kEpsilon); }

__device__ __forceinline__ double warp_sum(double v) {
  for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
  return v;
}
__device__ __forceinline__ float warp_max(float v) {
  for (int o = 16; o > 0; o >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
  return v;
}

// Sums v over the block (blockDim.x a multiple of 32, at most 1024); thread 0 adds scale * sum to *out.
__device__ void block_add(double v, double scale, double* out) {
  __shared__ double partial[32];
  v = warp_sum(v);
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  if (lane == 0) partial[warp] = v;
  __syncthreads();
  if (threadIdx.x == 0) {
    double s = 0.0;
    for (int w = 0; w < int(blockDim.x / 32); ++w) s += partial[w];
    atomicAdd(out, s * scale);
  }
}

__device__ void block_count(unsigned long long v, unsigned long long* out) {
  __shared__ unsigned long long partial[32];
  for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  if (lane == 0) partial[warp] = v;
  __syncthreads();
  if (threadIdx.x == 0) {
    unsigned long long s = 0;
    for (int w = 0; w < int(blockDim.x / 32); ++w) s += partial[w];
    if (s) atomicAdd(out, s);
  }
}

// MSE, MAE, BCE: per element, averaged over all n = rows * cols elements.
template <int L, bool FromLogits>
__global__ void elementwise_loss_kernel(float* grad, const float* __restrict__ input, const float* __restrict__ target,
                                        int64_t n, tn_cuda_metrics* m) {
  double total = 0.0;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    if (L == int(Loss::MeanSquaredError)) {
      const float d = input[i] - target[i];
      total += double(d) * d;
      if (grad) grad[i] = 2.f * d / float(n);
    } else if (L == int(Loss::MeanAbsoluteError)) {
      const float d = input[i] - target[i];
      total += fabsf(d);
      if (grad) grad[i] = (d > 0.f ? 1.f : (d < 0.f ? -1.f : 0.f)) / float(n);
    } else if (FromLogits) {  // BCE on logits, fused with the sigmoid
      const float t = target[i], z = input[i];
      total += fmaxf(z, 0.f) - z * t + log1pf(expf(-fabsf(z)));
      if (grad) {
        const float s = z >= 0.f ? 1.f / (1.f + expf(-z)) : expf(z) / (1.f + expf(z));
        grad[i] = (s - t) / float(n);
      }
    } else {  // BCE on probabilities, Keras' clip (zero gradient where clipped)
      const float t = target[i], p = clip_probability(input[i]);
      total += -(t * logf(p) + (1.f - t) * logf(1.f - p));
      if (grad) grad[i] = input[i] != p ? 0.f : (p - t) / (p * (1.f - p)) / float(n);
    }
  }
  block_add(total, 1.0 / double(n), &m->loss_sum);
  if (blockIdx.x == 0 && threadIdx.x == 0) atomicAdd(&m->batches, 1ull);
}

// CCE / SCCE, one warp per row; the batch mean divides by rows.
template <bool Sparse, bool FromLogits>
__global__ void row_loss_kernel(float* grad, const float* __restrict__ input, const float* __restrict__ target,
                                const int32_t* __restrict__ labels, int64_t rows, int64_t cols, tn_cuda_metrics* m) {
  const int64_t row = int64_t(blockIdx.x) * kRowsPerBlock + threadIdx.x / 32;
  const int lane = threadIdx.x % 32;
  double row_loss = 0.0;
  if (row < rows) {
    const float* z = input + row * cols;
    const float* t = Sparse ? nullptr : target + row * cols;
    float* g = grad ? grad + row * cols : nullptr;
    const double inv_rows = 1.0 / double(rows);
    int32_t label = 0;
    bool valid = true;
    if (Sparse) {
      label = labels[row];
      valid = label >= 0 && label < cols;
      if (!valid && lane == 0) {
        // First bad row wins; the host reports it (the CPU backend throws at once).
        if (atomicCAS(reinterpret_cast<unsigned long long*>(&m->bad_label_row), ~0ull, (unsigned long long)row) == ~0ull)
          atomicExch(reinterpret_cast<unsigned long long*>(&m->bad_label), (unsigned long long)(long long)label);
      }
    }
    if (!valid) {
      if (g)
        for (int64_t c = lane; c < cols; c += 32) g[c] = 0.f;
    } else if (FromLogits) {
      // log-sum-exp: max in float, sum of exp in double (as the CPU).
      float mx = -INFINITY;
      for (int64_t c = lane; c < cols; c += 32) mx = fmaxf(mx, z[c]);
      mx = warp_max(mx);
      double sum = 0.0;
      for (int64_t c = lane; c < cols; c += 32) sum += exp(double(z[c]) - mx);
      const double lse = double(mx) + log(warp_sum(sum));
      if (Sparse) {
        if (lane == 0) row_loss = lse - z[label];
        if (g)
          for (int64_t c = lane; c < cols; c += 32) {
            float v = float(exp(double(z[c]) - lse) / double(rows));
            if (c == label) v -= 1.f / float(rows);
            g[c] = v;
          }
      } else {
        double loss = 0.0, tsum = 0.0;
        for (int64_t c = lane; c < cols; c += 32) {
          loss -= double(t[c]) * (double(z[c]) - lse);
          tsum += t[c];
        }
        loss = warp_sum(loss);
        tsum = warp_sum(tsum);
        if (lane == 0) row_loss = loss;
        if (g)
          for (int64_t c = lane; c < cols; c += 32) g[c] = float((exp(double(z[c]) - lse) * tsum - t[c]) * inv_rows);
      }
    } else {
      // Probabilities: Keras renormalises each row, then clips (zero gradient where clipped).
      double psum = 0.0;
      for (int64_t c = lane; c < cols; c += 32) psum += z[c];
      psum = warp_sum(psum);
      if (Sparse) {
        const float q = float(z[label] / psum);
        const float p = clip_probability(q);
        const bool clipped = q != p;
        if (lane == 0) row_loss = -double(logf(p));  // float log, as the CPU's std::log(float)
        if (g) {
          const double common = clipped ? 0.0 : 1.0 / psum * inv_rows;
          for (int64_t c = lane; c < cols; c += 32)
            g[c] = (c == label && !clipped) ? float((-1.0 / z[label] + 1.0 / psum) * inv_rows) : float(common);
        }
      } else {
        double loss = 0.0, tsum = 0.0;
        for (int64_t c = lane; c < cols; c += 32) {
          const float q = float(z[c] / psum);
          const float p = clip_probability(q);
          loss -= double(t[c]) * logf(p);
          if (q == p) tsum += t[c];
        }
        loss = warp_sum(loss);
        tsum = warp_sum(tsum);
        if (lane == 0) row_loss = loss;
        if (g)
          for (int64_t c = lane; c < cols; c += 32) {
            const float q = float(z[c] / psum);
            const bool clipped = q != clip_probability(q);
            g[c] = float(((clipped ? 0.0 : -double(t[c]) / z[c]) + tsum / psum) * inv_rows);
          }
      }
    }
  }
  // Lane 0 of each warp holds its row's loss; every other lane adds 0.
  block_add(row_loss, 1.0 / double(rows), &m->loss_sum);
  if (blockIdx.x == 0 && threadIdx.x == 0) atomicAdd(&m->batches, 1ull);
}

__global__ void binary_accuracy_kernel(const float* __restrict__ pred, const float* __restrict__ target, int64_t n,
                                       float threshold, tn_cuda_metrics* m) {
  unsigned long long correct = 0;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x)
    correct += (pred[i] > threshold) == (target[i] > 0.5f);
  block_count(correct, &m->correct);
  if (blockIdx.x == 0 && threadIdx.x == 0) atomicAdd(&m->total, (unsigned long long)n);
}

// First index of the row maximum (as the CPU's `v[i] > v[best]` scan), one warp per row.
__device__ __forceinline__ int64_t warp_argmax(const float* v, int64_t n, int lane) {
  float best = -INFINITY;
  int64_t best_i = -1;
  for (int64_t c = lane; c < n; c += 32)
    if (best_i < 0 || v[c] > best) {
      best = v[c];
      best_i = c;
    }
  for (int o = 16; o > 0; o >>= 1) {
    const float ob = __shfl_xor_sync(0xffffffffu, best, o);
    const int64_t oi = __shfl_xor_sync(0xffffffffu, best_i, o);
    if (oi >= 0 && (best_i < 0 || ob > best || (ob == best && oi < best_i))) {
      best = ob;
      best_i = oi;
    }
  }
  return best_i;
}

template <bool Sparse>
__global__ void row_accuracy_kernel(const float* __restrict__ pred, const float* __restrict__ target,
                                    const int32_t* __restrict__ labels, int64_t rows, int64_t cols, tn_cuda_metrics* m) {
  const int64_t row = int64_t(blockIdx.x) * kRowsPerBlock + threadIdx.x / 32;
  const int lane = threadIdx.x % 32;
  unsigned long long correct = 0;
  if (row < rows) {
    const int64_t p = warp_argmax(pred + row * cols, cols, lane);
    const int64_t t = Sparse ? int64_t(labels[row]) : warp_argmax(target + row * cols, cols, lane);
    correct = (lane == 0 && p == t) ? 1 : 0;
  }
  block_count(correct, &m->correct);
  if (blockIdx.x == 0 && threadIdx.x == 0) atomicAdd(&m->total, (unsigned long long)rows);
}

__global__ void metrics_reset_kernel(tn_cuda_metrics* m) {
  m->loss_sum = 0.0;
  m->batches = 0;
  m->correct = 0;
  m->total = 0;
  m->bad_label_row = -1;
  m->bad_label = 0;
}

unsigned row_blocks(int64_t rows) { return unsigned((rows + kRowsPerBlock - 1) / kRowsPerBlock); }

template <int L>
void launch_elementwise(bool from_logits, float* grad, const float* input, const float* target, int64_t n,
                        tn_cuda_metrics* m, cudaStream_t s) {
  if (from_logits)
    elementwise_loss_kernel<L, true><<<grid_for(n), kThreads, 0, s>>>(grad, input, target, n, m);
  else
    elementwise_loss_kernel<L, false><<<grid_for(n), kThreads, 0, s>>>(grad, input, target, n, m);
}

}  // namespace

void loss_forward_backward(Loss loss, bool from_logits, float* grad, const float* input, const float* target,
                           const int32_t* sparse_target, int64_t rows, int64_t cols, tn_cuda_metrics* metrics) {
  TN_CUDA_ARG(rows > 0 && cols > 0, "loss: empty input (", rows, " x ", cols, ")");
  TN_CUDA_ARG(metrics != nullptr, "loss: no metrics accumulator");
  const int64_t n = rows * cols;
  cudaStream_t s = Device::get().stream();
  switch (loss) {
    case Loss::MeanSquaredError:
      launch_elementwise<int(Loss::MeanSquaredError)>(false, grad, input, target, n, metrics, s);
      break;
    case Loss::MeanAbsoluteError:
      launch_elementwise<int(Loss::MeanAbsoluteError)>(false, grad, input, target, n, metrics, s);
      break;
    case Loss::BinaryCrossentropy:
      launch_elementwise<int(Loss::BinaryCrossentropy)>(from_logits, grad, input, target, n, metrics, s);
      break;
    case Loss::CategoricalCrossentropy:
      if (from_logits)
        row_loss_kernel<false, true><<<row_blocks(rows), 32 * kRowsPerBlock, 0, s>>>(grad, input, target, nullptr, rows,
                                                                                     cols, metrics);
      else
        row_loss_kernel<false, false><<<row_blocks(rows), 32 * kRowsPerBlock, 0, s>>>(grad, input, target, nullptr, rows,
                                                                                      cols, metrics);
      break;
    case Loss::SparseCategoricalCrossentropy:
      TN_CUDA_ARG(sparse_target != nullptr, "sparse categorical crossentropy needs int32 labels");
      if (from_logits)
        row_loss_kernel<true, true><<<row_blocks(rows), 32 * kRowsPerBlock, 0, s>>>(grad, input, nullptr, sparse_target,
                                                                                    rows, cols, metrics);
      else
        row_loss_kernel<true, false><<<row_blocks(rows), 32 * kRowsPerBlock, 0, s>>>(grad, input, nullptr, sparse_target,
                                                                                     rows, cols, metrics);
      break;
    default: TN_CUDA_ARG(false, "unknown loss code ", int(loss));
  }
  CUDA_CHECK_LAUNCH();
}

void accuracy_count(Accuracy kind, bool from_logits, const float* pred, const float* target,
                    const int32_t* sparse_target, int64_t rows, int64_t cols, tn_cuda_metrics* metrics) {
  TN_CUDA_ARG(rows > 0 && cols > 0, "accuracy: empty input (", rows, " x ", cols, ")");
  TN_CUDA_ARG(metrics != nullptr, "accuracy: no metrics accumulator");
  cudaStream_t s = Device::get().stream();
  switch (kind) {
    case Accuracy::Binary:
      binary_accuracy_kernel<<<grid_for(rows * cols), kThreads, 0, s>>>(pred, target, rows * cols,
                                                                         from_logits ? 0.f : 0.5f, metrics);
      break;
    case Accuracy::Categorical:
      row_accuracy_kernel<false><<<row_blocks(rows), 32 * kRowsPerBlock, 0, s>>>(pred, target, nullptr, rows, cols,
                                                                                 metrics);
      break;
    case Accuracy::Sparse:
      TN_CUDA_ARG(sparse_target != nullptr, "sparse accuracy needs int32 labels");
      row_accuracy_kernel<true><<<row_blocks(rows), 32 * kRowsPerBlock, 0, s>>>(pred, nullptr, sparse_target, rows, cols,
                                                                                metrics);
      break;
    default: TN_CUDA_ARG(false, "unknown accuracy code ", int(kind));
  }
  CUDA_CHECK_LAUNCH();
}

void metrics_reset(tn_cuda_metrics* metrics) {
  TN_CUDA_ARG(metrics != nullptr, "metrics_reset: null accumulator");
  metrics_reset_kernel<<<1, 1, 0, Device::get().stream()>>>(metrics);
  CUDA_CHECK_LAUNCH();
}

}  // namespace cuda
}  // namespace tn
