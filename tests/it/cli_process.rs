//! `wyvern call` where the process meets C: a crash inside the called function,
//! libraries named as the linker's `-lNAME` names them, and the `char` arrays C
//! fills, each against what gcc's code does.

use std::path::Path;

use crate::common;

use common::{gcc_compile, header_installed, run_program, run_wyvern, run_wyvern_with_env};
use common::{Compiled, TempDir};

fn compiled(dir: &Path, name: &str, source: &str, flags: &[&str]) -> String {
    match gcc_compile(dir, name, source, flags) {
        Compiled::Ok(path) => path.display().to_string(),
        Compiled::Failed(e) => panic!("gcc failed:\n{e}"),
    }
}

/// A library with `int which(void)` returning `tag`, built by gcc at `dir/file`.
fn tagged_library(dir: &Path, file: &str, tag: i32) {
    compiled(
        dir,
        file,
        &format!("int which(void) {{ return {tag}; }}\n"),
        &["-shared", "-fPIC", &format!("-Wl,-soname,{file}")],
    );
}

#[test]
fn a_bare_library_name_is_found_as_the_linker_finds_it() {
    let dir = TempDir::new("cli-lname");
    let path = dir.path().display().to_string();
    // No development symlink: the highest soname.
    tagged_library(dir.path(), "libwyvtag.so.1", 1);
    tagged_library(dir.path(), "libwyvtag.so.2", 2);
    let call = |name: &str| {
        run_wyvern_with_env(
            ("LD_LIBRARY_PATH", &path),
            &["call", "--cdef", "int which(void);", "-l", name, "which"],
        )
    };
    let out = call("wyvtag");
    assert_eq!(out.stdout, "2\n", "{}", out.describe());
    // A linker script, as libm.so is: what gcc's -lwyvtag links is what
    // wyvern's -l wyvtag loads.
    std::fs::write(
        dir.path().join("libwyvtag.so"),
        "/* GNU ld script */\nINPUT ( libwyvtag.so.1 AS_NEEDED ( libwyvtag.so.2 ) )\n",
    )
    .unwrap();
    let program = compiled(
        dir.path(),
        "which",
        "#include <stdio.h>\nint which(void);\nint main(void) { printf(\"%d\\n\", which()); }",
        &["-L", &path, "-Wl,--no-as-needed", "-lwyvtag"],
    );
    let linked = common::run(std::process::Command::new(&program).env("LD_LIBRARY_PATH", &path));
    assert_eq!(linked.stdout, "1\n", "{}", linked.describe());
    assert_eq!(call("wyvtag").stdout, linked.stdout);
    // ld's -l:FILE, and the forms -l took before: a soname, a path.
    assert_eq!(call(":libwyvtag.so.2").stdout, "2\n");
    assert_eq!(call("libwyvtag.so.2").stdout, "2\n");
    assert_eq!(call(&format!("{path}/libwyvtag.so.1")).stdout, "1\n");

    // A name found nowhere says where it looked.
    let out = call("wyvern_nowhere");
    assert_eq!(out.status, Some(1));
    let expected = format!(
        "error: no library for -lwyvern_nowhere: no libwyvern_nowhere.so, nor \
         libwyvern_nowhere.so.N, in {path}, /usr/local/lib/"
    );
    assert!(out.stderr.starts_with(&expected), "{}", out.describe());
}

#[test]
fn system_libraries_by_their_linker_names() {
    // libm.so is a linker script naming libm.so.6.
    let out = run_wyvern(&["call", "-H", "<math.h>", "-l", "m", "pow", "2", "10"]);
    assert_eq!(out.stdout, "1024\n", "{}", out.describe());
    if !header_installed("zlib.h") {
        eprintln!("skipped -l z: zlib's header is not installed");
        return;
    }
    let dir = TempDir::new("cli-zlib");
    let Compiled::Ok(program) = gcc_compile(
        dir.path(),
        "version",
        "#include <stdio.h>\n#include <zlib.h>\nint main(void) { printf(\"\\\"%s\\\"\\n\", zlibVersion()); }",
        &["-Wl,--no-as-needed", "-lz"],
    ) else {
        eprintln!("skipped -l z: gcc cannot link -lz");
        return;
    };
    let version = run_program(&program).unwrap();
    let out = run_wyvern(&["call", "-H", "<zlib.h>", "-l", "z", "zlibVersion"]);
    assert_eq!(out.stdout, version, "{}", out.describe());
}
