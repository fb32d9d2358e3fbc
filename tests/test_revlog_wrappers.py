"""The revlog-level wrappers against Mercurial's own methods, in process: same
values, same types, same iteration order, on a real repository (C index)."""

import os
import random
import subprocess
import sys

import pytest
from mercurial import dagop, error, revlog
from mercurial.node import nullrev

from conftest import EVOLUTION, hg, make_repo, random_dag


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
    hg("init", str(path), extension=False)
    hg("debugbuilddag", "--mergeable-file", " ".join(spec), cwd=path, extension=False)
    hg("phase", "--draft", "--force", "-r", "all()", cwd=path, extension=False)
    heads = hg("log", "-r", "heads(all())", "-T", "{node}\n", cwd=path, extension=False).stdout.split()
    assert len(heads) > 3
    for node in heads[:3]:
        hg("debugobsolete", node.decode(), cwd=path, extension=False, config=EVOLUTION)
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


def outcome(call):
    """What a call answered (type, value, order) or raised (type, message)."""
    try:
        value = call()
        kind = type(value).__name__
        if isinstance(value, (set, frozenset, list, tuple)) or hasattr(value, "__iter__"):
            return ("ok", kind, list(value))
        return ("ok", kind, value)
    except Exception as exc:  # compared, not judged
        return ("raised", type(exc).__name__, str(exc))


def unusual_calls(repo):
    """Calls with arguments that are not plain revisions: (label, call with the
    wrappers module, or None for Mercurial's functions; the revset walkers' calls
    take theirs from walkers.py)."""
    from mercurial import smartset
    from mercurial.node import wdirrev

    visible = repo.changelog
    unfiltered = repo.unfiltered().changelog
    hidden = sorted(visible.filteredrevs)
    assert hidden
    h, tip, n = hidden[0], len(unfiltered) - 1, len(unfiltered)
    wide = list(range(100, 124))
    calls = []
    from mercurial import policy

    # Pure-Python Mercurial answers _commonancestorsheads(wdirrev, ...) with a list of
    # 2**31 entries (seconds of work, the same with oxidag): left out there.
    wdir_gca = [] if policy.policy == b"py" else [[wdirrev, 3]]
    for label, cl in (("visible", visible), ("unfiltered", unfiltered)):
        for revs in [[-1] + wide, wide + [-1], wide + [125, -1], wide[:3] + [-1] + wide, [n + 5, 3], [-2, 3],
                     [h, 3], [h] + wide + [125], [3, 3, 3] + wide] + wdir_gca:
            calls.append(("%s _commonancestorsheads%r" % (label, revs),
                          lambda w, cl=cl, revs=revs: w.commonancestorsheads_revs(revlog.revlog._commonancestorsheads, cl, *revs)
                          if w else revlog.revlog._commonancestorsheads(cl, *revs)))
        for heads, roots in (([tip], [h, 3, 5]), ([h], [0]), ([wdirrev], [0]), ([n + 1], [0]), ([tip, 40], [2, wdirrev, -1])):
            for path in (False, True):
                calls.append(("%s reachableroots %r %r %s" % (label, heads, roots, path),
                              lambda w, cl=cl, heads=heads, roots=roots, path=path:
                              w.reachableroots(revlog.revlog.reachableroots, cl, 0, heads, roots, path)
                              if w else revlog.revlog.reachableroots(cl, 0, heads, roots, path)))
        for common, heads in (([h], [tip]), ([1], [h]), ([wdirrev], [tip]), ([n + 3], [tip]), ([-2], [tip])):
            calls.append(("%s findmissingrevs %r %r" % (label, common, heads),
                          lambda w, cl=cl, common=common, heads=heads:
                          (w.incrementalmissingrevs(revlog.revlog.incrementalmissingrevs, cl, common)
                           if w else revlog.revlog.incrementalmissingrevs(cl, common)).missingancestors(heads)))
        for bases in ([-2], [h], [wdirrev], [n + 2]):

            def addbases(w, cl=cl, bases=bases):
                inc = (w.incrementalmissingrevs(revlog.revlog.incrementalmissingrevs, cl, [1])
                       if w else revlog.revlog.incrementalmissingrevs(cl, [1]))
                inc.addbases(bases)
                return sorted(inc.bases), sorted(inc.basesheads()), inc.missingancestors([tip])

            calls.append(("%s addbases %r" % (label, bases), addbases))
        for a, b in ((h, tip), (3, h), (wdirrev, 3), (3, wdirrev), (-7, 3), (3, n + 2)):
            calls.append(("%s isancestorrev %d %d" % (label, a, b),
                          lambda w, cl=cl, a=a, b=b: w.isancestorrev(revlog.revlog.isancestorrev, cl, a, b)
                          if w else revlog.revlog.isancestorrev(cl, a, b)))
        for revs in ([h], [h, 3], [wdirrev], [n + 1], [-1, 4]):
            calls.append(("%s descendants %r" % (label, revs),
                          lambda w, cl=cl, revs=revs: w.descendants(revlog.revlog.descendants, cl, revs)
                          if w else revlog.revlog.descendants(cl, revs)))
    r = repo
    for revs in ([h], [tip, h], [wdirrev], [n + 4]):
        for depth in (None, 2):
            calls.append(("revancestors %r %s" % (revs, depth),
                          lambda w, revs=revs, depth=depth:
                          (walkers_module().revancestors(ORIG_WALKERS[0], r, smartset.baseset(revs), False, None, depth)
                           if w else ORIG_WALKERS[0](r, smartset.baseset(revs), False, None, depth))))
            calls.append(("revdescendants %r %s" % (revs, depth),
                          lambda w, revs=revs, depth=depth:
                          (walkers_module().revdescendants(ORIG_WALKERS[1], r, smartset.baseset(revs), False, None, depth)
                           if w else ORIG_WALKERS[1](r, smartset.baseset(revs), False, None, depth))))
    return calls


ORIG_WALKERS = []


def walkers_module():
    from oxidag import walkers

    return walkers


def test_unusual_arguments_as_mercurial(filerepo, wrappers):
    """Hidden revisions, null among many, the working directory, numbers outside
    the revlog: the wrappers answer (or raise) exactly as Mercurial's methods, types
    and order included. Each of these once differed."""
    from oxidag.compat import revset_walkers

    walkers = [getattr(revset_walkers, name) for name in ("revancestors", "revdescendants")]
    ORIG_WALKERS[:] = [getattr(w, "_origfunc", w) for w in walkers]
    calls = unusual_calls(filerepo)
    assert len(calls) > 90
    raised = 0
    for label, call in calls:
        want, have = outcome(lambda: call(None)), outcome(lambda: call(wrappers))
        assert have == want, (label, have, want)
        raised += want[0] == "raised"
    assert raised > 20, "few calls raise: a weak test"


def test_unusual_arguments_under_pure_python_mercurial(native):
    # No C index: _commonancestorsheads answers Mercurial's Python set at any width,
    # reachableroots stays Mercurial's, hidden revisions raise at other places.
    if os.environ.get("HGMODULEPOLICY") == "py":
        pytest.skip("this is the run under pure-Python Mercurial itself")
    test = "%s::test_unusual_arguments_as_mercurial" % os.path.abspath(__file__)
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", test],
                          env=dict(os.environ, HGMODULEPOLICY="py"), capture_output=True)
    assert proc.returncode == 0, proc.stdout.decode()[-3000:]
    assert b"1 passed" in proc.stdout
