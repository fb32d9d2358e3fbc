"""oxidag under chg, Mercurial's command server client (built from the 7.2.4 sdist's
contrib/chg): the server loads the extension once and forks a worker per command.
Answers equal Mercurial's; the workers of a server that built the thread pool (a
test extension runs a parallel kernel in the server) compute their own parallel
kernels instead of waiting on threads that do not exist in them; a server
preloading the repository (cmdserver.max-repo-cache) hands its workers the parents
table."""

import os
import random
import subprocess

import pytest

from conftest import CHECKOUT, EXTENSION, HG, HG_ENV, hg, make_repo, random_dag

BUILD = os.path.join(CHECKOUT, "tests", "build-chg")
SERVER_WORK = os.path.join(os.path.dirname(os.path.abspath(__file__)), "chgserverwork.py")

COMMANDS = [
    ["log", "-r", "only(tip, 300)", "-T", "{rev} "],
    ["log", "-r", "heads(all())", "-T", "{rev} "],
    ["log", "-r", "roots(1000::)", "-T", "{rev} "],
    ["log", "-r", "ancestor(tip, 1500)", "-T", "{rev} "],
    ["log", "-r", "max(descendants(20))", "-T", "{rev} "],
    ["heads", "-r", "1000", "-T", "{rev} "],
]


@pytest.fixture(scope="module")
def chg():
    proc = subprocess.run([BUILD], capture_output=True)
    if proc.returncode != 0:
        pytest.skip("chg could not be built here: %s" % proc.stderr.decode()[-500:])
    return proc.stdout.decode().strip()


@pytest.fixture(scope="module")
def repos(tmp_path_factory):
    base = tmp_path_factory.mktemp("chg")
    full = make_repo(base / "full", random_dag(random.Random(51), 3000))
    partial = base / "partial"
    hg("clone", "-q", "-r", "2960", str(full), str(partial), extension=False)
    return full, partial


def chg_env(tmp_path, extra=""):
    hgrc = tmp_path / "hgrc"
    hgrc.write_text("[extensions]\noxidag = %s\n%s" % (EXTENSION, extra))
    return dict(HG_ENV, HGRCPATH=str(hgrc), CHGHG=HG, CHGSOCKNAME=str(tmp_path / "chgsock"),
                CHGTIMEOUT="60")


def run(chg, env, args, cwd):
    proc = subprocess.run([chg, *args], cwd=cwd, env=env, capture_output=True, timeout=120)
    assert proc.returncode == 0 and not proc.stderr, proc.stderr.decode()
    return proc.stdout


def stop(chg, env):
    subprocess.run([chg, "--kill-chg-daemon"], env=env, capture_output=True, timeout=60)


@pytest.mark.parametrize("server", ["plain", "pool-in-server", "preloading"])
def test_answers_under_chg(chg, repos, tmp_path, server, native):
    full, partial = repos
    extra = {
        "plain": "",
        "pool-in-server": "chgserverwork = %s\n[oxidag]\nparallel-threshold = 1\n" % SERVER_WORK,
        "preloading": "[cmdserver]\nmax-repo-cache = 2\n[oxidag]\nparallel-threshold = 1\n",
    }[server]
    env = chg_env(tmp_path, extra)
    try:
        for round in range(3):
            for args in COMMANDS:
                want = hg(*args, cwd=full, extension=False).stdout
                assert want.strip()
                assert run(chg, env, args, full) == want, (server, args)
            discovery = ["outgoing", "-q", "-T", "{rev} ", str(partial)]
            want = hg(*discovery, cwd=full, extension=False, check=False).stdout
            assert run_any(chg, env, discovery, full) == want
        # The commands went through one server (its socket exists).
        assert any(name.startswith("chgsock") for name in os.listdir(tmp_path))
    finally:
        stop(chg, env)


def run_any(chg, env, args, cwd):
    proc = subprocess.run([chg, *args], cwd=cwd, env=env, capture_output=True, timeout=120)
    return proc.stdout


# A command printing which of the native module and the extension's answering
# modules the process has imported (before it asks anything native itself).
NATIVE_LOADED = """
import sys
from mercurial import registrar
cmdtable = {}
command = registrar.command(cmdtable)

@command(b'nativeloaded', [], b'', optionalrepo=True)
def nativeloaded(ui, repo=None, **opts):
    hooks = [sys.modules[n] for n in sys.modules if n.endswith('oxidag.hooks')][0]
    for name in ('_native',) + hooks.ANSWERING_MODULES:
        loaded = any(module.endswith('oxidag.' + name) for module in sys.modules)
        ui.write(b'%s %s\\n' % (name.encode(), b'loaded' if loaded else b'not loaded'))
"""


def test_the_server_loads_the_native_code_for_its_workers(chg, repos, tmp_path, native):
    # A plain `hg` imports the native module and each module answering at a hook
    # point at its first use; a chg server imports them once, so the workers it forks
    # start with them.
    full, _ = repos
    probe = tmp_path / "nativeloaded.py"
    probe.write_text(NATIVE_LOADED)
    env = chg_env(tmp_path, "nativeloaded = %s\n" % probe)
    plain = subprocess.run([HG, "nativeloaded"], cwd=full, env=env, capture_output=True,
                           check=True).stdout.splitlines()
    assert b"_native not loaded" in plain
    assert sum(line.endswith(b" not loaded") for line in plain) > len(plain) // 2
    try:
        in_worker = run(chg, env, ["nativeloaded"], full).splitlines()
        assert len(in_worker) == len(plain) > 2
        assert not [line for line in in_worker if line.endswith(b" not loaded")]
    finally:
        stop(chg, env)
