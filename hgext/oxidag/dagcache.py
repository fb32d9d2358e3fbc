"""The persistent DAG cache: the changelog's parents table in `.hg/cache`, so that a
command's first native answer does not read every revision of the changelog.

When a changelog is loaded, the extension records the stat of its index file
(`00changelog.i`) taken before Mercurial read it; Mercurial changes that stat at
every write of the changelog (appending, stripping, rolling back), and makes sure it
changes even within one second (`checkambig`). The cache file records the stat of
the index file it describes: it is taken for a changelog only if both are the same
(and the file decodes, its checksum and format version match, and the nodes it
sampled are the changelog's: see bindings/src/dagcache.rs), else it is ignored and,
when the repository can be written, replaced. A file is written with Mercurial's
atomic temporary file and rename, so a reader sees a whole old file or a whole new
one; two writers race harmlessly (each file describes what its writer read).

Only revlog-v1 changelogs whose revisions are all on disk (not inline, no pending
index, no revisions added in memory) are cached: the others are small or unusual.
Nor are changelogs of fewer than `native.SMALL_REVLOG` revisions: reading theirs
from the changelog costs about what reading the file does (0.77 and 0.62 ms at
65,536 revisions, 0.26 both at 16,384: contrib/bench/tablesetup.py), and
a repository of Mercurial's own tests, which list
`.hg/cache`, then holds nothing of ours (`devel.oxidag.dag-cache-min-revisions`
lowers the bound for our tests). `oxidag.dag-cache = no` turns it off.
"""

from __future__ import annotations

import os

from mercurial import pycompat, revlog, vfs as vfsmod
from mercurial.interfaces import repository

from . import native

CACHE_NAME = b'oxidag-dag-v1'
# Bytes of a revlog-v1 index entry (the file holds nothing else when not inline).
ENTRY_SIZE = 64

#: Whether the cache is used (oxidag.dag-cache), set by extsetup.
enabled = True
#: Changelogs of fewer revisions get no file (devel.oxidag.dag-cache-min-revisions).
min_revisions = native.SMALL_REVLOG


def _cachedir(cl):
    """Mercurial's cache directory for the store holding `cl`: `cache` beside
    `.hg/store` (for a share, its source's, as Mercurial's cachevfs), or in `.hg`
    for a repository without a store. Found through the changelog's own path: the
    store's opener is a proxy without `base` in Mercurial 6.9."""
    store = os.path.dirname(cl.opener.join(b'00changelog.i'))
    hgdir = os.path.dirname(store) if os.path.basename(store) == b'store' else store
    return os.path.join(hgdir, b'cache')


def cachepath(cl):
    return os.path.join(_cachedir(cl), CACHE_NAME)


def recordsource(orig, self, opener, *args, **kwargs):
    """`changelog.__init__`, noting the stat of the index file as it was before
    Mercurial read it: the identity the cache file must have been written with."""
    try:
        st = os.stat(opener.join(b'00changelog.i'))
    except (OSError, AttributeError):
        st = None
    orig(self, opener, *args, **kwargs)
    if st is not None and _eligible(self, st):
        self._oxidag_source = b'%d:%d:%d:%d:%d' % (
            st.st_size,
            st.st_mtime_ns,
            st.st_ctime_ns,
            st.st_ino,
            st.st_dev,
        )
        self._oxidag_ondisk = st.st_size // ENTRY_SIZE
        self._oxidag_table = native.TableState()


def _eligible(cl, st):
    return (
        cl._format_version == revlog.REVLOGV1
        and not cl._inline
        and cl._docket is None
        and cl._indexfile == b'00changelog.i'
        and st.st_size == ENTRY_SIZE * len(cl.index)
    )


def _small(cl):
    return cl.__dict__.get('_oxidag_ondisk', 0) < min_revisions


def prepare(cl):
    """Before the first native answer of changelog `cl` (see `native.servesrevlog`):
    take the table from the cache file, or read it and write the file."""
    source = cl.__dict__.get('_oxidag_source')
    if source is None or not enabled or _small(cl):
        return None
    path = cachepath(cl)
    status, revisions, reason = native._native.dagcacheload(
        cl.index, pycompat.fsdecode(path), source, True
    )
    if status in ('absent', 'invalid'):
        write(cl, source, cl.__dict__.get('_oxidag_ondisk', 0))
    return status


def write(cl, source, revisions):
    """Write the cache file for the first `revisions` revisions of `cl`, if the
    repository can be written (a read-only one is left alone, silently)."""
    directory = _cachedir(cl)
    writable = directory if os.path.isdir(directory) else os.path.dirname(directory)
    if not os.access(writable, os.W_OK):
        return False
    data = native._native.dagcachebytes(cl.index, source, revisions)
    try:
        cachevfs = vfsmod.vfs(directory, cacheaudited=True)
        with cachevfs(CACHE_NAME, b'wb', atomictemp=True) as f:
            f.write(data)
    except (OSError, IOError):
        return False
    return True


def update(repo):
    """`hg debugupdatecaches`: make sure the file describes the changelog."""
    if not native.active() or not enabled:
        return
    cl = repo.unfiltered().changelog
    source = cl.__dict__.get('_oxidag_source')
    if source is None or _small(cl) or not native.serves(cl.index):
        return
    status, _, _ = native._native.dagcacheload(
        cl.index, pycompat.fsdecode(cachepath(cl)), source, False
    )
    if status != 'valid':
        write(cl, source, cl.__dict__.get('_oxidag_ondisk', 0))


def describe(repo):
    """What `hg debugoxidag` says of the cache: (path, state)."""
    cl = repo.unfiltered().changelog
    path = cachepath(cl)
    if not enabled:
        return path, b'disabled by oxidag.dag-cache'
    source = cl.__dict__.get('_oxidag_source')
    if source is None:
        return path, b'not used for this changelog (inline, pending, or not revlog-v1)'
    if _small(cl):
        return path, b'not used for %d revisions (fewer than %d)' % (len(cl), min_revisions)
    status, revisions, reason = native._native.dagcacheload(
        cl.index, pycompat.fsdecode(path), source, False
    )
    if status == 'valid':
        return path, b'valid, %d revisions' % revisions
    if status == 'absent':
        return path, b'absent'
    return path, b'invalid: %s' % reason.encode()


def updatecaches(orig, repo, *args, **kwargs):
    """`hg debugupdatecaches` (and Mercurial's own calls warming every cache)
    writes the persistent DAG cache too."""
    result = orig(repo, *args, **kwargs)
    full = kwargs.get('full') or (len(args) > 1 and args[1])
    if full or kwargs.get('caches') == repository.CACHES_ALL:
        update(repo)
    return result


def warmupcache(orig, repo):
    """A command server preloading a repository (`cmdserver.max-repo-cache`) loads
    the changelog's parents table and builds its reachability index too: its forked
    workers inherit them."""
    orig(repo)
    cl = repo.changelog
    if native.servesrevlog(cl):
        native._native.warm(cl.index, True)
