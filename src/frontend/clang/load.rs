//! Finding and loading libclang once per process, and its builtin headers.
//!
//! clang-sys keeps the loaded library in a thread-local. We load it once, keep it in
//! a process-wide `Arc`, and hand that `Arc` to each thread that parses, so parses
//! run concurrently from any number of threads without reloading libclang.
//! (The `clang` crate's `Clang` handle is a process-wide singleton that loads and
//! unloads libclang per instance, which would serialise every parse.)

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use clang_sys::SharedLibrary;

use crate::error::{ErrorKind, Result};

/// What was loaded: the library, its version, and where its builtin headers are.
pub(crate) struct Libclang {
    library: Arc<SharedLibrary>,
    /// `clang_getClangVersion()`.
    pub(crate) version: String,
    /// The `include` directory of the resource dir matching this libclang.
    pub(crate) builtin_includes: Option<PathBuf>,
}

static LIBCLANG: OnceLock<std::result::Result<Libclang, String>> = OnceLock::new();

/// Loads libclang (once) and makes it current on this thread.
pub(crate) fn ensure_loaded() -> Result<&'static Libclang> {
    let loaded = LIBCLANG.get_or_init(|| {
        let library = Arc::new(clang_sys::load_manually()?);
        clang_sys::set_library(Some(library.clone()));
        let version = super::sys::clang_version();
        let builtin_includes = find_builtin_includes(library.path(), &version);
        Ok(Libclang {
            library,
            version,
            builtin_includes,
        })
    });
    match loaded {
        Ok(lib) => {
            if !clang_sys::is_loaded() {
                clang_sys::set_library(Some(lib.library.clone()));
            }
            Ok(lib)
        }
        Err(message) => Err(ErrorKind::LibclangUnavailable {
            message: message.clone(),
        }
        .into()),
    }
}

/// Where the loaded libclang is, for messages.
pub(crate) fn library_path(lib: &Libclang) -> &Path {
    lib.library.path()
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
}
