//! Reading everything a loaded type set holds, the way the CLI and the call
//! path do: what a damaged database must never make panic.

use wyvern::__private::{sysv, CallInterface};
use wyvern::TypeSet;
use wyvern::{Type, TypeId};

/// Every type reachable from the set's declarations, each once.
pub fn reachable_types(set: &TypeSet) -> Vec<TypeId> {
    let mut todo: Vec<TypeId> = Vec::new();
    todo.extend(set.records().map(|(id, _)| set.record_type(id)));
    for (_, record) in set.records() {
        if let Some(def) = &record.def {
            todo.extend(def.fields.iter().map(|f| f.ty.id));
        }
    }
    todo.extend(set.enums().map(|(_, e)| e.underlying));
    todo.extend(set.typedefs().map(|t| t.target.id));
    todo.extend(set.functions().map(|f| f.ty));
    todo.extend(set.globals().map(|g| g.ty.id));
    todo.extend(set.constants().map(|c| c.ty.id));
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    while let Some(id) = todo.pop() {
        if !seen.insert(id) {
            continue;
        }
        out.push(id);
        match set.ty(id) {
            Type::Pointer(q) => todo.push(q.id),
            Type::Array { elem, .. } => todo.push(elem.id),
            Type::Vector { elem, .. } => todo.push(*elem),
            Type::Function(sig) => {
                todo.push(sig.ret.id);
                todo.extend(sig.params.iter().map(|p| p.id));
            }
            _ => {}
        }
    }
    out
}

/// Spells, lays out, classifies and lowers everything in `set`; returns a count
/// of what it produced so the work cannot be optimised away.
pub fn exercise(set: &TypeSet) -> usize {
    let mut produced = 0;
    for id in reachable_types(set) {
        produced += set.spell(id.into()).len();
        produced += set.declare(id.into(), "x").len();
        let canonical = set.canonical(id);
        let _ = set.layout(id);
        let _ = set.display_name(id);
        if let Ok(layout) = set.record_layout(id, "t") {
            produced += layout.to_text().len();
            produced += serde_json::to_string(&layout).map_or(0, |s| s.len());
        }
        let _ = sysv::classify(set, id);
        if let Some(sig) = set.fn_sig(canonical) {
            produced += usize::from(CallInterface::new(set, sig, &[]).is_ok());
            produced += usize::from(CallInterface::for_closure(set, sig).is_ok());
        }
        if let Some(name) = set.display_name(id) {
            let _ = set.type_named(&name);
        }
    }
    for (id, record) in set.records() {
        if let Some(def) = &record.def {
            produced += set.flat_fields(def).len();
        }
        let _ = set.record_type(id);
    }
    for (name, ty) in set.named_records() {
        if let Ok(layout) = set.record_layout(ty, &name) {
            produced += layout.to_text().len();
        }
    }
    for f in set.functions() {
        produced += set.prototype(f).len();
        let _ = set.function(&f.name);
    }
    for t in set.typedefs() {
        produced += set.spell(t.target).len();
        let _ = set.type_named(&t.name);
    }
    for g in set.globals() {
        produced += set.declare(g.ty, &g.name).len();
        let _ = set.global(&g.name);
    }
    for c in set.constants() {
        produced += set.spell(c.ty).len();
        let _ = set.constant(&c.name);
    }
    for (name, reason) in set.skipped_declarations() {
        produced += name.len() + reason.len();
    }
    produced += wyvern::check::compare(set, set).differences.len();
    produced
}
