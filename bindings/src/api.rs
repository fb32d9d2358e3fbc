//! The module's functions, described once.
//!
//! [`native_functions!`] is the table of the Python API: for each function its name,
//! docstring, parameters (kind and default) and the function of this module that
//! implements it. Each backend expands the table with a macro of its own into Python
//! functions that extract their arguments by kind and convert the result: the names,
//! signatures, defaults and docstrings are the same in both builds by construction
//! (tests/test_native_api.py checks them, with the classes, against
//! tests/native_api.golden).
//!
//! Parameter kinds, as the backends extract them:
//! - `Index`: a revlog index object (any object: read through `len()`/`index[rev]`
//!   unless it is Mercurial's C index);
//! - `Revs`: a `RevisionSet`, or any iterable of ints ([`RevsArg`]);
//! - `Filtered`: `Revs` or `None` (the revisions a repoview hides);
//! - `Queries`: an iterable of `(heads, common)` pairs of `Revs`;
//! - `Int`, `OptInt`, `Bool`, `Size`, `OptSize`: ints (`i64`, `usize`), optional ints
//!   and booleans; `Callable`: any object (called later), or `None`;
//! - `Text`: a `str`; `Bytes`: a `bytes`.
//!
//! The functions with `(index, *revs)` are listed apart (rust-cpython's argument parser
//! has no `*args` after other parameters).

use std::sync::Mutex;

use hg_core::interrupt::Interrupt;
use hg_core::parallel::Parallelism;
use hg_core::{Follow, GraphError, RevisionSet};

use crate::args;
use crate::capsule::{self, capi_status, CapiStatus};
use crate::dagcache;
use crate::heads_replay;
use crate::host::{detached, lock, ErrorKind, Host};
use crate::index::{self, snapshot};
use crate::objects::{filtered, report, revision, Origins, RevsArg, SetData};
use crate::ops::{self, Table};
use crate::{pool, Obj, PyErr};

/// The Rust type of each argument kind of [`native_functions!`]: what a backend
/// extracts (it implements extraction for [`RevsArg`] and [`Queries`]) and what the
/// functions of this module take.
#[macro_export]
macro_rules! arg_type {
    (Index) => { $crate::Obj };
    (Revs) => { $crate::objects::RevsArg };
    (Filtered) => { Option<$crate::objects::RevsArg> };
    (Queries) => { $crate::objects::Queries };
    (Int) => { i64 };
    (OptInt) => { Option<i64> };
    (Bool) => { bool };
    (Size) => { usize };
    (OptSize) => { Option<usize> };
    (Callable) => { Option<$crate::Obj> };
    (Text) => { String };
    (Bytes) => { Vec<u8> };
}

/// The result types of [`native_functions!`] that each backend converts with its
/// library's own conversion: `$convert!` implements it for each.
#[macro_export]
macro_rules! plain_results {
    ($convert:ident) => {
        $convert!(
            Vec<i32>,
            Vec<Option<i32>>,
            Vec<bool>,
            bool,
            usize,
            (String, Option<i32>),
            (String, usize, String)
        );
    };
}

/// The table of module functions (see the module docs). `$expand!` receives each
/// entry as `function NAME [DOCS] (ARG: KIND = DEFAULT, ...) TARGET` or `varargs
/// NAME [DOCS] TARGET`, then `register add_functions NAME...`; with the feature
/// `bench`, also the `bench` entries and `register add_bench_functions NAME...`.
#[macro_export]
macro_rules! native_functions {
    ($expand:ident) => {
        $crate::native_functions! { @each $expand
            functions {
                /// Heads of a set of revisions (`dagop.headrevs`), as a native set.
                fn headrevs(index: Index, revs: Revs) = headrevs;
                /// `dagop.headrevssubset` as `revlog.heads(start, stop)` calls it: the very
                /// Python set Mercurial builds, by the same additions and removals, so that it
                /// iterates in the same order. `canonicalorder`: the revlog reports a null
                /// first parent second.
                fn headrevssubset(index: Index, startrev: Int, stoprevs: Revs, filteredrevs: Filtered = None, canonicalorder: Bool = true) = headrevssubset;
                /// Parents of a set, null excluded (the revset `parents(set)`), as a native set.
                fn parents(index: Index, revs: Revs) = parents;
                /// Members of a set with no parent in it (the revset `roots()`), as a native set.
                fn roots(index: Index, revs: Revs) = roots;
                /// The members of `through` reachable from `starts` by parent links through
                /// members of `through` only, as a native set (`repoview._revealancestors`:
                /// the hidden revisions a visible one reveals); a start is a member only when
                /// reached from another.
                fn ancestorsthrough(index: Index, starts: Revs, through: Revs) = ancestorsthrough;
                /// The members of `through` reachable from `sources` by child links through
                /// members of `through` only, as a native set (`obsolete._computeorphanset`:
                /// the non-obsolete revisions above obsolete ones); a source is a member only
                /// when reached from another.
                fn descendantsthrough(index: Index, sources: Revs, through: Revs) = descendantsthrough;
                /// Setdiscovery's sampling walk (`_updatesample`): from `starts` (in that
                /// order), breadth first, the revisions at distances 1, 2, 4, ... that are not
                /// yet in `sample`, as a list in the order the walk adds them; it stops when
                /// `sample` and they reach `target` members (0: never). Within `within` (None:
                /// the whole graph), towards parents, or with `children` towards children
                /// within `within`.
                fn samplewalk(index: Index, starts: Revs, sample: Revs, target: Size, within: Filtered = None, children: Bool = false) = samplewalk;
                /// Children of a set, as a native set.
                fn children(index: Index, revs: Revs, filteredrevs: Filtered = None) = children;
                /// Descendants of a set, as a native set.
                fn descendants(index: Index, revs: Revs, inclusive: Bool = false, filteredrevs: Filtered = None) = descendants;
                /// `reachableroots2` of the C index, in its order: roots as a breadth-first
                /// walk from the heads reaches them, then the revisions between, ascending.
                fn reachableroots(index: Index, minroot: Int, heads: Revs, roots: Revs, includepath: Bool = false) = reachableroots;
                /// `reachableroots` as a native set (the revset `x::y`); null is never a member.
                fn reachablerootsset(index: Index, minroot: Int, heads: Revs, roots: Revs, includepath: Bool = false) = reachablerootsset;
                /// Whether `a` is an ancestor of `b` (`revlog.isancestorrev`).
                fn isancestor(index: Index, a: Int, b: Int) = isancestor;
                /// Every ancestor as a native set (`::revs`).
                fn ancestorsset(index: Index, revs: Revs, stoprev: Int = 0, inclusive: Bool = true) = ancestorsset;
                /// The revset ancestor walk (`dag_util.revancestors`) as a native set: `revs`
                /// included, first parents only with `followfirst` (as the revlog reports them:
                /// with `canonicalorder`, a stored null first parent comes second), optionally
                /// depth-limited.
                fn revancestors(index: Index, revs: Revs, followfirst: Bool = false, startdepth: OptInt = None, stopdepth: OptInt = None, canonicalorder: Bool = true) = revancestors;
                /// The revset descendant walk (`dag_util.revdescendants`) as a native set:
                /// `revs` included, first parents only with `followfirst` (see
                /// `revancestors`), optionally depth-limited, `filteredrevs` skipped.
                fn revdescendants(index: Index, revs: Revs, followfirst: Bool = false, startdepth: OptInt = None, stopdepth: OptInt = None, filteredrevs: Filtered = None, canonicalorder: Bool = true) = revdescendants;
                /// `::heads - ::common` as a native set (the revset `only()`).
                fn onlyset(index: Index, heads: Revs, common: Revs) = onlyset;
                /// Note that `index` was truncated in place (`revlog.strip`): every native
                /// object that read what was cut raises from now on.
                fn truncated(index: Index) = truncated;
                /// Check the persistent DAG cache file at `path` against `index` (a
                /// changelog's, `source` its identity when loaded) and, with `install`,
                /// take its table: `(status, revisions, reason)`, status `valid`,
                /// `in-memory` (already loaded: the file was not read), `absent` or
                /// `invalid`.
                fn dagcacheload(index: Index, path: Text, source: Bytes, install: Bool = true) = dagcacheload;
                /// The bytes of a persistent DAG cache file for the first `revisions`
                /// revisions of `index` (`source` its identity when loaded).
                fn dagcachebytes(index: Index, source: Bytes, revisions: Int) = dagcachebytes;
                /// The revisions of `nodes` (20-byte nodes joined) in `index`, in order, `None`
                /// for a node it lacks: one scan down from the tip, stopping once all are
                /// found, where the C index would build its node tree to look them up.
                fn revsofnodes(index: Index, nodes: Bytes) = revsofnodes;
                /// Read the parents table of `index` now (a command server preloading a
                /// repository): the number of revisions read. With `reach`, also build its
                /// reachability index (else built once walks have cost about three builds):
                /// the number of revisions it covers.
                fn warm(index: Index, reach: Bool = false) = warm;
                /// Why the C index can or cannot be read: `(status, abi)`.
                fn capsulestatus() = capsulestatus;
                /// Set the threads of the parallel kernels (0: one per core; 1: sequential).
                fn setthreads(threads: Int) = setthreads;
                /// The threads parallel kernels use.
                fn threads() = threads;
                /// Set the size (revisions or set members) from which kernels run in
                /// parallel.
                fn setthreshold(threshold: Int) = setthreshold;
                /// The size from which kernels run in parallel.
                fn threshold() = threshold;
                /// Call `callback(message)` when the native module has something to warn
                /// about (the thread pool could not be built); `None`: no warnings.
                fn setwarning(callback: Callable) = setwarning;
                /// How many indexes the table cache holds (after dropping those nothing else
                /// references).
                fn cachedtables() = cachedtables;
            }
            varargs {
                /// Heads of the common ancestors, descending (C's order); any number of inputs.
                fn commonancestorsheads = commonancestorsheads;
                /// The deepest common ancestors (`ancestor.ancestors`), ascending.
                fn ancestors = ancestors;
            }
            // For the benchmarks and the parallel kernels' tests only (Cargo feature
            // `bench`): no production caller; the wheel leaves them out.
            bench {
                /// Heads of the whole graph up to `stop`, skipping filtered revisions (C's
                /// `headrevs`).
                fn headrevsall(index: Index, filteredrevs: Filtered = None, stop: OptSize = None) = headrevsall;
                /// Many is-ancestor questions at once, answered in parallel: is `a[i]` an
                /// ancestor of `b[i]`? A list of bools, paired as `zip(a, b)`.
                fn isancestormany(index: Index, a: Revs, b: Revs) = isancestormany;
                /// Independent missing-ancestors questions, `(heads, common)` pairs, answered
                /// on several threads: `::heads - ::common` each, as native sets.
                fn missingancestorsmany(index: Index, queries: Queries) = missingancestorsmany;
                /// Membership of each of `revs` in `set` (a `RevisionSet`; ints are made
                /// one), in order, answered in parallel for many probes.
                fn containsmany(set: Revs, revs: Revs) = containsmany;
            }
        }
    };
    // The table's grammar, read here only: each entry reaches `$expand!` on its own.
    (@each $expand:ident
        functions {
            $( $(#[doc = $doc:literal])*
               fn $name:ident ( $( $arg:ident : $kind:ident $(= $default:tt)? ),* ) = $target:ident ; )*
        }
        varargs {
            $( $(#[doc = $vdoc:literal])* fn $vname:ident = $vtarget:ident ; )*
        }
        bench {
            $( $(#[doc = $bdoc:literal])*
               fn $bname:ident ( $( $barg:ident : $bkind:ident $(= $bdefault:tt)? ),* ) = $btarget:ident ; )*
        }
    ) => {
        $( $expand!(function $name [$($doc)*] ($($arg : $kind $(= $default)?),*) $target); )*
        $( $expand!(varargs $vname [$($vdoc)*] $vtarget); )*
        $expand!(register add_functions $($name)* $($vname)*);
        $(
            #[cfg(feature = "bench")]
            $expand!(function $bname [$($bdoc)*] ($($barg : $bkind $(= $bdefault)?),*) $btarget);
        )*
        #[cfg(feature = "bench")]
        $expand!(register add_bench_functions $($bname)*);
    };
}

/// `dagop.headrevssubset`'s set: `{start}`, then these changes, in order.
pub struct ReplayedSet {
    /// The first member.
    pub start: i32,
    /// The additions and removals.
    pub changes: Vec<heads_replay::HeadsChange>,
}

/// Run `f` on the current table of `index` without the GIL (with the pool, and an
/// interrupt for long walks); also gives the origin of what it computed.
fn computed<H: Host, T: Send>(
    h: H,
    index: &Obj,
    f: impl FnOnce(&Table, &Parallelism, &dyn Interrupt) -> Result<T, GraphError> + Send,
) -> Result<(T, Origins), PyErr> {
    let snapshot = snapshot(h, index)?;
    let (par, warning) = pool::parallelism();
    report(h, warning)?;
    let value = detached(h, |interrupt| f(&snapshot.table, &par, interrupt))?;
    Ok((value, Origins::of(h, index, snapshot.identity().clone())))
}

fn compute<H: Host, T: Send>(
    h: H,
    index: &Obj,
    f: impl FnOnce(&Table, &Parallelism, &dyn Interrupt) -> Result<T, GraphError> + Send,
) -> Result<T, PyErr> {
    computed(h, index, f).map(|(value, _)| value)
}

fn compute_set<H: Host>(
    h: H,
    index: &Obj,
    f: impl FnOnce(&Table, &Parallelism, &dyn Interrupt) -> Result<RevisionSet, GraphError> + Send,
) -> Result<SetData, PyErr> {
    let (set, origins) = computed(h, index, f)?;
    Ok(SetData::computed(set, origins))
}

fn follow(followfirst: bool, canonicalorder: bool) -> Follow {
    if followfirst {
        Follow::First {
            canonical: canonicalorder,
        }
    } else {
        Follow::All
    }
}

pub fn headrevs<H: Host>(h: H, index: Obj, revs: RevsArg) -> Result<SetData, PyErr> {
    let revs = revs.revs(h)?;
    compute_set(h, &index, |t, par, _| ops::heads(t, revs, par))
}

#[cfg(feature = "bench")]
pub fn headrevsall<H: Host>(
    h: H,
    index: Obj,
    filteredrevs: Option<RevsArg>,
    stop: Option<usize>,
) -> Result<Vec<i32>, PyErr> {
    let filtered = filtered(h, filteredrevs)?;
    compute(h, &index, |t, par, _| {
        Ok(ops::graph_heads(t, filtered.as_ref(), stop, par))
    })
}

pub fn headrevssubset<H: Host>(
    h: H,
    index: Obj,
    startrev: i64,
    stoprevs: RevsArg,
    filteredrevs: Option<RevsArg>,
    canonicalorder: bool,
) -> Result<ReplayedSet, PyErr> {
    let start = revision(h, startrev)?;
    let (stop, filtered) = (stoprevs.list(h)?, filtered(h, filteredrevs)?);
    let changes = compute(h, &index, |t, _, _| {
        heads_replay::heads_subset_changes(t, start, &stop, filtered.as_ref(), canonicalorder)
    })?;
    Ok(ReplayedSet {
        start: start.0,
        changes,
    })
}

pub fn parents<H: Host>(h: H, index: Obj, revs: RevsArg) -> Result<SetData, PyErr> {
    let revs = revs.revs(h)?;
    compute_set(h, &index, |t, par, _| ops::parents(t, revs, par))
}

pub fn ancestorsthrough<H: Host>(
    h: H,
    index: Obj,
    starts: RevsArg,
    through: RevsArg,
) -> Result<SetData, PyErr> {
    let (starts, through) = (starts.revs(h)?, through.revs(h)?);
    compute_set(h, &index, |t, _, _| {
        ops::ancestors_through(t, starts, through)
    })
}

pub fn descendantsthrough<H: Host>(
    h: H,
    index: Obj,
    sources: RevsArg,
    through: RevsArg,
) -> Result<SetData, PyErr> {
    let (sources, through) = (sources.revs(h)?, through.revs(h)?);
    compute_set(h, &index, |t, _, _| {
        ops::descendants_through(t, sources, through)
    })
}

pub fn samplewalk<H: Host>(
    h: H,
    index: Obj,
    starts: RevsArg,
    sample: RevsArg,
    target: usize,
    within: Option<RevsArg>,
    children: bool,
) -> Result<Vec<i32>, PyErr> {
    let (starts, sample) = (starts.list(h)?, sample.revs(h)?);
    let within = within.map(|w| w.revs(h)).transpose()?;
    let walk = match within {
        Some(within) if children => ops::SampleWalk::Children(within),
        None if children => {
            return Err(h.error(ErrorKind::Value, "a walk to children needs `within`"))
        }
        within => ops::SampleWalk::Parents(within),
    };
    compute(h, &index, |t, _, _| {
        ops::sample_walk(t, walk, starts, sample, target)
    })
}

pub fn roots<H: Host>(h: H, index: Obj, revs: RevsArg) -> Result<SetData, PyErr> {
    let revs = revs.revs(h)?;
    compute_set(h, &index, |t, par, _| ops::roots(t, revs, par))
}

pub fn children<H: Host>(
    h: H,
    index: Obj,
    revs: RevsArg,
    filteredrevs: Option<RevsArg>,
) -> Result<SetData, PyErr> {
    let (revs, filtered) = (revs.revs(h)?, filtered(h, filteredrevs)?);
    compute_set(h, &index, |t, par, _| {
        ops::children(t, revs, filtered.as_ref(), par)
    })
}

pub fn descendants<H: Host>(
    h: H,
    index: Obj,
    revs: RevsArg,
    inclusive: bool,
    filteredrevs: Option<RevsArg>,
) -> Result<SetData, PyErr> {
    let (revs, filtered) = (revs.revs(h)?, filtered(h, filteredrevs)?);
    compute_set(h, &index, |t, _, _| {
        ops::descendants(t, revs, inclusive, filtered.as_ref())
    })
}

pub fn reachableroots<H: Host>(
    h: H,
    index: Obj,
    minroot: i64,
    heads: RevsArg,
    roots: RevsArg,
    includepath: bool,
) -> Result<Vec<i32>, PyErr> {
    let (heads, roots) = (heads.list(h)?, roots.list(h)?);
    let found = compute(h, &index, |t, _, _| {
        ops::reachable_roots_in_walk_order(t, args::bound(minroot), &heads, &roots, includepath)
    })?;
    Ok(ops::ints(found))
}

pub fn reachablerootsset<H: Host>(
    h: H,
    index: Obj,
    minroot: i64,
    heads: RevsArg,
    roots: RevsArg,
    includepath: bool,
) -> Result<SetData, PyErr> {
    let (heads, roots) = (heads.list(h)?, roots.list(h)?);
    compute_set(h, &index, |t, _, _| {
        ops::reachable_roots_set(t, args::bound(minroot), &heads, &roots, includepath)
    })
}

pub fn commonancestorsheads<H: Host>(h: H, index: Obj, revs: Vec<i64>) -> Result<Vec<i32>, PyErr> {
    let revs = RevsArg::Ints(revs).list(h)?;
    compute(h, &index, |t, _, interrupt| {
        ops::common_ancestors_heads(t, &revs, interrupt)
    })
}

pub fn ancestors<H: Host>(h: H, index: Obj, revs: Vec<i64>) -> Result<Vec<i32>, PyErr> {
    let revs = RevsArg::Ints(revs).list(h)?;
    compute(h, &index, |t, _, interrupt| {
        ops::deepest_common_ancestors(t, &revs, interrupt)
    })
}

pub fn isancestor<H: Host>(h: H, index: Obj, a: i64, b: i64) -> Result<bool, PyErr> {
    let (a, b) = (revision(h, a)?, revision(h, b)?);
    compute(h, &index, |t, _, _| ops::is_ancestor(t, a, b))
}

#[cfg(feature = "bench")]
pub fn isancestormany<H: Host>(
    h: H,
    index: Obj,
    a: RevsArg,
    b: RevsArg,
) -> Result<Vec<bool>, PyErr> {
    let (a, b) = (a.list(h)?, b.list(h)?);
    compute(h, &index, |t, par, _| ops::is_ancestor_many(t, a, b, par))
}

#[cfg(feature = "bench")]
pub fn missingancestorsmany<H: Host>(
    h: H,
    index: Obj,
    queries: crate::objects::Queries,
) -> Result<Vec<SetData>, PyErr> {
    let queries = queries
        .0
        .into_iter()
        .map(|(heads, common)| Ok((heads.list(h)?, common.list(h)?)))
        .collect::<Result<Vec<_>, PyErr>>()?;
    let (sets, origins) = computed(h, &index, |t, par, _| {
        ops::missing_ancestors_many(t, &queries, par)
    })?;
    Ok(sets
        .into_iter()
        .map(|set| SetData::computed(set, origins.cloned(h)))
        .collect())
}

#[cfg(feature = "bench")]
pub fn containsmany<H: Host>(h: H, set: RevsArg, revs: RevsArg) -> Result<Vec<bool>, PyErr> {
    let set = match set {
        RevsArg::Native(set) => set,
        ints => SetData::new(h, Some(ints))?,
    };
    let probes = revs.list(h)?;
    set.contains_many(h, &probes)
}

pub fn ancestorsset<H: Host>(
    h: H,
    index: Obj,
    revs: RevsArg,
    stoprev: i64,
    inclusive: bool,
) -> Result<SetData, PyErr> {
    let revs = revs.list(h)?;
    compute_set(h, &index, |t, _, _| {
        ops::ancestors_set(t, revs, args::bound(stoprev), inclusive)
    })
}

pub fn revancestors<H: Host>(
    h: H,
    index: Obj,
    revs: RevsArg,
    followfirst: bool,
    startdepth: Option<i64>,
    stopdepth: Option<i64>,
    canonicalorder: bool,
) -> Result<SetData, PyErr> {
    let revs = revs.list(h)?;
    let follow = follow(followfirst, canonicalorder);
    compute_set(h, &index, |t, _, interrupt| {
        ops::revset_ancestors(t, revs, follow, startdepth, stopdepth, interrupt)
    })
}

#[allow(clippy::too_many_arguments)]
pub fn revdescendants<H: Host>(
    h: H,
    index: Obj,
    revs: RevsArg,
    followfirst: bool,
    startdepth: Option<i64>,
    stopdepth: Option<i64>,
    filteredrevs: Option<RevsArg>,
    canonicalorder: bool,
) -> Result<SetData, PyErr> {
    let (revs, filtered) = (revs.list(h)?, filtered(h, filteredrevs)?);
    let follow = follow(followfirst, canonicalorder);
    compute_set(h, &index, |t, _, interrupt| {
        ops::revset_descendants(
            t,
            revs,
            follow,
            startdepth,
            stopdepth,
            filtered.as_ref(),
            interrupt,
        )
    })
}

pub fn onlyset<H: Host>(
    h: H,
    index: Obj,
    heads: RevsArg,
    common: RevsArg,
) -> Result<SetData, PyErr> {
    let (heads, common) = (heads.list(h)?, common.list(h)?);
    compute_set(h, &index, |t, _, _| ops::only(t, heads, common))
}

pub fn truncated<H: Host>(h: H, index: Obj) -> Result<(), PyErr> {
    let len = {
        let _reading = crate::host::ReadingIndex::start(h)?;
        crate::index::IndexReader::len(&crate::py_index::reader(h, &index))?
    };
    index::note_truncation(H::address(&index), len.min(index::MAX_REVISIONS) as usize);
    Ok(())
}

pub fn dagcacheload<H: Host>(
    h: H,
    index: Obj,
    path: String,
    source: Vec<u8>,
    install: bool,
) -> Result<(String, usize, String), PyErr> {
    Ok(dagcache::load(h, &index, &path, &source, install)?.describe())
}

pub fn dagcachebytes<H: Host>(
    h: H,
    index: Obj,
    source: Vec<u8>,
    revisions: i64,
) -> Result<Bytes, PyErr> {
    let revisions = usize::try_from(revisions)
        .map_err(|_| h.error(ErrorKind::Value, "revisions must be >= 0"))?;
    dagcache::encode(h, &index, &source, revisions).map(Bytes)
}

pub fn revsofnodes<H: Host>(h: H, index: Obj, nodes: Vec<u8>) -> Result<Vec<Option<i32>>, PyErr> {
    crate::nodes::revs_of_nodes(h, &index, &nodes)
}

pub fn warm<H: Host>(h: H, index: Obj, reach: bool) -> Result<usize, PyErr> {
    let snapshot = snapshot(h, &index)?;
    if reach {
        return detached(h, |_| Ok(snapshot.table.reach_index().len()));
    }
    Ok(snapshot.len())
}

/// Bytes returned to Python as `bytes`.
pub struct Bytes(pub Vec<u8>);

pub fn capsulestatus<H: Host>(h: H) -> Result<(String, Option<i32>), PyErr> {
    h.load_c_index_type();
    // Safety: the GIL is held (we have a host token).
    Ok(match unsafe { capi_status() } {
        CapiStatus::Ready(_) => ("ready".into(), Some(capsule::SUPPORTED_ABI)),
        CapiStatus::Missing => ("missing".into(), None),
        CapiStatus::UnsupportedAbi(abi) => ("unsupported-abi".into(), Some(abi)),
    })
}

fn count<H: Host>(h: H, value: i64, what: &str) -> Result<usize, PyErr> {
    usize::try_from(value).map_err(|_| {
        h.error(
            ErrorKind::Value,
            &format!("{} must be >= 0, not {}", what, value),
        )
    })
}

pub fn setthreads<H: Host>(h: H, threads: i64) -> Result<(), PyErr> {
    let threads = count(h, threads, "threads")?;
    pool::set_threads(threads).map_err(|why| h.error(ErrorKind::Value, &why))
}

pub fn threads<H: Host>(_: H) -> Result<usize, PyErr> {
    Ok(pool::threads())
}

pub fn setthreshold<H: Host>(h: H, threshold: i64) -> Result<(), PyErr> {
    if threshold < 1 {
        return Err(h.error(
            ErrorKind::Value,
            &format!("threshold must be >= 1, not {}", threshold),
        ));
    }
    pool::set_threshold(usize::try_from(threshold).unwrap_or(usize::MAX));
    Ok(())
}

pub fn threshold<H: Host>(_: H) -> Result<usize, PyErr> {
    Ok(pool::threshold())
}

static WARNING_CALLBACK: Mutex<Option<Obj>> = Mutex::new(None);

pub fn setwarning<H: Host>(h: H, callback: Option<Obj>) -> Result<(), PyErr> {
    // The previous callback is dropped once unlocked (dropping may run Python code).
    let _previous = std::mem::replace(&mut *lock(h, &WARNING_CALLBACK), callback);
    Ok(())
}

/// The callback `setwarning` registered, if any.
pub fn warning_callback<H: Host>(h: H) -> Option<Obj> {
    lock(h, &WARNING_CALLBACK).as_ref().map(|c| h.clone_ref(c))
}

pub fn cachedtables<H: Host>(h: H) -> Result<usize, PyErr> {
    Ok(index::cached_tables(h))
}
