"""TCP streams: an echo server and three clients on 127.0.0.1, all in one event loop.

`asyncio.start_server` runs `handle` in a new task for every connection; the clients (gathered) send two lines
each and wait for the upper-cased echo. The waits on `readline()` are waits on the network (I/O), not on timers.
The port is picked by the OS, so nothing else on the machine is disturbed.
"""
import asyncio


async def handle(reader, writer):
    while True:
        line = await reader.readline()  # await: server-read
        if not line:
            break
        await asyncio.sleep(0.02)  # await: server-think
        writer.write(line.upper())
        await writer.drain()
    writer.close()


async def client(port, name, count):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    replies = []
    for i in range(count):
        writer.write(f"{name} says {i}\n".encode())
        await writer.drain()
        replies.append((await reader.readline()).decode().strip())  # await: client-read
    writer.close()
    return replies


async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        results = await asyncio.gather(*(client(port, name, 2) for name in ("a", "b", "c")))  # await: gather
    for replies in results:
        print(replies)


asyncio.run(main())
