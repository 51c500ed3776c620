//! Macro constants: expanding object-like `#define`s (through any function-like
//! macros they use) and evaluating the result as a C constant expression, typed
//! by C's rules (`1u << 4` is `unsigned int`, `'A'` is `int`, `2.5L` is `long double`).
//!
//! libclang has no API to evaluate a macro, and a second parse to ask it would double
//! the cost of every cdef; this evaluator works on the tokens clang already lexed.

use std::collections::HashMap;

use rustc_hash::FxHashMap;

use clang_sys::{CXToken_Identifier, CXToken_Keyword, CXToken_Literal};

use super::convert::MacroDef;
use super::sys::Token;
use crate::types::cexpr::{
    self, CToken, Cast, DataModel, Eval, EvalError, NamedType, Names, NotConstant, PointerBase,
    PointerType, TokenKind, Val,
};
use crate::types::{
    ConstOrigin, ConstValue, Constant, FloatKind, IntKind, Layout, QualType, Quals, Type,
    TypeBuilder, TypeId,
};

mod expand;
mod functions;

impl CToken for Token<'_> {
    fn kind(&self) -> TokenKind {
        match self.kind {
            CXToken_Identifier => TokenKind::Identifier,
            CXToken_Keyword => TokenKind::Keyword,
            CXToken_Literal => TokenKind::Literal,
            _ => TokenKind::Punctuation,
        }
    }

    fn text(&self) -> &str {
        &self.text
    }
}

/// The predefined macros [`DataModel`] reads.
pub(crate) const DATA_MODEL_MACROS: [&str; 10] = [
    "__SIZEOF_SHORT__",
    "__SIZEOF_INT__",
    "__SIZEOF_LONG__",
    "__SIZEOF_LONG_LONG__",
    "__SIZEOF_POINTER__",
    "__SIZE_TYPE__",
    "__SIZEOF_FLOAT__",
    "__SIZEOF_DOUBLE__",
    "__SIZEOF_LONG_DOUBLE__",
    "__CHAR_UNSIGNED__",
];

/// The target's data model, from the compiler's predefined macros.
fn read_model(defs: &FxHashMap<&str, &MacroDef<'_>>) -> DataModel {
    let num = |name: &str, default: u32| -> u32 {
        defs.get(name)
            .and_then(|d| d.body.first())
            .and_then(|t| t.text.parse().ok())
            .unwrap_or(default)
    };
    let size_t = defs
        .get("__SIZE_TYPE__")
        .map(|d| {
            let words: Vec<&str> = d.body.iter().map(|t| t.text.as_ref()).collect();
            let longs = words.iter().filter(|w| **w == "long").count();
            match longs {
                0 => IntKind::UInt,
                1 => IntKind::ULong,
                _ => IntKind::ULongLong,
            }
        })
        .unwrap_or(IntKind::ULong);
    DataModel {
        short: num("__SIZEOF_SHORT__", 2),
        int: num("__SIZEOF_INT__", 4),
        long: num("__SIZEOF_LONG__", 8),
        long_long: num("__SIZEOF_LONG_LONG__", 8),
        pointer: num("__SIZEOF_POINTER__", 8),
        char_signed: !defs.contains_key("__CHAR_UNSIGNED__"),
        size_t,
        float_sizes: [
            num("__SIZEOF_FLOAT__", 4),
            num("__SIZEOF_DOUBLE__", 8),
            num("__SIZEOF_LONG_DOUBLE__", 16),
        ],
    }
}

/// Adds every standard scalar type the declarations did not use, so that type
/// names such as `unsigned char` or `long double` always resolve.
fn intern_scalars(model: &DataModel, b: &mut TypeBuilder) {
    let layout = scalar_layout;
    b.intern(Type::Void, None);
    b.intern(Type::Bool, layout(1));
    let ints = [
        IntKind::Char {
            signed: model.char_signed,
        },
        IntKind::SChar,
        IntKind::UChar,
        IntKind::Short,
        IntKind::UShort,
        IntKind::Int,
        IntKind::UInt,
        IntKind::Long,
        IntKind::ULong,
        IntKind::LongLong,
        IntKind::ULongLong,
    ];
    for k in ints {
        b.intern(Type::Int(k), layout(model.bytes(k)));
    }
    if model.pointer >= 8 {
        for k in [IntKind::Int128, IntKind::UInt128] {
            b.intern(Type::Int(k), layout(16));
        }
    }
    for k in [FloatKind::Float, FloatKind::Double, FloatKind::LongDouble] {
        b.intern(Type::Float(k), layout(model.float_bytes(k)));
    }
}

/// A scalar's layout: a power-of-two size is its own alignment; `long double`
/// on i386 (12 bytes) is aligned to 4.
fn scalar_layout(size: u32) -> Option<Layout> {
    let size = u64::from(size);
    let align = if size.is_power_of_two() { size } else { 4 };
    Some(Layout::new(size, align))
}

/// Evaluates every object-like, non-builtin macro and adds the constants to `b`;
/// the others are recorded as skipped, with the reason.
pub(crate) fn evaluate_all(b: &mut TypeBuilder, macros: &[MacroDef<'_>]) {
    let mut last: FxHashMap<&str, &MacroDef<'_>> = FxHashMap::default();
    for m in macros {
        // The last definition is the one in force at the end of the input
        // (unless an `#undef` removed it); earlier ones are not.
        last.insert(m.name.as_str(), m);
    }
    let mut defs = last.clone();
    defs.retain(|_, m| m.undefined_at.is_none());
    let model = read_model(&defs);
    intern_scalars(&model, b);
    let env = Env::new(b, &defs, model);
    let mut results = Vec::new();
    for m in macros {
        if m.builtin
            || last
                .get(m.name.as_str())
                .is_some_and(|d| !std::ptr::eq(*d, m))
        {
            continue;
        }
        let outcome = if let Some(at) = &m.undefined_at {
            Err(Skip::Undefined { at: at.to_string() })
        } else if m.params.is_some() {
            Err(Skip::FunctionLike)
        } else if m.body.is_empty() {
            Err(Skip::Empty)
        } else {
            env.evaluate(m)
        };
        results.push((m, outcome));
    }
    let is_function = |name: &str| matches!(env.objects.get(name), Some(NotConstant::Function));
    let function_macros: Vec<_> = results
        .iter()
        .filter(|(m, outcome)| m.undefined_at.is_none() && outcome.is_err())
        .filter_map(|(m, _)| functions::function_macro(m, &defs, &is_function))
        .collect();
    for m in function_macros {
        b.add_function_macro(m);
    }
    for (m, outcome) in results {
        match outcome.and_then(|val| constant_of(b, &model, val).map_err(Skip::Eval)) {
            Ok((ty, value)) => {
                b.add_constant(Constant {
                    name: m.name.clone(),
                    ty,
                    value,
                    origin: ConstOrigin::Macro,
                    location: m.location.clone(),
                });
            }
            Err(reason) => b.skip_macro(m.name.clone(), reason.to_string()),
        }
    }
}

/// The constant's type and value; an address is none.
fn constant_of(b: &mut TypeBuilder, model: &DataModel, val: Val) -> Eval<(QualType, ConstValue)> {
    Ok(match val {
        Val::Int(v, k) => {
            let size = u64::from(model.bytes(k));
            (
                b.intern(Type::Int(k), Some(Layout::new(size, size))).into(),
                ConstValue::Int(v),
            )
        }
        Val::Bool(v) => (
            b.intern(Type::Bool, Some(Layout::new(1, 1))).into(),
            ConstValue::Int(i128::from(v)),
        ),
        Val::Float(v, k) => {
            let size = u64::from(model.float_bytes(k));
            (
                b.intern(Type::Float(k), Some(Layout::new(size, size.min(16))))
                    .into(),
                ConstValue::Float(v),
            )
        }
        Val::Long(v) => {
            let k = FloatKind::LongDouble;
            let size = u64::from(model.float_bytes(k));
            // Only an x87 `long double` (10 bytes, padded to 12 or 16) holds it.
            let value = if size >= 10 {
                ConstValue::LongDouble(v)
            } else {
                ConstValue::Float(v.to_f64())
            };
            (
                b.intern(Type::Float(k), Some(Layout::new(size, size.min(16))))
                    .into(),
                value,
            )
        }
        Val::Str(bytes) => {
            let char_ty = b.intern(
                Type::Int(IntKind::Char {
                    signed: model.char_signed,
                }),
                Some(Layout::new(1, 1)),
            );
            let ptr = u64::from(model.pointer);
            let ty = b.intern(
                Type::Pointer(QualType::with(char_ty, Quals::NONE)),
                Some(Layout::new(ptr, ptr)),
            );
            (ty.into(), ConstValue::Str(bytes))
        }
        Val::Pointer(v, ty) => (
            pointer_type(b, model, ty)?.into(),
            ConstValue::Pointer(v as u64),
        ),
    })
}

/// The type of a pointer constant, interned in `b`.
fn pointer_type(b: &mut TypeBuilder, model: &DataModel, ty: PointerType) -> Eval<TypeId> {
    let mut id = match ty.base.ok_or(EvalError::Pointer)? {
        PointerBase::Named(id) => id,
        PointerBase::Builtin(builtin) => {
            let ty = builtin.ty();
            let layout = match &ty {
                Type::Bool => scalar_layout(1),
                Type::Int(k) => scalar_layout(model.bytes(*k)),
                Type::Float(k) => scalar_layout(model.float_bytes(*k)),
                _ => None,
            };
            b.intern(ty, layout)
        }
    };
    let ptr = u64::from(model.pointer);
    for level in 0..ty.depth {
        let quals = if level == 0 { ty.quals } else { Quals::NONE };
        id = b.intern(
            Type::Pointer(QualType::with(id, quals)),
            Some(Layout::new(ptr, ptr)),
        );
    }
    Ok(id)
}

/// What evaluation may look up: macros, enumerators, typedefs and records.
struct Env<'a> {
    defs: &'a FxHashMap<&'a str, &'a MacroDef<'a>>,
    model: DataModel,
    enumerators: HashMap<String, (i128, IntKind)>,
    /// Typedef and tag names with what a cast to them means and their layout.
    types: HashMap<String, NamedType>,
    /// The declarations, for `offsetof`.
    data: &'a crate::types::TypeSetData,
    /// Names of functions and globals, to explain why a macro is not a constant.
    objects: HashMap<String, NotConstant>,
    /// Tokens the current evaluation may still expand.
    budget: std::cell::Cell<usize>,
}

/// How many tokens one macro's expansion may produce.
const EXPANSION_BUDGET: usize = 20_000;

impl<'a> Env<'a> {
    fn new(
        b: &'a TypeBuilder,
        defs: &'a FxHashMap<&'a str, &'a MacroDef<'a>>,
        model: DataModel,
    ) -> Env<'a> {
        let data = b.data();
        let cast_of = |id| -> Option<Cast> {
            match data.ty(data.canonical(id))? {
                Type::Int(k) => Some(Cast::Int(*k)),
                Type::Bool => Some(Cast::Bool),
                Type::Float(k) => Some(Cast::Float(*k)),
                Type::Pointer(_) => Some(Cast::Pointer(PointerType::named(id))),
                Type::Void => Some(Cast::Void),
                Type::Enum(e) => {
                    match data.ty(data.canonical(data.enums.get(e.index())?.underlying))? {
                        Type::Int(k) => Some(Cast::Int(*k)),
                        _ => None,
                    }
                }
                _ => None,
            }
        };
        let mut types = HashMap::new();
        for (i, node) in data.types.iter().enumerate() {
            let id = crate::types::TypeId::from_index(i);
            let name = match &node.ty {
                Type::Typedef(t) => data.typedefs.get(t.index()).map(|t| t.name.clone()),
                Type::Record(r) => data
                    .records
                    .get(r.index())
                    .and_then(|r| Some(format!("{} {}", r.kind.keyword(), r.tag.as_ref()?))),
                Type::Enum(e) => data
                    .enums
                    .get(e.index())
                    .and_then(|e| Some(format!("enum {}", e.tag.as_ref()?))),
                _ => None,
            };
            if let Some(name) = name {
                types.entry(name).or_insert(NamedType {
                    id,
                    cast: cast_of(id),
                    layout: data.layout_of(id),
                });
            }
        }
        let mut enumerators = HashMap::new();
        for c in &data.constants {
            if let (ConstValue::Int(v), Some(Type::Int(k))) =
                (&c.value, data.ty(data.canonical(c.ty.id)))
            {
                enumerators.insert(c.name.clone(), (*v, *k));
            }
        }
        let mut objects = HashMap::new();
        for f in &data.functions {
            objects.insert(f.name.clone(), NotConstant::Function);
        }
        for g in &data.globals {
            objects.insert(g.name.clone(), NotConstant::Variable);
        }
        Env {
            defs,
            model,
            enumerators,
            types,
            objects,
            data,
            budget: std::cell::Cell::new(EXPANSION_BUDGET),
        }
    }

    fn evaluate(&self, m: &MacroDef<'a>) -> Result<Val, Skip> {
        let mut hide = vec![m.name.as_str()];
        self.budget.set(EXPANSION_BUDGET);
        let tokens = self.expand(&m.body, &mut hide, 0)?;
        cexpr::evaluate(self, &tokens).map_err(Skip::Eval)
    }
}

impl Names for Env<'_> {
    fn model(&self) -> &DataModel {
        &self.model
    }

    fn constant(&self, name: &str) -> Option<Val> {
        self.enumerators.get(name).map(|&(v, k)| Val::Int(v, k))
    }

    fn named_type(&self, name: &str) -> Option<NamedType> {
        self.types.get(name).copied()
    }

    fn data(&self) -> &crate::types::TypeSetData {
        self.data
    }

    fn not_constant(&self, name: &str) -> EvalError {
        let why = if let Some(what) = self.objects.get(name) {
            what.clone()
        } else if self.defs.get(name).is_some_and(|d| d.params.is_some()) {
            NotConstant::FunctionLikeMacro
        } else {
            NotConstant::Unknown
        };
        EvalError::NotAConstant {
            name: name.to_owned(),
            why,
        }
    }
}

/// Why a macro is not a constant: what the evaluator says, or why it was
/// never evaluated or expanded.
#[derive(Debug, thiserror::Error)]
pub(crate) enum Skip {
    /// `#undef`'d (at that place) after its definition.
    #[error("it is #undef'd at {at}")]
    Undefined {
        /// Where.
        at: String,
    },
    /// A function-like macro, which has no value by itself.
    #[error("it is a function-like macro")]
    FunctionLike,
    /// An empty body.
    #[error("it expands to nothing")]
    Empty,
    /// An expansion past [`EXPANSION_BUDGET`] tokens.
    #[error("its expansion exceeds {EXPANSION_BUDGET} tokens")]
    TooLong,
    /// A function-like macro's arguments with no closing parenthesis.
    #[error("a macro call is missing its ')'")]
    UnclosedCall,
    /// The expansion has no value, or macros nest past
    /// [`MAX_MACRO_EXPANSION_DEPTH`](crate::limits::MAX_MACRO_EXPANSION_DEPTH)
    /// ([`Depth::Macros`](cexpr::Depth::Macros)).
    #[error("{0}")]
    Eval(EvalError),
}

#[cfg(test)]
mod tests;
