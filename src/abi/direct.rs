//! Calls without libffi, for every signature of plain eightbytes.
//!
//! On x86-64 System V, a call whose arguments are scalars and aggregates of
//! INTEGER, SSE or MEMORY class needs no classification at call time: each
//! INTEGER eightbyte takes the next of rdi, rsi, rdx, rcx, r8, r9, each SSE
//! eightbyte the next of xmm0–xmm7, and an argument that is MEMORY class, or
//! whose eightbytes no longer all fit in the registers left, is copied to the
//! stack, eightbyte by eightbyte, in argument order. Calling the function
//! through a pointer typed with all fourteen registers as parameters, then one
//! `u64` per stack eightbyte, loads exactly those registers and lays out
//! exactly that stack; the callee reads the ones its prototype names and
//! ignores the rest (the caller owns the argument registers and cleans the
//! stack). The result comes back in rax/rdx/xmm0/xmm1, read through a
//! `#[repr(C)]` pair of the right classes, or through memory whose address goes
//! in rdi. This costs a few nanoseconds where `ffi_call` costs tens, since
//! libffi classifies aggregates again on every call.
//!
//! Everything else (`long double` and other x87 values, aggregates aligned
//! beyond 16 bytes, more than [`MAX_STACK_WORDS`] eightbytes of stack, variadic
//! functions, which also need `al` set) goes through libffi.
//! `tests/it/direct_calls.rs` and the random ABI test compare both paths with gcc.
//!
//! This module makes the [`Plan`] (which register each eightbyte goes in, where
//! the result comes back); the runtime makes the call (`runtime::invoke`).

use super::sysv::{Class, Passing};
use super::Shape;

/// The most stack eightbytes a call without libffi passes (a call with more
/// goes through libffi).
pub(crate) const MAX_STACK_WORDS: usize = 16;

/// One eightbyte of one argument, and the register (or stack slot) it goes in.
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
    /// The stack eightbyte `word` (0 is the lowest address, where the first
    /// stack argument goes). A scalar integer is extended as in a register.
    Stack {
        word: u8,
        extend: Option<(u8, bool)>,
    },
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
    /// How many stack eightbytes the call passes (at most [`MAX_STACK_WORDS`]).
    pub(crate) stack_words: u8,
}

impl Plan {
    /// A plan for arguments passed as `args` (each with its scalar shape, its
    /// size and its alignment in bytes) and a result passed as `ret` (`None`: void).
    pub(crate) fn new(args: &[(Passing, Shape, u64, u64)], ret: Option<&Passing>) -> Option<Plan> {
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
        let mut stack = 0usize;
        let mut parts = Vec::new();
        for (i, (passing, shape, size, align)) in args.iter().enumerate() {
            let arg = u16::try_from(i).ok()?;
            let extend = match shape {
                Shape::Int { size, signed } => Some((*size, *signed)),
                _ => None,
            };
            let in_registers = match passing {
                Passing::Registers(classes) => {
                    if !classes
                        .iter()
                        .all(|c| matches!(c, Class::Integer | Class::Sse | Class::NoClass))
                    {
                        return None;
                    }
                    let ints = classes.iter().filter(|c| **c == Class::Integer).count();
                    let vectors = classes.iter().filter(|c| **c == Class::Sse).count();
                    // The whole argument goes in registers, or (when they run
                    // out) the whole of it on the stack.
                    (usize::from(gpr) + ints <= 6 && usize::from(sse) + vectors <= 8)
                        .then_some(classes)
                }
                Passing::Memory => None,
                // An empty struct by value: left to libffi.
                Passing::Nothing => return None,
            };
            if let Some(classes) = in_registers {
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
                        _ => continue,
                    };
                    parts.push(Part {
                        arg,
                        offset: u8::try_from(word * 8).ok()?,
                        reg,
                    });
                }
                continue;
            }
            // On the stack: aligned to its eightbyte, or to 16 bytes when its
            // type is; whole eightbytes.
            match align {
                0..=8 => {}
                16 => stack = stack.next_multiple_of(2),
                _ => return None,
            }
            let words = usize::try_from(*size).ok()?.div_ceil(8);
            for word in 0..words {
                parts.push(Part {
                    arg,
                    offset: u8::try_from(word * 8).ok()?,
                    reg: Reg::Stack {
                        word: u8::try_from(stack).ok()?,
                        extend,
                    },
                });
                stack += 1;
            }
            if stack > MAX_STACK_WORDS {
                return None;
            }
        }
        Some(Plan {
            parts: parts.into_boxed_slice(),
            ret,
            stack_words: u8::try_from(stack).ok()?,
        })
    }
}

fn is_reg(class: Class) -> bool {
    matches!(class, Class::Integer | Class::Sse)
}
