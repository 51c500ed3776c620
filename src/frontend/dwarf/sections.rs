//! An object's sections found by name, and their bytes.
//!
//! `object` finds a section by reading every section's name with `memchr`,
//! and takes a section's bytes only after reading its name again (to see whether
//! it is a GNU `.zdebug_` one). The first `memchr` asks the CPU which vector
//! instructions it has, with nine `cpuid` instructions; in a virtual machine each
//! traps to the hypervisor (6 µs each on the machine the benchmarks ran on),
//! which was 2% of `wyvern layout --dwarf` of a small object. In an ELF file
//! [`find`] compares the wanted name with the section-name table's bytes in
//! place instead, and [`Found::data`] knows from how it was found whether the
//! name is a `.zdebug_` one; other formats go through `object`.

use std::borrow::Cow;

use object::read::elf::{ElfFile, FileHeader, SectionHeader};
use object::{Object, ObjectSection, SectionFlags, SectionIndex};

/// A section found by name.
pub(super) struct Found<'d, 'f> {
    pub(super) section: object::Section<'d, 'f>,
    /// Whether the section is known to be stored as it reads: found in an ELF
    /// file by its own name (not a `.zdebug_` one) and not `SHF_COMPRESSED`.
    plain: bool,
}

impl<'d> Found<'d, '_> {
    /// The section's bytes, uncompressed.
    ///
    /// # Errors
    /// `object`'s, when the section's range or compression is invalid.
    pub(super) fn data(&self) -> object::Result<Cow<'d, [u8]>> {
        if self.plain {
            return self.section.data().map(Cow::Borrowed);
        }
        self.section.uncompressed_data()
    }
}

/// The section of `file` named `name` (`.debug_info`), or its GNU-compressed
/// `.zdebug_` form, as `object`'s `section_by_name` finds it.
pub(super) fn find<'d, 'f>(file: &'f object::File<'d>, name: &str) -> Option<Found<'d, 'f>> {
    let elf_index = match file {
        object::File::Elf32(elf) => elf_section(elf, name),
        object::File::Elf64(elf) => elf_section(elf, name),
        _ => {
            return file.section_by_name(name).map(|section| Found {
                section,
                plain: false,
            })
        }
    };
    let (index, exact) = elf_index?;
    let section = file.section_by_index(index).ok()?;
    let compressed = match section.flags() {
        SectionFlags::Elf { sh_flags, .. } => sh_flags.contains(object::elf::SHF_COMPRESSED),
        _ => true,
    };
    Some(Found {
        section,
        plain: exact && !compressed,
    })
}

/// The index of the section of `elf` named `name`, or else of its `.zdebug_`
/// form, and whether it was found by `name` itself.
fn elf_section<'d, Elf: FileHeader>(
    elf: &ElfFile<'d, Elf, &'d [u8]>,
    name: &str,
) -> Option<(SectionIndex, bool)> {
    let endian = elf.endian();
    let table = elf.elf_section_table();
    let names_index = elf.elf_header().shstrndx(endian, elf.data()).ok()?;
    let names = table
        .section(SectionIndex(names_index as usize))
        .ok()?
        .data(endian, elf.data())
        .ok()?;
    let named = |wanted: &[&[u8]]| {
        table.enumerate().find_map(|(index, header)| {
            let start = usize::try_from(header.sh_name(endian)).ok()?;
            let mut rest = names.get(start..)?;
            for part in wanted {
                rest = rest.strip_prefix(*part)?;
            }
            (rest.first() == Some(&0)).then_some(index)
        })
    };
    if let Some(index) = named(&[name.as_bytes()]) {
        return Some((index, true));
    }
    let suffix = name.strip_prefix(".debug_")?;
    named(&[b".zdebug_", suffix.as_bytes()]).map(|index| (index, false))
}
