//! Every operation of hg-core against a naive oracle (a plain transitive closure) on
//! thousands of random DAGs, and every operation on corrupt graphs and bad input
//! (errors, never panics).
//!
//! All randomness comes from one seed, printed at the start of each test: rerun a
//! failure with `OXIDAG_SEED=<seed> cargo test -p hg-core --test oracle`.

use std::collections::BTreeSet;

use hg_core::ancestors::{AncestorsIterator, LazyAncestors, MissingAncestors};
use hg_core::interrupt::Uninterrupted;
use hg_core::parallel::{self, Parallelism};
use hg_core::testing::{dag_from_draws, Draw};
use hg_core::{common_ancestors, dagops, Graph, ParentsTable};
use hg_core::{GraphError, Revision, RevisionSet, NULL_REVISION, WORKING_DIRECTORY_REVISION};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

/// A runner whose randomness all derives from one printed seed.
fn runner(cases: u32) -> TestRunner {
    let seed: u64 = match std::env::var("OXIDAG_SEED") {
        Ok(s) => s.parse().expect("OXIDAG_SEED must be an integer"),
        Err(_) => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0),
    };
    eprintln!("OXIDAG_SEED={}", seed);
    let mut bytes = [0u8; 32];
    bytes[..8].copy_from_slice(&seed.to_le_bytes());
    let config = Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    };
    TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &bytes))
}

/// One revision's random choices: (root?, branch?, merge?, how far back p1, p2).
type Choice = (u8, u8, u8, u16, u16);

/// Random DAGs of 1 to 150 revisions, from repository-like to wild, with several roots,
/// many heads, long chains and merges. Shrinks toward short linear histories.
fn dag_strategy() -> impl Strategy<Value = ParentsTable> {
    (0u8..4, prop::collection::vec(any::<Choice>(), 1..150)).prop_map(|(wildness, choices)| {
        let (root_pct, branch_pct, merge_pct) = match wildness {
            0 => (1, 10, 10),
            1 => (3, 30, 25),
            2 => (10, 60, 40),
            _ => (25, 80, 60),
        };
        let draws = choices
            .iter()
            .map(|&(root, branch, merge, back1, back2)| Draw {
                root: root % 100 < root_pct,
                branch: branch % 100 < branch_pct,
                merge: merge % 100 < merge_pct,
                back: [back1.into(), back2.into()],
            });
        dag_from_draws(draws, u64::MAX)
    })
}

/// A DAG with query inputs: revisions drawn from the graph (and sometimes -1).
fn dag_and_revs() -> impl Strategy<Value = (ParentsTable, Vec<i32>, Vec<i32>, i32, bool)> {
    dag_strategy().prop_flat_map(|table| {
        let n = table.len() as i32;
        let rev = -1..n;
        (
            Just(table),
            prop::collection::vec(rev.clone(), 0..6),
            prop::collection::vec(rev.clone(), 0..6),
            -1..n + 1,
            any::<bool>(),
        )
    })
}

/// The naive oracle: inclusive ancestor sets of every revision.
struct Closure {
    ancestors: Vec<BTreeSet<i32>>,
    parents: Vec<[i32; 2]>,
}

impl Closure {
    fn new(table: &ParentsTable) -> Self {
        let mut ancestors: Vec<BTreeSet<i32>> = Vec::new();
        let mut parents = Vec::new();
        for rev in 0..table.len() as i32 {
            let [p1, p2] = table.parents(Revision(rev)).unwrap();
            let mut set = BTreeSet::from([rev]);
            for p in [p1.0, p2.0] {
                if p >= 0 {
                    set.extend(ancestors[p as usize].iter().copied());
                }
            }
            ancestors.push(set);
            parents.push([p1.0, p2.0]);
        }
        Closure { ancestors, parents }
    }

    fn len(&self) -> i32 {
        self.parents.len() as i32
    }

    fn inclusive(&self, revs: &[i32]) -> BTreeSet<i32> {
        revs.iter()
            .filter(|&&r| r >= 0)
            .flat_map(|&r| self.ancestors[r as usize].iter().copied())
            .collect()
    }

    /// Proper ancestors of the set (the start revisions only if reached from another).
    fn exclusive(&self, revs: &[i32]) -> BTreeSet<i32> {
        let parents: Vec<i32> = revs
            .iter()
            .filter(|&&r| r >= 0)
            .flat_map(|&r| self.parents[r as usize])
            .collect();
        self.inclusive(&parents)
    }

    fn is_ancestor(&self, a: i32, b: i32) -> bool {
        a == -1 || (b >= 0 && self.ancestors[b as usize].contains(&a))
    }

    fn heads(&self, set: &BTreeSet<i32>) -> BTreeSet<i32> {
        set.iter()
            .copied()
            .filter(|&r| r >= 0)
            .filter(|&r| {
                !set.iter()
                    .any(|&c| c > r && c >= 0 && self.parents[c as usize].contains(&r))
            })
            .collect()
    }
}

fn to_set(revs: &[i32]) -> RevisionSet {
    revs.iter().map(|&r| Revision(r)).collect()
}

fn members(set: &RevisionSet) -> BTreeSet<i32> {
    set.iter().map(|r| r.0).collect()
}

fn ints(revs: impl IntoIterator<Item = Revision>) -> Vec<i32> {
    revs.into_iter().map(|r| r.0).collect()
}

fn revs(ints: &[i32]) -> Vec<Revision> {
    ints.iter().map(|&r| Revision(r)).collect()
}

#[test]
fn ancestors_and_lazy_ancestors_match_oracle() {
    runner(3000)
        .run(
            &dag_and_revs(),
            |(table, initrevs, probes, stoprev, inclusive)| {
                let oracle = Closure::new(&table);
                let kept: Vec<i32> = initrevs.iter().copied().filter(|&r| r >= stoprev).collect();
                let base = if inclusive {
                    oracle.inclusive(&kept)
                } else {
                    oracle.exclusive(&kept)
                };
                let expected: Vec<i32> = base
                    .iter()
                    .rev()
                    .copied()
                    .filter(|&r| r >= stoprev.max(0))
                    .collect();

                let walked: Vec<i32> =
                    AncestorsIterator::new(&table, revs(&initrevs), Revision(stoprev), inclusive)
                        .unwrap()
                        .map(|r| r.unwrap().0)
                        .collect();
                prop_assert_eq!(&walked, &expected);

                let mut lazy =
                    LazyAncestors::new(&table, revs(&initrevs), Revision(stoprev), inclusive)
                        .unwrap();
                prop_assert_eq!(lazy.is_empty(), expected.is_empty());
                for probe in
                    probes
                        .iter()
                        .chain(&initrevs)
                        .chain(&[stoprev, oracle.len(), 0x7fff_ffff, -5])
                {
                    prop_assert_eq!(
                        lazy.contains(Revision(*probe)).unwrap(),
                        expected.contains(probe),
                        "probe {}",
                        probe
                    );
                }
                let again: Vec<i32> = lazy.iter().map(|r| r.unwrap().0).collect();
                prop_assert_eq!(again, expected);
                Ok(())
            },
        )
        .unwrap();
}

#[test]
fn missing_ancestors_match_oracle() {
    runner(3000)
        .run(
            &(dag_and_revs(), prop::collection::vec(0usize..1000, 0..4)),
            |((table, bases, revs_in, _, _), more)| {
                let oracle = Closure::new(&table);
                let n = oracle.len();
                let mut missing = MissingAncestors::new(&table, revs(&bases)).unwrap();
                prop_assert_eq!(missing.has_bases(), bases.iter().any(|&b| b >= 0));
                let mut all_bases = bases.clone();

                // Incremental use, as discovery does it: add bases, remove ancestors, ask.
                let extra: Vec<i32> = more.iter().map(|&m| (m as i32) % n).collect();
                missing.add_bases(revs(&extra)).unwrap();
                all_bases.extend(&extra);
                let common = oracle.inclusive(&all_bases);

                let heads = members(&missing.bases_heads().unwrap());
                let (set, _) = missing.bases();
                prop_assert_eq!(heads, oracle.heads(&members(set)));

                let mut candidates = to_set(&revs_in);
                missing.remove_ancestors_from(&mut candidates).unwrap();
                let expected_left: BTreeSet<i32> = revs_in
                    .iter()
                    .copied()
                    .filter(|r| *r >= 0 && !common.contains(r))
                    .collect();
                prop_assert_eq!(members(&candidates), expected_left);

                // Growing bases never changes what they cover.
                let (set, _) = missing.bases();
                prop_assert_eq!(oracle.inclusive(&ints(set.iter())), common.clone());

                let got = ints(missing.missing_ancestors(revs(&revs_in)).unwrap());
                let expected: Vec<i32> = oracle
                    .inclusive(&revs_in)
                    .difference(&common)
                    .copied()
                    .collect();
                prop_assert_eq!(got, expected);
                Ok(())
            },
        )
        .unwrap();
}

#[test]
fn set_functions_match_oracle() {
    runner(2000)
        .run(&dag_and_revs(), |(table, a, b, minroot, include_path)| {
            let oracle = Closure::new(&table);
            let n = oracle.len();
            let set_a: BTreeSet<i32> = a.iter().copied().filter(|&r| r >= 0).collect();
            let set_b: BTreeSet<i32> = b.iter().copied().filter(|&r| r >= 0).collect();

            prop_assert_eq!(
                members(&parallel::heads(&table, &to_set(&a), &Parallelism::sequential()).unwrap()),
                oracle.heads(&set_a)
            );

            let roots: BTreeSet<i32> = set_a
                .iter()
                .copied()
                .filter(|&r| !oracle.parents[r as usize].iter().any(|p| set_a.contains(p)))
                .collect();
            prop_assert_eq!(
                members(&parallel::roots(&table, &to_set(&a), &Parallelism::sequential()).unwrap()),
                roots
            );

            // `repoview._revealancestors`' walk: b's members reached from a through b.
            let mut through = set_b.clone();
            let mut stack: Vec<i32> = set_a.iter().copied().collect();
            while let Some(rev) = stack.pop() {
                for p in oracle.parents[rev as usize] {
                    if p >= 0 && through.remove(&p) {
                        stack.push(p);
                    }
                }
            }
            let revealed: BTreeSet<i32> = set_b.difference(&through).copied().collect();
            prop_assert_eq!(
                members(&dagops::ancestors_through(&table, &to_set(&a), &to_set(&b)).unwrap()),
                revealed
            );

            // `obsolete._computeorphanset`'s sweep: b's members with a parent among a's
            // or among those already found, ascending.
            let mut orphans = BTreeSet::new();
            for &rev in &set_b {
                let parents = oracle.parents[rev as usize];
                if parents
                    .iter()
                    .any(|p| set_a.contains(p) || orphans.contains(p))
                {
                    orphans.insert(rev);
                }
            }
            prop_assert_eq!(
                members(&dagops::descendants_through(&table, &to_set(&a), &to_set(&b)).unwrap()),
                orphans
            );

            // Children of a set, and of the null revision (the roots).
            let children: BTreeSet<i32> = (0..n)
                .filter(|&c| oracle.parents[c as usize].iter().any(|p| set_a.contains(p)))
                .collect();
            prop_assert_eq!(
                members(&parallel::children(
                    &table,
                    &to_set(&a),
                    false,
                    None,
                    &Parallelism::sequential()
                )),
                children
            );
            let graph_roots: BTreeSet<i32> = (0..n)
                .filter(|&c| oracle.parents[c as usize] == [-1, -1])
                .collect();
            prop_assert_eq!(
                members(&parallel::children(
                    &table,
                    &RevisionSet::new(),
                    true,
                    None,
                    &Parallelism::sequential()
                )),
                graph_roots
            );

            // Descendants, proper and inclusive, optionally skipping filtered revisions
            // (filtered sets are closed under descendants, as Mercurial's repoviews).
            let proper: BTreeSet<i32> = (0..n)
                .filter(|&d| set_a.iter().any(|&r| r != d && oracle.is_ancestor(r, d)))
                .collect();
            prop_assert_eq!(
                members(&dagops::descendants(
                    &table,
                    &to_set(&a),
                    false,
                    false,
                    None
                )),
                proper.clone()
            );
            let inclusive: BTreeSet<i32> = proper.union(&set_a).copied().collect();
            prop_assert_eq!(
                members(&dagops::descendants(&table, &to_set(&a), false, true, None)),
                inclusive.clone()
            );
            let filtered: BTreeSet<i32> = (0..n)
                .filter(|&d| set_b.iter().any(|&r| oracle.is_ancestor(r, d)))
                .collect();
            let visible: BTreeSet<i32> = inclusive.difference(&filtered).copied().collect();
            prop_assert_eq!(
                members(&dagops::descendants(
                    &table,
                    &to_set(&a),
                    false,
                    true,
                    Some(&to_set(&ints(filtered.iter().map(|&r| Revision(r)))))
                )),
                visible
            );

            // Whole-graph heads, with the C index's filtered-revision rule.
            let stop = minroot.clamp(0, n) as usize;
            let mut effective_unfiltered = vec![false; stop];
            for r in (0..stop).rev() {
                let has_child = (r + 1..stop)
                    .any(|c| effective_unfiltered[c] && oracle.parents[c].contains(&(r as i32)));
                effective_unfiltered[r] = !set_b.contains(&(r as i32)) || has_child;
            }
            let mut expected_heads: Vec<i32> = (0..stop)
                .filter(|&r| effective_unfiltered[r])
                .filter(|&r| {
                    !(r + 1..stop)
                        .any(|c| effective_unfiltered[c] && oracle.parents[c].contains(&(r as i32)))
                })
                .map(|r| r as i32)
                .collect();
            if stop == 0 {
                expected_heads = vec![-1];
            }
            prop_assert_eq!(
                ints(parallel::graph_heads(
                    &table,
                    Some(&to_set(&b)),
                    stop,
                    &Parallelism::sequential()
                )),
                expected_heads
            );

            // Reachable roots: heads walk down through revisions >= minroot, stopping at
            // roots unless the path is wanted.
            let roots_in: BTreeSet<i32> = set_b.clone();
            let mut reached = BTreeSet::new();
            let mut seen: BTreeSet<i32> = a.iter().copied().collect();
            let mut stack: Vec<i32> = seen.iter().copied().collect();
            while let Some(r) = stack.pop() {
                if roots_in.contains(&r) {
                    reached.insert(r);
                    if !include_path {
                        continue;
                    }
                }
                if r < 0 {
                    continue;
                }
                for p in oracle.parents[r as usize] {
                    if p >= minroot && p >= 0 && seen.insert(p) {
                        stack.push(p);
                    }
                }
            }
            // With the path: seen revisions, from minroot up, with a parent on it.
            let mut expected_rr = reached.clone();
            if include_path {
                for &x in &seen {
                    if x >= minroot.max(0)
                        && oracle.parents[x as usize]
                            .iter()
                            .any(|p| expected_rr.contains(p))
                    {
                        expected_rr.insert(x);
                    }
                }
            }
            let got = ints(
                dagops::reachable_roots(
                    &table,
                    Revision(minroot),
                    &revs(&a),
                    &revs(&ints(roots_in.iter().map(|&r| Revision(r)))),
                    include_path,
                )
                .unwrap(),
            );
            let in_walk_order = dagops::reachable_roots_in_walk_order(
                &table,
                Revision(minroot),
                &revs(&a),
                &revs(&ints(roots_in.iter().map(|&r| Revision(r)))),
                include_path,
            )
            .unwrap();
            let mut sorted = ints(in_walk_order);
            sorted.sort();
            prop_assert_eq!(&sorted, &got);
            // The same through a reachability index (which prunes the walk).
            let indexed = table.clone();
            indexed.reach_index();
            let through_index = ints(
                dagops::reachable_roots(
                    &indexed,
                    Revision(minroot),
                    &revs(&a),
                    &revs(&ints(roots_in.iter().map(|&r| Revision(r)))),
                    include_path,
                )
                .unwrap(),
            );
            prop_assert_eq!(&through_index, &got);
            prop_assert_eq!(got, expected_rr.into_iter().collect::<Vec<_>>());

            for (&x, &y) in a.iter().zip(&b) {
                for graph in [&table, &indexed] {
                    prop_assert_eq!(
                        dagops::is_ancestor(graph, Revision(x), Revision(y)).unwrap(),
                        oracle.is_ancestor(x, y)
                    );
                }
            }
            Ok(())
        })
        .unwrap();
}

#[test]
fn common_ancestors_match_oracle() {
    // Inputs of every width, including the 64-input mark where Mercurial 7.2.4's Rust
    // returns [] and the 24-input cap of its C.
    let strategy = dag_strategy().prop_flat_map(|table| {
        let n = table.len() as i32;
        (Just(table), prop::collection::vec(0..n, 1..80))
    });
    runner(1500)
        .run(&strategy, |(table, inputs)| {
            let oracle = Closure::new(&table);
            let mut common: Option<BTreeSet<i32>> = None;
            for &r in &inputs {
                let anc = oracle.ancestors[r as usize].clone();
                common = Some(match common {
                    None => anc,
                    Some(c) => c.intersection(&anc).copied().collect(),
                });
            }
            let heads = oracle.heads(&common.unwrap_or_default());
            let got = ints(
                common_ancestors::common_ancestors_heads(&table, &revs(&inputs), &Uninterrupted)
                    .unwrap(),
            );
            let mut expected: Vec<i32> = heads.iter().copied().collect();
            expected.reverse();
            prop_assert_eq!(&got, &expected);

            // `deepest` is defined by Mercurial's own algorithm (a race down from the
            // heads that is not symmetric in ties), so its oracle is Mercurial itself:
            // tests/test_differential.py. Here: a subset of the heads, one if one.
            let deepest: BTreeSet<i32> = ints(
                common_ancestors::deepest_common_ancestors(&table, &revs(&inputs), &Uninterrupted)
                    .unwrap(),
            )
            .into_iter()
            .collect();
            prop_assert!(deepest.is_subset(&heads));
            if heads.len() == 1 {
                prop_assert_eq!(&deepest, &heads);
            }

            let mut with_null = revs(&inputs);
            with_null.push(NULL_REVISION);
            prop_assert!(common_ancestors::common_ancestors_heads(
                &table,
                &with_null,
                &Uninterrupted
            )
            .unwrap()
            .is_empty());
            Ok(())
        })
        .unwrap();
}

#[test]
fn bit_set_algebra_matches_btreeset() {
    let sets = prop::collection::btree_set(0i32..20_000, 0..300);
    runner(500)
        .run(&(sets.clone(), sets, 0i32..25_000), |(a, b, probe)| {
            let (sa, sb) = (to_set(&ints_of(&a)), to_set(&ints_of(&b)));
            prop_assert_eq!(
                members(&(&sa | &sb)),
                a.union(&b).copied().collect::<BTreeSet<_>>()
            );
            prop_assert_eq!(
                members(&(&sa & &sb)),
                a.intersection(&b).copied().collect::<BTreeSet<_>>()
            );
            prop_assert_eq!(
                members(&(&sa - &sb)),
                a.difference(&b).copied().collect::<BTreeSet<_>>()
            );
            prop_assert_eq!((&sa | &sb).len(), a.union(&b).count());
            prop_assert_eq!(
                sa.prev_at_or_below(Revision(probe)).map(|r| r.0),
                a.range(..=probe).next_back().copied()
            );
            prop_assert_eq!(
                sa.next_at_or_above(Revision(probe)).map(|r| r.0),
                a.range(probe..).next().copied()
            );
            prop_assert_eq!(
                ints(sa.iter_desc()),
                a.iter().rev().copied().collect::<Vec<_>>()
            );
            let mut t = sa.clone();
            t.truncate(probe as usize);
            prop_assert_eq!(
                members(&t),
                a.range(..probe).copied().collect::<BTreeSet<_>>()
            );
            Ok(())
        })
        .unwrap();
}

fn ints_of(set: &BTreeSet<i32>) -> Vec<i32> {
    set.iter().copied().collect()
}

/// A graph read from raw, unvalidated entries, as a corrupt index would give them.
struct RawGraph(Vec<[i32; 2]>);

impl Graph for RawGraph {
    fn parents(&self, rev: Revision) -> Result<[Revision; 2], GraphError> {
        if rev == NULL_REVISION {
            return Ok([NULL_REVISION; 2]);
        }
        let entry = usize::try_from(rev.0)
            .ok()
            .and_then(|i| self.0.get(i))
            .ok_or(GraphError::InvalidRevision(rev))?;
        Ok([Revision(entry[0]), Revision(entry[1])])
    }
}

#[test]
fn corrupt_graphs_and_bad_input_give_errors_never_panics() {
    let raw = prop::collection::vec((-3i32..40, -3i32..40), 1..40);
    let inputs = prop::collection::vec(
        prop_oneof![-4i32..45, Just(0x7fff_ffff), Just(i32::MIN)],
        0..5,
    );
    runner(3000)
        .run(
            &(raw, inputs.clone(), inputs, -2i32..45),
            |(raw, a, b, stoprev)| {
                let g = RawGraph(raw.iter().map(|&(x, y)| [x, y]).collect());
                let (ra, rb) = (revs(&a), revs(&b));
                // Each call must return, Ok or Err; collecting forces every lazy step.
                if let Ok(it) =
                    AncestorsIterator::new(&g, ra.clone(), Revision(stoprev), stoprev % 2 == 0)
                {
                    let _ = it.collect::<Result<Vec<_>, _>>();
                }
                if let Ok(mut lazy) = LazyAncestors::new(&g, ra.clone(), Revision(stoprev), true) {
                    for &probe in &rb {
                        let _ = lazy.contains(probe);
                    }
                    let _ = lazy.is_empty();
                }
                if let Ok(mut missing) = MissingAncestors::new(&g, ra.clone()) {
                    let _ = missing.missing_ancestors(rb.clone());
                    let mut set: RevisionSet = rb.iter().copied().filter(|r| r.0 < 1000).collect();
                    let _ = missing.remove_ancestors_from(&mut set);
                    let _ = missing.bases_heads();
                }
                let _ = common_ancestors::common_ancestors_heads(&g, &ra, &Uninterrupted);
                let _ = common_ancestors::deepest_common_ancestors(&g, &rb, &Uninterrupted);
                let _ = dagops::reachable_roots(&g, Revision(stoprev), &ra, &rb, true);
                // Sets hold only small revisions: a set holding 0x7fffffff is legal but
                // spans half a million pages, which would only slow this test down.
                let small = |v: &[Revision]| -> RevisionSet {
                    v.iter().copied().filter(|r| r.0 < 1000).collect()
                };
                let _ = parallel::heads(&g, &small(&ra), &Parallelism::sequential());
                let _ = parallel::roots(&g, &small(&rb), &Parallelism::sequential());
                for (&x, &y) in ra.iter().zip(&rb) {
                    let _ = dagops::is_ancestor(&g, x, y);
                }
                Ok(())
            },
        )
        .unwrap();
}

#[test]
fn every_error_is_reachable() {
    let corrupt_up = RawGraph(vec![[-1, -1], [3, -1], [1, -1]]);
    assert_eq!(
        AncestorsIterator::new(&corrupt_up, revs(&[2]), Revision(0), false)
            .unwrap()
            .collect::<Result<Vec<_>, _>>(),
        Err(GraphError::ParentNotBelowChild {
            rev: Revision(1),
            parent: Revision(3)
        })
    );
    let out_of_range = RawGraph(vec![[-1, -1], [7, -1]]);
    assert_eq!(
        common_ancestors::common_ancestors_heads(&out_of_range, &revs(&[1, 0]), &Uninterrupted),
        Err(GraphError::ParentNotBelowChild {
            rev: Revision(1),
            parent: Revision(7)
        })
    );
    let table = ParentsTable::from_pairs([(-1, -1), (0, -1)]).unwrap();
    assert_eq!(
        MissingAncestors::new(&table, revs(&[2])).unwrap_err(),
        GraphError::InvalidRevision(Revision(2))
    );
    assert_eq!(
        LazyAncestors::new(&table, [WORKING_DIRECTORY_REVISION], Revision(0), false).unwrap_err(),
        GraphError::WorkingDirectoryUnsupported
    );
    assert_eq!(
        dagops::is_ancestor(&table, Revision(-3), Revision(1)),
        Err(GraphError::InvalidRevision(Revision(-3)))
    );
    assert_eq!(
        ParentsTable::from_pairs([(-1, -1), (1, -1)]),
        Err(GraphError::ParentNotBelowChild {
            rev: Revision(1),
            parent: Revision(1)
        })
    );
}

#[test]
fn parallel_kernels_equal_sequential_at_both_thread_counts() {
    use hg_core::bitset::SetOp;
    runner(600)
        .run(&dag_and_revs(), |(table, a, b, stop, _)| {
            let (set_a, set_b) = (to_set(&a), to_set(&b));
            let filtered = to_set(&b);
            let stop = stop.clamp(0, table.len() as i32) as usize;
            let oracle = Closure::new(&table);
            for threads in [1, 2] {
                // Threshold 0: the parallel path even on small graphs.
                let par = &Parallelism::with_threads(threads, 0).unwrap();
                prop_assert_eq!(
                    parallel::graph_heads(&table, Some(&filtered), stop, par),
                    parallel::graph_heads(
                        &table,
                        Some(&filtered),
                        stop,
                        &Parallelism::sequential()
                    )
                );
                prop_assert_eq!(
                    parallel::graph_heads(&table, None, table.len(), par),
                    parallel::graph_heads(&table, None, table.len(), &Parallelism::sequential())
                );
                for include_roots in [false, true] {
                    prop_assert_eq!(
                        parallel::children(&table, &set_a, include_roots, Some(&filtered), par),
                        parallel::children(
                            &table,
                            &set_a,
                            include_roots,
                            Some(&filtered),
                            &Parallelism::sequential()
                        )
                    );
                }
                prop_assert_eq!(
                    parallel::heads(&table, &set_a, par).unwrap(),
                    parallel::heads(&table, &set_a, &Parallelism::sequential()).unwrap()
                );
                prop_assert_eq!(
                    parallel::roots(&table, &set_a, par).unwrap(),
                    parallel::roots(&table, &set_a, &Parallelism::sequential()).unwrap()
                );
                let parents: BTreeSet<i32> = a
                    .iter()
                    .filter(|&&r| r >= 0)
                    .flat_map(|&r| table.parents_unchecked(Revision(r)))
                    .filter(|p| !p.is_null())
                    .map(|p| p.0)
                    .collect();
                prop_assert_eq!(
                    members(&parallel::parents(&table, &set_a, par).unwrap()),
                    parents
                );
                let probes: Vec<Revision> = b.iter().chain(&a).map(|&r| Revision(r)).collect();
                prop_assert_eq!(
                    parallel::contains_many(&set_a, &probes, par),
                    probes
                        .iter()
                        .map(|r| r.0 >= 0 && a.contains(&r.0))
                        .collect::<Vec<_>>()
                );
                let queries = vec![
                    (revs(&a), revs(&b)),
                    (revs(&b), revs(&a)),
                    (revs(&a), vec![]),
                ];
                let answers = parallel::missing_ancestors_many(&&table, &queries, par).unwrap();
                for ((heads, common), answer) in queries.iter().zip(&answers) {
                    let expected: BTreeSet<i32> = oracle
                        .inclusive(&ints(heads.iter().copied()))
                        .difference(&oracle.inclusive(&ints(common.iter().copied())))
                        .copied()
                        .collect();
                    prop_assert_eq!(members(answer), expected);
                }
                let pairs: Vec<(Revision, Revision)> = a
                    .iter()
                    .zip(&b)
                    .map(|(&x, &y)| (Revision(x), Revision(y)))
                    .collect();
                let expected: Vec<bool> = pairs
                    .iter()
                    .map(|&(x, y)| dagops::is_ancestor(&table, x, y).unwrap())
                    .collect();
                prop_assert_eq!(
                    parallel::is_ancestor_many(&table, &pairs, par).unwrap(),
                    expected
                );
                prop_assert_eq!(
                    parallel::combine(&set_a, &set_b, SetOp::Union, par),
                    &set_a | &set_b
                );
                prop_assert_eq!(
                    parallel::combine(&set_a, &set_b, SetOp::Intersection, par),
                    &set_a & &set_b
                );
                prop_assert_eq!(
                    parallel::combine(&set_a, &set_b, SetOp::Difference, par),
                    &set_a - &set_b
                );
            }
            Ok(())
        })
        .unwrap();
}

#[test]
fn parallel_set_algebra_on_large_sets() {
    use hg_core::bitset::SetOp;
    let mut rng = hg_core::testing::Rng::new(7);
    let a: RevisionSet = (0..200_000)
        .filter(|_| rng.chance(0.3))
        .map(Revision)
        .collect();
    let b: RevisionSet = (50_000..400_000)
        .filter(|_| rng.chance(0.5))
        .map(Revision)
        .collect();
    let par = &Parallelism::with_threads(2, 0).unwrap();
    for op in [SetOp::Union, SetOp::Intersection, SetOp::Difference] {
        let expected = match op {
            SetOp::Union => &a | &b,
            SetOp::Intersection => &a & &b,
            SetOp::Difference => &a - &b,
        };
        let got = parallel::combine(&a, &b, op, par);
        assert_eq!(got.len(), expected.len());
        assert_eq!(got, expected);
    }
}

/// DAGs built to break naive pruning of the reachability index: `dag_strategy`'s, with
/// some revisions stored as (null, p) or (p, p) (first-parent variants), and long side
/// branches merged back far above their fork (merges of very unequal depth).
fn pruning_dag_strategy() -> impl Strategy<Value = ParentsTable> {
    (
        dag_strategy(),
        prop::collection::vec(any::<(u8, u16, u16)>(), 0..40),
    )
        .prop_map(|(table, edits)| {
            let mut pairs: Vec<[i32; 2]> = table
                .as_slice()
                .iter()
                .map(|[p1, p2]| [p1.0, p2.0])
                .collect();
            // Long side branches: a chain forked low, merged at the top.
            for &(kind, at, len) in &edits {
                let n = pairs.len() as i32;
                match kind % 4 {
                    0 => {
                        let fork = at as i32 % n;
                        let mut prev = fork;
                        for _ in 0..(len % 30) {
                            pairs.push([prev, -1]);
                            prev = pairs.len() as i32 - 1;
                        }
                        let top = pairs.len() as i32 - 1;
                        pairs.push([top.max(n - 1), prev]);
                    }
                    1 => {
                        let rev = at as usize % pairs.len();
                        if pairs[rev][0] >= 0 {
                            pairs[rev] = [-1, pairs[rev][0]];
                        }
                    }
                    2 => {
                        let rev = at as usize % pairs.len();
                        if pairs[rev][0] >= 0 {
                            pairs[rev] = [pairs[rev][0], pairs[rev][0]];
                        }
                    }
                    _ => pairs.push([-1, -1]),
                }
            }
            ParentsTable::from_pairs(pairs.into_iter().map(|[a, b]| (a, b))).unwrap()
        })
}

#[test]
fn reach_index_matches_oracle_built_extended_and_cut() {
    let strategy = pruning_dag_strategy().prop_flat_map(|table| {
        let n = table.len();
        (Just(table), 0..=n, 0..=n)
    });
    runner(1500)
        .run(&strategy, |(table, built_at, cut_at)| {
            let oracle = Closure::new(&table);
            let all = table.as_slice();
            // Built on a prefix, appended to, cut by a strip and grown back: every
            // revision indexed by each way the index can come to be.
            let mut grown =
                ParentsTable::from_pairs(all[..built_at].iter().map(|[a, b]| (a.0, b.0))).unwrap();
            grown.reach_index();
            for &[p1, p2] in &all[built_at..] {
                grown.push([p1, p2]).unwrap();
            }
            let mut regrown = grown.clone();
            regrown.truncate(cut_at.min(built_at));
            for &[p1, p2] in &all[cut_at.min(built_at)..] {
                regrown.push([p1, p2]).unwrap();
            }
            let whole = table.clone();
            whole.reach_index();
            for graph in [&whole, &grown, &regrown] {
                prop_assert!(graph.built_reach_index().is_some());
                for b in 0..oracle.len() {
                    for a in -1..oracle.len() {
                        let got = dagops::is_ancestor(graph, Revision(a), Revision(b)).unwrap();
                        prop_assert_eq!(got, oracle.is_ancestor(a, b), "{} -> {}", a, b);
                    }
                }
            }
            // Common-ancestor heads of pairs and triples, through the index.
            let n = oracle.len();
            for i in 0..n.min(40) {
                let inputs = [i, (i * 7 + 3) % n, (i * 13 + 5) % n];
                for width in [2, 3] {
                    let inputs = &inputs[..width];
                    let mut common: Option<BTreeSet<i32>> = None;
                    for &r in inputs {
                        let anc = oracle.ancestors[r as usize].clone();
                        common = Some(match common {
                            None => anc,
                            Some(c) => c.intersection(&anc).copied().collect(),
                        });
                    }
                    let mut expected: Vec<i32> =
                        oracle.heads(&common.unwrap()).into_iter().collect();
                    expected.reverse();
                    let got = ints(
                        common_ancestors::common_ancestors_heads(
                            &regrown,
                            &revs(inputs),
                            &Uninterrupted,
                        )
                        .unwrap(),
                    );
                    prop_assert_eq!(got, expected);
                }
            }
            Ok(())
        })
        .unwrap();
}
