"""uvloop: its Loop is a Python subclass of a Cython loop that does not inherit asyncio's BaseEventLoop, so the
recorder's patches of BaseEventLoop do not reach it, and its handles run callbacks in C (no Handle._run to time).
When the program imports uvloop, the recorder puts on uvloop.Loop:

- create_task: the recorder's (tasks, their parents and creation sites; through any task factory the program set);
- call_soon: callbacks run through a small wrapper that times them as Handle._run does on asyncio's loop (plain
  callbacks, and on 3.14+ the task steps: there is no coroutine proxy there); with the C accelerator, the wrapper
  and call_soon itself are C (_speedups.uv_call_soon), the callback run inside _run;
- call_later / call_at: the same, marked as timers (a future resolved in one was resolved by the timer).

What uvloop runs in C without calling back into Python's loop methods (its I/O callbacks into protocols) is not
timed as a callback; a future resolved there is resolved by I/O (`via` "io").
The loop's futures are the recorder's: uvloop takes asyncio.Future and events._set_running_loop when it is imported,
after the recorder replaced them.
"""
import importlib.machinery
import sys
import types
from asyncio import events

from async_lanes import _rec, _sites

_done = [False]


class _Finder:
    """Patches uvloop right after the program imports it (nothing is imported that the program does not)."""

    def find_spec(self, name, path, target=None):
        if name != 'uvloop' or _done[0]:
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        loader = getattr(spec, 'loader', None) if spec is not None else None
        if loader is None or not hasattr(loader, 'exec_module'):
            return None
        orig_exec = loader.exec_module

        def exec_module(module):
            orig_exec(module)
            try:
                patch(module)
            except Exception:
                pass

        loader.exec_module = exec_module
        return spec


def _hooks():
    """What Handle._run calls around a callback (_rec._make_handle_run): the C accelerator's when it is used (the
    Python functions are their fallbacks, record for record)."""
    nat = _rec._nat
    if _rec._NOPROXY:
        return (nat.begin, nat.done) if nat is not None else (_rec._cb_start_np, _rec._cb_done_np)
    return (nat.cb_begin, nat.cb_end) if nat is not None else (_rec._cb_start, _rec._cb_done)


def _timed(cb, handle, start, done):
    """`cb` run the way Handle._run runs a callback: timed (a `cb` record, or on 3.14+ a task's step), with the
    running callback known to the watchdog and to whoever resolves a future meanwhile."""
    handle._callback = cb

    def run(*args):
        tok = start(handle)
        if tok is None:
            return cb(*args)
        try:
            return cb(*args)
        finally:
            done(tok)

    return run


def _make_call_soon(orig, start, done):
    """uvloop's call_soon with the callback timed: _timed inlined (one Python call fewer: call_soon runs for every
    step of a task and every future's callback)."""
    new = events.Handle.__new__
    Handle = events.Handle

    def call_soon(self, callback, *args, context=None):
        handle = new(Handle)
        handle._callback = callback

        def run(*a):
            tok = start(handle)
            if tok is None:
                return callback(*a)
            try:
                return callback(*a)
            finally:
                done(tok)

        return orig(self, run, *args, context=context)

    return call_soon


def _run(cb, *args):
    """What the C accelerator's call_soon (_speedups.uv_call_soon) runs a timed callback in: a frame of the
    recorder's, as the Python wrappers' `run`."""
    return cb(*args)


def _inner_code(fn):
    return next(c for c in fn.__code__.co_consts if isinstance(c, types.CodeType))


# the wrappers' frames are the recorder's: a sampled stack stops there
_RUN_CODES = (_inner_code(_timed), _inner_code(_make_call_soon(None, None, None)), _run.__code__)


def patch(uvloop):
    if _done[0]:
        return
    loop_class = uvloop.Loop
    make = _rec._make_create_task_np if _rec._NOPROXY else _rec._make_create_task
    loop_class.create_task = make(loop_class.create_task)
    start, done = _hooks()
    orig_later = loop_class.call_later
    orig_at = loop_class.call_at
    TimerHandle = events.TimerHandle
    timed_code = _RUN_CODES[0]

    def timer(cb):
        # (uvloop's call_at calls call_later: a callback is timed once, not also as a callback named `run`)
        if getattr(cb, '__code__', None) is timed_code:
            return cb
        return _timed(cb, TimerHandle.__new__(TimerHandle), start, done)

    def call_later(self, delay, callback, *args, context=None):
        return orig_later(self, delay, timer(callback), *args, context=context)

    def call_at(self, when, callback, *args, context=None):
        return orig_at(self, when, timer(callback), *args, context=context)

    _rec._C_IO_LOOPS.add(loop_class)
    nat = _rec._nat
    if nat is not None:
        loop_class.call_soon = nat.uv_call_soon(loop_class, loop_class.call_soon, _run, _rec._treg)
    else:
        loop_class.call_soon = _make_call_soon(loop_class.call_soon, start, done)
    loop_class.call_later = call_later
    loop_class.call_at = call_at
    for co in _RUN_CODES:
        _rec._STOP_CODES.add(co)
        _sites._lib[id(co)] = _sites._STOP
        _sites._lib_keep[id(co)] = co
    _done[0] = True


def install():
    """Patches uvloop now if the program has imported it already, else when it does."""
    mod = sys.modules.get('uvloop')
    if mod is not None and hasattr(mod, 'Loop'):
        patch(mod)
    else:
        sys.meta_path.insert(0, _Finder())
