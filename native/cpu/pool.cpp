// See pool.h.
#include "cpu/pool.h"

#include <algorithm>
#include <cstring>

#include "core/errors.h"
#include "core/thread_pool.h"

namespace tn {
namespace cpu {
namespace {

template <typename Fn>
void maybe_parallel(int64_t n, int64_t work_per_item, Fn&& fn) {
  if (n < 2 || n * work_per_item < (1 << 14)) {
    fn(0, n);
    return;
  }
  parallel_for(n, std::max<int64_t>(1, (1 << 13) / std::max<int64_t>(work_per_item, 1)), fn);
}

// The window of output (oh, ow) clipped to the image: [h0, h1) x [w0, w1).
struct Window {
  int64_t h0, h1, w0, w1;
};
inline Window window(const Pool2dParams& p, int64_t oh, int64_t ow) {
  const int64_t hs = oh * p.stride_h - p.pad_top, ws = ow * p.stride_w - p.pad_left;
  return {std::max<int64_t>(hs, 0), std::min(hs + p.pool_h, p.in_h), std::max<int64_t>(ws, 0),
          std::min(ws + p.pool_w, p.in_w)};
}

}  // namespace

void pool2d_check(const Pool2dParams& p) {
  TN_CHECK(p.batch > 0 && p.in_h > 0 && p.in_w > 0 && p.channels > 0 && p.out_h > 0 && p.out_w > 0 && p.pool_h > 0 &&
               p.pool_w > 0 && p.stride_h > 0 && p.stride_w > 0 && p.pad_top >= 0 && p.pad_left >= 0,
           "pool2d: sizes must be positive (input ", p.in_h, "x", p.in_w, "x", p.channels, ", output ", p.out_h, "x",
           p.out_w, ", pool ", p.pool_h, "x", p.pool_w, ")");
  TN_CHECK(p.pad_top < p.pool_h && p.pad_left < p.pool_w && (p.out_h - 1) * p.stride_h - p.pad_top < p.in_h &&
               (p.out_w - 1) * p.stride_w - p.pad_left < p.in_w,
           "pool2d: output ", p.out_h, "x", p.out_w, " does not fit input ", p.in_h, "x", p.in_w, " with pool ", p.pool_h,
           "x", p.pool_w, ", strides ", p.stride_h, "x", p.stride_w, ", padding ", p.pad_top, "/", p.pad_left);
}

void maxpool2d_forward(const Pool2dParams& p, float* y, int32_t* argmax, const float* x) {
  pool2d_check(p);
  const int64_t C = p.channels, image = p.in_h * p.in_w * C;
  maybe_parallel(p.batch * p.out_h, p.out_w * p.pool_h * p.pool_w * C, [&](int64_t begin, int64_t end) {
    for (int64_t item = begin; item < end; ++item) {
      const int64_t b = item / p.out_h, oh = item % p.out_h;
      const float* ximg = x + b * image;
      for (int64_t ow = 0; ow < p.out_w; ++ow) {
        const int64_t o = ((b * p.out_h + oh) * p.out_w + ow) * C;
        float* yo = y + o;
        int32_t* ao = argmax + o;
        const Window w = window(p, oh, ow);
        // The first tap initializes (every window holds at least one tap: pad < pool).
        const int64_t first = (w.h0 * p.in_w + w.w0) * C;
        for (int64_t c = 0; c < C; ++c) {
          yo[c] = ximg[first + c];
          ao[c] = int32_t(first + c);
        }
        for (int64_t ih = w.h0; ih < w.h1; ++ih) {
          for (int64_t iw = w.w0; iw < w.w1; ++iw) {
            const int64_t at = (ih * p.in_w + iw) * C;
            const float* xs = ximg + at;
            for (int64_t c = 0; c < C; ++c) {
              // Strictly greater: the first maximum wins. Branch-free so the loop vectorizes.
              const bool gt = xs[c] > yo[c];
              yo[c] = gt ? xs[c] : yo[c];
              ao[c] = gt ? int32_t(at + c) : ao[c];
            }
          }
        }
      }
    }
  });
}

void maxpool2d_backward(const Pool2dParams& p, float* dx, const float* dy, const int32_t* argmax) {
  pool2d_check(p);
  const int64_t C = p.channels, image = p.in_h * p.in_w * C, outs = p.out_h * p.out_w * C;
  maybe_parallel(p.batch, image + outs, [&](int64_t begin, int64_t end) {
    for (int64_t b = begin; b < end; ++b) {
      float* dximg = dx + b * image;
      std::memset(dximg, 0, sizeof(float) * size_t(image));
      const float* dyo = dy + b * outs;
      const int32_t* ao = argmax + b * outs;
      for (int64_t i = 0; i < outs; ++i) {
        const int32_t at = ao[i];
        if (at >= 0 && at < image) dximg[at] += dyo[i];
      }
    }
  });
}

void avgpool2d_forward(const Pool2dParams& p, float* y, const float* x) {
  pool2d_check(p);
  const int64_t C = p.channels, image = p.in_h * p.in_w * C;
  maybe_parallel(p.batch * p.out_h, p.out_w * p.pool_h * p.pool_w * C, [&](int64_t begin, int64_t end) {
    for (int64_t item = begin; item < end; ++item) {
      const int64_t b = item / p.out_h, oh = item % p.out_h;
      const float* ximg = x + b * image;
      for (int64_t ow = 0; ow < p.out_w; ++ow) {
        float* yo = y + ((b * p.out_h + oh) * p.out_w + ow) * C;
        const Window w = window(p, oh, ow);
        std::memset(yo, 0, sizeof(float) * size_t(C));
        for (int64_t ih = w.h0; ih < w.h1; ++ih)
          for (int64_t iw = w.w0; iw < w.w1; ++iw) {
            const float* xs = ximg + (ih * p.in_w + iw) * C;
            for (int64_t c = 0; c < C; ++c) yo[c] += xs[c];
          }
        const float inv = 1.f / float((w.h1 - w.h0) * (w.w1 - w.w0));
        for (int64_t c = 0; c < C; ++c) yo[c] *= inv;
      }
    }
  });
}

void avgpool2d_backward(const Pool2dParams& p, float* dx, const float* dy) {
  pool2d_check(p);
  const int64_t C = p.channels, image = p.in_h * p.in_w * C, outs = p.out_h * p.out_w * C;
  maybe_parallel(p.batch, image + outs * p.pool_h * p.pool_w, [&](int64_t begin, int64_t end) {
    for (int64_t b = begin; b < end; ++b) {
      float* dximg = dx + b * image;
      std::memset(dximg, 0, sizeof(float) * size_t(image));
      for (int64_t oh = 0; oh < p.out_h; ++oh)
        for (int64_t ow = 0; ow < p.out_w; ++ow) {
          const float* g = dy + ((b * p.out_h + oh) * p.out_w + ow) * C;
          const Window w = window(p, oh, ow);
          const float inv = 1.f / float((w.h1 - w.h0) * (w.w1 - w.w0));
          for (int64_t ih = w.h0; ih < w.h1; ++ih)
            for (int64_t iw = w.w0; iw < w.w1; ++iw) {
              float* d = dximg + (ih * p.in_w + iw) * C;
              for (int64_t c = 0; c < C; ++c) d[c] += g[c] * inv;
            }
        }
    }
  });
}

}  // namespace cpu
}  // namespace tn
