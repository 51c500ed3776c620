//! Register-only calls without libffi, for the commonest signatures.
//!
//! On x86-64 System V, a call whose arguments all travel in registers (scalars,
//! and aggregates of one or two INTEGER or SSE eightbytes) needs no stack and no
//! classification at call time: each INTEGER eightbyte takes the next of rdi,
//! rsi, rdx, rcx, r8, r9, each SSE eightbyte the next of xmm0–xmm7. Calling the
//! function through a pointer typed with all fourteen registers as parameters
//! loads exactly those registers; the callee reads the ones its prototype names
//! and ignores the rest (the caller owns the argument registers, and nothing is
//! on the stack). The result comes back in rax/rdx/xmm0/xmm1, read through a
//! `#[repr(C)]` pair of the right classes, or through memory whose address goes
//! in rdi. This costs a few nanoseconds where `ffi_call` costs tens, since
//! libffi classifies aggregates again on every call.
//!
//! Everything else (stack arguments, `long double`, variadic functions, which
//! also need `al` set) goes through libffi. `tests/direct_calls.rs` and the
//! random ABI test compare both paths with gcc.

use std::ffi::c_void;

use super::sysv::{Class, Passing};
use super::Shape;

/// One eightbyte of one argument, and the register it goes in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Part {
    /// The argument.
    arg: u16,
    /// Byte offset of the eightbyte in the argument's buffer.
    offset: u8,
    reg: Reg,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reg {
    /// An integer register. A scalar integer narrower than 64 bits is extended
    /// as clang-compiled callees expect (gcc reads only the low bits).
    Gpr {
        index: u8,
        extend: Option<(u8, bool)>,
    },
    /// A vector register; its low 64 bits.
    Sse(u8),
}

/// Where the result comes back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ret {
    Void,
    /// One or two eightbytes, each from the next register of its class.
    Regs(Class, Option<Class>),
    /// Through memory: the result buffer's address goes in rdi.
    Memory,
}

/// How to make a register-only call; `None` when the signature needs libffi.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Plan {
    parts: Box<[Part]>,
    ret: Ret,
}

impl Plan {
    /// A plan for arguments passed as `args` (each with its scalar shape) and a
    /// result passed as `ret` (`None`: void).
    pub(crate) fn new(args: &[(Passing, Shape)], ret: Option<&Passing>) -> Option<Plan> {
        if !cfg!(all(target_arch = "x86_64", unix)) {
            return None;
        }
        let ret = match ret {
            None | Some(Passing::Nothing) => Ret::Void,
            Some(Passing::Memory) => Ret::Memory,
            Some(Passing::Registers(classes)) => {
                let data: Vec<Class> = classes
                    .iter()
                    .copied()
                    .filter(|c| *c != Class::NoClass)
                    .collect();
                if classes.first() == Some(&Class::NoClass) {
                    return None;
                }
                match data.as_slice() {
                    [a] if is_reg(*a) => Ret::Regs(*a, None),
                    [a, b] if is_reg(*a) && is_reg(*b) => Ret::Regs(*a, Some(*b)),
                    _ => return None,
                }
            }
        };
        let mut gpr = u8::from(ret == Ret::Memory);
        let mut sse = 0u8;
        let mut parts = Vec::new();
        for (i, (passing, shape)) in args.iter().enumerate() {
            let Passing::Registers(classes) = passing else {
                return None;
            };
            let extend = match shape {
                Shape::Int { size, signed } => Some((*size, *signed)),
                _ => None,
            };
            for (word, class) in classes.iter().enumerate() {
                let reg = match class {
                    Class::Integer => {
                        gpr += 1;
                        Reg::Gpr {
                            index: gpr - 1,
                            extend,
                        }
                    }
                    Class::Sse => {
                        sse += 1;
                        Reg::Sse(sse - 1)
                    }
                    Class::NoClass => continue,
                    _ => return None,
                };
                if gpr > 6 || sse > 8 {
                    return None;
                }
                parts.push(Part {
                    arg: u16::try_from(i).ok()?,
                    offset: u8::try_from(word * 8).ok()?,
                    reg,
                });
            }
        }
        Some(Plan {
            parts: parts.into_boxed_slice(),
            ret,
        })
    }

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
                        Some((size, signed)) => super::extend(raw, usize::from(size), signed),
                        None => raw,
                    }
                }
                Reg::Sse(index) => sse[usize::from(index)] = raw,
            }
        }
        let [g0, g1, g2, g3, g4, g5] = gpr;
        let [s0, s1, s2, s3, s4, s5, s6, s7] = sse.map(f64::from_bits);

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
                // SAFETY: see `call`'s contract: `code` takes only register
                // arguments of these classes in this order, and returns its result
                // in the registers `$ret` is returned in (a scalar or a two-field
                // `#[repr(C)]` struct of the same classes). Loading every argument
                // register is what the ABI allows a caller to do.
                let f: unsafe extern "C" fn(
                    u64,
                    u64,
                    u64,
                    u64,
                    u64,
                    u64,
                    f64,
                    f64,
                    f64,
                    f64,
                    f64,
                    f64,
                    f64,
                    f64,
                ) -> $ret = unsafe { std::mem::transmute(code) };
                // SAFETY: as above.
                unsafe { f(g0, g1, g2, g3, g4, g5, s0, s1, s2, s3, s4, s5, s6, s7) }
            }};
        }
        let (low, high) = match self.ret {
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
        let out = ret.cast::<u64>();
        // SAFETY: `ret` has at least 16 writable bytes.
        unsafe {
            out.write_unaligned(low);
            if let Some(high) = high {
                out.add(1).write_unaligned(high);
            }
        }
    }

    #[cfg(not(all(target_arch = "x86_64", unix)))]
    pub(crate) unsafe fn call(&self, _: *const c_void, _: *mut c_void, _: *const *mut c_void) {
        unreachable!("plans are only made on x86-64 System V hosts")
    }
}

fn is_reg(class: Class) -> bool {
    matches!(class, Class::Integer | Class::Sse)
}
