//! `FFI`: cffi's ABI-mode entry point. Declarations come from `cdef` (real C
//! through libclang, `#include`s included), a binary's DWARF or a `.wydb`
//! database, and grow with each call; objects, casts and strings are made
//! against them.

use std::sync::{Arc, Mutex};

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString};
use rustc_hash::FxHashMap;
use wyvern::{Library, TypeSet};

use crate::convert::{self};
use crate::ctype::CType;
use crate::error::{to_py, CDefError};
use crate::lib_obj::Lib;
use crate::object::CData;
use crate::types::{TypeInfo, Types};

mod definitions;
mod extras;
mod gc;
mod make;
mod objects;
mod prelude;
mod redeclare;
mod text;

pub use gc::GcHold;
use make::opaque_tag;
pub use make::open_library;
use prelude::{empty_set, CFFI_PRELUDE};
pub use redeclare::HIDDEN_PREFIX;

#[pyclass(subclass, frozen, module = "wyvern._wyvern", name = "FFI")]
pub struct Ffi {
    pub state: Mutex<State>,
    /// Held while declarations are added, so that two threads' `cdef`s
    /// both land (the parse runs without the state's lock, or the GIL).
    adding: Mutex<()>,
    /// The libraries `dlopen` opened: an FFI keeps them alive, as cffi's does.
    libs: Mutex<Vec<Py<Lib>>>,
    /// `ffi.NULL`, made on first use.
    null: std::sync::OnceLock<Py<CData>>,
}

/// The diagnostics of a strict parse's error that point into a cdef's text
/// (`<cdef>`, `<cdef 2>`, the FFI's own `<ffi>`), one a line; `None` when
/// all are in headers.
fn warnings_in_cdef_text(error: &wyvern::Error) -> Option<String> {
    let wyvern::ErrorKind::Parse { diagnostics } = error.kind() else {
        return None;
    };
    let lines: Vec<String> = diagnostics
        .iter()
        .filter(|d| {
            d.location
                .as_ref()
                .is_some_and(|l| l.file.starts_with("<cdef") || &*l.file == "<ffi>")
        })
        .map(|d| d.to_string())
        .collect();
    (!lines.is_empty()).then(|| lines.join("\n"))
}

/// Which user `cdef` a source is, for [`Ffi::add_source`].
struct UserCdef {
    /// Its file name in locations: `<cdef 2>`.
    place: String,
    /// Its number, which makes hidden names unique.
    number: usize,
    r#override: bool,
}

pub struct State {
    pub types: Arc<Types>,
    /// Every `cdef` so far, for the next to see their declarations.
    sources: Vec<String>,
    /// How many of `sources` are the user's `cdef`s (the others are
    /// declarations the FFI made itself).
    cdefs: usize,
    /// Nothing declared yet: the first set read replaces the empty one
    /// rather than being merged into it.
    empty: bool,
    include_dirs: Vec<String>,
    defines: Vec<(String, Option<String>)>,
    /// Every declaration came from `sources` (no DWARF or database was
    /// merged in), so a parse of them is the whole set.
    only_cdefs: bool,
    /// Types by the names they were asked by.
    names: FxHashMap<String, Arc<TypeInfo>>,
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

    /// Adds declarations the FFI makes itself (an opaque `struct X;` for a tag
    /// named before it is declared): in a file of their own, `<ffi>`, so that
    /// `<cdef N>` counts only the user's `cdef`s.
    fn declare(&self, py: Python<'_>, text: &str) -> PyResult<()> {
        let _adding = self.adding(py);
        self.add_source(py, format!("#line 1 \"<ffi>\"\n{text}\n"), None)
    }

    /// Parses `text` after every source so far and, when it parses, keeps it
    /// (the caller holds [`adding`](Self::adding)). For a user's cdef,
    /// `user` says which it is: a name it declares again with another type
    /// is cffi's `FFIError`, or, with `override`, replaces the old
    /// declaration ([`redeclare`]).
    fn add_source(&self, py: Python<'_>, text: String, user: Option<UserCdef>) -> PyResult<()> {
        let (include_dirs, defines, previous, only_cdefs) = {
            let state = self.lock();
            (
                state.include_dirs.clone(),
                state.defines.clone(),
                state.sources.join("\n"),
                state.only_cdefs,
            )
        };
        let parser = |strict: bool| {
            let mut parser = wyvern::Parser::new()
                // `long abs(long);` is what the user says the library has.
                .arg("-Wno-incompatible-library-redeclaration");
            if strict {
                // A warning in the user's text is an error, as cffi's parser
                // refuses what it does not understand (`struct s { int a }`,
                // the `;` missing).
                parser = parser
                    .arg("-Werror")
                    .arg("-Wno-error=pragma-pack")
                    // A macro defined again is cffi's FFIError (the merge's
                    // conflict) when its value differs, and fine when it does not.
                    .arg("-Wno-error=macro-redefined");
            }
            for dir in &include_dirs {
                parser = parser.include_dir(dir.clone());
            }
            for (name, value) in &defines {
                parser = parser.define(name.clone(), value.as_deref());
            }
            parser
        };
        // Strict for the cdef texts, not for the headers they include (a
        // project's header found through `include_dirs` may well warn): a
        // strict failure is parsed again as C. When C accepts it, the
        // failure is the cdef texts' warnings, and only those are reported.
        type Parsed = (TypeSet, Vec<wyvern::Definition>);
        let parse = |whole: String| -> Result<Parsed, (wyvern::Error, Option<String>)> {
            py.detach(|| {
                let strict = match parser(true).cdef(whole.clone()).parse_with_definitions() {
                    Ok(parsed) => return Ok(parsed),
                    Err(e) => e,
                };
                match parser(false).cdef(whole).parse_with_definitions() {
                    Err(e) => Err((e, None)),
                    Ok(parsed) => match warnings_in_cdef_text(&strict) {
                        None => Ok(parsed),
                        Some(text) => Err((strict, Some(text))),
                    },
                }
            })
        };
        let mut hidden: Vec<String> = Vec::new();
        loop {
            let previous = match &user {
                Some(u) if !hidden.is_empty() => {
                    let (before, after) = redeclare::hiding(&hidden, u.number);
                    format!("{before}{previous}\n{after}")
                }
                _ => previous.clone(),
            };
            let whole = format!("{CFFI_PRELUDE}{previous}\n{text}");
            let (error, warnings) = match parse(whole) {
                Ok((set, defined)) => {
                    // What the texts define (the headers they include may):
                    // earlier cdefs had none, so any is this one's.
                    if let Some(first) = defined.first() {
                        return Err(definitions::refusal(first));
                    }
                    if hidden.is_empty() || !only_cdefs {
                        // A set read from DWARF or a database is not in the
                        // sources: the old declaration stays there, and the
                        // merge says they conflict.
                        let replacing = user.as_ref().is_some_and(|u| u.r#override);
                        self.merge_with(py, set, true, replacing)?;
                    } else {
                        // Every declaration is in the sources just parsed.
                        let mut state = self.lock();
                        state.types = Types::new(set);
                        state.names.clear();
                    }
                    if !hidden.is_empty() {
                        self.forget_cached(py, &hidden)?;
                    }
                    let mut state = self.lock();
                    if !hidden.is_empty() {
                        state.sources = vec![previous];
                    }
                    state.sources.push(text);
                    return Ok(());
                }
                Err(e) => e,
            };
            if let Some(u) = &user {
                let clashes = redeclare::clashes(&error, &u.place);
                if let Some(first) = clashes.first() {
                    if !u.r#override {
                        return Err(crate::error::FFIError::new_err(format!(
                            "{}: multiple declarations of '{}' (for interactive usage, try cdef(xx, override=True))",
                            first.location, first.name
                        )));
                    }
                    let new: Vec<String> = clashes
                        .into_iter()
                        .map(|c| c.name)
                        .filter(|n| !hidden.contains(n))
                        .collect();
                    if !new.is_empty() && hidden.len() < 256 {
                        hidden.extend(new);
                        continue;
                    }
                }
            }
            return Err(CDefError::new_err(
                warnings.unwrap_or_else(|| error.to_string()),
            ));
        }
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
        self.merge_with(py, set, has_scalars, false)
    }

    /// Drops what the libraries opened from this FFI cached as attributes for
    /// `names` (`lib.f` looked up before an override replaced `f`).
    fn forget_cached(&self, py: Python<'_>, names: &[String]) -> PyResult<()> {
        let libs: Vec<Py<Lib>> = {
            let libs = self.libs.lock().unwrap_or_else(|p| p.into_inner());
            libs.iter().map(|l| l.clone_ref(py)).collect()
        };
        for lib in libs {
            let dict = lib.get().cache(py);
            for name in names {
                if dict.contains(name)? {
                    dict.del_item(name)?;
                }
            }
        }
        Ok(())
    }

    /// [`merge`](Self::merge); with `replacing` (a cdef's `override=True`),
    /// the set's functions and globals replace those of the same name
    /// declared otherwise (from DWARF or a database, which are not in the
    /// sources parsed again, where a clash would be clang's).
    fn merge_with(
        &self,
        py: Python<'_>,
        set: TypeSet,
        has_scalars: bool,
        replacing: bool,
    ) -> PyResult<()> {
        let (mut current, empty) = {
            let state = self.lock();
            (state.types.set.clone(), state.empty)
        };
        let mut replaced: Vec<String> = Vec::new();
        if replacing && !empty {
            let differs: Vec<String> = set
                .functions()
                .filter(|f| {
                    current.function(&f.name).is_ok_and(|old| {
                        current.prototype(old) != set.prototype(f) || old.symbol() != f.symbol()
                    })
                })
                .map(|f| f.name.clone())
                .chain(
                    set.globals()
                        .filter(|g| {
                            current.global(&g.name).is_ok_and(|old| {
                                current.spell(old.ty) != set.spell(g.ty)
                                    || old.symbol() != g.symbol()
                            })
                        })
                        .map(|g| g.name.clone()),
                )
                .collect();
            if !differs.is_empty() {
                let names: Vec<&str> = differs.iter().map(String::as_str).collect();
                current = current.without(&names);
                replaced = differs;
            }
        }
        let merged = if empty && has_scalars {
            set
        } else {
            py.detach(|| current.merge(&set))
                .map_err(|e| crate::error::FFIError::new_err(e.to_string()))?
        };
        {
            let mut state = self.lock();
            state.types = Types::new(merged);
            state.empty = false;
            state.only_cdefs &= has_scalars;
            state.names.clear();
        }
        // After the new declarations are in place: the merge above runs
        // without the GIL, and a `lib.f` looked up meanwhile cached the old `f`.
        if !replaced.is_empty() {
            self.forget_cached(py, &replaced)?;
        }
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
            null: std::sync::OnceLock::new(),
            state: Mutex::new(State {
                types: Types::new(empty_set()),
                sources: Vec::new(),
                cdefs: 0,
                only_cdefs: true,
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
        let number = self.lock().cdefs + 1;
        let label = match number {
            1 => "#line 1 \"<cdef>\"\n".to_owned(),
            n => format!("#line 1 \"<cdef {n}>\"\n"),
        };
        let place = match number {
            1 => "<cdef>".to_owned(),
            n => format!("<cdef {n}>"),
        };
        if let Some(n) = pack {
            text.push_str(&format!(
                "#pragma pack(push, {n})\n{label}{csource}\n#pragma pack(pop)\n"
            ));
        } else {
            text.push_str(&format!("{label}{csource}\n"));
        }
        {
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
        }
        let user = UserCdef {
            place,
            number,
            r#override,
        };
        self.add_source(py, text, Some(user))?;
        self.lock().cdefs += 1;
        Ok(())
    }

    /// Opens a library (`None`: the process itself) for this FFI's declarations.
    #[pyo3(signature = (name = None, flags = 0))]
    fn dlopen(
        slf: &Bound<'_, Self>,
        name: Option<&Bound<'_, PyAny>>,
        flags: i32,
    ) -> PyResult<Py<Lib>> {
        let process = name.is_none_or(|n| n.is_none());
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
                Err(_) => open_library(&n.str()?.to_string(), flags)?,
            },
        };
        let lib = Lib::create(slf.py(), slf.clone().unbind(), library, process)?;
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
        lib.get().cache(lib.py()).clear();
        Ok(())
    }
}

/// A cdata of the built-in `int` type, for what needs one object of the
/// class (the vectorcall field's place in every object).
pub fn sample_cdata() -> PyResult<CData> {
    let types = Types::new(empty_set());
    let int = types.named("int").map_err(to_py)?;
    Ok(CData::scalar(&types, int, [0; 16]))
}
