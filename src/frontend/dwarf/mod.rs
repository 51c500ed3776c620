//! The DWARF front end: the debug info of a compiled object (`.so`, `.o`,
//! executable) into the same type system the header front end builds.
//!
//! [`read`] opens an ELF object with `object`, loads its DWARF sections (DWARF 4
//! or 5, compressed or not, relocated for `.o` files) with `gimli`, and converts
//! every unit: base types, pointers and qualifiers, arrays, structs and unions with
//! their member offsets (bitfields in both the DWARF 4 `DW_AT_bit_offset` and the
//! DWARF 5 `DW_AT_data_bit_offset` encodings), enums, typedefs, function types,
//! the functions the object defines, and its global variables. A parameter
//! declared as an array is recorded as the pointer it is adjusted to, so its
//! declared length is not known here ([`FunctionDecl::param_arrays`](crate::types::FunctionDecl::param_arrays)
//! stays empty, and `&{}` for it makes one element). DWARF rarely states
//! a record's alignment, so it is derived from the members and the size (see
//! `convert`), which also recognises packed records.
//!
//! Records, enums and typedefs that several units describe are kept once, by name.
//! A stripped object's separate debug file is found by build-id or
//! `.gnu_debuglink`, as gdb finds it; split DWARF (`-gsplit-dwarf`) is read from
//! the `.dwo` files its skeleton units name, or from the object's DWARF package
//! (`OBJECT.dwp`, made by `dwp` or `llvm-dwp`) when there is one.
//!
//! Like the libclang front end, it uses only [`types`](crate::types) (it fills a
//! [`TypeBuilder`](crate::types::TypeBuilder)), the crate's errors and
//! [`limits`](crate::limits).

mod convert;
mod sections;

use std::borrow::Cow;
use std::path::Path;

use object::{Object, ObjectSection};

use crate::error::{ErrorKind, Result};
use crate::types::{Target, TypeSet};

/// Reads the types, functions and globals described by the DWARF debug info of
/// the object at `path`.
///
/// ```no_run
/// # fn main() -> wyvern::Result<()> {
/// let types = wyvern::frontend::dwarf::read("libfoo.so")?;
/// let config = types.type_named("struct config")?;
/// println!("{}", types.record_layout(config.id, "struct config")?.to_text());
/// # Ok(()) }
/// ```
///
/// # Errors
/// [`ErrorKind::Io`] when the file cannot be read; [`ErrorKind::Dwarf`] when it is
/// not an object, has no debug info, or its DWARF is malformed (with where).
pub fn read(path: impl AsRef<Path>) -> Result<TypeSet> {
    read_filtered(path.as_ref(), None)
}

/// Reads only the types named (`"struct stat"`, `"union sigval"`, `"size_t"`) and
/// what they use, stopping at the last unit needed: no functions, no globals.
/// Asking for one record this way does not decode the whole object.
///
/// # Errors
/// As [`read`].
pub fn read_types(path: impl AsRef<Path>, names: &[&str]) -> Result<TypeSet> {
    read_filtered(path.as_ref(), Some(names))
}

fn read_filtered(path: &Path, names: Option<&[&str]>) -> Result<TypeSet> {
    let bytes = map(path).map_err(|source| ErrorKind::Io {
        path: path.to_path_buf(),
        source,
    })?;
    // A stripped object names where its debug info went: read that file instead.
    if let Some(debug_file) = separate_debug_file(path, &bytes) {
        if let Ok(debug_bytes) = map(&debug_file) {
            let package = package_path(path);
            let name = debug_file.display().to_string();
            return convert_bytes(&debug_bytes, &name, package.as_deref(), names);
        }
    }
    let package = package_path(path);
    convert_bytes(
        &bytes,
        &path.display().to_string(),
        package.as_deref(),
        names,
    )
}

/// The bytes of a file, mapped rather than copied: a large library's debug info
/// is tens of megabytes, of which a conversion touches only the debug sections.
/// Files that cannot be mapped (pipes, empty files) are read.
fn map(path: &Path) -> std::io::Result<FileBytes> {
    let file = std::fs::File::open(path)?;
    // SAFETY: the mapping is only read, and it lives in `FileBytes` no longer than
    // the conversion. Like gdb and pahole, wyvern assumes nobody truncates the
    // object while it is read (a truncation would fault, not return bad data).
    match unsafe { memmap2::Mmap::map(&file) } {
        Ok(mapped) => Ok(FileBytes::Mapped(mapped)),
        Err(_) => std::fs::read(path).map(FileBytes::Read),
    }
}

/// A file's bytes, mapped or read.
enum FileBytes {
    Mapped(memmap2::Mmap),
    Read(Vec<u8>),
}

impl std::ops::Deref for FileBytes {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        match self {
            FileBytes::Mapped(m) => m,
            FileBytes::Read(v) => v,
        }
    }
}

/// The DWARF package (`.dwp`) of an object built with `-gsplit-dwarf`, named as
/// gdb looks for it: the object's path with `.dwp` appended.
fn package_path(path: &Path) -> Option<std::path::PathBuf> {
    let mut name = path.as_os_str().to_owned();
    name.push(".dwp");
    let candidate = std::path::PathBuf::from(name);
    candidate.is_file().then_some(candidate)
}

/// The separate debug file of an object with no `.debug_info` of its own, found
/// as gdb finds it: by build-id under `/usr/lib/debug/.build-id/`, then by the
/// `.gnu_debuglink` name next to the object, in its `.debug/` directory and under
/// `/usr/lib/debug/` (the link's CRC must match).
fn separate_debug_file(path: &Path, bytes: &[u8]) -> Option<std::path::PathBuf> {
    let file = object::File::parse(bytes).ok()?;
    if sections::find(&file, ".debug_info").is_some() {
        return None;
    }
    if let Ok(Some(id)) = file.build_id() {
        if let Some((first, rest)) = id.split_first() {
            let hex: String = rest.iter().map(|b| format!("{b:02x}")).collect();
            let candidate = Path::new("/usr/lib/debug/.build-id")
                .join(format!("{first:02x}"))
                .join(format!("{hex}.debug"));
            if candidate.is_file() {
                return Some(candidate);
            }
        }
    }
    let (name, crc) = file.gnu_debuglink().ok()??;
    let name = std::str::from_utf8(name).ok()?;
    let dir = path.parent().unwrap_or(Path::new("."));
    let absolute_dir = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
    let candidates = [
        dir.join(name),
        dir.join(".debug").join(name),
        Path::new("/usr/lib/debug")
            .join(absolute_dir.strip_prefix("/").unwrap_or(&absolute_dir))
            .join(name),
    ];
    candidates
        .into_iter()
        .find(|c| c.as_path() != path && std::fs::read(c).is_ok_and(|data| crc32(&data) == crc))
}

/// The CRC-32 (IEEE) that `.gnu_debuglink` records.
fn crc32(data: &[u8]) -> u32 {
    crc32fast::hash(data)
}

/// As [`read`], from the bytes of an object; `name` is used in messages.
///
/// # Errors
/// As [`read`].
pub fn read_bytes(bytes: &[u8], name: &str) -> Result<TypeSet> {
    convert_bytes(bytes, name, None, None)
}

fn convert_bytes(
    bytes: &[u8],
    name: &str,
    package: Option<&Path>,
    names: Option<&[&str]>,
) -> Result<TypeSet> {
    let bad = |message: String| dwarf_error(name, message, None);
    // As `bad`, for what object, gimli or the system found: their error is the source.
    let because = |message: String, cause| dwarf_error(name, message, Some(cause));
    let file = object::File::parse(bytes)
        .map_err(|e| because(format!("not an object file: {e}"), Box::new(e)))?;
    if sections::find(&file, ".debug_info").is_none() {
        return Err(bad(
            "it has no DWARF debug info (.debug_info); compile with -g".into(),
        ));
    }
    let endian = if file.is_little_endian() {
        gimli::RunTimeEndian::Little
    } else {
        gimli::RunTimeEndian::Big
    };
    let sections = load_sections(&file, name)?;
    let dwarf = sections.borrow(|section| reader(section, endian));
    // Split DWARF: skeleton units name the `.dwo` files that hold the entries, or
    // a `.dwp` package holds them all, indexed by the units' DWO ids.
    let skeletons = skeletons(&dwarf).map_err(|e| because(e.to_string(), Box::new(e)))?;
    let package_bytes = match package {
        Some(path) if !skeletons.is_empty() => Some(map_package(path, name)?),
        _ => None,
    };
    let package_file = match &package_bytes {
        Some((path, bytes)) => Some((*path, parse_object(path, bytes, name)?)),
        None => None,
    };
    let package_sections = match &package_file {
        Some((path, file)) => Some(
            gimli::DwarfPackageSections::load(|id| dwo_section(file, id))
                .map_err(|e| because(format!("{}: {}", path.display(), e.0), e.1))?,
        ),
        None => None,
    };
    let no_relocations = Relocations::default();
    let package = match (&package_sections, &package_file) {
        (Some(sections), Some((path, _))) => Some(
            borrow_package(sections, endian, &no_relocations)
                .map_err(|e| because(format!("{}: {e}", path.display()), Box::new(e)))?,
        ),
        _ => None,
    };
    let (mut dwos, dwo_paths) = package_units(package.as_ref(), &skeletons, &dwarf, name)?;
    let dwo_bytes = map_dwo_files(&dwo_paths, name)?;
    let mut dwo_files = Vec::new();
    for (path, bytes) in &dwo_bytes {
        dwo_files.push((*path, parse_object(path, bytes, name)?));
    }
    let dwo_sections = load_dwo_sections(&dwo_files, name)?;
    dwos.extend(dwo_sections.iter().map(|sections| {
        let mut dwo = sections.borrow(|section| reader(section, endian));
        dwo.make_dwo(&dwarf);
        dwo
    }));
    let target = target_of(&file);
    let mut converter = convert::Converter::new(target, &dwarf);
    if let Some(names) = names {
        converter = converter.only(names);
    }
    converter.run(&dwos).map_err(|e| match e {
        convert::Malformed::Broken(message, Some(cause)) => because(message, Box::new(cause)),
        other => bad(other.to_string()),
    })
}

/// A reader of `section`.
fn reader<'s>(section: &'s Section<'_>, endian: gimli::RunTimeEndian) -> Reader<'s> {
    gimli::RelocateReader::new(
        gimli::EndianSlice::new(&section.data, endian),
        &section.relocations,
    )
}

/// The DWARF sections of `file` (of the object `name`), uncompressed, with
/// their relocations; empty when it has none.
fn load_sections<'d>(
    file: &object::File<'d>,
    name: &str,
) -> Result<gimli::DwarfSections<Section<'d>>> {
    let because = |message: String, cause| dwarf_error(name, message, Some(cause));
    gimli::DwarfSections::load(|id| -> Result<Section<'d>> {
        match sections::find(file, id.name()) {
            Some(found) => Ok(Section {
                data: found
                    .data()
                    .map_err(|e| because(format!("section {}: {e}", id.name()), Box::new(e)))?,
                relocations: Relocations(found.section.relocation_map().map_err(|e| {
                    because(format!("relocations of {}: {e}", id.name()), Box::new(e))
                })?),
            }),
            None => Ok(Section {
                data: Cow::Borrowed(&[]),
                relocations: Relocations::default(),
            }),
        }
    })
}

/// The bytes of the DWARF package at `path`, for the object `name`.
fn map_package<'p>(path: &'p Path, name: &str) -> Result<(&'p Path, FileBytes)> {
    let because = |message: String, cause| dwarf_error(name, message, Some(cause));
    let bytes = map(path).map_err(|e| {
        because(
            format!("its DWARF package {} cannot be read: {e}", path.display()),
            Box::new(e),
        )
    })?;
    Ok((path, bytes))
}

/// `bytes`, read from `path` for the object `name`, parsed as an object file.
fn parse_object<'b>(path: &Path, bytes: &'b [u8], name: &str) -> Result<object::File<'b>> {
    let because = |message: String, cause| dwarf_error(name, message, Some(cause));
    object::File::parse(bytes).map_err(|e| {
        because(
            format!("{}: not an object file: {e}", path.display()),
            Box::new(e),
        )
    })
}

/// A DWARF package's sections, read as the package they make.
fn borrow_package<'s>(
    sections: &'s gimli::DwarfPackageSections<Cow<'_, [u8]>>,
    endian: gimli::RunTimeEndian,
    no_relocations: &'s Relocations,
) -> gimli::Result<gimli::DwarfPackage<Reader<'s>>> {
    sections.borrow(
        |data| gimli::RelocateReader::new(gimli::EndianSlice::new(data, endian), no_relocations),
        gimli::RelocateReader::new(gimli::EndianSlice::new(&[], endian), no_relocations),
    )
}

/// The split units of `skeletons` that `package` holds, made DWO units of
/// `dwarf`, and the `.dwo` files (each once) of those it does not.
#[allow(clippy::type_complexity)]
fn package_units<'a>(
    package: Option<&gimli::DwarfPackage<Reader<'a>>>,
    skeletons: &[(gimli::DwoId, std::path::PathBuf)],
    dwarf: &gimli::Dwarf<Reader<'a>>,
    name: &str,
) -> Result<(Vec<gimli::Dwarf<Reader<'a>>>, Vec<std::path::PathBuf>)> {
    let because = |message: String, cause| dwarf_error(name, message, Some(cause));
    let mut dwos = Vec::new();
    let mut dwo_paths = Vec::new();
    for (id, path) in skeletons {
        let in_package = match package {
            Some(package) => package
                .find_cu(*id, dwarf)
                .map_err(|e| because(format!("its DWARF package: {e}"), Box::new(e)))?,
            None => None,
        };
        match in_package {
            Some(mut dwo) => {
                dwo.make_dwo(dwarf);
                dwos.push(dwo);
            }
            None if !dwo_paths.contains(path) => dwo_paths.push(path.clone()),
            None => {}
        }
    }
    Ok((dwos, dwo_paths))
}

/// The bytes of each split DWARF file, with its path.
fn map_dwo_files<'p>(
    dwo_paths: &'p [std::path::PathBuf],
    name: &str,
) -> Result<Vec<(&'p std::path::PathBuf, FileBytes)>> {
    let because = |message: String, cause| dwarf_error(name, message, Some(cause));
    let mut dwo_bytes = Vec::new();
    for path in dwo_paths {
        let bytes = map(path).map_err(|e| {
            because(
                format!(
                    "its split DWARF file {} cannot be read: {e}",
                    path.display()
                ),
                Box::new(e),
            )
        })?;
        dwo_bytes.push((path, bytes));
    }
    Ok(dwo_bytes)
}

/// The DWARF sections of each split DWARF file (`.debug_info.dwo` and so on).
fn load_dwo_sections<'d>(
    dwo_files: &[(&std::path::PathBuf, object::File<'d>)],
    name: &str,
) -> Result<Vec<gimli::DwarfSections<Section<'d>>>> {
    let because = |message: String, cause| dwarf_error(name, message, Some(cause));
    let mut dwo_sections = Vec::new();
    for (path, dwo) in dwo_files {
        dwo_sections.push(gimli::DwarfSections::load(|id| -> Result<Section<'d>> {
            Ok(Section {
                data: dwo_section(dwo, id)
                    .map_err(|e| because(format!("{}: {}", path.display(), e.0), e.1))?,
                relocations: Relocations::default(),
            })
        })?);
    }
    Ok(dwo_sections)
}

/// The DWO id of each skeleton unit of `dwarf` and the `.dwo` file it names
/// (`DW_AT_dwo_name`, relative to `DW_AT_comp_dir`), in order.
fn skeletons(
    dwarf: &gimli::Dwarf<Reader<'_>>,
) -> gimli::Result<Vec<(gimli::DwoId, std::path::PathBuf)>> {
    use gimli::Reader as _;
    let mut skeletons = Vec::new();
    let mut headers = dwarf.units();
    while let Some(header) = headers.next()? {
        let unit = dwarf.unit(header)?;
        let Some(id) = unit.dwo_id else {
            continue;
        };
        let Some(name) = unit.dwo_name()? else {
            continue;
        };
        let name = dwarf
            .attr_string(&unit, name)?
            .to_string_lossy()?
            .into_owned();
        let mut path = std::path::PathBuf::from(&name);
        if path.is_relative() {
            if let Some(dir) = &unit.comp_dir {
                path = std::path::PathBuf::from(dir.to_string_lossy()?.into_owned()).join(path);
            }
        }
        skeletons.push((id, path));
    }
    Ok(skeletons)
}

/// A section of a `.dwo` file or `.dwp` package (named `.debug_info.dwo` and so
/// on), uncompressed; empty when the file has none.
fn dwo_section<'d>(
    file: &object::File<'d>,
    id: gimli::SectionId,
) -> std::result::Result<Cow<'d, [u8]>, SectionError> {
    match sections::find(file, id.dwo_name().unwrap_or_default()) {
        Some(found) => found
            .data()
            .map_err(|e| SectionError(format!("section {}: {e}", id.name()), Box::new(e))),
        None => Ok(Cow::Borrowed(&[])),
    }
}

/// Why a section of a split DWARF file or package could not be loaded: what,
/// where, and object's or gimli's error.
struct SectionError(String, crate::error::Cause);

impl From<gimli::Error> for SectionError {
    fn from(e: gimli::Error) -> SectionError {
        SectionError(e.to_string(), Box::new(e))
    }
}

/// One loaded DWARF section and its relocations (for `.o` files).
pub(crate) struct Section<'data> {
    data: Cow<'data, [u8]>,
    relocations: Relocations,
}

/// `object`'s relocations, applied by `gimli` as it reads.
#[derive(Debug, Default)]
pub(crate) struct Relocations(object::read::RelocationMap);

impl gimli::read::Relocate for &Relocations {
    fn relocate_address(&self, offset: usize, value: u64) -> gimli::Result<u64> {
        Ok(self.0.relocate(offset as u64, value))
    }

    fn relocate_offset(&self, offset: usize, value: usize) -> gimli::Result<usize> {
        <usize as gimli::ReaderOffset>::from_u64(self.0.relocate(offset as u64, value as u64))
    }
}

/// The reader every conversion uses.
pub(crate) type Reader<'a> =
    gimli::RelocateReader<gimli::EndianSlice<'a, gimli::RunTimeEndian>, &'a Relocations>;

fn target_of(file: &object::File<'_>) -> Target {
    use object::Architecture as A;
    let (triple, pointer_size) = match file.architecture() {
        A::X86_64 => ("x86_64-pc-linux-gnu", 8),
        A::X86_64_X32 => ("x86_64-pc-linux-gnux32", 4),
        A::I386 => ("i686-pc-linux-gnu", 4),
        A::Aarch64 => ("aarch64-unknown-linux-gnu", 8),
        A::Arm => ("arm-unknown-linux-gnueabi", 4),
        A::Riscv64 => ("riscv64-unknown-linux-gnu", 8),
        _ => ("unknown", if file.is_64() { 8 } else { 4 }),
    };
    Target {
        triple: triple.to_owned(),
        pointer_size,
        // Corrected from the producer's `char` base type when the units have one.
        char_signed: !matches!(file.architecture(), A::Aarch64 | A::Arm),
        little_endian: file.is_little_endian(),
    }
}

/// An [`ErrorKind::Dwarf`] error about `object`.
fn dwarf_error(object: &str, message: String, source: Option<crate::error::Cause>) -> crate::Error {
    ErrorKind::Dwarf {
        object: object.to_owned(),
        message,
        source,
    }
    .into()
}
