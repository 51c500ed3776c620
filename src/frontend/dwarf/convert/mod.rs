//! DWARF entries into a [`TypeBuilder`].
//!
//! Types are converted on demand from the entries that use them, memoised by
//! their offset in `.debug_info`; records are declared before their members are
//! read, so types that refer to themselves through pointers need nothing special.
//!
//! Alignment: DWARF states it only with `DW_AT_alignment` (an explicit `aligned`;
//! gcc writes it for records, clang for records and members).
//! Otherwise a record's alignment is the largest power of two, up to its widest
//! member's alignment, that divides its size and every member's offset (as far as
//! that member's own alignment goes). A plain record gets its widest member's
//! alignment; a packed one gets 1; `#pragma pack(2)` gets 2. A typedef's own
//! `DW_AT_alignment` aligns the typedef (`typedef … __attribute__((aligned))`). A
//! union with a size and no members is a transparent union whose members gcc left
//! out: it is aligned to its size.

use rustc_hash::FxHashMap;

use gimli::{AttributeValue, DebuggingInformationEntry, Reader as _, UnitOffset};

use super::Reader;
use crate::types::{Layout, QualType, Quals, Target, Type, TypeBuilder, TypeId, TypeSet, Typedef};

mod base;
mod decl;
mod enumeration;
mod record;

type Die<'a> = DebuggingInformationEntry<Reader<'a>>;
type Unit<'a> = gimli::Unit<Reader<'a>>;

/// Why the DWARF could not be converted.
#[derive(Debug)]
pub(crate) enum Malformed {
    /// The DWARF is damaged, or says what no C type is: the object is refused.
    /// gimli's error, when gimli found the damage, is the error's source.
    Broken(String, Option<gimli::Error>),
    /// A type wyvern cannot represent: one that nests past [`MAX_DEPTH`], one C
    /// has not (a C++ reference, class or pointer to member, a DWARF type of
    /// another language), or one whose DWARF leaves out what its layout or value
    /// needs (an enum with no size, an enumerator with no value). The declaration
    /// that needs it is left out and listed with the reason, as the clang front
    /// end does; the rest of the object is read.
    Skip(String),
}

impl std::fmt::Display for Malformed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Malformed::Broken(message, _) | Malformed::Skip(message) => f.write_str(message),
        }
    }
}

impl From<gimli::Error> for Malformed {
    fn from(e: gimli::Error) -> Malformed {
        Malformed::Broken(format!("malformed DWARF: {e}"), Some(e))
    }
}

type Result<T> = std::result::Result<T, Malformed>;

/// Deeper than this, a type chain is refused (also what stops a cycle with no record).
const MAX_DEPTH: u32 = crate::limits::MAX_TYPE_DEPTH;

pub(crate) struct Converter<'d, 'a> {
    dwarf: &'d gimli::Dwarf<Reader<'a>>,
    b: TypeBuilder,
    /// `.debug_info` offset of a type entry → its type.
    memo: FxHashMap<usize, QualType>,
    /// `struct tag` / `union tag` / `enum tag` / typedef name → the one kept.
    named: FxHashMap<String, TypeId>,
    /// Records declared and not yet defined (their types), to define when a
    /// unit has them.
    incomplete: rustc_hash::FxHashSet<TypeId>,
    /// Records whose bodies cannot be represented (they nest past [`MAX_DEPTH`],
    /// they are C++ classes), with why: what uses them is left out.
    unrepresentable: FxHashMap<TypeId, String>,
    functions: FxHashMap<String, ()>,
    globals: FxHashMap<String, ()>,
    char_signed: Option<bool>,
    /// Which file the current units come from: 0 the object, then each `.dwo`.
    file: usize,
    /// When set, only these types are read (`struct stat`, `size_t`), with what
    /// they use: no functions, no globals, and no unit after the last one needed.
    wanted: Option<Vec<String>>,
    /// A reused buffer for names looked up in `named` (see `complete_named`).
    key: String,
    /// Anonymous enums by their first enumerator.
    anonymous_enums: FxHashMap<String, TypeId>,
    /// A unit's file (by the unit's key and its line program's index) → its path.
    file_names: FxHashMap<(usize, u64), std::sync::Arc<str>>,
    /// Every path named, once.
    paths: rustc_hash::FxHashSet<std::sync::Arc<str>>,
    /// Entries that `ty` read by offset and is done with: reading the next one
    /// into a spare reuses its attribute list rather than allocating one.
    spare: Vec<Die<'a>>,
}

impl<'d, 'a> Converter<'d, 'a> {
    pub(crate) fn new(target: Target, dwarf: &'d gimli::Dwarf<Reader<'a>>) -> Self {
        Converter {
            dwarf,
            b: TypeBuilder::new(target),
            memo: FxHashMap::default(),
            named: FxHashMap::default(),
            incomplete: rustc_hash::FxHashSet::default(),
            unrepresentable: FxHashMap::default(),
            functions: FxHashMap::default(),
            globals: FxHashMap::default(),
            char_signed: None,
            file: 0,
            wanted: None,
            key: String::new(),
            anonymous_enums: FxHashMap::default(),
            file_names: FxHashMap::default(),
            paths: rustc_hash::FxHashSet::default(),
            spare: Vec::new(),
        }
    }

    /// Reads only the types named (`"struct stat"`, `"union sigval"`, `"size_t"`).
    pub(crate) fn only(mut self, names: &[&str]) -> Self {
        self.wanted = Some(
            names
                .iter()
                .map(|n| n.split_whitespace().collect::<Vec<_>>().join(" "))
                .collect(),
        );
        self
    }

    /// The name a type entry is asked for by (`struct tag`, a typedef's name).
    fn asked_name(&self, unit: &Unit<'a>, entry: &Die<'a>) -> Result<Option<String>> {
        let prefix = match entry.tag() {
            gimli::DW_TAG_base_type => "",
            tag => match name_prefix(tag) {
                Some(prefix) => prefix,
                None => return Ok(None),
            },
        };
        Ok(self.name(unit, entry)?.map(|n| format!("{prefix}{n}")))
    }

    /// The record, enum or typedef an entry names when one by that name is
    /// already converted and complete: found with no allocation (`self.key` is
    /// reused), so a unit's repeat of a header's type costs a lookup.
    fn complete_named(&mut self, unit: &Unit<'a>, entry: &Die<'a>) -> Result<Option<TypeId>> {
        use gimli::Reader as _;
        let Some(prefix) = name_prefix(entry.tag()) else {
            return Ok(None);
        };
        let Some(value) = entry.attr_value(gimli::DW_AT_name) else {
            return Ok(None);
        };
        let name = self.dwarf.attr_string(unit, value)?;
        let bytes = name.to_slice()?;
        let Ok(name) = std::str::from_utf8(&bytes) else {
            return Ok(None);
        };
        let key = &mut self.key;
        key.clear();
        key.push_str(prefix);
        key.push_str(name);
        Ok(self
            .named
            .get(key.as_str())
            .copied()
            .filter(|id| !self.incomplete.contains(id)))
    }

    /// Whether every wanted type has been read (records and enums defined).
    fn has_all_wanted(&self) -> bool {
        let Some(wanted) = &self.wanted else {
            return false;
        };
        wanted.iter().all(|name| {
            self.named
                .get(name)
                .is_some_and(|id| !self.incomplete.contains(id))
        })
    }

    /// Converts every unit of the object, then of each split DWARF file.
    pub(crate) fn run(mut self, dwos: &'d [gimli::Dwarf<Reader<'a>>]) -> Result<TypeSet> {
        let mut headers = self.dwarf.units();
        while let Some(header) = headers.next()? {
            let unit = self.dwarf.unit(header)?;
            self.unit(&unit)?;
            if self.has_all_wanted() {
                break;
            }
        }
        for (i, dwo) in dwos.iter().enumerate() {
            if self.has_all_wanted() {
                break;
            }
            // Offsets in different files must not share memo entries.
            self.file = i + 1;
            self.dwarf = dwo;
            let mut headers = dwo.units();
            while let Some(header) = headers.next()? {
                let unit = dwo.unit(header)?;
                self.unit(&unit)?;
            }
        }
        let little_endian = self.b.target().little_endian;
        if let Some(signed) = self.char_signed {
            self.b.set_target_details(signed, little_endian);
        }
        self.b.complete_typedef_layouts();
        Ok(self.b.freeze())
    }

    fn unit(&mut self, unit: &Unit<'a>) -> Result<()> {
        let mut tree = unit.entries_tree(None)?;
        let root = tree.root()?;
        let mut children = root.children();
        while let Some(child) = children.next()? {
            let entry = child.entry();
            if let Some(wanted) = &self.wanted {
                let asked = self.asked_name(unit, entry)?;
                if asked.is_some_and(|n| wanted.contains(&n))
                    && self.complete_named(unit, entry)?.is_none()
                {
                    self.ty_of_entry(unit, entry, 0)?;
                }
                continue;
            }
            match self.declaration(unit, entry) {
                Err(Malformed::Skip(reason)) => {
                    let name = self.declared_name(unit, entry)?;
                    self.b.skip_declaration(name, reason);
                }
                other => other?,
            }
        }
        Ok(())
    }

    /// What `unit()` reads of one top-level entry.
    fn declaration(&mut self, unit: &Unit<'a>, entry: &Die<'a>) -> Result<()> {
        match entry.tag() {
            gimli::DW_TAG_subprogram => self.function(unit, entry)?,
            gimli::DW_TAG_variable => self.global(unit, entry)?,
            gimli::DW_TAG_structure_type
            | gimli::DW_TAG_class_type
            | gimli::DW_TAG_union_type
            | gimli::DW_TAG_enumeration_type
            | gimli::DW_TAG_typedef => {
                // Every unit that includes a header repeats its types: one
                // already complete is passed over without converting it again
                // (a later reference by offset still finds it by name). An
                // anonymous record is converted when something refers to it
                // (its typedef, a member, a function), never for itself:
                // nobody can ask for it by name. (Anonymous enums are read for
                // their constants, once: see `enumeration`.)
                let anonymous = entry.attr_value(gimli::DW_AT_name).is_none()
                    && entry.tag() != gimli::DW_TAG_enumeration_type;
                if !anonymous && self.complete_named(unit, entry)?.is_none() {
                    self.ty_of_entry(unit, entry, 0)?;
                }
            }
            gimli::DW_TAG_base_type => {
                self.ty_of_entry(unit, entry, 0)?;
            }
            _ => {}
        }
        Ok(())
    }

    /// The entry that attribute `at` of `entry` refers to within its unit
    /// (`DW_AT_specification`, `DW_AT_abstract_origin`), if it has one.
    fn referenced(unit: &Unit<'a>, entry: &Die<'a>, at: gimli::DwAt) -> Result<Option<Die<'a>>> {
        match entry.attr_value(at) {
            Some(AttributeValue::UnitRef(offset)) => Ok(Some(unit.entry(offset)?)),
            _ => Ok(None),
        }
    }

    /// A top-level entry's name as a user asks for it: `f`, `struct s`, `t`.
    fn declared_name(&self, unit: &Unit<'a>, entry: &Die<'a>) -> Result<String> {
        // A definition may name its declaration or abstract origin instead.
        let mut name = self.name(unit, entry)?;
        for at in [gimli::DW_AT_specification, gimli::DW_AT_abstract_origin] {
            if name.is_none() {
                if let Some(other) = Self::referenced(unit, entry, at)? {
                    name = self.name(unit, &other)?;
                }
            }
        }
        let name = name.unwrap_or_default();
        Ok(match entry.tag() {
            gimli::DW_TAG_structure_type | gimli::DW_TAG_class_type => format!("struct {name}"),
            gimli::DW_TAG_union_type => format!("union {name}"),
            gimli::DW_TAG_enumeration_type => format!("enum {name}"),
            _ => name,
        })
    }

    fn key(&self, unit: &Unit<'a>, offset: UnitOffset) -> usize {
        // The file index keeps offsets of different files apart.
        offset.to_unit_section_offset(unit).0 | (self.file << 48)
    }

    fn name(&self, unit: &Unit<'a>, entry: &Die<'a>) -> Result<Option<String>> {
        match entry.attr_value(gimli::DW_AT_name) {
            Some(value) => {
                let text = self.dwarf.attr_string(unit, value)?;
                Ok(Some(owned_text(&text.to_slice()?)))
            }
            None => Ok(None),
        }
    }

    /// The symbol an entry links to, when the producer names one other than its
    /// C name: `DW_AT_linkage_name` (gcc and clang write it for `__asm__`
    /// labels), or the older `DW_AT_MIPS_linkage_name`.
    fn linkage_name(&self, unit: &Unit<'a>, entry: &Die<'a>, name: &str) -> Result<Option<String>> {
        let value = entry
            .attr_value(gimli::DW_AT_linkage_name)
            .or_else(|| entry.attr_value(gimli::DW_AT_MIPS_linkage_name));
        let Some(value) = value else {
            return Ok(None);
        };
        let text = self.dwarf.attr_string(unit, value)?;
        let text = text.to_string_lossy()?;
        Ok((!text.is_empty() && text != name).then(|| text.into_owned()))
    }

    /// Where an entry was declared: `DW_AT_decl_file` through the unit's line
    /// program, and `DW_AT_decl_line`.
    fn location(&mut self, unit: &Unit<'a>, entry: &Die<'a>) -> Option<crate::SourceLocation> {
        let file_index = match entry.attr_value(gimli::DW_AT_decl_file)? {
            AttributeValue::FileIndex(i) => i,
            other => other.udata_value()?,
        };
        let line = Self::udata(entry, gimli::DW_AT_decl_line).unwrap_or(0);
        let unit_key = self.key(unit, UnitOffset(0));
        let file = match self.file_names.get(&(unit_key, file_index)) {
            Some(file) => file.clone(),
            None => {
                let path = self.file_path(unit, file_index)?;
                // One `Arc` per distinct path, whichever units name it.
                let file = match self.paths.get(path.as_str()) {
                    Some(file) => file.clone(),
                    None => {
                        let file: std::sync::Arc<str> = path.into();
                        self.paths.insert(file.clone());
                        file
                    }
                };
                self.file_names.insert((unit_key, file_index), file.clone());
                file
            }
        };
        Some(crate::SourceLocation {
            file,
            line: u32::try_from(line).unwrap_or(u32::MAX),
            column: Self::udata(entry, gimli::DW_AT_decl_column)
                .and_then(|c| u32::try_from(c).ok())
                .unwrap_or(0),
        })
    }

    /// The path of a file of the unit's line program, joined to its directory.
    fn file_path(&self, unit: &Unit<'a>, file_index: u64) -> Option<String> {
        let program = unit.line_program.as_ref()?;
        let header = program.header();
        let file = header.file(file_index)?;
        let name = self.dwarf.attr_string(unit, file.path_name()).ok()?;
        let name = owned_text(&name.to_slice().ok()?);
        if name.starts_with('/') {
            return Some(name);
        }
        let dir = file
            .directory(header)
            .and_then(|dir| self.dwarf.attr_string(unit, dir).ok())
            .and_then(|dir| dir.to_slice().ok().map(|d| owned_text(&d)));
        Some(match dir {
            Some(dir) => {
                let dir = dir.trim_end_matches('/');
                let mut path = String::with_capacity(dir.len() + 1 + name.len());
                path.push_str(dir);
                path.push('/');
                path.push_str(&name);
                path
            }
            None => name,
        })
    }

    fn flag(entry: &Die<'a>, at: gimli::DwAt) -> bool {
        matches!(entry.attr_value(at), Some(AttributeValue::Flag(true)))
    }

    fn udata(entry: &Die<'a>, at: gimli::DwAt) -> Option<u64> {
        entry.attr_value(at).and_then(|v| v.udata_value())
    }

    /// The type an entry's `DW_AT_type` names (void when it has none).
    fn type_of(&mut self, unit: &Unit<'a>, entry: &Die<'a>, depth: u32) -> Result<QualType> {
        match entry.attr_value(gimli::DW_AT_type) {
            Some(AttributeValue::UnitRef(offset)) => self.ty(unit, offset, depth + 1),
            Some(other) => Err(Malformed::Broken(
                format!(
                    "a type reference of an unsupported form ({other:?}) at {:#x}",
                    self.key(unit, entry.offset())
                ),
                None,
            )),
            None => Ok(QualType::new(self.b.intern(Type::Void, None))),
        }
    }

    /// The type at `offset`, converted once.
    fn ty(&mut self, unit: &Unit<'a>, offset: UnitOffset, depth: u32) -> Result<QualType> {
        let key = self.key(unit, offset);
        if let Some(q) = self.memoised(key, depth)? {
            return Ok(q);
        }
        let mut entry = self
            .spare
            .pop()
            .unwrap_or_else(gimli::DebuggingInformationEntry::null);
        let converted = read_at(unit, offset, &mut entry).and_then(|()| {
            match self.complete_named(unit, &entry)? {
                Some(id) => Ok(QualType::new(id)),
                None => self.entry_type(unit, &entry, key, depth),
            }
        });
        self.spare.push(entry);
        let q = converted?;
        self.memo.insert(key, q);
        Ok(q)
    }

    /// As [`ty`](Self::ty), for an entry already read (one of a unit's
    /// top-level entries), which is not read again, and whose name the caller
    /// has looked up with [`complete_named`](Self::complete_named) and found no
    /// complete type by.
    fn ty_of_entry(&mut self, unit: &Unit<'a>, entry: &Die<'a>, depth: u32) -> Result<QualType> {
        let key = self.key(unit, entry.offset());
        if let Some(q) = self.memoised(key, depth)? {
            return Ok(q);
        }
        let q = self.entry_type(unit, entry, key, depth)?;
        self.memo.insert(key, q);
        Ok(q)
    }

    /// The type already converted for the entry at `key`; an error when that
    /// type cannot be represented, or when `depth` is too deep to convert it.
    fn memoised(&self, key: usize, depth: u32) -> Result<Option<QualType>> {
        if let Some(&q) = self.memo.get(&key) {
            if let Some(reason) = self.unrepresentable.get(&q.id) {
                return Err(Malformed::Skip(reason.clone()));
            }
            return Ok(Some(q));
        }
        if depth > MAX_DEPTH {
            return Err(Malformed::Skip(format!(
                "at {key:#x}: {}",
                crate::limits::types_too_deep()
            )));
        }
        Ok(None)
    }

    /// The type of `entry` (at `key`), converted: no complete type by its name
    /// is known yet.
    fn entry_type(
        &mut self,
        unit: &Unit<'a>,
        entry: &Die<'a>,
        key: usize,
        depth: u32,
    ) -> Result<QualType> {
        Ok(match entry.tag() {
            gimli::DW_TAG_base_type => QualType::new(self.base(unit, entry)?),
            gimli::DW_TAG_pointer_type => {
                let pointee = self.type_of(unit, entry, depth)?;
                let size = u64::from(unit.encoding().address_size);
                QualType::new(self.nested(Type::Pointer(pointee), Some(Layout::new(size, size)))?)
            }
            gimli::DW_TAG_const_type => self.qualified(unit, entry, Quals::CONST, depth)?,
            gimli::DW_TAG_volatile_type => self.qualified(unit, entry, Quals::VOLATILE, depth)?,
            gimli::DW_TAG_restrict_type => self.qualified(unit, entry, Quals::RESTRICT, depth)?,
            gimli::DW_TAG_atomic_type => self.qualified(unit, entry, Quals::ATOMIC, depth)?,
            gimli::DW_TAG_typedef => QualType::new(self.typedef(unit, entry, depth)?),
            gimli::DW_TAG_structure_type | gimli::DW_TAG_union_type | gimli::DW_TAG_class_type => {
                QualType::new(self.record(unit, entry, depth)?)
            }
            gimli::DW_TAG_enumeration_type => QualType::new(self.enumeration(unit, entry, depth)?),
            gimli::DW_TAG_array_type => QualType::new(self.array(unit, entry, depth)?),
            gimli::DW_TAG_subroutine_type => {
                let sig = self.signature(unit, entry, depth)?;
                QualType::new(self.nested(Type::Function(sig), None)?)
            }
            gimli::DW_TAG_unspecified_type => QualType::new(self.b.intern(Type::Void, None)),
            gimli::DW_TAG_reference_type => {
                return Err(unrepresentable("a C++ reference (T&)", key));
            }
            gimli::DW_TAG_rvalue_reference_type => {
                return Err(unrepresentable("a C++ rvalue reference (T&&)", key));
            }
            gimli::DW_TAG_ptr_to_member_type => {
                return Err(unrepresentable("a C++ pointer to member (T C::*)", key));
            }
            other => {
                return Err(unrepresentable(&format!("a type of kind {other}"), key));
            }
        })
    }

    fn qualified(
        &mut self,
        unit: &Unit<'a>,
        entry: &Die<'a>,
        q: Quals,
        depth: u32,
    ) -> Result<QualType> {
        let inner = self.type_of(unit, entry, depth)?;
        Ok(QualType::with(inner.id, inner.quals | q))
    }

    /// Interns a pointer, array, vector or function type, unless it would nest
    /// past [`MAX_DEPTH`].
    fn nested(&mut self, ty: Type, layout: Option<Layout>) -> Result<TypeId> {
        self.b.check_nesting(&ty).map_err(Malformed::Skip)?;
        Ok(self.b.intern(ty, layout))
    }

    fn typedef(&mut self, unit: &Unit<'a>, entry: &Die<'a>, depth: u32) -> Result<TypeId> {
        let name = self.name(unit, entry)?.unwrap_or_default();
        if let Some(&id) = self.named.get(&name) {
            return Ok(id);
        }
        let target = self.type_of(unit, entry, depth)?;
        // Another unit may have added it while the target was converted.
        if let Some(&id) = self.named.get(&name) {
            return Ok(id);
        }
        self.b
            .check_typedef_nesting(target.id)
            .map_err(Malformed::Skip)?;
        let location = self.location(unit, entry);
        // `typedef … __attribute__((aligned(N)))` aligns the typedef, not its target
        // (`__pthread_unwind_buf_t`, `La_x86_64_ymm`); gcc and clang both state it.
        let layout = Self::udata(entry, gimli::DW_AT_alignment)
            .filter(|a| a.is_power_of_two())
            .and_then(|align| {
                let target = self.b.layout_of(target.id)?;
                Some(Layout::new(target.size, align))
            });
        let (_, id) = self.b.add_typedef(
            Typedef {
                name: name.clone(),
                target,
                location,
            },
            layout,
        );
        self.named.insert(name, id);
        Ok(id)
    }

    fn array(&mut self, unit: &Unit<'a>, entry: &Die<'a>, depth: u32) -> Result<TypeId> {
        let elem = self.type_of(unit, entry, depth)?;
        let vector = Self::flag(entry, gimli::DW_AT_GNU_vector);
        let mut lengths = Vec::new();
        let mut tree = unit.entries_tree(Some(entry.offset()))?;
        let root = tree.root()?;
        let mut children = root.children();
        while let Some(child) = children.next()? {
            let e = child.entry();
            if e.tag() != gimli::DW_TAG_subrange_type {
                continue;
            }
            let len = match (
                Self::udata(e, gimli::DW_AT_count),
                e.attr_value(gimli::DW_AT_upper_bound),
            ) {
                (Some(n), _) => Some(n),
                (None, Some(v)) => match v.sdata_value() {
                    // `int x[0]` has upper bound -1 in gcc's DWARF.
                    Some(-1) => Some(0),
                    _ => v.udata_value().map(|u| u.wrapping_add(1)),
                },
                (None, None) => None,
            };
            lengths.push(len);
        }
        if lengths.is_empty() {
            lengths.push(None);
        }
        if vector {
            // `__attribute__((vector_size(N)))`: aligned to its size.
            let len = lengths.first().copied().flatten().unwrap_or(0);
            let size = self
                .b_layout(elem.id)
                .map_or(0, |l| l.size)
                .saturating_mul(len);
            let layout = Layout::new(size, size.max(1));
            return self.nested(Type::Vector { elem: elem.id, len }, Some(layout));
        }
        // `int a[2][3]` is an array of 2 arrays of 3: build from the innermost.
        let mut current = elem;
        for len in lengths.into_iter().rev() {
            let layout = match (self.b_layout(current.id), len) {
                (Some(e), Some(n)) => e.size.checked_mul(n).map(|size| Layout::new(size, e.align)),
                _ => None,
            };
            current = QualType::new(self.nested(Type::Array { elem: current, len }, layout)?);
        }
        Ok(current.id)
    }
}

/// Reads the entry at `offset` of `unit` into `entry`.
fn read_at<'a>(unit: &Unit<'a>, offset: UnitOffset, entry: &mut Die<'a>) -> Result<()> {
    unit.entries_raw(Some(offset))?.read_entry(entry)?;
    if entry.is_null() {
        return Err(gimli::Error::NoEntryAtGivenOffset(offset.0 as u64).into());
    }
    Ok(())
}

/// Why a type entry (at `key`, its `.debug_info` offset) is left out: `what`
/// (a C++ reference) is no C type.
fn unrepresentable(what: &str, key: usize) -> Malformed {
    Malformed::Skip(format!(
        "its type is {what}, which C has not (the DWARF entry at {key:#x})"
    ))
}

/// A DWARF string as Rust's, invalid UTF-8 replaced (checked with `from_utf8`
/// first: `from_utf8_lossy` is slower on the valid names that are the rule).
fn owned_text(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(text) => text.to_owned(),
        Err(_) => String::from_utf8_lossy(bytes).into_owned(),
    }
}

/// What a named type entry's name is prefixed with in the converter's `named`
/// map (`struct stat`, a typedef's bare name); `None` for other entries.
fn name_prefix(tag: gimli::DwTag) -> Option<&'static str> {
    match tag {
        gimli::DW_TAG_structure_type | gimli::DW_TAG_class_type => Some("struct "),
        gimli::DW_TAG_union_type => Some("union "),
        gimli::DW_TAG_enumeration_type => Some("enum "),
        gimli::DW_TAG_typedef => Some(""),
        _ => None,
    }
}
