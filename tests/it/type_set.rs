//! The type set's own contracts: ids of derived types survive a merge, and ids
//! from another set never make an accessor panic.

use wyvern::types::{EnumId, RecordId, TypedefId};
use wyvern::{CData, Type, TypeId, TypeSet};

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
    let array = a
        .array_of(a.type_named("struct later").unwrap(), 4)
        .unwrap();
    assert_eq!(a.layout(array), None);
    let b = wyvern::cdef("struct later { long x; char c; };").unwrap();
    let merged = a.merge(&b).unwrap();
    assert_eq!(merged.spell(array.into()), "struct later [4]");
    assert_eq!(merged.layout(array).unwrap().size, 64);
}

/// The largest id of each arena of `big`.
fn foreign_ids(big: &TypeSet) -> (TypeId, RecordId, EnumId, TypedefId) {
    let ty = big.type_named("t49 *(*)(void)").unwrap().id;
    let record = big.records().last().unwrap().0;
    let enum_ = big.enums().last().unwrap().0;
    let Type::Typedef(typedef) = big.ty(big.type_named("t49").unwrap().id) else {
        panic!("t49 is a typedef");
    };
    (ty, record, enum_, *typedef)
}

#[test]
fn foreign_ids_never_panic() {
    let big = big();
    let set = small();
    let (ty, record, enum_, typedef) = foreign_ids(&big);
    assert!(
        ty.index() >= 100 && record.index() >= 10,
        "{ty:?} {record:?}"
    );

    assert_eq!(set.ty(ty), &Type::Void);
    assert_eq!(set.layout(ty), None);
    assert_eq!(set.canonical(ty), ty);
    assert!(set.fn_sig(ty).is_none());
    assert_eq!(set.display_name(ty), None);
    assert!(!set.spell(ty.into()).is_empty());
    assert!(!set.declare(ty.into(), "x").is_empty());
    assert!(set.record_layout(ty, "x").is_err());
    assert!(CData::new(&set, ty.into()).is_err());
    // As `ty()` answers: void.
    assert_eq!(
        wyvern::__private::sysv::classify(&set, ty),
        Ok(wyvern::__private::sysv::Passing::Nothing)
    );

    // Records, enums and typedefs of another set: an empty answer, not a panic.
    let r = set.record(record);
    assert!(r.tag.is_none() && r.def.is_none());
    assert_eq!(set.ty(set.record_type(record)), &Type::Void);
    let e = set.enum_(enum_);
    assert!(e.constants.is_empty() && !e.complete);
    assert_eq!(set.ty(e.underlying), &Type::Void);
    let t = set.typedef(typedef);
    assert!(t.name.is_empty());
    assert_eq!(set.ty(t.target.id), &Type::Void);

    // Types of another set's types are not made here.
    for derived in [
        set.pointer_to(ty.into()),
        set.array_of(ty.into(), 4),
        set.derive(Type::Pointer(ty.into())),
    ] {
        let err = derived.unwrap_err();
        assert!(err.to_string().contains("not of this set"), "{err}");
    }

    // Through the ids the big set's own types hold.
    let Type::Pointer(f) = big.ty(ty) else {
        panic!("a pointer")
    };
    let sig = big.fn_sig(f.id).unwrap();
    assert!(wyvern::__private::CallInterface::new(&set, sig, &[]).is_err());
    assert!(!set.spell(sig.ret).is_empty());
    // Every record type of the big set, through the accessors taking type ids.
    for (id, _) in big.records() {
        let t = big.record_type(id);
        let _ = set.record_layout(t, "r");
        let _ = set.spell(t.into());
        let _ = set.display_name(t);
        let _ = set.layout(set.canonical(t));
        let _ = CData::new(&set, t.into());
    }
}

#[test]
fn lookups_say_what_went_wrong_as_data() {
    use wyvern::ErrorKind;
    let types = wyvern::cdef("int counter; int f(void); struct s { int a; };").unwrap();
    match types.function("counter").unwrap_err().kind() {
        ErrorKind::WrongKind {
            name,
            expected,
            found,
        } => assert_eq!(
            (name.as_str(), *expected, found.as_deref()),
            ("counter", "a function", Some("a global variable"))
        ),
        other => panic!("{other:?}"),
    }
    let int = types.type_named("int").unwrap().id;
    let big = types.derive(Type::Array {
        elem: int.into(),
        len: Some(1 << 62),
    });
    assert!(
        matches!(
            big.as_ref().map_err(|e| e.kind()),
            Err(ErrorKind::TooLarge { .. })
        ),
        "{big:?}"
    );
}
