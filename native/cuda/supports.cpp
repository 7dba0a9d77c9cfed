// The rule for falling back to the CPU (tn_cuda_api::supports): one function per op family that names
// what the cuDNN slice cannot compute exactly as native/cpu/ does. Pure host code, no GPU needed.
//
// What falls back, and why:
//   conv2d     padding with bottom < top or right < left (never from Keras 'same'/'valid'; cuDNN pads
//              symmetrically and conv.cu only ADDS the extra bottom/right), dims over INT_MAX
//   pooling    any asymmetric padding (Keras 'same' with an odd total pad, e.g. pool 2 stride 1):
//              cuDNN pads symmetrically and a zero-filled extra row would take part in the window
//              (max of 0 / counted in the average), unlike the CPU where padding never takes part
//   batchnorm  epsilon below CUDNN_BN_MIN_EPSILON; dims over INT_MAX
//   rnn        masks (Note [RNN masking] in cpu/rnn.h), input/recurrent dropout, GRU resetAfter=false
//              (cuDNN's GRU is the reset-after form only), activations other than cuDNN's fixed ones
//              (LSTM/GRU: tanh + sigmoid; SimpleRNN: tanh or relu)
//   embedding  dims over INT_MAX rows handled by one grid (none in practice)
#include <cudnn.h>

#include <climits>
#include <string>

#include "cuda/check.h"
#include "cuda/ops.h"

namespace tn {
namespace cuda {
namespace {

bool fits(int64_t v) { return v >= 0 && v <= INT_MAX; }

std::string conv_reason(const tn_cuda_conv2d_params& p) {
  for (int64_t v : {p.batch, p.in_h, p.in_w, p.in_c, p.out_h, p.out_w, p.out_c, p.k_h, p.k_w})
    if (v <= 0 || !fits(v)) return "conv2d: a size is not positive or exceeds INT_MAX";
  if (p.stride_h <= 0 || p.stride_w <= 0 || p.dil_h <= 0 || p.dil_w <= 0) return "conv2d: non-positive stride/dilation";
  if (p.pad_top < 0 || p.pad_left < 0) return "conv2d: negative padding";
  const int64_t eff_h = (p.k_h - 1) * p.dil_h + 1, eff_w = (p.k_w - 1) * p.dil_w + 1;
  // conv.cu appends eh zero rows (ew columns) and lets cuDNN pad pad_top/pad_left on both sides (See Note
  // [Asymmetric padding] there); that must give exactly out_h x out_w.
  int64_t eh = (p.out_h - 1) * p.stride_h + eff_h - p.in_h - 2 * p.pad_top;
  int64_t ew = (p.out_w - 1) * p.stride_w + eff_w - p.in_w - 2 * p.pad_left;
  if (eh < 0) eh = 0;
  if (ew < 0) ew = 0;
  if (p.in_h + eh + 2 * p.pad_top < eff_h || p.in_w + ew + 2 * p.pad_left < eff_w ||
      (p.in_h + eh + 2 * p.pad_top - eff_h) / p.stride_h + 1 != p.out_h ||
      (p.in_w + ew + 2 * p.pad_left - eff_w) / p.stride_w + 1 != p.out_w)
    return "conv2d: padding at the bottom/right smaller than at the top/left (cuDNN pads symmetrically)";
  const int64_t pad_bottom = eh, pad_right = ew;
  if (!fits(p.batch * (p.in_h + pad_bottom) * (p.in_w + pad_right) * p.in_c) || !fits(p.batch * p.out_h * p.out_w * p.out_c))
    return "conv2d: tensor over INT_MAX elements";
  return "";
}

std::string pool_reason(const tn_cuda_pool2d_params& p) {
  for (int64_t v : {p.batch, p.in_h, p.in_w, p.channels, p.out_h, p.out_w, p.pool_h, p.pool_w, p.stride_h, p.stride_w})
    if (v <= 0 || !fits(v)) return "pool2d: a size is not positive or exceeds INT_MAX";
  if (p.pad_top < 0 || p.pad_left < 0) return "pool2d: negative padding";
  // cuDNN: out = floor((in + 2*pad - window) / stride) + 1 must be the caller's out.
  if ((p.in_h + 2 * p.pad_top - p.pool_h) / p.stride_h + 1 != p.out_h ||
      (p.in_w + 2 * p.pad_left - p.pool_w) / p.stride_w + 1 != p.out_w || p.in_h + 2 * p.pad_top < p.pool_h ||
      p.in_w + 2 * p.pad_left < p.pool_w)
    return "pool2d: asymmetric padding ('same' with an odd total pad): cuDNN pads symmetrically";
  if (p.pad_top >= p.pool_h || p.pad_left >= p.pool_w) return "pool2d: padding as large as the window";
  return "";
}

std::string batchnorm_reason(const tn_cuda_batchnorm_params& p) {
  if (p.outer <= 0 || p.channels <= 0 || p.inner <= 0 || !fits(p.outer) || !fits(p.channels) || !fits(p.inner) ||
      !fits(p.outer * p.channels * p.inner))
    return "batchnorm: a size is not positive or exceeds INT_MAX";
  if (p.epsilon < CUDNN_BN_MIN_EPSILON) return "batchnorm: epsilon below CUDNN_BN_MIN_EPSILON";
  return "";
}

std::string rnn_reason(const tn_cuda_rnn_params& p) {
  using cpu::Activation;
  if (p.has_mask) return "rnn: masked sequences (cuDNN's padded-IO mode does not carry states like Keras)";
  if (p.has_dropout) return "rnn: input/recurrent dropout";
  if (p.batch <= 0 || p.time <= 0 || p.in_dim <= 0 || p.units <= 0 || !fits(p.batch * p.time * p.in_dim) ||
      !fits(p.batch * p.time * p.units * 4))
    return "rnn: a size is not positive or exceeds INT_MAX";
  const Activation act = Activation(p.act), rec = Activation(p.rec_act);
  switch (p.cell) {
    case 0:  // Simple
      if (act != Activation::Tanh && act != Activation::Relu) return "rnn: SimpleRNN activation other than tanh/relu";
      return "";
    case 1:  // Lstm
    case 2:  // GruResetAfter
      if (act != Activation::Tanh || rec != Activation::Sigmoid)
        return "rnn: LSTM/GRU with activations other than tanh + sigmoid (cuDNN's are fixed)";
      return "";
    case 3: return "rnn: GRU with resetAfter=false (cuDNN implements the reset-after form only)";
    default: return "rnn: unknown cell";
  }
}

}  // namespace

std::string unsupported_reason(int op, const void* params) {
  if (!params) return "supports: null params";
  switch (op) {
    case TN_CUDA_OP_CONV2D: return conv_reason(*static_cast<const tn_cuda_conv2d_params*>(params));
    case TN_CUDA_OP_MAXPOOL2D:
    case TN_CUDA_OP_AVGPOOL2D: return pool_reason(*static_cast<const tn_cuda_pool2d_params*>(params));
    case TN_CUDA_OP_BATCHNORM: return batchnorm_reason(*static_cast<const tn_cuda_batchnorm_params*>(params));
    case TN_CUDA_OP_RNN: return rnn_reason(*static_cast<const tn_cuda_rnn_params*>(params));
    case TN_CUDA_OP_EMBEDDING: {
      const auto& p = *static_cast<const tn_cuda_embedding_params*>(params);
      if (p.n < 0 || p.vocab <= 0 || p.dim <= 0) return "embedding: bad sizes";
      return "";
    }
    default: return concat("supports: unknown op ", op);
  }
}

void require_supported(int op, const void* params) {
  const std::string reason = unsupported_reason(op, params);
  if (!reason.empty()) throw Error(TN_CUDA_ERROR_UNSUPPORTED, reason + " (fall back to the CPU kernel)");
}

}  // namespace cuda
}  // namespace tn
