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

/// The size of a revlog-v1 index record, the only layout read directly.
const V1_ENTRY_SIZE: isize = 64;

/// Revisions handed over at once by [`CApi::parents_range`]: large enough to keep
/// the per-call cost negligible, small enough to stay in cache.
const CHUNK: usize = 1 << 14;

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

/// What receives parents read in bulk: chunks of consecutive revisions, with the
/// first one's number; an error stops the read.
pub type ParentsSink<'a, E> = dyn FnMut(i32, &[[i32; 2]]) -> Result<(), E> + 'a;

/// Why [`CApi::parents_range`] stopped.
#[derive(Debug)]
pub enum RangeError<E> {
    /// The index raised reading the parents of this revision.
    Python(i32, PythonErrorSet),
    /// The sink refused.
    Sink(E),
}

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

    /// The 20-byte nodes of revisions `end - 1` down to 0 handed to `visit` in place,
    /// until it returns false or a revision has none: read straight from the records
    /// where [`CApi::parents_range`]'s layout is confirmed (a scan of a million
    /// revisions is then bound by memory, not calls), through `index_node` elsewhere.
    ///
    /// # Safety
    /// As for [`CApi::len`]; `end <= len(index)`; `visit` must not change the index
    /// (it runs no Python code).
    pub unsafe fn nodes_down(
        &self,
        index: *mut c_void,
        end: i32,
        visit: &mut impl FnMut(i32, &[u8]) -> bool,
    ) {
        // Safety: per this function's contract.
        let (direct_end, stride) = unsafe { self.direct_span(index, 0, end) };
        for rev in (direct_end.max(0)..end).rev() {
            // Safety: per this function's contract.
            match unsafe { self.node_slice(index, rev, 20) } {
                Some(node) if visit(rev, node) => {}
                _ => return,
            }
        }
        if direct_end <= 0 {
            return;
        }
        // Safety: `direct_span` confirmed a record at `first + rev * stride` for every
        // rev in `0..direct_end`, its node 20 bytes long, within one live buffer.
        let first = unsafe { (self.table().index_node)(index, 0) } as *const u8;
        for rev in (0..direct_end).rev() {
            // Safety: see above.
            let node =
                unsafe { std::slice::from_raw_parts(first.offset(rev as isize * stride), 20) };
            if !visit(rev, node) {
                return;
            }
        }
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

    /// The parents of revisions `start..end` appended to `out`, read straight from
    /// the index's records where their layout is confirmed, through
    /// [`CApi::parents`] elsewhere: the same values, an order of magnitude faster
    /// (the first native call of a process reads every revision).
    ///
    /// Layout: in every revlog format Mercurial's C index reads (v1, v2,
    /// changelog-v2), a record holds the first and second parents as big-endian
    /// `i32` in the 8 bytes before the node, and the records of the revisions read
    /// from disk lie one after the other in one buffer the index keeps alive (an
    /// inline revlog interleaves data, revisions added in memory live in another
    /// buffer). The node pointers `index_node` gives tell where records are: where
    /// they are at `first + rev * 64` (revlog-v1's record size; checked at both ends
    /// of the span, at every power of two and at points spread in between, and the
    /// parents read there checked against `index_parents`), the span is read
    /// directly; the rest, and everything when a check fails, through
    /// `index_parents`.
    ///
    /// # Safety
    /// As for [`CApi::len`]; `end <= len(index)`. The GIL stays held throughout: the
    /// index cannot change meanwhile.
    pub unsafe fn parents_range<E>(
        &self,
        index: *mut c_void,
        start: i32,
        end: i32,
        sink: &mut ParentsSink<'_, E>,
    ) -> Result<(), RangeError<E>> {
        let mut chunk = Vec::with_capacity(((end - start).max(0) as usize).min(CHUNK));
        // Safety: per this function's contract.
        let (direct_end, stride) = unsafe { self.direct_span(index, start, end) };
        let mut from = start;
        if direct_end > start {
            // Safety: `direct_span` confirmed a record at `first + (rev - start) *
            // stride` for every rev in `start..direct_end`, the node 20 bytes long and
            // the parents in the 8 bytes before it, within one live buffer.
            let first = unsafe { (self.table().index_node)(index, start as isize) } as *const u8;
            for rev in start..direct_end {
                let node = unsafe { first.offset((rev - start) as isize * stride) };
                let read = |at: usize| {
                    // Safety: see above; `at` is 8 or 4.
                    let bytes = unsafe { std::ptr::read_unaligned(node.sub(at) as *const [u8; 4]) };
                    i32::from_be_bytes(bytes)
                };
                chunk.push([read(8), read(4)]);
                if chunk.len() == CHUNK {
                    sink(from, &chunk).map_err(RangeError::Sink)?;
                    from += chunk.len() as i32;
                    chunk.clear();
                }
            }
        }
        for rev in direct_end.max(start)..end {
            // Safety: per this function's contract.
            let parents =
                unsafe { self.parents(index, rev) }.map_err(|e| RangeError::Python(rev, e))?;
            chunk.push(parents);
            if chunk.len() == CHUNK {
                sink(from, &chunk).map_err(RangeError::Sink)?;
                from += chunk.len() as i32;
                chunk.clear();
            }
        }
        if !chunk.is_empty() {
            sink(from, &chunk).map_err(RangeError::Sink)?;
        }
        Ok(())
    }

    /// The distance between the node pointers of `rev` and `rev + 1` (0 if either
    /// has none).
    ///
    /// # Safety
    /// As for [`CApi::len`].
    unsafe fn stride(&self, index: *mut c_void, rev: i32) -> isize {
        // Safety: per this function's contract; NULL past the end.
        let (a, b) = unsafe {
            (
                (self.table().index_node)(index, rev as isize),
                (self.table().index_node)(index, rev as isize + 1),
            )
        };
        if a.is_null() || b.is_null() {
            0
        } else {
            (b as isize).wrapping_sub(a as isize)
        }
    }

    /// The end of the span from `start` whose records are confirmed at a fixed stride
    /// (see [`CApi::parents_range`]), and the stride; `start` when none is.
    ///
    /// # Safety
    /// As for [`CApi::len`]; `end <= len(index)`.
    unsafe fn direct_span(&self, index: *mut c_void, start: i32, end: i32) -> (i32, isize) {
        // Safety: per this function's contract.
        let stride = unsafe { self.stride(index, start) };
        // Only revlog-v1 records (64 bytes). An inline revlog interleaves each record
        // with its data; with a 64-byte stride its first data is empty, and as data
        // lengths are never negative, a record that is not at the stride pushes every
        // later one further away: the stride holds exactly on a prefix, which the
        // search below finds. (A 96-byte stride could be an inline revlog of 32-byte
        // data whose shifts cancel out between checked points: not read directly.)
        if end - start < 2 || stride != V1_ENTRY_SIZE {
            return (start, stride);
        }
        let node_of = |rev: i32| {
            // Safety: per this function's contract; NULL past the end.
            unsafe { (self.table().index_node)(index, rev as isize) }
        };
        let first = node_of(start) as isize;
        let at_stride = |rev: i32| {
            let node = node_of(rev);
            !node.is_null() && node as isize == first.wrapping_add((rev - start) as isize * stride)
        };
        // Revisions added in memory, if any, follow those read from disk, in another
        // buffer: the stride holds on a prefix; find where it stops.
        let (mut good, mut bad) = (start, end);
        if at_stride(end - 1) {
            good = end - 1;
        } else {
            bad = end - 1;
        }
        while bad - good > 1 {
            let mid = good + (bad - good) / 2;
            if at_stride(mid) {
                good = mid;
            } else {
                bad = mid;
            }
        }
        let span_end = good + 1;
        // Check points over the span: every power of two, and an even spread.
        let span = (span_end - start) as i64;
        let mut checks: Vec<i64> = (0..32)
            .map(|k| (1i64 << k) - 1)
            .take_while(|&i| i < span)
            .collect();
        checks.extend((0..64).map(|i| (span - 1) * i / 63));
        for offset in checks {
            let rev = start + offset as i32;
            if !at_stride(rev) {
                return (start, stride);
            }
            let node = node_of(rev) as *const u8;
            // Safety: the record of `rev` holds its parents in the 8 bytes before its
            // node; what they read is compared with what `index_parents` says.
            let read = unsafe {
                [
                    i32::from_be_bytes(std::ptr::read_unaligned(node.sub(8) as *const [u8; 4])),
                    i32::from_be_bytes(std::ptr::read_unaligned(node.sub(4) as *const [u8; 4])),
                ]
            };
            // Safety: per this function's contract.
            match unsafe { self.parents(index, rev) } {
                Ok(parents) if parents == read => {}
                Ok(_) => return (start, stride),
                Err(PythonErrorSet) => {
                    // Safety: GIL held; the failed call left an exception to drop.
                    unsafe { PyErr_Clear() };
                    return (start, stride);
                }
            }
        }
        (span_end, stride)
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
