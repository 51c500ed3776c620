//! wyvern's own closure entry, for callbacks whose signature needs no libffi
//! (the same register-only signatures [`crate::abi::direct`] calls without it).
//!
//! A libffi closure enters through `ffi_closure_unix64`, which saves every
//! argument register and then classifies the callback's arguments again, on
//! each call, to find where each one is. Here that work is done once, when the
//! callback is made: [`Entry::new`] reads the signature's plan and records,
//! for each argument, where its bytes are when C calls (which saved register,
//! or which word of the caller's stack). A call is then a stub, a few saved
//! registers and one pointer per argument.
//!
//! The code: each callback has a 16-byte stub in a page of identical stubs,
//! mapped read-and-execute, with a data page right after it, read-write. The
//! stub loads the callback's [`Entry`] from its slot of the data page into
//! `r10` and jumps to the address beside it, [`wyvern_closure_entry_v1`]. Since
//! every stub finds its data at the same distance, the code page is written
//! once, before it is made executable, and never again: a callback made or
//! freed changes only its data slot. (libffi's static trampolines work the
//! same way.) Stubs are kept in a pool and reused; the pages are never
//! unmapped.
//!
//! `wyvern_closure_entry_v1` saves rdi..r9 and the low halves of xmm0..xmm7 into a
//! [`Frame`] on its stack and calls [`dispatch`] with the entry, the frame and
//! the caller's stack arguments. `dispatch` gives the callback's trampoline
//! (the same function a libffi closure would call, with the same arguments:
//! a result buffer and one pointer per argument) pointers into the frame and
//! the caller's stack, then puts the result in the frame's rax, rdx, xmm0 and
//! xmm1 slots, which the entry loads before it returns. A result through
//! memory goes to the caller's buffer (its address, in rdi, comes back in rax).
//!
//! Where the pages cannot be mapped executable (a hardened kernel), or with
//! `WYVERN_LIBFFI_CALLBACKS` set, callbacks use libffi's closures as before.

use std::ffi::c_void;
use std::mem::MaybeUninit;
use std::ptr::null_mut;
use std::sync::{Mutex, OnceLock};

use super::Trampoline;
use crate::abi::direct::{Plan, Reg, Ret};
use crate::abi::sysv::Class;
use crate::abi::CallInterface;

/// The most arguments a planned call has: each takes at least one of the 6
/// general registers, the 8 vector registers or the plan's stack words.
const MAX_ARGS: usize = 6 + 8 + crate::abi::direct::MAX_STACK_WORDS;

/// What the entry saves, and where `dispatch` leaves the result registers.
#[repr(C)]
struct Frame {
    gpr: [u64; 6],
    /// The low halves of xmm0..xmm7.
    sse: [u64; 8],
    /// rax, rdx, xmm0, xmm1, loaded by the entry before it returns.
    out: [u64; 4],
}

/// Where one saved eightbyte is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Area {
    Gpr,
    Sse,
    Stack,
}

/// Where one argument's bytes are when the entry runs.
#[derive(Debug, Clone, Copy)]
enum Source {
    /// Contiguous from byte `offset` of the frame: a scalar, a record in one
    /// register or in two of a kind in a row.
    Frame(u16),
    /// Contiguous from byte `offset` of the caller's stack arguments.
    Stack(u16),
    /// A record in two eightbytes that are not adjacent (an integer and a
    /// vector register), at these frame offsets: put together in pair
    /// buffer `slot`.
    Pair { slot: u8, low: u16, high: u16 },
}

/// One callback's entry: what its data slot points to.
pub(super) struct Entry {
    trampoline: Trampoline,
    /// The trampoline's user data (the callback's state).
    user: *mut c_void,
    sources: Box<[Source]>,
    ret: Ret,
    /// For a result in registers: the frame's `out` slot of each eightbyte.
    out: [Option<u8>; 2],
}

// SAFETY: immutable after creation; `user` points to the callback's state,
// which is `Send + Sync` (see `Callback`).
unsafe impl Send for Entry {}
// SAFETY: as above.
unsafe impl Sync for Entry {}

/// The byte offset in [`Frame`] of eightbyte `index` of `area` (a register).
fn frame_offset(area: Area, index: u8) -> u16 {
    let index = u16::from(index);
    match area {
        Area::Gpr => index.min(5) * 8,
        _ => 48 + index.min(7) * 8,
    }
}

fn area_of(reg: Reg) -> (Area, u8) {
    match reg {
        Reg::Gpr { index, .. } => (Area::Gpr, index),
        Reg::Sse(index) => (Area::Sse, index),
        Reg::Stack { word, .. } => (Area::Stack, word),
    }
}

impl Entry {
    /// The entry of a callback of `interface` (a closure interface) calling
    /// `trampoline` with `user`; `None` when its signature has no plan.
    pub(super) fn new(
        interface: &CallInterface,
        trampoline: Trampoline,
        user: *mut c_void,
    ) -> Option<Box<Entry>> {
        let plan: &Plan = interface.direct.as_ref()?;
        let n = interface.args.len();
        if n > MAX_ARGS {
            return None;
        }
        let mut sources = Vec::with_capacity(n);
        let mut pairs = 0u8;
        for arg in 0..n {
            let mut parts = plan.parts.iter().filter(|p| usize::from(p.arg) == arg);
            let first = parts.next()?;
            let second = parts.next();
            // A pointer into the frame is the argument's start: a record whose
            // first eightbyte holds no member (only its second is passed) is
            // left to libffi, which puts its eightbytes where they belong.
            if first.offset != 0 || second.is_some_and(|p| p.offset != 8) {
                return None;
            }
            let (area, index) = area_of(first.reg);
            let source = match second.map(|p| area_of(p.reg)) {
                // The stack's words are in order.
                _ if area == Area::Stack => Source::Stack(u16::from(index) * 8),
                // One eightbyte, or two of a kind in a row.
                None => Source::Frame(frame_offset(area, index)),
                Some((area2, index2)) if area2 == area && index2 == index + 1 => {
                    Source::Frame(frame_offset(area, index))
                }
                Some((area2, index2)) => {
                    let slot = pairs;
                    pairs += 1;
                    Source::Pair {
                        slot,
                        low: frame_offset(area, index),
                        high: frame_offset(area2, index2),
                    }
                }
            };
            sources.push(source);
        }
        if usize::from(pairs) > MAX_PAIRS {
            return None;
        }
        // Which frame slot (rax 0, rdx 1, xmm0 2, xmm1 3) each result
        // eightbyte goes in: INTEGER ones in rax then rdx, SSE ones in xmm0
        // then xmm1.
        let mut out = [None; 2];
        if let Ret::Regs(low, high) = plan.ret {
            let (mut int, mut sse) = (0u8, 2u8);
            for (slot, class) in out.iter_mut().zip([Some(low), high]) {
                *slot = match class {
                    Some(Class::Integer) => {
                        int += 1;
                        Some(int - 1)
                    }
                    Some(_) => {
                        sse += 1;
                        Some(sse - 1)
                    }
                    None => None,
                };
            }
        }
        Some(Box::new(Entry {
            trampoline,
            user,
            sources: sources.into_boxed_slice(),
            ret: plan.ret,
            out,
        }))
    }
}

/// At most 7 arguments of two eightbytes fit in 14 registers.
const MAX_PAIRS: usize = 7;

/// Called by [`wyvern_closure_entry_v1`] with the callback's entry, the saved
/// registers and the caller's stack arguments.
///
/// # Safety
/// `entry` is a live [`Entry`] of the callback C called, `frame` the entry's
/// saved registers and `stack` the caller's first stack argument, as the
/// System V ABI passes them for the callback's signature.
unsafe extern "C" fn dispatch(entry: *const Entry, frame: *mut Frame, stack: *const u64) {
    // SAFETY: the caller's guarantee.
    let (entry, frame) = unsafe { (&*entry, &mut *frame) };
    // Only the first `sources.len()` argument pointers (and the pairs those
    // use) are written and read: left uninitialised, not cleared on each call.
    let mut pairs = [MaybeUninit::<[u64; 2]>::uninit(); MAX_PAIRS];
    let mut args = [MaybeUninit::<*mut c_void>::uninit(); MAX_ARGS];
    let base = (frame as *mut Frame).cast::<u8>();
    for (slot, source) in args.iter_mut().zip(entry.sources.iter()) {
        // SAFETY: frame offsets lie in the frame's registers (`frame_offset`);
        // stack offsets in the caller's stack arguments, which the plan counted.
        slot.write(unsafe {
            match *source {
                Source::Frame(offset) => base.add(usize::from(offset)).cast(),
                Source::Stack(offset) => stack
                    .cast::<u8>()
                    .add(usize::from(offset))
                    .cast_mut()
                    .cast(),
                Source::Pair { slot, low, high } => {
                    let word = |offset: u16| base.add(usize::from(offset)).cast::<u64>().read();
                    pairs[usize::from(slot) % MAX_PAIRS]
                        .write([word(low), word(high)])
                        .as_mut_ptr()
                        .cast()
                }
            }
        });
    }
    // 32 bytes, aligned for any register result.
    #[repr(C, align(16))]
    struct Out([u64; 4]);
    let mut out = Out([0; 4]);
    let ret: *mut c_void = match entry.ret {
        // The caller's buffer, whose address it passed in rdi.
        Ret::Memory => frame.gpr[0] as *mut c_void,
        _ => out.0.as_mut_ptr().cast(),
    };
    // SAFETY: the trampoline this callback was made with, called as libffi
    // would: a result buffer for the return type and one pointer per argument
    // to its value (the trampolines catch every panic).
    // (The trampoline reads the first `sources.len()` pointers, written above.)
    unsafe { (entry.trampoline)(null_mut(), ret, args.as_mut_ptr().cast(), entry.user) };
    if entry.ret == Ret::Memory {
        frame.out[0] = frame.gpr[0];
        return;
    }
    for (value, slot) in out.0.iter().zip(entry.out) {
        if let Some(slot) = slot {
            frame.out[usize::from(slot) % 4] = *value;
        }
    }
}

// The entry every stub jumps to, with its `Entry` in r10. On entry rsp is
// 8 mod 16 (the return address); after `push rbp` and the 144-byte frame it is
// 16-byte aligned for the call. The frame is `Frame`: gpr at 0, sse at 48,
// out at 112.
#[cfg(all(target_arch = "x86_64", unix))]
std::arch::global_asm!(
    ".text",
    ".p2align 4",
    ".globl wyvern_closure_entry_v1",
    ".hidden wyvern_closure_entry_v1",
    ".type wyvern_closure_entry_v1,@function",
    "wyvern_closure_entry_v1:",
    ".cfi_startproc",
    "push rbp",
    ".cfi_def_cfa_offset 16",
    ".cfi_offset rbp, -16",
    "mov rbp, rsp",
    ".cfi_def_cfa_register rbp",
    "sub rsp, 144",
    "mov [rsp], rdi",
    "mov [rsp + 8], rsi",
    "mov [rsp + 16], rdx",
    "mov [rsp + 24], rcx",
    "mov [rsp + 32], r8",
    "mov [rsp + 40], r9",
    "movq [rsp + 48], xmm0",
    "movq [rsp + 56], xmm1",
    "movq [rsp + 64], xmm2",
    "movq [rsp + 72], xmm3",
    "movq [rsp + 80], xmm4",
    "movq [rsp + 88], xmm5",
    "movq [rsp + 96], xmm6",
    "movq [rsp + 104], xmm7",
    "mov rdi, r10",
    "mov rsi, rsp",
    "lea rdx, [rbp + 16]",
    "call {dispatch}",
    "mov rax, [rsp + 112]",
    "mov rdx, [rsp + 120]",
    "movq xmm0, [rsp + 128]",
    "movq xmm1, [rsp + 136]",
    "leave",
    ".cfi_def_cfa rsp, 8",
    "ret",
    ".cfi_endproc",
    ".size wyvern_closure_entry_v1, . - wyvern_closure_entry_v1",
    dispatch = sym dispatch,
);

extern "C" {
    /// The entry above (its name versioned, so that another copy of the
    /// crate's entry in the same program is a different symbol).
    fn wyvern_closure_entry_v1();
}

/// The size of one stub and of its data slot.
const STUB: usize = 16;

/// The pool of free stubs (their code addresses).
static FREE: Mutex<Vec<usize>> = Mutex::new(Vec::new());

/// The page size, or `None` when stubs cannot be made here.
fn page_size() -> Option<usize> {
    static PAGE: OnceLock<Option<usize>> = OnceLock::new();
    *PAGE.get_or_init(|| {
        if std::env::var_os("WYVERN_LIBFFI_CALLBACKS").is_some() {
            return None;
        }
        // SAFETY: sysconf has no preconditions.
        let size = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
        usize::try_from(size)
            .ok()
            .filter(|s| s.is_power_of_two() && *s >= 4096 && *s < 1 << 30)
    })
}

/// A stub of the pool: its code address, calling `entry` once installed.
pub(super) struct Stub {
    code: usize,
    page: usize,
}

impl Stub {
    /// A free stub, made to enter `entry`; `None` when no executable page can
    /// be had (the callback then uses libffi).
    pub(super) fn new(entry: &Entry) -> Option<Stub> {
        let page = page_size()?;
        let code = {
            let mut free = FREE.lock().unwrap_or_else(|p| p.into_inner());
            if free.is_empty() {
                free.extend(new_page(page)?);
            }
            free.pop()?
        };
        let stub = Stub { code, page };
        let data = stub.data();
        // SAFETY: the stub's data slot, in the read-write page after its code;
        // no other callback uses this slot, and C gets the code address only
        // after these stores.
        unsafe {
            data.write((entry as *const Entry) as usize);
            data.add(1)
                .write(wyvern_closure_entry_v1 as *const () as usize);
        }
        Some(stub)
    }

    /// The callback's function pointer.
    pub(super) fn code(&self) -> *const c_void {
        self.code as *const c_void
    }

    fn data(&self) -> *mut usize {
        (self.code + self.page) as *mut usize
    }
}

impl Drop for Stub {
    fn drop(&mut self) {
        // SAFETY: this stub's data slot; C no longer calls the callback (the
        // `Callback` contract). A call after this jumps to address 0.
        unsafe {
            self.data().write(0);
            self.data().add(1).write(0);
        }
        FREE.lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(self.code);
    }
}

/// Maps a page of stubs and its data page; the stubs' code addresses.
fn new_page(page: usize) -> Option<Vec<usize>> {
    // SAFETY: a new private anonymous mapping; nothing else refers to it.
    let base = unsafe {
        libc::mmap(
            null_mut(),
            2 * page,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
            -1,
            0,
        )
    };
    if base == libc::MAP_FAILED {
        return None;
    }
    let base = base.cast::<u8>();
    // Every stub: `mov r10, [rip + D - 7]` (its data slot's first word),
    // `jmp [rip + D - 5]` (the second word), then padding; D = the page size.
    let distance = i32::try_from(page).ok()?;
    let mut stub = [0xccu8; STUB];
    stub[..3].copy_from_slice(&[0x4c, 0x8b, 0x15]);
    stub[3..7].copy_from_slice(&(distance - 7).to_le_bytes());
    stub[7..9].copy_from_slice(&[0xff, 0x25]);
    stub[9..13].copy_from_slice(&(distance - 5).to_le_bytes());
    for i in 0..page / STUB {
        // SAFETY: inside the first (code) page of the mapping, writable now.
        unsafe { std::ptr::copy_nonoverlapping(stub.as_ptr(), base.add(i * STUB), STUB) };
    }
    // SAFETY: the code page of the mapping above, now complete.
    if unsafe { libc::mprotect(base.cast(), page, libc::PROT_READ | libc::PROT_EXEC) } != 0 {
        // SAFETY: the mapping above, which nothing uses.
        unsafe { libc::munmap(base.cast(), 2 * page) };
        return None;
    }
    let base = base as usize;
    Some((0..page / STUB).rev().map(|i| base + i * STUB).collect())
}
