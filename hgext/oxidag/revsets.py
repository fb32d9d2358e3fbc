"""Revset predicates answered natively: `only()`, `heads()`, `roots()`,
`children()`, `parents()`, `commonancestors()`, and `x::y` (through
`dag_util.reachableroots`).

Mercurial's own predicates compute through the revlog (which oxidag already
serves) but then build Python sets and `baseset`s of every result: that, not the
walk, is what `only(tip, x)` or `heads(all())` spend their time on in a large
repository. These replacements compute on native sets end to end and return
smartsets that behave as the ones Mercurial returns (same members, order, order
flags and `hg debugrevspec` repr), see smartsets.py.

Each replacement evaluates its arguments exactly as Mercurial's predicate does;
when the result cannot be computed natively (nullrev or the working directory
among them, an index oxidag does not serve), Mercurial's predicate runs on the
sets already evaluated, never evaluating an argument twice.
"""

from __future__ import annotations

import itertools
import sys

from mercurial import error, revset, revsetlang, smartset

from . import hooks, native
from .smartsets import nativebaseset, nativefilteredset

# --- arguments already evaluated ------------------------------------------

_evaluated = {}
_keys = itertools.count()


def _evaluatedset(repo, subset, x):
    key = revsetlang.getstring(x, hooks.EVALUATED + b' is internal to oxidag')
    if key not in _evaluated:
        raise error.ParseError(hooks.EVALUATED + b' is internal to oxidag')
    return _evaluated[key]


def _fallback(orig, repo, subset, evaluated, *order):
    """`orig(repo, subset, x, *order)` where x's arguments evaluate to `evaluated`."""
    keys = [b'%d' % next(_keys) for _ in evaluated]
    _evaluated.update(zip(keys, evaluated))
    try:
        nodes = tuple((b'func', (b'symbol', hooks.EVALUATED), (b'string', k)) for k in keys)
        x = nodes[0] if len(nodes) == 1 else (b'list',) + nodes
        return orig(repo, subset, x, *order)
    finally:
        for k in keys:
            del _evaluated[k]


def tonative(repo, revs, whole=True, cl=None):
    """The revisions of a smartset (or list) as a native set, without making Python
    ints where possible; None if it holds what a native set cannot (nullrev, the
    working directory), or if reading it whole may run Mercurial code that its own
    predicate would not (`native.runslazily`). With `whole` false (the caller's Mercurial
    predicate consumes its argument only in part), also None for any lazy smartset
    of Mercurial's (a filter too). `cl`: the caller's `repo.changelog`, which a
    repoview computes again at every access."""
    own = getattr(revs, '_native', None)
    if own is not None:
        return own
    if native.runslazily(revs) or (
        not whole and not isinstance(revs, (smartset.baseset, smartset._spanset, list, set))
    ):
        return None
    RevisionSet = native._native.RevisionSet
    if isinstance(revs, smartset._spanset):
        if revs._start < 0:
            return None  # null:N holds null
        return RevisionSet.span(revs._start, revs._end, revs._hiddenrevs or None)
    if not revs:
        return RevisionSet()
    if hasattr(revs, 'isascending'):
        lowest, highest = revs.min(), revs.max()
    else:
        lowest, highest = min(revs), max(revs)
    if lowest < 0 or highest >= len(repo.changelog if cl is None else cl):
        return None
    return RevisionSet(revs)


def _served(repo):
    return native.servesrevlog(repo.changelog)


def _wholerepo(repo, subset):
    """Whether `subset & result` is what Mercurial computes at the top level."""
    return isinstance(subset, smartset.fullreposet) and _served(repo)


def _argset(repo, x, order=revset.defineorder):
    return revset.getset(repo, smartset.fullreposet(repo), x, order=order)


# --- predicates -------------------------------------------------------------


def only(orig, repo, subset, x):
    args = revsetlang.getlist(x)
    if not _wholerepo(repo, subset) or not 1 <= len(args) <= 2:
        return orig(repo, subset, x)
    cl = repo.changelog
    include = _argset(repo, args[0])
    evaluated = [include]
    if len(args) == 2:
        evaluated.append(_argset(repo, args[1]))
    # Empty `include`: Mercurial's empty sets, through the fallback.
    heads = tonative(repo, include) if include else None
    common = None
    if len(args) == 2:
        common = tonative(repo, evaluated[1])
    elif heads is not None:
        # The heads of the repository that are neither in nor descend from `include`.
        below = native._native.descendants(cl.index, heads, True, cl.filteredrevs or None)
        common = [r for r in cl.headrevs() if r not in below and r not in heads]
    if heads is None or common is None:
        return _fallback(orig, repo, subset, evaluated)
    missing = native._native.onlyset(cl.index, heads, common)
    return subset & nativebaseset(missing)


def commonancestors(orig, repo, subset, x):
    # Mercurial intersects `subset` with the ancestors of each start revision in turn,
    # one nested set a revision: past about a thousand, evaluating them recurses too
    # deep (RecursionError). Up to a quarter of the recursion limit its answer stands
    # (native walks already, and the nested sets are what `debugrevspec` shows);
    # beyond, the common ancestors are the ancestors of the heads of the common
    # ancestors: one native answer, in `subset`'s order as Mercurial's.
    if not _served(repo):
        return orig(repo, subset, x)
    startrevs = _argset(repo, x, revset.anyorder)
    revs = None
    if len(startrevs) > sys.getrecursionlimit() // 4:
        revs = tonative(repo, startrevs)
    if revs is None:
        return _fallback(orig, repo, subset, [startrevs])
    index = repo.changelog.index
    heads = native._native.commonancestorsheads(index, *revs)
    return subset & nativebaseset(native._native.ancestorsset(index, heads))


def heads(orig, repo, subset, x, order):
    if not _wholerepo(repo, subset):
        return orig(repo, subset, x, order)
    argorder = revset.followorder if order == revset.defineorder else order
    inputset = _argset(repo, x, argorder)
    revs = tonative(repo, inputset)
    if revs is None:
        return _fallback(orig, repo, subset, [inputset], order)
    found = native._native.headrevs(repo.changelog.index, revs)
    return subset & nativebaseset(found)


def roots(orig, repo, subset, x):
    if not _served(repo):
        return orig(repo, subset, x)
    s = _argset(repo, x)
    revs = tonative(repo, s, whole=False)  # Mercurial's filters it lazily
    if revs is None:
        return _fallback(orig, repo, subset, [s])
    found = native._native.roots(repo.changelog.index, revs)
    # As `s.filter(..., condrepr=b'<roots>')`: s's order, filteredset's repr.
    return subset & nativefilteredset(s, found, found.__contains__, b'<roots>')


def children(orig, repo, subset, x):
    if not _wholerepo(repo, subset):
        return orig(repo, subset, x)
    s = _argset(repo, x)
    # Mercurial's asks for its minimum, then for members above it.
    revs = tonative(repo, s, whole=False) if s else None
    if revs is None:
        return _fallback(orig, repo, subset, [s])
    cl = repo.changelog
    found = native._native.children(cl.index, revs, cl.filteredrevs or None)
    return subset & nativebaseset(found)


def parents(orig, repo, subset, x=None):
    if x is None or not _wholerepo(repo, subset):
        return orig(repo, subset, x)  # parents(): the working directory's
    s = _argset(repo, x)
    revs = tonative(repo, s)
    if revs is None:
        return _fallback(orig, repo, subset, [s])
    return subset & nativebaseset(native._native.parents(repo.changelog.index, revs))


def reachableroots(orig, repo, roots, heads, includepath=False):
    """`dag_util.reachableroots` (`x::y`, graph drawing): the C index's answer, as
    a sorted baseset of a list; pure-Python Mercurial answers differently for
    heads below the lowest root, so it keeps its own."""
    cl = repo.changelog
    # (Where C answers a short walk, native.dagreachableroots_in_c decided already.)
    if not roots or not native.active() or not hasattr(cl.index, 'reachableroots2'):
        return orig(repo, roots, heads, includepath)
    if not native.serves(cl.index):
        return orig(repo, roots, heads, includepath)
    rootset, headset = tonative(repo, roots, cl=cl), tonative(repo, heads, cl=cl)
    if rootset is None or headset is None:
        return orig(repo, roots, heads, includepath)
    span = (headset.max() or 0) - rootset.min()
    if not native.worthloading(cl, span) or not native.servesrevlog(cl):
        return orig(repo, roots, heads, includepath)
    found = native._native.reachablerootsset(
        cl.index, rootset.min(), headset, rootset, includepath
    )
    return nativebaseset(found, fromset=False)
