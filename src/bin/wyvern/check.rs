//! `wyvern check`: a header's view of a library against the library's own DWARF.

use std::io::Write;

use anyhow::Result;
use clap::Args;

use crate::args::{Sources, UsageError};

#[derive(Debug, Args)]
pub(crate) struct CheckArgs {
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
    /// Also report items declared in system headers (by default only the -H files
    /// that are paths, and --cdef text, are checked when there are any).
    #[arg(long)]
    all: bool,
    #[command(flatten)]
    sources: Sources,
}

/// The header's view against the binary's: exit status 1 when they differ.
pub(crate) fn run(args: &CheckArgs, out: &mut dyn Write) -> Result<()> {
    let Some(object) = &args.sources.dwarf else {
        return Err(
            UsageError("check compares headers with a binary: add --dwarf OBJECT".into()).into(),
        );
    };
    let mut header_sources = args.sources.clone();
    header_sources.dwarf = None;
    let header = header_sources.load()?;
    let binary = crate::args::read_dwarf(object)?;
    let mut report = wyvern::check::compare(&header, &binary);
    let own = own_files(&args.sources);
    if !args.all && !own.is_empty() {
        report.differences.retain(|d| {
            d.location
                .as_ref()
                .is_none_or(|l| own.iter().any(|f| same_file(f, &l.file)))
        });
    }
    if args.json {
        crate::write_json(out, &report)?;
    } else {
        write!(out, "{report}")?;
    }
    if report.is_clean() {
        Ok(())
    } else {
        out.flush()?;
        anyhow::bail!(
            "the headers and '{}' differ ({} differences)",
            object.display(),
            report.differences.len()
        )
    }
}

/// The user's own declarations: header paths (not `<system.h>` names) and cdef text.
fn own_files(sources: &Sources) -> Vec<String> {
    let mut files: Vec<String> = sources
        .headers
        .iter()
        .filter(|h| !h.trim().starts_with('<'))
        .filter_map(|h| std::fs::canonicalize(h.trim()).ok())
        .map(|p| p.display().to_string())
        .collect();
    if !sources.cdefs.is_empty() {
        files.push("<cdef>".into());
    }
    files
}

fn same_file(own: &str, location: &str) -> bool {
    own == location || std::fs::canonicalize(location).is_ok_and(|p| p.display().to_string() == own)
}
