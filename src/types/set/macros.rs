//! Functions by name through the macros that stand for them
//! ([`FunctionMacro`]): `#define EVP_MD_size EVP_MD_get_size` leads to the
//! function, a function-like macro to an error saying what it expands to.

use super::TypeSet;
use crate::error::{closest, Error, ErrorKind, Result};
use crate::types::{FunctionDecl, FunctionMacro};

impl TypeSet {
    /// [`function`](Self::function), `depth` macros deep.
    pub(super) fn function_through_macros(&self, name: &str, depth: u32) -> Result<&FunctionDecl> {
        let data = &self.inner.data;
        let functions = |i: usize| data.functions.get(i).map(|f| f.name.as_str());
        let globals = |i: usize| data.globals.get(i).map(|g| g.name.as_str());
        match self.inner.names.functions.get(name, functions) {
            Some(i) => Ok(&data.functions[i]),
            None if depth < crate::limits::MAX_MACRO_EXPANSION_DEPTH
                && self.function_macro(name).is_some() =>
            {
                self.through_macro(name, depth)
            }
            None if self.inner.names.globals.get(name, globals).is_some() => {
                Err(ErrorKind::WrongKind {
                    name: name.to_string(),
                    expected: "a function",
                    found: Some("a global variable".into()),
                }
                .into())
            }
            None if self.why_skipped(name).is_some() => Err(ErrorKind::LeftOut {
                name: name.to_string(),
                reason: self.why_skipped(name).unwrap_or_default().to_string(),
            }
            .into()),
            None => Err(Error::not_found(
                "function",
                name,
                closest(name, data.functions.iter().map(|f| f.name.as_str())),
            )),
        }
    }

    /// The macro `name` when it is one a program may name as a function
    /// ([`FunctionMacro`](FunctionMacro)).
    pub fn function_macro(&self, name: &str) -> Option<&FunctionMacro> {
        let data = &self.inner.data;
        let macros = |i: usize| data.function_macros.get(i).map(|m| m.name.as_str());
        let i = self.inner.names.function_macros.get(name, macros)?;
        data.function_macros.get(i)
    }

    /// Every macro a program may name as a function, in definition order.
    pub fn function_macros(&self) -> impl Iterator<Item = &FunctionMacro> {
        self.inner.data.function_macros.iter()
    }

    /// The function macro `name` (one of [`function_macros`](Self::function_macros))
    /// stands for, or why it stands for none.
    fn through_macro(&self, name: &str, depth: u32) -> Result<&FunctionDecl> {
        let Some(m) = self.function_macro(name) else {
            return Err(Error::not_found("function", name, None));
        };
        if let Some(target) = m.alias() {
            return match self.function_through_macros(target, depth + 1) {
                // Named as the user asked, with what the macro stands for.
                Err(e) if matches!(e.kind(), ErrorKind::NotFound { .. }) => {
                    Err(ErrorKind::WrongKind {
                        name: name.to_owned(),
                        expected: "a function",
                        found: Some(format!("a macro for '{target}', which is not a function")),
                    }
                    .into())
                }
                other => other,
            };
        }
        // The declared function the expansion calls first (`deflateInit_(`).
        let data = &self.inner.data;
        let functions = |i: usize| data.functions.get(i).map(|f| f.name.as_str());
        let calls = crate::types::cexpr::lex::tokens(m.body.as_bytes())
            .windows(2)
            .find(|w| {
                w[1].text == "("
                    && self
                        .inner
                        .names
                        .functions
                        .get(&*w[0].text, functions)
                        .is_some()
            })
            .map(|w| w[0].text.to_string());
        Err(ErrorKind::FunctionLikeMacro {
            name: name.to_owned(),
            usage: m.usage(),
            expansion: m.body.clone(),
            location: m.location.clone(),
            calls,
        }
        .into())
    }
}
