//! gcc is the oracle for constants.
//!
//! `wyvern dump --json` lists the constants of `include-fixtures/constants.h`
//! and `records.h` (object-like macros and enum constants), and of `<fcntl.h>`,
//! `<stdio.h>`, `<limits.h>`, `<math.h>`, `<errno.h>`, `<signal.h>`,
//! `<sys/mman.h>` and `<dlfcn.h>`. A
//! generated C program includes the same headers and, for each constant,
//! proves it is a constant expression (it initializes a static object), then
//! prints its value and its type as `_Generic` sees it. Integers must match
//! exactly, `double`s bit for bit, `float`s as floats, strings byte for byte,
//! pointer constants (`SIG_IGN`, `MAP_FAILED`) by their address as C converts
//! it to `uintptr_t`,
//! and the type spelling must be C's (`'A'` is an `int`, `sizeof(int)` an
//! `unsigned long` on x86-64). Every constant of `constants.h` must be listed,
//! the macros it marks as not constant (function-like, empty, aliases of a
//! function or a keyword, ...) must not be, and neither may well-known
//! non-constants of the system headers (`errno`, `stdin`, `SIGRTMIN`).

use crate::common;

use common::{
    fixture, gcc_compile, gcc_errors, run_program, wyvern_json, CProgram, Compiled, TempDir,
};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

/// The enum constants of the fixtures (macros are read from constants.h).
const FIXTURE_ENUM_CONSTANTS: &[&str] = &[
    // constants.h
    "COLOR_RED",
    "COLOR_GREEN",
    "COLOR_BLUE",
    "LIMIT_NEG",
    "LIMIT_BIG",
    // records.h
    "DEFAULT_ZERO",
    "DEFAULT_ONE",
    "DEFAULT_TWO",
    "NEG_MINUS_TWO",
    "NEG_MINUS_ONE",
    "NEG_ZERO",
    "NEG_BIG",
    "LARGE_SMALL",
    "LARGE_MAX",
    "WIDE_LOW",
    "WIDE_HIGH",
    "SWIDE_LOW",
    "SWIDE_HIGH",
    "PACKED_A",
    "PACKED_B",
    "PSIGNED_A",
    "PSIGNED_B",
    "DERIVED_BASE",
    "DERIVED_NEXT",
    "DERIVED_DOUBLE",
    "DERIVED_MASK",
    "DERIVED_FROM_OTHER",
];

/// The marker in constants.h after which every macro is NOT a constant.
const NOT_CONSTANTS_MARKER: &str = "---- NOT constants";

/// The system headers whose constants are checked.
const SYSTEM_HEADERS: &[&str] = &[
    "fcntl.h",
    "stdio.h",
    "limits.h",
    "math.h",
    "errno.h",
    "signal.h",
    "sys/mman.h",
    "dlfcn.h",
];

/// Constants of those headers that must be listed.
const REQUIRED_SYSTEM_CONSTANTS: &[&str] = &[
    "SIG_IGN",
    "SIG_DFL",
    "SIG_ERR",
    "NULL",
    "MAP_FAILED",
    "O_CREAT",
    "O_RDONLY",
    "O_WRONLY",
    "O_NONBLOCK",
    "SEEK_SET",
    "SEEK_END",
    "EOF",
    "BUFSIZ",
    "CHAR_BIT",
    "INT_MAX",
    "INT_MIN",
    "UINT_MAX",
    "LONG_MIN",
    "LLONG_MAX",
    "ULLONG_MAX",
    "M_PI",
    "M_E",
    "EINVAL",
    "ENOENT",
    "SIGINT",
    "SIGKILL",
];

/// Macros of those headers that are not constants and must not be listed.
const SYSTEM_NON_CONSTANTS: &[&str] =
    &["errno", "stdin", "stdout", "stderr", "SIGRTMIN", "SIGRTMAX"];

/// One constant of wyvern's dump.
#[derive(Debug)]
struct Constant {
    name: String,
    ty: String,
    value: Value,
    origin: String,
}

fn parse_constants(json: &Value) -> Result<Vec<Constant>, String> {
    let list = json
        .get("constants")
        .and_then(Value::as_array)
        .ok_or("`dump --json` printed no `constants` array")?;
    list.iter()
        .map(|item| {
            let text = |key: &str| {
                item.get(key)
                    .and_then(Value::as_str)
                    .map(str::to_owned)
                    .ok_or_else(|| format!("constant without a string `{key}`: {item}"))
            };
            Ok(Constant {
                name: text("name")?,
                ty: text("type")?,
                origin: text("origin")?,
                value: item
                    .get("value")
                    .cloned()
                    .ok_or_else(|| format!("constant without a `value`: {item}"))?,
            })
        })
        .collect()
}

/// The object-like macros of constants.h: `(constants, non_constants)`.
fn fixture_macros() -> (Vec<String>, Vec<String>) {
    let text = std::fs::read_to_string(fixture("constants.h")).expect("read constants.h");
    let mut constants = Vec::new();
    let mut non_constants = Vec::new();
    let mut past_marker = false;
    for line in text.lines() {
        past_marker |= line.contains(NOT_CONSTANTS_MARKER);
        let Some(rest) = line.trim_start().strip_prefix("#define ") else {
            continue;
        };
        let name: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        let body = rest[name.len()..].trim();
        if past_marker {
            non_constants.push(name);
        } else if !body.is_empty() {
            // The include guard (an empty macro) is neither listed.
            constants.push(name);
        }
    }
    (constants, non_constants)
}

/// The C spellings `_Generic` tells apart; anything else is checked with
/// `__builtin_types_compatible_p`.
const KNOWN_TYPES: &[(&str, &str)] = &[
    ("_Bool", "I"),
    ("char", "I"),
    ("signed char", "I"),
    ("unsigned char", "I"),
    ("short", "I"),
    ("unsigned short", "I"),
    ("int", "I"),
    ("unsigned int", "I"),
    ("long", "I"),
    ("unsigned long", "U"),
    ("long long", "I"),
    ("unsigned long long", "U"),
    ("float", "F"),
    ("double", "F"),
    ("long double", "L"),
    ("char *", "S"),
    ("const char *", "S"),
];

const PRELUDE: &str = r#"
static void wyvern_gcc_signed(int i, const char *type, long long value)
{
    __builtin_printf("V\t%d\t%s\tI\t%lld\n", i, type, value);
}
static void wyvern_gcc_unsigned(int i, const char *type, unsigned long long value)
{
    __builtin_printf("V\t%d\t%s\tI\t%llu\n", i, type, value);
}
static void wyvern_gcc_double(int i, const char *type, double value)
{
    __builtin_printf("V\t%d\t%s\tF\t%.17g\t%a\n", i, type, value, value);
}
static void wyvern_gcc_long_double(int i, const char *type, long double value)
{
    wyvern_gcc_double(i, type, (double)value);
}
static void wyvern_gcc_string(int i, const char *type, const char *value)
{
    __builtin_printf("V\t%d\t%s\tS\t", i, type);
    for (const unsigned char *p = (const unsigned char *)value; *p; p++)
        __builtin_printf("%02x", *p);
    __builtin_printf("\n");
}
static void wyvern_gcc_other(int i, const char *type, ...)
{
    __builtin_printf("V\t%d\t%s\tO\n", i, type);
}
"#;

/// The `_Generic` macros, built from [`KNOWN_TYPES`].
fn generic_macros() -> String {
    let mut names = String::from("#define WYVERN_TYPE(x) _Generic((x)");
    let mut print = String::from("#define WYVERN_PRINT(i, x) _Generic((x)");
    for &(ty, kind) in KNOWN_TYPES {
        let _ = write!(names, ", {ty}: \"{ty}\"");
        let function = match (ty, kind) {
            (_, "U") => "wyvern_gcc_unsigned",
            (_, "I") => "wyvern_gcc_signed",
            (_, "F") => "wyvern_gcc_double",
            (_, "L") => "wyvern_gcc_long_double",
            _ => "wyvern_gcc_string",
        };
        let _ = write!(print, ", {ty}: {function}");
    }
    names.push_str(", default: \"?\")\n");
    print.push_str(", default: wyvern_gcc_other)(i, WYVERN_TYPE(x), x)\n");
    names + &print
}

/// Spacing differences only (`char*` and `char *`) are not differences.
fn normalize_type(ty: &str) -> String {
    let collapsed = ty.split_whitespace().collect::<Vec<_>>().join(" ");
    collapsed.replace(" *", "*").replace("* ", "*")
}

fn is_known_type(ty: &str) -> bool {
    KNOWN_TYPES
        .iter()
        .any(|(known, _)| normalize_type(known) == normalize_type(ty))
}

/// What gcc said about one constant.
#[derive(Debug, Default)]
struct GccView {
    /// `_Generic`'s spelling, `?` for other types.
    ty: String,
    /// I (integer), F (floating), S (string, hex bytes) or O (other).
    kind: String,
    value: String,
    hex_float: String,
    /// For types outside [`KNOWN_TYPES`]: whether wyvern's type is gcc's.
    compatible: Option<bool>,
    /// For a pointer constant: its address as an integer.
    address: Option<u64>,
}

/// Whether wyvern lists `constant` as a pointer constant: an address (`"0x…"`)
/// of a type that is not a string's.
fn is_pointer(constant: &Constant) -> bool {
    !is_known_type(&constant.ty) && constant.value.as_str().is_some_and(|v| v.starts_with("0x"))
}

/// Builds the program for the constants not in `dropped`.
fn constants_program(
    includes: &[String],
    constants: &[&Constant],
    dropped: &BTreeSet<usize>,
) -> CProgram<usize> {
    let mut program = CProgram::new();
    for include in includes {
        program.push(include);
    }
    program.push(PRELUDE);
    program.push(&generic_macros());
    for (i, constant) in constants.iter().enumerate() {
        if dropped.contains(&i) {
            continue;
        }
        // A static initializer must be a constant expression.
        program.push_owned(
            &format!(
                "static const __typeof__((0, ({0}))) wyvern_constant_{i} = ({0});",
                constant.name
            ),
            i,
        );
    }
    program.push("int main(void)\n{");
    for (i, constant) in constants.iter().enumerate() {
        if dropped.contains(&i) {
            continue;
        }
        program.push_owned(&format!("WYVERN_PRINT({i}, wyvern_constant_{i});"), i);
        if is_pointer(constant) {
            // A pointer constant's address, as C converts it to an integer.
            program.push_owned(
                &format!(
                    "__builtin_printf(\"P\\t{i}\\t%llu\\n\", \
                     (unsigned long long)(__UINTPTR_TYPE__)wyvern_constant_{i});"
                ),
                i,
            );
        }
        if !is_known_type(&constant.ty) {
            program.push_owned(
                &format!(
                    "__builtin_printf(\"C\\t{i}\\t%d\\n\", \
                     __builtin_types_compatible_p(__typeof__(wyvern_constant_{i}), {}));",
                    constant.ty
                ),
                i,
            );
        }
    }
    program.push("return 0;\n}");
    program
}

/// Runs gcc's side for `constants`; constants gcc rejects are dropped and
/// reported in `differences`.
fn gcc_views(
    label: &str,
    includes: &[String],
    constants: &[&Constant],
    differences: &mut Vec<String>,
) -> BTreeMap<usize, GccView> {
    let mut dir = TempDir::new(&format!("constants-{label}"));
    let mut dropped = BTreeSet::new();
    let mut stdout = None;
    for _attempt in 0..6 {
        let program = constants_program(includes, constants, &dropped);
        match gcc_compile(dir.path(), "constants", program.text(), &[]) {
            Compiled::Ok(exe) => {
                match run_program(&exe) {
                    Ok(out) => stdout = Some(out),
                    Err(message) => differences.push(message),
                }
                break;
            }
            Compiled::Failed(stderr) => {
                let mut blamed = false;
                for (line, errors) in gcc_errors(&stderr, "constants.c") {
                    if let Some(&i) = program.owner(line) {
                        if dropped.insert(i) {
                            blamed = true;
                            let first = errors.first().map(String::as_str).unwrap_or("");
                            let message = first.find("error: ").map_or(first, |at| &first[at..]);
                            differences.push(format!(
                                "{} (type `{}`): gcc does not take it as a constant of that \
                                 type: {message}",
                                constants[i].name, constants[i].ty
                            ));
                        }
                    }
                }
                if !blamed {
                    differences.push(format!(
                        "the gcc program does not compile (kept in {}):\n{}",
                        dir.keep().display(),
                        common::truncate(&stderr, 4000)
                    ));
                    break;
                }
            }
        }
    }
    let mut views: BTreeMap<usize, GccView> = BTreeMap::new();
    for line in stdout.unwrap_or_default().lines() {
        let parts: Vec<&str> = line.split('\t').collect();
        let index = parts.get(1).and_then(|i| i.parse::<usize>().ok());
        match (parts.first(), index) {
            (Some(&"V"), Some(i)) if parts.len() >= 4 => {
                let view = views.entry(i).or_default();
                view.ty = parts[2].to_string();
                view.kind = parts[3].to_string();
                view.value = parts.get(4).unwrap_or(&"").to_string();
                view.hex_float = parts.get(5).unwrap_or(&"").to_string();
            }
            (Some(&"P"), Some(i)) if parts.len() == 3 => {
                views.entry(i).or_default().address = parts[2].parse().ok();
            }
            (Some(&"C"), Some(i)) if parts.len() == 3 => {
                views.entry(i).or_default().compatible = Some(parts[2] == "1");
            }
            _ => differences.push(format!("bad line from gcc's program: {line}")),
        }
    }
    if !differences.is_empty() {
        println!("note: gcc's program is kept in {}", dir.keep().display());
    }
    views
}

/// Compares one constant with gcc's view of it.
fn compare(constant: &Constant, gcc: &GccView, differences: &mut Vec<String>) {
    let name = &constant.name;
    let mut differ = |what: String| differences.push(format!("{name}: {what}"));

    if gcc.ty == "?" {
        if gcc.compatible != Some(true) {
            differ(format!(
                "type: wyvern says `{}`, which is not gcc's type of it",
                constant.ty
            ));
        }
    } else if normalize_type(&gcc.ty) != normalize_type(&constant.ty) {
        differ(format!("type: gcc `{}`, wyvern `{}`", gcc.ty, constant.ty));
    }

    let wyvern = &constant.value;
    match gcc.kind.as_str() {
        "I" => {
            let expected: i128 = gcc.value.parse().expect("gcc prints integers");
            let got = wyvern
                .as_i64()
                .map(i128::from)
                .or_else(|| wyvern.as_u64().map(i128::from));
            if got != Some(expected) {
                differ(format!("value: gcc {expected}, wyvern {wyvern}"));
            }
        }
        "F" => {
            let expected: f64 = gcc.value.parse().expect("gcc prints floats");
            // JSON has no infinity or NaN: those may be strings ("inf", "NaN").
            let got = match wyvern {
                Value::String(text) if !expected.is_finite() => text.parse::<f64>().ok(),
                _ => wyvern.as_f64(),
            };
            let same = match got {
                Some(got) if expected.is_nan() => got.is_nan(),
                // A float constant is exact when it is the same float.
                Some(got) if gcc.ty == "float" => {
                    (got as f32).to_bits() == (expected as f32).to_bits()
                }
                Some(got) => got.to_bits() == expected.to_bits(),
                None => false,
            };
            if !same {
                differ(format!(
                    "value: gcc {} ({}), wyvern {wyvern}",
                    gcc.value, gcc.hex_float
                ));
            }
        }
        "S" => {
            let got: Option<String> = wyvern
                .as_str()
                .map(|s| s.bytes().map(|b| format!("{b:02x}")).collect());
            if got.as_deref() != Some(gcc.value.as_str()) {
                let bytes: Vec<u8> = (0..gcc.value.len() / 2)
                    .filter_map(|i| u8::from_str_radix(&gcc.value[2 * i..2 * i + 2], 16).ok())
                    .collect();
                differ(format!(
                    "value: gcc {:?}, wyvern {wyvern}",
                    String::from_utf8_lossy(&bytes)
                ));
            }
        }
        // Other types: only the type is compared, and a pointer's address.
        _ => {}
    }
    if is_pointer(constant) {
        let got = wyvern
            .as_str()
            .and_then(|v| u64::from_str_radix(v.trim_start_matches("0x"), 16).ok());
        if got.is_none() || got != gcc.address {
            differ(format!("address: gcc {:?}, wyvern {wyvern}", gcc.address));
        }
    }
}

/// Checks that every name in `required` is `listed` (with the right origin,
/// when given), that none of `forbidden` is, and that the listed constants
/// picked by `compared` match gcc's.
fn check(
    label: &str,
    includes: &[String],
    listed: &[Constant],
    compared: impl Fn(&Constant) -> bool,
    required: &[(String, Option<&str>)],
    forbidden: &[String],
) -> Result<usize, String> {
    let mut differences = Vec::new();
    let by_name: BTreeMap<&str, &Constant> = listed.iter().map(|c| (c.name.as_str(), c)).collect();
    for (name, origin) in required {
        match by_name.get(name.as_str()) {
            None => differences.push(format!("{name}: missing from wyvern's constants")),
            Some(constant) => {
                if let Some(origin) = origin {
                    if constant.origin != *origin {
                        differences.push(format!(
                            "{name}: origin `{}`, expected `{origin}`",
                            constant.origin
                        ));
                    }
                }
            }
        }
    }
    for name in forbidden {
        if let Some(constant) = by_name.get(name.as_str()) {
            differences.push(format!(
                "{name}: is not a constant, but wyvern lists it as {constant:?}"
            ));
        }
    }
    for constant in listed {
        if constant.origin != "macro" && constant.origin != "enum" {
            differences.push(format!(
                "{}: origin {:?} is neither \"macro\" nor \"enum\"",
                constant.name, constant.origin
            ));
        }
    }
    let constants: Vec<&Constant> = listed.iter().filter(|c| compared(c)).collect();
    let views = gcc_views(label, includes, &constants, &mut differences);
    let mut checked = 0;
    for (i, constant) in constants.iter().enumerate() {
        if let Some(view) = views.get(&i) {
            checked += 1;
            compare(constant, view, &mut differences);
        }
    }
    if differences.is_empty() {
        Ok(checked)
    } else {
        Err(format!(
            "{label}: {} difference(s) between wyvern's constants and gcc's:\n   {}",
            differences.len(),
            differences.join("\n   ")
        ))
    }
}

#[test]
fn fixture_constants_match_gcc() {
    let headers = [fixture("constants.h"), fixture("records.h")];
    let mut args = vec!["dump".to_string(), "--json".to_string()];
    let mut includes = Vec::new();
    for header in &headers {
        let path = header.display().to_string();
        includes.push(format!("#include {}", common::c_string(&path)));
        args.push("-H".to_string());
        args.push(path);
    }
    let json = wyvern_json(&args).unwrap_or_else(|message| panic!("{message}"));
    let all = parse_constants(&json).unwrap_or_else(|message| panic!("{message}"));

    let (macros, non_constants) = fixture_macros();
    assert!(macros.len() >= 40, "constants.h parsed badly: {macros:?}");
    assert!(
        non_constants.len() >= 4,
        "constants.h parsed badly: {non_constants:?}"
    );
    let mut required: Vec<(String, Option<&str>)> = macros
        .iter()
        .map(|name| (name.clone(), Some("macro")))
        .collect();
    required.extend(
        FIXTURE_ENUM_CONSTANTS
            .iter()
            .map(|name| (name.to_string(), Some("enum"))),
    );

    // Only the fixtures' own constants are compared: the compiler's
    // predefined macros (`__GNUC__`, `__clang_major__`) legitimately differ
    // from gcc's.
    let ours: BTreeSet<&str> = required.iter().map(|(name, _)| name.as_str()).collect();
    let compared = |c: &Constant| ours.contains(c.name.as_str());
    match check(
        "fixtures",
        &includes,
        &all,
        compared,
        &required,
        &non_constants,
    ) {
        Ok(checked) => println!("{checked} fixture constants match gcc"),
        Err(report) => panic!("{report}"),
    }
}

#[test]
fn system_constants_match_gcc() {
    let mut args = vec!["dump".to_string(), "--json".to_string()];
    let mut includes = Vec::new();
    for header in SYSTEM_HEADERS {
        args.push("-H".to_string());
        args.push(format!("<{header}>"));
        includes.push(format!("#include <{header}>"));
    }
    let json = wyvern_json(&args).unwrap_or_else(|message| panic!("{message}"));
    let all = parse_constants(&json).unwrap_or_else(|message| panic!("{message}"));
    let forbidden: Vec<String> = SYSTEM_NON_CONSTANTS.iter().map(|s| s.to_string()).collect();

    // Names in the implementation's namespace (`__GNUC__`, `__clang__`,
    // `__HAVE_FLOAT128`) depend on the compiler, so gcc cannot judge clang's.
    let compared = |c: &Constant| !c.name.starts_with("__");
    println!(
        "{} constants listed; {} compiler-internal `__` names not compared",
        all.len(),
        all.iter().filter(|c| !compared(c)).count()
    );
    let required: Vec<(String, Option<&str>)> = REQUIRED_SYSTEM_CONSTANTS
        .iter()
        .map(|name| (name.to_string(), None))
        .collect();
    match check(
        "system headers",
        &includes,
        &all,
        compared,
        &required,
        &forbidden,
    ) {
        Ok(checked) => println!("{checked} system constants match gcc"),
        Err(report) => panic!("{report}"),
    }
}
