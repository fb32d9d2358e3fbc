//! What PyO3 gives its functions and classes and rust-cpython does not, for the
//! rust-cpython backend ([`crate::backend`]): functions with a docstring carrying their
//! text signature (`name(sig)\n--\n\n` in `ml_doc`, which CPython reads as
//! `__text_signature__`), `(index, *revs)` parsed as PyO3 parses it (rust-cpython's
//! parser has no `*args` after other parameters), classes with a docstring and text
//! signature in `tp_doc`, and `__all__`.

use std::ffi::CString;

use cpython::_detail::ffi;
use cpython::{
    exc, PyClone, PyDict, PyErr, PyModule, PyObject, PyResult, PyTuple, PyType, Python, ToPyObject,
};

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
            _slf: *mut cpython::_detail::ffi::PyObject,
            args: *mut cpython::_detail::ffi::PyObject,
            kwargs: *mut cpython::_detail::ffi::PyObject,
        ) -> *mut cpython::_detail::ffi::PyObject {
            // Safety: CPython calls this with the GIL held, `args` a tuple and
            // `kwargs` a dict or NULL, both borrowed for the call.
            unsafe {
                cpython::_detail::handle_callback(
                    stringify!($name),
                    cpython::_detail::PyObjectCallbackConverter,
                    |py| {
                        let $args: cpython::PyTuple =
                            cpython::PyObject::from_borrowed_ptr(py, args).unchecked_cast_into();
                        let $kwargs: Option<cpython::PyDict> = (!kwargs.is_null()).then(|| {
                            cpython::PyObject::from_borrowed_ptr(py, kwargs).unchecked_cast_into()
                        });
                        let _ = py;
                        $call(py)
                    },
                )
            }
        }
        let def = Box::leak(Box::new(cpython::_detail::ffi::PyMethodDef {
            ml_name: std::ffi::CString::new(stringify!($name))
                .expect("a name")
                .into_raw(),
            ml_meth: Some(
                // Safety: METH_VARARGS | METH_KEYWORDS functions have this signature.
                unsafe {
                    std::mem::transmute::<
                        cpython::_detail::ffi::PyCFunctionWithKeywords,
                        cpython::_detail::ffi::PyCFunction,
                    >(wrap)
                },
            ),
            ml_flags: cpython::_detail::ffi::METH_VARARGS | cpython::_detail::ffi::METH_KEYWORDS,
            ml_doc: std::ffi::CString::new($doc)
                .expect("a docstring")
                .into_raw(),
        }));
        // Safety: the GIL is held; `def` lives as long as the process.
        let function = unsafe {
            cpython::_detail::result_from_owned_ptr(
                $py,
                cpython::_detail::ffi::PyCFunction_NewEx(
                    def,
                    std::ptr::null_mut(),
                    std::ptr::null_mut(),
                ),
            )
        }?;
        // As PyO3's: module functions belong to the module.
        function.setattr($py, "__module__", "_native")?;
        function
    }};
}

pub(crate) use {python_function, python_literal, text_signature};

/// The arguments `(index, *revs)`, refused as PyO3 refuses them.
pub fn index_and_revs(
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

/// Add `value` as `name`, listed in `__all__` (as PyO3 does).
pub fn add(
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
pub fn set_class_doc(class: &PyType, doc: String) {
    let doc = CString::new(doc).expect("a docstring").into_raw();
    // Safety: the GIL is held, at module initialisation; rust-cpython's classes are
    // static types whose `__doc__` and `__text_signature__` CPython reads from
    // `tp_doc`, which they leave NULL. The string lives as long as the process.
    unsafe {
        (*class.as_type_ptr()).tp_doc = doc;
        ffi::PyType_Modified(class.as_type_ptr());
    }
}
