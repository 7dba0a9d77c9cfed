// See loss.h. Loss values are accumulated in double so that a mean over a large batch does
// not lose the small terms. Batches are small next to the layers before them, so these
// loops run on one thread.
#include "cpu/loss.h"

#include <algorithm>
#include <cmath>

#include "core/errors.h"

namespace tn {
namespace cpu {
namespace {

constexpr float kEpsilon = 1e-7f;  // Keras backend epsilon, used for probability clipping

inline float clip_probability(float p) { return std::min(std::max(p, kEpsilon), 1.f - kEpsilon); }

// log(sum(exp(z))) of one row, stable.
inline double log_sum_exp(const float* z, int64_t cols) {
  float mx = -INFINITY;
  for (int64_t c = 0; c < cols; ++c) mx = std::max(mx, z[c]);
  double sum = 0.0;
  for (int64_t c = 0; c < cols; ++c) sum += std::exp(double(z[c]) - mx);
  return mx + std::log(sum);
}

inline int64_t argmax(const float* v, int64_t n) {
  int64_t best = 0;
  for (int64_t i = 1; i < n; ++i)
    if (v[i] > v[best]) best = i;
  return best;
}

void check_label(int32_t label, int64_t cols, int64_t row) {
  TN_CHECK(label >= 0 && label < cols, "sparse label ", label, " at row ", row, " is outside [0, ", cols, ")");
}

}  // namespace

double loss_forward_backward(Loss loss, bool from_logits, float* grad, const float* input, const float* target,
                             const int32_t* sparse_target, int64_t rows, int64_t cols) {
  TN_CHECK(rows > 0 && cols > 0, "loss: empty input (", rows, " x ", cols, ")");
  const int64_t n = rows * cols;
  double total = 0.0;
  switch (loss) {
    case Loss::MeanSquaredError:
      for (int64_t i = 0; i < n; ++i) {
        const float d = input[i] - target[i];
        total += double(d) * d;
        if (grad) grad[i] = 2.f * d / float(n);
      }
      return total / double(n);
    case Loss::MeanAbsoluteError:
      for (int64_t i = 0; i < n; ++i) {
        const float d = input[i] - target[i];
        total += std::fabs(d);
        if (grad) grad[i] = (d > 0.f ? 1.f : (d < 0.f ? -1.f : 0.f)) / float(n);
      }
      return total / double(n);
    case Loss::BinaryCrossentropy:
      for (int64_t i = 0; i < n; ++i) {
        const float t = target[i];
        if (from_logits) {
          const float z = input[i];
          total += std::max(z, 0.f) - z * t + std::log1p(std::exp(-std::fabs(z)));
          if (grad) {
            const float s = z >= 0.f ? 1.f / (1.f + std::exp(-z)) : std::exp(z) / (1.f + std::exp(z));
            grad[i] = (s - t) / float(n);
          }
        } else {
          const float p = clip_probability(input[i]);
          total += -(t * std::log(p) + (1.f - t) * std::log(1.f - p));
          // The clip's gradient is zero outside (eps, 1 - eps), as in Keras.
          const bool clipped = input[i] != p;
          if (grad) grad[i] = clipped ? 0.f : (p - t) / (p * (1.f - p)) / float(n);
        }
      }
      return total / double(n);
    case Loss::CategoricalCrossentropy:
      for (int64_t r = 0; r < rows; ++r) {
        const float* z = input + r * cols;
        const float* t = target + r * cols;
        float* g = grad ? grad + r * cols : nullptr;
        if (from_logits) {
          const double lse = log_sum_exp(z, cols);
          double tsum = 0.0;
          for (int64_t c = 0; c < cols; ++c) {
            total -= double(t[c]) * (double(z[c]) - lse);
            tsum += t[c];
          }
          if (g)
            for (int64_t c = 0; c < cols; ++c)
              g[c] = float((std::exp(double(z[c]) - lse) * tsum - t[c]) / double(rows));
        } else {
          // Keras renormalises the probabilities of each row before clipping.
          double psum = 0.0;
          for (int64_t c = 0; c < cols; ++c) psum += z[c];
          for (int64_t c = 0; c < cols; ++c) {
            const float p = clip_probability(float(z[c] / psum));
            total -= double(t[c]) * std::log(p);
          }
          if (g) {
            // d/dz_c of -sum_k t_k log(z_k / S) = -t_c / z_c + sum_k t_k / S, where clipped
            // probabilities k contribute nothing (the clip's gradient is zero there).
            double tsum = 0.0;
            for (int64_t c = 0; c < cols; ++c) {
              const float p = float(z[c] / psum);
              if (p == clip_probability(p)) tsum += t[c];
            }
            for (int64_t c = 0; c < cols; ++c) {
              const float p = float(z[c] / psum);
              const bool clipped = p != clip_probability(p);
              g[c] = float(((clipped ? 0.0 : -double(t[c]) / z[c]) + tsum / psum) / double(rows));
            }
          }
        }
      }
      return total / double(rows);
    case Loss::SparseCategoricalCrossentropy:
      TN_CHECK(sparse_target != nullptr, "sparse categorical crossentropy needs int32 labels");
      for (int64_t r = 0; r < rows; ++r) {
        const float* z = input + r * cols;
        const int32_t label = sparse_target[r];
        check_label(label, cols, r);
        float* g = grad ? grad + r * cols : nullptr;
        if (from_logits) {
          const double lse = log_sum_exp(z, cols);
          total += lse - z[label];
          if (g) {
            for (int64_t c = 0; c < cols; ++c) g[c] = float(std::exp(double(z[c]) - lse) / double(rows));
            g[label] -= 1.f / float(rows);
          }
        } else {
          double psum = 0.0;
          for (int64_t c = 0; c < cols; ++c) psum += z[c];
          const float p = clip_probability(float(z[label] / psum));
          total -= std::log(p);
          if (g) {
            const bool clipped = float(z[label] / psum) != p;
            const double common = clipped ? 0.0 : 1.0 / psum / double(rows);
            for (int64_t c = 0; c < cols; ++c) g[c] = float(common);
            if (!clipped) g[label] = float((-1.0 / z[label] + 1.0 / psum) / double(rows));
          }
        }
      }
      return total / double(rows);
    default: throw Error(concat("unknown loss code ", int(loss)));
  }
}

int64_t accuracy_count(Accuracy kind, bool from_logits, const float* pred, const float* target,
                       const int32_t* sparse_target, int64_t rows, int64_t cols) {
  int64_t correct = 0;
  switch (kind) {
    case Accuracy::Binary: {
      const float threshold = from_logits ? 0.f : 0.5f;
      for (int64_t i = 0; i < rows * cols; ++i) correct += (pred[i] > threshold) == (target[i] > 0.5f);
      return correct;
    }
    case Accuracy::Categorical:
      for (int64_t r = 0; r < rows; ++r) correct += argmax(pred + r * cols, cols) == argmax(target + r * cols, cols);
      return correct;
    case Accuracy::Sparse:
      TN_CHECK(sparse_target != nullptr, "sparse accuracy needs int32 labels");
      for (int64_t r = 0; r < rows; ++r) correct += argmax(pred + r * cols, cols) == sparse_target[r];
      return correct;
    default: throw Error(concat("unknown accuracy code ", int(kind)));
  }
}

}  // namespace cpu
}  // namespace tn
