"""PyTorch peer of bench/rnn.js: the train step of the seed 004 (LSTM) and seed 002 (GRU) models.

  seed004: Embedding 10000x32, length 500 -> LSTM 128 (returnSequences) -> LSTM 128 ->
           Dense 1 sigmoid; Adam; binary cross-entropy; batch 64
  seed002: Embedding 10000x32, length 20 -> GRU 32 -> Dense 1000 softmax; Adam;
           sparse categorical cross-entropy; batch 32

The layers mirror bench/rnn.js with batch_first=True (ours is [batch, time, features] too):
- Keras LSTM = nn.LSTM (same gate equations, sigmoid/tanh). nn.LSTM has two biases (b_ih and
  b_hh) where Keras has one; their sum acts as one, so the math matches and the extra work (one
  more bias add per gate row, its gradient and Adam update) is negligible, but PyTorch counts
  4*units more parameters per layer. 'redundant_bias' reports them so bench/rnn.js can
  check that the rest matches our count exactly.
- Keras GRU with reset_after=True (ours and Keras 3's default) = nn.GRU, biases included.
- The last LSTM / the GRU returns only the last step: out[:, -1] of the sequence output, as Keras
  with return_sequences=False.
- Sigmoid and softmax are folded into BCEWithLogitsLoss and CrossEntropyLoss, as tensornode
  fuses them with the loss (Note [Fused output activation] in native/cpu/loss.h).
- Adam lr 1e-3 with epsilon 1e-7 (Keras and tensornode; PyTorch's default is 1e-8). The
  embedding gradient is dense (nn.Embedding's default), so Adam updates the whole table, as ours.
Data: random token ids and labels from the same distributions as bench/rnn.js (values do not
change the work).

  /usr/bin/python3 bench/peers/torch_rnn.py [seed004|seed002 ...]    (normally run by bench/rnn.js)
"""
import math
import sys

import torch
from torch import nn

from _torch_common import setup, time_ms, emit

VOCAB = 10000


class Seed004(nn.Module):
    def __init__(self):
        super().__init__()
        self.embedding = nn.Embedding(VOCAB, 32)
        self.lstm1 = nn.LSTM(32, 128, batch_first=True)   # returnSequences: the whole sequence goes on
        self.lstm2 = nn.LSTM(128, 128, batch_first=True)
        self.dense = nn.Linear(128, 1)                      # sigmoid is in the loss

    def forward(self, x):
        seq, _ = self.lstm1(self.embedding(x))
        out, _ = self.lstm2(seq)
        return self.dense(out[:, -1])


class Seed002(nn.Module):
    def __init__(self):
        super().__init__()
        self.embedding = nn.Embedding(VOCAB, 32)
        self.gru = nn.GRU(32, 32, batch_first=True)
        self.dense = nn.Linear(32, 1000)                    # softmax is in the loss

    def forward(self, x):
        out, _ = self.gru(self.embedding(x))
        return self.dense(out[:, -1])


def params(model):
    return sum(p.numel() for p in model.parameters())


def redundant_bias(model):
    """Parameters of nn.LSTM's second bias, which a Keras LSTM does not have."""
    return sum(m.bias_hh_l0.numel() for m in model.modules() if isinstance(m, nn.LSTM))


def time_train_step(model, loss_fn, x, y, **timing):
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)

    def step():
        # set_to_none: PyTorch 2's default and the cheaper form; the next backward writes the grads.
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        return loss

    model.train()
    first = step().item()  # as bench/rnn.js: one step, checked, before timing
    if not math.isfinite(first):
        raise RuntimeError(f'loss {first}')
    return time_ms(step, **timing)


def seed004():
    B, T = 64, 500
    model = Seed004()
    x = torch.randint(0, VOCAB, (B, T))
    y = (torch.rand(B, 1) < 0.5).float()
    # About as long as bench/rnn.js gives ours (maxTime 8, minSamples 3); steps take seconds, so
    # the one step above is the warm-up.
    ms = time_train_step(model, nn.BCEWithLogitsLoss(), x, y, min_time=8.0, min_runs=3, warmup=0)
    return {'ms': ms, 'params': params(model), 'redundant_bias': redundant_bias(model)}


def seed002():
    B, T = 32, 20
    model = Seed002()
    x = torch.randint(0, VOCAB, (B, T))
    y = torch.randint(0, 1000, (B,))
    ms = time_train_step(model, nn.CrossEntropyLoss(), x, y, min_time=3.0, min_runs=20)
    return {'ms': ms, 'params': params(model), 'redundant_bias': redundant_bias(model)}


def main():
    names = sys.argv[1:] or ['seed004', 'seed002']
    setup()
    models = {'seed004': seed004, 'seed002': seed002}
    emit({name: models[name]() for name in names})


if __name__ == '__main__':
    main()
