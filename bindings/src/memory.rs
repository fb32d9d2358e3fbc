//! Room for large parents tables, and advice to the kernel about it.
//!
//! A process's first native answer fills a table of 8 bytes a revision (8 MB at a
//! million revisions) in fresh memory; each first write to a 4 KB page of it faults,
//! and those faults, not the copying, are most of the time (measured: 5 ms to fill
//! 8 MB in a fresh process, 2.3 ms with huge pages). Where the kernel allows
//! transparent huge pages on request (`madvise` mode, the common default), the room
//! reserved for a large table is marked for them before it is filled. Only whole
//! 2 MB pages inside the allocation can be huge: the room is reserved 2 MB longer
//! than needed so that the table's last page is one of them (untouched room costs no
//! memory; the last huge page, partly used, costs up to 2 MB).

use hg_core::ParentsTable;

/// Rooms at least this large (bytes) are worth advising: smaller rooms hold at most
/// one aligned huge page.
const ADVISED_BYTES: usize = 4 << 20;

/// A transparent huge page.
const HUGE_PAGE: usize = 2 << 20;

/// Make room in `table` for `additional` more revisions if that much memory can be
/// had (a length read from an index is only a claim: if not, the table grows as
/// revisions come), marking a large room as wanting huge pages.
pub fn reserve(table: &mut ParentsTable, additional: usize) {
    let bytes = additional.saturating_mul(8);
    if bytes < ADVISED_BYTES {
        let _ = table.try_reserve(additional);
        return;
    }
    let reserved = table.try_reserve(additional + HUGE_PAGE / 8).is_ok()
        || table.try_reserve(additional).is_ok();
    if reserved {
        advise_huge_pages(table);
    }
}

/// Mark the room `table` reserved as wanting huge pages (a hint: the kernel may not).
fn advise_huge_pages(table: &ParentsTable) {
    let (address, bytes) = table.spare_region();
    // Whole 2 MB pages within the room only: the advice applies to whole pages.
    let start = address.next_multiple_of(HUGE_PAGE);
    let end = (address + bytes) & !(HUGE_PAGE - 1);
    if end > start {
        // Safety: `start..end` lies within memory the table owns and has not written
        // yet; MADV_HUGEPAGE changes how the kernel backs it, never its contents, and
        // fails harmlessly where huge pages are not available.
        unsafe {
            libc::madvise(start as *mut libc::c_void, end - start, libc::MADV_HUGEPAGE);
        }
    }
}
