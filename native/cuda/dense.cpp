// Dense forward and backward on cuBLASLt, side by side.
// Reference and semantics: denseForward / denseBackward in native/addon/glue_core.cpp (CPU sgemm + the
// elementwise kernels), kernel layout [in, out], row-major everything.
//
//   forward:  pre(batch, out) = x(batch, in) . kernel(in, out) + bias(out);  y = act(pre)
//             pre goes to z when z != null (backward needs it), else y holds it and act runs in place.
//   backward: dz = dy * act'(z)          (batch, out) into dz_scratch; dy itself when linear or fused
//             dkernel(in, out) = x^T dz  WRITTEN
//             dbias(out) = sum_rows dz   WRITTEN
//             dx(batch, in) = dz kernel^T WRITTEN, skipped when dx is null
//
// Note [Row-major through cuBLASLt]: cuBLASLt is column-major. A row-major (r, c) buffer read as
// column-major is its transpose (c, r) with ld = c. So row-major C = A.B is computed as column-major
// C^T = B^T.A^T, i.e. the operands swap places and nothing is copied:
//   forward   D(out, batch) = kernel(out, in) . x(in, batch)               [N, N]
//   dkernel   D(out, in)    = dz(out, batch)  . x(in, batch)^T             [N, T]  (+ BGRADA: dbias)
//   dx        D(in, batch)  = kernel(out, in)^T . dz(out, batch)           [T, N]
// (each (rows, cols) above is the column-major view, leading dimension = rows).
//
// Note [Epilogues]: bias (BIAS) and relu (RELU_BIAS / RELU) run inside the matmul when no pre-activation
// is kept. cuBLASLt's GELU epilogue is the tanh approximation, while Keras' and our CPU's gelu is the erf
// form, so gelu (and every other activation) runs as its own kernel (elementwise.cu) after a BIAS
// epilogue. dbias uses the BGRADA epilogue of the dkernel matmul (reduction over k = batch); where
// cuBLASLt has no kernel for an epilogue (the heuristic returns none) the plain matmul plus our own
// kernels (bias_add, bias_backward) run instead. That choice is made once per MatmulParams and cached.
//
// Precision: CUBLAS_COMPUTE_32F (full fp32) unless set_tf32(1) chose CUBLAS_COMPUTE_32F_FAST_TF32.
#include <cublasLt.h>

#include <cstdint>
#include <cstring>
#include <mutex>
#include <unordered_map>

#include "cuda/check.h"
#include "cuda/device.h"
#include "cuda/handles.h"
#include "cuda/ops.h"

namespace tn {
namespace cuda {
namespace {

// Everything that decides which algorithm fits: the cache key (See Note [Plans and descriptors]).
struct MatmulParams {
  int64_t m, n, k;  // column-major D(m, n) = op(A)(m, k) . op(B)(k, n)
  bool trans_a, trans_b;
  int64_t lda, ldb, ldd;
  int epilogue;  // cublasLtEpilogue_t
  bool tf32;
  // Pointer alignments (bytes, capped at 256): an algorithm chosen for aligned pointers may not run on
  // less aligned ones, so they are part of the key and told to the heuristic.
  int align_a, align_b, align_d, align_bias;

  bool operator==(const MatmulParams& o) const { return std::memcmp(this, &o, sizeof(*this)) == 0; }
};

struct MatmulParamsHash {
  size_t operator()(const MatmulParams& p) const {
    const auto* bytes = reinterpret_cast<const unsigned char*>(&p);
    uint64_t h = 1469598103934665603ull;  // FNV-1a over the (zero-initialised, padding included) struct
    for (size_t i = 0; i < sizeof(p); ++i) h = (h ^ bytes[i]) * 1099511628211ull;
    return size_t(h);
  }
};

struct Plan {
  bool supported = false;
  cublasLtMatmulAlgo_t algo{};
  size_t workspace = 0;
};

std::mutex g_plan_mutex;
std::unordered_map<MatmulParams, Plan, MatmulParamsHash>& plans() {
  static auto* cache = new std::unordered_map<MatmulParams, Plan, MatmulParamsHash>();
  return *cache;
}

int alignment(const void* p) {
  const uintptr_t v = reinterpret_cast<uintptr_t>(p);
  if (v == 0) return 256;
  int a = 1;
  while (a < 256 && (v & uintptr_t(a)) == 0) a <<= 1;
  return a;
}

struct MatmulDescs {
  MatmulDesc desc;
  MatrixLayout a, b, d;
  MatmulDescs(const MatmulParams& p)
      : desc(p.tf32 ? CUBLAS_COMPUTE_32F_FAST_TF32 : CUBLAS_COMPUTE_32F, CUDA_R_32F),
        a(CUDA_R_32F, p.trans_a ? p.k : p.m, p.trans_a ? p.m : p.k, p.lda),
        b(CUDA_R_32F, p.trans_b ? p.n : p.k, p.trans_b ? p.k : p.n, p.ldb),
        d(CUDA_R_32F, p.m, p.n, p.ldd) {
    const cublasOperation_t ta = p.trans_a ? CUBLAS_OP_T : CUBLAS_OP_N, tb = p.trans_b ? CUBLAS_OP_T : CUBLAS_OP_N;
    desc.set(CUBLASLT_MATMUL_DESC_TRANSA, ta);
    desc.set(CUBLASLT_MATMUL_DESC_TRANSB, tb);
    desc.set(CUBLASLT_MATMUL_DESC_EPILOGUE, cublasLtEpilogue_t(p.epilogue));
  }
};

// The cached plan for p, asking the heuristic on first use. A plan with supported == false means
// cuBLASLt has no algorithm for it (the caller falls back, See Note [Epilogues]).
Plan plan_for(const MatmulParams& p, MatmulDescs& descs, const void* bias) {
  {
    std::lock_guard<std::mutex> lock(g_plan_mutex);
    auto it = plans().find(p);
    if (it != plans().end()) return it->second;
  }
  Device& dev = Device::get();
  MatmulPreference pref(Device::kWorkspaceBytes);
  const uint32_t aa = uint32_t(p.align_a), ab = uint32_t(p.align_b), ad = uint32_t(p.align_d);
  CUBLAS_CHECK(cublasLtMatmulPreferenceSetAttribute(pref, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_A_BYTES, &aa, sizeof(aa)));
  CUBLAS_CHECK(cublasLtMatmulPreferenceSetAttribute(pref, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_B_BYTES, &ab, sizeof(ab)));
  CUBLAS_CHECK(cublasLtMatmulPreferenceSetAttribute(pref, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_C_BYTES, &ad, sizeof(ad)));
  CUBLAS_CHECK(cublasLtMatmulPreferenceSetAttribute(pref, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_D_BYTES, &ad, sizeof(ad)));
  if (bias) descs.desc.set(CUBLASLT_MATMUL_DESC_BIAS_POINTER, bias);
  cublasLtMatmulHeuristicResult_t result{};
  int returned = 0;
  const cublasStatus_t s = cublasLtMatmulAlgoGetHeuristic(dev.cublaslt(), descs.desc, descs.a, descs.b, descs.d, descs.d,
                                                          pref, 1, &result, &returned);
  Plan plan;
  if (s == CUBLAS_STATUS_SUCCESS && returned > 0) {
    plan.supported = true;
    plan.algo = result.algo;
    plan.workspace = result.workspaceSize;
  } else if (s != CUBLAS_STATUS_NOT_SUPPORTED && s != CUBLAS_STATUS_SUCCESS) {
    CUBLAS_CHECK(s);  // a real error, not "no algorithm"
  }
  std::lock_guard<std::mutex> lock(g_plan_mutex);
  plans()[p] = plan;
  return plan;
}

// D = op(A) . op(B) with the epilogue; returns false (having done nothing) when cuBLASLt has no
// algorithm for it and allow_fallback, so the caller can run the unfused path.
bool matmul(int64_t m, int64_t n, int64_t k, bool trans_a, const float* A, int64_t lda, bool trans_b, const float* B,
            int64_t ldb, float* D, int64_t ldd, cublasLtEpilogue_t epilogue, const float* bias, bool allow_fallback) {
  Device& dev = Device::get();
  MatmulParams p;
  std::memset(&p, 0, sizeof(p));  // padding bytes take part in the hash and ==
  p.m = m;
  p.n = n;
  p.k = k;
  p.trans_a = trans_a;
  p.trans_b = trans_b;
  p.lda = lda;
  p.ldb = ldb;
  p.ldd = ldd;
  p.epilogue = int(epilogue);
  p.tf32 = dev.tf32();
  p.align_a = alignment(A);
  p.align_b = alignment(B);
  p.align_d = alignment(D);
  p.align_bias = alignment(bias);
  MatmulDescs descs(p);
  const Plan plan = plan_for(p, descs, bias);
  if (!plan.supported) {
    if (allow_fallback) return false;
    throw CublasError(CUBLAS_STATUS_NOT_SUPPORTED,
                      concat("cuBLASLt has no algorithm for the matmul D(", m, ", ", n, ") = op(A)(", m, ", ", k,
                             ") . op(B)(", k, ", ", n, ") transA=", trans_a, " transB=", trans_b, " epilogue=",
                             int(epilogue), " (CUBLAS_STATUS_NOT_SUPPORTED)"));
  }
  if (bias) descs.desc.set(CUBLASLT_MATMUL_DESC_BIAS_POINTER, bias);
  const float one = 1.f, zero = 0.f;
  CUBLAS_CHECK(cublasLtMatmul(dev.cublaslt(), descs.desc, &one, A, descs.a, B, descs.b, &zero, D, descs.d, D, descs.d,
                              &plan.algo, dev.workspace(), plan.workspace, dev.stream()));
  return true;
}

}  // namespace

void dense_forward(float* y, float* z, const float* x, const float* kernel, const float* bias, int64_t batch,
                   int64_t in_dim, int64_t out_dim, Activation act, float alpha) {
  TN_CUDA_ARG(batch > 0 && in_dim > 0 && out_dim > 0, "dense: sizes must be positive (batch ", batch, ", in ", in_dim,
              ", out ", out_dim, ")");
  TN_CUDA_ARG(int(act) >= 0 && int(act) < int(Activation::Count), "unknown activation code ", int(act));
  TN_CUDA_ARG(y && x && kernel, "dense forward: missing y, x or kernel");
  // See Note [Row-major through cuBLASLt]: D(out, batch) = kernel(out, in) . x(in, batch).
  if (z == nullptr && (act == Activation::Linear || act == Activation::Relu)) {
    const cublasLtEpilogue_t fused = act == Activation::Relu ? (bias ? CUBLASLT_EPILOGUE_RELU_BIAS : CUBLASLT_EPILOGUE_RELU)
                                                             : (bias ? CUBLASLT_EPILOGUE_BIAS : CUBLASLT_EPILOGUE_DEFAULT);
    if (matmul(out_dim, batch, in_dim, false, kernel, out_dim, false, x, in_dim, y, out_dim, fused, bias, true)) return;
  }
  float* pre = z ? z : y;
  bool bias_done = false;
  if (bias)
    bias_done = matmul(out_dim, batch, in_dim, false, kernel, out_dim, false, x, in_dim, pre, out_dim,
                       CUBLASLT_EPILOGUE_BIAS, bias, true);
  if (!bias_done) {
    matmul(out_dim, batch, in_dim, false, kernel, out_dim, false, x, in_dim, pre, out_dim, CUBLASLT_EPILOGUE_DEFAULT,
           nullptr, false);
    if (bias) bias_add(pre, bias, batch, out_dim);
  }
  if (act != Activation::Linear || pre != y) cuda::activation_forward(act, alpha, y, pre, batch, out_dim);
}

void dense_backward(float* dx, float* dkernel, float* dbias, float* dz_scratch, const float* dy, const float* x,
                    const float* kernel, const float* z, const float* y, int64_t batch, int64_t in_dim, int64_t out_dim,
                    Activation act, float alpha, bool dy_is_pre_activation) {
  TN_CUDA_ARG(batch > 0 && in_dim > 0 && out_dim > 0, "dense: sizes must be positive (batch ", batch, ", in ", in_dim,
              ", out ", out_dim, ")");
  TN_CUDA_ARG(int(act) >= 0 && int(act) < int(Activation::Count), "unknown activation code ", int(act));
  TN_CUDA_ARG(dkernel && dy && x && kernel, "dense backward: missing dkernel, dy, x or kernel");
  const float* dz = dy;
  if (!dy_is_pre_activation && act != Activation::Linear) {
    TN_CUDA_ARG(dz_scratch != nullptr, "dense backward needs dzScratch for activation ", int(act));
    cuda::activation_backward(act, alpha, dz_scratch, dy, z, y, batch, out_dim);
    dz = dz_scratch;
  }
  // dkernel: D(out, in) = dz(out, batch) . x(in, batch)^T, with dbias from the BGRADA epilogue.
  bool dbias_done = false;
  if (dbias)
    dbias_done = matmul(out_dim, in_dim, batch, false, dz, out_dim, true, x, in_dim, dkernel, out_dim,
                        CUBLASLT_EPILOGUE_BGRADA, dbias, true);
  if (!dbias_done) {
    matmul(out_dim, in_dim, batch, false, dz, out_dim, true, x, in_dim, dkernel, out_dim, CUBLASLT_EPILOGUE_DEFAULT,
           nullptr, false);
    if (dbias) bias_backward(dbias, dz, batch, out_dim);
  }
  // dx: D(in, batch) = kernel(out, in)^T . dz(out, batch).
  if (dx)
    matmul(in_dim, batch, out_dim, true, kernel, out_dim, false, dz, out_dim, dx, in_dim, CUBLASLT_EPILOGUE_DEFAULT,
           nullptr, false);
}

}  // namespace cuda
}  // namespace tn
