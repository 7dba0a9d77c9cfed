// Layer normalization over the last axis (Keras LayerNormalization with axis=-1): each row of
// C values is normalized by its own mean and biased variance, then scaled and shifted per
// column. Forward and backward next to each other (llm.c's layernorm_forward/backward).
#pragma once
#include <cstdint>

namespace tn {
namespace cpu {

// y = (x - mean) * rstd * gamma + beta, rstd = 1 / sqrt(var + epsilon). y, x: (R, C); gamma,
// beta: (C); mean, rstd: (R), saved for the backward. All outputs written.
void layernorm_forward(int64_t R, int64_t C, const float* x, const float* gamma, const float* beta, float epsilon,
                       float* y, float* mean, float* rstd);

// dx (R, C), dgamma (C), dbeta (C), all WRITTEN, from dy (R, C) and the saved x, mean, rstd.
// dgamma and dbeta are summed over fixed row chunks in private buffers and then added in chunk
// order, so the result does not depend on the thread count.
void layernorm_backward(int64_t R, int64_t C, const float* dy, const float* x, const float* mean, const float* rstd,
                        const float* gamma, float* dx, float* dgamma, float* dbeta);

}  // namespace cpu
}  // namespace tn
