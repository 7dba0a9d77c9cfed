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

#include "core/errors.h"
#include "cpu/elementwise.h"
#include "cpu/optim.h"

namespace tn {
namespace glue {

// Registers fn as exports[name]; a tn::Error or std::exception escaping fn becomes a JS
// Error whose message starts with "tensornode <name>: ".
void define(Napi::Env env, Napi::Object exports, const char* name, Napi::Value (*fn)(const Napi::CallbackInfo&));

// Argument i as an integer / number / boolean; throws a TypeError naming `what` otherwise.
int64_t int_arg(const Napi::CallbackInfo& info, size_t i, const char* what);
double number_arg(const Napi::CallbackInfo& info, size_t i, const char* what);
bool bool_arg(const Napi::CallbackInfo& info, size_t i, const char* what);

// Argument i as a Float32Array holding at least min_len elements (null allowed when
// optional; then nullptr is returned).
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

// Same for a value that is not a positional argument (an element of an array argument).
float* f32_value(const Napi::Value& v, const std::string& what, int64_t min_len, bool optional = false);

// Registration of each op family's functions; addon.cpp calls them all.
void register_core(Napi::Env env, Napi::Object exports);
void register_conv(Napi::Env env, Napi::Object exports);
void register_rnn(Napi::Env env, Napi::Object exports);
void register_cuda(Napi::Env env, Napi::Object exports);  // cuda_loader.cpp: plugin status, parity ops

}  // namespace glue
}  // namespace tn
