// Optimizer updates on the GPU: ONE kernel launch updates every parameter of a model.
// Reference and semantics: native/cpu/optim.{h,cpp} (Keras 3 formulas, same codes and slot meanings).
//
// Note [Multi-tensor launch]: the host packs every parameter's (param, grad, slot_a, slot_b, size) into a
// table and the prefix sum of its chunk counts (kChunk elements per chunk); block b binary-searches the
// prefix for its parameter and updates that chunk. The table lives on the device and is re-uploaded only
// when it differs from the last call's, so a steady-state step (same buffers every step, DESIGN "Memory")
// costs one launch and no copy. Hyperparameters travel as kernel arguments, derived on the host in double
// exactly as the CPU derives them (Adam's bias-corrected step size included).
//
// Updated in place: params, slot_a, slot_b. Read: grads.
#include <cuda_runtime.h>

#include <cmath>
#include <cstring>
#include <mutex>
#include <vector>

#include "cuda/check.h"
#include "cuda/device.h"
#include "cuda/ops.h"

namespace tn {
namespace cuda {
namespace {

constexpr int64_t kChunk = 4096;  // elements per block: 16 per thread
constexpr int kOptimThreads = 256;

struct Hyper {
  float lr, mu;              // SGD, RMSprop
  float alpha, b1, b2, eps;  // Adam(W): alpha = bias-corrected step size
  float decay;               // AdamW: lr * weight_decay
  float rho;                 // RMSprop
  bool nesterov, momentum;   // SGD / RMSprop: momentum > 0
};

template <int Kind>
__global__ void optimizer_kernel(const tn_cuda_param_slice* __restrict__ slices, const int64_t* __restrict__ chunk_start,
                                 int count, Hyper h) {
  // The parameter whose chunks contain this block: the last p with chunk_start[p] <= blockIdx.x.
  const int64_t chunk = blockIdx.x;
  int lo = 0, hi = count - 1;
  while (lo < hi) {
    const int mid = (lo + hi + 1) / 2;
    if (chunk_start[mid] <= chunk) lo = mid;
    else hi = mid - 1;
  }
  const tn_cuda_param_slice s = slices[lo];
  const int64_t begin = (chunk - chunk_start[lo]) * kChunk;
  const int64_t end = begin + kChunk < s.size ? begin + kChunk : s.size;
  for (int64_t i = begin + threadIdx.x; i < end; i += blockDim.x) {
    const float g = s.grad[i];
    if (Kind == int(Optimizer::Sgd)) {
      // v = momentum * v - lr * g; p += v (nesterov: p += momentum * v - lr * g).
      if (!h.momentum) {
        s.param[i] -= h.lr * g;
      } else {
        const float v = h.mu * s.slot_a[i] - h.lr * g;
        s.slot_a[i] = v;
        s.param[i] += h.nesterov ? h.mu * v - h.lr * g : v;
      }
    } else if (Kind == int(Optimizer::Adam) || Kind == int(Optimizer::AdamW)) {
      const float m = h.b1 * s.slot_a[i] + (1.f - h.b1) * g;
      const float v = h.b2 * s.slot_b[i] + (1.f - h.b2) * g * g;
      s.slot_a[i] = m;
      s.slot_b[i] = v;
      float p = s.param[i];
      p -= h.decay * p;  // decay is 0 for Adam
      s.param[i] = p - h.alpha * m / (sqrtf(v) + h.eps);
    } else {  // RMSprop (centered = false)
      const float ms = h.rho * s.slot_a[i] + (1.f - h.rho) * g * g;
      s.slot_a[i] = ms;
      const float step = h.lr * g / sqrtf(ms + h.eps);
      if (h.momentum) {
        const float buf = h.mu * s.slot_b[i] + step;
        s.slot_b[i] = buf;
        s.param[i] -= buf;
      } else {
        s.param[i] -= step;
      }
    }
  }
}

// The device copy of the last table (See Note [Multi-tensor launch]).
struct TableCache {
  std::mutex mutex;
  std::vector<char> host;  // slices then chunk_start, as uploaded
  DeviceBuffer device;
};
TableCache& table_cache() {
  static TableCache* cache = new TableCache();  // never destroyed: device memory outlives static teardown
  return *cache;
}

}  // namespace

void optimizer_update(Optimizer kind, const cpu::OptimizerParams& hp, const tn_cuda_param_slice* params, int64_t count) {
  TN_CUDA_ARG(int(kind) >= 0 && int(kind) < int(Optimizer::Count), "unknown optimizer code ", int(kind));
  TN_CUDA_ARG(hp.step >= 1, "optimizer step must be >= 1, got ", hp.step);
  TN_CUDA_ARG(count >= 0 && count < (int64_t(1) << 31), "optimizer: bad parameter count ", count);
  TN_CUDA_ARG(count == 0 || params != nullptr, "optimizer: no parameter table");
  const bool needs_a = kind != Optimizer::Sgd || hp.momentum > 0.0;
  const bool needs_b = kind == Optimizer::Adam || kind == Optimizer::AdamW ||
                       (kind == Optimizer::RmsProp && hp.momentum > 0.0);
  // Table: slices (count), then chunk_start (count + 1). Empty parameters keep their place (0 chunks).
  const size_t slices_bytes = size_t(count) * sizeof(tn_cuda_param_slice);
  const size_t starts_offset = (slices_bytes + 15) / 16 * 16;
  std::vector<char> table(starts_offset + size_t(count + 1) * sizeof(int64_t));
  auto* starts = reinterpret_cast<int64_t*>(table.data() + starts_offset);
  int64_t chunks = 0;
  for (int64_t p = 0; p < count; ++p) {
    const tn_cuda_param_slice& s = params[p];
    TN_CUDA_ARG(s.size >= 0, "optimizer: parameter ", p, " has negative size ", s.size);
    TN_CUDA_ARG(s.size == 0 || (s.param && s.grad), "optimizer: parameter ", p, " has no buffer or gradient");
    TN_CUDA_ARG(s.size == 0 || !needs_a || s.slot_a, "optimizer: parameter ", p, " is missing its first slot");
    TN_CUDA_ARG(s.size == 0 || !needs_b || s.slot_b, "optimizer: parameter ", p, " is missing its second slot");
    starts[p] = chunks;
    chunks += (s.size + kChunk - 1) / kChunk;
  }
  starts[count] = chunks;
  if (slices_bytes) std::memcpy(table.data(), params, slices_bytes);
  if (chunks == 0) return;
  TN_CUDA_ARG(chunks < (int64_t(1) << 31), "optimizer: too many elements for one launch");

  Hyper h{};
  h.lr = float(hp.learning_rate);
  h.mu = float(hp.momentum);
  h.momentum = hp.momentum > 0.0;
  h.nesterov = hp.nesterov;
  const double t = double(hp.step);
  h.alpha = float(hp.learning_rate * std::sqrt(1.0 - std::pow(hp.beta2, t)) / (1.0 - std::pow(hp.beta1, t)));
  h.b1 = float(hp.beta1);
  h.b2 = float(hp.beta2);
  h.eps = float(hp.epsilon);
  h.decay = kind == Optimizer::AdamW ? float(hp.learning_rate * hp.weight_decay) : 0.f;
  h.rho = float(hp.rho);
  if (kind == Optimizer::Sgd) h.momentum = hp.momentum != 0.0;  // the CPU tests momentum == 0.0 for SGD

  Device& dev = Device::get();
  TableCache& cache = table_cache();
  std::lock_guard<std::mutex> lock(cache.mutex);
  if (cache.host != table) {
    if (cache.device.bytes() < table.size()) cache.device = DeviceBuffer(table.size());
    dev.copy_to_device(cache.device.get(), table.data(), table.size());  // stream-ordered before the launch
    cache.host = std::move(table);
  }
  const auto* d_slices = static_cast<const tn_cuda_param_slice*>(cache.device.get());
  const auto* d_starts = reinterpret_cast<const int64_t*>(static_cast<const char*>(cache.device.get()) + starts_offset);
  const unsigned grid = unsigned(chunks);
  cudaStream_t s = dev.stream();
  switch (kind) {
    case Optimizer::Sgd:
      optimizer_kernel<int(Optimizer::Sgd)><<<grid, kOptimThreads, 0, s>>>(d_slices, d_starts, int(count), h);
      break;
    case Optimizer::Adam:
      optimizer_kernel<int(Optimizer::Adam)><<<grid, kOptimThreads, 0, s>>>(d_slices, d_starts, int(count), h);
      break;
    case Optimizer::AdamW:
      optimizer_kernel<int(Optimizer::AdamW)><<<grid, kOptimThreads, 0, s>>>(d_slices, d_starts, int(count), h);
      break;
    case Optimizer::RmsProp:
      optimizer_kernel<int(Optimizer::RmsProp)><<<grid, kOptimThreads, 0, s>>>(d_slices, d_starts, int(count), h);
      break;
    default: break;
  }
  CUDA_CHECK_LAUNCH();
}

}  // namespace cuda
}  // namespace tn
