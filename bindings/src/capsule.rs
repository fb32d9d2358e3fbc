//! Mercurial's C index, read through its capsule `mercurial.cext.parsers.revlog_CAPI`.
//!
//! Backend-neutral: the capsule is a C struct of function pointers taking the index
//! object as a raw pointer, so neither PyO3 nor rust-cpython is needed here. Every
//! function of the capsule needs the GIL (they may raise and allocate): callers hold
//! it, and no worker thread ever comes here.

use std::ffi::{c_char, c_int, c_void};
use std::sync::OnceLock;

/// The capsule's layout for ABI version 3 (`mercurial/cext/revlog.c`, 7.x).
#[repr(C)]
struct RevlogCapi {
    abi_version: c_int,
    index_length: unsafe extern "C" fn(*mut c_void) -> isize,
    index_node: unsafe extern "C" fn(*mut c_void, isize) -> *const c_char,
    fast_rank: unsafe extern "C" fn(*mut c_void, isize) -> c_int,
    index_parents: unsafe extern "C" fn(*mut c_void, c_int, *mut c_int) -> c_int,
}

/// The only capsule ABI this module reads; any other is refused (never guessed).
pub const SUPPORTED_ABI: i32 = 3;

extern "C" {
    fn PyCapsule_Import(name: *const c_char, no_block: c_int) -> *mut c_void;
    fn PyErr_Clear();
}

/// What importing the capsule found, once per process.
#[derive(Clone, Copy, Debug)]
pub enum CapiStatus {
    /// Usable: ABI version 3.
    Ready(&'static CApi),
    /// Mercurial's C extensions are not importable (pure-Python Mercurial).
    Missing,
    /// A capsule of another ABI version.
    UnsupportedAbi(i32),
}

/// A checked handle on the capsule.
#[derive(Debug)]
pub struct CApi {
    capi: *const c_void,
}

// Safety: the capsule points to a static C struct of function pointers that lives as
// long as the process; the functions themselves are only called with the GIL held.
unsafe impl Send for CApi {}
unsafe impl Sync for CApi {}

struct StatusCell(CapiStatus);
// Safety: as for `CApi`; `CapiStatus` only holds `&'static CApi` or plain values.
unsafe impl Send for StatusCell {}
unsafe impl Sync for StatusCell {}

static STATUS: OnceLock<StatusCell> = OnceLock::new();

/// Import the capsule (once) and check its ABI version.
///
/// # Safety
/// The caller holds the GIL.
pub unsafe fn capi_status() -> CapiStatus {
    STATUS
        .get_or_init(|| {
            // Safety: GIL held by the caller; the name is NUL-terminated.
            let ptr =
                unsafe { PyCapsule_Import(c"mercurial.cext.parsers.revlog_CAPI".as_ptr(), 0) };
            if ptr.is_null() {
                // Safety: GIL held; the failed import left an exception to drop.
                unsafe { PyErr_Clear() };
                return StatusCell(CapiStatus::Missing);
            }
            // Safety: a non-null capsule pointer points to the struct, whose first
            // member is the ABI version in every version of Mercurial.
            let abi = unsafe { (*(ptr as *const RevlogCapi)).abi_version };
            if abi != SUPPORTED_ABI {
                return StatusCell(CapiStatus::UnsupportedAbi(abi));
            }
            StatusCell(CapiStatus::Ready(Box::leak(Box::new(CApi { capi: ptr }))))
        })
        .0
}

/// The Python exception the capsule left set; the backend fetches it.
#[derive(Debug)]
pub struct PythonErrorSet;

impl CApi {
    #[inline]
    fn table(&self) -> &RevlogCapi {
        // Safety: checked non-null and of ABI version 3 in `capi_status`.
        unsafe { &*(self.capi as *const RevlogCapi) }
    }

    /// The number of revisions of `index`.
    ///
    /// # Safety
    /// GIL held; `index` is a live object of the C index type (`parsers.index`).
    pub unsafe fn len(&self, index: *mut c_void) -> usize {
        // Safety: per this function's contract.
        let len = unsafe { (self.table().index_length)(index) };
        len.max(0) as usize
    }

    /// The node of `rev`, `None` past the end.
    ///
    /// # Safety
    /// As for [`CApi::len`].
    pub unsafe fn node(&self, index: *mut c_void, rev: i32, node_len: usize) -> Option<Vec<u8>> {
        // Safety: per this function's contract.
        unsafe { self.node_slice(index, rev, node_len) }.map(<[u8]>::to_vec)
    }

    /// Whether the node of `rev` is `expected`, without copying it.
    ///
    /// # Safety
    /// As for [`CApi::len`].
    pub unsafe fn node_is(&self, index: *mut c_void, rev: i32, expected: &[u8]) -> bool {
        // Safety: per this function's contract.
        let node = unsafe { self.node_slice(index, rev, expected.len()) };
        node == Some(expected)
    }

    /// # Safety
    /// As for [`CApi::len`]; the slice must not outlive the index or a change to it.
    unsafe fn node_slice(&self, index: *mut c_void, rev: i32, node_len: usize) -> Option<&[u8]> {
        // Safety: per this function's contract; NULL is returned past the end.
        let ptr = unsafe { (self.table().index_node)(index, rev as isize) };
        if ptr.is_null() {
            None
        } else {
            // Safety: the C index hands out a pointer to the node's bytes, of the
            // node length of the revlog (20 or 32, and we read at most 20), alive
            // while the index is and unchanged.
            Some(unsafe { std::slice::from_raw_parts(ptr as *const u8, node_len) })
        }
    }

    /// The parents of `rev`; an error leaves a Python exception set (IndexError out
    /// of range, ValueError on corrupt data).
    ///
    /// # Safety
    /// As for [`CApi::len`].
    pub unsafe fn parents(&self, index: *mut c_void, rev: i32) -> Result<[i32; 2], PythonErrorSet> {
        let mut parents: [c_int; 2] = [-1, -1];
        // Safety: per this function's contract; `parents` has room for two ints.
        let status = unsafe { (self.table().index_parents)(index, rev, parents.as_mut_ptr()) };
        if status < 0 {
            Err(PythonErrorSet)
        } else {
            Ok(parents)
        }
    }
}
