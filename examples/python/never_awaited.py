"""Finding: a coroutine that is never awaited. `save("lost")` only creates a coroutine object; without `await`
(or create_task) its body never runs, and Python warns "coroutine 'save' was never awaited" when it is dropped.
"""
import asyncio


async def save(record):
    await asyncio.sleep(0.01)  # await: save-sleep
    print("saved", record)


async def main():
    save("lost")  # finding: never-awaited
    await save("kept")
    print("main done")


asyncio.run(main())
