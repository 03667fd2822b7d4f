"""Futures: one resolved with a result by another task, one failed with an exception; both with done callbacks.

A Future is a placeholder that some *other* code fills in. `main` waits on both; `resolver` sets a result,
`failer` (started once `main` has the first answer) sets an exception. The done callbacks run as plain event-loop
callbacks right after each resolution, before the awaiting task resumes.
"""
import asyncio


def on_done(fut):
    if fut.exception() is not None:
        print("callback: failed with", repr(fut.exception()))
    else:
        print("callback: result", fut.result())


async def resolver(fut, value):
    await asyncio.sleep(0.05)  # await: resolver-sleep
    fut.set_result(value)  # resolve: ok


async def failer(fut, go):
    await go.wait()  # await: failer-go
    await asyncio.sleep(0.05)  # await: failer-sleep
    fut.set_exception(ValueError("no luck"))  # resolve: bad


async def main():
    loop = asyncio.get_running_loop()
    ok = loop.create_future()  # future: ok
    bad = loop.create_future()  # future: bad
    ok.add_done_callback(on_done)
    bad.add_done_callback(on_done)
    t1 = asyncio.create_task(resolver(ok, 42), name="resolver")
    go = asyncio.Event()
    t2 = asyncio.create_task(failer(bad, go), name="failer")
    print("ok ->", await ok)  # await: ok
    go.set()
    try:
        await bad  # await: bad
    except ValueError as e:
        print("bad ->", repr(e))
    await asyncio.gather(t1, t2)


asyncio.run(main())
