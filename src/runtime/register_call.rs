//! The prepared fast path of [`Function::call`](super::Function::call): for a
//! function called without libffi (see [`crate::abi::direct`]), every decision
//! that does not depend on the values is made once, when the function is bound:
//! which register or stack slot each argument's eightbytes go in, the range an
//! integer argument must lie in, which object type a record argument must be,
//! and how the result comes back. A call is then the checks that depend on the
//! values, a few moves and the call itself: no buffers, no pointers to them, no
//! second look at the type set.
//!
//! A value the plan does not expect (a string for a pointer, an integer out of
//! range, a record of another type, a `Value` of another kind) makes the call
//! leave the fast path before anything happened; the general path then converts
//! it or reports the error, with the same messages as before.

use std::ffi::c_void;

use super::invoke::{call_returning, call_with_gprs, call_with_stack};
use super::value::Value;
use crate::abi::direct::{Reg, Ret as PlanRet, MAX_STACK_WORDS};
use crate::abi::{CallInterface, Shape};
use crate::error::IntRange;
use crate::types::{TypeId, TypeSet};

/// Where one eightbyte goes (the plan's [`Reg`]): its index in [`Words`],
/// which holds rdi..r9, then xmm0..xmm7, then the stack eightbytes.
#[derive(Debug, Clone, Copy)]
struct Dst(u8);

const SSE_AT: usize = 6;
const STACK_AT: usize = 14;
/// The registers and the stack words, rounded up to a power of two so that
/// an index is kept in bounds by a mask.
const WORDS: usize = (STACK_AT + MAX_STACK_WORDS).next_power_of_two();

impl From<Reg> for Dst {
    fn from(reg: Reg) -> Dst {
        let at = match reg {
            Reg::Gpr { index, .. } => usize::from(index),
            Reg::Sse(index) => SSE_AT + usize::from(index),
            Reg::Stack { word, .. } => STACK_AT + usize::from(word),
        };
        // Below 30: the plan's indices are below 6, 8 and MAX_STACK_WORDS.
        Dst(at.min(WORDS - 1) as u8)
    }
}

/// How one argument reaches its registers or stack slots.
#[derive(Debug, Clone, Copy)]
enum Arg {
    /// An integer in `min..=min + span` (the parameter type's range), sign-
    /// or zero-extended to 64 bits as clang-built callees expect.
    Int { dst: Dst, min: i128, span: u128 },
    /// A `double`.
    F64 { dst: Dst },
    /// A `float` (a finite `double` that stays finite, or a non-finite one).
    F32 { dst: Dst },
    /// An address (or NULL).
    Pointer { dst: Dst },
    /// An object of type `canonical` (typedefs seen through) passed by value:
    /// its eightbytes, `parts[first..first + count]` of the call's parts.
    Object {
        canonical: TypeId,
        first: u16,
        count: u8,
    },
}

/// One eightbyte of an object argument: `len` bytes from `offset`.
#[derive(Debug, Clone, Copy)]
struct Part {
    offset: u8,
    len: u8,
    dst: Dst,
}

/// How the result comes back.
#[derive(Debug, Clone, Copy)]
enum Ret {
    Void,
    /// An integer in the low bytes of rax: `shift` is 64 less its bits (the
    /// shift that extends it), precomputed.
    Int {
        shift: u8,
        signed: bool,
    },
    F64,
    F32,
    Pointer,
    /// A record, written into the result object as the plan's result says: in
    /// one or two registers, or through memory (the object's address in rdi).
    Record(PlanRet),
}

/// The registers and stack eightbytes of one call: rdi..r9, xmm0..xmm7, then
/// the stack; `N` is a power of two, [`REGISTERS_ONLY`] for a call that
/// passes no stack words (fewer to clear), [`WORDS`] for one that does.
struct Words<const N: usize>([u64; N]);

/// The registers, rounded up to a power of two.
const REGISTERS_ONLY: usize = STACK_AT.next_power_of_two();
/// The general registers, rounded up to a power of two: for a call whose
/// arguments all go in them (no vector register to clear and load).
const GENERAL_ONLY: usize = SSE_AT.next_power_of_two();

impl<const N: usize> Words<N> {
    #[inline(always)]
    fn put(&mut self, dst: Dst, word: u64) {
        self.0[usize::from(dst.0) & (N - 1)] = word;
    }

    /// The general registers.
    #[inline(always)]
    fn general(&self) -> &[u64; 6] {
        self.0.first_chunk::<6>().unwrap_or_else(|| unreachable!())
    }

    /// The general registers, the vector registers and the first `stack` stack
    /// eightbytes. With [`REGISTERS_ONLY`] words, the stack is empty whatever
    /// `stack` says, which the compiler then knows (one call, not one per length).
    #[inline(always)]
    fn split(&self, stack: u8) -> (&[u64; 6], &[u64; 8], &[u64]) {
        let (gpr, rest) = self
            .0
            .split_first_chunk::<6>()
            .unwrap_or_else(|| unreachable!());
        let (sse, rest) = rest
            .split_first_chunk::<8>()
            .unwrap_or_else(|| unreachable!());
        if N == REGISTERS_ONLY {
            return (gpr, sse, &[]);
        }
        (gpr, sse, &rest[..usize::from(stack).min(rest.len())])
    }
}

/// A call without libffi with its conversions decided.
#[derive(Debug)]
pub(crate) struct RegisterCall {
    args: Box<[Arg]>,
    /// The eightbytes of object arguments.
    parts: Box<[Part]>,
    ret: Ret,
    /// How many stack eightbytes the call passes.
    stack_words: u8,
    /// Whether every argument eightbyte goes in a general register.
    general_only: bool,
    /// Whether every argument is an integer, the `i`th in the `i`th general
    /// register, and the result a scalar or nothing: the call then takes
    /// [`call_ints`](Self::call_ints), with no choice of kind per argument.
    ints_only: bool,
}

impl RegisterCall {
    /// The prepared call for `interface` (the fixed parameters of a function of
    /// `set`), or `None` when it needs libffi or its result is neither a
    /// scalar nor a record.
    pub(crate) fn new(set: &TypeSet, interface: &CallInterface) -> Option<RegisterCall> {
        let plan = interface.direct.as_ref()?;
        if interface.args.len() != interface.fixed {
            return None;
        }
        let ret = match (plan.ret, interface.ret) {
            (PlanRet::Void, _) | (_, None) => Ret::Void,
            (how, Some(slot)) if is_record(set, slot.canonical) => Ret::Record(how),
            (PlanRet::Regs(_, None), Some(slot)) => match slot.shape {
                Shape::Int { size, signed } if (1..=8).contains(&size) => Ret::Int {
                    shift: 64 - size * 8,
                    signed,
                },
                Shape::F64 => Ret::F64,
                Shape::F32 => Ret::F32,
                Shape::Pointer => Ret::Pointer,
                Shape::Int { .. } | Shape::Other => return None,
            },
            _ => return None,
        };
        let mut args = Vec::with_capacity(interface.args.len());
        let mut object_parts = Vec::new();
        for (i, slot) in interface.args.iter().enumerate() {
            let parts: Vec<_> = plan
                .parts
                .iter()
                .filter(|p| usize::from(p.arg) == i)
                .collect();
            let arg = match (slot.shape, parts.as_slice()) {
                (Shape::Int { size, signed }, [only]) if !matches!(only.reg, Reg::Sse(_)) => {
                    let range = IntRange::of(u32::from(size) * 8, signed);
                    let max = i128::try_from(range.max).ok()?;
                    Arg::Int {
                        dst: only.reg.into(),
                        min: range.min,
                        span: max.abs_diff(range.min),
                    }
                }
                (Shape::F64, [only]) if !matches!(only.reg, Reg::Gpr { .. }) => Arg::F64 {
                    dst: only.reg.into(),
                },
                (Shape::F32, [only]) if !matches!(only.reg, Reg::Gpr { .. }) => Arg::F32 {
                    dst: only.reg.into(),
                },
                (Shape::Pointer, [only]) if !matches!(only.reg, Reg::Sse(_)) => Arg::Pointer {
                    dst: only.reg.into(),
                },
                (Shape::Other, [_, ..]) if is_record(set, slot.canonical) => {
                    let first = u16::try_from(object_parts.len()).ok()?;
                    for part in &parts {
                        let offset = usize::from(part.offset);
                        let len = slot.size.checked_sub(offset)?.min(8);
                        object_parts.push(Part {
                            offset: part.offset,
                            len: u8::try_from(len).ok()?,
                            dst: part.reg.into(),
                        });
                    }
                    Arg::Object {
                        canonical: slot.canonical,
                        first,
                        count: u8::try_from(parts.len()).ok()?,
                    }
                }
                _ => return None,
            };
            args.push(arg);
        }
        let general_only =
            plan.stack_words == 0 && plan.parts.iter().all(|p| matches!(p.reg, Reg::Gpr { .. }));
        let ints_only = general_only
            && !matches!(ret, Ret::Record(_))
            && args
                .iter()
                .enumerate()
                .all(|(i, arg)| matches!(arg, Arg::Int { dst, .. } if usize::from(dst.0) == i));
        Some(RegisterCall {
            args: args.into_boxed_slice(),
            parts: object_parts.into_boxed_slice(),
            ret,
            stack_words: plan.stack_words,
            general_only,
            ints_only,
        })
    }

    /// Whether the result is a record, which [`call_into`](Self::call_into)
    /// writes into an object ([`call`](Self::call) makes none).
    pub(crate) fn returns_object(&self) -> bool {
        matches!(self.ret, Ret::Record(_))
    }

    /// Calls `code` with `args` when every value is one the plan expects and
    /// the result is not a record; `None` (before anything ran) otherwise.
    ///
    /// # Safety
    /// `code` must be the function this plan was made for (its interface's
    /// signature); the arguments must satisfy its contract, as for
    /// [`Function::call`](super::Function::call).
    #[inline(always)]
    pub(crate) unsafe fn call(
        &self,
        set: &TypeSet,
        code: *const c_void,
        args: &[Value],
    ) -> Option<crate::Result<Value>> {
        // SAFETY: forwarded from the caller.
        unsafe {
            if self.ints_only {
                return match self.args.len() {
                    0 => self.call_ints::<0>(code, args),
                    1 => self.call_ints::<1>(code, args),
                    2 => self.call_ints::<2>(code, args),
                    3 => self.call_ints::<3>(code, args),
                    4 => self.call_ints::<4>(code, args),
                    5 => self.call_ints::<5>(code, args),
                    6 => self.call_ints::<6>(code, args),
                    _ => None,
                };
            }
            if self.general_only {
                self.call_with::<GENERAL_ONLY>(set, code, args)
            } else if self.stack_words == 0 {
                self.call_with::<REGISTERS_ONLY>(set, code, args)
            } else {
                self.call_with::<WORDS>(set, code, args)
            }
        }
    }

    /// [`call`](Self::call) of a function of `K` integer parameters (see
    /// `ints_only`): each value checked against its range and put in its
    /// register in one straight line, with none of the branches that choose
    /// an argument's kind and destination (which cost more time than their
    /// instructions: a two-argument call took 9.6 ns with them).
    ///
    /// # Safety
    /// As [`call`](Self::call); the plan is `ints_only`.
    #[inline(always)]
    unsafe fn call_ints<const K: usize>(
        &self,
        code: *const c_void,
        args: &[Value],
    ) -> Option<crate::Result<Value>> {
        // Exactly `K` of each: a call with too few or too many arguments
        // goes to the general path, which says so.
        let (Ok(plan), Ok(values)) = (
            <&[Arg; K]>::try_from(&*self.args),
            <&[Value; K]>::try_from(args),
        ) else {
            return None;
        };
        let mut gpr = [0u64; 6];
        for i in 0..K {
            let (Arg::Int { min, span, .. }, Value::Int(v)) = (plan[i], &values[i]) else {
                return None;
            };
            // One comparison: below `min` wraps to above `span`.
            if v.wrapping_sub(min) as u128 > span {
                return None;
            }
            gpr[i] = *v as u64;
        }
        let scope = super::unwind::CallScope::enter();
        // SAFETY: the plan was made from this function's signature: `K`
        // integers in the first `K` general registers, each checked against
        // its parameter's range (the caller's guarantee for the function).
        let raw = unsafe {
            match self.ret {
                Ret::F64 | Ret::F32 => call_with_gprs::<f64>(code, &gpr).to_bits(),
                _ => call_with_gprs::<u64>(code, &gpr),
            }
        };
        if scope.leave() {
            return Some(super::unwind::rethrow().map(|()| Value::Void));
        }
        Some(Ok(self.result(raw)))
    }

    /// The value of a scalar result whose register held `raw`.
    #[inline(always)]
    fn result(&self, raw: u64) -> Value {
        match self.ret {
            // The bits the callee left above the result's are not its.
            Ret::Int {
                shift,
                signed: true,
            } => Value::Int(i128::from((raw << shift) as i64 >> shift)),
            Ret::Int { shift, .. } => Value::Int(i128::from((raw << shift) >> shift)),
            Ret::F64 => Value::Float(f64::from_bits(raw)),
            Ret::F32 => Value::Float(f64::from(f32::from_bits(raw as u32))),
            Ret::Pointer if raw == 0 => Value::Null,
            Ret::Pointer => Value::Pointer(raw as usize),
            Ret::Void | Ret::Record(_) => Value::Void,
        }
    }

    /// [`call`](Self::call) with `N` words to load.
    ///
    /// # Safety
    /// As [`call`](Self::call).
    #[inline(always)]
    unsafe fn call_with<const N: usize>(
        &self,
        set: &TypeSet,
        code: *const c_void,
        args: &[Value],
    ) -> Option<crate::Result<Value>> {
        let mut words = Words([0; N]);
        if self.returns_object() || !self.load(set, args, &mut words) {
            return None;
        }
        let ret = self.ret;
        let scope = super::unwind::CallScope::enter();
        // SAFETY: the plan was made from this function's register-only System V
        // signature, and each register holds a checked value of its parameter
        // (the caller's guarantee for the function itself); with
        // `GENERAL_ONLY` words, it takes no vector register and no stack.
        let raw = unsafe {
            if N == GENERAL_ONLY {
                let gpr = words.general();
                match ret {
                    Ret::F64 | Ret::F32 => call_with_gprs::<f64>(code, gpr).to_bits(),
                    _ => call_with_gprs::<u64>(code, gpr),
                }
            } else {
                let (gpr, sse, stack) = words.split(self.stack_words);
                match ret {
                    Ret::F64 | Ret::F32 => call_with_stack::<f64>(code, gpr, sse, stack).to_bits(),
                    _ => call_with_stack::<u64>(code, gpr, sse, stack),
                }
            }
        };
        if scope.leave() {
            return Some(super::unwind::rethrow().map(|()| Value::Void));
        }
        Some(Ok(self.result(raw)))
    }

    /// Calls `code` with `args`, its record result written to `out`, when every
    /// value is one the plan expects and the result is a record; `None` (before
    /// anything ran) otherwise.
    ///
    /// # Safety
    /// As [`call`](Self::call); `out` must point to the result's whole size
    /// and at least 16 bytes, writable (a [`CData`](super::CData) buffer of the
    /// result's type).
    #[inline]
    pub(crate) unsafe fn call_into(
        &self,
        set: &TypeSet,
        code: *const c_void,
        args: &[Value],
        out: *mut u8,
    ) -> Option<crate::Result<()>> {
        let Ret::Record(how) = self.ret else {
            return None;
        };
        // SAFETY: forwarded from the caller.
        unsafe {
            if self.stack_words == 0 {
                self.call_into_with::<REGISTERS_ONLY>(set, code, args, out, how)
            } else {
                self.call_into_with::<WORDS>(set, code, args, out, how)
            }
        }
    }

    /// [`call_into`](Self::call_into) with `N` words to load.
    ///
    /// # Safety
    /// As [`call_into`](Self::call_into).
    #[inline(always)]
    unsafe fn call_into_with<const N: usize>(
        &self,
        set: &TypeSet,
        code: *const c_void,
        args: &[Value],
        out: *mut u8,
        how: PlanRet,
    ) -> Option<crate::Result<()>> {
        let mut words = Words([0; N]);
        if !self.load(set, args, &mut words) {
            return None;
        }
        if how == PlanRet::Memory {
            // The hidden first argument: where the callee writes the result.
            words.0[0] = out as u64;
        }
        let (gpr, sse, stack) = words.split(self.stack_words);
        let scope = super::unwind::CallScope::enter();
        // SAFETY: as in `call`; `out` has at least 16 writable bytes, and the
        // whole result when it comes back through memory (its address in rdi).
        unsafe { call_returning(how, code, gpr, sse, stack, out) };
        if scope.leave() {
            return Some(super::unwind::rethrow());
        }
        Some(Ok(()))
    }

    /// Puts every argument in its registers and stack slots; `false` (with
    /// nothing run) when a value is not one the plan expects.
    ///
    /// Up to four arguments, the loop is unrolled for the count: each
    /// argument's checks then use fixed offsets, with nothing kept across
    /// iterations (about a third of a two-argument call's instructions).
    #[inline(always)]
    fn load<const N: usize>(&self, set: &TypeSet, args: &[Value], words: &mut Words<N>) -> bool {
        if args.len() != self.args.len() {
            return false;
        }
        match args.len() {
            0 => true,
            1 => self.load_exactly::<N, 1>(set, args, words),
            2 => self.load_exactly::<N, 2>(set, args, words),
            3 => self.load_exactly::<N, 3>(set, args, words),
            4 => self.load_exactly::<N, 4>(set, args, words),
            _ => self
                .args
                .iter()
                .zip(args)
                .all(|(arg, value)| self.load_one(set, arg, value, words)),
        }
    }

    /// [`load`](Self::load) of exactly `K` arguments, unrolled.
    #[inline(always)]
    fn load_exactly<const N: usize, const K: usize>(
        &self,
        set: &TypeSet,
        args: &[Value],
        words: &mut Words<N>,
    ) -> bool {
        let (Some(plan), Some(values)) = (self.args.first_chunk::<K>(), args.first_chunk::<K>())
        else {
            return false;
        };
        for i in 0..K {
            if !self.load_one(set, &plan[i], &values[i], words) {
                return false;
            }
        }
        true
    }

    /// Puts one argument in its registers and stack slots; `false` when its
    /// value is not one the plan expects.
    #[inline(always)]
    fn load_one<const N: usize>(
        &self,
        set: &TypeSet,
        arg: &Arg,
        value: &Value,
        words: &mut Words<N>,
    ) -> bool {
        {
            match (*arg, value) {
                // One comparison: below `min` wraps to above `span`.
                (Arg::Int { dst, min, span }, Value::Int(v))
                    if v.wrapping_sub(min) as u128 <= span =>
                {
                    // In range, so the low 64 bits are the value sign- or
                    // zero-extended, as the register takes it.
                    words.put(dst, *v as u64);
                }
                (Arg::F64 { dst }, Value::Float(v)) => words.put(dst, v.to_bits()),
                (Arg::F32 { dst }, Value::Float(v))
                    if !v.is_finite() || (*v as f32).is_finite() =>
                {
                    words.put(dst, u64::from((*v as f32).to_bits()));
                }
                (Arg::Pointer { dst }, Value::Pointer(a)) => words.put(dst, *a as u64),
                (Arg::Pointer { dst }, Value::Null) => words.put(dst, 0),
                (
                    Arg::Object {
                        canonical,
                        first,
                        count,
                    },
                    Value::Data(data),
                ) if data.same_set(set)
                    && (data.type_id() == canonical
                        || set.canonical(data.type_id()) == canonical) =>
                {
                    let bytes = data.bytes();
                    let first = usize::from(first);
                    let Some(parts) = self.parts.get(first..first + usize::from(count)) else {
                        return false;
                    };
                    for part in parts {
                        let start = usize::from(part.offset);
                        let word = match bytes.get(start..start + 8) {
                            // A whole eightbyte (the common case): one load.
                            Some(&[a, b, c, d, e, f, g, h]) if part.len == 8 => {
                                u64::from_le_bytes([a, b, c, d, e, f, g, h])
                            }
                            _ => {
                                let Some(chunk) = bytes.get(start..start + usize::from(part.len))
                                else {
                                    return false;
                                };
                                let mut word = [0u8; 8];
                                word[..chunk.len()].copy_from_slice(chunk);
                                u64::from_le_bytes(word)
                            }
                        };
                        words.put(part.dst, word);
                    }
                }
                _ => return false,
            }
        }
        true
    }
}

/// Records (structs and unions) come as objects of their type.
fn is_record(set: &TypeSet, canonical: TypeId) -> bool {
    matches!(set.ty(canonical), crate::types::Type::Record(_))
}
