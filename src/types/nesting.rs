//! How deeply a set's types nest, and whether they contain themselves: the one
//! check behind database validation and merging (the front ends keep their
//! sets within it as they build them, see `TypeBuilder`).
//!
//! Two graphs: what a type holds by value (typedef targets, array and vector
//! elements, record fields, enum underlying types: what layouts recurse
//! through), and what it is derived from (everything but record fields: what
//! printing and `canonical` recurse through). A C type only refers back to
//! itself through a record's fields, so the first must be acyclic and the second
//! too; both must nest at most [`MAX_DEPTH`] deep.

use super::ty::Type;
use super::TypeId;
use super::TypeSetData;

/// The limit, [`crate::limits::MAX_TYPE_DEPTH`].
const MAX_DEPTH: u32 = crate::limits::MAX_TYPE_DEPTH;

/// Refuses a type that contains itself (other than through a pointer to a
/// struct or union) and nesting deeper than [`MAX_DEPTH`], saying which type.
pub(crate) fn check_nesting(data: &TypeSetData) -> Result<(), String> {
    acyclic(data, Edges::Value)?;
    acyclic(data, Edges::Derived)
}

/// The two graphs that must be acyclic.
#[derive(Clone, Copy, PartialEq)]
enum Edges {
    /// What a type holds by value: typedef targets, array and vector elements,
    /// record fields, enum underlying types. What layouts recurse through.
    Value,
    /// Everything but record fields: pointees, elements, function parameters and
    /// results, typedef targets, enum underlying types. What printing and
    /// `canonical` recurse through. A C type can only refer back to itself
    /// through a record's fields (a tag can be used before its definition).
    Derived,
}

/// The types `ty` refers to along `edges`.
fn children(d: &TypeSetData, ty: &Type, edges: Edges, out: &mut Vec<TypeId>) {
    match ty {
        Type::Typedef(t) => out.extend(d.typedefs.get(t.index()).map(|t| t.target.id)),
        Type::Enum(e) => out.extend(d.enums.get(e.index()).map(|e| e.underlying)),
        Type::Array { elem, .. } => out.push(elem.id),
        Type::Vector { elem, .. } => out.push(*elem),
        Type::Record(r) if edges == Edges::Value => {
            if let Some(def) = d.records.get(r.index()).and_then(|r| r.def.as_ref()) {
                out.extend(def.fields.iter().map(|f| f.ty.id));
            }
        }
        Type::Pointer(q) if edges == Edges::Derived => out.push(q.id),
        Type::Function(sig) if edges == Edges::Derived => {
            out.push(sig.ret.id);
            out.extend(sig.params.iter().map(|p| p.id));
        }
        _ => {}
    }
}

/// Refuses a cycle along `edges`, and nesting deeper than [`MAX_DEPTH`].
/// Iterative, so a hostile body cannot overflow the stack here either; the
/// children of the nodes on the path share one list, so it allocates little.
fn acyclic(data: &TypeSetData, edges: Edges) -> Result<(), String> {
    const UNSEEN: u32 = 0;
    const ON_PATH: u32 = u32::MAX;
    // depth[i]: UNSEEN, ON_PATH, or 1 + the depth of its deepest child.
    let n = data.types.len();
    let mut depth = vec![UNSEEN; n];
    // The children of every node on the path, one range per node.
    let mut kids: Vec<TypeId> = Vec::new();
    // (type, where its children start in `kids`, the next child to visit)
    let mut stack: Vec<(usize, usize, usize)> = Vec::new();
    for root in 0..n {
        if depth[root] != UNSEEN {
            continue;
        }
        depth[root] = ON_PATH;
        children(data, &data.types[root].ty, edges, &mut kids);
        stack.push((root, 0, 0));
        while let Some(&mut (node, start, ref mut next)) = stack.last_mut() {
            // The top node's children are the last range of the list.
            let end = kids.len();
            let Some(&child) = kids[start..end].get(*next) else {
                let deepest = kids[start..end]
                    .iter()
                    .map(|k| depth[k.index()])
                    .max()
                    .unwrap_or(0);
                depth[node] = deepest + 1;
                kids.truncate(start);
                stack.pop();
                if depth[node] > MAX_DEPTH {
                    return Err(format!("type {node} is nested more than {MAX_DEPTH} deep"));
                }
                continue;
            };
            *next += 1;
            match depth[child.index()] {
                ON_PATH => {
                    return Err(format!(
                        "type {} contains itself {}",
                        child.index(),
                        match edges {
                            Edges::Value => "by value",
                            Edges::Derived => "not through a struct or union",
                        }
                    ))
                }
                UNSEEN => {
                    if stack.len() as u32 > MAX_DEPTH {
                        return Err(format!(
                            "type {} is nested more than {MAX_DEPTH} deep",
                            child.index()
                        ));
                    }
                    depth[child.index()] = ON_PATH;
                    let start = kids.len();
                    children(data, &data.types[child.index()].ty, edges, &mut kids);
                    stack.push((child.index(), start, 0));
                }
                _ => {}
            }
        }
    }
    Ok(())
}
