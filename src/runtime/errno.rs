//! `errno` across calls, as cffi's `ffi.errno` has it: each thread has a saved
//! value that goes into `errno` just before every call made through wyvern and
//! comes back out of it just after.
//!
//! So [`set_errno`] sets `errno` for the next call (for a function that reads
//! it), and [`last_errno`] reads what the last call left, even after Rust code
//! in between (an allocation, a print) has overwritten the real `errno`.
//!
//! Around a [`Callback`](super::Callback) it is the other way round: the
//! callback starts with the saved value set to C's `errno` as C called it, and
//! C gets the saved value back in `errno` when the callback returns. A callback
//! therefore sees C's `errno` with [`last_errno`], may set what C sees after it
//! with [`set_errno`], and leaves C's `errno` as it found it otherwise (whatever
//! the Rust code inside does to the real one).

use super::per_thread::PER_THREAD;

/// This thread's saved `errno`: what `errno` was right after the last call this
/// thread made through wyvern ([`Function::call`](super::Function::call)), or
/// what [`set_errno`] stored since.
///
/// The saved value is not reset before a call: to know whether a call set
/// `errno`, call `set_errno(0)` before it.
///
/// ```
/// wyvern::set_errno(5);
/// assert_eq!(wyvern::last_errno(), 5);
/// std::thread::spawn(|| assert_eq!(wyvern::last_errno(), 0)).join().unwrap();
/// ```
#[inline]
pub fn last_errno() -> i32 {
    PER_THREAD.with(|t| t.errno.get())
}

/// Sets this thread's saved `errno`: the next call this thread makes through
/// wyvern starts with `errno` set to `value`.
#[inline]
pub fn set_errno(value: i32) {
    PER_THREAD.with(|t| t.errno.set(value));
}

/// This thread's `errno`.
#[cfg(target_os = "linux")]
#[inline]
pub(crate) fn location() -> *mut i32 {
    // SAFETY: glibc and musl both provide `__errno_location`, which returns this
    // thread's errno and never fails.
    unsafe { libc::__errno_location() }
}

/// Elsewhere a per-thread stand-in: the saved value is kept, but C's `errno`
/// is not reached.
#[cfg(not(target_os = "linux"))]
pub(crate) fn location() -> *mut i32 {
    thread_local! {
        static STAND_IN: std::cell::Cell<i32> = const { std::cell::Cell::new(0) };
    }
    STAND_IN.with(Cell::as_ptr)
}

/// Saves C's `errno` as a callback starts; when dropped, as the callback
/// returns, puts the saved value back into `errno` for C.
pub(crate) struct InCallback(*mut i32);

impl InCallback {
    #[inline]
    pub(crate) fn enter() -> InCallback {
        let errno = location();
        // SAFETY: as in `before_call`.
        set_errno(unsafe { *errno });
        InCallback(errno)
    }
}

impl Drop for InCallback {
    #[inline]
    fn drop(&mut self) {
        // SAFETY: as in `before_call`; the callback runs on the thread it entered on.
        unsafe { *self.0 = last_errno() };
    }
}
