// Elementwise kernels of the op table (native/core/ops/elementwise.def): unary math, casts,
// activations (the functions of elementwise.h, shared with the fused dense op), and binary and
// ternary ops with numpy broadcasting. Gradients are in lib/ops/elementwise.ts, written as
// compositions of these ops.
//
// Note [Broadcast loops]
// A broadcast op's output is walked as a flat range of elements, split over the thread pool
// once it is large. The shapes are first coalesced (size-1 axes dropped, neighbouring axes that
// are contiguous in every operand merged), so same-shape operands become one axis and a bias
// row against a matrix two. Along the last coalesced axis each input's stride is then 1 (it
// has that axis) or 0 (it is broadcast), and the inner loop is instantiated for those cases so
// the compiler vectorizes it; the outer axes advance a counter once per row.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

#include "core/op_registry.h"
#include "core/thread_pool.h"
#include "cpu/elementwise.h"
#include "cpu/parallel.h"

namespace tn {
namespace {

using cpu::for_range;

// ---- broadcasting ------------------------------------------------------------------------

// Output shape and, per input, strides aligned to it (0 on broadcast axes), after coalescing.
template <int N>
struct BroadcastPlan {
  int rank = 0;
  int64_t shape[kMaxRank] = {};
  int64_t stride[N][kMaxRank] = {};
};

template <int N>
BroadcastPlan<N> plan_broadcast(const KernelArgs& a, const TensorView& out, const TensorView* const in[N]) {
  // Strides of each input against the output's axes (right-aligned, numpy rules), checked.
  int64_t full[N][kMaxRank] = {};
  for (int k = 0; k < N; k++) {
    const TensorView& t = *in[k];
    TN_CHECK(t.rank <= out.rank, op_name(a.op), ": input ", k, " of shape ", t.shape_string(),
             " has more axes than the output ", out.shape_string());
    int64_t s = 1;
    for (int d = out.rank - 1, e = t.rank - 1; d >= 0; d--, e--) {
      if (e < 0) {
        full[k][d] = 0;
        continue;
      }
      TN_CHECK(t.shape[e] == out.shape[d] || t.shape[e] == 1, op_name(a.op), ": input ", k, " of shape ",
               t.shape_string(), " does not broadcast to the output shape ", out.shape_string());
      full[k][d] = t.shape[e] == 1 ? 0 : s;
      s *= t.shape[e];
    }
  }
  BroadcastPlan<N> p;
  for (int d = 0; d < out.rank; d++) {
    if (out.shape[d] == 1) continue;  // size-1 axes move nothing
    bool merge = p.rank > 0;
    for (int k = 0; merge && k < N; k++)
      merge = p.stride[k][p.rank - 1] == full[k][d] * out.shape[d];
    if (merge) {
      p.shape[p.rank - 1] *= out.shape[d];
      for (int k = 0; k < N; k++) p.stride[k][p.rank - 1] = full[k][d];
    } else {
      p.shape[p.rank] = out.shape[d];
      for (int k = 0; k < N; k++) p.stride[k][p.rank] = full[k][d];
      p.rank++;
    }
  }
  if (p.rank == 0) {  // a scalar result
    p.rank = 1;
    p.shape[0] = 1;
    for (int k = 0; k < N; k++) p.stride[k][0] = 0;
  }
  return p;
}

// Calls row(out_pos, count, offsets[N]) for every run of the last coalesced axis inside
// [begin, end): count elements with inner strides plan.stride[k][rank-1] (0 or 1).
template <int N, typename Row>
void walk_broadcast(const BroadcastPlan<N>& p, int64_t begin, int64_t end, Row&& row) {
  // An empty output (an axis of size 0) has nothing to walk; without this the index split
  // below divides by that 0 and traps (SIGFPE), e.g. add on [2, 0, 3] with [3].
  if (begin >= end) return;
  const int last = p.rank - 1;
  const int64_t inner = p.shape[last];
  int64_t idx[kMaxRank];
  int64_t rest = begin;
  for (int d = last; d >= 0; d--) {
    idx[d] = rest % p.shape[d];
    rest /= p.shape[d];
  }
  int64_t pos = begin;
  while (pos < end) {
    int64_t off[N];
    for (int k = 0; k < N; k++) {
      off[k] = 0;
      for (int d = 0; d <= last; d++) off[k] += idx[d] * p.stride[k][d];
    }
    const int64_t count = std::min(end - pos, inner - idx[last]);
    row(pos, count, off);
    pos += count;
    idx[last] += count;
    for (int d = last; d > 0 && idx[d] == p.shape[d]; d--) {
      idx[d] = 0;
      idx[d - 1]++;
    }
  }
}

// y = f(a, b) with broadcasting; A, B input element types, Y the output's.
template <typename A, typename B, typename Y, typename F>
void binary_loop(const KernelArgs& args, F f) {
  const TensorView& y = args.out(0);
  const TensorView* in[2] = {&args.in(0), &args.in(1)};
  const BroadcastPlan<2> p = plan_broadcast<2>(args, y, in);
  const A* pa = static_cast<const A*>(in[0]->data);
  const B* pb = static_cast<const B*>(in[1]->data);
  Y* py = static_cast<Y*>(y.data);
  const int64_t sa = p.stride[0][p.rank - 1], sb = p.stride[1][p.rank - 1];
  for_range(y.size, [&](int64_t begin, int64_t end) {
    walk_broadcast<2>(p, begin, end, [&](int64_t pos, int64_t n, const int64_t* off) {
      const A* ra = pa + off[0];
      const B* rb = pb + off[1];
      Y* ry = py + pos;
      if (sa == 1 && sb == 1) {
        for (int64_t i = 0; i < n; i++) ry[i] = f(ra[i], rb[i]);
      } else if (sa == 1) {
        const B bv = rb[0];
        for (int64_t i = 0; i < n; i++) ry[i] = f(ra[i], bv);
      } else if (sb == 1) {
        const A av = ra[0];
        for (int64_t i = 0; i < n; i++) ry[i] = f(av, rb[i]);
      } else {
        const Y v = f(ra[0], rb[0]);
        for (int64_t i = 0; i < n; i++) ry[i] = v;
      }
    });
  });
}

// ---- unary -------------------------------------------------------------------------------

template <typename X, typename Y, typename F>
void unary_loop(const KernelArgs& args, F f) {
  const TensorView& y = args.out(0);
  const TensorView& x = args.in(0);
  const X* px = static_cast<const X*>(x.data);
  Y* py = static_cast<Y*>(y.data);
  for_range(y.size, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; i++) py[i] = f(px[i]);
  });
}

void check_unary(const KernelArgs& a, bool int_ok) {
  a.expect(1, 1, 0);
  check_same_shape(a, a.in(0), a.out(0), "x and y");
  TN_CHECK(a.in(0).dtype == DType::Float32 || (int_ok && a.in(0).dtype == DType::Int32), op_name(a.op),
           ": x must be float32", int_ok ? " or int32" : "", " but is ", dtype_name(a.in(0).dtype));
  check_dtype(a, a.out(0), a.in(0).dtype, "y");
}

// Wrapping int32 arithmetic (two's complement, never undefined behaviour).
inline int32_t wrap(uint32_t v) {
  int32_t r;
  std::memcpy(&r, &v, sizeof r);
  return r;
}
inline int32_t neg_i(int32_t v) { return wrap(0u - uint32_t(v)); }
inline int32_t add_i(int32_t x, int32_t y) { return wrap(uint32_t(x) + uint32_t(y)); }
inline int32_t sub_i(int32_t x, int32_t y) { return wrap(uint32_t(x) - uint32_t(y)); }
inline int32_t mul_i(int32_t x, int32_t y) { return wrap(uint32_t(x) * uint32_t(y)); }

#define TN_UNARY_F32(Name, expr)                                            \
  void Name(const KernelArgs& a) {                                          \
    check_unary(a, false);                                                  \
    unary_loop<float, float>(a, [](float x) -> float { return (expr); }); \
  }

TN_UNARY_F32(sqrt_k, std::sqrt(x))
TN_UNARY_F32(rsqrt_k, 1.f / std::sqrt(x))
TN_UNARY_F32(exp_k, std::exp(x))
TN_UNARY_F32(expm1_k, std::expm1(x))
TN_UNARY_F32(log_k, std::log(x))
TN_UNARY_F32(log1p_k, std::log1p(x))
TN_UNARY_F32(reciprocal_k, 1.f / x)
TN_UNARY_F32(floor_k, std::floor(x))
TN_UNARY_F32(ceil_k, std::ceil(x))
TN_UNARY_F32(round_k, std::nearbyint(x))  // the default rounding mode: half to even
TN_UNARY_F32(sin_k, std::sin(x))
TN_UNARY_F32(cos_k, std::cos(x))
TN_UNARY_F32(tan_k, std::tan(x))
TN_UNARY_F32(asin_k, std::asin(x))
TN_UNARY_F32(acos_k, std::acos(x))
TN_UNARY_F32(atan_k, std::atan(x))
TN_UNARY_F32(sinh_k, std::sinh(x))
TN_UNARY_F32(cosh_k, std::cosh(x))
TN_UNARY_F32(erf_k, std::erf(x))
#undef TN_UNARY_F32

// Unary ops defined for int32 too.
#define TN_UNARY_NUM(Name, fexpr, iexpr)                                             \
  void Name(const KernelArgs& a) {                                                   \
    check_unary(a, true);                                                            \
    if (a.in(0).dtype == DType::Float32)                                             \
      unary_loop<float, float>(a, [](float x) -> float { return (fexpr); });         \
    else                                                                             \
      unary_loop<int32_t, int32_t>(a, [](int32_t x) -> int32_t { return (iexpr); }); \
  }

TN_UNARY_NUM(neg_k, -x, neg_i(x))
TN_UNARY_NUM(abs_k, std::fabs(x), x < 0 ? neg_i(x) : x)
TN_UNARY_NUM(sign_k, x > 0.f ? 1.f : (x < 0.f ? -1.f : (x == 0.f ? 0.f : x)), x > 0 ? 1 : (x < 0 ? -1 : 0))
TN_UNARY_NUM(square_k, x * x, mul_i(x, x))
#undef TN_UNARY_NUM

template <typename F>
void float_to_bool(const KernelArgs& a, F f) {
  a.expect(1, 1, 0);
  check_same_shape(a, a.in(0), a.out(0), "x and y");
  check_dtype(a, a.in(0), DType::Float32, "x");
  check_dtype(a, a.out(0), DType::Bool, "y");
  unary_loop<float, uint8_t>(a, f);
}

void is_nan_k(const KernelArgs& a) { float_to_bool(a, [](float x) -> uint8_t { return std::isnan(x); }); }
void is_finite_k(const KernelArgs& a) { float_to_bool(a, [](float x) -> uint8_t { return std::isfinite(x); }); }
void is_inf_k(const KernelArgs& a) { float_to_bool(a, [](float x) -> uint8_t { return std::isinf(x); }); }

void logical_not_k(const KernelArgs& a) {
  a.expect(1, 1, 0);
  check_same_shape(a, a.in(0), a.out(0), "x and y");
  check_dtype(a, a.in(0), DType::Bool, "x");
  check_dtype(a, a.out(0), DType::Bool, "y");
  unary_loop<uint8_t, uint8_t>(a, [](uint8_t x) -> uint8_t { return x ? 0 : 1; });
}

// float -> int32 truncates toward zero; NaN becomes 0 and values beyond int32 saturate, so no
// input is undefined behaviour.
inline int32_t float_to_int(float x) {
  if (!(x == x)) return 0;
  if (x >= 2147483647.f) return std::numeric_limits<int32_t>::max();
  if (x <= -2147483648.f) return std::numeric_limits<int32_t>::min();
  return int32_t(x);
}

void cast_k(const KernelArgs& a) {
  a.expect(1, 1, 0);
  check_same_shape(a, a.in(0), a.out(0), "x and y");
  const DType from = a.in(0).dtype, to = a.out(0).dtype;
  if (from == to) {
    std::memcpy(a.out(0).data, a.in(0).data, size_t(a.out(0).size * dtype_size(to)));
    return;
  }
  if (from == DType::Float32 && to == DType::Int32) return unary_loop<float, int32_t>(a, float_to_int);
  if (from == DType::Float32 && to == DType::Bool) return unary_loop<float, uint8_t>(a, [](float x) -> uint8_t { return x != 0.f; });
  if (from == DType::Int32 && to == DType::Float32) return unary_loop<int32_t, float>(a, [](int32_t x) { return float(x); });
  if (from == DType::Int32 && to == DType::Bool) return unary_loop<int32_t, uint8_t>(a, [](int32_t x) -> uint8_t { return x != 0; });
  if (from == DType::Bool && to == DType::Float32) return unary_loop<uint8_t, float>(a, [](uint8_t x) { return x ? 1.f : 0.f; });
  if (from == DType::Bool && to == DType::Int32) return unary_loop<uint8_t, int32_t>(a, [](uint8_t x) { return x ? 1 : 0; });
  TN_CHECK(false, "cast: cannot cast ", dtype_name(from), " to ", dtype_name(to));
}

void clip_k(const KernelArgs& a) {
  a.expect(1, 1, 2);
  check_same_shape(a, a.in(0), a.out(0), "x and y");
  check_dtype(a, a.in(0), DType::Float32, "x");
  check_dtype(a, a.out(0), DType::Float32, "y");
  const float lo = float(a.attr(0)), hi = float(a.attr(1));
  TN_CHECK(lo <= hi, "clipByValue: the lower bound ", lo, " is above the upper bound ", hi);
  unary_loop<float, float>(a, [lo, hi](float x) { return x < lo ? lo : (x > hi ? hi : x); });
}

cpu::Activation activation_attr(const KernelArgs& a) {
  return cpu::Activation(a.int_attr(0, 0, int64_t(cpu::Activation::Count) - 1));
}

void activation_k(const KernelArgs& a) {
  a.expect(1, 1, 2);
  check_same_shape(a, a.in(0), a.out(0), "x and y");
  check_dtype(a, a.in(0), DType::Float32, "x");
  check_dtype(a, a.out(0), DType::Float32, "y");
  // softmax normalizes along the last axis
  cpu::activation_forward(activation_attr(a), float(a.attr(1)), a.out(0).f32(), a.in(0).f32(), a.in(0).rows(),
                          a.in(0).cols());
}

void activation_grad_k(const KernelArgs& a) {
  a.expect(1, 3, 2);
  for (int i = 0; i < 3; i++) {
    check_same_shape(a, a.in(i), a.out(0), "the inputs and dx");
    check_dtype(a, a.in(i), DType::Float32, "every input");
  }
  check_dtype(a, a.out(0), DType::Float32, "dx");
  cpu::activation_backward(activation_attr(a), float(a.attr(1)), a.out(0).f32(), a.in(0).f32(), a.in(1).f32(),
                           a.in(2).f32(), a.out(0).rows(), a.out(0).cols());
}

// ---- binary ------------------------------------------------------------------------------

// numpy's remainder: the sign of the divisor.
inline float mod_f(float x, float y) {
  const float r = std::fmod(x, y);
  return (r != 0.f && ((r < 0.f) != (y < 0.f))) ? r + y : r;
}
// Integer division and remainder by 0 give 0 (no trap); INT_MIN / -1 wraps.
inline int32_t floordiv_i(int32_t x, int32_t y) {
  if (y == 0) return 0;
  if (y == -1) return neg_i(x);
  int32_t q = x / y;
  if ((x % y != 0) && ((x < 0) != (y < 0))) q--;
  return q;
}
inline int32_t mod_i(int32_t x, int32_t y) {
  if (y == 0 || y == -1) return 0;
  const int32_t r = x % y;
  return (r != 0 && ((r < 0) != (y < 0))) ? r + y : r;
}
inline int32_t pow_i(int32_t base, int32_t e) {
  if (e < 0) return base == 1 ? 1 : (base == -1 ? ((e & 1) ? -1 : 1) : 0);
  uint32_t result = 1, b = uint32_t(base);
  for (uint32_t k = uint32_t(e); k; k >>= 1) {
    if (k & 1) result *= b;
    b *= b;
  }
  return wrap(result);
}

void check_binary(const KernelArgs& a, bool int_ok, DType out) {
  a.expect(1, 2, 0);
  const DType t = a.in(0).dtype;
  TN_CHECK(t == DType::Float32 || (int_ok && t == DType::Int32), op_name(a.op), ": a must be float32",
           int_ok ? " or int32" : "", " but is ", dtype_name(t));
  check_dtype(a, a.in(1), t, "b (a's dtype)");
  check_dtype(a, a.out(0), out == DType::Count ? t : out, "y");
}

#define TN_BINARY(Name, int_ok, fexpr, iexpr)                                                               \
  void Name(const KernelArgs& a) {                                                                          \
    check_binary(a, int_ok, DType::Count);                                                                  \
    if (a.in(0).dtype == DType::Float32)                                                                    \
      binary_loop<float, float, float>(a, [](float x, float y) -> float { return (fexpr); });              \
    else                                                                                                    \
      binary_loop<int32_t, int32_t, int32_t>(a, [](int32_t x, int32_t y) -> int32_t { return (iexpr); }); \
  }

TN_BINARY(add_k, true, x + y, add_i(x, y))
TN_BINARY(sub_k, true, x - y, sub_i(x, y))
TN_BINARY(mul_k, true, x* y, mul_i(x, y))
TN_BINARY(div_k, false, x / y, 0)
TN_BINARY(floordiv_k, true, std::floor(x / y), floordiv_i(x, y))
TN_BINARY(mod_k, true, mod_f(x, y), mod_i(x, y))
TN_BINARY(pow_k, true, std::pow(x, y), pow_i(x, y))
// NaN propagates through maximum/minimum, as tfjs and numpy.
TN_BINARY(maximum_k, true, (x > y || x != x) ? x : y, x > y ? x : y)
TN_BINARY(minimum_k, true, (x < y || x != x) ? x : y, x < y ? x : y)
TN_BINARY(squared_difference_k, true, (x - y) * (x - y), mul_i(sub_i(x, y), sub_i(x, y)))
TN_BINARY(atan2_k, false, std::atan2(x, y), 0)
#undef TN_BINARY

#define TN_COMPARE(Name, expr)                                                                           \
  void Name(const KernelArgs& a) {                                                                       \
    a.expect(1, 2, 0);                                                                                   \
    check_dtype(a, a.in(1), a.in(0).dtype, "b (a's dtype)");                                             \
    check_dtype(a, a.out(0), DType::Bool, "y");                                                          \
    switch (a.in(0).dtype) {                                                                             \
      case DType::Float32:                                                                               \
        return binary_loop<float, float, uint8_t>(a, [](float x, float y) -> uint8_t { return (expr); }); \
      case DType::Int32:                                                                                 \
        return binary_loop<int32_t, int32_t, uint8_t>(                                                   \
            a, [](int32_t x, int32_t y) -> uint8_t { return (expr); });                                  \
      default:                                                                                           \
        return binary_loop<uint8_t, uint8_t, uint8_t>(                                                   \
            a, [](uint8_t x, uint8_t y) -> uint8_t { return (expr); });                                  \
    }                                                                                                    \
  }

TN_COMPARE(equal_k, x == y)
TN_COMPARE(not_equal_k, x != y)
TN_COMPARE(greater_k, x > y)
TN_COMPARE(greater_equal_k, x >= y)
TN_COMPARE(less_k, x < y)
TN_COMPARE(less_equal_k, x <= y)
#undef TN_COMPARE

#define TN_LOGICAL(Name, expr)                                                                         \
  void Name(const KernelArgs& a) {                                                                     \
    a.expect(1, 2, 0);                                                                                 \
    check_dtype(a, a.in(0), DType::Bool, "a");                                                         \
    check_dtype(a, a.in(1), DType::Bool, "b");                                                         \
    check_dtype(a, a.out(0), DType::Bool, "y");                                                        \
    binary_loop<uint8_t, uint8_t, uint8_t>(a, [](uint8_t x, uint8_t y) -> uint8_t { return (expr); }); \
  }

TN_LOGICAL(logical_and_k, (x && y) ? 1 : 0)
TN_LOGICAL(logical_or_k, (x || y) ? 1 : 0)
TN_LOGICAL(logical_xor_k, ((x != 0) != (y != 0)) ? 1 : 0)
#undef TN_LOGICAL

// ---- ternary and broadcasting copies -----------------------------------------------------

template <typename T>
void where_loop(const KernelArgs& args) {
  const TensorView& y = args.out(0);
  const TensorView* in[3] = {&args.in(0), &args.in(1), &args.in(2)};
  const BroadcastPlan<3> p = plan_broadcast<3>(args, y, in);
  const uint8_t* pc = args.in(0).u8();
  const T* pa = static_cast<const T*>(args.in(1).data);
  const T* pb = static_cast<const T*>(args.in(2).data);
  T* py = static_cast<T*>(y.data);
  const int64_t sc = p.stride[0][p.rank - 1], sa = p.stride[1][p.rank - 1], sb = p.stride[2][p.rank - 1];
  for_range(y.size, [&](int64_t begin, int64_t end) {
    walk_broadcast<3>(p, begin, end, [&](int64_t pos, int64_t n, const int64_t* off) {
      const uint8_t* rc = pc + off[0];
      const T* ra = pa + off[1];
      const T* rb = pb + off[2];
      T* ry = py + pos;
      for (int64_t i = 0; i < n; i++) ry[i] = rc[i * sc] ? ra[i * sa] : rb[i * sb];
    });
  });
}

void where_k(const KernelArgs& a) {
  a.expect(1, 3, 0);
  check_dtype(a, a.in(0), DType::Bool, "condition");
  check_dtype(a, a.in(2), a.in(1).dtype, "b (a's dtype)");
  check_dtype(a, a.out(0), a.in(1).dtype, "y (a's dtype)");
  switch (a.in(1).dtype) {
    case DType::Float32: return where_loop<float>(a);
    case DType::Int32: return where_loop<int32_t>(a);
    default: return where_loop<uint8_t>(a);
  }
}

template <typename T>
void broadcast_copy(const KernelArgs& args) {
  const TensorView& y = args.out(0);
  const TensorView* in[1] = {&args.in(0)};
  const BroadcastPlan<1> p = plan_broadcast<1>(args, y, in);
  const T* px = static_cast<const T*>(args.in(0).data);
  T* py = static_cast<T*>(y.data);
  const int64_t sx = p.stride[0][p.rank - 1];
  for_range(y.size, [&](int64_t begin, int64_t end) {
    walk_broadcast<1>(p, begin, end, [&](int64_t pos, int64_t n, const int64_t* off) {
      const T* rx = px + off[0];
      T* ry = py + pos;
      if (sx == 1) std::memcpy(ry, rx, size_t(n) * sizeof(T));
      else std::fill(ry, ry + n, rx[0]);
    });
  });
}

void broadcast_to_k(const KernelArgs& a) {
  a.expect(1, 1, 0);
  check_dtype(a, a.out(0), a.in(0).dtype, "y (x's dtype)");
  switch (a.in(0).dtype) {
    case DType::Float32: return broadcast_copy<float>(a);
    case DType::Int32: return broadcast_copy<int32_t>(a);
    default: return broadcast_copy<uint8_t>(a);
  }
}

}  // namespace

void register_elementwise_kernels() {
  register_kernel(OpId::Neg, neg_k);
  register_kernel(OpId::Abs, abs_k);
  register_kernel(OpId::Sign, sign_k);
  register_kernel(OpId::Square, square_k);
  register_kernel(OpId::Sqrt, sqrt_k);
  register_kernel(OpId::Rsqrt, rsqrt_k);
  register_kernel(OpId::Exp, exp_k);
  register_kernel(OpId::Expm1, expm1_k);
  register_kernel(OpId::Log, log_k);
  register_kernel(OpId::Log1p, log1p_k);
  register_kernel(OpId::Reciprocal, reciprocal_k);
  register_kernel(OpId::Floor, floor_k);
  register_kernel(OpId::Ceil, ceil_k);
  register_kernel(OpId::Round, round_k);
  register_kernel(OpId::Sin, sin_k);
  register_kernel(OpId::Cos, cos_k);
  register_kernel(OpId::Tan, tan_k);
  register_kernel(OpId::Asin, asin_k);
  register_kernel(OpId::Acos, acos_k);
  register_kernel(OpId::Atan, atan_k);
  register_kernel(OpId::Sinh, sinh_k);
  register_kernel(OpId::Cosh, cosh_k);
  register_kernel(OpId::Erf, erf_k);
  register_kernel(OpId::IsNaN, is_nan_k);
  register_kernel(OpId::IsFinite, is_finite_k);
  register_kernel(OpId::IsInf, is_inf_k);
  register_kernel(OpId::LogicalNot, logical_not_k);
  register_kernel(OpId::Cast, cast_k);
  register_kernel(OpId::ClipByValue, clip_k);
  register_kernel(OpId::Activation, activation_k);
  register_kernel(OpId::ActivationGrad, activation_grad_k);
  register_kernel(OpId::Add, add_k);
  register_kernel(OpId::Sub, sub_k);
  register_kernel(OpId::Mul, mul_k);
  register_kernel(OpId::Div, div_k);
  register_kernel(OpId::FloorDiv, floordiv_k);
  register_kernel(OpId::Mod, mod_k);
  register_kernel(OpId::Pow, pow_k);
  register_kernel(OpId::Maximum, maximum_k);
  register_kernel(OpId::Minimum, minimum_k);
  register_kernel(OpId::SquaredDifference, squared_difference_k);
  register_kernel(OpId::Atan2, atan2_k);
  register_kernel(OpId::Equal, equal_k);
  register_kernel(OpId::NotEqual, not_equal_k);
  register_kernel(OpId::Greater, greater_k);
  register_kernel(OpId::GreaterEqual, greater_equal_k);
  register_kernel(OpId::Less, less_k);
  register_kernel(OpId::LessEqual, less_equal_k);
  register_kernel(OpId::LogicalAnd, logical_and_k);
  register_kernel(OpId::LogicalOr, logical_or_k);
  register_kernel(OpId::LogicalXor, logical_xor_k);
  register_kernel(OpId::Where, where_k);
  register_kernel(OpId::BroadcastTo, broadcast_to_k);
}

}  // namespace tn
