// Placeholder sgemm: correct, simple, multithreaded over rows. Replaced by the packed
// micro-kernel version (see gemm.h for the contract).
#include "cpu/gemm.h"

#include "core/thread_pool.h"

namespace tn {
namespace cpu {

void sgemm_reference(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha, const float* A,
                     int64_t lda, const float* B, int64_t ldb, float beta, float* C, int64_t ldc) {
  for (int64_t i = 0; i < M; ++i) {
    for (int64_t j = 0; j < N; ++j) {
      float acc = 0.f;
      for (int64_t k = 0; k < K; ++k) {
        float a = trans_a ? A[k * lda + i] : A[i * lda + k];
        float b = trans_b ? B[j * ldb + k] : B[k * ldb + j];
        acc += a * b;
      }
      C[i * ldc + j] = alpha * acc + (beta == 0.f ? 0.f : beta * C[i * ldc + j]);
    }
  }
}

void sgemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha, const float* A, int64_t lda,
           const float* B, int64_t ldb, float beta, float* C, int64_t ldc) {
  parallel_for(M, 4, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      float* c = C + i * ldc;
      if (beta == 0.f) {
        for (int64_t j = 0; j < N; ++j) c[j] = 0.f;
      } else if (beta != 1.f) {
        for (int64_t j = 0; j < N; ++j) c[j] *= beta;
      }
      for (int64_t k = 0; k < K; ++k) {
        float a = alpha * (trans_a ? A[k * lda + i] : A[i * lda + k]);
        if (!trans_b) {
          const float* b = B + k * ldb;
          for (int64_t j = 0; j < N; ++j) c[j] += a * b[j];
        } else {
          for (int64_t j = 0; j < N; ++j) c[j] += a * B[j * ldb + k];
        }
      }
    }
  });
}

const char* sgemm_kernel_name() { return "portable"; }

}  // namespace cpu
}  // namespace tn
