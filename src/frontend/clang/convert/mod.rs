//! Cursor walk: libclang's AST into a [`TypeBuilder`].
//!
//! One small function per kind of declaration and per kind of type; a memo table
//! keyed by clang's own type identity makes each distinct type cost one visit.
//! Records are declared before their fields are read, so self-reference works.

use rustc_hash::{FxHashMap, FxHashSet};

use clang_sys::*;

use super::sys::{ClangType, Cursor, TranslationUnit};
use super::{Definition, DefinitionKind};
use crate::error::{ErrorKind, Result};
use crate::limits::MAX_TYPE_DEPTH;
use crate::types::{
    CallConv, FloatKind, FnSig, FunctionDecl, Global, IntKind, Layout, Linkage, QualType, Quals,
    RecordId, Type, TypeBuilder, TypeId, Typedef,
};

mod defines;
mod enumeration;
mod record;

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
    /// Function bodies and initializers in the main file (see [`Definition`]).
    pub(crate) definitions: Vec<Definition>,
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
            definitions: Vec::new(),
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
            CXCursor_FunctionDecl => {
                self.defined(c, DefinitionKind::Body);
                self.function(c)
            }
            CXCursor_VarDecl => {
                self.defined(c, DefinitionKind::Initializer);
                self.global(c)
            }
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

    /// Records the function (`Body`) or variable (`Initializer`) declared at
    /// `c` as a definition when it is one and is in the main file (the
    /// sources given: `cdef` text), not in a header it includes.
    fn defined(&mut self, c: Cursor<'tu>, kind: DefinitionKind) {
        if !c.in_main_file() {
            return;
        }
        let is = match kind {
            DefinitionKind::Initializer => c.has_initializer() == Some(true),
            // The parse skips function bodies (`SkipFunctionBodies`), and
            // libclang then neither calls the function a definition nor
            // extends its extent over the body: the body is the `{` that
            // follows the declaration (after attributes or an asm label).
            DefinitionKind::Body => c.is_definition() || self.body_after(c),
        };
        if !is {
            return;
        }
        self.definitions.push(Definition {
            name: c.spelling(),
            kind,
            location: c.presumed_location(),
        });
    }

    /// Whether a body follows function declaration `c` (whose body the parse
    /// skipped): a `;` or `,` right after its extent says no at once (almost
    /// every prototype); otherwise clang's tokens after it decide, a short
    /// look first (tokenizing 4 KiB after each of a long cdef's thousands of
    /// prototypes cost more than the parse).
    fn body_after(&mut self, c: Cursor<'tu>) -> bool {
        let tu = self.tu;
        let Some(end) = c.extent_end() else {
            return false;
        };
        // clang_getFileContents is costly per call; ask once per file.
        let text: &'tu [u8] = self
            .file_texts
            .entry(end.file)
            .or_insert_with(|| tu.file_contents(end.file));
        let next = text
            .get(end.offset as usize..)
            .unwrap_or(&[])
            .iter()
            .find(|b| !b.is_ascii_whitespace());
        if matches!(next, Some(b';' | b',')) {
            return false;
        }
        [128, 4096]
            .into_iter()
            .find_map(|bytes| body_follows(&tu.tokens_after(&end, bytes, text.len())))
            .unwrap_or(false)
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
        let param_arrays = self.declared_arrays(ty, &arguments)?;
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
            param_arrays,
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

    fn canonical(&self, id: TypeId) -> TypeId {
        self.b.data().canonical(id)
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
        if let Some(ty) = scalar_type(t.kind()) {
            return Ok(self.scalar(ty, t));
        }
        Ok(match t.kind() {
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

    /// The array types the parameters of function type `ty` were declared as,
    /// where they were declared as arrays of known length ([`FunctionDecl::param_arrays`]).
    /// libclang gives a parameter's type as written (`uuid_t`, `int [static 8]`),
    /// not as adjusted, in libclang 14 as in 19: what [`Self::adjust_param`]
    /// turned into the pointer.
    fn declared_arrays(
        &mut self,
        ty: TypeId,
        arguments: &[Cursor<'tu>],
    ) -> Result<Vec<Option<QualType>>> {
        let params = match self.b.get(self.canonical(ty)) {
            Some(Type::Function(sig)) => sig.params.len(),
            _ => 0,
        };
        if arguments.len() != params {
            return Ok(Vec::new());
        }
        let mut arrays = Vec::with_capacity(params);
        for a in arguments {
            let declared = self.ty(a.ty())?;
            let known_length = matches!(
                self.b.get(self.canonical(declared.id)),
                Some(Type::Array { len: Some(1..), .. })
            );
            arrays.push(known_length.then_some(declared));
        }
        while arrays.last() == Some(&None) {
            arrays.pop();
        }
        Ok(arrays)
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
    ///
    /// Qualifiers of an array type qualify its elements (C11 6.7.3p9): with
    /// `typedef unsigned char uuid_t[16]`, `const uuid_t uu` is a `const
    /// unsigned char *`, as gcc has it, not an `unsigned char *const`.
    fn adjust_param(&mut self, q: QualType) -> QualType {
        let (pointee, quals) = match self.b.get(self.b.canonical(q.id)) {
            Some(Type::Array { elem, .. }) => {
                (QualType::with(elem.id, elem.quals | q.quals), Quals::NONE)
            }
            Some(Type::Function(_)) => (QualType::new(q.id), q.quals),
            _ => return q,
        };
        let size = u64::from(self.b.target().pointer_size);
        let pointer = self
            .b
            .intern(Type::Pointer(pointee), Some(Layout::new(size, size)));
        QualType::with(pointer, quals)
    }
}

/// The C scalar type of a libclang type kind (`None`: not a scalar).
fn scalar_type(kind: CXTypeKind) -> Option<Type> {
    Some(match kind {
        CXType_Void => Type::Void,
        CXType_Bool => Type::Bool,
        CXType_Char_S => Type::Int(IntKind::Char { signed: true }),
        CXType_Char_U => Type::Int(IntKind::Char { signed: false }),
        CXType_SChar => Type::Int(IntKind::SChar),
        CXType_UChar => Type::Int(IntKind::UChar),
        CXType_Short => Type::Int(IntKind::Short),
        CXType_UShort => Type::Int(IntKind::UShort),
        CXType_Int => Type::Int(IntKind::Int),
        CXType_UInt => Type::Int(IntKind::UInt),
        CXType_Long => Type::Int(IntKind::Long),
        CXType_ULong => Type::Int(IntKind::ULong),
        CXType_LongLong => Type::Int(IntKind::LongLong),
        CXType_ULongLong => Type::Int(IntKind::ULongLong),
        CXType_Int128 => Type::Int(IntKind::Int128),
        CXType_UInt128 => Type::Int(IntKind::UInt128),
        CXType_WChar => {
            let signed = true;
            Type::Int(IntKind::WChar { signed })
        }
        CXType_Char16 => Type::Int(IntKind::Char16),
        CXType_Char32 => Type::Int(IntKind::Char32),
        CXType_Float => Type::Float(FloatKind::Float),
        CXType_Double => Type::Float(FloatKind::Double),
        CXType_LongDouble => Type::Float(FloatKind::LongDouble),
        CXType_Float128 => Type::Float(FloatKind::Float128),
        CXType_Half | CXType_Float16 => Type::Float(FloatKind::Half),
        _ => return None,
    })
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

/// Whether `tokens` (what follows a function declaration's extent, which may
/// start with its own last token, a `)`) go on to a body: a `{` outside
/// parentheses before any `;`, `,` or `=`; `None` when they end before
/// either.
fn body_follows(tokens: &[super::sys::Token<'_>]) -> Option<bool> {
    let mut depth = 0usize;
    for t in tokens {
        if t.kind != CXToken_Punctuation {
            continue;
        }
        match &*t.text {
            "(" => depth += 1,
            ")" => depth = depth.saturating_sub(1),
            "{" if depth == 0 => return Some(true),
            ";" | "," | "=" | "}" if depth == 0 => return Some(false),
            _ => {}
        }
    }
    None
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
