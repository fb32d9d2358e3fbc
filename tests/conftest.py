"""Shared fixtures: the in-place native module, real repositories, seeded randomness."""

import os
import random
import subprocess
import sys

import pytest

CHECKOUT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXTENSION = os.path.join(CHECKOUT, "hgext", "oxidag")
CONTRIB = os.path.join(CHECKOUT, "contrib")
HG = os.path.join(os.path.dirname(sys.executable), "hg")
SHARED_DAGS = os.path.join(os.path.dirname(CHECKOUT), "shared", "dags")
HG_ENV = dict(os.environ, HGRCPATH="", HGPLAIN="1", HGUSER="test <test@example.org>")
# Obsolescence markers honoured (hg debugobsolete, hidden changesets).
EVOLUTION = ["experimental.evolution=all"]

# Revsets that walk ancestry, for repositories of at least 300 revisions: the
# extension's output must equal Mercurial's (tests/test_extension.py runs them
# through `hg log`, tests/test_revset_differential.py compares smartsets).
REVSETS = [
    "ancestors(tip)",
    "::tip",
    "ancestors(tip) and not ancestors(5)",
    "only(tip, 10)",
    "only(tip, 50)",
    "descendants(3)",
    "3::",
    "3::tip",
    "roots(ancestors(tip))",
    "heads(all())",
    "heads(::tip)",
    "children(2)",
    "commonancestors(tip + p1(tip))",
    "ancestor(tip, 7)",
    "first(ancestors(tip), 5)",
    "last(::tip, 3)",
    "reverse(::tip)",
    "sort(descendants(1), -rev)",
    "ancestors(tip, depth=3)",
    "ancestors(tip, depth=6, startdepth=3)",
    "tip#generations[-4:-2]",
    "tip#generations[-2:2]",
    "ancestors(tip) and ancestors(150, startdepth=2)",
    "_firstancestors(tip)",
    "_firstdescendants(3)",
    "_firstdescendants(3 + 40)",
    "descendants(3, depth=2)",
    "descendants(3, startdepth=1, depth=4)",
    "descendants(40 + 3, startdepth=2)",
    "3#generations[1:3]",
    "3#generations[0:2]",
    "tip % 5",
    "10 and ::heads(all())",
    "::heads(all()) and 10::",
]

sys.path.insert(0, CONTRIB)
# The tests' random DAGs: (p1, p2) pairs, several roots, merges, many heads.
from dagshape import random_dag  # noqa: E402,F401
# The extension as a package (`oxidag`), so that its modules and tests share one
# `oxidag._native` (a native module is initialised once per process).
sys.path.insert(0, os.path.dirname(EXTENSION))


@pytest.fixture(scope="session")
def native():
    """The built `_native` (make build); the backend `make test` asked for."""
    from oxidag import _native

    expected = os.environ.get("OXIDAG_EXPECT_BACKEND")
    if expected:
        assert _native.BACKEND == expected, "stale build: run make build BACKEND=%s" % expected
    return _native


# The module functions built only with the Cargo feature `bench` (bindings/src/api.rs).
BENCH_ONLY = ("headrevsall", "isancestormany", "missingancestorsmany", "containsmany")


@pytest.fixture(scope="session")
def bench_api(native):
    """The built `_native` with the functions kept for the benchmarks (Cargo feature
    `bench`: `make build` has them, the wheel does not); skipped on a build without,
    unless OXIDAG_EXPECT_BENCH (make test) says the build must have them."""
    if not hasattr(native, BENCH_ONLY[0]):
        assert not os.environ.get("OXIDAG_EXPECT_BENCH"), "the build lacks the feature bench: run make build"
        pytest.skip("this build of _native has no benchmark-only functions (Cargo feature bench: the wheel)")
    return native


@pytest.fixture(scope="session")
def seed():
    value = int(os.environ.get("OXIDAG_SEED", random.randrange(1 << 32)))
    print("OXIDAG_SEED=%d" % value)
    return value


def hg(*args, cwd=None, check=True, extension=True, config=(), env=None):
    cmd = [HG]
    if extension:
        cmd += ["--config", "extensions.oxidag=%s" % EXTENSION]
    for item in config:
        cmd += ["--config", item]
    cmd += list(args)
    proc = subprocess.run(cmd, cwd=cwd, env=dict(HG_ENV, **(env or {})), capture_output=True)
    if check and proc.returncode != 0:
        raise AssertionError("%s failed: %s" % (cmd, proc.stderr.decode()))
    return proc


def make_repo(path, parents):
    subprocess.run(
        [sys.executable, os.path.join(CONTRIB, "genrepo.py"), str(path), "--dag", str(write_dag(path, parents))],
        env=HG_ENV,
        check=True,
        capture_output=True,
    )
    return path


def write_dag(path, parents):
    dag = str(path) + ".parents"
    with open(dag, "w") as f:
        f.writelines("%d %d\n" % p for p in parents)
    return dag


# Loaded after oxidag: prints, when the command is done, which of oxidag's modules the
# process has imported (even those demandimport left to execute later: finding a
# module costs a command too) and, if the native module is among them, the thread
# count it runs with.
LOADED_PROBE = """
import atexit, sys

def _report():
    names = sorted(name.rsplit('.', 1)[1] for name in list(sys.modules) if 'oxidag.' in name.replace('_', '.'))
    native = [module for name, module in sys.modules.items() if name.endswith('oxidag._native')]
    sys.stdout.write('loaded: %s\\n' % ' '.join(names))
    if native:
        sys.stdout.write('threads: %d\\n' % native[0].threads())

atexit.register(_report)
"""
