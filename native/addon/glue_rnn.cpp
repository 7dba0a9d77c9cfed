// Glue for the recurrent and embedding ops (native/cpu/rnn.h, native/cpu/embedding.h).
// Argument order: outputs (and the buffers forward saves for backward, which it writes),
// inputs, saved, then sizes. Optional buffers are null.
#include "addon/glue.h"
#include "cpu/embedding.h"
#include "cpu/rnn.h"

namespace tn {
namespace glue {
namespace {

using cpu::Activation;
using cpu::RnnCell;
using cpu::RnnParams;

Activation rnn_activation_arg(const Napi::CallbackInfo& info, size_t i, const char* what) {
  const int64_t code = int_arg(info, i, what);
  TN_CHECK(code >= 0 && code < int64_t(Activation::Count) && cpu::rnn_supports_activation(Activation(code)),
           "unsupported ", what, " code ", code);
  return Activation(code);
}

// The ten size/config arguments starting at i: cell, batch, time, inDim, units, activation,
// recurrentActivation, goBackwards, returnSequences, zeroOutputForMask.
RnnParams rnn_params(const Napi::CallbackInfo& info, size_t i) {
  RnnParams p;
  const int64_t cell = int_arg(info, i, "cell");
  TN_CHECK(cell >= 0 && cell < int64_t(RnnCell::Count), "unknown cell code ", cell);
  p.cell = RnnCell(cell);
  p.batch = int_arg(info, i + 1, "batch");
  p.time = int_arg(info, i + 2, "time");
  p.in_dim = int_arg(info, i + 3, "inDim");
  p.units = int_arg(info, i + 4, "units");
  TN_CHECK(p.batch > 0 && p.time > 0 && p.in_dim > 0 && p.units > 0, "rnn: sizes must be positive");
  p.act = rnn_activation_arg(info, i + 5, "activation");
  p.rec_act = rnn_activation_arg(info, i + 6, "recurrentActivation");
  p.go_backwards = bool_arg(info, i + 7, "goBackwards");
  p.return_sequences = bool_arg(info, i + 8, "returnSequences");
  p.zero_output_for_mask = bool_arg(info, i + 9, "zeroOutputForMask");
  return p;
}

// rnnForward(y, xs, gates, states, cells|null, aux|null, hm|null,
//            x, kernel, recurrent, bias|null, mask|null, inMask|null, recMask|null,
//            cell, batch, time, inDim, units, activation, recurrentActivation,
//            goBackwards, returnSequences, zeroOutputForMask)
Napi::Value RnnForward(const Napi::CallbackInfo& info) {
  const RnnParams p = rnn_params(info, 14);
  const int64_t B = p.batch, T = p.time, F = p.in_dim, U = p.units, GU = p.gate_cols();
  const bool lstm = p.cell == RnnCell::Lstm;
  cpu::RnnForwardBuffers b;
  b.y = f32_arg(info, 0, "y", p.return_sequences ? B * T * U : B * U);
  b.xs = f32_arg(info, 1, "xs", T * B * F);
  b.gates = f32_arg(info, 2, "gates", T * B * GU);
  b.states = f32_arg(info, 3, "states", (T + 1) * B * U);
  b.cells = f32_arg(info, 4, "cells", (T + 1) * B * U, !lstm);
  b.aux = f32_arg(info, 5, "aux", T * B * U, !p.has_aux());
  b.hm = f32_arg(info, 6, "hm", T * B * U, true);
  b.x = f32_arg(info, 7, "x", B * T * F);
  b.kernel = f32_arg(info, 8, "kernel", F * GU);
  b.recurrent = f32_arg(info, 9, "recurrent", U * GU);
  b.bias = f32_arg(info, 10, "bias", p.bias_size(), true);
  b.mask = f32_arg(info, 11, "mask", B * T, true);
  b.in_mask = f32_arg(info, 12, "inMask", B * F, true);
  b.rec_mask = f32_arg(info, 13, "recMask", B * U, true);
  cpu::rnn_forward(p, b);
  return info.Env().Undefined();
}

// rnnBackward(dx|null, dkernel, drecurrent, dbias|null, dgates, dgatesRec|null, dxs|null,
//             dy,
//             xs, gates, states, cells|null, aux|null, hm|null, kernel, recurrent,
//             mask|null, inMask|null, recMask|null,
//             cell, batch, time, inDim, units, activation, recurrentActivation,
//             goBackwards, returnSequences, zeroOutputForMask)
Napi::Value RnnBackward(const Napi::CallbackInfo& info) {
  const RnnParams p = rnn_params(info, 19);
  const int64_t B = p.batch, T = p.time, F = p.in_dim, U = p.units, GU = p.gate_cols();
  cpu::RnnBackwardBuffers b;
  b.dx = f32_arg(info, 0, "dx", B * T * F, true);
  b.dkernel = f32_arg(info, 1, "dkernel", F * GU);
  b.drecurrent = f32_arg(info, 2, "drecurrent", U * GU);
  b.dbias = f32_arg(info, 3, "dbias", p.bias_size(), true);
  b.dgates = f32_arg(info, 4, "dgates", T * B * GU);
  b.dgates_rec = f32_arg(info, 5, "dgatesRec", T * B * GU, p.cell != RnnCell::GruResetAfter);
  b.dxs = f32_arg(info, 6, "dxs", T * B * F, b.dx == nullptr);
  b.dy = f32_arg(info, 7, "dy", p.return_sequences ? B * T * U : B * U);
  b.xs = f32_arg(info, 8, "xs", T * B * F);
  b.gates = f32_arg(info, 9, "gates", T * B * GU);
  b.states = f32_arg(info, 10, "states", (T + 1) * B * U);
  b.cells = f32_arg(info, 11, "cells", (T + 1) * B * U, p.cell != RnnCell::Lstm);
  b.aux = f32_arg(info, 12, "aux", T * B * U, !p.has_aux());
  b.hm = f32_arg(info, 13, "hm", T * B * U, true);
  b.kernel = f32_arg(info, 14, "kernel", F * GU);
  b.recurrent = f32_arg(info, 15, "recurrent", U * GU);
  b.mask = f32_arg(info, 16, "mask", B * T, true);
  b.in_mask = f32_arg(info, 17, "inMask", B * F, true);
  b.rec_mask = f32_arg(info, 18, "recMask", B * U, true);
  TN_CHECK((b.rec_mask == nullptr) == (b.hm == nullptr), "rnn: recMask and hm go together");
  cpu::rnn_backward(p, b);
  return info.Env().Undefined();
}

// embeddingForward(y, table, indices, n, vocab, dim) -> -1, or the flat position of the
// first index outside [0, vocab) (then y is untouched and the caller reports it).
Napi::Value EmbeddingForward(const Napi::CallbackInfo& info) {
  const int64_t n = int_arg(info, 3, "n"), vocab = int_arg(info, 4, "vocab"), dim = int_arg(info, 5, "dim");
  TN_CHECK(n >= 0 && vocab > 0 && dim > 0, "embedding: bad sizes n=", n, " vocab=", vocab, " dim=", dim);
  const int64_t bad = cpu::embedding_forward(f32_arg(info, 0, "y", n * dim), f32_arg(info, 1, "table", vocab * dim),
                                             i32_arg(info, 2, "indices", n), n, vocab, dim);
  return Napi::Number::New(info.Env(), double(bad));
}

// embeddingBackward(dtable, dy, indices, prevIndices|null, n, prevN, vocab, dim)
Napi::Value EmbeddingBackward(const Napi::CallbackInfo& info) {
  const int64_t n = int_arg(info, 4, "n"), prev_n = int_arg(info, 5, "prevN");
  const int64_t vocab = int_arg(info, 6, "vocab"), dim = int_arg(info, 7, "dim");
  TN_CHECK(n >= 0 && prev_n >= 0 && vocab > 0 && dim > 0, "embedding: bad sizes");
  const int32_t* prev = i32_arg(info, 3, "prevIndices", prev_n, true);
  TN_CHECK(prev != nullptr || prev_n == 0, "embedding: prevN > 0 without prevIndices");
  cpu::embedding_backward(f32_arg(info, 0, "dtable", vocab * dim), f32_arg(info, 1, "dy", n * dim),
                          i32_arg(info, 2, "indices", n), n, prev, prev_n, vocab, dim);
  return info.Env().Undefined();
}

}  // namespace

void register_rnn(Napi::Env env, Napi::Object exports) {
  define(env, exports, "rnnForward", RnnForward);
  define(env, exports, "rnnBackward", RnnBackward);
  define(env, exports, "embeddingForward", EmbeddingForward);
  define(env, exports, "embeddingBackward", EmbeddingBackward);
}

}  // namespace glue
}  // namespace tn
