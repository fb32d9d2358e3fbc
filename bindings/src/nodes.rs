//! The revisions of many nodes at once: one scan of the index down from its tip.
//!
//! Mercurial's C index answers a node lookup from a node tree it builds as lookups
//! miss, inserting every revision it passes (about 170 ns each: 170 ms for a million
//! revisions), so the first lookup of an old node in a process pays for the tree down
//! to it. Comparing each revision's node with the wanted ones instead costs a hash
//! probe a revision (a few milliseconds for a million), and stops once all are found.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use crate::host::{ErrorKind, Host};
use crate::index::{load_error, IndexReader, LoadError, MAX_REVISIONS};
use crate::{Obj, PyErr};

/// The node length read (SHA-1, every changelog Mercurial writes today).
pub const NODE_LEN: usize = 20;

/// Nodes are hashes: their first eight bytes are already uniform, so the table keys
/// on them as they are.
#[derive(Default)]
struct PrefixHasher(u64);

impl Hasher for PrefixHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }

    fn write_u64(&mut self, prefix: u64) {
        self.0 = prefix;
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// Bits of [`NodeQuery`]'s filter: 32 KiB, in the first level cache; with a few
/// thousand nodes wanted, about one revision in forty passes it.
const FILTER_BITS: usize = 1 << 18;

/// The nodes looked for and what has been found of them.
pub struct NodeQuery<'a> {
    nodes: Vec<&'a [u8]>,
    /// One bit per value of 18 bits of a node's prefix: a revision whose bit is
    /// clear is none of the nodes (one load and test instead of a hash probe).
    filter: Vec<u64>,
    /// By the first eight bytes of a node: the positions in `nodes` it starts.
    positions: HashMap<u64, Vec<usize>, BuildHasherDefault<PrefixHasher>>,
    revs: Vec<Option<i32>>,
    left: usize,
}

fn prefix(node: &[u8]) -> u64 {
    let mut first = [0u8; 8];
    first.copy_from_slice(&node[..8]);
    u64::from_le_bytes(first)
}

/// The filter bit of a prefix: its word and mask.
#[inline]
fn filter_bit(prefix: u64) -> (usize, u64) {
    let bit = (prefix >> 40) as usize % FILTER_BITS;
    (bit / 64, 1 << (bit % 64))
}

impl<'a> NodeQuery<'a> {
    /// The nodes of `joined` (nodes of [`NODE_LEN`] bytes, concatenated); `None` if its
    /// length is not a multiple of that.
    pub fn new(joined: &'a [u8]) -> Option<Self> {
        let chunks = joined.chunks_exact(NODE_LEN);
        if !chunks.remainder().is_empty() {
            return None;
        }
        let nodes: Vec<&[u8]> = chunks.collect();
        let mut positions: HashMap<u64, Vec<usize>, _> = HashMap::default();
        let mut filter = vec![0u64; FILTER_BITS / 64];
        let mut distinct = 0;
        for (at, node) in nodes.iter().enumerate() {
            let (word, mask) = filter_bit(prefix(node));
            filter[word] |= mask;
            let same = positions.entry(prefix(node)).or_default();
            if !same.iter().any(|&other| nodes[other] == *node) {
                distinct += 1;
            }
            same.push(at);
        }
        Some(NodeQuery {
            revs: vec![None; nodes.len()],
            nodes,
            filter,
            positions,
            left: distinct,
        })
    }

    /// Whether every node has been found.
    pub fn done(&self) -> bool {
        self.left == 0
    }

    /// `rev` has `node`: note it for each position that asked for it. A node met
    /// twice keeps its highest revision (a scan goes down), as no valid index has.
    /// Most revisions are none of the nodes: the filter says so inline, the rest is
    /// out of the scan's loop.
    #[inline(always)]
    pub fn offer(&mut self, rev: i32, node: &[u8]) {
        let key = prefix(node);
        let (word, mask) = filter_bit(key);
        if self.filter[word] & mask != 0 {
            self.record(rev, node, key);
        }
    }

    #[inline(never)]
    fn record(&mut self, rev: i32, node: &[u8], key: u64) {
        let Some(same) = self.positions.get(&key) else {
            return;
        };
        let mut counted = false;
        for &at in same {
            if self.nodes[at] == node && self.revs[at].is_none() {
                self.revs[at] = Some(rev);
                if !counted {
                    counted = true;
                    self.left -= 1;
                }
            }
        }
    }

    /// The revision of each node, in the order asked; `None` for one not found.
    pub fn into_revs(self) -> Vec<Option<i32>> {
        self.revs
    }
}

/// The revisions of `joined`'s nodes in `index` (see [`NodeQuery::new`]), scanning
/// down from the tip until all are found.
pub fn revs_of_nodes<H: Host>(h: H, index: &Obj, joined: &[u8]) -> Result<Vec<Option<i32>>, PyErr> {
    let mut query = NodeQuery::new(joined).ok_or_else(|| {
        h.error(
            ErrorKind::Value,
            &format!(
                "nodes must be {}-byte nodes joined, got {} bytes",
                NODE_LEN,
                joined.len()
            ),
        )
    })?;
    let _reading = crate::host::ReadingIndex::start(h)?;
    let reader = crate::py_index::reader(h, index);
    let len = reader.len()?;
    if len > MAX_REVISIONS {
        return Err(load_error(h, LoadError::TooLarge(len)));
    }
    reader.scan_nodes_down(len as i32, &mut |rev, node| {
        query.offer(rev, node);
        !query.done()
    })?;
    Ok(query.into_revs())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(seed: u8) -> Vec<u8> {
        (0..NODE_LEN as u8)
            .map(|i| i.wrapping_mul(31) ^ seed)
            .collect()
    }

    #[test]
    fn finds_each_node_in_order_with_repeats_and_shared_prefixes() {
        let (a, b) = (node(1), node(2));
        // Same first eight bytes as `a`, another node.
        let mut c = a.clone();
        c[19] ^= 0xff;
        let missing = node(9);
        let joined = [b.clone(), a.clone(), missing.clone(), c.clone(), a.clone()].concat();
        let mut query = NodeQuery::new(&joined).unwrap();
        assert!(!query.done());
        for (rev, n) in [(5, &c), (4, &b), (3, &node(3)), (2, &a)] {
            query.offer(rev, n);
        }
        assert!(!query.done(), "the missing node is still wanted");
        assert_eq!(
            query.into_revs(),
            vec![Some(4), Some(2), None, Some(5), Some(2)]
        );
    }

    #[test]
    fn done_once_every_distinct_node_is_found() {
        let (a, b) = (node(1), node(2));
        let joined = [a.clone(), a.clone(), b.clone()].concat();
        let mut query = NodeQuery::new(&joined).unwrap();
        query.offer(7, &a);
        assert!(!query.done());
        query.offer(6, &b);
        assert!(query.done());
    }

    #[test]
    fn a_length_not_made_of_nodes_is_refused() {
        assert!(NodeQuery::new(&[0u8; 21]).is_none());
        assert!(NodeQuery::new(&[]).unwrap().done());
    }
}
