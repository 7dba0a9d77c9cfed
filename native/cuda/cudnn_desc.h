// RAII cuDNN descriptors for the cuDNN slice (conv.cu, pool.cpp, batchnorm.cu, rnn.cu), in the style of
// handles.h: create in the constructor (checked), destroy in the destructor, convert to the raw handle.
// Also the shared helpers: int narrowing for cuDNN's int dimensions and the fp32 math type rule.
#pragma once
#include <cudnn.h>

#include <climits>
#include <cstdint>

#include "cuda/check.h"
#include "cuda/device.h"
#include "cuda/handles.h"

namespace tn {
namespace cuda {

// cuDNN takes int dimensions; every caller re-checks through supports() first, this is the last guard.
inline int to_int(int64_t v, const char* what) {
  TN_CUDA_ARG(v >= 0 && v <= INT_MAX, what, " = ", v, " does not fit cuDNN's int dimensions");
  return int(v);
}

// fp32 exactness: with TF32 off (the default) only FMA kernels, so results match the CPU up to
// summation order; set_tf32(true) lets cuDNN pick tensor-core (TF32) kernels too.
inline cudnnMathType_t fp32_math_type() { return Device::get().tf32() ? CUDNN_DEFAULT_MATH : CUDNN_FMA_MATH; }

class TensorDesc : public Owner<cudnnTensorDescriptor_t, TensorDesc> {
 public:
  TensorDesc() { CUDNN_CHECK(cudnnCreateTensorDescriptor(&h_)); }
  // An NHWC tensor (n, c, h, w as cuDNN names them; memory order n, h, w, c).
  void nhwc(int64_t n, int64_t c, int64_t h, int64_t w) {
    CUDNN_CHECK(cudnnSetTensor4dDescriptor(h_, CUDNN_TENSOR_NHWC, CUDNN_DATA_FLOAT, to_int(n, "n"), to_int(c, "c"),
                                           to_int(h, "h"), to_int(w, "w")));
  }
  void nchw(int64_t n, int64_t c, int64_t h, int64_t w) {
    CUDNN_CHECK(cudnnSetTensor4dDescriptor(h_, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, to_int(n, "n"), to_int(c, "c"),
                                           to_int(h, "h"), to_int(w, "w")));
  }
  // A fully packed N-d tensor with the given dims (row-major strides).
  void packed3(int d0, int d1, int d2) {
    const int dims[3] = {d0, d1, d2};
    const int strides[3] = {d1 * d2, d2, 1};
    CUDNN_CHECK(cudnnSetTensorNdDescriptor(h_, CUDNN_DATA_FLOAT, 3, dims, strides));
  }
  static void destroy(cudnnTensorDescriptor_t h) noexcept { cudnnDestroyTensorDescriptor(h); }
};

class FilterDesc : public Owner<cudnnFilterDescriptor_t, FilterDesc> {
 public:
  FilterDesc() { CUDNN_CHECK(cudnnCreateFilterDescriptor(&h_)); }
  // NHWC filter: k = out channels, c = in channels; memory order (k, h, w, c).
  void nhwc(int64_t k, int64_t c, int64_t h, int64_t w) {
    CUDNN_CHECK(cudnnSetFilter4dDescriptor(h_, CUDNN_DATA_FLOAT, CUDNN_TENSOR_NHWC, to_int(k, "k"), to_int(c, "c"),
                                           to_int(h, "h"), to_int(w, "w")));
  }
  static void destroy(cudnnFilterDescriptor_t h) noexcept { cudnnDestroyFilterDescriptor(h); }
};

class ConvDesc : public Owner<cudnnConvolutionDescriptor_t, ConvDesc> {
 public:
  ConvDesc() { CUDNN_CHECK(cudnnCreateConvolutionDescriptor(&h_)); }
  static void destroy(cudnnConvolutionDescriptor_t h) noexcept { cudnnDestroyConvolutionDescriptor(h); }
};

class PoolDesc : public Owner<cudnnPoolingDescriptor_t, PoolDesc> {
 public:
  PoolDesc() { CUDNN_CHECK(cudnnCreatePoolingDescriptor(&h_)); }
  static void destroy(cudnnPoolingDescriptor_t h) noexcept { cudnnDestroyPoolingDescriptor(h); }
};

class RnnDesc : public Owner<cudnnRNNDescriptor_t, RnnDesc> {
 public:
  RnnDesc() { CUDNN_CHECK(cudnnCreateRNNDescriptor(&h_)); }
  static void destroy(cudnnRNNDescriptor_t h) noexcept { cudnnDestroyRNNDescriptor(h); }
};

class RnnDataDesc : public Owner<cudnnRNNDataDescriptor_t, RnnDataDesc> {
 public:
  RnnDataDesc() { CUDNN_CHECK(cudnnCreateRNNDataDescriptor(&h_)); }
  static void destroy(cudnnRNNDataDescriptor_t h) noexcept { cudnnDestroyRNNDataDescriptor(h); }
};

}  // namespace cuda
}  // namespace tn
