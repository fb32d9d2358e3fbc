"""The native module against Mercurial's own pure-Python code, on many random DAGs,
on real repositories (the C index through its capsule) and on the real DAG shape
in ../shared/dags when present. Results, order included, must be identical."""

import gzip
import os
import random

import pytest
from mercurial import ancestor, dagop, smartset
from mercurial.node import nullrev

from conftest import SHARED_DAGS, hg, make_repo, random_dag
from oxidag.compat import revset_walkers as dag_util  # Mercurial's, wherever it lives


def pfunc_of(parents):
    def pfunc(rev):
        return parents[rev] if rev != nullrev else (nullrev, nullrev)

    return pfunc


def sample(rng, n, k, null=True):
    pool = list(range(-1 if null else 0, n))
    return [rng.choice(pool) for _ in range(rng.randrange(k + 1))]


def check_graph(native, index, parents, rng, rounds=8):
    """Every native operation equals Mercurial's pure code on this graph; on half
    the graphs through a reachability index built first (is-ancestor, common
    ancestors and `x::y` use it; else it comes once walks have cost enough)."""
    n = len(parents)
    pf = pfunc_of(parents)
    if rng.random() < 0.5:
        assert native.warm(index, True) == n
    for _ in range(rounds):
        revs = sample(rng, n, 5, null=False)
        stoprev = rng.randrange(-1, n + 1)
        inclusive = rng.random() < 0.5
        if inclusive and len(set(revs)) != len(revs):
            revs = list(dict.fromkeys(revs))
        expected = list(ancestor.lazyancestors(pf, revs, stoprev=stoprev, inclusive=inclusive))
        assert list(native.AncestorsIterator(index, revs, stoprev, inclusive)) == expected
        lazy = native.LazyAncestors(index, revs, stoprev, inclusive)
        pylazy = ancestor.lazyancestors(pf, revs, stoprev=stoprev, inclusive=inclusive)
        assert bool(lazy) == bool(pylazy)
        for probe in sample(rng, n + 2, 10) + [None, 2**70]:
            assert (probe in lazy) == (probe in pylazy), probe
        # Python's set raises TypeError for a str once it walks; any object is
        # simply not a member here.
        assert "x" not in lazy
        assert list(lazy) == expected

        bases, heads = sample(rng, n, 4), sample(rng, n, 4)
        mine = native.MissingAncestors(index, bases)
        theirs = ancestor.incrementalmissingancestors(pf, bases)
        assert mine.hasbases() == bool(theirs.hasbases())
        more = sample(rng, n, 2)
        mine.addbases(more)
        theirs.addbases(more)
        assert mine.basesheads() == theirs.basesheads()
        candidates = set(sample(rng, n, 8))
        mine_set, theirs_set = set(candidates), set(candidates)
        mine.removeancestorsfrom(mine_set)
        theirs.removeancestorsfrom(theirs_set)
        assert mine_set == theirs_set
        assert mine.bases() == theirs.bases
        assert mine.missingancestors(heads) == theirs.missingancestors(heads)
        assert mine.bases() == theirs.bases

        subset = sample(rng, n, 12)
        assert set(native.headrevs(index, subset)) == dagop.headrevs(subset, pf)
        # A native set where a list is taken: the same answers, no Python ints made.
        members = native.RevisionSet(r for r in subset if r != nullrev)
        assert list(native.headrevs(index, members)) == sorted(dagop.headrevs(members.tolist(), pf))
        # The revset parents(): every parent of a member, null aside.
        expected_parents = sorted({p for r in members for p in pf(r)} - {nullrev})
        assert list(native.parents(index, subset)) == list(native.parents(index, members)) == expected_parents
        # The revset roots(): members none of whose parents is a member.
        expected_roots = [r for r in members if not any(0 <= p and p in members for p in pf(r))]
        assert list(native.roots(index, subset)) == list(native.roots(index, members)) == expected_roots
        # A native set holds no null (RevisionSet refuses it): null as a base changes nothing.
        common = native.RevisionSet(b for b in bases if b != nullrev)
        assert list(native.onlyset(index, members, common)) == sorted(
            ancestor.incrementalmissingancestors(pf, bases).missingancestors(members.tolist())
        )
        start, end = sorted(rng.randrange(-2, n + 2) for _ in range(2))
        hidden = set(sample(rng, n, 6, null=False))
        span = native.RevisionSet.span(start, end, hidden)
        assert list(span) == [r for r in range(max(start, 0), end) if r not in hidden]
        assert list(native.RevisionSet.span(start, end, native.RevisionSet(hidden))) == list(span)
        inputs = sample(rng, n, 30, null=False) or [0]
        gca = ancestor.commonancestorsheads(pf, *inputs)
        assert native.commonancestorsheads(index, *inputs) == sorted(gca, reverse=True)
        assert set(native.ancestors(index, *inputs)) == ancestor.ancestors(pf, *inputs)
        if subset:
            descendants = list(dagop.descendantrevs(subset, lambda start=0: iter(range(start, n)), pf))
            assert list(native.descendants(index, subset)) == descendants
        minroot = rng.randrange(-1, n)
        hs, rs = sample(rng, n, 3, null=False), sample(rng, n, 4)
        for path in (False, True):
            # The C index's reachableroots2 is the oracle where it exists (it is what
            # revlog.reachableroots calls), order included (the order a breadth-first
            # walk reaches the roots); Mercurial's pure version differs from it for
            # heads below minroot, so it is compared only without those.
            got = native.reachableroots(index, minroot, hs, rs, path)
            if hasattr(index, "reachableroots2"):
                expected_rr = index.reachableroots2(minroot, hs, rs, path)
                assert got == expected_rr
            elif all(h >= minroot for h in hs):
                expected_rr = dagop._reachablerootspure(pf, minroot, rs, hs, path)
                assert sorted(got) == sorted(expected_rr)
            else:
                continue
            if nullrev not in rs:  # a native set cannot hold it (x::y falls back then)
                as_set = native.reachablerootsset(index, minroot, native.RevisionSet(hs), native.RevisionSet(rs), path)
                assert list(as_set) == sorted(expected_rr)
        walk_revs = sample(rng, n, 3, null=False) or [n - 1]
        start, stop = rng.choice([None, 0, 1, 2]), rng.choice([None, 0, 1, 2, 5])
        for followfirst, canonical in ((False, True), (True, True), (True, False)):
            # First parents as the revlog reports them: with canonical order (changelogs,
            # manifests), a stored (null, X) reports X first; filelogs report (null, X).
            def pf_walk(r, canonical=canonical):
                p1, p2 = pf(r)
                reported = (p2, p1) if canonical and p1 == nullrev else (p1, p2)
                return reported[:1] if followfirst else reported

            walked = dag_util._walkrevtree(
                lambda r: [p for p in pf_walk(r) if p != nullrev], smartset.baseset(walk_revs), start, stop, True
            )
            native_walk = native.revancestors(index, walk_revs, followfirst, start, stop, canonical)
            assert list(native_walk.descending()) == list(walked)
            # Descendants: the same walk over children (dag_util._builddescendantsmap).
            children = {r: [] for r in range(n)}
            for r in range(n):
                for p in pf_walk(r):
                    if p != nullrev:
                        children[p].append(r)
            down = dag_util._walkrevtree(children.__getitem__, smartset.baseset(walk_revs), start, stop, False)
            native_down = native.revdescendants(index, walk_revs, followfirst, start or 0, stop, None, canonical)
            assert list(native_down) == list(down)
        # dagop.headrevssubset (revlog.heads(start, stop)): the same Python set, so the
        # same iteration order, with parents in stored or canonical order.
        startrev = rng.randrange(-1, n)
        stoprevs = set(sample(rng, n, 3))
        filtered = {r for r in sample(rng, n, 4, null=False) if r > startrev}
        for canonical in (False, True):

            def parentrevs(r, canonical=canonical):
                p1, p2 = pf(r)
                return (p2, p1) if canonical and p1 == nullrev else (p1, p2)

            def revsfn(start=0):
                return (r for r in range(start, n) if r not in filtered)

            expected_heads = dagop.headrevssubset(revsfn, parentrevs, startrev, stoprevs)
            got_heads = native.headrevssubset(index, startrev, stoprevs, filtered, canonical)
            assert type(got_heads) is set and list(got_heads) == list(expected_heads)
        for _ in range(10):
            a, b = rng.randrange(-1, n), rng.randrange(n)
            expected_anc = a == nullrev or a == b or (a < b and bool(dagop._reachablerootspure(pf, a, [a], [b], False)))
            assert native.isancestor(index, a, b) == expected_anc


def check_bench_kernels(native, index, parents, rng, rounds=8):
    """The functions kept for the benchmarks (Cargo feature `bench`) equal
    Mercurial's pure code (and Python's sets) on this graph."""
    n = len(parents)
    pf = pfunc_of(parents)
    for _ in range(rounds):
        subset = sample(rng, n, 12)
        members = native.RevisionSet(r for r in subset if r != nullrev)
        probes = sample(rng, n + 2, 20)
        expected = [p in set(subset) - {nullrev} for p in probes]
        assert native.containsmany(members, probes) == native.containsmany(members.tolist(), probes) == expected
        queries = [(sample(rng, n, 3), sample(rng, n, 3)) for _ in range(3)]
        assert [list(s) for s in native.missingancestorsmany(index, queries)] == [
            sorted(ancestor.incrementalmissingancestors(pf, c).missingancestors(h)) for h, c in queries
        ]
        a, b = sample(rng, n, 10), sample(rng, n, 10)
        assert native.isancestormany(index, a, b) == [native.isancestor(index, x, y) for x, y in zip(a, b)]
        # Closed under descendants, as a repoview's (C's headrevs relies on it).
        filtered = set(sample(rng, n, 2, null=False))
        filtered.update(r for r in range(n) if any(p in filtered for p in pf(r)))
        visible = [r for r in range(n) if r not in filtered]
        expected_heads = sorted(set(visible) - {p for r in visible for p in pf(r)})
        assert native.headrevsall(index, filtered) == expected_heads  # C: [] when all are filtered


def test_bench_kernels_on_random_dags(bench_api, seed):
    rng = random.Random(seed)
    for _ in range(100):
        parents = random_dag(rng, rng.randrange(1, 80), root_rate=rng.random() * 0.3,
                             merge_rate=rng.random() * 0.6)
        check_bench_kernels(bench_api, parents, parents, rng)


def test_random_dags_as_python_lists(native, seed):
    rng = random.Random(seed)
    for _ in range(300):
        size = rng.randrange(1, 80)
        parents = random_dag(rng, size, root_rate=rng.random() * 0.3, merge_rate=rng.random() * 0.6)
        if rng.random() < 0.3:
            # Some revlogs store a null first parent before a real second one.
            parents = [(p2, p1) if p2 == nullrev and rng.random() < 0.3 else (p1, p2) for p1, p2 in parents]
        check_graph(native, parents, parents, rng)


def test_real_repositories_through_the_c_index(native, seed, tmp_path):
    from mercurial import hg as hgmod, ui as uimod

    rng = random.Random(seed)
    for i in range(3):
        parents = random_dag(rng, rng.randrange(50, 400))
        path = make_repo(tmp_path / ("repo%d" % i), parents)
        repo = hgmod.repository(uimod.ui.load(), str(path).encode())
        index = repo.changelog.index
        assert type(index).__name__ == "index"  # the C index: read through the capsule
        check_graph(native, index, parents, rng, rounds=30)


def test_real_dag_shape(native, seed):
    path = os.path.join(SHARED_DAGS, "git-master.parents.gz")
    if not os.path.exists(path):
        pytest.skip("real DAG shape %s not present (it lives outside the product)" % path)
    with gzip.open(path, "rt") as f:
        parents = [tuple(int(x) for x in line.split()) for line in f]
    check_graph(native, parents, parents, random.Random(seed), rounds=6)


def test_tables_read_from_the_c_index_are_its_parents(native, tmp_path):
    """Parents read straight from the C index's records (a non-inline changelog),
    through its capsule (an inline filelog), and with revisions added in memory:
    every revision's, as `index[rev]` gives them."""
    import struct

    from mercurial import hg as hgmod, metadata, ui as uimod

    rng = random.Random(41)
    parents = random_dag(rng, 3000)
    # Null first parents stored as such (a converted repository's).
    parents = [(p2, p1) if p2 == nullrev and p1 != nullrev and rng.random() < 0.2 else (p1, p2) for p1, p2 in parents]
    repo = hgmod.repository(uimod.ui.load(), str(make_repo(tmp_path / "big", parents)).encode())
    small = tmp_path / "small"
    hg("init", str(small), extension=False)
    hg("debugbuilddag", "--mergeable-file", "+20 *5 +10 /12 +8", cwd=small, extension=False)
    filelog = hgmod.repository(uimod.ui.load(), str(small).encode()).file(b"mf")._revlog
    cl = repo.unfiltered().changelog
    assert not cl._inline and filelog._inline

    def table_of(index):
        data = native.dagcachebytes(index, b"", len(index))
        # The parents end the file, before its 8-byte hash (hg-core's table_file.rs).
        table = data[-8 - 8 * len(index):-8]
        return [struct.unpack_from("<ii", table, 8 * r) for r in range(len(index))]

    assert table_of(filelog.index) == [tuple(filelog.index[r][5:7]) for r in range(len(filelog.index))]
    with repo.lock(), repo.transaction(b"grow") as tr:
        for i in range(3):
            cl.add(repo.nullid, metadata.ChangingFiles(), b"g%d" % i, tr, cl.node(len(cl) - 1), repo.nullid,
                   b"t", (0, 0))
        # Read while the added revisions live in memory only.
        assert table_of(cl.index) == [tuple(cl.index[r][5:7]) for r in range(len(cl))]
