// See batchnorm.h.
#include "cpu/batchnorm.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "core/errors.h"
#include "core/thread_pool.h"

namespace tn {
namespace cpu {
namespace {

constexpr int64_t kReduceChunks = 16;

int64_t reduce_chunks(int64_t outer, int64_t C, int64_t inner) {
  if (outer * C * inner < (1 << 14)) return 1;
  return std::min<int64_t>(outer, kReduceChunks);
}

// Runs fn(chunk, o_begin, o_end) for the chunks of [0, outer).
template <typename Fn>
void for_chunks(int64_t chunks, int64_t outer, Fn&& fn) {
  const int64_t step = (outer + chunks - 1) / chunks;
  auto body = [&](int64_t k) { fn(k, k * step, std::min(outer, (k + 1) * step)); };
  if (chunks == 1) body(0);
  else parallel_chunks(chunks, body);
}

// Per-channel sums of f(x, c) into acc[chunk*C + c] (double), combined into out (C).
template <typename F>
void channel_sums(double* out, std::vector<double>& acc, const float* x, int64_t outer, int64_t C, int64_t inner, F&& f) {
  const int64_t chunks = reduce_chunks(outer, C, inner);
  acc.assign(size_t(chunks * C), 0.0);
  for_chunks(chunks, outer, [&](int64_t k, int64_t o0, int64_t o1) {
    double* s = acc.data() + k * C;
    for (int64_t o = o0; o < o1; ++o) {
      const int64_t base = o * C * inner;
      if (inner == 1) {
        for (int64_t c = 0; c < C; ++c) s[c] += f(base + c, c);
      } else {
        for (int64_t c = 0; c < C; ++c) {
          double t = 0;
          for (int64_t i = 0; i < inner; ++i) t += f(base + c * inner + i, c);
          s[c] += t;
        }
      }
    }
  });
  for (int64_t c = 0; c < C; ++c) {
    double t = 0;
    for (int64_t k = 0; k < chunks; ++k) t += acc[size_t(k * C + c)];
    out[c] = t;
  }
}

// out[o, c, i] = g(idx, c) over every element, split over the pool.
template <typename G>
void for_each_element(int64_t outer, int64_t C, int64_t inner, G&& g) {
  auto body = [&](int64_t o0, int64_t o1) {
    for (int64_t o = o0; o < o1; ++o) {
      const int64_t base = o * C * inner;
      if (inner == 1) {
        for (int64_t c = 0; c < C; ++c) g(base + c, c);
      } else {
        for (int64_t c = 0; c < C; ++c)
          for (int64_t i = 0; i < inner; ++i) g(base + c * inner + i, c);
      }
    }
  };
  if (outer * C * inner < (1 << 14) || outer < 2) body(0, outer);
  else parallel_for(outer, std::max<int64_t>(1, (1 << 13) / std::max<int64_t>(C * inner, 1)), body);
}

}  // namespace

void batchnorm_forward(float* y, float* mean_out, float* invstd_out, float* moving_mean, float* moving_var,
                       const float* x, const float* gamma, const float* beta, int64_t outer, int64_t C, int64_t inner,
                       float momentum, float epsilon, bool training) {
  TN_CHECK(outer > 0 && C > 0 && inner > 0, "batchnorm: sizes must be positive (", outer, ", ", C, ", ", inner, ")");
  TN_CHECK(epsilon > 0.f, "batchnorm: epsilon must be positive, got ", epsilon);
  std::vector<float> scale(static_cast<size_t>(C)), shift(static_cast<size_t>(C));
  if (training) {
    std::vector<double> sum(static_cast<size_t>(C)), acc;
    const double n = double(outer) * double(inner);
    channel_sums(sum.data(), acc, x, outer, C, inner, [&](int64_t idx, int64_t) { return double(x[idx]); });
    std::vector<float> meanf(static_cast<size_t>(C));
    for (int64_t c = 0; c < C; ++c) meanf[c] = float(sum[c] / n);
    // Two-pass variance: exact for data far from zero, unlike E[x^2] - E[x]^2.
    std::vector<double> sq(static_cast<size_t>(C));
    channel_sums(sq.data(), acc, x, outer, C, inner, [&](int64_t idx, int64_t c) {
      const double d = double(x[idx]) - double(meanf[c]);
      return d * d;
    });
    for (int64_t c = 0; c < C; ++c) {
      const double var = sq[c] / n;
      mean_out[c] = meanf[c];
      invstd_out[c] = float(1.0 / std::sqrt(var + double(epsilon)));
      moving_mean[c] = float(double(moving_mean[c]) * momentum + double(meanf[c]) * (1.0 - momentum));
      moving_var[c] = float(double(moving_var[c]) * momentum + var * (1.0 - momentum));
    }
  } else {
    for (int64_t c = 0; c < C; ++c) {
      mean_out[c] = moving_mean[c];
      invstd_out[c] = float(1.0 / std::sqrt(double(moving_var[c]) + double(epsilon)));
    }
  }
  for (int64_t c = 0; c < C; ++c) {
    scale[c] = (gamma ? gamma[c] : 1.f) * invstd_out[c];
    shift[c] = (beta ? beta[c] : 0.f) - mean_out[c] * scale[c];
  }
  const float* sc = scale.data();
  const float* sh = shift.data();
  for_each_element(outer, C, inner, [&](int64_t idx, int64_t c) { y[idx] = x[idx] * sc[c] + sh[c]; });
}

void batchnorm_backward(float* dx, float* dgamma, float* dbeta, const float* dy, const float* x, const float* mean,
                        const float* invstd, const float* gamma, int64_t outer, int64_t C, int64_t inner, bool training) {
  TN_CHECK(outer > 0 && C > 0 && inner > 0, "batchnorm: sizes must be positive (", outer, ", ", C, ", ", inner, ")");
  std::vector<double> sum_dy(static_cast<size_t>(C)), sum_dy_xhat(static_cast<size_t>(C)), acc;
  const bool need_sums = training || dgamma || dbeta;
  if (need_sums) {
    channel_sums(sum_dy.data(), acc, dy, outer, C, inner, [&](int64_t idx, int64_t) { return double(dy[idx]); });
    channel_sums(sum_dy_xhat.data(), acc, dy, outer, C, inner, [&](int64_t idx, int64_t c) {
      return double(dy[idx]) * (double(x[idx]) - double(mean[c])) * double(invstd[c]);
    });
  }
  for (int64_t c = 0; c < C; ++c) {
    if (dgamma) dgamma[c] = float(sum_dy_xhat[c]);
    if (dbeta) dbeta[c] = float(sum_dy[c]);
  }
  if (!dx) return;
  const double n = double(outer) * double(inner);
  std::vector<float> k(static_cast<size_t>(C)), mdy(static_cast<size_t>(C)), mdyx(static_cast<size_t>(C));
  for (int64_t c = 0; c < C; ++c) {
    k[c] = (gamma ? gamma[c] : 1.f) * invstd[c];
    mdy[c] = training ? float(sum_dy[c] / n) : 0.f;
    mdyx[c] = training ? float(sum_dy_xhat[c] / n) : 0.f;
  }
  const float *kp = k.data(), *a = mdy.data(), *b = mdyx.data();
  // dx = gamma*invstd * (dy - mean(dy) - xhat * mean(dy*xhat))
  for_each_element(outer, C, inner, [&](int64_t idx, int64_t c) {
    const float xhat = (x[idx] - mean[c]) * invstd[c];
    dx[idx] = kp[c] * (dy[idx] - a[c] - xhat * b[c]);
  });
}

}  // namespace cpu
}  // namespace tn
