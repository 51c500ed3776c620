#!/usr/bin/env bash
# The one abi3 wheel under every other CPython this machine has: builds it once
# (maturin, into target/wheels), then for each interpreter found (python3.N on the
# PATH, and pyenv's versions) installs it with pytest and cffi into its own
# environment (target/py-venvs/3.N) and runs the pytest suite under Debian's
# default libclang. An interpreter the wheel's tag does not serve (below 3.8) is
# reported, not failed; a machine with no other interpreter checks nothing here.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/python-venv.sh
lib=$(bash scripts/libclangs.sh | head -1)
main=$(target/py-venv/bin/python -c 'import sys; print("%d.%d" % sys.version_info[:2])')
declare -A seen=(["$main"]=1)
interpreters=()
for py in $(compgen -c python3. | sort -u) "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.*/bin/python; do
    path=$(command -v "$py" 2>/dev/null || true)
    [ -n "$path" ] && [ -x "$path" ] || continue
    version=$("$path" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null) || continue
    [ -z "${seen[$version]:-}" ] || continue
    seen[$version]=1
    interpreters+=("$version=$path")
done
if [ ${#interpreters[@]} -eq 0 ]; then
    echo "== no CPython besides $main here: the other versions are not checked"
    exit 0
fi
rm -rf target/wheels
(cd python && VIRTUAL_ENV="$PWD/../target/py-venv" ../target/py-venv/bin/maturin build \
    --release --quiet --auditwheel skip -o ../target/wheels)
wheel=$(ls target/wheels/*.whl)
failed=()
for entry in $(printf '%s\n' "${interpreters[@]}" | sort -V); do
    version=${entry%%=*}
    path=${entry#*=}
    minor=${version#3.}
    if [ "$minor" -lt 8 ]; then
        echo "== CPython $version: not served (the abi3 wheel needs 3.8 or later)"
        continue
    fi
    venv=target/py-venvs/$version
    [ -x "$venv/bin/python" ] || "$path" -m venv "$venv"
    "$venv/bin/pip" install -q --disable-pip-version-check pytest cffi
    "$venv/bin/pip" install -q --disable-pip-version-check --force-reinstall --no-deps "$wheel"
    echo "== the Python suite under CPython $version ($path), LIBCLANG_PATH=$lib"
    # Run from target/ so that `import wyvern` is the installed wheel.
    if ! (cd target && LIBCLANG_PATH="$lib" "../$venv/bin/python" -m pytest ../python/tests -q \
        -p no:cacheprovider --ignore=../python/tests/cffi_port -W ignore::DeprecationWarning); then
        failed+=("$version")
    fi
done
if [ ${#failed[@]} -ne 0 ]; then
    echo "the Python suite failed under CPython ${failed[*]}" >&2
    exit 1
fi
