//! The Rust-owned parents table every binding copies parents into, and the
//! reachability index it owns.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

use crate::graph::Graph;
use crate::reach::ReachIndex;
use crate::revision::{GraphError, Revision, NULL_REVISION};

/// Parents of every revision, owned by Rust: 8 bytes a revision, `Send + Sync`, so that
/// work on it can run without the GIL and on several threads.
///
/// Every entry is validated when added (parents are -1 or below their child), so
/// algorithms never see a corrupt graph through this type.
///
/// Its reachability index is built at the first [`ParentsTable::reach_index`] (or when
/// walks have cost enough, [`ParentsTable::reach_index_for_walk`]) and from then on
/// kept up to date as revisions are appended or truncated.
#[derive(Debug, Default)]
pub struct ParentsTable {
    parents: Vec<[Revision; 2]>,
    reach: OnceLock<ReachIndex>,
    /// Revisions that queries without the index have walked (their spans).
    walked: AtomicUsize,
}

/// How many times the table's length walks may cost before the reachability index is
/// built: building costs about three times what walking the table once does, so
/// queries never pay much more than twice what they would have (the ski-rental rule),
/// and a command that asks once or twice never builds.
const WALKS_BEFORE_INDEX: usize = 3;

impl Clone for ParentsTable {
    fn clone(&self) -> Self {
        ParentsTable {
            parents: self.parents.clone(),
            reach: self.reach.clone(),
            walked: AtomicUsize::new(self.walked.load(Ordering::Relaxed)),
        }
    }
}

/// Tables are equal when their parents are (an index is derived data).
impl PartialEq for ParentsTable {
    fn eq(&self, other: &Self) -> bool {
        self.parents == other.parents
    }
}

impl Eq for ParentsTable {}

impl ParentsTable {
    /// An empty table.
    pub fn new() -> Self {
        Self::default()
    }

    /// A table from `(p1, p2)` pairs, revision `i` at position `i`.
    pub fn from_pairs(pairs: impl IntoIterator<Item = (i32, i32)>) -> Result<Self, GraphError> {
        let mut table = Self::new();
        for (p1, p2) in pairs {
            table.push([Revision(p1), Revision(p2)])?;
        }
        Ok(table)
    }

    /// The number of revisions.
    #[inline]
    pub fn len(&self) -> usize {
        self.parents.len()
    }

    /// Whether the table has no revision.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.parents.is_empty()
    }

    /// Append the next revision; its parents must be -1 or existing revisions.
    pub fn push(&mut self, parents: [Revision; 2]) -> Result<(), GraphError> {
        let rev = Revision(self.parents.len() as i32);
        for parent in parents {
            if parent >= rev || parent.0 < NULL_REVISION.0 {
                return Err(GraphError::ParentNotBelowChild { rev, parent });
            }
        }
        self.parents.push(parents);
        self.extend_reach_index();
        Ok(())
    }

    /// Append the next revisions, `pairs[i]` the parents of the `i`th; each checked as
    /// [`ParentsTable::push`] does, in one tight loop (a million revisions are read at
    /// a process's first native call). On error nothing of `pairs` is kept.
    pub fn extend_checked(&mut self, pairs: &[[i32; 2]]) -> Result<(), GraphError> {
        let first = self.parents.len();
        self.parents
            .extend(pairs.iter().map(|&[p1, p2]| [Revision(p1), Revision(p2)]));
        self.check_appended(first)
    }

    /// [`ParentsTable::extend_checked`] from records of 8 bytes, the first and second
    /// parents as little-endian `i32` (the on-disk form, `table_file`).
    /// `records.len()` is a multiple of 8.
    pub fn extend_checked_le(&mut self, records: &[u8]) -> Result<(), GraphError> {
        let first = self.parents.len();
        let word =
            |r: &[u8], at: usize| i32::from_le_bytes([r[at], r[at + 1], r[at + 2], r[at + 3]]);
        self.parents.extend(
            records
                .chunks_exact(8)
                .map(|r| [Revision(word(r, 0)), Revision(word(r, 4))]),
        );
        self.check_appended(first)
    }

    /// Check the revisions from `first` on (every parent in [-1, rev)); if one is
    /// not, drop them all and name it. Appending first and checking after, a block
    /// at a time without an exit inside, lets both passes vectorize: one pass with
    /// an exit per revision took several times longer on a million revisions.
    fn check_appended(&mut self, first: usize) -> Result<(), GraphError> {
        const BLOCK: usize = 4096;
        // Both parents in [-1, rev): one unsigned comparison each.
        let outside = |rev: usize, [p1, p2]: [Revision; 2]| {
            ((p1.0.wrapping_add(1) as u32) > rev as u32)
                | ((p2.0.wrapping_add(1) as u32) > rev as u32)
        };
        for (b, block) in self.parents[first..].chunks(BLOCK).enumerate() {
            let base = first + b * BLOCK;
            let any = block
                .iter()
                .enumerate()
                .fold(false, |any, (i, &pair)| any | outside(base + i, pair));
            let found = (0..block.len()).find(|&i| any && outside(base + i, block[i]));
            if let Some(i) = found {
                let rev = Revision((base + i) as i32);
                let [p1, p2] = block[i];
                let parent = if p1.0 >= rev.0 || p1.0 < -1 { p1 } else { p2 };
                self.parents.truncate(first);
                return Err(GraphError::ParentNotBelowChild { rev, parent });
            }
        }
        self.extend_reach_index();
        Ok(())
    }

    /// Keep only the first `len` revisions (a strip).
    pub fn truncate(&mut self, len: usize) {
        self.parents.truncate(len);
        if let Some(reach) = self.reach.get_mut() {
            reach.truncate(len);
        }
    }

    /// Bring a built reachability index to the table's revisions.
    fn extend_reach_index(&mut self) {
        if let Some(reach) = self.reach.get_mut() {
            reach.extend(&self.parents);
        }
    }

    /// The reachability index of the table, built now if it was not (one sweep).
    pub fn reach_index(&self) -> &ReachIndex {
        self.reach.get_or_init(|| ReachIndex::build(&self.parents))
    }

    /// The reachability index if it was built.
    pub fn built_reach_index(&self) -> Option<&ReachIndex> {
        self.reach.get()
    }

    /// The reachability index for a query that would walk about `span` revisions: the
    /// built one, or one built now if the walks so far (this one included) reach
    /// `WALKS_BEFORE_INDEX` times the table; else None (the query walks).
    pub fn reach_index_for_walk(&self, span: usize) -> Option<&ReachIndex> {
        if let Some(index) = self.reach.get() {
            return Some(index);
        }
        let walked = self
            .walked
            .fetch_add(span, Ordering::Relaxed)
            .saturating_add(span);
        (walked >= WALKS_BEFORE_INDEX.saturating_mul(self.len())).then(|| self.reach_index())
    }

    /// Reserve room for `additional` more revisions.
    pub fn reserve(&mut self, additional: usize) {
        self.parents.reserve(additional);
    }

    /// Where the room reserved for further revisions lies, as `(address, bytes)`:
    /// callers that fill a large table may advise the kernel about that memory (huge
    /// pages) before the first write to it. Plain integers: nothing can be done
    /// through them but telling the kernel.
    pub fn spare_region(&self) -> (usize, usize) {
        let end_of_used = self.parents.as_ptr() as usize + self.parents.len() * 8;
        (
            end_of_used,
            (self.parents.capacity() - self.parents.len()) * 8,
        )
    }

    /// Reserve room for `additional` more revisions if that much memory can be had.
    pub fn try_reserve(
        &mut self,
        additional: usize,
    ) -> Result<(), std::collections::TryReserveError> {
        self.parents.try_reserve(additional)
    }

    /// The parents of `rev` without the `Result`, for revisions known to be in range.
    ///
    /// # Panics
    /// If `rev` is negative or not below `len()`.
    #[inline]
    pub fn parents_unchecked(&self, rev: Revision) -> [Revision; 2] {
        self.parents[rev.index()]
    }

    /// All entries, revision `i` at position `i`.
    #[inline]
    pub fn as_slice(&self) -> &[[Revision; 2]] {
        &self.parents
    }
}

impl Graph for ParentsTable {
    #[inline]
    fn parents(&self, rev: Revision) -> Result<[Revision; 2], GraphError> {
        if rev.is_null() {
            return Ok([NULL_REVISION; 2]);
        }
        usize::try_from(rev.0)
            .ok()
            .and_then(|i| self.parents.get(i))
            .copied()
            .ok_or(GraphError::InvalidRevision(rev))
    }

    fn reach_index_for_walk(&self, span: usize) -> Option<(&ReachIndex, &[[Revision; 2]])> {
        ParentsTable::reach_index_for_walk(self, span).map(|index| (index, self.as_slice()))
    }

    fn checked_table(&self) -> Option<&[[Revision; 2]]> {
        Some(self.as_slice())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_validates_and_answers() {
        let mut table = ParentsTable::from_pairs([(-1, -1), (0, -1), (0, 1)]).unwrap();
        assert_eq!(table.len(), 3);
        assert_eq!(table.parents(Revision(2)), Ok([Revision(0), Revision(1)]));
        assert_eq!(table.parents(NULL_REVISION), Ok([NULL_REVISION; 2]));
        assert_eq!(
            table.parents(Revision(3)),
            Err(GraphError::InvalidRevision(Revision(3)))
        );
        assert_eq!(
            table.parents(Revision(-2)),
            Err(GraphError::InvalidRevision(Revision(-2)))
        );
        assert_eq!(
            table.push([Revision(3), NULL_REVISION]),
            Err(GraphError::ParentNotBelowChild {
                rev: Revision(3),
                parent: Revision(3)
            })
        );
        assert_eq!(
            table.push([Revision(-5), NULL_REVISION]),
            Err(GraphError::ParentNotBelowChild {
                rev: Revision(3),
                parent: Revision(-5)
            })
        );
        table.truncate(1);
        assert_eq!(table.len(), 1);
        // Many at once, checked alike; nothing kept from a bad batch.
        assert_eq!(table.extend_checked(&[[0, -1], [1, 0], [-1, -1]]), Ok(()));
        assert_eq!(table.len(), 4);
        for bad in [[5, -1], [-1, 9], [-2, 0], [i32::MIN, -1], [i32::MAX, -1]] {
            assert!(matches!(
                table.extend_checked(&[[0, 1], bad]),
                Err(GraphError::ParentNotBelowChild {
                    rev: Revision(5),
                    ..
                })
            ));
            assert_eq!(table.len(), 4);
        }
    }

    #[test]
    fn batches_name_their_first_bad_revision_in_any_block() {
        // A chain of 10,000 (two and a half check blocks), one parent spoiled at a time.
        let chain: Vec<[i32; 2]> = (0..10_000).map(|r| [r - 1, -1]).collect();
        for at in [0usize, 4095, 4096, 9999] {
            for bad in [[at as i32, -1], [-1, at as i32 + 7], [-3, -1]] {
                let mut pairs = chain.clone();
                pairs[at] = bad;
                let bytes: Vec<u8> = pairs
                    .iter()
                    .flat_map(|&[p1, p2]| p1.to_le_bytes().into_iter().chain(p2.to_le_bytes()))
                    .collect();
                let mut table = ParentsTable::new();
                table.extend_checked(&[[-1, -1]]).unwrap();
                // Shifted by the one revision already there.
                let mut shifted = pairs.clone();
                shifted
                    .iter_mut()
                    .for_each(|p| p.iter_mut().for_each(|x| *x += (*x >= 0) as i32));
                let want = Err(GraphError::ParentNotBelowChild {
                    rev: Revision(at as i32 + 1),
                    parent: Revision(if bad[0] == -1 {
                        shifted[at][1]
                    } else {
                        shifted[at][0]
                    }),
                });
                assert_eq!(table.extend_checked(&shifted), want);
                assert_eq!(table.len(), 1);
                let mut table = ParentsTable::new();
                assert_eq!(
                    table.extend_checked_le(&bytes),
                    Err(GraphError::ParentNotBelowChild {
                        rev: Revision(at as i32),
                        parent: Revision(if bad[0] == -1 { bad[1] } else { bad[0] }),
                    })
                );
                assert_eq!(table.len(), 0);
            }
        }
        let mut table = ParentsTable::new();
        let bytes: Vec<u8> = chain
            .iter()
            .flat_map(|&[p1, p2]| p1.to_le_bytes().into_iter().chain(p2.to_le_bytes()))
            .collect();
        assert_eq!(table.extend_checked_le(&bytes), Ok(()));
        assert_eq!(table.len(), 10_000);
        assert_eq!(
            table.parents(Revision(9999)),
            Ok([Revision(9998), NULL_REVISION])
        );
    }

    #[test]
    fn table_is_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<ParentsTable>();
        assert_eq!(std::mem::size_of::<[Revision; 2]>(), 8);
    }
}
