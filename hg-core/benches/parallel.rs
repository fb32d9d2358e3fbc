//! The rayon kernels at 1 thread and at 2, on a 1M-revision synthetic DAG: median
//! times and the speedup, side by side in one run (machines here are shared, so
//! quote the ratios). Every parallel result is checked equal to the sequential one.
//!
//! cargo bench -p hg-core --bench parallel      # 1M revisions
//! cargo test --release -p hg-core --benches    # smoke run, 20k revisions
//!
//! Parallelism pays where the work per revision is independent and the input is
//! large; below `DEFAULT_THRESHOLD` the kernels stay sequential by design.

use std::hint::black_box;
use std::time::{Duration, Instant};

use hg_core::bitset::SetOp;
use hg_core::parallel::{self, Parallelism};
use hg_core::testing::{random_dag, Rng, Shape};
use hg_core::{ParentsTable, Revision, RevisionSet};

const SEED: u64 = 0x0c5a_da9e;

fn median_time<T>(reps: usize, mut f: impl FnMut() -> T) -> (Duration, T) {
    let mut times = Vec::with_capacity(reps);
    let mut last = f(); // warm-up: the pool, page faults
    for _ in 0..reps {
        let start = Instant::now();
        last = black_box(f());
        times.push(start.elapsed());
    }
    times.sort();
    (times[times.len() / 2], last)
}

/// A kernel run at a given parallelism, giving its result as ints.
type Run<'a> = dyn Fn(&Parallelism) -> Vec<i32> + 'a;

struct Kernel<'a> {
    name: &'static str,
    run: Box<Run<'a>>,
}

fn members(set: &RevisionSet) -> Vec<i32> {
    set.iter().map(|r| r.0).collect()
}

fn kernels<'a>(
    table: &'a ParentsTable,
    sets: &'a [RevisionSet; 3],
    probes: &'a [Revision],
) -> Vec<Kernel<'a>> {
    let [half, third, filtered] = sets;
    let n = table.len();
    let pairs: Vec<(Revision, Revision)> = {
        let mut rng = Rng::new(SEED ^ 1);
        (0..2000)
            .map(|_| {
                let b = n / 2 + rng.below((n / 2) as u64) as usize;
                let a = b - rng.below(2000.min(b as u64) + 1) as usize;
                (Revision(a as i32), Revision(b as i32))
            })
            .collect()
    };
    vec![
        Kernel {
            name: "heads of the whole graph (1% filtered)",
            run: Box::new(move |p| {
                parallel::graph_heads(table, Some(filtered), n, p)
                    .into_iter()
                    .map(|r| r.0)
                    .collect()
            }),
        },
        Kernel {
            name: "heads of a set of n/2",
            run: Box::new(move |p| members(&parallel::heads(table, half, p).unwrap())),
        },
        Kernel {
            name: "roots of a set of n/2",
            run: Box::new(move |p| members(&parallel::roots(table, half, p).unwrap())),
        },
        Kernel {
            name: "parents of a set of n/2",
            run: Box::new(move |p| members(&parallel::parents(table, half, p).unwrap())),
        },
        Kernel {
            name: "1M membership probes",
            run: Box::new(move |p| {
                parallel::contains_many(third, probes, p)
                    .into_iter()
                    .map(i32::from)
                    .collect()
            }),
        },
        Kernel {
            name: "8 missing-ancestors queries",
            run: Box::new(move |p| {
                let queries: Vec<(Vec<Revision>, Vec<Revision>)> = (1..=8)
                    .map(|i| {
                        let head = Revision((n - 1 - i * n / 1000) as i32);
                        let common = Revision((n / 2 - i * n / 200) as i32);
                        (vec![head], vec![common])
                    })
                    .collect();
                parallel::missing_ancestors_many(&table, &queries, p)
                    .unwrap()
                    .iter()
                    .map(|s| s.len() as i32)
                    .collect()
            }),
        },
        Kernel {
            name: "children of a set of n/3",
            run: Box::new(move |p| members(&parallel::children(table, third, false, None, p))),
        },
        Kernel {
            name: "set algebra n/2 & n/3, |, -",
            run: Box::new(move |p| {
                let ops = [SetOp::Intersection, SetOp::Union, SetOp::Difference];
                ops.iter()
                    .map(|&op| parallel::combine(half, third, op, p).len() as i32)
                    .collect()
            }),
        },
        Kernel {
            name: "2000 is-ancestor pairs, distinct descendants",
            run: Box::new(move |p| {
                parallel::is_ancestor_many(table, &pairs, p)
                    .unwrap()
                    .into_iter()
                    .map(i32::from)
                    .collect()
            }),
        },
    ]
}

fn main() {
    let benchmarking = std::env::args().any(|a| a == "--bench");
    let (size, reps) = if benchmarking {
        (1_000_000, 15)
    } else {
        (20_000, 1)
    };
    let table = random_dag(&mut Rng::new(SEED), size, Shape::REALISTIC);
    let n = table.len() as i32;
    let sets = [
        (0..n).step_by(2).map(Revision).collect(),
        (0..n).step_by(3).map(Revision).collect(),
        (n - n / 100..n).map(Revision).collect(),
    ];
    // The threshold as shipped; the smoke run lowers it so the parallel code runs.
    let threshold = if benchmarking {
        parallel::DEFAULT_THRESHOLD
    } else {
        1024
    };
    let one = Parallelism::with_threads(1, threshold).expect("a sequential setting");
    let two = Parallelism::with_threads(2, threshold).expect("a pool of two threads");
    println!(
        "{} revisions, {} cores; median of {} runs",
        size,
        std::thread::available_parallelism().map_or(1, |c| c.get()),
        reps
    );
    println!(
        "{:<46} {:>10} {:>10} {:>8}",
        "kernel", "1 thread", "2 threads", "speedup"
    );
    let probes: Vec<Revision> = (0..n).map(|r| Revision(r ^ 0x55)).collect();
    for kernel in kernels(&table, &sets, &probes) {
        let (t1, r1) = median_time(reps, || (kernel.run)(&one));
        let (t2, r2) = median_time(reps, || (kernel.run)(&two));
        assert_eq!(r1, r2, "{}: parallel result differs", kernel.name);
        println!(
            "{:<46} {:>8.2}ms {:>8.2}ms {:>7.2}x",
            kernel.name,
            t1.as_secs_f64() * 1e3,
            t2.as_secs_f64() * 1e3,
            t1.as_secs_f64() / t2.as_secs_f64()
        );
    }
}
