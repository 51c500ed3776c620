//! Functions and globals: matched by symbol, then by name.

use rustc_hash::FxHashSet;

use super::{plural, Checker, DifferenceKind, Item};
use crate::types::{FnSig, FunctionDecl};

impl Checker<'_> {
    pub(super) fn functions(&mut self) {
        let set = self.h.set;
        let mut seen = FxHashSet::default();
        for f in set.functions() {
            if !f.is_callable() || !seen.insert(f.name.as_str()) {
                continue;
            }
            let name = format!("function {}", f.name);
            if let Some(bf) = self.b.function_symbols.get(f.symbol()).copied() {
                self.report.checked.functions += 1;
                let item = Item::new(name, &f.location, &bf.location);
                self.prototypes(&item, f, bf);
                continue;
            }
            match self.b.functions.get(f.name.as_str()).copied() {
                Some(bf) if bf.is_callable() => {
                    // Found by name only: the symbols differ.
                    self.report.checked.functions += 1;
                    let item = Item::new(name, &f.location, &bf.location);
                    self.symbols(&item, f.symbol(), bf.symbol());
                    self.prototypes(&item, f, bf);
                }
                Some(bf) => {
                    self.report.checked.functions += 1;
                    let item = Item::new(name, &f.location, &bf.location);
                    let message = "declared in the header, only static in the binary".into();
                    self.differ(&item, DifferenceKind::MissingFunction, None, message, None);
                }
                None => {
                    let global = self.b.globals.get(f.name.as_str()).copied();
                    if let Some(g) = global {
                        self.report.checked.functions += 1;
                        let item = Item::new(name, &f.location, &g.location);
                        let message = "a function in the header, a variable in the binary";
                        self.differ(&item, DifferenceKind::ItemKind, None, message.into(), None);
                    } else if f.inline {
                        self.report.not_checked.push(name);
                    } else {
                        self.report.checked.functions += 1;
                        let item = Item::new(name, &f.location, &None);
                        let message = match &f.asm_label {
                            Some(label) => format!(
                                "declared in the header (symbol '{label}'), not defined in the binary"
                            ),
                            None => "declared in the header, not defined in the binary".into(),
                        };
                        self.differ(&item, DifferenceKind::MissingFunction, None, message, None);
                    }
                }
            }
        }
    }

    /// The header's declaration links to `header`, the binary defines `binary`.
    fn symbols(&mut self, item: &Item, header: &str, binary: &str) {
        let (h, b) = (format!("'{header}'"), format!("'{binary}'"));
        self.differ_value(item, DifferenceKind::Symbol, None, "symbol", h, b);
    }

    fn prototypes(&mut self, item: &Item, f: &FunctionDecl, bf: &FunctionDecl) {
        let (Some(hs), Some(bs)) = (self.h.set.fn_sig(f.ty), self.b.set.fn_sig(bf.ty)) else {
            let kind = DifferenceKind::ItemKind;
            self.differ_type(item, kind, None, "type", f.ty.into(), bf.ty.into());
            return;
        };
        let outcome = self.same_qual(hs.ret, bs.ret, false);
        if !outcome.is_same() {
            let kind = DifferenceKind::ReturnType;
            self.differ_types(item, kind, None, "returns", (hs.ret, bs.ret), outcome);
        }
        if hs.variadic != bs.variadic {
            let message = if hs.variadic {
                "variadic in the header, not in the binary"
            } else {
                "variadic in the binary, not in the header"
            };
            self.differ(item, DifferenceKind::Variadic, None, message.into(), None);
        }
        if hs.conv != bs.conv {
            let (h, b) = (hs.conv.name(), bs.conv.name());
            let kind = DifferenceKind::CallingConvention;
            self.differ_value(item, kind, None, "calling convention", h, b);
        }
        // Without a prototype on one side (`int f()`, a K&R definition) there is
        // nothing to hold the other side's parameters against.
        if !(hs.prototyped && bs.prototyped) {
            return;
        }
        self.parameters(item, f, bf, hs, bs);
    }

    fn parameters(
        &mut self,
        item: &Item,
        f: &FunctionDecl,
        bf: &FunctionDecl,
        hs: &FnSig,
        bs: &FnSig,
    ) {
        let (hn, bn) = (hs.params.len(), bs.params.len());
        if hn != bn {
            let message = format!(
                "{hn} {} in the header, {bn} in the binary ('{}' and '{}')",
                plural(hn, "parameter"),
                self.h.prototype(f),
                self.b.prototype(bf)
            );
            let values = Some((hn.to_string(), bn.to_string()));
            self.differ(item, DifferenceKind::ParameterCount, None, message, values);
        }
        for (i, (hp, bp)) in hs.params.iter().zip(&bs.params).enumerate() {
            let outcome = self.same_qual(*hp, *bp, false);
            if outcome.is_same() {
                continue;
            }
            let name = f.param_names.get(i).cloned().flatten();
            let name = name.or_else(|| bf.param_names.get(i).cloned().flatten());
            let what = match name {
                Some(name) => format!("parameter {} ({name}):", i + 1),
                None => format!("parameter {}:", i + 1),
            };
            let kind = DifferenceKind::ParameterType;
            self.differ_types(item, kind, None, &what, (*hp, *bp), outcome);
        }
    }

    pub(super) fn globals(&mut self) {
        let set = self.h.set;
        let mut seen = FxHashSet::default();
        for g in set.globals() {
            if !seen.insert(g.name.as_str()) {
                continue;
            }
            let name = format!("global {}", g.name);
            let by_symbol = self.b.global_symbols.get(g.symbol()).copied();
            let Some(bg) = by_symbol.or_else(|| self.b.globals.get(g.name.as_str()).copied())
            else {
                match self.b.functions.get(g.name.as_str()).copied() {
                    Some(f) => {
                        self.report.checked.globals += 1;
                        let item = Item::new(name, &g.location, &f.location);
                        let message = "a variable in the header, a function in the binary";
                        self.differ(&item, DifferenceKind::ItemKind, None, message.into(), None);
                    }
                    None => self.report.not_checked.push(name),
                }
                continue;
            };
            self.report.checked.globals += 1;
            let item = Item::new(name, &g.location, &bg.location);
            if by_symbol.is_none() {
                self.symbols(&item, g.symbol(), bg.symbol());
            }
            let outcome = self.same_qual(g.ty, bg.ty, true);
            if !outcome.is_same() {
                let kind = DifferenceKind::GlobalType;
                self.differ_types(&item, kind, None, "type", (g.ty, bg.ty), outcome);
            }
        }
    }
}
