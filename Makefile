# The two commands of the README's quick start. Each installs what is missing first.
.PHONY: demo test setup check bench

setup:
	@bash scripts/setup.sh

# Layouts of real system structs and real macro constants, through the CLI.
demo: setup
	cargo run --quiet --release --example demo

# Everything CI runs: formatting, lints, docs, the test suite (gcc as the oracle)
# under each installed libclang (scripts/test-libclangs.sh),
# the build without the optional front ends, the DWARF-only build (no libclang), the
# database-only build (neither libclang nor gimli) calling through a database that
# the default build's `wyvern compile` writes, and the CLI built without libclang
# (and without gimli) refusing -H/--cdef/--dwarf by the feature's name and calling
# through that database; then the Python package (python/): built into
# target/py-venv, its pytest suite under the default and the newest libclang
# (scripts/python-test.sh), and the same wheel under every other CPython the
# machine has (scripts/python-versions.sh).
test: setup
	cargo fmt --check
	cargo clippy --all-targets -- -D warnings
	cargo clippy -p wyvern-python --all-targets -- -D warnings
	RUSTDOCFLAGS="-D warnings" cargo doc --no-deps --quiet
	bash scripts/test-libclangs.sh
	cargo build --no-default-features --quiet
	cargo build --no-default-features --features dwarf --quiet
	cargo run --quiet -- compile -H '<math.h>' -H '<string.h>' -o target/noparser.wydb
	WYVERN_TEST_DB=target/noparser.wydb cargo test --no-default-features --features db --test db_noparser
	WYVERN_TEST_DB=target/noparser.wydb cargo test --no-default-features --features cli --test cli_noparser
	WYVERN_TEST_DB=target/noparser.wydb cargo test --no-default-features --features cli,dwarf --test cli_noparser
	bash scripts/python-test.sh
	bash scripts/python-versions.sh

bench: setup
	cargo bench
	bash scripts/python-bench.sh
