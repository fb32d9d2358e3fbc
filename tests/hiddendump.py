"""Print the sets a repository's hidden computation makes, in iteration order (the
order anything iterating them sees): the obsolete, orphan and hidden revisions and
the visible heads, then `hg log`'s visible revisions.

    python hiddendump.py REPO none|auto|python
"""

import sys

from mercurial import obsolete, repoview

from revsetdump import load


def main():
    repo = load(sys.argv[1], sys.argv[2])
    unfi = repo.unfiltered()
    out = sys.stdout.buffer
    sets = [
        (b"obsolete", obsolete.getrevs(unfi, b"obsolete")),
        (b"orphan", obsolete.getrevs(unfi, b"orphan")),
        (b"hidden", repoview.computehidden(unfi)),
        (b"filtered", repo.changelog.filteredrevs),
        (b"heads", repo.changelog.headrevs()),
    ]
    for name, revs in sets:
        out.write(b"%s (%s): %s\n" % (name, type(revs).__name__.encode(), b" ".join(b"%d" % r for r in revs)))
    out.write(b"visible: %s\n" % b" ".join(b"%d" % r for r in repo.revs(b"all()")))


if __name__ == "__main__":
    main()
