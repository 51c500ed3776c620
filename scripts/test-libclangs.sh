#!/usr/bin/env bash
# Runs the test suite under each installed libclang (scripts/libclangs.sh), so the
# suite proves every one of them and not only the newest, which clang-sys would
# pick. The tests are built once (the unit tests, the integration binary
# tests/it and the few tests with binaries of their own, see Cargo.toml's
# [[test]] entries); each test binary then runs with LIBCLANG_PATH
# pointing at one libclang. (Running `cargo test` with another LIBCLANG_PATH would
# rebuild everything: clang-sys's build script watches the variable.) Doctests run
# once, under the libclang the caller's environment gives.
set -euo pipefail
cd "$(dirname "$0")/.."

libs=$(bash scripts/libclangs.sh)
if [ -z "$libs" ]; then
    echo "no libclang installed (run make setup)" >&2
    exit 1
fi
built=$(cargo test --tests --no-run 2>&1) || { printf '%s\n' "$built" >&2; exit 1; }
mapfile -t binaries < <(printf '%s\n' "$built" | sed -n 's/^ *Executable .* (\(.*\))$/\1/p')
if [ ${#binaries[@]} -eq 0 ]; then
    echo "cargo built no test binaries" >&2
    exit 1
fi
cargo test --doc

passed=0
failed=0
for lib in $libs; do
    echo "== the suite with LIBCLANG_PATH=$lib"
    for binary in "${binaries[@]}"; do
        if LIBCLANG_PATH=$lib "$binary" -q; then
            passed=$((passed + 1))
        else
            echo "FAILED: $binary with LIBCLANG_PATH=$lib" >&2
            failed=$((failed + 1))
        fi
    done
done
echo "test binaries under $(printf '%s\n' "$libs" | wc -l) libclang(s): $passed passed, $failed failed"
[ "$failed" -eq 0 ]
