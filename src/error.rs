//! The one error type of the crate.
//!
//! Every fallible operation returns [`Result<T>`]. An [`Error`] wraps an
//! [`ErrorKind`] that callers can match on; its `Display` says what was asked,
//! what was found, where (file:line:col where there is a C location) and what is
//! close, so the CLI prints it as it is.

use std::fmt;
use std::path::PathBuf;

use crate::location::SourceLocation;

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// An error from wyvern. Cheap to move: the kind lives behind a `Box`.
#[derive(Debug)]
pub struct Error {
    kind: Box<ErrorKind>,
}

impl Error {
    /// What went wrong.
    pub fn kind(&self) -> &ErrorKind {
        &self.kind
    }

    /// Consumes the error, returning its kind.
    pub fn into_kind(self) -> ErrorKind {
        *self.kind
    }

    pub(crate) fn not_found(what: &'static str, name: &str, suggestion: Option<String>) -> Error {
        ErrorKind::NotFound {
            what,
            name: name.to_owned(),
            suggestion,
        }
        .into()
    }
}

impl From<ErrorKind> for Error {
    fn from(kind: ErrorKind) -> Error {
        Error {
            kind: Box::new(kind),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.kind.fmt(f)
    }
}

/// The message already says everything, the I/O error's text included, so there is
/// no separate `source()` (which would print it twice in error chains).
impl std::error::Error for Error {}

/// How serious a [`Diagnostic`] is, as the C compiler rates it. Displays and
/// serialises as the compiler prints it: `note`, `warning`, `error`, `fatal error`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[non_exhaustive]
pub enum Severity {
    /// Context for another diagnostic.
    #[serde(rename = "note")]
    Note,
    /// Something suspicious that does not stop the parse.
    #[serde(rename = "warning")]
    Warning,
    /// An error: the declarations did not parse.
    #[serde(rename = "error")]
    Error,
    /// An error after which the compiler stopped.
    #[serde(rename = "fatal error")]
    Fatal,
}

impl Severity {
    /// The compiler's word for it: `"note"`, `"warning"`, `"error"`, `"fatal error"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Note => "note",
            Severity::Warning => "warning",
            Severity::Error => "error",
            Severity::Fatal => "fatal error",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One diagnostic of the C compiler front end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Where it points, when it points somewhere.
    pub location: Option<SourceLocation>,
    /// How serious it is.
    pub severity: Severity,
    /// The compiler's message.
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Errors are what `Error` reports, so only other severities are named.
        let severity = match self.severity {
            Severity::Error | Severity::Fatal => String::new(),
            other => format!("{other}: "),
        };
        match &self.location {
            Some(loc) => write!(f, "{loc}: {severity}{}", self.message),
            None => write!(f, "{severity}{}", self.message),
        }
    }
}

/// What went wrong.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ErrorKind {
    /// libclang could not be found or loaded.
    #[error("libclang could not be loaded: {message}\n  install it with: apt-get install libclang1-14 libclang-common-14-dev (any version works), or set LIBCLANG_PATH to the directory holding libclang.so")]
    LibclangUnavailable {
        /// The loader's own message.
        message: String,
    },
    /// The C headers did not parse; every error diagnostic is kept.
    #[error("{}", fmt_diagnostics(.diagnostics))]
    Parse {
        /// The error and fatal diagnostics, in the order clang gave them.
        diagnostics: Vec<Diagnostic>,
    },
    /// A name was asked for that the declarations do not have.
    #[error("no {what} '{name}'{}", .suggestion.as_ref().map(|s| format!("; did you mean '{s}'?")).unwrap_or_default())]
    NotFound {
        /// What kind of thing was asked for ("type", "function", "constant", …).
        what: &'static str,
        /// The name as asked.
        name: String,
        /// The closest name that exists, when one is close.
        suggestion: Option<String>,
    },
    /// A macro exists but is not a constant wyvern can evaluate.
    #[error("'{name}' is a macro but not a constant: {reason}")]
    NotAConstant {
        /// The macro's name.
        name: String,
        /// Why it was skipped.
        reason: String,
    },
    /// A type name could not be read.
    #[error("cannot read type name '{}': {reason}", shorten(text))]
    BadTypeName {
        /// The text as given.
        text: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A type was used where it has to be complete (a layout, a value).
    #[error("'{name}' is an incomplete type (declared but never defined), so it has no layout")]
    Incomplete {
        /// The type's C spelling.
        name: String,
    },
    /// A type was used where a record was expected.
    #[error("'{name}' is not a struct or union, it is {found}")]
    NotARecord {
        /// The type's C spelling.
        name: String,
        /// What it is instead.
        found: String,
    },
    /// An object's DWARF debug info could not be read.
    #[error("cannot read the debug info of '{object}': {message}")]
    Dwarf {
        /// The object file.
        object: String,
        /// What is wrong, and where.
        message: String,
    },
    /// A shared library could not be loaded.
    #[error("cannot load library '{name}': {message}")]
    Library {
        /// The path or soname as given.
        name: String,
        /// The dynamic loader's own message.
        message: String,
    },
    /// A symbol is declared but no loaded library defines it.
    #[error("no symbol '{name}'{} in {library}: {message}", declared_as(.declaration))]
    Symbol {
        /// The symbol.
        name: String,
        /// The C name of the declaration whose asm label the symbol is, when
        /// that differs from the symbol (`sscanf` for `__isoc99_sscanf`).
        declaration: Option<String>,
        /// The libraries searched.
        library: String,
        /// The dynamic loader's own message.
        message: String,
    },
    /// A value does not fit where it was put: an argument, a field, a global.
    #[error("{place}: {message}")]
    Value {
        /// Where it was put (`argument 2 ('y') of 'pow'`, `field 'a.b[3]'`).
        place: String,
        /// What is wrong (`300 does not fit in 'unsigned char' (0..=255)`).
        message: String,
    },
    /// A call had the wrong number of arguments.
    #[error("'{function}' takes {expected} argument{}{}; got {got}\n  {prototype}", if *.expected == 1 { "" } else { "s" }, if *.variadic { " or more" } else { "" })]
    ArgumentCount {
        /// The function.
        function: String,
        /// Its prototype, as C.
        prototype: String,
        /// How many parameters it declares.
        expected: usize,
        /// Whether more may follow.
        variadic: bool,
        /// How many were given.
        got: usize,
    },
    /// A Rust function type does not match the header's declaration.
    #[error("the Rust type does not match '{prototype}': {message}")]
    TypeMismatch {
        /// The header's prototype.
        prototype: String,
        /// Which parameter (or the result) differs, and how.
        message: String,
    },
    /// Two sets being merged declare the same thing differently, or are for
    /// different targets.
    #[error("{name}: {difference}")]
    Conflict {
        /// What both declare (`struct config`, `function f`, `target`).
        name: String,
        /// How each has it (`size 24 in --cdef, 12 in --dwarf libfoo.so`).
        difference: String,
    },
    /// Something wyvern does not support (yet), named.
    #[error("{0}")]
    Unsupported(String),
    /// A precompiled type database is damaged, foreign or of another format version.
    #[error("{}{message}", .file.as_ref().map(|f| format!("{}: ", f.display())).unwrap_or_default())]
    Database {
        /// The database file, when it was read from one.
        file: Option<PathBuf>,
        /// What is wrong, and where (`truncated at byte 120: …`).
        message: String,
    },
    /// Reading a file failed.
    #[error("{}: {source}", .path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
}

/// ` (the asm label of 'sscanf')`, or nothing.
fn declared_as(declaration: &Option<String>) -> String {
    declaration
        .as_ref()
        .map(|name| format!(" (the asm label of '{name}')"))
        .unwrap_or_default()
}

fn fmt_diagnostics(diagnostics: &[Diagnostic]) -> String {
    let mut text = String::new();
    for (i, d) in diagnostics.iter().enumerate() {
        if i > 0 {
            text.push('\n');
        }
        text.push_str(&d.to_string());
    }
    if text.is_empty() {
        text.push_str("the C declarations did not parse");
    }
    text
}

/// The closest of `candidates` to `name`, if one is close enough to suggest:
/// fewest edits (a swap of two neighbours counts as one), then the most similar.
pub(crate) fn closest<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    let mut best: Option<(usize, f64, &str)> = None;
    for candidate in candidates {
        let similarity = strsim::jaro_winkler(name, candidate);
        let edits = strsim::osa_distance(name, candidate);
        let close = similarity >= 0.8 || edits <= (name.chars().count() / 3).max(1);
        if !close {
            continue;
        }
        let better = match best {
            None => true,
            Some((e, s, _)) => edits < e || (edits == e && similarity > s),
        };
        if better {
            best = Some((edits, similarity, candidate));
        }
    }
    best.map(|(_, _, c)| c.to_owned())
}

/// A long text (a type name of 100,000 parentheses) cut for a message.
fn shorten(text: &str) -> std::borrow::Cow<'_, str> {
    const SHOWN: usize = 80;
    match text.char_indices().nth(SHOWN) {
        Some((end, _)) => format!("{}…", &text[..end]).into(),
        None => text.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severities_display_and_serialise_as_the_compiler_prints_them() {
        for (severity, text) in [
            (Severity::Note, "note"),
            (Severity::Warning, "warning"),
            (Severity::Error, "error"),
            (Severity::Fatal, "fatal error"),
        ] {
            assert_eq!(severity.to_string(), text);
            assert_eq!(
                serde_json::to_string(&severity).unwrap(),
                serde_json::to_string(text).unwrap()
            );
        }
        let at = SourceLocation {
            file: "a.h".into(),
            line: 3,
            column: 7,
        };
        let shown = |severity| {
            Diagnostic {
                location: Some(at.clone()),
                severity,
                message: "m".into(),
            }
            .to_string()
        };
        assert_eq!(shown(Severity::Note), "a.h:3:7: note: m");
        assert_eq!(shown(Severity::Warning), "a.h:3:7: warning: m");
        assert_eq!(shown(Severity::Error), "a.h:3:7: m");
        assert_eq!(shown(Severity::Fatal), "a.h:3:7: m");
    }
}
