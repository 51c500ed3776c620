//! A thin safe layer over clang-sys: index, translation unit, cursors, types, tokens.
//!
//! Only what the front end reads is wrapped. Every handle borrows the translation
//! unit it came from, so nothing outlives `clang_disposeTranslationUnit`.

use std::ffi::{c_void, CStr, CString};
use std::marker::PhantomData;
use std::os::raw::{c_char, c_uint};
use std::ptr;

use api::*;

use crate::error::{Diagnostic, Severity};
use crate::SourceLocation;

pub(crate) mod api;
mod ty;

/// Turns a `CXString` into a `String`, disposing it.
fn take_string(s: CXString) -> String {
    // SAFETY: `s` came from libclang; clang_getCString returns NUL-terminated data (or
    // null) valid until clang_disposeString, which we call after copying.
    unsafe {
        let ptr = clang_getCString(s);
        let text = if ptr.is_null() {
            String::new()
        } else {
            CStr::from_ptr(ptr).to_string_lossy().into_owned()
        };
        clang_disposeString(s);
        text
    }
}

/// An index: owns translation units' shared state.
pub(crate) struct Index {
    raw: CXIndex,
}

impl Index {
    /// Creates an index. libclang must be loaded on this thread.
    pub(crate) fn new() -> Index {
        // SAFETY: plain constructor; diagnostics are not printed (we collect them).
        let raw = unsafe { clang_createIndex(0, 0) };
        Index { raw }
    }

    /// Parses `main_name` (backed by `main_text` in memory) with `args`.
    pub(crate) fn parse(
        &self,
        main_name: &str,
        main_text: &str,
        args: &[String],
        options: CXTranslationUnit_Flags,
    ) -> Result<TranslationUnit<'_>, String> {
        let name = CString::new(main_name).map_err(|_| "a NUL byte in the file name")?;
        let c_args: Vec<CString> = args
            .iter()
            .map(|a| CString::new(a.as_str()))
            .collect::<Result<_, _>>()
            .map_err(|_| "a NUL byte in a compiler argument")?;
        let arg_ptrs: Vec<*const c_char> = c_args.iter().map(|a| a.as_ptr()).collect();
        let mut unsaved = CXUnsavedFile {
            Filename: name.as_ptr(),
            Contents: main_text.as_ptr() as *const c_char,
            Length: main_text.len() as _,
        };
        let mut tu: CXTranslationUnit = ptr::null_mut();
        // SAFETY: every pointer is valid for the duration of the call; libclang copies
        // the unsaved file's contents; `tu` is written on success.
        let code = unsafe {
            clang_parseTranslationUnit2(
                self.raw,
                name.as_ptr(),
                arg_ptrs.as_ptr(),
                arg_ptrs.len() as _,
                &mut unsaved,
                1,
                options,
                &mut tu,
            )
        };
        if code != CXError_Success || tu.is_null() {
            return Err(format!(
                "libclang could not parse the input (error code {code})"
            ));
        }
        Ok(TranslationUnit {
            raw: tu,
            _index: PhantomData,
        })
    }
}

impl Drop for Index {
    fn drop(&mut self) {
        // SAFETY: created by clang_createIndex; translation units borrow `self`, so
        // they are gone by now.
        unsafe { clang_disposeIndex(self.raw) }
    }
}

/// A parsed translation unit.
pub(crate) struct TranslationUnit<'i> {
    raw: CXTranslationUnit,
    _index: PhantomData<&'i Index>,
}

impl Drop for TranslationUnit<'_> {
    fn drop(&mut self) {
        // SAFETY: created by clang_parseTranslationUnit2; cursors borrow `self`.
        unsafe { clang_disposeTranslationUnit(self.raw) }
    }
}

impl TranslationUnit<'_> {
    /// The root cursor.
    pub(crate) fn cursor(&self) -> Cursor<'_> {
        // SAFETY: valid TU.
        Cursor::new(unsafe { clang_getTranslationUnitCursor(self.raw) })
    }

    /// Diagnostics of severity error or fatal, in order.
    pub(crate) fn errors(&self) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        // SAFETY: valid TU; each diagnostic is disposed after reading.
        unsafe {
            for i in 0..clang_getNumDiagnostics(self.raw) {
                let d = clang_getDiagnostic(self.raw, i);
                let severity = match clang_getDiagnosticSeverity(d) {
                    CXDiagnostic_Error => Severity::Error,
                    CXDiagnostic_Fatal => Severity::Fatal,
                    _ => {
                        clang_disposeDiagnostic(d);
                        continue;
                    }
                };
                let message = take_string(clang_getDiagnosticSpelling(d));
                let location = file_location(clang_getDiagnosticLocation(d));
                clang_disposeDiagnostic(d);
                out.push(Diagnostic {
                    location,
                    severity,
                    message,
                    declared: Vec::new(),
                });
            }
        }
        if out.iter().any(|d| d.location.is_some()) {
            self.name_declarations(&mut out);
        }
        out
    }

    /// Fills each diagnostic's `declared`: the top-level functions, global
    /// variables and typedefs whose location is the diagnostic's, compared
    /// as both are shown (a macro's declarations at the macro's use).
    fn name_declarations(&self, diagnostics: &mut [Diagnostic]) {
        let mut at_location: std::collections::HashMap<SourceLocation, Vec<usize>> =
            std::collections::HashMap::new();
        for (i, d) in diagnostics.iter().enumerate() {
            if let Some(at) = &d.location {
                at_location.entry(at.clone()).or_default().push(i);
            }
        }
        self.cursor().visit(|c| {
            if !matches!(
                c.kind(),
                CXCursor_FunctionDecl | CXCursor_VarDecl | CXCursor_TypedefDecl
            ) {
                return;
            }
            let Some(at) = c.presumed_location() else {
                return;
            };
            for &i in at_location.get(&at).into_iter().flatten() {
                let name = c.spelling();
                let d = &mut diagnostics[i];
                if !name.is_empty() && !d.declared.contains(&name) {
                    d.declared.push(name);
                }
            }
        });
    }

    /// The target triple and pointer width in bits.
    pub(crate) fn target(&self) -> (String, u32) {
        // SAFETY: valid TU; the target info is disposed after reading.
        unsafe {
            let info = clang_getTranslationUnitTargetInfo(self.raw);
            let triple = take_string(clang_TargetInfo_getTriple(info));
            let width = clang_TargetInfo_getPointerWidth(info);
            clang_TargetInfo_dispose(info);
            (triple, width.max(0) as u32)
        }
    }

    /// The tokens from `end` on (where a cursor's extent ends, which may be
    /// its last token's start), up to `bytes` further in a file of
    /// `file_size` bytes: what follows a declaration.
    pub(crate) fn tokens_after(
        &self,
        end: &ExtentEnd,
        bytes: u32,
        file_size: usize,
    ) -> Vec<Token<'static>> {
        let size = u32::try_from(file_size).unwrap_or(u32::MAX);
        let stop = end.offset.saturating_add(bytes).min(size);
        // SAFETY: valid TU and file; both offsets lie inside the file.
        let range = unsafe {
            let stop = clang_getLocationForOffset(self.raw, end.file.0, stop);
            clang_getRange(end.location, stop)
        };
        self.range_tokens(range)
    }

    /// The spellings of the tokens a cursor covers.
    pub(crate) fn tokens(&self, cursor: Cursor<'_>) -> Vec<Token<'static>> {
        // SAFETY: valid cursor.
        self.range_tokens(unsafe { clang_getCursorExtent(cursor.raw) })
    }

    fn range_tokens(&self, range: CXSourceRange) -> Vec<Token<'static>> {
        let mut tokens: *mut CXToken = ptr::null_mut();
        let mut count: c_uint = 0;
        // SAFETY: valid TU and range; the token array is disposed after copying.
        unsafe {
            clang_tokenize(self.raw, range, &mut tokens, &mut count);
            if tokens.is_null() {
                return Vec::new();
            }
            let slice = std::slice::from_raw_parts(tokens, count as usize);
            let out = slice
                .iter()
                .map(|&t| Token {
                    kind: clang_getTokenKind(t),
                    text: take_string(clang_getTokenSpelling(self.raw, t)).into(),
                })
                .collect();
            clang_disposeTokens(self.raw, tokens, count);
            out
        }
    }
}

impl<'i> TranslationUnit<'i> {
    /// The text of a file of this translation unit, as clang holds it.
    pub(crate) fn file_contents(&self, file: FileHandle) -> &[u8] {
        let mut size: usize = 0;
        // SAFETY: valid TU and file; the buffer lives as long as the TU, which `self`
        // borrows for the returned slice's lifetime.
        unsafe {
            let ptr = clang_getFileContents(self.raw, file.0, &mut size);
            if ptr.is_null() {
                return &[];
            }
            std::slice::from_raw_parts(ptr as *const u8, size)
        }
    }
}

impl TranslationUnit<'_> {
    /// Every file the translation unit read (the main file and every header it
    /// included, directly or not), once each, in the order libclang lists them.
    pub(crate) fn included_files(&self) -> Vec<FileHandle> {
        extern "C" fn visit(
            file: CXFile,
            _stack: *mut CXSourceLocation,
            _depth: c_uint,
            data: CXClientData,
        ) {
            // SAFETY: `data` is the `&mut Vec<FileHandle>` passed below, alive for
            // the whole clang_getInclusions call that runs this visitor.
            let files = unsafe { &mut *(data as *mut Vec<FileHandle>) };
            if !file.is_null() && !files.contains(&FileHandle(file)) {
                files.push(FileHandle(file));
            }
        }
        let mut files: Vec<FileHandle> = Vec::new();
        // SAFETY: valid TU; the visitor only pushes into `files`, which outlives the call.
        unsafe {
            clang_getInclusions(
                self.raw,
                visit,
                &mut files as *mut Vec<FileHandle> as CXClientData,
            )
        };
        files
    }
}

/// A file of a translation unit, as an opaque handle (usable as a map key).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct FileHandle(CXFile);

impl FileHandle {
    /// The file's name.
    pub(crate) fn name(self) -> String {
        // SAFETY: a non-null file handle from libclang.
        take_string(unsafe { clang_getFileName(self.0) })
    }
}

/// Where a cursor's extent ends ([`Cursor::extent_end`]).
pub(crate) struct ExtentEnd {
    pub(crate) file: FileHandle,
    /// The byte offset in `file`.
    pub(crate) offset: u32,
    location: CXSourceLocation,
}

/// A token: its kind (`CXToken_*`) and spelling.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Token<'a> {
    pub(crate) kind: CXTokenKind,
    pub(crate) text: std::borrow::Cow<'a, str>,
}

/// The location as the user sees it: `#line` directives (which put cdef text at
/// `<cdef>:1:1`) are honoured.
fn file_location(loc: CXSourceLocation) -> Option<SourceLocation> {
    let mut name = CXString::default();
    let (mut line, mut column) = (0, 0);
    // SAFETY: out-pointers are valid; the file name string is disposed by take_string.
    let file = unsafe {
        clang_getPresumedLocation(loc, &mut name, &mut line, &mut column);
        take_string(name)
    };
    (!file.is_empty()).then_some(SourceLocation {
        file: file.into(),
        line,
        column,
    })
}

impl TranslationUnit<'_> {
    /// Where byte `offset` of `file` is as the user sees it (honouring `#line`).
    pub(crate) fn presumed_location_at(
        &self,
        file: FileHandle,
        offset: u32,
    ) -> Option<SourceLocation> {
        // SAFETY: the unit is alive and `file` is one of its files; an offset past
        // the file's end gives the null location, which has no file name.
        file_location(unsafe { clang_getLocationForOffset(self.raw, file.0, offset) })
    }
}

impl Cursor<'_> {
    /// Where the cursor is as the user sees it (honouring `#line`).
    pub(crate) fn presumed_location(self) -> Option<SourceLocation> {
        // SAFETY: valid cursor.
        file_location(unsafe { clang_getCursorLocation(self.raw) })
    }
}

/// A cursor: a node of the AST, borrowed from its translation unit.
#[derive(Clone, Copy)]
pub(crate) struct Cursor<'tu> {
    raw: CXCursor,
    _tu: PhantomData<&'tu ()>,
}

impl<'tu> Cursor<'tu> {
    fn new(raw: CXCursor) -> Cursor<'tu> {
        Cursor {
            raw,
            _tu: PhantomData,
        }
    }

    pub(crate) fn kind(self) -> CXCursorKind {
        self.raw.kind
    }

    pub(crate) fn is_null(self) -> bool {
        // SAFETY: pure query on a cursor value.
        unsafe { clang_Cursor_isNull(self.raw) != 0 }
    }

    /// An identity for deduplication: the canonical declaration's address.
    pub(crate) fn key(self) -> usize {
        // SAFETY: pure query; `data[0]` is the declaration pointer, used only as a key.
        unsafe { clang_getCanonicalCursor(self.raw).data[0] as usize }
    }

    pub(crate) fn spelling(self) -> String {
        // SAFETY: valid cursor.
        take_string(unsafe { clang_getCursorSpelling(self.raw) })
    }

    /// Whether an attribute (`aligned`, `packed`, …) is written on the declaration.
    pub(crate) fn has_attributes(self) -> bool {
        // SAFETY: pure query on a cursor kind.
        self.children()
            .iter()
            .any(|c| unsafe { clang_isAttribute(c.kind()) != 0 })
    }

    /// The Unified Symbol Resolution string: clang's name for the declaration,
    /// independent of where (or through which macro) it was written.
    pub(crate) fn usr(self) -> String {
        // SAFETY: valid cursor.
        take_string(unsafe { clang_getCursorUSR(self.raw) })
    }

    /// The file, line, column and byte offset where the cursor starts, when it is in a file.
    pub(crate) fn start(self) -> Option<(FileHandle, u32, u32, u32)> {
        let mut file: CXFile = ptr::null_mut();
        let (mut line, mut column, mut offset) = (0, 0, 0);
        // SAFETY: valid cursor; out-pointers are valid.
        unsafe {
            let loc = clang_getCursorLocation(self.raw);
            clang_getFileLocation(loc, &mut file, &mut line, &mut column, &mut offset);
        }
        (!file.is_null()).then_some((FileHandle(file), line, column, offset))
    }

    pub(crate) fn ty(self) -> ClangType<'tu> {
        // SAFETY: valid cursor.
        ClangType::new(unsafe { clang_getCursorType(self.raw) })
    }

    pub(crate) fn definition(self) -> Option<Cursor<'tu>> {
        // SAFETY: valid cursor.
        let c = Cursor::new(unsafe { clang_getCursorDefinition(self.raw) });
        (!c.is_null()).then_some(c)
    }

    pub(crate) fn is_definition(self) -> bool {
        // SAFETY: valid cursor.
        unsafe { clang_isCursorDefinition(self.raw) != 0 }
    }

    /// Where the cursor's extent ends: its file and the byte offset there.
    pub(crate) fn extent_end(self) -> Option<ExtentEnd> {
        let mut file: CXFile = ptr::null_mut();
        let (mut line, mut column, mut offset) = (0, 0, 0);
        // SAFETY: valid cursor; out-pointers are valid.
        let location = unsafe {
            let end = clang_getRangeEnd(clang_getCursorExtent(self.raw));
            clang_getFileLocation(end, &mut file, &mut line, &mut column, &mut offset);
            end
        };
        (!file.is_null()).then_some(ExtentEnd {
            file: FileHandle(file),
            offset,
            location,
        })
    }

    /// Whether the cursor is in the main file (the sources given), cheaply:
    /// no file, line or column is computed.
    pub(crate) fn in_main_file(self) -> bool {
        // SAFETY: valid cursor.
        unsafe { clang_Location_isFromMainFile(clang_getCursorLocation(self.raw)) != 0 }
    }

    /// Whether a variable's declaration has an initializer (`int x = 5;`);
    /// `None` when the libclang is older than 12, which cannot tell.
    pub(crate) fn has_initializer(self) -> Option<bool> {
        if !clang_Cursor_getVarDeclInitializer::is_loaded() {
            return None;
        }
        // SAFETY: valid cursor; the function exists (checked above) and
        // returns a null cursor for no initializer.
        let init = Cursor::new(unsafe { clang_Cursor_getVarDeclInitializer(self.raw) });
        Some(!init.is_null())
    }

    pub(crate) fn is_anonymous(self) -> bool {
        // SAFETY: valid cursor.
        unsafe { clang_Cursor_isAnonymous(self.raw) != 0 }
    }

    pub(crate) fn is_bitfield(self) -> bool {
        // SAFETY: valid cursor.
        unsafe { clang_Cursor_isBitField(self.raw) != 0 }
    }

    pub(crate) fn bit_width(self) -> Option<u32> {
        // SAFETY: valid cursor; -1 means "not a bitfield".
        u32::try_from(unsafe { clang_getFieldDeclBitWidth(self.raw) }).ok()
    }

    /// A field's offset in bits from its record's start.
    pub(crate) fn field_offset_bits(self) -> Option<u64> {
        // SAFETY: valid cursor; negative values are CXTypeLayoutError codes.
        u64::try_from(unsafe { clang_Cursor_getOffsetOfField(self.raw) }).ok()
    }

    pub(crate) fn typedef_underlying(self) -> ClangType<'tu> {
        // SAFETY: valid cursor (a typedef declaration).
        ClangType::new(unsafe { clang_getTypedefDeclUnderlyingType(self.raw) })
    }

    pub(crate) fn enum_integer_type(self) -> ClangType<'tu> {
        // SAFETY: valid cursor (an enum declaration).
        ClangType::new(unsafe { clang_getEnumDeclIntegerType(self.raw) })
    }

    pub(crate) fn enum_value(self, unsigned: bool) -> i128 {
        // SAFETY: valid cursor (an enum constant).
        unsafe {
            if unsigned {
                i128::from(clang_getEnumConstantDeclUnsignedValue(self.raw))
            } else {
                i128::from(clang_getEnumConstantDeclValue(self.raw))
            }
        }
    }

    pub(crate) fn is_static(self) -> bool {
        // SAFETY: valid cursor.
        unsafe { clang_Cursor_getStorageClass(self.raw) == CX_SC_Static }
    }

    pub(crate) fn is_inline(self) -> bool {
        // SAFETY: valid cursor.
        unsafe { clang_Cursor_isFunctionInlined(self.raw) != 0 }
    }

    pub(crate) fn is_macro_function_like(self) -> bool {
        // SAFETY: valid cursor (a macro definition).
        unsafe { clang_Cursor_isMacroFunctionLike(self.raw) != 0 }
    }

    pub(crate) fn arguments(self) -> Vec<Cursor<'tu>> {
        // SAFETY: valid cursor; -1 for non-functions gives an empty list.
        unsafe {
            let n = clang_Cursor_getNumArguments(self.raw);
            (0..n.max(0) as c_uint)
                .map(|i| Cursor::new(clang_Cursor_getArgument(self.raw, i)))
                .collect()
        }
    }

    /// The asm label of a declaration (`__asm__("name")`, glibc's `__REDIRECT`):
    /// libclang gives it as a child cursor of kind `CXCursor_AsmLabelAttr`
    /// whose spelling is the label.
    pub(crate) fn asm_label(self) -> Option<String> {
        let mut label = None;
        self.visit(|c| {
            if label.is_none() && c.kind() == CXCursor_AsmLabelAttr {
                label = Some(c.spelling());
            }
        });
        label.filter(|l| !l.is_empty())
    }

    /// Calls `f` on each direct child, in order, without collecting them (the root
    /// of a translation unit has a child per macro expansion: tens of thousands).
    pub(crate) fn visit(self, mut f: impl FnMut(Cursor<'tu>)) {
        extern "C" fn visit<F: FnMut(CXCursor)>(
            c: CXCursor,
            _: CXCursor,
            data: CXClientData,
        ) -> CXChildVisitResult {
            // SAFETY: `data` is the `&mut F` passed below, alive for the whole visit.
            let f = unsafe { &mut *(data as *mut F) };
            // A panic must not unwind into libclang; the closures here do not panic,
            // and if one did, aborting is the only sound outcome.
            let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(c)));
            if result.is_err() {
                std::process::abort();
            }
            CXChildVisit_Continue
        }
        fn run<F: FnMut(CXCursor)>(raw: CXCursor, mut g: F) {
            // SAFETY: the callback only calls `g`, which outlives the call.
            unsafe {
                clang_visitChildren(raw, visit::<F>, &mut g as *mut F as *mut c_void);
            }
        }
        run(self.raw, |c: CXCursor| f(Cursor::new(c)));
    }

    /// The direct children, in order.
    pub(crate) fn children(self) -> Vec<Cursor<'tu>> {
        let mut out = Vec::new();
        self.visit(|c| out.push(c));
        out
    }
}

/// A type, borrowed from its translation unit.
#[derive(Clone, Copy)]
pub(crate) struct ClangType<'tu> {
    raw: CXType,
    _tu: PhantomData<&'tu ()>,
}

/// The version string of the loaded libclang (`"Debian clang version 14.0.6"`).
pub(crate) fn clang_version() -> String {
    // SAFETY: pure query; libclang is loaded on this thread.
    take_string(unsafe { clang_getClangVersion() })
}
