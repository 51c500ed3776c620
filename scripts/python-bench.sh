#!/usr/bin/env bash
# The Python benchmark (python/bench/bench.py): wyvern against cffi's ABI mode and
# ctypes in one process, under Debian's default libclang.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/python-venv.sh
venv=target/py-venv
lib=$(bash scripts/libclangs.sh | head -1)
LIBCLANG_PATH="$lib" "$venv/bin/python" python/bench/bench.py
