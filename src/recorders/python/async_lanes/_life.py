"""The recorder's lifetime, around the per-step core (_rec.py): start (the C accelerator, the trace's header, the
writer process, asyncio patched), the hand-over of buffered records to the writer (from the program's thread when
many wait, else from the recorder's own thread), the exit (the last records, the wait for the writer, a signal to
die of), and a forked child (not recorded).  The core's hot paths read its globals (_app, _ext, _nat, _take): this
module sets them through core's functions at start and when recording stops."""

import sys
import os
import time
import _thread
import threading
import atexit
import signal
import warnings
import json
import marshal
import select
import struct

from async_lanes import _rec as core
from async_lanes import _depth
from async_lanes import _fds
from async_lanes._sites import _brepr

_pc = time.perf_counter_ns
_buf = core._buf  # (one list for the whole run: emptied in place, never rebound)

# ---------------------------------------------------------------------------
# writer: this process only serializes records (marshal) and pipes them to a helper
# process (_writer.py) that formats and writes the trace, on the other core.

_wfd = None
_flock = _thread.allocate_lock()
_pid = os.getpid()
_stopped = False
_pack = struct.Struct('<QQ').pack
_nat = None  # the C accelerator, when the core uses it (core._nat, set at start)


_taken = []  # what was taken from the buffers for the pipe and not yet written, oldest first (bytes-like)
_sent = [0.0]  # time.monotonic() of the last hand-over to the writer
_monotonic = time.monotonic


def _chunk():
    """The buffered records and the C accelerator's steps, taken (atomically: the GIL is held)."""
    if _nat is not None:
        return _nat.take(_buf)
    n = len(_buf)
    recs = _buf[:n]
    del _buf[:n]
    return recs, b''


def _plain(x):
    """x as marshal can write it: str and int subclasses (an IntEnum exit status, a task name
    of a str subclass) made plain, anything else its bounded repr; a record with one such value
    must not cost its whole chunk."""
    t = type(x)
    if t is tuple or t is list:
        return t([_plain(v) for v in x])
    if x is None or t is str or t is int or t is float or t is bool or t is bytes:
        return x
    if isinstance(x, str):
        return str.__str__(x)
    if isinstance(x, int):
        return int.__int__(x)
    return _brepr(x)


def _marshal(recs):
    try:
        # version 4: short ASCII strings written as they are, repeated ones once (version 2 encodes each str to
        # UTF-8: measured 3-5x slower to write, 1.5-2x to read, a third bigger, on 3.9-3.15)
        return marshal.dumps(recs, 4)
    except ValueError:
        return marshal.dumps(_plain(recs), 4)


def _parts(recs, steps):
    """A chunk for the pipe, in parts (written with writev: no copy into one buffer).  recs: a list, or already
    marshalled (the C accelerator's take)."""
    data = recs if type(recs) is bytes else _marshal(recs)
    return [_pack(len(data), len(steps)), data, steps]


def _take():
    """Hands what is buffered to the writer now, from the program's thread: called by a step
    (the C accelerator's: FLUSH_AT steps or records buffered), a task's end or a callback when
    many records are buffered.  The recorder's thread needs the GIL, which a busy program gives it
    late (see _bg): its flushes were megabytes, out of the CPU caches (~10% of the program's
    time), a burst at the end waited for the exit, and a killed program lost them.  The pipe
    does not block: what does not fit is left to the recorder's thread, so the program never
    waits for the writer."""
    if os.getpid() != _pid or _stopped or _wfd is None:
        return  # (the in-process writer formats in the recorder's thread: see _flush)
    _sent[0] = _monotonic()
    if not _flock.acquire(False):  # the recorder's thread is writing: it takes this one too
        _taken.extend(_parts(*_chunk()))
        return
    try:
        if not _pipe_ok():
            return
        _write_taken()
        if _taken or _nat is None:
            _taken.extend(_parts(*_chunk()))
            _write_taken()
        else:
            rest = _nat.send(_wfd, _buf)  # (straight from the C record and step buffers)
            if rest is not None:
                _taken.append(rest)
    finally:
        _flock.release()


def _pipe_ok():
    """Whether _wfd is still the pipe to the writer: the program may have closed it (the writer
    then has what was handed over before) and opened its own file under that number.  If not,
    recording stops (_lose).  The caller holds _flock."""
    if _fds.ours(_wfd, _wid):
        return True
    _lose()
    return False


def _lose():
    global _wfd, _lost
    _lost = [_pc(), _wfd, False]
    _wfd = None
    _record_no_more()
    if _fds.ours(_done_fd, _did):
        os.close(_done_fd)


def _write_lost(deadline, exit_=None):
    """Appends to the trace that recording stopped early (and then, at exit, how the program
    ended), after what the writer had (it may still be writing: the recorder's thread tries every
    tick, the exit waits until `deadline`)."""
    from async_lanes import _writer
    with _flock:
        t, fd, done = _lost
        out_path, t0 = _trace
        text = '' if done else _writer.stopped(t - t0, (
            'Recording stopped at %.3f s: the program had closed the recorder\'s pipe (descriptor %d); what it '
            'did from shortly before then on is not in this trace.' % ((t - t0) / 1e9, fd)))
        if exit_ is not None:
            text += _writer.exited(exit_[0] - t0, exit_[1], exit_[2])
        if _writer.append_when_done(out_path, text, deadline):
            _lost[2] = True


def _unwritten(parts, n):
    """What is left of `parts` after a write of n bytes."""
    i = 0
    while i < len(parts) and n >= len(parts[i]):
        n -= len(parts[i])
        i += 1
    rest = parts[i:]
    if n:
        rest[0] = memoryview(rest[0])[n:]
    return rest


def _write_taken(deadline=None):
    """Writes the taken parts to the pipe, oldest first, as many as fit (the caller holds
    _flock); with a `deadline` (time.monotonic(), at exit), all of them until then (a writer that
    stopped reading must not keep the program from exiting).  One writev for all: the GIL is taken
    back once (a busy program gives it back late).  If the writer is gone, they are dropped."""
    fd = _wfd
    while _taken:
        try:
            n = os.writev(fd, _taken[:1024])  # (IOV_MAX)
        except BlockingIOError:
            left = 0 if deadline is None else deadline - _monotonic()
            if left <= 0:
                return
            select.select([], [fd], [], min(left, 1.0))
            continue
        except InterruptedError:
            continue
        except OSError:
            del _taken[:]
            return
        _taken[:] = _unwritten(_taken, n)  # (parts appended meanwhile stay)


def _flush(deadline=None):
    """Hands everything to the writer (the recorder's thread; at exit, until written or `deadline`)."""
    if os.getpid() != _pid:
        return
    _sent[0] = _monotonic()
    with _flock:
        if _wfd is not None and _pipe_ok():
            if _buf or (_nat is not None and _nat.pending()):
                _taken.extend(_parts(*_chunk()))
            _write_taken(deadline)
        elif _inproc is not None and (_buf or (_nat is not None and _nat.pending())):
            try:
                recs, steps = _chunk()
                _inproc[1].write(_inproc[0].format(marshal.loads(recs) if type(recs) is bytes else recs, steps))
                _inproc[1].flush()
            except Exception:
                pass


# ---------------------------------------------------------------------------
# the debugger's pause flush

_PAUSE = struct.Struct('<QQq')  # no records: the pause's instant, which the writer answers on the done pipe (_writer.run)
_URI_SAFE = frozenset(b'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.!~*()/')


def pause():
    """At a debugger's pause: what is buffered goes into the trace, and the answer says which tasks are in a step.
    The VS Code extension evaluates `async_lanes._life.pause()` in the paused frame through the debug adapter's
    evaluate request (src/extension/debug.ts).  Records wait in this process's buffers until a step or the recorder's
    thread hands them over (_take, _bg): the debugger has stopped the program's thread, and the recorder's thread
    (which it leaves running: _not_debugged) does so within 100 ms, with no word of when they are written; the
    evaluate runs on the paused thread, hands them to the writer here, and waits (<= 2 s) until the writer, a
    separate process that the debugger does not stop, has written them (its answer to the pause's chunk, which also
    tells it that the step stopped here is no blocked loop).  The trace cannot say which tasks are in a step: steps are written when they end.  The program sees
    nothing of this (no output, no exception, no module imported, no thread started); every failure is an answer.
    Answers one token without quotes or backslashes (the debugger shows the string's repr): the instant and the steps'
    starts on the trace's clock (innermost, the paused thread's loop, first) and the trace's path, URI-encoded."""
    try:
        if os.getpid() != _pid or _trace is None:
            return 'async-lanes: not recorded in this process'
        now = _pc()
        out_path, t0 = _trace
        running = ','.join('%d@%d' % (tid, start - t0) for tid, start in _in_step())
        if not _hand_over(now, _monotonic() + 2.0):
            return 'async-lanes: the writer did not answer'
        return 'async-lanes-pause:t=%d;run=%s;file=%s' % (now - t0, running, ''.join(
            chr(b) if b in _URI_SAFE else '%%%02X' % b for b in out_path.encode('utf-8', 'surrogateescape')))
    except BaseException as e:
        return 'async-lanes: the pause flush failed: %s' % type(e).__name__


def _in_step():
    """(task id, its step's start) of the tasks in a step on each running loop, the calling thread's first (found as
    _rec._watch finds the step a stuck loop is in)."""
    me = _thread.get_ident()
    out = []
    for wr, ident in sorted(core._running.values(), key=lambda v: v[1] != me):
        loop = wr()
        task = None if loop is None else core._cur_task(loop)
        if task is None:
            continue
        start = 0
        if not core._NOPROXY:
            p = getattr(task, '_coro', None)
            if type(p) is core._Coro:
                start = p._t0
        if not start:
            cur = core._cbcur.get(ident)
            start = 0 if cur is None else cur._t0 if type(cur) is core._TS else cur[0]
            if not start and core._NOPROXY and _nat is not None:
                start = _nat.current(ident)
        tid = core._task_id(task)
        if tid is not None:
            out.append((tid, start or _pc()))
    return out


def _hand_over(now, deadline):
    """Hands everything to the writer, tells it of the pause at `now` (a step stopped there is no blocked loop), and
    waits until it has written it all (or `deadline`): whether it did.  The lock is taken with a timeout: the
    recorder's thread may hold it, stopped by the debugger."""
    if _inproc is not None:
        _flush()
        return True
    if not _flock.acquire(True, max(0.0, deadline - _monotonic())):
        return False
    try:
        if _wfd is None or not _pipe_ok():
            return False
        while select.select([_done_fd], [], [], 0)[0]:  # late answers to an earlier pause
            if not os.read(_done_fd, 4096):
                return False  # (the writer is gone)
        if _buf or (_nat is not None and _nat.pending()):
            _taken.extend(_parts(*_chunk()))
        _taken.append(_PAUSE.pack(0, 8, now))
        _sent[0] = _monotonic()
        _write_taken(deadline)
        if _taken:
            return False
    finally:
        _flock.release()
    left = deadline - _monotonic()
    return left > 0 and bool(select.select([_done_fd], [], [], left)[0]) and os.read(_done_fd, 1) == b'p'


_TRIM_EVERY = 30.0  # seconds between the C accelerator's trim() (see _speedups.c): a recording's RSS stays flat


def _not_debugged():
    """Under debugpy: this thread is marked as one of the debugger's own, which it neither traces nor stops.  debugpy
    sets its tracing in every thread it finds running and stops them all at a breakpoint: this one too (shown as a
    "Dummy" thread in the call stack), perhaps while it holds _flock, which the pause flush needs.  The mark needs a
    Thread object of this thread's (a _DummyThread, which debugpy would make anyway)."""
    me = threading.current_thread()
    me.name = 'async-lanes recorder'
    me.pydev_do_not_trace = me.is_pydev_daemon_thread = True


def _bg(watch_every, started):
    """The recorder's thread (it calls `started` first): every `watch_every` seconds (5-25 ms), run the
    blocked-loop watchdog (not under a debugger, whose pauses it would sample), flush what the program's thread could
    not write (the pipe was full), and anything when nothing was handed over for about 100 ms.  On a busy program
    this thread gets the GIL late (the loop's own select() hands it back and forth, which restarts the switch
    interval), so the program's thread hands over its records itself (_take), a few thousand at a time (a small
    buffer stays in the CPU caches: much cheaper for the program than a big one).  It wakes no more often than the
    watchdog needs: each wake takes the GIL from the program (the 5 ms tick it had made about half the voluntary
    context switches of a busy recorded program; the program's CPU time did not measurably change with it)."""
    debugged = os.environ.get('ASYNC_LANES_DEBUGGER') == '1'
    if debugged:
        _not_debugged()
    started()
    tick = watch_every
    flush_after = 0.1 - tick  # (a record waits at most ~100 ms in this process)
    last_trim = time.monotonic()
    while not _stopped:
        time.sleep(tick)
        if _stopped:
            break
        now = time.monotonic()
        if not debugged:  # (a step stopped at a breakpoint is no stuck loop)
            try:
                core._watch()
            except Exception:
                pass
        if now - last_trim >= _TRIM_EVERY and _nat is not None:
            last_trim = now
            _nat.trim()
        if _taken or now - _sent[0] >= flush_after:
            try:
                _flush()
            except Exception:
                pass
        if _lost is not None and not _lost[2]:
            _write_lost(0)


# ---------------------------------------------------------------------------
# exit

_exit_info = [None]
_kill_with = [None]


def record_exit(how, detail):
    if _exit_info[0] is None:
        _exit_info[0] = (how, detail)


_exited = [False]


def _at_exit():
    global _stopped, _wfd
    if os.getpid() != _pid or _exited[0]:
        return
    _exited[0] = True
    how, detail = _exit_info[0] or ('exit', 0)
    core.exit_records(how, detail)
    _stopped = True
    if _nat is not None:
        _nat.set_flush(None, _buf)  # what follows goes in this last flush
    deadline = time.monotonic() + 30  # for the last chunk and the writer: a stuck writer must not keep the program
    try:
        _flush(deadline)
    except Exception:
        pass
    with _flock:
        fd, _wfd = _wfd, None
    if _lost is not None:
        _write_lost(deadline, (_pc(), how, detail))
    elif fd is not None and _fds.ours(fd, _wid) and _fds.ours(_done_fd, _did):
        os.close(fd)
        # wait (bounded) until the writer has written everything
        try:
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                r, _, _ = select.select([_done_fd], [], [], left)
                if r and not os.read(_done_fd, 4096):
                    break
        except Exception:
            pass
    sig = _kill_with[0]
    if sig is not None:
        try:
            signal.signal(sig, signal.SIG_DFL)
            os.kill(os.getpid(), sig)
        except Exception:
            pass


def _record_no_more():
    """Nothing more is buffered (a forked child, or the pipe to the writer is gone)."""
    core.stop_buffering()
    del _taken[:]
    if _nat is not None:
        _nat.reset()
        _nat.set_flush(None, _buf)


def _after_fork_child():
    """A forked child is not recorded: nothing may pile up in it (it may run a loop for long)."""
    global _stopped, _wfd
    _stopped = True
    _record_no_more()
    fd, _wfd = _wfd, None
    for x, idn in ((fd, _wid), (_done_fd, _did)):
        if _fds.ours(x, idn):  # (not a file of the program's under a number it closed)
            os.close(x)


# 3.12+ warns at os.fork() when the process has other threads: the recorder's own must not count (the program would
# print a DeprecationWarning it does not print alone).  The warning is silenced and made again, as CPython makes it
# (in the parent, after the fork, at the caller's line), when the program has threads of its own.
_FORK_WARNING = 'This process (pid=%d) is multi-threaded, use of %s() may lead to deadlocks in the child.'


def _program_threads():
    """The process's threads as CPython counts them for that warning (/proc/self/stat), the recorder's aside; where
    that cannot be read, the threading module's (which does not know the recorder's)."""
    try:
        with open('/proc/self/stat', 'rb') as f:
            return int(f.read().rsplit(b')', 1)[1].split()[17]) - (0 if _stopped else 1)
    except (OSError, ValueError, IndexError):
        return threading.active_count()


def _quiet_fork(orig, name):
    def fork():
        with warnings.catch_warnings():
            warnings.filterwarnings('ignore', message=r'This process \(pid=\d+\) is multi-threaded',
                                    category=DeprecationWarning)
            r = orig()
        if (r if name == 'fork' else r[0]) != 0 and _program_threads() > 1:
            warnings.warn(_FORK_WARNING % (os.getpid(), name), DeprecationWarning, stacklevel=2)
        return r
    fork.__name__ = fork.__qualname__ = name
    fork.__doc__ = orig.__doc__
    return fork


def _patch_fork():
    if sys.version_info < (3, 12):
        return
    for name in ('fork', 'forkpty'):
        orig = getattr(os, name, None)
        if orig is not None:
            setattr(os, name, _quiet_fork(orig, name))


# ---------------------------------------------------------------------------

def _start_writer(out_path, t_start):
    """Fork the writer (before the program runs: no other thread exists yet). It detaches
    (double fork), so it is not the program's child, and holds none of the program's files."""
    global _wfd, _done_fd, _wid, _did, _trace
    _trace = (out_path, t_start)
    r1, w1 = os.pipe()
    r2, w2 = os.pipe()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')  # 3.12+: "fork() with threads" (a sitecustomize's)
            pid = os.fork()
    except (OSError, AttributeError):
        for fd in (r1, w1, r2, w2):
            os.close(fd)
        _start_inprocess(out_path, t_start)
        return
    if pid == 0:  # pragma: no cover - child
        try:
            try:
                os.setsid()
            except OSError:
                pass
            if os.fork() != 0:
                os._exit(0)
            keep = {r1, w2}
            try:
                fds = [int(x) for x in os.listdir('/proc/self/fd')]
            except OSError:
                fds = list(range(3, 256))
            for fd in fds:
                if fd not in keep:
                    try:
                        os.close(fd)
                    except OSError:
                        pass
            try:
                nul = os.open(os.devnull, os.O_RDWR)
                for fd in (0, 1, 2):
                    if fd != nul:
                        os.dup2(nul, fd)
            except OSError:
                pass
            from async_lanes import _writer
            _writer.run(out_path, t_start, r1, w2, core._thr, _nat)
        finally:
            os._exit(0)
    os.close(r1)
    os.close(w2)
    os.waitpid(pid, 0)
    w1, r2 = _fds.high(w1), _fds.high(r2)
    _wid, _did = _fds.ident(w1), _fds.ident(r2)
    try:  # a flush in one write (each partial write waits for the GIL again)
        import fcntl
        fcntl.fcntl(w1, getattr(fcntl, 'F_SETPIPE_SZ', 1031), 1 << 20)
    except (ImportError, OSError):
        pass
    os.set_blocking(w1, False)  # (a full pipe never blocks the program: see _take)
    _wfd = w1
    if _nat is not None:
        _nat.set_flush(_take, _buf, _plain)
    _done_fd = r2


_done_fd = None
_wid = _did = None  # what _wfd and _done_fd are (_fds.ident)
_trace = None  # (trace file, start time)
_lost = None  # [time, descriptor, notice written] once the program closed the pipe to the writer
_inproc = None  # fallback when fork() is not possible: format in the recorder's thread


def _start_inprocess(out_path, t_start):
    global _inproc
    from async_lanes import _writer
    _inproc = (_writer.Formatter(t_start, core._thr, _nat), open(out_path, 'a', encoding='utf-8', newline='\n'))


def install(out_path, block_threshold_ms, argv):
    """Starts recording.  Raises _native.Unavailable only when ASYNC_LANES_NATIVE=1 and the C
    accelerator cannot be used (before anything was patched)."""
    global _nat
    core._thr = int(block_threshold_ms * 1e6)
    from async_lanes import _native
    nat = _native.load()
    if nat is not None:
        try:
            core.setup_native(nat)
        except Exception as e:
            if _native.mode() == '1':
                raise _native.Unavailable('setup failed: %s: %s' % (type(e).__name__, e))
    _nat = core._nat
    if _nat is None and not core._NOPROXY:
        _depth.step_cost(core._STEP_COST)
    out_path = os.path.abspath(out_path)
    t_start = _pc()
    now = time.time()
    start_iso = time.strftime('%Y-%m-%dT%H:%M:%S', time.gmtime(now)) + '.%06dZ' % int((now % 1) * 1e6)
    header = {
        'format': 'async-lanes', 'version': 2, 'runtime': 'python',
        'runtimeVersion': '%d.%d.%d' % sys.version_info[:3], 'pid': os.getpid(),
        'argv': list(argv), 'cwd': os.getcwd(), 'start': start_iso,
        'blockThresholdNs': core._thr, 'native': _nat is not None,
    }
    with open(out_path, 'w', encoding='utf-8', newline='\n') as f:
        f.write(json.dumps(header) + '\n')
    _start_writer(out_path, t_start)
    core._take = _take
    core.patch()
    # No signal handler of the recorder's: a SIGTERM the program does not handle ends it at once, as without the
    # recorder (a Python-level handler runs only between bytecodes: late during a long C call, and inside the
    # recorder's own locked hand-over it deadlocked). The trace then loses what was not handed to the writer yet
    # (at most ~100 ms) and has no exit record: readers say it was cut off.
    atexit.register(_at_exit)
    if hasattr(os, 'register_at_fork'):
        os.register_at_fork(after_in_child=_after_fork_child)
    _patch_fork()
    # The thread must be running before the program starts: on a busy machine a new thread may first get the CPU
    # after a short program has ended, and one that starts while the interpreter finalizes crashes 3.9 (seen under
    # -X dev: a segfault in _PyThreadState_Init, about 1 run in 100 at load 14).
    started = _thread.allocate_lock()
    started.acquire()
    _thread.start_new_thread(_bg, (min(0.025, max(0.005, core._thr / 4e9)), started.release))
    started.acquire()
