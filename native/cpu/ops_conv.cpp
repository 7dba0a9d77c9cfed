// Convolution, pooling and batch-norm kernels of the op table (native/core/ops/conv.def) over
// cpu/conv.h (conv + bias + activation: Note [Fused conv + bias + activation]), cpu/pool.h and
// cpu/batchnorm.h. Each kernel checks the shapes and attributes it relies on, then calls the
// same functions the layers' glue does.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include "core/op_registry.h"
#include "cpu/batchnorm.h"
#include "cpu/conv.h"
#include "cpu/elementwise.h"
#include "cpu/pool.h"

namespace tn {
namespace {

constexpr int64_t kMaxStride = int64_t(1) << 20;  // strides and dilations
constexpr int64_t kMaxPad = int64_t(1) << 30;

void check_rank(const KernelArgs& a, const TensorView& t, int rank, const char* what) {
  TN_CHECK(t.rank == rank, op_name(a.op), ": ", what, " must have rank ", rank, " but has shape ", t.shape_string());
}

// The output size of one axis: floor((in + before + after - window) / stride) + 1, with each
// pad smaller than the window (so every window holds a tap inside the input).
void check_axis(const KernelArgs& a, const char* axis, int64_t in, int64_t out, int64_t window, int64_t stride,
                int64_t before, int64_t after) {
  TN_CHECK(before < window && after < window, op_name(a.op), ": the ", axis, " padding ", before, "/", after,
           " must be smaller than the (dilated) window ", window);
  TN_CHECK(in + before + after >= window && out == (in + before + after - window) / stride + 1, op_name(a.op), ": ",
           axis, " output ", out, " does not follow from input ", in, ", window ", window, ", stride ", stride,
           ", padding ", before, "/", after);
}

// ---- Conv2D ---------------------------------------------------------------------------------

struct ConvAttrs {
  cpu::Conv2dParams p;
  bool has_bias;
  int act;
  float alpha;
  bool needs_z;  // the activation's backward reads its input: Conv2D outputs z
};

// attrs [strideH, strideW, dilH, dilW, padTop, padBottom, padLeft, padRight, hasBias, activation,
// alpha] against x (B, H, W, Cin), filter (KH, KW, Cin, Cout), y (B, OH, OW, Cout).
ConvAttrs conv_attrs(const KernelArgs& a, const TensorView& x, const TensorView& filter, const TensorView& y) {
  check_rank(a, x, 4, "x");
  check_rank(a, filter, 4, "filter");
  check_rank(a, y, 4, "y (dy)");
  ConvAttrs c;
  cpu::Conv2dParams& p = c.p;
  p.stride_h = a.int_attr(0, 1, kMaxStride);
  p.stride_w = a.int_attr(1, 1, kMaxStride);
  p.dil_h = a.int_attr(2, 1, kMaxStride);
  p.dil_w = a.int_attr(3, 1, kMaxStride);
  p.pad_top = a.int_attr(4, 0, kMaxPad);
  const int64_t pad_bottom = a.int_attr(5, 0, kMaxPad);
  p.pad_left = a.int_attr(6, 0, kMaxPad);
  const int64_t pad_right = a.int_attr(7, 0, kMaxPad);
  c.has_bias = a.flag(8);
  c.act = int(a.int_attr(9, 0, int(cpu::Activation::Count) - 1));
  c.alpha = float(a.attr(10));
  TN_CHECK(std::isfinite(c.alpha), op_name(a.op), ": alpha must be finite but is ", a.attr(10));
  c.needs_z = cpu::activation_backward_uses_input(cpu::Activation(c.act));
  p.batch = x.dim(0);
  p.in_h = x.dim(1);
  p.in_w = x.dim(2);
  p.in_c = x.dim(3);
  p.k_h = filter.dim(0);
  p.k_w = filter.dim(1);
  p.out_h = y.dim(1);
  p.out_w = y.dim(2);
  p.out_c = filter.dim(3);
  TN_CHECK(filter.dim(2) == p.in_c && y.dim(0) == p.batch && y.dim(3) == p.out_c, op_name(a.op), ": x ",
           x.shape_string(), ", filter ", filter.shape_string(), " and y ", y.shape_string(),
           " do not fit (x [B,H,W,Cin], filter [KH,KW,Cin,Cout], y [B,OH,OW,Cout])");
  TN_CHECK(x.size > 0 && filter.size > 0 && y.size > 0, op_name(a.op), ": empty tensors are not supported (x ",
           x.shape_string(), ", filter ", filter.shape_string(), ", y ", y.shape_string(), ")");
  // Each dimension is at most 2^31 and each attr at most 2^30: no product below overflows.
  check_axis(a, "height", p.in_h, p.out_h, (p.k_h - 1) * p.dil_h + 1, p.stride_h, p.pad_top, pad_bottom);
  check_axis(a, "width", p.in_w, p.out_w, (p.k_w - 1) * p.dil_w + 1, p.stride_w, p.pad_left, pad_right);
  cpu::conv2d_check(p);
  return c;
}

void check_bias(const KernelArgs& a, const TensorView& bias, int64_t cout, const char* what) {
  TN_CHECK(bias.rank == 1 && bias.dim(0) == cout, op_name(a.op), ": ", what, " must have shape [", cout, "] but has ",
           bias.shape_string());
}

// (y, [z]) <- (x, filter, [bias])
void conv2d_k(const KernelArgs& a) {
  a.expect(-1, -1, 11);
  TN_CHECK(a.n_outputs >= 1 && a.n_inputs >= 2, "conv2d: expected outputs (y, [z]) and inputs (x, filter, [bias])");
  const ConvAttrs c = conv_attrs(a, a.in(0), a.in(1), a.out(0));
  a.expect(c.needs_z ? 2 : 1, c.has_bias ? 3 : 2, 11);
  check_all_f32(a);
  if (c.needs_z) check_same_shape(a, a.out(0), a.out(1), "y and z");
  if (c.has_bias) check_bias(a, a.in(2), c.p.out_c, "bias");
  cpu::conv2d_bias_act_forward(c.p, a.out(0).f32(), c.needs_z ? a.out(1).f32() : nullptr, a.in(0).f32(), a.in(1).f32(),
                               c.has_bias ? a.in(2).f32() : nullptr, c.act, c.alpha);
}

// (dx, dfilter, [dbias]) <- (dy, x, filter, y, [z])
void conv2d_grad_k(const KernelArgs& a) {
  a.expect(-1, -1, 11);
  TN_CHECK(a.n_outputs >= 2 && a.n_inputs >= 4,
           "conv2dGrad: expected outputs (dx, dfilter, [dbias]) and inputs (dy, x, filter, y, [z])");
  const TensorView &dy = a.in(0), &x = a.in(1), &filter = a.in(2), &y = a.in(3);
  const ConvAttrs c = conv_attrs(a, x, filter, dy);
  a.expect(c.has_bias ? 3 : 2, c.needs_z ? 5 : 4, 11);
  check_all_f32(a);
  check_same_shape(a, a.out(0), x, "dx and x");
  check_same_shape(a, a.out(1), filter, "dfilter and filter");
  check_same_shape(a, y, dy, "y and dy");
  if (c.needs_z) check_same_shape(a, a.in(4), dy, "z and dy");
  if (c.has_bias) check_bias(a, a.out(2), c.p.out_c, "dbias");
  std::vector<float> dz;
  if (c.act != int(cpu::Activation::Linear)) dz.resize(size_t(dy.size));
  cpu::conv2d_bias_act_backward(c.p, a.out(0).f32(), a.out(1).f32(), c.has_bias ? a.out(2).f32() : nullptr,
                                dz.empty() ? nullptr : dz.data(), dy.f32(), x.f32(), filter.f32(),
                                c.needs_z ? a.in(4).f32() : nullptr, y.f32(), c.act, c.alpha, false);
}

// (dx) <- (dy, filter): backward-data of a linear, bias-less conv.
void conv2d_backprop_input_k(const KernelArgs& a) {
  a.expect(1, 2, 11);
  const ConvAttrs c = conv_attrs(a, a.out(0), a.in(1), a.in(0));
  TN_CHECK(!c.has_bias && c.act == int(cpu::Activation::Linear),
           "conv2dBackpropInput: hasBias and activation must be 0");
  check_all_f32(a);
  cpu::conv2d_backward(c.p, a.out(0).f32(), nullptr, a.in(0).f32(), nullptr, a.in(1).f32());
}

// ---- Pooling --------------------------------------------------------------------------------

// attrs [poolH, poolW, strideH, strideW, padTop, padBottom, padLeft, padRight] against
// x (B, H, W, C) and y (B, OH, OW, C).
cpu::Pool2dParams pool_attrs(const KernelArgs& a, const TensorView& x, const TensorView& y) {
  a.expect(-1, -1, 8);
  check_rank(a, x, 4, "x (dx)");
  check_rank(a, y, 4, "y (dy)");
  cpu::Pool2dParams p;
  p.pool_h = a.int_attr(0, 1, kMaxPad);
  p.pool_w = a.int_attr(1, 1, kMaxPad);
  p.stride_h = a.int_attr(2, 1, kMaxStride);
  p.stride_w = a.int_attr(3, 1, kMaxStride);
  p.pad_top = a.int_attr(4, 0, kMaxPad);
  const int64_t pad_bottom = a.int_attr(5, 0, kMaxPad);
  p.pad_left = a.int_attr(6, 0, kMaxPad);
  const int64_t pad_right = a.int_attr(7, 0, kMaxPad);
  p.batch = x.dim(0);
  p.in_h = x.dim(1);
  p.in_w = x.dim(2);
  p.channels = x.dim(3);
  p.out_h = y.dim(1);
  p.out_w = y.dim(2);
  TN_CHECK(y.dim(0) == p.batch && y.dim(3) == p.channels, op_name(a.op), ": x ", x.shape_string(), " and y ",
           y.shape_string(), " differ in batch or channels");
  TN_CHECK(x.size > 0 && y.size > 0, op_name(a.op), ": empty tensors are not supported (x ", x.shape_string(), ", y ",
           y.shape_string(), ")");
  check_axis(a, "height", p.in_h, p.out_h, p.pool_h, p.stride_h, p.pad_top, pad_bottom);
  check_axis(a, "width", p.in_w, p.out_w, p.pool_w, p.stride_w, p.pad_left, pad_right);
  TN_CHECK(x.size / p.batch <= INT32_MAX, op_name(a.op), ": an image of ", x.size / p.batch,
           " elements is too large for int32 argmax");
  cpu::pool2d_check(p);
  return p;
}

// (y, argmax) <- (x)
void max_pool_k(const KernelArgs& a) {
  a.expect(2, 1, 8);
  const cpu::Pool2dParams p = pool_attrs(a, a.in(0), a.out(0));
  check_dtype(a, a.in(0), DType::Float32, "x");
  check_dtype(a, a.out(0), DType::Float32, "y");
  check_dtype(a, a.out(1), DType::Int32, "argmax");
  check_same_shape(a, a.out(0), a.out(1), "y and argmax");
  cpu::maxpool2d_forward(p, a.out(0).f32(), a.out(1).i32(), a.in(0).f32());
}

// (dx) <- (dy, argmax)
void max_pool_grad_k(const KernelArgs& a) {
  a.expect(1, 2, 8);
  const cpu::Pool2dParams p = pool_attrs(a, a.out(0), a.in(0));
  check_dtype(a, a.out(0), DType::Float32, "dx");
  check_dtype(a, a.in(0), DType::Float32, "dy");
  check_dtype(a, a.in(1), DType::Int32, "argmax");
  check_same_shape(a, a.in(0), a.in(1), "dy and argmax");
  cpu::maxpool2d_backward(p, a.out(0).f32(), a.in(0).f32(), a.in(1).i32());  // ignores argmax outside the image
}

// (y) <- (x)
void avg_pool_k(const KernelArgs& a) {
  a.expect(1, 1, 8);
  const cpu::Pool2dParams p = pool_attrs(a, a.in(0), a.out(0));
  check_all_f32(a);
  cpu::avgpool2d_forward(p, a.out(0).f32(), a.in(0).f32());
}

// (dx) <- (dy)
void avg_pool_grad_k(const KernelArgs& a) {
  a.expect(1, 1, 8);
  const cpu::Pool2dParams p = pool_attrs(a, a.out(0), a.in(0));
  check_all_f32(a);
  cpu::avgpool2d_backward(p, a.out(0).f32(), a.in(0).f32());
}

// ---- Batch normalization --------------------------------------------------------------------

float epsilon_attr(const KernelArgs& a, int i) {
  const double e = a.attr(i);
  TN_CHECK(std::isfinite(e) && float(e) > 0.f, op_name(a.op), ": epsilon must be a positive number but is ", e);
  return float(e);
}

void check_channels(const KernelArgs& a, const TensorView& t, int64_t C, const char* what) {
  TN_CHECK(t.rank == 1 && t.dim(0) == C, op_name(a.op), ": ", what, " must have shape [", C, "] but has ",
           t.shape_string());
}

// x (..., C), rank >= 1, not empty: its channels.
int64_t last_axis_channels(const KernelArgs& a, const TensorView& x) {
  TN_CHECK(x.rank >= 1 && x.size > 0, op_name(a.op), ": x must have rank >= 1 and no empty axis but has shape ",
           x.shape_string());
  return x.cols();
}

// (y) <- (x, mean, variance, offset, scale)
void batch_norm_k(const KernelArgs& a) {
  a.expect(1, 5, 1);
  check_all_f32(a);
  const TensorView& x = a.in(0);
  const int64_t C = last_axis_channels(a, x), outer = x.size / C;
  check_same_shape(a, x, a.out(0), "x and y");
  const char* names[] = {"mean", "variance", "offset", "scale"};
  for (int i = 1; i < 5; i++) check_channels(a, a.in(i), C, names[i - 1]);
  const float eps = epsilon_attr(a, 0);
  std::vector<float> mean(static_cast<size_t>(C)), invstd(static_cast<size_t>(C));
  // Inference mode reads the statistics (the moving_* arguments) and never writes them.
  cpu::batchnorm_forward(a.out(0).f32(), mean.data(), invstd.data(), a.in(1).f32(), a.in(2).f32(), x.f32(),
                         a.in(4).f32(), a.in(3).f32(), outer, C, 1, 0.f, eps, false);
}

// (dx, dmean, dvariance, doffset, dscale) <- (dy, x, mean, variance, scale)
void batch_norm_grad_k(const KernelArgs& a) {
  a.expect(5, 5, 1);
  check_all_f32(a);
  const TensorView &dy = a.in(0), &x = a.in(1);
  const int64_t C = last_axis_channels(a, x), outer = x.size / C;
  check_same_shape(a, dy, x, "dy and x");
  check_same_shape(a, a.out(0), x, "dx and x");
  const char* ins[] = {"mean", "variance", "scale"};
  for (int i = 2; i < 5; i++) check_channels(a, a.in(i), C, ins[i - 2]);
  const char* outs[] = {"dmean", "dvariance", "doffset", "dscale"};
  for (int i = 1; i < 5; i++) check_channels(a, a.out(i), C, outs[i - 1]);
  const float eps = epsilon_attr(a, 0);
  const float *mean = a.in(2).f32(), *var = a.in(3).f32(), *scale = a.in(4).f32();
  std::vector<float> invstd(static_cast<size_t>(C));
  for (int64_t c = 0; c < C; c++) invstd[c] = float(1.0 / std::sqrt(double(var[c]) + double(eps)));  // as forward
  float *dmean = a.out(1).f32(), *dvar = a.out(2).f32(), *doffset = a.out(3).f32(), *dscale = a.out(4).f32();
  // dx = scale*invstd*dy; dscale = sum(dy*xhat); doffset = sum(dy)
  cpu::batchnorm_backward(a.out(0).f32(), dscale, doffset, dy.f32(), x.f32(), mean, invstd.data(), scale, outer, C, 1,
                          false);
  // y = scale*(x - mean)*invstd + offset:
  //   dmean = -scale*invstd*sum(dy);  dvariance = -scale*invstd^2/2 * sum(dy*xhat)
  for (int64_t c = 0; c < C; c++) {
    const double k = double(scale[c]) * double(invstd[c]);
    dmean[c] = float(-k * double(doffset[c]));
    dvar[c] = float(-0.5 * k * double(invstd[c]) * double(dscale[c]));
  }
}

struct Split {
  int64_t outer, C, inner;
};
Split split_at(const KernelArgs& a, const TensorView& x, int axis) {
  TN_CHECK(x.size > 0, op_name(a.op), ": x must not be empty but has shape ", x.shape_string());
  TN_CHECK(axis < x.rank, op_name(a.op), ": axis ", axis, " is not an axis of x ", x.shape_string());
  Split s{1, x.dim(axis), 1};
  for (int d = 0; d < axis; d++) s.outer *= x.dim(d);
  for (int d = axis + 1; d < x.rank; d++) s.inner *= x.dim(d);
  return s;
}

// (y, mean, variance, invstd) <- (x, scale, offset)
void batch_norm_training_k(const KernelArgs& a) {
  a.expect(4, 3, 2);
  check_all_f32(a);
  const TensorView& x = a.in(0);
  const Split s = split_at(a, x, int(a.int_attr(0, 0, kMaxRank - 1)));
  const float eps = epsilon_attr(a, 1);
  check_same_shape(a, x, a.out(0), "x and y");
  check_channels(a, a.in(1), s.C, "scale");
  check_channels(a, a.in(2), s.C, "offset");
  const char* outs[] = {"mean", "variance", "invstd"};
  for (int i = 1; i < 4; i++) check_channels(a, a.out(i), s.C, outs[i - 1]);
  // The batch statistics come out as the "moving" statistics of a momentum-0 update:
  // moving = moving*0 + batch*1 (from zero, so the old values cannot leak in).
  float* mean = a.out(1).f32();
  float* var = a.out(2).f32();
  std::memset(mean, 0, sizeof(float) * size_t(s.C));
  std::memset(var, 0, sizeof(float) * size_t(s.C));
  std::vector<float> batch_mean(static_cast<size_t>(s.C));
  cpu::batchnorm_forward(a.out(0).f32(), batch_mean.data(), a.out(3).f32(), mean, var, x.f32(), a.in(1).f32(),
                         a.in(2).f32(), s.outer, s.C, s.inner, 0.f, eps, true);
}

// (dx, dscale, doffset) <- (dy, x, mean, invstd, scale, dmean, dvariance)
void batch_norm_training_grad_k(const KernelArgs& a) {
  a.expect(3, 7, 2);
  check_all_f32(a);
  const TensorView &dy = a.in(0), &x = a.in(1);
  const Split s = split_at(a, x, int(a.int_attr(0, 0, kMaxRank - 1)));
  epsilon_attr(a, 1);
  check_same_shape(a, dy, x, "dy and x");
  check_same_shape(a, a.out(0), x, "dx and x");
  const char* ins[] = {"mean", "invstd", "scale", "dmean", "dvariance"};
  for (int i = 2; i < 7; i++) check_channels(a, a.in(i), s.C, ins[i - 2]);
  check_channels(a, a.out(1), s.C, "dscale");
  check_channels(a, a.out(2), s.C, "doffset");
  const float *mean = a.in(2).f32(), *invstd = a.in(3).f32(), *dmean = a.in(5).f32(), *dvar = a.in(6).f32();
  float* dx = a.out(0).f32();
  cpu::batchnorm_backward(dx, a.out(1).f32(), a.out(2).f32(), dy.f32(), x.f32(), mean, invstd, a.in(4).f32(), s.outer,
                          s.C, s.inner, true);
  // The mean and variance outputs' own gradients: d mean / dx = 1/n, d variance / dx = 2(x - mean)/n.
  bool any = false;
  for (int64_t c = 0; c < s.C && !any; c++) any = dmean[c] != 0.f || dvar[c] != 0.f;
  if (!any) return;
  const double n = double(s.outer) * double(s.inner);
  const float* xs = x.f32();
  for (int64_t o = 0; o < s.outer; o++)
    for (int64_t c = 0; c < s.C; c++) {
      const float am = float(dmean[c] / n), av = float(2.0 * dvar[c] / n);
      const int64_t base = (o * s.C + c) * s.inner;
      for (int64_t i = 0; i < s.inner; i++) dx[base + i] += am + av * (xs[base + i] - mean[c]);
    }
}

}  // namespace

void register_conv_kernels() {
  register_kernel(OpId::Conv2D, conv2d_k);
  register_kernel(OpId::Conv2DGrad, conv2d_grad_k);
  register_kernel(OpId::Conv2DBackpropInput, conv2d_backprop_input_k);
  register_kernel(OpId::MaxPool, max_pool_k);
  register_kernel(OpId::MaxPoolGrad, max_pool_grad_k);
  register_kernel(OpId::AvgPool, avg_pool_k);
  register_kernel(OpId::AvgPoolGrad, avg_pool_grad_k);
  register_kernel(OpId::BatchNorm, batch_norm_k);
  register_kernel(OpId::BatchNormGrad, batch_norm_grad_k);
  register_kernel(OpId::BatchNormTraining, batch_norm_training_k);
  register_kernel(OpId::BatchNormTrainingGrad, batch_norm_training_grad_k);
}

}  // namespace tn
