//! Graphs for tests and benchmarks: the sample graph of Mercurial's `test-ancestor.py`
//! and seeded random DAGs. Public (but hidden) so that integration tests and benches
//! share them; all randomness goes through one seed.

use std::sync::LazyLock;

use crate::bitset::RevisionSet;
use crate::parents_table::ParentsTable;
use crate::revision::Revision;

/// The graph of Mercurial's `tests/test-ancestor.py` (children above parents):
///
/// ```text
///        12         11    10    13
///        |         /  |   |     |
///        9        /   3   5     8
///       / \      /    |   |
///      6   7 ----'     |   |
///       \  |           |   |
///        \ | .---------)---'
///         \|/          |
///          4           |
///          |           |
///          2           |
///           \         /
///            `-- 1 --'
///                |
///                0
/// ```
pub static SAMPLE_GRAPH: LazyLock<ParentsTable> = LazyLock::new(|| {
    ParentsTable::from_pairs([
        (-1, -1), // 0
        (0, -1),  // 1
        (1, -1),  // 2
        (1, -1),  // 3
        (2, -1),  // 4
        (4, -1),  // 5
        (4, -1),  // 6
        (4, -1),  // 7
        (-1, -1), // 8
        (6, 7),   // 9
        (5, -1),  // 10
        (3, 7),   // 11
        (9, -1),  // 12
        (8, -1),  // 13
    ])
    .expect("sample graph is valid")
});

/// The transitive closure's answer, for oracles: `flags[r]` is whether `r` is an
/// ancestor of `rev` (itself included), for every revision of `parents`.
pub fn ancestor_flags(parents: &[[Revision; 2]], rev: Revision) -> Vec<bool> {
    let mut flags = vec![false; parents.len()];
    flags[rev.index()] = true;
    for v in (0..=rev.index()).rev() {
        if flags[v] {
            for p in parents[v] {
                if !p.is_null() {
                    flags[p.index()] = true;
                }
            }
        }
    }
    flags
}

/// `Revision`s from plain integers.
pub fn revs(revs: &[i32]) -> Vec<Revision> {
    revs.iter().map(|&r| Revision(r)).collect()
}

/// A set of revisions given as ints.
pub fn set(revs: &[i32]) -> RevisionSet {
    revs.iter().map(|&r| Revision(r)).collect()
}

/// The members of a set, ascending, as ints.
pub fn list(set: &RevisionSet) -> Vec<i32> {
    set.iter().map(|r| r.0).collect()
}

/// Revisions as ints, in their order.
pub fn ints(revs: Vec<Revision>) -> Vec<i32> {
    revs.into_iter().map(|r| r.0).collect()
}

/// SplitMix64: a tiny, good-enough generator, so tests need no `rand` crate.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// A generator for `seed`.
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `0..bound` (`bound > 0`).
    pub fn below(&mut self, bound: u64) -> u64 {
        self.next_u64() % bound
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }
}

/// Shape parameters of [`random_dag`].
#[derive(Clone, Copy, Debug)]
pub struct Shape {
    /// Probability that a revision starts a new root.
    pub root_rate: f64,
    /// Probability that a revision is a merge.
    pub merge_rate: f64,
    /// Probability that the first parent is not the previous revision (a branch).
    pub branch_rate: f64,
    /// How far back a branch or merge parent may be, at most.
    pub reach: u64,
}

impl Shape {
    /// Repository-like: long chains, topic branches merged back, few roots.
    pub const REALISTIC: Shape = Shape {
        root_rate: 0.0005,
        merge_rate: 0.2,
        branch_rate: 0.15,
        reach: 200,
    };
    /// Many heads and roots, merges across the whole history.
    pub const WILD: Shape = Shape {
        root_rate: 0.1,
        merge_rate: 0.35,
        branch_rate: 0.6,
        reach: u64::MAX,
    };
}

/// What decides one revision's parents in a random DAG: whether it starts a new root,
/// whether its first parent is not the previous revision (a branch), whether it is a
/// merge, and how far back those parents are (reduced modulo what it can reach).
#[derive(Clone, Copy, Debug, Default)]
pub struct Draw {
    /// A new root (ignored draws follow).
    pub root: bool,
    /// The first parent is `back[0]` revisions further back than the previous one.
    pub branch: bool,
    /// The second parent is `back[1]` revisions further back than the previous one.
    pub merge: bool,
    /// Distances back, taken modulo the span a parent may be drawn from.
    pub back: [u64; 2],
}

/// The table of the parents `draws` give, revision after revision: the one rule
/// hg-core's random DAGs follow, whether the draws come from [`Rng`] ([`random_dag`])
/// or from a property-test strategy (which shrinks them). Branch and merge parents
/// are at most `reach` revisions back.
pub fn dag_from_draws(draws: impl IntoIterator<Item = Draw>, reach: u64) -> ParentsTable {
    let mut table = ParentsTable::new();
    for (rev, draw) in (0u64..).zip(draws) {
        let parents = if rev == 0 || draw.root {
            [-1, -1]
        } else {
            let span = rev.min(reach);
            let back = |distance: u64| (rev - 1 - distance % span) as i32;
            let p1 = if draw.branch {
                back(draw.back[0])
            } else {
                rev as i32 - 1
            };
            let p2 = if draw.merge { back(draw.back[1]) } else { -1 };
            if p2 == p1 {
                [p1, -1]
            } else {
                [p1, p2]
            }
        };
        table
            .push([Revision(parents[0]), Revision(parents[1])])
            .expect("drawn parents are below their child");
    }
    table
}

/// A random DAG of `size` revisions with the given shape.
pub fn random_dag(rng: &mut Rng, size: usize, shape: Shape) -> ParentsTable {
    let draws = (0..size as u64).map(|rev| {
        if rev == 0 || rng.chance(shape.root_rate) {
            return Draw {
                root: true,
                ..Draw::default()
            };
        }
        let branch = rng.chance(shape.branch_rate);
        let back1 = if branch { rng.next_u64() } else { 0 };
        let merge = rev > 1 && rng.chance(shape.merge_rate);
        let back2 = if merge { rng.next_u64() } else { 0 };
        Draw {
            root: false,
            branch,
            merge,
            back: [back1, back2],
        }
    });
    dag_from_draws(draws, shape.reach)
}
