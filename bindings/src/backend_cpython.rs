//! The rust-cpython backend: [`Host`] for rust-cpython's `Python`, the extraction of
//! each argument kind, the conversion of each result, the expansion of the function
//! table ([`crate::native_functions!`]) and the classes, each method forwarding to
//! [`crate::objects`].
//!
//! What PyO3 does for us and rust-cpython does not is done here:
//! - a panic in code run without the GIL is carried back across `allow_threads`
//!   ([`Host::detach`]), so that the callback wrapper, which holds the GIL, turns it
//!   into `SystemError`;
//! - functions get their docstring and text signature (`name(sig)\n--\n\n` in
//!   `ml_doc`, which CPython reads as `__text_signature__`), as PyO3 gives them;
//!   classes get theirs in `tp_doc`;
//! - `(index, *revs)` is parsed by hand: rust-cpython's parser has no `*args` after
//!   other parameters.

// Lints firing inside rust-cpython 0.7's macros (pinned): `py_class!` puts its trait
// impls inside a function; `strip_raw!` (in `py_class!`) strips `r#` by hand.
#![allow(non_local_definitions, clippy::manual_strip)]

use std::ffi::CString;
use std::panic::{self, AssertUnwindSafe};
use std::sync::OnceLock;

use cpython::_detail::ffi;
use cpython::py_class::PythonObjectFromPyClassMacro;
use cpython::{
    exc, py_class, py_exception, py_module_initializer, CompareOp, ObjectProtocol, PyBytes,
    PyClone, PyDict, PyList, PyModule, PyObject, PyResult, PySet, PyTuple, PyType, Python,
    PythonObject, ToPyObject,
};
use hg_core::dagops::HeadsChange;
use hg_core::parallel::SetOp;
use hg_core::{GraphError as CoreError, Revision};

use crate::api::{self, ReplayedSet};
use crate::args::ErrorArgs;
use crate::capsule::{capi_status, CApi, CapiStatus, ParentsSink};
use crate::host::{ErrorKind, Host};
use crate::index::{self, IndexReader, LoadError};
use crate::objects::{AncestorsIter, LazyData, MissingData, RevsArg, SetData, SetIter};

/// See [`crate::Obj`].
pub type Obj = PyObject;
/// See [`crate::PyErr`].
pub type PyErr = cpython::PyErr;

py_exception!(_native, GraphError, exc::ValueError);

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

impl<'p> Host for Python<'p> {
    type Reader<'a>
        = PyIndex<'a, 'p>
    where
        Self: 'a;

    fn reader<'a>(self, index: &'a Obj) -> PyIndex<'a, 'p> {
        // The object's actual type (`PyObject_TypeCheck`), whatever `__class__` says.
        let is_c_index = c_index_type(self).is_some_and(|t| t.is_instance(self, index));
        // Safety: the GIL is held (we have a `Python` token).
        let capi = match (is_c_index, unsafe { capi_status() }) {
            (true, CapiStatus::Ready(capi)) => Some(capi),
            _ => None,
        };
        PyIndex {
            py: self,
            obj: index,
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
        obj.get_refcnt(self) == 1
    }

    fn detach<T: Send>(self, f: impl FnOnce() -> T + Send) -> T {
        // A panic is resumed once the GIL is held again (unwinding out of
        // `allow_threads` itself would leave the GIL released).
        match self.allow_threads(|| panic::catch_unwind(AssertUnwindSafe(f))) {
            Ok(value) => value,
            Err(payload) => panic::resume_unwind(payload),
        }
    }

    fn check_signals(self) -> Result<(), PyErr> {
        // Safety: the GIL is held.
        if unsafe { ffi::PyErr_CheckSignals() } < 0 {
            Err(PyErr::fetch(self))
        } else {
            Ok(())
        }
    }

    fn check_signals_detached() -> Result<(), PyErr> {
        let gil = Python::acquire_gil();
        gil.python().check_signals()
    }

    fn graph_error(self, args: ErrorArgs) -> PyErr {
        let mut items = vec![args.kind.to_py_object(self).into_object()];
        items.extend(
            args.values
                .iter()
                .map(|v| v.to_py_object(self).into_object()),
        );
        GraphError::new(self, PyTuple::new(self, &items))
    }

    fn error(self, kind: ErrorKind, message: &str) -> PyErr {
        match kind {
            ErrorKind::Runtime => PyErr::new::<exc::RuntimeError, _>(self, message),
            ErrorKind::Overflow => PyErr::new::<exc::OverflowError, _>(self, message),
            ErrorKind::Type => PyErr::new::<exc::TypeError, _>(self, message),
            ErrorKind::Value => PyErr::new::<exc::ValueError, _>(self, message),
            ErrorKind::KeyboardInterrupt => PyErr::new::<exc::KeyboardInterrupt, _>(self, message),
        }
    }

    fn call_with_message(self, callback: &Obj, message: &str) -> Result<(), PyErr> {
        callback.call(self, (message,), None).map(drop)
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
pub struct PyIndex<'a, 'p> {
    py: Python<'p>,
    obj: &'a PyObject,
    capi: Option<&'static CApi>,
}

impl IndexReader for PyIndex<'_, '_> {
    type Error = PyErr;

    fn len(&self) -> PyResult<u64> {
        match self.capi {
            // Safety: GIL held; `obj` is an instance of the C index type.
            Some(capi) => Ok(unsafe { capi.len(self.obj.as_ptr().cast()) } as u64),
            None => Ok(self.obj.len(self.py)? as u64),
        }
    }

    fn parents(&self, rev: i32) -> Result<[i32; 2], LoadError<PyErr>> {
        let py = self.py;
        match self.capi {
            // Safety: GIL held; `obj` is an instance of the C index type.
            Some(capi) => unsafe { capi.parents(self.obj.as_ptr().cast(), rev) }.map_err(|_| {
                // The C index refuses a parent beyond its end (ValueError): the same
                // corruption Python-level reading reports, as a graph error.
                drop(PyErr::fetch(py));
                LoadError::Graph(CoreError::ParentOutOfRange(Revision(rev)))
            }),
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
                    || drop(PyErr::fetch(self.py)),
                )
            },
            None => index::parents_one_by_one(self, start, end, sink),
        }
    }

    fn through_python(&self) -> bool {
        self.capi.is_none()
    }

    fn check_signals(&self) -> PyResult<()> {
        self.py.check_signals()
    }
}

// --- arguments ------------------------------------------------------------------

/// A `Revs` argument.
pub struct RevsIn(RevsArg);

impl<'s> cpython::FromPyObject<'s> for RevsIn {
    fn extract(py: Python, obj: &'s PyObject) -> PyResult<Self> {
        if let Ok(set) = obj.cast_as::<RevisionSet>(py) {
            return Ok(RevsIn(RevsArg::Native(set.data(py).clone_ref(py))));
        }
        let ints = obj
            .iter(py)?
            .map(|item| item?.extract::<i64>(py))
            .collect::<PyResult<Vec<_>>>()?;
        Ok(RevsIn(RevsArg::Ints(ints)))
    }
}

/// A `Queries` argument: `(heads, common)` pairs.
pub struct QueriesIn(Vec<(RevsArg, RevsArg)>);

impl<'s> cpython::FromPyObject<'s> for QueriesIn {
    fn extract(py: Python, obj: &'s PyObject) -> PyResult<Self> {
        let queries = obj
            .iter(py)?
            .map(|query| {
                let (heads, common): (RevsIn, RevsIn) = query?.extract(py)?;
                Ok((heads.0, common.0))
            })
            .collect::<PyResult<Vec<_>>>()?;
        Ok(QueriesIn(queries))
    }
}

/// Each argument kind's Rust type in this backend.
macro_rules! kind {
    (Index) => { PyObject };
    (Revs) => { RevsIn };
    (Filtered) => { Option<RevsIn> };
    (Queries) => { QueriesIn };
    (Int) => { i64 };
    (OptInt) => { Option<i64> };
    (Bool) => { bool };
    (Size) => { usize };
    (OptSize) => { Option<usize> };
    (Callable) => { Option<PyObject> };
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
    PyObject,
    Option<PyObject>,
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
    fn to_python(self, py: Python<'_>) -> PyResult<PyObject>;
}

macro_rules! to_py_object {
    ($($t:ty),*) => {
        $(impl ToPython for $t {
            fn to_python(self, py: Python<'_>) -> PyResult<PyObject> {
                Ok(self.to_py_object(py).into_object())
            }
        })*
    };
}
to_py_object!(
    Vec<i32>,
    Vec<bool>,
    bool,
    usize,
    (String, Option<i32>),
    (String, usize, String)
);

impl ToPython for () {
    fn to_python(self, py: Python<'_>) -> PyResult<PyObject> {
        Ok(py.None())
    }
}

impl ToPython for SetData {
    fn to_python(self, py: Python<'_>) -> PyResult<PyObject> {
        Ok(RevisionSet::create_instance(py, self)?.into_object())
    }
}

impl ToPython for Vec<SetData> {
    fn to_python(self, py: Python<'_>) -> PyResult<PyObject> {
        let sets = self
            .into_iter()
            .map(|set| set.to_python(py))
            .collect::<PyResult<Vec<_>>>()?;
        Ok(PyList::new(py, &sets).into_object())
    }
}

impl ToPython for api::Bytes {
    fn to_python(self, py: Python<'_>) -> PyResult<PyObject> {
        Ok(PyBytes::new(py, &self.0).into_object())
    }
}

impl ToPython for ReplayedSet {
    fn to_python(self, py: Python<'_>) -> PyResult<PyObject> {
        let heads = PySet::new(py, vec![self.start])?;
        for change in self.changes {
            match change {
                HeadsChange::Add(rev) => heads.add(py, rev.0)?,
                HeadsChange::Remove(rev) => heads.discard(py, rev.0)?,
            }
        }
        Ok(heads.into_object())
    }
}

// --- the functions --------------------------------------------------------------

/// A default value as Python writes it, for text signatures.
macro_rules! python_literal {
    (None) => {
        "None"
    };
    (true) => {
        "True"
    };
    (false) => {
        "False"
    };
    ($value:literal) => {
        stringify!($value)
    };
}

/// A parameter list as a text signature, `(a, b=None)`.
macro_rules! text_signature {
    ($($arg:ident $(= $default:tt)?),*) => {
        concat!("(", text_signature!(@join $($arg $(= $default)?),*), ")")
    };
    (@join) => { "" };
    (@join $arg:ident $(= $default:tt)?) => {
        concat!(stringify!($arg) $(, "=", python_literal!($default))?)
    };
    (@join $arg:ident $(= $default:tt)?, $($rest:tt)+) => {
        concat!(stringify!($arg) $(, "=", python_literal!($default))?, ", ", text_signature!(@join $($rest)+))
    };
}

/// A Python function calling `$call` (a function of this module taking `py` and the
/// parsed arguments), with a docstring that carries its text signature, as PyO3's do.
macro_rules! python_function {
    ($py:ident, $name:ident, $doc:expr, |$args:ident, $kwargs:ident| $call:expr) => {{
        unsafe extern "C" fn wrap(
            _slf: *mut ffi::PyObject,
            args: *mut ffi::PyObject,
            kwargs: *mut ffi::PyObject,
        ) -> *mut ffi::PyObject {
            // Safety: CPython calls this with the GIL held, `args` a tuple and
            // `kwargs` a dict or NULL, both borrowed for the call.
            unsafe {
                cpython::_detail::handle_callback(
                    stringify!($name),
                    cpython::_detail::PyObjectCallbackConverter,
                    |py| {
                        let $args: PyTuple =
                            PyObject::from_borrowed_ptr(py, args).unchecked_cast_into();
                        let $kwargs: Option<PyDict> = (!kwargs.is_null())
                            .then(|| PyObject::from_borrowed_ptr(py, kwargs).unchecked_cast_into());
                        let _ = py;
                        $call(py)
                    },
                )
            }
        }
        let def = Box::leak(Box::new(ffi::PyMethodDef {
            ml_name: CString::new(stringify!($name)).expect("a name").into_raw(),
            ml_meth: Some(
                // Safety: METH_VARARGS | METH_KEYWORDS functions have this signature.
                unsafe {
                    std::mem::transmute::<ffi::PyCFunctionWithKeywords, ffi::PyCFunction>(wrap)
                },
            ),
            ml_flags: ffi::METH_VARARGS | ffi::METH_KEYWORDS,
            ml_doc: CString::new($doc).expect("a docstring").into_raw(),
        }));
        // Safety: the GIL is held; `def` lives as long as the process.
        let function = unsafe {
            cpython::_detail::result_from_owned_ptr(
                $py,
                ffi::PyCFunction_NewEx(def, std::ptr::null_mut(), std::ptr::null_mut()),
            )
        }?;
        // As PyO3's: module functions belong to the module.
        function.setattr($py, "__module__", "_native")?;
        function
    }};
}

macro_rules! cpython_functions {
    (
        functions {
            $( $(#[doc = $doc:literal])*
               fn $name:ident ( $( $arg:ident : $kind:ident $(= $default:tt)? ),* ) = $target:ident ; )*
        }
        varargs {
            $( $(#[doc = $vdoc:literal])* fn $vname:ident = $vtarget:ident ; )*
        }
    ) => {
        fn add_functions(py: Python<'_>, m: &PyModule, all: &mut Vec<&'static str>) -> PyResult<()> {
            $(
                let doc = concat!(
                    stringify!($name), text_signature!($($arg $(= $default)?),*), "\n--\n\n",
                    $($doc, "\n",)*
                );
                let function = python_function!(py, $name, doc, |args, kwargs| |py: Python<'_>| {
                    cpython::py_argparse!(py, Some(stringify!($name)), &args, kwargs.as_ref(),
                        ($($arg: kind!($kind) $(= $default)?),*) {
                            // Optional parameters are extracted by inference: typed here.
                            $( let $arg: kind!($kind) = $arg; )*
                            api::$target(py, $($arg.into_arg()),*)?.to_python(py)
                        })
                });
                add(py, m, all, stringify!($name), function)?;
            )*
            $(
                let doc = concat!(stringify!($vname), "(index, *revs)\n--\n\n", $($vdoc, "\n",)*);
                let function = python_function!(py, $vname, doc, |args, kwargs| |py: Python<'_>| {
                    let (index, revs) = index_and_revs(py, stringify!($vname), &args, kwargs.as_ref())?;
                    api::$vtarget(py, index, revs)?.to_python(py)
                });
                add(py, m, all, stringify!($vname), function)?;
            )*
            Ok(())
        }
    };
}

crate::native_functions!(cpython_functions);

/// The arguments `(index, *revs)`, refused as PyO3 refuses them.
fn index_and_revs(
    py: Python<'_>,
    function: &str,
    args: &PyTuple,
    kwargs: Option<&PyDict>,
) -> PyResult<(PyObject, Vec<i64>)> {
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
    let revs = args
        .get(1..)
        .unwrap_or_default()
        .iter()
        .map(|rev| rev.extract::<i64>(py))
        .collect::<PyResult<Vec<_>>>()?;
    Ok((index, revs))
}

// --- the classes ----------------------------------------------------------------

py_class!(class AncestorsIterator |py| {
    data iter: AncestorsIter;

    def __new__(_cls, index: PyObject, initrevs: RevsIn, stoprev: i64 = 0, inclusive: bool = false) -> PyResult<AncestorsIterator> {
        let iter = AncestorsIter::new(py, index, initrevs.0, stoprev, inclusive)?;
        AncestorsIterator::create_instance(py, iter)
    }

    def __iter__(&self) -> PyResult<AncestorsIterator> {
        Ok(self.clone_ref(py))
    }

    def __next__(&self) -> PyResult<Option<i32>> {
        self.iter(py).next(py)
    }
});

py_class!(class LazyAncestors |py| {
    data lazy: LazyData;

    def __new__(_cls, index: PyObject, initrevs: RevsIn, stoprev: i64 = 0, inclusive: bool = false) -> PyResult<LazyAncestors> {
        let lazy = LazyData::new(py, index, initrevs.0, stoprev, inclusive)?;
        LazyAncestors::create_instance(py, lazy)
    }

    def __contains__(&self, target: PyObject) -> PyResult<bool> {
        self.lazy(py).contains(py, target.extract::<i64>(py).ok())
    }

    def __iter__(&self) -> PyResult<AncestorsIterator> {
        AncestorsIterator::create_instance(py, self.lazy(py).iter(py)?)
    }

    def __bool__(&self) -> PyResult<bool> {
        self.lazy(py).is_not_empty(py)
    }
});

py_class!(class MissingAncestors |py| {
    data missing: MissingData;

    def __new__(_cls, index: PyObject, bases: RevsIn) -> PyResult<MissingAncestors> {
        let missing = MissingData::new(py, index, bases.0)?;
        MissingAncestors::create_instance(py, missing)
    }

    #[doc = concat!("hasbases($self)\n--\n\n", crate::doc!(hasbases))]
    def hasbases(&self) -> PyResult<bool> {
        self.missing(py).has_bases(py)
    }

    #[doc = concat!("addbases($self, bases)\n--\n\n", crate::doc!(addbases))]
    def addbases(&self, bases: RevsIn) -> PyResult<PyObject> {
        self.missing(py).add_bases(py, bases.0)?;
        Ok(py.None())
    }

    #[doc = concat!("bases($self)\n--\n\n", crate::doc!(bases))]
    def bases(&self) -> PyResult<PySet> {
        PySet::new(py, self.missing(py).bases(py)?)
    }

    #[doc = concat!("basesheads($self)\n--\n\n", crate::doc!(basesheads))]
    def basesheads(&self) -> PyResult<PySet> {
        PySet::new(py, self.missing(py).bases_heads(py)?)
    }

    #[doc = concat!("removeancestorsfrom($self, revs)\n--\n\n", crate::doc!(removeancestorsfrom))]
    def removeancestorsfrom(&self, revs: PySet) -> PyResult<PyObject> {
        let given = revs
            .as_object()
            .iter(py)?
            .map(|rev| rev?.extract::<i64>(py))
            .collect::<PyResult<Vec<_>>>()?;
        for rev in self.missing(py).remove_ancestors_from(py, given)? {
            revs.discard(py, rev)?;
        }
        Ok(py.None())
    }

    #[doc = concat!("missingancestors($self, revs)\n--\n\n", crate::doc!(missingancestors))]
    def missingancestors(&self, revs: RevsIn) -> PyResult<Vec<i32>> {
        self.missing(py).missing_ancestors(py, revs.0)
    }
});

py_class!(class RevisionSet |py| {
    data data: SetData;

    def __new__(_cls, revs: Option<RevsIn> = None) -> PyResult<RevisionSet> {
        RevisionSet::create_instance(py, SetData::new(py, revs.map(|r| r.0))?)
    }

    #[doc = concat!("span(start, end, excluded=None)\n--\n\n", crate::doc!(span))]
    @staticmethod
    def span(start: i64, end: i64, excluded: Option<RevsIn> = None) -> PyResult<RevisionSet> {
        RevisionSet::create_instance(py, SetData::span(py, start, end, excluded.map(|r| r.0))?)
    }

    def __contains__(&self, rev: PyObject) -> PyResult<bool> {
        self.data(py).contains(py, rev.extract::<i64>(py).ok())
    }

    def __len__(&self) -> PyResult<usize> {
        self.data(py).len(py)
    }

    def __bool__(&self) -> PyResult<bool> {
        self.data(py).is_not_empty(py)
    }

    def __iter__(&self) -> PyResult<RevisionSetIterator> {
        RevisionSetIterator::create_instance(py, self.data(py).iter(py, false)?)
    }

    #[doc = concat!("descending($self)\n--\n\n", crate::doc!(descending))]
    def descending(&self) -> PyResult<RevisionSetIterator> {
        RevisionSetIterator::create_instance(py, self.data(py).iter(py, true)?)
    }

    #[doc = concat!("min($self)\n--\n\n", crate::doc!(min))]
    def min(&self) -> PyResult<Option<i32>> {
        self.data(py).min(py)
    }

    #[doc = concat!("max($self)\n--\n\n", crate::doc!(max))]
    def max(&self) -> PyResult<Option<i32>> {
        self.data(py).max(py)
    }

    #[doc = concat!("tolist($self, descending=False)\n--\n\n", crate::doc!(tolist))]
    def tolist(&self, descending: bool = false) -> PyResult<Vec<i32>> {
        self.data(py).to_list(py, descending)
    }

    #[doc = concat!("containsmany($self, revs)\n--\n\n", crate::doc!(containsmany))]
    def containsmany(&self, revs: PyObject) -> PyResult<Vec<bool>> {
        let probes = revs
            .iter(py)?
            .map(|r| Ok(r?.extract::<i64>(py).ok()))
            .collect::<PyResult<Vec<_>>>()?;
        self.data(py).contains_many(py, probes)
    }

    def __and__(lhs, rhs) -> PyResult<PyObject> {
        RevisionSet::combine(py, lhs, rhs, SetOp::Intersection)
    }

    def __or__(lhs, rhs) -> PyResult<PyObject> {
        RevisionSet::combine(py, lhs, rhs, SetOp::Union)
    }

    def __sub__(lhs, rhs) -> PyResult<PyObject> {
        RevisionSet::combine(py, lhs, rhs, SetOp::Difference)
    }

    // `__eq__` only, as in PyO3: `!=` is its negation, orderings are not supported.
    def __richcmp__(&self, other: PyObject, op: CompareOp) -> PyResult<PyObject> {
        let equal = match other.cast_as::<RevisionSet>(py) {
            Ok(other) => self.data(py).equals(py, other.data(py))?,
            Err(_) => false,
        };
        Ok(match op {
            CompareOp::Eq => equal.to_py_object(py).into_object(),
            CompareOp::Ne => (!equal).to_py_object(py).into_object(),
            _ => py.NotImplemented(),
        })
    }

    def __repr__(&self) -> PyResult<String> {
        Ok(self.data(py).repr())
    }
});

impl RevisionSet {
    /// Set algebra of two native sets; anything else gives `NotImplemented`
    /// (rust-cpython calls this slot for the reflected operation too, with the
    /// operands in order: both must be native sets).
    fn combine(py: Python<'_>, lhs: &PyObject, rhs: &PyObject, op: SetOp) -> PyResult<PyObject> {
        let (Ok(a), Ok(b)) = (
            lhs.cast_as::<RevisionSet>(py),
            rhs.cast_as::<RevisionSet>(py),
        ) else {
            return Ok(py.NotImplemented());
        };
        a.data(py).combine(py, b.data(py), op)?.to_python(py)
    }
}

py_class!(class RevisionSetIterator |py| {
    data iter: SetIter;

    def __iter__(&self) -> PyResult<RevisionSetIterator> {
        Ok(self.clone_ref(py))
    }

    def __next__(&self) -> PyResult<Option<i32>> {
        self.iter(py).next(py)
    }
});

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

/// Give a class its docstring and text signature (`tp_doc`), as PyO3's classes have.
fn set_class_doc(class: &PyType, doc: String) {
    let doc = CString::new(doc).expect("a docstring").into_raw();
    // Safety: the GIL is held, at module initialisation; rust-cpython's classes are
    // static types whose `__doc__` and `__text_signature__` CPython reads from
    // `tp_doc`, which they leave NULL. The string lives as long as the process.
    unsafe {
        (*class.as_type_ptr()).tp_doc = doc;
        ffi::PyType_Modified(class.as_type_ptr());
    }
}

fn module_init(py: Python<'_>, m: &PyModule) -> PyResult<()> {
    let mut all = Vec::new();
    m.add(py, "__doc__", "")?;
    add(py, m, &mut all, "BACKEND", "cpython")?;
    add(py, m, &mut all, "__version__", env!("CARGO_PKG_VERSION"))?;
    add(py, m, &mut all, "GraphError", py.get_type::<GraphError>())?;
    let classes = [
        (
            "AncestorsIterator",
            AncestorsIterator::initialize(py, Some("_native"))?,
            concat!(
                "AncestorsIterator(index, initrevs, stoprev=0, inclusive=False)\n--\n\n",
                crate::doc!(AncestorsIterator)
            ),
        ),
        (
            "LazyAncestors",
            LazyAncestors::initialize(py, Some("_native"))?,
            concat!(
                "LazyAncestors(index, initrevs, stoprev=0, inclusive=False)\n--\n\n",
                crate::doc!(LazyAncestors)
            ),
        ),
        (
            "MissingAncestors",
            MissingAncestors::initialize(py, Some("_native"))?,
            concat!(
                "MissingAncestors(index, bases)\n--\n\n",
                crate::doc!(MissingAncestors)
            ),
        ),
        (
            "RevisionSet",
            RevisionSet::initialize(py, Some("_native"))?,
            concat!("RevisionSet(revs=None)\n--\n\n", crate::doc!(RevisionSet)),
        ),
        (
            "RevisionSetIterator",
            RevisionSetIterator::initialize(py, Some("_native"))?,
            crate::doc!(RevisionSetIterator),
        ),
    ];
    for (name, class, doc) in classes {
        set_class_doc(&class, doc.to_owned());
        add(py, m, &mut all, name, class)?;
    }
    add_functions(py, m, &mut all)?;
    m.add(py, "__all__", all)
}

py_module_initializer!(_native, |py, m| {
    module_init(py, m)?;
    Ok(())
});
