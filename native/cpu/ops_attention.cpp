// Attention and layer-normalization kernels of the op table (native/core/ops/attention.def)
// over cpu/attention.h and cpu/layernorm.h: shape, dtype and attribute checks, then the math.
#include <cmath>
#include <cstdint>

#include "core/op_registry.h"
#include "cpu/attention.h"
#include "cpu/layernorm.h"

namespace tn {
namespace {

using cpu::AttentionDims;
using cpu::AttentionMask;

void expect_shape(const KernelArgs& a, const TensorView& t, std::initializer_list<int64_t> want, const char* what) {
  bool ok = t.rank == int(want.size());
  int i = 0;
  for (int64_t w : want) ok = ok && t.shape[i++] == w;
  std::string s = "[";
  i = 0;
  for (int64_t w : want) s += (i++ ? "," : "") + std::to_string(w);
  TN_CHECK(ok, op_name(a.op), ": ", what, " must have shape ", s, "] but has ", t.shape_string());
  check_dtype(a, t, DType::Float32, what);
}

// q (B, Tq, H, D), k (B, Tk, H, D), v (B, Tk, H, Dv) at inputs q_at, q_at+1, q_at+2.
AttentionDims attention_dims(const KernelArgs& a, int q_at) {
  const TensorView &q = a.in(q_at), &k = a.in(q_at + 1), &v = a.in(q_at + 2);
  for (const TensorView* t : {&q, &k, &v})
    TN_CHECK(t->rank == 4, op_name(a.op), ": q, k and v must have rank 4 (B, T, H, D) but have ", q.shape_string(), ", ",
             k.shape_string(), ", ", v.shape_string());
  const AttentionDims d{q.shape[0], q.shape[1], k.shape[1], q.shape[2], q.shape[3], v.shape[3]};
  expect_shape(a, q, {d.B, d.Tq, d.H, d.D}, "q");
  expect_shape(a, k, {d.B, d.Tk, d.H, d.D}, "k");
  expect_shape(a, v, {d.B, d.Tk, d.H, d.Dv}, "v");
  return d;
}

// The optional mask input at `at` (present when there are `at + 1` inputs): (Mb, Mq, Mk), each
// 1 or the full size.
AttentionMask attention_mask(const KernelArgs& a, int at, const AttentionDims& d) {
  AttentionMask m;
  if (a.n_inputs <= at) return m;
  const TensorView& t = a.in(at);
  TN_CHECK(t.dtype == DType::Bool || t.dtype == DType::Float32, op_name(a.op), ": mask must be bool or float32 but is ",
           dtype_name(t.dtype));
  TN_CHECK(t.rank == 3 && (t.shape[0] == 1 || t.shape[0] == d.B) && (t.shape[1] == 1 || t.shape[1] == d.Tq) &&
               (t.shape[2] == 1 || t.shape[2] == d.Tk),
           op_name(a.op), ": mask ", t.shape_string(), " does not broadcast to [", d.B, ",", d.Tq, ",", d.Tk, "]");
  m.data = t.data;
  m.is_bool = t.dtype == DType::Bool;
  m.sk = t.shape[2] == 1 ? 0 : 1;
  m.sq = t.shape[1] == 1 ? 0 : t.shape[2];
  m.sb = t.shape[0] == 1 ? 0 : t.shape[1] * t.shape[2];
  return m;
}

float scale_attr(const KernelArgs& a) {
  const double s = a.attr(0);
  TN_CHECK(std::isfinite(s), op_name(a.op), ": scale must be finite but is ", s);
  return float(s);
}

void expect_inputs(const KernelArgs& a, int outputs, int inputs_without_mask) {
  TN_CHECK(a.n_inputs == inputs_without_mask || a.n_inputs == inputs_without_mask + 1, op_name(a.op), ": expected ",
           inputs_without_mask, " or ", inputs_without_mask + 1, " inputs (the last a mask) but received ", a.n_inputs);
  a.expect(outputs, -1, 2);
}

// (out, lse) <- (q, k, v[, mask])
void attention_k(const KernelArgs& a) {
  expect_inputs(a, 2, 3);
  const AttentionDims d = attention_dims(a, 0);
  const AttentionMask m = attention_mask(a, 3, d);
  expect_shape(a, a.out(0), {d.B, d.Tq, d.H, d.Dv}, "out");
  expect_shape(a, a.out(1), {d.B, d.H, d.Tq}, "lse");
  cpu::attention_forward(d, a.in(0).f32(), a.in(1).f32(), a.in(2).f32(), m, scale_attr(a), a.flag(1), a.out(0).f32(),
                         a.out(1).f32());
}

// (dq, dk, dv) <- (dout, q, k, v, out, lse[, mask])
void attention_grad_k(const KernelArgs& a) {
  expect_inputs(a, 3, 6);
  const AttentionDims d = attention_dims(a, 1);
  const AttentionMask m = attention_mask(a, 6, d);
  expect_shape(a, a.in(0), {d.B, d.Tq, d.H, d.Dv}, "dout");
  expect_shape(a, a.in(4), {d.B, d.Tq, d.H, d.Dv}, "out");
  expect_shape(a, a.in(5), {d.B, d.H, d.Tq}, "lse");
  expect_shape(a, a.out(0), {d.B, d.Tq, d.H, d.D}, "dq");
  expect_shape(a, a.out(1), {d.B, d.Tk, d.H, d.D}, "dk");
  expect_shape(a, a.out(2), {d.B, d.Tk, d.H, d.Dv}, "dv");
  cpu::attention_backward(d, a.in(0).f32(), a.in(1).f32(), a.in(2).f32(), a.in(3).f32(), a.in(4).f32(), a.in(5).f32(), m,
                          scale_attr(a), a.flag(1), a.out(0).f32(), a.out(1).f32(), a.out(2).f32());
}

// (scores) <- (q, k, lse[, mask]); q and k alone fix the sizes, so Dv is D here.
void attention_scores_k(const KernelArgs& a) {
  expect_inputs(a, 1, 3);
  const TensorView &q = a.in(0), &k = a.in(1);
  TN_CHECK(q.rank == 4 && k.rank == 4, "attentionScores: q and k must have rank 4 but have ", q.shape_string(), " and ",
           k.shape_string());
  const AttentionDims d{q.shape[0], q.shape[1], k.shape[1], q.shape[2], q.shape[3], q.shape[3]};
  expect_shape(a, q, {d.B, d.Tq, d.H, d.D}, "q");
  expect_shape(a, k, {d.B, d.Tk, d.H, d.D}, "k");
  expect_shape(a, a.in(2), {d.B, d.H, d.Tq}, "lse");
  const AttentionMask m = attention_mask(a, 3, d);
  expect_shape(a, a.out(0), {d.B, d.H, d.Tq, d.Tk}, "scores");
  cpu::attention_scores(d, q.f32(), k.f32(), a.in(2).f32(), m, scale_attr(a), a.flag(1), a.out(0).f32());
}

// (out, scores) <- (q, k, v[, mask])
void attention_reference_k(const KernelArgs& a) {
  expect_inputs(a, 2, 3);
  const AttentionDims d = attention_dims(a, 0);
  const AttentionMask m = attention_mask(a, 3, d);
  expect_shape(a, a.out(0), {d.B, d.Tq, d.H, d.Dv}, "out");
  expect_shape(a, a.out(1), {d.B, d.H, d.Tq, d.Tk}, "scores");
  cpu::attention_reference(d, a.in(0).f32(), a.in(1).f32(), a.in(2).f32(), m, scale_attr(a), a.flag(1), a.out(0).f32(),
                           a.out(1).f32());
}

// (y, mean, rstd) <- (x, gamma, beta); attrs: epsilon
void layer_norm_k(const KernelArgs& a) {
  a.expect(3, 3, 1);
  const TensorView& x = a.in(0);
  TN_CHECK(x.rank >= 1, "layerNorm: x must have rank >= 1");
  const int64_t R = x.rows(), C = x.cols();
  check_dtype(a, x, DType::Float32, "x");
  check_same_shape(a, x, a.out(0), "x and y");
  check_dtype(a, a.out(0), DType::Float32, "y");
  expect_shape(a, a.in(1), {C}, "gamma");
  expect_shape(a, a.in(2), {C}, "beta");
  TN_CHECK(a.out(1).size == R && a.out(2).size == R, "layerNorm: mean and rstd must have ", R, " elements");
  check_dtype(a, a.out(1), DType::Float32, "mean");
  check_dtype(a, a.out(2), DType::Float32, "rstd");
  const double eps = a.attr(0);
  TN_CHECK(std::isfinite(eps) && eps >= 0, "layerNorm: epsilon must be finite and >= 0 but is ", eps);
  cpu::layernorm_forward(R, C, x.f32(), a.in(1).f32(), a.in(2).f32(), float(eps), a.out(0).f32(), a.out(1).f32(),
                         a.out(2).f32());
}

// (dx, dgamma, dbeta) <- (dy, x, mean, rstd, gamma)
void layer_norm_grad_k(const KernelArgs& a) {
  a.expect(3, 5, 0);
  const TensorView& x = a.in(1);
  TN_CHECK(x.rank >= 1, "layerNormGrad: x must have rank >= 1");
  const int64_t R = x.rows(), C = x.cols();
  for (int i : {0, 1}) check_dtype(a, a.in(i), DType::Float32, "dy and x");
  check_same_shape(a, a.in(0), x, "dy and x");
  check_same_shape(a, a.out(0), x, "dx and x");
  check_dtype(a, a.out(0), DType::Float32, "dx");
  TN_CHECK(a.in(2).size == R && a.in(3).size == R, "layerNormGrad: mean and rstd must have ", R, " elements");
  check_dtype(a, a.in(2), DType::Float32, "mean");
  check_dtype(a, a.in(3), DType::Float32, "rstd");
  expect_shape(a, a.in(4), {C}, "gamma");
  expect_shape(a, a.out(1), {C}, "dgamma");
  expect_shape(a, a.out(2), {C}, "dbeta");
  cpu::layernorm_backward(R, C, a.in(0).f32(), x.f32(), a.in(2).f32(), a.in(3).f32(), a.in(4).f32(), a.out(0).f32(),
                          a.out(1).f32(), a.out(2).f32());
}

}  // namespace

void register_attention_kernels() {
  register_kernel(OpId::Attention, attention_k);
  register_kernel(OpId::AttentionGrad, attention_grad_k);
  register_kernel(OpId::AttentionScores, attention_scores_k);
  register_kernel(OpId::AttentionReference, attention_reference_k);
  register_kernel(OpId::LayerNorm, layer_norm_k);
  register_kernel(OpId::LayerNormGrad, layer_norm_grad_k);
}

}  // namespace tn
