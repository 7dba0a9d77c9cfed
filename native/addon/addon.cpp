// The module entry: registers every op family's glue. See glue.h for the conventions.
#include <napi.h>

#include <cmath>
#include <cstdio>
#include <new>
#include <string>

#include "addon/glue.h"

namespace tn {
namespace glue {

namespace {

// What a JS value is, for messages: "a number (-1)", "a string", "an Int32Array(6)", "null".
std::string describe(const Napi::Value& v) {
  if (v.IsNull()) return "null";
  if (v.IsUndefined()) return "undefined";
  if (v.IsNumber()) {
    char text[32];
    std::snprintf(text, sizeof(text), "%.17g", v.As<Napi::Number>().DoubleValue());
    return std::string("a number (") + text + ")";
  }
  if (v.IsBoolean()) return "a boolean";
  if (v.IsString()) return "a string";
  if (v.IsTypedArray()) {
    static const char* names[] = {"Int8Array",   "Uint8Array",   "Uint8ClampedArray", "Int16Array",
                                  "Uint16Array", "Int32Array",   "Uint32Array",       "Float32Array",
                                  "Float64Array", "BigInt64Array", "BigUint64Array"};
    const auto t = v.As<Napi::TypedArray>();
    const int type = int(t.TypedArrayType());
    const char* name = type >= 0 && type < int(sizeof(names) / sizeof(names[0])) ? names[type] : "typed array";
    return std::string("a ") + name + "(" + std::to_string(t.ElementLength()) + ")";
  }
  if (v.IsArray()) return "an array";
  if (v.IsFunction()) return "a function";
  return "an object";
}

[[noreturn]] void throw_type_error(const Napi::Env& env, const std::string& message) {
  throw Napi::TypeError::New(env, message);
}

[[noreturn]] void throw_range_error(const Napi::Env& env, const std::string& message) {
  throw Napi::RangeError::New(env, message);
}

const Napi::Value arg(const Napi::CallbackInfo& info, size_t i) { return i < info.Length() ? info[i] : info.Env().Undefined(); }

// Largest integer a double holds exactly; larger "integers" are rejected before any cast.
constexpr double kMaxExactInteger = 9007199254740992.0;  // 2^53

}  // namespace

void define(Napi::Env env, Napi::Object exports, const char* name, Napi::Value (*fn)(const Napi::CallbackInfo&)) {
  // The op name is captured by value in a small heap string kept for the module's life.
  const std::string* op = new std::string(name);
  exports.Set(name, Napi::Function::New(
                        env,
                        [fn, op](const Napi::CallbackInfo& info) -> Napi::Value {
                          // The prefix is built only on the error path: no allocation per call.
                          const auto prefix = [op] { return "tensornode " + *op + ": "; };
                          try {
                            return fn(info);
                          } catch (const Napi::Error& e) {
                            // The argument helpers' TypeErrors/RangeErrors: add the function's name.
                            Napi::Object error = e.Value();
                            const Napi::Value message = error.Get("message");
                            if (message.IsString()) error.Set("message", prefix() + message.As<Napi::String>().Utf8Value());
                            throw;
                          } catch (const ShapeError& e) {
                            throw Napi::RangeError::New(info.Env(), prefix() + e.what());
                          } catch (const std::bad_alloc&) {
                            throw Napi::Error::New(info.Env(), prefix() + "out of memory");
                          } catch (const std::exception& e) {
                            throw Napi::Error::New(info.Env(), prefix() + e.what());
                          }
                        },
                        name));
}

int64_t int_arg(const Napi::CallbackInfo& info, size_t i, const char* what) {
  const Napi::Value v = arg(info, i);
  if (!v.IsNumber()) throw_type_error(info.Env(), std::string("Expected an integer for ") + what + " but received " + describe(v));
  const double d = v.As<Napi::Number>().DoubleValue();
  if (!(d >= -kMaxExactInteger && d <= kMaxExactInteger) || d != std::floor(d))
    throw_type_error(info.Env(), std::string("Expected an integer for ") + what + " but received " + describe(v));
  return static_cast<int64_t>(d);
}

int64_t int_arg_in(const Napi::CallbackInfo& info, size_t i, const char* what, int64_t lo, int64_t hi) {
  const int64_t v = int_arg(info, i, what);
  if (v < lo || v > hi)
    throw_range_error(info.Env(), concat("Expected an integer in [", lo, ", ", hi, "] for ", what, " but received ", v));
  return v;
}

int64_t size_arg(const Napi::CallbackInfo& info, size_t i, const char* what, int64_t min) {
  const Napi::Value v = arg(info, i);
  if (!v.IsNumber()) throw_type_error(info.Env(), std::string("Expected a size (an integer) for ") + what + " but received " + describe(v));
  const double d = v.As<Napi::Number>().DoubleValue();
  if (!(d >= double(min) && d <= double(kMaxElements)) || d != std::floor(d))
    throw_range_error(info.Env(), concat("Expected a size (an integer in [", min, ", 2^40]) for ", what, " but received ",
                                         describe(v)));
  return static_cast<int64_t>(d);
}

double number_arg(const Napi::CallbackInfo& info, size_t i, const char* what) {
  const Napi::Value v = arg(info, i);
  if (!v.IsNumber()) throw_type_error(info.Env(), std::string("Expected a number for ") + what + " but received " + describe(v));
  const double d = v.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(d)) throw_range_error(info.Env(), std::string("Expected a finite number for ") + what + " but received " + describe(v));
  return d;
}

bool bool_arg(const Napi::CallbackInfo& info, size_t i, const char* what) {
  const Napi::Value v = arg(info, i);
  if (!v.IsBoolean()) throw_type_error(info.Env(), std::string("Expected a boolean for ") + what + " but received " + describe(v));
  return v.As<Napi::Boolean>().Value();
}

cpu::Activation activation_arg(const Napi::CallbackInfo& info, size_t i) {
  const int64_t code = int_arg(info, i, "activation");
  if (code < 0 || code >= int64_t(cpu::Activation::Count)) throw_range_error(info.Env(), concat("unknown activation code ", code));
  return cpu::Activation(code);
}

template <typename T, napi_typedarray_type kType>
static T* typed_value(const Napi::Env& env, const Napi::Value& v, const std::string& what, int64_t min_len,
                      bool optional, const char* type_name) {
  if (optional && (v.IsNull() || v.IsUndefined())) return nullptr;
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != kType)
    throw_type_error(env, "Expected a " + std::string(type_name) + (optional ? " or null" : "") + " for " + what +
                              " but received " + describe(v));
  auto array = v.As<Napi::TypedArrayOf<T>>();
  const int64_t length = static_cast<int64_t>(array.ElementLength());
  if (length == 0) {  // a detached array reads as empty: say so, whatever length was asked for
    const Napi::Value buffer = array.ArrayBuffer();
    if (buffer.IsArrayBuffer() && buffer.As<Napi::ArrayBuffer>().IsDetached())
      throw Napi::Error::New(env, "the memory of " + what + " was transferred away (its ArrayBuffer is detached)");
  }
  if (length < min_len) {
    throw_range_error(env, "Expected at least " + std::to_string(min_len) + " elements in " + what + " but it has " +
                               std::to_string(length));
  }
  // A zero-length view may have no data pointer; kernels never read it (min_len is 0 then).
  return array.Data();
}

float* f32_value(const Napi::Value& v, const std::string& what, int64_t min_len, bool optional) {
  return typed_value<float, napi_float32_array>(v.Env(), v, what, min_len, optional, "Float32Array");
}

float* f32_arg(const Napi::CallbackInfo& info, size_t i, const char* what, int64_t min_len, bool optional) {
  return typed_value<float, napi_float32_array>(info.Env(), arg(info, i), what, min_len, optional, "Float32Array");
}

int32_t* i32_arg(const Napi::CallbackInfo& info, size_t i, const char* what, int64_t min_len, bool optional) {
  return typed_value<int32_t, napi_int32_array>(info.Env(), arg(info, i), what, min_len, optional, "Int32Array");
}

}  // namespace glue
}  // namespace tn

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  tn::glue::register_core(env, exports);
  tn::glue::register_conv(env, exports);
  tn::glue::register_rnn(env, exports);
  tn::glue::register_dispatch(env, exports);
  tn::glue::register_cuda(env, exports);
  return exports;
}

NODE_API_MODULE(tensornode, Init)
