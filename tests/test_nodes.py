"""Many nodes to revisions at once (hgext/oxidag/nodes.py, bindings/src/nodes.rs):
the native scan against the C index's own lookups, the revset node lists and
branch-cache checks it answers against Mercurial's, and whole commands with and
without the extension."""

import random

import pytest
from mercurial import branchmap, error, revset, smartset
from mercurial.node import nullid

from conftest import EVOLUTION, hg, make_repo, random_dag


def manyheads(rng, size):
    """A DAG with a head every few revisions: well above nodes.MIN_NODES heads."""
    parents = random_dag(rng, size)
    return parents + [(rng.randrange(size), -1) for _ in range(size // 3)]


@pytest.fixture(scope="module")
def repo_path(tmp_path_factory):
    """Revision records one after the other (a split changelog): read straight."""
    return make_repo(tmp_path_factory.mktemp("nodes") / "repo", manyheads(random.Random(41), 3000))


def fresh(path):
    """A repository object of its own: a C index whose node tree is not built."""
    from mercurial import hg as hgmod, ui as uimod

    return hgmod.repository(uimod.ui.load(), str(path).encode())


def tree_count(index):
    return index.stats().get(b"node trie count", 0)


def test_scan_finds_what_the_index_finds(repo_path, native, seed):
    index = fresh(repo_path).unfiltered().changelog.index
    nodes = [index[rev][7] for rev in range(len(index))]
    rng = random.Random(seed)
    for _ in range(200):
        asked = [rng.choice(nodes) for _ in range(rng.randrange(0, 80))]
        expected = [index.rev(node) for node in asked]
        if rng.random() < 0.3:
            at = rng.randrange(len(asked) + 1)
            extra = rng.choice([nullid, b"\xff" * 20, bytes(rng.randrange(256) for _ in range(20))])
            asked.insert(at, extra)
            expected.insert(at, None)
        assert native.revsofnodes(index, b"".join(asked)) == expected


def test_scan_of_inline_records_and_revisions_added_in_memory(repo_path, native, tmp_path):
    # An inline revlog interleaves records and data, and revisions added in a
    # transaction live in another buffer: read through the index, the same answers.
    from mercurial import hg as hgmod, metadata, ui as uimod

    small = tmp_path / "small"
    hg("init", str(small), extension=False)
    hg("debugbuilddag", "--mergeable-file", "+20 *5 +10 /12 +8", cwd=small, extension=False)
    filelog = fresh(small).file(b"mf")._revlog
    assert filelog._inline
    nodes = [filelog.index[rev][7] for rev in range(len(filelog.index))]
    asked = nodes[::-3] + nodes[:4]
    assert native.revsofnodes(filelog.index, b"".join(asked)) == [filelog.index.rev(n) for n in asked]
    repo = fresh(repo_path)
    cl = repo.unfiltered().changelog
    assert not cl._inline
    with repo.lock():
        tr = repo.transaction(b"grow")
        try:
            for i in range(3):
                cl.add(repo.nullid, metadata.ChangingFiles(), b"g%d" % i, tr, cl.node(len(cl) - 1), repo.nullid,
                       b"t", (0, 0))
            asked = [cl.node(rev) for rev in (len(cl) - 1, 0, len(cl) - 3, len(cl) - 4, 1000)]
            assert native.revsofnodes(cl.index, b"".join(asked)) == [cl.index.rev(n) for n in asked]
        finally:
            tr.abort()  # the shared repository stays as it was


def test_scan_through_python_indexes(repo_path, native):
    # An index read through `index[rev]` (not the C one) answers the same.
    class Entries:
        def __init__(self, index):
            self.entries = [index[rev] for rev in range(len(index))]

        def __len__(self):
            return len(self.entries)

        def __getitem__(self, rev):
            return self.entries[rev]

    index = fresh(repo_path).unfiltered().changelog.index
    asked = [index[rev][7] for rev in (5, 299, 0, 5)]
    assert native.revsofnodes(Entries(index), b"".join(asked)) == [5, 299, 0, 5]


def test_bad_nodes_are_refused(repo_path, native):
    index = fresh(repo_path).unfiltered().changelog.index
    with pytest.raises(ValueError, match="20-byte nodes"):
        native.revsofnodes(index, b"x" * 21)
    with pytest.raises(TypeError):
        native.revsofnodes(index, "not bytes")
    assert native.revsofnodes(index, b"") == []


@pytest.fixture(scope="module")
def nodes(native):
    from oxidag import nodes

    return nodes


def test_revset_node_lists_without_the_node_tree(repo_path, nodes):
    orig = revset._ordered_node_set
    repo = fresh(repo_path)
    heads = repo.changelog.heads()
    assert len(heads) >= nodes.MIN_NODES
    rng = random.Random(3)
    asked = rng.sample(heads, len(heads)) + heads[:5]
    got = nodes.orderednodeset(orig, repo, asked)
    # Answered natively: the C index built no node tree.
    assert tree_count(repo.changelog.index) == 0
    expected = orig(fresh(repo_path), asked)
    assert type(got) is smartset.baseset and list(got) == list(expected)
    # Any iterable, walked once, as Mercurial's (bundle2's push passes a generator).
    for kind in (tuple, iter, lambda nodes: (node for node in nodes), set):
        other = fresh(repo_path)
        got = nodes.orderednodeset(orig, other, kind(asked))
        assert list(got) == list(orig(repo, kind(asked))), kind
        assert tree_count(other.changelog.index) == 0, kind  # answered natively
    assert list(nodes.orderednodeset(orig, repo, iter([]))) == []
    assert nodes.revs(fresh(repo_path).changelog, iter(asked)) is None  # lists only
    assert list(repo.revs(b"%ln", iter(asked))) == list(expected)
    # Few nodes: natively too once the module is loaded (it is, in this process).
    other = fresh(repo_path)
    assert list(nodes.orderednodeset(orig, other, heads[:3])) == list(orig(repo, heads[:3]))
    assert tree_count(other.changelog.index) == 0
    # A missing node and a built tree: Mercurial's lookups.
    with pytest.raises(error.RevlogError):
        nodes.orderednodeset(orig, fresh(repo_path), heads + [b"\x01" * 20])
    repo.changelog.index.rev(repo.changelog.node(0))
    for rev in range(len(repo.changelog)):
        repo.changelog.index.rev(repo.changelog.node(rev))
    assert nodes.revs(repo.changelog, heads) is None


def test_repeated_scans_leave_the_lookups_to_c(repo_path, nodes):
    # Each scan starts from the tip; C's node tree, once built, answers every later
    # lookup: scans near the tip go on natively, deep ones hand over to C once they
    # have passed the changelog's revisions SCANS_PER_TREE times.
    orig = revset._ordered_node_set
    repo = fresh(repo_path)
    cl = repo.unfiltered().changelog
    recent = [cl.node(rev) for rev in range(len(cl) - 20, len(cl))]
    for _ in range(50):
        assert list(nodes.orderednodeset(orig, repo, recent)) == list(range(len(cl) - 20, len(cl)))
    assert tree_count(cl.index) == 0
    deep = [cl.node(rev) for rev in (5, 1, 3)]
    for _ in range(nodes.SCANS_PER_TREE):  # (the scans near the tip passed fewer than len(cl))
        assert list(nodes.orderednodeset(orig, repo, deep)) == [5, 1, 3]
    assert tree_count(cl.index) == 0
    assert list(nodes.orderednodeset(orig, repo, deep)) == [5, 1, 3]
    assert tree_count(cl.index) > 0  # past the bound: C's lookups


def test_branch_cache_heads_without_the_node_tree(repo_path, nodes):
    hg("heads", cwd=repo_path, extension=False)  # the branch cache written to disk
    repo = fresh(repo_path)
    cache = repo.branchmap()
    heads = cache._entries[b"default"] if hasattr(cache, "_entries") else None
    assert heads and len(heads) >= nodes.MIN_NODES
    orig = branchmap._LocalBranchCache._verifybranch
    nodes.verifybranch(orig, cache, b"default")
    assert tree_count(repo.changelog.index) == 0
    assert b"default" in cache._verifiedbranches
    expected_cache = fresh(repo_path).branchmap()
    orig(expected_cache, b"default")
    if hasattr(cache, "_head_revs"):  # Mercurial 7.2 keeps their revisions
        assert cache._head_revs == expected_cache._head_revs
    assert cache.branchheads(b"default") == expected_cache.branchheads(b"default")


def test_commands_with_many_heads(repo_path, native):
    x = hg("log", "-r", "min(heads(all()))", "-T", "{rev}", cwd=repo_path, extension=False).stdout.decode()
    for args in (
        ["heads", "-T", "{rev}\n"],
        ["heads", "-r", x, "-T", "{rev}\n"],
        ["heads", "-r", "0", "-T", "{rev}\n"],
        ["log", "-r", "head()", "-T", "{rev}\n"],
        ["branches"],
    ):
        expected = hg(*args, cwd=repo_path, extension=False)
        got = hg(*args, cwd=repo_path)
        assert got.stdout == expected.stdout, args


def test_known_answers_as_mercurial(tmp_path, nodes):
    # Discovery asks the other repository `known` of samples spread over its history:
    # a visible revision "yes"; a hidden, missing or malformed node as Mercurial
    # answers (the null node is known to Mercurial's index: its lookups answer it).
    from mercurial import hg as hgmod, localrepo, ui as uimod

    path = make_repo(tmp_path / "known", manyheads(random.Random(43), 400))
    all_nodes = hg("log", "-r", "all()", "-T", "{node}\n", cwd=path, extension=False).stdout.split()
    hg("phase", "--draft", "--force", "-r", "all()", cwd=path, extension=False)
    for node in all_nodes[5::11]:
        hg("debugobsolete", node.decode(), cwd=path, extension=False, config=EVOLUTION)

    def visible():
        ui = uimod.ui.load()
        ui.setconfig(b"experimental", b"evolution", b"all")
        return hgmod.repository(ui, str(path).encode()).filtered(b"visible")

    orig = localrepo.localrepository.known
    rng = random.Random(5)
    answers = set()
    known = [bytes.fromhex(node.decode()) for node in all_nodes]
    assert visible().changelog.filteredrevs  # some are hidden
    for case in range(30):
        asked = rng.sample(known, rng.randrange(nodes.MIN_NODES, 150))
        if case % 3 == 0:
            asked += [bytes(rng.randrange(256) for _ in range(20)), b"\xff" * 20]
        asked += asked[:3]  # repeated
        rng.shuffle(asked)
        repo = visible()
        state = native_module().tablestate(repo.changelog)
        scanned = state.scanned
        got = nodes.known(orig, repo, asked)
        assert state.scanned > scanned, case  # answered natively, by a scan
        assert got == orig(visible(), asked), case
        answers.update(got)
    assert answers == {True, False}
    # The null node (Mercurial's index knows it), a short node, an iterator, none.
    for asked in (known[:80] + [nullid], known[:80] + [b"\x01" * 19], iter(known[:80]), []):
        asked = list(asked)
        outcomes = []
        for answer in (nodes.known, lambda orig, repo, nodes: orig(repo, nodes)):
            try:
                outcomes.append(answer(orig, visible(), iter(asked) if len(asked) == 80 else asked))
            except Exception as e:
                outcomes.append(type(e))
        assert outcomes[0] == outcomes[1], outcomes
    # Whole discovery between two repositories a few revisions apart, both ways.
    behind = tmp_path / "behind"
    few = hg("log", "-r", "heads(all())", "-T", "{node} ", cwd=path, extension=False,
             config=EVOLUTION).stdout.split()[::3]
    hg("clone", "-q", *sum((["-r", node.decode()] for node in few), []), str(path), str(behind),
       extension=False, config=EVOLUTION)
    for args, cwd, other in (("outgoing", path, behind), ("incoming", behind, path)):
        argv = [args, "-q", "-T", "{rev}\n", str(other)]
        expected = hg(*argv, cwd=cwd, check=False, extension=False, config=EVOLUTION)
        got = hg(*argv, cwd=cwd, check=False, config=EVOLUTION)
        assert (got.returncode, got.stdout) == (expected.returncode, expected.stdout), args
        assert expected.stdout.count(b"\n") > 100, args


def test_hidden_heads_and_a_stale_branch_cache(tmp_path, native):
    # Heads hidden by obsolescence markers, and a branch cache naming a node the
    # repository lacks: the extension answers as Mercurial does, errors included.
    path = make_repo(tmp_path / "obs", manyheads(random.Random(42), 200))
    heads = hg("log", "-r", "heads(all())", "-T", "{node}\n", cwd=path, extension=False).stdout.split()
    hg("phase", "--draft", "--force", "-r", "all()", cwd=path, extension=False)
    for node in heads[::7]:
        hg("debugobsolete", node.decode(), cwd=path, extension=False, config=EVOLUTION)
    commands = (["heads", "-T", "{rev}\n"], ["heads", "-r", "3", "-T", "{rev}\n"],
                ["heads", "--hidden", "-T", "{rev}\n"])
    for args in commands:
        expected = hg(*args, cwd=path, extension=False, config=EVOLUTION)
        assert hg(*args, cwd=path, config=EVOLUTION).stdout == expected.stdout, args
    stale = {}
    for cache in (path / ".hg" / "cache").glob("branch2*"):
        lines = cache.read_bytes().splitlines(keepends=True)
        stale[cache] = b"".join(lines[:2] + [b"%s o default\n" % (b"ab" * 20)] + lines[2:])
    assert stale
    for args in commands:
        runs = []
        for extension in (False, True):
            for cache, content in stale.items():
                cache.write_bytes(content)  # each run may rewrite it
            runs.append(hg(*args, cwd=path, check=False, extension=extension, config=EVOLUTION))
        expected, got = runs
        # The error's last line (Mercurial 6.9 and 7.0 crash with a traceback there,
        # whose frames include the extension's).
        assert (got.returncode, got.stdout, got.stderr.splitlines()[-1:]) == \
            (expected.returncode, expected.stdout, expected.stderr.splitlines()[-1:])
    # A branch cache naming a head that is hidden: Mercurial's error.
    hidden = hg("log", "--hidden", "-r", "hidden()", "-T", "{node}\n", cwd=path, extension=False,
                config=EVOLUTION).stdout.split()
    assert hidden
    for cache in stale:
        cache.unlink()
    hg("heads", cwd=path, extension=False, config=EVOLUTION)
    outcomes = []
    for verify in (lambda orig, cache, branch: nodes_module().verifybranch(orig, cache, branch),
                   lambda orig, cache, branch: orig(cache, branch)):
        from mercurial import hg as hgmod, ui as uimod

        ui = uimod.ui.load()
        ui.setconfig(b"experimental", b"evolution", b"all")
        cache = hgmod.repository(ui, str(path).encode()).filtered(b"visible").branchmap()
        cache._entries[b"default"] = list(cache._entries[b"default"]) + [bytes.fromhex(hidden[0].decode())]
        try:
            verify(branchmap._LocalBranchCache._verifybranch, cache, b"default")
            outcomes.append(("verified", b"default" in cache._verifiedbranches))
        except Exception as e:
            outcomes.append((type(e), str(e)))
    # Many heads (the native scan answers), and Mercurial raised (FilteredLookupError;
    # ValueError before 7.2).
    assert len(cache._entries[b"default"]) >= nodes_module().MIN_NODES
    assert outcomes[0] == outcomes[1] and outcomes[0][0] != "verified", outcomes


def nodes_module():
    from oxidag import nodes

    return nodes


def native_module():
    from oxidag import native

    return native


def random_node_lists(repo_path, allnodes, seed):
    """Twenty cases of random common and head nodes (many, as discovery passes),
    each with a repository of its own (no node tree built)."""
    rng = random.Random(seed)
    for case in range(20):
        yield case, rng.sample(allnodes, rng.randrange(1, 300)), rng.sample(allnodes, rng.randrange(1, 80)), \
            fresh(repo_path)


def test_findmissing_answers_as_mercurial(repo_path, nodes):
    # `changelog.findmissing(common, heads)` with many common heads (as `hg incoming`
    # passes), few, unknown and hidden ones: Mercurial's nodes, in its order, or its
    # error.
    from mercurial import changelog

    orig = changelog.changelog.findmissing
    cl = fresh(repo_path).changelog
    allnodes = [cl.node(rev) for rev in range(len(cl))]
    for case, common, heads, repo in random_node_lists(repo_path, allnodes, 7):
        state = native_module().tablestate(repo.changelog)
        scanned = state.scanned
        got = nodes.findmissing(orig, repo.changelog, common, heads)
        assert state.scanned > scanned, case  # answered natively
        expected = orig(fresh(repo_path).changelog, common, heads)
        assert got == expected and (expected or case), case
    for common, heads in (
        (allnodes[:100] + [b"\x01" * 20], allnodes[-3:]),  # unknown: Mercurial's error
        ([nullid] + allnodes[5:90], allnodes[-3:]),  # the null node (the index knows it)
        (None, allnodes[-3:]),
        (set(allnodes[:100]), tuple(allnodes[-70:])),
    ):
        outcomes = []
        for answer in (nodes.findmissing, lambda orig, cl, common, heads: orig(cl, common, heads)):
            try:
                outcomes.append(answer(orig, fresh(repo_path).changelog, common, heads))
            except Exception as e:
                outcomes.append(type(e))
        assert outcomes[0] == outcomes[1], outcomes


def test_findmissing_of_hidden_heads(tmp_path, nodes):
    from mercurial import changelog, hg as hgmod, ui as uimod

    path = make_repo(tmp_path / "obs", manyheads(random.Random(44), 300))
    heads = hg("log", "-r", "heads(all())", "-T", "{node}\n", cwd=path, extension=False).stdout.split()
    hg("phase", "--draft", "--force", "-r", "all()", cwd=path, extension=False)
    hg("debugobsolete", heads[3].decode(), cwd=path, extension=False, config=EVOLUTION)
    heads = [bytes.fromhex(node.decode()) for node in heads]
    orig = changelog.changelog.findmissing
    outcomes = []
    for answer in (nodes.findmissing, lambda orig, cl, common, heads: orig(cl, common, heads)):
        ui = uimod.ui.load()
        ui.setconfig(b"experimental", b"evolution", b"all")
        cl = hgmod.repository(ui, str(path).encode()).filtered(b"visible").changelog
        for common, asked in ((heads[10:], heads[:10]), (heads[:3] + heads[4:], heads[:3])):
            try:
                outcomes.append(answer(orig, cl, common, asked))
            except Exception as e:
                outcomes.append(type(e))
    assert outcomes[:2] == outcomes[2:], outcomes
    assert outcomes[0] is error.FilteredLookupError and isinstance(outcomes[1], list), outcomes


def test_findcommonmissing_answers_as_mercurial(repo_path, nodes):
    # `changelog.findcommonmissing(common, heads)` (what `hg outgoing` and a push
    # send, from discovery's common heads): Mercurial's ancestors and missing nodes,
    # in its order, or its error.
    from mercurial import changelog

    orig = changelog.changelog.findcommonmissing

    def answer(how, common, heads):
        try:
            has, missing = how(orig, fresh(repo_path).changelog, common, heads)
            return sorted(has), missing
        except Exception as e:
            return type(e)

    def mercurials(orig, cl, common, heads):
        return orig(cl, common, heads)

    cl = fresh(repo_path).changelog
    allnodes = [cl.node(rev) for rev in range(len(cl))]
    for case, common, heads, repo in random_node_lists(repo_path, allnodes, 8):
        state = native_module().tablestate(repo.changelog)
        scanned = state.scanned
        has, missing = nodes.findcommonmissing(orig, repo.changelog, common, heads)
        assert state.scanned > scanned, case  # looked up natively
        assert tree_count(repo.changelog.index) == 0, case
        expected = answer(mercurials, common, heads)
        assert (sorted(has), missing) == expected and (expected[1] or case), case
    for case in (
        lambda: (allnodes[:100] + [b"\x01" * 20], allnodes[-3:]),  # unknown: Mercurial's error
        lambda: (allnodes[:100], [b"\xff" * 20]),  # the working directory's pseudo-node
        lambda: ([nullid] + allnodes[5:90], allnodes[-3:]),  # the null node (the index knows it)
        lambda: (None, allnodes[-3:]),
        lambda: (allnodes[:100], None),
        lambda: (iter(allnodes[:100]), (node for node in allnodes[-70:])),  # walked once
    ):
        outcomes = [answer(how, *case()) for how in (nodes.findcommonmissing, mercurials)]
        assert outcomes[0] == outcomes[1], outcomes
    assert len(answer(nodes.findcommonmissing, *case())[1]) > 10


def _pair_with_hidden_and_unknown_heads(tmp_path, hidden=20):
    """`full` (many heads), `local`: `hidden` of them hidden (obsolete) and others
    not pulled, so that `full`'s heads are, to `local`, visible, hidden or unknown."""
    full = make_repo(tmp_path / "full", manyheads(random.Random(45), 600))
    heads = hg("log", "-r", "heads(all())", "-T", "{node} ", cwd=full, extension=False).stdout.split()
    local = tmp_path / "local"
    hg("clone", "-q", *sum((["-r", node.decode()] for node in heads[::4] + heads[1::4]), []),
       str(full), str(local), extension=False)
    hg("phase", "--draft", "--force", "-r", "all()", cwd=local, extension=False)
    for node in heads[1::4][:hidden]:
        hg("debugobsolete", node.decode(), cwd=local, extension=False, config=EVOLUTION)
    return full, local


@pytest.mark.parametrize("hidden", [0, 20])
def test_discovery_looks_the_other_heads_up_at_once(tmp_path, nodes, hidden):
    # setdiscovery.findcommonheads looks each of the other side's heads up: visible,
    # hidden (FilteredLookupError, skipped) and unknown ones (LookupError, skipped),
    # here by one scan; the same common heads, in Mercurial's order.
    from mercurial import hg as hgmod, setdiscovery, ui as uimod

    full, local = _pair_with_hidden_and_unknown_heads(tmp_path, hidden)
    orig = setdiscovery.findcommonheads.__wrapped__ if hasattr(setdiscovery.findcommonheads, "__wrapped__") \
        else setdiscovery.findcommonheads

    def discover(how):
        ui = uimod.ui.load()
        ui.setconfig(b"experimental", b"evolution", b"all")
        ui.setconfig(b"devel", b"discovery.randomize", b"no")
        repo = hgmod.repository(ui, str(local).encode()).filtered(b"visible")
        remote = hgmod.peer(ui, {}, str(full).encode())
        state = native_module().tablestate(repo.changelog)
        scanned, tree = state.scanned, tree_count(repo.changelog.index)  # the phase roots'
        result = how(ui, repo, remote)
        assert "rev" not in vars(repo.changelog) and "commandexecutor" not in vars(remote)
        return result, state.scanned > scanned, tree_count(repo.changelog.index) - tree

    got, scanned, tree = discover(lambda *args: nodes.findcommonheads(orig, *args))
    expected, _, mercurials_tree = discover(orig)
    assert got == expected
    # A hidden head is Mercurial's to look up (its FilteredLookupError): the tree it
    # builds reaches the oldest one; every other head was the scan's.
    assert scanned and (tree == 0 if not hidden else tree < mercurials_tree) and mercurials_tree > 0, \
        (tree, mercurials_tree)
    common, anyincoming, remoteheads = got
    assert anyincoming and len(remoteheads) > nodes.MIN_NODES and len(common) > 10


def test_scanned_lookups_fail_as_mercurials(tmp_path, nodes):
    # A node the scan found missing raises Mercurial's error for it; a hidden one,
    # the working directory's and any node not scanned are Mercurial's to look up.
    from mercurial import hg as hgmod, ui as uimod

    full, local = _pair_with_hidden_and_unknown_heads(tmp_path)
    ui = uimod.ui.load()
    ui.setconfig(b"experimental", b"evolution", b"all")
    theirs = hgmod.repository(ui, str(full).encode()).changelog
    asked = [theirs.node(rev) for rev in theirs.headrevs()] + [b"\xff" * 20, b"\x02" * 20]

    def outcomes(lookup):
        found = []
        for node in asked:
            try:
                found.append(lookup(node))
            except Exception as e:
                found.append((type(e), str(e)))
        return found

    cl = hgmod.repository(ui, str(local).encode()).filtered(b"visible").changelog
    lookup = nodes._ScannedLookup(cl)
    lookup.learn(asked[:-1])  # the last one not scanned
    got = outcomes(lookup.rev)
    expected = outcomes(hgmod.repository(ui, str(local).encode()).filtered(b"visible").changelog.rev)
    assert got == expected
    kinds = {type(x) if isinstance(x, int) else x[0] for x in expected}
    assert kinds == {int, error.LookupError, error.FilteredLookupError, error.WdirUnsupported}, kinds


def test_a_view_made_meanwhile_does_not_answer_from_the_scan(tmp_path, nodes, monkeypatch):
    # Without hidden changesets a repository's visible changelog is the unfiltered
    # one, which discovery lends the scan's lookup; a view made meanwhile (secret
    # changesets filtered for serving) copies that changelog's attributes: not the
    # lookup, whose answers would ignore the view's filtering (hooks.py, installed
    # as hg debugoxidag lists it: here by hand, in this process).
    import functools

    from mercurial import hg as hgmod, repoview, ui as uimod
    from oxidag import hooks

    monkeypatch.setattr(repoview, "wrapchangelog",
                        functools.partial(hooks._filteredchangelog, repoview.wrapchangelog))

    path = make_repo(tmp_path / "secret", manyheads(random.Random(46), 300))
    heads = hg("log", "-r", "heads(all())", "-T", "{node}\n", cwd=path, extension=False).stdout.split()
    hg("phase", "--secret", "--force", "-r", heads[0].decode(), cwd=path, extension=False)
    heads = [bytes.fromhex(node.decode()) for node in heads]
    repo = hgmod.repository(uimod.ui.load(), str(path).encode())
    cl = repo.filtered(b"visible").changelog
    assert cl is repo.unfiltered().changelog
    with nodes._answering(cl) as lookup:
        lookup.learn(heads)
        assert cl.rev(heads[0]) == repo.unfiltered().changelog.index.rev(heads[0])
        served = repo.filtered(b"served").changelog
        assert served is not cl and "rev" not in vars(served)
        with pytest.raises(error.FilteredLookupError):
            served.rev(heads[0])
    assert "rev" not in vars(cl)


def test_branch_heads_shown_without_the_node_tree(tmp_path, nodes):
    # `hg heads` checks the branch cache's heads (one scan), then looks each up again
    # to show it: the changelog keeps answering those from the scan, checking each
    # answer, so that a strip, then other revisions at the same numbers, answers as
    # Mercurial does.
    from mercurial import branchmap, hg as hgmod, metadata, ui as uimod

    path = make_repo(tmp_path / "heads", manyheads(random.Random(47), 600))
    hg("debugupdatecaches", cwd=path, extension=False)
    orig = branchmap._LocalBranchCache._verifybranch

    def opened():
        repo = hgmod.repository(uimod.ui.load(), str(path).encode())
        cache = repo.branchmap()
        nodes.verifybranch(orig, cache, b"default")
        return repo, cache

    repo, cache = opened()
    heads = cache.branchheads(b"default", closed=True)
    assert len(heads) > nodes.MIN_NODES
    cl = repo.changelog
    before = tree_count(cl.index)
    shown = [repo[node].rev() for node in heads]
    # Answered without the node tree (but for the working directory's parent, the tip,
    # which Mercurial looks up to check the dirstate: one revision).
    assert before == 0 and tree_count(cl.index) <= 1
    assert shown == [fresh(path).changelog.index.rev(node) for node in heads]
    # `hg heads -r X` passes them to a revset (`%ln`): answered without a scan.
    scanned = nodes.native.tablestate(cl).scanned
    ordered = nodes.orderednodeset(revset._ordered_node_set, repo, heads[::-1])
    assert list(ordered) == shown[::-1]
    assert nodes.native.tablestate(cl).scanned == scanned
    # Strip the newest heads and add other revisions in their place.
    stripped = sorted(cl.rev(node) for node in heads)[-5:]
    with repo.lock(), repo.transaction(b"strip") as tr:
        cl.strip(stripped[0], tr)  # as repair.strip truncates (no revision above is kept)
    # Checked while the new revisions are in the transaction, which is then dropped
    # (Mercurial 6.9 reads stale data of a revlog stripped in place when its caches
    # are updated at the close).
    with repo.lock():
        tr = repo.transaction(b"regrow")
        try:
            while len(cl) <= stripped[-1]:
                cl.add(repo.nullid, metadata.ChangingFiles(), b"new %d" % len(cl), tr, cl.node(len(cl) - 1),
                       repo.nullid, b"t", (0, 0))
            gone = [node for node in heads if node not in cl.index]
            assert gone
            kept = [node for node in heads if node in cl.index]
            assert nodes.revs(cl, heads) is None
            assert nodes.revs(cl, kept) == [cl.index.rev(node) for node in kept]
            for node in heads:
                expected = cl.index.rev(node) if node in cl.index else error.LookupError
                try:
                    got = cl.rev(node)
                except error.LookupError:
                    got = error.LookupError
                assert got == expected
        finally:
            tr.release()
