//! Setdiscovery's sampling walk (`setdiscovery._updatesample`): which revisions a
//! discovery round asks the other side about.
//!
//! From each start, breadth first, the revisions at distance 1, 2, 4, 8, ... are
//! sampled. The walk is Mercurial's step for step (its queue, its first-assigned
//! distances, its one doubling per visit), so that the revisions it adds, and the
//! order they are added in, are Mercurial's: the caller adds them to a Python set in
//! that order, and the set then iterates as Mercurial's would (discovery draws its
//! random samples from that iteration).

use std::collections::{HashMap, VecDeque};

use crate::bitset::RevisionSet;
use crate::graph::{checked_parents, Graph};
use crate::revision::{GraphError, Revision};

/// Which way the sampling walk goes from its starts, and the set it stays in
/// (`revs`).
#[derive(Clone, Copy, Debug)]
pub enum Direction<'a> {
    /// Towards parents, as the index stores them (from the heads), within the set or
    /// (`None`) the whole graph.
    Parents(Option<&'a RevisionSet>),
    /// Towards children within the set, ascending (from the roots).
    Children(&'a RevisionSet),
}

/// `_updatesample(revs, heads, sample, parentfn, quicksamplesize)`: the revisions the
/// walk adds to `sample`, in the order it adds them.
///
/// - `starts`: the walk's starts in the caller's iteration order (`heads`);
/// - `sample`: the sample's members before the walk (its size is counted from them);
/// - `target`: stop as soon as the sample holds this many (`quicksamplesize`; 0: never).
pub fn sample_walk(
    graph: &impl Graph,
    direction: Direction,
    starts: &[Revision],
    sample: &RevisionSet,
    target: usize,
) -> Result<Vec<Revision>, GraphError> {
    let (within, children) = match direction {
        Direction::Parents(within) => (within, None),
        Direction::Children(within) => (Some(within), Some(children_within(graph, within)?)),
    };
    let mut in_sample = sample.clone();
    let mut sample_len = in_sample.len();
    let mut added = Vec::new();
    let mut distance: HashMap<Revision, u64> = HashMap::new();
    let mut seen = RevisionSet::new();
    let mut visit: VecDeque<Revision> = starts.iter().copied().collect();
    let mut factor: u64 = 1;
    let mut next = Vec::with_capacity(2);
    while let Some(current) = visit.pop_front() {
        if seen.contains(current) {
            continue;
        }
        let d = *distance.entry(current).or_insert(1);
        if d > factor {
            factor *= 2;
        }
        if d == factor {
            if in_sample.insert(current) {
                sample_len += 1;
                added.push(current);
            }
            if target > 0 && sample_len >= target {
                return Ok(added);
            }
        }
        seen.insert(current);
        next.clear();
        match &children {
            Some(children) => next.extend(children.get(&current).into_iter().flatten().copied()),
            None => next.extend(
                checked_parents(graph, current)?
                    .into_iter()
                    .filter(|p| !p.is_null()),
            ),
        }
        for &p in &next {
            if within.is_none_or(|w| w.contains(p)) {
                distance.entry(p).or_insert(d + 1);
                visit.push_back(p);
            }
        }
    }
    Ok(added)
}

/// The children of each member of `within` among its members, ascending.
fn children_within(
    graph: &impl Graph,
    within: &RevisionSet,
) -> Result<HashMap<Revision, Vec<Revision>>, GraphError> {
    let mut children: HashMap<Revision, Vec<Revision>> = HashMap::new();
    for rev in within.iter() {
        for p in checked_parents(graph, rev)? {
            if !p.is_null() && within.contains(p) {
                children.entry(p).or_default().push(rev);
            }
        }
    }
    Ok(children)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{revs, SAMPLE_GRAPH};

    fn set(members: &[i32]) -> RevisionSet {
        let mut s = RevisionSet::new();
        for &r in members {
            s.insert(Revision(r));
        }
        s
    }

    fn ints(revs: Vec<Revision>) -> Vec<i32> {
        revs.into_iter().map(|r| r.0).collect()
    }

    #[test]
    fn samples_at_doubling_distances() {
        // A chain of 40: from the top, distances 1, 2, 4, 8, 16, 32 are sampled.
        let chain = crate::ParentsTable::from_pairs((0..40).map(|r| (r - 1, -1))).unwrap();
        let added =
            sample_walk(&chain, Direction::Parents(None), &revs(&[39]), &set(&[]), 0).unwrap();
        assert_eq!(ints(added), vec![39, 38, 36, 32, 24, 8]);
        // With a target, it stops when the sample (counting what it held) is that large.
        let added = sample_walk(
            &chain,
            Direction::Parents(None),
            &revs(&[39]),
            &set(&[5]),
            3,
        )
        .unwrap();
        assert_eq!(ints(added), vec![39, 38]);
    }

    #[test]
    fn children_walk_stays_within() {
        let g = &*SAMPLE_GRAPH;
        let within = set(&[4, 5, 6, 7, 9, 10, 12]);
        let added =
            sample_walk(g, Direction::Children(&within), &revs(&[4]), &set(&[]), 0).unwrap();
        // 4 (distance 1), its children 5, 6, 7 (2), not 10 or 9 (3), 12 (4: 4, 6, 9, 12).
        assert_eq!(ints(added), vec![4, 5, 6, 7, 12]);
        // Within the parents' direction too: nothing outside the set is reached.
        let added = sample_walk(
            g,
            Direction::Parents(Some(&within)),
            &revs(&[12]),
            &set(&[]),
            0,
        )
        .unwrap();
        assert_eq!(ints(added), vec![12, 9, 4]);
    }
}
