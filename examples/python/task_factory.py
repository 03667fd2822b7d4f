"""A task factory set by the program: every task created on the loop after `set_task_factory` goes through
`logging_factory`, which records which coroutine it wraps and adds a done callback. Keyword arguments (name,
context, eager_start - they differ between Python versions) are passed straight through to asyncio.Task.
"""
import asyncio

created = []


def report_done(task):
    print(f"factory callback: {task.get_name()} finished with {task.result()}")


def logging_factory(loop, coro, **kwargs):
    created.append(coro.__qualname__)
    task = asyncio.Task(coro, loop=loop, **kwargs)
    task.add_done_callback(report_done)
    return task


async def job(n):
    await asyncio.sleep(0.01 * n)  # await: job-sleep
    return n * 10


async def main():
    asyncio.get_running_loop().set_task_factory(logging_factory)
    tasks = [asyncio.create_task(job(n), name=f"job-{n}") for n in (1, 2, 3)]
    results = await asyncio.gather(*tasks)  # await: gather-jobs
    print("results:", results)
    print("names:", [t.get_name() for t in tasks])
    print("coroutines the factory saw:", created)
    asyncio.get_running_loop().set_task_factory(None)  # back to plain tasks (asyncio.run's own cleanup tasks)


asyncio.run(main())
