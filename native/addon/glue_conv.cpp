// Glue for the convolutional ops: conv2d (conv1d is conv2d with height 1), pooling, batch
// normalization, zero padding, upsampling. Argument order: outputs, inputs, saved, sizes.
// Geometry travels as one Int32Array (`dims`), in the field order of the *Params structs.
#include <string>

#include "addon/glue.h"
#include "cpu/batchnorm.h"
#include "cpu/conv.h"
#include "cpu/elementwise.h"
#include "cpu/pool.h"
#include "cpu/resample.h"

namespace tn {
namespace glue {
namespace {

using cpu::Activation;

// dims: [batch, inH, inW, inC, outH, outW, outC, kH, kW, strideH, strideW, dilH, dilW, padTop, padLeft]
cpu::Conv2dParams conv_dims(const Napi::CallbackInfo& info, size_t i) {
  const int32_t* d = i32_arg(info, i, "dims", 15);
  cpu::Conv2dParams p{d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7], d[8], d[9], d[10], d[11], d[12], d[13], d[14]};
  cpu::conv2d_check(p);
  return p;
}

// dims: [batch, inH, inW, channels, outH, outW, poolH, poolW, strideH, strideW, padTop, padLeft]
cpu::Pool2dParams pool_dims(const Napi::CallbackInfo& info, size_t i) {
  const int32_t* d = i32_arg(info, i, "dims", 12);
  cpu::Pool2dParams p{d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7], d[8], d[9], d[10], d[11]};
  cpu::pool2d_check(p);
  return p;
}

int64_t conv_in_size(const cpu::Conv2dParams& p) { return p.batch * p.in_h * p.in_w * p.in_c; }
int64_t conv_out_size(const cpu::Conv2dParams& p) { return p.batch * p.out_h * p.out_w * p.out_c; }

// conv2dForward(y, z|null, x, kernel, bias|null, dims, activation, alpha)
//   z = conv(x, kernel) + bias (B, OH, OW, Cout) — kept for backward when the activation needs it
//   y = act(z)                 (B, OH, OW, Cout); with z null, y holds z and act runs in place.
Napi::Value Conv2dForward(const Napi::CallbackInfo& info) {
  const cpu::Conv2dParams p = conv_dims(info, 5);
  const int64_t n_out = conv_out_size(p);
  float* y = f32_arg(info, 0, "y", n_out);
  float* z = f32_arg(info, 1, "z", n_out, true);
  const float* x = f32_arg(info, 2, "x", conv_in_size(p));
  const float* kernel = f32_arg(info, 3, "kernel", p.k() * p.out_c);
  const float* bias = f32_arg(info, 4, "bias", p.out_c, true);
  const Activation act = activation_arg(info, 6);
  const float alpha = float(number_arg(info, 7, "alpha"));
  float* pre = z ? z : y;
  const int64_t rows = n_out / p.out_c;
  cpu::conv2d_forward(p, pre, x, kernel);
  if (bias) cpu::bias_add(pre, bias, rows, p.out_c);
  if (act != Activation::Linear || pre != y) cpu::activation_forward(act, alpha, y, pre, rows, p.out_c);
  return info.Env().Undefined();
}

// conv2dBackward(dx|null, dkernel, dbias|null, dzScratch|null, dy, x, kernel, z|null, y, dims,
//                activation, alpha, dyIsPreActivation)
//   dz = dy * act'(z) (or dy itself when linear / dyIsPreActivation)
//   dkernel (KH, KW, Cin, Cout), dbias (Cout), dx (B, H, W, Cin): WRITTEN; dx skipped when null.
Napi::Value Conv2dBackward(const Napi::CallbackInfo& info) {
  const cpu::Conv2dParams p = conv_dims(info, 9);
  const int64_t n_out = conv_out_size(p), rows = n_out / p.out_c;
  float* dx = f32_arg(info, 0, "dx", conv_in_size(p), true);
  float* dkernel = f32_arg(info, 1, "dkernel", p.k() * p.out_c);
  float* dbias = f32_arg(info, 2, "dbias", p.out_c, true);
  float* dz_scratch = f32_arg(info, 3, "dzScratch", n_out, true);
  const float* dy = f32_arg(info, 4, "dy", n_out);
  const float* x = f32_arg(info, 5, "x", conv_in_size(p));
  const float* kernel = f32_arg(info, 6, "kernel", p.k() * p.out_c);
  const float* z = f32_arg(info, 7, "z", n_out, true);
  const float* y = f32_arg(info, 8, "y", n_out);
  const Activation act = activation_arg(info, 10);
  const float alpha = float(number_arg(info, 11, "alpha"));
  const bool dy_is_pre = bool_arg(info, 12, "dyIsPreActivation");
  const float* dz = dy;
  if (!dy_is_pre && act != Activation::Linear) {
    TN_CHECK(dz_scratch != nullptr, "conv2d backward needs dzScratch for activation ", int(act));
    cpu::activation_backward(act, alpha, dz_scratch, dy, z, y, rows, p.out_c);
    dz = dz_scratch;
  }
  if (dbias) cpu::bias_backward(dbias, dz, rows, p.out_c);
  cpu::conv2d_backward(p, dx, dkernel, dz, x, kernel);
  return info.Env().Undefined();
}

// conv2dForwardReference(y, x, kernel, dims): the direct loop (tests, benchmarks).
Napi::Value Conv2dForwardReference(const Napi::CallbackInfo& info) {
  const cpu::Conv2dParams p = conv_dims(info, 3);
  cpu::conv2d_forward_reference(p, f32_arg(info, 0, "y", conv_out_size(p)), f32_arg(info, 1, "x", conv_in_size(p)),
                                f32_arg(info, 2, "kernel", p.k() * p.out_c));
  return info.Env().Undefined();
}

int64_t pool_in_size(const cpu::Pool2dParams& p) { return p.batch * p.in_h * p.in_w * p.channels; }
int64_t pool_out_size(const cpu::Pool2dParams& p) { return p.batch * p.out_h * p.out_w * p.channels; }

// maxPool2dForward(y, argmax: Int32Array, x, dims)
Napi::Value MaxPool2dForward(const Napi::CallbackInfo& info) {
  const cpu::Pool2dParams p = pool_dims(info, 3);
  cpu::maxpool2d_forward(p, f32_arg(info, 0, "y", pool_out_size(p)), i32_arg(info, 1, "argmax", pool_out_size(p)),
                         f32_arg(info, 2, "x", pool_in_size(p)));
  return info.Env().Undefined();
}

// maxPool2dBackward(dx, dy, argmax, dims)
Napi::Value MaxPool2dBackward(const Napi::CallbackInfo& info) {
  const cpu::Pool2dParams p = pool_dims(info, 3);
  cpu::maxpool2d_backward(p, f32_arg(info, 0, "dx", pool_in_size(p)), f32_arg(info, 1, "dy", pool_out_size(p)),
                          i32_arg(info, 2, "argmax", pool_out_size(p)));
  return info.Env().Undefined();
}

// avgPool2dForward(y, x, dims)
Napi::Value AvgPool2dForward(const Napi::CallbackInfo& info) {
  const cpu::Pool2dParams p = pool_dims(info, 2);
  cpu::avgpool2d_forward(p, f32_arg(info, 0, "y", pool_out_size(p)), f32_arg(info, 1, "x", pool_in_size(p)));
  return info.Env().Undefined();
}

// avgPool2dBackward(dx, dy, dims)
Napi::Value AvgPool2dBackward(const Napi::CallbackInfo& info) {
  const cpu::Pool2dParams p = pool_dims(info, 2);
  cpu::avgpool2d_backward(p, f32_arg(info, 0, "dx", pool_in_size(p)), f32_arg(info, 1, "dy", pool_out_size(p)));
  return info.Env().Undefined();
}

// batchNormForward(y, mean, invstd, movingMean, movingVar, x, gamma|null, beta|null,
//                  outer, channels, inner, momentum, epsilon, training)
Napi::Value BatchNormForward(const Napi::CallbackInfo& info) {
  const int64_t outer = int_arg(info, 8, "outer"), C = int_arg(info, 9, "channels"), inner = int_arg(info, 10, "inner");
  TN_CHECK(outer > 0 && C > 0 && inner > 0, "batchnorm: sizes must be positive");
  const int64_t n = outer * C * inner;
  cpu::batchnorm_forward(f32_arg(info, 0, "y", n), f32_arg(info, 1, "mean", C), f32_arg(info, 2, "invstd", C),
                         f32_arg(info, 3, "movingMean", C), f32_arg(info, 4, "movingVariance", C), f32_arg(info, 5, "x", n),
                         f32_arg(info, 6, "gamma", C, true), f32_arg(info, 7, "beta", C, true), outer, C, inner,
                         float(number_arg(info, 11, "momentum")), float(number_arg(info, 12, "epsilon")),
                         bool_arg(info, 13, "training"));
  return info.Env().Undefined();
}

// batchNormBackward(dx|null, dgamma|null, dbeta|null, dy, x, mean, invstd, gamma|null,
//                   outer, channels, inner, training)
Napi::Value BatchNormBackward(const Napi::CallbackInfo& info) {
  const int64_t outer = int_arg(info, 8, "outer"), C = int_arg(info, 9, "channels"), inner = int_arg(info, 10, "inner");
  TN_CHECK(outer > 0 && C > 0 && inner > 0, "batchnorm: sizes must be positive");
  const int64_t n = outer * C * inner;
  cpu::batchnorm_backward(f32_arg(info, 0, "dx", n, true), f32_arg(info, 1, "dgamma", C, true),
                          f32_arg(info, 2, "dbeta", C, true), f32_arg(info, 3, "dy", n), f32_arg(info, 4, "x", n),
                          f32_arg(info, 5, "mean", C), f32_arg(info, 6, "invstd", C), f32_arg(info, 7, "gamma", C, true),
                          outer, C, inner, bool_arg(info, 11, "training"));
  return info.Env().Undefined();
}

struct Image {
  int64_t batch, h, w, c;
};
Image image_args(const Napi::CallbackInfo& info, size_t i) {
  Image im{int_arg(info, i, "batch"), int_arg(info, i + 1, "height"), int_arg(info, i + 2, "width"),
           int_arg(info, i + 3, "channels")};
  TN_CHECK(im.batch > 0 && im.h > 0 && im.w > 0 && im.c > 0, "image sizes must be positive");
  return im;
}

// zeroPad2dForward(y, x, batch, height, width, channels, top, bottom, left, right)
Napi::Value ZeroPad2dForward(const Napi::CallbackInfo& info) {
  const Image im = image_args(info, 2);
  const int64_t t = int_arg(info, 6, "top"), b = int_arg(info, 7, "bottom"), l = int_arg(info, 8, "left"),
                r = int_arg(info, 9, "right");
  TN_CHECK(t >= 0 && b >= 0 && l >= 0 && r >= 0, "zero padding must be non-negative");
  cpu::zero_pad2d_forward(f32_arg(info, 0, "y", im.batch * (im.h + t + b) * (im.w + l + r) * im.c),
                          f32_arg(info, 1, "x", im.batch * im.h * im.w * im.c), im.batch, im.h, im.w, im.c, t, b, l, r);
  return info.Env().Undefined();
}

// zeroPad2dBackward(dx, dy, batch, height, width, channels, top, bottom, left, right)
Napi::Value ZeroPad2dBackward(const Napi::CallbackInfo& info) {
  const Image im = image_args(info, 2);
  const int64_t t = int_arg(info, 6, "top"), b = int_arg(info, 7, "bottom"), l = int_arg(info, 8, "left"),
                r = int_arg(info, 9, "right");
  TN_CHECK(t >= 0 && b >= 0 && l >= 0 && r >= 0, "zero padding must be non-negative");
  cpu::zero_pad2d_backward(f32_arg(info, 0, "dx", im.batch * im.h * im.w * im.c),
                           f32_arg(info, 1, "dy", im.batch * (im.h + t + b) * (im.w + l + r) * im.c), im.batch, im.h, im.w,
                           im.c, t, b, l, r);
  return info.Env().Undefined();
}

// upSampling2dForward(y, x, batch, height, width, channels, sizeH, sizeW)
Napi::Value UpSampling2dForward(const Napi::CallbackInfo& info) {
  const Image im = image_args(info, 2);
  const int64_t sh = int_arg(info, 6, "sizeH"), sw = int_arg(info, 7, "sizeW");
  TN_CHECK(sh > 0 && sw > 0, "upsampling size must be positive");
  cpu::upsample2d_forward(f32_arg(info, 0, "y", im.batch * im.h * sh * im.w * sw * im.c),
                          f32_arg(info, 1, "x", im.batch * im.h * im.w * im.c), im.batch, im.h, im.w, im.c, sh, sw);
  return info.Env().Undefined();
}

// upSampling2dBackward(dx, dy, batch, height, width, channels, sizeH, sizeW)
Napi::Value UpSampling2dBackward(const Napi::CallbackInfo& info) {
  const Image im = image_args(info, 2);
  const int64_t sh = int_arg(info, 6, "sizeH"), sw = int_arg(info, 7, "sizeW");
  TN_CHECK(sh > 0 && sw > 0, "upsampling size must be positive");
  cpu::upsample2d_backward(f32_arg(info, 0, "dx", im.batch * im.h * im.w * im.c),
                           f32_arg(info, 1, "dy", im.batch * im.h * sh * im.w * sw * im.c), im.batch, im.h, im.w, im.c, sh,
                           sw);
  return info.Env().Undefined();
}

}  // namespace

void register_conv(Napi::Env env, Napi::Object exports) {
  define(env, exports, "conv2dForward", Conv2dForward);
  define(env, exports, "conv2dBackward", Conv2dBackward);
  define(env, exports, "conv2dForwardReference", Conv2dForwardReference);
  define(env, exports, "maxPool2dForward", MaxPool2dForward);
  define(env, exports, "maxPool2dBackward", MaxPool2dBackward);
  define(env, exports, "avgPool2dForward", AvgPool2dForward);
  define(env, exports, "avgPool2dBackward", AvgPool2dBackward);
  define(env, exports, "batchNormForward", BatchNormForward);
  define(env, exports, "batchNormBackward", BatchNormBackward);
  define(env, exports, "zeroPad2dForward", ZeroPad2dForward);
  define(env, exports, "zeroPad2dBackward", ZeroPad2dBackward);
  define(env, exports, "upSampling2dForward", UpSampling2dForward);
  define(env, exports, "upSampling2dBackward", UpSampling2dBackward);
}

}  // namespace glue
}  // namespace tn
