//! The libclang front end: C headers and `cdef` text into a [`TypeSet`]. Its
//! public face is [`Parser`], [`cdef`] and [`libclang_version`], at the crate
//! root. It may use [`crate::types`] and the crate's errors, nothing downstream.
//!
//! The work is split by concept: `load` finds and loads libclang once per
//! process, `sys` is the safe layer over clang-sys's C functions, `convert` turns
//! libclang's cursors into a [`TypeBuilder`], `macros` and `lex` evaluate macro
//! constants.

// clang-sys keeps libclang's C names for its constants.
#![allow(non_upper_case_globals)]

mod convert;
mod lex;
mod load;
mod macros;
mod sys;

use std::path::{Path, PathBuf};

use super::Inputs;
use crate::error::{Diagnostic, ErrorKind, Result};
use crate::types::{Target, TypeBuilder, TypeSet};

/// The name of the in-memory main file clang parses.
pub(crate) const MAIN_FILE: &str = "wyvern-input.c";

/// A definition in the sources a [`Parser`] was given itself (its
/// [`cdef`](Parser::cdef) text), not in the headers they include: a function
/// with a body, or a variable with an initializer. Valid C, which the type set
/// takes as the declaration it also is; a caller that only declares (cffi's
/// `cdef`, whose library defines what it declares) refuses it.
/// [`Parser::parse_with_definitions`] lists them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Definition {
    /// The function's or the variable's name.
    pub name: String,
    /// A body or an initializer.
    pub kind: DefinitionKind,
    /// Where it is (the `cdef` text's line and column, or where `#line` says).
    pub location: Option<crate::SourceLocation>,
}

/// What a [`Definition`] defines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum DefinitionKind {
    /// A function body: `int f(void) { return 1; }`.
    Body,
    /// A variable's initializer: `int x = 5;` (a libclang older than 12 does
    /// not tell initializers apart, and then none is listed).
    Initializer,
}

/// Parses C declarations with libclang: the header front end.
///
/// A `Parser` gathers the input (header files, `<system>` headers, declaration
/// text) and the compiler settings (include directories, defines, target), then
/// [`Parser::parse`] runs libclang once and converts what it found into a
/// [`TypeSet`]. libclang is loaded at run time on first use, once per process
/// (`LIBCLANG_PATH` or [`Parser::libclang`] chooses which); parses may run from any number of threads at
/// once.
///
/// ```
/// # fn main() -> wyvern::Result<()> {
/// let types = wyvern::Parser::new()
///     .header("<sys/stat.h>")
///     .cdef("struct pair { struct stat a, b; };")
///     .parse()?;
/// let stat = types.type_named("struct stat")?;
/// assert!(types.layout(stat.id).unwrap().size > 0);
/// assert_eq!(types.spell(types.function("stat")?.ty.into()),
///            "int (const char *restrict, struct stat *restrict)");
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Default)]
pub struct Parser {
    headers: Vec<String>,
    cdefs: Vec<String>,
    include_dirs: Vec<PathBuf>,
    defines: Vec<(String, Option<String>)>,
    target: Option<String>,
    args: Vec<String>,
    libclang: Option<PathBuf>,
}

impl Parser {
    /// A parser with no input, for the host target.
    pub fn new() -> Parser {
        Parser::default()
    }

    /// Adds a header: a path to a file, or `<name.h>` to search the include path as
    /// `#include <name.h>` does. A relative `name.h` or `sys/stat.h` that is not a
    /// file here is searched on the include path too (not one written as a path:
    /// `/…`, `./…`, `../…`).
    pub fn header(mut self, header: impl Into<String>) -> Parser {
        self.headers.push(header.into());
        self
    }

    /// Adds C declarations as text, parsed after every header (so they can use the
    /// headers' types). Errors in it point at `<cdef>:LINE:COL`.
    pub fn cdef(mut self, text: impl Into<String>) -> Parser {
        self.cdefs.push(text.into());
        self
    }

    /// Adds a directory to search for `#include`s (`-I`).
    pub fn include_dir(mut self, dir: impl Into<PathBuf>) -> Parser {
        self.include_dirs.push(dir.into());
        self
    }

    /// Defines a macro (`-D NAME` or `-D NAME=VALUE`).
    pub fn define(mut self, name: impl Into<String>, value: Option<&str>) -> Parser {
        self.defines.push((name.into(), value.map(str::to_owned)));
        self
    }

    /// Parses for another target (`x86_64-pc-linux-gnu`, `i686-linux-gnu`,
    /// `aarch64-linux-gnu`, `x86_64-pc-windows-msvc`). Layouts follow that target;
    /// system headers are still the host's, so use it with self-contained headers.
    pub fn target(mut self, triple: impl Into<String>) -> Parser {
        self.target = Some(triple.into());
        self
    }

    /// Chooses the libclang to load: the library file, or a directory, of which
    /// the newest `libclang*.so*` (by the version in its name) is taken.
    ///
    /// A process loads one libclang, the first time a parse needs one, so this
    /// decides only if no libclang is loaded yet; afterwards a parser naming
    /// another library fails with [`ErrorKind::LibclangUnavailable`]. The
    /// `LIBCLANG_PATH` environment variable, when set, overrides it (the person
    /// running the program chooses), and this setting is then ignored. Without
    /// either, libclang is looked for in `/usr/lib/llvm-N/lib` (newest N first),
    /// then by the dynamic loader (`libclang.so.1`, `libclang.so`).
    pub fn libclang(mut self, path: impl Into<PathBuf>) -> Parser {
        self.libclang = Some(path.into());
        self
    }

    /// Passes an extra argument to the compiler (`-std=c11`, `-fms-extensions`…).
    pub fn arg(mut self, arg: impl Into<String>) -> Parser {
        self.args.push(arg.into());
        self
    }

    /// The text of the main file: one `#include` per header, then the cdef text.
    fn main_text(&self) -> Result<String> {
        // Errors in these lines (a missing header) point at the command line, not
        // at wyvern's own in-memory file.
        let mut text = String::from("#line 1 \"<command line>\"\n");
        for h in &self.headers {
            text.push_str(&include_line(h)?);
        }
        for (i, c) in self.cdefs.iter().enumerate() {
            let name = if self.cdefs.len() == 1 {
                "<cdef>".to_owned()
            } else {
                format!("<cdef {}>", i + 1)
            };
            text.push_str(&format!("#line 1 \"{name}\"\n{c}\n"));
        }
        Ok(text)
    }

    /// The arguments wyvern passes to libclang for this parser, the builtin-header
    /// directory of the loaded libclang included (loading it if needed).
    ///
    /// # Errors
    /// [`ErrorKind::LibclangUnavailable`] when libclang cannot be loaded.
    pub fn clang_args(&self) -> Result<Vec<String>> {
        let lib = load::ensure_loaded(self.libclang.as_deref())?;
        Ok(self.compiler_args(lib.builtin_includes.as_deref()))
    }

    fn compiler_args(&self, builtin_includes: Option<&Path>) -> Vec<String> {
        let mut args = vec!["-x".to_owned(), "c".to_owned(), "-std=gnu17".to_owned()];
        if let Some(t) = &self.target {
            args.push(format!("--target={t}"));
        }
        if let Some(dir) = builtin_includes {
            args.push("-isystem".to_owned());
            args.push(dir.display().to_string());
        }
        for d in &self.include_dirs {
            args.push(format!("-I{}", d.display()));
        }
        for (name, value) in &self.defines {
            match value {
                Some(v) => args.push(format!("-D{name}={v}")),
                None => args.push(format!("-D{name}")),
            }
        }
        args.extend(self.args.iter().cloned());
        args
    }

    /// Parses everything added and returns the frozen type set.
    ///
    /// # Errors
    /// - [`ErrorKind::LibclangUnavailable`] when libclang cannot be loaded;
    /// - [`ErrorKind::Parse`] with every error diagnostic (file:line:col) when the
    ///   C does not compile — a missing `#include` is an error, not a warning;
    /// - [`ErrorKind::Io`] for a header path that does not exist.
    pub fn parse(&self) -> Result<TypeSet> {
        self.parse_inner(false).map(|parsed| parsed.types)
    }

    /// Parses as [`parse`](Self::parse) does, and also lists the definitions
    /// in the parser's own sources (function bodies, initializers; not those
    /// of the headers included), in the order they come.
    ///
    /// ```
    /// # fn main() -> wyvern::Result<()> {
    /// use wyvern::DefinitionKind;
    /// let (types, defined) = wyvern::Parser::new()
    ///     .header("<stdlib.h>")
    ///     .cdef("int twice(int x) { return 2 * x; }\nint limit = 10;\nextern int other;")
    ///     .parse_with_definitions()?;
    /// let found: Vec<_> = defined.iter().map(|d| (d.name.as_str(), d.kind)).collect();
    /// assert_eq!(found, [("twice", DefinitionKind::Body), ("limit", DefinitionKind::Initializer)]);
    /// assert_eq!(defined[1].location.as_ref().map(|l| (l.line, l.column)), Some((2, 5)));
    /// assert!(types.function("twice").is_ok());
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// As [`parse`](Self::parse).
    pub fn parse_with_definitions(&self) -> Result<(TypeSet, Vec<Definition>)> {
        self.parse_inner(false)
            .map(|parsed| (parsed.types, parsed.definitions))
    }

    /// Parses as [`parse`](Self::parse) does, and also returns what the parse read:
    /// libclang's version, the compiler arguments, and the contents of every file
    /// (the main file with its `#include` lines and `cdef` text, and every header
    /// included, directly or not). A precompiled database keeps a hash of these to
    /// tell when it is out of date.
    ///
    /// # Errors
    /// As [`parse`](Self::parse).
    pub fn parse_with_inputs(&self) -> Result<(TypeSet, Inputs)> {
        let parsed = self.parse_inner(true)?;
        Ok((parsed.types, parsed.inputs.unwrap_or_default()))
    }

    fn parse_inner(&self, want_inputs: bool) -> Result<Parsed> {
        let lib = load::ensure_loaded(self.libclang.as_deref())?;
        let main = self.main_text()?;
        let args = self.compiler_args(lib.builtin_includes.as_deref());
        let index = sys::Index::new();
        let options = clang_sys::CXTranslationUnit_DetailedPreprocessingRecord
            | clang_sys::CXTranslationUnit_SkipFunctionBodies;
        let tu = index
            .parse(MAIN_FILE, &main, &args, options)
            .map_err(|message| ErrorKind::Parse {
                diagnostics: vec![Diagnostic {
                    location: None,
                    severity: crate::error::Severity::Error,
                    message,
                    declared: Vec::new(),
                }],
            })?;
        let mut errors = tu.errors();
        if !errors.is_empty() {
            if lib.builtin_includes.is_none()
                && errors.iter().any(|d| d.message.contains("file not found"))
            {
                errors.push(Diagnostic {
                    location: None,
                    severity: crate::error::Severity::Note,
                    message: format!(
                        "the builtin headers (stddef.h, stdarg.h) of the libclang at {} were not found; \
                         install its resource dir (Debian: libclang-common-N-dev) or set WYVERN_CLANG_RESOURCE_DIR",
                        load::library_path(lib).display()
                    ),
                    declared: Vec::new(),
                });
            }
            return Err(ErrorKind::Parse {
                diagnostics: errors,
            }
            .into());
        }
        let (triple, pointer_bits) = tu.target();
        let target = Target {
            triple,
            pointer_size: (pointer_bits / 8) as u8,
            char_signed: true,
            little_endian: true,
        };
        let mut conv = convert::Converter::new(TypeBuilder::new(target), &tu);
        conv.walk(tu.cursor());
        conv.apply_undefs();
        // Predefined macros that user -D flags define are the user's own constants.
        let user_defines: Vec<&str> = self.defines.iter().map(|(n, _)| n.as_str()).collect();
        let mut wanted = macros::DATA_MODEL_MACROS.to_vec();
        wanted.extend(&user_defines);
        conv.resolve_predefined(&wanted);
        let char_signed = !conv.has_predefined("__CHAR_UNSIGNED__");
        let little_endian = !conv.has_predefined("__BIG_ENDIAN__");
        let mut macros = std::mem::take(&mut conv.macros);
        let definitions = std::mem::take(&mut conv.definitions);
        for m in &mut macros {
            if user_defines.contains(&m.name.as_str()) {
                m.builtin = false;
            }
        }
        let mut builder = conv.b;
        builder.set_target_details(char_signed, little_endian);
        macros::evaluate_all(&mut builder, &macros);
        let inputs = want_inputs.then(|| Inputs {
            reader: lib.version.clone(),
            flags: args,
            files: tu
                .included_files()
                .into_iter()
                .map(|f| {
                    let mut name = f.name();
                    if name == MAIN_FILE {
                        name = "the sources given (headers named, cdef text)".into();
                    }
                    (name, tu.file_contents(f).to_vec())
                })
                .collect(),
        });
        Ok(Parsed {
            types: builder.freeze(),
            inputs,
            definitions,
        })
    }
}

/// What one parse gives.
struct Parsed {
    types: TypeSet,
    inputs: Option<Inputs>,
    definitions: Vec<Definition>,
}

/// `#include` line for a header argument.
fn include_line(header: &str) -> Result<String> {
    let header = header.trim();
    if header.starts_with('<') && header.ends_with('>') {
        return Ok(format!("#include {header}\n"));
    }
    let path = Path::new(header);
    if path.is_file() {
        let abs = std::fs::canonicalize(path).map_err(|source| ErrorKind::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let quoted = abs
            .display()
            .to_string()
            .replace('\\', "\\\\")
            .replace('"', "\\\"");
        return Ok(format!("#include \"{quoted}\"\n"));
    }
    // `math.h` or `sys/stat.h` on the command line means the system header when no
    // such file is here; a path written as one (`/…`, `./…`, `../…`) never does.
    let written_as_path =
        path.is_absolute() || header.starts_with("./") || header.starts_with("../");
    if !written_as_path && header.ends_with(".h") {
        return Ok(format!("#include <{header}>\n"));
    }
    let reason = if path.is_dir() {
        "is a directory, not a header file"
    } else {
        "no such header file"
    };
    Err(ErrorKind::Io {
        path: path.to_path_buf(),
        source: std::io::Error::other(reason),
    }
    .into())
}

/// Parses declarations given as text, for the host, with no headers.
///
/// ```
/// # fn main() -> wyvern::Result<()> {
/// let types = wyvern::cdef("double pow(double, double);")?;
/// assert_eq!(types.prototype(types.function("pow")?), "double pow(double, double)");
/// # Ok(()) }
/// ```
///
/// # Errors
/// As [`Parser::parse`].
pub fn cdef(text: &str) -> Result<TypeSet> {
    Parser::new().cdef(text).parse()
}

/// Parses `text` with libclang and `args` and throws the result away: the floor
/// that any libclang-based reader pays, for benchmarks to compare against.
///
/// # Errors
/// [`ErrorKind::LibclangUnavailable`] when libclang cannot be loaded, and
/// [`ErrorKind::Parse`] when libclang fails outright.
pub(crate) fn bare_parse(args: &[String], text: &str) -> Result<()> {
    load::ensure_loaded(None)?;
    let index = sys::Index::new();
    index
        .parse("bare.c", text, args, 0)
        .map(drop)
        .map_err(|message| {
            ErrorKind::Parse {
                diagnostics: vec![Diagnostic {
                    location: None,
                    severity: crate::error::Severity::Error,
                    message,
                    declared: Vec::new(),
                }],
            }
            .into()
        })
}

/// The version of the libclang in use (loading it if needed).
///
/// # Errors
/// [`ErrorKind::LibclangUnavailable`] when it cannot be loaded.
pub fn libclang_version() -> Result<String> {
    Ok(load::ensure_loaded(None)?.version.clone())
}

/// The file of the loaded libclang (loading it if needed).
pub(crate) fn libclang_path() -> Result<PathBuf> {
    Ok(load::library_path(load::ensure_loaded(None)?).to_path_buf())
}
