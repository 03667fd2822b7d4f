"""Benchmark (per-task cost): many short tasks, each created, stepped twice and ended.

TASKS tasks, created BATCH at a time with create_task and gathered; each awaits one `asyncio.sleep(0)` and returns:
per task a creation, two steps, an end, a done callback (gather's) and a name.
Usage: short_tasks.py [TASKS] [BATCH]
"""
import asyncio
import sys

TASKS = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
BATCH = int(sys.argv[2]) if len(sys.argv) > 2 else 1000


async def job(i):
    await asyncio.sleep(0)
    return i


async def main():
    total = 0
    for start in range(0, TASKS, BATCH):
        tasks = [asyncio.create_task(job(i)) for i in range(start, min(start + BATCH, TASKS))]
        total += sum(await asyncio.gather(*tasks))
    print(TASKS, total)


asyncio.run(main())
