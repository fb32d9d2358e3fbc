"""Time changelog ancestry APIs inside one Mercurial process (a benchmark helper).

Loaded as an extension by ``contrib/bench/run`` into each variant's ``hg`` (C,
pure Python, Mercurial's Rust, oxidag), so that every variant is timed through
the same ``repo.changelog`` methods its Mercurial code paths use::

    hg --config extensions.apibench=contrib/bench/apibench.py \
       benchapi --mid X [--reps N] [--budget SECONDS] [--only "NAME;..."]

Prints one JSON object: for each benchmark, ``first`` (the first call, which
for oxidag includes copying the parents table out of the index), ``times``
(the following calls) and ``result`` (a small digest, to check that every
variant computed the same thing).  Like ``perf.py``, each call is preceded by a
``gc.collect()`` outside the timed region.
"""

from __future__ import annotations

import gc
import json
import random
import time

from mercurial import registrar

cmdtable = {}
command = registrar.command(cmdtable)

testedwith = b'7.2.4'

# Number of revision pairs for the batched is-ancestor and common-ancestor heads.
ISANCESTOR_PAIRS = 100
GCA_PAIRS = 20


def _pairs(length, count, seed):
    """``count`` (a, b) pairs with a < b: half far apart, half within 1000."""
    rand = random.Random(seed)
    pairs = []
    for i in range(count):
        b = rand.randrange(1, length)
        if i % 2:
            a = rand.randrange(0, b)
        else:
            a = max(0, b - 1 - rand.randrange(1000))
        pairs.append((a, b))
    return pairs


def benchmarks(repo, mid):
    """(name, function returning a digest) for each API benchmark."""
    cl = repo.changelog
    tip = len(cl) - 1
    anc_pairs = _pairs(len(cl), ISANCESTOR_PAIRS, 1)
    gca_pairs = [(cl.node(a), cl.node(b)) for a, b in _pairs(len(cl), GCA_PAIRS, 2)]
    allrevs = list(cl.revs())

    def ancestors():
        n = 0
        for _ in cl.ancestors([tip]):
            n += 1
        return n

    def findmissingrevs():
        return len(cl.findmissingrevs(common=[mid], heads=[tip]))

    def incrementalmissing():
        inc = cl.incrementalmissingrevs(common=[mid])
        return len(inc.missingancestors([tip]))

    def isancestorrev():
        isanc = cl.isancestorrev
        return sum(1 for a, b in anc_pairs if isanc(a, b))

    def commonancestorsheads():
        gca = cl.commonancestorsheads
        return sum(len(gca(a, b)) for a, b in gca_pairs)

    def descendants():
        n = 0
        for _ in cl.descendants([mid]):
            n += 1
        return n

    def headrevs():
        return len(cl.headrevs())

    def ordered(nodes):
        # A digest of the revisions and their order (heads() returns a set's order).
        return sum((i + 1) * cl.rev(n) for i, n in enumerate(nodes))

    def heads_from():
        return ordered(cl.heads(cl.node(mid)))

    def heads_stop():
        return ordered(cl.heads(None, [cl.node(mid)]))

    def headrevs_all():
        return len(cl.headrevs(allrevs))

    return [
        ('ancestors(tip) iterated', ancestors),
        ('findmissingrevs(X, tip)', findmissingrevs),
        ('incrementalmissingrevs(X).missingancestors(tip)', incrementalmissing),
        ('isancestorrev x%d' % ISANCESTOR_PAIRS, isancestorrev),
        ('commonancestorsheads x%d' % GCA_PAIRS, commonancestorsheads),
        ('descendants(X) iterated', descendants),
        ('headrevs()', headrevs),
        ('headrevs(all revs)', headrevs_all),
        ('heads(start=X)', heads_from),
        ('heads(stop=[X])', heads_stop),
    ]


@command(b'benchsmallrange', [], b'')
def benchsmallrange(ui, repo):
    """print a revision X far below tip whose X::tip is small (at most 1,000 revisions)

    The first revision of a topic branch merged near the top (the one furthest below
    tip): `x::tip` holds only what leads from X to tip. C walks the ancestors of tip
    above X and allocates a byte per revision of the changelog for it.
    """
    cl = repo.changelog
    tip = len(cl) - 1
    best = tip
    for merge in repo.revs(b'merge() and last(::tip, 3000)'):
        p1, p2 = cl.parentrevs(merge)
        topic = repo.revs(b'only(%d, %d)', p2, p1)
        if topic and topic.min() < best and len(repo.revs(b'%d::tip', topic.min())) <= 1000:
            best = topic.min()
    ui.write(b'%d\n' % best)


def _time(func):
    gc.collect()
    start = time.perf_counter()
    result = func()
    return time.perf_counter() - start, result


@command(
    b'benchapi',
    [
        (b'', b'mid', -1, b'the revision X (default: len/2)'),
        (b'', b'reps', 5, b'timed calls after the first, at least'),
        (b'', b'budget', b'1.0', b'stop adding calls after this many seconds'),
        (b'', b'only', b'', b'benchmark names separated by ";" (default: all)'),
    ],
    b'',
)
def benchapi(ui, repo, mid=-1, reps=5, budget=b'1.0', only=b'', **opts):
    """time changelog ancestry APIs; print JSON"""
    budget = float(budget)  # fancyopts has no float type
    if mid < 0:
        mid = len(repo.changelog) // 2
    wanted = set(only.decode('utf-8').split(';')) if only else None
    out = {}
    for name, func in benchmarks(repo, mid):
        if wanted is not None and name not in wanted:
            continue
        first, result = _time(func)
        times = []
        begin = time.perf_counter()
        # At least `reps` calls, unless one call already costs more than the budget.
        while len(times) < reps and (first < budget or not times):
            elapsed, again = _time(func)
            times.append(elapsed)
            if again != result:
                raise RuntimeError('%s: %r then %r' % (name, result, again))
            if time.perf_counter() - begin > 3 * budget:
                break
        out[name] = {'first': first, 'times': times, 'result': result}
    ui.write(json.dumps(out).encode('utf-8') + b'\n')
