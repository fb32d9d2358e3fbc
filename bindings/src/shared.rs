//! What both backends need, written once: reading an index into a Rust-owned parents
//! table (cached, extended on append, rebuilt after a strip), checking that a lazy
//! object's snapshot still describes its index, revision argument checks, and the
//! arguments of `GraphError`.
//!
//! Backends supply an [`IndexReader`] for the object Python passed (the C index
//! through the capsule, or any object answering `len()` and `index[rev]`) and turn
//! results and errors into Python objects: nothing else.

use std::collections::VecDeque;
use std::sync::Arc;

use hg_core::{GraphError, ParentsTable, Revision};

/// Enough of a revlog index to copy its parents. Every method is called with the
/// GIL held.
// `len` mirrors Python's `len(index)`; emptiness is never asked of a reader.
#[allow(clippy::len_without_is_empty)]
pub trait IndexReader {
    /// A Python exception, in the backend's type.
    type Error;
    /// Number of revisions.
    fn len(&self) -> Result<usize, Self::Error>;
    /// Parents of `rev` (`0 <= rev < len`), as the index stores them; an index that
    /// refuses corrupt parents reports `ParentOutOfRange` as a graph error.
    fn parents(&self, rev: i32) -> Result<[i32; 2], LoadError<Self::Error>>;
    /// The node of `rev`, or `None` for sources without nodes (plain parent lists).
    fn node(&self, rev: i32) -> Result<Option<Vec<u8>>, Self::Error>;

    /// Whether the node of `rev` is `expected`. Asked before every answer a lazy
    /// object gives, so readers that can compare without copying should.
    fn node_is(&self, rev: i32, expected: &[u8]) -> Result<bool, Self::Error> {
        Ok(self.node(rev)?.as_deref() == Some(expected))
    }
}

/// Why a table could not be loaded.
#[derive(Debug)]
pub enum LoadError<E> {
    /// The index raised.
    Reader(E),
    /// The index is corrupt: a parent not below its child.
    Graph(GraphError),
}

impl<E> From<GraphError> for LoadError<E> {
    fn from(e: GraphError) -> Self {
        LoadError::Graph(e)
    }
}

/// What a table or a computed set was copied from: the length of the index then, and
/// its last node. A revlog only grows, except by strip, and a strip followed by new
/// commits can return to the same length, so the tip node (not the length alone)
/// tells them apart.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Identity {
    len: usize,
    tip: Option<Vec<u8>>,
}

impl Identity {
    /// Whether the index (of length `len`) still starts with what was copied: it may
    /// have grown, but nothing copied was stripped or replaced.
    fn is_prefix_of<R: IndexReader>(&self, reader: &R, len: usize) -> Result<bool, R::Error> {
        if len < self.len {
            return Ok(false);
        }
        match &self.tip {
            Some(tip) if self.len > 0 => reader.node_is(self.len as i32 - 1, tip),
            // Nothing copied, or a source without nodes: length is all we can check.
            _ => Ok(true),
        }
    }

    /// Whether answers computed on what was copied are still answers for the index.
    pub fn still_valid<R: IndexReader>(&self, reader: &R) -> Result<bool, R::Error> {
        let len = reader.len()?;
        self.is_prefix_of(reader, len)
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
    /// Copy the index, reusing `previous` when the index only grew since.
    pub fn load<R: IndexReader>(
        reader: &R,
        previous: Option<&Snapshot>,
    ) -> Result<Snapshot, LoadError<R::Error>> {
        let len = reader.len().map_err(LoadError::Reader)?;
        let mut table = match previous {
            Some(prev)
                if prev
                    .identity
                    .is_prefix_of(reader, len)
                    .map_err(LoadError::Reader)? =>
            {
                if prev.table.len() == len {
                    return Ok(prev.clone());
                }
                Arc::clone(&prev.table)
            }
            _ => Arc::new(ParentsTable::new()),
        };
        let start = table.len();
        let growing = Arc::make_mut(&mut table);
        growing.reserve(len - start);
        for rev in start..len {
            let parents = reader.parents(rev as i32)?;
            if parents.iter().any(|&p| p < -1 || p as i64 >= len as i64) {
                return Err(GraphError::ParentOutOfRange(Revision(rev as i32)).into());
            }
            growing.push([Revision(parents[0]), Revision(parents[1])])?;
        }
        let tip = match len {
            0 => None,
            _ => reader.node(len as i32 - 1).map_err(LoadError::Reader)?,
        };
        Ok(Snapshot {
            table,
            identity: Identity { len, tip },
        })
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

    /// Whether answers computed on this snapshot are still answers for the index.
    pub fn still_valid<R: IndexReader>(&self, reader: &R) -> Result<bool, R::Error> {
        self.identity.still_valid(reader)
    }
}

/// The indexes whose revisions a native set's members are (`O`: a strong reference
/// to each), with their identity when the members were computed. A set computed by an
/// index function has one; sets made from Python ints have none; set algebra unites
/// them. Before answering, a set checks that each is still valid: after a strip of
/// what it numbered, it raises instead of answering for a graph that is gone.
pub struct Origins<O>(Vec<(usize, O, Identity)>);

impl<O> Origins<O> {
    /// No origin: plain revision numbers, always valid.
    pub const fn none() -> Self {
        Origins(Vec::new())
    }

    /// Computed from the index at address `key` (`index`), as it was (`identity`).
    pub fn of(key: usize, index: O, identity: Identity) -> Self {
        Origins(vec![(key, index, identity)])
    }

    /// The origins of a set computed from two (both just checked valid): per index,
    /// the longer identity, which stays valid only while the shorter does.
    pub fn merged(&self, other: &Self, clone: impl Fn(&O) -> O) -> Self {
        let mut merged: Vec<(usize, O, Identity)> = self
            .0
            .iter()
            .map(|(k, o, i)| (*k, clone(o), i.clone()))
            .collect();
        for (key, index, identity) in &other.0 {
            match merged.iter_mut().find(|(k, _, _)| k == key) {
                Some(mine) if mine.2.len < identity.len => mine.2 = identity.clone(),
                Some(_) => {}
                None => merged.push((*key, clone(index), identity.clone())),
            }
        }
        Origins(merged)
    }

    /// The same origins, for another set computed at the same time.
    pub fn cloned(&self, clone: impl Fn(&O) -> O) -> Self {
        self.merged(&Origins::none(), clone)
    }

    /// Each index, with the identity it must still have.
    pub fn iter(&self) -> impl Iterator<Item = (&O, &Identity)> {
        self.0.iter().map(|(_, o, i)| (o, i))
    }
}

/// Recently used tables, keyed by the index object's address. Each entry holds a
/// strong reference to its index (`O`), so an address cannot be reused by another
/// index while cached. Small: filelogs come and go, changelog and manifest stay hot.
pub struct TableCache<O> {
    entries: VecDeque<(usize, O, Snapshot)>,
}

const CACHE_CAPACITY: usize = 16;

impl<O> TableCache<O> {
    /// An empty cache (usable in a `static`).
    pub const fn new() -> Self {
        TableCache {
            entries: VecDeque::new(),
        }
    }

    /// The current table of the index at `key`, loaded or refreshed as needed.
    /// `keep` gives the strong reference stored with a new entry.
    pub fn snapshot<R: IndexReader>(
        &mut self,
        key: usize,
        keep: impl FnOnce() -> O,
        reader: &R,
    ) -> Result<Snapshot, LoadError<R::Error>> {
        let position = self.entries.iter().position(|(k, _, _)| *k == key);
        let (index_ref, previous) = match position {
            Some(i) => {
                let (_, o, s) = self.entries.remove(i).expect("position is valid");
                (o, Some(s))
            }
            None => (keep(), None),
        };
        let snapshot = Snapshot::load(reader, previous.as_ref());
        if let Ok(s) = &snapshot {
            self.entries.push_front((key, index_ref, s.clone()));
            self.entries.truncate(CACHE_CAPACITY);
        }
        snapshot
    }
}

impl<O> Default for TableCache<O> {
    fn default() -> Self {
        Self::new()
    }
}

/// A Python int as a revision: beyond `i32`, it cannot be one.
pub fn revision(value: i64) -> Result<Revision, ErrorArgs> {
    i32::try_from(value).map(Revision).map_err(|_| ErrorArgs {
        kind: "InvalidRevision",
        values: vec![value],
        message: format!("invalid revision {}", value),
    })
}

/// A Python int as a lower bound (`stoprev`, `minroot`): saturated, since any value
/// beyond `i32` bounds the same way.
pub fn bound(value: i64) -> Revision {
    Revision(value.clamp(i32::MIN as i64, i32::MAX as i64) as i32)
}

/// The arguments of a `GraphError` exception: `(kind, *values)`, the same in both
/// backends, e.g. `("ParentNotBelowChild", 5, 7)`.
#[derive(Debug, Clone)]
pub struct ErrorArgs {
    /// The variant name.
    pub kind: &'static str,
    /// The revisions it names.
    pub values: Vec<i64>,
    /// A sentence for `str(exc)`-style messages.
    pub message: String,
}

impl From<GraphError> for ErrorArgs {
    fn from(e: GraphError) -> Self {
        let values = match e {
            GraphError::InvalidRevision(r) | GraphError::ParentOutOfRange(r) => vec![r.0 as i64],
            GraphError::WorkingDirectoryUnsupported => {
                vec![hg_core::WORKING_DIRECTORY_REVISION.0 as i64]
            }
            GraphError::ParentNotBelowChild { rev, parent } => vec![rev.0 as i64, parent.0 as i64],
            _ => vec![],
        };
        ErrorArgs {
            kind: e.kind(),
            values,
            message: e.to_string(),
        }
    }
}

/// The message of the `RuntimeError` raised when the index a lazy object or a computed
/// set read was stripped since (or replaced).
pub const STRIPPED_MESSAGE: &str =
    "oxidag: the revlog was stripped (or its index replaced) since this object read it";

/// How many Python ints an iterator produces per refill: large enough to amortise the
/// GIL release, small enough to keep `next(iter(...))` cheap.
pub const BATCH: usize = 4096;

/// Lock `mutex` from a thread holding the GIL without ever blocking while holding it:
/// try the lock, and while another thread holds it, call `wait` with the blocking wait,
/// which the backend runs with the GIL released (so the holder can always take the GIL
/// back), then try again. A poisoned lock is recovered, as everywhere in this crate.
/// (PyO3 has this built in: `MutexExt::lock_py_attached`.)
pub fn lock_detached<'a, T: Send>(
    mutex: &'a std::sync::Mutex<T>,
    wait: impl Fn(&(dyn Fn() + Sync)),
) -> std::sync::MutexGuard<'a, T> {
    loop {
        match mutex.try_lock() {
            Ok(guard) => return guard,
            Err(std::sync::TryLockError::Poisoned(poisoned)) => return poisoned.into_inner(),
            Err(std::sync::TryLockError::WouldBlock) => wait(&|| drop(mutex.lock())),
        }
    }
}

#[cfg(test)]
mod lock_tests {
    use super::lock_detached;
    use std::sync::{Arc, Barrier, Mutex};

    #[test]
    fn waits_through_the_callback_and_recovers_poison() {
        let mutex = Arc::new(Mutex::new(0));
        let barrier = Arc::new(Barrier::new(2));
        let holder = {
            let (mutex, barrier) = (Arc::clone(&mutex), Arc::clone(&barrier));
            std::thread::spawn(move || {
                let mut guard = mutex.lock().unwrap();
                barrier.wait();
                std::thread::sleep(std::time::Duration::from_millis(50));
                *guard = 1;
                panic!("poison the lock");
            })
        };
        barrier.wait();
        let waits = std::cell::Cell::new(0);
        let guard = lock_detached(&mutex, |wait| {
            waits.set(waits.get() + 1);
            wait();
        });
        assert_eq!((*guard, waits.get() >= 1), (1, true));
        drop(guard);
        assert!(holder.join().is_err());
        assert_eq!(*lock_detached(&mutex, |_| unreachable!()), 1);
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
        fn len(&self) -> Result<usize, ()> {
            Ok(self.0.borrow().len())
        }
        fn parents(&self, rev: i32) -> Result<[i32; 2], LoadError<()>> {
            Ok(self.0.borrow()[rev as usize].0)
        }
        fn node(&self, rev: i32) -> Result<Option<Vec<u8>>, ()> {
            Ok(Some(vec![self.0.borrow()[rev as usize].1]))
        }
    }

    #[test]
    fn append_extends_strip_rebuilds_same_length_strip_detected() {
        let fake = Fake(RefCell::new(vec![([-1, -1], 1), ([0, -1], 2)]));
        let mut cache: TableCache<()> = TableCache::new();
        let first = cache.snapshot(7, || (), &fake).unwrap();
        assert_eq!(first.len(), 2);
        fake.0.borrow_mut().push(([1, -1], 3));
        assert!(first.still_valid(&fake).unwrap());
        let grown = cache.snapshot(7, || (), &fake).unwrap();
        assert_eq!(grown.len(), 3);
        // Strip revision 2, commit another at the same position: same length.
        fake.0.borrow_mut().pop();
        fake.0.borrow_mut().push(([0, -1], 4));
        assert!(!grown.still_valid(&fake).unwrap());
        assert!(first.still_valid(&fake).unwrap());
        let rebuilt = cache.snapshot(7, || (), &fake).unwrap();
        assert_eq!(
            rebuilt.table.parents_unchecked(Revision(2)),
            [Revision(0), Revision(-1)]
        );
        fake.0.borrow_mut().truncate(1);
        assert!(!first.still_valid(&fake).unwrap());
    }

    #[test]
    fn merged_origins_keep_the_longer_identity_per_index() {
        let fake = Fake(RefCell::new(vec![([-1, -1], 1), ([0, -1], 2)]));
        let short = Snapshot::load(&fake, None).unwrap().identity().clone();
        fake.0.borrow_mut().push(([1, -1], 3));
        let long = Snapshot::load(&fake, None).unwrap().identity().clone();
        let a = Origins::of(7, "a", short.clone());
        let b =
            Origins::of(7, "b", long.clone()).merged(&Origins::of(9, "c", short.clone()), |o| *o);
        let merged = a.merged(&b, |o| *o);
        let kept: Vec<_> = merged.iter().map(|(o, i)| (*o, i.clone())).collect();
        assert_eq!(kept, vec![("a", long.clone()), ("c", short)]);
        assert_eq!(
            Origins::<&str>::none()
                .merged(&Origins::none(), |o| *o)
                .iter()
                .count(),
            0
        );
        // The longer one stops being valid once the shorter would.
        fake.0.borrow_mut().truncate(1);
        assert!(!long.still_valid(&fake).unwrap());
    }

    #[test]
    fn corrupt_index_is_an_error() {
        let fake = Fake(RefCell::new(vec![([-1, -1], 1), ([1, -1], 2)]));
        assert!(matches!(
            Snapshot::load(&fake, None),
            Err(LoadError::Graph(GraphError::ParentNotBelowChild { .. }))
        ));
        let fake = Fake(RefCell::new(vec![([-1, -1], 1), ([7, -1], 2)]));
        assert!(matches!(
            Snapshot::load(&fake, None),
            Err(LoadError::Graph(GraphError::ParentOutOfRange(Revision(1))))
        ));
    }

    #[test]
    fn revision_arguments() {
        assert_eq!(revision(5).unwrap(), Revision(5));
        let err = revision(1 << 40).unwrap_err();
        assert_eq!((err.kind, err.values), ("InvalidRevision", vec![1 << 40]));
        assert_eq!(bound(-(1 << 40)), Revision(i32::MIN));
    }
}
