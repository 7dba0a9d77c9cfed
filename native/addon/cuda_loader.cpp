// Finds and loads the CUDA plugin at run time, and says exactly why when it cannot.
//
// The CPU addon never includes a CUDA header and never links a CUDA library: it dlopen()s
// libtensornode_cuda.so and talks to it through the C function table of native/cuda/plugin_api.h
// (See Note [Plugin ABI] there). Where no plugin exists everything works as before.
//
// Note [Where the CUDA plugin is found]: the first of
//   1. $TENSORNODE_CUDA_PLUGIN (that file and nothing else),
//   2. <packageRoot>/prebuilds/<platform>-<arch>/tensornode_cuda.so (shipped binaries),
//   3. <packageRoot>/build/cuda/libtensornode_cuda.so (npm run build:cuda)
// that dlopen()s, hands out ABI version TN_CUDA_ABI_VERSION and initialises a GPU. It is tried once per
// process, at the first cudaStatus(packageRoot) call (lib/backend.ts passes the package root).
//
// JS exports:
//   cudaStatus(packageRoot) -> { available, reason, pluginPath, attempts: [{path, error}], info? }
//   cudaOps.<op>(...)       -> the CPU glue's signatures (denseForward, …, optimizerUpdate) on HOST arrays,
//                              run on the GPU through device copies: slow by design, for parity tests
//                              of the plugin against the CPU backend (test/cuda.test.js), never for training.
#include <dlfcn.h>
#include <sys/stat.h>

#include <cstdlib>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "addon/glue.h"
#include "cuda/plugin_api.h"

namespace tn {
namespace glue {
namespace {

struct Attempt {
  std::string path, error;
};

struct PluginState {
  bool tried = false;
  bool available = false;
  std::string reason;
  std::string path;
  std::vector<Attempt> attempts;
  const tn_cuda_api* api = nullptr;
  tn_cuda_info info{};
};

std::mutex g_mutex;
PluginState g_state;

const char* platform_name() {
#if defined(__linux__)
  return "linux";
#elif defined(__APPLE__)
  return "darwin";
#elif defined(_WIN32)
  return "win32";
#else
  return "unknown";
#endif
}

const char* arch_name() {
#if defined(__x86_64__) || defined(_M_X64)
  return "x64";
#elif defined(__aarch64__) || defined(_M_ARM64)
  return "arm64";
#else
  return "unknown";
#endif
}

bool file_exists(const std::string& p) {
  struct stat st;
  return ::stat(p.c_str(), &st) == 0;
}

// A dlopen error in user terms: which dependency is missing, then the loader's own words.
std::string explain_dlopen(const std::string& err) {
  if (err.find("libcudnn") != std::string::npos)
    return "cuDNN 9 is missing (libcudnn.so.9 not on the library path; install cuDNN 9 or add its directory to "
           "LD_LIBRARY_PATH): " + err;
  if (err.find("libcublas") != std::string::npos)
    return "cuBLAS from the CUDA toolkit is missing (install the CUDA >= 12 runtime libraries or add them to "
           "LD_LIBRARY_PATH): " + err;
  if (err.find("libcudart") != std::string::npos)
    return "the CUDA runtime (libcudart) is missing (install the CUDA >= 12 runtime or add it to LD_LIBRARY_PATH): " +
           err;
  if (err.find("libcuda.so") != std::string::npos) return "no NVIDIA driver (libcuda.so not found): " + err;
  return "dlopen failed: " + err;
}

void try_load(const std::string& root) {
  PluginState& s = g_state;
  s.tried = true;
  std::vector<std::string> candidates;
  const char* env = std::getenv("TENSORNODE_CUDA_PLUGIN");
  const bool from_env = env != nullptr && env[0] != '\0';
  if (from_env) {
    candidates.push_back(env);
  } else {
    candidates.push_back(root + "/prebuilds/" + platform_name() + "-" + arch_name() + "/tensornode_cuda.so");
    candidates.push_back(root + "/build/cuda/libtensornode_cuda.so");
  }
  bool any_file = false;
  for (const std::string& path : candidates) {
    if (!file_exists(path)) {
      s.attempts.push_back({path, from_env ? "no such file (from TENSORNODE_CUDA_PLUGIN)" : "no such file"});
      continue;
    }
    any_file = true;
    dlerror();
    void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
      const char* e = dlerror();
      s.attempts.push_back({path, explain_dlopen(e ? e : "unknown error")});
      continue;
    }
    // Never dlclose()d: CUDA state must not be unloaded under a live process.
    auto get_api = reinterpret_cast<tn_cuda_get_api_fn>(dlsym(handle, "tn_cuda_get_api"));
    if (!get_api) {
      s.attempts.push_back({path, "not a tensornode CUDA plugin (no tn_cuda_get_api symbol)"});
      continue;
    }
    const tn_cuda_api* api = get_api(TN_CUDA_ABI_VERSION);
    if (!api || api->struct_size < sizeof(tn_cuda_api)) {
      s.attempts.push_back({path, "plugin ABI mismatch: this addon needs ABI version " +
                                      std::to_string(TN_CUDA_ABI_VERSION) +
                                      "; rebuild the plugin from the same sources (npm run build:cuda)"});
      continue;
    }
    const tn_cuda_status st = api->init(0);
    if (st != TN_CUDA_OK) {
      // No driver / no GPU / cuDNN cannot start: the plugin itself is fine, this machine cannot run it.
      s.attempts.push_back({path, api->last_error()});
      s.path = path;
      s.reason = std::string("the CUDA plugin at ") + path + " loaded but cannot run here: " + api->last_error();
      return;
    }
    if (api->get_info(&s.info) != TN_CUDA_OK) {
      s.attempts.push_back({path, api->last_error()});
      s.reason = std::string("the CUDA plugin at ") + path + " could not query the GPU: " + api->last_error();
      return;
    }
    s.api = api;
    s.path = path;
    s.available = true;
    s.reason = "";
    return;
  }
  if (!any_file) {
    s.reason = from_env ? std::string("TENSORNODE_CUDA_PLUGIN=") + env + " does not exist"
                        : "the CUDA plugin is not built (no " + candidates.back() +
                              " and no prebuilt " + candidates.front() +
                              "); build it with `npm run build:cuda` on a machine with CUDA >= 12 and cuDNN 9";
  } else {
    std::string why;
    for (const Attempt& a : s.attempts) why += (why.empty() ? "" : "; ") + a.path + ": " + a.error;
    s.reason = "the CUDA plugin could not be loaded: " + why;
  }
}

std::string version3(long long v, long long major_div) {
  return std::to_string(v / major_div) + "." + std::to_string((v % major_div) / (major_div / 100)) + "." +
         std::to_string(v % (major_div / 100));
}
std::string cuda_version(int v) { return std::to_string(v / 1000) + "." + std::to_string((v % 1000) / 10); }

Napi::Value CudaStatus(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsString()) throw Napi::TypeError::New(env, "Expected a string for packageRoot");
  std::lock_guard<std::mutex> lock(g_mutex);
  if (!g_state.tried) try_load(info[0].As<Napi::String>().Utf8Value());
  const PluginState& s = g_state;
  Napi::Object out = Napi::Object::New(env);
  out.Set("available", s.available);
  out.Set("reason", s.reason);
  out.Set("pluginPath", s.path.empty() ? env.Null() : Napi::String::New(env, s.path));
  Napi::Array attempts = Napi::Array::New(env, s.attempts.size());
  for (size_t i = 0; i < s.attempts.size(); ++i) {
    Napi::Object a = Napi::Object::New(env);
    a.Set("path", s.attempts[i].path);
    a.Set("error", s.attempts[i].error);
    attempts.Set(uint32_t(i), a);
  }
  out.Set("attempts", attempts);
  if (s.available) {
    const tn_cuda_info& d = s.info;
    Napi::Object i = Napi::Object::New(env);
    i.Set("device", d.device);
    i.Set("name", d.name);
    i.Set("computeCapability", std::to_string(d.compute_major) + "." + std::to_string(d.compute_minor));
    i.Set("multiprocessors", d.multiprocessors);
    i.Set("totalMemory", double(d.total_memory));
    i.Set("freeMemory", double(d.free_memory));
    i.Set("driverCuda", cuda_version(d.driver_version));
    i.Set("runtimeCuda", cuda_version(d.runtime_version));
    i.Set("builtWithCuda", cuda_version(d.built_cuda_version));
    i.Set("cudnn", version3((long long)d.cudnn_version, 10000));
    i.Set("builtWithCudnn", version3((long long)d.cudnn_built_version, 10000));
    i.Set("cublas", version3(d.cublas_version, 10000));
    i.Set("cublasLt", double(d.cublaslt_version));
    i.Set("tf32", d.tf32 != 0);
    out.Set("info", i);
  }
  return out;
}

// ---- cudaOps: host-array mirrors of the CPU glue, for parity tests ----

const tn_cuda_api& api() {
  std::lock_guard<std::mutex> lock(g_mutex);
  if (!g_state.tried) throw Error("the CUDA plugin has not been looked for yet (call cudaStatus(packageRoot) first)");
  if (!g_state.available) throw Error("the CUDA plugin is not available: " + g_state.reason);
  return *g_state.api;
}

void check(tn_cuda_status s) {
  if (s != TN_CUDA_OK) throw Error(api().last_error());
}

// A device copy of a host buffer (or of nothing, for a null argument); download() copies it back.
class Staged {
 public:
  Staged(const void* host, int64_t elements, size_t elem_size = sizeof(float))
      : host_(const_cast<void*>(host)), bytes_(size_t(elements) * elem_size) {
    if (!host_ || bytes_ == 0) return;
    check(api().malloc(&dev_, bytes_));
    check(api().copy_to_device(dev_, host_, bytes_));
  }
  Staged(const Staged&) = delete;
  Staged& operator=(const Staged&) = delete;
  ~Staged() {
    if (dev_) api().free(dev_);
  }
  float* f() const { return static_cast<float*>(dev_); }
  int32_t* i() const { return static_cast<int32_t*>(dev_); }
  void download() const {
    if (dev_) check(api().copy_to_host(host_, dev_, bytes_));
  }

 private:
  void* host_;
  size_t bytes_;
  void* dev_ = nullptr;
};

int activation_code(const Napi::CallbackInfo& info, size_t i) { return int(activation_arg(info, i)); }

// denseForward(y, z|null, x, kernel, bias|null, batch, inDim, outDim, activation, alpha)
Napi::Value OpsDenseForward(const Napi::CallbackInfo& info) {
  const DenseSizes d = dense_sizes(info, 5);
  const int64_t batch = d.batch, in = d.in, out = d.out;
  Staged y(f32_arg(info, 0, "y", d.out_elements), d.out_elements);
  Staged z(f32_arg(info, 1, "z", d.out_elements, true), d.out_elements);
  Staged x(f32_arg(info, 2, "x", d.in_elements), d.in_elements);
  Staged kernel(f32_arg(info, 3, "kernel", d.kernel_elements), d.kernel_elements);
  Staged bias(f32_arg(info, 4, "bias", out, true), out);
  check(api().dense_forward(y.f(), z.f(), x.f(), kernel.f(), bias.f(), batch, in, out, activation_code(info, 8),
                            float(number_arg(info, 9, "alpha"))));
  y.download();
  z.download();
  return info.Env().Undefined();
}

// denseBackward(dx|null, dkernel, dbias|null, dzScratch|null, dy, x, kernel, z|null, y, batch, inDim, outDim,
//               activation, alpha, dyIsPreActivation)
Napi::Value OpsDenseBackward(const Napi::CallbackInfo& info) {
  const DenseSizes d = dense_sizes(info, 9);
  const int64_t batch = d.batch, in = d.in, out = d.out;
  Staged dx(f32_arg(info, 0, "dx", d.in_elements, true), d.in_elements);
  Staged dkernel(f32_arg(info, 1, "dkernel", d.kernel_elements), d.kernel_elements);
  Staged dbias(f32_arg(info, 2, "dbias", out, true), out);
  Staged dz(f32_arg(info, 3, "dzScratch", d.out_elements, true), d.out_elements);
  Staged dy(f32_arg(info, 4, "dy", d.out_elements), d.out_elements);
  Staged x(f32_arg(info, 5, "x", d.in_elements), d.in_elements);
  Staged kernel(f32_arg(info, 6, "kernel", d.kernel_elements), d.kernel_elements);
  Staged z(f32_arg(info, 7, "z", d.out_elements, true), d.out_elements);
  Staged y(f32_arg(info, 8, "y", d.out_elements), d.out_elements);
  check(api().dense_backward(dx.f(), dkernel.f(), dbias.f(), dz.f(), dy.f(), x.f(), kernel.f(), z.f(), y.f(), batch, in,
                             out, activation_code(info, 12), float(number_arg(info, 13, "alpha")),
                             bool_arg(info, 14, "dyIsPreActivation") ? 1 : 0));
  dx.download();
  dkernel.download();
  dbias.download();
  dz.download();
  return info.Env().Undefined();
}

// activationForward(y, x, rows, cols, activation, alpha)
Napi::Value OpsActivationForward(const Napi::CallbackInfo& info) {
  const int64_t rows = size_arg(info, 2, "rows"), cols = size_arg(info, 3, "cols");
  const int64_t n = elements({{"rows", rows}, {"cols", cols}});
  Staged y(f32_arg(info, 0, "y", n), n);
  Staged x(f32_arg(info, 1, "x", n), n);
  check(api().activation_forward(activation_code(info, 4), float(number_arg(info, 5, "alpha")), y.f(), x.f(), rows, cols));
  y.download();
  return info.Env().Undefined();
}

// activationBackward(dx, dy, x|null, y|null, rows, cols, activation, alpha)
Napi::Value OpsActivationBackward(const Napi::CallbackInfo& info) {
  const int64_t rows = size_arg(info, 4, "rows"), cols = size_arg(info, 5, "cols");
  const int64_t n = elements({{"rows", rows}, {"cols", cols}});
  Staged dx(f32_arg(info, 0, "dx", n), n);
  Staged dy(f32_arg(info, 1, "dy", n), n);
  Staged x(f32_arg(info, 2, "x", n, true), n);
  Staged y(f32_arg(info, 3, "y", n, true), n);
  check(api().activation_backward(activation_code(info, 6), float(number_arg(info, 7, "alpha")), dx.f(), dy.f(), x.f(),
                                  y.f(), rows, cols));
  dx.download();
  return info.Env().Undefined();
}

// biasAdd(y, bias, rows, cols)
Napi::Value OpsBiasAdd(const Napi::CallbackInfo& info) {
  const int64_t rows = size_arg(info, 2, "rows"), cols = size_arg(info, 3, "cols");
  const int64_t n = elements({{"rows", rows}, {"cols", cols}});
  Staged y(f32_arg(info, 0, "y", n), n);
  Staged bias(f32_arg(info, 1, "bias", cols), cols);
  check(api().bias_add(y.f(), bias.f(), rows, cols));
  y.download();
  return info.Env().Undefined();
}

// biasBackward(dbias, dy, rows, cols)
Napi::Value OpsBiasBackward(const Napi::CallbackInfo& info) {
  const int64_t rows = size_arg(info, 2, "rows"), cols = size_arg(info, 3, "cols");
  const int64_t n = elements({{"rows", rows}, {"cols", cols}});
  Staged dbias(f32_arg(info, 0, "dbias", cols), cols);
  Staged dy(f32_arg(info, 1, "dy", n), n);
  check(api().bias_backward(dbias.f(), dy.f(), rows, cols));
  dbias.download();
  return info.Env().Undefined();
}

// dropoutForward(y, mask, x, n, rate, seed)
Napi::Value OpsDropoutForward(const Napi::CallbackInfo& info) {
  const int64_t n = size_arg(info, 3, "n");
  const DropoutArgs a = dropout_args(info, 4);
  Staged y(f32_arg(info, 0, "y", n), n);
  Staged mask(f32_arg(info, 1, "mask", n), n);
  Staged x(f32_arg(info, 2, "x", n), n);
  check(api().dropout_forward(y.f(), mask.f(), x.f(), n, a.rate, a.seed));
  y.download();
  mask.download();
  return info.Env().Undefined();
}

// multiply(out, a, b, n)
Napi::Value OpsMultiply(const Napi::CallbackInfo& info) {
  const int64_t n = size_arg(info, 3, "n");
  Staged out(f32_arg(info, 0, "out", n), n);
  Staged a(f32_arg(info, 1, "a", n), n);
  Staged b(f32_arg(info, 2, "b", n), n);
  check(api().multiply(out.f(), a.f(), b.f(), n));
  out.download();
  return info.Env().Undefined();
}

// Runs fn(metrics) on a fresh device accumulator and returns its host copy; reports a bad sparse label
// as the CPU backend does.
template <typename Fn>
tn_cuda_metrics with_metrics(int64_t cols, Fn&& fn) {
  void* dev = nullptr;
  check(api().malloc(&dev, sizeof(tn_cuda_metrics)));
  tn_cuda_metrics host{};
  try {
    check(api().metrics_reset(static_cast<tn_cuda_metrics*>(dev)));
    fn(static_cast<tn_cuda_metrics*>(dev));
    check(api().metrics_read(&host, static_cast<tn_cuda_metrics*>(dev)));
  } catch (...) {
    api().free(dev);
    throw;
  }
  api().free(dev);
  TN_CHECK(host.bad_label_row < 0, "sparse label ", host.bad_label, " at row ", host.bad_label_row,
           " is outside [0, ", cols, ")");
  return host;
}

// lossForwardBackward(loss, fromLogits, grad|null, input, target, rows, cols) -> batch-mean loss
Napi::Value OpsLossForwardBackward(const Napi::CallbackInfo& info) {
  const LossArgs a = loss_args(info);
  const int64_t rows = a.rows, cols = a.cols, n = rows * cols;  // checked by loss_args
  Staged grad(a.grad, n);
  Staged input(a.input, n);
  Staged target(a.target, n);
  Staged labels(a.labels, rows, sizeof(int32_t));
  const tn_cuda_metrics m = with_metrics(cols, [&](tn_cuda_metrics* dev) {
    check(api().loss_forward_backward(int(a.loss), a.from_logits ? 1 : 0, grad.f(), input.f(), target.f(), labels.i(), rows,
                                      cols, dev));
  });
  grad.download();
  return Napi::Number::New(info.Env(), m.loss_sum);
}

// accuracyCount(kind, fromLogits, pred, target, rows, cols) -> number of correct predictions
Napi::Value OpsAccuracyCount(const Napi::CallbackInfo& info) {
  const AccuracyArgs a = accuracy_args(info);
  const int64_t rows = a.rows, cols = a.cols, n = rows * cols;  // checked by accuracy_args
  Staged pred(a.pred, n);
  Staged target(a.target, n);
  Staged labels(a.labels, rows, sizeof(int32_t));
  const tn_cuda_metrics m = with_metrics(cols, [&](tn_cuda_metrics* dev) {
    check(api().accuracy_count(int(a.kind), a.from_logits ? 1 : 0, pred.f(), target.f(), labels.i(), rows, cols, dev));
  });
  return Napi::Number::New(info.Env(), double(m.correct));
}

// optimizerUpdate(kind, hyper, params[], grads[], slotA[]|null, slotB[]|null), argument for argument
// the CPU glue's (optimizer_args in glue_core.cpp parses both).
Napi::Value OpsOptimizerUpdate(const Napi::CallbackInfo& info) {
  const OptimizerArgs args = optimizer_args(info);
  tn_cuda_optimizer_params hp{};
  hp.learning_rate = args.hp.learning_rate;
  hp.beta1 = args.hp.beta1;
  hp.beta2 = args.hp.beta2;
  hp.epsilon = args.hp.epsilon;
  hp.weight_decay = args.hp.weight_decay;
  hp.momentum = args.hp.momentum;
  hp.rho = args.hp.rho;
  hp.nesterov = args.hp.nesterov ? 1 : 0;
  hp.step = args.hp.step;
  std::vector<std::unique_ptr<Staged>> staged;
  std::vector<tn_cuda_param_slice> slices(args.slices.size());
  auto stage = [&](const float* host, int64_t size) {
    staged.push_back(std::make_unique<Staged>(host, size));
    return staged.back().get();
  };
  std::vector<Staged*> outputs;
  for (size_t i = 0; i < args.slices.size(); ++i) {
    const cpu::ParamSlice& s = args.slices[i];
    Staged* sp = stage(s.param, s.size);
    Staged* sg = stage(s.grad, s.size);
    Staged* sa = stage(s.slot_a, s.size);
    Staged* sb = stage(s.slot_b, s.size);
    slices[i] = {sp->f(), sg->f(), sa->f(), sb->f(), s.size};
    outputs.insert(outputs.end(), {sp, sa, sb});
  }
  check(api().optimizer_update(int(args.kind), &hp, slices.data(), int64_t(slices.size())));
  for (Staged* s : outputs) s->download();
  return info.Env().Undefined();
}

// ---- ABI 2 mirrors: the cuDNN slice. Dims arrays are those of the CPU glue (glue_conv.cpp). ----

// The CPU glue's dims, validated and size-checked by the same parsers (conv_sizes, pool_sizes).
tn_cuda_conv2d_params cuda_conv_params(const cpu::Conv2dParams& p) {
  return tn_cuda_conv2d_params{p.batch, p.in_h, p.in_w, p.in_c, p.out_h, p.out_w, p.out_c, p.k_h,
                               p.k_w,   p.stride_h, p.stride_w, p.dil_h, p.dil_w, p.pad_top, p.pad_left};
}
tn_cuda_pool2d_params cuda_pool_params(const cpu::Pool2dParams& p) {
  return tn_cuda_pool2d_params{p.batch, p.in_h, p.in_w, p.channels, p.out_h, p.out_w,
                               p.pool_h, p.pool_w, p.stride_h, p.stride_w, p.pad_top, p.pad_left};
}

// rnn params from the ten sizes of the CPU glue starting at i (cell, batch, time, inDim, units, activation,
// recurrentActivation, goBackwards, returnSequences, zeroOutputForMask), then hasMask, hasDropout.
// Also returns the checked buffer lengths (rnn_sizes, the CPU glue's parser).
tn_cuda_rnn_params cuda_rnn_params(const Napi::CallbackInfo& info, size_t i, RnnSizes* sizes = nullptr) {
  const RnnSizes s = rnn_sizes(info, i);
  tn_cuda_rnn_params p{};
  p.cell = int(s.p.cell);
  p.batch = s.p.batch;
  p.time = s.p.time;
  p.in_dim = s.p.in_dim;
  p.units = s.p.units;
  p.act = int(s.p.act);
  p.rec_act = int(s.p.rec_act);
  p.go_backwards = s.p.go_backwards ? 1 : 0;
  p.return_sequences = s.p.return_sequences ? 1 : 0;
  p.zero_output_for_mask = s.p.zero_output_for_mask ? 1 : 0;
  if (info.Length() > i + 10) p.has_mask = bool_arg(info, i + 10, "hasMask") ? 1 : 0;
  if (info.Length() > i + 11) p.has_dropout = bool_arg(info, i + 11, "hasDropout") ? 1 : 0;
  if (sizes) *sizes = s;
  return p;
}

Napi::Value supports_result(const Napi::Env& env, tn_cuda_status st) {
  if (st == TN_CUDA_OK) return env.Null();
  return Napi::String::New(env, api().last_error());
}

// supportsConv2d(dims) / supportsMaxPool2d(dims) / supportsAvgPool2d(dims) -> null, or why not (a string)
Napi::Value OpsSupportsConv2d(const Napi::CallbackInfo& info) {
  const tn_cuda_conv2d_params p = cuda_conv_params(conv_sizes(info, 0).p);
  return supports_result(info.Env(), api().supports(TN_CUDA_OP_CONV2D, &p));
}
Napi::Value OpsSupportsMaxPool2d(const Napi::CallbackInfo& info) {
  const tn_cuda_pool2d_params p = cuda_pool_params(pool_sizes(info, 0).p);
  return supports_result(info.Env(), api().supports(TN_CUDA_OP_MAXPOOL2D, &p));
}
Napi::Value OpsSupportsAvgPool2d(const Napi::CallbackInfo& info) {
  const tn_cuda_pool2d_params p = cuda_pool_params(pool_sizes(info, 0).p);
  return supports_result(info.Env(), api().supports(TN_CUDA_OP_AVGPOOL2D, &p));
}
// supportsRnn(cell, batch, time, inDim, units, activation, recurrentActivation, goBackwards, returnSequences,
//             zeroOutputForMask, hasMask, hasDropout)
Napi::Value OpsSupportsRnn(const Napi::CallbackInfo& info) {
  const tn_cuda_rnn_params p = cuda_rnn_params(info, 0);
  return supports_result(info.Env(), api().supports(TN_CUDA_OP_RNN, &p));
}

// conv2dForward(y, x, kernel, dims): no bias / activation (the CPU glue's conv2dForward with those off).
Napi::Value OpsConv2dForward(const Napi::CallbackInfo& info) {
  const ConvSizes s = conv_sizes(info, 3);
  const tn_cuda_conv2d_params p = cuda_conv_params(s.p);
  const int64_t nx = s.in_elements, ny = s.out_elements, nk = s.kernel_elements;
  Staged y(f32_arg(info, 0, "y", ny), ny);
  Staged x(f32_arg(info, 1, "x", nx), nx);
  Staged kernel(f32_arg(info, 2, "kernel", nk), nk);
  check(api().conv2d_forward(&p, y.f(), x.f(), kernel.f()));
  y.download();
  return info.Env().Undefined();
}

// conv2dBackward(dx|null, dkernel, dy, x, kernel, dims)
Napi::Value OpsConv2dBackward(const Napi::CallbackInfo& info) {
  const ConvSizes s = conv_sizes(info, 5);
  const tn_cuda_conv2d_params p = cuda_conv_params(s.p);
  const int64_t nx = s.in_elements, ny = s.out_elements, nk = s.kernel_elements;
  Staged dx(f32_arg(info, 0, "dx", nx, true), nx);
  Staged dkernel(f32_arg(info, 1, "dkernel", nk), nk);
  Staged dy(f32_arg(info, 2, "dy", ny), ny);
  Staged x(f32_arg(info, 3, "x", nx), nx);
  Staged kernel(f32_arg(info, 4, "kernel", nk), nk);
  check(api().conv2d_backward(&p, dx.f(), dkernel.f(), dy.f(), x.f(), kernel.f()));
  dx.download();
  dkernel.download();
  return info.Env().Undefined();
}

// maxPool2dForward(y, x, dims) / avgPool2dForward(y, x, dims)
template <bool Max>
Napi::Value OpsPool2dForward(const Napi::CallbackInfo& info) {
  const PoolSizes s = pool_sizes(info, 2);
  const tn_cuda_pool2d_params p = cuda_pool_params(s.p);
  const int64_t nx = s.in_elements, ny = s.out_elements;
  Staged y(f32_arg(info, 0, "y", ny), ny);
  Staged x(f32_arg(info, 1, "x", nx), nx);
  check(Max ? api().maxpool2d_forward(&p, y.f(), x.f()) : api().avgpool2d_forward(&p, y.f(), x.f()));
  y.download();
  return info.Env().Undefined();
}

// maxPool2dBackward(dx, dy, x, y, dims) / avgPool2dBackward(dx, dy, x, y, dims): cuDNN takes x and y.
template <bool Max>
Napi::Value OpsPool2dBackward(const Napi::CallbackInfo& info) {
  const PoolSizes s = pool_sizes(info, 4);
  const tn_cuda_pool2d_params p = cuda_pool_params(s.p);
  const int64_t nx = s.in_elements, ny = s.out_elements;
  Staged dx(f32_arg(info, 0, "dx", nx), nx);
  Staged dy(f32_arg(info, 1, "dy", ny), ny);
  Staged x(f32_arg(info, 2, "x", nx), nx);
  Staged y(f32_arg(info, 3, "y", ny), ny);
  check(Max ? api().maxpool2d_backward(&p, dx.f(), dy.f(), x.f(), y.f())
            : api().avgpool2d_backward(&p, dx.f(), dy.f(), x.f(), y.f()));
  dx.download();
  return info.Env().Undefined();
}

// batchNormForward / batchNormBackward: the CPU glue's signatures.
Napi::Value OpsBatchNormForward(const Napi::CallbackInfo& info) {
  const BatchNormSizes s = batchnorm_sizes(info, 8);
  const int64_t outer = s.outer, C = s.channels, inner = s.inner, n = s.elements;
  Staged y(f32_arg(info, 0, "y", n), n);
  Staged mean(f32_arg(info, 1, "mean", C), C);
  Staged invstd(f32_arg(info, 2, "invstd", C), C);
  Staged mm(f32_arg(info, 3, "movingMean", C), C);
  Staged mv(f32_arg(info, 4, "movingVariance", C), C);
  Staged x(f32_arg(info, 5, "x", n), n);
  Staged gamma(f32_arg(info, 6, "gamma", C, true), C);
  Staged beta(f32_arg(info, 7, "beta", C, true), C);
  check(api().batchnorm_forward(y.f(), mean.f(), invstd.f(), mm.f(), mv.f(), x.f(), gamma.f(), beta.f(), outer, C, inner,
                                float(number_arg(info, 11, "momentum")), float(number_arg(info, 12, "epsilon")),
                                bool_arg(info, 13, "training") ? 1 : 0));
  for (const Staged* s : {&y, &mean, &invstd, &mm, &mv}) s->download();
  return info.Env().Undefined();
}

Napi::Value OpsBatchNormBackward(const Napi::CallbackInfo& info) {
  const BatchNormSizes s = batchnorm_sizes(info, 8);
  const int64_t outer = s.outer, C = s.channels, inner = s.inner, n = s.elements;
  Staged dx(f32_arg(info, 0, "dx", n, true), n);
  Staged dgamma(f32_arg(info, 1, "dgamma", C, true), C);
  Staged dbeta(f32_arg(info, 2, "dbeta", C, true), C);
  Staged dy(f32_arg(info, 3, "dy", n), n);
  Staged x(f32_arg(info, 4, "x", n), n);
  Staged mean(f32_arg(info, 5, "mean", C), C);
  Staged invstd(f32_arg(info, 6, "invstd", C), C);
  Staged gamma(f32_arg(info, 7, "gamma", C, true), C);
  check(api().batchnorm_backward(dx.f(), dgamma.f(), dbeta.f(), dy.f(), x.f(), mean.f(), invstd.f(), gamma.f(), outer, C,
                                 inner, bool_arg(info, 11, "training") ? 1 : 0));
  for (const Staged* s : {&dx, &dgamma, &dbeta}) s->download();
  return info.Env().Undefined();
}

// rnnForwardBackward(y, dx|null, dkernel, drecurrent, dbias|null, dy, x, kernel, recurrent, bias|null,
//                    cell, batch, time, inDim, units, activation, recurrentActivation, goBackwards,
//                    returnSequences, zeroOutputForMask)
// Forward (training) then backward on one device reserve, which cannot outlive a host-array call.
Napi::Value OpsRnnForwardBackward(const Napi::CallbackInfo& info) {
  RnnSizes s;
  const tn_cuda_rnn_params p = cuda_rnn_params(info, 10, &s);
  Staged y(f32_arg(info, 0, "y", s.y), s.y);
  Staged dx(f32_arg(info, 1, "dx", s.x, true), s.x);
  Staged dkernel(f32_arg(info, 2, "dkernel", s.kernel), s.kernel);
  Staged drec(f32_arg(info, 3, "drecurrent", s.recurrent), s.recurrent);
  Staged dbias(f32_arg(info, 4, "dbias", s.bias, true), s.bias);
  Staged dy(f32_arg(info, 5, "dy", s.y), s.y);
  Staged x(f32_arg(info, 6, "x", s.x), s.x);
  Staged kernel(f32_arg(info, 7, "kernel", s.kernel), s.kernel);
  Staged rec(f32_arg(info, 8, "recurrent", s.recurrent), s.recurrent);
  Staged bias(f32_arg(info, 9, "bias", s.bias, true), s.bias);
  size_t reserve_bytes = 0;
  check(api().rnn_reserve_bytes(&p, &reserve_bytes));
  void* reserve = nullptr;
  check(api().malloc(&reserve, reserve_bytes));
  try {
    check(api().rnn_forward(&p, y.f(), reserve, x.f(), kernel.f(), rec.f(), bias.f(), 1));
    check(api().rnn_backward(&p, dx.f(), dkernel.f(), drec.f(), dbias.f(), dy.f(), x.f(), reserve));
  } catch (...) {
    api().free(reserve);
    throw;
  }
  api().free(reserve);
  for (const Staged* s : {&y, &dx, &dkernel, &drec, &dbias}) s->download();
  return info.Env().Undefined();
}

// embeddingForward(y, table, indices, n, vocab, dim) -> -1 or the first bad position (as the CPU glue)
Napi::Value OpsEmbeddingForward(const Napi::CallbackInfo& info) {
  const EmbeddingSizes s = embedding_sizes(info, 3, -1);
  const int64_t n = s.n, vocab = s.vocab, dim = s.dim;
  Staged y(f32_arg(info, 0, "y", s.rows), s.rows);
  Staged table(f32_arg(info, 1, "table", s.table), s.table);
  Staged idx(i32_arg(info, 2, "indices", n), n, sizeof(int32_t));
  int64_t bad_host = -1;
  Staged bad(&bad_host, 1, sizeof(int64_t));
  check(api().embedding_forward(y.f(), table.f(), idx.i(), n, vocab, dim, static_cast<int64_t*>(static_cast<void*>(bad.f()))));
  bad.download();
  if (bad_host < 0) y.download();  // the CPU leaves y untouched on a bad index
  return Napi::Number::New(info.Env(), double(bad_host));
}

// embeddingBackward(dtable, dy, indices, prevIndices|null, n, prevN, vocab, dim)
Napi::Value OpsEmbeddingBackward(const Napi::CallbackInfo& info) {
  const EmbeddingSizes s = embedding_sizes(info, 4, 5);
  const int64_t n = s.n, prev_n = s.prev_n, vocab = s.vocab, dim = s.dim;
  Staged dtable(f32_arg(info, 0, "dtable", s.table), s.table);
  Staged dy(f32_arg(info, 1, "dy", s.rows), s.rows);
  Staged idx(i32_arg(info, 2, "indices", n), n, sizeof(int32_t));
  Staged prev(i32_arg(info, 3, "prevIndices", prev_n, true), prev_n, sizeof(int32_t));
  check(api().embedding_backward(dtable.f(), dy.f(), idx.i(), n, prev.i(), prev_n, vocab, dim));
  dtable.download();
  return info.Env().Undefined();
}

}  // namespace

void register_cuda(Napi::Env env, Napi::Object exports) {
  define(env, exports, "cudaStatus", CudaStatus);
  Napi::Object ops = Napi::Object::New(env);
  define(env, ops, "denseForward", OpsDenseForward);
  define(env, ops, "denseBackward", OpsDenseBackward);
  define(env, ops, "activationForward", OpsActivationForward);
  define(env, ops, "activationBackward", OpsActivationBackward);
  define(env, ops, "biasAdd", OpsBiasAdd);
  define(env, ops, "biasBackward", OpsBiasBackward);
  define(env, ops, "dropoutForward", OpsDropoutForward);
  define(env, ops, "multiply", OpsMultiply);
  define(env, ops, "lossForwardBackward", OpsLossForwardBackward);
  define(env, ops, "accuracyCount", OpsAccuracyCount);
  define(env, ops, "optimizerUpdate", OpsOptimizerUpdate);
  define(env, ops, "supportsConv2d", OpsSupportsConv2d);
  define(env, ops, "supportsMaxPool2d", OpsSupportsMaxPool2d);
  define(env, ops, "supportsAvgPool2d", OpsSupportsAvgPool2d);
  define(env, ops, "supportsRnn", OpsSupportsRnn);
  define(env, ops, "conv2dForward", OpsConv2dForward);
  define(env, ops, "conv2dBackward", OpsConv2dBackward);
  define(env, ops, "maxPool2dForward", OpsPool2dForward<true>);
  define(env, ops, "maxPool2dBackward", OpsPool2dBackward<true>);
  define(env, ops, "avgPool2dForward", OpsPool2dForward<false>);
  define(env, ops, "avgPool2dBackward", OpsPool2dBackward<false>);
  define(env, ops, "batchNormForward", OpsBatchNormForward);
  define(env, ops, "batchNormBackward", OpsBatchNormBackward);
  define(env, ops, "rnnForwardBackward", OpsRnnForwardBackward);
  define(env, ops, "embeddingForward", OpsEmbeddingForward);
  define(env, ops, "embeddingBackward", OpsEmbeddingBackward);
  exports.Set("cudaOps", ops);
}

}  // namespace glue
}  // namespace tn
