//! The rust-cpython backend: conversion, errors, GIL release. Logic lives in `shared` and
//! `ops`; this file mirrors `backend_pyo3.rs` item by item, for the same Python API.
//!
//! Two things PyO3 does for us are done here by hand:
//! - waiting for a lock held by another thread happens with the GIL released
//!   ([`lock`], over [`shared::lock_detached`]);
//! - a panic in code run without the GIL is carried back across `allow_threads`
//!   ([`detach`]), so that rust-cpython's callback wrapper, which holds the GIL,
//!   turns it into a Python exception (`SystemError`).

// Lints firing inside rust-cpython 0.7's macros (pinned): `py_class!` puts its trait
// impls inside a function; `strip_raw!` (in `py_class!` and `py_fn!`) strips `r#` by hand.
#![allow(non_local_definitions, clippy::manual_strip)]

use std::panic::{self, AssertUnwindSafe};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

use cpython::py_class::PythonObjectFromPyClassMacro;
use cpython::{
    exc, py_class, py_exception, py_fn, py_module_initializer, CompareOp, ObjectProtocol, PyClone,
    PyDict, PyErr, PyList, PyModule, PyObject, PyResult, PySet, PyTuple, PyType, Python,
    PythonObject, ToPyObject,
};
use hg_core::ancestors::{LazyAncestors as CoreLazy, MissingAncestors as CoreMissing};
use hg_core::dagops::HeadsChange;
use hg_core::parallel::{self, SetOp};
use hg_core::{GraphError as CoreError, Revision, RevisionSet as CoreSet};

use crate::capsule::{capi_status, CApi, CapiStatus, PythonErrorSet};
use crate::ops::{self, AncestorsState, MissingState, Revs, SetCursor, Table};
use crate::shared::{
    self, ErrorArgs, Identity, IndexReader, LoadError, Origins, Snapshot, TableCache,
};

py_exception!(_native, GraphError, exc::ValueError);

fn graph_error(py: Python<'_>, e: impl Into<ErrorArgs>) -> PyErr {
    let args = e.into();
    let mut items = vec![args.kind.to_py_object(py).into_object()];
    items.extend(args.values.iter().map(|v| v.to_py_object(py).into_object()));
    GraphError::new(py, PyTuple::new(py, &items))
}

fn stripped(py: Python<'_>) -> PyErr {
    PyErr::new::<exc::RuntimeError, _>(py, shared::STRIPPED_MESSAGE)
}

/// Run `f` with the GIL released. A panic in `f` is resumed once the GIL is held again:
/// rust-cpython's callback wrapper catches it there and raises `SystemError` (unwinding
/// out of `allow_threads` itself would leave the GIL released).
fn detach<T: Send>(py: Python<'_>, f: impl FnOnce() -> T + Send) -> T {
    match py.allow_threads(|| panic::catch_unwind(AssertUnwindSafe(f))) {
        Ok(value) => value,
        Err(payload) => panic::resume_unwind(payload),
    }
}

/// Lock with the GIL held: wait detached, so that a thread holding the lock can always
/// take the GIL back (no lock is ever awaited while the GIL is held).
fn lock<'a, T: Send>(py: Python<'_>, mutex: &'a Mutex<T>) -> MutexGuard<'a, T> {
    shared::lock_detached(mutex, |wait| detach(py, wait))
}

/// The object Python passed as `index`: the C index (read through the capsule) or
/// anything with `len()` and `index[rev]` giving `(p1, p2)` or an index entry.
struct PyIndex<'a, 'py> {
    py: Python<'py>,
    obj: &'a PyObject,
    capi: Option<&'static CApi>,
}

static C_INDEX_TYPE: OnceLock<Option<PyType>> = OnceLock::new();

fn c_index_type(py: Python<'_>) -> Option<&'static PyType> {
    if C_INDEX_TYPE.get().is_none() {
        // Imported with the GIL held but outside the cell: importing may let another
        // thread run, which must not find the cell locked. The first result stays.
        let found = py
            .import("mercurial.cext.parsers")
            .and_then(|module| module.get(py, "index"))
            .ok()
            .and_then(|index| index.cast_into::<PyType>(py).ok());
        let _ = C_INDEX_TYPE.set(found);
    }
    C_INDEX_TYPE.get().and_then(Option::as_ref)
}

impl<'a, 'py> PyIndex<'a, 'py> {
    fn new(py: Python<'py>, obj: &'a PyObject) -> Self {
        // The object's actual type (`PyObject_TypeCheck`), whatever `__class__` says.
        let is_c_index = c_index_type(py).is_some_and(|t| t.is_instance(py, obj));
        // Safety: the GIL is held (we have a `Python` token).
        let capi = match (is_c_index, unsafe { capi_status() }) {
            (true, CapiStatus::Ready(capi)) => Some(capi),
            _ => None,
        };
        PyIndex { py, obj, capi }
    }

    fn fetch(&self, _: PythonErrorSet) -> PyErr {
        PyErr::fetch(self.py)
    }
}

impl IndexReader for PyIndex<'_, '_> {
    type Error = PyErr;

    fn len(&self) -> PyResult<usize> {
        match self.capi {
            // Safety: GIL held; `obj` is an instance of the C index type.
            Some(capi) => Ok(unsafe { capi.len(self.obj.as_ptr().cast()) }),
            None => self.obj.len(self.py),
        }
    }

    fn parents(&self, rev: i32) -> Result<[i32; 2], LoadError<PyErr>> {
        let py = self.py;
        match self.capi {
            // Safety: GIL held; `obj` is an instance of the C index type.
            Some(capi) => {
                unsafe { capi.parents(self.obj.as_ptr().cast(), rev) }.map_err(|e| {
                    // The C index refuses a parent beyond its end (ValueError): the
                    // same corruption Python-level reading reports, as a graph error.
                    drop(self.fetch(e));
                    LoadError::Graph(CoreError::ParentOutOfRange(Revision(rev)))
                })
            }
            None => (|| -> PyResult<[i32; 2]> {
                let entry = self.obj.get_item(py, rev)?;
                let (first, second) = if entry.len(py)? == 2 { (0, 1) } else { (5, 6) };
                Ok([
                    entry.get_item(py, first)?.extract(py)?,
                    entry.get_item(py, second)?.extract(py)?,
                ])
            })()
            .map_err(LoadError::Reader),
        }
    }

    fn node_is(&self, rev: i32, expected: &[u8]) -> PyResult<bool> {
        match self.capi {
            // Safety: GIL held; `obj` is an instance of the C index type.
            Some(capi) => Ok(unsafe { capi.node_is(self.obj.as_ptr().cast(), rev, expected) }),
            None => Ok(self.node(rev)?.as_deref() == Some(expected)),
        }
    }

    fn node(&self, rev: i32) -> PyResult<Option<Vec<u8>>> {
        let py = self.py;
        match self.capi {
            // Safety: GIL held; `obj` is an instance of the C index type.
            Some(capi) => Ok(unsafe { capi.node(self.obj.as_ptr().cast(), rev, 20) }),
            None => {
                let entry = self.obj.get_item(py, rev)?;
                if entry.len(py)? > 7 {
                    Ok(entry.get_item(py, 7)?.extract::<Vec<u8>>(py).ok())
                } else {
                    Ok(None)
                }
            }
        }
    }
}

static CACHE: Mutex<TableCache<PyObject>> = Mutex::new(TableCache::new());

fn load_error(py: Python<'_>, e: LoadError<PyErr>) -> PyErr {
    match e {
        LoadError::Reader(e) => e,
        LoadError::Graph(e) => graph_error(py, e),
    }
}

fn snapshot(py: Python<'_>, index: &PyObject) -> PyResult<Snapshot> {
    let reader = PyIndex::new(py, index);
    let mut cache = lock(py, &CACHE);
    cache
        .snapshot(index.as_ptr() as usize, || index.clone_ref(py), &reader)
        .map_err(|e| load_error(py, e))
}

fn check_valid(py: Python<'_>, index: &PyObject, identity: &Identity) -> PyResult<()> {
    if identity.still_valid(&PyIndex::new(py, index))? {
        Ok(())
    } else {
        Err(stripped(py))
    }
}

fn revs_arg(py: Python<'_>, revs: &PyObject) -> PyResult<Vec<Revision>> {
    if let Ok(set) = revs.cast_as::<RevisionSet>(py) {
        return Ok(set.members(py)?.iter().collect());
    }
    revs.iter(py)?
        .map(|item| shared::revision(item?.extract::<i64>(py)?).map_err(|e| graph_error(py, e)))
        .collect()
}

/// Revisions for a set function: a native set is taken as it is.
fn revs_input(py: Python<'_>, revs: &PyObject) -> PyResult<Revs> {
    match revs.cast_as::<RevisionSet>(py) {
        Ok(set) => Ok(Revs::Set(set.members(py)?.clone())),
        Err(_) => revs_arg(py, revs).map(Revs::List),
    }
}

fn set_arg(py: Python<'_>, revs: Option<&PyObject>) -> PyResult<Option<CoreSet>> {
    revs.map(|r| match r.cast_as::<RevisionSet>(py) {
        Ok(set) => Ok(CoreSet::clone(set.members(py)?)),
        Err(_) => Ok(ops::split_null(revs_arg(py, r)?).0),
    })
    .transpose()
}

fn core<T>(py: Python<'_>, result: Result<T, CoreError>) -> PyResult<T> {
    result.map_err(|e| graph_error(py, e))
}

/// Ints in range, as revisions; anything else is no member of anything.
fn member(py: Python<'_>, obj: &PyObject) -> Option<Revision> {
    ops::member(obj.extract::<i64>(py).ok())
}

/// `itertools.chain.from_iterable(iter(nextbatch, []))`: Python iterates lists of
/// ints in C, instead of calling a native `__next__` per revision. A strip is then
/// noticed at the next batch.
fn batched(py: Python<'_>, nextbatch: PyObject) -> PyResult<PyObject> {
    let builtins = py.import("builtins")?;
    let batches = builtins.call(py, "iter", (nextbatch, PyList::new(py, &[])), None)?;
    let chain = py.import("itertools")?.get(py, "chain")?;
    chain.call_method(py, "from_iterable", (batches,), None)
}

// Ancestors in descending order (`ancestor._lazyancestorsiter`).
py_class!(class AncestorsIterator |py| {
    data index: PyObject;
    data snapshot: Snapshot;
    data state: Mutex<AncestorsState>;

    def __new__(_cls, index: &PyObject, initrevs: &PyObject, stoprev: i64 = 0, inclusive: bool = false) -> PyResult<AncestorsIterator> {
        let snapshot = snapshot(py, index)?;
        let state = core(py, AncestorsState::new(snapshot.table.clone(), revs_arg(py, initrevs)?, shared::bound(stoprev), inclusive))?;
        AncestorsIterator::create_instance(py, index.clone_ref(py), snapshot, Mutex::new(state))
    }

    def __iter__(&self) -> PyResult<AncestorsIterator> {
        Ok(self.clone_ref(py))
    }

    // The next revisions as a list, empty at the end.
    def nextbatch(&self) -> PyResult<Vec<i32>> {
        check_valid(py, self.index(py), self.snapshot(py).identity())?;
        let state = self.state(py);
        let batch = detach(py, || state.lock().unwrap_or_else(|p| p.into_inner()).next_batch());
        core(py, batch)
    }

    def __next__(&self) -> PyResult<Option<i32>> {
        let state = self.state(py);
        if let Ok(mut state) = state.try_lock() {
            if let Some(rev) = state.next_buffered() {
                return Ok(Some(rev.0));
            }
        }
        check_valid(py, self.index(py), self.snapshot(py).identity())?;
        // The lock is taken without the GIL: a thread holding it never waits for it.
        let next = detach(py, || state.lock().unwrap_or_else(|p| p.into_inner()).next_revision());
        Ok(core(py, next)?.map(|r| r.0))
    }
});

// A lazily computed ancestor set (`ancestor.lazyancestors`).
py_class!(class LazyAncestors |py| {
    data index: PyObject;
    data snapshot: Snapshot;
    data lazy: Mutex<CoreLazy<Table>>;

    def __new__(_cls, index: &PyObject, initrevs: &PyObject, stoprev: i64 = 0, inclusive: bool = false) -> PyResult<LazyAncestors> {
        let snapshot = snapshot(py, index)?;
        let lazy = core(py, CoreLazy::new(snapshot.table.clone(), revs_arg(py, initrevs)?, shared::bound(stoprev), inclusive))?;
        LazyAncestors::create_instance(py, index.clone_ref(py), snapshot, Mutex::new(lazy))
    }

    def __contains__(&self, target: PyObject) -> PyResult<bool> {
        // Any object may be asked about; only ints in range can be members.
        let Some(target) = member(py, &target) else {
            return Ok(false);
        };
        check_valid(py, self.index(py), self.snapshot(py).identity())?;
        let lazy = self.lazy(py);
        if let Ok(lazy) = lazy.try_lock() {
            if let Some(answer) = lazy.contains_cached(target) {
                return Ok(answer);
            }
        }
        let answer = detach(py, || lazy.lock().unwrap_or_else(|p| p.into_inner()).contains(target));
        core(py, answer)
    }

    // A fresh walk, iterated in native batches (see `batched`).
    def __iter__(&self) -> PyResult<PyObject> {
        check_valid(py, self.index(py), self.snapshot(py).identity())?;
        let walk = lock(py, self.lazy(py)).iter();
        let iterator = AncestorsIterator::create_instance(
            py,
            self.index(py).clone_ref(py),
            self.snapshot(py).clone(),
            Mutex::new(AncestorsState::from_walk(walk)),
        )?;
        batched(py, iterator.as_object().getattr(py, "nextbatch")?)
    }

    def __bool__(&self) -> PyResult<bool> {
        check_valid(py, self.index(py), self.snapshot(py).identity())?;
        Ok(!lock(py, self.lazy(py)).is_empty())
    }
});

// Incremental missing ancestors (`ancestor.incrementalmissingancestors`; `bases` is a
// method here, as in Mercurial's Rust: the extension presents it as an attribute).
py_class!(class MissingAncestors |py| {
    data index: PyObject;
    data state: Mutex<MissingState>;

    def __new__(_cls, index: &PyObject, bases: &PyObject) -> PyResult<MissingAncestors> {
        let snapshot = snapshot(py, index)?;
        let missing = core(py, CoreMissing::new(snapshot.table.clone(), revs_arg(py, bases)?))?;
        MissingAncestors::create_instance(py, index.clone_ref(py), Mutex::new(MissingState { snapshot, missing }))
    }

    def hasbases(&self) -> PyResult<bool> {
        self.with(py, |m| Ok(m.has_bases()))
    }

    def addbases(&self, bases: &PyObject) -> PyResult<PyObject> {
        let bases = revs_arg(py, bases)?;
        self.with(py, |m| m.add_bases(bases))?;
        Ok(py.None())
    }

    def bases(&self) -> PyResult<PySet> {
        let (revs, has_null) = self.with(py, |m| {
            let (set, has_null) = m.bases();
            Ok((ops::to_ints(set), has_null))
        })?;
        PySet::new(py, revs.into_iter().chain(has_null.then_some(-1)).collect::<Vec<i32>>())
    }

    def basesheads(&self) -> PyResult<PySet> {
        let heads = self.with(py, |m| m.bases_heads().map(|s| ops::to_ints(&s)))?;
        PySet::new(py, heads)
    }

    def removeancestorsfrom(&self, revs: PySet) -> PyResult<PyObject> {
        let given = revs_arg(py, revs.as_object())?;
        let (mut set, _) = ops::split_null(given.clone());
        self.with(py, |m| m.remove_ancestors_from(&mut set))?;
        // Mutate the caller's set in place, as Mercurial does.
        for rev in ops::removed(&given, &set) {
            revs.discard(py, rev)?;
        }
        Ok(py.None())
    }

    def missingancestors(&self, revs: &PyObject) -> PyResult<Vec<i32>> {
        let revs = revs_arg(py, revs)?;
        let missing = self.with(py, |m| m.missing_ancestors(revs))?;
        Ok(missing.into_iter().map(|r| r.0).collect())
    }
});

impl MissingAncestors {
    /// Run `f` on the state, after following the index if it grew (bases may name new
    /// revisions) and refusing if it was stripped.
    fn with<T: Send>(
        &self,
        py: Python<'_>,
        f: impl FnOnce(&mut CoreMissing<Table>) -> Result<T, CoreError> + Send,
    ) -> PyResult<T> {
        let index = self.index(py);
        let mut state = lock(py, self.state(py));
        if !state.snapshot.still_valid(&PyIndex::new(py, index))? {
            return Err(stripped(py));
        }
        state.follow(self::snapshot(py, index)?);
        let missing = &mut state.missing;
        // Others wait for this lock detached (`lock`), so keeping it while the GIL
        // is released and taken back cannot deadlock.
        core(py, detach(py, || f(missing)))
    }
}

// An immutable set of revisions backed by bits: `len`, `in` and set algebra stay in
// Rust; Python ints are made only when iterated. A set computed from an index answers
// only while that index still has what it was computed on (else `RuntimeError`).
py_class!(class RevisionSet |py| {
    data set: Arc<CoreSet>;
    data origins: Origins<PyObject>;

    def __new__(_cls, revs: Option<PyObject> = None) -> PyResult<RevisionSet> {
        native_set(py, set_arg(py, revs.as_ref())?.unwrap_or_default())
    }

    // Every revision in `start..end` but `excluded`: a revset span, made without
    // Python ints.
    @staticmethod
    def span(start: i64, end: i64, excluded: Option<PyObject> = None) -> PyResult<RevisionSet> {
        native_set(py, ops::span(start, end, set_arg(py, excluded.as_ref())?.as_ref()))
    }

    def __contains__(&self, rev: PyObject) -> PyResult<bool> {
        let set = self.members(py)?;
        Ok(member(py, &rev).is_some_and(|r| set.contains(r)))
    }

    def __len__(&self) -> PyResult<usize> {
        Ok(self.members(py)?.len())
    }

    def __bool__(&self) -> PyResult<bool> {
        Ok(!self.members(py)?.is_empty())
    }

    // Ascending, in native batches (see `batched`).
    def __iter__(&self) -> PyResult<PyObject> {
        RevisionSetIterator::start(py, self, false)
    }

    /// Iterate in descending order.
    def descending(&self) -> PyResult<PyObject> {
        RevisionSetIterator::start(py, self, true)
    }

    def min(&self) -> PyResult<Option<i32>> {
        Ok(self.members(py)?.min().map(|r| r.0))
    }

    def max(&self) -> PyResult<Option<i32>> {
        Ok(self.members(py)?.max().map(|r| r.0))
    }

    /// Members as a list, ascending (or descending).
    def tolist(&self, descending: bool = false) -> PyResult<Vec<i32>> {
        let mut revs = ops::to_ints(self.members(py)?);
        if descending {
            revs.reverse();
        }
        Ok(revs)
    }

    // Membership of each of `revs`, in order (parallel for many probes).
    def containsmany(&self, revs: PyObject) -> PyResult<Vec<bool>> {
        let probes = revs
            .iter(py)?
            .map(|r| Ok(member(py, &r?)))
            .collect::<PyResult<Vec<_>>>()?;
        let set = self.members(py)?.clone();
        Ok(detach(py, || ops::contains_many(&set, &probes)))
    }

    def __and__(lhs, rhs) -> PyResult<PyObject> {
        RevisionSet::algebra(py, lhs, rhs, |a, b| ops::combine(a, b, SetOp::Intersection))
    }

    def __or__(lhs, rhs) -> PyResult<PyObject> {
        RevisionSet::algebra(py, lhs, rhs, |a, b| ops::combine(a, b, SetOp::Union))
    }

    def __sub__(lhs, rhs) -> PyResult<PyObject> {
        RevisionSet::algebra(py, lhs, rhs, |a, b| ops::combine(a, b, SetOp::Difference))
    }

    // `__eq__` only, as in PyO3: `!=` is its negation, orderings are not supported.
    def __richcmp__(&self, other: PyObject, op: CompareOp) -> PyResult<PyObject> {
        let equal = match other.cast_as::<RevisionSet>(py) {
            Ok(other) => **other.members(py)? == **self.members(py)?,
            Err(_) => false,
        };
        Ok(match op {
            CompareOp::Eq => equal.to_py_object(py).into_object(),
            CompareOp::Ne => (!equal).to_py_object(py).into_object(),
            _ => py.NotImplemented(),
        })
    }

    def __repr__(&self) -> PyResult<String> {
        Ok(format!("<RevisionSet len={}>", self.set(py).len()))
    }
});

impl RevisionSet {
    /// The members, once every index they are revisions of is checked unchanged.
    fn members<'a>(&'a self, py: Python<'a>) -> PyResult<&'a Arc<CoreSet>> {
        for (index, identity) in self.origins(py).iter() {
            check_valid(py, index, identity)?;
        }
        Ok(self.set(py))
    }

    /// Set algebra of two native sets, computed without the GIL; anything else gives
    /// `NotImplemented` (rust-cpython calls this slot for the reflected operation too,
    /// with the operands in order: both must be native sets).
    fn algebra(
        py: Python<'_>,
        lhs: &PyObject,
        rhs: &PyObject,
        op: impl FnOnce(&CoreSet, &CoreSet) -> CoreSet + Send,
    ) -> PyResult<PyObject> {
        let (Ok(a), Ok(b)) = (
            lhs.cast_as::<RevisionSet>(py),
            rhs.cast_as::<RevisionSet>(py),
        ) else {
            return Ok(py.NotImplemented());
        };
        let (mine, theirs) = (a.members(py)?.clone(), b.members(py)?.clone());
        let set = detach(py, || op(&mine, &theirs));
        let origins = a.origins(py).merged(b.origins(py), |o| o.clone_ref(py));
        Ok(RevisionSet::create_instance(py, Arc::new(set), origins)?.into_object())
    }
}

/// A set of plain revision numbers (from Python ints, or a span).
fn native_set(py: Python<'_>, set: CoreSet) -> PyResult<RevisionSet> {
    RevisionSet::create_instance(py, Arc::new(set), Origins::none())
}

// The batches of an iteration over a `RevisionSet`, which it checks before each.
py_class!(class RevisionSetIterator |py| {
    data set: RevisionSet;
    data cursor: Mutex<SetCursor>;

    // The next members as a list, empty at the end.
    def nextbatch(&self) -> PyResult<Vec<i32>> {
        self.set(py).members(py)?;
        Ok(lock(py, self.cursor(py)).next_batch())
    }
});

impl RevisionSetIterator {
    fn start(py: Python<'_>, set: &RevisionSet, descending: bool) -> PyResult<PyObject> {
        let members = set.members(py)?.clone();
        let iterator = RevisionSetIterator::create_instance(
            py,
            set.clone_ref(py),
            Mutex::new(SetCursor::new(members, descending)),
        )?;
        batched(py, iterator.into_object().getattr(py, "nextbatch")?)
    }
}

/// Run a computation on the index's table without the GIL.
fn compute<T: Send>(
    py: Python<'_>,
    index: &PyObject,
    f: impl FnOnce(&Table) -> Result<T, CoreError> + Send,
) -> PyResult<T> {
    computed(py, index, f).map(|(value, _)| value)
}

/// As [`compute`], also giving the origin of what was computed.
fn computed<T: Send>(
    py: Python<'_>,
    index: &PyObject,
    f: impl FnOnce(&Table) -> Result<T, CoreError> + Send,
) -> PyResult<(T, Origins<PyObject>)> {
    let snapshot = snapshot(py, index)?;
    let value = core(py, detach(py, || f(&snapshot.table)))?;
    let origins = Origins::of(
        index.as_ptr() as usize,
        index.clone_ref(py),
        snapshot.identity().clone(),
    );
    Ok((value, origins))
}

/// A set computed on the index's table: it answers while the index still has what it
/// was computed on.
fn compute_set(
    py: Python<'_>,
    index: &PyObject,
    f: impl FnOnce(&Table) -> Result<CoreSet, CoreError> + Send,
) -> PyResult<RevisionSet> {
    let (set, origins) = computed(py, index, f)?;
    RevisionSet::create_instance(py, Arc::new(set), origins)
}

/// Heads of a set of revisions (`dagop.headrevs`), as a native set.
fn headrevs(py: Python<'_>, index: &PyObject, revs: &PyObject) -> PyResult<RevisionSet> {
    let revs = revs_input(py, revs)?;
    compute_set(py, index, |t| ops::heads(t, revs))
}

/// Heads of the whole graph up to `stop`, skipping filtered revisions (C's `headrevs`).
fn headrevsall(
    py: Python<'_>,
    index: &PyObject,
    filteredrevs: Option<PyObject>,
    stop: Option<usize>,
) -> PyResult<Vec<i32>> {
    let filtered = set_arg(py, filteredrevs.as_ref())?;
    compute(py, index, |t| {
        Ok(ops::graph_heads(t, filtered.as_ref(), stop))
    })
}

/// `dagop.headrevssubset` as `revlog.heads(start, stop)` calls it: the very Python
/// set Mercurial builds, by the same additions and removals, so that it iterates in
/// the same order. `canonicalorder`: the revlog reports a null first parent second.
fn headrevssubset(
    py: Python<'_>,
    index: &PyObject,
    startrev: i64,
    stoprevs: &PyObject,
    filteredrevs: Option<PyObject>,
    canonicalorder: bool,
) -> PyResult<PySet> {
    let start = shared::revision(startrev).map_err(|e| graph_error(py, e))?;
    let (stop, filtered) = (revs_arg(py, stoprevs)?, set_arg(py, filteredrevs.as_ref())?);
    let changes = compute(py, index, |t| {
        ops::heads_subset_changes(t, start, &stop, filtered.as_ref(), canonicalorder)
    })?;
    let heads = PySet::new(py, vec![start.0])?;
    for change in changes {
        match change {
            HeadsChange::Add(rev) => heads.add(py, rev.0)?,
            HeadsChange::Remove(rev) => heads.discard(py, rev.0)?,
        }
    }
    Ok(heads)
}

/// Parents of a set, null excluded (the revset `parents(set)`), as a native set.
fn parents(py: Python<'_>, index: &PyObject, revs: &PyObject) -> PyResult<RevisionSet> {
    let revs = revs_input(py, revs)?;
    compute_set(py, index, |t| ops::parents(t, revs))
}

/// Independent missing-ancestors questions, `(heads, common)` pairs, answered on
/// several threads: `::heads - ::common` each, as native sets.
fn missingancestorsmany(
    py: Python<'_>,
    index: &PyObject,
    queries: &PyObject,
) -> PyResult<Vec<RevisionSet>> {
    let queries = queries
        .iter(py)?
        .map(|query| {
            let (heads, common): (PyObject, PyObject) = query?.extract(py)?;
            Ok((revs_arg(py, &heads)?, revs_arg(py, &common)?))
        })
        .collect::<PyResult<Vec<_>>>()?;
    let (sets, origins) = computed(py, index, |t| ops::missing_ancestors_many(t, &queries))?;
    sets.into_iter()
        .map(|set| {
            RevisionSet::create_instance(py, Arc::new(set), origins.cloned(|o| o.clone_ref(py)))
        })
        .collect()
}

/// Members of a set with no parent in it (the revset `roots()`), as a native set.
fn roots(py: Python<'_>, index: &PyObject, revs: &PyObject) -> PyResult<RevisionSet> {
    let revs = revs_input(py, revs)?;
    compute_set(py, index, |t| ops::roots(t, revs))
}

/// Children of a set, as a native set.
fn children(
    py: Python<'_>,
    index: &PyObject,
    revs: &PyObject,
    filteredrevs: Option<PyObject>,
) -> PyResult<RevisionSet> {
    let (revs, filtered) = (revs_input(py, revs)?, set_arg(py, filteredrevs.as_ref())?);
    compute_set(py, index, |t| ops::children(t, revs, filtered.as_ref()))
}

/// Descendants of a set, as a native set.
fn descendants(
    py: Python<'_>,
    index: &PyObject,
    revs: &PyObject,
    inclusive: bool,
    filteredrevs: Option<PyObject>,
) -> PyResult<RevisionSet> {
    let (revs, filtered) = (revs_input(py, revs)?, set_arg(py, filteredrevs.as_ref())?);
    compute_set(py, index, |t| {
        ops::descendants(t, revs, inclusive, filtered.as_ref())
    })
}

/// `reachableroots2` of the C index, ascending.
fn reachableroots(
    py: Python<'_>,
    index: &PyObject,
    minroot: i64,
    heads: &PyObject,
    roots: &PyObject,
    includepath: bool,
) -> PyResult<Vec<i32>> {
    reachable(py, index, minroot, heads, roots, includepath).map(|(revs, _)| ops::ints(revs))
}

/// `reachableroots` as a native set (the revset `x::y`); `nullrev` is never a member.
fn reachablerootsset(
    py: Python<'_>,
    index: &PyObject,
    minroot: i64,
    heads: &PyObject,
    roots: &PyObject,
    includepath: bool,
) -> PyResult<RevisionSet> {
    let (revs, origins) = reachable(py, index, minroot, heads, roots, includepath)?;
    RevisionSet::create_instance(py, Arc::new(revs.into_iter().collect()), origins)
}

fn reachable(
    py: Python<'_>,
    index: &PyObject,
    minroot: i64,
    heads: &PyObject,
    roots: &PyObject,
    includepath: bool,
) -> PyResult<(Vec<Revision>, Origins<PyObject>)> {
    let (heads, roots) = (revs_arg(py, heads)?, revs_arg(py, roots)?);
    computed(py, index, |t| {
        ops::reachable_roots(t, shared::bound(minroot), &heads, &roots, includepath)
    })
}

/// The arguments `(index, *revs)`: rust-cpython's argument parser has no `*args` after
/// other parameters, so they are taken apart here, refused as PyO3 refuses them.
fn index_and_revs(
    py: Python<'_>,
    function: &str,
    args: &PyTuple,
    kwargs: Option<&PyDict>,
) -> PyResult<(PyObject, PyTuple)> {
    let type_error = |message: String| PyErr::new::<exc::TypeError, _>(py, message);
    let args = args.as_slice(py);
    let mut index = args.first().map(|index| index.clone_ref(py));
    for (key, value) in kwargs.map(|kwargs| kwargs.items(py)).unwrap_or_default() {
        let key = key.extract::<String>(py)?;
        if key != "index" {
            return Err(type_error(format!(
                "{function}() got an unexpected keyword argument '{key}'"
            )));
        }
        if index.is_some() {
            return Err(type_error(format!(
                "{function}() got multiple values for argument 'index'"
            )));
        }
        index = Some(value);
    }
    let index = index.ok_or_else(|| {
        type_error(format!(
            "{function}() missing 1 required positional argument: 'index'"
        ))
    })?;
    Ok((index, PyTuple::new(py, args.get(1..).unwrap_or_default())))
}

/// Heads of the common ancestors, descending (C's order); any number of inputs.
fn commonancestorsheads(
    py: Python<'_>,
    args: &PyTuple,
    kwargs: Option<&PyDict>,
) -> PyResult<Vec<i32>> {
    let (index, revs) = index_and_revs(py, "commonancestorsheads", args, kwargs)?;
    let revs = revs_arg(py, revs.as_object())?;
    compute(py, &index, |t| ops::common_ancestors_heads(t, &revs))
}

/// The deepest common ancestors (`ancestor.ancestors`), ascending.
fn ancestors(py: Python<'_>, args: &PyTuple, kwargs: Option<&PyDict>) -> PyResult<Vec<i32>> {
    let (index, revs) = index_and_revs(py, "ancestors", args, kwargs)?;
    let revs = revs_arg(py, revs.as_object())?;
    compute(py, &index, |t| ops::deepest_common_ancestors(t, &revs))
}

/// Whether `a` is an ancestor of `b` (`revlog.isancestorrev`).
fn isancestor(py: Python<'_>, index: &PyObject, a: i64, b: i64) -> PyResult<bool> {
    let (a, b) = (
        shared::revision(a).map_err(|e| graph_error(py, e))?,
        shared::revision(b).map_err(|e| graph_error(py, e))?,
    );
    compute(py, index, |t| ops::is_ancestor(t, a, b))
}

/// Many is-ancestor questions at once, answered in parallel: is `a[i]` an ancestor
/// of `b[i]`? A list of bools, paired as `zip(a, b)`.
fn isancestormany(
    py: Python<'_>,
    index: &PyObject,
    a: &PyObject,
    b: &PyObject,
) -> PyResult<Vec<bool>> {
    let (a, b) = (revs_arg(py, a)?, revs_arg(py, b)?);
    compute(py, index, |t| ops::is_ancestor_many(t, a, b))
}

/// Set the threads of the parallel kernels (0: one per core; 1: sequential).
fn setthreads(_py: Python<'_>, threads: usize) -> PyResult<PyObject> {
    parallel::set_threads(threads);
    Ok(_py.None())
}

/// The threads parallel kernels use.
fn threads(_py: Python<'_>) -> PyResult<usize> {
    Ok(parallel::threads())
}

/// Set the size (revisions or set members) from which kernels run in parallel.
fn setthreshold(py: Python<'_>, threshold: usize) -> PyResult<PyObject> {
    parallel::set_threshold(threshold);
    Ok(py.None())
}

/// The size from which kernels run in parallel.
fn threshold(_py: Python<'_>) -> PyResult<usize> {
    Ok(parallel::threshold())
}

/// The revset ancestor walk (`dag_util.revancestors`) as a native set: `revs`
/// included, first parents only with `followfirst`, optionally depth-limited.
fn revancestors(
    py: Python<'_>,
    index: &PyObject,
    revs: &PyObject,
    followfirst: bool,
    startdepth: Option<i64>,
    stopdepth: Option<i64>,
) -> PyResult<RevisionSet> {
    let revs = revs_arg(py, revs)?;
    compute_set(py, index, |t| {
        ops::revset_ancestors(t, revs, followfirst, startdepth, stopdepth)
    })
}

/// The revset descendant walk (`dag_util.revdescendants`) as a native set: `revs`
/// included, first parents only with `followfirst`, optionally depth-limited,
/// `filteredrevs` skipped.
fn revdescendants(
    py: Python<'_>,
    index: &PyObject,
    revs: &PyObject,
    followfirst: bool,
    startdepth: Option<i64>,
    stopdepth: Option<i64>,
    filteredrevs: Option<PyObject>,
) -> PyResult<RevisionSet> {
    let (revs, filtered) = (revs_arg(py, revs)?, set_arg(py, filteredrevs.as_ref())?);
    compute_set(py, index, |t| {
        ops::revset_descendants(
            t,
            revs,
            followfirst,
            startdepth,
            stopdepth,
            filtered.as_ref(),
        )
    })
}

/// Every ancestor as a native set (`::revs`).
fn ancestorsset(
    py: Python<'_>,
    index: &PyObject,
    revs: &PyObject,
    stoprev: i64,
    inclusive: bool,
) -> PyResult<RevisionSet> {
    let revs = revs_arg(py, revs)?;
    compute_set(py, index, |t| {
        ops::ancestors_set(t, revs, shared::bound(stoprev), inclusive)
    })
}

/// `::heads - ::common` as a native set (the revset `only()`).
fn onlyset(
    py: Python<'_>,
    index: &PyObject,
    heads: &PyObject,
    common: &PyObject,
) -> PyResult<RevisionSet> {
    let (heads, common) = (revs_arg(py, heads)?, revs_arg(py, common)?);
    compute_set(py, index, |t| ops::only(t, heads, common))
}

/// Why the C index can or cannot be read: `(status, abi)`.
fn capsulestatus(py: Python<'_>) -> PyResult<(String, Option<i32>)> {
    // Ensure the C parsers are imported if they can be, so the capsule exists.
    let _ = c_index_type(py);
    // Safety: GIL held.
    Ok(match unsafe { capi_status() } {
        CapiStatus::Ready(_) => ("ready".into(), Some(crate::capsule::SUPPORTED_ABI)),
        CapiStatus::Missing => ("missing".into(), None),
        CapiStatus::UnsupportedAbi(abi) => ("unsupported-abi".into(), Some(abi)),
    })
}

/// Add `value` as `name`, listed in `__all__` (as PyO3 does).
fn add(
    py: Python<'_>,
    m: &PyModule,
    all: &mut Vec<&'static str>,
    name: &'static str,
    value: impl ToPyObject,
) -> PyResult<()> {
    all.push(name);
    m.add(py, name, value)
}

fn module_init(py: Python<'_>, m: &PyModule) -> PyResult<()> {
    let mut all = Vec::new();
    m.add(py, "__doc__", "")?;
    add(py, m, &mut all, "BACKEND", "cpython")?;
    add(py, m, &mut all, "__version__", env!("CARGO_PKG_VERSION"))?;
    add(py, m, &mut all, "GraphError", py.get_type::<GraphError>())?;
    for (name, class) in [
        (
            "AncestorsIterator",
            AncestorsIterator::initialize(py, Some("_native"))?,
        ),
        (
            "LazyAncestors",
            LazyAncestors::initialize(py, Some("_native"))?,
        ),
        (
            "MissingAncestors",
            MissingAncestors::initialize(py, Some("_native"))?,
        ),
        ("RevisionSet", RevisionSet::initialize(py, Some("_native"))?),
        (
            "RevisionSetIterator",
            RevisionSetIterator::initialize(py, Some("_native"))?,
        ),
    ] {
        add(py, m, &mut all, name, class)?;
    }
    for (name, function) in [
        (
            "headrevs",
            py_fn!(py, headrevs(index: &PyObject, revs: &PyObject)),
        ),
        (
            "headrevsall",
            py_fn!(py, headrevsall(index: &PyObject, filteredrevs: Option<PyObject> = None, stop: Option<usize> = None)),
        ),
        (
            "headrevssubset",
            py_fn!(py, headrevssubset(index: &PyObject, startrev: i64, stoprevs: &PyObject, filteredrevs: Option<PyObject> = None, canonicalorder: bool = true)),
        ),
        (
            "roots",
            py_fn!(py, roots(index: &PyObject, revs: &PyObject)),
        ),
        (
            "children",
            py_fn!(py, children(index: &PyObject, revs: &PyObject, filteredrevs: Option<PyObject> = None)),
        ),
        (
            "descendants",
            py_fn!(py, descendants(index: &PyObject, revs: &PyObject, inclusive: bool = false, filteredrevs: Option<PyObject> = None)),
        ),
        (
            "reachableroots",
            py_fn!(py, reachableroots(index: &PyObject, minroot: i64, heads: &PyObject, roots: &PyObject, includepath: bool = false)),
        ),
        (
            "reachablerootsset",
            py_fn!(py, reachablerootsset(index: &PyObject, minroot: i64, heads: &PyObject, roots: &PyObject, includepath: bool = false)),
        ),
        (
            "commonancestorsheads",
            py_fn!(py, commonancestorsheads(*args, **kwargs)),
        ),
        ("ancestors", py_fn!(py, ancestors(*args, **kwargs))),
        (
            "isancestor",
            py_fn!(py, isancestor(index: &PyObject, a: i64, b: i64)),
        ),
        (
            "ancestorsset",
            py_fn!(py, ancestorsset(index: &PyObject, revs: &PyObject, stoprev: i64 = 0, inclusive: bool = true)),
        ),
        (
            "parents",
            py_fn!(py, parents(index: &PyObject, revs: &PyObject)),
        ),
        (
            "missingancestorsmany",
            py_fn!(py, missingancestorsmany(index: &PyObject, queries: &PyObject)),
        ),
        (
            "onlyset",
            py_fn!(py, onlyset(index: &PyObject, heads: &PyObject, common: &PyObject)),
        ),
        ("capsulestatus", py_fn!(py, capsulestatus())),
        (
            "isancestormany",
            py_fn!(py, isancestormany(index: &PyObject, a: &PyObject, b: &PyObject)),
        ),
        ("setthreads", py_fn!(py, setthreads(threads: usize))),
        (
            "revancestors",
            py_fn!(py, revancestors(index: &PyObject, revs: &PyObject, followfirst: bool = false, startdepth: Option<i64> = None, stopdepth: Option<i64> = None)),
        ),
        (
            "revdescendants",
            py_fn!(py, revdescendants(index: &PyObject, revs: &PyObject, followfirst: bool = false, startdepth: Option<i64> = None, stopdepth: Option<i64> = None, filteredrevs: Option<PyObject> = None)),
        ),
        ("threads", py_fn!(py, threads())),
        ("setthreshold", py_fn!(py, setthreshold(threshold: usize))),
        ("threshold", py_fn!(py, threshold())),
    ] {
        // As PyO3's: module functions belong to the module.
        function.setattr(py, "__module__", "_native")?;
        add(py, m, &mut all, name, function)?;
    }
    m.add(py, "__all__", all)
}

py_module_initializer!(_native, |py, m| {
    module_init(py, m)?;
    Ok(())
});
