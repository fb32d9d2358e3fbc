//! The Python module `_native`: hg-core for Mercurial, through exactly one backend per
//! build, chosen by Cargo feature: `pyo3` (PyO3) or `cpython` (rust-cpython). Both
//! expose the same classes, functions, arguments, docstrings and exceptions: the API is
//! described once ([`api`], [`objects`]) over what a backend provides ([`host::Host`]),
//! and each backend only converts.
//!
//! - [`host`]: what a backend provides (the GIL, errors, the few Python operations
//!   reading needs), the lock rule and re-entry guard, Ctrl-C during native work.
//! - [`capsule`]: Mercurial's C index through its capsule (the only `unsafe` reading).
//! - [`py_index`]: the index object Python passed, read through the capsule or Python.
//! - [`index`]: parents tables copied from an index, their identity and cache, and the
//!   truncations the extension reports.
//! - [`dagcache`]: the persistent DAG cache (a changelog's table kept in a file).
//! - [`args`]: what a Python argument may be, and the arguments of `GraphError`.
//! - [`pool`]: the process's thread pool and its settings.
//! - [`memory`]: huge-page advice for large tables.
//! - [`nodes`]: the revisions of many nodes at once (one scan instead of a node tree).
//! - [`ops`]: computations on tables, without Python.
//! - [`heads_replay`]: the Python set `revlog.heads(start, stop)` iterates, replayed.
//! - [`objects`]: the state and methods of the Python classes.
//! - [`api`]: the module's functions, described once as a table each backend expands.
//! - `backend_pyo3` / `backend_cpython`: conversion of arguments and results, the
//!   expansion of the function table, the classes (methods forward to [`objects`]);
//!   `cpython_shims`: what PyO3 provides and rust-cpython lacks.

#[cfg(all(feature = "pyo3", feature = "cpython"))]
compile_error!("choose one backend: build with feature `pyo3` or `cpython`, not both");
#[cfg(not(any(feature = "pyo3", feature = "cpython")))]
compile_error!("choose a backend: build with feature `pyo3` or `cpython`");

pub mod api;
pub mod args;
pub mod capsule;
pub mod dagcache;
pub mod heads_replay;
pub mod host;
pub mod index;
pub mod memory;
pub mod nodes;
pub mod objects;
pub mod ops;
pub mod pool;
pub mod py_index;

#[cfg(feature = "cpython")]
mod backend_cpython;
#[cfg(feature = "pyo3")]
mod backend_pyo3;
#[cfg(feature = "cpython")]
mod cpython_shims;

#[cfg(feature = "cpython")]
use backend_cpython as backend;
#[cfg(feature = "pyo3")]
use backend_pyo3 as backend;

/// An owned reference to a Python object, in the backend's type: kept in native objects
/// and caches, usable from any thread.
pub type Obj = backend::Obj;
/// A Python exception, in the backend's type.
pub type PyErr = backend::PyErr;
