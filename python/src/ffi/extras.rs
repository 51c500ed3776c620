//! `FFI`'s methods none of its peers has: declarations from DWARF and
//! databases, databases written, layouts, the check of declarations against
//! a binary, and cffi's `list_types`.

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyString;

use crate::error::to_py;

use super::text::serde_json_text;
use super::Ffi;

#[pymethods]
impl Ffi {
    /// Declarations from the DWARF of a compiled object (no header, no libclang).
    fn dwarf(&self, py: Python<'_>, path: &str) -> PyResult<()> {
        let set = py
            .detach(|| wyvern::frontend::dwarf::read(path))
            .map_err(to_py)?;
        self.merge(py, set, false)
    }

    /// Declarations from a `.wydb` database (no libclang).
    fn load(&self, py: Python<'_>, path: &str) -> PyResult<()> {
        let _adding = self.adding(py);
        let set = py.detach(|| wyvern::db::load_path(path)).map_err(to_py)?;
        self.merge(py, set, false)
    }

    /// Writes the declarations as a `.wydb` database.
    fn save(&self, path: &str) -> PyResult<()> {
        let types = self.types();
        let inputs = wyvern::frontend::Inputs::default();
        wyvern::db::Database::new(types.set.clone(), &inputs)
            .save(path)
            .map_err(to_py)
    }

    /// A record's layout: pahole's text (`format="text"`) or a dict (`"dict"`).
    #[pyo3(signature = (name, format = "text"))]
    fn layout(&self, py: Python<'_>, name: &str, format: &str) -> PyResult<Py<PyAny>> {
        let types = self.types();
        let qt = types.set.type_named(name).map_err(to_py)?;
        let layout = types.set.record_layout(qt.id, name).map_err(to_py)?;
        match format {
            "text" => Ok(PyString::new(py, &layout.to_text()).into_any().unbind()),
            "dict" => {
                let json = serde_json_text(&layout)?;
                Ok(py.import("json")?.call_method1("loads", (json,))?.unbind())
            }
            other => Err(PyValueError::new_err(format!(
                "format is 'text' or 'dict', not '{other}'"
            ))),
        }
    }

    /// The declarations checked against a binary's DWARF: one line per difference.
    fn check(&self, py: Python<'_>, dwarf: &str) -> PyResult<Vec<String>> {
        let types = self.types();
        let binary = py
            .detach(|| wyvern::frontend::dwarf::read(dwarf))
            .map_err(to_py)?;
        let report = wyvern::check::compare(&types.set, &binary);
        Ok(report
            .to_string()
            .lines()
            .map(str::to_owned)
            .filter(|l| !l.trim().is_empty())
            .collect())
    }

    /// The names declared: `(typedefs, structs, unions)`, as cffi's `list_types`.
    fn list_types(&self) -> (Vec<String>, Vec<String>, Vec<String>) {
        let types = self.types();
        let set = &types.set;
        let mut typedefs: Vec<String> = set.typedefs().map(|t| t.name.clone()).collect();
        let (mut structs, mut unions) = (Vec::new(), Vec::new());
        for (_, r) in set.records() {
            if let Some(tag) = &r.tag {
                match r.kind {
                    wyvern::types::RecordKind::Struct => structs.push(tag.clone()),
                    wyvern::types::RecordKind::Union => unions.push(tag.clone()),
                }
            }
        }
        for v in [&mut typedefs, &mut structs, &mut unions] {
            v.sort();
            v.dedup();
        }
        (typedefs, structs, unions)
    }
}
