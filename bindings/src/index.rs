//! Parents tables copied from Mercurial's indexes: reading them (extended on append,
//! rebuilt after a strip), telling whether a copy still describes its index, and the
//! process-wide cache of copies.
//!
//! # Identity
//! Revlogs only grow, except by strip, which truncates the index in place; a strip
//! followed by new commits can bring it back to the same length, even with the same
//! tip node over reordered revisions (strip, then unbundle in another order). What a
//! copy was made from is told apart by:
//! - the truncations the extension reports ([`note_truncation`], from its wrapper of
//!   `revlog.strip`, the only place Mercurial truncates an index in place): exact, and
//!   an atomic load to check when none happened;
//! - the length and the nodes at sampled positions (the last 16 revisions, then every
//!   power of two below the tip, and revision 0): catches truncations made otherwise
//!   (by a program editing the index itself) except a reorder that leaves every
//!   sampled position unchanged.
//!
//! # Cache
//! Keyed by the index object's address, each entry holding a reference to its index so
//! that the address cannot be reused meanwhile; an entry whose index nothing else
//! references any more is dropped at the next lookup, so a process reloading its
//! repository keeps one table per live index, not per load. No lock is held while an
//! index is read (see [`crate::host`]).

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use hg_core::{GraphError, ParentsTable, Revision};

use crate::capsule::{CApi, ParentsSink, RangeError};
use crate::host::{lock, ErrorKind, Host, ReadingIndex, STRIPPED_MESSAGE};
use crate::{Obj, PyErr};

/// Enough of a revlog index to copy its parents. Every method is called with the GIL
/// held; those reading through Python may run Python code.
// `len` mirrors Python's `len(index)`; emptiness is never asked of a reader.
#[allow(clippy::len_without_is_empty)]
pub trait IndexReader {
    /// A Python exception, in the backend's type.
    type Error;
    /// Number of revisions, as the index says (not yet checked against anything).
    fn len(&self) -> Result<u64, Self::Error>;
    /// Parents of `rev` (`0 <= rev < len`), as the index stores them; an index that
    /// refuses corrupt parents reports `ParentOutOfRange` as a graph error.
    fn parents(&self, rev: i32) -> Result<[i32; 2], LoadError<Self::Error>>;
    /// The node of `rev`, or `None` for sources without nodes (plain parent lists).
    fn node(&self, rev: i32) -> Result<Option<Vec<u8>>, Self::Error>;
    /// Whether the node of `rev` is `expected`; readers that can compare without
    /// copying should.
    fn node_is(&self, rev: i32, expected: &[u8]) -> Result<bool, Self::Error> {
        Ok(self.node(rev)?.as_deref() == Some(expected))
    }
    /// The parents of `start..end`, handed to `sink` in order, in chunks of
    /// consecutive revisions with the first one's number (`sink` refusing stops the
    /// read). Readers that read many revisions faster than one at a time should; this
    /// one asks [`IndexReader::parents`] for each, and looks at Python's signals now
    /// and then (a large index read through Python takes seconds).
    fn parents_range(
        &self,
        start: i32,
        end: i32,
        sink: &mut ParentsSink<'_, GraphError>,
    ) -> Result<(), LoadError<Self::Error>> {
        parents_one_by_one(self, start, end, sink)
    }
    /// The nodes of revisions `end - 1` down to 0 handed to `visit` in that order,
    /// until it returns false or a revision has no node (a source without nodes).
    /// Readers that can hand out a node without copying it should.
    fn scan_nodes_down(
        &self,
        end: i32,
        visit: &mut impl FnMut(i32, &[u8]) -> bool,
    ) -> Result<(), Self::Error> {
        scan_nodes_one_by_one(self, end, visit)
    }
    /// Whether reading goes through Python (slow enough to check only cheap things on
    /// hot paths).
    fn through_python(&self) -> bool;
    /// Run Python's pending signal handlers (Ctrl-C while a large index is read).
    fn check_signals(&self) -> Result<(), Self::Error>;
}

/// [`IndexReader::scan_nodes_down`] one copied node at a time, looking at Python's
/// signals now and then.
pub fn scan_nodes_one_by_one<R: IndexReader + ?Sized>(
    reader: &R,
    end: i32,
    visit: &mut impl FnMut(i32, &[u8]) -> bool,
) -> Result<(), R::Error> {
    for rev in (0..end).rev() {
        if rev % SIGNAL_POLL_REVISIONS as i32 == 0 {
            reader.check_signals()?;
        }
        match reader.node(rev)? {
            Some(node) if visit(rev, &node) => {}
            // A source without nodes has none to find.
            _ => break,
        }
    }
    Ok(())
}

/// [`IndexReader::parents_range`] one revision at a time.
pub fn parents_one_by_one<R: IndexReader + ?Sized>(
    reader: &R,
    start: i32,
    end: i32,
    sink: &mut ParentsSink<'_, GraphError>,
) -> Result<(), LoadError<R::Error>> {
    let mut from = start;
    while from < end {
        reader.check_signals().map_err(LoadError::Reader)?;
        let to = end.min(from.saturating_add(SIGNAL_POLL_REVISIONS as i32));
        let chunk = (from..to)
            .map(|rev| reader.parents(rev))
            .collect::<Result<Vec<_>, _>>()?;
        sink(from, &chunk)?;
        from = to;
    }
    Ok(())
}

/// [`IndexReader::parents_range`] of Mercurial's C index (see
/// [`CApi::parents_range`]); `clear` drops the Python exception the index raised for
/// a corrupt parent, reported as `ParentOutOfRange`.
///
/// # Safety
/// As for [`CApi::parents_range`].
pub unsafe fn parents_range_of_c_index<E>(
    capi: &CApi,
    index: *mut std::ffi::c_void,
    start: i32,
    end: i32,
    sink: &mut ParentsSink<'_, GraphError>,
    clear: impl FnOnce(),
) -> Result<(), LoadError<E>> {
    // Safety: per this function's contract.
    match unsafe { capi.parents_range(index, start, end, sink) } {
        Ok(()) => Ok(()),
        Err(RangeError::Sink(e)) => Err(LoadError::Graph(e)),
        Err(RangeError::Python(rev, _)) => {
            // The C index refuses a parent beyond its end (ValueError): the same
            // corruption Python-level reading reports, as a graph error.
            clear();
            Err(LoadError::Graph(GraphError::ParentOutOfRange(Revision(
                rev,
            ))))
        }
    }
}

/// Why a table could not be loaded.
#[derive(Debug)]
pub enum LoadError<E> {
    /// The index raised.
    Reader(E),
    /// The index is corrupt: a parent not below its child.
    Graph(GraphError),
    /// The index claims more revisions than revision numbers hold.
    TooLarge(u64),
}

impl<E> From<GraphError> for LoadError<E> {
    fn from(e: GraphError) -> Self {
        LoadError::Graph(e)
    }
}

/// Revisions are `i32`, the largest being Mercurial's working directory number: an
/// index cannot hold more than this.
pub const MAX_REVISIONS: u64 = i32::MAX as u64;

/// Revisions copied through Python between two looks at Python's signals.
const SIGNAL_POLL_REVISIONS: usize = 1 << 16;

// --- truncations reported by the extension ------------------------------------

static TRUNCATIONS: Mutex<Vec<(usize, usize)>> = Mutex::new(Vec::new());
static TRUNCATION_COUNT: AtomicUsize = AtomicUsize::new(0);

/// Record that the index at address `key` was truncated in place to `len` revisions
/// (the extension calls this after `revlog.strip`).
pub fn note_truncation(key: usize, len: usize) {
    let mut truncations = crate::host::lock_detached(&TRUNCATIONS);
    truncations.push((key, len));
    TRUNCATION_COUNT.store(truncations.len(), Ordering::Release);
}

/// How many truncations were reported so far: the point from which a new copy checks.
fn truncations_so_far() -> usize {
    TRUNCATION_COUNT.load(Ordering::Acquire)
}

/// The shortest length the index at `key` was truncated to by the truncations reported
/// after the first `seen`, if any.
fn truncated_to(key: usize, seen: usize) -> Option<usize> {
    if truncations_so_far() == seen {
        return None;
    }
    let truncations = crate::host::lock_detached(&TRUNCATIONS);
    truncations[seen.min(truncations.len())..]
        .iter()
        .filter(|(k, _)| *k == key)
        .map(|(_, len)| *len)
        .min()
}

// --- identity -------------------------------------------------------------------

/// What a copy was made from (see the module documentation): the index's address and
/// length then, the truncations reported until then, and nodes at sampled positions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Identity {
    key: usize,
    len: usize,
    truncations_seen: usize,
    /// `(rev, node)`, highest revision first; empty for sources without nodes.
    samples: Vec<(i32, Vec<u8>)>,
}

/// How thoroughly [`Identity::check`] looks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Check {
    /// Reported truncations, then, when the index is read without Python (the C
    /// index), the length and the tip node: for every `in`. (Each item of an
    /// iteration checks reported truncations only, [`check_reported`]: Mercurial
    /// truncates an index in place only by `revlog.strip`, which the extension
    /// reports; other truncations are seen at the next batch.)
    Quick,
    /// Also every sampled node: before any other answer, and every batch of items.
    Full,
}

/// The sampled positions of an index of `len` revisions, highest first.
pub fn sample_positions(len: usize) -> Vec<usize> {
    let mut positions: Vec<usize> = (len.saturating_sub(16)..len).rev().collect();
    let mut distance = 32;
    while distance <= len {
        positions.push(len - distance);
        distance *= 2;
    }
    if len > 0 && positions.last() != Some(&0) {
        positions.push(0);
    }
    positions
}

impl Identity {
    /// The identity of the first `len` revisions of the index at `key`, as it is now.
    fn read<R: IndexReader>(
        reader: &R,
        key: usize,
        len: usize,
        truncations_seen: usize,
    ) -> Result<Identity, R::Error> {
        let mut samples = Vec::new();
        for rev in sample_positions(len) {
            match reader.node(rev as i32)? {
                Some(node) => samples.push((rev as i32, node)),
                None => break, // a source without nodes
            }
        }
        Ok(Identity {
            key,
            len,
            truncations_seen,
            samples,
        })
    }

    /// The number of revisions copied.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether nothing was copied.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Whether a truncation reported since the copy cut what was copied: exact for
    /// Mercurial's strips, and an atomic load when none was reported.
    pub fn reported_cut(&self) -> bool {
        truncated_to(self.key, self.truncations_seen).is_some_and(|len| len < self.len)
    }

    /// Whether answers computed on what was copied are still answers for `reader`'s
    /// index (which may have grown since): nothing copied was truncated or replaced.
    pub fn check<R: IndexReader>(&self, reader: &R, check: Check) -> Result<bool, R::Error> {
        if self.reported_cut() {
            return Ok(false);
        }
        if check == Check::Quick && reader.through_python() {
            // Reading through Python costs a call per question: per item, only what the
            // extension reported; the rest at the next full check.
            return Ok(true);
        }
        if reader.len()? < self.len as u64 {
            return Ok(false);
        }
        let sampled = match check {
            Check::Full => self.samples.len(),
            Check::Quick => self.samples.len().min(1),
        };
        for (rev, node) in &self.samples[..sampled] {
            if !reader.node_is(*rev, node)? {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// How many of the copied revisions are still the index's, as far as reported
    /// truncations and the samples below them tell: all of them unless a truncation
    /// was reported (a strip keeps every revision below the point it cut).
    fn kept_prefix<R: IndexReader>(&self, reader: &R) -> Result<Option<usize>, R::Error> {
        let kept = match truncated_to(self.key, self.truncations_seen) {
            Some(len) => len.min(self.len),
            None => self.len,
        };
        if reader.len()? < kept as u64 {
            return Ok(None);
        }
        for (rev, node) in self
            .samples
            .iter()
            .filter(|(rev, _)| (*rev as usize) < kept)
        {
            if !reader.node_is(*rev, node)? {
                return Ok(None);
            }
        }
        Ok(Some(kept))
    }
}

/// A parents table copied from an index, and the index's identity then.
#[derive(Clone, Debug)]
pub struct Snapshot {
    /// The copied parents.
    pub table: Arc<ParentsTable>,
    identity: Identity,
}

impl Snapshot {
    /// Copy the index at `key`, reusing what `previous` copied of it that is still its.
    pub fn load<R: IndexReader>(
        reader: &R,
        key: usize,
        previous: Option<&Snapshot>,
    ) -> Result<Snapshot, LoadError<R::Error>> {
        let truncations_seen = truncations_so_far();
        let claimed = reader.len().map_err(LoadError::Reader)?;
        if claimed > MAX_REVISIONS {
            return Err(LoadError::TooLarge(claimed));
        }
        let len = claimed as usize;
        let kept = match previous {
            Some(prev) => prev
                .identity
                .kept_prefix(reader)
                .map_err(LoadError::Reader)?,
            None => None,
        };
        let mut table = match (previous, kept) {
            (Some(prev), Some(kept)) if kept == prev.table.len() && kept == len => {
                return Ok(prev.clone());
            }
            (Some(prev), Some(kept)) if kept <= len => {
                let mut table = Arc::clone(&prev.table);
                if kept < table.len() {
                    Arc::make_mut(&mut table).truncate(kept);
                }
                table
            }
            _ => Arc::new(ParentsTable::new()),
        };
        let start = table.len();
        let growing = Arc::make_mut(&mut table);
        crate::memory::reserve(growing, len - start);
        reader.parents_range(start as i32, len as i32, &mut |first, chunk| {
            growing.extend_checked(chunk).map_err(|error| match error {
                // A parent beyond the index is a corrupt index (as the C index reports
                // it); one not below its child but within, a corrupt graph.
                GraphError::ParentNotBelowChild { rev, parent }
                    if parent.0 < -1 || parent.0 as i64 >= len as i64 =>
                {
                    debug_assert!(rev.0 >= first);
                    GraphError::ParentOutOfRange(rev)
                }
                error => error,
            })
        })?;
        let identity =
            Identity::read(reader, key, len, truncations_seen).map_err(LoadError::Reader)?;
        Ok(Snapshot { table, identity })
    }

    /// A table obtained otherwise (a persistent cache) for the first `table.len()`
    /// revisions of the index at `key`, checked by the caller: its identity is read
    /// from the index now.
    pub fn from_table<R: IndexReader>(
        reader: &R,
        key: usize,
        table: Arc<ParentsTable>,
    ) -> Result<Snapshot, R::Error> {
        let identity = Identity::read(reader, key, table.len(), truncations_so_far())?;
        Ok(Snapshot { table, identity })
    }

    /// Number of revisions copied.
    pub fn len(&self) -> usize {
        self.table.len()
    }

    /// Whether nothing was copied (an empty revlog).
    pub fn is_empty(&self) -> bool {
        self.table.is_empty()
    }

    /// The index's identity when copied.
    pub fn identity(&self) -> &Identity {
        &self.identity
    }
}

// --- the cache ------------------------------------------------------------------

/// Recently used tables, keyed by the index object's address (see the module
/// documentation). `O` is the reference to the index each entry holds.
pub struct TableCache<O> {
    entries: VecDeque<(usize, O, Snapshot)>,
}

/// Indexes whose tables are kept at once: filelogs come and go, the changelog and
/// the manifest stay.
const CACHE_CAPACITY: usize = 16;

impl<O> TableCache<O> {
    /// An empty cache (usable in a `static`).
    pub const fn new() -> Self {
        TableCache {
            entries: VecDeque::new(),
        }
    }

    /// The snapshot last stored for `key`, if any, after taking out the entries whose
    /// index only the cache references (`unused`). What is taken out is returned, to
    /// be dropped once the cache is unlocked (dropping an index may run Python code).
    pub fn lookup(
        &mut self,
        key: usize,
        unused: impl Fn(&O) -> bool,
    ) -> (Option<Snapshot>, Vec<(usize, O, Snapshot)>) {
        let mut dropped = Vec::new();
        let mut kept = VecDeque::with_capacity(self.entries.len());
        for entry in self.entries.drain(..) {
            if entry.0 != key && unused(&entry.1) {
                dropped.push(entry);
            } else {
                kept.push_back(entry);
            }
        }
        self.entries = kept;
        let found = self
            .entries
            .iter()
            .find(|(k, _, _)| *k == key)
            .map(|(_, _, s)| s.clone());
        (found, dropped)
    }

    /// Keep `snapshot` for the index `index` at `key`, most recent first; returns what
    /// no longer fits (or the reference not needed), to be dropped once unlocked.
    pub fn store(&mut self, key: usize, index: O, snapshot: Snapshot) -> Vec<O> {
        let mut dropped = Vec::new();
        let index = match self.entries.iter().position(|(k, _, _)| *k == key) {
            Some(i) => {
                let (_, held, _) = self.entries.remove(i).expect("position is valid");
                dropped.push(index);
                held
            }
            None => index,
        };
        self.entries.push_front((key, index, snapshot));
        while self.entries.len() > CACHE_CAPACITY {
            let (_, index, _) = self.entries.pop_back().expect("over capacity");
            dropped.push(index);
        }
        dropped
    }

    /// The number of indexes whose tables are kept.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no table is kept.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

impl<O> Default for TableCache<O> {
    fn default() -> Self {
        Self::new()
    }
}

static CACHE: Mutex<TableCache<Obj>> = Mutex::new(TableCache::new());

/// The current table of `index`: from the cache, extended if the index grew, or read
/// anew. The cache is never locked while the index is read.
pub fn snapshot<H: Host>(h: H, index: &Obj) -> Result<Snapshot, PyErr> {
    let key = H::address(index);
    // Dropped (decref'ed, maybe deallocated) once nothing is locked or being read.
    let (previous, _unused) = lock(h, &CACHE).lookup(key, |o| h.only_referent(o));
    let reading = ReadingIndex::start(h)?;
    let loaded = Snapshot::load(&crate::py_index::reader(h, index), key, previous.as_ref());
    drop(reading);
    let snapshot = loaded.map_err(|e| load_error(h, e))?;
    if previous.as_ref().map(|p| p.identity()) != Some(snapshot.identity()) {
        let _unused = lock(h, &CACHE).store(key, h.clone_ref(index), snapshot.clone());
    }
    Ok(snapshot)
}

/// The table the cache holds for `index`, if any (without checking or extending it).
pub fn cached_snapshot<H: Host>(h: H, index: &Obj) -> Option<Snapshot> {
    let (found, _unused) = lock(h, &CACHE).lookup(H::address(index), |o| h.only_referent(o));
    found
}

/// Keep `snapshot`, checked by the caller, as the table of `index`.
pub fn install_snapshot<H: Host>(h: H, index: &Obj, snapshot: Snapshot) {
    let _unused = lock(h, &CACHE).store(H::address(index), h.clone_ref(index), snapshot);
}

/// The number of indexes whose tables the cache keeps (for tests of its bounds).
pub fn cached_tables<H: Host>(h: H) -> usize {
    let (_, _unused) = lock(h, &CACHE).lookup(0, |o| h.only_referent(o));
    lock(h, &CACHE).len()
}

/// Raise if a reported truncation cut what `identity` describes: what each item of an
/// iteration checks (the rest is checked at each batch, see [`Check`]).
pub fn check_reported<H: Host>(h: H, identity: &Identity) -> Result<(), PyErr> {
    if identity.reported_cut() {
        Err(h.error(ErrorKind::Runtime, STRIPPED_MESSAGE))
    } else {
        Ok(())
    }
}

/// Raise unless what `identity` describes is still `index`'s.
pub fn check_valid<H: Host>(
    h: H,
    index: &Obj,
    identity: &Identity,
    check: Check,
) -> Result<(), PyErr> {
    let reading = ReadingIndex::start(h)?;
    let valid = identity.check(&crate::py_index::reader(h, index), check)?;
    drop(reading);
    if valid {
        Ok(())
    } else {
        Err(h.error(ErrorKind::Runtime, STRIPPED_MESSAGE))
    }
}

/// A failure to read an index, as the Python exception native calls raise.
pub fn load_error<H: Host>(h: H, e: LoadError<PyErr>) -> PyErr {
    match e {
        LoadError::Reader(e) => e,
        LoadError::Graph(e) => h.graph_error(e.into()),
        LoadError::TooLarge(len) => h.error(
            ErrorKind::Overflow,
            &format!(
                "an index of {} revisions: more than revision numbers hold ({})",
                len, MAX_REVISIONS
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;

    /// A fake index: parents and nodes, editable to simulate appends and strips.
    struct Fake(RefCell<Vec<([i32; 2], u8)>>);

    impl IndexReader for Fake {
        type Error = ();
        fn len(&self) -> Result<u64, ()> {
            Ok(self.0.borrow().len() as u64)
        }
        fn parents(&self, rev: i32) -> Result<[i32; 2], LoadError<()>> {
            Ok(self.0.borrow()[rev as usize].0)
        }
        fn node(&self, rev: i32) -> Result<Option<Vec<u8>>, ()> {
            Ok(self.0.borrow().get(rev as usize).map(|e| vec![e.1]))
        }
        fn through_python(&self) -> bool {
            false
        }
        fn check_signals(&self) -> Result<(), ()> {
            Ok(())
        }
    }

    fn chain(len: u8) -> Fake {
        Fake(RefCell::new(
            (0..len).map(|i| ([i as i32 - 1, -1], i)).collect(),
        ))
    }

    #[test]
    fn append_extends_strip_rebuilds_same_length_strip_detected() {
        let fake = Fake(RefCell::new(vec![([-1, -1], 1), ([0, -1], 2)]));
        let first = Snapshot::load(&fake, 7, None).unwrap();
        assert_eq!(first.len(), 2);
        fake.0.borrow_mut().push(([1, -1], 3));
        assert!(first.identity().check(&fake, Check::Full).unwrap());
        let grown = Snapshot::load(&fake, 7, Some(&first)).unwrap();
        assert_eq!(grown.len(), 3);
        assert!(Arc::ptr_eq(&grown.table, &first.table) || grown.table.len() == 3);
        // Strip revision 2, commit another at the same position: same length.
        fake.0.borrow_mut().pop();
        fake.0.borrow_mut().push(([0, -1], 4));
        assert!(!grown.identity().check(&fake, Check::Quick).unwrap());
        assert!(first.identity().check(&fake, Check::Full).unwrap());
        let rebuilt = Snapshot::load(&fake, 7, Some(&grown)).unwrap();
        assert_eq!(
            rebuilt.table.parents_unchecked(Revision(2)),
            [Revision(0), Revision(-1)]
        );
        fake.0.borrow_mut().truncate(1);
        assert!(!first.identity().check(&fake, Check::Quick).unwrap());
    }

    #[test]
    fn reorder_below_the_tip_caught_by_samples_or_reported_truncation() {
        // Two revisions swap nodes (a reorder by strip and unbundle): same length,
        // same tip.
        let swap_nodes = |fake: &Fake, a: usize, b: usize| {
            let mut entries = fake.0.borrow_mut();
            let (node_a, node_b) = (entries[a].1, entries[b].1);
            entries[a].1 = node_b;
            entries[b].1 = node_a;
        };
        let fake = chain(40);
        let before = Snapshot::load(&fake, 9, None).unwrap();
        swap_nodes(&fake, 24, 25);
        // Positions 24 and 25 are among the last 16, which the full check samples; the
        // quick check sees the tip only.
        assert!(before.identity().check(&fake, Check::Quick).unwrap());
        assert!(!before.identity().check(&fake, Check::Full).unwrap());
        // Unsampled positions: only a reported truncation tells.
        let fake = chain(40);
        let before = Snapshot::load(&fake, 9, None).unwrap();
        let sampled = sample_positions(40);
        let (a, b) = (19, 20);
        assert!(!sampled.contains(&a) && !sampled.contains(&b));
        swap_nodes(&fake, a, b);
        assert!(before.identity().check(&fake, Check::Full).unwrap());
        note_truncation(9, a);
        assert!(before.identity().reported_cut());
        assert!(!before.identity().check(&fake, Check::Quick).unwrap());
        // The prefix below the truncation is reused, the rest read again.
        let after = Snapshot::load(&fake, 9, Some(&before)).unwrap();
        assert_eq!(after.len(), 40);
        assert!(after.identity().check(&fake, Check::Full).unwrap());
        // A truncation of another index changes nothing here.
        let other = chain(10);
        let kept = Snapshot::load(&other, 11, None).unwrap();
        note_truncation(12, 0);
        assert!(kept.identity().check(&other, Check::Full).unwrap());
    }

    #[test]
    fn corrupt_or_oversized_index_is_an_error() {
        let fake = Fake(RefCell::new(vec![([-1, -1], 1), ([1, -1], 2)]));
        assert!(matches!(
            Snapshot::load(&fake, 1, None),
            Err(LoadError::Graph(GraphError::ParentNotBelowChild { .. }))
        ));
        let fake = Fake(RefCell::new(vec![([-1, -1], 1), ([7, -1], 2)]));
        assert!(matches!(
            Snapshot::load(&fake, 1, None),
            Err(LoadError::Graph(GraphError::ParentOutOfRange(Revision(1))))
        ));
        struct Liar;
        impl IndexReader for Liar {
            type Error = ();
            fn len(&self) -> Result<u64, ()> {
                Ok(1 << 40)
            }
            fn parents(&self, _: i32) -> Result<[i32; 2], LoadError<()>> {
                Err(LoadError::Reader(()))
            }
            fn node(&self, _: i32) -> Result<Option<Vec<u8>>, ()> {
                Ok(None)
            }
            fn through_python(&self) -> bool {
                true
            }
            fn check_signals(&self) -> Result<(), ()> {
                Ok(())
            }
        }
        assert!(matches!(
            Snapshot::load(&Liar, 1, None),
            Err(LoadError::TooLarge(_))
        ));
    }

    #[test]
    fn cache_drops_unused_indexes_and_stays_bounded() {
        let fake = chain(3);
        let snapshot = Snapshot::load(&fake, 1, None).unwrap();
        let mut cache: TableCache<(usize, bool)> = TableCache::new();
        for key in 0..20 {
            cache.store(key, (key, key % 2 == 0), snapshot.clone());
        }
        assert_eq!(cache.len(), CACHE_CAPACITY);
        // Entries whose index is unused (odd keys here) go at the next lookup.
        let (found, dropped) = cache.lookup(19, |o| !o.1);
        assert!(found.is_some(), "the looked-up key stays");
        assert!(dropped.iter().all(|(k, _, _)| k % 2 == 1 && *k != 19));
        assert_eq!(cache.len(), CACHE_CAPACITY - dropped.len());
    }

    #[test]
    fn samples_cover_the_top_densely_and_the_rest_by_powers_of_two() {
        assert_eq!(sample_positions(0), Vec::<usize>::new());
        assert_eq!(sample_positions(3), vec![2, 1, 0]);
        let many = sample_positions(1_000_000);
        assert_eq!(
            &many[..16],
            &(999_984..1_000_000).rev().collect::<Vec<_>>()[..]
        );
        assert!(many.contains(&(1_000_000 - 32)) && many.contains(&0));
        assert!(many.len() < 40);
    }
}
