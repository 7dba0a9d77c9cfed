// Data-movement kernels of the op table (native/core/ops/shape.def). They move elements and
// never look at values, so each runs on 4-byte (float32, int32) or 1-byte (bool) words.
//
// Note [Strided copies]
// transpose, stridedSlice, reverse, tile and pad are one loop: a copy over a box of `shape`
// with a destination stride and a source stride per axis (negative for reverse, 0 where tile
// repeats). Axes are coalesced where both sides are contiguous, and the box is split over the
// pool as a flat range of destination elements.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include "core/checked_size.h"
#include "core/op_registry.h"
#include "core/thread_pool.h"
#include "cpu/parallel.h"

namespace tn {
namespace {

using cpu::kParallelElements;
constexpr int kMaxCopyRank = 2 * kMaxRank;  // tile views each axis as (repeat, size)

struct StridedCopy {
  int rank = 0;
  int64_t shape[kMaxCopyRank] = {};
  int64_t dst[kMaxCopyRank] = {};
  int64_t src[kMaxCopyRank] = {};

  void add(int64_t size, int64_t dst_stride, int64_t src_stride) {
    if (size == 1) return;
    if (rank > 0 && dst[rank - 1] == dst_stride * size && src[rank - 1] == src_stride * size) {
      shape[rank - 1] *= size;
      dst[rank - 1] = dst_stride;
      src[rank - 1] = src_stride;
      return;
    }
    shape[rank] = size;
    dst[rank] = dst_stride;
    src[rank] = src_stride;
    rank++;
  }
  int64_t size() const {
    int64_t n = 1;
    for (int d = 0; d < rank; d++) n *= shape[d];
    return n;
  }
};

template <typename T>
void run_copy(const StridedCopy& c, T* dst, const T* src) {
  if (c.rank == 0) {
    dst[0] = src[0];
    return;
  }
  const int last = c.rank - 1;
  const int64_t total = c.size();
  auto chunk = [&](int64_t begin, int64_t end) {
    int64_t idx[kMaxCopyRank];
    int64_t rest = begin;
    for (int d = last; d >= 0; d--) {
      idx[d] = rest % c.shape[d];
      rest /= c.shape[d];
    }
    int64_t pos = begin;
    const int64_t ds = c.dst[last], ss = c.src[last];
    while (pos < end) {
      int64_t od = 0, os = 0;
      for (int d = 0; d <= last; d++) {
        od += idx[d] * c.dst[d];
        os += idx[d] * c.src[d];
      }
      const int64_t n = std::min(end - pos, c.shape[last] - idx[last]);
      T* pd = dst + od;
      const T* ps = src + os;
      if (ds == 1 && ss == 1) std::memcpy(pd, ps, size_t(n) * sizeof(T));
      else if (ss == 0) std::fill_n(pd, n, ps[0]);
      else for (int64_t i = 0; i < n; i++) pd[i * ds] = ps[i * ss];
      pos += n;
      idx[last] += n;
      for (int d = last; d > 0 && idx[d] == c.shape[d]; d--) {
        idx[d] = 0;
        idx[d - 1]++;
      }
    }
  };
  cpu::for_range(total, chunk);
}

void copy_words(const StridedCopy& c, const TensorView& y, int64_t dst_offset, const TensorView& x, int64_t src_offset) {
  if (dtype_size(y.dtype) == 4) run_copy(c, y.i32() + dst_offset, x.i32() + src_offset);
  else run_copy(c, y.u8() + dst_offset, x.u8() + src_offset);
}

void row_major_strides(const TensorView& t, int64_t* strides) {
  int64_t s = 1;
  for (int d = t.rank - 1; d >= 0; d--) {
    strides[d] = s;
    s *= t.shape[d];
  }
}

void check_same_dtype(const KernelArgs& a) {
  check_dtype(a, a.out(0), a.in(0).dtype, "y (x's dtype)");
}

void transpose_k(const KernelArgs& a) {
  const TensorView &x = a.in(0), &y = a.out(0);
  a.expect(1, 1, x.rank);
  check_same_dtype(a);
  TN_CHECK(y.rank == x.rank, "transpose: y must have x's rank");
  int64_t xs[kMaxRank], ys[kMaxRank];
  row_major_strides(x, xs);
  row_major_strides(y, ys);
  bool seen[kMaxRank] = {};
  StridedCopy c;
  for (int d = 0; d < y.rank; d++) {
    const int p = int(a.int_attr(d, 0, x.rank - 1));
    TN_CHECK(!seen[p], "transpose: perm repeats axis ", p);
    seen[p] = true;
    TN_CHECK(y.shape[d] == x.shape[p], "transpose: y ", y.shape_string(), " is not x ", x.shape_string(), " permuted");
    c.add(y.shape[d], ys[d], xs[p]);
  }
  if (y.size > 0) copy_words(c, y, 0, x, 0);
}

// The box stridedSlice reads: y[j] = x[offset + sum_d j_d * stride_d * xs_d]. False when empty.
bool slice_box(const KernelArgs& a, const TensorView& x, const TensorView& y, StridedCopy* c, int64_t* offset) {
  TN_CHECK(y.rank == x.rank, op_name(a.op), ": the slice must have x's rank");
  int64_t xs[kMaxRank], ys[kMaxRank];
  row_major_strides(x, xs);
  row_major_strides(y, ys);
  *offset = 0;
  for (int d = 0; d < x.rank; d++) {
    const int64_t n = y.shape[d];
    int64_t stride = a.int_attr(x.rank + d, -kMaxElements, kMaxElements);
    TN_CHECK(stride != 0, op_name(a.op), ": a stride is 0 on axis ", d);
    if (n == 0) return false;
    // A stride as long as the axis can read at most one element; bounding it by the axis keeps
    // (n - 1) * stride and stride * xs[d] far from overflow (|.| <= 2^62, 2^40).
    TN_CHECK(n == 1 || (stride > -x.shape[d] && stride < x.shape[d]), op_name(a.op), ": axis ", d, " reads ", n,
             " elements with stride ", stride, " from a dimension of ", x.shape[d]);
    if (n == 1) stride = 1;
    const int64_t begin = a.int_attr(d, 0, std::max<int64_t>(0, x.shape[d] - 1));
    const int64_t last = begin + (n - 1) * stride;  // the last index read
    TN_CHECK(last >= 0 && last < x.shape[d], op_name(a.op), ": axis ", d, " reads indices ", begin, "..", last,
             " of a dimension of ", x.shape[d]);
    *offset += begin * xs[d];
    c->add(n, ys[d], stride * xs[d]);
  }
  return true;
}

void strided_slice_k(const KernelArgs& a) {
  const TensorView &x = a.in(0), &y = a.out(0);
  a.expect(1, 1, 2 * x.rank);
  check_same_dtype(a);
  StridedCopy c;
  int64_t offset = 0;
  if (slice_box(a, x, y, &c, &offset) && y.size > 0) copy_words(c, y, 0, x, offset);
}

void strided_slice_grad_k(const KernelArgs& a) {
  const TensorView &dy = a.in(0), &dx = a.out(0);
  a.expect(1, 1, 2 * dx.rank);
  check_dtype(a, dy, DType::Float32, "dy");
  check_dtype(a, dx, DType::Float32, "dx");
  std::fill_n(dx.f32(), dx.size, 0.f);
  StridedCopy box;
  int64_t offset = 0;
  if (!slice_box(a, dx, dy, &box, &offset) || dy.size == 0) return;
  // The same box with the roles swapped: dx (strided) <- dy (contiguous). Distinct strides
  // never write one element twice, so the copy may be split.
  StridedCopy c;
  c.rank = box.rank;
  for (int d = 0; d < box.rank; d++) {
    c.shape[d] = box.shape[d];
    c.dst[d] = box.src[d];
    c.src[d] = box.dst[d];
  }
  run_copy(c, dx.f32() + offset, dy.f32());
}

void reverse_k(const KernelArgs& a) {
  const TensorView &x = a.in(0), &y = a.out(0);
  a.expect(1, 1, x.rank);
  check_same_dtype(a);
  check_same_shape(a, x, y, "x and y");
  int64_t xs[kMaxRank];
  row_major_strides(x, xs);
  StridedCopy c;
  int64_t offset = 0;
  for (int d = 0; d < x.rank; d++) {
    if (a.flag(d) && x.shape[d] > 1) {
      offset += (x.shape[d] - 1) * xs[d];
      c.add(x.shape[d], xs[d], -xs[d]);
    } else {
      c.add(x.shape[d], xs[d], xs[d]);
    }
  }
  if (y.size > 0) copy_words(c, y, 0, x, offset);
}

void tile_k(const KernelArgs& a) {
  const TensorView &x = a.in(0), &y = a.out(0);
  a.expect(1, 1, 0);
  check_same_dtype(a);
  TN_CHECK(y.rank == x.rank, "tile: y must have x's rank");
  int64_t xs[kMaxRank], ys[kMaxRank];
  row_major_strides(x, xs);
  row_major_strides(y, ys);
  StridedCopy c;
  for (int d = 0; d < x.rank; d++) {
    TN_CHECK(x.shape[d] > 0 ? y.shape[d] % x.shape[d] == 0 : y.shape[d] == 0, "tile: y ", y.shape_string(),
             " is not a multiple of x ", x.shape_string());
    if (x.shape[d] == 0) return;
    const int64_t reps = y.shape[d] / x.shape[d];
    c.add(reps, x.shape[d] * ys[d], 0);  // which repeat
    c.add(x.shape[d], ys[d], xs[d]);      // where inside it
  }
  if (y.size > 0) copy_words(c, y, 0, x, 0);
}

void pad_k(const KernelArgs& a) {
  const TensorView &x = a.in(0), &y = a.out(0);
  a.expect(1, 1, 1 + x.rank);
  check_same_dtype(a);
  TN_CHECK(y.rank == x.rank, "pad: y must have x's rank");
  const double value = a.attr(0);
  TN_CHECK(y.dtype != DType::Int32 || (value == std::floor(value) && value >= -2147483648.0 && value <= 2147483647.0),
           "pad: the constant ", value, " is not an int32");
  // Fill y with the constant, then copy x into the box at `before`.
  if (y.dtype == DType::Float32) std::fill_n(y.f32(), y.size, float(value));
  else if (y.dtype == DType::Int32) std::fill_n(y.i32(), y.size, int32_t(value));
  else std::fill_n(y.u8(), y.size, uint8_t(value != 0));
  int64_t xs[kMaxRank], ys[kMaxRank];
  row_major_strides(x, xs);
  row_major_strides(y, ys);
  StridedCopy c;
  int64_t offset = 0;
  for (int d = 0; d < x.rank; d++) {
    const int64_t before = a.int_attr(1 + d, 0, kMaxElements);
    TN_CHECK(before + x.shape[d] <= y.shape[d], "pad: x ", x.shape_string(), " padded by ", before, " on axis ", d,
             " does not fit y ", y.shape_string());
    offset += before * ys[d];
    c.add(x.shape[d], ys[d], xs[d]);
  }
  if (x.size > 0) copy_words(c, y, offset, x, 0);
}

void concat_k(const KernelArgs& a) {
  a.expect(1, -1, 1);
  const TensorView& y = a.out(0);
  TN_CHECK(a.n_inputs >= 1, "concat: needs at least one input");
  const int axis = int(a.int_attr(0, 0, std::max(0, y.rank - 1)));
  int64_t outer = 1, inner = 1;
  for (int d = 0; d < axis; d++) outer *= y.shape[d];
  for (int d = axis + 1; d < y.rank; d++) inner *= y.shape[d];
  int64_t along = 0;
  for (int k = 0; k < a.n_inputs; k++) {
    const TensorView& x = a.in(k);
    check_dtype(a, x, y.dtype, "every input (y's dtype)");
    TN_CHECK(x.rank == y.rank, "concat: input ", k, " ", x.shape_string(), " must have y's rank ", y.rank);
    for (int d = 0; d < y.rank; d++)
      TN_CHECK(d == axis || x.shape[d] == y.shape[d], "concat: input ", k, " ", x.shape_string(), " does not match y ",
               y.shape_string(), " off axis ", axis);
    along += x.shape[axis];
  }
  TN_CHECK(along == y.shape[axis], "concat: the inputs add up to ", along, " along axis ", axis, " but y has ",
           y.shape[axis]);
  const int64_t word = dtype_size(y.dtype);
  const int64_t row_out = y.shape[axis] * inner * word;
  int64_t at = 0;
  for (int k = 0; k < a.n_inputs; k++) {
    const TensorView& x = a.in(k);
    const int64_t row_in = x.shape[axis] * inner * word;
    const char* src = static_cast<const char*>(x.data);
    char* dst = static_cast<char*>(y.data) + at;
    if (row_in > 0) {
      const int64_t grain = std::max<int64_t>(1, kParallelElements * 4 / row_in);
      parallel_for(outer, grain, [&](int64_t o0, int64_t o1) {
        for (int64_t o = o0; o < o1; o++) std::memcpy(dst + o * row_out, src + o * row_in, size_t(row_in));
      });
    }
    at += row_in;
  }
}

// Throws naming the first index outside [0, n).
void check_indices(const char* op, const TensorView& indices, int64_t n) {
  const int32_t* idx = indices.i32();
  for (int64_t i = 0; i < indices.size; i++)
    TN_CHECK(idx[i] >= 0 && idx[i] < n, op, ": indices[", i, "] = ", idx[i], " is outside [0, ", n, ")");
}

struct GatherShape {
  int64_t outer, n, inner, k;
};

GatherShape gather_shape(const KernelArgs& a, const TensorView& table, const TensorView& indices, const TensorView& out) {
  const int axis = int(a.int_attr(0, 0, std::max(0, table.rank - 1)));
  check_dtype(a, indices, DType::Int32, "indices");
  GatherShape g{1, table.rank ? table.shape[axis] : 1, 1, indices.size};
  for (int d = 0; d < axis; d++) g.outer *= table.shape[d];
  for (int d = axis + 1; d < table.rank; d++) g.inner *= table.shape[d];
  TN_CHECK(out.size == elements({{"outer", g.outer}, {"indices", g.k}, {"inner", g.inner}}) && out.rank == table.rank - 1 + indices.rank, op_name(a.op), ": ",
           out.shape_string(), " is not ", table.shape_string(), " gathered along axis ", axis, " by indices ",
           indices.shape_string());
  return g;
}

void gather_k(const KernelArgs& a) {
  a.expect(1, 2, 1);
  const TensorView &x = a.in(0), &indices = a.in(1), &y = a.out(0);
  check_same_dtype(a);
  const GatherShape g = gather_shape(a, x, indices, y);
  check_indices("gather", indices, g.n);
  if (y.size == 0) return;  // else outer * k empty rows could still be 2^40 iterations
  const int64_t word = dtype_size(x.dtype), row = g.inner * word;
  const int32_t* idx = indices.i32();
  const char* src = static_cast<const char*>(x.data);
  char* dst = static_cast<char*>(y.data);
  const int64_t rows = g.outer * g.k;
  parallel_for(rows, std::max<int64_t>(1, kParallelElements * 4 / std::max<int64_t>(1, row)), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; r++) {
      const int64_t o = r / g.k, i = r % g.k;
      std::memcpy(dst + r * row, src + (o * g.n + idx[i]) * row, size_t(row));
    }
  });
}

void gather_grad_k(const KernelArgs& a) {
  a.expect(1, 2, 1);
  const TensorView &dy = a.in(0), &indices = a.in(1), &dx = a.out(0);
  check_dtype(a, dy, DType::Float32, "dy");
  check_dtype(a, dx, DType::Float32, "dx");
  const GatherShape g = gather_shape(a, dx, indices, dy);
  check_indices("gatherGrad", indices, g.n);
  if (dx.size == 0 || dy.size == 0) {
    std::fill_n(dx.f32(), dx.size, 0.f);
    return;
  }
  float* out = dx.f32();
  const float* in = dy.f32();
  const int32_t* idx = indices.i32();
  std::fill_n(out, dx.size, 0.f);
  // Rows of one outer index may repeat an index (they add up), so split over outer only.
  parallel_for(g.outer, std::max<int64_t>(1, kParallelElements / std::max<int64_t>(1, g.k * g.inner)),
               [&](int64_t o0, int64_t o1) {
                 for (int64_t o = o0; o < o1; o++)
                   for (int64_t i = 0; i < g.k; i++) {
                     float* d = out + (o * g.n + idx[i]) * g.inner;
                     const float* s = in + (o * g.k + i) * g.inner;
                     for (int64_t j = 0; j < g.inner; j++) d[j] += s[j];
                   }
               });
}

// The geometry gatherND and its gradient share: x (or dx) addressed by indices (..., k), one
// slice of `slice` elements per index row; every index checked against its axis.
struct GatherNdPlan {
  int k;
  int64_t strides[kMaxRank];
  int64_t slice, n;
};

GatherNdPlan gather_nd_plan(const KernelArgs& a, const TensorView& x, const TensorView& indices, const TensorView& y,
                            const char* y_name) {
  check_dtype(a, indices, DType::Int32, "indices");
  TN_CHECK(indices.rank >= 1, op_name(a.op), ": indices must have rank >= 1");
  GatherNdPlan g;
  g.k = int(indices.shape[indices.rank - 1]);
  TN_CHECK(g.k >= 1 && g.k <= x.rank, op_name(a.op), ": the last axis of indices (", g.k, ") must be in [1, ", x.rank, "]");
  row_major_strides(x, g.strides);
  g.slice = g.strides[g.k - 1];
  g.n = indices.size / g.k;
  TN_CHECK(y.size == g.n * g.slice, op_name(a.op), ": ", y_name, " ", y.shape_string(), " must have ", g.n * g.slice,
           " elements");
  const int32_t* idx = indices.i32();
  for (int64_t i = 0; i < g.n; i++)
    for (int d = 0; d < g.k; d++)
      TN_CHECK(idx[i * g.k + d] >= 0 && idx[i * g.k + d] < x.shape[d], op_name(a.op), ": indices[", i, "][", d, "] = ",
               idx[i * g.k + d], " is outside [0, ", x.shape[d], ")");
  return g;
}

// The element offset in x of index row i.
int64_t gather_nd_offset(const GatherNdPlan& g, const int32_t* idx, int64_t i) {
  int64_t off = 0;
  for (int d = 0; d < g.k; d++) off += idx[i * g.k + d] * g.strides[d];
  return off;
}

void gather_nd_k(const KernelArgs& a) {
  a.expect(1, 2, 0);
  const TensorView &x = a.in(0), &indices = a.in(1), &y = a.out(0);
  check_same_dtype(a);
  const GatherNdPlan g = gather_nd_plan(a, x, indices, y, "y");
  const int64_t word = dtype_size(x.dtype);
  const char* src = static_cast<const char*>(x.data);
  char* dst = static_cast<char*>(y.data);
  for (int64_t i = 0; i < g.n; i++) {
    std::memcpy(dst + i * g.slice * word, src + gather_nd_offset(g, indices.i32(), i) * word, size_t(g.slice * word));
  }
}

// dx = 0, then dx[indices[i]] += dy[i] slice by slice (the gradient of gather_nd_k).
void gather_nd_grad_k(const KernelArgs& a) {
  a.expect(1, 2, 0);
  const TensorView &dy = a.in(0), &indices = a.in(1), &dx = a.out(0);
  check_dtype(a, dy, DType::Float32, "dy");
  check_dtype(a, dx, DType::Float32, "dx");
  const GatherNdPlan g = gather_nd_plan(a, dx, indices, dy, "dy");
  float* out = dx.f32();
  const float* grad = dy.f32();
  std::fill(out, out + dx.size, 0.f);
  // Serial: two index rows may address the same slice, and the adds must not race.
  for (int64_t i = 0; i < g.n; i++) {
    const int64_t off = gather_nd_offset(g, indices.i32(), i);
    for (int64_t j = 0; j < g.slice; j++) out[off + j] += grad[i * g.slice + j];
  }
}

}  // namespace

void register_shape_kernels() {
  register_kernel(OpId::Transpose, transpose_k);
  register_kernel(OpId::StridedSlice, strided_slice_k);
  register_kernel(OpId::Concat, concat_k);
  register_kernel(OpId::Gather, gather_k);
  register_kernel(OpId::GatherND, gather_nd_k);
  register_kernel(OpId::Pad, pad_k);
  register_kernel(OpId::Tile, tile_k);
  register_kernel(OpId::Reverse, reverse_k);
  register_kernel(OpId::StridedSliceGrad, strided_slice_grad_k);
  register_kernel(OpId::GatherGrad, gather_grad_k);
  register_kernel(OpId::GatherNDGrad, gather_nd_grad_k);
}

}  // namespace tn
