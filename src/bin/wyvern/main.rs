//! The `wyvern` command-line tool. The contract (flags, output shapes, exit codes)
//! is in DESIGN.md; tools outside the crate rely on it.
//!
//! Exit status: 0 on success, 1 when the operation failed, 2 for a usage error.
//! A closed pipe (`wyvern dump | head`) counts as success.

mod args;
mod call;
mod check;
mod compile;
mod crash;
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
            let _ = writeln!(io::stderr(), "error: {}", message(&e));
            if e.downcast_ref::<args::UsageError>().is_some() {
                ExitCode::from(2)
            } else {
                ExitCode::from(1)
            }
        }
    }
}

/// The error's text: each context the CLI added, then the error under them, down
/// to the first of wyvern's errors, whose text already says its causes' (which
/// its `source()` chain repeats).
fn message(e: &anyhow::Error) -> String {
    let mut text = String::new();
    for (i, cause) in e.chain().enumerate() {
        if i > 0 {
            text.push_str(": ");
        }
        text.push_str(&cause.to_string());
        if cause.is::<wyvern::Error>() {
            break;
        }
    }
    text
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

#[cfg(test)]
mod tests {
    use super::message;

    #[test]
    fn an_error_with_a_cause_says_the_cause_once() {
        let missing = wyvern::db::load_path("/nonexistent/wyvern.wydb").unwrap_err();
        let shown = missing.to_string();
        assert!(std::error::Error::source(&missing).is_some());
        let e = anyhow::Error::from(missing);
        assert_eq!(message(&e), shown);
        let e = e.context("reading the database");
        assert_eq!(message(&e), format!("reading the database: {shown}"));
    }

    #[test]
    fn contexts_and_foreign_errors_are_all_said() {
        let io = std::io::Error::other("disk on fire");
        let e = anyhow::Error::from(io).context("writing out.wydb");
        assert_eq!(message(&e), "writing out.wydb: disk on fire");
    }
}
