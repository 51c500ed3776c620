//! `wyvern layout`: pahole-style record layouts, or JSON.

use std::io::Write;

use anyhow::Result;
use clap::Args;

use crate::args::Sources;

#[derive(Debug, Args)]
pub(crate) struct LayoutArgs {
    /// Print a JSON array, one object per type, in the order asked.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    sources: Sources,
    /// Types to lay out (`struct stat`, `union sigval`, `pthread_mutex_t`); every
    /// complete named record when none is given.
    #[arg(value_name = "TYPE")]
    types: Vec<String>,
}

pub(crate) fn run(args: &LayoutArgs, out: &mut dyn Write) -> Result<()> {
    // From DWARF alone, only the types asked for are read.
    let set = match &args.sources.dwarf {
        Some(object)
            if !args.types.is_empty()
                && args.sources.headers.is_empty()
                && args.sources.db.is_none()
                && args.sources.target.is_none()
                && args.sources.cdefs.is_empty() =>
        {
            let names: Vec<&str> = args.types.iter().map(String::as_str).collect();
            crate::args::read_dwarf_types(object, &names)?
        }
        _ => args.sources.load()?,
    };
    // JSON needs every layout; text is made as each layout is, so only one is
    // held at a time. The layouts of types asked by name are written once all
    // are made, so an error (a name not found) leaves no partial output; every
    // record of an object cannot fail part way (each is complete), so its text
    // goes out as it is made and a reader of the pipe works alongside: in 32 KiB
    // writes, half a pipe's buffer (in 4 KiB ones, as stdio writes, each
    // woke the reader for little: 3% of a small object's run).
    let stream = args.types.is_empty();
    let mut layouts = Vec::new();
    // Text reuses one layout's memory for every record.
    let mut layout = wyvern::RecordLayout::default();
    let mut text = String::new();
    let mut made = 0usize;
    let mut add = |ty: wyvern::TypeId, name: &str| -> Result<()> {
        if args.json {
            layouts.push(set.record_layout(ty, name)?);
            return Ok(());
        }
        set.record_layout_into(ty, name, &mut layout)?;
        if made > 0 {
            text.push('\n');
        }
        made += 1;
        layout.write_text(&mut text);
        if stream && text.len() >= 1 << 15 {
            out.write_all(text.as_bytes())?;
            text.clear();
        }
        Ok(())
    };
    if args.types.is_empty() {
        for (name, ty) in set.named_records() {
            add(ty, &name)?;
        }
    } else {
        for name in &args.types {
            let ty = set.type_named(name)?;
            add(ty.id, name.trim())?;
        }
    }
    if args.json {
        crate::write_json(out, &layouts)?;
    } else {
        out.write_all(text.as_bytes())?;
    }
    // The process ends after this command: freeing every type one allocation at
    // a time would be a tenth of a small object's run.
    std::mem::forget(set);
    Ok(())
}
