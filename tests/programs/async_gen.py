"""Async generators, async for, async with."""
import asyncio


class Resource:
    def __init__(self, name):
        self.name = name
        self.open = False

    async def __aenter__(self):
        self.open = True
        return self

    async def __aexit__(self, *exc):
        self.open = False
        return False


async def ticks(n):
    for i in range(n):
        await asyncio.sleep(0)
        yield i * 10


async def main():
    seen = []
    async with Resource("r") as r:
        async for t in ticks(3):
            seen.append((r.name, t))
    return seen


print(asyncio.run(main()))
print("EXIT-SUCCESS")
