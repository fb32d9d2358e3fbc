//! The Python module `_native`: hg-core for Mercurial, through exactly one backend per
//! build, chosen by Cargo feature: `pyo3` (PyO3) or `cpython` (rust-cpython). Both
//! expose the same classes, functions, arguments and exceptions.
//!
//! - [`capsule`]: Mercurial's C index through its capsule (the only `unsafe` reading).
//! - [`shared`]: table loading and caching, staleness checks, argument and error rules.
//! - [`ops`]: object states and bulk operations, without Python.
//! - `backend_pyo3` / `backend_cpython`: conversion, errors and GIL release only.

#[cfg(all(feature = "pyo3", feature = "cpython"))]
compile_error!("choose one backend: build with feature `pyo3` or `cpython`, not both");
#[cfg(not(any(feature = "pyo3", feature = "cpython")))]
compile_error!("choose a backend: build with feature `pyo3` or `cpython`");

pub mod capsule;
pub mod ops;
pub mod shared;

#[cfg(feature = "cpython")]
mod backend_cpython;
#[cfg(feature = "pyo3")]
mod backend_pyo3;
