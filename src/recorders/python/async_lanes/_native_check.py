"""Self-test of a freshly built _speedups module, run by _native.build() in its own process
(`python -I -S _native_check.py MODULE_PATH`): prints `ok`, or what went wrong.  A build is
used only after it passed."""

import marshal
import struct
import sys
import types


def main(path):
    from importlib.machinery import ExtensionFileLoader, ModuleSpec
    loader = ExtensionFileLoader('async_lanes._speedups', path)
    spec = ModuleSpec('async_lanes._speedups', loader, origin=path)
    mod = loader.create_module(spec)
    loader.exec_module(mod)

    class Fut:
        _al_id = 7

        def __await__(self):
            yield self

    ends = []
    codes = {}

    def C(co):
        codes[id(co)] = co
        return id(co)

    def decide(p, c, la):
        p._dk[la] = False
        return False

    P = mod.setup(Fut, decide, lambda c: (0, 0), lambda r: 99, lambda p, e, t0: ends.append((p._id, e, t0)),
                  C, {}, types.CoroutineType)

    async def work():
        await Fut()
        try:
            await Fut()
        except KeyError as e:
            return 'caught %s' % e
        return 'no'

    c = work()
    p = P(c, 5)
    buf = []
    assert p.__class__ is types.CoroutineType and p._id == 5 and p._cid == id(work.__code__)
    r1 = p.send(None)
    r2 = p.send(None)
    assert type(r1) is Fut and type(r2) is Fut, (r1, r2)
    try:
        p.throw(KeyError('x'))
        raise AssertionError('no StopIteration')
    except StopIteration as e:
        assert e.value == "caught 'x'", e.value
    assert len(ends) == 1 and ends[0][0] == 5 and type(ends[0][1]) is StopIteration, ends
    buf.append(('x',))
    recs, steps = mod.take(buf)
    assert marshal.loads(recs) == [('x',)] and buf == [] and mod.pending() == 0, (recs, buf)
    vals = list(struct.unpack('<%dq' % (len(steps) // 8), steps))
    assert len(vals) == 12, vals
    s1, s2 = vals[:6], vals[6:]
    for s in (s1, s2):
        assert s[0] <= s[2] and s[1] == 5 and s[3] == 7 and s[4] == id(work.__code__) and s[5] >= 0, s
    assert s1[5] != s2[5] and s1[0] <= s2[0], (s1, s2)

    base = s1[0] - 10
    sites = []

    def site_fn(cid, la):
        sites.append((cid, la))
        return len(sites) - 1

    folds = {7: (s2[0] - base, 'lock', 5, 1)}
    kinds = []
    rs = mod.resolve(steps, base, site_fn, folds, kinds)
    assert sites == [(s1[4], s1[5]), (s2[4], s2[5])] and folds == {} and kinds == ['lock'], (sites, folds, kinds)
    text, prev = mod.merge(rs, kinds, [(s2[0] - base + 1, '["x",', ',1]')], 0, -1,
                           lambda t, d, tid, s: ',%d,%s,[%s]]' % (d, tid, s))
    d1, d2 = s1[2] - s1[0], s2[2] - s2[0]
    want = ('["step",10,5,%d,7,0]\n["block",0,%d,5,[0]]\n["step",%d,5,%d,7,1,"lock"]\n["block",0,%d,5,[1]]\n'
            '["x",1,1]\n' % (d1, d1, s2[0] - s1[0], d2, d2))
    assert text == want, (text, want)
    assert prev == s2[0] - base + 1, prev
    if sys.version_info >= (3, 14):
        check_np(mod, Fut)
    print('ok')


def check_np(mod, Fut):
    """3.14+: begin()/done() time a real task's steps around its step callback."""
    import asyncio
    import threading

    async def work():
        await asyncio.sleep(0)
        return 1

    loop = asyncio.new_event_loop()
    try:
        c = work()
        task = loop.create_task(c)
        ends, other, treg = [], [], {}
        TS = mod.setup_np(treg, lambda h: other.append(h), lambda t: other.append(t),
                          lambda *a: ends.append(a), Fut, asyncio.Task, lambda p, c, la: False, lambda c: (0, 0),
                          lambda r: 5, lambda t: None, lambda co: 77, {})
        st = treg[id(task)] = TS(9, c.cr_code)
        n = 0
        asyncio.events._set_running_loop(loop)  # (the steps run as the loop would run them)
        while not task.done() and n < 5:
            h = loop._ready.popleft()
            tok = mod.begin(h)
            assert type(tok) is int and mod.current(threading.get_ident()) > 0 and mod.running() is st, tok
            h._run()
            assert mod.done(tok) is None
            n += 1
        assert task.done() and n == 2 and len(ends) == 1 and ends[0][0] is st and ends[0][2] is c and not other, (
            n, ends, other)
        assert mod.current(threading.get_ident()) == 0
        recs, steps = mod.take([])
        vals = struct.unpack('<%dq' % (len(steps) // 8), steps)
        assert len(vals) == 6 and vals[1] == 9 and vals[3] == -1 and vals[4] == 77 and vals[0] <= vals[2], vals
    finally:
        asyncio.events._set_running_loop(None)
        loop.close()


if __name__ == '__main__':
    try:
        main(sys.argv[1])
    except BaseException as e:
        import traceback
        traceback.print_exc(file=sys.stdout)
        sys.exit(1)
