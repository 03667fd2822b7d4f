"""The asyncio recorder's per-step core: the task proxy (3.9-3.13) or the timing of a task's step (3.14+), futures,
callbacks, create_task, gather, the executor, the blocked-loop watchdog, and the records they buffer.

Hot paths (task steps, callbacks) append one tuple to a list; _life.py starts recording, hands the
buffer to the writer process (which formats docs/trace-format.md, the `.lanes` contract) and ends
it; _sites.py tells program code from library code and makes the bounded reprs.

Nothing here may change what the program does: no strong references to tasks
or futures, no output, exceptions of the program pass through unchanged (the
recorder's own frames are unlinked from their tracebacks).
"""

import sys
import os
import time
import types
import _thread
import threading
import weakref
import functools
import itertools
import collections.abc
import warnings

import asyncio
from asyncio import base_events, events, futures, tasks, coroutines

_pc = time.perf_counter_ns
from async_lanes import _depth  # noqa: E402
from async_lanes import _sites  # noqa: E402
from async_lanes._sites import (  # noqa: E402
    _ASYNCIO, _C, _PKG, _STOP, _brepr, _classify, _codes, _exc_text, _is_lib, _lib, _lib_fallback, _lib_keep,
    _prog_frame, _reg, _tb_site, _unlink_ours)
_get_ident = _thread.get_ident
_buf = []
_app = _sites._app = _buf.append  # one record: a tuple, element 0 its kind (a str)
_ext = _buf.extend  # a step: six ints (t0, task, t1, awaited, cid, lasti), flat (no tuple kept)
_next_id = itertools.count(1).__next__
_thr = 100_000_000  # block threshold, ns
# buffered list entries at which a pure-Python step, a task's end or a callback hands them over (_take): bigger
# than the C accelerator's 4096 steps (a pure step is six entries).  With 4096 the I/O benchmark ran 1.3x, not
# 0.8x; with the accelerator, the same difference came from glibc's mmap threshold, which freeing a big hand-over
# buffer raises (the program's 256 KiB reads are then not mapped and unmapped each time: see the README)
_TAKE_AT = 16384
_take = None  # hands the buffers to the writer now (_life._take, set at start)
_PY = sys.version_info[:2]

_CoroType = types.CoroutineType
_GenType = types.GeneratorType
_MethType = types.MethodType
_FuncType = types.FunctionType
_BMType = types.BuiltinMethodType
_Partial = functools.partial

_CFuture = futures.Future
_CTask = tasks.Task
_TaskTypes = {_CTask}
if hasattr(tasks, '_PyTask'):
    _TaskTypes.add(tasks._PyTask)
_TaskBases = tuple(_TaskTypes)
_ctasks = tasks._current_tasks  # dict loop -> running task (C or Python; 3.14+: Python tasks only)
# 3.14+: no proxy.  The C Task keeps the running task in the thread state (_current_tasks stays empty), and
# `python -m asyncio ps/pstree` read each task's coroutine from outside the process (a proxy in its place leaves
# them an empty stack): the task keeps its own coroutine, and a step is timed around the task's step callback in
# Handle._run (an eager first step: around create_task).  See _create_task_np, _cb_start_np.
_NOPROXY = _PY >= (3, 14)
_nat = None  # the C accelerator (_native.load()), when used (setup_native): steps are buffered there
if _NOPROXY:
    _c_current = tasks.current_task

    def _cur_task(loop):
        """The task running on `loop` (None when none is)."""
        t = _c_current(loop)
        if t is None and _ctasks:
            t = _ctasks.get(loop)  # (a Python Task, e.g. tasks._PyTask)
        return t
else:
    _cur_task = _ctasks.get
_TimerHandle = events.TimerHandle
_Cancelled = asyncio.CancelledError
# ---------------------------------------------------------------------------
# ids of loops, threads, awaitables

_tids = {}


def _thread_sid():
    ident = _get_ident()
    s = _tids.get(ident)
    if s is None:
        s = len(_tids)
        _tids[ident] = s
        try:
            name = threading.current_thread().name
        except Exception:
            name = None
        _app(('thread', _pc(), s, name))
    return s


_nloops = itertools.count(0).__next__


# Loops are never touched (adding to a loop's __dict__ would slow down all of asyncio's own
# attribute accesses on it): id(loop) -> [loop id, thread ident while running, weakref]
_loop_info = {}
_cbcur = {}  # thread ident -> (start ns, handle) of the plain callback running there (3.14+ pure: or the step's _TS)


def _info(loop):
    k = id(loop)
    info = _loop_info.get(k)
    if info is None or info[2]() is not loop:
        try:
            wr = weakref.ref(loop, lambda r, k=k: _loop_info.pop(k, None))
        except TypeError:
            return [None, None, lambda: None]
        info = _loop_info[k] = [_nloops(), None, wr]
    return info


def _loop_id(loop):
    if loop is None:
        return None
    return _info(loop)[0]


_foreign = weakref.WeakKeyDictionary()


def _aid(r):
    """Awaitable id of anything a task can yield (not None)."""
    tr = type(r)
    if tr in _TaskTypes or isinstance(r, _TaskBases):
        if not _NOPROXY:
            try:
                p = r._coro
            except Exception:
                p = None
            if type(p) is _Coro:
                return p._id
        st = _treg.get(id(r))  # (3.14+: every task; before: those constructed directly, see _adopt)
        if st is not None:
            return st._id
    try:
        return r._al_id
    except Exception:
        pass
    try:
        i = _foreign.get(r)
        if i is None:
            i = _foreign[r] = _next_id()
            _app(('fut', _pc(), i, 'future', None, None, 0, None))
        return i
    except Exception:
        return None


def _task_id(t):
    if t is None:
        return None
    if _NOPROXY:
        st = _treg.get(id(t))
        if st is not None:
            return st._id
        i = _eager_miss(t) if _eager else None
        return i if i is not None else _adopt_running(t)
    try:
        p = t._coro
    except Exception:
        return None
    if type(p) is _Coro:
        return p._id
    st = _treg.get(id(t))
    return st._id if st is not None else _adopt_running(t)


# ---------------------------------------------------------------------------
# tasks: the coroutine proxy

_errs = {}  # task id -> weakref(task) for tasks that ended with an exception
_PENDING_TB = []  # 3.9/3.10: exceptions whose traceback still has our frame at the head
_OLD_RAISE = _PY < (3, 11)


def _fix_pending():
    while _PENDING_TB:
        try:
            e = _PENDING_TB.pop()
        except IndexError:
            return
        tb = e.__traceback__
        while tb is not None and tb.tb_frame.f_code in _PROXY_CODES:
            tb = tb.tb_next
        e.__traceback__ = tb


_STEP_SRC = '''
def __next__(self):
    up = _getlimit() + _STEP_COST
    if up <= 2147483647:
        _setlimit(up)
        _STEPS.append(_STEP_COST)
    else:
        up = 0
    t0 = _pc()
    self._t0 = t0
    c = self._c
    try:
        r = c.send(None)
    except BaseException as e:
        self._end(e, t0)
        if up:
            _STEPS.pop()
            _setlimit(_getlimit() - _STEP_COST)
        _TBFIX_
        _CLEAR_
        raise
    t1 = _pc()
    if up:
        _STEPS.pop()
        _setlimit(_getlimit() - _STEP_COST)
    la = c.cr_frame.f_lasti
    d = self._dk.get(la)
    if d is None:
        d = _decide(self, c, la)
    if d:
        cid, la = _deep_site(c)
    else:
        cid = self._cid
    if r is None:
        _ext((t0, self._id, t1, None, cid, la))
    elif type(r) is Future:
        try:
            _ext((t0, self._id, t1, r._al_id, cid, la))
        except AttributeError:
            _ext((t0, self._id, t1, _aid(r), cid, la))
    else:
        _ext((t0, self._id, t1, _aid(r), cid, la))
    if len(_buf) >= _TAKE_AT:  # (see _take)
        _take()
    _PENDING_
    return r
'''
# (no local variable may keep the old head: it refers to this frame, a reference cycle that
# would keep the exception, its frames and their locals alive until the next GC)
_TBFIX_NEW = '''if e.__traceback__ is not None:
            e.__traceback__ = e.__traceback__.tb_next'''


# The proxy's frame sits between the task and its coroutine: a step nests this many calls deeper than
# plain (its call of the coroutine's send(), a C function, counts too before 3.12), so each step raises the limit
# by as much (_depth).  A throw() costs the proxy's frame only: plain, the task calls the coroutine's throw() too.
_STEP_COST = 2 if _PY < (3, 12) else 1
_getlimit = _depth.get_limit
_setlimit = _depth.set_limit
_STEPS = _depth.STEPS


def _make_step(name, send_arg):
    src = _STEP_SRC
    if _OLD_RAISE:
        src = src.replace('_TBFIX_', 'pass').replace('_PENDING_', 'if _PENDING_TB:\n        _fix_pending()')
    else:
        src = src.replace('_TBFIX_', _TBFIX_NEW).replace('_PENDING_', '')
    # a frame object made for this frame (a traceback, f_back of the coroutine's frame)
    # outlives the call: the thrown exception must not stay in its locals (a cycle)
    src = src.replace('_CLEAR_', '%s = None' % send_arg.strip('*') if send_arg else 'pass')
    if name == 'throw':
        src = src.replace('_STEP_COST', '1')
    if send_arg:
        src = src.replace('def __next__(self):', 'def %s(self, %s):' % (name, send_arg))
        src = src.replace('c.send(None)', 'c.%s(%s)' % (name, send_arg))
    ns = {}
    exec(compile(src, __file__, 'exec'), globals(), ns)
    return ns[name]


# cid -> {lasti: does the await at lasti lead to a deeper frame (see _decide)?}  Decided the
# first time: an await of library code that reached no program frame then (asyncio.sleep)
# is not walked again, so library code that calls back into program code only after an
# earlier suspension at the same await (a retry helper sleeping first) is reported at the
# program's own await line.
_dk_by_code = {}


def _decide(p, c, la):
    """First time a task's coroutine suspends at `la`: does the await chain lead to another
    frame than the coroutine's own (a program frame deeper down; or, when the task's
    coroutine is library code, a deeper library frame)? Cached per code and offset: the hot
    path then reads one dict; awaiting a future or library code that leads back to no
    program frame (asyncio.sleep) costs nothing more."""
    a = c.cr_await
    d = False
    if a is not None:
        ta = type(a)
        if ta is _CoroType or ta is _GenType or ta in _WRAP_TYPES:
            try:
                d = _deep_site(c) != (p._cid, la)
            except Exception:
                d = False
    p._dk[la] = d
    return d


def _agen_types():
    """Types of the objects an await chain can hold between two frames: async generator
    asend/athrow (`async for`, aclose()) and coroutine_wrapper (coro.__await__())."""
    async def ag():
        yield

    async def co():
        pass

    g = ag()
    s = g.asend(None)
    t = g.athrow(GeneratorExit)
    c = co()
    w = c.__await__()
    out = {type(s), type(t), type(w)}
    s.close()
    t.close()
    c.close()
    return out


_WRAP_TYPES = _agen_types()
_AgenType = types.AsyncGeneratorType
_referents = None


def _unwrap(a):
    """The async generator (or coroutine) an asend/athrow/coroutine_wrapper object drives."""
    global _referents
    if _referents is None:
        import gc
        _referents = gc.get_referents
    for x in _referents(a):
        tx = type(x)
        if tx is _AgenType or tx is _CoroType:
            return x
    return None


def _deep_site(c):
    """(cid, lasti) of the innermost frame of program code in the await chain of coroutine c;
    when there is none, of the innermost library frame. The walk goes through library frames
    (wait_for on 3.12+ runs the awaited coroutine inside it) and async generators
    (asend/athrow objects). (Also called by the C proxy of _speedups.c.)"""
    co = c.cr_code
    r = _lib.get(id(co))
    if r is None:
        r = _classify(co)
    prog = None if r else c.cr_frame
    last = None  # innermost library coroutine/generator below c
    a = c.cr_await
    # (a library frame is read only if it is the answer: reading a frame can create it)
    while a is not None:
        ta = type(a)
        if ta is _CoroType:
            co = a.cr_code
            r = _lib.get(id(co))
            if r is None:
                r = _classify(co)
            if r:
                last = a
            else:
                g = a.cr_frame
                if g is None:
                    break
                prog = g
            a = a.cr_await
        elif ta is _GenType:
            co = a.gi_code
            r = _lib.get(id(co))
            if r is None:
                r = _classify(co)
            if r:
                last = a
            else:
                g = a.gi_frame
                if g is None:
                    break
                prog = g
            a = a.gi_yieldfrom
        elif ta in _WRAP_TYPES:
            x = _unwrap(a)
            if x is None:
                break
            if type(x) is _CoroType:
                a = x
                continue
            co = x.ag_code
            r = _lib.get(id(co))
            if r is None:
                r = _classify(co)
            if r:
                last = x
            else:
                g = x.ag_frame
                if g is None:
                    break
                prog = g
            a = x.ag_await
        else:
            break
    f = prog
    if f is None:
        if last is not None:
            ta = type(last)
            f = (last.cr_frame if ta is _CoroType else last.gi_frame if ta is _GenType
                 else last.ag_frame)
        if f is None:
            f = c.cr_frame
    return _C(f.f_code), f.f_lasti


def _one_suspension(co):
    """Whether a coroutine of code co can wait at one place only (then that place is known without reading the
    frame: see deep_site_c in _speedups.c)."""
    import dis
    return sum(i.opname in ('YIELD_VALUE', 'YIELD_FROM') for i in dis.get_instructions(co)) == 1


class _Coro(collections.abc.Coroutine):
    """Wraps a task's coroutine: each send/throw is one step."""

    __slots__ = ('_c', '_id', '_t0', '_task', '_name', '_cid', '_dk')

    def __init__(self, c, i):
        self._c = c
        self._id = i
        self._t0 = 0
        self._task = None
        self._name = None
        self._cid = cid = _C(c.cr_code)
        dk = _dk_by_code.get(cid)
        if dk is None:
            dk = _dk_by_code[cid] = {}
        self._dk = dk

    __next__ = _make_step('__next__', None)
    send = _make_step('send', 'value')
    throw = _make_step('throw', '*args')

    def _end(self, e, t0):
        t1 = _pc()
        tid = self._id
        te = type(e)
        try:
            c = self._c
            cid = self._cid
            lasti = -1
            if te is StopIteration:
                state = 'ok'
                v = e.value
                text = 'None' if v is None else _brepr(v)
            elif isinstance(e, _Cancelled):
                state = 'cancelled'
                text = e.args[0] if e.args and isinstance(e.args[0], str) else ''
                if len(text) > 200:
                    text = text[:199] + '\\u2026'
            else:
                state = 'error'
                text = _exc_text(e)
                tb = e.__traceback__
                ours = tb is not None and tb.tb_frame.f_code in _PROXY_CODES  # (not with the C proxy)
                if ours:
                    tb = tb.tb_next  # our own frame
                sc, sl = _tb_site(tb)
                if sc is not None:
                    cid, lasti = _C(sc), sl
                if _OLD_RAISE and ours:
                    _PENDING_TB.append(e)
                _errs[tid] = self._task
            _ext((t0, tid, t1, None, cid, lasti))
            _app(('end', t1, tid, state, text, cid, lasti))
            tk = self._task
            if tk is not None:
                t = tk()
                if t is not None:
                    try:
                        name = t.get_name()
                        if name != self._name:
                            self._name = name
                            _app(('name', t1, tid, name if isinstance(name, str) else _brepr(name)))
                    except Exception:
                        pass
            if len(_buf) >= _TAKE_AT:  # (many tasks ending together: the writer starts on them now)
                _take()
        except Exception:
            pass

    @property
    def __class__(self):
        # isinstance(task.get_coro(), types.CoroutineType) stays true (type() is unchanged)
        return _CoroType

    def close(self):
        return self._c.close()

    def __await__(self):
        return self._c.__await__()

    def __repr__(self):
        return repr(self._c)


def _forward(name):
    return property(lambda self: getattr(self._c, name), doc='forwarded to the coroutine')


def _install_forwarding():
    # no __getattr__ (it would slow down every attribute access of the hot path): explicit
    # properties; __name__/__qualname__ cannot be defined in a class body, so they are put
    # into the type's dict directly (then the type's caches are invalidated).
    import gc
    for n in ('cr_frame', 'cr_code', 'cr_await', 'cr_running', 'cr_origin', 'cr_suspended'):
        if hasattr(_CoroType, n):
            setattr(_Coro, n, _forward(n))
    try:
        d = next(x for x in gc.get_referents(_Coro.__dict__) if type(x) is dict)
        d['__name__'] = _forward('__name__')
        d['__qualname__'] = _forward('__qualname__')
        _Coro._al_touch = None  # type_modified()
        del _Coro._al_touch
    except Exception:
        pass


_install_forwarding()

_PROXY_CODES = {_Coro.__next__.__code__, _Coro.send.__code__, _Coro.throw.__code__}

_orig_create_task = base_events.BaseEventLoop.create_task


def _new_task_name(task):
    """A new task's name as the trace records it (a plain str), and its creation traceback (debug mode) without the
    recorder's own frame."""
    try:
        name = task.get_name()
    except Exception:
        name = None
    if type(name) is not str and name is not None and not isinstance(name, str):
        name = _brepr(name)
    try:
        stb = task._source_traceback
        if stb and stb[-1][0].startswith(_PKG):
            del stb[-1]
    except Exception:
        pass
    return name


def _make_create_task(orig):
    """create_task of a loop class whose own create_task is `orig` (BaseEventLoop's, or uvloop's: see _uvloop.py);
    with the C accelerator, the same in C (create)."""
    if _nat is not None:
        create = _nat.create

        def create_task(self, coro, **kwargs):
            if type(coro) is not _CoroType:
                return orig(self, coro, **kwargs)
            return create(orig, self, coro, kwargs)
        return _nat.create_method(orig, create_task)  # (create_task called for an unusual call only)

    def create_task(self, coro, **kwargs):
        if type(coro) is not _CoroType:
            return orig(self, coro, **kwargs)
        t = _pc()
        tid = _next_id()
        p = _Coro(coro, tid)
        # (the helpers of this per-task path inlined where they are cheap: _task_id, _C, _loop_id)
        parent = _cur_task(self)
        if parent is not None:
            q = parent._coro
            parent = q._id if type(q) is _Coro else _task_id(parent)
        f = f0 = sys._getframe(1)
        while f is not None:  # (_prog_frame)
            co = f.f_code
            r = _lib.get(id(co))
            if r is None:
                r = _classify(co)
            if not r:
                break
            if r is _STOP:
                f = _lib_fallback(f0)
                break
            f = f.f_back
        else:
            f = _lib_fallback(f0)
        task = orig(self, p, **kwargs)
        try:
            try:
                p._task = weakref.ref(task)
            except TypeError:
                pass
            try:  # (the common case here, anything else in _new_task_name)
                name = task.get_name()
                if type(name) is not str or task._source_traceback:
                    raise TypeError
            except Exception:
                name = _new_task_name(task)
            p._name = name
            if tid in _errs and _errs[tid] is None:
                _errs[tid] = p._task
            if _EAGER and task.done():
                try:
                    _eager_done[task] = p  # its name may be set after this returns (3.12)
                except TypeError:
                    pass
            if f is None:
                cid = None
                la = 0
            else:
                co = f.f_code
                cid = id(co)
                if cid not in _codes:
                    _reg(co)
                la = f.f_lasti
            info = _loop_info.get(id(self))
            _app(('task', t, tid, parent, name, coro.__qualname__, cid, la,
                  info[0] if info is not None and info[2]() is self else _loop_id(self)))
        except Exception:
            pass
        return task
    return create_task


create_task = _make_create_task(_orig_create_task)
def _name_now(task):
    """Emits a `name` record when the task's name is no longer the one recorded."""
    try:
        p = task._coro
        if type(p) is not _Coro:
            p = _eager_done.get(task)  # (a finished task no longer holds its coroutine)
            if p is None:
                return
        name = task.get_name()
        if name != p._name:
            p._name = name
            _app(('name', _pc(), p._id, name if isinstance(name, str) else _brepr(name)))
    except Exception:
        pass


_orig_set_task_name = getattr(tasks, '_set_task_name', None)
_EAGER = _orig_set_task_name is not None and _PY >= (3, 12)  # (eager tasks: 3.12+)
_eager_done = weakref.WeakKeyDictionary()  # task -> proxy, for tasks done when created (eager)


def _set_task_name(task, name):
    if name is not None:  # (None: nothing to set)
        _orig_set_task_name(task, name)
        _name_now(task)


# ---------------------------------------------------------------------------
# tasks on 3.14+ (_NOPROXY): the task keeps its own coroutine; a step is timed around the task's step callback
# (Handle._run: _cb_start_np / _cb_done_np) or, for an eager first step, around create_task.  Each recorded task
# has a _TS, found by id(task) in _treg (removed when the task is freed: ids are not reused meanwhile).  Nothing
# holds the task or its coroutine (a strong reference to the coroutine would keep a task that refers to itself
# through its frame alive forever).

class _TS:
    # (with the C accelerator, its _TS type: the same fields, read in C at each step)
    # _run_task, _coro: the task and its coroutine while a step runs (pure Python; the C accelerator keeps them)
    __slots__ = ('_id', '_task', '_name', '_cid', '_dk', '_t0', '_run_task', '_coro')

    def __init__(self, i, code):
        self._id = i
        self._task = None  # weakref to the task
        self._name = None
        self._t0 = 0
        self._run_task = self._coro = None
        self._cid = cid = _C(code)
        dk = _dk_by_code.get(cid)
        if dk is None:
            dk = _dk_by_code[cid] = {}
        self._dk = dk


_treg = {}  # id(task) -> _TS
_eager = []  # (_TS, coroutine) of the create_task calls in progress: an eager first step runs inside them


def _register(task, st):
    k = id(task)

    def forget(r, k=k, st=st):
        if _treg.get(k) is st:
            del _treg[k]
    try:
        st._task = weakref.ref(task, forget)
    except TypeError:
        return
    _treg[k] = st


def _eager_miss(t):
    """A task not registered yet, seen while create_task runs: the one being created (its eager first step is
    running), registered now."""
    try:
        c = t._coro
    except Exception:
        return None
    for st, coro in reversed(_eager):
        if coro is c:
            if st._task is None:
                _register(t, st)
            return st._id
    return None


def _make_create_task_np(orig):
    """The same on 3.14+ (no proxy); with the C accelerator, the same in C (create)."""
    if _nat is not None:
        create = _nat.create

        def _create_task_np(self, coro, **kwargs):
            if type(coro) is not _CoroType:
                return orig(self, coro, **kwargs)
            return create(orig, self, coro, kwargs)
        return _nat.create_method(orig, _create_task_np)  # (see _make_create_task)

    def _create_task_np(self, coro, **kwargs):
        if type(coro) is not _CoroType:
            return orig(self, coro, **kwargs)
        t = _pc()
        tid = _next_id()
        st = _TS(tid, coro.cr_code)
        parent = _c_current(self)  # (_cur_task inlined)
        if parent is None and _ctasks:
            parent = _ctasks.get(self)
        if parent is not None:  # (_task_id, its common case inlined, as below _prog_frame, _C and _loop_id)
            q = _treg.get(id(parent))
            parent = q._id if q is not None else _task_id(parent)
        f = f0 = sys._getframe(1)
        while f is not None:
            co = f.f_code
            r = _lib.get(id(co))
            if r is None:
                r = _classify(co)
            if not r:
                break
            if r is _STOP:
                f = _lib_fallback(f0)
                break
            f = f.f_back
        else:
            f = _lib_fallback(f0)
        _eager.append((st, coro))
        try:
            task = orig(self, coro, **kwargs)
        finally:
            _eager.pop()
        t1 = _pc()
        try:
            if st._task is None:
                _register(task, st)
            try:
                name = task.get_name()
                if type(name) is not str or task._source_traceback:
                    raise TypeError
            except Exception:
                name = _new_task_name(task)
            st._name = name
            if f is None:
                cid = None
                la = 0
            else:
                co = f.f_code
                cid = id(co)
                if cid not in _codes:
                    _reg(co)
                la = f.f_lasti
            info = _loop_info.get(id(self))
            _app(('task', t, tid, parent, name, coro.__qualname__, cid, la,
                  info[0] if info is not None and info[2]() is self else _loop_id(self)))
            if task.done() or coro.cr_suspended:  # an eager first step ran (in the task's constructor)
                _step_end(st, task, coro, t, t1)
        except Exception:
            pass
        return task
    return _create_task_np


_create_task_np = _make_create_task_np(_orig_create_task)
_SWTypes = set()  # the C Task's step wrapper type, once seen
_PY_STEPS = set()  # the Python Task's step and wakeup functions
for _n in ('_Task__step', '_Task__wakeup'):
    _fn = getattr(getattr(tasks, '_PyTask', None), _n, None)
    if _fn is not None:
        _PY_STEPS.add(_fn)


def _cb_start_np(h):
    """3.14+ Handle._run, before the callback: a step of a recorded task -> its _TS (holding the task and its
    coroutine until the step ends: no object is made per step); another callback: see _cb_start."""
    if _pending:
        _finish_pending()
    cb = h._callback
    tc = type(cb)
    if tc is _BMType:  # the C Task's wakeup (a builtin method of the task), or another builtin method
        task = cb.__self__
        if type(task) in _TaskTypes or isinstance(task, _TaskBases):
            if cb.__name__ != 'task_wakeup':
                return None  # (a task's own method, e.g. cancel: not timed)
        else:
            return _cb_start(h)
    elif tc in _SWTypes:
        task = cb.__self__
    elif tc is _MethType:
        task = cb.__self__
        if not isinstance(task, _TaskBases):
            return _cb_start(h)
        if cb.__func__ not in _PY_STEPS:
            return None
    elif tc is not _FuncType and tc.__name__ == 'TaskStepMethWrapper':
        _SWTypes.add(tc)
        task = cb.__self__
    else:
        return _cb_start(h)
    st = _treg.get(id(task))
    if st is None:
        st = _adopt_at_step(task)
        if st is None:
            return None
    return _step_start(st, task)


def _step_start(st, task):
    """A step of a registered task starts (Handle._run): its _TS holds the task and its coroutine until it ends."""
    try:
        st._coro = task._coro
    except Exception:
        return None
    st._run_task = task
    _cbcur[_get_ident()] = st  # (for the watchdog)
    st._t0 = _pc()
    return st


def _cb_done_np(st):
    if _pending:
        _finish_pending()
    if type(st) is not _TS:
        return _cb_done(st)
    t1 = _pc()
    _cbcur[_get_ident()] = None
    task = st._run_task
    coro = st._coro
    st._run_task = st._coro = None
    _step_end(st, task, coro, st._t0, t1)


def _step_end(st, task, coro, t0, t1):
    """Records one step of the task (t0..t1): where it suspended and on what, or how it ended."""
    try:
        if task.done():
            _task_end(st, task, t0, t1)
            return
        fr = coro.cr_frame
        if fr is None:
            return
        la = fr.f_lasti
        d = st._dk.get(la)
        if d is None:
            d = _decide(st, coro, la)
        if d:
            cid, la = _deep_site(coro)
        else:
            cid = st._cid
        w = task._fut_waiter
        if w is None:
            aw = None  # (a bare yield: ready again at once)
        elif type(w) is Future:
            try:
                aw = w._al_id
            except AttributeError:
                aw = _aid(w)
        else:
            aw = _aid(w)
        _ext((t0, st._id, t1, aw, cid, la))
        if len(_buf) >= _TAKE_AT:  # (see _take)
            _take()
    except Exception:
        pass


def _task_end(st, task, t0, t1):
    tid = st._id
    cid = st._cid
    lasti = -1
    if task.cancelled():
        state = 'cancelled'
        text = ''
        e = None
        try:  # the CancelledError the coroutine raised, which the task keeps (reading it must not take it)
            import gc
            e = next((x for x in gc.get_referents(task) if isinstance(x, _Cancelled)), None)
        except Exception:
            pass
        m = e.args[0] if e is not None and e.args else task._cancel_message
        if isinstance(m, str):
            text = m if len(m) <= 200 else m[:199] + '\u2026'
    else:
        e = task._exception
        if e is None:
            state = 'ok'
            text = _brepr(task._result)
        else:
            state = 'error'
            text = _exc_text(e)
            sc, sl = _tb_site(e.__traceback__)
            if sc is not None:
                cid, lasti = _C(sc), sl
            _errs[tid] = st._task
    _ext((t0, tid, t1, None, cid, lasti))
    _app(('end', t1, tid, state, text, cid, lasti))
    try:
        name = task.get_name()
        if name != st._name:
            st._name = name
            _app(('name', t1, tid, name if isinstance(name, str) else _brepr(name)))
    except Exception:
        pass
    if len(_buf) >= _TAKE_AT:
        _take()


# ---------------------------------------------------------------------------
# tasks constructed directly (asyncio.Task(coro, loop=..., eager_start=...), as aiohttp 3.10+ makes its handler tasks
# on 3.12+): not made by the loop's create_task, so without a proxy (3.9-3.13) or a _TS (3.14+).  They are recorded,
# and their steps timed in Handle._run as on 3.14+ (_step_start), from when the recorder first sees them:
# - 3.9-3.13: when asyncio's registry is told of the new task (the C Task calls the `add` of tasks._all_tasks,
#   3.12+: of tasks._scheduled_tasks; see _hook_registry): with their parent and creation site; an eager first step
#   has just ended there;
# - 3.14+ (the C Task keeps its registry in C): during an eager first step, when it does something the recorder
#   records (makes a future, a task...: _task_id asks for the running task, _adopt_running): with the task whose
#   step made it and its creation site, the step then recorded as an instant at that moment (when it ended is not
#   seen: never later); otherwise at its first step in Handle._run, without parent or site (_adopt_at_step).

_pending = []  # [_TS, task, coroutine, t, parent id, cid, lasti]: seen in an eager first step, recorded once it ended


def _adopt(task, coro):
    """A _TS for a task the recorder did not create, registered (None if it cannot be)."""
    st = _TS(_next_id(), coro.cr_code)
    _register(task, st)
    return st if st._task is not None else None


def _task_rec(st, task, coro, t, parent, cid, lasti):
    st._name = name = _new_task_name(task)
    _app(('task', t, st._id, parent, name, coro.__qualname__, cid, lasti, _loop_id(task.get_loop())))


def _site(f):
    f = _prog_frame(f)
    return (_C(f.f_code), f.f_lasti) if f is not None else (None, 0)


def _adopt_running(task):
    """`task` runs (its eager first step) and is not recorded: its id, recorded once the step ended (_pending)."""
    try:
        coro = task._coro
        if type(coro) is not _CoroType or not coro.cr_running:
            return None
        st = _adopt(task, coro)
        if st is None:
            return None
        _pending.append([st, task, coro, _pc(), _running_id() if _NOPROXY else None] + list(_site(coro.cr_frame.f_back)))
        return st._id
    except Exception:
        return None


def _running_id():
    """3.14+: the id of the recorded task whose step runs on this thread, if any."""
    if _eager:
        return _eager[-1][0]._id  # (a create_task in progress: its eager first step)
    st = _nat.running() if _nat is not None else None
    if st is None:
        st = _cbcur.get(_get_ident())
    return st._id if type(st) is _TS else None


def _finish_pending(t1=None, parent=None, task=None):
    """Records the tasks seen in their eager first step once it is over (a later callback, the registry's `add`,
    the exit): created and stepped at the moment they were seen, or (3.9-3.13, `task`) until t1, by `parent`."""
    for e in list(_pending):
        st, tk, coro, t, par, cid, la = e
        if (task is not None and tk is not task) or coro.cr_running:
            continue
        _pending.remove(e)
        try:
            _task_rec(st, tk, coro, t, par if task is None else parent, cid, la)
            _step_end(st, tk, coro, t, t if t1 is None else t1)
        except Exception:
            pass


def _adopt_at_step(task):
    """3.14+: a step of a task not seen before (constructed directly, not seen in an eager first step): recorded from
    this step on."""
    try:
        coro = task._coro
        if type(coro) is not _CoroType:
            return None
        st = _adopt(task, coro)
        if st is not None:
            _task_rec(st, task, coro, _pc(), None, None, 0)
        return st
    except Exception:
        return None


def _registered(task):
    """3.9-3.13: asyncio's registry is told of a new task (the C Task's constructor; 3.12+ after an eager first step
    that suspended): one the loop's create_task did not make (no proxy) is recorded, with its parent and site."""
    try:
        coro = task._coro
        t = _pc()
        parent = _task_id(_cur_task(task.get_loop()))  # (after an eager step: the creator's task again)
        if _pending:
            _finish_pending(t, parent, task)
        if id(task) in _treg:
            return
        st = _adopt(task, coro)
        if st is None:
            return
        _task_rec(st, task, coro, t, parent, *_site(sys._getframe(2)))
        if getattr(coro, 'cr_suspended', False):  # (3.12+: an eager first step ran, unseen: an instant)
            _step_end(st, task, coro, t, t)
    except Exception:
        pass


def _hook_registry():
    reg = getattr(tasks, '_scheduled_tasks', None)
    if reg is None:
        reg = getattr(tasks, '_all_tasks', None)
    if reg is None or _NOPROXY:
        return
    add = reg.add

    def _al_add(task):
        add(task)
        try:
            if type(task._coro) is _CoroType:  # (not made by the loop's create_task: its tasks run a proxy)
                _registered(task)
        except Exception:
            pass
    reg.add = _al_add  # (the instance's own attribute: the C Task looks `add` up on it)


# ---------------------------------------------------------------------------
# futures

def _resolver(loop):
    """(byTaskId, via) for a future being resolved now."""
    try:
        info = _loop_info.get(id(loop))
        tident = info[1] if info is not None else None
        ident = _get_ident()
        if tident is not None and tident != ident:
            return None, 'thread'
        t = _cur_task(loop)
        if t is not None:
            return _task_id(t), 'task'
        h = _cbcur.get(ident)
        if h is not None:
            h = None if type(h) is _TS else h[1]
        if h is None:
            if not loop.is_running():
                return None, 'shutdown'
            # (uvloop runs its I/O callbacks into protocols in C: with every Python callback it runs timed, what
            # resolves a future outside them is a socket event)
            return None, ('io' if type(loop) in _C_IO_LOOPS else 'callback')
        if type(h) is _TimerHandle:
            return None, 'timer'
        return None, _via_of(h._callback)
    except Exception:
        return None, None


_via_cache = {}  # id(code) -> via (see _kind_cache)
_C_IO_LOOPS = set()  # loop classes that dispatch I/O from C (uvloop.Loop, once patched)
_IO_FILES = {'selector_events.py', 'proactor_events.py', 'streams.py', 'unix_events.py',
             'sslproto.py', 'windows_events.py', 'base_subprocess.py', 'subprocess.py',
             'transports.py', 'trsock.py'}


def _cb_code(cb):
    f = cb
    for _ in range(4):
        tf = type(f)
        if tf is _MethType:
            f = f.__func__
        elif tf is _Partial:
            f = f.func
        else:
            break
    return f, getattr(f, '__code__', None)


def _via_of(cb):
    f, co = _cb_code(cb)
    if co is None:
        return 'callback'
    v = _via_cache.get(id(co))
    if v is None:
        base = os.path.basename(co.co_filename)
        if co in _THREAD_CODES:
            v = 'thread'
        elif co.co_filename.startswith(_ASYNCIO) and base in _IO_FILES:
            v = 'io'
        else:
            v = 'callback'
        _via_cache[id(co)] = v
        _lib_keep[id(co)] = co  # (the id stays this code's)
    return v


_THREAD_CODES = set()
for _n in ('_call_set_state', '_set_state', '_copy_future_state', '_call_check_cancel'):
    _fn = getattr(futures, _n, None)
    if _fn is not None and hasattr(_fn, '__code__'):
        _THREAD_CODES.add(_fn.__code__)
# wrap_future (run_in_executor): the worker thread's result arrives through
# call_soon_threadsafe(_set_state, ...), closures defined inside futures._chain_future
_fn = getattr(futures, '_chain_future', None)
if _fn is not None and hasattr(_fn, '__code__'):
    for _c in _fn.__code__.co_consts:
        if isinstance(_c, types.CodeType) and _c.co_name in ('_set_state', '_call_set_state',
                                                           '_call_check_cancel'):
            _THREAD_CODES.add(_c)

# with the C accelerator: the records of Future.__init__ and set_result, in C (see setup_native)
_fut_set = None
_kind_cache = {}  # id(code) -> kind ('' for none): by id, as _lib (hashing a code object costs ~1 µs on 3.14)
_KIND_OF = {}


def _add_kind(obj, kind):
    fn = getattr(obj, '__func__', obj)
    co = getattr(fn, '__code__', None)
    if co is not None:
        _KIND_OF[co] = kind


def _init_kinds():
    from asyncio import locks, queues
    _add_kind(tasks.sleep, 'sleep')
    for n in ('__sleep0', '_sleep0'):
        pass
    _add_kind(locks.Lock.acquire, 'lock')
    _add_kind(locks.Semaphore.acquire, 'semaphore')
    _add_kind(locks.Event.wait, 'event')
    _add_kind(locks.Condition.wait, 'condition')
    if hasattr(locks, 'Barrier'):
        _add_kind(locks.Barrier.wait, 'barrier')
    for n in ('get', 'put', 'join'):
        _add_kind(getattr(queues.Queue, n), 'queue')
    _add_kind(futures.wrap_future, 'executor')
    _add_kind(base_events.BaseEventLoop.run_in_executor, 'executor')
    _add_kind(tasks._wait, 'wait')
    _add_kind(tasks.wait, 'wait')
    if hasattr(tasks, '_cancel_and_wait'):
        _add_kind(tasks._cancel_and_wait, 'wait')
    _add_kind(tasks.as_completed, 'wait')
    _add_kind(tasks.shield, 'shield')
    _add_kind(tasks.wait_for, 'timeout')
    _add_kind(tasks.gather, 'gather')


def _kind_of(co):
    k = _kind_cache.get(id(co))
    if k is None:
        k = _KIND_OF.get(co)
        if k is None:
            fn = co.co_filename
            if fn.startswith(_ASYNCIO) and os.path.basename(fn) in _IO_FILES:
                k = 'io'
            else:
                k = ''
        _kind_cache[id(co)] = k
        _lib_keep[id(co)] = co  # (the id stays this code's)
    return k


class _FutMeta(type):
    def __instancecheck__(cls, obj):
        if cls is Future:
            return isinstance(obj, _CFuture)
        return type.__instancecheck__(cls, obj)

    def __subclasscheck__(cls, sub):
        if cls is Future:
            return issubclass(sub, _CFuture)
        return type.__subclasscheck__(cls, sub)


def _fut_made(fut, f0):
    """The future's id and its `fut` record; f0: the frame of Future()'s caller."""
    fut._al_id = fid = _next_id()
    t = _pc()
    try:
        if fut._source_traceback:
            stb = fut._source_traceback
            while stb and stb[-1][0].startswith(_PKG):
                del stb[-1]
        f = f0
        kind = None
        while f is not None:
            co = f.f_code
            lb = _lib.get(id(co))
            if lb is None:
                lb = _classify(co)
            if not lb:
                break
            if kind is None:
                k = _kind_cache.get(id(co))
                if k is None:
                    k = _kind_of(co)
                if k:
                    kind = k
            if lb is _STOP:
                f = _lib_fallback(f0)
                break
            f = f.f_back
        else:
            f = _lib_fallback(f0)
        loop = fut._loop
        _app(('fut', t, fid, kind or 'future', _task_id(_cur_task(loop)),
              _C(f.f_code) if f is not None else None, f.f_lasti if f is not None else 0, None))
    except Exception:
        pass


class Future(_CFuture, metaclass=_FutMeta):
    __slots__ = ('_al_id',)

    def __init__(self, *args, **kwargs):  # (with the C accelerator: its fut_init, see setup_native)
        _CFuture.__init__(self, *args, **kwargs)
        _fut_made(self, sys._getframe(1))

    def set_result(self, result):
        _CFuture.set_result(self, result)
        if _fut_set is not None:
            _fut_set(self, result)  # (the same, in C)
            return
        try:
            by, via = _resolver(self._loop)
            _app(('set', _pc(), self._al_id, 'result', by, via,
                  None if result is None else _brepr(result)))  # None: no text
        except Exception:
            pass

    def set_exception(self, exception):
        try:
            tb = exception.__traceback__
            if tb is not None:
                _unlink_ours(tb)
        except Exception:
            pass
        _CFuture.set_exception(self, exception)
        try:
            by, via = _resolver(self._loop)
            _app(('set', _pc(), self._al_id, 'exception', by, via, _exc_text(exception)))
        except Exception:
            pass

    def cancel(self, *args, **kwargs):
        r = _CFuture.cancel(self, *args, **kwargs)
        if r:
            try:
                msg = args[0] if args else kwargs.get('msg')
                by, via = _resolver(self._loop)
                _app(('set', _pc(), self._al_id, 'cancelled', by, via,
                      '' if msg is None else _brepr(msg) if not isinstance(msg, str) else msg[:200]))
            except Exception:
                pass
        return r


Future.__module__ = _CFuture.__module__
Future.__qualname__ = 'Future'


def _patch_gathering():
    GF = tasks._GatheringFuture
    orig_cancel = GF.cancel

    def set_result(self, result):
        _CFuture.set_result(self, result)
        try:
            by, via = _resolver(self._loop)
            _app(('set', _pc(), _aid(self), 'result', by, via, _brepr(result)))
        except Exception:
            pass

    def set_exception(self, exception):
        _CFuture.set_exception(self, exception)
        try:
            by, via = _resolver(self._loop)
            _app(('set', _pc(), _aid(self), 'exception', by, via, _exc_text(exception)))
        except Exception:
            pass

    GF.set_result = set_result
    GF.set_exception = set_exception
    orig_gather = tasks.gather

    @functools.wraps(orig_gather)
    def gather(*aws, **kwargs):
        t = _pc()
        out = orig_gather(*aws, **kwargs)
        try:
            if type(out) is GF:
                fid = _next_id()
                out._al_id = fid
                children = []
                for c in out._children:
                    if type(c) is _CTask:  # (_aid's common case)
                        p = _treg.get(id(c)) if _NOPROXY else c._coro
                        if type(p) is _Coro or type(p) is _TS:
                            children.append(p._id)
                            continue
                    children.append(_aid(c))
                loop = out._loop
                f = _prog_frame(sys._getframe(1))
                _app(('fut', t, fid, 'gather', _task_id(_cur_task(loop)),
                      _C(f.f_code) if f is not None else None, f.f_lasti if f is not None else 0,
                      children))
        except Exception:
            pass
        return out

    tasks.gather = gather
    asyncio.gather = gather


# ---------------------------------------------------------------------------
# callbacks: Handle._run replaced by an equivalent that times non-step callbacks.
# It is compiled with events.py's file name and the call on the same line as the
# original, so tracebacks through it read exactly as before.

_HANDLE_SRC = '''
def _run(self):
    _al_t = type(self._callback)
    _al_t = None if (_al_t is _SW0 or _al_t is _SW1) and not _treg else _cb_start(self)
    try:
        self._context.run(self._callback, *self._args)
    except (SystemExit, KeyboardInterrupt):
        raise
    except BaseException as exc:
        _EXC_BODY_
    if _al_t is not None:
        _cb_done(_al_t)
    self = _al_t = None  # Needed to break cycles when an exception occurs.
'''
# 3.14+: a task's step is timed here too (no proxy): _cb_start is _cb_start_np, _cb_done is _cb_done_np; a step
# that ends the program (SystemExit, KeyboardInterrupt) is recorded before it propagates.
_HANDLE_SRC_NP = '''
def _run(self):
    _al_t = _cb_start(self)
    try:
        self._context.run(self._callback, *self._args)
    except (SystemExit, KeyboardInterrupt):
        if _al_t is not None:
            _cb_done(_al_t)
        raise
    except BaseException as exc:
        _EXC_BODY_
    if _al_t is not None:
        _cb_done(_al_t)
    self = _al_t = None  # Needed to break cycles when an exception occurs.
'''
# _SW0, _SW1: the types of the C Task's step and wakeup wrappers, once seen (identity tests: a
# set lookup per callback costs more); set in the globals of the generated Handle._run
_handle_globals = {}


class _NoType:
    pass


def _cb_start(h):
    """A callback is starting: [t0, callback, thread ident] when it is timed (not a task's own method), else None;
    3.9-3.13, a step of a task constructed directly (_treg): its _TS (see _step_start)."""
    if _pending:
        _finish_pending()
    cb = h._callback
    tc = type(cb)
    if tc is _BMType:
        s = cb.__self__
        if type(s) in _TaskTypes or isinstance(s, _TaskBases):
            return _adopted_step(s) if _treg and cb.__name__ == 'task_wakeup' else None
    elif tc is _MethType:
        s = cb.__self__
        if isinstance(s, _TaskBases):
            return _adopted_step(s) if _treg and cb.__func__ in _PY_STEPS else None
    elif tc is not _FuncType and tc.__name__ in ('TaskStepMethWrapper', 'TaskWakeupMethWrapper'):
        _handle_globals['_SW1' if tc.__name__ == 'TaskWakeupMethWrapper' else '_SW0'] = tc
        return _adopted_step(cb.__self__) if _treg else None
    ident = _get_ident()
    t0 = _pc()
    _cbcur[ident] = (t0, h)
    return [t0, cb, ident]


def _adopted_step(task):
    st = _treg.get(id(task))
    return None if st is None else _step_start(st, task)


def _cb_done(st):
    if type(st) is _TS:
        return _cb_done_np(st)
    if _pending:
        _finish_pending()
    t1 = _pc()
    t0, cb, ident = st
    _cbcur[ident] = None
    try:
        if type(cb) is _FuncType:
            co = cb.__code__
            name = cb.__qualname__
            cid = id(co)
            if cid not in _codes:
                _reg(co)
        else:
            f, co = _cb_code(cb)
            name = getattr(f, '__qualname__', None)
            if not isinstance(name, str):
                name = type(f).__qualname__
            cid = _C(co)
        _app(('cb', t0, t1, name, cid, -1))
        if len(_buf) >= _TAKE_AT:  # (callbacks in a row, no step to hand them over: gather's, I/O)
            _take()
    except Exception:
        pass


def _getsourcelines(fn):
    """(lines, first line number) of a plain function, without importing inspect (slow)."""
    import linecache
    co = fn.__code__
    all_lines = linecache.getlines(co.co_filename)
    first = co.co_firstlineno
    lines = all_lines[first - 1:]
    if not lines:
        raise OSError('no source')
    head = lines[0]
    indent = len(head) - len(head.lstrip())
    out = [head]
    for ln in lines[1:]:
        stripped = ln.strip()
        if stripped and (len(ln) - len(ln.lstrip())) <= indent:
            break
        out.append(ln)
    while out and not out[-1].strip():
        out.pop()
    return out, first


def _make_handle_run():
    orig = events.Handle._run
    lines, first = _getsourcelines(orig)
    src = ''.join(lines)
    # the except body of the original, re-indented
    i = src.index('except BaseException as exc:')
    j = src.index('\n', i) + 1
    k = src.index('self = None', j)
    body = src[j:k].rstrip()
    import textwrap
    body = textwrap.dedent(body)
    body = textwrap.indent(body, ' ' * 8).strip()
    code = (_HANDLE_SRC_NP if _NOPROXY else _HANDLE_SRC).replace('_EXC_BODY_', body)
    # inside a class, so that columns (and traceback carets) match the original
    code = 'class Handle:\n' + textwrap.indent(code, '    ')
    # line of the run() call in the original
    call_line = first + next(n for n, l in enumerate(lines) if 'self._context.run(' in l)
    ours = code.split('\n')
    our_call = next(n for n, l in enumerate(ours) if 'self._context.run(' in l)
    pad = call_line - 1 - our_call
    if pad < 0:
        return None
    code = '\n' * pad + code
    g = _handle_globals
    g.update(vars(events))
    g.update({'_SW0': _NoType, '_SW1': _NoType, '_cb_start': _cb_start, '_cb_done': _cb_done, '_treg': _treg})
    if _NOPROXY and _nat is not None:  # (the same, in C)
        g.update({'_cb_start': _nat.begin, '_cb_done': _nat.done})
    elif _nat is not None:
        g.update({'_cb_start': _nat.cb_begin, '_cb_done': _nat.cb_end})
    elif _NOPROXY:
        g.update({'_cb_start': _cb_start_np, '_cb_done': _cb_done_np})
    ns = {}
    exec(compile(code, events.__file__, 'exec'), g, ns)
    fn = ns['Handle'].__dict__['_run']
    fn.__qualname__ = orig.__qualname__
    fn.__module__ = orig.__module__
    return fn


# ---------------------------------------------------------------------------
# loops, executor, exception handler, never-awaited coroutines

_running = {}  # loop id -> (weakref(loop), thread ident)
_orig_set_running_loop = events._set_running_loop
_orig_get_running_loop = events._get_running_loop


def _set_running_loop(loop):
    if loop is None:
        prev = _orig_get_running_loop()
        _orig_set_running_loop(loop)
        if prev is not None:
            try:
                lid = _loop_id(prev)
                _running.pop(lid, None)
                info = _loop_info.get(id(prev))
                if info is not None:
                    info[1] = None
                _app(('loop', _pc(), lid, 'stop', _thread_sid()))
                if _PENDING_TB:
                    _fix_pending()
            except Exception:
                pass
    else:
        _orig_set_running_loop(loop)
        try:
            info = _info(loop)
            lid = info[0]
            ident = _get_ident()
            info[1] = ident
            _running[lid] = (info[2], ident)
            _app(('loop', _pc(), lid, 'start', _thread_sid()))
        except Exception:
            pass


_orig_close = base_events.BaseEventLoop.close


def close(self):
    try:
        if not self.is_closed():
            _app(('loop', _pc(), _loop_id(self), 'close', _thread_sid()))
    except Exception:
        pass
    return _orig_close(self)


_orig_rie = base_events.BaseEventLoop.run_in_executor
from concurrent.futures import ThreadPoolExecutor as _ThreadPool  # noqa: E402


def _ctx_of(executor):
    """The function behind the executor's prepare_context (3.14+; None before)."""
    return getattr(getattr(type(executor), 'prepare_context', None), '__func__', None)


_TP_CONTEXT = getattr(getattr(_ThreadPool, 'prepare_context', None), '__func__', None)
# (asyncio.iscoroutinefunction is deprecated in 3.14: its warning would be the recorder's, an error under -W error)
_iscorofunc = getattr(coroutines, '_iscoroutinefunction', None) or coroutines.iscoroutinefunction


def run_in_executor(self, executor, func, *args):
    if (not callable(func) or coroutines.iscoroutine(func) or _iscorofunc(func)
            or not (executor is None or (isinstance(executor, _ThreadPool) and _ctx_of(executor) is _TP_CONTEXT))):
        # (3.14+ InterpreterPoolExecutor is a ThreadPoolExecutor whose work goes to other interpreters: a closure
        # cannot, so an executor with its own worker context runs the program's function unwrapped)
        return _orig_rie(self, executor, func, *args)
    cell = [None]
    try:
        f, co = _cb_code(func)
        name = getattr(f, '__qualname__', None)
        if not isinstance(name, str):
            name = type(f).__qualname__
        site = _prog_frame(sys._getframe(1))
        sc = _C(site.f_code) if site is not None else None
        sl = site.f_lasti if site is not None else 0
    except Exception:
        name, sc, sl = None, None, 0

    def _al_work(*a):
        t0 = _pc()
        th = _thread_sid()
        try:
            return func(*a)
        finally:
            _app(('work', t0, _pc(), th, cell, name, sc, sl))

    fut = _orig_rie(self, executor, _al_work, *args)
    try:
        cell[0] = _aid(fut)
    except Exception:
        pass
    return fut


_orig_ceh = base_events.BaseEventLoop.call_exception_handler


def call_exception_handler(self, context):
    try:
        if _PENDING_TB:
            _fix_pending()
        msg = context.get('message') or ''
        fut = context.get('future') or context.get('task')
        exc = context.get('exception')
        if 'never retrieved' in msg:
            kind = 'unretrieved-exception'
        else:
            kind = 'loop-exception'
        fid = _aid(fut) if fut is not None else None
        if fid is not None:
            _errs.pop(fid, None)
        site = None
        if exc is not None:
            site = _tb_site(exc.__traceback__)
            site = None if site[0] is None else (_C(site[0]), site[1])
            text = _exc_text(exc)
        else:
            text = msg[:200]
        _app(('warn', _pc(), kind, site, fid, text))
    except Exception:
        pass
    return _orig_ceh(self, context)


def _al_unawaited(coro):
    try:
        origin = getattr(coro, 'cr_origin', None)
        if origin:
            fn, ln, func = origin[0]
            site = ('loc', fn, ln, func)
        else:
            f = _prog_frame(sys._getframe(2))
            site = (_C(f.f_code), f.f_lasti) if f is not None else None
        _app(('warn', _pc(), 'never-awaited', site, None,
              "coroutine '%s' was never awaited" % (coro.__qualname__,)))
    except Exception:
        pass


def _al_origin(coro):
    # the coroutine's origin without the recorder's own frames: the pure-Python proxy's step (3.9-3.13; a frame the
    # tracking depth counts, so a deep origin can lack its outermost frame) and the outermost ones (its command line)
    out = []
    for e in coro.cr_origin:
        if e[0].startswith(_PKG):
            if e[2] in ('send', 'throw', '__next__') and e[0] == _REC_FILE:
                continue
            break
        out.append(e)
    return tuple(out)


_REC_FILE = _Coro.send.__code__.co_filename


def _patch_unawaited():
    orig = getattr(warnings, '_warn_unawaited_coroutine', None)
    if orig is None:
        return
    try:
        lines, first = _getsourcelines(orig)
    except Exception:
        return
    src = ''.join(lines)
    i = src.index(':\n') + 2  # end of the def line
    j = len(src) - len(src[i:].lstrip(' '))  # the first statement of the body: the call goes before it, on its
    src = src[:j] + '_async_lanes_unawaited(coro); ' + src[j:]  # line (every line keeps its number)
    src = src.replace('reversed(coro.cr_origin)', 'reversed(_async_lanes_origin(coro))')
    # Compiled in the globals of the module that defines it (3.14+: _py_warnings, not warnings: its `_wm`), the
    # recorder's two helpers as keyword-only defaults (the interpreter calls it with the coroutine alone): nothing is
    # added to a module, and every line and column of the body stays where it is (tracebacks under -W error).
    k = src.index('(coro)')
    src = src[:k] + '(coro, *, _async_lanes_unawaited=_async_lanes_unawaited, _async_lanes_origin=_async_lanes_origin)' + src[k + 6:]
    ns = {'_async_lanes_unawaited': _al_unawaited, '_async_lanes_origin': _al_origin}
    exec(compile('\n' * (first - 1) + src, orig.__code__.co_filename, 'exec'), orig.__globals__, ns)
    fn = ns['_warn_unawaited_coroutine']
    for a in ('__module__', '__qualname__', '__doc__'):
        try:
            setattr(fn, a, getattr(orig, a))
        except Exception:
            pass
    warnings._warn_unawaited_coroutine = fn


# ---------------------------------------------------------------------------
# blocked loop: watchdog samples, block records

# Blocked loop: the writer turns every step or callback longer than the threshold into a
# `block` record; the watchdog below sends, at each of its ticks while one is stuck past the
# threshold, the stack it sampled (('sample', t0, sites), before the step's own record, which is
# appended when it ends). The writer reports the line most samples saw, with the count: one late
# sample may land anywhere.


_STOP_CODES = set()


def _stack_sites(f):
    out = []
    first = True
    n = 0
    while f is not None and n < 200:
        co = f.f_code
        if co in _STOP_CODES:
            break
        if first or not _is_lib(co):
            out.append((_C(co), f.f_lasti))
        first = False
        f = f.f_back
        n += 1
    return out


def _watch():
    if not _running:
        return
    now = _pc()
    frames = None
    for lid, (wr, ident) in list(_running.items()):
        loop = wr()
        if loop is None:
            continue
        t = None if _NOPROXY else _ctasks.get(loop)  # (3.14+: a step is in _cbcur, as a callback is)
        t0 = 0
        if t is not None:
            try:
                p = t._coro
                if type(p) is _Coro:
                    t0 = p._t0
            except Exception:
                pass
        if not t0:  # (3.9-3.13: also a step of a task constructed directly)
            cur = _cbcur.get(ident)
            t0 = 0 if cur is None else cur._t0 if type(cur) is _TS else cur[0]
            if not t0 and _NOPROXY and _nat is not None:
                t0 = _nat.current(ident)  # (a step, timed in C)
        if t0 and now - t0 > _thr:
            if frames is None:
                frames = sys._current_frames()
            f = frames.get(ident)
            if f is not None:
                _app(('sample', t0, _stack_sites(f)))


# ---------------------------------------------------------------------------
# what the lifetime module (_life: start, hand-over to the writer, exit, fork) asks of the core

def setup_native(nat):
    """Steps and callbacks timed by the C accelerator `nat`; raises when it cannot be set up."""
    global _nat, _Coro, _TS, _register, _create_task_np, _fut_set, create_task
    if _NOPROXY:  # (no proxy: steps are timed around Handle._run's callback, see _cb_start_np)
        _TS = nat.setup_np(_treg, _cb_start_np, _cb_done_np, _step_end, Future, _CTask, _decide, _deep_site,
                           _aid, _adopt_at_step, _C, _dk_by_code)
        _register = nat.register
        nat.setup_create(_next_id, _c_current, _ctasks, _task_id, _lib, _classify, _lib_fallback, _STOP, _eager,
                         _new_task_name, _loop_info, _loop_id)
    else:
        from async_lanes import _native
        _Coro = _native.proxy_type(nat, Future, _decide, _deep_site, _aid, _Coro._end, _C, _dk_by_code)
        nat.setup_create(_next_id, _ctasks, _task_id, _lib, _classify, _lib_fallback, _STOP, _errs,
                         _eager_done if _EAGER else None, _new_task_name, _loop_info, _loop_id)
    nat.setup_cb(_cbcur, _cb_start, _cb_done, _codes, _reg, _pending, _finish_pending)
    nat.setup_sites(_lib, _classify, _STOP, tuple(_WRAP_TYPES), _one_suspension, _TaskBases)
    _nat = nat
    if _NOPROXY:
        _create_task_np = _make_create_task_np(_orig_create_task)
    else:
        create_task = _make_create_task(_orig_create_task)
    # (last: a failure above leaves Future's Python __init__)
    nat.setup_fut(_kind_of, _C_IO_LOOPS, _TimerHandle, _via_of, _brepr, _next_id, _ctasks, _task_id, _lib_fallback,
                  _loop_info, _CFuture, Future, _fut_made)
    _fut_set = nat.fut_set


def patch():
    """Patches asyncio (and uvloop, when the program uses it): from here on, tasks, futures and callbacks are recorded."""
    global _orig_handle_run
    _thread_sid()  # main thread = 0
    _init_kinds()
    BEL = base_events.BaseEventLoop
    BEL.create_task = _create_task_np if _NOPROXY else create_task
    BEL.close = close
    BEL.run_in_executor = run_in_executor
    BEL.call_exception_handler = call_exception_handler
    events._set_running_loop = _set_running_loop
    asyncio._set_running_loop = _set_running_loop  # (what uvloop takes when it is imported)
    futures.Future = Future
    asyncio.Future = Future
    _patch_gathering()
    _hook_registry()
    if _orig_set_task_name is not None:
        tasks._set_task_name = _set_task_name
    _orig_handle_run = events.Handle._run
    run = _make_handle_run()
    if run is not None:
        events.Handle._run = run
        _STOP_CODES.add(run.__code__)
    _STOP_CODES.update(_PROXY_CODES)
    for co in _STOP_CODES:
        _lib[id(co)] = _STOP
        _lib_keep[id(co)] = co
    try:
        _patch_unawaited()
    except Exception:
        pass
    try:
        from async_lanes import _uvloop
        _uvloop.install()
    except Exception:
        pass


def _drop(rec):
    pass


def stop_buffering():
    """Nothing more is buffered (a forked child, or the pipe to the writer is gone)."""
    global _app, _ext
    _app = _ext = _sites._app = _drop
    del _buf[:]


def exit_records(how, detail):
    """The records of the program's end: tasks left pending, exceptions never retrieved, how it exited."""
    try:
        _finish_pending()
        _scan_unretrieved()
    except Exception:
        pass
    # The exit is the trace's last record: a daemon thread's loop still running is not recorded past it. Recording
    # stops before the exit's time is read: a record timed after it cannot come in between.
    global _app, _ext
    app = _app
    _app = _ext = _sites._app = _drop
    if _nat is not None:
        _nat.off()
    app(('exit', _pc(), how, detail))


def _scan_unretrieved():
    for tid, wr in list(_errs.items()):
        try:
            t = wr() if wr is not None else None
            if t is None or not t.done() or t.cancelled():
                continue
            if getattr(t, '_log_traceback', False):
                exc = t._exception if hasattr(t, '_exception') else None
                site = None
                text = ''
                if exc is not None:
                    site = _tb_site(exc.__traceback__)
                    site = None if site[0] is None else (_C(site[0]), site[1])
                    text = _exc_text(exc)
                _app(('warn', _pc(), 'unretrieved-exception', site, tid, text))
        except Exception:
            pass
