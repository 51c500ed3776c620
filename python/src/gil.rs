//! The GIL around C: released for each call into C ([`Released`]), taken
//! back by each callback C makes ([`Attached`]).
//!
//! A call releases the GIL with `PyEval_SaveThread`. A callback takes it with
//! what `PyGILState_Ensure` itself does when the thread has a state that does
//! not hold the GIL (the thread of a call that released it, the common case):
//! `PyEval_RestoreThread` of the state CPython keeps for the thread, and
//! `PyEval_SaveThread` when done. Left out is what that case never needs:
//! `PyGILState_Ensure`'s counter, and `PyGILState_Release`'s second lookup
//! of the state and its check of the counter (which deletes a state it made),
//! about 50 instructions of a callback's 1,600 (callgrind, `int (*)(int)`
//! from a C loop). A thread with no state yet (one C made) or one that
//! already holds the GIL (C reached from Python by something that kept it,
//! such as ctypes' `PYFUNCTYPE`) goes through `PyGILState_Ensure`, which
//! makes the state or counts the nesting.

use pyo3::ffi::PyThreadState;
use pyo3::prelude::*;

/// The GIL released for a C call, by CPython's own pair of calls. (PyO3's
/// `detach` also drains its pool of deferred reference counts, behind a
/// mutex, on every call.) C may call back on this thread: the callback's
/// [`Attached`] finds this thread's state and restores it.
pub struct Released(*mut PyThreadState);

impl Released {
    pub fn new(_py: Python<'_>) -> Released {
        // SAFETY: the token proves this thread holds the GIL, which this
        // releases; nothing here touches Python until `drop` takes it back.
        Released(unsafe { pyo3::ffi::PyEval_SaveThread() })
    }
}

impl Drop for Released {
    fn drop(&mut self) {
        // SAFETY: the thread state `new` saved, on the same thread.
        unsafe { pyo3::ffi::PyEval_RestoreThread(self.0) }
    }
}

/// The GIL held by a callback, whichever thread C called it on, until this
/// is dropped.
pub enum Attached {
    /// Taken with this thread's state, which did not hold it.
    Restored,
    /// Taken by `PyGILState_Ensure`.
    Ensured(pyo3::ffi::PyGILState_STATE),
}

impl Attached {
    /// Takes the GIL (waiting for it).
    ///
    /// # Safety
    /// The interpreter is running (callbacks are called only while it is),
    /// and the `Attached` is dropped on this thread.
    pub unsafe fn new() -> Attached {
        // SAFETY: CPython's lookup of this thread's state, made to be called
        // without the GIL.
        let state = unsafe { pyo3::ffi::PyGILState_GetThisThreadState() };
        if !state.is_null() && !holds(state) {
            // SAFETY: this thread's own state, which does not hold the GIL:
            // what `PyGILState_Ensure` restores in this case.
            unsafe { pyo3::ffi::PyEval_RestoreThread(state) };
            return Attached::Restored;
        }
        // SAFETY: the caller's guarantee: the interpreter is running.
        Attached::Ensured(unsafe { pyo3::ffi::PyGILState_Ensure() })
    }

    /// The token for the GIL this holds.
    pub fn py(&self) -> Python<'_> {
        // SAFETY: this thread holds the GIL while `self` lives, and the token
        // cannot outlive `self`.
        unsafe { Python::assume_attached() }
    }
}

impl Drop for Attached {
    fn drop(&mut self) {
        match *self {
            // SAFETY: this thread holds the GIL, taken by `new` with its own
            // state, which is left as `new` found it: not holding the GIL
            // (and `PyGILState_Release`, whose counter `new` did not touch,
            // would do only this).
            Attached::Restored => unsafe {
                pyo3::ffi::PyEval_SaveThread();
            },
            // SAFETY: pairs the `PyGILState_Ensure` of `new`, on this thread.
            Attached::Ensured(state) => unsafe { pyo3::ffi::PyGILState_Release(state) },
        }
    }
}

/// Whether the thread whose state is `state` (this one) holds the GIL: the
/// interpreter's current thread state is `state`. Where CPython does not
/// export the unchecked getter, `true`, and the callback takes the
/// `PyGILState_Ensure` way, right in either case.
fn holds(state: *mut PyThreadState) -> bool {
    match current_unchecked() {
        // SAFETY: CPython's getter, which reads the current thread state
        // with or without the GIL and never fails.
        Some(current) => unsafe { current() == state },
        None => true,
    }
}

/// CPython's getter of the current thread state that returns null rather
/// than failing when there is none.
type Unchecked = unsafe extern "C" fn() -> *mut PyThreadState;

/// The getter under its 3.13 name, `PyThreadState_GetUnchecked`, or its name
/// before, `_PyThreadState_UncheckedGet` (3.5 to 3.12); neither is in the
/// stable ABI, so the abi3 build looks them up rather than links them.
fn current_unchecked() -> Option<Unchecked> {
    static FOUND: std::sync::OnceLock<Option<Unchecked>> = std::sync::OnceLock::new();
    *FOUND.get_or_init(|| {
        [
            c"PyThreadState_GetUnchecked",
            c"_PyThreadState_UncheckedGet",
        ]
        .into_iter()
        .find_map(|name| {
            // SAFETY: a lookup in the process's own symbols; either symbol,
            // when present, is CPython's getter, of this type.
            unsafe {
                let found = libc::dlsym(libc::RTLD_DEFAULT, name.as_ptr());
                (!found.is_null())
                    .then(|| std::mem::transmute::<*mut libc::c_void, Unchecked>(found))
            }
        })
    })
}
