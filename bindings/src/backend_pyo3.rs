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
use crate::heads_replay::HeadsChange;
use crate::host::{ErrorKind, Host};
use crate::objects::{AncestorsIter, LazyData, MissingData, RevsArg, SetData, SetIter};
use hg_core::bitset::SetOp;

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
    crate::host_methods_alike!();

    fn is_c_index(self, obj: &Obj) -> bool {
        c_index_type(self).is_some_and(|t| {
            let (t, obj) = (t.bind(self), obj.bind(self));
            obj.get_type().is(t) || obj.get_type().is_subclass(t).unwrap_or(false)
        })
    }

    fn len_of(self, obj: &Obj) -> PyResult<usize> {
        obj.bind(self).len()
    }

    fn item_of(self, obj: &Obj, key: i64) -> PyResult<Obj> {
        obj.bind(self).get_item(key).map(Bound::unbind)
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

    fn load_c_index_type(self) {
        let _ = c_index_type(self);
    }
}

// --- arguments (see [`crate::arg_type!`]) ---------------------------------------

impl<'a, 'py> FromPyObject<'a, 'py> for RevsArg {
    type Error = PyErr;

    fn extract(obj: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        if let Ok(set) = obj.cast::<PyRevisionSet>() {
            return Ok(RevsArg::Native(set.get().0.clone_ref(obj.py())));
        }
        let ints = obj
            .try_iter()?
            .map(|item| item?.extract::<i64>())
            .collect::<PyResult<Vec<_>>>()?;
        Ok(RevsArg::Ints(ints))
    }
}

#[cfg(feature = "bench")]
impl<'a, 'py> FromPyObject<'a, 'py> for crate::objects::Queries {
    type Error = PyErr;

    fn extract(obj: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        let queries = obj
            .try_iter()?
            .map(|query| query?.extract::<(RevsArg, RevsArg)>())
            .collect::<PyResult<Vec<_>>>()?;
        Ok(crate::objects::Queries(queries))
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
crate::plain_results!(into_py_any);

impl ToPython for () {
    fn to_python(self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        Ok(py.None())
    }
}

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

/// One entry of the function table (see [`crate::native_functions!`]) as a PyO3
/// function, and their registration.
macro_rules! pyo3_function {
    (function $name:ident [$($doc:literal)*] ($($arg:ident : $kind:ident $(= $default:tt)?),*) $target:ident) => {
        $(#[doc = $doc])*
        #[pyfunction]
        #[pyo3(signature = ($($arg $(= $default)?),*))]
        #[allow(clippy::too_many_arguments)] // as many as the Python function has
        fn $name(py: Python<'_>, $($arg: crate::arg_type!($kind)),*) -> PyResult<Py<PyAny>> {
            api::$target(py, $($arg),*)?.to_python(py)
        }
    };
    (varargs $name:ident [$($doc:literal)*] $target:ident) => {
        $(#[doc = $doc])*
        #[pyfunction]
        #[pyo3(signature = (index, *revs))]
        fn $name(py: Python<'_>, index: Py<PyAny>, revs: &Bound<'_, PyTuple>) -> PyResult<Py<PyAny>> {
            api::$target(py, index, revs.extract::<Vec<i64>>()?)?.to_python(py)
        }
    };
    (register $add:ident $($name:ident)*) => {
        fn $add(m: &Bound<'_, PyModule>) -> PyResult<()> {
            $( m.add_function(wrap_pyfunction!($name, m)?)?; )*
            Ok(())
        }
    };
}

crate::native_functions!(pyo3_function);

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
        initrevs: RevsArg,
        stoprev: i64,
        inclusive: bool,
    ) -> PyResult<Self> {
        AncestorsIter::new(py, index, initrevs, stoprev, inclusive).map(Self)
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
        initrevs: RevsArg,
        stoprev: i64,
        inclusive: bool,
    ) -> PyResult<Self> {
        LazyData::new(py, index, initrevs, stoprev, inclusive).map(Self)
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
    fn new(py: Python<'_>, index: Py<PyAny>, bases: RevsArg) -> PyResult<Self> {
        MissingData::new(py, index, bases).map(Self)
    }

    #[doc = crate::doc!(hasbases)]
    fn hasbases(&self, py: Python<'_>) -> PyResult<bool> {
        self.0.has_bases(py)
    }

    #[doc = crate::doc!(addbases)]
    fn addbases(&self, py: Python<'_>, bases: RevsArg) -> PyResult<()> {
        self.0.add_bases(py, bases)
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
        let given = revs
            .iter()
            .map(|rev| rev.extract::<i64>())
            .collect::<PyResult<Vec<_>>>()?;
        for rev in self.0.remove_ancestors_from(py, given)? {
            revs.discard(rev)?;
        }
        Ok(())
    }

    #[doc = crate::doc!(missingancestors)]
    fn missingancestors(&self, py: Python<'_>, revs: RevsArg) -> PyResult<Vec<i32>> {
        self.0.missing_ancestors(py, revs)
    }
}

#[doc = crate::doc!(RevisionSet)]
#[pyclass(module = "_native", frozen, name = "RevisionSet")]
struct PyRevisionSet(SetData);

#[pymethods]
impl PyRevisionSet {
    #[new]
    #[pyo3(signature = (revs=None))]
    fn new(py: Python<'_>, revs: Option<RevsArg>) -> PyResult<Self> {
        SetData::new(py, revs).map(Self)
    }

    #[doc = crate::doc!(span)]
    #[staticmethod]
    #[pyo3(signature = (start, end, excluded=None))]
    fn span(py: Python<'_>, start: i64, end: i64, excluded: Option<RevsArg>) -> PyResult<Self> {
        SetData::span(py, start, end, excluded).map(Self)
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
    add_functions(m)?;
    #[cfg(feature = "bench")]
    add_bench_functions(m)?;
    Ok(())
}
