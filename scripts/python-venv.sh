#!/usr/bin/env bash
# Builds the Python package (python/, maturin, release) into the virtual
# environment target/py-venv, with what its tests and benchmark use
# (python/requirements-dev.txt); scripts/python-test.sh and python-bench.sh run it.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=target/py-venv
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install -q --disable-pip-version-check -r python/requirements-dev.txt
(cd python && VIRTUAL_ENV="$PWD/../$venv" "../$venv/bin/maturin" develop --quiet --release)
