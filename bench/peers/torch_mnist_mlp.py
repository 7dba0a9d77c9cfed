"""PyTorch peer of bench/mnist-accuracy.js: the demo's seed MLP trained as Keras would (Glorot-uniform
kernels, zero biases, Adam lr 1e-3 eps 1e-7, batch 32, reshuffled every epoch, 10 epochs) on the
digit split the JS side wrote to argv[1], once per seed in 0..argv[2]-1, with and without the
demo's one-pixel shifts (same xorshift32 stream as examples/mnist-data.js). Prints the held-out
accuracies."""
import os
import sys

import numpy as np
import torch
import torch.nn as nn

from _torch_common import setup, emit


def seeded_random(seed):
    state = [(seed & 0xFFFFFFFF) or 1]

    def rand():
        s = state[0]
        s ^= (s << 13) & 0xFFFFFFFF
        s ^= s >> 17
        s ^= (s << 5) & 0xFFFFFFFF
        state[0] = s
        return s / 4294967296
    return rand


def shift_images(source, target, max_shift, rand):
    """Each 28x28 image moved by whole pixels in [-max_shift, max_shift], zeros shifted in."""
    target.fill(0)
    src, dst = source.reshape(-1, 28, 28), target.reshape(-1, 28, 28)
    for k in range(src.shape[0]):
        dx = int(rand() * (2 * max_shift + 1)) - max_shift
        dy = int(rand() * (2 * max_shift + 1)) - max_shift
        dst[k, max(0, dy):28 + min(0, dy), max(0, dx):28 + min(0, dx)] = \
            src[k, max(0, -dy):28 + min(0, -dy), max(0, -dx):28 + min(0, -dx)]


def train(x_train, y_train, x_test, y_test, seed, augment):
    torch.manual_seed(seed)
    model = nn.Sequential(nn.Linear(784, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))
    for layer in model:
        if isinstance(layer, nn.Linear):
            nn.init.xavier_uniform_(layer.weight)
            nn.init.zeros_(layer.bias)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
    rand = seeded_random(1000 + seed)
    images = x_train.copy()
    for _ in range(10):
        if augment:
            shift_images(x_train, images, 1, rand)
        xs = torch.from_numpy(images)
        order = torch.randperm(len(xs))
        for start in range(0, len(xs), 32):
            batch = order[start:start + 32]
            loss = nn.functional.cross_entropy(model(xs[batch]), y_train[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    with torch.no_grad():
        return (model(torch.from_numpy(x_test)).argmax(1) == y_test).float().mean().item()


def main():
    setup()
    folder, seeds = sys.argv[1], int(sys.argv[2])
    load = lambda name, dtype: np.fromfile(os.path.join(folder, name), dtype=dtype)
    x_train = load('x_train.f32', np.float32).reshape(-1, 784)
    x_test = load('x_test.f32', np.float32).reshape(-1, 784)
    y_train = torch.from_numpy(load('labels_train.i32', np.int32).astype(np.int64))
    y_test = torch.from_numpy(load('labels_test.i32', np.int32).astype(np.int64))
    emit({'plain': [train(x_train, y_train, x_test, y_test, s, False) for s in range(seeds)],
          'shifted': [train(x_train, y_train, x_test, y_test, s, True) for s in range(seeds)]})


if __name__ == '__main__':
    main()
