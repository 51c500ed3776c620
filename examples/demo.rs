//! The quick-start demo: real layouts of system structs, real macro constants and
//! real calls, from the machine's own headers at run time.
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
        .header("<signal.h>")
        .header("<stdlib.h>")
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
        "NULL",
        "SIG_IGN",
    ] {
        let c = types.constant(name)?;
        let value = match &c.value {
            wyvern::ConstValue::Int(v) => v.to_string(),
            wyvern::ConstValue::Float(v) => format!("{v:?}"),
            wyvern::ConstValue::LongDouble(v) => v.to_string(),
            wyvern::ConstValue::Str(s) => format!("{:?}", String::from_utf8_lossy(s)),
            wyvern::ConstValue::Pointer(address) => format!("{address:#x}"),
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

    calls(types)
}

/// Calls by header name: no type codes, every argument checked against the header.
fn calls(types: wyvern::TypeSet) -> wyvern::Result<()> {
    use wyvern::Value;
    println!("\ncalls, by header name:");
    // SAFETY: libc and libm run no initialisers that could harm this process.
    let libraries = unsafe {
        vec![
            wyvern::Library::open("libc.so.6")?,
            wyvern::Library::open("libm.so.6")?,
        ]
    };
    let module = wyvern::Module::with_libraries(types, libraries);

    let pow = module.function("pow")?;
    // SAFETY: pow has no preconditions.
    let result = unsafe { pow.call(&mut [2.into(), 10.into()])? };
    println!("  pow(2, 10) = {result}");

    // An out-parameter: a zeroed `struct stat` that stat() fills.
    let stat = module.function("stat")?;
    let mut args = [
        Value::from("/etc"),
        Value::Ref(module.new_object("struct stat")?),
    ];
    // SAFETY: a NUL-terminated path and a struct stat to write.
    let status = unsafe { stat.call(&mut args)? };
    let st = args[1].as_data().expect("the object passed by address");
    println!(
        "  stat(\"/etc\", &st) = {status}: st_mode = {:#o}, st_mtim = {}",
        st.get("st_mode")?.as_int().unwrap_or(0),
        st.get("st_mtim")?
    );

    // A variadic call: extra arguments take their C type from the value.
    let snprintf = module.function("snprintf")?;
    let mut args = [
        Value::Bytes(vec![0; 64]),
        64.into(),
        "%s has %d sides, %.2f rad each".into(),
        "a hexagon".into(),
        6.into(),
        (std::f64::consts::PI / 3.0).into(),
    ];
    // SAFETY: the format matches the arguments; the buffer holds 64 bytes.
    unsafe { snprintf.call(&mut args)? };
    if let Value::Bytes(buffer) = &args[0] {
        let text = buffer.split(|b| *b == 0).next().unwrap_or_default();
        println!("  snprintf -> {:?}", String::from_utf8_lossy(text));
    }

    // Checked conversions: errors name the argument.
    let fchmod = module.function("fchmod")?;
    // SAFETY: refused before C is reached.
    if let Err(e) = unsafe { fchmod.call(&mut [1.into(), (-1).into()]) } {
        println!("  fchmod(1, -1): {e}");
    }

    // Pointer constants and functions by name, checked against the parameter.
    let signal = module.function("signal")?;
    let usr1 = || Value::Ident("SIGUSR1".into());
    // SAFETY: SIGUSR1 is not raised; its disposition is set, then restored.
    let before = unsafe { signal.call(&mut [usr1(), Value::Ident("SIG_IGN".into())])? };
    // SAFETY: as above.
    let ignored = unsafe { signal.call(&mut [usr1(), before])? };
    println!("  signal(SIGUSR1, SIG_IGN), then back: the handler was {ignored}");
    // SAFETY: refused before C is reached.
    if let Err(e) = unsafe { signal.call(&mut [usr1(), Value::Ident("abort".into())]) } {
        println!("  signal(SIGUSR1, abort): {e}");
    }

    // The typed path: checked once against the header, then a plain call.
    let raw = pow.typed::<unsafe extern "C" fn(f64, f64) -> f64>()?;
    // SAFETY: pow has no preconditions.
    println!("  typed pow(2.5, 2) = {}", unsafe { raw(2.5, 2.0) });
    if let Err(e) = pow.typed::<unsafe extern "C" fn(f64, i32) -> f64>() {
        println!("  typed pow as fn(f64, i32): {e}");
    }
    Ok(())
}
