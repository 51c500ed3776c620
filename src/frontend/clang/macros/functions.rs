//! Macros a program may name where it means a function: object-like ones that
//! stand for a name (`#define EVP_MD_size EVP_MD_get_size`) and function-like
//! ones (`deflateInit(strm, level)`), kept as [`FunctionMacro`]s so that a call
//! by the macro's name reaches the function, or says what the macro expands to.

use clang_sys::{CXToken_Identifier, CXToken_Punctuation};
use rustc_hash::FxHashMap;

use super::MacroDef;
use crate::frontend::clang::sys::Token;
use crate::types::FunctionMacro;

/// `m` as a [`FunctionMacro`], when it is one: function-like, or object-like
/// with one name for its body that is a declared function (`is_function`) or
/// another macro in force (`defs`). A reserved name (`__INT64_C`, `_IO_putc`)
/// is the implementation's, not an API to call: those are left out, so that
/// what a set holds does not depend on which of them a libclang predefines
/// (clang 22 predefines `__INT64_C`, which glibc's `<stdint.h>` also defines).
pub(super) fn function_macro(
    m: &MacroDef<'_>,
    defs: &FxHashMap<&str, &MacroDef<'_>>,
    is_function: &dyn Fn(&str) -> bool,
) -> Option<FunctionMacro> {
    let mut name = m.name.chars();
    let reserved = name.next() == Some('_')
        && name
            .next()
            .is_some_and(|c| c == '_' || c.is_ascii_uppercase());
    if reserved {
        return None;
    }
    let stands_for = match (&m.params, m.body.as_slice()) {
        (Some(_), _) => true,
        (None, [t]) if t.kind == CXToken_Identifier && t.text != m.name => {
            is_function(&t.text) || defs.get(t.text.as_ref()).is_some_and(|d| !d.builtin)
        }
        _ => false,
    };
    stands_for.then(|| FunctionMacro {
        name: m.name.clone(),
        params: m.params.clone(),
        body: spell(&m.body),
        location: m.location.clone(),
    })
}

/// Tokens as C text, spaced as C is usually printed: `f((a), b)`,
/// `(int)sizeof(z_stream)`, `a + b`, `s->x`.
pub(super) fn spell(tokens: &[Token<'_>]) -> String {
    let mut out = String::new();
    let mut previous: Option<&Token<'_>> = None;
    // Whether the previous token is a prefix operator (`-1`, `*p`, `&x`).
    let mut prefix = false;
    for t in tokens {
        if let Some(p) = previous {
            if !prefix && spaced(p, t) {
                out.push(' ');
            }
        }
        out.push_str(&t.text);
        let operand_before = previous
            .is_some_and(|p| p.kind != CXToken_Punctuation || matches!(p.text.as_ref(), ")" | "]"));
        prefix = matches!(t.text.as_ref(), "-" | "+" | "*" | "&") && !operand_before;
        previous = Some(t);
    }
    out
}

/// Whether C text puts a space between `before` and `after`.
fn spaced(before: &Token<'_>, after: &Token<'_>) -> bool {
    let tight_after = ["(", "[", ".", "->", "#", "##", "~", "!"];
    let tight_before = [")", "]", ",", ";", ".", "->", "##"];
    let (b, a) = (before.text.as_ref(), after.text.as_ref());
    if tight_after.contains(&b) || tight_before.contains(&a) {
        return false;
    }
    let word = |t: &Token<'_>| {
        t.text
            .chars()
            .next()
            .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '"' || c == '\'')
    };
    // A call or an index (`f(`, `a[`), and a cast's operand (`(int)x`).
    match (b, a) {
        (_, "(" | "[") => !(word(before) || b == ")" || b == "]"),
        (")", _) => !word(after) && a != "(",
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::spell;
    use crate::frontend::clang::lex::tokens;

    #[test]
    fn bodies_read_as_c() {
        for text in [
            "deflateInit_((strm), (level), ZLIB_VERSION, (int)sizeof(z_stream))",
            "((a) > (b) ? (a) : (b))",
            "s->x.y[2] + -1",
            "f(#x, a##b)",
            "g(\"s\", 'c')",
        ] {
            assert_eq!(spell(&tokens(text.as_bytes())), text);
        }
    }
}
