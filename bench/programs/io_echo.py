"""Benchmark (I/O-bound): an asyncio TCP echo server and clients on 127.0.0.1.

CLIENTS clients each send MESSAGES small lines and wait for each echo; with `uvloop`, on uvloop's loop.
Usage: io_echo.py [CLIENTS] [MESSAGES] [uvloop]
"""
import asyncio
import sys

CLIENTS = int(sys.argv[1]) if len(sys.argv) > 1 else 10
MESSAGES = int(sys.argv[2]) if len(sys.argv) > 2 else 1000


async def handle(reader, writer):
    while True:
        line = await reader.readline()
        if not line:
            break
        writer.write(line)
        await writer.drain()
    writer.close()
    await writer.wait_closed()


async def client(port, n):
    reader, writer = await asyncio.open_connection('127.0.0.1', port)
    got = 0
    for i in range(MESSAGES):
        writer.write(b'message %d from client %d\n' % (i, n))
        await writer.drain()
        line = await reader.readline()
        got += len(line)
    writer.close()
    await writer.wait_closed()
    return got


async def main():
    server = await asyncio.start_server(handle, '127.0.0.1', 0)
    port = server.sockets[0].getsockname()[1]
    results = await asyncio.gather(*(client(port, n) for n in range(CLIENTS)))
    server.close()
    await server.wait_closed()
    print(CLIENTS, sum(results))


if sys.argv[3:] != ['uvloop']:
    asyncio.run(main())
elif sys.version_info >= (3, 12):
    import uvloop

    asyncio.run(main(), loop_factory=uvloop.new_event_loop)
else:
    import uvloop

    uvloop.install()
    asyncio.run(main())
