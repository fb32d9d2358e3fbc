"""The revset walkers (`dag_util.revancestors`, `revdescendants`: `ancestors()`,
`descendants()`, `::x`, `x::`, `hg log -f`) answered with native smartsets that
behave as the generatorsets Mercurial's walks return (smartsets.py).

Apart from native.py so that a command asking a revlog-level question only
(`ancestor()`, is-ancestor) does not import the smartsets (~1.6 M instructions).
"""

from __future__ import annotations

from mercurial import smartset

from . import native
from .compat import revset_walkers
from .smartsets import nativeset


def _depths(startdepth, stopdepth):
    """Depth arguments as the native walk takes them: depths beyond what a revision
    number holds are unreachable alike."""
    bound = revset_walkers.maxlogdepth
    clamp = lambda d: None if d is None else max(0, min(d, bound))
    return clamp(startdepth), clamp(stopdepth)


# An ancestors walk read from the top takes this many revisions from Mercurial's
# own generator while the changelog's parents table is not loaded, and only then
# the native walk: `hg log -f -l 10` on a large repository loads no table.
TOP_FROM_MERCURIAL = 256


def revancestors(orig, repo, revs, followfirst=False, startdepth=None, stopdepth=None, cutfunc=None):
    cl = repo.changelog
    if (
        cutfunc is not None
        or not native.serves(cl.index)
        or (stopdepth is not None and stopdepth < 0)
        or native.runslazily(revs)
    ):
        # cutfunc is arbitrary Python; a negative stopdepth is Mercurial's error;
        # Mercurial's walk reads its input lazily, which a lazy input may need.
        return orig(repo, revs, followfirst, startdepth, stopdepth, cutfunc)
    revlist = list(revs)
    # Mercurial reads the parents of every start revision through the repoview.
    if native.unusual(cl, revlist, null=False):
        return orig(repo, revs, followfirst, startdepth, stopdepth, cutfunc)
    startdepth, stopdepth = _depths(startdepth, stopdepth)
    canonical = native.canonical_order(cl)

    def loaded():
        """The changelog's index, its parents table loaded (once, from the DAG cache)."""
        cl = repo.changelog
        native.servesrevlog(cl)
        return cl.index

    def walk():
        return native._native.revancestors(loaded(), revlist, followfirst, startdepth, stopdepth, canonical)

    lazydesc = None
    unlimited = not startdepth and (stopdepth is None or stopdepth >= revset_walkers.maxlogdepth)
    if not followfirst and unlimited and revlist:
        # The plain walk is the inclusive lazy ancestors' descending order.
        starts = sorted(set(revlist))

        def lazydesc():
            nativetop = lambda: native._native.AncestorsIterator(loaded(), starts, 0, True)
            if native.worthloading(repo.changelog, 0) or not hasattr(revset_walkers, '_genrevancestors'):
                return nativetop()
            return _topfirst(repo, starts, nativetop)

    # Behaves as the generatorset Mercurial's walk returns (order, flags, repr).
    return nativeset(walk, iterasc=False, lazydesc=lazydesc)


def _topfirst(repo, starts, nativetop):
    """The descending ancestors walk of `starts`: its first revisions from
    Mercurial's generator, which needs no parents table, the rest from the native
    walk (the same order: every revision below the last one given)."""
    walk = revset_walkers._genrevancestors(repo, smartset.baseset(starts), False, None, None, None)
    last = None
    for count, rev in enumerate(walk, 1):
        yield rev
        last = rev
        if count == TOP_FROM_MERCURIAL:
            break
    else:
        return
    for rev in nativetop():
        if rev < last:
            yield rev


def revdescendants(orig, repo, revs, followfirst, startdepth=None, stopdepth=None):
    cl = repo.changelog
    if not native.servesrevlog(cl) or (stopdepth is not None and stopdepth < 0) or native.runslazily(revs):
        # A negative stopdepth is Mercurial's error; a lazy input, see revancestors.
        return orig(repo, revs, followfirst, startdepth, stopdepth)
    revlist = list(revs)
    # Mercurial's descendant walks never read the parents of their start revisions.
    if not revlist or native.unusual(cl, revlist, null=False, hidden=True):
        return orig(repo, revs, followfirst, startdepth, stopdepth)
    plain = startdepth is None and (stopdepth is None or stopdepth >= revset_walkers.maxlogdepth)
    if plain:
        startdepth = stopdepth = None  # Mercurial's walk without depths
    elif startdepth is None:
        startdepth = 0
    startdepth, stopdepth = _depths(startdepth, stopdepth)
    canonical = native.canonical_order(cl)

    def walk():
        cl = repo.changelog
        return native._native.revdescendants(
            cl.index, revlist, followfirst, startdepth, stopdepth, native.filteredrevs(cl), canonical
        )

    if not plain:
        # Mercurial's depth-limited walk maps the children when the revset is
        # evaluated (its plain walk, when first iterated): revisions committed after
        # it was made are not among its descendants.
        computed = walk()
        walk = lambda: computed
    return nativeset(walk, iterasc=True)
