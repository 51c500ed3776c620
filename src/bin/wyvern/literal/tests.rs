//! The CLI's literal syntax: numbers, strings, characters, braces.

use super::*;

fn int(value: i128) -> Lit {
    Lit::Int { value, kind: None }
}

/// A floating literal whose value is exactly `value`, also as a `long double`.
fn float(value: f64, kind: Option<FloatKind>) -> Lit {
    Lit::Float {
        value,
        long: LongDouble::from(value),
        kind,
    }
}

#[test]
fn numbers() {
    assert_eq!(parse("42").unwrap(), int(42));
    assert_eq!(parse("-5").unwrap(), int(-5));
    assert_eq!(parse("0x1F").unwrap(), int(31));
    assert_eq!(parse("0755").unwrap(), int(0o755));
    assert_eq!(
        parse("5ULL").unwrap(),
        Lit::Int {
            value: 5,
            kind: Some(IntKind::ULongLong)
        }
    );
    assert_eq!(parse("2.5f").unwrap(), float(2.5, Some(FloatKind::Float)));
    assert_eq!(
        parse("-1e-3").unwrap(),
        Lit::Float {
            value: -1e-3,
            long: "-1e-3".parse().unwrap(),
            kind: None
        }
    );
    assert_eq!(parse("0x1.8p1").unwrap(), float(3.0, None));
    // `long double` literals keep what `double` cannot hold.
    let Lit::Float { value, long, kind } = parse("-1e4000L").unwrap() else {
        panic!("not a float")
    };
    assert_eq!(
        (value, kind),
        (f64::NEG_INFINITY, Some(FloatKind::LongDouble))
    );
    assert_eq!(long.to_string(), "-9.99999999999999999997e+3999");
    let Lit::Float { long, .. } = parse("0x1.fffffffffffffffep0L").unwrap() else {
        panic!("not a float")
    };
    assert_eq!(long.to_string(), "1.99999999999999999989");
    assert!(parse("12abc").is_err());
    assert!(parse("5UU").is_err());
    assert!(parse("5lL").is_err());
    assert_eq!(parse("-inf").unwrap(), float(f64::NEG_INFINITY, None));
    assert_eq!(
        parse("0xffffffffffffffffffffffffffffffff").unwrap(),
        Lit::BigUnsigned(u128::MAX)
    );
    assert!(parse("--json")
        .unwrap_err()
        .to_string()
        .contains("options go before"));
    assert_eq!(
        parse("&[]").unwrap(),
        Lit::Buffer(None, Box::new(Lit::List(vec![])))
    );
    assert_eq!(
        parse("&[64]").unwrap(),
        Lit::Buffer(Some(64), Box::new(Lit::List(vec![])))
    );
}

#[test]
fn strings_chars_and_braces() {
    assert_eq!(
        parse(r#""a\n\x41\101""#).unwrap(),
        Lit::Str(b"a\nAA".to_vec())
    );
    assert_eq!(parse("'x'").unwrap(), Lit::Char(120));
    assert_eq!(parse("'\\0'").unwrap(), Lit::Char(0));
    assert_eq!(
        parse("{1, {2.5, 3}, .z = 4, [2] = 5}").unwrap(),
        Lit::List(vec![
            (vec![], int(1)),
            (
                vec![],
                Lit::List(vec![(vec![], float(2.5, None)), (vec![], int(3))])
            ),
            (vec![Designator::Field("z".into())], int(4)),
            (vec![Designator::Index(2)], int(5)),
        ])
    );
    assert_eq!(
        parse("&{}").unwrap(),
        Lit::AddressOf(Box::new(Lit::List(vec![])))
    );
    assert_eq!(
        parse("{.p[1].y = 2}").unwrap(),
        Lit::List(vec![(
            vec![
                Designator::Field("p".into()),
                Designator::Index(1),
                Designator::Field("y".into())
            ],
            int(2)
        )])
    );
    assert_eq!(parse("NULL").unwrap(), Lit::Null);
    // Expressions are kept as written, for wyvern to evaluate; their extent
    // is the CLI's to find (tests/it/cli_call.rs checks their values).
    assert_eq!(parse("A | 1 << 4").unwrap(), Lit::Expr("A | 1 << 4".into()));
    assert_eq!(parse("~(B)").unwrap(), Lit::Expr("~(B)".into()));
    assert_eq!(parse("5-3").unwrap(), Lit::Expr("5-3".into()));
    assert_eq!(
        parse("{-(1), 2 * 3 }").unwrap(),
        Lit::List(vec![
            (vec![], Lit::Expr("-(1)".into())),
            (vec![], Lit::Expr("2 * 3".into()))
        ])
    );
    assert_eq!(parse("O_RDONLY").unwrap(), Lit::Ident("O_RDONLY".into()));
    assert!(parse("{1, 2").is_err());
    assert!(parse("\"open").is_err());
    assert!(parse("&5").is_err());
}

#[test]
fn errors_say_what_and_where() {
    let err = |text: &str| parse(text).unwrap_err().to_string();
    assert!(
        err("'a").ends_with("the quote is not closed at column 1"),
        "{}",
        err("'a")
    );
    assert!(err("{1, \"ab}").ends_with("the quote is not closed at column 5"));
    assert!(err("(1").ends_with("expected ')' at column 3"));
    assert!(err("{1,").ends_with("a value is missing at column 4"));
    assert!(err("&&{}").contains("'&&' is not a value"));
    assert!(err("{. = 2}").contains("a field name must follow '.'"));
    // A sign is the CLI's, spaced or not.
    assert_eq!(parse("- 5").unwrap(), int(-5));
    assert_eq!(parse("+inf").unwrap(), float(f64::INFINITY, None));
    // Commas inside parentheses belong to the expression.
    assert_eq!(
        parse("{F(1, 2), 3}").unwrap(),
        Lit::List(vec![
            (vec![], Lit::Expr("F(1, 2)".into())),
            (vec![], int(3))
        ])
    );
}

#[test]
fn compound_literals() {
    assert_eq!(
        parse("(struct s){1, .b = 2}").unwrap(),
        Lit::Compound(
            "struct s".into(),
            Box::new(Lit::List(vec![
                (vec![], int(1)),
                (vec![Designator::Field("b".into())], int(2))
            ]))
        )
    );
    assert_eq!(
        parse("&(unsigned char [4]){}").unwrap(),
        Lit::AddressOf(Box::new(Lit::Compound(
            "unsigned char [4]".into(),
            Box::new(Lit::List(vec![]))
        )))
    );
    // A cast is not a compound literal.
    assert_eq!(parse("(int)-1").unwrap(), Lit::Expr("(int)-1".into()));
    assert!(parse("(struct s){1").is_err());
}
