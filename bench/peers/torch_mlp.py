"""PyTorch peer of bench/mlp.js: the seed MLP (784-64-64-10, ReLU, softmax + categorical
cross-entropy, Adam lr 1e-3) train step and predict at the batch given as argv[1], in ms."""
import sys

import torch
import torch.nn as nn

from _torch_common import setup, time_ms, emit


def main():
    setup()
    batch = int(sys.argv[1])
    model = nn.Sequential(nn.Linear(784, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    x = torch.rand(batch, 784)
    labels = torch.arange(batch) * 7 % 10
    # cross_entropy on logits is softmax + categorical cross-entropy, as our fused output layer.
    loss_fn = nn.CrossEntropyLoss()

    def step():
        optimizer.zero_grad()
        loss = loss_fn(model(x), labels)
        loss.backward()
        optimizer.step()

    def predict():
        with torch.no_grad():
            torch.softmax(model(x), dim=1)

    emit({'step_ms': time_ms(step), 'predict_ms': time_ms(predict),
          'params': sum(p.numel() for p in model.parameters())})


if __name__ == '__main__':
    main()
