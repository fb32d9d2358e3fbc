"""The persistent DAG cache (.hg/cache/oxidag-dag-v1) as users meet it: written at a
first native answer, used by the next commands, and never trusted without checking:
truncated, corrupt, foreign, future-version or stale files (after a strip, a strip
then commits back to the same length, another process appending) are ignored, the
answers stay Mercurial's, and the file is rewritten; concurrent writers leave a
whole file; a read-only repository works and gets no file. A changelog too small for
the file to pay (native.SMALL_REVLOG revisions) gets none: these tests lower the bound
(`devel.oxidag.dag-cache-min-revisions`) to use small repositories, but the last."""

import os
import random
import shutil
import struct
import subprocess

import pytest
import xxhash

from conftest import LOADED_PROBE, hg, make_repo, random_dag

CACHE = os.path.join(".hg", "cache", "oxidag-dag-v1")
# Revsets whose answers depend on every parent: a wrong table would show.
EXPRS = ["heads(all())", "roots(all())", "only(tip, 100)", "ancestor(tip, 1500)", "merge() and 2000:",
         "children(1000)", "max(ancestors(tip) - ancestors(1200))", "heads(::2500)", "2500::"]


LOWER_BOUND = "[devel]\noxidag.dag-cache-min-revisions = 0\n"


@pytest.fixture(scope="module", autouse=True)
def small_repositories_cached(tmp_path_factory):
    """Every hg of this module runs with LOWER_BOUND (HG_ENV is conftest's)."""
    from conftest import HG_ENV

    hgrc = tmp_path_factory.mktemp("hgrc") / "hgrc"
    hgrc.write_text(LOWER_BOUND)
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(HG_ENV, "HGRCPATH", str(hgrc))
        yield


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    """3000 random revisions: too large for an inline changelog, so cached."""
    return make_repo(tmp_path_factory.mktemp("dagcache") / "repo", random_dag(random.Random(31), 3000))


@pytest.fixture
def repo(base, tmp_path):
    path = tmp_path / "repo"
    shutil.copytree(base, path)
    return path


DUMP = os.path.join(os.path.dirname(os.path.abspath(__file__)), "revsetdump.py")


def answers(path, extension=True, config=()):
    """Every expression's answer, in one process (tests/revsetdump.py)."""
    from conftest import HG_ENV
    import sys

    env = dict(HG_ENV)
    if config:
        env["HGRCPATH"] = str(path / ".hg" / "test-hgrc")
        with open(env["HGRCPATH"], "w") as f:
            f.write(open(HG_ENV["HGRCPATH"]).read() if HG_ENV["HGRCPATH"] else "")
            for item in config:
                section, rest = item.split(".", 1)
                key, value = rest.split("=", 1)
                f.write("[%s]\n%s = %s\n" % (section, key, value))
    proc = subprocess.run([sys.executable, DUMP, str(path), "auto" if extension else "none"],
                          input="".join(e + "\n" for e in EXPRS).encode(), env=env, capture_output=True)
    assert proc.returncode == 0, proc.stderr.decode()
    # Per expression: its smartset's repr, its members, len, first and last.
    return proc.stdout.split(b"\n== ")


def state(path):
    out = hg("debugoxidag", cwd=path).stdout.decode()
    return [line for line in out.splitlines() if line.startswith("dag cache:")][0].split(": ", 2)[2]


def test_written_at_first_use_then_used(repo, native):
    assert not os.path.exists(repo / CACHE)
    assert state(repo) == "absent"
    expected = answers(repo, extension=False)
    assert all(b"\nlen 0 " not in e and b"error" not in e for e in expected)
    assert answers(repo) == expected
    assert state(repo) == "valid, 3000 revisions"
    mtime = os.stat(repo / CACHE).st_mtime_ns
    assert answers(repo) == expected
    assert os.stat(repo / CACHE).st_mtime_ns == mtime, "a valid file was rewritten"


def test_disabled_by_config(repo, native):
    assert answers(repo, config=["oxidag.dag-cache=no"]) == answers(repo, extension=False)
    assert not os.path.exists(repo / CACHE)
    out = hg("debugoxidag", cwd=repo, config=["oxidag.dag-cache=no"]).stdout.decode()
    assert "disabled by oxidag.dag-cache" in out


def reseal(data):
    """`data` with its hash (XXH3-64) made right again (to reach the checks behind it)."""
    body = data[:-8]
    return body + struct.pack("<Q", xxhash.xxh3_64_intdigest(body))


def corruptions(data):
    header_end = 8 + 4 + 4 + 8
    source_len = struct.unpack("<I", data[header_end:header_end + 4])[0]
    samples_at = header_end + 4 + source_len + 8
    version = struct.unpack("<I", data[8:12])[0]
    return {
        "empty": b"",
        "truncated-header": data[:20],
        "truncated-middle": data[: len(data) // 2],
        "truncated-last-byte": data[:-1],
        "one-more-byte": data + b"\0",
        "flipped-magic": b"X" + data[1:],
        "flipped-source": data[: header_end + 5] + bytes([data[header_end + 5] ^ 1]) + data[header_end + 6:],
        "flipped-sample": data[:samples_at + 6] + bytes([data[samples_at + 6] ^ 1]) + data[samples_at + 7:],
        "flipped-parent": data[:-100] + bytes([data[-100] ^ 4]) + data[-99:],
        "flipped-checksum": data[:-1] + bytes([data[-1] ^ 1]),
        "future-version": reseal(data[:8] + struct.pack("<I", version + 1) + data[12:]),
        "other-kind": reseal(data[:12] + struct.pack("<I", 9) + data[16:]),
        "huge-length": reseal(data[:16] + struct.pack("<Q", 2**62) + data[24:]),
        "garbage": os.urandom(len(data)),
    }


def test_every_corruption_is_ignored_and_replaced(repo, native):
    expected = answers(repo, extension=False)
    assert answers(repo) == expected
    good = (repo / CACHE).read_bytes()
    for name, data in corruptions(good).items():
        (repo / CACHE).write_bytes(data)
        assert state(repo).startswith("invalid: ") or (name == "empty" and state(repo).startswith("invalid")), name
        assert answers(repo) == expected, name
        assert state(repo) == "valid, 3000 revisions", name
        assert (repo / CACHE).read_bytes() == good, name


def test_a_foreign_file_is_ignored(repo, tmp_path, native):
    # Another repository's cache, of the same size even: its source and nodes differ.
    other = make_repo(tmp_path / "other", random_dag(random.Random(32), 3000))
    answers(other)
    shutil.copy(other / CACHE, repo / CACHE)
    assert state(repo) == "invalid: the changelog changed since it was written"
    assert answers(repo) == answers(repo, extension=False)


def test_stale_after_strip_regrowth_and_appends_by_others(repo, native):
    answers(repo)
    assert state(repo).startswith("valid")
    # Strip the top, commit back to the same length: same length, other nodes.
    hg("debugstrip", "--no-backup", "-r", "2990", cwd=repo, extension=False, config=["extensions.strip="])
    assert state(repo).startswith("invalid: the changelog changed")
    assert answers(repo) == answers(repo, extension=False)
    hg("update", "-q", "tip", cwd=repo, extension=False)
    left = len(hg("log", "-r", "all()", "-T", "x", cwd=repo).stdout)
    assert left < 3000
    for i in range(3000 - left):
        (repo / "f").write_text(str(i))
        hg("commit", "-q", "-A", "-m", "regrow %d" % i, cwd=repo, extension=False)
    assert len(hg("log", "-r", "all()", "-T", "x", cwd=repo).stdout) == 3000
    assert state(repo).startswith("invalid: the changelog changed")
    assert answers(repo) == answers(repo, extension=False)
    assert state(repo).startswith("valid")
    # Another process (without oxidag) appends: the file no longer describes it.
    (repo / "f").write_text("more")
    hg("commit", "-q", "-m", "appended", cwd=repo, extension=False)
    assert state(repo).startswith("invalid")
    assert answers(repo) == answers(repo, extension=False)
    assert state(repo) == "valid, 3001 revisions"


def test_concurrent_writers_leave_a_whole_file(repo, native):
    from conftest import EXTENSION, HG, HG_ENV

    expected = answers(repo, extension=False)
    cmd = [HG, "--config", "extensions.oxidag=%s" % EXTENSION, "log", "-r", EXPRS[0], "-T", "{rev} "]
    for round in range(3):
        (repo / "f").write_text(str(round))
        hg("commit", "-q", "-A", "-m", "round %d" % round, cwd=repo, extension=False)
        expected = answers(repo, extension=False)
        want = hg("log", "-r", EXPRS[0], "-T", "{rev} ", cwd=repo, extension=False).stdout
        procs = [subprocess.Popen(cmd, cwd=repo, env=HG_ENV, stdout=subprocess.PIPE) for _ in range(4)]
        outputs = [p.communicate()[0] for p in procs]
        assert outputs == [want] * 4
        assert state(repo).startswith("valid"), round
        assert answers(repo) == expected


def test_a_read_only_repository_works_and_gets_no_file(repo, native):
    cache_dir = repo / ".hg" / "cache"
    cache_dir.mkdir(exist_ok=True)
    if os.geteuid() == 0:
        # root writes anywhere chmod forbids; an immutable directory it cannot.
        if subprocess.run(["chattr", "+i", str(cache_dir)], capture_output=True).returncode != 0:
            pytest.skip("cannot make the cache directory read-only for root here (no chattr)")
        undo = ["chattr", "-i", str(cache_dir)]
    else:
        os.chmod(cache_dir, 0o555)
        undo = ["chmod", "755", str(cache_dir)]
    try:
        proc = hg("log", "-r", EXPRS[0], "-T", "{rev} ", cwd=repo)
        want = hg("log", "-r", EXPRS[0], "-T", "{rev} ", cwd=repo, extension=False).stdout
        assert proc.stdout == want and not proc.stderr
        assert not os.path.exists(repo / CACHE)
        assert answers(repo) == answers(repo, extension=False)
    finally:
        subprocess.run(undo, check=True)


def test_debugupdatecaches_writes_it(repo, native):
    hg("debugupdatecaches", cwd=repo)
    assert state(repo) == "valid, 3000 revisions"


def test_kill_while_writing_leaves_no_partial_file(repo, native):
    # The file is written to a temporary name and renamed: killing writers at random
    # moments leaves either no file or a whole one, never one the next reader takes
    # for another.
    from conftest import EXTENSION, HG, HG_ENV
    import time

    expected = answers(repo, extension=False)
    cmd = [HG, "--config", "extensions.oxidag=%s" % EXTENSION, "log", "-r", EXPRS[0], "-T", "{rev} "]
    for delay in (0.05, 0.1, 0.15, 0.2, 0.3):
        if os.path.exists(repo / CACHE):
            os.unlink(repo / CACHE)
        proc = subprocess.Popen(cmd, cwd=repo, env=HG_ENV, stdout=subprocess.DEVNULL)
        time.sleep(delay)
        proc.kill()
        proc.wait()
        assert state(repo) in ("absent", "valid, 3000 revisions")
        assert answers(repo) == expected
    assert hg("verify", "-q", cwd=repo).returncode == 0


def test_the_file_lives_in_mercurials_cache_directory(repo, tmp_path, native):
    """Beside the store: in `.hg/cache` for a repository without a store (never in the
    working directory), in the source's `.hg/cache` for a share (Mercurial's cachevfs)."""
    nostore = tmp_path / "nostore"
    hg("init", "--config", "format.usestore=false", str(nostore), extension=False)
    for i in range(3):
        (nostore / "f").write_text(str(i))
        hg("commit", "-qAm", str(i), "-u", "test", cwd=nostore, extension=False)
    hg("debugupdatecaches", cwd=nostore)
    assert state(nostore) == "valid, 3 revisions"
    assert os.path.exists(nostore / CACHE)
    assert hg("status", cwd=nostore, extension=False).stdout == b""

    share = tmp_path / "share"
    hg("share", "-q", "--noupdate", str(repo), str(share), config=["extensions.share="])
    assert answers(share) == answers(share, extension=False)
    assert os.path.exists(repo / CACHE) and not os.path.exists(share / CACHE)
    assert state(share) == "valid, 3000 revisions"


def test_small_walks_leave_the_table_unloaded(tmp_path, native):
    """On a large changelog, a walk over a small share of it (`x::y` near tip,
    is-ancestor of close revisions) is Mercurial's C until the table is loaded, as
    is a common-ancestor question, and graph drawing's questions are (always; see
    test_extension's test_graph_drawing_leaves_its_questions_to_c): no file is
    written, answers are Mercurial's; a large walk loads it (and writes the file),
    as do common-ancestor questions once C's walks have spanned half the changelog."""
    from oxidag import native as extension_native

    size = extension_native.SMALL_REVLOG + 4000
    repo = make_repo(tmp_path / "large", random_dag(random.Random(7), size))
    tip = size - 1
    small = [
        ["log", "-G", "-l", "30", "-T", "{rev}\n"],
        ["log", "-r", "%d::tip" % (tip - 60), "-T", "{rev}\n"],
        ["log", "-r", "%d::%d" % (tip - 90, tip - 10), "-T", "{rev}\n"],
        # Ancestors read from the top (hg log -f -l 10): Mercurial's first revisions.
        ["log", "-l", "10", "-r", "reverse(::tip)", "-T", "{rev}\n"],
        ["log", "-r", "last(ancestors(%d), 5)" % (tip - 3), "-T", "{rev}\n"],
        # One common-ancestor question: C walks as fast as the native code would
        # without the reachability index, so loading the table would only cost.
        ["log", "-r", "ancestor(tip, %d)" % (size // 2), "-T", "{rev}\n"],
        ["debugancestor", str(tip), str(size // 3)],
    ]
    for args in small:
        assert hg(*args, cwd=repo).stdout == hg(*args, cwd=repo, extension=False).stdout
        assert not os.path.exists(repo / CACHE), "a small walk loaded the table: %s" % args
    # Where C answers a question it walks as fast (common ancestors, is-ancestor,
    # graph drawing's `x::y`), the native module is not even loaded, nor the modules
    # that answer natively (native.py's guards decide first).
    probe = tmp_path / "loadedprobe.py"
    probe.write_text(LOADED_PROBE)
    # Nor by set operations between Mercurial's own smartsets (a span less a baseset,
    # a baseset and a baseset).
    setops = [["log", "-r", "%d:tip - %d" % (tip - 20, tip - 10), "-T", "{rev}\n"],
              ["log", "-r", "(%d + %d) - %d" % (tip - 3, tip - 5, tip - 3), "-T", "{rev}\n"]]
    for args in small[:3] + small[-2:] + setops:
        lines = hg(*args, cwd=repo, config=["extensions.loadedprobe=%s" % probe]).stdout.decode().splitlines()
        report = max(i for i, line in enumerate(lines) if line.startswith("loaded: "))
        assert lines[:report] == hg(*args, cwd=repo, extension=False).stdout.decode().splitlines()
        loaded = set(lines[report].split())
        assert not loaded & {"_native", "nodes", "wrappers", "walkers", "revsets", "smartsets"}, (args, lines[report:])
    # Read further than Mercurial's generator serves: the native walk goes on.
    further = ["log", "-l", "600", "-r", "reverse(::tip)", "-T", "{rev}\n"]
    expected = hg(*further, cwd=repo, extension=False).stdout
    assert len(expected.splitlines()) == 600 and hg(*further, cwd=repo).stdout == expected
    assert state(repo) == "valid, %d revisions" % size
    os.remove(repo / CACHE)
    large = ["log", "-r", "%d::tip" % (tip // 2), "-T", "{rev}\n"]
    assert hg(*large, cwd=repo).stdout == hg(*large, cwd=repo, extension=False).stdout
    assert state(repo) == "valid, %d revisions" % size
    os.remove(repo / CACHE)
    # Many common-ancestor questions in one process: once C's walks have spanned half
    # the changelog, the table is loaded (and the file written) and native answers.
    many = " + ".join("ancestor(tip, %d)" % r for r in range(100, size, size // 150))
    expected = hg("log", "-r", many, "-T", "{rev}\n", cwd=repo, extension=False).stdout
    assert hg("log", "-r", many, "-T", "{rev}\n", cwd=repo).stdout == expected
    assert state(repo) == "valid, %d revisions" % size


def test_small_changelogs_get_no_file(repo, tmp_path, native):
    """With the default bound (native.SMALL_REVLOG revisions) the 3000 revisions here
    get no file, neither at a native answer, nor from `hg debugupdatecaches`, nor in a
    clone (Mercurial's test-clone.t lists a clone's .hg/cache); the answers are
    Mercurial's. The bound is inclusive; a bad value is one warning naming it."""
    from oxidag import native as extension_native

    default = {"HGRCPATH": ""}
    for expr in EXPRS:
        want = hg("log", "-r", expr, "-T", "{rev} ", cwd=repo, extension=False).stdout
        assert hg("log", "-r", expr, "-T", "{rev} ", cwd=repo, env=default).stdout == want, expr
    hg("debugupdatecaches", cwd=repo, env=default)
    assert not os.path.exists(repo / CACHE)
    out = hg("debugoxidag", cwd=repo, env=default).stdout.decode()
    assert ": not used for 3000 revisions (fewer than %d)\n" % extension_native.SMALL_REVLOG in out
    hg("clone", "-q", str(repo), str(tmp_path / "clone"), env=default)
    hg("log", "-r", "heads(all())", "-T", "{rev} ", cwd=tmp_path / "clone", env=default)
    assert not os.path.exists(tmp_path / "clone" / CACHE)

    bound = "devel.oxidag.dag-cache-min-revisions=%d"
    hg("log", "-r", "heads(all())", cwd=repo, env=default, config=[bound % 3001])
    assert not os.path.exists(repo / CACHE)
    hg("log", "-r", "heads(all())", cwd=repo, env=default, config=[bound % 3000])
    assert state(repo) == "valid, 3000 revisions"
    os.remove(repo / CACHE)
    proc = hg("log", "-r", "heads(all())", "-T", "{rev} ", cwd=repo, env=default,
              config=["devel.oxidag.dag-cache-min-revisions=few"])
    assert proc.stderr.decode() == (
        "oxidag: devel.oxidag.dag-cache-min-revisions must be an integer from 0 to %d, not few; using %d\n"
        % (2**63 - 1, extension_native.SMALL_REVLOG)
    )
    assert proc.stdout == hg("log", "-r", "heads(all())", "-T", "{rev} ", cwd=repo, extension=False).stdout
    assert not os.path.exists(repo / CACHE)
