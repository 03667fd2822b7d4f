"""Runs CPython's test_asyncio (or the named test modules) and writes one JSON line per test.

    python run_suite.py RESULTS.jsonl [test.test_asyncio.test_tasks ...]

Each line: {"id": "<test id>", "outcome": "ok|fail|error|skip|xfail|xpass"}, and "unraisable": the sorted
type names of the exceptions that went to sys.unraisablehook while it ran ("Exception ignored in ...", what
regrtest reports as an environment change), when there were any.  Written (and flushed) as each test ends, so a
crash or a hang still leaves the results so far.  Used by
test/recorders/cpython-suite.test.ts, once plainly and once under `python -m async_lanes run`.
"""
import json
import sys
import unittest


def main():
    out_path = sys.argv[1]
    names = sys.argv[2:] or ['test.test_asyncio']
    out = open(out_path, 'w', encoding='utf-8')

    unraisable = []
    hook = sys.unraisablehook

    def on_unraisable(u):
        unraisable.append(type(u.exc_value).__name__ if u.exc_value is not None else 'None')
        hook(u)

    sys.unraisablehook = on_unraisable

    def emit(test, outcome):
        try:
            tid = test.id()
        except Exception:
            tid = str(test)
        r = {'id': tid, 'outcome': outcome}
        if unraisable:
            r['unraisable'] = sorted(set(unraisable))
            del unraisable[:]
        out.write(json.dumps(r) + '\n')
        out.flush()

    class Result(unittest.TextTestResult):
        def startTest(self, test):
            self._sub_failed = False
            del unraisable[:]  # (from between tests: gc of an earlier one)
            super().startTest(test)

        def addSuccess(self, test):
            super().addSuccess(test)
            emit(test, 'fail' if getattr(self, '_sub_failed', False) else 'ok')

        def addFailure(self, test, err):
            super().addFailure(test, err)
            emit(test, 'fail')

        def addError(self, test, err):
            super().addError(test, err)
            emit(test, 'error')

        def addSkip(self, test, reason):
            super().addSkip(test, reason)
            emit(test, 'skip')

        def addExpectedFailure(self, test, err):
            super().addExpectedFailure(test, err)
            emit(test, 'xfail')

        def addUnexpectedSuccess(self, test):
            super().addUnexpectedSuccess(test)
            emit(test, 'xpass')

        def addSubTest(self, test, subtest, err):
            super().addSubTest(test, subtest, err)
            if err is not None:
                self._sub_failed = True

    suite = unittest.defaultTestLoader.loadTestsFromNames(names)
    runner = unittest.TextTestRunner(stream=sys.stderr, verbosity=1, resultclass=Result)
    result = runner.run(suite)
    out.close()
    sys.exit(0 if result.wasSuccessful() else 1)


if __name__ == '__main__':
    main()
