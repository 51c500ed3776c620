//! Base types (`DW_TAG_base_type`): DWARF's encodings and sizes to C's scalars.

use gimli::AttributeValue;

use super::{Converter, Die, Malformed, Result, Unit};
use crate::types::{FloatKind, IntKind, Layout, Type, TypeId};

impl<'d, 'a> Converter<'d, 'a> {
    pub(super) fn base(&mut self, unit: &Unit<'a>, entry: &Die<'a>) -> Result<TypeId> {
        let name = self.name(unit, entry)?.unwrap_or_default();
        let size = Self::udata(entry, gimli::DW_AT_byte_size).unwrap_or(0);
        let encoding = match entry.attr_value(gimli::DW_AT_encoding) {
            Some(AttributeValue::Encoding(e)) => e,
            _ => gimli::DW_ATE_signed,
        };
        // A complex number is aligned as its parts are.
        let part = if encoding == gimli::DW_ATE_complex_float {
            size / 2
        } else {
            size
        };
        let align = if part.is_power_of_two() { part } else { 4 };
        let layout = Some(Layout::new(size, align.max(1)));
        let ty = match base_type(&name, encoding, size) {
            Some(Type::Int(IntKind::Char { signed })) => {
                self.char_signed = Some(signed);
                Type::Int(IntKind::Char { signed })
            }
            Some(ty) => ty,
            None => {
                return Err(Malformed::Skip(format!(
                    "the base type '{name}' ({size} bytes, encoding {encoding}) has no C equivalent"
                )))
            }
        };
        Ok(self.b.intern(ty, layout))
    }
}

/// The C type of a DWARF base type, by the producer's name first (gcc writes
/// `long unsigned int`, clang `unsigned long`), then by encoding and size.
fn base_type(name: &str, encoding: gimli::DwAte, size: u64) -> Option<Type> {
    let int = |k| Some(Type::Int(k));
    // gcc writes `long unsigned int` and `complex float`, clang `unsigned long`
    // and a bare `complex` for every complex type (told apart by size below).
    if name == "complex" && encoding == gimli::DW_ATE_complex_float {
        return match size {
            8 => Some(Type::Complex(FloatKind::Float)),
            16 => Some(Type::Complex(FloatKind::Double)),
            24 | 32 => Some(Type::Complex(FloatKind::LongDouble)),
            _ => None,
        };
    }
    let words: Vec<&str> = name
        .split_whitespace()
        .map(|w| match w {
            "complex" => "_Complex",
            "_Float128" => "__float128",
            "bool" => "_Bool",
            other => other,
        })
        .collect();
    let by_name = crate::types::scalar_from_words(&words, encoding == gimli::DW_ATE_signed_char)
        .filter(|t| !matches!(t, Type::Void));
    if by_name.is_some() {
        return by_name;
    }
    match (encoding, size) {
        (gimli::DW_ATE_boolean, _) => Some(Type::Bool),
        (gimli::DW_ATE_signed_char, 1) => int(IntKind::SChar),
        (gimli::DW_ATE_unsigned_char, 1) => int(IntKind::UChar),
        (gimli::DW_ATE_signed, 1) => int(IntKind::SChar),
        (gimli::DW_ATE_signed, 2) => int(IntKind::Short),
        (gimli::DW_ATE_signed, 4) => int(IntKind::Int),
        (gimli::DW_ATE_signed, 8) => int(IntKind::LongLong),
        (gimli::DW_ATE_signed, 16) => int(IntKind::Int128),
        (gimli::DW_ATE_unsigned, 1) => int(IntKind::UChar),
        (gimli::DW_ATE_unsigned, 2) => int(IntKind::UShort),
        (gimli::DW_ATE_unsigned, 4) => int(IntKind::UInt),
        (gimli::DW_ATE_unsigned, 8) => int(IntKind::ULongLong),
        (gimli::DW_ATE_unsigned, 16) => int(IntKind::UInt128),
        (gimli::DW_ATE_UTF, 2) => int(IntKind::Char16),
        (gimli::DW_ATE_UTF, 4) => int(IntKind::Char32),
        (gimli::DW_ATE_float, 4) => Some(Type::Float(FloatKind::Float)),
        (gimli::DW_ATE_float, 8) => Some(Type::Float(FloatKind::Double)),
        (gimli::DW_ATE_float, 2) => Some(Type::Float(FloatKind::Half)),
        (gimli::DW_ATE_float, 12 | 16) => Some(Type::Float(FloatKind::LongDouble)),
        (gimli::DW_ATE_complex_float, 8) => Some(Type::Complex(FloatKind::Float)),
        (gimli::DW_ATE_complex_float, 16) => Some(Type::Complex(FloatKind::Double)),
        (gimli::DW_ATE_complex_float, 24 | 32) => Some(Type::Complex(FloatKind::LongDouble)),
        _ => None,
    }
}
