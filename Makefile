# The two commands of the README's quick start. Each installs what is missing first.
.PHONY: demo test setup check bench

setup:
	@bash scripts/setup.sh

# Layouts of real system structs and real macro constants, through the CLI.
demo: setup
	cargo run --quiet --release --example demo

# Everything CI runs: formatting, lints, docs, the test suite (gcc as the oracle),
# the build without the optional front ends, and the DWARF-only build (no libclang).
test: setup
	cargo fmt --check
	cargo clippy --all-targets -- -D warnings
	RUSTDOCFLAGS="-D warnings" cargo doc --no-deps --quiet
	cargo test
	cargo build --no-default-features --quiet
	cargo build --no-default-features --features dwarf --quiet

bench: setup
	cargo bench
