"""Where records point and what they show: which code is the program's and which is library code (the site of an
await, a creation, an error), the code objects sent to the writer once (records name them by id), and bounded reprs
of results and exceptions that never run the program's own code.  Used by the per-step core (_rec.py) and at exit."""

import os
import enum
import asyncio

_PKG = os.path.dirname(os.path.abspath(__file__)) + os.sep
_ASYNCIO = os.path.dirname(os.path.abspath(asyncio.__file__)) + os.sep
_STDLIB = os.path.dirname(os.path.abspath(os.__file__)) + os.sep
_STDTEST = _STDLIB + 'test' + os.sep
_app = None  # the core's record buffer's append (_rec sets it; a no-op once nothing more is recorded)

# ---------------------------------------------------------------------------
# library classification, per code object (cached)

_lib = {}  # id(code) -> is library code (hashing a code object is slow: ids are used)
_lib_keep = {}  # keeps those code objects alive, so that their ids stay theirs


def _classify(co):
    fn = co.co_filename
    # library: the recorder, the stdlib (not its tests), installed third-party packages
    r = (fn.startswith(_PKG) or fn.startswith(_ASYNCIO) or fn.startswith('<frozen')
         or 'site-packages' in fn or 'dist-packages' in fn
         or (fn.startswith(_STDLIB) and not fn.startswith(_STDTEST)))
    _lib[id(co)] = r
    _lib_keep[id(co)] = co
    return r


def _is_lib(co):
    r = _lib.get(id(co))
    if r is None:
        r = _classify(co)
    return r


_STOP = 2  # _lib value of the loop's boundaries (our Handle._run, the step proxy): library code
# beyond which the stack is the event loop's, not the code that created something


def _prog_frame(f):
    """First frame (walking outwards, up to the event loop's boundary) that is not library
    code; failing that, the first frame outside asyncio and the recorder (_lib_fallback)."""
    f0 = f
    while f is not None:
        co = f.f_code
        r = _lib.get(id(co))
        if r is None:
            r = _classify(co)
        if not r:
            return f
        if r is _STOP:
            break
        f = f.f_back
    return _lib_fallback(f0)


def _lib_fallback(f):
    """No program frame: the first frame (walking outwards) outside the recorder and asyncio
    (the library code that called into asyncio), else the first one outside the recorder."""
    first = None
    while f is not None:
        co = f.f_code
        fn = co.co_filename
        if not fn.startswith(_PKG):
            if not fn.startswith(_ASYNCIO):
                return f
            if first is None:
                first = f
        if _lib.get(id(co)) is _STOP:
            break
        f = f.f_back
    return first


def _tb_site(tb):
    """(code, lasti) of the innermost program frame of a traceback."""
    best = None
    last = None
    while tb is not None:
        co = tb.tb_frame.f_code
        if not _is_lib(co):
            best = (co, tb.tb_lasti)
        elif not co.co_filename.startswith(_PKG):
            last = (co, tb.tb_lasti)  # innermost library frame: used when no program frame
        tb = tb.tb_next
    return best or last or (None, 0)


def _unlink_ours(tb):
    """Remove the recorder's frames from a traceback chain (in place, except the head)."""
    prev = None
    head = tb
    while tb is not None:
        if tb.tb_frame.f_code.co_filename.startswith(_PKG):
            if prev is None:
                head = tb.tb_next
            else:
                try:
                    prev.tb_next = tb.tb_next
                except Exception:
                    prev = tb
        else:
            prev = tb
        tb = tb.tb_next
    return head


# ---------------------------------------------------------------------------
# code objects are sent to the writer once, as ('code', cid, file, func, firstline, starts, lines);
# records then name them by cid = id(code) (the code object is kept alive here).

_codes = {}


def _C(co):
    if co is None:
        return None
    cid = id(co)
    if cid not in _codes:
        _reg(co)
    return cid


def _reg(co):
    cid = id(co)
    _codes[cid] = co
    try:
        starts = []
        lines = []
        if hasattr(co, 'co_lines'):
            for a, b, ln in co.co_lines():
                if ln is None:
                    continue
                starts.append(a)
                lines.append(ln)
        else:
            import dis
            for a, ln in dis.findlinestarts(co):
                starts.append(a)
                lines.append(ln)
        fn = co.co_filename
        if fn and not fn.startswith('<') and not os.path.isabs(fn):
            fn = os.path.abspath(fn)
        if fn.startswith(_PKG):
            fn = None  # the recorder's own code: no site
        _app(('code', cid, fn, getattr(co, 'co_qualname', co.co_name), co.co_firstlineno,
              starts, lines))
    except Exception:
        _app(('code', cid, None, '', 0, [], []))
    return cid


# ---------------------------------------------------------------------------
# bounded reprs

_SCALARS = {int, float, bool, type(None), complex}
_Enum = enum.Enum
_ENUM_FILE = enum.Enum.__repr__.__code__.co_filename
_BIG = 10 ** 60  # (not folded by the compiler: computed at each use when written inline)
_SEQS = {list: ('[', ']'), tuple: ('(', ')'), set: ('{', '}'), frozenset: ('frozenset({', '})')}


def _brepr(x, depth=0):
    """Bounded repr (<= 200 characters) that never runs the program's own code: objects whose
    __repr__ is written in Python are shown as object.__repr__ shows them (<mod.Cls object at
    0x...>), so a recorded task result cannot have side effects (CPython tests this)."""
    try:
        t = type(x)
        if t in _SCALARS:
            if t is int and (x > _BIG or x < -_BIG):
                s = '<int of %d bits>' % x.bit_length()
            else:
                s = repr(x)
        elif t is str or t is bytes:
            s = repr(x[:210])
        elif t in _SEQS or t is dict:
            if depth >= 2:
                s = '[...]' if t is list else '{...}' if t is dict else '(...)'
            else:
                parts = []
                n = 0
                if t is dict:
                    for k, v in x.items():
                        if n == 8:
                            parts.append('...')
                            break
                        parts.append(_brepr(k, depth + 1) + ': ' + _brepr(v, depth + 1))
                        n += 1
                    s = '{' + ', '.join(parts) + '}'
                else:
                    for v in x:
                        if n == 8:
                            parts.append('...')
                            break
                        parts.append(_brepr(v, depth + 1))
                        n += 1
                    o, c = _SEQS[t]
                    if t is tuple and n == 1 and len(x) == 1:
                        c = ',)'
                    s = (o + ', '.join(parts) + c) if (parts or t is not set) else 'set()'
        else:
            r = getattr(t, '__repr__', None)
            co = getattr(r, '__code__', None)
            if co is None:
                s = repr(x)
            elif co.co_filename == _ENUM_FILE and isinstance(x, _Enum):  # enum's own, as it writes it
                s = '<%s.%s: %s>' % (t.__name__, x._name_, _brepr(x._value_, depth + 1))
            else:  # written in Python: not called
                s = object.__repr__(x)
    except Exception:
        try:
            s = '<%s object>' % type(x).__name__
        except Exception:
            s = '<object>'
    if len(s) > 200:
        s = s[:199] + '\u2026'
    return s


def _exc_text(e):
    try:
        name = type(e).__name__
        msg = str(e)
    except Exception:
        return 'Exception'
    s = '%s: %s' % (name, msg) if msg else name
    if len(s) > 200:
        s = s[:199] + '\u2026'
    return s
