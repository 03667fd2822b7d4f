"""An exception nobody catches, and command-line arguments.

`main` parses its arguments concurrently (one task per argument, gathered). The argument "x" makes one task fail,
after the numbers are parsed (a word takes longer); gather passes the ValueError on to `main`, it propagates out of
`asyncio.run`, Python prints the traceback and the program exits with status 1. Run it as: python uncaught_exception.py 1 x 3
"""
import asyncio
import os
import sys


async def parse(text):
    await asyncio.sleep(0.01 if text.isdigit() else 0.3)  # await: parse-sleep
    return int(text)  # raise: parse


async def main(args):
    print("script:", os.path.basename(__file__), "args:", args)
    numbers = await asyncio.gather(*(parse(a) for a in args))  # await: gather
    print("sum:", sum(numbers))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:]))
