# Entry point of `python -m async_lanes`.  This file must stay syntax-compatible
# with old Pythons (2.7, 3.6+) so that they get a clear message, not a SyntaxError.
import sys

if sys.version_info < (3, 9):
    sys.stderr.write("async-lanes: Python 3.9 or newer is needed (this is %d.%d)\n"
                     % (sys.version_info[0], sys.version_info[1]))
    sys.exit(2)

from async_lanes._cli import main  # noqa: E402

main(sys.argv[1:])
