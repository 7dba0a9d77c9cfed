// Linear-algebra kernels of the op table (native/core/ops/linalg.def) over cpu/gemm.h.
#include <algorithm>
#include <cstdint>

#include "core/checked_size.h"
#include "core/op_registry.h"
#include "core/thread_pool.h"
#include "cpu/gemm.h"

namespace tn {
namespace {

// y (..., M, N) = op(a) (..., M, K) @ op(b) (..., K, N), op = transpose of the last two axes
// when asked; the batch axes broadcast (numpy). Many small products run one per task on the
// pool; larger ones one after another, each split over the pool by sgemm itself.
void matmul_k(const KernelArgs& args) {
  args.expect(1, 2, 2);
  const TensorView &a = args.in(0), &b = args.in(1), &y = args.out(0);
  for (const TensorView* t : {&a, &b, &y}) {
    check_dtype(args, *t, DType::Float32, "a, b and y");
    TN_CHECK(t->rank >= 2, "matMul: a, b and y need rank >= 2 (", t->shape_string(), ")");
  }
  const bool ta = args.flag(0), tb = args.flag(1);
  const int64_t M = ta ? a.shape[a.rank - 1] : a.shape[a.rank - 2];
  const int64_t K = ta ? a.shape[a.rank - 2] : a.shape[a.rank - 1];
  const int64_t Kb = tb ? b.shape[b.rank - 1] : b.shape[b.rank - 2];
  const int64_t N = tb ? b.shape[b.rank - 2] : b.shape[b.rank - 1];
  TN_CHECK(K == Kb, "matMul: inner dimensions differ: a ", a.shape_string(), (ta ? " (transposed)" : ""), ", b ",
           b.shape_string(), (tb ? " (transposed)" : ""));
  TN_CHECK(y.shape[y.rank - 2] == M && y.shape[y.rank - 1] == N, "matMul: y ", y.shape_string(), " is not ", M, "x", N);
  // Batch strides of a and b against y's batch axes (0 where broadcast).
  const int yb = y.rank - 2;
  int64_t sa[kMaxRank] = {}, sb[kMaxRank] = {};
  int64_t batches = 1;
  for (int d = 0; d < yb; d++) batches *= y.shape[d];
  {
    int64_t step_a = M * K, step_b = K * N;
    for (int d = yb - 1, da = a.rank - 3, db = b.rank - 3; d >= 0; d--, da--, db--) {
      const int64_t na = da >= 0 ? a.shape[da] : 1, nb = db >= 0 ? b.shape[db] : 1;
      TN_CHECK((na == y.shape[d] || na == 1) && (nb == y.shape[d] || nb == 1), "matMul: batch axes of a ",
               a.shape_string(), " and b ", b.shape_string(), " do not broadcast to y ", y.shape_string());
      sa[d] = na == 1 ? 0 : step_a;
      sb[d] = nb == 1 ? 0 : step_b;
      step_a *= na;
      step_b *= nb;
    }
    TN_CHECK(step_a == a.size && step_b == b.size, "matMul: a or b has more batch axes than y");
  }
  if (y.size == 0) return;
  const int64_t lda = ta ? M : K, ldb = tb ? K : N;
  auto one = [&](int64_t batch) {
    int64_t oa = 0, ob = 0, rest = batch;
    for (int d = yb - 1; d >= 0; d--) {
      const int64_t i = rest % y.shape[d];
      rest /= y.shape[d];
      oa += i * sa[d];
      ob += i * sb[d];
    }
    cpu::sgemm(ta, tb, M, N, K, 1.f, a.f32() + oa, lda, b.f32() + ob, ldb, 0.f, y.f32() + batch * M * N, N);
  };
  if (batches > 1 && M * N * K < 64 * 64 * 64) {
    parallel_for(batches, 1, [&](int64_t b0, int64_t b1) {
      for (int64_t i = b0; i < b1; i++) one(i);
    });
  } else {
    for (int64_t i = 0; i < batches; i++) one(i);
  }
}

}  // namespace

void register_linalg_kernels() { register_kernel(OpId::MatMul, matmul_k); }

}  // namespace tn
