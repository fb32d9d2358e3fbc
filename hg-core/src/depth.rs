//! Mercurial's depth-limited walks: `ancestors(x, depth=n, startdepth=m)`,
//! `descendants(x, depth=n, startdepth=m)` and `x#generations[...]`.

use std::collections::{BTreeSet, HashMap};

use crate::bitset::RevisionSet;
use crate::graph::{check_revision, checked_parents, Follow, Graph};
use crate::interrupt::{Interrupt, Poller};
use crate::parents_table::ParentsTable;
use crate::revision::{GraphError, Revision, NULL_REVISION};

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dagops::descendants;
    use crate::interrupt::Uninterrupted;
    use crate::testing::{ints, list, revs, set, SAMPLE_GRAPH};

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
}
