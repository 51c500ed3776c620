//! A crash inside the called C function, reported as an error instead of a bare
//! signal: `error: 'f' crashed: SIGSEGV (address 0x0)`, exit status 1.
//!
//! [`guarded`] installs a handler for the signals a faulting function raises
//! (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT) for the length of the call only,
//! then puts back what was there (Rust's own stack-overflow handler among them).
//! The handler runs on an alternate signal stack, so a C function that overflows
//! the stack is reported too. It does only what is async-signal-safe: it formats
//! into a buffer on its stack, `write(2)`s it and `_exit(1)`s. What the function
//! printed through stdio and had not flushed is lost, as it would be in C.

use std::ffi::{c_int, c_void};
use std::sync::atomic::{AtomicPtr, AtomicUsize, Ordering};

/// The signals reported, with their names.
const SIGNALS: [(c_int, &str); 5] = [
    (libc::SIGSEGV, "SIGSEGV"),
    (libc::SIGBUS, "SIGBUS"),
    (libc::SIGFPE, "SIGFPE"),
    (libc::SIGILL, "SIGILL"),
    (libc::SIGABRT, "SIGABRT"),
];

/// Big enough for the handler's frame and what libc's signal delivery puts on
/// the stack (SIGSTKSZ is too small with AVX-512 state).
const ALT_STACK_BYTES: usize = 64 * 1024;

/// The called function's name, for the handler: set while a guard lives.
static NAME: AtomicPtr<u8> = AtomicPtr::new(std::ptr::null_mut());
static NAME_LEN: AtomicUsize = AtomicUsize::new(0);
/// The lowest address the thread's stack may grow to (0 when unknown): a fault
/// just below it is a stack overflow.
static STACK_LIMIT: AtomicUsize = AtomicUsize::new(0);

/// Runs `call` (the call of C function `function`) with a crash in it reported
/// as an error and exit status 1. Where the handler cannot be installed, the
/// call runs unguarded.
pub(crate) fn guarded<T>(function: &str, call: impl FnOnce() -> T) -> T {
    let guard = Guard::install(function);
    let result = call();
    drop(guard);
    result
}

/// The handler, installed; dropping it puts back the previous handlers and stack.
struct Guard {
    /// The name the handler reads; kept alive while [`NAME`] points to it.
    name: Box<[u8]>,
    /// The alternate stack; kept alive while the kernel may run the handler on it.
    _stack: Vec<u8>,
    old_stack: libc::stack_t,
    old_actions: Vec<(c_int, libc::sigaction)>,
}

impl Guard {
    fn install(function: &str) -> Option<Guard> {
        let name: Box<[u8]> = function.as_bytes().into();
        let mut stack = vec![0u8; ALT_STACK_BYTES];
        let new_stack = libc::stack_t {
            ss_sp: stack.as_mut_ptr().cast(),
            ss_flags: 0,
            ss_size: stack.len(),
        };
        // SAFETY: all-zero bytes are a valid stack_t, which sigaltstack overwrites.
        let mut old_stack: libc::stack_t = unsafe { std::mem::zeroed() };
        // SAFETY: both pointers are to valid stack_t values; the new stack's
        // memory lives in the returned guard, which puts the old one back first.
        if unsafe { libc::sigaltstack(&new_stack, &mut old_stack) } != 0 {
            return None;
        }
        let mut guard = Guard {
            name,
            _stack: stack,
            old_stack,
            old_actions: Vec::with_capacity(SIGNALS.len()),
        };
        // Set before any handler is installed; cleared once they are gone.
        NAME_LEN.store(guard.name.len(), Ordering::SeqCst);
        NAME.store(guard.name.as_ptr().cast_mut(), Ordering::SeqCst);
        STACK_LIMIT.store(stack_limit().unwrap_or(0), Ordering::SeqCst);
        let action = crash_action();
        for (signal, _) in SIGNALS {
            // SAFETY: all-zero bytes are a valid sigaction, which sigaction overwrites.
            let mut old: libc::sigaction = unsafe { std::mem::zeroed() };
            // SAFETY: `action` is a valid sigaction whose handler only does
            // async-signal-safe things; `old` receives the previous one.
            if unsafe { libc::sigaction(signal, &action, &mut old) } == 0 {
                guard.old_actions.push((signal, old));
            }
        }
        Some(guard)
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        for (signal, old) in &self.old_actions {
            // SAFETY: `old` is the action sigaction gave back for this signal.
            unsafe { libc::sigaction(*signal, old, std::ptr::null_mut()) };
        }
        // SAFETY: `old_stack` is what sigaltstack gave back; the handler no
        // longer runs, so nothing is on the stack being replaced.
        unsafe { libc::sigaltstack(&self.old_stack, std::ptr::null_mut()) };
        NAME.store(std::ptr::null_mut(), Ordering::SeqCst);
        NAME_LEN.store(0, Ordering::SeqCst);
    }
}

/// `on_crash` with its siginfo, on the alternate stack, every signal unmasked
/// but its own.
fn crash_action() -> libc::sigaction {
    // SAFETY: all-zero bytes are a valid sigaction (no handler, no flags).
    let mut action: libc::sigaction = unsafe { std::mem::zeroed() };
    action.sa_sigaction =
        on_crash as extern "C" fn(c_int, *mut libc::siginfo_t, *mut c_void) as libc::sighandler_t;
    action.sa_flags = libc::SA_SIGINFO | libc::SA_ONSTACK;
    // SAFETY: sa_mask is a sigset_t owned by `action`.
    unsafe { libc::sigemptyset(&mut action.sa_mask) };
    action
}

/// The lowest address this thread's stack may reach, from glibc.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn stack_limit() -> Option<usize> {
    // SAFETY: all-zero bytes are a valid pthread_attr_t to be filled in.
    let mut attr: libc::pthread_attr_t = unsafe { std::mem::zeroed() };
    // SAFETY: `attr` is valid to write; it is destroyed below once read.
    if unsafe { libc::pthread_getattr_np(libc::pthread_self(), &mut attr) } != 0 {
        return None;
    }
    let mut low: *mut c_void = std::ptr::null_mut();
    let mut size = 0usize;
    // SAFETY: `attr` was initialised by pthread_getattr_np; the out-pointers are valid.
    let ok = unsafe { libc::pthread_attr_getstack(&attr, &mut low, &mut size) } == 0;
    // SAFETY: `attr` was initialised by pthread_getattr_np and is not used again.
    unsafe { libc::pthread_attr_destroy(&mut attr) };
    ok.then_some(low as usize)
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn stack_limit() -> Option<usize> {
    None
}

/// The handler: says which signal, where, and exits with status 1.
extern "C" fn on_crash(signal: c_int, info: *mut libc::siginfo_t, _context: *mut c_void) {
    let mut message = Message::default();
    message.push(b"error: '");
    let name = NAME.load(Ordering::SeqCst);
    if !name.is_null() {
        // SAFETY: NAME points to NAME_LEN bytes the live guard owns.
        message.push(unsafe { std::slice::from_raw_parts(name, NAME_LEN.load(Ordering::SeqCst)) });
    }
    message.push(b"' crashed: ");
    let signal_name = SIGNALS
        .iter()
        .find(|(s, _)| *s == signal)
        .map_or("a signal", |(_, n)| n);
    message.push(signal_name.as_bytes());
    // SAFETY: the kernel passes a valid siginfo_t to an SA_SIGINFO handler.
    let address = (!info.is_null()).then(|| unsafe { (*info).si_addr() } as usize);
    match (signal, address) {
        (libc::SIGSEGV | libc::SIGBUS, Some(address)) => {
            message.push(b" (address ");
            message.push_hex(address);
            if is_stack_overflow(address) {
                message.push(b": a stack overflow");
            }
            message.push(b")");
        }
        (libc::SIGFPE | libc::SIGILL, Some(address)) => {
            message.push(b" (at instruction ");
            message.push_hex(address);
            message.push(b")");
        }
        _ => {}
    }
    message.end_line();
    // SAFETY: write and _exit are async-signal-safe; the buffer is ours.
    unsafe {
        libc::write(2, message.bytes.as_ptr().cast(), message.len);
        libc::_exit(1);
    }
}

/// Whether a fault at `address` is in the guard gap just below the stack's
/// limit (Linux keeps 1 MiB free there), or in the stack's last page.
fn is_stack_overflow(address: usize) -> bool {
    const GUARD_GAP: usize = 1 << 20;
    const PAGE: usize = 4096;
    let limit = STACK_LIMIT.load(Ordering::SeqCst);
    limit != 0 && address >= limit.saturating_sub(GUARD_GAP) && address < limit + PAGE
}

/// A line built without allocating, as a signal handler must.
struct Message {
    bytes: [u8; 512],
    len: usize,
}

impl Default for Message {
    fn default() -> Message {
        Message {
            bytes: [0; 512],
            len: 0,
        }
    }
}

impl Message {
    /// Appends what fits, keeping room for the closing newline.
    fn push(&mut self, text: &[u8]) {
        let room = self.bytes.len() - 1 - self.len;
        let n = text.len().min(room);
        self.bytes[self.len..self.len + n].copy_from_slice(&text[..n]);
        self.len += n;
    }

    /// Ends the line, in the byte [`Message::push`] kept free.
    fn end_line(&mut self) {
        self.bytes[self.len] = b'\n';
        self.len += 1;
    }

    fn push_hex(&mut self, value: usize) {
        let mut digits = [0u8; 2 + 2 * std::mem::size_of::<usize>()];
        let mut at = digits.len();
        let mut rest = value;
        loop {
            at -= 1;
            digits[at] = b"0123456789abcdef"[rest % 16];
            rest /= 16;
            if rest == 0 {
                break;
            }
        }
        at -= 2;
        digits[at..at + 2].copy_from_slice(b"0x");
        self.push(&digits[at..]);
    }
}

#[cfg(test)]
mod tests {
    use super::Message;

    #[test]
    fn the_message_is_formatted_without_allocating_and_cut_to_fit() {
        let mut m = Message::default();
        m.push(b"at ");
        m.push_hex(0);
        m.push(b" ");
        m.push_hex(usize::MAX);
        m.end_line();
        assert_eq!(&m.bytes[..m.len], b"at 0x0 0xffffffffffffffff\n");
        let mut long = Message::default();
        long.push(&[b'x'; 600]);
        long.end_line();
        assert_eq!(long.len, 512);
        assert_eq!(long.bytes[511], b'\n');
    }
}
