//! zlib from its real header: `compress2` and `uncompress` round trip, with
//! the lengths as out-parameters and `Z_BEST_COMPRESSION` by name. Skipped
//! (with a note) where zlib's header is absent.
//!
//! `cargo run --example zlib`

use wyvern::{Library, Module, Value};

fn main() -> wyvern::Result<()> {
    let Ok(types) = wyvern::Parser::new().header("<zlib.h>").parse() else {
        println!("zlib.h is not installed (zlib1g-dev): nothing to show");
        return Ok(());
    };
    // SAFETY: zlib's initialisers are sound to run.
    let zlib = Module::new(types, unsafe { Library::open_linker_name("z")? });
    // SAFETY (every call below): zlib's contract is kept: buffers as long as
    // the lengths say, out-parameters of the declared types.
    let call = |name: &str, args: &mut [Value]| unsafe { zlib.function(name)?.call(args) };

    let text = b"wyvern calls C from its headers. ".repeat(20);
    let bound = call("compressBound", &mut [Value::from(text.len())])?;
    let mut packed_len = zlib.new_object("uLongf")?;
    packed_len.set("", bound.clone())?;
    let mut args = [
        Value::Bytes(vec![0; bound.as_int().unwrap_or(0) as usize]),
        Value::Ref(packed_len),
        Value::Bytes(text.clone()),
        Value::from(text.len()),
        Value::Ident("Z_BEST_COMPRESSION".into()),
    ];
    let status = call("compress2", &mut args)?;
    // C wrote the compressed length into the out-parameter, the bytes into the buffer.
    let [Value::Bytes(mut packed), Value::Ref(len), ..] = args else {
        unreachable!("arguments keep their kind")
    };
    packed.truncate(len.get("")?.as_int().unwrap_or(0) as usize);
    println!(
        "compress2: {status}, {} bytes -> {} bytes",
        text.len(),
        packed.len()
    );

    let mut out_len = zlib.new_object("uLongf")?;
    out_len.set("", text.len())?;
    let n = packed.len();
    let mut args = [
        Value::Bytes(vec![0; text.len()]),
        Value::Ref(out_len),
        Value::Bytes(packed),
        Value::from(n),
    ];
    let status = call("uncompress", &mut args)?;
    let same = matches!(&args[0], Value::Bytes(b) if *b == text);
    println!("uncompress: {status}, the text back: {same}");
    let crc = call(
        "crc32",
        &mut [
            0.into(),
            Value::Bytes(text.clone()),
            Value::from(text.len()),
        ],
    )?;
    println!("crc32: {crc}");
    Ok(())
}
