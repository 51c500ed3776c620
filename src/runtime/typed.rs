//! The typed fast path: a Rust function pointer type checked once against the
//! header, then called directly, with no wyvern code in between.

use std::ffi::c_void;

use super::call::Function;
use rustc_hash::FxHashSet;

use crate::error::{ErrorKind, Param, Result};
use crate::types::equiv::{members, MAX_DEPTH};
use crate::types::{
    CallConv, FloatKind, IntKind, QualType, RecordId, RecordKind, Type, TypeId, TypeSet,
};

/// The C shape of a Rust type, for checking it against a header's type.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum RustType {
    /// `()`, `c_void`.
    Void,
    /// `bool`.
    Bool,
    /// A Rust integer.
    Int {
        /// `size_of`.
        size: usize,
        /// Whether it is signed.
        signed: bool,
        /// Its Rust name.
        name: &'static str,
    },
    /// `f32` or `f64`.
    Float {
        /// `size_of`.
        size: usize,
        /// Its Rust name.
        name: &'static str,
    },
    /// `*const T` or `*mut T`; the pointee is described lazily, so
    /// self-referential structs stay finite.
    Pointer {
        /// The pointee's shape.
        pointee: fn() -> RustType,
    },
    /// `[T; N]`.
    Array {
        /// The element's shape.
        elem: Box<RustType>,
        /// `N`.
        len: usize,
    },
    /// A `#[repr(C)]` struct (see [`c_struct!`](crate::c_struct)).
    Record {
        /// Its Rust name.
        name: &'static str,
        /// `size_of`.
        size: usize,
        /// `align_of`.
        align: usize,
        /// Each field: name, byte offset, shape.
        fields: Vec<(&'static str, usize, RustType)>,
    },
}

impl RustType {
    fn name(&self) -> String {
        match self {
            RustType::Void => "()".into(),
            RustType::Bool => "bool".into(),
            RustType::Int { name, .. } | RustType::Float { name, .. } => (*name).into(),
            RustType::Pointer { pointee } => format!("*{}", pointee().name()),
            RustType::Array { elem, len } => format!("[{}; {len}]", elem.name()),
            RustType::Record { name, .. } => (*name).into(),
        }
    }
}

/// A Rust type with a C counterpart.
///
/// # Safety
/// `describe` must tell the truth about the type's size, alignment, signedness
/// and (for structs) `#[repr(C)]` field offsets: calls are made on its word.
/// [`c_struct!`](crate::c_struct) implements it correctly for structs.
pub unsafe trait CType {
    /// The type's C shape.
    fn describe() -> RustType;
}

macro_rules! int_ctype {
    ($($t:ty),*) => {$(
        // SAFETY: a primitive integer: its size and signedness are as described.
        unsafe impl CType for $t {
            fn describe() -> RustType {
                RustType::Int {
                    size: std::mem::size_of::<$t>(),
                    signed: <$t>::MIN != 0,
                    name: stringify!($t),
                }
            }
        }
    )*};
}
int_ctype!(i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, u128, usize);

// SAFETY: f32 is IEEE binary32, C's float on every supported target.
unsafe impl CType for f32 {
    fn describe() -> RustType {
        RustType::Float {
            size: 4,
            name: "f32",
        }
    }
}

// SAFETY: f64 is IEEE binary64, C's double on every supported target.
unsafe impl CType for f64 {
    fn describe() -> RustType {
        RustType::Float {
            size: 8,
            name: "f64",
        }
    }
}

// SAFETY: Rust's bool has C's _Bool representation.
unsafe impl CType for bool {
    fn describe() -> RustType {
        RustType::Bool
    }
}

// SAFETY: `()` as a result is C's void.
unsafe impl CType for () {
    fn describe() -> RustType {
        RustType::Void
    }
}

// SAFETY: only ever behind a pointer.
unsafe impl CType for c_void {
    fn describe() -> RustType {
        RustType::Void
    }
}

// SAFETY: a thin raw pointer is a C pointer.
unsafe impl<T: CType> CType for *const T {
    fn describe() -> RustType {
        RustType::Pointer {
            pointee: T::describe,
        }
    }
}

// SAFETY: a thin raw pointer is a C pointer.
unsafe impl<T: CType> CType for *mut T {
    fn describe() -> RustType {
        RustType::Pointer {
            pointee: T::describe,
        }
    }
}

// SAFETY: Rust arrays are laid out as C arrays.
unsafe impl<T: CType, const N: usize> CType for [T; N] {
    fn describe() -> RustType {
        RustType::Array {
            elem: Box::new(T::describe()),
            len: N,
        }
    }
}

/// An `unsafe extern "C" fn(..) -> R` type whose parameters and result are
/// [`CType`]s (up to 12 parameters).
///
/// # Safety
/// Implemented only for function pointer types, so that an address can become
/// one; `params` and `ret` must describe it truly.
pub unsafe trait FnType: Copy {
    /// The parameters' shapes.
    fn params() -> Vec<RustType>;
    /// The result's shape.
    fn ret() -> RustType;
    /// The function pointer at `address`.
    ///
    /// # Safety
    /// `address` must be the code of a function of this type.
    unsafe fn from_address(address: *const c_void) -> Self;
    /// The function's address.
    fn address(self) -> *const c_void;
}

macro_rules! fn_type {
    ($($arg:ident),*) => {
        // SAFETY: a function pointer type, described parameter by parameter.
        unsafe impl<R: CType $(, $arg: CType)*> FnType for unsafe extern "C" fn($($arg),*) -> R {
            fn params() -> Vec<RustType> {
                vec![$($arg::describe()),*]
            }
            fn ret() -> RustType {
                R::describe()
            }
            unsafe fn from_address(address: *const c_void) -> Self {
                // SAFETY: function pointers and data pointers have the same size
                // on every supported target; the caller vouches for the code.
                unsafe { std::mem::transmute_copy::<*const c_void, Self>(&address) }
            }
            fn address(self) -> *const c_void {
                self as *const c_void
            }
        }
    };
}
fn_type!();
fn_type!(A1);
fn_type!(A1, A2);
fn_type!(A1, A2, A3);
fn_type!(A1, A2, A3, A4);
fn_type!(A1, A2, A3, A4, A5);
fn_type!(A1, A2, A3, A4, A5, A6);
fn_type!(A1, A2, A3, A4, A5, A6, A7);
fn_type!(A1, A2, A3, A4, A5, A6, A7, A8);
fn_type!(A1, A2, A3, A4, A5, A6, A7, A8, A9);
fn_type!(A1, A2, A3, A4, A5, A6, A7, A8, A9, A10);
fn_type!(A1, A2, A3, A4, A5, A6, A7, A8, A9, A10, A11);
fn_type!(A1, A2, A3, A4, A5, A6, A7, A8, A9, A10, A11, A12);

/// Declares a `#[repr(C)]` struct and implements [`CType`] for it, so it can
/// appear in [`Function::typed`] signatures; its size, alignment and every
/// field's name, offset and type are checked against the header's struct.
///
/// ```
/// wyvern::c_struct! {
///     /// A point, as `struct P { double x, y; }` declares it.
///     #[derive(Debug, Clone, Copy)]
///     pub struct P { pub x: f64, pub y: f64 }
/// }
/// let p = P { x: 1.0, y: 2.0 };
/// assert_eq!(p.y, 2.0);
/// ```
#[macro_export]
macro_rules! c_struct {
    ($(#[$meta:meta])* $vis:vis struct $name:ident { $($fvis:vis $field:ident : $fty:ty),* $(,)? }) => {
        $(#[$meta])*
        #[repr(C)]
        $vis struct $name { $($fvis $field: $fty),* }

        // SAFETY: `#[repr(C)]`, with sizes and offsets taken from the compiler.
        unsafe impl $crate::CType for $name {
            fn describe() -> $crate::RustType {
                $crate::RustType::Record {
                    name: stringify!($name),
                    size: ::core::mem::size_of::<$name>(),
                    align: ::core::mem::align_of::<$name>(),
                    fields: vec![$((
                        stringify!($field),
                        ::core::mem::offset_of!($name, $field),
                        <$fty as $crate::CType>::describe(),
                    )),*],
                }
            }
        }
    };
}

impl Function {
    /// The function as a plain Rust function pointer, after checking `F` against
    /// the header once: parameter count, integer sizes and signedness, floats,
    /// pointers (and what they point to), and `#[repr(C)]` structs field by field
    /// ([`c_struct!`](crate::c_struct)). Calls through it cost what a direct call costs.
    ///
    /// The pointer is valid while the library is loaded: keep this `Function`
    /// (or its [`Module`](crate::Module)) alive while you use it.
    ///
    /// ```no_run
    /// # fn main() -> wyvern::Result<()> {
    /// let types = wyvern::Parser::new().header("<math.h>").parse()?;
    /// // SAFETY: libm's initialisers are sound to run.
    /// let module = wyvern::Module::new(types, unsafe { wyvern::Library::open("libm.so.6")? });
    /// let pow = module.function("pow")?;
    /// let raw = pow.typed::<unsafe extern "C" fn(f64, f64) -> f64>()?;
    /// // SAFETY: pow has no preconditions.
    /// assert_eq!(unsafe { raw(2.0, 10.0) }, 1024.0);
    /// assert!(pow.typed::<unsafe extern "C" fn(f32, f64) -> f64>().is_err());
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`ErrorKind::TypeMismatch`] naming the parameter (or the result) that
    /// differs and how.
    pub fn typed<F: FnType>(&self) -> Result<F> {
        check_signature(
            self.types(),
            self.signature(),
            Against::Function(&self.prototype(), self.param_names()),
            &F::params(),
            &F::ret(),
        )?;
        // SAFETY: the address is this function's code, and its type was checked.
        Ok(unsafe { F::from_address(self.address()) })
    }
}

/// What a Rust function type is checked against, as messages name it.
pub(crate) enum Against<'s> {
    /// A declared function: its prototype and parameter names.
    Function(&'s str, &'s [Option<String>]),
    /// A callback's function pointer type, spelled, and the function parameter
    /// it is made for, if it is.
    Callback(&'s str, Option<&'s Param>),
}

/// Checks a Rust function type (its parameters and result) against C signature `sig`.
pub(crate) fn check_signature(
    set: &TypeSet,
    sig: &crate::types::FnSig,
    against: Against<'_>,
    params: &[RustType],
    ret: &RustType,
) -> Result<()> {
    let (prototype, param_names, callback) = match against {
        Against::Function(prototype, names) => (prototype, names, None),
        Against::Callback(ty, param) => (ty, &[][..], param),
    };
    let mismatch = |message: String| -> crate::Error {
        ErrorKind::TypeMismatch {
            prototype: prototype.to_owned(),
            callback: callback.cloned(),
            message,
        }
        .into()
    };
    if sig.variadic {
        return Err(mismatch(match against {
            Against::Function(..) => {
                "the function is variadic; call it through Function::call".into()
            }
            Against::Callback(..) => {
                "a callback cannot be variadic: its variadic arguments would have no types".into()
            }
        }));
    }
    if !matches!(sig.conv, CallConv::C | CallConv::SysV) {
        return Err(mismatch(format!(
            "its calling convention is {}, not extern \"C\"",
            sig.conv.name()
        )));
    }
    if params.len() != sig.params.len() {
        return Err(mismatch(format!(
            "the Rust type has {} parameters; the header has {}",
            params.len(),
            sig.params.len()
        )));
    }
    for (i, (rust, c)) in params.iter().zip(&sig.params).enumerate() {
        if let Err(why) = check(set, c.id, rust) {
            let name = param_names
                .get(i)
                .and_then(Option::as_deref)
                .map(|n| format!(" ('{n}')"))
                .unwrap_or_default();
            return Err(mismatch(format!("parameter {}{name}: {why}", i + 1)));
        }
    }
    check(set, sig.ret.id, ret).map_err(|why| mismatch(format!("the result: {why}")))
}

/// Compares Rust descriptions with a set's C types, under the policies of
/// [`crate::types::equiv`]: past [`MAX_DEPTH`] levels it refuses (it does not
/// guess), a record pair already being compared is assumed to agree (so
/// self-referential structs end), and unnamed bitfields are padding.
struct Typed<'s> {
    set: &'s TypeSet,
    /// C record types and Rust struct names being compared.
    assumed: FxHashSet<(TypeId, &'static str)>,
}

/// Why a Rust type cannot stand for a C type.
pub(crate) type Why = std::result::Result<(), String>;

/// Whether Rust type `rust` can stand for C type `ty`; why not otherwise.
pub(crate) fn check(set: &TypeSet, ty: TypeId, rust: &RustType) -> Why {
    Typed {
        set,
        assumed: FxHashSet::default(),
    }
    .check(ty, rust, 0)
}

impl Typed<'_> {
    fn c_name(&self, ty: TypeId) -> String {
        self.set.spell(QualType::new(ty))
    }

    fn check(&mut self, ty: TypeId, rust: &RustType, depth: u32) -> Why {
        if depth > MAX_DEPTH {
            return Err(format!(
                "cannot be compared: {}",
                crate::limits::types_too_deep()
            ));
        }
        let set = self.set;
        let differ = || format!("Rust {} is not C '{}'", rust.name(), self.c_name(ty));
        let canonical = set.canonical(ty);
        let c_size = set.layout(canonical).map(|l| l.size as usize);
        match (set.ty(canonical), rust) {
            (Type::Void, RustType::Void) => Ok(()),
            (Type::Bool, RustType::Bool) => Ok(()),
            (Type::Int(IntKind::Char { .. }), RustType::Int { size: 1, .. }) => Ok(()),
            (Type::Int(_) | Type::Enum(_), RustType::Int { size, signed, name }) => {
                self.int(ty, canonical, *size, *signed, name)
            }
            (Type::Float(FloatKind::Float | FloatKind::Double), RustType::Float { size, .. })
                if c_size == Some(*size) =>
            {
                Ok(())
            }
            (Type::Pointer(pointee), RustType::Pointer { pointee: rust }) => {
                self.pointer(pointee.id, &rust(), depth)
            }
            (
                Type::Array {
                    elem,
                    len: Some(len),
                },
                RustType::Array {
                    elem: rust_elem,
                    len: rust_len,
                },
            ) => {
                if *len != *rust_len as u64 {
                    return Err(format!(
                        "Rust has {rust_len} elements; C '{}' has {len}",
                        self.c_name(ty)
                    ));
                }
                self.check(elem.id, rust_elem, depth + 1)
            }
            (Type::Record(r), RustType::Record { name, .. }) => {
                let key = (canonical, *name);
                if !self.assumed.insert(key) {
                    return Ok(());
                }
                let found = self.record(ty, *r, rust, depth);
                self.assumed.remove(&key);
                found
            }
            _ => Err(differ()),
        }
    }

    fn int(&self, ty: TypeId, canonical: TypeId, size: usize, signed: bool, name: &str) -> Why {
        let differ = || format!("Rust {name} is not C '{}'", self.c_name(ty));
        let (c_size, c_signed) = super::mem::int_shape(self.set, canonical).ok_or_else(differ)?;
        if c_size != size {
            Err(format!(
                "Rust {name} has {size} bytes; C '{}' has {c_size}",
                self.c_name(ty)
            ))
        } else if c_signed != signed {
            Err(format!(
                "Rust {name} is {}; C '{}' is {}",
                if signed { "signed" } else { "unsigned" },
                self.c_name(ty),
                if c_signed { "signed" } else { "unsigned" }
            ))
        } else {
            Ok(())
        }
    }

    /// A pointer: to `void` (on either side) or to a function, any pointer
    /// will do; else the pointees must agree.
    fn pointer(&mut self, pointee: TypeId, rust: &RustType, depth: u32) -> Why {
        let c_pointee = self.set.canonical(pointee);
        if matches!(rust, RustType::Void)
            || matches!(self.set.ty(c_pointee), Type::Void | Type::Function(_))
        {
            return Ok(());
        }
        self.check(pointee, rust, depth + 1)
            .map_err(|why| format!("pointee: {why}"))
    }

    fn record(&mut self, ty: TypeId, r: RecordId, rust: &RustType, depth: u32) -> Why {
        let RustType::Record {
            name,
            size,
            align,
            fields,
        } = rust
        else {
            return Err(format!(
                "Rust {} is not C '{}'",
                rust.name(),
                self.c_name(ty)
            ));
        };
        let record = self.set.record(r);
        let Some(def) = &record.def else {
            return Err(format!("C '{}' is incomplete", self.c_name(ty)));
        };
        if record.kind == RecordKind::Union {
            return Err(format!(
                "C '{}' is a union; unions are checked on the dynamic path only",
                self.c_name(ty)
            ));
        }
        if def.layout.size as usize != *size || def.layout.align as usize != *align {
            return Err(format!(
                "Rust {name} is {size} bytes aligned to {align}; C '{}' is {} aligned to {}",
                self.c_name(ty),
                def.layout.size,
                def.layout.align
            ));
        }
        let members: Vec<_> = members(def).collect();
        let named = members.iter().filter(|f| f.name.is_some()).count();
        if named != fields.len() || named != members.len() {
            return Err(format!(
                "Rust {name} has {} fields; C '{}' has {} (anonymous members cannot be matched)",
                fields.len(),
                self.c_name(ty),
                members.len()
            ));
        }
        for (c_field, (rust_name, offset, rust_ty)) in members.iter().zip(fields) {
            let c_field_name = c_field.name.as_deref().unwrap_or_default();
            if c_field_name != *rust_name {
                return Err(format!(
                    "field '{rust_name}' of Rust {name} is '{c_field_name}' in C '{}'",
                    self.c_name(ty)
                ));
            }
            if c_field.bit_width.is_some() {
                return Err(format!("field '{rust_name}' is a bitfield in C"));
            }
            if c_field.offset_bits != *offset as u64 * 8 {
                return Err(format!(
                    "field '{rust_name}' is at byte {offset} in Rust, {} in C",
                    c_field.offset_bits / 8
                ));
            }
            self.check(c_field.ty.id, rust_ty, depth + 1)
                .map_err(|why| format!("field '{rust_name}': {why}"))?;
        }
        Ok(())
    }
}

#[cfg(all(test, feature = "clang"))]
mod tests {
    use super::*;

    /// What checking the Rust signature `F` against function `f` of `header` says.
    fn check_fn<F: FnType>(header: &str) -> Result<()> {
        let set = crate::cdef(header).unwrap();
        let f = set.function("f").unwrap();
        let sig = set.fn_sig(f.ty).unwrap().clone();
        let prototype = set.prototype(f);
        check_signature(
            &set,
            &sig,
            Against::Function(&prototype, &f.param_names),
            &F::params(),
            &F::ret(),
        )
    }

    type P<T> = *const T;

    #[test]
    fn a_difference_deeper_than_eight_levels_is_refused() {
        let header = "void f(int **********p);";
        // Ten pointers to `int`, and ten to `i64`: the difference is at the
        // eleventh level, past the eight the typed path once compared.
        type Right = P<P<P<P<P<P<P<P<P<P<i32>>>>>>>>>>;
        type Wrong = P<P<P<P<P<P<P<P<P<P<i64>>>>>>>>>>;
        check_fn::<unsafe extern "C" fn(Right)>(header).unwrap();
        let err = check_fn::<unsafe extern "C" fn(Wrong)>(header).unwrap_err();
        assert!(
            err.to_string()
                .contains("Rust i64 has 8 bytes; C 'int' has 4"),
            "{err}"
        );
    }

    crate::c_struct! {
        struct Node { next: *const Node, value: i32 }
    }

    crate::c_struct! {
        struct Padded { a: i32, b: i32 }
    }

    #[test]
    fn self_referential_structs_compare_in_finite_time() {
        let header = "struct Node { struct Node *next; int value; }; void f(struct Node *);";
        check_fn::<unsafe extern "C" fn(*const Node)>(header).unwrap();
        let other = "struct Node { struct Node *next; long value; }; void f(struct Node *);";
        let err = check_fn::<unsafe extern "C" fn(*const Node)>(other).unwrap_err();
        assert!(err.to_string().contains("field 'value'"), "{err}");
    }

    #[test]
    fn unnamed_bitfields_are_padding() {
        let header = "struct Padded { int a; int : 0; int b; }; void f(struct Padded *);";
        check_fn::<unsafe extern "C" fn(*const Padded)>(header).unwrap();
    }
}
