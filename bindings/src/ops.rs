//! The states of the Python-visible objects and the bulk operations, without Python:
//! backends convert arguments, call these (with the GIL released where they compute),
//! and convert results.

use std::sync::Arc;

use hg_core::ancestors::{AncestorsIterator, MissingAncestors};
use hg_core::parallel::{self, Parallelism, SetOp};
use hg_core::{dagops, FirstParent, GraphError, ParentsTable, Revision, RevisionSet};

use crate::shared::BATCH;

/// The graph every native object computes on.
pub type Table = Arc<ParentsTable>;

/// A Python iterator's state: the walk and the ints already produced for Python.
pub struct AncestorsState {
    walk: AncestorsIterator<Table>,
    buffer: Vec<Revision>,
    position: usize,
}

impl AncestorsState {
    /// Start a walk (checks the start revisions).
    pub fn new(
        table: Table,
        initrevs: Vec<Revision>,
        stoprev: Revision,
        inclusive: bool,
    ) -> Result<Self, GraphError> {
        Ok(Self::from_walk(AncestorsIterator::new(
            table, initrevs, stoprev, inclusive,
        )?))
    }

    /// Wrap a walk started elsewhere (`LazyAncestors::iter`).
    pub fn from_walk(walk: AncestorsIterator<Table>) -> Self {
        AncestorsState {
            walk,
            buffer: Vec::new(),
            position: 0,
        }
    }

    /// The next revision, computing a batch when none is buffered (no Python: run it
    /// with the GIL released unless [`Self::next_buffered`] answered).
    pub fn next_revision(&mut self) -> Result<Option<Revision>, GraphError> {
        match self.next_buffered() {
            Some(rev) => Ok(Some(rev)),
            None => self.refill().map(|_| self.next_buffered()),
        }
    }

    /// The next batch of revisions, as plain ints (empty at the end): Python iterates
    /// a list of them far faster than it calls `__next__` once per revision.
    pub fn next_batch(&mut self) -> Result<Vec<i32>, GraphError> {
        if self.position >= self.buffer.len() {
            self.refill()?;
        }
        let batch = self.buffer[self.position..].iter().map(|r| r.0).collect();
        self.position = self.buffer.len();
        Ok(batch)
    }

    /// The next revision if one is buffered; `None` means: call [`Self::next_revision`].
    #[inline]
    pub fn next_buffered(&mut self) -> Option<Revision> {
        let rev = self.buffer.get(self.position).copied();
        self.position += rev.is_some() as usize;
        rev
    }

    fn refill(&mut self) -> Result<bool, GraphError> {
        self.buffer.clear();
        self.position = 0;
        Ok(self.walk.next_batch(&mut self.buffer, BATCH)? > 0)
    }
}

/// `::heads - ::common`, as a set (the revset `only(heads, common)`).
pub fn only(
    table: &Table,
    heads: Vec<Revision>,
    common: Vec<Revision>,
) -> Result<RevisionSet, GraphError> {
    let mut missing = MissingAncestors::new(Arc::clone(table), common)?;
    Ok(missing.missing_ancestors(heads)?.into_iter().collect())
}

/// Every ancestor at once, as a set (the revsets `::x`, `ancestors(x)`).
pub fn ancestors_set(
    table: &Table,
    initrevs: Vec<Revision>,
    stoprev: Revision,
    inclusive: bool,
) -> Result<RevisionSet, GraphError> {
    AncestorsIterator::new(Arc::clone(table), initrevs, stoprev, inclusive)?.collect()
}

/// Mercurial's revset walk (`dag_util.revancestors`): `revs` included, first parents
/// only with `follow_first`, limited to depths `[start_depth, stop_depth)` when given.
pub fn revset_ancestors(
    table: &Table,
    revs: Vec<Revision>,
    follow_first: bool,
    start_depth: Option<i64>,
    stop_depth: Option<i64>,
) -> Result<RevisionSet, GraphError> {
    let (start, stop) = depth_range(start_depth, stop_depth);
    let graph = table.as_ref();
    let walked = match (follow_first, start == 0 && stop == u32::MAX) {
        (false, true) => return ancestors_set(table, revs, Revision(0), true),
        (true, true) => AncestorsIterator::new(FirstParent(graph), revs, Revision(0), true)?
            .collect::<Result<Vec<_>, _>>()?,
        (false, false) => dagops::ancestors_within_depth(graph, &revs, start, stop)?,
        (true, false) => dagops::ancestors_within_depth(&FirstParent(graph), &revs, start, stop)?,
    };
    Ok(walked.into_iter().collect())
}

/// Mercurial's revset descendant walk (`dag_util.revdescendants`): `revs` included,
/// first parents only with `follow_first`, `filtered` revisions skipped. With no
/// depth at all, Mercurial's plain walk, which leaves out filtered `revs`; else its
/// depth-limited walk.
pub fn revset_descendants(
    table: &Table,
    revs: Vec<Revision>,
    follow_first: bool,
    start_depth: Option<i64>,
    stop_depth: Option<i64>,
    filtered: Option<&RevisionSet>,
) -> Result<RevisionSet, GraphError> {
    let plain = start_depth.is_none() && stop_depth.is_none();
    if plain && !follow_first {
        return descendants(table, Revs::List(revs), true, filtered);
    }
    let (start, stop) = depth_range(start_depth, stop_depth);
    let walked =
        dagops::descendants_within_depth(table, &revs, follow_first, filtered, start, stop)?;
    let mut found: RevisionSet = walked.into_iter().collect();
    if let (true, Some(filtered)) = (plain, filtered) {
        for rev in revs.iter().filter(|&&r| filtered.contains(r)) {
            found.remove(*rev);
        }
    }
    Ok(found)
}

/// Depths `[start, stop)` of a walk, from Python's optional ints.
fn depth_range(start_depth: Option<i64>, stop_depth: Option<i64>) -> (u32, u32) {
    let to_depth = |d: i64| d.clamp(0, u32::MAX as i64) as u32;
    (
        start_depth.map_or(0, to_depth),
        stop_depth.map_or(u32::MAX, to_depth),
    )
}

/// Revisions given to a set function: a native set as it is, or Python's ints.
pub enum Revs {
    /// A native `RevisionSet` (never holds nullrev).
    Set(Arc<RevisionSet>),
    /// Ints, as Python gave them (nullrev among them is meaningful).
    List(Vec<Revision>),
}

impl Revs {
    /// The revisions as a set, checked against the table, and whether nullrev was
    /// among them. A native set is not copied.
    pub fn checked(self, table: &ParentsTable) -> Result<(Arc<RevisionSet>, bool), GraphError> {
        match self {
            Revs::Set(set) => match set.max() {
                Some(max) if max.0 as usize >= table.len() => Err(GraphError::InvalidRevision(max)),
                _ => Ok((set, false)),
            },
            Revs::List(revs) => {
                check_all(table, &revs)?;
                let (set, has_null) = split_null(revs);
                Ok((Arc::new(set), has_null))
            }
        }
    }
}

/// A Python set of revisions, split into the bit set and whether it held `nullrev`.
pub fn split_null(revs: Vec<Revision>) -> (RevisionSet, bool) {
    let has_null = revs.contains(&hg_core::NULL_REVISION);
    (revs.into_iter().filter(|r| r.0 >= 0).collect(), has_null)
}

/// Ascending plain ints.
pub fn to_ints(set: &RevisionSet) -> Vec<i32> {
    set.iter().map(|r| r.0).collect()
}

/// Check that every revision is in the table (or -1): set functions take sets, which
/// must not hold revisions the graph does not have.
pub fn check_all(table: &ParentsTable, revs: &[Revision]) -> Result<(), GraphError> {
    for &rev in revs {
        let rev = hg_core::revision::check_input_revision(rev)?;
        if rev.0 >= table.len() as i32 {
            return Err(GraphError::InvalidRevision(rev));
        }
    }
    Ok(())
}

/// Children of a set (`nullrev` among `revs`: the roots are its children).
pub fn children(
    table: &ParentsTable,
    revs: Revs,
    filtered: Option<&RevisionSet>,
) -> Result<RevisionSet, GraphError> {
    let (set, has_null) = revs.checked(table)?;
    Ok(parallel::children(
        table,
        &set,
        has_null,
        filtered,
        Parallelism::current(),
    ))
}

/// Descendants of a set (`nullrev` among `revs`: every revision).
pub fn descendants(
    table: &ParentsTable,
    revs: Revs,
    inclusive: bool,
    filtered: Option<&RevisionSet>,
) -> Result<RevisionSet, GraphError> {
    let (set, has_null) = revs.checked(table)?;
    Ok(dagops::descendants(
        table, &set, has_null, inclusive, filtered,
    ))
}

/// A Python object asked about in `in`: an int within `i32` may be a member,
/// anything else is a member of nothing (never an error).
pub fn member(value: Option<i64>) -> Option<Revision> {
    value.and_then(|v| i32::try_from(v).ok()).map(Revision)
}

/// A `MissingAncestors` object's state: the snapshot it computes on, and the walker.
pub struct MissingState {
    /// The table the walker uses, and the index identity it was copied from.
    pub snapshot: crate::shared::Snapshot,
    /// The walker.
    pub missing: MissingAncestors<Table>,
}

impl MissingState {
    /// Follow the index when it grew (new bases may name new revisions); answers so
    /// far stay true on the longer graph.
    pub fn follow(&mut self, fresh: crate::shared::Snapshot) {
        if fresh.len() > self.snapshot.len() {
            self.missing.extend_graph(fresh.table.clone());
            self.snapshot = fresh;
        }
    }
}

/// What `removeancestorsfrom` removes from the caller's set: the given revisions no
/// longer in `remaining` (`nullrev` always goes).
pub fn removed(given: &[Revision], remaining: &RevisionSet) -> Vec<i32> {
    given
        .iter()
        .filter(|r| !remaining.contains(**r))
        .map(|r| r.0)
        .collect()
}

/// The position of a Python iterator over an immutable [`RevisionSet`], which it reads
/// in batches of growing size: a small first one keeps `next(iter(s))` cheap, large
/// ones amortise the call for long iterations.
pub struct SetCursor {
    set: Arc<RevisionSet>,
    descending: bool,
    /// Where the next batch starts (a member or not); `None` once exhausted.
    from: Option<Revision>,
    batch: usize,
}

const FIRST_SET_BATCH: usize = 64;

impl SetCursor {
    /// Start at the smallest (or, `descending`, the largest) member.
    pub fn new(set: Arc<RevisionSet>, descending: bool) -> Self {
        let from = if descending { set.max() } else { set.min() };
        SetCursor {
            set,
            descending,
            from,
            batch: FIRST_SET_BATCH,
        }
    }

    /// The next members as plain ints, in order; empty at the end.
    pub fn next_batch(&mut self) -> Vec<i32> {
        let Some(from) = self.from else {
            return Vec::new();
        };
        let size = self.batch;
        let batch: Vec<i32> = if self.descending {
            self.set
                .iter_desc_from(from)
                .take(size)
                .map(|r| r.0)
                .collect()
        } else {
            self.set.iter_from(from).take(size).map(|r| r.0).collect()
        };
        self.from = match batch.last() {
            Some(&last) if batch.len() == size && self.descending && last > 0 => {
                Some(Revision(last - 1))
            }
            Some(&last) if batch.len() == size && !self.descending => Some(Revision(last + 1)),
            _ => None,
        };
        self.batch = (size * 2).min(BATCH);
        batch
    }
}

/// Plain ints, in the given order.
pub fn ints(revs: impl IntoIterator<Item = Revision>) -> Vec<i32> {
    revs.into_iter().map(|r| r.0).collect()
}

/// Heads of a set (`dagop.headrevs`), parallel for large sets.
pub fn heads(table: &Table, revs: Revs) -> Result<RevisionSet, GraphError> {
    let (set, _) = revs.checked(table)?;
    parallel::heads(table.as_ref(), &set, Parallelism::current())
}

/// The changes `dagop.headrevssubset`'s set of heads goes through (see
/// [`dagops::heads_subset_changes`]).
pub fn heads_subset_changes(
    table: &Table,
    start: Revision,
    stop: &[Revision],
    filtered: Option<&RevisionSet>,
    canonical_order: bool,
) -> Result<Vec<dagops::HeadsChange>, GraphError> {
    dagops::heads_subset_changes(table, start, stop, filtered, canonical_order)
}

/// Parents of a set, null excluded (the revset `parents(set)`), parallel for large
/// sets.
pub fn parents(table: &Table, revs: Revs) -> Result<RevisionSet, GraphError> {
    let (set, _) = revs.checked(table)?;
    parallel::parents(table.as_ref(), &set, Parallelism::current())
}

/// Membership of each probe (`None`: a Python object no revision equals), in order,
/// parallel for many probes.
pub fn contains_many(set: &RevisionSet, probes: &[Option<Revision>]) -> Vec<bool> {
    let probes: Vec<Revision> = probes
        .iter()
        .map(|p| p.unwrap_or(hg_core::NULL_REVISION))
        .collect();
    parallel::contains_many(set, &probes, Parallelism::current())
}

/// Independent `(heads, common)` missing-ancestors questions, on several threads.
pub fn missing_ancestors_many(
    table: &Table,
    queries: &[(Vec<Revision>, Vec<Revision>)],
) -> Result<Vec<RevisionSet>, GraphError> {
    parallel::missing_ancestors_many(table, queries, Parallelism::current())
}

/// Members of a set with no parent in it, parallel for large sets.
pub fn roots(table: &Table, revs: Revs) -> Result<RevisionSet, GraphError> {
    let (set, _) = revs.checked(table)?;
    parallel::roots(table.as_ref(), &set, Parallelism::current())
}

/// Heads of the whole graph up to `stop` (C's `headrevs`), parallel for large graphs.
pub fn graph_heads(table: &Table, filtered: Option<&RevisionSet>, stop: Option<usize>) -> Vec<i32> {
    ints(parallel::graph_heads(
        table,
        filtered,
        stop.unwrap_or(usize::MAX),
        Parallelism::current(),
    ))
}

/// `reachableroots2`, ascending (`nullrev` first when it is a reachable root).
pub fn reachable_roots(
    table: &Table,
    minroot: Revision,
    heads: &[Revision],
    roots: &[Revision],
    include_path: bool,
) -> Result<Vec<Revision>, GraphError> {
    dagops::reachable_roots(table.as_ref(), minroot, heads, roots, include_path)
}

/// The revset span `start..end` without `excluded` (a repoview's hidden revisions).
pub fn span(start: i64, end: i64, excluded: Option<&RevisionSet>) -> RevisionSet {
    let clamp = |v: i64| Revision(v.clamp(0, i32::MAX as i64) as i32);
    let mut set = RevisionSet::span(clamp(start), clamp(end));
    if let Some(excluded) = excluded {
        set.difference_with(excluded);
    }
    set
}

/// Heads of the common ancestors, descending (C's order).
pub fn common_ancestors_heads(table: &Table, revs: &[Revision]) -> Result<Vec<i32>, GraphError> {
    dagops::common_ancestors_heads(table.as_ref(), revs).map(ints)
}

/// The deepest common ancestors, ascending.
pub fn deepest_common_ancestors(table: &Table, revs: &[Revision]) -> Result<Vec<i32>, GraphError> {
    dagops::deepest_common_ancestors(table.as_ref(), revs).map(ints)
}

/// Whether `a` is an ancestor of `b`.
pub fn is_ancestor(table: &Table, a: Revision, b: Revision) -> Result<bool, GraphError> {
    dagops::is_ancestor(table.as_ref(), a, b)
}

/// Many is-ancestor questions at once, in parallel: is `a[i]` an ancestor of `b[i]`?
/// Paired as Python's `zip` pairs (up to the shorter).
pub fn is_ancestor_many(
    table: &Table,
    a: Vec<Revision>,
    b: Vec<Revision>,
) -> Result<Vec<bool>, GraphError> {
    let pairs: Vec<(Revision, Revision)> = a.into_iter().zip(b).collect();
    parallel::is_ancestor_many(table.as_ref(), &pairs, Parallelism::current())
}

/// Set algebra between native sets, parallel for large sets.
pub fn combine(a: &RevisionSet, b: &RevisionSet, op: SetOp) -> RevisionSet {
    parallel::combine(a, b, op, Parallelism::current())
}
