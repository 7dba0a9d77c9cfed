// See device.h.
#include "cuda/device.h"

#include <cublas_api.h>
#include <cudnn.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <memory>

#include "cuda/check.h"

namespace tn {
namespace cuda {
namespace {

std::mutex g_init_mutex;
Device* g_device = nullptr;  // lives until the process exits (destroying CUDA state at exit is unsafe)

std::string mib(size_t bytes) { return concat(bytes, " bytes (", (bytes + (size_t(1) << 19)) >> 20, " MiB)"); }

}  // namespace

Device& Device::init(int ordinal) {
  std::lock_guard<std::mutex> lock(g_init_mutex);
  if (g_device) {
    TN_CUDA_ARG(g_device->ordinal_ == ordinal, "the CUDA plugin is already initialised on device ", g_device->ordinal_,
                "; one process uses one device");
    return *g_device;
  }
  g_device = new Device(ordinal);
  return *g_device;
}

Device& Device::get() {
  if (!g_device) throw Error(TN_CUDA_ERROR_NOT_INITIALIZED, "the CUDA plugin is not initialised (call init first)");
  return *g_device;
}

Device::Device(int ordinal) : ordinal_(ordinal) {
  // The driver first: distinguishes "no driver" from "no device" before anything else fails.
  int driver = 0;
  const cudaError_t drv = cudaDriverGetVersion(&driver);
  if (drv != cudaSuccess || driver == 0)
    throw CudaError(TN_CUDA_ERROR_NO_DRIVER, drv,
                    "no NVIDIA driver found (libcuda.so could not be loaded): install the NVIDIA driver");
  int runtime = 0;
  CUDA_CHECK(cudaRuntimeGetVersion(&runtime));
  if (driver < runtime)
    throw CudaError(TN_CUDA_ERROR_NO_DRIVER, cudaErrorInsufficientDriver,
                    concat("the NVIDIA driver supports CUDA ", cuda_version_string(driver),
                           " but the plugin was built with CUDA ", cuda_version_string(runtime),
                           ": update the driver or rebuild the plugin with an older toolkit"));
  int count = 0;
  const cudaError_t cnt = cudaGetDeviceCount(&count);
  if (cnt == cudaErrorNoDevice || (cnt == cudaSuccess && count == 0))
    throw CudaError(TN_CUDA_ERROR_NO_DEVICE, cudaErrorNoDevice,
                    "the NVIDIA driver is installed but no CUDA GPU is visible (check nvidia-smi and CUDA_VISIBLE_DEVICES)");
  CUDA_CHECK(cnt);
  TN_CUDA_ARG(ordinal >= 0 && ordinal < count, "device ", ordinal, " does not exist (", count, " visible)");
  CUDA_CHECK(cudaSetDevice(ordinal));

  CUDA_CHECK(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking));

  // See Note [Stream-ordered memory].
  cudaMemPool_t pool = nullptr;
  CUDA_CHECK(cudaDeviceGetDefaultMemPool(&pool, ordinal));
  uint64_t threshold = UINT64_MAX;
  CUDA_CHECK(cudaMemPoolSetAttribute(pool, cudaMemPoolAttrReleaseThreshold, &threshold));

  for (int i = 0; i < 2; ++i) {
    CUDA_CHECK(cudaMallocHost(&staging_[i], kStagingBytes));
    CUDA_CHECK(cudaEventCreateWithFlags(&staging_done_[i], cudaEventDisableTiming));
  }

  cublaslt_ = CublasLtHandle::create();
  // cuDNN is loaded with the plugin (linked); creating the handle checks it can start on this GPU
  // (its sub-libraries load lazily, so a partial install fails here, with a CudnnError saying so).
  cudnn_ = CudnnHandle::create(stream_);
  workspace_ = alloc(kWorkspaceBytes);
  CUDA_CHECK(cudaStreamSynchronize(stream_));
}

Device::~Device() {
  // Never runs in practice (see g_device); kept so the ownership is explicit.
  if (workspace_) cudaFreeAsync(workspace_, stream_);
  for (int i = 0; i < 2; ++i) {
    if (staging_done_[i]) cudaEventDestroy(staging_done_[i]);
    if (staging_[i]) cudaFreeHost(staging_[i]);
  }
  if (stream_) cudaStreamDestroy(stream_);
}

void Device::info(tn_cuda_info* out) const {
  std::memset(out, 0, sizeof(*out));
  cudaDeviceProp prop{};
  CUDA_CHECK(cudaGetDeviceProperties(&prop, ordinal_));
  out->device = ordinal_;
  std::snprintf(out->name, sizeof(out->name), "%s", prop.name);
  out->compute_major = prop.major;
  out->compute_minor = prop.minor;
  out->multiprocessors = prop.multiProcessorCount;
  CUDA_CHECK(cudaMemGetInfo(&out->free_memory, &out->total_memory));
  CUDA_CHECK(cudaDriverGetVersion(&out->driver_version));
  CUDA_CHECK(cudaRuntimeGetVersion(&out->runtime_version));
  out->built_cuda_version = CUDART_VERSION;
  out->cudnn_version = cudnnGetVersion();
  out->cudnn_built_version = CUDNN_VERSION;
  out->cublaslt_version = cublasLtGetVersion();
  int major = 0, minor = 0, patch = 0;
  CUBLAS_CHECK(cublasLtGetProperty(MAJOR_VERSION, &major));
  CUBLAS_CHECK(cublasLtGetProperty(MINOR_VERSION, &minor));
  CUBLAS_CHECK(cublasLtGetProperty(PATCH_LEVEL, &patch));
  out->cublas_version = major * 10000 + minor * 100 + patch;
  out->tf32 = tf32_ ? 1 : 0;
}

void* Device::alloc(size_t bytes) {
  if (bytes == 0) return nullptr;
  void* ptr = nullptr;
  const cudaError_t s = cudaMallocAsync(&ptr, bytes, stream_);
  if (s == cudaErrorMemoryAllocation) {
    cudaGetLastError();  // clear the sticky-free error state so later calls work
    size_t free_bytes = 0, total = 0;
    cudaMemGetInfo(&free_bytes, &total);
    throw OutOfMemoryError(concat("out of GPU memory: requested ", mib(bytes), ", ", mib(free_bytes), " free of ",
                                  mib(total), " on device ", ordinal_,
                                  " (memory the pool keeps for reuse counts as used): reduce the batch size or "
                                  "dispose of tensors"));
  }
  CUDA_CHECK(s);
  return ptr;
}

void Device::free(void* ptr) {
  if (ptr) CUDA_CHECK(cudaFreeAsync(ptr, stream_));
}

void Device::copy_to_device(void* dst, const void* src, size_t bytes) {
  std::lock_guard<std::mutex> lock(copy_mutex_);
  auto* d = static_cast<char*>(dst);
  auto* s = static_cast<const char*>(src);
  int slot = 0;
  for (size_t done = 0; done < bytes; done += kStagingBytes, slot ^= 1) {
    const size_t n = std::min(kStagingBytes, bytes - done);
    CUDA_CHECK(cudaEventSynchronize(staging_done_[slot]));  // the slot's previous copy has left it
    std::memcpy(staging_[slot], s + done, n);
    CUDA_CHECK(cudaMemcpyAsync(d + done, staging_[slot], n, cudaMemcpyHostToDevice, stream_));
    CUDA_CHECK(cudaEventRecord(staging_done_[slot], stream_));
  }
}

void Device::copy_to_host(void* dst, const void* src, size_t bytes) {
  std::lock_guard<std::mutex> lock(copy_mutex_);
  auto* d = static_cast<char*>(dst);
  auto* s = static_cast<const char*>(src);
  // Pipelined: chunk i+1 is copied into one slot while chunk i is unpacked from the other.
  const size_t chunks = (bytes + kStagingBytes - 1) / kStagingBytes;
  auto issue = [&](size_t c) {
    const size_t off = c * kStagingBytes, n = std::min(kStagingBytes, bytes - off);
    const int slot = int(c & 1);
    CUDA_CHECK(cudaEventSynchronize(staging_done_[slot]));
    CUDA_CHECK(cudaMemcpyAsync(staging_[slot], s + off, n, cudaMemcpyDeviceToHost, stream_));
    CUDA_CHECK(cudaEventRecord(staging_done_[slot], stream_));
  };
  if (chunks > 0) issue(0);
  for (size_t c = 0; c < chunks; ++c) {
    const size_t off = c * kStagingBytes, n = std::min(kStagingBytes, bytes - off);
    const int slot = int(c & 1);
    CUDA_CHECK(cudaEventSynchronize(staging_done_[slot]));
    if (c + 1 < chunks) issue(c + 1);  // the other slot: free once its previous chunk was unpacked
    std::memcpy(d + off, staging_[slot], n);
  }
}

void Device::synchronize() { CUDA_CHECK(cudaStreamSynchronize(stream_)); }

DeviceBuffer::DeviceBuffer(size_t bytes) : ptr_(Device::get().alloc(bytes)), bytes_(bytes) {}

void DeviceBuffer::reset() noexcept {
  if (ptr_) {
    try {
      Device::get().free(ptr_);
    } catch (...) {
      // A free after a sticky device error cannot be reported from a destructor; the error surfaces at
      // the next checked call.
    }
  }
  ptr_ = nullptr;
  bytes_ = 0;
}

}  // namespace cuda
}  // namespace tn
