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

}  // namespace

// The ten size/config arguments starting at i: cell, batch, time, inDim, units, activation,
// recurrentActivation, goBackwards, returnSequences, zeroOutputForMask; and every buffer's
// length, checked (See Note [Checked sizes at the native boundary]).
RnnSizes rnn_sizes(const Napi::CallbackInfo& info, size_t i) {
  RnnSizes s;
  RnnParams& p = s.p;
  p.cell = RnnCell(int_arg_in(info, i, "cell", 0, int64_t(RnnCell::Count) - 1));
  p.batch = size_arg(info, i + 1, "batch", 1);
  p.time = size_arg(info, i + 2, "time", 1);
  p.in_dim = size_arg(info, i + 3, "inDim", 1);
  p.units = size_arg(info, i + 4, "units", 1);
  p.act = rnn_activation_arg(info, i + 5, "activation");
  p.rec_act = rnn_activation_arg(info, i + 6, "recurrentActivation");
  p.go_backwards = bool_arg(info, i + 7, "goBackwards");
  p.return_sequences = bool_arg(info, i + 8, "returnSequences");
  p.zero_output_for_mask = bool_arg(info, i + 9, "zeroOutputForMask");
  const NamedSize B{"batch", p.batch}, T{"time", p.time}, F{"inDim", p.in_dim}, U{"units", p.units};
  const NamedSize GU{"gates x units", elements({{"gates", p.gates()}, U})};
  s.y = p.return_sequences ? elements({B, T, U}) : elements({B, U});
  s.x = elements({B, T, F});
  s.gates = elements({T, B, GU});
  s.states = elements({{"time + 1", p.time + 1}, B, U});
  s.steps = elements({T, B, U});
  s.kernel = elements({F, GU});
  s.recurrent = elements({U, GU});
  s.bias = elements({{"bias rows", p.cell == RnnCell::GruResetAfter ? 2 : 1}, GU});
  s.mask = elements({B, T});
  s.in_mask = elements({B, F});
  s.rec_mask = elements({B, U});
  return s;
}

namespace {

// rnnForward(y, xs, gates, states, cells|null, aux|null, hm|null,
//            x, kernel, recurrent, bias|null, mask|null, inMask|null, recMask|null,
//            cell, batch, time, inDim, units, activation, recurrentActivation,
//            goBackwards, returnSequences, zeroOutputForMask)
Napi::Value RnnForward(const Napi::CallbackInfo& info) {
  const RnnSizes s = rnn_sizes(info, 14);
  const RnnParams& p = s.p;
  const bool lstm = p.cell == RnnCell::Lstm;
  cpu::RnnForwardBuffers b;
  b.y = f32_arg(info, 0, "y", s.y);
  b.xs = f32_arg(info, 1, "xs", s.x);
  b.gates = f32_arg(info, 2, "gates", s.gates);
  b.states = f32_arg(info, 3, "states", s.states);
  b.cells = f32_arg(info, 4, "cells", s.states, !lstm);
  b.aux = f32_arg(info, 5, "aux", s.steps, !p.has_aux());
  b.hm = f32_arg(info, 6, "hm", s.steps, true);
  b.x = f32_arg(info, 7, "x", s.x);
  b.kernel = f32_arg(info, 8, "kernel", s.kernel);
  b.recurrent = f32_arg(info, 9, "recurrent", s.recurrent);
  b.bias = f32_arg(info, 10, "bias", s.bias, true);
  b.mask = f32_arg(info, 11, "mask", s.mask, true);
  b.in_mask = f32_arg(info, 12, "inMask", s.in_mask, true);
  b.rec_mask = f32_arg(info, 13, "recMask", s.rec_mask, true);
  TN_CHECK((b.rec_mask == nullptr) == (b.hm == nullptr), "rnn: recMask and hm go together");
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
  const RnnSizes s = rnn_sizes(info, 19);
  const RnnParams& p = s.p;
  cpu::RnnBackwardBuffers b;
  b.dx = f32_arg(info, 0, "dx", s.x, true);
  b.dkernel = f32_arg(info, 1, "dkernel", s.kernel);
  b.drecurrent = f32_arg(info, 2, "drecurrent", s.recurrent);
  b.dbias = f32_arg(info, 3, "dbias", s.bias, true);
  b.dgates = f32_arg(info, 4, "dgates", s.gates);
  b.dgates_rec = f32_arg(info, 5, "dgatesRec", s.gates, p.cell != RnnCell::GruResetAfter);
  b.dxs = f32_arg(info, 6, "dxs", s.x, b.dx == nullptr);
  b.dy = f32_arg(info, 7, "dy", s.y);
  b.xs = f32_arg(info, 8, "xs", s.x);
  b.gates = f32_arg(info, 9, "gates", s.gates);
  b.states = f32_arg(info, 10, "states", s.states);
  b.cells = f32_arg(info, 11, "cells", s.states, p.cell != RnnCell::Lstm);
  b.aux = f32_arg(info, 12, "aux", s.steps, !p.has_aux());
  b.hm = f32_arg(info, 13, "hm", s.steps, true);
  b.kernel = f32_arg(info, 14, "kernel", s.kernel);
  b.recurrent = f32_arg(info, 15, "recurrent", s.recurrent);
  b.mask = f32_arg(info, 16, "mask", s.mask, true);
  b.in_mask = f32_arg(info, 17, "inMask", s.in_mask, true);
  b.rec_mask = f32_arg(info, 18, "recMask", s.rec_mask, true);
  TN_CHECK((b.rec_mask == nullptr) == (b.hm == nullptr), "rnn: recMask and hm go together");
  cpu::rnn_backward(p, b);
  return info.Env().Undefined();
}

// embeddingForward(y, table, indices, n, vocab, dim) -> -1, or the flat position of the
// first index outside [0, vocab) (then y is untouched and the caller reports it).
Napi::Value EmbeddingForward(const Napi::CallbackInfo& info) {
  const EmbeddingSizes s = embedding_sizes(info, 3, -1);
  const int64_t bad = cpu::embedding_forward(f32_arg(info, 0, "y", s.rows), f32_arg(info, 1, "table", s.table),
                                             i32_arg(info, 2, "indices", s.n), s.n, s.vocab, s.dim);
  return Napi::Number::New(info.Env(), double(bad));
}

// embeddingBackward(dtable, dy, indices, prevIndices|null, n, prevN, vocab, dim)
Napi::Value EmbeddingBackward(const Napi::CallbackInfo& info) {
  const EmbeddingSizes s = embedding_sizes(info, 4, 5);
  const int32_t* prev = i32_arg(info, 3, "prevIndices", s.prev_n, true);
  TN_CHECK(prev != nullptr || s.prev_n == 0, "embedding: prevN > 0 without prevIndices");
  cpu::embedding_backward(f32_arg(info, 0, "dtable", s.table), f32_arg(info, 1, "dy", s.rows), i32_arg(info, 2, "indices", s.n),
                          s.n, prev, s.prev_n, s.vocab, s.dim);
  return info.Env().Undefined();
}

}  // namespace

EmbeddingSizes embedding_sizes(const Napi::CallbackInfo& info, size_t n_at, int prev_n_at) {
  EmbeddingSizes s;
  size_t i = n_at;
  s.n = size_arg(info, i++, "n");
  if (prev_n_at >= 0) s.prev_n = size_arg(info, i++, "prevN");
  s.vocab = size_arg(info, i++, "vocab", 1);
  s.dim = size_arg(info, i++, "dim", 1);
  s.rows = elements({{"n", s.n}, {"dim", s.dim}});
  s.table = elements({{"vocab", s.vocab}, {"dim", s.dim}});
  return s;
}

void register_rnn(Napi::Env env, Napi::Object exports) {
  define(env, exports, "rnnForward", RnnForward);
  define(env, exports, "rnnBackward", RnnBackward);
  define(env, exports, "embeddingForward", EmbeddingForward);
  define(env, exports, "embeddingBackward", EmbeddingBackward);
}

}  // namespace glue
}  // namespace tn
