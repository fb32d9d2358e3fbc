"""A test command: revset results held across a commit, a strip, and new commits
that bring the changelog back to its former length (tests/test_extension.py,
tests/test-oxidag.t).

    hg debugacrossstrip STRIPREV EXPR...

Evaluates each EXPR once, consults every other one at once (the rest first after
the commit), then prints what each answers after each step; RuntimeError when it
refuses to answer.
"""

from mercurial import metadata, registrar, repair

cmdtable = {}
command = registrar.command(cmdtable)


def _consult(revs):
    try:
        members = list(revs)
        probes = [r in revs for r in range(0, 60, 7)]
        return b'%r len=%d first=%r last=%r in=%r' % (members, len(revs), revs.first(), revs.last(), probes)
    except RuntimeError as exc:
        return b'RuntimeError: %s' % str(exc).encode()


def _commit(repo, count):
    cl = repo.changelog
    with repo.lock(), repo.transaction(b'grow') as tr:
        for i in range(count):
            tip = cl.node(len(cl) - 1)
            cl.add(repo.nullid, metadata.ChangingFiles(), b'grown %d' % i, tr, tip, repo.nullid, b'test', (0, 0))


@command(b'debugacrossstrip', [], b'STRIPREV EXPR...', norepo=False)
def debugacrossstrip(ui, repo, striprev, *exprs):
    repo = repo.unfiltered()
    held = [(expr, repo.revs(expr)) for expr in exprs]
    for expr, revs in held[::2]:
        ui.write(b'before %s: %s\n' % (expr, _consult(revs)))
    _commit(repo, 2)
    length = len(repo.changelog)
    for expr, revs in held:
        ui.write(b'after commit %s: %s\n' % (expr, _consult(revs)))
    with repo.wlock(), repo.lock():
        repair.strip(ui, repo, [repo.changelog.node(int(striprev))], backup=False)
    for expr, revs in held:
        ui.write(b'after strip %s: %s\n' % (expr, _consult(revs)))
    _commit(repo, length - len(repo.changelog))
    ui.write(b'%d revisions again\n' % len(repo.changelog))
    for expr, revs in held:
        ui.write(b'after regrow %s: %s\n' % (expr, _consult(revs)))
    for expr in exprs:
        ui.write(b'fresh %s: %s\n' % (expr, _consult(repo.revs(expr))))
