//! The native ancestry core of oxidag: Mercurial's DAG algorithms over a Rust-owned
//! parents table, with no Python and no `unsafe`.
//!
//! - [`revision`]: `Revision`, the null and working-directory revisions, `GraphError`.
//! - [`graph`]: the one-method [`Graph`] trait and the [`ParentsTable`].
//! - [`bitset`]: [`RevisionSet`], revisions as bits in lazily allocated pages.
//! - [`ancestors`]: stateful walkers (ancestors, lazy ancestors, missing ancestors).
//! - [`dagops`]: stateless set functions (heads, roots, descendants, `x::y`, gca, ...).
//! - [`discovery`]: setdiscovery's sampling walk.
//! - [`reach`]: the reachability index (generations, tree-chain jumps, merges).
//! - [`parallel`]: rayon kernels for what splits, behind size thresholds.
//! - [`interrupt`]: how long computations are told to stop (Ctrl-C).
//! - [`table_file`]: the on-disk form of a parents table (a persistent DAG cache).
//!
//! Every algorithm relies on parents being below their children (Mercurial's revision
//! numbering is topological) and returns `GraphError::ParentNotBelowChild` otherwise.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod ancestors;
pub mod bitset;
pub mod dagops;
pub mod discovery;
pub mod graph;
pub mod interrupt;
pub mod parallel;
pub mod reach;
pub mod revision;
pub mod table_file;
#[doc(hidden)]
pub mod testing;

pub use ancestors::{AncestorsIterator, LazyAncestors, MissingAncestors};
pub use bitset::RevisionSet;
pub use graph::{Follow, Followed, Graph, ParentsTable};
pub use revision::{GraphError, Revision, NULL_REVISION, WORKING_DIRECTORY_REVISION};
