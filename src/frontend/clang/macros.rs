//! Macro constants: expanding object-like `#define`s (through any function-like
//! macros they use) and evaluating the result as a C constant expression, typed
//! by C's rules (`1u << 4` is `unsigned int`, `'A'` is `int`, `2.5L` is `long double`).
//!
//! libclang has no API to evaluate a macro, and a second parse to ask it would double
//! the cost of every cdef; this evaluator works on the tokens clang already lexed.

use std::collections::HashMap;

use rustc_hash::FxHashMap;

use clang_sys::{CXToken_Identifier, CXToken_Keyword, CXToken_Literal, CXToken_Punctuation};

use super::convert::MacroDef;
use super::sys::Token;
use crate::types::{
    ConstOrigin, ConstValue, Constant, FloatKind, IntKind, Layout, LongDouble, QualType, Quals,
    Type, TypeBuilder,
};

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

/// Sizes of the target's scalar types, read from the compiler's predefined macros.
#[derive(Debug, Clone, Copy)]
struct DataModel {
    short: u32,
    int: u32,
    long: u32,
    long_long: u32,
    pointer: u32,
    char_signed: bool,
    size_t: IntKind,
    float_sizes: [u32; 3],
}

impl DataModel {
    fn read(defs: &FxHashMap<&str, &MacroDef<'_>>) -> DataModel {
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
    fn intern_scalars(&self, b: &mut TypeBuilder) {
        // A power-of-two size is its own alignment; `long double` on i386 (12 bytes)
        // is aligned to 4.
        let layout = |size: u32| {
            let size = u64::from(size);
            let align = if size.is_power_of_two() { size } else { 4 };
            Some(Layout::new(size, align))
        };
        b.intern(Type::Void, None);
        b.intern(Type::Bool, layout(1));
        let ints = [
            IntKind::Char {
                signed: self.char_signed,
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
            b.intern(Type::Int(k), layout(self.bytes(k)));
        }
        if self.pointer >= 8 {
            for k in [IntKind::Int128, IntKind::UInt128] {
                b.intern(Type::Int(k), layout(16));
            }
        }
        for k in [FloatKind::Float, FloatKind::Double, FloatKind::LongDouble] {
            b.intern(Type::Float(k), layout(self.float_bytes(k)));
        }
    }

    fn bytes(&self, k: IntKind) -> u32 {
        match k {
            IntKind::Char { .. } | IntKind::SChar | IntKind::UChar => 1,
            IntKind::Short | IntKind::UShort | IntKind::Char16 => self.short,
            IntKind::Int | IntKind::UInt | IntKind::WChar { .. } | IntKind::Char32 => self.int,
            IntKind::Long | IntKind::ULong => self.long,
            IntKind::LongLong | IntKind::ULongLong => self.long_long,
            IntKind::Int128 | IntKind::UInt128 => 16,
        }
    }

    fn float_bytes(&self, k: FloatKind) -> u32 {
        match k {
            FloatKind::Half => 2,
            FloatKind::Float => self.float_sizes[0],
            FloatKind::Double => self.float_sizes[1],
            FloatKind::LongDouble => self.float_sizes[2],
            FloatKind::Float128 => 16,
        }
    }

    /// Wraps `v` to the range of `k`, as a conversion to `k` does.
    fn wrap(&self, v: i128, k: IntKind) -> i128 {
        let bits = self.bytes(k) * 8;
        if bits >= 128 {
            return v;
        }
        let mask = (1i128 << bits) - 1;
        let low = v & mask;
        if k.is_signed() && low >> (bits - 1) != 0 {
            low - (1i128 << bits)
        } else {
            low
        }
    }

    fn fits(&self, v: i128, k: IntKind) -> bool {
        self.wrap(v, k) == v
    }

    fn unsigned_of(k: IntKind) -> IntKind {
        match k {
            IntKind::Int => IntKind::UInt,
            IntKind::Long => IntKind::ULong,
            IntKind::LongLong => IntKind::ULongLong,
            IntKind::Int128 => IntKind::UInt128,
            IntKind::Short => IntKind::UShort,
            IntKind::SChar | IntKind::Char { .. } => IntKind::UChar,
            other => other,
        }
    }

    /// Integer promotion.
    fn promote(&self, k: IntKind) -> IntKind {
        if k.rank() < IntKind::Int.rank() {
            if self.bytes(k) < self.int || k.is_signed() {
                IntKind::Int
            } else {
                IntKind::UInt
            }
        } else {
            k
        }
    }

    /// The common type of the usual arithmetic conversions for two integers.
    fn common(&self, a: IntKind, b: IntKind) -> IntKind {
        let (a, b) = (self.promote(a), self.promote(b));
        if a == b {
            return a;
        }
        if a.is_signed() == b.is_signed() {
            return if a.rank() >= b.rank() { a } else { b };
        }
        let (s, u) = if a.is_signed() { (a, b) } else { (b, a) };
        if u.rank() >= s.rank() {
            u
        } else if self.bytes(s) > self.bytes(u) {
            s
        } else {
            Self::unsigned_of(s)
        }
    }
}

/// A value during evaluation, with its C type.
#[derive(Debug, Clone, PartialEq)]
enum Val {
    Int(i128, IntKind),
    Bool(bool),
    Float(f64, FloatKind),
    /// An `L`-suffixed floating literal at full precision. Unary `+` and `-`
    /// and a cast to `long double` keep it; any other operation works on its
    /// nearest `double`, as this evaluator computes in `double`.
    Long(LongDouble),
    Str(Vec<u8>),
}

/// A `long double` literal as the `double` arithmetic works on it.
fn demote(v: Val) -> Val {
    match v {
        Val::Long(x) => Val::Float(x.to_f64(), FloatKind::LongDouble),
        other => other,
    }
}

type Eval<T> = std::result::Result<T, String>;

/// Evaluates every object-like, non-builtin macro and adds the constants to `b`;
/// the others are recorded as skipped, with the reason.
pub(crate) fn evaluate_all(b: &mut TypeBuilder, macros: &[MacroDef<'_>]) {
    let mut defs: FxHashMap<&str, &MacroDef<'_>> = FxHashMap::default();
    for m in macros {
        // The last definition is the one in force at the end of the input.
        defs.insert(m.name.as_str(), m);
    }
    defs.retain(|_, m| m.undefined_at.is_none());
    let model = DataModel::read(&defs);
    model.intern_scalars(b);
    let env = Env::new(b, &defs, model);
    let mut results = Vec::new();
    for m in macros {
        if m.builtin
            || defs
                .get(m.name.as_str())
                .is_some_and(|d| !std::ptr::eq(*d, m))
        {
            continue;
        }
        let outcome = if let Some(at) = &m.undefined_at {
            Err(format!("it is #undef'd at {at}"))
        } else if m.params.is_some() {
            Err("it is a function-like macro".to_owned())
        } else if m.body.is_empty() {
            Err("it expands to nothing".to_owned())
        } else {
            env.evaluate(m)
        };
        results.push((m, outcome));
    }
    for (m, outcome) in results {
        match outcome {
            Ok(val) => {
                let (ty, value) = constant_of(b, &model, val);
                b.add_constant(Constant {
                    name: m.name.clone(),
                    ty,
                    value,
                    origin: ConstOrigin::Macro,
                    location: m.location.clone(),
                });
            }
            Err(reason) => b.skip_macro(m.name.clone(), reason),
        }
    }
}

fn constant_of(b: &mut TypeBuilder, model: &DataModel, val: Val) -> (QualType, ConstValue) {
    match val {
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
    }
}

/// What evaluation may look up: macros, enumerators, typedefs and records.
struct Env<'a> {
    defs: &'a FxHashMap<&'a str, &'a MacroDef<'a>>,
    model: DataModel,
    enumerators: HashMap<String, (i128, IntKind)>,
    /// Typedef and tag names with what a cast to them means and their size.
    types: HashMap<String, (Option<Cast>, u64)>,
    /// Names of functions and globals, to explain why a macro is not a constant.
    objects: HashMap<String, &'static str>,
    /// Tokens the current evaluation may still expand.
    budget: std::cell::Cell<usize>,
}

/// How many tokens one macro's expansion may produce.
const EXPANSION_BUDGET: usize = 20_000;

#[derive(Debug, Clone, Copy)]
enum Cast {
    Int(IntKind),
    Bool,
    Float(FloatKind),
    Pointer,
    Void,
}

impl<'a> Env<'a> {
    fn new(
        b: &TypeBuilder,
        defs: &'a FxHashMap<&'a str, &'a MacroDef<'a>>,
        model: DataModel,
    ) -> Env<'a> {
        let data = b.data();
        let cast_of = |id| -> Option<Cast> {
            let id = data.canonical(id);
            match data.ty(id)? {
                Type::Int(k) => Some(Cast::Int(*k)),
                Type::Bool => Some(Cast::Bool),
                Type::Float(k) => Some(Cast::Float(*k)),
                Type::Pointer(_) => Some(Cast::Pointer),
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
                let size = data.layout_of(id).map(|l| l.size).unwrap_or(0);
                types.entry(name).or_insert((cast_of(id), size));
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
            objects.insert(f.name.clone(), "the function");
        }
        for g in &data.globals {
            objects.insert(g.name.clone(), "the variable");
        }
        Env {
            defs,
            model,
            enumerators,
            types,
            objects,
            budget: std::cell::Cell::new(EXPANSION_BUDGET),
        }
    }

    fn evaluate(&self, m: &MacroDef<'a>) -> Eval<Val> {
        let mut hide = vec![m.name.as_str()];
        self.budget.set(EXPANSION_BUDGET);
        let tokens = self.expand(&m.body, &mut hide, 0)?;
        let mut p = ExprParser {
            env: self,
            toks: &tokens,
            pos: 0,
            depth: 0,
        };
        let v = p.expr(0)?;
        if p.pos < tokens.len() {
            return Err(format!(
                "'{}' is not part of a constant expression",
                tokens[p.pos].text
            ));
        }
        Ok(v)
    }

    /// Macro expansion with a hide set (C11 6.10.3.4): a macro is not expanded inside itself.
    fn expand(
        &self,
        tokens: &[Token<'a>],
        hide: &mut Vec<&'a str>,
        depth: u32,
    ) -> Eval<Vec<Token<'a>>> {
        if depth > crate::limits::MAX_MACRO_EXPANSION_DEPTH {
            return Err(crate::limits::too_deep(
                "macros expanded inside macros",
                crate::limits::MAX_MACRO_EXPANSION_DEPTH,
                "MAX_MACRO_EXPANSION_DEPTH",
            ));
        }
        // Macros that use each other twice grow exponentially; the preprocessor only
        // pays for that when a macro is used, but wyvern evaluates every one.
        let left = self.budget.get().saturating_sub(tokens.len());
        if left == 0 {
            return Err(format!("its expansion exceeds {EXPANSION_BUDGET} tokens"));
        }
        self.budget.set(left);
        let mut out = Vec::with_capacity(tokens.len());
        let mut i = 0;
        while i < tokens.len() {
            let t = &tokens[i];
            i += 1;
            let def = match self.defs.get(t.text.as_ref()) {
                Some(d) if t.kind == CXToken_Identifier && !hide.contains(&t.text.as_ref()) => *d,
                _ => {
                    out.push(t.clone());
                    continue;
                }
            };
            let body = match &def.params {
                None => def.body.clone(),
                Some(params) => {
                    if tokens.get(i).map(|t| t.text.as_ref()) != Some("(") {
                        out.push(t.clone());
                        continue;
                    }
                    let (args, next) = collect_args(tokens, i)?;
                    i = next;
                    self.substitute(def, params, &args, hide, depth)?
                }
            };
            hide.push(def.name.as_str());
            let expanded = self.expand(&body, hide, depth + 1);
            hide.pop();
            out.extend(expanded?);
        }
        Ok(out)
    }

    fn substitute(
        &self,
        def: &'a MacroDef<'a>,
        params: &[String],
        args: &[Vec<Token<'a>>],
        hide: &mut Vec<&'a str>,
        depth: u32,
    ) -> Eval<Vec<Token<'a>>> {
        let arg_of = |name: &str| -> Option<Vec<Token<'a>>> {
            if name == "__VA_ARGS__" {
                let fixed = params.iter().filter(|p| *p != "...").count();
                let mut rest = Vec::new();
                for (n, a) in args.iter().enumerate().skip(fixed) {
                    if n > fixed {
                        rest.push(punct(","));
                    }
                    rest.extend(a.iter().cloned());
                }
                return Some(rest);
            }
            let pos = params.iter().position(|p| p == name)?;
            Some(args.get(pos).cloned().unwrap_or_default())
        };
        let body = &def.body;
        let mut out: Vec<Token<'a>> = Vec::new();
        let mut i = 0;
        while i < body.len() {
            let t = &body[i];
            if t.text == "#" && i + 1 < body.len() {
                if let Some(arg) = arg_of(&body[i + 1].text) {
                    let text: Vec<&str> = arg.iter().map(|t| t.text.as_ref()).collect();
                    out.push(Token {
                        kind: CXToken_Literal,
                        text: format!(
                            "\"{}\"",
                            text.join(" ").replace('\\', "\\\\").replace('"', "\\\"")
                        )
                        .into(),
                    });
                    i += 2;
                    continue;
                }
            }
            if t.text == "##" && i + 1 < body.len() {
                let next = &body[i + 1];
                let right = arg_of(&next.text).unwrap_or_else(|| vec![next.clone()]);
                let mut right = right.into_iter();
                match (out.pop(), right.next()) {
                    (Some(left), Some(first)) => out.push(paste(&left, &first)),
                    (Some(left), None) => out.push(left),
                    (None, Some(first)) => out.push(first),
                    (None, None) => {}
                }
                out.extend(right);
                i += 2;
                continue;
            }
            match arg_of(&t.text) {
                Some(arg) if t.kind == CXToken_Identifier => {
                    let pasted = body.get(i + 1).is_some_and(|n| n.text == "##");
                    if pasted {
                        out.extend(arg);
                    } else {
                        out.extend(self.expand(&arg, hide, depth + 1)?);
                    }
                }
                _ => out.push(t.clone()),
            }
            i += 1;
        }
        Ok(out)
    }

    fn int_kind_bits(&self, k: IntKind) -> u32 {
        self.model.bytes(k) * 8
    }
}

fn punct(text: &'static str) -> Token<'static> {
    Token {
        kind: CXToken_Punctuation,
        text: text.into(),
    }
}

/// `a ## b`: the spellings joined, re-classified.
fn paste<'a>(left: &Token<'a>, right: &Token<'a>) -> Token<'a> {
    let text = format!("{}{}", left.text, right.text);
    let first = text.chars().next().unwrap_or(' ');
    let kind = if first.is_ascii_digit() || (first == '.' && text.len() > 1) {
        CXToken_Literal
    } else if first.is_ascii_alphabetic() || first == '_' {
        CXToken_Identifier
    } else {
        CXToken_Punctuation
    };
    Token {
        kind,
        text: text.into(),
    }
}

/// The arguments of a function-like macro call starting at `tokens[open]` == `(`.
fn collect_args<'a>(tokens: &[Token<'a>], open: usize) -> Eval<(Vec<Vec<Token<'a>>>, usize)> {
    let mut args = vec![Vec::new()];
    let mut depth = 0;
    let mut i = open + 1;
    while i < tokens.len() {
        let t = &tokens[i];
        match t.text.as_ref() {
            "(" => depth += 1,
            ")" if depth == 0 => {
                if args.len() == 1 && args[0].is_empty() {
                    args.clear();
                }
                return Ok((args, i + 1));
            }
            ")" => depth -= 1,
            "," if depth == 0 => {
                args.push(Vec::new());
                i += 1;
                continue;
            }
            _ => {}
        }
        if let Some(last) = args.last_mut() {
            last.push(t.clone());
        }
        i += 1;
    }
    Err("a macro call is missing its ')'".into())
}

struct ExprParser<'e, 't> {
    env: &'e Env<'e>,
    toks: &'t [Token<'e>],
    pos: usize,
    /// Operands and operators being read inside one another, bounded by
    /// [`MAX_EXPRESSION_DEPTH`](crate::limits::MAX_EXPRESSION_DEPTH).
    depth: u32,
}

/// Binding power of binary operators (higher binds tighter).
fn binary_power(op: &str) -> Option<u8> {
    Some(match op {
        "," => 1,
        "?" => 3,
        "||" => 4,
        "&&" => 5,
        "|" => 6,
        "^" => 7,
        "&" => 8,
        "==" | "!=" => 9,
        "<" | ">" | "<=" | ">=" => 10,
        "<<" | ">>" => 11,
        "+" | "-" => 12,
        "*" | "/" | "%" => 13,
        _ => return None,
    })
}

impl ExprParser<'_, '_> {
    fn peek(&self) -> Option<&str> {
        self.toks.get(self.pos).map(|t| t.text.as_ref())
    }

    fn expect(&mut self, text: &str) -> Eval<()> {
        if self.peek() == Some(text) {
            self.pos += 1;
            Ok(())
        } else {
            Err(format!(
                "expected '{text}', found {}",
                self.peek()
                    .map(|t| format!("'{t}'"))
                    .unwrap_or_else(|| "the end".into())
            ))
        }
    }

    fn expr(&mut self, min_power: u8) -> Eval<Val> {
        let mut lhs = self.unary()?;
        while let Some(op) = self.peek() {
            let Some(power) = binary_power(op) else { break };
            if power < min_power || (op == "," && min_power > 1) {
                break;
            }
            let op = op.to_owned();
            self.pos += 1;
            if op == "?" {
                let then = self.nested(|p| p.expr(1))?;
                self.expect(":")?;
                let otherwise = self.nested(|p| p.expr(power))?;
                lhs = self.ternary(lhs, then, otherwise)?;
                continue;
            }
            let rhs = self.nested(|p| p.expr(power + 1))?;
            lhs = self.binary(&op, lhs, rhs)?;
        }
        Ok(lhs)
    }

    /// `read` one level deeper, or an error past the limit.
    fn nested<T>(&mut self, read: impl FnOnce(&mut Self) -> Eval<T>) -> Eval<T> {
        if self.depth >= crate::limits::MAX_EXPRESSION_DEPTH {
            return Err(crate::limits::expression_too_deep());
        }
        self.depth += 1;
        let result = read(self);
        self.depth -= 1;
        result
    }

    /// An operand with its prefix operators, casts and parentheses; every
    /// recursion of the reader passes through here or [`nested`](Self::nested).
    fn unary(&mut self) -> Eval<Val> {
        self.nested(Self::unary_here)
    }

    fn unary_here(&mut self) -> Eval<Val> {
        let Some(tok) = self.toks.get(self.pos) else {
            return Err("the expression ends early".into());
        };
        let text = tok.text.as_ref();
        match text {
            "+" | "-" | "~" | "!" => {
                self.pos += 1;
                let v = self.unary()?;
                self.unary_op(text, v)
            }
            "(" => {
                if let Some(cast) = self.try_type_name(self.pos + 1)? {
                    let (ty, next) = cast;
                    self.pos = next;
                    self.expect(")")?;
                    let v = self.unary()?;
                    return self.cast(ty, v);
                }
                self.pos += 1;
                let v = self.expr(1)?;
                self.expect(")")?;
                Ok(v)
            }
            "sizeof" => {
                self.pos += 1;
                let size = if self.peek() == Some("(") {
                    match self.try_type_name(self.pos + 1)? {
                        Some((_, next)) => {
                            let size = self.sizeof_type(self.pos + 1, next)?;
                            self.pos = next;
                            self.expect(")")?;
                            size
                        }
                        None => self.sizeof_value()?,
                    }
                } else {
                    self.sizeof_value()?
                };
                Ok(Val::Int(i128::from(size), self.env.model.size_t))
            }
            "__extension__" => {
                self.pos += 1;
                self.unary()
            }
            _ => self.primary(),
        }
    }

    fn sizeof_value(&mut self) -> Eval<u64> {
        let v = self.unary()?;
        Ok(match v {
            Val::Int(_, k) => u64::from(self.env.model.bytes(k)),
            Val::Bool(_) => 1,
            Val::Float(_, k) => u64::from(self.env.model.float_bytes(k)),
            Val::Long(_) => u64::from(self.env.model.float_bytes(FloatKind::LongDouble)),
            Val::Str(s) => s.len() as u64 + 1,
        })
    }

    /// If a type name starts at `start`, what a cast to it means and where it ends.
    fn try_type_name(&self, start: usize) -> Eval<Option<(Cast, usize)>> {
        let mut i = start;
        let mut words: Vec<&str> = Vec::new();
        let mut named: Option<Cast> = None;
        while let Some(t) = self.toks.get(i) {
            let w = t.text.as_ref();
            match w {
                "const" | "volatile" | "restrict" | "__restrict" => {}
                "void" | "_Bool" | "char" | "short" | "int" | "long" | "signed" | "unsigned"
                | "float" | "double" | "__int128" => words.push(w),
                "struct" | "union" | "enum" => {
                    let tag = self.toks.get(i + 1).map(|t| t.text.as_ref()).unwrap_or("");
                    let key = format!("{w} {tag}");
                    named = Some(
                        self.env
                            .types
                            .get(&key)
                            .and_then(|(c, _)| *c)
                            .unwrap_or(Cast::Int(IntKind::Int)),
                    );
                    i += 1;
                }
                _ if t.kind == CXToken_Identifier && words.is_empty() && named.is_none() => {
                    match self.env.types.get(w) {
                        Some((Some(cast), _)) => named = Some(*cast),
                        Some((None, _)) => return Err(format!("casts to '{w}' are not constants")),
                        None => return Ok(None),
                    }
                }
                _ => break,
            }
            i += 1;
        }
        if words.is_empty() && named.is_none() {
            return Ok(None);
        }
        let mut cast = named.unwrap_or_else(|| builtin_cast(&words));
        while self.toks.get(i).map(|t| t.text.as_ref()) == Some("*") {
            cast = Cast::Pointer;
            i += 1;
        }
        Ok(Some((cast, i)))
    }

    fn sizeof_type(&self, start: usize, end: usize) -> Eval<u64> {
        let words: Vec<&str> = self.toks[start..end]
            .iter()
            .map(|t| t.text.as_ref())
            .collect();
        if words.last() == Some(&"*") {
            return Ok(u64::from(self.env.model.pointer));
        }
        let words: Vec<&str> = words
            .into_iter()
            .filter(|w| !matches!(*w, "const" | "volatile"))
            .collect();
        if let [kw @ ("struct" | "union" | "enum"), tag] = words.as_slice() {
            return self
                .env
                .types
                .get(&format!("{kw} {tag}"))
                .map(|(_, s)| *s)
                .ok_or_else(|| format!("sizeof an unknown type '{kw} {tag}'"));
        }
        if let [name] = words.as_slice() {
            if let Some((_, size)) = self.env.types.get(*name) {
                return Ok(*size);
            }
        }
        Ok(match builtin_cast(&words) {
            Cast::Int(k) => u64::from(self.env.model.bytes(k)),
            Cast::Float(k) => u64::from(self.env.model.float_bytes(k)),
            Cast::Bool | Cast::Void => 1,
            Cast::Pointer => u64::from(self.env.model.pointer),
        })
    }

    fn primary(&mut self) -> Eval<Val> {
        let tok = &self.toks[self.pos];
        self.pos += 1;
        match tok.kind {
            CXToken_Literal => {
                if tok.text.ends_with('"') {
                    let mut bytes = string_literal(&tok.text)?;
                    while let Some(next) = self.toks.get(self.pos) {
                        if next.kind != CXToken_Literal || !next.text.ends_with('"') {
                            break;
                        }
                        bytes.extend(string_literal(&next.text)?);
                        self.pos += 1;
                    }
                    Ok(Val::Str(bytes))
                } else if tok.text.ends_with('\'') {
                    char_literal(&tok.text)
                } else {
                    self.number(&tok.text)
                }
            }
            CXToken_Identifier => self.identifier(&tok.text),
            CXToken_Keyword => Err(format!(
                "'{}' is not part of a constant expression",
                tok.text
            )),
            _ => Err(format!(
                "'{}' is not part of a constant expression",
                tok.text
            )),
        }
    }

    fn identifier(&mut self, name: &str) -> Eval<Val> {
        if let Some(&(v, k)) = self.env.enumerators.get(name) {
            return Ok(Val::Int(v, k));
        }
        if let Some(v) = self.builtin_call(name)? {
            return Ok(v);
        }
        if let Some(what) = self.env.objects.get(name) {
            return Err(format!("it expands to {what} '{name}'"));
        }
        if self.env.defs.get(name).is_some_and(|d| d.params.is_some()) {
            return Err(format!(
                "it uses the function-like macro '{name}' without arguments"
            ));
        }
        Err(format!("it uses '{name}', which is not a constant"))
    }

    /// The compiler builtins that headers use for special floating values.
    fn builtin_call(&mut self, name: &str) -> Eval<Option<Val>> {
        let (value, kind) = match name {
            "__builtin_huge_val" | "__builtin_inf" => (f64::INFINITY, FloatKind::Double),
            "__builtin_huge_valf" | "__builtin_inff" => (f64::INFINITY, FloatKind::Float),
            "__builtin_huge_vall" | "__builtin_infl" => (f64::INFINITY, FloatKind::LongDouble),
            "__builtin_nan" => (f64::NAN, FloatKind::Double),
            "__builtin_nanf" => (f64::NAN, FloatKind::Float),
            "__builtin_nanl" => (f64::NAN, FloatKind::LongDouble),
            _ => return Ok(None),
        };
        self.expect("(")?;
        while self.peek().is_some_and(|t| t != ")") {
            self.pos += 1;
        }
        self.expect(")")?;
        Ok(Some(Val::Float(value, kind)))
    }

    fn number(&self, text: &str) -> Eval<Val> {
        let lower = text.to_ascii_lowercase();
        let is_hex = lower.starts_with("0x");
        let is_float = if is_hex {
            lower.contains('p') || lower.contains('.')
        } else {
            lower.contains('.') || lower.contains('e')
        };
        if is_float {
            return float_literal(&lower);
        }
        let body = lower.trim_end_matches(['u', 'l']);
        let suffix = &lower[body.len()..];
        let body = body.replace('\'', "");
        let (digits, radix) = if let Some(h) = body.strip_prefix("0x") {
            (h, 16)
        } else if let Some(b) = body.strip_prefix("0b") {
            (b, 2)
        } else if body.len() > 1 && body.starts_with('0') {
            (&body[1..], 8)
        } else {
            (body.as_str(), 10)
        };
        let value =
            u128::from_str_radix(digits, radix).map_err(|_| format!("'{text}' is not a number"))?;
        let unsigned = suffix.contains('u');
        let longs = suffix.matches('l').count();
        let candidates: &[IntKind] = match (unsigned, longs, radix == 10) {
            (false, 0, true) => &[IntKind::Int, IntKind::Long, IntKind::LongLong],
            (false, 0, false) => &[
                IntKind::Int,
                IntKind::UInt,
                IntKind::Long,
                IntKind::ULong,
                IntKind::LongLong,
                IntKind::ULongLong,
            ],
            (false, 1, true) => &[IntKind::Long, IntKind::LongLong],
            (false, 1, false) => &[
                IntKind::Long,
                IntKind::ULong,
                IntKind::LongLong,
                IntKind::ULongLong,
            ],
            (false, _, true) => &[IntKind::LongLong],
            (false, _, false) => &[IntKind::LongLong, IntKind::ULongLong],
            (true, 0, _) => &[IntKind::UInt, IntKind::ULong, IntKind::ULongLong],
            (true, 1, _) => &[IntKind::ULong, IntKind::ULongLong],
            (true, _, _) => &[IntKind::ULongLong],
        };
        let v = i128::try_from(value).map_err(|_| format!("'{text}' is too large"))?;
        for &k in candidates {
            if self.env.model.fits(v, k) {
                return Ok(Val::Int(v, k));
            }
        }
        // Too large for every candidate: gcc and clang give it an unsigned 64-bit type.
        if self.env.model.fits(v, IntKind::ULongLong) {
            return Ok(Val::Int(v, IntKind::ULongLong));
        }
        Err(format!("'{text}' is too large for any integer type"))
    }

    fn unary_op(&self, op: &str, v: Val) -> Eval<Val> {
        let model = &self.env.model;
        match (op, &v) {
            ("+", Val::Long(x)) => return Ok(Val::Long(*x)),
            ("-", Val::Long(x)) => return Ok(Val::Long(-*x)),
            _ => {}
        }
        let v = demote(v);
        Ok(match (op, v) {
            ("!", v) => Val::Int(i128::from(!truthy(&v)?), IntKind::Int),
            (_, Val::Str(_)) => return Err(format!("'{op}' applied to a string")),
            ("+", Val::Bool(b)) => Val::Int(i128::from(b), IntKind::Int),
            ("-", Val::Bool(b)) => Val::Int(-i128::from(b), IntKind::Int),
            ("~", Val::Bool(b)) => Val::Int(!i128::from(b), IntKind::Int),
            ("+", Val::Int(v, k)) => Val::Int(v, model.promote(k)),
            ("-", Val::Int(v, k)) => {
                let k = model.promote(k);
                Val::Int(model.wrap(-v, k), k)
            }
            ("~", Val::Int(v, k)) => {
                let k = model.promote(k);
                Val::Int(model.wrap(!v, k), k)
            }
            ("+", f @ Val::Float(..)) => f,
            ("-", Val::Float(v, k)) => Val::Float(-v, k),
            (_, Val::Float(..)) => return Err(format!("'{op}' applied to a floating value")),
            _ => return Err(format!("unknown operator '{op}'")),
        })
    }

    fn cast(&self, to: Cast, v: Val) -> Eval<Val> {
        let model = &self.env.model;
        if let (Cast::Float(FloatKind::LongDouble), Val::Long(x)) = (to, &v) {
            return Ok(Val::Long(*x));
        }
        Ok(match (to, v) {
            (_, Val::Str(_)) => return Err("a cast of a string".into()),
            (Cast::Pointer, _) => {
                return Err("it is a pointer, not an integer, floating or string constant".into())
            }
            (Cast::Void, _) => return Err("it is cast to void".into()),
            (Cast::Bool, v) => Val::Bool(truthy(&v)?),
            (to, Val::Long(x)) => {
                return self.cast(to, Val::Float(x.to_f64(), FloatKind::LongDouble))
            }
            (Cast::Int(k), Val::Int(v, _)) => Val::Int(model.wrap(v, k), k),
            (Cast::Int(k), Val::Bool(b)) => Val::Int(i128::from(b), k),
            (Cast::Int(k), Val::Float(f, _)) => {
                if !f.is_finite() {
                    return Err("a non-finite value converted to an integer".into());
                }
                Val::Int(model.wrap(f.trunc() as i128, k), k)
            }
            (Cast::Float(k), Val::Int(v, _)) => Val::Float(round_float(v as f64, k), k),
            (Cast::Float(k), Val::Bool(b)) => Val::Float(f64::from(u8::from(b)), k),
            (Cast::Float(k), Val::Float(f, _)) => Val::Float(round_float(f, k), k),
        })
    }

    fn ternary(&self, cond: Val, then: Val, otherwise: Val) -> Eval<Val> {
        let take = truthy(&cond)?;
        let (then, otherwise) = (demote(then), demote(otherwise));
        match (&then, &otherwise) {
            (Val::Str(_), _) | (_, Val::Str(_)) => Ok(if take { then } else { otherwise }),
            _ => {
                let (a, b) = self.convert_pair(then, otherwise)?;
                Ok(if take { a } else { b })
            }
        }
    }

    /// The usual arithmetic conversions.
    fn convert_pair(&self, a: Val, b: Val) -> Eval<(Val, Val)> {
        let model = &self.env.model;
        let a = bool_to_int(a);
        let b = bool_to_int(b);
        Ok(match (a, b) {
            (Val::Int(x, kx), Val::Int(y, ky)) => {
                let k = model.common(kx, ky);
                (Val::Int(model.wrap(x, k), k), Val::Int(model.wrap(y, k), k))
            }
            (Val::Float(x, kx), Val::Float(y, ky)) => {
                let k = wider_float(kx, ky);
                (Val::Float(x, k), Val::Float(y, k))
            }
            (Val::Float(x, k), Val::Int(y, _)) => (Val::Float(x, k), Val::Float(y as f64, k)),
            (Val::Int(x, _), Val::Float(y, k)) => (Val::Float(x as f64, k), Val::Float(y, k)),
            _ => return Err("an operator applied to a string".into()),
        })
    }

    fn binary(&self, op: &str, lhs: Val, rhs: Val) -> Eval<Val> {
        let model = &self.env.model;
        let (lhs, rhs) = (demote(lhs), demote(rhs));
        match op {
            "&&" => {
                return Ok(Val::Int(
                    i128::from(truthy(&lhs)? && truthy(&rhs)?),
                    IntKind::Int,
                ))
            }
            "||" => {
                return Ok(Val::Int(
                    i128::from(truthy(&lhs)? || truthy(&rhs)?),
                    IntKind::Int,
                ))
            }
            "," => return Ok(rhs),
            "<<" | ">>" => {
                let (Val::Int(x, kx), Val::Int(y, _)) = (bool_to_int(lhs), bool_to_int(rhs)) else {
                    return Err(format!("'{op}' needs integers"));
                };
                let k = model.promote(kx);
                let bits = self.env.int_kind_bits(k);
                if y < 0 || y >= i128::from(bits) {
                    return Err(format!("a shift by {y} bits is out of range"));
                }
                let v = if op == "<<" { x << y } else { x >> y };
                return Ok(Val::Int(model.wrap(v, k), k));
            }
            _ => {}
        }
        let (a, b) = self.convert_pair(lhs, rhs)?;
        let compare = |o: std::cmp::Ordering| -> Eval<Val> {
            use std::cmp::Ordering::*;
            let r = match op {
                "==" => o == Equal,
                "!=" => o != Equal,
                "<" => o == Less,
                ">" => o == Greater,
                "<=" => o != Greater,
                ">=" => o != Less,
                _ => unreachable!("only comparisons reach here"),
            };
            Ok(Val::Int(i128::from(r), IntKind::Int))
        };
        match (a, b) {
            (Val::Int(x, k), Val::Int(y, _)) => {
                let v = match op {
                    "+" => x + y,
                    "-" => x - y,
                    "*" => x.checked_mul(y).ok_or("an overflow")?,
                    "/" | "%" if y == 0 => return Err("a division by zero".into()),
                    "/" => x / y,
                    "%" => x % y,
                    "&" => x & y,
                    "|" => x | y,
                    "^" => x ^ y,
                    "==" | "!=" | "<" | ">" | "<=" | ">=" => return compare(x.cmp(&y)),
                    _ => return Err(format!("unknown operator '{op}'")),
                };
                Ok(Val::Int(model.wrap(v, k), k))
            }
            (Val::Float(x, k), Val::Float(y, _)) => {
                let v = match op {
                    "+" => x + y,
                    "-" => x - y,
                    "*" => x * y,
                    "/" => x / y,
                    "==" | "!=" | "<" | ">" | "<=" | ">=" => {
                        return match x.partial_cmp(&y) {
                            Some(o) => compare(o),
                            None => Ok(Val::Int(i128::from(op == "!="), IntKind::Int)),
                        }
                    }
                    _ => return Err(format!("'{op}' applied to floating values")),
                };
                Ok(Val::Float(round_float(v, k), k))
            }
            _ => Err(format!("'{op}' applied to a string")),
        }
    }
}

fn bool_to_int(v: Val) -> Val {
    match v {
        Val::Bool(b) => Val::Int(i128::from(b), IntKind::Int),
        other => other,
    }
}

fn truthy(v: &Val) -> Eval<bool> {
    match v {
        Val::Int(x, _) => Ok(*x != 0),
        Val::Bool(b) => Ok(*b),
        Val::Float(f, _) => Ok(*f != 0.0),
        Val::Long(x) => Ok(*x != LongDouble::from(0.0)),
        Val::Str(_) => Err("a string used as a condition".into()),
    }
}

fn wider_float(a: FloatKind, b: FloatKind) -> FloatKind {
    let rank = |k| match k {
        FloatKind::Half => 0,
        FloatKind::Float => 1,
        FloatKind::Double => 2,
        FloatKind::LongDouble => 3,
        FloatKind::Float128 => 4,
    };
    if rank(a) >= rank(b) {
        a
    } else {
        b
    }
}

fn round_float(v: f64, k: FloatKind) -> f64 {
    match k {
        FloatKind::Float => f64::from(v as f32),
        _ => v,
    }
}

fn builtin_cast(words: &[&str]) -> Cast {
    // Plain char's signedness does not change a cast's value range on the targets
    // wyvern knows; the kind records it for printing.
    match crate::types::scalar_from_words(words, true) {
        Some(Type::Void) => Cast::Void,
        Some(Type::Bool) => Cast::Bool,
        Some(Type::Float(k) | Type::Complex(k)) => Cast::Float(k),
        Some(Type::Int(k)) => Cast::Int(k),
        // `signed`/`unsigned` alone, and words this evaluator does not collect.
        _ => Cast::Int(IntKind::Int),
    }
}

fn float_literal(lower: &str) -> Eval<Val> {
    let (body, kind) = if let Some(b) = lower.strip_suffix('f') {
        if lower.starts_with("0x") && !lower.contains('p') {
            (lower, FloatKind::Double)
        } else {
            (b, FloatKind::Float)
        }
    } else if let Some(b) = lower.strip_suffix('l') {
        (b, FloatKind::LongDouble)
    } else {
        (lower, FloatKind::Double)
    };
    if kind == FloatKind::LongDouble {
        let v = body
            .parse::<LongDouble>()
            .map_err(|_| format!("'{lower}' is not a number"))?;
        return Ok(Val::Long(v));
    }
    let value = if let Some(hex) = body.strip_prefix("0x") {
        crate::types::hex_float(hex).ok_or_else(|| format!("'{lower}' is not a number"))?
    } else {
        body.parse::<f64>()
            .map_err(|_| format!("'{lower}' is not a number"))?
    };
    Ok(Val::Float(round_float(value, kind), kind))
}

fn char_literal(text: &str) -> Eval<Val> {
    let (prefix, rest) = text.split_at(text.find('\'').unwrap_or(0));
    let inner = rest
        .strip_prefix('\'')
        .and_then(|r| r.strip_suffix('\''))
        .ok_or_else(|| format!("bad character literal {text}"))?;
    let bytes = unescape(inner)?;
    let kind = match prefix {
        "" => IntKind::Int,
        "u" => IntKind::UShort,
        "U" => IntKind::UInt,
        "L" => IntKind::Int,
        _ => return Err(format!("unsupported character literal {text}")),
    };
    let value = match (prefix, bytes.as_slice()) {
        // A plain char literal is a `char` converted to int.
        ("", [b]) => i128::from(*b as i8),
        (_, [b]) => i128::from(*b),
        ("", many) if !many.is_empty() => many
            .iter()
            .fold(0i128, |acc, b| (acc << 8) | i128::from(*b)),
        _ => {
            let s =
                std::str::from_utf8(&bytes).map_err(|_| format!("bad character literal {text}"))?;
            s.chars()
                .next()
                .map(|c| i128::from(u32::from(c)))
                .unwrap_or(0)
        }
    };
    Ok(Val::Int(value, kind))
}

fn string_literal(text: &str) -> Eval<Vec<u8>> {
    let inner = text
        .strip_prefix("u8")
        .unwrap_or(text)
        .strip_prefix('"')
        .and_then(|r| r.strip_suffix('"'))
        .ok_or_else(|| format!("{text} is not a plain string literal"))?;
    unescape(inner)
}

fn unescape(s: &str) -> Eval<Vec<u8>> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        i += 1;
        if c != b'\\' {
            out.push(c);
            continue;
        }
        let Some(&e) = bytes.get(i) else {
            return Err("a string ends in a backslash".into());
        };
        i += 1;
        let simple = match e {
            b'n' => Some(b'\n'),
            b't' => Some(b'\t'),
            b'r' => Some(b'\r'),
            b'a' => Some(7),
            b'b' => Some(8),
            b'f' => Some(12),
            b'v' => Some(11),
            b'e' => Some(27),
            b'\\' | b'\'' | b'"' | b'?' => Some(e),
            _ => None,
        };
        if let Some(b) = simple {
            out.push(b);
        } else if e == b'x' {
            let start = i;
            while i < bytes.len() && bytes[i].is_ascii_hexdigit() {
                i += 1;
            }
            let v = u32::from_str_radix(&s[start..i], 16).map_err(|_| "a bad \\x escape")?;
            out.push(v as u8);
        } else if (b'0'..=b'7').contains(&e) {
            let start = i - 1;
            while i < bytes.len() && i < start + 3 && (b'0'..=b'7').contains(&bytes[i]) {
                i += 1;
            }
            let v = u32::from_str_radix(&s[start..i], 8).map_err(|_| "a bad octal escape")?;
            out.push(v as u8);
        } else {
            return Err(format!("unknown escape '\\{}'", e as char));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes() {
        assert_eq!(unescape(r"a\n\x41\101\0").unwrap(), b"a\nAA\0");
    }

    #[test]
    fn chars() {
        assert_eq!(char_literal("'A'").unwrap(), Val::Int(65, IntKind::Int));
        assert_eq!(char_literal(r"'\xff'").unwrap(), Val::Int(-1, IntKind::Int));
    }
}
