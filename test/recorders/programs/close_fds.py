# Closes every inherited descriptor above 2, as daemons do, then writes files of its own: `module` before the loop
# starts, `task` inside a coroutine (keeping the loop's own descriptors), after tasks named before-0..9 have run.
# Prints its descriptors at the end. Usage: close_fds.py module|task DIR
import asyncio
import os
import sys

WHEN, DIR = sys.argv[1], sys.argv[2]


def close_inherited(keep=()):
    for fd in range(3, 1024):
        if fd not in keep:
            try:
                os.close(fd)
            except OSError:
                pass


async def spin(n):
    for _ in range(n):
        await asyncio.sleep(0)


async def main():
    await asyncio.gather(*(asyncio.create_task(spin(20), name='before-%d' % i) for i in range(10)))
    await asyncio.sleep(0.3)  # (handed to the recorder's writer by now)
    if WHEN == 'task':
        loop = asyncio.get_running_loop()
        close_inherited({loop._selector.fileno(), loop._ssock.fileno(), loop._csock.fileno()})
    with open(os.path.join(DIR, 'a.txt'), 'w') as a, open(os.path.join(DIR, 'b.bin'), 'wb') as b:
        for i in range(60):
            # thousands of steps between writes: the recorder hands over many times meanwhile
            await asyncio.gather(*(spin(50) for _ in range(20)))
            a.write('line %d\n' % i)
            a.flush()
            b.write(bytes([i]) * 100)
    print('fds', sorted(int(fd) for fd in os.listdir('/proc/self/fd')))


if WHEN == 'module':
    close_inherited()
    with open(os.path.join(DIR, 'early.txt'), 'w') as f:
        f.write('early\n')
asyncio.run(main())
print('done')
