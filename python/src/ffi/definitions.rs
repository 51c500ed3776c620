//! cdef text declares; it does not define. A function body
//! (`int f(void) { return 1; }`) or a variable's initializer (`int x = 5;`)
//! is valid C that libclang accepts without a word, but nothing in ABI mode
//! can use it (the library's symbol is what is called or read), so, as
//! cffi does for a body, `cdef` refuses it and says where.
//!
//! The scan is over the user's text only (headers it includes may well
//! define inline functions): comments, string and character literals and
//! preprocessor lines are skipped, and only what is outside every bracket
//! counts. A `{` there opens a body unless a `struct`, `union` or `enum`
//! (with its tag and attributes) comes just before it.

use pyo3::PyResult;

use crate::error::CDefError;

/// Fails with a `CDefError` at `place:line:col` for the first definition in `text`.
pub(super) fn refuse(text: &str, place: &str) -> PyResult<()> {
    match first_definition(text) {
        Some((line, col, what)) => Err(CDefError::new_err(format!(
            "{place}:{line}:{col}: {what}: cdef() declares what the library defines; \
             write the declaration alone (valid C, but not valid in cdef()){}",
            if what == "an initializer" {
                "; for a constant, `#define NAME value` or `enum { NAME = value };`"
            } else {
                ""
            }
        ))),
        None => Ok(()),
    }
}

/// Where the first definition is (1-based line and column) and what it is.
fn first_definition(text: &str) -> Option<(usize, usize, &'static str)> {
    let bytes = text.as_bytes();
    let (mut line, mut line_start) = (1usize, 0usize);
    let mut depth = 0usize;
    // After `struct`/`union`/`enum` (and its tag, attributes): a `{` opens its body.
    let mut tag_pending = false;
    let mut tag_named = false;
    // A paren group that belongs to an attribute keeps `tag_pending`.
    let mut attribute_parens: Option<usize> = None;
    let mut at_line_start = true;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        match b {
            b'\n' => {
                line += 1;
                line_start = i + 1;
                at_line_start = true;
                i += 1;
                continue;
            }
            b' ' | b'\t' | b'\r' | b'\x0c' => {
                i += 1;
                continue;
            }
            b'#' if at_line_start => {
                // A preprocessor line, with its continuations.
                while i < bytes.len() && bytes[i] != b'\n' {
                    if bytes[i] == b'\\' && bytes.get(i + 1) == Some(&b'\n') {
                        line += 1;
                        line_start = i + 2;
                        i += 1;
                    }
                    i += 1;
                }
                continue;
            }
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i += 2;
                while i < bytes.len() && !(bytes[i] == b'*' && bytes.get(i + 1) == Some(&b'/')) {
                    if bytes[i] == b'\n' {
                        line += 1;
                        line_start = i + 1;
                    }
                    i += 1;
                }
                i += 2;
                continue;
            }
            _ => {}
        }
        at_line_start = false;
        let col = i - line_start + 1;
        match b {
            b'"' | b'\'' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b && bytes[i] != b'\n' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
                tag_pending = false;
                continue;
            }
            b'(' | b'[' => {
                if b == b'(' && tag_pending && attribute_parens.is_none() {
                    attribute_parens = Some(depth);
                } else if attribute_parens.is_none() {
                    tag_pending = false;
                }
                depth += 1;
            }
            b')' | b']' => {
                depth = depth.saturating_sub(1);
                if attribute_parens == Some(depth) {
                    attribute_parens = None;
                }
            }
            b'{' => {
                if depth == 0 && !tag_pending {
                    return Some((line, col, "a function body"));
                }
                tag_pending = false;
                depth += 1;
            }
            b'}' => depth = depth.saturating_sub(1),
            b'=' if depth == 0 => {
                // `==` and friends cannot be outside brackets in a declaration.
                return Some((line, col, "an initializer"));
            }
            _ if b == b'_' || b.is_ascii_alphanumeric() => {
                let start = i;
                while i < bytes.len() && (bytes[i] == b'_' || bytes[i].is_ascii_alphanumeric()) {
                    i += 1;
                }
                if attribute_parens.is_none() {
                    let word = &text[start..i];
                    match word {
                        "struct" | "union" | "enum" if depth == 0 => {
                            tag_pending = true;
                            tag_named = false;
                        }
                        "__attribute__" | "__attribute" | "__declspec" | "_Alignas" | "alignas" => {
                        }
                        // The tag after the keyword.
                        _ if tag_pending && !tag_named => tag_named = true,
                        _ => tag_pending = false,
                    }
                }
                continue;
            }
            _ if attribute_parens.is_none() => tag_pending = false,
            _ => {}
        }
        i += 1;
    }
    None
}
