//! What wyvern keeps per thread, in one thread-local: a call reaches it once
//! (a thread-local in a shared object costs a call to `__tls_get_addr` each
//! time, which a dynamic call made five times).

use std::cell::Cell;

/// This thread's call state.
pub(crate) struct PerThread {
    /// The saved `errno` (see [`super::errno`]).
    pub(crate) errno: Cell<i32>,
    /// How many wyvern calls are running on this thread (callbacks run inside
    /// them; see [`super::unwind`]).
    pub(crate) depth: Cell<u32>,
    /// Whether a callback failed inside the running call.
    pub(crate) failed: Cell<bool>,
}

thread_local! {
    pub(crate) static PER_THREAD: PerThread = const {
        PerThread {
            errno: Cell::new(0),
            depth: Cell::new(0),
            failed: Cell::new(false),
        }
    };
}
