"""Parallel kernels at 1 and 2 threads called from Python, and 1 vs 2 Python
threads issuing ancestry queries at once (the GIL is released while Rust
computes). Prints speedups. The kernels alone, without Python: `cargo bench -p
hg-core --bench parallel`; both: `make bench-parallel`.

    make build && .venv/bin/python contrib/parallel_bench.py [--size N]
"""

import argparse
import os
import random
import statistics
import sys
import threading
import time

CHECKOUT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(CHECKOUT, "hgext", "oxidag"))
sys.path.insert(0, os.path.join(CHECKOUT, "contrib"))

import _native  # noqa: E402
import dagshape  # noqa: E402


def median_time(fn, repeat):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def kernels(parents, repeat):
    n = len(parents)
    # Native sets in, as the extension passes them (a list of a million ints would
    # be converted on one thread, before any kernel runs).
    a = _native.RevisionSet(range(0, n, 2))
    b = _native.RevisionSet(range(0, n, 3))
    half, third = a, b
    filtered = _native.RevisionSet(range(n - n // 100, n))
    rng = random.Random(1)
    pairs_b = [rng.randrange(n // 2, n) for _ in range(2000)]
    pairs_a = [max(0, x - rng.randrange(2001)) for x in pairs_b]
    probes = [r ^ 0x55 for r in range(n)]
    queries = [([n - 1 - i * n // 1000], [n // 2 - i * n // 200]) for i in range(1, 9)]
    return [
        ("heads of the whole graph (1% filtered)", lambda: _native.headrevsall(parents, filtered)),
        ("heads of a set of n/2", lambda: _native.headrevs(parents, half)),
        ("roots of a set of n/2", lambda: _native.roots(parents, half)),
        ("parents of a set of n/2", lambda: _native.parents(parents, half)),
        ("%d membership probes" % n, lambda: _native.containsmany(b, probes)),
        ("8 missing-ancestors queries", lambda: _native.missingancestorsmany(parents, queries)),
        ("children of a set of n/3", lambda: _native.children(parents, third)),
        ("set algebra a & b, a | b, a - b", lambda: (a & b, a | b, a - b)),
        ("%d is-ancestor pairs, distinct descendants" % len(pairs_a), lambda: _native.isancestormany(parents, pairs_a, pairs_b)),
    ]


def throughput(parents, python_threads, seconds):
    tip = len(parents) - 1
    mid = len(parents) // 2
    count = [0] * python_threads
    stop = time.perf_counter() + seconds

    def work(i):
        while time.perf_counter() < stop:
            _native.ancestorsset(parents, [tip])
            _native.onlyset(parents, [tip], [mid])
            count[i] += 2

    threads = [threading.Thread(target=work, args=(i,)) for i in range(python_threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(count) / seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--seconds", type=float, default=3.0)
    args = parser.parse_args()
    parents = dagshape.synthetic_parents(args.size, seed=1)
    _native.headrevsall(parents)  # copy the parents table once (cached per index)
    print("backend %s, %d revisions, %d cores" % (_native.BACKEND, len(parents), os.cpu_count()))
    print("%-40s %10s %10s %8s" % ("kernel", "1 thread", "2 threads", "speedup"))
    for name, fn in kernels(parents, args.repeat):
        timings = {}
        for threads in (1, 2):
            _native.setthreads(threads)
            fn()
            timings[threads] = median_time(fn, args.repeat)
        print("%-40s %8.2fms %8.2fms %7.2fx" % (name, timings[1] * 1e3, timings[2] * 1e3, timings[1] / timings[2]))
    _native.setthreads(0)
    one = throughput(parents, 1, args.seconds)
    two = throughput(parents, 2, args.seconds)
    print("queries/s, 1 Python thread: %.0f; 2 Python threads: %.0f; speedup %.2fx" % (one, two, two / one))


if __name__ == "__main__":
    main()
