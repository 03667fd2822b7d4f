"""Timeouts: asyncio.wait_for (all versions) and asyncio.timeout (Python 3.11+).

`wait_for(quick(), 0.5)` finishes in time; `wait_for(slow(), 0.1)` cancels `slow` and raises TimeoutError.
On Python <= 3.11 wait_for runs the coroutine in a separate task; from 3.12 on it runs it inside the caller.
`async with asyncio.timeout(0.1)` cancels the current task's await when the deadline passes.
"""
import asyncio
import sys


async def quick():
    await asyncio.sleep(0.01)  # await: quick-sleep
    return "quick result"


async def slow():
    await asyncio.sleep(1)  # await: slow-sleep
    return "never"


async def main():
    print(await asyncio.wait_for(quick(), 0.5))  # await: wait_for-ok
    try:
        await asyncio.wait_for(slow(), 0.1)  # await: wait_for-timeout
    except asyncio.TimeoutError:
        print("wait_for: timed out")
    if sys.version_info >= (3, 11):
        try:
            async with asyncio.timeout(0.1):
                await asyncio.sleep(1)  # await: timeout-sleep
        except TimeoutError:
            print("timeout(): deadline passed")
    else:
        print("timeout(): needs Python 3.11+, skipped")


asyncio.run(main())
