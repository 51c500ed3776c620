//! C literals as `wyvern call` reads them: numbers with suffixes, characters,
//! strings, `NULL`, identifiers, brace initializers with designators, `&{...}`.

use anyhow::{anyhow, bail, Result};
use number::{number, parse_unsigned};
use wyvern::limits::MAX_EXPRESSION_DEPTH;
use wyvern::types::Literal;
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
    /// (a buffer), whose address is passed.
    Buffer(u64, Box<Lit>),
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
            && !trimmed[1..].starts_with("inf")
            && !trimmed[1..].starts_with("nan")
            && !trimmed[1..].starts_with("INF")
            && !trimmed[1..].starts_with("NAN"))
    {
        bail!("'{text}' looks like an option, but options go before the function's name");
    }
    let mut p = Reader {
        text,
        bytes: text.as_bytes(),
        pos: 0,
    };
    let lit = p.literal(0)?;
    p.skip_space();
    if p.pos != p.bytes.len() {
        bail!(
            "cannot read '{}' as a C literal: unexpected '{}' at column {}",
            shorten(text),
            shorten(&text[p.pos..]),
            p.pos + 1
        );
    }
    Ok(lit)
}

/// C's binary operators on integer constants, longest spelling first, with
/// their precedence (higher binds tighter).
const BINARY: [(&str, u8); 10] = [
    ("<<", 8),
    (">>", 8),
    ("*", 10),
    ("/", 10),
    ("%", 10),
    ("+", 9),
    ("-", 9),
    ("&", 5),
    ("^", 4),
    ("|", 3),
];

/// C's operators whose operand is a type: wyvern evaluates them.
const OPERATORS_ON_TYPES: [&str; 5] = [
    "sizeof",
    "_Alignof",
    "alignof",
    "__alignof__",
    "__builtin_offsetof",
];

/// The words a cast's type name may begin with, known without the
/// declarations (a cast to a typedef is not told from a parenthesised name).
const TYPE_KEYWORDS: [&str; 16] = [
    "void", "_Bool", "char", "short", "int", "long", "signed", "unsigned", "float", "double",
    "struct", "union", "enum", "const", "volatile", "__int128",
];

/// A long argument, cut for an error message.
fn shorten(text: &str) -> String {
    let shown: String = text.chars().take(60).collect();
    if shown.len() < text.len() {
        format!("{shown}…")
    } else {
        shown
    }
}

struct Reader<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
}

impl Reader<'_> {
    fn skip_space(&mut self) {
        while self
            .bytes
            .get(self.pos)
            .is_some_and(u8::is_ascii_whitespace)
        {
            self.pos += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn eat(&mut self, c: u8) -> bool {
        self.skip_space();
        if self.peek() == Some(c) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn error(&self, what: &str) -> anyhow::Error {
        anyhow!(
            "cannot read '{}' as a C literal: {what} at column {}",
            shorten(self.text),
            self.pos + 1
        )
    }

    /// A nesting past [`MAX_EXPRESSION_DEPTH`], which every recursive step checks
    /// (the literal is read, then converted and dropped, recursively).
    fn too_deep(&self, what: &str, depth: u32) -> Option<anyhow::Error> {
        (depth > MAX_EXPRESSION_DEPTH).then(|| {
            self.error(&format!(
                "{what} nest more than {MAX_EXPRESSION_DEPTH} deep \
                 (the limit wyvern::limits::MAX_EXPRESSION_DEPTH)"
            ))
        })
    }

    fn literal(&mut self, depth: u32) -> Result<Lit> {
        if let Some(e) = self.too_deep("braces", depth) {
            return Err(e);
        }
        self.skip_space();
        match self.peek() {
            None => Err(self.error("a value is missing")),
            Some(b'&') => {
                self.pos += 1;
                self.skip_space();
                if self.eat(b'[') {
                    self.skip_space();
                    let start = self.pos;
                    while self.peek().is_some_and(|c| c.is_ascii_alphanumeric()) {
                        self.pos += 1;
                    }
                    let count = parse_unsigned(&self.text[start..self.pos])
                        .and_then(|n| u64::try_from(n).ok())
                        .ok_or_else(|| self.error("&[N] needs a number of elements"))?;
                    if !self.eat(b']') {
                        return Err(self.error("expected ']'"));
                    }
                    self.skip_space();
                    let init = if self.peek() == Some(b'{') {
                        self.literal(depth + 1)?
                    } else {
                        Lit::List(Vec::new())
                    };
                    return Ok(Lit::Buffer(count, Box::new(init)));
                }
                if self.peek() != Some(b'{') {
                    return Err(self.error(
                        "'&' must be followed by a brace initializer (&{...}) or a buffer size (&[N])",
                    ));
                }
                Ok(Lit::AddressOf(Box::new(self.literal(depth + 1)?)))
            }
            Some(b'{') => {
                self.pos += 1;
                let mut items = Vec::new();
                loop {
                    if self.eat(b'}') {
                        break;
                    }
                    let designators = self.designators()?;
                    items.push((designators, self.literal(depth + 1)?));
                    if self.eat(b',') {
                        continue;
                    }
                    if self.eat(b'}') {
                        break;
                    }
                    return Err(self.error("expected ',' or '}'"));
                }
                Ok(Lit::List(items))
            }
            // Adjacent string literals concatenate, as in C.
            Some(b'"') => self.strings(),
            _ if self.string_prefix() => self.strings(),
            Some(_) => self.expression(0, depth),
        }
    }

    /// An operand, or an integer constant expression of operands.
    fn expression(&mut self, min_precedence: u8, depth: u32) -> Result<Lit> {
        if let Some(e) = self.too_deep("parentheses and operators", depth) {
            return Err(e);
        }
        self.skip_space();
        let start = self.pos;
        let mut left = self.unary(depth)?;
        // `1 + 1 + …` nests to the left without recursing here, but what reads the
        // result recurses: each operator counts as a level.
        let mut depth = depth;
        loop {
            self.skip_space();
            let rest = &self.text[self.pos..];
            let Some((op, precedence)) =
                BINARY.iter().find(|(op, _)| rest.starts_with(op)).copied()
            else {
                break;
            };
            if precedence < min_precedence {
                break;
            }
            self.pos += op.len();
            depth += 1;
            if let Some(e) = self.too_deep("parentheses and operators", depth) {
                return Err(e);
            }
            self.expression(precedence + 1, depth)?;
            left = Lit::Expr(self.text[start..self.pos].trim_end().to_owned());
        }
        Ok(left)
    }

    fn unary(&mut self, depth: u32) -> Result<Lit> {
        if let Some(e) = self.too_deep("parentheses and operators", depth) {
            return Err(e);
        }
        self.skip_space();
        match (self.peek(), self.bytes.get(self.pos + 1)) {
            // `(unsigned long)-1`: a cast to a type spelled with C's keywords,
            // for wyvern to evaluate with the rest (it knows the types).
            (Some(b'('), _) if self.cast_follows() => {
                let start = self.pos;
                self.group(depth)?;
                self.unary(depth + 1)?;
                Ok(Lit::Expr(self.text[start..self.pos].to_owned()))
            }
            (Some(b'('), _) => {
                self.pos += 1;
                let inner = self.expression(0, depth + 1)?;
                if !self.eat(b')') {
                    return Err(self.error("expected ')'"));
                }
                Ok(inner)
            }
            (Some(op @ (b'~' | b'-')), next)
                if op == b'~' || next.is_some_and(|c| !c.is_ascii_digit() && *c != b'.') =>
            {
                let start = self.pos;
                self.pos += 1;
                Ok(match (op, self.unary(depth + 1)?) {
                    (b'-', Lit::Float { value, long, kind }) => Lit::Float {
                        value: -value,
                        long: -long,
                        kind,
                    },
                    _ => Lit::Expr(self.text[start..self.pos].to_owned()),
                })
            }
            _ => self.operand(),
        }
    }

    /// The length of a character constant's prefix (`L'x'`, `u8'x'`) at the
    /// reader's position.
    fn char_prefix(&self) -> Option<usize> {
        let rest = &self.text[self.pos..];
        ["u8", "L", "u", "U"]
            .iter()
            .find(|p| rest.strip_prefix(**p).is_some_and(|r| r.starts_with('\'')))
            .map(|p| p.len())
    }

    /// Whether a prefixed string (`u8"..."`, `L"..."`) starts here.
    fn string_prefix(&self) -> bool {
        let rest = &self.text[self.pos..];
        ["u8", "L", "u", "U"]
            .iter()
            .any(|p| rest.strip_prefix(*p).is_some_and(|r| r.starts_with('"')))
    }

    /// A character constant whose prefix starts at `start`; its quote is here.
    fn char_constant(&mut self, start: usize) -> Result<Lit> {
        match self.quoted(start)? {
            Literal::Char(value, _) => Ok(Lit::Char(value)),
            _ => Err(self.error("expected a character constant")),
        }
    }

    fn operand(&mut self) -> Result<Lit> {
        self.skip_space();
        match self.peek() {
            Some(c) if c.is_ascii_digit() || c == b'-' || c == b'+' || c == b'.' => self.number(),
            Some(b'\'') => self.char_constant(self.pos),
            Some(c) if c.is_ascii_alphabetic() && self.char_prefix().is_some() => {
                let start = self.pos;
                self.pos += self.char_prefix().unwrap_or(0);
                self.char_constant(start)
            }
            Some(c) if c.is_ascii_alphabetic() || c == b'_' => {
                let start = self.pos;
                while self
                    .peek()
                    .is_some_and(|c| c.is_ascii_alphanumeric() || c == b'_')
                {
                    self.pos += 1;
                }
                let word = &self.text[start..self.pos];
                if OPERATORS_ON_TYPES.contains(&word) {
                    // `sizeof(struct stat)`: wyvern reads the type and evaluates.
                    self.skip_space();
                    if self.peek() != Some(b'(') {
                        return Err(self.error(&format!("'{word}' needs parentheses here")));
                    }
                    self.group(0)?;
                    return Ok(Lit::Expr(self.text[start..self.pos].to_owned()));
                }
                Ok(match word {
                    "NULL" | "nullptr" => Lit::Null,
                    "true" => Lit::Int {
                        value: 1,
                        kind: None,
                    },
                    "false" => Lit::Int {
                        value: 0,
                        kind: None,
                    },
                    "INFINITY" | "inf" => Lit::Float {
                        value: f64::INFINITY,
                        long: LongDouble::from(f64::INFINITY),
                        kind: None,
                    },
                    "NAN" | "nan" => Lit::Float {
                        value: f64::NAN,
                        long: LongDouble::from(f64::NAN),
                        kind: None,
                    },
                    _ => Lit::Ident(word.to_owned()),
                })
            }
            None => Err(self.error("a value is missing")),
            Some(_) => Err(self.error("unexpected character")),
        }
    }

    /// Whether a cast starts here: `(` and a word only a type name begins with.
    fn cast_follows(&self) -> bool {
        let rest = self.text[self.pos + 1..].trim_start();
        let word: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        TYPE_KEYWORDS.contains(&word.as_str())
    }

    /// Skips a parenthesised group (`(...)`, nested ones included) starting here.
    fn group(&mut self, depth: u32) -> Result<()> {
        let mut open = 0u32;
        loop {
            match self.peek() {
                None => return Err(self.error("expected ')'")),
                Some(b'(') => open += 1,
                Some(b')') => open -= 1,
                Some(b'"' | b'\'') => {
                    let start = self.pos;
                    self.quoted(start)?;
                    continue;
                }
                _ => {}
            }
            self.pos += 1;
            if let Some(e) = self.too_deep("parentheses and operators", depth + open) {
                return Err(e);
            }
            if open == 0 {
                return Ok(());
            }
        }
    }

    /// A designator list (`.a[2].b =`), empty when the item has none.
    fn designators(&mut self) -> Result<Vec<Designator>> {
        let mut list = Vec::new();
        loop {
            self.skip_space();
            match self.peek() {
                Some(b'.')
                    if self
                        .bytes
                        .get(self.pos + 1)
                        .is_some_and(|c| !c.is_ascii_digit()) =>
                {
                    self.pos += 1;
                    self.skip_space();
                    let start = self.pos;
                    while self
                        .peek()
                        .is_some_and(|c| c.is_ascii_alphanumeric() || c == b'_')
                    {
                        self.pos += 1;
                    }
                    if start == self.pos {
                        return Err(self.error("a field name must follow '.'"));
                    }
                    list.push(Designator::Field(self.text[start..self.pos].to_owned()));
                }
                Some(b'[') => {
                    self.pos += 1;
                    self.skip_space();
                    let start = self.pos;
                    while self.peek().is_some_and(|c| c.is_ascii_alphanumeric()) {
                        self.pos += 1;
                    }
                    let index = parse_unsigned(&self.text[start..self.pos])
                        .and_then(|n| u64::try_from(n).ok())
                        .ok_or_else(|| self.error("an index must be a number"))?;
                    if !self.eat(b']') {
                        return Err(self.error("expected ']'"));
                    }
                    list.push(Designator::Index(index));
                }
                _ => break,
            }
        }
        if !list.is_empty() && !self.eat(b'=') {
            return Err(self.error("expected '=' after the designator"));
        }
        Ok(list)
    }

    /// A quoted literal whose prefix (`L`, `u`, `U`, `u8`, or none) starts at
    /// `start` and whose opening quote is at the reader's position, read by
    /// wyvern's one reader of C literals ([`wyvern::types::Literal`]).
    fn quoted(&mut self, start: usize) -> Result<Literal> {
        let quote = self.peek();
        self.pos += 1;
        loop {
            let Some(c) = self.peek() else {
                return Err(self.error("the quote is not closed"));
            };
            self.pos += 1;
            if Some(c) == quote {
                break;
            }
            if c == b'\\' {
                if self.peek().is_none() {
                    return Err(self.error("an escape is cut short"));
                }
                self.pos += 1;
            }
        }
        // The plain `char` of x86-64 and i386, the targets `wyvern call` runs on.
        Literal::parse(&self.text[start..self.pos], true).map_err(|e| self.error(&e.reason))
    }

    /// A string literal, with the adjacent ones C joins to it.
    fn strings(&mut self) -> Result<Lit> {
        let mut bytes = Vec::new();
        loop {
            self.skip_space();
            let start = self.pos;
            let prefix = self.text[start..]
                .find(['"', '\''])
                .filter(|&n| matches!(&self.text[start..start + n], "" | "u8" | "L" | "u" | "U"));
            match prefix.map(|n| (n, self.bytes[start + n])) {
                Some((n, b'"')) => {
                    self.pos += n;
                    match self.quoted(start)? {
                        Literal::Str(s) => bytes.extend(s),
                        _ => return Err(self.error("expected a string")),
                    }
                }
                _ if bytes.is_empty() => return Err(self.error("expected a string")),
                _ => return Ok(Lit::Str(bytes)),
            }
        }
    }

    fn number(&mut self) -> Result<Lit> {
        let start = self.pos;
        while self.peek().is_some_and(|c| {
            c.is_ascii_alphanumeric() || matches!(c, b'.' | b'-' | b'+' | b'_' | b'\'')
        }) {
            // A digit separator (C23) only between digits: `1'000`.
            if self.peek() == Some(b'\'')
                && !(self.pos > start
                    && self.bytes[self.pos - 1].is_ascii_hexdigit()
                    && self
                        .bytes
                        .get(self.pos + 1)
                        .is_some_and(u8::is_ascii_hexdigit))
            {
                break;
            }
            // A sign is part of the number only at its start or after an exponent.
            if matches!(self.peek(), Some(b'-' | b'+')) && self.pos > start {
                let prev = self.bytes[self.pos - 1].to_ascii_lowercase();
                let hex = self.text[start..self.pos]
                    .to_ascii_lowercase()
                    .contains("0x");
                if !(prev == b'e' && !hex || prev == b'p' && hex) {
                    break;
                }
            }
            self.pos += 1;
        }
        let text = &self.text[start..self.pos];
        number(text).map_err(|why| anyhow!("cannot read '{}' as a number: {why}", shorten(text)))
    }
}

mod number;
#[cfg(test)]
mod tests;
