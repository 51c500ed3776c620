//! The file the linker's `-lNAME` names, found the way GNU ld and the dynamic
//! loader look, for [`Library::open_linker_name`](super::Library::open_linker_name).
//!
//! Each directory ([`search_dirs`]: `LD_LIBRARY_PATH`, then ld's default list
//! with the host's multiarch directories first) is looked in for `libNAME.so`,
//! as ld does. That file is often a development symlink, and sometimes a GNU ld
//! script (`libm.so`, `libc.so`): a script's first `GROUP`/`INPUT` entry that is
//! a shared object is taken. When no directory has one (no development package
//! installed), the highest versioned soname (`libNAME.so.N`) is taken, as a
//! program linked against it would load. A file for another machine or word
//! size is passed over, as ld skips "incompatible" ones, and named in the error.

use std::path::{Path, PathBuf};

use crate::error::{ErrorKind, Result};

/// Where `name` (the NAME of `-lNAME`; `:FILE` for an exact file name, as in
/// ld) is found in `dirs`.
pub(super) fn find(name: &str, dirs: &[PathBuf]) -> Result<PathBuf> {
    let mut skipped = Vec::new();
    let found = match name.strip_prefix(':') {
        Some(file) => first_usable(dirs, file, &mut skipped),
        None => first_usable(dirs, &format!("lib{name}.so"), &mut skipped)
            .or_else(|| highest_soname(dirs, name, &mut skipped)),
    };
    found.ok_or_else(|| {
        ErrorKind::LibraryNotFound {
            name: name.to_owned(),
            dirs: dirs.to_vec(),
            skipped,
        }
        .into()
    })
}

/// The directories searched, in order: `LD_LIBRARY_PATH`'s, then GNU ld's
/// defaults for the host (`ld --verbose`'s `SEARCH_DIR`s on Debian and Fedora),
/// each once.
pub(super) fn search_dirs() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::env::var_os("LD_LIBRARY_PATH")
        .map(|paths| std::env::split_paths(&paths).collect())
        .unwrap_or_default();
    // An empty entry means the working directory to ld.so; a path is clearer.
    dirs.retain(|d| !d.as_os_str().is_empty());
    let mut prefixes = Vec::new();
    if let Some(tuple) = multiarch() {
        prefixes.extend(["/usr/local/lib", "/lib", "/usr/lib"].map(|p| format!("{p}/{tuple}")));
    }
    if cfg!(target_pointer_width = "64") {
        prefixes.extend(["/usr/local/lib64", "/lib64", "/usr/lib64"].map(String::from));
    }
    prefixes.extend(["/usr/local/lib", "/lib", "/usr/lib"].map(String::from));
    dirs.extend(prefixes.into_iter().map(PathBuf::from));
    // `/lib` is a symlink to `/usr/lib` on merged-/usr systems: look once.
    let mut seen = Vec::new();
    dirs.retain(|d| {
        let real = std::fs::canonicalize(d).unwrap_or_else(|_| d.clone());
        let new = !seen.contains(&real);
        seen.push(real);
        new
    });
    dirs
}

/// Debian's multiarch tuple for the host (`gcc -print-multiarch`).
fn multiarch() -> Option<&'static str> {
    if !cfg!(all(target_os = "linux", target_env = "gnu")) {
        return None;
    }
    Some(match std::env::consts::ARCH {
        "x86_64" if cfg!(target_pointer_width = "32") => "x86_64-linux-gnux32",
        "x86_64" => "x86_64-linux-gnu",
        "x86" => "i386-linux-gnu",
        "aarch64" => "aarch64-linux-gnu",
        "arm" => "arm-linux-gnueabihf",
        "riscv64" => "riscv64-linux-gnu",
        "powerpc64" if cfg!(target_endian = "little") => "powerpc64le-linux-gnu",
        "powerpc64" => "powerpc64-linux-gnu",
        "s390x" => "s390x-linux-gnu",
        "loongarch64" => "loongarch64-linux-gnu",
        "mips64" => "mips64el-linux-gnuabi64",
        _ => return None,
    })
}

/// The first directory's `file` that is a shared object for this process
/// (through a linker script, if it is one).
fn first_usable(
    dirs: &[PathBuf],
    file: &str,
    skipped: &mut Vec<(PathBuf, String)>,
) -> Option<PathBuf> {
    dirs.iter()
        .map(|dir| dir.join(file))
        .filter(|path| path.is_file())
        .find_map(|path| usable(&path, 0, skipped))
}

/// `path` if it is a loadable shared object, or the one a linker script at
/// `path` names; a file that is neither is noted in `skipped`.
fn usable(path: &Path, depth: u32, skipped: &mut Vec<(PathBuf, String)>) -> Option<PathBuf> {
    let head = read_head(path)?;
    if head.starts_with(b"\x7fELF") {
        return match elf_mismatch(&head) {
            None => Some(path.to_owned()),
            Some(why) => {
                note(skipped, path, why);
                None
            }
        };
    }
    // A script naming another script is followed, but not around a loop.
    if depth < 4 {
        if let Some(found) = script_inputs(path)
            .into_iter()
            .find_map(|input| usable(&input, depth + 1, skipped))
        {
            return Some(found);
        }
    }
    let why = "not an ELF shared object, nor a linker script naming one";
    note(skipped, path, why.to_owned());
    None
}

/// Notes a file passed over, once (scripts can name one file twice).
fn note(skipped: &mut Vec<(PathBuf, String)>, path: &Path, why: String) {
    if !skipped.iter().any(|(p, _)| p == path) {
        skipped.push((path.to_owned(), why));
    }
}

/// The first bytes of a file: enough for an ELF header's identification.
fn read_head(path: &Path) -> Option<Vec<u8>> {
    use std::io::Read;
    let mut head = Vec::with_capacity(20);
    std::fs::File::open(path)
        .ok()?
        .take(20)
        .read_to_end(&mut head)
        .ok()?;
    Some(head)
}

/// Why an ELF file cannot be loaded into this process: its word size, byte
/// order, kind or machine is not the host's. `None` when it can.
fn elf_mismatch(head: &[u8]) -> Option<String> {
    let [class, data] = [head.get(4)?, head.get(5)?].map(|b| *b);
    let bits = match class {
        1 => 32,
        2 => 64,
        _ => return Some(format!("an ELF object of unknown class {class}")),
    };
    if bits != usize::BITS {
        return Some(format!(
            "a {bits}-bit ELF object (this process is {}-bit)",
            usize::BITS
        ));
    }
    let little = match data {
        1 => true,
        2 => false,
        _ => return Some(format!("an ELF object of unknown byte order {data}")),
    };
    if little != cfg!(target_endian = "little") {
        return Some("an ELF object of the other byte order".to_owned());
    }
    let half = |at: usize| -> Option<u16> {
        let bytes = [*head.get(at)?, *head.get(at + 1)?];
        Some(if little {
            u16::from_le_bytes(bytes)
        } else {
            u16::from_be_bytes(bytes)
        })
    };
    const ET_DYN: u16 = 3;
    let kind = half(16)?;
    if kind != ET_DYN {
        return Some(format!("an ELF object of type {kind}, not a shared object"));
    }
    let machine = half(18)?;
    match host_machine() {
        Some(host) if host != machine => Some(format!(
            "an ELF object for machine {machine} (this process is machine {host})"
        )),
        _ => None,
    }
}

/// The ELF `e_machine` of the host, where it is one wyvern knows.
fn host_machine() -> Option<u16> {
    Some(match std::env::consts::ARCH {
        "x86" => 3,
        "x86_64" => 62,
        "arm" => 40,
        "aarch64" => 183,
        "riscv64" => 243,
        "powerpc64" => 21,
        "s390x" => 22,
        "loongarch64" => 258,
        "mips64" => 8,
        _ => return None,
    })
}

/// The files a GNU ld script's `GROUP ( … )` and `INPUT ( … )` commands name,
/// in order, leaving out `AS_NEEDED ( … )` lists (the loader brings those in
/// itself), `-lNAME` entries and archives. A name without a `/` is looked for
/// beside the script. Nothing, for a file that is not such a script.
fn script_inputs(path: &Path) -> Vec<PathBuf> {
    // Scripts are a few hundred bytes; a large file is not one.
    const MAX_SCRIPT_BYTES: u64 = 64 * 1024;
    let small = std::fs::metadata(path).is_ok_and(|m| m.len() <= MAX_SCRIPT_BYTES);
    let Some(text) = small.then(|| std::fs::read_to_string(path).ok()).flatten() else {
        return Vec::new();
    };
    let text = strip_comments(&text);
    let spaced = text
        .replace('(', " ( ")
        .replace(')', " ) ")
        .replace(',', " ");
    let mut words = spaced.split_whitespace();
    let mut inputs = Vec::new();
    while let Some(word) = words.next() {
        if !matches!(word, "GROUP" | "INPUT") || words.next() != Some("(") {
            continue;
        }
        let mut nesting = 0u32;
        for entry in words.by_ref() {
            match entry {
                ")" if nesting == 0 => break,
                ")" => nesting -= 1,
                "(" => nesting += 1,
                _ if nesting > 0 || entry == "AS_NEEDED" || entry.starts_with("-l") => {}
                _ if entry.ends_with(".a") => {}
                _ => inputs.push(beside(path, entry)),
            }
        }
    }
    inputs
}

/// `entry` of the script at `script`: a path as it is, a bare name beside it.
fn beside(script: &Path, entry: &str) -> PathBuf {
    match script.parent() {
        Some(dir) if !entry.contains('/') => dir.join(entry),
        _ => PathBuf::from(entry),
    }
}

/// The text with its `/* … */` comments removed.
fn strip_comments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("/*") {
        out.push_str(&rest[..start]);
        out.push(' ');
        rest = rest[start + 2..]
            .find("*/")
            .map_or("", |end| &rest[start + 2 + end + 2..]);
    }
    out.push_str(rest);
    out
}

/// The usable `libNAME.so.N…` with the highest major version in any of `dirs`;
/// within it the soname itself (`libz.so.1`, fewest components) before the
/// fully versioned file, then the highest version; the first directory's on a tie.
fn highest_soname(
    dirs: &[PathBuf],
    name: &str,
    skipped: &mut Vec<(PathBuf, String)>,
) -> Option<PathBuf> {
    let prefix = format!("lib{name}.so.");
    let mut candidates: Vec<(Vec<u64>, PathBuf)> = Vec::new();
    for dir in dirs {
        let Ok(entries) = std::fs::read_dir(dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let file = entry.file_name();
            let Some(version) = file
                .to_str()
                .and_then(|f| f.strip_prefix(&prefix))
                .and_then(parse_version)
            else {
                continue;
            };
            candidates.push((version, entry.path()));
        }
    }
    // Stable: among equal versions, the first directory's stays first.
    candidates.sort_by(|(a, _), (b, _)| {
        b[0].cmp(&a[0])
            .then(a.len().cmp(&b.len()))
            .then_with(|| b.cmp(a))
    });
    candidates
        .into_iter()
        .find_map(|(_, path)| usable(&path, 0, skipped))
}

/// `1.2.13` as `[1, 2, 13]`; `None` unless it is numbers separated by dots.
fn parse_version(text: &str) -> Option<Vec<u64>> {
    text.split('.')
        .map(|part| {
            let digits = !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
            digits.then(|| part.parse().ok()).flatten()
        })
        .collect()
}

#[cfg(test)]
mod tests;
