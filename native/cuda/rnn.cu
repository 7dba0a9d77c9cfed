// SimpleRNN / LSTM / GRU (resetAfter) on cuDNN's RNN API (issue 6): one layer, one direction per call,
// forward and backward side by side, with the semantics of native/cpu/rnn.h (Keras 3 equations, zero
// initial state). Stacks and Bidirectional are several calls, as on the CPU (Bidirectional = a forward
// call and a go_backwards call; the caller concatenates / sums as it does today).
//
// Note [Keras weights in cuDNN's weight space]: cuDNN keeps every gate's matrix separately, row-major
// (U, K) (K = F for the input matrix, U for the recurrent one), at offsets cudnnGetRNNWeightParams
// reports. Keras keeps kernel (F, G*U) and recurrent (U, G*U) with the gates side by side, so gate kg's
// cuDNN matrix is the TRANSPOSE of Keras' column block kg: pack_matrix / unpack_matrix do that per gate.
// Gate order: LSTM is i, f, c(g), o in both (linLayerID kg, recurrent kg + 4). GRU: Keras z, r, h;
// cuDNN r, z, h (linLayerID 0 r, 1 z, 2 h; recurrent + 3), so Keras gate kg maps to {1, 0, 2}[kg].
// Biases: LSTM and SimpleRNN have ONE Keras bias -> CUDNN_RNN_SINGLE_INP_BIAS (cuDNN's input bias);
// GRU resetAfter's (2, 3U) bias (row 0 input, row 1 recurrent) -> CUDNN_RNN_DOUBLE_BIAS, whose formula
// h' = tanh(W_h x + b_Wh + r * (R_h h + b_Rh)) is Keras' reset_after. With bias == NULL (use_bias false)
// the bias regions are zero-filled and dbias is not written. The weights are packed on every forward
// (2G+2 small kernels) into the caller's reserve, where backward finds them; gradients are computed into
// a scratch weight space and unpacked back into the Keras layout (WRITTEN).
//
// Data: x (B,T,F) and y (B,T,U) are CUDNN_RNN_DATA_LAYOUT_BATCH_MAJOR_UNPACKED with every length T.
// go_backwards: x is reversed in time into the reserve first (xr[:, s] = x[:, T-1-s]); cuDNN's output
// at step s is then exactly Keras' y[:, s] (processing order), and dx is reversed back.
// return_sequences false: y (B,U) is cuDNN's hy (the last state); backward feeds dy as dhy with a zero dy
// sequence.
//
// Reserve (rnn_reserve_bytes, caller-owned, forward -> backward): [packed weights | output sequence
// (B,T,U) | reversed x (B,T,F), go_backwards only | sequence lengths (B int32) | cuDNN reserve space].
// Math: fp32 with CUDNN_FMA_MATH while TF32 is off. Not supported (supports() says so, caller uses the
// CPU): masks, dropout, GRU resetAfter=false, activations other than cuDNN's fixed ones.
#include <cuda_runtime.h>

#include <mutex>
#include <vector>

#include "cuda/cudnn_desc.h"
#include "cuda/ops.h"

namespace tn {
namespace cuda {
namespace {

constexpr size_t kAlign = 256;
size_t align_up(size_t v) { return (v + kAlign - 1) / kAlign * kAlign; }

// dst (U, K) row-major = column block [col0, col0+U) of src (K, ld), transposed.
__global__ void pack_matrix(float* dst, const float* src, int64_t U, int64_t K, int64_t ld, int64_t col0) {
  const int64_t n = U * K;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t u = i / K, k = i % K;
    dst[i] = src[k * ld + col0 + u];
  }
}
__global__ void unpack_matrix(float* dst, const float* src, int64_t U, int64_t K, int64_t ld, int64_t col0) {
  const int64_t n = U * K;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t k = i / U, u = i % U;  // dst[k][col0+u] = src[u][k]
    dst[k * ld + col0 + u] = src[u * K + k];
  }
}
__global__ void copy_or_zero(float* dst, const float* src, int64_t n) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x)
    dst[i] = src ? src[i] : 0.f;
}
// out[b, s, :] = in[b, T-1-s, :]
__global__ void reverse_time(float* out, const float* in, int64_t B, int64_t T, int64_t F) {
  const int64_t n = B * T * F;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t f = i % F, s = (i / F) % T, b = i / (F * T);
    out[i] = in[(b * T + (T - 1 - s)) * F + f];
  }
}
__global__ void fill_int(int32_t* p, int32_t v, int64_t n) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) p[i] = v;
}

// One dropout descriptor with rate 0 for every RNN descriptor (cuDNN wants an initialised one; dropout
// applies between layers only and every call here is one layer). Created once per process, never freed.
cudnnDropoutDescriptor_t no_dropout() {
  static std::mutex m;
  static cudnnDropoutDescriptor_t desc = nullptr;
  std::lock_guard<std::mutex> lock(m);
  if (!desc) {
    Device& dev = Device::get();
    cudnnDropoutDescriptor_t d;
    CUDNN_CHECK(cudnnCreateDropoutDescriptor(&d));
    size_t states_bytes = 0;
    CUDNN_CHECK(cudnnDropoutGetStatesSize(dev.cudnn(), &states_bytes));
    void* states = nullptr;
    if (states_bytes) CUDA_CHECK(cudaMalloc(&states, states_bytes));  // process lifetime
    CUDNN_CHECK(cudnnSetDropoutDescriptor(d, dev.cudnn(), 0.f, states, states_bytes, 0));
    desc = d;
  }
  return desc;
}

int gates_of(int cell) { return cell == 0 ? 1 : cell == 1 ? 4 : 3; }

// Everything derived from the params for one call: descriptors and sizes.
struct RnnSetup {
  const tn_cuda_rnn_params& p;
  int G;
  RnnDesc rd;
  RnnDataDesc xd, yd;
  TensorDesc hd;
  size_t weight_bytes = 0, work_bytes = 0, cudnn_reserve_bytes = 0;
  // Offsets in the caller's reserve.
  size_t off_yseq = 0, off_xrev = 0, off_lens = 0, off_cudnn = 0, total = 0;

  explicit RnnSetup(const tn_cuda_rnn_params& params) : p(params), G(gates_of(params.cell)) {
    require_supported(TN_CUDA_OP_RNN, &p);
    Device& dev = Device::get();
    const cudnnRNNMode_t mode = p.cell == 1   ? CUDNN_LSTM
                                : p.cell == 2 ? CUDNN_GRU
                                : Activation(p.act) == cpu::Activation::Relu ? CUDNN_RNN_RELU
                                                                             : CUDNN_RNN_TANH;
    const cudnnRNNBiasMode_t bias_mode = p.cell == 2 ? CUDNN_RNN_DOUBLE_BIAS : CUDNN_RNN_SINGLE_INP_BIAS;
    const int F = to_int(p.in_dim, "in_dim"), U = to_int(p.units, "units");
    CUDNN_CHECK(cudnnSetRNNDescriptor_v8(rd, CUDNN_RNN_ALGO_STANDARD, mode, bias_mode, CUDNN_UNIDIRECTIONAL,
                                         CUDNN_LINEAR_INPUT, CUDNN_DATA_FLOAT, CUDNN_DATA_FLOAT, fp32_math_type(), F, U,
                                         U, 1, no_dropout(), CUDNN_RNN_PADDED_IO_DISABLED));
    const int B = to_int(p.batch, "batch"), T = to_int(p.time, "time");
    std::vector<int> lens(size_t(B), T);
    CUDNN_CHECK(cudnnSetRNNDataDescriptor(xd, CUDNN_DATA_FLOAT, CUDNN_RNN_DATA_LAYOUT_BATCH_MAJOR_UNPACKED, T, B, F,
                                          lens.data(), nullptr));
    CUDNN_CHECK(cudnnSetRNNDataDescriptor(yd, CUDNN_DATA_FLOAT, CUDNN_RNN_DATA_LAYOUT_BATCH_MAJOR_UNPACKED, T, B, U,
                                          lens.data(), nullptr));
    hd.packed3(1, B, U);
    CUDNN_CHECK(cudnnGetRNNWeightSpaceSize(dev.cudnn(), rd, &weight_bytes));
    CUDNN_CHECK(cudnnGetRNNTempSpaceSizes(dev.cudnn(), rd, CUDNN_FWD_MODE_TRAINING, xd, &work_bytes, &cudnn_reserve_bytes));
    off_yseq = align_up(weight_bytes);
    off_xrev = off_yseq + align_up(sizeof(float) * p.batch * p.time * p.units);
    off_lens = off_xrev + (p.go_backwards ? align_up(sizeof(float) * p.batch * p.time * p.in_dim) : 0);
    off_cudnn = off_lens + align_up(sizeof(int32_t) * p.batch);
    total = off_cudnn + align_up(cudnn_reserve_bytes);
  }

  static float* at(void* base, size_t off) { return reinterpret_cast<float*>(static_cast<char*>(base) + off); }

  // The cuDNN matrix (and bias) of linLayerID `id` inside weight space `space`.
  void region(void* space, int id, float** mat, int64_t* mat_elems, float** bias, int64_t* bias_elems) {
    TensorDesc md, bd;
    void* m = nullptr;
    void* b = nullptr;
    CUDNN_CHECK(cudnnGetRNNWeightParams(Device::get().cudnn(), rd, 0, weight_bytes, space, id, md, &m, bd, &b));
    *mat = static_cast<float*>(m);
    *bias = static_cast<float*>(b);
    *mat_elems = m ? elems(md) : 0;
    *bias_elems = b ? elems(bd) : 0;
  }
  static int64_t elems(cudnnTensorDescriptor_t d) {
    cudnnDataType_t t;
    int nb = 0, dims[8], strides[8];
    CUDNN_CHECK(cudnnGetTensorNdDescriptor(d, 8, &t, &nb, dims, strides));
    int64_t n = 1;
    for (int i = 0; i < nb; ++i) n *= dims[i];
    return n;
  }
  // cuDNN linLayerID of Keras gate kg (input matrix; the recurrent one is + G, + 4 for LSTM = + G too).
  int cudnn_gate(int kg) const { return p.cell == 2 ? (kg == 0 ? 1 : kg == 1 ? 0 : 2) : kg; }

  // Keras -> cuDNN weight space (pack) or cuDNN gradient space -> Keras (unpack).
  void transfer(bool pack, void* space, float* kernel, float* recurrent, float* bias) {
    cudaStream_t st = Device::get().stream();
    const int64_t U = p.units, F = p.in_dim, GU = G * U;
    for (int kg = 0; kg < G; ++kg) {
      for (int rec = 0; rec < 2; ++rec) {
        const int id = cudnn_gate(kg) + (rec ? G : 0);
        float *m, *b;
        int64_t mn, bn;
        region(space, id, &m, &mn, &b, &bn);
        const int64_t K = rec ? U : F;
        TN_CUDA_ARG(m && mn == U * K, "rnn: cuDNN's matrix ", id, " has ", mn, " elements, expected ", U * K);
        float* keras = rec ? recurrent : kernel;
        if (pack)
          pack_matrix<<<grid_for(U * K), kThreads, 0, st>>>(m, keras, U, K, GU, kg * U);
        else if (keras)
          unpack_matrix<<<grid_for(U * K), kThreads, 0, st>>>(keras, m, U, K, GU, kg * U);
        CUDA_CHECK_LAUNCH();
        if (!b) continue;  // SINGLE_INP_BIAS: no recurrent bias
        TN_CUDA_ARG(bn == U, "rnn: cuDNN's bias ", id, " has ", bn, " elements, expected ", U);
        // Keras bias: (G*U) = input bias; GRU (2, 3U): row 0 input, row 1 recurrent.
        const int64_t koff = (rec ? GU : 0) + kg * U;
        if (pack) {
          copy_or_zero<<<grid_for(U), kThreads, 0, st>>>(b, bias ? bias + koff : nullptr, U);
          CUDA_CHECK_LAUNCH();
        } else if (bias) {
          copy_or_zero<<<grid_for(U), kThreads, 0, st>>>(bias + koff, b, U);
          CUDA_CHECK_LAUNCH();
        }
      }
    }
  }
};

}  // namespace

size_t rnn_reserve_bytes(const tn_cuda_rnn_params& p) { return RnnSetup(p).total; }

void rnn_forward(const tn_cuda_rnn_params& p, float* y, void* reserve, const float* x, const float* kernel,
                 const float* recurrent, const float* bias, bool training) {
  TN_CUDA_ARG(y && reserve && x && kernel && recurrent, "rnn_forward: null buffer");
  RnnSetup s(p);
  Device& dev = Device::get();
  cudaStream_t st = dev.stream();
  s.transfer(true, reserve, const_cast<float*>(kernel), const_cast<float*>(recurrent), const_cast<float*>(bias));
  auto* lens = reinterpret_cast<int32_t*>(static_cast<char*>(reserve) + s.off_lens);
  fill_int<<<grid_for(p.batch), kThreads, 0, st>>>(lens, int32_t(p.time), p.batch);
  CUDA_CHECK_LAUNCH();
  const float* xin = x;
  if (p.go_backwards) {
    float* xr = RnnSetup::at(reserve, s.off_xrev);
    reverse_time<<<grid_for(p.batch * p.time * p.in_dim), kThreads, 0, st>>>(xr, x, p.batch, p.time, p.in_dim);
    CUDA_CHECK_LAUNCH();
    xin = xr;
  }
  float* yseq = RnnSetup::at(reserve, s.off_yseq);
  DeviceBuffer work(s.work_bytes);
  CUDNN_CHECK(cudnnRNNForward(dev.cudnn(), s.rd, training ? CUDNN_FWD_MODE_TRAINING : CUDNN_FWD_MODE_INFERENCE, lens,
                              s.xd, xin, s.yd, yseq, s.hd, nullptr, p.return_sequences ? nullptr : y, s.hd, nullptr,
                              nullptr, s.weight_bytes, reserve, s.work_bytes, work.get(), s.cudnn_reserve_bytes,
                              RnnSetup::at(reserve, s.off_cudnn)));
  if (p.return_sequences)
    CUDA_CHECK(cudaMemcpyAsync(y, yseq, sizeof(float) * p.batch * p.time * p.units, cudaMemcpyDeviceToDevice, st));
}

void rnn_backward(const tn_cuda_rnn_params& p, float* dx, float* dkernel, float* drecurrent, float* dbias,
                  const float* dy, const float* x, void* reserve) {
  TN_CUDA_ARG(dy && x && reserve && dkernel && drecurrent, "rnn_backward: null buffer");
  RnnSetup s(p);
  Device& dev = Device::get();
  cudaStream_t st = dev.stream();
  const int64_t B = p.batch, T = p.time, F = p.in_dim, U = p.units;
  auto* lens = reinterpret_cast<int32_t*>(static_cast<char*>(reserve) + s.off_lens);
  const float* xin = p.go_backwards ? RnnSetup::at(reserve, s.off_xrev) : x;
  float* yseq = RnnSetup::at(reserve, s.off_yseq);
  float* cudnn_reserve = RnnSetup::at(reserve, s.off_cudnn);

  // dy as a sequence (+ dhy when only the last state was returned).
  DeviceBuffer dyseq_buf;
  const float* dyseq = dy;
  const float* dhy = nullptr;
  if (!p.return_sequences) {
    dyseq_buf = DeviceBuffer(sizeof(float) * B * T * U);
    CUDA_CHECK(cudaMemsetAsync(dyseq_buf.get(), 0, sizeof(float) * B * T * U, st));
    dyseq = static_cast<const float*>(dyseq_buf.get());
    dhy = dy;
  }
  DeviceBuffer dx_buf;
  float* dxs = dx;
  if (!dx || p.go_backwards) {
    dx_buf = DeviceBuffer(sizeof(float) * B * T * F);
    dxs = static_cast<float*>(dx_buf.get());
  }
  DeviceBuffer work(s.work_bytes);
  CUDNN_CHECK(cudnnRNNBackwardData_v8(dev.cudnn(), s.rd, lens, s.yd, yseq, dyseq, s.xd, dxs, s.hd, nullptr, dhy, nullptr,
                                      s.hd, nullptr, nullptr, nullptr, s.weight_bytes, reserve, s.work_bytes,
                                      work.get(), s.cudnn_reserve_bytes, cudnn_reserve));
  if (dx && p.go_backwards) {
    reverse_time<<<grid_for(B * T * F), kThreads, 0, st>>>(dx, dxs, B, T, F);
    CUDA_CHECK_LAUNCH();
  }
  DeviceBuffer dw(s.weight_bytes);
  CUDA_CHECK(cudaMemsetAsync(dw.get(), 0, s.weight_bytes, st));
  CUDNN_CHECK(cudnnRNNBackwardWeights_v8(dev.cudnn(), s.rd, CUDNN_WGRAD_MODE_ADD, lens, s.xd, xin, s.hd, nullptr, s.yd,
                                         yseq, s.weight_bytes, dw.get(), s.work_bytes, work.get(),
                                         s.cudnn_reserve_bytes, cudnn_reserve));
  s.transfer(false, dw.get(), dkernel, drecurrent, dbias);
}

}  // namespace cuda
}  // namespace tn
