//! libffi call interfaces built from wyvern's types.
//!
//! libffi has no unions, bitfields, packed or over-aligned fields, `__int128` or
//! `_Float16`. So no aggregate is described to libffi field by field: each one is
//! lowered from its System V classification ([`super::sysv`]) to a libffi struct
//! whose size and alignment are the record's own and whose elements put exactly
//! the intended class in each eightbyte (`uint64_t`-sized integers for INTEGER,
//! `float`/`double` for SSE, `long double` for X87). libffi then classifies that
//! struct as gcc classifies the original. A value passed in memory gets one
//! element libffi can only pass in memory.
//!
//! After `ffi_prep_cif`, the stack size libffi computed is checked against the one
//! the classification implies: if libffi ever read a lowered type differently,
//! the call is refused instead of being made wrong.

use std::ptr::{addr_of_mut, null_mut};

use libffi::raw as ffi;

use super::lower::{lower, static_type, Arena};
use super::sysv::{classify, Class, Passing};
use crate::error::{ErrorKind, Result};
use crate::types::{CallConv, FloatKind, FnSig, QualType, Type, TypeId, TypeSet};

/// One argument or the result as a call passes it: its C size, the size of the
/// buffer it travels in, and its shape. (The runtime fills the buffers.)
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Slot {
    /// The C type (typedefs kept, for messages).
    pub(crate) ty: TypeId,
    /// Bytes the value occupies in C.
    pub(crate) size: usize,
    /// Bytes a buffer for it must have: libffi reads and writes whole eightbytes.
    pub(crate) buffer: usize,
    /// Its shape, when it is a plain scalar that calls can convert without
    /// looking at the type again.
    pub(crate) shape: Shape,
    /// The type with typedefs seen through, to match objects passed by value.
    pub(crate) canonical: TypeId,
}

/// The shape of a plain scalar slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    /// An integer (not `_Bool`, not an enum: those need their own checks).
    Int { size: u8, signed: bool },
    /// `float`
    F32,
    /// `double`
    F64,
    /// Any data pointer.
    Pointer,
    /// Anything else: converted by the general path.
    Other,
}

fn shape_of(set: &TypeSet, ty: TypeId, size: usize) -> Shape {
    match set.ty(set.canonical(ty)) {
        Type::Int(k) if size <= 8 => Shape::Int {
            size: size as u8,
            signed: k.is_signed(),
        },
        Type::Float(FloatKind::Float) if size == 4 => Shape::F32,
        Type::Float(FloatKind::Double) if size == 8 => Shape::F64,
        Type::Pointer(_) => Shape::Pointer,
        _ => Shape::Other,
    }
}

/// A prepared libffi call interface for one function type (and one shape of
/// variadic arguments), with the libffi types it points into.
///
/// Built once and cached by [`Module`](crate::Module); calls only read it.
pub struct CallInterface {
    pub(crate) cif: Box<ffi::ffi_cif>,
    /// `cif.arg_types` points here.
    _arg_types: Box<[*mut ffi::ffi_type]>,
    /// Every lowered struct and element list `cif` reaches; boxed so they never move.
    _arena: Arena,
    pub(crate) ret: Option<Slot>,
    pub(crate) args: Vec<Slot>,
    pub(crate) fixed: usize,
    /// For each libffi argument, the argument and the byte offset in its buffer it
    /// is read from, when an argument is split (see [`splits_in_sixth_gpr`]);
    /// empty when libffi's arguments are the caller's, one to one.
    pub(crate) spread: Box<[(usize, usize)]>,
    /// `ms_abi` calls: the arguments passed by reference (sizes other than 1, 2,
    /// 4 and 8), copied before each call: the callee owns and may write its copy,
    /// and libffi 3.4.4 passes a 3, 5, 6 or 7-byte struct as a pointer to the
    /// caller's own object.
    pub(crate) by_reference: Box<[usize]>,
    /// A register-only call that needs no libffi, when the signature allows one.
    pub(crate) direct: Option<super::direct::Plan>,
}

// SAFETY: after `ffi_prep_cif` the cif and every type it points into are only read
// (`ffi_call` takes `*mut` but does not write the cif), and the arena owns them.
unsafe impl Send for CallInterface {}
// SAFETY: as above: shared use is read-only.
unsafe impl Sync for CallInterface {}

impl std::fmt::Debug for CallInterface {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CallInterface")
            .field("abi", &self.cif.abi)
            .field("args", &self.args)
            .field("ret", &self.ret)
            .field("stack_bytes", &self.cif.bytes)
            .finish()
    }
}

impl CallInterface {
    /// Prepares a call to a function of type `sig`; `variadic` are the types of the
    /// arguments after the fixed ones (already promoted).
    ///
    /// # Errors
    /// [`ErrorKind::Uncallable`] for a calling convention, target or type that
    /// cannot be called, saying which parameter and why.
    pub fn new(set: &TypeSet, sig: &FnSig, variadic: &[TypeId]) -> Result<CallInterface> {
        CallInterface::build(set, sig, variadic, false)
    }

    /// Prepares the interface of a callback (a libffi closure) of type `sig`:
    /// libffi's own view of every argument, with no call-side workaround.
    ///
    /// # Errors
    /// As [`new`](Self::new), and for variadic callbacks.
    pub fn for_closure(set: &TypeSet, sig: &FnSig) -> Result<CallInterface> {
        if sig.variadic || !sig.prototyped {
            return Err(unsupported(
                "a callback cannot be variadic (or unprototyped): its arguments would have no types",
            ));
        }
        CallInterface::build(set, sig, &[], true)
    }

    /// The prepared `ffi_cif`, for `ffi_prep_closure_loc`. libffi only reads it.
    pub(crate) fn raw_cif(&self) -> *mut ffi::ffi_cif {
        (&*self.cif as *const ffi::ffi_cif).cast_mut()
    }

    fn build(
        set: &TypeSet,
        sig: &FnSig,
        variadic: &[TypeId],
        closure: bool,
    ) -> Result<CallInterface> {
        check_ids(set, sig, variadic)?;
        let abi = abi_of(set, sig.conv)?;
        if !variadic.is_empty() && !sig.variadic {
            return Err(unsupported(
                "extra arguments to a function that is not variadic",
            ));
        }
        let mut arena = Arena::default();
        let (rtype, ret) = lower_return(set, sig, abi, &mut arena)?;
        let mut arg_types = Vec::with_capacity(sig.params.len() + variadic.len());
        let mut args = Vec::with_capacity(arg_types.capacity());
        let all = sig
            .params
            .iter()
            .map(|q| q.id)
            .chain(variadic.iter().copied());
        for (i, ty) in all.enumerate() {
            let t = lower(set, &mut arena, ty)
                .map_err(|why| unsupported(&format!("parameter {}: {why}", i + 1)))?;
            arg_types.push(t);
            args.push(slot(set, ty)?);
        }
        let mut spread = Vec::new();
        let mut fixed_types = sig.params.len();
        if abi == default_abi() && !closure {
            let all = sig
                .params
                .iter()
                .map(|q| q.id)
                .chain(variadic.iter().copied());
            if let Some(parts) = splits_in_sixth_gpr(set, sig.ret.id, all) {
                let mut split_types = Vec::with_capacity(parts.len());
                for &(i, offset, t) in &parts {
                    split_types.push(t.unwrap_or(arg_types[i]));
                    spread.push((i, offset));
                }
                fixed_types = parts.iter().filter(|p| p.0 < sig.params.len()).count();
                arg_types = split_types;
            }
        }
        let mut arg_types = arg_types.into_boxed_slice();
        let cif = prepare(sig, abi, fixed_types, rtype, &mut arg_types)?;
        let by_reference = by_reference(sig, &args, closure);
        let mut interface = CallInterface {
            cif,
            _arg_types: arg_types,
            _arena: arena,
            ret,
            args,
            fixed: sig.params.len(),
            spread: spread.into_boxed_slice(),
            by_reference,
            direct: None,
        };
        // Calls without libffi, and callbacks entered without it (the callee's
        // view of the same registers and stack words).
        if abi == default_abi() && !sig.variadic && sig.prototyped && variadic.is_empty() {
            interface.direct = direct_plan(set, sig, &interface);
        }
        if abi == default_abi() {
            interface.check_stack(set, sig, variadic)?;
        }
        Ok(interface)
    }

    /// Cross-checks libffi's stack size with the one our classification implies.
    fn check_stack(&self, set: &TypeSet, sig: &FnSig, variadic: &[TypeId]) -> Result<()> {
        let all = sig
            .params
            .iter()
            .map(|q| q.id)
            .chain(variadic.iter().copied());
        let expected = super::sysv::stack_bytes(set, sig.ret.id, all)
            .map_err(|e| unsupported(&e.to_string()))?;
        if u64::from(self.cif.bytes) != expected {
            return Err(unsupported(&format!(
                "libffi lays out {} stack bytes where the System V classification needs {expected}",
                self.cif.bytes
            )));
        }
        Ok(())
    }

    /// The number of fixed (non-variadic) parameters.
    pub fn fixed_params(&self) -> usize {
        self.fixed
    }
}

/// Refuses ids of another set: they would read as `void` here.
fn check_ids(set: &TypeSet, sig: &FnSig, variadic: &[TypeId]) -> Result<()> {
    // Another set's ids would read as `void` here: a call through them would
    // pass nothing where the function expects a value.
    let ids = std::iter::once(sig.ret.id)
        .chain(sig.params.iter().map(|p| p.id))
        .chain(variadic.iter().copied());
    if let Some(foreign) = ids.into_iter().find(|&id| !set.has_type(id)) {
        return Err(unsupported(&format!(
            "type id {} of this signature is not of this set",
            foreign.index()
        )));
    }
    Ok(())
}

/// The libffi type of `sig`'s result, and its slot (`None`: `void`).
fn lower_return(
    set: &TypeSet,
    sig: &FnSig,
    abi: ffi::ffi_abi,
    arena: &mut Arena,
) -> Result<(*mut ffi::ffi_type, Option<Slot>)> {
    let ret_ty = set.canonical(sig.ret.id);
    if matches!(set.ty(ret_ty), Type::Void) {
        Ok((addr_of_mut!(ffi::ffi_type_void), None))
    } else {
        if let Type::Complex(FloatKind::LongDouble) = set.ty(ret_ty) {
            return Err(unsupported(
                "returning '_Complex long double' (x87 register pair)",
            ));
        }
        if sig.conv == CallConv::Win64
            && matches!(set.ty(ret_ty), Type::Int(_))
            && set.layout(ret_ty).map(|l| l.size) == Some(16)
        {
            return Err(unsupported(&format!(
                "returning '{}' from an ms_abi function: gcc returns it in xmm0, \
                 which libffi cannot read",
                set.spell(sig.ret)
            )));
        }
        let t = if abi == default_abi() && returns_in_st0(set, ret_ty) {
            // libffi returns a struct of class X87 in rax:rdx; gcc returns a
            // record whose only data is one `long double` in st(0), as it
            // returns the scalar, whose bytes are the record's.
            static_type(
                // SAFETY: a libffi static, as in `lower`.
                unsafe { &mut *addr_of_mut!(ffi::ffi_type_longdouble) },
            )
        } else {
            lower(set, arena, sig.ret.id)
                .map_err(|why| unsupported(&format!("the return type: {why}")))?
        };
        Ok((t, Some(slot(set, sig.ret.id)?)))
    }
}

/// Prepares the `ffi_cif` of a call whose first `fixed_types` libffi arguments
/// are the fixed ones.
fn prepare(
    sig: &FnSig,
    abi: ffi::ffi_abi,
    fixed_types: usize,
    rtype: *mut ffi::ffi_type,
    arg_types: &mut [*mut ffi::ffi_type],
) -> Result<Box<ffi::ffi_cif>> {
    let mut cif = Box::new(ffi::ffi_cif {
        abi: 0,
        nargs: 0,
        arg_types: null_mut(),
        rtype: null_mut(),
        bytes: 0,
        flags: 0,
    });
    let nargs = u32::try_from(arg_types.len()).map_err(|_| unsupported("too many arguments"))?;
    let fixed = u32::try_from(fixed_types).map_err(|_| unsupported("too many arguments"))?;
    // SAFETY: every type pointer is a libffi static or lives in the caller's
    // arena; the interface the caller builds owns it with `arg_types` and `cif`,
    // all boxed, so the pointers stay valid when the interface moves.
    let status = unsafe {
        if sig.variadic {
            ffi::ffi_prep_cif_var(&mut *cif, abi, fixed, nargs, rtype, arg_types.as_mut_ptr())
        } else {
            ffi::ffi_prep_cif(&mut *cif, abi, nargs, rtype, arg_types.as_mut_ptr())
        }
    };
    if status != ffi::ffi_status_FFI_OK {
        return Err(unsupported(&format!(
            "libffi refused the signature (status {status})"
        )));
    }
    Ok(cif)
}

/// The arguments an `ms_abi` call passes by reference (see
/// `CallInterface::by_reference`).
fn by_reference(sig: &FnSig, args: &[Slot], closure: bool) -> Box<[usize]> {
    if sig.conv == CallConv::Win64 && !closure {
        args.iter()
            .enumerate()
            .filter(|(_, slot)| !matches!(slot.size, 1 | 2 | 4 | 8))
            .map(|(i, _)| i)
            .collect()
    } else {
        Box::default()
    }
}

/// A libffi-free plan for a non-variadic System V call, when one exists.
fn direct_plan(
    set: &TypeSet,
    sig: &FnSig,
    interface: &CallInterface,
) -> Option<super::direct::Plan> {
    let args = sig
        .params
        .iter()
        .zip(&interface.args)
        .map(|(p, slot)| {
            let align = set.layout(p.id)?.align;
            classify(set, p.id)
                .ok()
                .map(|passing| (passing, slot.shape, slot.size as u64, align))
        })
        .collect::<Option<Vec<_>>>()?;
    let ret = match interface.ret {
        None => None,
        Some(_) => Some(classify(set, sig.ret.id).ok()?),
    };
    super::direct::Plan::new(&args, ret.as_ref())
}

/// Whether a value of `ty` is returned in st(0): `long double`, or a record whose
/// only data is one.
fn returns_in_st0(set: &TypeSet, ty: TypeId) -> bool {
    classify(set, ty) == Ok(Passing::Registers(vec![Class::X87, Class::X87Up]))
}

/// libffi before 3.4.7 (libffi/libffi#848) copies a struct passed in registers
/// whole into the slot of its first general register: when that is the sixth,
/// the bytes after its first eightbyte spill into the slot of xmm0, overwriting
/// an earlier vector argument (`f(long, long, long, long, long, float,
/// struct { long a; float b; })` receives `b` as its `float`).
///
/// Such an argument is given to libffi as one scalar per eightbyte instead, which
/// take the same registers. Returns, when some argument is split, every libffi
/// argument as (argument index, byte offset, the scalar type of a part or `None`
/// for a whole argument); `None` when no argument needs it.
fn splits_in_sixth_gpr(
    set: &TypeSet,
    ret: TypeId,
    args: impl IntoIterator<Item = TypeId>,
) -> Option<Vec<(usize, usize, Option<*mut ffi::ffi_type>)>> {
    // SAFETY (each deref below): pointers to libffi's statics, see `lower`.
    let (u64_, f64_) = unsafe {
        (
            static_type(&mut *addr_of_mut!(ffi::ffi_type_uint64)),
            static_type(&mut *addr_of_mut!(ffi::ffi_type_double)),
        )
    };
    let mut gpr = usize::from(classify(set, ret) == Ok(Passing::Memory));
    let mut sse = 0;
    let mut parts = Vec::new();
    let mut split_any = false;
    for (i, ty) in args.into_iter().enumerate() {
        if let Ok(Passing::Registers(classes)) = classify(set, ty) {
            let count = |want: Class| classes.iter().filter(|c| **c == want).count();
            let (ngpr, nsse) = (count(Class::Integer), count(Class::Sse));
            let x87 = classes
                .iter()
                .any(|c| matches!(c, Class::X87 | Class::X87Up));
            if !x87 && gpr + ngpr <= 6 && sse + nsse <= 8 {
                let split = gpr == 5 && classes.len() > 1 && classes[0] == Class::Integer;
                gpr += ngpr;
                sse += nsse;
                if split {
                    // Whole eightbytes (the buffers hold 16 bytes); a `double` also
                    // carries a `float`, and libffi refuses `float` variadic arguments.
                    for (j, class) in classes.iter().enumerate() {
                        let t = match class {
                            Class::Integer => u64_,
                            Class::Sse => f64_,
                            _ => continue,
                        };
                        parts.push((i, j * 8, Some(t)));
                    }
                    split_any = true;
                    continue;
                }
            }
        }
        parts.push((i, 0, None));
    }
    split_any.then_some(parts)
}

fn unsupported(what: &str) -> crate::Error {
    ErrorKind::Uncallable {
        function: None,
        callback: None,
        param: None,
        reason: what.to_owned(),
    }
    .into()
}

fn slot(set: &TypeSet, ty: TypeId) -> Result<Slot> {
    let layout = set
        .layout(ty)
        .ok_or_else(|| unsupported(&format!("'{}' has no size", set.spell(QualType::new(ty)))))?;
    let size = usize::try_from(layout.size).map_err(|_| unsupported("a value too large"))?;
    Ok(Slot {
        ty,
        size,
        buffer: size.max(16).next_multiple_of(8),
        shape: shape_of(set, ty, size),
        canonical: set.canonical(ty),
    })
}

#[cfg(target_arch = "x86_64")]
fn default_abi() -> ffi::ffi_abi {
    ffi::ffi_abi_FFI_UNIX64
}

#[cfg(not(target_arch = "x86_64"))]
fn default_abi() -> ffi::ffi_abi {
    ffi::ffi_abi_FFI_DEFAULT_ABI
}

/// The libffi ABI for a convention, on this host, for types laid out for `set`'s target.
fn abi_of(set: &TypeSet, conv: CallConv) -> Result<ffi::ffi_abi> {
    let host = crate::types::Target::host();
    let target = set.target();
    if target.pointer_size != host.pointer_size || !target.triple.starts_with("x86_64") {
        return Err(unsupported(&format!(
            "the declarations are laid out for {}; this process is {}",
            target.triple, host.triple
        )));
    }
    if !cfg!(all(target_arch = "x86_64", unix)) {
        return Err(unsupported(&format!(
            "calls are implemented for x86-64 System V hosts; this one is {}",
            host.triple
        )));
    }
    match conv {
        CallConv::C | CallConv::SysV => Ok(default_abi()),
        // GNUW64, not WIN64: gcc's `ms_abi` returns an 80-bit `long double`
        // through a hidden pointer, as GNUW64 does; WIN64 (MSVC's 8-byte
        // `long double`) aborts in libffi.
        #[cfg(target_arch = "x86_64")]
        CallConv::Win64 => Ok(ffi::ffi_abi_FFI_GNUW64),
        other => Err(unsupported(&format!(
            "calling convention {} is not supported on target {}",
            other.name(),
            target.triple
        ))),
    }
}
