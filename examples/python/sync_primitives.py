"""Lock, Event and Condition.

- Lock: three tasks increment a shared counter with a sleep in between read and write; the lock serialises them,
  so the result is 3 (without it, it would be 1).
- Event: `waiter` blocks on `event.wait()` until `main` sets the event.
- Condition: `consumer` waits on the condition until `producer` appends an item and notifies.
"""
import asyncio


async def locked_increment(lock, counter):
    async with lock:  # await: lock-acquire
        value = counter["n"]
        await asyncio.sleep(0.02)  # await: lock-held
        counter["n"] = value + 1


async def waiter(event):
    await event.wait()  # await: event-wait
    return "event seen"


async def consumer(cond, items):
    async with cond:
        await cond.wait_for(lambda: items)  # await: cond-wait
        return items.pop()


async def producer(cond, items):
    await asyncio.sleep(0.05)  # await: producer-sleep
    async with cond:
        items.append("item")
        cond.notify_all()


async def main():
    lock = asyncio.Lock()
    counter = {"n": 0}
    await asyncio.gather(*(locked_increment(lock, counter) for _ in range(3)))
    print("counter:", counter["n"])

    event = asyncio.Event()
    w = asyncio.create_task(waiter(event), name="waiter")
    await asyncio.sleep(0.05)
    event.set()  # set: event
    print("waiter:", await w)

    cond = asyncio.Condition()
    items = []
    got, _ = await asyncio.gather(consumer(cond, items), producer(cond, items))
    print("consumer got:", got)


asyncio.run(main())
