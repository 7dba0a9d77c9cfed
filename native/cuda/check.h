// One CHECK macro family for the CUDA plugin: every CUDA runtime, cuBLAS(Lt) and cuDNN status is
// checked, and a failure throws a typed error naming the expression, the status name, where it was
// and a hint for the statuses users can do something about. Nothing here exits or aborts;
// plugin.cpp turns the exception into a tn_cuda_status and a last-error string (See Note [Plugin ABI]
// in plugin_api.h).
//
//   CUDA_CHECK(cudaMemcpyAsync(...));      -> CudaError
//   CUBLAS_CHECK(cublasLtMatmul(...));     -> CublasError
//   CUDNN_CHECK(cudnnCreate(&h));          -> CudnnError
//   CUDA_CHECK_LAUNCH();                   -> CudaError for the last kernel launch
#pragma once
#include <cublasLt.h>
#include <cublas_api.h>
#include <cuda_runtime.h>
#include <cudnn.h>

#include <cstddef>
#include <sstream>
#include <stdexcept>
#include <string>

#include "cuda/plugin_api.h"

namespace tn {
namespace cuda {

// Base of every error the plugin throws; carries the tn_cuda_status the C ABI returns.
class Error : public std::runtime_error {
 public:
  Error(tn_cuda_status status, const std::string& message) : std::runtime_error(message), status_(status) {}
  tn_cuda_status status() const { return status_; }

 private:
  tn_cuda_status status_;
};

class CudaError : public Error {
 public:
  CudaError(tn_cuda_status status, cudaError_t code, const std::string& message) : Error(status, message), code(code) {}
  cudaError_t code;
};

class CublasError : public Error {
 public:
  CublasError(cublasStatus_t code, const std::string& message) : Error(TN_CUDA_ERROR_CUBLAS, message), code(code) {}
  cublasStatus_t code;
};

class CudnnError : public Error {
 public:
  CudnnError(cudnnStatus_t code, const std::string& message) : Error(TN_CUDA_ERROR_CUDNN, message), code(code) {}
  cudnnStatus_t code;
};

// Out of device memory: the message names the bytes requested and the bytes free.
class OutOfMemoryError : public Error {
 public:
  explicit OutOfMemoryError(const std::string& message) : Error(TN_CUDA_ERROR_OUT_OF_MEMORY, message) {}
};

// A bad argument caught by the plugin's own cheap re-check (TS validates first).
class ArgumentError : public Error {
 public:
  explicit ArgumentError(const std::string& message) : Error(TN_CUDA_ERROR_INVALID_ARGUMENT, message) {}
};

template <typename... Parts>
std::string concat(const Parts&... parts) {
  std::ostringstream out;
  (out << ... << parts);
  return out.str();
}

// "12.4" from 12040; "9.14.0" from cuDNN's 91400.
inline std::string cuda_version_string(int v) { return concat(v / 1000, ".", (v % 1000) / 10); }
inline std::string cudnn_version_string(size_t v) {
  // cuDNN 9 encodes MAJOR*10000 + MINOR*100 + PATCH.
  return concat(v / 10000, ".", (v % 10000) / 100, ".", v % 100);
}

inline const char* cuda_hint(cudaError_t s) {
  switch (s) {
    case cudaErrorInsufficientDriver:
      return "the NVIDIA driver is older than the CUDA runtime the plugin was built with; update the driver "
             "or rebuild the plugin with an older CUDA toolkit";
    case cudaErrorNoDevice: return "no CUDA GPU is visible to this process (check nvidia-smi and CUDA_VISIBLE_DEVICES)";
    case cudaErrorInvalidDevice: return "no GPU with that ordinal (check CUDA_VISIBLE_DEVICES)";
    case cudaErrorMemoryAllocation: return "out of GPU memory: reduce the batch size or free other tensors";
    case cudaErrorNoKernelImageForDevice:
      return "the plugin has no code for this GPU's compute capability (built for sm_80, sm_89, sm_90 + PTX); "
             "rebuild with CMAKE_CUDA_ARCHITECTURES set for it";
    case cudaErrorUnsupportedPtxVersion: return "the driver is too old for the plugin's PTX; update the driver";
    case cudaErrorIllegalAddress:
      return "a kernel read or wrote outside its buffers (a wrong size reached the device); the CUDA context is "
             "now unusable until the process exits";
    case cudaErrorLaunchOutOfResources: return "too many registers or threads for this launch";
    case cudaErrorDevicesUnavailable: return "the GPU is in exclusive-process mode and used by another process";
    default: return nullptr;
  }
}

inline const char* cublas_hint(cublasStatus_t s) {
  switch (s) {
    case CUBLAS_STATUS_NOT_INITIALIZED: return "cuBLAS could not initialise (driver or library problem)";
    case CUBLAS_STATUS_ALLOC_FAILED: return "cuBLAS could not allocate memory: out of GPU memory";
    case CUBLAS_STATUS_NOT_SUPPORTED:
      return "no cuBLASLt kernel for this shape / layout / epilogue on this GPU";
    case CUBLAS_STATUS_ARCH_MISMATCH: return "this GPU lacks a feature the call needs";
    case CUBLAS_STATUS_INVALID_VALUE: return "an argument was out of range (a size, a leading dimension or alignment)";
    default: return nullptr;
  }
}

inline const char* cudnn_hint(cudnnStatus_t s) {
  switch (s) {
    case CUDNN_STATUS_NOT_INITIALIZED: return "cuDNN could not initialise (driver too old or no GPU)";
    case CUDNN_STATUS_SUBLIBRARY_VERSION_MISMATCH:  // == CUDNN_STATUS_VERSION_MISMATCH in cuDNN 9
      return "the loaded cuDNN does not match the version the plugin was built with (need cuDNN 9)";
    case CUDNN_STATUS_SUBLIBRARY_LOADING_FAILED:
      return "a cuDNN sub-library (libcudnn_*.so.9) could not be loaded: is cuDNN 9 fully installed?";
    case CUDNN_STATUS_NOT_SUPPORTED: return "cuDNN has no engine for this configuration";
    default: return nullptr;
  }
}

inline std::string where(const char* expr, const char* file, int line) {
  std::string f(file);
  const size_t slash = f.find_last_of('/');
  if (slash != std::string::npos) f = f.substr(slash + 1);
  return concat(expr, " (", f, ":", line, ")");
}

// Status classes the C ABI distinguishes for a CUDA runtime error.
inline tn_cuda_status cuda_status_class(cudaError_t s) {
  switch (s) {
    case cudaErrorInsufficientDriver:
    case cudaErrorNoDevice:  // sometimes reported when the driver is not loaded at all
      return s == cudaErrorNoDevice ? TN_CUDA_ERROR_NO_DEVICE : TN_CUDA_ERROR_NO_DRIVER;
    case cudaErrorInvalidDevice: return TN_CUDA_ERROR_NO_DEVICE;
    case cudaErrorMemoryAllocation: return TN_CUDA_ERROR_OUT_OF_MEMORY;
    default: return TN_CUDA_ERROR_CUDA;
  }
}

[[noreturn]] inline void throw_cuda(cudaError_t s, const char* expr, const char* file, int line) {
  const char* hint = cuda_hint(s);
  throw CudaError(cuda_status_class(s), s,
                  concat("CUDA error ", cudaGetErrorName(s), " (", int(s), ": ", cudaGetErrorString(s), ") in ",
                         where(expr, file, line), hint ? concat(": ", hint) : std::string()));
}

[[noreturn]] inline void throw_cublas(cublasStatus_t s, const char* expr, const char* file, int line) {
  const char* hint = cublas_hint(s);
  throw CublasError(s, concat("cuBLAS error ", cublasGetStatusName(s), " (", int(s), ") in ", where(expr, file, line),
                              hint ? concat(": ", hint) : std::string()));
}

[[noreturn]] inline void throw_cudnn(cudnnStatus_t s, const char* expr, const char* file, int line) {
  const char* hint = cudnn_hint(s);
  throw CudnnError(s, concat("cuDNN error ", cudnnGetErrorString(s), " (", int(s), ") in ", where(expr, file, line),
                             hint ? concat(": ", hint) : std::string()));
}

}  // namespace cuda
}  // namespace tn

#define CUDA_CHECK(expr)                                                               \
  do {                                                                                 \
    const cudaError_t tn_status_ = (expr);                                             \
    if (tn_status_ != cudaSuccess) ::tn::cuda::throw_cuda(tn_status_, #expr, __FILE__, __LINE__); \
  } while (0)

// After a <<<...>>> launch: reports a bad launch configuration at once (asynchronous faults surface
// at the next synchronizing call, which is checked too).
#define CUDA_CHECK_LAUNCH() CUDA_CHECK(cudaGetLastError())

#define CUBLAS_CHECK(expr)                                                                   \
  do {                                                                                       \
    const cublasStatus_t tn_status_ = (expr);                                                \
    if (tn_status_ != CUBLAS_STATUS_SUCCESS) ::tn::cuda::throw_cublas(tn_status_, #expr, __FILE__, __LINE__); \
  } while (0)

#define CUDNN_CHECK(expr)                                                                   \
  do {                                                                                      \
    const cudnnStatus_t tn_status_ = (expr);                                                \
    if (tn_status_ != CUDNN_STATUS_SUCCESS) ::tn::cuda::throw_cudnn(tn_status_, #expr, __FILE__, __LINE__); \
  } while (0)

// TN_CUDA_ARG(cond, parts...): throws ArgumentError when cond is false.
#define TN_CUDA_ARG(cond, ...)                                                 \
  do {                                                                         \
    if (!(cond)) throw ::tn::cuda::ArgumentError(::tn::cuda::concat(__VA_ARGS__)); \
  } while (0)
