// Single-precision matrix multiply on the CPU, row-major (as every buffer in tensornode).
//
//   C[M, N] = alpha * op(A)[M, K] * op(B)[K, N] + beta * C
//
// op(A) is A (M x K, leading dimension lda >= K) or, with trans_a, A^T where A is K x M
// (lda >= M); likewise op(B). ldc >= N. beta == 0 means C is written without being read
// (so it may hold garbage or NaN). Multithreaded on the pool in core/thread_pool.h.
#pragma once
#include <cstdint>

namespace tn {
namespace cpu {

void sgemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha, const float* A, int64_t lda,
           const float* B, int64_t ldb, float beta, float* C, int64_t ldc);

// The straightforward triple loop in double-free float accumulation order; the reference
// that tests and the fast path are checked against, and the fallback for tiny shapes.
void sgemm_reference(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha, const float* A,
                     int64_t lda, const float* B, int64_t ldb, float beta, float* C, int64_t ldc);

// Which micro-kernel sgemm uses on this machine: "avx512", "avx2-fma" or "portable".
const char* sgemm_kernel_name();

}  // namespace cpu
}  // namespace tn
