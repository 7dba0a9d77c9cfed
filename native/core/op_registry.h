// Ops, tensor views and the kernel registry: what every backend's kernels are written against.
//
// Note [The op table]
// ops.def lists every op once (TN_OP(Id, jsName)); the list's order gives the ids. From it come
// the OpId enum (here), the names the addon exports as opTable() (lib/engine/registry.ts reads
// the ids from there at load time), and the CUDA plugin's table (it includes the same file), so
// an op code is never written down twice. A backend registers a Kernel per op it implements
// (register_kernel); the one generic dispatch (native/addon/glue_dispatch.cpp) checks every
// buffer against its view with checked sizes (See Note [Checked sizes at the native boundary])
// and calls the kernel, which checks the shapes and attributes it relies on (TN_CHECK) before
// touching memory. TypeScript validates first and gives the user-facing errors; the native
// checks only make a wrong call an error instead of memory corruption.
//
// Argument order, as everywhere: outputs, then inputs (each op's .def entry says which), then
// attributes (doubles). Every output is WRITTEN in full unless its op says it accumulates.
#pragma once
#include <cstdint>
#include <string>

#include "core/errors.h"

namespace tn {

enum class OpId : int32_t {
#define TN_OP(id, name) id,
#include "core/ops.def"
#undef TN_OP
  Count
};

// The op's name as TypeScript knows it ("add", "matMul").
const char* op_name(OpId op);
constexpr int kOpCount = int(OpId::Count);

// Element types. The codes are the ones TypeScript passes (lib/engine/dtype.ts reads them from
// the addon too, as dtypeCodes()).
enum class DType : int32_t { Float32 = 0, Int32 = 1, Bool = 2, Count = 3 };
inline int64_t dtype_size(DType t) { return t == DType::Bool ? 1 : 4; }
const char* dtype_name(DType t);

constexpr int kMaxRank = 8;

// A dense row-major tensor in some backend's memory: where it starts, its type and its shape.
// Views are made by the dispatch after checking that the memory holds `size` elements.
struct TensorView {
  void* data = nullptr;
  DType dtype = DType::Float32;
  int rank = 0;
  int64_t shape[kMaxRank] = {};
  int64_t size = 1;  // product of shape (1 for a scalar)

  float* f32() const { return static_cast<float*>(data); }
  int32_t* i32() const { return static_cast<int32_t*>(data); }
  uint8_t* u8() const { return static_cast<uint8_t*>(data); }
  int64_t dim(int i) const { return shape[i]; }
  // The tensor as rows of its last axis (a scalar is one row of one): what softmax-like ops walk.
  int64_t cols() const { return rank == 0 ? 1 : shape[rank - 1]; }
  int64_t rows() const { return cols() == 0 ? 0 : size / cols(); }
  std::string shape_string() const;
};

constexpr int kMaxOpTensors = 16;
constexpr int kMaxOpAttrs = 64;

struct KernelArgs {
  OpId op;
  TensorView outputs[kMaxOpTensors];
  int n_outputs = 0;
  TensorView inputs[kMaxOpTensors];
  int n_inputs = 0;
  const double* attrs = nullptr;
  int n_attrs = 0;

  const TensorView& out(int i) const { return outputs[i]; }
  const TensorView& in(int i) const { return inputs[i]; }
  // Attribute i as a number / an integer (checked: integral, in [lo, hi]) / a flag.
  double attr(int i) const;
  int64_t int_attr(int i, int64_t lo, int64_t hi) const;
  bool flag(int i) const { return int_attr(i, 0, 1) != 0; }
  // Throws unless there are exactly these many outputs, inputs and attributes (-1: any).
  void expect(int outputs, int inputs, int attrs) const;
};

using Kernel = void (*)(const KernelArgs&);

// Kernels of the built-in CPU backend (the only registry so far: the CUDA plugin keeps its own
// entry points until the engine dispatches to it). A second registration of an op is an error.
void register_kernel(OpId op, Kernel kernel);
// The CPU kernel of op, or nullptr.
Kernel cpu_kernel(OpId op);

// Registers every CPU kernel family; called once by the addon (native/cpu/ops_*.cpp each have
// a register_*_kernels()).
void register_cpu_kernels();

// Shape checks kernels share. Throw ShapeError naming the op and the tensors.
void check_same_shape(const KernelArgs& a, const TensorView& x, const TensorView& y, const char* what);
void check_dtype(const KernelArgs& a, const TensorView& t, DType want, const char* what);
// Every output and input float32 (the fused nn ops).
void check_all_f32(const KernelArgs& a);

}  // namespace tn
