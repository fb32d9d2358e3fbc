"""Turn a repository into one whose history is mostly draft and partly obsolete, as
a repository using evolution looks after a while: every revision from REV on is
draft, and at the tips of many branches a chain of revisions is pruned (an
obsolescence marker without successor each), so that they are hidden; at other
tips the parent is pruned and the tip kept (an orphan), so that parent stays
visible. Evolution is turned on in the repository's .hg/hgrc (Mercurial refuses a
repository with markers otherwise).

Usage::

    python contrib/obsrepo.py REPO --draft-from REV [--prune N] [--chain L] [--seed S]

Every marker is written in one transaction (tens of thousands in seconds; `hg
debugobsolete` per marker takes a process each). Run it with the Mercurial install
that made the repository.
"""

import argparse
import random

from mercurial import hg, phases, ui as uimod


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("repo")
    parser.add_argument("--draft-from", type=int, required=True, help="first draft revision")
    parser.add_argument("--prune", type=int, default=2000, help="branch tips whose chains are pruned")
    parser.add_argument("--chain", type=int, default=20, help="revisions pruned below each tip, at most")
    parser.add_argument("--orphans", type=int, default=200, help="branch tips left as orphans of a pruned parent")
    parser.add_argument("--seed", type=int, default=0)
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    ui = uimod.ui.load()
    ui.setconfig(b"experimental", b"evolution", b"all")
    repo = hg.repository(ui, args.repo.encode()).unfiltered()
    cl = repo.changelog
    rng = random.Random(args.seed)
    heads = [r for r in cl.headrevs() if r >= args.draft_from]
    rng.shuffle(heads)
    children = {}
    for rev in range(args.draft_from, len(cl)):
        for p in cl.parentrevs(rev):
            if p >= 0:
                children[p] = children.get(p, 0) + 1
    pruned = []
    orphan_tips, pruned_tips = heads[: args.orphans], heads[args.orphans : args.orphans + args.prune]
    for head in pruned_tips:
        rev = head
        for _ in range(args.chain):
            pruned.append(rev)
            p1 = cl.parentrevs(rev)[0]
            # Stop where the chain meets another branch (a parent with more children).
            if p1 < args.draft_from or children.get(p1, 0) != 1:
                break
            rev = p1
    # A parent with one child: pruning it leaves one orphan, not a whole history.
    orphaned = [cl.parentrevs(h)[0] for h in orphan_tips]
    orphaned = [p for p in orphaned if p >= args.draft_from and children.get(p, 0) == 1]
    with repo.lock(), repo.transaction(b"obsrepo") as tr:
        phases.retractboundary(repo, tr, phases.draft, [cl.node(args.draft_from)])
        # Draft from --draft-from on: its descendants follow; the other revisions above
        # it become draft too.
        phases.retractboundary(repo, tr, phases.draft, [cl.node(r) for r in range(args.draft_from, len(cl))])
        for rev in pruned + orphaned:
            repo.obsstore.create(tr, cl.node(rev), (), 0, None, (0, 0), {b"user": b"obsrepo"}, ui=ui)
    with repo.vfs(b"hgrc", b"ab") as hgrc:
        hgrc.write(b"\n[experimental]\nevolution = all\n")
    print("%d revisions draft, %d pruned at %d branch tips, %d orphans"
          % (len(cl) - args.draft_from, len(pruned), len(pruned_tips), len(orphaned)))


if __name__ == "__main__":
    main()
