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

mod enums;
mod functions;
mod records;
mod report;
mod side;

use crate::types::equiv::{Equiv, Outcome, Rules};
use crate::types::{QualType, TypeSet};
use crate::SourceLocation;

use report::plural;
pub use report::{CheckCounts, CheckReport, Difference, DifferenceKind};
use side::Side;

/// Structural types nested deeper than this are taken as different (only a corrupt,
/// cyclic set gets there).
const MAX_TYPE_DEPTH: u32 = crate::limits::MAX_TYPE_DEPTH;
/// Longest typedef chain followed (a corrupt set could loop).
const MAX_TYPEDEF_CHAIN: usize = 256;
/// Deepest nesting of anonymous records whose members are reported one by one.
const MAX_RECORD_NESTING: u32 = 16;

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
}

impl Checker<'_> {
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

    /// Reports the header's and the binary's types as differing, as `outcome`
    /// found them.
    fn differ_types(
        &mut self,
        item: &Item,
        kind: DifferenceKind,
        subject: Option<&str>,
        what: &str,
        (header, binary): (QualType, QualType),
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
