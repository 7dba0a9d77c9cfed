// Conv2D on cuDNN (issue 6), NHWC, forward / backward-data / backward-filter side by side, with the
// semantics of native/cpu/conv.h (Conv1D is the same op with H = 1).
//
// Layouts: x (B,H,W,Cin) is a cuDNN NHWC tensor; the Keras kernel (KH,KW,Cin,Cout) is NOT cuDNN's NHWC
// filter layout (Cout,KH,KW,Cin), so the kernel is transposed into a scratch filter before forward /
// backward-data, and backward-filter's (Cout,KH,KW,Cin) result is transposed back into dkernel.
//
// Note [Asymmetric padding]: cuDNN pads symmetrically (pad_top at the top AND the bottom). Keras 'same'
// puts the odd extra row/column at the bottom/right, so pad_bottom = pad_top + eh, eh in {0, 1, ...}
// (implied by out_h). When eh or ew is not 0, x is copied into a zero-filled scratch (B, H+eh, W+ew, Cin)
// and cuDNN runs on that with symmetric padding (pad_top, pad_left): its output size is then exactly
// out_h x out_w and every tap reads what the CPU reads. Backward-data writes the padded gradient into a
// scratch and the kernel crops it into dx; backward-filter reads the padded x. supports() rejects
// pad_bottom < pad_top (never produced by Keras).
//
// Note [Conv algorithm cache]: the algorithm of each direction is chosen ONCE per ConvKey (the plain
// params struct + the TF32 flag) with cuDNN's heuristics (cudnnGet*Algorithm_v7, first result that
// succeeds with the descriptor's math type), and cached with its workspace size. Workspaces come from the
// stream-ordered pool per call (no cudaMalloc in steady state). Math: CUDNN_FMA_MATH while TF32 is off.
#include <cuda_runtime.h>

#include <cstring>
#include <mutex>
#include <unordered_map>

#include "cuda/cudnn_desc.h"
#include "cuda/ops.h"

namespace tn {
namespace cuda {
namespace {

struct ConvKey {
  tn_cuda_conv2d_params p;
  bool tf32;
  bool operator==(const ConvKey& o) const { return tf32 == o.tf32 && std::memcmp(&p, &o.p, sizeof(p)) == 0; }
};
struct ConvKeyHash {
  size_t operator()(const ConvKey& k) const {
    const int64_t* v = reinterpret_cast<const int64_t*>(&k.p);
    size_t h = k.tf32 ? 0x9e3779b97f4a7c15ull : 0;
    for (size_t i = 0; i < sizeof(k.p) / sizeof(int64_t); ++i) h = (h ^ size_t(v[i])) * 0x100000001b3ull + 0x9e37;
    return h;
  }
};
struct ConvAlgos {
  cudnnConvolutionFwdAlgo_t fwd;
  cudnnConvolutionBwdDataAlgo_t bwd_data;
  cudnnConvolutionBwdFilterAlgo_t bwd_filter;
  size_t fwd_ws, bwd_data_ws, bwd_filter_ws;
};

std::mutex g_cache_mutex;
std::unordered_map<ConvKey, ConvAlgos, ConvKeyHash> g_cache;

// Keras kernel (KH,KW,Cin,Cout) -> cuDNN NHWC filter (Cout,KH,KW,Cin), and back.
__global__ void keras_to_filter(float* f, const float* k, int64_t khwc, int64_t cout) {
  const int64_t n = khwc * cout;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t co = i / khwc, r = i % khwc;  // f[co][r] = k[r][co]
    f[i] = k[r * cout + co];
  }
}
__global__ void filter_to_keras(float* k, const float* f, int64_t khwc, int64_t cout) {
  const int64_t n = khwc * cout;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t r = i / cout, co = i % cout;  // k[r][co] = f[co][r]
    k[i] = f[co * khwc + r];
  }
}
// xp (B, H+eh, W+ew, C) = x zero-extended at the bottom/right.
__global__ void pad_br(float* xp, const float* x, int64_t B, int64_t H, int64_t W, int64_t C, int64_t Hp, int64_t Wp) {
  const int64_t n = B * Hp * Wp * C;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t c = i % C, w = (i / C) % Wp, h = (i / (C * Wp)) % Hp, b = i / (C * Wp * Hp);
    xp[i] = (h < H && w < W) ? x[((b * H + h) * W + w) * C + c] : 0.f;
  }
}
// dx (B, H, W, C) = the top-left H x W of dxp (B, Hp, Wp, C).
__global__ void crop_br(float* dx, const float* dxp, int64_t B, int64_t H, int64_t W, int64_t C, int64_t Hp, int64_t Wp) {
  const int64_t n = B * H * W * C;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t c = i % C, w = (i / C) % W, h = (i / (C * W)) % H, b = i / (C * W * H);
    dx[i] = dxp[((b * Hp + h) * Wp + w) * C + c];
  }
}

// Descriptors of one call (cheap host objects, rebuilt per call: See Note [Plans and descriptors]).
struct ConvSetup {
  int64_t eh, ew, hp, wp;  // extra bottom/right rows and the padded input size
  TensorDesc xd, yd;
  FilterDesc wd;
  ConvDesc cd;
  explicit ConvSetup(const tn_cuda_conv2d_params& p) {
    const int64_t eff_h = (p.k_h - 1) * p.dil_h + 1, eff_w = (p.k_w - 1) * p.dil_w + 1;
    eh = (p.out_h - 1) * p.stride_h + eff_h - p.in_h - 2 * p.pad_top;
    ew = (p.out_w - 1) * p.stride_w + eff_w - p.in_w - 2 * p.pad_left;
    // Valid padding with leftover rows gives eh < 0 with pad_top == 0: cuDNN's floor() drops them too.
    if (eh < 0) eh = 0;
    if (ew < 0) ew = 0;
    hp = p.in_h + eh;
    wp = p.in_w + ew;
    xd.nhwc(p.batch, p.in_c, hp, wp);
    yd.nhwc(p.batch, p.out_c, p.out_h, p.out_w);
    wd.nhwc(p.out_c, p.in_c, p.k_h, p.k_w);
    CUDNN_CHECK(cudnnSetConvolution2dDescriptor(cd, to_int(p.pad_top, "pad_top"), to_int(p.pad_left, "pad_left"),
                                                to_int(p.stride_h, "stride_h"), to_int(p.stride_w, "stride_w"),
                                                to_int(p.dil_h, "dil_h"), to_int(p.dil_w, "dil_w"),
                                                CUDNN_CROSS_CORRELATION, CUDNN_DATA_FLOAT));
    CUDNN_CHECK(cudnnSetConvolutionMathType(cd, fp32_math_type()));
    int n, c, h, w;
    CUDNN_CHECK(cudnnGetConvolution2dForwardOutputDim(cd, xd, wd, &n, &c, &h, &w));
    TN_CUDA_ARG(h == p.out_h && w == p.out_w, "conv2d: cuDNN's output ", h, "x", w, " is not ", p.out_h, "x", p.out_w,
                " (padding the plugin cannot express; supports() should have said so)");
  }
  bool padded() const { return eh != 0 || ew != 0; }
};

constexpr int kMaxAlgos = 16;

// With TF32 off, skip algorithms the heuristics mark as tensor-core ones; the descriptor keeps
// CUDNN_FMA_MATH whatever the pick (as PyTorch forces FMA math for fp32 without TF32).
bool fp32_ok(cudnnMathType_t wanted, cudnnMathType_t algo) {
  return wanted != CUDNN_FMA_MATH || (algo != CUDNN_TENSOR_OP_MATH && algo != CUDNN_TENSOR_OP_MATH_ALLOW_CONVERSION);
}

// Index of the first algorithm cuDNN ranked that succeeded and keeps fp32 exactness, or -1.
template <typename Perf>
int first_fp32_algo(const Perf* perf, int count, cudnnMathType_t math) {
  for (int i = 0; i < count; ++i)
    if (perf[i].status == CUDNN_STATUS_SUCCESS && fp32_ok(math, perf[i].mathType)) return i;
  return -1;
}

ConvAlgos choose(const ConvKey& key, ConvSetup& s) {
  {
    std::lock_guard<std::mutex> lock(g_cache_mutex);
    auto it = g_cache.find(key);
    if (it != g_cache.end()) return it->second;
  }
  cudnnHandle_t h = Device::get().cudnn();
  const cudnnMathType_t math = fp32_math_type();
  ConvAlgos a{};
  int count = 0;
  {
    cudnnConvolutionFwdAlgoPerf_t perf[kMaxAlgos];
    CUDNN_CHECK(cudnnGetConvolutionForwardAlgorithm_v7(h, s.xd, s.wd, s.cd, s.yd, kMaxAlgos, &count, perf));
    const int pick = first_fp32_algo(perf, count, math);
    TN_CUDA_ARG(pick >= 0, "conv2d: cuDNN offers no fp32 forward algorithm for this shape");
    a.fwd = perf[pick].algo;
    CUDNN_CHECK(cudnnGetConvolutionForwardWorkspaceSize(h, s.xd, s.wd, s.cd, s.yd, a.fwd, &a.fwd_ws));
  }
  {
    cudnnConvolutionBwdDataAlgoPerf_t perf[kMaxAlgos];
    CUDNN_CHECK(cudnnGetConvolutionBackwardDataAlgorithm_v7(h, s.wd, s.yd, s.cd, s.xd, kMaxAlgos, &count, perf));
    const int pick = first_fp32_algo(perf, count, math);
    TN_CUDA_ARG(pick >= 0, "conv2d: cuDNN offers no fp32 backward-data algorithm for this shape");
    a.bwd_data = perf[pick].algo;
    CUDNN_CHECK(cudnnGetConvolutionBackwardDataWorkspaceSize(h, s.wd, s.yd, s.cd, s.xd, a.bwd_data, &a.bwd_data_ws));
  }
  {
    cudnnConvolutionBwdFilterAlgoPerf_t perf[kMaxAlgos];
    CUDNN_CHECK(cudnnGetConvolutionBackwardFilterAlgorithm_v7(h, s.xd, s.yd, s.cd, s.wd, kMaxAlgos, &count, perf));
    const int pick = first_fp32_algo(perf, count, math);
    TN_CUDA_ARG(pick >= 0, "conv2d: cuDNN offers no fp32 backward-filter algorithm for this shape");
    a.bwd_filter = perf[pick].algo;
    CUDNN_CHECK(cudnnGetConvolutionBackwardFilterWorkspaceSize(h, s.xd, s.yd, s.cd, s.wd, a.bwd_filter, &a.bwd_filter_ws));
  }
  std::lock_guard<std::mutex> lock(g_cache_mutex);
  g_cache.emplace(key, a);
  return a;
}

}  // namespace

void conv2d_forward(const tn_cuda_conv2d_params& p, float* y, const float* x, const float* kernel) {
  require_supported(TN_CUDA_OP_CONV2D, &p);
  TN_CUDA_ARG(y && x && kernel, "conv2d_forward: null buffer");
  Device& dev = Device::get();
  cudaStream_t st = dev.stream();
  ConvSetup s(p);
  const ConvAlgos a = choose(ConvKey{p, dev.tf32()}, s);
  const int64_t khwc = p.k_h * p.k_w * p.in_c;
  DeviceBuffer filter(sizeof(float) * khwc * p.out_c);
  keras_to_filter<<<grid_for(khwc * p.out_c), kThreads, 0, st>>>(static_cast<float*>(filter.get()), kernel, khwc, p.out_c);
  CUDA_CHECK_LAUNCH();
  DeviceBuffer xp;
  const float* xin = x;
  if (s.padded()) {
    xp = DeviceBuffer(sizeof(float) * p.batch * s.hp * s.wp * p.in_c);
    const int64_t n = p.batch * s.hp * s.wp * p.in_c;
    pad_br<<<grid_for(n), kThreads, 0, st>>>(static_cast<float*>(xp.get()), x, p.batch, p.in_h, p.in_w, p.in_c, s.hp, s.wp);
    CUDA_CHECK_LAUNCH();
    xin = static_cast<const float*>(xp.get());
  }
  DeviceBuffer ws(a.fwd_ws);
  const float one = 1.f, zero = 0.f;
  CUDNN_CHECK(cudnnConvolutionForward(dev.cudnn(), &one, s.xd, xin, s.wd, filter.get(), s.cd, a.fwd, ws.get(), a.fwd_ws,
                                      &zero, s.yd, y));
}

void conv2d_backward(const tn_cuda_conv2d_params& p, float* dx, float* dkernel, const float* dy, const float* x,
                     const float* kernel) {
  require_supported(TN_CUDA_OP_CONV2D, &p);
  TN_CUDA_ARG(dkernel && dy && x && kernel, "conv2d_backward: null buffer");
  Device& dev = Device::get();
  cudaStream_t st = dev.stream();
  cudnnHandle_t h = dev.cudnn();
  ConvSetup s(p);
  const ConvAlgos a = choose(ConvKey{p, dev.tf32()}, s);
  const int64_t khwc = p.k_h * p.k_w * p.in_c, kn = khwc * p.out_c;
  const float one = 1.f, zero = 0.f;

  DeviceBuffer xp;
  const float* xin = x;
  if (s.padded()) {
    const int64_t n = p.batch * s.hp * s.wp * p.in_c;
    xp = DeviceBuffer(sizeof(float) * n);
    pad_br<<<grid_for(n), kThreads, 0, st>>>(static_cast<float*>(xp.get()), x, p.batch, p.in_h, p.in_w, p.in_c, s.hp, s.wp);
    CUDA_CHECK_LAUNCH();
    xin = static_cast<const float*>(xp.get());
  }
  // Backward-filter into a cuDNN-layout scratch, then transpose into the Keras layout (WRITTEN).
  DeviceBuffer dfilter(sizeof(float) * kn);
  {
    DeviceBuffer ws(a.bwd_filter_ws);
    CUDNN_CHECK(cudnnConvolutionBackwardFilter(h, &one, s.xd, xin, s.yd, dy, s.cd, a.bwd_filter, ws.get(),
                                               a.bwd_filter_ws, &zero, s.wd, dfilter.get()));
  }
  filter_to_keras<<<grid_for(kn), kThreads, 0, st>>>(dkernel, static_cast<const float*>(dfilter.get()), khwc, p.out_c);
  CUDA_CHECK_LAUNCH();
  if (!dx) return;
  DeviceBuffer filter(sizeof(float) * kn);
  keras_to_filter<<<grid_for(kn), kThreads, 0, st>>>(static_cast<float*>(filter.get()), kernel, khwc, p.out_c);
  CUDA_CHECK_LAUNCH();
  DeviceBuffer dxp;
  float* dxout = dx;
  if (s.padded()) {
    dxp = DeviceBuffer(sizeof(float) * p.batch * s.hp * s.wp * p.in_c);
    dxout = static_cast<float*>(dxp.get());
  }
  {
    DeviceBuffer ws(a.bwd_data_ws);
    CUDNN_CHECK(cudnnConvolutionBackwardData(h, &one, s.wd, filter.get(), s.yd, dy, s.cd, a.bwd_data, ws.get(),
                                             a.bwd_data_ws, &zero, s.xd, dxout));
  }
  if (s.padded()) {
    const int64_t n = p.batch * p.in_h * p.in_w * p.in_c;
    crop_br<<<grid_for(n), kThreads, 0, st>>>(dx, dxout, p.batch, p.in_h, p.in_w, p.in_c, s.hp, s.wp);
    CUDA_CHECK_LAUNCH();
  }
}

}  // namespace cuda
}  // namespace tn
