//! A name declared again by a later `cdef`, with another type (a function,
//! a global variable, a typedef). Every `cdef` is parsed after the ones
//! before it, so clang reports the clash (`conflicting types for 'f'`); cffi
//! calls it an `FFIError` and, under `cdef(..., override=True)`, lets the new
//! declaration replace the old. The old one is replaced by renaming it where
//! it was declared (a `#define f <hidden name>` before the earlier sources,
//! an `#undef f` after them, between `push_macro` and `pop_macro`), so what
//! used it keeps its type, as in C.

use wyvern::{Error, ErrorKind, Severity};

/// Names hidden by an override start with this; `dir(lib)` leaves them out.
pub const HIDDEN_PREFIX: &str = "__wyvern_overridden_";

/// A redeclaration clang found in the cdef named `place` (`<cdef 2>`).
pub struct Clash {
    /// The name declared again.
    pub name: String,
    /// `<cdef 2>:1:8`.
    pub location: String,
}

/// The redeclarations among `error`'s diagnostics that point into `place`,
/// named by the declarations clang has at their locations (not read from the
/// text, where a macro may have written them); empty when any other error is
/// there too (then the error is the parse's own).
pub fn clashes(error: &Error, place: &str) -> Vec<Clash> {
    let ErrorKind::Parse { diagnostics } = error.kind() else {
        return Vec::new();
    };
    let mut found = Vec::new();
    for d in diagnostics {
        if !matches!(d.severity, Severity::Error | Severity::Fatal) {
            continue;
        }
        let is_clash = d.message.starts_with("conflicting types for ")
            || d.message
                .starts_with("typedef redefinition with different types")
            || ((d.message.starts_with("redefinition of ")
                || d.message.starts_with("redeclaration of "))
                && d.message.contains("different type"));
        let Some(loc) = d.location.as_ref().filter(|l| &*l.file == place) else {
            return Vec::new();
        };
        if !is_clash {
            return Vec::new();
        }
        // The declarations clang has there (several when a macro wrote
        // them): the one declared again is among them, and hiding the
        // others' earlier declarations too only replaces them by the new.
        if d.declared.is_empty() {
            return Vec::new();
        }
        for name in &d.declared {
            if !found.iter().any(|c: &Clash| &c.name == name) {
                found.push(Clash {
                    name: name.clone(),
                    location: format!("{place}:{}:{}", loc.line, loc.column),
                });
            }
        }
    }
    found
}

/// The lines that hide `names` in the sources between them: `(before, after)`.
pub fn hiding(names: &[String], generation: usize) -> (String, String) {
    let mut before = String::new();
    let mut after = String::new();
    // push/pop, so that an override of an override nests: the inner
    // `#undef` gives back the outer hiding, not nothing.
    for name in names {
        before.push_str(&format!(
            "#pragma push_macro(\"{name}\")\n#undef {name}\n#define {name} {HIDDEN_PREFIX}{generation}_{name}\n"
        ));
        after.push_str(&format!("#undef {name}\n#pragma pop_macro(\"{name}\")\n"));
    }
    (before, after)
}
