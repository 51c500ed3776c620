//! Enums: their enumerators, underlying type and the constants they declare.

use clang_sys::*;

use super::{location, Converter};
use crate::error::Result;
use crate::frontend::clang::sys::Cursor;
use crate::types::{ConstOrigin, ConstValue, Constant, Enum, IntKind, Layout, Type, TypeId};

impl<'tu> Converter<'tu> {
    pub(super) fn enum_decl(&mut self, c: Cursor<'tu>) -> Result<TypeId> {
        let key = c.key();
        if let Some(&(id, ty, complete)) = self.enums.get(&key) {
            if complete {
                return Ok(ty);
            }
            if let Some(def) = c.definition() {
                let body = self.enum_body(def)?;
                self.b.update_enum(id, body);
                self.enums.insert(key, (id, ty, true));
            }
            return Ok(ty);
        }
        let body = match c.definition() {
            Some(def) => self.enum_body(def)?,
            None => Enum {
                tag: self.tag_of(c),
                underlying: self.ty(c.enum_integer_type())?.id,
                constants: Vec::new(),
                complete: false,
                location: location(&mut self.file_names, c),
            },
        };
        let complete = body.complete;
        let layout = c.ty().size_align().map(|(s, a)| Layout::new(s, a));
        let (id, ty) = self.b.add_enum(body, layout);
        self.enums.insert(key, (id, ty, complete));
        if complete {
            self.enum_constants(c.definition().unwrap_or(c))?;
        }
        Ok(ty)
    }

    pub(super) fn enum_body(&mut self, def: Cursor<'tu>) -> Result<Enum> {
        let (underlying, unsigned) = self.enum_underlying(def)?;
        let constants = def
            .children()
            .into_iter()
            .filter(|k| k.kind() == CXCursor_EnumConstantDecl)
            .map(|k| (k.spelling(), k.enum_value(unsigned)))
            .collect();
        Ok(Enum {
            tag: self.tag_of(def),
            underlying,
            constants,
            complete: true,
            location: location(&mut self.file_names, def),
        })
    }

    /// Enumerators are constants too, typed as C17 (and gcc) types them: `int` when
    /// the value fits, else the enum's underlying type. (libclang 18+ applies C23's
    /// rule, which gives every enumerator the enum's type; that is not what the
    /// compilers of these headers do.)
    pub(super) fn enum_constants(&mut self, def: Cursor<'tu>) -> Result<()> {
        let (underlying, unsigned) = self.enum_underlying(def)?;
        let int = self
            .b
            .intern(Type::Int(IntKind::Int), Some(Layout::new(4, 4)));
        for k in def.children() {
            if k.kind() != CXCursor_EnumConstantDecl {
                continue;
            }
            let value = k.enum_value(unsigned);
            let ty = if i32::try_from(value).is_ok() {
                int
            } else {
                self.canonical(underlying)
            };
            self.b.add_constant(Constant {
                name: k.spelling(),
                ty: ty.into(),
                value: ConstValue::Int(value),
                origin: ConstOrigin::Enum,
                location: location(&mut self.file_names, k),
            });
        }
        Ok(())
    }

    /// An enum's underlying integer type, and whether it is unsigned (which decides
    /// how libclang's enumerator values are read).
    pub(super) fn enum_underlying(&mut self, def: Cursor<'tu>) -> Result<(TypeId, bool)> {
        let underlying = self.ty(def.enum_integer_type())?.id;
        let unsigned =
            matches!(self.b.get(self.canonical(underlying)), Some(Type::Int(k)) if !k.is_signed());
        Ok((underlying, unsigned))
    }
}
