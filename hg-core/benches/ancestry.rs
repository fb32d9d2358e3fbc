//! oxidag against direct ports of Mercurial's algorithms, in the same process, on the
//! same graphs, with the same inputs.
//!
//! ```text
//! cargo bench -p hg-core --bench ancestry            # 1M synthetic + real DAG
//! OXIDAG_BENCH_QUICK=1 cargo bench -p hg-core --bench ancestry   # smoke run
//! ```
//!
//! Graphs: a seeded synthetic DAG (`Shape::REALISTIC`, 1,000,000 revisions, 100,000 in
//! quick mode) and, when present, `../shared/dags/git-master.parents.gz` next to the
//! workspace (decompressed with `gzip -dc`).
//!
//! Every benchmarked query is first run by both sides and the results compared, so
//! that the timings are of equal work. Criterion measures each side; then a summary
//! table is printed from a separate loop that alternates the two sides and takes
//! medians. Under `cargo test --benches` (criterion's test mode) the graphs are small
//! and only the checks and one run of each benchmark happen.

mod mercurial_port;

use std::hint::black_box;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use criterion::{Criterion, SamplingMode};
use hg_core::parallel::{self, Parallelism};
use hg_core::testing::{random_dag, Rng, Shape};
use hg_core::{
    dagops, AncestorsIterator, LazyAncestors, MissingAncestors, ParentsTable, Revision, RevisionSet,
};

const SEED: u64 = 0x0c5a_da9e;
const REAL_DAG: &str = "git-master.parents.gz";

/// How long and how much to measure.
#[derive(Clone, Copy, Debug)]
struct Settings {
    synthetic_size: usize,
    warm_up: Duration,
    measurement: Duration,
    /// Time budget of the summary loop, per (benchmark, baseline, graph).
    summary_budget: Duration,
    summary_min_reps: usize,
    summary_max_reps: usize,
    /// Criterion's benchmark mode (`cargo bench`), as opposed to its test mode.
    benchmarking: bool,
}

impl Settings {
    fn from_env() -> Self {
        let args: Vec<String> = std::env::args().collect();
        let has = |flag: &str| args.iter().any(|a| a == flag);
        // Criterion's rule: benchmarks only with `--bench` and without `--test`/`--list`.
        let benchmarking = has("--bench") && !has("--test") && !has("--list");
        let quick = std::env::var("OXIDAG_BENCH_QUICK").is_ok_and(|v| !v.is_empty() && v != "0");
        if !benchmarking {
            Settings {
                synthetic_size: 20_000,
                warm_up: Duration::from_millis(1),
                measurement: Duration::from_millis(1),
                summary_budget: Duration::ZERO,
                summary_min_reps: 0,
                summary_max_reps: 0,
                benchmarking,
            }
        } else if quick {
            Settings {
                synthetic_size: 100_000,
                warm_up: Duration::from_millis(300),
                measurement: Duration::from_millis(500),
                summary_budget: Duration::from_millis(200),
                summary_min_reps: 5,
                summary_max_reps: 200,
                benchmarking,
            }
        } else {
            Settings {
                synthetic_size: 1_000_000,
                warm_up: Duration::from_secs(1),
                measurement: Duration::from_secs(2),
                summary_budget: Duration::from_millis(800),
                summary_min_reps: 7,
                summary_max_reps: 500,
                benchmarking,
            }
        }
    }
}

/// A graph to benchmark on, with the revisions the queries start from.
struct BenchGraph {
    name: String,
    table: ParentsTable,
    /// The last revision (always a head).
    tip: Revision,
    /// A head far from the tip: the highest head below `len / 2`, else the lowest head
    /// other than the tip, else the middle revision.
    far_head: Revision,
    /// The highest ancestor of the tip at or below `len / 2`.
    middle: Revision,
}

impl BenchGraph {
    fn new(name: String, table: ParentsTable) -> Self {
        assert!(table.len() >= 2, "{name}: too small to benchmark");
        let len = table.len();
        let tip = Revision(len as i32 - 1);
        let half = Revision((len / 2) as i32);
        let heads = parallel::graph_heads(&table, None, len, &Parallelism::sequential());
        let far_head = heads
            .iter()
            .copied()
            .filter(|&h| h < half)
            .max()
            .or_else(|| heads.iter().copied().find(|&h| h != tip))
            .unwrap_or(half);
        let middle = AncestorsIterator::new(&table, [tip], Revision(0), true)
            .expect("tip is in the graph")
            .map(|r| r.expect("valid graph"))
            .find(|&r| r <= half)
            .expect("the tip has an ancestor at or below len / 2");
        println!(
            "graph {name}: {len} revisions, {} heads; tip {tip}, far head {far_head}, \
             middle ancestor of tip {middle}",
            heads.len(),
        );
        BenchGraph {
            name,
            table,
            tip,
            far_head,
            middle,
        }
    }
}

/// One side of a benchmark: runs the query once, returns a checksum of its result.
type Query<'a> = Box<dyn Fn() -> u64 + 'a>;

/// A benchmarked query: oxidag, and the Mercurial baselines it is compared with.
struct Case<'a> {
    name: &'static str,
    ours: Query<'a>,
    ports: Vec<(&'static str, Query<'a>)>,
}

/// Consume an ancestors walk, as a caller listing them would.
fn consume<E: std::fmt::Debug>(walk: impl Iterator<Item = Result<Revision, E>>) -> u64 {
    let (mut count, mut sum) = (0u64, 0u64);
    for rev in walk {
        count += 1;
        sum = sum.wrapping_add(rev.expect("valid graph").0 as u64);
    }
    (count << 40) ^ sum
}

fn collect<E: std::fmt::Debug>(walk: impl Iterator<Item = Result<Revision, E>>) -> Vec<Revision> {
    walk.map(|r| r.expect("valid graph")).collect()
}

/// Build the cases on `g`, checking once (untimed) that both sides agree on each.
fn cases(g: &BenchGraph) -> Vec<Case<'_>> {
    use mercurial_port as hg;
    let table = &g.table;
    let (tip, far_head, middle) = (g.tip, g.far_head, g.middle);
    let len = table.len();

    // Ancestors of the tip, inclusive, fully iterated.
    let ours_ancestors = move || AncestorsIterator::new(table, [tip], Revision(0), true).unwrap();
    let port_ancestors = move || hg::HeapAncestors::new(table, [tip], Revision(0), true).unwrap();
    let port7_ancestors =
        move || hg::HeapBitsetAncestors::new(table, [tip], Revision(0), true).unwrap();
    let expected = collect(ours_ancestors());
    assert_eq!(expected, collect(port_ancestors()), "{}: ancestors", g.name);
    assert_eq!(
        expected,
        collect(port7_ancestors()),
        "{}: ancestors",
        g.name
    );
    println!("  ancestors of tip: {} revisions", expected.len());

    // Membership of revision 0 in the lazy ancestors of the tip (a fresh object).
    let ours_contains = move || {
        LazyAncestors::new(table, [tip], Revision(0), false)
            .unwrap()
            .contains(Revision(0))
            .unwrap()
    };
    let port_contains = move || {
        hg::LazyAncestors::new(table, [tip], Revision(0), false)
            .unwrap()
            .contains(Revision(0))
            .unwrap()
    };
    let member = ours_contains();
    assert_eq!(member, port_contains(), "{}: 0 in lazy ancestors", g.name);
    println!("  0 in lazyancestors(tip): {member}");

    // Missing ancestors: ::tip - ::far_head, fresh state each time (bases grow).
    let ours_missing = move || {
        MissingAncestors::new(table, [far_head])
            .unwrap()
            .missing_ancestors([tip])
            .unwrap()
    };
    let port_missing = move || hg::missing_ancestors(table, &[far_head], &[tip]).unwrap();
    let missing = ours_missing();
    assert_eq!(missing, port_missing(), "{}: missing ancestors", g.name);
    println!(
        "  missing ancestors ::{tip} - ::{far_head}: {} revisions",
        missing.len()
    );

    // Heads of the whole graph.
    let ours_heads = move || parallel::graph_heads(table, None, len, &Parallelism::sequential());
    let port_heads = move || hg::head_revs(table, len).unwrap();
    let heads = ours_heads();
    assert_eq!(heads, port_heads(), "{}: heads", g.name);

    // Descendants of the middle revision (itself excluded).
    let ours_descendants = move || {
        let revs: RevisionSet = [middle].into_iter().collect();
        dagops::descendants(table, &revs, false, false, None)
    };
    let port_descendants = move || hg::descendant_revs(table, len, &[middle]).unwrap();
    let descendants: Vec<Revision> = ours_descendants().iter().collect();
    assert_eq!(descendants, port_descendants(), "{}: descendants", g.name);
    println!("  descendants of {middle}: {} revisions", descendants.len());

    vec![
        Case {
            name: "ancestors",
            ours: Box::new(move || consume(ours_ancestors())),
            ports: vec![
                (
                    "hg-heap-hashset",
                    Box::new(move || consume(port_ancestors())),
                ),
                (
                    "hg724-heap-bitset",
                    Box::new(move || consume(port7_ancestors())),
                ),
            ],
        },
        Case {
            name: "lazy-contains",
            ours: Box::new(move || ours_contains() as u64),
            ports: vec![("hg-lazyancestors", Box::new(move || port_contains() as u64))],
        },
        Case {
            name: "missing-ancestors",
            ours: Box::new(move || ours_missing().len() as u64),
            ports: vec![(
                "hg-missingancestors",
                Box::new(move || port_missing().len() as u64),
            )],
        },
        Case {
            name: "heads",
            ours: Box::new(move || ours_heads().len() as u64),
            ports: vec![("hg-headrevs", Box::new(move || port_heads().len() as u64))],
        },
        Case {
            name: "descendants",
            ours: Box::new(move || ours_descendants().len() as u64),
            ports: vec![(
                "hg-descendantrevs",
                Box::new(move || port_descendants().len() as u64),
            )],
        },
    ]
}

fn run_criterion(c: &mut Criterion, graph: &str, cases: &[Case<'_>]) {
    for case in cases {
        let mut group = c.benchmark_group(format!("{}/{graph}", case.name));
        group.sampling_mode(SamplingMode::Flat);
        group.bench_function("oxidag", |b| b.iter(|| black_box((case.ours)())));
        for (label, port) in &case.ports {
            group.bench_function(*label, |b| b.iter(|| black_box(port())));
        }
        group.finish();
    }
}

/// A summary row: medians of ours and of one baseline.
struct Row {
    graph: String,
    case: &'static str,
    baseline: &'static str,
    ours: Duration,
    port: Duration,
    reps: usize,
}

fn median(times: &mut [Duration]) -> Duration {
    times.sort_unstable();
    let mid = times.len() / 2;
    if times.len() % 2 == 1 {
        times[mid]
    } else {
        (times[mid - 1] + times[mid]) / 2
    }
}

/// Time both sides alternately (each first every other round), for at least
/// `min_reps` rounds and until the budget is spent; medians of each.
fn measure_pair(ours: &Query<'_>, port: &Query<'_>, s: &Settings) -> (Duration, Duration, usize) {
    let time = |query: &Query<'_>| {
        let start = Instant::now();
        black_box(query());
        start.elapsed()
    };
    // Warm-up: one run each (caches, allocator).
    assert_eq!(ours(), port(), "checksums differ");
    let (mut ours_times, mut port_times) = (Vec::new(), Vec::new());
    let start = Instant::now();
    while ours_times.len() < s.summary_max_reps
        && (ours_times.len() < s.summary_min_reps || start.elapsed() < s.summary_budget)
    {
        if ours_times.len() % 2 == 0 {
            ours_times.push(time(ours));
            port_times.push(time(port));
        } else {
            port_times.push(time(port));
            ours_times.push(time(ours));
        }
    }
    let reps = ours_times.len();
    (median(&mut ours_times), median(&mut port_times), reps)
}

fn summarize(graph: &str, cases: &[Case<'_>], s: &Settings, rows: &mut Vec<Row>) {
    for case in cases {
        for (label, port) in &case.ports {
            let (ours, port, reps) = measure_pair(&case.ours, port, s);
            rows.push(Row {
                graph: graph.to_string(),
                case: case.name,
                baseline: label,
                ours,
                port,
                reps,
            });
        }
    }
}

fn fmt_duration(d: Duration) -> String {
    let us = d.as_secs_f64() * 1e6;
    if us >= 1e6 {
        format!("{:.3} s", us / 1e6)
    } else if us >= 1e3 {
        format!("{:.3} ms", us / 1e3)
    } else {
        format!("{us:.1} µs")
    }
}

fn print_summary(rows: &[Row]) {
    println!();
    println!("Summary: medians, same process, same graph, same inputs (port / oxidag)");
    println!(
        "{:<22} {:<18} {:<24} {:>12} {:>12} {:>16} {:>5}",
        "graph", "benchmark", "baseline", "oxidag", "port", "port/oxidag", "reps"
    );
    println!("{}", "-".repeat(115));
    for row in rows {
        let ratio = row.port.as_secs_f64() / row.ours.as_secs_f64().max(1e-12);
        let verdict = if ratio >= 1.0 {
            format!("×{ratio:.2} faster")
        } else {
            format!("×{:.2} slower", 1.0 / ratio)
        };
        println!(
            "{:<22} {:<18} {:<24} {:>12} {:>12} {:>16} {:>5}",
            row.graph,
            row.case,
            row.baseline,
            fmt_duration(row.ours),
            fmt_duration(row.port),
            verdict,
            row.reps
        );
    }
}

/// `p1 p2` lines, gzip-compressed, decompressed by `gzip -dc`.
fn load_parents_gz(path: &Path) -> Result<ParentsTable, String> {
    let mut child = Command::new("gzip")
        .arg("-dc")
        .arg(path)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run gzip: {e}"))?;
    let mut text = String::new();
    child
        .stdout
        .take()
        .expect("piped stdout")
        .read_to_string(&mut text)
        .map_err(|e| format!("reading gzip output: {e}"))?;
    let output = child
        .wait_with_output()
        .map_err(|e| format!("waiting for gzip: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "gzip -dc failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    let mut pairs = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let mut fields = line.split_whitespace().map(str::parse::<i32>);
        match (fields.next(), fields.next(), fields.next()) {
            (Some(Ok(p1)), Some(Ok(p2)), None) => pairs.push((p1, p2)),
            _ => return Err(format!("line {}: expected `p1 p2`: {line:?}", number + 1)),
        }
    }
    ParentsTable::from_pairs(pairs).map_err(|e| format!("invalid DAG: {e}"))
}

fn real_dag_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/dags")
        .join(REAL_DAG)
}

fn main() {
    let started = Instant::now();
    let settings = Settings::from_env();
    let mut criterion = Criterion::default()
        .sample_size(10)
        .warm_up_time(settings.warm_up)
        .measurement_time(settings.measurement)
        .nresamples(10_000)
        .configure_from_args();

    let mut graphs = Vec::new();
    let size = settings.synthetic_size;
    let label = if size % 1_000_000 == 0 {
        format!("synthetic-{}M", size / 1_000_000)
    } else {
        format!("synthetic-{}k", size / 1_000)
    };
    graphs.push(BenchGraph::new(
        label,
        random_dag(&mut Rng::new(SEED), size, Shape::REALISTIC),
    ));
    let real = real_dag_path();
    if real.exists() {
        match load_parents_gz(&real) {
            Ok(table) => graphs.push(BenchGraph::new("git-master".to_string(), table)),
            Err(e) => println!("real DAG {}: SKIPPED, cannot load: {e}", real.display()),
        }
    } else {
        println!(
            "real DAG {}: SKIPPED, file absent (synthetic graph only)",
            real.display()
        );
    }

    let all_cases: Vec<Vec<Case<'_>>> = graphs.iter().map(cases).collect();
    for (graph, cases) in graphs.iter().zip(&all_cases) {
        run_criterion(&mut criterion, &graph.name, cases);
    }
    criterion.final_summary();

    if settings.benchmarking {
        let mut rows = Vec::new();
        for (graph, cases) in graphs.iter().zip(&all_cases) {
            summarize(&graph.name, cases, &settings, &mut rows);
        }
        print_summary(&rows);
    }
    println!(
        "\ntotal bench time: {:.1} s",
        started.elapsed().as_secs_f64()
    );
}
