"""What asyncio itself can tell you about running tasks: `asyncio.all_tasks()`, `asyncio.current_task()`,
`Task.get_name()`, `Task.get_coro()` and `Task.get_stack()` - a snapshot of which task waits where, at one
moment. (Async Lanes records the same thing continuously.)
"""
import asyncio


async def worker(delay):
    await asyncio.sleep(delay)  # await: worker-sleep
    return delay


async def main():
    me = asyncio.current_task()
    workers = [asyncio.create_task(worker(d), name=f"worker-{d}") for d in (0.05, 0.1)]
    await asyncio.sleep(0.01)  # await: let-them-start
    for task in sorted(asyncio.all_tasks(), key=lambda t: t.get_name()):
        marker = "(me)" if task is me else ""
        print(task.get_name(), task.get_coro().__qualname__, marker)
    for frame in workers[0].get_stack():
        print(f"{workers[0].get_name()} is suspended in {frame.f_code.co_name}() at line {frame.f_lineno}")
    print("results:", await asyncio.gather(*workers))  # await: gather


asyncio.run(main())
