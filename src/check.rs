//! Checking a header against a binary: do they agree on what the code looks like?
//!
//! [`compare`] takes two [`TypeSet`]s, the header's view (from the libclang front end)
//! and the binary's view (from its DWARF debug info), and returns a [`CheckReport`]
//! with one [`Difference`] for each disagreement:
//!
//! - a function the header declares with external linkage that the binary does not
//!   define, and a prototype that differs (return type, parameter count and types,
//!   `...`, calling convention);
//! - a record present in both (by tag, or by typedef name for an anonymous one) whose
//!   size, alignment or fields differ (names, offsets, bitfield widths, types);
//! - an enum present in both whose enumerators differ;
//! - a global variable present in both whose type differs;
//! - a function or global whose symbol differs: the header's asm label
//!   (`__asm__("name")`, glibc's `__REDIRECT`) or name against the binary's
//!   linkage name (`DW_AT_linkage_name`) or name.
//!
//! Functions and globals are matched by symbol first, then by name: a header's
//! `sscanf` labelled `__isoc99_sscanf` is the binary's `__isoc99_sscanf`, what
//! it links to, whatever C name the binary gives it. Only when the header's
//! symbol is nowhere in the binary but its name is does the name match, and the
//! symbols are reported as differing.
//!
//! What only the binary has is not a difference: a binary is built from more than one
//! header. Of what only the header has, only functions matter (their symbol is
//! missing); records, enums and globals the binary does not describe are listed in
//! [`CheckReport::not_checked`].
//!
//! ## How types are compared
//! Structurally, by what C would spell once every typedef is seen through: a
//! `mode_t` parameter in the header and an `unsigned int` one in the binary agree,
//! while `long` and `long long` differ even where both are 64 bits (C and DWARF keep
//! them apart). Records and enums with a tag are the same type when their tags are
//! (their bodies are checked once, as items of their own), so a pointer to a record
//! the header leaves incomplete matches one the binary defines. Anonymous records and
//! enums are compared by shape. Top-level qualifiers of parameters and return values
//! are ignored, as C ignores them in a function's type; an array of unknown length
//! matches any length, as in C. Recursion through pointers is bounded: a pair of
//! types already being compared is assumed to agree.
//!
//! The comparison is the one merging uses (`types::equiv`, under its
//! C-compatibility rules), with the same policies: enumerator values are compared
//! as bit patterns of the enum's size (gcc's DWARF may store `0xffffffff` as `-1`),
//! the alignment of a packed record is not compared (DWARF does not state it;
//! sizes and offsets still are), unnamed bitfields are padding, and a pair of
//! types that nests deeper than
//! [`MAX_TYPE_DEPTH`](crate::limits::MAX_TYPE_DEPTH) is reported as not
//! comparable rather than as different.
//!
//! Differences are reported with each side's own spellings (`'mode_t' in the header,
//! 'long' in the binary`), and at the header's location where it has one.
//!
//! Comparing never panics, whatever the sets hold.
//!
//! This module reads [`types`](crate::types) only: the two sets may come from any
//! front end or [`db`](crate::db) database, and nothing here parses or calls C.
//! The CLI's `wyvern check` prints its report.

use std::fmt;

use rustc_hash::{FxHashMap, FxHashSet};
use serde::Serialize;

use crate::types::equiv::{alignments_agree, values_agree, Equiv, Outcome, Rules};
use crate::types::{
    EnumId, FlatField, FnSig, FunctionDecl, Global, Layout, QualType, Record, RecordId, RecordKind,
    Type, TypeId, TypeSet, Typedef, TypedefId,
};
use crate::SourceLocation;

/// Structural types nested deeper than this are taken as different (only a corrupt,
/// cyclic set gets there).
const MAX_TYPE_DEPTH: u32 = crate::limits::MAX_TYPE_DEPTH;
/// Longest typedef chain followed (a corrupt set could loop).
const MAX_TYPEDEF_CHAIN: usize = 256;
/// Deepest nesting of anonymous records whose members are reported one by one.
const MAX_RECORD_NESTING: u32 = 16;

/// What kind of disagreement a [`Difference`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum DifferenceKind {
    /// A function the header declares with external linkage that the binary does
    /// not define (or defines only as `static`).
    MissingFunction,
    /// The same name is a different kind of thing: a struct in one and a union in the
    /// other, a record and a scalar, a function and a variable.
    ItemKind,
    /// A function's return type.
    ReturnType,
    /// A function's number of parameters.
    ParameterCount,
    /// The type of one parameter.
    ParameterType,
    /// Whether a function ends in `...`.
    Variadic,
    /// A function's calling convention.
    CallingConvention,
    /// The size of a record or enum.
    Size,
    /// The alignment of a record.
    Alignment,
    /// A field the header has and the binary does not.
    MissingField,
    /// A field only the binary has.
    ExtraField,
    /// Where a field is.
    FieldOffset,
    /// Whether a field is a bitfield, and its width.
    FieldBitWidth,
    /// The type of a field.
    FieldType,
    /// The value of an enumerator.
    EnumValue,
    /// An enumerator the header has and the binary does not.
    MissingEnumerator,
    /// An enumerator only the binary has.
    ExtraEnumerator,
    /// The type of a global variable.
    GlobalType,
    /// The symbol a function or global links to: the header's asm label (or its
    /// name) against the binary's linkage name (or its name).
    Symbol,
}

impl DifferenceKind {
    /// The diff-like mark of the kind: `-` for what the binary lacks, `+` for what
    /// only the binary has, `!` for what both have but differently.
    pub fn marker(self) -> char {
        match self {
            DifferenceKind::MissingFunction
            | DifferenceKind::MissingField
            | DifferenceKind::MissingEnumerator => '-',
            DifferenceKind::ExtraField | DifferenceKind::ExtraEnumerator => '+',
            _ => '!',
        }
    }
}

/// One disagreement between the header and the binary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Difference {
    /// What kind of disagreement it is.
    pub kind: DifferenceKind,
    /// The item compared: `struct config`, `point_t` (an anonymous record named by a
    /// typedef), `enum color`, `function open`, `global environ`.
    pub item: String,
    /// What in the item differs: the item itself, or a member of it
    /// (`struct config.flags`, `struct outer.inner.x`, `enum color.GREEN`).
    pub subject: String,
    /// What differs, the header first: `offset 8 in the header, 12 in the binary`.
    /// Offsets are in bytes, or in bits (`bit offset 3 …`) where either is not a
    /// whole byte.
    pub message: String,
    /// The header's value, for a difference of value (`24`, `'int'`).
    pub header: Option<String>,
    /// The binary's value, for a difference of value (`32`, `'long'`).
    pub binary: Option<String>,
    /// Where the item is declared: in the header when known, else in the binary.
    pub location: Option<SourceLocation>,
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(location) = &self.location {
            write!(f, "{location}: ")?;
        }
        write!(f, "{}: {}", self.subject, self.message)
    }
}

/// How many items of each kind were compared.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct CheckCounts {
    /// Functions of the header with external linkage, missing ones included.
    pub functions: usize,
    /// Records defined in both.
    pub records: usize,
    /// Enums defined in both.
    pub enums: usize,
    /// Global variables in both.
    pub globals: usize,
}

impl CheckCounts {
    /// Every item compared.
    pub fn total(&self) -> usize {
        self.functions + self.records + self.enums + self.globals
    }
}

/// The result of [`compare`]: every difference, and what was compared.
///
/// `Display` prints one line per difference, grouped by item, then a summary:
///
/// ```text
/// <cdef>:2:8: struct config
///   ! size 24 in the header, 32 in the binary
///   ! .flags: offset 8 in the header, 12 in the binary
///   - field 'debug' is missing in the binary
/// 3 differences in 1 of 41 items checked
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CheckReport {
    /// The differences, item by item in the header's order: functions, then
    /// records, enums and globals.
    pub differences: Vec<Difference>,
    /// What was compared.
    pub checked: CheckCounts,
    /// Header items that could not be checked because the binary does not describe
    /// them: records and enums it does not define, globals it does not have, and
    /// `inline` functions it has no symbol for (an inline definition need not emit one).
    pub not_checked: Vec<String>,
}

impl CheckReport {
    /// Whether the header and the binary agree on everything compared.
    pub fn is_clean(&self) -> bool {
        self.differences.is_empty()
    }

    /// How many items have at least one difference.
    pub fn items_with_differences(&self) -> usize {
        self.differences
            .iter()
            .map(|d| d.item.as_str())
            .collect::<FxHashSet<_>>()
            .len()
    }

    /// The differences grouped by item, in order of first appearance.
    fn groups(&self) -> Vec<(&str, Vec<&Difference>)> {
        let mut order: Vec<(&str, Vec<&Difference>)> = Vec::new();
        let mut at: FxHashMap<&str, usize> = FxHashMap::default();
        for d in &self.differences {
            let i = *at.entry(d.item.as_str()).or_insert_with(|| {
                order.push((d.item.as_str(), Vec::new()));
                order.len() - 1
            });
            if let Some((_, group)) = order.get_mut(i) {
                group.push(d);
            }
        }
        order
    }
}

impl fmt::Display for CheckReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (item, group) in self.groups() {
            match group.iter().find_map(|d| d.location.as_ref()) {
                Some(location) => writeln!(f, "{location}: {item}")?,
                None => writeln!(f, "{item}")?,
            }
            for d in group {
                let member = d.subject.strip_prefix(item).unwrap_or(&d.subject);
                let marker = d.kind.marker();
                if member.is_empty() {
                    writeln!(f, "  {marker} {}", d.message)?;
                } else {
                    writeln!(f, "  {marker} {member}: {}", d.message)?;
                }
            }
        }
        let total = self.checked.total();
        let items = plural(total, "item");
        if self.is_clean() {
            write!(f, "no differences in {total} {items} checked")?;
        } else {
            let count = self.differences.len();
            write!(
                f,
                "{count} {} in {} of {total} {items} checked",
                plural(count, "difference"),
                self.items_with_differences()
            )?;
        }
        match self.not_checked.len() {
            0 => writeln!(f),
            n => writeln!(f, "; {n} not checked (the binary does not describe them)"),
        }
    }
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        word.to_owned()
    } else {
        format!("{word}s")
    }
}

/// Compares the header's view of an interface with the binary's.
///
/// See the [module docs](self) for what is compared and how.
///
/// ```
/// # fn main() -> wyvern::Result<()> {
/// let header = wyvern::cdef("struct s { int a; int b; }; int f(int);")?;
/// let binary = wyvern::cdef("struct s { int a; long b; }; int f(int, int);")?;
/// let report = wyvern::check::compare(&header, &binary);
/// let lines: Vec<String> = report.differences.iter().map(|d| d.to_string()).collect();
/// assert_eq!(lines, [
///     "<cdef>:1:33: function f: 1 parameter in the header, 2 in the binary \
///      ('int f(int)' and 'int f(int, int)')",
///     "<cdef>:1:8: struct s: size 8 in the header, 16 in the binary",
///     "<cdef>:1:8: struct s: alignment 4 in the header, 8 in the binary",
///     "<cdef>:1:8: struct s.b: offset 4 in the header, 8 in the binary",
///     "<cdef>:1:8: struct s.b: type 'int' in the header, 'long' in the binary",
/// ]);
/// # Ok(()) }
/// ```
pub fn compare(header: &TypeSet, binary: &TypeSet) -> CheckReport {
    let mut checker = Checker {
        h: Side::new(header),
        b: Side::new(binary),
        equiv: Equiv::new(header, binary, Rules::COMPATIBLE),
        report: CheckReport::default(),
    };
    checker.functions();
    checker.records();
    checker.enums();
    checker.globals();
    checker.report
}

/// One set, with the indexes the comparison needs. Every lookup is checked, so a
/// set whose ids do not hold together yields differences, never a panic.
struct Side<'a> {
    set: &'a TypeSet,
    records: Vec<&'a Record>,
    enums: Vec<&'a crate::types::Enum>,
    typedefs: Vec<&'a Typedef>,
    /// By name; an external definition wins over a `static` one.
    functions: FxHashMap<&'a str, &'a FunctionDecl>,
    /// External functions by symbol (asm label or name).
    function_symbols: FxHashMap<&'a str, &'a FunctionDecl>,
    globals: FxHashMap<&'a str, &'a Global>,
    /// By symbol (asm label or name).
    global_symbols: FxHashMap<&'a str, &'a Global>,
    /// `"struct x"` → the record; a definition wins over a forward declaration.
    record_tags: FxHashMap<String, RecordId>,
    /// `"x"` of `enum x` → the enum; a definition wins over a forward declaration.
    enum_tags: FxHashMap<&'a str, EnumId>,
    /// Enumerator name → its enum, to find anonymous enums.
    enumerators: FxHashMap<&'a str, EnumId>,
}

impl<'a> Side<'a> {
    fn new(set: &'a TypeSet) -> Side<'a> {
        let records: Vec<&Record> = set.records().map(|(_, r)| r).collect();
        let enums: Vec<&crate::types::Enum> = set.enums().map(|(_, e)| e).collect();
        let mut functions: FxHashMap<&str, &FunctionDecl> = FxHashMap::default();
        for f in set.functions() {
            let replace = functions
                .get(f.name.as_str())
                .is_none_or(|old| !old.is_callable() && f.is_callable());
            if replace {
                functions.insert(&f.name, f);
            }
        }
        let mut function_symbols = FxHashMap::default();
        for f in set.functions().filter(|f| f.is_callable()) {
            function_symbols.entry(f.symbol()).or_insert(f);
        }
        let mut globals = FxHashMap::default();
        let mut global_symbols = FxHashMap::default();
        for g in set.globals() {
            globals.entry(g.name.as_str()).or_insert(g);
            global_symbols.entry(g.symbol()).or_insert(g);
        }
        let mut record_tags: FxHashMap<String, RecordId> = FxHashMap::default();
        for (id, record) in set.records() {
            let Some(tag) = &record.tag else { continue };
            let key = format!("{} {tag}", record.kind.keyword());
            let replace = record_tags.get(&key).is_none_or(|&old| {
                record.def.is_some() && records.get(old.index()).is_some_and(|r| r.def.is_none())
            });
            if replace {
                record_tags.insert(key, id);
            }
        }
        let mut enum_tags: FxHashMap<&str, EnumId> = FxHashMap::default();
        let mut enumerators = FxHashMap::default();
        for (id, e) in set.enums() {
            if let Some(tag) = &e.tag {
                let replace = enum_tags.get(tag.as_str()).is_none_or(|&old| {
                    e.complete && enums.get(old.index()).is_some_and(|o| !o.complete)
                });
                if replace {
                    enum_tags.insert(tag, id);
                }
            }
            for (name, _) in &e.constants {
                enumerators.entry(name.as_str()).or_insert(id);
            }
        }
        Side {
            set,
            records,
            enums,
            typedefs: set.typedefs().collect(),
            functions,
            function_symbols,
            globals,
            global_symbols,
            record_tags,
            enum_tags,
            enumerators,
        }
    }

    fn ty(&self, id: TypeId) -> &'a Type {
        self.set.ty(id)
    }

    fn record(&self, id: RecordId) -> Option<&'a Record> {
        self.records.get(id.index()).copied()
    }

    fn enum_(&self, id: EnumId) -> Option<&'a crate::types::Enum> {
        self.enums.get(id.index()).copied()
    }

    fn typedef(&self, id: TypedefId) -> Option<&'a Typedef> {
        self.typedefs.get(id.index()).copied()
    }

    /// The type with every typedef seen through, keeping the qualifiers the
    /// typedefs add (`typedef const int cint;`).
    fn resolve(&self, mut ty: QualType) -> QualType {
        for _ in 0..MAX_TYPEDEF_CHAIN {
            let Type::Typedef(t) = self.ty(ty.id) else {
                return ty;
            };
            let Some(typedef) = self.typedef(*t) else {
                return ty;
            };
            ty = QualType::with(typedef.target.id, ty.quals | typedef.target.quals);
        }
        ty
    }

    /// The C spelling, or a placeholder for a type whose ids do not hold together
    /// (which [`TypeSet::spell`] would not survive).
    fn spell(&self, ty: QualType) -> String {
        if self.spellable(ty.id, 0) {
            self.set.spell(ty)
        } else {
            "<invalid type>".into()
        }
    }

    fn spellable(&self, id: TypeId, depth: u32) -> bool {
        if depth > MAX_TYPE_DEPTH {
            return false;
        }
        match self.ty(id) {
            Type::Pointer(to) | Type::Array { elem: to, .. } => self.spellable(to.id, depth + 1),
            Type::Vector { elem, .. } => self.spellable(*elem, depth + 1),
            Type::Function(sig) => {
                self.spellable(sig.ret.id, depth + 1)
                    && sig.params.iter().all(|p| self.spellable(p.id, depth + 1))
            }
            Type::Record(r) => self.record(*r).is_some(),
            Type::Enum(e) => self.enum_(*e).is_some(),
            Type::Typedef(t) => self.typedef(*t).is_some(),
            _ => true,
        }
    }

    /// `int f(int a, long b)`, or the bare name for an unspellable type.
    fn prototype(&self, f: &FunctionDecl) -> String {
        // `prototype` spells the parameters of the type behind any typedef.
        if self.spellable(f.ty, 0) && self.spellable(self.resolve(f.ty.into()).id, 0) {
            self.set.prototype(f)
        } else {
            f.name.clone()
        }
    }

    /// How a type reads in a message: `a union`, `'int'`.
    fn describe(&self, ty: QualType) -> String {
        match self.ty(self.resolve(ty).id) {
            Type::Record(r) => match self.record(*r) {
                Some(record) => article(record.kind).to_owned(),
                None => "<invalid type>".into(),
            },
            _ => format!("'{}'", self.spell(ty)),
        }
    }

    /// The size of an enum: its type's where known, else its underlying type's.
    fn enum_layout(&self, ty: Option<TypeId>, e: &crate::types::Enum) -> Option<Layout> {
        ty.and_then(|id| self.set.layout(id))
            .or_else(|| self.set.layout(e.underlying))
    }
}

fn article(kind: RecordKind) -> &'static str {
    match kind {
        RecordKind::Struct => "a struct",
        RecordKind::Union => "a union",
    }
}

/// An item being compared, as differences name it.
struct Item {
    name: String,
    location: Option<SourceLocation>,
}

impl Item {
    fn new(name: String, header: &Option<SourceLocation>, binary: &Option<SourceLocation>) -> Item {
        Item {
            name,
            location: header.clone().or_else(|| binary.clone()),
        }
    }
}

/// The header's record or enum as the binary describes it.
enum Found<T> {
    /// Defined in the binary.
    Defined(T),
    /// The name is something else in the binary: what it is there.
    Other(String),
    /// The binary does not describe it.
    Absent,
}

struct Checker<'a> {
    h: Side<'a>,
    b: Side<'a>,
    /// The comparison of types, as C's compatibility: typedefs seen through.
    equiv: Equiv<'a>,
    report: CheckReport,
}

impl<'a> Checker<'a> {
    fn differ(
        &mut self,
        item: &Item,
        kind: DifferenceKind,
        subject: Option<&str>,
        message: String,
        values: Option<(String, String)>,
    ) {
        let (header, binary) = values.unzip();
        self.report.differences.push(Difference {
            kind,
            item: item.name.clone(),
            subject: subject.unwrap_or(&item.name).to_owned(),
            message,
            header,
            binary,
            location: item.location.clone(),
        });
    }

    /// A difference of value: `{what} {header} in the header, {binary} in the binary`.
    fn differ_value(
        &mut self,
        item: &Item,
        kind: DifferenceKind,
        subject: Option<&str>,
        what: &str,
        header: String,
        binary: String,
    ) {
        let message = format!("{what} {header} in the header, {binary} in the binary");
        self.differ(item, kind, subject, message, Some((header, binary)));
    }

    /// A difference of type, with each side's spelling; when those read the same
    /// (two typedefs of one name), the types behind them too.
    fn differ_type(
        &mut self,
        item: &Item,
        kind: DifferenceKind,
        subject: Option<&str>,
        what: &str,
        header: QualType,
        binary: QualType,
    ) {
        let mut h = format!("'{}'", self.h.spell(header));
        let mut b = format!("'{}'", self.b.spell(binary));
        if h == b {
            let (hc, bc) = (
                self.h.spell(self.h.resolve(header)),
                self.b.spell(self.b.resolve(binary)),
            );
            if hc != bc {
                h = format!("{h} ('{hc}')");
                b = format!("{b} ('{bc}')");
            } else {
                let message = format!("{what} {h} in both, but they are different types");
                self.differ(item, kind, subject, message, Some((h.clone(), b)));
                return;
            }
        }
        self.differ_value(item, kind, subject, what, h, b);
    }

    // ---- functions ----

    fn functions(&mut self) {
        let set = self.h.set;
        let mut seen = FxHashSet::default();
        for f in set.functions() {
            if !f.is_callable() || !seen.insert(f.name.as_str()) {
                continue;
            }
            let name = format!("function {}", f.name);
            if let Some(bf) = self.b.function_symbols.get(f.symbol()).copied() {
                self.report.checked.functions += 1;
                let item = Item::new(name, &f.location, &bf.location);
                self.prototypes(&item, f, bf);
                continue;
            }
            match self.b.functions.get(f.name.as_str()).copied() {
                Some(bf) if bf.is_callable() => {
                    // Found by name only: the symbols differ.
                    self.report.checked.functions += 1;
                    let item = Item::new(name, &f.location, &bf.location);
                    self.symbols(&item, f.symbol(), bf.symbol());
                    self.prototypes(&item, f, bf);
                }
                Some(bf) => {
                    self.report.checked.functions += 1;
                    let item = Item::new(name, &f.location, &bf.location);
                    let message = "declared in the header, only static in the binary".into();
                    self.differ(&item, DifferenceKind::MissingFunction, None, message, None);
                }
                None => {
                    let global = self.b.globals.get(f.name.as_str()).copied();
                    if let Some(g) = global {
                        self.report.checked.functions += 1;
                        let item = Item::new(name, &f.location, &g.location);
                        let message = "a function in the header, a variable in the binary";
                        self.differ(&item, DifferenceKind::ItemKind, None, message.into(), None);
                    } else if f.inline {
                        self.report.not_checked.push(name);
                    } else {
                        self.report.checked.functions += 1;
                        let item = Item::new(name, &f.location, &None);
                        let message = match &f.asm_label {
                            Some(label) => format!(
                                "declared in the header (symbol '{label}'), not defined in the binary"
                            ),
                            None => "declared in the header, not defined in the binary".into(),
                        };
                        self.differ(&item, DifferenceKind::MissingFunction, None, message, None);
                    }
                }
            }
        }
    }

    /// The header's declaration links to `header`, the binary defines `binary`.
    fn symbols(&mut self, item: &Item, header: &str, binary: &str) {
        let (h, b) = (format!("'{header}'"), format!("'{binary}'"));
        self.differ_value(item, DifferenceKind::Symbol, None, "symbol", h, b);
    }

    fn prototypes(&mut self, item: &Item, f: &FunctionDecl, bf: &FunctionDecl) {
        let (Some(hs), Some(bs)) = (self.h.set.fn_sig(f.ty), self.b.set.fn_sig(bf.ty)) else {
            let kind = DifferenceKind::ItemKind;
            self.differ_type(item, kind, None, "type", f.ty.into(), bf.ty.into());
            return;
        };
        let outcome = self.same_qual(hs.ret, bs.ret, false);
        if !outcome.is_same() {
            let kind = DifferenceKind::ReturnType;
            self.differ_types(item, kind, None, "returns", hs.ret, bs.ret, outcome);
        }
        if hs.variadic != bs.variadic {
            let message = if hs.variadic {
                "variadic in the header, not in the binary"
            } else {
                "variadic in the binary, not in the header"
            };
            self.differ(item, DifferenceKind::Variadic, None, message.into(), None);
        }
        if hs.conv != bs.conv {
            let (h, b) = (hs.conv.name(), bs.conv.name());
            let kind = DifferenceKind::CallingConvention;
            self.differ_value(item, kind, None, "calling convention", h, b);
        }
        // Without a prototype on one side (`int f()`, a K&R definition) there is
        // nothing to hold the other side's parameters against.
        if !(hs.prototyped && bs.prototyped) {
            return;
        }
        self.parameters(item, f, bf, hs, bs);
    }

    fn parameters(
        &mut self,
        item: &Item,
        f: &FunctionDecl,
        bf: &FunctionDecl,
        hs: &FnSig,
        bs: &FnSig,
    ) {
        let (hn, bn) = (hs.params.len(), bs.params.len());
        if hn != bn {
            let message = format!(
                "{hn} {} in the header, {bn} in the binary ('{}' and '{}')",
                plural(hn, "parameter"),
                self.h.prototype(f),
                self.b.prototype(bf)
            );
            let values = Some((hn.to_string(), bn.to_string()));
            self.differ(item, DifferenceKind::ParameterCount, None, message, values);
        }
        for (i, (hp, bp)) in hs.params.iter().zip(&bs.params).enumerate() {
            let outcome = self.same_qual(*hp, *bp, false);
            if outcome.is_same() {
                continue;
            }
            let name = f.param_names.get(i).cloned().flatten();
            let name = name.or_else(|| bf.param_names.get(i).cloned().flatten());
            let what = match name {
                Some(name) => format!("parameter {} ({name}):", i + 1),
                None => format!("parameter {}:", i + 1),
            };
            let kind = DifferenceKind::ParameterType;
            self.differ_types(item, kind, None, &what, *hp, *bp, outcome);
        }
    }

    // ---- records ----

    fn records(&mut self) {
        let set = self.h.set;
        // The first typedef naming each anonymous record names it.
        let mut typedef_names: FxHashMap<RecordId, &str> = FxHashMap::default();
        for typedef in set.typedefs() {
            if let Type::Record(r) = self.h.ty(typedef.target.id) {
                typedef_names.entry(*r).or_insert(&typedef.name);
            }
        }
        let mut seen = FxHashSet::default();
        for (id, record) in set.records() {
            // Compiler-implicit records (`struct __va_list_tag`) have no location.
            if record.def.is_none() || record.location.is_none() {
                continue;
            }
            match &record.tag {
                Some(tag) => {
                    let name = format!("{} {tag}", record.kind.keyword());
                    // The definition the name finds, which later ones may not be.
                    let found = self
                        .h
                        .record_tags
                        .get(&name)
                        .and_then(|&r| self.h.record(r));
                    let record = found.unwrap_or(record);
                    if seen.insert(name.clone()) {
                        let found = self.binary_record_by_tag(record.kind, tag);
                        self.record_item(name, record, found);
                    }
                }
                None => {
                    let Some(&name) = typedef_names.get(&id) else {
                        continue;
                    };
                    if seen.insert(name.to_owned()) {
                        let found = self.binary_record_by_typedef(name);
                        self.record_item(name.to_owned(), record, found);
                    }
                }
            }
        }
    }

    fn binary_record_by_tag(&self, kind: RecordKind, tag: &str) -> Found<&'a Record> {
        let key = format!("{} {tag}", kind.keyword());
        if let Some(record) = self.b.record_tags.get(&key).and_then(|&r| self.b.record(r)) {
            return Found::Defined(record);
        }
        let other = match kind {
            RecordKind::Struct => RecordKind::Union,
            RecordKind::Union => RecordKind::Struct,
        };
        let key = format!("{} {tag}", other.keyword());
        match self.b.record_tags.get(&key).and_then(|&r| self.b.record(r)) {
            Some(record) if record.def.is_some() => Found::Other(article(other).into()),
            _ => Found::Absent,
        }
    }

    fn binary_record_by_typedef(&self, name: &str) -> Found<&'a Record> {
        let Some(id) = self.b.set.typedef_named(name) else {
            return Found::Absent;
        };
        let ty = self.b.resolve(id.into());
        match self.b.ty(ty.id) {
            Type::Record(r) => match self.b.record(*r) {
                Some(record) => Found::Defined(record),
                None => Found::Absent,
            },
            _ => Found::Other(self.b.describe(ty)),
        }
    }

    fn record_item(&mut self, name: String, record: &Record, found: Found<&Record>) {
        let binary = match found {
            Found::Defined(binary) if binary.def.is_some() => binary,
            Found::Defined(_) | Found::Absent => {
                self.report.not_checked.push(name);
                return;
            }
            Found::Other(what) => {
                self.report.checked.records += 1;
                let item = Item::new(name, &record.location, &None);
                let message = format!(
                    "{} in the header, {what} in the binary",
                    article(record.kind)
                );
                self.differ(&item, DifferenceKind::ItemKind, None, message, None);
                return;
            }
        };
        self.report.checked.records += 1;
        let item = Item::new(name, &record.location, &binary.location);
        if record.kind != binary.kind {
            let message = format!(
                "{} in the header, {} in the binary",
                article(record.kind),
                article(binary.kind)
            );
            self.differ(&item, DifferenceKind::ItemKind, None, message, None);
            return;
        }
        let subject = item.name.clone();
        self.record_body(&item, &subject, record, binary, 0);
    }

    /// Compares two record definitions, `subject` naming the record (`struct s`,
    /// or `struct s.inner` for a nested anonymous one).
    fn record_body(&mut self, item: &Item, subject: &str, h: &Record, b: &Record, nesting: u32) {
        let (Some(hd), Some(bd)) = (&h.def, &b.def) else {
            return;
        };
        let at = Some(subject);
        if hd.layout.size != bd.layout.size {
            let (hs, bs) = (hd.layout.size.to_string(), bd.layout.size.to_string());
            self.differ_value(item, DifferenceKind::Size, at, "size", hs, bs);
        }
        if !alignments_agree(hd, bd) {
            let (ha, ba) = (hd.layout.align.to_string(), bd.layout.align.to_string());
            self.differ_value(item, DifferenceKind::Alignment, at, "alignment", ha, ba);
        }
        let hf = self.h.set.flat_fields(hd);
        let bf = self.b.set.flat_fields(bd);
        let mut by_name: FxHashMap<&str, &FlatField> = FxHashMap::default();
        for field in &bf {
            by_name.entry(field.name).or_insert(field);
        }
        for field in &hf {
            match by_name.get(field.name) {
                Some(other) => self.field(item, subject, field, other, nesting),
                None => {
                    let message = format!("field '{}' is missing in the binary", field.name);
                    self.differ(item, DifferenceKind::MissingField, at, message, None);
                }
            }
        }
        let in_header: FxHashSet<&str> = hf.iter().map(|f| f.name).collect();
        for field in &bf {
            if !in_header.contains(field.name) {
                let message = format!("field '{}' is only in the binary", field.name);
                self.differ(item, DifferenceKind::ExtraField, at, message, None);
            }
        }
    }

    fn field(&mut self, item: &Item, record: &str, h: &FlatField, b: &FlatField, nesting: u32) {
        let subject = format!("{record}.{}", h.name);
        let at = Some(subject.as_str());
        if h.offset_bits != b.offset_bits {
            let (ho, bo) = (h.offset_bits, b.offset_bits);
            let (what, ho, bo) = if ho % 8 == 0 && bo % 8 == 0 {
                ("offset", ho / 8, bo / 8)
            } else {
                ("bit offset", ho, bo)
            };
            let kind = DifferenceKind::FieldOffset;
            self.differ_value(item, kind, at, what, ho.to_string(), bo.to_string());
        }
        if h.bit_width != b.bit_width {
            let width = |w: Option<u32>| match w {
                Some(w) => format!("{w} {}", plural(w as usize, "bit")),
                None => "not a bitfield".into(),
            };
            let (hw, bw) = (width(h.bit_width), width(b.bit_width));
            let message = format!("{hw} in the header, {bw} in the binary");
            let kind = DifferenceKind::FieldBitWidth;
            self.differ(item, kind, at, message, Some((hw, bw)));
        }
        // A member of anonymous record type (`struct { int x; } pos;`) is compared
        // member by member, so the report says which member differs.
        let (ht, bt) = (self.h.resolve(h.ty), self.b.resolve(b.ty));
        let nested = match (self.h.ty(ht.id), self.b.ty(bt.id)) {
            (Type::Record(hr), Type::Record(br)) => self.h.record(*hr).zip(self.b.record(*br)),
            _ => None,
        };
        match nested {
            Some((hr, br))
                if hr.tag.is_none()
                    && br.tag.is_none()
                    && hr.kind == br.kind
                    && ht.quals == bt.quals
                    && nesting < MAX_RECORD_NESTING =>
            {
                self.record_body(item, &subject, hr, br, nesting + 1);
            }
            _ => {
                let outcome = self.same_qual(h.ty, b.ty, true);
                if !outcome.is_same() {
                    let kind = DifferenceKind::FieldType;
                    self.differ_types(item, kind, at, "type", h.ty, b.ty, outcome);
                }
            }
        }
    }

    // ---- enums ----

    fn enums(&mut self) {
        let set = self.h.set;
        let mut typedef_names: FxHashMap<EnumId, (&str, TypeId)> = FxHashMap::default();
        for typedef in set.typedefs() {
            if let Type::Enum(e) = self.h.ty(typedef.target.id) {
                typedef_names
                    .entry(*e)
                    .or_insert((&typedef.name, typedef.target.id));
            }
        }
        let mut seen = FxHashSet::default();
        for (id, e) in set.enums() {
            if !e.complete || e.location.is_none() {
                continue;
            }
            let (name, header_ty, found) = match &e.tag {
                Some(tag) => {
                    if self.h.enum_tags.get(tag.as_str()) != Some(&id) {
                        continue;
                    }
                    let ty = self.h.set.tag("enum", tag).ok();
                    (format!("enum {tag}"), ty, self.binary_enum_by_tag(tag))
                }
                None => match typedef_names.get(&id) {
                    Some(&(name, ty)) => {
                        (name.to_owned(), Some(ty), self.binary_enum_by_typedef(name))
                    }
                    None => {
                        let Some((first, _)) = e.constants.first() else {
                            continue;
                        };
                        let found = match self.b.enumerators.get(first.as_str()) {
                            Some(&b) => match self.b.enum_(b) {
                                Some(be) => Found::Defined((be, None)),
                                None => Found::Absent,
                            },
                            None => Found::Absent,
                        };
                        (format!("enum {{ {first}, ... }}"), None, found)
                    }
                },
            };
            if seen.insert(name.clone()) {
                self.enum_item(name, e, header_ty, found);
            }
        }
    }

    fn binary_enum_by_tag(&self, tag: &str) -> Found<(&'a crate::types::Enum, Option<TypeId>)> {
        match self.b.enum_tags.get(tag).and_then(|&e| self.b.enum_(e)) {
            Some(e) => Found::Defined((e, self.b.set.tag("enum", tag).ok())),
            None => Found::Absent,
        }
    }

    fn binary_enum_by_typedef(
        &self,
        name: &str,
    ) -> Found<(&'a crate::types::Enum, Option<TypeId>)> {
        let Some(id) = self.b.set.typedef_named(name) else {
            return Found::Absent;
        };
        let ty = self.b.resolve(id.into());
        match self.b.ty(ty.id) {
            Type::Enum(e) => match self.b.enum_(*e) {
                Some(e) => Found::Defined((e, Some(ty.id))),
                None => Found::Absent,
            },
            _ => Found::Other(self.b.describe(ty)),
        }
    }

    fn enum_item(
        &mut self,
        name: String,
        e: &crate::types::Enum,
        header_ty: Option<TypeId>,
        found: Found<(&crate::types::Enum, Option<TypeId>)>,
    ) {
        let (be, binary_ty) = match found {
            Found::Defined((be, ty)) if be.complete => (be, ty),
            Found::Defined(_) | Found::Absent => {
                self.report.not_checked.push(name);
                return;
            }
            Found::Other(what) => {
                self.report.checked.enums += 1;
                let item = Item::new(name, &e.location, &None);
                let message = format!("an enum in the header, {what} in the binary");
                self.differ(&item, DifferenceKind::ItemKind, None, message, None);
                return;
            }
        };
        self.report.checked.enums += 1;
        let item = Item::new(name, &e.location, &be.location);
        let hl = self.h.enum_layout(header_ty, e);
        let bl = self.b.enum_layout(binary_ty, be);
        if let (Some(hl), Some(bl)) = (hl, bl) {
            if hl.size != bl.size {
                let (hs, bs) = (hl.size.to_string(), bl.size.to_string());
                self.differ_value(&item, DifferenceKind::Size, None, "size", hs, bs);
            }
        }
        // Enumerators are compared as bit patterns of the enum's size.
        let bits = hl.map_or(128, |l| l.size.saturating_mul(8));
        let values: FxHashMap<&str, i128> =
            be.constants.iter().map(|(n, v)| (n.as_str(), *v)).collect();
        for (constant, value) in &e.constants {
            match values.get(constant.as_str()) {
                Some(&other) if values_agree(other, *value, bits) => {}
                Some(other) => {
                    let subject = format!("{}.{constant}", item.name);
                    let (h, b) = (value.to_string(), other.to_string());
                    let kind = DifferenceKind::EnumValue;
                    self.differ_value(&item, kind, Some(&subject), "value", h, b);
                }
                None => {
                    let message = format!("enumerator '{constant}' is missing in the binary");
                    let kind = DifferenceKind::MissingEnumerator;
                    self.differ(&item, kind, None, message, None);
                }
            }
        }
        let in_header: FxHashSet<&str> = e.constants.iter().map(|(n, _)| n.as_str()).collect();
        for (constant, _) in &be.constants {
            if !in_header.contains(constant.as_str()) {
                let message = format!("enumerator '{constant}' is only in the binary");
                let kind = DifferenceKind::ExtraEnumerator;
                self.differ(&item, kind, None, message, None);
            }
        }
    }

    // ---- globals ----

    fn globals(&mut self) {
        let set = self.h.set;
        let mut seen = FxHashSet::default();
        for g in set.globals() {
            if !seen.insert(g.name.as_str()) {
                continue;
            }
            let name = format!("global {}", g.name);
            let by_symbol = self.b.global_symbols.get(g.symbol()).copied();
            let Some(bg) = by_symbol.or_else(|| self.b.globals.get(g.name.as_str()).copied())
            else {
                match self.b.functions.get(g.name.as_str()).copied() {
                    Some(f) => {
                        self.report.checked.globals += 1;
                        let item = Item::new(name, &g.location, &f.location);
                        let message = "a variable in the header, a function in the binary";
                        self.differ(&item, DifferenceKind::ItemKind, None, message.into(), None);
                    }
                    None => self.report.not_checked.push(name),
                }
                continue;
            };
            self.report.checked.globals += 1;
            let item = Item::new(name, &g.location, &bg.location);
            if by_symbol.is_none() {
                self.symbols(&item, g.symbol(), bg.symbol());
            }
            let outcome = self.same_qual(g.ty, bg.ty, true);
            if !outcome.is_same() {
                let kind = DifferenceKind::GlobalType;
                self.differ_types(&item, kind, None, "type", g.ty, bg.ty, outcome);
            }
        }
    }

    // ---- types ----

    /// Whether two qualified types agree (see [`crate::types::equiv`]): with
    /// their top-level qualifiers when `quals`, else without (parameters and
    /// results, C11 6.7.6.3p15).
    fn same_qual(&mut self, h: QualType, b: QualType, quals: bool) -> Outcome {
        if quals {
            self.equiv.qual(h, b)
        } else {
            self.equiv.unqualified(h, b)
        }
    }

    /// Reports `header` and `binary` as differing, as `outcome` found them.
    #[allow(clippy::too_many_arguments)]
    fn differ_types(
        &mut self,
        item: &Item,
        kind: DifferenceKind,
        subject: Option<&str>,
        what: &str,
        header: QualType,
        binary: QualType,
        outcome: Outcome,
    ) {
        if outcome != Outcome::TooDeep {
            return self.differ_type(item, kind, subject, what, header, binary);
        }
        let (h, b) = (
            format!("'{}'", self.h.spell(header)),
            format!("'{}'", self.b.spell(binary)),
        );
        let message = format!(
            "{what} {h} in the header, {b} in the binary: cannot be compared, {}",
            crate::limits::types_too_deep()
        );
        self.differ(item, kind, subject, message, Some((h, b)));
    }
}
