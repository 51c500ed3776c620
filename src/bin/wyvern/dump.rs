//! `wyvern dump`: every declaration, as C text or JSON.

use std::io::Write;

use anyhow::Result;
use clap::Args;
use serde::Serialize;
use wyvern::{ConstValue, TypeSet};

use crate::args::Sources;

#[derive(Debug, Args)]
pub(crate) struct DumpArgs {
    /// Print one JSON object with every kind of declaration.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    sources: Sources,
}

#[derive(Serialize)]
struct Dump {
    /// Declarations left out because a type in them cannot be represented.
    skipped: Vec<SkippedJson>,
    functions: Vec<FunctionJson>,
    records: Vec<RecordJson>,
    enums: Vec<EnumJson>,
    typedefs: Vec<TypedefJson>,
    globals: Vec<GlobalJson>,
    constants: Vec<ConstantJson>,
    /// Macros a program may name as functions: `params` null for one that
    /// stands for a name.
    function_macros: Vec<FunctionMacroJson>,
}

#[derive(Serialize)]
struct FunctionMacroJson {
    name: String,
    params: Option<Vec<String>>,
    body: String,
}

#[derive(Serialize)]
struct SkippedJson {
    name: String,
    reason: String,
}

#[derive(Serialize)]
struct FunctionJson {
    name: String,
    /// Only when an asm label makes the symbol another than the name.
    #[serde(skip_serializing_if = "Option::is_none")]
    asm_label: Option<String>,
    #[serde(rename = "return")]
    ret: String,
    params: Vec<ParamJson>,
    variadic: bool,
    conv: String,
    callable: bool,
}

#[derive(Serialize)]
struct ParamJson {
    name: Option<String>,
    #[serde(rename = "type")]
    ty: String,
    /// The array type it was declared as (`uuid_t`, `int [4]`), where it was:
    /// `type` is the pointer C adjusts it to. Only present then.
    #[serde(skip_serializing_if = "Option::is_none")]
    declared: Option<String>,
}

#[derive(Serialize)]
struct RecordJson {
    name: String,
    kind: &'static str,
    size: Option<u64>,
    align: Option<u64>,
    complete: bool,
}

#[derive(Serialize)]
struct EnumJson {
    name: String,
    underlying: String,
    constants: Vec<EnumConstJson>,
}

#[derive(Serialize)]
struct EnumConstJson {
    name: String,
    value: serde_json::Value,
}

#[derive(Serialize)]
struct TypedefJson {
    name: String,
    #[serde(rename = "type")]
    ty: String,
}

#[derive(Serialize)]
struct GlobalJson {
    name: String,
    /// As for functions.
    #[serde(skip_serializing_if = "Option::is_none")]
    asm_label: Option<String>,
    #[serde(rename = "type")]
    ty: String,
}

#[derive(Serialize)]
struct ConstantJson {
    name: String,
    #[serde(rename = "type")]
    ty: String,
    value: ConstJson,
    origin: &'static str,
}

/// A constant's value: plain JSON, or a `long double` as `call --json` writes it.
#[derive(Serialize)]
#[serde(untagged)]
enum ConstJson {
    Plain(serde_json::Value),
    LongDouble(wyvern::Value),
}

/// An integer as an exact JSON integer (every C integer fits i64 or u64).
pub(crate) fn int_json(v: i128) -> serde_json::Value {
    if let Ok(i) = i64::try_from(v) {
        i.into()
    } else if let Ok(u) = u64::try_from(v) {
        u.into()
    } else {
        v.to_string().into()
    }
}

fn const_json(v: &ConstValue) -> ConstJson {
    ConstJson::Plain(match v {
        ConstValue::Int(i) => int_json(*i),
        ConstValue::Float(f) => serde_json::Number::from_f64(*f)
            .map(serde_json::Value::Number)
            .unwrap_or_else(|| f.to_string().into()),
        ConstValue::Str(bytes) => String::from_utf8_lossy(bytes).into_owned().into(),
        // As `call --json` writes a pointer.
        ConstValue::Pointer(address) => format!("{address:#x}").into(),
        ConstValue::LongDouble(v) => return ConstJson::LongDouble(wyvern::Value::LongDouble(*v)),
    })
}

fn collect(set: &TypeSet) -> Dump {
    Dump {
        skipped: set
            .skipped_declarations()
            .map(|(name, reason)| SkippedJson {
                name: name.to_owned(),
                reason: reason.to_owned(),
            })
            .collect(),
        functions: functions(set),
        records: records(set),
        enums: enums(set),
        typedefs: typedefs(set),
        globals: globals(set),
        constants: constants(set),
        function_macros: set
            .function_macros()
            .map(|m| FunctionMacroJson {
                name: m.name.clone(),
                params: m.params.clone(),
                body: m.body.clone(),
            })
            .collect(),
    }
}

/// Every function, with its signature and calling convention.
fn functions(set: &TypeSet) -> Vec<FunctionJson> {
    set.functions()
        .map(|f| {
            let sig = set.fn_sig(f.ty);
            FunctionJson {
                name: f.name.clone(),
                asm_label: f.asm_label.clone(),
                ret: sig.map(|s| set.spell(s.ret)).unwrap_or_default(),
                params: sig
                    .map(|s| {
                        s.params
                            .iter()
                            .enumerate()
                            .map(|(i, p)| ParamJson {
                                name: f.param_names.get(i).cloned().flatten(),
                                ty: set.spell(*p),
                                declared: f.param_array(i).map(|a| set.spell(a)),
                            })
                            .collect()
                    })
                    .unwrap_or_default(),
                variadic: sig.is_some_and(|s| s.variadic),
                conv: sig.map(|s| s.conv.name()).unwrap_or_default(),
                callable: f.is_callable(),
            }
        })
        .collect()
}

/// Every struct and union declared somewhere, with its layout when complete.
fn records(set: &TypeSet) -> Vec<RecordJson> {
    set.records()
        .filter(|(_, r)| r.location.is_some())
        .filter_map(|(id, r)| {
            let ty = set.record_type(id);
            let name = set.display_name(ty)?;
            let layout = set.layout(ty);
            Some(RecordJson {
                name,
                kind: r.kind.keyword(),
                size: layout.map(|l| l.size),
                align: layout.map(|l| l.align),
                complete: r.is_complete(),
            })
        })
        .collect()
}

/// Every enum with its constants.
fn enums(set: &TypeSet) -> Vec<EnumJson> {
    set.enums()
        .map(|(_, e)| {
            let name = match &e.tag {
                Some(tag) => format!("enum {tag}"),
                None => "enum {...}".to_owned(),
            };
            EnumJson {
                name,
                underlying: set.spell(e.underlying.into()),
                constants: e
                    .constants
                    .iter()
                    .map(|(n, v)| EnumConstJson {
                        name: n.clone(),
                        value: int_json(*v),
                    })
                    .collect(),
            }
        })
        .collect()
}

/// Every typedef and what it names.
fn typedefs(set: &TypeSet) -> Vec<TypedefJson> {
    set.typedefs()
        .map(|t| TypedefJson {
            name: t.name.clone(),
            ty: set.spell(t.target),
        })
        .collect()
}

/// Every global variable.
fn globals(set: &TypeSet) -> Vec<GlobalJson> {
    set.globals()
        .map(|g| GlobalJson {
            name: g.name.clone(),
            asm_label: g.asm_label.clone(),
            ty: set.spell(g.ty),
        })
        .collect()
}

/// Every constant: macros and enumerators.
fn constants(set: &TypeSet) -> Vec<ConstantJson> {
    set.constants()
        .map(|c| ConstantJson {
            name: c.name.clone(),
            ty: set.spell(c.ty),
            value: const_json(&c.value),
            origin: match c.origin {
                wyvern::types::ConstOrigin::Macro => "macro",
                wyvern::types::ConstOrigin::Enum => "enum",
            },
        })
        .collect()
}

/// ` __asm__("symbol")` as C spells an asm label, or nothing.
fn asm_label(label: Option<&str>) -> String {
    label
        .map(|l| format!(" __asm__({})", c_string(l)))
        .unwrap_or_default()
}

/// `text` as a C string literal: quotes, backslashes and other than printable
/// ASCII escaped (in octal, which no following digit can extend past three).
fn c_string(text: &str) -> String {
    let mut out = String::from("\"");
    for &byte in text.as_bytes() {
        match byte {
            b'"' | b'\\' => {
                out.push('\\');
                out.push(char::from(byte));
            }
            b' '..=b'~' => out.push(char::from(byte)),
            _ => out.push_str(&format!("\\{byte:03o}")),
        }
    }
    out.push('"');
    out
}

pub(crate) fn run(args: &DumpArgs, out: &mut dyn Write) -> Result<()> {
    let set = args.sources.load()?;
    let dump = collect(&set);
    let written = if args.json {
        crate::write_json(out, &dump)
    } else {
        write_text(&set, &dump, out)
    };
    // The process ends after this command: freeing every type and every
    // string of the dump one allocation at a time would be a twentieth of
    // its run (as in `layout`).
    std::mem::forget(dump);
    std::mem::forget(set);
    written
}

/// The sections in this order; each prints nothing when it has nothing.
fn write_text(set: &TypeSet, dump: &Dump, out: &mut dyn Write) -> Result<()> {
    write_functions(set, dump, out)?;
    write_records(dump, out)?;
    write_enums(dump, out)?;
    write_typedefs(set, dump, out)?;
    write_globals(set, dump, out)?;
    write_skipped(set, out)?;
    write_constants(set, dump, out)?;
    write_function_macros(set, !dump.constants.is_empty(), out)
}

/// The last section: after the constants (which end without a blank line,
/// `after_constants`) or after a section that ends with one.
fn write_function_macros(set: &TypeSet, after_constants: bool, out: &mut dyn Write) -> Result<()> {
    let mut macros = set.function_macros().peekable();
    if macros.peek().is_some() {
        if after_constants {
            writeln!(out)?;
        }
        writeln!(out, "/* macros a program may name as functions */")?;
        for m in macros {
            writeln!(out, "#define {} {}", m.usage(), m.body)?;
        }
    }
    Ok(())
}

fn write_functions(set: &TypeSet, dump: &Dump, out: &mut dyn Write) -> Result<()> {
    if !dump.functions.is_empty() {
        writeln!(out, "/* functions */")?;
        for f in set.functions() {
            let conv = set.fn_sig(f.ty).map(|s| s.conv.name()).unwrap_or_default();
            let label = asm_label(f.asm_label.as_deref());
            let declared = declared_arrays(set, f);
            writeln!(out, "{}{label};  /* {conv}{declared} */", set.prototype(f))?;
        }
        writeln!(out)?;
    }
    Ok(())
}

/// The parameters declared as arrays, as declared (`; declared: uuid_t out`),
/// for the note after a prototype that shows them as the pointers they are.
fn declared_arrays(set: &TypeSet, f: &wyvern::types::FunctionDecl) -> String {
    let declared: Vec<String> = (0..f.param_arrays.len())
        .filter_map(|i| {
            let name = f.param_names.get(i).cloned().flatten().unwrap_or_default();
            f.param_array(i).map(|array| set.declare(array, &name))
        })
        .collect();
    if declared.is_empty() {
        String::new()
    } else {
        format!("; declared: {}", declared.join(", "))
    }
}

fn write_records(dump: &Dump, out: &mut dyn Write) -> Result<()> {
    if !dump.records.is_empty() {
        writeln!(out, "/* records */")?;
        for r in &dump.records {
            match (r.size, r.align) {
                (Some(s), Some(a)) => writeln!(out, "{};  /* size {s}, align {a} */", r.name)?,
                _ => writeln!(out, "{};  /* incomplete */", r.name)?,
            }
        }
        writeln!(out)?;
    }
    Ok(())
}

fn write_enums(dump: &Dump, out: &mut dyn Write) -> Result<()> {
    if !dump.enums.is_empty() {
        writeln!(out, "/* enums */")?;
        for e in &dump.enums {
            let body: Vec<String> = e
                .constants
                .iter()
                .map(|c| format!("{} = {}", c.name, c.value))
                .collect();
            writeln!(
                out,
                "{} {{ {} }};  /* {} */",
                e.name,
                body.join(", "),
                e.underlying
            )?;
        }
        writeln!(out)?;
    }
    Ok(())
}

fn write_typedefs(set: &TypeSet, dump: &Dump, out: &mut dyn Write) -> Result<()> {
    if !dump.typedefs.is_empty() {
        writeln!(out, "/* typedefs */")?;
        for t in set.typedefs() {
            writeln!(out, "typedef {};", set.declare(t.target, &t.name))?;
        }
        writeln!(out)?;
    }
    Ok(())
}

fn write_globals(set: &TypeSet, dump: &Dump, out: &mut dyn Write) -> Result<()> {
    if !dump.globals.is_empty() {
        writeln!(out, "/* globals */")?;
        for g in set.globals() {
            let label = asm_label(g.asm_label.as_deref());
            writeln!(out, "extern {}{label};", set.declare(g.ty, &g.name))?;
        }
        writeln!(out)?;
    }
    Ok(())
}

fn write_skipped(set: &TypeSet, out: &mut dyn Write) -> Result<()> {
    let skipped: Vec<(&str, &str)> = set.skipped_declarations().collect();
    if !skipped.is_empty() {
        writeln!(out, "/* left out: types wyvern cannot represent */")?;
        for (name, why) in skipped {
            writeln!(out, "/* {name}: {why} */")?;
        }
        writeln!(out)?;
    }
    Ok(())
}

fn write_constants(set: &TypeSet, dump: &Dump, out: &mut dyn Write) -> Result<()> {
    if !dump.constants.is_empty() {
        writeln!(out, "/* constants */")?;
        for (c, json) in set.constants().zip(&dump.constants) {
            let value = match &c.value {
                ConstValue::Float(f) => format!("{f:?}"),
                ConstValue::LongDouble(v) => v.to_string(),
                ConstValue::Pointer(address) => format!("{address:#x}"),
                _ => match &json.value {
                    ConstJson::Plain(v) => v.to_string(),
                    ConstJson::LongDouble(v) => v.to_string(),
                },
            };
            writeln!(
                out,
                "{} = {value};  /* {}, {} */",
                c.name, json.ty, json.origin
            )?;
        }
    }
    Ok(())
}
