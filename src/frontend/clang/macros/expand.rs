//! Macro expansion: object-like and function-like macros, `#` and `##`, with a
//! hide set and a token budget.

use clang_sys::{CXToken_Identifier, CXToken_Literal, CXToken_Punctuation};

use super::super::convert::MacroDef;
use super::super::sys::Token;
use super::{Env, Skip};
use crate::types::cexpr::{Depth, EvalError};

/// An expansion, or why there is none.
type Expansion<T> = Result<T, Skip>;

impl<'a> Env<'a> {
    /// Macro expansion with a hide set (C11 6.10.3.4): a macro is not expanded inside itself.
    pub(super) fn expand(
        &self,
        tokens: &[Token<'a>],
        hide: &mut Vec<&'a str>,
        depth: u32,
    ) -> Expansion<Vec<Token<'a>>> {
        if depth > crate::limits::MAX_MACRO_EXPANSION_DEPTH {
            return Err(Skip::Eval(EvalError::TooDeep(Depth::Macros)));
        }
        // Macros that use each other twice grow exponentially; the preprocessor only
        // pays for that when a macro is used, but wyvern evaluates every one.
        let left = self.budget.get().saturating_sub(tokens.len());
        if left == 0 {
            return Err(Skip::TooLong);
        }
        self.budget.set(left);
        let mut out = Vec::with_capacity(tokens.len());
        let mut i = 0;
        while i < tokens.len() {
            let t = &tokens[i];
            i += 1;
            let def = match self.defs.get(t.text.as_ref()) {
                Some(d) if t.kind == CXToken_Identifier && !hide.contains(&t.text.as_ref()) => *d,
                _ => {
                    out.push(t.clone());
                    continue;
                }
            };
            let body = match &def.params {
                None => def.body.clone(),
                Some(params) => {
                    if tokens.get(i).map(|t| t.text.as_ref()) != Some("(") {
                        out.push(t.clone());
                        continue;
                    }
                    let (args, next) = collect_args(tokens, i)?;
                    i = next;
                    self.substitute(def, params, &args, hide, depth)?
                }
            };
            hide.push(def.name.as_str());
            let expanded = self.expand(&body, hide, depth + 1);
            hide.pop();
            out.extend(expanded?);
        }
        Ok(out)
    }

    fn substitute(
        &self,
        def: &'a MacroDef<'a>,
        params: &[String],
        args: &[Vec<Token<'a>>],
        hide: &mut Vec<&'a str>,
        depth: u32,
    ) -> Expansion<Vec<Token<'a>>> {
        let arg_of = |name: &str| -> Option<Vec<Token<'a>>> {
            if name == "__VA_ARGS__" {
                let fixed = params.iter().filter(|p| *p != "...").count();
                let mut rest = Vec::new();
                for (n, a) in args.iter().enumerate().skip(fixed) {
                    if n > fixed {
                        rest.push(punct(","));
                    }
                    rest.extend(a.iter().cloned());
                }
                return Some(rest);
            }
            let pos = params.iter().position(|p| p == name)?;
            Some(args.get(pos).cloned().unwrap_or_default())
        };
        let body = &def.body;
        let mut out: Vec<Token<'a>> = Vec::new();
        let mut i = 0;
        while i < body.len() {
            let t = &body[i];
            if t.text == "#" && i + 1 < body.len() {
                if let Some(arg) = arg_of(&body[i + 1].text) {
                    let text: Vec<&str> = arg.iter().map(|t| t.text.as_ref()).collect();
                    out.push(Token {
                        kind: CXToken_Literal,
                        text: format!(
                            "\"{}\"",
                            text.join(" ").replace('\\', "\\\\").replace('"', "\\\"")
                        )
                        .into(),
                    });
                    i += 2;
                    continue;
                }
            }
            if t.text == "##" && i + 1 < body.len() {
                let next = &body[i + 1];
                let right = arg_of(&next.text).unwrap_or_else(|| vec![next.clone()]);
                let mut right = right.into_iter();
                match (out.pop(), right.next()) {
                    (Some(left), Some(first)) => out.push(paste(&left, &first)),
                    (Some(left), None) => out.push(left),
                    (None, Some(first)) => out.push(first),
                    (None, None) => {}
                }
                out.extend(right);
                i += 2;
                continue;
            }
            match arg_of(&t.text) {
                Some(arg) if t.kind == CXToken_Identifier => {
                    let pasted = body.get(i + 1).is_some_and(|n| n.text == "##");
                    if pasted {
                        out.extend(arg);
                    } else {
                        out.extend(self.expand(&arg, hide, depth + 1)?);
                    }
                }
                _ => out.push(t.clone()),
            }
            i += 1;
        }
        Ok(out)
    }
}

fn punct(text: &'static str) -> Token<'static> {
    Token {
        kind: CXToken_Punctuation,
        text: text.into(),
    }
}

/// `a ## b`: the spellings joined, re-classified.
fn paste<'a>(left: &Token<'a>, right: &Token<'a>) -> Token<'a> {
    let text = format!("{}{}", left.text, right.text);
    let first = text.chars().next().unwrap_or(' ');
    let kind = if first.is_ascii_digit() || (first == '.' && text.len() > 1) {
        CXToken_Literal
    } else if first.is_ascii_alphabetic() || first == '_' {
        CXToken_Identifier
    } else {
        CXToken_Punctuation
    };
    Token {
        kind,
        text: text.into(),
    }
}

/// The arguments of a function-like macro call starting at `tokens[open]` == `(`.
fn collect_args<'a>(tokens: &[Token<'a>], open: usize) -> Expansion<(Vec<Vec<Token<'a>>>, usize)> {
    let mut args = vec![Vec::new()];
    let mut depth = 0;
    let mut i = open + 1;
    while i < tokens.len() {
        let t = &tokens[i];
        match t.text.as_ref() {
            "(" => depth += 1,
            ")" if depth == 0 => {
                if args.len() == 1 && args[0].is_empty() {
                    args.clear();
                }
                return Ok((args, i + 1));
            }
            ")" => depth -= 1,
            "," if depth == 0 => {
                args.push(Vec::new());
                i += 1;
                continue;
            }
            _ => {}
        }
        if let Some(last) = args.last_mut() {
            last.push(t.clone());
        }
        i += 1;
    }
    Err(Skip::UnclosedCall)
}
