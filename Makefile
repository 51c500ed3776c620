# The two commands of the README's quick start. Each installs what is missing first.
.PHONY: demo test setup check bench

setup:
	@bash scripts/setup.sh

# Layouts of real system structs and real macro constants, through the CLI.
demo: setup
	cargo run --quiet --release --example demo

# Everything CI runs: formatting, lints, docs, the test suite (gcc as the oracle)
# under each installed libclang (scripts/libclangs.sh; doctests under the first),
# the build without the optional front ends, the DWARF-only build (no libclang), the
# database-only build (neither libclang nor gimli) calling through a database that
# the default build's `wyvern compile` writes, and the CLI built without libclang
# (and without gimli) refusing -H/--cdef/--dwarf by the feature's name and calling
# through that database.
test: setup
	cargo fmt --check
	cargo clippy --all-targets -- -D warnings
	RUSTDOCFLAGS="-D warnings" cargo doc --no-deps --quiet
	@set -e; first=1; for lib in $$(bash scripts/libclangs.sh); do \
		echo "== the suite with LIBCLANG_PATH=$$lib"; \
		if [ $$first = 1 ]; then LIBCLANG_PATH=$$lib cargo test; else LIBCLANG_PATH=$$lib cargo test --tests; fi; \
		first=0; \
	done; [ $$first = 0 ] || { echo "no libclang installed (run make setup)" >&2; exit 1; }
	cargo build --no-default-features --quiet
	cargo build --no-default-features --features dwarf --quiet
	cargo run --quiet -- compile -H '<math.h>' -H '<string.h>' -o target/noparser.wydb
	WYVERN_TEST_DB=target/noparser.wydb cargo test --no-default-features --features db --test db_noparser
	WYVERN_TEST_DB=target/noparser.wydb cargo test --no-default-features --features cli --test cli_noparser
	WYVERN_TEST_DB=target/noparser.wydb cargo test --no-default-features --features cli,dwarf --test cli_noparser

bench: setup
	cargo bench
