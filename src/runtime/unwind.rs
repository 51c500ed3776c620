//! How a callback's failure travels back to Rust: a panic or an error inside a
//! [`Callback`](super::Callback) cannot unwind through C, so it is kept here
//! until the wyvern call that led C to call it returns, and raised there.

use std::any::Any;
use std::cell::{Cell, RefCell};

use crate::error::{Error, Result};

/// What went wrong inside a callback, kept until the wyvern call that led C to
/// call it returns.
pub(crate) enum Failure {
    Panic(Box<dyn Any + Send>),
    Error(Error),
}

thread_local! {
    /// How many wyvern calls are running on this thread (callbacks run inside them).
    static DEPTH: Cell<u32> = const { Cell::new(0) };
    static FAILURE: RefCell<Option<Failure>> = const { RefCell::new(None) };
    static FAILED: Cell<bool> = const { Cell::new(false) };
}

/// Marks a wyvern call running on this thread; the returned guard ends it.
pub(crate) fn enter_call() -> CallGuard {
    DEPTH.with(|d| d.set(d.get() + 1));
    CallGuard
}

pub(crate) struct CallGuard;

impl Drop for CallGuard {
    fn drop(&mut self) {
        DEPTH.with(|d| d.set(d.get().saturating_sub(1)));
    }
}

/// After a call: what a callback inside it did wrong, re-raised. A panic resumes
/// unwinding here, in Rust, after C has returned; an error is returned.
pub(crate) fn rethrow() -> Result<()> {
    if !FAILED.with(Cell::get) {
        return Ok(());
    }
    FAILED.with(|f| f.set(false));
    match FAILURE.with(|f| f.borrow_mut().take()) {
        Some(Failure::Panic(payload)) => std::panic::resume_unwind(payload),
        Some(Failure::Error(e)) => Err(e),
        None => Ok(()),
    }
}

/// Keeps a callback's failure for the wyvern call running on this thread, or
/// prints it when there is none (a thread C created).
pub(crate) fn report(failure: Failure) {
    if DEPTH.with(Cell::get) == 0 {
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
    FAILED.with(|f| f.set(true));
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
