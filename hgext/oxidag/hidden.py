"""The hidden revisions: what every command on a repository with obsolescence
markers computes before anything else (`repoview.computehidden`), at a cost that
grows with the draft revisions, not with the command.

Two parts of it are taken here, each giving Mercurial's very sets (iteration order
included, so nothing downstream can tell):

- `repoview._revealancestors`: the hidden ancestors of visible mutable revisions
  become visible. Mercurial walks every visible draft revision's parents in Python;
  natively it is one walk over the parents table.
- `obsolete._computeobsoleteset`: the mutable revisions that markers make obsolete.
  Mercurial looks every mutable revision up among the markers; where the markers
  are fewer, looking the markers up among the revisions finds the same set.
- `obsolete._computeorphanset` (the `orphan()` revset, and through the extinct
  set every push, pull and outgoing): Mercurial sweeps every mutable revision's
  parents in Python; natively it is one sweep over the parents table.
"""

from __future__ import annotations

from mercurial import obsolete, revlog, smartset

from . import native

_REVLOG_PARENTREVS = revlog.revlog.parentrevs


def revealancestors(orig, pfunc, hidden, revs):
    """`_revealancestors(pfunc, hidden, revs)`: remove from `hidden` the members
    reachable from `revs` through members of `hidden`. Natively when `pfunc` is a
    served, unfiltered changelog's own `parentrevs` and `hidden` a set. A set left
    after the same removals is the same set, whatever their order: its members keep
    their places in the hash table, so it iterates as Mercurial's."""
    rlog = getattr(pfunc, '__self__', None)
    if (
        getattr(pfunc, '__func__', None) is not _REVLOG_PARENTREVS
        or type(hidden) is not set
        or getattr(rlog, 'filteredrevs', None)
        or not native.servesrevlog(rlog)
    ):
        return orig(pfunc, hidden, revs)
    starts = _visiblemutable(revs, hidden)
    if starts is None:
        revs = starts = list(revs)
    try:
        revealed = native._native.ancestorsthrough(rlog.index, starts, hidden)
    except (native._native.GraphError, OverflowError, TypeError):
        # Not revisions of this changelog: Mercurial's walk gives its own answer or
        # error for those.
        return orig(pfunc, hidden, revs)
    hidden.difference_update(revealed)


def _visiblemutable(revs, hidden):
    """The members of `revs` when it is `mutable - hidden` as computehidden builds it
    (a filter of a baseset of a set, excluding `hidden`), without iterating it in
    Python; None for anything else."""
    if type(revs) is not smartset.filteredset:
        return None
    subset, condrepr = revs._subset, revs._condrepr
    if (
        type(subset) is not smartset.baseset
        or '_set' not in subset.__dict__
        or type(condrepr) is not tuple
        or len(condrepr) != 2
        or condrepr[0] != b'<not %r>'
        or condrepr[1] is not hidden
    ):
        return None
    return subset._set - hidden


def obsoleteset(orig, repo):
    """The obsolete revisions: the mutable revisions that are some marker's
    predecessor. Mercurial tests every mutable revision's node against the markers.
    Looking the markers' predecessors up instead costs the C index's node tree (built
    at the first lookups, in proportion to the changelog's length) and a lookup per
    marker: it is taken where that is clearly cheaper (measured: a node tree entry
    about a fifth of a mutable revision's test, a lookup a few times one)."""
    cl = repo.changelog
    if not native.serves(cl.index):
        return orig(repo)
    successors = repo.obsstore.successors
    notpublic = obsolete._mutablerevs(repo)
    if len(cl) + 16 * len(successors) >= 5 * len(notpublic):
        return orig(repo)
    return markedobsolete(cl.index, successors, notpublic)


def markedobsolete(index, predecessors, notpublic):
    """The members of `notpublic` whose node is among `predecessors`, as a frozenset
    built as Mercurial builds it (filled in `notpublic`'s order: the same set, the
    same iteration order)."""
    get_rev = index.get_rev
    marked = {get_rev(node) for node in predecessors}
    return frozenset(filter(marked.__contains__, notpublic))


def orphanset(orig, repo):
    """The orphans: the mutable, non-obsolete revisions with an obsolete or orphan
    parent. Mercurial sweeps the mutable revisions in ascending order in Python; the
    native sweep is the same, and its answer is added to a set in that same order,
    so the frozenset is Mercurial's."""
    cl = repo.changelog
    obsoletes = obsolete.getrevs(repo, b'obsolete')
    if not obsoletes:
        return frozenset()  # Mercurial's sweep finds nothing: no need of the table
    if not native.servesrevlog(cl):
        return orig(repo)
    others = _members(obsolete._mutablerevs(repo)) - obsoletes
    try:
        found = native._native.descendantsthrough(cl.index, obsoletes, others)
    except (native._native.GraphError, OverflowError, TypeError):
        return orig(repo)
    unstable = set()
    unstable.update(found)
    return frozenset(unstable)


def _members(revs):
    """The members of a smartset as a Python set, without a Python loop for a
    baseset of a set (what the phase cache gives)."""
    if type(revs) is smartset.baseset and '_set' in revs.__dict__:
        return revs._set
    return set(revs)
