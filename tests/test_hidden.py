"""The hidden computation (hgext/oxidag/hidden.py) against Mercurial's: on real
repositories with draft, obsolete, orphan, pinned and secret changesets, the
obsolete, orphan and hidden sets must be Mercurial's, iteration order included, in a
whole process; the two parts are also checked in process, on any arguments."""

import os
import random
import subprocess
import sys

import pytest
from mercurial import error, obsolete, repoview

from conftest import EVOLUTION, CONTRIB, HG_ENV, hg, make_repo, random_dag

DUMP = os.path.join(os.path.dirname(os.path.abspath(__file__)), "hiddendump.py")

# (name, revisions, share of draft revisions): most revisions draft takes the markers
# path of the obsolete set, few draft Mercurial's own.
SHAPES = [("mostly-draft", 500, 0.9), ("few-draft", 500, 0.1), ("all-draft", 300, 1.0)]


def obsolete_repo(path, size, draft_share, rng):
    """A random repository made as contrib/obsrepo.py makes the benchmark's, then
    changed the ways users change one: a bookmark and the working directory on hidden
    changesets (pinned), a secret obsolete changeset, markers on public changesets and
    on changesets this repository does not have."""
    make_repo(path, random_dag(rng, size))
    draft_from = int(size * (1 - draft_share))
    subprocess.run(
        [sys.executable, os.path.join(CONTRIB, "obsrepo.py"), str(path), "--draft-from", str(draft_from),
         "--prune", str(rng.randrange(5, 40)), "--chain", str(rng.randrange(1, 8)),
         "--orphans", str(rng.randrange(0, 10)), "--seed", str(rng.randrange(1 << 30))],
        env=HG_ENV, check=True, capture_output=True,
    )
    hidden = hg("log", "--hidden", "-r", "obsolete() - all()", "-T", "{node}\n", cwd=path, extension=False)
    hidden = hidden.stdout.split()
    if len(hidden) >= 2:
        hg("bookmark", "--hidden", "-r", hidden[0].decode(), "pinned", cwd=path, extension=False)
        hg("update", "-q", "--hidden", "-r", hidden[1].decode(), cwd=path, extension=False)
    public = hg("log", "-r", "public()", "-T", "{node}\n", cwd=path, extension=False).stdout.split()
    visible_drafts = hg("log", "-r", "draft() - obsolete()", "-T", "{node}\n", cwd=path, extension=False).stdout.split()
    markers = rng.sample(public, min(3, len(public))) + rng.sample(visible_drafts, min(3, len(visible_drafts)))
    markers += [b"%040x" % rng.randrange(1 << 160) for _ in range(3)]
    for node in markers:
        hg("debugobsolete", node.decode(), cwd=path, extension=False, config=EVOLUTION)
    if visible_drafts:
        secret = rng.choice(visible_drafts).decode()
        hg("phase", "--secret", "--force", "-r", "%s::" % secret, cwd=path, extension=False)
        hg("debugobsolete", secret, cwd=path, extension=False, config=EVOLUTION)
    return path


@pytest.fixture(scope="module", params=SHAPES, ids=[s[0] for s in SHAPES])
def repo_path(request, tmp_path_factory):
    name, size, share = request.param
    return obsolete_repo(tmp_path_factory.mktemp("hidden") / name, size, share, random.Random(size + int(share * 10)))


def dump(path, mode):
    proc = subprocess.run([sys.executable, DUMP, str(path), mode], env=HG_ENV, capture_output=True, check=True)
    return proc.stdout.decode()


def test_hidden_sets_are_mercurials(repo_path, native):
    expected = dump(repo_path, "none")
    assert dump(repo_path, "auto") == expected
    assert dump(repo_path, "python") == expected
    # The repository exercises what it should: hidden, obsolete-but-visible
    # (orphans' parents and pinned), secret and pinned changesets.
    lines = dict(line.split(": ", 1) for line in expected.splitlines() if ": " in line)
    obsolete_revs = set(lines["obsolete (frozenset)"].split())
    hidden_revs = set(lines["hidden (frozenset)"].split())
    assert hidden_revs and obsolete_revs - hidden_revs


def test_commands_show_the_same_history(repo_path, native):
    for args in (
        ["log", "-T", "{rev}\n"],
        ["log", "-G", "-T", "{rev} {phase}\n"],
        ["log", "--hidden", "-r", "obsolete()", "-T", "{rev}\n"],
        ["log", "-r", "orphan()", "-T", "{rev}\n"],
        ["heads", "-T", "{rev}\n"],
    ):
        expected = hg(*args, cwd=repo_path, extension=False, config=EVOLUTION).stdout
        assert hg(*args, cwd=repo_path, config=EVOLUTION).stdout == expected, args


@pytest.fixture(scope="module")
def unfiltered(repo_path):
    from mercurial import hg as hgmod, ui as uimod

    ui = uimod.ui.load()
    ui.setconfig(b"experimental", b"evolution", b"all")
    return hgmod.repository(ui, str(repo_path).encode()).unfiltered()


@pytest.fixture(scope="module")
def hidden(native):
    from oxidag import hidden

    return hidden


def test_marked_obsolete_is_the_obsolete_set(unfiltered, hidden):
    repo = unfiltered
    orig = obsolete._computeobsoleteset  # Mercurial's, whatever the table holds
    expected = orig(repo)
    notpublic = obsolete._mutablerevs(repo)
    got = hidden.markedobsolete(repo.changelog.index, repo.obsstore.successors, notpublic)
    assert type(got) is frozenset and list(got) == list(expected)
    assert list(hidden.obsoleteset(orig, repo)) == list(expected)


def test_orphan_sweep_is_the_orphan_set(unfiltered, hidden):
    repo = unfiltered
    orig = obsolete._computeorphanset
    expected = orig(repo)
    got = hidden.orphanset(orig, repo)
    assert type(got) is frozenset and list(got) == list(expected)
    assert expected  # the repository has orphans to find


def reveal(function, changelog, hidden_revs, revs):
    """`hidden_revs` after `function(changelog.parentrevs, hidden, revs)`, in
    iteration order, or the exception's type."""
    hidden_set = set(hidden_revs)
    try:
        function(changelog.parentrevs, hidden_set, revs)
    except Exception as exc:
        return type(exc)
    return list(hidden_set)


def test_reveal_walk_on_any_arguments(unfiltered, hidden):
    repo = unfiltered
    cl = repo.changelog
    orig = repoview._revealancestors
    wrapped = lambda pfunc, hidden_set, revs: hidden.revealancestors(orig, pfunc, hidden_set, revs)
    rng = random.Random(len(cl))
    for _ in range(200):
        hidden_revs = rng.sample(range(len(cl)), rng.randrange(0, len(cl) // 2))
        starts = rng.sample(range(len(cl)), rng.randrange(0, 40))
        # Starts among the hidden ones, repeated, or not revisions at all.
        kind = rng.randrange(5)
        if kind == 1 and hidden_revs:
            starts += rng.sample(hidden_revs, min(5, len(hidden_revs)))
        elif kind == 2:
            starts += starts[:3]
        elif kind == 3:
            starts.append(rng.choice([-1, len(cl), len(cl) + 7, 2**31]))
        elif kind == 4:
            hidden_revs.append(rng.choice([-1, len(cl) + 3]))
        assert reveal(wrapped, cl, hidden_revs, list(starts)) == reveal(orig, cl, hidden_revs, list(starts))
        assert reveal(wrapped, cl, hidden_revs, iter(starts)) == reveal(orig, cl, hidden_revs, iter(starts))


def test_reveal_walk_as_computehidden_calls_it(unfiltered, hidden):
    """`mutable - hidden` is read without iterating it: the same removals."""
    from mercurial import phases

    repo = unfiltered
    orig = repoview._revealancestors
    mutable = repo._phasecache.getrevset(repo, phases.mutablephases)
    hidden_revs = set(repoview.hideablerevs(repo)) - repoview.pinnedrevs(repo)
    got, expected = set(hidden_revs), set(hidden_revs)
    hidden.revealancestors(orig, repo.changelog.parentrevs, got, mutable - got)
    orig(repo.changelog.parentrevs, expected, mutable - expected)
    assert list(got) == list(expected) and got != hidden_revs
    assert hidden._visiblemutable(mutable - got, got) == set(mutable) - got
    # Anything else is iterated as given.
    assert hidden._visiblemutable(mutable - {1}, got) is None
    assert hidden._visiblemutable(mutable.filter(lambda r: r not in got), got) is None


def test_filtered_changelogs_go_to_mercurial(unfiltered, hidden):
    """A filtered changelog's parentrevs refuses hidden revisions (Mercurial's walk
    raises on one): the wrapper leaves such walks to Mercurial."""
    filtered = unfiltered.filtered(b"visible").changelog
    assert filtered.filteredrevs
    orig = repoview._revealancestors
    wrapped = lambda pfunc, hidden_set, revs: hidden.revealancestors(orig, pfunc, hidden_set, revs)
    hidden_revs = sorted(filtered.filteredrevs)
    visible = [r for r in range(len(filtered)) if r not in filtered.filteredrevs]
    for starts in (visible[-20:], visible, hidden_revs[:1]):
        expected = reveal(orig, filtered, hidden_revs, starts)
        assert reveal(wrapped, filtered, hidden_revs, starts) == expected
    assert reveal(orig, filtered, hidden_revs, hidden_revs[:1]) is error.FilteredIndexError
