#!/usr/bin/env python3
"""The seed's own patterns, timed: the reference row of the benchmark report.

Readers who came from the Python asyncio article see its numbers beside Rust's:

- spawn:    asyncio.gather of N tasks that each await asyncio.sleep(0)   (create_task + gather)
- io_timer: asyncio.gather of N tasks that each await asyncio.sleep(D)   (the article's fetch)
- cpu:      8 jobs of the same xorshift kernel as taskset::kernel, one after another and then on a
            ProcessPoolExecutor of one process per core (the article's answer to the GIL)

Standard library only. Prints one JSON object per line; `cargo run -p benches --release --bin
report` runs it when python3 is present. By hand: `python3 benches/python/seed_reference.py`.
"""

import asyncio
import json
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor

MASK = (1 << 64) - 1
# taskset::kernel::STEPS_PER_UNIT: one unit of work is this many xorshift steps.
STEPS_PER_UNIT = 500_000
DELAY = 0.1
CPU_JOBS = 8
# One unit per job: the same kernel is about 300 times slower in CPython than in Rust, so the Rust
# benchmark's 10 units per job would take half a minute here. Speedups compare; times do not.
CPU_WORK = 1


def job(job_id: int, work: int) -> int:
    """taskset::kernel::job, step for step: the same checksum for the same id and work."""
    x = ((job_id * 0x9E3779B97F4A7C15) & MASK) | 1
    acc = 0
    for _ in range(work * STEPS_PER_UNIT):
        x ^= (x << 13) & MASK
        x ^= x >> 7
        x ^= (x << 17) & MASK
        acc = (((acc << 5) | (acc >> 59)) & MASK) ^ x
    return acc


def checksum(results):
    """taskset::kernel::checksum: FNV-1a over the per-job checksums, in input order."""
    h = 0xCBF29CE484222325
    for c in results:
        h = ((h ^ c) * 0x100000001B3) & MASK
    return h


async def gather_sleeps(n: int, delay: float) -> float:
    """N tasks that each sleep `delay`, gathered; returns the elapsed seconds."""
    start = time.perf_counter()
    await asyncio.gather(*(asyncio.create_task(asyncio.sleep(delay)) for _ in range(n)))
    return time.perf_counter() - start


def best_of(runs: int, n: int, delay: float) -> float:
    """The fastest of a few runs, each on a fresh event loop, as criterion's median is robust."""
    return min(asyncio.run(gather_sleeps(n, delay)) for _ in range(runs))


def emit(**row):
    print(json.dumps(row), flush=True)


def main() -> int:
    version = sys.version.split()[0]
    emit(kind="python", version=version)
    # Best of two up to 10,000 tasks; one run at 100,000, which takes seconds here.
    for n in (100, 1_000, 10_000, 100_000):
        emit(kind="spawn", n=n, seconds=best_of(2 if n < 100_000 else 1, n, 0))
    for n in (100, 1_000, 10_000, 100_000):
        emit(kind="io_timer", n=n, seconds=best_of(2 if n < 100_000 else 1, n, DELAY))
    ids = list(range(1, CPU_JOBS + 1))
    start = time.perf_counter()
    sequential = [job(i, CPU_WORK) for i in ids]
    seq_seconds = time.perf_counter() - start
    workers = os.cpu_count() or 1
    start = time.perf_counter()
    with ProcessPoolExecutor(max_workers=workers) as pool:
        pooled = list(pool.map(job, ids, [CPU_WORK] * len(ids)))
    pool_seconds = time.perf_counter() - start
    emit(
        kind="cpu",
        n=CPU_JOBS,
        work=CPU_WORK,
        workers=workers,
        sequential=seq_seconds,
        pool=pool_seconds,
        checksum=checksum(pooled),
        same_as_sequential=pooled == sequential,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
