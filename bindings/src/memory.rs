//! Advice to the kernel about the memory of large parents tables.
//!
//! A process's first native answer fills a table of 8 bytes a revision (8 MB at a
//! million revisions) in fresh memory; each first write to a 4 KB page of it faults,
//! and those faults, not the copying, are most of the time (measured: 5 ms to fill
//! 8 MB in a fresh process, 2.3 ms with huge pages). Where the kernel allows
//! transparent huge pages on request (`madvise` mode, the common default), the room
//! reserved for a large table is marked for them before it is filled.

use hg_core::ParentsTable;

/// Tables at least this large (bytes of room) are worth advising: smaller rooms hold
/// at most one aligned huge page of 2 MB.
const ADVISED_BYTES: usize = 4 << 20;

/// Mark the room `table` reserved as wanting huge pages (a hint: the kernel may not).
pub fn advise_huge_pages(table: &ParentsTable) {
    let (address, bytes) = table.spare_region();
    if bytes < ADVISED_BYTES {
        return;
    }
    // Whole 2 MB pages within the room only: the advice applies to whole pages.
    const HUGE: usize = 2 << 20;
    let start = address.next_multiple_of(HUGE);
    let end = (address + bytes) & !(HUGE - 1);
    if end > start {
        // Safety: `start..end` lies within memory the table owns and has not written
        // yet; MADV_HUGEPAGE changes how the kernel backs it, never its contents, and
        // fails harmlessly where huge pages are not available.
        unsafe {
            libc::madvise(start as *mut libc::c_void, end - start, libc::MADV_HUGEPAGE);
        }
    }
}
