//! The type set's own contracts: ids of derived types survive a merge, and ids
//! from another set never make an accessor panic.

use wyvern::TypeSet;

/// A set with more of everything than [`small`], so its ids are out of range there.
fn big() -> TypeSet {
    let mut text = String::new();
    for i in 0..50 {
        text.push_str(&format!(
            "struct r{i} {{ int a; double b[{n}]; }};\n\
             enum e{i} {{ E{i}_A, E{i}_B }};\n\
             typedef struct r{i} t{i};\n\
             t{i} *f{i}(enum e{i}, const char *, long [{n}]);\n",
            n = i + 1
        ));
    }
    wyvern::cdef(&text).unwrap()
}

fn small() -> TypeSet {
    wyvern::cdef("struct point { int x, y; }; enum e { A }; typedef int my_int;").unwrap()
}

#[test]
fn derived_ids_name_the_same_type_after_a_merge() {
    let a = small();
    let b = big();
    let char64 = a.type_named("char [64]").unwrap();
    let points = a.type_named("struct point [3]").unwrap();
    let pointer = a.type_named("struct point **").unwrap();
    assert_eq!(a.spell(char64), "char [64]");

    let merged = a.merge(&b).unwrap();
    assert_eq!(merged.spell(char64), "char [64]");
    assert_eq!(merged.layout(char64.id).unwrap().size, 64);
    assert_eq!(merged.spell(points), "struct point [3]");
    assert_eq!(merged.layout(points.id).unwrap().size, 24);
    assert_eq!(merged.spell(pointer), "struct point **");
    // Looking the type up again finds the same id, and `other`'s types are there.
    assert_eq!(merged.type_named("char [64]").unwrap(), char64);
    assert_eq!(merged.spell(merged.type_named("t49").unwrap()), "t49");
    let r49 = merged.type_named("struct r49").unwrap();
    assert_eq!(merged.layout(r49.id).unwrap().size, 8 + 50 * 8);
}

#[test]
fn a_derived_array_of_a_record_completed_by_the_merge_gets_its_layout() {
    let a = wyvern::cdef("struct later; struct later *get(void);").unwrap();
    let array = a.array_of(a.type_named("struct later").unwrap(), 4).unwrap();
    assert_eq!(a.layout(array), None);
    let b = wyvern::cdef("struct later { long x; char c; };").unwrap();
    let merged = a.merge(&b).unwrap();
    assert_eq!(merged.spell(array.into()), "struct later [4]");
    assert_eq!(merged.layout(array).unwrap().size, 64);
}

