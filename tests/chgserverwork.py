"""A test extension: native parallel work in the process that loads it, before any
command runs. Under chg that process is the command server, which then forks a
worker per command: the workers inherit the server's thread pool without its
threads (tests/test_chg.py)."""


def extsetup(ui):
    from mercurial import extensions

    oxidag = extensions.find(b'oxidag')
    native = oxidag.native._native
    native.setthreads(2)
    native.setthreshold(1)
    parents = [(-1, -1)] + [(i - 1, -1) for i in range(1, 5000)]
    # Splits: the pool of two threads is built here, in the server.
    # In a chain no member of every third revision is another's parent.
    assert len(native.headrevs(parents, range(0, 5000, 3))) == 1667
