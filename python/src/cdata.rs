//! `CData`'s Python face: fields by attribute, elements by index and slice,
//! pointer arithmetic and comparison, `len`, iteration, `int`/`float`/`bool`,
//! calls through function pointers, and cffi's reprs.

use std::sync::Arc;

use pyo3::basic::CompareOp;
use pyo3::exceptions::{PyAttributeError, PyIndexError, PyRuntimeError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyFloat, PyInt, PySlice, PyTuple};

use crate::call::CallPlan;
use crate::convert::{self, load_bits, scalar_int};
use crate::error::to_py;
use crate::object::{CData, Owner, Shown};
use crate::types::{Kind, Prim, TypeInfo};

impl CData {
    /// The type of its elements and their size: a pointer's pointee, an
    /// array's element.
    fn element_type(&self) -> PyResult<(Arc<TypeInfo>, usize)> {
        let elem = match self.ty.kind {
            Kind::Pointer { pointee } => pointee,
            Kind::Array { elem, .. } => elem,
            _ => {
                return Err(PyTypeError::new_err(format!(
                    "cdata of type '{}' cannot be indexed",
                    self.ty.name
                )))
            }
        };
        let info = self.types.target(&self.ty, elem);
        let size = match info.kind {
            Kind::Void => 1,
            _ => info.size.ok_or_else(|| convert::incomplete(&info))?,
        };
        Ok((info, size))
    }

    /// Where element `i` is, checked against an array's length.
    fn element_at(&self, i: isize) -> PyResult<(Arc<TypeInfo>, usize)> {
        let (info, size) = self.element_type()?;
        if let Kind::Void = info.kind {
            return Err(PyTypeError::new_err(format!(
                "cdata of type '{}' points to void: cast it first",
                self.ty.name
            )));
        }
        if let Some(len) = self
            .len
            .filter(|_| matches!(self.ty.kind, Kind::Array { .. }))
        {
            if i < 0 {
                return Err(PyIndexError::new_err(format!(
                    "negative index {i} for cdata '{}' (expected 0 <= index < {len})",
                    self.ty.name
                )));
            }
            if i as usize >= len {
                return Err(PyIndexError::new_err(format!(
                    "index too large for cdata '{}' (expected 0 <= index < {len})",
                    self.ty.name
                )));
            }
        }
        if matches!(self.shown, Shown::Owning(_))
            && i != 0
            && matches!(self.ty.kind, Kind::Pointer { .. })
        {
            // `new("T *")` owns one T: beyond it is not its memory (cffi's check).
            return Err(PyIndexError::new_err(format!(
                "cdata '{}' can only be indexed by 0",
                self.ty.name
            )));
        }
        if self.addr() == 0 {
            return Err(PyRuntimeError::new_err(format!(
                "cannot dereference a NULL cdata '{}'",
                self.ty.name
            )));
        }
        let offset = i
            .checked_mul(size as isize)
            .ok_or_else(|| PyIndexError::new_err("index out of range"))?;
        Ok((info, self.addr().wrapping_add_signed(offset)))
    }

    /// The record behind it (itself, or what it points to) and where it is.
    fn record_base(&self) -> PyResult<(Arc<TypeInfo>, usize)> {
        match self.ty.kind {
            Kind::Record { .. } => Ok((self.ty.clone(), self.addr())),
            Kind::Pointer { pointee } => {
                let info = self.types.info(pointee);
                if !matches!(info.kind, Kind::Record { .. }) {
                    return Err(no_attribute(&self.ty.name));
                }
                if self.addr() == 0 {
                    return Err(PyRuntimeError::new_err(format!(
                        "cannot read a field through a NULL cdata '{}'",
                        self.ty.name
                    )));
                }
                Ok((info, self.addr()))
            }
            _ => Err(no_attribute(&self.ty.name)),
        }
    }

    /// A flexible array member's length: the elements that fit in the memory
    /// `ffi.new` allocated from `at` on (cffi's var-sized structs); `None` for
    /// other fields, and in C's memory, where it is as long as C says.
    fn flexible_len(&self, info: &TypeInfo, at: usize) -> Option<usize> {
        let Kind::Array { elem, len: None } = info.kind else {
            return None;
        };
        let mem = self.owner.mem()?;
        let elem_size = self.types.info(elem).size.filter(|&s| s > 0)?;
        let end = mem.addr() + mem.size;
        (mem.addr()..=end)
            .contains(&at)
            .then(|| (end - at) / elem_size)
    }

    /// Refuses a write into const memory (see [`Owner::ReadOnly`]).
    pub fn writable(&self) -> PyResult<()> {
        if self.owner.is_read_only() {
            return Err(PyTypeError::new_err(format!(
                "cdata '{}' is in a const global's memory, which may be read-only: it cannot be written",
                self.ty.name
            )));
        }
        Ok(())
    }

    /// The call plan of a function pointer, made on the first call.
    pub fn plan(&self) -> PyResult<&Arc<CallPlan>> {
        if let Some(plan) = self.plan.get() {
            return Ok(plan);
        }
        if self.addr() == 0 {
            return Err(PyRuntimeError::new_err(format!(
                "cannot call a NULL function pointer '{}'",
                self.ty.name
            )));
        }
        let module = wyvern::Module::new(self.types.set.clone(), wyvern::Library::this_process());
        // SAFETY: a function pointer cdata holds the address of a function of
        // its type, as the cast or C that made it vouched (cffi's contract).
        let func =
            unsafe { module.function_at(&self.ty.name, self.ty.qt, self.addr()) }.map_err(to_py)?;
        let _ = self.plan.set(Arc::new(CallPlan::new(&self.types, func)));
        self.plan
            .get()
            .ok_or_else(|| PyTypeError::new_err("no call plan"))
    }

    fn index_of(&self, obj: &Bound<'_, PyAny>) -> PyResult<isize> {
        obj.extract::<isize>().map_err(|_| {
            PyTypeError::new_err(format!(
                "cdata of type '{}' is indexed by integers, not {}",
                self.ty.name,
                convert::type_name(obj)
            ))
        })
    }

    /// `start..stop` of a slice, checked as cffi checks it.
    fn slice_bounds(&self, slice: &Bound<'_, PySlice>) -> PyResult<(isize, isize)> {
        let start: Option<isize> = slice.getattr("start")?.extract()?;
        let stop: Option<isize> = slice.getattr("stop")?.extract()?;
        let step: Option<isize> = slice.getattr("step")?.extract()?;
        // As cffi: both ends given, no step.
        if step.is_some() {
            return Err(PyIndexError::new_err("slice with step not supported"));
        }
        let start = start.ok_or_else(|| PyIndexError::new_err("slice start must be specified"))?;
        let stop = stop.ok_or_else(|| PyIndexError::new_err("slice stop must be specified"))?;
        let len = self.len.map(|n| n as isize);
        if start < 0 || stop < start || len.is_some_and(|n| stop > n) {
            return Err(PyIndexError::new_err(format!(
                "slice [{start}:{stop}] out of bounds of cdata '{}'",
                self.ty.name
            )));
        }
        Ok((start, stop))
    }

    fn scalar_float(&self) -> Option<f64> {
        convert::scalar_float(self)
    }

    /// An integer's, `float`'s or `double`'s value as a Python number, for
    /// comparisons (`char` and `long double` compare as cdata).
    fn number<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        Ok(match self.ty.kind {
            Kind::Prim(Prim::Int { .. } | Prim::Bool) | Kind::Enum { .. } => match scalar_int(self)
            {
                Some(v) => Some(convert::int_object(py, v)?.into_bound(py)),
                None => None,
            },
            Kind::Prim(Prim::Float | Prim::Double) => {
                self.scalar_float().map(|f| PyFloat::new(py, f).into_any())
            }
            _ => None,
        })
    }

    /// Its identity for comparisons: an address, or a scalar's value.
    fn key(&self) -> (u8, i128, u64) {
        if let Some(v) = scalar_int(self) {
            (1, v, 0)
        } else if let Some(f) = self.scalar_float() {
            (2, 0, f.to_bits())
        } else {
            (0, self.addr() as i128, 0)
        }
    }
}

/// The member `name` of `record`, or cffi's `AttributeError`.
fn field_of<'r>(record: &'r TypeInfo, name: &str) -> PyResult<&'r convert::FieldInfo> {
    record.field(name).ok_or_else(|| {
        PyAttributeError::new_err(format!("cdata '{}' has no field '{name}'", record.name))
    })
}

fn no_attribute(ty: &str) -> PyErr {
    PyAttributeError::new_err(format!("cdata '{ty}' has no attributes"))
}

#[pymethods]
impl CData {
    pub fn __repr__(&self) -> String {
        let name = &self.ty.name;
        match self.shown {
            Shown::Owning(bytes) => return format!("<cdata '{name}' owning {bytes} bytes>"),
            Shown::Sliced => {
                return format!("<cdata '{name}' sliced length {}>", self.len.unwrap_or(0))
            }
            Shown::Plain => {}
        }
        if let Owner::Callback(held) = &self.owner {
            let function = Python::attach(|py| held.function_repr(py));
            return format!("<cdata '{name}' calling {function}>");
        }
        match self.ty.kind {
            Kind::Pointer { .. } | Kind::FuncPtr { .. } if self.addr() == 0 => {
                format!("<cdata '{name}' NULL>")
            }
            Kind::Pointer { .. } | Kind::FuncPtr { .. } | Kind::Array { .. } => {
                format!("<cdata '{name}' {:#x}>", self.addr())
            }
            // A record in memory it does not own: cffi's reference.
            Kind::Record { .. } => format!("<cdata '{name} &' {:#x}>", self.addr()),
            Kind::Prim(Prim::Char) => format!("<cdata '{name}' {}>", byte_repr(self.value()[0])),
            Kind::Prim(Prim::WChar { .. }) => {
                let code = scalar_int(self).unwrap_or(0);
                let shown = Python::attach(|py| {
                    convert::wide_char_object(py, code)
                        .and_then(|c| c.bind(py).repr().map(|r| r.to_string()))
                        .unwrap_or_else(|_| code.to_string())
                });
                format!("<cdata '{name}' {shown}>")
            }
            Kind::Prim(Prim::Bool) => {
                format!(
                    "<cdata '{name}' {}>",
                    if self.value()[0] != 0 {
                        "True"
                    } else {
                        "False"
                    }
                )
            }
            Kind::Enum { id, .. } => {
                let v = scalar_int(self).unwrap_or(0);
                match self
                    .ty
                    .set
                    .enum_(id)
                    .constants
                    .iter()
                    .find(|(_, c)| *c == v)
                {
                    Some((n, _)) => format!("<cdata '{name}' {v}: {n}>"),
                    None => format!("<cdata '{name}' {v}>"),
                }
            }
            _ => match (scalar_int(self), self.scalar_float()) {
                (Some(v), _) => format!("<cdata '{name}' {v}>"),
                (_, Some(f)) => format!("<cdata '{name}' {}>", float_repr(f)),
                _ => format!("<cdata '{name}'>"),
            },
        }
    }

    fn __getattr__(slf: &Bound<'_, Self>, name: &str) -> PyResult<Py<PyAny>> {
        let (py, this) = (slf.py(), slf.get());
        let (record, base) = this.record_base()?;
        let field = field_of(&record, name)?;
        let info = this.types.info(field.ty);
        if let Some(width) = field.bit_width {
            let signed = matches!(
                info.kind,
                Kind::Prim(Prim::Int { signed: true, .. }) | Kind::Enum { signed: true, .. }
            );
            // SAFETY: the bitfield lies inside the record at `base`.
            let v = unsafe { load_bits(base as *const u8, field.offset_bits, width, signed) };
            if let Kind::Prim(Prim::Bool) = info.kind {
                return Ok(pyo3::types::PyBool::new(py, v != 0)
                    .to_owned()
                    .into_any()
                    .unbind());
            }
            return convert::int_object(py, v);
        }
        let at = base + (field.offset_bits / 8) as usize;
        if let Some(n) = this.flexible_len(&info, at) {
            // In memory `ffi.new` sized for it: an array of the elements
            // allocated (cffi's var-sized structs).
            let mut data = CData::object(&this.types, info.clone(), at, CData::part_owner(slf));
            data.len = Some(n);
            return Ok(Py::new(py, data)?.into_any());
        }
        if let Kind::Array {
            elem,
            len: None | Some(0),
        } = info.kind
        {
            // A flexible (or zero-length) array member reads as a pointer to
            // its first element (cffi).
            let ptr = this.types.pointer_to(elem).map_err(to_py)?;
            let data = CData::pointer(&this.types, ptr, at, CData::part_owner(slf));
            return Ok(Py::new(py, data)?.into_any());
        }
        // SAFETY: the field lies inside the record at `base`.
        unsafe {
            convert::read(py, &this.types, &info, at as *const u8, || {
                CData::part_owner(slf)
            })
        }
    }

    fn __setattr__(&self, name: &str, value: &Bound<'_, PyAny>) -> PyResult<()> {
        self.writable()?;
        let (record, base) = self.record_base()?;
        let field = field_of(&record, name)?;
        let info = self.types.info(field.ty);
        let at = base + (field.offset_bits / 8) as usize;
        if let (Kind::Array { elem, .. }, Some(n), None) =
            (&info.kind, self.flexible_len(&info, at), field.bit_width)
        {
            let bounded = self.types.array_of(*elem, Some(n as u64)).map_err(to_py)?;
            // SAFETY: the `n` elements lie in the memory `ffi.new` allocated.
            return unsafe { convert::write(&self.types, &bounded, at as *mut u8, value, 0) };
        }
        // SAFETY: the field lies inside the record at `base`, writable memory.
        unsafe { convert::write_field(&self.types, field, base as *mut u8, value, 0) }
    }

    fn __getitem__(slf: &Bound<'_, Self>, index: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let (py, this) = (slf.py(), slf.get());
        if let Ok(slice) = index.downcast::<PySlice>() {
            let (start, stop) = this.slice_bounds(slice)?;
            let (elem, at) = this.element_at(start)?;
            let ty = this.types.array_of(elem.qt, None).map_err(to_py)?;
            let mut data = CData::object(&this.types, ty, at, CData::part_owner(slf));
            data.len = Some((stop - start) as usize);
            data.shown = Shown::Sliced;
            return Ok(Py::new(py, data)?.into_any());
        }
        let (elem, at) = this.element_at(this.index_of(index)?)?;
        // SAFETY: the element lies in the array, or where the pointer (as C
        // would) says it is.
        unsafe {
            convert::read(py, &this.types, &elem, at as *const u8, || {
                CData::part_owner(slf)
            })
        }
    }

    fn __setitem__(&self, index: &Bound<'_, PyAny>, value: &Bound<'_, PyAny>) -> PyResult<()> {
        self.writable()?;
        if let Ok(slice) = index.downcast::<PySlice>() {
            let (start, stop) = self.slice_bounds(slice)?;
            let (elem, at) = self.element_at(start)?;
            let ty = self
                .types
                .array_of(elem.qt, Some((stop - start) as u64))
                .map_err(to_py)?;
            let n = convert::sequence(value).map(|v| v.len());
            if n.is_some_and(|n| n != (stop - start) as usize) {
                return Err(PyValueError::new_err(format!(
                    "need a list of length {}, got {}",
                    stop - start,
                    n.unwrap_or(0)
                )));
            }
            // SAFETY: the slice lies in the array.
            return unsafe { convert::write(&self.types, &ty, at as *mut u8, value, 0) };
        }
        let (elem, at) = self.element_at(self.index_of(index)?)?;
        // SAFETY: as in `__getitem__`, into writable memory.
        unsafe { convert::write(&self.types, &elem, at as *mut u8, value, 0) }
    }

    /// A struct's (or a pointer to one's) field names, as cffi lists them.
    fn __dir__(&self) -> Vec<String> {
        match self.record_base() {
            Ok((record, _)) => record.fields().iter().map(|f| f.name.clone()).collect(),
            Err(_) => Vec::new(),
        }
    }

    fn __len__(&self) -> PyResult<usize> {
        match (&self.ty.kind, self.len) {
            (Kind::Array { .. }, Some(n)) => Ok(n),
            _ => Err(PyTypeError::new_err(format!(
                "cdata of type '{}' has no len()",
                self.ty.name
            ))),
        }
    }

    fn __iter__(slf: &Bound<'_, Self>) -> PyResult<Py<PyAny>> {
        let this = slf.get();
        let n = match (&this.ty.kind, this.len) {
            (Kind::Array { .. }, Some(n)) => n,
            _ => {
                return Err(PyTypeError::new_err(format!(
                    "cdata '{}' does not support iteration",
                    this.ty.name
                )))
            }
        };
        let py = slf.py();
        let mut items = Vec::with_capacity(n);
        for i in 0..n {
            let (elem, at) = this.element_at(i as isize)?;
            // SAFETY: element `i` lies in the array.
            items.push(unsafe {
                convert::read(py, &this.types, &elem, at as *const u8, || {
                    CData::part_owner(slf)
                })?
            });
        }
        Ok(pyo3::types::PyList::new(py, items)?
            .call_method0("__iter__")?
            .unbind())
    }

    fn __bool__(&self) -> bool {
        match self.ty.kind {
            Kind::Pointer { .. } | Kind::FuncPtr { .. } => self.addr() != 0,
            Kind::Record { .. } | Kind::Array { .. } => true,
            // -0.0 is false, as in C
            Kind::Prim(Prim::Float | Prim::Double | Prim::LongDouble) => {
                self.scalar_float().is_some_and(|f| f != 0.0)
            }
            _ => self.value().iter().any(|&b| b != 0),
        }
    }

    fn __int__(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        if let Some(v) = scalar_int(self) {
            return convert::int_object(py, v);
        }
        if let Some(f) = self.scalar_float() {
            return Ok(f
                .trunc()
                .into_pyobject(py)?
                .call_method0("__int__")?
                .unbind());
        }
        // As in cffi: a pointer's address is `int(ffi.cast("intptr_t", p))`.
        Err(PyTypeError::new_err(format!(
            "int() not supported on cdata '{}'",
            self.ty.name
        )))
    }

    fn __index__(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        match scalar_int(self) {
            Some(v) if !matches!(self.ty.kind, Kind::Prim(Prim::Char)) => {
                convert::int_object(py, v)
            }
            _ => Err(PyTypeError::new_err(format!(
                "cdata '{}' cannot be used as an index",
                self.ty.name
            ))),
        }
    }

    fn __float__(&self) -> PyResult<f64> {
        if let Some(f) = self.scalar_float() {
            return Ok(f);
        }
        match scalar_int(self) {
            Some(v) if !matches!(self.ty.kind, Kind::Prim(Prim::Char)) => Ok(v as f64),
            _ => Err(PyTypeError::new_err(format!(
                "float() not supported on cdata '{}'",
                self.ty.name
            ))),
        }
    }

    fn __add__(&self, py: Python<'_>, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let Ok(n) = other.extract::<isize>() else {
            return Ok(py.NotImplemented());
        };
        self.offset(py, n)
    }

    fn __radd__(&self, py: Python<'_>, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        self.__add__(py, other)
    }

    fn __sub__(&self, py: Python<'_>, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        if let Ok(n) = other.extract::<isize>() {
            return self.offset(py, n.checked_neg().unwrap_or(isize::MAX));
        }
        let Ok(that) = other.downcast::<CData>() else {
            return Ok(py.NotImplemented());
        };
        let that = that.get();
        let (elem, size) = self.element_type()?;
        let (their, _) = that.element_type()?;
        if !elem.same_type(&their) {
            return Err(PyTypeError::new_err(format!(
                "cannot subtract cdata '{}' and cdata '{}'",
                self.ty.name, that.ty.name
            )));
        }
        let diff = (self.addr() as isize).wrapping_sub(that.addr() as isize) / size.max(1) as isize;
        Ok(diff.into_pyobject(py)?.into_any().unbind())
    }

    fn __richcmp__(
        &self,
        py: Python<'_>,
        other: &Bound<'_, PyAny>,
        op: CompareOp,
    ) -> PyResult<Py<PyAny>> {
        // A `char` compares with a bytes of length 1, as in cffi.
        if let (Kind::Prim(Prim::Char), true) = (&self.ty.kind, other.is_instance_of::<PyBytes>()) {
            let mine = PyBytes::new(py, &self.value()[..1]);
            return Ok(mine.rich_compare(other, op)?.unbind());
        }
        // Numbers compare by value, with Python numbers too (as in cffi).
        if let Some(mine) = self.number(py)? {
            let theirs = match other.downcast::<CData>() {
                Ok(that) => that.get().number(py)?,
                Err(_) if other.is_instance_of::<PyInt>() || other.is_instance_of::<PyFloat>() => {
                    Some(other.clone())
                }
                Err(_) => None,
            };
            if let Some(theirs) = theirs {
                return Ok(mine.rich_compare(theirs, op)?.unbind());
            }
        }
        let Ok(that) = other.downcast::<CData>() else {
            return Ok(py.NotImplemented());
        };
        let (a, b) = (self.key(), that.get().key());
        let result = match op {
            CompareOp::Eq => a == b,
            CompareOp::Ne => a != b,
            CompareOp::Lt => a < b,
            CompareOp::Le => a <= b,
            CompareOp::Gt => a > b,
            CompareOp::Ge => a >= b,
        };
        Ok(pyo3::types::PyBool::new(py, result)
            .to_owned()
            .into_any()
            .unbind())
    }

    fn __hash__(&self, py: Python<'_>) -> PyResult<isize> {
        if let Some(number) = self.number(py)? {
            return number.hash();
        }
        let (kind, v, f) = self.key();
        Ok((v as isize) ^ (f as isize) ^ isize::from(kind))
    }

    #[pyo3(signature = (*args))]
    fn __call__(&self, py: Python<'_>, args: &Bound<'_, PyTuple>) -> PyResult<Py<PyAny>> {
        if !matches!(self.ty.kind, Kind::FuncPtr { .. }) {
            return Err(PyTypeError::new_err(format!(
                "cdata '{}' is not callable",
                self.ty.name
            )));
        }
        self.plan()?
            .call(py, &self.types, crate::call::Args::Tuple(args))
    }

    fn __enter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    /// The end of a `with` block is `ffi.release`: an `ffi.gc` object's
    /// destructor runs now (memory `ffi.new` owns goes with its last user).
    fn __exit__(
        &self,
        _a: &Bound<'_, PyAny>,
        _b: &Bound<'_, PyAny>,
        _c: &Bound<'_, PyAny>,
    ) -> bool {
        if let Owner::Gc(hold) = &self.owner {
            hold.run();
        }
        false
    }
}

impl CData {
    /// `self + n`: a pointer `n` elements on (an array decays to a pointer).
    fn offset(&self, py: Python<'_>, n: isize) -> PyResult<Py<PyAny>> {
        let (elem, size) = self.element_type()?;
        let ty = match self.ty.kind {
            Kind::Array { .. } => self.types.pointer_to(elem.qt).map_err(to_py)?,
            _ => self.ty.clone(),
        };
        let addr = self
            .addr()
            .wrapping_add_signed(n.wrapping_mul(size as isize));
        Ok(Py::new(py, CData::pointer(&self.types, ty, addr, Owner::None))?.into_any())
    }
}

fn byte_repr(b: u8) -> String {
    match b {
        b'\'' => "b\"'\"".to_owned(),
        b'\\' => "b'\\\\'".to_owned(),
        0x20..=0x7e => format!("b'{}'", b as char),
        b'\n' => "b'\\n'".to_owned(),
        b'\t' => "b'\\t'".to_owned(),
        b'\r' => "b'\\r'".to_owned(),
        _ => format!("b'\\x{b:02x}'"),
    }
}

/// A float as Python's `repr` writes it (`2.5`, `1e+100`, `nan`).
fn float_repr(f: f64) -> String {
    Python::attach(|py| {
        pyo3::types::PyFloat::new(py, f)
            .repr()
            .map(|r| r.to_string())
            .unwrap_or_else(|_| f.to_string())
    })
}
