//! [`Function`]: a declared function bound to its symbol, called with checked values.

use std::ffi::c_void;
use std::ptr::null_mut;
use std::sync::{Arc, Mutex};

use rustc_hash::FxHashMap;

use super::data::CData;
use super::library::Library;
use super::mem::{load, value_error, Place};
use super::register_call::RegisterCall;
use super::scalar::{load_fast, store_fast};
use super::store::store;
use super::value::Value;
use crate::abi::{CallInterface, Shape};
use crate::error::{ErrorKind, Result, ValueProblem};
use crate::types::{FloatKind, FnSig, IntKind, QualType, Type, TypeId, TypeSet};

/// Arguments up to this many travel in buffers on the stack: no heap allocation.
const INLINE_ARGS: usize = 8;

/// One argument's buffer: any scalar (up to `long double` and `__int128`) or
/// register-sized aggregate, in whole eightbytes.
#[derive(Clone, Copy)]
#[repr(C, align(16))]
struct Scratch([u8; 16]);

/// The result's buffer, for results passed back in registers.
#[repr(C, align(16))]
struct RetScratch([u8; 32]);

/// A C function bound to its symbol: the header's signature, the address, and a
/// libffi call interface prepared once. Cheap to clone.
///
/// ```no_run
/// # fn main() -> wyvern::Result<()> {
/// let types = wyvern::Parser::new().header("<math.h>").parse()?;
/// // SAFETY: libm's initialisers are sound to run.
/// let libm = unsafe { wyvern::Library::open("libm.so.6")? };
/// let module = wyvern::Module::new(types, libm);
/// let pow = module.function("pow")?;
/// // SAFETY: pow has no preconditions.
/// let result = unsafe { pow.call(&mut [2.0.into(), 10.into()])? };
/// assert_eq!(result, wyvern::Value::Float(1024.0));
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Function {
    inner: Arc<Inner>,
}

struct Inner {
    name: String,
    decl: crate::types::FunctionDecl,
    set: TypeSet,
    sig: FnSig,
    param_names: Vec<Option<String>>,
    code: usize,
    fixed: Arc<CallInterface>,
    /// The fixed call with every value-independent decision made, when it is
    /// made without libffi and returns a scalar or a record (see
    /// `register_call`).
    prepared: Option<RegisterCall>,
    /// Interfaces per shape of variadic arguments.
    variadic: Mutex<FxHashMap<Box<[TypeId]>, Arc<CallInterface>>>,
    _library: Arc<Library>,
    /// The module's libraries, where a function given by name as an argument
    /// for a function pointer parameter is resolved.
    libraries: Arc<[Arc<Library>]>,
}

impl std::fmt::Debug for Function {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Function({} at {:#x})",
            self.prototype(),
            self.inner.code
        )
    }
}

impl Function {
    pub(crate) fn bind(
        set: &TypeSet,
        decl: &crate::types::FunctionDecl,
        sig: FnSig,
        code: *mut c_void,
        library: Arc<Library>,
        libraries: Arc<[Arc<Library>]>,
    ) -> Result<Function> {
        let fixed =
            Arc::new(CallInterface::new(set, &effective(&sig), &[]).map_err(
                |e| match e.into_kind() {
                    ErrorKind::Uncallable { reason, .. } => ErrorKind::Uncallable {
                        function: Some(set.prototype(decl)),
                        callback: None,
                        param: None,
                        reason,
                    },
                    other => other,
                },
            )?);
        // Declared arrays are checked against the argument's size, which the
        // prepared call does not do; unprototyped and variadic functions take
        // more arguments than its plan.
        let prepared =
            (sig.prototyped && !sig.variadic && decl.param_arrays.iter().all(Option::is_none))
                .then(|| RegisterCall::new(set, &fixed))
                .flatten();
        Ok(Function {
            inner: Arc::new(Inner {
                name: decl.name.clone(),
                decl: decl.clone(),
                set: set.clone(),
                sig,
                param_names: decl.param_names.clone(),
                code: code as usize,
                fixed,
                prepared,
                variadic: Mutex::new(FxHashMap::default()),
                _library: library,
                libraries,
            }),
        })
    }

    /// Its name.
    pub fn name(&self) -> &str {
        &self.inner.name
    }

    /// The symbol it was bound to: its asm label where it has one
    /// (`__isoc99_sscanf` for `<stdio.h>`'s `sscanf`), else its name.
    pub fn symbol(&self) -> &str {
        self.inner.decl.symbol()
    }

    /// Its signature, from the header.
    pub fn signature(&self) -> &FnSig {
        &self.inner.sig
    }

    /// The declared parameter names (`None` where unnamed).
    pub fn param_names(&self) -> &[Option<String>] {
        &self.inner.param_names
    }

    /// The array type parameter `i` (0-based) was declared as, when the header
    /// declares it as an array of known length (`uuid_t out`, `int a[4]`): its
    /// type in the [`signature`](Self::signature) is the pointer C adjusts it to.
    /// An argument made for it should be an object of this type; [`call`](Self::call)
    /// refuses a shorter object, buffer or string.
    ///
    /// ```no_run
    /// # fn main() -> wyvern::Result<()> {
    /// let types = wyvern::Parser::new().header("<uuid/uuid.h>").parse()?;
    /// // SAFETY: libuuid's initialisers are sound to run.
    /// let module = wyvern::Module::new(types, unsafe { wyvern::Library::open("libuuid.so.1")? });
    /// let generate = module.function("uuid_generate")?;
    /// let uuid_t = generate.param_array(0).expect("declared as uuid_t");
    /// let mut args = [wyvern::Value::Ref(wyvern::CData::new(module.types(), uuid_t)?)];
    /// // SAFETY: uuid_generate writes the 16 bytes of the uuid_t it is given.
    /// unsafe { generate.call(&mut args)? };
    /// # Ok(()) }
    /// ```
    pub fn param_array(&self, i: usize) -> Option<QualType> {
        self.inner.decl.param_array(i)
    }

    /// The set its types belong to.
    pub fn types(&self) -> &TypeSet {
        &self.inner.set
    }

    /// The C prototype (`double pow(double, double)`).
    pub fn prototype(&self) -> String {
        self.inner.set.prototype(&self.inner.decl)
    }

    /// The code address.
    pub fn address(&self) -> *const c_void {
        self.inner.code as *const c_void
    }

    /// Argument `i` (0-based) as messages name it: `argument 2 ('y') of 'pow'`.
    pub fn describe_argument(&self, i: usize) -> String {
        match self.inner.param_names.get(i).and_then(Option::as_deref) {
            Some(name) => format!("argument {} ('{name}') of '{}'", i + 1, self.inner.name),
            None => format!("argument {} of '{}'", i + 1, self.inner.name),
        }
    }

    /// Calls the function. Arguments are checked against the header's parameter
    /// types (count, range, kind); arguments after the fixed ones of a variadic
    /// function take their C type from the value after the default promotions
    /// (`Int` → `int`, or `long` when it does not fit; `Float` → `double`;
    /// `LongDouble` → `long double`;
    /// strings → `char *`; [`Value::IntOf`] and [`Value::FloatOf`] to choose).
    ///
    /// C may write through pointers it was given: strings, [`Value::Bytes`]
    /// buffers and [`Value::Ref`] objects in `args` hold what it wrote afterwards.
    /// Objects passed by value ([`Value::Data`]) keep what their pointers point
    /// into alive for the call, as they always do. Pointers C keeps or returns
    /// (an argument's address stored somewhere, a struct result holding one)
    /// carry no owner: the arguments must stay alive as long as C uses them.
    ///
    /// `errno` follows cffi's rules: the call starts with `errno` set to this
    /// thread's saved value ([`set_errno`](super::set_errno), for a function
    /// that reads it) and the value it leaves is saved for
    /// [`last_errno`](super::last_errno). The saved value is not cleared in
    /// between: call `set_errno(0)` first to tell whether the call set it.
    ///
    /// # Errors
    /// [`ErrorKind::ArgumentCount`], and [`ErrorKind::Value`] naming the argument
    /// that does not fit its parameter.
    ///
    /// # Safety
    /// Calling C can do anything: the arguments must satisfy the function's own
    /// contract (valid pointers, buffer sizes, format strings that match).
    pub unsafe fn call(&self, args: &mut [Value]) -> Result<Value> {
        let inner = &*self.inner;
        if let Some(prepared) = &inner.prepared {
            if prepared.returns_object() {
                // SAFETY: forwarded from the caller.
                return unsafe { self.call_returning_object(prepared, args) };
            }
            // SAFETY: `prepared` was made for this function; the rest is
            // forwarded from the caller.
            if let Some(result) = unsafe { prepared.call(&inner.set, inner.code as _, args) } {
                return result;
            }
        }
        // SAFETY: forwarded from the caller.
        unsafe { self.call_general(args, None) }
    }

    /// [`call`](Self::call) of a function whose prepared call returns a
    /// record: into a new object. Out of line, so that a call returning a
    /// scalar does not pay for its frame.
    ///
    /// # Safety
    /// As [`call`](Self::call); `prepared` is this function's.
    #[inline(never)]
    unsafe fn call_returning_object(
        &self,
        prepared: &RegisterCall,
        args: &mut [Value],
    ) -> Result<Value> {
        let inner = &*self.inner;
        let Some(slot) = &inner.fixed.ret else {
            // SAFETY: forwarded from the caller.
            return unsafe { self.call_general(args, None) };
        };
        // One object for the result, whichever path fills it.
        let mut data = CData::new(&inner.set, QualType::new(slot.ty))?;
        let code = inner.code as *const c_void;
        // SAFETY: `prepared` was made for this function; the object is of
        // the result's type; the rest is forwarded from the caller.
        let done = match unsafe { prepared.call_into(&inner.set, code, args, data.ffi_buffer()) } {
            Some(done) => done,
            // SAFETY: forwarded from the caller; `data` is of the result type.
            None => unsafe { self.call_general(args, Some(&mut data)) }.map(|_| ()),
        };
        done.map(|()| Value::Data(data))
    }

    /// Calls a function that returns a record (or another object: an array
    /// inside one, a complex number), writing the result into `result`, an
    /// object of the result's type the caller owns: [`call`](Self::call)
    /// without the new [`CData`] per call. A register-only call with arguments
    /// that need no conversion (integers in range, floats, addresses, objects
    /// of the parameter's type) allocates nothing at all.
    ///
    /// What `result` held is overwritten; what it kept alive (pointers wyvern
    /// stored into it) it still keeps.
    ///
    /// ```no_run
    /// # fn main() -> wyvern::Result<()> {
    /// let types = wyvern::Parser::new().header("<stdlib.h>").parse()?;
    /// // SAFETY: libc's initialisers are sound to run.
    /// let module = wyvern::Module::new(types, unsafe { wyvern::Library::open("libc.so.6")? });
    /// let ldiv = module.function("ldiv")?;
    /// let mut out = wyvern::CData::new_named(module.types(), "ldiv_t")?;
    /// for n in [7, 9, 11] {
    ///     // SAFETY: ldiv has no preconditions but a non-zero divisor.
    ///     unsafe { ldiv.call_into(&mut [n.into(), 2.into()], &mut out)? };
    ///     assert_eq!(out.get("quot")?, wyvern::Value::Int(n / 2));
    /// }
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// As [`call`](Self::call), and [`ErrorKind::Value`] when `result` is not
    /// an object of the function's result type (or the function returns a
    /// scalar or nothing).
    ///
    /// # Safety
    /// As [`call`](Self::call).
    pub unsafe fn call_into(&self, args: &mut [Value], result: &mut CData) -> Result<()> {
        let inner = &*self.inner;
        let set = &inner.set;
        let fits = inner.fixed.ret.is_some_and(|slot| {
            is_object(set, slot.ty)
                && result.same_set(set)
                && set.canonical(result.type_id()) == slot.canonical
        });
        if !fits {
            let problem = ValueProblem::ResultObject {
                value: format!("a '{}' object", result.type_name()),
                ty: set.spell(inner.sig.ret),
            };
            return Err(value_error(
                &|| format!("the result of '{}'", inner.name),
                problem,
            ));
        }
        if let Some(prepared) = &inner.prepared {
            let code = inner.code as *const c_void;
            // SAFETY: `prepared` was made for this function; `result` is an object
            // of its result type; the rest is forwarded from the caller.
            if let Some(done) = unsafe { prepared.call_into(set, code, args, result.ffi_buffer()) }
            {
                return done;
            }
        }
        // SAFETY: forwarded from the caller; `result` is of the result type.
        unsafe { self.call_general(args, Some(result)) }.map(|_| ())
    }

    /// [`call`](Self::call) for every call the prepared one does not make:
    /// checked conversions, errors, variadic arguments, libffi. Kept out of line
    /// so that the prepared call does not pay for its stack frame. With `into`,
    /// an object of the result's type, the result goes there and the call
    /// returns [`Value::Void`].
    ///
    /// # Safety
    /// As [`call`](Self::call).
    #[inline(never)]
    unsafe fn call_general(&self, args: &mut [Value], into: Option<&mut CData>) -> Result<Value> {
        let inner = &*self.inner;
        let fixed = inner.sig.params.len();
        let variadic = inner.sig.variadic || !inner.sig.prototyped;
        if args.len() < fixed || (args.len() > fixed && !variadic) {
            return Err(ErrorKind::ArgumentCount {
                function: inner.name.clone(),
                prototype: self.prototype(),
                expected: fixed,
                variadic,
                got: args.len(),
            }
            .into());
        }
        if !inner.decl.param_arrays.is_empty() {
            self.check_declared_arrays(args)?;
        }
        if args.len() == fixed {
            // SAFETY: forwarded from the caller.
            return unsafe { self.call_with(&inner.fixed, args, into) };
        }
        let interface = self.variadic_interface(args)?;
        // SAFETY: forwarded from the caller.
        unsafe { self.call_with(&interface, args, into) }
    }

    /// An object, buffer or string wyvern owns (a string with its NUL), passed
    /// for a parameter declared as an array of known length, holds all of it:
    /// the function may read or write the whole array. (An address is not
    /// checked: wyvern cannot measure what it points to.)
    fn check_declared_arrays(&self, args: &[Value]) -> Result<()> {
        let set = &self.inner.set;
        for (i, array) in self.inner.decl.param_arrays.iter().enumerate() {
            let (Some(array), Some(value)) = (array, args.get(i)) else {
                continue;
            };
            let bytes = match value {
                Value::Ref(data) => data.bytes().len(),
                Value::Bytes(buffer) => buffer.len(),
                Value::Str(text) => text.as_bytes_with_nul().len(),
                _ => continue,
            } as u64;
            let declared_bytes = set.layout(array.id).map_or(0, |l| l.size);
            if bytes < declared_bytes {
                let problem = ValueProblem::ShorterThanDeclared {
                    value: value.describe(),
                    bytes,
                    declared: set.spell(*array),
                    declared_bytes,
                };
                return Err(value_error(&|| self.describe_argument(i), problem));
            }
        }
        Ok(())
    }

    fn variadic_interface(&self, args: &[Value]) -> Result<Arc<CallInterface>> {
        let inner = &*self.inner;
        let fixed = inner.sig.params.len();
        let mut inline = [TypeId(0); INLINE_ARGS];
        let mut heap = Vec::new();
        let extra = &args[fixed..];
        let types: &mut [TypeId] = if extra.len() <= INLINE_ARGS {
            &mut inline[..extra.len()]
        } else {
            heap.resize(extra.len(), TypeId(0));
            &mut heap
        };
        for (i, (slot, value)) in types.iter_mut().zip(extra).enumerate() {
            *slot = promoted_type(&inner.set, value)
                .map_err(|m| value_error(&|| self.describe_argument(fixed + i), m))?;
        }
        self.interface_for(types)
    }

    /// The call interface for variadic arguments of (promoted) `types`, made
    /// once per shape and cached.
    pub(crate) fn interface_for(&self, types: &[TypeId]) -> Result<Arc<CallInterface>> {
        let inner = &*self.inner;
        if types.is_empty() {
            return Ok(inner.fixed.clone());
        }
        let mut cache = inner
            .variadic
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(found) = cache.get(types) {
            return Ok(found.clone());
        }
        let interface = Arc::new(CallInterface::new(
            &inner.set,
            &effective(&inner.sig),
            types,
        )?);
        cache.insert(types.to_vec().into_boxed_slice(), interface.clone());
        Ok(interface)
    }

    /// The fixed parameters' call interface and the function's address: what a
    /// raw call needs.
    pub(crate) fn fixed_interface(&self) -> (&CallInterface, *const c_void) {
        (&self.inner.fixed, self.inner.code as *const c_void)
    }

    /// # Safety
    /// As [`call`](Self::call); `interface` matches `args`.
    #[inline]
    unsafe fn call_with(
        &self,
        interface: &CallInterface,
        args: &mut [Value],
        into: Option<&mut CData>,
    ) -> Result<Value> {
        let inner = &*self.inner;
        let set = &inner.set;
        let n = args.len();
        let mut inline_scratch = [Scratch([0; 16]); INLINE_ARGS];
        let mut inline_ptrs = [null_mut::<c_void>(); INLINE_ARGS];
        let (mut heap_scratch, mut heap_ptrs) = (Vec::new(), Vec::new());
        let (scratch, ptrs): (&mut [Scratch], &mut [*mut c_void]) = if n <= INLINE_ARGS {
            (&mut inline_scratch[..n], &mut inline_ptrs[..n])
        } else {
            heap_scratch.resize(n, Scratch([0; 16]));
            heap_ptrs.resize(n, null_mut());
            (&mut heap_scratch, &mut heap_ptrs)
        };
        for (i, (value, slot)) in args.iter_mut().zip(&interface.args).enumerate() {
            ptrs[i] = match value {
                // An object of the parameter's type: libffi reads it in place.
                Value::Data(data)
                    if slot.shape == Shape::Other
                        && data.same_set(set)
                        && set.canonical(data.type_id()) == slot.canonical =>
                {
                    data.ffi_buffer().cast()
                }
                _ if slot.buffer <= 16 => {
                    if !store_fast(slot.shape, value, &mut scratch[i].0) {
                        self.store_slow(i, slot.ty, value, &mut scratch[i].0)?;
                    }
                    scratch[i].0.as_mut_ptr().cast()
                }
                _ => return Err(self.cannot_pass(i, value, slot.ty)),
            };
        }
        let code = inner.code as *const c_void;
        match (interface.ret, into) {
            (None, _) => {
                let mut ignored = RetScratch([0; 32]);
                // SAFETY: the interface was prepared for this function's type;
                // every argument buffer holds a checked value of its slot's type.
                unsafe { self.invoke(interface, code, ignored.0.as_mut_ptr(), ptrs.as_mut_ptr()) }?;
                Ok(Value::Void)
            }
            // Scalars, and what else fits the scratch buffer and is no object.
            (Some(slot), _)
                if slot.shape != Shape::Other
                    || (slot.buffer <= 32 && !is_object(set, slot.ty)) =>
            {
                let mut ret = RetScratch([0; 32]);
                // SAFETY: as above; the result buffer has `slot.buffer` bytes.
                unsafe { self.invoke(interface, code, ret.0.as_mut_ptr(), ptrs.as_mut_ptr()) }?;
                match load_fast(slot.shape, &ret.0) {
                    Some(value) => Ok(value),
                    None => load(set, Place::whole(slot.ty), &ret.0),
                }
            }
            (Some(_), Some(data)) => {
                // SAFETY: as above; `into` is an object of the result's type
                // (checked by `call_into`), whose buffer has at least `slot.buffer` bytes.
                unsafe { self.invoke(interface, code, data.ffi_buffer(), ptrs.as_mut_ptr()) }?;
                Ok(Value::Void)
            }
            (Some(slot), None) => {
                let mut data = CData::new(set, QualType::new(slot.ty))?;
                // SAFETY: as above; the object's buffer has at least `slot.buffer` bytes.
                unsafe { self.invoke(interface, code, data.ffi_buffer(), ptrs.as_mut_ptr()) }?;
                Ok(Value::Data(data))
            }
        }
    }

    /// Stores argument `i`, `value`, of type `ty` into `buffer` when the fast
    /// path cannot: every checked conversion, and a function given by name
    /// for a function pointer parameter (its address, checked for the type).
    #[cold]
    fn store_slow(&self, i: usize, ty: TypeId, value: &mut Value, buffer: &mut [u8]) -> Result<()> {
        let inner = &*self.inner;
        let at = || self.describe_argument(i);
        if let Value::Ident(name) = &*value {
            let pointer = matches!(inner.set.ty(inner.set.canonical(ty)), Type::Pointer(_));
            let function = inner.set.function(name).ok();
            if let Some(decl) = function.filter(|_| pointer && inner.set.constant(name).is_err()) {
                let libraries = &inner.libraries;
                let address =
                    super::named::function_address(&inner.set, libraries, ty, (name, decl), &at)?;
                let bytes = address.to_ne_bytes();
                buffer[..bytes.len()].copy_from_slice(&bytes);
                return Ok(());
            }
        }
        store(&inner.set, Place::whole(ty), buffer, value, &at)
    }

    /// Argument `i`, `value`, fits no buffer of parameter type `ty`.
    #[cold]
    fn cannot_pass(&self, i: usize, value: &Value, ty: TypeId) -> crate::Error {
        let set = &self.inner.set;
        let problem = ValueProblem::CannotPass {
            value: value.describe(),
            ty: set.spell(QualType::new(ty)),
        };
        value_error(&|| self.describe_argument(i), problem)
    }

    /// # Safety
    /// As [`CallInterface::call`].
    #[inline]
    pub(crate) unsafe fn invoke(
        &self,
        interface: &CallInterface,
        code: *const c_void,
        ret: *mut u8,
        args: *mut *mut c_void,
    ) -> Result<()> {
        // SAFETY: forwarded from the caller.
        let failed =
            super::unwind::around_call(|| unsafe { interface.call(code, ret.cast(), args) });
        if failed {
            return super::unwind::rethrow();
        }
        Ok(())
    }
}

/// Objects (records, arrays, complex) come back as [`CData`]; scalars as values.
fn is_object(set: &TypeSet, ty: TypeId) -> bool {
    matches!(
        set.ty(set.canonical(ty)),
        Type::Record(_) | Type::Array { .. } | Type::Complex(_) | Type::Vector { .. }
    )
}

/// An unprototyped `int f()` is called like a variadic function with no fixed
/// parameters: its arguments get the default promotions.
fn effective(sig: &FnSig) -> FnSig {
    if sig.prototyped {
        sig.clone()
    } else {
        FnSig {
            variadic: true,
            ..sig.clone()
        }
    }
}

/// The C type a variadic argument travels as, after the default promotions.
fn promoted_type(set: &TypeSet, value: &Value) -> std::result::Result<TypeId, ValueProblem> {
    let scalar = |name: &'static str| {
        set.scalar_named(name)
            .ok_or(ValueProblem::MissingType { name })
    };
    match value {
        Value::Bool(_) => scalar("int"),
        Value::Int(v) => {
            if i32::try_from(*v).is_ok() {
                scalar("int")
            } else if i64::try_from(*v).is_ok() {
                scalar("long")
            } else if u64::try_from(*v).is_ok() {
                scalar("unsigned long")
            } else {
                Err(ValueProblem::NoVariadicType { value: *v })
            }
        }
        Value::U128(_) => scalar("unsigned __int128"),
        Value::IntOf(kind, _) => {
            let promoted = if kind.rank() < IntKind::Int.rank() {
                IntKind::Int
            } else {
                *kind
            };
            scalar(promoted.spelling())
        }
        Value::Float(_) | Value::FloatOf(FloatKind::Float | FloatKind::Double, _) => {
            scalar("double")
        }
        Value::FloatOf(kind, _) => scalar(kind.spelling()),
        Value::LongDouble(_) => scalar("long double"),
        Value::Str(_) | Value::Bytes(_) => {
            let char_ty = scalar("char")?;
            Ok(set.pointer_to(QualType::new(char_ty))?)
        }
        Value::Pointer(_) | Value::Null | Value::Ref(_) => {
            let void = scalar("void")?;
            Ok(set.pointer_to(QualType::new(void))?)
        }
        Value::Ident(name) => match set.constant(name) {
            Ok(c) => match set.ty(set.canonical(c.ty.id)) {
                Type::Int(k) if k.rank() < IntKind::Int.rank() => scalar("int"),
                Type::Enum(_) => scalar("int"),
                _ => Ok(c.ty.id),
            },
            Err(e) => Err(e.into()),
        },
        Value::Data(d) => Ok(d.type_id()),
        Value::Void => Err(ValueProblem::Void),
    }
}
