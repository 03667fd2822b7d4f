"""create_task, then await: tasks start running as soon as the loop gets control, not when awaited.

`one` and `two` are created first and run concurrently while `main` waits for `one`; by then `two` has already
finished, so `await t2` does not suspend at all. Then `three` and `four` are created and awaited one after the
other, so they never overlap.
"""
import asyncio


async def worker(name, delay):
    print(f"{name}: start")
    await asyncio.sleep(delay)  # await: worker-sleep
    print(f"{name}: end")
    return name.upper()


async def main():
    t1 = asyncio.create_task(worker("one", 0.2), name="one")  # create: one
    t2 = asyncio.create_task(worker("two", 0.1), name="two")  # create: two
    r1 = await t1  # await: await-one
    r2 = await t2  # await: await-two (already done: no suspension)
    print(r1, r2)

    # Sequential: each task is awaited before the next one is created.
    r3 = await asyncio.create_task(worker("three", 0.05), name="three")  # await: await-three
    r4 = await asyncio.create_task(worker("four", 0.05), name="four")  # await: await-four
    print(r3, r4)


asyncio.run(main())
