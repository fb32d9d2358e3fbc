"""What the benchmark scripts of contrib/bench share: where things are, how to run
each variant of Mercurial, repositories, timing one process, medians."""

import os
import resource
import statistics
import subprocess
import time

CHECKOUT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BENCH = os.path.join(CHECKOUT, ".tmp", "bench")
SDIST = os.path.join(BENCH, "mercurial-7.2.4")
PERF = os.path.join(SDIST, "contrib", "perf.py")
GENREPO = os.path.join(CHECKOUT, "contrib", "genrepo.py")
REPOS_DIR = os.path.join(BENCH, "repos")
DAGS = os.path.join(os.path.dirname(CHECKOUT), "shared", "dags")
OXIDAG = ["pyo3", "cpython"]


def variant_command(name):
    """(argv prefix up to and including the global options, environment) of a variant."""
    env = dict(os.environ, HGRCPATH="", HGPLAIN="1", LC_ALL="C")
    env.pop("PYTHONPATH", None)
    env.pop("HGUSER", None)
    hg_c = os.path.join(BENCH, "hg-c", "bin", "hg")
    if name == "C":
        env["HGMODULEPOLICY"] = "c"
        return [hg_c], env
    if name == "py":
        env["HGMODULEPOLICY"] = "py"
        return [hg_c], env
    if name == "Rust":
        env["HGMODULEPOLICY"] = "rust+c"
        return [os.path.join(BENCH, "hg-rust", "bin", "hg")], env
    env["HGMODULEPOLICY"] = "c"
    ext = os.path.join(BENCH, "oxidag-" + name, "oxidag")
    return [hg_c, "--config", "extensions.oxidag=" + ext, "--config", "oxidag.mode=native"], env


def ensure_repo(name, source):
    """Create the repository with the C install (DESIGN.md: Rust may add
    persistent-nodemap, which the C install refuses)."""
    path = os.path.join(REPOS_DIR, name)
    if not os.path.exists(os.path.join(path, ".hg", "store", "00changelog.i")):
        if os.path.exists(path):
            raise SystemExit("%s exists but holds no changelog: remove it" % path)
        os.makedirs(REPOS_DIR, exist_ok=True)
        print("generating %s ..." % name, flush=True)
        argv, env = variant_command("C")
        python = os.path.join(BENCH, "hg-c", "bin", "python")
        subprocess.run([python, GENREPO, path] + source, check=True, env=env)
    return path


def hg_out(variant, repo, args, timeout=600):
    argv, env = variant_command(variant)
    return subprocess.run(
        argv + ["-R", repo] + args, check=True, capture_output=True, env=env, timeout=timeout
    ).stdout


def repo_info(repo):
    tip = int(hg_out("C", repo, ["log", "-r", "tip", "-T", "{rev}"]))
    length = tip + 1
    x = int(hg_out("C", repo, ["log", "-r", "max(::tip and 0:%d)" % (length // 2), "-T", "{rev}"]))
    heads = len(hg_out("C", repo, ["log", "-r", "heads(all())", "-T", "x"]))
    apibench = os.path.join(CHECKOUT, "contrib", "bench", "apibench.py")
    small = int(hg_out("C", repo, ["--config", "extensions.apibench=" + apibench, "benchsmallrange"]))
    return {"revisions": length, "tip": tip, "X": x, "heads": heads, "Xs": small}


class Failed(Exception):
    pass


def _children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_process(variant, repo, args, timeout, cpu=None):
    """Wall time of a whole `hg` process; its CPU time (user + sys, all threads) is
    appended to `cpu` when given: on a shared machine it shows what the process
    itself cost, whatever the waits for a core."""
    argv, env = variant_command(variant)
    cpu_start = _children_cpu()
    start = time.perf_counter()
    proc = subprocess.run(argv + ["-R", repo] + args, capture_output=True, env=env, timeout=timeout)
    elapsed = time.perf_counter() - start
    if cpu is not None:
        cpu.append(_children_cpu() - cpu_start)
    if proc.returncode or proc.stderr:
        # Also a warning such as "*** failed to import extension oxidag": the run
        # would not measure what it claims to.
        raise Failed(proc.stderr.decode(errors="replace").strip().splitlines()[-1:])
    return elapsed, proc.stdout


def rotated(seq, k):
    k %= len(seq)
    return seq[k:] + seq[:k]


class Results:
    def __init__(self):
        # results[repo][bench][variant] -> list of per-round values (seconds)
        self.values = {}
        self.extra = {}
        self.notes = []

    def add(self, repo, bench, variant, value, extra=None):
        self.values.setdefault(repo, {}).setdefault(bench, {}).setdefault(variant, []).append(value)
        if extra is not None:
            self.extra.setdefault(repo, {}).setdefault(bench, {}).setdefault(variant, []).append(extra)

    def median(self, repo, bench, variant):
        vals = self.values.get(repo, {}).get(bench, {}).get(variant)
        if not vals:
            return None
        return statistics.median(vals)


def fmt_time(t):
    if t is None:
        return "-"
    if t >= 1:
        return "%.2fs" % t
    if t >= 1e-3:
        return "%.1fms" % (t * 1e3)
    return "%.0fus" % (t * 1e6)


def git_state():
    def out(*a):
        try:
            return subprocess.run(["git"] + list(a), cwd=CHECKOUT, capture_output=True, check=True).stdout.decode().strip()
        except (OSError, subprocess.CalledProcessError):
            return None

    builds = {}
    for v in OXIDAG:
        try:
            with open(os.path.join(BENCH, "oxidag-" + v, "COMMIT")) as f:
                builds[v] = f.read().strip()
        except OSError:
            builds[v] = None
    return {"head": out("rev-parse", "HEAD"), "oxidag builds": builds}


def check_variants(variants):
    """Each variant runs what it claims to (refuse to measure anything else)."""
    about = {}
    for v in variants:
        argv, env = variant_command(v)
        if v in OXIDAG:
            out = subprocess.run(argv + ["debugoxidag"], capture_output=True, env=env, check=True).stdout.decode()
            if "backend: %s" % v not in out or "capsule: ready" not in out:
                raise SystemExit("variant %s: oxidag does not serve natively:\n%s" % (v, out))
            about[v] = out.splitlines()[:4]
        else:
            out = subprocess.run(argv + ["debuginstall"], capture_output=True, env=env).stdout.decode()
            policy = [line for line in out.splitlines() if "module policy" in line or "Rust extensions" in line]
            if v == "Rust" and not any("Rust extensions (installed)" in line for line in policy):
                raise SystemExit("variant Rust: no Rust extensions:\n%s" % out)
            about[v] = policy
    return about
