//! [`Value`]: a C value on the Rust side, checked when it goes into C memory.

use std::ffi::CString;
use std::fmt;

use super::data::CData;
use crate::types::{FloatKind, IntKind, LongDouble};

/// A dynamic C value: an argument, a result, a field read or written.
///
/// Values are converted into C types with checks, never truncated: `300` into
/// `unsigned char`, a string into an `int` or `Null` into a struct are errors
/// that name the place. Integers are exact for every C integer type.
///
/// ```
/// use wyvern::Value;
/// let args = [Value::from(2.0), Value::from(10), Value::from("text"), Value::Null];
/// assert_eq!(args[1], Value::Int(10));
/// assert_eq!(Value::from(1024.0).to_string(), "1024");
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Value {
    /// The result of a `void` function, and what a callback of a `void`
    /// function type returns (`()` converts to it).
    Void,
    /// `_Bool`
    Bool(bool),
    /// An integer, for any integer, enum, `char` or `_Bool` destination that can
    /// hold it. Floating destinations take it when it converts exactly.
    Int(i128),
    /// An `unsigned __int128` above `i128::MAX`.
    U128(u128),
    /// An integer of a stated C type: what variadic arguments need (`5UL`).
    IntOf(IntKind, i128),
    /// A floating value, for `float`, `double` and `long double` (which holds
    /// it exactly).
    Float(f64),
    /// A floating value of a stated C type (variadic `float` or `long double`).
    FloatOf(FloatKind, f64),
    /// A `long double` at its full x87 precision: what reading a `long double`
    /// gives. It goes into `long double` exactly, into `double` and `float`
    /// rounded to nearest as C converts (an error when it is beyond their
    /// range), and travels as `long double` when variadic.
    LongDouble(LongDouble),
    /// An address, for any pointer destination.
    Pointer(usize),
    /// `NULL`, for any pointer destination.
    Null,
    /// A C string (NUL-terminated) for `char *` and `void *`, or copied into a
    /// `char` array.
    Str(CString),
    /// A byte buffer for `void *` and `char *`, or copied into a byte array. C may
    /// write into it; read it back from the argument list after the call.
    Bytes(Vec<u8>),
    /// An enumerator or constant by name (`RED`, `O_RDONLY`, `M_PI`), resolved
    /// against the destination's enum first, then every constant of the set.
    /// A pointer constant (`SIG_IGN`, `MAP_FAILED`) goes into a pointer whose
    /// type C converts it to; a declared function's name (`g_str_hash`), as a
    /// call's argument, into a pointer to a compatible function type (see
    /// [`Module::function_value`](crate::Module::function_value)).
    Ident(String),
    /// A struct, union or array (or any object) by value.
    Data(CData),
    /// The address of an owned object: an out-parameter. C writes into it; read
    /// it back from the argument list after the call.
    Ref(CData),
}

impl Value {
    /// The bytes of the NUL-terminated string this value points to, as a
    /// function returns one (`char *`, `const char *`): up to `max_len` bytes
    /// when given, `None` for `NULL`. A [`Value::Str`] or [`Value::Bytes`]
    /// gives its own bytes, up to its first NUL.
    ///
    /// ```
    /// # fn main() -> wyvern::Result<()> {
    /// let text = std::ffi::CString::new("hello").unwrap();
    /// let result = wyvern::Value::Pointer(text.as_ptr() as usize);
    /// // SAFETY: the address is a live NUL-terminated string.
    /// assert_eq!(unsafe { result.c_string(None)? }, Some(b"hello".to_vec()));
    /// assert_eq!(unsafe { result.c_string(Some(4))? }, Some(b"hell".to_vec()));
    /// assert_eq!(unsafe { wyvern::Value::Null.c_string(None)? }, None);
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`ValueProblem::NotAPointer`](crate::ValueProblem::NotAPointer) for a
    /// value that is no address.
    ///
    /// # Safety
    /// A [`Value::Pointer`] must point to bytes readable up to a NUL, or to
    /// `max_len`.
    pub unsafe fn c_string(&self, max_len: Option<usize>) -> crate::Result<Option<Vec<u8>>> {
        let own = |bytes: &[u8]| {
            let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
            Some(bytes[..end.min(max_len.unwrap_or(usize::MAX))].to_vec())
        };
        match self {
            Value::Null => Ok(None),
            // SAFETY: the caller's promise.
            Value::Pointer(a) => Ok(unsafe { super::ptr::read_string(*a, max_len) }),
            Value::Str(s) => Ok(own(s.as_bytes())),
            Value::Bytes(b) => Ok(own(b)),
            other => Err(crate::error::ErrorKind::Value {
                place: "Value::c_string".into(),
                problem: crate::ValueProblem::NotAPointer {
                    ty: other.to_string(),
                    object: false,
                },
            }
            .into()),
        }
    }

    /// The object of a `Data` or `Ref` value.
    pub fn as_data(&self) -> Option<&CData> {
        match self {
            Value::Data(d) | Value::Ref(d) => Some(d),
            _ => None,
        }
    }

    /// The integer of an `Int`, `IntOf`, `Bool` or `U128` value that fits `i128`.
    pub fn as_int(&self) -> Option<i128> {
        match self {
            Value::Int(v) | Value::IntOf(_, v) => Some(*v),
            Value::Bool(b) => Some(i128::from(*b)),
            Value::U128(v) => i128::try_from(*v).ok(),
            _ => None,
        }
    }

    /// The number of a `Float` or `FloatOf` value, or of a `LongDouble`
    /// rounded to the nearest `f64`.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Float(v) | Value::FloatOf(_, v) => Some(*v),
            Value::LongDouble(v) => Some(v.to_f64()),
            _ => None,
        }
    }

    /// The number of a `LongDouble`, `Float` or `FloatOf` value, exactly.
    pub fn as_long_double(&self) -> Option<LongDouble> {
        match self {
            Value::Float(v) | Value::FloatOf(_, v) => Some(LongDouble::from(*v)),
            Value::LongDouble(v) => Some(*v),
            _ => None,
        }
    }

    /// The address of a `Pointer` or `Null` value.
    pub fn as_address(&self) -> Option<usize> {
        match self {
            Value::Pointer(a) => Some(*a),
            Value::Null => Some(0),
            _ => None,
        }
    }

    /// What kind of value this is, for messages that refuse a pointer into
    /// memory it owns.
    pub(crate) fn describe_owning(&self) -> String {
        match self {
            Value::Data(d) => format!(
                "a '{}' object with pointers into strings or objects it keeps alive",
                d.type_name()
            ),
            other => other.describe(),
        }
    }

    /// What kind of value this is, for error messages.
    pub(crate) fn describe(&self) -> String {
        match self {
            Value::Void => "void".into(),
            Value::Bool(b) => format!("the boolean {b}"),
            Value::Int(v) | Value::IntOf(_, v) => format!("the integer {v}"),
            Value::U128(v) => format!("the integer {v}"),
            Value::Float(v) | Value::FloatOf(_, v) => format!("the floating value {}", Fmt(*v)),
            Value::LongDouble(v) => format!("the floating value {v}"),
            Value::Pointer(a) => format!("the address {a:#x}"),
            Value::Null => "NULL".into(),
            Value::Str(_) => "a string".into(),
            Value::Bytes(b) => format!("a buffer of {} bytes", b.len()),
            Value::Ident(name) => format!("'{name}'"),
            Value::Data(d) => format!("a '{}' object", d.type_name()),
            Value::Ref(d) => format!("the address of a '{}' object", d.type_name()),
        }
    }
}

/// Prints `f64`s the shortest way that reads back the same (`1024`, `2.5`, `1e-300`).
pub(crate) struct Fmt(pub(crate) f64);

impl fmt::Display for Fmt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let v = self.0;
        if v.is_nan() {
            f.write_str("nan")
        } else if v.is_infinite() {
            f.write_str(if v > 0.0 { "inf" } else { "-inf" })
        } else if v != 0.0 && (v.abs() >= 1e16 || v.abs() < 1e-5) {
            write!(f, "{v:e}")
        } else {
            write!(f, "{v}")
        }
    }
}

/// C syntax: integers in decimal, floats the shortest way that reads back (a
/// `long double` with 21 significant digits, as `printf("%.21Lg")`), strings
/// quoted, objects as designated initializers (`{.tv_sec = 1, .tv_nsec = 5}`)
/// — text that `wyvern call` reads back. A plain `char` array that holds text
/// up to a NUL is the string literal that recreates it: `"ok"` when only NULs
/// follow, `"ok\000x"` when other bytes do (kept through the last that is not
/// zero); one without a NUL, or with control bytes or bytes that are not UTF-8
/// before it, is a list of numbers. As in cffi, `signed char` and
/// `unsigned char` arrays are numbers (`uint8_t`, `uuid_t`).
impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Void => f.write_str("void"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Int(v) | Value::IntOf(_, v) => write!(f, "{v}"),
            Value::U128(v) => write!(f, "{v}"),
            Value::Float(v) | Value::FloatOf(_, v) => write!(f, "{}", Fmt(*v)),
            Value::LongDouble(v) => write!(f, "{v}"),
            Value::Pointer(0) | Value::Null => f.write_str("NULL"),
            Value::Pointer(a) => write!(f, "{a:#x}"),
            Value::Str(s) => write_c_string(f, s.as_bytes()),
            Value::Bytes(b) => write_c_string(f, b),
            Value::Ident(name) => f.write_str(name),
            Value::Data(d) => write!(f, "{d}"),
            Value::Ref(d) => write!(f, "&{d}"),
        }
    }
}

/// Writes bytes as a C string literal.
pub(crate) fn write_c_string(f: &mut impl fmt::Write, bytes: &[u8]) -> fmt::Result {
    f.write_char('"')?;
    for &b in bytes {
        match b {
            b'"' => f.write_str("\\\"")?,
            b'\\' => f.write_str("\\\\")?,
            b'\n' => f.write_str("\\n")?,
            b'\t' => f.write_str("\\t")?,
            b'\r' => f.write_str("\\r")?,
            0x20..=0x7e => f.write_char(b as char)?,
            _ => write!(f, "\\{b:03o}")?,
        }
    }
    f.write_char('"')
}

macro_rules! from_int {
    ($($t:ty),*) => {$(
        impl From<$t> for Value {
            fn from(v: $t) -> Value {
                Value::Int(i128::from(v))
            }
        }
    )*};
}
from_int!(i8, i16, i32, i64, u8, u16, u32, u64, i128);

impl From<isize> for Value {
    fn from(v: isize) -> Value {
        Value::Int(v as i128)
    }
}

impl From<usize> for Value {
    fn from(v: usize) -> Value {
        Value::Int(v as i128)
    }
}

/// `()` is `void`: what a closure for a `void` callback returns.
///
/// ```
/// # fn main() -> wyvern::Result<()> {
/// let types = wyvern::cdef("typedef void (*notify)(int);")?;
/// let seen = std::sync::atomic::AtomicI32::new(0);
/// let notify = wyvern::Callback::with_type_name(&types, "notify", |args: &[wyvern::Value]| {
///     seen.store(args[0].as_int().unwrap_or(-1) as i32, std::sync::atomic::Ordering::Relaxed);
/// })?;
/// // SAFETY: the callback's code is a `void (*)(int)`.
/// let f: unsafe extern "C" fn(i32) = unsafe { std::mem::transmute(notify.address()) };
/// unsafe { f(7) };
/// assert_eq!(seen.load(std::sync::atomic::Ordering::Relaxed), 7);
/// assert_eq!(wyvern::Value::from(()), wyvern::Value::Void);
/// # Ok(()) }
/// ```
impl From<()> for Value {
    fn from((): ()) -> Value {
        Value::Void
    }
}

impl From<bool> for Value {
    fn from(v: bool) -> Value {
        Value::Bool(v)
    }
}

impl From<f64> for Value {
    fn from(v: f64) -> Value {
        Value::Float(v)
    }
}

impl From<LongDouble> for Value {
    fn from(v: LongDouble) -> Value {
        Value::LongDouble(v)
    }
}

impl From<f32> for Value {
    fn from(v: f32) -> Value {
        Value::Float(f64::from(v))
    }
}

/// A string becomes a C string; one with an interior NUL keeps its bytes as a
/// buffer (C sees it cut at the first NUL).
impl From<&str> for Value {
    fn from(v: &str) -> Value {
        match CString::new(v) {
            Ok(s) => Value::Str(s),
            Err(e) => Value::Bytes(e.into_vec()),
        }
    }
}

impl From<String> for Value {
    fn from(v: String) -> Value {
        Value::from(v.as_str())
    }
}

impl From<CString> for Value {
    fn from(v: CString) -> Value {
        Value::Str(v)
    }
}

impl From<Vec<u8>> for Value {
    fn from(v: Vec<u8>) -> Value {
        Value::Bytes(v)
    }
}

impl From<CData> for Value {
    fn from(v: CData) -> Value {
        Value::Data(v)
    }
}

impl<T> From<*const T> for Value {
    fn from(v: *const T) -> Value {
        if v.is_null() {
            Value::Null
        } else {
            Value::Pointer(v as usize)
        }
    }
}

impl<T> From<*mut T> for Value {
    fn from(v: *mut T) -> Value {
        Value::from(v.cast_const())
    }
}
