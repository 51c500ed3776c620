//! How a callback's failure travels back to Rust: a panic or an error inside a
//! [`Callback`](super::Callback) cannot unwind through C, so it is kept here
//! until the wyvern call that led C to call it returns, and raised there.

use std::any::Any;
use std::cell::RefCell;

use super::per_thread::{PerThread, PER_THREAD};

use crate::error::{Error, Result};

/// What went wrong inside a callback, kept until the wyvern call that led C to
/// call it returns.
pub(crate) enum Failure {
    Panic(Box<dyn Any + Send>),
    Error(Error),
}

thread_local! {
    static FAILURE: RefCell<Option<Failure>> = const { RefCell::new(None) };
}

/// Runs `call` (a call into C) as a wyvern call on this thread: `errno` set
/// from the saved value before and saved after, and the call counted so that
/// a callback's failure inside it waits for it. Returns whether a callback
/// failed (then [`rethrow`] raises the failure).
#[inline(always)]
pub(crate) fn around_call(call: impl FnOnce()) -> bool {
    let scope = CallScope::enter();
    call();
    scope.leave()
}

/// [`around_call`] in two halves, for a call path that keeps the call in
/// its own body (a closure it passes is not always inlined, and then the
/// call's registers go through memory).
///
/// Inlined, the thread-local is reached once: not inside `LocalKey::with`'s
/// closure, which kept the call's registers and its code in memory (about 50
/// instructions a call).
pub(crate) struct CallScope {
    t: *const PerThread,
    errno: *mut i32,
}

impl CallScope {
    /// Before the call: the call counted, `errno` set from the saved value.
    #[inline(always)]
    pub(crate) fn enter() -> CallScope {
        let t: *const PerThread = PER_THREAD.with(|t| t as *const PerThread);
        // SAFETY: this thread's own state, alive as long as the thread, used
        // on it until `leave` (C returns on the thread it started on); its
        // fields are `Cell`s, so a callback reaching it meanwhile is fine.
        let state = unsafe { &*t };
        state.depth.set(state.depth.get() + 1);
        let errno = super::errno::location();
        // SAFETY: this thread's errno is always writable, and stays where it
        // is for the thread's life.
        unsafe { *errno = state.errno.get() };
        CallScope { t, errno }
    }

    /// After the call: `errno` saved, the count undone; whether a callback
    /// failed.
    #[inline(always)]
    pub(crate) fn leave(self) -> bool {
        // SAFETY: as in `enter`, on the same thread.
        let state = unsafe { &*self.t };
        // SAFETY: as in `enter`.
        state.errno.set(unsafe { *self.errno });
        state.depth.set(state.depth.get().saturating_sub(1));
        state.failed.get()
    }
}

/// After a call in which a callback failed: the failure, re-raised. A panic
/// resumes unwinding here, in Rust, after C has returned; an error is returned.
#[cold]
pub(crate) fn rethrow() -> Result<()> {
    PER_THREAD.with(|t| t.failed.set(false));
    match FAILURE.with(|f| f.borrow_mut().take()) {
        Some(Failure::Panic(payload)) => std::panic::resume_unwind(payload),
        Some(Failure::Error(e)) => Err(e),
        None => Ok(()),
    }
}

/// Keeps a callback's failure for the wyvern call running on this thread, or
/// prints it when there is none (a thread C created).
pub(crate) fn report(failure: Failure) {
    if PER_THREAD.with(|t| t.depth.get()) == 0 {
        let what = match &failure {
            Failure::Panic(p) => format!("panicked: {}", panic_message(p.as_ref())),
            Failure::Error(e) => format!("failed: {e}"),
        };
        // Nothing in Rust waits for this thread's result; say it rather than lose it.
        let _ = std::io::Write::write_all(
            &mut std::io::stderr(),
            format!("wyvern: a callback {what}; it returned zero to C\n").as_bytes(),
        );
        return;
    }
    FAILURE.with(|f| {
        let mut slot = f.borrow_mut();
        // The first failure is the one reported.
        if slot.is_none() {
            *slot = Some(failure);
        }
    });
    PER_THREAD.with(|t| t.failed.set(true));
}

fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "a non-string payload".to_owned()
    }
}
