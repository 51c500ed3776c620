//! `FFI`'s methods on objects: `new`, `cast`, `typeof`, `sizeof`, `alignof`,
//! `offsetof`, `addressof`, `getctype`, `string`, `unpack`, callbacks,
//! handles, `gc`, `errno`, `NULL`, and the addresses the Python side's
//! buffers use.

use std::sync::Arc;

use pyo3::exceptions::{PyRuntimeError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList, PyString, PyTuple};

use crate::convert::{self, read_int};
use crate::ctype::CType;
use crate::error::to_py;
use crate::lib_obj::Lib;
use crate::object::{CData, Owner};
use crate::types::{Kind, Prim};

use super::gc::GcHold;
use super::make::{cast, new_object, no_function_type, unknown_size, walk};
use super::text::{declarator_place, string};
use super::Ffi;

#[pymethods]
impl Ffi {
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
            Kind::Record { .. } | Kind::Array { .. } => data.addr(),
            Kind::Pointer { .. } if !fields.is_empty() => data.addr(),
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
        let pointer = CData::pointer(&data.types, ptr, base + offset, CData::part_owner(cdata));
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
        length: isize,
    ) -> PyResult<Py<PyAny>> {
        // cffi's check and words: a count below zero is a ValueError.
        let length = usize::try_from(length)
            .map_err(|_| PyValueError::new_err(format!("'length' cannot be negative: {length}")))?;
        let data = cdata.get();
        let (elem, addr) = match data.ty.kind {
            Kind::Pointer { pointee } => (data.types.info(pointee), data.addr()),
            Kind::Array { elem, .. } => (data.types.info(elem), data.addr()),
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
                    || CData::part_owner(cdata),
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
        let addr = cdata.get().addr();
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
        let hold = Arc::new(GcHold::new(destructor, cdata.clone().unbind()));
        let mut held = CData::pointer(&data.types, data.ty.clone(), data.addr(), Owner::Gc(hold));
        held.len = data.len;
        held.set_value(data.value());
        Ok(Some(held))
    }

    #[getter]
    fn get_errno(&self) -> i32 {
        wyvern::last_errno()
    }

    #[setter]
    fn set_errno(&self, value: i32) {
        wyvern::set_errno(value)
    }

    /// One object per FFI, as cffi's (`ffi.NULL is ffi.NULL`), made on first use.
    #[getter(NULL)]
    fn null(&self, py: Python<'_>) -> PyResult<Py<CData>> {
        if let Some(null) = self.null.get() {
            return Ok(null.clone_ref(py));
        }
        let types = self.types();
        let void_ptr = types.named("void *").map_err(to_py)?;
        let made = Py::new(py, CData::pointer(&types, void_ptr, 0, Owner::None))?;
        // Another thread may have made one meanwhile: the first kept wins.
        Ok(self.null.get_or_init(|| made).clone_ref(py))
    }

    /// Whether a cdata's memory is a const global's (see `Owner::ReadOnly`):
    /// `buffer` then reads only and `memmove` refuses to write into it.
    fn _read_only(&self, cdata: &Bound<'_, CData>) -> bool {
        cdata.get().owner.is_read_only()
    }

    /// A cdata's address (a pointer's value, an object's place), for the
    /// Python side's buffers.
    fn _address(&self, cdata: &Bound<'_, CData>) -> usize {
        let data = cdata.get();
        match data.ty.kind {
            Kind::Pointer { .. }
            | Kind::FuncPtr { .. }
            | Kind::Array { .. }
            | Kind::Record { .. } => data.addr(),
            _ => data.bytes_ptr() as usize,
        }
    }

    /// How many bytes from [`_address`](Self::_address) on are known to be
    /// the cdata's memory (what `memmove` may read or write): to the end of
    /// what `ffi.new` allocated when it points inside that, else its
    /// array's, record's or scalar's size; `None` for a pointer into memory
    /// wyvern does not know (C's).
    fn _extent(&self, cdata: &Bound<'_, CData>) -> Option<usize> {
        let addr = self._address(cdata);
        let data = cdata.get();
        if let Some(mem) = data.owner.mem() {
            let (start, end) = (mem.addr(), mem.addr().saturating_add(mem.size));
            if (start..=end).contains(&addr) {
                return Some(end - addr);
            }
        }
        match &data.ty.kind {
            Kind::Pointer { .. } | Kind::FuncPtr { .. } => None,
            Kind::Array { elem, .. } => match data.len {
                Some(n) => data.types.info(*elem).size.map(|size| n * size),
                None => None,
            },
            _ => data.ty.size,
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
}
