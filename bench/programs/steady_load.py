"""Benchmark (a service under steady load for a long time): every 10 ms a batch of short request tasks starts.

Each request goes through a short call chain to a queue served by worker tasks, waits for its answer on a Future,
and sometimes times out or fails; a semaphore limits how many run at once. Nothing the program keeps grows: what a
recorder adds to memory over time is the recorder's own.
Usage: steady_load.py SECONDS [REQUESTS_PER_BATCH]
"""
import asyncio
import sys

SECONDS = float(sys.argv[1]) if len(sys.argv) > 1 else 60.0
BATCH = int(sys.argv[2]) if len(sys.argv) > 2 else 20


async def worker(queue):
    while True:
        n, fut = await queue.get()
        await asyncio.sleep(0)
        if not fut.done():
            if n % 97 == 0:
                fut.set_exception(ValueError(n))
            else:
                fut.set_result(n * 2)
        queue.task_done()


async def client(queue, n):
    fut = asyncio.get_running_loop().create_future()
    await queue.put((n, fut))
    return await asyncio.wait_for(fut, 1.0)


async def service(queue, n):
    total = 0
    for k in range(5):
        await asyncio.sleep(0)
        total += await client(queue, n + k)
    return total


async def request(queue, limit, n):
    async with limit:
        try:
            return await service(queue, n)
        except ValueError:
            return -1


async def main():
    loop = asyncio.get_running_loop()
    queue = asyncio.Queue(maxsize=200)
    limit = asyncio.Semaphore(50)
    workers = [asyncio.create_task(worker(queue), name=f'worker-{i}') for i in range(8)]
    end = loop.time() + SECONDS
    n = 0
    pending = set()
    while loop.time() < end:
        for _ in range(BATCH):
            t = asyncio.create_task(request(queue, limit, n))
            pending.add(t)
            t.add_done_callback(pending.discard)
            n += 1
        await asyncio.sleep(0.01)
    await asyncio.gather(*pending)
    for w in workers:
        w.cancel()
    await asyncio.gather(*workers, return_exceptions=True)
    print('requests', n)


asyncio.run(main())
