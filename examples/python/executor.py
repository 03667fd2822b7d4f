"""run_in_executor: a blocking function runs on a worker thread while the event loop keeps ticking.

`blocking_work` sleeps 0.3 s with `time.sleep` - on the loop that would freeze every task, but in the default
ThreadPoolExecutor it only makes `main` wait (idle on the executor future) while `ticker` keeps running.
"""
import asyncio
import time


def blocking_work(n):
    time.sleep(0.3)  # work: blocking
    return sum(range(n))


async def ticker(stop):
    ticks = 0
    while not stop.is_set():
        await asyncio.sleep(0.03)  # await: tick
        ticks += 1
    return ticks


async def main():
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    tick_task = asyncio.create_task(ticker(stop), name="ticker")
    result = await loop.run_in_executor(None, blocking_work, 1000)  # await: executor
    stop.set()
    ticks = await tick_task
    print("result:", result)
    print("ticker kept running meanwhile:", ticks >= 2)  # (blocked on the loop, it would tick 0 times)


asyncio.run(main())
