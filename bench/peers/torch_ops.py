"""PyTorch peer of bench/ops.js: eager op costs and a hand-written train step, in PyTorch eager.

Measures, on torch.get_num_threads() == OMP_NUM_THREADS (set by bench/_common.js runTorchPeer to
tensornode's thread count):
  - dispatch: torch.add of two 1-element float32 tensors, and a [2,3] + [3] broadcast add (us/op);
  - bandwidth: a 1M-element float32 add (us/op; bench/ops.js turns it into GB/s);
  - both adds also with out= (a preallocated output: the kernel and dispatch without allocation);
  - matmul 64x64 and 512x512 (us/op);
  - the seed MLP 784 -> 128 relu -> 10 at batch 32 as plain tensors with requires_grad:
    loss = mean(-sum(onehot * log_softmax(logits), 1)), loss.backward(), Adam(lr 1e-3, eps 1e-7 as tfjs/Keras).step(),
    zero_grad() (ms/step), and its forward loss alone (ms).
It also reports the loss before and after CHECK_STEPS SGD steps (and after CHECK_STEPS Adam steps)
from the weights and data that bench/ops.js builds with the same generator, so the two engines'
gradients are checked to agree.
Prints one JSON line.
"""
import math
import time

import torch

from _torch_common import setup, time_ms, emit, lcg_doubles

CHECK_STEPS = 20


def per_op_us(fn, inner=1000, min_time=1.0):
    """Mean us per call of fn(), timed in batches of `inner` calls so the Python loop is not
    charged per call more than a for-loop iteration."""
    def batch():
        for _ in range(inner):
            fn()
    return time_ms(batch, min_time=min_time, min_runs=5, warmup=2) * 1000 / inner


def mlp_setup(batch):
    d_in, hidden, d_out = 784, 128, 10
    s1, s2 = math.sqrt(6 / (d_in + hidden)), math.sqrt(6 / (hidden + d_out))
    w1 = torch.tensor([v * s1 for v in lcg_doubles(d_in * hidden, 11)], dtype=torch.float32).reshape(d_in, hidden)
    b1 = torch.tensor([v * 0.01 for v in lcg_doubles(hidden, 12)], dtype=torch.float32)
    w2 = torch.tensor([v * s2 for v in lcg_doubles(hidden * d_out, 13)], dtype=torch.float32).reshape(hidden, d_out)
    b2 = torch.tensor([v * 0.01 for v in lcg_doubles(d_out, 14)], dtype=torch.float32)
    params = [p.requires_grad_() for p in (w1, b1, w2, b2)]
    x = torch.tensor([(v + 1) / 2 for v in lcg_doubles(batch * d_in, 15)], dtype=torch.float32).reshape(batch, d_in)
    labels = torch.tensor([(i * 7) % 10 for i in range(batch)], dtype=torch.int64)
    onehot = torch.nn.functional.one_hot(labels, d_out).to(torch.float32)
    return params, x, onehot


def main():
    setup()
    r = {}

    a1, b1 = torch.rand(1), torch.rand(1)
    r['add1_us'] = per_op_us(lambda: torch.add(a1, b1))
    o1 = torch.empty(1)
    r['add1_out_us'] = per_op_us(lambda: torch.add(a1, b1, out=o1))
    a23, b3 = torch.rand(2, 3), torch.rand(3)
    r['add_bcast_us'] = per_op_us(lambda: torch.add(a23, b3))
    am, bm = torch.rand(1 << 20), torch.rand(1 << 20)
    r['add1m_us'] = per_op_us(lambda: torch.add(am, bm), inner=20)
    om = torch.empty(1 << 20)
    r['add1m_out_us'] = per_op_us(lambda: torch.add(am, bm, out=om), inner=20)
    m64a, m64b = torch.rand(64, 64), torch.rand(64, 64)
    r['mm64_us'] = per_op_us(lambda: torch.matmul(m64a, m64b), inner=100)
    m512a, m512b = torch.rand(512, 512), torch.rand(512, 512)
    r['mm512_us'] = per_op_us(lambda: torch.matmul(m512a, m512b), inner=2)

    # The agreement check: CHECK_STEPS plain SGD steps (the same formula in both engines) from the
    # shared weights; then Adam (eps 1e-7, as bench/ops.js passes) from fresh ones, timed.
    def make(optimizer_of):
        params, x, onehot = mlp_setup(32)
        w1, c1, w2, c2 = params
        opt = optimizer_of(params)

        def loss_fn():
            logits = torch.relu(x @ w1 + c1) @ w2 + c2
            return torch.mean(-torch.sum(onehot * torch.log_softmax(logits, dim=1), dim=1))

        def step():
            loss = loss_fn()
            loss.backward()
            opt.step()
            opt.zero_grad()
            return loss

        def loss_now():
            with torch.no_grad():
                return loss_fn().item()
        return loss_fn, step, loss_now

    _, sgd_step, sgd_loss = make(lambda ps: torch.optim.SGD(ps, lr=0.1))
    r['sgd_loss0'] = sgd_loss()
    for _ in range(CHECK_STEPS):
        sgd_step()
    r['sgd_loss_after'] = sgd_loss()

    loss_fn, step, adam_loss = make(lambda ps: torch.optim.Adam(ps, lr=1e-3, eps=1e-7))
    for _ in range(CHECK_STEPS):
        step()
    r['adam_loss_after'] = adam_loss()
    r['check_steps'] = CHECK_STEPS

    r['step_ms'] = time_ms(step)

    def forward():
        with torch.no_grad():
            loss_fn()
    r['forward_ms'] = time_ms(forward)
    emit(r)


if __name__ == '__main__':
    main()
