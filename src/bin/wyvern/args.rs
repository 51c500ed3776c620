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

/// Where declarations come from; accepted by every subcommand, combinable.
#[derive(Debug, Args, Clone)]
pub(crate) struct Sources {
    /// A header file, or <name.h> to search the system include path (repeatable).
    #[arg(short = 'H', long = "header", value_name = "FILE")]
    pub(crate) headers: Vec<String>,
    /// C declarations as text (repeatable).
    #[arg(long = "cdef", value_name = "TEXT")]
    pub(crate) cdefs: Vec<String>,
    /// An object with DWARF debug info (.so, .o, executable).
    #[arg(long, value_name = "OBJECT")]
    pub(crate) dwarf: Option<PathBuf>,
    /// A precompiled type database (.wydb).
    #[arg(long, value_name = "FILE")]
    pub(crate) db: Option<PathBuf>,
    /// An include directory (repeatable).
    #[arg(short = 'I', value_name = "DIR")]
    pub(crate) include_dirs: Vec<PathBuf>,
    /// Define a macro: NAME or NAME=VALUE (repeatable).
    #[arg(short = 'D', value_name = "NAME[=VALUE]")]
    pub(crate) defines: Vec<String>,
    /// Lay out types for another target triple (e.g. i686-linux-gnu).
    #[arg(long, value_name = "TRIPLE")]
    pub(crate) target: Option<String>,
}

impl Sources {
    /// Parses the sources into one type set.
    pub(crate) fn load(&self) -> Result<TypeSet> {
        if let Some(path) = &self.db {
            return self.load_db(path);
        }
        if let Some(path) = &self.dwarf {
            if !self.headers.is_empty() || !self.cdefs.is_empty() {
                return Err(UsageError(
                    "--dwarf cannot be combined with -H/--cdef here (wyvern check compares them)"
                        .into(),
                )
                .into());
            }
            return Ok(wyvern::frontend::dwarf::read(path)?);
        }
        Ok(self.parser()?.parse()?)
    }

    /// The libclang parser of -H, --cdef, -I, -D and --target.
    pub(crate) fn parser(&self) -> Result<wyvern::Parser> {
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
        let others = [
            (!self.headers.is_empty(), "-H"),
            (!self.cdefs.is_empty(), "--cdef"),
            (self.dwarf.is_some(), "--dwarf"),
            (!self.include_dirs.is_empty(), "-I"),
            (!self.defines.is_empty(), "-D"),
        ];
        let others: Vec<&str> = others.iter().filter(|o| o.0).map(|o| o.1).collect();
        if !others.is_empty() {
            return Err(UsageError(format!(
                "--db cannot be combined with {} (a database holds parsed declarations): \
                 compile everything into one database with `wyvern compile`",
                others.join(", ")
            ))
            .into());
        }
        let database = wyvern::db::Database::open(path)?;
        match &self.target {
            None => database
                .into_host_types()
                .map_err(|e| anyhow::anyhow!("{}: {e}", path.display())),
            Some(triple) if *triple == database.target().triple => Ok(database.types().clone()),
            Some(triple) => bail!(
                "{}: the database is for {}, not --target {triple}",
                path.display(),
                database.target().triple
            ),
        }
    }
}
