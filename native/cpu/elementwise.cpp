// See elementwise.h. Every loop here is memory-bound or exp-bound; rows are split over the
// thread pool once a buffer is large enough to pay for the hand-off (~16K elements).
#include "cpu/elementwise.h"

#include <algorithm>
#include <cmath>

#include "core/errors.h"
#include "core/thread_pool.h"
#include "cpu/parallel.h"

namespace tn {
namespace cpu {
namespace {

constexpr float kSeluAlpha = 1.6732632423543772f;
constexpr float kSeluScale = 1.0507009873554805f;

inline float sigmoid(float z) {
  // Stable for large |z|: never evaluates exp of a large positive number.
  if (z >= 0.f) return 1.f / (1.f + std::exp(-z));
  const float e = std::exp(z);
  return e / (1.f + e);
}

inline float apply(Activation act, float alpha, float z) {
  switch (act) {
    case Activation::Linear: return z;
    case Activation::Relu: return z > 0.f ? z : 0.f;
    case Activation::Sigmoid: return sigmoid(z);
    case Activation::Tanh: return std::tanh(z);
    case Activation::LeakyRelu: return z > 0.f ? z : alpha * z;
    case Activation::Elu: return z > 0.f ? z : alpha * std::expm1(z);
    case Activation::Selu: return z > 0.f ? kSeluScale * z : kSeluScale * kSeluAlpha * std::expm1(z);
    case Activation::Gelu: return 0.5f * z * (1.f + std::erf(z * 0.70710678118654752f));
    case Activation::Softplus: return std::max(z, 0.f) + std::log1p(std::exp(-std::fabs(z)));
    case Activation::Relu6: return std::min(std::max(z, 0.f), 6.f);
    case Activation::Softsign: return z / (1.f + std::fabs(z));
    case Activation::Swish: return z * sigmoid(z);
    default: throw Error(concat("activation code ", int(act), " is not elementwise"));
  }
}

// d act / dz, given the pre-activation z and the output y (only the one the activation uses is read).
inline float derivative(Activation act, float alpha, float z, float y) {
  switch (act) {
    case Activation::Linear: return 1.f;
    case Activation::Relu: return y > 0.f ? 1.f : 0.f;
    case Activation::Sigmoid: return y * (1.f - y);
    case Activation::Tanh: return 1.f - y * y;
    case Activation::LeakyRelu: return z > 0.f ? 1.f : alpha;
    case Activation::Elu: return z > 0.f ? 1.f : alpha * std::exp(z);
    case Activation::Selu: return z > 0.f ? kSeluScale : kSeluScale * kSeluAlpha * std::exp(z);
    case Activation::Gelu:
      return 0.5f * (1.f + std::erf(z * 0.70710678118654752f)) + z * 0.39894228040143268f * std::exp(-0.5f * z * z);
    case Activation::Softplus: return sigmoid(z);
    case Activation::Relu6: return (z > 0.f && z < 6.f) ? 1.f : 0.f;
    case Activation::Softsign: {
      const float d = 1.f + std::fabs(z);
      return 1.f / (d * d);
    }
    case Activation::Swish: {
      const float s = sigmoid(z);
      return s + z * s * (1.f - s);
    }
    default: throw Error(concat("activation code ", int(act), " is not elementwise"));
  }
}

void check_code(Activation act) {
  TN_CHECK(int(act) >= 0 && int(act) < int(Activation::Count), "unknown activation code ", int(act));
}

// Stable uint32 hash of (seed, counter): a few rounds of a murmur-style finalizer.
inline uint32_t hash2(uint32_t seed, uint64_t counter) {
  uint64_t x = counter * 0x9E3779B97F4A7C15ull ^ (uint64_t(seed) << 32 | seed);
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdull;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ull;
  x ^= x >> 33;
  return uint32_t(x);
}

}  // namespace

bool activation_backward_uses_input(Activation act) {
  switch (act) {
    case Activation::LeakyRelu:
    case Activation::Elu:
    case Activation::Selu:
    case Activation::Gelu:
    case Activation::Softplus:
    case Activation::Relu6:
    case Activation::Softsign:
    case Activation::Swish: return true;
    default: return false;
  }
}

void activation_forward(Activation act, float alpha, float* y, const float* x, int64_t rows, int64_t cols) {
  check_code(act);
  TN_CHECK(rows >= 0 && cols >= 0, "activation: negative size");
  if (act == Activation::Softmax) {
    for_rows(rows, cols, [&](int64_t r0, int64_t r1) {
      for (int64_t r = r0; r < r1; ++r) {
        const float* xr = x + r * cols;
        float* yr = y + r * cols;
        float mx = -INFINITY;
        for (int64_t c = 0; c < cols; ++c) mx = std::max(mx, xr[c]);
        float sum = 0.f;
        for (int64_t c = 0; c < cols; ++c) {
          yr[c] = std::exp(xr[c] - mx);
          sum += yr[c];
        }
        const float inv = 1.f / sum;
        for (int64_t c = 0; c < cols; ++c) yr[c] *= inv;
      }
    });
    return;
  }
  if (act == Activation::Linear) {
    if (y != x) std::copy(x, x + rows * cols, y);
    return;
  }
  if (act == Activation::Relu) {  // the common case, kept branch-free so it vectorizes
    for_range(rows * cols, [&](int64_t i0, int64_t i1) {
      for (int64_t i = i0; i < i1; ++i) y[i] = std::max(x[i], 0.f);
    });
    return;
  }
  for_range(rows * cols, [&](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; ++i) y[i] = apply(act, alpha, x[i]);
  });
}

void activation_backward(Activation act, float alpha, float* dx, const float* dy, const float* x, const float* y,
                         int64_t rows, int64_t cols) {
  check_code(act);
  TN_CHECK(rows >= 0 && cols >= 0, "activation backward: negative size");
  if (act == Activation::Softmax) {
    TN_CHECK(y != nullptr, "softmax backward needs the forward output");
    for_rows(rows, cols, [&](int64_t r0, int64_t r1) {
      for (int64_t r = r0; r < r1; ++r) {
        const float* yr = y + r * cols;
        const float* dyr = dy + r * cols;
        float* dxr = dx + r * cols;
        float dot = 0.f;
        for (int64_t c = 0; c < cols; ++c) dot += dyr[c] * yr[c];
        for (int64_t c = 0; c < cols; ++c) dxr[c] = yr[c] * (dyr[c] - dot);
      }
    });
    return;
  }
  const bool uses_input = activation_backward_uses_input(act);
  TN_CHECK(act == Activation::Linear || (uses_input ? x != nullptr : y != nullptr),
           "activation backward: missing the saved ", uses_input ? "input" : "output");
  if (act == Activation::Linear) {
    if (dx != dy) std::copy(dy, dy + rows * cols, dx);
    return;
  }
  if (act == Activation::Relu) {
    for_range(rows * cols, [&](int64_t i0, int64_t i1) {
      for (int64_t i = i0; i < i1; ++i) dx[i] = y[i] > 0.f ? dy[i] : 0.f;
    });
    return;
  }
  for_range(rows * cols, [&](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; ++i)
      dx[i] = dy[i] * derivative(act, alpha, uses_input ? x[i] : 0.f, uses_input ? 0.f : y[i]);
  });
}

void bias_add(float* y, const float* bias, int64_t rows, int64_t cols) {
  for_rows(rows, cols, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      float* yr = y + r * cols;
      for (int64_t c = 0; c < cols; ++c) yr[c] += bias[c];
    }
  });
}

void bias_backward(float* dbias, const float* dy, int64_t rows, int64_t cols) {
  std::fill(dbias, dbias + cols, 0.f);
  for (int64_t r = 0; r < rows; ++r) {
    const float* dyr = dy + r * cols;
    for (int64_t c = 0; c < cols; ++c) dbias[c] += dyr[c];
  }
}

void dropout_forward(float* y, float* mask, const float* x, int64_t n, float rate, uint32_t seed) {
  TN_CHECK(rate >= 0.f && rate < 1.f, "dropout rate must be in [0, 1), got ", rate);
  const float keep_scale = 1.f / (1.f - rate);
  // Compare 24-bit uniforms with the rate, so rate has the resolution of a float mantissa.
  const uint32_t threshold = uint32_t(double(rate) * double(1u << 24));
  for_range(n, [&](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; ++i) {
      const bool drop = (hash2(seed, uint64_t(i)) >> 8) < threshold;
      mask[i] = drop ? 0.f : keep_scale;
      y[i] = x[i] * mask[i];
    }
  });
}

void multiply(float* out, const float* a, const float* b, int64_t n) {
  for_range(n, [&](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; ++i) out[i] = a[i] * b[i];
  });
}

int64_t first_nan(const float* x, int64_t n) {
  // Blocks of branch-free compares (x != x only for NaN; the build has no -ffast-math, which
  // would fold it away) that the compiler vectorizes; the exact index is found in the one block
  // that has a NaN. One thread: a scan is memory-bound and inputs are small.
  constexpr int64_t kBlock = 1024;
  for (int64_t start = 0; start < n; start += kBlock) {
    const int64_t end = start + kBlock < n ? start + kBlock : n;
    int any = 0;
    for (int64_t i = start; i < end; ++i) any |= x[i] != x[i];
    if (any) {
      for (int64_t i = start; i < end; ++i) if (x[i] != x[i]) return i;
    }
  }
  return -1;
}

}  // namespace cpu
}  // namespace tn
