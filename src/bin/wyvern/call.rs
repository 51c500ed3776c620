//! `wyvern call`: call a function by its header name with C literals.

use std::collections::BTreeMap;
use std::io::Write;

use anyhow::{anyhow, bail, Context, Result};
use clap::Args;
use wyvern::types::{LiteralError, LiteralProblem, RecordId, RecordKind};
use wyvern::{CData, ConstValue, Function, Library, Module, QualType, TypeSet, Value};
use wyvern::{FloatKind, IntKind, Type, TypeId};

use crate::args::{Sources, UsageError};
use crate::literal::{self, Designator, Lit};

#[derive(Debug, Args)]
pub(crate) struct CallArgs {
    /// Print {"return": VALUE, "out": {"INDEX": VALUE}} as JSON.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    sources: Sources,
    /// A library to load: NAME as the linker's -lNAME finds it (-l z for
    /// zlib), a soname such as libm.so.6, or a path (repeatable; searched in
    /// order). Without one, the running process (libc) is searched.
    #[arg(short = 'l', long = "library", value_name = "LIBRARY")]
    libraries: Vec<String>,
    /// The function, by its header name.
    #[arg(value_name = "FUNCTION")]
    function: String,
    /// Arguments as C literals: 42, -5, 0x1f, 5UL, 2.5, 'c', "text", NULL,
    /// {1, {2.5, 3}}, {.x = 1}, &{} (an out-parameter, printed after the call).
    #[arg(
        value_name = "ARG",
        trailing_var_arg = true,
        allow_hyphen_values = true
    )]
    args: Vec<String>,
}

/// `{"return": VALUE, "out": {"INDEX": VALUE}}`; `errno` only when the call set it.
/// Struct fields keep their declaration order.
#[derive(serde::Serialize)]
struct JsonResult<'a> {
    #[serde(rename = "return")]
    result: &'a Value,
    out: BTreeMap<String, Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    errno: Option<i32>,
}

pub(crate) fn run(args: &CallArgs, out: &mut dyn Write) -> Result<()> {
    let (module, function) = bind(args)?;
    let (mut values, outputs) = arguments(args, &module, &function)?;
    // A saved errno of 0 going in tells whether the call set it.
    wyvern::set_errno(0);
    // A crash inside the call is reported as an error naming it, exit status 1.
    let result = crate::crash::guarded(&args.function, || {
        // SAFETY: the user asked for this call; wyvern checked every argument against
        // the header, and what the function does with them is the user's contract.
        unsafe { function.call(&mut values) }
    })
    .map_err(cli_hint)?;
    let errno = wyvern::last_errno();
    // What the function printed through C's stdio comes before wyvern's output.
    // SAFETY: fflush(NULL) flushes every open C stream; it has no preconditions.
    unsafe { libc::fflush(std::ptr::null_mut()) };
    let result = readable_result(module.types(), function.signature().ret.id, result);
    if args.json {
        let json = JsonResult {
            result: &result,
            out: outputs
                .iter()
                .map(|&i| (i.to_string(), pointee_of(&values[i])))
                .collect(),
            errno: (errno != 0).then_some(errno),
        };
        return crate::write_json(out, &json);
    }
    writeln!(out, "{result}")?;
    for &i in &outputs {
        let name = function
            .param_names()
            .get(i)
            .cloned()
            .flatten()
            .unwrap_or_else(|| format!("arg{}", i + 1));
        writeln!(out, "{name} = {}", pointee_of(&values[i]))?;
    }
    if errno != 0 {
        let text = std::io::Error::from_raw_os_error(errno).to_string();
        let text = text.split(" (os error").next().unwrap_or_default();
        eprintln!("note: errno = {errno}: {text}");
    }
    Ok(())
}

/// The declarations, the libraries to search and the function asked for in them.
fn bind(args: &CallArgs) -> Result<(Module, Function)> {
    let types = args.sources.load()?;
    // With --dwarf, the object itself is the library unless -l says otherwise.
    let mut names = args.libraries.clone();
    if names.is_empty() {
        if let Some(object) = &args.sources.dwarf {
            // A path, not a soname: dlopen would search the system for a bare name.
            let path = std::fs::canonicalize(object).unwrap_or_else(|_| object.clone());
            names.push(path.display().to_string());
        }
    }
    let libraries = open_libraries(&names)?;
    let module = Module::with_libraries(types, libraries);
    let function = module.function(&args.function).map_err(|e| {
        let missing_symbol = matches!(e.kind(), wyvern::ErrorKind::Symbol { .. });
        if missing_symbol && args.libraries.is_empty() {
            anyhow!("{e}\n  add -l LIBRARY to load the library that defines it (libm.so.6 for math functions)")
        } else {
            e.into()
        }
    })?;
    Ok((module, function))
}

/// The arguments as values of the parameters' types, and the indexes of those
/// that are out-parameters (an address or a buffer), printed after the call.
fn arguments(
    args: &CallArgs,
    module: &Module,
    function: &Function,
) -> Result<(Vec<Value>, Vec<usize>)> {
    let sig = function.signature();
    let mut raw_args: Vec<&str> = args.args.iter().map(String::as_str).collect();
    if raw_args.first() == Some(&"--") {
        raw_args.remove(0);
    }
    let mut values = Vec::with_capacity(raw_args.len());
    let mut outputs = Vec::new();
    for (i, text) in raw_args.iter().enumerate() {
        let lit =
            literal::parse(text).map_err(|e| UsageError(format!("argument {}: {e}", i + 1)))?;
        let place = function.describe_argument(i);
        let value = match sig.params.get(i) {
            Some(param) => {
                if matches!(lit, Lit::AddressOf(_) | Lit::Buffer(..)) {
                    outputs.push(i);
                }
                let declared = function.param_array(i);
                typed_value(module, param.id, declared, &lit).with_context(|| place.clone())?
            }
            None => {
                // `&(int){0}`: an out-argument a variadic function writes
                // (sscanf's), printed after the call as a fixed one is.
                if matches!(&lit, Lit::AddressOf(inner) if matches!(**inner, Lit::Compound(..))) {
                    outputs.push(i);
                }
                variadic_value(module, &lit).with_context(|| place.clone())?
            }
        };
        values.push(value);
    }
    Ok((values, outputs))
}

/// A call's error, with the library's Rust hint (`pass Value::Ref`) in the
/// CLI's spelling: an object goes by address as `&(T){...}`.
fn cli_hint(e: wyvern::Error) -> anyhow::Error {
    match e.kind() {
        wyvern::ErrorKind::Value {
            place,
            problem: wyvern::ValueProblem::NotAPointer { ty, object: true },
        } => anyhow!(
            "{place}: a '{ty}' object is not a pointer; write &({ty}){{...}} to pass one by address"
        ),
        _ => e.into(),
    }
}

fn open_libraries(names: &[String]) -> Result<Vec<Library>> {
    if names.is_empty() {
        return Ok(vec![Library::this_process()]);
    }
    names
        .iter()
        // SAFETY: the user named the library to load; running its initialisers is
        // what they asked for.
        .map(|name| unsafe { Library::open_linker_name(name) }.map_err(anyhow::Error::from))
        .collect()
}

/// What an out-parameter points to, for printing.
fn pointee_of(value: &Value) -> Value {
    match value {
        Value::Ref(data) => Value::Data(data.clone()),
        other => other.clone(),
    }
}

/// A `char *` result becomes its string (or NULL); other values stay as they are.
fn readable_result(types: &TypeSet, ret: TypeId, result: Value) -> Value {
    let Type::Pointer(pointee) = types.ty(types.canonical(ret)) else {
        return result;
    };
    let is_char = matches!(
        types.ty(types.canonical(pointee.id)),
        Type::Int(wyvern::IntKind::Char { .. })
    );
    match (is_char, &result) {
        (true, Value::Pointer(address)) => {
            // SAFETY: the header says the function returns a `char *`; by C
            // convention a non-NULL one points to a NUL-terminated string.
            let text = unsafe { std::ffi::CStr::from_ptr(*address as *const std::ffi::c_char) };
            match std::ffi::CString::new(text.to_bytes()) {
                Ok(s) => Value::Str(s),
                Err(_) => result,
            }
        }
        _ => result,
    }
}

/// The value of literal `lit` for a parameter of type `ty`, declared as array
/// type `declared` where it was (`uuid_t out`: `ty` is `unsigned char *`).
fn typed_value(
    module: &Module,
    ty: TypeId,
    declared: Option<QualType>,
    lit: &Lit,
) -> Result<Value> {
    let types = module.types();
    match lit {
        Lit::AddressOf(inner) if matches!(**inner, Lit::Compound(..)) => {
            Ok(Value::Ref(compound(module, inner)?))
        }
        Lit::Compound(..) => object_value(compound(module, lit)?),
        Lit::AddressOf(inner) | Lit::Buffer(_, inner) => {
            let sized = match declared {
                Some(array) => declared_temporary(types, array, lit)?,
                None => None,
            };
            let object = match sized {
                Some(object) => object,
                None => temporary_type(types, ty, lit)?,
            };
            let mut data = CData::new(types, object)?;
            fill(module, &mut data, "", object.id, inner)?;
            Ok(Value::Ref(data))
        }
        Lit::List(_) => {
            let mut data = CData::new(types, QualType::new(ty))?;
            fill(module, &mut data, "", ty, lit)?;
            match types.ty(types.canonical(ty)) {
                Type::Record(_) | Type::Array { .. } | Type::Complex(_) | Type::Vector { .. } => {
                    Ok(Value::Data(data))
                }
                // `{5}` for a scalar, as C allows.
                _ => Ok(data.get("")?),
            }
        }
        other => scalar_value(module, ty, other),
    }
}

/// The type of the temporary object `&{...}` or `&[N]` (`lit`) makes for a
/// pointer parameter of type `ty`: its pointee, or an array of them.
fn temporary_type(types: &TypeSet, ty: TypeId, lit: &Lit) -> Result<QualType> {
    let Type::Pointer(pointee) = types.ty(types.canonical(ty)) else {
        bail!(
            "&{{...}} passes an address, but the parameter is '{}'",
            types.spell(QualType::new(ty))
        );
    };
    let pointee = QualType::new(pointee.id);
    let pointee_kind = types.ty(types.canonical(pointee.id));
    let items = match lit {
        Lit::AddressOf(inner) | Lit::Buffer(_, inner) => match &**inner {
            Lit::List(items) => items.len(),
            _ => 1,
        },
        _ => 1,
    };
    Ok(match (lit, pointee_kind) {
        (_, Type::Function(_)) => {
            bail!("&{{...}} cannot make a function; pass the name of a declared function instead")
        }
        (Lit::Buffer(None, _), _) => bail!(
            "&[] takes its length from a parameter declared as an array, and '{}' is not one; write &[N]",
            types.spell(QualType::new(ty))
        ),
        (Lit::Buffer(Some(count), _), Type::Void) => {
            let byte = types.type_named("unsigned char")?;
            QualType::new(types.array_of(byte, *count)?)
        }
        (Lit::Buffer(Some(count), _), _) => QualType::new(types.array_of(pointee, *count)?),
        (_, Type::Void) => {
            bail!("&{{...}} cannot make an object for 'void *'; use &[N] for a buffer of N bytes")
        }
        (_, Type::Int(IntKind::Char { .. } | IntKind::SChar | IntKind::UChar)) if items == 0 => {
            bail!(
                "&{{}} would make a single '{}'; use &[N] for a buffer of N",
                types.spell(pointee)
            )
        }
        // `&{1, 2, 3}` for a scalar pointee: an array, as a compound literal.
        (_, Type::Int(_) | Type::Float(_) | Type::Pointer(_) | Type::Bool | Type::Enum(_))
            if items > 1 =>
        {
            QualType::new(types.array_of(pointee, items as u64)?)
        }
        _ => pointee,
    })
}

/// For a parameter declared as array type `array` (`uuid_t`, `int [4]`):
/// `&{...}` makes the whole array (`&{}` all zeros) and must give every element
/// or none, since a short list leaves what the function reads as zeros the user
/// did not write; `&[N]` must be at least as long. `None` keeps the buffer
/// `&[N]` makes without a declared length.
fn declared_temporary(types: &TypeSet, array: QualType, lit: &Lit) -> Result<Option<QualType>> {
    let Type::Array {
        elem,
        len: Some(len),
    } = types.ty(types.canonical(array.id))
    else {
        return Ok(None);
    };
    let declared = || {
        format!(
            "the parameter is declared as '{}', an array of {len}",
            types.spell(array)
        )
    };
    match lit {
        Lit::Buffer(None, _) => Ok(Some(array)),
        Lit::Buffer(Some(count), _) if count < len => {
            bail!(
                "&[{count}] is too short: {}; use &[{len}] or &{{}}",
                declared()
            )
        }
        Lit::Buffer(..) => Ok(None),
        Lit::AddressOf(inner) => {
            let Lit::List(items) = &**inner else {
                return Ok(Some(array));
            };
            let designated = items.iter().any(|(d, _)| !d.is_empty());
            let string = matches!(items.as_slice(), [(_, Lit::Str(_))])
                && matches!(
                    types.ty(types.canonical(elem.id)),
                    Type::Int(IntKind::Char { .. } | IntKind::SChar | IntKind::UChar)
                );
            let given = items.len() as u64;
            if given != 0 && given != *len && !designated && !string {
                bail!(
                    "&{{...}} gives {given} value{}: {}; give {len}, or &{{}} for {len} zeros",
                    if given == 1 { "" } else { "s" },
                    declared()
                );
            }
            Ok(Some(array))
        }
        _ => Ok(None),
    }
}

/// A literal that is not a brace initializer, as a value for type `ty`.
fn scalar_value(module: &Module, ty: TypeId, lit: &Lit) -> Result<Value> {
    let types = module.types();
    let pointer = match types.ty(types.canonical(ty)) {
        Type::Pointer(p) => Some(*p),
        _ => None,
    };
    Ok(match lit {
        // An address, as printed by an earlier call: `(T *)0x…` in C.
        Lit::Int { value, .. } if pointer.is_some() && *value != 0 => Value::Pointer(
            usize::try_from(*value).map_err(|_| anyhow!("{value} is not an address"))?,
        ),
        Lit::Ident(name) => ident_value(module, name, pointer.map(|_| ty))?,
        // Read for a `long double`, a literal is rounded once, to it (as
        // `strtold` reads it), so a printed result reads back exactly.
        Lit::Float { long, .. }
            if matches!(
                types.ty(types.canonical(ty)),
                Type::Float(FloatKind::LongDouble)
            ) =>
        {
            Value::LongDouble(*long)
        }
        other => plain_value(types, other)?,
    })
}

/// An identifier: a function's address for a pointer `pointer` (checked by
/// wyvern for the type), a global variable's value (the address of an array of
/// unknown length, for a pointer), or a constant (resolved by wyvern against
/// the type: pointer constants checked too).
fn ident_value(module: &Module, name: &str, pointer: Option<TypeId>) -> Result<Value> {
    let types = module.types();
    if types.constant(name).is_ok() {
        return Ok(Value::Ident(name.to_owned()));
    }
    if let Some(ty) = pointer.filter(|_| types.function(name).is_ok()) {
        // Its symbol: the asm label, where the header gives one.
        return Ok(module.function_value(name, ty)?);
    }
    if let Ok(global) = types.global(name) {
        // An array of unknown length (`extern int table[];`) cannot be copied; as
        // an argument C passes its address, which is what a pointer parameter takes.
        let unknown_length = matches!(
            types.ty(types.canonical(global.ty.id)),
            Type::Array { len: None, .. }
        );
        if unknown_length && pointer.is_some() {
            return Ok(Value::Pointer(module.symbol(name)? as usize));
        }
        // SAFETY: reading a global variable; this process runs no other threads
        // that could be writing it.
        return Ok(unsafe { module.global(name) }?);
    }
    Ok(Value::Ident(name.to_owned()))
}

/// A literal as a value, independent of any type.
fn plain_value(types: &TypeSet, lit: &Lit) -> Result<Value> {
    Ok(match lit {
        Lit::Int { value, kind: None } => Value::Int(*value),
        Lit::Int {
            value,
            kind: Some(kind),
        } => Value::IntOf(*kind, *value),
        Lit::BigUnsigned(value) => Value::U128(*value),
        Lit::Float {
            long,
            kind: Some(FloatKind::LongDouble),
            ..
        } => Value::LongDouble(*long),
        Lit::Float {
            value, kind: None, ..
        } => Value::Float(*value),
        Lit::Float {
            value,
            kind: Some(kind),
            ..
        } => Value::FloatOf(*kind, *value),
        Lit::Char(c) => Value::Int(*c),
        Lit::Str(bytes) => match std::ffi::CString::new(bytes.clone()) {
            Ok(s) => Value::Str(s),
            Err(e) => Value::Bytes(e.into_vec()),
        },
        Lit::Null => Value::Null,
        Lit::Ident(name) => Value::Ident(name.clone()),
        Lit::Expr(text) => match types.evaluate(text).map_err(expression_error)? {
            ConstValue::Int(v) => Value::Int(v),
            ConstValue::Float(v) => Value::Float(v),
            ConstValue::LongDouble(v) => Value::LongDouble(v),
            ConstValue::Pointer(address) => Value::Pointer(
                usize::try_from(address).map_err(|_| anyhow!("{address:#x} is not an address"))?,
            ),
            ConstValue::Str(bytes) => match std::ffi::CString::new(bytes) {
                Ok(s) => Value::Str(s),
                Err(e) => Value::Bytes(e.into_vec()),
            },
        },
        Lit::List(_) | Lit::AddressOf(_) | Lit::Buffer(..) | Lit::Compound(..) => {
            bail!("braces and & cannot be used here")
        }
    })
}

/// An argument's expression that has no value: a usage error (status 2) when
/// it is not C as written or nests too deep, as an argument the CLI cannot
/// read is; a failure (status 1) when it is C without a constant value.
fn expression_error(e: LiteralError) -> anyhow::Error {
    match e.problem {
        LiteralProblem::NoValue => anyhow!(e),
        _ => UsageError(e.to_string()).into(),
    }
}

/// The object a compound literal `(T){...}` makes: a `T`, filled as C fills it.
fn compound(module: &Module, lit: &Lit) -> Result<CData> {
    let Lit::Compound(ty, init) = lit else {
        bail!("not a compound literal");
    };
    let types = module.types();
    let qt = types
        .type_named(ty)
        .with_context(|| format!("the compound literal's type '{ty}'"))?;
    let mut data = CData::new(types, qt)?;
    fill(module, &mut data, "", qt.id, init)?;
    Ok(data)
}

/// An object as a value: a struct, union or array by value, a scalar as itself.
fn object_value(data: CData) -> Result<Value> {
    let types = data.types();
    Ok(match types.ty(types.canonical(data.ty().id)) {
        Type::Record(_) | Type::Array { .. } | Type::Complex(_) | Type::Vector { .. } => {
            Value::Data(data)
        }
        _ => data.get("")?,
    })
}

/// A variadic argument: its type comes from the literal (a compound
/// literal's from its type), after the default promotions.
fn variadic_value(module: &Module, lit: &Lit) -> Result<Value> {
    match lit {
        Lit::Compound(..) => object_value(compound(module, lit)?),
        Lit::AddressOf(inner) if matches!(**inner, Lit::Compound(..)) => {
            Ok(Value::Ref(compound(module, inner)?))
        }
        Lit::List(_) | Lit::AddressOf(_) | Lit::Buffer(..) => Err(anyhow!(
            "a variadic argument has no declared type, so braces and &{{}} cannot be used: \
             give it one, as in (struct timespec){{1, 2}} or &(int){{0}}"
        )),
        Lit::Float {
            value,
            kind: Some(FloatKind::Float),
            ..
        } => Ok(Value::Float(*value)),
        Lit::Ident(name) => ident_value(module, name, None),
        other => plain_value(module.types(), other),
    }
}

/// Writes brace initializer `lit` into `data` at `path` (of type `ty`), as C does:
/// positional items in order, `.field` and `[index]` designators moving the cursor.
fn fill(module: &Module, data: &mut CData, path: &str, ty: TypeId, lit: &Lit) -> Result<()> {
    let types = data.types().clone();
    let canonical = types.canonical(ty);
    let Lit::List(items) = lit else {
        return match lit {
            Lit::AddressOf(_) | Lit::Buffer(..) => {
                bail!("&{{...}} cannot appear inside an initializer")
            }
            Lit::Compound(..) => data
                .set(path, object_value(compound(module, lit)?)?)
                .map_err(Into::into),
            other => data
                .set(path, scalar_value(module, ty, other)?)
                .map_err(Into::into),
        };
    };
    match types.ty(canonical) {
        Type::Record(r) => fill_record(module, data, path, ty, *r, items),
        // `{"text"}` for a char array, as C allows.
        Type::Array { .. } if matches!(items.as_slice(), [(d, Lit::Str(_))] if d.is_empty()) => {
            fill(module, data, path, ty, &items[0].1)
        }
        Type::Array { len, .. } => fill_array(module, data, path, ty, *len, items),
        _ => match items.as_slice() {
            // `{5}` for a scalar, as C allows; `{}` leaves it zero.
            [] => Ok(()),
            [(designators, item)] if designators.is_empty() => fill(module, data, path, ty, item),
            _ => bail!(
                "'{}' is not a struct, union or array; it takes one value",
                types.spell(QualType::new(ty))
            ),
        },
    }
}

/// [`fill`] for a struct or union: `.field` designators move the cursor, other
/// items take the next member (a union only its first).
fn fill_record(
    module: &Module,
    data: &mut CData,
    path: &str,
    ty: TypeId,
    r: RecordId,
    items: &[(Vec<Designator>, Lit)],
) -> Result<()> {
    let types = data.types().clone();
    let record = types.record(r);
    // The members a positional initializer fills, in order: named fields,
    // and the fields of anonymous members flattened.
    let members = record
        .def
        .as_ref()
        .map(|d| types.flat_fields(d))
        .unwrap_or_default();
    let mut cursor = 0;
    for (designators, item) in items {
        let child = match designators.split_first() {
            Some((Designator::Field(name), rest)) => {
                cursor = members
                    .iter()
                    .position(|f| f.name == name)
                    .map_or(members.len(), |i| i + 1);
                format!("{path}.{name}{}", steps(rest))
            }
            Some((Designator::Index(_), _)) => {
                bail!("'{}' is not an array", types.spell(QualType::new(ty)))
            }
            None => {
                // A union takes its first member; a struct the next one.
                let full = record.kind == RecordKind::Union && cursor > 0;
                let Some(member) = members.get(cursor).filter(|_| !full) else {
                    bail!("too many values for '{}'", types.spell(QualType::new(ty)));
                };
                cursor += 1;
                format!("{path}.{}", member.name)
            }
        };
        let child_ty = data.type_at(&child)?.id;
        fill(module, data, &child, child_ty, item)?;
    }
    Ok(())
}

/// [`fill`] for an array: `[index]` designators move the cursor.
fn fill_array(
    module: &Module,
    data: &mut CData,
    path: &str,
    ty: TypeId,
    len: Option<u64>,
    items: &[(Vec<Designator>, Lit)],
) -> Result<()> {
    let types = data.types().clone();
    let mut cursor = 0u64;
    for (designators, item) in items {
        let (index, rest) = match designators.split_first() {
            Some((Designator::Index(i), rest)) => (*i, rest),
            Some((Designator::Field(name), _)) => bail!(
                "'{}' is an array; it has no field '{name}'",
                types.spell(QualType::new(ty))
            ),
            None => (cursor, &[][..]),
        };
        if len.is_some_and(|n| index >= n) {
            bail!("too many values for '{}'", types.spell(QualType::new(ty)));
        }
        cursor = index + 1;
        let child = format!("{path}[{index}]{}", steps(rest));
        let child_ty = data.type_at(&child)?.id;
        fill(module, data, &child, child_ty, item)?;
    }
    Ok(())
}

/// A designator list as a path suffix (`.b[2].c`).
fn steps(designators: &[Designator]) -> String {
    designators
        .iter()
        .map(|d| match d {
            Designator::Field(name) => format!(".{name}"),
            Designator::Index(i) => format!("[{i}]"),
        })
        .collect()
}
