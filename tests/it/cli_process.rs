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

const CRASHING: &str = "#include <stdlib.h>
#include <stdio.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/mman.h>
int null_read(void) { return *(volatile int *)16; }
void die(void) { abort(); }
/* Not a tail call, so gcc keeps the recursion at any -O. */
int down(int n) { volatile char pad[256]; pad[0] = (char)n; return down(n + 1) + pad[0]; }
int divide(int a, int b) { return a / b; }
void trap(void) { __builtin_trap(); }
/* A mapped page of a file truncated under it: SIGBUS. */
int bus(const char *path) {
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 || ftruncate(fd, 4096) != 0) return -1;
    volatile int *p = mmap(0, 4096, PROT_READ, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED || ftruncate(fd, 0) != 0) return -2;
    return *p;
}
int fine(int x) { printf(\"fine %d\\n\", x); return x + 1; }
";

const CRASHING_H: &str = "int null_read(void); void die(void); int down(int n);
int divide(int a, int b); void trap(void); int bus(const char *path); int fine(int x);";

/// `wyvern call` of `function` in the crashing library: its stderr, having
/// checked that it exited with status 1 (not by the signal) and printed nothing.
fn crash_of(dir: &TempDir, lib: &str, args: &[&str]) -> String {
    let header = dir.path().join("crash.h").display().to_string();
    let mut all = vec!["call", "-H", &header, "-l", lib];
    all.extend_from_slice(args);
    let out = run_wyvern(&all);
    assert_eq!(out.status, Some(1), "{args:?}\n{}", out.describe());
    assert_eq!(out.stdout, "", "{args:?}");
    out.stderr
}

#[test]
fn a_crash_in_the_called_function_is_an_error_with_exit_status_1() {
    let dir = TempDir::new("cli-crash");
    std::fs::write(dir.path().join("crash.h"), CRASHING_H).unwrap();
    let lib = compiled(
        dir.path(),
        "libcrash.so",
        CRASHING,
        &["-shared", "-fPIC", "-O1"],
    );
    // The same functions crash a C program with the same signals.
    let signals = compiled(
        dir.path(),
        "signals",
        "#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>
int null_read(void); void die(void); int down(int n); int divide(int a, int b);
void trap(void); int bus(const char *path);
static const char *bus_file;
static int signal_of(int which) {
    pid_t pid = fork();
    if (pid == 0) {
        switch (which) {
        case 0: null_read(); break; case 1: die(); break; case 2: down(0); break;
        case 3: divide(1, 0); break; case 4: trap(); break; case 5: bus(bus_file); break;
        }
        _exit(0);
    }
    int status; waitpid(pid, &status, 0);
    return WIFSIGNALED(status) ? WTERMSIG(status) : 0;
}
int main(int argc, char **argv) {
    bus_file = argv[1];
    printf(\"%d %d %d %d %d %d\", SIGSEGV, SIGABRT, SIGSEGV, SIGFPE, SIGILL, SIGBUS);
    printf(\"\\n%d %d %d %d %d %d\\n\", signal_of(0), signal_of(1), signal_of(2),
           signal_of(3), signal_of(4), signal_of(5));
}",
        &[
            &format!("-Wl,-rpath,{}", dir.path().display()),
            "-Wl,--no-as-needed",
            &lib,
        ],
    );
    let file = dir.path().join("bus.tmp").display().to_string();
    let oracle = common::run(std::process::Command::new(&signals).arg(&file));
    let (expected, got) = oracle.stdout.trim().split_once('\n').unwrap();
    assert_eq!(expected, got, "the C program's view of the crashes");

    assert_eq!(
        crash_of(&dir, &lib, &["null_read"]),
        "error: 'null_read' crashed: SIGSEGV (address 0x10)\n"
    );
    assert_eq!(
        crash_of(&dir, &lib, &["die"]),
        "error: 'die' crashed: SIGABRT\n"
    );
    // The handler runs on its own stack, so an overflow is reported too.
    let overflow = crash_of(&dir, &lib, &["down", "0"]);
    assert!(
        overflow.starts_with("error: 'down' crashed: SIGSEGV (address 0x7")
            && overflow.ends_with(": a stack overflow)\n"),
        "{overflow}"
    );
    let divide = crash_of(&dir, &lib, &["divide", "1", "0"]);
    assert!(
        divide.starts_with("error: 'divide' crashed: SIGFPE (at instruction 0x7"),
        "{divide}"
    );
    let trap = crash_of(&dir, &lib, &["trap"]);
    assert!(
        trap.starts_with("error: 'trap' crashed: SIGILL (at instruction 0x7"),
        "{trap}"
    );
    let bus = crash_of(&dir, &lib, &["bus", &format!("\"{file}\"")]);
    assert!(
        bus.starts_with("error: 'bus' crashed: SIGBUS (address 0x7"),
        "{bus}"
    );

    // A call that does not crash is untouched: C's output, then the result.
    let header = dir.path().join("crash.h").display().to_string();
    let out = run_wyvern(&["call", "-H", &header, "-l", &lib, "fine", "41"]);
    assert!(out.success(), "{}", out.describe());
    assert_eq!(out.stdout, "fine 41\n42\n");
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

#[test]
fn char_arrays_print_as_the_strings_c_wrote() {
    let dir = TempDir::new("cli-chars");
    let header = "struct names { char name[16]; char tail[8]; char none[3];
    signed char small[4]; unsigned char id[4]; char raw[4]; char grid[2][4]; };
void names_fill(struct names *n);
int names_differ(const struct names *n);";
    let source = format!(
        "#include <string.h>
{header}
void names_fill(struct names *n) {{
    strcpy(n->name, \"hi \\\"there\\\"\\n\");
    memcpy(n->tail, \"ab\\0c\\0\\377\", 6);
    memcpy(n->none, \"xyz\", 3);
    strcpy((char *)n->small, \"ok\");
    strcpy((char *)n->id, \"id\");
    n->raw[0] = 1; n->raw[1] = 2;
    strcpy(n->grid[0], \"one\"); strcpy(n->grid[1], \"two\");
}}
int names_differ(const struct names *n) {{
    struct names mine;
    memset(&mine, 0, sizeof mine);
    names_fill(&mine);
    return memcmp(n, &mine, sizeof mine);
}}"
    );
    let lib = compiled(dir.path(), "libnames.so", &source, &["-shared", "-fPIC"]);
    std::fs::write(dir.path().join("names.h"), header).unwrap();
    let h = dir.path().join("names.h").display().to_string();
    let out = run_wyvern(&["call", "-H", &h, "-l", &lib, "names_fill", "&{}"]);
    assert_eq!(
        out.stdout,
        "void\nn = {.name = \"hi \\\"there\\\"\\n\", .tail = \"ab\\000c\\000\\377\", \
         .none = {120, 121, 122}, .small = {111, 107, 0, 0}, .id = {105, 100, 0, 0}, \
         .raw = {1, 2, 0, 0}, .grid = {\"one\", \"two\"}}\n",
        "{}",
        out.describe()
    );
    // The printed value is an initializer that makes the same bytes: passed
    // back in, C reads what it wrote.
    let printed = out
        .stdout
        .lines()
        .nth(1)
        .unwrap()
        .strip_prefix("n = ")
        .unwrap();
    let back = run_wyvern(&[
        "call",
        "-H",
        &h,
        "-l",
        &lib,
        "names_differ",
        &format!("&{printed}"),
    ]);
    assert_eq!(back.stdout.lines().next(), Some("0"), "{}", back.describe());
    // --json keeps char arrays as lists of integers, as the contract says.
    let json = common::wyvern_json(&["call", "--json", "-H", &h, "-l", &lib, "names_fill", "&{}"])
        .unwrap();
    assert_eq!(
        json["out"]["0"]["tail"],
        serde_json::json!([97, 98, 0, 99, 0, -1, 0, 0])
    );
    assert_eq!(json["out"]["0"]["name"][0], 104);
}
