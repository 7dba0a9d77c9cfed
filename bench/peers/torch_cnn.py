"""PyTorch peer of bench/cnn.js: the seed CNN's train step and predict at batch 32.

The model mirrors bench/cnn.js layer by layer, in PyTorch's own NCHW layout (ours is NHWC,
the Keras default; the math is the same):
  Conv2D 32 3x3 'valid' relu on 64x64x3 -> MaxPool 2 -> Conv2D 64 3x3 'valid' relu -> MaxPool 2
  -> Flatten (64x14x14 = 12544) -> Dense 128 relu -> Dense 1 sigmoid
Adam (lr 1e-3, epsilon 1e-7 as Keras and tensornode; PyTorch's default is 1e-8) on binary
cross-entropy. The sigmoid is folded into BCEWithLogitsLoss, as tensornode fuses it with the
loss (Note [Fused output activation] in native/cpu/loss.h); predict applies it. Data: uniform
[0, 1) images and labels i % 2, the distribution bench/cnn.js uses (the values do not change
the work).

  /usr/bin/python3 bench/peers/torch_cnn.py [batch]    (normally run by bench/cnn.js)
"""
import sys

import torch
from torch import nn

from _torch_common import setup, time_ms, emit


def main():
    batch = int(sys.argv[1]) if len(sys.argv) > 1 else 32
    setup()
    model = nn.Sequential(
        nn.Conv2d(3, 32, 3), nn.ReLU(),  # padding 0 = Keras 'valid'; 64 -> 62
        nn.MaxPool2d(2),                 # 62 -> 31
        nn.Conv2d(32, 64, 3), nn.ReLU(),  # 31 -> 29
        nn.MaxPool2d(2),                 # 29 -> 14 (floor, as Keras 'valid' pooling)
        nn.Flatten(),
        nn.Linear(64 * 14 * 14, 128), nn.ReLU(),
        nn.Linear(128, 1),               # sigmoid: in the loss for training, explicit in predict
    )
    loss_fn = nn.BCEWithLogitsLoss()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
    x = torch.rand(batch, 3, 64, 64)
    y = (torch.arange(batch) % 2).float().unsqueeze(1)

    def step():
        # set_to_none: PyTorch 2's default and the cheaper form; the next backward writes the grads.
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()

    def predict():
        with torch.no_grad():
            return torch.sigmoid(model(x))

    model.train()
    step_ms = time_ms(step, min_time=3.0)
    model.eval()  # no dropout or batch norm here; eval() only because that is how one predicts
    predict_ms = time_ms(predict, min_time=2.0)
    emit({'step': step_ms, 'predict': predict_ms, 'params': sum(p.numel() for p in model.parameters())})


if __name__ == '__main__':
    main()
