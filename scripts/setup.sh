#!/usr/bin/env bash
# Installs what wyvern needs at run time and for its tests, from Debian's packages:
# libclang — Debian's default and the newest apt offers — with their builtin headers
# (the resource dir, in libclang-common-N-dev), libffi, gcc's 32-bit support for the i686
# layout test, pahole (dwarves) for the DWARF benchmark, and the clang driver for
# the DWARF tests' clang-built fixtures (and llvm-dwp for their DWARF packages).
# As root (or with sudo) it installs what is missing; otherwise it prints the command.
set -euo pipefail

# compgen -G succeeds when a glob matches something.
have_libclang() {
    [ -n "${LIBCLANG_PATH:-}" ] || compgen -G '/usr/lib/*/libclang-*.so*' >/dev/null ||
        compgen -G '/usr/lib/llvm-*/lib/libclang*.so*' >/dev/null || compgen -G '/usr/lib64/libclang*.so*' >/dev/null
}
have_builtin_headers() {
    [ -n "${WYVERN_CLANG_RESOURCE_DIR:-}" ] || compgen -G '/usr/lib/llvm-*/lib/clang/*/include/stddef.h' >/dev/null ||
        compgen -G '/usr/lib/clang/*/include/stddef.h' >/dev/null || compgen -G '/usr/lib64/clang/*/include/stddef.h' >/dev/null
}
have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "ok installed"; }

missing=()
if command -v apt-cache >/dev/null && [ -z "${LIBCLANG_PATH:-}" ]; then
    [ -n "$(ls /var/lib/apt/lists/ 2>/dev/null | grep -v lock | grep -v partial)" ] || { [ "$(id -u)" = 0 ] && apt-get update -qq; } || true
    # Debian's default libclang (what its libclang1 names: what a user gets) and the
    # newest one apt offers: `make test` runs the suite under each installed one.
    default=$(apt-cache depends libclang1 2>/dev/null | grep -oE 'libclang1-[0-9]+' | head -1 | cut -d- -f2 || true)
    newest=$(apt-cache search --names-only '^libclang1-[0-9]+$' 2>/dev/null |
        sed -E 's/^libclang1-([0-9]+).*/\1/' | sort -n | tail -1 || true)
    for version in $(printf '%s\n' "${default:-14}" "${newest:-}" | sort -u -n); do
        for pkg in "libclang1-$version" "libclang-common-$version-dev"; do
            have_pkg "$pkg" || missing+=("$pkg")
        done
    done
elif ! have_libclang || ! have_builtin_headers; then
    echo "wyvern needs libclang and its builtin headers (clang's resource dir): install them," >&2
    echo "or point LIBCLANG_PATH and WYVERN_CLANG_RESOURCE_DIR at them" >&2
    exit 1
fi
# zlib and sqlite3's headers: the examples' and the Python tests' real libraries.
for pkg in libffi-dev gcc-multilib dwarves zlib1g-dev libsqlite3-dev; do
    have_pkg "$pkg" || missing+=("$pkg")
done
# The clang driver, for the tests' DWARF fixtures of the other producer.
command -v clang >/dev/null || compgen -G '/usr/lib/llvm-*/bin/clang' >/dev/null || missing+=(clang)
# llvm-dwp, for the tests' DWARF packages (.dwp) of DWARF 5 split units.
command -v llvm-dwp >/dev/null || compgen -G '/usr/lib/llvm-*/bin/llvm-dwp' >/dev/null || missing+=(llvm)

if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi
if [ "$(id -u)" = 0 ]; then
    sudo=""
elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    sudo="sudo"
else
    echo "wyvern needs: ${missing[*]}" >&2
    echo "run: sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
    exit 1
fi
echo "installing: ${missing[*]}" >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
