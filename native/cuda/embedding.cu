// Embedding on the GPU (issue 6): gather forward, sparse scatter-add backward, with the semantics of
// native/cpu/embedding.h (See Note [Sparse embedding gradient] there: only the rows of the previous and
// the current batch are touched; dtable as a whole holds the gradient).
//
// Differences from the CPU, both stated in plugin_api.h:
//   * forward writes every y row: rows of invalid indices are zeroed (the CPU leaves y untouched when any
//     index is invalid); the first invalid flat position goes to the DEVICE int64 bad_index (or -1), so
//     the caller reads it with the rest of the step's results instead of a sync per call;
//   * backward sums duplicate indices with atomicAdd: the order, hence the last bits, may differ from the
//     CPU's sequential sum (and between runs).
#include <cuda_runtime.h>

#include <climits>

#include "cuda/check.h"
#include "cuda/device.h"
#include "cuda/ops.h"

namespace tn {
namespace cuda {
namespace {

__global__ void embedding_gather(float* y, const float* table, const int32_t* indices, int64_t n, int64_t vocab,
                                 int64_t dim, unsigned long long* first_bad) {
  const int64_t total = n * dim;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < total; i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t row = i / dim, col = i % dim;
    const int32_t idx = indices[row];
    if (idx >= 0 && idx < vocab) {
      y[i] = table[int64_t(idx) * dim + col];
    } else {
      y[i] = 0.f;
      if (col == 0 && first_bad) atomicMin(first_bad, (unsigned long long)row);
    }
  }
}

__global__ void init_bad(unsigned long long* first_bad) { *first_bad = ULLONG_MAX; }
__global__ void finish_bad(unsigned long long* first_bad) {
  long long* out = reinterpret_cast<long long*>(first_bad);
  const unsigned long long v = *first_bad;
  *out = v == ULLONG_MAX ? -1ll : (long long)v;
}

__global__ void zero_rows(float* dtable, const int32_t* indices, int64_t n, int64_t vocab, int64_t dim) {
  const int64_t total = n * dim;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < total; i += int64_t(gridDim.x) * blockDim.x) {
    const int32_t idx = indices[i / dim];
    if (idx >= 0 && idx < vocab) dtable[int64_t(idx) * dim + i % dim] = 0.f;
  }
}

__global__ void scatter_add(float* dtable, const float* dy, const int32_t* indices, int64_t n, int64_t vocab, int64_t dim) {
  const int64_t total = n * dim;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < total; i += int64_t(gridDim.x) * blockDim.x) {
    const int32_t idx = indices[i / dim];
    if (idx >= 0 && idx < vocab) atomicAdd(&dtable[int64_t(idx) * dim + i % dim], dy[i]);
  }
}

}  // namespace

void embedding_forward(float* y, const float* table, const int32_t* indices, int64_t n, int64_t vocab, int64_t dim,
                       int64_t* bad_index) {
  tn_cuda_embedding_params ep{n, vocab, dim};
  require_supported(TN_CUDA_OP_EMBEDDING, &ep);
  if (n == 0) {
    if (bad_index) CUDA_CHECK(cudaMemsetAsync(bad_index, 0xff, sizeof(int64_t), Device::get().stream()));  // -1
    return;
  }
  TN_CUDA_ARG(y && table && indices, "embedding_forward: null buffer");
  cudaStream_t st = Device::get().stream();
  auto* bad = reinterpret_cast<unsigned long long*>(bad_index);
  if (bad) {
    init_bad<<<1, 1, 0, st>>>(bad);
    CUDA_CHECK_LAUNCH();
  }
  embedding_gather<<<grid_for(n * dim), kThreads, 0, st>>>(y, table, indices, n, vocab, dim, bad);
  CUDA_CHECK_LAUNCH();
  if (bad) {
    finish_bad<<<1, 1, 0, st>>>(bad);
    CUDA_CHECK_LAUNCH();
  }
}

void embedding_backward(float* dtable, const float* dy, const int32_t* indices, int64_t n, const int32_t* prev_indices,
                        int64_t prev_n, int64_t vocab, int64_t dim) {
  tn_cuda_embedding_params ep{n, vocab, dim};
  require_supported(TN_CUDA_OP_EMBEDDING, &ep);
  TN_CUDA_ARG(dtable && (n == 0 || (dy && indices)) && (prev_n == 0 || prev_indices), "embedding_backward: null buffer");
  cudaStream_t st = Device::get().stream();
  // Stream order makes every zeroing finish before the first add.
  if (prev_n > 0 && prev_indices) {
    zero_rows<<<grid_for(prev_n * dim), kThreads, 0, st>>>(dtable, prev_indices, prev_n, vocab, dim);
    CUDA_CHECK_LAUNCH();
  }
  if (n == 0) return;
  zero_rows<<<grid_for(n * dim), kThreads, 0, st>>>(dtable, indices, n, vocab, dim);
  CUDA_CHECK_LAUNCH();
  scatter_add<<<grid_for(n * dim), kThreads, 0, st>>>(dtable, dy, indices, n, vocab, dim);
  CUDA_CHECK_LAUNCH();
}

}  // namespace cuda
}  // namespace tn
