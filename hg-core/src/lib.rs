//! The native ancestry core of oxidag: Mercurial's DAG algorithms over a Rust-owned
//! parents table, with no Python and no `unsafe`.
//!
//! Modules in dependency order (each uses only those above it; `tests/layering.rs`
//! checks it):
//!
//! - [`revision`]: `Revision`, the null and working-directory revisions, `GraphError`.
//! - [`interrupt`]: how long computations are told to stop (Ctrl-C).
//! - [`bitset`]: [`RevisionSet`], revisions as bits in lazily allocated pages.
//! - [`reach`]: the reachability index (generations and trunk bounds).
//! - [`graph`]: the one-method [`Graph`] trait and first-parent views.
//! - [`parents_table`]: the [`ParentsTable`], which owns its reachability index.
//! - [`table_file`]: the on-disk form of a parents table (a persistent DAG cache).
//! - [`dagops`]: stateless set functions (heads, roots, descendants, `x::y`, ...).
//! - [`depth`]: depth-limited walks (`ancestors(x, depth=n)`, `x#generations`).
//! - [`common_ancestors`]: common-ancestor heads and deepest common ancestors.
//! - [`ancestors`]: stateful walkers (ancestors, lazy ancestors, missing ancestors).
//! - [`discovery`]: setdiscovery's sampling walk.
//! - [`parallel`]: rayon kernels for what splits, behind size thresholds; the one
//!   entry of the operations that split (heads, roots, parents, children, heads of
//!   the graph, set algebra, batches), each taking a [`parallel::Parallelism`].
//!
//! No module holds process-wide state: the thread pool is a value the caller passes.
//!
//! Every algorithm relies on parents being below their children (Mercurial's revision
//! numbering is topological) and returns `GraphError::ParentNotBelowChild` otherwise.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod ancestors;
pub mod bitset;
pub mod common_ancestors;
pub mod dagops;
pub mod depth;
pub mod discovery;
pub mod graph;
pub mod interrupt;
pub mod parallel;
pub mod parents_table;
pub mod reach;
pub mod revision;
pub mod table_file;
#[doc(hidden)]
pub mod testing;

pub use ancestors::{AncestorsIterator, LazyAncestors, MissingAncestors};
pub use bitset::RevisionSet;
pub use graph::{Follow, Followed, Graph};
pub use parents_table::ParentsTable;
pub use revision::{GraphError, Revision, NULL_REVISION, WORKING_DIRECTORY_REVISION};
