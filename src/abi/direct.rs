//! Register-only calls without libffi, for the commonest signatures.
//!
//! On x86-64 System V, a call whose arguments are all integer, pointer, `float`
//! or `double` scalars that fit in the six integer and eight vector argument
//! registers, and whose result is such a scalar (or void), needs no stack and
//! no classification at call time: integers go in rdi, rsi, rdx, rcx, r8, r9 in
//! order, floating values in xmm0–xmm7 in order. Calling the function through a
//! pointer typed with all fourteen registers as parameters loads exactly those
//! registers; the callee reads the ones its prototype names and ignores the
//! rest (the caller owns the argument registers, and there is no stack to pop).
//! This costs a few nanoseconds where `ffi_call` costs tens.
//!
//! Everything else (stack arguments, aggregates, `long double`, variadic
//! functions, which also need `al` set) goes through libffi.

use std::ffi::c_void;

use super::Shape;

/// Where one argument travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reg {
    /// An integer register; integers narrower than 64 bits are extended as clang
    /// expects (gcc reads only the low bits).
    Gpr { index: u8, size: u8, signed: bool },
    /// A vector register holding a `double`.
    SseF64(u8),
    /// A vector register holding a `float` in its low 32 bits.
    SseF32(u8),
}

/// Where the result comes back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ret {
    Void,
    /// rax, written whole to the result buffer (as libffi writes an `ffi_arg`).
    Gpr,
    F64,
    F32,
}

/// How to make a register-only call; `None` when the signature needs libffi.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Plan {
    args: Box<[Reg]>,
    ret: Ret,
}

impl Plan {
    /// A plan for arguments of `shapes` and a result of `ret` (`None`: void).
    pub(crate) fn new(shapes: impl IntoIterator<Item = Shape>, ret: Option<Shape>) -> Option<Plan> {
        if !cfg!(all(target_arch = "x86_64", unix)) {
            return None;
        }
        let (mut gpr, mut sse) = (0u8, 0u8);
        let mut args = Vec::new();
        for shape in shapes {
            let reg = match shape {
                Shape::Int { size, signed } => {
                    gpr += 1;
                    Reg::Gpr {
                        index: gpr - 1,
                        size,
                        signed,
                    }
                }
                Shape::Pointer => {
                    gpr += 1;
                    Reg::Gpr {
                        index: gpr - 1,
                        size: 8,
                        signed: false,
                    }
                }
                Shape::F64 => {
                    sse += 1;
                    Reg::SseF64(sse - 1)
                }
                Shape::F32 => {
                    sse += 1;
                    Reg::SseF32(sse - 1)
                }
                Shape::Other => return None,
            };
            if gpr > 6 || sse > 8 {
                return None;
            }
            args.push(reg);
        }
        let ret = match ret {
            None => Ret::Void,
            Some(Shape::Int { .. } | Shape::Pointer) => Ret::Gpr,
            Some(Shape::F64) => Ret::F64,
            Some(Shape::F32) => Ret::F32,
            Some(Shape::Other) => return None,
        };
        Some(Plan {
            args: args.into_boxed_slice(),
            ret,
        })
    }

    /// Makes the call.
    ///
    /// # Safety
    /// `code` must be a non-variadic System V function whose parameters and
    /// result have the shapes this plan was made from; `args` must hold one
    /// pointer per argument to its value (at least 8 readable bytes); `ret` must
    /// point to at least 8 writable bytes.
    #[cfg(all(target_arch = "x86_64", unix))]
    pub(crate) unsafe fn call(
        &self,
        code: *const c_void,
        ret: *mut c_void,
        args: *const *mut c_void,
    ) {
        let mut gpr = [0u64; 6];
        let mut sse = [0f64; 8];
        for (i, reg) in self.args.iter().enumerate() {
            // SAFETY: one pointer per argument, each to at least 8 readable bytes.
            let raw = unsafe { (*args.add(i)).cast::<u64>().read_unaligned() };
            match *reg {
                Reg::Gpr {
                    index,
                    size,
                    signed,
                } => {
                    let shift = 64 - u32::from(size) * 8;
                    gpr[usize::from(index)] = if signed {
                        (((raw << shift) as i64) >> shift) as u64
                    } else {
                        (raw << shift) >> shift
                    };
                }
                Reg::SseF64(index) => sse[usize::from(index)] = f64::from_bits(raw),
                Reg::SseF32(index) => sse[usize::from(index)] = f64::from_bits(raw & 0xffff_ffff),
            }
        }
        type IntFn = unsafe extern "C" fn(
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
        ) -> u64;
        type FloatFn = unsafe extern "C" fn(
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
        ) -> f64;
        let [g0, g1, g2, g3, g4, g5] = gpr;
        let [s0, s1, s2, s3, s4, s5, s6, s7] = sse;
        // SAFETY: `code` is a System V function taking only register arguments of
        // these classes, in this order (the caller's guarantee); loading every
        // argument register is what a call with more arguments than the callee
        // reads does, which the ABI allows: the caller owns those registers and
        // passes nothing on the stack. The result register is the one its shape uses.
        unsafe {
            match self.ret {
                Ret::Void | Ret::Gpr => {
                    let f: IntFn = std::mem::transmute(code);
                    let r = f(g0, g1, g2, g3, g4, g5, s0, s1, s2, s3, s4, s5, s6, s7);
                    if self.ret == Ret::Gpr {
                        ret.cast::<u64>().write_unaligned(r);
                    }
                }
                Ret::F64 => {
                    let f: FloatFn = std::mem::transmute(code);
                    let r = f(g0, g1, g2, g3, g4, g5, s0, s1, s2, s3, s4, s5, s6, s7);
                    ret.cast::<f64>().write_unaligned(r);
                }
                Ret::F32 => {
                    let f: FloatFn = std::mem::transmute(code);
                    let r = f(g0, g1, g2, g3, g4, g5, s0, s1, s2, s3, s4, s5, s6, s7);
                    ret.cast::<u32>().write_unaligned(r.to_bits() as u32);
                }
            }
        }
    }

    #[cfg(not(all(target_arch = "x86_64", unix)))]
    pub(crate) unsafe fn call(&self, _: *const c_void, _: *mut c_void, _: *const *mut c_void) {
        unreachable!("plans are only made on x86-64 System V hosts")
    }
}
