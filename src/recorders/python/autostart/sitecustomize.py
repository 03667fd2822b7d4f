# Starts the Async Lanes recorder from the environment, for a program whose command line is not ours: a debugger's.
# debugpy runs `python <debugpy> --connect HOST:PORT ... program.py args` (or `python program.py args` without
# debugging), so `python -m async_lanes run` cannot be put in front; the launcher (src/launch) puts this folder first
# on PYTHONPATH with ASYNC_LANES_OUT (the trace file) and ASYNC_LANES_RESTORE_ENV (the program's own PYTHONPATH).
# Python imports the first sitecustomize on its path while it starts, before debugpy or the program: this one starts
# the recorder as `async_lanes run` would (before any thread: the writer process is forked), gives the program its
# environment and sys.path back (its children are not recorded, as under `async_lanes run`), and then runs the
# sitecustomize it shadows (Debian ships one). Under debugpy (3.11+) it also wraps debugpy's main() to record how the
# program ends (its exit status, or its uncaught exception). It must stay syntax-compatible with old Pythons, which get
# a message.
import os
import sys

_HERE = os.path.dirname(os.path.abspath(__file__))
# debugpy's options before the program (its server/cli.py) that take a value.
_DEBUGPY_VALUED = ('--listen', '--connect', '--log-to', '--adapter-access-token')


def _program_argv(argv):
    """The program's argv as `python program args` gives it (`[module, args]` for -m) when this process runs the
    program, with or without debugpy in front; None for debugpy's adapter and launcher, or an attach (--pid)."""
    if not argv:
        return None
    first = os.path.basename(os.path.normpath(argv[0]))
    if argv[0] == '-m':  # (at start-up, before runpy has found the module)
        orig = getattr(sys, 'orig_argv', [])
        module = orig[orig.index('-m') + 1] if '-m' in orig[:-1] else ''
        return None if module.split('.')[0] == 'debugpy' else [module] + argv[1:]
    if first != 'debugpy':  # (debugpy's launcher is its folder `debugpy/launcher`)
        return None if first == 'launcher' and os.path.basename(os.path.dirname(os.path.normpath(argv[0]))) == 'debugpy' else list(argv)
    i = 1
    while i < len(argv):
        a = argv[i]
        if a in _DEBUGPY_VALUED or a.startswith('--configure-'):
            i += 2
        elif a in ('--wait-for-client', '--log-to-stderr'):
            i += 1
        elif a == '--pid':
            return None
        elif a in ('-m', '-c'):
            return argv[i + 1:i + 2] + argv[i + 2:] if a == '-m' else ['-c'] + argv[i + 2:]
        else:
            return argv[i:]
    return None


def _claim(out):
    """The trace file for this process: ASYNC_LANES_OUT for the first, `<stem>.<pid>.lanes` beside it for any other
    (the debugger restarted the program with the same environment), as the Node recorder names them."""
    stem = out[:-len('.lanes')] if out.endswith('.lanes') else out
    for path in (out, '%s.%d.lanes' % (stem, os.getpid())):
        try:
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
            return path
        except FileExistsError:
            continue
    return path


def _start():
    out = os.environ.get('ASYNC_LANES_OUT')
    if not out:
        return
    if sys.version_info < (3, 9):  # (first: Python 2 has no sys.argv yet at start-up)
        for k in ('ASYNC_LANES_OUT', 'ASYNC_LANES_BLOCK_MS', 'ASYNC_LANES_RESTORE_ENV'):
            os.environ.pop(k, None)
        sys.stderr.write('async-lanes: Python 3.9 or newer is needed to record (this is %d.%d); the program runs '
                         'without recording.\n' % sys.version_info[:2])
        return
    argv = _program_argv(sys.argv)
    if argv is None:
        return
    # Once, in this process: a child that gets this environment (debugpy's subprocess support) is not recorded.
    del os.environ['ASYNC_LANES_OUT']
    block_ms = os.environ.pop('ASYNC_LANES_BLOCK_MS', None)
    recorder = os.path.dirname(_HERE)
    sys.path.insert(0, recorder)
    try:
        try:
            from async_lanes import _cli, _life, _sites
        finally:
            sys.path.remove(recorder)
        _cli._restore_env(_HERE, at_start=True)
        _life.install(_claim(out), float(block_ms) if block_ms else 100.0, argv)
        if os.path.basename(os.path.normpath(sys.argv[0])) == 'debugpy' and sys.version_info >= (3, 11):
            sys.meta_path.insert(0, _DebugpyMain(_life, _sites))
    except Exception as e:  # (a trace file that cannot be written, the C accelerator required and missing)
        sys.stderr.write('async-lanes: recording did not start (%s: %s); the program runs without it.\n'
                         % (type(e).__name__, e))


class _DebugpyMain(object):
    """Records how the program ends under debugpy, as `async_lanes run` does (the recorder writes 'exit 0' unless told
    otherwise): debugpy's __main__ imports debugpy.server.cli and calls its main(), which runs the program and lets
    its SystemExit or exception through; this finder (on sys.meta_path only until that import) wraps that main()."""

    def __init__(self, life, sites):
        self.life, self.sites = life, sites

    def find_spec(self, name, path=None, target=None):
        if name != 'debugpy.server.cli':
            return None
        sys.meta_path.remove(self)
        from importlib.util import find_spec
        spec = find_spec(name)
        loader = getattr(spec, 'loader', None)
        if loader is None or not hasattr(loader, 'exec_module'):
            return spec
        run = loader.exec_module  # (the loader is this module's own: FileFinder makes one per module)

        def exec_module(module):
            run(module)
            module.main = _exit_recorded(module.main, self.life, self.sites)
        loader.exec_module = exec_module
        return spec


def _exit_recorded(main, life, sites):
    def recorded_main():
        try:
            main()
        except BaseException as e:
            if isinstance(e, SystemExit):  # (the status Python exits with)
                life.record_exit('exit', e.code if isinstance(e.code, int) else 0 if e.code is None else 1)
            elif isinstance(e, KeyboardInterrupt):  # (Python dies of SIGINT)
                life.record_exit('signal', 'SIGINT')
            else:
                life.record_exit('exception', sites._exc_text(e))
            # The traceback Python prints is the one without the recorder: from 3.11 a bare `raise` re-raises the
            # exception's own traceback and adds no entry of this frame (3.9 and 3.10 re-raise the one they caught:
            # this is not installed there).
            tb = e.__traceback__
            if tb is not None and tb.tb_frame.f_code is recorded_main.__code__:
                e.__traceback__ = tb.tb_next
            raise
        life.record_exit('exit', 0)
    return recorded_main


def _chain():
    """Runs the sitecustomize this one shadows, if there is one, as `import sitecustomize` would have."""
    path = [p for p in sys.path if os.path.abspath(p or '.') != _HERE]
    try:
        from importlib.machinery import PathFinder
    except ImportError:  # Python 2
        import imp
        try:
            found = imp.find_module('sitecustomize', path)
        except ImportError:
            return
        imp.load_module('sitecustomize', *found)
        return
    spec = PathFinder.find_spec('sitecustomize', path)
    if spec is None or spec.loader is None:
        return
    from importlib.util import module_from_spec
    module = module_from_spec(spec)
    sys.modules['sitecustomize'] = module
    spec.loader.exec_module(module)


_start()
_chain()
