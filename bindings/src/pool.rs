//! The process's thread pool for the parallel kernels, and its settings
//! (`oxidag.threads`, `oxidag.parallel-threshold`).
//!
//! Built when a kernel first needs it, not at import (`hg` startup stays cheap), and
//! rebuilt when the thread count changes. Two failures are handled:
//! - the pool cannot be built (too many threads for the address space or the process
//!   limit): kernels run sequentially, and the failure is reported once (the
//!   extension shows it as a warning line);
//! - the process forked after building it (Mercurial's command server forks a worker
//!   per command): the child has the pool's state but none of its threads, so it
//!   builds its own and never touches the inherited one.

use std::sync::{Arc, Mutex, OnceLock};

use hg_core::parallel::{Parallelism, DEFAULT_THRESHOLD};

use crate::host::lock_detached;

struct Settings {
    /// Threads asked for; 0: one per core.
    threads: usize,
    threshold: usize,
    /// The pool, the process that built it and its thread count.
    pool: Option<(u32, usize, Arc<rayon::ThreadPool>)>,
    /// Why the pool for `threads` could not be built; `reported` once told.
    failure: Option<(usize, String)>,
    reported: bool,
}

static SETTINGS: Mutex<Settings> = Mutex::new(Settings {
    threads: 0,
    threshold: DEFAULT_THRESHOLD,
    pool: None,
    failure: None,
    reported: false,
});

/// The largest thread count accepted: beyond, a setting is a mistake, not a machine.
pub const MAX_THREADS: usize = 1024;

/// Set the threads of the parallel kernels (0: one per core; 1: sequential). Takes
/// effect at the next kernel.
pub fn set_threads(threads: usize) -> Result<(), String> {
    if threads > MAX_THREADS {
        return Err(format!(
            "{} threads: at most {} are supported",
            threads, MAX_THREADS
        ));
    }
    let mut settings = lock_detached(&SETTINGS);
    if settings.threads != threads {
        settings.threads = threads;
        settings.failure = None;
        settings.reported = false;
    }
    Ok(())
}

/// The thread count kernels are configured for (one per core when unset).
pub fn threads() -> usize {
    resolve(lock_detached(&SETTINGS).threads)
}

fn resolve(threads: usize) -> usize {
    // Asked once: the standard library reads the cgroup files under /proc and /sys
    // every time (~30 µs, more than a native is-ancestor answer).
    static CORES: OnceLock<usize> = OnceLock::new();
    match threads {
        0 => *CORES.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get())),
        n => n,
    }
}

/// Set the size (revisions, or members of a set) from which kernels split (at least 1).
pub fn set_threshold(threshold: usize) {
    lock_detached(&SETTINGS).threshold = threshold.max(1);
}

/// The size from which kernels split.
pub fn threshold() -> usize {
    lock_detached(&SETTINGS).threshold
}

/// How kernels may split now, building the pool if needed; and, the first time after
/// the pool could not be built, why (kernels then run sequentially).
pub fn parallelism() -> (Parallelism, Option<String>) {
    let mut settings = lock_detached(&SETTINGS);
    let threads = resolve(settings.threads);
    let threshold = settings.threshold;
    if threads <= 1 {
        return (Parallelism::sequential(), None);
    }
    let pid = std::process::id();
    match &settings.pool {
        Some((built_by, n, pool)) if *built_by == pid && *n == threads => {
            return (Parallelism::new(Arc::clone(pool), threshold), None);
        }
        Some((built_by, _, _)) if *built_by != pid => {
            // Inherited across a fork: its threads are not in this process, and
            // dropping it would signal them. Leave it be.
            std::mem::forget(settings.pool.take());
        }
        _ => {}
    }
    if settings
        .failure
        .as_ref()
        .is_some_and(|(n, _)| *n == threads)
    {
        let report = (!std::mem::replace(&mut settings.reported, true))
            .then(|| settings.failure.as_ref().map(|(_, why)| why.clone()))
            .flatten();
        return (Parallelism::sequential(), report);
    }
    match rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .thread_name(|i| format!("oxidag-{}", i))
        .build()
    {
        Ok(pool) => {
            let pool = Arc::new(pool);
            settings.pool = Some((pid, threads, Arc::clone(&pool)));
            (Parallelism::new(pool, threshold), None)
        }
        Err(error) => {
            let why = format!(
                "cannot start {} threads ({}): running sequentially",
                threads, error
            );
            settings.failure = Some((threads, why.clone()));
            settings.reported = true;
            (Parallelism::sequential(), Some(why))
        }
    }
}
