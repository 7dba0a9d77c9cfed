// The one generic entry point of the op table: runOp(op, tensors, nOutputs, shapes, attrs).
// No math here: it turns JS typed arrays into TensorViews (zero-copy), checks every buffer
// against its shape with checked sizes, and calls the registered CPU kernel.
//
//   op        an op id (opTable() lists the names in id order)
//   tensors   [outputs..., inputs...]: Float32Array (float32), Int32Array (int32), Uint8Array (bool)
//   nOutputs  how many of `tensors` are outputs
//   shapes    Int32Array: for each tensor its rank, then its dimensions
//   attrs     Float64Array of the op's attributes (see its .def entry), or null
//
// Every array must hold exactly the elements of its shape (a longer array is as much a caller
// error as a shorter one), no output may overlap another tensor, and a detached buffer is an
// error saying so. See Note [The op table] in core/op_registry.h.
#include <napi.h>

#include <cstdint>
#include <string>

#include "addon/glue.h"
#include "core/checked_size.h"
#include "core/op_registry.h"

namespace tn {
namespace glue {
namespace {

constexpr int kMaxTensors = 2 * kMaxOpTensors;

const char* dtype_array_name(DType t) {
  return t == DType::Float32 ? "Float32Array" : t == DType::Int32 ? "Int32Array" : "Uint8Array";
}

Napi::Value RunOp(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const int64_t op_code = int_arg_in(info, 0, "op", 0, kOpCount - 1);
  const OpId op = OpId(op_code);
  const Kernel kernel = cpu_kernel(op);
  if (kernel == nullptr) throw Napi::Error::New(env, std::string("no CPU kernel for op ") + op_name(op));

  if (info.Length() < 5 || !info[1].IsArray())
    throw Napi::TypeError::New(env, "Expected an array of typed arrays for tensors");
  const Napi::Array tensors = info[1].As<Napi::Array>();
  const int64_t n = int64_t(tensors.Length());
  if (n > kMaxTensors) throw Napi::RangeError::New(env, concat("Expected at most ", kMaxTensors, " tensors but received ", n));
  const int64_t n_out = int_arg_in(info, 2, "nOutputs", 0, std::min<int64_t>(n, kMaxOpTensors));
  if (n - n_out > kMaxOpTensors)
    throw Napi::RangeError::New(env, concat("Expected at most ", kMaxOpTensors, " inputs but received ", n - n_out));
  if (!info[3].IsTypedArray() || info[3].As<Napi::TypedArray>().TypedArrayType() != napi_int32_array)
    throw Napi::TypeError::New(env, "Expected an Int32Array for shapes");
  const Napi::Int32Array shapes = info[3].As<Napi::Int32Array>();
  const int32_t* sh = shapes.Data();
  const int64_t sh_len = int64_t(shapes.ElementLength());

  KernelArgs args;
  args.op = op;
  args.n_outputs = int(n_out);
  args.n_inputs = int(n - n_out);
  const char* begin[kMaxTensors];
  const char* end[kMaxTensors];
  int64_t at = 0;
  for (int64_t i = 0; i < n; i++) {
    const bool is_out = i < n_out;
    TensorView& v = is_out ? args.outputs[i] : args.inputs[i - n_out];
    const auto what = [&] { return concat(is_out ? "output " : "input ", is_out ? i : i - n_out); };  // errors only
    if (at >= sh_len) throw Napi::RangeError::New(env, "shapes ends before the rank of " + what());
    const int32_t rank = sh[at++];
    if (rank < 0 || rank > kMaxRank)
      throw Napi::RangeError::New(env, concat("Expected a rank in [0, ", kMaxRank, "] for ", what(), " but received ", rank));
    if (at + rank > sh_len) throw Napi::RangeError::New(env, "shapes ends inside the shape of " + what());
    v.rank = rank;
    bool too_big = false, empty = false;
    int64_t product = 1;
    for (int d = 0; d < rank; d++) {
      const int32_t dim = sh[at++];
      if (dim < 0) throw Napi::RangeError::New(env, concat("a negative dimension (", dim, ") in the shape of ", what()));
      v.shape[d] = dim;
      if (dim == 0) empty = true;
      else if (product > kMaxElements / dim) too_big = true;
      else product *= dim;
    }
    // Even an empty shape may not have non-zero dimensions whose product exceeds 2^40: kernels
    // multiply dimensions (strides, outer/inner splits) and must never overflow doing so.
    if (too_big)
      throw Napi::RangeError::New(env, concat("the shape ", v.shape_string(), " of ", what(),
                                              empty ? " has non-zero dimensions whose product exceeds 2^40"
                                                    : " has more than 2^40 elements"));
    v.size = empty ? 0 : product;
    const Napi::Value value = tensors.Get(uint32_t(i));
    if (!value.IsTypedArray()) throw Napi::TypeError::New(env, "Expected a typed array for " + what());
    const Napi::TypedArray array = value.As<Napi::TypedArray>();
    switch (array.TypedArrayType()) {
      case napi_float32_array: v.dtype = DType::Float32; break;
      case napi_int32_array: v.dtype = DType::Int32; break;
      case napi_uint8_array: v.dtype = DType::Bool; break;
      default: throw Napi::TypeError::New(env, "Expected a Float32Array, Int32Array or Uint8Array for " + what());
    }
    // napi_get_typedarray_info gives the data pointer (byteOffset included) for ArrayBuffer- and
    // SharedArrayBuffer-backed arrays alike (Napi::ArrayBuffer::Data() refuses the latter).
    napi_typedarray_type type;
    size_t element_length = 0, byte_offset = 0;
    void* data = nullptr;
    napi_value buffer = nullptr;
    if (napi_get_typedarray_info(env, array, &type, &element_length, &data, &buffer, &byte_offset) != napi_ok)
      throw Napi::Error::New(env, "could not read the typed array of " + what());
    const int64_t length = int64_t(element_length);
    if (length != v.size) {
      const Napi::Value backing(env, buffer);
      if (length == 0 && backing.IsArrayBuffer() && backing.As<Napi::ArrayBuffer>().IsDetached())
        throw Napi::Error::New(env, "the memory of " + what() + " was transferred away (its ArrayBuffer is detached)");
      throw Napi::RangeError::New(env, concat("Expected a ", dtype_array_name(v.dtype), " of ", v.size, " elements for ",
                                              what(), " of shape ", v.shape_string(), " but it has ", length));
    }
    v.data = data;
    begin[i] = static_cast<const char*>(v.data);
    end[i] = begin[i] + length * dtype_size(v.dtype);
  }
  if (at != sh_len) throw Napi::RangeError::New(env, concat("shapes has ", sh_len - at, " values after the last tensor's"));
  // Kernels write outputs while reading inputs: no output may share memory with another tensor.
  for (int64_t i = 0; i < n_out; i++)
    for (int64_t j = 0; j < n; j++)
      if (j != i && begin[i] < end[i] && begin[j] < end[j] && begin[i] < end[j] && begin[j] < end[i])
        throw Napi::RangeError::New(env, concat("output ", i, " overlaps ", j < n_out ? "output " : "input ",
                                                j < n_out ? j : j - n_out, " in memory"));

  const Napi::Value attrs = info[4];
  if (!attrs.IsNull() && !attrs.IsUndefined()) {
    if (!attrs.IsTypedArray() || attrs.As<Napi::TypedArray>().TypedArrayType() != napi_float64_array)
      throw Napi::TypeError::New(env, "Expected a Float64Array or null for attrs");
    const Napi::Float64Array a = attrs.As<Napi::Float64Array>();
    if (a.ElementLength() > size_t(kMaxOpAttrs))
      throw Napi::RangeError::New(env, concat("Expected at most ", kMaxOpAttrs, " attributes but received ", a.ElementLength()));
    args.attrs = a.Data();
    args.n_attrs = int(a.ElementLength());
  }
  kernel(args);
  return env.Undefined();
}

// opTable() -> the op names in id order.
Napi::Value OpTable(const Napi::CallbackInfo& info) {
  Napi::Array names = Napi::Array::New(info.Env(), size_t(kOpCount));
  for (int i = 0; i < kOpCount; i++) names.Set(uint32_t(i), op_name(OpId(i)));
  return names;
}

}  // namespace

void register_dispatch(Napi::Env env, Napi::Object exports) {
  register_cpu_kernels();
  define(env, exports, "runOp", RunOp);
  define(env, exports, "opTable", OpTable);
}

}  // namespace glue
}  // namespace tn
