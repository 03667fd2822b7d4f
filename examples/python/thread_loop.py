"""A loop in another thread: a background thread runs its own event loop; the main thread's loop submits
coroutines to it with `run_coroutine_threadsafe` and awaits the results with `wrap_future`.

The three `square_slowly` tasks live on the background loop and run concurrently there.
"""
import asyncio
import threading


def start_background_loop():
    loop = asyncio.new_event_loop()
    ready = threading.Event()

    def run():
        asyncio.set_event_loop(loop)
        loop.call_soon(ready.set)
        loop.run_forever()

    thread = threading.Thread(target=run, name="background-loop")
    thread.start()
    ready.wait()
    return loop, thread


async def square_slowly(x):
    await asyncio.sleep(0.05)  # await: bg-sleep
    return x * x, threading.current_thread().name


async def main(bg_loop):
    futures = [
        asyncio.wrap_future(asyncio.run_coroutine_threadsafe(square_slowly(i), bg_loop))  # submit: bg
        for i in range(3)
    ]
    results = await asyncio.gather(*futures)  # await: gather-threadsafe
    print(results)


bg_loop, bg_thread = start_background_loop()
try:
    asyncio.run(main(bg_loop))
finally:
    bg_loop.call_soon_threadsafe(bg_loop.stop)
    bg_thread.join()
    bg_loop.close()
print("background loop closed")
