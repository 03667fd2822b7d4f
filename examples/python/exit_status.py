"""A command-line tool's exit status, decided inside the event loop.

`main` runs a check as a task and exits with the status it returns: an `IntEnum`, passed to `sys.exit` inside the
coroutine. `SystemExit` ends the task, leaves `asyncio.run` and sets the process's exit status (3 here), exactly as
without the loop. The task is named with a `str` subclass, as libraries with their own string types do. Nothing in
the trace is lost to such values: the task keeps its name and the trace ends with the exit status.
"""
import asyncio
import enum
import sys


class Status(enum.IntEnum):
    OK = 0
    PARTIAL = 3


class Label(str):
    """A string type of the program's own."""


async def check(items):
    await asyncio.sleep(0.01)  # await: check-sleep
    return Status.PARTIAL if "broken" in items else Status.OK


async def main():
    task = asyncio.create_task(check(["a", "broken", "c"]), name=Label("check-items"))  # create: check
    status = await task  # await: check-task
    print("status:", status.name, int(status), "task:", task.get_name())
    sys.exit(status)


asyncio.run(main())
