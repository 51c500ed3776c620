//! How a [`SourceLocation`] is serialised: its file as a string, or, while a type
//! database is written or read ([`writing`], [`reading`]), as an index into the
//! database's table of files, so that each file name is stored once and every
//! location in it shares one `Arc<str>` when loaded.

use std::cell::RefCell;
use std::sync::Arc;

use rustc_hash::FxHashMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::SourceLocation;

enum Table {
    Writing {
        index: FxHashMap<Arc<str>, u32>,
        files: Vec<Arc<str>>,
    },
    Reading(Vec<Arc<str>>),
}

thread_local! {
    static TABLE: RefCell<Option<Table>> = const { RefCell::new(None) };
}

/// Restores the table that was active before, also on unwinding.
struct Restore(Option<Table>);

impl Drop for Restore {
    fn drop(&mut self) {
        let previous = self.0.take();
        TABLE.with(|t| *t.borrow_mut() = previous);
    }
}

/// Runs `f` (which serialises) with file names written as indices; returns
/// its result and the table of files, in index order.
pub(crate) fn writing<R>(f: impl FnOnce() -> R) -> (R, Vec<Arc<str>>) {
    let fresh = Table::Writing {
        index: FxHashMap::default(),
        files: Vec::new(),
    };
    let restore = Restore(TABLE.with(|t| t.borrow_mut().replace(fresh)));
    let result = f();
    let files = match TABLE.with(|t| t.borrow_mut().take()) {
        Some(Table::Writing { files, .. }) => files,
        _ => Vec::new(),
    };
    drop(restore);
    (result, files)
}

/// Runs `f` (which deserialises) with file names read as indices into `files`.
pub(crate) fn reading<R>(files: Vec<Arc<str>>, f: impl FnOnce() -> R) -> R {
    let _restore = Restore(TABLE.with(|t| t.borrow_mut().replace(Table::Reading(files))));
    f()
}

fn serialize_file<S: Serializer>(file: &&Arc<str>, s: S) -> Result<S::Ok, S::Error> {
    let index = TABLE.with(|t| match &mut *t.borrow_mut() {
        Some(Table::Writing { index, files }) => {
            Some(*index.entry(Arc::clone(file)).or_insert_with(|| {
                files.push(Arc::clone(file));
                (files.len() - 1) as u32
            }))
        }
        _ => None,
    });
    match index {
        Some(i) => i.serialize(s),
        None => file.serialize(s),
    }
}

fn deserialize_file<'de, D: Deserializer<'de>>(d: D) -> Result<Arc<str>, D::Error> {
    let reading = TABLE.with(|t| matches!(&*t.borrow(), Some(Table::Reading(_))));
    if !reading {
        return Ok(Arc::from(String::deserialize(d)?));
    }
    let i = u32::deserialize(d)?;
    TABLE
        .with(|t| match &*t.borrow() {
            Some(Table::Reading(files)) => files.get(i as usize).cloned(),
            _ => None,
        })
        .ok_or_else(|| {
            serde::de::Error::custom(format!("file index {i} is not in the table of files"))
        })
}

/// A location as serde sees it: the fields in order, the file through the table.
#[derive(Serialize)]
#[serde(rename = "SourceLocation")]
struct Written<'a> {
    #[serde(serialize_with = "serialize_file")]
    file: &'a Arc<str>,
    line: u32,
    column: u32,
}

/// As [`Written`], read back.
#[derive(Deserialize)]
#[serde(rename = "SourceLocation")]
struct Read {
    #[serde(deserialize_with = "deserialize_file")]
    file: Arc<str>,
    line: u32,
    column: u32,
}

impl Serialize for SourceLocation {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        Written {
            file: &self.file,
            line: self.line,
            column: self.column,
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for SourceLocation {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<SourceLocation, D::Error> {
        let Read { file, line, column } = Read::deserialize(d)?;
        Ok(SourceLocation { file, line, column })
    }
}
