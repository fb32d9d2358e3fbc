"""The README's main job: everyday `hg` commands on a generated repository, with and
without oxidag, as a user runs them (whole processes).

Generates (once) a repository from the real DAG shape in ../shared/dags when
present, else a seeded synthetic one, and a copy of it holding 99% of it (for
discovery). Each command runs with Mercurial's C code and with oxidag, alternately,
several times; outputs must be identical; the table shows medians, their ratio and,
where the ratio is about 1, what the command's time goes to.
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
RUNS = 5


def ensure_repo(name, source, limit=None):
    path = os.path.join(CHECKOUT, ".tmp", "demo-" + name)
    if not os.path.exists(os.path.join(path, ".hg", "store", "00changelog.i")):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        print("generating %s at %s ..." % (name, path), flush=True)
        extra = ["--limit", str(limit)] if limit else []
        subprocess.run([sys.executable, os.path.join(CHECKOUT, "contrib", "genrepo.py"), path] + source + extra,
                       check=True, env=ENV, stdout=subprocess.DEVNULL)
    return path


def hg(repo, args, extension):
    cmd = [HG, "-R", repo] + (["--config", "extensions.oxidag=" + EXTENSION] if extension else []) + args
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, env=ENV)
    elapsed = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        raise SystemExit("%s failed: %s" % (" ".join(cmd), proc.stderr.decode()))
    # Discovery prints its own timing: not part of the answer.
    out = b"\n".join(line for line in proc.stdout.splitlines() if b"elapsed time" not in line)
    return out, elapsed


def measure(repo, args):
    """Median times without and with oxidag, alternating; outputs compared."""
    times = {False: [], True: []}
    outputs = {}
    for i in range(RUNS):
        for extension in ((False, True) if i % 2 == 0 else (True, False)):
            out, elapsed = hg(repo, args, extension)
            times[extension].append(elapsed)
            outputs[extension] = out
    if outputs[False] != outputs[True]:
        raise SystemExit("output differs for hg %s" % " ".join(args))
    return statistics.median(times[False]), statistics.median(times[True])


def main():
    if os.path.exists(REAL_DAG):
        name, source = "git-master", ["--dag", REAL_DAG]
    else:
        name, source = "synthetic-200k", ["--synthetic", "200000", "--seed", "1"]
    repo = ensure_repo(name, source)
    tip = int(hg(repo, ["log", "-r", "tip", "-T", "{rev}"], False)[0])
    behind = ensure_repo(name + "-99", source, limit=(tip + 1) * 99 // 100)
    mid = tip // 2
    log = lambda expr: ["log", "-r", expr, "-T", "{rev}\n"]
    startup = "starting Python and Mercurial: no ancestry to walk"
    commands = [
        ("hg id -r tip", repo, ["id", "-r", "tip"], startup),
        ("hg log -l 10", repo, ["log", "-l", "10", "-T", "{rev} {desc}\n"], startup),
        ("hg log -G -l 200", repo, ["log", "-G", "-l", "200", "-T", "{rev}\n"],
         "drawing the graph, in Python, for 200 revisions"),
        ("hg heads", repo, ["heads", "-T", "{rev}\n"], "reading and printing each head"),
        ("hg heads -r X", repo, ["heads", "-r", str(mid), "-T", "{rev}\n"], None),
        ("hg log -r 'heads(all())'", repo, log("heads(all())"), None),
        ("hg log -r 'min(only(tip, X))'", repo, log("min(only(tip, %d))" % mid), None),
        ("hg log -r 'ancestor(tip, X)'", repo, log("ancestor(tip, %d)" % mid), startup),
        ("hg outgoing (1% ahead)", repo, ["outgoing", "-q", "-T", "{rev}\n", behind],
         "opening both repositories"),
        ("hg incoming (1% behind)", behind, ["incoming", "-q", "-T", "{rev}\n", repo],
         "opening both repositories"),
        ("hg debugdiscovery (1% behind)", behind, ["debugdiscovery", repo], None),
        ("hg log -r 'roots(X::)'", repo, log("roots(%d::)" % mid), None),
    ]
    print("repository: %s (%d revisions), X = %d; whole processes, medians of %d alternating runs"
          % (name, tip + 1, mid, RUNS))
    print("%-30s %11s %11s %7s" % ("command", "Mercurial C", "oxidag", "ratio"))
    for label, where, args, dominated in commands:
        plain, native = measure(where, args)
        ratio = plain / native
        note = "  (about the same: %s)" % dominated if dominated and 0.9 <= ratio <= 1.15 else ""
        print("%-30s %9.0fms %9.0fms %6.2fx%s" % (label, plain * 1000, native * 1000, ratio, note))
    backend = hg(repo, ["debugoxidag"], True)[0].decode().splitlines()
    print("oxidag " + [line for line in backend if line.startswith("backend:")][0])
    print("Every command above pays for starting Python and Mercurial (the `hg id` row);")
    print("under chg, Mercurial's command server, it does not: see README (Whole commands)")
    print("and `make bench-commands`; the native kernels alone: `make bench-hg`.")


if __name__ == "__main__":
    main()
