//! Running a prepared call: the runtime's half of a [`CallInterface`].
//!
//! [`crate::abi`] decides how a call is made (the libffi `ffi_cif`, the
//! register-only [`Plan`], the arguments split or copied around libffi's bugs);
//! this module makes it, with the buffers [`Function`](super::Function) filled.
//! The methods are on abi's types, defined here, so that abi holds no code that
//! runs C.

use std::ffi::c_void;
use std::ptr::null_mut;

use libffi::raw as ffi;

use crate::abi::direct::{Plan, Ret, MAX_STACK_WORDS};
use crate::abi::CallInterface;
#[cfg(all(target_arch = "x86_64", unix))]
use crate::abi::{direct::Reg, sysv::Class};

impl CallInterface {
    /// Calls `code` through libffi.
    ///
    /// # Safety
    /// `code` must be a function of the type this interface was prepared for;
    /// `ret` must point to at least `ret.buffer` writable bytes (or be anything when
    /// the function returns void); `args` must hold one pointer per argument, each
    /// to at least its slot's `buffer` bytes holding a value of its type.
    pub(crate) unsafe fn call(
        &self,
        code: *const c_void,
        ret: *mut c_void,
        args: *mut *mut c_void,
    ) {
        if let Some(plan) = &self.direct {
            // SAFETY: the plan was made from this function's non-variadic System V
            // signature; the caller guarantees the buffers (each at least 16 bytes).
            unsafe { plan.call(code, ret, args) };
            return;
        }
        // SAFETY: the caller guarantees the function type and buffers; `code` is a
        // function address, which `ffi_call` takes as a bare `fn()`.
        unsafe {
            let code: unsafe extern "C" fn() = std::mem::transmute(code);
            let cif = (&*self.cif as *const ffi::ffi_cif).cast_mut();
            if !self.by_reference.is_empty() {
                self.call_with_copies(cif, code, ret, args);
            } else if self.spread.is_empty() {
                ffi::ffi_call(cif, Some(code), ret, args);
            } else {
                self.call_spread(cif, code, ret, args);
            }
        }
    }

    /// Calls with copies of the arguments passed by reference (see `by_reference`).
    ///
    /// # Safety
    /// As [`call`](Self::call).
    #[cold]
    unsafe fn call_with_copies(
        &self,
        cif: *mut ffi::ffi_cif,
        code: unsafe extern "C" fn(),
        ret: *mut c_void,
        args: *mut *mut c_void,
    ) {
        // SAFETY: `args` has one pointer per argument (the caller's guarantee).
        let mut ptrs: Vec<*mut c_void> = (0..self.args.len())
            .map(|i| unsafe { *args.add(i) })
            .collect();
        // 16-byte aligned, as any argument (aggregates aligned beyond are refused).
        let mut copies: Vec<Vec<u128>> = Vec::with_capacity(self.by_reference.len());
        for &i in self.by_reference.iter() {
            let size = self.args[i].size;
            let mut copy = vec![0u128; size.div_ceil(16)];
            // SAFETY: argument `i` points to `size` bytes; `copy` holds as many.
            unsafe {
                std::ptr::copy_nonoverlapping(ptrs[i].cast::<u8>(), copy.as_mut_ptr().cast(), size)
            };
            ptrs[i] = copy.as_mut_ptr().cast();
            copies.push(copy);
        }
        // SAFETY: the same arguments, some moved into copies that live until it returns.
        unsafe { ffi::ffi_call(cif, Some(code), ret, ptrs.as_mut_ptr()) };
    }

    /// Calls with split arguments (see [`splits_in_sixth_gpr`]).
    ///
    /// # Safety
    /// As [`call`](Self::call).
    #[cold]
    unsafe fn call_spread(
        &self,
        cif: *mut ffi::ffi_cif,
        code: unsafe extern "C" fn(),
        ret: *mut c_void,
        args: *mut *mut c_void,
    ) {
        // Each part lies inside its argument's buffer (a register-sized value, at
        // most 16 bytes). Up to 32 parts need no allocation.
        let mut inline = [null_mut::<c_void>(); 32];
        let mut heap = Vec::new();
        let parts: &mut [*mut c_void] = if self.spread.len() <= inline.len() {
            &mut inline[..self.spread.len()]
        } else {
            heap.resize(self.spread.len(), null_mut());
            &mut heap
        };
        for (part, &(i, offset)) in parts.iter_mut().zip(self.spread.iter()) {
            // SAFETY: `args` has one pointer per argument, and `offset` lies in
            // that argument's buffer (the caller's guarantee, see `call`).
            *part = unsafe { (*args.add(i)).cast::<u8>().add(offset).cast() };
        }
        // SAFETY: the parts are the libffi arguments this cif was prepared with.
        unsafe { ffi::ffi_call(cif, Some(code), ret, parts.as_mut_ptr()) };
    }
}

/// Calls `code` with rdi..r9 set to `gpr`, xmm0..xmm7's low halves to `sse`
/// and `stack` (at most [`MAX_STACK_WORDS`] eightbytes) on the stack, first at
/// the lowest address, returning what comes back in the registers `R` is
/// returned in.
///
/// # Safety
/// `code` must be a non-variadic System V function whose arguments are in the
/// registers of their class and order that hold them here and in `stack`'s
/// eightbytes, laid out as the psABI lays out its stack arguments, and that
/// returns its result in the registers `R` is returned in (a scalar, or a
/// two-field `#[repr(C)]` struct of the same classes). Loading every argument
/// register, and passing more stack than the callee reads, is what the ABI
/// allows a caller to do: the callee reads what its prototype names, and the
/// caller cleans the stack.
#[cfg(all(target_arch = "x86_64", unix))]
#[inline(always)]
pub(crate) unsafe fn call_with_stack<R>(
    code: *const c_void,
    gpr: &[u64; 6],
    sse: &[u64; 8],
    stack: &[u64],
) -> R {
    let [g0, g1, g2, g3, g4, g5] = *gpr;
    let [s0, s1, s2, s3, s4, s5, s6, s7] = sse.map(f64::from_bits);
    macro_rules! with_words {
        ($($w:ident),*) => {{
            #[allow(unused_mut, unused_variables)]
            let mut words = stack.iter().copied();
            $(let $w = words.next().unwrap_or(0);)*
            // SAFETY: the caller's guarantee: `code` takes these registers, then
            // this many stack eightbytes; every `u64` after the fourteen
            // register parameters goes on the stack, in order.
            let f: unsafe extern "C" fn(
                u64, u64, u64, u64, u64, u64, f64, f64, f64, f64, f64, f64, f64, f64,
                $(with_words!(@u64 $w)),*
            ) -> R = unsafe { std::mem::transmute(code) };
            // SAFETY: as above.
            unsafe { f(g0, g1, g2, g3, g4, g5, s0, s1, s2, s3, s4, s5, s6, s7, $($w),*) }
        }};
        (@u64 $w:ident) => { u64 };
    }
    match stack.len() {
        0 => with_words!(),
        1 => with_words!(w0),
        2 => with_words!(w0, w1),
        3 => with_words!(w0, w1, w2),
        4 => with_words!(w0, w1, w2, w3),
        5 => with_words!(w0, w1, w2, w3, w4),
        6 => with_words!(w0, w1, w2, w3, w4, w5),
        7 => with_words!(w0, w1, w2, w3, w4, w5, w6),
        8 => with_words!(w0, w1, w2, w3, w4, w5, w6, w7),
        9..=12 => with_words!(w0, w1, w2, w3, w4, w5, w6, w7, w8, w9, w10, w11),
        _ => with_words!(w0, w1, w2, w3, w4, w5, w6, w7, w8, w9, w10, w11, w12, w13, w14, w15),
    }
}

/// [`call_with_stack`] of a function whose arguments all go in general
/// registers: the vector registers are neither cleared nor loaded.
///
/// # Safety
/// As [`call_with_stack`], for a function that takes no vector register and
/// no stack eightbyte.
#[cfg(all(target_arch = "x86_64", unix))]
#[inline(always)]
pub(crate) unsafe fn call_with_gprs<R>(code: *const c_void, gpr: &[u64; 6]) -> R {
    let [g0, g1, g2, g3, g4, g5] = *gpr;
    // SAFETY: the caller's guarantee: `code` takes (at most) these six
    // registers; the ones it does not take are ignored by the callee.
    unsafe {
        let f: unsafe extern "C" fn(u64, u64, u64, u64, u64, u64) -> R = std::mem::transmute(code);
        f(g0, g1, g2, g3, g4, g5)
    }
}

/// [`call_with_stack`] for a result that comes back as `ret` says: one or two
/// registers of those classes, written to `out`; through memory (whose address
/// the caller put in rdi) or nothing, when `out` is left alone.
///
/// # Safety
/// As [`call_with_stack`], with the result passed as `ret` says; `out` must
/// point to at least 16 writable bytes when the result is in registers.
#[cfg(all(target_arch = "x86_64", unix))]
#[inline(always)]
pub(crate) unsafe fn call_returning(
    ret: Ret,
    code: *const c_void,
    gpr: &[u64; 6],
    sse: &[u64; 8],
    stack: &[u64],
    out: *mut u8,
) {
    #[repr(C)]
    struct IntInt(u64, u64);
    #[repr(C)]
    struct SseSse(f64, f64);
    #[repr(C)]
    struct IntSse(u64, f64);
    #[repr(C)]
    struct SseInt(f64, u64);

    macro_rules! call_as {
        ($ret:ty) => {{
            // SAFETY: the caller's guarantee: the result comes back in the
            // registers `$ret` is returned in (a scalar or a two-field
            // `#[repr(C)]` struct of the same classes).
            unsafe { call_with_stack::<$ret>(code, gpr, sse, stack) }
        }};
    }
    let (low, high) = match ret {
        Ret::Void | Ret::Memory => {
            call_as!(u64);
            return;
        }
        Ret::Regs(Class::Integer, None) => (call_as!(u64), None),
        Ret::Regs(_, None) => (call_as!(f64).to_bits(), None),
        Ret::Regs(Class::Integer, Some(Class::Integer)) => {
            let IntInt(a, b) = call_as!(IntInt);
            (a, Some(b))
        }
        Ret::Regs(Class::Integer, Some(_)) => {
            let IntSse(a, b) = call_as!(IntSse);
            (a, Some(b.to_bits()))
        }
        Ret::Regs(_, Some(Class::Integer)) => {
            let SseInt(a, b) = call_as!(SseInt);
            (a.to_bits(), Some(b))
        }
        Ret::Regs(_, Some(_)) => {
            let SseSse(a, b) = call_as!(SseSse);
            (a.to_bits(), Some(b.to_bits()))
        }
    };
    let out = out.cast::<u64>();
    // SAFETY: `out` has at least 16 writable bytes (the caller's guarantee).
    unsafe {
        out.write_unaligned(low);
        if let Some(high) = high {
            out.add(1).write_unaligned(high);
        }
    }
}

#[cfg(not(all(target_arch = "x86_64", unix)))]
pub(crate) unsafe fn call_returning(
    _: Ret,
    _: *const c_void,
    _: &[u64; 6],
    _: &[u64; 8],
    _: &[u64],
    _: *mut u8,
) {
    unreachable!("calls without libffi are only planned on x86-64 System V hosts")
}

/// Register-only calls are made on x86-64 System V hosts only; no plan exists
/// elsewhere, so this is never reached.
///
/// # Safety
/// Never called: no [`Plan`] is made on other hosts.
#[cfg(not(all(target_arch = "x86_64", unix)))]
pub(crate) unsafe fn call_with_stack<R>(
    _: *const c_void,
    _: &[u64; 6],
    _: &[u64; 8],
    _: &[u64],
) -> R {
    unreachable!("calls without libffi are only planned on x86-64 System V hosts")
}

/// Never called: see [`call_with_stack`].
#[cfg(not(all(target_arch = "x86_64", unix)))]
pub(crate) unsafe fn call_with_gprs<R>(_: *const c_void, _: &[u64; 6]) -> R {
    unreachable!("calls without libffi are only planned on x86-64 System V hosts")
}

impl Plan {
    /// Makes the call.
    ///
    /// # Safety
    /// `code` must be a non-variadic System V function whose arguments and result
    /// are passed as this plan was made from; `args` must hold one pointer per
    /// argument to its value's buffer (whole eightbytes, at least 16 bytes);
    /// `ret` must point to at least 16 writable bytes, or to the whole result
    /// when it is returned in memory.
    #[cfg(all(target_arch = "x86_64", unix))]
    pub(crate) unsafe fn call(
        &self,
        code: *const c_void,
        ret: *mut c_void,
        args: *const *mut c_void,
    ) {
        if self.stack_words == 0 {
            // The common case: registers only, and no stack words to clear.
            // SAFETY: forwarded from the caller.
            let (gpr, sse) = unsafe { self.registers(ret, args, &mut []) };
            // SAFETY: forwarded from the caller; `ret` is as `call_returning` needs.
            unsafe { call_returning(self.ret, code, &gpr, &sse, &[], ret.cast()) };
            return;
        }
        let mut stack = [0u64; MAX_STACK_WORDS];
        // SAFETY: forwarded from the caller.
        let (gpr, sse) = unsafe { self.registers(ret, args, &mut stack) };
        let stack = &stack[..usize::from(self.stack_words)];

        // SAFETY: forwarded from the caller; `ret` is as `call_returning` needs.
        unsafe { call_returning(self.ret, code, &gpr, &sse, stack, ret.cast()) }
    }

    /// The argument registers' contents: rdi..r9, and xmm0..xmm7's low halves.
    ///
    /// # Safety
    /// As [`call`](Self::call).
    #[cfg(all(target_arch = "x86_64", unix))]
    #[inline(always)]
    unsafe fn registers(
        &self,
        ret: *mut c_void,
        args: *const *mut c_void,
        stack: &mut [u64],
    ) -> ([u64; 6], [u64; 8]) {
        let mut gpr = [0u64; 6];
        let mut sse = [0u64; 8];
        if self.ret == Ret::Memory {
            gpr[0] = ret as u64;
        }
        for part in self.parts.iter() {
            // SAFETY: one pointer per argument, each to whole eightbytes.
            let raw = unsafe {
                (*args.add(usize::from(part.arg)))
                    .cast::<u8>()
                    .add(usize::from(part.offset))
                    .cast::<u64>()
                    .read_unaligned()
            };
            match part.reg {
                Reg::Gpr { index, extend } => {
                    gpr[usize::from(index)] = match extend {
                        Some((size, signed)) => crate::abi::extend(raw, usize::from(size), signed),
                        None => raw,
                    }
                }
                Reg::Sse(index) => sse[usize::from(index)] = raw,
                Reg::Stack { word, extend } => {
                    // Present: the plan counted its stack words (`stack_words`).
                    if let Some(slot) = stack.get_mut(usize::from(word)) {
                        *slot = match extend {
                            Some((size, signed)) => {
                                crate::abi::extend(raw, usize::from(size), signed)
                            }
                            None => raw,
                        }
                    }
                }
            }
        }
        (gpr, sse)
    }

    #[cfg(not(all(target_arch = "x86_64", unix)))]
    pub(crate) unsafe fn call(&self, _: *const c_void, _: *mut c_void, _: *const *mut c_void) {
        unreachable!("plans are only made on x86-64 System V hosts")
    }
}
