//! The object Python passed as `index`, read: Mercurial's C index through its capsule
//! (no Python code runs), anything else through `len()` and `index[rev]` giving
//! `(p1, p2)` or an index entry (parents at 5 and 6, node at 7).

use std::ffi::c_void;

use hg_core::{GraphError, Revision};

use crate::capsule::{capi_status, CApi, CapiStatus, ParentsSink};
use crate::host::Host;
use crate::index::{self, IndexReader, LoadError};
use crate::{Obj, PyErr};

/// A reader of one index object, for the duration of a call (the GIL held).
pub struct PyIndex<'a, H: Host> {
    h: H,
    obj: &'a Obj,
    /// Set when `obj` is a C index and the capsule is usable.
    capi: Option<&'static CApi>,
}

/// A reader of `index`.
pub fn reader<H: Host>(h: H, index: &Obj) -> PyIndex<'_, H> {
    // Safety: the GIL is held (we have a host token).
    let capi = match (h.is_c_index(index), unsafe { capi_status() }) {
        (true, CapiStatus::Ready(capi)) => Some(capi),
        _ => None,
    };
    PyIndex {
        h,
        obj: index,
        capi,
    }
}

impl<H: Host> PyIndex<'_, H> {
    fn ptr(&self) -> *mut c_void {
        H::address(self.obj) as *mut c_void
    }

    /// `index[rev]` and its length (2: a `(p1, p2)` pair; more: an index entry).
    fn entry(&self, rev: i32) -> Result<(Obj, usize), PyErr> {
        let entry = self.h.item_of(self.obj, rev.into())?;
        let len = self.h.len_of(&entry)?;
        Ok((entry, len))
    }
}

impl<H: Host> IndexReader for PyIndex<'_, H> {
    type Error = PyErr;

    fn len(&self) -> Result<u64, PyErr> {
        match self.capi {
            // Safety (every `capi` call below): the GIL is held and `obj` is an
            // instance of the C index type; revisions asked are below its length.
            Some(capi) => Ok(unsafe { capi.len(self.ptr()) } as u64),
            None => Ok(self.h.len_of(self.obj)? as u64),
        }
    }

    fn parents(&self, rev: i32) -> Result<[i32; 2], LoadError<PyErr>> {
        match self.capi {
            Some(capi) => unsafe { capi.parents(self.ptr(), rev) }.map_err(|_| {
                // The C index refuses a parent beyond its end (ValueError): the same
                // corruption Python-level reading reports, as a graph error.
                self.h.clear_error();
                LoadError::Graph(GraphError::ParentOutOfRange(Revision(rev)))
            }),
            None => (|| {
                let (entry, len) = self.entry(rev)?;
                let (first, second) = if len == 2 { (0, 1) } else { (5, 6) };
                Ok([
                    self.h.int_of(&self.h.item_of(&entry, first)?)?,
                    self.h.int_of(&self.h.item_of(&entry, second)?)?,
                ])
            })()
            .map_err(LoadError::Reader),
        }
    }

    fn node_is(&self, rev: i32, expected: &[u8]) -> Result<bool, PyErr> {
        match self.capi {
            Some(capi) => Ok(unsafe { capi.node_is(self.ptr(), rev, expected) }),
            None => Ok(self.node(rev)?.as_deref() == Some(expected)),
        }
    }

    fn node(&self, rev: i32) -> Result<Option<Vec<u8>>, PyErr> {
        match self.capi {
            Some(capi) => Ok(unsafe { capi.node(self.ptr(), rev, 20) }),
            None => match self.entry(rev)? {
                (entry, len) if len > 7 => Ok(self.h.bytes_of(&self.h.item_of(&entry, 7)?)),
                _ => Ok(None),
            },
        }
    }

    fn scan_nodes_down(
        &self,
        end: i32,
        visit: &mut impl FnMut(i32, &[u8]) -> bool,
    ) -> Result<(), PyErr> {
        let Some(capi) = self.capi else {
            return index::scan_nodes_one_by_one(self, end, visit);
        };
        // Safety: as above; `visit` runs no Python code, so the index cannot change
        // during the scan.
        unsafe { capi.nodes_down(self.ptr(), end, visit) };
        Ok(())
    }

    fn parents_range(
        &self,
        start: i32,
        end: i32,
        sink: &mut ParentsSink<'_, GraphError>,
    ) -> Result<(), LoadError<PyErr>> {
        match self.capi {
            Some(capi) => unsafe {
                index::parents_range_of_c_index(capi, self.ptr(), start, end, sink, || {
                    self.h.clear_error()
                })
            },
            None => index::parents_one_by_one(self, start, end, sink),
        }
    }

    fn through_python(&self) -> bool {
        self.capi.is_none()
    }

    fn check_signals(&self) -> Result<(), PyErr> {
        self.h.check_signals()
    }
}
