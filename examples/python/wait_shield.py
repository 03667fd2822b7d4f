"""asyncio.wait and asyncio.shield.

- Race: two mirrors are asked at once; `asyncio.wait(..., return_when=FIRST_COMPLETED)` returns as soon as the fast
  one answers, and `main` cancels the slow one.
- Shield: `wait_for(shield(saver), 0.03)` gives up waiting after 30 ms, but the shield keeps the save task itself
  from being cancelled; `main` collects its result later. (The save takes 0.5 s, long beside the 30 ms, so that
  the order is the same on a busy machine.)
"""
import asyncio


async def mirror(name, delay):
    await asyncio.sleep(delay)  # await: mirror-sleep
    return name


async def save(log):
    await asyncio.sleep(0.5)  # await: save-sleep
    log.append("saved")
    return "save done"


async def main():
    fast = asyncio.create_task(mirror("fast", 0.05), name="fast")
    slow = asyncio.create_task(mirror("slow", 1.0), name="slow")
    done, pending = await asyncio.wait({fast, slow}, return_when=asyncio.FIRST_COMPLETED)  # await: wait
    print("first answer:", [t.result() for t in done])
    for task in pending:
        task.cancel()  # cancel: slow
    await asyncio.wait(pending)  # await: wait-cancelled
    print("slow cancelled:", slow.cancelled())

    log = []
    saver = asyncio.create_task(save(log), name="saver")
    try:
        await asyncio.wait_for(asyncio.shield(saver), 0.03)  # await: shield
    except asyncio.TimeoutError:
        print("stopped waiting; the save goes on:", not saver.done())
    print(await saver, log)  # await: saver


asyncio.run(main())
