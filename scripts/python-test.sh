#!/usr/bin/env bash
# The Python package's tests: builds python/ (maturin, abi3) into a virtual
# environment, target/py-venv, and runs its pytest suite under Debian's default
# libclang and the newest installed (scripts/libclangs.sh), as the Rust suite does
# (the extension loads libclang at run time, so one build serves every libclang);
# then cffi's own tests against wyvern (python/tests/cffi_port), which writes
# RESULTS.md there and fails under a 90% pass rate.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/python-venv.sh
venv=target/py-venv
mapfile -t libs < <(bash scripts/libclangs.sh)
if [ ${#libs[@]} -eq 0 ]; then
    echo "no libclang installed (run make setup)" >&2
    exit 1
fi
# The first (Debian's default) and the last (the newest).
for lib in $(printf '%s\n' "${libs[0]}" "${libs[${#libs[@]}-1]}" | sort -u); do
    echo "== the Python suite with LIBCLANG_PATH=$lib"
    LIBCLANG_PATH="$lib" "$venv/bin/python" -m pytest python/tests -q -p no:cacheprovider \
        --ignore=python/tests/cffi_port
done
echo "== cffi's own tests against wyvern (LIBCLANG_PATH=${libs[0]})"
(cd python/tests/cffi_port &&
    LIBCLANG_PATH="${libs[0]}" "../../../$venv/bin/python" report.py --ffi wyvern --check)
