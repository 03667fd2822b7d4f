"""TaskGroup with a failing child (Python 3.11+).

When `bad` raises, the TaskGroup cancels its sibling `slow` and, on leaving `async with`, raises an
ExceptionGroup holding the child's error. `main` catches it. On Python < 3.11 this example only prints a message.
"""
import asyncio
import sys


async def slow():
    await asyncio.sleep(1)  # await: slow-sleep (cancelled by the TaskGroup)
    return "never"


async def bad():
    await asyncio.sleep(0.05)  # await: bad-sleep
    raise RuntimeError("child failed")  # raise: bad


async def main():
    try:
        async with asyncio.TaskGroup() as tg:
            tg.create_task(slow(), name="slow")
            tg.create_task(bad(), name="bad")
    except ExceptionGroup as eg:  # noqa: F821 (a builtin on 3.11+)
        print("caught:", [repr(e) for e in eg.exceptions])
    return "main survived"


if sys.version_info < (3, 11):
    print("taskgroup.py needs Python 3.11+ (asyncio.TaskGroup); nothing to show on", sys.version.split()[0])
    sys.exit(0)
print(asyncio.run(main()))
