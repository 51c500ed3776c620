//! [`Inputs`]: what a type set was read from. It lives with the types, not with
//! a front end, so that [`db`](crate::db) can hash it without depending on one;
//! its public path is [`frontend::Inputs`](crate::frontend::Inputs).

/// Everything a front end read to make a type set: what decides whether a
/// precompiled database of it is still up to date.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Inputs {
    /// The reader and its version (`"Debian clang version 14.0.6"`), when it matters.
    pub reader: String,
    /// The settings that shape the result (compiler arguments: `-I`, `-D`, `--target`).
    pub flags: Vec<String>,
    /// Every file read, by name, with its contents as read: the main file (which
    /// holds the `#include` lines and `cdef` text), each header it included, and
    /// each header those included.
    pub files: Vec<(String, Vec<u8>)>,
}
