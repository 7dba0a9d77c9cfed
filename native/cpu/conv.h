// 2-D convolution on the CPU, NHWC (Keras channelsLast), forward and both backwards side by
// side. Conv1D is the same op with in_h = k_h = 1 (see lib/layers/conv.ts).
//
//   x      (B, H, W, Cin)              input
//   kernel (KH, KW, Cin, Cout)         Keras layout; as a matrix (KH*KW*Cin, Cout)
//   y      (B, OH, OW, Cout)           y[b,oh,ow,co] = sum_{kh,kw,ci} x[b, oh*sh - pt + kh*dh,
//                                                       ow*sw - pl + kw*dw, ci] * kernel[kh,kw,ci,co]
//                                      (taps outside the image read 0)
//
// Note [Conv as im2col + sgemm]: the taps of a chunk of images are gathered into a matrix
// cols (rows = chunk*OH*OW, K = KH*KW*Cin), so forward is one sgemm cols·kernel, backward-
// filter is cols^T·dy (accumulated over chunks) and backward-data is dy·kernel^T followed by
// col2im (scatter-add of the taps back into dx). Images are processed in chunks so that cols
// stays under kConvWorkspaceFloats; the workspace is a buffer per thread that only grows,
// so a steady-state step allocates nothing. A 1x1 kernel with stride 1 and no padding needs
// no im2col at all: x itself, viewed as (B*H*W, Cin), is the cols matrix.
//
// Gradient buffers: dkernel and dx are WRITTEN (not accumulated); dbias is written by
// bias_backward in elementwise.h.
#pragma once
#include <cstdint>

namespace tn {
namespace cpu {

struct Conv2dParams {
  int64_t batch, in_h, in_w, in_c;
  int64_t out_h, out_w, out_c;
  int64_t k_h, k_w;
  int64_t stride_h, stride_w;
  int64_t dil_h, dil_w;
  int64_t pad_top, pad_left;  // Keras 'same': the extra pad goes to bottom/right

  int64_t k() const { return k_h * k_w * in_c; }        // columns of the im2col matrix
  int64_t pixels() const { return out_h * out_w; }      // output positions per image
  bool is_pointwise() const {                           // 1x1, stride 1, no padding
    return k_h == 1 && k_w == 1 && stride_h == 1 && stride_w == 1 && pad_top == 0 && pad_left == 0 &&
           out_h == in_h && out_w == in_w;
  }
};

// Throws tn::ShapeError unless the sizes are positive and out_h/out_w follow from the rest
// (some padding at the bottom/right is allowed: out = floor((in + pt + pb - eff_k) / s) + 1).
void conv2d_check(const Conv2dParams& p);

// y (B, OH, OW, Cout) = conv(x, kernel)  — WRITTEN. No bias, no activation (see the glue).
void conv2d_forward(const Conv2dParams& p, float* y, const float* x, const float* kernel);

// dkernel (KH, KW, Cin, Cout) = d/dkernel — WRITTEN; skipped when dkernel is null (then x is
// not read and may be null: backward-data alone, the transposed convolution).
// dx (B, H, W, Cin) = d/dx — WRITTEN; skipped when dx is null (the model's first layer).
void conv2d_backward(const Conv2dParams& p, float* dx, float* dkernel, const float* dy, const float* x,
                     const float* kernel);

// Note [Fused conv + bias + activation]
// The composition the conv layer (native/addon/glue_conv.cpp) and the engine's Conv2D op
// (native/cpu/ops_conv.cpp) share (conv_fused.cpp):
//   forward:  z = conv(x, kernel) + bias, y = act(z); z is written only when not null (then y
//             holds z before the activation runs in place).
//   backward: dz = dy * act'(z, y) (dy itself when linear or dy_is_pre_activation), into
//             dz_scratch (B*OH*OW*Cout floats; needed unless dz is dy), then dbias = sum of dz
//             over rows and dkernel, dx from conv2d_backward. dx, dkernel, dbias: WRITTEN;
//             dx and dbias skipped when null.
// act is a cpu::Activation code (elementwise.h); bias may be null (no bias).
void conv2d_bias_act_forward(const Conv2dParams& p, float* y, float* z, const float* x, const float* kernel,
                             const float* bias, int act, float alpha);
void conv2d_bias_act_backward(const Conv2dParams& p, float* dx, float* dkernel, float* dbias, float* dz_scratch,
                              const float* dy, const float* x, const float* kernel, const float* z, const float* y,
                              int act, float alpha, bool dy_is_pre_activation);

// The direct seven-loop convolution (float accumulation): reference for tests.
void conv2d_forward_reference(const Conv2dParams& p, float* y, const float* x, const float* kernel);

// im2col of images [b0, b1) into cols ((b1-b0)*OH*OW, K), exposed for tests and benchmarks.
void im2col(const Conv2dParams& p, float* cols, const float* x, int64_t b0, int64_t b1);

}  // namespace cpu
}  // namespace tn
