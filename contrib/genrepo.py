"""Create a Mercurial repository whose changelog has a given DAG shape.

Usage::

    python contrib/genrepo.py DEST --dag FILE [--limit N]
    python contrib/genrepo.py DEST --synthetic N [--seed S]
                              [--branchiness F] [--merge-rate F] [--limit N]

The repository is created at DEST (which must not exist) in the default
format of the running Mercurial (and of any ``format.*`` settings in the
user's configuration, as ``hg init`` would).  Only changelog entries are written: every
revision has the null manifest, no files, a distinct description ``r<rev>``
and a deterministic date, so the same shape always gives the same nodes.
Revisions are public (no phase roots are written) and on the default branch.

All revisions are written under one lock and one transaction, with the
changelog files kept open for the whole run: about 25,000-30,000 revisions/s,
a million revisions in well under a minute.
"""

import argparse
import os
import shutil
import sys
import time

import dagshape
from mercurial import hg, metadata, ui as uimod
from mercurial.node import nullid

USER = b"genrepo <genrepo@example.com>"
# 2000-01-01 00:00 UTC; revision r is dated EPOCH + 60 * r.
EPOCH = 946684800


class _DefaultBranch:
    """Stand-in for a changelogrevision in ``repo.register_changeset``.

    Closing a transaction brings the branch cache up to date, and unless told
    each new revision's branch that means reading back and parsing every
    changelog entry just written: about half of the total time.  Every
    generated revision is on the default branch and does not close it, and
    the revision-branch cache only looks at this attribute.
    """

    branchinfo = (b"default", False)


def _count(text):
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError("must be >= 0, got %d" % value)
    return value


def parse_args(argv):
    parser = argparse.ArgumentParser(
        description="Create a Mercurial repository with a given DAG shape."
    )
    parser.add_argument("dest", help="repository to create (must not exist)")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument(
        "--dag",
        metavar="FILE",
        help="DAG shape file: one 'p1 p2' line per revision, .gz allowed",
    )
    source.add_argument(
        "--synthetic",
        metavar="N",
        type=_count,
        help="generate a synthetic DAG of N revisions",
    )
    parser.add_argument("--seed", type=int, default=0, help="synthetic seed")
    parser.add_argument(
        "--branchiness",
        type=float,
        default=0.7,
        help="synthetic: probability that a new piece of history is a topic "
        "branch (default: %(default)s)",
    )
    parser.add_argument(
        "--merge-rate",
        type=float,
        default=0.97,
        help="synthetic: probability that a topic branch is merged back "
        "(default: %(default)s)",
    )
    parser.add_argument(
        "--limit",
        metavar="N",
        type=_count,
        help="use only the first N revisions of the DAG",
    )
    return parser.parse_args(argv)


def write_changelog(repo, parents):
    """Add one changelog entry per ``(p1, p2)`` pair, in one transaction."""
    repo = repo.unfiltered()
    files = metadata.ChangingFiles()
    branch = _DefaultBranch()
    # nodes[rev + 1] is the node of rev, so that nullrev (-1) maps to nullid
    # without a test in the loop.
    nodes = [nullid]
    append = nodes.append
    with repo.lock(), repo.transaction(b"genrepo") as tr:
        cl = repo.changelog
        add = cl.add
        register = repo.register_changeset
        # As commit and pull do: keep the new index out of sight of
        # concurrent readers until the transaction is committed.
        cl.delayupdate(tr)
        # Without this, every add() opens and closes the revlog files: four
        # times slower.
        with cl._writing(tr):
            for rev, (p1, p2) in enumerate(parents):
                append(
                    add(
                        nullid,
                        files,
                        b"r%d" % rev,
                        tr,
                        nodes[p1 + 1],
                        nodes[p2 + 1],
                        USER,
                        (EPOCH + 60 * rev, 0),
                    )
                )
                register(rev, branch)


def main(argv=None):
    args = parse_args(argv)
    if os.path.lexists(args.dest):
        sys.exit("genrepo: %s already exists" % args.dest)

    start = time.perf_counter()
    if args.dag is not None:
        try:
            parents = dagshape.read_parents(args.dag)
        except (OSError, ValueError) as err:
            sys.exit("genrepo: %s" % err)
    else:
        try:
            parents = dagshape.synthetic_parents(
                args.synthetic,
                args.seed,
                branchiness=args.branchiness,
                merge_rate=args.merge_rate,
            )
        except ValueError as err:
            sys.exit("genrepo: %s" % err)
    if args.limit is not None:
        del parents[args.limit :]
    shaped = time.perf_counter()

    ui = uimod.ui.load()
    repo = hg.repository(ui, os.fsencode(args.dest), create=True)
    try:
        write_changelog(repo, parents)
    except BaseException:
        # DEST did not exist before: do not leave an empty repository behind.
        shutil.rmtree(args.dest, ignore_errors=True)
        raise
    written = time.perf_counter()

    elapsed = written - shaped
    print(
        "%d revisions written to %s in %.1f s (%.0f revisions/s; "
        "DAG shape took %.1f s)"
        % (
            len(parents),
            args.dest,
            elapsed,
            len(parents) / elapsed if elapsed else 0.0,
            shaped - start,
        )
    )


if __name__ == "__main__":
    main()
