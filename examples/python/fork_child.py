"""A forked child process with an event loop of its own (POSIX).

The program forks before it starts its loop. The child runs `asyncio.run` on work of its own (a gather of 200
tasks) and sends the result through a pipe; the parent's loop reads the pipe and waits for the child in the
default executor, so its loop stays free meanwhile. The child starts only when the parent's read is submitted:
a read of a pipe that already holds data can finish before `run_in_executor` returns, and then (3.14+) its future
is done at once and the parent never waits on it. Only the parent is recorded: the trace holds its task and the
executor work, none of the child's 200 tasks. Forking prints no warning here: the program has no other thread.
"""
import asyncio
import os


async def square(n):
    await asyncio.sleep(0)  # await: square-sleep
    return n * n


async def child_main(w):
    squares = await asyncio.gather(*(square(n) for n in range(200)))
    os.write(w, str(sum(squares)).encode())


async def parent_main(r, go, pid):
    loop = asyncio.get_running_loop()
    reading = loop.run_in_executor(None, os.read, r, 100)  # work: read-pipe
    os.write(go, b"go")
    data = await reading  # await: read-pipe
    _, status = await loop.run_in_executor(None, os.waitpid, pid, 0)  # await: wait-child
    print("child sent:", data.decode(), "exit status:", os.waitstatus_to_exitcode(status))


r, w = os.pipe()
ready, go = os.pipe()
pid = os.fork()
if pid == 0:
    os.close(r)
    os.close(go)
    os.read(ready, 2)
    asyncio.run(child_main(w))
    os._exit(0)
os.close(w)
os.close(ready)
asyncio.run(parent_main(r, go, pid))  # create: main
