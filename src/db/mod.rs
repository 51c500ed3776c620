//! Precompiled type databases (`.wydb`): parse once, load without a parser.
//!
//! A database is a [`TypeSet`] saved to bytes, with what it was made from. Loading
//! one takes microseconds to milliseconds and needs neither libclang nor gimli, so a
//! program can ship the declarations it calls (next to it, or inside it with
//! `include_bytes!`) and never run a C parser. Like MicroPython's `.mpy` files or
//! cffi's out-of-line mode, but for whole real headers.
//!
//! ```
//! # fn main() -> wyvern::Result<()> {
//! # #[cfg(feature = "clang")] {
//! let (types, inputs) = wyvern::Parser::new().header("<math.h>").parse_with_inputs()?;
//! let bytes = wyvern::db::Database::new(types, &inputs).to_bytes();
//! // Later, in a program built without the `clang` feature:
//! let types = wyvern::db::load(&bytes)?;
//! assert_eq!(types.prototype(types.function("pow")?), "double pow(double __x, double __y)");
//! # }
//! # Ok(()) }
//! ```
//!
//! - [`load`] and [`load_path`]: a database for this machine, as a [`TypeSet`].
//! - [`Database`]: a database with its header (target, producer, input hashes), for
//!   any target; [`Database::new`] and [`Database::save`] write one, and
//!   [`Database::changes`] says whether it is out of date with its inputs.
//! - [`InputDigest`]: the hashes of what a database was made from
//!   ([`Database::inputs`]); [`FORMAT_VERSION`]: the one format this wyvern reads.
//!
//! # Format (version 3)
//!
//! All integers of the fixed part are little-endian, whatever the target.
//!
//! | bytes | what |
//! |---|---|
//! | 0..8 | magic: `WYVERNDB` |
//! | 8..10 | format version, `u16` (this is version [`FORMAT_VERSION`]) |
//! | 10..14 | length `n` of the header that follows, `u32` (at most 16 MiB) |
//! | 14..14+n | header, [postcard](https://docs.rs/postcard)-encoded: producer (`"wyvern 0.1.0"`), target (triple, pointer size, `char` signedness, endianness), the input hashes (SHA-256 of every file read, of the flags and the reader's version, and one over all of them), the body's length and its CRC-32 |
//! | 14+n.. | body: the table of source file names (each once), then the type set's arenas (types, records, enums, typedefs, functions with their asm labels and the array types their parameters were declared as, globals with their asm labels, constants (pointer constants with their pointer type), the macros not constants, the macros a program may name as functions, skipped declarations; a source location names its file by its index in the table), postcard-encoded with serde |
//!
//! The magic, version and target are read before the body, so a foreign or newer
//! database is refused without decoding it. Name indexes are not stored: they are
//! rebuilt on load.
//!
//! ## Versioning
//! The format version changes whenever the encoding of the header or of any type
//! in the body changes (a field added, an enum variant added or reordered: postcard
//! is not self-describing). A wyvern reads exactly its own format version and
//! refuses any other with both versions named; a database is rebuilt from its
//! sources with `wyvern compile`, which is cheap. The producer string is kept for
//! messages only.
//!
//! # Loading never trusts its input
//! Any byte string gives a [`TypeSet`] or an [`ErrorKind::Database`] error, never a
//! panic. After decoding, every id is checked to be in range; every record layout
//! (power-of-two alignment, sizes below 2⁴⁸ bytes, every field inside its record);
//! that types contain themselves only through a pointer to a struct or union
//! (never a typedef of itself, an array of itself, a struct holding itself by
//! value); and that nesting is at most
//! [`MAX_TYPE_DEPTH`](crate::limits::MAX_TYPE_DEPTH) deep, so the recursive
//! printers, layouts and ABI lowering downstream stay bounded. serde's collections
//! never preallocate more than a bounded amount from a stored length, and nothing
//! here allocates by a length it has not checked against the input's size.
//!
//! # What it uses
//! This module reads and writes [`types`](crate::types) only, plus the
//! [`Inputs`] a front end records (to hash them); it
//! needs no front end to load, and never calls C.

mod file_table;
mod format;
mod inputs;
mod validate;

use std::path::Path;

use crate::error::{ErrorKind, Result};
use crate::types::inputs::Inputs;
use crate::types::{Target, TypeSet};

pub use format::FORMAT_VERSION;
pub use inputs::InputDigest;

/// A database: a type set with its header.
#[derive(Debug, Clone)]
pub struct Database {
    header: format::Header,
    types: TypeSet,
}

impl Database {
    /// A database of `types`, made from `inputs` (what [`Parser::parse_with_inputs`]
    /// or a DWARF read returned; [`Inputs::default`] when there is nothing to track).
    ///
    /// [`Parser::parse_with_inputs`]: crate::Parser::parse_with_inputs
    pub fn new(types: TypeSet, inputs: &Inputs) -> Database {
        Database {
            header: format::Header::new(types.target().clone(), InputDigest::of(inputs)),
            types,
        }
    }

    /// Encodes the database.
    pub fn to_bytes(&self) -> Vec<u8> {
        format::encode(&self.header, &self.types)
    }

    /// Writes the database to `path`.
    ///
    /// # Errors
    /// [`ErrorKind::Io`] when the file cannot be written.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        std::fs::write(path, self.to_bytes()).map_err(|source| {
            ErrorKind::Io {
                path: path.to_path_buf(),
                source,
            }
            .into()
        })
    }

    /// Decodes and checks a database for any target.
    ///
    /// # Errors
    /// [`ErrorKind::Database`] for bytes that are not a complete, valid database of
    /// this format version, saying what is wrong and where.
    pub fn from_bytes(bytes: &[u8]) -> Result<Database> {
        let (header, types) = format::decode(bytes, None)?;
        Ok(Database { header, types })
    }

    /// Reads, decodes and checks a database file for any target.
    ///
    /// # Errors
    /// [`ErrorKind::Io`] when it cannot be read; otherwise as [`from_bytes`](Self::from_bytes).
    pub fn open(path: impl AsRef<Path>) -> Result<Database> {
        let bytes = read(path.as_ref())?;
        Database::from_bytes(&bytes).map_err(|e| in_file(e, path.as_ref()))
    }

    /// The declarations.
    pub fn types(&self) -> &TypeSet {
        &self.types
    }

    /// The declarations, for this machine: the database's target has to be the host's.
    ///
    /// # Errors
    /// [`ErrorKind::Database`] naming both targets when they differ.
    pub fn into_host_types(self) -> Result<TypeSet> {
        format::check_target(&self.header.target, &Target::host())?;
        Ok(self.types)
    }

    /// The target the layouts are for.
    pub fn target(&self) -> &Target {
        &self.header.target
    }

    /// What wrote it (`"wyvern 0.1.0"`).
    pub fn producer(&self) -> &str {
        &self.header.producer
    }

    /// The hashes of what it was made from.
    pub fn inputs(&self) -> &InputDigest {
        &self.header.inputs
    }

    /// What changed between the inputs the database was made from and `inputs`
    /// (a fresh parse of the same sources: [`Parser::parse_with_inputs`]), one line
    /// each: a header whose contents changed, a header read now but not then or
    /// the other way round, other flags, another libclang. Empty when the database
    /// is up to date.
    ///
    /// [`Parser::parse_with_inputs`]: crate::Parser::parse_with_inputs
    pub fn changes(&self, inputs: &Inputs) -> Vec<String> {
        self.header.inputs.changes(&InputDigest::of(inputs))
    }
}

/// Decodes and checks a database made for this machine.
///
/// # Errors
/// [`ErrorKind::Database`] for bytes that are not a complete, valid database of
/// this format version, or one made for another target (both are named).
pub fn load(bytes: &[u8]) -> Result<TypeSet> {
    format::decode(bytes, Some(&Target::host())).map(|(_, types)| types)
}

/// Reads a database file made for this machine.
///
/// # Errors
/// [`ErrorKind::Io`] when it cannot be read; otherwise as [`load`], with the
/// file named.
pub fn load_path(path: impl AsRef<Path>) -> Result<TypeSet> {
    let path = path.as_ref();
    let bytes = read(path)?;
    load(&bytes).map_err(|e| in_file(e, path))
}

/// Rewrites a database's body length and checksum to match its body, so a
/// deliberately mutated body gets past the checksum: what the fuzz test needs to
/// reach the validation of decoded bodies. `None` when the bytes have no complete
/// fixed part and header.
pub(crate) fn reseal(bytes: &[u8]) -> Option<Vec<u8>> {
    format::reseal(bytes)
}

fn read(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|source| {
        ErrorKind::Io {
            path: path.to_path_buf(),
            source,
        }
        .into()
    })
}

fn in_file(e: crate::Error, path: &Path) -> crate::Error {
    match e.into_kind() {
        ErrorKind::Database {
            file: None,
            message,
            source,
        } => ErrorKind::Database {
            file: Some(path.to_path_buf()),
            message,
            source,
        }
        .into(),
        other => other.into(),
    }
}
