//! [`ClangType`]'s queries: kinds, sizes, pointees, elements, parameters.

use std::ffi::c_void;
use std::marker::PhantomData;
use std::os::raw::c_uint;

use super::api::*;

use super::{take_string, ClangType, Cursor};

impl<'tu> ClangType<'tu> {
    pub(super) fn new(raw: CXType) -> ClangType<'tu> {
        ClangType {
            raw,
            _tu: PhantomData,
        }
    }

    pub(crate) fn kind(self) -> CXTypeKind {
        self.raw.kind
    }

    /// An identity for memoisation: clang's qualified type pointer.
    pub(crate) fn key(self) -> (i32, usize, usize) {
        (
            self.raw.kind,
            self.raw.data[0] as usize,
            self.raw.data[1] as usize,
        )
    }

    pub(crate) fn spelling(self) -> String {
        // SAFETY: valid type.
        take_string(unsafe { clang_getTypeSpelling(self.raw) })
    }

    fn map(self, f: unsafe fn(CXType) -> CXType) -> ClangType<'tu> {
        // SAFETY: `f` is one of libclang's pure type queries.
        ClangType::new(unsafe { f(self.raw) })
    }

    pub(crate) fn pointee(self) -> ClangType<'tu> {
        self.map(clang_getPointeeType)
    }
    pub(crate) fn array_element(self) -> ClangType<'tu> {
        self.map(clang_getArrayElementType)
    }
    pub(crate) fn element(self) -> ClangType<'tu> {
        self.map(clang_getElementType)
    }
    pub(crate) fn result(self) -> ClangType<'tu> {
        self.map(clang_getResultType)
    }
    pub(crate) fn named(self) -> ClangType<'tu> {
        self.map(clang_Type_getNamedType)
    }
    pub(crate) fn modified(self) -> ClangType<'tu> {
        self.map(clang_Type_getModifiedType)
    }
    pub(crate) fn canonical(self) -> ClangType<'tu> {
        self.map(clang_getCanonicalType)
    }

    /// The value type of `_Atomic(T)`, where the loaded libclang has the query (11+).
    pub(crate) fn atomic_value(self) -> Option<ClangType<'tu>> {
        clang_Type_getValueType::is_loaded().then(|| self.map(clang_Type_getValueType))
    }

    pub(crate) fn array_len(self) -> Option<u64> {
        // SAFETY: valid type; -1 when not a constant array.
        u64::try_from(unsafe { clang_getArraySize(self.raw) }).ok()
    }
    pub(crate) fn vector_len(self) -> Option<u64> {
        // SAFETY: valid type; -1 when not a vector.
        u64::try_from(unsafe { clang_getNumElements(self.raw) }).ok()
    }

    pub(crate) fn args(self) -> Vec<ClangType<'tu>> {
        // SAFETY: valid type; -1 for non-function types gives an empty list.
        unsafe {
            let n = clang_getNumArgTypes(self.raw);
            (0..n.max(0) as c_uint)
                .map(|i| ClangType::new(clang_getArgType(self.raw, i)))
                .collect()
        }
    }

    pub(crate) fn is_variadic(self) -> bool {
        // SAFETY: valid type.
        unsafe { clang_isFunctionTypeVariadic(self.raw) != 0 }
    }

    pub(crate) fn calling_conv(self) -> CXCallingConv {
        // SAFETY: valid type.
        unsafe { clang_getFunctionTypeCallingConv(self.raw) }
    }

    /// The fields of a record type, implicit ones included: an anonymous struct or
    /// union member is an unnamed field that cursor children do not show.
    pub(crate) fn fields(self) -> Vec<Cursor<'tu>> {
        extern "C" fn visit(c: CXCursor, data: CXClientData) -> CXVisitorResult {
            // SAFETY: `data` is the `&mut Vec` passed below, alive for the whole visit.
            let out = unsafe { &mut *(data as *mut Vec<CXCursor>) };
            out.push(c);
            CXVisit_Continue
        }
        let mut out: Vec<CXCursor> = Vec::new();
        // SAFETY: the callback only pushes into `out`, which outlives the call.
        unsafe {
            clang_Type_visitFields(
                self.raw,
                visit,
                &mut out as *mut Vec<CXCursor> as *mut c_void,
            );
        }
        out.into_iter().map(Cursor::new).collect()
    }

    pub(crate) fn declaration(self) -> Cursor<'tu> {
        // SAFETY: valid type.
        Cursor::new(unsafe { clang_getTypeDeclaration(self.raw) })
    }

    /// `(size, align)` in bytes, or `None` for incomplete, dependent or void types.
    pub(crate) fn size_align(self) -> Option<(u64, u64)> {
        // SAFETY: valid type; negative values are CXTypeLayoutError codes.
        unsafe {
            let size = u64::try_from(clang_Type_getSizeOf(self.raw)).ok()?;
            let align = u64::try_from(clang_Type_getAlignOf(self.raw)).ok()?;
            Some((size, align))
        }
    }

    pub(crate) fn is_const(self) -> bool {
        // SAFETY: valid type.
        unsafe { clang_isConstQualifiedType(self.raw) != 0 }
    }
    pub(crate) fn is_volatile(self) -> bool {
        // SAFETY: valid type.
        unsafe { clang_isVolatileQualifiedType(self.raw) != 0 }
    }
    pub(crate) fn is_restrict(self) -> bool {
        // SAFETY: valid type.
        unsafe { clang_isRestrictQualifiedType(self.raw) != 0 }
    }
}
