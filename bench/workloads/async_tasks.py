"""An asyncio program: producer and consumer tasks over queues, gathered
workers awaiting sleeps of zero, and a semaphore. Coroutine frames are
suspended and resumed many times."""
import asyncio
from _scale import scaled


async def producer(q, n, tag):
    for i in range(n):
        await q.put((tag, i))
    await q.put(None)


async def consumer(q, results):
    total = 0
    while True:
        item = await q.get()
        if item is None:
            break
        tag, i = item
        total += (i * tag) % 11
    results.append(total)


async def worker(sem, k):
    async with sem:
        acc = 0
        for j in range(20):
            acc += j * k
            if j % 5 == 0:
                await asyncio.sleep(0)
        return acc


async def main(rounds):
    out = 0
    for r in range(rounds):
        results = []
        qs = [asyncio.Queue(maxsize=16) for _ in range(4)]
        await asyncio.gather(*[producer(q, 1000, t + 1) for t, q in enumerate(qs)],
                             *[consumer(q, results) for q in qs])
        sem = asyncio.Semaphore(8)
        vals = await asyncio.gather(*[worker(sem, k) for k in range(300)])
        out += sum(results) + sum(vals)
    return out


print(asyncio.run(main(scaled(26))))
