//! `CType` (cffi's ctype objects: `ffi.typeof`) and `CField`.

use std::sync::{Arc, LazyLock, Mutex};

use rustc_hash::FxHashMap;

use pyo3::basic::CompareOp;
use pyo3::prelude::*;

use crate::types::{Kind, TypeInfo, Types};

#[pyclass(frozen, module = "wyvern", name = "CType")]
pub struct CType {
    pub types: Arc<Types>,
    pub info: Arc<TypeInfo>,
}

impl CType {
    pub fn new(types: &Arc<Types>, info: Arc<TypeInfo>) -> CType {
        CType {
            types: types.clone(),
            info,
        }
    }

    fn sig(&self) -> Option<wyvern::types::FnSig> {
        let id = match self.info.kind {
            Kind::Function => self.info.canon,
            Kind::FuncPtr { func } => func,
            _ => return None,
        };
        self.info.set.fn_sig(id).cloned()
    }

    /// The `CType` of `info`: one object per type, as in cffi, where the
    /// types made of C's own (scalars, `void`, pointers and arrays of them)
    /// are one object in the whole process
    /// (`FFI().typeof("int") is FFI().typeof("int")`).
    pub fn get(py: Python<'_>, types: &Arc<Types>, info: Arc<TypeInfo>) -> PyResult<Py<CType>> {
        if info.builtin {
            static SCALARS: LazyLock<Mutex<FxHashMap<String, Py<CType>>>> =
                LazyLock::new(|| Mutex::new(FxHashMap::default()));
            let mut scalars = SCALARS.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(found) = scalars.get(&info.name) {
                return Ok(found.clone_ref(py));
            }
            let made = Py::new(py, CType::new(types, info.clone()))?;
            scalars.insert(info.name.clone(), made.clone_ref(py));
            return Ok(made);
        }
        let key = Arc::as_ptr(&info) as usize;
        let mut cache = types.ctypes.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(found) = cache.get(&key) {
            return Ok(found.clone_ref(py));
        }
        let made = Py::new(py, CType::new(types, info))?;
        cache.insert(key, made.clone_ref(py));
        Ok(made)
    }

    fn wrap(&self, py: Python<'_>, info: Arc<TypeInfo>) -> PyResult<Py<CType>> {
        CType::get(py, &self.types, info)
    }
}

/// A member of a struct or union, as cffi's `ctype.fields` lists it.
#[pyclass(frozen, module = "wyvern", name = "CField")]
pub struct CField {
    #[pyo3(get, name = "type")]
    ty: Py<CType>,
    #[pyo3(get)]
    offset: usize,
    #[pyo3(get)]
    bitshift: i64,
    #[pyo3(get)]
    bitsize: i64,
    #[pyo3(get)]
    flags: u32,
}

#[pymethods]
impl CType {
    fn __repr__(&self) -> String {
        format!("<ctype '{}'>", self.info.name)
    }

    #[getter]
    fn kind(&self) -> &'static str {
        self.info.kind_name()
    }

    #[getter]
    fn cname(&self) -> &str {
        &self.info.name
    }

    /// A pointer's or array's item type.
    #[getter]
    fn item(&self, py: Python<'_>) -> PyResult<Option<Py<CType>>> {
        let item = match self.info.kind {
            Kind::Pointer { pointee } => pointee,
            Kind::Array { elem, .. } => elem,
            Kind::FuncPtr { func } => wyvern::QualType::new(func),
            _ => return Ok(None),
        };
        self.wrap(py, self.types.info(item)).map(Some)
    }

    #[getter]
    fn length(&self) -> Option<u64> {
        match self.info.kind {
            Kind::Array { len, .. } => len,
            _ => None,
        }
    }

    #[getter]
    fn fields(&self, py: Python<'_>) -> PyResult<Option<Vec<(String, CField)>>> {
        if !matches!(self.info.kind, Kind::Record { .. }) {
            return Ok(None);
        }
        let mut out = Vec::new();
        let positional = crate::convert::positional_fields(&self.info);
        for f in self.info.fields() {
            // cffi's flag for a member a positional initialiser skips (one
            // sharing an anonymous union with an earlier one).
            let skipped = !positional.iter().any(|p| p.name == f.name);
            let ty = self.wrap(py, self.types.info(f.ty))?;
            let (bitshift, bitsize) = match f.bit_width {
                Some(w) => ((f.offset_bits % 8) as i64, i64::from(w)),
                None => (-1, -1),
            };
            out.push((
                f.name.clone(),
                CField {
                    ty,
                    offset: (f.offset_bits / 8) as usize,
                    bitshift,
                    bitsize,
                    flags: u32::from(skipped),
                },
            ));
        }
        Ok(Some(out))
    }

    /// A function type's parameter types, a tuple as in cffi.
    #[getter]
    fn args<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, pyo3::types::PyTuple>>> {
        let Some(sig) = self.sig() else {
            return Ok(None);
        };
        let params = sig
            .params
            .iter()
            .map(|p| self.wrap(py, self.types.info(*p)))
            .collect::<PyResult<Vec<_>>>()?;
        Ok(Some(pyo3::types::PyTuple::new(py, params)?))
    }

    #[getter]
    fn result(&self, py: Python<'_>) -> PyResult<Option<Py<CType>>> {
        self.sig()
            .map(|s| self.wrap(py, self.types.info(s.ret)))
            .transpose()
    }

    #[getter]
    fn ellipsis(&self) -> Option<bool> {
        self.sig().map(|s| s.variadic)
    }

    #[getter]
    fn abi(&self) -> Option<String> {
        self.sig().map(|s| format!("{:?}", s.conv))
    }

    /// An enum's values to names, a dict as in cffi (the first name of a value).
    #[getter]
    fn elements(&self) -> Option<std::collections::HashMap<i128, String>> {
        match self.info.kind {
            Kind::Enum { id, .. } => {
                let mut out = std::collections::HashMap::new();
                for (n, v) in &self.info.set.enum_(id).constants {
                    out.entry(*v).or_insert_with(|| n.clone());
                }
                Some(out)
            }
            _ => None,
        }
    }

    /// An enum's names to values, a dict as in cffi.
    #[getter]
    fn relements(&self) -> Option<std::collections::HashMap<String, i128>> {
        match self.info.kind {
            Kind::Enum { id, .. } => {
                Some(self.info.set.enum_(id).constants.iter().cloned().collect())
            }
            _ => None,
        }
    }

    fn __richcmp__(&self, other: &Bound<'_, PyAny>, op: CompareOp) -> PyResult<bool> {
        let Ok(other) = other.downcast::<CType>() else {
            return Ok(matches!(op, CompareOp::Ne));
        };
        let same =
            self.info.same_type(&other.get().info) && self.info.name == other.get().info.name;
        match op {
            CompareOp::Eq => Ok(same),
            CompareOp::Ne => Ok(!same),
            _ => Err(pyo3::exceptions::PyTypeError::new_err(
                "ctypes are not ordered",
            )),
        }
    }

    fn __hash__(&self) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        self.info.name.hash(&mut h);
        h.finish()
    }
}
