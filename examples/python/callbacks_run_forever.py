"""Plain callbacks: loop.call_soon, loop.call_later, run_forever and stop - no tasks at all.

The loop runs `say` first (call_soon), then `tick` three times 50 ms apart (call_later, rescheduling itself), then
`stop_loop` calls `loop.stop()`, which makes `run_forever` return.
"""
import asyncio


def say(message):
    print(message)


def tick(loop, n):
    print("tick", n)
    if n < 3:
        loop.call_later(0.05, tick, loop, n + 1)  # schedule: tick
    else:
        loop.call_soon(stop_loop, loop)  # schedule: stop


def stop_loop(loop):
    print("stopping the loop")
    loop.stop()


loop = asyncio.new_event_loop()
loop.call_soon(say, "hello from call_soon")  # schedule: say
loop.call_later(0.01, tick, loop, 1)  # schedule: first-tick
try:
    loop.run_forever()
finally:
    loop.close()
print("loop closed")
