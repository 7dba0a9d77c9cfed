// Glue for the foundation's ops: gemm, dense, activations, bias, dropout, losses,
// metrics, optimizers, thread pool settings. Argument order: outputs, inputs, saved, sizes.
#include <cmath>
#include <string>
#include <vector>

#include "addon/glue.h"
#include "core/thread_pool.h"
#include "cpu/dense.h"
#include "cpu/elementwise.h"
#include "cpu/gemm.h"
#include "cpu/loss.h"
#include "cpu/optim.h"

namespace tn {
namespace glue {
namespace {

using cpu::Activation;

// sgemm(transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc)
//   C (M, N; rows ldc apart) = alpha * op(A) · op(B) + beta * C; op(A) is (M, K), op(B) (K, N).
//   sgemmReference(...) takes the same arguments and runs the naive loop (for tests).
template <bool Reference>
Napi::Value Sgemm(const Napi::CallbackInfo& info) {
  const bool ta = bool_arg(info, 0, "transA"), tb = bool_arg(info, 1, "transB");
  const int64_t M = size_arg(info, 2, "M"), N = size_arg(info, 3, "N"), K = size_arg(info, 4, "K");
  const float alpha = float(number_arg(info, 5, "alpha")), beta = float(number_arg(info, 10, "beta"));
  const int64_t lda = size_arg(info, 7, "lda"), ldb = size_arg(info, 9, "ldb"), ldc = size_arg(info, 12, "ldc");
  // A is stored (M, K), or (K, M) when transposed; likewise B.
  const NamedSize a_rows{ta ? "K" : "M", ta ? K : M}, a_cols{ta ? "M" : "K", ta ? M : K};
  const NamedSize b_rows{tb ? "N" : "K", tb ? N : K}, b_cols{tb ? "K" : "N", tb ? K : N};
  TN_CHECK(lda >= a_cols.value, "lda (", lda, ") must be >= ", a_cols.name, " (", a_cols.value, ")");
  TN_CHECK(ldb >= b_cols.value, "ldb (", ldb, ") must be >= ", b_cols.name, " (", b_cols.value, ")");
  TN_CHECK(ldc >= N, "ldc (", ldc, ") must be >= N (", N, ")");
  const float* A = f32_arg(info, 6, "A", extent(a_rows, a_cols, {"lda", lda}));
  const float* B = f32_arg(info, 8, "B", extent(b_rows, b_cols, {"ldb", ldb}));
  float* C = f32_arg(info, 11, "C", extent({"M", M}, {"N", N}, {"ldc", ldc}));
  if (Reference) cpu::sgemm_reference(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
  else cpu::sgemm(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
  return info.Env().Undefined();
}

// denseForward(y, z|null, x, kernel, bias|null, batch, inDim, outDim, activation, alpha): cpu::dense_forward
Napi::Value DenseForward(const Napi::CallbackInfo& info) {
  const DenseSizes d = dense_sizes(info, 5);
  float* y = f32_arg(info, 0, "y", d.out_elements);
  float* z = f32_arg(info, 1, "z", d.out_elements, true);
  const float* x = f32_arg(info, 2, "x", d.in_elements);
  const float* kernel = f32_arg(info, 3, "kernel", d.kernel_elements);
  const float* bias = f32_arg(info, 4, "bias", d.out, true);
  const Activation act = activation_arg(info, 8);
  const float alpha = float(number_arg(info, 9, "alpha"));
  cpu::dense_forward(y, z, x, kernel, bias, d.batch, d.in, d.out, act, alpha);
  return info.Env().Undefined();
}

// denseBackward(dx|null, dkernel, dbias|null, dzScratch, dy, x, kernel, z|null, y,
//               batch, inDim, outDim, activation, alpha, dyIsPreActivation)
//   dz = dy * act'(z)   (or dy itself when dyIsPreActivation or linear; see Note [Fused output activation])
//   dkernel = x^T · dz  (in, out)     WRITTEN
//   dbias = sum_rows dz (out)         WRITTEN
//   dx = dz · kernel^T  (batch, in)   WRITTEN, skipped when dx is null (first layer)
Napi::Value DenseBackward(const Napi::CallbackInfo& info) {
  const DenseSizes d = dense_sizes(info, 9);
  float* dx = f32_arg(info, 0, "dx", d.in_elements, true);
  float* dkernel = f32_arg(info, 1, "dkernel", d.kernel_elements);
  float* dbias = f32_arg(info, 2, "dbias", d.out, true);
  float* dz_scratch = f32_arg(info, 3, "dzScratch", d.out_elements, true);
  const float* dy = f32_arg(info, 4, "dy", d.out_elements);
  const float* x = f32_arg(info, 5, "x", d.in_elements);
  const float* kernel = f32_arg(info, 6, "kernel", d.kernel_elements);
  const float* z = f32_arg(info, 7, "z", d.out_elements, true);
  const float* y = f32_arg(info, 8, "y", d.out_elements);
  const Activation act = activation_arg(info, 12);
  const float alpha = float(number_arg(info, 13, "alpha"));
  const bool dy_is_pre = bool_arg(info, 14, "dyIsPreActivation");
  cpu::dense_backward(dx, dkernel, dbias, dz_scratch, dy, x, kernel, z, y, d.batch, d.in, d.out, act, alpha, dy_is_pre);
  return info.Env().Undefined();
}

// activationForward(y, x, rows, cols, activation, alpha)
Napi::Value ActivationForward(const Napi::CallbackInfo& info) {
  const int64_t rows = size_arg(info, 2, "rows"), cols = size_arg(info, 3, "cols");
  const int64_t n = elements({{"rows", rows}, {"cols", cols}});
  cpu::activation_forward(activation_arg(info, 4), float(number_arg(info, 5, "alpha")), f32_arg(info, 0, "y", n),
                          f32_arg(info, 1, "x", n), rows, cols);
  return info.Env().Undefined();
}

// activationBackward(dx, dy, x|null, y|null, rows, cols, activation, alpha)
Napi::Value ActivationBackward(const Napi::CallbackInfo& info) {
  const int64_t rows = size_arg(info, 4, "rows"), cols = size_arg(info, 5, "cols");
  const int64_t n = elements({{"rows", rows}, {"cols", cols}});
  cpu::activation_backward(activation_arg(info, 6), float(number_arg(info, 7, "alpha")), f32_arg(info, 0, "dx", n),
                           f32_arg(info, 1, "dy", n), f32_arg(info, 2, "x", n, true), f32_arg(info, 3, "y", n, true), rows,
                           cols);
  return info.Env().Undefined();
}

// biasAdd(y, bias, rows, cols): y += bias per row
Napi::Value BiasAdd(const Napi::CallbackInfo& info) {
  const int64_t rows = size_arg(info, 2, "rows"), cols = size_arg(info, 3, "cols");
  cpu::bias_add(f32_arg(info, 0, "y", elements({{"rows", rows}, {"cols", cols}})), f32_arg(info, 1, "bias", cols), rows, cols);
  return info.Env().Undefined();
}

// biasBackward(dbias, dy, rows, cols): dbias = column sums of dy (written)
Napi::Value BiasBackward(const Napi::CallbackInfo& info) {
  const int64_t rows = size_arg(info, 2, "rows"), cols = size_arg(info, 3, "cols");
  cpu::bias_backward(f32_arg(info, 0, "dbias", cols), f32_arg(info, 1, "dy", elements({{"rows", rows}, {"cols", cols}})), rows,
                     cols);
  return info.Env().Undefined();
}

// dropoutForward(y, mask, x, n, rate, seed): rate in [0, 1), seed a uint32
Napi::Value DropoutForward(const Napi::CallbackInfo& info) {
  const int64_t n = size_arg(info, 3, "n");
  const DropoutArgs a = dropout_args(info, 4);
  cpu::dropout_forward(f32_arg(info, 0, "y", n), f32_arg(info, 1, "mask", n), f32_arg(info, 2, "x", n), n, a.rate, a.seed);
  return info.Env().Undefined();
}

// multiply(out, a, b, n): out = a * b
Napi::Value Multiply(const Napi::CallbackInfo& info) {
  const int64_t n = size_arg(info, 3, "n");
  cpu::multiply(f32_arg(info, 0, "out", n), f32_arg(info, 1, "a", n), f32_arg(info, 2, "b", n), n);
  return info.Env().Undefined();
}

// firstNaN(values: Float32Array) -> index of the first NaN, or -1 (the caller throws).
Napi::Value FirstNaN(const Napi::CallbackInfo& info) {
  const float* values = f32_arg(info, 0, "values", 0);  // checks the type; the length is the array's own
  const int64_t n = int64_t(info[0].As<Napi::Float32Array>().ElementLength());
  return Napi::Number::New(info.Env(), double(cpu::first_nan(values, n)));
}

// lossForwardBackward(loss, fromLogits, grad|null, input, target, rows, cols) -> batch-mean loss
// target: Float32Array (rows*cols), or Int32Array (rows) for the sparse loss.
Napi::Value LossForwardBackward(const Napi::CallbackInfo& info) {
  const LossArgs a = loss_args(info);
  const double value = cpu::loss_forward_backward(a.loss, a.from_logits, a.grad, a.input, a.target, a.labels, a.rows, a.cols);
  return Napi::Number::New(info.Env(), value);
}

// accuracyCount(kind, fromLogits, pred, target, rows, cols) -> number of correct predictions
Napi::Value AccuracyCount(const Napi::CallbackInfo& info) {
  const AccuracyArgs a = accuracy_args(info);
  return Napi::Number::New(info.Env(),
                           double(cpu::accuracy_count(a.kind, a.from_logits, a.pred, a.target, a.labels, a.rows, a.cols)));
}

// hyper[key] when present (a finite number in [lo, hi]), else the fallback; anything else is an error.
double option(const Napi::Object& o, const char* key, double fallback, double lo, double hi) {
  const Napi::Value v = o.Get(key);
  if (v.IsUndefined()) return fallback;
  const double d = v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : NAN;
  if (!(d >= lo && d <= hi) || !std::isfinite(d))
    throw Napi::RangeError::New(o.Env(), concat("Expected a number in [", lo, ", ", hi, "] for hyper.", key));
  return d;
}

}  // namespace

DenseSizes dense_sizes(const Napi::CallbackInfo& info, size_t i) {
  DenseSizes d;
  d.batch = size_arg(info, i, "batch", 1);
  d.in = size_arg(info, i + 1, "inDim", 1);
  d.out = size_arg(info, i + 2, "outDim", 1);
  d.in_elements = elements({{"batch", d.batch}, {"inDim", d.in}});
  d.out_elements = elements({{"batch", d.batch}, {"outDim", d.out}});
  d.kernel_elements = elements({{"inDim", d.in}, {"outDim", d.out}});
  return d;
}

DropoutArgs dropout_args(const Napi::CallbackInfo& info, size_t i) {
  DropoutArgs a;
  const double rate = number_arg(info, i, "rate");
  if (!(rate >= 0 && rate < 1)) throw Napi::RangeError::New(info.Env(), concat("Expected a number in [0, 1) for rate but received ", rate));
  a.rate = float(rate);
  a.seed = uint32_t(int_arg_in(info, i + 1, "seed", 0, 0xffffffffll));
  return a;
}

LossArgs loss_args(const Napi::CallbackInfo& info) {
  LossArgs a;
  a.loss = cpu::Loss(int_arg_in(info, 0, "loss", 0, int64_t(cpu::Loss::Count) - 1));
  a.from_logits = bool_arg(info, 1, "fromLogits");
  a.rows = size_arg(info, 5, "rows", 1);
  a.cols = size_arg(info, 6, "cols", 1);
  const int64_t n = elements({{"rows", a.rows}, {"cols", a.cols}});
  a.grad = f32_arg(info, 2, "grad", n, true);
  a.input = f32_arg(info, 3, "input", n);
  if (a.loss == cpu::Loss::SparseCategoricalCrossentropy) a.labels = i32_arg(info, 4, "target", a.rows);
  else a.target = f32_arg(info, 4, "target", n);
  return a;
}

AccuracyArgs accuracy_args(const Napi::CallbackInfo& info) {
  AccuracyArgs a;
  a.kind = cpu::Accuracy(int_arg_in(info, 0, "kind", 0, int64_t(cpu::Accuracy::Count) - 1));
  a.from_logits = bool_arg(info, 1, "fromLogits");
  a.rows = size_arg(info, 4, "rows", 1);
  a.cols = size_arg(info, 5, "cols", 1);
  const int64_t n = elements({{"rows", a.rows}, {"cols", a.cols}});
  a.pred = f32_arg(info, 2, "pred", n);
  if (a.kind == cpu::Accuracy::Sparse) a.labels = i32_arg(info, 3, "target", a.rows);
  else a.target = f32_arg(info, 3, "target", n);
  return a;
}

OptimizerArgs optimizer_args(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const int64_t code = int_arg_in(info, 0, "kind", 0, int64_t(cpu::Optimizer::Count) - 1);
  if (info.Length() < 2 || !info[1].IsObject()) throw Napi::TypeError::New(env, "Expected an object for hyper");
  const Napi::Object h = info[1].As<Napi::Object>();
  OptimizerArgs args{cpu::Optimizer(code), cpu::OptimizerParams{}, {}};
  cpu::OptimizerParams& hp = args.hp;
  const double inf = HUGE_VAL;
  hp.learning_rate = option(h, "learningRate", hp.learning_rate, 0, inf);
  hp.beta1 = option(h, "beta1", hp.beta1, 0, 1);
  hp.beta2 = option(h, "beta2", hp.beta2, 0, 1);
  hp.epsilon = option(h, "epsilon", hp.epsilon, 0, inf);
  hp.weight_decay = option(h, "weightDecay", hp.weight_decay, 0, inf);
  hp.momentum = option(h, "momentum", hp.momentum, 0, 1);
  hp.rho = option(h, "rho", hp.rho, 0, 1);
  const Napi::Value nesterov = h.Get("nesterov");
  if (!nesterov.IsUndefined() && !nesterov.IsBoolean()) throw Napi::TypeError::New(env, "Expected a boolean for hyper.nesterov");
  hp.nesterov = nesterov.IsBoolean() && nesterov.As<Napi::Boolean>().Value();
  const double step = option(h, "step", 1, 1, 9007199254740992.0);
  if (step != std::floor(step)) throw Napi::RangeError::New(env, "Expected an integer for hyper.step");
  hp.step = int64_t(step);
  for (size_t i = 2; i < 4; ++i)
    if (info.Length() <= i || !info[i].IsArray())
      throw Napi::TypeError::New(env, i == 2 ? "Expected an array for params" : "Expected an array for grads");
  for (size_t i = 4; i < 6; ++i)
    if (info.Length() > i && !info[i].IsArray() && !info[i].IsNull() && !info[i].IsUndefined())
      throw Napi::TypeError::New(env, i == 4 ? "Expected an array or null for slotA" : "Expected an array or null for slotB");
  const Napi::Array params = info[2].As<Napi::Array>(), grads = info[3].As<Napi::Array>();
  const bool has_a = info.Length() > 4 && info[4].IsArray(), has_b = info.Length() > 5 && info[5].IsArray();
  const uint32_t n = params.Length();
  TN_CHECK(grads.Length() == n, "params has ", n, " entries but grads has ", grads.Length());
  TN_CHECK(!has_a || info[4].As<Napi::Array>().Length() == n, "slotA has ", info[4].As<Napi::Array>().Length(), " entries but params has ", n);
  TN_CHECK(!has_b || info[5].As<Napi::Array>().Length() == n, "slotB has ", info[5].As<Napi::Array>().Length(), " entries but params has ", n);
  args.slices.resize(n);
  for (uint32_t i = 0; i < n; ++i) {
    const Napi::Value p = params.Get(i);
    const int64_t size = p.IsTypedArray() ? int64_t(p.As<Napi::TypedArray>().ElementLength()) : 0;  // params[i] sets the size
    const std::string idx = "[" + std::to_string(i) + "]";
    cpu::ParamSlice& slice = args.slices[i];
    slice.param = f32_value(p, "params" + idx, size);
    slice.grad = f32_value(grads.Get(i), "grads" + idx, size);
    slice.slot_a = has_a ? f32_value(info[4].As<Napi::Array>().Get(i), "slotA" + idx, size, true) : nullptr;
    slice.slot_b = has_b ? f32_value(info[5].As<Napi::Array>().Get(i), "slotB" + idx, size, true) : nullptr;
    slice.size = size;
  }
  return args;
}

namespace {

// optimizerUpdate(kind, hyper, params[], grads[], slotA[]|null, slotB[]|null)
// hyper: {learningRate, beta1, beta2, epsilon, weightDecay, momentum, rho, nesterov, step}
Napi::Value OptimizerUpdate(const Napi::CallbackInfo& info) {
  const OptimizerArgs args = optimizer_args(info);
  cpu::optimizer_update(args.kind, args.hp, args.slices);
  return info.Env().Undefined();
}

Napi::Value SetNumThreads(const Napi::CallbackInfo& info) {
  set_num_threads(int(int_arg_in(info, 0, "threads", 1, kMaxThreads)));
  return info.Env().Undefined();
}

Napi::Value NumThreads(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), num_threads()); }

Napi::Value GemmKernel(const Napi::CallbackInfo& info) { return Napi::String::New(info.Env(), cpu::sgemm_kernel_name()); }

}  // namespace

void register_core(Napi::Env env, Napi::Object exports) {
  define(env, exports, "sgemm", Sgemm<false>);
  define(env, exports, "sgemmReference", Sgemm<true>);
  define(env, exports, "denseForward", DenseForward);
  define(env, exports, "denseBackward", DenseBackward);
  define(env, exports, "activationForward", ActivationForward);
  define(env, exports, "activationBackward", ActivationBackward);
  define(env, exports, "biasAdd", BiasAdd);
  define(env, exports, "biasBackward", BiasBackward);
  define(env, exports, "dropoutForward", DropoutForward);
  define(env, exports, "multiply", Multiply);
  define(env, exports, "firstNaN", FirstNaN);
  define(env, exports, "lossForwardBackward", LossForwardBackward);
  define(env, exports, "accuracyCount", AccuracyCount);
  define(env, exports, "optimizerUpdate", OptimizerUpdate);
  define(env, exports, "setNumThreads", SetNumThreads);
  define(env, exports, "numThreads", NumThreads);
  define(env, exports, "gemmKernel", GemmKernel);
}

}  // namespace glue
}  // namespace tn
