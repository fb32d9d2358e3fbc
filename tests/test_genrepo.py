"""Tests for contrib/dagshape.py and contrib/genrepo.py.

Generated repositories are checked with the real ``hg`` executable installed
next to the running Python, so that what is tested is what Mercurial reads
back from disk, not what the generator believes it wrote.
"""

import os
import random
import subprocess
import sys

import pytest

CHECKOUT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CONTRIB = os.path.join(CHECKOUT, "contrib")
GENREPO = os.path.join(CONTRIB, "genrepo.py")
HG = os.path.join(os.path.dirname(sys.executable), "hg")
SHARED_DAGS = os.path.join(os.path.dirname(CHECKOUT), "shared", "dags")

sys.path.insert(0, CONTRIB)
import dagshape  # noqa: E402

# Keep user and system configuration out of the way: the repositories must
# have Mercurial's default format and the output must be plain.
HG_ENV = dict(os.environ, HGRCPATH="", HGPLAIN="1")

# A root in the middle (3), merges of the two histories (5) and of a topic
# branch (7), an unmerged head (8); 4 has a lone second parent and 6 merges
# a revision with itself, which are both normalised.
SMALL_DAG = """\
-1 -1
0 -1
1 -1
-1 -1
-1 3
2 4
1 1
5 6
3 -1
7 -1
"""
SMALL_PARENTS = [
    (-1, -1),
    (0, -1),
    (1, -1),
    (-1, -1),
    (3, -1),
    (2, 4),
    (1, -1),
    (5, 6),
    (3, -1),
    (7, -1),
]


def run_genrepo(dest, *args):
    result = subprocess.run(
        [sys.executable, GENREPO, str(dest), *args],
        env=HG_ENV,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    return result


def hg(repo, *args):
    result = subprocess.run(
        [HG, "-R", str(repo), *args],
        env=HG_ENV,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def repo_parents(repo):
    out = hg(repo, "log", "-r", "all()", "-T", "{p1rev} {p2rev}\n")
    return [tuple(int(p) for p in line.split()) for line in out.splitlines()]


def assert_repo_matches(repo, parents):
    hg(repo, "verify")
    assert repo_parents(repo) == parents


def shape_stats(parents):
    """Return (merges, roots, heads) of a DAG shape."""
    has_child = set()
    for p1, p2 in parents:
        has_child.update((p1, p2))
    merges = sum(1 for _, p2 in parents if p2 != -1)
    roots = sum(1 for p1, _ in parents if p1 == -1)
    heads = len(parents) - len(has_child - {-1})
    return merges, roots, heads


def test_synthetic_repo(tmp_path):
    parents = dagshape.synthetic_parents(500, 7)
    merges, roots, heads = shape_stats(parents)
    assert merges >= 50 and roots >= 3 and heads >= 2
    run_genrepo(tmp_path / "repo", "--synthetic", "500", "--seed", "7")
    assert_repo_matches(tmp_path / "repo", parents)


def test_dag_file_repo(tmp_path):
    dag = tmp_path / "small.parents"
    dag.write_text(SMALL_DAG)
    run_genrepo(tmp_path / "repo", "--dag", str(dag))
    assert_repo_matches(tmp_path / "repo", SMALL_PARENTS)


def test_limit_and_gzip(tmp_path):
    dag = tmp_path / "small.parents.gz"
    dagshape.write_parents(dag, SMALL_PARENTS)
    run_genrepo(tmp_path / "repo", "--dag", str(dag), "--limit", "6")
    assert_repo_matches(tmp_path / "repo", SMALL_PARENTS[:6])


def test_existing_dest_refused(tmp_path):
    result = subprocess.run(
        [sys.executable, GENREPO, str(tmp_path), "--synthetic", "5"],
        env=HG_ENV,
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "already exists" in result.stderr


def test_read_parents_normalises(tmp_path):
    dag = tmp_path / "small.parents"
    dag.write_text(SMALL_DAG)
    assert dagshape.read_parents(dag) == SMALL_PARENTS


@pytest.mark.parametrize(
    "text, message",
    [
        ("-1 -1\n0\n", ":2: expected two integers"),
        ("-1 -1\n0 -1 -1\n", ":2: expected two integers"),
        ("-1 -1\nzero -1\n", ":2: expected two integers"),
        ("-1 -1\n\n", ":2: expected two integers"),
        ("-1 -1\n0 -1\n2 -1\n", ":3: parent 2 of revision 2 is not below"),
        ("-1 -1\n0 5\n", ":2: parent 5 of revision 1 is not below"),
        ("0 -1\n", ":1: parent 0 of revision 0 is not below"),
        ("-1 -1\n-2 -1\n", ":2: parent -2 of revision 1 is below -1"),
        ("-1 -1\n0 -3\n", ":2: parent -3 of revision 1 is below -1"),
    ],
)
def test_read_parents_errors(tmp_path, text, message):
    dag = tmp_path / "bad.parents"
    dag.write_text(text)
    with pytest.raises(ValueError, match=message):
        dagshape.read_parents(dag)


def test_genrepo_reports_bad_dag(tmp_path):
    dag = tmp_path / "bad.parents"
    dag.write_text("-1 -1\n1 -1\n")
    result = subprocess.run(
        [sys.executable, GENREPO, str(tmp_path / "repo"), "--dag", str(dag)],
        env=HG_ENV,
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert ":2: parent 1 of revision 1" in result.stderr
    assert not (tmp_path / "repo").exists()


def test_write_read_round_trip(tmp_path):
    parents = dagshape.synthetic_parents(2000, 3)
    for name in ("shape.parents", "shape.parents.gz"):
        dagshape.write_parents(tmp_path / name, parents)
        assert dagshape.read_parents(tmp_path / name) == parents


def test_synthetic_deterministic():
    assert dagshape.synthetic_parents(3000, 1) == dagshape.synthetic_parents(
        3000, 1
    )
    assert dagshape.synthetic_parents(3000, 1) != dagshape.synthetic_parents(
        3000, 2
    )


@pytest.mark.parametrize("size", [0, 1, 2, 37, 5000])
def test_synthetic_is_valid(size):
    parents = dagshape.synthetic_parents(size, 11)
    assert len(parents) == size
    for rev, (p1, p2) in enumerate(parents):
        assert -1 <= p1 < rev and -1 <= p2 < rev
        assert dagshape.normalise(p1, p2) == (p1, p2)


def test_synthetic_parameters():
    chain = dagshape.synthetic_parents(1000, 5, branchiness=0.0)
    # Imported roots are always merged; only the last piece of history, cut
    # at `size`, may be left unmerged.
    assert shape_stats(chain)[2] <= 2
    unmerged = dagshape.synthetic_parents(1000, 5, merge_rate=0.0)
    merged = dagshape.synthetic_parents(1000, 5, merge_rate=1.0)
    assert shape_stats(unmerged)[2] > 50
    assert shape_stats(merged)[2] <= 2
    with pytest.raises(ValueError, match="branchiness"):
        dagshape.synthetic_parents(10, 0, branchiness=1.5)
    with pytest.raises(ValueError, match="merge_rate"):
        dagshape.synthetic_parents(10, 0, merge_rate=-0.1)


@pytest.mark.parametrize("seed", range(5))
def test_random_dag(seed):
    # The tests' random DAGs: valid, with several roots, merges and many heads.
    parents = dagshape.random_dag(random.Random(seed), 300)
    assert len(parents) == 300
    for rev, (p1, p2) in enumerate(parents):
        assert -1 <= p1 < rev and -1 <= p2 < rev
        assert dagshape.normalise(p1, p2) == (p1, p2)
    merges, roots, heads = shape_stats(parents)
    assert merges >= 50 and roots >= 5 and heads >= 50
    assert dagshape.random_dag(random.Random(seed), 300, root_rate=0, merge_rate=0, branch_rate=0) == [
        (rev - 1, -1) for rev in range(300)
    ]


def test_git_master_shape():
    path = os.path.join(SHARED_DAGS, "git-master.parents.gz")
    if not os.path.exists(path):
        pytest.skip("shared DAG shape %s is absent" % path)
    parents = dagshape.read_parents(path)
    assert len(parents) == 85273
    assert shape_stats(parents) == (21496, 9, 5)
