"""Finding: task exceptions that nobody retrieves. Two tasks raise and are never awaited:

- `dropped`: nothing keeps a reference to the task, so it is garbage-collected soon after it fails and asyncio
  logs "Task exception was never retrieved" right then;
- `kept`: the program keeps the task in a global, so it is still alive (and unretrieved) when the program exits.
"""
import asyncio
import gc

kept = None


async def fail_dropped():
    await asyncio.sleep(0.01)  # await: dropped-sleep
    raise ValueError("dropped task failed")  # raise: dropped


async def fail_kept():
    await asyncio.sleep(0.01)  # await: kept-sleep
    raise KeyError("kept task failed")  # raise: kept


async def main():
    global kept
    asyncio.create_task(fail_dropped(), name="dropped")  # create: dropped
    kept = asyncio.create_task(fail_kept(), name="kept")  # create: kept
    await asyncio.sleep(0.1)  # await: main-sleep
    gc.collect()
    print("main done; kept task done:", kept.done())


asyncio.run(main())
