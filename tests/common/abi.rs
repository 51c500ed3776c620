//! Pieces shared by the generated-ABI tests (`abi_random` for System V,
//! `abi_ms` for `ms_abi`): C literals, the library's log buffer, the driver's
//! expected output, and the child process that runs the wyvern side so that a
//! crash costs one function rather than the whole test.

use std::collections::HashMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use wyvern::{Library, Module, Parser};

use super::{gcc_compile, run_program, Compiled, Output};

/// A C hexadecimal floating literal with exactly the value of `v`.
pub fn hex_float(v: f64) -> String {
    if v == 0.0 {
        return if v.is_sign_negative() { "-0.0" } else { "0.0" }.to_string();
    }
    let bits = v.to_bits();
    let sign = if v < 0.0 { "-" } else { "" };
    let exp = ((bits >> 52) & 0x7ff) as i64;
    let frac = bits & ((1 << 52) - 1);
    if exp == 0 {
        format!("{sign}0x0.{frac:013x}p-1022")
    } else {
        format!("{sign}0x1.{frac:013x}p{}", exp - 1023)
    }
}

/// Writes straight to stderr: the test harness shows captured output only for
/// tests that fail, and the seed should always be visible.
pub fn announce(text: &str) {
    let _ = writeln!(std::io::stderr(), "{text}");
}

/// The library's log (`wyv_log`, `wyv_log_len`), read and reset through its symbols.
pub struct Log {
    text: *mut u8,
    len: *mut u64,
    /// The size of `wyv_log`, as the generated C declares it.
    size: usize,
}

impl Log {
    pub fn new(m: &Module, size: usize) -> Log {
        Log {
            text: m.symbol("wyv_log").expect("wyv_log").cast(),
            len: m.symbol("wyv_log_len").expect("wyv_log_len").cast(),
            size,
        }
    }

    pub fn reset(&self) {
        // SAFETY: the library's own buffer and length; only this thread calls into it.
        unsafe {
            *self.len = 0;
            *self.text = 0;
        }
    }

    pub fn read(&self) -> String {
        // SAFETY: as above; the library keeps `len` within its buffer.
        unsafe {
            let len = (*self.len as usize).min(self.size);
            String::from_utf8_lossy(std::slice::from_raw_parts(self.text, len)).into_owned()
        }
    }
}

/// What the driver printed, by (line kind, index).
pub type Expected = HashMap<(char, usize), String>;

/// Parses the driver's output: one `<kind><index> <text>` line each.
pub fn parse_expected(output: &str) -> Expected {
    let mut expected = HashMap::new();
    for line in output.lines() {
        let (tag, text) = line.split_once(' ').unwrap_or((line, ""));
        let mut chars = tag.chars();
        let kind = chars.next().expect("a tag");
        let index: usize = chars.as_str().parse().expect("an index");
        expected.insert((kind, index), text.to_string());
    }
    expected
}

/// Why [`build`] failed: gcc's errors, or how the driver failed.
pub enum BuildError {
    Library(String),
    Driver(String),
    Run(String),
}

/// Writes `dir/<header>`, compiles `library` (C) into `dir/<library_name>` and
/// the `driver` (C) against it, runs the driver and keeps its output in
/// `dir/expected.txt`; returns that output.
pub fn build(
    dir: &Path,
    (header_name, header): (&str, &str),
    (library_name, library): (&str, &str),
    driver: &str,
) -> Result<String, BuildError> {
    std::fs::write(dir.join(header_name), header)
        .unwrap_or_else(|e| panic!("write {header_name}: {e:?}"));
    if let Compiled::Failed(e) =
        gcc_compile(dir, library_name, library, &["-O1", "-shared", "-fPIC"])
    {
        return Err(BuildError::Library(e));
    }
    let rpath = format!("-Wl,-rpath,{}", dir.display());
    let driver = match gcc_compile(
        dir,
        "driver",
        driver,
        &["-O1", "-Wl,--no-as-needed", library_name, &rpath],
    ) {
        Compiled::Ok(p) => p,
        Compiled::Failed(e) => return Err(BuildError::Driver(e)),
    };
    let output = run_program(&driver).map_err(BuildError::Run)?;
    std::fs::write(dir.join("expected.txt"), &output).expect("write the driver's output");
    Ok(output)
}

/// Reads the driver's output from `dir/expected.txt`, and opens the generated
/// `dir/<library>` with the types of `dir/<header>`.
pub fn load(dir: &Path, header: &str, library: &str) -> (Expected, Module) {
    let expected = parse_expected(
        &std::fs::read_to_string(dir.join("expected.txt")).expect("read the driver's output"),
    );
    let types = Parser::new()
        .header(dir.join(header).to_str().expect("a UTF-8 path"))
        .parse()
        .unwrap_or_else(|e| panic!("wyvern could not parse {header}: {e}"));
    // SAFETY: the generated library has no initialisers.
    let lib = unsafe { Library::open(dir.join(library).to_str().expect("a UTF-8 path")) }
        .unwrap_or_else(|e| panic!("cannot open the library: {e}"));
    (expected, Module::new(types, lib))
}

/// Checks items `from..total`, writing `B <n>` before and `E <n> <problem as
/// JSON or null>` after each to `results`, unbuffered, so a crash leaves the
/// item it happened in.
pub fn check_items(
    from: usize,
    total: usize,
    results: &mut std::fs::File,
    mut check: impl FnMut(usize) -> Result<(), String>,
) {
    for n in from..total {
        writeln!(results, "B {n}").expect("write results");
        let problem = check(n).err();
        let json = serde_json::to_string(&problem).expect("JSON");
        writeln!(results, "E {n} {json}").expect("write results");
    }
}

/// The name of the (ignored) test that runs the wyvern side in a child process.
pub const CHILD_TEST: &str = "wyvern_side_in_a_child_process";

/// What the parent passed to the child process, through `<prefix>_CHILD_SPEC`,
/// `<prefix>_CHILD_DIR` and `<prefix>_CHILD_FROM`.
pub struct ChildTask {
    /// Which spec to build, as the test encoded it.
    pub key: String,
    /// The directory with the generated files.
    pub dir: PathBuf,
    /// The first item to check.
    pub from: usize,
}

impl ChildTask {
    /// The task, or `None` when the test runs directly rather than as a child.
    pub fn from_env(prefix: &str) -> Option<ChildTask> {
        let var = |name: &str| std::env::var(format!("{prefix}_CHILD_{name}"));
        let (Ok(key), Ok(dir), Ok(from)) = (var("SPEC"), var("DIR"), var("FROM")) else {
            return None;
        };
        Some(ChildTask {
            key,
            dir: PathBuf::from(dir),
            from: from.parse().expect("an index"),
        })
    }

    /// The file the child writes its results to.
    pub fn results(&self) -> std::fs::File {
        std::fs::File::create(self.dir.join(format!("results-{}.txt", self.from)))
            .expect("create the results file")
    }
}

/// What the child process found for one item.
pub enum Finding<'a> {
    /// The item differs from gcc: the problem.
    Mismatch(String),
    /// The process crashed checking the item.
    Crash(&'a Output),
}

/// Which test runs the wyvern side in a child process, and how it gets its work.
pub struct Child<'a> {
    /// The `module_path!()` of the test module that holds [`CHILD_TEST`].
    pub module: &'a str,
    /// The prefix of the variables that pass the child its work ([`ChildTask`]).
    pub prefix: &'a str,
}

/// Runs [`CHILD_TEST`] of `child.module` in child processes (this test binary
/// again) to check items `0..total` of the spec `key` (generated in `dir`),
/// again after a crash from the next item, and passes every mismatch and crash
/// to `found`, in order.
///
/// Panics (with `how`) when a child fails other than by crashing in an item;
/// `before(n)` names item `n` in that message.
pub fn run_children(
    child: Child,
    key: &str,
    dir: &Path,
    total: usize,
    how: &str,
    before: impl Fn(usize) -> String,
    mut found: impl FnMut(usize, Finding),
) {
    // The test's name as the harness knows it: its path without the crate's name.
    let Child { module, prefix } = child;
    let test = match module.split_once("::") {
        Some((_, within)) => format!("{within}::{CHILD_TEST}"),
        None => CHILD_TEST.to_string(),
    };
    let mut from = 0;
    while from < total {
        let child = super::run(
            Command::new(std::env::current_exe().expect("the test binary"))
                .args([test.as_str(), "--exact", "--ignored", "--nocapture"])
                .args(["--test-threads", "1"])
                .env(format!("{prefix}_CHILD_SPEC"), key)
                .env(format!("{prefix}_CHILD_DIR"), dir)
                .env(format!("{prefix}_CHILD_FROM"), from.to_string()),
        );
        let results =
            std::fs::read_to_string(dir.join(format!("results-{from}.txt"))).unwrap_or_default();
        let mut begun = None;
        let mut ended = from;
        for line in results.lines() {
            if let Some(n) = line.strip_prefix("B ") {
                begun = Some(n.parse::<usize>().expect("an index"));
            } else if let Some(rest) = line.strip_prefix("E ") {
                let (n, json) = rest.split_once(' ').expect("an index and a result");
                let n: usize = n.parse().expect("an index");
                let problem: Option<String> = serde_json::from_str(json).expect("JSON");
                if let Some(problem) = problem {
                    found(n, Finding::Mismatch(problem));
                }
                ended = n + 1;
            }
        }
        if ended == total && child.success() {
            break;
        }
        match begun {
            Some(n) if n == ended => {
                found(n, Finding::Crash(&child));
                from = n + 1;
            }
            _ => panic!(
                "{how}: the wyvern side failed before {}\n{}",
                before(ended),
                child.describe()
            ),
        }
    }
}
