//! The graph trait: what algorithms need of a DAG, and the views of one (first parents).

use std::sync::Arc;

use crate::reach::ReachIndex;
use crate::revision::{check_input_revision, GraphError, Revision, NULL_REVISION};

/// The simplest expression of what we need of Mercurial DAGs (as Mercurial's own
/// `hg::Graph`): the two parents of a revision, `NULL_REVISION` for a missing one.
pub trait Graph {
    /// The parents of `rev`; `InvalidRevision` if `rev` is not in the graph.
    fn parents(&self, rev: Revision) -> Result<[Revision; 2], GraphError>;

    /// The graph's reachability index and parents, for a query that would otherwise
    /// walk about `span` revisions, if the graph has one or finds it worth building
    /// now (see `ParentsTable::reach_index_for_walk`). None by default.
    fn reach_index_for_walk(&self, span: usize) -> Option<(&ReachIndex, &[[Revision; 2]])> {
        let _ = span;
        None
    }

    /// The parents of every revision, revision `i` at `i`, if the graph holds them
    /// as one table checked when stored (each parent below its child): hot sweeps
    /// read it without a check a revision. None by default.
    fn checked_table(&self) -> Option<&[[Revision; 2]]> {
        None
    }
}

impl<G: Graph + ?Sized> Graph for &G {
    #[inline]
    fn parents(&self, rev: Revision) -> Result<[Revision; 2], GraphError> {
        (**self).parents(rev)
    }

    fn reach_index_for_walk(&self, span: usize) -> Option<(&ReachIndex, &[[Revision; 2]])> {
        (**self).reach_index_for_walk(span)
    }

    fn checked_table(&self) -> Option<&[[Revision; 2]]> {
        (**self).checked_table()
    }
}

impl<G: Graph + ?Sized> Graph for Arc<G> {
    #[inline]
    fn parents(&self, rev: Revision) -> Result<[Revision; 2], GraphError> {
        (**self).parents(rev)
    }

    fn reach_index_for_walk(&self, span: usize) -> Option<(&ReachIndex, &[[Revision; 2]])> {
        (**self).reach_index_for_walk(span)
    }

    fn checked_table(&self) -> Option<&[[Revision; 2]]> {
        (**self).checked_table()
    }
}

/// Which parents a walk follows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Follow {
    /// Both parents.
    All,
    /// The first parent only (Mercurial's `followfirst`: `_firstancestors`,
    /// `_firstdescendants`, `--follow-first`), as the revlog reports it. With
    /// `canonical` (changelogs and manifests: Mercurial's `canonical_parent_order`), a
    /// revision stored with a null first parent reports its second parent first: one
    /// stored as `(null, X)` has first parent X, as `hg debugsetparents null X` and
    /// some converted repositories make. Filelogs report the stored order.
    First {
        /// Whether a stored null first parent is reported second.
        canonical: bool,
    },
}

impl Follow {
    /// The parents followed, from the stored `parents`: for `First`, the reported
    /// first parent and null.
    #[inline]
    pub fn followed(self, parents: [Revision; 2]) -> [Revision; 2] {
        match self {
            Follow::All => parents,
            Follow::First { canonical } => {
                let [p1, p2] = parents;
                let first = if canonical && p1.is_null() { p2 } else { p1 };
                [first, NULL_REVISION]
            }
        }
    }
}

/// A graph seen through the parents a walk follows (see [`Follow`]).
#[derive(Clone, Copy, Debug)]
pub struct Followed<G> {
    /// The whole graph.
    pub graph: G,
    /// Which of its parents are seen.
    pub follow: Follow,
}

impl<G: Graph> Graph for Followed<G> {
    #[inline]
    fn parents(&self, rev: Revision) -> Result<[Revision; 2], GraphError> {
        Ok(self.follow.followed(self.graph.parents(rev)?))
    }
}

/// The parents of `rev`, checked to be below it: every sweep in this crate depends on it,
/// and a corrupt index must give an error, not a wrong answer.
#[inline]
pub(crate) fn checked_parents(
    graph: &impl Graph,
    rev: Revision,
) -> Result<[Revision; 2], GraphError> {
    if rev.is_null() {
        return Ok([NULL_REVISION; 2]);
    }
    let parents = graph.parents(rev)?;
    for parent in parents {
        if parent >= rev || parent.0 < NULL_REVISION.0 {
            return Err(GraphError::ParentNotBelowChild { rev, parent });
        }
    }
    Ok(parents)
}

/// Validate a caller's revision against `graph`: not the working directory, not below
/// -1, and present in the graph (asking for its parents proves it).
#[inline]
pub fn check_revision(graph: &impl Graph, rev: Revision) -> Result<Revision, GraphError> {
    let rev = check_input_revision(rev)?;
    if !rev.is_null() {
        graph.parents(rev)?;
    }
    Ok(rev)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ParentsTable;

    struct Corrupt;
    impl Graph for Corrupt {
        fn parents(&self, rev: Revision) -> Result<[Revision; 2], GraphError> {
            Ok([Revision(rev.0 + 1), NULL_REVISION])
        }
    }

    #[test]
    fn checked_parents_catches_corruption() {
        assert_eq!(
            checked_parents(&Corrupt, Revision(4)),
            Err(GraphError::ParentNotBelowChild {
                rev: Revision(4),
                parent: Revision(5)
            })
        );
    }

    #[test]
    fn first_parent_as_reported() {
        let stored = [NULL_REVISION, Revision(4)];
        let canonical = Follow::First { canonical: true };
        let raw = Follow::First { canonical: false };
        assert_eq!(canonical.followed(stored), [Revision(4), NULL_REVISION]);
        assert_eq!(raw.followed(stored), [NULL_REVISION; 2]);
        let merge = [Revision(2), Revision(3)];
        assert_eq!(canonical.followed(merge), [Revision(2), NULL_REVISION]);
        assert_eq!(Follow::All.followed(stored), stored);
        let table = ParentsTable::from_pairs([(-1, -1), (-1, 0)]).unwrap();
        let first = Followed {
            graph: &table,
            follow: canonical,
        };
        assert_eq!(first.parents(Revision(1)), Ok([Revision(0), NULL_REVISION]));
    }
}
