// Reduction kernels of the op table (native/core/ops/reduce.def). Each reduces the middle axis
// of x viewed as (outer, mid, inner); TypeScript (lib/ops/reduce.ts) moves the reduced axes
// together first, so these loops see contiguous memory only.
//
// Note [Reduction accuracy and order]
// float32 sums and products accumulate in double: a float64 reference agrees to float32
// rounding for any length, where a float accumulator drifts by ~1e-4 relative on a million
// elements. Work is split over the pool along the outputs when there are enough of them, and
// along the reduced axis otherwise (a whole-tensor sum); partial results are combined in
// index order, so the answer does not depend on the number of threads.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <type_traits>
#include <vector>

#include "core/checked_size.h"
#include "core/op_registry.h"
#include "core/thread_pool.h"
#include "cpu/parallel.h"

namespace tn {
namespace {

using cpu::kParallelElements;
constexpr int64_t kInnerBlock = 256;

struct ReduceShape {
  int64_t outer, mid, inner;
};

ReduceShape reduce_shape(const KernelArgs& a, int n_attrs) {
  a.expect(1, 1, n_attrs);
  const ReduceShape s{a.int_attr(0, 0, kMaxElements), a.int_attr(1, 0, kMaxElements), a.int_attr(2, 0, kMaxElements)};
  // elements() returns 0 as soon as one size is 0, so outer * inner (what y holds, and how
  // many outputs the loops walk) is checked on its own too: it must not overflow or exceed 2^40.
  elements({{"outer", s.outer}, {"inner", s.inner}});
  const int64_t total = elements({{"outer", s.outer}, {"mid", s.mid}, {"inner", s.inner}});
  TN_CHECK(total == a.in(0).size, op_name(a.op), ": outer*mid*inner = ", total, " but x ", a.in(0).shape_string(),
           " has ", a.in(0).size, " elements");
  return s;
}

// Reducer R: In (input element), Acc, Out; Acc init(); step(Acc&, In, index along mid);
// combine(Acc& earlier, const Acc& later); Out finish(const Acc&, mid).
template <typename R>
void reduce_loop(const KernelArgs& a, R r) {
  const ReduceShape s = reduce_shape(a, 3);
  using In = typename R::In;
  using Acc = typename R::Acc;
  using Out = typename R::Out;
  const int64_t n_out = s.outer * s.inner;
  TN_CHECK(a.out(0).size == n_out, op_name(a.op), ": y ", a.out(0).shape_string(), " must have outer*inner = ", n_out,
           " elements");
  const In* x = static_cast<const In*>(a.in(0).data);
  Out* y = static_cast<Out*>(a.out(0).data);
  if (n_out == 0) return;
  const int64_t total = n_out * s.mid;
  const int64_t threads = num_threads();

  if (n_out < 4 * threads && total >= kParallelElements && s.mid >= 2) {
    // Few outputs, long reductions: split the reduced axis, combine the partials in order.
    const int64_t chunks = std::min<int64_t>(threads * 4, std::max<int64_t>(1, total / (kParallelElements / 4)));
    const int64_t step = (s.mid + chunks - 1) / chunks;
    const int64_t used = (s.mid + step - 1) / step;
    std::vector<Acc> partial(size_t(used * n_out), r.init());
    parallel_chunks(used, [&](int64_t c) {
      const int64_t m0 = c * step, m1 = std::min(s.mid, m0 + step);
      Acc* acc = partial.data() + c * n_out;
      for (int64_t o = 0; o < s.outer; o++)
        for (int64_t m = m0; m < m1; m++) {
          const In* row = x + (o * s.mid + m) * s.inner;
          for (int64_t j = 0; j < s.inner; j++) r.step(acc[o * s.inner + j], row[j], m);
        }
    });
    for (int64_t k = 0; k < n_out; k++) {
      Acc acc = partial[size_t(k)];
      for (int64_t c = 1; c < used; c++) r.combine(acc, partial[size_t(c * n_out + k)]);
      y[k] = r.finish(acc, s.mid);
    }
    return;
  }

  if (s.inner == 1) {  // each output reduces a contiguous run of mid elements
    const int64_t grain = std::max<int64_t>(1, kParallelElements / std::max<int64_t>(1, s.mid));
    parallel_for(s.outer, grain, [&](int64_t o0, int64_t o1) {
      for (int64_t o = o0; o < o1; o++) {
        Acc acc = r.init();
        const In* row = x + o * s.mid;
        for (int64_t m = 0; m < s.mid; m++) r.step(acc, row[m], m);
        y[o] = r.finish(acc, s.mid);
      }
    });
    return;
  }

  // Blocks of up to kInnerBlock outputs of one outer index, reduced row by row (contiguous).
  const int64_t blocks_per_outer = (s.inner + kInnerBlock - 1) / kInnerBlock;
  const int64_t blocks = s.outer * blocks_per_outer;
  const int64_t grain = std::max<int64_t>(1, kParallelElements / std::max<int64_t>(1, s.mid * kInnerBlock));
  parallel_for(blocks, grain, [&](int64_t b0, int64_t b1) {
    Acc acc[kInnerBlock];
    for (int64_t b = b0; b < b1; b++) {
      const int64_t o = b / blocks_per_outer;
      const int64_t j0 = (b % blocks_per_outer) * kInnerBlock;
      const int64_t n = std::min(kInnerBlock, s.inner - j0);
      for (int64_t j = 0; j < n; j++) acc[j] = r.init();
      for (int64_t m = 0; m < s.mid; m++) {
        const In* row = x + (o * s.mid + m) * s.inner + j0;
        for (int64_t j = 0; j < n; j++) r.step(acc[j], row[j], m);
      }
      for (int64_t j = 0; j < n; j++) y[o * s.inner + j0 + j] = r.finish(acc[j], s.mid);
    }
  });
}

inline int32_t wrap(uint32_t v) {
  int32_t r;
  std::memcpy(&r, &v, sizeof r);
  return r;
}

struct SumF {
  using In = float; using Acc = double; using Out = float;
  Acc init() const { return 0; }
  void step(Acc& acc, In v, int64_t) const { acc += v; }
  void combine(Acc& a, const Acc& b) const { a += b; }
  Out finish(const Acc& acc, int64_t) const { return float(acc); }
};
struct SumI {
  using In = int32_t; using Acc = uint32_t; using Out = int32_t;  // wraps, as int32 arithmetic does
  Acc init() const { return 0; }
  void step(Acc& acc, In v, int64_t) const { acc += uint32_t(v); }
  void combine(Acc& a, const Acc& b) const { a += b; }
  Out finish(const Acc& acc, int64_t) const { return wrap(acc); }
};
struct ProdF {
  using In = float; using Acc = double; using Out = float;
  Acc init() const { return 1; }
  void step(Acc& acc, In v, int64_t) const { acc *= v; }
  void combine(Acc& a, const Acc& b) const { a *= b; }
  Out finish(const Acc& acc, int64_t) const { return float(acc); }
};
struct ProdI {
  using In = int32_t; using Acc = uint32_t; using Out = int32_t;
  Acc init() const { return 1; }
  void step(Acc& acc, In v, int64_t) const { acc *= uint32_t(v); }
  void combine(Acc& a, const Acc& b) const { a *= b; }
  Out finish(const Acc& acc, int64_t) const { return wrap(acc); }
};
// Max/min: NaN wins (it propagates, as in tfjs and numpy). An empty reduction gives -inf/+inf
// (int32: the type's lowest/highest).
template <typename T, bool kMax>
struct Extreme {
  using In = T; using Acc = T; using Out = T;
  Acc init() const {
    if (std::is_floating_point<T>::value)
      return kMax ? -std::numeric_limits<T>::infinity() : std::numeric_limits<T>::infinity();
    return kMax ? std::numeric_limits<T>::lowest() : std::numeric_limits<T>::max();
  }
  void step(Acc& acc, In v, int64_t) const {
    if (v != v) acc = v;
    else if (acc == acc && (kMax ? v > acc : v < acc)) acc = v;
  }
  void combine(Acc& a, const Acc& b) const { step(a, b, 0); }
  Out finish(const Acc& acc, int64_t) const { return acc; }
};
// argMax/argMin: the first index of the extreme; the first NaN wins.
template <typename T, bool kMax>
struct ArgExtreme {
  struct Pair {
    T value;
    int64_t index;
  };
  using In = T; using Acc = Pair; using Out = int32_t;
  Acc init() const { return {T(0), -1}; }
  void step(Acc& acc, In v, int64_t m) const {
    if (acc.index < 0) acc = {v, m};
    else if (acc.value != acc.value) return;  // a NaN already won
    else if (v != v || (kMax ? v > acc.value : v < acc.value)) acc = {v, m};
  }
  void combine(Acc& a, const Acc& b) const {
    if (b.index >= 0) {
      if (a.index < 0) a = b;
      else if (a.value == a.value && (b.value != b.value || (kMax ? b.value > a.value : b.value < a.value))) a = b;
    }
  }
  Out finish(const Acc& acc, int64_t) const { return int32_t(acc.index); }
};
template <bool kAny>
struct AnyAll {
  using In = uint8_t; using Acc = uint8_t; using Out = uint8_t;
  Acc init() const { return kAny ? 0 : 1; }
  void step(Acc& acc, In v, int64_t) const { acc = kAny ? (acc || v) : (acc && v); }
  void combine(Acc& a, const Acc& b) const { step(a, b, 0); }
  Out finish(const Acc& acc, int64_t) const { return acc ? 1 : 0; }
};

void check_io(const KernelArgs& a, bool int_ok, DType out) {
  const DType t = a.in(0).dtype;
  TN_CHECK(t == DType::Float32 || (int_ok && t == DType::Int32), op_name(a.op), ": x must be float32",
           int_ok ? " or int32" : "", " but is ", dtype_name(t));
  check_dtype(a, a.out(0), out == DType::Count ? t : out, "y");
}

void sum_k(const KernelArgs& a) {
  check_io(a, true, DType::Count);
  if (a.in(0).dtype == DType::Float32) reduce_loop(a, SumF());
  else reduce_loop(a, SumI());
}
void prod_k(const KernelArgs& a) {
  check_io(a, true, DType::Count);
  if (a.in(0).dtype == DType::Float32) reduce_loop(a, ProdF());
  else reduce_loop(a, ProdI());
}
void max_k(const KernelArgs& a) {
  check_io(a, true, DType::Count);
  if (a.in(0).dtype == DType::Float32) reduce_loop(a, Extreme<float, true>());
  else reduce_loop(a, Extreme<int32_t, true>());
}
void min_k(const KernelArgs& a) {
  check_io(a, true, DType::Count);
  if (a.in(0).dtype == DType::Float32) reduce_loop(a, Extreme<float, false>());
  else reduce_loop(a, Extreme<int32_t, false>());
}
template <bool kMax>
void arg_k(const KernelArgs& a) {
  check_io(a, true, DType::Int32);
  TN_CHECK(a.n_attrs == 3 && a.attr(1) >= 1, op_name(a.op), ": the reduced axis must not be empty");
  if (a.in(0).dtype == DType::Float32) reduce_loop(a, ArgExtreme<float, kMax>());
  else reduce_loop(a, ArgExtreme<int32_t, kMax>());
}
template <bool kAny>
void any_all_k(const KernelArgs& a) {
  check_dtype(a, a.in(0), DType::Bool, "x");
  check_dtype(a, a.out(0), DType::Bool, "y");
  reduce_loop(a, AnyAll<kAny>());
}

// Running sums along mid; exclusive (start at 0) and reverse (from the end) as tfjs' cumsum.
template <typename T, typename Acc>
void cumsum_loop(const KernelArgs& a, const ReduceShape& s, bool exclusive, bool reverse) {
  const T* x = static_cast<const T*>(a.in(0).data);
  T* y = static_cast<T*>(a.out(0).data);
  const int64_t lines = s.outer * s.inner;
  if (s.mid == 0) return;  // nothing to sum (and y, of x's shape, is empty)
  const int64_t grain = std::max<int64_t>(1, kParallelElements / std::max<int64_t>(1, s.mid));
  parallel_for(lines, grain, [&](int64_t l0, int64_t l1) {
    for (int64_t l = l0; l < l1; l++) {
      const int64_t o = l / s.inner, j = l % s.inner;
      Acc acc = 0;
      for (int64_t k = 0; k < s.mid; k++) {
        const int64_t m = reverse ? s.mid - 1 - k : k;
        const int64_t at = (o * s.mid + m) * s.inner + j;
        if (exclusive) {
          const T v = x[at];
          y[at] = T(acc);
          acc += Acc(v);
        } else {
          acc += Acc(x[at]);
          y[at] = T(acc);
        }
      }
    }
  });
}

void cumsum_k(const KernelArgs& a) {
  const ReduceShape s = reduce_shape(a, 5);
  check_io(a, true, DType::Count);
  check_same_shape(a, a.in(0), a.out(0), "x and y");
  const bool exclusive = a.flag(3), reverse = a.flag(4);
  if (a.in(0).dtype == DType::Float32) cumsum_loop<float, double>(a, s, exclusive, reverse);
  else cumsum_loop<int32_t, uint32_t>(a, s, exclusive, reverse);  // wraps, never overflows
}

// values, indices (rows, k) <- x (rows, n): per row, the k largest (NaN counts as largest, as in
// argMax), ties broken by the lower index; sorted largest first, or in index order when not.
template <typename T>
void topk_rows(const TensorView& x, T* values, int32_t* indices, int64_t k, bool sorted) {
  const int64_t n = x.cols(), rows = x.rows();
  const T* src = static_cast<const T*>(x.data);
  const int64_t grain = std::max<int64_t>(1, 16384 / std::max<int64_t>(n, 1));
  parallel_for(rows, grain, [&](int64_t r0, int64_t r1) {
    std::vector<int32_t> order(static_cast<size_t>(n));
    for (int64_t r = r0; r < r1; r++) {
      const T* row = src + r * n;
      for (int64_t j = 0; j < n; j++) order[size_t(j)] = int32_t(j);
      const auto before = [row](int32_t a, int32_t b) {
        const T va = row[a], vb = row[b];
        const bool na = va != va, nb = vb != vb;  // NaN first
        if (na != nb) return na;
        if (!na && va != vb) return va > vb;
        return a < b;
      };
      std::partial_sort(order.begin(), order.begin() + k, order.end(), before);
      if (!sorted) std::sort(order.begin(), order.begin() + k);
      for (int64_t j = 0; j < k; j++) {
        indices[r * k + j] = order[size_t(j)];
        values[r * k + j] = row[order[size_t(j)]];
      }
    }
  });
}

void topk_k(const KernelArgs& a) {
  a.expect(2, 1, 2);
  const TensorView &x = a.in(0), &values = a.out(0), &indices = a.out(1);
  TN_CHECK(x.rank >= 1, "topk: x must have rank >= 1");
  const int64_t n = x.cols();
  const int64_t k = a.int_attr(0, 0, n);
  const bool sorted = a.flag(1);
  TN_CHECK(x.dtype == DType::Float32 || x.dtype == DType::Int32, "topk: x must be float32 or int32");
  check_dtype(a, values, x.dtype, "values");
  check_dtype(a, indices, DType::Int32, "indices");
  check_same_shape(a, values, indices, "values and indices");
  TN_CHECK(values.rank == x.rank && values.cols() == k && values.rows() * k == x.rows() * k, "topk: values ",
           values.shape_string(), " must be x ", x.shape_string(), " with a last axis of ", k);
  for (int d = 0; d + 1 < x.rank; d++) {
    TN_CHECK(values.dim(d) == x.dim(d), "topk: values ", values.shape_string(), " and x ", x.shape_string(),
             " differ before the last axis");
  }
  if (k == 0 || x.size == 0) return;
  if (x.dtype == DType::Float32) topk_rows<float>(x, values.f32(), indices.i32(), k, sorted);
  else topk_rows<int32_t>(x, values.i32(), indices.i32(), k, sorted);
}

}  // namespace

void register_reduce_kernels() {
  register_kernel(OpId::Sum, sum_k);
  register_kernel(OpId::Prod, prod_k);
  register_kernel(OpId::Max, max_k);
  register_kernel(OpId::Min, min_k);
  register_kernel(OpId::ArgMax, arg_k<true>);
  register_kernel(OpId::ArgMin, arg_k<false>);
  register_kernel(OpId::Any, any_all_k<true>);
  register_kernel(OpId::All, any_all_k<false>);
  register_kernel(OpId::Cumsum, cumsum_k);
  register_kernel(OpId::TopK, topk_k);
}

}  // namespace tn
