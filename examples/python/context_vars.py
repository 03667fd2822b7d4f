"""Context variables and tasks: every task runs in a *copy* of the context it was created in.

`main` sets `request_id`; each handler task sees that value, sets its own, and the change stays inside the task:
`main` still sees its value afterwards. This is how per-request data (ids, loggers) flows through async code.
"""
import asyncio
import contextvars

request_id = contextvars.ContextVar("request_id", default="-")


def log(message):
    print(f"[{request_id.get()}] {message}")


async def handle(n):
    log(f"handler {n} starts")
    request_id.set(f"req-{n}")
    await asyncio.sleep(0.01 * n)  # await: handle-sleep
    log(f"handler {n} done")
    return request_id.get()


async def main():
    request_id.set("main")
    results = await asyncio.gather(handle(1), handle(2))  # await: gather
    log(f"handlers returned {results}")


asyncio.run(main())
