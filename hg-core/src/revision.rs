//! Revision numbers and the errors of graph access.
//!
//! # Terminology
//! - *revision*: the index of a changeset (or manifest, file revision) in its revlog,
//!   from 0. Parents always have smaller numbers than their children: the numbering is a
//!   topological order, which every algorithm of this crate relies on.
//! - *null revision*: -1, the parent of roots. Never yielded by any walk.
//! - *working directory revision*: `0x7fffffff`, Mercurial's `wdirrev`. It has no place in
//!   a revlog; every operation rejects it with [`GraphError::WorkingDirectoryUnsupported`].

use std::fmt;

/// A revision number, as Mercurial's `int` revisions (`i32` in its C index).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Revision(pub i32);

/// The parent of root revisions (Mercurial's `nullrev`).
pub const NULL_REVISION: Revision = Revision(-1);

/// The working directory pseudo-revision (Mercurial's `wdirrev`).
pub const WORKING_DIRECTORY_REVISION: Revision = Revision(0x7fff_ffff);

impl Revision {
    /// Whether this is [`NULL_REVISION`].
    #[inline]
    pub fn is_null(self) -> bool {
        self == NULL_REVISION
    }

    /// The revision as an index into per-revision tables.
    ///
    /// # Panics
    /// Debug builds panic on negative revisions: callers check for `NULL_REVISION` first.
    #[inline]
    pub(crate) fn index(self) -> usize {
        debug_assert!(self.0 >= 0, "index() of negative revision {}", self.0);
        self.0 as usize
    }
}

impl fmt::Display for Revision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl From<i32> for Revision {
    fn from(rev: i32) -> Self {
        Revision(rev)
    }
}

/// What can go wrong when asking a graph about a revision.
///
/// Variants name the revision that was asked about, so that bindings can raise
/// `GraphError(variant_name, rev, ...)` with the same arguments whatever the backend.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum GraphError {
    /// The revision is not in the graph: below -1, or not less than its length.
    ///
    /// This is caller misuse: a revision that the caller should have checked.
    InvalidRevision(Revision),
    /// The working directory pseudo-revision was given where only stored revisions make
    /// sense (Mercurial raises `WdirUnsupported` for the same reason).
    WorkingDirectoryUnsupported,
    /// A parent of `rev` is outside the graph: the index is corrupt (or was stripped
    /// under a reader).
    ParentOutOfRange(Revision),
    /// A parent of `rev` is not below it: the index is corrupt. Every algorithm here
    /// needs parents below children; continuing would give wrong answers.
    ParentNotBelowChild {
        /// The revision whose parents were read.
        rev: Revision,
        /// The offending parent.
        parent: Revision,
    },
    /// The computation was stopped by its `Interrupt` (Ctrl-C, in
    /// Python): no answer was computed.
    Interrupted,
}

impl GraphError {
    /// The variant's name, as bindings pass it in exception arguments.
    pub fn kind(&self) -> &'static str {
        match self {
            GraphError::InvalidRevision(_) => "InvalidRevision",
            GraphError::WorkingDirectoryUnsupported => "WorkingDirectoryUnsupported",
            GraphError::ParentOutOfRange(_) => "ParentOutOfRange",
            GraphError::ParentNotBelowChild { .. } => "ParentNotBelowChild",
            GraphError::Interrupted => "Interrupted",
        }
    }
}

impl fmt::Display for GraphError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GraphError::InvalidRevision(rev) => write!(f, "invalid revision {}", rev),
            GraphError::WorkingDirectoryUnsupported => {
                write!(f, "working directory revision is not supported here")
            }
            GraphError::ParentOutOfRange(rev) => {
                write!(f, "parent of revision {} is out of range", rev)
            }
            GraphError::ParentNotBelowChild { rev, parent } => {
                write!(f, "parent {} of revision {} is not below it", parent, rev)
            }
            GraphError::Interrupted => write!(f, "interrupted"),
        }
    }
}

impl std::error::Error for GraphError {}

/// Check a revision given by a caller: the working directory and anything below -1 are
/// rejected here; the upper bound is the graph's to check.
#[inline]
pub fn check_input_revision(rev: Revision) -> Result<Revision, GraphError> {
    if rev == WORKING_DIRECTORY_REVISION {
        Err(GraphError::WorkingDirectoryUnsupported)
    } else if rev.0 < NULL_REVISION.0 {
        Err(GraphError::InvalidRevision(rev))
    } else {
        Ok(rev)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn input_checks() {
        assert_eq!(check_input_revision(Revision(3)), Ok(Revision(3)));
        assert_eq!(check_input_revision(NULL_REVISION), Ok(NULL_REVISION));
        assert_eq!(
            check_input_revision(Revision(-2)),
            Err(GraphError::InvalidRevision(Revision(-2)))
        );
        assert_eq!(
            check_input_revision(WORKING_DIRECTORY_REVISION),
            Err(GraphError::WorkingDirectoryUnsupported)
        );
    }

    #[test]
    fn error_kinds_and_messages() {
        let e = GraphError::ParentNotBelowChild {
            rev: Revision(2),
            parent: Revision(5),
        };
        assert_eq!(e.kind(), "ParentNotBelowChild");
        assert_eq!(e.to_string(), "parent 5 of revision 2 is not below it");
        assert_eq!(
            GraphError::InvalidRevision(Revision(9)).to_string(),
            "invalid revision 9"
        );
    }
}
