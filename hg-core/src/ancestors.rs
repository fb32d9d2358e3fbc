//! Stateful ancestry walkers: [`AncestorsIterator`], [`LazyAncestors`] and
//! [`MissingAncestors`], the replacements for `mercurial.ancestor`'s
//! `_lazyancestorsiter`, `lazyancestors` and `incrementalmissingancestors`.
//!
//! # Terminology
//! - *marked*: a revision known to be an ancestor (a member of the walk's bit set).
//! - *cursor*: every marked revision above it has been visited (its parents marked);
//!   the next one to visit is the highest marked revision at or below it.
//!
//! Since parents are below children, a single descending sweep visits every ancestor
//! once, in Mercurial's order (descending), with one bit test per parent instead of the
//! binary heap and hash set of Mercurial's Python and Rust.

use crate::bitset::{prev_member_of_union, RevisionSet};
use crate::dagops;
use crate::graph::{check_revision, checked_parents, Graph};
use crate::revision::{GraphError, Revision, NULL_REVISION};

/// The descending sweep shared by the walkers: marked revisions, and the cursor below
/// which they still have to be visited.
#[derive(Clone, Debug)]
struct Sweep {
    marked: RevisionSet,
    cursor: Revision,
    /// Nothing below it is marked or visited: `max(stoprev, 0)`.
    floor: Revision,
}

impl Sweep {
    fn new(floor: Revision) -> Self {
        Sweep {
            marked: RevisionSet::new(),
            cursor: NULL_REVISION,
            floor: floor.max(Revision(0)),
        }
    }

    #[inline]
    fn mark(&mut self, rev: Revision) {
        if rev >= self.floor {
            self.marked.insert(rev);
            if rev > self.cursor {
                self.cursor = rev;
            }
        }
    }

    /// Visit the next marked revision: mark its parents and return it.
    #[inline]
    fn step(&mut self, graph: &impl Graph) -> Option<Result<Revision, GraphError>> {
        let rev = self.marked.prev_at_or_below(self.cursor)?;
        if rev < self.floor {
            self.cursor = NULL_REVISION;
            return None;
        }
        match checked_parents(graph, rev) {
            Ok([p1, p2]) => {
                self.cursor = Revision(rev.0 - 1);
                self.mark(p1);
                self.mark(p2);
                Some(Ok(rev))
            }
            Err(error) => {
                // Fused: a corrupt graph gives one error, then nothing.
                self.cursor = NULL_REVISION;
                Some(Err(error))
            }
        }
    }
}

/// Ancestors of a set of revisions, in descending order (Mercurial's
/// `ancestor._lazyancestorsiter`).
///
/// - `inclusive`: the start revisions are yielded too (when at or above `stoprev`);
///   otherwise a start revision is yielded only if it is an ancestor of another one.
/// - `stoprev`: nothing below it is yielded; start revisions below it are ignored.
/// - `NULL_REVISION` is never yielded.
#[derive(Clone, Debug)]
pub struct AncestorsIterator<G: Graph> {
    graph: G,
    sweep: Sweep,
}

impl<G: Graph> AncestorsIterator<G> {
    /// Start a walk. Every start revision is checked: the working directory, revisions
    /// below -1 and revisions outside the graph are errors.
    pub fn new(
        graph: G,
        initrevs: impl IntoIterator<Item = Revision>,
        stoprev: Revision,
        inclusive: bool,
    ) -> Result<Self, GraphError> {
        let mut sweep = Sweep::new(stoprev);
        for rev in initrevs {
            let rev = check_revision(&graph, rev)?;
            if rev < stoprev {
                continue;
            }
            if inclusive {
                sweep.mark(rev);
            } else {
                let [p1, p2] = checked_parents(&graph, rev)?;
                sweep.mark(p1);
                sweep.mark(p2);
            }
        }
        Ok(AncestorsIterator { graph, sweep })
    }

    /// Whether the walk has nothing (more) to yield, without advancing it.
    pub fn peek_is_done(&self) -> bool {
        match self.sweep.marked.prev_at_or_below(self.sweep.cursor) {
            Some(rev) => rev < self.sweep.floor,
            None => true,
        }
    }

    /// Append up to `max` further ancestors to `out`; returns how many were added.
    /// Bindings use it to produce Python ints in batches.
    pub fn next_batch(&mut self, out: &mut Vec<Revision>, max: usize) -> Result<usize, GraphError> {
        let before = out.len();
        while out.len() - before < max {
            match self.sweep.step(&self.graph) {
                Some(rev) => out.push(rev?),
                None => break,
            }
        }
        Ok(out.len() - before)
    }

    /// Visit every marked revision at or above `target` (without yielding them), then
    /// tell whether `target` is an ancestor. Revisions above the cursor were visited
    /// already, so repeated queries cost one bit test each.
    fn advance_to(&mut self, target: Revision) -> Result<bool, GraphError> {
        if target < self.sweep.floor {
            return Ok(false);
        }
        while let Some(rev) = self.sweep.marked.prev_at_or_below(self.sweep.cursor) {
            if rev < target || rev < self.sweep.floor {
                break;
            }
            if let Some(Err(error)) = self.sweep.step(&self.graph) {
                return Err(error);
            }
        }
        Ok(self.sweep.marked.contains(target))
    }
}

impl<G: Graph> Iterator for AncestorsIterator<G> {
    type Item = Result<Revision, GraphError>;

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        self.sweep.step(&self.graph)
    }
}

/// A lazily computed set of ancestors (Mercurial's `ancestor.lazyancestors`):
/// iteration restarts from the start revisions each time; membership sweeps only as
/// far down as the revision asked about, once.
#[derive(Clone, Debug)]
pub struct LazyAncestors<G: Graph + Clone> {
    graph: G,
    initrevs: Vec<Revision>,
    stoprev: Revision,
    inclusive: bool,
    containment: AncestorsIterator<G>,
}

impl<G: Graph + Clone> LazyAncestors<G> {
    /// Check the start revisions and prepare the walk (nothing is walked yet).
    pub fn new(
        graph: G,
        initrevs: impl IntoIterator<Item = Revision>,
        stoprev: Revision,
        inclusive: bool,
    ) -> Result<Self, GraphError> {
        let initrevs: Vec<Revision> = initrevs.into_iter().collect();
        let containment =
            AncestorsIterator::new(graph.clone(), initrevs.iter().copied(), stoprev, inclusive)?;
        Ok(LazyAncestors {
            graph,
            initrevs,
            stoprev,
            inclusive,
            containment,
        })
    }

    /// A fresh walk over the ancestors, in descending order.
    pub fn iter(&self) -> AncestorsIterator<G> {
        AncestorsIterator::new(
            self.graph.clone(),
            self.initrevs.iter().copied(),
            self.stoprev,
            self.inclusive,
        )
        .expect("start revisions were checked by LazyAncestors::new")
    }

    /// Whether there is no ancestor at all (Python's `__bool__`), without walking.
    pub fn is_empty(&self) -> bool {
        self.iter().peek_is_done()
    }

    /// Whether `target` is an ancestor. Any revision is accepted: the null revision,
    /// the working directory and revisions outside the graph are simply not members.
    pub fn contains(&mut self, target: Revision) -> Result<bool, GraphError> {
        self.containment.advance_to(target)
    }

    /// Membership when it needs no walking (the sweep already passed `target`, or
    /// `target` is below the floor); `None` otherwise. Bindings answer these without
    /// releasing the GIL.
    pub fn contains_cached(&self, target: Revision) -> Option<bool> {
        let sweep = &self.containment.sweep;
        if target < sweep.floor {
            Some(false)
        } else if target > sweep.cursor {
            Some(sweep.marked.contains(target))
        } else {
            None
        }
    }

    /// The graph this set walks.
    pub fn graph(&self) -> &G {
        &self.graph
    }

    /// The start revisions, as given.
    pub fn initrevs(&self) -> &[Revision] {
        &self.initrevs
    }
}

/// Incremental computation of missing ancestors (Mercurial's
/// `ancestor.incrementalmissingancestors`): the ancestors of some revisions that are
/// not ancestors of a growing set of *bases*.
///
/// The algorithms are those of the Python class, with bit sets for its Python sets, so
/// `bases` evolves exactly as there (it gains visited ancestors as a side effect).
#[derive(Clone, Debug)]
pub struct MissingAncestors<G: Graph> {
    graph: G,
    bases: RevisionSet,
    /// Python's `bases` is a set that may hold `nullrev`; a bit set cannot.
    bases_has_null: bool,
}

impl<G: Graph> MissingAncestors<G> {
    /// Start from `bases` (the null revision when empty). Bases are checked.
    pub fn new(graph: G, bases: impl IntoIterator<Item = Revision>) -> Result<Self, GraphError> {
        let mut missing = MissingAncestors {
            graph,
            bases: RevisionSet::new(),
            bases_has_null: false,
        };
        missing.add_bases(bases)?;
        if missing.bases.is_empty() {
            missing.bases_has_null = true;
        }
        Ok(missing)
    }

    /// Continue on `graph`, which must extend the current graph (the repository grew):
    /// every answer so far stays true on it.
    pub fn extend_graph(&mut self, graph: G) {
        self.graph = graph;
    }

    /// Whether the bases hold any revision besides the null revision.
    pub fn has_bases(&self) -> bool {
        !self.bases.is_empty()
    }

    /// Grow the bases. Revisions are checked before any is added.
    pub fn add_bases(
        &mut self,
        new_bases: impl IntoIterator<Item = Revision>,
    ) -> Result<(), GraphError> {
        let new_bases = new_bases
            .into_iter()
            .map(|rev| check_revision(&self.graph, rev))
            .collect::<Result<Vec<_>, _>>()?;
        for rev in new_bases {
            self.add_base(rev);
        }
        Ok(())
    }

    #[inline]
    fn add_base(&mut self, rev: Revision) {
        if rev.is_null() {
            self.bases_has_null = true;
        } else {
            self.bases.insert(rev);
        }
    }

    /// The bases (without the null revision) and whether the null revision is one.
    pub fn bases(&self) -> (&RevisionSet, bool) {
        (&self.bases, self.bases_has_null)
    }

    /// The heads of the bases (`dagop.headrevs(bases)`); never the null revision.
    pub fn bases_heads(&self) -> Result<RevisionSet, GraphError> {
        dagops::heads(&self.graph, &self.bases)
    }

    /// Remove from `revs` every ancestor of the bases (bases included) and the null
    /// revision; `revs` is given as a set without the null revision, which the caller
    /// drops itself.
    pub fn remove_ancestors_from(&mut self, revs: &mut RevisionSet) -> Result<(), GraphError> {
        revs.difference_with(&self.bases);
        let Some(lowest) = revs.min() else {
            return Ok(());
        };
        let Some(start) = self.bases.max() else {
            return Ok(());
        };
        let keep_count = revs.iter_from(Revision(start.0 + 1)).count();
        if revs.len() == keep_count {
            return Ok(());
        }
        let mut cursor = start;
        while let Some(current) = self.bases.prev_at_or_below(cursor) {
            if current < lowest {
                break;
            }
            revs.remove(current);
            let [p1, p2] = checked_parents(&self.graph, current)?;
            self.add_base(p1);
            self.add_base(p2);
            if revs.len() == keep_count {
                break;
            }
            cursor = Revision(current.0 - 1);
        }
        Ok(())
    }

    /// The ancestors of `revs` that are not ancestors of the bases, ascending
    /// (`::revs - ::bases`). `revs` may include the null revision.
    pub fn missing_ancestors(
        &mut self,
        revs: impl IntoIterator<Item = Revision>,
    ) -> Result<Vec<Revision>, GraphError> {
        let mut revs_visit = RevisionSet::new();
        let mut revs_has_null = false;
        for rev in revs {
            let rev = check_revision(&self.graph, rev)?;
            if rev.is_null() {
                revs_has_null = true;
            } else {
                revs_visit.insert(rev);
            }
        }
        let mut both_visit = &revs_visit & &self.bases;
        revs_visit.difference_with(&both_visit);
        if revs_has_null && self.bases_has_null {
            revs_has_null = false;
        }
        if revs_visit.is_empty() && !revs_has_null {
            return Ok(Vec::new());
        }
        let start = match (revs_visit.max(), self.bases.max()) {
            (Some(a), Some(b)) => a.max(b),
            (a, b) => a.or(b).unwrap_or(NULL_REVISION),
        };

        // The sweep of the Python version, visiting only revisions in some set. A
        // `nullrev` in `revs` keeps Python's loop going until the bottom (it is never
        // visited, so never leaves `revsvisit`); `revs_has_null` reproduces that.
        let mut missing = Vec::new();
        let mut cursor = start;
        while !revs_visit.is_empty() || revs_has_null {
            let Some(current) = prev_member_of_union(&[&revs_visit, &self.bases], cursor) else {
                break;
            };
            cursor = Revision(current.0 - 1);
            let parents = checked_parents(&self.graph, current)?;
            if both_visit.remove(current) {
                // Its parents might have reached revs_visit through another path.
                for p in parents {
                    if p.is_null() {
                        revs_has_null = false;
                    }
                    revs_visit.remove(p);
                    self.add_base(p);
                    both_visit.insert(p);
                }
                continue;
            }
            let in_revs = revs_visit.remove(current);
            if in_revs {
                missing.push(current);
            }
            for p in parents {
                if p.is_null() {
                    continue;
                }
                let in_other = if in_revs {
                    self.bases.contains(p)
                } else {
                    revs_visit.contains(p)
                };
                if in_other || both_visit.contains(p) {
                    revs_visit.remove(p);
                    self.bases.insert(p);
                    both_visit.insert(p);
                } else if in_revs {
                    revs_visit.insert(p);
                } else {
                    self.bases.insert(p);
                }
            }
        }
        missing.reverse();
        Ok(missing)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{revs, SAMPLE_GRAPH};

    fn ancestors(initrevs: &[i32], stoprev: i32, inclusive: bool) -> Vec<i32> {
        AncestorsIterator::new(&*SAMPLE_GRAPH, revs(initrevs), Revision(stoprev), inclusive)
            .unwrap()
            .map(|r| r.unwrap().0)
            .collect()
    }

    #[test]
    fn iterator_matches_mercurial_examples() {
        // The cases of Mercurial's test-ancestor.py, on the same graph.
        assert_eq!(ancestors(&[], 0, false), Vec::<i32>::new());
        assert_eq!(ancestors(&[11, 13], 0, false), vec![8, 7, 4, 3, 2, 1, 0]);
        assert_eq!(ancestors(&[1, 3], 0, false), vec![1, 0]);
        assert_eq!(
            ancestors(&[11, 13], 0, true),
            vec![13, 11, 8, 7, 4, 3, 2, 1, 0]
        );
        assert_eq!(ancestors(&[11, 13], 6, false), vec![8, 7]);
        assert_eq!(ancestors(&[11, 13], 6, true), vec![13, 11, 8, 7]);
        assert_eq!(ancestors(&[11, 13], 11, true), vec![13, 11]);
        assert_eq!(ancestors(&[11, 13], 12, true), vec![13]);
        assert_eq!(ancestors(&[10, 1], 0, true), vec![10, 5, 4, 2, 1, 0]);
        assert_eq!(ancestors(&[-1], 0, true), Vec::<i32>::new());
    }

    #[test]
    fn iterator_rejects_bad_input() {
        let err = |revs_in: &[i32]| {
            AncestorsIterator::new(&*SAMPLE_GRAPH, revs(revs_in), Revision(0), false).unwrap_err()
        };
        assert_eq!(err(&[14]), GraphError::InvalidRevision(Revision(14)));
        assert_eq!(err(&[-2]), GraphError::InvalidRevision(Revision(-2)));
        assert_eq!(err(&[0x7fff_ffff]), GraphError::WorkingDirectoryUnsupported);
    }

    #[test]
    fn batches_continue_where_they_stopped() {
        let mut it =
            AncestorsIterator::new(&*SAMPLE_GRAPH, revs(&[11, 13]), Revision(0), true).unwrap();
        let mut out = Vec::new();
        assert_eq!(it.next_batch(&mut out, 3), Ok(3));
        assert_eq!(it.next_batch(&mut out, 100), Ok(6));
        assert_eq!(it.next_batch(&mut out, 100), Ok(0));
        assert_eq!(out, revs(&[13, 11, 8, 7, 4, 3, 2, 1, 0]));
    }

    #[test]
    fn lazy_membership() {
        let mut lazy =
            LazyAncestors::new(&*SAMPLE_GRAPH, revs(&[11, 13]), Revision(0), false).unwrap();
        assert!(!lazy.is_empty());
        for (rev, expected) in [
            (13, false),
            (11, false),
            (8, true),
            (12, false),
            (7, true),
            (0, true),
            (-1, false),
            (5, false),
            (0x7fff_ffff, false),
            (100, false),
            (-7, false),
        ] {
            assert_eq!(lazy.contains(Revision(rev)), Ok(expected), "rev {}", rev);
        }
        // Iteration restarts and is unaffected by membership queries.
        let all: Vec<i32> = lazy.iter().map(|r| r.unwrap().0).collect();
        assert_eq!(all, vec![8, 7, 4, 3, 2, 1, 0]);
        let empty = LazyAncestors::new(&*SAMPLE_GRAPH, revs(&[0]), Revision(0), false).unwrap();
        assert!(empty.is_empty());
        let stopped =
            LazyAncestors::new(&*SAMPLE_GRAPH, revs(&[11, 13]), Revision(12), false).unwrap();
        assert!(stopped.is_empty());
    }

    fn missing(bases: &[i32], revs_in: &[i32]) -> Vec<i32> {
        let mut m = MissingAncestors::new(&*SAMPLE_GRAPH, revs(bases)).unwrap();
        m.missing_ancestors(revs(revs_in))
            .unwrap()
            .into_iter()
            .map(|r| r.0)
            .collect()
    }

    #[test]
    fn missing_ancestors_examples() {
        // Expected values computed by Mercurial's ancestor.py on the same graph.
        assert_eq!(missing(&[1], &[2]), vec![2]);
        assert_eq!(missing(&[1], &[3]), vec![3]);
        assert_eq!(missing(&[], &[3]), vec![0, 1, 3]);
        assert_eq!(missing(&[11], &[10]), vec![5, 10]);
        assert_eq!(missing(&[7], &[11]), vec![3, 11]);
        assert_eq!(missing(&[10], &[11, 12]), vec![3, 6, 7, 9, 11, 12]);
        assert_eq!(missing(&[13], &[12]), vec![0, 1, 2, 4, 6, 7, 9, 12]);
        assert_eq!(missing(&[1, 12], &[13]), vec![8, 13]);
        assert_eq!(missing(&[3], &[-1, 1]), Vec::<i32>::new());
    }

    #[test]
    fn incremental_api() {
        let mut m = MissingAncestors::new(&*SAMPLE_GRAPH, revs(&[])).unwrap();
        assert!(!m.has_bases());
        assert!(m.bases().1);
        m.add_bases(revs(&[10, 7])).unwrap();
        assert!(m.has_bases());
        let heads: Vec<i32> = m.bases_heads().unwrap().iter().map(|r| r.0).collect();
        assert_eq!(heads, vec![7, 10]);
        let mut set: RevisionSet = revs(&[1, 4, 5, 9, 11, 13]).into_iter().collect();
        m.remove_ancestors_from(&mut set).unwrap();
        let left: Vec<i32> = set.iter().map(|r| r.0).collect();
        assert_eq!(left, vec![9, 11, 13]);
        // Bases grew as in Python: [-1, 0, 1, 2, 4, 5, 7, 10].
        let (bases, has_null) = m.bases();
        let grown: Vec<i32> = bases.iter().map(|r| r.0).collect();
        assert_eq!((grown, has_null), (vec![0, 1, 2, 4, 5, 7, 10], true));
        assert_eq!(
            m.add_bases(revs(&[99])),
            Err(GraphError::InvalidRevision(Revision(99)))
        );
    }
}
