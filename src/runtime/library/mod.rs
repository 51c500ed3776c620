//! [`Library`]: a loaded shared object (or the running process) to find symbols in.
//!
//! [`Library::open`] takes what `dlopen` takes (a path, a soname);
//! [`Library::open_linker_name`] takes what the linker's `-l` takes (`z` for
//! zlib), found as `search` describes.

use std::ffi::c_void;
use std::path::PathBuf;

mod search;

use crate::error::{ErrorKind, Result};

/// A shared library opened by path or soname, or from a `dlopen` handle, or the
/// running process itself.
///
/// Symbols found in it stay valid while it is alive; [`Module`](super::Module) and
/// [`Function`](super::Function) keep their library alive through an `Arc`.
#[derive(Debug)]
pub struct Library {
    inner: libloading::Library,
    name: String,
}

impl Library {
    /// Opens a library by path (`./libfoo.so`) or soname (`libm.so.6`), the way
    /// `dlopen` searches.
    ///
    /// Note that `libm.so` and `libc.so` are linker scripts on most distributions:
    /// open `libm.so.6` and `libc.so.6`, or [`Library::open_linker_name`]`("m")`,
    /// which reads the script.
    ///
    /// # Errors
    /// [`ErrorKind::Library`] with the loader's own message.
    ///
    /// # Safety
    /// Loading a library runs its initialisers, which can do anything. The library
    /// must be one that is sound to load into this process.
    pub unsafe fn open(name: &str) -> Result<Library> {
        // SAFETY: the caller vouches for the library's initialisers.
        unsafe { Library::load(name, libloading::Library::new(name)) }
    }

    /// [`open`](Self::open) with `dlopen`'s own `flags` (`RTLD_GLOBAL`,
    /// `RTLD_NODELETE`, ...); a binding mode, `RTLD_NOW`, is added when
    /// `flags` has neither `RTLD_NOW` nor `RTLD_LAZY`, as `dlopen` needs one.
    ///
    /// ```
    /// # fn main() -> wyvern::Result<()> {
    /// // SAFETY: libm's initialisers are sound to run.
    /// let libm = unsafe { wyvern::Library::open_with_flags("libm.so.6", libc::RTLD_GLOBAL) }?;
    /// assert!(!libm.symbol("cos")?.is_null());
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// As [`open`](Self::open).
    ///
    /// # Safety
    /// As [`open`](Self::open).
    #[cfg(unix)]
    pub unsafe fn open_with_flags(name: &str, flags: i32) -> Result<Library> {
        let flags = if flags & (libc::RTLD_LAZY | libc::RTLD_NOW) == 0 {
            flags | libc::RTLD_NOW
        } else {
            flags
        };
        // SAFETY: the caller vouches for the library's initialisers.
        let opened = unsafe { libloading::os::unix::Library::open(Some(name), flags) };
        // SAFETY: as above (the library is loaded already).
        unsafe { Library::load(name, opened.map(Into::into)) }
    }

    /// The library `opened` by `name`, or the error that says why not.
    ///
    /// # Safety
    /// As [`open`](Self::open).
    unsafe fn load(
        name: &str,
        opened: std::result::Result<libloading::Library, libloading::Error>,
    ) -> Result<Library> {
        let inner = opened.map_err(|e| {
            // libloading's own text is a summary; the loader's words are its source.
            let message = match std::error::Error::source(&e) {
                Some(source) => source.to_string(),
                None => e.to_string(),
            };
            let hint = if (name.ends_with("libm.so") || name.ends_with("libc.so"))
                && message.contains("invalid ELF header")
            {
                format!(" ('{name}' is a linker script here; load '{name}.6')")
            } else {
                String::new()
            };
            ErrorKind::Library {
                name: name.to_owned(),
                message: format!("{message}{hint}"),
                source: Box::new(e),
            }
        })?;
        Ok(Library {
            inner,
            name: name.to_owned(),
        })
    }

    /// Opens a library named as the linker's `-lNAME` names one: `z` is zlib,
    /// `m` is libm. A name with a `/` or `.so` in it (`./libfoo.so`,
    /// `libm.so.6`) is opened as [`Library::open`] opens it, so every name the
    /// CLI's `-l` took before still works. [`Library::find_linker_name`] says
    /// which file a name resolves to without loading it.
    ///
    /// ```no_run
    /// # fn main() -> wyvern::Result<()> {
    /// // SAFETY: zlib's initialisers are sound to run here.
    /// let zlib = unsafe { wyvern::Library::open_linker_name("z")? };
    /// assert!(zlib.name().contains("libz.so"));
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`ErrorKind::LibraryNotFound`] naming the directories searched, and
    /// [`ErrorKind::Library`] when the file found does not load.
    ///
    /// # Safety
    /// As for [`Library::open`]: the library's initialisers run.
    ///
    /// # Platform-specific behaviour
    /// The search is the one of GNU ld and glibc's loader on Linux; see
    /// [`Library::find_linker_name`].
    pub unsafe fn open_linker_name(name: &str) -> Result<Library> {
        let path = Library::find_linker_name(name)?;
        let path = path.to_str().ok_or_else(|| ErrorKind::Library {
            name: name.to_owned(),
            message: format!("the path '{}' is not UTF-8", path.display()),
            source: "a path that is not UTF-8".into(),
        })?;
        // SAFETY: the caller vouches for the library's initialisers.
        unsafe { Library::open(path) }
    }

    /// The file the linker's `-lNAME` names, as [`Library::open_linker_name`]
    /// would open it; nothing is loaded.
    ///
    /// A bare NAME is looked for as `libNAME.so` in each directory in turn:
    /// those of `LD_LIBRARY_PATH`, then GNU ld's defaults (for x86-64 Debian:
    /// `/usr/local/lib/x86_64-linux-gnu`, `/lib/x86_64-linux-gnu`,
    /// `/usr/lib/x86_64-linux-gnu`, `/usr/local/lib64`, `/lib64`, `/usr/lib64`,
    /// `/usr/local/lib`, `/lib`, `/usr/lib`). A `libNAME.so` that is a GNU ld
    /// script (`libm.so`) stands for the first shared object its `GROUP` or
    /// `INPUT` names. Without a `libNAME.so` anywhere (no development package),
    /// the highest versioned soname, `libNAME.so.N`, is taken. `:FILE` looks for
    /// that exact file name, as ld's `-l:FILE` does. Files for another machine
    /// or word size are passed over. A name with a `/` or `.so` in it is not
    /// searched for: it comes back as it is, for `dlopen` to find.
    ///
    /// # Errors
    /// [`ErrorKind::LibraryNotFound`] with the directories searched and the
    /// files passed over (and why).
    ///
    /// # Platform-specific behaviour
    /// The directories in `/etc/ld.so.conf` and the loader's cache
    /// (`ldconfig -p`) are not read: a library only there is found by its
    /// soname through [`Library::open`].
    pub fn find_linker_name(name: &str) -> Result<PathBuf> {
        if name.contains('/') || (name.contains(".so") && !name.starts_with(':')) {
            return Ok(PathBuf::from(name));
        }
        search::find(name, &search::search_dirs())
    }

    /// The running process: the executable and every library already loaded
    /// (libc, libm when linked), as `dlopen(NULL)` sees them.
    pub fn this_process() -> Library {
        let inner = libloading::os::unix::Library::this().into();
        Library {
            inner,
            name: "the running process".to_owned(),
        }
    }

    /// A library from a handle `dlopen` returned (opened by C code, or with flags
    /// [`open`](Self::open) does not use, such as `RTLD_GLOBAL` or `RTLD_NOLOAD`).
    /// `name` is what messages call it. The `Library` owns the handle: dropping
    /// it calls `dlclose` once, balancing that `dlopen`; take the handle back
    /// without closing it with [`into_raw`](Self::into_raw).
    ///
    /// ```
    /// # fn main() -> wyvern::Result<()> {
    /// use std::ffi::c_void;
    /// extern "C" {
    ///     fn dlopen(file: *const std::ffi::c_char, flags: i32) -> *mut c_void;
    /// }
    /// const RTLD_NOW: i32 = 2;
    /// // SAFETY: libc is loaded already; opening it again runs no initialiser.
    /// let handle = unsafe { dlopen(c"libc.so.6".as_ptr(), RTLD_NOW) };
    /// // SAFETY: a handle from a successful dlopen, closed by nothing else.
    /// let libc = unsafe { wyvern::Library::from_raw(handle, "libc.so.6") }?;
    /// assert!(!libc.symbol("strlen")?.is_null());
    /// // SAFETY: as above; the handle is this library's again.
    /// let again = unsafe { wyvern::Library::from_raw(libc.into_raw(), "libc.so.6") }?;
    /// assert_eq!(again.name(), "libc.so.6");
    /// // A failed dlopen's NULL is refused.
    /// let e = unsafe { wyvern::Library::from_raw(std::ptr::null_mut(), "libnothing.so") };
    /// assert_eq!(e.unwrap_err().to_string(), "the handle of library 'libnothing.so': it is NULL");
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`ErrorKind::Value`] for a NULL handle (what a failed `dlopen` returns).
    ///
    /// # Safety
    /// `handle` must come from a successful `dlopen` (or [`into_raw`](Self::into_raw))
    /// and be valid to `dlclose` once: nothing else may close it while the
    /// `Library` (or a [`Module`](super::Module) or [`Function`](super::Function)
    /// holding it) is alive.
    pub unsafe fn from_raw(handle: *mut c_void, name: &str) -> Result<Library> {
        if handle.is_null() {
            return Err(ErrorKind::Value {
                place: format!("the handle of library '{name}'"),
                problem: crate::error::ValueProblem::Null,
            }
            .into());
        }
        // SAFETY: the caller vouches that the handle is a live one from dlopen,
        // which this `Library` alone closes.
        let inner = unsafe { libloading::os::unix::Library::from_raw(handle) }.into();
        Ok(Library {
            inner,
            name: name.to_owned(),
        })
    }

    /// The `dlopen` handle, given up without closing it: the caller then owns
    /// it (and `dlclose`s it, or makes a `Library` of it again with
    /// [`from_raw`](Self::from_raw)). Symbols found in this library stay valid
    /// while the handle is open.
    pub fn into_raw(self) -> *mut c_void {
        libloading::os::unix::Library::from(self.inner).into_raw()
    }

    /// The name it was opened by (or given to [`from_raw`](Self::from_raw)).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The address of a symbol (a function's code, a global's storage).
    ///
    /// # Errors
    /// [`ErrorKind::Symbol`] with the loader's message.
    pub fn symbol(&self, name: &str) -> Result<*mut c_void> {
        // SAFETY: the symbol is read as an address only; nothing is called or
        // dereferenced here, and `T = *mut c_void` has the size of a pointer.
        let symbol = unsafe { self.inner.get::<*mut c_void>(name) };
        match symbol {
            Ok(s) => Ok(*s),
            Err(e) => Err(ErrorKind::Symbol {
                name: name.to_owned(),
                declaration: None,
                library: format!("'{}'", self.name),
                message: std::error::Error::source(&e)
                    .map_or_else(|| e.to_string(), ToString::to_string),
                source: Some(Box::new(e)),
            }
            .into()),
        }
    }
}
