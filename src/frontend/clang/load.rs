//! Finding and loading libclang once per process, and its builtin headers.
//!
//! libclang is loaded the first time something needs it (a parse, its compiler
//! arguments, its version), never before: reading a database or DWARF does not
//! touch it. It is found without walking the file system, in this order, the
//! first that applies deciding:
//!
//! 1. `LIBCLANG_PATH`, if set and not empty: the library file itself, or a
//!    directory, of which the newest `libclang*.so*` by the version in its name
//!    is taken (one read of that directory). Nothing else is tried: the person
//!    running the program chose.
//! 2. [`Parser::libclang`](super::Parser::libclang), the same way (file or
//!    directory): the program's choice, which `LIBCLANG_PATH` overrides.
//! 3. The places Debian and Ubuntu install it: `/usr/lib` is read once (one
//!    directory, not a walk) for `llvm-N` directories, and for each N, newest
//!    first, the exact files `/usr/lib/llvm-N/lib/libclang-N.so.1`,
//!    `…/libclang.so.1`, `…/libclang-N.so`, `…/libclang.so` and
//!    `/usr/lib/<multiarch>/libclang-N.so.1` are checked with one `stat` each.
//!    The first that opens is taken. Newest first because that is what
//!    clang-sys's search (used before) chose, so no user's libclang changes, and
//!    the newest knows the most C and has the fewest known bugs; the order is
//!    by number, not the order the directory lists them, so it is the same on
//!    every run.
//! 4. The dynamic loader's own search (`LD_LIBRARY_PATH`, `ld.so.cache`, the
//!    default directories): `libclang.so.1`, then `libclang.so` (on macOS the
//!    Command Line Tools' and Xcode's `libclang.dylib`, then `libclang.dylib`; on
//!    Windows `libclang.dll`, then LLVM's installer's place).
//!
//! The choice ([`search`]) is separate from the opening ([`open`]), so it is
//! tested on a fake file tree.
//!
//! The library stays loaded until the process ends, and its functions are
//! called through one process-wide table (`sys::api`), so parses run
//! concurrently from any number of threads without reloading libclang.

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use super::sys::api::{self, Functions};
use crate::error::{ErrorKind, Result};

/// What was loaded: the library, its version, and where its builtin headers are.
pub(crate) struct Libclang {
    /// Kept so the library is never unloaded while its functions are in use.
    _library: libloading::Library,
    /// The file it was opened from (for a name the loader resolved, the file the
    /// loader chose).
    path: PathBuf,
    /// `clang_getClangVersion()`.
    pub(crate) version: String,
    /// The `include` directory of the resource dir matching this libclang.
    pub(crate) builtin_includes: Option<PathBuf>,
}

static LIBCLANG: OnceLock<std::result::Result<Libclang, String>> = OnceLock::new();

/// The environment variable that chooses the libclang.
const ENV: &str = "LIBCLANG_PATH";

/// Loads libclang (once per process). `explicit` is a [`Parser::libclang`]
/// choice: it decides the first load when `LIBCLANG_PATH` is not set, and later
/// it must name the library already loaded.
///
/// [`Parser::libclang`]: super::Parser::libclang
pub(crate) fn ensure_loaded(explicit: Option<&Path>) -> Result<&'static Libclang> {
    let env = std::env::var_os(ENV).filter(|v| !v.is_empty());
    let loaded = LIBCLANG.get_or_init(|| load(env.as_deref(), explicit));
    let lib = match loaded {
        Ok(lib) => lib,
        Err(message) => {
            return Err(ErrorKind::LibclangUnavailable {
                message: message.clone(),
            }
            .into())
        }
    };
    if let (None, Some(wanted)) = (&env, explicit) {
        let same = resolve(wanted, "Parser::libclang")
            .ok()
            .and_then(|file| std::fs::canonicalize(file).ok())
            .is_some_and(|file| std::fs::canonicalize(&lib.path).ok() == Some(file));
        if !same {
            return Err(ErrorKind::LibclangUnavailable {
                message: format!(
                    "Parser::libclang asks for {}, but this process already loaded the libclang at {} \
                     (a process loads one libclang, the first time one is needed)",
                    wanted.display(),
                    lib.path.display()
                ),
            }
            .into());
        }
    }
    Ok(lib)
}

/// Where the loaded libclang is, for messages.
pub(crate) fn library_path(lib: &Libclang) -> &Path {
    &lib.path
}

/// Searches, opens the first candidate that opens, and reads its version.
fn load(env: Option<&OsStr>, explicit: Option<&Path>) -> std::result::Result<Libclang, String> {
    let candidates = search(env, explicit, Path::new("/"))?;
    let mut failures = Vec::new();
    for candidate in &candidates {
        match open(candidate) {
            Ok((library, functions, path)) => {
                api::install(functions);
                let version = super::sys::clang_version();
                let builtin_includes = find_builtin_includes(&path, &version);
                return Ok(Libclang {
                    _library: library,
                    path,
                    version,
                    builtin_includes,
                });
            }
            Err(e) => failures.push(e),
        }
    }
    let tried = if failures.is_empty() {
        "no libclang in /usr/lib/llvm-*/lib".to_owned()
    } else {
        failures.join("; ")
    };
    Err(format!(
        "no libclang could be loaded ({tried}); install one (Debian: libclang1-14 or libclang1) \
         or set {ENV} to the library or its directory"
    ))
}

/// One place to try.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Candidate {
    /// A file, opened by its path.
    File(PathBuf),
    /// A name the dynamic loader searches for.
    Loader(&'static str),
}

/// The places to try, in order. A choice made by `LIBCLANG_PATH` or `explicit`
/// is the only candidate (and an error if it names no library); otherwise the
/// Debian places under `root` (normally `/`) that exist, then the loader's names.
pub(crate) fn search(
    env: Option<&OsStr>,
    explicit: Option<&Path>,
    root: &Path,
) -> std::result::Result<Vec<Candidate>, String> {
    if let Some(env) = env {
        return Ok(vec![Candidate::File(resolve(Path::new(env), ENV)?)]);
    }
    if let Some(path) = explicit {
        return Ok(vec![Candidate::File(resolve(path, "Parser::libclang")?)]);
    }
    let mut found: Vec<Candidate> = known_files(root).into_iter().map(Candidate::File).collect();
    found.extend(LOADER_NAMES.iter().map(|n| Candidate::Loader(n)));
    Ok(found)
}

/// A path given as a choice: the file itself, or the newest libclang in the
/// directory.
fn resolve(path: &Path, source: &str) -> std::result::Result<PathBuf, String> {
    if path.is_file() {
        return Ok(path.to_path_buf());
    }
    if path.is_dir() {
        return newest_in(path).ok_or_else(|| {
            format!(
                "{source} is {}, a directory with no {}clang*{}* in it",
                path.display(),
                std::env::consts::DLL_PREFIX,
                std::env::consts::DLL_SUFFIX
            )
        });
    }
    Err(format!(
        "{source} is {}, which does not exist",
        path.display()
    ))
}

/// The newest libclang in `dir` by the version in its file name (one read of the
/// directory); among equal versions the greatest name, so the choice never
/// depends on the order the directory lists its files.
fn newest_in(dir: &Path) -> Option<PathBuf> {
    let entries = std::fs::read_dir(dir).ok()?;
    entries
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            let version = library_version(&name)?;
            let path = e.path();
            path.is_file().then_some((version, name, path))
        })
        .max_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)))
        .map(|(_, _, path)| path)
}

/// The version numbers in a libclang's file name (`libclang-14.so.1` → [14, 1],
/// `libclang.so.19.1` → [19, 1], `libclang.so` → []), or `None` for a file that
/// is not a libclang (`libclang-cpp.so.14`, `libclangBasic.a`).
fn library_version(name: &str) -> Option<Vec<u32>> {
    let prefix = format!("{}clang", std::env::consts::DLL_PREFIX);
    let suffix = std::env::consts::DLL_SUFFIX;
    let rest = name.strip_prefix(&prefix)?;
    let numbers = |s: &str| -> Option<Vec<u32>> {
        s.split(['.', '-'])
            .filter(|p| !p.is_empty())
            .map(|p| p.parse().ok())
            .collect()
    };
    let (middle, after) = match rest.find(suffix) {
        Some(i) => (&rest[..i], &rest[i + suffix.len()..]),
        None => return None,
    };
    let middle = match middle {
        "" => "",
        m => m.strip_prefix('-')?,
    };
    let after = match after {
        "" => "",
        a => a.strip_prefix('.')?,
    };
    let mut version = numbers(middle)?;
    version.extend(numbers(after)?);
    Some(version)
}

/// The Debian places under `root` that exist, newest LLVM first, the first file
/// that exists for each version.
fn known_files(root: &Path) -> Vec<PathBuf> {
    let usr_lib = root.join("usr/lib");
    let mut versions: Vec<u32> = match std::fs::read_dir(&usr_lib) {
        Ok(entries) => entries
            .filter_map(|e| e.ok())
            .filter_map(|e| {
                let name = e.file_name().into_string().ok()?;
                name.strip_prefix("llvm-")?.parse::<u32>().ok()
            })
            .collect(),
        Err(_) => Vec::new(),
    };
    versions.sort_unstable_by(|a, b| b.cmp(a));
    versions.dedup();
    let mut found = Vec::new();
    for n in versions {
        let lib = usr_lib.join(format!("llvm-{n}")).join("lib");
        let mut places = vec![
            lib.join(format!("libclang-{n}.so.1")),
            lib.join("libclang.so.1"),
            lib.join(format!("libclang-{n}.so")),
            lib.join("libclang.so"),
        ];
        if let Some(triple) = MULTIARCH {
            places.push(usr_lib.join(triple).join(format!("libclang-{n}.so.1")));
        }
        if let Some(place) = places.into_iter().find(|p| p.is_file()) {
            found.push(place);
        }
    }
    found
}

/// Debian's multiarch directory for this target.
const MULTIARCH: Option<&str> = if cfg!(all(target_os = "linux", target_arch = "x86_64")) {
    Some("x86_64-linux-gnu")
} else if cfg!(all(target_os = "linux", target_arch = "aarch64")) {
    Some("aarch64-linux-gnu")
} else if cfg!(all(target_os = "linux", target_arch = "x86")) {
    Some("i386-linux-gnu")
} else if cfg!(all(target_os = "linux", target_arch = "arm")) {
    Some("arm-linux-gnueabihf")
} else {
    None
};

/// What the dynamic loader is asked for, after the known places.
const LOADER_NAMES: &[&str] = if cfg!(target_os = "macos") {
    &[
        "/Library/Developer/CommandLineTools/usr/lib/libclang.dylib",
        "/Applications/Xcode.app/Contents/Developer/Toolchains/XcodeDefault.xctoolchain/usr/lib/libclang.dylib",
        "libclang.dylib",
    ]
} else if cfg!(windows) {
    &["libclang.dll", "C:\\Program Files\\LLVM\\bin\\libclang.dll"]
} else {
    &["libclang.so.1", "libclang.so"]
};

/// Opens a candidate and looks up the functions wyvern calls; returns the
/// library, its table and the file it came from.
fn open(
    candidate: &Candidate,
) -> std::result::Result<(libloading::Library, Functions, PathBuf), String> {
    let (name, shown): (OsString, String) = match candidate {
        Candidate::File(path) => (path.clone().into_os_string(), path.display().to_string()),
        Candidate::Loader(name) => (
            OsString::from(name),
            format!("{name} (the loader's search)"),
        ),
    };
    // SAFETY: opening a shared library runs its initialisers; a libclang's (LLVM's
    // static constructors) are sound to run, and that is what we are opening: a
    // candidate is named libclang by the user or by where it is installed.
    let library =
        unsafe { libloading::Library::new(&name) }.map_err(|e| format!("{shown}: {e}"))?;
    // SAFETY: the library is a libclang (above); `Functions::load` takes each
    // function with libclang's signature, and the library is kept loaded for the
    // rest of the process by the caller.
    let functions = unsafe { Functions::load(&library) }.map_err(|e| format!("{shown}: {e}"))?;
    let path = match candidate {
        Candidate::File(path) => path.clone(),
        Candidate::Loader(name) => loaded_file(&library).unwrap_or_else(|| PathBuf::from(name)),
    };
    Ok((library, functions, path))
}

/// The file the loader opened for `library`, from the address of one of its
/// functions.
#[cfg(unix)]
fn loaded_file(library: &libloading::Library) -> Option<PathBuf> {
    use std::os::unix::ffi::OsStrExt;
    // SAFETY: only the symbol's address is used, never called.
    let symbol = unsafe { library.get::<*const libc::c_void>(b"clang_getClangVersion\0") }.ok()?;
    let address: *const libc::c_void = *symbol;
    let mut info = std::mem::MaybeUninit::<libc::Dl_info>::zeroed();
    // SAFETY: dladdr reads the address and fills `info`; dli_fname then points at
    // a NUL-terminated name owned by the loader, valid while the library is loaded.
    unsafe {
        if libc::dladdr(address, info.as_mut_ptr()) == 0 {
            return None;
        }
        let info = info.assume_init();
        if info.dli_fname.is_null() {
            return None;
        }
        let name = std::ffi::CStr::from_ptr(info.dli_fname);
        Some(PathBuf::from(OsStr::from_bytes(name.to_bytes())))
    }
}

#[cfg(not(unix))]
fn loaded_file(_library: &libloading::Library) -> Option<PathBuf> {
    None
}

/// The `<resource dir>/include` that belongs to the libclang at `library`, whose
/// version string is `version`. Never a guess across versions: a directory is taken
/// only if its version matches the library's major version.
fn find_builtin_includes(library: &Path, version: &str) -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("WYVERN_CLANG_RESOURCE_DIR") {
        let dir = PathBuf::from(dir).join("include");
        if dir.join("stddef.h").is_file() {
            return Some(dir);
        }
    }
    let full = parse_version(version)?;
    let major = full.split('.').next()?.to_owned();
    let real = std::fs::canonicalize(library).unwrap_or_else(|_| library.to_path_buf());
    let lib_dir = real.parent()?;
    // Debian ships the library in /usr/lib/<triple>/ and the resource dir in
    // /usr/lib/llvm-N/lib/clang/<N or N.x.y>/; upstream installs it beside the library.
    let mut roots = vec![lib_dir.join("clang")];
    if let Some(parent) = lib_dir.parent() {
        roots.push(parent.join("lib").join("clang"));
        roots.push(
            parent
                .join(format!("llvm-{major}"))
                .join("lib")
                .join("clang"),
        );
    }
    roots.push(PathBuf::from(format!("/usr/lib/llvm-{major}/lib/clang")));
    roots.push(PathBuf::from(format!("/usr/lib64/llvm{major}/lib/clang")));
    roots.push(PathBuf::from("/usr/lib/clang"));
    roots.push(PathBuf::from("/usr/lib64/clang"));
    for root in roots {
        for name in [full.clone(), major.clone()] {
            let dir = root.join(&name).join("include");
            if dir.join("stddef.h").is_file() {
                return Some(dir);
            }
        }
    }
    None
}

/// `"Debian clang version 14.0.6"` → `"14.0.6"`.
fn parse_version(version: &str) -> Option<String> {
    let after = version.split("version ").nth(1)?;
    let number: String = after
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    (!number.is_empty()).then_some(number)
}

#[cfg(test)]
mod tests {
    use super::{library_version, search, Candidate, LOADER_NAMES};
    use std::ffi::OsStr;
    use std::path::{Path, PathBuf};

    #[test]
    fn versions() {
        assert_eq!(
            super::parse_version("Debian clang version 14.0.6").as_deref(),
            Some("14.0.6")
        );
        assert_eq!(
            super::parse_version("clang version 18.1.3 (https://x y)").as_deref(),
            Some("18.1.3")
        );
        assert_eq!(super::parse_version("nonsense"), None);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn library_names() {
        assert_eq!(library_version("libclang-14.so.1"), Some(vec![14, 1]));
        assert_eq!(library_version("libclang-19.so.19"), Some(vec![19, 19]));
        assert_eq!(library_version("libclang.so.19.1"), Some(vec![19, 1]));
        assert_eq!(library_version("libclang-17.so"), Some(vec![17]));
        assert_eq!(library_version("libclang.so"), Some(vec![]));
        assert_eq!(library_version("libclang-cpp.so.14"), None);
        assert_eq!(library_version("libclangBasic.a"), None);
        assert_eq!(library_version("libclang.so.1.bak"), None);
    }

    /// A fake root: `files` are created (empty; the choice never opens them).
    fn tree(name: &str, files: &[&str]) -> PathBuf {
        let root = std::env::temp_dir().join(format!("wyvern-load-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        for f in files {
            let path = root.join(f);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, b"").unwrap();
        }
        std::fs::create_dir_all(&root).unwrap();
        root
    }

    fn files(candidates: &[Candidate], root: &Path) -> Vec<String> {
        candidates
            .iter()
            .filter_map(|c| match c {
                Candidate::File(p) => Some(p.strip_prefix(root).unwrap().display().to_string()),
                Candidate::Loader(_) => None,
            })
            .collect()
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn debian_places_newest_first_then_the_loader() {
        let root = tree(
            "debian",
            &[
                "usr/lib/llvm-9/lib/libclang.so",
                "usr/lib/llvm-14/lib/libclang-14.so.1",
                "usr/lib/llvm-14/lib/libclang.so.1",
                "usr/lib/llvm-19/lib/libclang-cpp.so.19",
                "usr/lib/x86_64-linux-gnu/libclang-19.so.1",
                "usr/lib/llvm-20/lib/README",
                "usr/lib/llvm-x/lib/libclang.so.1",
            ],
        );
        let found = search(None, None, &root).unwrap();
        let mut expected = vec![
            "usr/lib/llvm-14/lib/libclang-14.so.1",
            "usr/lib/llvm-9/lib/libclang.so",
        ];
        if cfg!(target_arch = "x86_64") {
            expected.insert(0, "usr/lib/x86_64-linux-gnu/libclang-19.so.1");
        }
        assert_eq!(files(&found, &root), expected);
        let loaders: Vec<_> = found
            .iter()
            .filter_map(|c| match c {
                Candidate::Loader(n) => Some(*n),
                Candidate::File(_) => None,
            })
            .collect();
        assert_eq!(loaders, LOADER_NAMES);
        assert_eq!(found.last(), Some(&Candidate::Loader("libclang.so")));
        let _ = std::fs::remove_dir_all(&root);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn versions_sort_by_number() {
        let root = tree(
            "numbers",
            &[
                "usr/lib/llvm-9/lib/libclang-9.so.1",
                "usr/lib/llvm-10/lib/libclang-10.so.1",
            ],
        );
        let found = search(None, None, &root).unwrap();
        assert_eq!(
            files(&found, &root),
            [
                "usr/lib/llvm-10/lib/libclang-10.so.1",
                "usr/lib/llvm-9/lib/libclang-9.so.1"
            ]
        );
        let _ = std::fs::remove_dir_all(&root);
    }

    #[test]
    fn no_known_place_leaves_the_loader() {
        let root = tree("empty", &[]);
        let found = search(None, None, &root).unwrap();
        assert_eq!(
            found,
            LOADER_NAMES
                .iter()
                .map(|n| Candidate::Loader(n))
                .collect::<Vec<_>>()
        );
        let _ = std::fs::remove_dir_all(&root);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn the_variable_decides_alone() {
        let root = tree(
            "env",
            &[
                "usr/lib/llvm-19/lib/libclang-19.so.1",
                "opt/a/libclang-14.so.1",
                "opt/a/libclang-14.so.13",
                "opt/a/libclang.so",
                "opt/a/libclang-cpp.so.99",
                "opt/b/README",
            ],
        );
        let dir = root.join("opt/a");
        // A directory: its newest libclang, nothing else.
        let found = search(Some(dir.as_os_str()), None, &root).unwrap();
        assert_eq!(files(&found, &root), ["opt/a/libclang-14.so.13"]);
        assert_eq!(found.len(), 1);
        // A file: that file, whatever its name.
        let file = root.join("opt/a/libclang.so");
        let found = search(Some(file.as_os_str()), Some(&dir), &root).unwrap();
        assert_eq!(files(&found, &root), ["opt/a/libclang.so"]);
        // It wins over the parser's choice.
        let found = search(
            Some(dir.as_os_str()),
            Some(&root.join("opt/a/libclang.so")),
            &root,
        )
        .unwrap();
        assert_eq!(files(&found, &root), ["opt/a/libclang-14.so.13"]);
        // The parser's choice, when the variable is not set.
        let found = search(None, Some(&file), &root).unwrap();
        assert_eq!(files(&found, &root), ["opt/a/libclang.so"]);
        // A directory with none, or a path that is not there: an error that says
        // which setting and which path, and no fallback.
        let none = root.join("opt/b");
        let err = search(Some(none.as_os_str()), None, &root).unwrap_err();
        assert!(
            err.starts_with("LIBCLANG_PATH is ") && err.contains("opt/b"),
            "{err}"
        );
        let missing = root.join("nowhere");
        let err = search(None, Some(&missing), &root).unwrap_err();
        assert!(
            err.starts_with("Parser::libclang is ") && err.contains("does not exist"),
            "{err}"
        );
        let err = search(Some(OsStr::new("/nonexistent/wyvern")), None, &root).unwrap_err();
        assert!(err.contains("/nonexistent/wyvern"), "{err}");
        let _ = std::fs::remove_dir_all(&root);
    }
}
