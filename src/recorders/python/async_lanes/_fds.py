"""The recorder's descriptors in the traced program's process (the pipe to the writer, the writer's
done-pipe).  A program may close them (os.closerange(3, ...)) and get their numbers back from its
next open(): writing there would put trace data into the program's own file.  So they are moved
near the top of the first 1024 numbers (select() takes no higher), out of the way of the program's
numbering (its files get the numbers they get without the recorder, and a closed number is not
handed out again until all below it are in use), and checked before use: `ours` is one fstat,
called once per hand-over, never per event."""

import os


def high(fd):
    """fd moved near the top of the first 1024 descriptors (close-on-exec, as os.pipe() makes it),
    or fd itself where that is not possible."""
    try:
        import fcntl
        import resource
        soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
        top = 1024 if soft == resource.RLIM_INFINITY else min(soft, 1024)
        if fd >= top - 16:
            return fd
        new = fcntl.fcntl(fd, getattr(fcntl, 'F_DUPFD_CLOEXEC', fcntl.F_DUPFD), top - 16)
        os.set_inheritable(new, False)
    except (ImportError, OSError, ValueError):
        return fd
    os.close(fd)
    return new


def ident(fd):
    """What fd is (device and inode: a pipe has its own), to tell it from a reused number."""
    st = os.fstat(fd)
    return st.st_dev, st.st_ino


def ours(fd, idn):
    """Whether fd is still the descriptor `ident` described (not closed, not reused)."""
    try:
        return fd is not None and ident(fd) == idn
    except OSError:
        return False
