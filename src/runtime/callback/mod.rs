//! [`Callback`]: a Rust closure as a C function pointer of a header's type.
//!
//! This file is the callback itself (its libffi closure, what it keeps alive);
//! `dynamic` makes one from a closure on [`Value`]s ([`Callback::new`]), `typed`
//! from a closure on Rust values ([`Callback::typed`], [`typed_callback`](crate::typed_callback)).

use std::ffi::c_void;
use std::ptr::null_mut;

use libffi::raw as ffi;

use super::call::Function;
use super::value::Value;
use crate::abi::CallInterface;
use crate::error::{ErrorKind, Param, Result};
use crate::types::{FnSig, QualType, Type, TypeId, TypeSet};

mod dynamic;
#[cfg(all(target_arch = "x86_64", unix))]
mod entry;
pub(crate) mod typed;

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
/// the callback returns. A result that does not convert to the C return type (a
/// value where it is `void`: return `()` there) is handled the same way and
/// becomes that call's `Err`, which names the callback (the parameter it was made
/// for, with [`for_param`](Callback::for_param)). A typed closure's result is
/// checked when it is made ([`typed`](Callback::typed)). On a thread with no
/// wyvern call to return to (one C created), the failure is printed to stderr.
pub struct Callback<'a> {
    closure: Closure,
    code: *const c_void,
    /// The cif the closure was prepared with; freed after the closure.
    _interface: CallInterface,
    /// What the closure's user-data pointer points to; boxed so it never moves.
    _state: Box<dyn Erased + 'a>,
    set: TypeSet,
    ty: QualType,
}

/// The code C calls: wyvern's own entry (see `entry`), or a libffi closure
/// for the signatures that need one.
enum Closure {
    #[cfg(all(target_arch = "x86_64", unix))]
    Own {
        /// Dropped first: its data slot points to the entry.
        _stub: entry::Stub,
        _entry: Box<entry::Entry>,
    },
    Libffi(*mut ffi::ffi_closure),
}

/// Any callback state, its type erased once the trampoline that reads it is chosen.
trait Erased: Send + Sync {}
impl<T: Send + Sync> Erased for T {}

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
        if let Closure::Libffi(closure) = self.closure {
            // SAFETY: allocated by `ffi_closure_alloc` in `install`; the state
            // it points to is dropped after this.
            unsafe { ffi::ffi_closure_free(closure.cast()) };
        }
        // Wyvern's own stub goes back to its pool when `closure` drops, before
        // the state it leads to (fields drop in order).
    }
}

type Trampoline =
    unsafe extern "C" fn(*mut ffi::ffi_cif, *mut c_void, *mut *mut c_void, *mut c_void);

/// Allocates a libffi closure that calls `trampoline` with `state` as user data.
pub(super) fn install<'a, S: Send + Sync + 'a>(
    set: &TypeSet,
    ty: QualType,
    interface: CallInterface,
    state: Box<S>,
    trampoline: Trampoline,
) -> Result<Callback<'a>> {
    let user = (&*state as *const S).cast_mut().cast::<c_void>();
    #[cfg(all(target_arch = "x86_64", unix))]
    if let Some(entry) = entry::Entry::new(&interface, trampoline, user) {
        if let Some(stub) = entry::Stub::new(&entry) {
            return Ok(Callback {
                code: stub.code(),
                closure: Closure::Own {
                    _stub: stub,
                    _entry: entry,
                },
                _interface: interface,
                _state: state,
                set: set.clone(),
                ty,
            });
        }
    }
    let mut code = null_mut::<c_void>();
    // SAFETY: allocates a closure and its executable code address.
    let closure =
        unsafe { ffi::ffi_closure_alloc(std::mem::size_of::<ffi::ffi_closure>(), &mut code) }
            .cast::<ffi::ffi_closure>();
    if closure.is_null() {
        return Err(ErrorKind::Libffi {
            action: "allocate a closure".into(),
            status: None,
        }
        .into());
    }
    // SAFETY: the closure, the cif (owned by `interface`) and the user data
    // (`state`) all live as long as the returned `Callback`, which frees the
    // closure before dropping them.
    let status = unsafe {
        ffi::ffi_prep_closure_loc(closure, interface.raw_cif(), Some(trampoline), user, code)
    };
    if status != ffi::ffi_status_FFI_OK {
        // SAFETY: allocated above and not handed out.
        unsafe { ffi::ffi_closure_free(closure.cast()) };
        return Err(ErrorKind::Libffi {
            action: format!("prepare a callback of type '{}'", set.spell(ty)),
            status: Some(status),
        }
        .into());
    }
    Ok(Callback {
        closure: Closure::Libffi(closure),
        code,
        _interface: interface,
        _state: state,
        set: set.clone(),
        ty,
    })
}

/// How many bytes of a callback's result buffer are its result's, zeroed
/// before the body runs or when it fails: none for `void`, a record's own
/// size (one returned through memory is the caller's buffer, which may be
/// smaller than 8 bytes: a packed record), and a scalar's whole `ffi_arg` at
/// least.
pub(crate) fn result_bytes(set: &TypeSet, ret: TypeId) -> Result<usize> {
    match set.ty(set.canonical(ret)) {
        Type::Void => Ok(0),
        Type::Record(_) => super::data::size_of(set, ret),
        _ => Ok(super::data::size_of(set, ret)?.max(8)),
    }
}

/// An integer result narrower than a register (`low`, its C bytes), as the
/// whole `ffi_arg` libffi wants a closure to return it in: extended to 64 bits.
/// (The widths C has are matched one by one: a copy of a variable length is
/// a call to `memcpy`, on every callback that returns an `int`.)
#[inline]
pub(crate) fn ffi_arg(low: &[u8], signed: bool) -> u64 {
    let raw = match *low {
        [a] => u64::from(a),
        [a, b] => u64::from(u16::from_le_bytes([a, b])),
        [a, b, c, d] => u64::from(u32::from_le_bytes([a, b, c, d])),
        _ => {
            let mut word = [0u8; 8];
            let width = low.len().min(8);
            word[..width].copy_from_slice(&low[..width]);
            u64::from_le_bytes(word)
        }
    };
    crate::abi::extend(raw, low.len().min(8), signed)
}

/// The function type behind `ty` (a function, a pointer to one, or typedefs of them).
pub(crate) fn function_type(set: &TypeSet, ty: TypeId) -> Result<(TypeId, FnSig)> {
    let mut id = set.canonical(ty);
    if let Type::Pointer(pointee) = set.ty(id) {
        id = set.canonical(pointee.id);
    }
    match set.ty(id) {
        Type::Function(sig) => Ok((id, sig.clone())),
        _ => Err(ErrorKind::WrongKind {
            name: set.spell(QualType::new(ty)),
            expected: "a function pointer type",
            found: None,
        }
        .into()),
    }
}

/// Parameter `index` of `function`, as a callback's type: its type and how
/// messages name it.
///
/// # Errors
/// [`ErrorKind::NoParameter`] past the parameters, [`ErrorKind::NotCallback`]
/// for one that is not a function pointer; each suggests the function pointer
/// parameter nearest to `index`.
pub(crate) fn callback_param(function: &Function, index: usize) -> Result<(QualType, Param)> {
    let set = function.types();
    let params = &function.signature().params;
    let describe = |i: usize| Param {
        function: function.name().to_owned(),
        index: i,
        name: function.param_names().get(i).cloned().flatten(),
        ty: set.spell(params[i]),
    };
    let nearest = || {
        (0..params.len())
            .filter(|&i| i != index && function_type(set, params[i].id).is_ok())
            .min_by_key(|&i| i.abs_diff(index))
            .map(describe)
    };
    let Some(&ty) = params.get(index) else {
        return Err(ErrorKind::NoParameter {
            function: function.prototype(),
            index,
            count: params.len(),
            suggestion: nearest(),
        }
        .into());
    };
    if function_type(set, ty.id).is_err() {
        return Err(ErrorKind::NotCallback {
            param: describe(index),
            suggestion: nearest(),
        }
        .into());
    }
    Ok((ty, describe(index)))
}

/// The call interface of a callback of type `ty` (whose signature is `sig`),
/// made for `param` when it is given; a refusal names the callback.
pub(crate) fn closure_interface(
    set: &TypeSet,
    ty: QualType,
    sig: &FnSig,
    param: Option<&Param>,
) -> Result<CallInterface> {
    CallInterface::for_closure(set, sig).map_err(|e| match e.into_kind() {
        ErrorKind::Uncallable { reason, .. } => ErrorKind::Uncallable {
            function: None,
            callback: Some(set.spell(ty)),
            param: param.cloned(),
            reason,
        }
        .into(),
        other => other.into(),
    })
}
