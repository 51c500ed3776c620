//! Reading C type names (`"const char *"`, `"struct stat"`, `"int (*)(void *)"`)
//! against a [`TypeSet`].
//!
//! The grammar is C's *type-name*: specifiers and qualifiers, then an abstract
//! declarator of pointers, arrays and parameter lists. Derived types are looked up
//! among those the set already has, since a frozen set does not grow.

use super::cexpr::{self, SetNames, Val};
use super::func::{CallConv, FnSig};
use super::set::TypeSet;
use super::ty::{QualType, Quals, Type};
use crate::error::{closest, Error, ErrorKind, Result};
use crate::limits::MAX_TYPE_DEPTH;

#[derive(Debug, Clone, PartialEq)]
enum Tok<'a> {
    Word(&'a str),
    /// The text between an array's brackets: a constant expression.
    Length(&'a str),
    Punct(char),
    Ellipsis,
}

fn lex(text: &str) -> Result<Vec<Tok<'_>>> {
    let bytes = text.as_bytes();
    let mut toks = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if c.is_ascii_whitespace() {
            i += 1;
        } else if c.is_ascii_alphabetic() || c == b'_' {
            let start = i;
            while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                i += 1;
            }
            toks.push(Tok::Word(&text[start..i]));
        } else if c == b'[' {
            // The length, up to the matching bracket, is read as an expression.
            let start = i + 1;
            let mut depth = 0usize;
            i = start;
            while i < bytes.len() && !(bytes[i] == b']' && depth == 0) {
                match bytes[i] {
                    b'[' => depth += 1,
                    b']' => depth -= 1,
                    _ => {}
                }
                i += 1;
            }
            toks.push(Tok::Punct('['));
            let length = text[start..i].trim();
            if !length.is_empty() {
                toks.push(Tok::Length(length));
            }
        } else if text[i..].starts_with("...") {
            toks.push(Tok::Ellipsis);
            i += 3;
        } else if matches!(c, b'*' | b'(' | b')' | b']' | b',') {
            toks.push(Tok::Punct(c as char));
            i += 1;
        } else {
            let ch = text[i..].chars().next().unwrap_or('?');
            return Err(bad(text, format!("unexpected '{ch}'")));
        }
    }
    Ok(toks)
}

fn bad(text: &str, reason: String) -> Error {
    ErrorKind::BadTypeName {
        text: text.to_owned(),
        reason,
    }
    .into()
}

impl TypeSet {
    /// Finds a type by its C name: `"struct stat"`, `"size_t"`, `"unsigned long"`,
    /// `"const char *"`, `"int [4]"`, `"int (*)(const void *, const void *)"`.
    /// An array length is a constant expression (`"char [BUFSIZ]"`).
    ///
    /// Derived types (pointers, arrays, function types) the declarations never
    /// used are added on first use (see [`derive`](Self::derive)).
    ///
    /// # Errors
    /// [`ErrorKind::BadTypeName`] for text that is not a type name, and
    /// [`ErrorKind::NotFound`] with the closest name for an unknown one.
    pub fn type_named(&self, text: &str) -> Result<QualType> {
        parse(self, text)
    }
}

/// Parses `text` as a type name of `set`.
fn parse(set: &TypeSet, text: &str) -> Result<QualType> {
    let toks = lex(text)?;
    let mut p = Parser {
        set,
        text,
        toks: &toks,
        pos: 0,
        depth: 0,
    };
    let ty = p.type_name()?;
    match p.toks.get(p.pos) {
        None => Ok(ty),
        Some(t) => Err(bad(
            text,
            format!("unexpected {} after the type", describe(t)),
        )),
    }
}

fn describe(t: &Tok<'_>) -> String {
    match t {
        Tok::Word(w) => format!("'{w}'"),
        Tok::Length(n) => format!("'{n}'"),
        Tok::Punct(c) => format!("'{c}'"),
        Tok::Ellipsis => "'...'".into(),
    }
}

struct Parser<'s, 't> {
    set: &'s TypeSet,
    text: &'t str,
    toks: &'t [Tok<'t>],
    pos: usize,
    /// Parenthesised declarators and parameter lists entered, plus the derivation
    /// steps of the enclosing declarators: how deep the type being read nests.
    depth: u32,
}

/// One step of an abstract declarator, applied inside out.
enum Derive {
    Pointer(Quals),
    Array(Option<u64>),
    Function(Vec<QualType>, bool),
}

impl<'t> Parser<'_, 't> {
    fn peek(&self) -> Option<&'t Tok<'t>> {
        self.toks.get(self.pos)
    }

    fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(&Tok::Punct(c)) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, c: char) -> Result<()> {
        if self.eat(c) {
            Ok(())
        } else {
            let found = self
                .peek()
                .map(describe)
                .unwrap_or_else(|| "the end".into());
            Err(bad(self.text, format!("expected '{c}', found {found}")))
        }
    }

    /// One more level of nesting, or an error past [`MAX_TYPE_DEPTH`].
    fn enter(&mut self, levels: usize) -> Result<()> {
        let levels = u32::try_from(levels).unwrap_or(u32::MAX);
        self.depth = self.depth.saturating_add(levels);
        if self.depth > MAX_TYPE_DEPTH {
            return Err(bad(
                self.text,
                format!(
                    "{} (at token {} of {})",
                    crate::limits::types_too_deep(),
                    self.pos + 1,
                    self.toks.len()
                ),
            ));
        }
        Ok(())
    }

    fn type_name(&mut self) -> Result<QualType> {
        let outer = self.depth;
        let base = self.specifiers()?;
        let mut steps = Vec::new();
        self.abstract_declarator(&mut steps)?;
        self.depth = outer;
        let mut ty = base;
        for step in steps.into_iter().rev() {
            ty = self.derive(ty, step)?;
        }
        Ok(ty)
    }

    fn specifiers(&mut self) -> Result<QualType> {
        let mut quals = Quals::NONE;
        let mut words: Vec<&str> = Vec::new();
        let mut named: Option<QualType> = None;
        while let Some(Tok::Word(w)) = self.peek().cloned() {
            match w {
                "const" => quals |= Quals::CONST,
                "volatile" => quals |= Quals::VOLATILE,
                "restrict" | "__restrict" | "__restrict__" => quals |= Quals::RESTRICT,
                "_Atomic" => quals |= Quals::ATOMIC,
                "struct" | "union" | "enum" => {
                    self.pos += 1;
                    let Some(Tok::Word(tag)) = self.peek().cloned() else {
                        return Err(bad(self.text, format!("expected a tag after '{w}'")));
                    };
                    named = Some(QualType::new(self.set.tag(w, tag)?));
                }
                "void" | "_Bool" | "char" | "short" | "int" | "long" | "signed" | "unsigned"
                | "float" | "double" | "__int128" | "_Complex" | "_Float16" | "__float128" => {
                    words.push(w)
                }
                _ if named.is_none() && words.is_empty() => {
                    let Some(id) = self.set.typedef_named(w) else {
                        // C++ habits: a bare tag names the record or enum.
                        let tagged = ["struct", "union", "enum"]
                            .into_iter()
                            .map(|k| format!("{k} {w}"))
                            .find(|t| self.set.tag_exists(t));
                        return Err(Error::not_found(
                            "type",
                            w,
                            tagged.or_else(|| closest(w, self.set.type_names())),
                        ));
                    };
                    named = Some(QualType::new(id));
                }
                _ => break,
            }
            self.pos += 1;
        }
        let base = match (named, words.is_empty()) {
            (Some(t), true) => t,
            (Some(_), false) => {
                return Err(bad(
                    self.text,
                    "a type name and a builtin type together".into(),
                ))
            }
            (None, false) => QualType::new(self.builtin(&words)?),
            (None, true) => {
                return Err(bad(self.text, "expected a type".into()));
            }
        };
        Ok(QualType::with(base.id, base.quals | quals))
    }

    fn builtin(&self, words: &[&str]) -> Result<super::TypeId> {
        let ty = cexpr::scalar_from_words(words, self.set.target().char_signed)
            .ok_or_else(|| bad(self.text, "expected a type".into()))?;
        let spelling = match &ty {
            Type::Complex(_) => {
                return self
                    .set
                    .interned(&ty)
                    .ok_or_else(|| self.unused(&words.join(" ")))
            }
            Type::Void => "void",
            Type::Bool => "_Bool",
            Type::Int(k) => k.spelling(),
            Type::Float(k) => k.spelling(),
            _ => return Err(bad(self.text, "expected a type".into())),
        };
        self.set
            .scalar_named(spelling)
            .ok_or_else(|| self.unused(spelling))
    }

    fn unused(&self, what: &str) -> Error {
        ErrorKind::UnusedType {
            name: what.to_string(),
        }
        .into()
    }

    /// Collects the steps outermost first: for `*[4]` that is the array, then the pointer.
    fn abstract_declarator(&mut self, steps: &mut Vec<Derive>) -> Result<()> {
        let mut pointers = Vec::new();
        while self.eat('*') {
            let mut quals = Quals::NONE;
            while let Some(Tok::Word(w)) = self.peek() {
                match *w {
                    "const" => quals |= Quals::CONST,
                    "volatile" => quals |= Quals::VOLATILE,
                    "restrict" | "__restrict" | "__restrict__" => quals |= Quals::RESTRICT,
                    _ => break,
                }
                self.pos += 1;
            }
            pointers.push(Derive::Pointer(quals));
            self.enter(1)?;
        }
        // A declarator's name (`int (*f)(int)`, `char cb(char)`, a parameter's)
        // is allowed where it goes, and ignored: this reads type names.
        if let Some(Tok::Word(w)) = self.peek() {
            if !is_qualifier(w) {
                self.pos += 1;
            }
        }
        // A parenthesised declarator, unless the parenthesis opens a parameter list.
        let mut inner = Vec::new();
        if self.peek() == Some(&Tok::Punct('('))
            && matches!(
                self.toks.get(self.pos + 1),
                Some(Tok::Punct('*' | '(' | '['))
            )
        {
            self.pos += 1;
            self.enter(1)?;
            self.abstract_declarator(&mut inner)?;
            self.expect(')')?;
        }
        let mut suffixes = Vec::new();
        loop {
            if self.eat('[') {
                let len = match self.peek() {
                    Some(Tok::Length(text)) => {
                        self.pos += 1;
                        Some(self.length(text)?)
                    }
                    _ => None,
                };
                self.expect(']')?;
                suffixes.push(Derive::Array(len));
                self.enter(1)?;
            } else if self.eat('(') {
                self.enter(1)?;
                let (params, variadic) = self.params()?;
                suffixes.push(Derive::Function(params, variadic));
            } else {
                break;
            }
        }
        // Inside out: the parenthesised part binds last, then suffixes left to right, then pointers.
        steps.extend(inner);
        steps.extend(suffixes);
        steps.extend(pointers.into_iter().rev());
        Ok(())
    }

    /// An array length: a constant expression of the set's constants and
    /// types (`4`, `010`, `BUFSIZ`, `sizeof(long) * 2`), read by the rules of
    /// every C expression wyvern reads ([`cexpr`](super::cexpr)).
    fn length(&self, length: &str) -> Result<u64> {
        let tokens = cexpr::lex::tokens(length.as_bytes());
        let value = cexpr::evaluate(&SetNames::new(self.set), &tokens);
        match value {
            Ok(Val::Int(v, _)) => u64::try_from(v).map_err(|_| {
                bad(
                    self.text,
                    format!("the array length '{length}' is {v}, not a size"),
                )
            }),
            Ok(_) => Err(bad(
                self.text,
                format!("the array length '{length}' is not an integer"),
            )),
            Err(why) => Err(bad(
                self.text,
                format!("'{length}' is not an array length: {why}"),
            )),
        }
    }

    fn params(&mut self) -> Result<(Vec<QualType>, bool)> {
        let mut params = Vec::new();
        let mut variadic = false;
        if self.eat(')') {
            return Ok((params, false));
        }
        loop {
            if self.peek() == Some(&Tok::Ellipsis) {
                self.pos += 1;
                variadic = true;
                self.expect(')')?;
                break;
            }
            // The name a parameter may have is read (and ignored) with its
            // declarator.
            let ty = self.type_name()?;
            params.push(self.adjust_param(ty)?);
            if self.eat(')') {
                break;
            }
            self.expect(',')?;
        }
        // `(void)` is the empty list.
        if params.len() == 1 && matches!(self.set.ty(params[0].id), Type::Void) {
            params.clear();
        }
        Ok((params, variadic))
    }

    /// A parameter's type as C adjusts it: an array is a pointer to its
    /// element, a function a pointer to it (`char *argv[]` is `char **`).
    fn adjust_param(&self, ty: QualType) -> Result<QualType> {
        match self.set.ty(self.set.canonical(ty.id)) {
            Type::Array { elem, .. } => Ok(QualType::new(self.set.pointer_to(*elem)?)),
            Type::Function(_) => Ok(QualType::new(self.set.pointer_to(ty)?)),
            _ => Ok(ty),
        }
    }

    fn derive(&self, ty: QualType, step: Derive) -> Result<QualType> {
        let (wanted, quals) = match step {
            Derive::Pointer(q) => (Type::Pointer(ty), q),
            Derive::Array(len) => (Type::Array { elem: ty, len }, Quals::NONE),
            Derive::Function(params, variadic) => (
                Type::Function(FnSig {
                    ret: ty,
                    params,
                    variadic,
                    prototyped: true,
                    conv: CallConv::C,
                }),
                Quals::NONE,
            ),
        };
        Ok(QualType::with(self.set.derive(wanted)?, quals))
    }
}

/// A qualifier that may follow a `*` in a declarator.
fn is_qualifier(word: &str) -> bool {
    matches!(
        word,
        "const" | "volatile" | "restrict" | "__restrict" | "__restrict__" | "_Atomic"
    )
}

#[cfg(all(test, feature = "clang"))]
mod tests {
    use crate::Type;

    /// The array length of the type named `text`.
    fn length(text: &str) -> crate::Result<Option<u64>> {
        let set = crate::cdef("enum { N = 3 }; typedef long L; struct s { int a[2]; };")?;
        let ty = set.type_named(text)?;
        Ok(match set.ty(ty.id) {
            Type::Array { len, .. } => *len,
            other => panic!("{text}: not an array: {other:?}"),
        })
    }

    #[test]
    fn array_lengths_are_constant_expressions_read_as_c_reads_them() {
        assert_eq!(length("int [010]").unwrap(), Some(8));
        assert_eq!(length("int [0x10u]").unwrap(), Some(16));
        assert_eq!(length("char [sizeof(L) * 2]").unwrap(), Some(16));
        assert_eq!(length("char [sizeof(struct s)]").unwrap(), Some(8));
        assert_eq!(length("char [N + 1]").unwrap(), Some(4));
        assert_eq!(length("char []").unwrap(), None);
        for bad in [
            "int [5uu]",
            "int [09]",
            "int [-1]",
            "int [1.5]",
            "int [x]",
            "int [2",
        ] {
            assert!(length(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn declarator_names_are_ignored_and_parameters_adjusted_as_c_does() {
        let set = crate::cdef("struct foo_s { int x; };").unwrap();
        let same = |a: &str, b: &str| {
            let (x, y) = (set.type_named(a).unwrap(), set.type_named(b).unwrap());
            assert_eq!(set.spell(x), set.spell(y), "{a} / {b}");
            assert_eq!(x.id, y.id, "{a} / {b}");
        };
        same("char cb(char, char)", "char (char, char)");
        same("void foo()", "void ()");
        same("int (*handler)(int)", "int (*)(int)");
        same("char g(char cb(char, char))", "char (char (*)(char, char))");
        same("void (*)(char *argv[])", "void (*)(char **)");
        same("int (*)(struct foo_s [])", "int (*)(struct foo_s *)");
        same("int (*)(const int a[4])", "int (*)(const int *)");
        assert!(set.type_named("int x y").is_err());
    }
}
