//! Reading DWARF: every record of a large object laid out by `wyvern layout
//! --dwarf`, against `pahole` printing the same object, in one run (both as
//! processes, interleaved, best of N), and one record by name. Targets: the full
//! read ≤ 0.5× pahole's time; one record ≤ 10 ms.
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

    // As processes, interleaved: `wyvern layout --dwarf` against `pahole`.
    let wyvern = env!("CARGO_BIN_EXE_wyvern");
    let has_pahole = Command::new("pahole")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    let (mut ours, mut theirs, mut one) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..21 {
        let mut cmd = Command::new(wyvern);
        cmd.args(["layout", "--dwarf"]).arg(&object);
        ours.push(time(cmd));
        let mut cmd = Command::new(wyvern);
        cmd.args(["layout", "--dwarf"])
            .arg(&object)
            .arg("struct stat");
        one.push(time(cmd));
        if has_pahole {
            let mut cmd = Command::new("pahole");
            cmd.arg(&object);
            theirs.push(time(cmd));
        }
    }
    let size = std::fs::metadata(&object).map_or(0, |m| m.len());
    println!(
        "\n{} ({} KiB of object, {} headers), median of 21 interleaved runs:",
        object.display(),
        size / 1024,
        HEADERS.len()
    );
    println!(
        "  wyvern layout --dwarf (every record)   {:>8.2} ms",
        median(ours.clone()).as_secs_f64() * 1e3
    );
    println!(
        "  wyvern layout --dwarf 'struct stat'    {:>8.2} ms (target <= 10 ms)",
        median(one).as_secs_f64() * 1e3
    );
    if has_pahole {
        let (o, t) = (median(ours), median(theirs));
        println!(
            "  pahole (every struct)                  {:>8.2} ms",
            t.as_secs_f64() * 1e3
        );
        println!(
            "  wyvern / pahole: {:.2}x (target <= 0.50x)",
            o.as_secs_f64() / t.as_secs_f64()
        );
    } else {
        println!("  pahole is not installed (Debian: dwarves); no comparison");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

criterion_group!(benches, bench);
criterion_main!(benches);
