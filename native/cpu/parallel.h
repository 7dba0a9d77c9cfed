// Splitting elementwise and row-wise loops over the thread pool: shared by every CPU kernel file
// (elementwise.cpp and the op table's ops_*.cpp), so one threshold decides when a buffer is
// large enough to pay for the hand-off (~16K elements).
#pragma once
#include <algorithm>
#include <cstdint>

#include "core/thread_pool.h"

namespace tn {
namespace cpu {

constexpr int64_t kParallelElements = 1 << 14;

// fn(begin, end) over [0, n), split over the pool when n is large enough.
template <typename Fn>
void for_range(int64_t n, Fn&& fn) {
  if (n < kParallelElements) {
    fn(int64_t(0), n);
    return;
  }
  parallel_for(n, kParallelElements / 2, fn);
}

// fn(r0, r1) over `rows` rows of `cols` elements, split over the pool when the total is large.
template <typename Fn>
void for_rows(int64_t rows, int64_t cols, Fn&& fn) {
  if (rows * cols < kParallelElements || rows < 2) {
    fn(int64_t(0), rows);
    return;
  }
  parallel_for(rows, std::max<int64_t>(1, kParallelElements / std::max<int64_t>(cols, 1) / 2), fn);
}

}  // namespace cpu
}  // namespace tn
