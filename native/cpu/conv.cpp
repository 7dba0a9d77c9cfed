// See conv.h and Note [Conv as im2col + sgemm] there.
#include "cpu/conv.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "core/errors.h"
#include "core/thread_pool.h"
#include "cpu/gemm.h"

namespace tn {
namespace cpu {
namespace {

// Upper bound on the im2col workspace (floats) of one call: 4M floats = 16 MiB (twice that
// in backward with dx, which also needs the dcols matrix).
constexpr int64_t kConvWorkspaceFloats = int64_t(4) << 20;
// The most one image may need (1 GiB): chunks hold at least one whole image.
constexpr int64_t kMaxImageWorkspaceFloats = int64_t(1) << 28;

// The workspace: grows to the largest size asked for and stays (see Note [Conv as im2col + sgemm]).
float* workspace(std::vector<float>& buf, int64_t n) {
  if (int64_t(buf.size()) < n) buf.resize(size_t(n));
  return buf.data();
}
thread_local std::vector<float> g_cols;
thread_local std::vector<float> g_dcols;
thread_local std::vector<float> g_kernel_t;

// kernel (K, Cout) -> (Cout, K), so backward-data is a plain (non-transposed) sgemm: the
// transposed-B path of sgemm is the slow one, and the kernel is small next to dy.
const float* transposed_kernel(const float* kernel, int64_t K, int64_t cout) {
  float* t = workspace(g_kernel_t, K * cout);
  for (int64_t k = 0; k < K; ++k)
    for (int64_t c = 0; c < cout; ++c) t[c * K + k] = kernel[k * cout + c];
  return t;
}

// Images per chunk so that `per_image` floats per image times the chunk stay under the bound.
int64_t images_per_chunk(const Conv2dParams& p, int64_t per_image) {
  return std::max<int64_t>(1, std::min<int64_t>(p.batch, kConvWorkspaceFloats / std::max<int64_t>(per_image, 1)));
}

// Splits n items over the pool when there are at least two and the work is worth it.
template <typename Fn>
void maybe_parallel(int64_t n, int64_t work_per_item, Fn&& fn) {
  if (n < 2 || n * work_per_item < (1 << 14)) {
    fn(0, n);
    return;
  }
  parallel_for(n, std::max<int64_t>(1, (1 << 13) / std::max<int64_t>(work_per_item, 1)), fn);
}

// dx of images [b0, b1) from dcols ((b1-b0)*OH*OW, K): scatter-add of every tap. WRITES dx.
void col2im(const Conv2dParams& p, float* dx, const float* dcols, int64_t b0, int64_t b1) {
  const int64_t cin = p.in_c, K = p.k(), image = p.in_h * p.in_w * cin;
  maybe_parallel(b1 - b0, p.pixels() * K, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      float* dximg = dx + (b0 + i) * image;  // (H, W, Cin)
      std::memset(dximg, 0, sizeof(float) * size_t(image));
      const float* rows = dcols + i * p.pixels() * K;
      for (int64_t oh = 0; oh < p.out_h; ++oh) {
        for (int64_t ow = 0; ow < p.out_w; ++ow) {
          const float* row = rows + (oh * p.out_w + ow) * K;
          for (int64_t kh = 0; kh < p.k_h; ++kh) {
            const int64_t ih = oh * p.stride_h - p.pad_top + kh * p.dil_h;
            if (ih < 0 || ih >= p.in_h) continue;
            for (int64_t kw = 0; kw < p.k_w; ++kw) {
              const int64_t iw = ow * p.stride_w - p.pad_left + kw * p.dil_w;
              if (iw < 0 || iw >= p.in_w) continue;
              float* dst = dximg + (ih * p.in_w + iw) * cin;
              const float* src = row + (kh * p.k_w + kw) * cin;
              for (int64_t c = 0; c < cin; ++c) dst[c] += src[c];
            }
          }
        }
      }
    }
  });
}

}  // namespace

void conv2d_check(const Conv2dParams& p) {
  TN_CHECK(p.batch > 0 && p.in_h > 0 && p.in_w > 0 && p.in_c > 0 && p.out_h > 0 && p.out_w > 0 && p.out_c > 0 &&
               p.k_h > 0 && p.k_w > 0 && p.stride_h > 0 && p.stride_w > 0 && p.dil_h > 0 && p.dil_w > 0 &&
               p.pad_top >= 0 && p.pad_left >= 0,
           "conv2d: sizes must be positive (batch ", p.batch, ", input ", p.in_h, "x", p.in_w, "x", p.in_c, ", output ",
           p.out_h, "x", p.out_w, "x", p.out_c, ", kernel ", p.k_h, "x", p.k_w, ")");
  // Taps outside [0, in) read zero, so this is a sanity check on the geometry: pads smaller
  // than the dilated kernel, and the last window ending within in + (eff - 1) (bottom/right pad).
  const int64_t eff_h = (p.k_h - 1) * p.dil_h + 1, eff_w = (p.k_w - 1) * p.dil_w + 1;
  TN_CHECK(p.pad_top < eff_h && p.pad_left < eff_w &&
               (p.out_h - 1) * p.stride_h - p.pad_top + eff_h <= p.in_h + eff_h - 1 &&
               (p.out_w - 1) * p.stride_w - p.pad_left + eff_w <= p.in_w + eff_w - 1,
           "conv2d: output ", p.out_h, "x", p.out_w, " does not fit input ", p.in_h, "x", p.in_w, " with kernel ", p.k_h,
           "x", p.k_w, ", strides ", p.stride_h, "x", p.stride_w, ", dilation ", p.dil_h, "x", p.dil_w, ", padding ",
           p.pad_top, "/", p.pad_left);
  // One image's im2col matrix must fit the workspace bound (only a kernel as large as the image,
  // on a large image, comes near it). Sizes are checked by the glue, so p.k() does not overflow.
  TN_CHECK(p.is_pointwise() || p.k() <= kMaxImageWorkspaceFloats / p.pixels(), "conv2d: one image needs an im2col matrix of ",
           p.pixels(), " x ", p.k(), " floats, over the ", kMaxImageWorkspaceFloats, "-float workspace limit (kernel ", p.k_h,
           "x", p.k_w, " on a ", p.out_h, "x", p.out_w, " output); not supported on the CPU yet");
}

void im2col(const Conv2dParams& p, float* cols, const float* x, int64_t b0, int64_t b1) {
  const int64_t cin = p.in_c, K = p.k(), image = p.in_h * p.in_w * cin;
  const size_t cbytes = sizeof(float) * size_t(cin);
  // One item = one output row of one image.
  maybe_parallel((b1 - b0) * p.out_h, p.out_w * K, [&](int64_t begin, int64_t end) {
    for (int64_t item = begin; item < end; ++item) {
      const int64_t i = item / p.out_h, oh = item % p.out_h;
      const float* ximg = x + (b0 + i) * image;
      float* row = cols + (i * p.pixels() + oh * p.out_w) * K;
      for (int64_t ow = 0; ow < p.out_w; ++ow, row += K) {
        for (int64_t kh = 0; kh < p.k_h; ++kh) {
          const int64_t ih = oh * p.stride_h - p.pad_top + kh * p.dil_h;
          float* dst = row + kh * p.k_w * cin;
          if (ih < 0 || ih >= p.in_h) {
            std::memset(dst, 0, cbytes * size_t(p.k_w));
            continue;
          }
          for (int64_t kw = 0; kw < p.k_w; ++kw, dst += cin) {
            const int64_t iw = ow * p.stride_w - p.pad_left + kw * p.dil_w;
            if (iw < 0 || iw >= p.in_w) std::memset(dst, 0, cbytes);
            else std::memcpy(dst, ximg + (ih * p.in_w + iw) * cin, cbytes);
          }
        }
      }
    }
  });
}

void conv2d_forward(const Conv2dParams& p, float* y, const float* x, const float* kernel) {
  conv2d_check(p);
  const int64_t K = p.k(), cout = p.out_c;
  if (p.is_pointwise()) {
    sgemm(false, false, p.batch * p.pixels(), cout, K, 1.f, x, K, kernel, cout, 0.f, y, cout);
    return;
  }
  const int64_t per_image = p.pixels() * K;
  const int64_t chunk = images_per_chunk(p, per_image);
  float* cols = workspace(g_cols, chunk * per_image);
  for (int64_t b0 = 0; b0 < p.batch; b0 += chunk) {
    const int64_t b1 = std::min(p.batch, b0 + chunk), rows = (b1 - b0) * p.pixels();
    im2col(p, cols, x, b0, b1);
    sgemm(false, false, rows, cout, K, 1.f, cols, K, kernel, cout, 0.f, y + b0 * p.pixels() * cout, cout);
  }
}

void conv2d_backward(const Conv2dParams& p, float* dx, float* dkernel, const float* dy, const float* x,
                     const float* kernel) {
  conv2d_check(p);
  const int64_t K = p.k(), cout = p.out_c, cin = p.in_c;
  if (!dkernel && !dx) return;
  if (p.is_pointwise()) {
    const int64_t rows = p.batch * p.pixels();
    if (dkernel) sgemm(true, false, K, cout, rows, 1.f, x, K, dy, cout, 0.f, dkernel, cout);
    if (dx) sgemm(false, false, rows, cin, cout, 1.f, dy, cout, transposed_kernel(kernel, K, cout), K, 0.f, dx, cin);
    return;
  }
  const int64_t per_image = p.pixels() * K * ((dx ? 1 : 0) + (dkernel ? 1 : 0));
  const int64_t chunk = images_per_chunk(p, per_image);
  float* cols = dkernel ? workspace(g_cols, chunk * p.pixels() * K) : nullptr;
  float* dcols = dx ? workspace(g_dcols, chunk * p.pixels() * K) : nullptr;
  const float* kernel_t = dx ? transposed_kernel(kernel, K, cout) : nullptr;  // (Cout, K)
  for (int64_t b0 = 0; b0 < p.batch; b0 += chunk) {
    const int64_t b1 = std::min(p.batch, b0 + chunk), rows = (b1 - b0) * p.pixels();
    const float* dyc = dy + b0 * p.pixels() * cout;  // (rows, Cout)
    if (dkernel) {
      im2col(p, cols, x, b0, b1);
      // dkernel (K, Cout) (+)= cols^T (K, rows) · dy (rows, Cout)
      sgemm(true, false, K, cout, rows, 1.f, cols, K, dyc, cout, b0 == 0 ? 0.f : 1.f, dkernel, cout);
    }
    if (dx) {
      // dcols (rows, K) = dy (rows, Cout) · kernel^T (Cout, K)
      sgemm(false, false, rows, K, cout, 1.f, dyc, cout, kernel_t, K, 0.f, dcols, K);
      col2im(p, dx, dcols, b0, b1);
    }
  }
}

void conv2d_forward_reference(const Conv2dParams& p, float* y, const float* x, const float* kernel) {
  conv2d_check(p);
  for (int64_t b = 0; b < p.batch; ++b)
    for (int64_t oh = 0; oh < p.out_h; ++oh)
      for (int64_t ow = 0; ow < p.out_w; ++ow)
        for (int64_t co = 0; co < p.out_c; ++co) {
          float acc = 0.f;
          for (int64_t kh = 0; kh < p.k_h; ++kh) {
            const int64_t ih = oh * p.stride_h - p.pad_top + kh * p.dil_h;
            if (ih < 0 || ih >= p.in_h) continue;
            for (int64_t kw = 0; kw < p.k_w; ++kw) {
              const int64_t iw = ow * p.stride_w - p.pad_left + kw * p.dil_w;
              if (iw < 0 || iw >= p.in_w) continue;
              for (int64_t ci = 0; ci < p.in_c; ++ci)
                acc += x[((b * p.in_h + ih) * p.in_w + iw) * p.in_c + ci] *
                       kernel[((kh * p.k_w + kw) * p.in_c + ci) * p.out_c + co];
            }
          }
          y[((b * p.out_h + oh) * p.out_w + ow) * p.out_c + co] = acc;
        }
}

}  // namespace cpu
}  // namespace tn
