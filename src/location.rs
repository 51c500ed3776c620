//! Where a declaration or a diagnostic is in C source.
//!
//! This module uses nothing else in the crate; everything else may use it. How a
//! type database stores a location (its file as an index into the database's
//! table of files) is the database's own business: see `db::file_table`.

use std::fmt;
use std::sync::Arc;

/// A position in C source: file, 1-based line and column.
// With the database, `db::file_table` implements serde for it, storing each file
// name once; without it, it is stored field by field.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(not(feature = "db"), derive(serde::Serialize, serde::Deserialize))]
pub struct SourceLocation {
    /// The file as the compiler named it; shared by every location in that file.
    #[cfg_attr(not(feature = "db"), serde(with = "file_name"))]
    pub file: Arc<str>,
    /// 1-based line.
    pub line: u32,
    /// 1-based column.
    pub column: u32,
}

/// A file name as a string (serde has no `Arc<str>` without its `rc` feature).
#[cfg(not(feature = "db"))]
mod file_name {
    use std::sync::Arc;

    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(file: &Arc<str>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(file)
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Arc<str>, D::Error> {
        Ok(Arc::from(String::deserialize(d)?))
    }
}

impl fmt::Display for SourceLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}
