// Batch normalization on cuDNN (issue 6), training / inference forward and backward side by side, with the
// semantics and signatures of native/cpu/batchnorm.h (Keras 3).
//
// Layout: the CPU's (outer, C, inner) view IS a packed NCHW tensor with N = outer, H = inner, W = 1, so
// one cuDNN NCHW descriptor covers every axis (NHWC with axis -1 is inner = 1). CUDNN_BATCHNORM_SPATIAL
// reduces over N, H, W = outer and inner, as the CPU does. (SPATIAL_PERSISTENT is faster for NHWC but
// may overflow / is less exact, so it is not used.)
//
// Note [Biased moving variance]: Keras 3 updates moving_var with the BIASED batch variance;
// cuDNN's running variance uses the UNBIASED one (n/(n-1)). So cuDNN's own running-average update is
// not used on the caller's buffers: cuDNN runs with exponentialAverageFactor = 1 into two scratch
// vectors (giving the batch mean and the unbiased batch variance exactly), and update_moving() applies
//   moving_mean = moving_mean*momentum + mean*(1-momentum)
//   moving_var  = moving_var*momentum + var_unbiased*(n-1)/n*(1-momentum)      (n = outer*inner; 0 when n=1)
// which is the CPU's formula up to one rounding of the (n-1)/n rescale.
// The saved mean / invstd are cuDNN's saveMean / saveInvVariance = 1/sqrt(biased var + eps), as the CPU.
//
// Inference forward: cudnnBatchNormalizationForwardInference with the moving statistics; mean_out and
// invstd_out are written from them (as the CPU does) by a small kernel. Inference backward is not
// cuDNN's (its backward always differentiates through batch statistics): bn_backward_frozen computes
// dx = gamma*invstd*dy, dgamma = sum dy*(x-mean)*invstd, dbeta = sum dy, one block per channel.
// gamma/beta NULL (scale/center false) use scratch ones/zeros; NULL dgamma/dbeta use scratch outputs.
#include <cuda_runtime.h>

#include "cuda/cudnn_desc.h"
#include "cuda/ops.h"

namespace tn {
namespace cuda {
namespace {

__global__ void fill_value(float* p, float v, int64_t n) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) p[i] = v;
}

__global__ void update_moving(float* moving_mean, float* moving_var, const float* batch_mean, const float* var_unbiased,
                              int64_t C, float momentum, int64_t count) {
  const float scale = count > 1 ? float(double(count - 1) / double(count)) : 0.f;
  for (int64_t c = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; c < C; c += int64_t(gridDim.x) * blockDim.x) {
    moving_mean[c] = moving_mean[c] * momentum + batch_mean[c] * (1.f - momentum);
    moving_var[c] = moving_var[c] * momentum + var_unbiased[c] * scale * (1.f - momentum);
  }
}

__global__ void stats_from_moving(float* mean_out, float* invstd_out, const float* moving_mean, const float* moving_var,
                                  int64_t C, float epsilon) {
  for (int64_t c = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; c < C; c += int64_t(gridDim.x) * blockDim.x) {
    if (mean_out) mean_out[c] = moving_mean[c];
    if (invstd_out) invstd_out[c] = 1.f / sqrtf(moving_var[c] + epsilon);
  }
}

// One block per channel: the frozen-statistics backward. x, dy (outer, C, inner).
constexpr int kBnThreads = 256;
__global__ void bn_backward_frozen(float* dx, float* dgamma, float* dbeta, const float* dy, const float* x,
                                   const float* mean, const float* invstd, const float* gamma, int64_t outer, int64_t C,
                                   int64_t inner) {
  const int64_t c = blockIdx.x;
  const float m = mean[c], is = invstd[c], g = gamma ? gamma[c] : 1.f;
  const int64_t n = outer * inner;
  float sg = 0.f, sb = 0.f;
  for (int64_t i = threadIdx.x; i < n; i += blockDim.x) {
    const int64_t o = i / inner, in = i % inner;
    const int64_t idx = (o * C + c) * inner + in;
    const float d = dy[idx];
    sb += d;
    sg += d * (x[idx] - m) * is;
    if (dx) dx[idx] = g * is * d;
  }
  __shared__ float s_g[kBnThreads], s_b[kBnThreads];
  s_g[threadIdx.x] = sg;
  s_b[threadIdx.x] = sb;
  __syncthreads();
  for (int s = blockDim.x / 2; s > 0; s >>= 1) {
    if (threadIdx.x < s) {
      s_g[threadIdx.x] += s_g[threadIdx.x + s];
      s_b[threadIdx.x] += s_b[threadIdx.x + s];
    }
    __syncthreads();
  }
  if (threadIdx.x == 0) {
    if (dgamma) dgamma[c] = s_g[0];
    if (dbeta) dbeta[c] = s_b[0];
  }
}

struct BnSetup {
  TensorDesc xd, pd;
  BnSetup(int64_t outer, int64_t C, int64_t inner) {
    xd.nchw(outer, C, inner, 1);
    CUDNN_CHECK(cudnnDeriveBNTensorDescriptor(pd, xd, CUDNN_BATCHNORM_SPATIAL));
  }
};

// gamma/beta or scratch ones/zeros.
const float* param_or_fill(const float* p, DeviceBuffer& scratch, int64_t C, float value, cudaStream_t st) {
  if (p) return p;
  scratch = DeviceBuffer(sizeof(float) * C);
  fill_value<<<grid_for(C), kThreads, 0, st>>>(static_cast<float*>(scratch.get()), value, C);
  CUDA_CHECK_LAUNCH();
  return static_cast<const float*>(scratch.get());
}

void check_bn(int64_t outer, int64_t C, int64_t inner, double eps) {
  tn_cuda_batchnorm_params bp{outer, C, inner, eps};
  require_supported(TN_CUDA_OP_BATCHNORM, &bp);
}

}  // namespace

void batchnorm_forward(float* y, float* mean_out, float* invstd_out, float* moving_mean, float* moving_var,
                       const float* x, const float* gamma, const float* beta, int64_t outer, int64_t C, int64_t inner,
                       float momentum, float epsilon, bool training) {
  check_bn(outer, C, inner, epsilon);
  TN_CUDA_ARG(y && x && moving_mean && moving_var, "batchnorm_forward: null buffer");
  Device& dev = Device::get();
  cudaStream_t st = dev.stream();
  BnSetup s(outer, C, inner);
  DeviceBuffer ones, zeros;
  const float* g = param_or_fill(gamma, ones, C, 1.f, st);
  const float* b = param_or_fill(beta, zeros, C, 0.f, st);
  const float one = 1.f, zero = 0.f;
  if (!training) {
    CUDNN_CHECK(cudnnBatchNormalizationForwardInference(dev.cudnn(), CUDNN_BATCHNORM_SPATIAL, &one, &zero, s.xd, x, s.xd,
                                                        y, s.pd, g, b, moving_mean, moving_var, double(epsilon)));
    if (mean_out || invstd_out) {
      stats_from_moving<<<grid_for(C), kThreads, 0, st>>>(mean_out, invstd_out, moving_mean, moving_var, C, epsilon);
      CUDA_CHECK_LAUNCH();
    }
    return;
  }
  TN_CUDA_ARG(mean_out && invstd_out, "batchnorm_forward: training needs mean_out and invstd_out");
  // See Note [Biased moving variance].
  DeviceBuffer stats(sizeof(float) * 2 * C);
  float* batch_mean = static_cast<float*>(stats.get());
  float* var_unbiased = batch_mean + C;
  // cuDNN computes running*(1-factor) + batch*factor: with factor 1 an uninitialised NaN would survive 0*NaN.
  CUDA_CHECK(cudaMemsetAsync(stats.get(), 0, sizeof(float) * 2 * C, st));
  CUDNN_CHECK(cudnnBatchNormalizationForwardTraining(dev.cudnn(), CUDNN_BATCHNORM_SPATIAL, &one, &zero, s.xd, x, s.xd, y,
                                                     s.pd, g, b, 1.0, batch_mean, var_unbiased, double(epsilon),
                                                     mean_out, invstd_out));
  update_moving<<<grid_for(C), kThreads, 0, st>>>(moving_mean, moving_var, batch_mean, var_unbiased, C, momentum,
                                                  outer * inner);
  CUDA_CHECK_LAUNCH();
}

void batchnorm_backward(float* dx, float* dgamma, float* dbeta, const float* dy, const float* x, const float* mean,
                        const float* invstd, const float* gamma, int64_t outer, int64_t C, int64_t inner,
                        bool training) {
  check_bn(outer, C, inner, CUDNN_BN_MIN_EPSILON);
  TN_CUDA_ARG(dy && x && mean && invstd, "batchnorm_backward: null buffer");
  Device& dev = Device::get();
  cudaStream_t st = dev.stream();
  if (!training) {
    bn_backward_frozen<<<unsigned(C), kBnThreads, 0, st>>>(dx, dgamma, dbeta, dy, x, mean, invstd, gamma, outer, C, inner);
    CUDA_CHECK_LAUNCH();
    return;
  }
  BnSetup s(outer, C, inner);
  DeviceBuffer ones, scratch_dx, scratch_params;
  const float* g = param_or_fill(gamma, ones, C, 1.f, st);
  float* dxo = dx;
  if (!dxo) {
    scratch_dx = DeviceBuffer(sizeof(float) * outer * C * inner);
    dxo = static_cast<float*>(scratch_dx.get());
  }
  float* dg = dgamma;
  float* db = dbeta;
  if (!dg || !db) {
    scratch_params = DeviceBuffer(sizeof(float) * 2 * C);
    if (!dg) dg = static_cast<float*>(scratch_params.get());
    if (!db) db = static_cast<float*>(scratch_params.get()) + C;
  }
  const float one = 1.f, zero = 0.f;
  // epsilon is only used when the saved statistics are NULL; ours never are. Saved invstd came from the
  // forward's own epsilon.
  CUDNN_CHECK(cudnnBatchNormalizationBackward(dev.cudnn(), CUDNN_BATCHNORM_SPATIAL, &one, &zero, &one, &zero, s.xd, x,
                                              s.xd, dy, s.xd, dxo, s.pd, g, dg, db, 1e-5, mean, invstd));
}

}  // namespace cuda
}  // namespace tn
