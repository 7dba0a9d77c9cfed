// Neural-network kernels of the op table that are not elementwise (native/core/ops/nn.def).
#include <algorithm>
#include <cmath>
#include <cstdint>

#include <vector>

#include "core/op_registry.h"
#include "cpu/dense.h"
#include "cpu/elementwise.h"
#include "cpu/parallel.h"

namespace tn {
namespace {

using cpu::for_rows;

// A row's max m and sum(exp(x - m)) in double: what log-softmax and the cross-entropy start from.
struct RowExpSum {
  float max;
  double sum;
};

RowExpSum row_exp_sum(const float* xr, int64_t cols) {
  float m = -INFINITY;
  for (int64_t j = 0; j < cols; j++) m = std::max(m, xr[j]);
  double s = 0;
  for (int64_t j = 0; j < cols; j++) s += std::exp(double(xr[j] - m));
  return {m, s};
}

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
      const RowExpSum e = row_exp_sum(xr, cols);
      const float m = e.max;
      const double s = e.sum;
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


cpu::Activation activation_attr(const KernelArgs& a, int i) {
  return cpu::Activation(a.int_attr(i, 0, int64_t(cpu::Activation::Count) - 1));
}

// The (rows, in) x (in, out) geometry Dense and DenseGrad share, checked against every view.
struct DenseGeometry {
  int64_t rows, in, out;
};

DenseGeometry dense_geometry(const KernelArgs& a, const TensorView& x, const TensorView& kernel, const TensorView& y) {
  TN_CHECK(x.rank >= 1 && kernel.rank == 2 && y.rank == x.rank, op_name(a.op), ": x ", x.shape_string(), ", kernel ",
           kernel.shape_string(), " and y ", y.shape_string(), " are not a dense layer's shapes");
  const DenseGeometry g{x.rows(), x.cols(), kernel.dim(1)};
  TN_CHECK(kernel.dim(0) == g.in && y.cols() == g.out && y.rows() == g.rows, op_name(a.op), ": x ", x.shape_string(),
           " times kernel ", kernel.shape_string(), " does not give y ", y.shape_string());
  for (int d = 0; d + 1 < x.rank; d++) {
    TN_CHECK(x.dim(d) == y.dim(d), op_name(a.op), ": x ", x.shape_string(), " and y ", y.shape_string(),
             " differ before the last axis");
  }
  return g;
}

// outputs (y[, z]), inputs (x, kernel[, bias]), attrs (activation, alpha). See nn.def.
void dense_k(const KernelArgs& a) {
  a.expect(-1, -1, 2);
  const cpu::Activation act = activation_attr(a, 0);
  const bool linear = act == cpu::Activation::Linear;
  TN_CHECK(a.n_outputs == (linear ? 1 : 2), "dense: ", a.n_outputs, " outputs; expected ", linear ? "(y)" : "(y, z)");
  TN_CHECK(a.n_inputs == 2 || a.n_inputs == 3, "dense: expected inputs (x, kernel[, bias]) but received ", a.n_inputs);
  check_all_f32(a);
  const DenseGeometry g = dense_geometry(a, a.in(0), a.in(1), a.out(0));
  if (!linear) check_same_shape(a, a.out(0), a.out(1), "y and z");
  const float* bias = nullptr;
  if (a.n_inputs == 3) {
    TN_CHECK(a.in(2).rank == 1 && a.in(2).dim(0) == g.out, "dense: bias ", a.in(2).shape_string(), " must be [", g.out, "]");
    bias = a.in(2).f32();
  }
  cpu::dense_forward(a.out(0).f32(), linear ? nullptr : a.out(1).f32(), a.in(0).f32(), a.in(1).f32(), bias, g.rows, g.in,
                     g.out, act, float(a.attr(1)));
}

// outputs ([dx,] dkernel[, dbias]), inputs (dy, x, kernel, y[, z]), attrs (activation, alpha,
// dyIsPreActivation, wantDx). See nn.def.
void dense_grad_k(const KernelArgs& a) {
  a.expect(-1, -1, 4);
  const cpu::Activation act = activation_attr(a, 0);
  const bool dy_is_pre = a.flag(2), want_dx = a.flag(3);
  const bool reads_z = act != cpu::Activation::Linear && !dy_is_pre && cpu::activation_backward_uses_input(act);
  const int first = want_dx ? 1 : 0;  // where dkernel is
  TN_CHECK(a.n_outputs == first + 1 || a.n_outputs == first + 2, "denseGrad: expected outputs (",
           want_dx ? "dx, " : "", "dkernel[, dbias]) but received ", a.n_outputs);
  TN_CHECK(a.n_inputs == 4 || a.n_inputs == 5, "denseGrad: expected inputs (dy, x, kernel, y[, z]) but received ",
           a.n_inputs);
  TN_CHECK(!reads_z || a.n_inputs == 5, "denseGrad: activation ", int(act), " needs z");
  check_all_f32(a);
  const TensorView &dy = a.in(0), &x = a.in(1), &kernel = a.in(2), &y = a.in(3);
  const DenseGeometry g = dense_geometry(a, x, kernel, dy);
  check_same_shape(a, dy, y, "dy and y");
  if (a.n_inputs == 5) check_same_shape(a, dy, a.in(4), "dy and z");
  if (want_dx) check_same_shape(a, a.out(0), x, "dx and x");
  check_same_shape(a, a.out(first), kernel, "dkernel and kernel");
  float* dbias = nullptr;
  if (a.n_outputs == first + 2) {
    const TensorView& db = a.out(first + 1);
    TN_CHECK(db.rank == 1 && db.dim(0) == g.out, "denseGrad: dbias ", db.shape_string(), " must be [", g.out, "]");
    dbias = db.f32();
  }
  std::vector<float> dz;
  if (!dy_is_pre && act != cpu::Activation::Linear) dz.resize(size_t(g.rows * g.out));
  cpu::dense_backward(want_dx ? a.out(0).f32() : nullptr, a.out(first).f32(), dbias, dz.empty() ? nullptr : dz.data(),
                      dy.f32(), x.f32(), kernel.f32(), a.n_inputs == 5 ? a.in(4).f32() : nullptr, y.f32(), g.rows, g.in,
                      g.out, act, float(a.attr(1)), dy_is_pre);
}

// Labels: (rows, C) float32, or (rows) int32 class indices. Checked against logits/probs.
bool sparse_labels(const KernelArgs& a, const TensorView& labels, const TensorView& probs) {
  if (labels.dtype == DType::Int32) {
    TN_CHECK(labels.size == probs.rows(), op_name(a.op), ": ", labels.size, " class indices for ", probs.rows(), " rows");
    return true;
  }
  check_dtype(a, labels, DType::Float32, "labels");
  check_same_shape(a, labels, probs, "labels and logits");
  return false;
}

int64_t class_index(const KernelArgs& a, const int32_t* labels, int64_t r, int64_t classes) {
  const int64_t c = labels[r];
  TN_CHECK(c >= 0 && c < classes, op_name(a.op), ": labels[", r, "] = ", c, " is not a class index in [0, ", classes, ")");
  return c;
}

// outputs (loss (rows), probs (rows, C)), inputs (logits (rows, C), labels). See nn.def.
void softmax_cross_entropy_k(const KernelArgs& a) {
  a.expect(2, 2, 0);
  const TensorView &logits = a.in(0), &labels = a.in(1);
  check_dtype(a, logits, DType::Float32, "logits");
  check_same_shape(a, logits, a.out(1), "logits and probs");
  check_dtype(a, a.out(0), DType::Float32, "loss");
  check_dtype(a, a.out(1), DType::Float32, "probs");
  const int64_t rows = logits.rows(), cols = logits.cols();
  TN_CHECK(a.out(0).size == rows, "softmaxCrossEntropy: loss ", a.out(0).shape_string(), " must hold ", rows, " rows");
  const bool sparse = sparse_labels(a, labels, logits);
  const float* x = logits.f32();
  float* loss = a.out(0).f32();
  float* p = a.out(1).f32();
  if (sparse) {  // every index checked before any thread starts
    for (int64_t r = 0; r < rows; r++) class_index(a, labels.i32(), r, cols);
  }
  for_rows(rows, cols, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; r++) {
      const float* xr = x + r * cols;
      float* pr = p + r * cols;
      const RowExpSum e = row_exp_sum(xr, cols);
      const double lse = double(e.max) + std::log(e.sum);
      for (int64_t j = 0; j < cols; j++) pr[j] = float(std::exp(double(xr[j]) - lse));
      if (sparse) {
        loss[r] = float(lse - double(xr[labels.i32()[r]]));
      } else {
        const float* lr = labels.f32() + r * cols;
        double lsum = 0, dotp = 0;
        for (int64_t j = 0; j < cols; j++) {
          lsum += lr[j];
          dotp += double(lr[j]) * double(xr[j]);
        }
        loss[r] = float(lsum * lse - dotp);
      }
    }
  });
}

// outputs (dlogits (rows, C)), inputs (dloss (rows), probs (rows, C), labels). See nn.def.
void softmax_cross_entropy_grad_k(const KernelArgs& a) {
  a.expect(1, 3, 0);
  const TensorView &dloss = a.in(0), &probs = a.in(1), &labels = a.in(2);
  check_dtype(a, dloss, DType::Float32, "dloss");
  check_dtype(a, probs, DType::Float32, "probs");
  check_dtype(a, a.out(0), DType::Float32, "dlogits");
  check_same_shape(a, probs, a.out(0), "probs and dlogits");
  const int64_t rows = probs.rows(), cols = probs.cols();
  TN_CHECK(dloss.size == rows, "softmaxCrossEntropyGrad: dloss ", dloss.shape_string(), " must hold ", rows, " rows");
  const bool sparse = sparse_labels(a, labels, probs);
  if (sparse) {
    for (int64_t r = 0; r < rows; r++) class_index(a, labels.i32(), r, cols);
  }
  const float* p = probs.f32();
  const float* g = dloss.f32();
  float* dx = a.out(0).f32();
  for_rows(rows, cols, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; r++) {
      const float* pr = p + r * cols;
      float* dr = dx + r * cols;
      if (sparse) {
        for (int64_t j = 0; j < cols; j++) dr[j] = g[r] * pr[j];
        dr[labels.i32()[r]] -= g[r];
      } else {
        const float* lr = labels.f32() + r * cols;
        double lsum = 0;
        for (int64_t j = 0; j < cols; j++) lsum += lr[j];
        for (int64_t j = 0; j < cols; j++) dr[j] = g[r] * (float(lsum) * pr[j] - lr[j]);
      }
    }
  });
}

}  // namespace

void register_nn_kernels() {
  register_kernel(OpId::LogSoftmax, log_softmax_k);
  register_kernel(OpId::LogSoftmaxGrad, log_softmax_grad_k);
  register_kernel(OpId::Dense, dense_k);
  register_kernel(OpId::DenseGrad, dense_grad_k);
  register_kernel(OpId::SoftmaxCrossEntropy, softmax_cross_entropy_k);
  register_kernel(OpId::SoftmaxCrossEntropyGrad, softmax_cross_entropy_grad_k);
}

}  // namespace tn
