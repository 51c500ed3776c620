//! Start-up: `wyvern dump` of six libc headers as a process, against a bare
//! libclang parse process of the same headers with the same libclang and the same
//! compiler arguments (benches/bare_parse.c, built here with `cc`). Interleaved
//! rounds, medians, the ratio and its target (≤ 1.1×), of the wall time and of the
//! CPU time (user + system, from `getrusage`), which other work on a shared
//! machine disturbs less. `wyvern` runs with the
//! caller's environment, so without `LIBCLANG_PATH` it pays for its own search;
//! the bare process is handed the file that search chose. Two bare parses: with
//! libclang's default options (the floor of any reader), and with the options
//! wyvern parses with (a detailed preprocessing record, for macro constants, and
//! function bodies skipped), which tells what wyvern adds to the parse it needs.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

const HEADERS: [&str; 6] = [
    "stdio.h",
    "stdlib.h",
    "string.h",
    "math.h",
    "time.h",
    "sys/stat.h",
];
const ROUNDS: usize = 31;

fn main() {
    let mut parser = wyvern::Parser::new();
    let mut text = String::new();
    let mut dump = vec!["dump".to_owned()];
    for h in HEADERS {
        parser = parser.header(format!("<{h}>"));
        text.push_str(&format!("#include <{h}>\n"));
        dump.extend(["-H".to_owned(), h.to_owned()]);
    }
    let args = parser.clang_args().expect("libclang loads");
    let library = wyvern::__private::libclang_path().expect("libclang loads");
    let bare = build_bare();

    let mut bare_cmd = Command::new(&bare);
    bare_cmd.arg(&library).arg("0").arg(&text).args(&args);
    let mut same_cmd = Command::new(&bare);
    same_cmd.arg(&library).arg("0x41").arg(&text).args(&args);
    let mut wyvern_cmd = Command::new(env!("CARGO_BIN_EXE_wyvern"));
    wyvern_cmd.args(&dump);

    // Once each, checked, before timing.
    let out = wyvern_cmd.output().expect("runs wyvern");
    assert!(
        out.status.success(),
        "wyvern dump failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines = out.stdout.iter().filter(|&&b| b == b'\n').count();
    assert!(lines > 500, "wyvern dump printed only {lines} lines");
    run(&mut bare_cmd);
    run(&mut same_cmd);

    // [wall, cpu] of each: bare, bare with wyvern's options, wyvern.
    let mut times: [[Vec<f64>; 2]; 3] = Default::default();
    for _ in 0..ROUNDS {
        for (i, cmd) in [&mut bare_cmd, &mut same_cmd, &mut wyvern_cmd]
            .into_iter()
            .enumerate()
        {
            let (wall, cpu) = run(cmd);
            times[i][0].push(wall);
            times[i][1].push(cpu);
        }
    }
    let [[b, bc], [s, sc], [w, wc]] = times.map(|t| t.map(median));
    println!(
        "{} at {}{}\nstart-up, six headers as a process, median of {ROUNDS} interleaved rounds:\n\
         ratio: wyvern dump {:.1} ms / bare libclang parse process {:.1} ms = {:.2}x (target <= 1.1x)\n\
         cpu:   wyvern dump {:.1} ms / bare libclang parse process {:.1} ms = {:.2}x\n\
         with wyvern's parse options (detailed preprocessing record, no function bodies):\n\
         ratio: wyvern dump {:.1} ms / bare libclang parse process {:.1} ms = {:.2}x\n\
         cpu:   wyvern dump {:.1} ms / bare libclang parse process {:.1} ms = {:.2}x",
        wyvern::libclang_version().unwrap(),
        library.display(),
        match std::env::var_os("LIBCLANG_PATH") {
            Some(v) => format!(" (LIBCLANG_PATH={})", Path::new(&v).display()),
            None => " (found by wyvern's search, LIBCLANG_PATH unset)".to_owned(),
        },
        w * 1e3,
        b * 1e3,
        w / b,
        wc * 1e3,
        bc * 1e3,
        wc / bc,
        w * 1e3,
        s * 1e3,
        w / s,
        wc * 1e3,
        sc * 1e3,
        wc / sc,
    );
}

/// Runs `command` with its output thrown away; its wall time and CPU time
/// (user + system) in seconds.
fn run(command: &mut Command) -> (f64, f64) {
    let before = children_cpu();
    let t = Instant::now();
    let status = command
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .status()
        .expect("runs");
    let elapsed = t.elapsed().as_secs_f64();
    assert!(status.success(), "{command:?} failed");
    (elapsed, children_cpu() - before)
}

/// The CPU time of every child waited for so far, in seconds.
fn children_cpu() -> f64 {
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: getrusage fills the struct it is given; it is zeroed before.
    let usage = unsafe {
        libc::getrusage(libc::RUSAGE_CHILDREN, usage.as_mut_ptr());
        usage.assume_init()
    };
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 * 1e-6;
    secs(usage.ru_utime) + secs(usage.ru_stime)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Builds benches/bare_parse.c with the C compiler (`CC`, else `cc`).
fn build_bare() -> PathBuf {
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/bare_parse.c");
    let exe = std::env::temp_dir().join(format!("wyvern-bare-parse-{}", std::process::id()));
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".to_owned());
    let status = Command::new(&cc)
        .args(["-O2", "-o"])
        .arg(&exe)
        .arg(&source)
        .arg("-ldl")
        .status()
        .unwrap_or_else(|e| panic!("cannot run {cc}: {e}"));
    assert!(status.success(), "{cc} failed on {}", source.display());
    exe
}
