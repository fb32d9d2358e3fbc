//! Replaying the Python set Mercurial's `dagop.headrevssubset` builds, so that
//! `revlog.heads(start, stop)` returns its list in that set's iteration order: a
//! CPython concern, hence here and not in hg-core.

use hg_core::graph::check_revision;
use hg_core::{GraphError, ParentsTable, Revision, RevisionSet};

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

#[cfg(test)]
mod tests {
    use super::*;
    use hg_core::testing::{revs, SAMPLE_GRAPH};

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
            heads_subset_changes(g, hg_core::WORKING_DIRECTORY_REVISION, &[], None, true),
            Err(GraphError::WorkingDirectoryUnsupported)
        );
    }
}
