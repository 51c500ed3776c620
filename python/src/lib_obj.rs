//! `Lib`: what `ffi.dlopen` returns. Functions, globals (read and written) and
//! constants (macros too) by their C names, against the FFI's declarations
//! as they are when asked (a later `cdef` is seen).

use std::sync::{Arc, Mutex};

use pyo3::exceptions::PyAttributeError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};
use wyvern::{ConstValue, Library, Module};

use crate::call::CallPlan;
use crate::convert;
use crate::error::to_py;
use crate::ffi::Ffi;
use crate::object::{CData, Owner};
use crate::types::Types;

#[pyclass(frozen, module = "wyvern._wyvern", name = "Lib")]
pub struct Lib {
    ffi: Py<Ffi>,
    /// The library bound to the FFI's declarations as last seen; `None` once closed.
    module: Mutex<Option<(Arc<Types>, Arc<Module>)>>,
    name: String,
    /// `dlopen(None)` (or `include` without `lib=`): a missing symbol may be
    /// one of a library not yet opened, which the error says.
    process: bool,
    /// The functions and constants looked up so far, by name: the
    /// instance dict (see [`crate::slots`]), where CPython's own attribute
    /// lookup finds them before `__getattr__` runs.
    cache: Py<PyDict>,
    /// Its weak references (see [`crate::slots`]).
    weaklist: crate::slots::WeakList,
}

impl Lib {
    /// A new `Lib` object; the first one made tells the class where its
    /// dict and weak references are ([`crate::slots::install`]).
    pub fn create(
        py: Python<'_>,
        ffi: Py<Ffi>,
        library: Library,
        process: bool,
    ) -> PyResult<Py<Lib>> {
        let name = library.name().to_owned();
        let types = ffi.get().types();
        let module = Arc::new(Module::new(types.set.clone(), library));
        let lib = Bound::new(
            py,
            Lib {
                ffi,
                module: Mutex::new(Some((types, module))),
                name,
                process,
                cache: PyDict::new(py).unbind(),
                weaklist: crate::slots::WeakList::new(),
            },
        )?;
        static INSTALLED: std::sync::Once = std::sync::Once::new();
        let mut failed = None;
        INSTALLED.call_once(|| {
            let ty = py.get_type::<Lib>();
            let this = lib.get();
            let slots = [
                (
                    std::ptr::addr_of!(this.cache).cast::<u8>(),
                    crate::slots::Slot::Dict,
                ),
                (
                    std::ptr::addr_of!(this.weaklist).cast::<u8>(),
                    crate::slots::Slot::WeakList,
                ),
            ];
            for (field, slot) in slots {
                let done =
                    crate::slots::install(&ty, crate::slots::Class::Lib, lib.as_any(), field, slot);
                if let Err(e) = done {
                    failed = Some(e);
                }
            }
        });
        match failed {
            Some(e) => Err(e),
            None => Ok(lib.unbind()),
        }
    }

    /// The functions and constants looked up so far (its `__dict__`).
    pub fn cache<'py>(&self, py: Python<'py>) -> &Bound<'py, PyDict> {
        self.cache.bind(py)
    }

    pub fn close(&self) {
        *self.module.lock().unwrap_or_else(|p| p.into_inner()) = None;
    }

    /// The module for the FFI's current declarations.
    fn current(&self) -> PyResult<(Arc<Types>, Arc<Module>)> {
        let types = self.ffi.get().types();
        let mut slot = self.module.lock().unwrap_or_else(|p| p.into_inner());
        let Some((seen, module)) = slot.as_ref() else {
            return Err(crate::error::FFIError::new_err(format!(
                "library '{}' has been closed",
                self.name
            )));
        };
        if Arc::ptr_eq(seen, &types) {
            return Ok((seen.clone(), module.clone()));
        }
        let module = Arc::new(module.rebind(types.set.clone()));
        *slot = Some((types.clone(), module.clone()));
        Ok((types, module))
    }

    fn function(
        &self,
        py: Python<'_>,
        types: &Arc<Types>,
        module: &Module,
        name: &str,
    ) -> PyResult<Py<PyAny>> {
        let func = module.function(name).map_err(|e| {
            // A declared function the library does not define is cffi's
            // AttributeError (so `hasattr(lib, name)` says False).
            if matches!(e.kind(), wyvern::ErrorKind::Symbol { .. }) {
                let hint = if self.process {
                    // `include("<zlib.h>")` declares zlib's functions in a
                    // process that has not loaded zlib.
                    " (the library that defines it is not loaded: open it with \
                     ffi.dlopen(...) or ffi.include(..., lib=...))"
                } else {
                    ""
                };
                return pyo3::exceptions::PyAttributeError::new_err(format!("{e}{hint}"));
            }
            to_py(e)
        })?;
        let decl = types.set.function(name).map_err(to_py)?;
        let fn_ty = types
            .set
            .derive(wyvern::Type::Function(func.signature().clone()))
            .map_err(to_py)?;
        let ptr = types
            .pointer_to(wyvern::QualType::new(fn_ty))
            .map_err(to_py)?;
        let _ = decl;
        let addr = func.address() as usize;
        let data = CData::pointer(types, ptr, addr, Owner::None);
        let _ = data.plan.set(Arc::new(CallPlan::new(types, func)));
        Ok(Py::new(py, data)?.into_any())
    }

    /// `ffi.addressof(lib, name)`: a pointer to a global, or a function's pointer.
    pub fn address_of(&self, py: Python<'_>, name: &str) -> PyResult<Py<PyAny>> {
        let (types, module) = self.current()?;
        if let Some((ty, addr)) = self.global_address(&types, &module, name)? {
            let ptr = types.pointer_to(ty.qt).map_err(to_py)?;
            return Ok(Py::new(py, CData::pointer(&types, ptr, addr, Owner::None))?.into_any());
        }
        if types.set.function(name).is_ok() {
            return self.function(py, &types, &module, name);
        }
        Err(PyAttributeError::new_err(format!(
            "library '{}' has no function or global variable '{name}'",
            self.name
        )))
    }

    fn global_address(
        &self,
        types: &Arc<Types>,
        module: &Module,
        name: &str,
    ) -> PyResult<Option<(Arc<crate::types::TypeInfo>, usize)>> {
        let Ok(global) = types.set.global(name) else {
            return Ok(None);
        };
        let addr = module.symbol(global.symbol()).map_err(|e| match e.kind() {
            // As for a function: cffi's AttributeError.
            wyvern::ErrorKind::Symbol { .. } => {
                pyo3::exceptions::PyAttributeError::new_err(e.to_string())
            }
            _ => to_py(e),
        })? as usize;
        Ok(Some((types.info(global.ty), addr)))
    }
}

fn constant(py: Python<'_>, types: &Arc<Types>, c: &wyvern::Constant) -> PyResult<Py<PyAny>> {
    Ok(match &c.value {
        ConstValue::Int(v) => convert::int_object(py, *v)?,
        ConstValue::Float(f) => f.into_pyobject(py)?.into_any().unbind(),
        ConstValue::Str(bytes) => PyBytes::new(py, bytes).into_any().unbind(),
        ConstValue::LongDouble(ld) => ld.to_f64().into_pyobject(py)?.into_any().unbind(),
        ConstValue::Pointer(addr) => {
            let ty = types.info(c.ty);
            let ty = if ty.is_pointer_like() {
                ty
            } else {
                types.named("void *").map_err(to_py)?
            };
            Py::new(py, CData::pointer(types, ty, *addr as usize, Owner::None))?.into_any()
        }
    })
}

/// Whether a value of type `qt` is const: qualified so, through its
/// typedefs, or (an array) in its elements.
fn is_const(set: &wyvern::TypeSet, qt: wyvern::QualType, depth: u32) -> bool {
    if qt.quals.contains(wyvern::types::Quals::CONST) {
        return true;
    }
    match set.ty(qt.id) {
        _ if depth > 64 => false,
        wyvern::Type::Typedef(t) => is_const(set, set.typedef(*t).target, depth + 1),
        wyvern::Type::Array { elem, .. } => is_const(set, *elem, depth + 1),
        _ => false,
    }
}

#[pymethods]
impl Lib {
    /// What the cycle collector sees: the FFI (which keeps this library).
    fn __traverse__(&self, visit: pyo3::PyVisit<'_>) -> Result<(), pyo3::PyTraverseError> {
        visit.call(&self.ffi)?;
        visit.call(&self.cache)
    }

    /// What it has looked up so far, as cffi's library objects keep it.
    #[getter]
    fn __dict__(&self, py: Python<'_>) -> Py<PyDict> {
        self.cache.clone_ref(py)
    }

    fn __getattr__(slf: &Bound<'_, Self>, name: &str) -> PyResult<Py<PyAny>> {
        let py = slf.py();
        let this = slf.get();
        if name.starts_with("__") {
            return Err(PyAttributeError::new_err(name.to_owned()));
        }
        // Found here only when the class has no instance dict (see `slots`).
        if let Some(cached) = this.cache(py).get_item(name)? {
            return Ok(cached.unbind());
        }
        let (types, module) = this.current()?;
        if types.set.function(name).is_ok() {
            let f = this.function(py, &types, &module, name)?;
            // Later lookups find it in the instance dict, as fast as an attribute.
            this.cache(py).set_item(name, &f)?;
            return Ok(f);
        }
        if let Some((ty, addr)) = this.global_address(&types, &module, name)? {
            // A const record or array may be in read-only memory: its fields
            // and elements refuse writes.
            let owner = if is_const(&types.set, ty.qt, 0) {
                Owner::ReadOnly
            } else {
                Owner::None
            };
            // SAFETY: the symbol is the global's, of its declared type.
            return unsafe { convert::read(py, &types, &ty, addr as *const u8, || owner) };
        }
        match types.set.constant(name) {
            Ok(c) => {
                let v = constant(py, &types, c)?;
                this.cache(py).set_item(name, &v)?;
                Ok(v)
            }
            // A function-like macro (zlib's `deflateInit`) or a declaration
            // left out: the crate's error says what it is and what it expands to.
            Err(_) if set_knows(&types, name) => {
                let why = match types.set.function(name) {
                    Err(e) => e.to_string(),
                    Ok(_) => format!("'{name}' is not a function"),
                };
                Err(PyAttributeError::new_err(format!(
                    "library '{}' has no function '{name}': {why}",
                    this.name
                )))
            }
            // Another macro that is no constant (`#undef`'d, or not an
            // expression): the crate's error says why.
            Err(e) if matches!(e.kind(), wyvern::ErrorKind::NotAConstant { .. }) => {
                Err(no_attribute(
                    py,
                    name,
                    format!("library '{}' has no constant '{name}': {e}", this.name),
                )?)
            }
            Err(_) => Err(no_attribute(
                py,
                name,
                format!(
                    "library '{}' has no function, global variable or constant '{name}'{}",
                    this.name,
                    nearest(&types, name)
                        .map(|n| format!("; did you mean '{n}'?"))
                        .unwrap_or_default()
                ),
            )?),
        }
    }

    fn __setattr__(slf: &Bound<'_, Self>, name: &str, value: &Bound<'_, PyAny>) -> PyResult<()> {
        let this = slf.get();
        let (types, module) = this.current()?;
        let Some((ty, addr)) = this.global_address(&types, &module, name)? else {
            return Err(PyAttributeError::new_err(format!(
                "library '{}' has no global variable '{name}' to write",
                this.name
            )));
        };
        if is_const(&types.set, ty.qt, 0) {
            // It may be in read-only memory: writing would crash the process.
            return Err(pyo3::exceptions::PyTypeError::new_err(format!(
                "library '{}': global variable '{name}' is const ('{}'): it cannot be written",
                this.name, ty.name
            )));
        }
        // SAFETY: the symbol is the global's, writable memory of its type.
        unsafe { convert::write(&types, &ty, addr as *mut u8, value, 0) }
    }

    /// `del lib.f`: forgets what was looked up (the next `lib.f` looks it up
    /// again), as cffi's library objects do.
    fn __delattr__(slf: &Bound<'_, Self>, name: &str) -> PyResult<()> {
        let cache = slf.get().cache(slf.py());
        if cache.contains(name)? {
            return cache.del_item(name);
        }
        Err(PyAttributeError::new_err(name.to_owned()))
    }

    fn __dir__(&self) -> PyResult<Vec<String>> {
        let (types, _) = self.current()?;
        let set = &types.set;
        let mut names: Vec<String> = set
            .functions()
            .map(|f| f.name.clone())
            .chain(set.globals().map(|g| g.name.clone()))
            .chain(set.constants().map(|c| c.name.clone()))
            // What `cdef(..., override=True)` replaced.
            .filter(|n| !n.starts_with(crate::ffi::HIDDEN_PREFIX))
            .collect();
        names.sort();
        names.dedup();
        Ok(names)
    }

    fn __repr__(&self) -> String {
        format!("<Lib object for '{}'>", self.name)
    }
}

/// Whether `name` is a macro a program may name as a function, or a
/// declaration the parse left out: something to explain, not a missing name.
/// The `AttributeError` for `name`, carrying it as CPython (3.10 and later)
/// gives one: with it set, CPython adds no second "Did you mean" to ours (it
/// augments only errors that carry neither a name nor an object).
fn no_attribute(py: Python<'_>, name: &str, message: String) -> PyResult<PyErr> {
    let err = PyAttributeError::new_err(message);
    err.value(py).setattr("name", name)?;
    Ok(err)
}

fn set_knows(types: &Types, name: &str) -> bool {
    types.set.function_macro(name).is_some() || types.set.why_skipped(name).is_some()
}

/// The declared name closest to `name`, when one is close.
fn nearest(types: &Types, name: &str) -> Option<String> {
    let set = &types.set;
    let names = set
        .functions()
        .map(|f| f.name.as_str())
        .chain(set.globals().map(|g| g.name.as_str()))
        .chain(set.constants().map(|c| c.name.as_str()));
    names
        .map(|n| (strsim::osa_distance(n, name), n))
        .filter(|(d, n)| *d <= (name.len() / 3).max(1) && !n.starts_with("__"))
        .min()
        .map(|(_, n)| n.to_owned())
}
