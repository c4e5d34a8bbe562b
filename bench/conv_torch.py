#!/usr/bin/python3
"""Conv layers of a small Fashion-MNIST CNN (batch 64, f32, NCHW, bias):
PyTorch against octet, timed alternately call by call in one process so that
both see the same machine load.

  /usr/bin/python3 bench/conv_torch.py [--quick] [--octet LIB.so] [--cpu-time]

--octet LIB.so   bench/gemm_bench.c built as a shared object against a PIC
                 build of octet_core (see bench/README.md); without it only
                 PyTorch is timed.
--cpu-time       single-thread runs use the calling thread's CPU time (both
                 PyTorch with one intra-op thread and octet with a pool of one
                 compute on the calling thread), immune to being descheduled.

Prints best and median ms per call and the ratio torch / octet (> 1: octet
is faster)."""
import ctypes
import sys
import time

import torch
import torch.nn.functional as F

LAYERS = [  # must match conv_layers[] in gemm_bench.c
    ("conv1 [64,1,28,28] * [32,1,5,5] pad 2", (64, 1, 28, 28), (32, 1, 5, 5), 2),
    ("conv2 [64,32,14,14] * [64,32,3,3] pad 1", (64, 32, 14, 14), (64, 32, 3, 3), 1),
]


def load_octet(path):
    lib = ctypes.CDLL(path)
    lib.conv_bench_new.restype = ctypes.c_void_p
    lib.conv_bench_new.argtypes = [ctypes.c_int, ctypes.c_int]
    lib.conv_bench_run.restype = ctypes.c_double
    lib.conv_bench_run.argtypes = [ctypes.c_void_p, ctypes.c_int]
    lib.conv_bench_free.argtypes = [ctypes.c_void_p]
    return lib


def stats(ts):
    ts = sorted(ts)
    return ts[0], ts[len(ts) // 2]


def main():
    args = sys.argv[1:]
    quick = "--quick" in args
    cpu_time = "--cpu-time" in args
    lib = load_octet(args[args.index("--octet") + 1]) if "--octet" in args else None
    min_time = 0.5 if quick else 3.0
    torch.set_grad_enabled(False)
    print("torch %s (mkldnn %s), %s" % (torch.__version__, torch.backends.mkldnn.is_available(),
                                        "thread CPU time for 1 thread" if cpu_time else "wall time"))
    for li, (name, xs, ws, pad) in enumerate(LAYERS):
        x = torch.randn(xs)
        w = torch.randn(ws)
        b = torch.randn(ws[0])
        oh = xs[2] + 2 * pad - ws[2] + 1
        flops = 2.0 * xs[0] * ws[0] * ws[1] * ws[2] * ws[3] * oh * oh
        for threads in (1, 2):
            torch.set_num_threads(threads)
            use_cpu = cpu_time and threads == 1
            clock = time.thread_time if use_cpu else time.perf_counter
            h = lib.conv_bench_new(li, threads) if lib else None
            F.conv2d(x, w, b, padding=pad)
            if h:
                lib.conv_bench_run(h, int(use_cpu))
            tt, to = [], []
            total = 0.0
            while (total < min_time or len(tt) < 5) and len(tt) < 1000:
                t0 = clock()
                F.conv2d(x, w, b, padding=pad)
                t = clock() - t0
                tt.append(t)
                total += t
                if h:
                    t = lib.conv_bench_run(h, int(use_cpu))
                    to.append(t)
                    total += t
            tb, tm = stats(tt)
            line = "  %-42s threads %d: torch %7.3f / %7.3f ms (%5.1f GFLOP/s)" % (
                name, threads, tb * 1e3, tm * 1e3, flops / tb * 1e-9)
            if h:
                ob, om = stats(to)
                line += "  octet %7.3f / %7.3f ms (%5.1f GFLOP/s)  torch/octet best %.2f median %.2f" % (
                    ob * 1e3, om * 1e3, flops / ob * 1e-9, tb / ob, tm / om)
                lib.conv_bench_free(h)
            print(line)


if __name__ == "__main__":
    main()
