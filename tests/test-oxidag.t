oxidag as a user sees it: enabling it, revsets, discovery, strip, the fallback.
Every query is also run without the extension: the outputs must be identical.

  $ cat >> $HGRCPATH << EOF
  > [extensions]
  > oxidag = $OXIDAG_EXTENSION
  > strip =
  > EOF
  $ without() { hg --config extensions.oxidag=! "$@"; }
  $ same() { hg "$@" > with.out; without "$@" > without.out; cmp with.out without.out && cat with.out; }

  $ hg debugoxidag | grep -v '^oxidag version\|^mercurial'
  backend: (pyo3|cpython) (re)
  reason: native (C index capsule ABI 3)
  mode: auto
  threads: \d+ (re)
  parallel threshold: 65536
  smartset contract: holds (checked with 6.9.5 7.0.3 7.1.2 7.2.4)
  capsule: ready (ABI 3)
  hooks: 37 active
    revlog.ancestors
    revlog.incrementalmissingrevs
    mercurial.dagop.headrevs
    revlog.heads
    revlog.descendants
    revlog.children
    revlog._commonancestorsheads
    revlog.ancestor
    revlog.isancestorrev
    revlog.reachableroots
    revlog.strip
    changelog.findmissing
    changelog.findcommonmissing
    mercurial\.(utils\.dag_util|dagop)\.revancestors (re)
    mercurial\.(utils\.dag_util|dagop)\.revdescendants (re)
    revset.children
    revset.commonancestors
    revset.heads
    revset.only
    revset.parents
    revset.roots
    mercurial\.(utils\.dag_util|dagop)\.reachableroots (re)
    smartset.baseset._fastsetop
    smartset._spanset.__sub__
    smartset._spanset.__and__
    repoview._revealancestors
    revset._ordered_node_set
    obsolete.cachefuncs[obsolete]
    obsolete.cachefuncs[orphan]
    branchmap._LocalBranchCache._verifybranch
    repoview.wrapchangelog
    localrepo.localrepository.known
    setdiscovery.partialdiscovery
    setdiscovery.findcommonheads
    changelog.__init__ (DAG cache)
    localrepo.updatecaches (DAG cache)
    repocache._warmupcache (chg)

A repository with branches, merges and two roots:

  $ hg init repo
  $ cd repo
  $ hg debugbuilddag '+3:base *base/2 +2:left *base +2:right /left +1 $ +2 *right +3'
  $ hg log -G -T '{rev} '
  o  16
  |
  o  15
  |
  o  14
  |
  o  13
  |
  | o  12
  | |
  | o  11
  |
  | o  10
  | |
  | o  9
  |/|
  o |  8
  | |
  o |  7
  | |
  o |  6
  | |
  | o  5
  | |
  | o  4
  | |
  | o  3
  |/|
  o |  2
  |/
  o  1
  |
  o  0
  

Revsets that walk ancestry, each identical with and without oxidag:

  $ same log -r 'ancestors(8)' -T '{rev} '
  0 1 2 6 7 8  (no-eol)
  $ same log -r '::14 - ::8' -T '{rev} '
  13 14  (no-eol)
  $ same log -r 'only(16, 14)' -T '{rev} '
  15 16  (no-eol)
  $ same log -r 'reverse(only(14))' -T '{rev} '
  14 13  (no-eol)
  $ same log -r '6::16' -T '{rev} '
  6 7 8 13 14 15 16  (no-eol)
  $ same log -r 'descendants(5)' -T '{rev} '
  5 9 10  (no-eol)
  $ same log -r 'roots(5::)' -T '{rev} '
  5  (no-eol)
  $ same log -r 'heads(::12)' -T '{rev} '
  12  (no-eol)
  $ same log -r 'children(5)' -T '{rev} '
  9  (no-eol)
  $ same log -r 'commonancestors(14 + 16)' -T '{rev} '
  0 1 2 6 7 8 13 14  (no-eol)
  $ same log -r 'ancestor(14, 16)' -T '{rev} '
  14  (no-eol)
  $ same log -r 'first(ancestors(16), 3)' -T '{rev} '
  0 1 2  (no-eol)
  $ same log -r 'ancestors(16, depth=2)' -T '{rev} '
  14 15 16  (no-eol)
  $ same log -r '_firstancestors(16)' -T '{rev} '
  0 1 2 6 7 8 13 14 15 16  (no-eol)
  $ same log -r 'null::1' -T '{rev} '
  -1 0 1  (no-eol)
  $ same log -r 'descendants(2, depth=3)' -T '{rev} '
  2 3 4 5 6 7 8  (no-eol)
  $ same log -r '2#generations[1:3]' -T '{rev} '
  3 4 5 6 7 8  (no-eol)
  $ same log -r 'heads(all())' -T '{rev} '
  10 12 16  (no-eol)

`hg heads -r REV` (revlog.heads(start)) and a revlog's heads with stops:

  $ same heads -r 6 -T '{rev} '
  16 10  (no-eol)
  $ cat > $TESTTMP/revlogheads.py << EOF
  > from mercurial import registrar
  > cmdtable = {}
  > command = registrar.command(cmdtable)
  > @command(b'debugrevlogheads', [], b'START STOP...')
  > def debugrevlogheads(ui, repo, start, *stop):
  >     cl = repo.changelog
  >     heads = cl.heads(cl.node(int(start)), [cl.node(int(r)) for r in stop])
  >     ui.write(b'%s\n' % b' '.join(b'%d' % cl.rev(n) for n in heads))
  > EOF
  $ same --config extensions.revlogheads=$TESTTMP/revlogheads.py debugrevlogheads -- -1 8 5
  5 8 10 12 16

The smartsets keep Mercurial's structure (what `debugrevspec -s` shows):

  $ same debugrevspec -s 'only(16, 14)'
  * set:
  <baseset+ [15, 16]>
  15
  16
  $ same debugrevspec -s 'roots(5::)'
  * set:
  <filteredset
    <generatorsetasc+>,
    <roots>>
  5

Discovery between two repositories: outgoing, incoming, push, pull.

  $ cd ..
  $ hg clone -q -r 8 repo partial
  $ cd repo
  $ same outgoing -q ../partial -T '{rev} '
  3 4 5 9 10 11 12 13 14 15 16  (no-eol)
  $ cd ../partial
  $ same incoming -q ../repo -T '{rev} '
  3 4 5 9 10 11 12 13 14 15 16  (no-eol)
  $ hg pull -q ../repo
  $ hg log -r 'all()' -T '{node|short}\n' | sort > ../partial.nodes
  $ hg -R ../repo log -r 'all()' -T '{node|short}\n' | sort > ../repo.nodes
  $ cmp ../partial.nodes ../repo.nodes
  $ hg -q strip -r 12
  $ cd ../repo
  $ same outgoing -q ../partial -T '{rev} '
  12  (no-eol)
  $ hg push -q ../partial
  $ cd ..

A lazy ancestor set stays valid when the repository grows, and refuses to answer
for a graph a strip changed under it:

  $ cat > lazytest.py << EOF
  > from mercurial import metadata, registrar, repair
  > cmdtable = {}
  > command = registrar.command(cmdtable)
  > @command(b'debuglazystrip', [], b'')
  > def debuglazystrip(ui, repo):
  >     cl = repo.changelog
  >     lazy = cl.ancestors([8], inclusive=True)
  >     ui.write(b'%s %r %r %r\n' % (type(lazy).__name__.encode(), list(lazy), 2 in lazy, 3 in lazy))
  >     with repo.lock(), repo.transaction(b'grow') as tr:
  >         cl.add(repo.nullid, metadata.ChangingFiles(), b'grown', tr, cl.node(16), repo.nullid, b'test', (0, 0))
  >     ui.write(b'%d %r %r %r\n' % (len(cl), list(lazy), 2 in lazy, 17 in lazy))
  >     with repo.wlock(), repo.lock():
  >         repair.strip(ui, repo, [cl.node(5)], backup=False)
  >     ui.write(b'%d revisions after strip\n' % len(repo.unfiltered().changelog))
  >     try:
  >         ui.write(b'%r\n' % list(lazy))
  >     except RuntimeError as exc:
  >         ui.write(b'RuntimeError: %s\n' % str(exc).encode())
  > EOF
  $ hg -R repo --config extensions.lazytest=lazytest.py debuglazystrip
  LazyAncestors [8, 7, 6, 2, 1, 0] True False
  18 [8, 7, 6, 2, 1, 0] True False
  15 revisions after strip
  RuntimeError: oxidag: the revlog was stripped (or its index replaced) since this object read it

Revset results held across the same changes (tests/acrossstrip.py consults every
other one at once, the rest after the commit): until the strip they answer as
Mercurial's do; after it, and after new commits bring back the same length, they
refuse, where Mercurial's would answer for revisions that are gone:

  $ hg clone -q repo held
  $ hg clone -q repo held-by-mercurial
  $ cat >> $HGRCPATH << EOF
  > [extensions]
  > acrossstrip = $TESTDIR/acrossstrip.py
  > EOF
  $ hg -R held debugacrossstrip 9 'only(14, 8)' 'descendants(13)' | tee with.out
  before only(14, 8): [0, 1, 2, 5, 6, 7, 10, 11, 12, 13, 14] len=11 first=0 last=14 in=[True, True, True, False, False, False, False, False, False]
  after commit only(14, 8): [0, 1, 2, 5, 6, 7, 10, 11, 12, 13, 14] len=11 first=0 last=14 in=[True, True, True, False, False, False, False, False, False]
  after commit descendants(13): [13, 14, 15, 16] len=4 first=13 last=16 in=[False, False, True, False, False, False, False, False, False]
  after strip only(14, 8): RuntimeError: oxidag: the revlog was stripped (or its index replaced) since this object read it
  after strip descendants(13): RuntimeError: oxidag: the revlog was stripped (or its index replaced) since this object read it
  17 revisions again
  after regrow only(14, 8): RuntimeError: oxidag: the revlog was stripped (or its index replaced) since this object read it
  after regrow descendants(13): RuntimeError: oxidag: the revlog was stripped (or its index replaced) since this object read it
  fresh only(14, 8): [0, 1, 2, 5, 6, 7, 9, 10, 11, 12, 13, 14] len=12 first=0 last=14 in=[True, True, True, False, False, False, False, False, False]
  fresh descendants(13): [13, 14, 15, 16] len=4 first=13 last=16 in=[False, False, True, False, False, False, False, False, False]
  $ without -R held-by-mercurial debugacrossstrip 9 'only(14, 8)' 'descendants(13)' > without.out
  $ grep -v 'after strip\|after regrow' with.out > with.kept
  $ grep -v 'after strip\|after regrow' without.out > without.kept
  $ cmp with.kept without.kept
  $ grep 'after strip' without.out
  after strip only(14, 8): [0, 1, 2, 5, 6, 7, 10, 11, 12, 13, 14] len=11 first=0 last=14 in=[True, True, True, False, False, False, False, False, False]
  after strip descendants(13): [13, 14, 15, 16] len=4 first=13 last=16 in=[False, False, True, False, False, False, False, False, False]

The fallback: Mercurial's own code, the same answers, and the reason shown.

  $ hg --config oxidag.mode=python debugoxidag | grep 'backend\|reason\|hooks'
  backend: python
  reason: disabled by oxidag.mode=python
  hooks: 0 active
  $ hg -R repo --config oxidag.mode=python log -r 'only(14, 8)' -T '{rev} '
  0 1 2 5 6 7 10 11 12 13 14  (no-eol)
  $ hg -R repo log -r 'only(14, 8)' -T '{rev} '
  0 1 2 5 6 7 10 11 12 13 14  (no-eol)
Without its native module (a Rust-less install), the extension runs Mercurial's
code, says why under --debug, and refuses oxidag.mode=native:

  $ mkdir -p nonative/oxidag
  $ cp $OXIDAG_EXTENSION/*.py nonative/oxidag/
  $ hg -R repo --config extensions.oxidag=nonative/oxidag --debug log -r 'only(14, 8)' -T '{rev} ' 2>&1 | grep -v '^ \|^$'
  oxidag: falling back to Mercurial: native module not importable: cannot import name '_native' from 'hgext_oxidag' (nonative/oxidag/__init__.py)
  0 1 2 5 6 7 10 11 12 13 14 
  $ hg --config extensions.oxidag=nonative/oxidag debugoxidag | grep 'backend\|reason\|hooks'
  backend: python
  reason: native module not importable: cannot import name '_native' from 'hgext_oxidag' (nonative/oxidag/__init__.py)
  hooks: 0 active
  $ hg --config extensions.oxidag=nonative/oxidag --config oxidag.mode=native version -q
  abort: oxidag.mode=native but the native module is missing
  (native module not importable: cannot import name '_native' from 'hgext_oxidag' (nonative/oxidag/__init__.py))
  [255]
A native module that is there but cannot be loaded (a build for another platform,
say) is found at start and tried at the first native answer: Mercurial's code
answers; oxidag.mode=native refuses there.

  $ mkdir -p broken/oxidag
  $ cp $OXIDAG_EXTENSION/*.py broken/oxidag/
  $ echo 'not a shared library' > broken/oxidag/_native.so
  $ hg -R repo --config extensions.oxidag=broken/oxidag log -r 'only(14, 8)' -T '{rev} '
  0 1 2 5 6 7 10 11 12 13 14  (no-eol)
  $ hg --config extensions.oxidag=broken/oxidag debugoxidag | grep 'backend\|reason' | sed 's/: [^:]*_native.so: .*/: (the loader says why)/'
  backend: python
  reason: native module not importable: (the loader says why)
  $ hg -R repo --config extensions.oxidag=broken/oxidag --config oxidag.mode=native log -r tip -T '{rev}\n'
  14
  $ hg -R repo --config extensions.oxidag=broken/oxidag --config oxidag.mode=native log -r 'only(14, 8)' -T '{rev} ' 2> err
  [255]
  $ sed 's/: [^:]*_native.so: .*/: (the loader says why))/' err
  abort: oxidag.mode=native but the native module is missing
  (native module not importable: (the loader says why))
  $ hg --config oxidag.mode=bogus version -q
  oxidag: oxidag.mode must be one of auto, native, python, not bogus; using auto
  Mercurial Distributed SCM \(version [\d.]+\) (re)
