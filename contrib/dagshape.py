"""Revision DAG shapes for building test and benchmark repositories.

A DAG shape is a list of ``(p1, p2)`` pairs of integers: entry ``i`` holds the
parents of revision ``i``, ``-1`` stands for "no parent", and every parent is
below its child (topological order), exactly like a Mercurial changelog.

On disk a shape is a text file with one ``p1 p2`` line per revision,
gzip-compressed when the file name ends in ``.gz``.

This module deliberately does not import Mercurial so that shapes can be
produced, inspected and validated without it.
"""

import gzip
import math
import random
from collections import deque
from itertools import repeat

NULLREV = -1

# How far back (in main-line revisions) a topic branch may fork.  Bounding it
# keeps the look-back window a small deque instead of the whole main line.
_MAX_FORK_DEPTH = 4096

# Pareto shape parameters: the smaller, the heavier the tail.  Topic lengths
# are mostly 1-3 revisions with rare long-lived branches, and most forks start
# from the main-line tip or just below it (compare git/git, where the second
# parent of a merge is nearly always the revision just below it and the first
# parent 1 to 12 revisions below).
_TOPIC_LENGTH_SHAPE = 1.6
_FORK_DEPTH_SHAPE = 1.3

# Mean length of a run of commits made straight on the main line.
_TRUNK_RUN_MEAN = 1.5

# Probability that a topic branch forked some way back merges an intermediate
# main-line revision before it is merged itself; this creates merges with
# several common ancestors, the awkward case for ancestry algorithms.
_SYNC_MERGE_RATE = 0.05

# Independent histories (extra roots, like git's imported gitk and git-gui)
# arrive ever more rarely as a project grows: the next one comes after the
# revision count has grown by a random factor in [1.5, 2.5).  A DAG thus has
# about 1 + log2(size / 32) roots: 5 for 500 revisions, 12 for 85,000 (git/git
# has 9), 16 for a million.
_FIRST_EXTRA_ROOT_AT = 32
_IMPORTED_HISTORY_MEAN = 20


def _opener(path):
    return gzip.open if str(path).endswith(".gz") else open


def normalise(p1, p2):
    """Return the parent pair in the canonical order Mercurial reports.

    Mercurial shows a lone second parent as the first one, and a merge of a
    revision with itself is no merge at all.
    """
    if p1 == NULLREV:
        return (p2, NULLREV)
    if p1 == p2:
        return (p1, NULLREV)
    return (p1, p2)


def read_parents(path):
    """Read a DAG shape file and return its normalised ``(p1, p2)`` list.

    Raise ValueError, naming the file and the 1-based line, on a line that is
    not two integers, a parent below -1, or a parent that is not below its
    revision (line ``n`` holds revision ``n - 1``).
    """
    with _opener(path)(path, "rb") as f:
        # One read and split is several times faster than iterating over a
        # GzipFile line by line.
        lines = f.read().splitlines()
    parents = []
    append = parents.append
    for rev, line in enumerate(lines):
        fields = line.split()
        try:
            if len(fields) != 2:
                raise ValueError
            p1 = int(fields[0])
            p2 = int(fields[1])
        except ValueError:
            raise ValueError(
                "%s:%d: expected two integers 'p1 p2', got %r"
                % (path, rev + 1, line.decode("latin-1"))
            ) from None
        if p1 >= rev or p2 >= rev or p1 < NULLREV or p2 < NULLREV:
            bad = p1 if p1 >= rev or p1 < NULLREV else p2
            if bad < NULLREV:
                why = "is below -1"
            else:
                why = "is not below the revision (not in topological order)"
            raise ValueError(
                "%s:%d: parent %d of revision %d %s"
                % (path, rev + 1, bad, rev, why)
            )
        append(normalise(p1, p2))
    return parents


def write_parents(path, parents):
    """Write ``parents`` as a DAG shape file (gzip if ``path`` ends in .gz)."""
    text = "".join("%d %d\n" % pair for pair in parents)
    with _opener(path)(path, "wb") as f:
        f.write(text.encode("ascii"))


def synthetic_parents(size, seed, branchiness=0.7, merge_rate=0.97):
    """Return a deterministic, realistically shaped DAG of ``size`` revisions.

    History is grown piece by piece on top of a main line (the first-parent
    chain of the main head):

    - with probability ``branchiness`` the next piece is a topic branch: a
      chain forked off a recent main-line revision (usually the tip), merged
      back into the main line with probability ``merge_rate`` and otherwise
      left as an unmerged head;
    - otherwise it is a short run of commits made straight on the main line;
    - now and then an independent history with its own root is started and
      merged into the main line.

    Revisions are numbered as a Mercurial repository that pulled each branch
    right before merging it would number them: a topic sits just below its
    merge.  With the defaults about a fifth to a quarter of the revisions
    are merges (a quarter in git/git) and about 0.7% are heads.

    All randomness comes from ``random.Random(seed)``, so the same arguments
    always give the same DAG.
    """
    if size < 0:
        raise ValueError("size must be >= 0, got %r" % (size,))
    for name, value in (("branchiness", branchiness), ("merge_rate", merge_rate)):
        if not 0.0 <= value <= 1.0:
            raise ValueError("%s must be within [0, 1], got %r" % (name, value))

    rand = random.Random(seed).random
    parents = []
    # Recent main-line revisions, newest last, for picking fork points.
    trunk = deque(maxlen=_MAX_FORK_DEPTH)
    next_root_at = _FIRST_EXTRA_ROOT_AT

    def chain(base, length):
        """Append a chain of ``length`` revisions on ``base``; return its tip."""
        start = len(parents)
        # Heavy-tailed draws can be astronomically long: never build more
        # than is needed to reach ``size``.
        length = max(1, min(length, size - start))
        parents.append((base, NULLREV))
        parents.extend(zip(range(start, start + length - 1), repeat(NULLREV)))
        return start + length - 1

    def pareto(shape):
        # Inverse-CDF sampling from the bare uniform generator: cheaper than
        # random.paretovariate, and spelling the formula out here keeps the
        # DAG for a given seed stable whatever the Python version.
        return int((1.0 - rand()) ** (-1.0 / shape))

    def merge(p1, p2):
        parents.append((p1, p2))
        return len(parents) - 1

    # Revision 0 starts the main line.
    trunk.extend(range(chain(NULLREV, 1) + 1))
    while len(parents) < size:
        tip = trunk[-1]
        if len(parents) >= next_root_at:
            next_root_at = int(len(parents) * (1.5 + rand()))
            length = 1 + int(-math.log(1.0 - rand()) * _IMPORTED_HISTORY_MEAN)
            trunk.append(merge(tip, chain(NULLREV, length)))
        elif rand() < branchiness:
            depth = min(pareto(_FORK_DEPTH_SHAPE) - 1, len(trunk) - 1)
            length = pareto(_TOPIC_LENGTH_SHAPE)
            head = trunk[-1 - depth]
            # Syncing with the main line needs a main-line revision strictly
            # between the fork point and the tip, or the final merge would
            # merge an ancestor.
            if depth >= 2 and length >= 2 and rand() < _SYNC_MERGE_RATE:
                before = 1 + int(rand() * (length - 1))
                head = chain(head, before)
                head = merge(head, trunk[-1 - (1 + int(rand() * (depth - 1)))])
                length -= before
            head = chain(head, length)
            if rand() < merge_rate:
                trunk.append(merge(tip, head))
        else:
            length = 1 + int(-math.log(1.0 - rand()) * _TRUNK_RUN_MEAN)
            start = len(parents)
            trunk.extend(range(start, chain(tip, length) + 1))
    # The last piece may overshoot; cutting it leaves a valid DAG.
    del parents[size:]
    return parents


def random_dag(rng, size, root_rate=0.05, merge_rate=0.3, branch_rate=0.4):
    """Return a DAG shape of ``size`` revisions with little structure, for tests:
    several roots, merges, many heads, parents anywhere below.

    Each revision after the first is a new root with probability
    ``root_rate``; else its first parent is the revision just below it, or with
    probability ``branch_rate`` any revision below (a branch); it has a
    second parent, any revision below, with probability ``merge_rate``. All
    randomness comes from ``rng`` (a ``random.Random``).
    """
    parents = []
    for rev in range(size):
        if rev == 0 or rng.random() < root_rate:
            parents.append((NULLREV, NULLREV))
            continue
        p1 = rev - 1 if rng.random() > branch_rate else rng.randrange(rev)
        p2 = rng.randrange(rev) if rng.random() < merge_rate else NULLREV
        parents.append(normalise(p1, p2))
    return parents
