//! sqlite3 from its real header: open, `sqlite3_exec` with a Rust closure as
//! the row callback, then prepare, bind with `SQLITE_TRANSIENT` by name, step
//! and `sqlite3_column_text`. Skipped (with a note) where sqlite3 is absent.
//!
//! `cargo run --example sqlite3`

use std::sync::Mutex;

use wyvern::{CPtr, Callback, Library, Module, Value};

fn main() -> wyvern::Result<()> {
    let Ok(types) = wyvern::Parser::new().header("<sqlite3.h>").parse() else {
        println!("sqlite3.h is not installed (libsqlite3-dev): nothing to show");
        return Ok(());
    };
    // SAFETY: libsqlite3's initialisers are sound to run.
    let Ok(lib) = (unsafe { Library::open_linker_name("sqlite3") }) else {
        println!("libsqlite3 is not installed: nothing to show");
        return Ok(());
    };
    let sqlite = Module::new(types, lib);
    let types = sqlite.types();
    // SAFETY (every call below): sqlite3's contract is kept: valid handles,
    // NUL-terminated SQL, out-parameters of the declared types.
    let call = |name: &str, args: &mut [Value]| unsafe { sqlite.function(name)?.call(args) };

    let mut open = [
        ":memory:".into(),
        Value::Ref(sqlite.new_object("sqlite3 *")?),
    ];
    call("sqlite3_open", &mut open)?;
    let db = open[1]
        .as_data()
        .map(|d| d.get(""))
        .transpose()?
        .unwrap_or(Value::Null);

    // sqlite3_exec calls the closure once per row: (context, columns, values, names).
    let rows = Mutex::new(Vec::new());
    let exec = sqlite.function("sqlite3_exec")?;
    let on_row = Callback::for_param(&exec, 2, |args: &[Value]| {
        let n = args[1].as_int().unwrap_or(0) as usize;
        let text = |v: &Value, i: usize| -> wyvern::Result<String> {
            // SAFETY: sqlite passes arrays of n strings (or NULLs), valid during the call.
            let strings = unsafe {
                CPtr::new_named(types, "char **", v.as_address().unwrap_or(0))?.with_len(n)?
            };
            let s = unsafe { strings.follow(&format!("[{i}]"))?.c_string(None) };
            Ok(s.map_or("NULL".into(), |b| String::from_utf8_lossy(&b).into_owned()))
        };
        let row: wyvern::Result<Vec<String>> = (0..n)
            .map(|i| Ok(format!("{}={}", text(&args[3], i)?, text(&args[2], i)?)))
            .collect();
        rows.lock()
            .unwrap()
            .push(row.map(|r| r.join(" ")).unwrap_or_else(|e| e.to_string()));
        0
    })?;
    let sql = "create table city(name text, people int);
               insert into city values ('Lyon', 522), ('Nice', 348);
               select * from city order by people;";
    let mut args = [
        db.clone(),
        sql.into(),
        on_row.to_value(),
        Value::Null,
        Value::Null,
    ];
    call("sqlite3_exec", &mut args)?;
    for row in rows.lock().unwrap().iter() {
        println!("exec row: {row}");
    }

    // prepare / bind (sqlite copies the text: SQLITE_TRANSIENT) / step / column_text.
    let mut prepare = [
        db.clone(),
        "select upper(?) || '!'".into(),
        Value::Int(-1),
        Value::Ref(sqlite.new_object("sqlite3_stmt *")?),
        Value::Null,
    ];
    call("sqlite3_prepare_v2", &mut prepare)?;
    let stmt = prepare[3]
        .as_data()
        .map(|d| d.get(""))
        .transpose()?
        .unwrap_or(Value::Null);
    let transient = Value::Ident("SQLITE_TRANSIENT".into());
    call(
        "sqlite3_bind_text",
        &mut [
            stmt.clone(),
            1.into(),
            "hello".into(),
            Value::Int(-1),
            transient,
        ],
    )?;
    let step = call("sqlite3_step", &mut [stmt.clone()])?;
    let row = match types.constant("SQLITE_ROW")?.value {
        wyvern::ConstValue::Int(v) => Value::Int(v),
        _ => Value::Void,
    };
    println!(
        "step: {step} ({})",
        if step == row { "SQLITE_ROW" } else { "no row" }
    );
    let text = call("sqlite3_column_text", &mut [stmt.clone(), 0.into()])?;
    // SAFETY: column_text's string is valid until the next step.
    let text = unsafe { text.c_string(None)? }.unwrap_or_default();
    println!("column 0: {}", String::from_utf8_lossy(&text));
    call("sqlite3_finalize", &mut [stmt])?;
    call("sqlite3_close", &mut [db])?;
    Ok(())
}
