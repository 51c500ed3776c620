//! Macro definitions as the converter collects them (their tokens, for the
//! macro evaluator), the predefined macros a header may rely on, and `#undef`s.

use clang_sys::*;

use rustc_hash::FxHashMap;

use super::{is_anonymous_spelling, usr_names_tag, Converter, MacroDef};
use crate::frontend::clang::sys::Cursor;

impl<'tu> Converter<'tu> {
    pub(super) fn macro_def(&mut self, c: Cursor<'tu>) {
        let Some((file, line, column, start)) = c.start() else {
            // Predefined macros live in no file: tokenized only if a constant uses them.
            self.predefined.insert(c.spelling(), c);
            return;
        };
        let tu = self.tu;
        // clang_getFileContents is costly per call; ask once per file.
        let text: &'tu [u8] = self
            .file_texts
            .entry(file)
            .or_insert_with(|| tu.file_contents(file));
        // A definition runs to the end of its logical line.
        let rest = text.get(start as usize..).unwrap_or(&[]);
        let mut tokens =
            crate::frontend::clang::lex::tokens(crate::frontend::clang::lex::logical_line(rest));
        if tokens.is_empty() {
            return;
        }
        let name = tokens.remove(0).text.into_owned();
        let params = c.is_macro_function_like().then(|| take_params(&mut tokens));
        let file_name = self
            .file_names
            .entry(file)
            .or_insert_with(|| file.name().into())
            .clone();
        // The definition's own place among the events (apply_undefs compares it
        // with the place of the event after an `#undef`).
        let seq = self.events.len();
        self.events.push((file, start));
        // The text given as cdef is `<cdef>` from its line 1, as the user sees it
        // (the `#line` of the main file); other files are where they are.
        let location = if file_name.ends_with(crate::frontend::clang::MAIN_FILE) {
            c.presumed_location()
        } else {
            None
        };
        self.macros.push(MacroDef {
            name,
            params,
            body: tokens,
            builtin: false,
            location: location.or(Some(crate::SourceLocation {
                file: file_name,
                line,
                column,
            })),
            seq: Some(seq),
            undefined_at: None,
        });
    }

    /// Tokenizes the predefined macros that the file macros use, transitively,
    /// plus those that describe the target's data model.
    pub(crate) fn resolve_predefined(&mut self, always: &[&str]) {
        let mut wanted: Vec<String> = always.iter().map(|s| (*s).to_owned()).collect();
        for m in &self.macros {
            wanted.extend(
                m.body
                    .iter()
                    .filter(|t| t.kind == CXToken_Identifier)
                    .map(|t| t.text.to_string()),
            );
        }
        while let Some(name) = wanted.pop() {
            let Some(c) = self.predefined.remove(&name) else {
                continue;
            };
            let mut tokens = self.tu.tokens(c);
            if tokens.first().is_some_and(|t| t.text == name) {
                tokens.remove(0);
            }
            let params = c.is_macro_function_like().then(|| take_params(&mut tokens));
            wanted.extend(
                tokens
                    .iter()
                    .filter(|t| t.kind == CXToken_Identifier)
                    .map(|t| t.text.to_string()),
            );
            self.macros.push(MacroDef {
                name,
                params,
                body: tokens,
                builtin: true,
                location: None,
                seq: None,
                undefined_at: None,
            });
        }
    }

    /// The tag of a record or enum declaration, `None` when anonymous.
    ///
    /// libclang 16+ spells an anonymous record that a typedef names with the typedef's
    /// name and no longer calls it anonymous, and neither the spelling nor the source
    /// text can tell the two apart on every version: inside a macro expansion
    /// (X-macros, token pasting, glibc's `__SOCKADDR_ALLTYPES`) the text at the
    /// spelling location is the macro's parameter. The USR can, on every version:
    /// clang writes a tag as `@S@name` (`@U@`, `@E@`), an anonymous record named by a
    /// typedef as `@SA@name`, and other anonymous ones as `@Sa` or by location.
    pub(super) fn tag_of(&mut self, c: Cursor<'tu>) -> Option<String> {
        if c.is_anonymous() {
            return None;
        }
        let name = c.spelling();
        if name.is_empty() || is_anonymous_spelling(&name) {
            return None;
        }
        usr_names_tag(&c.usr(), &name).then_some(name)
    }

    /// Marks macros that an `#undef` removed by the end of the input.
    ///
    /// libclang's preprocessing record has no cursor for `#undef`, so the directives
    /// are found in the file buffers. An `#undef` happens just before the next
    /// definition or `#include` of its own file (or after everything, when none follows).
    pub(crate) fn apply_undefs(&mut self) {
        let mut by_file: FxHashMap<crate::frontend::clang::sys::FileHandle, Vec<(u32, usize)>> =
            FxHashMap::default();
        for (seq, &(file, offset)) in self.events.iter().enumerate() {
            by_file.entry(file).or_default().push((offset, seq));
        }
        let mut last_def: FxHashMap<&str, (usize, usize)> = FxHashMap::default();
        for (i, m) in self.macros.iter().enumerate() {
            if let Some(seq) = m.seq {
                last_def.insert(m.name.as_str(), (i, seq));
            }
        }
        let mut removed: Vec<(usize, crate::SourceLocation)> = Vec::new();
        for (&file, &text) in &self.file_texts {
            let events = by_file.get(&file).map(Vec::as_slice).unwrap_or(&[]);
            for (offset, name) in crate::frontend::clang::lex::undef_directives(text) {
                let Some(&(index, def_seq)) = last_def.get(name) else {
                    continue;
                };
                let undef_before = events
                    .iter()
                    .find(|(o, _)| *o > offset)
                    .map(|&(_, seq)| seq);
                if undef_before.is_none_or(|next| def_seq < next) {
                    // As the user sees it (cdef text is `<cdef>` from its line 1);
                    // else the file's own line, which the text gives.
                    let at = self
                        .tu
                        .presumed_location_at(file, offset)
                        .unwrap_or_else(|| {
                            let before = text.get(..offset as usize).unwrap_or(text);
                            let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
                            crate::SourceLocation {
                                file: self
                                    .file_names
                                    .entry(file)
                                    .or_insert_with(|| file.name().into())
                                    .clone(),
                                line: u32::try_from(line).unwrap_or(u32::MAX),
                                column: 1,
                            }
                        });
                    removed.push((index, at));
                }
            }
        }
        for (i, at) in removed {
            self.macros[i].undefined_at = Some(at);
        }
    }

    /// Whether a predefined macro of this name exists (tokenized or not).
    pub(crate) fn has_predefined(&self, name: &str) -> bool {
        self.predefined.contains_key(name)
            || self.macros.iter().any(|m| m.builtin && m.name == name)
    }
}

/// Splits `( a , b )` off the front of a function-like macro's tokens.
fn take_params(tokens: &mut Vec<crate::frontend::clang::sys::Token<'_>>) -> Vec<String> {
    let mut params = Vec::new();
    let mut end = 0;
    for (i, t) in tokens.iter().enumerate().skip(1) {
        match t.text.as_ref() {
            ")" => {
                end = i + 1;
                break;
            }
            "," => {}
            p => params.push(p.to_owned()),
        }
    }
    tokens.drain(..end.min(tokens.len()));
    params
}
