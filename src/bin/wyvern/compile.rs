//! `wyvern compile`: save declarations as a precompiled type database, or check
//! that one is up to date with its sources.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use clap::Args;
use wyvern::db::Database;
use wyvern::frontend::Inputs;
use wyvern::TypeSet;

use crate::args::{Sources, UsageError};

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("mode").required(true).args(["output", "check"])))]
pub(crate) struct CompileArgs {
    /// Where to write the database (FILE.wydb).
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    output: Option<PathBuf>,
    /// Check that this database is up to date with SOURCES (exit 1 when it is not).
    #[arg(long, value_name = "FILE")]
    check: Option<PathBuf>,
    #[command(flatten)]
    sources: Sources,
}

pub(crate) fn run(args: &CompileArgs, out: &mut dyn Write) -> Result<()> {
    let (types, inputs) = read(&args.sources)?;
    if let Some(path) = &args.check {
        let database = Database::open(path)?;
        let mut changes = database.changes(&inputs);
        if database.target() != types.target() {
            changes.push(format!(
                "the target changed: made for {}, now {}",
                database.target().triple,
                types.target().triple
            ));
        }
        if !changes.is_empty() {
            bail!(
                "{} is out of date with its sources:\n  {}",
                path.display(),
                changes.join("\n  ")
            );
        }
        writeln!(
            out,
            "{} is up to date ({} files read, inputs sha256 {})",
            path.display(),
            database.inputs().files.len(),
            database.inputs().hex()
        )?;
        return Ok(());
    }
    let Some(path) = &args.output else {
        return Err(UsageError("compile needs -o FILE or --check FILE".into()).into());
    };
    let database = Database::new(types, &inputs);
    let bytes = database.to_bytes();
    std::fs::write(path, &bytes).with_context(|| format!("cannot write {}", path.display()))?;
    let t = database.types();
    writeln!(
        out,
        "wrote {} ({} bytes, for {}): {} functions, {} records, {} enums, {} typedefs, \
         {} globals, {} constants, from {} files",
        path.display(),
        bytes.len(),
        t.target().triple,
        t.functions().count(),
        t.records().count(),
        t.enums().count(),
        t.typedefs().count(),
        t.globals().count(),
        t.constants().count(),
        database.inputs().files.len()
    )?;
    Ok(())
}

/// The declarations, and what was read to make them.
fn read(sources: &Sources) -> Result<(TypeSet, Inputs)> {
    if sources.db.is_some() {
        return Err(UsageError(
            "compile reads headers (-H, --cdef) or DWARF (--dwarf), not another database".into(),
        )
        .into());
    }
    let Some(object) = &sources.dwarf else {
        return Ok(sources.parser()?.parse_with_inputs()?);
    };
    if !sources.headers.is_empty() || !sources.cdefs.is_empty() {
        return Err(UsageError(
            "compile reads either headers (-H, --cdef) or DWARF (--dwarf), not both".into(),
        )
        .into());
    }
    let types = wyvern::frontend::dwarf::read(object)?;
    let contents =
        std::fs::read(object).with_context(|| format!("cannot read {}", object.display()))?;
    let name = std::fs::canonicalize(object).unwrap_or_else(|_| object.clone());
    let inputs = Inputs {
        reader: concat!("wyvern ", env!("CARGO_PKG_VERSION"), " DWARF reader").into(),
        flags: Vec::new(),
        files: vec![(name.display().to_string(), contents)],
    };
    Ok((types, inputs))
}
