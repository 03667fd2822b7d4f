"""Queue with workers: three workers take items from an asyncio.Queue; main waits for the queue to drain, then
cancels the workers (they would otherwise wait on `queue.get()` forever).
"""
import asyncio


async def worker(name, queue, done):
    while True:
        item = await queue.get()  # await: queue-get
        await asyncio.sleep(0.01 * item)  # await: work-sleep
        done.append(item)
        queue.task_done()


async def main():
    queue = asyncio.Queue()
    done = []
    workers = [asyncio.create_task(worker(f"w{i}", queue, done), name=f"w{i}") for i in range(3)]
    for item in range(1, 10):
        queue.put_nowait(item)
    await queue.join()  # await: join
    await asyncio.sleep(0.1)  # await: idle-workers  (the workers sit idle on queue.get() meanwhile)
    for w in workers:
        w.cancel()  # cancel: workers
    results = await asyncio.gather(*workers, return_exceptions=True)  # await: gather-cancelled
    print("processed:", sorted(done))
    print("workers ended with:", [type(r).__name__ for r in results])


asyncio.run(main())
