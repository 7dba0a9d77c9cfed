// See rnn.h: the equations, the buffers and Note [RNN time-major workspace].
//
// Structure of both passes (the same for every cell):
//   forward   xs = x in processing order            (copy, input dropout applied)
//             gates = xs·W + b                       ONE sgemm over all T*B rows
//             per step s: gates[s] += h_prev·R       one sgemm (B, G*U, U)
//                         fused gate kernel          rows of the batch split over the pool
//   backward  per step s, last to first:
//                         fused gate backward        dgates[s] from dh, dc (rows over the pool)
//                         dh_prev = dgates[s]·R^T    one sgemm (B, U, G*U)
//             dW = xs^T·dgates, dR = H_prev^T·dgates, dx = dgates·W^T
//                                                    ONE sgemm each over all T*B rows
#include "cpu/rnn.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "core/errors.h"
#include "core/thread_pool.h"
#include "cpu/gemm.h"

namespace tn {
namespace cpu {
namespace {

// Below this many scalar operations per step, splitting the batch over the pool costs more
// than it saves.
constexpr int64_t kParallelWork = 1 << 13;

template <typename Fn>
void for_rows(int64_t rows, int64_t work_per_row, Fn&& fn) {
  if (rows < 2 || rows * work_per_row < kParallelWork) {
    fn(0, rows);
    return;
  }
  const int64_t grain = std::max<int64_t>(1, kParallelWork / std::max<int64_t>(work_per_row, 1) / 2);
  parallel_for(rows, grain, fn);
}

// Per-step scratch (a few (B, 3U) rows): grow-only, one set per calling thread, so a
// steady-state step allocates nothing.
float* scratch(int slot, int64_t n) {
  thread_local std::vector<float> buffers[4];
  std::vector<float>& v = buffers[slot];
  if (int64_t(v.size()) < n) v.resize(size_t(n));
  return v.data();
}

inline float sigmoid(float z) {
  if (z >= 0.f) return 1.f / (1.f + std::exp(-z));
  const float e = std::exp(z);
  return e / (1.f + e);
}

inline float act_forward(Activation a, float z) {
  switch (a) {
    case Activation::Tanh: return std::tanh(z);
    case Activation::Sigmoid: return sigmoid(z);
    case Activation::Relu: return z > 0.f ? z : 0.f;
    case Activation::Relu6: return std::min(std::max(z, 0.f), 6.f);
    case Activation::Softsign: return z / (1.f + std::fabs(z));
    default: return z;  // Linear (others are refused by rnn_supports_activation)
  }
}

// d act / dz from the output y = act(z).
inline float act_grad(Activation a, float y) {
  switch (a) {
    case Activation::Tanh: return 1.f - y * y;
    case Activation::Sigmoid: return y * (1.f - y);
    case Activation::Relu: return y > 0.f ? 1.f : 0.f;
    case Activation::Relu6: return (y > 0.f && y < 6.f) ? 1.f : 0.f;
    case Activation::Softsign: {
      const float d = 1.f - std::fabs(y);
      return d * d;
    }
    default: return 1.f;
  }
}

// Note [Fast gate math]: the gate kernels spend their time in exp/tanh (five per LSTM unit
// and step), which glibc evaluates one scalar at a time. fexp is Cephes' single-precision exp
// (range reduction by a rounding trick, degree-6 polynomial, 2^n by building the exponent
// bits: relative error ~2e-7), written branch-free so the compiler vectorizes the array
// loops below; target_clones builds each loop for AVX-512, AVX2 and the baseline and picks one
// at load time. sigmoid(x) = 1/(1+e^-x) and tanh(x) = 2·sigmoid(2x) - 1 (absolute error
// ~1e-7; inputs are clamped so nothing overflows).
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
#define TN_RNN_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define TN_RNN_CLONES
#endif

inline __attribute__((always_inline)) float fexp(float x) {
  x = x < -87.f ? -87.f : x;
  x = x > 88.f ? 88.f : x;
  const float r = (x * 1.44269504088896341f + 12582912.f) - 12582912.f;  // round(x / ln 2)
  const float f = (x - r * 0.693359375f) + r * 2.12194440e-4f;             // x - r ln 2, in two parts
  float p = 1.9875691500e-4f;
  p = p * f + 1.3981999507e-3f;
  p = p * f + 8.3334519073e-3f;
  p = p * f + 4.1665795894e-2f;
  p = p * f + 1.6666665459e-1f;
  p = p * f + 5.0000001201e-1f;
  const float e = p * f * f + f + 1.f;
  const int32_t bits = (int32_t(r) + 127) << 23;
  float scale;
  std::memcpy(&scale, &bits, sizeof(float));
  return e * scale;
}

TN_RNN_CLONES void vsigmoid(float* y, const float* x, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] = 1.f / (1.f + fexp(-x[i]));
}

TN_RNN_CLONES void vtanh(float* y, const float* x, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] = 2.f / (1.f + fexp(-2.f * x[i])) - 1.f;
}

// y = act(x) over n values (y may alias x).
void apply_act(Activation a, float* y, const float* x, int64_t n) {
  if (a == Activation::Sigmoid) return vsigmoid(y, x, n);
  if (a == Activation::Tanh) return vtanh(y, x, n);
  for (int64_t i = 0; i < n; ++i) y[i] = act_forward(a, x[i]);
}

// Input time read by processing step s.
inline int64_t input_time(const RnnParams& p, int64_t s) { return p.go_backwards ? p.time - 1 - s : s; }

inline bool row_masked(const RnnParams& p, const float* mask, int64_t b, int64_t s) {
  return mask != nullptr && mask[b * p.time + input_time(p, s)] == 0.f;
}

// Each row's first unmasked processing step (T when it has none); empty without a mask.
// See Note [RNN initial and final states].
std::vector<int64_t> first_unmasked(const RnnParams& p, const float* mask) {
  std::vector<int64_t> first;
  if (mask == nullptr) return first;
  first.assign(size_t(p.batch), p.time);
  for (int64_t b = 0; b < p.batch; ++b)
    for (int64_t s = 0; s < p.time; ++s)
      if (!row_masked(p, mask, b, s)) {
        first[size_t(b)] = s;
        break;
      }
  return first;
}

// Whether row b outputs 0 at step s instead of its state (a masked step with
// zero_output_for_mask, or one before the row's first unmasked step).
inline bool output_zero(const RnnParams& p, const float* mask, const std::vector<int64_t>& first, int64_t b, int64_t s) {
  return row_masked(p, mask, b, s) && (p.zero_output_for_mask || s < first[size_t(b)]);
}

void check_params(const RnnParams& p) {
  TN_CHECK(p.batch > 0 && p.time > 0 && p.in_dim > 0 && p.units > 0, "rnn: sizes must be positive (batch=", p.batch,
           " time=", p.time, " features=", p.in_dim, " units=", p.units, ")");
  TN_CHECK(int(p.cell) >= 0 && p.cell < RnnCell::Count, "rnn: unknown cell code ", int(p.cell));
  TN_CHECK(rnn_supports_activation(p.act) && rnn_supports_activation(p.rec_act),
           "rnn: activation codes ", int(p.act), "/", int(p.rec_act), " cannot be fused into the gate kernels");
}

}  // namespace

bool rnn_supports_activation(Activation a) {
  return a == Activation::Linear || a == Activation::Relu || a == Activation::Sigmoid || a == Activation::Tanh ||
         a == Activation::Relu6 || a == Activation::Softsign;
}

// ---- forward ------------------------------------------------------------------------------

void rnn_forward(const RnnParams& p, const RnnForwardBuffers& bf) {
  check_params(p);
  const int64_t B = p.batch, T = p.time, F = p.in_dim, U = p.units, GU = p.gate_cols();
  const RnnCell cell = p.cell;
  const Activation act = p.act, ra = p.rec_act;
  TN_CHECK(cell != RnnCell::Lstm || bf.cells != nullptr, "rnn: LSTM needs the cells buffer");
  TN_CHECK(!p.has_aux() || bf.aux != nullptr, "rnn: GRU needs the aux buffer");
  TN_CHECK(bf.rec_mask == nullptr || bf.hm != nullptr, "rnn: recurrent dropout needs the hm buffer");

  // xs (T, B, F) = x (B, T, F) in processing order, times the input dropout mask.
  for_rows(T * B, F, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      const int64_t s = r / B, b = r % B;
      const float* src = bf.x + (b * T + input_time(p, s)) * F;
      float* dst = bf.xs + r * F;
      if (bf.in_mask) {
        const float* m = bf.in_mask + b * F;
        for (int64_t f = 0; f < F; ++f) dst[f] = src[f] * m[f];
      } else {
        std::memcpy(dst, src, size_t(F) * sizeof(float));
      }
    }
  });

  // gates (T*B, G*U) = xs · W + b_input: the input projection of every step at once.
  sgemm(false, false, T * B, GU, F, 1.f, bf.xs, F, bf.kernel, GU, 0.f, bf.gates, GU);
  if (bf.bias) bias_add(bf.gates, bf.bias, T * B, GU);
  const float* rec_bias = (bf.bias && cell == RnnCell::GruResetAfter) ? bf.bias + GU : nullptr;

  // H[0] = h0 (C[0] = c0), or zeros. See Note [RNN initial and final states].
  if (bf.h0) std::memcpy(bf.states, bf.h0, size_t(B * U) * sizeof(float));
  else std::memset(bf.states, 0, size_t(B * U) * sizeof(float));
  if (bf.cells) {
    if (bf.c0) std::memcpy(bf.cells, bf.c0, size_t(B * U) * sizeof(float));
    else std::memset(bf.cells, 0, size_t(B * U) * sizeof(float));
  }

  float* rec = scratch(0, B * GU);  // GRU: h_prev·R (B, 3U) or (r*h_prev)·R_h (B, U)

  for (int64_t s = 0; s < T; ++s) {
    const float* hprev = bf.states + s * B * U;
    float* hnext = bf.states + (s + 1) * B * U;
    float* G = bf.gates + s * B * GU;
    const float* hin = hprev;  // what enters the recurrent matmuls
    if (bf.rec_mask) {
      float* hm = bf.hm + s * B * U;
      for (int64_t i = 0; i < B * U; ++i) hm[i] = hprev[i] * bf.rec_mask[i];
      hin = hm;
    }
    const float* mask = bf.mask;
    switch (cell) {
      case RnnCell::Simple: {
        sgemm(false, false, B, U, U, 1.f, hin, U, bf.recurrent, U, 1.f, G, U);
        for_rows(B, U, [&](int64_t b0, int64_t b1) {
          for (int64_t b = b0; b < b1; ++b) {
            const float* g = G + b * U;
            float* h = hnext + b * U;
            if (row_masked(p, mask, b, s)) {
              std::memcpy(h, hprev + b * U, size_t(U) * sizeof(float));
              continue;
            }
            apply_act(act, h, g, U);
          }
        });
        break;
      }
      case RnnCell::Lstm: {
        sgemm(false, false, B, GU, U, 1.f, hin, U, bf.recurrent, GU, 1.f, G, GU);
        const float* cprev_all = bf.cells + s * B * U;
        float* cnext_all = bf.cells + (s + 1) * B * U;
        for_rows(B, GU * 4, [&](int64_t b0, int64_t b1) {
          for (int64_t b = b0; b < b1; ++b) {
            float* gi = G + b * GU;
            float* gf = gi + U;
            float* gg = gi + 2 * U;
            float* go = gi + 3 * U;
            const float* cp = cprev_all + b * U;
            float* c = cnext_all + b * U;
            float* h = hnext + b * U;
            apply_act(ra, gi, gi, 2 * U);  // i, f
            apply_act(act, gg, gg, U);
            apply_act(ra, go, go, U);
            for (int64_t j = 0; j < U; ++j) c[j] = gf[j] * cp[j] + gi[j] * gg[j];
            apply_act(act, h, c, U);
            for (int64_t j = 0; j < U; ++j) h[j] *= go[j];
            if (row_masked(p, mask, b, s)) {
              std::memcpy(c, cp, size_t(U) * sizeof(float));
              std::memcpy(h, hprev + b * U, size_t(U) * sizeof(float));
            }
          }
        });
        break;
      }
      case RnnCell::GruResetAfter: {
        sgemm(false, false, B, GU, U, 1.f, hin, U, bf.recurrent, GU, 0.f, rec, GU);
        float* aux = bf.aux + s * B * U;
        for_rows(B, GU * 4, [&](int64_t b0, int64_t b1) {
          for (int64_t b = b0; b < b1; ++b) {
            float* gz = G + b * GU;
            float* gr = gz + U;
            float* gh = gz + 2 * U;
            const float* rz = rec + b * GU;
            const float* rr = rz + U;
            const float* rh = rz + 2 * U;
            const float* hp = hprev + b * U;
            float* ax = aux + b * U;
            float* h = hnext + b * U;
            if (rec_bias) {
              for (int64_t j = 0; j < 2 * U; ++j) gz[j] += rz[j] + rec_bias[j];
              for (int64_t j = 0; j < U; ++j) ax[j] = rh[j] + rec_bias[2 * U + j];
            } else {
              for (int64_t j = 0; j < 2 * U; ++j) gz[j] += rz[j];
              for (int64_t j = 0; j < U; ++j) ax[j] = rh[j];
            }
            (void)rr;
            apply_act(ra, gz, gz, 2 * U);  // z, r
            for (int64_t j = 0; j < U; ++j) gh[j] += gr[j] * ax[j];
            apply_act(act, gh, gh, U);
            for (int64_t j = 0; j < U; ++j) h[j] = gz[j] * hp[j] + (1.f - gz[j]) * gh[j];
            if (row_masked(p, mask, b, s)) std::memcpy(h, hp, size_t(U) * sizeof(float));
          }
        });
        break;
      }
      case RnnCell::GruResetBefore: {
        // z, r pre-activations get h·R_zr added in place; then (r*h)·R_h separately.
        sgemm(false, false, B, 2 * U, U, 1.f, hin, U, bf.recurrent, GU, 1.f, G, GU);
        float* aux = bf.aux + s * B * U;
        for_rows(B, 2 * U * 4, [&](int64_t b0, int64_t b1) {
          for (int64_t b = b0; b < b1; ++b) {
            float* gz = G + b * GU;
            float* gr = gz + U;
            const float* hi = hin + b * U;
            float* ax = aux + b * U;
            apply_act(ra, gz, gz, 2 * U);  // z, r
            for (int64_t j = 0; j < U; ++j) ax[j] = gr[j] * hi[j];
          }
        });
        sgemm(false, false, B, U, U, 1.f, aux, U, bf.recurrent + 2 * U, GU, 0.f, rec, U);
        for_rows(B, U * 4, [&](int64_t b0, int64_t b1) {
          for (int64_t b = b0; b < b1; ++b) {
            const float* gz = G + b * GU;
            float* gh = G + b * GU + 2 * U;
            const float* rh = rec + b * U;
            const float* hp = hprev + b * U;
            float* h = hnext + b * U;
            for (int64_t j = 0; j < U; ++j) gh[j] += rh[j];
            apply_act(act, gh, gh, U);
            for (int64_t j = 0; j < U; ++j) h[j] = gz[j] * hp[j] + (1.f - gz[j]) * gh[j];
            if (row_masked(p, mask, b, s)) std::memcpy(h, hp, size_t(U) * sizeof(float));
          }
        });
        break;
      }
      default: break;
    }
  }

  // Output: the states in processing order (B, T, U), or the last one (B, U); 0 where
  // output_zero says so.
  const std::vector<int64_t> first = first_unmasked(p, bf.mask);
  if (p.return_sequences) {
    for_rows(B * T, U, [&](int64_t begin, int64_t end) {
      for (int64_t r = begin; r < end; ++r) {
        const int64_t b = r / T, s = r % T;
        float* dst = bf.y + r * U;
        if (output_zero(p, bf.mask, first, b, s)) {
          std::memset(dst, 0, size_t(U) * sizeof(float));
        } else {
          std::memcpy(dst, bf.states + ((s + 1) * B + b) * U, size_t(U) * sizeof(float));
        }
      }
    });
  } else {
    for (int64_t b = 0; b < B; ++b) {
      float* dst = bf.y + b * U;
      if (output_zero(p, bf.mask, first, b, T - 1)) std::memset(dst, 0, size_t(U) * sizeof(float));
      else std::memcpy(dst, bf.states + (T * B + b) * U, size_t(U) * sizeof(float));
    }
  }
}

// ---- backward -----------------------------------------------------------------------------

void rnn_backward(const RnnParams& p, const RnnBackwardBuffers& bb) {
  check_params(p);
  const int64_t B = p.batch, T = p.time, F = p.in_dim, U = p.units, GU = p.gate_cols();
  const RnnCell cell = p.cell;
  const Activation act = p.act, ra = p.rec_act;
  TN_CHECK(cell != RnnCell::GruResetAfter || bb.dgates_rec != nullptr, "rnn: GRU (reset_after) needs dgatesRec");
  TN_CHECK(bb.dx == nullptr || bb.dxs != nullptr, "rnn: dx needs the dxs workspace");

  float* dh = scratch(0, B * U);   // gradient w.r.t. the state entering the current step from the future
  float* dc = scratch(1, B * U);   // LSTM cell-state gradient
  float* tmp = scratch(2, B * U);  // dgates[s]·R^T
  if (bb.dc_last) std::memcpy(dc, bb.dc_last, size_t(B * U) * sizeof(float));
  else std::memset(dc, 0, size_t(B * U) * sizeof(float));
  const std::vector<int64_t> first = first_unmasked(p, bb.mask);
  // R^T (G*U, U) and W^T (G*U, F), transposed once, so every product below is a plain
  // (non-transposed) sgemm: per step dh_prev = dgates[s]·R^T, at the end dx = dgates·W^T.
  float* rt = scratch(3, GU * U + (bb.dx ? GU * F : 0));
  float* wt = rt + GU * U;
  for (int64_t k = 0; k < U; ++k)
    for (int64_t j = 0; j < GU; ++j) rt[j * U + k] = bb.recurrent[k * GU + j];
  if (bb.dx)
    for (int64_t k = 0; k < F; ++k)
      for (int64_t j = 0; j < GU; ++j) wt[j * F + k] = bb.kernel[k * GU + j];

  // dh at the last step: the output's gradient there.
  // (An output that output_zero makes 0 passes no gradient.)
  auto add_output_grad = [&](int64_t s, bool is_first) {
    if (!p.return_sequences && !is_first) return;
    for (int64_t b = 0; b < B; ++b) {
      float* d = dh + b * U;
      if (output_zero(p, bb.mask, first, b, s)) {
        if (is_first) std::memset(d, 0, size_t(U) * sizeof(float));
        continue;
      }
      const float* g = p.return_sequences ? bb.dy + (b * T + s) * U : bb.dy + b * U;
      if (is_first) std::memcpy(d, g, size_t(U) * sizeof(float));
      else
        for (int64_t j = 0; j < U; ++j) d[j] += g[j];
    }
  };
  add_output_grad(T - 1, true);
  if (bb.dh_last)
    for (int64_t i = 0; i < B * U; ++i) dh[i] += bb.dh_last[i];

  const float* mask = bb.mask;
  for (int64_t s = T - 1; s >= 0; --s) {
    const float* hprev = bb.states + s * B * U;
    const float* hnext = bb.states + (s + 1) * B * U;
    const float* hin = bb.hm ? bb.hm + s * B * U : hprev;
    const float* G = bb.gates + s * B * GU;
    float* dG = bb.dgates + s * B * GU;
    const float* dR = dG;  // what multiplies R^T for dh_prev
    switch (cell) {
      case RnnCell::Simple: {
        for_rows(B, U, [&](int64_t b0, int64_t b1) {
          for (int64_t b = b0; b < b1; ++b) {
            float* d = dG + b * U;
            if (row_masked(p, mask, b, s)) {
              std::memset(d, 0, size_t(U) * sizeof(float));
              continue;
            }
            const float* h = hnext + b * U;
            float* dhb = dh + b * U;
            for (int64_t j = 0; j < U; ++j) {
              d[j] = dhb[j] * act_grad(act, h[j]);
              dhb[j] = 0.f;
            }
          }
        });
        break;
      }
      case RnnCell::Lstm: {
        const float* cprev_all = bb.cells + s * B * U;
        const float* cnext_all = bb.cells + (s + 1) * B * U;
        for_rows(B, GU * 4, [&](int64_t b0, int64_t b1) {
          for (int64_t b = b0; b < b1; ++b) {
            float* d = dG + b * GU;
            if (row_masked(p, mask, b, s)) {
              std::memset(d, 0, size_t(GU) * sizeof(float));
              continue;
            }
            const float* gi = G + b * GU;
            const float *gf = gi + U, *gg = gi + 2 * U, *go = gi + 3 * U;
            const float* cp = cprev_all + b * U;
            const float* c = cnext_all + b * U;
            float* dhb = dh + b * U;
            float* dcb = dc + b * U;
            apply_act(act, d + 3 * U, c, U);  // act(c), read back below before d[3U + j] is written
            for (int64_t j = 0; j < U; ++j) {
              const float i = gi[j], f = gf[j], g = gg[j], o = go[j];
              const float tc = d[3 * U + j];
              const float dhj = dhb[j];
              const float dct = dcb[j] + dhj * o * act_grad(act, tc);
              d[j] = dct * g * act_grad(ra, i);
              d[U + j] = dct * cp[j] * act_grad(ra, f);
              d[2 * U + j] = dct * i * act_grad(act, g);
              d[3 * U + j] = dhj * tc * act_grad(ra, o);
              dcb[j] = dct * f;
              dhb[j] = 0.f;
            }
          }
        });
        break;
      }
      case RnnCell::GruResetAfter: {
        float* dGr = bb.dgates_rec + s * B * GU;
        dR = dGr;
        const float* aux = bb.aux + s * B * U;
        for_rows(B, GU * 4, [&](int64_t b0, int64_t b1) {
          for (int64_t b = b0; b < b1; ++b) {
            float* d = dG + b * GU;
            float* dr = dGr + b * GU;
            if (row_masked(p, mask, b, s)) {
              std::memset(d, 0, size_t(GU) * sizeof(float));
              std::memset(dr, 0, size_t(GU) * sizeof(float));
              continue;
            }
            const float* gz = G + b * GU;
            const float *gr = gz + U, *gh = gz + 2 * U;
            const float* rh = aux + b * U;
            const float* hp = hprev + b * U;
            float* dhb = dh + b * U;
            for (int64_t j = 0; j < U; ++j) {
              const float z = gz[j], r = gr[j], hh = gh[j], dhj = dhb[j];
              const float dhh = dhj * (1.f - z) * act_grad(act, hh);
              const float dz = dhj * (hp[j] - hh) * act_grad(ra, z);
              const float drr = dhh * rh[j] * act_grad(ra, r);
              d[j] = dz, d[U + j] = drr, d[2 * U + j] = dhh;
              dr[j] = dz, dr[U + j] = drr, dr[2 * U + j] = dhh * r;
              dhb[j] = dhj * z;
            }
          }
        });
        break;
      }
      case RnnCell::GruResetBefore: {
        const float* aux = bb.aux + s * B * U;  // r * h_in
        (void)aux;
        for_rows(B, GU * 2, [&](int64_t b0, int64_t b1) {
          for (int64_t b = b0; b < b1; ++b) {
            float* d = dG + b * GU;
            if (row_masked(p, mask, b, s)) {
              std::memset(d, 0, size_t(GU) * sizeof(float));
              continue;
            }
            const float* gz = G + b * GU;
            const float* gh = gz + 2 * U;
            const float* hp = hprev + b * U;
            float* dhb = dh + b * U;
            for (int64_t j = 0; j < U; ++j) {
              const float z = gz[j], hh = gh[j], dhj = dhb[j];
              d[2 * U + j] = dhj * (1.f - z) * act_grad(act, hh);
              d[j] = dhj * (hp[j] - hh) * act_grad(ra, z);
              dhb[j] = dhj * z;
            }
          }
        });
        // d(r*h_in) = dhh_pre · R_h^T
        sgemm(false, false, B, U, U, 1.f, dG + 2 * U, GU, rt + 2 * U * U, U, 0.f, tmp, U);
        for_rows(B, U * 2, [&](int64_t b0, int64_t b1) {
          for (int64_t b = b0; b < b1; ++b) {
            float* d = dG + b * GU;
            float* t = tmp + b * U;
            if (row_masked(p, mask, b, s)) {
              std::memset(d + U, 0, size_t(U) * sizeof(float));
              continue;
            }
            const float* gr = G + b * GU + U;
            const float* hi = hin + b * U;
            for (int64_t j = 0; j < U; ++j) {
              d[U + j] = t[j] * hi[j] * act_grad(ra, gr[j]);
              t[j] *= gr[j];
            }
          }
        });
        break;
      }
      default: break;
    }

    // dh_prev = direct part (already in dh) + (dR · R^T) * rec_mask, for rows not masked.
    if (cell == RnnCell::GruResetBefore) {
      sgemm(false, false, B, U, 2 * U, 1.f, dG, GU, rt, U, 1.f, tmp, U);
    } else {
      sgemm(false, false, B, U, GU, 1.f, dR, GU, rt, U, 0.f, tmp, U);
    }
    for (int64_t b = 0; b < B; ++b) {
      if (row_masked(p, mask, b, s)) continue;  // state carried through: dh passes unchanged
      float* dhb = dh + b * U;
      const float* t = tmp + b * U;
      if (bb.rec_mask) {
        const float* m = bb.rec_mask + b * U;
        for (int64_t j = 0; j < U; ++j) dhb[j] += t[j] * m[j];
      } else {
        for (int64_t j = 0; j < U; ++j) dhb[j] += t[j];
      }
    }
    if (s > 0) add_output_grad(s - 1, false);
  }
  // What is left in dh (dc) is the gradient w.r.t. the initial state H[0] (C[0]).
  if (bb.dh0) std::memcpy(bb.dh0, dh, size_t(B * U) * sizeof(float));
  if (bb.dc0) std::memcpy(bb.dc0, dc, size_t(B * U) * sizeof(float));

  // Weight gradients over all T*B rows at once.
  sgemm(true, false, F, GU, T * B, 1.f, bb.xs, F, bb.dgates, GU, 0.f, bb.dkernel, GU);
  const float* hprev_all = bb.hm ? bb.hm : bb.states;  // (T*B, U): the inputs of the recurrent matmuls
  switch (cell) {
    case RnnCell::GruResetAfter:
      sgemm(true, false, U, GU, T * B, 1.f, hprev_all, U, bb.dgates_rec, GU, 0.f, bb.drecurrent, GU);
      break;
    case RnnCell::GruResetBefore:
      sgemm(true, false, U, 2 * U, T * B, 1.f, hprev_all, U, bb.dgates, GU, 0.f, bb.drecurrent, GU);
      sgemm(true, false, U, U, T * B, 1.f, bb.aux, U, bb.dgates + 2 * U, GU, 0.f, bb.drecurrent + 2 * U, GU);
      break;
    default:
      sgemm(true, false, U, GU, T * B, 1.f, hprev_all, U, bb.dgates, GU, 0.f, bb.drecurrent, GU);
  }
  if (bb.dbias) {
    bias_backward(bb.dbias, bb.dgates, T * B, GU);
    if (cell == RnnCell::GruResetAfter) bias_backward(bb.dbias + GU, bb.dgates_rec, T * B, GU);
  }
  if (bb.dx) {
    sgemm(false, false, T * B, F, GU, 1.f, bb.dgates, GU, wt, F, 0.f, bb.dxs, F);
    for_rows(B * T, F, [&](int64_t begin, int64_t end) {
      for (int64_t r = begin; r < end; ++r) {
        const int64_t b = r / T, t = r % T;
        const int64_t s = p.go_backwards ? T - 1 - t : t;
        const float* src = bb.dxs + (s * B + b) * F;
        float* dst = bb.dx + r * F;
        if (bb.in_mask) {
          const float* m = bb.in_mask + b * F;
          for (int64_t f = 0; f < F; ++f) dst[f] = src[f] * m[f];
        } else {
          std::memcpy(dst, src, size_t(F) * sizeof(float));
        }
      }
    });
  }
}

}  // namespace cpu
}  // namespace tn
