"""An exception inside a plain event-loop callback: the loop does not stop. It hands the error to its exception
handler (the default one logs "Exception in callback ..." with a traceback on stderr) and goes on with the next
callback.
"""
import asyncio


def fragile(n):
    print("fragile callback", n)
    if n == 2:
        raise ZeroDivisionError("callback 2 failed")  # raise: callback


async def main():
    loop = asyncio.get_running_loop()
    for n in (1, 2, 3):
        loop.call_soon(fragile, n)  # schedule: fragile
    await asyncio.sleep(0.05)  # await: main-sleep
    print("main is still fine")


asyncio.run(main())
