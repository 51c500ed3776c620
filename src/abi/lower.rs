//! Lowering a C type to the libffi type that carries it as the System V ABI
//! does (see [`super::ffi`] for why aggregates are lowered from their
//! classification), into an arena the call interface owns.

use std::ptr::{addr_of_mut, null_mut};

use libffi::raw as ffi;

use super::sysv::{classify, Class, Passing};
use crate::types::{FloatKind, IntKind, QualType, Type, TypeId, TypeSet};

#[derive(Default)]
pub(super) struct Arena {
    // Boxed on purpose: `ffi_type`s are pointed to, so they must not move when
    // the vector grows.
    #[allow(clippy::vec_box)]
    types: Vec<Box<ffi::ffi_type>>,
    lists: Vec<Box<[*mut ffi::ffi_type]>>,
}

impl Arena {
    pub(super) fn structure(
        &mut self,
        size: usize,
        align: u16,
        elements: Vec<*mut ffi::ffi_type>,
    ) -> *mut ffi::ffi_type {
        let mut list = elements;
        list.push(null_mut());
        let mut list = list.into_boxed_slice();
        let mut ty = Box::new(ffi::ffi_type {
            // Preset: libffi lays out only structs whose size is 0, so it keeps the
            // record's own size and alignment.
            size,
            alignment: align,
            type_: ffi::FFI_TYPE_STRUCT,
            elements: list.as_mut_ptr(),
        });
        let ptr: *mut ffi::ffi_type = &mut *ty;
        self.lists.push(list);
        self.types.push(ty);
        ptr
    }
}

pub(super) fn static_type(t: &'static mut ffi::ffi_type) -> *mut ffi::ffi_type {
    t
}

/// The libffi type that carries a value of `ty` as the System V ABI does.
pub(super) fn lower(
    set: &TypeSet,
    arena: &mut Arena,
    ty: TypeId,
) -> std::result::Result<*mut ffi::ffi_type, String> {
    let canonical = set.canonical(ty);
    let size = set.layout(canonical).map(|l| l.size);
    // SAFETY (each `addr_of_mut!` below): libffi's predefined types are statics it
    // never writes once initialised; wyvern only passes their addresses back to it.
    let scalar = match set.ty(canonical) {
        Type::Void => return Err("'void' is not a value".into()),
        Type::Bool => Some(addr_of_mut!(ffi::ffi_type_uint8)),
        Type::Pointer(_) => Some(addr_of_mut!(ffi::ffi_type_pointer)),
        Type::Int(k) => int_type(*k, size),
        Type::Enum(e) => {
            let under = set.enum_(*e).underlying;
            match set.ty(set.canonical(under)) {
                Type::Int(k) => int_type(*k, set.layout(under).map(|l| l.size)),
                _ => None,
            }
        }
        Type::Float(FloatKind::Float) => Some(addr_of_mut!(ffi::ffi_type_float)),
        Type::Float(FloatKind::Double) => Some(addr_of_mut!(ffi::ffi_type_double)),
        Type::Float(FloatKind::LongDouble) if size == Some(16) => {
            Some(addr_of_mut!(ffi::ffi_type_longdouble))
        }
        Type::Function(_) => return Err("a function is not a value".into()),
        _ => None,
    };
    if let Some(t) = scalar {
        // SAFETY: `t` points to a libffi static (see above).
        return Ok(static_type(unsafe { &mut *t }));
    }
    aggregate(set, arena, canonical)
}

fn int_type(kind: IntKind, size: Option<u64>) -> Option<*mut ffi::ffi_type> {
    let signed = kind.is_signed();
    Some(match (size?, signed) {
        (1, true) => addr_of_mut!(ffi::ffi_type_sint8),
        (1, false) => addr_of_mut!(ffi::ffi_type_uint8),
        (2, true) => addr_of_mut!(ffi::ffi_type_sint16),
        (2, false) => addr_of_mut!(ffi::ffi_type_uint16),
        (4, true) => addr_of_mut!(ffi::ffi_type_sint32),
        (4, false) => addr_of_mut!(ffi::ffi_type_uint32),
        (8, true) => addr_of_mut!(ffi::ffi_type_sint64),
        (8, false) => addr_of_mut!(ffi::ffi_type_uint64),
        _ => return None,
    })
}

/// Lowers a record, union, `__int128`, `_Complex` or other multi-part value.
fn aggregate(
    set: &TypeSet,
    arena: &mut Arena,
    ty: TypeId,
) -> std::result::Result<*mut ffi::ffi_type, String> {
    let spelled = || set.spell(QualType::new(ty));
    let layout = set
        .layout(ty)
        .ok_or_else(|| format!("'{}' is incomplete", spelled()))?;
    if layout.align > 16 {
        return Err(format!(
            "'{}' is aligned to {} bytes; by-value arguments aligned beyond 16 are not supported",
            spelled(),
            layout.align
        ));
    }
    let size = usize::try_from(layout.size).map_err(|_| "too large".to_owned())?;
    let align = layout.align as u16;
    let passing = classify(set, ty).map_err(|e| e.to_string())?;
    match passing {
        Passing::Nothing => Err(format!(
            "'{}' has no size; libffi cannot pass it",
            spelled()
        )),
        Passing::Memory => {
            // A struct larger than 32 bytes, as an element, makes libffi class the
            // whole value MEMORY; the outer size stays the record's.
            let big = arena.structure(64, 1, Vec::new());
            Ok(arena.structure(size, align, vec![big]))
        }
        Passing::Registers(classes) => registers(arena, &classes, (size, align), &spelled),
    }
}

/// The libffi struct of a value of `size` bytes and alignment `align` passed
/// in registers of these `classes`, one element per eightbyte's class.
fn registers(
    arena: &mut Arena,
    classes: &[Class],
    (size, align): (usize, u16),
    spelled: &dyn Fn() -> String,
) -> std::result::Result<*mut ffi::ffi_type, String> {
    let u = |t: &'static mut ffi::ffi_type| -> *mut ffi::ffi_type { t };
    // SAFETY (each deref below): pointers to libffi's statics, see `lower`.
    let (u8_, u16_, u32_, u64_, f32_, f64_, ld) = unsafe {
        (
            u(&mut *addr_of_mut!(ffi::ffi_type_uint8)),
            u(&mut *addr_of_mut!(ffi::ffi_type_uint16)),
            u(&mut *addr_of_mut!(ffi::ffi_type_uint32)),
            u(&mut *addr_of_mut!(ffi::ffi_type_uint64)),
            u(&mut *addr_of_mut!(ffi::ffi_type_float)),
            u(&mut *addr_of_mut!(ffi::ffi_type_double)),
            u(&mut *addr_of_mut!(ffi::ffi_type_longdouble)),
        )
    };
    let mut elements = Vec::new();
    let last_data = classes
        .iter()
        .rposition(|c| *c != Class::NoClass)
        .unwrap_or(0);
    for (i, class) in classes.iter().enumerate() {
        let start = i * 8;
        let bytes = (size - start).min(8);
        match class {
            Class::Integer => {
                let mut left = bytes;
                for (width, t) in [(8, u64_), (4, u32_), (2, u16_), (1, u8_)] {
                    while left >= width {
                        elements.push(t);
                        left -= width;
                    }
                }
            }
            Class::Sse => elements.push(if bytes > 4 { f64_ } else { f32_ }),
            Class::X87 => elements.push(ld),
            Class::X87Up => {}
            Class::NoClass if i < last_data => {
                elements.push(arena.structure(8, 1, Vec::new()));
            }
            Class::NoClass => {}
            Class::SseUp => {
                return Err(format!(
                    "'{}' travels in a full vector register, which libffi cannot express",
                    spelled()
                ))
            }
            Class::ComplexX87 | Class::Memory => {
                return Err(format!("'{}' has no register form", spelled()))
            }
        }
    }
    Ok(arena.structure(size, align, elements))
}
