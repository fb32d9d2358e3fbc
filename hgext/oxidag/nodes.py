"""Many nodes turned into revisions at once: the node lists of revsets (`%ln`, as
`hg heads -r X`, discovery and phases pass them), the heads a branch cache
checks when first read, the nodes discovery asks the other repository whether
it knows (`known`: a local peer's, or a server's through the wire protocol), the
common heads and heads `changelog.findmissing` is given (`hg incoming` passes
every common head), and the other repository's heads discovery looks up
(`findcommonheads`).

Mercurial looks each node up in the C index, which answers from a node tree it
builds as lookups miss, inserting every revision it passes on the way down (about
170 ms at a million revisions when an old node is wanted). The native module scans
the index's nodes down from the tip once instead, a hash probe a revision, and
stops when all are found. Where the tree is (nearly) built, few nodes are wanted,
earlier scans have passed the changelog's revisions SCANS_PER_TREE times, the index is
not Mercurial's C index, or a node is missing or hidden where that is an error,
Mercurial's code answers (and raises its own errors). A scan that misses a node
goes down to revision 0: `known` answers "no" for it.
"""

from __future__ import annotations

import contextlib

from mercurial.i18n import _
from mercurial import error

from . import native

# Below this many nodes, Mercurial's lookups cost less than the native module's
# load: until a native answer has loaded it, fewer go to Mercurial. Once loaded, a
# scan from the tip costs less than the node tree C builds on the same way down.
MIN_NODES = 64
# Once the C index's node tree covers all but 1/2**TREE_BUILT_SHIFT of the
# revisions, its lookups are cheaper than a scan.
TREE_BUILT_SHIFT = 5
# Each scan starts again from the tip, while C's node tree, once built, answers
# every later lookup. A scan passes a revision about 30 times faster than C inserts
# one into its tree (6 ms and 170 ms at a million): once a process's scans of a
# changelog have passed SCANS_PER_TREE times its revisions, its lookups go to C
# (a loop of deep lookups costs at most about a third more than C's alone).
SCANS_PER_TREE = 8
NODE_LEN = 20
NULLID = b'\0' * NODE_LEN


def _treeunbuilt(index):
    """Whether the C index's node tree is far from built (or `index` is not the C
    index: None)."""
    stats = getattr(index, 'stats', None)
    if stats is None:
        return None
    stats = stats()
    if b'node trie count' not in stats:  # no lookup made yet: no tree
        return True
    # The lowest revision inserted; -1 once the tree holds every revision.
    scanned = stats.get(b'node trie last rev scanned', -1)
    return scanned > len(index) >> TREE_BUILT_SHIFT


def _scan(cl, nodes):
    """The revisions of `nodes` (a list or tuple) in changelog `cl`'s index, None for
    a node it does not hold (hidden ones included), in order; or None where Mercurial
    should look them up (see the module doc)."""
    if (
        not isinstance(nodes, (list, tuple))
        or (len(nodes) < MIN_NODES and native.loaded() is None)
        or not native.active()
    ):
        return None
    try:
        if set(map(len, nodes)) != {NODE_LEN} or NULLID in nodes:
            return None  # the null node is not in the scan (the C index answers it: -1)
        joined = b''.join(nodes)
    except TypeError:  # not bytes
        return None
    index = cl.index
    state = native.tablestate(cl)
    if (
        state.scanned >= SCANS_PER_TREE * len(index)
        or not _treeunbuilt(index)
        or not native.serves(index)
    ):
        return None
    found = native._native.revsofnodes(index, joined)
    if None in found:  # the scan went down to revision 0
        state.scanned += len(index)
    else:
        state.scanned += len(index) - min(found, default=len(index))
    return found


def revs(cl, nodes):
    """The revisions of `nodes` in `cl`'s index as `_scan`, or None where Mercurial
    should look them up, or one is missing (Mercurial raises its error). Nodes all
    known to a lookup lent to `cl` are not scanned for again (`hg heads -r X` checks
    the branch cache's heads, then passes them to a revset)."""
    lookup = _lent(cl)
    found = lookup.knownrevs(nodes) if lookup is not None else None
    if found is not None:
        return found
    found = _scan(cl, nodes)
    if found is None or None in found:
        return None
    return found


def orderednodeset(orig, repo, nodes):
    """`revset._ordered_node_set`: a revset's `%ln` list, as revisions of the
    unfiltered index (hidden ones included, as Mercurial's)."""
    # Any iterable is accepted (bundle2's push passes a generator): walked once.
    if not isinstance(nodes, (list, tuple)):
        nodes = list(nodes)
    found = revs(repo.changelog, nodes) if nodes else None
    if found is None:
        return orig(repo, nodes)
    from mercurial import smartset

    return smartset.baseset(found)


def verifybranch(orig, self, branch):
    """`_LocalBranchCache._verifybranch`: check, on first use of `branch`, that its
    heads are revisions of the (filtered) changelog the cache was read for; Mercurial
    7.2 also keeps their revisions (`_head_revs`), earlier releases ask `hasnode`."""
    entries = getattr(self, '_entries', None)
    verified = getattr(self, '_verifiedbranches', None)
    if (
        not getattr(self, '_verify_node', False)
        or entries is None
        or verified is None
        or branch not in entries
        or branch in verified
    ):
        return orig(self, branch)
    headrevs = getattr(self, '_head_revs', None)
    lookup = getattr(self, '_node_to_rev' if headrevs is not None else '_hasnode', None)
    cl = getattr(lookup, '__self__', None)
    found = revs(cl, entries[branch]) if getattr(cl, 'index', None) is not None else None
    if found is None:
        return orig(self, branch)
    hidden = getattr(cl, 'filteredrevs', ())
    if hidden and any(rev in hidden for rev in found):
        return orig(self, branch)  # Mercurial raises its error for a hidden head
    if headrevs is not None:
        headrevs[branch] = found
    verified.add(branch)
    _lend(cl, entries[branch], found)


def known(orig, repo, nodes):
    """`localrepository.known`: whether each node is a visible revision. Discovery
    asks it of the other repository with samples spread over the whole history (and
    the wire protocol's `known` of a server), so most lookups would build the C
    index's node tree down to old revisions."""
    if not isinstance(nodes, (list, tuple)):
        nodes = list(nodes)
    cl = repo.changelog
    found = _scan(cl, nodes) if nodes else None
    if found is None:
        return orig(repo, nodes)
    hidden = cl.filteredrevs
    return [rev is not None and rev not in hidden for rev in found]


def _visiblerevs(cl, nodes):
    """The revisions of `nodes` in `cl` as `revs`, or None where Mercurial should
    look them up, one is missing, or one is hidden from `cl` (its errors)."""
    found = revs(cl, nodes)
    hidden = getattr(cl, 'filteredrevs', ())
    if found is None or (hidden and any(rev in hidden for rev in found)):
        return None
    return found


def findmissing(orig, cl, common=None, heads=None):
    """`changelog.findmissing`: the nodes that are ancestors of `heads` and not of
    `common`, its node lists turned into revisions at once."""
    if common is None or heads is None:
        return orig(cl, common, heads)
    common, heads = list(common), list(heads)
    commonrevs = _visiblerevs(cl, common)
    headrevs = _visiblerevs(cl, heads) if commonrevs is not None else None
    if headrevs is None:
        return orig(cl, common, heads)
    return [cl.node(rev) for rev in cl.findmissingrevs(commonrevs, headrevs)]


def findcommonheads(orig, ui, local, remote, *args, **kwargs):
    """`setdiscovery.findcommonheads`: discovery looks each of the other repository's
    heads up with `changelog.rev`, one at a time (7,191 heads, 0.13 s of the C node
    tree in `hg outgoing` at a million revisions). The heads are scanned for at once
    as the answer to its `heads` command arrives, and `rev` answers from what the
    scan found for the length of the call."""
    peer = getattr(remote, '__dict__', None)
    if not native.active() or peer is None or 'commandexecutor' in peer:
        return orig(ui, local, remote, *args, **kwargs)
    with _answering(local.changelog) as lookup:
        if lookup is None:
            return orig(ui, local, remote, *args, **kwargs)
        remote.commandexecutor = lambda: _ScanningExecutor(type(remote).commandexecutor(remote), lookup)
        try:
            return orig(ui, local, remote, *args, **kwargs)
        finally:
            del remote.commandexecutor


def findcommonmissing(orig, cl, common=None, heads=None):
    """`changelog.findcommonmissing`: what `hg outgoing` and a push send, from the
    common heads discovery found (thousands of nodes, each looked up with
    `changelog.rev`), scanned for at once."""
    if common is None or heads is None or not native.active():
        return orig(cl, common, heads)
    common, heads = list(common), list(heads)
    with _answering(cl) as lookup:
        if lookup is not None:
            lookup.learn(common + heads)
        return orig(cl, common, heads)


def _lent(cl):
    """The lookup lent to changelog `cl`, if any."""
    return getattr(vars(cl).get('rev'), '__self__', None) if _islent(vars(cl).get('rev')) else None


def _islent(rev):
    return getattr(rev, 'oxidag_lent', False)


@contextlib.contextmanager
def _answering(cl):
    """The lookup answering `cl.rev` for the length of the block: the one lent to it
    (a branch cache's verified heads), else one lent for the block; None if `rev`
    is someone else's. What it found missing is forgotten after."""
    lookup = _lent(cl)
    lent_here = lookup is None and 'rev' not in vars(cl)
    if lent_here:
        lookup = _ScannedLookup(cl)
        cl.rev = lookup.rev
    try:
        yield lookup
    finally:
        if lookup is not None:
            lookup.forgetmissing()
        if lent_here:
            del cl.rev


def _lend(cl, nodes, revs):
    """From now on `cl.rev` answers these nodes (a branch cache's heads, checked by a
    scan: `hg heads` looks each up again to show it, which built the C index's node
    tree after all)."""
    lookup = _lent(cl)
    if lookup is None:
        if 'rev' in vars(cl):
            return
        lookup = _ScannedLookup(cl)
        cl.rev = lookup.rev
    lookup.know(nodes, revs)


class _ScannedLookup:
    """`changelog.rev` for the nodes a scan found (visible) or found missing; any
    other node, and any node if no scan ran, is Mercurial's to look up. A found
    revision is checked at each answer (its node at that revision of the index, not
    hidden from the changelog): a strip, even followed by new revisions, cannot
    make it answer wrong. Lent to a changelog as its `rev` (not to the copies of it
    a repository view makes: hooks.py)."""

    def __init__(self, cl):
        self._cl = cl
        self._orig = type(cl).rev.__get__(cl)
        self._revs = {}
        self._missing = set()

    def know(self, nodes, revs):
        self._revs.update(zip(nodes, revs))

    def forgetmissing(self):
        # Only for a block in which nothing is added to the changelog.
        self._missing.clear()

    def learn(self, nodes):
        if not isinstance(nodes, (list, tuple)):
            return
        constants = getattr(self._cl, 'nodeconstants', None)
        # Mercurial answers the working directory's pseudo-nodes with its own error.
        special = {NULLID, getattr(constants, 'wdirid', None)}
        special.update(getattr(constants, 'wdirfilenodeids', ()))
        nodes = [node for node in nodes if node not in special and node not in self._revs]
        found = _scan(self._cl, nodes)
        if found is None:
            return
        hidden = self._cl.filteredrevs
        for node, rev in zip(nodes, found):
            if rev is None:
                self._missing.add(node)
            elif rev not in hidden:  # a hidden one raises Mercurial's FilteredLookupError
                self._revs[node] = rev

    def knownrevs(self, nodes):
        """The revisions of `nodes` if every one is known and still checks (as
        `rev`'s answers), else None."""
        found = [self._checked(node) for node in nodes]
        return None if None in found else found

    def _checked(self, node):
        """The revision found for `node` if the index still holds it there and the
        changelog does not hide it, else None."""
        rev = self._revs.get(node)
        if rev is not None:
            cl = self._cl
            index = cl.index
            if rev < len(index) and index[rev][7] == node and rev not in cl.filteredrevs:
                return rev
        return None

    def rev(self, node):
        rev = self._checked(node)
        if rev is not None:
            return rev
        if node in self._missing and node not in self._revs:
            raise error.LookupError(node, self._cl.display_id, _(b'no node'))
        return self._orig(node)

    rev.oxidag_lent = True  # hooks.py keeps it out of the views' copies


class _ScanningExecutor:
    """A peer's command executor whose `heads` answer is handed to `lookup` when read."""

    def __init__(self, executor, lookup):
        self._executor = executor
        self._lookup = lookup
        self._entered = executor

    def __enter__(self):
        self._entered = self._executor.__enter__()
        return self

    def __exit__(self, *exc):
        return self._executor.__exit__(*exc)

    def callcommand(self, command, args):
        future = self._entered.callcommand(command, args)
        return _ScannedHeads(future, self._lookup) if command == b'heads' else future

    def __getattr__(self, name):
        return getattr(self._entered, name)


class _ScannedHeads:
    """The future of a `heads` command: its result is scanned for when read."""

    def __init__(self, future, lookup):
        self._future = future
        self._lookup = lookup

    def result(self, timeout=None):
        heads = self._future.result(timeout)
        self._lookup.learn(heads)
        return heads

    def __getattr__(self, name):
        return getattr(self._future, name)
