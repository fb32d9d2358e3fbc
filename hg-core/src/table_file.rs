//! The on-disk form of a parents table: the bytes of a persistent DAG cache.
//!
//! A file describes the first `len` revisions of one revlog as they were when it was
//! written: their parents, the identity of the revlog then (an opaque `source` the
//! writer chooses, such as the stat of the index file, and nodes at sampled
//! positions), and an XXH3-64 hash of everything before it. [`TableFile::decode`] refuses
//! anything it cannot vouch for: another magic, a format version it does not know,
//! a truncated or padded file, a checksum mismatch, parents not below their child.
//! Whether the file still describes the revlog is for the reader to decide, by
//! comparing `source` and the sampled nodes with the revlog it has.
//!
//! Layout, little-endian:
//!
//! | bytes | field |
//! | --- | --- |
//! | 8 | magic `OXIDAGDC` |
//! | 4 | format version ([`FORMAT_VERSION`]) |
//! | 4 | kind (what revlog: [`Kind`]) |
//! | 8 | `len`, the revisions described |
//! | 4 | length of `source`, then `source` |
//! | 4 | node length, 4 sample count, then per sample 4 revision + node |
//! | 8 × `len` | parents: first, second (`i32`, -1 for none) |
//! | 8 | XXH3-64 of all the bytes above |
//!
//! The hash is XXH3 rather than a CRC because it is read on every process's first
//! native answer: over the 8 MB of a million revisions CRC-32 (`crc32fast`,
//! carry-less multiplication) took about 0.7 ms of that first answer, XXH3 0.3 ms; its
//! 64 bits miss a random corruption less often.

use std::fmt;
use std::io::Read;

use xxhash_rust::xxh3::{xxh3_64, Xxh3};

use crate::parents_table::ParentsTable;
use crate::revision::Revision;

/// The bytes every file starts with.
pub const MAGIC: &[u8; 8] = b"OXIDAGDC";

/// The format version written and the only one read: a file of another version is
/// refused (a later oxidag's file is not guessed at). Version 1 ended with a CRC-32.
pub const FORMAT_VERSION: u32 = 2;

/// The bytes of the trailing hash.
const HASH_BYTES: u64 = 8;

/// What revlog a file describes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Kind {
    /// A repository's changelog.
    Changelog = 1,
}

/// A decoded file: what it describes and the table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TableFile {
    /// What revlog.
    pub kind: Kind,
    /// The writer's identity of the revlog when written (opaque here).
    pub source: Vec<u8>,
    /// Nodes at sampled positions, `(revision, node)`.
    pub samples: Vec<(Revision, Vec<u8>)>,
    /// The parents of the revisions described.
    pub table: ParentsTable,
}

/// Why bytes are not a file this version can use.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum FormatError {
    /// Not a DAG cache file at all.
    Magic,
    /// A format version this one does not read.
    Version(u32),
    /// A kind of revlog this one does not know.
    Kind(u32),
    /// Shorter or longer than its header says.
    Length {
        /// What the header implies.
        expected: u64,
        /// What there is.
        found: u64,
    },
    /// The checksum does not match: corrupt.
    Checksum,
    /// A parent not below its revision (corrupt, though the checksum matched).
    Parents(Revision),
    /// A sample of another node length than announced, or beyond `len`.
    Samples,
}

impl fmt::Display for FormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FormatError::Magic => write!(f, "not an oxidag DAG cache"),
            FormatError::Version(v) => write!(
                f,
                "format version {} (this oxidag reads {})",
                v, FORMAT_VERSION
            ),
            FormatError::Kind(k) => write!(f, "unknown revlog kind {}", k),
            FormatError::Length { expected, found } => {
                write!(f, "{} bytes where the header implies {}", found, expected)
            }
            FormatError::Checksum => write!(f, "checksum mismatch"),
            FormatError::Parents(rev) => write!(f, "parents of revision {} not below it", rev),
            FormatError::Samples => write!(f, "sampled nodes malformed"),
        }
    }
}

impl std::error::Error for FormatError {}

impl TableFile {
    /// The file's bytes.
    pub fn encode(&self) -> Vec<u8> {
        let table = self.table.as_slice();
        let node_len = self.samples.first().map_or(0, |(_, n)| n.len());
        let mut out = Vec::with_capacity(64 + self.source.len() + table.len() * 8);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        out.extend_from_slice(&(self.kind as u32).to_le_bytes());
        out.extend_from_slice(&(table.len() as u64).to_le_bytes());
        out.extend_from_slice(&(self.source.len() as u32).to_le_bytes());
        out.extend_from_slice(&self.source);
        out.extend_from_slice(&(node_len as u32).to_le_bytes());
        out.extend_from_slice(&(self.samples.len() as u32).to_le_bytes());
        for (rev, node) in &self.samples {
            out.extend_from_slice(&rev.0.to_le_bytes());
            out.extend_from_slice(node);
        }
        for [p1, p2] in table {
            out.extend_from_slice(&p1.0.to_le_bytes());
            out.extend_from_slice(&p2.0.to_le_bytes());
        }
        let hash = xxh3_64(&out);
        out.extend_from_slice(&hash.to_le_bytes());
        out
    }

    /// Read a file's bytes, refusing any it cannot vouch for (see the module docs).
    pub fn decode(bytes: &[u8]) -> Result<TableFile, FormatError> {
        match TableFile::read_from(bytes, bytes.len() as u64) {
            Ok(file) => Ok(file),
            Err(ReadError::Format(e)) => Err(e),
            Err(ReadError::Io(_)) => unreachable!("reading bytes in memory does not fail"),
        }
    }

    /// Read a file of `file_len` bytes from `input`, refusing any it cannot vouch for
    /// (see the module docs). The parents are read a chunk at a time into the table,
    /// with the checksum computed along: no copy of the whole file is held.
    pub fn read_from(input: impl Read, file_len: u64) -> Result<TableFile, ReadError> {
        TableFile::read_into(input, file_len, ParentsTable::reserve)
    }

    /// [`TableFile::read_from`], calling `reserve(&mut table, len)` to make room for
    /// the `len` revisions the file holds, once its length has vouched for `len` and
    /// before any is written (to choose how that memory is had).
    pub fn read_into(
        mut input: impl Read,
        file_len: u64,
        reserve: impl FnOnce(&mut ParentsTable, usize),
    ) -> Result<TableFile, ReadError> {
        let mut hasher = Xxh3::new();
        let mut take = |n: usize| -> Result<Vec<u8>, ReadError> {
            let mut buf = vec![0; n];
            input.read_exact(&mut buf).map_err(|e| match e.kind() {
                std::io::ErrorKind::UnexpectedEof => ReadError::Format(FormatError::Length {
                    expected: u64::MAX,
                    found: file_len,
                }),
                _ => ReadError::Io(e),
            })?;
            hasher.update(&buf);
            Ok(buf)
        };
        let word32 = |b: &[u8]| u32::from_le_bytes(b.try_into().expect("4"));
        let head = take(8 + 4 + 4 + 8 + 4)?;
        if &head[..8] != MAGIC {
            return Err(FormatError::Magic.into());
        }
        let version = word32(&head[8..12]);
        if version != FORMAT_VERSION {
            return Err(FormatError::Version(version).into());
        }
        let kind = match word32(&head[12..16]) {
            1 => Kind::Changelog,
            other => return Err(FormatError::Kind(other).into()),
        };
        let len = u64::from_le_bytes(head[16..24].try_into().expect("8"));
        let source_len = word32(&head[24..28]) as u64;
        // Every size is bounded by the file's length before anything is allocated
        // from it.
        let fixed = head.len() as u64 + 8 + HASH_BYTES;
        if fixed.saturating_add(source_len) > file_len {
            return Err(FormatError::Length {
                expected: fixed.saturating_add(source_len),
                found: file_len,
            }
            .into());
        }
        let source = take(source_len as usize)?;
        let counts = take(8)?;
        let (node_len, sample_count) = (word32(&counts[..4]) as u64, word32(&counts[4..]) as u64);
        let expected = (head.len() as u64 + source_len + 8)
            .saturating_add(sample_count.saturating_mul(4 + node_len))
            .saturating_add(len.saturating_mul(8))
            .saturating_add(HASH_BYTES);
        if expected != file_len {
            return Err(FormatError::Length {
                expected,
                found: file_len,
            }
            .into());
        }
        let mut samples = Vec::with_capacity(sample_count as usize);
        for _ in 0..sample_count {
            let sample = take(4 + node_len as usize)?;
            let rev = i32::from_le_bytes(sample[..4].try_into().expect("4"));
            if rev < 0 || rev as u64 >= len {
                return Err(FormatError::Samples.into());
            }
            samples.push((Revision(rev), sample[4..].to_vec()));
        }
        let mut table = ParentsTable::new();
        reserve(&mut table, len as usize);
        let mut buf = vec![0u8; CHUNK * 8];
        let mut left = len as usize;
        while left > 0 {
            let n = left.min(CHUNK);
            let bytes = &mut buf[..n * 8];
            input.read_exact(bytes).map_err(|e| match e.kind() {
                std::io::ErrorKind::UnexpectedEof => ReadError::Format(FormatError::Length {
                    expected,
                    found: file_len,
                }),
                _ => ReadError::Io(e),
            })?;
            hasher.update(bytes);
            let first = Revision(table.len() as i32);
            table.extend_checked_le(bytes).map_err(|e| match e {
                crate::GraphError::ParentNotBelowChild { rev, .. } => FormatError::Parents(rev),
                _ => FormatError::Parents(first),
            })?;
            left -= n;
        }
        let mut trailer = [0u8; HASH_BYTES as usize];
        input.read_exact(&mut trailer).map_err(|e| match e.kind() {
            std::io::ErrorKind::UnexpectedEof => ReadError::Format(FormatError::Length {
                expected,
                found: file_len,
            }),
            _ => ReadError::Io(e),
        })?;
        if hasher.digest() != u64::from_le_bytes(trailer) {
            return Err(FormatError::Checksum.into());
        }
        Ok(TableFile {
            kind,
            source,
            samples,
            table,
        })
    }
}

/// Why a file could not be read.
#[derive(Debug)]
#[non_exhaustive]
pub enum ReadError {
    /// Reading failed.
    Io(std::io::Error),
    /// What was read is not a file this version can use.
    Format(FormatError),
}

impl From<FormatError> for ReadError {
    fn from(e: FormatError) -> Self {
        ReadError::Format(e)
    }
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadError::Io(e) => write!(f, "unreadable: {}", e),
            ReadError::Format(e) => e.fmt(f),
        }
    }
}

/// Revisions decoded at once.
const CHUNK: usize = 1 << 14;

#[cfg(test)]
mod tests {
    use super::*;

    fn sample_file() -> TableFile {
        TableFile {
            kind: Kind::Changelog,
            source: b"stat 1 2 3".to_vec(),
            samples: vec![(Revision(2), vec![7; 20]), (Revision(0), vec![9; 20])],
            table: ParentsTable::from_pairs([(-1, -1), (0, -1), (1, 0)]).unwrap(),
        }
    }

    #[test]
    fn round_trip() {
        let file = sample_file();
        let bytes = file.encode();
        assert_eq!(TableFile::decode(&bytes).unwrap(), file);
        let empty = TableFile {
            samples: vec![],
            table: ParentsTable::new(),
            ..sample_file()
        };
        assert_eq!(TableFile::decode(&empty.encode()).unwrap(), empty);
    }

    #[test]
    fn every_corruption_is_refused() {
        let bytes = sample_file().encode();
        // Every truncation, and every single flipped byte.
        for cut in 0..bytes.len() {
            assert!(TableFile::decode(&bytes[..cut]).is_err(), "cut at {}", cut);
        }
        for at in 0..bytes.len() {
            let mut corrupt = bytes.clone();
            corrupt[at] ^= 0x41;
            assert!(TableFile::decode(&corrupt).is_err(), "byte {} flipped", at);
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(matches!(
            TableFile::decode(&longer),
            Err(FormatError::Length { .. })
        ));
        // A later version, a foreign kind: refused even with a right checksum.
        let reseal = |mut b: Vec<u8>, at: usize, value: u32| {
            b[at..at + 4].copy_from_slice(&value.to_le_bytes());
            let n = b.len() - HASH_BYTES as usize;
            let hash = xxh3_64(&b[..n]);
            b[n..].copy_from_slice(&hash.to_le_bytes());
            b
        };
        assert_eq!(
            TableFile::decode(&reseal(bytes.clone(), 8, FORMAT_VERSION + 1)),
            Err(FormatError::Version(FORMAT_VERSION + 1))
        );
        assert_eq!(
            TableFile::decode(&reseal(bytes.clone(), 12, 7)),
            Err(FormatError::Kind(7))
        );
        // Parents not below their child behind a good checksum.
        let at = bytes.len() - HASH_BYTES as usize - 8;
        assert_eq!(
            TableFile::decode(&reseal(bytes.clone(), at, 2)),
            Err(FormatError::Parents(Revision(2)))
        );
        // A header claiming a huge length allocates nothing.
        let huge = reseal(bytes, 16, u32::MAX);
        assert!(matches!(
            TableFile::decode(&huge),
            Err(FormatError::Length { .. })
        ));
    }
}
