//! `wyvern::check::compare` on two views of one interface. The DWARF side is not
//! needed to test the comparison: it only sees `TypeSet`s, so both views here come
//! from the same header text parsed with different `-D`s (or targets).

#![cfg(feature = "clang")]

use wyvern::check::{compare, CheckReport, DifferenceKind};
use wyvern::types::{Target, TypeBuilder};
use wyvern::{Parser, TypeSet};

const HEADER: &str = r#"
struct config {
    int version;
#ifdef BIG
    long flags;
#else
    int flags;
#endif
    char name[16];
#ifndef BIG
    unsigned debug : 1;
#endif
};
typedef struct { int x, y; } point_t;
#ifdef BIG
enum color { RED, GREEN = 6, BLUE };
#else
enum color { RED, GREEN = 5, BLUE };
#endif
#ifdef BIG
int configure(struct config *c, int level, int verbose);
#else
int configure(struct config *c, int level);
void retired(void);
#endif
void say(const char *fmt, ...);
static inline int helper(void) { return 0; }
extern int counter;
struct node { struct node *next; point_t *where; int (*visit)(struct node *, const void *); };
"#;

fn parse(text: &str, defines: &[&str]) -> TypeSet {
    let mut parser = Parser::new().cdef(text);
    for d in defines {
        parser = parser.define(*d, None);
    }
    parser.parse().expect("the test header parses")
}

/// Each difference as `Kind subject: message`, in order.
fn found(report: &CheckReport) -> Vec<String> {
    report
        .differences
        .iter()
        .map(|d| format!("{:?} {}: {}", d.kind, d.subject, d.message))
        .collect::<Vec<_>>()
}

#[test]
fn a_define_that_changes_the_interface_is_found() {
    let header = parse(HEADER, &[]);
    let binary = parse(HEADER, &["BIG"]);
    let report = compare(&header, &binary);
    assert_eq!(
        found(&report),
        [
            "ParameterCount function configure: 2 parameters in the header, 3 in the binary \
                 ('int configure(struct config *c, int level)' and \
                 'int configure(struct config *c, int level, int verbose)')",
            "MissingFunction function retired: declared in the header, not defined in the binary",
            "Size struct config: size 28 in the header, 32 in the binary",
            "Alignment struct config: alignment 4 in the header, 8 in the binary",
            "FieldOffset struct config.flags: offset 4 in the header, 8 in the binary",
            "FieldType struct config.flags: type 'int' in the header, 'long' in the binary",
            "FieldOffset struct config.name: offset 8 in the header, 16 in the binary",
            "MissingField struct config: field 'debug' is missing in the binary",
            "EnumValue enum color.GREEN: value 5 in the header, 6 in the binary",
            "EnumValue enum color.BLUE: value 6 in the header, 7 in the binary",
        ]
    );
    // The other direction: what only the header had is now only in the binary.
    let back = compare(&binary, &header);
    assert!(back
        .differences
        .iter()
        .any(|d| d.kind == DifferenceKind::ExtraField
            && d.message == "field 'debug' is only in the binary"));
    assert!(!back
        .differences
        .iter()
        .any(|d| d.subject == "function retired"));

    // Functions: configure, retired, say (helper is static); records: config,
    // point_t, node; enums: color; globals: counter.
    assert_eq!(report.checked.functions, 3);
    assert_eq!(report.checked.records, 3);
    assert_eq!(report.checked.enums, 1);
    assert_eq!(report.checked.globals, 1);
    assert!(report.not_checked.is_empty(), "{:?}", report.not_checked);
    assert_eq!(report.items_with_differences(), 4);
}

#[test]
fn the_report_reads_as_a_diff_grouped_by_item() {
    let report = compare(&parse(HEADER, &[]), &parse(HEADER, &["BIG"]));
    let text = report.to_string();
    let expected = "\
<cdef>:23:5: function configure
  ! 2 parameters in the header, 3 in the binary ('int configure(struct config *c, int level)' and 'int configure(struct config *c, int level, int verbose)')
<cdef>:24:6: function retired
  - declared in the header, not defined in the binary
<cdef>:2:8: struct config
  ! size 28 in the header, 32 in the binary
  ! alignment 4 in the header, 8 in the binary
  ! .flags: offset 4 in the header, 8 in the binary
  ! .flags: type 'int' in the header, 'long' in the binary
  ! .name: offset 8 in the header, 16 in the binary
  - field 'debug' is missing in the binary
<cdef>:18:6: enum color
  ! .GREEN: value 5 in the header, 6 in the binary
  ! .BLUE: value 6 in the header, 7 in the binary
10 differences in 4 of 8 items checked
";
    assert_eq!(text, expected);
}

#[test]
fn the_report_serializes_to_json() {
    let report = compare(&parse(HEADER, &[]), &parse(HEADER, &["BIG"]));
    let json = serde_json::to_value(&report).expect("a report serializes");
    let first = &json["differences"][2];
    assert_eq!(first["kind"], "size");
    assert_eq!(first["item"], "struct config");
    assert_eq!(first["subject"], "struct config");
    assert_eq!(first["header"], "28");
    assert_eq!(first["binary"], "32");
    assert_eq!(first["location"]["file"], "<cdef>");
    assert_eq!(first["location"]["line"], 2);
    assert_eq!(json["checked"]["records"], 3);
    assert_eq!(json["differences"][1]["kind"], "missing_function");
    assert!(json["differences"][1]["header"].is_null());
}

#[test]
fn identical_inputs_are_clean() {
    for defines in [&[][..], &["BIG"][..]] {
        let report = compare(&parse(HEADER, defines), &parse(HEADER, defines));
        assert!(report.is_clean(), "{report}");
        // Without BIG, `retired` is declared too.
        let items = 8 - defines.len();
        assert_eq!(report.checked.total(), items);
        let summary = format!("no differences in {items} items checked\n");
        assert_eq!(report.to_string(), summary);
    }
}

#[test]
fn system_headers_parsed_twice_agree() {
    let parse = || {
        Parser::new()
            .header("<sys/stat.h>")
            .header("<stdio.h>")
            .parse()
            .expect("system headers parse")
    };
    let (header, binary) = (parse(), parse());
    let report = compare(&header, &binary);
    assert!(report.is_clean(), "{report}");
    assert!(report.checked.functions > 50, "{:?}", report.checked);
    assert!(report.checked.records > 5, "{:?}", report.checked);
    assert!(report.checked.globals >= 3, "{:?}", report.checked);
    // The same set against itself, ids shared.
    assert!(compare(&header, &header).is_clean());
}

#[test]
fn typedefs_are_seen_through_and_reported_with_the_headers_spelling() {
    let text = r#"
#ifdef BIG
typedef unsigned long word;
#else
typedef unsigned int word;
#endif
typedef word count_t;
typedef unsigned int plain;
typedef const char *name_t;
int take(count_t n, plain p, name_t s);
"#;
    // The header says `count_t`, the binary says `unsigned int`: they agree.
    let header = parse(text, &[]);
    let binary = parse(
        "int take(unsigned int n, unsigned int p, const char *s);",
        &[],
    );
    assert!(compare(&header, &binary).is_clean());

    let report = compare(&header, &parse(text, &["BIG"]));
    assert_eq!(
        found(&report),
        ["ParameterType function take: parameter 1 (n): 'count_t' ('unsigned int') in the header, \
             'count_t' ('unsigned long') in the binary"]
    );
    assert_eq!(
        report.differences[0].header.as_deref(),
        Some("'count_t' ('unsigned int')")
    );
}

#[test]
fn top_level_parameter_qualifiers_do_not_count_but_pointee_ones_do() {
    let header = parse(
        "void f(const int x); void g(const char *s); int *restrict h(void);",
        &[],
    );
    let binary = parse("void f(int x); void g(char *s); int *h(void);", &[]);
    assert_eq!(
        found(&compare(&header, &binary)),
        ["ParameterType function g: parameter 1 (s): 'const char *' in the header, 'char *' in the binary"]
    );
}

#[test]
fn function_pointers_and_arrays_are_compared_structurally() {
    let text = r#"
typedef int (*callback)(int, void *);
#ifdef BIG
void reg(int (*cb)(long, void *), int table[4][8]);
#else
void reg(callback cb, int table[4][8]);
#endif
extern int grid[3][4];
extern char names[];
"#;
    let header = parse(text, &[]);
    let report = compare(&header, &parse(text, &["BIG"]));
    assert_eq!(
        found(&report),
        ["ParameterType function reg: parameter 1 (cb): 'callback' in the header, 'int (*)(long, void *)' in the binary"]
    );
    // An array of unknown length agrees with one of any length (C11 6.7.6.2p6);
    // a different inner length does not.
    let binary = parse(
        "void reg(int (*)(int, void *), int (*)[8]); int grid[3][5]; char names[32];",
        &[],
    );
    assert_eq!(
        found(&compare(&header, &binary)),
        ["GlobalType global grid: type 'int [3][4]' in the header, 'int [3][5]' in the binary"]
    );
}

#[test]
fn pointers_to_incomplete_records_match_defined_ones() {
    let header = parse("struct opaque; int use(struct opaque *o);", &[]);
    let binary = parse(
        "struct opaque { int secret; }; int use(struct opaque *o);",
        &[],
    );
    let report = compare(&header, &binary);
    assert!(report.is_clean(), "{report}");
    // The header does not define it, so there is nothing to check of its body.
    assert_eq!(report.checked.records, 0);
    // The other way, the binary does not describe the body: not checked, not an error.
    let back = compare(&binary, &header);
    assert!(back.is_clean(), "{back}");
    assert_eq!(back.not_checked, ["struct opaque"]);
}

#[test]
fn recursive_types_through_pointers_terminate() {
    let text = r#"
struct tree;
typedef struct tree *tree_p;
struct tree { tree_p left, right; struct { tree_p up; struct tree **all; } links;
#ifdef BIG
  long
#else
  int
#endif
  key; };
struct list { struct list *next; struct tree *(*walk)(struct list *, tree_p); };
typedef struct { struct list *head; void *(*self)(void *); } anon_t;
int visit(struct tree *t, anon_t *a, int (*again)(struct tree *, anon_t *));
"#;
    let header = parse(text, &[]);
    assert!(compare(&header, &parse(text, &[])).is_clean());
    let report = compare(&header, &parse(text, &["BIG"]));
    let subjects: Vec<&str> = report
        .differences
        .iter()
        .map(|d| d.subject.as_str())
        .collect();
    // `key` ends in padding either way, so only its type differs.
    assert_eq!(subjects, ["struct tree.key"], "{report}");
}

#[test]
fn anonymous_records_are_compared_by_shape_member_by_member() {
    let text = r#"
struct outer {
    struct {
        int a;
#ifdef BIG
        long b;
#else
        int b;
#endif
    } inner;
    union { int i; float f; };
    unsigned : 3;
    unsigned bits : 5;
};
typedef union { int i; struct { short lo, hi; } parts; } word_t;
void put(struct { int z; } *p);
"#;
    let header = parse(text, &[]);
    assert!(compare(&header, &parse(text, &[])).is_clean());
    let report = compare(&header, &parse(text, &["BIG"]));
    assert_eq!(
        found(&report),
        [
            "Size struct outer: size 16 in the header, 24 in the binary",
            "Alignment struct outer: alignment 4 in the header, 8 in the binary",
            "Size struct outer.inner: size 8 in the header, 16 in the binary",
            "Alignment struct outer.inner: alignment 4 in the header, 8 in the binary",
            "FieldOffset struct outer.inner.b: offset 4 in the header, 8 in the binary",
            "FieldType struct outer.inner.b: type 'int' in the header, 'long' in the binary",
            // Members of the anonymous union belong to `struct outer`.
            "FieldOffset struct outer.i: offset 8 in the header, 16 in the binary",
            "FieldOffset struct outer.f: offset 8 in the header, 16 in the binary",
            "FieldOffset struct outer.bits: bit offset 99 in the header, 163 in the binary",
        ]
    );
}

#[test]
fn bitfield_widths_and_record_kinds_are_compared() {
    let text = r#"
#ifdef BIG
struct flags { unsigned a : 3; unsigned b : 4; };
struct shape { int tag; };
typedef union { int i; } id_t;
#else
struct flags { unsigned a : 3; unsigned b : 2; };
union shape { int tag; };
typedef struct { int i; } id_t;
#endif
"#;
    let report = compare(&parse(text, &[]), &parse(text, &["BIG"]));
    assert_eq!(
        found(&report),
        [
            "FieldBitWidth struct flags.b: 2 bits in the header, 4 bits in the binary",
            "ItemKind union shape: a union in the header, a struct in the binary",
            "ItemKind id_t: a struct in the header, a union in the binary",
        ]
    );
}

#[test]
fn enums_missing_extra_and_anonymous_enumerators() {
    let text = r#"
enum mode { READ = 1, WRITE = 2,
#ifdef BIG
  APPEND = 4,
#else
  EXEC = 4,
#endif
};
enum { FIRST = 10, SECOND,
#ifdef BIG
  THIRD
#endif
};
typedef enum { LOW, HIGH } level_t;
"#;
    let report = compare(&parse(text, &[]), &parse(text, &["BIG"]));
    assert_eq!(
        found(&report),
        [
            "MissingEnumerator enum mode: enumerator 'EXEC' is missing in the binary",
            "ExtraEnumerator enum mode: enumerator 'APPEND' is only in the binary",
            "ExtraEnumerator enum { FIRST, ... }: enumerator 'THIRD' is only in the binary",
        ]
    );
    assert_eq!(report.checked.enums, 3);
}

#[test]
fn only_the_binary_is_never_a_difference_and_only_the_header_is_not_checked() {
    let header = parse(
        "struct s { int a; }; enum e { A }; extern int g; static int local(void) { return 0; }\n\
         inline int maybe(void) { return 1; }",
        &[],
    );
    let binary = parse(
        "struct t { int a; }; int other(void); extern long h; struct s;",
        &[],
    );
    let report = compare(&header, &binary);
    assert!(report.is_clean(), "{report}");
    assert_eq!(
        report.not_checked,
        ["function maybe", "struct s", "enum e", "global g"]
    );
    assert_eq!(
        report.to_string(),
        "no differences in 0 items checked; 4 not checked (the binary does not describe them)\n"
    );
}

#[test]
fn static_functions_and_name_clashes() {
    let header = parse("int f(void); int g(void); extern int v; int w;", &[]);
    let binary = parse(
        "static int f(void) { return 0; } int g; int v(void); int w;",
        &[],
    );
    assert_eq!(
        found(&compare(&header, &binary)),
        [
            "MissingFunction function f: declared in the header, only static in the binary",
            "ItemKind function g: a function in the header, a variable in the binary",
            "ItemKind global v: a variable in the header, a function in the binary",
        ]
    );
}

#[test]
fn return_type_variadic_and_convention() {
    let text = r#"
#ifdef BIG
long ret(void); void va(int n); void __attribute__((ms_abi)) conv(int);
#else
int ret(void); void va(int n, ...); void conv(int);
#endif
const int cret(void);
"#;
    let header = parse(text, &[]);
    let binary = parse(&text.replace("const int cret", "int cret"), &["BIG"]);
    assert_eq!(
        found(&compare(&header, &binary)),
        [
            "ReturnType function ret: returns 'int' in the header, 'long' in the binary",
            "Variadic function va: variadic in the header, not in the binary",
            "CallingConvention function conv: calling convention c in the header, ms_abi in the binary",
        ]
    );
}

#[test]
fn different_targets_and_empty_sets_do_not_panic() {
    let text = r#"
struct s { long a; void *p; char c; };
long size(struct s *s);
enum e { X = 1 };
extern long counter;
"#;
    let x86_64 = Parser::new()
        .cdef(text)
        .target("x86_64-pc-linux-gnu")
        .parse()
        .expect("parses for x86-64");
    let i686 = Parser::new()
        .cdef(text)
        .target("i686-pc-linux-gnu")
        .parse()
        .expect("parses for i686");
    let report = compare(&x86_64, &i686);
    let subjects: Vec<&str> = report
        .differences
        .iter()
        .map(|d| d.subject.as_str())
        .collect();
    assert_eq!(
        subjects,
        ["struct s", "struct s", "struct s.p", "struct s.c"],
        "{report}"
    );

    let empty = TypeBuilder::new(Target::host()).freeze();
    let missing = compare(&x86_64, &empty);
    assert_eq!(found(&missing).len(), 1);
    assert_eq!(missing.differences[0].kind, DifferenceKind::MissingFunction);
    assert_eq!(missing.not_checked.len(), 3);
    assert!(compare(&empty, &x86_64).is_clean());
    assert!(compare(&empty, &empty).is_clean());
}

/// A header whose struct holds a pointer to an anonymous struct holding a
/// pointer to one … `levels` deep: each set nests shallowly along each of its
/// graphs, but comparing goes two levels down per struct.
fn deep_pointers(levels: usize) -> String {
    let mut text = String::from("struct top { ");
    for _ in 0..levels {
        text.push_str("struct { ");
    }
    text.push_str("int x; ");
    for _ in 0..levels {
        text.push_str("} *p; ");
    }
    text.push_str("};");
    text
}

#[test]
fn types_too_deep_to_compare_are_reported_as_such() {
    let shallow = deep_pointers(20);
    assert!(compare(&parse(&shallow, &[]), &parse(&shallow, &[])).is_clean());
    let deep = deep_pointers(120);
    let report = compare(&parse(&deep, &[]), &parse(&deep, &[]));
    let lines = found(&report);
    assert_eq!(lines.len(), 1, "{lines:#?}");
    assert!(
        lines[0].starts_with("FieldType struct top.p: type "),
        "{lines:#?}"
    );
    assert!(
        lines[0].ends_with(
            "cannot be compared, types nest more than 200 deep \
             (the limit wyvern::limits::MAX_TYPE_DEPTH)"
        ),
        "{lines:#?}"
    );
    // Merging refuses the same pair, saying why.
    let (a, b) = (parse(&deep, &[]), parse(&deep, &[]));
    let err = a.merge(&b).unwrap_err().to_string();
    assert!(
        err.starts_with("struct top: field 'p' cannot be compared"),
        "{err}"
    );
    assert!(err.contains("types nest more than 200 deep"), "{err}");
}

/// gcc's DWARF puts an array's `const` on the array (`const (char[6])`), a
/// header's type has it on the elements (`(const char)[6]`): one type in C
/// (C11 6.7.3p9), never a difference.
#[test]
fn a_const_array_is_an_array_of_const_elements() {
    use crate::common::{gcc_compile, TempDir};
    let decls = "extern const char label[6];\nextern const int grid[2][3];\ntypedef const double cd;\nextern cd weights[2];\n";
    let dir = TempDir::new("check-const-array");
    let source = format!("{decls}const char label[6] = \"label\";\nconst int grid[2][3] = {{ {{ 1 }} }};\ncd weights[2] = {{ 0.5, 1.5 }};\n");
    let lib = gcc_compile(
        dir.path(),
        "libconst.so",
        &source,
        &["-g", "-shared", "-fPIC"],
    )
    .built();
    let binary = wyvern::frontend::dwarf::read(&lib).expect("gcc's DWARF reads");
    let report = compare(&parse(decls, &[]), &binary);
    assert_eq!(found(&report), Vec::<String>::new(), "{report}");
    // A qualifier that really differs is still found.
    let wrong = compare(&parse("extern char label[6];", &[]), &binary);
    assert_eq!(found(&wrong).len(), 1, "{wrong}");
}
