//! Declarations: functions with their signatures, and globals.

use gimli::AttributeValue;

use super::{Converter, Die, Result, Unit};
use crate::frontend::dwarf::Reader;
use crate::types::{CallConv, FnSig, FunctionDecl, Global, Linkage, Type};

impl<'d, 'a> Converter<'d, 'a> {
    pub(super) fn signature(
        &mut self,
        unit: &Unit<'a>,
        entry: &Die<'a>,
        depth: u32,
    ) -> Result<FnSig> {
        let ret = self.type_of(unit, entry, depth)?;
        let mut params = Vec::new();
        let mut variadic = false;
        let mut tree = unit.entries_tree(Some(entry.offset()))?;
        let root = tree.root()?;
        let mut children = root.children();
        while let Some(child) = children.next()? {
            let e = child.entry();
            match e.tag() {
                gimli::DW_TAG_formal_parameter => params.push(self.type_of(unit, e, depth)?),
                gimli::DW_TAG_unspecified_parameters => variadic = true,
                _ => {}
            }
        }
        let conv = match entry.attr_value(gimli::DW_AT_calling_convention) {
            None => CallConv::C,
            Some(AttributeValue::CallingConvention(cc)) => calling_convention(cc.0),
            Some(other) => match other.udata_value() {
                Some(raw) => calling_convention(u8::try_from(raw).unwrap_or(u8::MAX)),
                None => CallConv::Unknown(u32::MAX),
            },
        };
        Ok(FnSig {
            ret,
            params,
            variadic,
            prototyped: Self::flag(entry, gimli::DW_AT_prototyped) || variadic,
            conv,
        })
    }

    pub(super) fn function(&mut self, unit: &Unit<'a>, entry: &Die<'a>) -> Result<()> {
        let defined = entry.attr_value(gimli::DW_AT_low_pc).is_some()
            || entry.attr_value(gimli::DW_AT_ranges).is_some();
        if !defined {
            return Ok(());
        }
        // The out-of-line copy of a function also inlined (gcc -O2) is a concrete
        // instance: its name, type and parameters are its abstract origin's.
        let origin = Self::referenced(unit, entry, gimli::DW_AT_abstract_origin)?;
        let entry = origin.as_ref().unwrap_or(entry);
        if !Self::flag(entry, gimli::DW_AT_external) {
            return Ok(());
        }
        let Some(name) = self.name(unit, entry)? else {
            return Ok(());
        };
        if self.functions.contains_key(&name) {
            return Ok(());
        }
        let sig = self.signature(unit, entry, 0)?;
        let mut param_names = Vec::new();
        let mut tree = unit.entries_tree(Some(entry.offset()))?;
        let root = tree.root()?;
        let mut children = root.children();
        while let Some(child) = children.next()? {
            let e = child.entry();
            if e.tag() == gimli::DW_TAG_formal_parameter {
                param_names.push(self.name(unit, e)?);
            }
        }
        let ty = self.nested(Type::Function(sig), None)?;
        let location = self.location(unit, entry);
        let asm_label = self.linkage_name(unit, entry, &name)?;
        self.b.add_function(FunctionDecl {
            name: name.clone(),
            asm_label,
            ty,
            param_names,
            // A parameter declared as an array is recorded as the pointer it is
            // adjusted to (gcc and clang alike): its declared length is not in
            // the debug info, so none is given.
            param_arrays: Vec::new(),
            linkage: Linkage::External,
            inline: declared_inline(entry.attr_value(gimli::DW_AT_inline)),
            location,
        });
        self.functions.insert(name, ());
        Ok(())
    }

    pub(super) fn global(&mut self, unit: &Unit<'a>, entry: &Die<'a>) -> Result<()> {
        if entry.attr_value(gimli::DW_AT_location).is_none() {
            return Ok(());
        }
        // gcc describes a variable declared before its definition (`extern int x;`
        // in the header the source includes) twice: the declaration has the name,
        // type, linkage name and `external`, the definition only points to it.
        let declaration = Self::referenced(unit, entry, gimli::DW_AT_specification)?;
        let decl = declaration.as_ref().unwrap_or(entry);
        if !Self::flag(decl, gimli::DW_AT_external) {
            return Ok(());
        }
        let Some(name) = self.name(unit, decl)? else {
            return Ok(());
        };
        if self.globals.contains_key(&name) {
            return Ok(());
        }
        let ty = self.type_of(unit, decl, 0)?;
        let location = self.location(unit, decl);
        let asm_label = self.linkage_name(unit, decl, &name)?;
        self.b.add_global(Global {
            name: name.clone(),
            asm_label,
            ty,
            location,
        });
        self.globals.insert(name, ());
        Ok(())
    }
}

/// Whether a function's `DW_AT_inline` (a `DW_INL_*` constant, not a flag) says
/// it was declared `inline`: `DW_INL_declared_not_inlined` or
/// `DW_INL_declared_inlined`. `DW_INL_not_inlined` (0) and `DW_INL_inlined` (the
/// compiler inlined a function not declared so) are not.
fn declared_inline(value: Option<AttributeValue<Reader<'_>>>) -> bool {
    let code = match value {
        Some(AttributeValue::Inline(inl)) => u64::from(inl.0),
        Some(other) => other.udata_value().unwrap_or(0),
        None => 0,
    };
    code == u64::from(gimli::DW_INL_declared_not_inlined.0)
        || code == u64::from(gimli::DW_INL_declared_inlined.0)
}

/// A `DW_AT_calling_convention` code as a [`CallConv`]. gcc records none of its
/// attributes; clang records the conventions that differ from the target's
/// default with LLVM's and Borland's vendor codes (LLVM's `Dwarf.def`). Anything
/// else is kept as `Unknown`, which calls refuse.
fn calling_convention(code: u8) -> CallConv {
    match code {
        0x01 => CallConv::C,
        0xb1 => CallConv::StdCall,    // DW_CC_BORLAND_stdcall
        0xb3 => CallConv::FastCall,   // DW_CC_BORLAND_msfastcall
        0xb5 => CallConv::ThisCall,   // DW_CC_BORLAND_thiscall
        0xc0 => CallConv::VectorCall, // DW_CC_LLVM_vectorcall
        0xc1 => CallConv::Win64,      // DW_CC_LLVM_Win64
        0xc2 => CallConv::SysV,       // DW_CC_LLVM_X86_64SysV
        0xc3 => CallConv::Aapcs,      // DW_CC_LLVM_AAPCS
        0xc4 => CallConv::AapcsVfp,   // DW_CC_LLVM_AAPCS_VFP
        0xcb => CallConv::RegCall,    // DW_CC_LLVM_X86RegCall
        other => CallConv::Unknown(u32::from(other)),
    }
}
