//! Running the `wyvern` binary and other programs, and what they left behind.
//! Needs nothing from the library, so a test built without a front end
//! (`cli_noparser`) includes this file alone.

use std::ffi::OsStr;
use std::process::{Command, Stdio};

/// The `wyvern` binary cargo built for this test run.
pub fn wyvern_bin() -> &'static str {
    env!("CARGO_BIN_EXE_wyvern")
}

/// What a finished process left behind.
#[derive(Debug, PartialEq, Eq)]
pub struct Output {
    /// The exit status, `None` when a signal killed the process.
    pub status: Option<i32>,
    /// Everything it printed on stdout (invalid UTF-8 replaced).
    pub stdout: String,
    /// Whether stdout was valid UTF-8, replacing nothing.
    pub stdout_is_utf8: bool,
    /// Everything it printed on stderr.
    pub stderr: String,
}

impl Output {
    /// Whether the process exited with status 0.
    pub fn success(&self) -> bool {
        self.status == Some(0)
    }

    /// A few lines to paste into a failure message.
    pub fn describe(&self) -> String {
        format!(
            "status: {:?}\n--- stderr ---\n{}\n--- stdout (first 2000 bytes) ---\n{}",
            self.status,
            self.stderr.trim_end(),
            truncate(&self.stdout, 2000)
        )
    }
}

/// A command running `wyvern` with `args` from the package's root (no shell:
/// `<stdio.h>` is passed as it is), to add to (`.env`, pipes) before running it.
pub fn wyvern_command<S: AsRef<OsStr>>(args: &[S]) -> Command {
    let mut command = Command::new(wyvern_bin());
    command.args(args).current_dir(env!("CARGO_MANIFEST_DIR"));
    command
}

/// Runs `wyvern` with `args` (see [`wyvern_command`]) to completion.
pub fn run_wyvern<S: AsRef<OsStr>>(args: &[S]) -> Output {
    run(&mut wyvern_command(args))
}

/// Runs `wyvern` with `args` and the environment variable `name` set to `value`.
pub fn run_wyvern_with_env<S: AsRef<OsStr>>(
    (name, value): (&str, impl AsRef<OsStr>),
    args: &[S],
) -> Output {
    run(wyvern_command(args).env(name, value))
}

/// Runs `command` to completion with no standard input.
pub fn run(command: &mut Command) -> Output {
    let output = command
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|err| panic!("cannot run {command:?}: {err}"));
    Output {
        status: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stdout_is_utf8: std::str::from_utf8(&output.stdout).is_ok(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// The first `max` bytes of `text` (on a char boundary).
pub fn truncate(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}
