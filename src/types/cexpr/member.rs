//! `offsetof(type, member)`: a member designator (`a.b[2].c`) walked through
//! a record's fields, anonymous members included.

use super::{Depth, Eval, EvalError, Offsetof};
use crate::types::{Type, TypeId, TypeSetData};

/// One step of a member designator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Member<'a> {
    /// `.name` (or the first name).
    Field(&'a str),
    /// `[index]`.
    Index(u64),
}

/// The byte offset of `path` in the type `id`, as `offsetof` gives it.
pub(crate) fn offset_of(data: &TypeSetData, id: TypeId, path: &[Member<'_>]) -> Eval<u64> {
    let mut ty = id;
    let mut offset = 0u64;
    for step in path {
        let (at, next) = match step {
            Member::Field(name) => field(data, ty, name, 0)?,
            Member::Index(i) => {
                let Some(Type::Array { elem, .. }) = data.ty(data.canonical(ty)) else {
                    return Err(Offsetof::NotAnArray { index: *i }.into());
                };
                let size = data
                    .layout_of(elem.id)
                    .ok_or(Offsetof::IncompleteElement)?
                    .size;
                (i.checked_mul(size).ok_or(Offsetof::TooLarge)?, elem.id)
            }
        };
        offset = offset.checked_add(at).ok_or(Offsetof::TooLarge)?;
        ty = next;
    }
    Ok(offset)
}

/// The byte offset and type of the field `name` of the record `ty`, looking
/// inside anonymous members (`depth` of them so far).
fn field(data: &TypeSetData, ty: TypeId, name: &str, depth: u32) -> Eval<(u64, TypeId)> {
    if depth > crate::limits::MAX_TYPE_DEPTH {
        return Err(EvalError::TooDeep(Depth::Types));
    }
    let Some(Type::Record(r)) = data.ty(data.canonical(ty)) else {
        return Err(Offsetof::NotARecord {
            field: name.to_owned(),
        }
        .into());
    };
    let def = data
        .records
        .get(r.index())
        .and_then(|r| r.def.as_ref())
        .ok_or_else(|| Offsetof::IncompleteRecord {
            field: name.to_owned(),
        })?;
    for f in &def.fields {
        if f.name.as_deref() == Some(name) {
            if f.bit_width.is_some() {
                return Err(Offsetof::Bitfield {
                    field: name.to_owned(),
                }
                .into());
            }
            return Ok((f.offset_bits / 8, f.ty.id));
        }
        if f.is_anonymous_member() {
            if let Ok((at, found)) = field(data, f.ty.id, name, depth + 1) {
                return Ok((f.offset_bits / 8 + at, found));
            }
        }
    }
    Err(Offsetof::NoField {
        field: name.to_owned(),
    }
    .into())
}
