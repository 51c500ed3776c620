//! Reading DWARF: every record of an object laid out by `wyvern layout
//! --dwarf`, against `pahole` printing the same object, in one run (both as
//! processes, interleaved, the median of N), and one record by name. Targets:
//! on a small object (where process start and the first unit dominate) ≤ 1.0×
//! pahole's time; on the large library ≤ 0.5×; one record ≤ 10 ms.
//!
//! The object is built at startup with gcc from many system headers with
//! `-g -fno-eliminate-unused-debug-types`, so every type they declare is in it.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};

const HEADERS: &[&str] = &[
    "stdio.h",
    "stdlib.h",
    "string.h",
    "math.h",
    "time.h",
    "sys/stat.h",
    "sys/socket.h",
    "netinet/in.h",
    "netdb.h",
    "pthread.h",
    "signal.h",
    "elf.h",
    "regex.h",
    "sys/epoll.h",
    "ucontext.h",
    "termios.h",
    "dirent.h",
    "fcntl.h",
    "unistd.h",
    "sys/mman.h",
    "sys/resource.h",
    "sys/time.h",
    "sys/wait.h",
    "locale.h",
    "wchar.h",
    "glob.h",
    "sys/uio.h",
    "sys/ipc.h",
    "sys/shm.h",
    "sys/msg.h",
    "sys/sem.h",
    "sched.h",
    "spawn.h",
    "aio.h",
    "link.h",
    "dlfcn.h",
    "ifaddrs.h",
    "net/if.h",
    "sys/inotify.h",
    "sys/timerfd.h",
];

fn build(dir: &Path) -> PathBuf {
    let mut source = String::new();
    for h in HEADERS {
        if Path::new("/usr/include").join(h).exists()
            || Path::new("/usr/include/x86_64-linux-gnu").join(h).exists()
        {
            source.push_str(&format!("#include <{h}>\n"));
        }
    }
    source.push_str("int bench_marker(void) { return 0; }\n");
    std::fs::write(dir.join("big.c"), source).expect("write big.c");
    let object = dir.join("libbig.so");
    let out = Command::new("gcc")
        .current_dir(dir)
        .args([
            "-D_GNU_SOURCE",
            "-g",
            "-fno-eliminate-unused-debug-types",
            "-shared",
            "-fPIC",
            "-o",
        ])
        .arg(&object)
        .arg("big.c")
        .output()
        .expect("run gcc");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    object
}

fn time(mut command: Command) -> Duration {
    let start = Instant::now();
    let out = command.output().expect("run");
    let elapsed = start.elapsed();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    elapsed
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn bench(c: &mut Criterion) {
    let dir = std::env::temp_dir().join(format!("wyvern-bench-dwarf-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    let object = build(&dir);

    // In-process: the whole read, and the layouts of every record.
    let mut group = c.benchmark_group("dwarf");
    group.measurement_time(Duration::from_secs(3));
    group.bench_function("read every type", |b| {
        b.iter(|| wyvern::frontend::dwarf::read(&object).expect("read"))
    });
    group.bench_function("read one record by name", |b| {
        b.iter(|| wyvern::frontend::dwarf::read_types(&object, &["struct stat"]).expect("read"))
    });
    group.bench_function("read and lay out every record", |b| {
        b.iter(|| {
            let types = wyvern::frontend::dwarf::read(&object).expect("read");
            let mut text = String::new();
            for (name, ty) in types.named_records() {
                if let Ok(layout) = types.record_layout(ty, &name) {
                    text.push_str(&layout.to_text());
                }
            }
            text.len()
        })
    });
    group.finish();

    // As processes, interleaved: `wyvern layout --dwarf` against `pahole`, on the
    // object built here and on the largest C library with DWARF on the machine.
    let size = std::fs::metadata(&object).map_or(0, |m| m.len());
    compare(
        &object,
        &format!("built from {} headers, {} KiB", HEADERS.len(), size / 1024),
        "struct stat",
        // A few milliseconds each: enough runs that a loaded machine's noise
        // does not decide the ratio.
        101,
        1.0,
    );
    match larger_library() {
        Some(library) => {
            let size = std::fs::metadata(&library).map_or(0, |m| m.len());
            compare(
                &library,
                &format!("found on this machine, {} MiB", size >> 20),
                "struct _object",
                11,
                0.5,
            );
        }
        None => println!("\nno larger C library with DWARF found on this machine"),
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Times `wyvern layout --dwarf` of every record and of one, and `pahole`, as
/// processes, interleaved, and prints the medians and the ratio against
/// `target`.
fn compare(object: &Path, what: &str, one_record: &str, runs: usize, target: f64) {
    let wyvern = env!("CARGO_BIN_EXE_wyvern");
    let has_pahole = Command::new("pahole")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    let (mut ours, mut theirs, mut one) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..runs {
        let mut cmd = Command::new(wyvern);
        cmd.args(["layout", "--dwarf"]).arg(object);
        ours.push(time(cmd));
        let mut cmd = Command::new(wyvern);
        cmd.args(["layout", "--dwarf"]).arg(object).arg(one_record);
        one.push(time(cmd));
        if has_pahole {
            let mut cmd = Command::new("pahole");
            cmd.arg(object);
            theirs.push(time(cmd));
        }
    }
    println!(
        "\n{} ({what}), median of {runs} interleaved runs:",
        object.display()
    );
    println!(
        "  wyvern layout --dwarf (every record)   {:>8.2} ms",
        median(ours.clone()).as_secs_f64() * 1e3
    );
    println!(
        "  wyvern layout --dwarf '{one_record}'{:>width$} {:>8.2} ms (target <= 10 ms)",
        "",
        median(one).as_secs_f64() * 1e3,
        width = 14usize.saturating_sub(one_record.len())
    );
    if has_pahole {
        let (o, t) = (median(ours), median(theirs));
        println!(
            "  pahole (every struct)                  {:>8.2} ms",
            t.as_secs_f64() * 1e3
        );
        println!(
            "  wyvern / pahole: {:.2}x (target <= {target:.2}x)",
            o.as_secs_f64() / t.as_secs_f64()
        );
    } else {
        println!("  pahole is not installed (Debian: dwarves); no comparison");
    }
}

/// The largest C library with DWARF on the machine, if any: a Python built from
/// source by pyenv keeps its debug info (`libpython3.X.so`), and Debian's `-dbg`
/// packages put theirs under `/usr/lib/debug`.
fn larger_library() -> Option<PathBuf> {
    let mut candidates = Vec::new();
    let home = std::env::var_os("HOME").map(PathBuf::from);
    if let Some(versions) = home.map(|h| h.join(".pyenv/versions")) {
        for version in std::fs::read_dir(versions).into_iter().flatten().flatten() {
            for file in std::fs::read_dir(version.path().join("lib"))
                .into_iter()
                .flatten()
                .flatten()
            {
                let name = file.file_name().to_string_lossy().into_owned();
                if name.starts_with("libpython3") && name.ends_with(".so.1.0") {
                    candidates.push(file.path());
                }
            }
        }
    }
    for dir in std::fs::read_dir("/usr/lib/debug/.build-id")
        .into_iter()
        .flatten()
        .flatten()
    {
        for file in std::fs::read_dir(dir.path())
            .into_iter()
            .flatten()
            .flatten()
        {
            if file.path().extension().is_some_and(|e| e == "debug") {
                candidates.push(file.path());
            }
        }
    }
    candidates
        .into_iter()
        .filter(|p| has_c_debug_info(p))
        .max_by_key(|p| std::fs::metadata(p).map_or(0, |m| m.len()))
}

/// Whether the object has DWARF that wyvern reads (and so is worth comparing).
fn has_c_debug_info(path: &Path) -> bool {
    wyvern::frontend::dwarf::read_types(path, &["int"]).is_ok()
}

criterion_group!(benches, bench);
criterion_main!(benches);
