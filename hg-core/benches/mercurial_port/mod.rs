//! The baseline: direct ports of Mercurial's own algorithms (7.2.4), with the data
//! structures Mercurial uses, over the same `ParentsTable` and the same `Graph::parents`
//! accessor as oxidag. Only the benchmark uses them.
//!
//! - [`HeapAncestors`]: Mercurial's Rust `AncestorsIterator` as it was until 6.x, a
//!   `BinaryHeap` and a `HashSet` (the Python `_lazyancestorsiter` has the same
//!   structure: `heapq` and a `set`).
//! - [`HeapBitsetAncestors`]: Mercurial 7.2.4's Rust `AncestorsIterator`, where `seen`
//!   became a `DescendingRevisionSet` (a growable bit set of `ceiling - rev`, from the
//!   `bit-set` crate there, a minimal equivalent here).
//! - [`LazyAncestors`]: Python's `lazyancestors.__contains__`.
//! - [`missing_ancestors`]: Python's `incrementalmissingancestors.missingancestors`.
//! - [`head_revs`]: the C index's `headrevs` / Rust `retain_heads_fast` (`Vec<bool>`).
//! - [`descendant_revs`]: Python's `dagop.descendantrevs`.

use std::collections::{BinaryHeap, HashSet};

use hg_core::{Graph, GraphError, Revision, NULL_REVISION};

/// Mercurial's Rust `AncestorsIterator` with a `HashSet` for `seen` (hg-core until
/// 6.x; the structure of Python's `_lazyancestorsiter`).
pub struct HeapAncestors<G: Graph> {
    graph: G,
    visit: BinaryHeap<Revision>,
    seen: HashSet<Revision>,
    stoprev: Revision,
}

impl<G: Graph> HeapAncestors<G> {
    pub fn new(
        graph: G,
        initrevs: impl IntoIterator<Item = Revision>,
        stoprev: Revision,
        inclusive: bool,
    ) -> Result<Self, GraphError> {
        let filtered_initrevs = initrevs.into_iter().filter(|&r| r >= stoprev);
        if inclusive {
            let visit: BinaryHeap<Revision> = filtered_initrevs.collect();
            let seen = visit.iter().cloned().collect();
            return Ok(HeapAncestors {
                graph,
                visit,
                seen,
                stoprev,
            });
        }
        let mut this = HeapAncestors {
            graph,
            visit: BinaryHeap::new(),
            seen: HashSet::new(),
            stoprev,
        };
        this.seen.insert(NULL_REVISION);
        for rev in filtered_initrevs {
            for parent in this.graph.parents(rev)? {
                this.conditionally_push_rev(parent);
            }
        }
        Ok(this)
    }

    #[inline]
    fn conditionally_push_rev(&mut self, rev: Revision) {
        if self.stoprev <= rev && self.seen.insert(rev) {
            self.visit.push(rev);
        }
    }
}

impl<G: Graph> Iterator for HeapAncestors<G> {
    type Item = Result<Revision, GraphError>;

    fn next(&mut self) -> Option<Self::Item> {
        let current = *self.visit.peek()?;
        let [p1, p2] = match self.graph.parents(current) {
            Ok(ps) => ps,
            Err(e) => return Some(Err(e)),
        };
        if p1 < self.stoprev || !self.seen.insert(p1) {
            self.visit.pop();
        } else {
            *(self.visit.peek_mut().expect("peeked above")) = p1;
        }
        self.conditionally_push_rev(p2);
        Some(Ok(current))
    }
}

/// Mercurial 7.2.4's `DescendingRevisionSet`: `ceiling - rev` in a bit set that grows
/// as the walk descends (`bit_set::BitSet`, 32-bit blocks, here as a plain `Vec<u32>`).
struct DescendingRevisionSet {
    blocks: Vec<u32>,
    ceiling: i32,
    len: usize,
}

impl DescendingRevisionSet {
    fn new(ceiling: Revision) -> Self {
        DescendingRevisionSet {
            blocks: Vec::new(),
            ceiling: ceiling.0,
            len: 0,
        }
    }

    #[inline]
    fn insert(&mut self, value: Revision) -> Result<bool, GraphError> {
        let n = self.encode(value)?;
        let (block, bit) = (n / 32, 1u32 << (n % 32));
        if block >= self.blocks.len() {
            self.blocks.resize(block + 1, 0);
        }
        let inserted = self.blocks[block] & bit == 0;
        self.blocks[block] |= bit;
        self.len += inserted as usize;
        Ok(inserted)
    }

    #[inline]
    fn encode(&self, value: Revision) -> Result<usize, GraphError> {
        usize::try_from(self.ceiling - value.0).map_err(|_| GraphError::InvalidRevision(value))
    }
}

/// Mercurial 7.2.4's Rust `AncestorsIterator`: a `BinaryHeap` and a
/// `DescendingRevisionSet`.
pub struct HeapBitsetAncestors<G: Graph> {
    graph: G,
    visit: BinaryHeap<Revision>,
    seen: DescendingRevisionSet,
    stoprev: Revision,
}

impl<G: Graph> HeapBitsetAncestors<G> {
    pub fn new(
        graph: G,
        initrevs: impl IntoIterator<Item = Revision>,
        stoprev: Revision,
        inclusive: bool,
    ) -> Result<Self, GraphError> {
        let filtered_initrevs = initrevs
            .into_iter()
            .filter(|&r| r >= stoprev)
            .collect::<BinaryHeap<_>>();
        let max = *filtered_initrevs.peek().unwrap_or(&NULL_REVISION);
        let mut seen = DescendingRevisionSet::new(max);
        if inclusive {
            for &rev in &filtered_initrevs {
                seen.insert(rev).expect("revs cannot be above their max");
            }
            return Ok(HeapBitsetAncestors {
                graph,
                visit: filtered_initrevs,
                seen,
                stoprev,
            });
        }
        let mut this = HeapBitsetAncestors {
            graph,
            visit: BinaryHeap::new(),
            seen,
            stoprev,
        };
        this.seen
            .insert(NULL_REVISION)
            .expect("null is the smallest revision");
        for rev in filtered_initrevs {
            for parent in this.graph.parents(rev)? {
                this.conditionally_push_rev(parent)?;
            }
        }
        Ok(this)
    }

    #[inline]
    fn conditionally_push_rev(&mut self, rev: Revision) -> Result<(), GraphError> {
        if self.stoprev <= rev && self.seen.insert(rev)? {
            self.visit.push(rev);
        }
        Ok(())
    }
}

impl<G: Graph> Iterator for HeapBitsetAncestors<G> {
    type Item = Result<Revision, GraphError>;

    fn next(&mut self) -> Option<Self::Item> {
        let current = *self.visit.peek()?;
        let [p1, p2] = match self.graph.parents(current) {
            Ok(ps) => ps,
            Err(e) => return Some(Err(e)),
        };
        let pop = if p1 < self.stoprev {
            true
        } else {
            match self.seen.insert(p1) {
                Ok(inserted) => !inserted,
                Err(e) => return Some(Err(e)),
            }
        };
        if pop {
            self.visit.pop();
        } else {
            *(self.visit.peek_mut().expect("peeked above")) = p1;
        }
        if let Err(e) = self.conditionally_push_rev(p2) {
            return Some(Err(e));
        }
        Some(Ok(current))
    }
}

/// Python's `lazyancestors`, membership only: a `set` of revisions seen so far and an
/// ancestors iterator consumed only as far as needed.
pub struct LazyAncestors<G: Graph> {
    contains_seen: HashSet<Revision>,
    contains_iter: Option<HeapAncestors<G>>,
}

impl<G: Graph> LazyAncestors<G> {
    pub fn new(
        graph: G,
        initrevs: impl IntoIterator<Item = Revision>,
        stoprev: Revision,
        inclusive: bool,
    ) -> Result<Self, GraphError> {
        let initrevs: Vec<Revision> = initrevs.into_iter().filter(|&r| r >= stoprev).collect();
        Ok(LazyAncestors {
            contains_seen: HashSet::new(),
            contains_iter: Some(HeapAncestors::new(graph, initrevs, stoprev, inclusive)?),
        })
    }

    /// `lazyancestors.__contains__`.
    pub fn contains(&mut self, target: Revision) -> Result<bool, GraphError> {
        if self.contains_seen.contains(&target) {
            return Ok(true);
        }
        let Some(iter) = self.contains_iter.as_mut() else {
            return Ok(false);
        };
        loop {
            match iter.next() {
                Some(rev) => {
                    let rev = rev?;
                    self.contains_seen.insert(rev);
                    if rev == target {
                        return Ok(true);
                    }
                    if rev < target {
                        return Ok(false);
                    }
                }
                None => {
                    self.contains_iter = None;
                    return Ok(false);
                }
            }
        }
    }
}

/// `incrementalmissingancestors(pfunc, bases).missingancestors(revs)`, with Python's
/// sets as `HashSet`s (`bases` holds `nullrev` when given empty, as in `__init__`).
pub fn missing_ancestors(
    graph: &impl Graph,
    bases: &[Revision],
    revs: &[Revision],
) -> Result<Vec<Revision>, GraphError> {
    let mut basesvisit: HashSet<Revision> = bases.iter().copied().collect();
    if basesvisit.is_empty() {
        basesvisit.insert(NULL_REVISION);
    }
    let mut revsvisit: HashSet<Revision> = revs.iter().copied().collect();
    let mut bothvisit: HashSet<Revision> = revsvisit.intersection(&basesvisit).copied().collect();
    revsvisit.retain(|r| !bothvisit.contains(r));
    if revsvisit.is_empty() {
        return Ok(Vec::new());
    }
    let start = (*revsvisit.iter().max().expect("not empty"))
        .max(*basesvisit.iter().max().expect("not empty"));

    let mut missing = Vec::new();
    for curr in (0..=start.0).rev().map(Revision) {
        if revsvisit.is_empty() {
            break;
        }
        if bothvisit.remove(&curr) {
            // curr's parents might have made it into revsvisit through another path
            for p in graph.parents(curr)? {
                revsvisit.remove(&p);
                basesvisit.insert(p);
                bothvisit.insert(p);
            }
            continue;
        }
        let this_is_revs = if revsvisit.remove(&curr) {
            missing.push(curr);
            true
        } else if basesvisit.contains(&curr) {
            false
        } else {
            // not an ancestor of revs or bases: ignore
            continue;
        };
        for p in graph.parents(curr)? {
            if p == NULL_REVISION {
                continue;
            }
            let in_other = if this_is_revs {
                basesvisit.contains(&p)
            } else {
                revsvisit.contains(&p)
            };
            if in_other || bothvisit.contains(&p) {
                // p is implicitly in thisvisit: it is or should be in bothvisit
                revsvisit.remove(&p);
                basesvisit.insert(p);
                bothvisit.insert(p);
            } else if this_is_revs {
                revsvisit.insert(p);
            } else {
                basesvisit.insert(p);
            }
        }
    }
    missing.reverse();
    Ok(missing)
}

/// The heads of the first `len` revisions: the C index's `headrevs` (a `nothead` byte
/// per revision) and hg-core's `retain_heads_fast`, without filtered revisions.
pub fn head_revs(graph: &impl Graph, len: usize) -> Result<Vec<Revision>, GraphError> {
    if len == 0 {
        return Ok(vec![NULL_REVISION]);
    }
    let mut not_heads = vec![false; len];
    for idx in (0..len).rev() {
        for parent in graph.parents(Revision(idx as i32))? {
            if parent != NULL_REVISION {
                not_heads[parent.0 as usize] = true;
            }
        }
    }
    Ok(not_heads
        .iter()
        .enumerate()
        .filter(|&(_, &not_head)| !not_head)
        .map(|(idx, _)| Revision(idx as i32))
        .collect())
}

/// `dagop.descendantrevs(revs, cl.revs, cl.parentrevs)` over the first `len`
/// revisions, collected: descendants in ascending order, `revs` themselves excluded
/// unless a child of another one.
pub fn descendant_revs(
    graph: &impl Graph,
    len: usize,
    revs: &[Revision],
) -> Result<Vec<Revision>, GraphError> {
    let Some(&first) = revs.iter().min() else {
        // Python's `min([])` raises; nothing to descend from.
        return Ok(Vec::new());
    };
    let all = (first.0 + 1..len as i32).map(Revision);
    if first == NULL_REVISION {
        return Ok((0..len as i32).map(Revision).collect());
    }
    let mut seen: HashSet<Revision> = revs.iter().copied().collect();
    let mut out = Vec::new();
    for rev in all {
        for prev in graph.parents(rev)? {
            if prev != NULL_REVISION && seen.contains(&prev) {
                seen.insert(rev);
                out.push(rev);
                break;
            }
        }
    }
    Ok(out)
}
