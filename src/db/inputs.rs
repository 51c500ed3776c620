//! Hashes of what a database was made from, to tell when it is out of date.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::types::inputs::Inputs;

/// SHA-256 hashes of a database's inputs: each file read, the flags, the reader.
///
/// Stored in the database's header. [`Database::changes`](super::Database::changes)
/// compares it with the inputs of a fresh parse.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InputDigest {
    /// The reader and its version (`"Debian clang version 14.0.6"`).
    pub reader: String,
    /// The flags, as given to the reader.
    pub flags: Vec<String>,
    /// Every file read, by name, with the SHA-256 of its contents.
    pub files: Vec<(String, [u8; 32])>,
    /// One SHA-256 over all of the above.
    pub digest: [u8; 32],
}

impl InputDigest {
    /// The hashes of `inputs`.
    pub fn of(inputs: &Inputs) -> InputDigest {
        let files: Vec<(String, [u8; 32])> = inputs
            .files
            .iter()
            .map(|(name, contents)| (name.clone(), Sha256::digest(contents).into()))
            .collect();
        // Every part is length-prefixed, so no two different inputs hash alike by
        // moving bytes from one part to the next.
        let mut all = Sha256::new();
        let mut part = |bytes: &[u8]| {
            all.update((bytes.len() as u64).to_le_bytes());
            all.update(bytes);
        };
        part(inputs.reader.as_bytes());
        part(&(inputs.flags.len() as u64).to_le_bytes());
        for flag in &inputs.flags {
            part(flag.as_bytes());
        }
        part(&(files.len() as u64).to_le_bytes());
        for (name, sum) in &files {
            part(name.as_bytes());
            part(sum);
        }
        InputDigest {
            reader: inputs.reader.clone(),
            flags: inputs.flags.clone(),
            files,
            digest: all.finalize().into(),
        }
    }

    /// The overall hash in hex.
    pub fn hex(&self) -> String {
        self.digest.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// What differs from `now`, one line each; empty when nothing does.
    pub fn changes(&self, now: &InputDigest) -> Vec<String> {
        if self.digest == now.digest {
            return Vec::new();
        }
        let mut out = Vec::new();
        if self.reader != now.reader {
            out.push(format!(
                "the reader changed: made with {}, now {}",
                quoted(&self.reader),
                quoted(&now.reader)
            ));
        }
        if self.flags != now.flags {
            out.push(format!(
                "the flags changed: made with [{}], now [{}]",
                self.flags.join(" "),
                now.flags.join(" ")
            ));
        }
        for (name, sum) in &self.files {
            match now.files.iter().find(|(n, _)| n == name) {
                Some((_, now_sum)) if now_sum != sum => out.push(format!("{name} changed")),
                Some(_) => {}
                None => out.push(format!("{name} is no longer read")),
            }
        }
        for (name, _) in &now.files {
            if !self.files.iter().any(|(n, _)| n == name) {
                out.push(format!("{name} is read now but was not then"));
            }
        }
        if out.is_empty() {
            out.push("the inputs were read in another order".into());
        }
        out
    }
}

fn quoted(s: &str) -> String {
    if s.is_empty() {
        "(none)".into()
    } else {
        format!("'{s}'")
    }
}
