// Standalone correctness and speed check for tn::cpu::sgemm (not part of the addon build).
//
//   g++ -O3 -std=c++17 -pthread -Inative native/cpu/gemm_check.cpp native/cpu/gemm.cpp
//       native/core/thread_pool.cpp -o /tmp/gemm_check
// (the glob native/cpu/gemm*.cpp also links: it names this file twice, so main is weak)
//   TENSORNODE_NUM_THREADS=2 /tmp/gemm_check            # every kernel: checks, then timings
//   /tmp/gemm_check --no-bench | --no-check | --kernel avx2
//
// Without --child it re-runs itself once per kernel with TENSORNODE_GEMM_KERNEL set (the
// choice is made once per process), skipping kernels this CPU lacks, and exits non-zero if
// any check failed.
//
// Tolerance: every element must satisfy |C - C64| <= (2*sqrt(K) + 4) * u * S, where C64 is
// the float64 product, u = 2^-24 and S = |alpha| * sum_k |a_ik b_kj| + |beta c_ij| (the
// scale of the terms that were summed). Float accumulation of random-sign terms stays near
// u * S; a dropped or doubled term is ~S/K, which this bound catches up to K in the millions.
// Padding of A, B (lda/ldb > row length) is NaN and must never be read; padding of C must be
// left untouched; with beta == 0, C starts as NaN and must be overwritten.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "core/errors.h"
#include "core/thread_pool.h"
#include "cpu/gemm.h"

namespace {

using tn::cpu::sgemm;
using tn::cpu::sgemm_reference;

std::mt19937_64 rng(12345);

float uniform() { return std::uniform_real_distribution<float>(-1.f, 1.f)(rng); }

int failures = 0;
int checks = 0;

struct Case {
  bool ta, tb;
  int64_t M, N, K;
  float alpha, beta;
  int64_t pad_a = 0, pad_b = 0, pad_c = 0;
};

// Runs sgemm (or the reference) on one case and compares with float64. Rows checked: all,
// or a spread sample of `sample_rows` for the big shapes.
bool run_case(const Case& c, bool use_reference = false, int64_t sample_rows = 0) {
  const int64_t a_rows = c.ta ? c.K : c.M, a_cols = c.ta ? c.M : c.K;
  const int64_t b_rows = c.tb ? c.N : c.K, b_cols = c.tb ? c.K : c.N;
  const int64_t lda = a_cols + c.pad_a, ldb = b_cols + c.pad_b, ldc = c.N + c.pad_c;
  const float nan = std::numeric_limits<float>::quiet_NaN();
  std::vector<float> A(size_t(std::max<int64_t>(1, a_rows * lda)), nan), B(size_t(std::max<int64_t>(1, b_rows * ldb)), nan);
  std::vector<float> C(size_t(std::max<int64_t>(1, c.M * ldc)), -7.25f);
  for (int64_t r = 0; r < a_rows; ++r)
    for (int64_t q = 0; q < a_cols; ++q) A[size_t(r * lda + q)] = uniform();
  for (int64_t r = 0; r < b_rows; ++r)
    for (int64_t q = 0; q < b_cols; ++q) B[size_t(r * ldb + q)] = uniform();
  for (int64_t i = 0; i < c.M; ++i)
    for (int64_t j = 0; j < c.N; ++j) C[size_t(i * ldc + j)] = c.beta == 0.f ? nan : uniform();
  const std::vector<float> C0 = C;
  if (use_reference)
    sgemm_reference(c.ta, c.tb, c.M, c.N, c.K, c.alpha, A.data(), lda, B.data(), ldb, c.beta, C.data(), ldc);
  else
    sgemm(c.ta, c.tb, c.M, c.N, c.K, c.alpha, A.data(), lda, B.data(), ldb, c.beta, C.data(), ldc);

  const double u = std::ldexp(1.0, -24);
  const double factor = (2.0 * std::sqrt(double(c.K)) + 4.0) * u;
  double worst = 0;  // max |err| / tolerance
  int64_t bad = 0;
  std::vector<int64_t> rows;
  if (sample_rows > 0 && sample_rows < c.M) {
    for (int64_t s = 0; s < sample_rows; ++s) rows.push_back(s * (c.M - 1) / (sample_rows - 1));
  } else {
    for (int64_t i = 0; i < c.M; ++i) rows.push_back(i);
  }
  for (int64_t i : rows) {
    for (int64_t j = 0; j < ldc; ++j) {
      const float got = C[size_t(i * ldc + j)];
      if (j >= c.N) {  // padding must be untouched
        if (std::memcmp(&got, &C0[size_t(i * ldc + j)], sizeof(float)) != 0) {
          if (bad++ < 3) std::printf("    padding C[%lld,%lld] overwritten\n", (long long)i, (long long)j);
        }
        continue;
      }
      double acc = 0, mag = 0;
      for (int64_t k = 0; k < c.K; ++k) {
        const double a = c.ta ? A[size_t(k * lda + i)] : A[size_t(i * lda + k)];
        const double b = c.tb ? B[size_t(j * ldb + k)] : B[size_t(k * ldb + j)];
        acc += a * b;
        mag += std::fabs(a * b);
      }
      double ref = double(c.alpha) * acc, scale = std::fabs(double(c.alpha)) * mag;
      if (c.beta != 0.f) {
        ref += double(c.beta) * C0[size_t(i * ldc + j)];
        scale += std::fabs(double(c.beta) * C0[size_t(i * ldc + j)]);
      }
      const double tol = factor * scale + 1e-30;
      const double err = std::fabs(double(got) - ref);
      if (!(err <= tol)) {
        if (bad++ < 3)
          std::printf("    C[%lld,%lld] = %.9g, float64 %.9g, |err| %.3g > tol %.3g\n", (long long)i, (long long)j,
                      got, ref, err, tol);
      } else {
        worst = std::max(worst, err / tol);
      }
    }
  }
  ++checks;
  if (bad) {
    ++failures;
    std::printf("  FAIL %c%c M=%lld N=%lld K=%lld alpha=%g beta=%g pads=%lld,%lld,%lld: %lld bad elements\n",
                c.ta ? 'T' : 'N', c.tb ? 'T' : 'N', (long long)c.M, (long long)c.N, (long long)c.K, c.alpha, c.beta,
                (long long)c.pad_a, (long long)c.pad_b, (long long)c.pad_c, (long long)bad);
    return false;
  }
  return true;
}

void expect_throw(const char* what, bool ta, bool tb, int64_t M, int64_t N, int64_t K, int64_t lda, int64_t ldb,
                  int64_t ldc) {
  std::vector<float> buf(4096, 0.f);
  ++checks;
  try {
    sgemm(ta, tb, M, N, K, 1.f, buf.data(), lda, buf.data(), ldb, 0.f, buf.data(), ldc);
  } catch (const tn::ShapeError&) {
    return;
  }
  ++failures;
  std::printf("  FAIL no ShapeError for %s\n", what);
}

void correctness(int threads) {
  tn::set_num_threads(threads);
  const int before = failures;
  const int checks_before = checks;
  const int64_t sizes[] = {1, 2, 3, 7, 15, 17, 31, 33, 63, 65, 127, 129};
  const float alphas[] = {1.f, -0.5f, 2.f};
  const float betas[] = {0.f, 1.f, 0.75f};
  std::uniform_int_distribution<int> pick(0, 2), pad(0, 5);
  for (int t = 0; t < 4; ++t) {
    const bool ta = t & 1, tb = t & 2;
    for (int64_t M : sizes)
      for (int64_t N : sizes)
        for (int64_t K : sizes) {
          Case c{ta, tb, M, N, K, alphas[pick(rng)], betas[pick(rng)]};
          if (pad(rng) == 0) c.pad_a = pad(rng), c.pad_b = pad(rng), c.pad_c = pad(rng);
          run_case(c);
        }
    // Large K, lda > K, every alpha/beta combination, shapes that take each threading path
    // (split over M, over N, over K) and cross cache-block boundaries (KC, MC, NC).
    const Case big[] = {
        {ta, tb, 33, 17, 4099, 1.f, 0.f},       {ta, tb, 65, 47, 4099, -1.5f, 0.5f, 3, 5, 2},
        {ta, tb, 7, 9, 20000, 1.f, 1.f},        {ta, tb, 27, 32, 9001, 1.f, 0.f, 1, 0, 0},
        {ta, tb, 3, 300, 3000, 0.5f, 2.f},      {ta, tb, 300, 3, 3000, 1.f, 0.f, 0, 2, 1},
        {ta, tb, 517, 271, 300, 1.f, 0.f, 11, 0, 5}, {ta, tb, 260, 4200, 20, 1.f, 0.25f},
        {ta, tb, 1, 1, 1, 1.f, 0.f},            {ta, tb, 1, 1, 1, 2.f, 3.f},
        {ta, tb, 1, 1000, 513, 1.f, 0.f},       {ta, tb, 1000, 1, 513, 1.f, 1.f},
        {ta, tb, 64, 512, 128, 1.f, 0.f},       {ta, tb, 1, 77, 1, 1.f, 0.f},
        {ta, tb, 77, 1, 1, 1.f, 1.f},           {ta, tb, 40, 40, 0, 1.f, 0.f},
        {ta, tb, 40, 40, 0, 1.f, 0.5f},         {ta, tb, 40, 40, 30, 0.f, 0.5f},
    };
    for (const Case& c : big) run_case(c);
  }
  // The benchmark shapes themselves (rows sampled on the biggest).
  const Case shapes[] = {
      {false, false, 32, 64, 784, 1.f, 0.f},   {true, false, 784, 64, 32, 1.f, 0.f},
      {false, true, 32, 64, 10, 1.f, 0.f},     {false, false, 123008, 32, 27, 1.f, 0.f},
      {false, false, 26912, 64, 288, 1.f, 0.f}, {true, false, 27, 32, 123008, 1.f, 1.f},
      {true, false, 288, 64, 26912, 1.f, 0.f}, {false, true, 26912, 288, 64, 1.f, 0.f},
      {false, false, 32, 128, 12544, 1.f, 0.f}, {true, false, 12544, 128, 32, 1.f, 0.f},
      {false, false, 32000, 512, 32, 1.f, 0.f}, {false, false, 1024, 1024, 1024, 1.f, 0.f},
  };
  for (const Case& c : shapes) run_case(c, false, 48);
  // Bad arguments throw tn::ShapeError.
  expect_throw("M < 0", false, false, -1, 2, 2, 2, 2, 2);
  expect_throw("K < 0", false, false, 2, 2, -3, 2, 2, 2);
  expect_throw("lda < K", false, false, 2, 2, 4, 3, 2, 2);
  expect_throw("lda < M (trans_a)", true, false, 5, 2, 4, 4, 2, 2);
  expect_throw("ldb < N", false, false, 2, 6, 2, 2, 5, 6);
  expect_throw("ldb < K (trans_b)", false, true, 2, 6, 8, 8, 7, 6);
  expect_throw("ldc < N", false, false, 2, 6, 2, 2, 6, 5);
  std::printf("  threads=%d: %d checks, %d failures\n", threads, checks - checks_before, failures - before);
}

struct Shape {
  const char* group;
  int64_t M, N, K;
  bool ta, tb;
};

const Shape kShapes[] = {
    {"mlp32 fwd", 32, 64, 784, false, false},     {"mlp32 fwd", 32, 64, 64, false, false},
    {"mlp32 fwd", 32, 10, 64, false, false},      {"mlp32 dW", 784, 64, 32, true, false},
    {"mlp32 dW", 64, 64, 32, true, false},        {"mlp32 dW", 64, 10, 32, true, false},
    {"mlp32 dX", 32, 64, 64, false, true},        {"mlp32 dX", 32, 64, 10, false, true},
    {"mlp1024 fwd", 1024, 64, 784, false, false}, {"mlp1024 fwd", 1024, 64, 64, false, false},
    {"mlp1024 fwd", 1024, 10, 64, false, false},  {"mlp1024 dW", 784, 64, 1024, true, false},
    {"mlp1024 dW", 64, 64, 1024, true, false},    {"mlp1024 dW", 64, 10, 1024, true, false},
    {"mlp1024 dX", 1024, 64, 64, false, true},    {"mlp1024 dX", 1024, 64, 10, false, true},
    {"conv fwd", 123008, 32, 27, false, false},   {"conv fwd", 26912, 64, 288, false, false},
    {"conv dW", 27, 32, 123008, true, false},     {"conv dW", 288, 64, 26912, true, false},
    {"conv dX", 26912, 288, 64, false, true},     {"dense", 32, 128, 12544, false, false},
    {"dense", 12544, 128, 32, true, false},       {"lstm", 64, 512, 128, false, false},
    {"lstm", 32000, 512, 32, false, false},       {"square", 256, 256, 256, false, false},
    {"square", 512, 512, 512, false, false},      {"square", 1024, 1024, 1024, false, false},
    {"square", 1024, 1024, 1024, true, true},
};

// Wall time; with GEMM_CHECK_CPUTIME=1, this thread's CPU time instead (only meaningful at
// one thread: it hides time lost to other processes on a shared machine).
double now() {
  static const bool cpu_time = std::getenv("GEMM_CHECK_CPUTIME") != nullptr;
  if (cpu_time) {
    timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return double(ts.tv_sec) + 1e-9 * double(ts.tv_nsec);
  }
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// Best time of repeated calls, repeating for ~`budget` seconds (at least 3 calls after a warm-up).
double time_call(const Shape& s, bool reference, double budget) {
  const int64_t lda = s.ta ? s.M : s.K, ldb = s.tb ? s.K : s.N;
  std::vector<float> A(size_t(s.M * s.K)), B(size_t(s.K * s.N)), C(size_t(s.M * s.N));
  for (float& x : A) x = uniform();
  for (float& x : B) x = uniform();
  auto call = [&] {
    if (reference)
      sgemm_reference(s.ta, s.tb, s.M, s.N, s.K, 1.f, A.data(), lda, B.data(), ldb, 0.f, C.data(), s.N);
    else
      sgemm(s.ta, s.tb, s.M, s.N, s.K, 1.f, A.data(), lda, B.data(), ldb, 0.f, C.data(), s.N);
  };
  double t0 = now();
  call();
  // Calls are timed in batches of >= 1 ms (clock granularity, and CPU-time accounting in a
  // VM, make single short calls unreliable); the best batch average is reported.
  const int batch = int(std::min(10000.0, std::max(1.0, 1e-3 / std::max(1e-9, now() - t0))));
  double best = 1e30, start = now();
  for (int rep = 0; rep < 3 || now() - start < budget; ++rep) {
    t0 = now();
    for (int b = 0; b < batch; ++b) call();
    best = std::min(best, (now() - t0) / batch);
    if (reference && now() - start > budget) break;
  }
  return best;
}

void bench(const std::vector<int>& thread_counts, bool with_reference) {
  std::printf("\n  %-12s %6s %5s %6s %2s", "shape", "M", "N", "K", "op");
  for (int t : thread_counts) std::printf("  %4dT us  GFLOP/s", t);
  if (with_reference) std::printf("  naive GFLOP/s");
  std::printf("\n");
  std::vector<double> step32(thread_counts.size(), 0.0), step1024(thread_counts.size(), 0.0);
  for (const Shape& s : kShapes) {
    const double flops = 2.0 * double(s.M) * double(s.N) * double(s.K);
    std::printf("  %-12s %6lld %5lld %6lld %c%c", s.group, (long long)s.M, (long long)s.N, (long long)s.K,
                s.ta ? 'T' : 'N', s.tb ? 'T' : 'N');
    for (size_t i = 0; i < thread_counts.size(); ++i) {
      tn::set_num_threads(thread_counts[i]);
      const double t = time_call(s, false, 0.15);
      if (std::strncmp(s.group, "mlp32", 5) == 0) step32[i] += t;
      if (std::strncmp(s.group, "mlp1024", 7) == 0) step1024[i] += t;
      std::printf("  %9.1f %8.1f", t * 1e6, flops / t * 1e-9);
    }
    if (with_reference) {
      tn::set_num_threads(1);
      const double t = flops <= 3e9 ? time_call(s, true, 0.3) : 0;
      if (t > 0) std::printf("  %13.2f", flops / t * 1e-9);
      else std::printf("  %13s", "(skipped)");
    }
    std::printf("\n");
  }
  for (size_t i = 0; i < thread_counts.size(); ++i)
    std::printf("  %d thread(s): MLP step gemms, batch 32: %.1f us; batch 1024: %.1f us\n", thread_counts[i],
                step32[i] * 1e6, step1024[i] * 1e6);
}

int child(bool do_check, bool do_bench) {
  const int env_threads = tn::num_threads();
  std::printf("== kernel %s (pool default %d threads)\n", tn::cpu::sgemm_kernel_name(), env_threads);
  if (do_check) {
    // The float reference loop must itself meet the tolerance (sanity of the bound).
    run_case({false, false, 17, 19, 4099, 1.f, 0.5f}, true);
    run_case({true, true, 33, 31, 1000, -1.f, 0.f, 2, 1, 3}, true);
    correctness(1);
    if (env_threads > 1) correctness(env_threads);
    std::printf("  %s: %d checks, %d failures\n", failures ? "FAILED" : "passed", checks, failures);
  }
  if (do_bench) {
    std::vector<int> counts{1};
    if (env_threads > 1) counts.push_back(env_threads);
    bench(counts, std::strcmp(tn::cpu::sgemm_kernel_name(), "avx512") == 0 ||
                      std::getenv("GEMM_CHECK_NAIVE") != nullptr);
  }
  return failures ? 1 : 0;
}

}  // namespace

// Weak so that a build line naming this file twice (native/cpu/gemm*.cpp) still links.
__attribute__((weak)) int main(int argc, char** argv) {
  bool is_child = false, do_check = true, do_bench = true;
  std::string only;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--shape" && i + 5 < argc) {  // time one shape in this process: --shape M N K N|T N|T
      const Shape s{"shape", std::atoll(argv[i + 1]), std::atoll(argv[i + 2]), std::atoll(argv[i + 3]),
                    argv[i + 4][0] == 'T', argv[i + 5][0] == 'T'};
      const double t = time_call(s, false, 0.3);
      std::printf("%s %d threads %lldx%lldx%lld %c%c: %.1f us, %.1f GFLOP/s\n", tn::cpu::sgemm_kernel_name(),
                  tn::num_threads(), (long long)s.M, (long long)s.N, (long long)s.K, s.ta ? 'T' : 'N',
                  s.tb ? 'T' : 'N', t * 1e6, 2.0 * s.M * s.N * s.K / t * 1e-9);
      i += 5;
      continue;
    }
    if (a == "--child") is_child = true;
    else if (a == "--no-bench") do_bench = false;
    else if (a == "--no-check") do_check = false;
    else if (a == "--kernel" && i + 1 < argc) only = argv[++i];
    else {
      std::fprintf(stderr, "usage: %s [--no-bench] [--no-check] [--kernel avx512|avx2|portable]\n", argv[0]);
      return 2;
    }
  }
  if (is_child) return child(do_check, do_bench);
  if (argc > 1 && std::string(argv[1]) == "--shape") return 0;
  int status = 0;
  const char* kernels[] = {"avx512", "avx2", "portable"};
  for (const char* k : kernels) {
    if (!only.empty() && only != k) continue;
    const std::string cmd = std::string("TENSORNODE_GEMM_KERNEL=") + k + " '" + argv[0] + "' --child" +
                            (do_check ? "" : " --no-check") + (do_bench ? "" : " --no-bench");
    std::fflush(stdout);
    const int rc = std::system(cmd.c_str());
    if (rc != 0) status = 1;
  }
  std::printf("%s\n", status ? "gemm_check: FAILURES (see above)" : "gemm_check: all kernels passed");
  return status;
}
