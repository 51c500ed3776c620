//! [`Param`]: a function's parameter as errors about callbacks name it.

use std::fmt;

/// A function's parameter, as errors about callbacks name it: by the 0-based
/// index [`Callback::for_param`](crate::Callback::for_param) takes, by its name
/// where the declaration gives one, and by its C type.
///
/// ```
/// # fn main() -> wyvern::Result<()> {
/// use wyvern::{Callback, ErrorKind, Library, Module, Value};
/// let types = wyvern::cdef(
///     "typedef void (*done_fn)(int status); void run(const char *job, done_fn done) \
///      __asm__(\"abort\");")?;
/// let module = Module::new(types, Library::this_process());
/// let run = module.function("run")?;
/// let e = Callback::for_param(&run, 0, |_: &[Value]| ()).unwrap_err();
/// let ErrorKind::NotCallback { param, suggestion: Some(nearest) } = e.kind() else {
///     panic!("{e}")
/// };
/// assert_eq!((param.name.as_deref(), param.ty.as_str()), (Some("job"), "const char *"));
/// assert_eq!((nearest.index, nearest.name.as_deref()), (1, Some("done")));
/// assert_eq!(param.to_string(), "parameter 'job' (index 0) of 'run'");
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Param {
    /// The function's name (`qsort`).
    pub function: String,
    /// The parameter's index, from 0.
    pub index: usize,
    /// Its name in the declaration (`__compar`), when it has one.
    pub name: Option<String>,
    /// Its C type (`__compar_fn_t`).
    pub ty: String,
}

impl Param {
    /// `index 3 ('__compar', a '__compar_fn_t')`: the parameter as a suggestion
    /// for the function already named.
    pub(crate) fn suggest(&self) -> String {
        match &self.name {
            Some(name) => format!("index {} ('{name}', a '{}')", self.index, self.ty),
            None => format!("index {} (a '{}')", self.index, self.ty),
        }
    }
}

/// `parameter '__compar' (index 3) of 'qsort'`, or `the parameter at index 3
/// of 'qsort'` when it is unnamed.
impl fmt::Display for Param {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.name {
            Some(name) => write!(
                f,
                "parameter '{name}' (index {}) of '{}'",
                self.index, self.function
            ),
            None => write!(
                f,
                "the parameter at index {} of '{}'",
                self.index, self.function
            ),
        }
    }
}

/// `; did you mean index 3 ('__compar', a '__compar_fn_t')?`, or what to say
/// when the function takes no function pointer at all.
pub(crate) fn did_you_mean(suggestion: &Option<Param>) -> String {
    match suggestion {
        Some(p) => format!("; did you mean {}?", p.suggest()),
        None => "; it takes no function pointer".to_owned(),
    }
}
