// Conv + bias + activation, forward and backward: the composition the conv layer's glue and the
// engine's Conv2D op share. See Note [Fused conv + bias + activation] in conv.h.
#include "core/errors.h"
#include "cpu/conv.h"
#include "cpu/elementwise.h"

namespace tn {
namespace cpu {

namespace {
Activation checked_activation(int act) {
  TN_CHECK(act >= 0 && act < int(Activation::Count), "conv2d: unknown activation code ", act);
  return Activation(act);
}
}  // namespace

// y, z: (B, OH, OW, Cout); x (B, H, W, Cin); kernel (KH, KW, Cin, Cout); bias (Cout) or null.
void conv2d_bias_act_forward(const Conv2dParams& p, float* y, float* z, const float* x, const float* kernel,
                             const float* bias, int act_code, float alpha) {
  const Activation act = checked_activation(act_code);
  float* pre = z ? z : y;
  const int64_t rows = p.batch * p.out_h * p.out_w;
  conv2d_forward(p, pre, x, kernel);
  if (bias) bias_add(pre, bias, rows, p.out_c);
  if (act != Activation::Linear || pre != y) activation_forward(act, alpha, y, pre, rows, p.out_c);
}

// dx (B, H, W, Cin) or null, dkernel (KH, KW, Cin, Cout), dbias (Cout) or null: WRITTEN.
// dz_scratch (B, OH, OW, Cout) or null; dy, z (or null), y: (B, OH, OW, Cout).
void conv2d_bias_act_backward(const Conv2dParams& p, float* dx, float* dkernel, float* dbias, float* dz_scratch,
                              const float* dy, const float* x, const float* kernel, const float* z, const float* y,
                              int act_code, float alpha, bool dy_is_pre_activation) {
  const Activation act = checked_activation(act_code);
  const int64_t rows = p.batch * p.out_h * p.out_w;
  const float* dz = dy;
  if (!dy_is_pre_activation && act != Activation::Linear) {
    TN_CHECK(dz_scratch != nullptr, "conv2d backward needs dzScratch for activation ", act_code);
    TN_CHECK(z != nullptr || !activation_backward_uses_input(act), "conv2d backward needs z for activation ", act_code);
    activation_backward(act, alpha, dz_scratch, dy, z, y, rows, p.out_c);
    dz = dz_scratch;
  }
  if (dbias) bias_backward(dbias, dz, rows, p.out_c);
  conv2d_backward(p, dx, dkernel, dz, x, kernel);
}

}  // namespace cpu
}  // namespace tn
