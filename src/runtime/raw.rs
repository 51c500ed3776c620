//! Raw calls and callbacks: arguments and results already in C's own
//! representation, for callers that convert values themselves (wyvern's Python
//! package, a language runtime with its own objects), so no [`Value`](super::Value)
//! is made on the way.
//!
//! A raw call still goes through everything a checked call does once the
//! values are in place: the call interface prepared once per function (and per
//! shape of variadic arguments), the register-only path where the signature
//! allows it, libffi's workarounds, `errno` as cffi keeps it, and a callback's
//! failure raised after C returns.

use std::ffi::c_void;
use std::panic::{catch_unwind, AssertUnwindSafe};

use libffi::raw as ffi;

use super::call::Function;
use super::callback::{closure_interface, function_type, install, result_bytes, Callback};
use super::mem::int_shape;
use super::unwind::{report, Failure};
use crate::error::{ErrorKind, Result};
use crate::types::{FloatKind, IntKind, QualType, Type, TypeId, TypeSet};

/// The bytes a buffer must hold for a value of `c_size` bytes in a raw call or
/// callback: whole eightbytes, at least 16, since calls read and write
/// registers' worth.
pub(crate) const fn buffer_size(c_size: usize) -> usize {
    let at_least = if c_size < 16 { 16 } else { c_size };
    at_least.next_multiple_of(8)
}

impl Function {
    /// The bytes a raw call's buffer must hold for a value of `c_size` bytes
    /// (an argument or the result): its size in whole eightbytes, at least 16.
    ///
    /// ```
    /// assert_eq!(wyvern::Function::raw_buffer_size(4), 16);
    /// assert_eq!(wyvern::Function::raw_buffer_size(20), 24);
    /// ```
    pub const fn raw_buffer_size(c_size: usize) -> usize {
        buffer_size(c_size)
    }

    /// Calls the function with arguments already in C's representation: one
    /// pointer per parameter, each to a buffer of at least
    /// [`raw_buffer_size`](Self::raw_buffer_size) bytes of its type's size
    /// holding a value of that type, and `ret` to a buffer of at least as many
    /// bytes for the result (anything for `void`). Nothing is converted or
    /// checked but the argument count, and nothing is allocated.
    ///
    /// ```
    /// # fn main() -> wyvern::Result<()> {
    /// let types = wyvern::Parser::new().header("<stdlib.h>").parse()?;
    /// let module = wyvern::Module::new(types, wyvern::Library::this_process());
    /// let labs = module.function("labs")?;
    /// let (mut arg, mut ret) = ([0u64; 2], [0u64; 2]);
    /// arg[0] = (-42i64) as u64;
    /// // SAFETY: one `long` argument, and a result buffer of 16 bytes.
    /// unsafe { labs.call_raw(ret.as_mut_ptr().cast(), &[arg.as_mut_ptr().cast()])? };
    /// assert_eq!(ret[0], 42);
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`ErrorKind::ArgumentCount`] when `args` has not one pointer per fixed
    /// parameter (a variadic function's further arguments go through
    /// [`call_raw_variadic`](Self::call_raw_variadic)); a callback's failure
    /// during the call, as for [`call`](Self::call).
    ///
    /// # Safety
    /// As [`call`](Self::call), and the buffers must be as described: valid,
    /// of the sizes given, holding values of the parameters' types.
    pub unsafe fn call_raw(&self, ret: *mut u8, args: &[*mut u8]) -> Result<()> {
        let (interface, code) = self.fixed_interface();
        self.check_raw_count(args.len(), 0)?;
        // SAFETY: forwarded from the caller; one buffer per parameter.
        unsafe { self.invoke(interface, code, ret, raw_args(args)) }
    }

    /// [`call_raw`](Self::call_raw) for a variadic function given arguments
    /// after the fixed ones: `extra` are their C types after the default
    /// argument promotions (no `float`, no integer narrower than `int`), one per
    /// argument beyond the fixed parameters.
    ///
    /// # Errors
    /// As [`call_raw`](Self::call_raw); [`ErrorKind::ArgumentCount`] for
    /// further arguments to a function that is not variadic, and
    /// [`ErrorKind::Uncallable`] for an unpromoted type or one that cannot be
    /// passed.
    ///
    /// # Safety
    /// As [`call_raw`](Self::call_raw), with `args` holding a buffer for each
    /// fixed parameter and then for each of `extra`.
    pub unsafe fn call_raw_variadic(
        &self,
        extra: &[TypeId],
        ret: *mut u8,
        args: &[*mut u8],
    ) -> Result<()> {
        self.check_raw_count(args.len(), extra.len())?;
        if let Some(unpromoted) = extra.iter().find(|&&t| !is_promoted(self.types(), t)) {
            return Err(ErrorKind::Uncallable {
                function: Some(self.prototype()),
                callback: None,
                param: None,
                reason: format!(
                    "a variadic argument of type '{}' (C promotes it first)",
                    self.types().spell(QualType::new(*unpromoted))
                ),
            }
            .into());
        }
        let interface = self.interface_for(extra)?;
        let (_, code) = self.fixed_interface();
        // SAFETY: forwarded from the caller; the interface is for these types.
        unsafe { self.invoke(&interface, code, ret, raw_args(args)) }
    }

    /// `args` pointers for the fixed parameters and `extra` more (checked on
    /// every raw call: inline, its error out of line).
    #[inline]
    fn check_raw_count(&self, args: usize, extra: usize) -> Result<()> {
        let sig = self.signature();
        let fixed = sig.params.len();
        let variadic = sig.variadic || !sig.prototyped;
        if args == fixed + extra && (extra == 0 || variadic) {
            return Ok(());
        }
        self.raw_count_error(args, extra, fixed, variadic)
    }

    #[cold]
    fn raw_count_error(
        &self,
        args: usize,
        extra: usize,
        fixed: usize,
        variadic: bool,
    ) -> Result<()> {
        Err(ErrorKind::ArgumentCount {
            function: self.name().to_owned(),
            prototype: self.prototype(),
            expected: fixed,
            variadic,
            got: args.saturating_sub(extra),
        }
        .into())
    }
}

/// The argument pointers as libffi takes them: it reads the array and never
/// writes it, though its signature says `*mut`.
fn raw_args(args: &[*mut u8]) -> *mut *mut c_void {
    args.as_ptr().cast_mut().cast()
}

/// Whether a variadic argument of type `ty` is as the default argument
/// promotions leave it.
fn is_promoted(set: &TypeSet, ty: TypeId) -> bool {
    match set.ty(set.canonical(ty)) {
        Type::Bool => false,
        Type::Int(k) => k.rank() >= IntKind::Int.rank(),
        Type::Float(k) => *k != FloatKind::Float,
        Type::Enum(_) => int_shape(set, ty).is_some_and(|(size, _)| size >= 4),
        Type::Void | Type::Function(_) => false,
        _ => set.has_type(ty),
    }
}

/// A raw callback's body: `ret` points to a buffer for the result (at least
/// [`Function::raw_buffer_size`] of its size), `args` to each argument's value.
type RawBody<'a> = dyn Fn(*mut u8, &[*const u8]) + Send + Sync + 'a;

struct RawState<'a> {
    params: usize,
    /// How many bytes of the result buffer are zeroed (`result_bytes`), and
    /// the result's integer shape when libffi wants it widened to a whole
    /// `ffi_arg`.
    ret_size: usize,
    ret_int: Option<(usize, bool)>,
    body: Box<RawBody<'a>>,
}

impl<'a> Callback<'a> {
    /// A callback of type `ty` whose closure takes its arguments and gives its
    /// result in C's own representation: `body(ret, args)` gets one pointer per
    /// parameter, to a value of its type, and writes the result (as many bytes
    /// as its type has) to `ret`. The buffer is zeroed first, so a body that
    /// writes nothing returns zero. Integers narrower than a register are
    /// widened for libffi afterwards.
    ///
    /// ```
    /// # fn main() -> wyvern::Result<()> {
    /// use wyvern::{Callback, Library, Module, Value};
    /// let types = wyvern::cdef("typedef int (*twice_fn)(int);")?;
    /// let twice = Callback::raw(&types, types.type_named("twice_fn")?, |ret, args| unsafe {
    ///     let x = args[0].cast::<i32>().read_unaligned();
    ///     ret.cast::<i32>().write_unaligned(2 * x);
    /// })?;
    /// // SAFETY: the callback is of this Rust type.
    /// let f: extern "C" fn(i32) -> i32 = unsafe { std::mem::transmute(twice.address()) };
    /// assert_eq!(f(21), 42);
    /// # Ok(()) }
    /// ```
    ///
    /// # Panics and errors
    /// A panic in `body` never unwinds into C: C gets a zeroed result, and the
    /// panic resumes when the wyvern call that led to the callback returns (see
    /// [`Callback`]'s *Panics and errors*).
    ///
    /// # Errors
    /// As [`new`](Self::new).
    pub fn raw(
        set: &TypeSet,
        ty: QualType,
        body: impl Fn(*mut u8, &[*const u8]) + Send + Sync + 'a,
    ) -> Result<Callback<'a>> {
        let (_, sig) = function_type(set, ty.id)?;
        let interface = closure_interface(set, ty, &sig, None)?;
        let state = Box::new(RawState {
            params: sig.params.len(),
            ret_size: result_bytes(set, sig.ret.id)?,
            ret_int: int_shape(set, sig.ret.id).filter(|(size, _)| *size < 8),
            body: Box::new(body),
        });
        install(set, ty, interface, state, raw_trampoline)
    }
}

/// The C entry point of a raw callback.
unsafe extern "C" fn raw_trampoline(
    _cif: *mut ffi::ffi_cif,
    ret: *mut c_void,
    args: *mut *mut c_void,
    user: *mut c_void,
) {
    let _errno = super::errno::InCallback::enter();
    // SAFETY: `user` is the `RawState` this closure was prepared with, alive
    // while the `Callback` is.
    let state = unsafe { &*(user as *const RawState<'_>) };
    let ret = ret.cast::<u8>();
    // SAFETY: the result buffer holds `ret_size` bytes: a scalar's at least
    // an `ffi_arg`, a record's its size.
    unsafe { zero(ret, state.ret_size) };
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        // SAFETY: libffi passes one pointer per parameter.
        let args = unsafe { std::slice::from_raw_parts(args.cast::<*const u8>(), state.params) };
        (state.body)(ret, args);
    }));
    match outcome {
        Ok(()) => {
            if let Some((size, signed)) = state.ret_int {
                // SAFETY: the buffer holds at least 8 bytes, the low `size` the result's.
                let word = super::callback::ffi_arg(
                    unsafe { std::slice::from_raw_parts(ret, size) },
                    signed,
                );
                // SAFETY: as above.
                unsafe { ret.cast::<u64>().write_unaligned(word) };
            }
        }
        Err(payload) => {
            // SAFETY: as above.
            unsafe { zero(ret, state.ret_size) };
            report(Failure::Panic(payload));
        }
    }
}

/// Zeroes the first `size` bytes of a callback's result buffer (one store
/// for a scalar's `ffi_arg`, the common case).
///
/// # Safety
/// `ret` must be a result buffer of at least `size` bytes.
#[inline]
unsafe fn zero(ret: *mut u8, size: usize) {
    if size == 8 {
        // SAFETY: the caller's promise: the buffer holds 8 bytes.
        unsafe { ret.cast::<u64>().write_unaligned(0) }
    } else {
        // SAFETY: the caller's promise.
        unsafe { std::ptr::write_bytes(ret, 0, size) }
    }
}
