"""Finding: a blocked loop. `handler` calls the *blocking* `time.sleep(0.3)` inside a coroutine, so for 0.3 s
the event loop cannot run anything else - the `heartbeat` task, meant to beat every 50 ms, stalls.
(The fix: `await asyncio.sleep(0.3)`, or run blocking code with `run_in_executor`.)
"""
import asyncio
import time


async def heartbeat():
    beats = 0
    for _ in range(4):
        await asyncio.sleep(0.05)  # await: beat
        beats += 1
    return beats


async def handler():
    await asyncio.sleep(0.01)  # await: handler-sleep
    time.sleep(0.3)  # finding: blocked-loop
    return "handled"


async def main():
    print(await asyncio.gather(heartbeat(), handler()))


asyncio.run(main())
