//! C spellings of types and declarations.

use super::func::FunctionDecl;
use super::set::TypeSet;
use super::ty::{QualType, Type};

impl TypeSet {
    /// The C spelling of a type, as in a cast: `const char *`, `int [4]`,
    /// `int (*)(const void *, const void *)`, `struct stat`.
    pub fn spell(&self, ty: QualType) -> String {
        self.declare(ty, "")
    }

    /// A C declaration of `name` with type `ty`: `char *argv[4]`, `void (*handler)(int)`.
    pub fn declare(&self, ty: QualType, name: &str) -> String {
        let mut out = String::with_capacity(name.len() + 32);
        self.declare_into(ty, name, &mut out);
        out
    }

    /// [`declare`](Self::declare), appended to `out`. The common types (a
    /// named type, or pointers to one: `const char *restrict name`) are
    /// written in one pass; arrays, functions and pointers to them take the
    /// inside-out [`declarator`](Self::declarator).
    pub(super) fn declare_into(&self, ty: QualType, name: &str, out: &mut String) {
        // The qualifiers of each pointer, the outermost first.
        let mut levels = [super::ty::Quals::NONE; 8];
        let mut n = 0;
        let mut base = ty;
        while let Type::Pointer(pointee) = self.ty(base.id) {
            let wrapped = matches!(self.ty(pointee.id), Type::Array { .. } | Type::Function(_));
            let Some(level) = levels.get_mut(n).filter(|_| !wrapped) else {
                self.declarator(ty, name.to_owned(), out, 0);
                return;
            };
            *level = base.quals;
            n += 1;
            base = *pointee;
        }
        if matches!(self.ty(base.id), Type::Array { .. } | Type::Function(_)) {
            self.declarator(ty, name.to_owned(), out, 0);
            return;
        }
        self.write_base(base, out);
        if n == 0 && name.is_empty() {
            return;
        }
        out.push(' ');
        // The innermost pointer is written first.
        for i in (0..n).rev() {
            write_star(levels[i], i > 0 || !name.is_empty(), out);
        }
        out.push_str(name);
    }

    /// A named type with its qualifiers: `const char`, `struct stat`.
    fn write_base(&self, ty: QualType, out: &mut String) {
        let quals = ty.quals.as_str();
        if !quals.is_empty() {
            out.push_str(quals);
            out.push(' ');
        }
        self.write_base_name(ty.id, out);
    }

    /// Writes `ty` around the declarator text `inner` (which already holds what binds
    /// tighter), the classic inside-out C spelling.
    fn declarator(&self, ty: QualType, inner: String, out: &mut String, depth: u32) {
        // A set only nests this deep when damaged (the front ends and the database
        // refuse deeper types); a cyclic one must not recurse forever.
        if depth > crate::limits::MAX_TYPE_DEPTH {
            out.push_str("/* ... */");
            return;
        }
        match self.ty(ty.id) {
            // Each piece is pushed, not `format!`ted: a record's members
            // spell many of these.
            Type::Pointer(pointee) => {
                let wrap = matches!(self.ty(pointee.id), Type::Array { .. } | Type::Function(_));
                let mut next = String::with_capacity(inner.len() + 12);
                if wrap {
                    next.push('(');
                }
                write_star(ty.quals, !inner.is_empty(), &mut next);
                next.push_str(&inner);
                if wrap {
                    next.push(')');
                }
                self.declarator(*pointee, next, out, depth + 1);
            }
            Type::Array { elem, len } => {
                let mut next = inner;
                next.push('[');
                if let Some(len) = len {
                    super::layout::number(&mut next, *len, 0);
                }
                next.push(']');
                self.declarator(*elem, next, out, depth + 1);
            }
            Type::Function(sig) => {
                let mut text = String::with_capacity(inner.len() + 16 * sig.params.len() + 8);
                if let Some(attr) = sig.conv.attribute() {
                    text.push_str(&attr);
                    text.push(' ');
                }
                text.push_str(&inner);
                text.push('(');
                // Parameters nest inside this type: the depth goes on counting.
                for (i, p) in sig.params.iter().enumerate() {
                    if i > 0 {
                        text.push_str(", ");
                    }
                    self.declarator(*p, String::new(), &mut text, depth + 1);
                }
                if sig.variadic {
                    text.push_str(if sig.params.is_empty() {
                        "..."
                    } else {
                        ", ..."
                    });
                } else if sig.params.is_empty() && sig.prototyped {
                    text.push_str("void");
                }
                text.push(')');
                self.declarator(sig.ret, text, out, depth + 1);
            }
            _ => {
                self.write_base(ty, out);
                if !inner.is_empty() {
                    out.push(' ');
                    out.push_str(&inner);
                }
            }
        }
    }

    /// Writes the name of a non-derived type (the common case of a member's
    /// type, so no `String` of its own).
    fn write_base_name(&self, id: super::TypeId, out: &mut String) {
        match self.ty(id) {
            Type::Void => out.push_str("void"),
            Type::Bool => out.push_str("_Bool"),
            Type::Int(k) => out.push_str(k.spelling()),
            Type::Float(k) => out.push_str(k.spelling()),
            Type::Complex(k) => {
                out.push_str(k.spelling());
                out.push_str(" _Complex");
            }
            Type::Vector { elem, len } => {
                let size = self.layout(id).map(|l| l.size).unwrap_or(0);
                out.push_str(&format!(
                    "{} __attribute__((vector_size({size}))) /* {len} lanes */",
                    self.spell((*elem).into())
                ));
            }
            Type::Record(r) => {
                let record = self.record(*r);
                out.push_str(record.kind.keyword());
                match &record.tag {
                    Some(tag) => {
                        out.push(' ');
                        out.push_str(tag);
                    }
                    None => out.push_str(" {...}"),
                }
            }
            Type::Enum(e) => match &self.enum_(*e).tag {
                Some(tag) => {
                    out.push_str("enum ");
                    out.push_str(tag);
                }
                None => out.push_str("enum {...}"),
            },
            Type::Typedef(t) => out.push_str(&self.typedef(*t).name),
            // Derived types are handled by `declarator`.
            Type::Pointer(_) | Type::Array { .. } | Type::Function(_) => {
                out.push_str(&self.spell(id.into()));
            }
        }
    }

    /// A function's prototype as C: `double pow(double x, double y)`.
    pub fn prototype(&self, f: &FunctionDecl) -> String {
        let Some(sig) = self.fn_sig(f.ty) else {
            return self.declare(f.ty.into(), &f.name);
        };
        let mut inner = String::with_capacity(f.name.len() + 16 * sig.params.len() + 8);
        if let Some(attr) = sig.conv.attribute() {
            inner.push_str(&attr);
            inner.push(' ');
        }
        inner.push_str(&f.name);
        inner.push('(');
        for (i, p) in sig.params.iter().enumerate() {
            if i > 0 {
                inner.push_str(", ");
            }
            let name = f
                .param_names
                .get(i)
                .and_then(|n| n.as_deref())
                .unwrap_or("");
            self.declare_into(*p, name, &mut inner);
        }
        if sig.variadic {
            inner.push_str(if sig.params.is_empty() {
                "..."
            } else {
                ", ..."
            });
        } else if sig.params.is_empty() && sig.prototyped {
            inner.push_str("void");
        }
        inner.push(')');
        let mut text = String::with_capacity(inner.len() + 16);
        if !f.is_callable() {
            text.push_str(if f.inline {
                "static inline "
            } else {
                "static "
            });
        }
        self.declare_into(sig.ret, &inner, &mut text);
        text
    }
}

/// A pointer's `*` and its qualifiers (`*const`), followed by a space when
/// `more` comes after them.
fn write_star(quals: super::ty::Quals, more: bool, out: &mut String) {
    out.push('*');
    let quals = quals.as_str();
    if !quals.is_empty() {
        out.push_str(quals);
        if more {
            out.push(' ');
        }
    }
}
