/* The contract between the CPU addon and the CUDA plugin (libtensornode_cuda.so).
 *
 * Plain C, no CUDA headers: the CPU addon includes this file and must build where no CUDA exists.
 *
 * Note [Plugin ABI]
 * The addon dlopen()s the plugin and dlsym()s ONE symbol, tn_cuda_get_api(abi_version), which returns
 * a table of function pointers (or NULL when the plugin does not speak that version). Every function
 * returns a tn_cuda_status; on failure the reason (the failing call, its status name, a hint) is in
 * api->last_error(), a thread-local string valid until the next call on the same thread. No C++
 * exception ever crosses this boundary: plugin.cpp catches them all.
 *
 * Bump TN_CUDA_ABI_VERSION whenever a function's signature or meaning changes, or a member is inserted
 * anywhere but at the end of tn_cuda_api. Appending a member keeps the version: callers check
 * struct_size before using a member added later.
 *
 * Buffers: every float / int32 pointer taken by an op is DEVICE memory (from api->malloc), row-major,
 * with the shapes and the argument order of the CPU kernels in native/cpu/ (outputs, inputs, saved,
 * then sizes). Codes for activations, losses, accuracies and optimizers are those of
 * native/cpu/elementwise.h, loss.h and optim.h. All ops are asynchronous on the plugin's one stream;
 * api->synchronize() or a device-to-host copy waits for them.
 */
#ifndef TENSORNODE_CUDA_PLUGIN_API_H
#define TENSORNODE_CUDA_PLUGIN_API_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TN_CUDA_ABI_VERSION 1

typedef enum tn_cuda_status {
  TN_CUDA_OK = 0,
  TN_CUDA_ERROR_CUDA = 1,        /* a CUDA runtime call failed (CudaError) */
  TN_CUDA_ERROR_CUBLAS = 2,      /* a cuBLAS / cuBLASLt call failed (CublasError) */
  TN_CUDA_ERROR_CUDNN = 3,       /* a cuDNN call failed (CudnnError) */
  TN_CUDA_ERROR_OUT_OF_MEMORY = 4,
  TN_CUDA_ERROR_INVALID_ARGUMENT = 5,
  TN_CUDA_ERROR_NO_DRIVER = 6,   /* no NVIDIA driver, or one older than the runtime the plugin was built with */
  TN_CUDA_ERROR_NO_DEVICE = 7,   /* driver present, no usable GPU */
  TN_CUDA_ERROR_NOT_INITIALIZED = 8,
  TN_CUDA_ERROR_INTERNAL = 9
} tn_cuda_status;

/* What backendInfo() reports. Versions are as the libraries encode them (e.g. CUDA 13000 = 13.0,
 * cuDNN 91400 = 9.14.0, cuBLAS 130100 = 13.1.0). */
typedef struct tn_cuda_info {
  int device;                 /* ordinal */
  char name[256];             /* "NVIDIA H100 80GB HBM3" */
  int compute_major, compute_minor;
  int multiprocessors;
  size_t total_memory, free_memory;  /* bytes, when info was taken */
  int driver_version;         /* cudaDriverGetVersion: the CUDA version the driver supports */
  int runtime_version;        /* cudaRuntimeGetVersion: the runtime linked into the plugin */
  int built_cuda_version;     /* CUDART_VERSION the plugin was compiled against */
  size_t cudnn_version;       /* cudnnGetVersion(): the loaded library */
  size_t cudnn_built_version; /* CUDNN_VERSION the plugin was compiled against */
  size_t cublaslt_version;    /* cublasLtGetVersion() */
  int cublas_version;         /* cublasGetProperty(MAJOR)*10000 + MINOR*100 + PATCH */
  int tf32;                   /* 1 when dense matmuls may use TF32 (off by default) */
} tn_cuda_info;

/* Device-resident running metrics, accumulated by loss_forward_backward / accuracy_count without a host
 * round trip, read once per epoch (api->metrics_read). Allocate with api->malloc(sizeof(tn_cuda_metrics)). */
typedef struct tn_cuda_metrics {
  double loss_sum;             /* sum of batch-mean losses */
  unsigned long long batches;  /* number of loss calls summed into loss_sum */
  unsigned long long correct;  /* accuracy: correct predictions (elements for Binary, rows otherwise) */
  unsigned long long total;    /* accuracy: predictions counted */
  long long bad_label_row;     /* first row with a sparse label outside [0, cols), or -1 */
  long long bad_label;         /* that label */
} tn_cuda_metrics;

/* Mirrors tn::cpu::OptimizerParams. */
typedef struct tn_cuda_optimizer_params {
  double learning_rate, beta1, beta2, epsilon, weight_decay, momentum, rho;
  int nesterov;
  int64_t step; /* 1-based */
} tn_cuda_optimizer_params;

/* Mirrors tn::cpu::ParamSlice; every pointer is device memory (slots may be NULL when unused). */
typedef struct tn_cuda_param_slice {
  float* param;
  const float* grad;
  float* slot_a;
  float* slot_b;
  int64_t size;
} tn_cuda_param_slice;

typedef struct tn_cuda_api {
  int abi_version;     /* TN_CUDA_ABI_VERSION */
  size_t struct_size;  /* sizeof(tn_cuda_api) in the plugin */

  /* ---- errors and device ---- */
  const char* (*last_error)(void);
  /* Picks the device, creates the stream, the memory pool, the pinned staging buffers, the cuBLASLt and
   * cuDNN handles. Idempotent. Fails with NO_DRIVER / NO_DEVICE / CUDNN and a reason saying which. */
  tn_cuda_status (*init)(int device);
  tn_cuda_status (*get_info)(tn_cuda_info* out);
  tn_cuda_status (*set_tf32)(int enabled);
  tn_cuda_status (*synchronize)(void);

  /* ---- memory: stream-ordered pool (cudaMallocAsync); OOM names the bytes requested and free ---- */
  tn_cuda_status (*malloc)(void** out, size_t bytes);
  tn_cuda_status (*free)(void* ptr);
  /* Host -> device through pinned staging: returns once src may be reused; the copy completes on the
   * stream. Device -> host: returns when dst holds the data (waits for earlier work on the stream). */
  tn_cuda_status (*copy_to_device)(void* dst, const void* src, size_t bytes);
  tn_cuda_status (*copy_to_host)(void* dst, const void* src, size_t bytes);
  tn_cuda_status (*memset_zero)(void* dst, size_t bytes);

  /* ---- dense (dense.cpp): as denseForward / denseBackward in native/addon/glue_core.cpp ----
   * forward:  pre = x(batch,in) . kernel(in,out) + bias(out); y = act(pre). pre is written to z when
   *           z != NULL, else y holds it and act is applied in place.
   * backward: dz = dy * act'(z) into dz_scratch (or dy itself when dy_is_pre_activation or linear);
   *           dkernel(in,out) = x^T dz, dbias(out) = sum_rows dz, dx(batch,in) = dz kernel^T: all WRITTEN;
   *           dx and dbias may be NULL. */
  tn_cuda_status (*dense_forward)(float* y, float* z, const float* x, const float* kernel, const float* bias,
                                  int64_t batch, int64_t in_dim, int64_t out_dim, int activation, float alpha);
  tn_cuda_status (*dense_backward)(float* dx, float* dkernel, float* dbias, float* dz_scratch, const float* dy,
                                   const float* x, const float* kernel, const float* z, const float* y, int64_t batch,
                                   int64_t in_dim, int64_t out_dim, int activation, float alpha,
                                   int dy_is_pre_activation);

  /* ---- elementwise (elementwise.cu): as native/cpu/elementwise.h ---- */
  tn_cuda_status (*activation_forward)(int activation, float alpha, float* y, const float* x, int64_t rows,
                                       int64_t cols);
  tn_cuda_status (*activation_backward)(int activation, float alpha, float* dx, const float* dy, const float* x,
                                        const float* y, int64_t rows, int64_t cols);
  tn_cuda_status (*bias_add)(float* y, const float* bias, int64_t rows, int64_t cols);
  tn_cuda_status (*bias_backward)(float* dbias, const float* dy, int64_t rows, int64_t cols);
  tn_cuda_status (*dropout_forward)(float* y, float* mask, const float* x, int64_t n, float rate, uint32_t seed);
  tn_cuda_status (*multiply)(float* out, const float* a, const float* b, int64_t n);

  /* ---- losses and metrics (loss.cu): as native/cpu/loss.h, but the batch-mean loss is ADDED to
   * metrics->loss_sum (device) instead of returned; grad (may be NULL) is WRITTEN. ---- */
  tn_cuda_status (*loss_forward_backward)(int loss, int from_logits, float* grad, const float* input,
                                          const float* target, const int32_t* sparse_target, int64_t rows,
                                          int64_t cols, tn_cuda_metrics* metrics);
  tn_cuda_status (*accuracy_count)(int kind, int from_logits, const float* pred, const float* target,
                                   const int32_t* sparse_target, int64_t rows, int64_t cols, tn_cuda_metrics* metrics);
  tn_cuda_status (*metrics_reset)(tn_cuda_metrics* metrics);
  /* Waits for the stream, copies the metrics to host memory. */
  tn_cuda_status (*metrics_read)(tn_cuda_metrics* host_out, const tn_cuda_metrics* metrics);

  /* ---- optimizers (optim.cu): ONE launch updates every parameter; `params` is a HOST array of count
   * slices (the plugin keeps a device copy of the table and re-uploads it only when it changes). ---- */
  tn_cuda_status (*optimizer_update)(int kind, const tn_cuda_optimizer_params* hp, const tn_cuda_param_slice* params,
                                     int64_t count);
} tn_cuda_api;

/* The one exported symbol. Returns NULL when the plugin does not implement abi_version. */
typedef const tn_cuda_api* (*tn_cuda_get_api_fn)(int abi_version);

#if defined(_WIN32)
#define TN_CUDA_EXPORT __declspec(dllexport)
#else
#define TN_CUDA_EXPORT __attribute__((visibility("default")))
#endif

#ifdef TN_CUDA_BUILDING_PLUGIN
TN_CUDA_EXPORT const tn_cuda_api* tn_cuda_get_api(int abi_version);
#endif

#ifdef __cplusplus
}
#endif

#endif /* TENSORNODE_CUDA_PLUGIN_API_H */
