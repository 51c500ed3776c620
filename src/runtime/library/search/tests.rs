//! The `-lNAME` search against a directory of gcc-built shared objects, linker
//! scripts and files that must be passed over.

use std::path::{Path, PathBuf};

use super::{find, parse_version, script_inputs};
use crate::error::ErrorKind;

/// A directory removed when the test ends.
struct Dir(PathBuf);

impl Dir {
    fn new(tag: &str) -> Dir {
        let path = std::env::temp_dir().join(format!("wyvern-search-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).unwrap();
        Dir(path)
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A shared object built by gcc at `dir/file`, whose `which()` returns `tag`.
fn shared_object(dir: &Path, file: &str, tag: i32) {
    let c = dir.join(format!("{file}.c"));
    std::fs::write(&c, format!("int which(void) {{ return {tag}; }}\n")).unwrap();
    let status = std::process::Command::new("gcc")
        .args(["-shared", "-fPIC", "-o"])
        .arg(dir.join(file))
        .arg(&c)
        .status()
        .expect("gcc runs");
    assert!(status.success());
}

fn write(dir: &Path, file: &str, text: &[u8]) {
    std::fs::write(dir.join(file), text).unwrap();
}

#[test]
fn the_dev_symlink_comes_first_then_the_highest_soname() {
    let d = Dir::new("order");
    let dirs = vec![d.0.join("a"), d.0.join("b")];
    for dir in &dirs {
        std::fs::create_dir_all(dir).unwrap();
    }
    shared_object(&dirs[0], "libfoo.so.1.2.3", 1);
    std::os::unix::fs::symlink("libfoo.so.1.2.3", dirs[0].join("libfoo.so.1")).unwrap();
    shared_object(&dirs[1], "libfoo.so.2.0", 2);
    shared_object(&dirs[1], "libfoo.so.10", 10);
    // Not a version: left alone.
    write(&dirs[1], "libfoo.so.11.hmac", b"not a library");
    // Major 12, but a 32-bit object: passed over and named.
    let mut elf32 = b"\x7fELF\x01\x01\x01".to_vec();
    elf32.resize(64, 0);
    write(&dirs[1], "libfoo.so.12", &elf32);
    assert_eq!(find("foo", &dirs).unwrap(), dirs[1].join("libfoo.so.10"));
    let e = find("nope", &dirs).unwrap_err();
    assert!(
        matches!(e.kind(), ErrorKind::LibraryNotFound { .. }),
        "{e:?}"
    );
    // The development name wins over any soname, in a later directory too.
    shared_object(&dirs[1], "libfoo.so", 99);
    assert_eq!(find("foo", &dirs).unwrap(), dirs[1].join("libfoo.so"));
    // ld's `-l:FILE` is that file name exactly.
    assert_eq!(
        find(":libfoo.so.1", &dirs).unwrap(),
        dirs[0].join("libfoo.so.1")
    );
}

#[test]
fn a_skipped_file_is_named_with_its_reason() {
    let d = Dir::new("skipped");
    let dirs = vec![d.0.clone()];
    let mut elf32 = b"\x7fELF\x01\x01\x01".to_vec();
    elf32.resize(64, 0);
    write(&d.0, "libold.so.3", &elf32);
    write(&d.0, "libtext.so", b"hello, not a script");
    let e = find("old", &dirs).unwrap_err().to_string();
    assert_eq!(
        e,
        format!(
            "no library for -lold: no libold.so, nor libold.so.N, in {0}; skipped {0}/libold.so.3: \
             a 32-bit ELF object (this process is 64-bit)",
            d.0.display()
        )
    );
    let e = find("text", &dirs).unwrap_err().to_string();
    assert!(
        e.ends_with("libtext.so: not an ELF shared object, nor a linker script naming one"),
        "{e}"
    );
}

#[test]
fn a_linker_script_stands_for_the_shared_object_it_names() {
    let d = Dir::new("script");
    let dirs = vec![d.0.clone()];
    shared_object(&d.0, "libbar.so.1", 1);
    // libm.so's shape: a comment, the object, an AS_NEEDED list.
    let script = format!(
        "/* GNU ld script\n*/\nOUTPUT_FORMAT(elf64-x86-64)\n\
         GROUP ( {0}/libbar_nonshared.a  {0}/libbar.so.1 AS_NEEDED ( {0}/libmvec.so.1 ) )\n",
        d.0.display()
    );
    write(&d.0, "libbar.so", script.as_bytes());
    assert_eq!(find("bar", &dirs).unwrap(), d.0.join("libbar.so.1"));
    // A bare name is beside the script; a script naming a script is followed.
    write(&d.0, "libbaz.so", b"INPUT(-lother libbar.so)");
    assert_eq!(find("baz", &dirs).unwrap(), d.0.join("libbar.so.1"));
    // A script that names itself does not loop.
    write(&d.0, "libself.so", b"INPUT(libself.so)");
    assert!(find("self", &dirs).is_err());
}

#[test]
fn script_entries_and_versions_read_as_ld_reads_them() {
    let d = Dir::new("entries");
    write(
        &d.0,
        "libc.so",
        b"/* Use the shared library, but some functions are only in\n   the static library. */\n\
          GROUP ( /lib/libc.so.6 /usr/lib/libc_nonshared.a  AS_NEEDED ( /lib64/ld-linux-x86-64.so.2 ) )",
    );
    assert_eq!(
        script_inputs(&d.0.join("libc.so")),
        [PathBuf::from("/lib/libc.so.6")]
    );
    write(&d.0, "libtwo.so", b"INPUT(a.so.1, /x/b.so)\nGROUP(c.so)");
    assert_eq!(
        script_inputs(&d.0.join("libtwo.so")),
        [
            d.0.join("a.so.1"),
            PathBuf::from("/x/b.so"),
            d.0.join("c.so")
        ]
    );
    assert_eq!(parse_version("1.2.13"), Some(vec![1, 2, 13]));
    assert_eq!(parse_version("1..2"), None);
    assert_eq!(parse_version("1.debug"), None);
    assert_eq!(parse_version("99999999999999999999999"), None);
}
