// Glue for the foundation's ops: gemm, dense, activations, bias, dropout, losses,
// metrics, optimizers, thread pool settings. Argument order: outputs, inputs, saved, sizes.
#include <string>
#include <vector>

#include "addon/glue.h"
#include "core/thread_pool.h"
#include "cpu/elementwise.h"
#include "cpu/gemm.h"
#include "cpu/loss.h"
#include "cpu/optim.h"

namespace tn {
namespace glue {
namespace {

using cpu::Activation;

// Elements a row-major rows x cols matrix with leading dimension ld spans (0 when empty).
int64_t matrix_extent(int64_t rows, int64_t cols, int64_t ld) { return rows == 0 || cols == 0 ? 0 : (rows - 1) * ld + cols; }

// sgemm(transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc)
Napi::Value Sgemm(const Napi::CallbackInfo& info) {
  const bool ta = bool_arg(info, 0, "transA"), tb = bool_arg(info, 1, "transB");
  const int64_t M = int_arg(info, 2, "M"), N = int_arg(info, 3, "N"), K = int_arg(info, 4, "K");
  const float alpha = float(number_arg(info, 5, "alpha"));
  const int64_t lda = int_arg(info, 7, "lda"), ldb = int_arg(info, 9, "ldb"), ldc = int_arg(info, 12, "ldc");
  const float beta = float(number_arg(info, 10, "beta"));
  TN_CHECK(M >= 0 && N >= 0 && K >= 0, "negative size M=", M, " N=", N, " K=", K);
  const int64_t a_rows = ta ? K : M, a_cols = ta ? M : K, b_rows = tb ? N : K, b_cols = tb ? K : N;
  TN_CHECK(lda >= a_cols && ldb >= b_cols && ldc >= N, "leading dimension too small");
  const float* A = f32_arg(info, 6, "A", matrix_extent(a_rows, a_cols, lda));
  const float* B = f32_arg(info, 8, "B", matrix_extent(b_rows, b_cols, ldb));
  float* C = f32_arg(info, 11, "C", matrix_extent(M, N, ldc));
  cpu::sgemm(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
  return info.Env().Undefined();
}

// sgemmReference(...) — same arguments as sgemm, the naive loop (for tests).
Napi::Value SgemmReference(const Napi::CallbackInfo& info) {
  const bool ta = bool_arg(info, 0, "transA"), tb = bool_arg(info, 1, "transB");
  const int64_t M = int_arg(info, 2, "M"), N = int_arg(info, 3, "N"), K = int_arg(info, 4, "K");
  const int64_t lda = int_arg(info, 7, "lda"), ldb = int_arg(info, 9, "ldb"), ldc = int_arg(info, 12, "ldc");
  const int64_t a_rows = ta ? K : M, a_cols = ta ? M : K, b_rows = tb ? N : K, b_cols = tb ? K : N;
  TN_CHECK(M >= 0 && N >= 0 && K >= 0 && lda >= a_cols && ldb >= b_cols && ldc >= N, "bad sizes");
  cpu::sgemm_reference(ta, tb, M, N, K, float(number_arg(info, 5, "alpha")),
                       f32_arg(info, 6, "A", matrix_extent(a_rows, a_cols, lda)), lda,
                       f32_arg(info, 8, "B", matrix_extent(b_rows, b_cols, ldb)), ldb, float(number_arg(info, 10, "beta")),
                       f32_arg(info, 11, "C", matrix_extent(M, N, ldc)), ldc);
  return info.Env().Undefined();
}

// denseForward(y, z|null, x, kernel, bias|null, batch, inDim, outDim, activation, alpha)
//   z = x·kernel + bias (batch, out) — kept for backward when the activation needs it
//   y = act(z)          (batch, out); with z null, y holds z and act is applied in place.
Napi::Value DenseForward(const Napi::CallbackInfo& info) {
  const int64_t batch = int_arg(info, 5, "batch"), in = int_arg(info, 6, "inDim"), out = int_arg(info, 7, "outDim");
  TN_CHECK(batch > 0 && in > 0 && out > 0, "dense: sizes must be positive");
  float* y = f32_arg(info, 0, "y", batch * out);
  float* z = f32_arg(info, 1, "z", batch * out, true);
  const float* x = f32_arg(info, 2, "x", batch * in);
  const float* kernel = f32_arg(info, 3, "kernel", in * out);
  const float* bias = f32_arg(info, 4, "bias", out, true);
  const Activation act = activation_arg(info, 8);
  const float alpha = float(number_arg(info, 9, "alpha"));
  float* pre = z ? z : y;
  cpu::sgemm(false, false, batch, out, in, 1.f, x, in, kernel, out, 0.f, pre, out);
  if (bias) cpu::bias_add(pre, bias, batch, out);
  if (act != Activation::Linear || pre != y) cpu::activation_forward(act, alpha, y, pre, batch, out);
  return info.Env().Undefined();
}

// denseBackward(dx|null, dkernel, dbias|null, dzScratch, dy, x, kernel, z|null, y,
//               batch, inDim, outDim, activation, alpha, dyIsPreActivation)
//   dz = dy * act'(z)   (or dy itself when dyIsPreActivation or linear; see Note [Fused output activation])
//   dkernel = x^T · dz  (in, out)     WRITTEN
//   dbias = sum_rows dz (out)         WRITTEN
//   dx = dz · kernel^T  (batch, in)   WRITTEN, skipped when dx is null (first layer)
Napi::Value DenseBackward(const Napi::CallbackInfo& info) {
  const int64_t batch = int_arg(info, 9, "batch"), in = int_arg(info, 10, "inDim"), out = int_arg(info, 11, "outDim");
  TN_CHECK(batch > 0 && in > 0 && out > 0, "dense: sizes must be positive");
  float* dx = f32_arg(info, 0, "dx", batch * in, true);
  float* dkernel = f32_arg(info, 1, "dkernel", in * out);
  float* dbias = f32_arg(info, 2, "dbias", out, true);
  float* dz_scratch = f32_arg(info, 3, "dzScratch", batch * out, true);
  const float* dy = f32_arg(info, 4, "dy", batch * out);
  const float* x = f32_arg(info, 5, "x", batch * in);
  const float* kernel = f32_arg(info, 6, "kernel", in * out);
  const float* z = f32_arg(info, 7, "z", batch * out, true);
  const float* y = f32_arg(info, 8, "y", batch * out);
  const Activation act = activation_arg(info, 12);
  const float alpha = float(number_arg(info, 13, "alpha"));
  const bool dy_is_pre = bool_arg(info, 14, "dyIsPreActivation");
  const float* dz = dy;
  if (!dy_is_pre && act != Activation::Linear) {
    TN_CHECK(dz_scratch != nullptr, "dense backward needs dzScratch for activation ", int(act));
    cpu::activation_backward(act, alpha, dz_scratch, dy, z, y, batch, out);
    dz = dz_scratch;
  }
  cpu::sgemm(true, false, in, out, batch, 1.f, x, in, dz, out, 0.f, dkernel, out);
  if (dbias) cpu::bias_backward(dbias, dz, batch, out);
  if (dx) cpu::sgemm(false, true, batch, in, out, 1.f, dz, out, kernel, out, 0.f, dx, in);
  return info.Env().Undefined();
}

// activationForward(y, x, rows, cols, activation, alpha)
Napi::Value ActivationForward(const Napi::CallbackInfo& info) {
  const int64_t rows = int_arg(info, 2, "rows"), cols = int_arg(info, 3, "cols");
  TN_CHECK(rows >= 0 && cols >= 0, "negative size");
  cpu::activation_forward(activation_arg(info, 4), float(number_arg(info, 5, "alpha")), f32_arg(info, 0, "y", rows * cols),
                          f32_arg(info, 1, "x", rows * cols), rows, cols);
  return info.Env().Undefined();
}

// activationBackward(dx, dy, x|null, y|null, rows, cols, activation, alpha)
Napi::Value ActivationBackward(const Napi::CallbackInfo& info) {
  const int64_t rows = int_arg(info, 4, "rows"), cols = int_arg(info, 5, "cols");
  TN_CHECK(rows >= 0 && cols >= 0, "negative size");
  cpu::activation_backward(activation_arg(info, 6), float(number_arg(info, 7, "alpha")), f32_arg(info, 0, "dx", rows * cols),
                           f32_arg(info, 1, "dy", rows * cols), f32_arg(info, 2, "x", rows * cols, true),
                           f32_arg(info, 3, "y", rows * cols, true), rows, cols);
  return info.Env().Undefined();
}

// biasAdd(y, bias, rows, cols): y += bias per row
Napi::Value BiasAdd(const Napi::CallbackInfo& info) {
  const int64_t rows = int_arg(info, 2, "rows"), cols = int_arg(info, 3, "cols");
  cpu::bias_add(f32_arg(info, 0, "y", rows * cols), f32_arg(info, 1, "bias", cols), rows, cols);
  return info.Env().Undefined();
}

// biasBackward(dbias, dy, rows, cols): dbias = column sums of dy (written)
Napi::Value BiasBackward(const Napi::CallbackInfo& info) {
  const int64_t rows = int_arg(info, 2, "rows"), cols = int_arg(info, 3, "cols");
  cpu::bias_backward(f32_arg(info, 0, "dbias", cols), f32_arg(info, 1, "dy", rows * cols), rows, cols);
  return info.Env().Undefined();
}

// dropoutForward(y, mask, x, n, rate, seed)
Napi::Value DropoutForward(const Napi::CallbackInfo& info) {
  const int64_t n = int_arg(info, 3, "n");
  cpu::dropout_forward(f32_arg(info, 0, "y", n), f32_arg(info, 1, "mask", n), f32_arg(info, 2, "x", n), n,
                       float(number_arg(info, 4, "rate")), uint32_t(int_arg(info, 5, "seed")));
  return info.Env().Undefined();
}

// multiply(out, a, b, n): out = a * b
Napi::Value Multiply(const Napi::CallbackInfo& info) {
  const int64_t n = int_arg(info, 3, "n");
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
  const int64_t code = int_arg(info, 0, "loss");
  TN_CHECK(code >= 0 && code < int64_t(cpu::Loss::Count), "unknown loss code ", code);
  const cpu::Loss loss = cpu::Loss(code);
  const int64_t rows = int_arg(info, 5, "rows"), cols = int_arg(info, 6, "cols");
  TN_CHECK(rows > 0 && cols > 0, "loss: sizes must be positive");
  const bool sparse = loss == cpu::Loss::SparseCategoricalCrossentropy;
  const double value = cpu::loss_forward_backward(
      loss, bool_arg(info, 1, "fromLogits"), f32_arg(info, 2, "grad", rows * cols, true), f32_arg(info, 3, "input", rows * cols),
      sparse ? nullptr : f32_arg(info, 4, "target", rows * cols), sparse ? i32_arg(info, 4, "target", rows) : nullptr, rows,
      cols);
  return Napi::Number::New(info.Env(), value);
}

// accuracyCount(kind, fromLogits, pred, target, rows, cols) -> number of correct predictions
Napi::Value AccuracyCount(const Napi::CallbackInfo& info) {
  const int64_t code = int_arg(info, 0, "kind");
  TN_CHECK(code >= 0 && code < int64_t(cpu::Accuracy::Count), "unknown accuracy code ", code);
  const cpu::Accuracy kind = cpu::Accuracy(code);
  const int64_t rows = int_arg(info, 4, "rows"), cols = int_arg(info, 5, "cols");
  const bool sparse = kind == cpu::Accuracy::Sparse;
  const int64_t correct = cpu::accuracy_count(kind, bool_arg(info, 1, "fromLogits"), f32_arg(info, 2, "pred", rows * cols),
                                              sparse ? nullptr : f32_arg(info, 3, "target", rows * cols),
                                              sparse ? i32_arg(info, 3, "target", rows) : nullptr, rows, cols);
  return Napi::Number::New(info.Env(), double(correct));
}

double option(const Napi::Object& o, const char* key, double fallback) {
  const Napi::Value v = o.Get(key);
  return v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : fallback;
}

}  // namespace

OptimizerArgs optimizer_args(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const int64_t code = int_arg(info, 0, "kind");
  TN_CHECK(code >= 0 && code < int64_t(cpu::Optimizer::Count), "unknown optimizer code ", code);
  if (!info[1].IsObject()) throw Napi::TypeError::New(env, "Expected an object for hyper");
  const Napi::Object h = info[1].As<Napi::Object>();
  OptimizerArgs args{cpu::Optimizer(code), cpu::OptimizerParams{}, {}};
  cpu::OptimizerParams& hp = args.hp;
  hp.learning_rate = option(h, "learningRate", hp.learning_rate);
  hp.beta1 = option(h, "beta1", hp.beta1);
  hp.beta2 = option(h, "beta2", hp.beta2);
  hp.epsilon = option(h, "epsilon", hp.epsilon);
  hp.weight_decay = option(h, "weightDecay", hp.weight_decay);
  hp.momentum = option(h, "momentum", hp.momentum);
  hp.rho = option(h, "rho", hp.rho);
  hp.nesterov = h.Get("nesterov").ToBoolean().Value();
  hp.step = int64_t(option(h, "step", 1));
  for (size_t i = 2; i < 4; ++i)
    if (!info[i].IsArray()) throw Napi::TypeError::New(env, i == 2 ? "Expected an array for params" : "Expected an array for grads");
  const Napi::Array params = info[2].As<Napi::Array>(), grads = info[3].As<Napi::Array>();
  const bool has_a = info[4].IsArray(), has_b = info[5].IsArray();
  const uint32_t n = params.Length();
  TN_CHECK(grads.Length() == n, "params has ", n, " entries but grads has ", grads.Length());
  args.slices.resize(n);
  for (uint32_t i = 0; i < n; ++i) {
    const Napi::Value p = params.Get(i);
    const int64_t size = p.IsTypedArray() ? int64_t(p.As<Napi::TypedArray>().ElementLength()) : 0;
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
  set_num_threads(int(int_arg(info, 0, "threads")));
  return info.Env().Undefined();
}

Napi::Value NumThreads(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), num_threads()); }

Napi::Value GemmKernel(const Napi::CallbackInfo& info) { return Napi::String::New(info.Env(), cpu::sgemm_kernel_name()); }

}  // namespace

void register_core(Napi::Env env, Napi::Object exports) {
  define(env, exports, "sgemm", Sgemm);
  define(env, exports, "sgemmReference", SgemmReference);
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
