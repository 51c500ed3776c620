//! [`Literal`]: the reader's public face, for programs that read C literals
//! the way wyvern does (its own `wyvern call` arguments among them).

use super::literal::{self, FloatLiteral, IntLiteral};
use super::{EvalError, Malformed};
use crate::types::IntKind;
use std::ops::Range;

use super::TokenKind;

/// Why a text is not a C literal ([`Literal::parse`]) or constant expression
/// ([`TypeSet::evaluate`](crate::TypeSet::evaluate)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiteralError {
    /// The text as given.
    pub text: String,
    /// What kind of problem it is.
    pub problem: LiteralProblem,
    /// What is wrong with it, in words.
    pub reason: String,
}

impl LiteralError {
    /// The error for `text`, from the reader's own.
    pub(crate) fn new(text: &str, error: &EvalError) -> LiteralError {
        LiteralError {
            text: text.to_owned(),
            problem: error.problem(),
            reason: error.to_string(),
        }
    }
}

/// What kind of problem a [`LiteralError`] is, for a caller to act on (the
/// CLI makes a malformed argument a usage error, and one without a value a
/// failure).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum LiteralProblem {
    /// The text is not C as written: no literal is spelled that way (`5uu`,
    /// `"\q"`, `0x1.8f`, a literal above every integer type), or a token
    /// stands where C's grammar has no place for it (`1 +`, `(1`).
    Malformed,
    /// It nests past a [limit](crate::limits) (parentheses, operators).
    TooDeep,
    /// It is C, but has no constant value here: a name that is no constant of
    /// the declarations, an overflow, a division by zero, an operand or cast
    /// C gives no constant value.
    NoValue,
}

impl std::fmt::Display for LiteralError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "'{}': {}", self.text, self.reason)
    }
}

impl std::error::Error for LiteralError {}

/// One C literal token, read by the rules of C (and gcc, where C leaves the
/// choice) that wyvern applies everywhere: to macro constants, type names and
/// `wyvern call` arguments. The rules are those of C11 with C23's additions;
/// where C gives no value (an unknown escape `\q`, an escape out of range
/// `"\x100"`, a suffix C does not have `5uu`), reading is an error.
///
/// ```
/// use wyvern::types::Literal;
/// use wyvern::IntKind;
/// let Literal::Int(five) = Literal::parse("5llu", true)? else { unreachable!() };
/// assert_eq!((five.value, five.candidates()[0]), (5, IntKind::ULongLong));
/// assert_eq!(Literal::parse(r"'\xff'", true)?, Literal::Char(-1, IntKind::Int));
/// assert_eq!(Literal::parse(r#""a\x41\u00e9""#, true)?, Literal::Str("aAé".into()));
/// assert!(Literal::parse(r#""\q""#, true).is_err());
/// assert!(Literal::parse("0x1.8f", true).is_err());
/// # Ok::<(), wyvern::types::LiteralError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    /// An integer literal (`42`, `0x1Fu`, `5ULL`); no sign, as in C.
    Int(IntLiteral),
    /// A floating literal (`2.5`, `1e-3f`, `0x1.8p1`, `2.5L`).
    Float(FloatLiteral),
    /// A character constant's value and type (`'A'` is an `int` 65).
    Char(i128, IntKind),
    /// A `char` string literal's bytes, escapes decoded, no terminating NUL.
    Str(Vec<u8>),
}

impl Literal {
    /// Reads `text`, one whole literal token; `char_signed` is the target's
    /// plain `char` (what `'\xff'` is).
    ///
    /// # Errors
    /// A [`LiteralError`] saying what is wrong, when `text` is not one C
    /// literal.
    pub fn parse(text: &str, char_signed: bool) -> Result<Literal, LiteralError> {
        let bad = |reason: EvalError| LiteralError::new(text, &reason);
        match literal::Prefix::split(text).1.as_bytes().first() {
            Some(b'"') => literal::string_literal(text).map(Literal::Str).map_err(bad),
            Some(b'\'') => literal::char_literal(text, char_signed)
                .map(|(v, k)| Literal::Char(v, k))
                .map_err(bad),
            Some(b'0'..=b'9' | b'.') if literal::is_float(text) => literal::float_literal(text)
                .map(Literal::Float)
                .map_err(bad),
            Some(b'0'..=b'9' | b'.') => literal::int_literal(text).map(Literal::Int).map_err(bad),
            _ => Err(bad(Malformed::NotALiteral.into())),
        }
    }
}

/// C's tokens in `text`, split as wyvern's reader splits them (comments, white
/// space and line splices dropped): each token's kind and its byte range in
/// `text`. An unclosed quote ends its literal token at the line's end.
///
/// ```
/// use wyvern::types::{tokenize, TokenKind};
/// let text = "(size_t)-1 << 2u";
/// let tokens: Vec<_> = tokenize(text).map(|(kind, at)| (kind, &text[at])).collect();
/// assert_eq!(tokens[1], (TokenKind::Identifier, "size_t"));
/// assert_eq!(tokens[5], (TokenKind::Punctuation, "<<"));
/// assert_eq!(tokens[6], (TokenKind::Literal, "2u"));
/// ```
pub fn tokenize(text: &str) -> impl Iterator<Item = (TokenKind, Range<usize>)> + '_ {
    super::lex::spans(text.as_bytes())
}
