"""Evaluate revsets in one Mercurial process and print, for each, what a user or an
extension could observe: the smartset's structure as `hg debugrevspec -s` prints
it, its revisions in iteration order, len, first and last, or the error.

    python revsetdump.py REPO none|auto|python [--hidden] < expressions

`none` runs Mercurial alone; `auto` and `python` load oxidag (from this checkout)
in that mode. Experimental evolution is on, so obsolete changesets are hidden
(`--hidden`: the unfiltered repository).
"""

import os
import sys

from mercurial import extensions, hg, ui as uimod
from mercurial.utils import stringutil

try:
    # Mercurial 7.2: hg registers every predicate at start (initialization.init).
    from mercurial import initialization
except ImportError:  # Mercurial < 7.2 registers them on import
    initialization = None

EXTENSION = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "hgext", "oxidag")


def describe(repo, expr):
    try:
        revs = repo.anyrevs([expr], user=True)
        members = b" ".join(b"%d" % r for r in revs)
        facts = b"len %d first %r last %r" % (len(revs), revs.first(), revs.last())
        return b"\n".join([stringutil.prettyrepr(revs), members, facts, untouched(repo, expr)])
    except Exception as exc:  # compared between runs like any result
        return b"error %s: %s" % (type(exc).__name__.encode(), stringutil.forcebytestr(exc))


# What a fresh smartset answers when asked this first (a lazy set may answer
# before it has computed its members), each of the set and of its reverse.
FIRST_QUESTIONS = [
    ("bool", bool),
    ("first", lambda s: s.first()),
    ("last", lambda s: s.last()),
    ("max", lambda s: s.max() if s else None),
    ("slice", lambda s: list(s.slice(0, 3))),
    ("iter3", lambda s: [r for r, _ in zip(s, range(3))]),
]


def untouched(repo, expr):
    answers = []
    for reverse in (False, True):
        for name, question in FIRST_QUESTIONS:
            fresh = repo.anyrevs([expr], user=True)
            if reverse:
                fresh.reverse()
            answers.append(b"%s%s %r" % (b"-" if reverse else b"", name.encode(), question(fresh)))
    return b" ".join(answers)


def load(path, mode):
    """The repository at `path`, opened as `hg` would with oxidag in `mode` (or
    without it: `none`) and experimental evolution on."""
    if initialization is not None:
        initialization.init()  # as hg does: every predicate registered
    ui = uimod.ui.load()
    ui.setconfig(b"experimental", b"evolution", b"all")
    if mode != "none":
        ui.setconfig(b"extensions", b"oxidag", EXTENSION.encode())
        ui.setconfig(b"oxidag", b"mode", mode.encode())
        extensions.loadall(ui)
    return hg.repository(ui, path.encode())


def main():
    repo = load(sys.argv[1], sys.argv[2])
    if "--hidden" in sys.argv[3:]:
        repo = repo.unfiltered()
    out = sys.stdout.buffer
    for line in sys.stdin.buffer:
        expr = line.rstrip(b"\n")
        out.write(b"== %s\n%s\n" % (expr, describe(repo, expr)))


if __name__ == "__main__":
    main()
