//! libclang's C functions, called through one table of pointers that is filled
//! once, when [`super::super::load`] has opened libclang.
//!
//! The types and constants are clang-sys's (re-exported from here, so `use
//! api::*` gives both); the functions are wyvern's own, with clang-sys's
//! signatures, because clang-sys's "runtime" loader can only load a libclang it
//! finds itself (walking the file system) and keeps it per thread. Only the
//! functions the front end calls are here: loading checks that every one of them
//! is in the library, so a call never finds a missing function.

// The items here shadow clang-sys's functions of the same names.
pub(crate) use clang_sys::*;

use std::os::raw::{c_char, c_int, c_longlong, c_uint, c_ulonglong};
use std::sync::OnceLock;

use libc::size_t;

/// The table, set once by [`install`].
static FUNCTIONS: OnceLock<Functions> = OnceLock::new();

/// Makes `functions` the table every call goes through. The first table stays;
/// a process loads one libclang.
pub(crate) fn install(functions: Functions) {
    let _ = FUNCTIONS.set(functions);
}

/// The table. Every caller runs after [`install`]: the only ways to reach a
/// libclang function go through `load::ensure_loaded`, which installs the table
/// before returning `Ok`.
#[inline]
fn table() -> &'static Functions {
    match FUNCTIONS.get() {
        Some(f) => f,
        None => unreachable!("a libclang function called before libclang was loaded"),
    }
}

macro_rules! functions {
    (
        required { $(fn $name:ident($($arg:ident: $ty:ty),* $(,)?) $(-> $ret:ty)?;)+ }
        optional { $(fn $oname:ident($($oarg:ident: $oty:ty),* $(,)?) $(-> $oret:ty)?;)+ }
    ) => {
        /// Pointers to libclang's functions, looked up in one library.
        #[allow(non_snake_case)]
        pub(crate) struct Functions {
            $($name: unsafe extern "C" fn($($ty),*) $(-> $ret)?,)+
            $($oname: Option<unsafe extern "C" fn($($oty),*) $(-> $oret)?>,)+
        }

        /// The names of the functions in the table.
        #[cfg(test)]
        pub(crate) const NAMES: &[&str] = &[$(stringify!($name),)+ $(stringify!($oname)),+];

        /// The names of the optional functions (those with `is_loaded()`).
        #[cfg(test)]
        pub(crate) const OPTIONAL: &[&str] = &[$(stringify!($oname)),+];

        impl Functions {
            /// Looks up every function in `library`.
            ///
            /// # Errors
            /// The name of the first function `library` does not have.
            ///
            /// # Safety
            /// `library` must be a libclang, whose functions have these
            /// signatures (clang-sys's, from libclang's headers), and must stay
            /// loaded for as long as the table is used.
            pub(crate) unsafe fn load(library: &libloading::Library) -> Result<Functions, String> {
                Ok(Functions {
                    $($name: {
                        // SAFETY: the caller guarantees the symbol has this type.
                        let symbol = unsafe {
                            library.get::<unsafe extern "C" fn($($ty),*) $(-> $ret)?>(
                                concat!(stringify!($name), "\0").as_bytes(),
                            )
                        }
                        .map_err(|e| format!("it has no function {} ({e})", stringify!($name)))?;
                        *symbol
                    },)+
                    $($oname: {
                        // SAFETY: as above.
                        let symbol = unsafe {
                            library.get::<unsafe extern "C" fn($($oty),*) $(-> $oret)?>(
                                concat!(stringify!($oname), "\0").as_bytes(),
                            )
                        };
                        symbol.ok().map(|s| *s)
                    },)+
                })
            }
        }

        $(
            #[doc = concat!("libclang's `", stringify!($name), "`.")]
            ///
            /// # Safety
            /// As for the C function: valid handles from the same libclang.
            #[allow(non_snake_case, clippy::too_many_arguments)]
            #[inline]
            pub(crate) unsafe fn $name($($arg: $ty),*) $(-> $ret)? {
                // SAFETY: the caller upholds the C function's contract; the
                // pointer came from the loaded libclang, which is never unloaded.
                unsafe { (table().$name)($($arg),*) }
            }
        )+

        $(
            #[doc = concat!("libclang's `", stringify!($oname), "`, which older libclangs lack.")]
            ///
            /// # Safety
            /// As for the C function: valid handles from the same libclang; and
            /// only after `is_loaded()` (in the module of the same name) said yes.
            #[allow(non_snake_case)]
            #[inline]
            pub(crate) unsafe fn $oname($($oarg: $oty),*) $(-> $oret)? {
                match table().$oname {
                    // SAFETY: as for the required functions.
                    Some(f) => unsafe { f($($oarg),*) },
                    None => unreachable!(concat!(stringify!($oname), " called without is_loaded()")),
                }
            }

            #[allow(non_snake_case)]
            pub(crate) mod $oname {
                /// Whether the loaded libclang has the function.
                pub(crate) fn is_loaded() -> bool {
                    super::table().$oname.is_some()
                }
            }
        )+
    };
}

functions! {
    required {
        fn clang_Cursor_getArgument(cursor: CXCursor, index: c_uint) -> CXCursor;
        fn clang_Cursor_getNumArguments(cursor: CXCursor) -> c_int;
        fn clang_Cursor_getOffsetOfField(cursor: CXCursor) -> c_longlong;
        fn clang_Cursor_getStorageClass(cursor: CXCursor) -> CX_StorageClass;
        fn clang_Cursor_isAnonymous(cursor: CXCursor) -> c_uint;
        fn clang_Cursor_isBitField(cursor: CXCursor) -> c_uint;
        fn clang_Cursor_isFunctionInlined(cursor: CXCursor) -> c_uint;
        fn clang_Cursor_isMacroFunctionLike(cursor: CXCursor) -> c_uint;
        fn clang_Cursor_isNull(cursor: CXCursor) -> c_int;
        fn clang_TargetInfo_dispose(info: CXTargetInfo);
        fn clang_TargetInfo_getPointerWidth(info: CXTargetInfo) -> c_int;
        fn clang_TargetInfo_getTriple(info: CXTargetInfo) -> CXString;
        fn clang_Type_getAlignOf(type_: CXType) -> c_longlong;
        fn clang_Type_getModifiedType(type_: CXType) -> CXType;
        fn clang_Type_getNamedType(type_: CXType) -> CXType;
        fn clang_Type_getSizeOf(type_: CXType) -> c_longlong;
        fn clang_Type_visitFields(type_: CXType, visitor: CXFieldVisitor, data: CXClientData) -> CXVisitorResult;
        fn clang_createIndex(exclude: c_int, display: c_int) -> CXIndex;
        fn clang_disposeDiagnostic(diagnostic: CXDiagnostic);
        fn clang_disposeIndex(index: CXIndex);
        fn clang_disposeString(string: CXString);
        fn clang_disposeTokens(tu: CXTranslationUnit, tokens: *mut CXToken, n_tokens: c_uint);
        fn clang_disposeTranslationUnit(tu: CXTranslationUnit);
        fn clang_getArgType(type_: CXType, index: c_uint) -> CXType;
        fn clang_getArrayElementType(type_: CXType) -> CXType;
        fn clang_getArraySize(type_: CXType) -> c_longlong;
        fn clang_getCString(string: CXString) -> *const c_char;
        fn clang_getCanonicalCursor(cursor: CXCursor) -> CXCursor;
        fn clang_getCanonicalType(type_: CXType) -> CXType;
        fn clang_getClangVersion() -> CXString;
        fn clang_getCursorDefinition(cursor: CXCursor) -> CXCursor;
        fn clang_getCursorExtent(cursor: CXCursor) -> CXSourceRange;
        fn clang_getCursorLocation(cursor: CXCursor) -> CXSourceLocation;
        fn clang_getCursorSpelling(cursor: CXCursor) -> CXString;
        fn clang_getCursorType(cursor: CXCursor) -> CXType;
        fn clang_getCursorUSR(cursor: CXCursor) -> CXString;
        fn clang_getDiagnostic(tu: CXTranslationUnit, index: c_uint) -> CXDiagnostic;
        fn clang_getDiagnosticLocation(diagnostic: CXDiagnostic) -> CXSourceLocation;
        fn clang_getDiagnosticSeverity(diagnostic: CXDiagnostic) -> CXDiagnosticSeverity;
        fn clang_getDiagnosticSpelling(diagnostic: CXDiagnostic) -> CXString;
        fn clang_getElementType(type_: CXType) -> CXType;
        fn clang_getEnumConstantDeclUnsignedValue(cursor: CXCursor) -> c_ulonglong;
        fn clang_getEnumConstantDeclValue(cursor: CXCursor) -> c_longlong;
        fn clang_getEnumDeclIntegerType(cursor: CXCursor) -> CXType;
        fn clang_getFieldDeclBitWidth(cursor: CXCursor) -> c_int;
        fn clang_getFileContents(tu: CXTranslationUnit, file: CXFile, size: *mut size_t) -> *const c_char;
        fn clang_getFileLocation(location: CXSourceLocation, file: *mut CXFile, line: *mut c_uint, column: *mut c_uint, offset: *mut c_uint);
        fn clang_getFileName(file: CXFile) -> CXString;
        fn clang_getFunctionTypeCallingConv(type_: CXType) -> CXCallingConv;
        fn clang_getInclusions(tu: CXTranslationUnit, visitor: CXInclusionVisitor, data: CXClientData);
        fn clang_getRange(begin: CXSourceLocation, end: CXSourceLocation) -> CXSourceRange;
        fn clang_getRangeEnd(range: CXSourceRange) -> CXSourceLocation;
        fn clang_getLocationForOffset(tu: CXTranslationUnit, file: CXFile, offset: c_uint) -> CXSourceLocation;
        fn clang_getNumArgTypes(type_: CXType) -> c_int;
        fn clang_getNumDiagnostics(tu: CXTranslationUnit) -> c_uint;
        fn clang_getNumElements(type_: CXType) -> c_longlong;
        fn clang_getPointeeType(type_: CXType) -> CXType;
        fn clang_getPresumedLocation(location: CXSourceLocation, file: *mut CXString, line: *mut c_uint, column: *mut c_uint);
        fn clang_getResultType(type_: CXType) -> CXType;
        fn clang_getTokenKind(token: CXToken) -> CXTokenKind;
        fn clang_getTokenSpelling(tu: CXTranslationUnit, token: CXToken) -> CXString;
        fn clang_getTranslationUnitCursor(tu: CXTranslationUnit) -> CXCursor;
        fn clang_getTranslationUnitTargetInfo(tu: CXTranslationUnit) -> CXTargetInfo;
        fn clang_getTypeDeclaration(type_: CXType) -> CXCursor;
        fn clang_getTypeSpelling(type_: CXType) -> CXString;
        fn clang_getTypedefDeclUnderlyingType(cursor: CXCursor) -> CXType;
        fn clang_isAttribute(kind: CXCursorKind) -> c_uint;
        fn clang_isConstQualifiedType(type_: CXType) -> c_uint;
        fn clang_isCursorDefinition(cursor: CXCursor) -> c_uint;
        fn clang_isFunctionTypeVariadic(type_: CXType) -> c_uint;
        fn clang_isRestrictQualifiedType(type_: CXType) -> c_uint;
        fn clang_isVolatileQualifiedType(type_: CXType) -> c_uint;
        fn clang_parseTranslationUnit2(index: CXIndex, file: *const c_char, arguments: *const *const c_char, n_arguments: c_int, unsaved: *mut CXUnsavedFile, n_unsaved: c_uint, flags: CXTranslationUnit_Flags, tu: *mut CXTranslationUnit) -> CXErrorCode;
        fn clang_tokenize(tu: CXTranslationUnit, range: CXSourceRange, tokens: *mut *mut CXToken, n_tokens: *mut c_uint);
        fn clang_visitChildren(cursor: CXCursor, visitor: CXCursorVisitor, data: CXClientData) -> c_uint;
    }
    optional {
        fn clang_Cursor_getVarDeclInitializer(cursor: CXCursor) -> CXCursor;
        fn clang_Type_getValueType(type_: CXType) -> CXType;
    }
}

#[cfg(test)]
mod tests {
    /// Every libclang function the front end names is one of the table's: a
    /// name missing here would resolve to clang-sys's own function (re-exported
    /// with the types), which panics, since clang-sys never loads a library, and
    /// its `is_loaded()`, which is always false.
    #[test]
    fn the_table_has_every_function_used() {
        // wyvern's own names that start like libclang's.
        const OWN: &[&str] = &["clang_args", "clang_version", "clang_tokens", "clang_sys"];
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/frontend/clang");
        let mut stack = vec![dir];
        let mut missing = Vec::new();
        let mut seen = 0;
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                    continue;
                }
                if path.extension().is_none_or(|e| e != "rs") {
                    continue;
                }
                let text = std::fs::read_to_string(&path).unwrap();
                let mut rest = text.as_str();
                while let Some(i) = rest.find("clang_") {
                    let before = rest[..i].chars().next_back();
                    let tail = &rest[i..];
                    let end = tail
                        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                        .unwrap_or(tail.len());
                    let name = &tail[..end];
                    rest = &tail[end..];
                    if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_') {
                        continue;
                    }
                    // A libclang function: a lower-case word after `clang_`, or
                    // `clang_Type_…`-style; not a CXToken-like constant.
                    let is_call =
                        rest.starts_with('(') || rest.starts_with(')') || rest.starts_with(',');
                    if !is_call || OWN.contains(&name) {
                        continue;
                    }
                    seen += 1;
                    if !super::NAMES.contains(&name) {
                        missing.push(format!("{name} in {}", path.display()));
                    }
                    // `is_loaded()` of a function the table has no module for
                    // would be clang-sys's, which is always false.
                    if rest.starts_with("::") && !super::OPTIONAL.contains(&name) {
                        missing.push(format!("{name}:: (not optional) in {}", path.display()));
                    }
                }
            }
        }
        assert!(seen > 50, "found only {seen} uses: the scan is broken");
        assert!(missing.is_empty(), "not in sys/api.rs's table: {missing:?}");
    }
}
