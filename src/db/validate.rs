//! Checks of a decoded body, before anything indexes or recurses into it.
//!
//! postcard gives back any structurally valid body: ids out of range, types that
//! contain themselves, absurd layouts. Everything downstream (lookups,
//! `canonical`, layouts, printing, the ABI lowering) indexes the arenas and
//! recurses through types, so a body is only accepted when it is something a
//! front end could have built.

use crate::types::{ConstValue, Layout, Record, Type, TypeId, TypeSetData};

/// Sizes at or above this many bytes are refused (no real type comes close, and
/// it leaves room to count in bits without overflow).
const MAX_SIZE: u64 = 1 << 48;
const MAX_ALIGN: u64 = 1 << 32;
/// Wider bitfields do not exist in C (`__int128` ones are the widest).
const MAX_BIT_WIDTH: u32 = 128;

type Check = Result<(), String>;

pub(super) fn check(data: &TypeSetData) -> Check {
    let v = Validator { data };
    v.target()?;
    v.nodes()?;
    v.records()?;
    v.declarations()?;
    crate::types::check_nesting(data)?;
    v.enum_underlying()?;
    v.param_arrays()?;
    v.pointer_constants()?;
    Ok(())
}

struct Validator<'a> {
    data: &'a TypeSetData,
}

impl Validator<'_> {
    fn id(&self, id: TypeId, what: impl FnOnce() -> String) -> Check {
        if id.index() < self.data.types.len() {
            Ok(())
        } else {
            Err(format!(
                "{} refers to type {} of {}",
                what(),
                id.index(),
                self.data.types.len()
            ))
        }
    }

    fn target(&self) -> Check {
        match self.data.target.pointer_size {
            2 | 4 | 8 => Ok(()),
            n => Err(format!("a pointer size of {n} bytes")),
        }
    }

    fn layout(&self, layout: Layout, what: impl FnOnce() -> String) -> Check {
        if layout.size >= MAX_SIZE {
            return Err(format!("{} has size {} bytes", what(), layout.size));
        }
        if !layout.align.is_power_of_two() || layout.align > MAX_ALIGN {
            return Err(format!("{} has alignment {}", what(), layout.align));
        }
        Ok(())
    }

    fn nodes(&self) -> Check {
        let d = self.data;
        for (i, node) in d.types.iter().enumerate() {
            let what = || format!("type {i}");
            if let Some(layout) = node.layout {
                self.layout(layout, what)?;
            }
            match &node.ty {
                Type::Pointer(q) => self.id(q.id, what)?,
                Type::Array { elem, len } => {
                    self.id(elem.id, what)?;
                    if let (Some(layout), Some(len)) = (node.layout, len) {
                        let elem_size = d.layout_of(elem.id).map(|l| l.size);
                        let size = elem_size.and_then(|s| s.checked_mul(*len));
                        if size != Some(layout.size) {
                            return Err(format!(
                                "type {i}, an array of {len}, has size {} but its elements make {}",
                                layout.size,
                                size.map_or("no size".to_owned(), |s| s.to_string())
                            ));
                        }
                    }
                }
                Type::Vector { elem, .. } => self.id(*elem, what)?,
                Type::Record(r) => {
                    if d.record_types.get(r.index()) != Some(&TypeId::from_index(i)) {
                        return Err(format!(
                            "type {i} is record {} of {}, whose type is another",
                            r.index(),
                            d.records.len()
                        ));
                    }
                    if node.layout.is_some() {
                        return Err(format!("type {i}, a record, has a layout of its own"));
                    }
                }
                Type::Enum(e) if e.index() >= d.enums.len() => {
                    return Err(format!(
                        "type {i} is enum {} of {}",
                        e.index(),
                        d.enums.len()
                    ))
                }
                Type::Typedef(t) if t.index() >= d.typedefs.len() => {
                    return Err(format!(
                        "type {i} is typedef {} of {}",
                        t.index(),
                        d.typedefs.len()
                    ))
                }
                Type::Function(sig) => {
                    self.id(sig.ret.id, what)?;
                    for p in &sig.params {
                        self.id(p.id, what)?;
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }

    fn records(&self) -> Check {
        let d = self.data;
        if d.record_types.len() != d.records.len() {
            return Err(format!(
                "{} records but {} record types",
                d.records.len(),
                d.record_types.len()
            ));
        }
        for (i, &ty) in d.record_types.iter().enumerate() {
            match d.ty(ty) {
                Some(Type::Record(r)) if r.index() == i => {}
                _ => {
                    return Err(format!(
                        "record {i}'s type {} is not that record",
                        ty.index()
                    ))
                }
            }
        }
        for (i, record) in d.records.iter().enumerate() {
            self.record(i, record)?;
        }
        Ok(())
    }

    fn record(&self, i: usize, record: &Record) -> Check {
        let Some(def) = &record.def else {
            return Ok(());
        };
        let name = || match &record.tag {
            Some(tag) => format!("{} {tag}", record.kind.keyword()),
            None => format!("record {i}"),
        };
        self.layout(def.layout, name)?;
        if def.layout.size % def.layout.align != 0 {
            return Err(format!(
                "{} has size {} that is not a multiple of its alignment {}",
                name(),
                def.layout.size,
                def.layout.align
            ));
        }
        let size_bits = def.layout.size * 8;
        for (n, field) in def.fields.iter().enumerate() {
            let field_name = || {
                format!(
                    "{}'s field {}",
                    name(),
                    field.name.clone().unwrap_or_else(|| n.to_string())
                )
            };
            self.id(field.ty.id, field_name)?;
            let canonical = self.data.canonical(field.ty.id);
            let layout = self.data.layout_of(field.ty.id);
            let end = match (field.bit_width, layout) {
                (Some(width), Some(layout)) => {
                    let scalar = matches!(
                        self.data.ty(canonical),
                        Some(Type::Int(_) | Type::Bool | Type::Enum(_))
                    );
                    if !scalar || width > MAX_BIT_WIDTH || u64::from(width) > layout.size * 8 {
                        return Err(format!("{} is a bitfield of {width} bits", field_name()));
                    }
                    field.offset_bits.checked_add(u64::from(width))
                }
                (None, Some(layout)) => {
                    if field.offset_bits % 8 != 0 {
                        return Err(format!(
                            "{} is at bit {}, not on a byte",
                            field_name(),
                            field.offset_bits
                        ));
                    }
                    field.offset_bits.checked_add(layout.size * 8)
                }
                // A flexible array member has no size; nothing else may lack one.
                (None, None)
                    if matches!(self.data.ty(canonical), Some(Type::Array { len: None, .. })) =>
                {
                    Some(field.offset_bits)
                }
                _ => return Err(format!("{} has a type without a size", field_name())),
            };
            if end.is_none_or(|end| end > size_bits) {
                return Err(format!(
                    "{} at bit {} goes past the end of the record ({} bytes)",
                    field_name(),
                    field.offset_bits,
                    def.layout.size
                ));
            }
        }
        Ok(())
    }

    fn declarations(&self) -> Check {
        let d = self.data;
        for (i, e) in d.enums.iter().enumerate() {
            self.id(e.underlying, || format!("enum {i}"))?;
        }
        for td in &d.typedefs {
            self.id(td.target.id, || format!("typedef {}", td.name))?;
        }
        for f in &d.functions {
            self.id(f.ty, || format!("function {}", f.name))?;
            for (i, array) in f.param_arrays.iter().enumerate() {
                if let Some(array) = array {
                    self.id(array.id, || {
                        format!("parameter {} of function {}", i + 1, f.name)
                    })?;
                }
            }
        }
        for g in &d.globals {
            self.id(g.ty.id, || format!("global {}", g.name))?;
        }
        for c in &d.constants {
            self.id(c.ty.id, || format!("constant {}", c.name))?;
        }
        Ok(())
    }

    /// A pointer constant has a pointer type (checked once the graphs are
    /// known acyclic, as `canonical` needs).
    fn pointer_constants(&self) -> Check {
        for c in &self.data.constants {
            let canonical = self.data.canonical(c.ty.id);
            let pointer = matches!(self.data.ty(canonical), Some(Type::Pointer(_)));
            if matches!(c.value, ConstValue::Pointer(_)) && !pointer {
                return Err(format!(
                    "constant {} is an address but its type is not a pointer type",
                    c.name
                ));
            }
        }
        Ok(())
    }

    /// Parameters declared as arrays, checked once the graphs are known acyclic:
    /// each is an array of known length, of a parameter that is a pointer to its
    /// element, as the front end adjusted it (callers make the array and pass it
    /// as that pointer).
    fn param_arrays(&self) -> Check {
        let d = self.data;
        for f in &d.functions {
            if f.param_arrays.is_empty() {
                continue;
            }
            let params = match d.ty(d.canonical(f.ty)) {
                Some(Type::Function(sig)) => sig.params.as_slice(),
                _ => &[],
            };
            if f.param_arrays.len() > params.len() {
                return Err(format!(
                    "function {} has {} parameters and {} declared arrays",
                    f.name,
                    params.len(),
                    f.param_arrays.len()
                ));
            }
            for (i, (array, param)) in f.param_arrays.iter().zip(params).enumerate() {
                let Some(array) = array else { continue };
                let elem = match d.ty(d.canonical(array.id)) {
                    Some(Type::Array {
                        elem,
                        len: Some(1..),
                    }) => d.canonical(elem.id),
                    _ => {
                        return Err(format!(
                        "parameter {} of function {} is declared as an array of no known length",
                        i + 1,
                        f.name
                    ))
                    }
                };
                let pointee = match d.ty(d.canonical(param.id)) {
                    Some(Type::Pointer(p)) => Some(d.canonical(p.id)),
                    _ => None,
                };
                if pointee != Some(elem) {
                    return Err(format!(
                        "parameter {} of function {} is not a pointer to the element of the array it is declared as",
                        i + 1,
                        f.name
                    ));
                }
            }
        }
        Ok(())
    }

    /// Enum underlying types, checked once the graphs are known acyclic
    /// (`canonical` is bounded either way, but a message is clearer).
    fn enum_underlying(&self) -> Check {
        for (i, e) in self.data.enums.iter().enumerate() {
            let canonical = self.data.canonical(e.underlying);
            if !matches!(self.data.ty(canonical), Some(Type::Int(_) | Type::Bool)) {
                return Err(format!("enum {i}'s underlying type is not an integer type"));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    //! Bodies a mutation rarely produces but a hostile file can: each must be
    //! refused, and the reason named.

    use super::check;
    use crate::types::{
        CallConv, Field, FnSig, FunctionDecl, IntKind, Layout, Linkage, QualType, RecordDef,
        RecordKind, Target, Type, TypeBuilder, TypeId, TypeSetData, Typedef,
    };

    fn int(b: &mut TypeBuilder) -> TypeId {
        b.intern(Type::Int(IntKind::Int), Some(Layout::new(4, 4)))
    }

    fn data(build: impl FnOnce(&mut TypeBuilder)) -> TypeSetData {
        let mut b = TypeBuilder::new(Target::host());
        build(&mut b);
        b.freeze().data().clone()
    }

    fn refused(data: &TypeSetData, why: &str) {
        match check(data) {
            Ok(()) => panic!("accepted; expected '{why}'"),
            Err(e) => assert!(e.contains(why), "'{e}' does not say '{why}'"),
        }
    }

    fn struct_with(b: &mut TypeBuilder, ty: TypeId, offset_bits: u64, size: u64) {
        let (r, _) = b.declare_record(RecordKind::Struct, Some("s".into()), None);
        b.define_record(
            r,
            RecordDef {
                layout: Layout::new(size, 4),
                fields: vec![Field {
                    name: Some("f".into()),
                    ty: ty.into(),
                    offset_bits,
                    bit_width: None,
                }],
                packed: false,
            },
        );
    }

    #[test]
    fn a_pointer_constant_needs_a_pointer_type() {
        let constant = |b: &mut TypeBuilder, ty: TypeId| {
            b.add_constant(crate::types::Constant {
                name: "P".into(),
                ty: ty.into(),
                value: crate::types::ConstValue::Pointer(1),
                origin: crate::types::ConstOrigin::Macro,
                location: None,
            })
        };
        let d = data(|b| {
            let i = int(b);
            constant(b, i);
        });
        refused(
            &d,
            "constant P is an address but its type is not a pointer type",
        );
        let d = data(|b| {
            let i = int(b);
            let p = b.intern(Type::Pointer(i.into()), Some(Layout::new(8, 8)));
            constant(b, p);
        });
        assert_eq!(check(&d), Ok(()));
    }

    #[test]
    fn a_good_body_passes() {
        let d = data(|b| {
            let i = int(b);
            struct_with(b, i, 32, 8);
        });
        assert_eq!(check(&d), Ok(()));
    }

    #[test]
    fn a_typedef_of_itself() {
        let mut d = data(|b| {
            let i = int(b);
            b.add_typedef(
                Typedef {
                    name: "t".into(),
                    target: i.into(),
                    location: None,
                },
                None,
            );
        });
        d.typedefs[0].target = QualType::new(TypeId::from_index(1));
        refused(&d, "type 1 contains itself by value");
    }

    #[test]
    fn an_array_of_itself() {
        let mut d = data(|b| {
            let i = int(b);
            b.intern(
                Type::Array {
                    elem: i.into(),
                    len: None,
                },
                None,
            );
        });
        d.types[1].ty = Type::Array {
            elem: TypeId::from_index(1).into(),
            len: None,
        };
        refused(&d, "contains itself by value");
    }

    #[test]
    fn a_struct_holding_itself_by_value() {
        let d = data(|b| {
            let i = int(b);
            struct_with(b, i, 0, 4);
        });
        let mut d = d;
        d.records[0].def.as_mut().unwrap().fields[0].ty = TypeId::from_index(1).into();
        // Its own size (4) fits, so only the cycle check stands in the way.
        d.records[0].def.as_mut().unwrap().layout = Layout::new(4, 4);
        refused(&d, "type 1 contains itself by value");
    }

    #[test]
    fn a_pointer_to_itself_and_a_function_taking_itself() {
        let mut d = data(|b| {
            let i = int(b);
            b.intern(Type::Pointer(i.into()), Some(Layout::new(8, 8)));
        });
        d.types[1].ty = Type::Pointer(TypeId::from_index(1).into());
        refused(&d, "contains itself not through a struct or union");
        let sig = FnSig {
            ret: TypeId::from_index(0).into(),
            params: vec![TypeId::from_index(1).into()],
            variadic: false,
            prototyped: true,
            conv: CallConv::C,
        };
        d.types[1].ty = Type::Function(sig);
        d.types[1].layout = None;
        refused(&d, "contains itself not through a struct or union");
    }

    #[test]
    fn declared_arrays_that_cannot_be() {
        let mut d = data(|b| {
            let i = int(b);
            let p = b.intern(Type::Pointer(i.into()), Some(Layout::new(8, 8)));
            let array = Type::Array {
                elem: i.into(),
                len: Some(4),
            };
            let a = b.intern(array, Some(Layout::new(16, 4)));
            let pointers = Type::Array {
                elem: p.into(),
                len: Some(2),
            };
            b.intern(pointers, Some(Layout::new(16, 8)));
            let sig = FnSig {
                ret: i.into(),
                params: vec![p.into()],
                variadic: false,
                prototyped: true,
                conv: CallConv::C,
            };
            let ty = b.intern(Type::Function(sig), None);
            b.add_function(FunctionDecl {
                name: "f".into(),
                asm_label: None,
                ty,
                param_names: vec![None],
                param_arrays: vec![Some(a.into())],
                linkage: Linkage::External,
                inline: false,
                location: None,
            });
        });
        assert_eq!(check(&d), Ok(()));
        let declare = |id: usize, d: &mut TypeSetData| {
            d.functions[0].param_arrays = vec![Some(TypeId::from_index(id).into())];
        };
        declare(9, &mut d);
        refused(&d, "parameter 1 of function f refers to type 9 of 5");
        declare(1, &mut d);
        refused(
            &d,
            "parameter 1 of function f is declared as an array of no known length",
        );
        declare(3, &mut d);
        refused(
            &d,
            "parameter 1 of function f is not a pointer to the element",
        );
        d.functions[0].param_arrays = vec![None, None];
        refused(&d, "function f has 1 parameters and 2 declared arrays");
    }

    #[test]
    fn ids_out_of_range() {
        let mut d = data(|b| {
            let i = int(b);
            b.intern(Type::Pointer(i.into()), Some(Layout::new(8, 8)));
        });
        d.types[1].ty = Type::Pointer(TypeId::from_index(7).into());
        refused(&d, "type 1 refers to type 7 of 2");
        d.types[1].ty = Type::Record(crate::types::RecordId::from_index(0));
        refused(&d, "type 1 is record 0 of 0");
        d.types[1].ty = Type::Typedef(crate::types::TypedefId::from_index(3));
        refused(&d, "type 1 is typedef 3 of 0");
    }

    #[test]
    fn layouts_that_cannot_be() {
        let i_at = |d: &mut TypeSetData, layout| d.types[0].layout = Some(layout);
        let mut d = data(|b| {
            let i = int(b);
            struct_with(b, i, 32, 8);
        });
        i_at(&mut d, Layout::new(4, 3));
        refused(&d, "type 0 has alignment 3");
        i_at(&mut d, Layout::new(u64::MAX, 4));
        refused(&d, "type 0 has size 18446744073709551615 bytes");
        i_at(&mut d, Layout::new(4, 4));
        d.records[0].def.as_mut().unwrap().fields[0].offset_bits = 40;
        refused(
            &d,
            "struct s's field f at bit 40 goes past the end of the record (8 bytes)",
        );
        d.records[0].def.as_mut().unwrap().fields[0].offset_bits = u64::MAX - 3;
        refused(&d, "is at bit 18446744073709551612, not on a byte");
        d.records[0].def.as_mut().unwrap().fields[0].offset_bits = u64::MAX - 7;
        refused(&d, "goes past the end of the record");
        d.records[0].def.as_mut().unwrap().fields[0].offset_bits = 0;
        d.records[0].def.as_mut().unwrap().fields[0].bit_width = Some(33);
        refused(&d, "struct s's field f is a bitfield of 33 bits");
        d.records[0].def.as_mut().unwrap().fields[0].bit_width = None;
        d.records[0].def.as_mut().unwrap().layout = Layout::new(6, 4);
        refused(&d, "size 6 that is not a multiple of its alignment 4");
    }

    #[test]
    fn an_array_whose_size_is_not_its_elements() {
        let mut d = data(|b| {
            let i = int(b);
            b.intern(
                Type::Array {
                    elem: i.into(),
                    len: Some(4),
                },
                Some(Layout::new(16, 4)),
            );
        });
        d.types[1].ty = Type::Array {
            elem: TypeId::from_index(0).into(),
            len: Some(u64::MAX),
        };
        refused(
            &d,
            "an array of 18446744073709551615, has size 16 but its elements make no size",
        );
    }

    #[test]
    fn nesting_too_deep() {
        let d = data(|b| {
            let mut t = int(b);
            for _ in 0..=crate::limits::MAX_TYPE_DEPTH {
                t = b.intern(Type::Pointer(t.into()), Some(Layout::new(8, 8)));
            }
        });
        refused(&d, "nested more than 200 deep");
    }
}
