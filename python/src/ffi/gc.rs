//! `ffi.gc`'s hold: a destructor run when the last object sharing it goes.

use std::sync::Mutex;

use pyo3::prelude::*;

use crate::object::CData;

/// `ffi.gc`'s destructor, run when the last object sharing it goes.
pub struct GcHold {
    /// The destructor and the object it gets, until it has run.
    pending: Mutex<Option<(Py<PyAny>, Py<CData>)>>,
}

impl GcHold {
    /// A hold that runs `destructor(original)` at the end.
    pub fn new(destructor: Py<PyAny>, original: Py<CData>) -> GcHold {
        GcHold {
            pending: Mutex::new(Some((destructor, original))),
        }
    }

    /// Runs the destructor, the first time only: at `ffi.release`, the end
    /// of a `with` block, or when the last object sharing it goes.
    pub fn run(&self) {
        let pending = self
            .pending
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        let Some((destructor, original)) = pending else {
            return;
        };
        Python::attach(|py| {
            if let Err(e) = destructor.call1(py, (original,)) {
                e.write_unraisable(py, None);
            }
        });
    }
}

impl GcHold {
    /// `gc(p, None)`: the destructor never runs.
    pub fn cancel(&self) {
        self.pending
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
    }
}

impl Drop for GcHold {
    fn drop(&mut self) {
        self.run();
    }
}
