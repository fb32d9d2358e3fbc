//! The rust-cpython backend: [`Host`] for rust-cpython's `Python`, the extraction of
//! each argument kind, the conversion of each result, the expansion of the function
//! table ([`crate::native_functions!`]) and the classes, each method forwarding to
//! [`crate::objects`].
//!
//! What PyO3 does for us and rust-cpython does not is done here (a panic in code run
//! without the GIL is carried back across `allow_threads`, [`Host::detach`], so that
//! the callback wrapper, which holds the GIL, turns it into `SystemError`) and in
//! [`crate::cpython_shims`] (text signatures, `*args`, class docstrings).

// Lints firing inside rust-cpython 0.7's macros (pinned): `py_class!` puts its trait
// impls inside a function; `strip_raw!` (in `py_class!`) strips `r#` by hand.
#![allow(non_local_definitions, clippy::manual_strip)]

use std::panic::{self, AssertUnwindSafe};
use std::sync::OnceLock;

use crate::heads_replay::HeadsChange;
use cpython::_detail::ffi;
use cpython::py_class::PythonObjectFromPyClassMacro;
use cpython::{
    exc, py_class, py_exception, py_module_initializer, CompareOp, ObjectProtocol, PyBytes,
    PyClone, PyList, PyModule, PyObject, PyResult, PySet, PyTuple, PyType, Python, PythonObject,
    ToPyObject,
};
use hg_core::bitset::SetOp;

use crate::api::{self, ReplayedSet};
use crate::args::ErrorArgs;
use crate::host::{ErrorKind, Host};
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
    crate::host_methods_alike!();

    fn is_c_index(self, obj: &Obj) -> bool {
        // The object's actual type (`PyObject_TypeCheck`), whatever `__class__` says.
        c_index_type(self).is_some_and(|t| t.is_instance(self, obj))
    }

    fn len_of(self, obj: &Obj) -> PyResult<usize> {
        obj.len(self)
    }

    fn item_of(self, obj: &Obj, key: i64) -> PyResult<Obj> {
        obj.get_item(self, key)
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

    fn load_c_index_type(self) {
        let _ = c_index_type(self);
    }
}

// --- arguments (see [`crate::arg_type!`]) ---------------------------------------

impl<'s> cpython::FromPyObject<'s> for RevsArg {
    fn extract(py: Python, obj: &'s PyObject) -> PyResult<Self> {
        if let Ok(set) = obj.cast_as::<RevisionSet>(py) {
            return Ok(RevsArg::Native(set.data(py).clone_ref(py)));
        }
        let ints = obj
            .iter(py)?
            .map(|item| item?.extract::<i64>(py))
            .collect::<PyResult<Vec<_>>>()?;
        Ok(RevsArg::Ints(ints))
    }
}

#[cfg(feature = "bench")]
impl<'s> cpython::FromPyObject<'s> for crate::objects::Queries {
    fn extract(py: Python, obj: &'s PyObject) -> PyResult<Self> {
        let queries = obj
            .iter(py)?
            .map(|query| query?.extract::<(RevsArg, RevsArg)>(py))
            .collect::<PyResult<Vec<_>>>()?;
        Ok(crate::objects::Queries(queries))
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
crate::plain_results!(to_py_object);

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

use crate::cpython_shims::{
    add, index_and_revs, python_function, python_literal, set_class_doc, text_signature,
};

/// One entry of the function table (see [`crate::native_functions!`]) as a function
/// adding it to the module, and the function adding them all.
macro_rules! cpython_function {
    (function $name:ident [$($doc:literal)*] ($($arg:ident : $kind:ident $(= $default:tt)?),*) $target:ident) => {
        fn $name(py: Python<'_>, m: &PyModule, all: &mut Vec<&'static str>) -> PyResult<()> {
            let doc = concat!(
                stringify!($name), text_signature!($($arg $(= $default)?),*), "\n--\n\n",
                $($doc, "\n",)*
            );
            let function = python_function!(py, $name, doc, |args, kwargs| |py: Python<'_>| {
                cpython::py_argparse!(py, Some(stringify!($name)), &args, kwargs.as_ref(),
                    ($($arg: crate::arg_type!($kind) $(= $default)?),*) {
                        // Optional parameters are extracted by inference: typed here.
                        $( let $arg: crate::arg_type!($kind) = $arg; )*
                        api::$target(py, $($arg),*)?.to_python(py)
                    })
            });
            add(py, m, all, stringify!($name), function)
        }
    };
    (varargs $name:ident [$($doc:literal)*] $target:ident) => {
        fn $name(py: Python<'_>, m: &PyModule, all: &mut Vec<&'static str>) -> PyResult<()> {
            let doc = concat!(stringify!($name), "(index, *revs)\n--\n\n", $($doc, "\n",)*);
            let function = python_function!(py, $name, doc, |args, kwargs| |py: Python<'_>| {
                let (index, revs) = index_and_revs(py, stringify!($name), &args, kwargs.as_ref())?;
                api::$target(py, index, revs)?.to_python(py)
            });
            add(py, m, all, stringify!($name), function)
        }
    };
    (register $add:ident $($name:ident)*) => {
        fn $add(py: Python<'_>, m: &PyModule, all: &mut Vec<&'static str>) -> PyResult<()> {
            $( $name(py, m, all)?; )*
            Ok(())
        }
    };
}

crate::native_functions!(cpython_function);

// --- the classes ----------------------------------------------------------------

py_class!(class AncestorsIterator |py| {
    data iter: AncestorsIter;

    def __new__(_cls, index: PyObject, initrevs: RevsArg, stoprev: i64 = 0, inclusive: bool = false) -> PyResult<AncestorsIterator> {
        let iter = AncestorsIter::new(py, index, initrevs, stoprev, inclusive)?;
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

    def __new__(_cls, index: PyObject, initrevs: RevsArg, stoprev: i64 = 0, inclusive: bool = false) -> PyResult<LazyAncestors> {
        let lazy = LazyData::new(py, index, initrevs, stoprev, inclusive)?;
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

    def __new__(_cls, index: PyObject, bases: RevsArg) -> PyResult<MissingAncestors> {
        let missing = MissingData::new(py, index, bases)?;
        MissingAncestors::create_instance(py, missing)
    }

    #[doc = concat!("hasbases($self)\n--\n\n", crate::doc!(hasbases))]
    def hasbases(&self) -> PyResult<bool> {
        self.missing(py).has_bases(py)
    }

    #[doc = concat!("addbases($self, bases)\n--\n\n", crate::doc!(addbases))]
    def addbases(&self, bases: RevsArg) -> PyResult<PyObject> {
        self.missing(py).add_bases(py, bases)?;
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
    def missingancestors(&self, revs: RevsArg) -> PyResult<Vec<i32>> {
        self.missing(py).missing_ancestors(py, revs)
    }
});

py_class!(class RevisionSet |py| {
    data data: SetData;

    def __new__(_cls, revs: Option<RevsArg> = None) -> PyResult<RevisionSet> {
        RevisionSet::create_instance(py, SetData::new(py, revs)?)
    }

    #[doc = concat!("span(start, end, excluded=None)\n--\n\n", crate::doc!(span))]
    @staticmethod
    def span(start: i64, end: i64, excluded: Option<RevsArg> = None) -> PyResult<RevisionSet> {
        RevisionSet::create_instance(py, SetData::span(py, start, end, excluded)?)
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
    #[cfg(feature = "bench")]
    add_bench_functions(py, m, &mut all)?;
    m.add(py, "__all__", all)
}

py_module_initializer!(_native, |py, m| {
    module_init(py, m)?;
    Ok(())
});
