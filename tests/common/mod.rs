//! Helpers shared by the tests that check wyvern against gcc and its CLI
//! contract: running the `wyvern` binary, compiling and running generated C
//! programs with gcc in scratch directories, mapping gcc's errors back to the
//! generated lines, and running independent jobs on two threads.

pub mod abi;
pub mod corpus;
pub mod db;
pub mod process;
pub mod random_c;
pub mod random_gen;
pub mod random_types;
pub mod rng;

pub use rng::{env_number, Rng};

pub use process::{run, run_wyvern, run_wyvern_with_env, truncate, Output};

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

/// The directory of the fixture headers.
pub fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("include-fixtures")
}

/// The absolute path of a fixture, e.g. `fixture("records.h")`.
pub fn fixture(name: &str) -> PathBuf {
    fixtures_dir().join(name)
}

/// Runs `wyvern` and parses its stdout as JSON, or explains why it could not.
pub fn wyvern_json<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> Result<serde_json::Value, String> {
    let output = run_wyvern(args);
    let shown: Vec<String> = args
        .iter()
        .map(|a| a.as_ref().to_string_lossy().into_owned())
        .collect();
    if !output.success() {
        return Err(format!(
            "`wyvern {}` failed\n{}",
            shown.join(" "),
            output.describe()
        ));
    }
    serde_json::from_str(&output.stdout).map_err(|err| {
        format!(
            "`wyvern {}` printed invalid JSON: {err}\n{}",
            shown.join(" "),
            output.describe()
        )
    })
}

/// Whether `#include <name>` preprocesses with gcc (for optional libraries).
pub fn header_installed(name: &str) -> bool {
    let dir = TempDir::new("header-probe");
    let file = dir.path().join("probe.c");
    std::fs::write(&file, format!("#include <{name}>\n")).expect("write probe source");
    run(Command::new("gcc")
        .args(["-E", "-o", "/dev/null"])
        .arg(&file))
    .success()
}

/// Whether gcc can build and run programs for `-m32` (gcc-multilib).
pub fn gcc_m32_works() -> bool {
    let dir = TempDir::new("m32-probe");
    let file = dir.path().join("probe.c");
    std::fs::write(
        &file,
        "int main(void) { return sizeof(long) == 4 ? 0 : 1; }\n",
    )
    .expect("write probe source");
    let exe = dir.path().join("probe");
    let built = run(Command::new("gcc")
        .args(["-m32", "-o"])
        .arg(&exe)
        .arg(&file));
    built.success() && run(&mut Command::new(&exe)).success()
}

/// A scratch directory under the system temp dir, removed when dropped
/// unless [`TempDir::keep`] was called (to look at a failing program).
pub struct TempDir {
    path: PathBuf,
    keep: bool,
}

impl TempDir {
    /// Creates a new, empty, uniquely named directory; `tag` goes in its name.
    pub fn new(tag: &str) -> TempDir {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let tag: String = tag
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect();
        let path = std::env::temp_dir().join(format!(
            "wyvern-test-{}-{}-{tag}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path)
            .unwrap_or_else(|err| panic!("cannot create {}: {err}", path.display()));
        TempDir { path, keep: false }
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Leaves the directory on disk after the test, and returns its path.
    pub fn keep(&mut self) -> &Path {
        self.keep = true;
        &self.path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        if !self.keep {
            let _ = std::fs::remove_dir_all(&self.path);
        }
    }
}

/// A generated C program together with what each of its lines is about, so
/// gcc's errors can be blamed on the record, field or constant that caused
/// them.
#[derive(Default)]
pub struct CProgram<K> {
    text: String,
    line: usize,
    owners: BTreeMap<usize, K>,
}

impl<K: Clone> CProgram<K> {
    /// An empty program.
    pub fn new() -> Self {
        CProgram {
            text: String::new(),
            line: 0,
            owners: BTreeMap::new(),
        }
    }

    /// Appends lines that belong to nothing in particular.
    pub fn push(&mut self, text: &str) {
        self.push_lines(text, None);
    }

    /// Appends lines whose errors are blamed on `owner`.
    pub fn push_owned(&mut self, text: &str, owner: K) {
        self.push_lines(text, Some(owner));
    }

    fn push_lines(&mut self, text: &str, owner: Option<K>) {
        for line in text.lines() {
            self.line += 1;
            if let Some(owner) = &owner {
                self.owners.insert(self.line, owner.clone());
            }
            let _ = writeln!(self.text, "{line}");
        }
    }

    /// The program text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// What line `line` (1-based) belongs to.
    pub fn owner(&self, line: usize) -> Option<&K> {
        self.owners.get(&line)
    }
}

/// gcc's error messages about `file_name`, by line, in the order gcc gave them.
/// Messages about other files (a header) are collected under line 0.
pub fn gcc_errors(stderr: &str, file_name: &str) -> BTreeMap<usize, Vec<String>> {
    let mut errors: BTreeMap<usize, Vec<String>> = BTreeMap::new();
    for line in stderr.lines() {
        if !line.contains(": error: ") && !line.contains(": fatal error: ") {
            continue;
        }
        let here = line
            .strip_prefix(file_name)
            .and_then(|rest| rest.strip_prefix(':'))
            .and_then(|rest| rest.split(':').next())
            .and_then(|number| number.parse::<usize>().ok());
        errors
            .entry(here.unwrap_or(0))
            .or_default()
            .push(line.to_string());
    }
    errors
}

/// The result of compiling a generated program.
pub enum Compiled {
    /// The executable.
    Ok(PathBuf),
    /// gcc failed; its stderr.
    Failed(String),
}

impl Compiled {
    /// The executable or library built; a test's own C that does not compile
    /// fails the test with the compiler's message.
    pub fn built(self) -> PathBuf {
        match self {
            Compiled::Ok(path) => path,
            Compiled::Failed(e) => panic!("{e}"),
        }
    }
}

/// What every gcc run of the tests is given: the C dialect wyvern parses, no
/// warnings, every error reported, and errors located where they are written.
const GCC_FLAGS: [&str; 4] = [
    "-std=gnu17",
    "-w",
    "-fmax-errors=0",
    "-ftrack-macro-expansion=0",
];

/// `gcc -std=gnu17 -w <flags>`, into `dir/name`.
pub fn gcc_compile(dir: &Path, name: &str, source: &str, flags: &[&str]) -> Compiled {
    compile(Path::new("gcc"), &GCC_FLAGS, dir, name, source, flags)
}

/// `clang -std=gnu17 -w <flags>`, into `dir/name`, as [`gcc_compile`].
pub fn clang_compile(dir: &Path, name: &str, source: &str, flags: &[&str]) -> Compiled {
    compile(
        &clang_driver(),
        &["-std=gnu17", "-w"],
        dir,
        name,
        source,
        flags,
    )
}

/// Writes `source` to `dir/name.c` and compiles it with `compiler` into `dir/name`.
fn compile(
    compiler: &Path,
    dialect: &[&str],
    dir: &Path,
    name: &str,
    source: &str,
    flags: &[&str],
) -> Compiled {
    let file = dir.join(format!("{name}.c"));
    std::fs::write(&file, source).expect("write C source");
    let exe = dir.join(name);
    let output = run(Command::new(compiler)
        .current_dir(dir)
        .args(dialect)
        .args(flags)
        .arg("-o")
        .arg(&exe)
        .arg(format!("{name}.c")));
    if output.success() {
        Compiled::Ok(exe)
    } else {
        Compiled::Failed(output.stderr)
    }
}

/// The clang driver (`clang`, or the newest `/usr/lib/llvm-N/bin/clang`), for
/// fixtures of the other producer; `scripts/setup.sh` installs one. Found once.
pub fn clang_driver() -> PathBuf {
    static CLANG: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    CLANG.get_or_init(|| tool("clang")).clone()
}

/// A tool of binutils or LLVM (`clang`, `dwp`, `llvm-dwp`) by its plain name, or
/// in the newest `/usr/lib/llvm-N/bin`.
pub fn tool(name: &str) -> PathBuf {
    let works = |p: &Path| {
        Command::new(p)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if works(Path::new(name)) {
        return PathBuf::from(name);
    }
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let dir = e.file_name().into_string().ok()?;
            let version = dir.strip_prefix("llvm-")?.parse().ok()?;
            let path = e.path().join("bin").join(name);
            path.is_file().then_some((version, path))
        })
        .collect();
    found.sort();
    match found.pop() {
        Some((_, path)) => path,
        None => panic!("no {name}: run scripts/setup.sh (it installs binutils, clang and llvm)"),
    }
}

/// Only checks `source` with `gcc -fsyntax-only`; returns gcc's stderr on failure.
pub fn gcc_syntax_check(
    dir: &Path,
    name: &str,
    source: &str,
    flags: &[&str],
) -> Result<(), String> {
    let file = format!("{name}.c");
    std::fs::write(dir.join(&file), source).expect("write C source");
    let output = run(Command::new("gcc")
        .current_dir(dir)
        .args(GCC_FLAGS)
        .arg("-fsyntax-only")
        .args(flags)
        .arg(&file));
    if output.success() {
        Ok(())
    } else {
        Err(output.stderr)
    }
}

/// Runs a compiled program and returns its stdout.
pub fn run_program(exe: &Path) -> Result<String, String> {
    let output = run(&mut Command::new(exe));
    if output.success() {
        Ok(output.stdout)
    } else {
        Err(format!("{} failed\n{}", exe.display(), output.describe()))
    }
}

/// Applies `job` to every item on up to two threads (the machine has two
/// cores), and returns the results in the order of `items`.
pub fn in_parallel<T: Sync, R: Send>(items: &[T], job: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, 2);
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<R>>> = Mutex::new((0..items.len()).map(|_| None).collect());
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| loop {
                let index = next.fetch_add(1, Ordering::Relaxed);
                let Some(item) = items.get(index) else {
                    break;
                };
                let result = job(item);
                results.lock().unwrap()[index] = Some(result);
            });
        }
    });
    results
        .into_inner()
        .unwrap()
        .into_iter()
        .map(|result| result.expect("every job ran"))
        .collect()
}

/// A C string literal holding `text`.
pub fn c_string(text: &str) -> String {
    let mut literal = String::from("\"");
    for c in text.chars() {
        match c {
            '"' | '\\' => {
                literal.push('\\');
                literal.push(c);
            }
            '\n' => literal.push_str("\\n"),
            c if c.is_ascii_graphic() || c == ' ' => literal.push(c),
            c => {
                let mut buf = [0; 4];
                for byte in c.encode_utf8(&mut buf).bytes() {
                    let _ = write!(literal, "\\{byte:03o}");
                }
            }
        }
    }
    literal.push('"');
    literal
}

/// A fixture's C source (`include-fixtures/<stem>.c`) built into a shared
/// library, once per test binary, in a scratch directory that lives for the
/// process (removed when it exits).
pub struct FixtureLibrary {
    /// The directory holding the library (and anything else built for it).
    pub dir: PathBuf,
    /// The shared library, `lib<stem>.so`.
    pub library: PathBuf,
    /// The fixture's header, `include-fixtures/<stem>.h`.
    pub header: PathBuf,
}

impl FixtureLibrary {
    /// The fixture's header parsed and bound to this library.
    pub fn module(&self) -> wyvern::Module {
        let types = wyvern::Parser::new()
            .header(self.header.to_str().expect("UTF-8 path"))
            .parse()
            .unwrap_or_else(|e| panic!("{} does not parse: {e}", self.header.display()));
        // SAFETY: the fixture libraries have no initialisers.
        let library = unsafe { wyvern::Library::open(self.library.to_str().expect("UTF-8 path")) }
            .unwrap_or_else(|e| panic!("{e}"));
        wyvern::Module::new(types, library)
    }

    /// The gcc flags that let a driver program `#include "<stem>.h"` and link
    /// this very library (found again at run time through its rpath).
    pub fn link_flags(&self) -> Vec<String> {
        vec![
            "-I".into(),
            fixtures_dir().display().to_string(),
            "-Wl,--no-as-needed".into(),
            self.library.display().to_string(),
            format!("-Wl,-rpath,{}", self.dir.display()),
        ]
    }
}

/// Builds `include-fixtures/<stem>.c` with `gcc -shared -fPIC -O1` the first
/// time it is asked for in this process, and returns the same library after
/// that. Panics with gcc's errors if it does not build.
pub fn fixture_library(stem: &str) -> &'static FixtureLibrary {
    own_fixture_library(stem, "")
}

/// [`fixture_library`], but `owner`'s own build of it (unless `owner` is
/// empty), in a directory of its own and so loaded as an object of its own:
/// for a test module that writes the library's globals, which the other test
/// modules of this process must not see.
pub fn own_fixture_library(stem: &str, owner: &str) -> &'static FixtureLibrary {
    let key = if owner.is_empty() {
        stem.to_owned()
    } else {
        format!("{stem}-{owner}")
    };
    type Built = BTreeMap<String, &'static FixtureLibrary>;
    static BUILT: std::sync::OnceLock<Mutex<Built>> = std::sync::OnceLock::new();
    static DIRS: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());
    extern "C" fn remove_dirs() {
        if let Ok(dirs) = DIRS.lock() {
            for dir in dirs.iter() {
                let _ = std::fs::remove_dir_all(dir);
            }
        }
    }
    let mut built = BUILT
        .get_or_init(|| Mutex::new(BTreeMap::new()))
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(found) = built.get(&key) {
        return found;
    }
    let mut scratch = TempDir::new(&format!("fixture-{key}"));
    let dir = scratch.keep().to_path_buf();
    {
        let mut dirs = DIRS.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if dirs.is_empty() {
            // SAFETY: registers a plain function that only removes directories.
            unsafe { libc::atexit(remove_dirs) };
        }
        dirs.push(dir.clone());
    }
    let source = fixture(&format!("{stem}.c"));
    let library = dir.join(format!("lib{stem}.so"));
    let output = run(Command::new("gcc")
        .args(GCC_FLAGS)
        .args(["-shared", "-fPIC", "-O1", "-I"])
        .arg(fixtures_dir())
        .arg("-o")
        .arg(&library)
        .arg(&source));
    assert!(
        output.success(),
        "gcc could not build {}\n{}",
        source.display(),
        output.describe()
    );
    let entry: &'static FixtureLibrary = Box::leak(Box::new(FixtureLibrary {
        dir,
        library,
        header: fixture(&format!("{stem}.h")),
    }));
    built.insert(key, entry);
    entry
}
