"""deliberately wrong revlog.ancestors: drops the last (lowest) ancestor

For tests/hg-suite/selftest only: proves that Mercurial's own tests, run by
tests/hg-suite/run, turn red when the revlog-level ancestry walk is wrong."""

from mercurial import extensions, revlog

testedwith = b'7.2.4'


class droppedlast:
    """The revisions of a lazy ancestors object but its last (lowest) one."""

    def __init__(self, lazy):
        self._revs = list(lazy)[:-1]
        self._set = set(self._revs)

    def __iter__(self):
        return iter(self._revs)

    def __contains__(self, rev):
        return rev in self._set

    def __bool__(self):
        return bool(self._revs)


def ancestors(orig, self, revs, stoprev=0, inclusive=False):
    return droppedlast(orig(self, revs, stoprev=stoprev, inclusive=inclusive))


def extsetup(ui):
    extensions.wrapfunction(revlog.revlog, 'ancestors', ancestors)
