"""The README's main job: a generated repository, queried with and without oxidag.

Generates (once) a repository from the real DAG shape in ../shared/dags when
present, else a seeded synthetic one, then runs ancestry queries through the real
`hg` with Mercurial's C code and with oxidag, checks the outputs are identical and
prints whole-process timings and their ratio (the median of a few runs).
"""

import os
import statistics
import subprocess
import sys
import time

CHECKOUT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HG = os.path.join(os.path.dirname(sys.executable), "hg")
EXTENSION = os.path.join(CHECKOUT, "hgext", "oxidag")
REAL_DAG = os.path.join(os.path.dirname(CHECKOUT), "shared", "dags", "git-master.parents.gz")
ENV = dict(os.environ, HGRCPATH="", HGPLAIN="1")
RUNS = 3


def ensure_repo():
    source = ["--dag", REAL_DAG] if os.path.exists(REAL_DAG) else ["--synthetic", "200000", "--seed", "1"]
    name = "git-master" if os.path.exists(REAL_DAG) else "synthetic-200k"
    path = os.path.join(CHECKOUT, ".tmp", "demo-" + name)
    if not os.path.exists(path):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        print("generating %s repository at %s ..." % (name, path), flush=True)
        subprocess.run([sys.executable, os.path.join(CHECKOUT, "contrib", "genrepo.py"), path] + source, check=True, env=ENV)
    return name, path


def run(repo, expr, extension):
    cmd = [HG, "-R", repo]
    if extension:
        cmd += ["--config", "extensions.oxidag=" + EXTENSION]
    cmd += ["log", "-r", expr, "-T", "{rev}\n"]
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        out = subprocess.run(cmd, check=True, capture_output=True, env=ENV).stdout
        times.append(time.perf_counter() - start)
    return out, statistics.median(times)


def main():
    name, repo = ensure_repo()
    tip = int(subprocess.run([HG, "-R", repo, "log", "-r", "tip", "-T", "{rev}"], capture_output=True, env=ENV, check=True).stdout)
    mid = tip // 2
    queries = [
        "min(ancestors(tip))",
        "last(::tip, 1)",
        "max(only(tip, %d))" % mid,
        "max(descendants(%d))" % mid,
        "max(%d::tip)" % mid,
        "ancestor(tip, %d)" % mid,
    ]
    print("repository: %s (%d revisions); whole-process median of %d runs" % (name, tip + 1, RUNS))
    print("%-28s %12s %12s %8s" % ("hg log -r", "Mercurial C", "oxidag", "ratio"))
    for expr in queries:
        plain, t_plain = run(repo, expr, False)
        native, t_native = run(repo, expr, True)
        if plain != native:
            raise SystemExit("output differs for %s: %r != %r" % (expr, plain, native))
        print("%-28s %10.0fms %10.0fms %7.1fx" % (expr, t_plain * 1000, t_native * 1000, t_plain / t_native))
    backend = subprocess.run([HG, "--config", "extensions.oxidag=" + EXTENSION, "debugoxidag"], capture_output=True, env=ENV).stdout.decode()
    print(backend.splitlines()[1])


if __name__ == "__main__":
    main()
