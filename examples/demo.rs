//! The quick-start demo: real layouts of system structs and real macro constants,
//! read from the machine's own headers at run time.
//!
//! `cargo run --example demo` (or `make demo`).

fn main() -> wyvern::Result<()> {
    println!("libclang: {}\n", wyvern::libclang_version()?);

    let types = wyvern::Parser::new()
        .header("<sys/stat.h>")
        .header("<sys/epoll.h>")
        .header("<fcntl.h>")
        .header("<stdio.h>")
        .header("<limits.h>")
        .header("<math.h>")
        .header("<pthread.h>")
        .parse()?;

    for name in ["struct stat", "struct epoll_event", "pthread_mutex_t"] {
        let ty = types.type_named(name)?;
        println!("{}", types.record_layout(ty.id, name)?.to_text());
    }

    println!("macro constants, with their C types:");
    for name in [
        "O_CREAT",
        "O_WRONLY",
        "SEEK_END",
        "EOF",
        "BUFSIZ",
        "INT_MAX",
        "ULONG_MAX",
        "M_PI",
        "P_tmpdir",
    ] {
        let c = types.constant(name)?;
        let value = match &c.value {
            wyvern::ConstValue::Int(v) => v.to_string(),
            wyvern::ConstValue::Float(v) => format!("{v:?}"),
            wyvern::ConstValue::Str(s) => format!("{:?}", String::from_utf8_lossy(s)),
        };
        println!("  {name:<10} = {value:<22} ({})", types.spell(c.ty));
    }

    println!("\nfunctions, by their header names:");
    for name in ["stat", "epoll_wait", "pow", "printf", "pthread_create"] {
        let f = types.function(name)?;
        println!("  {};", types.prototype(f));
    }

    // Asking for what is not there says what is close.
    if let Err(e) = types.type_named("struct stta") {
        println!("\nasking for 'struct stta': {e}");
    }
    if let Err(e) = types.constant("stdout") {
        println!("asking for 'stdout' as a constant: {e}");
    }
    Ok(())
}
