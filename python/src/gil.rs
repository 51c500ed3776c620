//! The GIL around C: released for each call into C ([`Released`]), taken
//! back by each callback C makes ([`Attached`]).
//!
//! A call releases the GIL with `PyEval_SaveThread` and, for as long as C
//! runs, keeps the thread state it saved in a thread-local. A callback C makes
//! on that thread during the call takes the GIL back with
//! `PyEval_RestoreThread` of that state and gives it up again with
//! `PyEval_SaveThread`: the pair the call itself uses. `PyGILState_Ensure` and
//! `PyGILState_Release` would find the same state, but each looks it up in
//! CPython's own thread-local and keeps a counter, about 90 instructions of a
//! callback's 1,700 (callgrind, `int (*)(int)` from a C loop).
//!
//! A callback that finds no saved state (a thread C made, or C calling later,
//! after the call returned) or that finds this thread already holding the GIL
//! (C reached from Python by something that kept the GIL, such as ctypes'
//! `PyDLL`, inside a call that released it) uses `PyGILState_Ensure`, which
//! handles both. Calls nest (a callback calling C calling a callback): each
//! call keeps the state the one around it kept and puts it back when it
//! returns.

use std::cell::Cell;
use std::ptr::null_mut;

use pyo3::ffi::PyThreadState;
use pyo3::prelude::*;

thread_local! {
    /// The thread state a call into C on this thread saved, while C runs;
    /// null outside such calls.
    static SAVED: Cell<*mut PyThreadState> = const { Cell::new(null_mut()) };
}

/// The GIL released for a C call, by CPython's own pair of calls. (PyO3's
/// `detach` also drains its pool of deferred reference counts, behind a
/// mutex, on every call.)
pub struct Released {
    state: *mut PyThreadState,
    /// What [`SAVED`] held before: a call around this one, or null.
    outer: *mut PyThreadState,
}

impl Released {
    pub fn new(_py: Python<'_>) -> Released {
        // SAFETY: the token proves this thread holds the GIL, which this
        // releases; nothing here touches Python until `drop` takes it back.
        let state = unsafe { pyo3::ffi::PyEval_SaveThread() };
        let outer = SAVED.with(|saved| saved.replace(state));
        Released { state, outer }
    }
}

impl Drop for Released {
    fn drop(&mut self) {
        SAVED.with(|saved| saved.set(self.outer));
        // SAFETY: the thread state `new` saved, on the same thread.
        unsafe { pyo3::ffi::PyEval_RestoreThread(self.state) }
    }
}

/// The GIL held by a callback, whichever thread C called it on, until this
/// is dropped.
pub enum Attached {
    /// Taken back with the state a call on this thread saved.
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
        let saved = SAVED.with(Cell::get);
        if !saved.is_null() && !holds(saved) {
            // SAFETY: `saved` is this thread's state, saved by the `Released`
            // of a call that is still running (it clears `SAVED` before it
            // returns), and this thread does not hold the GIL.
            unsafe { pyo3::ffi::PyEval_RestoreThread(saved) };
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
            // SAFETY: this thread holds the GIL, taken by `new` with the state
            // the `Released` around it saved; `Released::drop` takes it back.
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
