//! Objects whose pointers point into memory they own (strings, buffers and
//! objects stored into pointer fields) keep that memory alive in every copy:
//! objects stored by value, whole-object copies, sub-objects read back,
//! pointees, arguments. Where a copy would leave the owners behind (a global, a
//! callback's result) it is refused.
//!
//! Each test drops the first owner, then allocates and fills many blocks the
//! size of the freed strings, so that a pointer into freed memory reads `#`s
//! instead of the text, and only then lets C (the calls fixture) read the string.

use crate::common;

use std::sync::OnceLock;

use wyvern::{CData, Callback, Module, Value};

fn module() -> &'static Module {
    static MODULE: OnceLock<Module> = OnceLock::new();
    // Its own copy: these tests write globals that `calls` reads.
    MODULE.get_or_init(|| common::own_fixture_library("calls", "owners").module())
}

fn object(ty: &str) -> CData {
    module().new_object(ty).unwrap()
}

/// The length of every text: its C string is a block of `TEXT_LEN + 1` bytes.
const TEXT_LEN: usize = 200;

/// A text of `TEXT_LEN` bytes that starts with `tag`.
fn text(tag: &str) -> String {
    format!("{tag:-<TEXT_LEN$}")
}

/// A `struct named` whose `name` points to its own copy of `text(tag)`.
fn named(tag: &str) -> CData {
    let mut n = object("struct named");
    n.set("name", text(tag)).unwrap();
    n.set("len", TEXT_LEN).unwrap();
    n
}

/// Many blocks of the strings' size, filled with `#` (and NUL-terminated): the
/// allocator hands out just-freed blocks first, so these overwrite any string
/// freed before them.
fn scribble() -> Vec<Vec<u8>> {
    (0..4096)
        .map(|_| {
            let mut block = vec![b'#'; TEXT_LEN + 1];
            block[TEXT_LEN] = 0;
            block
        })
        .collect()
}

/// The text C reads through the object's pointer: calls `function(args...,
/// out, 256)` after scribbling over freed memory, and returns what C copied
/// into `out`.
fn c_reads(function: &str, mut args: Vec<Value>) -> String {
    let f = module().function(function).unwrap();
    let scribbled = scribble();
    args.push(Value::Bytes(vec![0; 256]));
    args.push(256.into());
    // SAFETY: the fixture's copy functions read one string through the object
    // they are given and write at most 256 bytes into `out`.
    let len = unsafe { f.call(&mut args) }.unwrap();
    drop(scribbled);
    let Some(Value::Bytes(out)) = args.get(args.len() - 2) else {
        panic!("the buffer is still a buffer");
    };
    let end = out.iter().position(|b| *b == 0).unwrap_or(out.len());
    let copied = String::from_utf8_lossy(&out[..end]).into_owned();
    assert_eq!(
        len,
        Value::Int(copied.len() as i128),
        "strlen of {copied:?}"
    );
    copied
}

#[test]
fn an_object_stored_by_value_keeps_what_its_pointers_point_into() {
    let mut outer = object("struct named_box");
    outer.set("tag", 1).unwrap();
    // The inner object, the only owner of its string, is consumed by the store.
    outer.set("n", named("boxed")).unwrap();
    assert_eq!(
        c_reads("named_box_copy", vec![Value::Data(outer)]),
        text("boxed")
    );

    // Into an array element, read by C through a pointer to the whole array.
    let mut row = object("struct named_row");
    row.set("items[2]", named("second")).unwrap();
    assert_eq!(
        c_reads("named_row_copy", vec![Value::Ref(row), 2.into()]),
        text("second")
    );

    // Into a union member.
    let mut view = object("union named_view");
    view.set("n", named("in a union")).unwrap();
    assert_eq!(
        c_reads("named_view_copy", vec![Value::Data(view)]),
        text("in a union")
    );
}

#[test]
fn a_whole_object_copy_keeps_the_original_owners() {
    let a = named("copied");
    let mut b = object("struct named");
    b.set("", Value::Data(a.clone())).unwrap();
    drop(a);
    assert_eq!(c_reads("named_copy", vec![Value::Data(b)]), text("copied"));
}

#[test]
fn sub_objects_read_back_outlive_the_object_they_came_from() {
    let mut row = object("struct named_row");
    row.set("items[1].name", text("element")).unwrap();
    row.set("items[0]", named("first")).unwrap();
    let first = row.get("items[0]").unwrap();
    let element = row.get("items[1]").unwrap();
    let whole = row.get("").unwrap();
    drop(row);
    assert_eq!(c_reads("named_copy", vec![element]), text("element"));
    assert_eq!(c_reads("named_copy", vec![first]), text("first"));
    let Value::Data(whole) = whole else {
        panic!("a struct reads back as an object")
    };
    assert_eq!(
        c_reads("named_row_copy", vec![Value::Ref(whole), 1.into()]),
        text("element")
    );

    let mut outer = object("struct named_box");
    outer.set("n.name", text("nested")).unwrap();
    let inner = outer.get("n").unwrap();
    drop(outer);
    assert_eq!(c_reads("named_copy", vec![inner]), text("nested"));

    // Writing other bytes of a union keeps the pointer's owner; a member read
    // back carries it.
    let mut view = object("union named_view");
    view.set("n.name", text("viewed")).unwrap();
    view.set("raw[1]", 5).unwrap();
    let member = view.get("n").unwrap();
    drop(view);
    assert_eq!(c_reads("named_copy", vec![member]), text("viewed"));
}

#[test]
fn objects_given_by_address_keep_their_own_pointers_alive_in_copies() {
    let mut r = object("struct named_ref");
    r.set("p", Value::Ref(named("referenced"))).unwrap();
    // A copy of the referring object, through the whole-object path.
    let mut copy = object("struct named_ref");
    copy.set("", r.get("").unwrap()).unwrap();
    // SAFETY: `p` points to the `struct named` stored above, alive in `r`.
    let pointee = unsafe { r.pointee("p") }.unwrap();
    drop(r);
    assert_eq!(
        c_reads("named_ref_copy", vec![Value::Data(copy)]),
        text("referenced")
    );
    assert_eq!(
        c_reads("named_copy", vec![Value::Data(pointee)]),
        text("referenced")
    );
}

#[test]
fn a_callback_cannot_return_pointers_into_what_it_owns() {
    let m = module();
    let made_copy = m.function("named_made_copy").unwrap();
    let types = m.types().clone();
    let owning = Callback::for_param(&made_copy, 0, move |_: &[Value]| {
        let mut n = CData::new_named(&types, "struct named").unwrap();
        n.set("name", "made in the callback").unwrap();
        Value::Data(n)
    })
    .unwrap();
    let mut args = [owning.to_value(), Value::Bytes(vec![0; 256]), 256.into()];
    // SAFETY: a callback of the parameter's type and a buffer of 256 bytes.
    let e = unsafe { made_copy.call(&mut args) }.unwrap_err();
    assert!(
        e.to_string().starts_with(
            "the result of the callback for parameter 'make' (index 0) of 'named_made_copy': "
        ) && e.to_string().contains("dangle"),
        "{e}"
    );

    // An address the callback does not own is the caller's to keep valid.
    static KEPT: &[u8] = b"kept by the program\0";
    let types = m.types().clone();
    let pointing = Callback::for_param(&made_copy, 0, move |_: &[Value]| {
        let mut n = CData::new_named(&types, "struct named").unwrap();
        n.set("name", Value::Pointer(KEPT.as_ptr() as usize))
            .unwrap();
        Value::Data(n)
    })
    .unwrap();
    assert_eq!(
        c_reads("named_made_copy", vec![pointing.to_value()]),
        "kept by the program"
    );
}

#[test]
fn globals_refuse_pointers_into_what_the_value_owns() {
    let m = module();
    // SAFETY: only this test uses g_named, g_name and g_label; refused values
    // leave them untouched.
    unsafe {
        let e = m.set_global("g_named", named("global")).unwrap_err();
        assert!(e.to_string().contains("global 'g_named'"), "{e}");
        // A string constant by name becomes a string only the store owns.
        let e = m
            .set_global("g_name", Value::Ident("NAMED_GREETING".into()))
            .unwrap_err();
        assert!(e.to_string().contains("global 'g_name'"), "{e}");
        assert_eq!(
            c_reads("named_copy", vec![m.global("g_named").unwrap()]),
            "fixture"
        );
        let name = m.global("g_name").unwrap();
        let mut n = object("struct named");
        n.set("name", name).unwrap();
        assert_eq!(c_reads("named_copy", vec![Value::Data(n)]), "fixture");

        // A string into a `char` array is a copy, which nothing needs to keep.
        m.set_global("g_label", "copied in").unwrap();
        let mut n = object("struct named");
        n.set(
            "name",
            Value::Pointer(m.symbol("g_label").unwrap() as usize),
        )
        .unwrap();
        assert_eq!(c_reads("named_copy", vec![Value::Data(n)]), "copied in");
    }
}
