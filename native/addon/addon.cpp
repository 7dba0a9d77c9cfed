// The module entry: registers every op family's glue. See glue.h for the conventions.
#include <napi.h>

#include "addon/glue.h"

namespace tn {
namespace glue {

namespace {
void throw_type_error(const Napi::Env& env, const std::string& message) {
  throw Napi::TypeError::New(env, message);
}
}  // namespace

void define(Napi::Env env, Napi::Object exports, const char* name, Napi::Value (*fn)(const Napi::CallbackInfo&)) {
  // The op name is captured by value in a small heap string kept for the module's life.
  const std::string* op = new std::string(name);
  exports.Set(name, Napi::Function::New(
                        env,
                        [fn, op](const Napi::CallbackInfo& info) -> Napi::Value {
                          try {
                            return fn(info);
                          } catch (const Napi::Error&) {
                            throw;
                          } catch (const std::exception& e) {
                            throw Napi::Error::New(info.Env(), "tensornode " + *op + ": " + e.what());
                          }
                        },
                        name));
}

int64_t int_arg(const Napi::CallbackInfo& info, size_t i, const char* what) {
  if (i >= info.Length() || !info[i].IsNumber())
    throw_type_error(info.Env(), std::string("Expected an integer for ") + what);
  const double v = info[i].As<Napi::Number>().DoubleValue();
  if (v != static_cast<double>(static_cast<int64_t>(v)))
    throw_type_error(info.Env(), std::string("Expected an integer for ") + what + " but received " + std::to_string(v));
  return static_cast<int64_t>(v);
}

double number_arg(const Napi::CallbackInfo& info, size_t i, const char* what) {
  if (i >= info.Length() || !info[i].IsNumber()) throw_type_error(info.Env(), std::string("Expected a number for ") + what);
  return info[i].As<Napi::Number>().DoubleValue();
}

bool bool_arg(const Napi::CallbackInfo& info, size_t i, const char* what) {
  if (i >= info.Length() || !info[i].IsBoolean()) throw_type_error(info.Env(), std::string("Expected a boolean for ") + what);
  return info[i].As<Napi::Boolean>().Value();
}

cpu::Activation activation_arg(const Napi::CallbackInfo& info, size_t i) {
  const int64_t code = int_arg(info, i, "activation");
  TN_CHECK(code >= 0 && code < int64_t(cpu::Activation::Count), "unknown activation code ", code);
  return cpu::Activation(code);
}

template <typename T, napi_typedarray_type kType>
static T* typed_value(const Napi::Env& env, const Napi::Value& v, const std::string& what, int64_t min_len,
                      bool optional, const char* type_name) {
  if (optional && (v.IsNull() || v.IsUndefined())) return nullptr;
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != kType)
    throw_type_error(env, "Expected a " + std::string(type_name) + " for " + what);
  auto array = v.As<Napi::TypedArrayOf<T>>();
  if (static_cast<int64_t>(array.ElementLength()) < min_len)
    throw Napi::RangeError::New(env, "Expected at least " + std::to_string(min_len) + " elements in " + what +
                                         " but it has " + std::to_string(array.ElementLength()));
  return array.Data();
}

float* f32_value(const Napi::Value& v, const std::string& what, int64_t min_len, bool optional) {
  return typed_value<float, napi_float32_array>(v.Env(), v, what, min_len, optional, "Float32Array");
}

float* f32_arg(const Napi::CallbackInfo& info, size_t i, const char* what, int64_t min_len, bool optional) {
  return typed_value<float, napi_float32_array>(info.Env(), info[i], what, min_len, optional, "Float32Array");
}

int32_t* i32_arg(const Napi::CallbackInfo& info, size_t i, const char* what, int64_t min_len, bool optional) {
  return typed_value<int32_t, napi_int32_array>(info.Env(), info[i], what, min_len, optional, "Int32Array");
}

}  // namespace glue
}  // namespace tn

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  tn::glue::register_core(env, exports);
  tn::glue::register_conv(env, exports);
  tn::glue::register_rnn(env, exports);
  tn::glue::register_cuda(env, exports);
  return exports;
}

NODE_API_MODULE(tensornode, Init)
