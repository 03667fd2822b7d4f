"""`python -m async_lanes run ...`: run a script or module like Python would, recording it."""

import sys
import os
import json

USAGE = ('usage: python -m async_lanes run [-o FILE] [--block-threshold MS] '
         '(script.py | -m module) [args...]')
_PKG_PARENT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _fail(msg):
    sys.stderr.write('async-lanes: %s\n' % msg)
    sys.stderr.flush()
    sys.exit(2)


def _parse(argv):
    if not argv or argv[0] in ('-h', '--help'):
        sys.stdout.write(USAGE + '\n')
        sys.exit(0 if argv else 2)
    if argv[0] != 'run':
        _fail('unknown command %r (expected "run"); %s' % (argv[0], USAGE))
    out = None
    thr = 100.0
    module = None
    i = 1
    while i < len(argv):
        a = argv[i]
        if a in ('-o', '--output'):
            if i + 1 >= len(argv):
                _fail('%s needs a file name' % a)
            out = argv[i + 1]
            i += 2
        elif a.startswith('--output='):
            out = a.split('=', 1)[1]
            i += 1
        elif a == '--block-threshold' or a.startswith('--block-threshold='):
            if '=' in a:
                v = a.split('=', 1)[1]
                i += 1
            else:
                if i + 1 >= len(argv):
                    _fail('--block-threshold needs a number of milliseconds')
                v = argv[i + 1]
                i += 2
            try:
                thr = float(v)
                if not (thr > 0) or thr != thr or thr == float('inf'):
                    raise ValueError
            except ValueError:
                _fail('--block-threshold: %r is not a positive number of milliseconds' % v)
        elif a == '-m':
            if i + 1 >= len(argv):
                _fail('-m needs a module name')
            module = argv[i + 1]
            i += 2
            break
        elif a == '--':
            i += 1
            break
        elif a.startswith('-') and a != '-':
            _fail('unknown option %r; %s' % (a, USAGE))
        else:
            break
    rest = argv[i:]
    if module is None:
        if not rest:
            _fail('no script given; %s' % USAGE)
        if rest[0] == '-':
            _fail('reading the program from stdin is not supported')
    return out, thr, module, rest


def _restore_env(ours=_PKG_PARENT, at_start=False):
    """Gives the program the variables the launcher changed (ASYNC_LANES_RESTORE_ENV) and takes `ours` (the folder it
    put on PYTHONPATH) off sys.path.  `at_start`: called from a sitecustomize, when sys.path[0] is not the program's
    folder yet (PYTHONPATH comes first)."""
    raw = os.environ.pop('ASYNC_LANES_RESTORE_ENV', None)
    restored = {}
    if raw:
        try:
            d = json.loads(raw)
        except ValueError:
            d = {}
        for k, v in d.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
            restored[k] = v
    if raw and 'PYTHONPATH' in restored:
        orig = restored['PYTHONPATH'] or ''
        keep = sum(1 for p in orig.split(os.pathsep) if p and _same(p, ours))
        have = [n for n, p in enumerate(sys.path) if (at_start or n > 0) and p and _same(p, ours)]
        for n in reversed(have[keep:] if keep else have):
            del sys.path[n]


def _same(a, b):
    try:
        return os.path.abspath(a) == b
    except Exception:
        return False


def _strip_tb(tb):
    """Leading frames of the recorder (and runpy in script mode) go; later ones are unlinked."""
    from async_lanes import _sites
    pkg = _sites._PKG
    while tb is not None and tb.tb_frame.f_code.co_filename.startswith(pkg):
        tb = tb.tb_next
    return _sites._unlink_ours(tb) if tb is not None else None


def _strip_chain(e, seen=None):
    if seen is None:
        seen = set()
    while e is not None and id(e) not in seen:
        seen.add(id(e))
        try:
            e.__traceback__ = _strip_tb(e.__traceback__)
        except Exception:
            pass
        if e.__cause__ is not None:
            _strip_chain(e.__cause__, seen)
        e = e.__context__


def main(argv):
    out, thr, module, rest = _parse(argv)
    from async_lanes import _life, _sites
    _restore_env()
    cwd = os.getcwd()
    if module is None:
        script = rest[0]
        if not os.path.exists(script):
            _fail("can't open file %r: [Errno 2] No such file or directory"
                  % (os.path.join(cwd, script) if not os.path.isabs(script) else script))
        if os.path.isdir(script):
            _fail('running a directory or zip file is not supported: %r' % script)
        try:
            with open(script, 'rb') as fh:
                source = fh.read()
        except OSError as e:
            _fail("can't open file %r: %s" % (script, e))
        stem = os.path.splitext(os.path.basename(script))[0]
    else:
        source = None
        stem = module.rsplit('.', 1)[-1] or 'trace'
        if stem == '__main__':
            stem = module.split('.')[0]
    if out is None:
        out = os.path.join(cwd, stem + '.lanes')
    try:
        open(out, 'w').close()
    except OSError as e:
        _fail('cannot write the trace file %r: %s' % (out, e))

    # the program's argv, sys.path[0] and __main__, as `python script.py` / `python -m mod`
    if module is None:
        sys.argv[:] = rest
        path0 = os.path.dirname(os.path.realpath(script))
        filename = script if os.path.isabs(script) else cwd + os.sep + script
        if sys.path:
            sys.path[0] = path0
        else:
            sys.path.insert(0, path0)
    else:
        sys.argv[:] = ['-m'] + rest  # runpy replaces argv[0] with the module's file
        if not sys.path or sys.path[0] != cwd:
            sys.path.insert(0, cwd)
    try:
        oa = sys.orig_argv
        for n in range(len(oa) - 1):
            if oa[n] == '-m' and oa[n + 1] == 'async_lanes':
                sys.orig_argv = oa[:n] + (['-m', module] if module else []) + rest
                break
    except AttributeError:
        pass

    # the program starts deeper than plain: measured here, at the depth its code runs at (see _depth)
    from async_lanes import _depth
    probe = _depth.Probe()
    if module is None:
        exec(probe.code, probe.here)
    else:
        probe.entry(probe.here)
    probe.compensate()

    from async_lanes import _native
    try:
        _life.install(out, thr, sys.argv if module is None else [module] + rest)
    except _native.Unavailable as e:
        _fail('the C accelerator is required (ASYNC_LANES_NATIVE=1) but not available: %s' % e)

    import types
    main_mod = types.ModuleType('__main__')
    if module is None:
        from importlib.machinery import SourceFileLoader
        main_mod.__file__ = filename
        main_mod.__cached__ = None
        main_mod.__loader__ = SourceFileLoader('__main__', filename)
        main_mod.__package__ = None
        main_mod.__spec__ = None
        main_mod.__annotations__ = {}
    main_mod.__builtins__ = __builtins__ if isinstance(__builtins__, dict) else vars(__builtins__)
    sys.modules['__main__'] = main_mod

    try:
        if module is None:
            code = compile(source, filename, 'exec', dont_inherit=True)
            del source
            exec(code, main_mod.__dict__)
        else:
            import runpy
            runpy._run_module_as_main(module, alter_argv=True)
    except SystemExit as e:
        c = e.code
        if c is None:
            code_ = 0
        elif isinstance(c, int):
            code_ = c
        else:
            code_ = 1
        _life.record_exit('exit', code_)
        _strip_chain(e)
        raise
    except KeyboardInterrupt as e:
        _life.record_exit('signal', 'SIGINT')
        _report(e)
        _life._kill_with[0] = __import__('signal').SIGINT
        sys.exit(130)
    except BaseException as e:
        _life.record_exit('exception', _sites._exc_text(e))
        _report(e)
        sys.exit(1)
    else:
        _life.record_exit('exit', 0)


def _report(e):
    _strip_chain(e)
    try:
        sys.last_type, sys.last_value, sys.last_traceback = type(e), e, e.__traceback__
        if sys.version_info >= (3, 12):
            sys.last_exc = e
    except Exception:
        pass
    try:
        sys.excepthook(type(e), e, e.__traceback__)
    except BaseException:
        sys.__excepthook__(type(e), e, e.__traceback__)
    try:
        sys.stderr.flush()
    except Exception:
        pass
