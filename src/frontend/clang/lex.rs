//! A C lexer for macro bodies, reading clang's own file buffers: much cheaper than
//! `clang_tokenize`, which allocates a string per token.

use clang_sys::{CXToken_Identifier, CXToken_Keyword, CXToken_Literal, CXToken_Punctuation};

use super::sys::Token;

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
pub(crate) fn tokens<'a>(text: &'a [u8]) -> Vec<Token<'a>> {
    let mut out = Vec::new();
    let mut i = 0;
    let n = text.len();
    let push = |out: &mut Vec<Token<'a>>, kind, bytes: &'a [u8]| {
        out.push(Token {
            kind,
            text: String::from_utf8_lossy(bytes),
        })
    };
    while i < n {
        let c = text[i];
        if c.is_ascii_whitespace() || (c == b'\\' && matches!(text.get(i + 1), Some(b'\n' | b'\r')))
        {
            i += 1;
            continue;
        }
        if text[i..].starts_with(b"/*") {
            i = match find(&text[i + 2..], b"*/") {
                Some(p) => i + 2 + p + 2,
                None => n,
            };
            continue;
        }
        if text[i..].starts_with(b"//") {
            while i < n && text[i] != b'\n' {
                i += 1;
            }
            continue;
        }
        let start = i;
        if c.is_ascii_alphabetic() || c == b'_' {
            while i < n && (text[i].is_ascii_alphanumeric() || text[i] == b'_') {
                i += 1;
            }
            let word = &text[start..i];
            let prefix = matches!(word, b"L" | b"u" | b"U" | b"u8");
            if prefix && i < n && (text[i] == b'\'' || text[i] == b'"') {
                i = quoted(text, i);
                push(&mut out, CXToken_Literal, &text[start..i]);
            } else {
                let kind = if is_keyword(&String::from_utf8_lossy(word)) {
                    CXToken_Keyword
                } else {
                    CXToken_Identifier
                };
                push(&mut out, kind, word);
            }
        } else if c.is_ascii_digit()
            || (c == b'.' && text.get(i + 1).is_some_and(u8::is_ascii_digit))
        {
            // A preprocessing number: digits, letters, '.', and signed exponents.
            i += 1;
            while i < n {
                let d = text[i];
                let exponent_sign =
                    matches!(d, b'+' | b'-') && matches!(text[i - 1], b'e' | b'E' | b'p' | b'P');
                if exponent_sign || d.is_ascii_alphanumeric() || matches!(d, b'.' | b'_' | b'\'') {
                    i += 1;
                } else {
                    break;
                }
            }
            push(&mut out, CXToken_Literal, &text[start..i]);
        } else if c == b'"' || c == b'\'' {
            i = quoted(text, i);
            push(&mut out, CXToken_Literal, &text[start..i]);
        } else {
            let len = if PUNCT3.iter().any(|p| text[i..].starts_with(p.as_bytes())) {
                3
            } else if PUNCT2.iter().any(|p| text[i..].starts_with(p.as_bytes())) {
                2
            } else {
                // One byte, or one whole UTF-8 character.
                std::str::from_utf8(&text[i..n.min(i + 4)])
                    .ok()
                    .and_then(|s| s.chars().next())
                    .map(char::len_utf8)
                    .unwrap_or(1)
            };
            i += len;
            push(&mut out, CXToken_Punctuation, &text[start..i]);
        }
    }
    out
}

/// `text` up to the end of its first logical line (a backslash-newline continues
/// it; a newline inside a block comment does too).
pub(crate) fn logical_line(text: &[u8]) -> &[u8] {
    let mut i = 0;
    while i < text.len() {
        match text[i] {
            b'\\' if matches!(text.get(i + 1), Some(b'\n')) => i += 2,
            b'\\' if text.get(i + 1) == Some(&b'\r') && text.get(i + 2) == Some(&b'\n') => i += 3,
            b'/' if text.get(i + 1) == Some(&b'*') => {
                i = match find(&text[i + 2..], b"*/") {
                    Some(p) => i + 2 + p + 2,
                    None => text.len(),
                };
            }
            b'/' if text.get(i + 1) == Some(&b'/') => {
                while i < text.len() && text[i] != b'\n' {
                    i += 1;
                }
                return &text[..i];
            }
            b'"' | b'\'' => i = quoted(text, i),
            b'\n' => return &text[..i],
            _ => i += 1,
        }
    }
    text
}

/// Every `#undef NAME` directive of a file: its byte offset, the name, its line.
pub(crate) fn undef_directives(text: &[u8]) -> Vec<(u32, &str, u32)> {
    let mut out = Vec::new();
    // Most files have no `undef` at all: one fast search rules them out.
    if memchr::memmem::find(text, b"undef").is_none() {
        return out;
    }
    for hash in memchr::memchr_iter(b'#', text) {
        let line_start = memchr::memrchr(b'\n', &text[..hash]).map_or(0, |p| p + 1);
        if !text[line_start..hash]
            .iter()
            .all(|b| matches!(b, b' ' | b'\t'))
        {
            continue;
        }
        let mut j = hash + 1;
        while j < text.len() && matches!(text[j], b' ' | b'\t') {
            j += 1;
        }
        if !text[j..].starts_with(b"undef") {
            continue;
        }
        j += 5;
        let gap = j;
        while j < text.len() && matches!(text[j], b' ' | b'\t') {
            j += 1;
        }
        let start = j;
        while j < text.len() && (text[j].is_ascii_alphanumeric() || text[j] == b'_') {
            j += 1;
        }
        if j > start && gap < start {
            if let Ok(name) = std::str::from_utf8(&text[start..j]) {
                let line = memchr::memchr_iter(b'\n', &text[..hash]).count() + 1;
                out.push((
                    u32::try_from(hash).unwrap_or(u32::MAX),
                    name,
                    u32::try_from(line).unwrap_or(u32::MAX),
                ));
            }
        }
    }
    out
}

/// The end of the quoted literal starting at `text[start]`.
fn quoted(text: &[u8], start: usize) -> usize {
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

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
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
            texts("FLAG (1u << 4) /* c */ | 0x1p-3 \\\n + L'a' + \"s\\\"\" ## x"),
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
    fn logical_lines() {
        assert_eq!(logical_line(b"A 1 \\\n + 2\nB"), b"A 1 \\\n + 2");
        assert_eq!(logical_line(b"A /* x\n y */ 3\nB"), b"A /* x\n y */ 3");
        assert_eq!(logical_line(b"A 1 // c\nB"), b"A 1 // c");
    }

    #[test]
    fn finds_undefs() {
        let text = b"#define A 1\n  #  undef A\n#undefine B\nx #undef C\n#undef\tD\n";
        let found: Vec<(&str, u32)> = undef_directives(text)
            .into_iter()
            .map(|(_, n, l)| (n, l))
            .collect();
        assert_eq!(found, [("A", 2), ("D", 5)]);
    }

    #[test]
    fn keywords_are_marked() {
        let t = tokens(b"sizeof(int) x");
        assert_eq!(t[0].kind, CXToken_Keyword);
        assert_eq!(t[4].kind, CXToken_Identifier);
    }

    #[test]
    fn never_panics_on_odd_bytes() {
        for s in [&b"'"[..], b"\"", b"/*", b"\\", b"\xff\xfe", b"1e+", b"u8\""] {
            tokens(s);
        }
    }
}
