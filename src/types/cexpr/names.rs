//! The names of a frozen [`TypeSet`] as the expression reader sees them: its
//! integer constants (enumerators and macro constants), typedefs and tags.

use super::{Cast, DataModel, NamedType, Names};
use crate::types::{ConstValue, IntKind, Type, TypeId, TypeSet, TypeSetData};

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
            Type::Pointer(_) => Some(Cast::Pointer),
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

    fn enumerator(&self, name: &str) -> Option<(i128, IntKind)> {
        let c = self.set.constant(name).ok()?;
        match (&c.value, self.set.ty(self.set.canonical(c.ty.id))) {
            (ConstValue::Int(v), Type::Int(k)) => Some((*v, *k)),
            _ => None,
        }
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

    fn not_constant(&self, name: &str) -> String {
        format!("'{name}' is not an integer constant of these declarations")
    }
}
