//! C literals and constant expressions: one reader, one set of rules, for the
//! macro evaluator (the clang front end), the `wyvern call` argument literals
//! (through the public [`Literal`](crate::types::Literal)) and type names
//! (array lengths).
//!
//! It sits in `types` because `sizeof`, `_Alignof`, `offsetof`, casts and the usual arithmetic
//! conversions are questions about the target's types ([`DataModel`]); it uses
//! no libclang, so a build without the `clang` feature reads literals the same
//! way.
//!
//! # The rules
//! C (C11, with the C23 additions gcc and clang accept) decides; where C leaves
//! a choice to the implementation, gcc's choice is taken. Where C gives no
//! value (undefined behaviour, a constraint violation), wyvern gives none
//! either: the literal is an error, as `gcc -pedantic-errors` and clang make it,
//! never a guess. So:
//!
//! - **Integers**: decimal, octal, hex, binary (`0b`), `'` separators (C23).
//!   Suffixes `u`, `l`, `ll` and `u` with either, in either order and either
//!   case, `ll` in one case: `5uLL`, `5llu`. `5uu`, `5lL`, `5lul` are errors (gcc:
//!   "invalid suffix"). The type is the first of C's candidates that holds the
//!   value (C11 6.4.4.1p5); a value no candidate holds gets `unsigned long
//!   long` if it fits there, as gcc does.
//! - **Floats**: decimal and hex; a hex float needs its `p` exponent (`0x1.8f` is
//!   an error: gcc "hexadecimal floating constants require an exponent"), an
//!   exponent needs digits. Suffixes `f` and `l`, either case.
//! - **Escapes**, in characters and strings alike: the simple ones, `\e` (gcc's
//!   ESC), octal of one to three digits, `\x` of any number of digits (leading
//!   zeros included), `\u` with 4 and `\U` with 8 digits (a universal character
//!   name, C11 6.4.3: not below U+00A0 except `$ @ ``, not a surrogate). An
//!   octal or `\x` value beyond the literal's code unit (0xff for `char`,
//!   0xffff for `u`) is an error: C11 6.4.4.4p9 makes it a constraint
//!   violation, gcc warns and truncates, clang refuses; a truncated value is a
//!   guess. An unknown escape (`\q`) is an error: C gives it no meaning (J.2),
//!   gcc warns and drops the backslash, which would silently pass `q` where a
//!   user meant something else.
//! - **Characters**: `'A'` is an `int` of a `char` (so `'\xff'` is -1 where
//!   `char` is signed), `L'x'` a `wchar_t`, `u'x'` a `char16_t`, `U'x'` a
//!   `char32_t`, `u8'x'` (C23) an `unsigned char`. `'ab'` is the `int` of its
//!   bytes (gcc's implementation-defined value, up to 4 bytes); a prefixed
//!   character constant holds one code unit.
//! - **Strings**: plain and `u8` strings, adjacent ones joined; wide strings are
//!   not `char *` constants and are refused.
//! - **Expressions**: C's operators, typed by the usual arithmetic conversions
//!   for the target. Unsigned arithmetic wraps; a signed result its type cannot
//!   hold, a shift by the width or more, a division by zero have no value in C
//!   (C11 6.6p4, 6.5.7) and are errors (gcc `-pedantic-errors`: "overflow in
//!   constant expression"). `sizeof`, `_Alignof` and `__builtin_offsetof` (what
//!   `offsetof` expands to) read the declarations' layouts; an incomplete type
//!   has none. A cast of an integer to a pointer type makes an address with
//!   that type (`((void *)-1)`, `((sighandler_t)1)`, `(struct s **)0`): a
//!   pointer constant, which a cast back to an integer (`(long)(void *)16`, as
//!   gcc folds it), to `_Bool` or a condition may also read. No arithmetic
//!   applies to it: C's pointer arithmetic has no constant value here.
//!
//! # Pieces
//! - [`literal`]: one literal token at a time ([`Literal`](crate::types::Literal)
//!   is its public face).
//! - [`DataModel`]: the target's sizes and C's conversions.
//! - [`EvalError`]: why a literal or expression has no value, as data; its
//!   text is what the public errors and skip lists show.
//! - `member`: `offsetof`'s member designators, in a record's fields.
//! - The expression reader (`parse`, with the operators in `ops`): C's
//!   constant-expression grammar over any tokens ([`CToken`]), names resolved
//!   by the caller ([`Names`]).

mod error;
pub(crate) mod lex;
mod literal;
mod member;
mod model;
mod names;
mod ops;
mod parse;
mod public;
mod words;

pub(crate) use error::{BadCast, Depth, EvalError, Malformed, NotConstant, Offsetof, Operand};
pub use literal::{FloatLiteral, IntLiteral, Longs};
pub(crate) use model::DataModel;
pub(crate) use names::SetNames;
pub(crate) use ops::{Cast, PointerType, Val};
// (The clang front end makes a pointer constant's type of it.)
#[cfg_attr(not(feature = "clang"), allow(unused_imports))]
pub(crate) use ops::PointerBase;
pub use public::{tokenize, Literal, LiteralError, LiteralProblem};
pub(crate) use words::{hex_float, scalar_from_words};

use crate::types::{Layout, TypeId, TypeSetData};

/// A type an expression names (`(size_t)-1`, `sizeof(struct stat)`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct NamedType {
    /// The type.
    pub(crate) id: TypeId,
    /// What a cast to it means; `None`: not a scalar type.
    pub(crate) cast: Option<Cast>,
    /// Its layout; `None`: incomplete, so it has no `sizeof`.
    pub(crate) layout: Option<Layout>,
}

/// A failure to read or evaluate: why, as an [`EvalError`].
pub(crate) type Eval<T> = std::result::Result<T, EvalError>;

/// What kind of token C's lexer says a token is ([`tokenize`](crate::types::tokenize)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// A name that is not a keyword.
    Identifier,
    /// One of C's keywords (`sizeof`, `int`, `struct`).
    Keyword,
    /// A number, character or string literal.
    Literal,
    /// An operator or punctuator.
    Punctuation,
}

/// A token the expression reader reads: clang's, or wyvern's own lexer's.
pub(crate) trait CToken {
    /// Its kind.
    fn kind(&self) -> TokenKind;
    /// Its spelling.
    fn text(&self) -> &str;
}

/// What an expression's names mean: the caller's declarations.
pub(crate) trait Names {
    /// The target's data model.
    fn model(&self) -> &DataModel;
    /// The value of the enumerator or other constant named `name`.
    fn constant(&self, name: &str) -> Option<Val>;
    /// A typedef name, or a tag with its keyword (`struct stat`).
    fn named_type(&self, name: &str) -> Option<NamedType>;
    /// The types `named_type` ids point into (for `offsetof`'s fields).
    fn data(&self) -> &TypeSetData;
    /// Why `name`, which is none of the above, is not a constant.
    fn not_constant(&self, name: &str) -> EvalError;
}

/// Evaluates `tokens` as one C constant expression.
pub(crate) fn evaluate<T: CToken>(names: &dyn Names, tokens: &[T]) -> Eval<Val> {
    parse::evaluate(names, tokens)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::{IntKind, Target, TypeBuilder};

    fn eval(expr: &str) -> Eval<Val> {
        let set = TypeBuilder::new(Target::host()).freeze();
        evaluate(&SetNames::new(&set), &lex::tokens(expr.as_bytes()))
    }

    /// Callers can tell the problems apart by their data, not by their text.
    #[test]
    fn errors_are_typed() {
        assert!(matches!(
            eval("2147483647 + 1"),
            Err(EvalError::Overflow {
                value: 2147483648,
                ty: IntKind::Int
            })
        ));
        assert!(matches!(
            eval("1 % (2 - 2)"),
            Err(EvalError::DivisionByZero)
        ));
        let Err(EvalError::InLiteral { literal, error, .. }) = eval(r#"1 ? "a\q" : "b""#) else {
            panic!("an unknown escape reads")
        };
        assert_eq!(literal, r#""a\q""#);
        assert!(matches!(
            *error,
            EvalError::UnknownEscape { escape: 'q', at: 2 }
        ));
        assert!(matches!(
            eval("NOPE + 1"),
            Err(EvalError::NotAConstant { name, why: NotConstant::Lookup(_) }) if name == "NOPE"
        ));
        // The public error says which kind of problem it is.
        let set = TypeBuilder::new(Target::host()).freeze();
        let problem = |expr: &str| set.evaluate(expr).unwrap_err().problem;
        assert_eq!(problem("1 +"), LiteralProblem::Malformed);
        assert_eq!(problem("(5uu)"), LiteralProblem::Malformed);
        assert_eq!(problem("NOPE"), LiteralProblem::NoValue);
        assert_eq!(problem("1 / 0"), LiteralProblem::NoValue);
        let deep = format!("{}1{}", "(".repeat(5000), ")".repeat(5000));
        assert_eq!(problem(&deep), LiteralProblem::TooDeep);
        // The text stays what every skip list and error message has shown.
        assert_eq!(
            eval("1 << 40").unwrap_err().to_string(),
            "a shift by 40 bits is out of range"
        );
    }
}
