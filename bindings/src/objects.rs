//! The state and methods of the module's classes, written once: each backend's class
//! holds one of these and forwards every method to it.
//!
//! Every object computed from an index checks, before it answers, that the index still
//! holds what it was computed on ([`crate::index::Identity`]): after a strip it raises
//! `RuntimeError` instead of answering for a graph that is gone. Each item of an
//! iteration checks the strips the extension reports, `in` makes the quick check,
//! everything else (and each batch of an iteration) the full one ([`Check`]).

use std::sync::{Arc, Mutex};

use hg_core::ancestors::{LazyAncestors as CoreLazy, MissingAncestors as CoreMissing};
use hg_core::bitset::SetOp;
use hg_core::{GraphError, Revision, RevisionSet};

use crate::args::{self, ErrorArgs};
use crate::host::{detached, graph_error, lock, Host};
use crate::index::{check_reported, check_valid, snapshot, Check, Identity, Snapshot};
use crate::ops::{self, AncestorsCursor, Revs, SetCursor, Table};
use crate::{pool, Obj, PyErr};

/// A revisions argument as a backend extracts it: a native set, or Python ints.
pub enum RevsArg {
    /// A `RevisionSet` (its members are checked valid when used).
    Native(SetData),
    /// Any other iterable of ints.
    Ints(Vec<i64>),
}

/// A `Queries` argument: `(heads, common)` pairs of revisions arguments.
#[cfg(feature = "bench")]
pub struct Queries(pub Vec<(RevsArg, RevsArg)>);

impl RevsArg {
    /// The revisions, in the order given (a native set: ascending).
    pub fn list<H: Host>(self, h: H) -> Result<Vec<Revision>, PyErr> {
        match self {
            RevsArg::Native(set) => Ok(set.members(h)?.iter().collect()),
            RevsArg::Ints(ints) => ints
                .into_iter()
                .map(|v| args::revision(v).map_err(|e| h.graph_error(e)))
                .collect(),
        }
    }

    /// The revisions for a set function: a native set is taken as it is.
    pub fn revs<H: Host>(self, h: H) -> Result<Revs, PyErr> {
        match self {
            RevsArg::Native(set) => Ok(Revs::Set(Arc::clone(set.members(h)?))),
            ints => ints.list(h).map(Revs::List),
        }
    }

    /// A set of revisions known to the caller (a repoview's filtered revisions): null
    /// is dropped.
    pub fn set<H: Host>(self, h: H) -> Result<RevisionSet, PyErr> {
        match self {
            RevsArg::Native(set) => Ok(RevisionSet::clone(set.members(h)?)),
            ints => Ok(ops::split_null(ints.list(h)?).0),
        }
    }

    /// The members of a new `RevisionSet`: revisions, neither null nor the working
    /// directory (else `GraphError`).
    pub fn members<H: Host>(self, h: H) -> Result<RevisionSet, PyErr> {
        match self {
            RevsArg::Native(set) => Ok(RevisionSet::clone(set.members(h)?)),
            RevsArg::Ints(ints) => ints
                .into_iter()
                .map(|v| args::set_member(v).map_err(|e| h.graph_error(e)))
                .collect(),
        }
    }
}

/// An optional filtered-revisions argument.
pub fn filtered<H: Host>(h: H, revs: Option<RevsArg>) -> Result<Option<RevisionSet>, PyErr> {
    revs.map(|revs| revs.set(h)).transpose()
}

/// A revision argument.
pub fn revision<H: Host>(h: H, value: i64) -> Result<Revision, PyErr> {
    args::revision(value).map_err(|e| h.graph_error(e))
}

fn core<H: Host, T>(h: H, result: Result<T, GraphError>) -> Result<T, PyErr> {
    result.map_err(|e| graph_error(h, e))
}

// --- computed sets --------------------------------------------------------------

/// The indexes whose revisions a native set's members are (a reference to each), with
/// their identity when the members were computed. A set computed by an index function
/// has one; sets made from Python ints have none; set algebra unites them.
pub struct Origins(Vec<(usize, Obj, Identity)>);

impl Origins {
    /// No origin: plain revision numbers, always valid.
    pub const fn none() -> Self {
        Origins(Vec::new())
    }

    /// Computed from `index` as it was (`identity`).
    pub fn of<H: Host>(h: H, index: &Obj, identity: Identity) -> Self {
        Origins(vec![(H::address(index), h.clone_ref(index), identity)])
    }

    /// The origins of a set computed from two (both just checked valid): per index,
    /// the longer identity, which stays valid only while the shorter does.
    fn merged<H: Host>(&self, h: H, other: &Self) -> Self {
        let mut merged = self.cloned(h);
        for (key, index, identity) in &other.0 {
            match merged.0.iter_mut().find(|(k, _, _)| k == key) {
                Some(mine) if mine.2.len() < identity.len() => mine.2 = identity.clone(),
                Some(_) => {}
                None => merged.0.push((*key, h.clone_ref(index), identity.clone())),
            }
        }
        merged
    }

    /// The same origins, for another set.
    pub fn cloned<H: Host>(&self, h: H) -> Self {
        Origins(
            self.0
                .iter()
                .map(|(k, o, i)| (*k, h.clone_ref(o), i.clone()))
                .collect(),
        )
    }

    fn check<H: Host>(&self, h: H, check: Check) -> Result<(), PyErr> {
        for (_, index, identity) in &self.0 {
            check_valid(h, index, identity, check)?;
        }
        Ok(())
    }

    fn check_reported<H: Host>(&self, h: H) -> Result<(), PyErr> {
        for (_, _, identity) in &self.0 {
            check_reported(h, identity)?;
        }
        Ok(())
    }
}

/// An immutable set of revisions backed by bits (`RevisionSet`): `len`, `in` and set
/// algebra stay in Rust; Python ints are made only when iterated.
pub struct SetData {
    set: Arc<RevisionSet>,
    origins: Origins,
}

impl SetData {
    /// Plain revision numbers (from Python ints, or a span).
    pub fn plain(set: RevisionSet) -> Self {
        SetData {
            set: Arc::new(set),
            origins: Origins::none(),
        }
    }

    /// A set computed from the index of `origins`.
    pub fn computed(set: RevisionSet, origins: Origins) -> Self {
        SetData {
            set: Arc::new(set),
            origins,
        }
    }

    /// Another handle on the same set.
    pub fn clone_ref<H: Host>(&self, h: H) -> Self {
        SetData {
            set: Arc::clone(&self.set),
            origins: self.origins.cloned(h),
        }
    }

    /// `RevisionSet(revs=None)`.
    pub fn new<H: Host>(h: H, revs: Option<RevsArg>) -> Result<Self, PyErr> {
        Ok(SetData::plain(match revs {
            Some(revs) => revs.members(h)?,
            None => RevisionSet::new(),
        }))
    }

    /// `RevisionSet.span(start, end, excluded=None)`: every revision in `start..end`
    /// but `excluded`, made without Python ints.
    pub fn span<H: Host>(
        h: H,
        start: i64,
        end: i64,
        excluded: Option<RevsArg>,
    ) -> Result<Self, PyErr> {
        let excluded = filtered(h, excluded)?;
        Ok(SetData::plain(ops::span(start, end, excluded.as_ref())))
    }

    /// The members, once every index they are revisions of is checked unchanged.
    pub fn members<H: Host>(&self, h: H) -> Result<&Arc<RevisionSet>, PyErr> {
        self.origins.check(h, Check::Full)?;
        Ok(&self.set)
    }

    /// `rev in set`: any object may be asked about.
    pub fn contains<H: Host>(&self, h: H, value: Option<i64>) -> Result<bool, PyErr> {
        self.origins.check(h, Check::Quick)?;
        Ok(args::member(value).is_some_and(|r| self.set.contains(r)))
    }

    /// `len(set)`.
    pub fn len<H: Host>(&self, h: H) -> Result<usize, PyErr> {
        Ok(self.members(h)?.len())
    }

    /// `bool(set)`.
    pub fn is_not_empty<H: Host>(&self, h: H) -> Result<bool, PyErr> {
        Ok(!self.members(h)?.is_empty())
    }

    /// The smallest member, or `None`.
    pub fn min<H: Host>(&self, h: H) -> Result<Option<i32>, PyErr> {
        Ok(self.members(h)?.min().map(|r| r.0))
    }

    /// The largest member, or `None`.
    pub fn max<H: Host>(&self, h: H) -> Result<Option<i32>, PyErr> {
        Ok(self.members(h)?.max().map(|r| r.0))
    }

    /// The members as a list, ascending (or descending).
    pub fn to_list<H: Host>(&self, h: H, descending: bool) -> Result<Vec<i32>, PyErr> {
        let mut revs = ops::to_ints(self.members(h)?);
        if descending {
            revs.reverse();
        }
        Ok(revs)
    }

    /// Membership of each probe, in order (parallel for many).
    #[cfg(feature = "bench")]
    pub fn contains_many<H: Host>(&self, h: H, probes: &[Revision]) -> Result<Vec<bool>, PyErr> {
        let set = Arc::clone(self.members(h)?);
        let (par, warning) = pool::parallelism();
        report(h, warning)?;
        Ok(h.detach(|| hg_core::parallel::contains_many(&set, probes, &par)))
    }

    /// `self op other`, computed without the GIL.
    pub fn combine<H: Host>(&self, h: H, other: &SetData, op: SetOp) -> Result<SetData, PyErr> {
        let (mine, theirs) = (Arc::clone(self.members(h)?), Arc::clone(other.members(h)?));
        let (par, warning) = pool::parallelism();
        report(h, warning)?;
        let set = h.detach(|| ops::combine(&mine, &theirs, op, &par));
        Ok(SetData::computed(
            set,
            self.origins.merged(h, &other.origins),
        ))
    }

    /// `self == other` for two native sets.
    pub fn equals<H: Host>(&self, h: H, other: &SetData) -> Result<bool, PyErr> {
        Ok(**self.members(h)? == **other.members(h)?)
    }

    /// `repr(set)`: its length, as computed (without checking).
    pub fn repr(&self) -> String {
        format!("<RevisionSet len={}>", self.set.len())
    }

    /// An iteration, ascending (or descending).
    pub fn iter<H: Host>(&self, h: H, descending: bool) -> Result<SetIter, PyErr> {
        let members = Arc::clone(self.members(h)?);
        Ok(SetIter {
            set: self.clone_ref(h),
            cursor: Mutex::new(SetCursor::new(members, descending)),
        })
    }
}

/// An iteration over a [`SetData`] (`RevisionSetIterator`).
pub struct SetIter {
    set: SetData,
    cursor: Mutex<SetCursor>,
}

impl SetIter {
    /// The next member, or `None` at the end; raises once the set's index was stripped.
    pub fn next<H: Host>(&self, h: H) -> Result<Option<i32>, PyErr> {
        self.set.origins.check_reported(h)?;
        if let Some(rev) = lock(h, &self.cursor).next_buffered() {
            return Ok(Some(rev));
        }
        // Nothing buffered: ints are made a batch at a time, after the full check.
        self.set.origins.check(h, Check::Full)?;
        let mut cursor = lock(h, &self.cursor);
        if let Some(rev) = cursor.next_buffered() {
            return Ok(Some(rev)); // another thread refilled it meanwhile
        }
        Ok(if cursor.refill() {
            cursor.next_buffered()
        } else {
            None
        })
    }
}

// --- lazy ancestors -------------------------------------------------------------

/// A lazily computed ancestor set (`LazyAncestors`, `ancestor.lazyancestors`).
pub struct LazyData {
    index: Obj,
    snapshot: Snapshot,
    lazy: Mutex<CoreLazy<Table>>,
}

impl LazyData {
    /// `LazyAncestors(index, initrevs, stoprev=0, inclusive=False)`.
    pub fn new<H: Host>(
        h: H,
        index: Obj,
        initrevs: RevsArg,
        stoprev: i64,
        inclusive: bool,
    ) -> Result<Self, PyErr> {
        let initrevs = initrevs.list(h)?;
        let snapshot = snapshot(h, &index)?;
        let lazy = core(
            h,
            CoreLazy::new(
                snapshot.table.clone(),
                initrevs,
                args::bound(stoprev),
                inclusive,
            ),
        )?;
        Ok(LazyData {
            index,
            snapshot,
            lazy: Mutex::new(lazy),
        })
    }

    /// `rev in lazy`: any object may be asked about; only ints in range are members.
    pub fn contains<H: Host>(&self, h: H, value: Option<i64>) -> Result<bool, PyErr> {
        let Some(target) = args::member(value) else {
            return Ok(false);
        };
        check_valid(h, &self.index, self.snapshot.identity(), Check::Quick)?;
        if let Ok(lazy) = self.lazy.try_lock() {
            if let Some(answer) = lazy.contains_cached(target) {
                return Ok(answer);
            }
        }
        let mut lazy = lock(h, &self.lazy);
        let lazy = &mut *lazy;
        detached(h, |_| lazy.contains(target))
    }

    /// A fresh walk, descending.
    pub fn iter<H: Host>(&self, h: H) -> Result<AncestorsIter, PyErr> {
        check_valid(h, &self.index, self.snapshot.identity(), Check::Full)?;
        let walk = lock(h, &self.lazy).iter();
        Ok(AncestorsIter {
            index: h.clone_ref(&self.index),
            identity: self.snapshot.identity().clone(),
            cursor: Mutex::new(AncestorsCursor::new(walk)),
        })
    }

    /// `bool(lazy)`, without walking.
    pub fn is_not_empty<H: Host>(&self, h: H) -> Result<bool, PyErr> {
        check_valid(h, &self.index, self.snapshot.identity(), Check::Full)?;
        Ok(!lock(h, &self.lazy).is_empty())
    }
}

/// Ancestors in descending order (`AncestorsIterator`, `ancestor._lazyancestorsiter`).
pub struct AncestorsIter {
    index: Obj,
    identity: Identity,
    cursor: Mutex<AncestorsCursor>,
}

impl AncestorsIter {
    /// `AncestorsIterator(index, initrevs, stoprev=0, inclusive=False)`.
    pub fn new<H: Host>(
        h: H,
        index: Obj,
        initrevs: RevsArg,
        stoprev: i64,
        inclusive: bool,
    ) -> Result<Self, PyErr> {
        let lazy = LazyData::new(h, index, initrevs, stoprev, inclusive)?;
        lazy.iter(h)
    }

    /// The next ancestor, or `None` at the end; raises once the index was stripped.
    pub fn next<H: Host>(&self, h: H) -> Result<Option<i32>, PyErr> {
        check_reported(h, &self.identity)?;
        if let Ok(mut cursor) = self.cursor.try_lock() {
            if let Some(rev) = cursor.next_buffered() {
                return Ok(Some(rev));
            }
        }
        check_valid(h, &self.index, &self.identity, Check::Full)?;
        let mut cursor = lock(h, &self.cursor);
        if let Some(rev) = cursor.next_buffered() {
            return Ok(Some(rev));
        }
        let cursor = &mut *cursor;
        if !detached(h, |_| cursor.refill())? {
            return Ok(None);
        }
        Ok(cursor.next_buffered())
    }
}

// --- missing ancestors ----------------------------------------------------------

/// A `MissingAncestors` object's state: the snapshot it computes on, and the walker.
struct MissingState {
    snapshot: Snapshot,
    missing: CoreMissing<Table>,
}

/// Incremental missing ancestors (`MissingAncestors`,
/// `ancestor.incrementalmissingancestors`; `bases` is a method here, as in Mercurial's
/// Rust: the extension presents it as an attribute). Follows the index when it grows.
pub struct MissingData {
    index: Obj,
    state: Mutex<MissingState>,
}

impl MissingData {
    /// `MissingAncestors(index, bases)`.
    pub fn new<H: Host>(h: H, index: Obj, bases: RevsArg) -> Result<Self, PyErr> {
        let bases = bases.list(h)?;
        let snapshot = snapshot(h, &index)?;
        let missing = core(h, CoreMissing::new(snapshot.table.clone(), bases))?;
        Ok(MissingData {
            index,
            state: Mutex::new(MissingState { snapshot, missing }),
        })
    }

    /// Run `f` on the walker without the GIL, after refusing if the index was stripped
    /// and following it if it grew (new bases may name new revisions). The index is
    /// read before the state is locked.
    fn with<H: Host, T: Send>(
        &self,
        h: H,
        f: impl FnOnce(&mut CoreMissing<Table>) -> Result<T, GraphError> + Send,
    ) -> Result<T, PyErr> {
        let identity = lock(h, &self.state).snapshot.identity().clone();
        check_valid(h, &self.index, &identity, Check::Full)?;
        let fresh = snapshot(h, &self.index)?;
        let mut state = lock(h, &self.state);
        if fresh.len() > state.snapshot.len() {
            state.missing.extend_graph(fresh.table.clone());
            state.snapshot = fresh;
        }
        let missing = &mut state.missing;
        detached(h, |_| f(missing))
    }

    /// Whether the bases hold any revision besides null.
    pub fn has_bases<H: Host>(&self, h: H) -> Result<bool, PyErr> {
        self.with(h, |m| Ok(m.has_bases()))
    }

    /// Grow the bases.
    pub fn add_bases<H: Host>(&self, h: H, bases: RevsArg) -> Result<(), PyErr> {
        let bases = bases.list(h)?;
        self.with(h, |m| m.add_bases(bases))
    }

    /// The bases, null included when it is one.
    pub fn bases<H: Host>(&self, h: H) -> Result<Vec<i32>, PyErr> {
        self.with(h, |m| {
            let (set, has_null) = m.bases();
            let mut bases = ops::to_ints(set);
            bases.extend(has_null.then_some(-1));
            Ok(bases)
        })
    }

    /// The heads of the bases.
    pub fn bases_heads<H: Host>(&self, h: H) -> Result<Vec<i32>, PyErr> {
        self.with(h, |m| m.bases_heads().map(|s| ops::to_ints(&s)))
    }

    /// What `removeancestorsfrom(revs)` removes from the caller's set (the backend
    /// discards them from it, as Mercurial mutates it in place).
    pub fn remove_ancestors_from<H: Host>(&self, h: H, given: Vec<i64>) -> Result<Vec<i32>, PyErr> {
        let given = RevsArg::Ints(given).list(h)?;
        let (mut set, _) = ops::split_null(given.clone());
        self.with(h, |m| m.remove_ancestors_from(&mut set))?;
        Ok(ops::removed(&given, &set))
    }

    /// `::revs - ::bases`, ascending.
    pub fn missing_ancestors<H: Host>(&self, h: H, revs: RevsArg) -> Result<Vec<i32>, PyErr> {
        let revs = revs.list(h)?;
        let missing = self.with(h, |m| m.missing_ancestors(revs))?;
        Ok(ops::ints(missing))
    }
}

/// Tell the extension, once, that the thread pool could not be built.
pub fn report<H: Host>(h: H, warning: Option<String>) -> Result<(), PyErr> {
    let Some(message) = warning else {
        return Ok(());
    };
    match crate::api::warning_callback(h) {
        Some(callback) => h.call_with_message(&callback, &message),
        None => Ok(()),
    }
}

/// The docstrings of the classes' methods, written once for both backends (which
/// take them as `#[doc = doc!(name)]`).
#[macro_export]
macro_rules! doc {
    (AncestorsIterator) => {
        "Ancestors in descending order (`ancestor._lazyancestorsiter`)."
    };
    (LazyAncestors) => {
        "A lazily computed ancestor set (`ancestor.lazyancestors`)."
    };
    (MissingAncestors) => {
        "Incremental missing ancestors (`ancestor.incrementalmissingancestors`; `bases` is a\nmethod here, as in Mercurial's Rust: the extension presents it as an attribute)."
    };
    (RevisionSet) => {
        "An immutable set of revisions backed by bits: `len`, `in` and set algebra stay in\nRust; Python ints are made only when iterated. A set computed from an index answers\nonly while that index still has what it was computed on (else `RuntimeError`)."
    };
    (RevisionSetIterator) => {
        "An iteration over a `RevisionSet`, which it checks before each item."
    };
    (hasbases) => {
        "Whether the bases hold any revision besides null."
    };
    (addbases) => {
        "Add revisions to the bases."
    };
    (bases) => {
        "The bases, as a set (holding null when there is no other)."
    };
    (basesheads) => {
        "The heads of the bases, as a set."
    };
    (removeancestorsfrom) => {
        "Remove from the set `revs`, in place, every ancestor of the bases."
    };
    (missingancestors) => {
        "The ancestors of `revs` that are not ancestors of the bases, ascending."
    };
    (span) => {
        "Every revision in `start..end` but `excluded`: a revset span, made without Python ints."
    };
    (descending) => {
        "Iterate in descending order."
    };
    (min) => {
        "The smallest member, or None."
    };
    (max) => {
        "The largest member, or None."
    };
    (tolist) => {
        "The members as a list, ascending (or descending)."
    };
}

/// A `GraphError` from its arguments (for backends' own argument checks).
pub fn graph_error_args<H: Host>(h: H, args: ErrorArgs) -> PyErr {
    h.graph_error(args)
}
