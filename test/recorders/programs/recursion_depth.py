# How deep the program can nest calls before RecursionError, at module level and inside a task, under the limit given
# (argv[1]), and what sys.getrecursionlimit/setrecursionlimit answer, errors included.
import asyncio
import sys


def deepest(n=0):
    try:
        return deepest(n + 1)
    except RecursionError:
        return n


def too_low(n):
    if n:
        return too_low(n - 1)
    try:
        sys.setrecursionlimit(5)
    except RecursionError as e:
        return 'RecursionError: %s' % e


print('limit at start', sys.getrecursionlimit())
for bad in (1.5, 0, '7'):
    try:
        sys.setrecursionlimit(bad)
    except Exception as e:
        print('setrecursionlimit(%r): %s: %s' % (bad, type(e).__name__, e))
sys.setrecursionlimit(int(sys.argv[1]))
print('limit', sys.getrecursionlimit())
print('module level', deepest())
print('too low', too_low(10))


async def child():
    return deepest()


async def main():
    print('in a task', deepest())
    print('in a child task', await asyncio.create_task(child()))
    print('in a task: limit', sys.getrecursionlimit())
    sys.setrecursionlimit(sys.getrecursionlimit() + 10)
    print('in a task: limit raised by 10', sys.getrecursionlimit(), deepest())
    await asyncio.sleep(0)
    print('in a task, its next step', sys.getrecursionlimit(), deepest())

asyncio.run(main())
print('after the loop: limit', sys.getrecursionlimit())
print('after the loop', deepest())
