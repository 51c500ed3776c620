//! Sorting C structs with libc's `qsort` and a Rust closure as the comparator.
//!
//! `cargo run --example qsort`

use wyvern::{CData, Callback, Library, Module, Value};

fn main() -> wyvern::Result<()> {
    let types = wyvern::Parser::new()
        .header("<stdlib.h>")
        .cdef("struct city { char name[16]; int population; };")
        .parse()?;
    let module = Module::new(types, Library::this_process());
    let types = module.types();

    // An array of five `struct city`, filled by field path.
    let mut cities = CData::new_named(types, "struct city [5]")?;
    let data = [
        ("Lyon", 522),
        ("Paris", 2_102),
        ("Nice", 348),
        ("Lille", 236),
        ("Brest", 139),
    ];
    for (i, (name, population)) in data.iter().enumerate() {
        cities.set(&format!("[{i}].name"), *name)?;
        cities.set(&format!("[{i}].population"), *population)?;
    }

    // The comparator: a closure of the type of qsort's fourth parameter.
    let qsort = module.function("qsort")?;
    let city = types.type_named("struct city")?;
    let population = move |v: &Value| -> i128 {
        // SAFETY: qsort passes pointers to elements of the array.
        let element =
            unsafe { CData::read_from(types, city, v.as_address().unwrap_or(0) as *const u8) };
        element
            .and_then(|e| e.get("population"))
            .ok()
            .and_then(|p| p.as_int())
            .unwrap_or(0)
    };
    let by_population = Callback::for_param(&qsort, 3, move |args: &[Value]| {
        population(&args[0]).cmp(&population(&args[1])) as i32
    })?;

    let size = types.layout(city.id).map_or(0, |l| l.size);
    let mut args = [
        Value::Ref(cities),
        5.into(),
        Value::from(size),
        by_population.to_value(),
    ];
    // SAFETY: an array of 5 cities, the size of one, and a comparator for them.
    unsafe { qsort.call(&mut args)? };
    if let Some(sorted) = args[0].as_data() {
        println!("{sorted}");
    }
    Ok(())
}
