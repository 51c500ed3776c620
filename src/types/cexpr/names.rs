//! The names of a frozen [`TypeSet`] as the expression reader sees them: its
//! integer constants (enumerators and macro constants), typedefs and tags.

use super::{
    lex, Cast, DataModel, EvalError, LiteralError, NamedType, Names, NotConstant, PointerType, Val,
};
use crate::types::{ConstValue, Type, TypeId, TypeSet, TypeSetData};

impl TypeSet {
    /// Evaluates `expr`, a C constant expression, against these declarations:
    /// their enumerators and macro constants, `sizeof`, `_Alignof` and casts
    /// of their types, by C's rules for the target they were read for (the
    /// same reader as macro constants: `1u << 4` is an `unsigned int`, `1 << 40`
    /// an error where `int` has 32 bits, `'A'` 65).
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # #[cfg(feature = "clang")] {
    /// let types = wyvern::cdef("enum { A = 1, B = 4 }; struct s { int x[3]; };")?;
    /// assert_eq!(types.evaluate("A | B << 1")?, wyvern::ConstValue::Int(9));
    /// assert_eq!(types.evaluate("sizeof(struct s) / sizeof(int)")?, wyvern::ConstValue::Int(3));
    /// assert!(types.evaluate("C + 1").is_err());
    /// # }
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// A [`LiteralError`] saying why, when `expr` is not a constant expression
    /// of these declarations.
    pub fn evaluate(&self, expr: &str) -> Result<ConstValue, LiteralError> {
        let tokens = lex::tokens(expr.as_bytes());
        let value = super::evaluate(&SetNames::new(self), &tokens)
            .map_err(|e| LiteralError::new(expr, &e))?;
        Ok(match value {
            Val::Int(v, _) => ConstValue::Int(v),
            Val::Bool(b) => ConstValue::Int(i128::from(b)),
            Val::Float(v, _) => ConstValue::Float(v),
            Val::Long(v) => ConstValue::LongDouble(v),
            Val::Str(bytes) => ConstValue::Str(bytes),
            // The address alone: `(void *)-1` makes no type of this set.
            Val::Pointer(v, _) => ConstValue::Pointer(v as u64),
        })
    }
}

/// A [`TypeSet`]'s names, for expressions read against it (type names' array
/// lengths).
pub(crate) struct SetNames<'s> {
    set: &'s TypeSet,
    model: DataModel,
}

impl<'s> SetNames<'s> {
    /// The names of `set`, with its data model.
    pub(crate) fn new(set: &'s TypeSet) -> SetNames<'s> {
        SetNames {
            set,
            model: DataModel::of_set(set),
        }
    }

    fn cast_of(&self, id: TypeId) -> Option<Cast> {
        let set = self.set;
        match set.ty(set.canonical(id)) {
            Type::Int(k) => Some(Cast::Int(*k)),
            Type::Bool => Some(Cast::Bool),
            Type::Float(k) => Some(Cast::Float(*k)),
            Type::Pointer(_) => Some(Cast::Pointer(PointerType::named(id))),
            Type::Void => Some(Cast::Void),
            Type::Enum(e) => match set.ty(set.canonical(set.enum_(*e).underlying)) {
                Type::Int(k) => Some(Cast::Int(*k)),
                _ => None,
            },
            _ => None,
        }
    }
}

impl Names for SetNames<'_> {
    fn model(&self) -> &DataModel {
        &self.model
    }

    fn constant(&self, name: &str) -> Option<Val> {
        let c = self.set.constant(name).ok()?;
        Some(match (&c.value, self.set.ty(self.set.canonical(c.ty.id))) {
            (ConstValue::Int(v), Type::Int(k)) => Val::Int(*v, *k),
            (ConstValue::Int(v), Type::Bool) => Val::Bool(*v != 0),
            (ConstValue::Float(v), Type::Float(k)) => Val::Float(*v, *k),
            (ConstValue::LongDouble(v), _) => Val::Long(*v),
            (ConstValue::Str(s), _) => Val::Str(s.clone()),
            (ConstValue::Pointer(v), Type::Pointer(_)) => {
                Val::Pointer(i128::from(*v), PointerType::named(c.ty.id))
            }
            _ => return None,
        })
    }

    fn named_type(&self, name: &str) -> Option<NamedType> {
        let id = match name.split_once(' ') {
            Some((keyword, tag)) => self.set.tag(keyword, tag).ok()?,
            None => self.set.typedef_named(name)?,
        };
        Some(NamedType {
            id,
            cast: self.cast_of(id),
            layout: self.set.layout(id),
        })
    }

    fn data(&self) -> &TypeSetData {
        self.set.data()
    }

    fn not_constant(&self, name: &str) -> EvalError {
        let why = match self.set.constant(name) {
            // The closest name, when there is none.
            Err(e) => NotConstant::Lookup(e.to_string()),
            Ok(_) => NotConstant::NotInteger,
        };
        EvalError::NotAConstant {
            name: name.to_owned(),
            why,
        }
    }
}
