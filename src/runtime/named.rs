//! Names as pointer values, checked as C converts them: a pointer constant
//! (`MAP_FAILED`, `SIG_IGN`, `SQLITE_TRANSIENT`) and a declared function
//! (`g_str_hash` for a `GHashFunc` parameter), for a destination of a pointer
//! type.
//!
//! C converts a pointer without a cast when the pointed-to types are
//! compatible (the [type-equivalence engine](crate::types::equiv) under C's
//! rules, typedefs seen through, qualifiers of the pointee left out), when
//! either side points to `void` and the other to an object, and from a null
//! pointer constant to any pointer. Anything else needs a cast in C and is an
//! error here, naming both types.

use std::ffi::c_void;
use std::sync::Arc;

use super::library::Library;
use super::mem::value_error;
use crate::error::{ErrorKind, Result, ValueProblem};
use crate::types::equiv::{Equiv, Rules};
use crate::types::{ConstValue, FunctionDecl, QualType, Type, TypeId, TypeSet};

/// Whether C converts a pointer to `from` into a pointer to `to` without a cast.
fn converts(set: &TypeSet, from: QualType, to: QualType) -> bool {
    let kind = |q: QualType| set.ty(set.canonical(q.id));
    let void = |q| matches!(kind(q), Type::Void);
    let function = |q| matches!(kind(q), Type::Function(_));
    if (void(from) && !function(to)) || (void(to) && !function(from)) {
        return true;
    }
    Equiv::new(set, set, Rules::COMPATIBLE)
        .unqualified(QualType::new(from.id), QualType::new(to.id))
        .is_same()
}

/// What a pointer type `ty` points to, typedefs seen through.
fn pointee(set: &TypeSet, ty: TypeId) -> Option<QualType> {
    match set.ty(set.canonical(ty)) {
        Type::Pointer(p) => Some(*p),
        _ => None,
    }
}

/// The address pointer constant `name` gives a destination of pointer type
/// `to`; `None` when `name` is no pointer constant.
pub(crate) fn constant_address(
    set: &TypeSet,
    to: TypeId,
    name: &str,
) -> Option<std::result::Result<usize, ValueProblem>> {
    let c = set.constant(name).ok()?;
    let ConstValue::Pointer(address) = c.value else {
        return None;
    };
    let fits = usize::try_from(address).map_err(|_| ValueProblem::WrongKind {
        value: format!("'{name}' ({address:#x})"),
        ty: set.spell(QualType::new(to)),
    });
    // A null pointer constant converts to every pointer type.
    if address == 0 {
        return Some(fits);
    }
    let compatible = match (pointee(set, c.ty.id), pointee(set, to)) {
        (Some(from), Some(dest)) => converts(set, from, dest),
        _ => false,
    };
    if !compatible {
        return Some(Err(ValueProblem::IncompatiblePointer {
            value: format!("'{name}'"),
            from: set.spell(c.ty),
            to: set.spell(QualType::new(to)),
        }));
    }
    Some(fits)
}

/// `decl`, the function `name` (a declared function, or a macro standing
/// for one), checked for a destination of pointer type `to`: C converts a
/// function's name to a pointer to its type, compatible with the pointee of
/// `to`. Errors name the place with `at`.
fn checked<'s>(
    set: &TypeSet,
    to: TypeId,
    name: &str,
    decl: &'s FunctionDecl,
    at: &dyn Fn() -> String,
) -> Result<&'s FunctionDecl> {
    let compatible = pointee(set, to).is_some_and(|p| {
        matches!(set.ty(set.canonical(p.id)), Type::Function(_))
            && converts(set, QualType::new(decl.ty), p)
    });
    if !compatible {
        return Err(value_error(
            at,
            ValueProblem::IncompatiblePointer {
                value: format!("the function '{name}'"),
                from: set.spell(QualType::new(decl.ty)),
                to: set.spell(QualType::new(to)),
            },
        ));
    }
    if !decl.is_callable() {
        return Err(ErrorKind::NoSymbol {
            name: decl.name.clone(),
            inline: decl.inline,
            location: decl.location.clone(),
        }
        .into());
    }
    Ok(decl)
}

/// The address of the symbol `symbol` (of the declaration `declared`: they
/// differ for an asm label) in the first of `libraries` that defines it.
///
/// # Errors
/// [`ErrorKind::Symbol`] naming the libraries searched, with the loader's
/// message.
pub(crate) fn find_symbol(
    libraries: &[Arc<Library>],
    declared: &str,
    symbol: &str,
) -> Result<(*mut c_void, Arc<Library>)> {
    let mut messages = Vec::new();
    let mut cause = None;
    for library in libraries {
        match library.symbol(symbol) {
            Ok(address) => return Ok((address, library.clone())),
            Err(e) => match e.into_kind() {
                ErrorKind::Symbol {
                    message, source, ..
                } => {
                    messages.push(message);
                    cause = source;
                }
                other => return Err(other.into()),
            },
        }
    }
    let names: Vec<String> = libraries
        .iter()
        .map(|l| format!("'{}'", l.name()))
        .collect();
    Err(ErrorKind::Symbol {
        name: symbol.to_owned(),
        declaration: (declared != symbol).then(|| declared.to_owned()),
        library: if names.is_empty() {
            "no library".into()
        } else {
            names.join(", ")
        },
        message: messages
            .last()
            .cloned()
            .unwrap_or_else(|| "no library to search".into()),
        source: cause,
    }
    .into())
}

/// The address of `decl`, the function `name` (a declared function, or a
/// macro standing for one), for a destination of pointer type `to`, checked
/// (C's conversion, see the [module docs](self)) and resolved in `libraries`.
/// Errors name the place with `at`.
pub(crate) fn function_address(
    set: &TypeSet,
    libraries: &[Arc<Library>],
    to: TypeId,
    (name, decl): (&str, &FunctionDecl),
    at: &dyn Fn() -> String,
) -> Result<usize> {
    let decl = checked(set, to, name, decl, at)?;
    find_symbol(libraries, &decl.name, decl.symbol()).map(|(address, _)| address as usize)
}
