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

#define TN_CUDA_ABI_VERSION 2  /* 2: cuDNN slice (conv, pool, batch norm, RNN, embedding, supports) */

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
  TN_CUDA_ERROR_INTERNAL = 9,
  TN_CUDA_ERROR_UNSUPPORTED = 10 /* supports() says no (or an op was called outside its rule): use the CPU kernel */
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

/* ---- issue 6, the cuDNN slice: parameter structs (mirrors of the CPU kernels' structs) ---- */

/* Mirrors tn::cpu::Conv2dParams (native/cpu/conv.h): NHWC x (B,H,W,Cin), kernel (KH,KW,Cin,Cout),
 * y (B,OH,OW,Cout). pad_bottom / pad_right are implied by out_h / out_w. */
typedef struct tn_cuda_conv2d_params {
  int64_t batch, in_h, in_w, in_c;
  int64_t out_h, out_w, out_c;
  int64_t k_h, k_w;
  int64_t stride_h, stride_w;
  int64_t dil_h, dil_w;
  int64_t pad_top, pad_left;
} tn_cuda_conv2d_params;

/* Mirrors tn::cpu::Pool2dParams (native/cpu/pool.h). */
typedef struct tn_cuda_pool2d_params {
  int64_t batch, in_h, in_w, channels;
  int64_t out_h, out_w;
  int64_t pool_h, pool_w;
  int64_t stride_h, stride_w;
  int64_t pad_top, pad_left;
} tn_cuda_pool2d_params;

/* For supports(TN_CUDA_OP_BATCHNORM): the (outer, C, inner) view of native/cpu/batchnorm.h. */
typedef struct tn_cuda_batchnorm_params {
  int64_t outer, channels, inner;
  double epsilon;
} tn_cuda_batchnorm_params;

/* Mirrors tn::cpu::RnnParams (native/cpu/rnn.h) plus what the CPU takes as buffers and cuDNN cannot do:
 * has_mask (a (B,T) mask), has_dropout (in_mask / rec_mask). cell, act, rec_act use the CPU codes
 * (RnnCell: 0 Simple, 1 Lstm, 2 GruResetAfter, 3 GruResetBefore; Activation of elementwise.h). */
typedef struct tn_cuda_rnn_params {
  int cell;
  int64_t batch, time, in_dim, units;
  int act, rec_act;
  int go_backwards, return_sequences, zero_output_for_mask;
  int has_mask, has_dropout;
} tn_cuda_rnn_params;

/* For supports(TN_CUDA_OP_EMBEDDING). */
typedef struct tn_cuda_embedding_params {
  int64_t n, vocab, dim;
} tn_cuda_embedding_params;

/* Op codes for supports(). */
typedef enum tn_cuda_op {
  TN_CUDA_OP_CONV2D = 1,     /* params: tn_cuda_conv2d_params */
  TN_CUDA_OP_MAXPOOL2D = 2,  /* params: tn_cuda_pool2d_params */
  TN_CUDA_OP_AVGPOOL2D = 3,  /* params: tn_cuda_pool2d_params */
  TN_CUDA_OP_BATCHNORM = 4,  /* params: tn_cuda_batchnorm_params */
  TN_CUDA_OP_RNN = 5,        /* params: tn_cuda_rnn_params */
  TN_CUDA_OP_EMBEDDING = 6   /* params: tn_cuda_embedding_params */
} tn_cuda_op;

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

  /* ==== ABI 2: the cuDNN slice (issue 6). Every op re-checks supports() and fails with UNSUPPORTED. ==== */

  /* The rule for falling back to the CPU: TN_CUDA_OK when the plugin computes op with these params
   * exactly as the CPU kernel does (up to fp32 rounding), else TN_CUDA_ERROR_UNSUPPORTED with the reason in
   * last_error() (e.g. "masked RNN", "GRU resetAfter=false", "asymmetric pooling padding"). A pure rule:
   * needs no init() and no GPU. */
  tn_cuda_status (*supports)(int op, const void* params);

  /* conv.cu: as conv2d_forward / conv2d_backward of native/cpu/conv.h (no bias, no activation).
   * y, dkernel, dx WRITTEN; dx may be NULL. Keras 'same' padding (extra at bottom/right) is handled by
   * copying x into a zero-padded scratch so that cuDNN sees symmetric padding. */
  tn_cuda_status (*conv2d_forward)(const tn_cuda_conv2d_params* p, float* y, const float* x, const float* kernel);
  tn_cuda_status (*conv2d_backward)(const tn_cuda_conv2d_params* p, float* dx, float* dkernel, const float* dy,
                                    const float* x, const float* kernel);

  /* pool.cpp: y / dx WRITTEN. cuDNN's backward takes x and y (not an argmax as the CPU's does): pass the
   * forward's input and output. Average pooling divides by the taps inside the image, as the CPU. */
  tn_cuda_status (*maxpool2d_forward)(const tn_cuda_pool2d_params* p, float* y, const float* x);
  tn_cuda_status (*maxpool2d_backward)(const tn_cuda_pool2d_params* p, float* dx, const float* dy, const float* x,
                                       const float* y);
  tn_cuda_status (*avgpool2d_forward)(const tn_cuda_pool2d_params* p, float* y, const float* x);
  tn_cuda_status (*avgpool2d_backward)(const tn_cuda_pool2d_params* p, float* dx, const float* dy, const float* x,
                                       const float* y);

  /* batchnorm.cu: exactly the signatures and semantics of native/cpu/batchnorm.h (Keras 3: the moving
   * variance takes the BIASED batch variance; see the file's header for how cuDNN's unbiased one is undone). */
  tn_cuda_status (*batchnorm_forward)(float* y, float* mean_out, float* invstd_out, float* moving_mean,
                                      float* moving_var, const float* x, const float* gamma, const float* beta,
                                      int64_t outer, int64_t channels, int64_t inner, float momentum, float epsilon,
                                      int training);
  tn_cuda_status (*batchnorm_backward)(float* dx, float* dgamma, float* dbeta, const float* dy, const float* x,
                                       const float* mean, const float* invstd, const float* gamma, int64_t outer,
                                       int64_t channels, int64_t inner, int training);

  /* rnn.cu: one layer, one direction (stack and Bidirectional by several calls), on cuDNN's RNN API.
   * Weights in the Keras layout: kernel (F, G*U), recurrent (U, G*U), bias (G*U) or (2, 3U) for GRU
   * resetAfter (NULL: no bias). x (B,T,F); y (B,T,U) with return_sequences else (B,U).
   * `reserve` is a device buffer of rnn_reserve_bytes() that forward fills (packed weights, the full
   * output sequence, cuDNN's reserve space) and backward reads: keep it between the two. Backward
   * WRITES dkernel, drecurrent, dbias (may be NULL) and dx (may be NULL). */
  tn_cuda_status (*rnn_reserve_bytes)(const tn_cuda_rnn_params* p, size_t* out_bytes);
  tn_cuda_status (*rnn_forward)(const tn_cuda_rnn_params* p, float* y, void* reserve, const float* x,
                                const float* kernel, const float* recurrent, const float* bias, int training);
  tn_cuda_status (*rnn_backward)(const tn_cuda_rnn_params* p, float* dx, float* dkernel, float* drecurrent,
                                 float* dbias, const float* dy, const float* x, void* reserve);

  /* embedding.cu: as native/cpu/embedding.h. forward writes y rows of valid indices (rows of invalid ones
   * are zeroed, where the CPU leaves y untouched) and, when bad_index != NULL (DEVICE int64), the first
   * flat position of an index outside [0, vocab) or -1. backward: as the CPU's (rows of prev_indices and
   * indices zeroed, then atomicAdd scatter of dy; summation order, hence rounding, may differ). */
  tn_cuda_status (*embedding_forward)(float* y, const float* table, const int32_t* indices, int64_t n, int64_t vocab,
                                      int64_t dim, int64_t* bad_index);
  tn_cuda_status (*embedding_backward)(float* dtable, const float* dy, const int32_t* indices, int64_t n,
                                       const int32_t* prev_indices, int64_t prev_n, int64_t vocab, int64_t dim);
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
