// Embedding lookup on the CPU: a gather forward and a sparse scatter-add backward.
//
//   table   (V, D)     V = vocabulary size (inputDim), D = outputDim
//   indices (N)        int32 in [0, V); N = batch * inputLength
//   y       (N, D)     y[n] = table[indices[n]]
//
// Note [Sparse embedding gradient]: backward touches only the rows of dtable that the
// current batch uses, plus the rows the previous batch used (prev_indices), which it sets
// to zero. So dtable is WRITTEN as a whole (every row not in the batch holds 0, rows in the
// batch hold the sum of their dy rows) without a dense pass over the table, provided the
// caller passes the previous call's indices (or none on the first call, when dtable is
// still all zeros). The optimizer then updates the whole table (one fused native update).
#pragma once
#include <cstdint>

namespace tn {
namespace cpu {

// Returns the flat position of the first index outside [0, vocab), or -1 when all are valid
// (then y is written; otherwise y is untouched).
int64_t embedding_forward(float* y, const float* table, const int32_t* indices, int64_t n, int64_t vocab, int64_t dim);

// dtable rows in prev_indices and indices := 0, then dtable[indices[i]] += dy[i] for every i.
void embedding_backward(float* dtable, const float* dy, const int32_t* indices, int64_t n, const int32_t* prev_indices,
                        int64_t prev_n, int64_t vocab, int64_t dim);

}  // namespace cpu
}  // namespace tn
