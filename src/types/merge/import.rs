//! Importing `other` into the result once every declaration's fate is known:
//! nominal types placed first, then bodies and structural types remapped.

use super::super::data::TypeSetData;
use super::super::decl::{Constant, Enum, Global, Typedef};
use super::super::func::{FnSig, FunctionDecl};
use super::super::id::TypeId;
use super::super::record::RecordDef;
use super::super::ty::{QualType, Type};
use super::{Fate, Merger, Slot, MAX_DEPTH};
use crate::error::{ErrorKind, Result};

impl Merger<'_> {
    /// Places every nominal type of `other`, then remaps and imports the rest.
    pub(super) fn import(&mut self) -> Result<()> {
        self.place_nominals();
        self.import_bodies()?;
        self.import_items()?;
        self.import_skipped();
        self.out.complete_typedef_layouts();
        Ok(())
    }

    /// Gives each record, enum and typedef of `other` its place in the result:
    /// the one of `self` it is, or a new one (whose body comes later, once every
    /// type of `other` can be remapped).
    fn place_nominals(&mut self) {
        let b = self.b();
        let a_enum_types = nominal_types(self.out.data(), |t| match t {
            Type::Enum(e) => Some(e.index()),
            _ => None,
        });
        let a_typedef_types = nominal_types(self.out.data(), |t| match t {
            Type::Typedef(t) => Some(t.index()),
            _ => None,
        });
        for (j, fate) in self.records.iter().enumerate() {
            self.record_ids[j] = Some(match *fate {
                Fate::Same(id) | Fate::Completes(id) => id,
                Fate::New | Fate::Open => {
                    let rb = &b.records[j];
                    let (id, _) =
                        self.out
                            .declare_record(rb.kind, rb.tag.clone(), rb.location.clone());
                    id
                }
            });
        }
        // Their type nodes are looked up once each (a linear scan per nominal
        // would be quadratic on big sets).
        let b_enum_types = nominal_types(b, |t| match t {
            Type::Enum(e) => Some(e.index()),
            _ => None,
        });
        let b_typedef_types = nominal_types(b, |t| match t {
            Type::Typedef(t) => Some(t.index()),
            _ => None,
        });
        let b_layout = |ty: Option<TypeId>| ty.and_then(|t| b.types.get(t.index())?.layout);

        for (j, fate) in self.enums.iter().enumerate() {
            self.enum_types[j] = match *fate {
                Fate::Same(id) => a_enum_types.get(id.index()).copied().flatten(),
                Fate::Completes(id) => {
                    let ty = a_enum_types.get(id.index()).copied().flatten();
                    if let Some(ty) = ty {
                        let layout = b_layout(b_enum_types.get(j).copied().flatten());
                        self.out.set_layout(ty, layout);
                    }
                    ty
                }
                Fate::New | Fate::Open => {
                    // The underlying type is remapped below, once types can be.
                    let layout = b_layout(b_enum_types.get(j).copied().flatten());
                    Some(self.out.push_enum(b.enums[j].clone(), layout).1)
                }
            };
        }
        for (j, fate) in self.typedefs.iter().enumerate() {
            self.typedef_types[j] = match *fate {
                Fate::Same(id) | Fate::Completes(id) => {
                    a_typedef_types.get(id.index()).copied().flatten()
                }
                Fate::New | Fate::Open => {
                    // The target is remapped below, once types can be.
                    let layout = b_layout(b_typedef_types.get(j).copied().flatten());
                    Some(self.out.push_typedef(b.typedefs[j].clone(), layout).1)
                }
            };
        }
    }

    /// The bodies of the records, enums and typedefs `other` adds or completes.
    fn import_bodies(&mut self) -> Result<()> {
        let b = self.b();
        for j in 0..b.records.len() {
            let target = match (self.records[j], self.record_ids[j]) {
                (Fate::Completes(id), _) => id,
                (Fate::New | Fate::Open, Some(id)) => id,
                _ => continue,
            };
            let Some(def) = &b.records[j].def else {
                continue;
            };
            let def = self.map_def(def)?;
            self.out.define_record(target, def);
            if b.records[j].location.is_some() {
                self.out
                    .set_record_location(target, b.records[j].location.clone());
            }
        }
        for (j, eb) in b.enums.iter().enumerate() {
            let target = match self.enums[j] {
                Fate::Same(_) => continue,
                Fate::Completes(id) => id,
                Fate::New | Fate::Open => match self.enum_types[j].and_then(|t| self.out.get(t)) {
                    Some(Type::Enum(e)) => *e,
                    _ => continue,
                },
            };
            let underlying = self.map_type(eb.underlying, 0)?;
            self.out.update_enum(
                target,
                Enum {
                    underlying,
                    ..eb.clone()
                },
            );
        }
        for (j, tb) in b.typedefs.iter().enumerate() {
            if !matches!(self.typedefs[j], Fate::New | Fate::Open) {
                continue;
            }
            let target = self.map_qual(tb.target, 0)?;
            let id = match self.typedef_types[j].and_then(|t| self.out.get(t)) {
                Some(Type::Typedef(t)) => *t,
                _ => continue,
            };
            self.out.update_typedef(
                id,
                Typedef {
                    target,
                    ..tb.clone()
                },
            );
        }
        Ok(())
    }

    /// The functions, globals and constants only `other` has.
    fn import_items(&mut self) -> Result<()> {
        let b = self.b();
        for j in std::mem::take(&mut self.new_functions) {
            let f = &b.functions[j];
            let ty = self.map_type(f.ty, 0)?;
            let param_arrays = f
                .param_arrays
                .iter()
                .map(|a| a.map(|q| self.map_qual(q, 0)).transpose())
                .collect::<Result<_>>()?;
            self.out.add_function(FunctionDecl {
                ty,
                param_arrays,
                ..f.clone()
            });
        }
        for j in std::mem::take(&mut self.new_globals) {
            let g = &b.globals[j];
            let ty = self.map_qual(g.ty, 0)?;
            self.out.add_global(Global { ty, ..g.clone() });
        }
        for j in std::mem::take(&mut self.new_constants) {
            let c = &b.constants[j];
            let ty = self.map_qual(c.ty, 0)?;
            self.out.add_constant(Constant { ty, ..c.clone() });
        }
        Ok(())
    }

    /// What `other` left out that `self` does not list already.
    fn import_skipped(&mut self) {
        let b = self.b();
        let out = self.out.data();
        let declarations = not_known(&out.skipped_declarations, &b.skipped_declarations);
        let macros = not_known(&out.skipped_macros, &b.skipped_macros);
        let known: rustc_hash::FxHashSet<&str> = out
            .function_macros
            .iter()
            .map(|m| m.name.as_str())
            .collect();
        let function_macros: Vec<_> = b
            .function_macros
            .iter()
            .filter(|m| !known.contains(m.name.as_str()))
            .cloned()
            .collect();
        for (name, why) in declarations {
            self.out.skip_declaration(name, why);
        }
        for (name, why) in macros {
            self.out.skip_macro(name, why);
        }
        for m in function_macros {
            self.out.add_function_macro(m);
        }
    }

    fn map_def(&mut self, def: &RecordDef) -> Result<RecordDef> {
        let mut fields = Vec::with_capacity(def.fields.len());
        for field in &def.fields {
            let ty = self.map_qual(field.ty, 0)?;
            fields.push(super::super::record::Field {
                ty,
                ..field.clone()
            });
        }
        Ok(RecordDef {
            layout: def.layout,
            fields,
            packed: def.packed,
        })
    }

    fn map_qual(&mut self, q: QualType, depth: u32) -> Result<QualType> {
        Ok(QualType::with(self.map_type(q.id, depth)?, q.quals))
    }

    /// The result's id for a type of `other`.
    fn map_type(&mut self, id: TypeId, depth: u32) -> Result<TypeId> {
        let b = self.b();
        let damaged = |why: &str| ErrorKind::DamagedSet {
            set: self.compare.b_label.to_string(),
            what: format!("type {} {why}", id.index()),
        };
        let (Some(node), Some(slot)) = (b.types.get(id.index()), self.types.get(id.index())) else {
            return Err(damaged("does not exist").into());
        };
        match *slot {
            Slot::Done(mapped) => return Ok(mapped),
            Slot::InProgress => return Err(damaged("contains itself").into()),
            Slot::Todo => {}
        }
        if depth > MAX_DEPTH {
            return Err(damaged(&crate::limits::types_too_deep()).into());
        }
        let nominal = match &node.ty {
            Type::Record(r) => Some(
                self.record_ids
                    .get(r.index())
                    .copied()
                    .flatten()
                    .and_then(|r| self.out.data().record_types.get(r.index()).copied()),
            ),
            Type::Enum(e) => Some(self.enum_types.get(e.index()).copied().flatten()),
            Type::Typedef(t) => Some(self.typedef_types.get(t.index()).copied().flatten()),
            _ => None,
        };
        let mapped = match nominal {
            Some(found) => {
                found.ok_or_else(|| damaged("names a declaration that does not exist"))?
            }
            None => {
                self.types[id.index()] = Slot::InProgress;
                let ty = match &node.ty {
                    Type::Pointer(p) => Type::Pointer(self.map_qual(*p, depth + 1)?),
                    Type::Array { elem, len } => Type::Array {
                        elem: self.map_qual(*elem, depth + 1)?,
                        len: *len,
                    },
                    Type::Vector { elem, len } => Type::Vector {
                        elem: self.map_type(*elem, depth + 1)?,
                        len: *len,
                    },
                    Type::Function(sig) => {
                        let mut params = Vec::with_capacity(sig.params.len());
                        for p in &sig.params {
                            params.push(self.map_qual(*p, depth + 1)?);
                        }
                        Type::Function(FnSig {
                            ret: self.map_qual(sig.ret, depth + 1)?,
                            params,
                            ..sig.clone()
                        })
                    }
                    other => other.clone(),
                };
                self.out.intern(ty, node.layout)
            }
        };
        self.types[id.index()] = Slot::Done(mapped);
        Ok(mapped)
    }
}

/// For each enum or typedef index, the first type node naming it.
fn nominal_types(
    data: &TypeSetData,
    index_of: impl Fn(&Type) -> Option<usize>,
) -> Vec<Option<TypeId>> {
    let mut out: Vec<Option<TypeId>> = Vec::new();
    for (i, node) in data.types.iter().enumerate() {
        if let Some(at) = index_of(&node.ty) {
            if at >= out.len() {
                // Bounded: `at` indexes an arena of the set (validated on load).
                out.resize(at + 1, None);
            }
            out[at].get_or_insert(TypeId::from_index(i));
        }
    }
    out
}

/// The skipped items of `from` whose names `into` does not have.
fn not_known(into: &[(String, String)], from: &[(String, String)]) -> Vec<(String, String)> {
    let known: rustc_hash::FxHashSet<&str> = into.iter().map(|(n, _)| n.as_str()).collect();
    from.iter()
        .filter(|(n, _)| !known.contains(n.as_str()))
        .cloned()
        .collect()
}
