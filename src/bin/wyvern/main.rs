//! The `wyvern` command-line tool. The contract (flags, output shapes, exit codes)
//! is in DESIGN.md; tools outside the crate rely on it.
//!
//! Exit status: 0 on success, 1 when the operation failed, 2 for a usage error.
//! A closed pipe (`wyvern dump | head`) counts as success.

mod args;
mod call;
mod check;
mod compile;
mod dump;
mod layout;
mod literal;

use std::io::{self, Write};
use std::process::ExitCode;

use clap::Parser as _;

use args::{Cli, Command};

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let mut out = io::BufWriter::new(io::stdout().lock());
    let result = match &cli.command {
        Command::Layout(a) => layout::run(a, &mut out),
        Command::Dump(a) => dump::run(a, &mut out),
        Command::Call(a) => call::run(a, &mut out),
        Command::Check(a) => check::run(a, &mut out),
        Command::Compile(a) => compile::run(a, &mut out),
    };
    let result = result.and_then(|()| out.flush().map_err(anyhow::Error::from));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            // A closed stderr must not turn an error into a panic.
            let _ = writeln!(io::stderr(), "error: {e:#}");
            if e.downcast_ref::<args::UsageError>().is_some() {
                ExitCode::from(2)
            } else {
                ExitCode::from(1)
            }
        }
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<io::Error>()
            .is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe)
    })
}

/// Writes a JSON value followed by a newline.
pub(crate) fn write_json(out: &mut dyn Write, value: &impl serde::Serialize) -> anyhow::Result<()> {
    // As an io::Error, a closed pipe is recognised as one.
    serde_json::to_writer_pretty(&mut *out, value).map_err(io::Error::from)?;
    writeln!(out)?;
    Ok(())
}
