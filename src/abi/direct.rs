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
//! also need `al` set) goes through libffi. `tests/it/direct_calls.rs` and the
//! random ABI test compare both paths with gcc.
//!
//! This module makes the [`Plan`] (which register each eightbyte goes in, where
//! the result comes back); the runtime makes the call (`runtime::invoke`).

use super::sysv::{Class, Passing};
use super::Shape;

/// One eightbyte of one argument, and the register it goes in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Part {
    /// The argument.
    pub(crate) arg: u16,
    /// Byte offset of the eightbyte in the argument's buffer.
    pub(crate) offset: u8,
    pub(crate) reg: Reg,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reg {
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
pub(crate) enum Ret {
    Void,
    /// One or two eightbytes, each from the next register of its class.
    Regs(Class, Option<Class>),
    /// Through memory: the result buffer's address goes in rdi.
    Memory,
}

/// How to make a register-only call; `None` when the signature needs libffi.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Plan {
    pub(crate) parts: Box<[Part]>,
    pub(crate) ret: Ret,
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
}

fn is_reg(class: Class) -> bool {
    matches!(class, Class::Integer | Class::Sse)
}
