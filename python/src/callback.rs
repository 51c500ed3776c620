//! Python functions as C function pointers (`ffi.callback`): a raw wyvern
//! callback whose body takes the GIL (C may call it from any thread, its own
//! included), converts the arguments, calls the function and converts its
//! result. An exception never reaches C: it goes to `onerror`, or is printed
//! as cffi prints it, and C gets the `error` value.

use std::sync::Arc;

use pyo3::prelude::*;
use pyo3::types::PyTuple;
use wyvern::Callback;

use crate::call::{fast, store_fast, Fast};
use crate::convert;
use crate::error::to_py;
use crate::gil::Attached;
use crate::object::{CData, Mem, Owner};
use crate::types::{Kind, TypeInfo, Types};

/// A callback's code and what it calls, alive while its cdata is.
pub struct Held {
    _callback: Callback<'static>,
    function: Py<PyAny>,
}

impl Held {
    /// The Python function's repr, for the cdata's.
    pub fn function_repr(&self, py: Python<'_>) -> String {
        self.function
            .bind(py)
            .repr()
            .map(|r| r.to_string())
            .unwrap_or_else(|_| "a Python function".to_owned())
    }
}

struct Body {
    types: Arc<Types>,
    params: Vec<Arc<TypeInfo>>,
    /// Each parameter's scalar shape (`fast`), decided once.
    shapes: Vec<Fast>,
    ret: Arc<TypeInfo>,
    ret_fast: Fast,
    /// When every parameter is an integer or a `double`, at most
    /// [`INLINE_ARGS`] of them, and the result one too or `void`: the
    /// callback then takes [`Body::call_scalar`].
    scalar: Option<ScalarCall>,
    function: Py<PyAny>,
    onerror: Option<Py<PyAny>>,
    /// The result C gets when the function raises: `error` converted once.
    error: [u8; 32],
}

/// `ffi.callback(ty, function, error, onerror)`.
pub fn make(
    py: Python<'_>,
    types: &Arc<Types>,
    ty: Arc<TypeInfo>,
    function: Py<PyAny>,
    error: Option<&Bound<'_, PyAny>>,
    onerror: Option<Py<PyAny>>,
) -> PyResult<CData> {
    let Kind::FuncPtr { func } = ty.kind else {
        return Err(pyo3::exceptions::PyTypeError::new_err(format!(
            "expected a function pointer type, got '{}'",
            ty.name
        )));
    };
    let sig = ty
        .set
        .fn_sig(func)
        .cloned()
        .ok_or_else(|| pyo3::exceptions::PyTypeError::new_err("not a function type"))?;
    let ret = types.info(sig.ret);
    let mut error_bytes = [0u8; 32];
    if let Some(error) = error.filter(|e| !e.is_none()) {
        if ret.size.unwrap_or(0) > 32 {
            return Err(pyo3::exceptions::PyTypeError::new_err(
                "an error value for a result larger than 32 bytes",
            ));
        }
        // SAFETY: 32 bytes hold the (small) result type.
        unsafe { convert::write(types, &ret, error_bytes.as_mut_ptr(), error, 0)? };
    }
    let kept = function.clone_ref(py);
    let params: Vec<Arc<TypeInfo>> = sig.params.iter().map(|p| types.info(*p)).collect();
    let shapes: Vec<Fast> = params.iter().map(|p| fast(p)).collect();
    let ret_fast = fast(&ret);
    let body = Arc::new(Body {
        types: types.clone(),
        scalar: ScalarCall::new(&shapes, ret_fast, &ret),
        shapes,
        params,
        ret_fast,
        ret,
        function,
        onerror,
        error: error_bytes,
    });
    let callback =
        Callback::raw(&ty.set, ty.qt, move |ret, args| body.run(ret, args)).map_err(to_py)?;
    let addr = callback.address() as usize;
    let held = Arc::new(Held {
        _callback: callback,
        function: kept,
    });
    Ok(CData::pointer(types, ty, addr, Owner::Callback(held)))
}

impl Body {
    fn run(&self, ret: *mut u8, args: &[*const u8]) {
        // SAFETY: the interpreter is running while callbacks can be called,
        // and `attached` is dropped here, on this thread.
        let attached = unsafe { Attached::new() };
        let py = attached.py();
        let outcome = match &self.scalar {
            Some(scalar) => self.call_scalar(py, scalar, ret, args),
            None => self.call(py, ret, args),
        };
        if let Err(e) = outcome {
            self.failed(py, ret, e);
        }
    }

    /// The call of a function whose parameters are integers and doubles
    /// (`scalar`): each argument made by CPython's own constructor straight
    /// into the vectorcall's array, with no `PyResult` around each.
    #[inline]
    fn call_scalar(
        &self,
        py: Python<'_>,
        scalar: &ScalarCall,
        ret: *mut u8,
        args: &[*const u8],
    ) -> PyResult<()> {
        let mut values = [std::ptr::null_mut(); INLINE_ARGS];
        let mut made = 0;
        for ((&param, &arg), slot) in scalar.params.iter().zip(args).zip(&mut values) {
            // SAFETY: libffi's argument holds a value of the parameter's
            // type, which `param` is the shape of.
            let value = unsafe { param.object(arg) };
            if value.is_null() {
                let e = PyErr::fetch(py);
                // SAFETY: the references made so far, owned here.
                unsafe { release(&values[..made]) };
                return Err(e);
            }
            *slot = value;
            made += 1;
        }
        // SAFETY: the function is live (held by this body); `values` holds
        // `made` references, alive across the call.
        let result = unsafe {
            (scalar.vectorcall)(
                self.function.as_ptr(),
                values.as_ptr(),
                made,
                std::ptr::null_mut(),
            )
        };
        // SAFETY: the arguments' references, owned here and done with.
        unsafe { release(&values[..made]) };
        // SAFETY: a new reference, or NULL with an exception set.
        let result = unsafe { Bound::from_owned_ptr_or_err(py, result)? };
        match scalar.ret {
            None => Ok(()),
            // SAFETY: libffi's result buffer for a scalar holds an `ffi_arg`
            // (8 bytes) at least; an integer narrower than that is extended
            // from its low bytes after the body returns (`raw_trampoline`).
            Some(ty) if unsafe { ty.store(result.as_ptr(), ret) } => Ok(()),
            // Not an exact `int` or `float` that fits: the general way, which
            // converts or says why not.
            Some(_) => self.store(ret, &result),
        }
    }

    fn call(&self, py: Python<'_>, ret: *mut u8, args: &[*const u8]) -> PyResult<()> {
        let n = self.params.len();
        if let (Some(vectorcall), true) = (vectorcall_function(), n <= INLINE_ARGS) {
            // The arguments as CPython's vectorcall takes them: no tuple.
            let mut values = Owned {
                ptrs: [std::ptr::null_mut(); INLINE_ARGS],
                len: 0,
            };
            for ((ty, &arg), shape) in self.params.iter().zip(args).zip(&self.shapes) {
                values.push(self.argument(py, ty, *shape, arg)?.into_ptr());
            }
            // SAFETY: the function is live (held by this body); `values`
            // holds `n` references, alive across the call.
            let result = unsafe {
                Bound::from_owned_ptr_or_err(
                    py,
                    vectorcall(
                        self.function.as_ptr(),
                        values.ptrs.as_ptr(),
                        n,
                        std::ptr::null_mut(),
                    ),
                )?
            };
            drop(values);
            return self.store(ret, &result);
        }
        // SAFETY: a new tuple of `n` slots, owned here; each slot is filled
        // once below (a tuple freed with empty slots is fine).
        let tuple = unsafe {
            Bound::from_owned_ptr_or_err(py, pyo3::ffi::PyTuple_New(n as pyo3::ffi::Py_ssize_t))?
        };
        for (i, ((ty, &arg), shape)) in self.params.iter().zip(args).zip(&self.shapes).enumerate() {
            let value = self.argument(py, ty, *shape, arg)?;
            // SAFETY: slot `i` of the new tuple, which takes the reference.
            unsafe {
                pyo3::ffi::PyTuple_SetItem(
                    tuple.as_ptr(),
                    i as pyo3::ffi::Py_ssize_t,
                    value.into_ptr(),
                )
            };
        }
        let tuple = tuple.downcast_into::<PyTuple>()?;
        let result = self.function.bind(py).call1(tuple)?;
        self.store(ret, &result)
    }

    /// Argument values: records are copied, since libffi's memory for them
    /// is gone when the callback returns.
    fn argument(
        &self,
        py: Python<'_>,
        ty: &Arc<TypeInfo>,
        shape: Fast,
        arg: *const u8,
    ) -> PyResult<Py<PyAny>> {
        match shape {
            Fast::Int { size, signed } => {
                // SAFETY: libffi's argument holds an integer of this size.
                let v = unsafe { convert::read_int(arg, size, signed) };
                return crate::call::int_result(py, v);
            }
            Fast::Double => {
                // SAFETY: libffi's argument holds a double.
                let v = unsafe { arg.cast::<f64>().read_unaligned() };
                return Ok(pyo3::types::PyFloat::new(py, v).into_any().unbind());
            }
            Fast::Other => {}
        }
        if let Kind::Record { .. } = ty.kind {
            let size = ty.size.unwrap_or(0);
            let mem = Mem::zeroed(size, ty.align)?;
            // SAFETY: libffi's argument holds a record of `size` bytes.
            unsafe { std::ptr::copy_nonoverlapping(arg, mem.addr() as *mut u8, size) };
            let data = CData::object(&self.types, ty.clone(), mem.addr(), Owner::Mem(mem));
            return Ok(Py::new(py, data)?.into_any());
        }
        // SAFETY: libffi's argument holds a value of this type.
        unsafe { convert::read(py, &self.types, ty, arg, || Owner::None) }
    }

    #[inline]
    fn store(&self, ret: *mut u8, result: &Bound<'_, PyAny>) -> PyResult<()> {
        if let Kind::Void = self.ret.kind {
            return Ok(());
        }
        let mut word = [0u8; 16];
        if store_fast(self.ret_fast, result, &mut word) {
            let [a, b, c, d, e, f, g, h, ..] = word;
            // SAFETY: libffi's result buffer for a scalar holds an `ffi_arg`
            // (8 bytes) at least; an integer narrower than that is extended
            // from its low bytes after the body returns (`raw_trampoline`).
            unsafe {
                ret.cast::<u64>()
                    .write_unaligned(u64::from_le_bytes([a, b, c, d, e, f, g, h]))
            };
            return Ok(());
        }
        // SAFETY: libffi's result buffer holds the return type.
        unsafe { convert::write(&self.types, &self.ret, ret, result, 0) }
    }

    /// The function raised (or returned what does not convert): `onerror`
    /// decides, else cffi's report on stderr; C gets the `error` value.
    fn failed(&self, py: Python<'_>, ret: *mut u8, e: PyErr) {
        let size = self.ret.size.unwrap_or(0).min(32);
        // SAFETY: the result buffer holds the return type (`size` bytes).
        unsafe { std::ptr::copy_nonoverlapping(self.error.as_ptr(), ret, size) };
        if let Some(onerror) = &self.onerror {
            let traceback = e
                .traceback(py)
                .map(|t| t.into_any())
                .unwrap_or_else(|| py.None().into_bound(py));
            let args = (e.get_type(py), e.value(py), traceback);
            match onerror.bind(py).call1(args) {
                Ok(replacement) if !replacement.is_none() => {
                    if let Err(e2) = self.store(ret, &replacement) {
                        self.report(py, e2);
                    }
                }
                Ok(_) => {}
                Err(e2) => self.report(py, e2),
            }
            return;
        }
        self.report(py, e);
    }

    fn report(&self, py: Python<'_>, e: PyErr) {
        let function = self
            .function
            .bind(py)
            .repr()
            .map(|r| r.to_string())
            .unwrap_or_default();
        eprintln!("From wyvern callback {function}:");
        e.display(py);
    }
}

/// What [`Body::call_scalar`] needs, decided when the callback is made.
struct ScalarCall {
    vectorcall: Vectorcall,
    params: Box<[Scalar]>,
    /// `None` for `void`.
    ret: Option<Scalar>,
}

impl ScalarCall {
    /// `None` unless every parameter is a scalar, at most [`INLINE_ARGS`] of
    /// them, the result a scalar or `void`, and CPython exports vectorcall.
    fn new(shapes: &[Fast], ret_fast: Fast, ret: &TypeInfo) -> Option<ScalarCall> {
        if shapes.len() > INLINE_ARGS {
            return None;
        }
        Some(ScalarCall {
            vectorcall: vectorcall_function()?,
            params: shapes
                .iter()
                .map(|&s| Scalar::of(s))
                .collect::<Option<_>>()?,
            ret: match ret.kind {
                Kind::Void => None,
                _ => Some(Scalar::of(ret_fast)?),
            },
        })
    }
}

/// A scalar parameter's C type, one case each: one jump a callback's
/// argument, where [`Fast`] takes a test of its size and then of its sign.
#[derive(Clone, Copy)]
enum Scalar {
    I8,
    U8,
    I16,
    U16,
    I32,
    U32,
    I64,
    U64,
    Double,
}

impl Scalar {
    fn of(shape: Fast) -> Option<Scalar> {
        Some(match shape {
            Fast::Int { size: 1, signed } => [Scalar::U8, Scalar::I8][usize::from(signed)],
            Fast::Int { size: 2, signed } => [Scalar::U16, Scalar::I16][usize::from(signed)],
            Fast::Int { size: 4, signed } => [Scalar::U32, Scalar::I32][usize::from(signed)],
            Fast::Int { size: 8, signed } => [Scalar::U64, Scalar::I64][usize::from(signed)],
            Fast::Double => Scalar::Double,
            Fast::Int { .. } | Fast::Other => return None,
        })
    }

    /// The Python object of an argument of this type, a new reference; NULL
    /// with an exception set when CPython cannot make it.
    ///
    /// # Safety
    /// The GIL is held, and `arg` points to a value of this type.
    #[inline(always)]
    unsafe fn object(self, arg: *const u8) -> *mut pyo3::ffi::PyObject {
        use pyo3::ffi::{PyFloat_FromDouble, PyLong_FromLongLong, PyLong_FromUnsignedLongLong};
        // SAFETY: the caller's promises; CPython's constructors return a new
        // reference or NULL with an exception set.
        unsafe {
            match self {
                Scalar::I8 => PyLong_FromLongLong(arg.cast::<i8>().read().into()),
                Scalar::U8 => PyLong_FromLongLong(arg.read().into()),
                Scalar::I16 => PyLong_FromLongLong(arg.cast::<i16>().read_unaligned().into()),
                Scalar::U16 => PyLong_FromLongLong(arg.cast::<u16>().read_unaligned().into()),
                Scalar::I32 => PyLong_FromLongLong(arg.cast::<i32>().read_unaligned().into()),
                Scalar::U32 => PyLong_FromLongLong(arg.cast::<u32>().read_unaligned().into()),
                Scalar::I64 => PyLong_FromLongLong(arg.cast::<i64>().read_unaligned()),
                Scalar::U64 => PyLong_FromUnsignedLongLong(arg.cast::<u64>().read_unaligned()),
                Scalar::Double => PyFloat_FromDouble(arg.cast::<f64>().read_unaligned()),
            }
        }
    }

    /// Writes `obj` as a value of this type to `out` (8 bytes: an integer as
    /// `long long`, its low bytes the value) when it is an exact `int` in
    /// range or an exact `float`; `false`, with nothing raised or written,
    /// for anything else (a larger `unsigned long long` included).
    ///
    /// # Safety
    /// The GIL is held, `obj` is live and `out` holds 8 bytes.
    #[inline(always)]
    unsafe fn store(self, obj: *mut pyo3::ffi::PyObject, out: *mut u8) -> bool {
        // SAFETY: the caller's promises: the type checks read the header
        // only, and an exact `int`'s conversion fails only by overflow, which
        // it reports in `overflow` without raising.
        unsafe {
            if let Scalar::Double = self {
                if pyo3::ffi::PyFloat_CheckExact(obj) == 0 {
                    return false;
                }
                let v = pyo3::ffi::PyFloat_AsDouble(obj);
                out.cast::<f64>().write_unaligned(v);
                return true;
            }
            if pyo3::ffi::PyLong_CheckExact(obj) == 0 {
                return false;
            }
            let mut overflow = 0;
            let v = pyo3::ffi::PyLong_AsLongLongAndOverflow(obj, &mut overflow);
            let fits = overflow == 0
                && match self {
                    Scalar::I8 => i8::try_from(v).is_ok(),
                    Scalar::U8 => u8::try_from(v).is_ok(),
                    Scalar::I16 => i16::try_from(v).is_ok(),
                    Scalar::U16 => u16::try_from(v).is_ok(),
                    Scalar::I32 => i32::try_from(v).is_ok(),
                    Scalar::U32 => u32::try_from(v).is_ok(),
                    // (`Double` went its own way above.)
                    Scalar::I64 | Scalar::Double => true,
                    Scalar::U64 => v >= 0,
                };
            if fits {
                out.cast::<i64>().write_unaligned(v);
            }
            fits
        }
    }
}

/// Releases each reference of `objects` (by CPython's decref: a `Py` would
/// first go through PyO3's check of the thread).
///
/// # Safety
/// The GIL is held, and the caller owns one reference per entry.
#[inline]
unsafe fn release(objects: &[*mut pyo3::ffi::PyObject]) {
    for &obj in objects {
        // SAFETY: the caller's promises.
        unsafe { pyo3::ffi::Py_DecRef(obj) };
    }
}

/// Arguments up to this many go to the Python function without a tuple.
const INLINE_ARGS: usize = 8;

/// A callback's argument objects, owned: released by CPython's decref when
/// dropped (a `Py` would first go through PyO3's check of the thread).
struct Owned {
    ptrs: [*mut pyo3::ffi::PyObject; INLINE_ARGS],
    len: usize,
}

impl Owned {
    /// Takes one reference (callers push at most `INLINE_ARGS`; one more
    /// is released at once).
    fn push(&mut self, obj: *mut pyo3::ffi::PyObject) {
        match self.ptrs.get_mut(self.len) {
            Some(slot) => {
                *slot = obj;
                self.len += 1;
            }
            // SAFETY: a reference this owns, with the GIL held.
            None => unsafe { pyo3::ffi::Py_DecRef(obj) },
        }
    }
}

impl Drop for Owned {
    fn drop(&mut self) {
        for &obj in &self.ptrs[..self.len] {
            // SAFETY: references this owns, released with the GIL held
            // (inside the callback's `Attached`).
            unsafe { pyo3::ffi::Py_DecRef(obj) };
        }
    }
}

/// CPython's vectorcall function type.
type Vectorcall = unsafe extern "C" fn(
    *mut pyo3::ffi::PyObject,
    *const *mut pyo3::ffi::PyObject,
    usize,
    *mut pyo3::ffi::PyObject,
) -> *mut pyo3::ffi::PyObject;

/// `PyObject_Vectorcall`, which CPython exports as a function from 3.9 on
/// (the stable ABI names it from 3.12, so the abi3 build looks it up rather
/// than links it); `None` where it is not exported, and the callback then
/// packs a tuple.
fn vectorcall_function() -> Option<Vectorcall> {
    static FOUND: std::sync::OnceLock<Option<Vectorcall>> = std::sync::OnceLock::new();
    *FOUND.get_or_init(|| {
        // SAFETY: a lookup in the process's own symbols; the symbol, when
        // present, is CPython's `PyObject_Vectorcall`, of this type.
        unsafe {
            let found = libc::dlsym(libc::RTLD_DEFAULT, c"PyObject_Vectorcall".as_ptr());
            (!found.is_null()).then(|| std::mem::transmute::<*mut libc::c_void, Vectorcall>(found))
        }
    })
}
