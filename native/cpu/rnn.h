// Recurrent layers on the CPU: SimpleRNN, LSTM and GRU (both reset conventions), forward and
// backward through time side by side. Keras 3 equations and weight layouts, so Keras and
// cuDNN weights map 1:1:
//
//   kernel     (F, G*U)   input weights, gate blocks side by side
//   recurrent  (U, G*U)   recurrent weights, same gate order
//   bias       (G*U)      (GRU with reset_after: (2, 3U) = input bias row, recurrent bias row)
//
//   SimpleRNN  G = 1      h = act(x·W + b + h_prev·R)
//   LSTM       G = 4      gates i, f, c, o:  i = ra(.), f = ra(.), g = act(.), o = ra(.)
//                         c = f*c_prev + i*g;  h = o*act(c)
//   GRU        G = 3      gates z, r, h
//     reset_after:        z = ra(xz + hR_z + bz'), r = ra(xr + hR_r + br'),
//                         hh = act(xh + r*(hR_h + bh'))          (b' = recurrent bias row)
//     reset_before:       hh = act(xh + (r*h_prev)·R_h)
//                         h = z*h_prev + (1-z)*hh
//   (ra = recurrent activation, default sigmoid; act = activation, default tanh)
//
// Note [RNN time-major workspace]: the layer's input x is (B, T, F), but every saved buffer
// is time-major, (T, B, .), with time in PROCESSING order: step s reads input time
// t(s) = go_backwards ? T-1-s : s. Forward first copies x into xs (T, B, F) in that order
// (applying the input dropout mask on the way), so that
//   * the input projection of all steps is ONE sgemm  xs·W  ((T*B, F)·(F, G*U)),
//   * each step's rows are one contiguous (B, .) block (the per-step recurrent sgemm
//     needs no strides),
//   * the previous states of all steps, H[0..T-1], are one contiguous (T*B, U) matrix,
//     so backward's recurrent-weight gradient is ONE sgemm  H_prev^T · dGates,
//   * go_backwards costs nothing beyond the reversed copy.
// The output sequence is in processing order, as Keras returns it (y[:, s] = state after
// step s); with go_backwards it is reversed in time, as in Keras.
//
// Note [RNN masking]: mask (B, T) holds 1 for steps to use and 0 for steps to skip, indexed by
// INPUT time. At a masked step a row keeps its previous state (h and c carried through) and
// its output is the previous output (Keras' default), or 0 when zero_output_for_mask (what
// Keras' Bidirectional forces when it returns sequences). Backward passes dh and dc straight
// through a masked step and writes zero gate gradients for it.
//
// Note [RNN initial and final states]: h0 (B, U) (and c0 (B, U) for LSTM) start the recurrence
// instead of zeros when given (Keras' initial_state). As in Keras, the OUTPUT at a masked step is
// the previous output, and before a row's first unmasked step that is 0 (not h0), while the state
// carried through is h0: so y[b, s] = 0 for the leading masked steps of row b, and the last output
// of a fully masked row is 0. (With h0 = 0 this is what the states hold anyway.) With
// zero_output_for_mask and return_sequences false the last output is 0 when the last step is
// masked (Keras' last_output). Backward takes the gradients of the final states, dh_last and
// dc_last, besides dy, and gives those of the initial states, dh0 and dc0.
//
// Dropout (training only): in_mask (B, F) multiplies the input features of every step;
// rec_mask (B, U) multiplies h_prev where it enters the recurrent matmuls (not the carry),
// one mask per sequence shared by all gates (variational dropout). Both masks are made by
// the caller (dropout_forward on ones) and already hold 0 or 1/(1-rate).
//
// Gradient buffers: dkernel, drecurrent, dbias and dx are all WRITTEN (not accumulated).
#pragma once
#include <cstdint>

#include "cpu/elementwise.h"

namespace tn {
namespace cpu {

enum class RnnCell : int { Simple = 0, Lstm = 1, GruResetAfter = 2, GruResetBefore = 3, Count = 4 };

struct RnnParams {
  RnnCell cell;
  int64_t batch, time, in_dim, units;
  Activation act, rec_act;
  bool go_backwards, return_sequences, zero_output_for_mask;

  int64_t gates() const { return cell == RnnCell::Simple ? 1 : cell == RnnCell::Lstm ? 4 : 3; }
  int64_t gate_cols() const { return gates() * units; }  // G*U
  int64_t bias_size() const { return cell == RnnCell::GruResetAfter ? 2 * gate_cols() : gate_cols(); }
  // Whether the cell keeps aux (T, B, U): GRU's recurrent h-projection (after) or r*h_prev (before).
  bool has_aux() const { return cell == RnnCell::GruResetAfter || cell == RnnCell::GruResetBefore; }
};

// Whether an activation can be fused into the gate kernels (those whose derivative follows from
// their output): linear, relu, sigmoid, tanh, relu6, softsign.
bool rnn_supports_activation(Activation act);

struct RnnForwardBuffers {
  float* y;            // (B, T, U) with return_sequences, else (B, U)               written
  float* xs;           // (T, B, F)  x in processing order, dropout applied          saved
  float* gates;        // (T, B, G*U) activated gates (SimpleRNN: pre-activation)    saved
  float* states;       // (T+1, B, U) H[0] = 0, H[s+1] = h after step s               saved
  float* cells;        // (T+1, B, U) LSTM cell states, else null                    saved
  float* aux;          // (T, B, U) GRU only (see RnnParams::has_aux), else null     saved
  float* hm;           // (T, B, U) h_prev * rec_mask when rec_mask, else null        saved
  const float* x;      // (B, T, F)
  const float* kernel;     // (F, G*U)
  const float* recurrent;  // (U, G*U)
  const float* bias;       // (G*U) or (2, 3U) or null
  const float* mask;       // (B, T) 1/0 or null
  const float* in_mask;    // (B, F) or null
  const float* rec_mask;   // (B, U) or null
  const float* h0 = nullptr;  // (B, U) initial state, or null (zeros)
  const float* c0 = nullptr;  // (B, U) LSTM initial cell state, or null (zeros)
};

void rnn_forward(const RnnParams& p, const RnnForwardBuffers& b);

struct RnnBackwardBuffers {
  float* dx;           // (B, T, F) or null (no input gradient wanted)              written
  float* dkernel;      // (F, G*U)                                                   written
  float* drecurrent;   // (U, G*U)                                                   written
  float* dbias;        // like bias, or null                                          written
  float* dgates;       // (T, B, G*U) workspace: gradient w.r.t. the input pre-activations
  float* dgates_rec;   // (T, B, 3U) workspace for GRU reset_after (recurrent pre-activations), else null
  float* dxs;          // (T, B, F) workspace when dx, else null
  const float* dy;     // like y
  // saved by forward, as in RnnForwardBuffers
  const float* xs;
  const float* gates;
  const float* states;
  const float* cells;
  const float* aux;
  const float* hm;
  const float* kernel;
  const float* recurrent;
  const float* mask;
  const float* in_mask;
  const float* rec_mask;
  // See Note [RNN initial and final states].
  const float* dh_last = nullptr;  // (B, U) gradient w.r.t. the final state h, or null (0)
  const float* dc_last = nullptr;  // (B, U) gradient w.r.t. the final LSTM cell state, or null (0)
  float* dh0 = nullptr;            // (B, U) gradient w.r.t. h0, or null                     written
  float* dc0 = nullptr;            // (B, U) gradient w.r.t. c0 (LSTM), or null               written
};

void rnn_backward(const RnnParams& p, const RnnBackwardBuffers& b);

}  // namespace cpu
}  // namespace tn
