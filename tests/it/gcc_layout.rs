//! gcc is the oracle for record layouts.
//!
//! For every fixture header and for 37 system headers (plus zlib, sqlite3,
//! libpng and Xlib when installed), `wyvern layout --json -H HEADER` lists
//! every complete named record. One generated C program per header then
//! prints, as gcc lays them out, each record's `sizeof` and `_Alignof`, each
//! named field's `offsetof` and `sizeof` (also the fields reached through
//! anonymous members), and each named bitfield's bit offset and width (found
//! by setting it to all ones in a zeroed object and scanning the bytes). A
//! second program checks each field's `type` spelling with
//! `__builtin_types_compatible_p`. Every struct's fields, `holes` and
//! `padding` must also cover its size exactly once.
//!
//! Every difference is collected and reported together, by header, record and
//! field. Well-known records must be present, so a wyvern that prints nothing
//! cannot pass. The fixtures are also checked for `--target i686-linux-gnu`
//! against `gcc -m32` (skipped when gcc has no 32-bit support), and for
//! aarch64 and x86_64-windows-msvc against a few facts of those ABIs.

use crate::common;

use common::corpus::{OPTIONAL_HEADERS, SYSTEM_HEADERS};
use common::{
    fixture, gcc_compile, gcc_errors, gcc_m32_works, gcc_syntax_check, header_installed,
    in_parallel, run_program, wyvern_json, CProgram, Compiled, TempDir,
};
use serde_json::Value;
use std::collections::BTreeSet;
use std::fmt::Write as _;

/// The fixture headers, with records each must list (`a|b`: either name).
const FIXTURES: &[(&str, &[&str])] = &[
    (
        "scalars.h",
        &[
            "struct scalars",
            "struct char_then_double",
            "struct char_then_long_double",
            "struct char_long",
            "struct pointers",
            "struct const_fields",
            "struct special_scalars",
        ],
    ),
    (
        "records.h",
        &[
            "struct arrays",
            "struct flexible",
            "struct flexible_chars",
            "struct anonymous_members",
            "union with_anonymous_struct",
            "struct named_anonymous_types",
            "union mixed",
            "union small_union",
            "struct contains_unions",
            "struct node",
            "struct tree_a",
            "struct tree_b",
            "struct handle",
            "struct typedef_chain",
            "point_t",
            "anon_union_t",
            "struct tagged_pair|tagged_pair_t",
            "struct enums",
        ],
    ),
    (
        "bitfields.h",
        &[
            "struct flags",
            "struct signed_bits",
            "struct bool_bits",
            "struct char_bits",
            "struct long_long_bits",
            "struct zero_width",
            "struct unnamed_padding",
            "struct spanning",
            "struct mixed_bases",
            "struct bits_then_fields",
            "union bit_union",
            "struct packed_bits",
            "struct packed_bit_field",
            "struct enum_bits",
        ],
    ),
    (
        "packing.h",
        &[
            "struct packed_struct",
            "struct packed_fields",
            "union packed_union",
            "struct contains_packed",
            "struct pragma_pack_1",
            "struct pragma_pack_2",
            "struct pragma_pack_4",
            "struct after_pragma_pop",
            "struct aligned_struct",
            "struct aligned_field",
            "struct cache_line",
            "struct contains_overaligned",
            "struct uses_aligned_typedef",
            "struct alignas_fields",
            "struct packed_and_aligned",
        ],
    ),
    (
        "functions.h",
        &[
            "struct vec2",
            "struct mixed_args",
            "struct big_args",
            "union number",
        ],
    ),
    ("constants.h", &["struct constants_probe"]),
    (
        "macro_names.h",
        &[
            "struct wy_tag_alpha",
            "struct wy_tag_beta",
            "struct wy_x_int",
            "struct wy_x_double",
            "struct wy_x_ptr",
            "wy_anon_pair",
            "wy_anon_number",
            "struct wy_outer",
            "struct wy_outer_inner",
            "struct wy_uses",
        ],
    ),
];

/// Facts of other targets' ABIs that the fixtures show (no gcc for them):
/// target, record, expected size, alignment, and `(field, bit offset, size)`.
type AbiFact = (
    &'static str,
    &'static str,
    u64,
    u64,
    &'static [(&'static str, u64, u64)],
);
const OTHER_TARGET_FACTS: &[AbiFact] = &[
    // LP64: `long` is 8 bytes; long double is IEEE quad.
    (
        "aarch64-linux-gnu",
        "struct char_long",
        16,
        8,
        &[("l", 64, 8)],
    ),
    (
        "aarch64-linux-gnu",
        "struct char_then_long_double",
        32,
        16,
        &[("ld", 128, 16)],
    ),
    // LLP64: `long` is 4 bytes; long double is double.
    (
        "x86_64-pc-windows-msvc",
        "struct char_long",
        8,
        4,
        &[("l", 32, 4)],
    ),
    (
        "x86_64-pc-windows-msvc",
        "struct char_then_long_double",
        16,
        8,
        &[("ld", 64, 8)],
    ),
    // MSVC starts a new storage unit whenever a bitfield's base type changes.
    (
        "x86_64-pc-windows-msvc",
        "struct mixed_bases",
        24,
        8,
        &[("s", 16, 2), ("i", 32, 4), ("ll", 64, 8), ("after", 128, 1)],
    ),
];

/// Records that each compiler's own `<stddef.h>` defines differently, so gcc
/// cannot judge clang's: `max_align_t` has `__clang_max_align_nonce1` in
/// clang's, `__max_align_ll` in gcc's, and only gcc's holds a `__float128` on
/// i686. They are not compared.
const COMPILER_SPECIFIC_RECORDS: &[&str] = &["max_align_t"];

// ---------------------------------------------------------------------------
// wyvern's JSON

/// One field of wyvern's layout (the contract in DESIGN.md).
#[derive(Debug)]
struct Field {
    name: Option<String>,
    ty: String,
    offset: u64,
    bit_offset: u64,
    bit_width: Option<u64>,
    size: u64,
    /// The members of an anonymous struct or union member, offsets relative
    /// to the outermost record.
    nested: Vec<Field>,
}

impl Field {
    /// The bits this field occupies, from the record's start.
    fn bit_range(&self) -> (u64, u64) {
        let bits = self.bit_width.unwrap_or(self.size * 8);
        (self.bit_offset, self.bit_offset + bits)
    }

    fn label(&self) -> String {
        match &self.name {
            Some(name) => format!("`{name}`"),
            None => format!("unnamed `{}` at bit {}", self.ty, self.bit_offset),
        }
    }
}

/// One record of wyvern's layout.
#[derive(Debug)]
struct Record {
    name: String,
    kind: String,
    size: u64,
    align: u64,
    fields: Vec<Field>,
    holes: Vec<(u64, u64)>,
    padding: u64,
}

fn get<'a>(object: &'a Value, key: &str, what: &str) -> Result<&'a Value, String> {
    object
        .get(key)
        .ok_or_else(|| format!("{what} has no `{key}`: {object}"))
}

fn get_u64(object: &Value, key: &str, what: &str) -> Result<u64, String> {
    get(object, key, what)?
        .as_u64()
        .ok_or_else(|| format!("{what}: `{key}` is not an unsigned integer: {object}"))
}

fn get_str(object: &Value, key: &str, what: &str) -> Result<String, String> {
    get(object, key, what)?
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| format!("{what}: `{key}` is not a string: {object}"))
}

fn parse_fields(list: &Value, what: &str) -> Result<Vec<Field>, String> {
    let list = list
        .as_array()
        .ok_or_else(|| format!("{what}: `fields` is not an array"))?;
    let mut fields = Vec::new();
    for field in list {
        let name = match get(field, "name", what)? {
            Value::Null => None,
            Value::String(name) => Some(name.clone()),
            other => {
                return Err(format!(
                    "{what}: field name {other} is neither a string nor null"
                ))
            }
        };
        let what = format!("{what}, field {}", name.as_deref().unwrap_or("(unnamed)"));
        let bit_width = match get(field, "bit_width", &what)? {
            Value::Null => None,
            width => Some(
                width
                    .as_u64()
                    .ok_or_else(|| format!("{what}: bad `bit_width` {width}"))?,
            ),
        };
        let nested = match field.get("fields") {
            Some(list) => parse_fields(list, &what)?,
            None => Vec::new(),
        };
        fields.push(Field {
            ty: get_str(field, "type", &what)?,
            offset: get_u64(field, "offset", &what)?,
            bit_offset: get_u64(field, "bit_offset", &what)?,
            size: get_u64(field, "size", &what)?,
            name,
            bit_width,
            nested,
        });
    }
    Ok(fields)
}

fn parse_records(json: &Value) -> Result<Vec<Record>, String> {
    let list = json
        .as_array()
        .ok_or("`layout --json` did not print a JSON array")?;
    let mut records = Vec::new();
    for record in list {
        let name = get_str(record, "name", "a record")?;
        let what = format!("record `{name}`");
        let holes = get(record, "holes", &what)?
            .as_array()
            .ok_or_else(|| format!("{what}: `holes` is not an array"))?
            .iter()
            .map(|hole| {
                Ok((
                    get_u64(hole, "bit_offset", &what)?,
                    get_u64(hole, "bits", &what)?,
                ))
            })
            .collect::<Result<Vec<_>, String>>()?;
        records.push(Record {
            kind: get_str(record, "kind", &what)?,
            size: get_u64(record, "size", &what)?,
            align: get_u64(record, "align", &what)?,
            fields: parse_fields(get(record, "fields", &what)?, &what)?,
            padding: get_u64(record, "padding", &what)?,
            holes,
            name,
        });
    }
    Ok(records)
}

/// The fields C can name directly: named fields, also inside anonymous
/// members (recursively). Unnamed bitfields cannot be named and are left out.
fn leaf_fields(fields: &[Field]) -> Vec<&Field> {
    let mut leaves = Vec::new();
    for field in fields {
        if field.name.is_some() {
            leaves.push(field);
        } else {
            leaves.extend(leaf_fields(&field.nested));
        }
    }
    leaves
}

// ---------------------------------------------------------------------------
// Checks that need no compiler

/// Checks what wyvern's JSON must say about itself: kinds, byte and bit
/// offsets that agree, anonymous members with their nested fields, and (for
/// structs) fields, holes and padding that cover the size exactly once.
fn check_self_consistency(record: &Record, report: &mut Vec<String>) {
    let mut problem = |message: String| report.push(format!("{}: {message}", record.name));
    if record.kind != "struct" && record.kind != "union" {
        problem(format!(
            "kind is {:?}, not \"struct\" or \"union\"",
            record.kind
        ));
    }
    if record.align == 0 || !record.align.is_power_of_two() {
        problem(format!("align {} is not a power of two", record.align));
    }
    check_fields_consistency(&record.fields, &mut problem);

    let total_bits = record.size * 8;
    for field in &record.fields {
        let (start, end) = field.bit_range();
        if end > total_bits {
            problem(format!(
                "field {} (bits {start}..{end}) ends past the record's {} bytes",
                field.label(),
                record.size
            ));
        }
    }
    if record.kind != "struct" {
        return;
    }

    // Who covers each bit (an index into `labels`): a field, a hole or the
    // trailing padding.
    let mut labels: Vec<String> = Vec::new();
    let mut cover: Vec<Option<usize>> = vec![None; usize::try_from(total_bits).unwrap_or(0)];
    let mut mark = |start: u64, end: u64, what: String, problem: &mut dyn FnMut(String)| {
        let label = labels.len();
        let mut overlap = None;
        for (bit, slot) in cover
            .iter_mut()
            .enumerate()
            .take(usize::try_from(end).unwrap_or(usize::MAX))
            .skip(usize::try_from(start).unwrap_or(usize::MAX))
        {
            match slot {
                Some(other) => overlap = overlap.or(Some((bit, *other))),
                None => *slot = Some(label),
            }
        }
        if let Some((bit, other)) = overlap {
            problem(format!("{what} overlaps {} at bit {bit}", labels[other]));
        }
        labels.push(what);
    };
    for field in &record.fields {
        let (start, end) = field.bit_range();
        mark(start, end, format!("field {}", field.label()), &mut problem);
    }
    for &(start, bits) in &record.holes {
        if bits == 0 {
            problem(format!("hole at bit {start} has 0 bits"));
        }
        mark(
            start,
            start + bits,
            format!("hole at bit {start} ({bits} bits)"),
            &mut problem,
        );
    }
    if record.padding > record.size {
        problem(format!(
            "padding {} exceeds size {}",
            record.padding, record.size
        ));
    } else {
        let start = total_bits - record.padding * 8;
        mark(
            start,
            total_bits,
            format!("trailing padding ({} bytes)", record.padding),
            &mut problem,
        );
    }
    let mut bit = 0;
    while bit < cover.len() {
        if cover[bit].is_some() {
            bit += 1;
            continue;
        }
        let start = bit;
        while bit < cover.len() && cover[bit].is_none() {
            bit += 1;
        }
        problem(format!(
            "bits {start}..{bit} are in no field, hole or padding \
             (holes + fields + padding must account for all {} bytes)",
            record.size
        ));
    }
}

fn check_fields_consistency(fields: &[Field], problem: &mut dyn FnMut(String)) {
    for field in fields {
        if field.bit_width.is_none() && field.bit_offset != field.offset * 8 {
            problem(format!(
                "field {}: bit_offset {} is not offset {} * 8",
                field.label(),
                field.bit_offset,
                field.offset
            ));
        }
        if field.name.is_none() && field.bit_width.is_none() {
            if field.nested.is_empty() {
                problem(format!(
                    "anonymous member {} has no nested `fields`",
                    field.label()
                ));
            }
            for inner in &field.nested {
                let (start, end) = inner.bit_range();
                let (outer_start, outer_end) = field.bit_range();
                if start < outer_start || end > outer_end {
                    problem(format!(
                        "nested field {} (bits {start}..{end}) lies outside its anonymous \
                         member (bits {outer_start}..{outer_end}); nested offsets must be \
                         relative to the outer record",
                        inner.label()
                    ));
                }
            }
        }
        check_fields_consistency(&field.nested, problem);
    }
}

// ---------------------------------------------------------------------------
// The gcc side

/// How to build for one target: wyvern's `--target` and gcc's flags.
struct Target {
    label: &'static str,
    wyvern_args: &'static [&'static str],
    gcc_flags: &'static [&'static str],
}

const HOST: Target = Target {
    label: "host",
    wyvern_args: &[],
    gcc_flags: &[],
};

/// The host with glibc's GNU extensions: more records, and some (`struct
/// sockaddr_in`, `struct sockaddr_in6`) first declared inside a macro expansion
/// (`__SOCKADDR_ALLTYPES`).
const HOST_GNU: Target = Target {
    label: "host -D _GNU_SOURCE",
    wyvern_args: &["-D", "_GNU_SOURCE"],
    gcc_flags: &["-D_GNU_SOURCE"],
};

const I686: Target = Target {
    label: "i686",
    wyvern_args: &["--target", "i686-linux-gnu"],
    gcc_flags: &["-m32"],
};

/// A header to check: how wyvern and the C program name it.
struct Header {
    /// `-H` argument: a path or `<name.h>`.
    arg: String,
    /// The `#include` line of the generated programs.
    include: String,
    /// Records that must be listed (`a|b`: either name).
    expected: &'static [&'static str],
}

impl Header {
    fn fixture(name: &str, expected: &'static [&'static str]) -> Header {
        let path = fixture(name).display().to_string();
        Header {
            include: format!("#include {}", common::c_string(&path)),
            arg: path,
            expected,
        }
    }

    fn system(name: &str, expected: &'static [&'static str]) -> Header {
        Header {
            arg: format!("<{name}>"),
            include: format!("#include <{name}>"),
            expected,
        }
    }
}

/// What gcc's program line is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Owner {
    Record(usize),
    Field(usize, usize),
}

/// What one header's check found.
struct HeaderReport {
    header: String,
    records: usize,
    fields_checked: usize,
    differences: Vec<String>,
    notes: Vec<String>,
}

const BITS_HELPER: &str = r#"
static void wyvern_gcc_bits(int r, int f, const unsigned char *bytes, unsigned long size)
{
    long first = -1, last = -1;
    for (unsigned long bit = 0; bit < size * 8; bit++) {
        if ((bytes[bit / 8] >> (bit % 8)) & 1) {
            if (first < 0)
                first = (long)bit;
            last = (long)bit;
        }
    }
    __builtin_printf("B %d %d %ld %ld\n", r, f, first, first < 0 ? 0L : last - first + 1);
}
"#;

/// The program that prints gcc's layout of every record not in `dropped`.
fn layout_program(
    header: &Header,
    records: &[Record],
    dropped: &BTreeSet<Owner>,
) -> CProgram<Owner> {
    let mut program = CProgram::new();
    program.push(&header.include);
    program.push(BITS_HELPER);
    program.push("int main(void)\n{");
    for (r, record) in records.iter().enumerate() {
        if dropped.contains(&Owner::Record(r)) {
            continue;
        }
        let t = &record.name;
        program.push_owned(
            &format!(
                "__builtin_printf(\"R {r} %lu %lu\\n\", (unsigned long)sizeof({t}), \
                 (unsigned long)_Alignof({t}));"
            ),
            Owner::Record(r),
        );
        for (f, field) in leaf_fields(&record.fields).into_iter().enumerate() {
            if dropped.contains(&Owner::Field(r, f)) {
                continue;
            }
            let name = field.name.as_deref().unwrap_or_default();
            let probe = if field.bit_width.is_some() {
                format!(
                    "{{ static {t} wyvern_object; \
                     __builtin_memset(&wyvern_object, 0, sizeof wyvern_object); \
                     wyvern_object.{name} = -1; \
                     wyvern_gcc_bits({r}, {f}, (const unsigned char *)&wyvern_object, \
                     sizeof wyvern_object); }}"
                )
            } else {
                // A flexible array member has no sizeof; wyvern gives it size 0.
                let size = if field.ty.trim_end().ends_with("[]") {
                    "0UL".to_string()
                } else {
                    format!("(unsigned long)sizeof((({t} *)0)->{name})")
                };
                format!(
                    "__builtin_printf(\"F {r} {f} %lu %lu\\n\", \
                     (unsigned long)__builtin_offsetof({t}, {name}), {size});"
                )
            };
            // A field whose name is also a macro cannot be named reliably.
            program.push_owned(
                &format!(
                    "#ifdef {name}\n__builtin_printf(\"S {r} {f}\\n\");\n#else\n{probe}\n#endif"
                ),
                Owner::Field(r, f),
            );
        }
    }
    program.push("return 0;\n}");
    program
}

/// Whether a type spelling names an anonymous record, which C cannot spell.
fn spells_anonymous(ty: &str) -> bool {
    ty.contains("anonymous") || ty.contains("unnamed") || ty.contains('{') || ty.contains('<')
}

/// The program that checks each field's type spelling against gcc's type.
fn type_program(header: &Header, records: &[Record], dropped: &BTreeSet<Owner>) -> CProgram<Owner> {
    let mut program = CProgram::new();
    program.push(&header.include);
    for (r, record) in records.iter().enumerate() {
        if dropped.contains(&Owner::Record(r)) {
            continue;
        }
        let t = &record.name;
        for (f, field) in leaf_fields(&record.fields).into_iter().enumerate() {
            // typeof cannot be applied to a bitfield.
            if dropped.contains(&Owner::Field(r, f))
                || field.bit_width.is_some()
                || spells_anonymous(&field.ty)
            {
                continue;
            }
            let name = field.name.as_deref().unwrap_or_default();
            program.push_owned(
                &format!(
                    "#ifndef {name}\n_Static_assert(__builtin_types_compatible_p(\
                     __typeof__((({t} *)0)->{name}), {}), \"type\");\n#endif",
                    field.ty
                ),
                Owner::Field(r, f),
            );
        }
    }
    program
}

fn first_error(errors: &[String]) -> String {
    let first = errors.first().map(String::as_str).unwrap_or("");
    // Drop the "file:line:col: " prefix: the report says what it is about.
    match first.find("error: ") {
        Some(at) => first[at..].to_string(),
        None => first.to_string(),
    }
}

fn describe_owner(records: &[Record], owner: Owner) -> String {
    match owner {
        Owner::Record(r) => records[r].name.clone(),
        Owner::Field(r, f) => {
            let field = leaf_fields(&records[r].fields)[f];
            format!(
                "{} .{}",
                records[r].name,
                field.name.as_deref().unwrap_or("?")
            )
        }
    }
}

/// Compiles the layout program, dropping whatever gcc rejects (each such
/// rejection is a difference: wyvern printed a name C does not accept), and
/// returns its output.
fn gcc_layouts(
    dir: &mut TempDir,
    header: &Header,
    target: &Target,
    records: &[Record],
    dropped: &mut BTreeSet<Owner>,
    differences: &mut Vec<String>,
) -> Option<String> {
    for _attempt in 0..6 {
        let program = layout_program(header, records, dropped);
        match gcc_compile(dir.path(), "layout", program.text(), target.gcc_flags) {
            Compiled::Ok(exe) => match run_program(&exe) {
                Ok(stdout) => return Some(stdout),
                Err(message) => {
                    let kept = dir.keep().display().to_string();
                    differences.push(format!(
                        "the gcc program failed (kept in {kept}): {message}"
                    ));
                    return None;
                }
            },
            Compiled::Failed(stderr) => {
                let errors = gcc_errors(&stderr, "layout.c");
                let rejected_records: BTreeSet<usize> = errors
                    .keys()
                    .filter_map(|&line| match program.owner(line) {
                        Some(&Owner::Record(r)) => Some(r),
                        _ => None,
                    })
                    .collect();
                let mut blamed = false;
                for (line, errors) in errors {
                    let Some(&owner) = program.owner(line) else {
                        continue;
                    };
                    if !dropped.insert(owner) {
                        continue;
                    }
                    blamed = true;
                    // A record gcc does not know fails all its fields too:
                    // say so once.
                    if let Owner::Field(r, _) = owner {
                        if rejected_records.contains(&r) {
                            continue;
                        }
                    }
                    differences.push(format!(
                        "{}: gcc rejects wyvern's name: {}",
                        describe_owner(records, owner),
                        first_error(&errors)
                    ));
                }
                if !blamed {
                    let kept = dir.keep().display().to_string();
                    differences.push(format!(
                        "the gcc program does not compile (kept in {kept}):\n{}",
                        common::truncate(&stderr, 4000)
                    ));
                    return None;
                }
            }
        }
    }
    differences.push("gcc kept rejecting the program after 6 attempts".to_string());
    None
}

fn check_header(header: &Header, target: &Target) -> HeaderReport {
    let mut report = HeaderReport {
        header: header.arg.clone(),
        records: 0,
        fields_checked: 0,
        differences: Vec::new(),
        notes: Vec::new(),
    };
    let mut args: Vec<&str> = vec!["layout", "--json"];
    args.extend(target.wyvern_args);
    args.extend(["-H", &header.arg]);
    let records = match wyvern_json(&args).and_then(|json| parse_records(&json)) {
        Ok(records) => records,
        Err(message) => {
            report.differences.push(message);
            return report;
        }
    };
    report.records = records.len();

    for expected in header.expected {
        let found = records
            .iter()
            .find(|r| expected.split('|').any(|name| name == r.name));
        match found {
            None => report.differences.push(format!(
                "record `{expected}` is missing from wyvern's output ({} records listed)",
                records.len()
            )),
            Some(record) if leaf_fields(&record.fields).is_empty() => report
                .differences
                .push(format!("{}: no named fields listed", record.name)),
            Some(_) => {}
        }
    }
    let mut seen = BTreeSet::new();
    for record in &records {
        if !seen.insert(record.name.as_str()) {
            report
                .differences
                .push(format!("{}: listed more than once", record.name));
        }
        check_self_consistency(record, &mut report.differences);
    }

    let mut dir = TempDir::new(&format!("layout-{}-{}", target.label, header.arg));
    let mut dropped = BTreeSet::new();
    for (r, record) in records.iter().enumerate() {
        if COMPILER_SPECIFIC_RECORDS.contains(&record.name.as_str()) {
            dropped.insert(Owner::Record(r));
            report.notes.push(format!(
                "{} not compared: each compiler's <stddef.h> defines its own",
                record.name
            ));
        }
    }
    let Some(stdout) = gcc_layouts(
        &mut dir,
        header,
        target,
        &records,
        &mut dropped,
        &mut report.differences,
    ) else {
        return report;
    };
    compare_layouts(&records, &dropped, &stdout, &mut report);

    let program = type_program(header, &records, &dropped);
    if let Err(stderr) = gcc_syntax_check(dir.path(), "types", program.text(), target.gcc_flags) {
        for (line, errors) in gcc_errors(&stderr, "types.c") {
            match program.owner(line) {
                Some(&Owner::Field(r, f)) => {
                    let field = leaf_fields(&records[r].fields)[f];
                    let why = if errors.iter().any(|e| e.contains("static assertion failed")) {
                        "is not the field's type in gcc".to_string()
                    } else {
                        format!("is not a C type name: {}", first_error(&errors))
                    };
                    report.differences.push(format!(
                        "{}: type `{}` {why}",
                        describe_owner(&records, Owner::Field(r, f)),
                        field.ty
                    ));
                }
                _ => report.differences.push(format!(
                    "the type-check program does not compile: {}",
                    first_error(&errors)
                )),
            }
        }
    }
    if !report.differences.is_empty() {
        let kept = dir.keep().display().to_string();
        report
            .notes
            .push(format!("gcc's programs are kept in {kept}"));
    }
    report
}

/// Compares the gcc program's output with wyvern's records.
fn compare_layouts(
    records: &[Record],
    dropped: &BTreeSet<Owner>,
    stdout: &str,
    report: &mut HeaderReport,
) {
    let mut seen = BTreeSet::new();
    let mut skipped = Vec::new();
    for line in stdout.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        if words.is_empty() {
            continue;
        }
        let numbers: Vec<i64> = words[1..].iter().filter_map(|w| w.parse().ok()).collect();
        let index = |i: usize| numbers.get(i).and_then(|&n| usize::try_from(n).ok());
        let (Some(r), Some(record)) = (index(0), index(0).and_then(|r| records.get(r))) else {
            report
                .differences
                .push(format!("bad line from gcc's program: {line}"));
            continue;
        };
        match (words[0], numbers.len()) {
            ("R", 3) => {
                seen.insert(Owner::Record(r));
                differ(
                    &mut report.differences,
                    &format!("{} size", record.name),
                    numbers[1],
                    record.size,
                );
                differ(
                    &mut report.differences,
                    &format!("{} align", record.name),
                    numbers[2],
                    record.align,
                );
            }
            ("F" | "B" | "S", _) => {
                let leaves = leaf_fields(&record.fields);
                let Some((f, field)) = index(1).and_then(|f| leaves.get(f).map(|x| (f, x))) else {
                    report
                        .differences
                        .push(format!("bad line from gcc's program: {line}"));
                    continue;
                };
                seen.insert(Owner::Field(r, f));
                let what = describe_owner(records, Owner::Field(r, f));
                match (words[0], numbers.len()) {
                    ("S", _) => skipped.push(what),
                    ("F", 4) => {
                        report.fields_checked += 1;
                        if let Some(width) = field.bit_width {
                            report.differences.push(format!(
                                "{what}: gcc says it is not a bitfield, wyvern gives bit_width {width}"
                            ));
                        }
                        differ(
                            &mut report.differences,
                            &format!("{what} offset"),
                            numbers[2],
                            field.offset,
                        );
                        differ(
                            &mut report.differences,
                            &format!("{what} bit_offset"),
                            numbers[2] * 8,
                            field.bit_offset,
                        );
                        differ(
                            &mut report.differences,
                            &format!("{what} size"),
                            numbers[3],
                            field.size,
                        );
                    }
                    ("B", 4) => {
                        report.fields_checked += 1;
                        differ(
                            &mut report.differences,
                            &format!("{what} bit_offset"),
                            numbers[2],
                            field.bit_offset,
                        );
                        differ(
                            &mut report.differences,
                            &format!("{what} bit_width"),
                            numbers[3],
                            field.bit_width.unwrap_or(0),
                        );
                    }
                    _ => report
                        .differences
                        .push(format!("bad line from gcc's program: {line}")),
                }
            }
            _ => report
                .differences
                .push(format!("bad line from gcc's program: {line}")),
        }
    }
    for (r, record) in records.iter().enumerate() {
        if dropped.contains(&Owner::Record(r)) {
            continue;
        }
        if !seen.contains(&Owner::Record(r)) {
            report.differences.push(format!(
                "{}: gcc's program printed nothing for it",
                record.name
            ));
        }
        for f in 0..leaf_fields(&record.fields).len() {
            let owner = Owner::Field(r, f);
            if !dropped.contains(&owner) && !seen.contains(&owner) {
                report.differences.push(format!(
                    "{}: gcc's program printed nothing for it",
                    describe_owner(records, owner)
                ));
            }
        }
    }
    if !skipped.is_empty() {
        report.notes.push(format!(
            "{} field(s) not checked because their name is also a macro: {}",
            skipped.len(),
            skipped.join(", ")
        ));
    }
}

/// Records a difference when gcc's and wyvern's numbers are not equal.
fn differ(differences: &mut Vec<String>, what: &str, gcc: i64, wyvern: u64) {
    if i64::try_from(wyvern) != Ok(gcc) {
        differences.push(format!("{what}: gcc {gcc}, wyvern {wyvern}"));
    }
}

/// Checks every header on two threads, prints a summary, and fails with every
/// difference found.
fn check_headers(headers: &[Header], target: &Target) {
    let reports = in_parallel(headers, |header| check_header(header, target));
    let mut failures = String::new();
    let mut total_records = 0;
    let mut total_fields = 0;
    for report in &reports {
        total_records += report.records;
        total_fields += report.fields_checked;
        println!(
            "[{}] {}: {} records, {} fields checked against gcc, {} differences",
            target.label,
            report.header,
            report.records,
            report.fields_checked,
            report.differences.len()
        );
        for note in &report.notes {
            println!("    note: {note}");
        }
        if !report.differences.is_empty() {
            let _ = writeln!(
                failures,
                "\n== {} ({}): {} difference(s)",
                report.header,
                target.label,
                report.differences.len()
            );
            for difference in &report.differences {
                let _ = writeln!(failures, "   {difference}");
            }
        }
    }
    println!(
        "[{}] {} headers, {total_records} records, {total_fields} fields",
        target.label,
        headers.len()
    );
    assert!(
        failures.is_empty(),
        "wyvern's layouts differ from gcc's:{failures}"
    );
}

fn fixture_headers() -> Vec<Header> {
    FIXTURES
        .iter()
        .map(|&(name, expected)| Header::fixture(name, expected))
        .collect()
}

// ---------------------------------------------------------------------------
// The tests

#[test]
fn fixture_layouts_match_gcc() {
    check_headers(&fixture_headers(), &HOST);
}

fn system_headers() -> Vec<Header> {
    let mut headers: Vec<Header> = SYSTEM_HEADERS
        .iter()
        .map(|&(name, expected)| Header::system(name, expected))
        .collect();
    for &(name, expected) in OPTIONAL_HEADERS {
        if header_installed(name) {
            headers.push(Header::system(name, expected));
        } else {
            println!("note: <{name}> is not installed; skipping it");
        }
    }
    headers
}

#[test]
fn system_header_layouts_match_gcc() {
    check_headers(&system_headers(), &HOST);
}

#[test]
fn system_header_layouts_match_gcc_with_gnu_source() {
    check_headers(&system_headers(), &HOST_GNU);
}

/// A header of records with hundreds of fields, where wyvern derives the field
/// offsets and checks them against clang instead of asking for each: plain mixes
/// of every kind of field, a union, a flexible array member, and the cases that
/// must go back to asking clang (`#pragma pack`, an `aligned` field, bitfields).
fn large_records_header(dir: &TempDir) -> Header {
    const TYPES: &[&str] = &[
        "char",
        "double",
        "short",
        "long double",
        "int",
        "void *",
        "char[3]",
        "long long",
        "short[5]",
        "_Complex double",
        "aligned16_int",
        "float",
        "struct { char c; double d; }",
        "long",
    ];
    let fields = |count: usize, offset: usize, prefix: &str| -> String {
        (0..count)
            .map(|i| {
                let ty = TYPES[(i * 7 + offset) % TYPES.len()];
                match ty.split_once('[') {
                    Some((elem, len)) => format!("    {elem} {prefix}{i}[{len};\n"),
                    None => format!("    {ty} {prefix}{i};\n"),
                }
            })
            .collect()
    };
    let mut text = String::from("typedef int aligned16_int __attribute__((aligned(16)));\n");
    text += &format!("struct big_mixed {{\n{}}};\n", fields(300, 0, "f"));
    text += &format!("union big_union {{\n{}}};\n", fields(100, 3, "f"));
    text += &format!(
        "#pragma pack(push, 2)\nstruct big_pack2 {{\n{}}};\n#pragma pack(pop)\n",
        fields(200, 1, "f")
    );
    text += &format!(
        "struct big_aligned_field {{\n{}    char __attribute__((aligned(32))) late;\n{}}};\n",
        fields(80, 2, "f"),
        fields(20, 5, "g")
    );
    text += &format!(
        "struct big_bits {{\n{}    unsigned b1 : 3, b2 : 30;\n{}}};\n",
        fields(80, 4, "f"),
        fields(20, 6, "g")
    );
    text += &format!(
        "struct big_flexible {{\n{}    int tail[];\n}};\n",
        fields(100, 8, "f")
    );
    let path = dir.path().join("large.h");
    std::fs::write(&path, text).expect("write large.h");
    let path = path.display().to_string();
    Header {
        include: format!("#include {}", common::c_string(&path)),
        arg: path,
        expected: &[
            "struct big_mixed",
            "union big_union",
            "struct big_pack2",
            "struct big_aligned_field",
            "struct big_bits",
            "struct big_flexible",
        ],
    }
}

#[test]
fn large_record_layouts_match_gcc() {
    let dir = TempDir::new("large-records");
    let header = large_records_header(&dir);
    check_headers(std::slice::from_ref(&header), &HOST);
    if gcc_m32_works() {
        check_headers(&[header], &I686);
    }
}

#[test]
fn fixture_layouts_match_gcc_m32_for_i686() {
    if !gcc_m32_works() {
        println!(
            "note: `gcc -m32` cannot build programs here (is gcc-multilib installed?); \
             skipping the i686 comparison"
        );
        return;
    }
    check_headers(&fixture_headers(), &I686);
}

#[test]
fn fixtures_lay_out_for_targets_without_gcc() {
    let mut failures = Vec::new();
    for target in ["aarch64-linux-gnu", "x86_64-pc-windows-msvc"] {
        let mut records = Vec::new();
        for &(name, _) in FIXTURES {
            let path = fixture(name);
            let args = [
                "layout",
                "--json",
                "--target",
                target,
                "-H",
                path.to_str().expect("UTF-8 path"),
            ];
            match wyvern_json(&args).and_then(|json| parse_records(&json)) {
                Ok(found) => records.extend(found),
                Err(message) => failures.push(format!("{target}: {message}")),
            }
        }
        for record in &records {
            let mut problems = Vec::new();
            check_self_consistency(record, &mut problems);
            failures.extend(problems.into_iter().map(|p| format!("{target}: {p}")));
        }
        for &(_, record_name, size, align, fields) in
            OTHER_TARGET_FACTS.iter().filter(|fact| fact.0 == target)
        {
            let Some(record) = records.iter().find(|r| r.name == record_name) else {
                failures.push(format!("{target}: `{record_name}` is missing"));
                continue;
            };
            if (record.size, record.align) != (size, align) {
                failures.push(format!(
                    "{target}: {record_name} size/align: expected {size}/{align}, wyvern {}/{}",
                    record.size, record.align
                ));
            }
            for &(field_name, bit_offset, field_size) in fields {
                let Some(field) = record
                    .fields
                    .iter()
                    .find(|f| f.name.as_deref() == Some(field_name))
                else {
                    failures.push(format!("{target}: {record_name} has no field {field_name}"));
                    continue;
                };
                if (field.bit_offset, field.size) != (bit_offset, field_size) {
                    failures.push(format!(
                        "{target}: {record_name} .{field_name} bit_offset/size: expected \
                         {bit_offset}/{field_size}, wyvern {}/{}",
                        field.bit_offset, field.size
                    ));
                }
            }
        }
        println!("[{target}] {} records laid out", records.len());
    }
    assert!(
        failures.is_empty(),
        "wrong layouts for other targets:\n{}",
        failures.join("\n")
    );
}
