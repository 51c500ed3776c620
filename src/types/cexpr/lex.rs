//! C's tokens from text: the lexer the macro evaluator reads headers' macro
//! bodies with (much cheaper than `clang_tokenize`, which allocates a string
//! per token), and type names read their array lengths with.

use std::borrow::Cow;
use std::ops::Range;

use super::{CToken, TokenKind};

/// One token of text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Token<'a> {
    /// Its kind.
    pub(crate) kind: TokenKind,
    /// Its spelling (invalid UTF-8 replaced).
    pub(crate) text: Cow<'a, str>,
}

impl CToken for Token<'_> {
    fn kind(&self) -> TokenKind {
        self.kind
    }

    fn text(&self) -> &str {
        &self.text
    }
}

const PUNCT3: [&str; 3] = ["...", "<<=", ">>="];
const PUNCT2: [&str; 19] = [
    "##", "->", "++", "--", "<<", ">>", "<=", ">=", "==", "!=", "&&", "||", "*=", "/=", "%=", "+=",
    "-=", "&=", "|=",
];

/// Words that are keywords in C: a constant expression may contain only type names
/// and `sizeof` among them, and the evaluator tells them apart by kind.
fn is_keyword(word: &str) -> bool {
    matches!(
        word,
        "auto"
            | "break"
            | "case"
            | "char"
            | "const"
            | "continue"
            | "default"
            | "do"
            | "double"
            | "else"
            | "enum"
            | "extern"
            | "float"
            | "for"
            | "goto"
            | "if"
            | "inline"
            | "int"
            | "long"
            | "register"
            | "restrict"
            | "return"
            | "short"
            | "signed"
            | "sizeof"
            | "static"
            | "struct"
            | "switch"
            | "typedef"
            | "union"
            | "unsigned"
            | "void"
            | "volatile"
            | "while"
            | "_Bool"
            | "_Complex"
            | "_Alignof"
            | "_Atomic"
            | "_Static_assert"
            | "_Thread_local"
            | "_Noreturn"
            | "__attribute__"
            | "__typeof__"
            | "typeof"
            | "__asm__"
            | "asm"
    )
}

/// The tokens of `text` (comments, white space and line splices dropped).
pub(crate) fn tokens(text: &[u8]) -> Vec<Token<'_>> {
    spans(text)
        .map(|(kind, range)| Token {
            kind,
            text: String::from_utf8_lossy(&text[range]),
        })
        .collect()
}

/// Each token of `text` with where it is (comments, white space and line
/// splices dropped).
pub(crate) fn spans(text: &[u8]) -> impl Iterator<Item = (TokenKind, Range<usize>)> + '_ {
    let mut i = 0;
    std::iter::from_fn(move || loop {
        let c = *text.get(i)?;
        let start = i;
        let kind = if c.is_ascii_whitespace()
            || (c == b'\\' && matches!(text.get(i + 1), Some(b'\n' | b'\r')))
        {
            i += 1;
            continue;
        } else if text[i..].starts_with(b"/*") {
            i = match find(&text[i + 2..], b"*/") {
                Some(p) => i + 2 + p + 2,
                None => text.len(),
            };
            continue;
        } else if text[i..].starts_with(b"//") {
            i += text[i..]
                .iter()
                .position(|&b| b == b'\n')
                .unwrap_or(text.len() - i);
            continue;
        } else if c.is_ascii_alphabetic() || c == b'_' {
            let (end, kind) = word(text, i);
            i = end;
            kind
        } else if c.is_ascii_digit()
            || (c == b'.' && text.get(i + 1).is_some_and(u8::is_ascii_digit))
        {
            i = pp_number(text, i);
            TokenKind::Literal
        } else if c == b'"' || c == b'\'' {
            i = quoted(text, i);
            TokenKind::Literal
        } else {
            i += punctuator(&text[i..]);
            TokenKind::Punctuation
        };
        return Some((kind, start..i));
    })
}

/// The end and kind of the identifier, keyword or prefixed literal (`L'a'`,
/// `u8"s"`) starting at `text[start]`.
fn word(text: &[u8], start: usize) -> (usize, TokenKind) {
    let mut i = start;
    while i < text.len() && (text[i].is_ascii_alphanumeric() || text[i] == b'_') {
        i += 1;
    }
    let word = &text[start..i];
    let prefix = matches!(word, b"L" | b"u" | b"U" | b"u8");
    if prefix && i < text.len() && (text[i] == b'\'' || text[i] == b'"') {
        (quoted(text, i), TokenKind::Literal)
    } else if is_keyword(&String::from_utf8_lossy(word)) {
        (i, TokenKind::Keyword)
    } else {
        (i, TokenKind::Identifier)
    }
}

/// The end of the preprocessing number starting at `text[start]`: digits,
/// letters, `.`, `'` separators and signed exponents.
fn pp_number(text: &[u8], start: usize) -> usize {
    let mut i = start + 1;
    while i < text.len() {
        let d = text[i];
        let exponent_sign =
            matches!(d, b'+' | b'-') && matches!(text[i - 1], b'e' | b'E' | b'p' | b'P');
        if exponent_sign || d.is_ascii_alphanumeric() || matches!(d, b'.' | b'_' | b'\'') {
            i += 1;
        } else {
            break;
        }
    }
    i
}

/// The length of the punctuator at the start of `rest`: the longest C has, or
/// one whole character.
fn punctuator(rest: &[u8]) -> usize {
    if PUNCT3.iter().any(|p| rest.starts_with(p.as_bytes())) {
        3
    } else if PUNCT2.iter().any(|p| rest.starts_with(p.as_bytes())) {
        2
    } else {
        // One byte, or one whole UTF-8 character.
        std::str::from_utf8(&rest[..rest.len().min(4)])
            .ok()
            .and_then(|s| s.chars().next())
            .map(char::len_utf8)
            .unwrap_or(1)
    }
}

/// The end of the quoted literal starting at `text[start]`.
pub(crate) fn quoted(text: &[u8], start: usize) -> usize {
    let quote = text[start];
    let mut i = start + 1;
    while i < text.len() {
        match text[i] {
            b'\\' => i += 2,
            b'\n' => return i,
            c if c == quote => return i + 1,
            _ => i += 1,
        }
    }
    text.len()
}

pub(crate) fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(s: &str) -> Vec<String> {
        tokens(s.as_bytes())
            .into_iter()
            .map(|t| t.text.into_owned())
            .collect()
    }

    #[test]
    fn lexes_a_macro() {
        assert_eq!(
            texts("FLAG (1u << 4) /* c */ | 0x1p-3 \\\n + L'a' + \"s\\\"\" ## x // end"),
            [
                "FLAG",
                "(",
                "1u",
                "<<",
                "4",
                ")",
                "|",
                "0x1p-3",
                "+",
                "L'a'",
                "+",
                "\"s\\\"\"",
                "##",
                "x"
            ]
        );
    }

    #[test]
    fn keywords_are_marked() {
        let t = tokens(b"sizeof(int) x");
        assert_eq!(t[0].kind, TokenKind::Keyword);
        assert_eq!(t[4].kind, TokenKind::Identifier);
    }

    #[test]
    fn never_panics_on_odd_bytes() {
        for s in [
            &b"'"[..],
            b"\"",
            b"/*",
            b"\\",
            b"\xff\xfe",
            b"1e+",
            b"u8\"",
            b"//",
        ] {
            tokens(s);
        }
    }
}
