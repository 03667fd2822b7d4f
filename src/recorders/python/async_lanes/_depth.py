"""The recursion limit as the program has it plain.  The recorder's launch (runpy, async_lanes'
__main__, _cli.main, an exec) runs below the program's first frame: the program would hit
RecursionError that many calls earlier (4-6, by version).  The launch cannot go (the exit is
recorded around the program), so the interpreter's limit is raised by what it costs, measured
(Probe), and sys.getrecursionlimit/setrecursionlimit show and take the program's own limit.
A task's steps through the pure recorder's proxy (3.9-3.13 without the C accelerator) run 1-2
calls deeper than plain: the proxy raises the limit by that while a step runs (STEPS holds what
the steps under way cost, in every thread; the wrappers leave it out).
Not equal yet: other threads start at the bottom as plain, so they may nest that many calls
deeper (and more while a task's step runs: the limit is the interpreter's); an error of the
wrappers, printed by the program itself, shows one frame of the recorder.  (The C proxy's steps
nest as deep as plain: see proxy_step in _speedups.c.)"""

import operator
import re
import sys
import _thread

get_limit = sys.getrecursionlimit  # (the interpreter's own, unwrapped)
set_limit = sys.setrecursionlimit
_INT_MAX = (1 << 31) - 1
_TOO_LOW = re.compile(r'(.* to )(\d+)( at the recursion depth )(\d+)(.*)', re.S)
STEPS = []  # per task step under way through the pure proxy, the calls it costs (list.append/pop: atomic)
_cost = [0, 0]  # calls the launch costs, calls a step through the pure proxy costs


def probe():
    """How many calls can still nest here."""
    try:
        return probe() + 1
    except RecursionError:
        return 0


def _entry(g):
    g['n'] = probe()
    g['done']()


class Probe:
    """How many fewer calls the program can nest than plain: plain, the interpreter calls its first
    frame (the script's code, or runpy for -m) at the bottom of the main thread, as a new thread
    calls `entry` (measured there); here, the caller runs `code` (script) or `entry` (module) with
    `here` as it runs the program, then calls compensate()."""

    code = compile('n = probe()\ndone()', '<async-lanes>', 'exec')
    entry = staticmethod(_entry)

    def __init__(self):
        self.limit = get_limit()
        set_limit(200)  # (enough to tell; small enough for any thread's stack on 3.9/3.10)
        lock = _thread.allocate_lock()
        lock.acquire()
        bottom = {'done': lock.release}
        _thread.start_new_thread(_entry, (bottom,))
        lock.acquire()
        self.bottom = bottom['n']
        self.here = {'probe': probe, 'done': int}

    def compensate(self):
        d = max(self.bottom - self.here['n'], 0)
        set_limit(self.limit + d)
        if d > 0:
            _cost[0] = d
            _install()


def step_cost(n):
    """A task's step through the pure proxy costs n calls: its steps raise the limit by n."""
    if n > 0 and not _cost[1]:
        _cost[1] = n
        if not _cost[0]:
            _install()


def _install():
    def getrecursionlimit():
        return get_limit() - _cost[0] - sum(STEPS)

    def setrecursionlimit(limit, /):
        d = _cost[0] + sum(STEPS)
        if type(limit) is not int:
            try:
                limit = operator.index(limit)
            except TypeError:
                set_limit(limit)  # (raises as plain: a float, a str)
                limit = get_limit()
        if limit < 1 or limit > _INT_MAX - d:
            set_limit(limit)  # (raises as plain, or sets it near INT_MAX)
            return
        try:
            set_limit(limit + d + 1)  # (+1: this frame; CPython's check, depth >= limit, is then plain's)
        except RecursionError as e:
            m = _TOO_LOW.match(str(e))
            if m is None:
                raise
            msg = '%s%d%s%d%s' % (m[1], int(m[2]) - d - 1, m[3], int(m[4]) - d - 1, m[5])
        else:
            try:
                set_limit(limit + d)
            except RecursionError:
                pass  # (the program is at the new limit's last call: one more is left)
            return
        raise RecursionError(msg)  # (outside the except: no context of ours)

    for ours, orig in ((getrecursionlimit, get_limit), (setrecursionlimit, set_limit)):
        ours.__name__ = ours.__qualname__ = orig.__name__
        ours.__doc__ = orig.__doc__
        ours.__module__ = 'sys'
        setattr(sys, orig.__name__, ours)
