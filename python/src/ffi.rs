//! `FFI`: cffi's ABI-mode entry point. Declarations come from `cdef` (real C
//! through libclang, `#include`s included), a binary's DWARF or a `.wydb`
//! database, and grow with each call; objects, casts and strings are made
//! against them.

use std::sync::{Arc, Mutex};

use pyo3::exceptions::{PyRuntimeError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList, PyString, PyTuple};
use rustc_hash::FxHashMap;
use wyvern::{Library, TypeSet};

use crate::convert::{self, read_int, scalar_int, sequence};
use crate::ctype::CType;
use crate::error::{to_py, CDefError};
use crate::lib_obj::Lib;
use crate::object::{CData, Mem, Owner};
use crate::types::{Kind, Prim, TypeInfo, Types};

/// The typedefs cffi knows without a declaration (`size_t`, the `<stdint.h>`
/// types, `wchar_t`, `char16_t` ...), each as the compiler's own predefined
/// type names it (`__SIZE_TYPE__`), which is what the system headers declare
/// too: C11 lets a header declare them again. Text, not `#include`s: the
/// headers would cost a parse of their own in every `cdef`, and `<uchar.h>`
/// brings functions that `check` would report. (Not `bool`: a cdef may
/// declare `typedef int bool;`. Not the `int_fast` types: glibc's differ
/// from the compiler's.)
const CFFI_PRELUDE: &str = "\
typedef __SIZE_TYPE__ size_t;
typedef __PTRDIFF_TYPE__ ptrdiff_t;
typedef __PTRDIFF_TYPE__ ssize_t;
typedef __WCHAR_TYPE__ wchar_t;
typedef __CHAR16_TYPE__ char16_t;
typedef __CHAR32_TYPE__ char32_t;
typedef __INTPTR_TYPE__ intptr_t;
typedef __UINTPTR_TYPE__ uintptr_t;
typedef __INTMAX_TYPE__ intmax_t;
typedef __UINTMAX_TYPE__ uintmax_t;
typedef __INT8_TYPE__ int8_t;
typedef __UINT8_TYPE__ uint8_t;
typedef __INT16_TYPE__ int16_t;
typedef __UINT16_TYPE__ uint16_t;
typedef __INT32_TYPE__ int32_t;
typedef __UINT32_TYPE__ uint32_t;
typedef __INT64_TYPE__ int64_t;
typedef __UINT64_TYPE__ uint64_t;
typedef __INT_LEAST8_TYPE__ int_least8_t;
typedef __UINT_LEAST8_TYPE__ uint_least8_t;
typedef __INT_LEAST16_TYPE__ int_least16_t;
typedef __UINT_LEAST16_TYPE__ uint_least16_t;
typedef __INT_LEAST32_TYPE__ int_least32_t;
typedef __UINT_LEAST32_TYPE__ uint_least32_t;
typedef __INT_LEAST64_TYPE__ int_least64_t;
typedef __UINT_LEAST64_TYPE__ uint_least64_t;
";

#[pyclass(subclass, frozen, module = "wyvern._wyvern", name = "FFI")]
pub struct Ffi {
    pub state: Mutex<State>,
    /// Held while declarations are added, so that two threads' `cdef`s
    /// both land (the parse runs without the state's lock, or the GIL).
    adding: Mutex<()>,
    /// The libraries `dlopen` opened: an FFI keeps them alive, as cffi's does.
    libs: Mutex<Vec<Py<Lib>>>,
}

pub struct State {
    pub types: Arc<Types>,
    /// Every `cdef` so far, for the next to see their declarations.
    sources: Vec<String>,
    /// Nothing declared yet: the first set read replaces the empty one
    /// rather than being merged into it.
    empty: bool,
    include_dirs: Vec<String>,
    defines: Vec<(String, Option<String>)>,
    /// Types by the names they were asked by.
    names: FxHashMap<String, Arc<TypeInfo>>,
}

/// `ffi.gc`'s destructor, run when the last object sharing it goes.
pub struct GcHold {
    /// The destructor and the object it gets, until it has run.
    pending: Mutex<Option<(Py<PyAny>, Py<CData>)>>,
}

impl GcHold {
    /// Runs the destructor, the first time only: at `ffi.release`, the end
    /// of a `with` block, or when the last object sharing it goes.
    pub fn run(&self) {
        let pending = self
            .pending
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        let Some((destructor, original)) = pending else {
            return;
        };
        Python::attach(|py| {
            if let Err(e) = destructor.call1(py, (original,)) {
                e.write_unraisable(py, None);
            }
        });
    }
}

impl GcHold {
    /// `gc(p, None)`: the destructor never runs.
    pub fn cancel(&self) {
        self.pending
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
    }
}

impl Drop for GcHold {
    fn drop(&mut self) {
        self.run();
    }
}

/// The set an FFI starts from: every standard scalar with the host's layout,
/// so `new("int *")`, `NULL` and `sizeof("double")` work before any `cdef`
/// (as in cffi) and after `dwarf` or `load`, whose sets have only what they use.
fn empty_set() -> TypeSet {
    use std::ffi::{c_char, c_int, c_long, c_longlong, c_short};
    use std::mem::{align_of, size_of};
    use wyvern::{FloatKind, IntKind, Layout, Type};
    fn layout<T>() -> Option<Layout> {
        Some(Layout::new(size_of::<T>() as u64, align_of::<T>() as u64))
    }
    let mut b = wyvern::types::TypeBuilder::new(wyvern::types::Target::host());
    let char_signed = b.target().char_signed;
    b.intern(Type::Void, None);
    b.intern(Type::Bool, layout::<bool>());
    let ints = [
        (
            IntKind::Char {
                signed: char_signed,
            },
            layout::<c_char>(),
        ),
        (IntKind::SChar, layout::<c_char>()),
        (IntKind::UChar, layout::<c_char>()),
        (IntKind::Short, layout::<c_short>()),
        (IntKind::UShort, layout::<c_short>()),
        (IntKind::Int, layout::<c_int>()),
        (IntKind::UInt, layout::<c_int>()),
        (IntKind::Long, layout::<c_long>()),
        (IntKind::ULong, layout::<c_long>()),
        (IntKind::LongLong, layout::<c_longlong>()),
        (IntKind::ULongLong, layout::<c_longlong>()),
        (IntKind::Int128, layout::<i128>()),
        (IntKind::UInt128, layout::<i128>()),
    ];
    for (kind, l) in ints {
        b.intern(Type::Int(kind), l);
    }
    // `long double`: 16 bytes aligned to 16 on the 64-bit targets, 12 aligned to 4 on i386.
    let long_double = if size_of::<usize>() == 8 {
        Layout::new(16, 16)
    } else {
        Layout::new(12, 4)
    };
    b.intern(Type::Float(FloatKind::Float), layout::<f32>());
    b.intern(Type::Float(FloatKind::Double), layout::<f64>());
    b.intern(Type::Float(FloatKind::LongDouble), Some(long_double));
    // cffi's wide character types, which C declares as typedefs of integers.
    let wide = [
        ("wchar_t", IntKind::Int, layout::<c_int>()),
        ("char16_t", IntKind::UShort, layout::<c_short>()),
        ("char32_t", IntKind::UInt, layout::<c_int>()),
    ];
    for (name, kind, l) in wide {
        let target = b.intern(Type::Int(kind), l);
        b.add_typedef(
            wyvern::types::Typedef {
                name: name.to_owned(),
                target: wyvern::QualType::new(target),
                location: None,
            },
            l,
        );
    }
    b.freeze()
}

impl Ffi {
    pub fn types(&self) -> Arc<Types> {
        self.lock().types.clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The type `cdecl` names: a C type name, a `CType`, or (for `typeof`) a cdata's type.
    pub fn resolve(&self, cdecl: &Bound<'_, PyAny>) -> PyResult<(Arc<Types>, Arc<TypeInfo>)> {
        if let Ok(name) = cdecl.downcast::<PyString>() {
            let name = &*name.to_cow()?;
            let types = {
                let state = self.lock();
                if let Some(found) = state.names.get(name) {
                    return Ok((state.types.clone(), found.clone()));
                }
                state.types.clone()
            };
            let info = match types.named(name) {
                Ok(info) => info,
                Err(e) => match opaque_tag(name, &e) {
                    // cffi declares an unknown struct or union where it is named.
                    Some(tag) => {
                        self.declare(cdecl.py(), &format!("{tag};"))?;
                        let types = self.types();
                        let info = types.named(name).map_err(to_py)?;
                        return Ok((types, info));
                    }
                    None => return Err(to_py(e)),
                },
            };
            let mut state = self.lock();
            if Arc::ptr_eq(&state.types, &types) {
                state.names.insert(name.to_owned(), info.clone());
            }
            return Ok((types, info));
        }
        if let Ok(ct) = cdecl.downcast::<CType>() {
            let ct = ct.get();
            return Ok((ct.types.clone(), ct.info.clone()));
        }
        Err(PyTypeError::new_err(format!(
            "expected a C type name (str) or a ctype, got {}",
            convert::type_name(cdecl)
        )))
    }

    /// Adds declarations from C text, as `cdef` does.
    fn declare(&self, py: Python<'_>, text: &str) -> PyResult<()> {
        self.cdef(py, text, false, None, None, None, None)
    }

    /// The right to add declarations, taken without holding the GIL while
    /// waiting (the holder may need it to finish).
    fn adding(&self, py: Python<'_>) -> std::sync::MutexGuard<'_, ()> {
        loop {
            match self.adding.try_lock() {
                Ok(guard) => return guard,
                Err(std::sync::TryLockError::Poisoned(p)) => return p.into_inner(),
                Err(std::sync::TryLockError::WouldBlock) => py.detach(std::thread::yield_now),
            }
        }
    }

    /// Adds the declarations of `set` to what this FFI knows (the caller
    /// holds [`adding`](Self::adding)). A conflict with what is declared is an
    /// `FFIError`, as cffi raises for a redefinition. A set that `has_scalars`
    /// (a cdef's: libclang's front end adds every scalar) replaces the empty one
    /// as it is; DWARF's and a database's have only the scalars they use, so
    /// they are merged into it.
    fn merge(&self, py: Python<'_>, set: TypeSet, has_scalars: bool) -> PyResult<()> {
        let (current, empty) = {
            let state = self.lock();
            (state.types.set.clone(), state.empty)
        };
        let merged = if empty && has_scalars {
            set
        } else {
            py.detach(|| current.merge(&set))
                .map_err(|e| crate::error::FFIError::new_err(e.to_string()))?
        };
        let mut state = self.lock();
        state.types = Types::new(merged);
        state.empty = false;
        state.names.clear();
        Ok(())
    }
}

#[pymethods]
impl Ffi {
    #[new]
    #[pyo3(signature = (backend = None))]
    fn py_new(backend: Option<&Bound<'_, PyAny>>) -> Ffi {
        let _ = backend;
        Ffi {
            adding: Mutex::new(()),
            libs: Mutex::new(Vec::new()),
            state: Mutex::new(State {
                types: Types::new(empty_set()),
                sources: Vec::new(),
                empty: true,
                include_dirs: Vec::new(),
                defines: Vec::new(),
                names: FxHashMap::default(),
            }),
        }
    }

    /// Declarations from C text: real C, read by libclang, so `#include
    /// <...>` works; `include_dirs` and `defines` are passed to it.
    #[pyo3(signature = (csource, r#override = false, packed = None, pack = None, include_dirs = None, defines = None))]
    // cffi's signature, keyword for keyword.
    #[allow(clippy::too_many_arguments)]
    fn cdef(
        &self,
        py: Python<'_>,
        csource: &str,
        r#override: bool,
        packed: Option<&Bound<'_, PyAny>>,
        pack: Option<u32>,
        include_dirs: Option<Vec<String>>,
        defines: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<()> {
        let _ = r#override;
        let _adding = self.adding(py);
        let mut text = String::new();
        // cffi's rules: `packed` is a bool, and not both with `pack`.
        let packed = match packed {
            Some(p) if p.is_instance_of::<pyo3::types::PyBool>() || p.is_none() => p.is_truthy()?,
            Some(p) => {
                return Err(PyValueError::new_err(format!(
                    "packed must be True or False, not {}",
                    p.repr()?
                )))
            }
            None => false,
        };
        if packed && pack.is_some() {
            return Err(PyValueError::new_err(
                "give packed=True or pack=N, not both",
            ));
        }
        let pack = if packed { Some(1) } else { pack };
        if let Some(n) = pack.filter(|n| !n.is_power_of_two() || *n > 16) {
            return Err(PyValueError::new_err(format!(
                "pack={n}: a power of two up to 16 is expected"
            )));
        }
        // Each cdef's lines are numbered from 1, in a file named for it
        // (`<cdef 2>:3:5`), whatever comes before it in the parse.
        // (`<cdef>` for the first, as the crate names a lone cdef text.)
        let label = match self.lock().sources.len() + 1 {
            1 => "#line 1 \"<cdef>\"\n".to_owned(),
            n => format!("#line 1 \"<cdef {n}>\"\n"),
        };
        if let Some(n) = pack {
            text.push_str(&format!(
                "#pragma pack(push, {n})\n{label}{csource}\n#pragma pack(pop)\n"
            ));
        } else {
            text.push_str(&format!("{label}{csource}\n"));
        }
        let (parser, previous) = {
            let mut state = self.lock();
            state.include_dirs.extend(include_dirs.unwrap_or_default());
            if let Some(defines) = defines {
                for (k, v) in defines.iter() {
                    let value = if v.is_none() {
                        None
                    } else {
                        Some(v.str()?.to_string())
                    };
                    state.defines.push((k.str()?.to_string(), value));
                }
            }
            let previous = state.sources.join("\n");
            let mut parser = wyvern::Parser::new();
            for dir in &state.include_dirs {
                parser = parser.include_dir(dir.clone());
            }
            for (name, value) in &state.defines {
                parser = parser.define(name.clone(), value.as_deref());
            }
            (parser, previous)
        };
        let whole = format!("{CFFI_PRELUDE}{previous}\n{text}");
        let set = py
            .detach(|| parser.cdef(whole).parse())
            .map_err(|e| CDefError::new_err(e.to_string()))?;
        self.merge(py, set, true)?;
        self.lock().sources.push(text);
        Ok(())
    }

    /// Opens a library (`None`: the process itself) for this FFI's declarations.
    #[pyo3(signature = (name = None, flags = 0))]
    fn dlopen(
        slf: &Bound<'_, Self>,
        name: Option<&Bound<'_, PyAny>>,
        flags: i32,
    ) -> PyResult<Py<Lib>> {
        let _ = flags;
        let library = match name {
            None => Library::this_process(),
            Some(n) if n.is_none() => Library::this_process(),
            Some(n) => match n.downcast::<CData>() {
                // A handle `dlopen` returned, as cffi takes one.
                Ok(handle) => {
                    let addr = handle.get().as_address().unwrap_or(0);
                    // SAFETY: cffi's contract: the pointer is a live handle from
                    // `dlopen`, which the library now owns (and closes).
                    unsafe { Library::from_raw(addr as *mut std::ffi::c_void, "a dlopen handle") }
                        .map_err(to_py)?
                }
                Err(_) => open_library(&n.str()?.to_string())?,
            },
        };
        let lib = Py::new(slf.py(), Lib::new(slf.clone().unbind(), library))?;
        slf.get()
            .libs
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(lib.clone_ref(slf.py()));
        Ok(lib)
    }

    fn __traverse__(&self, visit: pyo3::PyVisit<'_>) -> Result<(), pyo3::PyTraverseError> {
        if let Ok(libs) = self.libs.try_lock() {
            for lib in libs.iter() {
                visit.call(lib)?;
            }
        }
        Ok(())
    }

    fn __clear__(&self) {
        if let Ok(mut libs) = self.libs.try_lock() {
            libs.clear();
        }
    }

    fn dlclose(&self, lib: &Bound<'_, Lib>) -> PyResult<()> {
        lib.get().close();
        // The functions and constants cached as attributes go too: after
        // closing, every name says the library is closed.
        lib.getattr("__dict__")?.call_method0("clear")?;
        Ok(())
    }

    /// A new zeroed object, owned by the returned cdata: `new("int *", 5)`,
    /// `new("struct foo *", {...})`, `new("int[]", 10)`, `new("char[]", b"text")`.
    #[pyo3(name = "new", signature = (cdecl, init = None))]
    fn new_cdata(
        &self,
        py: Python<'_>,
        cdecl: &Bound<'_, PyAny>,
        init: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<CData> {
        let (types, ty) = self.resolve(cdecl)?;
        no_function_type(&types, &ty)?;
        let init = init.filter(|i| !i.is_none());
        new_object(py, &types, ty, init)
    }

    /// `(cdecl) value`, as C converts (integers wrap, pointers from integers).
    fn cast(&self, cdecl: &Bound<'_, PyAny>, value: &Bound<'_, PyAny>) -> PyResult<CData> {
        let (types, ty) = self.resolve(cdecl)?;
        no_function_type(&types, &ty)?;
        cast(&types, ty, value)
    }

    #[pyo3(name = "typeof")]
    fn type_of(&self, py: Python<'_>, cdecl: &Bound<'_, PyAny>) -> PyResult<Py<CType>> {
        if let Ok(data) = cdecl.downcast::<CData>() {
            // As cffi: `new("int[]", 3)` is an `int[]` (its length is the cdata's).
            let data = data.get();
            return CType::get(py, &data.types, data.ty.clone());
        }
        let (types, info) = self.resolve(cdecl)?;
        CType::get(py, &types, info)
    }

    fn sizeof(&self, cdecl: &Bound<'_, PyAny>) -> PyResult<usize> {
        if let Ok(data) = cdecl.downcast::<CData>() {
            let data = data.get();
            if let (Kind::Array { elem, .. }, Some(n)) = (&data.ty.kind, data.len) {
                let elem = data.types.info(*elem);
                return Ok(n * elem.size.unwrap_or(0));
            }
            return data.ty.size.ok_or_else(|| unknown_size(&data.ty));
        }
        let (_, info) = self.resolve(cdecl)?;
        info.size.ok_or_else(|| unknown_size(&info))
    }

    fn alignof(&self, cdecl: &Bound<'_, PyAny>) -> PyResult<usize> {
        let info = match cdecl.downcast::<CData>() {
            Ok(d) => d.get().ty.clone(),
            Err(_) => self.resolve(cdecl)?.1,
        };
        info.size.ok_or_else(|| unknown_size(&info))?;
        Ok(info.align)
    }

    #[pyo3(signature = (cdecl, *fields))]
    fn offsetof(&self, cdecl: &Bound<'_, PyAny>, fields: &Bound<'_, PyTuple>) -> PyResult<usize> {
        let (types, mut info) = self.resolve(cdecl)?;
        // cffi takes `offsetof("struct s *", "field")` too.
        if let (Kind::Pointer { pointee }, Ok(first)) = (&info.kind, fields.get_item(0)) {
            if first.is_instance_of::<PyString>() {
                info = types.info(*pointee);
            }
        }
        Ok(walk(&types, info, fields)?.1)
    }

    #[pyo3(signature = (cdata, *fields))]
    fn addressof(
        &self,
        cdata: &Bound<'_, PyAny>,
        fields: &Bound<'_, PyTuple>,
    ) -> PyResult<Py<PyAny>> {
        if let Ok(lib) = cdata.downcast::<Lib>() {
            let name: String = match fields.len() {
                1 => fields.get_item(0)?.extract()?,
                n => {
                    return Err(PyTypeError::new_err(format!(
                        "addressof(lib, name) takes one name, got {n}"
                    )))
                }
            };
            return lib.get().address_of(cdata.py(), &name);
        }
        let cdata = cdata.downcast::<CData>()?;
        let data = cdata.get();
        let base = match data.ty.kind {
            Kind::Record { .. } | Kind::Array { .. } => data.addr,
            Kind::Pointer { .. } if !fields.is_empty() => data.addr,
            _ => {
                return Err(PyTypeError::new_err(format!(
                    "expected a cdata struct/union/array, got cdata '{}'",
                    data.ty.name
                )))
            }
        };
        let (start, base, fields) = match data.ty.kind {
            Kind::Pointer { pointee } => {
                // A leading index moves along the pointer, as `&p[i]`.
                let target = data.types.info(pointee);
                match fields
                    .get_item(0)
                    .ok()
                    .and_then(|f| f.extract::<isize>().ok())
                {
                    Some(i) => {
                        let size = target.size.ok_or_else(|| convert::incomplete(&target))?;
                        let at = base.wrapping_add_signed(i.wrapping_mul(size as isize));
                        (target, at, fields.get_slice(1, fields.len()))
                    }
                    None => (target, base, fields.clone()),
                }
            }
            _ => (data.ty.clone(), base, fields.clone()),
        };
        let (ty, offset) = walk(&data.types, start, &fields)?;
        let ptr = data.types.pointer_to(ty.qt).map_err(to_py)?;
        let pointer = CData::pointer(&data.types, ptr, base + offset, data.owner.share());
        Ok(Py::new(cdata.py(), pointer)?.into_any())
    }

    /// cffi's `getctype`: the type's name with `replace_with` put where a
    /// declarator goes (`int(*x)[5]`), parenthesised when a `*` meets an array.
    #[pyo3(signature = (cdecl, replace_with = ""))]
    fn getctype(&self, cdecl: &Bound<'_, PyAny>, replace_with: &str) -> PyResult<String> {
        let (_, info) = self.resolve(cdecl)?;
        let name = &info.name;
        let at = declarator_place(name);
        let replace_with = replace_with.trim();
        let inserted = if replace_with.starts_with('*') && name[at..].starts_with('[') {
            format!("({replace_with})")
        } else if !replace_with.is_empty() && !replace_with.starts_with(['[', '(']) {
            format!(" {replace_with}")
        } else {
            replace_with.to_owned()
        };
        Ok(format!("{}{inserted}{}", &name[..at], &name[at..]))
    }

    /// The bytes of a `char *` or `char[]` up to the NUL (or `maxlen`); an
    /// enum's name for its value; an integer's decimal text.
    #[pyo3(signature = (cdata, maxlen = -1))]
    fn string(
        &self,
        py: Python<'_>,
        cdata: &Bound<'_, CData>,
        maxlen: isize,
    ) -> PyResult<Py<PyAny>> {
        string(py, cdata.get(), maxlen)
    }

    fn unpack(
        &self,
        py: Python<'_>,
        cdata: &Bound<'_, CData>,
        length: usize,
    ) -> PyResult<Py<PyAny>> {
        let data = cdata.get();
        let (elem, addr) = match data.ty.kind {
            Kind::Pointer { pointee } => (data.types.info(pointee), data.addr),
            Kind::Array { elem, .. } => (data.types.info(elem), data.addr),
            _ => {
                return Err(PyTypeError::new_err(format!(
                    "expected a pointer or array, got cdata '{}'",
                    data.ty.name
                )))
            }
        };
        if addr == 0 && length > 0 {
            return Err(PyRuntimeError::new_err(format!(
                "cannot use unpack() on {}",
                data.__repr__()
            )));
        }
        let size = elem.size.ok_or_else(|| convert::incomplete(&elem))?;
        if let Kind::Prim(Prim::WChar { size, signed }) = elem.kind {
            let codes: Vec<u32> = (0..length)
                // SAFETY: the caller says `length` characters are there.
                .map(
                    |i| unsafe { read_int((addr + i * size as usize) as *const u8, size, signed) }
                        as u32,
                )
                .collect();
            return Ok(PyString::new(py, &convert::wide_text(&codes, size))
                .into_any()
                .unbind());
        }
        if let Kind::Prim(Prim::Char) = elem.kind {
            // SAFETY: the caller says `length` bytes are there (cffi's contract).
            let bytes = unsafe { std::slice::from_raw_parts(addr as *const u8, length) };
            return Ok(PyBytes::new(py, bytes).into_any().unbind());
        }
        let mut items = Vec::with_capacity(length);
        for i in 0..length {
            // SAFETY: as above, `length` elements.
            // Structs keep the memory they are in alive (cffi copies them).
            items.push(unsafe {
                convert::read(
                    py,
                    &data.types,
                    &elem,
                    (addr + i * size) as *const u8,
                    &data.owner,
                )?
            });
        }
        Ok(PyList::new(py, items)?.into_any().unbind())
    }

    /// `ffi.callback`'s work; the Python wrapper adds the decorator form.
    #[pyo3(signature = (cdecl, python_callable, error = None, onerror = None))]
    fn _callback(
        &self,
        py: Python<'_>,
        cdecl: &Bound<'_, PyAny>,
        python_callable: Py<PyAny>,
        error: Option<&Bound<'_, PyAny>>,
        onerror: Option<Py<PyAny>>,
    ) -> PyResult<CData> {
        let (types, mut ty) = self.resolve(cdecl)?;
        if let Kind::Function = ty.kind {
            ty = types.pointer_to(ty.qt).map_err(to_py)?;
        }
        if !python_callable.bind(py).is_callable() {
            return Err(PyTypeError::new_err("expected a callable object"));
        }
        crate::callback::make(
            py,
            &types,
            ty,
            python_callable,
            error,
            onerror.filter(|o| !o.is_none(py)),
        )
    }

    fn new_handle(&self, obj: Py<PyAny>) -> CData {
        let types = self.types();
        let held = Arc::new(obj);
        let addr = Arc::as_ptr(&held) as usize;
        let void_ptr = types.named("void *").expect("void * is always there");
        CData::pointer(&types, void_ptr, addr, Owner::Py(held))
    }

    // cffi's name.
    #[allow(clippy::wrong_self_convention)]
    fn from_handle(&self, py: Python<'_>, cdata: &Bound<'_, CData>) -> PyResult<Py<PyAny>> {
        let addr = cdata.get().addr;
        if addr == 0 {
            return Err(PyRuntimeError::new_err(
                "cannot use from_handle() on NULL pointer",
            ));
        }
        // SAFETY: cffi's contract: the pointer came from `new_handle`, whose
        // object is alive while the handle is, and points at a `Py<PyAny>`.
        let obj = unsafe { &*(addr as *const Py<PyAny>) };
        Ok(obj.clone_ref(py))
    }

    #[pyo3(signature = (cdata, destructor, size = 0))]
    fn gc(
        &self,
        py: Python<'_>,
        cdata: &Bound<'_, CData>,
        destructor: Option<Py<PyAny>>,
        size: usize,
    ) -> PyResult<Option<CData>> {
        let _ = size;
        let data = cdata.get();
        let Some(destructor) = destructor.filter(|d| !d.is_none(py)) else {
            // `gc(p, None)` cancels the destructor of an object `gc` made.
            return match &data.owner {
                Owner::Gc(hold) => {
                    hold.cancel();
                    Ok(None)
                }
                _ => Err(PyTypeError::new_err(format!(
                    "gc(p, None): cdata '{}' has no destructor to cancel",
                    data.ty.name
                ))),
            };
        };
        let hold = Arc::new(GcHold {
            pending: Mutex::new(Some((destructor, cdata.clone().unbind()))),
        });
        Ok(Some(CData {
            len: data.len,
            value: data.value,
            ..CData::pointer(&data.types, data.ty.clone(), data.addr, Owner::Gc(hold))
        }))
    }

    #[getter]
    fn get_errno(&self) -> i32 {
        wyvern::last_errno()
    }

    #[setter]
    fn set_errno(&self, value: i32) {
        wyvern::set_errno(value)
    }

    #[getter(NULL)]
    fn null(&self) -> CData {
        let types = self.types();
        let void_ptr = types.named("void *").expect("void * is always there");
        CData::pointer(&types, void_ptr, 0, Owner::None)
    }

    /// A cdata's address (a pointer's value, an object's place), for the
    /// Python side's buffers.
    fn _address(&self, cdata: &Bound<'_, CData>) -> usize {
        let data = cdata.get();
        match data.ty.kind {
            Kind::Pointer { .. }
            | Kind::FuncPtr { .. }
            | Kind::Array { .. }
            | Kind::Record { .. } => data.addr,
            _ => data.bytes_ptr() as usize,
        }
    }

    /// A cdata of pointer or array type `cdecl` at `address`, keeping `keep`
    /// alive (`from_buffer`).
    #[pyo3(signature = (cdecl, address, length, keep))]
    fn _from_address(
        &self,
        cdecl: &Bound<'_, PyAny>,
        address: usize,
        length: Option<usize>,
        keep: Py<PyAny>,
    ) -> PyResult<CData> {
        let (types, ty) = self.resolve(cdecl)?;
        let owner = Owner::Py(Arc::new(keep));
        match ty.kind {
            Kind::Array { .. } => {
                let mut data = CData::object(&types, ty, address, owner);
                if length.is_some() {
                    data.len = length;
                }
                Ok(data)
            }
            Kind::Pointer { .. } => Ok(CData::pointer(&types, ty, address, owner)),
            _ => Err(PyTypeError::new_err(format!(
                "expected a pointer or array type, got '{}'",
                ty.name
            ))),
        }
    }

    /// Declarations from the DWARF of a compiled object (no header, no libclang).
    fn dwarf(&self, py: Python<'_>, path: &str) -> PyResult<()> {
        let set = py
            .detach(|| wyvern::frontend::dwarf::read(path))
            .map_err(to_py)?;
        self.merge(py, set, false)
    }

    /// Declarations from a `.wydb` database (no libclang).
    fn load(&self, py: Python<'_>, path: &str) -> PyResult<()> {
        let _adding = self.adding(py);
        let set = py.detach(|| wyvern::db::load_path(path)).map_err(to_py)?;
        self.merge(py, set, false)
    }

    /// Writes the declarations as a `.wydb` database.
    fn save(&self, path: &str) -> PyResult<()> {
        let types = self.types();
        let inputs = wyvern::frontend::Inputs::default();
        wyvern::db::Database::new(types.set.clone(), &inputs)
            .save(path)
            .map_err(to_py)
    }

    /// A record's layout: pahole's text (`format="text"`) or a dict (`"dict"`).
    #[pyo3(signature = (name, format = "text"))]
    fn layout(&self, py: Python<'_>, name: &str, format: &str) -> PyResult<Py<PyAny>> {
        let types = self.types();
        let qt = types.set.type_named(name).map_err(to_py)?;
        let layout = types.set.record_layout(qt.id, name).map_err(to_py)?;
        match format {
            "text" => Ok(PyString::new(py, &layout.to_text()).into_any().unbind()),
            "dict" => {
                let json = serde_json_text(&layout)?;
                Ok(py.import("json")?.call_method1("loads", (json,))?.unbind())
            }
            other => Err(PyValueError::new_err(format!(
                "format is 'text' or 'dict', not '{other}'"
            ))),
        }
    }

    /// The declarations checked against a binary's DWARF: one line per difference.
    fn check(&self, py: Python<'_>, dwarf: &str) -> PyResult<Vec<String>> {
        let types = self.types();
        let binary = py
            .detach(|| wyvern::frontend::dwarf::read(dwarf))
            .map_err(to_py)?;
        let report = wyvern::check::compare(&types.set, &binary);
        Ok(report
            .to_string()
            .lines()
            .map(str::to_owned)
            .filter(|l| !l.trim().is_empty())
            .collect())
    }

    /// The names declared: `(typedefs, structs, unions)`, as cffi's `list_types`.
    fn list_types(&self) -> (Vec<String>, Vec<String>, Vec<String>) {
        let types = self.types();
        let set = &types.set;
        let mut typedefs: Vec<String> = set.typedefs().map(|t| t.name.clone()).collect();
        let (mut structs, mut unions) = (Vec::new(), Vec::new());
        for (_, r) in set.records() {
            if let Some(tag) = &r.tag {
                match r.kind {
                    wyvern::types::RecordKind::Struct => structs.push(tag.clone()),
                    wyvern::types::RecordKind::Union => unions.push(tag.clone()),
                }
            }
        }
        for v in [&mut typedefs, &mut structs, &mut unions] {
            v.sort();
            v.dedup();
        }
        (typedefs, structs, unions)
    }
}

/// Where in a cffi type name a declarator goes, as cffi's `&` marks it:
/// `int(*&)(int)`, `int(*&)[5]`, `int *&[3]`, `int&[5]`, `int *&`.
fn declarator_place(name: &str) -> usize {
    if let Some(open) = name.find("(*") {
        let rest = &name[open..];
        return open + rest.find([')', '[']).unwrap_or(rest.len());
    }
    name.find(['[', '(']).unwrap_or(name.len())
}

fn serde_json_text(layout: &wyvern::RecordLayout) -> PyResult<String> {
    serde_json::to_string(layout).map_err(|e| PyValueError::new_err(e.to_string()))
}

/// cffi's error for the size of an opaque or incomplete type.
fn unknown_size(ty: &TypeInfo) -> PyErr {
    PyValueError::new_err(format!("ctype '{}' is of unknown size", ty.name))
}

/// `struct X` or `union X`, where `name` starts so, when `error` says it is
/// not declared.
fn opaque_tag<'a>(name: &'a str, error: &wyvern::Error) -> Option<&'a str> {
    if !matches!(error.kind(), wyvern::ErrorKind::NotFound { .. }) {
        return None;
    }
    let mut tokens = wyvern::types::tokenize(name);
    let (_, keyword) = tokens.next()?;
    let (kind, tag) = tokens.next()?;
    let is_record = matches!(&name[keyword.clone()], "struct" | "union");
    (is_record && kind == wyvern::types::TokenKind::Identifier)
        .then(|| &name[keyword.start..tag.end])
}

/// Opens `name` as `dlopen` would, else as the linker resolves `-lNAME`
/// (`"m"`, `"z"`, `"libz.so"`), as cffi's `find_library` fallback does.
pub fn open_library(name: &str) -> PyResult<Library> {
    // SAFETY: loading a library runs its initialisers: what the caller of
    // `dlopen` asks for, as in cffi.
    match unsafe { Library::open(name) } {
        Ok(lib) => Ok(lib),
        Err(first) => {
            let short = name.trim_start_matches("lib");
            let short = short.split(".so").next().unwrap_or(short);
            if !name.contains('/') {
                // SAFETY: as above.
                if let Ok(lib) = unsafe { Library::open_linker_name(short) } {
                    return Ok(lib);
                }
            }
            Err(PyErr::new::<pyo3::exceptions::PyOSError, _>(
                first.to_string(),
            ))
        }
    }
}

fn new_object(
    py: Python<'_>,
    types: &Arc<Types>,
    ty: Arc<TypeInfo>,
    init: Option<&Bound<'_, PyAny>>,
) -> PyResult<CData> {
    let _ = py;
    match ty.kind {
        Kind::Pointer { pointee } => {
            let target = types.info(pointee);
            let size = match target.kind {
                Kind::Void => {
                    return Err(PyTypeError::new_err(format!(
                        "cannot instantiate ctype '{}' of unknown size",
                        target.name
                    )))
                }
                _ => target.size.ok_or_else(|| convert::incomplete(&target))?,
            };
            let size = size.max(flexible_end(types, &target, init)?);
            let mem = Mem::zeroed(size, target.align)?;
            if let Some(init) = init {
                // SAFETY: the memory holds a value of the pointee type.
                unsafe { convert::write(types, &target, mem.addr() as *mut u8, init, 0)? };
            }
            let mut data = CData::pointer(types, ty, mem.addr(), Owner::Mem(mem));
            data.owning = Some(size);
            Ok(data)
        }
        Kind::Array { elem, len } => {
            let elem_info = types.info(elem);
            let elem_size = elem_info
                .size
                .ok_or_else(|| convert::incomplete(&elem_info))?;
            let n = match (len, init) {
                (Some(n), _) => n as usize,
                (None, Some(init)) => array_length(&elem_info, init)?,
                (None, None) => {
                    return Err(PyTypeError::new_err(format!(
                        "'{}': an array of unknown length needs a length or an initializer",
                        ty.name
                    )))
                }
            };
            let size = n
                .checked_mul(elem_size)
                .ok_or_else(|| PyValueError::new_err("array too large"))?;
            let mem = Mem::zeroed(size, elem_info.align)?;
            let array_ty = types.array_of(elem, Some(n as u64)).map_err(to_py)?;
            if let Some(init) = init.filter(|i| i.extract::<usize>().is_err() || len.is_some()) {
                // SAFETY: the memory holds `n` elements.
                unsafe { convert::write(types, &array_ty, mem.addr() as *mut u8, init, 0)? };
            }
            let mut data = CData::object(
                types,
                if len.is_some() { ty } else { ty.clone() },
                mem.addr(),
                Owner::Mem(mem),
            );
            data.len = Some(n);
            data.owning = Some(size);
            Ok(data)
        }
        _ => Err(PyTypeError::new_err(format!(
            "expected a pointer or array ctype, got '{}'",
            ty.name
        ))),
    }
}

/// cffi's refusal of a function type (or an array of them) where an object's
/// type goes: `new` and `cast` want a pointer to the function; and of a
/// pointer to a function C cannot have.
fn no_function_type(types: &Arc<Types>, ty: &TypeInfo) -> PyResult<()> {
    let function = match ty.kind {
        Kind::Function => true,
        Kind::Array { elem, .. } => matches!(types.info(elem).kind, Kind::Function),
        _ => false,
    };
    if function {
        return Err(CDefError::new_err(format!(
            "the type '{}' is a function type, not a pointer-to-function type",
            ty.name
        )));
    }
    // C has no function returning an array or a function (C11 6.7.6.3p1).
    if let Kind::FuncPtr { func } = ty.kind {
        if let Some(sig) = ty.set.fn_sig(func) {
            if let Kind::Array { .. } | Kind::Function = types.info(sig.ret).kind {
                return Err(PyTypeError::new_err(format!(
                    "'{}': a function cannot return an array or a function",
                    ty.name
                )));
            }
        }
    }
    Ok(())
}

/// Where a struct's flexible array member ends with the elements `init`
/// gives it (`new("struct s *", [n, [1, 2, 3]])`): what cffi allocates for a
/// var-sized struct; 0 when there is none or `init` leaves it empty.
fn flexible_end(
    types: &Arc<Types>,
    record: &TypeInfo,
    init: Option<&Bound<'_, PyAny>>,
) -> PyResult<usize> {
    let Some(init) = init else { return Ok(0) };
    let top: Vec<_> = record.fields().iter().filter(|f| f.top_level).collect();
    let Some(last) = top.last() else { return Ok(0) };
    let Kind::Array { elem, len: None } = types.info(last.ty).kind else {
        return Ok(0);
    };
    let value = match init.downcast::<PyDict>() {
        Ok(dict) => dict.get_item(&last.name)?,
        Err(_) => sequence(init).and_then(|items| items.get(top.len() - 1).cloned()),
    };
    let Some(value) = value else { return Ok(0) };
    let elem = types.info(elem);
    let n = array_length(&elem, &value)?;
    n.checked_mul(elem.size.unwrap_or(0))
        .and_then(|bytes| bytes.checked_add((last.offset_bits / 8) as usize))
        .ok_or_else(|| PyValueError::new_err("array too large"))
}

/// The length `new("T[]", init)` makes: an int is the length; a sequence's
/// length; `bytes` for a `char[]` with its NUL.
fn array_length(elem: &TypeInfo, init: &Bound<'_, PyAny>) -> PyResult<usize> {
    if let Ok(n) = init.extract::<isize>() {
        return usize::try_from(n)
            .map_err(|_| PyValueError::new_err(format!("negative array length {n}")));
    }
    if let Ok(b) = init.downcast::<PyBytes>() {
        if elem.size == Some(1) {
            return Ok(b.as_bytes().len() + 1);
        }
    }
    if let (Ok(text), Kind::Prim(Prim::WChar { size, .. })) =
        (init.downcast::<PyString>(), &elem.kind)
    {
        return Ok(convert::wide_codes(&text.to_cow()?, *size).len() + 1);
    }
    if let Some(items) = sequence(init) {
        return Ok(items.len());
    }
    Err(PyTypeError::new_err(format!(
        "expected a length or a list, got {}",
        convert::type_name(init)
    )))
}

/// Follows `fields` (names, or indexes into arrays) from `start`: the type
/// reached and its offset in bytes.
fn walk(
    types: &Arc<Types>,
    start: Arc<TypeInfo>,
    fields: &Bound<'_, PyTuple>,
) -> PyResult<(Arc<TypeInfo>, usize)> {
    let mut ty = start;
    let mut offset = 0usize;
    for f in fields.iter() {
        if let Ok(name) = f.extract::<String>() {
            let field = ty
                .field(&name)
                .cloned()
                .ok_or_else(|| PyKeyError(format!("'{}' has no field '{name}'", ty.name)))?;
            if field.bit_width.is_some() {
                return Err(PyTypeError::new_err(format!(
                    "field '{name}' is a bitfield"
                )));
            }
            offset += (field.offset_bits / 8) as usize;
            ty = types.info(field.ty);
        } else {
            let i: usize = f.extract()?;
            let (elem, size) = match ty.kind {
                Kind::Array { elem, .. } | Kind::Pointer { pointee: elem } => {
                    let e = types.info(elem);
                    let s = e.size.unwrap_or(0);
                    (e, s)
                }
                _ => {
                    return Err(PyTypeError::new_err(format!(
                        "'{}' is not an array",
                        ty.name
                    )))
                }
            };
            offset += i * size;
            ty = elem;
        }
    }
    Ok((ty, offset))
}

#[allow(non_snake_case)]
fn PyKeyError(message: String) -> PyErr {
    pyo3::exceptions::PyKeyError::new_err(message)
}

/// `(ty) value`.
fn cast(types: &Arc<Types>, ty: Arc<TypeInfo>, value: &Bound<'_, PyAny>) -> PyResult<CData> {
    match ty.kind {
        Kind::Pointer { .. } | Kind::FuncPtr { .. } => {
            let addr = if value.is_none() {
                0
            } else if let Ok(data) = value.downcast::<CData>() {
                let data = data.get();
                match data.as_address() {
                    Some(a) => a,
                    None => scalar_int(data).map(|v| v as usize).ok_or_else(|| {
                        PyTypeError::new_err(format!(
                            "cannot cast cdata '{}' to '{}'",
                            data.ty.name, ty.name
                        ))
                    })?,
                }
            } else {
                let v: i128 = value
                    .extract()
                    .map_err(|_| convert::wrong_type(&ty, "an int or a cdata", value))?;
                v as usize
            };
            Ok(CData::pointer(types, ty, addr, Owner::None))
        }
        Kind::Prim(p) => {
            let mut bytes = [0u8; 16];
            match p {
                Prim::Float | Prim::Double | Prim::LongDouble => {
                    let f = cast_float(value, &ty)?;
                    match p {
                        Prim::Float => bytes[..4].copy_from_slice(&(f as f32).to_le_bytes()),
                        Prim::Double => bytes[..8].copy_from_slice(&f.to_le_bytes()),
                        _ => bytes = convert::long_double_bytes(f),
                    }
                }
                // Any non-zero value, a float's included, is true.
                Prim::Bool => bytes[0] = u8::from(cast_truth(value, &ty)?),
                Prim::Char | Prim::Int { .. } | Prim::WChar { .. } => {
                    let v = cast_int(value, &ty)?;
                    bytes = v.to_le_bytes();
                    let size = ty.size.unwrap_or(16);
                    bytes[size.min(16)..].fill(0);
                }
            }
            Ok(CData::scalar(types, ty, bytes))
        }
        Kind::Enum { size, .. } => {
            let v = cast_int(value, &ty)?;
            let mut bytes = v.to_le_bytes();
            bytes[usize::from(size).min(16)..].fill(0);
            Ok(CData::scalar(types, ty, bytes))
        }
        // An array at a pointer's (or another array's) address, as cffi casts.
        Kind::Array { .. } => {
            let addr = value
                .downcast::<CData>()
                .ok()
                .and_then(|d| d.get().as_address())
                .ok_or_else(|| convert::wrong_type(&ty, "a cdata pointer or array", value))?;
            Ok(CData::object(types, ty, addr, Owner::None))
        }
        Kind::Function => Err(CDefError::new_err(format!(
            "cannot cast to the function type '{}': cast to a pointer to it",
            ty.name
        ))),
        _ => Err(PyTypeError::new_err(format!(
            "cannot cast to ctype '{}'",
            ty.name
        ))),
    }
}

/// A float cast to an integer type: truncated, as C does; NaN and the
/// infinities have no integer (cffi's `ValueError` and `OverflowError`).
fn float_to_int(f: f64) -> PyResult<i128> {
    if f.is_nan() {
        return Err(PyValueError::new_err("cannot convert float NaN to integer"));
    }
    if f.is_infinite() {
        return Err(pyo3::exceptions::PyOverflowError::new_err(
            "cannot convert float infinity to integer",
        ));
    }
    Ok(f as i128)
}

/// `(_Bool) value`: whether it is non-zero (`0.1` is true).
fn cast_truth(value: &Bound<'_, PyAny>, ty: &TypeInfo) -> PyResult<bool> {
    if let Ok(f) = value.downcast::<pyo3::types::PyFloat>() {
        return Ok(f.value() != 0.0);
    }
    Ok(cast_int(value, ty)? != 0)
}

fn cast_int(value: &Bound<'_, PyAny>, ty: &TypeInfo) -> PyResult<i128> {
    // A character: its code (`(int) L'x'`).
    if let Ok(s) = value.downcast::<PyString>() {
        let text = s.to_cow()?;
        let mut chars = text.chars();
        if let (Some(c), None) = (chars.next(), chars.next()) {
            return Ok(i128::from(u32::from(c)));
        }
    }
    if let Ok(b) = value.downcast::<PyBytes>() {
        if let [byte] = b.as_bytes() {
            return Ok(i128::from(*byte));
        }
    }
    if let Ok(data) = value.downcast::<CData>() {
        let data = data.get();
        if let Some(v) = scalar_int(data) {
            return Ok(v);
        }
        if let Some(a) = data.as_address() {
            return Ok(a as i128);
        }
        if let Ok(f) = value
            .call_method0("__float__")
            .and_then(|f| f.extract::<f64>())
        {
            return float_to_int(f);
        }
    }
    if let Ok(f) = value.downcast::<pyo3::types::PyFloat>() {
        return float_to_int(f.value());
    }
    if let Ok(v) = value.extract::<i128>() {
        return Ok(v);
    }
    // Beyond 128 bits: wrap as C does.
    if let Ok(masked) = value
        .call_method1("__and__", (u128::MAX,))
        .and_then(|m| m.extract::<u128>())
    {
        return Ok(masked as i128);
    }
    Err(convert::wrong_type(ty, "an int or a cdata", value))
}

fn cast_float(value: &Bound<'_, PyAny>, ty: &TypeInfo) -> PyResult<f64> {
    if let Ok(b) = value.downcast::<PyBytes>() {
        if let [byte] = b.as_bytes() {
            return Ok(f64::from(*byte));
        }
    }
    convert::as_float(value, ty)
}

/// `string()` of a wide character pointer or array: the `str` up to the NUL
/// (or `limit` characters, or the array's end).
fn wide_string(
    py: Python<'_>,
    data: &CData,
    elem: wyvern::QualType,
    limit: usize,
) -> PyResult<Py<PyAny>> {
    let Kind::Prim(Prim::WChar { size, signed }) = data.types.info(elem).kind else {
        return Err(PyTypeError::new_err("not a wide character type"));
    };
    if data.addr == 0 {
        return Err(PyRuntimeError::new_err(format!(
            "cannot use string() on {}",
            data.__repr__()
        )));
    }
    let bound = match data.ty.kind {
        Kind::Array { .. } => data.len.unwrap_or(usize::MAX).min(limit),
        _ => limit,
    };
    let mut codes = Vec::new();
    while codes.len() < bound {
        let at = data.addr + codes.len() * usize::from(size);
        // SAFETY: a wide character pointer points to text up to a NUL (cffi's
        // contract); an array holds `len` characters.
        let code = unsafe { read_int(at as *const u8, size, signed) };
        if code == 0 {
            break;
        }
        codes.push(code as u32);
    }
    Ok(PyString::new(py, &convert::wide_text(&codes, size))
        .into_any()
        .unbind())
}

fn string(py: Python<'_>, data: &CData, maxlen: isize) -> PyResult<Py<PyAny>> {
    let limit = usize::try_from(maxlen).unwrap_or(usize::MAX);
    match data.ty.kind {
        Kind::Pointer { pointee } | Kind::Array { elem: pointee, .. }
            if matches!(
                data.types.info(pointee).kind,
                Kind::Prim(Prim::WChar { .. })
            ) =>
        {
            wide_string(py, data, pointee, limit)
        }
        Kind::Pointer { pointee } | Kind::Array { elem: pointee, .. } => {
            let elem = data.types.info(pointee);
            if elem.size != Some(1) || !matches!(elem.kind, Kind::Prim(_)) {
                return Err(PyTypeError::new_err(format!(
                    "string() of cdata '{}': expected a char pointer or array",
                    data.ty.name
                )));
            }
            if data.addr == 0 {
                return Err(PyRuntimeError::new_err(format!(
                    "cannot use string() on {}",
                    data.__repr__()
                )));
            }
            let bound = match data.ty.kind {
                Kind::Array { .. } => data.len.unwrap_or(usize::MAX).min(limit),
                _ => limit,
            };
            let mut n = 0;
            // SAFETY: a char pointer points to text up to a NUL (cffi's
            // contract), an array holds `len` bytes.
            while n < bound && unsafe { *(data.addr as *const u8).add(n) } != 0 {
                n += 1;
            }
            // SAFETY: the `n` bytes were just read.
            let bytes = unsafe { std::slice::from_raw_parts(data.addr as *const u8, n) };
            Ok(PyBytes::new(py, bytes).into_any().unbind())
        }
        Kind::Prim(Prim::Char) => Ok(PyBytes::new(py, &data.value[..1]).into_any().unbind()),
        Kind::Prim(Prim::WChar { .. }) => {
            convert::wide_char_object(py, scalar_int(data).unwrap_or(0))
        }
        Kind::Enum { size, signed, id } => {
            // SAFETY: an enum's value bytes.
            let v = unsafe { read_int(data.value.as_ptr(), size, signed) };
            let e = data.ty.set.enum_(id);
            let name = e
                .constants
                .iter()
                .find(|(_, c)| *c == v)
                .map(|(n, _)| n.clone())
                .unwrap_or_else(|| v.to_string());
            Ok(PyString::new(py, &name).into_any().unbind())
        }
        Kind::Prim(Prim::Bool) => Err(PyTypeError::new_err(format!(
            "string() not supported on cdata '{}'",
            data.ty.name
        ))),
        _ => match scalar_int(data) {
            Some(v) => Ok(PyString::new(py, &v.to_string()).into_any().unbind()),
            None => Err(PyTypeError::new_err(format!(
                "string() not supported on cdata '{}'",
                data.ty.name
            ))),
        },
    }
}
