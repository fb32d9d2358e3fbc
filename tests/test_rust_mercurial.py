"""oxidag under a Mercurial built with its own Rust extensions (HGMODULEPOLICY=rust+c,
as Fedora's mercurial-rust and MacPorts' rustext ship it): Mercurial's Rust index is
not served, and oxidag says so instead of claiming to serve; answers stay Mercurial's;
oxidag.mode=native refuses to run.

Needs a Rust-built Mercurial: `make test-rust-hg` builds one (as contrib/bench/setup-peers
does, minutes of cargo) and runs this file with OXIDAG_RUST_HG pointing at its `hg`.
"""

import os
import random
import subprocess

import pytest

from conftest import EXTENSION, HG_ENV, REVSETS, make_repo, random_dag

RUST_HG = os.environ.get("OXIDAG_RUST_HG")

pytestmark = pytest.mark.skipif(
    not RUST_HG, reason="no Rust-built Mercurial (OXIDAG_RUST_HG unset): make test-rust-hg builds one and runs this"
)


def rust_hg(*args, cwd, extension=True, config=()):
    cmd = [RUST_HG] + (["--config", "extensions.oxidag=%s" % EXTENSION] if extension else [])
    for item in config:
        cmd += ["--config", item]
    env = dict(HG_ENV, HGMODULEPOLICY="rust+c")
    return subprocess.run(cmd + list(args), cwd=cwd, env=env, capture_output=True)


@pytest.fixture(scope="module")
def repo(tmp_path_factory):
    # Large enough that the changelog is not inline (Mercurial keeps its C index for
    # an inline changelog even with Rust).
    path = make_repo(tmp_path_factory.mktemp("rust") / "repo", random_dag(random.Random(11), 3000))
    return path


def test_the_rust_index_is_reported_not_served(repo, native):
    proc = rust_hg("debugoxidag", cwd=repo)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout.decode()
    assert "Rust extensions" in rust_hg("debuginstall", cwd=repo, extension=False).stdout.decode()
    assert "changelog index: mercurial.revlog.RustIndexProxy, not served: Mercurial's Rust index" in out, out
    assert "Mercurial's Rust indexes (HGMODULEPOLICY=rust+c) are not served" in out, out


@pytest.mark.parametrize("expr", REVSETS)
def test_answers_stay_mercurials(repo, expr, native):
    args = ("log", "-r", expr, "-T", "{rev}\n")
    expected = rust_hg(*args, cwd=repo, extension=False)
    assert expected.returncode == 0
    got = rust_hg(*args, cwd=repo)
    assert (got.returncode, got.stdout, got.stderr) == (0, expected.stdout, b"")


def test_native_mode_refuses_in_one_line(repo, native):
    proc = rust_hg("log", "-r", "tip", cwd=repo, config=["oxidag.mode=native"])
    assert proc.returncode == 255 and not proc.stdout
    lines = proc.stderr.decode().splitlines()
    assert lines[0] == "abort: oxidag.mode=native but Mercurial's Rust index is not served", lines
    assert lines[1].startswith("(this Mercurial reads revlogs with its Rust extensions (HGMODULEPOLICY=rust+c)")
    assert len(lines) == 2
