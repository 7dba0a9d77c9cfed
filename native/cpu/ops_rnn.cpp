// Recurrent kernels of the op table (native/core/ops/rnn.def): they unpack the views and
// attributes into cpu::RnnParams and the buffer structs and call cpu/rnn.h, where the math is.
// Every size is re-checked here against the sizes x and recurrentKernel give (TypeScript
// validates first, lib/ops/rnn.ts); a wrong count, shape, dtype or attribute is an error.
#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

#include "core/op_registry.h"
#include "cpu/rnn.h"

namespace tn {
namespace {

using cpu::Activation;
using cpu::RnnCell;
using cpu::RnnParams;

constexpr int kRnnAttrs = 12;

// The attributes both ops share (see rnn.def), decoded and checked.
struct RnnAttrs {
  RnnParams p{};
  bool has_bias, has_mask, has_in_mask, has_rec_mask, has_h0, has_c0;
  bool lstm() const { return p.cell == RnnCell::Lstm; }
};

Activation activation_attr(const KernelArgs& a, int i, const char* what) {
  const Activation act = Activation(a.int_attr(i, 0, int64_t(Activation::Count) - 1));
  TN_CHECK(cpu::rnn_supports_activation(act), op_name(a.op), ": the ", what, " (code ", int(act),
           ") cannot be fused into the gate kernels (linear, relu, sigmoid, tanh, relu6 and softsign can)");
  return act;
}

RnnAttrs rnn_attrs(const KernelArgs& a) {
  TN_CHECK(a.n_attrs == kRnnAttrs, op_name(a.op), ": expected ", kRnnAttrs, " attribute(s) but received ", a.n_attrs);
  RnnAttrs r;
  r.p.cell = RnnCell(a.int_attr(0, 0, int64_t(RnnCell::Count) - 1));
  r.p.act = activation_attr(a, 1, "activation");
  r.p.rec_act = activation_attr(a, 2, "recurrent activation");
  r.p.go_backwards = a.flag(3);
  r.p.return_sequences = a.flag(4);
  r.p.zero_output_for_mask = a.flag(5);
  r.has_bias = a.flag(6);
  r.has_mask = a.flag(7);
  r.has_in_mask = a.flag(8);
  r.has_rec_mask = a.flag(9);
  r.has_h0 = a.flag(10);
  r.has_c0 = a.flag(11);
  TN_CHECK(!r.has_c0 || r.lstm(), op_name(a.op), ": c0 is an LSTM's initial cell state (this cell has none)");
  return r;
}

// Throws unless t is float32 of exactly this shape.
void check_f32(const KernelArgs& a, const TensorView& t, std::initializer_list<int64_t> shape, const char* what) {
  check_dtype(a, t, DType::Float32, what);
  bool same = t.rank == int(shape.size());
  int d = 0;
  for (const int64_t n : shape) same = same && t.shape[d++] == n;
  std::string want = "[";
  d = 0;
  for (const int64_t n : shape) want += (d++ ? "," : "") + std::to_string(n);
  TN_CHECK(same, op_name(a.op), ": ", what, " must have shape ", want, "] but has ", t.shape_string());
}

// B, T, F from x (B, T, F) and U from recurrentKernel (U, G*U), all positive.
void read_sizes(const KernelArgs& a, RnnParams& p, const TensorView& x, const TensorView& rec) {
  TN_CHECK(x.rank == 3, op_name(a.op), ": x must have rank 3 (batch, time, features) but has shape ", x.shape_string());
  TN_CHECK(rec.rank == 2, op_name(a.op), ": recurrentKernel must have rank 2 but has shape ", rec.shape_string());
  p.batch = x.shape[0];
  p.time = x.shape[1];
  p.in_dim = x.shape[2];
  p.units = rec.shape[0];
  TN_CHECK(p.batch > 0 && p.time > 0 && p.in_dim > 0 && p.units > 0, op_name(a.op),
           ": batch, time, features and units must be positive (x ", x.shape_string(), ", recurrentKernel ",
           rec.shape_string(), ")");
}

// Checks the bias view against the cell's layout: (G*U), or (2, 3U) for GRU reset_after.
void check_bias(const KernelArgs& a, const RnnParams& p, const TensorView& t, const char* what) {
  if (p.cell == RnnCell::GruResetAfter) check_f32(a, t, {2, p.gate_cols()}, what);
  else check_f32(a, t, {p.gate_cols()}, what);
}

// (y, h, [c], xs, gates, states, [cells], [aux], [hm]) <- (x, kernel, recurrentKernel, [bias],
//   [mask], [inMask], [recMask], [h0], [c0])
void rnn_sequence_k(const KernelArgs& a) {
  RnnAttrs r = rnn_attrs(a);
  RnnParams& p = r.p;
  const bool lstm = r.lstm(), aux = p.has_aux();
  const int n_in = 3 + r.has_bias + r.has_mask + r.has_in_mask + r.has_rec_mask + r.has_h0 + r.has_c0;
  const int n_out = 5 + 2 * lstm + aux + r.has_rec_mask;
  a.expect(n_out, n_in, kRnnAttrs);
  read_sizes(a, p, a.in(0), a.in(2));
  const int64_t B = p.batch, T = p.time, F = p.in_dim, U = p.units, GU = p.gate_cols();

  cpu::RnnForwardBuffers b{};
  int i = 0;
  check_f32(a, a.in(i), {B, T, F}, "x");
  b.x = a.in(i++).f32();
  check_f32(a, a.in(i), {F, GU}, "kernel");
  b.kernel = a.in(i++).f32();
  check_f32(a, a.in(i), {U, GU}, "recurrentKernel");
  b.recurrent = a.in(i++).f32();
  if (r.has_bias) check_bias(a, p, a.in(i), "bias"), b.bias = a.in(i++).f32();
  if (r.has_mask) check_f32(a, a.in(i), {B, T}, "mask"), b.mask = a.in(i++).f32();
  if (r.has_in_mask) check_f32(a, a.in(i), {B, F}, "inMask"), b.in_mask = a.in(i++).f32();
  if (r.has_rec_mask) check_f32(a, a.in(i), {B, U}, "recMask"), b.rec_mask = a.in(i++).f32();
  if (r.has_h0) check_f32(a, a.in(i), {B, U}, "h0"), b.h0 = a.in(i++).f32();
  if (r.has_c0) check_f32(a, a.in(i), {B, U}, "c0"), b.c0 = a.in(i++).f32();

  int o = 0;
  if (p.return_sequences) check_f32(a, a.out(o), {B, T, U}, "y");
  else check_f32(a, a.out(o), {B, U}, "y");
  b.y = a.out(o++).f32();
  check_f32(a, a.out(o), {B, U}, "h");
  float* h = a.out(o++).f32();
  float* c = nullptr;
  if (lstm) check_f32(a, a.out(o), {B, U}, "c"), c = a.out(o++).f32();
  check_f32(a, a.out(o), {T, B, F}, "xs");
  b.xs = a.out(o++).f32();
  check_f32(a, a.out(o), {T, B, GU}, "gates");
  b.gates = a.out(o++).f32();
  check_f32(a, a.out(o), {T + 1, B, U}, "states");
  b.states = a.out(o++).f32();
  b.cells = nullptr;
  if (lstm) check_f32(a, a.out(o), {T + 1, B, U}, "cells"), b.cells = a.out(o++).f32();
  b.aux = nullptr;
  if (aux) check_f32(a, a.out(o), {T, B, U}, "aux"), b.aux = a.out(o++).f32();
  b.hm = nullptr;
  if (r.has_rec_mask) check_f32(a, a.out(o), {T, B, U}, "hm"), b.hm = a.out(o++).f32();

  cpu::rnn_forward(p, b);
  // The final states: the last of the saved ones.
  std::copy(b.states + T * B * U, b.states + (T + 1) * B * U, h);
  if (c) std::copy(b.cells + T * B * U, b.cells + (T + 1) * B * U, c);
}

// (dx, dkernel, drecurrentKernel, [dbias], [dh0], [dc0]) <- (dy, dh, [dc], xs, gates, states,
//   [cells], [aux], [hm], kernel, recurrentKernel, [mask], [inMask], [recMask])
void rnn_sequence_grad_k(const KernelArgs& a) {
  RnnAttrs r = rnn_attrs(a);
  RnnParams& p = r.p;
  const bool lstm = r.lstm(), aux = p.has_aux();
  const int n_in = 7 + 2 * lstm + aux + r.has_rec_mask + r.has_mask + r.has_in_mask + r.has_rec_mask;
  const int n_out = 3 + r.has_bias + r.has_h0 + r.has_c0;
  a.expect(n_out, n_in, kRnnAttrs);
  // Sizes: B, T, F from dx (output 0), U from recurrentKernel.
  const int rec_at = 6 + 2 * lstm + aux + r.has_rec_mask;  // dy, dh, [dc], xs, gates, states, [cells], [aux], [hm], kernel
  read_sizes(a, p, a.out(0), a.in(rec_at));
  const int64_t B = p.batch, T = p.time, F = p.in_dim, U = p.units, GU = p.gate_cols();

  cpu::RnnBackwardBuffers b{};
  int o = 0;
  check_f32(a, a.out(o), {B, T, F}, "dx");
  b.dx = a.out(o++).f32();
  check_f32(a, a.out(o), {F, GU}, "dkernel");
  b.dkernel = a.out(o++).f32();
  check_f32(a, a.out(o), {U, GU}, "drecurrentKernel");
  b.drecurrent = a.out(o++).f32();
  b.dbias = nullptr;
  if (r.has_bias) check_bias(a, p, a.out(o), "dbias"), b.dbias = a.out(o++).f32();
  if (r.has_h0) check_f32(a, a.out(o), {B, U}, "dh0"), b.dh0 = a.out(o++).f32();
  if (r.has_c0) check_f32(a, a.out(o), {B, U}, "dc0"), b.dc0 = a.out(o++).f32();

  int i = 0;
  if (p.return_sequences) check_f32(a, a.in(i), {B, T, U}, "dy");
  else check_f32(a, a.in(i), {B, U}, "dy");
  b.dy = a.in(i++).f32();
  check_f32(a, a.in(i), {B, U}, "dh");
  b.dh_last = a.in(i++).f32();
  if (lstm) check_f32(a, a.in(i), {B, U}, "dc"), b.dc_last = a.in(i++).f32();
  check_f32(a, a.in(i), {T, B, F}, "xs");
  b.xs = a.in(i++).f32();
  check_f32(a, a.in(i), {T, B, GU}, "gates");
  b.gates = a.in(i++).f32();
  check_f32(a, a.in(i), {T + 1, B, U}, "states");
  b.states = a.in(i++).f32();
  b.cells = nullptr;
  if (lstm) check_f32(a, a.in(i), {T + 1, B, U}, "cells"), b.cells = a.in(i++).f32();
  b.aux = nullptr;
  if (aux) check_f32(a, a.in(i), {T, B, U}, "aux"), b.aux = a.in(i++).f32();
  b.hm = nullptr;
  if (r.has_rec_mask) check_f32(a, a.in(i), {T, B, U}, "hm"), b.hm = a.in(i++).f32();
  check_f32(a, a.in(i), {F, GU}, "kernel");
  b.kernel = a.in(i++).f32();
  check_f32(a, a.in(i), {U, GU}, "recurrentKernel");
  b.recurrent = a.in(i++).f32();
  b.mask = b.in_mask = b.rec_mask = nullptr;
  if (r.has_mask) check_f32(a, a.in(i), {B, T}, "mask"), b.mask = a.in(i++).f32();
  if (r.has_in_mask) check_f32(a, a.in(i), {B, F}, "inMask"), b.in_mask = a.in(i++).f32();
  if (r.has_rec_mask) check_f32(a, a.in(i), {B, U}, "recMask"), b.rec_mask = a.in(i++).f32();

  // Workspaces (see cpu/rnn.h): dgates (T, B, G*U), dgatesRec (T, B, 3U) for GRU reset_after,
  // dxs (T, B, F).
  std::vector<float> dgates(size_t(T * B * GU)), dgates_rec, dxs(size_t(T * B * F));
  if (p.cell == RnnCell::GruResetAfter) dgates_rec.resize(size_t(T * B * GU));
  b.dgates = dgates.data();
  b.dgates_rec = dgates_rec.empty() ? nullptr : dgates_rec.data();
  b.dxs = dxs.data();
  cpu::rnn_backward(p, b);
}

}  // namespace

void register_rnn_kernels() {
  register_kernel(OpId::RnnSequence, rnn_sequence_k);
  register_kernel(OpId::RnnSequenceGrad, rnn_sequence_grad_k);
}

}  // namespace tn
