//! [`ValueProblem`]: what is wrong with a value that cannot be converted, stored
//! or read, the typed half of [`ErrorKind::Value`](super::ErrorKind::Value).

use std::fmt;

use super::Error;

/// The values a C integer type (or a bitfield) holds: `min..=max`.
///
/// `min` is at least `i128::MIN` and `max` at most `u128::MAX`, so every C
/// integer type up to 128 bits has its exact range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct IntRange {
    /// The smallest value (`0` for an unsigned type).
    pub min: i128,
    /// The largest value.
    pub max: u128,
}

impl IntRange {
    /// The range of an integer of `bits` bits (1 to 128), signed or not.
    pub(crate) fn of(bits: u32, signed: bool) -> IntRange {
        let bits = bits.clamp(1, 128);
        if signed {
            let max = u128::MAX >> (129 - bits);
            IntRange {
                min: -(max as i128) - 1,
                max,
            }
        } else {
            IntRange {
                min: 0,
                max: u128::MAX >> (128 - bits),
            }
        }
    }
}

impl fmt::Display for IntRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}..={}", self.min, self.max)
    }
}

/// What is wrong with a value (see [`ErrorKind::Value`](super::ErrorKind::Value),
/// which says where it was going). Values and types are kept as their C text
/// (`the integer 300`, `'unsigned char'`); numbers as numbers.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ValueProblem {
    /// An integer outside the range of its destination (an integer, an enum, a
    /// bitfield).
    #[error("{value} does not fit in {}'{ty}' ({range})", .bits.map(|w| format!("a {w}-bit field of ")).unwrap_or_default())]
    DoesNotFit {
        /// The integer, in decimal (`300`).
        value: String,
        /// The destination's C type (the bitfield's declared type).
        ty: String,
        /// The bitfield's width, when the destination is one.
        bits: Option<u32>,
        /// What the destination holds.
        range: IntRange,
    },
    /// A variadic integer argument beyond `unsigned long`'s range: no type to
    /// pass it as (give it one: `Value::IntOf`).
    #[error("{value} does not fit any variadic integer type")]
    NoVariadicType {
        /// The integer.
        value: i128,
    },
    /// A floating value beyond the largest finite value of its destination.
    #[error("{value} is out of range of '{ty}'")]
    OutOfRange {
        /// The value, as given (`1e300`).
        value: String,
        /// The floating type (`float`).
        ty: String,
    },
    /// A string or byte buffer longer than the `char` array it is copied into.
    #[error("{bytes} bytes do not fit in '{ty}'")]
    TooLong {
        /// How many bytes it needs (a string's terminating NUL counted).
        bytes: usize,
        /// The array's C type.
        ty: String,
    },
    /// A value of a kind its destination cannot hold (a string for an `int`,
    /// `NULL` for a struct, an object of another type).
    #[error("{value} cannot be stored in '{ty}'")]
    WrongKind {
        /// The value (`a string`, `a 'struct point' object`).
        value: String,
        /// The destination's C type.
        ty: String,
    },
    /// A floating value for an integer destination: C would truncate it,
    /// wyvern does not.
    #[error("{value} cannot be stored in the integer type '{ty}'")]
    NotAnInteger {
        /// The value (`the floating value 2.5`).
        value: String,
        /// The integer type.
        ty: String,
    },
    /// An argument whose parameter is passed by value from an object of its own
    /// type (a large struct), given as something else.
    #[error("{value} cannot be passed as '{ty}'")]
    CannotPass {
        /// The value (`the integer 1`, `a 'struct other' object`).
        value: String,
        /// The parameter's C type.
        ty: String,
    },
    /// The object given to [`Function::call_into`](crate::Function::call_into)
    /// for the result is not of the function's result type.
    #[error("{value} cannot hold it: the function returns '{ty}'")]
    ResultObject {
        /// The object (`a 'struct other' object`).
        value: String,
        /// The function's result type.
        ty: String,
    },
    /// An object, buffer or string passed for a parameter declared as an array
    /// (`uuid_t out`, `int a[4]`) that holds less than the array: the function
    /// may read or write all of it.
    #[error("{value} has {bytes} bytes; the parameter is declared as '{declared}' ({declared_bytes} bytes)")]
    ShorterThanDeclared {
        /// The value (`the address of a 'unsigned char [2]' object`).
        value: String,
        /// Its size in bytes.
        bytes: u64,
        /// The array type the parameter is declared as (`uuid_t`).
        declared: String,
        /// That array's size in bytes.
        declared_bytes: u64,
    },
    /// A value for a `_Bool` that is not `true`, `false`, `0` or `1`.
    #[error("{value} is not a boolean (true, false, 0 or 1)")]
    NotABoolean {
        /// The value (`the integer 2`).
        value: String,
    },
    /// A pointer value (a string, a buffer, an object's address) that cannot
    /// point to the destination's pointee type.
    #[error("{value} cannot point to '{pointee}'{}", .hint.map(|h| format!(" ({h})")).unwrap_or_default())]
    CannotPoint {
        /// The value (`a string`, `a byte buffer`, `the address of a 'long' object`).
        value: String,
        /// The pointee type of the destination.
        pointee: String,
        /// What to give instead, when there is something to say.
        hint: Option<&'static str>,
    },
    /// A pointer constant or a function, given by name, of a pointer type C
    /// does not convert to the destination's (`SIG_IGN` for a `char *`,
    /// `strlen` for an `int (*)(void)`).
    #[error("{value} is a '{from}', which C does not convert to '{to}'")]
    IncompatiblePointer {
        /// The value (`'SIG_IGN'`, `the function 'strlen'`).
        value: String,
        /// Its type (`__sighandler_t`, `size_t (const char *)`).
        from: String,
        /// The destination's type.
        to: String,
    },
    /// Something that is not a pointer where one is needed: a path to a
    /// member that is not a pointer, or an object given for a pointer.
    #[error("{}", if *.object { format!("a '{ty}' object is not a pointer; pass Value::Ref to pass its address") } else { format!("'{ty}' is not a pointer") })]
    NotAPointer {
        /// The C type that is not a pointer.
        ty: String,
        /// Whether it is an object given as a value (else the type of a place).
        object: bool,
    },
    /// A NULL pointer where an object or a function is needed.
    #[error("it is NULL")]
    Null,
    /// A name in the value (an enumerator, a constant), or a type its
    /// conversion needs, that the declarations do not give; the lookup's error.
    #[error("{0}")]
    Lookup(Box<Error>),
    /// A C type the conversion needs that the declarations do not have (`int`,
    /// for a variadic argument).
    #[error("the declarations have no '{name}' type")]
    MissingType {
        /// The type's C name.
        name: &'static str,
    },
    /// `Value::Void` given as an argument.
    #[error("void is not a value")]
    Void,
    /// A value returned by a callback whose C type returns `void`.
    #[error("{value} returned where C returns void (return () or Value::Void)")]
    NotVoid {
        /// The value (`the integer 42`).
        value: String,
    },
    /// A pointer into memory the value owns, stored where it outlives the value.
    #[error("{}", if *.callback { format!("{value} would dangle once the callback returns, freed with its result; return addresses you keep alive (Value::Pointer)") } else { format!("{value} would leave the variable pointing into memory freed with the value; store an address you keep alive (Value::Pointer)") })]
    Dangles {
        /// The value (`a string`, `a 'struct s' object with pointers into …`).
        value: String,
        /// Whether it is a callback's result (else a global variable's value).
        callback: bool,
    },
    /// An access through a [`CPtr`](crate::CPtr) outside the memory it may
    /// reach: its owner's buffer, or what its maker vouched for.
    #[error("bytes {start}..{end} from the pointer are outside the memory it may reach ({}..{})", -(*.before as i128), .after)]
    OutsideMemory {
        /// The access's first byte, from the pointer's address.
        start: i128,
        /// Its end.
        end: i128,
        /// How many bytes before the pointer it may reach.
        before: u64,
        /// How many bytes from the pointer on it may reach.
        after: u64,
    },
    /// A text read from what is not an array of `char`, `signed char` or
    /// `unsigned char`.
    #[error("'{ty}' is not an array of characters")]
    NotText {
        /// Its C type.
        ty: String,
    },
    /// An [`Accessor`](crate::Accessor) used through a pointer of another type.
    #[error("the accessor of '{path}' is for '{expected}', not '{found}'")]
    AccessorType {
        /// The accessor's path.
        path: String,
        /// The pointer type it was made for.
        expected: String,
        /// The pointer type it was used with.
        found: String,
    },
    /// A write through a [`CPtr`](crate::CPtr) made to read only.
    #[error("the pointer reads only (CData::ptr); write through CData::ptr_mut")]
    ReadOnly,
    /// A string, buffer or object stored as a pointer into C memory that would
    /// not keep it alive.
    #[error("{value} would leave C memory pointing into memory freed with the value; store an address you keep alive (Value::Pointer), or store it into the CData itself (CData::set keeps it)")]
    Unkept {
        /// The value (`a string`, `a 'struct s' object with pointers into …`).
        value: String,
    },
    /// An index into an array past its end.
    #[error("index {index} is out of bounds of '{ty}' (0..{len})")]
    IndexOutOfBounds {
        /// The index asked for.
        index: u64,
        /// The array's length.
        len: u64,
        /// The array's C type.
        ty: String,
    },
    /// An index in a path into something that is not an array.
    #[error("'{ty}' is not an array")]
    NotAnArray {
        /// The C type indexed.
        ty: String,
    },
    /// A path's index that is not a number.
    #[error("'{text}' is not an index")]
    NotAnIndex {
        /// The index as written.
        text: String,
    },
    /// A path that cannot be followed (`'[' without ']'`, `a member name is
    /// missing`, `a bitfield has no members`, `the array has no length`).
    #[error("{reason}")]
    BadPath {
        /// What is wrong with it.
        reason: &'static str,
    },
}

impl From<Error> for ValueProblem {
    fn from(e: Error) -> ValueProblem {
        ValueProblem::Lookup(Box::new(e))
    }
}
