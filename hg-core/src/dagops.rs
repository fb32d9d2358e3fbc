//! Stateless set functions on the DAG: heads, roots, children, descendants, reachable
//! roots (`x::y`), common-ancestor heads, deepest common ancestors and is-ancestor.
//!
//! Each names the Mercurial function it replaces; results are equal to it (as sets,
//! and in order where Mercurial's is defined: see each function).

use std::collections::{BTreeSet, HashMap};

use crate::bitset::RevisionSet;
use crate::graph::{check_revision, checked_parents, Follow, Graph, ParentsTable};
use crate::interrupt::{Interrupt, Poller};
use crate::revision::{GraphError, Revision, NULL_REVISION};

/// The heads of a set: members that are not a parent of another member
/// (`mercurial.dagop.headrevs`). Never the null revision.
pub fn heads(graph: &impl Graph, revs: &RevisionSet) -> Result<RevisionSet, GraphError> {
    let mut heads = revs.clone();
    for rev in revs.iter() {
        for parent in checked_parents(graph, rev)? {
            heads.remove(parent);
        }
    }
    Ok(heads)
}

/// The heads of the first `stop` revisions of the table, ignoring `filtered` ones, in
/// ascending order (the C index's `headrevs(filteredrevs, stop_rev)`).
///
/// As in C, a filtered revision with an unfiltered child counts as unfiltered, and an
/// empty range has the single head `NULL_REVISION`.
pub fn graph_heads(
    table: &ParentsTable,
    filtered: Option<&RevisionSet>,
    stop: usize,
) -> Vec<Revision> {
    let stop = stop.min(table.len());
    if stop == 0 {
        return vec![NULL_REVISION];
    }
    // Every revision is visited: a dense byte map beats the paged bit set here.
    let mut not_head = vec![false; stop];
    for rev in (0..stop).rev() {
        if !not_head[rev] && filtered.is_some_and(|f| f.contains(Revision(rev as i32))) {
            not_head[rev] = true;
            continue;
        }
        for parent in table.parents_unchecked(Revision(rev as i32)) {
            if let Ok(p) = usize::try_from(parent.0) {
                not_head[p] = true;
            }
        }
    }
    (0..stop)
        .filter(|&rev| !not_head[rev])
        .map(|rev| Revision(rev as i32))
        .collect()
}

/// One effective change to the Python set of heads `dagop.headrevssubset` builds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HeadsChange {
    /// `heads.add(rev)` of a revision not yet in the set.
    Add(Revision),
    /// `heads.remove(rev)`.
    Remove(Revision),
}

/// `dagop.headrevssubset` (what `revlog.heads(start, stop)` calls), as the sequence of
/// effective changes its set of heads goes through, starting from `{start}`: the heads
/// among the descendants of `start`, revisions in `stop` counting as childless.
///
/// Why changes and not the heads: `revlog.heads` returns a list in the iteration
/// order of that Python set, which depends on the exact history of additions and
/// removals. Replaying these changes on a set `{start}` gives the very set Mercurial
/// builds, iteration order included, whatever the Python version.
///
/// As Mercurial's walk: unfiltered revisions above `start` ascending, each parent in
/// `parentrevs` order (`canonical_order`: a null first parent comes second, as
/// changelogs and manifests report it; filelogs keep the stored order), the null
/// revision reachable from itself (with `start` null, `stop` does not cut a revision
/// whose other parent is null). `stop` revisions outside the graph never match.
pub fn heads_subset_changes(
    table: &ParentsTable,
    start: Revision,
    stop: &[Revision],
    filtered: Option<&RevisionSet>,
    canonical_order: bool,
) -> Result<Vec<HeadsChange>, GraphError> {
    let start = check_revision(table, start)?;
    const REACHABLE: u8 = 1;
    const HEAD: u8 = 2;
    const STOP: u8 = 4;
    // Every revision above `start` is visited: a dense byte map, null at slot 0.
    let len = table.len();
    let slot = |rev: Revision| (rev.0 + 1) as usize;
    let mut flags = vec![0u8; len + 1];
    for &rev in stop
        .iter()
        .filter(|r| (-1..len as i64).contains(&(r.0 as i64)))
    {
        flags[slot(rev)] |= STOP;
    }
    flags[slot(start)] |= REACHABLE | HEAD;
    let mut changes = Vec::new();
    for rev in (start.0 + 1..len as i32).map(Revision) {
        if filtered.is_some_and(|f| f.contains(rev)) {
            continue;
        }
        let [p1, p2] = table.parents_unchecked(rev);
        let parents = if canonical_order && p1.is_null() {
            [p2, p1]
        } else {
            [p1, p2]
        };
        for parent in parents {
            if flags[slot(parent)] & REACHABLE != 0 {
                let own = &mut flags[slot(rev)];
                if *own & STOP == 0 {
                    *own |= REACHABLE;
                }
                if *own & HEAD == 0 {
                    *own |= HEAD;
                    changes.push(HeadsChange::Add(rev));
                }
            }
            let theirs = &mut flags[slot(parent)];
            if *theirs & (HEAD | STOP) == HEAD {
                *theirs &= !HEAD;
                changes.push(HeadsChange::Remove(parent));
            }
        }
    }
    Ok(changes)
}

/// The members of `through` reachable from `starts` by parent links through members
/// of `through` only (`repoview._revealancestors`: the hidden ancestors of visible
/// revisions, revealed with every hidden revision between). `starts` themselves are
/// not included unless reached from another start.
pub fn ancestors_through(
    graph: &impl Graph,
    starts: &RevisionSet,
    through: &RevisionSet,
) -> Result<RevisionSet, GraphError> {
    let mut reached = RevisionSet::new();
    // Descending: a revision's parents are below it, so every revision is visited
    // after all the revisions it can be reached from.
    let Some(top) = starts.max() else {
        return Ok(reached);
    };
    let mut cursor = Some(top);
    while let Some(rev) =
        cursor.and_then(|c| crate::bitset::prev_member_of_union(&[starts, &reached], c))
    {
        for parent in checked_parents(graph, rev)? {
            if !parent.is_null() && through.contains(parent) {
                reached.insert(parent);
            }
        }
        cursor = (rev.0 > 0).then(|| Revision(rev.0 - 1));
    }
    Ok(reached)
}

/// The members of `through` reachable from `sources` by child links through members
/// of `through` only: a member is reached when a parent is a source or reached
/// (`obsolete._computeorphanset`: the orphans, non-obsolete mutable revisions above
/// an obsolete one). A source is a member only if in `through` and reached.
pub fn descendants_through(
    graph: &impl Graph,
    sources: &RevisionSet,
    through: &RevisionSet,
) -> Result<RevisionSet, GraphError> {
    let mut reached = RevisionSet::new();
    // Ascending: a revision's parents are decided before it.
    for rev in through.iter() {
        let parents = checked_parents(graph, rev)?;
        if parents
            .iter()
            .any(|&p| !p.is_null() && (sources.contains(p) || reached.contains(p)))
        {
            reached.insert(rev);
        }
    }
    Ok(reached)
}

/// The parents of the members, null excluded (the revset `parents(set)`).
pub fn parents(graph: &impl Graph, revs: &RevisionSet) -> Result<RevisionSet, GraphError> {
    let mut parents = RevisionSet::new();
    for rev in revs.iter() {
        for parent in checked_parents(graph, rev)? {
            parents.insert(parent);
        }
    }
    Ok(parents)
}

/// Members with no parent in the set (the revset `roots()`).
pub fn roots(graph: &impl Graph, revs: &RevisionSet) -> Result<RevisionSet, GraphError> {
    let mut roots = RevisionSet::new();
    for rev in revs.iter() {
        let [p1, p2] = checked_parents(graph, rev)?;
        if !revs.contains(p1) && !revs.contains(p2) {
            roots.insert(rev);
        }
    }
    Ok(roots)
}

/// Revisions of the table with a parent in `revs`, not `filtered` (the revset
/// `children()`). With `include_roots`, revisions whose parents are both null count
/// as children of the null revision (`revlog.children(nullid)`).
pub fn children(
    table: &ParentsTable,
    revs: &RevisionSet,
    include_roots: bool,
    filtered: Option<&RevisionSet>,
) -> RevisionSet {
    let start = if include_roots {
        Some(0)
    } else {
        revs.min().map(|r| r.0 + 1)
    };
    let mut children = RevisionSet::new();
    let Some(start) = start else {
        return children;
    };
    for rev in (start..table.len() as i32).map(Revision) {
        if filtered.is_some_and(|f| f.contains(rev)) {
            continue;
        }
        let [p1, p2] = table.parents_unchecked(rev);
        let is_child = revs.contains(p1)
            || revs.contains(p2)
            || (include_roots && p1.is_null() && p2.is_null());
        if is_child {
            children.insert(rev);
        }
    }
    children
}

/// Descendants of `revs` in the table (`dagop.descendantrevs`; with `inclusive`, the
/// revset `descendants()`, which includes `revs`). `filtered` revisions are skipped, as
/// a filtered changelog's `revs()` skips them. With `include_all` (the null revision
/// was among `revs`), every unfiltered revision is a descendant.
pub fn descendants(
    table: &ParentsTable,
    revs: &RevisionSet,
    include_all: bool,
    inclusive: bool,
    filtered: Option<&RevisionSet>,
) -> RevisionSet {
    let is_filtered = |rev| filtered.is_some_and(|f: &RevisionSet| f.contains(rev));
    let mut result = RevisionSet::new();
    let start = if include_all {
        Some(Revision(0))
    } else {
        revs.min()
    };
    let Some(start) = start else {
        return result;
    };
    let mut seen = revs.clone();
    for rev in (start.0..table.len() as i32).map(Revision) {
        if is_filtered(rev) {
            continue;
        }
        if include_all {
            result.insert(rev);
            continue;
        }
        if seen.contains(rev) {
            if inclusive {
                result.insert(rev);
            }
            // A start revision can also be the child of another one.
            if !inclusive && parents_in(table, rev, &seen) {
                result.insert(rev);
            }
            continue;
        }
        if parents_in(table, rev, &seen) {
            seen.insert(rev);
            result.insert(rev);
        }
    }
    result
}

#[inline]
fn parents_in(table: &ParentsTable, rev: Revision, set: &RevisionSet) -> bool {
    let [p1, p2] = table.parents_unchecked(rev);
    set.contains(p1) || set.contains(p2)
}

/// At most this many roots are each asked of every parent walked, with a
/// reachability index (`x::y` has one or a few roots).
const REACH_PRUNED_ROOTS: usize = 8;

/// How often a walk pruned by the reachability index reviews whether pruning pays
/// (it stops when less than 1/16 of the revisions asked about were pruned).
const PRUNE_REVIEW: usize = 4096;

/// The roots among `roots` reachable from `heads` through revisions not below
/// `minroot`; with `include_path`, also every revision on a path between them
/// (`revlog.reachableroots`, the C index's `reachableroots2`). Ascending.
///
/// Roots outside the graph (the working directory, say) are unreachable and ignored;
/// heads must be in the graph. The null revision may be a root.
pub fn reachable_roots(
    graph: &impl Graph,
    minroot: Revision,
    heads: &[Revision],
    roots: &[Revision],
    include_path: bool,
) -> Result<Vec<Revision>, GraphError> {
    let heads = heads
        .iter()
        .map(|&h| check_revision(graph, h))
        .collect::<Result<Vec<_>, _>>()?;
    // Roots above every head (the working directory, say) cannot be reached.
    let Some(&max_head) = heads.iter().max() else {
        return Ok(Vec::new());
    };
    let root_set: RevisionSet = roots.iter().copied().filter(|&r| r <= max_head).collect();
    let null_is_root = roots.contains(&NULL_REVISION);
    let floor = minroot.max(Revision(0));
    // The null revision is reached by any walk that may go below every root.
    let mut null_seen = heads.contains(&NULL_REVISION);

    // With a reachability index and a few roots, a revision that no root can reach
    // is not walked below: `x::y` of unrelated revisions walks nothing. Asking costs
    // a few loads a revision: once a walk has asked often and pruned little (a large
    // `x::y`), it stops asking.
    let few_roots: Vec<Revision> = root_set.iter().take(REACH_PRUNED_ROOTS + 1).collect();
    let mut index = match few_roots.len() {
        1..=REACH_PRUNED_ROOTS if !null_is_root => graph
            .reach_index_for_walk((max_head.0 - floor.0).max(0) as usize)
            .map(|(index, _)| index),
        _ => None,
    };
    let (mut asked, mut pruned) = (0usize, 0usize);

    // Descending sweep: `seen` holds the heads and the parents of every visited
    // revision; without `include_path` the walk stops at roots.
    let mut seen = RevisionSet::new();
    for &head in &heads {
        seen.insert(head);
    }
    let mut cursor = seen.max();
    while let Some(rev) = cursor.and_then(|c| seen.prev_at_or_below(c)) {
        cursor = Some(Revision(rev.0 - 1));
        if rev < floor && !heads.contains(&rev) {
            continue;
        }
        if root_set.contains(rev) && !include_path {
            continue;
        }
        if let Some(reach) = index {
            // Not walked below: what no root reaches (its parents neither).
            asked += 1;
            let leads = few_roots
                .iter()
                .any(|&root| reach.may_be_ancestor(root, rev));
            pruned += usize::from(!leads);
            if asked % PRUNE_REVIEW == 0 && pruned * 16 < asked {
                index = None;
            }
            if !leads {
                continue;
            }
        }
        for parent in checked_parents(graph, rev)? {
            if parent >= minroot {
                if parent.is_null() {
                    null_seen = true;
                } else {
                    seen.insert(parent);
                }
            }
        }
    }

    let mut reachable = &seen & &root_set;
    let null_reachable = null_is_root && null_seen;
    if include_path && (null_reachable || !reachable.is_empty()) {
        let start = reachable.min().unwrap_or(Revision(0)).max(floor);
        let from = if null_reachable { floor } else { start };
        for rev in seen.iter_from(from) {
            if reachable.contains(rev) {
                continue;
            }
            let [p1, p2] = checked_parents(graph, rev)?;
            let via_null = null_reachable && (p1.is_null() || p2.is_null());
            if via_null || reachable.contains(p1) || reachable.contains(p2) {
                reachable.insert(rev);
            }
        }
    }
    let mut result = Vec::with_capacity(reachable.len() + 1);
    if null_reachable {
        result.push(NULL_REVISION);
    }
    result.extend(reachable.iter());
    Ok(result)
}

/// [`reachable_roots`] in the order of the C index's `reachableroots2`, which
/// `revlog.reachableroots` returns as a list: roots in the order a breadth-first walk
/// from `heads` (parents in stored order) reaches them, then, with `include_path`,
/// the revisions between them ascending. The null revision counts as a revision
/// (it may be a head and a root); a head outside the graph is an error, a root
/// outside it is never reached. Costs a byte per revision of the table.
pub fn reachable_roots_in_walk_order(
    table: &ParentsTable,
    minroot: Revision,
    heads: &[Revision],
    roots: &[Revision],
    include_path: bool,
) -> Result<Vec<Revision>, GraphError> {
    const SEEN: u8 = 1;
    const ROOT: u8 = 2;
    const REACHABLE: u8 = 4;
    let len = table.len();
    // Slot 0 is the null revision, as in C.
    let slot = |rev: Revision| (rev.0 + 1) as usize;
    let in_graph = |rev: Revision| (-1..len as i64).contains(&(rev.0 as i64));
    let mut states = vec![0u8; len + 1];
    for &root in roots.iter().filter(|&&r| in_graph(r)) {
        states[slot(root)] |= ROOT;
    }
    let mut to_visit = Vec::with_capacity(heads.len());
    for &head in heads {
        if !in_graph(head) {
            return Err(GraphError::InvalidRevision(head));
        }
        if states[slot(head)] & SEEN == 0 {
            states[slot(head)] |= SEEN;
            to_visit.push(head);
        }
    }
    let mut reachable = Vec::new();
    let mut next = 0;
    while let Some(&rev) = to_visit.get(next) {
        next += 1;
        if states[slot(rev)] & ROOT != 0 {
            states[slot(rev)] |= REACHABLE;
            reachable.push(rev);
            if !include_path {
                continue;
            }
        }
        if rev.is_null() {
            continue;
        }
        for parent in checked_parents(table, rev)? {
            if states[slot(parent)] & SEEN == 0 && parent >= minroot {
                states[slot(parent)] |= SEEN;
                to_visit.push(parent);
            }
        }
    }
    if include_path {
        for rev in (minroot.0.max(0)..len as i32).map(Revision) {
            if states[slot(rev)] & (SEEN | REACHABLE) != SEEN {
                continue;
            }
            let [p1, p2] = table.parents_unchecked(rev);
            if (states[slot(p1)] | states[slot(p2)]) & REACHABLE != 0 {
                states[slot(rev)] |= REACHABLE;
                reachable.push(rev);
            }
        }
    }
    Ok(reachable)
}

/// Whether `a` is an ancestor of `b`, a revision being its own ancestor
/// (`revlog.isancestorrev`). By the graph's reachability index when it has one (see
/// [`Graph::reach_index_for_walk`]), else a descending sweep from `b` that never goes
/// below `a`.
pub fn is_ancestor(graph: &impl Graph, a: Revision, b: Revision) -> Result<bool, GraphError> {
    let a = check_revision(graph, a)?;
    let b = check_revision(graph, b)?;
    if a.is_null() || a == b {
        return Ok(true);
    }
    if a > b {
        return Ok(false);
    }
    if let Some((index, parents)) = graph.reach_index_for_walk((b.0 - a.0) as usize) {
        return Ok(index.is_ancestor(parents, a, b));
    }
    let mut seen = RevisionSet::new();
    seen.insert(b);
    let mut cursor = b;
    while let Some(rev) = seen.prev_at_or_below(cursor) {
        if rev < a {
            break;
        }
        if rev == a {
            return Ok(true);
        }
        for parent in checked_parents(graph, rev)? {
            if parent >= a {
                seen.insert(parent);
            }
        }
        cursor = Revision(rev.0 - 1);
    }
    Ok(false)
}

/// The depth-limited ancestor walk of Mercurial (`dag_util._walkrevtree`, the revsets
/// `ancestors(x, depth=n, startdepth=m)` and `x#generations[-n:]`): `revs` are at
/// depth 0, a parent one deeper than its child; walking stops at `stop_depth`. In
/// descending order.
///
/// Polls `interrupt`, as [`descendants_within_depth`] does.
pub fn ancestors_within_depth(
    graph: &impl Graph,
    revs: &[Revision],
    start_depth: u32,
    stop_depth: u32,
    interrupt: &dyn Interrupt,
) -> Result<Vec<Revision>, GraphError> {
    let starts = checked_start_revisions(revs, |rev| check_revision(graph, rev))?;
    walk_within_depth(
        starts,
        start_depth,
        stop_depth,
        false,
        interrupt,
        |rev, out| {
            out.extend(
                checked_parents(graph, rev)?
                    .into_iter()
                    .filter(|p| !p.is_null()),
            );
            Ok(())
        },
    )
}

/// The depth-limited descendant walk of Mercurial
/// (`dag_util._genrevdescendantsofdepth`, the revsets `descendants(x, depth=n,
/// startdepth=m)` and `x#generations[:n]`): a child one deeper than its parent, the
/// children being the revisions above the lowest of `revs` that are not `filtered`
/// (through the parents `follow` says). In ascending order.
///
/// Polls `interrupt`: a revision is walked on once per depth it is reached at below
/// `start_depth`, which can take long (see [`crate::interrupt`]).
pub fn descendants_within_depth(
    table: &ParentsTable,
    revs: &[Revision],
    follow: Follow,
    filtered: Option<&RevisionSet>,
    start_depth: u32,
    stop_depth: u32,
    interrupt: &dyn Interrupt,
) -> Result<Vec<Revision>, GraphError> {
    let starts = checked_start_revisions(revs, |rev| check_revision(table, rev))?;
    let Some(&lowest) = starts.iter().min() else {
        return Ok(Vec::new());
    };
    // Children lists of the revisions from `lowest` up, in one flat buffer.
    let base = lowest.index();
    let edge = |parent: Revision| (parent.0 >= lowest.0).then(|| parent.index() - base);
    let mut links = Vec::new();
    for rev in (lowest.0 + 1..table.len() as i32).map(Revision) {
        if filtered.is_some_and(|f| f.contains(rev)) {
            continue;
        }
        let [p1, p2] = follow.followed(table.parents_unchecked(rev));
        links.extend(edge(p1).map(|p| (p, rev)));
        if !p2.is_null() {
            links.extend(edge(p2).map(|p| (p, rev)));
        }
    }
    let mut offsets = vec![0usize; table.len() - base + 1];
    for &(parent, _) in &links {
        offsets[parent + 1] += 1;
    }
    for i in 1..offsets.len() {
        offsets[i] += offsets[i - 1];
    }
    let mut children = vec![NULL_REVISION; links.len()];
    let mut fill = offsets.clone();
    for (parent, child) in links {
        children[fill[parent]] = child;
        fill[parent] += 1;
    }
    walk_within_depth(
        starts,
        start_depth,
        stop_depth,
        true,
        interrupt,
        |rev, out| {
            let i = rev.index() - base;
            out.extend_from_slice(&children[offsets[i]..offsets[i + 1]]);
            Ok(())
        },
    )
}

fn checked_start_revisions(
    revs: &[Revision],
    check: impl Fn(Revision) -> Result<Revision, GraphError>,
) -> Result<Vec<Revision>, GraphError> {
    revs.iter()
        .map(|&rev| match check(rev)? {
            rev if rev.is_null() => Err(GraphError::InvalidRevision(rev)),
            rev => Ok(rev),
        })
        .collect()
}

/// `_walkrevtree` from `starts` (depth 0) through `next` (parents, or children when
/// `ascending`), yielding revisions in sweep order.
///
/// Mercurial yields a revision reached at some depth in `[start_depth, stop_depth)`,
/// and walks on from every depth below `start_depth` at which it reaches a revision
/// and from the smallest one at or above it: the state kept per revision is exactly
/// that (the depths below `start_depth`, and the smallest depth above).
fn walk_within_depth(
    starts: Vec<Revision>,
    start_depth: u32,
    stop_depth: u32,
    ascending: bool,
    interrupt: &dyn Interrupt,
    mut next: impl FnMut(Revision, &mut Vec<Revision>) -> Result<(), GraphError>,
) -> Result<Vec<Revision>, GraphError> {
    let mut poller = Poller::new(interrupt);
    #[derive(Default)]
    struct Reached {
        /// Depths below `start_depth` at which the revision is reached.
        low: BTreeSet<u32>,
        /// Smallest depth at or above `start_depth`, if any.
        high: Option<u32>,
    }
    let mut marked = RevisionSet::new();
    let mut reached: HashMap<Revision, Reached> = HashMap::new();
    let reach = |marked: &mut RevisionSet,
                 reached: &mut HashMap<Revision, Reached>,
                 rev: Revision,
                 depth: u32| {
        marked.insert(rev);
        let r = reached.entry(rev).or_default();
        if depth < start_depth {
            r.low.insert(depth);
        } else {
            r.high = Some(r.high.map_or(depth, |h| h.min(depth)));
        }
    };
    let mut found = Vec::new();
    if stop_depth == 0 {
        return Ok(found);
    }
    for rev in starts {
        reach(&mut marked, &mut reached, rev, 0);
    }
    let mut neighbours = Vec::new();
    let mut cursor = if ascending {
        marked.min()
    } else {
        marked.max()
    };
    loop {
        let current = match cursor {
            Some(c) if ascending => marked.next_at_or_above(c),
            Some(c) => marked.prev_at_or_below(c),
            None => None,
        };
        let Some(rev) = current else { break };
        cursor = Some(Revision(if ascending { rev.0 + 1 } else { rev.0 - 1 }));
        let Reached { low, high } = reached.remove(&rev).unwrap_or_default();
        if high.is_some() {
            found.push(rev);
        }
        let expand: Vec<u32> = low
            .into_iter()
            .chain(high)
            .filter(|d| d + 1 < stop_depth)
            .collect();
        if expand.is_empty() {
            continue;
        }
        neighbours.clear();
        next(rev, &mut neighbours)?;
        poller.advance(1 + expand.len() * neighbours.len())?;
        for &n in &neighbours {
            for &d in &expand {
                reach(&mut marked, &mut reached, n, d + 1);
            }
        }
    }
    Ok(found)
}

/// Per-revision bit masks of any width: the state of the common-ancestor sweeps,
/// which need one bit per input revision (plus a poison bit), without the 24- or
/// 64-input caps of Mercurial's C and Rust. Held only for the revisions a descending
/// sweep has reached and not yet visited: a sweep reads a revision's mask when it
/// visits it and never after, so memory follows that frontier, not the number of
/// inputs times the number of revisions (a dense table would need gigabytes for
/// thousands of inputs on a large graph).
struct MaskTable {
    words: usize,
    masks: HashMap<Revision, Box<[u64]>>,
    zero: Box<[u64]>,
}

impl MaskTable {
    fn new(bits: usize) -> Self {
        let words = bits.div_ceil(64).max(1);
        MaskTable {
            words,
            masks: HashMap::new(),
            zero: vec![0; words].into_boxed_slice(),
        }
    }

    #[inline]
    fn get(&self, rev: Revision) -> &[u64] {
        self.masks.get(&rev).unwrap_or(&self.zero)
    }

    #[inline]
    fn get_mut(&mut self, rev: Revision) -> &mut [u64] {
        let words = self.words;
        self.masks
            .entry(rev)
            .or_insert_with(|| vec![0; words].into_boxed_slice())
    }

    /// The mask of `rev`, visited now: it is no longer kept.
    #[inline]
    fn visit(&mut self, rev: Revision) -> Option<Box<[u64]>> {
        self.masks.remove(&rev)
    }
}

#[inline]
fn is_zero(mask: &[u64]) -> bool {
    mask.iter().all(|&w| w == 0)
}

#[inline]
fn test_bit(mask: &[u64], bit: usize) -> bool {
    mask[bit / 64] & (1 << (bit % 64)) != 0
}

#[inline]
fn set_bit(mask: &mut [u64], bit: usize) {
    mask[bit / 64] |= 1 << (bit % 64);
}

/// Deduplicate and check inputs, keeping their first-seen order.
fn unique_checked(graph: &impl Graph, revs: &[Revision]) -> Result<Vec<Revision>, GraphError> {
    let mut unique = Vec::with_capacity(revs.len());
    let mut seen = RevisionSet::new();
    let mut null_seen = false;
    for &rev in revs {
        let rev = check_revision(graph, rev)?;
        let new = if rev.is_null() {
            !std::mem::replace(&mut null_seen, true)
        } else {
            seen.insert(rev)
        };
        if new {
            unique.push(rev);
        }
    }
    Ok(unique)
}

/// How many revisions the common-ancestor walks through the reachability index may
/// visit, beyond a quarter of the inputs' span, before the sweep (which visits about
/// the span) answers instead: a walk's step costs a few of the sweep's, so giving up
/// costs at most about the sweep again (measured on git-allrefs: 0.3 ms lost before a
/// 2 ms sweep).
const INDEXED_GCA_BUDGET: usize = 4096;

/// The heads of the common ancestors of all `revs`: `heads(::a and ::b and ...)`
/// (`ancestor.commonancestorsheads`, the C index's `commonancestorsheads`). In
/// descending order, as the C index returns them; any number of inputs.
///
/// Polls `interrupt` for wide inputs (64 and more), whose sweep costs a mask of one
/// bit per input at every revision it visits.
pub fn common_ancestors_heads(
    graph: &impl Graph,
    revs: &[Revision],
    interrupt: &dyn Interrupt,
) -> Result<Vec<Revision>, GraphError> {
    let revs = unique_checked(graph, revs)?;
    if revs.contains(&NULL_REVISION) {
        return Ok(Vec::new());
    }
    if revs.len() <= 1 {
        return Ok(revs);
    }
    let span = revs.iter().max().unwrap_or(&NULL_REVISION).0
        - revs.iter().min().unwrap_or(&NULL_REVISION).0;
    if let Some((index, parents)) = graph.reach_index_for_walk(span as usize) {
        if let Some(heads) =
            index.common_ancestors_heads(parents, &revs, INDEXED_GCA_BUDGET + span as usize / 4)
        {
            return Ok(heads);
        }
    }
    if revs.len() < 64 {
        return narrow_gca(graph, &revs);
    }
    let count = revs.len();
    let poison = count;
    let max_rev = *revs.iter().max().expect("at least two revisions");
    let mut seen = MaskTable::new(count + 1);
    for (i, &rev) in revs.iter().enumerate() {
        set_bit(seen.get_mut(rev), i);
    }
    let all_seen = {
        let mut mask = vec![0u64; seen.words];
        (0..count).for_each(|i| set_bit(&mut mask, i));
        mask
    };
    let mut gca = Vec::new();
    // Signed, as in Python and C: the loop runs while it is non-zero.
    let mut interesting = count as isize;
    let mut sv = vec![0u64; seen.words];
    let mut poller = Poller::new(interrupt);
    let mut v = max_rev.0;
    while v >= 0 && interesting != 0 {
        let rev = Revision(v);
        v -= 1;
        poller.advance(1)?;
        match seen.visit(rev) {
            Some(mask) if !is_zero(&mask) => sv.copy_from_slice(&mask),
            _ => continue,
        }
        if !test_bit(&sv, poison) {
            interesting -= 1;
            if sv == all_seen {
                gca.push(rev);
                set_bit(&mut sv, poison);
                if revs.contains(&rev) {
                    // History is linear: `rev` is the only head.
                    break;
                }
            }
        }
        let poisoned = test_bit(&sv, poison);
        for parent in checked_parents(graph, rev)? {
            if parent.is_null() {
                continue;
            }
            let sp = seen.get_mut(parent);
            if !poisoned {
                if is_zero(sp) {
                    sp.copy_from_slice(&sv);
                    interesting += 1;
                } else if sp != sv.as_slice() {
                    sp.iter_mut().zip(&sv).for_each(|(a, b)| *a |= b);
                }
            } else {
                if !is_zero(sp) && !test_bit(sp, poison) {
                    interesting -= 1;
                }
                sp.copy_from_slice(&sv);
            }
        }
    }
    Ok(gca)
}

/// [`common_ancestors_heads`] for fewer than 64 distinct inputs: one `u64` mask a
/// revision with the poison bit above the inputs' bits, as Mercurial's C
/// (`find_gca_candidates`). `revs` are checked, distinct and not null.
fn narrow_gca(graph: &impl Graph, revs: &[Revision]) -> Result<Vec<Revision>, GraphError> {
    let count = revs.len();
    let all_seen: u64 = (1u64 << count) - 1;
    let poison: u64 = 1u64 << count;
    let max_rev = *revs.iter().max().expect("at least two revisions");
    let mut seen = vec![0u64; max_rev.index() + 1];
    for (i, rev) in revs.iter().enumerate() {
        seen[rev.index()] = 1 << i;
    }
    let mut gca = Vec::new();
    let mut interesting = count as isize;
    let mut v = max_rev.0;
    while v >= 0 && interesting != 0 {
        let rev = Revision(v);
        v -= 1;
        let mut sv = seen[rev.index()];
        if sv == 0 {
            continue;
        }
        if sv < poison {
            interesting -= 1;
            if sv == all_seen {
                gca.push(rev);
                sv |= poison;
                if revs.contains(&rev) {
                    // History is linear: `rev` is the only head.
                    break;
                }
            }
        }
        for parent in checked_parents(graph, rev)? {
            if parent.is_null() {
                continue;
            }
            let sp = &mut seen[parent.index()];
            if sv < poison {
                if *sp == 0 {
                    *sp = sv;
                    interesting += 1;
                } else if *sp != sv {
                    *sp |= sv;
                }
            } else {
                if *sp != 0 && *sp < poison {
                    interesting -= 1;
                }
                *sp = sv;
            }
        }
    }
    Ok(gca)
}

/// The common ancestors of `revs` furthest from a root, as measured by longest path
/// (`ancestor.ancestors`, used by `revlog.ancestor`). Ascending.
///
/// Polls `interrupt`, as [`common_ancestors_heads`] does.
pub fn deepest_common_ancestors(
    graph: &impl Graph,
    revs: &[Revision],
    interrupt: &dyn Interrupt,
) -> Result<Vec<Revision>, GraphError> {
    let mut gca = common_ancestors_heads(graph, revs, interrupt)?;
    gca.sort();
    if gca.len() <= 1 {
        return Ok(gca);
    }
    deepest(graph, &gca, interrupt)
}

/// `deepest()` of Mercurial's `ancestor.ancestors`, for sorted, distinct `nodes`.
fn deepest(
    graph: &impl Graph,
    nodes: &[Revision],
    interrupt: &dyn Interrupt,
) -> Result<Vec<Revision>, GraphError> {
    let mut poller = Poller::new(interrupt);
    let count = nodes.last().expect("nodes is not empty").index() + 1;
    let mut depth = vec![0u32; count];
    let mut seen = MaskTable::new(nodes.len());
    let mut interesting: HashMap<Vec<u64>, i64> = HashMap::new();
    for (i, &node) in nodes.iter().enumerate() {
        depth[node.index()] = 1;
        set_bit(seen.get_mut(node), i);
        *interesting.entry(seen.get(node).to_vec()).or_default() = 1;
    }
    let mut nv = count as i32 - 1;
    while nv >= 0 && interesting.len() > 1 {
        let v = Revision(nv);
        nv -= 1;
        poller.advance(1)?;
        let dv = depth[v.index()];
        if dv == 0 {
            continue;
        }
        let sv = seen.visit(v).map_or_else(|| vec![0; seen.words], Vec::from);
        for parent in checked_parents(graph, v)? {
            if parent.is_null() {
                continue;
            }
            let dp = depth[parent.index()];
            let sp = seen.get(parent).to_vec();
            if dp <= dv {
                depth[parent.index()] = dv + 1;
                if sp != sv {
                    *interesting.entry(sv.clone()).or_default() += 1;
                    seen.get_mut(parent).copy_from_slice(&sv);
                    if !is_zero(&sp) {
                        decrement(&mut interesting, &sp);
                    }
                }
            } else if dv == dp - 1 {
                let nsp: Vec<u64> = sp.iter().zip(&sv).map(|(a, b)| a | b).collect();
                if nsp == sp {
                    continue;
                }
                seen.get_mut(parent).copy_from_slice(&nsp);
                *interesting.entry(nsp).or_default() += 1;
                decrement(&mut interesting, &sp);
            }
        }
        decrement(&mut interesting, &sv);
    }
    if interesting.len() != 1 {
        return Ok(Vec::new());
    }
    let k = interesting.keys().next().expect("one key");
    Ok(nodes
        .iter()
        .enumerate()
        .filter(|&(i, _)| test_bit(k, i))
        .map(|(_, &n)| n)
        .collect())
}

/// `interesting[key] -= 1`, dropping the key at zero (Python's `del`). A missing key
/// mirrors Python's `KeyError` path, which a consistent sweep never takes.
fn decrement(interesting: &mut HashMap<Vec<u64>, i64>, key: &[u64]) {
    if let Some(count) = interesting.get_mut(key) {
        *count -= 1;
        if *count == 0 {
            interesting.remove(key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::interrupt::Uninterrupted;
    use crate::testing::{revs, SAMPLE_GRAPH};

    fn set(r: &[i32]) -> RevisionSet {
        revs(r).into_iter().collect()
    }

    fn list(s: &RevisionSet) -> Vec<i32> {
        s.iter().map(|r| r.0).collect()
    }

    fn ints(v: Vec<Revision>) -> Vec<i32> {
        v.into_iter().map(|r| r.0).collect()
    }

    #[test]
    fn heads_and_roots_of_sets() {
        let g = &*SAMPLE_GRAPH;
        assert_eq!(
            list(&heads(g, &set(&[0, 1, 2, 3, 4, 7, 11])).unwrap()),
            vec![11]
        );
        assert_eq!(list(&heads(g, &set(&[4, 5, 6, 9])).unwrap()), vec![5, 9]);
        assert_eq!(
            list(&roots(g, &set(&[4, 5, 6, 9, 13])).unwrap()),
            vec![4, 13]
        );
        assert_eq!(ints(graph_heads(g, None, 14)), vec![10, 11, 12, 13]);
        assert_eq!(ints(graph_heads(g, None, 10)), vec![3, 5, 8, 9]);
        assert_eq!(
            ints(graph_heads(g, Some(&set(&[12, 13])), 14)),
            vec![8, 9, 10, 11]
        );
        assert_eq!(ints(graph_heads(g, None, 0)), vec![-1]);
    }

    #[test]
    fn heads_subset_changes_replay_to_mercurial_heads() {
        use HeadsChange::{Add, Remove};
        let g = &*SAMPLE_GRAPH;
        // From 7: 9 and 11 are added, 7 removed; 12 replaces 9.
        assert_eq!(
            heads_subset_changes(g, Revision(7), &[], None, true).unwrap(),
            vec![
                Add(Revision(9)),
                Remove(Revision(7)),
                Add(Revision(11)),
                Add(Revision(12)),
                Remove(Revision(9))
            ]
        );
        // 9 as a stop: it stays a head, 12 is not reached.
        assert_eq!(
            heads_subset_changes(g, Revision(7), &revs(&[9]), None, true).unwrap(),
            vec![Add(Revision(9)), Remove(Revision(7)), Add(Revision(11))]
        );
        assert_eq!(
            heads_subset_changes(g, Revision(13), &[], None, true).unwrap(),
            vec![]
        );
        assert_eq!(
            heads_subset_changes(g, Revision(14), &[], None, true),
            Err(GraphError::InvalidRevision(Revision(14)))
        );
        assert_eq!(
            heads_subset_changes(g, crate::WORKING_DIRECTORY_REVISION, &[], None, true),
            Err(GraphError::WorkingDirectoryUnsupported)
        );
    }

    #[test]
    fn children_and_descendants() {
        let g = &*SAMPLE_GRAPH;
        assert_eq!(list(&children(g, &set(&[4]), false, None)), vec![5, 6, 7]);
        assert_eq!(list(&children(g, &set(&[]), true, None)), vec![0, 8]);
        assert_eq!(
            list(&children(g, &set(&[4]), false, Some(&set(&[6])))),
            vec![5, 7]
        );
        assert_eq!(
            list(&descendants(g, &set(&[6]), false, false, None)),
            vec![9, 12]
        );
        assert_eq!(
            list(&descendants(g, &set(&[7, 9]), false, false, None)),
            vec![9, 11, 12]
        );
        assert_eq!(
            list(&descendants(g, &set(&[7, 9]), false, true, None)),
            vec![7, 9, 11, 12]
        );
        assert_eq!(
            list(&descendants(g, &set(&[]), true, false, None)).len(),
            14
        );
    }

    #[test]
    fn reachable_roots_and_is_ancestor() {
        let g = &*SAMPLE_GRAPH;
        let rr = |minroot, h: &[i32], r: &[i32], path| {
            ints(reachable_roots(g, Revision(minroot), &revs(h), &revs(r), path).unwrap())
        };
        assert_eq!(rr(2, &[12], &[2, 7], false), vec![2, 7]);
        assert_eq!(rr(2, &[12], &[2, 7], true), vec![2, 4, 6, 7, 9, 12]);
        assert_eq!(rr(3, &[12, 10], &[3], true), Vec::<i32>::new());
        assert_eq!(rr(-1, &[13], &[-1], false), vec![-1]);
        assert_eq!(rr(0, &[13], &[-1], false), Vec::<i32>::new());
        assert_eq!(
            rr(1, &[11], &[1, 0x7fff_ffff], true),
            vec![1, 2, 3, 4, 7, 11]
        );
        assert!(is_ancestor(g, Revision(4), Revision(12)).unwrap());
        assert!(!is_ancestor(g, Revision(3), Revision(12)).unwrap());
        assert!(is_ancestor(g, NULL_REVISION, Revision(12)).unwrap());
        assert!(!is_ancestor(g, Revision(12), Revision(4)).unwrap());
        assert_eq!(
            is_ancestor(g, Revision(1), Revision(99)),
            Err(GraphError::InvalidRevision(Revision(99)))
        );
    }

    #[test]
    fn depth_limited_ancestors() {
        let g = &*SAMPLE_GRAPH;
        let walk = |r: &[i32], start, stop| {
            ints(ancestors_within_depth(g, &revs(r), start, stop, &Uninterrupted).unwrap())
        };
        assert_eq!(walk(&[12], 0, 3), vec![12, 9, 7, 6]);
        assert_eq!(walk(&[12], 2, 4), vec![7, 6, 4]);
        assert_eq!(walk(&[12, 11], 1, 2), vec![9, 7, 3]);
        assert_eq!(walk(&[12], 0, 0), Vec::<i32>::new());
        let first = crate::graph::Followed {
            graph: g,
            follow: Follow::First { canonical: true },
        };
        assert_eq!(
            ints(
                ancestors_within_depth(&first, &revs(&[11]), 0, u32::MAX, &Uninterrupted).unwrap()
            ),
            vec![11, 3, 1, 0]
        );
    }

    #[test]
    fn depth_limited_descendants() {
        let g = &*SAMPLE_GRAPH;
        let walk = |r: &[i32], first: bool, filtered: Option<&RevisionSet>, start, stop| {
            let follow = if first {
                Follow::First { canonical: true }
            } else {
                Follow::All
            };
            let walked = descendants_within_depth(
                g,
                &revs(r),
                follow,
                filtered,
                start,
                stop,
                &Uninterrupted,
            );
            ints(walked.unwrap())
        };
        let all = list(&descendants(g, &set(&[4]), false, true, None));
        assert_eq!(walk(&[4], false, None, 0, u32::MAX), all);
        assert_eq!(all, vec![4, 5, 6, 7, 9, 10, 11, 12]);
        assert_eq!(walk(&[4], false, None, 1, 2), vec![5, 6, 7]);
        assert_eq!(walk(&[4], false, None, 2, 3), vec![9, 10, 11]);
        assert_eq!(walk(&[4], false, None, 0, 0), Vec::<i32>::new());
        // 9 and 11 are children of 7 through their second parents only.
        assert_eq!(walk(&[7], false, None, 0, u32::MAX), vec![7, 9, 11, 12]);
        assert_eq!(walk(&[7], true, None, 0, u32::MAX), vec![7]);
        // A filtered revision is no child, and nothing is reached through it.
        let hidden = set(&[9]);
        assert_eq!(
            walk(&[4], false, Some(&hidden), 0, u32::MAX),
            vec![4, 5, 6, 7, 10, 11]
        );
        assert_eq!(
            descendants_within_depth(g, &revs(&[-1]), Follow::All, None, 0, 3, &Uninterrupted),
            Err(GraphError::InvalidRevision(NULL_REVISION))
        );
    }

    #[test]
    fn ancestors_through_a_set() {
        let g = &*SAMPLE_GRAPH;
        // 12's ancestors through {9, 7, 5}: 9 (a parent), 7 (9's parent), not 5 (only
        // below 4, which is not in the set).
        let through = set(&[9, 7, 5, 1]);
        assert_eq!(
            list(&ancestors_through(g, &set(&[12]), &through).unwrap()),
            vec![7, 9]
        );
        assert_eq!(
            list(&ancestors_through(g, &set(&[]), &through).unwrap()),
            Vec::<i32>::new()
        );
        // A start in the set is revealed only when reached from another start.
        assert_eq!(
            list(&ancestors_through(g, &set(&[9, 12]), &set(&[9])).unwrap()),
            vec![9]
        );
        assert_eq!(
            list(&ancestors_through(g, &set(&[9]), &set(&[9])).unwrap()),
            Vec::<i32>::new()
        );
    }

    #[test]
    fn descendants_through_a_set() {
        let g = &*SAMPLE_GRAPH;
        // From 4 through {6, 7, 9, 11, 12, 13}: 6 and 7 (children), 9 (their merge),
        // 12 (9's child), 11 (a merge with 7); not 13 (under the other root).
        let through = set(&[6, 7, 9, 11, 12, 13]);
        assert_eq!(
            list(&descendants_through(g, &set(&[4]), &through).unwrap()),
            vec![6, 7, 9, 11, 12]
        );
        // A gap stops it: without 9, 12 is not reached.
        assert_eq!(
            list(&descendants_through(g, &set(&[4]), &set(&[6, 12])).unwrap()),
            vec![6]
        );
        // A source is a member only when reached from another.
        assert_eq!(
            list(&descendants_through(g, &set(&[4, 6]), &set(&[6])).unwrap()),
            vec![6]
        );
        assert_eq!(
            list(&descendants_through(g, &set(&[6]), &set(&[6])).unwrap()),
            Vec::<i32>::new()
        );
        assert_eq!(
            list(&descendants_through(g, &set(&[]), &through).unwrap()),
            Vec::<i32>::new()
        );
    }

    #[test]
    fn long_walks_stop_when_interrupted() {
        // A ladder (each revision merges the two below it) is reached at about half
        // its revision number of distinct depths: a walk from 0 with a start depth
        // above them all walks every revision once per depth.
        let ladder = ParentsTable::from_pairs((0..20_000).map(|i| match i {
            0 => (-1, -1),
            1 => (0, -1),
            _ => (i - 1, i - 2),
        }))
        .unwrap();
        struct Now;
        impl Interrupt for Now {
            fn interrupted(&self) -> bool {
                true
            }
        }
        let interrupted = Err(GraphError::Interrupted);
        let down = descendants_within_depth(
            &ladder,
            &revs(&[0]),
            Follow::All,
            None,
            100_000,
            u32::MAX,
            &Now,
        );
        assert_eq!(down, interrupted);
        let up = ancestors_within_depth(&ladder, &revs(&[19_999]), 100_000, u32::MAX, &Now);
        assert_eq!(up, interrupted);
        // 100 chains side by side, no common ancestor: a wide sweep goes to the bottom.
        let chains = ParentsTable::from_pairs(
            (0..20_000)
                .map(|i| (i - 100, -1))
                .map(|(p, q)| (p.max(-1), q)),
        )
        .unwrap();
        let tips: Vec<Revision> = (19_900..20_000).map(Revision).collect();
        assert_eq!(common_ancestors_heads(&chains, &tips, &Now), interrupted);
        assert_eq!(deepest_common_ancestors(&chains, &tips, &Now), interrupted);
        // Uninterrupted, they answer.
        assert_eq!(
            common_ancestors_heads(&chains, &tips, &Uninterrupted),
            Ok(vec![])
        );
        let short = descendants_within_depth(
            &ladder,
            &revs(&[0]),
            Follow::All,
            None,
            3,
            4,
            &Uninterrupted,
        );
        assert_eq!(ints(short.unwrap()), vec![3, 4, 5, 6]); // paths of 3 edges from 0
    }

    #[test]
    fn first_parent_walks_follow_the_reported_order() {
        // 2 is stored as (null, 1): its reported first parent is 1 in canonical
        // order (changelogs), null in stored order (filelogs).
        let g = ParentsTable::from_pairs([(-1, -1), (0, -1), (-1, 1), (2, -1)]).unwrap();
        let down = |canonical| {
            let follow = Follow::First { canonical };
            ints(
                descendants_within_depth(
                    &g,
                    &revs(&[1]),
                    follow,
                    None,
                    0,
                    u32::MAX,
                    &Uninterrupted,
                )
                .unwrap(),
            )
        };
        assert_eq!(down(true), vec![1, 2, 3]);
        assert_eq!(down(false), vec![1]);
        let up = |canonical| {
            let graph = crate::graph::Followed {
                graph: &g,
                follow: Follow::First { canonical },
            };
            ints(ancestors_within_depth(&graph, &revs(&[3]), 0, u32::MAX, &Uninterrupted).unwrap())
        };
        assert_eq!(up(true), vec![3, 2, 1, 0]);
        assert_eq!(up(false), vec![3, 2]);
    }

    #[test]
    fn common_ancestors() {
        let g = &*SAMPLE_GRAPH;
        let cah = |r: &[i32]| ints(common_ancestors_heads(g, &revs(r), &Uninterrupted).unwrap());
        assert_eq!(cah(&[12, 11]), vec![7]);
        assert_eq!(cah(&[9, 10, 11]), vec![4]);
        assert_eq!(cah(&[12, 13]), Vec::<i32>::new());
        assert_eq!(cah(&[12, -1]), Vec::<i32>::new());
        assert_eq!(cah(&[4, 12]), vec![4]);
        assert_eq!(cah(&[12, 12]), vec![12]);
        assert_eq!(cah(&[9, 11]), vec![7]);
        let dca = |r: &[i32]| ints(deepest_common_ancestors(g, &revs(r), &Uninterrupted).unwrap());
        assert_eq!(dca(&[12, 11]), vec![7]);
        assert_eq!(dca(&[10, 11]), vec![4]);
    }
}
