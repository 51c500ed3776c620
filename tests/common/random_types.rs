//! The random C types of the generated-ABI tests (`abi_random`, `abi_ms`):
//! enums, and structs and unions of scalars, arrays, bit-fields, nested records
//! and over-aligned members, with their C text, the walk over a value's leaves
//! in log order, random values for those leaves and the wyvern objects that
//! hold them. The types are made by `random_gen`, to each test's `Mix`.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use wyvern::{CData, Module, Value};

use super::random_c::{self, c_literal, int_literal, Leaf, Scalar};
use super::Rng;

use Scalar as S;

/// A member, parameter or result type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ty {
    Scalar(Scalar),
    /// Record `r<k>`.
    Record(usize),
}

/// A member of a record.
#[derive(Clone, Debug)]
pub struct Field {
    /// `None` for an unnamed bitfield.
    pub name: Option<String>,
    pub ty: Ty,
    /// Array dimensions, outermost first.
    pub dims: Vec<usize>,
    /// The width of a bitfield.
    pub bits: Option<u32>,
    /// `__attribute__((aligned(N)))`, 0 for none.
    pub aligned: usize,
}

impl Field {
    /// The member `m<index>` of type `ty` (an array when `dims` is not empty).
    pub fn plain(index: usize, ty: Ty, dims: Vec<usize>) -> Field {
        Field {
            name: Some(format!("m{index}")),
            ty,
            dims,
            bits: None,
            aligned: 0,
        }
    }
}

/// What a record's scalar members are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flavour {
    Int,
    Float,
    Mixed,
    Wild,
}

/// Record `r<k>`: `struct r<k>` or `union r<k>`, with the typedef `t_r<k>`.
#[derive(Clone, Debug)]
pub struct Record {
    pub union: bool,
    pub packed: bool,
    pub flavour: Flavour,
    pub fields: Vec<Field>,
    /// The member of a union that is set and logged.
    pub active: usize,
    /// The size and alignment `random_gen` computes (exact without
    /// bitfields, rough with them).
    pub size: usize,
    pub align: usize,
}

/// Enum `e<k>`, with the enumerators `e<k>_<i>`.
#[derive(Clone, Debug)]
pub struct EnumDef {
    pub values: Vec<i128>,
    pub size: usize,
}

/// One argument (or result) value.
#[derive(Clone, Debug)]
pub enum Arg {
    Scalar(Scalar, Leaf),
    /// A record with the leaves that are set: (path, type, value).
    Object(usize, Vec<(String, Scalar, Leaf)>),
}

/// What a walk over a value's leaves produces: the log's punctuation, and one
/// call per leaf (scalar or bitfield) with its path from the object's start.
pub trait Sink {
    fn text(&mut self, text: &str);
    fn leaf(&mut self, path: &str, s: Scalar, bits: Option<u32>);
}

/// The enums and records a test generated; `r<k>` may contain only records
/// before it.
#[derive(Clone, Debug, Default)]
pub struct Types {
    pub enums: Vec<EnumDef>,
    pub records: Vec<Record>,
}

/// `Deref` and `DerefMut` from a test's spec to the [`Types`] in its field
/// `types` (the caller imports `Types`), so that `spec.record_c(k)` reads.
#[allow(unused_macros)] // unused in `tests/alloc.rs`, which includes these helpers too
macro_rules! deref_to_types {
    ($spec:ty) => {
        impl std::ops::Deref for $spec {
            type Target = Types;

            fn deref(&self) -> &Types {
                &self.types
            }
        }

        impl std::ops::DerefMut for $spec {
            fn deref_mut(&mut self) -> &mut Types {
                &mut self.types
            }
        }
    };
}
pub(crate) use deref_to_types;

fn join(path: &str, name: &str) -> String {
    if path.is_empty() {
        name.to_string()
    } else {
        format!("{path}.{name}")
    }
}

/// Picks a random value for every leaf.
struct Gen<'a> {
    rng: &'a mut Rng,
    types: &'a Types,
    leaves: Vec<(String, Scalar, Leaf)>,
}

impl Sink for Gen<'_> {
    fn text(&mut self, _text: &str) {}

    fn leaf(&mut self, path: &str, s: Scalar, bits: Option<u32>) {
        let leaf = self.types.gen_leaf(self.rng, s, bits);
        self.leaves.push((path.to_string(), s, leaf));
    }
}

/// Lists the leaves.
struct Leaves(Vec<(String, Scalar, Option<u32>)>);

impl Sink for Leaves {
    fn text(&mut self, _text: &str) {}

    fn leaf(&mut self, path: &str, s: Scalar, bits: Option<u32>) {
        self.0.push((path.to_string(), s, bits));
    }
}

impl Types {
    /// `struct r<k>` or `union r<k>`.
    pub fn record_name(&self, k: usize) -> String {
        let kw = if self.records[k].union {
            "union"
        } else {
            "struct"
        };
        format!("{kw} r{k}")
    }

    /// How C spells `ty` (a record by its tag).
    pub fn type_c(&self, ty: Ty) -> String {
        match ty {
            Ty::Scalar(s) => s.c_name(),
            Ty::Record(k) => self.record_name(k),
        }
    }

    /// The size and alignment of `ty` (a record's as generated).
    pub fn size_align(&self, ty: Ty) -> (usize, usize) {
        match ty {
            Ty::Scalar(S::Enum(k)) => (self.enums[k].size, self.enums[k].size),
            Ty::Scalar(s) => (s.size(), s.size()),
            Ty::Record(k) => (self.records[k].size, self.records[k].align),
        }
    }

    /// Walks `ty` as the log prints it: records as `{a=..,b=..}` (a union's
    /// active member only; unnamed bitfields skipped), arrays as `[..,..]`.
    pub fn walk(&self, ty: Ty, path: &str, sink: &mut dyn Sink) {
        match ty {
            Ty::Scalar(s) => sink.leaf(path, s, None),
            Ty::Record(k) => {
                let rec = &self.records[k];
                sink.text("{");
                let mut first = true;
                for (i, f) in rec.fields.iter().enumerate() {
                    let Some(name) = &f.name else { continue };
                    if rec.union && i != rec.active {
                        continue;
                    }
                    if !first {
                        sink.text(",");
                    }
                    first = false;
                    sink.text(&format!("{name}="));
                    let p = join(path, name);
                    match (f.bits, f.ty) {
                        (Some(w), Ty::Scalar(s)) => sink.leaf(&p, s, Some(w)),
                        _ => self.walk_dims(f.ty, &f.dims, &p, sink),
                    }
                }
                sink.text("}");
            }
        }
    }

    fn walk_dims(&self, ty: Ty, dims: &[usize], path: &str, sink: &mut dyn Sink) {
        let Some((&len, inner)) = dims.split_first() else {
            self.walk(ty, path, sink);
            return;
        };
        sink.text("[");
        for i in 0..len {
            if i > 0 {
                sink.text(",");
            }
            self.walk_dims(ty, inner, &format!("{path}[{i}]"), sink);
        }
        sink.text("]");
    }

    /// The leaves of a value of `ty` in log order: path (`m0[1].m2`, empty for
    /// a scalar), type and bitfield width.
    pub fn leaves(&self, ty: Ty) -> Vec<(String, Scalar, Option<u32>)> {
        let mut leaves = Leaves(Vec::new());
        self.walk(ty, "", &mut leaves);
        leaves.0
    }

    /// A random value of the scalar `s` (of `bits` bits for a bitfield).
    pub fn gen_leaf(&self, rng: &mut Rng, s: Scalar, bits: Option<u32>) -> Leaf {
        match s {
            S::Enum(def) => Leaf::Enum {
                def,
                index: rng.below(self.enums[def].values.len()),
                by_name: rng.chance(50),
            },
            _ => random_c::gen_leaf(rng, s, bits),
        }
    }

    /// A random value of `ty`: every leaf set.
    pub fn gen_arg(&self, rng: &mut Rng, ty: Ty) -> Arg {
        match ty {
            Ty::Scalar(s) => Arg::Scalar(s, self.gen_leaf(rng, s, None)),
            Ty::Record(k) => {
                let mut gen = Gen {
                    rng,
                    types: self,
                    leaves: Vec::new(),
                };
                self.walk(ty, "", &mut gen);
                Arg::Object(k, gen.leaves)
            }
        }
    }

    /// The records and enums `tys` use, directly or through members; the
    /// records in an order C can define them in.
    pub fn used(&self, tys: impl IntoIterator<Item = Ty>) -> (BTreeSet<usize>, BTreeSet<usize>) {
        fn visit(
            types: &Types,
            ty: Ty,
            records: &mut BTreeSet<usize>,
            enums: &mut BTreeSet<usize>,
        ) {
            match ty {
                Ty::Scalar(S::Enum(k)) => {
                    enums.insert(k);
                }
                Ty::Scalar(_) => {}
                Ty::Record(k) => {
                    if records.insert(k) {
                        for f in &types.records[k].fields {
                            visit(types, f.ty, records, enums);
                        }
                    }
                }
            }
        }
        let mut records = BTreeSet::new();
        let mut enums = BTreeSet::new();
        for ty in tys {
            visit(self, ty, &mut records, &mut enums);
        }
        (records, enums)
    }

    /// The definition of `enum e<k>`.
    pub fn enum_c(&self, k: usize) -> String {
        let items: Vec<String> = self.enums[k]
            .values
            .iter()
            .enumerate()
            .map(|(i, v)| format!("e{k}_{i} = {}", int_literal(*v)))
            .collect();
        format!("enum e{k} {{ {} }};\n", items.join(", "))
    }

    /// The definition of record `r<k>` and its typedef `t_r<k>`.
    pub fn record_c(&self, k: usize) -> String {
        let r = &self.records[k];
        let kw = if r.union { "union" } else { "struct" };
        let attr = if r.packed {
            " __attribute__((packed))"
        } else {
            ""
        };
        let mut out = format!("{kw}{attr} r{k} {{\n");
        for f in &r.fields {
            let ty = self.type_c(f.ty);
            let name = f.name.as_deref().unwrap_or("");
            match f.bits {
                Some(w) => {
                    let _ = writeln!(out, "  {ty} {name}:{w};");
                }
                None => {
                    let dims: String = f.dims.iter().map(|d| format!("[{d}]")).collect();
                    let align = if f.aligned > 0 {
                        format!(" __attribute__((aligned({})))", f.aligned)
                    } else {
                        String::new()
                    };
                    let _ = writeln!(out, "  {ty} {name}{dims}{align};");
                }
            }
        }
        let _ = writeln!(out, "}};\ntypedef {kw} r{k} t_r{k};");
        out
    }

    /// The wyvern value for a leaf (an enumerator by name or by value).
    pub fn leaf_value(&self, leaf: &Leaf) -> Value {
        match leaf {
            Leaf::Enum {
                def,
                index,
                by_name: true,
            } => Value::Ident(format!("e{def}_{index}")),
            Leaf::Enum { def, index, .. } => Value::Int(self.enums[*def].values[*index]),
            _ => random_c::leaf_value(leaf),
        }
    }

    /// The wyvern value of an argument: a scalar's, or a new object of `m`.
    pub fn arg_value(&self, m: &Module, arg: &Arg) -> Result<Value, String> {
        match arg {
            Arg::Scalar(_, leaf) => Ok(self.leaf_value(leaf)),
            Arg::Object(k, leaves) => Ok(Value::Data(self.object(m, *k, leaves)?)),
        }
    }

    /// A new object of record `r<k>` of `m` with `leaves` set.
    pub fn object(
        &self,
        m: &Module,
        k: usize,
        leaves: &[(String, Scalar, Leaf)],
    ) -> Result<CData, String> {
        let name = self.record_name(k);
        let mut data = m
            .new_object(&name)
            .map_err(|e| format!("new_object('{name}'): {e}"))?;
        for (path, _, leaf) in leaves {
            let value = self.leaf_value(leaf);
            data.set(path, value.clone())
                .map_err(|e| format!("set('{path}', {value:?}): {e}"))?;
        }
        Ok(data)
    }
}

/// The C expression of the scalar value `leaf`, cast to its type `s`.
pub fn c_cast(s: Scalar, leaf: &Leaf) -> String {
    format!("({})({})", s.c_name(), c_literal(leaf))
}

/// Statements that declare the object variable `var` (of the type C spells
/// `spelled`), zero it and set its `leaves`.
pub fn c_fill(out: &mut String, spelled: &str, var: &str, leaves: &[(String, Scalar, Leaf)]) {
    let _ = writeln!(
        out,
        "  {spelled} {var};\n  memset(&{var}, 0, sizeof {var});"
    );
    for (path, _, leaf) in leaves {
        let _ = writeln!(out, "  {var}.{path} = {};", c_literal(leaf));
    }
}
