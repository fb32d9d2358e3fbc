//! The PyO3 backend: [`Host`] for PyO3's `Python`, the extraction of each argument
//! kind, the conversion of each result, the expansion of the function table
//! ([`crate::native_functions!`]) and the classes, each method forwarding to
//! [`crate::objects`].

use pyo3::create_exception;
use pyo3::exceptions::{
    PyKeyboardInterrupt, PyOverflowError, PyRuntimeError, PyTypeError, PyValueError,
};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBytes, PyList, PySet, PyTuple, PyType};
use pyo3::IntoPyObjectExt;

use crate::api::{self, ReplayedSet};
use crate::args::ErrorArgs;
use crate::capsule::{capi_status, CApi, CapiStatus, ParentsSink};
use crate::host::{ErrorKind, Host};
use crate::index::{self, IndexReader, LoadError};
use crate::objects::{AncestorsIter, LazyData, MissingData, RevsArg, SetData, SetIter};
use hg_core::dagops::HeadsChange;
use hg_core::parallel::SetOp;
use hg_core::{GraphError as CoreError, Revision};

/// See [`crate::Obj`].
pub type Obj = Py<PyAny>;
/// See [`crate::PyErr`].
pub type PyErr = pyo3::PyErr;

create_exception!(_native, GraphError, PyValueError);

static C_INDEX_TYPE: PyOnceLock<Option<Py<PyType>>> = PyOnceLock::new();

fn c_index_type(py: Python<'_>) -> Option<&Py<PyType>> {
    C_INDEX_TYPE
        .get_or_init(py, || {
            let module = py.import("mercurial.cext.parsers").ok()?;
            let index = module.getattr("index").ok()?;
            index.cast_into::<PyType>().ok().map(Bound::unbind)
        })
        .as_ref()
}

impl<'py> Host for Python<'py> {
    type Reader<'a>
        = PyIndex<'a, 'py>
    where
        Self: 'a;

    fn reader<'a>(self, index: &'a Obj) -> PyIndex<'a, 'py> {
        let obj = index.bind(self);
        let is_c_index = c_index_type(self).is_some_and(|t| {
            // The real type, not `__class__`, which Python code can fake.
            let t = t.bind(self);
            obj.get_type().is(t) || obj.get_type().is_subclass(t).unwrap_or(false)
        });
        // Safety: the GIL is held (we have a `Python` token).
        let capi = match (is_c_index, unsafe { capi_status() }) {
            (true, CapiStatus::Ready(capi)) => Some(capi),
            _ => None,
        };
        PyIndex {
            obj: index.bind(self),
            capi,
        }
    }

    fn clone_ref(self, obj: &Obj) -> Obj {
        obj.clone_ref(self)
    }

    fn address(obj: &Obj) -> usize {
        obj.as_ptr() as usize
    }

    fn only_referent(self, obj: &Obj) -> bool {
        // Safety: `obj` is a live object (we hold a reference) and the GIL is held.
        unsafe { pyo3::ffi::Py_REFCNT(obj.as_ptr()) == 1 }
    }

    fn detach<T: Send>(self, f: impl FnOnce() -> T + Send) -> T {
        Python::detach(self, f)
    }

    fn check_signals(self) -> Result<(), PyErr> {
        Python::check_signals(self)
    }

    fn check_signals_detached() -> Result<(), PyErr> {
        Python::attach(|py| py.check_signals())
    }

    fn graph_error(self, args: ErrorArgs) -> PyErr {
        let mut items: Vec<Py<PyAny>> = vec![args.kind.into_py_any(self).expect("a str")];
        items.extend(
            args.values
                .iter()
                .map(|v| v.into_py_any(self).expect("an int")),
        );
        match PyTuple::new(self, items) {
            Ok(tuple) => GraphError::new_err(tuple.unbind()),
            Err(e) => e,
        }
    }

    fn error(self, kind: ErrorKind, message: &str) -> PyErr {
        let message = message.to_owned();
        match kind {
            ErrorKind::Runtime => PyRuntimeError::new_err(message),
            ErrorKind::Overflow => PyOverflowError::new_err(message),
            ErrorKind::Type => PyTypeError::new_err(message),
            ErrorKind::Value => PyValueError::new_err(message),
            ErrorKind::KeyboardInterrupt => PyKeyboardInterrupt::new_err(message),
        }
    }

    fn call_with_message(self, callback: &Obj, message: &str) -> Result<(), PyErr> {
        callback.call1(self, (message,)).map(drop)
    }

    fn capsule_status(self) -> (String, Option<i32>) {
        // Import the C parsers if they can be, so that the capsule exists.
        let _ = c_index_type(self);
        // Safety: the GIL is held.
        match unsafe { capi_status() } {
            CapiStatus::Ready(_) => ("ready".into(), Some(crate::capsule::SUPPORTED_ABI)),
            CapiStatus::Missing => ("missing".into(), None),
            CapiStatus::UnsupportedAbi(abi) => ("unsupported-abi".into(), Some(abi)),
        }
    }
}

/// The object Python passed as `index`: the C index (read through the capsule) or
/// anything with `len()` and `index[rev]` giving `(p1, p2)` or an index entry.
pub struct PyIndex<'a, 'py> {
    obj: &'a Bound<'py, PyAny>,
    capi: Option<&'static CApi>,
}

impl IndexReader for PyIndex<'_, '_> {
    type Error = PyErr;

    fn len(&self) -> PyResult<u64> {
        match self.capi {
            // Safety: GIL held; `obj` is an instance of the C index type.
            Some(capi) => Ok(unsafe { capi.len(self.obj.as_ptr().cast()) } as u64),
            None => Ok(self.obj.len()? as u64),
        }
    }

    fn parents(&self, rev: i32) -> Result<[i32; 2], LoadError<PyErr>> {
        match self.capi {
            // Safety: GIL held; `obj` is an instance of the C index type.
            Some(capi) => unsafe { capi.parents(self.obj.as_ptr().cast(), rev) }.map_err(|_| {
                // The C index refuses a parent beyond its end (ValueError): the same
                // corruption Python-level reading reports, as a graph error.
                drop(PyErr::fetch(self.obj.py()));
                LoadError::Graph(CoreError::ParentOutOfRange(Revision(rev)))
            }),
            None => (|| -> PyResult<[i32; 2]> {
                let entry = self.obj.get_item(rev)?;
                let (first, second) = if entry.len()? == 2 { (0, 1) } else { (5, 6) };
                Ok([
                    entry.get_item(first)?.extract()?,
                    entry.get_item(second)?.extract()?,
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

    fn parents_range(
        &self,
        start: i32,
        end: i32,
        sink: &mut ParentsSink<'_, CoreError>,
    ) -> Result<(), LoadError<PyErr>> {
        match self.capi {
            // Safety: GIL held; `obj` is an instance of the C index type; callers
            // read within its length.
            Some(capi) => unsafe {
                index::parents_range_of_c_index(
                    capi,
                    self.obj.as_ptr().cast(),
                    start,
                    end,
                    sink,
                    || drop(PyErr::fetch(self.obj.py())),
                )
            },
            None => index::parents_one_by_one(self, start, end, sink),
        }
    }

    fn through_python(&self) -> bool {
        self.capi.is_none()
    }

    fn check_signals(&self) -> PyResult<()> {
        self.obj.py().check_signals()
    }
}

// --- arguments ------------------------------------------------------------------

/// A `Revs` argument.
pub struct RevsIn(RevsArg);

impl<'a, 'py> FromPyObject<'a, 'py> for RevsIn {
    type Error = PyErr;

    fn extract(obj: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        if let Ok(set) = obj.cast::<PyRevisionSet>() {
            return Ok(RevsIn(RevsArg::Native(set.get().0.clone_ref(obj.py()))));
        }
        let ints = obj
            .try_iter()?
            .map(|item| item?.extract::<i64>())
            .collect::<PyResult<Vec<_>>>()?;
        Ok(RevsIn(RevsArg::Ints(ints)))
    }
}

/// A `Queries` argument: `(heads, common)` pairs.
pub struct QueriesIn(Vec<(RevsArg, RevsArg)>);

impl<'a, 'py> FromPyObject<'a, 'py> for QueriesIn {
    type Error = PyErr;

    fn extract(obj: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        let queries = obj
            .try_iter()?
            .map(|query| {
                let (heads, common): (RevsIn, RevsIn) = query?.extract()?;
                Ok((heads.0, common.0))
            })
            .collect::<PyResult<Vec<_>>>()?;
        Ok(QueriesIn(queries))
    }
}

/// Each argument kind's Rust type in this backend.
macro_rules! kind {
    (Index) => { Py<PyAny> };
    (Revs) => { RevsIn };
    (Filtered) => { Option<RevsIn> };
    (Queries) => { QueriesIn };
    (Int) => { i64 };
    (OptInt) => { Option<i64> };
    (Bool) => { bool };
    (Size) => { usize };
    (OptSize) => { Option<usize> };
    (Callable) => { Option<Py<PyAny>> };
    (Text) => { String };
    (Bytes) => { Vec<u8> };
}

/// An extracted argument as [`crate::api`] takes it.
trait IntoArg {
    type Arg;
    fn into_arg(self) -> Self::Arg;
}

macro_rules! as_is {
    ($($t:ty),*) => {
        $(impl IntoArg for $t {
            type Arg = $t;
            fn into_arg(self) -> $t {
                self
            }
        })*
    };
}
as_is!(
    Py<PyAny>,
    Option<Py<PyAny>>,
    i64,
    Option<i64>,
    bool,
    usize,
    Option<usize>,
    String,
    Vec<u8>
);

impl IntoArg for RevsIn {
    type Arg = RevsArg;
    fn into_arg(self) -> RevsArg {
        self.0
    }
}

impl IntoArg for Option<RevsIn> {
    type Arg = Option<RevsArg>;
    fn into_arg(self) -> Option<RevsArg> {
        self.map(|r| r.0)
    }
}

impl IntoArg for QueriesIn {
    type Arg = Vec<(RevsArg, RevsArg)>;
    fn into_arg(self) -> Self::Arg {
        self.0
    }
}

// --- results --------------------------------------------------------------------

/// A result of [`crate::api`] as a Python object.
trait ToPython {
    fn to_python(self, py: Python<'_>) -> PyResult<Py<PyAny>>;
}

macro_rules! into_py_any {
    ($($t:ty),*) => {
        $(impl ToPython for $t {
            fn to_python(self, py: Python<'_>) -> PyResult<Py<PyAny>> {
                self.into_py_any(py)
            }
        })*
    };
}
into_py_any!(
    Vec<i32>,
    Vec<bool>,
    bool,
    usize,
    (),
    (String, Option<i32>),
    (String, usize, String)
);

impl ToPython for SetData {
    fn to_python(self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        Py::new(py, PyRevisionSet(self))?.into_py_any(py)
    }
}

impl ToPython for Vec<SetData> {
    fn to_python(self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let sets = self
            .into_iter()
            .map(|set| set.to_python(py))
            .collect::<PyResult<Vec<_>>>()?;
        PyList::new(py, sets)?.into_py_any(py)
    }
}

impl ToPython for api::Bytes {
    fn to_python(self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        PyBytes::new(py, &self.0).into_py_any(py)
    }
}

impl ToPython for ReplayedSet {
    fn to_python(self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let heads = PySet::new(py, [self.start])?;
        for change in self.changes {
            match change {
                HeadsChange::Add(rev) => heads.add(rev.0)?,
                HeadsChange::Remove(rev) => drop(heads.discard(rev.0)?),
            }
        }
        heads.into_py_any(py)
    }
}

// --- the functions --------------------------------------------------------------

macro_rules! pyo3_functions {
    (
        functions {
            $( $(#[doc = $doc:literal])*
               fn $name:ident ( $( $arg:ident : $kind:ident $(= $default:tt)? ),* ) = $target:ident ; )*
        }
        varargs {
            $( $(#[doc = $vdoc:literal])* fn $vname:ident = $vtarget:ident ; )*
        }
    ) => {
        $(
            $(#[doc = $doc])*
            #[pyfunction]
            #[pyo3(signature = ($($arg $(= $default)?),*))]
            #[allow(clippy::too_many_arguments)] // as many as the Python function has
            fn $name(py: Python<'_>, $($arg: kind!($kind)),*) -> PyResult<Py<PyAny>> {
                api::$target(py, $($arg.into_arg()),*)?.to_python(py)
            }
        )*
        $(
            $(#[doc = $vdoc])*
            #[pyfunction]
            #[pyo3(signature = (index, *revs))]
            fn $vname(py: Python<'_>, index: Py<PyAny>, revs: &Bound<'_, PyTuple>) -> PyResult<Py<PyAny>> {
                api::$vtarget(py, index, revs.extract::<Vec<i64>>()?)?.to_python(py)
            }
        )*
        fn add_functions(m: &Bound<'_, PyModule>) -> PyResult<()> {
            $( m.add_function(wrap_pyfunction!($name, m)?)?; )*
            $( m.add_function(wrap_pyfunction!($vname, m)?)?; )*
            Ok(())
        }
    };
}

crate::native_functions!(pyo3_functions);

// --- the classes ----------------------------------------------------------------

#[doc = crate::doc!(AncestorsIterator)]
#[pyclass(module = "_native", frozen, name = "AncestorsIterator")]
struct PyAncestorsIterator(AncestorsIter);

#[pymethods]
impl PyAncestorsIterator {
    #[new]
    #[pyo3(signature = (index, initrevs, stoprev=0, inclusive=false))]
    fn new(
        py: Python<'_>,
        index: Py<PyAny>,
        initrevs: RevsIn,
        stoprev: i64,
        inclusive: bool,
    ) -> PyResult<Self> {
        AncestorsIter::new(py, index, initrevs.0, stoprev, inclusive).map(Self)
    }

    fn __iter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    fn __next__(&self, py: Python<'_>) -> PyResult<Option<i32>> {
        self.0.next(py)
    }
}

#[doc = crate::doc!(LazyAncestors)]
#[pyclass(module = "_native", frozen, name = "LazyAncestors")]
struct PyLazyAncestors(LazyData);

#[pymethods]
impl PyLazyAncestors {
    #[new]
    #[pyo3(signature = (index, initrevs, stoprev=0, inclusive=false))]
    fn new(
        py: Python<'_>,
        index: Py<PyAny>,
        initrevs: RevsIn,
        stoprev: i64,
        inclusive: bool,
    ) -> PyResult<Self> {
        LazyData::new(py, index, initrevs.0, stoprev, inclusive).map(Self)
    }

    fn __contains__(&self, py: Python<'_>, target: &Bound<'_, PyAny>) -> PyResult<bool> {
        self.0.contains(py, target.extract::<i64>().ok())
    }

    fn __iter__(&self, py: Python<'_>) -> PyResult<PyAncestorsIterator> {
        self.0.iter(py).map(PyAncestorsIterator)
    }

    fn __bool__(&self, py: Python<'_>) -> PyResult<bool> {
        self.0.is_not_empty(py)
    }
}

#[doc = crate::doc!(MissingAncestors)]
#[pyclass(module = "_native", frozen, name = "MissingAncestors")]
struct PyMissingAncestors(MissingData);

#[pymethods]
impl PyMissingAncestors {
    #[new]
    fn new(py: Python<'_>, index: Py<PyAny>, bases: RevsIn) -> PyResult<Self> {
        MissingData::new(py, index, bases.0).map(Self)
    }

    #[doc = crate::doc!(hasbases)]
    fn hasbases(&self, py: Python<'_>) -> PyResult<bool> {
        self.0.has_bases(py)
    }

    #[doc = crate::doc!(addbases)]
    fn addbases(&self, py: Python<'_>, bases: RevsIn) -> PyResult<()> {
        self.0.add_bases(py, bases.0)
    }

    #[doc = crate::doc!(bases)]
    fn bases<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PySet>> {
        PySet::new(py, self.0.bases(py)?)
    }

    #[doc = crate::doc!(basesheads)]
    fn basesheads<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PySet>> {
        PySet::new(py, self.0.bases_heads(py)?)
    }

    #[doc = crate::doc!(removeancestorsfrom)]
    fn removeancestorsfrom(&self, py: Python<'_>, revs: &Bound<'_, PySet>) -> PyResult<()> {
        let given = revs.extract::<RevsIn>()?;
        let RevsArg::Ints(given) = given.0 else {
            unreachable!("a Python set is not a RevisionSet")
        };
        for rev in self.0.remove_ancestors_from(py, given)? {
            revs.discard(rev)?;
        }
        Ok(())
    }

    #[doc = crate::doc!(missingancestors)]
    fn missingancestors(&self, py: Python<'_>, revs: RevsIn) -> PyResult<Vec<i32>> {
        self.0.missing_ancestors(py, revs.0)
    }
}

#[doc = crate::doc!(RevisionSet)]
#[pyclass(module = "_native", frozen, name = "RevisionSet")]
struct PyRevisionSet(SetData);

#[pymethods]
impl PyRevisionSet {
    #[new]
    #[pyo3(signature = (revs=None))]
    fn new(py: Python<'_>, revs: Option<RevsIn>) -> PyResult<Self> {
        SetData::new(py, revs.map(|r| r.0)).map(Self)
    }

    #[doc = crate::doc!(span)]
    #[staticmethod]
    #[pyo3(signature = (start, end, excluded=None))]
    fn span(py: Python<'_>, start: i64, end: i64, excluded: Option<RevsIn>) -> PyResult<Self> {
        SetData::span(py, start, end, excluded.map(|r| r.0)).map(Self)
    }

    fn __contains__(&self, py: Python<'_>, rev: &Bound<'_, PyAny>) -> PyResult<bool> {
        self.0.contains(py, rev.extract::<i64>().ok())
    }

    fn __len__(&self, py: Python<'_>) -> PyResult<usize> {
        self.0.len(py)
    }

    fn __bool__(&self, py: Python<'_>) -> PyResult<bool> {
        self.0.is_not_empty(py)
    }

    fn __iter__(&self, py: Python<'_>) -> PyResult<PyRevisionSetIterator> {
        self.0.iter(py, false).map(PyRevisionSetIterator)
    }

    #[doc = crate::doc!(descending)]
    fn descending(&self, py: Python<'_>) -> PyResult<PyRevisionSetIterator> {
        self.0.iter(py, true).map(PyRevisionSetIterator)
    }

    #[doc = crate::doc!(min)]
    fn min(&self, py: Python<'_>) -> PyResult<Option<i32>> {
        self.0.min(py)
    }

    #[doc = crate::doc!(max)]
    fn max(&self, py: Python<'_>) -> PyResult<Option<i32>> {
        self.0.max(py)
    }

    #[doc = crate::doc!(tolist)]
    #[pyo3(signature = (descending=false))]
    fn tolist(&self, py: Python<'_>, descending: bool) -> PyResult<Vec<i32>> {
        self.0.to_list(py, descending)
    }

    #[doc = crate::doc!(containsmany)]
    fn containsmany(&self, py: Python<'_>, revs: &Bound<'_, PyAny>) -> PyResult<Vec<bool>> {
        let probes = revs
            .try_iter()?
            .map(|r| Ok(r?.extract::<i64>().ok()))
            .collect::<PyResult<Vec<_>>>()?;
        self.0.contains_many(py, probes)
    }

    fn __and__(&self, py: Python<'_>, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        self.combine(py, other, SetOp::Intersection)
    }

    fn __or__(&self, py: Python<'_>, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        self.combine(py, other, SetOp::Union)
    }

    fn __sub__(&self, py: Python<'_>, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        self.combine(py, other, SetOp::Difference)
    }

    fn __eq__(&self, py: Python<'_>, other: &Bound<'_, PyAny>) -> PyResult<bool> {
        match other.cast::<PyRevisionSet>() {
            Ok(other) => self.0.equals(py, &other.get().0),
            Err(_) => Ok(false),
        }
    }

    fn __repr__(&self) -> String {
        self.0.repr()
    }
}

impl PyRevisionSet {
    /// Set algebra with another native set; anything else gives `NotImplemented` (so
    /// Python tries the reflected operation).
    fn combine(&self, py: Python<'_>, other: &Bound<'_, PyAny>, op: SetOp) -> PyResult<Py<PyAny>> {
        match other.cast::<PyRevisionSet>() {
            Ok(other) => self.0.combine(py, &other.get().0, op)?.to_python(py),
            Err(_) => Ok(py.NotImplemented()),
        }
    }
}

#[doc = crate::doc!(RevisionSetIterator)]
#[pyclass(module = "_native", frozen, name = "RevisionSetIterator")]
struct PyRevisionSetIterator(SetIter);

#[pymethods]
impl PyRevisionSetIterator {
    fn __iter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    fn __next__(&self, py: Python<'_>) -> PyResult<Option<i32>> {
        self.0.next(py)
    }
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("BACKEND", "pyo3")?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("GraphError", py.get_type::<GraphError>())?;
    m.add_class::<PyAncestorsIterator>()?;
    m.add_class::<PyLazyAncestors>()?;
    m.add_class::<PyMissingAncestors>()?;
    m.add_class::<PyRevisionSet>()?;
    m.add_class::<PyRevisionSetIterator>()?;
    add_functions(m)
}
