"""Threads started with _thread directly, not through threading: recorded
from their first frame, as every thread is (threading's own threads from
Thread.run)."""
import _thread

done = _thread.allocate_lock()
done.acquire()
results = []


def work(n, scale):
    total = 0
    for i in range(n):
        total += i * scale
    results.append(total)
    done.release()
    return total


_thread.start_new_thread(work, (5, 3))
done.acquire()
print("worker total", results[0])
