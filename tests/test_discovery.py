"""Setdiscovery's sampling (hgext/oxidag/discovery.py) against Mercurial's: the
native walk adds what `setdiscovery._updatesample` adds, in its order; `hg
debugdiscovery --debug` prints the same rounds, samples and result with and without
oxidag, with Mercurial's seeded random sampling and with its deterministic one, on
pairs of real repositories that share part of their history."""

import random

import pytest
from mercurial import setdiscovery

from conftest import hg, make_repo, random_dag


class RecordingSet(set):
    """A set that records what `add` adds, in order (what `_updatesample` does)."""

    def __init__(self, *args):
        super().__init__(*args)
        self.added = []

    def add(self, rev):
        if rev not in self:
            self.added.append(rev)
        super().add(rev)


def mercurial_walk(parents, within, starts, sample, target, children):
    recording = RecordingSet(sample)
    if children:
        childmap = {r: [] for r in within}
        for r in sorted(within):
            for p in parents[r]:
                if p in childmap:
                    childmap[p].append(r)
        step = childmap.__getitem__
    else:
        step = parents.__getitem__
    setdiscovery._updatesample(within, starts, recording, step, quicksamplesize=target)
    return recording.added


def test_sample_walk_is_mercurials(native, seed):
    rng = random.Random(seed)
    for case in range(300):
        dag = random_dag(rng, rng.randrange(1, 400), merge_rate=rng.random() * 0.5, branch_rate=rng.random())
        index = [(0, 0, 0, 0, 0, p1, p2) for p1, p2 in dag]
        parents = [tuple(p) for p in dag]
        n = len(dag)
        children = rng.random() < 0.4
        within = set(rng.sample(range(n), rng.randrange(1, n + 1))) if children or rng.random() < 0.6 else None
        pool = sorted(within) if within else list(range(n))
        starts = [rng.choice(pool) for _ in range(rng.randrange(1, 8))]
        sample = set(rng.sample(range(n), min(n, rng.randrange(0, 5))))
        target = rng.choice([0, 0, 1, 3, 10, 50])
        expected = mercurial_walk(parents, within, starts, sample, target, children)
        got = native.samplewalk(index, starts, sample, target, within, children)
        assert got == expected, (case, starts, sample, target, within, children)


def test_children_walk_needs_a_set(native):
    with pytest.raises(ValueError):
        native.samplewalk([(0, 0, 0, 0, 0, -1, -1)], [0], [], 0, None, True)


def diverged(rng, shared, ahead, linear=False):
    """(dag_a, dag_b): `shared` revisions in common, then each its own `ahead`
    (revisions get their nodes from their number and parents: the sides' own start
    with different parents). A linear shared history, with every new revision above
    its tip, leaves no head in common: discovery then starts from a quick sample."""
    base = [(r - 1, -1) for r in range(shared)] if linear else random_dag(rng, shared)

    def extend(first):
        dag = list(base) + [first]
        for rev in range(shared + 1, shared + ahead):
            low = shared if linear else 0
            p1 = rev - 1 if rng.random() < 0.7 else rng.randrange(low, rev)
            p2 = rng.randrange(low, rev) if rng.random() < 0.2 else -1
            dag.append((p1, -1 if p2 == p1 else p2))
        return dag

    return extend((shared - 1, -1)), extend((shared - 1, shared - 2))


@pytest.fixture(scope="module")
def repo_pairs(tmp_path_factory):
    rng = random.Random(31)
    pairs = []
    for i, (shared, ahead, linear) in enumerate([(300, 150, False), (500, 40, False), (80, 300, False),
                                                 (400, 60, True)]):
        a, b = diverged(rng, shared, ahead, linear)
        root = tmp_path_factory.mktemp("discovery%d" % i)
        pairs.append((make_repo(root / "a", a), make_repo(root / "b", b)))
    return pairs


CONFIGS = [
    ["devel.discovery.sample-size=10", "devel.discovery.sample-size.initial=5"],
    ["devel.discovery.sample-size=10", "devel.discovery.randomize=false"],
    ["devel.discovery.exchange-heads=false", "devel.discovery.sample-size=8",
     "devel.discovery.sample-size.initial=4"],
    ["devel.discovery.grow-sample=false", "devel.discovery.sample-size=6"],
    [],
]


@pytest.mark.parametrize("config", CONFIGS, ids=["seeded", "deterministic", "no-heads-exchange", "fixed-size",
                                                 "defaults"])
def test_debugdiscovery_is_mercurials(repo_pairs, config, native):
    rounds, quick = [], 0
    for a, b in repo_pairs:
        for seed in ("12323", "7"):
            args = ["-R", str(a), "debugdiscovery", "--debug", "--seed", seed, str(b)]
            expected = hg(*args, extension=False, config=config).stdout
            got = hg(*args, config=config).stdout
            # Timings aside, every line: the rounds, each sample's size, the sets.
            strip = lambda out: [l for l in out.splitlines() if b"elapsed" not in l and b" in " not in l]
            assert strip(got) == strip(expected), (a, b, config, seed)
            rounds.append(expected.count(b"\nquery "))
            quick += b"taking quick initial sample" in expected
    # Small samples make discovery take rounds of sampling (the walks compared), the
    # pair with no common head a quick sample first (with the heads exchanged).
    assert max(rounds) >= (1 if not config else 3), rounds
    assert quick or "devel.discovery.exchange-heads=false" in config


def test_native_class_is_used(repo_pairs, native):
    a, b = repo_pairs[0]
    out = hg("-R", str(a), "debugoxidag", extension=True).stdout
    assert b"setdiscovery.partialdiscovery" in out
