//! [`EvalError`]: why a literal or constant expression has no value, as data.
//!
//! Its `Display` is the text wyvern has always shown (in skip lists, `wyvern
//! dump`, [`LiteralError`](super::LiteralError) and type-name errors): the
//! public faces keep that text, so the enum stays crate-private while
//! callers may match on what went wrong.

use super::LiteralProblem;
use crate::types::IntKind;

/// Why a literal or constant expression has no value.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub(crate) enum EvalError {
    /// A literal is not spelled as C spells one.
    #[error(transparent)]
    Malformed(#[from] Malformed),
    /// An integer suffix C does not have (`5uu`).
    #[error("'{suffix}' is not an integer suffix")]
    BadSuffix {
        /// The suffix as written.
        suffix: String,
    },
    /// A digit outside the literal's base (`09`, `0b2`).
    #[error("'{digit}' is not a digit of a {} constant", base_name(*radix))]
    BadDigit {
        /// The digit.
        digit: char,
        /// The base the prefix chose: 2, 8, 10 or 16.
        radix: u32,
    },
    /// An integer literal above what any integer type holds. `literal`: the
    /// token, when the expression reader names it; `beyond_i128`: above even
    /// the reader's own 128 bits.
    #[error("{}", too_large(literal.as_deref(), *beyond_i128))]
    TooLarge {
        /// The literal, when named.
        literal: Option<String>,
        /// Above `i128::MAX`.
        beyond_i128: bool,
    },
    /// A decimal floating literal Rust's reader refuses.
    #[error("{0}")]
    BadFloat(std::num::ParseFloatError),
    /// An escape C does not have (`\q`), at a byte offset of the literal's body.
    #[error("'\\{escape}' (at byte {at}) is not an escape sequence of C")]
    UnknownEscape {
        /// The character after the backslash.
        escape: char,
        /// Where its backslash is, in bytes from the opening quote (at 0).
        at: usize,
    },
    /// An octal or `\x` escape above the literal's code unit (`"\x100"`).
    #[error("the escape '\\{escape}' is out of range")]
    EscapeOutOfRange {
        /// The escape after its backslash (`x100`, `777`).
        escape: String,
    },
    /// A `\u` or `\U` escape that names no character C allows there.
    #[error("'\\{escape}' is not a universal character name (C11 6.4.3)")]
    BadUniversalName {
        /// The escape after its backslash (`u12`, `ud800`).
        escape: String,
    },
    /// A literal token of an expression that is not a literal: `quoted` for
    /// character and string literals, which are shown without extra quotes.
    #[error("{}: {error}", if *quoted { literal.clone() } else { format!("'{literal}'") })]
    InLiteral {
        /// The token.
        literal: String,
        /// A character or string literal.
        quoted: bool,
        /// What is wrong with it.
        error: Box<EvalError>,
    },
    /// A token where the grammar has no place for it, or the end of the
    /// tokens too early: `found` is `None` at the end, `expected` names the
    /// punctuator the grammar needed, if one.
    #[error("{}", unexpected(found.as_deref(), *expected))]
    Unexpected {
        /// The token found.
        found: Option<String>,
        /// The punctuator needed.
        expected: Option<&'static str>,
    },
    /// A name that is none of the declarations' constants.
    #[error("{}", not_a_constant(name, why))]
    NotAConstant {
        /// The name.
        name: String,
        /// What it is instead.
        why: NotConstant,
    },
    /// An operator on an operand it does not take; `op` is `None` where the
    /// usual arithmetic conversions refused before an operator was chosen.
    #[error("{} {operand}", op.as_ref().map(|o| format!("'{o}'")).unwrap_or_else(|| "an operator".into()))]
    BadOperand {
        /// The operator.
        op: Option<String>,
        /// What was wrong with its operands.
        operand: Operand,
    },
    /// An operator the reader does not know (its grammar passed it on).
    #[error("unknown operator '{op}'")]
    UnknownOperator {
        /// The operator.
        op: String,
    },
    /// A signed result its type cannot hold (C11 6.5p5: no value).
    #[error("the result {value} overflows '{}'", ty.spelling())]
    Overflow {
        /// The exact result.
        value: i128,
        /// The operation's type.
        ty: IntKind,
    },
    /// A product beyond the reader's own 128 bits.
    #[error("an overflow")]
    WideOverflow,
    /// `/` or `%` by zero.
    #[error("a division by zero")]
    DivisionByZero,
    /// A shift by a negative count or by the width or more.
    #[error("a shift by {count} bits is out of range")]
    ShiftOutOfRange {
        /// The shift count.
        count: i128,
    },
    /// A cast or conversion that has no constant value.
    #[error(transparent)]
    Cast(#[from] BadCast),
    /// A cast to a type that is not a scalar (`(struct s)x`).
    #[error("casts to '{ty}' are not constants")]
    CastToNonScalar {
        /// The type's name.
        ty: String,
    },
    /// A string where a condition was needed.
    #[error("a string used as a condition")]
    StringCondition,
    /// The value is an address of a pointer to a tag the declarations do not
    /// have (`(struct nosuch *)0`), so its type is not one wyvern has.
    #[error("it is a pointer to a type the declarations do not have")]
    #[cfg_attr(not(feature = "clang"), allow(dead_code))]
    Pointer,
    /// `sizeof`, `_Alignof` or `offsetof` without the type name it needs.
    #[error("{operator} needs a type name")]
    NeedsTypeName {
        /// The operator's spelling in the message (`_Alignof`, `offsetof`).
        operator: &'static str,
    },
    /// `sizeof` or `_Alignof` of an incomplete type.
    #[error("'{ty}' is incomplete, so it has no size")]
    Incomplete {
        /// The type's name.
        ty: String,
    },
    /// `sizeof` or `_Alignof` of a type the declarations do not have.
    #[error("sizeof an unknown type '{ty}'")]
    UnknownType {
        /// The type's name.
        ty: String,
    },
    /// An `offsetof` that has no value.
    #[error(transparent)]
    Offsetof(#[from] Offsetof),
    /// A nesting past one of the [limits](crate::limits).
    #[error("{}", .0.message())]
    TooDeep(Depth),
}

impl EvalError {
    /// Which kind of problem this is, for the public [`LiteralError`].
    pub(crate) fn problem(&self) -> LiteralProblem {
        match self {
            EvalError::Malformed(_)
            | EvalError::BadSuffix { .. }
            | EvalError::BadDigit { .. }
            | EvalError::TooLarge { .. }
            | EvalError::BadFloat(_)
            | EvalError::UnknownEscape { .. }
            | EvalError::EscapeOutOfRange { .. }
            | EvalError::BadUniversalName { .. }
            | EvalError::Unexpected { .. }
            | EvalError::UnknownOperator { .. }
            | EvalError::NeedsTypeName { .. } => LiteralProblem::Malformed,
            EvalError::InLiteral { error, .. } => error.problem(),
            EvalError::TooDeep(_) => LiteralProblem::TooDeep,
            _ => LiteralProblem::NoValue,
        }
    }
}

/// A literal spelled as no C literal is: the problems that carry no data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub(crate) enum Malformed {
    /// `0x`, `1'`: no digits where C needs them.
    #[error("it has no digits where C needs them")]
    NoDigits,
    /// `0x1.8f`: a hex float with no `p` exponent.
    #[error("a hexadecimal floating constant needs a 'p' exponent")]
    NoHexExponent,
    /// `1.0fl`: not the digits of a floating constant.
    #[error("its digits are not those of a floating constant")]
    FloatDigits,
    /// `1e`: an exponent with no digits.
    #[error("its exponent has no digits")]
    ExponentDigits,
    /// A hex float's exponent beyond `i32`.
    #[error("its exponent is out of range")]
    ExponentRange,
    /// Text the `long double` reader refuses.
    #[error("it is not a number")]
    NotANumber,
    /// A character literal without its quotes.
    #[error("it is not a quoted character")]
    NotQuotedChar,
    /// A string literal without its quotes.
    #[error("it is not a quoted string")]
    NotQuotedString,
    /// `'a` or `"text`: the quote does not close.
    #[error("the quote is not closed")]
    Unclosed,
    /// `''`.
    #[error("a character constant holds no character")]
    EmptyChar,
    /// `'abcde'`.
    #[error("a character constant holds more than 4 bytes")]
    LongChar,
    /// `u'ab'`.
    #[error("a prefixed character constant holds one character")]
    PrefixedChars,
    /// `L"x"` where a `char *` constant is read.
    #[error("a wide string is not a char * constant")]
    WideString,
    /// A body ending in `\`.
    #[error("it ends in a backslash")]
    TrailingBackslash,
    /// `\x` with no digits.
    #[error("\\x is used with no hex digits after it")]
    EmptyHexEscape,
    /// Text that starts as no literal does.
    #[error("it is not a number, character or string literal")]
    NotALiteral,
}

/// What a name that is not a constant is instead.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(not(feature = "clang"), allow(dead_code))] // the first four: the macro evaluator's
pub(crate) enum NotConstant {
    /// A function of the declarations.
    Function,
    /// A global variable of the declarations.
    Variable,
    /// A function-like macro used without arguments.
    FunctionLikeMacro,
    /// Nothing the declarations have (the macro evaluator's words).
    Unknown,
    /// A constant, but not one an expression can use.
    NotInteger,
    /// What looking the name up said (the closest name, or why a macro of
    /// that name is not a constant).
    Lookup(String),
}

/// What is wrong with an operator's operands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub(crate) enum Operand {
    /// A string.
    #[error("applied to a string")]
    String,
    /// A floating value, to an integer operator.
    #[error("applied to a floating value")]
    Floating,
    /// Floating values, to a binary integer operator.
    #[error("applied to floating values")]
    Floatings,
    /// An address.
    #[error("applied to a pointer")]
    Pointer,
    /// Not integers, for a shift.
    #[error("needs integers")]
    NotIntegers,
}

/// A cast or conversion with no constant value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub(crate) enum BadCast {
    /// A string cast to anything.
    #[error("a cast of a string")]
    OfString,
    /// A cast to `void`.
    #[error("it is cast to void")]
    ToVoid,
    /// An address converted to a floating type.
    #[error("a pointer converted to a floating type")]
    PointerToFloat,
    /// A floating value converted to a pointer.
    #[error("a floating value converted to a pointer")]
    FloatToPointer,
    /// An infinity or NaN converted to an integer.
    #[error("a non-finite value converted to an integer")]
    NonFiniteToInt,
}

/// Why an `offsetof(type, member)` has no value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum Offsetof {
    /// The type named is not a struct or union.
    #[error("offsetof in '{ty}', which is not a struct or union")]
    NotARecordType {
        /// The type's name.
        ty: String,
    },
    /// The member designator stops after a `.`.
    #[error("offsetof's member ends early")]
    MemberEndsEarly,
    /// `[-1]`.
    #[error("a negative index")]
    NegativeIndex,
    /// `[1.5]`.
    #[error("an offsetof index must be an integer")]
    IndexNotInteger,
    /// `[i]` on a member that is not an array.
    #[error("[{index}] in offsetof applies to a non-array")]
    NotAnArray {
        /// The index.
        index: u64,
    },
    /// An index into an array whose elements have no size.
    #[error("offsetof into an array of an incomplete type")]
    IncompleteElement,
    /// An offset beyond `u64`.
    #[error("an offsetof too large")]
    TooLarge,
    /// `.field` in a member that is not a struct or union.
    #[error("offsetof '{field}' in a type that is not a struct or union")]
    NotARecord {
        /// The field asked for.
        field: String,
    },
    /// `.field` in an incomplete record.
    #[error("offsetof '{field}' in an incomplete record")]
    IncompleteRecord {
        /// The field asked for.
        field: String,
    },
    /// A bitfield, which has no byte offset.
    #[error("'{field}' is a bitfield, which has no offsetof")]
    Bitfield {
        /// The field.
        field: String,
    },
    /// No field of that name, anonymous members included.
    #[error("no field '{field}' for offsetof")]
    NoField {
        /// The field asked for.
        field: String,
    },
}

/// Which [limit](crate::limits) a nesting went past.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Depth {
    /// [`MAX_EXPRESSION_DEPTH`](crate::limits::MAX_EXPRESSION_DEPTH).
    Expression,
    /// [`MAX_TYPE_DEPTH`](crate::limits::MAX_TYPE_DEPTH).
    Types,
    /// [`MAX_MACRO_EXPANSION_DEPTH`](crate::limits::MAX_MACRO_EXPANSION_DEPTH).
    #[cfg_attr(not(feature = "clang"), allow(dead_code))]
    Macros,
}

impl Depth {
    /// The limits' own message.
    fn message(self) -> String {
        match self {
            Depth::Expression => crate::limits::expression_too_deep(),
            Depth::Types => crate::limits::types_too_deep(),
            Depth::Macros => crate::limits::too_deep(
                "macros expanded inside macros",
                crate::limits::MAX_MACRO_EXPANSION_DEPTH,
                "MAX_MACRO_EXPANSION_DEPTH",
            ),
        }
    }
}

fn base_name(radix: u32) -> &'static str {
    match radix {
        16 => "hexadecimal",
        8 => "octal",
        2 => "binary",
        _ => "decimal",
    }
}

fn too_large(literal: Option<&str>, beyond_i128: bool) -> String {
    match (literal, beyond_i128) {
        (None, _) => "it is too large for any integer type".into(),
        (Some(l), true) => format!("'{l}' is too large"),
        (Some(l), false) => format!("'{l}' is too large for any integer type"),
    }
}

fn unexpected(found: Option<&str>, expected: Option<&str>) -> String {
    match (found, expected) {
        (Some(t), None) => format!("'{t}' is not part of a constant expression"),
        (None, None) => "the expression ends early".into(),
        (found, Some(e)) => format!(
            "expected '{e}', found {}",
            found
                .map(|t| format!("'{t}'"))
                .unwrap_or_else(|| "the end".into())
        ),
    }
}

fn not_a_constant(name: &str, why: &NotConstant) -> String {
    match why {
        NotConstant::Function => format!("it expands to the function '{name}'"),
        NotConstant::Variable => format!("it expands to the variable '{name}'"),
        NotConstant::FunctionLikeMacro => {
            format!("it uses the function-like macro '{name}' without arguments")
        }
        NotConstant::Unknown => format!("it uses '{name}', which is not a constant"),
        NotConstant::NotInteger => format!("'{name}' is not an integer constant"),
        NotConstant::Lookup(said) => said.clone(),
    }
}
