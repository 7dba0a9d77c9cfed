// Batch normalization on the CPU, forward and backward fused per channel.
//
// The input is viewed as (outer, C, inner): the normalized axis in the middle. For NHWC with
// axis -1 that is (B*H*W, C, 1). Statistics are taken over outer and inner.
//
//   training:  mean, var = batch mean and BIASED variance (Keras 3's ops.moments);
//              moving_mean = moving_mean*momentum + mean*(1-momentum) (same for the variance)
//   inference: mean, var = moving_mean, moving_variance
//   y = gamma * (x - mean) / sqrt(var + epsilon) + beta
//
// Forward saves mean (C) and invstd (C) = 1/sqrt(var + eps) for backward. gamma/beta may be
// null (scale/center false: 1 and 0). Backward WRITES dx, dgamma and dbeta (each may be null
// to skip it). In training mode dx includes the paths through the batch statistics; after an
// inference-mode forward the statistics are constants and dx = gamma * invstd * dy.
// Reductions run over a fixed number of chunks, so results do not depend on the thread count.
#pragma once
#include <cstdint>

namespace tn {
namespace cpu {

// y, x: (outer, C, inner); mean_out, invstd_out: (C) WRITTEN; moving_*: (C), updated in
// place when training, read otherwise.
void batchnorm_forward(float* y, float* mean_out, float* invstd_out, float* moving_mean, float* moving_var,
                       const float* x, const float* gamma, const float* beta, int64_t outer, int64_t C, int64_t inner,
                       float momentum, float epsilon, bool training);

// dx (outer, C, inner), dgamma (C), dbeta (C): WRITTEN (null skips). mean, invstd: from forward.
void batchnorm_backward(float* dx, float* dgamma, float* dbeta, const float* dy, const float* x, const float* mean,
                        const float* invstd, const float* gamma, int64_t outer, int64_t C, int64_t inner, bool training);

}  // namespace cpu
}  // namespace tn
