//! Raw command-line flags, and the type set they describe.

use std::path::{Path, PathBuf};

use anyhow::{bail, Result};
use clap::{Args, Parser, Subcommand};
use wyvern::TypeSet;

/// A mistake in how wyvern was called (exit status 2), found after parsing flags.
#[derive(Debug)]
pub(crate) struct UsageError(pub(crate) String);

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

/// Call C from its headers at run time; read exact layouts (pahole-style or
/// JSON), declarations and macro constants.
#[derive(Debug, Parser)]
#[command(name = "wyvern", version, about, long_about = None)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Layouts of records (pahole-style, or --json): offsets, sizes, holes, padding.
    Layout(crate::layout::LayoutArgs),
    /// Call a function by its header name, with C literals as arguments.
    Call(crate::call::CallArgs),
    /// Every function, record, enum, typedef, global and constant.
    Dump(crate::dump::DumpArgs),
    /// The headers' view of a library against its DWARF debug info (exit 1 when they differ).
    Check(crate::check::CheckArgs),
    /// Save the declarations as a precompiled type database (-o FILE.wydb), or say
    /// whether one is out of date with its sources (--check FILE.wydb; exit 1 when it is).
    Compile(crate::compile::CompileArgs),
}

/// Where declarations come from; accepted by every subcommand, and combinable:
/// -H and --cdef are parsed together, then the --db and --dwarf sets are merged
/// in. Whatever two sources both declare must agree (a conflict is an error
/// naming both versions); a complete definition completes a forward declaration.
#[derive(Debug, Args, Clone)]
pub(crate) struct Sources {
    /// A header file, or <name.h> to search the system include path (repeatable).
    #[arg(short = 'H', long = "header", value_name = "FILE")]
    pub(crate) headers: Vec<String>,
    /// C declarations as text (repeatable).
    #[arg(long = "cdef", value_name = "TEXT")]
    pub(crate) cdefs: Vec<String>,
    /// An object with DWARF debug info (.so, .o, executable), merged with the other sources.
    /// (In `check` it is the binary side, compared with the rest.)
    #[arg(long, value_name = "OBJECT")]
    pub(crate) dwarf: Option<PathBuf>,
    /// A precompiled type database (.wydb), merged with the other sources.
    #[arg(long, value_name = "FILE")]
    pub(crate) db: Option<PathBuf>,
    /// An include directory for -H/--cdef (repeatable; an error without them).
    #[arg(short = 'I', value_name = "DIR")]
    pub(crate) include_dirs: Vec<PathBuf>,
    /// Define a macro for -H/--cdef: NAME or NAME=VALUE (repeatable; an error without them).
    #[arg(short = 'D', value_name = "NAME[=VALUE]")]
    pub(crate) defines: Vec<String>,
    /// Parse -H/--cdef for another target triple (e.g. i686-linux-gnu); --db and
    /// --dwarf must be for that target too.
    #[arg(long, value_name = "TRIPLE")]
    pub(crate) target: Option<String>,
}

impl Sources {
    /// Everything given, in one type set: -H and --cdef parsed together (with -I,
    /// -D and --target), then the --db and --dwarf sets merged in. What two
    /// sources both declare must agree; a conflict is an error naming both.
    pub(crate) fn load(&self) -> Result<TypeSet> {
        self.check_given()?;
        let parsed = if self.parses() {
            Some(self.parse()?)
        } else {
            None
        };
        self.combine(parsed)
    }

    /// Whether there is header or --cdef text to parse.
    pub(crate) fn parses(&self) -> bool {
        !self.headers.is_empty() || !self.cdefs.is_empty()
    }

    /// Refuses no source at all, and -I/-D with nothing to parse.
    pub(crate) fn check_given(&self) -> Result<()> {
        if !self.parses() && self.db.is_none() && self.dwarf.is_none() {
            return Err(UsageError(
                "no declarations given: add -H HEADER, --cdef TEXT, --dwarf OBJECT or --db FILE"
                    .into(),
            )
            .into());
        }
        if !self.parses() && (!self.include_dirs.is_empty() || !self.defines.is_empty()) {
            return Err(UsageError(
                "-I and -D apply to the headers and --cdef text wyvern parses, and none is given"
                    .into(),
            )
            .into());
        }
        Ok(())
    }

    /// The parsed set (when there is one) with the --db and --dwarf sets merged in.
    pub(crate) fn combine(&self, parsed: Option<TypeSet>) -> Result<TypeSet> {
        let mut parts: Vec<(String, TypeSet)> = Vec::new();
        if let Some(parsed) = parsed {
            parts.push((self.parsed_label(), parsed));
        }
        if let Some(path) = &self.db {
            parts.push((format!("--db {}", path.display()), self.load_db(path)?));
        }
        if let Some(path) = &self.dwarf {
            let types = read_dwarf(path)?;
            // With headers, the merge compares the target clang normalised.
            if let Some(triple) = self.target.as_ref().filter(|_| !self.parses()) {
                if !same_target(&types.target().triple, triple) {
                    bail!(
                        "{}: the object is for {}, not --target {triple}",
                        path.display(),
                        types.target().triple
                    );
                }
            }
            parts.push((format!("--dwarf {}", path.display()), types));
        }
        let mut parts = parts.into_iter();
        let Some((mut label, mut merged)) = parts.next() else {
            bail!("no declarations given");
        };
        for (next_label, next) in parts {
            merged = merged.merge_labeled(&label, &next, &next_label)?;
            label = format!("{label} + {next_label}");
        }
        Ok(merged)
    }

    /// How errors name the parsed sources.
    fn parsed_label(&self) -> String {
        match (self.headers.is_empty(), self.cdefs.is_empty()) {
            (false, true) => "the headers".into(),
            (true, false) => "--cdef".into(),
            _ => "the headers and --cdef".into(),
        }
    }

    /// The declarations of -H and --cdef, parsed with -I, -D and --target
    /// (without keeping a copy of every file read, which only a database needs).
    #[cfg(feature = "clang")]
    fn parse(&self) -> Result<TypeSet> {
        Ok(self.parser()?.parse()?)
    }

    /// Without libclang there is nothing to parse -H and --cdef with.
    #[cfg(not(feature = "clang"))]
    fn parse(&self) -> Result<TypeSet> {
        Err(without_front_end("libclang", "clang", "-H and --cdef"))
    }

    /// The declarations of -H and --cdef, parsed with -I, -D and --target, and
    /// the inputs the parse read.
    #[cfg(feature = "clang")]
    pub(crate) fn parse_with_inputs(&self) -> Result<(TypeSet, wyvern::frontend::Inputs)> {
        Ok(self.parser()?.parse_with_inputs()?)
    }

    /// Without libclang there is nothing to parse -H and --cdef with.
    #[cfg(not(feature = "clang"))]
    pub(crate) fn parse_with_inputs(&self) -> Result<(TypeSet, wyvern::frontend::Inputs)> {
        Err(without_front_end("libclang", "clang", "-H and --cdef"))
    }

    /// The libclang parser of -H, --cdef, -I, -D and --target.
    #[cfg(feature = "clang")]
    fn parser(&self) -> Result<wyvern::Parser> {
        if self.headers.is_empty() && self.cdefs.is_empty() {
            return Err(UsageError(
                "no declarations given: add -H HEADER, --cdef TEXT, --dwarf OBJECT or --db FILE"
                    .into(),
            )
            .into());
        }
        let mut parser = wyvern::Parser::new();
        for h in &self.headers {
            parser = parser.header(h.as_str());
        }
        for c in &self.cdefs {
            parser = parser.cdef(c.as_str());
        }
        for d in &self.include_dirs {
            parser = parser.include_dir(d);
        }
        for d in &self.defines {
            parser = match d.split_once('=') {
                Some((name, value)) => parser.define(name, Some(value)),
                None => parser.define(d.as_str(), None),
            };
        }
        if let Some(t) = &self.target {
            parser = parser.target(t.as_str());
        }
        Ok(parser)
    }

    /// A database's declarations: for this machine, or for the `--target` given.
    fn load_db(&self, path: &Path) -> Result<TypeSet> {
        let database = wyvern::db::Database::open(path)?;
        match &self.target {
            None => database
                .into_host_types()
                .map_err(|e| anyhow::anyhow!("{}: {e}", path.display())),
            Some(triple) if same_target(&database.target().triple, triple) => {
                Ok(database.types().clone())
            }
            Some(triple) => bail!(
                "{}: the database is for {}, not --target {triple}",
                path.display(),
                database.target().triple
            ),
        }
    }
}

/// Whether two target triples name the same target: clang normalises what the
/// user writes (`i686-linux-gnu` is recorded as `i686-unknown-linux-gnu`,
/// `x86_64-linux-gnu` as `x86_64-pc-linux-gnu`), so the vendor, which changes
/// no layout or calling convention on the targets wyvern lays out, is left out.
fn same_target(recorded: &str, asked: &str) -> bool {
    fn parts(triple: &str) -> impl Iterator<Item = &str> {
        triple
            .split('-')
            .enumerate()
            .filter(|&(i, part)| i == 0 || !matches!(part, "pc" | "unknown"))
            .map(|(_, part)| part)
    }
    parts(recorded).eq(parts(asked))
}

/// The error for a source whose front end this build left out.
#[cfg(not(all(feature = "clang", feature = "dwarf")))]
fn without_front_end(support: &str, feature: &str, flags: &str) -> anyhow::Error {
    anyhow::anyhow!(
        "this wyvern was built without {support} support (feature `{feature}`): \
         {flags} cannot be read; rebuild with `--features {feature}`, or use --db"
    )
}

/// The declarations of an object's DWARF.
#[cfg(feature = "dwarf")]
pub(crate) fn read_dwarf(path: &Path) -> Result<TypeSet> {
    Ok(wyvern::frontend::dwarf::read(path)?)
}

/// The named types of an object's DWARF, and what they use.
#[cfg(feature = "dwarf")]
pub(crate) fn read_dwarf_types(path: &Path, names: &[&str]) -> Result<TypeSet> {
    Ok(wyvern::frontend::dwarf::read_types(path, names)?)
}

/// Without gimli there is no reading --dwarf.
#[cfg(not(feature = "dwarf"))]
pub(crate) fn read_dwarf(_path: &Path) -> Result<TypeSet> {
    Err(without_front_end("DWARF", "dwarf", "--dwarf"))
}

/// Without gimli there is no reading --dwarf.
#[cfg(not(feature = "dwarf"))]
pub(crate) fn read_dwarf_types(_path: &Path, _names: &[&str]) -> Result<TypeSet> {
    Err(without_front_end("DWARF", "dwarf", "--dwarf"))
}
