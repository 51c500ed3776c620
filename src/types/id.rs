//! Typed ids into a [`TypeSet`](super::TypeSet)'s arenas.
//!
//! C types are cyclic through pointers (`struct node { struct node *next; }`), so the
//! type system is an arena indexed by small `Copy` ids rather than a graph of `Rc`s.
//! An id is only meaningful for the set (or builder) that made it.

use serde::{Deserialize, Serialize};

macro_rules! id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub struct $name(pub(crate) u32);

        impl $name {
            /// The index into its arena.
            pub fn index(self) -> usize {
                self.0 as usize
            }

            pub(crate) fn from_index(index: usize) -> $name {
                // Arenas are bounded far below u32::MAX entries by the inputs we read
                // (a header with four billion types would not fit in memory first).
                $name(u32::try_from(index).expect("arena index exceeds u32"))
            }
        }
    };
}

id!(
    /// A type: scalar, pointer, array, record, enum, typedef or function type.
    TypeId
);
id!(
    /// A struct or union, complete or not.
    RecordId
);
id!(
    /// An enum.
    EnumId
);
id!(
    /// A typedef.
    TypedefId
);
id!(
    /// A declared function.
    FunctionId
);
