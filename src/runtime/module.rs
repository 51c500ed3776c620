//! [`Module`]: declarations and the libraries that define them, together.

use std::ffi::c_void;
use std::sync::{Arc, Mutex};

use rustc_hash::FxHashMap;

use super::call::Function;
use super::data::{size_of, CData};
use super::library::Library;
use super::mem::{value_error, Place};
use super::store::store;
use super::value::Value;
use crate::error::{ErrorKind, Result, ValueProblem};
use crate::types::{QualType, Type, TypeSet};

/// A [`TypeSet`] bound to the libraries that define its functions and globals.
///
/// Functions are looked up by their header name; each is resolved and prepared
/// once and then cached, so asking again is a hash lookup.
#[derive(Debug)]
pub struct Module {
    types: TypeSet,
    /// Shared with every [`Function`], which resolves functions given by name
    /// as arguments in them.
    libraries: Arc<[Arc<Library>]>,
    functions: Mutex<FxHashMap<String, Function>>,
}

impl Module {
    /// Binds `types` to one library.
    pub fn new(types: TypeSet, library: Library) -> Module {
        Module::with_libraries(types, vec![library])
    }

    /// Binds `types` to several libraries, searched in order for each symbol.
    pub fn with_libraries(types: TypeSet, libraries: Vec<Library>) -> Module {
        Module {
            types,
            libraries: libraries.into_iter().map(Arc::new).collect(),
            functions: Mutex::new(FxHashMap::default()),
        }
    }

    /// The same libraries bound to other declarations: a set that grew (a
    /// later `cdef` merged in), so that a library is opened once.
    pub fn rebind(&self, types: TypeSet) -> Module {
        Module {
            types,
            libraries: self.libraries.clone(),
            functions: Mutex::new(FxHashMap::default()),
        }
    }

    /// The declarations.
    pub fn types(&self) -> &TypeSet {
        &self.types
    }

    /// The address of `name` in the first library that defines it, with the
    /// library.
    fn find(&self, name: &str) -> Result<(*mut c_void, Arc<Library>)> {
        self.find_declared(name, name)
    }

    /// The address of the symbol `symbol` that the declaration `declared` links
    /// to (they differ for an asm label), with the library defining it.
    fn find_declared(&self, declared: &str, symbol: &str) -> Result<(*mut c_void, Arc<Library>)> {
        super::named::find_symbol(&self.libraries, declared, symbol)
    }

    /// The address of a symbol.
    ///
    /// # Errors
    /// [`ErrorKind::Symbol`] naming the libraries searched, with the loader's message.
    pub fn symbol(&self, name: &str) -> Result<*mut c_void> {
        self.find(name).map(|(address, _)| address)
    }

    /// The function declared as `name`, bound to its symbol (its asm label where
    /// it has one: `sscanf` from glibc's `<stdio.h>` is `__isoc99_sscanf`, as gcc
    /// would link it), with its call interface prepared (once: later calls
    /// return the cached one).
    ///
    /// # Errors
    /// [`ErrorKind::NotFound`] with the closest declared name;
    /// [`ErrorKind::NoSymbol`] for a `static` or `static inline` function;
    /// [`ErrorKind::Uncallable`] for a signature libffi cannot express; [`ErrorKind::Symbol`] when no library
    /// defines it.
    pub fn function(&self, name: &str) -> Result<Function> {
        let mut cache = self
            .functions
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(f) = cache.get(name) {
            return Ok(f.clone());
        }
        let decl = self.types.function(name)?;
        if !decl.is_callable() {
            return Err(ErrorKind::NoSymbol {
                name: name.to_owned(),
                inline: decl.inline,
                location: decl.location.clone(),
            }
            .into());
        }
        let Some(sig) = self.types.fn_sig(decl.ty).cloned() else {
            return Err(ErrorKind::Internal(format!("'{name}' has no function type")).into());
        };
        let (address, library) = self.find_declared(name, decl.symbol())?;
        let function = Function::bind(
            &self.types,
            decl,
            sig,
            address,
            library,
            self.libraries.clone(),
        )?;
        cache.insert(name.to_owned(), function.clone());
        Ok(function)
    }

    /// A function pointer C handed out (returned, or stored in a struct field) as
    /// a callable [`Function`] of type `ty`: a function pointer type, a typedef
    /// of one, or a function type. `name` is used in messages.
    ///
    /// # Errors
    /// [`ErrorKind::WrongKind`] for a type that is not a function (pointer),
    /// [`ErrorKind::Uncallable`] for a signature libffi cannot express; [`ErrorKind::Value`] for NULL.
    ///
    /// # Safety
    /// `address` must be the code of a function of type `ty` that stays loaded
    /// while the returned `Function` is used.
    pub unsafe fn function_at(&self, name: &str, ty: QualType, address: usize) -> Result<Function> {
        let (id, sig) = super::callback::function_type(&self.types, ty.id)?;
        if address == 0 {
            return Err(value_error(
                &|| format!("function pointer '{name}'"),
                ValueProblem::Null,
            ));
        }
        let decl = crate::types::FunctionDecl {
            name: name.to_owned(),
            asm_label: None,
            ty: id,
            param_names: vec![None; sig.params.len()],
            // A function type knows no parameter's declared length.
            param_arrays: Vec::new(),
            linkage: crate::types::Linkage::External,
            inline: false,
            location: None,
        };
        let library = match self.libraries.first() {
            Some(l) => l.clone(),
            None => Arc::new(Library::this_process()),
        };
        Function::bind(
            &self.types,
            &decl,
            sig,
            address as *mut c_void,
            library,
            self.libraries.clone(),
        )
    }

    /// The function `name` as a value for a destination of pointer type `ty`
    /// (a parameter, a field): its address, after checking that C converts it
    /// to `ty` (a pointer to a compatible function type; typedefs seen
    /// through). `name` may be a macro standing for a function
    /// (`#define EVP_MD_size EVP_MD_get_size`). A call resolves a
    /// [`Value::Ident`] naming a function this way by itself; this is for
    /// objects (a struct of callbacks) and for a program that wants the check
    /// first.
    ///
    /// ```no_run
    /// # fn main() -> wyvern::Result<()> {
    /// let types = wyvern::cdef(
    ///     "typedef unsigned long (*measure)(const char *);\n\
    ///      unsigned long strlen(const char *);\nint abs(int);",
    /// )?;
    /// let module = wyvern::Module::new(types, wyvern::Library::this_process());
    /// let measure = module.types().type_named("measure")?;
    /// assert!(matches!(module.function_value("strlen", measure.id)?, wyvern::Value::Pointer(_)));
    /// assert!(module.function_value("abs", measure.id).is_err());
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`ErrorKind::NotFound`] for a name that is no function,
    /// [`ErrorKind::Value`] when C does not convert it to `ty`,
    /// [`ErrorKind::NoSymbol`] for a `static` function, [`ErrorKind::Symbol`]
    /// when no library defines it.
    pub fn function_value(&self, name: &str, ty: crate::TypeId) -> Result<Value> {
        let decl = self.types.function(name)?;
        let at = || {
            format!(
                "the function '{name}' as a '{}'",
                self.types.spell(QualType::new(ty))
            )
        };
        let libraries = &self.libraries;
        let address =
            super::named::function_address(&self.types, libraries, ty, (name, decl), &at)?;
        Ok(Value::Pointer(address))
    }

    /// A zeroed object of the type named `name`.
    ///
    /// # Errors
    /// As [`CData::new_named`].
    pub fn new_object(&self, name: &str) -> Result<CData> {
        CData::new_named(&self.types, name)
    }

    /// The global variable `name` and where it lives.
    fn global_place(&self, name: &str) -> Result<(QualType, *mut u8, usize)> {
        let global = self.types.global(name)?;
        if self.unknown_length_element(global.ty).is_some() {
            return Err(ErrorKind::UnknownLength {
                name: Some(name.to_owned()),
                ty: self.types.spell(global.ty),
            }
            .into());
        }
        let size = size_of(&self.types, global.ty.id)?;
        let (address, _) = self.find_declared(name, global.symbol())?;
        Ok((global.ty, address.cast(), size))
    }

    /// The element type of `ty` when it is an array of unknown length
    /// (`extern int table[];`), typedefs seen through.
    fn unknown_length_element(&self, ty: QualType) -> Option<QualType> {
        match self.types.ty(self.types.canonical(ty.id)) {
            Type::Array { elem, len: None } => Some(*elem),
            _ => None,
        }
    }

    /// Reads the first `len` elements of the global array `name` as a copy of
    /// type `T [len]`, whose elements are read as any array's (`"[2]"`,
    /// `"[0].field"`). This is how a global of unknown length
    /// (`extern int table[];`, defined elsewhere with its length) is read; for
    /// an array of known length, `len` may be at most that length.
    ///
    /// ```no_run
    /// # fn main() -> wyvern::Result<()> {
    /// let types = wyvern::cdef("extern int my_array[];")?;
    /// // SAFETY: the fixture library runs no initialiser.
    /// let module = wyvern::Module::new(types, unsafe { wyvern::Library::open("./libarray.so")? });
    /// // SAFETY: the library defines `int my_array[] = {1, 2, 3};`, and nothing writes it.
    /// let first = unsafe { module.global_array("my_array", 3)? };
    /// assert_eq!(first.get("[2]")?, wyvern::Value::Int(3));
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`ErrorKind::NotFound`] for an undeclared name, [`ErrorKind::WrongKind`]
    /// for a global that is not an array, [`ErrorKind::ArrayLength`] for more
    /// elements than its declared length, [`ErrorKind::Symbol`] when no library defines it.
    ///
    /// # Safety
    /// The header cannot tell how long an array of unknown length is: the
    /// variable must really have at least `len` elements (reading past its end
    /// reads other memory, or faults), and no other thread may be writing them.
    pub unsafe fn global_array(&self, name: &str, len: u64) -> Result<CData> {
        let global = self.types.global(name)?;
        let canonical = self.types.canonical(global.ty.id);
        let elem = match self.types.ty(canonical) {
            Type::Array { elem, len: None } => *elem,
            Type::Array {
                elem,
                len: Some(declared),
            } if len <= *declared => *elem,
            Type::Array {
                len: Some(declared),
                ..
            } => {
                return Err(ErrorKind::ArrayLength {
                    name: name.to_owned(),
                    declared: *declared,
                    asked: len,
                }
                .into())
            }
            _ => {
                return Err(ErrorKind::WrongKind {
                    name: name.to_owned(),
                    expected: "an array",
                    found: Some(format!("'{}'", self.types.spell(global.ty))),
                }
                .into())
            }
        };
        let array = QualType::with(self.types.array_of(elem, len)?, global.ty.quals);
        let (address, _) = self.find_declared(name, global.symbol())?;
        // SAFETY: the symbol is the array's storage, and the caller vouches that
        // it holds `len` elements that nothing writes meanwhile.
        unsafe { CData::read_from(&self.types, array, address.cast()) }
    }

    /// Reads the global variable `name` (`stdout`, `environ`, a library's own),
    /// at its symbol (its asm label where it has one): scalars as values,
    /// objects as a copy.
    ///
    /// # Errors
    /// [`ErrorKind::NotFound`] for an undeclared name, [`ErrorKind::Symbol`]
    /// when no library defines it, [`ErrorKind::UnknownLength`] for an array of
    /// unknown length (read it with [`global_array`](Self::global_array)).
    ///
    /// # Safety
    /// No other thread may be writing the variable.
    pub unsafe fn global(&self, name: &str) -> Result<Value> {
        let (ty, address, _) = self.global_place(name)?;
        // SAFETY: the symbol is the variable's storage, of its declared type;
        // the caller excludes concurrent writes.
        let data = unsafe { CData::read_from(&self.types, ty, address) }?;
        data.get("")
    }

    /// Writes the global variable `name`, checked as any store is. A pointer
    /// into memory the value owns is refused, since the variable outlives the
    /// value: a string, buffer or object address for a pointer variable
    /// (strings and buffers are copied into `char` arrays), or an object
    /// holding such pointers. Store addresses you keep alive
    /// ([`Value::Pointer`]) instead.
    ///
    /// # Errors
    /// As [`global`](Self::global), and [`ErrorKind::Value`] for a value that
    /// does not fit or would dangle.
    ///
    /// # Safety
    /// No other thread may be using the variable, and the library must allow it
    /// to change.
    pub unsafe fn set_global(&self, name: &str, value: impl Into<Value>) -> Result<()> {
        let (ty, address, size) = self.global_place(name)?;
        let mut value = value.into();
        let at = || format!("global '{name}'");
        // Build the bytes aside, so a refused value leaves the variable untouched.
        // SAFETY: the storage of the variable, `size` bytes; exclusive per the caller.
        let mut data = unsafe { CData::read_from(&self.types, ty, address) }?;
        store(
            &self.types,
            Place::whole(ty.id),
            data.bytes_mut(),
            &mut value,
            &at,
        )?;
        // Checked after the store, which turns a string constant's name into a
        // string of its own.
        let pointer = matches!(self.types.ty(self.types.canonical(ty.id)), Type::Pointer(_));
        let dangles = match &value {
            Value::Str(_) | Value::Bytes(_) | Value::Ref(_) => pointer,
            Value::Data(d) => d.owns_pointees(),
            _ => false,
        };
        if dangles {
            return Err(value_error(
                &at,
                ValueProblem::Dangles {
                    value: value.describe_owning(),
                    callback: false,
                },
            ));
        }
        // SAFETY: as above.
        unsafe { std::ptr::copy_nonoverlapping(data.as_ptr(), address, size) };
        Ok(())
    }
}
