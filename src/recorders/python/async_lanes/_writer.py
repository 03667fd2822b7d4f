"""Trace writer process: reads record chunks from a pipe, appends NDJSON.

Forked by the recorder before the program starts (then detached: double fork, so it is not
a child of the program).  It runs until the pipe is closed (the
program ended, or was killed), so a killed program still leaves everything that was sent.
A chunk is the recorder's records, marshalled, and the C accelerator's steps (int64 sextuples,
formatted by the same C module; none without it).  Each chunk becomes: a `clock` record, then
its records (docs/trace-format.md); a future that a task created and then awaited at the end
of the same step, and a task's `ok` end right after its last step, are written as part of that
step.  It holds a lock on the trace while it writes: a recorder whose pipe the program closed
appends its notice after it (append_when_done).  After
the pipe closed (the program has ended), it builds the C accelerator for the next runs if it is not built yet (_native.py).
Standard library only; must not import the recorder.
"""

import bisect
import json
import marshal
import operator
import os
import signal
import struct
import sys

_enc = json.encoder.encode_basestring_ascii


def _js(s):
    if s is None:
        return 'null'
    if type(s) is not str:
        s = str(s)
    return _enc(s)


def _n(v):
    return 'null' if v is None else str(v)


def _task_name(name):
    """A task's name as written: asyncio's default name `Task-N` as the number N (7 bytes fewer).  The recorder sends
    a default name it did not have formatted as the int N (3.13+ with the C accelerator)."""
    if type(name) is int:
        name = f'Task-{name}'
    if type(name) is str and name.startswith('Task-'):
        n = name[5:]
        # (ASCII digits without leading zeros, of a size a reader takes exactly: N reads back as this very text)
        if 0 < len(n) < 16 and n.isdigit() and n.isascii() and str(int(n)) == n:
            return n
    return _js(name)


def _ids(ch):
    """A gather's or wait's awaitable ids; an id d more than the one before as -d when that is shorter (version 2:
    tasks made in a row have ids in a row)."""
    out = []
    prev = None
    for c in ch:
        if c is None:
            out.append('null')
        elif prev is not None and c > prev and len(str(c - prev)) + 1 < len(str(c)):
            out.append(str(prev - c))
        else:
            out.append(str(c))
        prev = c
    return ','.join(out)


_PAUSE = struct.Struct('<q')  # a debugger's pause: its instant (_life.pause)
_time_of = operator.itemgetter(0)  # (a timed record's time: the sort key, in C)


class Formatter:
    def __init__(self, t_start, thr, native=None):
        self.native = native  # the C module (_speedups) when the recorder sends steps as int64
        self.base = t_start
        self.thr = thr
        self.samples = {}  # step/callback start -> {innermost site: [count, stack]} (watchdog samples)
        self.prev = 0
        self.codes = {}  # cid -> (file, func, firstline, starts, lines)
        self.sites = {}  # (file, line, func) -> site id
        self.site_cl = {}  # (cid, lasti) -> site id
        self.exited = False  # the exit record was written: it is the last
        self.pauses = []  # a debugger's pauses (perf_counter_ns): a step stopped at one is no blocked loop

    def loc_site(self, fn, line, func, out):
        k = (fn, line, func)
        s = self.sites.get(k)
        if s is None:
            s = len(self.sites)
            self.sites[k] = s
            out.append('["site",%d,%s,%d,%s]' % (s, _js(fn), line or 0, _js(func)))
        return s

    def site(self, cid, lasti, out):
        if cid is None:
            return 'null'
        k = (cid, lasti)
        s = self.site_cl.get(k)
        if s is None:
            c = self.codes.get(cid)
            if c is None or c[0] is None:
                s = 'null'
            else:
                fn, func, first, starts, lines = c
                if lasti < 0:
                    line = first
                else:
                    i = bisect.bisect_right(starts, lasti) - 1
                    line = lines[i] if i >= 0 else first
                s = self.loc_site(fn, line, func, out)
            self.site_cl[k] = s
        return s

    def block(self, t0, dur, tid, site, tm):
        """A step or callback ran longer than the threshold: a block record (after it, at its
        start time: the running clock is the step's own time, so dt is 0). Without a sample
        (the watchdog did not see it stuck, e.g. the OS preempted the step), it points at the
        step's own site (where it ran / suspended) or the callback's site."""
        if self.pauses and self._paused(t0, dur):
            return
        tm(t0 - self.base, '["block",', self._block_rest(t0 - self.base, dur, tid, None if site == 'null' else site))

    def _paused(self, t0, dur):
        return any(t0 <= p <= t0 + dur for p in self.pauses)

    def _unblock_paused(self, text, clock):
        """The C merge's lines without the blocks of steps a debugger stopped in (each timed line's second field is
        its time after the previous one's; a block's is 0: it is at its step's start)."""
        out = []
        for line in text.split('\n'):
            if line.startswith('["'):
                f = line.split(',', 3)
                clock += int(f[1])
                if f[0] == '["block"' and self._paused(clock + self.base, int(f[2])):
                    continue
            out.append(line)
        return '\n'.join(out)

    def sitekey(self, k, out):
        if k is None:
            return 'null'
        if k[0] == 'loc':
            return self.loc_site(k[1], k[2], k[3], out)
        return self.site(k[0], k[1], out)

    def _site_or_null(self, cid, lasti, out):
        s = self.site(cid, lasti, out)
        return None if s == 'null' else s

    def _block_rest(self, t, dur, tid, site):
        """The block record after its time: the stack whose innermost line most samples saw,
        with how many of how many (the first such stack wins a tie)."""
        seen = self.samples.pop(t + self.base, None)
        if seen:
            count, ss = max(seen.values(), key=lambda v: v[0])
            n = sum(v[0] for v in seen.values())
            return f',{dur},{_n(tid)},[{ss}],{count},{n}]'
        return f',{dur},{_n(tid)},[{"" if site is None else site}]]'

    def format(self, recs, steps=b''):
        """NDJSON text of one chunk: `recs`, the records (tuples; a step is six values, flat),
        and `steps`, the C proxy's steps (int64 sextuples, after the records they may refer to;
        only from a recorder that has the C module, which this forked writer then has too)."""
        if self.exited:  # (a chunk handed over after the exit's: records of a thread that appended late)
            return ''
        out = []
        # Timed records are written in time order within the chunk (records arrive when events end: a step
        # after it ran), so that each dt is small; `site` records, untimed, go first.
        timed = []
        tap = timed.append

        def tm(t, head, rest):
            tap((t, head, rest))

        prev = self.prev
        base = self.base
        site_cl = self.site_cl
        out.append('["clock",%d]' % prev)
        folds = {}  # fut id -> (t, kind, owner, site): futures created by a task, not written yet
        last = {}  # task id -> (index in timed, end time, site) of its latest step that awaited nothing
        ends = {}  # task id -> (t, text inside its quotes, site): `ok` ends for the C module's steps (resolve)
        t_exit = None
        i = 0
        n = len(recs)
        while i < n:
            r = recs[i]
            i += 1
            try:
                if type(r) is int:  # a step: six values, flat (t0, tid, dur, aw, cid, lasti)
                    tid, t1, aw, cid, la = recs[i:i + 5]
                    i += 5
                    s = site_cl.get((cid, la))
                    if s is None:
                        s = self.site(cid, la, out)
                    t = r - base
                    if aw is None:
                        last[tid] = (len(timed), t1 - base, s)
                        tm(t, '["step",', f',{tid},{t1 - r},null,{s}]')
                    else:
                        f = folds.get(aw) if folds else None
                        if f is not None and f[2] == tid and f[3] == s and t <= f[0] <= t1 - base:
                            # the future it now awaits was created in this step, here: the step says
                            # so (its kind appended) instead of a `fut` record
                            del folds[aw]
                            tm(t, '["step",', f',{tid},{t1 - r},{aw},{s},"{f[1]}"]')
                        else:
                            tm(t, '["step",', f',{tid},{t1 - r},{aw},{s}]')
                    if t1 - r > self.thr:
                        self.block(r, t1 - r, tid, str(s), tm)
                    continue
                k = r[0]
                if k == 'code':
                    _, cid, fn, func, first, starts, lines = r
                    # (the recorder keeps registered code objects alive: ids are not reused)
                    self.codes[cid] = (fn, func, first, starts, lines)
                    continue
                # (the records every task makes, task, end and cb, with site_cl, _enc and tap inlined)
                if k == 'cb':
                    _, t0, t1, name, cid, la = r
                    s = site_cl.get((cid, la))
                    if s is None:
                        s = self.site(cid, la, out)
                    if s != 'null' and name == self.codes[cid][1]:
                        # (the site's function: readers take it from the site)
                        tap((t0 - base, '["cb",', f',{t1 - t0},{s}]'))
                    else:
                        tap((t0 - base, '["cb",', f',{t1 - t0},{s},{_js(name)}]'))
                    if t1 - t0 > self.thr:
                        self.block(t0, t1 - t0, None, str(s), tm)
                elif k == 'fut':
                    _, t, fid, kind, owner, cid, la, ch = r
                    s = self.site(cid, la, out)
                    t -= base
                    if ch is None:
                        if owner is not None:
                            # (a step appended later in this chunk may say it created it: see above)
                            folds[fid] = (t, kind, owner, s)
                        else:
                            tm(t, '["fut",', f',{fid},"{kind}",{_n(owner)},{s}]')
                    else:
                        tm(t, '["fut",', f',{fid},"{kind}",{_n(owner)},{s},[{_ids(ch)}]]')
                elif k == 'set':
                    _, t, fid, state, by, via, text = r
                    t -= base
                    # trailing defaults are left out: text "", then state "result", then by null
                    if text:
                        tm(t, '["set",', f',{_n(fid)},{_js(via)},{_n(by)},"{state}",{_js(text)}]')
                    elif state != 'result':
                        tm(t, '["set",', f',{_n(fid)},{_js(via)},{_n(by)},"{state}"]')
                    elif by is not None:
                        tm(t, '["set",', f',{_n(fid)},{_js(via)},{by}]')
                    else:
                        tm(t, '["set",', f',{_n(fid)},{_js(via)}]')
                elif k == 'task':
                    _, t, tid, parent, name, coro, cid, la, lid = r
                    s = site_cl.get((cid, la))
                    if s is None:
                        s = self.site(cid, la, out)
                    tap((t - base, '["task",', f',{tid},{"null" if parent is None else parent},{_task_name(name)},'
                         f'{_enc(coro) if type(coro) is str else _js(coro)},{s},{"null" if lid is None else lid}]'))
                elif k == 'end':
                    _, t, tid, state, text, cid, la = r
                    s = site_cl.get((cid, la))
                    if s is None:
                        s = self.site(cid, la, out)
                    t -= base
                    text = _enc(text) if type(text) is str else _js(text)
                    if state == 'ok' and text[0] == '"':
                        # right after its last step (same time, same site): the step says it (the result appended)
                        p = last.pop(tid, None)
                        if p is not None and p[1] == t and p[2] == s:
                            t0, head, rest = timed[p[0]]
                            timed[p[0]] = (t0, head, f'{rest[:-1]},{text}]')
                            continue
                        if steps:
                            ends[tid] = (t, text[1:-1], s)  # (for the C module's steps: resolve)
                            continue
                    tap((t, '["end",', f',{tid},"{state}",{text},{s}]'))
                elif k == 'name':
                    _, t, tid, name = r
                    t -= base
                    tm(t, '["name",', f',{tid},{_js(name)}]')
                elif k == 'sample':
                    _, t0, sites = r
                    ss = []
                    for cid, la in sites:
                        s = self.site(cid, la, out)
                        if s != 'null':
                            ss.append(str(s))
                    if not ss:
                        continue
                    seen = self.samples.get(t0)
                    if seen is None:
                        if len(self.samples) > 1000:
                            self.samples.clear()
                        seen = self.samples[t0] = {}
                    key = ss[0]
                    if key in seen:
                        seen[key][0] += 1
                    elif len(seen) < 64:
                        seen[key] = [1, ','.join(ss)]
                    continue
                elif k == 'work':
                    _, t0, t1, th, cell, fn, cid, la = r
                    s = self.site(cid, la, out)
                    t = t0 - base
                    tm(t, '["work",', f',{t1 - t0},{th},{_n(cell[0])},{_js(fn)},{s}]')
                elif k == 'thread':
                    _, t, th, name = r
                    t -= base
                    tm(t, '["thread",', f',{th},{_js(name)}]')
                elif k == 'loop':
                    _, t, lid, ev, th = r
                    t -= base
                    tm(t, '["loop",', f',{_n(lid)},"{ev}",{th}]')
                elif k == 'warn':
                    _, t, kind, sk, tid, text = r
                    s = self.sitekey(sk, out)
                    t -= base
                    tm(t, '["warn",', f',"{kind}",{s},{_n(tid)},{_js(text)}]')
                elif k == 'exit':
                    _, t, how, detail = r
                    t_exit = t - base
                    self.exited = True
                    tm(t_exit, '["exit",', _exit_rest(how, detail))
                    # The exit is the last record: a thread that fetched the recorder's append before recording
                    # stopped may still append one after it (its time read later). It is left out.
                    break
            except Exception:
                pass
        nat = self.native
        if steps:
            kinds = []
            rs = nat.resolve(steps, base, lambda c, la: self._site_or_null(None if c == -1 else c, la, out),
                             folds, kinds, ends)
            for tid, (t, text, s) in ends.items():
                tap((t, '["end",', f',{tid},"ok","{text}",{s}]'))
        for fid, (t, kind, owner, s) in folds.items():
            tap((t, '["fut",', f',{fid},"{kind}",{owner},{s}]'))
        timed.sort(key=_time_of)  # stable: a block stays after its step, an exit last among equals
        if t_exit is not None and timed[-1][1] != '["exit",':
            # a record appended before the exit but timed after it (its thread read the clock later)
            timed = [e for e in timed if e[0] <= t_exit and e[1] != '["exit",'] + [
                e for e in timed if e[1] == '["exit",']
        if steps:
            clock = prev
            text, prev = nat.merge(rs, kinds, timed, prev, self.thr, self._block_rest)
            if self.pauses and '["block",' in text:
                text = self._unblock_paused(text, clock)
            self.prev = prev
            out.append(text)
            return '\n'.join(out)
        for t, head, rest in timed:
            out.append(f'{head}{t - prev}{rest}')
            prev = t
        self.prev = prev
        out.append('')
        return '\n'.join(out)


def _exit_rest(how, detail):
    return ',"%s",%s]' % (how, detail if type(detail) is int else _js(detail))


# What a recorder that stopped early (the program closed its pipe) appends itself: a `notice` at t
# (ns since the start) saying so, and at exit the program's `exit`.
def stopped(t, text):
    return '["clock",%d]\n["notice",0,%s]\n' % (t, _js(text))


def exited(t, how, detail):
    return '["clock",%d]\n["exit",0%s\n' % (t, _exit_rest(how, detail))


def append_when_done(out_path, text, deadline):
    """Appends text to the trace once the writer process has ended (it holds a lock on the trace
    while it runs: see run()); not at all if that is not before `deadline` (time.monotonic()).
    Whether it was written."""
    import fcntl
    import time
    try:
        fd = os.open(out_path, os.O_WRONLY | os.O_APPEND | os.O_CLOEXEC)
    except OSError:
        return False
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    return False
                time.sleep(0.005)
        data = text.encode('utf-8')
        while data:
            data = data[os.write(fd, data):]
        return True
    except OSError:
        return False
    finally:
        os.close(fd)


def _read_exact(fd, n):
    chunks = []
    while n:
        try:
            b = os.read(fd, min(n, 1 << 20))
        except InterruptedError:
            continue
        if not b:
            return None
        chunks.append(b)
        n -= len(b)
    return b''.join(chunks)


def run(out_path, t_start, data_fd, done_fd, thr, native=None):
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGPIPE, signal.SIGUSR1,
                signal.SIGUSR2, signal.SIGALRM, signal.SIGCHLD):
        try:
            signal.signal(sig, signal.SIG_IGN if sig != signal.SIGCHLD else signal.SIG_DFL)
        except Exception:
            pass
    try:
        signal.setitimer(signal.ITIMER_REAL, 0)
    except Exception:
        pass
    try:
        os.nice(5)  # when the CPUs are busy, the program goes first; the writer catches up
    except OSError:
        pass
    fmt = Formatter(t_start, thr, native)
    hdr = struct.Struct('<QQ')  # lengths of the marshalled records and of the C steps
    with open(out_path, 'a', encoding='utf-8', newline='\n') as f:
        try:  # held while this process writes: a recorder that stopped early appends after it (append_when_done)
            import fcntl
            fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except (ImportError, OSError):
            pass
        while True:
            h = _read_exact(data_fd, 16)
            if h is None:
                break
            n, ns = hdr.unpack(h)
            if n == 0:  # no records: a debugger's pause (_life.pause), its instant; the flush waits for this answer
                t = _read_exact(data_fd, ns)
                if t is None:
                    break
                fmt.pauses = fmt.pauses[-63:] + [_PAUSE.unpack(t)[0]]
                try:
                    os.write(done_fd, b'p')
                except OSError:
                    pass
                continue
            data = _read_exact(data_fd, n + ns)
            if data is None:
                break
            try:
                recs = marshal.loads(data[:n])
                f.write(fmt.format(recs, data[n:]))
            except Exception:
                continue
            f.flush()
    os.close(done_fd)
    # the program has ended: now is the time to build the accelerator for its next runs
    from async_lanes import _native
    _native.build_later()


