//! Values during evaluation and C's operators on them: the usual arithmetic
//! conversions, integer promotion, casts, wrapping to the target's widths.

use super::model::DataModel;
use super::{BadCast, Eval, EvalError, Operand};
use crate::types::{FloatKind, IntKind, LongDouble, Quals, Type, TypeId};

/// A value during evaluation, with its C type.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Val {
    Int(i128, IntKind),
    Bool(bool),
    Float(f64, FloatKind),
    /// An `L`-suffixed floating literal at full precision. Unary `+` and `-`
    /// and a cast to `long double` keep it; any other operation works on its
    /// nearest `double`, as this evaluator computes in `double`.
    Long(LongDouble),
    Str(Vec<u8>),
    /// An address from a cast to a pointer type (`(void *)-1`), as an unsigned
    /// number of the pointer's width, with the type it was cast to. A cast (to
    /// an integer, to `_Bool`, to another pointer) or a condition reads it, so
    /// `(long)(void *)16` is a constant, as gcc makes it; no arithmetic does.
    Pointer(i128, PointerType),
}

/// A pointer type as an expression names it: a named type or a builtin
/// scalar, under `depth` levels of pointer. `(void *)` is `void` at depth 1,
/// `(sighandler_t)` the typedef at depth 0, `(struct s **)` `struct s` at
/// depth 2. The caller makes it a type of its own set
/// ([`TypeBuilder`](crate::types::TypeBuilder) or
/// [`TypeSet`](crate::types::TypeSet)).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct PointerType {
    /// What the innermost pointer points to; `None`: a tag the declarations
    /// do not have (`(struct nosuch *)0`).
    pub(crate) base: Option<PointerBase>,
    /// The qualifiers of `base` (`const` in `(const double *)8`); those of
    /// the pointers above it are dropped, as a cast drops them.
    pub(crate) quals: Quals,
    /// How many pointers are above `base` (0 when `base` is a pointer type itself).
    pub(crate) depth: u32,
}

impl PointerType {
    /// The pointer type `id` itself (a typedef of a pointer type, or one).
    pub(crate) fn named(id: TypeId) -> PointerType {
        PointerType {
            base: Some(PointerBase::Named(id)),
            quals: Quals::NONE,
            depth: 0,
        }
    }
}

/// The type at the bottom of a [`PointerType`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum PointerBase {
    /// A typedef or tag the names gave.
    Named(TypeId),
    /// A builtin type spelled with keywords (`void`, `unsigned char`).
    Builtin(Builtin),
}

/// A type spelled with C's keywords alone.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Builtin {
    Void,
    Bool,
    Int(IntKind),
    Float(FloatKind),
}

impl Builtin {
    /// Its type.
    #[cfg_attr(not(feature = "clang"), allow(dead_code))]
    pub(crate) fn ty(self) -> Type {
        match self {
            Builtin::Void => Type::Void,
            Builtin::Bool => Type::Bool,
            Builtin::Int(k) => Type::Int(k),
            Builtin::Float(k) => Type::Float(k),
        }
    }
}

/// A `long double` literal as the `double` arithmetic works on it.
pub(crate) fn demote(v: Val) -> Val {
    match v {
        Val::Long(x) => Val::Float(x.to_f64(), FloatKind::LongDouble),
        other => other,
    }
}

#[derive(Debug, Clone, Copy)]
pub(crate) enum Cast {
    Int(IntKind),
    Bool,
    Float(FloatKind),
    Pointer(PointerType),
    Void,
}

impl Cast {
    /// The builtin type a cast to a non-pointer type names.
    pub(crate) fn builtin(self) -> Option<Builtin> {
        Some(match self {
            Cast::Int(k) => Builtin::Int(k),
            Cast::Bool => Builtin::Bool,
            Cast::Float(k) => Builtin::Float(k),
            Cast::Void => Builtin::Void,
            Cast::Pointer(_) => return None,
        })
    }
}

/// C's operators on values, by the target's data model.
impl DataModel {
    pub(crate) fn unary_op(&self, op: &str, v: Val) -> Eval<Val> {
        let model = self;
        match (op, &v) {
            ("+", Val::Long(x)) => return Ok(Val::Long(*x)),
            ("-", Val::Long(x)) => return Ok(Val::Long(-*x)),
            _ => {}
        }
        let v = demote(v);
        Ok(match (op, v) {
            ("!", v) => Val::Int(i128::from(!truthy(&v)?), IntKind::Int),
            (_, Val::Str(_)) => return Err(bad_operand(op, Operand::String)),
            ("+", Val::Bool(b)) => Val::Int(i128::from(b), IntKind::Int),
            ("-", Val::Bool(b)) => Val::Int(-i128::from(b), IntKind::Int),
            ("~", Val::Bool(b)) => Val::Int(!i128::from(b), IntKind::Int),
            ("+", Val::Int(v, k)) => Val::Int(v, model.promote(k)),
            ("-", Val::Int(v, k)) => {
                let k = model.promote(k);
                Val::Int(model.signed_result(-v, k)?, k)
            }
            ("~", Val::Int(v, k)) => {
                let k = model.promote(k);
                Val::Int(model.wrap(!v, k), k)
            }
            ("+", f @ Val::Float(..)) => f,
            ("-", Val::Float(v, k)) => Val::Float(-v, k),
            (_, Val::Float(..)) => return Err(bad_operand(op, Operand::Floating)),
            _ => return Err(unknown_operator(op)),
        })
    }

    pub(crate) fn cast(&self, to: Cast, v: Val) -> Eval<Val> {
        let model = self;
        if let (Cast::Float(FloatKind::LongDouble), Val::Long(x)) = (to, &v) {
            return Ok(Val::Long(*x));
        }
        Ok(match (to, v) {
            (_, Val::Str(_)) => return Err(BadCast::OfString.into()),
            (Cast::Void, _) => return Err(BadCast::ToVoid.into()),
            (Cast::Bool, v) => Val::Bool(truthy(&v)?),
            (Cast::Pointer(ty), Val::Int(v, _) | Val::Pointer(v, _)) => {
                Val::Pointer(model.wrap(v, model.pointer_int()), ty)
            }
            (Cast::Pointer(ty), Val::Bool(b)) => Val::Pointer(i128::from(b), ty),
            (Cast::Int(k), Val::Pointer(p, _)) => Val::Int(model.wrap(p, k), k),
            (_, Val::Pointer(..)) => return Err(BadCast::PointerToFloat.into()),
            (Cast::Pointer(_), _) => return Err(BadCast::FloatToPointer.into()),
            (to, Val::Long(x)) => {
                return self.cast(to, Val::Float(x.to_f64(), FloatKind::LongDouble))
            }
            (Cast::Int(k), Val::Int(v, _)) => Val::Int(model.wrap(v, k), k),
            (Cast::Int(k), Val::Bool(b)) => Val::Int(i128::from(b), k),
            (Cast::Int(k), Val::Float(f, _)) => {
                if !f.is_finite() {
                    return Err(BadCast::NonFiniteToInt.into());
                }
                Val::Int(model.wrap(f.trunc() as i128, k), k)
            }
            (Cast::Float(k), Val::Int(v, _)) => Val::Float(round_float(v as f64, k), k),
            (Cast::Float(k), Val::Bool(b)) => Val::Float(f64::from(u8::from(b)), k),
            (Cast::Float(k), Val::Float(f, _)) => Val::Float(round_float(f, k), k),
        })
    }

    pub(crate) fn ternary(&self, cond: Val, then: Val, otherwise: Val) -> Eval<Val> {
        let take = truthy(&cond)?;
        let (then, otherwise) = (demote(then), demote(otherwise));
        match (&then, &otherwise) {
            (Val::Str(_) | Val::Pointer(..), _) | (_, Val::Str(_) | Val::Pointer(..)) => {
                Ok(if take { then } else { otherwise })
            }
            _ => {
                let (a, b) = self.convert_pair(then, otherwise)?;
                Ok(if take { a } else { b })
            }
        }
    }

    /// The usual arithmetic conversions.
    fn convert_pair(&self, a: Val, b: Val) -> Eval<(Val, Val)> {
        let model = self;
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
            (Val::Pointer(..), _) | (_, Val::Pointer(..)) => {
                return Err(EvalError::BadOperand {
                    op: None,
                    operand: Operand::Pointer,
                })
            }
            _ => {
                return Err(EvalError::BadOperand {
                    op: None,
                    operand: Operand::String,
                })
            }
        })
    }

    /// The exact result `v` of an operation in type `k`: unsigned types wrap, a
    /// signed type that cannot hold it overflowed, which C leaves undefined
    /// (gcc warns and wraps; a wrapped value would be a guess).
    fn signed_result(&self, v: i128, k: IntKind) -> Eval<i128> {
        if k.is_signed() && !self.fits(v, k) {
            return Err(EvalError::Overflow { value: v, ty: k });
        }
        Ok(self.wrap(v, k))
    }

    /// `<<` and `>>`: the type is the promoted left operand's, and a shift by
    /// its width or more (or by a negative count) has no value in C.
    fn shift(&self, op: &str, lhs: Val, rhs: Val) -> Eval<Val> {
        let (Val::Int(x, kx), Val::Int(y, _)) = (bool_to_int(lhs), bool_to_int(rhs)) else {
            return Err(bad_operand(op, Operand::NotIntegers));
        };
        let k = self.promote(kx);
        let bits = self.bytes(k) * 8;
        if y < 0 || y >= i128::from(bits) {
            return Err(EvalError::ShiftOutOfRange { count: y });
        }
        let v = if op == "<<" { x << y } else { x >> y };
        Ok(Val::Int(self.wrap(v, k), k))
    }

    pub(crate) fn binary(&self, op: &str, lhs: Val, rhs: Val) -> Eval<Val> {
        let model = self;
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
            "<<" | ">>" => return self.shift(op, lhs, rhs),
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
                    "*" => x.checked_mul(y).ok_or(EvalError::WideOverflow)?,
                    "/" | "%" if y == 0 => return Err(EvalError::DivisionByZero),
                    "/" => x / y,
                    "%" => x % y,
                    "&" => x & y,
                    "|" => x | y,
                    "^" => x ^ y,
                    "==" | "!=" | "<" | ">" | "<=" | ">=" => return compare(x.cmp(&y)),
                    _ => return Err(unknown_operator(op)),
                };
                Ok(Val::Int(model.signed_result(v, k)?, k))
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
                    _ => return Err(bad_operand(op, Operand::Floatings)),
                };
                Ok(Val::Float(round_float(v, k), k))
            }
            _ => Err(bad_operand(op, Operand::String)),
        }
    }
}

fn bad_operand(op: &str, operand: Operand) -> EvalError {
    EvalError::BadOperand {
        op: Some(op.to_owned()),
        operand,
    }
}

fn unknown_operator(op: &str) -> EvalError {
    EvalError::UnknownOperator { op: op.to_owned() }
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
        Val::Pointer(p, _) => Ok(*p != 0),
        Val::Str(_) => Err(EvalError::StringCondition),
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

pub(crate) fn round_float(v: f64, k: FloatKind) -> f64 {
    match k {
        FloatKind::Float => f64::from(v as f32),
        _ => v,
    }
}

pub(crate) fn builtin_cast(words: &[&str]) -> Cast {
    // Plain char's signedness does not change a cast's value range on the targets
    // wyvern knows; the kind records it for printing.
    match super::scalar_from_words(words, true) {
        Some(Type::Void) => Cast::Void,
        Some(Type::Bool) => Cast::Bool,
        Some(Type::Float(k) | Type::Complex(k)) => Cast::Float(k),
        Some(Type::Int(k)) => Cast::Int(k),
        // `signed`/`unsigned` alone, and words this evaluator does not collect.
        _ => Cast::Int(IntKind::Int),
    }
}
