"""Revsets with oxidag (native, and in fallback mode) against Mercurial alone, in
one process each (tests/revsetdump.py): the smartset's structure as `hg
debugrevspec -s` shows it, its members in order, len, first and last, or the
error. On a random repository with hidden (obsolete) changesets, with and
without --hidden, under pure-Python Mercurial too, and on the real DAG shape of
../shared/dags when present."""

import os
import random
import subprocess
import sys

import pytest

from conftest import EVOLUTION, HG_ENV, REVSETS, SHARED_DAGS, hg, make_repo, random_dag

DUMP = os.path.join(os.path.dirname(os.path.abspath(__file__)), "revsetdump.py")

# Compositions whose smartset types Mercurial decides by the operands' types and
# order, and the revisions a native set cannot hold (null, the working directory).
COMPOSED = [
    "only(tip)",
    "only(50)",
    "only(tip, 10) and 50:",
    "50: and only(tip, 10)",
    "only(tip) & (1 + 2 + 3 + tip)",
    "(1 + 2 + 3 + tip) & only(tip)",
    "0::tip - only(tip, 40)",
    "only(tip, 40) - 0:100",
    "heads(0:50)",
    "heads(all()) - heads(::100)",
    "heads(100:0)",
    "roots(50:10)",
    "roots(3 + 1 + 40 + 2)",
    "reverse(roots(all()))",
    "children(0:20) or heads(0:20)",
    "children(all())",
    "sort(children(3 + 5), -rev)",
    "reverse(10::200)",
    "10::200 and 3::",
    "first(10::200, 3)",
    "last(only(tip, 10), 2)",
    "tip and only(tip)",
    "only(tip) and tip",
    "null::5",
    "children(null)",
    "roots(null + 1 + 2)",
    "only(null)",
    "only(5, null)",
    "heads(wdir() + 5)",
    "roots(wdir())",
    "children(wdir())",
    "wdir()::",
    "only(wdir())",
    "only()",
    "only(1, 2, 3)",
    "heads()",
    "children(999999)",
    "parents(0:50)",
    "parents(all()) - parents(::100)",
    "parents(3 + null)",
    "parents(wdir())",
    "parents()",
    "10:30 and parents(20::)",
    "ancestors(50) or descendants(200)",
    "::50 | ::60 | 100::",
    "sort(ancestors(50) or descendants(200))",
    "reverse(only(tip, 10) or heads(all()))",
    "(::50 or 100::) and 30::",
    "sort((::50 or 100::) and 30::)",
    "sort((::50 or 100::) and 30::, -rev)",
    "(ancestors(5) or ancestors(9)) - ancestors(3)",
    "last(::50 or 100::, 3)",
    "first(reverse(::50 or 100::))",
    "::50 or 1 + 2 + 3",
    "0:10 or ::5",
    "(::50 or null) and 0:",
    # Read from the top before (or without) computing the whole walk.
    "reverse(::50)",
    "last(ancestors(tip), 3)",
    "max(::tip)",
    "first(reverse(ancestors(50 + 70)), 4)",
    "reverse(::tip) - ::40",
    "reverse(ancestors(60, depth=2))",
    "reverse(_firstancestors(tip))",
    # A Python baseset holding its set, sorted, on the left (draft()).
    "draft() - heads(all())",
    "draft() - only(tip, 10)",
    "draft() - children(0:50)",
    "draft() and not parents(0:50)",
    "reverse(draft()) - heads(::100)",
    "(null + draft()) - heads(all())",
]
EXPRESSIONS = REVSETS + COMPOSED


def dump(repo, mode, hidden=False, env=None):
    args = [sys.executable, DUMP, str(repo), mode] + (["--hidden"] if hidden else [])
    proc = subprocess.run(
        args,
        input="".join(e + "\n" for e in EXPRESSIONS).encode(),
        env=dict(HG_ENV, **(env or {})),
        capture_output=True,
    )
    assert proc.returncode == 0, proc.stderr.decode()
    results = proc.stdout.split(b"\n== ")
    assert len(results) == len(EXPRESSIONS)
    return results


def assert_same(repo, modes, hidden=False, env=None):
    expected = dump(repo, "none", hidden, env)
    for mode in modes:
        got = dump(repo, mode, hidden, env)
        for expr, want, have in zip(EXPRESSIONS, expected, got):
            assert have == want, "%s differs in mode %s:\n%s\n--- Mercurial:\n%s" % (
                expr,
                mode,
                have.decode()[:2000],
                want.decode()[:2000],
            )
    return expected


@pytest.fixture(scope="module")
def obsolete_repo(tmp_path_factory):
    """300 random revisions; three heads obsolete, so hidden."""
    path = make_repo(tmp_path_factory.mktemp("obs") / "repo", random_dag(random.Random(5), 300))
    hg("phase", "--draft", "--force", "-r", "all()", cwd=path, extension=False)
    heads = hg("log", "-r", "heads(all())", "-T", "{node}\n", cwd=path, extension=False).stdout.split()
    assert len(heads) > 3
    for node in heads[:3]:
        hg("debugobsolete", node.decode(), cwd=path, extension=False, config=EVOLUTION)
    return path


@pytest.mark.parametrize("hidden", [False, True], ids=["visible", "hidden"])
def test_random_repository(obsolete_repo, hidden, native):
    expected = assert_same(obsolete_repo, ["auto", "python"], hidden)
    # Not a vacuous comparison: most expressions select something, some fail.
    assert sum(b"\nlen 0 " not in r and b"error" not in r.split(b"\n")[1] for r in expected) > 40
    assert sum(b"\nerror " in r for r in expected) >= 3


def test_pure_python_mercurial(obsolete_repo, native):
    # No C index: the native module reads Mercurial's pure-Python index.
    assert_same(obsolete_repo, ["auto"], env={"HGMODULEPOLICY": "py"})


def test_real_dag_shape(tmp_path, native):
    path = os.path.join(SHARED_DAGS, "git-allrefs.parents.gz")
    if not os.path.exists(path):
        pytest.skip("the real DAG shape %s is absent (it is not shipped with oxidag)" % path)
    repo = tmp_path / "git-allrefs"
    subprocess.run(
        [sys.executable, os.path.join(os.path.dirname(DUMP), "..", "contrib", "genrepo.py"),
         str(repo), "--dag", path, "--limit", "30000"],
        env=HG_ENV,
        check=True,
        capture_output=True,
    )
    assert_same(repo, ["auto", "python"])


def test_baseset_operations_with_a_native_right_side(obsolete_repo, native):
    """`baseset & x` and `baseset - x` for a native-backed x equal Mercurial's with x
    a Python baseset: type, flags, order, members, repr — null and the working
    directory on the left included (no revset builds that left side)."""
    from mercurial import hg as hgmod, smartset, ui as uimod
    from mercurial.node import nullrev, wdirrev
    from mercurial.utils.stringutil import prettyrepr
    from oxidag import smartsets

    cl = hgmod.repository(uimod.ui.load(), str(obsolete_repo).encode()).changelog
    heads = native.headrevs(cl.index, native.RevisionSet(range(len(cl))))
    right = sorted(heads)[:5] + [0, 1, 2]
    # Mercurial's own, even if the extension was set up in this process.
    orig = getattr(smartset.baseset._fastsetop, "_origfunc", smartset.baseset._fastsetop)
    lefts = [set(range(0, 40)) | set(right[:3]), {nullrev, 0, 1, 2, right[0]}, {wdirrev, 1, right[1]}]
    compared = 0
    for members in lefts:
        # From a set (sorted ascending, then reversed), or an unsorted list (no set).
        for shape in ("set", "reversed set", "list"):
            for op in ("__and__", "__sub__"):

                def left():
                    if shape == "list":
                        return smartset.baseset(sorted(members, key=lambda r: (r * 7919) % 101))
                    s = smartset.baseset(set(members))
                    if shape == "reversed set":
                        s.reverse()
                    return s

                want = orig(left(), smartset.baseset(set(right)), op)
                have = smartsets._basesetop(orig, left(), smartsets.nativebaseset(native.RevisionSet(right)), op)
                assert prettyrepr(have) == prettyrepr(want), (members, shape, op)
                assert (list(have), have.isascending(), have.isdescending()) == (
                    list(want), want.isascending(), want.isdescending())
                compared += type(want) is smartset.baseset
    assert compared == 12  # Mercurial's fast path (a left holding its set) for each set and op
