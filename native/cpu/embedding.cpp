// See embedding.h and Note [Sparse embedding gradient].
#include "cpu/embedding.h"

#include <algorithm>
#include <cstring>

#include "core/errors.h"
#include "core/thread_pool.h"

namespace tn {
namespace cpu {
namespace {
constexpr int64_t kParallelElements = 1 << 15;
}  // namespace

int64_t embedding_forward(float* y, const float* table, const int32_t* indices, int64_t n, int64_t vocab, int64_t dim) {
  for (int64_t i = 0; i < n; ++i)
    if (indices[i] < 0 || indices[i] >= vocab) return i;
  auto gather = [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i)
      std::memcpy(y + i * dim, table + int64_t(indices[i]) * dim, size_t(dim) * sizeof(float));
  };
  if (n * dim < kParallelElements) gather(0, n);
  else parallel_for(n, std::max<int64_t>(1, kParallelElements / dim / 2), gather);
  return -1;
}

void embedding_backward(float* dtable, const float* dy, const int32_t* indices, int64_t n, const int32_t* prev_indices,
                        int64_t prev_n, int64_t vocab, int64_t dim) {
  for (int64_t i = 0; i < n; ++i)
    TN_CHECK(indices[i] >= 0 && indices[i] < vocab, "embedding: index ", indices[i], " at ", i, " is outside [0, ", vocab, ")");
  for (int64_t i = 0; i < prev_n; ++i)
    TN_CHECK(prev_indices[i] >= 0 && prev_indices[i] < vocab, "embedding: previous index ", prev_indices[i], " out of range");
  // Rows may repeat, so threads split the table's rows (row % chunks), each scanning all
  // indices and adding only its own rows: no two threads ever write the same row.
  auto run = [&](int64_t chunk, int64_t chunks) {
    for (int64_t i = 0; i < prev_n; ++i)
      if (prev_indices[i] % chunks == chunk) std::memset(dtable + int64_t(prev_indices[i]) * dim, 0, size_t(dim) * sizeof(float));
    for (int64_t i = 0; i < n; ++i)
      if (indices[i] % chunks == chunk) std::memset(dtable + int64_t(indices[i]) * dim, 0, size_t(dim) * sizeof(float));
    for (int64_t i = 0; i < n; ++i) {
      if (indices[i] % chunks != chunk) continue;
      float* dst = dtable + int64_t(indices[i]) * dim;
      const float* src = dy + i * dim;
      for (int64_t d = 0; d < dim; ++d) dst[d] += src[d];
    }
  };
  const int64_t chunks = n * dim < kParallelElements ? 1 : std::min<int64_t>(num_threads(), 16);
  if (chunks == 1) run(0, 1);
  else parallel_chunks(chunks, [&](int64_t c) { run(c, chunks); });
}

}  // namespace cpu
}  // namespace tn
