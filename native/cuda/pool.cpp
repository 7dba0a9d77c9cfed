// Max and average pooling on cuDNN (issue 6), NHWC, forward and backward side by side, with the
// semantics of native/cpu/pool.h:
//   * max: padding never wins (cuDNN's max pooling ignores padded taps);
//   * average: divides by the taps inside the image (CUDNN_POOLING_AVERAGE_COUNT_EXCLUDE_PADDING), as the
//     CPU and TensorFlow do.
// cuDNN's max-pool backward takes x and y (it recomputes which tap won) where the CPU takes the forward's
// argmax: the ABI passes x and y. With TIES inside a window cuDNN may route the gradient to a different
// tap than the CPU's first-max argmax; the parity test uses random inputs (ties have probability ~0).
// Padding: cuDNN pads symmetrically, so only layouts where out = floor((in + 2*pad - window)/stride) + 1
// run here; Keras 'same' with an odd total pad falls back to the CPU by supports() (pool.cpp cannot pad
// the input instead, as conv does, because a padded tap would then take part in the window).
// Global pooling is a window covering the whole image (pad 0).
#include "cuda/cudnn_desc.h"
#include "cuda/ops.h"

namespace tn {
namespace cuda {
namespace {

struct PoolSetup {
  TensorDesc xd, yd;
  PoolDesc pd;
  PoolSetup(bool max, const tn_cuda_pool2d_params& p) {
    xd.nhwc(p.batch, p.channels, p.in_h, p.in_w);
    yd.nhwc(p.batch, p.channels, p.out_h, p.out_w);
    CUDNN_CHECK(cudnnSetPooling2dDescriptor(
        pd, max ? CUDNN_POOLING_MAX : CUDNN_POOLING_AVERAGE_COUNT_EXCLUDE_PADDING, CUDNN_PROPAGATE_NAN,
        to_int(p.pool_h, "pool_h"), to_int(p.pool_w, "pool_w"), to_int(p.pad_top, "pad_top"),
        to_int(p.pad_left, "pad_left"), to_int(p.stride_h, "stride_h"), to_int(p.stride_w, "stride_w")));
  }
};

}  // namespace

void pool2d_forward(bool max, const tn_cuda_pool2d_params& p, float* y, const float* x) {
  require_supported(max ? TN_CUDA_OP_MAXPOOL2D : TN_CUDA_OP_AVGPOOL2D, &p);
  TN_CUDA_ARG(y && x, "pool2d_forward: null buffer");
  PoolSetup s(max, p);
  const float one = 1.f, zero = 0.f;
  CUDNN_CHECK(cudnnPoolingForward(Device::get().cudnn(), s.pd, &one, s.xd, x, &zero, s.yd, y));
}

void pool2d_backward(bool max, const tn_cuda_pool2d_params& p, float* dx, const float* dy, const float* x,
                     const float* y) {
  require_supported(max ? TN_CUDA_OP_MAXPOOL2D : TN_CUDA_OP_AVGPOOL2D, &p);
  TN_CUDA_ARG(dx && dy && x && y, "pool2d_backward: null buffer (cuDNN needs the forward's x and y)");
  PoolSetup s(max, p);
  const float one = 1.f, zero = 0.f;
  CUDNN_CHECK(cudnnPoolingBackward(Device::get().cudnn(), s.pd, &one, s.yd, y, s.yd, dy, s.xd, x, &zero, s.xd, dx));
}

}  // namespace cuda
}  // namespace tn
