//! The persistent DAG cache: a changelog's parents table kept in a file
//! ([`hg_core::table_file`]), so that a process's first native answer does not read
//! every revision of the index.
//!
//! Never trusted without checking, each check refusing with a reason: the file must
//! decode (magic, format version, kind, length, checksum, parents below children), its
//! `source` must equal the one the caller gives (the extension's identity of the
//! changelog as it was loaded: the stat of its index file, which Mercurial changes at
//! every write of the changelog), and the nodes it sampled must be the index's. Only
//! then is its table taken for the index, and extended in memory with the revisions
//! the index has beyond it. The file is read with one `read` (never mapped: another
//! process truncating a mapped file would crash this one).

use std::sync::Arc;

use hg_core::table_file::{Kind, TableFile};
use hg_core::Revision;

use crate::host::{ErrorKind, Host, ReadingIndex};
use crate::index::{self, IndexReader, Snapshot};
use crate::{Obj, PyErr};

/// What loading a cache file did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Loaded {
    /// The table of `revisions` revisions was taken for the index.
    Valid(usize),
    /// The index's table was already in memory; the file was not read.
    InMemory(usize),
    /// No such file.
    Absent,
    /// The file was refused, and why.
    Invalid(String),
}

impl Loaded {
    /// `(status, revisions, reason)` for Python.
    pub fn describe(&self) -> (String, usize, String) {
        match self {
            Loaded::Valid(n) => ("valid".into(), *n, String::new()),
            Loaded::InMemory(n) => ("in-memory".into(), *n, String::new()),
            Loaded::Absent => ("absent".into(), 0, String::new()),
            Loaded::Invalid(why) => ("invalid".into(), 0, why.clone()),
        }
    }
}

/// Check the cache file at `path` against `index` (whose identity when loaded is
/// `source`) and, with `install`, take its table for the index.
pub fn load<H: Host>(
    h: H,
    index: &Obj,
    path: &str,
    source: &[u8],
    install: bool,
) -> Result<Loaded, PyErr> {
    if install {
        if let Some(known) = index::cached_snapshot(h, index) {
            return Ok(Loaded::InMemory(known.len()));
        }
    }
    let opened = std::fs::File::open(path).and_then(|f| Ok((f.metadata()?.len(), f)));
    let (file_len, handle) = match opened {
        Ok(opened) => opened,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Loaded::Absent),
        Err(e) => return Ok(Loaded::Invalid(format!("unreadable: {}", e))),
    };
    let input = std::io::BufReader::with_capacity(1 << 16, handle);
    let read = || TableFile::read_into(input, file_len, crate::memory::reserve);
    let file = match h.detach(read) {
        Ok(file) => file,
        Err(e) => return Ok(Loaded::Invalid(e.to_string())),
    };
    if file.kind != Kind::Changelog {
        return Ok(Loaded::Invalid("not a changelog's".into()));
    }
    if file.source != source {
        return Ok(Loaded::Invalid(
            "the changelog changed since it was written".into(),
        ));
    }
    let reading = ReadingIndex::start(h)?;
    let reader = crate::py_index::reader(h, index);
    let len = file.table.len();
    if reader.len()? < len as u64 {
        return Ok(Loaded::Invalid(format!(
            "{} revisions, more than the changelog's",
            len
        )));
    }
    for (rev, node) in &file.samples {
        if !reader.node_is(rev.0, node)? {
            return Ok(Loaded::Invalid(format!("node of revision {} differs", rev)));
        }
    }
    let snapshot = Snapshot::from_table(&reader, H::address(index), Arc::new(file.table))?;
    drop(reading);
    if install {
        index::install_snapshot(h, index, snapshot);
    }
    Ok(Loaded::Valid(len))
}

/// The bytes of a cache file describing the first `revisions` revisions of `index`
/// (whose identity is `source`), read from its current table.
pub fn encode<H: Host>(
    h: H,
    index: &Obj,
    source: &[u8],
    revisions: usize,
) -> Result<Vec<u8>, PyErr> {
    let snapshot = index::snapshot(h, index)?;
    if revisions > snapshot.len() {
        return Err(h.error(
            ErrorKind::Value,
            &format!(
                "{} revisions asked of an index of {}",
                revisions,
                snapshot.len()
            ),
        ));
    }
    let mut table = hg_core::ParentsTable::clone(&snapshot.table);
    table.truncate(revisions);
    let reading = ReadingIndex::start(h)?;
    let reader = crate::py_index::reader(h, index);
    let mut samples = Vec::new();
    for rev in index::sample_positions(revisions) {
        match reader.node(rev as i32)? {
            Some(node) => samples.push((Revision(rev as i32), node)),
            None => break,
        }
    }
    drop(reading);
    let file = TableFile {
        kind: Kind::Changelog,
        source: source.to_vec(),
        samples,
        table,
    };
    Ok(h.detach(|| file.encode()))
}
