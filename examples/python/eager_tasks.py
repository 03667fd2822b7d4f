"""Eager tasks (Python 3.12+): with `asyncio.eager_task_factory`, create_task runs the coroutine's first step
immediately, inside create_task. A coroutine that never suspends (a cache hit) is finished before create_task
returns and never goes through the loop's ready queue.
"""
import asyncio
import sys

cache = {}


async def lookup(key):
    if key in cache:
        return cache[key]  # return: cache-hit
    await asyncio.sleep(0.05)  # await: cache-miss
    cache[key] = key.upper()
    return cache[key]


async def main():
    asyncio.get_running_loop().set_task_factory(asyncio.eager_task_factory)
    miss = asyncio.create_task(lookup("a"), name="miss")
    print("miss done right after create_task:", miss.done())
    print("miss:", await miss)
    hit = asyncio.create_task(lookup("a"), name="hit")
    print("hit done right after create_task:", hit.done())
    print("hit:", await hit)


if sys.version_info < (3, 12):
    print("eager_tasks.py needs Python 3.12+ (asyncio.eager_task_factory); nothing to show on",
          sys.version.split()[0])
    sys.exit(0)
asyncio.run(main())
