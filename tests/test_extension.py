"""The extension as users run it: real `hg` on real repositories, output compared
with and without oxidag (native and fallback modes), errors, strips, threads."""

import os
import random
import re
import shutil
import subprocess
import sys
import threading

import pytest

from conftest import EVOLUTION, HG_ENV, LOADED_PROBE, REVSETS, hg, make_repo, random_dag

ACROSS_STRIP = os.path.join(os.path.dirname(os.path.abspath(__file__)), "acrossstrip.py")


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


# Revsets whose native paths have parallel kernels (heads, roots, children, parents
# and descendants of sets, missing ancestors, set algebra).
PARALLEL_REVSETS = ["heads(all())", "heads(::tip)", "roots(ancestors(tip))", "children(2)", "only(tip, 10)",
                    "descendants(3)", "10 and ::heads(all())", "parents(3::)", "::tip - ::50"]


@pytest.mark.parametrize("expr", PARALLEL_REVSETS)
def test_revsets_with_every_kernel_split(repo, expr, native):
    # A threshold of 1: even this small repository's inputs are split.
    expected = log(repo, expr, extension=False)
    assert expected
    assert log(repo, expr, config=["oxidag.threads=2", "oxidag.parallel-threshold=1"]) == expected


def test_log_follow_reads_history_from_the_top(tmp_path, native):
    # `hg log -f` walks the working directory's ancestors from the top, lazily in
    # Mercurial: the native walk too (a limit reads only the first revisions).
    path = make_repo(tmp_path / "r", random_dag(random.Random(8), 200))
    hg("update", "-q", "150", cwd=path, extension=False)
    for args in (["-f", "-l", "7"], ["-f"], ["-f", "-l", "3", "-r", "reverse(::120)"], ["-l", "5", "-r", "reverse(::tip)"]):
        cmd = ["log", "-T", "{rev}\n"] + args
        expected = hg(*cmd, cwd=path, extension=False).stdout
        assert expected and hg(*cmd, cwd=path).stdout == expected, args


LAZY_FROM_THE_TOP = """
import sys
sys.path.insert(0, %r)
from revsetdump import load
repo = load(%r, "auto")
revs = repo.revs(b"reverse(::tip)")
print(revs.first(), [r for r, _ in zip(revs, range(3))], revs.max(), bool(revs))
print("computed" if "_native" in revs.__dict__ else "lazy", len(revs))
print("computed" if "_native" in revs.__dict__ else "lazy", list(revs)[:3])
"""


def test_reading_from_the_top_walks_no_further(tmp_path, native):
    path = make_repo(tmp_path / "r", random_dag(random.Random(9), 100))
    script = LAZY_FROM_THE_TOP % (os.path.dirname(os.path.abspath(__file__)), str(path))
    out = subprocess.run([sys.executable, "-c", script], env=HG_ENV, capture_output=True, check=True).stdout.decode()
    top = hg("log", "-l", "3", "-r", "reverse(::tip)", "-T", "{rev} ", cwd=path, extension=False).stdout.decode().split()
    assert out.splitlines() == [
        "99 [%s] 99 True" % ", ".join(top),
        "lazy %d" % len(hg("log", "-r", "::tip", "-T", "x", cwd=path, extension=False).stdout),
        "computed [%s]" % ", ".join(top),
    ]


def test_commonancestors_of_many_heads(tmp_path, native):
    # Mercurial nests one set per start revision; with 1,200 heads evaluating them
    # recurses too deep (RecursionError, Mercurial 7.2.4). oxidag answers what the
    # definition gives, checked against the revisions that are ancestors of every head.
    rng = random.Random(14)
    parents = [(-1, -1)] + [(r - 1, -1) for r in range(1, 200)]
    for _ in range(1200):
        p1 = rng.randrange(60, 200)
        p2 = rng.choice([-1, rng.randrange(40, 200)])
        parents.append((p1, -1 if p2 == p1 else p2))
    path = make_repo(tmp_path / "r", parents)

    def ancestors(rev):
        seen, stack = set(), [rev]
        while stack:
            r = stack.pop()
            if r >= 0 and r not in seen:
                seen.add(r)
                stack.extend(parents[r])
        return seen

    heads = set(range(len(parents))) - {p for pair in parents for p in pair}
    common = set.intersection(*(ancestors(h) for h in heads))
    assert 40 <= len(common) < 200, "a weak test: %d common ancestors" % len(common)
    expr = "commonancestors(heads(all()))"
    mercurial = hg("log", "-r", expr, "-T", "{rev}\n", cwd=path, extension=False, check=False)
    if mercurial.returncode == 0:
        assert log(path, expr) == mercurial.stdout
    else:
        assert b"RecursionError" in mercurial.stderr or b"recursion" in mercurial.stderr
    assert log(path, expr) == b"".join(b"%d\n" % r for r in sorted(common))
    reverse = "reverse(%s)" % expr
    assert log(path, reverse) == b"".join(b"%d\n" % r for r in sorted(common, reverse=True))


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
    assert "parallel threshold: 65536" in out
    tuned = hg("debugoxidag", cwd=repo, config=["oxidag.parallel-threshold=100"]).stdout.decode()
    assert "parallel threshold: 100" in tuned
    fallback = hg("debugoxidag", cwd=repo, config=["oxidag.mode=python"]).stdout.decode()
    assert "backend: python" in fallback and "hooks: 0 active" in fallback


def test_options_are_documented_where_mercurial_looks(repo, native):
    # `hg help config.oxidag` and `hg help oxidag` describe every option, with the
    # default Mercurial registers (`hg config --exp-all-known`).
    known = dict(
        line.split("=", 1)
        for line in hg("config", "--exp-all-known", "oxidag", cwd=repo).stdout.decode().splitlines()
    )
    assert sorted(known) == ["oxidag.dag-cache", "oxidag.mode", "oxidag.parallel-threshold", "oxidag.threads"]
    for topic in ("config.oxidag", "oxidag"):
        text = " ".join(hg("help", topic, cwd=repo).stdout.decode().split())
        for key, value in known.items():
            described = text.split('"%s" ' % key.split(".")[1], 1)[1]
            default = re.search(r"\(default: (\S+?)\)", described).group(1)
            assert default == {"True": "yes"}.get(value, value), (topic, key, text)


def test_version_is_shown(repo, native):
    out = hg("version", "-v", cwd=repo).stdout.decode()
    assert "  oxidag  external  %s\n" % native.__version__ in out, out


def test_a_command_walking_no_ancestry_loads_nothing_native(repo, tmp_path, native):
    # The native module and the modules answering at the hooks are imported at the
    # first native answer: `hg id` and `hg status` pay for the hooks' table only.
    probe = tmp_path / "loadedprobe.py"
    probe.write_text(LOADED_PROBE)
    config = ["extensions.loadedprobe=%s" % probe, "oxidag.threads=1"]
    for args in (["id", "-r", "tip"], ["status"]):
        out = hg(*args, cwd=repo, config=config).stdout.decode().splitlines()
        assert out[-1] == "loaded: compat dagcache hooks native", (args, out)
    # A native answer loads it, with the options extsetup read.
    out = hg("log", "-r", "heads(::tip)", "-T", "{rev}\n", cwd=repo, config=config).stdout.decode()
    lines = out.splitlines()
    assert lines[:-2] == log(repo, "heads(::tip)", extension=False).decode().splitlines()
    loaded = lines[-2].split()
    assert "_native" in loaded and "revsets" in loaded, lines
    assert lines[-1] == "threads: 1"


# An extension counting the reachable-roots questions asked (dag_util's; dagop's
# before Mercurial 7.2) and the native module's calls answering them, reported at exit.
ROOTS_PROBE = """
import atexit, sys

from mercurial import extensions
try:
    from mercurial.utils import dag_util as walkers
except ImportError:  # Mercurial < 7.2
    from mercurial import dagop as walkers

calls, questions = [], []

def extsetup(ui):
    extensions.wrapfunction(walkers, 'reachableroots', lambda orig, *a, **k: questions.append(1) or orig(*a, **k))
    native = [m for n, m in sys.modules.items() if n.endswith('oxidag.native')][0]
    load = native.load

    def counting_load():
        module = load()
        if module is not None and not hasattr(module, '_probed'):
            for name in ('reachableroots', 'reachablerootsset'):
                function = getattr(module, name)
                setattr(module, name, lambda *a, _f=function, **k: calls.append(1) or _f(*a, **k))
            module._probed = True
        return module

    native.load = counting_load
    atexit.register(lambda: sys.stdout.write('%d asked, %d native\\n' % (len(questions), len(calls))))
"""


def test_graph_drawing_leaves_its_questions_to_c(repo, tmp_path, native):
    """Graph drawing asks `x::y` without paths of the displayed revisions once per
    missing parent: the answer is among them, so C answers, table loaded or not
    (converting them at each question made `hg log -G -r 'merge()' -l 2000` on
    git-allrefs 30 % slower than C). `x::y` itself stays native. Output is Mercurial's."""
    probe = tmp_path / "rootsprobe.py"
    probe.write_text(ROOTS_PROBE)
    config = ["extensions.rootsprobe=%s" % probe]
    graph = ["log", "-G", "-r", "merge()", "-T", "{rev}\n"]
    lines = hg(*graph, cwd=repo, config=config).stdout.decode().splitlines()
    assert lines[:-1] == hg(*graph, cwd=repo, extension=False).stdout.decode().splitlines()
    asked, answered = re.fullmatch(r"(\d+) asked, (\d+) native", lines[-1]).groups()
    assert int(asked) > 10 and answered == "0", lines[-1]
    # With the table loaded first by a native answer in the same command.
    loaded = graph[:3] + ["merge() and 0::tip"] + graph[4:]
    lines = hg(*loaded, cwd=repo, config=config).stdout.decode().splitlines()
    assert lines[:-1] == hg(*loaded, cwd=repo, extension=False).stdout.decode().splitlines()
    asked, answered = re.fullmatch(r"(\d+) asked, (\d+) native", lines[-1]).groups()
    assert int(asked) > 5 and answered == "1", lines[-1]  # x::y's own question


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


# Revset results, every one native or built over native sets. The helper consults
# every other one at once, the rest first after its commit (on top of tip 59): there
# `descendants(59)` must see the new revisions, as Mercurial's lazy walk does.
HELD = [
    "ancestors(20)",
    "descendants(59)",
    "only(tip, 30)",
    "descendants(10)",
    "heads(::40)",
    "roots(10::)",
    "children(5)",
    "parents(20::30)",
    "10::40",
    "::40 - ::20",
    "ancestors(40) and descendants(5)",
    "ancestors(tip, depth=4)",
    "reverse(::40)",
    "reverse(ancestors(50))",
]


def test_smartsets_across_commit_and_strip(tmp_path, native):
    rng = random.Random(5)
    mine = make_repo(tmp_path / "mine", random_dag(rng, 60))
    theirs = tmp_path / "theirs"
    shutil.copytree(mine, theirs)
    cmd = ["--config", "extensions.strip=", "--config", "extensions.acrossstrip=%s" % ACROSS_STRIP]
    cmd += ["debugacrossstrip", "45"] + HELD
    with_ext = hg(*cmd, cwd=mine).stdout.decode().splitlines()
    without = hg(*cmd, cwd=theirs, extension=False).stdout.decode().splitlines()

    def step(lines, name):
        return [line for line in lines if line.startswith(name + " ")]

    # Until the strip, and fresh after it: Mercurial's answers exactly.
    for name in ("before", "after commit", "fresh"):
        assert step(with_ext, name) == step(without, name) and step(without, name)
    assert "descendants(59): [59, 60, 61]" in "\n".join(step(with_ext, "after commit"))
    assert "62 revisions again" in with_ext and "62 revisions again" in without
    # After the strip, and after new commits bring back the same length: Mercurial's
    # sets answer for revisions that are gone; oxidag's refuse, every one of them.
    for name in ("after strip", "after regrow"):
        refused = [line for line in step(with_ext, name) if "RuntimeError: oxidag" in line]
        assert len(refused) == len(HELD), step(with_ext, name)
        assert not any("RuntimeError" in line for line in step(without, name))


def test_native_sets_refuse_after_strip_of_their_index(tmp_path, native):
    # The module level, both backends: a computed set checks its index before every
    # answer; sets from Python ints have no index to check.
    from mercurial import hg as hgmod, ui as uimod

    path = make_repo(tmp_path / "r", random_dag(random.Random(6), 80))
    index = hgmod.repository(uimod.ui.load(), str(path).encode()).changelog.index
    computed = native.descendants(index, [10], True)
    plain = native.RevisionSet([1, 2, 3])
    combined = computed | plain
    walk = iter(computed)
    first = next(walk)
    assert first == 10 and 10 in combined and len(plain & combined) == 3
    node = index[79][7]
    del index[70:-1]
    uses = [
        lambda s: list(s),
        lambda s: 10 in s,
        len,
        bool,
        lambda s: s.min(),
        lambda s: s.max(),
        lambda s: s.tolist(),
        lambda s: list(s.descending()),
        lambda s: s & plain,
        lambda s: s == plain,
        lambda s: native.headrevs(index, s),
    ]
    for use in uses:
        for stale in (computed, combined):
            with pytest.raises(RuntimeError, match="stripped"):
                use(stale)
    with pytest.raises(RuntimeError, match="stripped"):
        list(walk)
    assert list(plain) == [1, 2, 3] and 2 in plain
    fresh = native.descendants(index, [10], True)
    assert max(fresh) < 70 and 10 in fresh
    # Regrown to the same length with other revisions: still refused (the tip differs).
    while len(index) < 80:
        entry = list(index[len(index) - 1])
        entry[5], entry[6], entry[7] = len(index) - 1, -1, b"%020d" % len(index)
        index.append(tuple(entry))
    assert len(index) == 80 and index[79][7] != node
    with pytest.raises(RuntimeError, match="stripped"):
        10 in computed


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
    # Generated history is public, and public changesets cannot become obsolete.
    hg("phase", "--draft", "--force", "-r", "all()", cwd=path, extension=False)
    heads = hg("log", "-r", "heads(all())", "-T", "{node}\n", cwd=path, extension=False).stdout.split()
    assert len(heads) > 3
    for node in heads[:3]:
        hg("debugobsolete", node.decode(), cwd=path, extension=False, config=EVOLUTION)
    for expr in ["all()", "heads(all())", "ancestors(tip)", "descendants(5)", "5::", "only(tip, 20)", "children(3)", "roots(all())"]:
        for extra in ([], ["--hidden"]):
            expected = hg("log", *extra, "-r", expr, "-T", "{rev}\n", cwd=path, extension=False, config=EVOLUTION).stdout
            assert hg("log", *extra, "-r", expr, "-T", "{rev}\n", cwd=path, config=EVOLUTION).stdout == expected, (expr, extra)
    hidden = hg("log", "--hidden", "-r", "hidden()", "-T", "{rev}\n", cwd=path, extension=False, config=EVOLUTION).stdout
    assert hidden  # the markers did hide something
