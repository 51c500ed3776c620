//! [`Callback::new`]: a callback from a closure on [`Value`]s, each argument
//! converted from its C type and the result checked against the return type.

use std::ffi::c_void;
use std::mem::MaybeUninit;
use std::panic::{catch_unwind, AssertUnwindSafe};

use libffi::raw as ffi;

use super::{callback_param, closure_interface, function_type, install, result_bytes, Callback};
use crate::abi::Shape;
use crate::error::{ErrorKind, Param, Result, ValueProblem};
use crate::runtime::data::size_of;
use crate::runtime::mem::{int_shape, load, Place};
use crate::runtime::scalar::{int_value, store_fast};
use crate::runtime::store::store;
use crate::runtime::unwind::{report, Failure};
use crate::runtime::value::Value;
use crate::types::{QualType, Type, TypeId, TypeSet};

type Body<'a> = dyn Fn(&[Value]) -> Value + Send + Sync + 'a;

struct State<'a> {
    set: TypeSet,
    params: Vec<TypeId>,
    /// Each parameter's scalar shape, for conversions that skip the type set.
    shapes: Vec<(Shape, usize)>,
    ret: Option<TypeId>,
    /// How many bytes of the result buffer a failed call zeroes
    /// (`result_bytes`).
    ret_bytes: usize,
    ret_shape: Shape,
    /// Whether every parameter is a plain scalar (its shape is not
    /// `Shape::Other`) and there are at most [`INLINE_PARAMS`]: then the
    /// arguments are decoded by shape alone, into values that own nothing.
    scalars: bool,
    /// The result, as messages name it (`the result of the callback for
    /// parameter '__compar' (index 3) of 'qsort'`).
    place: String,
    body: Box<Body<'a>>,
}

impl<'a> Callback<'a> {
    /// A callback of type `ty`: a function pointer type (`int (*)(int)`), a
    /// typedef of one (`__compar_fn_t`), or a function type.
    ///
    /// The closure returns what converts [`Into<Value>`]: for a `void` function
    /// type, `()` (or [`Value::Void`]). A result that does not convert to the C
    /// return type (`42` where C returns `void`, a string for an `int`) cannot
    /// be seen before the closure returns it: C gets a zeroed result, and the
    /// wyvern call that led to the callback returns the error (see
    /// [`Callback`]'s *Panics and errors*).
    ///
    /// ```
    /// # fn main() -> wyvern::Result<()> {
    /// use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
    /// use wyvern::{CData, Callback, Library, Module, Value};
    /// let types = wyvern::Parser::new().header("<pthread.h>").parse()?;
    /// let module = Module::new(types, Library::this_process());
    /// let once = module.function("pthread_once")?;
    /// let init = once.signature().params[1]; // void (*)(void)
    /// let run_once = |callback: &Callback| -> wyvern::Result<Value> {
    ///     let flag = CData::new_named(module.types(), "pthread_once_t")?; // PTHREAD_ONCE_INIT
    ///     // SAFETY: a fresh once-flag and a callback of the parameter's type.
    ///     unsafe { once.call(&mut [Value::Ref(flag), callback.to_value()]) }
    /// };
    /// // A closure that returns nothing is a `void` callback.
    /// let ran = AtomicBool::new(false);
    /// let fine = Callback::new(module.types(), init, |_: &[Value]| ran.store(true, Relaxed))?;
    /// assert_eq!(run_once(&fine)?, Value::Int(0));
    /// assert!(ran.load(Relaxed));
    /// // One that returns 42 fails the call that led C to it.
    /// let wrong = Callback::new(module.types(), init, |_: &[Value]| 42)?;
    /// assert_eq!(
    ///     run_once(&wrong).unwrap_err().to_string(),
    ///     "the result of a callback of type 'void (*)(void)': the integer 42 returned \
    ///      where C returns void (return () or Value::Void)"
    /// );
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`ErrorKind::WrongKind`] for a type that is not a function (pointer),
    /// [`ErrorKind::Uncallable`] for a variadic one or one libffi cannot express.
    pub fn new<R: Into<Value>>(
        set: &TypeSet,
        ty: QualType,
        body: impl Fn(&[Value]) -> R + Send + Sync + 'a,
    ) -> Result<Callback<'a>> {
        Callback::on_values(set, ty, None, body)
    }

    /// A callback of the type named `name` (`"int (*)(const void *, const void *)"`,
    /// `"__compar_fn_t"`).
    ///
    /// # Errors
    /// As [`TypeSet::type_named`] and [`new`](Self::new).
    pub fn with_type_name<R: Into<Value>>(
        set: &TypeSet,
        name: &str,
        body: impl Fn(&[Value]) -> R + Send + Sync + 'a,
    ) -> Result<Callback<'a>> {
        Callback::new(set, set.type_named(name)?, body)
    }

    /// A callback of the type of parameter `index` (0-based) of `function`.
    /// Errors name that parameter, in making the callback and in converting
    /// its results.
    ///
    /// ```
    /// # fn main() -> wyvern::Result<()> {
    /// use wyvern::{Callback, Library, Module, Value};
    /// let types = wyvern::Parser::new().header("<stdlib.h>").parse()?;
    /// let module = Module::new(types, Library::this_process());
    /// let qsort = module.function("qsort")?;
    /// let e = Callback::for_param(&qsort, 1, |_: &[Value]| 0).unwrap_err();
    /// assert_eq!(
    ///     e.to_string(),
    ///     "parameter '__nmemb' (index 1) of 'qsort' is 'size_t', not a function pointer; \
    ///      did you mean index 3 ('__compar', a '__compar_fn_t')?"
    /// );
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// As [`new`](Self::new); [`ErrorKind::NoParameter`] for an index past the
    /// parameters and [`ErrorKind::NotCallback`] for a parameter that is not a
    /// function pointer, each suggesting the nearest one that is.
    pub fn for_param<R: Into<Value>>(
        function: &crate::runtime::call::Function,
        index: usize,
        body: impl Fn(&[Value]) -> R + Send + Sync + 'a,
    ) -> Result<Callback<'a>> {
        let (ty, param) = callback_param(function, index)?;
        Callback::on_values(function.types(), ty, Some(&param), body)
    }

    /// [`new`](Self::new), for `param` when it is made for a function's
    /// parameter (which messages then name).
    fn on_values<R: Into<Value>>(
        set: &TypeSet,
        ty: QualType,
        param: Option<&Param>,
        body: impl Fn(&[Value]) -> R + Send + Sync + 'a,
    ) -> Result<Callback<'a>> {
        let (_, sig) = function_type(set, ty.id)?;
        let interface = closure_interface(set, ty, &sig, param)?;
        let place = match param {
            Some(param) => format!("the result of the callback for {param}"),
            None => format!("the result of a callback of type '{}'", set.spell(ty)),
        };
        let ret = match set.ty(set.canonical(sig.ret.id)) {
            Type::Void => None,
            _ => Some(sig.ret.id),
        };
        let shapes = interface.args.iter().map(|a| (a.shape, a.size)).collect();
        let ret_shape = interface.ret.map_or(Shape::Other, |r| r.shape);
        let scalars = interface.args.len() <= INLINE_PARAMS
            && interface.args.iter().all(|a| a.shape != Shape::Other);
        let state = Box::new(State {
            scalars,
            set: set.clone(),
            params: sig.params.iter().map(|p| p.id).collect(),
            shapes,
            ret,
            ret_bytes: result_bytes(set, sig.ret.id)?,
            ret_shape,
            place,
            body: Box::new(move |args: &[Value]| body(args).into()),
        });
        install(set, ty, interface, state, trampoline)
    }
}

/// The C entry point of every callback: converts the arguments, runs the closure
/// under `catch_unwind`, and converts the result back.
unsafe extern "C" fn trampoline(
    _cif: *mut ffi::ffi_cif,
    ret: *mut c_void,
    args: *mut *mut c_void,
    user: *mut c_void,
) {
    let _errno = crate::runtime::errno::InCallback::enter();
    // SAFETY: `user` is the `State` this closure was prepared with, alive while
    // the `Callback` is.
    let state = unsafe { &*(user as *const State<'_>) };
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        // SAFETY: libffi passes one pointer per parameter, to a value of its
        // type, and a result buffer for the return type.
        unsafe { state.run(ret, args) }
    }));
    let failure = match outcome {
        Ok(Ok(())) => return,
        Ok(Err(e)) => Failure::Error(e),
        Err(payload) => Failure::Panic(payload),
    };
    // A zeroed result.
    // SAFETY: the result buffer holds `ret_bytes` bytes (`result_bytes`).
    unsafe { std::ptr::write_bytes(ret.cast::<u8>(), 0, state.ret_bytes) };
    report(failure);
}

/// The arguments of one callback call, in a caller's array of [`INLINE_PARAMS`] slots (or a
/// vector beyond that), initialised and dropped only as far as they are filled:
/// a full `[Value; 8]`, or moving one, costs more than the rest of the call.
struct Args<'s> {
    inline: &'s mut [MaybeUninit<Value>; INLINE_PARAMS],
    heap: Vec<Value>,
    len: usize,
    spilled: bool,
}

impl<'s> Args<'s> {
    fn new(inline: &'s mut [MaybeUninit<Value>; INLINE_PARAMS], n: usize) -> Args<'s> {
        Args {
            inline,
            heap: Vec::new(),
            len: 0,
            spilled: n > INLINE_PARAMS,
        }
    }

    fn push(&mut self, value: Value) {
        if self.spilled {
            self.heap.push(value);
        } else if let Some(slot) = self.inline.get_mut(self.len) {
            slot.write(value);
            self.len += 1;
        }
    }

    fn as_slice(&self) -> &[Value] {
        if self.spilled {
            &self.heap
        } else {
            // SAFETY: the first `len` slots were written by `push`.
            unsafe { std::slice::from_raw_parts(self.inline.as_ptr().cast::<Value>(), self.len) }
        }
    }
}

impl Drop for Args<'_> {
    fn drop(&mut self) {
        for slot in &mut self.inline[..self.len] {
            // SAFETY: the first `len` slots were written by `push`, and are
            // dropped once, here.
            unsafe { slot.assume_init_drop() };
        }
    }
}

/// The most parameters whose values a callback decodes without a heap buffer.
const INLINE_PARAMS: usize = 8;

/// A plain scalar argument of `shape` at `p`, as a value (one that owns nothing).
///
/// # Safety
/// `p` points to a value of a type of that shape.
#[inline(always)]
unsafe fn scalar_arg(shape: Shape, p: *const u8) -> Value {
    // SAFETY: the caller's guarantee; unaligned reads, as libffi's buffers
    // need not be aligned for the type.
    unsafe {
        match shape {
            Shape::Int { size, signed } => {
                let raw = match size {
                    1 => u64::from(p.read()),
                    2 => u64::from(p.cast::<u16>().read_unaligned()),
                    4 => u64::from(p.cast::<u32>().read_unaligned()),
                    _ => p.cast::<u64>().read_unaligned(),
                };
                int_value(raw, size, signed)
            }
            Shape::F64 => Value::Float(p.cast::<f64>().read_unaligned()),
            Shape::F32 => Value::Float(f64::from(p.cast::<f32>().read_unaligned())),
            Shape::Pointer => match p.cast::<usize>().read_unaligned() {
                0 => Value::Null,
                address => Value::Pointer(address),
            },
            Shape::Other => Value::Void,
        }
    }
}

impl State<'_> {
    /// # Safety
    /// As the trampoline's arguments.
    unsafe fn run(&self, ret: *mut c_void, args: *mut *mut c_void) -> Result<()> {
        if self.scalars {
            // SAFETY: forwarded from the caller.
            return unsafe { self.run_scalars(ret, args) };
        }
        let n = self.params.len();
        let mut slots = [const { MaybeUninit::uninit() }; INLINE_PARAMS];
        let mut values = Args::new(&mut slots, n);
        for (i, ty) in self.params.iter().enumerate() {
            let (shape, size) = self.shapes[i];
            // SAFETY: libffi's `args[i]` points to the argument's value, `size` bytes.
            let bytes = unsafe { std::slice::from_raw_parts((*args.add(i)).cast::<u8>(), size) };
            values.push(match shape {
                Shape::Other => load(&self.set, Place::whole(*ty), bytes)?,
                // SAFETY: `bytes` holds a value of the parameter's type.
                scalar => unsafe { scalar_arg(scalar, bytes.as_ptr()) },
            });
        }
        let values = values.as_slice();
        let result = (self.body)(values);
        // SAFETY: forwarded from the caller.
        unsafe { self.write_result(ret, result) }
    }

    /// [`run`](Self::run) for plain scalar parameters: decoded by shape into
    /// values that own nothing, so nothing is dropped.
    ///
    /// # Safety
    /// As the trampoline's arguments; every parameter's shape is a scalar one
    /// and there are at most [`INLINE_PARAMS`].
    #[inline(always)]
    unsafe fn run_scalars(&self, ret: *mut c_void, args: *mut *mut c_void) -> Result<()> {
        let mut values = [const { MaybeUninit::<Value>::uninit() }; INLINE_PARAMS];
        let n = self.shapes.len().min(INLINE_PARAMS);
        for (i, (slot, &(shape, _))) in values.iter_mut().zip(&self.shapes[..n]).enumerate() {
            // SAFETY: libffi passes one pointer per parameter, to a value of its type.
            slot.write(unsafe { scalar_arg(shape, (*args.add(i)).cast::<u8>()) });
        }
        // SAFETY: the first `n` are initialised; scalar values own nothing, so
        // leaving them undropped leaks nothing.
        let values = unsafe { std::slice::from_raw_parts(values.as_ptr().cast::<Value>(), n) };
        let result = (self.body)(values);
        // SAFETY: forwarded from the caller.
        unsafe { self.write_result(ret, result) }
    }

    /// Writes the closure's `result` into libffi's result buffer `ret`.
    ///
    /// # Safety
    /// `ret` is libffi's result buffer for this callback's return type.
    #[inline(always)]
    unsafe fn write_result(&self, ret: *mut c_void, result: Value) -> Result<()> {
        // A plain scalar goes straight into the `ffi_arg` (integers extended).
        let mut word = [0u8; 16];
        if self.ret.is_some() && store_fast(self.ret_shape, &result, &mut word) {
            let mut low = [0u8; 8];
            low.copy_from_slice(&word[..8]);
            // SAFETY: the result buffer holds at least an `ffi_arg` (8 bytes); a
            // `float` result is read from its low 4.
            unsafe { ret.cast::<u64>().write_unaligned(u64::from_le_bytes(low)) };
            // What `store_fast` takes (integers, floats, addresses) owns nothing.
            std::mem::forget(result);
            return Ok(());
        }
        if self.ret.is_none() && matches!(result, Value::Void) {
            return Ok(());
        }
        // SAFETY: forwarded from the caller.
        unsafe { self.write_other_result(ret, result) }
    }

    /// [`write_result`](Self::write_result) for every result but a plain
    /// scalar: checked conversions, objects, and the errors.
    ///
    /// # Safety
    /// As [`write_result`](Self::write_result).
    #[inline(never)]
    unsafe fn write_other_result(&self, ret: *mut c_void, mut result: Value) -> Result<()> {
        let Some(ret_ty) = self.ret else {
            return match result {
                Value::Void => Ok(()),
                other => Err(self.wrong_result(ValueProblem::NotVoid {
                    value: other.describe(),
                })),
            };
        };
        let size = size_of(&self.set, ret_ty)?;
        let mut small = [0u8; 32];
        let mut large = Vec::new();
        let scratch: &mut [u8] = if size <= small.len() {
            &mut small
        } else {
            large.resize(size, 0);
            &mut large
        };
        store(
            &self.set,
            Place::whole(ret_ty),
            scratch,
            &mut result,
            &|| self.place.clone(),
        )?;
        let dangles = match &result {
            Value::Str(_) | Value::Bytes(_) | Value::Ref(_) => true,
            Value::Data(d) => d.owns_pointees(),
            _ => false,
        };
        if dangles {
            return Err(self.wrong_result(ValueProblem::Dangles {
                value: result.describe_owning(),
                callback: true,
            }));
        }
        match int_shape(&self.set, ret_ty) {
            // libffi wants integers narrower than a register as a whole `ffi_arg`.
            Some((width, signed)) if width < 8 => {
                let word = super::ffi_arg(&scratch[..width], signed);
                // SAFETY: the result buffer holds at least an `ffi_arg`.
                unsafe { ret.cast::<u64>().write_unaligned(word) };
            }
            // SAFETY: the result buffer holds a value of the return type.
            _ => unsafe { std::ptr::copy_nonoverlapping(scratch.as_ptr(), ret.cast::<u8>(), size) },
        }
        Ok(())
    }

    /// An error of this callback's result.
    fn wrong_result(&self, problem: ValueProblem) -> crate::Error {
        ErrorKind::Value {
            place: self.place.clone(),
            problem,
        }
        .into()
    }
}
