"""Optional C accelerator (_speedups.c): built in the background, cached per user and interpreter.

`load()` returns the compiled module, or None (the recorder then uses its pure-Python proxy and
writer; same records).  The program's own start only looks for a cached build: building happens
in the trace writer process after the program has ended (`build_later()`), so a first run is a
pure-Python run and the next ones are accelerated.

Cache: $XDG_CACHE_HOME/async-lanes/<cache tag>-<version><abiflags>-<hash>/ (XDG_CACHE_HOME
defaults to ~/.cache); the hash covers the C source and the interpreter (version string,
prefix, extension suffix).  A build is made with the interpreter's own sysconfig settings
(CC, or the CC environment variable, CFLAGS, CCSHARED, INCLUDEPY; no setuptools), checked by a
self-test in a separate process (a crash there cannot hurt anyone), and only then renamed into
place: a cached module is a verified one.  A failed build leaves a `failed` marker (retried
after a day).  A new build removes the older builds for the same Python version beyond the
KEEP newest (other sources, other environments): a removed one that is still wanted is simply
built again after its next run.

ASYNC_LANES_NATIVE: `0` forces pure Python; `1` requires the accelerator (built now if it is
not cached; a failure is an error, for tests); unset/anything else: use it when cached.
"""

import os
import sys

_HERE = os.path.dirname(os.path.abspath(__file__))
_SRC = os.path.join(_HERE, '_speedups.c')
_NAME = 'async_lanes._speedups'
KEEP = 4
_state = {}  # 'mod': the module or None once tried; 'why': why not


class Unavailable(Exception):
    pass


def mode():
    """'0' (off), '1' (required) or 'auto'.  Read once: the variable is then removed from the
    environment, which the program sees as it would without the recorder."""
    m = _state.get('mode')
    if m is None:
        v = os.environ.pop('ASYNC_LANES_NATIVE', '').strip().lower()
        m = '0' if v in ('0', 'no', 'false', 'off') else '1' if v in ('1', 'yes', 'true', 'on') else 'auto'
        _state['mode'] = m
    return m


def _supported():
    return (sys.implementation.name == 'cpython' and sys.version_info >= (3, 9)
            and sys.platform.startswith('linux')  # (the clock check assumes CLOCK_MONOTONIC)
            and 't' not in getattr(sys, 'abiflags', ''))  # (free-threaded builds: not supported)


def _cache_root():
    base = os.environ.get('XDG_CACHE_HOME')
    if not base or not os.path.isabs(base):
        base = os.path.join(os.path.expanduser('~'), '.cache')
    return os.path.join(base, 'async-lanes')


def _version_key():
    """The start of the cache directory names of this Python version's builds."""
    return '%s-%d.%d.%d%s-' % (sys.implementation.cache_tag, sys.version_info[0], sys.version_info[1],
                               sys.version_info[2], getattr(sys, 'abiflags', ''))


def _prune(keep_dir):
    """Remove this version's builds beyond the KEEP newest (keep_dir, just built, stays), but not
    one being built."""
    import shutil
    root = _cache_root()
    mine = _version_key()
    builds = []
    for name in os.listdir(root):
        d = os.path.join(root, name)
        if name.startswith(mine) and d != keep_dir and not os.path.exists(os.path.join(d, 'building')):
            try:
                builds.append((os.stat(d).st_mtime, d))
            except OSError:
                pass
    builds.sort(reverse=True)
    for _, d in builds[KEEP - 1:]:
        shutil.rmtree(d, ignore_errors=True)


def target():
    """(directory, module path) of the cached build for this interpreter and source.  Cheap: it
    runs at every start (no sysconfig or hashlib import)."""
    from binascii import crc32
    from importlib.machinery import EXTENSION_SUFFIXES
    with open(_SRC, 'rb') as f:
        src = f.read()
    suffix = EXTENSION_SUFFIXES[0]
    meta = '\0'.join((sys.version, sys.prefix, suffix, sys.implementation.cache_tag or '',
                      getattr(sys, 'abiflags', ''))).encode('utf-8', 'replace')
    data = src + b'\0' + meta
    key = '%s%08x%08x' % (_version_key(), crc32(data), crc32(data[::-1]))
    d = os.path.join(_cache_root(), key)
    return d, os.path.join(d, '_speedups' + suffix)


def _import(path):
    from importlib.machinery import ExtensionFileLoader, ModuleSpec
    loader = ExtensionFileLoader(_NAME, path)
    spec = ModuleSpec(_NAME, loader, origin=path)
    mod = loader.create_module(spec)
    mod.__spec__ = spec
    mod.__loader__ = loader
    loader.exec_module(mod)
    return mod


def _clock_ok(mod):
    """Steps are timed with clock_gettime(CLOCK_MONOTONIC): it must be perf_counter_ns's clock."""
    import time
    if time.get_clock_info('perf_counter').implementation != 'clock_gettime(CLOCK_MONOTONIC)':
        return False
    pc = time.perf_counter_ns
    for _ in range(3):
        a = pc()
        b = mod.now()
        c = pc()
        if not (a <= b <= c):
            return False
    return True


def load():
    """The C module, or None.  Never raises, except Unavailable when ASYNC_LANES_NATIVE=1."""
    if 'mod' in _state:
        return _state['mod']
    m = mode()
    mod = None
    why = 'disabled (ASYNC_LANES_NATIVE=0)'
    if m != '0':
        try:
            if not _supported():
                why = 'not supported on this interpreter/platform'
            else:
                d, path = target()
                if not os.path.isfile(path) and m == '1':
                    why = build(d, path, wait=True)
                if os.path.isfile(path):
                    mod = _import(path)
                    why = None
                    if not _clock_ok(mod):
                        mod, why = None, 'time.perf_counter_ns is not CLOCK_MONOTONIC'
                elif why == 'disabled (ASYNC_LANES_NATIVE=0)':
                    why = 'not built yet'
        except Exception as e:  # never let the accelerator change what the program does
            mod, why = None, '%s: %s' % (type(e).__name__, e)
    _state['mod'] = mod
    _state['why'] = why
    if mod is None and m == '1':
        raise Unavailable(why or 'unknown reason')
    return mod


def build_later():
    """In the writer process, after the program ended: build the module if it is not cached
    (nothing when it is, or it failed recently, or another process is building it)."""
    try:
        if mode() == '0' or not _supported() or _state.get('mod') is not None:
            return
        d, path = target()
        if not os.path.isfile(path):
            build(d, path)
    except Exception:
        pass


def _compiler_cmd():
    import shlex
    import sysconfig
    cfg = sysconfig.get_config_var
    cc = os.environ.get('CC') or cfg('CC')
    inc = cfg('INCLUDEPY')
    if not cc or not inc or not os.path.isfile(os.path.join(inc, 'Python.h')):
        return None
    return (shlex.split(cc) + shlex.split(cfg('CFLAGS') or '') + shlex.split(cfg('CCSHARED') or '-fPIC')
            + ['-shared', '-I' + inc])


def build(d, path, wait=False):
    """Build, self-test and install the module at `path`.  None when done, else why not.
    wait: when another process is building it, wait for that build (up to 5 minutes)."""
    import time
    import subprocess
    import tempfile
    failed = os.path.join(d, 'failed')
    try:
        if not wait and time.time() - os.stat(failed).st_mtime < 86400:
            return 'build failed earlier (%s)' % failed
    except OSError:
        pass
    cmd = _compiler_cmd()
    if cmd is None:
        return 'no C compiler or Python headers'
    os.makedirs(d, exist_ok=True)
    lock = os.path.join(d, 'building')
    try:
        fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
    except FileExistsError:
        try:
            stale = time.time() - os.stat(lock).st_mtime > 600
        except OSError:
            stale = True
        if not stale:
            if not wait:
                return 'being built by another process'
            deadline = time.time() + 300
            while os.path.exists(lock) and time.time() < deadline:
                time.sleep(0.1)
            return None if os.path.isfile(path) else 'the build by another process failed'
        os.unlink(lock)
        fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
    os.close(fd)
    tmp = tempfile.mkdtemp(prefix='.build-', dir=d)
    so = os.path.join(tmp, os.path.basename(path))
    try:
        env = dict(os.environ, ASYNC_LANES_NATIVE='0')
        try:
            r = subprocess.run(cmd + ['-o', so, _SRC], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, timeout=180)
            why = None if r.returncode == 0 and os.path.isfile(so) else (
                'compiler failed: ' + r.stdout.decode('utf-8', 'replace')[-2000:])
        except (OSError, subprocess.TimeoutExpired) as e:
            why = 'compiler failed: %s' % e
        if why is None:
            # the self-test runs in its own process: a crash there only means "not used"
            r = subprocess.run([sys.executable, '-I', '-S', os.path.join(_HERE, '_native_check.py'), so],
                               stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               env=env, timeout=120)
            if r.returncode != 0 or r.stdout.strip() != b'ok':
                why = 'self-test failed: ' + r.stdout.decode('utf-8', 'replace')[-2000:]
        if why is None:
            os.replace(so, path)
            try:
                _prune(d)
            except OSError:
                pass
        else:
            with open(failed, 'w') as f:
                f.write(why)
        return why
    finally:
        for p in (so,):
            try:
                os.unlink(p)
            except OSError:
                pass
        for p in (tmp, lock):
            try:
                (os.rmdir if p == tmp else os.unlink)(p)
            except OSError:
                pass


def proxy_type(mod, future_type, decide, deep_site, aid, end, C, dk_by_code):
    """The C proxy type set up for _rec."""
    import types
    import collections.abc
    t = mod.setup(future_type, decide, deep_site, aid, end, C, dk_by_code, types.CoroutineType)
    collections.abc.Coroutine.register(t)
    return t
