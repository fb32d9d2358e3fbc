"""A test command: native objects and revset results held across changes of the
repository, consulted in every way a caller can (tests/test_lifecycle.py runs it
with and without oxidag and compares).

    hg debuglifecycle SCENARIO

SCENARIO is `strip` (strip the top revisions, then commit back to the same
length), `reorder` (strip three heads, then apply their bundles in another order:
same length, same tip node, two revisions swapped) or `midway` (iterations half
consumed across a strip).

Each held object is made once, then consulted after each step: `made`, after a
commit (`committed`), after the strip (`stripped`), and after the repository is
back to its length (`regrown` or `reordered`). Objects marked `late` are consulted
first after the commit, as a lazy result may be. Every consult prints one line:
`STEP NAME HOW: RESULT`, RESULT being what it answered or the exception it raised.
"""

import os

from mercurial import bundle2, changegroup, discovery, exchange, metadata, registrar, repair
from mercurial.node import short

cmdtable = {}
command = registrar.command(cmdtable)

# (name, revset); the names of `late` ones end with "+late". X, Y, Z are revisions
# the command substitutes (a high one, a middle one, a low one), T the tip (the
# commit made later is its child).
REVSETS = [
    ("ancestors", "ancestors(X)"),
    ("dotdot-ancestors", "::X"),
    ("descendants", "descendants(Y)"),
    ("descendants+late", "descendants(Y)"),
    ("dotdot-descendants", "Y::"),
    ("only", "only(X, Y)"),
    ("only-one", "only(X)"),
    ("range", "Y::X"),
    ("heads", "heads(Z::X)"),
    ("heads-all", "heads(all())"),
    ("roots", "roots(Y::)"),
    ("children", "children(Y)"),
    ("parents", "parents(Y::X)"),
    ("firstancestors", "_firstancestors(X)"),
    ("firstdescendants", "_firstdescendants(Y)"),
    ("depth-descendants", "descendants(Y, depth=2)"),
    ("depth-descendants+late", "descendants(Y, depth=2)"),
    ("depth-descendants-tip+late", "descendants(T, depth=2)"),
    ("generations+late", "Y#generations[:2]"),
    ("depth-ancestors", "ancestors(X, depth=3, startdepth=1)"),
    ("union", "ancestors(Z) or descendants(X)"),
    ("intersection", "::X and Y::"),
    ("difference", "::X - ::Y"),
]


def _consults(revs):
    """What a caller can ask of a smartset."""
    return [
        ("list", lambda: list(revs)),
        ("len", lambda: len(revs)),
        ("bool", lambda: bool(revs)),
        ("in", lambda: [r in revs for r in range(0, 80, 7)]),
        ("first", lambda: revs.first()),
        ("last", lambda: revs.last()),
        ("min", lambda: revs.min() if revs else None),
        ("max", lambda: revs.max() if revs else None),
        ("and", lambda: list(revs & _REPO[0].revs(b'all()'))),
        ("sub", lambda: list(revs - _REPO[0].revs(b'0:5'))),
        ("fastasc", lambda: list(revs.fastasc()) if revs.fastasc else None),
        ("slice", lambda: list(revs.slice(1, 4))),
        ("filter", lambda: list(revs.filter(lambda r: r % 2))),
        ("sorted", lambda: (revs.sort(reverse=True), list(revs), revs.sort())[1]),
    ]


_REPO = []


def _describe(call):
    try:
        value = call()
    except Exception as exc:  # every outcome is compared
        return b'%s: %s' % (type(exc).__name__.encode(), str(exc).encode()[:100])
    return repr(value).encode()[:300]


def _commit(repo, count):
    cl = repo.changelog
    with repo.lock(), repo.transaction(b'grow') as tr:
        for i in range(count):
            tip = cl.node(len(cl) - 1)
            cl.add(repo.nullid, metadata.ChangingFiles(), b'grown %d' % i, tr, tip, repo.nullid, b'test', (0, 0))


class Held:
    def __init__(self, repo, x, y, z):
        cl = repo.changelog
        self.objects = []
        for name, expr in REVSETS:
            expr = expr.replace('X', str(x)).replace('Y', str(y)).replace('Z', str(z))
            expr = expr.replace('T', str(len(cl) - 1))
            self.objects.append((name, repo.revs(expr.encode())))
        self.lazy = cl.ancestors([x], inclusive=True)
        self.missing = cl.incrementalmissingrevs([y])

    def consult(self, ui, step, early):
        for name, revs in self.objects:
            if early and name.endswith('+late'):
                continue
            for how, call in _consults(revs):
                ui.write(b'%s %s %s: %s\n' % (step, name.encode(), how.encode(), _describe(call)))
        lazy, missing = self.lazy, self.missing
        for how, call in [
            ("in", lambda: [r in lazy for r in range(0, 80, 7)]),
            ("list", lambda: list(lazy)),
            ("bool", lambda: bool(lazy)),
        ]:
            ui.write(b'%s lazyancestors %s: %s\n' % (step, how.encode(), _describe(call)))
        tip = len(_REPO[0].changelog) - 1
        for how, call in [
            ("hasbases", lambda: missing.hasbases()),
            ("missing", lambda: missing.missingancestors([min(tip, 60)])),
            ("basesheads", lambda: sorted(missing.basesheads())),
        ]:
            ui.write(b'%s missingancestors %s: %s\n' % (step, how.encode(), _describe(call)))


def _bundle(repo, node, path):
    """A bundle of `node` alone (its parents are common)."""
    outgoing = discovery.outgoing(repo, missingroots=[node], ancestorsof=[node])
    bundle = changegroup.makechangegroup(repo, outgoing, b'01', b'bundle')
    bundle2.writebundle(repo.ui, bundle, path, b'HG10UN')


def _apply(ui, repo, path):
    with open(path, 'rb') as f:
        gen = exchange.readbundle(ui, f, path)
        with repo.lock(), repo.transaction(b'unbundle') as tr:
            bundle2.applybundle(repo, gen, tr, source=b'unbundle', url=b'bundle:' + path)


@command(b'debuglifecycle', [], b'SCENARIO', norepo=False)
def debuglifecycle(ui, repo, scenario):
    repo = repo.unfiltered()
    _REPO[:] = [repo]
    cl = repo.changelog
    tip = len(cl) - 1
    held = Held(repo, tip - 3, tip // 2, tip // 4)
    midway = [(name, iter(revs)) for name, revs in held.objects if not name.endswith('+late')]
    midway.append(("lazyancestors", iter(held.lazy)))
    for _, it in midway:
        next(it, None)
    held.consult(ui, b'made', early=True)
    _commit(repo, 2)
    held.consult(ui, b'committed', early=False)
    length = len(repo.changelog)
    if scenario == b'reorder':
        # Three heads at the top: bundle each, strip them, apply in another order.
        cl = repo.changelog
        heads = [cl.node(r) for r in sorted(cl.headrevs())[-3:]]
        paths = []
        for i, node in enumerate(heads):
            paths.append(os.path.join(repo.path, b'lifecycle-%d.hg' % i))
            _bundle(repo, node, paths[-1])
        with repo.wlock(), repo.lock():
            repair.strip(ui, repo, heads, backup=False)
        held.consult(ui, b'stripped', early=False)
        for i in (1, 0, 2):
            _apply(ui, repo, paths[i])
        cl = repo.changelog
        ui.write(b'reordered: %d revisions, tip %s %s, heads %s\n' % (
            len(cl), short(cl.node(len(cl) - 1)),
            b'same' if cl.node(len(cl) - 1) == heads[2] else b'other',
            b' '.join(short(cl.node(r)) for r in sorted(cl.headrevs())[-3:])))
        held.consult(ui, b'reordered', early=False)
        return
    with repo.wlock(), repo.lock():
        repair.strip(ui, repo, [repo.changelog.node(length - 5)], backup=False)
    if scenario == b'midway':
        for name, it in midway:
            ui.write(b'midway %s next: %s\n' % (name.encode(), _describe(lambda: next(it))))
        return
    held.consult(ui, b'stripped', early=False)
    _commit(repo, length - len(repo.changelog))
    ui.write(b'%d revisions again\n' % len(repo.changelog))
    held.consult(ui, b'regrown', early=False)
