//! Globals declared as arrays of unknown length (`extern int my_array[];`),
//! defined by a gcc-built library with their length: read by element through
//! `Module::global_array`, and passed by the CLI where C takes a pointer.

use crate::common;

use common::{gcc_compile, run_wyvern, Compiled, TempDir};
use wyvern::{ErrorKind, Library, Module, Value};

const HEADER: &str = "extern int my_array[];
struct pair { short a; long b; };
extern const struct pair pairs[];
extern int fixed[4];
int sum(const int *values, int n);
long pair_sum(const struct pair *p, int n);
";

const SOURCE: &str = "struct pair { short a; long b; };
int my_array[] = {1, 2, 3};
const struct pair pairs[] = {{1, 10}, {-2, 20}};
int fixed[4] = {7, 8, 9, 10};
int sum(const int *values, int n) { int s = 0; for (int i = 0; i < n; i++) s += values[i]; return s; }
long pair_sum(const struct pair *p, int n) { long s = 0; for (int i = 0; i < n; i++) s += p[i].a * p[i].b; return s; }
";

/// The header and gcc's library, in `dir`.
fn library(dir: &TempDir) -> (String, String) {
    let header = dir.path().join("arrays.h");
    std::fs::write(&header, HEADER).unwrap();
    let lib = match gcc_compile(dir.path(), "libarrays.so", SOURCE, &["-shared", "-fPIC"]) {
        Compiled::Ok(path) => path,
        Compiled::Failed(e) => panic!("gcc failed:\n{e}"),
    };
    (header.display().to_string(), lib.display().to_string())
}

#[test]
fn arrays_of_unknown_length_are_read_by_element() {
    let dir = TempDir::new("global-arrays");
    let (header, lib) = library(&dir);
    let types = wyvern::Parser::new().header(&header).parse().unwrap();
    // SAFETY: the fixture library has no initialisers.
    let module = Module::new(types, unsafe { Library::open(&lib) }.unwrap());

    // SAFETY: gcc defined my_array with 3 elements and pairs with 2; nothing writes them.
    let (ints, pairs) = unsafe {
        (
            module.global_array("my_array", 3).unwrap(),
            module.global_array("pairs", 2).unwrap(),
        )
    };
    assert_eq!(ints.type_name(), "int [3]");
    let values: Vec<Value> = (0..3)
        .map(|i| ints.get(&format!("[{i}]")).unwrap())
        .collect();
    assert_eq!(values, [Value::Int(1), Value::Int(2), Value::Int(3)]);
    assert_eq!(pairs.get("[1].a").unwrap(), Value::Int(-2));
    assert_eq!(pairs.get("[1].b").unwrap(), Value::Int(20));
    assert_eq!(pairs.type_name(), "const struct pair [2]");

    // A known length bounds what may be read.
    // SAFETY: fixed has 4 elements.
    let two = unsafe { module.global_array("fixed", 2) }.unwrap();
    assert_eq!(two.get("[1]").unwrap(), Value::Int(8));
    // SAFETY: refused before anything is read.
    let err = unsafe { module.global_array("fixed", 5) }.unwrap_err();
    assert!(err.to_string().contains("has 4 elements, not 5"), "{err}");

    // Reading the whole variable says how to read it instead.
    // SAFETY: refused before anything is read.
    let err = unsafe { module.global("my_array") }.unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::UnknownLength { .. }),
        "{err}"
    );
    assert!(
        err.to_string().contains("global_array(\"my_array\", N)"),
        "{err}"
    );
}

#[test]
fn the_cli_passes_an_array_of_unknown_length_as_its_address() {
    let dir = TempDir::new("global-arrays-cli");
    let (header, lib) = library(&dir);
    let out = run_wyvern(&["call", "-H", &header, "-l", &lib, "sum", "my_array", "3"]);
    assert!(out.success(), "{}", out.describe());
    assert_eq!(out.stdout.trim(), "6");
    let out = run_wyvern(&["call", "-H", &header, "-l", &lib, "pair_sum", "pairs", "2"]);
    assert!(out.success(), "{}", out.describe());
    assert_eq!(out.stdout.trim(), (10 - 40).to_string());
}
