"""Finding: a task still pending at exit. `run_until_complete(main())` returns as soon as `main` is done, while
the `waiter` task it started still waits on an Event nobody sets; the loop is closed without cancelling it.
When the forgotten task is finally destroyed, asyncio reports "Task was destroyed but it is pending!" through
the loop's exception handler (here a small one that prints the message).
"""
import asyncio
import gc

waiter_task = None


async def waiter(event):
    print("waiter: waiting for the event")
    await event.wait()  # finding: pending-at-exit
    print("waiter: never printed")


async def main():
    global waiter_task
    event = asyncio.Event()
    waiter_task = asyncio.get_running_loop().create_task(waiter(event), name="waiter")
    await asyncio.sleep(0.05)  # await: main-sleep
    print("main done")


def exception_handler(loop, context):
    print("loop exception handler:", context["message"])


loop = asyncio.new_event_loop()
loop.set_exception_handler(exception_handler)
loop.run_until_complete(main())
loop.close()
print("loop closed; waiter done:", waiter_task.done())
waiter_task = None
gc.collect()  # the forgotten task (kept alive by a reference cycle) is destroyed here
print("end of program")
