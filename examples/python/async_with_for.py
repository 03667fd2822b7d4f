"""async with / async for: asynchronous context managers, iterators and generators.

`__aenter__`, `__aexit__`, `__anext__` and the async generator body all run inside the awaiting task - no extra
tasks are created. Async Lanes attributes each wait to the innermost line of your code (the sleep inside
`__aenter__`, the generator, ...), not to the `async with` / `async for` line.
"""
import asyncio


class Connection:
    async def __aenter__(self):
        await asyncio.sleep(0.02)  # await: aenter
        print("connection open")
        return self

    async def __aexit__(self, exc_type, exc, tb):
        await asyncio.sleep(0.02)  # await: aexit
        print("connection closed")
        return False


class Ticks:
    """An asynchronous iterator written by hand."""

    def __init__(self, n):
        self.n = n

    def __aiter__(self):
        return self

    async def __anext__(self):
        if self.n == 0:
            raise StopAsyncIteration
        self.n -= 1
        await asyncio.sleep(0.01)  # await: anext
        return f"tick {self.n}"


async def countdown(n):
    """An asynchronous generator."""
    for i in range(n, 0, -1):
        await asyncio.sleep(0.01)  # await: agen
        yield i


async def main():
    async with Connection():
        async for i in countdown(3):
            print("countdown", i)
        async for tick in Ticks(2):
            print(tick)


asyncio.run(main())
