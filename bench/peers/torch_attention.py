"""PyTorch peer of bench/attention.js: torch.nn.functional.scaled_dot_product_attention on the CPU.

Usage: torch_attention.py 128,512,2048        (the timing run; prints one JSON line)
       torch_attention.py --memory T MODE     (one peak-RSS measurement in a fresh process)

Batch 1, 8 heads, head dim 64, q, k, v in PyTorch's own layout (B, H, T, D), contiguous, on
torch.get_num_threads() == OMP_NUM_THREADS (bench/_common.js runTorchPeer sets it to tensornode's
thread count). Modes: 'forward' (under no_grad) and 'forward+backward' (out.backward(dout), the
gradients dropped after each run). Times: median ms of at least 5 runs and 1.5 s after 2 warm-up
runs. Memory: ru_maxrss after one run minus RSS before it, in a process that has made its inputs
and run the op once at T = 8 (the median of three such processes). For the correctness check the JSON also carries out, dq, dk, dv at
T = 128 for the inputs bench/attention.js makes with the same generator, in its (B, T, H, D) layout.
"""
import os
import resource
import subprocess
import sys
import time

import torch
import torch.nn.functional as F

from _torch_common import setup, emit, lcg_doubles

B, H, D = 1, 8, 64
MODES = ('forward', 'forward+backward')


def lcg(n, seed):
    """bench/attention.js lcg(): n values uniform in [-1, 1), as float32."""
    return torch.tensor(lcg_doubles(n, seed), dtype=torch.float32)


def make_inputs(T, shared=False):
    """q, k, v, dout as (B, H, T, D) contiguous. shared: bench/attention.js' values (built in its
    (B, T, H, D) layout, then transposed)."""
    if shared:
        return [lcg(B * T * H * D, 101 + i).reshape(B, T, H, D).transpose(1, 2).contiguous() for i in range(4)]
    return [torch.rand(B, H, T, D) * 2 - 1 for _ in range(4)]


def runner(mode, q, k, v, dout):
    if mode == 'forward':
        def run():
            with torch.no_grad():
                F.scaled_dot_product_attention(q, k, v)
        return run
    qg, kg, vg = (t.clone().requires_grad_() for t in (q, k, v))

    def run():
        F.scaled_dot_product_attention(qg, kg, vg).backward(dout)
        qg.grad = kg.grad = vg.grad = None
    return run


def median_ms(fn, warmup=2, min_runs=5, min_time=1.5, max_runs=50):
    for _ in range(warmup):
        fn()
    times, start = [], time.perf_counter()
    while len(times) < max_runs and (len(times) < min_runs or time.perf_counter() - start < min_time):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    return times[len(times) // 2]


def rss_bytes():
    with open('/proc/self/statm') as f:
        return int(f.read().split()[1]) * os.sysconf('SC_PAGE_SIZE')


def memory(T, mode):
    runner(mode, *make_inputs(8))()
    run = runner(mode, *make_inputs(T))
    before = rss_bytes()
    run()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return max(0, peak - before)


def backend_name(q, k, v):
    """Which SDPA implementation PyTorch picks for these inputs (an internal API; 'unknown' if absent)."""
    try:
        choice = torch._fused_sdp_choice(q, k, v)
        names = {int(b): name for name, b in torch.nn.attention.SDPBackend.__members__.items()}
        return names.get(int(choice), str(choice))
    except Exception:  # noqa: BLE001 - only a label
        return 'unknown'


def check():
    q, k, v, dout = make_inputs(128, shared=True)
    qg, kg, vg = (t.clone().requires_grad_() for t in (q, k, v))
    out = F.scaled_dot_product_attention(qg, kg, vg)
    out.backward(dout)
    # back to bench/attention.js' (B, T, H, D) layout, flattened
    flat = lambda t: t.detach().transpose(1, 2).contiguous().reshape(-1).tolist()
    return {'out': flat(out), 'dq': flat(qg.grad), 'dk': flat(kg.grad), 'dv': flat(vg.grad)}


def main():
    if sys.argv[1] == '--memory':
        setup()
        print(memory(int(sys.argv[2]), sys.argv[3]))
        return
    setup()
    lengths = [int(t) for t in sys.argv[1].split(',')]
    r = {'results': {}, 'check': check()}
    r['backend'] = backend_name(*make_inputs(128)[:3])
    for T in lengths:
        inputs = make_inputs(T)
        for mode in MODES:
            ms = median_ms(runner(mode, *inputs))
            # fresh processes per memory measurement, the median of three, as for tensornode
            runs = sorted(int(subprocess.run([sys.executable, __file__, '--memory', str(T), mode], capture_output=True,
                                             text=True, check=True).stdout.strip().split('\n')[-1]) for _ in range(3))
            r['results'][f'{T} {mode}'] = {'ms': ms, 'bytes': runs[1]}
    emit(r)


if __name__ == '__main__':
    main()
