"""The wrappers that send Mercurial's revlog-level ancestry questions to the native
module (the revset walkers are in walkers.py).

Each wrapper takes `orig` first and calls it for whatever it does not handle: the
native module not serving this index, unusual arguments, or corner cases where
Mercurial's own answer is defined by its Python code (each says which). One rule
covers most of them: arguments that are not plain revisions of the revlog (the
working directory, numbers outside it, revisions a repoview hides) go to Mercurial,
whose code raises its own error or gives its own answer for them.

Where Mercurial's C walks as fast as the native code would without the parents
table (common ancestors, is-ancestor, reachable roots), C answers until the table
pays: decided by guards in native.py that hooks.py calls before importing this
module.
"""

from __future__ import annotations

from mercurial import ancestor as ancestormod, repoview, revlog
from mercurial.node import nullrev

from . import native

# The parents function revlog.headrevs(revs) hands to dagop.headrevs.
_REVLOG_PARENTREVS = revlog.revlog.parentrevs
_PLAIN_REVS = (revlog.revlog.revs, repoview.filteredchangelogmixin.revs)
_PLAIN_PARENTREVS = (_REVLOG_PARENTREVS, repoview.filteredchangelogmixin.parentrevs)

# Above this many inputs Mercurial's C gives up and its Python returns a set.
C_GCA_CAPACITY = 24


def _serves(rlog):
    return native.servesrevlog(rlog)


# --- revlog level ---------------------------------------------------------


def ancestors(orig, self, revs, stoprev=0, inclusive=False):
    if not _serves(self):
        return orig(self, revs, stoprev=stoprev, inclusive=inclusive)
    revs = list(revs)
    # Mercurial's own checks first: WdirUnsupported, FilteredIndexError, IndexError.
    checkrev = self.node
    for r in revs:
        checkrev(r)
    if inclusive and (len(set(revs)) != len(revs) or (stoprev < 0 and nullrev in revs)):
        # Python's heap yields duplicated start revisions (and nullrev below a
        # negative stoprev): keep its exact output.
        return orig(self, revs, stoprev=stoprev, inclusive=inclusive)
    return native._native.LazyAncestors(self.index, revs, stoprev, inclusive)


class incrementalmissingancestors:
    """`ancestor.incrementalmissingancestors`'s interface over the native object
    (`bases` is an attribute there, a method natively). Given anything but plain
    revisions (`unusual`), it hands its state to Mercurial's own object, whose
    answer (an error, or what its Python does with such values) defines it."""

    def __init__(self, inner, rlog):
        self._inner = inner
        self._rlog = rlog
        self._python = None

    def _serving(self, revs=()):
        if self._python is None and native.unusual(self._rlog, revs):
            self._python = ancestormod.incrementalmissingancestors(
                self._rlog.parentrevs, self._inner.bases()
            )
        return self._python or self._inner

    @property
    def bases(self):
        if self._python is not None:
            return self._python.bases
        return self._inner.bases()

    def hasbases(self):
        return self._serving().hasbases()

    def addbases(self, newbases):
        newbases = list(newbases)
        self._serving(newbases).addbases(newbases)

    def basesheads(self):
        return self._serving().basesheads()

    def removeancestorsfrom(self, revs):
        self._serving(revs).removeancestorsfrom(revs)

    def missingancestors(self, revs):
        revs = list(revs)
        return self._serving(revs).missingancestors(revs)


def incrementalmissingrevs(orig, self, common=None):
    if not _serves(self):
        return orig(self, common=common)
    common = [nullrev] if common is None else list(common)
    if native.unusual(self, common):
        return orig(self, common=common)
    return incrementalmissingancestors(native._native.MissingAncestors(self.index, common), self)


def headrevs(orig, revs, parentsfn):
    """`dagop.headrevs`, natively when `parentsfn` is a served revlog's own
    `parentrevs` (as `revlog.headrevs(revs)` passes it): `revlog.headrevs()` without
    revisions keeps going straight to the C index, with no wrapper in the way."""
    rlog = getattr(parentsfn, '__self__', None)
    if (
        getattr(parentsfn, '__func__', None) is not _REVLOG_PARENTREVS
        or not _serves(rlog)
    ):
        return orig(revs, parentsfn)
    revs = list(revs)
    if native.unusual(rlog, revs):
        return orig(revs, parentsfn)
    heads = native._native.headrevs(rlog.index, revs)
    # Build the very set dagop.headrevs builds (set(revs), then removals), so that
    # even its iteration order is Mercurial's.
    result = set(revs)
    result.difference_update([r for r in result if r not in heads])
    return result


def descendants(orig, self, revs):
    if not _serves(self):
        return orig(self, revs)
    revs = list(revs)
    # Hidden revisions among `revs` are fine: Mercurial never reads their parents.
    if not revs or native.unusual(self, revs, hidden=True):
        return orig(self, revs)
    native_set = native._native.descendants(self.index, revs, False, native.filteredrevs(self))
    return _generator(native_set)


def _generator(revs):
    """A generator over `revs`, as Mercurial's method returns one."""
    yield from revs


def heads(orig, self, start=None, stop=None):
    """`revlog.heads(start, stop)`: the list Mercurial returns, in the iteration order
    of the set `dagop.headrevssubset` builds (the native module builds that very set,
    by the same additions and removals). Without arguments it is C's call, left alone;
    a subclass walking its own revisions or parents keeps its own."""
    if (start is None and stop is None) or not _serves(self) or not _plainwalk(self):
        return orig(self, start, stop)
    # Mercurial's own lookups, and their errors for unknown or filtered nodes.
    startrev = nullrev if start is None else self.rev(start)
    stoprevs = {self.rev(n) for n in stop or []}
    found = native._native.headrevssubset(
        self.index, startrev, stoprevs, native.filteredrevs(self), native.canonical_order(self)
    )
    return [self.node(r) for r in found]


def _plainwalk(rlog):
    """Whether `rlog.revs` and `rlog.parentrevs` are a revlog's (or a filtered
    changelog's, which skips its filtered revisions), as the native walk assumes."""
    kind = type(rlog)
    return kind.revs in _PLAIN_REVS and kind.parentrevs in _PLAIN_PARENTREVS


def children(orig, self, node):
    if not _serves(self):
        return orig(self, node)
    p = self.rev(node)
    native_set = native._native.children(self.index, [p], native.filteredrevs(self))
    return [self.node(r) for r in native_set]


def commonancestorsheads_revs(orig, self, *revs):
    """`revlog._commonancestorsheads`: what Mercurial's C index answers (a list, in
    descending order) where it answers, and else what its Python answers (a set, in
    that set's order): the C index takes the arguments in order, answers [] at the
    first null, and gives up beyond 24 distinct revisions; a pure-Python index has no
    such method. The Python reads parents through the repoview, which refuses hidden
    revisions: those go to Mercurial."""
    if not native.serves(self.index) or native.unusual(self, revs, hidden=True):
        return orig(self, *revs)
    if hasattr(self.index, 'commonancestorsheads'):
        _serves(self)
        distinct = set()
        for rev in revs:
            if rev == nullrev:
                return []
            distinct.add(rev)
            if len(distinct) > C_GCA_CAPACITY:
                break
        else:
            return native._native.commonancestorsheads(self.index, *revs)
    if nullrev in revs:
        return set()
    if native.unusual(self, revs) or not _serves(self):
        return orig(self, *revs)
    # Mercurial's Python fills its set in this same descending order.
    return set(native._native.commonancestorsheads(self.index, *revs))


def ancestor(orig, self, a, b):
    if not native.serves(self.index):
        return orig(self, a, b)
    _serves(self)
    a, b = self.rev(a), self.rev(b)
    ancs = native._native.ancestors(self.index, a, b)
    if ancs:
        # choose a consistent winner when there's a tie
        return min(map(self.node, ancs))
    return self.nullid


def isancestorrev(orig, self, a, b):
    # Mercurial answers through reachableroots: the C index ignores the repoview, the
    # pure-Python walk reads parents through it (and refuses hidden revisions).
    c_index = hasattr(self.index, 'reachableroots2')
    if not _serves(self) or native.unusual(self, (a, b), hidden=c_index):
        return orig(self, a, b)
    return native._native.isancestor(self.index, a, b)


def reachableroots(orig, self, minroot, heads, roots, includepath=False):
    # The native answer is the C index's (reachableroots2), in its order; pure-Python
    # Mercurial answers differently for heads below minroot, so it keeps its own.
    if not native.active() or not hasattr(self.index, 'reachableroots2'):
        return orig(self, minroot, heads, roots, includepath=includepath)
    heads = list(heads)
    if native.unusual(self, heads, hidden=True):
        return orig(self, minroot, heads, roots, includepath=includepath)
    if not native.serves(self.index) or not _serves(self):
        return orig(self, minroot, heads, roots, includepath=includepath)
    return native._native.reachableroots(self.index, minroot, heads, list(roots), includepath)


def strip(orig, self, *args, **kwargs):
    """`revlog.strip`, then tell the native module its index was truncated: the
    native objects that read what was cut raise from their next answer on (even
    the next item of an iteration in progress)."""
    try:
        return orig(self, *args, **kwargs)
    finally:
        # Only a loaded module can hold objects that read what was cut.
        module = native.loaded()
        if module is not None:
            module.truncated(self.index)
