"""Benchmark (the shape of a real service): many short tasks, each awaiting through a call chain.

TASKS request tasks (at most 100 running at once, through a semaphore) each make 5-20 awaits, and every await
goes through a chain of 3-8 coroutines (a handler calling a service calling a repository calling a client...) down
to an `asyncio.sleep(0)`: every await is a step, and each step resumes a deep coroutine stack.
Usage: service_chain.py [TASKS]   (deterministic: the counts come from the task's number)
"""
import asyncio
import sys

TASKS = int(sys.argv[1]) if len(sys.argv) > 1 else 5000


async def client(n):
    await asyncio.sleep(0)
    return n


async def layer(depth, n):
    if depth == 0:
        return await client(n)
    return await layer(depth - 1, n) + 1


async def handle(i, limit):
    async with limit:
        calls = 5 + i % 16  # 5-20 awaits
        depth = 2 + i % 6  # 3-8 coroutines deep with the client
        total = 0
        for n in range(calls):
            total += await layer(depth, n)
        return total


async def main():
    limit = asyncio.Semaphore(100)
    results = await asyncio.gather(*(handle(i, limit) for i in range(TASKS)))
    print(len(results), sum(results))


asyncio.run(main())
