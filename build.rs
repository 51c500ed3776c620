//! Links the `wyvern` binary's unwinder statically on GNU/Linux, when the C
//! compiler has `libgcc_eh.a`.
//!
//! Rust's standard library links `libgcc_s.so.1` for unwinding, and loading it
//! runs its constructor, which asks the CPU for its features with a dozen
//! `cpuid` instructions. In a virtual machine each of those traps to the
//! hypervisor (6 µs each on the machine the benchmarks ran on), so a short
//! command such as `wyvern layout --dwarf` of a small object spent 5% of its run
//! there. The same unwinder from `libgcc_eh.a` (what `gcc -static-libgcc`
//! links) has no constructor; panics unwind exactly as before.
//!
//! Only the binaries are affected (`rustc-link-arg-bins`): the library, its tests
//! and the Python extension link as the toolchain chooses.

use std::path::PathBuf;
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=RUSTC_LINKER");
    let target = |key: &str| std::env::var(key).unwrap_or_default();
    // A static C runtime (`crt-static`) links the unwinder statically already.
    let static_crt = target("CARGO_CFG_TARGET_FEATURE")
        .split(',')
        .any(|f| f == "crt-static");
    if target("CARGO_CFG_TARGET_OS") != "linux"
        || target("CARGO_CFG_TARGET_ENV") != "gnu"
        || static_crt
    {
        return;
    }
    let Some(archive) = static_unwinder() else {
        return;
    };
    let Some(out_dir) = std::env::var_os("OUT_DIR").map(PathBuf::from) else {
        return;
    };
    // rustc names `-lgcc_s`; a linker script of that name in a directory searched
    // first stands in for it with the archive.
    let dir = out_dir.join("static-unwind");
    let script = format!("INPUT(\"{}\")\n", archive.display());
    if std::fs::create_dir_all(&dir).is_err()
        || std::fs::write(dir.join("libgcc_s.so"), script).is_err()
    {
        return;
    }
    println!("cargo:rustc-link-arg-bins=-L{}", dir.display());
}

/// The path of `libgcc_eh.a` as the linker rustc runs would find it, if it has
/// one. The linker is `cc` unless the build configures another one.
fn static_unwinder() -> Option<PathBuf> {
    let linker = std::env::var("RUSTC_LINKER").unwrap_or_else(|_| "cc".to_owned());
    let out = Command::new(linker)
        .arg("-print-file-name=libgcc_eh.a")
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    let path = PathBuf::from(String::from_utf8(out.stdout).ok()?.trim());
    // Not found, the driver prints the bare name back.
    (path.is_absolute() && path.is_file()).then_some(path)
}
