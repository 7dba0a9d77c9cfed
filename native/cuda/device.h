// The plugin's device context: one GPU, one stream, the stream-ordered memory pool, pinned staging
// for host<->device copies, and the library handles. Created once by init() (plugin.cpp), used by
// every op through Device::get().
//
// Note [Stream-ordered memory]: allocations come from the device's default cudaMallocAsync pool on
// the plugin's stream, with the release threshold raised so freed memory stays in the pool: a model
// that allocates its buffers once and reuses them (DESIGN "Memory") costs no cudaMalloc per step, and
// a freed buffer is reusable by later work on the same stream without a device synchronisation.
#pragma once
#include <cuda_runtime.h>

#include <cstddef>
#include <cstdint>
#include <mutex>

#include "cuda/handles.h"
#include "cuda/plugin_api.h"

namespace tn {
namespace cuda {

class Device {
 public:
  // Initialises device `ordinal` (idempotent for the same ordinal). Throws CudaError with
  // TN_CUDA_ERROR_NO_DRIVER / NO_DEVICE, or CudnnError when cuDNN cannot start.
  static Device& init(int ordinal);
  // The initialised device; throws Error(NOT_INITIALIZED) before init().
  static Device& get();

  Device(const Device&) = delete;
  Device& operator=(const Device&) = delete;

  int ordinal() const { return ordinal_; }
  cudaStream_t stream() const { return stream_; }
  cublasLtHandle_t cublaslt() const { return cublaslt_; }
  cudnnHandle_t cudnn() const { return cudnn_; }
  // cuBLASLt workspace (kWorkspaceBytes), allocated once.
  void* workspace() const { return workspace_; }
  static constexpr size_t kWorkspaceBytes = size_t(32) << 20;

  bool tf32() const { return tf32_; }
  void set_tf32(bool on) { tf32_ = on; }

  void info(tn_cuda_info* out) const;

  // Stream-ordered allocation; OutOfMemoryError names bytes requested and free. bytes == 0 gives nullptr.
  void* alloc(size_t bytes);
  void free(void* ptr);

  // See tn_cuda_api::copy_to_device / copy_to_host.
  void copy_to_device(void* dst, const void* src, size_t bytes);
  void copy_to_host(void* dst, const void* src, size_t bytes);
  void synchronize();

 private:
  explicit Device(int ordinal);
  ~Device();

  int ordinal_;
  cudaStream_t stream_ = nullptr;
  CublasLtHandle cublaslt_;
  CudnnHandle cudnn_;
  void* workspace_ = nullptr;
  bool tf32_ = false;

  // Two pinned staging slots so that filling one overlaps the copy out of the other; each slot's
  // event marks when its last copy finished.
  static constexpr size_t kStagingBytes = size_t(8) << 20;
  void* staging_[2] = {nullptr, nullptr};
  cudaEvent_t staging_done_[2] = {nullptr, nullptr};
  std::mutex copy_mutex_;  // copies from several JS threads (worker_threads) share the staging slots
};

}  // namespace cuda
}  // namespace tn
