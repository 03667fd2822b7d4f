"""gather of sleeps: three coroutines sleep at the same time.

`asyncio.gather` wraps each coroutine in its own task, so the three sleeps overlap: the whole gather takes about as
long as the longest sleep (0.3 s), not the sum (0.6 s). In Async Lanes you see three child lanes side by side,
each idle on a sleep, under a parent lane idle on the gather.
"""
import asyncio
import time


async def fetch(name, delay):
    await asyncio.sleep(delay)  # await: fetch-sleep
    return f"{name} done"


async def main():
    started = time.perf_counter()
    results = await asyncio.gather(fetch("a", 0.1), fetch("b", 0.2), fetch("c", 0.3))  # await: gather
    elapsed = time.perf_counter() - started
    print(results)
    print("concurrent (took less than the 0.6 s sum):", elapsed < 0.6)


asyncio.run(main())  # create: main
