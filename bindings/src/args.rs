//! What a Python argument may be, decided in one place: a revision, a bound, a depth,
//! a member asked about, a revision set's member; and the arguments of `GraphError`.
//!
//! Backends extract Python ints as `i64` (a larger int raises `OverflowError` there) and
//! hand them here; nothing else interprets them.

use hg_core::revision::check_input_revision;
use hg_core::{GraphError, Revision, WORKING_DIRECTORY_REVISION};

/// A revision argument: an `i32`, or `InvalidRevision` naming the value given (the
/// working directory and values below -1 pass: each operation decides about them).
pub fn revision(value: i64) -> Result<Revision, ErrorArgs> {
    i32::try_from(value).map(Revision).map_err(|_| ErrorArgs {
        kind: "InvalidRevision",
        values: vec![value],
    })
}

/// A member of a native revision set: a revision of a graph, neither null nor the
/// working directory. `RevisionSet([...])` refuses anything else.
pub fn set_member(value: i64) -> Result<Revision, ErrorArgs> {
    let rev = check_input_revision(revision(value)?)?;
    if rev.is_null() {
        return Err(GraphError::InvalidRevision(rev).into());
    }
    Ok(rev)
}

/// A lower bound (`stoprev`, `minroot`): saturated, since any value beyond `i32`
/// bounds the same way.
pub fn bound(value: i64) -> Revision {
    Revision(saturate(value))
}

fn saturate(value: i64) -> i32 {
    value.clamp(i32::MIN as i64, i32::MAX as i64) as i32
}

/// A Python object asked about with `in`: an int within `i32` may be a member,
/// anything else is a member of nothing (never an error).
pub fn member(value: Option<i64>) -> Option<Revision> {
    value
        .and_then(|v| i32::try_from(v).ok())
        .map(Revision)
        .filter(|&rev| rev != WORKING_DIRECTORY_REVISION)
}

/// Depths `[start, stop)` of a depth-limited walk, from Python's optional ints: no
/// start is 0, no stop is unlimited, and depths beyond `u32` are as unreachable as
/// `u32::MAX` (a walk is never deeper than the graph has revisions).
pub fn depth_range(start: Option<i64>, stop: Option<i64>) -> (u32, u32) {
    let depth = |d: i64| d.clamp(0, u32::MAX as i64) as u32;
    (start.map_or(0, depth), stop.map_or(u32::MAX, depth))
}

/// The arguments of a `GraphError` exception: `(kind, *values)`, the same in both
/// backends, e.g. `("ParentNotBelowChild", 5, 7)`.
#[derive(Debug, Clone)]
pub struct ErrorArgs {
    /// The variant name.
    pub kind: &'static str,
    /// The revisions it names.
    pub values: Vec<i64>,
}

impl From<GraphError> for ErrorArgs {
    fn from(e: GraphError) -> Self {
        let values = match e {
            GraphError::InvalidRevision(r) | GraphError::ParentOutOfRange(r) => vec![r.0 as i64],
            GraphError::WorkingDirectoryUnsupported => {
                vec![WORKING_DIRECTORY_REVISION.0 as i64]
            }
            GraphError::ParentNotBelowChild { rev, parent } => vec![rev.0 as i64, parent.0 as i64],
            _ => vec![],
        };
        ErrorArgs {
            kind: e.kind(),
            values,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn revision_arguments() {
        assert_eq!(revision(5).unwrap(), Revision(5));
        let err = revision(1 << 40).unwrap_err();
        assert_eq!((err.kind, err.values), ("InvalidRevision", vec![1 << 40]));
        assert_eq!(bound(-(1 << 40)), Revision(i32::MIN));
        assert_eq!(set_member(3).unwrap(), Revision(3));
        for bad in [-1, -2, 0x7fff_ffff, 1 << 33] {
            assert!(set_member(bad).is_err(), "{bad} accepted as a set member");
        }
        assert_eq!(member(Some(0x7fff_ffff)), None);
        assert_eq!(member(Some(1 << 40)), None);
        assert_eq!(member(Some(-1)), Some(Revision(-1)));
        assert_eq!(depth_range(None, None), (0, u32::MAX));
        assert_eq!(depth_range(Some(-4), Some(1 << 40)), (0, u32::MAX));
        let args = ErrorArgs::from(GraphError::ParentNotBelowChild {
            rev: Revision(5),
            parent: Revision(7),
        });
        assert_eq!(
            (args.kind, args.values),
            ("ParentNotBelowChild", vec![5, 7])
        );
    }
}
