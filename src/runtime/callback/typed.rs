//! Typed callbacks: [`Callback::typed`] from a closure on Rust values, and
//! [`typed_callback`] from a Rust `extern "C"` function, each checked against the
//! header's type once, with no [`Value`] built per call.

use std::ffi::c_void;
use std::marker::PhantomData;
use std::panic::{catch_unwind, AssertUnwindSafe};

use libffi::raw as ffi;

use super::{callback_param, closure_interface, function_type, install, Callback};
use crate::abi::extend;
#[cfg(doc)]
use crate::error::ErrorKind;
use crate::error::{Param, Result};
use crate::runtime::call::Function;
use crate::runtime::typed::{check_signature, Against, CType, FnType, RustType};
use crate::runtime::unwind::{report, Failure};
use crate::runtime::value::Value;
use crate::types::{QualType, TypeSet};

impl<'a> Callback<'a> {
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
        Callback::typed_as(set, ty, None, body)
    }

    /// [`typed`](Self::typed) for the type of parameter `index` (0-based) of
    /// `function`, whose errors name that parameter. A closure for a `void`
    /// function type returns `()`; one returning a value is refused here, before
    /// C can call it.
    ///
    /// ```
    /// # fn main() -> wyvern::Result<()> {
    /// use wyvern::{Callback, Library, Module};
    /// let types = wyvern::Parser::new().header("<pthread.h>").parse()?;
    /// let module = Module::new(types, Library::this_process());
    /// let once = module.function("pthread_once")?;
    /// assert!(Callback::typed_for_param(&once, 1, |(): ()| ()).is_ok());
    /// let e = Callback::typed_for_param(&once, 1, |(): ()| 42i32).unwrap_err();
    /// assert_eq!(
    ///     e.to_string(),
    ///     "the Rust type does not match 'void (*)(void)', the type of parameter \
    ///      '__init_routine' (index 1) of 'pthread_once': the result: Rust i32 is not C 'void'"
    /// );
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// As [`typed`](Self::typed) and [`for_param`](Self::for_param).
    pub fn typed_for_param<A, R, F>(
        function: &Function,
        index: usize,
        body: F,
    ) -> Result<Callback<'a>>
    where
        A: CallbackArgs + 'a,
        R: CType + Copy + 'a,
        F: Fn(A) -> R + Send + Sync + 'a,
    {
        let (ty, param) = callback_param(function, index)?;
        Callback::typed_as(function.types(), ty, Some(&param), body)
    }

    /// [`typed`](Self::typed), for `param` when it is made for a function's parameter.
    fn typed_as<A, R, F>(
        set: &TypeSet,
        ty: QualType,
        param: Option<&Param>,
        body: F,
    ) -> Result<Callback<'a>>
    where
        A: CallbackArgs + 'a,
        R: CType + Copy + 'a,
        F: Fn(A) -> R + Send + Sync + 'a,
    {
        let (_, sig) = function_type(set, ty.id)?;
        let ret_desc = R::describe();
        check_signature(
            set,
            &sig,
            Against::Callback(&set.spell(ty), param),
            &A::describe(),
            &ret_desc,
        )?;
        let interface = closure_interface(set, ty, &sig, param)?;
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
}

/// A Rust `extern "C"` function as a callback of the header's function pointer
/// type `ty`: its type is checked once, like [`Function::typed`](crate::runtime::Function::typed),
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
/// [`ErrorKind::WrongKind`] when `ty` is not a function pointer type.
pub fn typed_callback<F: FnType>(set: &TypeSet, ty: QualType, f: F) -> Result<Value> {
    let (_, sig) = function_type(set, ty.id)?;
    check_signature(
        set,
        &sig,
        Against::Callback(&set.spell(ty), None),
        &F::params(),
        &F::ret(),
    )?;
    Ok(Value::Pointer(f.address() as usize))
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
    let _errno = crate::runtime::errno::InCallback::enter();
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
            // A narrow integer's whole `ffi_arg`; anything else its own bytes
            // (a record returned through memory is the caller's buffer, which
            // may be smaller than 8 bytes).
            let size = match state.extend {
                Some(_) => 8,
                None => std::mem::size_of::<R>(),
            };
            // SAFETY: the result buffer holds the result, and an `ffi_arg`
            // for an integer narrower than one.
            unsafe { std::ptr::write_bytes(ret.cast::<u8>(), 0, size) };
            report(Failure::Panic(payload));
        }
    }
}
