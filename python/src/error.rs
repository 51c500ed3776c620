//! wyvern's errors as Python exceptions: a header's error is a `CDefError`, a
//! value that does not fit its C type a `TypeError` or `OverflowError`, a
//! name that is not there an `AttributeError` (from the caller), the rest an
//! `FFIError` (cffi's `ffi.error`).

use pyo3::exceptions::{PyOverflowError, PyTypeError};
use pyo3::PyErr;
use wyvern::{ErrorKind, ValueProblem};

pyo3::create_exception!(wyvern, FFIError, pyo3::exceptions::PyException);
pyo3::create_exception!(wyvern, CDefError, pyo3::exceptions::PyException);

pub fn to_py(e: wyvern::Error) -> PyErr {
    let text = e.to_string();
    match e.kind() {
        // An unknown type name too, as cffi's "unknown identifier".
        ErrorKind::Parse { .. }
        | ErrorKind::BadTypeName { .. }
        | ErrorKind::NotFound { what: "type", .. }
        | ErrorKind::UnusedType { .. }
        | ErrorKind::LibclangUnavailable { .. } => CDefError::new_err(text),
        ErrorKind::Value { problem, .. } => match problem {
            ValueProblem::DoesNotFit { .. } | ValueProblem::OutOfRange { .. } => {
                PyOverflowError::new_err(text)
            }
            _ => PyTypeError::new_err(text),
        },
        ErrorKind::ArgumentCount { .. } => PyTypeError::new_err(text),
        _ => FFIError::new_err(text),
    }
}
