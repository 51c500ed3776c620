//! [`Callback`]: a Rust closure as a C function pointer of a header's type.

use std::ffi::c_void;
use std::marker::PhantomData;
use std::mem::MaybeUninit;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr::null_mut;

use libffi::raw as ffi;

use super::scalar::{int_value, store_fast};
use super::data::size_of;
use super::mem::{int_shape, load, store, Place};
use super::typed::{CType, RustType};
use super::unwind::{report, Failure};
use super::value::Value;
use crate::abi::{extend, CallInterface, Shape};
use crate::error::{ErrorKind, Result};
use crate::types::{FnSig, QualType, Type, TypeId, TypeSet};

type Body<'a> = dyn Fn(&[Value]) -> Value + Send + Sync + 'a;

/// A Rust closure callable from C as a function pointer of a C function type.
///
/// Arguments arrive as [`Value`]s converted from their C types (structs and
/// unions by value as [`Value::Data`], pointers as [`Value::Pointer`]: read what
/// they point to with [`CData::read_from`](super::CData::read_from)); the
/// closure's result is checked and converted to the C return type. A result
/// that points into memory it owns (a string, a buffer, an object's address,
/// or an object holding such pointers) is refused, since that memory is freed
/// as the callback returns: return addresses of memory kept elsewhere
/// ([`Value::Pointer`]).
///
/// ```no_run
/// # fn main() -> wyvern::Result<()> {
/// use wyvern::{Callback, Library, Module, Value};
/// let types = wyvern::Parser::new().header("<stdlib.h>").parse()?;
/// let module = Module::new(types, Library::this_process());
/// let qsort = module.function("qsort")?;
/// // The comparator's type is qsort's fourth parameter.
/// let compare = Callback::for_param(&qsort, 3, |args: &[Value]| {
///     let read = |v: &Value| unsafe { *(v.as_address().unwrap() as *const i32) };
///     read(&args[0]).cmp(&read(&args[1])) as i32
/// })?;
/// let mut numbers = [3i32, 1, 2];
/// // SAFETY: an array of 3 ints, their size, and a comparator for ints.
/// unsafe {
///     qsort.call(&mut [
///         Value::Pointer(numbers.as_mut_ptr() as usize),
///         3.into(),
///         4.into(),
///         compare.to_value(),
///     ])?;
/// }
/// assert_eq!(numbers, [1, 2, 3]);
/// # Ok(()) }
/// ```
///
/// # Lifetimes
/// A `Callback<'a>` may borrow what its closure captures for `'a`, and frees
/// its code when dropped: C must not call it after that. For a callback C keeps
/// (a registered handler), use a `'static` closure and keep the `Callback`
/// alive, or [`leak`](Callback::leak) it.
///
/// # errno
/// As in cffi, a callback sees C's `errno`: [`last_errno`](super::last_errno)
/// inside the closure is `errno` as C had it when it called the callback, and
/// `errno` is what the saved value is when the closure returns. So the callback
/// leaves C's `errno` as it found it, whatever the Rust code inside does to it,
/// unless it calls [`set_errno`](super::set_errno) or makes calls through wyvern
/// (which leave their `errno`, as they would if C had made them).
///
/// # Threads
/// C may call a callback from any thread, including threads it created, so the
/// closure must be `Send + Sync`.
///
/// # Panics and errors
/// A panic never unwinds into C. The callback returns zero (a zeroed result) to
/// C instead, and the panic resumes, in Rust, when the wyvern call that led to
/// the callback returns. A result that does not convert to the C return type is
/// handled the same way and becomes that call's `Err`. On a thread with no wyvern
/// call to return to (one C created), the failure is printed to stderr.
pub struct Callback<'a> {
    closure: *mut ffi::ffi_closure,
    code: *const c_void,
    /// The cif the closure was prepared with; freed after the closure.
    _interface: CallInterface,
    /// What the closure's user-data pointer points to; boxed so it never moves.
    _state: Box<dyn Erased + 'a>,
    set: TypeSet,
    ty: QualType,
}

/// Any callback state, its type erased once the trampoline that reads it is chosen.
trait Erased: Send + Sync {}
impl<T: Send + Sync> Erased for T {}

struct State<'a> {
    set: TypeSet,
    params: Vec<TypeId>,
    /// Each parameter's scalar shape, for conversions that skip the type set.
    shapes: Vec<(Shape, usize)>,
    ret: Option<TypeId>,
    ret_shape: Shape,
    body: Box<Body<'a>>,
}

// SAFETY: the closure code and state are immutable after creation; the body is
// `Send + Sync`; `TypeSet` and `CallInterface` are `Send + Sync`.
unsafe impl Send for Callback<'_> {}
// SAFETY: as above.
unsafe impl Sync for Callback<'_> {}

impl std::fmt::Debug for Callback<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Callback({} at {:p})",
            self.set.spell(self.ty),
            self.code
        )
    }
}

impl<'a> Callback<'a> {
    /// A callback of type `ty`: a function pointer type (`int (*)(int)`), a
    /// typedef of one (`__compar_fn_t`), or a function type.
    ///
    /// # Errors
    /// [`ErrorKind::Unsupported`] for a type that is not a function (pointer), a
    /// variadic one, or one libffi cannot express.
    pub fn new<R: Into<Value>>(
        set: &TypeSet,
        ty: QualType,
        body: impl Fn(&[Value]) -> R + Send + Sync + 'a,
    ) -> Result<Callback<'a>> {
        let (_, sig) = function_type(set, ty.id)?;
        let interface = CallInterface::for_closure(set, &sig)?;
        let ret = match set.ty(set.canonical(sig.ret.id)) {
            Type::Void => None,
            _ => Some(sig.ret.id),
        };
        let shapes = interface.args.iter().map(|a| (a.shape, a.size)).collect();
        let ret_shape = interface.ret.map_or(Shape::Other, |r| r.shape);
        let state = Box::new(State {
            set: set.clone(),
            params: sig.params.iter().map(|p| p.id).collect(),
            shapes,
            ret,
            ret_shape,
            body: Box::new(move |args: &[Value]| body(args).into()),
        });
        install(set, ty, interface, state, trampoline)
    }

    /// A callback from a closure on Rust values, checked against the header's
    /// type once: `A` is a tuple of the parameters' Rust types (`(i32, *const c_void)`),
    /// `R` the result's. No [`Value`] is built per call, so it costs little more
    /// than libffi's own closure.
    ///
    /// ```
    /// # fn main() -> wyvern::Result<()> {
    /// let types = wyvern::cdef("typedef long (*scale_fn)(int, double);")?;
    /// let k = 10.0;
    /// let scale = wyvern::Callback::typed(&types, types.type_named("scale_fn")?,
    ///     move |(x, y): (i32, f64)| (f64::from(x) * y * k) as i64)?;
    /// let f: unsafe extern "C" fn(i32, f64) -> i64 = unsafe { std::mem::transmute(scale.address()) };
    /// assert_eq!(unsafe { f(2, 1.5) }, 30);
    /// assert!(wyvern::Callback::typed(&types, types.type_named("scale_fn")?,
    ///     |(x, _): (u32, f64)| i64::from(x)).is_err());
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`ErrorKind::TypeMismatch`] naming the parameter that differs, and as
    /// [`new`](Self::new).
    pub fn typed<A, R, F>(set: &TypeSet, ty: QualType, body: F) -> Result<Callback<'a>>
    where
        A: CallbackArgs + 'a,
        R: CType + Copy + 'a,
        F: Fn(A) -> R + Send + Sync + 'a,
    {
        let (_, sig) = function_type(set, ty.id)?;
        let names = vec![None; sig.params.len()];
        let ret_desc = R::describe();
        super::typed::check_signature(
            set,
            &sig,
            &names,
            &set.spell(ty),
            &A::describe(),
            &ret_desc,
        )?;
        let interface = CallInterface::for_closure(set, &sig)?;
        let extend = match ret_desc {
            RustType::Int { size, signed, .. } if size < 8 => Some((size, signed)),
            RustType::Bool => Some((1, false)),
            _ => None,
        };
        let state: Box<TypedState<A, R, F>> = Box::new(TypedState {
            body,
            extend,
            _types: PhantomData,
        });
        install(set, ty, interface, state, typed_trampoline::<A, R, F>)
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
    ///
    /// # Errors
    /// As [`new`](Self::new), and for an index past the parameters.
    pub fn for_param<R: Into<Value>>(
        function: &super::Function,
        index: usize,
        body: impl Fn(&[Value]) -> R + Send + Sync + 'a,
    ) -> Result<Callback<'a>> {
        let Some(param) = function.signature().params.get(index) else {
            return Err(ErrorKind::Unsupported(format!(
                "'{}' has no parameter {index}",
                function.prototype()
            ))
            .into());
        };
        Callback::new(function.types(), *param, body)
    }

    /// The C function pointer.
    pub fn address(&self) -> *const c_void {
        self.code
    }

    /// The function pointer as a value to pass to C. The value does not borrow
    /// the callback: keep the callback alive while C may call it, or use
    /// [`lend`](Self::lend), which makes the compiler check that.
    pub fn to_value(&self) -> Value {
        Value::Pointer(self.code as usize)
    }

    /// Runs `body` with the function pointer as a value, borrowing the callback
    /// meanwhile: the compiler then refuses to drop or move it while the calls
    /// in `body`, which may hand it to C, run.
    ///
    /// ```
    /// # fn main() -> wyvern::Result<()> {
    /// use wyvern::{Callback, Library, Module, Value};
    /// let types = wyvern::Parser::new().header("<stdlib.h>").parse()?;
    /// let module = Module::new(types, Library::this_process());
    /// let qsort = module.function("qsort")?;
    /// let compare = Callback::typed(module.types(), qsort.signature().params[3],
    ///     |(a, b): (*const i32, *const i32)| unsafe { (*a).cmp(&*b) as i32 })?;
    /// let mut numbers = [3i32, 1, 2];
    /// compare.lend(|f| unsafe {
    ///     qsort.call(&mut [Value::Pointer(numbers.as_mut_ptr() as usize), 3.into(), 4.into(), f])
    /// })?;
    /// assert_eq!(numbers, [1, 2, 3]);
    /// # Ok(()) }
    /// ```
    pub fn lend<T>(&self, body: impl FnOnce(Value) -> T) -> T {
        body(self.to_value())
    }

    /// Its type.
    pub fn ty(&self) -> QualType {
        self.ty
    }
}

/// A Rust `extern "C"` function as a callback of the header's function pointer
/// type `ty`: its type is checked once, like [`Function::typed`](super::Function::typed),
/// and then C calls it directly, with no conversion at all. Use it where a
/// callback is hot and needs no captured state.
///
/// ```
/// # fn main() -> wyvern::Result<()> {
/// let types = wyvern::cdef("typedef int (*unary)(int);")?;
/// unsafe extern "C" fn twice(x: i32) -> i32 { x * 2 }
/// let pointer = wyvern::typed_callback::<unsafe extern "C" fn(i32) -> i32>(
///     &types, types.type_named("unary")?, twice)?;
/// assert!(matches!(pointer, wyvern::Value::Pointer(_)));
/// unsafe extern "C" fn wrong(x: u32) -> i32 { x as i32 }
/// assert!(wyvern::typed_callback::<unsafe extern "C" fn(u32) -> i32>(
///     &types, types.type_named("unary")?, wrong).is_err());
/// # Ok(()) }
/// ```
///
/// # Errors
/// [`ErrorKind::TypeMismatch`] naming the parameter that differs, and
/// [`ErrorKind::Unsupported`] when `ty` is not a function pointer type.
pub fn typed_callback<F: super::FnType>(set: &TypeSet, ty: QualType, f: F) -> Result<Value> {
    let (_, sig) = function_type(set, ty.id)?;
    let names = vec![None; sig.params.len()];
    super::typed::check_signature(set, &sig, &names, &set.spell(ty), &F::params(), &F::ret())?;
    Ok(Value::Pointer(f.address() as usize))
}

impl Callback<'static> {
    /// Keeps the callback for the rest of the process and returns its function
    /// pointer: for handlers C keeps and may call at any time.
    pub fn leak(self) -> *const c_void {
        let code = self.code;
        std::mem::forget(self);
        code
    }
}

impl Drop for Callback<'_> {
    fn drop(&mut self) {
        // SAFETY: allocated by `ffi_closure_alloc` in `new`; the state it points
        // to is dropped after this.
        unsafe { ffi::ffi_closure_free(self.closure.cast()) };
    }
}

type Trampoline =
    unsafe extern "C" fn(*mut ffi::ffi_cif, *mut c_void, *mut *mut c_void, *mut c_void);

/// Allocates a libffi closure that calls `trampoline` with `state` as user data.
fn install<'a, S: Send + Sync + 'a>(
    set: &TypeSet,
    ty: QualType,
    interface: CallInterface,
    state: Box<S>,
    trampoline: Trampoline,
) -> Result<Callback<'a>> {
    let mut code = null_mut::<c_void>();
    // SAFETY: allocates a closure and its executable code address.
    let closure =
        unsafe { ffi::ffi_closure_alloc(std::mem::size_of::<ffi::ffi_closure>(), &mut code) }
            .cast::<ffi::ffi_closure>();
    if closure.is_null() {
        return Err(ErrorKind::Unsupported("libffi could not allocate a closure".into()).into());
    }
    let user = (&*state as *const S).cast_mut().cast::<c_void>();
    // SAFETY: the closure, the cif (owned by `interface`) and the user data
    // (`state`) all live as long as the returned `Callback`, which frees the
    // closure before dropping them.
    let status = unsafe {
        ffi::ffi_prep_closure_loc(closure, interface.raw_cif(), Some(trampoline), user, code)
    };
    if status != ffi::ffi_status_FFI_OK {
        // SAFETY: allocated above and not handed out.
        unsafe { ffi::ffi_closure_free(closure.cast()) };
        return Err(ErrorKind::Unsupported(format!(
            "libffi could not prepare a callback of type '{}' (status {status})",
            set.spell(ty)
        ))
        .into());
    }
    Ok(Callback {
        closure,
        code,
        _interface: interface,
        _state: state,
        set: set.clone(),
        ty,
    })
}

/// A tuple of Rust parameter types a typed callback receives.
///
/// # Safety
/// `describe` must tell the truth, and `read` must read one value of each type
/// from libffi's argument pointers.
pub unsafe trait CallbackArgs: Sized {
    /// The parameters' shapes.
    fn describe() -> Vec<RustType>;
    /// Reads the arguments.
    ///
    /// # Safety
    /// `args` holds one pointer per parameter, to a value of its type.
    unsafe fn read(args: *const *mut c_void) -> Self;
}

macro_rules! callback_args {
    ($($a:ident $i:tt),*) => {
        // SAFETY: one value of each (checked) type, read where libffi put it.
        unsafe impl<$($a: CType + Copy),*> CallbackArgs for ($($a,)*) {
            fn describe() -> Vec<RustType> {
                vec![$($a::describe()),*]
            }
            #[allow(unused_variables, clippy::unused_unit)]
            unsafe fn read(args: *const *mut c_void) -> Self {
                // SAFETY: the caller's guarantee.
                ($(unsafe { (*args.add($i)).cast::<$a>().read_unaligned() },)*)
            }
        }
    };
}
callback_args!();
callback_args!(A0 0);
callback_args!(A0 0, A1 1);
callback_args!(A0 0, A1 1, A2 2);
callback_args!(A0 0, A1 1, A2 2, A3 3);
callback_args!(A0 0, A1 1, A2 2, A3 3, A4 4);
callback_args!(A0 0, A1 1, A2 2, A3 3, A4 4, A5 5);
callback_args!(A0 0, A1 1, A2 2, A3 3, A4 4, A5 5, A6 6);
callback_args!(A0 0, A1 1, A2 2, A3 3, A4 4, A5 5, A6 6, A7 7);

struct TypedState<A, R, F> {
    body: F,
    /// For an integer result narrower than a register: its size and signedness
    /// (libffi wants a whole, extended `ffi_arg`).
    extend: Option<(usize, bool)>,
    _types: PhantomData<fn(A) -> R>,
}

/// The C entry point of typed callbacks.
unsafe extern "C" fn typed_trampoline<A, R, F>(
    _cif: *mut ffi::ffi_cif,
    ret: *mut c_void,
    args: *mut *mut c_void,
    user: *mut c_void,
) where
    A: CallbackArgs,
    R: CType + Copy,
    F: Fn(A) -> R,
{
    let _errno = super::errno::InCallback::enter();
    // SAFETY: `user` is this callback's `TypedState`, alive while it is.
    let state = unsafe { &*(user as *const TypedState<A, R, F>) };
    // SAFETY: libffi passes one pointer per parameter, of the checked types.
    let outcome = catch_unwind(AssertUnwindSafe(|| (state.body)(unsafe { A::read(args) })));
    match outcome {
        Ok(result) => {
            let size = std::mem::size_of::<R>();
            if size == 0 {
                return;
            }
            match state.extend {
                Some((width, signed)) => {
                    let mut word = [0u8; 8];
                    // SAFETY: `R` is an integer of `width` bytes.
                    unsafe {
                        std::ptr::copy_nonoverlapping(
                            (&result as *const R).cast::<u8>(),
                            word.as_mut_ptr(),
                            width.min(8),
                        );
                    }
                    let word = extend(u64::from_le_bytes(word), width, signed);
                    // SAFETY: the result buffer holds at least an `ffi_arg`.
                    unsafe { ret.cast::<u64>().write_unaligned(word) };
                }
                // SAFETY: the result buffer holds a value of the (checked) result type.
                None => unsafe { ret.cast::<R>().write_unaligned(result) },
            }
        }
        Err(payload) => {
            let size = std::mem::size_of::<R>();
            if size > 0 {
                // SAFETY: the result buffer holds at least an `ffi_arg`, or the result.
                unsafe { std::ptr::write_bytes(ret.cast::<u8>(), 0, size.max(8)) };
            }
            report(Failure::Panic(payload));
        }
    }
}

/// The function type behind `ty` (a function, a pointer to one, or typedefs of them).
pub(crate) fn function_type(set: &TypeSet, ty: TypeId) -> Result<(TypeId, FnSig)> {
    let mut id = set.canonical(ty);
    if let Type::Pointer(pointee) = set.ty(id) {
        id = set.canonical(pointee.id);
    }
    match set.ty(id) {
        Type::Function(sig) => Ok((id, sig.clone())),
        _ => Err(ErrorKind::Unsupported(format!(
            "'{}' is not a function pointer type",
            set.spell(QualType::new(ty))
        ))
        .into()),
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
    let _errno = super::errno::InCallback::enter();
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
    if let Some(ret_ty) = state.ret {
        // A zeroed result: at least an `ffi_arg`, or the whole returned object.
        let size = size_of(&state.set, ret_ty).unwrap_or(0).max(8);
        // SAFETY: libffi's result buffer holds the return type, at least 8 bytes.
        unsafe { std::ptr::write_bytes(ret.cast::<u8>(), 0, size) };
    }
    report(failure);
}

/// The arguments of one callback call, in a caller's array of 8 slots (or a
/// vector beyond that), initialised and dropped only as far as they are filled:
/// a full `[Value; 8]`, or moving one, costs more than the rest of the call.
struct Args<'s> {
    inline: &'s mut [MaybeUninit<Value>; 8],
    heap: Vec<Value>,
    len: usize,
    spilled: bool,
}

impl<'s> Args<'s> {
    fn new(inline: &'s mut [MaybeUninit<Value>; 8], n: usize) -> Args<'s> {
        Args {
            inline,
            heap: Vec::new(),
            len: 0,
            spilled: n > 8,
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

impl State<'_> {
    /// # Safety
    /// As the trampoline's arguments.
    unsafe fn run(&self, ret: *mut c_void, args: *mut *mut c_void) -> Result<()> {
        let n = self.params.len();
        let mut slots = [const { MaybeUninit::uninit() }; 8];
        let mut values = Args::new(&mut slots, n);
        for (i, ty) in self.params.iter().enumerate() {
            let (shape, size) = self.shapes[i];
            // SAFETY: libffi's `args[i]` points to the argument's value, `size` bytes.
            let bytes = unsafe { std::slice::from_raw_parts((*args.add(i)).cast::<u8>(), size) };
            values.push(match shape {
                Shape::Int { size, signed } => {
                    let p = bytes.as_ptr();
                    // SAFETY: `bytes` holds `size` bytes (1, 2, 4 or 8).
                    let raw = unsafe {
                        match size {
                            1 => u64::from(p.read()),
                            2 => u64::from(p.cast::<u16>().read_unaligned()),
                            4 => u64::from(p.cast::<u32>().read_unaligned()),
                            _ => p.cast::<u64>().read_unaligned(),
                        }
                    };
                    int_value(raw, size, signed)
                }
                _ => load(&self.set, Place::whole(*ty), bytes)?,
            });
        }
        let values = values.as_slice();
        let mut result = (self.body)(values);
        let Some(ret_ty) = self.ret else {
            return Ok(());
        };
        // A plain scalar goes straight into the `ffi_arg` (integers extended).
        let mut word = [0u8; 16];
        if store_fast(self.ret_shape, &result, &mut word) {
            let mut low = [0u8; 8];
            low.copy_from_slice(&word[..8]);
            // SAFETY: the result buffer holds at least an `ffi_arg` (8 bytes); a
            // `float` result is read from its low 4.
            unsafe { ret.cast::<u64>().write_unaligned(u64::from_le_bytes(low)) };
            return Ok(());
        }
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
            &|| "the callback's result".to_owned(),
        )?;
        let dangles = match &result {
            Value::Str(_) | Value::Bytes(_) | Value::Ref(_) => true,
            Value::Data(d) => d.owns_pointees(),
            _ => false,
        };
        if dangles {
            return Err(ErrorKind::Value {
                place: "the callback's result".into(),
                message: format!(
                    "{} would dangle once the callback returns, freed with its result; \
                     return addresses you keep alive (Value::Pointer)",
                    result.describe_owning()
                ),
            }
            .into());
        }
        match int_shape(&self.set, ret_ty) {
            // libffi wants integers narrower than a register as a whole `ffi_arg`.
            Some((width, signed)) if width < 8 => {
                let mut word = [0u8; 8];
                word[..width].copy_from_slice(&scratch[..width]);
                let word = extend(u64::from_le_bytes(word), width, signed);
                // SAFETY: the result buffer holds at least an `ffi_arg`.
                unsafe { ret.cast::<u64>().write_unaligned(word) };
            }
            // SAFETY: the result buffer holds a value of the return type.
            _ => unsafe { std::ptr::copy_nonoverlapping(scratch.as_ptr(), ret.cast::<u8>(), size) },
        }
        Ok(())
    }
}
