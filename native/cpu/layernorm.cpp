// Layer normalization, forward and backward. See layernorm.h.
#include "cpu/layernorm.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "core/thread_pool.h"
#include "cpu/parallel.h"

namespace tn {
namespace cpu {

void layernorm_forward(int64_t R, int64_t C, const float* x, const float* gamma, const float* beta, float epsilon,
                       float* y, float* mean, float* rstd) {
  for_rows(R, C, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; r++) {
      const float* xr = x + r * C;  // (C)
      float* yr = y + r * C;        // (C)
      // Two passes in double: the mean first, then the variance about it (no cancellation of
      // E[x^2] - E[x]^2 for rows with a large mean).
      double s = 0;
      for (int64_t c = 0; c < C; c++) s += xr[c];
      const double mu = C > 0 ? s / double(C) : 0.0;
      double ss = 0;
      for (int64_t c = 0; c < C; c++) ss += (double(xr[c]) - mu) * (double(xr[c]) - mu);
      const double var = C > 0 ? ss / double(C) : 0.0;
      const float m = float(mu), rs = float(1.0 / std::sqrt(var + double(epsilon)));
      mean[r] = m;
      rstd[r] = rs;
      for (int64_t c = 0; c < C; c++) yr[c] = (xr[c] - m) * rs * gamma[c] + beta[c];
    }
  });
}

void layernorm_backward(int64_t R, int64_t C, const float* dy, const float* x, const float* mean, const float* rstd,
                        const float* gamma, float* dx, float* dgamma, float* dbeta) {
  // Fixed chunks of rows (not one per thread), each with its own (C) sums of dgamma and dbeta.
  const int64_t rows_per_chunk = std::max<int64_t>(16, kParallelElements / std::max<int64_t>(C, 1));
  const int64_t chunks = R == 0 ? 0 : (R + rows_per_chunk - 1) / rows_per_chunk;
  std::vector<float> parts(size_t(chunks * 2 * C));  // (chunks, 2, C): dgamma then dbeta sums
  auto chunk = [&](int64_t ch) {
    float* pg = parts.data() + ch * 2 * C;  // (C)
    float* pb = pg + C;                     // (C)
    const int64_t r0 = ch * rows_per_chunk, r1 = std::min(R, r0 + rows_per_chunk);
    for (int64_t r = r0; r < r1; r++) {
      const float* xr = x + r * C;
      const float* gr = dy + r * C;
      float* dxr = dx + r * C;
      const float m = mean[r], rs = rstd[r];
      // dx = rstd * (g - mean(g) - xhat * mean(g * xhat)), g = dy * gamma, xhat = (x - mean) * rstd
      double sg = 0, sgx = 0;
      for (int64_t c = 0; c < C; c++) {
        const float xh = (xr[c] - m) * rs;
        const float g = gr[c] * gamma[c];
        sg += g;
        sgx += double(g) * xh;
        pg[c] += gr[c] * xh;
        pb[c] += gr[c];
      }
      const float mg = float(sg / double(C)), mgx = float(sgx / double(C));
      for (int64_t c = 0; c < C; c++) {
        const float xh = (xr[c] - m) * rs;
        dxr[c] = rs * (gr[c] * gamma[c] - mg - xh * mgx);
      }
    }
  };
  if (chunks > 1) parallel_chunks(chunks, chunk);
  else if (chunks == 1) chunk(0);
  for (int64_t c = 0; c < C; c++) {
    float g = 0, b = 0;
    for (int64_t ch = 0; ch < chunks; ch++) {
      g += parts[size_t(ch * 2 * C + c)];
      b += parts[size_t(ch * 2 * C + C + c)];
    }
    dgamma[c] = g;
    dbeta[c] = b;
  }
}

}  // namespace cpu
}  // namespace tn
