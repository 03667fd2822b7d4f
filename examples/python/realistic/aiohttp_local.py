"""A realistic program: an aiohttp web server and client talking over 127.0.0.1 in one event loop.

The server listens on a free port chosen by the OS; `/slow/{n}` answers after sleeping n * 10 ms, `/count` shows how
many requests it served. The client fetches five slow pages concurrently with one ClientSession (gather), then
the counter, and shuts everything down by itself. With the argument `uvloop` it runs on uvloop's event loop, as
uvicorn and many services do. Needs aiohttp (and uvloop): Debian's python3-aiohttp / python3-uvloop, which
scripts/setup-pythons.sh installs for /usr/bin/python3 and for its CPython 3.14.
"""
import asyncio
import sys

try:
    from aiohttp import ClientSession, web
except ImportError:
    print("aiohttp_local.py needs aiohttp (Debian: apt-get install python3-aiohttp)")
    sys.exit(0)

served = {"n": 0}


async def slow_handler(request):
    n = int(request.match_info["n"])
    await asyncio.sleep(n * 0.01)  # await: server-sleep
    served["n"] += 1
    return web.json_response({"page": n})


async def count_handler(request):
    return web.Response(text=f"served {served['n']}")


async def fetch(session, base, n):
    async with session.get(f"{base}/slow/{n}") as resp:  # await: client-get
        body = await resp.json()  # await: client-body
        return body["page"]


async def main():
    app = web.Application()
    app.add_routes([web.get("/slow/{n}", slow_handler), web.get("/count", count_handler)])
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)  # port 0: the OS picks a free port
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    try:
        async with ClientSession() as session:
            pages = await asyncio.gather(*(fetch(session, base, n) for n in range(1, 6)))  # await: gather-fetch
            print("pages:", pages)
            async with session.get(f"{base}/count") as resp:
                print("server says:", await resp.text())
    finally:
        await runner.cleanup()
    print("server stopped")


if sys.argv[1:] != ["uvloop"]:
    asyncio.run(main())
elif sys.version_info >= (3, 12):
    import uvloop

    asyncio.run(main(), loop_factory=uvloop.new_event_loop)
else:
    import uvloop

    uvloop.install()
    asyncio.run(main())
