//! wyvern for Python: cffi's ABI-mode API (`FFI`, `cdef`, `dlopen`, `new`,
//! `cast`, callbacks, ...) on wyvern's C type system, with declarations from
//! real headers (libclang), a binary's DWARF, or a `.wydb` database.
//!
//! The Rust side is the fast and the unsafe part: types (`types`), objects
//! (`object`, `cdata`), conversions (`convert`), calls (`call`) and
//! callbacks (`callback`); `pysrc/wyvern/__init__.py` adds what is plain
//! Python (the decorator form of `callback`, `buffer`, `from_buffer`,
//! `memmove`, `include`).

mod call;
mod callback;
mod cdata;
mod convert;
mod ctype;
mod error;
mod ffi;
mod freelist;
mod gil;
mod lib_obj;
mod object;
mod slots;
mod types;
mod vectorcall;

use pyo3::prelude::*;

#[pymodule]
fn _wyvern(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add_class::<ffi::Ffi>()?;
    m.add_class::<object::CData>()?;
    // Function pointers called the way CPython calls its own functions.
    let sample = Bound::new(py, ffi::sample_cdata()?)?;
    // Weak references (before the free list below, which takes the dealloc
    // this sets as the one it hands other objects to).
    let cdata_type = py.get_type::<object::CData>();
    let weakref = slots::install(
        &cdata_type,
        slots::Class::CData,
        sample.as_any(),
        std::ptr::addr_of!(sample.get().weaklist).cast(),
        slots::Slot::WeakList,
    )?;
    m.add("_weakref", weakref)?;
    let vectorcall = vectorcall::install(&py.get_type::<object::CData>(), &sample)?;
    // Whether calls take the vectorcall path (tests and benchmarks check it).
    m.add("_vectorcall", vectorcall)?;
    // Records that calls return reused once dead (tests check it).
    let freelist = freelist::install(&py.get_type::<object::CData>(), &sample)?;
    m.add("_freelist", freelist)?;
    m.add_class::<ctype::CType>()?;
    m.add_class::<ctype::CField>()?;
    m.add_class::<lib_obj::Lib>()?;
    m.add("FFIError", py.get_type::<error::FFIError>())?;
    m.add("CDefError", py.get_type::<error::CDefError>())?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
