#!/usr/bin/env bash
# The Python benchmark (python/bench/bench.py): wyvern against cffi's ABI mode and
# ctypes in one process, under Debian's default libclang.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=target/py-venv
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install -q --disable-pip-version-check -r python/requirements-dev.txt
(cd python && VIRTUAL_ENV="$PWD/../$venv" "../$venv/bin/maturin" develop --quiet --release)
lib=$(bash scripts/libclangs.sh | head -1)
LIBCLANG_PATH="$lib" "$venv/bin/python" python/bench/bench.py
