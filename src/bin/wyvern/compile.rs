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

/// The declarations, and what was read to make them: the parsed headers' inputs,
/// and the --dwarf object and --db file themselves.
fn read(sources: &Sources) -> Result<(TypeSet, Inputs)> {
    sources.check_given()?;
    let (parsed, mut inputs) = if sources.parses() {
        let (types, inputs) = sources.parse_with_inputs()?;
        (Some(types), inputs)
    } else {
        let inputs = Inputs {
            reader: String::new(),
            flags: Vec::new(),
            files: Vec::new(),
        };
        (None, inputs)
    };
    let types = sources.combine(parsed)?;
    let mut readers = vec![std::mem::take(&mut inputs.reader)];
    for (path, reader) in [
        (
            &sources.dwarf,
            concat!("wyvern ", env!("CARGO_PKG_VERSION"), " DWARF reader"),
        ),
        (
            &sources.db,
            concat!("wyvern ", env!("CARGO_PKG_VERSION"), " database reader"),
        ),
    ] {
        let Some(path) = path else { continue };
        let contents =
            std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
        let name = std::fs::canonicalize(path).unwrap_or_else(|_| path.clone());
        inputs.files.push((name.display().to_string(), contents));
        readers.push(reader.into());
    }
    readers.retain(|r| !r.is_empty());
    inputs.reader = readers.join(" + ");
    Ok((types, inputs))
}
