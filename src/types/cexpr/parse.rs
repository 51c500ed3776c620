//! C's constant-expression grammar, by precedence climbing over any tokens.

use super::literal::{char_literal, float_literal, int_literal, is_float, string_literal};
use super::member::{offset_of, Member};
use super::ops::{builtin_cast, Cast, PointerBase, PointerType, Val};
use super::{CToken, Depth, Eval, EvalError, Names, Offsetof, TokenKind};
use crate::types::{FloatKind, IntKind, Layout, Quals};

/// Evaluates `tokens` as one constant expression, all of them.
pub(super) fn evaluate<T: CToken>(names: &dyn Names, tokens: &[T]) -> Eval<Val> {
    let mut p = ExprParser {
        names,
        toks: tokens,
        pos: 0,
        depth: 0,
    };
    let v = p.expr(0)?;
    if let Some(t) = tokens.get(p.pos) {
        return Err(unexpected(t.text()));
    }
    Ok(v)
}

struct ExprParser<'e, 't, Tk> {
    names: &'e dyn Names,
    toks: &'t [Tk],
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

impl<Tk: CToken> ExprParser<'_, '_, Tk> {
    fn peek(&self) -> Option<&str> {
        self.toks.get(self.pos).map(|t| t.text())
    }

    fn expect(&mut self, text: &'static str) -> Eval<()> {
        if self.peek() == Some(text) {
            self.pos += 1;
            Ok(())
        } else {
            Err(EvalError::Unexpected {
                found: self.peek().map(str::to_owned),
                expected: Some(text),
            })
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
                lhs = self.names.model().ternary(lhs, then, otherwise)?;
                continue;
            }
            let rhs = self.nested(|p| p.expr(power + 1))?;
            lhs = self.names.model().binary(&op, lhs, rhs)?;
        }
        Ok(lhs)
    }

    /// `read` one level deeper, or an error past the limit.
    fn nested<T>(&mut self, read: impl FnOnce(&mut Self) -> Eval<T>) -> Eval<T> {
        if self.depth >= crate::limits::MAX_EXPRESSION_DEPTH {
            return Err(EvalError::TooDeep(Depth::Expression));
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
            return Err(EvalError::Unexpected {
                found: None,
                expected: None,
            });
        };
        let text = tok.text();
        match text {
            "+" | "-" | "~" | "!" => {
                self.pos += 1;
                let v = self.unary()?;
                self.names.model().unary_op(text, v)
            }
            "(" => {
                if let Some(cast) = self.try_type_name(self.pos + 1)? {
                    let (ty, next) = cast;
                    let ty = ty?;
                    self.pos = next;
                    self.expect(")")?;
                    let v = self.unary()?;
                    return self.names.model().cast(ty, v);
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
                            let size = self.type_layout(self.pos + 1, next)?.size;
                            self.pos = next;
                            self.expect(")")?;
                            size
                        }
                        None => self.sizeof_value()?,
                    }
                } else {
                    self.sizeof_value()?
                };
                Ok(Val::Int(i128::from(size), self.names.model().size_t))
            }
            "_Alignof" | "alignof" | "__alignof__" | "__alignof" => {
                self.pos += 1;
                self.alignof()
            }
            "__builtin_offsetof" => {
                self.pos += 1;
                self.offsetof()
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
            Val::Int(_, k) => u64::from(self.names.model().bytes(k)),
            Val::Bool(_) => 1,
            Val::Float(_, k) => u64::from(self.names.model().float_bytes(k)),
            Val::Long(_) => u64::from(self.names.model().float_bytes(FloatKind::LongDouble)),
            Val::Str(s) => s.len() as u64 + 1,
            Val::Pointer(..) => u64::from(self.names.model().pointer),
        })
    }

    /// If a type name starts at `start`, what a cast to it means and where it ends.
    fn try_type_name(&self, start: usize) -> Eval<Option<(Eval<Cast>, usize)>> {
        let mut i = start;
        let mut words: Vec<&str> = Vec::new();
        // A named type, and what a cast to it means (an error: not a scalar).
        let mut named: Option<Eval<Cast>> = None;
        // The named type itself, for a pointer to it; `None` for a tag the
        // declarations do not have.
        let mut named_id = None;
        let mut quals = Quals::NONE;
        while let Some(t) = self.toks.get(i) {
            let w = t.text();
            match w {
                "const" => quals |= Quals::CONST,
                "volatile" => quals |= Quals::VOLATILE,
                "restrict" | "__restrict" => {}
                "void" | "_Bool" | "char" | "short" | "int" | "long" | "signed" | "unsigned"
                | "float" | "double" | "__int128" => words.push(w),
                "struct" | "union" | "enum" => {
                    let tag = self.toks.get(i + 1).map(|t| t.text()).unwrap_or("");
                    let key = format!("{w} {tag}");
                    let found = self.names.named_type(&key);
                    named_id = found.map(|t| t.id);
                    let cast = match found {
                        Some(t) => t.cast,
                        // An enum the declarations do not show is an `int`.
                        None => (w == "enum").then_some(Cast::Int(IntKind::Int)),
                    };
                    named = Some(cast.ok_or(EvalError::CastToNonScalar { ty: key }));
                    i += 1;
                }
                _ if t.kind() == TokenKind::Identifier && words.is_empty() && named.is_none() => {
                    match self.names.named_type(w) {
                        Some(t) => {
                            named_id = Some(t.id);
                            named = Some(
                                t.cast
                                    .ok_or_else(|| EvalError::CastToNonScalar { ty: w.to_owned() }),
                            )
                        }
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
        let base = match named {
            Some(_) => named_id.map(PointerBase::Named),
            None => builtin_cast(&words).builtin().map(PointerBase::Builtin),
        };
        let mut cast = named.unwrap_or_else(|| Ok(builtin_cast(&words)));
        let mut depth = 0;
        while self.toks.get(i).map(|t| t.text()) == Some("*") {
            depth += 1;
            cast = Ok(Cast::Pointer(PointerType { base, quals, depth }));
            i += 1;
            // `T * const`: a qualifier of the pointer, which a cast drops.
            while matches!(
                self.toks.get(i).map(|t| t.text()),
                Some("const" | "volatile" | "restrict" | "__restrict")
            ) {
                i += 1;
            }
        }
        Ok(Some((cast, i)))
    }

    /// The layout of the type name `toks[start..end]`, for `sizeof` and
    /// `_Alignof`.
    fn type_layout(&self, start: usize, end: usize) -> Eval<Layout> {
        let model = self.names.model();
        let pointer = u64::from(model.pointer);
        let words: Vec<&str> = self.toks[start..end]
            .iter()
            .map(|t| t.text())
            .filter(|w| !matches!(*w, "const" | "volatile" | "restrict" | "__restrict"))
            .collect();
        if words.last() == Some(&"*") {
            return Ok(Layout::new(pointer, pointer));
        }
        let name = match words.as_slice() {
            [kw @ ("struct" | "union" | "enum"), tag] => Some(format!("{kw} {tag}")),
            [name] if self.names.named_type(name).is_some() => Some((*name).to_owned()),
            _ => None,
        };
        if let Some(name) = name {
            return match self.names.named_type(&name) {
                Some(t) => t.layout.ok_or(EvalError::Incomplete { ty: name }),
                None => Err(EvalError::UnknownType { ty: name }),
            };
        }
        let size = match builtin_cast(&words) {
            Cast::Int(k) => u64::from(model.bytes(k)),
            Cast::Float(k) => u64::from(model.float_bytes(k)),
            Cast::Bool | Cast::Void => 1,
            Cast::Pointer(_) => pointer,
        };
        // As the front end lays scalars out: a power of two is its own
        // alignment, i386's 12-byte `long double` is aligned to 4.
        let align = if size.is_power_of_two() { size } else { 4 };
        Ok(Layout::new(size, align))
    }

    /// `_Alignof(type)`, after the keyword.
    fn alignof(&mut self) -> Eval<Val> {
        self.expect("(")?;
        let Some((_, next)) = self.try_type_name(self.pos)? else {
            return Err(EvalError::NeedsTypeName {
                operator: "_Alignof",
            });
        };
        let align = self.type_layout(self.pos, next)?.align;
        self.pos = next;
        self.expect(")")?;
        Ok(Val::Int(i128::from(align), self.names.model().size_t))
    }

    /// `__builtin_offsetof(type, member)` (what `offsetof` expands to), after
    /// the name.
    fn offsetof(&mut self) -> Eval<Val> {
        self.expect("(")?;
        let start = self.pos;
        let Some((_, next)) = self.try_type_name(start)? else {
            return Err(EvalError::NeedsTypeName {
                operator: "offsetof",
            });
        };
        let words: Vec<&str> = self.toks[start..next].iter().map(|t| t.text()).collect();
        let name = words.join(" ");
        let ty = self
            .names
            .named_type(&name)
            .ok_or_else(|| Offsetof::NotARecordType { ty: name.clone() })?;
        self.pos = next;
        self.expect(",")?;
        let toks = self.toks;
        let mut path = Vec::new();
        loop {
            match toks.get(self.pos).map(|t| t.text()) {
                Some(w) if path.is_empty() || w == "." => {
                    if w == "." {
                        self.pos += 1;
                    }
                    let field = toks
                        .get(self.pos)
                        .map(|t| t.text())
                        .ok_or(Offsetof::MemberEndsEarly)?;
                    path.push(Member::Field(field));
                    self.pos += 1;
                }
                Some("[") => {
                    self.pos += 1;
                    let index = match self.expr(1)? {
                        Val::Int(i, _) => u64::try_from(i).map_err(|_| Offsetof::NegativeIndex)?,
                        _ => return Err(Offsetof::IndexNotInteger.into()),
                    };
                    self.expect("]")?;
                    path.push(Member::Index(index));
                }
                _ => break,
            }
        }
        self.expect(")")?;
        let offset = offset_of(self.names.data(), ty.id, &path)?;
        Ok(Val::Int(i128::from(offset), self.names.model().size_t))
    }

    fn primary(&mut self) -> Eval<Val> {
        let tok = &self.toks[self.pos];
        self.pos += 1;
        match tok.kind() {
            TokenKind::Literal => {
                if tok.text().ends_with('"') {
                    let mut bytes =
                        string_literal(tok.text()).map_err(|why| in_literal(tok.text(), why))?;
                    while let Some(next) = self.toks.get(self.pos) {
                        if next.kind() != TokenKind::Literal || !next.text().ends_with('"') {
                            break;
                        }
                        bytes.extend(
                            string_literal(next.text())
                                .map_err(|why| in_literal(next.text(), why))?,
                        );
                        self.pos += 1;
                    }
                    Ok(Val::Str(bytes))
                } else if tok.text().ends_with('\'') {
                    let (v, k) = char_literal(tok.text(), self.names.model().char_signed)
                        .map_err(|why| in_literal(tok.text(), why))?;
                    Ok(Val::Int(v, k))
                } else {
                    self.number(tok.text())
                }
            }
            TokenKind::Identifier => self.identifier(tok.text()),
            TokenKind::Keyword | TokenKind::Punctuation => Err(unexpected(tok.text())),
        }
    }

    fn identifier(&mut self, name: &str) -> Eval<Val> {
        if let Some(v) = self.names.constant(name) {
            return Ok(v);
        }
        if let Some(v) = self.builtin_call(name)? {
            return Ok(v);
        }
        Err(self.names.not_constant(name))
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
        let model = self.names.model();
        if is_float(text) {
            let lit = float_literal(text).map_err(|why| in_number(text, why))?;
            return Ok(match lit.suffix {
                Some(FloatKind::LongDouble) => Val::Long(lit.long),
                Some(k) => Val::Float(lit.value, k),
                None => Val::Float(lit.value, FloatKind::Double),
            });
        }
        let lit = int_literal(text).map_err(|why| in_number(text, why))?;
        let v = i128::try_from(lit.value).map_err(|_| EvalError::TooLarge {
            literal: Some(text.to_owned()),
            beyond_i128: true,
        })?;
        let candidates = lit.candidates();
        // Too large for every candidate: gcc and clang give it an unsigned 64-bit type.
        let fallback = [IntKind::ULongLong];
        for &k in candidates.iter().chain(&fallback) {
            if model.fits(v, k) {
                return Ok(Val::Int(v, k));
            }
        }
        Err(EvalError::TooLarge {
            literal: Some(text.to_owned()),
            beyond_i128: false,
        })
    }
}

/// `token` where the grammar has no place for it.
fn unexpected(token: &str) -> EvalError {
    EvalError::Unexpected {
        found: Some(token.to_owned()),
        expected: None,
    }
}

/// What is wrong with the character or string literal `token`.
fn in_literal(token: &str, error: EvalError) -> EvalError {
    EvalError::InLiteral {
        literal: token.to_owned(),
        quoted: true,
        error: Box::new(error),
    }
}

/// What is wrong with the number `token`.
fn in_number(token: &str, error: EvalError) -> EvalError {
    EvalError::InLiteral {
        literal: token.to_owned(),
        quoted: false,
        error: Box::new(error),
    }
}
