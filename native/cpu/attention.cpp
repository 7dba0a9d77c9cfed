// Scaled-dot-product attention, forward and backward. See Note [Attention layout] and Note
// [Streaming softmax] in attention.h.
//
// The block products (scores, weights x values, and the four gradient products) are cpu::sgemm
// calls on strided views of the (B, T, H, D) tensors. Called from inside a pool task, sgemm
// runs inline on that thread with its run-time chosen AVX-512/AVX2/portable micro-kernel,
// which is what makes them fast. The softmax loops between the products (row max, exp and
// sum) are plain loops the compiler vectorizes, compiled twice: for AVX2+FMA (chosen at run
// time, as gemm.cpp does: the addon is built without -m flags) and portable. See Note
// [Vectorized exp].
#include "cpu/attention.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include "core/thread_pool.h"
#include "cpu/gemm.h"

namespace tn {
namespace cpu {
namespace {

// Query rows per task and keys per block: a (64, 64) score block is 16 KiB (L1/L2), and a
// 64x64x64 product stays under sgemm's threshold for splitting (2^20 flops), so it runs as
// one serial call. Wider heads get narrower key blocks for the same reason.
constexpr int64_t kQueryBlock = 64;

int64_t key_block(const AttentionDims& d) {
  const int64_t width = std::max<int64_t>({d.D, d.Dv, 1});
  return std::max<int64_t>(16, std::min<int64_t>(128, (int64_t(1) << 18) / (kQueryBlock * width)));
}

// Note [Vectorized exp]
// The scores' exp is about half of the forward's time with libm's scalar expf (one per score,
// against 4*D flops of products per score). exp_sum below is Cephes' expf (range reduction
// by ln 2 in two parts, a degree-6 polynomial, 2^n from the exponent bits; about 2 ulp) as a
// branch-free loop GCC vectorizes: the selects need -fno-trapping-math, which the optimize
// attribute gives these functions only. Arguments below -87 (exp < 1.7e-38) and -inf give
// exactly 0, so masked scores get weight 0; NaN stays NaN.
#if defined(__GNUC__) && !defined(__clang__)
#define TN_NO_TRAP __attribute__((optimize("no-trapping-math")))
#else
#define TN_NO_TRAP
#endif
#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
#define TN_ATTN_X86 1
#endif

// s[c] = exp(s[c] - m) for c < n; returns their sum (8 partial sums, so it vectorizes).
TN_NO_TRAP inline __attribute__((always_inline)) float exp_sum_body(float* __restrict s, int64_t n, float m) {
  for (int64_t c = 0; c < n; c++) {
    float x = s[c] - m;
    const float keep = x < -87.f ? 0.f : 1.f;
    x = x < -87.f ? -87.f : x;
    const int32_t k = int32_t(x * 1.44269504088896341f - 0.5f);  // round(x / ln 2) for x <= 0.5
    const float kf = float(k);
    const float r = (x - kf * 0.693359375f) - kf * -2.12194440e-4f;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * r * r + r + 1.f;
    const int32_t bits = (k + 127) << 23;  // 2^k; k >= -126 here
    float two_k;
    std::memcpy(&two_k, &bits, sizeof two_k);
    s[c] = p * two_k * keep;
  }
  float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int64_t c = 0;
  for (; c + 8 <= n; c += 8)
    for (int u = 0; u < 8; u++) acc[u] += s[c + u];
  float sum = 0;
  for (; c < n; c++) sum += s[c];
  for (int u = 0; u < 8; u++) sum += acc[u];
  return sum;
}

// max of s[0 .. n) (-inf when n == 0), in 8 lanes.
TN_NO_TRAP inline __attribute__((always_inline)) float max_body(const float* __restrict s, int64_t n) {
  float acc[8];
  for (int u = 0; u < 8; u++) acc[u] = -INFINITY;
  int64_t c = 0;
  for (; c + 8 <= n; c += 8)
    for (int u = 0; u < 8; u++) acc[u] = s[c + u] > acc[u] ? s[c + u] : acc[u];
  float mx = -INFINITY;
  for (; c < n; c++) mx = s[c] > mx ? s[c] : mx;
  for (int u = 0; u < 8; u++) mx = acc[u] > mx ? acc[u] : mx;
  return mx;
}

TN_NO_TRAP float exp_sum_portable(float* s, int64_t n, float m) { return exp_sum_body(s, n, m); }
TN_NO_TRAP float max_portable(const float* s, int64_t n) { return max_body(s, n); }
#ifdef TN_ATTN_X86
TN_NO_TRAP __attribute__((target("avx2,fma"))) float exp_sum_avx2(float* s, int64_t n, float m) {
  return exp_sum_body(s, n, m);
}
TN_NO_TRAP __attribute__((target("avx2,fma"))) float max_avx2(const float* s, int64_t n) { return max_body(s, n); }
#endif

struct RowKernels {
  float (*exp_sum)(float*, int64_t, float);
  float (*max)(const float*, int64_t);
};

const RowKernels& row_kernels() {
  static const RowKernels k = [] {
#ifdef TN_ATTN_X86
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return RowKernels{exp_sum_avx2, max_avx2};
#endif
    return RowKernels{exp_sum_portable, max_portable};
  }();
  return k;
}

inline bool mask_allows(const AttentionMask& m, int64_t b, int64_t i, int64_t j) {
  const int64_t at = b * m.sb + i * m.sq + j * m.sk;
  return m.is_bool ? static_cast<const uint8_t*>(m.data)[at] != 0 : static_cast<const float*>(m.data)[at] != 0.f;
}

// Sets the scores of s (the keys j0 .. j0+nk-1 of query i) that may not be attended to -inf.
inline void apply_masks(const AttentionMask& m, bool causal, int64_t b, int64_t i, int64_t j0, int64_t nk, float* s) {
  if (causal && j0 + nk - 1 > i) {
    for (int64_t c = std::max<int64_t>(0, i - j0 + 1); c < nk; c++) s[c] = -INFINITY;
  }
  if (m.data != nullptr) {
    for (int64_t c = 0; c < nk; c++)
      if (!mask_allows(m, b, i, j0 + c)) s[c] = -INFINITY;
  }
}

// Replaces the scores s of one row by their weights exp(s - lse) (0 where masked, and for a
// fully masked row, whose lse is -inf).
inline void weights_from_lse(float* s, int64_t nk, float lse) {
  if (lse == -INFINITY) {
    std::fill(s, s + nk, 0.f);
    return;
  }
  row_kernels().exp_sum(s, nk, lse);
}

}  // namespace

void attention_forward(const AttentionDims& d, const float* q, const float* k, const float* v,
                       const AttentionMask& mask, float scale, bool causal, float* out, float* lse) {
  const int64_t BK = key_block(d);
  const int64_t n_qb = (d.Tq + kQueryBlock - 1) / kQueryBlock;
  const int64_t ldq = d.H * d.D, ldv = d.H * d.Dv;  // row strides of q/k and v/out
  const RowKernels& rk = row_kernels();
  parallel_for(d.B * d.H * n_qb, 1, [&](int64_t t0, int64_t t1) {
    std::vector<float> s_buf(size_t(kQueryBlock * BK));  // (BQ, BK) scores, then weights
    std::vector<float> m(kQueryBlock), l(kQueryBlock);     // (BQ) running max and sum
    for (int64_t t = t0; t < t1; t++) {
      const int64_t qb = t % n_qb, h = (t / n_qb) % d.H, b = t / (n_qb * d.H);
      const int64_t i0 = qb * kQueryBlock, nq = std::min(kQueryBlock, d.Tq - i0);
      const float* qt = q + (b * d.Tq + i0) * ldq + h * d.D;  // (nq, D), stride ldq
      float* ot = out + (b * d.Tq + i0) * ldv + h * d.Dv;     // (nq, Dv), stride ldv
      float* lt = lse + (b * d.H + h) * d.Tq + i0;            // (nq)
      for (int64_t r = 0; r < nq; r++) std::fill(ot + r * ldv, ot + r * ldv + d.Dv, 0.f);
      std::fill(m.begin(), m.end(), -INFINITY);
      std::fill(l.begin(), l.end(), 0.f);
      // Causal: the block's last query (i0 + nq - 1) sees keys up to itself; later blocks are skipped.
      const int64_t k_end = causal ? std::min(d.Tk, i0 + nq) : d.Tk;
      for (int64_t j0 = 0; j0 < k_end; j0 += BK) {
        const int64_t nk = std::min(BK, k_end - j0);
        float* s = s_buf.data();  // (nq, nk)
        sgemm(false, true, nq, nk, d.D, scale, qt, ldq, k + (b * d.Tk + j0) * ldq + h * d.D, ldq, 0.f, s, nk);
        for (int64_t r = 0; r < nq; r++) {
          float* sr = s + r * nk;
          apply_masks(mask, causal, b, i0 + r, j0, nk, sr);
          const float m_new = std::max(m[r], rk.max(sr, nk));
          if (m_new == -INFINITY) {  // every key so far masked: nothing to add
            std::fill(sr, sr + nk, 0.f);
            continue;
          }
          const float sum = rk.exp_sum(sr, nk, m_new);
          const float alpha = std::exp(m[r] - m_new);  // 0 when m was -inf (o and l are 0 then)
          l[r] = l[r] * alpha + sum;
          if (alpha != 1.f) {
            float* orow = ot + r * ldv;
            for (int64_t c = 0; c < d.Dv; c++) orow[c] *= alpha;
          }
          m[r] = m_new;
        }
        // o += P v_block: (nq, nk) x (nk, Dv)
        sgemm(false, false, nq, d.Dv, nk, 1.f, s, nk, v + (b * d.Tk + j0) * ldv + h * d.Dv, ldv, 1.f, ot, ldv);
      }
      for (int64_t r = 0; r < nq; r++) {
        float* orow = ot + r * ldv;
        if (l[r] > 0.f) {
          const float inv = 1.f / l[r];
          for (int64_t c = 0; c < d.Dv; c++) orow[c] *= inv;
          lt[r] = m[r] + std::log(l[r]);
        } else {
          std::fill(orow, orow + d.Dv, 0.f);
          lt[r] = -INFINITY;
        }
      }
    }
  });
}

void attention_backward(const AttentionDims& d, const float* dout, const float* q, const float* k, const float* v,
                        const float* out, const float* lse, const AttentionMask& mask, float scale, bool causal,
                        float* dq, float* dk, float* dv) {
  const int64_t BK = key_block(d), BQ = kQueryBlock;
  const int64_t ldq = d.H * d.D, ldv = d.H * d.Dv;
  const int64_t BH = d.B * d.H;
  // delta_i = sum_c dout[i, c] * out[i, c]: the rowsum(P ∘ dP) of the softmax gradient.
  std::vector<float> delta(size_t(BH * d.Tq));  // (B, H, Tq)
  parallel_for(BH * d.Tq, 256, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; r++) {
      const int64_t i = r % d.Tq, h = (r / d.Tq) % d.H, b = r / (d.Tq * d.H);
      const float* o = out + (b * d.Tq + i) * ldv + h * d.Dv;
      const float* g = dout + (b * d.Tq + i) * ldv + h * d.Dv;
      double acc = 0;
      for (int64_t c = 0; c < d.Dv; c++) acc += double(o[c]) * double(g[c]);
      delta[size_t(r)] = float(acc);
    }
  });
  // Tasks are (b, h, chunk of key blocks). dk and dv rows belong to one task. dq rows get a
  // contribution from every key block: with one chunk per head the task writes dq itself;
  // with fewer heads than threads, the keys are split into chunks that write private (Tq, D)
  // partial sums, added up below (in chunk order, so the result does not depend on timing).
  const int64_t n_kb = (d.Tk + BK - 1) / BK;
  const int64_t threads = num_threads();
  const int64_t chunks = BH >= threads || n_kb <= 1 ? 1 : std::min(n_kb, (2 * threads + BH - 1) / BH);
  const int64_t kb_per_chunk = (n_kb + chunks - 1) / std::max<int64_t>(chunks, 1);
  std::vector<float> dq_parts(size_t(chunks > 1 ? chunks * BH * d.Tq * d.D : 0));  // (chunks, B, H, Tq, D)
  for (int64_t r = 0; r < d.B * d.Tq; r++) std::fill(dq + r * ldq, dq + (r + 1) * ldq, 0.f);
  parallel_for(BH * chunks, 1, [&](int64_t t0, int64_t t1) {
    std::vector<float> p_buf(size_t(BQ * BK)), dp_buf(size_t(BQ * BK));  // (BQ, BK) each
    for (int64_t t = t0; t < t1; t++) {
      const int64_t c = t % chunks, h = (t / chunks) % d.H, b = t / (chunks * d.H);
      float* dq_t = chunks > 1 ? dq_parts.data() + ((c * d.B + b) * d.H + h) * d.Tq * d.D : dq + b * d.Tq * ldq + h * d.D;
      const int64_t ld_dq = chunks > 1 ? d.D : ldq;  // dq_t: (Tq, D), stride ld_dq
      const int64_t kb0 = c * kb_per_chunk, kb1 = std::min(n_kb, kb0 + kb_per_chunk);
      for (int64_t kb = kb0; kb < kb1; kb++) {
        const int64_t j0 = kb * BK, nk = std::min(BK, d.Tk - j0);
        const float* kt = k + (b * d.Tk + j0) * ldq + h * d.D;   // (nk, D), stride ldq
        const float* vt = v + (b * d.Tk + j0) * ldv + h * d.Dv;  // (nk, Dv), stride ldv
        float* dkt = dk + (b * d.Tk + j0) * ldq + h * d.D;       // (nk, D), accumulated below
        float* dvt = dv + (b * d.Tk + j0) * ldv + h * d.Dv;      // (nk, Dv), accumulated below
        for (int64_t r = 0; r < nk; r++) {
          std::fill(dkt + r * ldq, dkt + r * ldq + d.D, 0.f);
          std::fill(dvt + r * ldv, dvt + r * ldv + d.Dv, 0.f);
        }
        // Causal: queries before j0 see none of these keys.
        for (int64_t i0 = causal ? j0 : 0; i0 < d.Tq; i0 += BQ) {
          const int64_t nq = std::min(BQ, d.Tq - i0);
          const float* qt = q + (b * d.Tq + i0) * ldq + h * d.D;      // (nq, D)
          const float* got = dout + (b * d.Tq + i0) * ldv + h * d.Dv;  // (nq, Dv)
          const float* lt = lse + (b * d.H + h) * d.Tq + i0;           // (nq)
          const float* delt = delta.data() + (b * d.H + h) * d.Tq + i0;
          float* p = p_buf.data();    // (nq, nk)
          float* dp = dp_buf.data();  // (nq, nk)
          sgemm(false, true, nq, nk, d.D, scale, qt, ldq, kt, ldq, 0.f, p, nk);
          for (int64_t r = 0; r < nq; r++) {
            apply_masks(mask, causal, b, i0 + r, j0, nk, p + r * nk);
            weights_from_lse(p + r * nk, nk, lt[r]);
          }
          // dv += P^T dout: (nk, nq) x (nq, Dv)
          sgemm(true, false, nk, d.Dv, nq, 1.f, p, nk, got, ldv, 1.f, dvt, ldv);
          // dP = dout v^T: (nq, Dv) x (Dv, nk)
          sgemm(false, true, nq, nk, d.Dv, 1.f, got, ldv, vt, ldv, 0.f, dp, nk);
          // dS = P ∘ (dP - delta) * scale (the scale of s = scale * q k^T), in dp
          for (int64_t r = 0; r < nq; r++) {
            const float* pr = p + r * nk;
            float* dr = dp + r * nk;
            const float dl = delt[r];
            for (int64_t cc = 0; cc < nk; cc++) dr[cc] = pr[cc] * (dr[cc] - dl) * scale;
          }
          // dk += dS^T q: (nk, nq) x (nq, D); dq += dS k: (nq, nk) x (nk, D)
          sgemm(true, false, nk, d.D, nq, 1.f, dp, nk, qt, ldq, 1.f, dkt, ldq);
          sgemm(false, false, nq, d.D, nk, 1.f, dp, nk, kt, ldq, 1.f, dq_t + i0 * ld_dq, ld_dq);
        }
      }
    }
  });
  if (chunks > 1) {
    parallel_for(d.B * d.Tq, 64, [&](int64_t r0, int64_t r1) {
      for (int64_t r = r0; r < r1; r++) {
        const int64_t i = r % d.Tq, b = r / d.Tq;
        for (int64_t h = 0; h < d.H; h++) {
          float* dst = dq + r * ldq + h * d.D;  // (D)
          for (int64_t c = 0; c < chunks; c++) {
            const float* part = dq_parts.data() + (((c * d.B + b) * d.H + h) * d.Tq + i) * d.D;
            for (int64_t e = 0; e < d.D; e++) dst[e] += part[e];
          }
        }
      }
    });
  }
}

void attention_scores(const AttentionDims& d, const float* q, const float* k, const float* lse,
                      const AttentionMask& mask, float scale, bool causal, float* scores) {
  const int64_t ldq = d.H * d.D;
  const int64_t n_qb = (d.Tq + kQueryBlock - 1) / kQueryBlock;
  parallel_for(d.B * d.H * n_qb, 1, [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; t++) {
      const int64_t qb = t % n_qb, h = (t / n_qb) % d.H, b = t / (n_qb * d.H);
      const int64_t i0 = qb * kQueryBlock, nq = std::min(kQueryBlock, d.Tq - i0);
      float* st = scores + ((b * d.H + h) * d.Tq + i0) * d.Tk;  // (nq, Tk)
      sgemm(false, true, nq, d.Tk, d.D, scale, q + (b * d.Tq + i0) * ldq + h * d.D, ldq, k + b * d.Tk * ldq + h * d.D,
            ldq, 0.f, st, d.Tk);
      for (int64_t r = 0; r < nq; r++) {
        apply_masks(mask, causal, b, i0 + r, 0, d.Tk, st + r * d.Tk);
        weights_from_lse(st + r * d.Tk, d.Tk, lse[(b * d.H + h) * d.Tq + i0 + r]);
      }
    }
  });
}

void attention_reference(const AttentionDims& d, const float* q, const float* k, const float* v,
                         const AttentionMask& mask, float scale, bool causal, float* out, float* scores) {
  const int64_t ldq = d.H * d.D, ldv = d.H * d.Dv;
  std::vector<double> s(size_t(d.Tk)), o(size_t(d.Dv));  // (Tk), (Dv)
  for (int64_t b = 0; b < d.B; b++)
    for (int64_t h = 0; h < d.H; h++)
      for (int64_t i = 0; i < d.Tq; i++) {
        const float* qi = q + (b * d.Tq + i) * ldq + h * d.D;
        double mx = -INFINITY;
        for (int64_t j = 0; j < d.Tk; j++) {
          const bool ok = (!causal || j <= i) && (mask.data == nullptr || mask_allows(mask, b, i, j));
          double acc = 0;
          const float* kj = k + (b * d.Tk + j) * ldq + h * d.D;
          for (int64_t e = 0; e < d.D; e++) acc += double(qi[e]) * double(kj[e]);
          s[size_t(j)] = ok ? acc * double(scale) : -INFINITY;
          mx = std::max(mx, s[size_t(j)]);
        }
        double sum = 0;
        for (int64_t j = 0; j < d.Tk; j++) {
          s[size_t(j)] = mx == -INFINITY ? 0.0 : std::exp(s[size_t(j)] - mx);
          sum += s[size_t(j)];
        }
        std::fill(o.begin(), o.end(), 0.0);
        for (int64_t j = 0; j < d.Tk; j++) {
          const double w = sum > 0 ? s[size_t(j)] / sum : 0.0;
          scores[((b * d.H + h) * d.Tq + i) * d.Tk + j] = float(w);
          const float* vj = v + (b * d.Tk + j) * ldv + h * d.Dv;
          for (int64_t c = 0; c < d.Dv; c++) o[size_t(c)] += w * double(vj[c]);
        }
        float* oi = out + (b * d.Tq + i) * ldv + h * d.Dv;
        for (int64_t c = 0; c < d.Dv; c++) oi[c] = float(o[size_t(c)]);
      }
}

}  // namespace cpu
}  // namespace tn
