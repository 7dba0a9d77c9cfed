// 2-D max and average pooling on the CPU, NHWC, forward and backward side by side. Global
// pooling is the same op with the window covering the whole image (see lib/layers/pooling.ts).
//
//   x (B, H, W, C) -> y (B, OH, OW, C), window (PH, PW), strides (SH, SW), padding top/left
//   (Keras 'same': the extra pad goes to bottom/right).
//
// Padding never takes part: max pooling takes the max over the taps inside the image (as if
// padded with -inf), average pooling divides by the number of taps inside the image (as
// TensorFlow does). Max pooling keeps, per output, the index of its argmax inside its image
// ((ih*W + iw)*C + c, int32) so backward is a scatter.
//
// Gradient buffers: dx is WRITTEN (zeroed, then the scatter-add of every window).
#pragma once
#include <cstdint>

namespace tn {
namespace cpu {

struct Pool2dParams {
  int64_t batch, in_h, in_w, channels;
  int64_t out_h, out_w;
  int64_t pool_h, pool_w;
  int64_t stride_h, stride_w;
  int64_t pad_top, pad_left;
};

void pool2d_check(const Pool2dParams& p);

// y (B, OH, OW, C), argmax (B, OH, OW, C) int32 — both WRITTEN.
void maxpool2d_forward(const Pool2dParams& p, float* y, int32_t* argmax, const float* x);
// dx (B, H, W, C) WRITTEN from dy (B, OH, OW, C) and the forward's argmax.
void maxpool2d_backward(const Pool2dParams& p, float* dx, const float* dy, const int32_t* argmax);

// y (B, OH, OW, C) WRITTEN.
void avgpool2d_forward(const Pool2dParams& p, float* y, const float* x);
// dx (B, H, W, C) WRITTEN.
void avgpool2d_backward(const Pool2dParams& p, float* dx, const float* dy);

}  // namespace cpu
}  // namespace tn
