"""Semaphore throttling: six downloads, at most two at a time.

All six tasks start at once; the first two get the semaphore, the others wait in `async with sem` until a slot
is released. Downloads 2-3 wait about one round (0.1 s), downloads 4-5 about two rounds.
"""
import asyncio


async def download(sem, i, stats):
    async with sem:  # await: acquire
        stats["active"] += 1
        stats["peak"] = max(stats["peak"], stats["active"])
        await asyncio.sleep(0.1)  # await: download-sleep
        stats["active"] -= 1
    return i


async def main():
    sem = asyncio.Semaphore(2)
    stats = {"active": 0, "peak": 0}
    results = await asyncio.gather(*(download(sem, i, stats) for i in range(6)))  # await: gather
    print("results:", results)
    print("peak concurrency:", stats["peak"])


asyncio.run(main())
