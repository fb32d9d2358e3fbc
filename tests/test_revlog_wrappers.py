"""The revlog-level wrappers against Mercurial's own methods, in process: same
values, same types, same iteration order, on a real repository (C index)."""

import random

import pytest
from mercurial import dagop, error, revlog
from mercurial.node import nullrev

from conftest import hg, make_repo, random_dag


@pytest.fixture(scope="module")
def changelog(tmp_path_factory):
    from mercurial import hg as hgmod, ui as uimod

    rng = random.Random(21)
    path = make_repo(tmp_path_factory.mktemp("wrappers") / "repo", random_dag(rng, 400))
    repo = hgmod.repository(uimod.ui.load(), str(path).encode())
    return repo.unfiltered().changelog


@pytest.fixture(scope="module")
def wrappers(native):
    from oxidag import wrappers

    return wrappers


def same(a, b):
    """Equal values, equal types, equal iteration order."""
    assert type(a) is type(b)
    if isinstance(a, (set, frozenset, list, tuple)):
        assert list(a) == list(b)
    assert a == b


def test_ancestors_and_missing(changelog, wrappers):
    rng = random.Random(22)
    cl = changelog
    orig = revlog.revlog
    for _ in range(60):
        revs = rng.sample(range(len(cl)), rng.randrange(1, 4))
        stoprev, inclusive = rng.randrange(0, 300), rng.random() < 0.5
        got = wrappers.ancestors(orig.ancestors, cl, revs, stoprev, inclusive)
        expected = orig.ancestors(cl, revs, stoprev, inclusive)
        assert list(got) == list(expected)
        for probe in rng.sample(range(-1, len(cl)), 20):
            assert (probe in got) == (probe in expected)
        common = rng.sample(range(len(cl)), rng.randrange(0, 3))
        heads = rng.sample(range(len(cl)), 2)
        assert wrappers.incrementalmissingrevs(orig.incrementalmissingrevs, cl, common).missingancestors(heads) == (
            orig.incrementalmissingrevs(cl, common).missingancestors(heads)
        )
    # Duplicated start revisions: Python's heap yields them twice; kept exactly.
    assert list(wrappers.ancestors(orig.ancestors, cl, [300, 300], 0, True)) == list(
        orig.ancestors(cl, [300, 300], 0, True)
    )


def test_set_functions_same_types_and_order(changelog, wrappers):
    rng = random.Random(23)
    cl = changelog
    orig = revlog.revlog
    for _ in range(40):
        revs = rng.sample(range(len(cl)), rng.randrange(1, 60))
        same(wrappers.headrevs(dagop.headrevs, revs, cl._uncheckedparentrevs), orig.headrevs(cl, revs))
        # Other parents functions are Mercurial's business.
        same(wrappers.headrevs(dagop.headrevs, revs, lambda r: cl.parentrevs(r)), orig.headrevs(cl, revs))
        assert list(wrappers.descendants(orig.descendants, cl, revs[:3])) == list(orig.descendants(cl, revs[:3]))
        node = cl.node(rng.choice(revs))
        same(wrappers.children(orig.children, cl, node), orig.children(cl, node))
        few = revs[:2]
        same(wrappers.commonancestorsheads_revs(orig._commonancestorsheads, cl, *few), orig._commonancestorsheads(cl, *few))
        many = rng.sample(range(len(cl)), 30)  # beyond C's 24: Mercurial's Python set
        same(wrappers.commonancestorsheads_revs(orig._commonancestorsheads, cl, *many), orig._commonancestorsheads(cl, *many))
        a, b = cl.node(revs[0]), cl.node(revs[-1])
        same(wrappers.ancestor(orig.ancestor, cl, a, b), orig.ancestor(cl, a, b))
        minroot = min(revs)
        for path in (False, True):
            got = wrappers.reachableroots(orig.reachableroots, cl, minroot, revs[:3], revs, path)
            assert sorted(got) == sorted(orig.reachableroots(cl, minroot, revs[:3], revs, path))
    same(wrappers.children(orig.children, cl, cl.node(nullrev)), orig.children(cl, cl.node(nullrev)))


def test_isancestorrev(changelog, wrappers):
    rng = random.Random(24)
    cl = changelog
    orig = revlog.revlog.isancestorrev
    descendants = rng.sample(range(len(cl)), 12)
    for _ in range(3):
        for b in descendants:
            for a in rng.sample(range(-1, len(cl)), 25) + [b, len(cl) + 5, -7]:
                assert wrappers.isancestorrev(orig, cl, a, b) == orig(cl, a, b), (a, b)


@pytest.fixture(scope="module")
def filerepo(tmp_path_factory):
    """A repository whose manifest log and file `mf` mirror a random DAG
    (`debugbuilddag --mergeable-file`), three of its heads hidden (obsolete)."""
    from mercurial import hg as hgmod, ui as uimod

    parents = random_dag(random.Random(26), 150, root_rate=0)
    # Backrefs count back from the revision being made.
    spec = ["." if rev == 0 else "*%d" % (rev - p1) + ("/%d" % (rev - p2) if p2 >= 0 else "") for rev, (p1, p2) in enumerate(parents)]
    path = tmp_path_factory.mktemp("files") / "repo"
    evolution = ["experimental.evolution=all"]
    hg("init", str(path), extension=False)
    hg("debugbuilddag", "--mergeable-file", " ".join(spec), cwd=path, extension=False)
    hg("phase", "--draft", "--force", "-r", "all()", cwd=path, extension=False)
    heads = hg("log", "-r", "heads(all())", "-T", "{node}\n", cwd=path, extension=False).stdout.split()
    assert len(heads) > 3
    for node in heads[:3]:
        hg("debugobsolete", node.decode(), cwd=path, extension=False, config=evolution)
    ui = uimod.ui.load()
    ui.setconfig(b"experimental", b"evolution", b"all")
    return hgmod.repository(ui, str(path).encode())


def test_heads_start_stop(changelog, filerepo, wrappers, native):
    # revlog.heads(start, stop) returns the list of a Python set's iteration order:
    # the wrapper's must be the very list, for changelogs (filtered or not),
    # manifests and filelogs (whose parents keep their stored order).
    rng = random.Random(25)
    orig = revlog.revlog.heads
    visible = filerepo.changelog
    assert visible.filteredrevs, "no hidden changesets: a weak test"
    revlogs = [
        changelog,
        filerepo.unfiltered().changelog,
        visible,
        filerepo.manifestlog.getstorage(b"")._revlog,
        filerepo.file(b"mf")._revlog,
    ]
    for rl in revlogs:
        assert wrappers._plainwalk(rl)
        nodes = [rl.node(r) for r in rl.revs()] + [rl.nullid]
        cases = [(rl.nullid, None), (None, [rl.nullid]), (rl.nullid, [rl.nullid])]
        for _ in range(30):
            start = rng.choice([None] + nodes)
            stop = rng.sample(nodes, rng.randrange(0, 4)) if rng.random() < 0.6 else None
            cases.append((start, stop))
        for start, stop in cases:
            expected = orig(rl, start, stop)
            same(wrappers.heads(orig, rl, start, stop), expected)
        assert any(len(orig(rl, start, stop)) > 2 for start, stop in cases)
    # Mercurial's own errors: an unknown node, a hidden one.
    for start, stop in ((b"\x01" * 20, None), (None, [b"\x01" * 20])):
        with pytest.raises(error.LookupError):
            wrappers.heads(orig, changelog, start, stop)
    hidden = filerepo.unfiltered().changelog.node(min(visible.filteredrevs))
    with pytest.raises(error.FilteredLookupError):
        wrappers.heads(orig, visible, hidden)
