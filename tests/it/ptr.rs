//! Live typed pointers (`CPtr`): C memory read and written in place, checked
//! against what each pointer may reach; C compiled by gcc builds the data and
//! reads back what wyvern wrote.

use crate::common;

use common::{gcc_compile, TempDir};
use wyvern::{CData, CPtr, ErrorKind, Library, Module, Value, ValueProblem};

const HEADER: &str = "
#include <stddef.h>
struct node { int value; unsigned flag : 3; char name[8]; struct node *next; };
struct node *make_list(int n);
int sum_list(const struct node *head);
int flags_list(const struct node *head);
const char *name_of(const struct node *n);
int *squares(int n);
void bump(int *p);
";

const SOURCE: &str = r#"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
struct node { int value; unsigned flag : 3; char name[8]; struct node *next; };
struct node *make_list(int n) {
    struct node *head = NULL;
    for (int i = n; i > 0; i--) {
        struct node *p = calloc(1, sizeof *p);
        p->value = i * 10;
        p->flag = i % 8;
        snprintf(p->name, sizeof p->name, "n%d", i);
        p->next = head;
        head = p;
    }
    return head;
}
int sum_list(const struct node *head) {
    int s = 0;
    for (; head; head = head->next) s += head->value;
    return s;
}
int flags_list(const struct node *head) {
    int s = 0;
    for (; head; head = head->next) s = s * 10 + head->flag;
    return s;
}
const char *name_of(const struct node *n) { return n->name; }
int *squares(int n) {
    int *a = malloc(n * sizeof *a);
    for (int i = 0; i < n; i++) a[i] = i * i;
    return a;
}
void bump(int *p) { *p += 1; }
"#;

fn module(dir: &TempDir) -> Module {
    let lib = gcc_compile(dir.path(), "libnodes.so", SOURCE, &["-shared", "-fPIC"]).built();
    let types = wyvern::cdef(HEADER).expect("the header parses");
    // SAFETY: the test's own library, with no initialisers.
    let lib = lib.to_str().expect("a UTF-8 path");
    Module::new(types, unsafe { Library::open(lib) }.expect("it loads"))
}

fn call(m: &Module, name: &str, args: &mut [Value]) -> Value {
    // SAFETY: the test library's functions, with valid arguments.
    unsafe { m.function(name).and_then(|f| f.call(args)) }.expect("the call succeeds")
}

fn address(v: &Value) -> usize {
    match v {
        Value::Pointer(a) => *a,
        other => panic!("not a pointer: {other:?}"),
    }
}

/// A list C built, walked and changed in place; C sees every change.
#[test]
fn a_list_c_built_is_walked_and_written_in_place() {
    let dir = TempDir::new("ptr-list");
    let m = module(&dir);
    let types = m.types();
    let head = address(&call(&m, "make_list", &mut [4.into()]));
    // SAFETY: make_list returns a valid list whose `next` links are valid or NULL.
    let mut node = unsafe { CPtr::new_named(types, "struct node *", head) }.unwrap();
    let (mut values, mut names) = (Vec::new(), Vec::new());
    while !node.is_null() {
        values.push(node.get("value").unwrap().as_int().unwrap());
        names.push(String::from_utf8(node.string("name").unwrap()).unwrap());
        node.set("value", 1).unwrap();
        node.set("flag", 7).unwrap();
        node = unsafe { node.follow("next") }.unwrap();
    }
    assert_eq!(values, [10, 20, 30, 40]);
    assert_eq!(names, ["n1", "n2", "n3", "n4"]);
    // The writes went into C's own memory: C's sum and bitfields see them.
    assert_eq!(
        call(&m, "sum_list", &mut [Value::Pointer(head)]),
        Value::Int(4)
    );
    assert_eq!(
        call(&m, "flags_list", &mut [Value::Pointer(head)]),
        Value::Int(7777)
    );
    // A bitfield checks its width in place too.
    let mut first = unsafe { CPtr::new_named(types, "struct node *", head) }.unwrap();
    let err = first.set("flag", 8).unwrap_err();
    assert!(
        err.to_string().contains("8 does not fit in a 3-bit field"),
        "{err}"
    );
    // The address of a member, passed to C, which writes through it.
    let value = first.addressof("value").unwrap();
    assert_eq!(value.type_name(), "int *");
    call(&m, "bump", &mut [Value::from(&value)]);
    assert_eq!(first.get("value").unwrap(), Value::Int(2));
    // A char * result is one call to its bytes, with a maximum length too.
    let name = call(&m, "name_of", &mut [Value::Pointer(head)]);
    assert_eq!(
        unsafe { name.c_string(None) }.unwrap(),
        Some(b"n1".to_vec())
    );
    assert_eq!(
        unsafe { name.c_string(Some(1)) }.unwrap(),
        Some(b"n".to_vec())
    );
    let name = unsafe { first.follow("next") }
        .unwrap()
        .addressof("name")
        .unwrap();
    assert_eq!(name.type_name(), "char (*)[8]");
}

/// An array C allocated: indexed and offset within the length vouched for.
#[test]
fn pointer_arithmetic_stays_in_what_was_vouched_for() {
    let dir = TempDir::new("ptr-array");
    let m = module(&dir);
    let a = address(&call(&m, "squares", &mut [5.into()]));
    // SAFETY: squares returns 5 ints.
    let one = unsafe { CPtr::new_named(m.types(), "int *", a) }.unwrap();
    assert_eq!(one.get("").unwrap(), Value::Int(0));
    let err = one.get("[1]").unwrap_err();
    assert!(
        matches!(
            problem(&err),
            Some(ValueProblem::OutsideMemory {
                start: 4,
                end: 8,
                before: 0,
                after: 4
            })
        ),
        "{err}"
    );
    // SAFETY: squares returns 5 ints.
    let five = unsafe { one.with_len(5) }.unwrap();
    let all: Vec<_> = (0..5)
        .map(|i| five.get(&format!("[{i}]")).unwrap())
        .collect();
    assert_eq!(all, [0, 1, 4, 9, 16].map(Value::Int));
    let third = five.offset(3).unwrap();
    assert_eq!(third.get("").unwrap(), Value::Int(9));
    assert_eq!(third.get("[-1]").unwrap(), Value::Int(4));
    assert_eq!(third.offset(-3).unwrap(), five);
    assert!(third.get("[2]").is_err());
    // One past the end is a pointer, not a value.
    let end = five.offset(5).unwrap();
    assert!(end.get("").is_err());
    assert!(five.offset(6).is_err() && five.offset(-1).is_err());
    assert_eq!(
        five.read_bytes().unwrap(),
        0i32.to_ne_bytes(),
        "read_bytes is the pointee's"
    );
    // SAFETY: nothing writes the array while the slice lives.
    let bytes = unsafe { five.as_slice(20) }.unwrap();
    assert_eq!(&bytes[16..20], &16i32.to_ne_bytes());
}

/// sockaddr casts, as getaddrinfo's users write them.
#[test]
fn casts_check_the_memory_they_reach() {
    let types = wyvern::Parser::new()
        .header("<netdb.h>")
        .header("<netinet/in.h>")
        .header("<arpa/inet.h>")
        .parse()
        .unwrap();
    let mut storage = CData::new_named(&types, "struct sockaddr_in6").unwrap();
    let mut six = storage.ptr_mut();
    six.set("sin6_family", 10).unwrap();
    six.set("sin6_port", 0x5000).unwrap();
    let generic = six.cast("struct sockaddr *").unwrap();
    assert_eq!(generic.get("sa_family").unwrap(), Value::Int(10));
    // Back to the larger type: it is within the storage's 28 bytes.
    let back = generic.cast("struct sockaddr_in6 *").unwrap();
    assert_eq!(back.get("sin6_port").unwrap(), Value::Int(0x5000));
    // A pointer that reaches only a struct sockaddr cannot become a larger type.
    let small = CData::new_named(&types, "struct sockaddr").unwrap();
    let err = small.ptr().cast("struct sockaddr_in6 *").unwrap_err();
    assert!(
        err.to_string()
            .contains("outside the memory it may reach (0..16)"),
        "{err}"
    );
    assert!(
        small.ptr().cast("struct sockaddr").is_err(),
        "a cast names a pointer type"
    );
}

#[test]
fn owned_objects_hand_out_the_same_pointers() {
    let types = wyvern::cdef(HEADER).unwrap();
    let mut nodes = CData::new_named(&types, "struct node [3]").unwrap();
    let mut p = nodes.ptr_mut();
    assert_eq!(p.type_name(), "struct node *");
    p.set("[2].value", 7).unwrap();
    p.set("[1].name", "abc").unwrap();
    let second = p.addressof("[1]").unwrap();
    p.set("[0].next", &second).unwrap();
    // A string stored as a pointer would dangle in memory nobody keeps.
    let text_into_pointer = p.set("[0].next", Value::Null);
    assert!(text_into_pointer.is_ok());
    let err = nodes
        .ptr_mut()
        .set("[0].next", Value::Bytes(vec![0; 64]))
        .unwrap_err();
    assert!(
        matches!(problem(&err), Some(ValueProblem::Unkept { .. })),
        "{err}"
    );
    // Past the object's end.
    let err = nodes.ptr().get("[3].value").unwrap_err();
    assert!(
        err.to_string()
            .contains("bytes 72..76 from the pointer are outside the memory it may reach (0..72)"),
        "{err}"
    );
    // A pointer from `&CData` reads only.
    let err = nodes.ptr().clone().set("[0].value", 1).unwrap_err();
    assert!(
        matches!(problem(&err), Some(ValueProblem::ReadOnly)),
        "{err}"
    );
    // What was written through the pointer is in the object.
    assert_eq!(nodes.get("[2].value").unwrap(), Value::Int(7));
    assert_eq!(nodes.ptr().string("[1].name").unwrap(), b"abc");
    assert!(nodes.ptr().string("[1].value").is_err());
    // Bitfields have no address; NULL has nothing to read.
    assert!(nodes.ptr().addressof("[0].flag").is_err());
    // SAFETY: NULL is never read.
    let null = unsafe { CPtr::new_named(&types, "struct node *", 0) }.unwrap();
    let err = null.get("value").unwrap_err();
    assert!(err.to_string().contains("it is NULL"), "{err}");
    assert_eq!(Value::from(&null), Value::Null);
    assert_eq!(null.to_string(), "(struct node *) NULL");
    let err = unsafe { CPtr::new_named(&types, "struct node", 0) }.unwrap_err();
    assert!(
        err.to_string().contains("'struct node' is not a pointer"),
        "{err}"
    );
}

/// readdir's `struct dirent`: its `char d_name[256]` read as text, through the
/// pointer C returns, with no copy of the entry and no offset by hand.
#[test]
fn readdir_names_are_one_call() {
    let dir = TempDir::new("ptr-readdir");
    std::fs::write(dir.path().join("hello.txt"), "x").unwrap();
    let types = wyvern::Parser::new().header("<dirent.h>").parse().unwrap();
    let m = Module::new(types, Library::this_process());
    let path = std::ffi::CString::new(dir.path().to_str().unwrap()).unwrap();
    let handle = call(&m, "opendir", &mut [Value::Str(path)]);
    let mut names = Vec::new();
    loop {
        let entry = call(&m, "readdir", &mut [handle.clone()]);
        // SAFETY: readdir returns NULL or an entry valid until the next call.
        let entry =
            unsafe { CPtr::new_named(m.types(), "struct dirent *", address_or_null(&entry)) }
                .unwrap();
        if entry.is_null() {
            break;
        }
        names.push(String::from_utf8(entry.string("d_name").unwrap()).unwrap());
        // The same bytes through an owned copy, and c_string on the array.
        let Value::Data(copy) = entry.get("").unwrap() else {
            panic!("a struct reads as an object")
        };
        assert_eq!(
            unsafe { copy.c_string("d_name") }.unwrap(),
            Some(copy.string("d_name").unwrap())
        );
    }
    call(&m, "closedir", &mut [handle]);
    names.sort();
    assert_eq!(names, [".", "..", "hello.txt"]);
}

fn address_or_null(v: &Value) -> usize {
    match v {
        Value::Null => 0,
        other => address(other),
    }
}

/// A prepared accessor reads and writes as the path does, through any pointer
/// of its type, and refuses a pointer of another type.
#[test]
fn accessors_read_and_write_as_paths_do() {
    let types = wyvern::cdef(HEADER).unwrap();
    let mut nodes = CData::new_named(&types, "struct node [4]").unwrap();
    let p = nodes.ptr_mut();
    let flag = p.accessor("flag").unwrap();
    let value = p.accessor("value").unwrap();
    for i in 0..4 {
        let mut each = p.offset(i).unwrap();
        flag.set(&mut each, i as i128 + 3).unwrap();
        value.set(&mut each, -(i as i128)).unwrap();
    }
    let err = flag.set(&mut p.offset(1).unwrap(), 8).unwrap_err();
    assert!(
        err.to_string().contains("8 does not fit in a 3-bit field"),
        "{err}"
    );
    assert_eq!(flag.get(&p.offset(2).unwrap()).unwrap(), Value::Int(5));
    assert_eq!(nodes.get("[3].value").unwrap(), Value::Int(-3));
    assert_eq!(nodes.get("[3].flag").unwrap(), Value::Int(6));
    let ints = CData::new_named(&types, "int [2]").unwrap();
    let err = value.get(&ints.ptr()).unwrap_err();
    assert!(
        err.to_string()
            .contains("the accessor of 'value' is for 'struct node *', not 'int *'"),
        "{err}"
    );
}

/// A typed accessor reads and writes as the Rust type it was checked against,
/// and refuses a type that is not the member's.
#[test]
fn typed_accessors_are_checked_once() {
    let types = wyvern::cdef(HEADER).unwrap();
    let mut nodes = CData::new_named(&types, "struct node [2]").unwrap();
    let p = nodes.ptr_mut();
    let value = p.accessor("value").unwrap().typed::<i32>().unwrap();
    let mut second = p.offset(1).unwrap();
    value.set(&mut second, -7).unwrap();
    assert_eq!(value.get(&second).unwrap(), -7);
    for (path, why) in [
        ("flag", "a bitfield has no Rust type"),
        ("next", "is not C"),
    ] {
        let err = p.accessor(path).unwrap().typed::<i64>().unwrap_err();
        assert!(err.to_string().contains(why), "{path}: {err}");
    }
    assert!(
        p.accessor("value").unwrap().typed::<u32>().is_err(),
        "int is signed"
    );
    // Bounds and NULL are checked on every access.
    assert!(value.get(&p.offset(2).unwrap()).is_err());
    let null = unsafe { CPtr::new_named(&types, "struct node *", 0) }.unwrap();
    assert!(value.get(&null).unwrap_err().to_string().contains("NULL"));
    assert_eq!(nodes.get("[1].value").unwrap(), Value::Int(-7));
}

/// `get_at`/`set_at` index through the pointer as `offset` would, with the
/// same bounds.
#[test]
fn typed_accessors_index_within_the_reach() {
    let types = wyvern::cdef(HEADER).unwrap();
    let mut nodes = CData::new_named(&types, "struct node [3]").unwrap();
    let mut p = nodes.ptr_mut();
    let value = p.accessor("value").unwrap().typed::<i32>().unwrap();
    for i in 0..3 {
        value.set_at(&mut p, i, 5 * i as i32).unwrap();
    }
    assert_eq!(value.get_at(&p, 2).unwrap(), 10);
    let err = value.get_at(&p, 3).unwrap_err();
    assert!(
        err.to_string().contains("outside the memory it may reach"),
        "{err}"
    );
    assert!(value.set_at(&mut p, usize::MAX, 1).is_err());
    assert_eq!(nodes.get("[1].value").unwrap(), Value::Int(5));
}

/// A bound accessor checks the type once and then only the index, against
/// the elements in reach; a read-only pointer's refuses writes.
#[test]
fn bound_accessors_check_the_index_against_the_reach() {
    let types = wyvern::cdef(HEADER).unwrap();
    let mut nodes = CData::new_named(&types, "struct node [3]").unwrap();
    let p = nodes.ptr_mut();
    let typed = p.accessor("value").unwrap().typed::<i32>().unwrap();
    let bound = typed.bind(&p).unwrap();
    assert_eq!(bound.len(), 3);
    for i in 0..3 {
        bound.set(i, 7 * i as i32).unwrap();
    }
    assert_eq!(bound.get(2).unwrap(), 14);
    let err = bound.get(3).unwrap_err();
    assert!(
        err.to_string()
            .contains("bytes 72..76 from the pointer are outside"),
        "{err}"
    );
    assert!(bound.set(usize::MAX, 1).is_err());
    // From the second element on, two are in reach.
    let second = p.offset(1).unwrap();
    assert_eq!(typed.bind(&second).unwrap().len(), 2);
    // A pointer of another type is refused when binding.
    let ints = CData::new_named(&types, "int [2]").unwrap();
    assert!(typed.bind(&ints.ptr()).is_err());
    assert_eq!(nodes.get("[1].value").unwrap(), Value::Int(7));
    let read_only = nodes.ptr();
    let err = typed.bind(&read_only).unwrap().set(0, 1).unwrap_err();
    assert!(
        matches!(problem(&err), Some(ValueProblem::ReadOnly)),
        "{err}"
    );
}

/// The `ValueProblem` of a value error.
fn problem(err: &wyvern::Error) -> Option<&ValueProblem> {
    match err.kind() {
        ErrorKind::Value { problem, .. } => Some(problem),
        _ => None,
    }
}
