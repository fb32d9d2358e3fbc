//! rayon kernels for what splits: work per revision that does not depend on other
//! revisions (heads of the whole graph, children of a set, heads and roots of a set),
//! bit algebra on large sets, and batches of independent queries.
//!
//! A single ancestors, descendants or missing-ancestors sweep is sequential (a
//! revision depends on everything above it) and stays in [`crate::ancestors`].
//!
//! These are the one public entry of the operations they split: every kernel takes a
//! [`Parallelism`] (a value the caller owns) and, below its `threshold` (revisions or
//! members) or without a pool of several threads, runs the sequential version (in
//! [`crate::dagops`], crate-private). Results are identical either way (the property
//! tests check both thread counts).

use std::collections::HashMap;
use std::convert::Infallible;
use std::ops::Range;
use std::sync::Arc;

use rayon::prelude::*;

use crate::ancestors::{AncestorsIterator, MissingAncestors};
use crate::bitset::{RevisionSet, SetOp};
use crate::dagops;
use crate::graph::{check_revision, Graph};
use crate::parents_table::ParentsTable;
use crate::revision::{GraphError, Revision};

/// Below this many revisions (or set members) kernels stay sequential: measured on
/// 2 cores, splitting smaller inputs costs more than it saves.
pub const DEFAULT_THRESHOLD: usize = 1 << 16;

/// How kernels may split work: the thread pool to split it on (none: sequential) and
/// the input size below which they do not. A value the caller owns and passes: the
/// core keeps no process-wide state (the bindings keep one pool per process).
#[derive(Clone, Debug)]
pub struct Parallelism {
    pool: Option<Arc<rayon::ThreadPool>>,
    /// Inputs smaller than this (revisions, or members of a set) run sequentially.
    pub threshold: usize,
}

impl Parallelism {
    /// Never parallel.
    pub fn sequential() -> Self {
        Parallelism {
            pool: None,
            threshold: usize::MAX,
        }
    }

    /// Split inputs of at least `threshold` on `pool`.
    pub fn new(pool: Arc<rayon::ThreadPool>, threshold: usize) -> Self {
        Parallelism {
            pool: Some(pool),
            threshold,
        }
    }

    /// A pool of its own of `threads` threads (tests and benchmarks); one thread is
    /// sequential and builds nothing.
    pub fn with_threads(
        threads: usize,
        threshold: usize,
    ) -> Result<Self, rayon::ThreadPoolBuildError> {
        if threads <= 1 {
            return Ok(Parallelism {
                pool: None,
                threshold,
            });
        }
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()?;
        Ok(Parallelism::new(Arc::new(pool), threshold))
    }

    /// The threads work is split on (1: sequential).
    pub fn threads(&self) -> usize {
        self.pool
            .as_ref()
            .map_or(1, |pool| pool.current_num_threads())
    }

    fn splits(&self, size: usize) -> bool {
        self.threads() > 1 && size >= self.threshold
    }

    /// Run `f` in the pool (called only where `splits` said so: there is one).
    fn install<R: Send>(&self, f: impl FnOnce() -> R + Send) -> R {
        match &self.pool {
            Some(pool) => pool.install(f),
            None => f(),
        }
    }
}

/// A dense bit map one thread fills; the maps of several threads are OR-ed once at
/// the end (no atomics, no cache lines bouncing between cores).
struct DenseBits(Vec<u64>);

impl DenseBits {
    fn new(len: usize) -> Self {
        DenseBits(vec![0; len.div_ceil(64)])
    }

    #[inline]
    fn set(&mut self, i: usize) {
        self.0[i / 64] |= 1 << (i % 64);
    }

    #[inline]
    fn get(&self, i: usize) -> bool {
        self.0[i / 64] & (1 << (i % 64)) != 0
    }

    fn or(mut self, other: DenseBits) -> DenseBits {
        for (mine, theirs) in self.0.iter_mut().zip(&other.0) {
            *mine |= theirs;
        }
        self
    }

    #[inline]
    fn mark_parents(&mut self, parents: &[Revision; 2]) {
        for p in parents {
            if let Ok(p) = usize::try_from(p.0) {
                self.set(p);
            }
        }
    }
}

/// `mark(range, bits)` over `whole` split into one range per thread of the pool
/// (call it inside [`Parallelism::install`]), each thread into its own map of `bits`
/// bits; the union of the marks. One map per thread, not per task: maps are
/// allocated, zeroed and OR-ed once each.
fn mark_in_parallel<E: Send>(
    whole: Range<usize>,
    bits: usize,
    mark: impl Fn(Range<usize>, &mut DenseBits) -> Result<(), E> + Sync,
) -> Result<DenseBits, E> {
    let parts = rayon::current_num_threads().max(1);
    let step = whole.len().div_ceil(parts).max(1);
    (0..parts)
        .into_par_iter()
        .map(|part| {
            let mut marks = DenseBits::new(bits);
            let from = (whole.start + part * step).min(whole.end);
            mark(from..(from + step).min(whole.end), &mut marks)?;
            Ok(marks)
        })
        .try_reduce(
            || DenseBits::new(0),
            |a, b| Ok(if a.0.is_empty() { b } else { a.or(b) }),
        )
}

/// The members of `revs` in `range`, ascending.
fn members_in(revs: &RevisionSet, range: Range<usize>) -> impl Iterator<Item = Revision> + '_ {
    revs.iter_from(Revision(range.start as i32))
        .take_while(move |r| r.index() < range.end)
}

/// Set algebra splits only for sets this many times larger than the threshold.
pub const SET_ALGEBRA_FACTOR: usize = 64;

/// How many revisions of work one is-ancestor sweep counts for, against thresholds.
const PAIR_WEIGHT: usize = 4096;

/// The heads of the first `stop` revisions of the table, ignoring `filtered` ones, in
/// ascending order (the C index's `headrevs(filteredrevs, stop_rev)`): as in C, a
/// filtered revision with an unfiltered child counts as unfiltered, and an empty range
/// has the single head `NULL_REVISION`. Parents marked from several threads.
///
/// The C rule that a filtered revision with an unfiltered child counts as unfiltered
/// is a descending dependency: the parallel pass marks parents of unfiltered
/// revisions, then filtered revisions found marked are settled in a descending pass.
pub fn graph_heads(
    table: &ParentsTable,
    filtered: Option<&RevisionSet>,
    stop: usize,
    par: &Parallelism,
) -> Vec<Revision> {
    let stop = stop.min(table.len());
    if stop == 0 || !par.splits(stop) {
        return dagops::graph_heads(table, filtered, stop);
    }
    let is_filtered = |rev: usize| filtered.is_some_and(|f| f.contains(Revision(rev as i32)));
    let parents = &table.as_slice()[..stop];
    let mut not_head = par
        .install(|| {
            mark_in_parallel(0..stop, stop, |range, marks| {
                for rev in range {
                    if !is_filtered(rev) {
                        marks.mark_parents(&parents[rev]);
                    }
                }
                Ok::<_, Infallible>(())
            })
        })
        .unwrap_or_else(|never| match never {});
    if let Some(filtered) = filtered {
        for rev in filtered.iter_desc_from(Revision(stop as i32 - 1)) {
            if not_head.get(rev.index()) {
                not_head.mark_parents(&parents[rev.index()]);
            }
        }
    }
    // Heads: neither marked nor filtered, a word at a time.
    let mut heads = Vec::new();
    for (w, &marked) in not_head.0.iter().enumerate() {
        let valid = if (w + 1) * 64 <= stop {
            !0
        } else {
            (1u64 << (stop % 64)) - 1
        };
        let mut bits = !marked & valid & !filtered.map_or(0, |f| f.word(w));
        while bits != 0 {
            heads.push(Revision((w * 64 + bits.trailing_zeros() as usize) as i32));
            bits &= bits - 1;
        }
    }
    heads
}

/// Revisions of the table with a parent in `revs`, not `filtered` (the revset
/// `children()`). With `include_roots`, revisions whose parents are both null count
/// as children of the null revision (`revlog.children(nullid)`). Revision ranges
/// scanned on several threads.
pub fn children(
    table: &ParentsTable,
    revs: &RevisionSet,
    include_roots: bool,
    filtered: Option<&RevisionSet>,
    par: &Parallelism,
) -> RevisionSet {
    let start = if include_roots {
        0
    } else {
        match revs.min() {
            Some(min) => min.0 as usize + 1,
            None => return RevisionSet::new(),
        }
    };
    let len = table.len();
    if !par.splits(len.saturating_sub(start)) {
        return dagops::children(table, revs, include_roots, filtered);
    }
    let parents = table.as_slice();
    let found = par.install(|| {
        mark_in_parallel(start..len, len, |range, marks| {
            for rev in range {
                let [p1, p2] = parents[rev];
                let is_child = revs.contains(p1)
                    || revs.contains(p2)
                    || (include_roots && p1.is_null() && p2.is_null());
                if is_child && !filtered.is_some_and(|f| f.contains(Revision(rev as i32))) {
                    marks.set(rev);
                }
            }
            Ok::<_, Infallible>(())
        })
    });
    let Ok(found) = found;
    RevisionSet::from_words(&found.0)
}

/// The heads of a set: members that are not a parent of another member
/// (`mercurial.dagop.headrevs`), never the null revision. A large set's members less
/// their parents, on several threads.
pub fn heads(
    graph: &(impl Graph + Sync),
    revs: &RevisionSet,
    par: &Parallelism,
) -> Result<RevisionSet, GraphError> {
    if !par.splits(revs.len()) {
        return dagops::heads(graph, revs);
    }
    Ok(revs - &parents(graph, revs, par)?)
}

/// Members with no parent in the set (the revset `roots()`); a large set's members
/// tested on several threads.
pub fn roots(
    graph: &(impl Graph + Sync),
    revs: &RevisionSet,
    par: &Parallelism,
) -> Result<RevisionSet, GraphError> {
    if !par.splits(revs.len()) {
        return dagops::roots(graph, revs);
    }
    mark_from_members(graph, revs, par, |rev, [p1, p2], marks| {
        if !revs.contains(p1) && !revs.contains(p2) {
            marks.set(rev.index());
        }
    })
}

/// The parents of the members, null excluded (the revset `parents(set)`); a large
/// set's marked on several threads.
pub fn parents(
    graph: &(impl Graph + Sync),
    revs: &RevisionSet,
    par: &Parallelism,
) -> Result<RevisionSet, GraphError> {
    if !par.splits(revs.len()) {
        return dagops::parents(graph, revs);
    }
    mark_from_members(graph, revs, par, |_, parents, marks| {
        marks.mark_parents(&parents)
    })
}

/// The revisions `mark(member, its parents, marks)` marks, over the members of
/// `revs` on several threads.
fn mark_from_members(
    graph: &(impl Graph + Sync),
    revs: &RevisionSet,
    par: &Parallelism,
    mark: impl Fn(Revision, [Revision; 2], &mut DenseBits) + Sync,
) -> Result<RevisionSet, GraphError> {
    let end = revs.max().map_or(0, |m| m.index() + 1);
    let marks = par.install(|| {
        mark_in_parallel(0..end, end, |range, marks| {
            for rev in members_in(revs, range) {
                mark(rev, crate::graph::checked_parents(graph, rev)?, marks);
            }
            Ok(())
        })
    })?;
    Ok(RevisionSet::from_words(&marks.0))
}

/// Membership of many probes at once, in order.
pub fn contains_many(set: &RevisionSet, probes: &[Revision], par: &Parallelism) -> Vec<bool> {
    if !par.splits(probes.len()) {
        return probes.iter().map(|&r| set.contains(r)).collect();
    }
    let step = probes.len().div_ceil(par.threads()).max(1);
    par.install(|| {
        probes
            .par_chunks(step)
            .flat_map_iter(|chunk| chunk.iter().map(|&r| set.contains(r)))
            .collect()
    })
}

/// Several independent missing-ancestors questions, `::heads - ::common` each (as
/// [`MissingAncestors::missing_ancestors`] answers it), on several threads.
pub fn missing_ancestors_many<G: Graph + Clone + Send + Sync>(
    graph: &G,
    queries: &[(Vec<Revision>, Vec<Revision>)],
    par: &Parallelism,
) -> Result<Vec<RevisionSet>, GraphError> {
    let answer = |(heads, common): &(Vec<Revision>, Vec<Revision>)| {
        let mut missing = MissingAncestors::new(graph.clone(), common.iter().copied())?;
        Ok(missing
            .missing_ancestors(heads.iter().copied())?
            .into_iter()
            .collect())
    };
    // A query sweeps at most from its highest head down to its lowest base.
    let work: usize = queries
        .iter()
        .map(|(heads, common)| {
            let top = heads.iter().max().map_or(0, |r| r.0.max(0) as usize);
            let bottom = common.iter().min().map_or(0, |r| r.0.max(0) as usize);
            top.saturating_sub(bottom).max(1)
        })
        .sum();
    if queries.len() > 1 && par.splits(work) {
        par.install(|| queries.par_iter().map(answer).collect())
    } else {
        queries.iter().map(answer).collect()
    }
}

/// Many is-ancestor questions (`a` ancestor of `b`?), each answer equal to
/// [`dagops::is_ancestor`]'s. Questions sharing a descendant `b` share one sweep
/// from `b` down to their lowest `a`, then cost a bit test each; distinct `b`s are
/// swept on several threads.
pub fn is_ancestor_many(
    graph: &(impl Graph + Sync),
    pairs: &[(Revision, Revision)],
    par: &Parallelism,
) -> Result<Vec<bool>, GraphError> {
    let mut by_descendant: HashMap<Revision, Vec<usize>> = HashMap::new();
    for (i, &(a, b)) in pairs.iter().enumerate() {
        check_revision(graph, a)?;
        check_revision(graph, b)?;
        by_descendant.entry(b).or_default().push(i);
    }
    let groups: Vec<(Revision, Vec<usize>)> = by_descendant.into_iter().collect();
    let answer_group =
        |(b, members): &(Revision, Vec<usize>)| -> Result<Vec<(usize, bool)>, GraphError> {
            let floor = members
                .iter()
                .map(|&i| pairs[i].0)
                .min()
                .unwrap_or(*b)
                .max(Revision(0));
            let ancestors: RevisionSet = if b.is_null() {
                RevisionSet::new()
            } else {
                AncestorsIterator::new(graph, [*b], floor, true)?.collect::<Result<_, _>>()?
            };
            Ok(members
                .iter()
                .map(|&i| {
                    let a = pairs[i].0;
                    (i, a.is_null() || a == *b || ancestors.contains(a))
                })
                .collect())
        };
    // Each sweep may walk far: a group weighs as much as a page of revisions.
    let answered: Vec<Vec<(usize, bool)>> = if par.splits(groups.len().saturating_mul(PAIR_WEIGHT))
    {
        par.install(|| {
            groups
                .par_iter()
                .map(answer_group)
                .collect::<Result<_, _>>()
        })?
    } else {
        groups.iter().map(answer_group).collect::<Result<_, _>>()?
    };
    let mut result = vec![false; pairs.len()];
    for (i, answer) in answered.into_iter().flatten() {
        result[i] = answer;
    }
    Ok(result)
}

/// Set algebra on large sets, page by page on several threads.
///
/// Word-wise algebra is memory-bound and fast (a million revisions in tens of
/// microseconds): it splits only from [`SET_ALGEBRA_FACTOR`] times the threshold.
pub fn combine(a: &RevisionSet, b: &RevisionSet, op: SetOp, par: &Parallelism) -> RevisionSet {
    if !par.splits(a.len().max(b.len()) / SET_ALGEBRA_FACTOR) {
        return match op {
            SetOp::Union => a | b,
            SetOp::Intersection => a & b,
            SetOp::Difference => a - b,
        };
    }
    let pages = par.install(|| {
        (0..a.combined_page_count(b, op))
            .into_par_iter()
            .map(|i| a.combined_page(b, op, i))
            .collect()
    });
    RevisionSet::from_pages(pages)
}
