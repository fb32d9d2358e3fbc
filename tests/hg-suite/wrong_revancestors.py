"""deliberately wrong revset walker dag_util.revancestors: drops the last (lowest)
ancestor

For tests/hg-suite/selftest only: proves that Mercurial's own tests, run by
tests/hg-suite/run, turn red when the revset-level ancestry walk (``::x``,
``ancestors()``) is wrong."""

from mercurial import extensions, smartset
from mercurial.utils import dag_util

testedwith = b'7.2.4'


def revancestors(orig, repo, revs, *args, **kwargs):
    revs = list(orig(repo, revs, *args, **kwargs))[:-1]
    return smartset.generatorset(iter(revs), iterasc=False)


def extsetup(ui):
    extensions.wrapfunction(dag_util, 'revancestors', revancestors)
