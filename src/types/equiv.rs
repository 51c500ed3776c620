//! Whether two types, each of its own set, are the same: the one engine behind
//! [`TypeSet::merge`](super::TypeSet::merge), [`crate::check::compare`] and the
//! typed call path ([`crate::Function::typed`]).
//!
//! Ids mean nothing across sets, so two types are compared by what they are.
//! [`Equiv`] walks two sets side by side under [`Rules`] saying how strictly;
//! the callers turn its [`Outcome`]s into what they report (merge: an error;
//! `check`: a difference; the typed path: a refusal). The points where the
//! callers once had rules of their own are decided here, once:
//!
//! - **Enumerator values** are compared as bit patterns of the enum's size
//!   ([`values_agree`]): gcc's DWARF (in DWARF 2, or without the enum's
//!   `DW_AT_type`) stores an unsigned enum's `0xffffffff` in a form read back as
//!   `-1`, which is the same 32 bits. So `wyvern check` never reports what merge
//!   accepts.
//! - **Alignment of packed records** is not compared when either record is
//!   packed ([`alignments_agree`]): DWARF does not state a record's alignment
//!   (only an explicit `aligned` one), and for a packed record what its front
//!   end infers from the offsets can be off (a packed record whose members all
//!   sit at aligned offsets reads as aligned). Sizes and every member's offset,
//!   which DWARF does state, are still compared.
//! - **Depth**: comparing deeper than
//!   [`MAX_TYPE_DEPTH`](crate::limits::MAX_TYPE_DEPTH) levels gives
//!   [`Outcome::TooDeep`], never a guess. A set a front end built nests within
//!   that limit along each of its graphs, but a comparison can go deeper, through
//!   pointers to anonymous records held by value in one another. Merge refuses,
//!   `check` reports the pair as not comparable, the typed path refuses.
//!   Types that refer to themselves (through a pointer to a record) end where a
//!   pair already being compared comes round again: it is assumed the same, so a
//!   cycle compares in finite time at any depth.
//! - **Unnamed bitfields** are padding: DWARF does not describe
//!   them, and the record's layout and its other members' offsets already say
//!   where the padding is ([`Field::is_padding`]). Every comparison of members,
//!   and [`TypeSet::flat_fields`](super::TypeSet::flat_fields), leaves them out.
//! - **Integers** are compared by their C spelling: plain `char` is `char`
//!   whatever the target's signedness, `long` and `long long` differ even where
//!   both are 64 bits (C and DWARF keep them apart).
//! - **Tagged records and enums** are the same type when their tags (and, for
//!   records, struct or union) are: their bodies are items of their own, which
//!   each caller compares with [`Equiv::record_shape`] and [`Equiv::enum_body`].
//!   Anonymous ones are compared by shape, and the pairs found the same are kept
//!   ([`Equiv::take_pairs`]: merge makes them one).
//! - **Top-level qualifiers** of parameters and results are not part of a
//!   function's type (C11 6.7.6.3p15): [`Equiv::unqualified`] compares them.
//! - **Parameters declared as arrays** are the pointers C adjusts them to
//!   (C11 6.7.6.3p7): `void f(int a[4])`, `void f(int a[8])` and `void f(int *a)`
//!   have one function type, which is what is compared. The declared length is
//!   the declaration's ([`FunctionDecl::param_arrays`](super::FunctionDecl::param_arrays)),
//!   like its parameter names: merge keeps the first set's, and DWARF, which
//!   records only the pointer, never differs from a header by it.
//!
//! Where the callers differ by design, [`Rules`] says so: merge compares types as
//! spelled (typedef names, array lengths and prototypes must be the same, since
//! the result keeps one of them: [`Rules::SPELLED`]); `check` compares what C
//! would call compatible once every typedef is seen through ([`Rules::COMPATIBLE`]).
//!
//! The typed path holds a *Rust* description of a function, not a second set:
//! it walks its own side (`runtime::typed`) but follows these policies: the same
//! depth limit and [`Outcome`], the same assumption for cycles, the same padding
//! filter.
//!
//! Comparing never panics: an id that is not of its set is a different type.

use rustc_hash::{FxHashMap, FxHashSet};

use super::decl::Enum;
use super::func::FnSig;
use super::id::{EnumId, RecordId, TypeId};
use super::record::{Field, RecordDef};
use super::set::TypeSet;
use super::ty::{QualType, Quals, Type};

/// The deepest comparison, [`crate::limits::MAX_TYPE_DEPTH`].
pub(crate) const MAX_DEPTH: u32 = crate::limits::MAX_TYPE_DEPTH;

/// Longest typedef chain followed when typedefs are seen through (a damaged set
/// could loop).
const MAX_TYPEDEF_CHAIN: usize = 256;

/// What comparing two types found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// The same type.
    Same,
    /// Different types.
    Different,
    /// They could not be compared within [`MAX_DEPTH`] levels.
    TooDeep,
}

impl Outcome {
    /// Whether the types are the same.
    pub(crate) fn is_same(self) -> bool {
        self == Outcome::Same
    }

    /// `self`, or when it is [`Same`](Outcome::Same), what `next` finds.
    fn and(self, next: impl FnOnce() -> Outcome) -> Outcome {
        match self {
            Outcome::Same => next(),
            other => other,
        }
    }

    fn of(same: bool) -> Outcome {
        if same {
            Outcome::Same
        } else {
            Outcome::Different
        }
    }
}

/// How typedefs compare.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Typedefs {
    /// A typedef is the same as a typedef of the same name, and nothing else.
    ByName,
    /// Typedefs are seen through, keeping the qualifiers they add.
    SeenThrough,
}

/// How strictly two types compare (the policies in the [module docs](self)
/// hold under every `Rules`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Rules {
    /// How typedefs compare.
    pub(crate) typedefs: Typedefs,
    /// Whether C's compatibility applies: an array of unknown length matches any
    /// length (C11 6.7.6.2p6), and a function type without a prototype matches
    /// any parameters (C11 6.7.6.3p15, leaving out the promotions).
    pub(crate) compatible: bool,
}

impl Rules {
    /// As spelled: what merge needs, since the result keeps one spelling.
    pub(crate) const SPELLED: Rules = Rules {
        typedefs: Typedefs::ByName,
        compatible: false,
    };
    /// What C calls compatible, typedefs seen through: what `check` needs.
    pub(crate) const COMPATIBLE: Rules = Rules {
        typedefs: Typedefs::SeenThrough,
        compatible: true,
    };
}

/// Anonymous records or enums found to be the same: `(a's, b's)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Pair {
    /// Two anonymous records.
    Record(RecordId, RecordId),
    /// Two anonymous enums.
    Enum(EnumId, EnumId),
}

/// How two record bodies differ ([`Equiv::record_shape`]), the first thing found.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum ShapeMismatch<'d> {
    /// Their sizes, `a`'s then `b`'s.
    Size(u64, u64),
    /// Their alignments (neither is packed).
    Align(u64, u64),
    /// How many members each has, padding left out.
    FieldCount(usize, usize),
    /// The member at `index` (counting from 0, padding left out) differs in `part`.
    Field {
        /// Where, among the members compared.
        index: usize,
        /// `a`'s member.
        a: &'d Field,
        /// `b`'s member.
        b: &'d Field,
        /// What of it differs.
        part: FieldPart,
    },
}

/// What of a member differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FieldPart {
    /// Its name.
    Name,
    /// Its offset.
    Offset,
    /// Whether it is a bitfield, and its width.
    BitWidth,
    /// Its type: [`Outcome::Different`] or [`Outcome::TooDeep`].
    Type(Outcome),
}

/// How two enum bodies differ ([`Equiv::enum_body`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EnumMismatch {
    /// Their sizes, `None` where unknown.
    Size(Option<u64>, Option<u64>),
    /// Their enumerators' names or values (as bit patterns of the size).
    Constants,
}

/// A record's members that comparisons look at: all but [padding](Field::is_padding).
pub(crate) fn members(def: &RecordDef) -> impl Iterator<Item = &Field> {
    def.fields.iter().filter(|f| !f.is_padding())
}

/// Whether two records' alignments agree: equal, or either record packed (see
/// the [module docs](self)).
pub(crate) fn alignments_agree(a: &RecordDef, b: &RecordDef) -> bool {
    a.layout.align == b.layout.align || a.packed || b.packed
}

/// Whether two integer constants of a type `bits` wide are the same: as bit
/// patterns of that width (all 128 bits for an unknown width, `0`).
pub(crate) fn values_agree(a: i128, b: i128, bits: u64) -> bool {
    pattern(a, bits) == pattern(b, bits)
}

/// The low `bits` bits of a value (all of them for 0 or 128 and more).
fn pattern(value: i128, bits: u64) -> u128 {
    match bits {
        1..=127 => (value as u128) & ((1u128 << bits) - 1),
        _ => value as u128,
    }
}

/// Compares types of set `a` with types of set `b`. See the [module docs](self).
///
/// One `Equiv` serves many comparisons: what it found different is remembered
/// (no assumption can make a pair different), and the anonymous pairs found
/// the same accumulate until [`take_pairs`](Self::take_pairs).
pub(crate) struct Equiv<'s> {
    a: &'s TypeSet,
    b: &'s TypeSet,
    rules: Rules,
    /// Pairs whose answer is known: different ones, and same ones that relied on
    /// no assumption.
    known: FxHashMap<(TypeId, TypeId), Outcome>,
    /// Pairs being compared, assumed the same (cycles through pointers).
    assumed: FxHashSet<(TypeId, TypeId)>,
    /// Anonymous records and enums found the same, when kept.
    pairs: Vec<Pair>,
    keep_pairs: bool,
}

impl<'s> Equiv<'s> {
    /// An engine comparing `a`'s types with `b`'s under `rules`.
    pub(crate) fn new(a: &'s TypeSet, b: &'s TypeSet, rules: Rules) -> Equiv<'s> {
        Equiv {
            a,
            b,
            rules,
            known: FxHashMap::default(),
            assumed: FxHashSet::default(),
            pairs: Vec::new(),
            keep_pairs: false,
        }
    }

    /// The same engine, keeping the anonymous pairs it finds the same for
    /// [`take_pairs`](Self::take_pairs).
    pub(crate) fn keeping_pairs(self) -> Equiv<'s> {
        Equiv {
            keep_pairs: true,
            ..self
        }
    }

    /// The anonymous records and enums found the same so far, by comparisons
    /// that found their types the same.
    pub(crate) fn take_pairs(&mut self) -> Vec<Pair> {
        std::mem::take(&mut self.pairs)
    }

    /// Whether two qualified types are the same, qualifiers included.
    pub(crate) fn qual(&mut self, x: QualType, y: QualType) -> Outcome {
        self.top(|e| e.same_qual(x, y, true, 0))
    }

    /// Whether two types are the same, top-level qualifiers left out (as for a
    /// parameter or a result, and a function's type).
    pub(crate) fn unqualified(&mut self, x: QualType, y: QualType) -> Outcome {
        self.top(|e| e.same_qual(x, y, false, 0))
    }

    /// How two record bodies differ, if they do: size, alignment, then member by
    /// member, padding left out.
    pub(crate) fn record_shape<'d>(
        &mut self,
        d: &'d RecordDef,
        e: &'d RecordDef,
    ) -> Option<ShapeMismatch<'d>> {
        let mark = self.pairs.len();
        let found = self.shape(d, e, 0);
        if found.is_some() {
            self.pairs.truncate(mark);
        }
        found
    }

    /// How two enum bodies differ, if they do: size, then names and values.
    pub(crate) fn enum_body(&self, ea: &Enum, eb: &Enum) -> Option<EnumMismatch> {
        let size = |set: &TypeSet, e: &Enum| set.data().layout_of(e.underlying).map(|l| l.size);
        let (sa, sb) = (size(self.a, ea), size(self.b, eb));
        if sa != sb {
            return Some(EnumMismatch::Size(sa, sb));
        }
        let bits = sa.map_or(128, |size| size.saturating_mul(8));
        let same = ea.constants.len() == eb.constants.len()
            && ea
                .constants
                .iter()
                .zip(&eb.constants)
                .all(|((n, v), (m, w))| n == m && values_agree(*v, *w, bits));
        (!same).then_some(EnumMismatch::Constants)
    }

    /// Runs one comparison from the top; pairs it found are kept only when it
    /// found the types the same.
    fn top(&mut self, compare: impl FnOnce(&mut Self) -> Outcome) -> Outcome {
        let mark = self.pairs.len();
        let outcome = compare(self);
        if !outcome.is_same() {
            self.pairs.truncate(mark);
        }
        outcome
    }

    fn ty(set: &TypeSet, id: TypeId) -> Option<&Type> {
        set.has_type(id).then(|| set.ty(id))
    }

    /// The type with every typedef seen through, keeping the qualifiers the
    /// typedefs add (`typedef const int cint;`), when the rules say so.
    fn resolve(&self, set: &TypeSet, mut ty: QualType) -> QualType {
        if self.rules.typedefs == Typedefs::ByName {
            return ty;
        }
        for _ in 0..MAX_TYPEDEF_CHAIN {
            let Some(Type::Typedef(t)) = Self::ty(set, ty.id) else {
                return ty;
            };
            let Some(typedef) = set.data().typedefs.get(t.index()) else {
                return ty;
            };
            ty = QualType::with(typedef.target.id, ty.quals | typedef.target.quals);
        }
        ty
    }

    fn same_qual(&mut self, x: QualType, y: QualType, quals: bool, depth: u32) -> Outcome {
        let (x, y) = (self.resolve(self.a, x), self.resolve(self.b, y));
        if let (Some(Type::Array { elem: e, len: n }), Some(Type::Array { elem: f, len: m })) =
            (Self::ty(self.a, x.id), Self::ty(self.b, y.id))
        {
            if !x.quals.is_empty() || !y.quals.is_empty() {
                // An array's qualifiers are its elements' (C11 6.7.3p9): gcc's
                // DWARF has `const (char[6])` where a header has `(const char)[6]`.
                let down = |q: QualType, top: Quals| {
                    QualType::with(q.id, if quals { q.quals | top } else { q.quals })
                };
                let (e, f) = (down(*e, x.quals), down(*f, y.quals));
                let lengths = n == m || (self.rules.compatible && (n.is_none() || m.is_none()));
                return Outcome::of(lengths).and(|| self.same_qual(e, f, true, depth + 1));
            }
        }
        if quals && x.quals != y.quals {
            return Outcome::Different;
        }
        self.same_type(x.id, y.id, depth)
    }

    fn same_type(&mut self, x: TypeId, y: TypeId, depth: u32) -> Outcome {
        if depth > MAX_DEPTH {
            return Outcome::TooDeep;
        }
        let key = (x, y);
        if let Some(&known) = self.known.get(&key) {
            return known;
        }
        if !self.assumed.insert(key) {
            return Outcome::Same;
        }
        let mark = self.pairs.len();
        let outcome = self.same_type_uncached(x, y, depth + 1);
        self.assumed.remove(&key);
        match outcome {
            // A pair found the same under an assumption, or one that kept
            // anonymous pairs (which a failing comparison above may drop), is
            // not remembered: asked again, it must say so again.
            Outcome::Same if self.assumed.is_empty() && self.pairs.len() == mark => {
                self.known.insert(key, outcome);
            }
            Outcome::Same => {}
            // Too deep here may not be too deep from elsewhere.
            Outcome::TooDeep => self.pairs.truncate(mark),
            Outcome::Different => {
                self.pairs.truncate(mark);
                self.known.insert(key, outcome);
            }
        }
        outcome
    }

    fn same_type_uncached(&mut self, x: TypeId, y: TypeId, depth: u32) -> Outcome {
        let (Some(tx), Some(ty)) = (Self::ty(self.a, x), Self::ty(self.b, y)) else {
            return Outcome::Different;
        };
        let compatible = self.rules.compatible;
        match (tx, ty) {
            (Type::Void, Type::Void) | (Type::Bool, Type::Bool) => Outcome::Same,
            (Type::Int(k), Type::Int(l)) => Outcome::of(k.spelling() == l.spelling()),
            (Type::Float(k), Type::Float(l)) | (Type::Complex(k), Type::Complex(l)) => {
                Outcome::of(k == l)
            }
            (Type::Pointer(p), Type::Pointer(q)) => self.same_qual(*p, *q, true, depth),
            (Type::Array { elem: e, len: n }, Type::Array { elem: f, len: m }) => {
                let lengths = n == m || (compatible && (n.is_none() || m.is_none()));
                Outcome::of(lengths).and(|| self.same_qual(*e, *f, true, depth))
            }
            (Type::Vector { elem: e, len: n }, Type::Vector { elem: f, len: m }) => {
                Outcome::of(n == m).and(|| self.same_qual((*e).into(), (*f).into(), true, depth))
            }
            (Type::Record(r), Type::Record(s)) => self.same_record(*r, *s, depth),
            (Type::Enum(e), Type::Enum(f)) => self.same_enum(*e, *f),
            (Type::Typedef(t), Type::Typedef(u)) => {
                // Only reached by name: seen through, neither is a typedef here.
                let (ta, tb) = (
                    self.a.data().typedefs.get(t.index()),
                    self.b.data().typedefs.get(u.index()),
                );
                Outcome::of(matches!((ta, tb), (Some(ta), Some(tb)) if ta.name == tb.name))
            }
            (Type::Function(f), Type::Function(g)) => self.same_sig(f, g, depth),
            _ => Outcome::Different,
        }
    }

    fn same_sig(&mut self, f: &FnSig, g: &FnSig, depth: u32) -> Outcome {
        let heads = f.variadic == g.variadic && f.conv == g.conv;
        let unprototyped = !(f.prototyped && g.prototyped);
        // Without a prototype on one side there is nothing to hold the other
        // side's parameters against (when compatibility applies).
        let params_count = self.rules.compatible && unprototyped;
        let shape =
            params_count || (f.prototyped == g.prototyped && f.params.len() == g.params.len());
        Outcome::of(heads && shape)
            .and(|| self.same_qual(f.ret, g.ret, false, depth))
            .and(|| {
                if params_count {
                    return Outcome::Same;
                }
                for (p, q) in f.params.iter().zip(&g.params) {
                    let outcome = self.same_qual(*p, *q, false, depth);
                    if !outcome.is_same() {
                        return outcome;
                    }
                }
                Outcome::Same
            })
    }

    /// Tagged records by tag (their bodies are items of their own); anonymous
    /// ones by shape.
    fn same_record(&mut self, r: RecordId, s: RecordId, depth: u32) -> Outcome {
        let (Some(ra), Some(rb)) = (
            self.a.data().records.get(r.index()),
            self.b.data().records.get(s.index()),
        ) else {
            return Outcome::Different;
        };
        if ra.kind != rb.kind {
            return Outcome::Different;
        }
        match (&ra.tag, &rb.tag) {
            (Some(t), Some(u)) => Outcome::of(t == u),
            (None, None) => {
                let outcome = match (&ra.def, &rb.def) {
                    (Some(d), Some(e)) => match self.shape(d, e, depth) {
                        None => Outcome::Same,
                        Some(ShapeMismatch::Field {
                            part: FieldPart::Type(outcome),
                            ..
                        }) => outcome,
                        Some(_) => Outcome::Different,
                    },
                    (None, None) => Outcome::Same,
                    _ => Outcome::Different,
                };
                if outcome.is_same() && self.keep_pairs {
                    self.pairs.push(Pair::Record(r, s));
                }
                outcome
            }
            _ => Outcome::Different,
        }
    }

    fn same_enum(&mut self, e: EnumId, f: EnumId) -> Outcome {
        let (Some(ea), Some(eb)) = (
            self.a.data().enums.get(e.index()),
            self.b.data().enums.get(f.index()),
        ) else {
            return Outcome::Different;
        };
        match (&ea.tag, &eb.tag) {
            (Some(t), Some(u)) => Outcome::of(t == u),
            (None, None) => {
                let same = self.enum_body(ea, eb).is_none();
                if same && self.keep_pairs {
                    self.pairs.push(Pair::Enum(e, f));
                }
                Outcome::of(same)
            }
            _ => Outcome::Different,
        }
    }

    fn shape<'d>(
        &mut self,
        d: &'d RecordDef,
        e: &'d RecordDef,
        depth: u32,
    ) -> Option<ShapeMismatch<'d>> {
        if d.layout.size != e.layout.size {
            return Some(ShapeMismatch::Size(d.layout.size, e.layout.size));
        }
        if !alignments_agree(d, e) {
            return Some(ShapeMismatch::Align(d.layout.align, e.layout.align));
        }
        let (xs, ys): (Vec<&Field>, Vec<&Field>) = (members(d).collect(), members(e).collect());
        if xs.len() != ys.len() {
            return Some(ShapeMismatch::FieldCount(xs.len(), ys.len()));
        }
        for (index, (a, b)) in xs.into_iter().zip(ys).enumerate() {
            let part = if a.name != b.name {
                FieldPart::Name
            } else if a.offset_bits != b.offset_bits {
                FieldPart::Offset
            } else if a.bit_width != b.bit_width {
                FieldPart::BitWidth
            } else {
                match self.same_qual(a.ty, b.ty, true, depth) {
                    Outcome::Same => continue,
                    outcome => FieldPart::Type(outcome),
                }
            };
            return Some(ShapeMismatch::Field { index, a, b, part });
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What comparing global `g` of `a` with global `g` of `b` finds, as
    /// spelled and as compatible.
    #[cfg(feature = "clang")]
    fn both_rules(a: &str, b: &str) -> (Outcome, Outcome) {
        let (a, b) = (crate::cdef(a).unwrap(), crate::cdef(b).unwrap());
        let (x, y) = (a.global("g").unwrap().ty, b.global("g").unwrap().ty);
        (
            Equiv::new(&a, &b, Rules::SPELLED).qual(x, y),
            Equiv::new(&a, &b, Rules::COMPATIBLE).qual(x, y),
        )
    }

    #[cfg(feature = "clang")]
    #[test]
    fn the_rules_differ_only_where_documented() {
        use Outcome::{Different, Same};
        let cases = [
            // Typedefs: by name, or seen through.
            (
                "typedef int t; extern t g;",
                "extern int g;",
                (Different, Same),
            ),
            (
                "typedef int t; extern t g;",
                "typedef int t; extern t g;",
                (Same, Same),
            ),
            // Arrays of unknown length, and functions without a prototype.
            ("extern int g[];", "extern int g[4];", (Different, Same)),
            (
                "extern int (*g)();",
                "extern int (*g)(long);",
                (Different, Same),
            ),
            // The same under both: spelling of integers, qualifiers, enumerators
            // as bit patterns of the enum's size.
            (
                "extern long g;",
                "extern long long g;",
                (Different, Different),
            ),
            (
                "extern const int *g;",
                "extern int *g;",
                (Different, Different),
            ),
            (
                "extern int (*g)(const int);",
                "extern int (*g)(int);",
                (Same, Same),
            ),
            (
                "extern enum { A = 0xffffffff } g;",
                "extern enum { A = -1 } g;",
                (Same, Same),
            ),
            (
                "extern enum { A = 0x1ffffffff } g;",
                "extern enum { A = -1 } g;",
                (Different, Different),
            ),
            (
                "extern struct { int x : 3; int : 5; int y; } g;",
                "extern struct { int x : 3; int y; } g;",
                (Same, Same),
            ),
        ];
        for (a, b, expected) in cases {
            assert_eq!(both_rules(a, b), expected, "{a} / {b}");
        }
    }

    #[test]
    fn values_agree_as_bit_patterns_of_their_width() {
        assert!(values_agree(0xffff_ffff, -1, 32));
        assert!(!values_agree(0xffff_ffff, -1, 64));
        assert!(values_agree(-1, -1, 0));
        assert!(!values_agree(0xffff_ffff, -1, 0));
    }
}
