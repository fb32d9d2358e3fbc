//! Computations on a copied parents table, without Python: what the module's functions
//! and objects compute once their arguments are converted. Run without the GIL.

use std::sync::Arc;

use hg_core::ancestors::{AncestorsIterator, MissingAncestors};
use hg_core::bitset::SetOp;
use hg_core::discovery::{self, Direction};
use hg_core::graph::check_revision;
use hg_core::interrupt::Interrupt;
use hg_core::parallel::{self, Parallelism};
use hg_core::{
    common_ancestors, dagops, depth, Follow, Followed, GraphError, ParentsTable, Revision,
    RevisionSet,
};

use crate::args::depth_range;

/// The graph every native object computes on.
pub type Table = Arc<ParentsTable>;

/// How many Python ints an iteration computes per refill: large enough to amortise a
/// refill (and its full identity check), small enough to keep `next(iter(...))` cheap
/// (the first batches are smaller still, see [`SetCursor`]).
pub const BATCH: usize = 4096;

/// Revisions given to a set function: a native set as it is, or Python's ints.
pub enum Revs {
    /// A native `RevisionSet` (never holds nullrev), already checked valid.
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

/// Revisions checked in range (or -1): the bit set of the others, and whether -1 was
/// among them.
pub fn split_null(revs: Vec<Revision>) -> (RevisionSet, bool) {
    let has_null = revs.contains(&hg_core::NULL_REVISION);
    (revs.into_iter().filter(|r| r.0 >= 0).collect(), has_null)
}

/// Check that every revision is in the table (or -1): set functions take sets, which
/// must not hold revisions the graph does not have.
pub fn check_all(table: &ParentsTable, revs: &[Revision]) -> Result<(), GraphError> {
    revs.iter()
        .try_for_each(|&rev| check_revision(table, rev).map(drop))
}

/// Ascending plain ints.
pub fn to_ints(set: &RevisionSet) -> Vec<i32> {
    set.iter().map(|r| r.0).collect()
}

/// Plain ints, in the given order.
pub fn ints(revs: impl IntoIterator<Item = Revision>) -> Vec<i32> {
    revs.into_iter().map(|r| r.0).collect()
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

/// Mercurial's revset walk (`dag_util.revancestors`): `revs` included, the parents
/// `follow` says, limited to depths `[start_depth, stop_depth)` when given.
pub fn revset_ancestors(
    table: &Table,
    revs: Vec<Revision>,
    follow: Follow,
    start_depth: Option<i64>,
    stop_depth: Option<i64>,
    interrupt: &dyn Interrupt,
) -> Result<RevisionSet, GraphError> {
    let (start, stop) = depth_range(start_depth, stop_depth);
    let graph = Followed {
        graph: table.as_ref(),
        follow,
    };
    if start == 0 && stop == u32::MAX {
        return match follow {
            Follow::All => ancestors_set(table, revs, Revision(0), true),
            Follow::First { .. } => {
                AncestorsIterator::new(graph, revs, Revision(0), true)?.collect()
            }
        };
    }
    let walked = depth::ancestors_within_depth(&graph, &revs, start, stop, interrupt)?;
    Ok(walked.into_iter().collect())
}

/// Mercurial's revset descendant walk (`dag_util.revdescendants`): `revs` included,
/// the parents `follow` says, `filtered` revisions skipped. With no depth at all,
/// Mercurial's plain walk, which leaves out filtered `revs`; else its depth-limited
/// walk.
pub fn revset_descendants(
    table: &Table,
    revs: Vec<Revision>,
    follow: Follow,
    start_depth: Option<i64>,
    stop_depth: Option<i64>,
    filtered: Option<&RevisionSet>,
    interrupt: &dyn Interrupt,
) -> Result<RevisionSet, GraphError> {
    let plain = start_depth.is_none() && stop_depth.is_none();
    if plain && follow == Follow::All {
        return descendants(table, Revs::List(revs), true, filtered);
    }
    let (start, stop) = depth_range(start_depth, stop_depth);
    let walked =
        depth::descendants_within_depth(table, &revs, follow, filtered, start, stop, interrupt)?;
    let mut found: RevisionSet = walked.into_iter().collect();
    if let (true, Some(filtered)) = (plain, filtered) {
        for rev in revs.iter().filter(|&&r| filtered.contains(r)) {
            found.remove(*rev);
        }
    }
    Ok(found)
}

/// Children of a set (`nullrev` among `revs`: the roots are its children).
pub fn children(
    table: &ParentsTable,
    revs: Revs,
    filtered: Option<&RevisionSet>,
    par: &Parallelism,
) -> Result<RevisionSet, GraphError> {
    let (set, has_null) = revs.checked(table)?;
    Ok(parallel::children(table, &set, has_null, filtered, par))
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

/// Heads of a set (`dagop.headrevs`), parallel for large sets.
pub fn heads(table: &Table, revs: Revs, par: &Parallelism) -> Result<RevisionSet, GraphError> {
    let (set, _) = revs.checked(table)?;
    parallel::heads(table.as_ref(), &set, par)
}

/// Parents of a set, null excluded (the revset `parents(set)`), parallel for large
/// sets.
pub fn parents(table: &Table, revs: Revs, par: &Parallelism) -> Result<RevisionSet, GraphError> {
    let (set, _) = revs.checked(table)?;
    parallel::parents(table.as_ref(), &set, par)
}

/// Members of a set with no parent in it, parallel for large sets.
pub fn roots(table: &Table, revs: Revs, par: &Parallelism) -> Result<RevisionSet, GraphError> {
    let (set, _) = revs.checked(table)?;
    parallel::roots(table.as_ref(), &set, par)
}

/// The members of `through` reachable from `starts` through members of `through`
/// only (`repoview._revealancestors`); null is neither a start nor reached.
pub fn ancestors_through(
    table: &Table,
    starts: Revs,
    through: Revs,
) -> Result<RevisionSet, GraphError> {
    let (starts, _) = starts.checked(table)?;
    let (through, _) = through.checked(table)?;
    dagops::ancestors_through(table.as_ref(), &starts, &through)
}

/// The members of `through` reachable from `sources` through members of `through`
/// only, by child links (`obsolete._computeorphanset`).
pub fn descendants_through(
    table: &Table,
    sources: Revs,
    through: Revs,
) -> Result<RevisionSet, GraphError> {
    let (sources, _) = sources.checked(table)?;
    let (through, _) = through.checked(table)?;
    dagops::descendants_through(table.as_ref(), &sources, &through)
}

/// The set setdiscovery's sampling walk stays in, and its way (see
/// `hg_core::discovery::Direction`).
pub enum SampleWalk {
    /// To parents, within a set or the whole graph.
    Parents(Option<Revs>),
    /// To children, within a set.
    Children(Revs),
}

/// Setdiscovery's sampling walk (`_updatesample`): the revisions added to `sample`,
/// in order.
pub fn sample_walk(
    table: &Table,
    walk: SampleWalk,
    starts: Vec<Revision>,
    sample: Revs,
    target: usize,
) -> Result<Vec<i32>, GraphError> {
    check_all(table, &starts)?;
    let (sample, _) = sample.checked(table)?;
    let (within, children) = match walk {
        SampleWalk::Parents(within) => (within.map(|w| w.checked(table)).transpose()?, false),
        SampleWalk::Children(within) => (Some(within.checked(table)?), true),
    };
    let within = within.as_ref().map(|(set, _)| set.as_ref());
    let direction = match within {
        Some(within) if children => Direction::Children(within),
        within => Direction::Parents(within),
    };
    let added = discovery::sample_walk(table.as_ref(), direction, &starts, &sample, target)?;
    Ok(added.into_iter().map(|r| r.0).collect())
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

/// `reachableroots2`, in its order (`revlog.reachableroots`' list).
pub fn reachable_roots_in_walk_order(
    table: &Table,
    minroot: Revision,
    heads: &[Revision],
    roots: &[Revision],
    include_path: bool,
) -> Result<Vec<Revision>, GraphError> {
    dagops::reachable_roots_in_walk_order(table, minroot, heads, roots, include_path)
}

/// `reachableroots2` as a set (the revset `x::y`): null is never a member.
pub fn reachable_roots_set(
    table: &Table,
    minroot: Revision,
    heads: &[Revision],
    roots: &[Revision],
    include_path: bool,
) -> Result<RevisionSet, GraphError> {
    let found = dagops::reachable_roots(table.as_ref(), minroot, heads, roots, include_path)?;
    Ok(found.into_iter().filter(|r| !r.is_null()).collect())
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
pub fn common_ancestors_heads(
    table: &Table,
    revs: &[Revision],
    interrupt: &dyn Interrupt,
) -> Result<Vec<i32>, GraphError> {
    common_ancestors::common_ancestors_heads(table.as_ref(), revs, interrupt).map(ints)
}

/// The deepest common ancestors, ascending.
pub fn deepest_common_ancestors(
    table: &Table,
    revs: &[Revision],
    interrupt: &dyn Interrupt,
) -> Result<Vec<i32>, GraphError> {
    common_ancestors::deepest_common_ancestors(table.as_ref(), revs, interrupt).map(ints)
}

/// Set algebra between native sets, parallel for large sets.
pub fn combine(a: &RevisionSet, b: &RevisionSet, op: SetOp, par: &Parallelism) -> RevisionSet {
    parallel::combine(a, b, op, par)
}

/// The position of an iteration over an immutable [`RevisionSet`], which it reads in
/// batches of growing size: a small first one keeps `next(iter(s))` cheap, large
/// ones amortise refills for long iterations.
pub struct SetCursor {
    set: Arc<RevisionSet>,
    descending: bool,
    /// Where the next batch starts (a member or not); `None` once exhausted.
    from: Option<Revision>,
    batch: usize,
    buffer: Vec<i32>,
    position: usize,
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
            buffer: Vec::new(),
            position: 0,
        }
    }

    /// The next member if one is buffered; `None` means: [`Self::refill`], then ask
    /// again (the caller checks the set's identity between the two).
    #[inline]
    pub fn next_buffered(&mut self) -> Option<i32> {
        let rev = self.buffer.get(self.position).copied();
        self.position += rev.is_some() as usize;
        rev
    }

    /// Buffer the next members, in order; false at the end.
    pub fn refill(&mut self) -> bool {
        self.buffer.clear();
        self.position = 0;
        let Some(from) = self.from else {
            return false;
        };
        let size = self.batch;
        if self.descending {
            self.buffer
                .extend(self.set.iter_desc_from(from).take(size).map(|r| r.0));
        } else {
            self.buffer
                .extend(self.set.iter_from(from).take(size).map(|r| r.0));
        }
        self.from = match self.buffer.last() {
            Some(&last) if self.buffer.len() == size && self.descending && last > 0 => {
                Some(Revision(last - 1))
            }
            Some(&last) if self.buffer.len() == size && !self.descending => {
                Some(Revision(last + 1))
            }
            _ => None,
        };
        self.batch = (size * 2).min(BATCH);
        !self.buffer.is_empty()
    }
}

/// An ancestors iteration's state: the walk, and the revisions computed ahead.
pub struct AncestorsCursor {
    walk: AncestorsIterator<Table>,
    buffer: Vec<Revision>,
    position: usize,
}

impl AncestorsCursor {
    /// Iterate `walk`.
    pub fn new(walk: AncestorsIterator<Table>) -> Self {
        AncestorsCursor {
            walk,
            buffer: Vec::new(),
            position: 0,
        }
    }

    /// As [`SetCursor::next_buffered`].
    #[inline]
    pub fn next_buffered(&mut self) -> Option<i32> {
        let rev = self.buffer.get(self.position).copied();
        self.position += rev.is_some() as usize;
        rev.map(|r| r.0)
    }

    /// Compute the next batch of the walk; false at the end.
    pub fn refill(&mut self) -> Result<bool, GraphError> {
        self.buffer.clear();
        self.position = 0;
        Ok(self.walk.next_batch(&mut self.buffer, BATCH)? > 0)
    }
}

/// Whether `a` is an ancestor of `b`.
pub fn is_ancestor(table: &Table, a: Revision, b: Revision) -> Result<bool, GraphError> {
    dagops::is_ancestor(table.as_ref(), a, b)
}

#[cfg(feature = "bench")]
/// Heads of the whole graph up to `stop` (C's `headrevs`), parallel for large graphs.
pub fn graph_heads(
    table: &Table,
    filtered: Option<&RevisionSet>,
    stop: Option<usize>,
    par: &Parallelism,
) -> Vec<i32> {
    ints(parallel::graph_heads(
        table,
        filtered,
        stop.unwrap_or(usize::MAX),
        par,
    ))
}

#[cfg(feature = "bench")]
/// Independent `(heads, common)` missing-ancestors questions, on several threads.
pub fn missing_ancestors_many(
    table: &Table,
    queries: &[(Vec<Revision>, Vec<Revision>)],
    par: &Parallelism,
) -> Result<Vec<RevisionSet>, GraphError> {
    parallel::missing_ancestors_many(table, queries, par)
}

#[cfg(feature = "bench")]
/// Many is-ancestor questions at once, in parallel: is `a[i]` an ancestor of `b[i]`?
/// Paired as Python's `zip` pairs (up to the shorter).
pub fn is_ancestor_many(
    table: &Table,
    a: Vec<Revision>,
    b: Vec<Revision>,
    par: &Parallelism,
) -> Result<Vec<bool>, GraphError> {
    let pairs: Vec<(Revision, Revision)> = a.into_iter().zip(b).collect();
    parallel::is_ancestor_many(table.as_ref(), &pairs, par)
}
