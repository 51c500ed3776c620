//! The one error type of the crate.
//!
//! Every fallible operation returns [`Result<T>`]. An [`Error`] wraps an
//! [`ErrorKind`] that callers can match on; its `Display` says what was asked,
//! what was found, where (file:line:col where there is a C location) and what is
//! close, so the CLI prints it as it is.

use std::fmt;
use std::path::PathBuf;

use crate::location::SourceLocation;

mod param;
mod value;
pub use param::Param;
pub use value::{IntRange, ValueProblem};

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

/// The message says everything, the cause's text included; `source()` returns the
/// cause itself (the loader's, gimli's, object's, postcard's or the operating
/// system's error) for a caller to inspect. A printer of whole error chains would
/// show the cause's text twice: print a wyvern error by its `Display` alone.
impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.kind.source()
    }
}

/// The cause of an error, from a library wyvern uses. Boxed so that no
/// dependency's error type (or its version) is part of wyvern's API.
pub type Cause = Box<dyn std::error::Error + Send + Sync + 'static>;

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
    /// The names of the declarations at its location (functions, global
    /// variables, typedefs), as clang spells them: what a diagnostic such as
    /// `conflicting types for 'f'` is about, also when a macro wrote the
    /// declaration (and the location is the macro's use, not the name).
    /// Empty for a diagnostic that is not at a declaration.
    pub declared: Vec<String>,
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
    /// A function-like macro was asked for as a function: it has no symbol;
    /// C expands each use of it.
    #[error("'{name}' is a function-like macro, not a function: {usage} expands to {expansion}{}{}", .location.as_ref().map(|l| format!(" (defined at {l})")).unwrap_or_default(), .calls.as_ref().map(|f| format!("; call '{f}' with the arguments it expands to")).unwrap_or_default())]
    FunctionLikeMacro {
        /// The macro's name.
        name: String,
        /// How it is used, with its parameters (`deflateInit(strm, level)`).
        usage: String,
        /// What it expands to, as written.
        expansion: String,
        /// Where it was defined.
        location: Option<SourceLocation>,
        /// The declared function its expansion calls first, when there is one.
        calls: Option<String>,
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
        /// object's or gimli's error, when one of them found it.
        #[source]
        source: Option<Cause>,
    },
    /// A shared library could not be loaded.
    #[error("cannot load library '{name}': {message}")]
    Library {
        /// The path or soname as given.
        name: String,
        /// The dynamic loader's own message.
        message: String,
        /// libloading's error.
        #[source]
        source: Cause,
    },
    /// No file answers a library named as the linker's `-lNAME` names one
    /// ([`Library::open_linker_name`](crate::Library::open_linker_name)).
    #[error("no library for -l{name}: {}", not_found_where(.name, .dirs, .skipped))]
    LibraryNotFound {
        /// The NAME of `-lNAME`, as given.
        name: String,
        /// The directories searched, in order.
        dirs: Vec<PathBuf>,
        /// Files of a matching name that were passed over, each with the reason
        /// (`a 32-bit ELF object`, `a linker script naming no shared object`).
        skipped: Vec<(PathBuf, String)>,
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
        /// libloading's error for the last library searched, when one was.
        #[source]
        source: Option<Cause>,
    },
    /// A value cannot be converted, stored or read where it was put: an
    /// argument, a field, a global, a callback's result.
    #[error("{place}: {problem}")]
    Value {
        /// Where it was put (`argument 2 ('y') of 'pow'`, `path 'a.b[3]'`).
        place: String,
        /// What is wrong (`300 does not fit in 'unsigned char' (0..=255)`).
        problem: ValueProblem,
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
    #[error("the Rust type does not match '{prototype}'{}: {message}", .callback.as_ref().map(|p| format!(", the type of {p}")).unwrap_or_default())]
    TypeMismatch {
        /// The header's prototype (or a callback's function pointer type).
        prototype: String,
        /// For a callback made for a function's parameter, that parameter.
        callback: Option<Param>,
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
    /// A declaration asked for was left out of the set, and why (a type wyvern
    /// cannot represent, one nesting too deep).
    #[error("'{name}' was left out: {reason}")]
    LeftOut {
        /// The declaration's C name (`struct s`, `f`).
        name: String,
        /// Why it was left out, as the set lists it.
        reason: String,
    },
    /// A name or type is of another kind than the one needed.
    #[error("'{name}' is {}", match .found { Some(found) => format!("{found}, not {expected}"), None => format!("not {expected}") })]
    WrongKind {
        /// The name, or the type's C spelling.
        name: String,
        /// What was needed (`a function`, `an array`, `a function pointer type`).
        expected: &'static str,
        /// What it is instead, when that says more than "not".
        found: Option<String>,
    },
    /// A function is declared but has no symbol to call: it is `static` (or
    /// `static inline`) in the header.
    #[error("'{name}' is static{}: it has no symbol to call{}", if *.inline { " inline" } else { "" }, .location.as_ref().map(|l| format!(" (declared at {l})")).unwrap_or_default())]
    NoSymbol {
        /// The function.
        name: String,
        /// Whether it is `static inline`.
        inline: bool,
        /// Where it is declared.
        location: Option<SourceLocation>,
    },
    /// A function's signature is one wyvern cannot call (or take as a callback).
    #[error("{}: {reason}", uncallable(.function, .callback, .param))]
    Uncallable {
        /// The function's prototype, when it is known where the signature came from.
        function: Option<String>,
        /// For a callback: its function pointer type.
        callback: Option<String>,
        /// For a callback made for a function's parameter: that parameter.
        param: Option<Param>,
        /// What in the signature cannot be passed (`__int128 under ms_abi`).
        reason: String,
    },
    /// A function has fewer parameters than the one asked for (as a callback's type).
    #[error("'{function}' has no parameter at index {index} ({}){}", param_count(*.count), param::did_you_mean(.suggestion))]
    NoParameter {
        /// The function's prototype.
        function: String,
        /// The index asked for, from 0.
        index: usize,
        /// How many parameters it has.
        count: usize,
        /// Its function pointer parameter nearest to `index`, if it has one.
        suggestion: Option<Param>,
    },
    /// A function's parameter asked for as a callback's type is not a function pointer.
    #[error("{param} is '{}', not a function pointer{}", .param.ty, param::did_you_mean(.suggestion))]
    NotCallback {
        /// The parameter asked for.
        param: Param,
        /// The function's function pointer parameter nearest to it, if it has one.
        suggestion: Option<Param>,
    },
    /// A type from a header or debug info that wyvern's type system has no
    /// place for.
    #[error("cannot represent the type '{ty}': {what} is not supported by wyvern")]
    Unrepresentable {
        /// The type as the front end spells it.
        ty: String,
        /// What in it is not supported (`a C++ reference`).
        what: String,
    },
    /// Types nest deeper than [`MAX_TYPE_DEPTH`](crate::limits::MAX_TYPE_DEPTH).
    #[error("{}", crate::limits::types_too_deep())]
    TooDeep,
    /// A value of a type would be larger than this machine can hold.
    #[error("{what} is too large")]
    TooLarge {
        /// What (`'char[1152921504606846976]'`, `an array of 4 'int'`).
        what: String,
    },
    /// Memory for a C object could not be allocated.
    #[error("out of memory for an object of {bytes} bytes")]
    OutOfMemory {
        /// The object's size.
        bytes: usize,
    },
    /// libffi refused to do what was asked.
    #[error("libffi could not {action}{}", .status.map(|s| format!(" (status {s})")).unwrap_or_default())]
    Libffi {
        /// What (`allocate a closure`, `prepare a callback of type 'int (*)(int)'`).
        action: String,
        /// libffi's status code, when it gave one.
        status: Option<u32>,
    },
    /// An array (a global, a flexible array member) was used as a whole, but its
    /// length is unknown.
    #[error("{}", unknown_length(.name, .ty))]
    UnknownLength {
        /// The global variable, when it is one (else a flexible array member).
        name: Option<String>,
        /// The array's type.
        ty: String,
    },
    /// More elements of an array were asked for than it has.
    #[error("'{name}' has {declared} elements, not {asked}")]
    ArrayLength {
        /// The array (a global variable).
        name: String,
        /// How many elements it is declared with.
        declared: u64,
        /// How many were asked for.
        asked: u64,
    },
    /// Values of a C type that wyvern cannot convert (a floating-point format it
    /// does not know).
    #[error("values of type '{ty}' cannot be {}", if *.writing { "written" } else { "read" })]
    NoValues {
        /// The type's C spelling.
        ty: String,
        /// Whether a value was being written (else read).
        writing: bool,
    },
    /// A type id from another set was given to this one.
    #[error(
        "cannot derive a type from type id {id}: it is not of this set (which has {types} types)"
    )]
    ForeignType {
        /// The id's index.
        id: usize,
        /// How many types this set has.
        types: usize,
    },
    /// A set being merged is damaged: it refers to what it does not have.
    #[error("cannot merge {set}: {what}")]
    DamagedSet {
        /// The set's label (`--dwarf libfoo.so`).
        set: String,
        /// What is wrong (`type 12 does not exist`).
        what: String,
    },
    /// A type name names a type that no declaration of the set uses, so the set
    /// has no id for it.
    #[error(
        "the type '{name}' is not used by these declarations (add a declaration that uses it)"
    )]
    UnusedType {
        /// The type as written.
        name: String,
    },
    /// Something that cannot happen did: a bug in wyvern.
    #[error("internal error (a bug in wyvern; please report it): {0}")]
    Internal(String),
    /// A precompiled type database is damaged, foreign or of another format version.
    #[error("{}{message}", .file.as_ref().map(|f| format!("{}: ", f.display())).unwrap_or_default())]
    Database {
        /// The database file, when it was read from one.
        file: Option<PathBuf>,
        /// What is wrong, and where (`truncated at byte 120: …`).
        message: String,
        /// postcard's error, when it found the damage.
        #[source]
        source: Option<Cause>,
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

/// The message of [`ErrorKind::UnknownLength`].
fn unknown_length(name: &Option<String>, ty: &str) -> String {
    match name {
        Some(name) => format!(
            "'{name}' is an array of unknown length ('{ty}'): read its first N elements \
             with Module::global_array(\"{name}\", N), or pass it where C takes a pointer \
             (its address: Module::symbol)"
        ),
        None => format!(
            "'{ty}' has no length (a flexible array member); read its elements through a pointer"
        ),
    }
}

/// What [`ErrorKind::Uncallable`] could not do: call a function, or make a callback.
fn uncallable(
    function: &Option<String>,
    callback: &Option<String>,
    param: &Option<Param>,
) -> String {
    match (callback, param) {
        (Some(ty), Some(param)) => format!("cannot make a callback of type '{ty}' for {param}"),
        (Some(ty), None) => format!("cannot make a callback of type '{ty}'"),
        _ => match function {
            Some(f) => format!("'{f}': cannot call this function"),
            None => "cannot call this function".to_owned(),
        },
    }
}

/// `it has 4, at indexes 0 to 3`, for [`ErrorKind::NoParameter`].
fn param_count(count: usize) -> String {
    match count {
        0 => "it has none".to_owned(),
        1 => "it has 1, at index 0".to_owned(),
        n => format!("it has {n}, at indexes 0 to {}", n - 1),
    }
}

/// The message of [`ErrorKind::LibraryNotFound`]: the file names tried, where,
/// and what was passed over.
fn not_found_where(name: &str, dirs: &[PathBuf], skipped: &[(PathBuf, String)]) -> String {
    let files = match name.strip_prefix(':') {
        Some(file) => format!("no file '{file}'"),
        None => format!("no lib{name}.so, nor lib{name}.so.N,"),
    };
    let dirs: Vec<String> = dirs.iter().map(|d| d.display().to_string()).collect();
    let mut text = format!("{files} in {}", dirs.join(", "));
    for (file, why) in skipped {
        text.push_str(&format!("; skipped {}: {why}", file.display()));
    }
    text
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
mod tests;
