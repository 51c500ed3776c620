//! The types a set adds after it is frozen: see [`Derived`].

use std::sync::Mutex;

use rustc_hash::FxHashMap;

use super::data::TypeNode;
use super::id::TypeId;
use super::ty::{Layout, Type};

/// Pointer, array and function types a lookup needed that the declarations
/// never used (`char [64]`, `struct stat *`), added on first use. Their ids
/// follow the frozen arena's; existing ids never change, so the set still reads
/// as immutable.
///
/// # Why an overlay, not the arena itself
/// Every other type is interned by [`TypeBuilder`](super::TypeBuilder) (merge
/// included) into `TypeSetData::types`, a plain `Vec`: what a database stores
/// and validates, what `PartialEq` and `Clone` compare and copy, and what every
/// reader indexes without a lock. Deriving happens later, through `&TypeSet`
/// ([`type_named`](super::TypeSet::type_named) is a lookup), on a set shared by `Arc`
/// between threads. Appending to that `Vec` would need `&mut` (so a lock or a
/// copy-on-write around every read of every set) or an arena that can grow
/// under `&` everywhere (changing what a database holds). So the one place a
/// set grows is here, and it guarantees:
///
/// - one id per distinct type: a type is looked up in the frozen arena's index
///   first, then here, and added with `index` locked, so two threads deriving
///   the same type get the same id;
/// - ids and references stay valid: `boxcar::Vec` is append-only and never
///   moves its elements, so a `&Type` handed out stays valid while more are
///   added, and an id, once handed out, always names the same type;
/// - one id space: ids go on from the frozen arena's, [`TypeSet::ty`](super::TypeSet::ty),
///   [`layout`](super::TypeSet::layout) and [`has_type`](super::TypeSet::has_type) answer for
///   both alike, and a merge appends these nodes after the arena so their ids
///   keep naming them in the result;
/// - `TypeSet` stays `Send + Sync` (`boxcar::Vec` and `Mutex` are) and cheap to
///   clone (this lives behind the same `Arc`); a database saves the frozen
///   arena only (derived ids are not part of what it promises).
#[derive(Debug, Default)]
pub(super) struct Derived {
    /// Append-only, so `&Type`s handed out stay valid while more are added.
    nodes: boxcar::Vec<TypeNode>,
    index: Mutex<FxHashMap<Type, TypeId>>,
}

impl Derived {
    /// The `at`th type added.
    pub(super) fn node(&self, at: usize) -> Option<&TypeNode> {
        self.nodes.get(at)
    }

    /// How many have been added.
    pub(super) fn count(&self) -> usize {
        self.nodes.count()
    }

    /// Every type added so far, in id order.
    pub(super) fn nodes(&self) -> Vec<TypeNode> {
        // Nodes are pushed with the index locked, so with it locked every id
        // handed out so far has its node.
        let index = self.lock();
        (0..index.len())
            .filter_map(|at| self.nodes.get(at).cloned())
            .collect()
    }

    /// The id of `ty`, adding it with `layout` if it is new; ids go on from
    /// `first`, the frozen arena's length.
    pub(super) fn intern(&self, ty: Type, layout: Option<Layout>, first: usize) -> TypeId {
        let mut index = self.lock();
        if let Some(&id) = index.get(&ty) {
            return id;
        }
        let at = self.nodes.push(TypeNode {
            ty: ty.clone(),
            layout,
        });
        let id = TypeId::from_index(first + at);
        index.insert(ty, id);
        id
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, FxHashMap<Type, TypeId>> {
        // Taken over when poisoned: the map and the nodes are only appended
        // to, so a panic elsewhere leaves nothing half-changed.
        self.index
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
