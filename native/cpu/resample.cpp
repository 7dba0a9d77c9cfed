// See resample.h. Memory-bound copies; rows of images are split over the pool.
#include "cpu/resample.h"

#include <algorithm>
#include <cstring>

#include "core/errors.h"
#include "core/thread_pool.h"

namespace tn {
namespace cpu {
namespace {

template <typename Fn>
void maybe_parallel(int64_t n, int64_t work_per_item, Fn&& fn) {
  if (n < 2 || n * work_per_item < (1 << 15)) {
    fn(0, n);
    return;
  }
  parallel_for(n, std::max<int64_t>(1, (1 << 14) / std::max<int64_t>(work_per_item, 1)), fn);
}

void check(int64_t batch, int64_t h, int64_t w, int64_t c) {
  TN_CHECK(batch > 0 && h > 0 && w > 0 && c > 0, "resample: sizes must be positive (", batch, ", ", h, ", ", w, ", ", c, ")");
}

}  // namespace

void zero_pad2d_forward(float* y, const float* x, int64_t batch, int64_t h, int64_t w, int64_t c, int64_t top,
                        int64_t bottom, int64_t left, int64_t right) {
  check(batch, h, w, c);
  TN_CHECK(top >= 0 && bottom >= 0 && left >= 0 && right >= 0, "zero padding must be non-negative");
  const int64_t oh = h + top + bottom, ow = w + left + right;
  maybe_parallel(batch * oh, ow * c, [&](int64_t begin, int64_t end) {
    for (int64_t item = begin; item < end; ++item) {
      const int64_t b = item / oh, i = item % oh;
      float* row = y + item * ow * c;  // (OW, C)
      const int64_t ih = i - top;
      if (ih < 0 || ih >= h) {
        std::memset(row, 0, sizeof(float) * size_t(ow * c));
        continue;
      }
      std::memset(row, 0, sizeof(float) * size_t(left * c));
      std::memcpy(row + left * c, x + ((b * h + ih) * w) * c, sizeof(float) * size_t(w * c));
      std::memset(row + (left + w) * c, 0, sizeof(float) * size_t(right * c));
    }
  });
}

void zero_pad2d_backward(float* dx, const float* dy, int64_t batch, int64_t h, int64_t w, int64_t c, int64_t top,
                         int64_t bottom, int64_t left, int64_t right) {
  check(batch, h, w, c);
  TN_CHECK(top >= 0 && bottom >= 0 && left >= 0 && right >= 0, "zero padding must be non-negative");
  const int64_t oh = h + top + bottom, ow = w + left + right;
  maybe_parallel(batch * h, w * c, [&](int64_t begin, int64_t end) {
    for (int64_t item = begin; item < end; ++item) {
      const int64_t b = item / h, i = item % h;
      std::memcpy(dx + item * w * c, dy + ((b * oh + i + top) * ow + left) * c, sizeof(float) * size_t(w * c));
    }
  });
}

void upsample2d_forward(float* y, const float* x, int64_t batch, int64_t h, int64_t w, int64_t c, int64_t sh, int64_t sw) {
  check(batch, h, w, c);
  TN_CHECK(sh > 0 && sw > 0, "upsampling size must be positive");
  const int64_t oh = h * sh, ow = w * sw;
  maybe_parallel(batch * oh, ow * c, [&](int64_t begin, int64_t end) {
    for (int64_t item = begin; item < end; ++item) {
      const int64_t b = item / oh, i = item % oh;
      const float* src = x + ((b * h + i / sh) * w) * c;
      float* row = y + item * ow * c;
      for (int64_t j = 0; j < ow; ++j) std::memcpy(row + j * c, src + (j / sw) * c, sizeof(float) * size_t(c));
    }
  });
}

void upsample2d_backward(float* dx, const float* dy, int64_t batch, int64_t h, int64_t w, int64_t c, int64_t sh,
                         int64_t sw) {
  check(batch, h, w, c);
  TN_CHECK(sh > 0 && sw > 0, "upsampling size must be positive");
  const int64_t ow = w * sw;
  maybe_parallel(batch * h, w * c * sh * sw, [&](int64_t begin, int64_t end) {
    for (int64_t item = begin; item < end; ++item) {
      const int64_t b = item / h, i = item % h;
      float* d = dx + item * w * c;
      std::memset(d, 0, sizeof(float) * size_t(w * c));
      for (int64_t di = 0; di < sh; ++di) {
        const float* row = dy + ((b * h + i) * sh + di) * ow * c;
        for (int64_t j = 0; j < ow; ++j) {
          float* dd = d + (j / sw) * c;
          const float* g = row + j * c;
          for (int64_t k = 0; k < c; ++k) dd[k] += g[k];
        }
      }
    }
  });
}

}  // namespace cpu
}  // namespace tn
