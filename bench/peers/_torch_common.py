"""Helpers shared by the PyTorch peers: thread count, a timing loop, and the JSON result line.

The peers run with Debian's python3-torch (CPU build). Each prints one JSON object on its last
line; bench/_common.js runTorchPeer() reads it. Times are milliseconds per call.
"""
import json
import os
import time

import torch


def lcg_doubles(n, seed):
    """The generator of bench/ops.js randomDoubles() and bench/attention.js lcg(): n doubles uniform in [-1, 1)."""
    out = [0.0] * n
    s = seed
    for i in range(n):
        s = (s * 1664525 + 1013904223) % 4294967296
        out[i] = s / 4294967296 * 2 - 1
    return out


def setup():
    threads = int(os.environ.get('OMP_NUM_THREADS', '0')) or os.cpu_count()
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    return threads


def time_ms(fn, min_time=2.0, min_runs=5, warmup=3):
    """Mean ms per call of fn() over at least min_runs calls and min_time seconds, after warmup."""
    for _ in range(warmup):
        fn()
    runs, start = 0, time.perf_counter()
    while runs < min_runs or time.perf_counter() - start < min_time:
        fn()
        runs += 1
    return (time.perf_counter() - start) * 1000 / runs


def loaded_blas():
    """The BLAS library this process loaded (Debian's torch calls whichever libblas.so.3 is selected)."""
    try:
        with open('/proc/self/maps') as maps:
            paths = {line.split()[-1] for line in maps if 'blas' in line and '/' in line}
        return ', '.join(sorted(os.path.basename(os.path.dirname(p)) + '/' + os.path.basename(p) for p in paths))
    except OSError:
        return 'unknown'


def emit(result):
    result['torch'] = torch.__version__
    result['blas'] = loaded_blas()
    result['threads'] = torch.get_num_threads()
    print(json.dumps(result))
