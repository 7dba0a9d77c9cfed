// RAII owners for every cuBLASLt / cuDNN handle and descriptor the plugin creates. Each is move-only,
// creates in its constructor (checked), destroys in its destructor (never throws), and converts to
// the raw handle for the library calls.
//
// Note [Plans and descriptors]: plain hashable *Params structs (dense.cpp: MatmulParams) key the
// caches of chosen algorithms; descriptors are rebuilt per call (cheap host calls) because they
// carry per-call pointers (bias, epilogue aux), as PyTorch's Descriptors.h keeps the two apart.
#pragma once
#include <cublasLt.h>
#include <cudnn.h>

#include <utility>

#include "cuda/check.h"

namespace tn {
namespace cuda {

template <typename Handle, typename Derived>
class Owner {
 public:
  Owner() = default;
  Owner(const Owner&) = delete;
  Owner& operator=(const Owner&) = delete;
  Owner(Owner&& o) noexcept : h_(std::exchange(o.h_, nullptr)) {}
  Owner& operator=(Owner&& o) noexcept {
    if (this != &o) {
      reset();
      h_ = std::exchange(o.h_, nullptr);
    }
    return *this;
  }
  ~Owner() { reset(); }
  void reset() noexcept {
    if (h_) Derived::destroy(h_);
    h_ = nullptr;
  }
  Handle get() const { return h_; }
  operator Handle() const { return h_; }  // NOLINT: used as the raw handle in library calls
  explicit operator bool() const { return h_ != nullptr; }

 protected:
  Handle h_ = nullptr;
};

class CublasLtHandle : public Owner<cublasLtHandle_t, CublasLtHandle> {
 public:
  static CublasLtHandle create() {
    CublasLtHandle h;
    CUBLAS_CHECK(cublasLtCreate(&h.h_));
    return h;
  }
  static void destroy(cublasLtHandle_t h) noexcept { cublasLtDestroy(h); }
};

class MatmulDesc : public Owner<cublasLtMatmulDesc_t, MatmulDesc> {
 public:
  MatmulDesc(cublasComputeType_t compute, cudaDataType_t scale) { CUBLAS_CHECK(cublasLtMatmulDescCreate(&h_, compute, scale)); }
  template <typename T>
  void set(cublasLtMatmulDescAttributes_t attr, const T& value) {
    CUBLAS_CHECK(cublasLtMatmulDescSetAttribute(h_, attr, &value, sizeof(T)));
  }
  static void destroy(cublasLtMatmulDesc_t h) noexcept { cublasLtMatmulDescDestroy(h); }
};

class MatrixLayout : public Owner<cublasLtMatrixLayout_t, MatrixLayout> {
 public:
  // A column-major rows x cols matrix with leading dimension ld (see dense.cpp for the row-major trick).
  MatrixLayout(cudaDataType_t type, uint64_t rows, uint64_t cols, int64_t ld) {
    CUBLAS_CHECK(cublasLtMatrixLayoutCreate(&h_, type, rows, cols, ld));
  }
  static void destroy(cublasLtMatrixLayout_t h) noexcept { cublasLtMatrixLayoutDestroy(h); }
};

class MatmulPreference : public Owner<cublasLtMatmulPreference_t, MatmulPreference> {
 public:
  explicit MatmulPreference(size_t workspace_bytes) {
    CUBLAS_CHECK(cublasLtMatmulPreferenceCreate(&h_));
    CUBLAS_CHECK(cublasLtMatmulPreferenceSetAttribute(h_, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &workspace_bytes,
                                                      sizeof(workspace_bytes)));
  }
  static void destroy(cublasLtMatmulPreference_t h) noexcept { cublasLtMatmulPreferenceDestroy(h); }
};

class CudnnHandle : public Owner<cudnnHandle_t, CudnnHandle> {
 public:
  static CudnnHandle create(cudaStream_t stream) {
    CudnnHandle h;
    CUDNN_CHECK(cudnnCreate(&h.h_));
    CUDNN_CHECK(cudnnSetStream(h.h_, stream));
    return h;
  }
  static void destroy(cudnnHandle_t h) noexcept { cudnnDestroy(h); }
};

// A stream-ordered device buffer from the pool (device.cpp), freed on destruction.
class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  explicit DeviceBuffer(size_t bytes);
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  DeviceBuffer(DeviceBuffer&& o) noexcept : ptr_(std::exchange(o.ptr_, nullptr)), bytes_(std::exchange(o.bytes_, 0)) {}
  DeviceBuffer& operator=(DeviceBuffer&& o) noexcept {
    if (this != &o) {
      reset();
      ptr_ = std::exchange(o.ptr_, nullptr);
      bytes_ = std::exchange(o.bytes_, 0);
    }
    return *this;
  }
  ~DeviceBuffer() { reset(); }
  void reset() noexcept;
  void* get() const { return ptr_; }
  size_t bytes() const { return bytes_; }

 private:
  void* ptr_ = nullptr;
  size_t bytes_ = 0;
};

}  // namespace cuda
}  // namespace tn
