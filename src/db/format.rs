//! The byte layout of a database: fixed part, header, body. See the module docs.

use serde::{Deserialize, Serialize};

use super::inputs::InputDigest;
use super::validate;
use crate::error::{ErrorKind, Result};
use crate::types::{Target, TypeSet, TypeSetData};

/// The format version this wyvern writes and reads.
///
/// Version 2: functions and globals carry their asm label. Version 3: functions
/// carry the array types their parameters were declared as
/// ([`FunctionDecl::param_arrays`](crate::types::FunctionDecl::param_arrays)),
/// pointer constants ([`ConstValue::Pointer`](crate::ConstValue::Pointer)) and
/// the macros a program may name as functions.
pub const FORMAT_VERSION: u16 = 3;

const MAGIC: &[u8; 8] = b"WYVERNDB";
/// Magic, version, header length.
const FIXED_LEN: usize = 8 + 2 + 4;
/// The largest header accepted: input lists of thousands of headers fit easily.
const MAX_HEADER_LEN: usize = 16 << 20;

/// What precedes the body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(super) struct Header {
    pub(super) producer: String,
    pub(super) target: Target,
    pub(super) inputs: InputDigest,
    pub(super) body_len: u64,
    /// CRC-32 (IEEE) of the body: catches damage in transit or on disk. Not a
    /// defence against a crafted file; the validation after decoding is.
    pub(super) body_crc32: u32,
}

impl Header {
    pub(super) fn new(target: Target, inputs: InputDigest) -> Header {
        Header {
            producer: concat!("wyvern ", env!("CARGO_PKG_VERSION")).to_owned(),
            target,
            inputs,
            body_len: 0,
            body_crc32: 0,
        }
    }
}

fn bad(message: impl Into<String>) -> crate::Error {
    ErrorKind::Database {
        file: None,
        message: message.into(),
        source: None,
    }
    .into()
}

/// As [`bad`], for damage postcard found: its error is the source.
fn undecodable(message: String, cause: postcard::Error) -> crate::Error {
    ErrorKind::Database {
        file: None,
        message,
        source: Some(Box::new(cause)),
    }
    .into()
}

pub(super) fn encode(header: &Header, types: &TypeSet) -> Vec<u8> {
    // Serialising plain data into a Vec cannot fail: no map keys to reject, no
    // sequence of unknown length, no I/O.
    // The body: the table of source files, then the set, whose locations name
    // their files by index into the table.
    let (data, files) =
        super::file_table::writing(|| postcard::to_allocvec(types.data()).unwrap_or_default());
    let files: Vec<&str> = files.iter().map(|f| &**f).collect();
    let mut body = postcard::to_allocvec(&files).unwrap_or_default();
    body.extend_from_slice(&data);
    let mut header = header.clone();
    header.body_len = body.len() as u64;
    header.body_crc32 = crc32fast::hash(&body);
    assemble(&header, &body)
}

fn assemble(header: &Header, body: &[u8]) -> Vec<u8> {
    let head = postcard::to_allocvec(header).unwrap_or_default();
    let mut out = Vec::with_capacity(FIXED_LEN + head.len() + body.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    out.extend_from_slice(&(head.len() as u32).to_le_bytes());
    out.extend_from_slice(&head);
    out.extend_from_slice(body);
    out
}

/// The header and the body's bytes, checked up to the body's checksum.
fn split(bytes: &[u8]) -> Result<(Header, &[u8])> {
    let magic_len = bytes.len().min(MAGIC.len());
    if bytes[..magic_len] != MAGIC[..magic_len] {
        return Err(bad("not a wyvern database (bad magic)"));
    }
    if bytes.len() < FIXED_LEN {
        return Err(bad(format!(
            "truncated at byte {}: the fixed header is {FIXED_LEN} bytes",
            bytes.len()
        )));
    }
    let version = u16::from_le_bytes([bytes[8], bytes[9]]);
    if version != FORMAT_VERSION {
        return Err(bad(format!(
            "database format version {version}, this wyvern reads {FORMAT_VERSION}: rebuild it with `wyvern compile`"
        )));
    }
    let head_len = u32::from_le_bytes([bytes[10], bytes[11], bytes[12], bytes[13]]) as usize;
    if head_len > MAX_HEADER_LEN {
        return Err(bad(format!(
            "damaged: a header of {head_len} bytes (at most {MAX_HEADER_LEN})"
        )));
    }
    let body_start = FIXED_LEN + head_len;
    if bytes.len() < body_start {
        return Err(bad(format!(
            "truncated at byte {}: the header ends at byte {body_start}",
            bytes.len()
        )));
    }
    let head = &bytes[FIXED_LEN..body_start];
    let header: Header = match postcard::take_from_bytes(head) {
        Ok((header, [])) => header,
        Ok((_, rest)) => {
            return Err(bad(format!(
                "damaged header: {} bytes left over at byte {}",
                rest.len(),
                body_start - rest.len()
            )))
        }
        Err(e) => {
            return Err(undecodable(
                format!("damaged header (bytes {FIXED_LEN}..{body_start}): {e}"),
                e,
            ))
        }
    };
    Ok((header, &bytes[body_start..]))
}

pub(super) fn check_target(found: &Target, want: &Target) -> Result<()> {
    if found == want {
        return Ok(());
    }
    Err(bad(format!(
        "database is for {}, this machine is {}",
        found, want
    )))
}

/// Decodes and checks a whole database; with `want`, refuses another target
/// before the body is read.
pub(super) fn decode(bytes: &[u8], want: Option<&Target>) -> Result<(Header, TypeSet)> {
    let (header, body) = split(bytes)?;
    if let Some(want) = want {
        check_target(&header.target, want)?;
    }
    let body_start = bytes.len() - body.len();
    if (body.len() as u64) < header.body_len {
        return Err(bad(format!(
            "truncated at byte {}: the body ends at byte {}",
            bytes.len(),
            body_start as u64 + header.body_len
        )));
    }
    if body.len() as u64 > header.body_len {
        return Err(bad(format!(
            "damaged: {} bytes after the end of the body at byte {}",
            body.len() as u64 - header.body_len,
            body_start as u64 + header.body_len
        )));
    }
    if crc32fast::hash(body) != header.body_crc32 {
        return Err(bad(
            "damaged: the body's checksum does not match (bytes changed after it was written)",
        ));
    }
    let (files, data_bytes): (Vec<&str>, &[u8]) = match postcard::take_from_bytes(body) {
        Ok(taken) => taken,
        Err(e) => return Err(undecodable(format!("damaged table of files: {e}"), e)),
    };
    let files: Vec<std::sync::Arc<str>> = files.into_iter().map(std::sync::Arc::from).collect();
    let decoded = super::file_table::reading(files, || {
        postcard::take_from_bytes::<TypeSetData>(data_bytes)
    });
    let data: TypeSetData = match decoded {
        Ok((data, [])) => data,
        Ok((_, rest)) => {
            return Err(bad(format!(
                "damaged body: {} bytes left over at byte {}",
                rest.len(),
                bytes.len() - rest.len()
            )))
        }
        Err(e) => return Err(undecodable(format!("damaged body: {e}"), e)),
    };
    if data.target != header.target {
        return Err(bad(format!(
            "damaged: the header says {} but the body says {}",
            header.target, data.target
        )));
    }
    validate::check(&data).map_err(|e| bad(format!("damaged body: {e}")))?;
    Ok((header, TypeSet::from_data(data)))
}

pub(super) fn reseal(bytes: &[u8]) -> Option<Vec<u8>> {
    let (mut header, body) = split(bytes).ok()?;
    header.body_len = body.len() as u64;
    header.body_crc32 = crc32fast::hash(body);
    Some(assemble(&header, body))
}
