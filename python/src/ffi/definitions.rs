//! cdef text declares; it does not define. A function body
//! (`int f(void) { return 1; }`) or a variable's initializer (`int x = 5;`)
//! is valid C that libclang accepts without a word, but nothing in ABI mode
//! can use it (the library's symbol is what is called or read), so, as
//! cffi does for a body, `cdef` refuses it and says where. The parser finds
//! them ([`wyvern::Parser::parse_with_definitions`]): those of the cdef texts
//! only, since the headers they include may well define inline functions.

use pyo3::PyErr;
use wyvern::{Definition, DefinitionKind};

use crate::error::CDefError;

/// The `CDefError` for `definition`, at its `<cdef N>:line:col`.
pub(super) fn refusal(definition: &Definition) -> PyErr {
    let place = match &definition.location {
        Some(l) => format!("{}:{}:{}", l.file, l.line, l.column),
        None => "<cdef>".to_owned(),
    };
    let (what, hint) = match definition.kind {
        DefinitionKind::Body => ("a function body", ""),
        _ => (
            "an initializer",
            "; for a constant, `#define NAME value` or `enum { NAME = value };`",
        ),
    };
    CDefError::new_err(format!(
        "{place}: {what} ('{}'): cdef() declares what the library defines; \
         write the declaration alone (valid C, but not valid in cdef()){hint}",
        definition.name
    ))
}
