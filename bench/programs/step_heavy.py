"""Benchmark (worst case for the recorder): every await is a step.

TASKS tasks each do STEPS `await asyncio.sleep(0)`.  Usage: step_heavy.py [TASKS] [STEPS]
"""
import asyncio
import sys

TASKS = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
STEPS = int(sys.argv[2]) if len(sys.argv) > 2 else 50


async def worker(i):
    total = 0
    for n in range(STEPS):
        await asyncio.sleep(0)
        total += n
    return total


async def main():
    tasks = [asyncio.create_task(worker(i)) for i in range(TASKS)]
    results = await asyncio.gather(*tasks)
    print(len(results), sum(results))


asyncio.run(main())
