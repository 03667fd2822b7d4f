"""Tasks constructed directly, `asyncio.Task(coro, loop=loop)`, not through the loop's create_task (aiohttp 3.10+
makes its connection and request handler tasks so on 3.12+, with eager_start=True: the first step then runs at once,
inside the constructor). The recorder sees them as it sees the others.
"""
import asyncio
import sys

EAGER = {"eager_start": True} if sys.version_info >= (3, 12) else {}  # (eager_start: 3.12+)


async def fetch(n):
    await asyncio.sleep(0.02 * n)  # await: direct-sleep
    return n * 10


async def main():
    loop = asyncio.get_running_loop()
    plain = asyncio.Task(fetch(1), loop=loop, name="plain")  # create: plain
    eager = asyncio.Task(fetch(2), loop=loop, name="eager", **EAGER)  # create: eager
    print("results:", await plain, await eager)


asyncio.run(main())
