//! Cursor walk: libclang's AST into a [`TypeBuilder`].
//!
//! One small function per kind of declaration and per kind of type; a memo table
//! keyed by clang's own type identity makes each distinct type cost one visit.
//! Records are declared before their fields are read, so self-reference works.

use rustc_hash::{FxHashMap, FxHashSet};

use clang_sys::*;

use super::sys::{ClangType, Cursor, TranslationUnit};
use crate::error::{ErrorKind, Result};
use crate::limits::MAX_TYPE_DEPTH;
use crate::types::{
    CallConv, ConstOrigin, ConstValue, Constant, Enum, Field, FloatKind, FnSig, FunctionDecl,
    Global, IntKind, Layout, Linkage, QualType, Quals, RecordDef, RecordId, RecordKind, Type,
    TypeBuilder, TypeId, Typedef,
};

/// Records with more fields than this have their field offsets derived and
/// checked ([`Converter::derived_offsets`]) rather than asked of clang one by one:
/// `clang_Cursor_getOffsetOfField` validates every field of the parent record on
/// each call, which makes asking for each field quadratic (2.2 s for 20,000).
const PER_FIELD_OFFSET_QUERIES: usize = 64;

#[derive(Clone, Copy, PartialEq)]
enum RecordState {
    Declared,
    Defining,
    Defined,
}

/// A macro definition to evaluate after the walk: name, tokens of its body, location.
pub(crate) struct MacroDef<'a> {
    pub(crate) name: String,
    pub(crate) params: Option<Vec<String>>,
    pub(crate) body: Vec<super::sys::Token<'a>>,
    pub(crate) builtin: bool,
    pub(crate) location: Option<crate::SourceLocation>,
    /// The definition's place among the preprocessing events, to order `#undef`s.
    pub(crate) seq: Option<usize>,
    /// Where a later `#undef` removed it, if one did.
    pub(crate) undefined_at: Option<crate::SourceLocation>,
}

pub(crate) struct Converter<'tu> {
    pub(crate) b: TypeBuilder,
    tu: &'tu TranslationUnit<'tu>,
    types: FxHashMap<(i32, usize, usize), QualType>,
    records: FxHashMap<usize, (RecordId, TypeId, RecordState)>,
    enums: FxHashMap<usize, (crate::types::EnumId, TypeId, bool)>,
    typedefs: FxHashMap<usize, TypeId>,
    functions: FxHashSet<String>,
    globals: FxHashSet<String>,
    pub(crate) macros: Vec<MacroDef<'tu>>,
    predefined: FxHashMap<String, Cursor<'tu>>,
    file_names: FxHashMap<super::sys::FileHandle, std::sync::Arc<str>>,
    file_texts: FxHashMap<super::sys::FileHandle, &'tu [u8]>,
    /// Macro definitions and `#include`s in the order the preprocessor met them.
    events: Vec<(super::sys::FileHandle, u32)>,
    /// How many conversions of types inside types are under way: the nesting of
    /// the type being converted, bounded by [`MAX_TYPE_DEPTH`].
    depth: u32,
}

impl<'tu> Converter<'tu> {
    pub(crate) fn new(b: TypeBuilder, tu: &'tu TranslationUnit<'tu>) -> Converter<'tu> {
        Converter {
            b,
            tu,
            types: FxHashMap::default(),
            records: FxHashMap::default(),
            enums: FxHashMap::default(),
            typedefs: FxHashMap::default(),
            functions: FxHashSet::default(),
            globals: FxHashSet::default(),
            macros: Vec::new(),
            predefined: FxHashMap::default(),
            file_names: FxHashMap::default(),
            file_texts: FxHashMap::default(),
            events: Vec::new(),
            depth: 0,
        }
    }

    /// Walks every top-level declaration. A declaration whose type wyvern cannot
    /// represent is skipped; it never fails the whole parse.
    pub(crate) fn walk(&mut self, root: Cursor<'tu>) {
        root.visit(|c| {
            if let Err(e) = self.declaration(c) {
                let name = match c.kind() {
                    CXCursor_StructDecl => format!("struct {}", c.spelling()),
                    CXCursor_UnionDecl => format!("union {}", c.spelling()),
                    CXCursor_EnumDecl => format!("enum {}", c.spelling()),
                    _ => c.spelling(),
                };
                self.b.skip_declaration(name, e.to_string());
            }
        });
    }

    fn declaration(&mut self, c: Cursor<'tu>) -> Result<()> {
        match c.kind() {
            CXCursor_StructDecl | CXCursor_UnionDecl => self.record(c).map(drop),
            CXCursor_EnumDecl => self.enum_decl(c).map(drop),
            CXCursor_TypedefDecl => self.typedef_decl(c).map(drop),
            CXCursor_FunctionDecl => self.function(c),
            CXCursor_VarDecl => self.global(c),
            CXCursor_MacroDefinition => {
                self.macro_def(c);
                Ok(())
            }
            CXCursor_InclusionDirective => {
                if let Some((file, _, _, offset)) = c.start() {
                    self.events.push((file, offset));
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }

    fn function(&mut self, c: Cursor<'tu>) -> Result<()> {
        let name = c.spelling();
        if self.functions.contains(&name) {
            // A label may come on a later declaration (before any use, as C allows).
            if let Some(label) = c.asm_label() {
                self.b.set_function_label(&name, label);
            }
            return Ok(());
        }
        let arguments = c.arguments();
        let ty = self.declared_function_type(c.ty(), &arguments)?;
        let param_names = arguments
            .iter()
            .map(|a| Some(a.spelling()).filter(|s| !s.is_empty()))
            .collect();
        self.functions.insert(name.clone());
        let asm_label = c.asm_label().filter(|label| *label != name);
        self.b.add_function(FunctionDecl {
            name,
            asm_label,
            ty,
            param_names,
            linkage: if c.is_static() {
                Linkage::Internal
            } else {
                Linkage::External
            },
            inline: c.is_inline(),
            location: location(&mut self.file_names, c),
        });
        Ok(())
    }

    fn global(&mut self, c: Cursor<'tu>) -> Result<()> {
        let name = c.spelling();
        // A `static` variable in a header has no symbol to reach.
        if c.is_static() {
            return Ok(());
        }
        if self.globals.contains(&name) {
            if let Some(label) = c.asm_label() {
                self.b.set_global_label(&name, label);
            }
            return Ok(());
        }
        let ty = self.ty(c.ty())?;
        self.globals.insert(name.clone());
        let asm_label = c.asm_label().filter(|label| *label != name);
        self.b.add_global(Global {
            name,
            asm_label,
            ty,
            location: location(&mut self.file_names, c),
        });
        Ok(())
    }

    fn typedef_decl(&mut self, c: Cursor<'tu>) -> Result<TypeId> {
        let key = c.key();
        if let Some(&id) = self.typedefs.get(&key) {
            return Ok(id);
        }
        let target = self.ty(c.typedef_underlying())?;
        if let Some(&id) = self.typedefs.get(&key) {
            return Ok(id);
        }
        // The builder's one error is nesting past the limit.
        self.b
            .check_typedef_nesting(target.id)
            .map_err(|_| ErrorKind::TooDeep)?;
        let layout = c.ty().size_align().map(|(s, a)| Layout::new(s, a));
        let (_, id) = self.b.add_typedef(
            Typedef {
                name: c.spelling(),
                target,
                location: location(&mut self.file_names, c),
            },
            layout,
        );
        self.typedefs.insert(key, id);
        Ok(id)
    }

    fn enum_decl(&mut self, c: Cursor<'tu>) -> Result<TypeId> {
        let key = c.key();
        if let Some(&(id, ty, complete)) = self.enums.get(&key) {
            if complete {
                return Ok(ty);
            }
            if let Some(def) = c.definition() {
                let body = self.enum_body(def)?;
                self.b.update_enum(id, body);
                self.enums.insert(key, (id, ty, true));
            }
            return Ok(ty);
        }
        let body = match c.definition() {
            Some(def) => self.enum_body(def)?,
            None => Enum {
                tag: self.tag_of(c),
                underlying: self.ty(c.enum_integer_type())?.id,
                constants: Vec::new(),
                complete: false,
                location: location(&mut self.file_names, c),
            },
        };
        let complete = body.complete;
        let layout = c.ty().size_align().map(|(s, a)| Layout::new(s, a));
        let (id, ty) = self.b.add_enum(body, layout);
        self.enums.insert(key, (id, ty, complete));
        if complete {
            self.enum_constants(c.definition().unwrap_or(c))?;
        }
        Ok(ty)
    }

    fn enum_body(&mut self, def: Cursor<'tu>) -> Result<Enum> {
        let (underlying, unsigned) = self.enum_underlying(def)?;
        let constants = def
            .children()
            .into_iter()
            .filter(|k| k.kind() == CXCursor_EnumConstantDecl)
            .map(|k| (k.spelling(), k.enum_value(unsigned)))
            .collect();
        Ok(Enum {
            tag: self.tag_of(def),
            underlying,
            constants,
            complete: true,
            location: location(&mut self.file_names, def),
        })
    }

    /// Enumerators are constants too, typed as C17 (and gcc) types them: `int` when
    /// the value fits, else the enum's underlying type. (libclang 18+ applies C23's
    /// rule, which gives every enumerator the enum's type; that is not what the
    /// compilers of these headers do.)
    fn enum_constants(&mut self, def: Cursor<'tu>) -> Result<()> {
        let (underlying, unsigned) = self.enum_underlying(def)?;
        let int = self
            .b
            .intern(Type::Int(IntKind::Int), Some(Layout::new(4, 4)));
        for k in def.children() {
            if k.kind() != CXCursor_EnumConstantDecl {
                continue;
            }
            let value = k.enum_value(unsigned);
            let ty = if i32::try_from(value).is_ok() {
                int
            } else {
                self.canonical(underlying)
            };
            self.b.add_constant(Constant {
                name: k.spelling(),
                ty: ty.into(),
                value: ConstValue::Int(value),
                origin: ConstOrigin::Enum,
                location: location(&mut self.file_names, k),
            });
        }
        Ok(())
    }

    fn canonical(&self, id: TypeId) -> TypeId {
        self.b.data().canonical(id)
    }

    /// An enum's underlying integer type, and whether it is unsigned (which decides
    /// how libclang's enumerator values are read).
    fn enum_underlying(&mut self, def: Cursor<'tu>) -> Result<(TypeId, bool)> {
        let underlying = self.ty(def.enum_integer_type())?.id;
        let unsigned =
            matches!(self.b.get(self.canonical(underlying)), Some(Type::Int(k)) if !k.is_signed());
        Ok((underlying, unsigned))
    }

    /// Declares (and, when its definition is visible, defines) a struct or union.
    fn record(&mut self, c: Cursor<'tu>) -> Result<TypeId> {
        let key = c.key();
        let (record, ty, state) = match self.records.get(&key) {
            Some(&entry) => entry,
            None => {
                let kind = if c.kind() == CXCursor_UnionDecl {
                    RecordKind::Union
                } else {
                    RecordKind::Struct
                };
                let tag = self.tag_of(c);
                let loc = location(&mut self.file_names, c);
                let (record, ty) = self.b.declare_record(kind, tag, loc);
                self.records
                    .insert(key, (record, ty, RecordState::Declared));
                (record, ty, RecordState::Declared)
            }
        };
        if state == RecordState::Declared {
            if let Some(def) = c.definition() {
                self.records
                    .insert(key, (record, ty, RecordState::Defining));
                let result = self.define_record(record, def);
                let state = if result.is_ok() {
                    RecordState::Defined
                } else {
                    RecordState::Declared
                };
                self.records.insert(key, (record, ty, state));
                result?;
            }
        }
        Ok(ty)
    }

    fn define_record(&mut self, record: RecordId, def: Cursor<'tu>) -> Result<()> {
        let Some((size, align)) = def.ty().size_align() else {
            return Ok(());
        };
        // Nested definitions are declared at file scope in C: register them first.
        let mut packed = false;
        for child in def.children() {
            match child.kind() {
                CXCursor_StructDecl | CXCursor_UnionDecl => {
                    self.record(child)?;
                }
                CXCursor_EnumDecl => {
                    self.enum_decl(child)?;
                }
                CXCursor_PackedAttr => packed = true,
                _ => {}
            }
        }
        let cursors = def.ty().fields();
        let types = cursors
            .iter()
            .map(|field| self.ty(field.ty()))
            .collect::<Result<Vec<_>>>()?;
        let layout = Layout::new(size, align);
        let union = def.kind() == CXCursor_UnionDecl;
        let offsets = (cursors.len() > PER_FIELD_OFFSET_QUERIES && !packed)
            .then(|| self.derived_offsets(&cursors, &types, union, layout))
            .flatten()
            .unwrap_or_else(|| {
                cursors
                    .iter()
                    .map(|f| f.field_offset_bits().unwrap_or(0))
                    .collect()
            });
        let mut fields = Vec::new();
        for ((field, ty), offset_bits) in cursors.into_iter().zip(types).zip(offsets) {
            let bit_width = if field.is_bitfield() {
                field.bit_width()
            } else {
                None
            };
            let name = field.spelling();
            let name = (!name.is_empty() && !is_anonymous_spelling(&name)).then_some(name);
            if bit_width.is_none() {
                if let Some(l) = self.b.data().layout_of(ty.id) {
                    packed |= l.align > 1 && offset_bits % (l.align * 8) != 0;
                }
            }
            fields.push(Field {
                name,
                ty,
                offset_bits,
                bit_width,
            });
        }
        self.b
            .check_record_nesting(record, &fields)
            .map_err(|_| ErrorKind::TooDeep)?;
        if let Some(r) = self.b.record(record) {
            if r.location.is_none() || def.is_definition() {
                let loc = location(&mut self.file_names, def);
                self.b.set_record_location(record, loc);
            }
        }
        self.b.define_record(
            record,
            RecordDef {
                layout,
                fields,
                packed,
            },
        );
        Ok(())
    }

    /// The bit offsets of a large record's fields, laid out from their types'
    /// sizes and alignments (which clang gave) the way every C ABI lays out plain
    /// fields, and checked against clang: the record's size and alignment, and the
    /// offsets clang gives for eight fields spread over the record, the last among
    /// them. `None` (ask clang for each field) when a field is a bitfield, carries
    /// an attribute or has no layout, or when a check fails — as it does under
    /// `#pragma pack`, which lowers the record's alignment. (A flexible array
    /// member has a layout of size 0 and its element's alignment, which is where
    /// the ABIs place it.)
    fn derived_offsets(
        &self,
        cursors: &[Cursor<'tu>],
        types: &[QualType],
        union: bool,
        layout: Layout,
    ) -> Option<Vec<u64>> {
        let mut offsets = Vec::with_capacity(cursors.len());
        let (mut end, mut align) = (0u64, 1u64);
        for (field, ty) in cursors.iter().zip(types) {
            if field.is_bitfield() || field.has_attributes() {
                return None;
            }
            let field_layout = self.b.data().layout_of(ty.id)?;
            let field_align = field_layout.align.max(1);
            let offset = if union {
                0
            } else {
                end.checked_next_multiple_of(field_align)?
            };
            offsets.push(offset.checked_mul(8)?);
            end = end.max(offset.checked_add(field_layout.size)?);
            align = align.max(field_align);
        }
        if (end.checked_next_multiple_of(align)?, align) != (layout.size, layout.align) {
            return None;
        }
        let last = cursors.len().checked_sub(1)?;
        (0..8)
            .map(|k| k * last / 7)
            .all(|i| cursors[i].field_offset_bits() == Some(offsets[i]))
            .then_some(offsets)
    }

    /// The wyvern type of a clang type, memoised on clang's type identity.
    pub(crate) fn ty(&mut self, t: ClangType<'tu>) -> Result<QualType> {
        let key = t.key();
        if let Some(&q) = self.types.get(&key) {
            return Ok(q);
        }
        let mut quals = Quals::NONE;
        if t.is_const() {
            quals |= Quals::CONST;
        }
        if t.is_volatile() {
            quals |= Quals::VOLATILE;
        }
        if t.is_restrict() {
            quals |= Quals::RESTRICT;
        }
        // Not `unsupported`: spelling a type this deep would recurse in libclang.
        if self.depth >= MAX_TYPE_DEPTH {
            return Err(ErrorKind::TooDeep.into());
        }
        self.depth += 1;
        let inner = self.unqualified(t);
        self.depth -= 1;
        let inner = inner?;
        let q = QualType::with(inner.id, inner.quals | quals);
        self.types.insert(key, q);
        Ok(q)
    }

    fn layout(t: ClangType<'_>) -> Option<Layout> {
        t.size_align().map(|(s, a)| Layout::new(s, a))
    }

    fn scalar(&mut self, ty: Type, t: ClangType<'tu>) -> QualType {
        let layout = Self::layout(t);
        self.b.intern(ty, layout).into()
    }

    fn unqualified(&mut self, t: ClangType<'tu>) -> Result<QualType> {
        Ok(match t.kind() {
            CXType_Void => self.scalar(Type::Void, t),
            CXType_Bool => self.scalar(Type::Bool, t),
            CXType_Char_S => self.scalar(Type::Int(IntKind::Char { signed: true }), t),
            CXType_Char_U => self.scalar(Type::Int(IntKind::Char { signed: false }), t),
            CXType_SChar => self.scalar(Type::Int(IntKind::SChar), t),
            CXType_UChar => self.scalar(Type::Int(IntKind::UChar), t),
            CXType_Short => self.scalar(Type::Int(IntKind::Short), t),
            CXType_UShort => self.scalar(Type::Int(IntKind::UShort), t),
            CXType_Int => self.scalar(Type::Int(IntKind::Int), t),
            CXType_UInt => self.scalar(Type::Int(IntKind::UInt), t),
            CXType_Long => self.scalar(Type::Int(IntKind::Long), t),
            CXType_ULong => self.scalar(Type::Int(IntKind::ULong), t),
            CXType_LongLong => self.scalar(Type::Int(IntKind::LongLong), t),
            CXType_ULongLong => self.scalar(Type::Int(IntKind::ULongLong), t),
            CXType_Int128 => self.scalar(Type::Int(IntKind::Int128), t),
            CXType_UInt128 => self.scalar(Type::Int(IntKind::UInt128), t),
            CXType_WChar => {
                let signed = true;
                self.scalar(Type::Int(IntKind::WChar { signed }), t)
            }
            CXType_Char16 => self.scalar(Type::Int(IntKind::Char16), t),
            CXType_Char32 => self.scalar(Type::Int(IntKind::Char32), t),
            CXType_Float => self.scalar(Type::Float(FloatKind::Float), t),
            CXType_Double => self.scalar(Type::Float(FloatKind::Double), t),
            CXType_LongDouble => self.scalar(Type::Float(FloatKind::LongDouble), t),
            CXType_Float128 => self.scalar(Type::Float(FloatKind::Float128), t),
            CXType_Half | CXType_Float16 => self.scalar(Type::Float(FloatKind::Half), t),
            CXType_Complex => {
                let elem = self.ty(t.element())?;
                match self.b.get(elem.id) {
                    Some(Type::Float(k)) => {
                        let k = *k;
                        self.scalar(Type::Complex(k), t)
                    }
                    _ => return Err(unsupported(t, "a complex integer type")),
                }
            }
            CXType_Pointer | CXType_BlockPointer => {
                let pointee = self.ty(t.pointee())?;
                self.nested(Type::Pointer(pointee), Self::layout(t))?
            }
            CXType_ConstantArray => {
                let elem = self.ty(t.array_element())?;
                let ty = Type::Array {
                    elem,
                    len: t.array_len(),
                };
                self.nested(ty, Self::layout(t))?
            }
            CXType_IncompleteArray | CXType_VariableArray | CXType_DependentSizedArray => {
                let elem = self.ty(t.array_element())?;
                // An incomplete array has no size of its own; as a flexible member it takes none.
                let ty = Type::Array { elem, len: None };
                let layout = self
                    .b
                    .data()
                    .layout_of(elem.id)
                    .map(|l| Layout::new(0, l.align));
                self.nested(ty, layout)?
            }
            CXType_Vector | CXType_ExtVector => {
                let elem = self.ty(t.element())?;
                let ty = Type::Vector {
                    elem: elem.id,
                    len: t.vector_len().unwrap_or(0),
                };
                self.nested(ty, Self::layout(t))?
            }
            CXType_Record => self.record(t.declaration())?.into(),
            CXType_Enum => self.enum_decl(t.declaration())?.into(),
            CXType_Typedef => self.typedef_decl(t.declaration())?.into(),
            CXType_Elaborated => self.ty(t.named())?,
            CXType_Attributed => self.ty(t.modified())?,
            CXType_Atomic => match t.atomic_value() {
                Some(v) => {
                    let q = self.ty(v)?;
                    QualType::with(q.id, q.quals | Quals::ATOMIC)
                }
                None => return Err(unsupported(t, "_Atomic (with this libclang)")),
            },
            CXType_FunctionProto | CXType_FunctionNoProto => self.function_type(t)?,
            _ => {
                let canonical = t.canonical();
                if canonical.key() != t.key() && canonical.kind() != CXType_Unexposed {
                    self.ty(canonical)?
                } else {
                    return Err(unsupported(t, "this kind of type"));
                }
            }
        })
    }

    /// A function declaration's type, its parameters typed as their declarations
    /// write them. The declaration's own type can lose qualifiers: libclang 14
    /// gives `fprintf` the type of clang's builtin, with no `restrict`, where
    /// libclang 16+ keeps the header's.
    fn declared_function_type(
        &mut self,
        t: ClangType<'tu>,
        arguments: &[Cursor<'tu>],
    ) -> Result<TypeId> {
        if t.kind() != CXType_FunctionProto || arguments.len() != t.args().len() {
            return Ok(self.ty(t)?.id);
        }
        let params = arguments.iter().map(|a| a.ty()).collect();
        Ok(self.function_type_of(t, params)?.id)
    }

    fn function_type(&mut self, t: ClangType<'tu>) -> Result<QualType> {
        self.function_type_of(t, t.args())
    }

    fn function_type_of(
        &mut self,
        t: ClangType<'tu>,
        params: Vec<ClangType<'tu>>,
    ) -> Result<QualType> {
        let prototyped = t.kind() == CXType_FunctionProto;
        let ret = self.ty(t.result())?;
        let params = params
            .into_iter()
            .map(|a| self.ty(a).map(|q| self.adjust_param(q)))
            .collect::<Result<Vec<_>>>()?;
        let sig = FnSig {
            ret,
            params,
            variadic: prototyped && t.is_variadic(),
            prototyped,
            conv: calling_conv(t.calling_conv()),
        };
        self.nested(Type::Function(sig), None)
    }

    /// Interns a pointer, array, vector or function type, unless it would nest
    /// past [`MAX_TYPE_DEPTH`] (then the declaration that needs it is left out).
    fn nested(&mut self, ty: Type, layout: Option<Layout>) -> Result<QualType> {
        self.b.check_nesting(&ty).map_err(|_| ErrorKind::TooDeep)?;
        Ok(self.b.intern(ty, layout).into())
    }

    /// A parameter declared as an array is a pointer to its element, one declared
    /// as a function a pointer to it (C11 6.7.6.3p7-8): `void f(char buf[10])`
    /// takes a `char *`. libclang reports such parameters as written.
    fn adjust_param(&mut self, q: QualType) -> QualType {
        let pointee = match self.b.get(self.b.canonical(q.id)) {
            Some(Type::Array { elem, .. }) => *elem,
            Some(Type::Function(_)) => QualType::new(q.id),
            _ => return q,
        };
        let size = u64::from(self.b.target().pointer_size);
        let pointer = self
            .b
            .intern(Type::Pointer(pointee), Some(Layout::new(size, size)));
        QualType::with(pointer, q.quals)
    }

    fn macro_def(&mut self, c: Cursor<'tu>) {
        let Some((file, line, column, start)) = c.start() else {
            // Predefined macros live in no file: tokenized only if a constant uses them.
            self.predefined.insert(c.spelling(), c);
            return;
        };
        let tu = self.tu;
        // clang_getFileContents is costly per call; ask once per file.
        let text: &'tu [u8] = self
            .file_texts
            .entry(file)
            .or_insert_with(|| tu.file_contents(file));
        // A definition runs to the end of its logical line.
        let rest = text.get(start as usize..).unwrap_or(&[]);
        let mut tokens = super::lex::tokens(super::lex::logical_line(rest));
        if tokens.is_empty() {
            return;
        }
        let name = tokens.remove(0).text.into_owned();
        let params = c.is_macro_function_like().then(|| take_params(&mut tokens));
        let file_name = self
            .file_names
            .entry(file)
            .or_insert_with(|| file.name().into())
            .clone();
        self.events.push((file, start));
        self.macros.push(MacroDef {
            name,
            params,
            body: tokens,
            builtin: false,
            location: Some(crate::SourceLocation {
                file: file_name,
                line,
                column,
            }),
            seq: Some(self.events.len()),
            undefined_at: None,
        });
    }

    /// Tokenizes the predefined macros that the file macros use, transitively,
    /// plus those that describe the target's data model.
    pub(crate) fn resolve_predefined(&mut self, always: &[&str]) {
        let mut wanted: Vec<String> = always.iter().map(|s| (*s).to_owned()).collect();
        for m in &self.macros {
            wanted.extend(
                m.body
                    .iter()
                    .filter(|t| t.kind == CXToken_Identifier)
                    .map(|t| t.text.to_string()),
            );
        }
        while let Some(name) = wanted.pop() {
            let Some(c) = self.predefined.remove(&name) else {
                continue;
            };
            let mut tokens = self.tu.tokens(c);
            if tokens.first().is_some_and(|t| t.text == name) {
                tokens.remove(0);
            }
            let params = c.is_macro_function_like().then(|| take_params(&mut tokens));
            wanted.extend(
                tokens
                    .iter()
                    .filter(|t| t.kind == CXToken_Identifier)
                    .map(|t| t.text.to_string()),
            );
            self.macros.push(MacroDef {
                name,
                params,
                body: tokens,
                builtin: true,
                location: None,
                seq: None,
                undefined_at: None,
            });
        }
    }

    /// The tag of a record or enum declaration, `None` when anonymous.
    ///
    /// libclang 16+ spells an anonymous record that a typedef names with the typedef's
    /// name and no longer calls it anonymous, and neither the spelling nor the source
    /// text can tell the two apart on every version: inside a macro expansion
    /// (X-macros, token pasting, glibc's `__SOCKADDR_ALLTYPES`) the text at the
    /// spelling location is the macro's parameter. The USR can, on every version:
    /// clang writes a tag as `@S@name` (`@U@`, `@E@`), an anonymous record named by a
    /// typedef as `@SA@name`, and other anonymous ones as `@Sa` or by location.
    fn tag_of(&mut self, c: Cursor<'tu>) -> Option<String> {
        if c.is_anonymous() {
            return None;
        }
        let name = c.spelling();
        if name.is_empty() || is_anonymous_spelling(&name) {
            return None;
        }
        usr_names_tag(&c.usr(), &name).then_some(name)
    }

    /// Marks macros that an `#undef` removed by the end of the input.
    ///
    /// libclang's preprocessing record has no cursor for `#undef`, so the directives
    /// are found in the file buffers. An `#undef` happens just before the next
    /// definition or `#include` of its own file (or after everything, when none follows).
    pub(crate) fn apply_undefs(&mut self) {
        let mut by_file: FxHashMap<super::sys::FileHandle, Vec<(u32, usize)>> =
            FxHashMap::default();
        for (seq, &(file, offset)) in self.events.iter().enumerate() {
            by_file.entry(file).or_default().push((offset, seq));
        }
        let mut last_def: FxHashMap<&str, (usize, usize)> = FxHashMap::default();
        for (i, m) in self.macros.iter().enumerate() {
            if let Some(seq) = m.seq {
                last_def.insert(m.name.as_str(), (i, seq));
            }
        }
        let mut removed: Vec<(usize, crate::SourceLocation)> = Vec::new();
        for (&file, &text) in &self.file_texts {
            let events = by_file.get(&file).map(Vec::as_slice).unwrap_or(&[]);
            for (offset, name, line) in super::lex::undef_directives(text) {
                let Some(&(index, def_seq)) = last_def.get(name) else {
                    continue;
                };
                let undef_before = events
                    .iter()
                    .find(|(o, _)| *o > offset)
                    .map(|&(_, seq)| seq);
                if undef_before.is_none_or(|next| def_seq < next) {
                    let file_name = self
                        .file_names
                        .entry(file)
                        .or_insert_with(|| file.name().into())
                        .clone();
                    let at = crate::SourceLocation {
                        file: file_name,
                        line,
                        column: 1,
                    };
                    removed.push((index, at));
                }
            }
        }
        for (i, at) in removed {
            self.macros[i].undefined_at = Some(at);
        }
    }

    /// Whether a predefined macro of this name exists (tokenized or not).
    pub(crate) fn has_predefined(&self, name: &str) -> bool {
        self.predefined.contains_key(name)
            || self.macros.iter().any(|m| m.builtin && m.name == name)
    }
}

/// Splits `( a , b )` off the front of a function-like macro's tokens.
fn take_params(tokens: &mut Vec<super::sys::Token<'_>>) -> Vec<String> {
    let mut params = Vec::new();
    let mut end = 0;
    for (i, t) in tokens.iter().enumerate().skip(1) {
        match t.text.as_ref() {
            ")" => {
                end = i + 1;
                break;
            }
            "," => {}
            p => params.push(p.to_owned()),
        }
    }
    tokens.drain(..end.min(tokens.len()));
    params
}

/// Where a cursor is, with file names cached per file (each costs a string from libclang).
fn location(
    names: &mut FxHashMap<super::sys::FileHandle, std::sync::Arc<str>>,
    c: Cursor<'_>,
) -> Option<crate::SourceLocation> {
    let (file, line, column, _) = c.start()?;
    let name = names.entry(file).or_insert_with(|| file.name().into());
    // The main file holds the cdef text behind `#line` directives.
    if &**name == super::MAIN_FILE {
        return c.presumed_location();
    }
    Some(crate::SourceLocation {
        file: name.clone(),
        line,
        column,
    })
}

/// Whether a record or enum's USR gives it `name` as its tag: it ends in
/// `@S@name`, `@U@name` or `@E@name` (not `@SA@name`, a typedef's name for an
/// anonymous one).
fn usr_names_tag(usr: &str, name: &str) -> bool {
    usr.strip_suffix(name)
        .and_then(|head| head.strip_suffix('@'))
        .is_some_and(|head| ["@S", "@U", "@E"].iter().any(|kind| head.ends_with(kind)))
}

/// libclang 13+ spells anonymous records `struct (unnamed at f.h:3:5)` / `(anonymous …)`.
fn is_anonymous_spelling(name: &str) -> bool {
    name.contains("(unnamed") || name.contains("(anonymous")
}

fn calling_conv(raw: CXCallingConv) -> CallConv {
    match raw {
        CXCallingConv_Default | CXCallingConv_C => CallConv::C,
        CXCallingConv_X86_64SysV => CallConv::SysV,
        CXCallingConv_X86_64Win64 => CallConv::Win64,
        CXCallingConv_X86StdCall => CallConv::StdCall,
        CXCallingConv_X86FastCall => CallConv::FastCall,
        CXCallingConv_X86ThisCall => CallConv::ThisCall,
        CXCallingConv_X86VectorCall => CallConv::VectorCall,
        CXCallingConv_AAPCS => CallConv::Aapcs,
        CXCallingConv_AAPCS_VFP => CallConv::AapcsVfp,
        CXCallingConv_X86RegCall => CallConv::RegCall,
        other => CallConv::Unknown(other as u32),
    }
}

fn unsupported(t: ClangType<'_>, what: &str) -> crate::Error {
    ErrorKind::Unrepresentable {
        ty: t.spelling(),
        what: what.to_owned(),
    }
    .into()
}
