// Neural-network kernels of the op table that are not elementwise (native/core/ops/nn.def).
#include <algorithm>
#include <cmath>
#include <cstdint>

#include "core/op_registry.h"
#include "cpu/parallel.h"

namespace tn {
namespace {

using cpu::for_rows;

// y = x - max - log(sum(exp(x - max))) along the last axis. x, y: (rows, cols)
void log_softmax_k(const KernelArgs& a) {
  a.expect(1, 1, 0);
  check_same_shape(a, a.in(0), a.out(0), "x and y");
  check_dtype(a, a.in(0), DType::Float32, "x");
  check_dtype(a, a.out(0), DType::Float32, "y");
  const int64_t rows = a.in(0).rows(), cols = a.in(0).cols();
  const float* x = a.in(0).f32();
  float* y = a.out(0).f32();
  for_rows(rows, cols, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; r++) {
      const float* xr = x + r * cols;
      float* yr = y + r * cols;
      float m = -INFINITY;
      for (int64_t j = 0; j < cols; j++) m = std::max(m, xr[j]);
      double s = 0;
      for (int64_t j = 0; j < cols; j++) s += std::exp(double(xr[j] - m));
      // (x - max) - log(s) in double, as the comment above says: rounding m + log(s) to float
      // first lost ~1 ulp of the max (1.3e-5 for logits near 1000).
      const double ls = std::log(s);
      for (int64_t j = 0; j < cols; j++) yr[j] = float((double(xr[j]) - double(m)) - ls);
    }
  });
}

// dx = dy - exp(y) * sum(dy) along the last axis. dx, dy, y: (rows, cols)
void log_softmax_grad_k(const KernelArgs& a) {
  a.expect(1, 2, 0);
  check_same_shape(a, a.in(0), a.out(0), "dy and dx");
  check_same_shape(a, a.in(1), a.out(0), "y and dx");
  for (int i = 0; i < 2; i++) check_dtype(a, a.in(i), DType::Float32, "dy and y");
  check_dtype(a, a.out(0), DType::Float32, "dx");
  const int64_t rows = a.out(0).rows(), cols = a.out(0).cols();
  const float* dy = a.in(0).f32();
  const float* y = a.in(1).f32();
  float* dx = a.out(0).f32();
  for_rows(rows, cols, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; r++) {
      double s = 0;
      for (int64_t j = 0; j < cols; j++) s += dy[r * cols + j];
      for (int64_t j = 0; j < cols; j++) dx[r * cols + j] = dy[r * cols + j] - std::exp(y[r * cols + j]) * float(s);
    }
  });
}

}  // namespace

void register_nn_kernels() {
  register_kernel(OpId::LogSoftmax, log_softmax_k);
  register_kernel(OpId::LogSoftmaxGrad, log_softmax_grad_k);
}

}  // namespace tn
