// Dense forward and backward: sgemm, bias and activation (see dense.h).
#include "cpu/dense.h"

#include "core/errors.h"
#include "cpu/gemm.h"

namespace tn {
namespace cpu {

void dense_forward(float* y, float* z, const float* x, const float* kernel, const float* bias, int64_t rows, int64_t in,
                   int64_t out, Activation act, float alpha) {
  float* pre = z ? z : y;
  sgemm(false, false, rows, out, in, 1.f, x, in, kernel, out, 0.f, pre, out);
  if (bias) bias_add(pre, bias, rows, out);
  if (act != Activation::Linear || pre != y) activation_forward(act, alpha, y, pre, rows, out);
}

void dense_backward(float* dx, float* dkernel, float* dbias, float* dz_scratch, const float* dy, const float* x,
                    const float* kernel, const float* z, const float* y, int64_t rows, int64_t in, int64_t out,
                    Activation act, float alpha, bool dy_is_pre) {
  const float* dz = dy;
  if (!dy_is_pre && act != Activation::Linear) {
    TN_CHECK(dz_scratch != nullptr, "dense backward needs dzScratch for activation ", int(act));
    activation_backward(act, alpha, dz_scratch, dy, z, y, rows, out);
    dz = dz_scratch;
  }
  sgemm(true, false, in, out, rows, 1.f, x, in, dz, out, 0.f, dkernel, out);
  if (dbias) bias_backward(dbias, dz, rows, out);
  if (dx) sgemm(false, true, rows, in, out, 1.f, dz, out, kernel, out, 0.f, dx, in);
}

}  // namespace cpu
}  // namespace tn
