"""The extension as users run it: real `hg` on real repositories, output compared
with and without oxidag (native and fallback modes), errors, strips, threads."""

import random
import threading

import pytest

from conftest import REVSETS, hg, make_repo, random_dag


@pytest.fixture(scope="module")
def repo(tmp_path_factory):
    rng = random.Random(1)
    return make_repo(tmp_path_factory.mktemp("ext") / "repo", random_dag(rng, 300))


def log(repo, expr, extension=True, config=()):
    return hg("log", "-r", expr, "-T", "{rev}\n", cwd=repo, extension=extension, config=config).stdout


@pytest.mark.parametrize("expr", REVSETS)
def test_revsets_equal_mercurial(repo, expr, native):
    expected = log(repo, expr, extension=False)
    assert expected, "revset %s selects nothing: a weak test" % expr
    assert log(repo, expr) == expected
    assert log(repo, expr, config=["oxidag.mode=python"]) == expected


def test_pure_python_mercurial(repo, native):
    # HGMODULEPOLICY=py: no C index; the native module reads Mercurial's pure-Python
    # index through Python and must still give Mercurial's answers.
    pure = {"HGMODULEPOLICY": "py"}
    out = hg("debugoxidag", cwd=repo, env=pure).stdout.decode()
    assert "pure-Python indexes" in out and "served natively" in out
    for expr in ["ancestors(tip)", "only(tip, 50)", "descendants(3)", "3::tip", "heads(::tip)"]:
        expected = hg("debugrevspec", "-s", expr, cwd=repo, env=pure, extension=False).stdout
        assert hg("debugrevspec", "-s", expr, cwd=repo, env=pure).stdout == expected


def test_debugoxidag_names_backend_and_hooks(repo, native):
    out = hg("debugoxidag", cwd=repo).stdout.decode()
    assert "backend: %s" % native.BACKEND in out
    assert "revlog.ancestors" in out and "hooks: " in out
    fallback = hg("debugoxidag", cwd=repo, config=["oxidag.mode=python"]).stdout.decode()
    assert "backend: python" in fallback and "hooks: 0 active" in fallback


def test_bad_mode_is_reported(repo):
    proc = hg("log", "-r", "tip", "-T", "{rev}\n", cwd=repo, config=["oxidag.mode=fast"])
    assert b"oxidag.mode must be one of auto, native, python, not fast; using auto" in proc.stderr
    assert proc.stdout == log(repo, "tip", extension=False)


def test_discovery_between_repositories(tmp_path, native):
    rng = random.Random(2)
    parents = random_dag(rng, 200)
    full = make_repo(tmp_path / "full", parents)
    partial = tmp_path / "partial"
    hg("clone", "-q", "-r", "120", str(full), str(partial), extension=False)
    for cmd in (["outgoing", "-T", "{rev}\n", str(partial)], ["incoming", "-T", "{rev}\n", str(full)]):
        where = full if cmd[0] == "outgoing" else partial
        without = hg(*cmd, cwd=where, check=False, extension=False)
        with_ext = hg(*cmd, cwd=where, check=False)
        assert with_ext.stdout == without.stdout and with_ext.returncode == without.returncode
        assert without.stdout.count(b"\n") > 5
    hg("pull", "-q", str(full), cwd=partial)
    assert log(partial, "all()") == log(full, "all()")


def test_lazy_ancestors_across_commit_and_strip(tmp_path, native):
    from mercurial import hg as hgmod, ui as uimod

    rng = random.Random(3)
    path = make_repo(tmp_path / "r", random_dag(rng, 60))
    repo = hgmod.repository(uimod.ui.load(), str(path).encode())
    cl = repo.unfiltered().changelog
    lazy = native.LazyAncestors(cl.index, [50], 0, True)
    expected = list(lazy)
    # Growing the index keeps answers valid.
    hg("update", "-q", "50", cwd=path, extension=False)
    (path / "f").write_text("x")
    hg("commit", "-q", "-A", "-m", "grow", cwd=path, extension=False)
    assert len(hgmod.repository(uimod.ui.load(), str(path).encode()).changelog) == 61
    assert list(lazy) == expected
    assert all(r in lazy for r in expected) and 60 not in lazy
    # Stripping what it saw, in place, makes it raise rather than answer stale.
    index = cl.index
    del index[40:-1]
    with pytest.raises(RuntimeError, match="stripped"):
        list(lazy)
    with pytest.raises(RuntimeError, match="stripped"):
        5 in lazy


def test_errors_are_python_exceptions(native):
    g = [(-1, -1), (0, -1), (1, -1)]
    for bad in ([3], [-2], [0x7FFFFFFF], [2**40]):
        with pytest.raises(native.GraphError) as info:
            native.LazyAncestors(g, bad)
        assert info.value.args[0] in ("InvalidRevision", "WorkingDirectoryUnsupported")
    with pytest.raises(TypeError):
        native.LazyAncestors(g, ["x"])
    with pytest.raises(native.GraphError) as info:
        native.AncestorsIterator([(-1, -1), (2, -1), (0, -1)], [2], 0, True)
    assert info.value.args == ("ParentNotBelowChild", 1, 2)
    assert issubclass(native.GraphError, ValueError)


def test_two_threads_at_once(native):
    rng = random.Random(4)
    parents = random_dag(rng, 20000)
    expected = list(native.AncestorsIterator(parents, [19999], 0, True))
    shared = native.LazyAncestors(parents, [19999], 0, True)
    errors = []

    def work():
        try:
            for _ in range(20):
                assert list(native.AncestorsIterator(parents, [19999], 0, True)) == expected
                assert all(r in shared for r in expected[::97])
        except Exception as exc:  # collected for the main thread
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors


def test_hidden_changesets(tmp_path, native):
    # Obsolete heads are hidden: filtered changelogs must give Mercurial's answers,
    # with and without --hidden.
    rng = random.Random(31)
    path = make_repo(tmp_path / "obs", random_dag(rng, 200))
    evolution = ["experimental.evolution=all"]
    # Generated history is public, and public changesets cannot become obsolete.
    hg("phase", "--draft", "--force", "-r", "all()", cwd=path, extension=False)
    heads = hg("log", "-r", "heads(all())", "-T", "{node}\n", cwd=path, extension=False).stdout.split()
    assert len(heads) > 3
    for node in heads[:3]:
        hg("debugobsolete", node.decode(), cwd=path, extension=False, config=evolution)
    for expr in ["all()", "heads(all())", "ancestors(tip)", "descendants(5)", "5::", "only(tip, 20)", "children(3)", "roots(all())"]:
        for extra in ([], ["--hidden"]):
            expected = hg("log", *extra, "-r", expr, "-T", "{rev}\n", cwd=path, extension=False, config=evolution).stdout
            assert hg("log", *extra, "-r", expr, "-T", "{rev}\n", cwd=path, config=evolution).stdout == expected, (expr, extra)
    hidden = hg("log", "--hidden", "-r", "hidden()", "-T", "{rev}\n", cwd=path, extension=False, config=evolution).stdout
    assert hidden  # the markers did hide something
