//! The PyO3 backend: conversion, errors, GIL release. Logic lives in `shared` and `ops`.

use std::sync::{Arc, Mutex};

use hg_core::ancestors::{LazyAncestors as CoreLazy, MissingAncestors as CoreMissing};
use hg_core::dagops::HeadsChange;
use hg_core::parallel::{self, SetOp};
use hg_core::{GraphError as CoreError, Revision, RevisionSet as CoreSet};
use pyo3::create_exception;
use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::{MutexExt, PyOnceLock};
use pyo3::types::{PyList, PySet, PyTuple, PyType};

use crate::capsule::{capi_status, CApi, CapiStatus, PythonErrorSet};
use crate::ops::{self, AncestorsState, MissingState, Revs, SetCursor, Table};
use crate::shared::{
    self, ErrorArgs, Identity, IndexReader, LoadError, Origins, Snapshot, TableCache,
};

create_exception!(_native, GraphError, PyValueError);

fn graph_error(py: Python<'_>, e: impl Into<ErrorArgs>) -> PyErr {
    let args = e.into();
    let mut items: Vec<Py<PyAny>> = vec![args.kind.into_pyobject(py).unwrap().into_any().unbind()];
    items.extend(
        args.values
            .iter()
            .map(|v| v.into_pyobject(py).unwrap().into_any().unbind()),
    );
    match PyTuple::new(py, items) {
        Ok(tuple) => GraphError::new_err(tuple.unbind()),
        Err(e) => e,
    }
}

fn stripped() -> PyErr {
    PyRuntimeError::new_err(shared::STRIPPED_MESSAGE)
}

/// The object Python passed as `index`: the C index (read through the capsule) or
/// anything with `len()` and `index[rev]` giving `(p1, p2)` or an index entry.
struct PyIndex<'a, 'py> {
    obj: &'a Bound<'py, PyAny>,
    capi: Option<&'static CApi>,
}

static C_INDEX_TYPE: PyOnceLock<Option<Py<PyType>>> = PyOnceLock::new();

fn c_index_type(py: Python<'_>) -> Option<&Py<PyType>> {
    C_INDEX_TYPE
        .get_or_init(py, || {
            let module = py.import("mercurial.cext.parsers").ok()?;
            module
                .getattr("index")
                .ok()?
                .cast_into::<PyType>()
                .ok()
                .map(Bound::unbind)
        })
        .as_ref()
}

impl<'a, 'py> PyIndex<'a, 'py> {
    fn new(obj: &'a Bound<'py, PyAny>) -> Self {
        let py = obj.py();
        let is_c_index = c_index_type(py).is_some_and(|t| {
            // The real type, not `__class__`, which Python code can fake.
            obj.get_type().is_subclass(t.bind(py)).unwrap_or(false)
        });
        // Safety: the GIL is held (we have a `Python` token).
        let capi = match (is_c_index, unsafe { capi_status() }) {
            (true, CapiStatus::Ready(capi)) => Some(capi),
            _ => None,
        };
        PyIndex { obj, capi }
    }

    fn fetch(&self, _: PythonErrorSet) -> PyErr {
        PyErr::fetch(self.obj.py())
    }
}

impl IndexReader for PyIndex<'_, '_> {
    type Error = PyErr;

    fn len(&self) -> PyResult<usize> {
        match self.capi {
            // Safety: GIL held; `obj` is an instance of the C index type.
            Some(capi) => Ok(unsafe { capi.len(self.obj.as_ptr().cast()) }),
            None => self.obj.len(),
        }
    }

    fn parents(&self, rev: i32) -> Result<[i32; 2], LoadError<PyErr>> {
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
                let entry = self.obj.get_item(rev)?;
                if entry.len()? == 2 {
                    Ok([entry.get_item(0)?.extract()?, entry.get_item(1)?.extract()?])
                } else {
                    Ok([entry.get_item(5)?.extract()?, entry.get_item(6)?.extract()?])
                }
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
        match self.capi {
            // Safety: GIL held; `obj` is an instance of the C index type.
            Some(capi) => Ok(unsafe { capi.node(self.obj.as_ptr().cast(), rev, 20) }),
            None => {
                let entry = self.obj.get_item(rev)?;
                if entry.len()? > 7 {
                    Ok(entry.get_item(7)?.extract::<Vec<u8>>().ok())
                } else {
                    Ok(None)
                }
            }
        }
    }
}

static CACHE: Mutex<TableCache<Py<PyAny>>> = Mutex::new(TableCache::new());

/// Lock with the GIL held: wait detached, so that a thread holding the lock can always
/// take the GIL back (no lock is ever awaited while the GIL is held).
fn lock<'a, T>(py: Python<'_>, mutex: &'a Mutex<T>) -> std::sync::MutexGuard<'a, T> {
    mutex
        .lock_py_attached(py)
        .unwrap_or_else(|p| p.into_inner())
}

fn load_error(py: Python<'_>, e: LoadError<PyErr>) -> PyErr {
    match e {
        LoadError::Reader(e) => e,
        LoadError::Graph(e) => graph_error(py, e),
    }
}

fn snapshot(index: &Bound<'_, PyAny>) -> PyResult<Snapshot> {
    let py = index.py();
    let reader = PyIndex::new(index);
    let mut cache = lock(py, &CACHE);
    cache
        .snapshot(index.as_ptr() as usize, || index.clone().unbind(), &reader)
        .map_err(|e| load_error(py, e))
}

fn check_valid(py: Python<'_>, index: &Py<PyAny>, identity: &Identity) -> PyResult<()> {
    if identity.still_valid(&PyIndex::new(index.bind(py)))? {
        Ok(())
    } else {
        Err(stripped())
    }
}

fn revs_arg(revs: &Bound<'_, PyAny>) -> PyResult<Vec<Revision>> {
    let py = revs.py();
    if let Ok(set) = revs.cast::<PyRevisionSet>() {
        return Ok(set.get().members(py)?.iter().collect());
    }
    revs.try_iter()?
        .map(|item| shared::revision(item?.extract::<i64>()?).map_err(|e| graph_error(py, e)))
        .collect()
}

/// Revisions for a set function: a native set is taken as it is.
fn revs_input(revs: &Bound<'_, PyAny>) -> PyResult<Revs> {
    match revs.cast::<PyRevisionSet>() {
        Ok(set) => Ok(Revs::Set(set.get().members(revs.py())?.clone())),
        Err(_) => revs_arg(revs).map(Revs::List),
    }
}

fn set_arg(revs: Option<&Bound<'_, PyAny>>) -> PyResult<Option<CoreSet>> {
    revs.map(|r| match r.cast::<PyRevisionSet>() {
        Ok(set) => Ok(CoreSet::clone(set.get().members(r.py())?)),
        Err(_) => Ok(ops::split_null(revs_arg(r)?).0),
    })
    .transpose()
}

fn core<T>(py: Python<'_>, result: Result<T, CoreError>) -> PyResult<T> {
    result.map_err(|e| graph_error(py, e))
}

/// `itertools.chain.from_iterable(iter(nextbatch, []))`: Python iterates lists of
/// ints in C, instead of calling a native `__next__` per revision. A strip is then
/// noticed at the next batch.
fn batched<'py>(nextbatch: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    let py = nextbatch.py();
    let batches = py
        .import("builtins")?
        .getattr("iter")?
        .call1((nextbatch, PyList::empty(py)))?;
    py.import("itertools")?
        .getattr("chain")?
        .getattr("from_iterable")?
        .call1((batches,))
}

/// Ancestors in descending order (`ancestor._lazyancestorsiter`).
#[pyclass(module = "_native", frozen)]
struct AncestorsIterator {
    index: Py<PyAny>,
    snapshot: Snapshot,
    state: Mutex<AncestorsState>,
}

#[pymethods]
impl AncestorsIterator {
    #[new]
    #[pyo3(signature = (index, initrevs, stoprev=0, inclusive=false))]
    fn new(
        index: &Bound<'_, PyAny>,
        initrevs: &Bound<'_, PyAny>,
        stoprev: i64,
        inclusive: bool,
    ) -> PyResult<Self> {
        let py = index.py();
        let snapshot = snapshot(index)?;
        let state = core(
            py,
            AncestorsState::new(
                snapshot.table.clone(),
                revs_arg(initrevs)?,
                shared::bound(stoprev),
                inclusive,
            ),
        )?;
        Ok(AncestorsIterator {
            index: index.clone().unbind(),
            snapshot,
            state: Mutex::new(state),
        })
    }

    fn __iter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    /// The next revisions as a list, empty at the end.
    fn nextbatch<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        check_valid(py, &self.index, self.snapshot.identity())?;
        let batch = py.detach(|| {
            self.state
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .next_batch()
        });
        PyList::new(py, core(py, batch)?)
    }

    fn __next__(&self, py: Python<'_>) -> PyResult<Option<i32>> {
        if let Ok(mut state) = self.state.try_lock() {
            if let Some(rev) = state.next_buffered() {
                return Ok(Some(rev.0));
            }
        }
        check_valid(py, &self.index, self.snapshot.identity())?;
        // The lock is taken without the GIL: a thread holding it never waits for it.
        let next = py.detach(|| {
            self.state
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .next_revision()
        });
        Ok(core(py, next)?.map(|r| r.0))
    }
}

/// A lazily computed ancestor set (`ancestor.lazyancestors`).
#[pyclass(module = "_native", frozen)]
struct LazyAncestors {
    index: Py<PyAny>,
    snapshot: Snapshot,
    lazy: Mutex<CoreLazy<Table>>,
}

#[pymethods]
impl LazyAncestors {
    #[new]
    #[pyo3(signature = (index, initrevs, stoprev=0, inclusive=false))]
    fn new(
        index: &Bound<'_, PyAny>,
        initrevs: &Bound<'_, PyAny>,
        stoprev: i64,
        inclusive: bool,
    ) -> PyResult<Self> {
        let py = index.py();
        let snapshot = snapshot(index)?;
        let lazy = core(
            py,
            CoreLazy::new(
                snapshot.table.clone(),
                revs_arg(initrevs)?,
                shared::bound(stoprev),
                inclusive,
            ),
        )?;
        Ok(LazyAncestors {
            index: index.clone().unbind(),
            snapshot,
            lazy: Mutex::new(lazy),
        })
    }

    fn __contains__(&self, py: Python<'_>, target: &Bound<'_, PyAny>) -> PyResult<bool> {
        // Any object may be asked about; only ints in range can be members.
        let Some(target) = ops::member(target.extract::<i64>().ok()) else {
            return Ok(false);
        };
        check_valid(py, &self.index, self.snapshot.identity())?;
        if let Ok(lazy) = self.lazy.try_lock() {
            if let Some(answer) = lazy.contains_cached(target) {
                return Ok(answer);
            }
        }
        let answer = py.detach(|| {
            self.lazy
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .contains(target)
        });
        core(py, answer)
    }

    /// A fresh walk, iterated in native batches (see `batched`).
    fn __iter__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        check_valid(py, &self.index, self.snapshot.identity())?;
        let walk = lock(py, &self.lazy).iter();
        let iterator = Bound::new(
            py,
            AncestorsIterator {
                index: self.index.clone_ref(py),
                snapshot: self.snapshot.clone(),
                state: Mutex::new(AncestorsState::from_walk(walk)),
            },
        )?;
        batched(&iterator.getattr("nextbatch")?)
    }

    fn __bool__(&self, py: Python<'_>) -> PyResult<bool> {
        check_valid(py, &self.index, self.snapshot.identity())?;
        Ok(!lock(py, &self.lazy).is_empty())
    }
}

/// Incremental missing ancestors (`ancestor.incrementalmissingancestors`; `bases` is a
/// method here, as in Mercurial's Rust: the extension presents it as an attribute).
#[pyclass(module = "_native", frozen)]
struct MissingAncestors {
    index: Py<PyAny>,
    state: Mutex<MissingState>,
}

impl MissingAncestors {
    /// Run `f` on the state, after following the index if it grew (bases may name new
    /// revisions) and refusing if it was stripped.
    fn with<T: Send>(
        &self,
        py: Python<'_>,
        f: impl FnOnce(&mut CoreMissing<Table>) -> Result<T, CoreError> + Send,
    ) -> PyResult<T> {
        let index = self.index.bind(py);
        let mut state = lock(py, &self.state);
        if !state.snapshot.still_valid(&PyIndex::new(index))? {
            return Err(stripped());
        }
        state.follow(self::snapshot(index)?);
        // Others wait for this lock detached (`lock`), so keeping it while the GIL
        // is released and taken back cannot deadlock.
        let missing = &mut state.missing;
        core(py, py.detach(|| f(missing)))
    }
}

#[pymethods]
impl MissingAncestors {
    #[new]
    fn new(index: &Bound<'_, PyAny>, bases: &Bound<'_, PyAny>) -> PyResult<Self> {
        let py = index.py();
        let snapshot = snapshot(index)?;
        let missing = core(
            py,
            CoreMissing::new(snapshot.table.clone(), revs_arg(bases)?),
        )?;
        Ok(MissingAncestors {
            index: index.clone().unbind(),
            state: Mutex::new(MissingState { snapshot, missing }),
        })
    }

    fn hasbases(&self, py: Python<'_>) -> PyResult<bool> {
        self.with(py, |m| Ok(m.has_bases()))
    }

    fn addbases(&self, py: Python<'_>, bases: &Bound<'_, PyAny>) -> PyResult<()> {
        let bases = revs_arg(bases)?;
        self.with(py, |m| m.add_bases(bases))
    }

    fn bases<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PySet>> {
        let (revs, has_null) = self.with(py, |m| {
            let (set, has_null) = m.bases();
            Ok((ops::to_ints(set), has_null))
        })?;
        PySet::new(py, revs.into_iter().chain(has_null.then_some(-1)))
    }

    fn basesheads<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PySet>> {
        let heads = self.with(py, |m| m.bases_heads().map(|s| ops::to_ints(&s)))?;
        PySet::new(py, heads)
    }

    fn removeancestorsfrom(&self, py: Python<'_>, revs: &Bound<'_, PySet>) -> PyResult<()> {
        let given = revs_arg(revs.as_any())?;
        let (mut set, _) = ops::split_null(given.clone());
        self.with(py, |m| m.remove_ancestors_from(&mut set))?;
        // Mutate the caller's set in place, as Mercurial does.
        for rev in ops::removed(&given, &set) {
            revs.discard(rev)?;
        }
        Ok(())
    }

    fn missingancestors<'py>(
        &self,
        py: Python<'py>,
        revs: &Bound<'_, PyAny>,
    ) -> PyResult<Bound<'py, PyList>> {
        let revs = revs_arg(revs)?;
        let missing = self.with(py, |m| m.missing_ancestors(revs))?;
        PyList::new(py, missing.into_iter().map(|r| r.0))
    }
}

/// An immutable set of revisions backed by bits: `len`, `in` and set algebra stay in
/// Rust; Python ints are made only when iterated. A set computed from an index answers
/// only while that index still has what it was computed on (else `RuntimeError`).
#[pyclass(module = "_native", frozen, name = "RevisionSet")]
struct PyRevisionSet {
    set: Arc<CoreSet>,
    origins: Origins<Py<PyAny>>,
}

#[pymethods]
impl PyRevisionSet {
    #[new]
    #[pyo3(signature = (revs=None))]
    fn new(revs: Option<&Bound<'_, PyAny>>) -> PyResult<Self> {
        Ok(native_set(set_arg(revs)?.unwrap_or_default()))
    }

    /// Every revision in `start..end` but `excluded`: a revset span, made without
    /// Python ints.
    #[staticmethod]
    #[pyo3(signature = (start, end, excluded=None))]
    fn span(start: i64, end: i64, excluded: Option<&Bound<'_, PyAny>>) -> PyResult<Self> {
        Ok(native_set(ops::span(
            start,
            end,
            set_arg(excluded)?.as_ref(),
        )))
    }

    fn __contains__(&self, py: Python<'_>, rev: &Bound<'_, PyAny>) -> PyResult<bool> {
        let set = self.members(py)?;
        Ok(ops::member(rev.extract::<i64>().ok()).is_some_and(|r| set.contains(r)))
    }

    fn __len__(&self, py: Python<'_>) -> PyResult<usize> {
        Ok(self.members(py)?.len())
    }

    fn __bool__(&self, py: Python<'_>) -> PyResult<bool> {
        Ok(!self.members(py)?.is_empty())
    }

    /// Ascending, in native batches (see `batched`).
    fn __iter__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        RevisionSetIterator::start(slf, false)
    }

    /// Iterate in descending order.
    fn descending<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        RevisionSetIterator::start(slf, true)
    }

    fn min(&self, py: Python<'_>) -> PyResult<Option<i32>> {
        Ok(self.members(py)?.min().map(|r| r.0))
    }

    fn max(&self, py: Python<'_>) -> PyResult<Option<i32>> {
        Ok(self.members(py)?.max().map(|r| r.0))
    }

    /// Members as a list, ascending (or descending).
    #[pyo3(signature = (descending=false))]
    fn tolist<'py>(&self, py: Python<'py>, descending: bool) -> PyResult<Bound<'py, PyList>> {
        let mut revs = ops::to_ints(self.members(py)?);
        if descending {
            revs.reverse();
        }
        PyList::new(py, revs)
    }

    /// Membership of each of `revs`, in order (parallel for many probes).
    fn containsmany(&self, py: Python<'_>, revs: &Bound<'_, PyAny>) -> PyResult<Vec<bool>> {
        let probes = revs
            .try_iter()?
            .map(|r| Ok(ops::member(r?.extract::<i64>().ok())))
            .collect::<PyResult<Vec<_>>>()?;
        let set = self.members(py)?;
        Ok(py.detach(|| ops::contains_many(set, &probes)))
    }

    fn __and__(&self, py: Python<'_>, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        self.algebra(py, other, |a, b| ops::combine(a, b, SetOp::Intersection))
    }

    fn __or__(&self, py: Python<'_>, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        self.algebra(py, other, |a, b| ops::combine(a, b, SetOp::Union))
    }

    fn __sub__(&self, py: Python<'_>, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        self.algebra(py, other, |a, b| ops::combine(a, b, SetOp::Difference))
    }

    fn __eq__(&self, py: Python<'_>, other: &Bound<'_, PyAny>) -> PyResult<bool> {
        match other.cast::<PyRevisionSet>() {
            Ok(other) => Ok(**other.get().members(py)? == **self.members(py)?),
            Err(_) => Ok(false),
        }
    }

    fn __repr__(&self) -> String {
        format!("<RevisionSet len={}>", self.set.len())
    }
}

impl PyRevisionSet {
    /// The members, once every index they are revisions of is checked unchanged.
    fn members(&self, py: Python<'_>) -> PyResult<&Arc<CoreSet>> {
        for (index, identity) in self.origins.iter() {
            check_valid(py, index, identity)?;
        }
        Ok(&self.set)
    }

    /// Set algebra with another native set, computed without the GIL; anything else
    /// gives `NotImplemented` (so Python tries the reflected operation).
    fn algebra(
        &self,
        py: Python<'_>,
        other: &Bound<'_, PyAny>,
        op: impl FnOnce(&CoreSet, &CoreSet) -> CoreSet + Send,
    ) -> PyResult<Py<PyAny>> {
        let Ok(other) = other.cast::<PyRevisionSet>() else {
            return Ok(py.NotImplemented());
        };
        let other = other.get();
        let (mine, theirs) = (self.members(py)?, other.members(py)?);
        let set = py.detach(|| op(mine, theirs));
        let origins = self.origins.merged(&other.origins, |o| o.clone_ref(py));
        Ok(Py::new(
            py,
            PyRevisionSet {
                set: Arc::new(set),
                origins,
            },
        )?
        .into_any())
    }
}

/// A set of plain revision numbers (from Python ints, or a span).
fn native_set(set: CoreSet) -> PyRevisionSet {
    PyRevisionSet {
        set: Arc::new(set),
        origins: Origins::none(),
    }
}

/// The batches of an iteration over a [`PyRevisionSet`], which it checks before each.
#[pyclass(module = "_native", frozen)]
struct RevisionSetIterator {
    set: Py<PyRevisionSet>,
    cursor: Mutex<SetCursor>,
}

impl RevisionSetIterator {
    fn start<'py>(
        set: &Bound<'py, PyRevisionSet>,
        descending: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let py = set.py();
        let members = set.get().members(py)?.clone();
        let iterator = Bound::new(
            py,
            RevisionSetIterator {
                set: set.clone().unbind(),
                cursor: Mutex::new(SetCursor::new(members, descending)),
            },
        )?;
        batched(&iterator.getattr("nextbatch")?)
    }
}

#[pymethods]
impl RevisionSetIterator {
    /// The next members as a list, empty at the end.
    fn nextbatch<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        self.set.get().members(py)?;
        PyList::new(py, lock(py, &self.cursor).next_batch())
    }
}

/// Run a computation on the index's table without the GIL.
fn compute<T: Send>(
    index: &Bound<'_, PyAny>,
    f: impl FnOnce(&Table) -> Result<T, CoreError> + Send,
) -> PyResult<T> {
    computed(index, f).map(|(value, _)| value)
}

/// As [`compute`], also giving the origin of what was computed.
fn computed<T: Send>(
    index: &Bound<'_, PyAny>,
    f: impl FnOnce(&Table) -> Result<T, CoreError> + Send,
) -> PyResult<(T, Origins<Py<PyAny>>)> {
    let py = index.py();
    let snapshot = snapshot(index)?;
    let value = core(py, py.detach(|| f(&snapshot.table)))?;
    let origins = Origins::of(
        index.as_ptr() as usize,
        index.clone().unbind(),
        snapshot.identity().clone(),
    );
    Ok((value, origins))
}

/// A set computed on the index's table: it answers while the index still has what it
/// was computed on.
fn compute_set(
    index: &Bound<'_, PyAny>,
    f: impl FnOnce(&Table) -> Result<CoreSet, CoreError> + Send,
) -> PyResult<PyRevisionSet> {
    let (set, origins) = computed(index, f)?;
    Ok(PyRevisionSet {
        set: Arc::new(set),
        origins,
    })
}

/// Heads of a set of revisions (`dagop.headrevs`), as a native set.
#[pyfunction]
fn headrevs(index: &Bound<'_, PyAny>, revs: &Bound<'_, PyAny>) -> PyResult<PyRevisionSet> {
    let revs = revs_input(revs)?;
    compute_set(index, |t| ops::heads(t, revs))
}

/// Heads of the whole graph up to `stop`, skipping filtered revisions (C's `headrevs`).
#[pyfunction]
#[pyo3(signature = (index, filteredrevs=None, stop=None))]
fn headrevsall(
    index: &Bound<'_, PyAny>,
    filteredrevs: Option<&Bound<'_, PyAny>>,
    stop: Option<usize>,
) -> PyResult<Vec<i32>> {
    let filtered = set_arg(filteredrevs)?;
    compute(index, |t| Ok(ops::graph_heads(t, filtered.as_ref(), stop)))
}

/// `dagop.headrevssubset` as `revlog.heads(start, stop)` calls it: the very Python
/// set Mercurial builds, by the same additions and removals, so that it iterates in
/// the same order. `canonicalorder`: the revlog reports a null first parent second.
#[pyfunction]
#[pyo3(signature = (index, startrev, stoprevs, filteredrevs=None, canonicalorder=true))]
fn headrevssubset<'py>(
    index: &Bound<'py, PyAny>,
    startrev: i64,
    stoprevs: &Bound<'_, PyAny>,
    filteredrevs: Option<&Bound<'_, PyAny>>,
    canonicalorder: bool,
) -> PyResult<Bound<'py, PySet>> {
    let py = index.py();
    let start = shared::revision(startrev).map_err(|e| graph_error(py, e))?;
    let (stop, filtered) = (revs_arg(stoprevs)?, set_arg(filteredrevs)?);
    let changes = compute(index, |t| {
        ops::heads_subset_changes(t, start, &stop, filtered.as_ref(), canonicalorder)
    })?;
    let heads = PySet::new(py, [start.0])?;
    for change in changes {
        match change {
            HeadsChange::Add(rev) => heads.add(rev.0)?,
            HeadsChange::Remove(rev) => drop(heads.discard(rev.0)?),
        }
    }
    Ok(heads)
}

/// Parents of a set, null excluded (the revset `parents(set)`), as a native set.
#[pyfunction]
fn parents(index: &Bound<'_, PyAny>, revs: &Bound<'_, PyAny>) -> PyResult<PyRevisionSet> {
    let revs = revs_input(revs)?;
    compute_set(index, |t| ops::parents(t, revs))
}

/// Independent missing-ancestors questions, `(heads, common)` pairs, answered on
/// several threads: `::heads - ::common` each, as native sets.
#[pyfunction]
fn missingancestorsmany(
    index: &Bound<'_, PyAny>,
    queries: &Bound<'_, PyAny>,
) -> PyResult<Vec<PyRevisionSet>> {
    let queries = queries
        .try_iter()?
        .map(|query| {
            let (heads, common): (Bound<'_, PyAny>, Bound<'_, PyAny>) = query?.extract()?;
            Ok((revs_arg(&heads)?, revs_arg(&common)?))
        })
        .collect::<PyResult<Vec<_>>>()?;
    let py = index.py();
    let (sets, origins) = computed(index, |t| ops::missing_ancestors_many(t, &queries))?;
    Ok(sets
        .into_iter()
        .map(|set| PyRevisionSet {
            set: Arc::new(set),
            origins: origins.cloned(|o| o.clone_ref(py)),
        })
        .collect())
}

/// Members of a set with no parent in it (the revset `roots()`), as a native set.
#[pyfunction]
fn roots(index: &Bound<'_, PyAny>, revs: &Bound<'_, PyAny>) -> PyResult<PyRevisionSet> {
    let revs = revs_input(revs)?;
    compute_set(index, |t| ops::roots(t, revs))
}

/// Children of a set, as a native set.
#[pyfunction]
#[pyo3(signature = (index, revs, filteredrevs=None))]
fn children(
    index: &Bound<'_, PyAny>,
    revs: &Bound<'_, PyAny>,
    filteredrevs: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyRevisionSet> {
    let (revs, filtered) = (revs_input(revs)?, set_arg(filteredrevs)?);
    compute_set(index, |t| ops::children(t, revs, filtered.as_ref()))
}

/// Descendants of a set, as a native set.
#[pyfunction]
#[pyo3(signature = (index, revs, inclusive=false, filteredrevs=None))]
fn descendants(
    index: &Bound<'_, PyAny>,
    revs: &Bound<'_, PyAny>,
    inclusive: bool,
    filteredrevs: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyRevisionSet> {
    let (revs, filtered) = (revs_input(revs)?, set_arg(filteredrevs)?);
    compute_set(index, |t| {
        ops::descendants(t, revs, inclusive, filtered.as_ref())
    })
}

/// `reachableroots2` of the C index, ascending.
#[pyfunction]
#[pyo3(signature = (index, minroot, heads, roots, includepath=false))]
fn reachableroots(
    index: &Bound<'_, PyAny>,
    minroot: i64,
    heads: &Bound<'_, PyAny>,
    roots: &Bound<'_, PyAny>,
    includepath: bool,
) -> PyResult<Vec<i32>> {
    reachable(index, minroot, heads, roots, includepath).map(|(revs, _)| ops::ints(revs))
}

/// `reachableroots` as a native set (the revset `x::y`); `nullrev` is never a member.
#[pyfunction]
#[pyo3(signature = (index, minroot, heads, roots, includepath=false))]
fn reachablerootsset(
    index: &Bound<'_, PyAny>,
    minroot: i64,
    heads: &Bound<'_, PyAny>,
    roots: &Bound<'_, PyAny>,
    includepath: bool,
) -> PyResult<PyRevisionSet> {
    let (revs, origins) = reachable(index, minroot, heads, roots, includepath)?;
    Ok(PyRevisionSet {
        set: Arc::new(revs.into_iter().collect()),
        origins,
    })
}

fn reachable(
    index: &Bound<'_, PyAny>,
    minroot: i64,
    heads: &Bound<'_, PyAny>,
    roots: &Bound<'_, PyAny>,
    includepath: bool,
) -> PyResult<(Vec<Revision>, Origins<Py<PyAny>>)> {
    let (heads, roots) = (revs_arg(heads)?, revs_arg(roots)?);
    computed(index, |t| {
        ops::reachable_roots(t, shared::bound(minroot), &heads, &roots, includepath)
    })
}

/// Heads of the common ancestors, descending (C's order); any number of inputs.
#[pyfunction]
#[pyo3(signature = (index, *revs))]
fn commonancestorsheads(index: &Bound<'_, PyAny>, revs: &Bound<'_, PyTuple>) -> PyResult<Vec<i32>> {
    let revs = revs_arg(revs.as_any())?;
    compute(index, |t| ops::common_ancestors_heads(t, &revs))
}

/// The deepest common ancestors (`ancestor.ancestors`), ascending.
#[pyfunction]
#[pyo3(signature = (index, *revs))]
fn ancestors(index: &Bound<'_, PyAny>, revs: &Bound<'_, PyTuple>) -> PyResult<Vec<i32>> {
    let revs = revs_arg(revs.as_any())?;
    compute(index, |t| ops::deepest_common_ancestors(t, &revs))
}

/// Whether `a` is an ancestor of `b` (`revlog.isancestorrev`).
#[pyfunction]
fn isancestor(index: &Bound<'_, PyAny>, a: i64, b: i64) -> PyResult<bool> {
    let py = index.py();
    let (a, b) = (
        shared::revision(a).map_err(|e| graph_error(py, e))?,
        shared::revision(b).map_err(|e| graph_error(py, e))?,
    );
    compute(index, |t| ops::is_ancestor(t, a, b))
}

/// Many is-ancestor questions at once, answered in parallel: is `a[i]` an ancestor
/// of `b[i]`? A list of bools, paired as `zip(a, b)`.
#[pyfunction]
fn isancestormany(
    index: &Bound<'_, PyAny>,
    a: &Bound<'_, PyAny>,
    b: &Bound<'_, PyAny>,
) -> PyResult<Vec<bool>> {
    let (a, b) = (revs_arg(a)?, revs_arg(b)?);
    compute(index, |t| ops::is_ancestor_many(t, a, b))
}

/// Set the threads of the parallel kernels (0: one per core; 1: sequential).
#[pyfunction]
fn setthreads(threads: usize) {
    parallel::set_threads(threads);
}

/// The threads parallel kernels use.
#[pyfunction]
fn threads() -> usize {
    parallel::threads()
}

/// Set the size (revisions or set members) from which kernels run in parallel.
#[pyfunction]
fn setthreshold(threshold: usize) {
    parallel::set_threshold(threshold);
}

/// The size from which kernels run in parallel.
#[pyfunction]
fn threshold() -> usize {
    parallel::threshold()
}

/// Every ancestor as a native set (`::revs`).
#[pyfunction]
#[pyo3(signature = (index, revs, stoprev=0, inclusive=true))]
fn ancestorsset(
    index: &Bound<'_, PyAny>,
    revs: &Bound<'_, PyAny>,
    stoprev: i64,
    inclusive: bool,
) -> PyResult<PyRevisionSet> {
    let revs = revs_arg(revs)?;
    compute_set(index, |t| {
        ops::ancestors_set(t, revs, shared::bound(stoprev), inclusive)
    })
}

/// The revset ancestor walk (`dag_util.revancestors`) as a native set: `revs`
/// included, first parents only with `followfirst`, optionally depth-limited.
#[pyfunction]
#[pyo3(signature = (index, revs, followfirst=false, startdepth=None, stopdepth=None))]
fn revancestors(
    index: &Bound<'_, PyAny>,
    revs: &Bound<'_, PyAny>,
    followfirst: bool,
    startdepth: Option<i64>,
    stopdepth: Option<i64>,
) -> PyResult<PyRevisionSet> {
    let revs = revs_arg(revs)?;
    compute_set(index, |t| {
        ops::revset_ancestors(t, revs, followfirst, startdepth, stopdepth)
    })
}

/// The revset descendant walk (`dag_util.revdescendants`) as a native set: `revs`
/// included, first parents only with `followfirst`, optionally depth-limited,
/// `filteredrevs` skipped.
#[pyfunction]
#[pyo3(signature = (index, revs, followfirst=false, startdepth=None, stopdepth=None, filteredrevs=None))]
fn revdescendants(
    index: &Bound<'_, PyAny>,
    revs: &Bound<'_, PyAny>,
    followfirst: bool,
    startdepth: Option<i64>,
    stopdepth: Option<i64>,
    filteredrevs: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyRevisionSet> {
    let (revs, filtered) = (revs_arg(revs)?, set_arg(filteredrevs)?);
    compute_set(index, |t| {
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

/// `::heads - ::common` as a native set (the revset `only()`).
#[pyfunction]
fn onlyset(
    index: &Bound<'_, PyAny>,
    heads: &Bound<'_, PyAny>,
    common: &Bound<'_, PyAny>,
) -> PyResult<PyRevisionSet> {
    let (heads, common) = (revs_arg(heads)?, revs_arg(common)?);
    compute_set(index, |t| ops::only(t, heads, common))
}

/// Why the C index can or cannot be read: `(status, abi)`.
#[pyfunction]
fn capsulestatus(py: Python<'_>) -> (String, Option<i32>) {
    // Ensure the C parsers are imported if they can be, so the capsule exists.
    let _ = c_index_type(py);
    // Safety: GIL held.
    match unsafe { capi_status() } {
        CapiStatus::Ready(_) => ("ready".into(), Some(crate::capsule::SUPPORTED_ABI)),
        CapiStatus::Missing => ("missing".into(), None),
        CapiStatus::UnsupportedAbi(abi) => ("unsupported-abi".into(), Some(abi)),
    }
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("BACKEND", "pyo3")?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("GraphError", py.get_type::<GraphError>())?;
    m.add_class::<AncestorsIterator>()?;
    m.add_class::<LazyAncestors>()?;
    m.add_class::<MissingAncestors>()?;
    m.add_class::<PyRevisionSet>()?;
    m.add_class::<RevisionSetIterator>()?;
    for f in [
        wrap_pyfunction!(headrevs, m)?,
        wrap_pyfunction!(headrevsall, m)?,
        wrap_pyfunction!(headrevssubset, m)?,
        wrap_pyfunction!(roots, m)?,
        wrap_pyfunction!(children, m)?,
        wrap_pyfunction!(descendants, m)?,
        wrap_pyfunction!(reachableroots, m)?,
        wrap_pyfunction!(reachablerootsset, m)?,
        wrap_pyfunction!(commonancestorsheads, m)?,
        wrap_pyfunction!(ancestors, m)?,
        wrap_pyfunction!(isancestor, m)?,
        wrap_pyfunction!(ancestorsset, m)?,
        wrap_pyfunction!(onlyset, m)?,
        wrap_pyfunction!(capsulestatus, m)?,
        wrap_pyfunction!(isancestormany, m)?,
        wrap_pyfunction!(revancestors, m)?,
        wrap_pyfunction!(revdescendants, m)?,
        wrap_pyfunction!(parents, m)?,
        wrap_pyfunction!(missingancestorsmany, m)?,
        wrap_pyfunction!(setthreads, m)?,
        wrap_pyfunction!(threads, m)?,
        wrap_pyfunction!(setthreshold, m)?,
        wrap_pyfunction!(threshold, m)?,
    ] {
        m.add_function(f)?;
    }
    Ok(())
}
