"""new_event_loop + run_until_complete, twice in a row.

Each round creates a fresh loop, runs one coroutine to completion on it (run_until_complete wraps it in a task),
and closes the loop. The two tasks run one after the other, each on its own loop.
"""
import asyncio


async def compute(x):
    await asyncio.sleep(0.05)  # await: compute-sleep
    return x * 2


for i in (1, 2):
    loop = asyncio.new_event_loop()
    try:
        print(f"round {i}:", loop.run_until_complete(compute(i)))
    finally:
        loop.close()
