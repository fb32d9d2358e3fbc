//! Stateless set functions on the DAG: heads, roots, parents, children, descendants,
//! ancestors and descendants through a set, reachable roots (`x::y`) and is-ancestor.
//! (Depth-limited walks are in [`crate::depth`], common ancestors in
//! [`crate::common_ancestors`].)
//!
//! Each names the Mercurial function it replaces; results are equal to it (as sets,
//! and in order where Mercurial's is defined: see each function).

use crate::bitset::RevisionSet;
use crate::graph::{check_revision, checked_parents, Graph};
use crate::parents_table::ParentsTable;
use crate::revision::{GraphError, Revision, NULL_REVISION};

/// The heads of a set: members that are not a parent of another member
/// (`mercurial.dagop.headrevs`). Never the null revision.
pub(crate) fn heads(graph: &impl Graph, revs: &RevisionSet) -> Result<RevisionSet, GraphError> {
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
pub(crate) fn graph_heads(
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
pub(crate) fn parents(graph: &impl Graph, revs: &RevisionSet) -> Result<RevisionSet, GraphError> {
    let mut parents = RevisionSet::new();
    for rev in revs.iter() {
        for parent in checked_parents(graph, rev)? {
            parents.insert(parent);
        }
    }
    Ok(parents)
}

/// Members with no parent in the set (the revset `roots()`).
pub(crate) fn roots(graph: &impl Graph, revs: &RevisionSet) -> Result<RevisionSet, GraphError> {
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
pub(crate) fn children(
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{ints, list, revs, set, SAMPLE_GRAPH};

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
}
