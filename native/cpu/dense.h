// Dense (fully connected) layers on the CPU: y = act(x · kernel + bias), forward and backward
// side by side. Used by the old layer glue (native/addon/glue_core.cpp) and by the engine's
// fused "dense" op (native/cpu/ops_nn.cpp), so the composition lives in one place.
#pragma once
#include <cstdint>

#include "cpu/elementwise.h"

namespace tn {
namespace cpu {

// z = x·kernel + bias        (rows, out)   kept for backward when z is non-null
// y = act(z)                 (rows, out)   with z null, y holds z and act is applied in place
// x (rows, in), kernel (in, out), bias (out) or null.
void dense_forward(float* y, float* z, const float* x, const float* kernel, const float* bias, int64_t rows, int64_t in,
                   int64_t out, Activation act, float alpha);

// dz = dy * act'(z)          (rows, out)   in dz_scratch; dy itself when dy_is_pre or linear
// dkernel = x^T · dz         (in, out)     WRITTEN
// dbias = sum_rows dz        (out)         WRITTEN, skipped when null
// dx = dz · kernel^T         (rows, in)    WRITTEN, skipped when null
// z may be null when the activation does not read it (activation_backward_uses_input).
void dense_backward(float* dx, float* dkernel, float* dbias, float* dz_scratch, const float* dy, const float* x,
                    const float* kernel, const float* z, const float* y, int64_t rows, int64_t in, int64_t out,
                    Activation act, float alpha, bool dy_is_pre);

}  // namespace cpu
}  // namespace tn
