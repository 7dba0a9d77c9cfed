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

}  // namespace

// dims: [batch, inH, inW, inC, outH, outW, outC, kH, kW, strideH, strideW, dilH, dilW, padTop, padLeft]
ConvSizes conv_sizes(const Napi::CallbackInfo& info, size_t i) {
  const int32_t* d = i32_arg(info, i, "dims", 15);
  ConvSizes s;
  s.p = cpu::Conv2dParams{d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7], d[8], d[9], d[10], d[11], d[12], d[13], d[14]};
  const cpu::Conv2dParams& p = s.p;
  s.in_elements = elements({{"batch", p.batch}, {"inH", p.in_h}, {"inW", p.in_w}, {"inC", p.in_c}});
  s.out_elements = elements({{"batch", p.batch}, {"outH", p.out_h}, {"outW", p.out_w}, {"outC", p.out_c}});
  s.kernel_elements = elements({{"kH", p.k_h}, {"kW", p.k_w}, {"inC", p.in_c}, {"outC", p.out_c}});
  cpu::conv2d_check(p);  // positive sizes, a geometry that fits (its arithmetic needs the checks above)
  return s;
}

// dims: [batch, inH, inW, channels, outH, outW, poolH, poolW, strideH, strideW, padTop, padLeft]
PoolSizes pool_sizes(const Napi::CallbackInfo& info, size_t i) {
  const int32_t* d = i32_arg(info, i, "dims", 12);
  PoolSizes s;
  s.p = cpu::Pool2dParams{d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7], d[8], d[9], d[10], d[11]};
  const cpu::Pool2dParams& p = s.p;
  s.in_elements = elements({{"batch", p.batch}, {"inH", p.in_h}, {"inW", p.in_w}, {"channels", p.channels}});
  s.out_elements = elements({{"batch", p.batch}, {"outH", p.out_h}, {"outW", p.out_w}, {"channels", p.channels}});
  cpu::pool2d_check(p);
  // argmax holds positions inside one image as int32.
  TN_CHECK(s.in_elements / p.batch <= INT32_MAX, "pool2d: an image of ", s.in_elements / p.batch, " elements is too large");
  return s;
}

// The sizes batch-norm ops take at arguments i..i+2 (outer, channels, inner, all >= 1).
BatchNormSizes batchnorm_sizes(const Napi::CallbackInfo& info, size_t i) {
  BatchNormSizes s;
  s.outer = size_arg(info, i, "outer", 1);
  s.channels = size_arg(info, i + 1, "channels", 1);
  s.inner = size_arg(info, i + 2, "inner", 1);
  s.elements = elements({{"outer", s.outer}, {"channels", s.channels}, {"inner", s.inner}});
  return s;
}

namespace {

// conv2dForward(y, z|null, x, kernel, bias|null, dims, activation, alpha)
//   z = conv(x, kernel) + bias (B, OH, OW, Cout) — kept for backward when the activation needs it
//   y = act(z)                 (B, OH, OW, Cout); with z null, y holds z and act runs in place.
Napi::Value Conv2dForward(const Napi::CallbackInfo& info) {
  const ConvSizes s = conv_sizes(info, 5);
  const cpu::Conv2dParams& p = s.p;
  const int64_t n_out = s.out_elements;
  float* y = f32_arg(info, 0, "y", n_out);
  float* z = f32_arg(info, 1, "z", n_out, true);
  const float* x = f32_arg(info, 2, "x", s.in_elements);
  const float* kernel = f32_arg(info, 3, "kernel", s.kernel_elements);
  const float* bias = f32_arg(info, 4, "bias", p.out_c, true);
  const Activation act = activation_arg(info, 6);
  const float alpha = float(number_arg(info, 7, "alpha"));
  cpu::conv2d_bias_act_forward(p, y, z, x, kernel, bias, int(act), alpha);
  return info.Env().Undefined();
}

// conv2dBackward(dx|null, dkernel, dbias|null, dzScratch|null, dy, x, kernel, z|null, y, dims,
//                activation, alpha, dyIsPreActivation)
//   dz = dy * act'(z) (or dy itself when linear / dyIsPreActivation)
//   dkernel (KH, KW, Cin, Cout), dbias (Cout), dx (B, H, W, Cin): WRITTEN; dx skipped when null.
Napi::Value Conv2dBackward(const Napi::CallbackInfo& info) {
  const ConvSizes s = conv_sizes(info, 9);
  const cpu::Conv2dParams& p = s.p;
  const int64_t n_out = s.out_elements;
  float* dx = f32_arg(info, 0, "dx", s.in_elements, true);
  float* dkernel = f32_arg(info, 1, "dkernel", s.kernel_elements);
  float* dbias = f32_arg(info, 2, "dbias", p.out_c, true);
  float* dz_scratch = f32_arg(info, 3, "dzScratch", n_out, true);
  const float* dy = f32_arg(info, 4, "dy", n_out);
  const float* x = f32_arg(info, 5, "x", s.in_elements);
  const float* kernel = f32_arg(info, 6, "kernel", s.kernel_elements);
  const float* z = f32_arg(info, 7, "z", n_out, true);
  const float* y = f32_arg(info, 8, "y", n_out);
  const Activation act = activation_arg(info, 10);
  const float alpha = float(number_arg(info, 11, "alpha"));
  const bool dy_is_pre = bool_arg(info, 12, "dyIsPreActivation");
  cpu::conv2d_bias_act_backward(p, dx, dkernel, dbias, dz_scratch, dy, x, kernel, z, y, int(act), alpha, dy_is_pre);
  return info.Env().Undefined();
}

// conv2dForwardReference(y, x, kernel, dims): the direct loop (tests, benchmarks).
Napi::Value Conv2dForwardReference(const Napi::CallbackInfo& info) {
  const ConvSizes s = conv_sizes(info, 3);
  cpu::conv2d_forward_reference(s.p, f32_arg(info, 0, "y", s.out_elements), f32_arg(info, 1, "x", s.in_elements),
                                f32_arg(info, 2, "kernel", s.kernel_elements));
  return info.Env().Undefined();
}

// maxPool2dForward(y, argmax: Int32Array, x, dims)
Napi::Value MaxPool2dForward(const Napi::CallbackInfo& info) {
  const PoolSizes s = pool_sizes(info, 3);
  cpu::maxpool2d_forward(s.p, f32_arg(info, 0, "y", s.out_elements), i32_arg(info, 1, "argmax", s.out_elements),
                         f32_arg(info, 2, "x", s.in_elements));
  return info.Env().Undefined();
}

// maxPool2dBackward(dx, dy, argmax, dims)
Napi::Value MaxPool2dBackward(const Napi::CallbackInfo& info) {
  const PoolSizes s = pool_sizes(info, 3);
  cpu::maxpool2d_backward(s.p, f32_arg(info, 0, "dx", s.in_elements), f32_arg(info, 1, "dy", s.out_elements),
                          i32_arg(info, 2, "argmax", s.out_elements));
  return info.Env().Undefined();
}

// avgPool2dForward(y, x, dims)
Napi::Value AvgPool2dForward(const Napi::CallbackInfo& info) {
  const PoolSizes s = pool_sizes(info, 2);
  cpu::avgpool2d_forward(s.p, f32_arg(info, 0, "y", s.out_elements), f32_arg(info, 1, "x", s.in_elements));
  return info.Env().Undefined();
}

// avgPool2dBackward(dx, dy, dims)
Napi::Value AvgPool2dBackward(const Napi::CallbackInfo& info) {
  const PoolSizes s = pool_sizes(info, 2);
  cpu::avgpool2d_backward(s.p, f32_arg(info, 0, "dx", s.in_elements), f32_arg(info, 1, "dy", s.out_elements));
  return info.Env().Undefined();
}

// batchNormForward(y, mean, invstd, movingMean, movingVar, x, gamma|null, beta|null,
//                  outer, channels, inner, momentum, epsilon, training)
Napi::Value BatchNormForward(const Napi::CallbackInfo& info) {
  const BatchNormSizes s = batchnorm_sizes(info, 8);
  const int64_t outer = s.outer, C = s.channels, inner = s.inner, n = s.elements;
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
  const BatchNormSizes s = batchnorm_sizes(info, 8);
  const int64_t outer = s.outer, C = s.channels, inner = s.inner, n = s.elements;
  cpu::batchnorm_backward(f32_arg(info, 0, "dx", n, true), f32_arg(info, 1, "dgamma", C, true),
                          f32_arg(info, 2, "dbeta", C, true), f32_arg(info, 3, "dy", n), f32_arg(info, 4, "x", n),
                          f32_arg(info, 5, "mean", C), f32_arg(info, 6, "invstd", C), f32_arg(info, 7, "gamma", C, true),
                          outer, C, inner, bool_arg(info, 11, "training"));
  return info.Env().Undefined();
}

// The image sizes at arguments i..i+3 (batch, height, width, channels, all >= 1).
struct Image {
  int64_t batch, h, w, c;
};
Image image_args(const Napi::CallbackInfo& info, size_t i) {
  return Image{size_arg(info, i, "batch", 1), size_arg(info, i + 1, "height", 1), size_arg(info, i + 2, "width", 1),
               size_arg(info, i + 3, "channels", 1)};
}
int64_t image_elements(const Image& im) {
  return elements({{"batch", im.batch}, {"height", im.h}, {"width", im.w}, {"channels", im.c}});
}

// zeroPad2d*(out, in, batch, height, width, channels, top, bottom, left, right): the padded
// image (B, H+t+b, W+l+r, C) and the image (B, H, W, C), both checked.
struct Padding {
  Image im;
  int64_t t, b, l, r, image, padded;
};
Padding padding_args(const Napi::CallbackInfo& info) {
  Padding p;
  p.im = image_args(info, 2);
  p.t = size_arg(info, 6, "top");
  p.b = size_arg(info, 7, "bottom");
  p.l = size_arg(info, 8, "left");
  p.r = size_arg(info, 9, "right");
  p.image = image_elements(p.im);
  // Each term is at most 2^40, so the sums cannot overflow; elements() bounds the result.
  p.padded = elements({{"batch", p.im.batch}, {"height + top + bottom", p.im.h + p.t + p.b},
                       {"width + left + right", p.im.w + p.l + p.r}, {"channels", p.im.c}});
  return p;
}

// zeroPad2dForward(y, x, batch, height, width, channels, top, bottom, left, right)
Napi::Value ZeroPad2dForward(const Napi::CallbackInfo& info) {
  const Padding p = padding_args(info);
  cpu::zero_pad2d_forward(f32_arg(info, 0, "y", p.padded), f32_arg(info, 1, "x", p.image), p.im.batch, p.im.h, p.im.w, p.im.c,
                          p.t, p.b, p.l, p.r);
  return info.Env().Undefined();
}

// zeroPad2dBackward(dx, dy, batch, height, width, channels, top, bottom, left, right)
Napi::Value ZeroPad2dBackward(const Napi::CallbackInfo& info) {
  const Padding p = padding_args(info);
  cpu::zero_pad2d_backward(f32_arg(info, 0, "dx", p.image), f32_arg(info, 1, "dy", p.padded), p.im.batch, p.im.h, p.im.w,
                           p.im.c, p.t, p.b, p.l, p.r);
  return info.Env().Undefined();
}

// upSampling2d*(out, in, batch, height, width, channels, sizeH, sizeW): the image (B, H, W, C)
// and the upsampled one (B, H*sizeH, W*sizeW, C), both checked.
struct Upsampling {
  Image im;
  int64_t sh, sw, image, upsampled;
};
Upsampling upsampling_args(const Napi::CallbackInfo& info) {
  Upsampling u;
  u.im = image_args(info, 2);
  u.sh = size_arg(info, 6, "sizeH", 1);
  u.sw = size_arg(info, 7, "sizeW", 1);
  u.image = image_elements(u.im);
  u.upsampled = elements({{"batch", u.im.batch}, {"height", u.im.h}, {"sizeH", u.sh}, {"width", u.im.w}, {"sizeW", u.sw},
                          {"channels", u.im.c}});
  return u;
}

// upSampling2dForward(y, x, batch, height, width, channels, sizeH, sizeW)
Napi::Value UpSampling2dForward(const Napi::CallbackInfo& info) {
  const Upsampling u = upsampling_args(info);
  cpu::upsample2d_forward(f32_arg(info, 0, "y", u.upsampled), f32_arg(info, 1, "x", u.image), u.im.batch, u.im.h, u.im.w,
                          u.im.c, u.sh, u.sw);
  return info.Env().Undefined();
}

// upSampling2dBackward(dx, dy, batch, height, width, channels, sizeH, sizeW)
Napi::Value UpSampling2dBackward(const Napi::CallbackInfo& info) {
  const Upsampling u = upsampling_args(info);
  cpu::upsample2d_backward(f32_arg(info, 0, "dx", u.image), f32_arg(info, 1, "dy", u.upsampled), u.im.batch, u.im.h, u.im.w,
                           u.im.c, u.sh, u.sw);
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
