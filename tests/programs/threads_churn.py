# tracerec-test: special (t0250: threads started one after another, far more than run at once: every one's events reach the trace, and the recording's memory does not grow with them)
"""Threads started and joined one after another, each running a short
loop. Prints how many ran and the resident memory (kB) after a quarter of
them and after all of them: what the recording holds for threads that
ended must not add up. Each figure is read after a pause that lets the
trace's writer thread catch up, and after malloc_trim() where the C
library has it, so that it is the memory held, not what the allocator kept
from a moment the writer lagged behind."""
import ctypes
import sys
import threading
import time

N = int(sys.argv[1]) if len(sys.argv) > 1 else 600
LOOPS = int(sys.argv[2]) if len(sys.argv) > 2 else 1000


def work(k):
    s = 0
    for i in range(LOOPS):
        s += i * k
    return s


def resident_kb():
    time.sleep(0.6)
    trim = getattr(ctypes.CDLL(None), "malloc_trim", None)
    if trim is not None:
        trim(0)
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


rss = []
for k in range(N):
    t = threading.Thread(target=work, args=(k,))
    t.start()
    t.join()
    if k + 1 in (N // 4, N):
        rss.append(resident_kb())
print("threads", N, "loops", LOOPS)
print("rss_kb", *rss)
