// The op table's names and the CPU kernel registry. See Note [The op table] in op_registry.h.
#include "core/op_registry.h"

#include <cmath>
#include <mutex>

namespace tn {

namespace {

const char* const kOpNames[] = {
#define TN_OP(id, name) name,
#include "core/ops.def"
#undef TN_OP
};
static_assert(sizeof(kOpNames) / sizeof(kOpNames[0]) == size_t(kOpCount), "one name per op");

Kernel g_cpu_kernels[kOpCount] = {};

}  // namespace

const char* op_name(OpId op) {
  const int i = int(op);
  return i >= 0 && i < kOpCount ? kOpNames[i] : "unknown op";
}

const char* dtype_name(DType t) {
  switch (t) {
    case DType::Float32: return "float32";
    case DType::Int32: return "int32";
    case DType::Bool: return "bool";
    default: return "unknown dtype";
  }
}

std::string TensorView::shape_string() const {
  std::string s = "[";
  for (int i = 0; i < rank; i++) s += (i ? "," : "") + std::to_string(shape[i]);
  return s + "]";
}

double KernelArgs::attr(int i) const {
  TN_CHECK(i >= 0 && i < n_attrs, op_name(op), ": expected attribute ", i, " but ", n_attrs, " were passed");
  return attrs[i];
}

int64_t KernelArgs::int_attr(int i, int64_t lo, int64_t hi) const {
  const double v = attr(i);
  TN_CHECK(v == std::floor(v) && v >= double(lo) && v <= double(hi), op_name(op), ": attribute ", i,
           " must be an integer in [", lo, ", ", hi, "] but is ", v);
  return int64_t(v);
}

void KernelArgs::expect(int outputs_wanted, int inputs_wanted, int attrs_wanted) const {
  TN_CHECK(outputs_wanted < 0 || n_outputs == outputs_wanted, op_name(op), ": expected ", outputs_wanted,
           " output(s) but received ", n_outputs);
  TN_CHECK(inputs_wanted < 0 || n_inputs == inputs_wanted, op_name(op), ": expected ", inputs_wanted,
           " input(s) but received ", n_inputs);
  TN_CHECK(attrs_wanted < 0 || n_attrs == attrs_wanted, op_name(op), ": expected ", attrs_wanted,
           " attribute(s) but received ", n_attrs);
}

void register_kernel(OpId op, Kernel kernel) {
  const int i = int(op);
  TN_CHECK(i >= 0 && i < kOpCount, "register_kernel: op ", i, " is not in the op table");
  TN_CHECK(g_cpu_kernels[i] == nullptr, "register_kernel: ", op_name(op), " registered twice");
  g_cpu_kernels[i] = kernel;
}

Kernel cpu_kernel(OpId op) {
  const int i = int(op);
  return i >= 0 && i < kOpCount ? g_cpu_kernels[i] : nullptr;
}

void register_elementwise_kernels();
void register_reduce_kernels();
void register_shape_kernels();
void register_linalg_kernels();
void register_nn_kernels();
void register_rnn_kernels();
void register_conv_kernels();
void register_attention_kernels();

void register_cpu_kernels() {
  static std::once_flag once;
  std::call_once(once, [] {
    register_elementwise_kernels();
    register_reduce_kernels();
    register_shape_kernels();
    register_linalg_kernels();
    register_nn_kernels();
    register_rnn_kernels();
    register_conv_kernels();
    register_attention_kernels();
  });
}

void check_same_shape(const KernelArgs& a, const TensorView& x, const TensorView& y, const char* what) {
  bool same = x.rank == y.rank;
  for (int i = 0; same && i < x.rank; i++) same = x.shape[i] == y.shape[i];
  TN_CHECK(same, op_name(a.op), ": ", what, " must have the same shape but are ", x.shape_string(), " and ",
           y.shape_string());
}

void check_dtype(const KernelArgs& a, const TensorView& t, DType want, const char* what) {
  TN_CHECK(t.dtype == want, op_name(a.op), ": ", what, " must be ", dtype_name(want), " but is ", dtype_name(t.dtype));
}

void check_all_f32(const KernelArgs& a) {
  for (int i = 0; i < a.n_outputs; i++) check_dtype(a, a.out(i), DType::Float32, "every tensor");
  for (int i = 0; i < a.n_inputs; i++) check_dtype(a, a.in(i), DType::Float32, "every tensor");
}

}  // namespace tn
