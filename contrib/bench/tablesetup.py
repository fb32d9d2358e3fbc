#!/usr/bin/env python3
"""What a command's first native answer pays before it can answer: the changelog's
parents table read from the persistent DAG cache file, or from the changelog
itself (`oxidag.dag-cache=no`), timed in fresh processes, interleaved, medians.

    .tmp/bench/hg-c/bin/python contrib/bench/tablesetup.py [--runs N] REPO...

Uses the checkout's extension (`make build` first) and the Mercurial the Python
running it imports (the benchmark's C Mercurial 7.2.4). Each repository gets a
valid cache file first (`hg debugupdatecaches`, whatever its size); the page cache
is warm (a command run a second time). Prints, per repository, the revisions, both
medians and their ratio.
"""

import argparse
import os
import statistics
import subprocess
import sys

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXTENSION = os.path.join(TOP, "hgext", "oxidag")
# The file is written for changelogs of any size here (see dagcache.py).
CONFIG = {b"devel": {b"oxidag.dag-cache-min-revisions": b"0"}}


def child(repo_path, cache):
    import time

    from mercurial import extensions, hg, ui as uimod

    ui = uimod.ui.load()
    ui.setconfig(b"extensions", b"oxidag", EXTENSION.encode())
    ui.setconfig(b"oxidag", b"dag-cache", cache.encode())
    for section, items in CONFIG.items():
        for name, value in items.items():
            ui.setconfig(section, name, value)
    extensions.loadall(ui)
    oxidag = extensions.find(b"oxidag")
    repo = hg.repository(ui, repo_path.encode())
    cl = repo.unfiltered().changelog
    start = time.perf_counter()
    assert oxidag.native.servesrevlog(cl)
    oxidag.native.loaded().warm(cl.index, False)
    elapsed = time.perf_counter() - start
    state = oxidag.dagcache.describe(repo)[1].decode()
    print("%.6f %d %s" % (elapsed, len(cl), state))


def measure(python, repo, cache):
    env = dict(os.environ, HGRCPATH="")
    out = subprocess.run([python, __file__, "--child", cache, repo], env=env, check=True,
                         capture_output=True).stdout.decode().split(" ", 2)
    return float(out[0]) * 1000, int(out[1]), out[2].strip()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=11)
    parser.add_argument("--child", metavar="CACHE", help=argparse.SUPPRESS)
    parser.add_argument("repos", nargs="+")
    args = parser.parse_args()
    if args.child:
        return child(args.repos[0], args.child)
    python = sys.executable
    print("%-40s %10s %12s %14s %7s" % ("repository", "revisions", "file (ms)", "changelog (ms)", "ratio"))
    for repo in args.repos:
        subprocess.run([python, "-m", "mercurial", "--config", "extensions.oxidag=" + EXTENSION,
                        "--config", "devel.oxidag.dag-cache-min-revisions=0", "-R", repo,
                        "debugupdatecaches"], env=dict(os.environ, HGRCPATH=""), check=True)
        times = {"yes": [], "no": []}
        revisions = None
        for run in range(args.runs + 1):
            for cache in ("yes", "no") if run % 2 else ("no", "yes"):
                elapsed, revisions, state = measure(python, repo, cache)
                if cache == "yes" and not state.startswith("valid"):
                    sys.exit("%s: the cache file is not used (%s)" % (repo, state))
                if run:  # the first round warms the page cache
                    times[cache].append(elapsed)
        file_ms, changelog_ms = statistics.median(times["yes"]), statistics.median(times["no"])
        print("%-40s %10d %12.2f %14.2f %7.2f" % (os.path.basename(os.path.normpath(repo)), revisions,
                                                  file_ms, changelog_ms, changelog_ms / file_ms))


if __name__ == "__main__":
    main()
