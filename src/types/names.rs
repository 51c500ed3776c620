//! The index by name (and by shape) of everything in a set, built once when
//! the set is made.

use rustc_hash::FxHashMap;

use super::data::TypeSetData;
use super::id::TypeId;
use super::ty::Type;

/// Positions in one of a set's arenas, found by a key the arena itself holds
/// (a name, a type's shape): the keys are not copied, so indexing a loaded
/// database allocates one table per arena rather than one string per name.
#[derive(Debug, Default)]
pub(super) struct PositionIndex(hashbrown::HashTable<u32>);

impl PositionIndex {
    fn hash<K: std::hash::Hash + ?Sized>(key: &K) -> u64 {
        use std::hash::BuildHasher;
        rustc_hash::FxBuildHasher.hash_one(key)
    }

    /// Indexes `keys` in order; the first of equal keys is the one found.
    fn build<'k, K: std::hash::Hash + Eq + ?Sized + 'k>(
        keys: impl Iterator<Item = &'k K>,
    ) -> PositionIndex {
        let all: Vec<&K> = keys.collect();
        let mut table = hashbrown::HashTable::with_capacity(all.len());
        for (i, key) in all.iter().enumerate() {
            let hash = Self::hash(*key);
            if table
                .find(hash, |&j: &u32| all[j as usize] == *key)
                .is_none()
            {
                table.insert_unique(hash, i as u32, |&j| Self::hash(all[j as usize]));
            }
        }
        PositionIndex(table)
    }

    /// The position of `key`, given how to read the key at a position.
    pub(super) fn get<'k, K: std::hash::Hash + Eq + ?Sized + 'k>(
        &self,
        key: &K,
        key_at: impl Fn(usize) -> Option<&'k K>,
    ) -> Option<usize> {
        self.0
            .find(Self::hash(key), |&i| key_at(i as usize) == Some(key))
            .map(|&i| i as usize)
    }
}

/// The index by name of everything in a set.
#[derive(Debug, Default)]
pub(super) struct Names {
    /// `"struct stat"`, `"union sigval"`, `"enum E"` → type.
    pub(super) tags: FxHashMap<String, TypeId>,
    pub(super) typedefs: FxHashMap<String, TypeId>,
    /// Positions in `data.functions`, `globals`, `constants`, `skipped_macros`.
    pub(super) functions: PositionIndex,
    pub(super) globals: PositionIndex,
    pub(super) constants: PositionIndex,
    pub(super) skipped: PositionIndex,
    /// Positions in `data.function_macros`.
    pub(super) function_macros: PositionIndex,
    /// Builtin scalar spellings (`"unsigned long"`) → type, for the ones the set has.
    pub(super) scalars: FxHashMap<&'static str, TypeId>,
    /// Structural types by shape (positions in `data.types`), to find derived
    /// types (`struct stat *`) that exist.
    pub(super) interned: PositionIndex,
    /// The first typedef naming each anonymous record or enum.
    pub(super) anonymous_names: FxHashMap<TypeId, String>,
}

/// `keyword tag` (`struct stat`, `enum E`): a tag as the index and users name
/// it. Made without `format!`, which took several times as long for the
/// thousands of names of a real object.
pub(crate) fn tag_name(keyword: &str, tag: &str) -> String {
    let mut name = String::with_capacity(keyword.len() + 1 + tag.len());
    name.push_str(keyword);
    name.push(' ');
    name.push_str(tag);
    name
}

pub(super) fn index(data: &TypeSetData) -> Names {
    let mut names = Names::default();
    // Sized up front: a database load builds this index at once, and rehashing
    // as the maps grow was a good part of that.
    names.tags.reserve(data.records.len() + data.enums.len());
    names.typedefs.reserve(data.typedefs.len());
    for (i, node) in data.types.iter().enumerate() {
        let id = TypeId::from_index(i);
        match &node.ty {
            Type::Record(r) => {
                if let Some(record) = data.records.get(r.index()) {
                    if let Some(tag) = &record.tag {
                        let key = tag_name(record.kind.keyword(), tag);
                        // A complete definition wins over an earlier forward declaration.
                        let replace = match names.tags.get(&key) {
                            None => true,
                            Some(&old) => data.layout_of(old).is_none() && record.def.is_some(),
                        };
                        if replace {
                            names.tags.insert(key, id);
                        }
                    }
                }
            }
            Type::Enum(e) => {
                if let Some(tag) = data.enums.get(e.index()).and_then(|e| e.tag.as_ref()) {
                    names.tags.entry(tag_name("enum", tag)).or_insert(id);
                }
            }
            Type::Typedef(t) => {
                if let Some(td) = data.typedefs.get(t.index()) {
                    names.typedefs.entry(td.name.clone()).or_insert(id);
                    let target = td.target.id;
                    let anonymous = match data.ty(target) {
                        Some(Type::Record(r)) => {
                            data.records.get(r.index()).is_some_and(|r| r.tag.is_none())
                        }
                        Some(Type::Enum(e)) => {
                            data.enums.get(e.index()).is_some_and(|e| e.tag.is_none())
                        }
                        _ => false,
                    };
                    if anonymous {
                        names
                            .anonymous_names
                            .entry(target)
                            .or_insert_with(|| td.name.clone());
                    }
                }
            }
            Type::Void => {
                names.scalars.insert("void", id);
            }
            Type::Bool => {
                names.scalars.insert("_Bool", id);
            }
            Type::Int(k) => {
                names.scalars.insert(k.spelling(), id);
            }
            Type::Float(k) => {
                names.scalars.insert(k.spelling(), id);
            }
            _ => {}
        }
    }
    names.functions = PositionIndex::build(data.functions.iter().map(|f| f.name.as_str()));
    names.globals = PositionIndex::build(data.globals.iter().map(|g| g.name.as_str()));
    names.constants = PositionIndex::build(data.constants.iter().map(|c| c.name.as_str()));
    names.skipped = PositionIndex::build(data.skipped_macros.iter().map(|(n, _)| n.as_str()));
    names.function_macros =
        PositionIndex::build(data.function_macros.iter().map(|m| m.name.as_str()));
    // Scalars are found by spelling; the rest by shape.
    names.interned = PositionIndex::build(data.types.iter().map(|node| &node.ty));
    names
}
