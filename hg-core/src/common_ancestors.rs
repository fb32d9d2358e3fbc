//! Common ancestors: the heads of the common ancestors of any number of revisions
//! (`ancestor.commonancestorsheads`, `ancestor()`) and the deepest ones
//! (`ancestor.ancestors`, Mercurial's pick for merges).

use std::collections::HashMap;

use crate::bitset::RevisionSet;
use crate::graph::{check_revision, checked_parents, Graph};
use crate::interrupt::{Interrupt, Poller};
use crate::revision::{GraphError, Revision, NULL_REVISION};

/// Per-revision bit masks of any width: the state of the common-ancestor sweeps,
/// which need one bit per input revision (plus a poison bit), without the 24- or
/// 64-input caps of Mercurial's C and Rust. Held only for the revisions a descending
/// sweep has reached and not yet visited: a sweep reads a revision's mask when it
/// visits it and never after, so memory follows that frontier, not the number of
/// inputs times the number of revisions (a dense table would need gigabytes for
/// thousands of inputs on a large graph).
struct MaskTable {
    words: usize,
    masks: HashMap<Revision, Box<[u64]>>,
    zero: Box<[u64]>,
}

impl MaskTable {
    fn new(bits: usize) -> Self {
        let words = bits.div_ceil(64).max(1);
        MaskTable {
            words,
            masks: HashMap::new(),
            zero: vec![0; words].into_boxed_slice(),
        }
    }

    #[inline]
    fn get(&self, rev: Revision) -> &[u64] {
        self.masks.get(&rev).unwrap_or(&self.zero)
    }

    #[inline]
    fn get_mut(&mut self, rev: Revision) -> &mut [u64] {
        let words = self.words;
        self.masks
            .entry(rev)
            .or_insert_with(|| vec![0; words].into_boxed_slice())
    }

    /// The mask of `rev`, visited now: it is no longer kept.
    #[inline]
    fn visit(&mut self, rev: Revision) -> Option<Box<[u64]>> {
        self.masks.remove(&rev)
    }
}

#[inline]
fn is_zero(mask: &[u64]) -> bool {
    mask.iter().all(|&w| w == 0)
}

#[inline]
fn test_bit(mask: &[u64], bit: usize) -> bool {
    mask[bit / 64] & (1 << (bit % 64)) != 0
}

#[inline]
fn set_bit(mask: &mut [u64], bit: usize) {
    mask[bit / 64] |= 1 << (bit % 64);
}

/// Deduplicate and check inputs, keeping their first-seen order.
fn unique_checked(graph: &impl Graph, revs: &[Revision]) -> Result<Vec<Revision>, GraphError> {
    let mut unique = Vec::with_capacity(revs.len());
    let mut seen = RevisionSet::new();
    let mut null_seen = false;
    for &rev in revs {
        let rev = check_revision(graph, rev)?;
        let new = if rev.is_null() {
            !std::mem::replace(&mut null_seen, true)
        } else {
            seen.insert(rev)
        };
        if new {
            unique.push(rev);
        }
    }
    Ok(unique)
}

/// How many revisions the common-ancestor walks through the reachability index may
/// visit, beyond a sixteenth of the inputs' span, before the sweep (which visits about
/// the span) answers instead. A walk's step costs about four of the sweep's, so giving
/// up costs at most about a quarter of the sweep again; the walks that answer visit
/// far fewer (measured, 20 pairs each on git-allrefs and the 1M synthetic graph: at
/// most 955; those that give up would have walked most of the span's history off the
/// trunk).
const INDEXED_GCA_BUDGET: usize = 2048;

/// The heads of the common ancestors of all `revs`: `heads(::a and ::b and ...)`
/// (`ancestor.commonancestorsheads`, the C index's `commonancestorsheads`). In
/// descending order, as the C index returns them; any number of inputs.
///
/// Polls `interrupt` for wide inputs (64 and more), whose sweep costs a mask of one
/// bit per input at every revision it visits.
pub fn common_ancestors_heads(
    graph: &impl Graph,
    revs: &[Revision],
    interrupt: &dyn Interrupt,
) -> Result<Vec<Revision>, GraphError> {
    let revs = unique_checked(graph, revs)?;
    if revs.contains(&NULL_REVISION) {
        return Ok(Vec::new());
    }
    if revs.len() <= 1 {
        return Ok(revs);
    }
    let span = revs.iter().max().unwrap_or(&NULL_REVISION).0
        - revs.iter().min().unwrap_or(&NULL_REVISION).0;
    if let Some((index, parents)) = graph.reach_index_for_walk(span as usize) {
        if let Some(heads) =
            index.common_ancestors_heads(parents, &revs, INDEXED_GCA_BUDGET + span as usize / 16)
        {
            return Ok(heads);
        }
    }
    if revs.len() < 64 {
        return narrow_gca(graph, &revs);
    }
    let count = revs.len();
    let poison = count;
    let max_rev = *revs.iter().max().expect("at least two revisions");
    let mut seen = MaskTable::new(count + 1);
    for (i, &rev) in revs.iter().enumerate() {
        set_bit(seen.get_mut(rev), i);
    }
    let all_seen = {
        let mut mask = vec![0u64; seen.words];
        (0..count).for_each(|i| set_bit(&mut mask, i));
        mask
    };
    let mut gca = Vec::new();
    // Signed, as in Python and C: the loop runs while it is non-zero.
    let mut interesting = count as isize;
    let mut sv = vec![0u64; seen.words];
    let mut poller = Poller::new(interrupt);
    let mut v = max_rev.0;
    while v >= 0 && interesting != 0 {
        let rev = Revision(v);
        v -= 1;
        poller.advance(1)?;
        match seen.visit(rev) {
            Some(mask) if !is_zero(&mask) => sv.copy_from_slice(&mask),
            _ => continue,
        }
        if !test_bit(&sv, poison) {
            interesting -= 1;
            if sv == all_seen {
                gca.push(rev);
                set_bit(&mut sv, poison);
                if revs.contains(&rev) {
                    // History is linear: `rev` is the only head.
                    break;
                }
            }
        }
        let poisoned = test_bit(&sv, poison);
        for parent in checked_parents(graph, rev)? {
            if parent.is_null() {
                continue;
            }
            let sp = seen.get_mut(parent);
            if !poisoned {
                if is_zero(sp) {
                    sp.copy_from_slice(&sv);
                    interesting += 1;
                } else if sp != sv.as_slice() {
                    sp.iter_mut().zip(&sv).for_each(|(a, b)| *a |= b);
                }
            } else {
                if !is_zero(sp) && !test_bit(sp, poison) {
                    interesting -= 1;
                }
                sp.copy_from_slice(&sv);
            }
        }
    }
    Ok(gca)
}

/// [`common_ancestors_heads`] for fewer than 64 distinct inputs: one mask a revision
/// with the poison bit above the inputs' bits, as Mercurial's C
/// (`find_gca_candidates`), in the narrowest integer that holds them: the sweep
/// reads and writes a mask at every revision it visits, and a byte a revision keeps
/// a large span in cache. With the table read directly (no check a revision), the
/// hardest of git-allrefs' benchmark pairs (a 95,000-revision span) went from 1.6 to
/// 0.9 ms. `revs` are checked, distinct and not null.
fn narrow_gca(graph: &impl Graph, revs: &[Revision]) -> Result<Vec<Revision>, GraphError> {
    match graph.checked_table() {
        Some(table) => narrow_gca_with(revs, |rev: Revision| Ok(table[rev.index()])),
        None => narrow_gca_with(revs, |rev| checked_parents(graph, rev)),
    }
}

fn narrow_gca_with(
    revs: &[Revision],
    parents: impl Fn(Revision) -> Result<[Revision; 2], GraphError>,
) -> Result<Vec<Revision>, GraphError> {
    match revs.len() {
        0..=7 => sweep_with_masks::<u8>(revs, parents),
        8..=15 => sweep_with_masks::<u16>(revs, parents),
        16..=31 => sweep_with_masks::<u32>(revs, parents),
        _ => sweep_with_masks::<u64>(revs, parents),
    }
}

/// An unsigned integer wide enough for the inputs of a [`narrow_gca`] sweep and its
/// poison bit.
trait Mask: Copy + Default + Eq + Ord + std::ops::BitOr<Output = Self> {
    fn bit(bit: usize) -> Self;
    fn below(bit: usize) -> Self;
}

macro_rules! masks {
    ($($t:ty),*) => {$(
        impl Mask for $t {
            #[inline]
            fn bit(bit: usize) -> Self {
                1 << bit
            }
            #[inline]
            fn below(bit: usize) -> Self {
                ((1u64 << bit) - 1) as $t
            }
        }
    )*};
}
masks!(u8, u16, u32, u64);

fn sweep_with_masks<M: Mask>(
    revs: &[Revision],
    parents: impl Fn(Revision) -> Result<[Revision; 2], GraphError>,
) -> Result<Vec<Revision>, GraphError> {
    let count = revs.len();
    let all_seen = M::below(count);
    let poison = M::bit(count);
    let zero = M::default();
    let max_rev = *revs.iter().max().expect("at least two revisions");
    let mut seen = vec![zero; max_rev.index() + 1];
    for (i, rev) in revs.iter().enumerate() {
        seen[rev.index()] = M::bit(i);
    }
    let mut gca = Vec::new();
    let mut interesting = count as isize;
    let mut v = max_rev.0;
    while v >= 0 && interesting != 0 {
        let rev = Revision(v);
        v -= 1;
        let mut sv = seen[rev.index()];
        if sv == zero {
            continue;
        }
        if sv < poison {
            interesting -= 1;
            if sv == all_seen {
                gca.push(rev);
                sv = sv | poison;
                if revs.contains(&rev) {
                    // History is linear: `rev` is the only head.
                    break;
                }
            }
        }
        for parent in parents(rev)? {
            if parent.is_null() {
                continue;
            }
            let sp = &mut seen[parent.index()];
            if sv < poison {
                if *sp == zero {
                    *sp = sv;
                    interesting += 1;
                } else if *sp != sv {
                    *sp = *sp | sv;
                }
            } else {
                if *sp != zero && *sp < poison {
                    interesting -= 1;
                }
                *sp = sv;
            }
        }
    }
    Ok(gca)
}

/// The common ancestors of `revs` furthest from a root, as measured by longest path
/// (`ancestor.ancestors`, used by `revlog.ancestor`). Ascending.
///
/// Polls `interrupt`, as [`common_ancestors_heads`] does.
pub fn deepest_common_ancestors(
    graph: &impl Graph,
    revs: &[Revision],
    interrupt: &dyn Interrupt,
) -> Result<Vec<Revision>, GraphError> {
    let mut gca = common_ancestors_heads(graph, revs, interrupt)?;
    gca.sort();
    if gca.len() <= 1 {
        return Ok(gca);
    }
    deepest(graph, &gca, interrupt)
}

/// `deepest()` of Mercurial's `ancestor.ancestors`, for sorted, distinct `nodes`.
fn deepest(
    graph: &impl Graph,
    nodes: &[Revision],
    interrupt: &dyn Interrupt,
) -> Result<Vec<Revision>, GraphError> {
    let mut poller = Poller::new(interrupt);
    let count = nodes.last().expect("nodes is not empty").index() + 1;
    let mut depth = vec![0u32; count];
    let mut seen = MaskTable::new(nodes.len());
    let mut interesting: HashMap<Vec<u64>, i64> = HashMap::new();
    for (i, &node) in nodes.iter().enumerate() {
        depth[node.index()] = 1;
        set_bit(seen.get_mut(node), i);
        *interesting.entry(seen.get(node).to_vec()).or_default() = 1;
    }
    let mut nv = count as i32 - 1;
    while nv >= 0 && interesting.len() > 1 {
        let v = Revision(nv);
        nv -= 1;
        poller.advance(1)?;
        let dv = depth[v.index()];
        if dv == 0 {
            continue;
        }
        let sv = seen.visit(v).map_or_else(|| vec![0; seen.words], Vec::from);
        for parent in checked_parents(graph, v)? {
            if parent.is_null() {
                continue;
            }
            let dp = depth[parent.index()];
            let sp = seen.get(parent).to_vec();
            if dp <= dv {
                depth[parent.index()] = dv + 1;
                if sp != sv {
                    *interesting.entry(sv.clone()).or_default() += 1;
                    seen.get_mut(parent).copy_from_slice(&sv);
                    if !is_zero(&sp) {
                        decrement(&mut interesting, &sp);
                    }
                }
            } else if dv == dp - 1 {
                let nsp: Vec<u64> = sp.iter().zip(&sv).map(|(a, b)| a | b).collect();
                if nsp == sp {
                    continue;
                }
                seen.get_mut(parent).copy_from_slice(&nsp);
                *interesting.entry(nsp).or_default() += 1;
                decrement(&mut interesting, &sp);
            }
        }
        decrement(&mut interesting, &sv);
    }
    if interesting.len() != 1 {
        return Ok(Vec::new());
    }
    let k = interesting.keys().next().expect("one key");
    Ok(nodes
        .iter()
        .enumerate()
        .filter(|&(i, _)| test_bit(k, i))
        .map(|(_, &n)| n)
        .collect())
}

/// `interesting[key] -= 1`, dropping the key at zero (Python's `del`). A missing key
/// mirrors Python's `KeyError` path, which a consistent sweep never takes.
fn decrement(interesting: &mut HashMap<Vec<u64>, i64>, key: &[u64]) {
    if let Some(count) = interesting.get_mut(key) {
        *count -= 1;
        if *count == 0 {
            interesting.remove(key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::interrupt::Uninterrupted;
    use crate::testing::{ancestor_flags, ints, random_dag, revs, Rng, Shape, SAMPLE_GRAPH};
    use crate::ParentsTable;

    #[test]
    fn wide_sweeps_stop_when_interrupted() {
        struct Now;
        impl Interrupt for Now {
            fn interrupted(&self) -> bool {
                true
            }
        }
        let interrupted = Err(GraphError::Interrupted);
        // 100 chains side by side, no common ancestor: a wide sweep goes to the bottom.
        let chains = ParentsTable::from_pairs(
            (0..20_000)
                .map(|i| (i - 100, -1))
                .map(|(p, q)| (p.max(-1), q)),
        )
        .unwrap();
        let tips: Vec<Revision> = (19_900..20_000).map(Revision).collect();
        assert_eq!(common_ancestors_heads(&chains, &tips, &Now), interrupted);
        assert_eq!(deepest_common_ancestors(&chains, &tips, &Now), interrupted);
        // Uninterrupted, they answer.
        assert_eq!(
            common_ancestors_heads(&chains, &tips, &Uninterrupted),
            Ok(vec![])
        );
    }

    #[test]
    fn every_mask_width_answers_as_the_closure() {
        // A graph that hides its table: the sweep reads parents through the trait
        // (and there is no reachability index to walk).
        struct Untabled<'a>(&'a ParentsTable);
        impl Graph for Untabled<'_> {
            fn parents(&self, rev: Revision) -> Result<[Revision; 2], GraphError> {
                self.0.parents(rev)
            }
        }
        let mut rng = Rng::new(11);
        let table = random_dag(&mut rng, 3000, Shape::REALISTIC);
        let parents = table.as_slice();
        for count in [2, 7, 8, 15, 16, 31, 32, 63] {
            for _ in 0..10 {
                let inputs: Vec<Revision> = (0..count)
                    .map(|_| Revision(1500 + rng.below(1500) as i32))
                    .collect();
                let mut common = vec![true; parents.len()];
                for &input in &inputs {
                    let seen = ancestor_flags(parents, input);
                    common.iter_mut().zip(seen).for_each(|(c, s)| *c &= s);
                }
                let mut heads = common.clone();
                for v in 0..parents.len() {
                    if common[v] {
                        parents[v]
                            .iter()
                            .filter(|p| !p.is_null())
                            .for_each(|p| heads[p.index()] = false);
                    }
                }
                let expected: Vec<Revision> = (0..parents.len())
                    .rev()
                    .filter(|&v| heads[v])
                    .map(|v| Revision(v as i32))
                    .collect();
                let untabled = common_ancestors_heads(&Untabled(&table), &inputs, &Uninterrupted);
                assert_eq!(untabled.unwrap(), expected, "{count} inputs");
                let tabled = common_ancestors_heads(&table, &inputs, &Uninterrupted);
                assert_eq!(tabled.unwrap(), expected, "{count} inputs");
            }
        }
    }

    #[test]
    fn common_ancestors() {
        let g = &*SAMPLE_GRAPH;
        let cah = |r: &[i32]| ints(common_ancestors_heads(g, &revs(r), &Uninterrupted).unwrap());
        assert_eq!(cah(&[12, 11]), vec![7]);
        assert_eq!(cah(&[9, 10, 11]), vec![4]);
        assert_eq!(cah(&[12, 13]), Vec::<i32>::new());
        assert_eq!(cah(&[12, -1]), Vec::<i32>::new());
        assert_eq!(cah(&[4, 12]), vec![4]);
        assert_eq!(cah(&[12, 12]), vec![12]);
        assert_eq!(cah(&[9, 11]), vec![7]);
        let dca = |r: &[i32]| ints(deepest_common_ancestors(g, &revs(r), &Uninterrupted).unwrap());
        assert_eq!(dca(&[12, 11]), vec![7]);
        assert_eq!(dca(&[10, 11]), vec![4]);
    }
}
