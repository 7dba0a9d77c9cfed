// Spatial resampling on the CPU, NHWC, forward and backward side by side: zero padding
// (Keras ZeroPadding2D) and nearest-neighbour upsampling (UpSampling2D).
//
// Gradient buffers: dx is WRITTEN.
#pragma once
#include <cstdint>

namespace tn {
namespace cpu {

// y (B, H+top+bottom, W+left+right, C) = x (B, H, W, C) surrounded by zeros.
void zero_pad2d_forward(float* y, const float* x, int64_t batch, int64_t h, int64_t w, int64_t c, int64_t top,
                        int64_t bottom, int64_t left, int64_t right);
// dx (B, H, W, C) = the interior of dy.
void zero_pad2d_backward(float* dx, const float* dy, int64_t batch, int64_t h, int64_t w, int64_t c, int64_t top,
                         int64_t bottom, int64_t left, int64_t right);

// y (B, H*sh, W*sw, C): y[b, i, j, :] = x[b, i/sh, j/sw, :].
void upsample2d_forward(float* y, const float* x, int64_t batch, int64_t h, int64_t w, int64_t c, int64_t sh, int64_t sw);
// dx (B, H, W, C) = sum of dy over each sh x sw block.
void upsample2d_backward(float* dx, const float* dy, int64_t batch, int64_t h, int64_t w, int64_t c, int64_t sh,
                         int64_t sw);

}  // namespace cpu
}  // namespace tn
