"""async/await under asyncio: coroutines awaiting each other, gather."""
import asyncio


async def square(x):
    await asyncio.sleep(0)
    y = x * x
    return y


async def total(n):
    parts = await asyncio.gather(*(square(i) for i in range(n)))
    s = 0
    for p in parts:
        s += p
    return s


async def main():
    first = await square(7)
    whole = await total(4)
    return first, whole


print(asyncio.run(main()))
print("EXIT-SUCCESS")
