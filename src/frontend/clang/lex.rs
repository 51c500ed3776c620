//! The preprocessor's view of a header's text: logical lines, `#undef`
//! directives, and macro bodies as clang tokens (lexed by wyvern's own C lexer,
//! [`crate::types::cexpr`]'s).

use clang_sys::{CXToken_Identifier, CXToken_Keyword, CXToken_Literal, CXToken_Punctuation};

use super::sys::Token;
use crate::types::cexpr::lex::{find, quoted};
use crate::types::cexpr::TokenKind;

/// The tokens of `text` (comments, white space and line splices dropped).
pub(crate) fn tokens(text: &[u8]) -> Vec<Token<'_>> {
    crate::types::cexpr::lex::tokens(text)
        .into_iter()
        .map(|t| Token {
            kind: match t.kind {
                TokenKind::Identifier => CXToken_Identifier,
                TokenKind::Keyword => CXToken_Keyword,
                TokenKind::Literal => CXToken_Literal,
                TokenKind::Punctuation => CXToken_Punctuation,
            },
            text: t.text,
        })
        .collect()
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

/// Every `#undef NAME` directive of a file: its byte offset and the name.
pub(crate) fn undef_directives(text: &[u8]) -> Vec<(u32, &str)> {
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
                out.push((u32::try_from(hash).unwrap_or(u32::MAX), name));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lexes_as_clang_tokens() {
        let t = tokens(b"sizeof(int) x 'a'");
        assert_eq!(t[0].kind, CXToken_Keyword);
        assert_eq!(t[4].kind, CXToken_Identifier);
        assert_eq!(t[5].kind, CXToken_Literal);
        assert_eq!(t[1].kind, CXToken_Punctuation);
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
        assert_eq!(undef_directives(text), [(14, "A"), (48, "D")]);
    }
}
