#!/usr/bin/env bash
# Prints the library directory of each libclang installed here, one a line, oldest
# version first: what `make test` points LIBCLANG_PATH at, so the suite proves every
# installed libclang and not only the newest one clang-sys would pick, and the
# libclangs tests/it/libclang_versions.rs compares. With LIBCLANG_PATH already
# set, prints just that.
set -euo pipefail
if [ -n "${LIBCLANG_PATH:-}" ]; then
    echo "$LIBCLANG_PATH"
    exit 0
fi
for lib in /usr/lib/llvm-*/lib/libclang-*.so.1 /usr/lib/llvm-*/lib/libclang.so.1; do
    [ -e "$lib" ] && dirname "$lib"
done | sort -u -V
