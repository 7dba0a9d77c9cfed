// Packed single-precision GEMM (see gemm.h for the contract). Note [sgemm blocking]:
//
// Goto/BLIS scheme, with the two inner loops ordered for the shapes of a training step (C
// tall and narrow, K often small):
//
//   for jc in N step NC                 (NC = 512)
//     for pc in K step KC               (KC = 256, balanced: K = 288 runs as 2 x 144)
//       pack op(B)[pc.., jc..] -> Bp    KC x NC = 512 KiB, stays in L2 (1 MiB on Zen 5);
//                                       micro-panels of NR columns, k-major: Bp[k*NR + j],
//                                       the last one zero-padded to a whole vector
//       for ir in M step MR
//         pack op(A)[ir.., pc..] -> Ap  one micro-panel, MR x KC, k-major: Ap[k*MR + i];
//                                       stays in L1 for the whole jr loop
//         for jr in NC step NR
//           micro-kernel: C[ir.., jr..] = alpha * Ap * Bp[jr] + beta * C   (first K block)
//                                      += alpha * Ap * Bp[jr]             (later K blocks)
//
// The micro-kernel keeps MR x NR accumulators in vector registers (AVX-512: 8 x 32 = 16 zmm,
// enough independent FMA chains for two 4-cycle FMA pipes), broadcasts one A value per row
// per k and multiplies it by NR/VW vectors of B. Walking ir outside jr (rather than BLIS's
// jr outside ir) streams B micro-panels from L2 but writes each MR rows of C across their
// whole width at once: with small K the kernel is store-bound, and this order measured
// ~1.6x faster on (32000, 512, 32) and no slower on square 1024.
//
// Edges: the last B micro-panel is only as wide as needed (rounded to a vector, so N = 10
// uses one 16-wide AVX-512 vector, not two) and is masked on store; the last A micro-panel
// uses a kernel instantiated for exactly its row count (no padded rows are computed).
//
// Transposed A (A^T with A K x M) already has the micro-panel layout with row stride lda, so
// when each A micro-panel meets only one or two B micro-panels (N <= 2*NR) the kernel reads
// it in place. Row-major A is always packed (an 8x8 register transpose on AVX-512): reading
// MR rows in place measured 25-30% slower, and packing prefetches the next panel's rows,
// which matters when A streams from DRAM (im2col matrices).
//
// Threads (tn::parallel_chunks): see choose_split. C is split over M, N and/or K, picking the
// split that repacks the least; K is split (private partial sums, added at the end) when M
// and N are small and K is large, as in conv weight gradients (K = batch * pixels).
//
// Kernels are chosen at run time (AVX-512F, AVX2+FMA, portable C++); the addon is built
// without -m flags, so the x86 kernels and packers carry per-function target attributes.
// TENSORNODE_GEMM_KERNEL=portable|avx2|avx512 caps the choice (for testing each path).
// Pack buffers are thread_local and only grow: no allocation per call in steady state.
#include "cpu/gemm.h"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>
#include <utility>
#include <vector>

#include "core/errors.h"
#include "core/thread_pool.h"

#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
#define TN_GEMM_X86 1
#include <immintrin.h>
#else
#define TN_GEMM_X86 0
#endif

#if defined(__GNUC__) || defined(__clang__)
#define TN_ALWAYS_INLINE inline __attribute__((always_inline))
#define TN_RESTRICT __restrict__
#define TN_PREFETCH(p) __builtin_prefetch(p)
// Loops over the register tile must be fully unrolled, or the accumulator array is given a
// stack home and every FMA result is stored (GCC 12 did this to the AVX2 kernel).
#define TN_UNROLL _Pragma("GCC unroll 16")
#else
#define TN_UNROLL
#define TN_ALWAYS_INLINE inline
#define TN_RESTRICT
#define TN_PREFETCH(p) ((void)0)
#endif

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

namespace {

// Below this many FLOPs (2*M*N*K) a call runs on the caller's thread: 1 MFLOP takes ~5 µs
// on one AVX-512 core, about what handing half of it to the pool saves.
constexpr int64_t kParallelFlops = int64_t(1) << 20;
// Each task of a parallel product does at least this much.
constexpr int64_t kMinTaskFlops = int64_t(1) << 19;

// A micro-kernel instance for MR rows (template parameter) and NV vectors:
// C[0:MR, 0:nr] = alpha * A(MR x kc) * B(kc x nr) + beta * C, where beta == 0 does not read C.
// Element (i, k) of A is a[k*a_step + i] (a packed micro-panel: a_step = MR; transposed A read
// in place: a_step = lda). Row k of the B micro-panel is b + k*b_step, NV vectors wide;
// columns >= nr are computed (B is zero there) but not stored.
using MicroKernel = void (*)(int64_t kc, const float* a, int64_t a_step, const float* b, int64_t b_step, float* c,
                             int64_t ldc, int nr, float alpha, float beta);
// Packs one micro-panel: op(A)[0:rows, 0:kc] (A points at op(A)(0,0), rows <= MR) into
// out[k*rows + i].
using PackA = void (*)(bool trans, int rows, int64_t kc, const float* A, int64_t lda, float* out);
// Packs op(B)[0:kc, 0:nc] into micro-panels of nr_max columns, k-major; the last one is as
// wide as its columns rounded up to vw, zero-filled past nc.
using PackB = void (*)(bool trans, int64_t kc, int64_t nc, const float* B, int64_t ldb, int vw, int nr_max,
                       float* out);

constexpr int kMaxMR = 8;
constexpr int kMaxNV = 2;

struct KernelSet {
  const char* name;
  int mr;      // rows of the main micro-tile
  int vw;      // floats per vector
  int nv;      // vectors per micro-tile row (NR = vw * nv)
  int64_t kc;  // cache blocking, see Note [sgemm blocking]
  int64_t nc;
  MicroKernel kern[kMaxNV][kMaxMR];  // [vectors - 1][rows - 1]
  PackA pack_a;
  PackB pack_b;
};

// ---------------------------------------------------------------------------------------
// Packing, written once and compiled per instruction set (the wrappers below carry the
// target attribute; these inline into them and get vectorized for it).

template <int MR>
TN_ALWAYS_INLINE void pack_a_generic(bool trans, int rows, int64_t kc, const float* TN_RESTRICT A, int64_t lda,
                                     float* TN_RESTRICT out) {
  if (trans) {
    // op(A)(i, k) = A[k*lda + i]: each k contributes `rows` contiguous floats.
    if (rows == MR) {
      for (int64_t k = 0; k < kc; ++k, out += MR)
        for (int i = 0; i < MR; ++i) out[i] = A[k * lda + i];
    } else {
      for (int64_t k = 0; k < kc; ++k, out += rows)
        for (int i = 0; i < rows; ++i) out[i] = A[k * lda + i];
    }
    return;
  }
  // op(A)(i, k) = A[i*lda + k]: one value from each row per k. The rows below (the next
  // panel) are prefetched a cache line per row every 16 k.
  const float* next = A + rows * lda;
  if (rows == MR) {
    for (int64_t k = 0; k < kc; ++k, out += MR) {
      if ((k & 15) == 0)
        for (int i = 0; i < MR; ++i) TN_PREFETCH(next + i * lda + k);
      for (int i = 0; i < MR; ++i) out[i] = A[i * lda + k];
    }
  } else {
    for (int i = 0; i < rows; ++i)
      for (int64_t k = 0; k < kc; ++k) out[k * rows + i] = A[i * lda + k];
  }
}

TN_ALWAYS_INLINE void pack_b_generic(bool trans, int64_t kc, int64_t nc, const float* TN_RESTRICT B, int64_t ldb,
                                     int vw, int nr_max, float* TN_RESTRICT out) {
  for (int64_t j0 = 0; j0 < nc; j0 += nr_max) {
    const int nr = int(std::min<int64_t>(nr_max, nc - j0));
    const int w = (nr + vw - 1) / vw * vw;
    if (!trans) {
      // op(B)(k, j) = B[k*ldb + j]: rows copy straight across.
      const float* src = B + j0;
      for (int64_t k = 0; k < kc; ++k, out += w) {
        for (int j = 0; j < nr; ++j) out[j] = src[k * ldb + j];
        for (int j = nr; j < w; ++j) out[j] = 0.f;
      }
    } else {
      // op(B)(k, j) = B[j*ldb + k]: a transpose; source rows are read contiguously.
      const float* src = B + j0 * ldb;
      for (int64_t k = 0; k < kc; ++k)
        for (int j = nr; j < w; ++j) out[k * w + j] = 0.f;
      for (int j = 0; j < nr; ++j)
        for (int64_t k = 0; k < kc; ++k) out[k * w + j] = src[j * ldb + k];
      out += kc * w;
    }
  }
}

// ---------------------------------------------------------------------------------------
// Portable kernel: plain C++ the compiler vectorizes for whatever the target is (SSE2 on a
// baseline x86-64 build, NEON on arm64). 4 x 8 accumulators fit 16 registers of 128 bits.

constexpr int kPortableMR = 4;
constexpr int kPortableVW = 8;

template <int MR, int NV>
struct PortableKernel {
  static void run(int64_t kc, const float* TN_RESTRICT a, int64_t a_step, const float* TN_RESTRICT b, int64_t b_step,
                  float* TN_RESTRICT c, int64_t ldc, int nr, float alpha, float beta) {
    constexpr int NR = NV * kPortableVW;
    float acc[MR][NR] = {};
    for (int64_t k = 0; k < kc; ++k, a += a_step, b += b_step) {
      TN_UNROLL
      for (int i = 0; i < MR; ++i) {
        const float ai = a[i];
        TN_UNROLL
        for (int j = 0; j < NR; ++j) acc[i][j] += ai * b[j];
      }
    }
    TN_UNROLL
    for (int i = 0; i < MR; ++i) {
      float* ci = c + i * ldc;
      if (beta == 0.f) {
        for (int j = 0; j < nr; ++j) ci[j] = alpha * acc[i][j];
      } else {
        for (int j = 0; j < nr; ++j) ci[j] = alpha * acc[i][j] + beta * ci[j];
      }
    }
  }
};

void pack_a_portable(bool trans, int rows, int64_t kc, const float* A, int64_t lda, float* out) {
  pack_a_generic<kPortableMR>(trans, rows, kc, A, lda, out);
}
void pack_b_portable(bool trans, int64_t kc, int64_t nc, const float* B, int64_t ldb, int vw, int nr_max, float* out) {
  pack_b_generic(trans, kc, nc, B, ldb, vw, nr_max, out);
}

#if TN_GEMM_X86
// ---------------------------------------------------------------------------------------
// x86 packing helpers.

// Transposes the 8 x 8 block src[r*ld + c] into dst[c*dst_ld + r] (AVX shuffles: 24 for 64
// floats, against 64 scalar load/store pairs).
__attribute__((target("avx2"))) TN_ALWAYS_INLINE void transpose8x8(const float* TN_RESTRICT src, int64_t ld,
                                                                   float* TN_RESTRICT dst, int64_t dst_ld) {
  const __m256 r0 = _mm256_loadu_ps(src), r1 = _mm256_loadu_ps(src + ld), r2 = _mm256_loadu_ps(src + 2 * ld),
               r3 = _mm256_loadu_ps(src + 3 * ld), r4 = _mm256_loadu_ps(src + 4 * ld),
               r5 = _mm256_loadu_ps(src + 5 * ld), r6 = _mm256_loadu_ps(src + 6 * ld),
               r7 = _mm256_loadu_ps(src + 7 * ld);
  const __m256 t0 = _mm256_unpacklo_ps(r0, r1), t1 = _mm256_unpackhi_ps(r0, r1), t2 = _mm256_unpacklo_ps(r2, r3),
               t3 = _mm256_unpackhi_ps(r2, r3), t4 = _mm256_unpacklo_ps(r4, r5), t5 = _mm256_unpackhi_ps(r4, r5),
               t6 = _mm256_unpacklo_ps(r6, r7), t7 = _mm256_unpackhi_ps(r6, r7);
  const __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xEE),
               u2 = _mm256_shuffle_ps(t1, t3, 0x44), u3 = _mm256_shuffle_ps(t1, t3, 0xEE),
               u4 = _mm256_shuffle_ps(t4, t6, 0x44), u5 = _mm256_shuffle_ps(t4, t6, 0xEE),
               u6 = _mm256_shuffle_ps(t5, t7, 0x44), u7 = _mm256_shuffle_ps(t5, t7, 0xEE);
  _mm256_storeu_ps(dst + 0 * dst_ld, _mm256_permute2f128_ps(u0, u4, 0x20));
  _mm256_storeu_ps(dst + 1 * dst_ld, _mm256_permute2f128_ps(u1, u5, 0x20));
  _mm256_storeu_ps(dst + 2 * dst_ld, _mm256_permute2f128_ps(u2, u6, 0x20));
  _mm256_storeu_ps(dst + 3 * dst_ld, _mm256_permute2f128_ps(u3, u7, 0x20));
  _mm256_storeu_ps(dst + 4 * dst_ld, _mm256_permute2f128_ps(u0, u4, 0x31));
  _mm256_storeu_ps(dst + 5 * dst_ld, _mm256_permute2f128_ps(u1, u5, 0x31));
  _mm256_storeu_ps(dst + 6 * dst_ld, _mm256_permute2f128_ps(u2, u6, 0x31));
  _mm256_storeu_ps(dst + 7 * dst_ld, _mm256_permute2f128_ps(u3, u7, 0x31));
}

// Transposed B, 8 columns x 8 k at a time through transpose8x8; remainders go scalar.
__attribute__((target("avx2"))) TN_ALWAYS_INLINE void pack_b_trans_x86(int64_t kc, int64_t nc,
                                                                       const float* TN_RESTRICT B, int64_t ldb,
                                                                       int vw, int nr_max, float* TN_RESTRICT out) {
  for (int64_t j0 = 0; j0 < nc; j0 += nr_max) {
    const int nr = int(std::min<int64_t>(nr_max, nc - j0));
    const int w = (nr + vw - 1) / vw * vw;
    const float* src = B + j0 * ldb;
    const int nr8 = nr & ~7;
    const int64_t kc8 = kc & ~int64_t(7);
    for (int64_t k = 0; k < kc8; k += 8)
      for (int j = 0; j < nr8; j += 8) transpose8x8(src + j * ldb + k, ldb, out + k * w + j, w);
    for (int j = 0; j < nr8; ++j)
      for (int64_t k = kc8; k < kc; ++k) out[k * w + j] = src[j * ldb + k];
    for (int j = nr8; j < nr; ++j)
      for (int64_t k = 0; k < kc; ++k) out[k * w + j] = src[j * ldb + k];
    for (int64_t k = 0; k < kc; ++k)
      for (int j = nr; j < w; ++j) out[k * w + j] = 0.f;
    out += kc * w;
  }
}

// ---------------------------------------------------------------------------------------
// AVX2 + FMA: 6 x 16 tile = 12 ymm accumulators + 2 B vectors + 1 broadcast (of 16).

constexpr int kAvx2MR = 6;

template <int MR, int NV>
struct Avx2Kernel {
  __attribute__((target("avx2,fma"))) static void run(int64_t kc, const float* TN_RESTRICT a, int64_t a_step,
                                                     const float* TN_RESTRICT b, int64_t b_step,
                                                     float* TN_RESTRICT c, int64_t ldc, int nr, float alpha,
                                                     float beta) {
    __m256 acc[MR][NV];
    TN_UNROLL
    for (int i = 0; i < MR; ++i)
      TN_UNROLL
      for (int v = 0; v < NV; ++v) acc[i][v] = _mm256_setzero_ps();
    for (int64_t k = 0; k < kc; ++k, a += a_step, b += b_step) {
      __m256 bv[NV];
      TN_UNROLL
      for (int v = 0; v < NV; ++v) bv[v] = _mm256_loadu_ps(b + v * 8);
      TN_UNROLL
      for (int i = 0; i < MR; ++i) {
        const __m256 ai = _mm256_broadcast_ss(a + i);
        TN_UNROLL
        for (int v = 0; v < NV; ++v) acc[i][v] = _mm256_fmadd_ps(ai, bv[v], acc[i][v]);
      }
    }
    const __m256 va = _mm256_set1_ps(alpha), vb = _mm256_set1_ps(beta);
    if (nr == NV * 8) {
      TN_UNROLL
      for (int i = 0; i < MR; ++i) {
        float* ci = c + i * ldc;
        TN_UNROLL
        for (int v = 0; v < NV; ++v) {
          __m256 r = _mm256_mul_ps(acc[i][v], va);
          if (beta != 0.f) r = _mm256_fmadd_ps(vb, _mm256_loadu_ps(ci + v * 8), r);
          _mm256_storeu_ps(ci + v * 8, r);
        }
      }
    } else {
      // Partial last micro-panel: go through a stack tile so nothing past nr is touched.
      alignas(32) float tile[NV * 8];
      TN_UNROLL
      for (int i = 0; i < MR; ++i) {
        float* ci = c + i * ldc;
        TN_UNROLL
        for (int v = 0; v < NV; ++v) _mm256_store_ps(tile + v * 8, _mm256_mul_ps(acc[i][v], va));
        if (beta == 0.f) {
          for (int j = 0; j < nr; ++j) ci[j] = tile[j];
        } else {
          for (int j = 0; j < nr; ++j) ci[j] = tile[j] + beta * ci[j];
        }
      }
    }
  }
};

__attribute__((target("avx2,fma"))) void pack_a_avx2(bool trans, int rows, int64_t kc, const float* A, int64_t lda,
                                                     float* out) {
  pack_a_generic<kAvx2MR>(trans, rows, kc, A, lda, out);
}
__attribute__((target("avx2,fma"))) void pack_b_avx2(bool trans, int64_t kc, int64_t nc, const float* B, int64_t ldb,
                                                     int vw, int nr_max, float* out) {
  if (trans) pack_b_trans_x86(kc, nc, B, ldb, vw, nr_max, out);
  else pack_b_generic(false, kc, nc, B, ldb, vw, nr_max, out);
}

// ---------------------------------------------------------------------------------------
// AVX-512F: 8 x 32 tile = 16 zmm accumulators. Two FMA pipes with 4-cycle latency need 8
// independent chains; 16 leave room, and each k costs 2 B loads + 8 broadcasts for 16 FMAs.
// (12 x 32 measured the same on the shapes above; 8 rows divide the batch sizes we use.)
// Edge columns use masked loads/stores.

constexpr int kAvx512MR = 8;

template <int MR, int NV>
struct Avx512Kernel {
  __attribute__((target("avx512f"))) static void run(int64_t kc, const float* TN_RESTRICT a, int64_t a_step,
                                                    const float* TN_RESTRICT b, int64_t b_step,
                                                    float* TN_RESTRICT c, int64_t ldc, int nr, float alpha,
                                                    float beta) {
    __m512 acc[MR][NV];
    TN_UNROLL
    for (int i = 0; i < MR; ++i)
      TN_UNROLL
      for (int v = 0; v < NV; ++v) acc[i][v] = _mm512_setzero_ps();
    TN_UNROLL
    for (int i = 0; i < MR; ++i) _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc), _MM_HINT_T0);
    for (int64_t k = 0; k < kc; ++k, a += a_step, b += b_step) {
      __m512 bv[NV];
      TN_UNROLL
      for (int v = 0; v < NV; ++v) bv[v] = _mm512_loadu_ps(b + v * 16);
      TN_UNROLL
      for (int i = 0; i < MR; ++i) {
        const __m512 ai = _mm512_set1_ps(a[i]);
        TN_UNROLL
        for (int v = 0; v < NV; ++v) acc[i][v] = _mm512_fmadd_ps(ai, bv[v], acc[i][v]);
      }
    }
    const __m512 va = _mm512_set1_ps(alpha), vb = _mm512_set1_ps(beta);
    const int tail = nr - (NV - 1) * 16;  // 1..16 columns in the last vector
    const __mmask16 last = tail >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << tail) - 1u);
    TN_UNROLL
    for (int i = 0; i < MR; ++i) {
      float* ci = c + i * ldc;
      TN_UNROLL
      for (int v = 0; v < NV; ++v) {
        const __mmask16 m = v == NV - 1 ? last : __mmask16(0xFFFF);
        __m512 r = _mm512_mul_ps(acc[i][v], va);
        if (beta != 0.f) r = _mm512_fmadd_ps(vb, _mm512_maskz_loadu_ps(m, ci + v * 16), r);
        _mm512_mask_storeu_ps(ci + v * 16, m, r);
      }
    }
  }
};

__attribute__((target("avx512f"))) void pack_a_avx512(bool trans, int rows, int64_t kc, const float* A, int64_t lda,
                                                      float* out) {
  static_assert(kAvx512MR == 8, "the transpose below packs 8-row panels");
  if (trans || rows != 8) {
    pack_a_generic<kAvx512MR>(trans, rows, kc, A, lda, out);
    return;
  }
  // Row-major A, full panel: 8 x 8 register transposes, prefetching the next panel's rows
  // (a cache line per row every 16 k) for when A streams from memory.
  const float* next = A + 8 * lda;
  const int64_t kc8 = kc & ~int64_t(7);
  for (int64_t k = 0; k < kc8; k += 8) {
    if ((k & 15) == 0)
      for (int i = 0; i < 8; ++i) _mm_prefetch(reinterpret_cast<const char*>(next + i * lda + k), _MM_HINT_T0);
    transpose8x8(A + k, lda, out + k * 8, 8);
  }
  for (int64_t k = kc8; k < kc; ++k)
    for (int i = 0; i < 8; ++i) out[k * 8 + i] = A[i * lda + k];
}
__attribute__((target("avx512f"))) void pack_b_avx512(bool trans, int64_t kc, int64_t nc, const float* B,
                                                      int64_t ldb, int vw, int nr_max, float* out) {
  if (trans) pack_b_trans_x86(kc, nc, B, ldb, vw, nr_max, out);
  else pack_b_generic(false, kc, nc, B, ldb, vw, nr_max, out);
}
#endif  // TN_GEMM_X86

// ---------------------------------------------------------------------------------------
// Kernel tables and run-time choice.

template <template <int, int> class Kern, int NV, int... I>
void fill_rows(MicroKernel* out, std::integer_sequence<int, I...>) {
  ((out[I] = &Kern<I + 1, NV>::run), ...);
}

template <template <int, int> class Kern, int MR, int NV>
KernelSet make_set(const char* name, int vw, int64_t kc, int64_t nc, PackA pa, PackB pb) {
  static_assert(MR <= kMaxMR && NV <= kMaxNV, "tile too large for the kernel table");
  KernelSet s{};
  s.name = name;
  s.mr = MR;
  s.vw = vw;
  s.nv = NV;
  s.kc = kc;
  s.nc = nc;
  fill_rows<Kern, 1>(s.kern[0], std::make_integer_sequence<int, MR>());
  if constexpr (NV >= 2) fill_rows<Kern, NV>(s.kern[NV - 1], std::make_integer_sequence<int, MR>());
  s.pack_a = pa;
  s.pack_b = pb;
  return s;
}

// Block sizes (measured with gemm_check on AMD EPYC Zen 5: 48 KiB L1d, 1 MiB L2 per core):
// KC = 256 and NC = 512 keep the packed B block (512 KiB) in L2 and an A micro-panel (8 KiB)
// in L1; KC = 384..1024 measured the same, 512 KiB of B per NC block is what L2 allows.
const KernelSet& portable_set() {
  static const KernelSet s =
      make_set<PortableKernel, kPortableMR, 1>("portable", kPortableVW, 256, 512, pack_a_portable, pack_b_portable);
  return s;
}

#if TN_GEMM_X86
const KernelSet& avx2_set() {
  static const KernelSet s = make_set<Avx2Kernel, kAvx2MR, 2>("avx2-fma", 8, 256, 512, pack_a_avx2, pack_b_avx2);
  return s;
}
const KernelSet& avx512_set() {
  static const KernelSet s =
      make_set<Avx512Kernel, kAvx512MR, 2>("avx512", 16, 256, 512, pack_a_avx512, pack_b_avx512);
  return s;
}
#endif

const KernelSet* choose_set() {
  const char* env = std::getenv("TENSORNODE_GEMM_KERNEL");
  const std::string want = env ? env : "";
#if TN_GEMM_X86
  __builtin_cpu_init();
  const bool has512 = __builtin_cpu_supports("avx512f");
  const bool has2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  if (want == "portable") return &portable_set();
  if (want == "avx2") return has2 ? &avx2_set() : &portable_set();
  if (has512) return &avx512_set();
  if (has2) return &avx2_set();
#endif
  (void)want;
  return &portable_set();
}

const KernelSet& kernels() {
  static const KernelSet* chosen = choose_set();
  return *chosen;
}

// ---------------------------------------------------------------------------------------
// Buffers.

// A 64-byte aligned float buffer that only grows; one per thread and role.
class Buffer {
 public:
  Buffer() = default;
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;
  ~Buffer() { std::free(raw_); }
  float* get(int64_t n) {
    if (n > size_) {
      std::free(raw_);
      raw_ = std::malloc(size_t(n) * sizeof(float) + 64);
      if (!raw_) {
        size_ = 0;
        throw std::bad_alloc();
      }
      size_ = n;
      data_ = reinterpret_cast<float*>((reinterpret_cast<uintptr_t>(raw_) + 63) & ~uintptr_t(63));
    }
    return data_;
  }

 private:
  void* raw_ = nullptr;
  float* data_ = nullptr;
  int64_t size_ = 0;
};

thread_local Buffer tl_pack_a;
thread_local Buffer tl_pack_b;
thread_local std::vector<Buffer> tl_partials;  // split-K partial sums, owned by the calling thread
thread_local std::vector<float*> tl_partial_ptrs;

struct Problem {
  bool ta, tb;
  const float* A;
  int64_t lda;
  const float* B;
  int64_t ldb;
};

// Splits `total` into parts of about `target`, each a multiple of `align` (but the last),
// so that e.g. K = 288 becomes 2 x 144 rather than 256 + 32.
int64_t balanced_block(int64_t total, int64_t target, int64_t align) {
  const int64_t parts = (total + target - 1) / target;
  int64_t b = (total + parts - 1) / parts;
  return (b + align - 1) / align * align;
}

// The serial blocked product on C's block [m0, m1) x [n0, n1) over k in [k0, k1):
// C = alpha * op(A) op(B) + beta * C. See Note [sgemm blocking].
void gemm_serial(const KernelSet& ks, const Problem& p, int64_t m0, int64_t m1, int64_t n0, int64_t n1, int64_t k0,
                 int64_t k1, float alpha, float beta, float* C, int64_t ldc) {
  const int64_t N = n1 - n0, K = k1 - k0;
  const int mr = ks.mr, vw = ks.vw;
  const int nr_max = ks.vw * ks.nv;
  const int64_t kc_blk = balanced_block(K, ks.kc, 8);
  const int64_t nc_blk = balanced_block(N, ks.nc, nr_max);
  // Transposed A is already k-major: read it in place unless each micro-panel meets enough
  // B micro-panels (> 2) to repay a contiguous copy. Row-major A is always packed.
  const bool pack_a = !p.ta || std::min(N, nc_blk) > 2 * nr_max;
  float* bp = tl_pack_b.get(kc_blk * ((std::min(N, nc_blk) + nr_max - 1) / nr_max * nr_max));
  float* ap = pack_a ? tl_pack_a.get(kc_blk * mr) : nullptr;

  for (int64_t jc = n0; jc < n1; jc += nc_blk) {
    const int64_t nc = std::min(nc_blk, n1 - jc);
    for (int64_t pc = k0; pc < k1; pc += kc_blk) {
      const int64_t kc = std::min(kc_blk, k1 - pc);
      const float beta_k = pc == k0 ? beta : 1.f;
      const float* bsrc = p.tb ? p.B + jc * p.ldb + pc : p.B + pc * p.ldb + jc;
      ks.pack_b(p.tb, kc, nc, bsrc, p.ldb, vw, nr_max, bp);
      for (int64_t ir = m0; ir < m1; ir += mr) {
        const int rows = int(std::min<int64_t>(mr, m1 - ir));
        const float* a = p.ta ? p.A + pc * p.lda + ir : p.A + ir * p.lda + pc;
        int64_t a_step = p.lda;
        if (pack_a) {
          ks.pack_a(p.ta, rows, kc, a, p.lda, ap);
          a = ap;
          a_step = rows;
        }
        float* crow = C + ir * ldc + jc;
        for (int64_t jr = 0; jr < nc; jr += nr_max) {
          const int nr = int(std::min<int64_t>(nr_max, nc - jr));
          const int nv = (nr + vw - 1) / vw;
          ks.kern[nv - 1][rows - 1](kc, a, a_step, bp + jr * kc, nv * vw, crow + jr, ldc, nr, alpha, beta_k);
        }
      }
    }
  }
}

void scale_c(int64_t M, int64_t N, float beta, float* C, int64_t ldc) {
  for (int64_t i = 0; i < M; ++i) {
    float* c = C + i * ldc;
    if (beta == 0.f) {
      std::memset(c, 0, size_t(N) * sizeof(float));
    } else if (beta != 1.f) {
      for (int64_t j = 0; j < N; ++j) c[j] *= beta;
    }
  }
}

// How a product is spread over threads: tm x tn x tk tasks (rows x columns x depth).
struct Split {
  int64_t tm = 1, tn = 1, tk = 1;
};

// Picks the split that moves the least extra data. Every task packs (or reads) its own
// slices of A and B, so over all tasks B is touched tm times and A tn times: K*(tm*N + tn*M)
// elements. Splitting K touches each once but costs a partial (M, N) sum per extra slice
// (written, then read and added: 2*M*N each). Each part must keep at least one register
// block of rows / columns and 64 of depth, and each task at least kMinTaskFlops.
Split choose_split(int64_t M, int64_t N, int64_t K, int mr, int nr, int64_t threads) {
  Split best;
  const double flops = 2.0 * double(M) * double(N) * double(K);
  const int64_t max_tasks = std::min<int64_t>(threads, std::max<int64_t>(1, int64_t(flops / double(kMinTaskFlops))));
  if (max_tasks <= 1) return best;
  const int64_t m_blocks = (M + mr - 1) / mr, n_blocks = (N + nr - 1) / nr, k_blocks = K / 64;
  double best_cost = -1;
  for (int64_t tasks = max_tasks; tasks >= 2; --tasks) {
    for (int64_t tm = 1; tm <= tasks; ++tm) {
      if (tasks % tm || tm > m_blocks) continue;
      for (int64_t tn = 1; tn <= tasks / tm; ++tn) {
        if ((tasks / tm) % tn || tn > n_blocks) continue;
        const int64_t tk = tasks / tm / tn;
        if (tk > 1 && tk > k_blocks) continue;
        // Uneven parts: the slowest task sets the time, so charge the rounding.
        const double m_eff = double((m_blocks + tm - 1) / tm * tm) / double(m_blocks);
        const double n_eff = double((n_blocks + tn - 1) / tn * tn) / double(n_blocks);
        const double compute = flops / double(tasks) * m_eff * n_eff / 32.0;  // ~ per-element cost units
        const double moved = double(K) * (double(tm) * double(N) + double(tn) * double(M)) +
                             2.0 * double(tk - 1) * double(M) * double(N);
        const double cost = compute + moved / double(tasks);
        if (best_cost < 0 || cost < best_cost) {
          best_cost = cost;
          best.tm = tm, best.tn = tn, best.tk = tk;
        }
      }
    }
    if (best_cost >= 0) break;  // the most tasks that can be formed
  }
  return best;
}

}  // namespace

void sgemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha, const float* A, int64_t lda,
           const float* B, int64_t ldb, float beta, float* C, int64_t ldc) {
  TN_CHECK(M >= 0 && N >= 0 && K >= 0, "sgemm: sizes must be non-negative, got M=", M, " N=", N, " K=", K);
  TN_CHECK(ldc >= N, "sgemm: ldc=", ldc, " is smaller than N=", N);
  TN_CHECK(lda >= (trans_a ? M : K), "sgemm: lda=", lda, " is smaller than ", trans_a ? "M=" : "K=",
           trans_a ? M : K);
  TN_CHECK(ldb >= (trans_b ? K : N), "sgemm: ldb=", ldb, " is smaller than ", trans_b ? "K=" : "N=",
           trans_b ? K : N);
  if (M == 0 || N == 0) return;
  TN_CHECK(C != nullptr, "sgemm: C is null");
  if (K == 0 || alpha == 0.f) {  // BLAS semantics: A and B are not read
    scale_c(M, N, beta, C, ldc);
    return;
  }
  TN_CHECK(A != nullptr && B != nullptr, "sgemm: A or B is null");

  const KernelSet& ks = kernels();
  const Problem p{trans_a, trans_b, A, lda, B, ldb};
  const int nr_max = ks.vw * ks.nv;
  const int64_t threads = num_threads();
  const double flops = 2.0 * double(M) * double(N) * double(K);
  if (threads <= 1 || flops < double(kParallelFlops)) {
    gemm_serial(ks, p, 0, M, 0, N, 0, K, alpha, beta, C, ldc);
    return;
  }

  const Split sp = choose_split(M, N, K, ks.mr, nr_max, threads);
  const int64_t tasks = sp.tm * sp.tn * sp.tk;
  if (tasks <= 1) {
    gemm_serial(ks, p, 0, M, 0, N, 0, K, alpha, beta, C, ldc);
    return;
  }
  // Task t covers rows [im*ms, ...), columns [in*ns, ...), depth [ik*ks_, ...). Depth slice 0
  // writes C with the caller's beta; slices ik > 0 write private (M, N) partial sums
  // (beta = 0) that are added to C afterwards.
  const int64_t ms = (M + ks.mr * sp.tm - 1) / (ks.mr * sp.tm) * ks.mr;
  const int64_t ns = (N + nr_max * sp.tn - 1) / (nr_max * sp.tn) * nr_max;
  const int64_t kss = (K + 8 * sp.tk - 1) / (8 * sp.tk) * 8;
  if (int64_t(tl_partials.size()) < sp.tk) tl_partials = std::vector<Buffer>(size_t(sp.tk));
  float** parts = tl_partial_ptrs.data();
  if (int64_t(tl_partial_ptrs.size()) < sp.tk) {
    tl_partial_ptrs.resize(size_t(sp.tk));
    parts = tl_partial_ptrs.data();
  }
  for (int64_t t = 1; t < sp.tk; ++t) parts[t] = tl_partials[size_t(t)].get(M * N);
  parallel_chunks(tasks, [&](int64_t t) {
    const int64_t ik = t % sp.tk, in = (t / sp.tk) % sp.tn, im = t / (sp.tk * sp.tn);
    const int64_t m0 = std::min(M, im * ms), m1 = std::min(M, m0 + ms);
    const int64_t n0 = std::min(N, in * ns), n1 = std::min(N, n0 + ns);
    const int64_t k0 = std::min(K, ik * kss), k1 = std::min(K, k0 + kss);
    if (m0 >= m1 || n0 >= n1) return;
    if (ik == 0) gemm_serial(ks, p, m0, m1, n0, n1, k0, k1, alpha, beta, C, ldc);
    else if (k0 < k1) gemm_serial(ks, p, m0, m1, n0, n1, k0, k1, alpha, 0.f, parts[ik], N);
    else scale_c(m1 - m0, n1 - n0, 0.f, parts[ik] + m0 * N + n0, N);
  });
  if (sp.tk > 1) {
    const int64_t tk = sp.tk;
    parallel_for(M, std::max<int64_t>(1, 32768 / N), [&](int64_t i0, int64_t i1) {
      for (int64_t i = i0; i < i1; ++i) {
        float* c = C + i * ldc;
        for (int64_t t = 1; t < tk; ++t) {
          const float* part = parts[t] + i * N;
          for (int64_t j = 0; j < N; ++j) c[j] += part[j];
        }
      }
    });
  }
}

const char* sgemm_kernel_name() { return kernels().name; }

}  // namespace cpu
}  // namespace tn
