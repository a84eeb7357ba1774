"""Shared by the workloads: the size factor the runner asks for.

BENCH_SCALE=1 (the default) makes each workload run 0.3-2 s untraced on the
reference machine; the runner's quick mode passes a small factor so a smoke
test finishes in seconds. Kept in one place so every workload scales alike.
"""
import os


def scaled(n, minimum=1):
    return max(minimum, int(n * float(os.environ.get("BENCH_SCALE", "1"))))
