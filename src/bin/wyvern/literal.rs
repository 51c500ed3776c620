//! C literals as `wyvern call` reads them: numbers with suffixes, characters,
//! strings, `NULL`, identifiers, brace initializers with designators, `&{...}`,
//! `&[N]`, and constant expressions.
//!
//! The text is split into C's tokens by wyvern's own lexer
//! ([`wyvern::types::tokenize`]), and each token read by its one reader of C
//! literals ([`wyvern::types::Literal`]). What this module adds is the
//! structure C has no literal for (braces, designators, `&`): a value between
//! them is one literal token (or a signed number), a name, or a constant
//! expression, kept as written for wyvern to evaluate by C's rules
//! ([`wyvern::TypeSet::evaluate`]): its extent is what lies up to the next `,`,
//! `{` or `}` outside parentheses, so no operator is known here.

use std::ops::Range;

use anyhow::{anyhow, bail, Result};
use number::{number, parse_unsigned, signed_special_float, special_float};
use wyvern::limits::MAX_EXPRESSION_DEPTH;
use wyvern::types::{tokenize, Literal, TokenKind};
use wyvern::LongDouble;
use wyvern::{FloatKind, IntKind};

/// One literal argument, before it meets its parameter's type.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Lit {
    /// An integer; `kind` is set by a suffix (`5U`, `5L`, `5ULL`).
    Int { value: i128, kind: Option<IntKind> },
    /// An unsigned integer above `i128::MAX` (for `unsigned __int128`).
    BigUnsigned(u128),
    /// A floating constant; `kind` is set by a suffix (`2.5f`, `2.5L`). `value`
    /// is its nearest `double`, `long` its nearest `long double`: a literal
    /// read for a `long double` (or with an `L` suffix) is rounded only once.
    Float {
        value: f64,
        long: LongDouble,
        kind: Option<FloatKind>,
    },
    /// `'c'`
    Char(i128),
    /// `"text"`, escapes decoded.
    Str(Vec<u8>),
    /// `NULL`
    Null,
    /// `true`, `false`, an enumerator or a macro constant.
    Ident(String),
    /// `{a, .x = b, [3] = c, .p[1].y = d}`: each item with its designator list.
    List(Vec<(Vec<Designator>, Lit)>),
    /// `&{...}`: a temporary object whose address is passed.
    AddressOf(Box<Lit>),
    /// `&[N]` or `&[N]{...}`: a temporary array of N elements of the pointee type
    /// (a buffer), whose address is passed; `&[]`, N of the array the
    /// parameter is declared as (`uuid_t`).
    Buffer(Option<u64>, Box<Lit>),
    /// `(struct s){1, 2}`: a compound literal, an object of the type named
    /// between the parentheses (as written), initialized by the braces.
    Compound(String, Box<Lit>),
    /// A constant expression with operators (`O_CREAT | O_WRONLY`, `1 << 4`,
    /// `~X`, `-X`), as written: wyvern evaluates it by C's rules against the
    /// declarations ([`wyvern::TypeSet::evaluate`]).
    Expr(String),
}

/// `.field` or `[index]` in a brace initializer.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Designator {
    Field(String),
    Index(u64),
}

/// Parses one argument.
pub(crate) fn parse(text: &str) -> Result<Lit> {
    let trimmed = text.trim_start();
    if trimmed.starts_with("--")
        || (trimmed.starts_with('-')
            && trimmed[1..].starts_with(|c: char| c.is_ascii_alphabetic())
            && !["inf", "nan", "INF", "NAN"]
                .iter()
                .any(|w| trimmed[1..].starts_with(w)))
    {
        bail!("'{text}' looks like an option, but options go before the function's name");
    }
    let mut p = Reader {
        text,
        tokens: tokenize(text).collect(),
        at: 0,
    };
    let lit = p.value(0)?;
    if let Some((_, at)) = p.tokens.get(p.at) {
        bail!(
            "cannot read '{}' as a C literal: unexpected '{}' at column {}",
            shorten(text),
            shorten(&text[at.start..]),
            at.start + 1
        );
    }
    Ok(lit)
}

/// A long argument, cut for an error message.
fn shorten(text: &str) -> String {
    let shown: String = text.chars().take(60).collect();
    if shown.len() < text.len() {
        format!("{shown}…")
    } else {
        shown
    }
}

/// Whether a literal token is a string (`"a"`, `u8"a"`, `L"a"`).
fn is_string(token: &str) -> bool {
    token
        .find('"')
        .is_some_and(|n| matches!(&token[..n], "" | "u8" | "L" | "u" | "U"))
}

struct Reader<'a> {
    text: &'a str,
    tokens: Vec<(TokenKind, Range<usize>)>,
    /// The next token.
    at: usize,
}

impl Reader<'_> {
    fn spelling(&self, (_, at): &(TokenKind, Range<usize>)) -> &str {
        &self.text[at.clone()]
    }

    /// The next token if it is the punctuator `p`.
    fn is(&self, p: &str) -> bool {
        self.tokens
            .get(self.at)
            .is_some_and(|t| t.0 == TokenKind::Punctuation && self.spelling(t) == p)
    }

    fn eat(&mut self, p: &str) -> bool {
        let here = self.is(p);
        self.at += usize::from(here);
        here
    }

    fn expect(&mut self, p: &str) -> Result<()> {
        if self.eat(p) {
            Ok(())
        } else {
            Err(self.error(&format!("expected '{p}'")))
        }
    }

    fn error(&self, what: &str) -> anyhow::Error {
        self.error_at(self.at, what)
    }

    /// An error at the start of the `token`th token (the end of the text
    /// past the last).
    fn error_at(&self, token: usize, what: &str) -> anyhow::Error {
        let column = self
            .tokens
            .get(token)
            .map_or(self.text.len(), |(_, at)| at.start)
            + 1;
        anyhow!(
            "cannot read '{}' as a C literal: {what} at column {column}",
            shorten(self.text)
        )
    }

    /// A value: a brace initializer, `&{...}`, `&[N]`, or a scalar.
    fn value(&mut self, depth: u32) -> Result<Lit> {
        // The literal is read, then converted and dropped, recursively.
        if depth > MAX_EXPRESSION_DEPTH {
            return Err(self.error(&format!(
                "braces nest more than {MAX_EXPRESSION_DEPTH} deep \
                 (the limit wyvern::limits::MAX_EXPRESSION_DEPTH)"
            )));
        }
        if self.eat("&") {
            if self.eat("[") {
                // `&[]`: the length of the array the parameter is declared as.
                let count = match self.is("]") {
                    true => None,
                    false => Some(self.count("&[N] needs a number of elements")?),
                };
                self.expect("]")?;
                let init = if self.is("{") {
                    self.value(depth + 1)?
                } else {
                    Lit::List(Vec::new())
                };
                return Ok(Lit::Buffer(count, Box::new(init)));
            }
            if self.is("(") {
                if let Some(compound) = self.compound(depth + 1)? {
                    return Ok(Lit::AddressOf(Box::new(compound)));
                }
            }
            if !self.is("{") {
                return Err(self.error(
                    "'&' must be followed by a brace initializer (&{...}), a compound \
                     literal (&(T){...}) or a buffer size (&[N])",
                ));
            }
            return Ok(Lit::AddressOf(Box::new(self.value(depth + 1)?)));
        }
        if let Some(compound) = self.compound(depth)? {
            return Ok(compound);
        }
        if !self.eat("{") {
            return self.scalar();
        }
        let mut items = Vec::new();
        while !self.eat("}") {
            let designators = self.designators()?;
            items.push((designators, self.value(depth + 1)?));
            if !self.eat(",") && !self.is("}") {
                return Err(self.error("expected ',' or '}'"));
            }
        }
        Ok(Lit::List(items))
    }

    /// A compound literal `(type){...}` here, if one starts here: a
    /// parenthesised group followed by a brace.
    fn compound(&mut self, depth: u32) -> Result<Option<Lit>> {
        if !self.is("(") {
            return Ok(None);
        }
        let mut open = 0usize;
        let mut close = None;
        for (i, t) in self.tokens.iter().enumerate().skip(self.at) {
            match (t.0, self.spelling(t)) {
                (TokenKind::Punctuation, "(") => open += 1,
                (TokenKind::Punctuation, ")") => {
                    open -= 1;
                    if open == 0 {
                        close = Some(i);
                        break;
                    }
                }
                _ => {}
            }
        }
        let Some(close) = close.filter(|&c| c > self.at + 1) else {
            return Ok(None);
        };
        let brace = self.tokens.get(close + 1);
        if !brace.is_some_and(|t| t.0 == TokenKind::Punctuation && self.spelling(t) == "{") {
            return Ok(None);
        }
        let ty =
            self.text[self.tokens[self.at + 1].1.start..self.tokens[close - 1].1.end].to_owned();
        self.at = close + 1;
        let init = self.value(depth + 1)?;
        Ok(Some(Lit::Compound(ty, Box::new(init))))
    }

    /// A value between braces and commas: its tokens up to the next `,`, `{`
    /// or `}` outside parentheses and brackets.
    fn scalar(&mut self) -> Result<Lit> {
        let first = self.at;
        let mut open = 0u32;
        while let Some(token) = self.tokens.get(self.at) {
            let p = if token.0 == TokenKind::Punctuation {
                self.spelling(token)
            } else {
                ""
            };
            match p {
                "(" | "[" => open += 1,
                ")" | "]" if open == 0 => break,
                ")" | "]" => open -= 1,
                "," | "{" | "}" if open == 0 => break,
                _ => {}
            }
            self.at += 1;
        }
        if open > 0 {
            return Err(self.error("expected ')'"));
        }
        let tokens = &self.tokens[first..self.at];
        let word = |t: &(TokenKind, Range<usize>)| {
            matches!(t.0, TokenKind::Identifier | TokenKind::Keyword).then(|| self.spelling(t))
        };
        match tokens {
            [] => Err(self.error("a value is missing")),
            // Adjacent string literals concatenate, as in C.
            all if all
                .iter()
                .all(|t| t.0 == TokenKind::Literal && is_string(self.spelling(t))) =>
            {
                let mut bytes = Vec::new();
                for i in first..self.at {
                    match self.literal(i)? {
                        Literal::Str(s) => bytes.extend(s),
                        _ => return Err(self.error_at(i, "expected a string")),
                    }
                }
                Ok(Lit::Str(bytes))
            }
            [t] if t.0 == TokenKind::Literal => match self.literal(first)? {
                Literal::Char(value, _) => Ok(Lit::Char(value)),
                _ => self.number(self.spelling(t)),
            },
            [t] if word(t).is_some() => Ok(named(self.spelling(t))),
            [t] => Err(self.error_at(first, &format!("'{}' is not a value", self.spelling(t)))),
            // A sign is the CLI's, not an operator: `-2.5` is exactly that
            // `double` (and `long double`), `-inf` the infinity.
            [sign, n]
                if matches!(self.spelling(sign), "-" | "+")
                    && (n.0 == TokenKind::Literal && !self.spelling(n).starts_with('\'')
                        || word(n).is_some_and(signed_special_float)) =>
            {
                self.number(&format!("{}{}", self.spelling(sign), self.spelling(n)))
            }
            [a, .., z] => Ok(Lit::Expr(self.text[a.1.start..z.1.end].to_owned())),
        }
    }

    /// The `token`th token, one literal read by wyvern's one reader of C
    /// literals.
    fn literal(&self, token: usize) -> Result<Literal> {
        let text = self.spelling(&self.tokens[token]);
        if text.starts_with(|c: char| c.is_ascii_digit() || c == '.') {
            // A number's errors are the number's own.
            return Literal::parse(text, true)
                .map_err(|e| anyhow!("cannot read '{}' as a number: {}", shorten(text), e.reason));
        }
        // The plain `char` of x86-64 and i386, the targets `wyvern call` runs on.
        Literal::parse(text, true).map_err(|e| self.error_at(token, &e.reason))
    }

    fn number(&self, text: &str) -> Result<Lit> {
        number(text).map_err(|why| anyhow!("cannot read '{}' as a number: {why}", shorten(text)))
    }

    /// A count or an index: one integer literal, `why` if it is not.
    fn count(&mut self, why: &str) -> Result<u64> {
        let count = self
            .tokens
            .get(self.at)
            .filter(|t| t.0 == TokenKind::Literal)
            .and_then(|t| parse_unsigned(self.spelling(t)))
            .and_then(|n| u64::try_from(n).ok())
            .ok_or_else(|| self.error(why))?;
        self.at += 1;
        Ok(count)
    }

    /// A designator list (`.a[2].b =`), empty when the item has none.
    fn designators(&mut self) -> Result<Vec<Designator>> {
        let mut list = Vec::new();
        loop {
            if self.eat(".") {
                let field = self
                    .tokens
                    .get(self.at)
                    .filter(|t| t.0 == TokenKind::Identifier)
                    .map(|t| self.spelling(t).to_owned())
                    .ok_or_else(|| self.error("a field name must follow '.'"))?;
                self.at += 1;
                list.push(Designator::Field(field));
            } else if self.eat("[") {
                list.push(Designator::Index(self.count("an index must be a number")?));
                self.expect("]")?;
            } else {
                break;
            }
        }
        if !list.is_empty() && !self.eat("=") {
            return Err(self.error("expected '=' after the designator"));
        }
        Ok(list)
    }
}

/// A name as a value: `NULL`, `true`, `INFINITY`, or one the declarations
/// give a value (an enumerator, a macro constant, a function).
fn named(word: &str) -> Lit {
    match word {
        "NULL" | "nullptr" => Lit::Null,
        "true" | "false" => Lit::Int {
            value: i128::from(word == "true"),
            kind: None,
        },
        _ => match special_float(word) {
            Some(value) => Lit::Float {
                value,
                long: LongDouble::from(value),
                kind: None,
            },
            None => Lit::Ident(word.to_owned()),
        },
    }
}

mod number;
#[cfg(test)]
mod tests;
