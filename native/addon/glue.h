// Helpers every glue file uses to turn JS arguments into native views, and the one place
// that turns native exceptions into JS errors. The glue holds no math: it unpacks
// arguments, re-checks sizes cheaply, and calls a kernel.
//
// Conventions: tensors arrive as Float32Array / Int32Array (zero-copy: the pointer is the
// array's own memory, byteOffset included); sizes as numbers; optional buffers as null.
#pragma once
#include <napi.h>

#include <cstdint>
#include <string>
#include <vector>

#include "core/checked_size.h"
#include "core/errors.h"
#include "cpu/conv.h"
#include "cpu/elementwise.h"
#include "cpu/loss.h"
#include "cpu/optim.h"
#include "cpu/pool.h"
#include "cpu/rnn.h"

namespace tn {
namespace glue {

// Registers fn as exports[name]; a tn::Error or std::exception escaping fn becomes a JS
// Error whose message starts with "tensornode <name>: " (a RangeError for tn::ShapeError and
// tn::SizeError), and so does every TypeError/RangeError the argument helpers throw.
void define(Napi::Env env, Napi::Object exports, const char* name, Napi::Value (*fn)(const Napi::CallbackInfo&));

// Argument i as an integer (|v| <= 2^53) / a finite number / a boolean; throws a TypeError
// (RangeError for a number out of range) naming `what` otherwise.
int64_t int_arg(const Napi::CallbackInfo& info, size_t i, const char* what);
double number_arg(const Napi::CallbackInfo& info, size_t i, const char* what);
bool bool_arg(const Napi::CallbackInfo& info, size_t i, const char* what);
// Argument i as an integer in [lo, hi]; a RangeError naming `what` otherwise.
int64_t int_arg_in(const Napi::CallbackInfo& info, size_t i, const char* what, int64_t lo, int64_t hi);

// Argument i as a size: an integer in [min, kMaxElements]. Buffer lengths are then computed
// from sizes with elements() / extent() only. See Note [Checked sizes at the native boundary].
int64_t size_arg(const Napi::CallbackInfo& info, size_t i, const char* what, int64_t min = 0);

// Argument i as a Float32Array holding at least min_len elements (null allowed when
// optional; then nullptr is returned). min_len comes from checked sizes. A detached array is
// an error saying so.
float* f32_arg(const Napi::CallbackInfo& info, size_t i, const char* what, int64_t min_len, bool optional = false);
int32_t* i32_arg(const Napi::CallbackInfo& info, size_t i, const char* what, int64_t min_len, bool optional = false);

// Argument i as an activation code of cpu::Activation (checked against the enum).
cpu::Activation activation_arg(const Napi::CallbackInfo& info, size_t i);

// optimizerUpdate's arguments (kind, hyper, params[], grads[], slotA[]|null, slotB[]|null),
// checked and unpacked; the slices point into the caller's Float32Arrays.
struct OptimizerArgs {
  cpu::Optimizer kind;
  cpu::OptimizerParams hp;
  std::vector<cpu::ParamSlice> slices;
};
OptimizerArgs optimizer_args(const Napi::CallbackInfo& info);

// The sizes dense ops take at arguments i..i+2 (batch, inDim, outDim, all >= 1), and the
// elements of x (batch, in), y (batch, out) and the kernel (in, out), checked.
struct DenseSizes {
  int64_t batch, in, out, in_elements, out_elements, kernel_elements;
};
DenseSizes dense_sizes(const Napi::CallbackInfo& info, size_t i);

// dropoutForward's rate (in [0, 1)) and seed (a uint32) at arguments i, i+1.
struct DropoutArgs {
  float rate;
  uint32_t seed;
};
DropoutArgs dropout_args(const Napi::CallbackInfo& info, size_t i);

// lossForwardBackward(loss, fromLogits, grad|null, input, target, rows, cols), checked and
// unpacked (labels is the Int32Array target of the sparse loss, target the Float32Array one).
struct LossArgs {
  cpu::Loss loss;
  bool from_logits;
  int64_t rows, cols;
  float* grad = nullptr;
  const float* input = nullptr;
  const float* target = nullptr;
  const int32_t* labels = nullptr;
};
LossArgs loss_args(const Napi::CallbackInfo& info);

// accuracyCount(kind, fromLogits, pred, target, rows, cols), likewise.
struct AccuracyArgs {
  cpu::Accuracy kind;
  bool from_logits;
  int64_t rows, cols;
  const float* pred = nullptr;
  const float* target = nullptr;
  const int32_t* labels = nullptr;
};
AccuracyArgs accuracy_args(const Napi::CallbackInfo& info);

// The geometry of conv2d ops from the Int32Array `dims` at argument i (the field order of
// cpu::Conv2dParams), validated, with the elements of x, y and the kernel checked.
struct ConvSizes {
  cpu::Conv2dParams p;
  int64_t in_elements, out_elements, kernel_elements;
};
ConvSizes conv_sizes(const Napi::CallbackInfo& info, size_t i);

// Likewise for pooling (cpu::Pool2dParams): x (B, H, W, C) and y (B, OH, OW, C).
struct PoolSizes {
  cpu::Pool2dParams p;
  int64_t in_elements, out_elements;
};
PoolSizes pool_sizes(const Napi::CallbackInfo& info, size_t i);

// Batch norm's outer, channels, inner at arguments i..i+2 (all >= 1) and their product.
struct BatchNormSizes {
  int64_t outer, channels, inner, elements;
};
BatchNormSizes batchnorm_sizes(const Napi::CallbackInfo& info, size_t i);

// rnnForward/rnnBackward's ten size/config arguments from i, and every buffer's length.
struct RnnSizes {
  cpu::RnnParams p;
  int64_t y;          // (B, T, U) or (B, U)
  int64_t x;          // (B, T, F), also xs and dxs (T, B, F)
  int64_t gates;      // (T, B, G*U)
  int64_t states;     // (T+1, B, U), also cells
  int64_t steps;      // (T, B, U): aux, hm
  int64_t kernel;     // (F, G*U)
  int64_t recurrent;  // (U, G*U)
  int64_t bias;       // (G*U), or (2, 3U) for GRU with reset_after
  int64_t mask;       // (B, T)
  int64_t in_mask;    // (B, F)
  int64_t rec_mask;   // (B, U)
};
RnnSizes rnn_sizes(const Napi::CallbackInfo& info, size_t i);

// Embedding sizes: n at n_at, then prevN (when prev_n_at >= 0), vocab (>= 1), dim (>= 1);
// rows = n * dim (y, dy), table = vocab * dim.
struct EmbeddingSizes {
  int64_t n = 0, prev_n = 0, vocab = 0, dim = 0, rows = 0, table = 0;
};
EmbeddingSizes embedding_sizes(const Napi::CallbackInfo& info, size_t n_at, int prev_n_at);

// Same for a value that is not a positional argument (an element of an array argument).
float* f32_value(const Napi::Value& v, const std::string& what, int64_t min_len, bool optional = false);

// Registration of each op family's functions; addon.cpp calls them all.
void register_core(Napi::Env env, Napi::Object exports);
void register_conv(Napi::Env env, Napi::Object exports);
void register_rnn(Napi::Env env, Napi::Object exports);
void register_dispatch(Napi::Env env, Napi::Object exports);  // runOp, opTable (glue_dispatch.cpp)
void register_cuda(Napi::Env env, Napi::Object exports);  // cuda_loader.cpp: plugin status, parity ops

}  // namespace glue
}  // namespace tn
