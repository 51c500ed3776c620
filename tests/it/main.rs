//! The integration tests, built as one binary: one module per concern, sharing
//! the helpers of `tests/common` (compiled once, not once per module). Run one
//! module with `cargo test --test it calls::`, one test with its full name.
//!
//! Three tests keep binaries of their own (see `Cargo.toml`): `alloc`, whose
//! `#[global_allocator]` would otherwise serve every test here, and
//! `db_noparser` and `cli_noparser`, which `make test` also builds without the
//! front ends (`--no-default-features`).

#[path = "../common/mod.rs"]
mod common;

mod abi_ms;
mod abi_random;
mod api;
mod arrays;
mod asm_labels;
mod call_into;
mod call_libc;
mod callback_types;
mod callbacks;
mod calls;
mod check;
mod cli;
mod cli_call;
mod cli_db;
mod cli_process;
mod cli_startup;
mod db;
mod db_fuzz;
mod direct_calls;
mod dwarf;
mod gcc_constants;
mod gcc_layout;
mod global_arrays;
mod golden;
mod libclang_versions;
mod limits;
mod long_double;
mod malformed;
mod merge;
mod names_as_values;
mod owners;
mod ptr;
mod type_set;
