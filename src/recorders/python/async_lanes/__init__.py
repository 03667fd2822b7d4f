"""Async Lanes recorder for Python asyncio (CPython 3.9-3.15, standard library only).

Usage::

    python -m async_lanes run [-o FILE] [--block-threshold MS] script.py [args...]
    python -m async_lanes run [-o FILE] [--block-threshold MS] -m module [args...]

Runs the program as `python script.py` / `python -m module` would (argv, sys.path[0],
__main__, output, tracebacks, exit status, death by SIGINT, how deep it can recurse: _depth.py) and writes a `.lanes` trace
(docs/trace-format.md; default `<cwd>/<stem>.lanes`).  Prints nothing itself, except a
one-line `async-lanes: ...` error (exit 2) for bad arguments or a missing script.

How it records (_rec.py: the per-step core; _life.py: start, hand-over to the writer, exit, fork;
_sites.py: program or library code, code objects, bounded reprs):

- tasks: `BaseEventLoop.create_task` wraps the coroutine in a proxy (3.9-3.13); each send/throw of
  the proxy is one step (one Python frame per step; 3.14+: no proxy, the task keeps its own coroutine
  (`python -m asyncio ps` reads it from outside) and a step is timed around the task's step callback
  in `Handle._run`, an eager first step around `create_task`; timed with perf_counter_ns; the await
  site is the innermost program frame of the await chain, through library frames and async
  generators (asend/athrow), read as (code, f_lasti) and turned into a line by the writer;
  "program" = not the stdlib, not installed packages (site-/dist-packages), not the recorder;
  with no program frame, the innermost library frame); task factories set by the program are
  untouched; names set after create_task returns (3.9-3.12 asyncio.create_task, TaskGroup)
  are written at once.
- futures: `asyncio.Future` / `futures.Future` (used by loop.create_future) is a slotted
  subclass recording creation (kind from the creating code), resolution and resolver.
- callbacks: `Handle._run` is replaced by an equivalent (compiled with events.py's name and
  line numbers, so tracebacks read the same) that times only non-step callbacks.
- blocked loop: a watchdog thread samples the loop thread's stack while one step/callback
  runs past the threshold.
- writing: hot paths append to a list; a thread marshals it to a pipe at least every 100 ms;
  a writer process (_writer.py, forked before the program starts and detached) formats the
  NDJSON on the other core and appends it to the trace.  A killed program loses only what was
  not yet piped (< 100 ms).
- optional C accelerator (_speedups.c, _native.py): the same proxy and step formatting in C,
  same records.  Built in the background after a first run (needs a C compiler and Python.h),
  cached per interpreter in ~/.cache/async-lanes; anything missing or failing means pure
  Python.  ASYNC_LANES_NATIVE=0 forces pure Python, =1 requires the accelerator.
"""
