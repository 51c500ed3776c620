//! Calling C from Python: a [`CallPlan`] per function (its parameters
//! classified once), arguments converted straight into C buffers, the GIL
//! released for the call, the result converted back.

use std::sync::Arc;

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyTuple};
use pyo3::Borrowed;
use wyvern::{Function, QualType, TypeId};

use crate::convert::{self, sequence};
use crate::error::to_py;
use crate::gil::Released;
use crate::object::{CData, Mem, Owner, Shown, INLINE_RECORD};
use crate::types::{Kind, Prim, TypeInfo, Types};

/// Arguments up to this many use buffers on the stack.
const INLINE: usize = 8;

/// One argument's buffer: a scalar or a small record, in whole eightbytes.
#[derive(Clone, Copy)]
#[repr(C, align(16))]
struct Scratch([u8; 16]);

/// A function bound to its symbol, with its parameters classified.
pub struct CallPlan {
    pub func: Function,
    pub params: Vec<Arc<TypeInfo>>,
    /// Each parameter's scalar shape, converted without the general path.
    fast: Vec<Fast>,
    pub ret: Arc<TypeInfo>,
    ret_fast: Fast,
    /// Every parameter a plain scalar (at most `INLINE` of them), the
    /// function not variadic and the result a plain scalar or void: what
    /// [`call_direct`](Self::call_direct) calls without its record steps.
    all_fast: bool,
    /// Every parameter a plain scalar or a record read in place (see
    /// [`passed_in_place`]), at most `INLINE` of them, the function not variadic,
    /// and the result a plain scalar, void or an inline record: what
    /// [`call_direct`](Self::call_direct) calls.
    all_direct: bool,
    /// Each parameter's record type when it is one a cdata of that type is
    /// passed in place for.
    in_place: Vec<Option<Arc<TypeInfo>>>,
    /// The result a record whose bytes live inside its `CData`
    /// ([`CData::inline_record`]).
    ret_inline: bool,
    types: Arc<Types>,
    pub variadic: bool,
}

/// A plain scalar's shape: what most arguments and results are.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Fast {
    Int { size: u8, signed: bool },
    Double,
    Other,
}

pub fn fast(ty: &TypeInfo) -> Fast {
    match ty.kind {
        Kind::Prim(Prim::Int { size, signed }) if size <= 8 => Fast::Int { size, signed },
        Kind::Prim(Prim::Double) => Fast::Double,
        _ => Fast::Other,
    }
}

/// Stores a Python `int` or `float` for a plain scalar parameter; `false`
/// when the value needs the general path (a cdata, another kind, an error
/// to report).
#[inline]
pub fn store_fast(shape: Fast, arg: &Bound<'_, PyAny>, out: &mut [u8; 16]) -> bool {
    store_fast_ptr(shape, arg.as_ptr(), out)
}

/// [`store_fast`] on the object's pointer: CPython's own checks and
/// conversions, which neither raise nor allocate here (an exact `int` that
/// overflows `long long` says so through `overflow`; an exact `float`
/// always converts).
#[inline(always)]
fn store_fast_ptr(shape: Fast, arg: *mut pyo3::ffi::PyObject, out: &mut [u8; 16]) -> bool {
    match shape {
        Fast::Int { size, signed } => {
            // SAFETY: `arg` is a live object (borrowed for the call); the
            // type check reads its header only.
            if unsafe { pyo3::ffi::PyLong_CheckExact(arg) } == 0 {
                return false;
            }
            let mut overflow = 0;
            // SAFETY: an exact `int`: the conversion cannot fail but by
            // overflow, which it reports in `overflow` without raising.
            let v = unsafe { pyo3::ffi::PyLong_AsLongLongAndOverflow(arg, &mut overflow) };
            if overflow != 0 {
                return false;
            }
            // The parameter's range, within `long long` (a larger `unsigned
            // long long` goes the general way).
            let (lo, hi): (i64, i64) = match (size, signed) {
                (1, true) => (i8::MIN.into(), i8::MAX.into()),
                (1, false) => (0, u8::MAX.into()),
                (2, true) => (i16::MIN.into(), i16::MAX.into()),
                (2, false) => (0, u16::MAX.into()),
                (4, true) => (i32::MIN.into(), i32::MAX.into()),
                (4, false) => (0, u32::MAX.into()),
                (_, true) => (i64::MIN, i64::MAX),
                (_, false) => (0, i64::MAX),
            };
            if v < lo || v > hi {
                return false;
            }
            out[..8].copy_from_slice(&v.to_le_bytes());
            true
        }
        Fast::Double => {
            // SAFETY: as above.
            if unsafe { pyo3::ffi::PyFloat_CheckExact(arg) } == 0 {
                return false;
            }
            // SAFETY: an exact `float`, which converts without raising.
            let v = unsafe { pyo3::ffi::PyFloat_AsDouble(arg) };
            out[..8].copy_from_slice(&v.to_le_bytes());
            true
        }
        Fast::Other => false,
    }
}

/// A call's arguments as CPython passes them: a tuple (`tp_call`) or an
/// array of borrowed references (vectorcall).
pub enum Args<'a, 'py> {
    Tuple(&'a Bound<'py, PyTuple>),
    Vector(&'a [*mut pyo3::ffi::PyObject]),
}

impl<'a, 'py> Args<'a, 'py> {
    fn len(&self) -> usize {
        match self {
            Args::Tuple(t) => t.len(),
            Args::Vector(v) => v.len(),
        }
    }

    #[inline(always)]
    fn ptr(&self, i: usize) -> PyResult<*mut pyo3::ffi::PyObject> {
        match self {
            Args::Tuple(t) => Ok(t.get_borrowed_item(i)?.as_ptr()),
            Args::Vector(v) => v
                .get(i)
                .copied()
                .ok_or_else(|| pyo3::exceptions::PyIndexError::new_err("argument index")),
        }
    }
}

/// A Python `int` by CPython's own constructors (PyO3's conversion goes
/// through more checks).
pub fn int_result(py: Python<'_>, v: i128) -> PyResult<Py<PyAny>> {
    // SAFETY: CPython's constructors, with the GIL held; they return a new
    // reference or NULL with an exception set.
    let made = match (i64::try_from(v), u64::try_from(v)) {
        (Ok(small), _) => unsafe { pyo3::ffi::PyLong_FromLongLong(small) },
        (_, Ok(large)) => unsafe { pyo3::ffi::PyLong_FromUnsignedLongLong(large) },
        _ => return convert::int_object(py, v),
    };
    // SAFETY: a new reference, or NULL with an exception set.
    unsafe { Bound::from_owned_ptr_or_err(py, made) }.map(Bound::unbind)
}

/// What a call's arguments need kept alive until it returns.
#[derive(Default)]
struct Temps {
    mem: Vec<Arc<Mem>>,
}

/// The argument pointers of a call made with the GIL released.
struct Outgoing<'a> {
    func: &'a Function,
    extra: &'a [TypeId],
    ret: *mut u8,
    ptrs: &'a [*mut u8],
}

impl Outgoing<'_> {
    /// # Safety
    /// As [`Function::call_raw_variadic`].
    unsafe fn run(self) -> wyvern::Result<()> {
        // SAFETY: forwarded from the caller.
        unsafe {
            if self.extra.is_empty() {
                self.func.call_raw(self.ret, self.ptrs)
            } else {
                self.func.call_raw_variadic(self.extra, self.ret, self.ptrs)
            }
        }
    }
}

impl CallPlan {
    pub fn new(types: &Arc<Types>, func: Function) -> CallPlan {
        let sig = func.signature().clone();
        let params: Vec<Arc<TypeInfo>> = sig.params.iter().map(|p| types.info(*p)).collect();
        let ret = types.info(sig.ret);
        let fast_params: Vec<Fast> = params.iter().map(|p| fast(p)).collect();
        let variadic = sig.variadic || !sig.prototyped;
        let ret_fast = fast(&ret);
        let in_place: Vec<Option<Arc<TypeInfo>>> = params
            .iter()
            .map(|p| passed_in_place(p).then(|| p.clone()))
            .collect();
        let ret_inline = inline_result(types, &ret);
        let scalar_ret = ret_fast != Fast::Other || matches!(ret.kind, Kind::Void);
        let few = !variadic && params.len() <= INLINE;
        CallPlan {
            all_fast: few && fast_params.iter().all(|f| *f != Fast::Other) && scalar_ret,
            all_direct: few
                && fast_params
                    .iter()
                    .zip(&in_place)
                    .all(|(f, r)| *f != Fast::Other || r.is_some())
                && (scalar_ret || ret_inline),
            in_place,
            ret_inline,
            types: types.clone(),
            fast: fast_params,
            params,
            ret_fast,
            ret,
            variadic,
            func,
        }
    }

    pub fn call(
        &self,
        py: Python<'_>,
        types: &Arc<Types>,
        args: Args<'_, '_>,
    ) -> PyResult<Py<PyAny>> {
        let n = args.len();
        let fixed = self.params.len();
        if n < fixed || (n > fixed && !self.variadic) {
            return Err(PyTypeError::new_err(format!(
                "{}() expects {}{} arguments, got {n}",
                self.func.name(),
                if self.variadic { "at least " } else { "" },
                fixed
            )));
        }
        if self.all_fast && n == fixed {
            if let Some(done) = self.call_direct::<false>(py, &args) {
                return done;
            }
        } else if self.all_direct && n == fixed {
            if let Some(done) = self.call_direct::<true>(py, &args) {
                return done;
            }
        }
        let mut inline = [Scratch([0; 16]); INLINE];
        let mut inline_ptrs = [std::ptr::null_mut::<u8>(); INLINE];
        let (mut heap, mut heap_ptrs) = (Vec::new(), Vec::new());
        let (scratch, ptrs): (&mut [Scratch], &mut [*mut u8]) = if n <= INLINE {
            (&mut inline[..n], &mut inline_ptrs[..n])
        } else {
            heap.resize(n, Scratch([0; 16]));
            heap_ptrs.resize(n, std::ptr::null_mut());
            (&mut heap, &mut heap_ptrs)
        };
        let mut temps = Temps::default();
        let mut extra = Vec::new();
        for (i, (&shape, ty)) in self.fast.iter().zip(&self.params).enumerate() {
            let raw = args.ptr(i)?;
            let slot = &mut scratch[i].0;
            if store_fast_ptr(shape, raw, slot) {
                ptrs[i] = slot.as_mut_ptr();
                continue;
            }
            // SAFETY: CPython lends each argument for the call's duration.
            let arg = unsafe { Borrowed::from_ptr(py, raw) };
            ptrs[i] = store_arg(types, ty, &arg, slot, &mut temps)
                .map_err(|e| self.arg_error(py, i, e))?;
        }
        for i in fixed..n {
            // SAFETY: as above.
            let arg = unsafe { Borrowed::from_ptr(py, args.ptr(i)?) };
            let ty = variadic_type(types, &arg).map_err(|e| self.arg_error(py, i, e))?;
            extra.push(ty.qt.id);
            ptrs[i] = store_arg(types, &ty, &arg, &mut scratch[i].0, &mut temps)
                .map_err(|e| self.arg_error(py, i, e))?;
        }
        let mut ret_scratch = [0u64; 4];
        let ret_place = self.result_place(py, types)?;
        let ret_ptr = ret_place
            .addr()
            .unwrap_or_else(|| ret_scratch.as_mut_ptr().cast());
        let out = Outgoing {
            func: &self.func,
            extra: &extra,
            ret: ret_ptr,
            ptrs,
        };
        // SAFETY: every buffer holds a checked value of its parameter's type
        // (16-byte scratch or owned memory in whole eightbytes); the result
        // buffer is large enough. What C does with them is the caller's
        // contract with C, as in cffi.
        let outcome = {
            let _released = Released::new(py);
            // SAFETY: as above.
            unsafe { out.run() }
        };
        outcome.map_err(to_py)?;
        drop(temps);
        self.result(py, types, ret_ptr, ret_place)
    }

    /// The call of a function whose parameters are plain scalars or records
    /// read in place and whose result is a scalar, void or an inline record
    /// (`all_direct`), when every argument is an exact `int` or `float` that
    /// fits or a cdata of its record's type: no temporaries, no variadic
    /// types, the result object made first and C writing into it. `None`
    /// (before anything ran) for an argument that needs the general path.
    /// Without `RECORDS` (`all_fast`: scalars only, a scalar or void result)
    /// the record steps are left out of the code.
    #[inline]
    fn call_direct<const RECORDS: bool>(
        &self,
        py: Python<'_>,
        args: &Args<'_, '_>,
    ) -> Option<PyResult<Py<PyAny>>> {
        let mut slots = [Scratch([0; 16]); INLINE];
        let mut ptrs = [std::ptr::null_mut::<u8>(); INLINE];
        let n = self.fast.len();
        for (i, (((&shape, record), slot), ptr)) in self
            .fast
            .iter()
            .zip(&self.in_place)
            .zip(&mut slots)
            .zip(&mut ptrs)
            .enumerate()
        {
            let raw = args.ptr(i).ok()?;
            *ptr = match record.as_ref().filter(|_| RECORDS) {
                Some(ty) => in_place_ptr(py, ty, raw)?,
                None if store_fast_ptr(shape, raw, &mut slot.0) => slot.0.as_mut_ptr(),
                None => return None,
            };
        }
        let place = if RECORDS {
            match self.result_place(py, &self.types) {
                Ok(place) => place,
                Err(e) => return Some(Err(e)),
            }
        } else {
            Place::Scratch
        };
        let mut ret = [0u64; 4];
        let ret_ptr = place.addr().unwrap_or_else(|| ret.as_mut_ptr().cast());
        let outcome = {
            let _released = Released::new(py);
            // SAFETY: one checked scalar per scalar parameter, each in a
            // 16-byte buffer, and a live record of the parameter's type (whole
            // eightbytes) per record parameter, its object borrowed for the
            // call; the result buffer holds 32 bytes (a scalar's at most) or
            // is the result record's own bytes.
            unsafe { self.func.call_raw(ret_ptr, &ptrs[..n]) }
        };
        Some(match (outcome, place) {
            (Ok(()), Place::Object(data)) => Ok(data.into_any()),
            (Ok(()), place) => self.result(py, &self.types, ret_ptr, place),
            (Err(e), _) => Err(to_py(e)),
        })
    }

    /// Where the call writes its result: a record's or a large value's own
    /// memory, made before the call, or (`Scratch`) the caller's buffer.
    fn result_place(&self, py: Python<'_>, types: &Arc<Types>) -> PyResult<Place> {
        let size = self.ret.size.unwrap_or(0);
        if self.ret_inline {
            if let Some(data) = crate::freelist::take(py, types, &self.ret) {
                // SAFETY: its own `INLINE_RECORD` bytes, which nothing else
                // refers to: zeroed, as a new record's.
                unsafe { std::ptr::write_bytes(data.get().addr() as *mut u8, 0, INLINE_RECORD) };
                return Ok(Place::Object(data));
            }
            let data = CData::inline_record(types, self.ret.clone(), size);
            return Ok(Place::Object(Py::new(py, data)?));
        }
        if matches!(self.ret.kind, Kind::Record { .. }) || size > 32 {
            return Ok(Place::Mem(Mem::zeroed(size, self.ret.align)?));
        }
        Ok(Place::Scratch)
    }

    fn result(
        &self,
        py: Python<'_>,
        types: &Arc<Types>,
        ret: *mut u8,
        place: Place,
    ) -> PyResult<Py<PyAny>> {
        match self.ret_fast {
            // SAFETY: the call wrote a value of the return type there.
            Fast::Int { size, signed } => {
                // SAFETY: the call wrote an integer of this size there.
                return int_result(py, unsafe { convert::read_int(ret, size, signed) });
            }
            Fast::Double => {
                // SAFETY: as above.
                let v = unsafe { ret.cast::<f64>().read_unaligned() };
                return Ok(pyo3::types::PyFloat::new(py, v).into_any().unbind());
            }
            Fast::Other => {}
        }
        match self.ret.kind {
            Kind::Void => Ok(py.None()),
            Kind::Record { .. } | Kind::Array { .. } => match place {
                Place::Object(data) => Ok(data.into_any()),
                Place::Mem(mem) => {
                    let mut data =
                        CData::object(types, self.ret.clone(), mem.addr(), Owner::Mem(mem));
                    data.shown = Shown::Owning(self.ret.size.unwrap_or(0));
                    Ok(Py::new(py, data)?.into_any())
                }
                Place::Scratch => Err(PyTypeError::new_err("no result memory")),
            },
            // SAFETY: the call wrote a value of the return type there.
            _ => unsafe { convert::read(py, types, &self.ret, ret, || Owner::None) },
        }
    }

    fn arg_error(&self, py: Python<'_>, i: usize, e: PyErr) -> PyErr {
        let text = format!(
            "argument {} of {}(): {}",
            i + 1,
            self.func.name(),
            e.value(py)
        );
        PyErr::from_type(e.get_type(py), text)
    }
}

/// Converts argument `arg` for a parameter of type `ty` into `scratch` (or
/// memory kept in `temps`), returning where it is.
fn store_arg(
    types: &Arc<Types>,
    ty: &Arc<TypeInfo>,
    arg: &Bound<'_, PyAny>,
    scratch: &mut [u8; 16],
    temps: &mut Temps,
) -> PyResult<*mut u8> {
    let here = scratch.as_mut_ptr();
    match &ty.kind {
        Kind::Pointer { .. } | Kind::FuncPtr { .. } if arg.is_none() => {
            // cffi passes `None` as NULL for a pointer argument.
            scratch[..8].copy_from_slice(&0usize.to_ne_bytes());
            return Ok(here);
        }
        Kind::Pointer { pointee } => {
            if let Some(addr) = temporary_pointee(types, ty, *pointee, arg, temps)? {
                scratch[..8].copy_from_slice(&addr.to_ne_bytes());
                return Ok(here);
            }
        }
        Kind::Record { .. } => {
            let size = ty.size.ok_or_else(|| convert::incomplete(ty))?;
            if passed_in_place(ty) {
                if let Some(at) = in_place_ptr(arg.py(), ty, arg.as_ptr()) {
                    return Ok(at);
                }
            }
            if size > 16 {
                let mem = Mem::zeroed(size, ty.align)?;
                // SAFETY: the memory holds a record of this type.
                unsafe { convert::write(types, ty, mem.addr() as *mut u8, arg, 0)? };
                let at = mem.addr() as *mut u8;
                temps.mem.push(mem);
                return Ok(at);
            }
        }
        _ => {}
    }
    // SAFETY: the scratch holds 16 bytes: every scalar, and records up to 16.
    unsafe { convert::write(types, ty, here, arg, 0)? };
    Ok(here)
}

/// Where a call's result goes (see [`CallPlan::result_place`]).
enum Place {
    /// The caller's scratch buffer: a scalar or a small non-record.
    Scratch,
    /// A record's `CData`, its bytes inside it.
    Object(Py<CData>),
    /// Memory of its own: a record too large (or too aligned) to be inline.
    Mem(Arc<Mem>),
}

impl Place {
    /// Where the call writes, unless it is the scratch buffer.
    fn addr(&self) -> Option<*mut u8> {
        match self {
            Place::Scratch => None,
            Place::Object(data) => Some(data.get().addr() as *mut u8),
            Place::Mem(mem) => Some(mem.addr() as *mut u8),
        }
    }
}

/// A record parameter a cdata of its type is passed for in place, without a
/// copy: complete, at least 16 bytes and in whole eightbytes (what a call
/// reads of it).
fn passed_in_place(ty: &TypeInfo) -> bool {
    matches!(ty.kind, Kind::Record { .. })
        && ty.size.is_some_and(|size| size >= 16 && size % 8 == 0)
}

/// A record result whose bytes can live inside its `CData`: small enough,
/// aligned to at most 16, and without a flexible array member (whose
/// length is read from the size of memory `ffi.new` owns).
fn inline_result(types: &Types, ty: &TypeInfo) -> bool {
    matches!(ty.kind, Kind::Record { .. })
        && ty.size.is_some_and(|size| size <= INLINE_RECORD)
        && ty.align <= 16
        && !ty
            .fields()
            .iter()
            .any(|f| matches!(types.info(f.ty).kind, Kind::Array { len: None, .. }))
}

/// The address of the record `raw` holds when it is a cdata of type `ty`
/// (a record [`passed_in_place`]), to pass in place; `None` for anything
/// else, which the general conversion handles.
#[inline(always)]
fn in_place_ptr(
    py: Python<'_>,
    ty: &Arc<TypeInfo>,
    raw: *mut pyo3::ffi::PyObject,
) -> Option<*mut u8> {
    // SAFETY: CPython lends each argument for the call's duration.
    let arg = unsafe { Borrowed::from_ptr(py, raw) };
    let data = arg.downcast::<CData>().ok()?.get();
    let same = Arc::ptr_eq(&data.ty, ty)
        || (matches!(data.ty.kind, Kind::Record { .. }) && data.ty.same_type(ty));
    // Read in place: whole eightbytes, no copy.
    same.then(|| data.addr() as *mut u8)
}

/// What cffi passes for a pointer parameter given something other than a
/// pointer: `bytes` for a `char *` (or `void *`) as its own bytes, and a list
/// or tuple as a temporary array of the pointee type.
fn temporary_pointee(
    types: &Arc<Types>,
    ty: &Arc<TypeInfo>,
    pointee: QualType,
    arg: &Bound<'_, PyAny>,
    temps: &mut Temps,
) -> PyResult<Option<usize>> {
    if let Ok(text) = arg.downcast::<pyo3::types::PyString>() {
        let target = types.info(pointee);
        let Kind::Prim(Prim::WChar { size, .. }) = target.kind else {
            return Err(convert::wrong_type(ty, "a cdata pointer", arg));
        };
        // A `str` for a wide character pointer: a NUL-terminated copy.
        let codes = convert::wide_codes(&text.to_cow()?, size);
        let mem = Mem::zeroed((codes.len() + 1) * usize::from(size), target.align)?;
        for (i, code) in codes.iter().enumerate() {
            let at = (mem.addr() + i * usize::from(size)) as *mut u8;
            // SAFETY: character `i` lies inside the copy.
            unsafe { convert::write_int(at, i128::from(*code), size) };
        }
        let addr = mem.addr();
        temps.mem.push(mem);
        return Ok(Some(addr));
    }
    if let Ok(b) = arg.downcast::<PyBytes>() {
        let target = types.info(pointee);
        let bytes_like = matches!(target.kind, Kind::Void)
            || (target.size == Some(1) && matches!(target.kind, Kind::Prim(_)));
        if bytes_like {
            // cffi too passes the bytes object's own NUL-terminated buffer.
            return Ok(Some(b.as_bytes().as_ptr() as usize));
        }
        return Err(convert::wrong_type(ty, "a cdata pointer", arg));
    }
    let Some(items) = sequence(arg) else {
        return Ok(None);
    };
    let elem = types.info(pointee);
    let size = elem.size.ok_or_else(|| convert::incomplete(&elem))?;
    let mem = Mem::zeroed(size.saturating_mul(items.len()), elem.align)?;
    for (i, item) in items.iter().enumerate() {
        // SAFETY: element `i` lies inside the temporary array.
        unsafe { convert::write(types, &elem, (mem.addr() + i * size) as *mut u8, item, 0)? };
    }
    let addr = mem.addr();
    temps.mem.push(mem);
    Ok(Some(addr))
}

/// The type a variadic argument travels as: a cdata's own type after the
/// default promotions, `int` (or `long`) for a Python `int`, `double` for a
/// `float`, `char *` for `bytes`, `void *` for `None`.
fn variadic_type(types: &Arc<Types>, arg: &Bound<'_, PyAny>) -> PyResult<Arc<TypeInfo>> {
    let named = |name: &str| {
        types
            .named(name)
            .map_err(|e| PyTypeError::new_err(e.to_string()))
    };
    if let Ok(data) = arg.downcast::<CData>() {
        let ty = &data.get().ty;
        return match ty.kind {
            Kind::Prim(Prim::Float) => named("double"),
            Kind::Prim(Prim::Bool | Prim::Char) => named("int"),
            Kind::Prim(Prim::Int { size, signed }) if size < 4 => named(if signed || size < 4 {
                "int"
            } else {
                "unsigned int"
            }),
            Kind::Enum { .. } => named("int"),
            Kind::Array { elem, .. } => Ok(types.pointer_to(elem).map_err(to_py)?),
            _ => Ok(ty.clone()),
        };
    }
    if arg.is_none() {
        return named("void *");
    }
    if arg.downcast::<PyBytes>().is_ok() {
        return named("char *");
    }
    if arg.is_instance_of::<pyo3::types::PyFloat>() {
        return named("double");
    }
    if let Ok(v) = arg.extract::<i128>() {
        return named(if i32::try_from(v).is_ok() {
            "int"
        } else if i64::try_from(v).is_ok() {
            "long"
        } else {
            "unsigned long"
        });
    }
    Err(PyTypeError::new_err(format!(
        "a variadic argument must be a cdata, an int, a float, bytes or None, not {}",
        convert::type_name(arg)
    )))
}
