#!/usr/bin/env python3
"""wyvern's Python module against cffi ABI mode, ctypes and pydffi (issue #14).

    python bench.py [--calls 40000] [--repeats 35] [--import-repeats 5] [--as-wyvern MODULE]

Builds bench.c (add, dot, scale3, sum_cb: benches/call.rs' fixtures plus a struct
returned through memory) with ``gcc -O2 -shared -fPIC`` into a scratch directory,
then times, for each implementation that imports:

- ``add(int, int)``, ``dot(struct P, struct P)`` (two 16-byte structs by value) and
  ``scale3(struct P3, double)`` (a 24-byte struct returned through memory): one
  Python loop of ``--calls`` calls, ns per call;
- the callback loop: C's ``sum_cb`` calling a Python ``int (*)(int)`` 1000 times a
  call, ns per callback;
- ``cdef`` of ``#include`` lines for stdio.h, stdlib.h, string.h, math.h, time.h and
  sys/stat.h, in ms, against a bare libclang parse of the same text (libclang's
  ``clang_parseTranslationUnit2`` called through ctypes, from ``LIBCLANG_PATH``, with
  the arguments wyvern passes: ``-x c -std=gnu17 -isystem <resource dir>/include``,
  as benches/parse.rs' ``bare_parse``); cffi cannot ``#include``, so its row is n/a;
- ``import wyvern``: ``python -X importtime -c "import wyvern"`` in a fresh
  interpreter, the module's cumulative import time.

Each figure is the median of ``--repeats`` rounds; the implementations of a row take
turns, one run each a round, so load from other processes falls on all alike, and
the wyvern ratio is the median over rounds of wyvern's time / cffi's (or the bare
parse's) in the same round. The defaults split the issue's 200k calls x 7 into 35
rounds of 40k: on this shared 2-core machine, cffi against itself (``--as-wyvern
cffi``) read 0.84x-1.26x at 200k x 7 with medians of medians, and 0.98x-1.02x with
35 paired rounds. All but pydffi run in this one process. wyvern is driven by exactly the
code that drives cffi (``ffi = FFI(); ffi.cdef(...); lib = ffi.dlopen(path)``,
``ffi.new``, ``ffi.callback("int(int)", f)``): one function, given the module.
When ``import wyvern`` fails its column says "not installed"; ``--as-wyvern cffi``
runs that column with cffi, to check the path. No assertions: each row prints its
ratio to cffi (or to the bare parse) and the target, met or missed; a wrong result
marks the row.

Targets: every call and callback row at most 0.5x cffi ABI mode's time; the cdef at
most 1.3x a bare libclang parse; ``import wyvern`` under 50 ms.

pydffi (DragonFFI) 0.9.4 installs from PyPI for CPython 3.11 on x86-64 Linux (a
manylinux wheel with its own LLVM); it has no Python callbacks, so its callback row
is n/a, and its cdef uses its own bundled clang (shown, not a target). It segfaults
in a process where libclang-14 is loaded (as wyvern and the bare parse load it), so
its rows run in a child process (``--pydffi-child``) and come back as JSON.
"""

import argparse
import ctypes
import gc
import importlib
import json
import operator
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
HEADER = (HERE / "bench.h").read_text()
HEADERS = ("stdio.h", "stdlib.h", "string.h", "math.h", "time.h", "sys/stat.h")
HEADERS_TEXT = "".join(f"#include <{h}>\n" for h in HEADERS)
CALLBACKS_PER_CALL = 1000
CALL_TARGET = 0.5
CDEF_TARGET = 1.3
IMPORT_TARGET_MS = 50.0

# What each row must compute: add(20, 22), dot({1.5, 2}, {3, -0.5}),
# scale3({1, 2, 3}, 2.5), sum_cb(x + 1, 1000).
EXPECT = {
    "add": 42,
    "dot": 1.5 * 3.0 + 2.0 * -0.5,
    "scale3": (2.5, 5.0, 7.5),
    "callback": sum(i + 1 for i in range(CALLBACKS_PER_CALL)),
}
CALL_ROWS = ("add", "dot", "scale3", "callback")
ROW_TITLES = {
    "add": "add(int, int)",
    "dot": "dot(struct P, struct P)",
    "scale3": "scale3: struct P3 through memory",
    "callback": "callback from a C loop (per callback)",
    "cdef": "cdef of six libc headers (ms)",
    "import": "import (ms)",
}


# ---- timing ----------------------------------------------------------------------


def loop2(f, a, b, n):
    """ns for ``n`` calls ``f(a, b)``; the same loop times every implementation."""
    r = range(n)
    start = time.perf_counter_ns()
    for _ in r:
        f(a, b)
    return time.perf_counter_ns() - start


def median_ns(run, repeats):
    """Median of ``repeats`` timings of ``run()``, with the cyclic GC off while timing."""
    return statistics.median(interleaved(({None: run}), repeats)[None])


def interleaved(runs, repeats):
    """{key: [ns of each round]}: ``repeats`` calls of each ``runs[key]()`` (which returns ns).

    The runs take turns, one call each a round, starting one further along each round,
    so load from other processes that comes and goes falls on all of them alike (this
    machine is shared), and round r of one key can be paired with round r of another
    (paired_ratio). The cyclic GC is off while timing.
    """
    keys = list(runs)
    times = {k: [] for k in keys}
    enabled = gc.isenabled()
    gc.disable()
    try:
        for r in range(repeats):
            for i in range(len(keys)):
                k = keys[(r + i) % len(keys)]
                times[k].append(runs[k]())
    finally:
        if enabled:
            gc.enable()
    return times


def paired_ratio(a, b):
    """Median over rounds of a[r] / b[r]: a ratio that drift between rounds cancels out of."""
    return statistics.median(x / y for x, y in zip(a, b))


def entry(samples, scale, ok):
    """A measured cell: (median / scale, ok, the rounds / scale)."""
    scaled = [t / scale for t in samples]
    return statistics.median(scaled), ok, scaled


def time_call_rows(impl_rows, calls, repeats):
    """{impl: {row: (ns per call, ok) | why not}} for {impl: {row: (f, a, b, check)}}.

    Each row is timed for every implementation in turn (interleaved) after
    one checked call each.
    """
    out = {impl: {} for impl in impl_rows}
    for row in CALL_ROWS:
        n = calls // CALLBACKS_PER_CALL if row == "callback" else calls
        per = CALLBACKS_PER_CALL if row == "callback" else 1
        runs, oks = {}, {}
        for impl, rows in impl_rows.items():
            if row not in rows:
                continue
            f, a, b, check = rows[row]
            oks[impl], why = attempt(lambda: check(f(a, b)))
            if why:
                out[impl][row] = why
            else:
                runs[impl] = lambda f=f, a=a, b=b: loop2(f, a, b, n)
        samples, why = attempt(interleaved, runs, repeats)
        for impl in runs:
            out[impl][row] = why or entry(samples[impl], n * per, oks[impl])
    return out


def close(a, b):
    return abs(a - b) < 1e-9


# ---- the implementations ----------------------------------------------------------


def cffi_like_rows(module, lib_path):
    """The rows for a module with cffi's ABI-mode API: cffi itself, and wyvern."""
    ffi = module.FFI()
    ffi.cdef(HEADER)
    lib = ffi.dlopen(str(lib_path))
    p1 = ffi.new("struct P *", {"x": 1.5, "y": 2.0})
    p2 = ffi.new("struct P *", {"x": 3.0, "y": -0.5})
    p3 = ffi.new("struct P3 *", {"x": 1.0, "y": 2.0, "z": 3.0})

    def inc(x):
        return x + 1

    cb = ffi.callback("int(int)", inc)
    return {
        "add": (lib.add, 20, 22, lambda r: r == EXPECT["add"]),
        "dot": (lib.dot, p1[0], p2[0], lambda r: close(r, EXPECT["dot"])),
        "scale3": (lib.scale3, p3[0], 2.5, lambda r: (r.x, r.y, r.z) == EXPECT["scale3"]),
        "callback": (lib.sum_cb, cb, CALLBACKS_PER_CALL, lambda r: r == EXPECT["callback"]),
    }, (ffi, lib, cb, p1, p2, p3)  # kept alive while the rows run: p1[0] does not own p1


class CP(ctypes.Structure):
    _fields_ = [("x", ctypes.c_double), ("y", ctypes.c_double)]


class CP3(ctypes.Structure):
    _fields_ = [("x", ctypes.c_double), ("y", ctypes.c_double), ("z", ctypes.c_double)]


INC_FN = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_int)


def ctypes_rows(lib_path):
    lib = ctypes.CDLL(str(lib_path))
    lib.add.argtypes, lib.add.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    lib.dot.argtypes, lib.dot.restype = [CP, CP], ctypes.c_double
    lib.scale3.argtypes, lib.scale3.restype = [CP3, ctypes.c_double], CP3
    lib.sum_cb.argtypes, lib.sum_cb.restype = [INC_FN, ctypes.c_int], ctypes.c_long
    cb = INC_FN(lambda x: x + 1)
    return {
        "add": (lib.add, 20, 22, lambda r: r == EXPECT["add"]),
        "dot": (lib.dot, CP(1.5, 2.0), CP(3.0, -0.5), lambda r: close(r, EXPECT["dot"])),
        "scale3": (lib.scale3, CP3(1.0, 2.0, 3.0), 2.5, lambda r: (r.x, r.y, r.z) == EXPECT["scale3"]),
        "callback": (lib.sum_cb, cb, CALLBACKS_PER_CALL, lambda r: r == EXPECT["callback"]),
    }, (lib, cb)


def pydffi_rows(lib_path):
    import pydffi

    pydffi.dlopen(str(lib_path))
    ffi = pydffi.FFI()
    cu = ffi.cdef(HEADER)
    P, P3 = cu.types.P, cu.types.P3
    return {
        "add": (cu.funcs.add, 20, 22, lambda r: int(r) == EXPECT["add"]),
        "dot": (cu.funcs.dot, P(x=1.5, y=2.0), P(x=3.0, y=-0.5), lambda r: close(float(r), EXPECT["dot"])),
        "scale3": (cu.funcs.scale3, P3(x=1.0, y=2.0, z=3.0), 2.5,
                   lambda r: (float(r.x), float(r.y), float(r.z)) == EXPECT["scale3"]),
    }, (ffi, cu)


# ---- cdef and the bare libclang parse -----------------------------------------------


class CXUnsavedFile(ctypes.Structure):
    _fields_ = [("Filename", ctypes.c_char_p), ("Contents", ctypes.c_char_p), ("Length", ctypes.c_ulong)]


class BareLibclang:
    """libclang called through ctypes: index, parse of in-memory text, dispose."""

    def __init__(self):
        self.path = find_libclang()
        lib = ctypes.CDLL(str(self.path))
        lib.clang_createIndex.argtypes, lib.clang_createIndex.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_void_p
        lib.clang_disposeIndex.argtypes, lib.clang_disposeIndex.restype = [ctypes.c_void_p], None
        lib.clang_parseTranslationUnit2.argtypes = [
            ctypes.c_void_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_char_p), ctypes.c_int,
            ctypes.POINTER(CXUnsavedFile), ctypes.c_uint, ctypes.c_uint, ctypes.POINTER(ctypes.c_void_p)]
        lib.clang_parseTranslationUnit2.restype = ctypes.c_int
        lib.clang_disposeTranslationUnit.argtypes, lib.clang_disposeTranslationUnit.restype = [ctypes.c_void_p], None
        lib.clang_getNumDiagnostics.argtypes, lib.clang_getNumDiagnostics.restype = [ctypes.c_void_p], ctypes.c_uint
        lib.clang_getDiagnostic.argtypes, lib.clang_getDiagnostic.restype = [ctypes.c_void_p, ctypes.c_uint], ctypes.c_void_p
        lib.clang_getDiagnosticSeverity.argtypes, lib.clang_getDiagnosticSeverity.restype = [ctypes.c_void_p], ctypes.c_int
        lib.clang_disposeDiagnostic.argtypes, lib.clang_disposeDiagnostic.restype = [ctypes.c_void_p], None
        self.lib = lib
        self.resource = find_resource_include(self.path)
        self.args = ["-x", "c", "-std=gnu17"] + (["-isystem", str(self.resource)] if self.resource else [])

    def parse(self, text, count_errors=False):
        """Parses ``text`` as bare.c; returns the number of error diagnostics if asked."""
        lib = self.lib
        argv = (ctypes.c_char_p * len(self.args))(*[a.encode() for a in self.args])
        data = text.encode()
        unsaved = CXUnsavedFile(b"bare.c", data, len(data))
        tu = ctypes.c_void_p()
        index = lib.clang_createIndex(0, 0)
        try:
            code = lib.clang_parseTranslationUnit2(index, b"bare.c", argv, len(self.args),
                                                   ctypes.byref(unsaved), 1, 0, ctypes.byref(tu))
            if code != 0 or not tu.value:
                raise RuntimeError(f"libclang could not parse the input (error code {code})")
            errors = 0
            if count_errors:
                for i in range(lib.clang_getNumDiagnostics(tu)):
                    d = lib.clang_getDiagnostic(tu, i)
                    errors += lib.clang_getDiagnosticSeverity(d) >= 3  # CXDiagnostic_Error
                    lib.clang_disposeDiagnostic(d)
            lib.clang_disposeTranslationUnit(tu)
            return errors
        finally:
            lib.clang_disposeIndex(index)


def find_libclang():
    """libclang.so in LIBCLANG_PATH (a directory or the file), else Debian's llvm-14."""
    given = Path(os.environ.get("LIBCLANG_PATH", "/usr/lib/llvm-14/lib"))
    if given.is_file():
        return given
    for name in ("libclang.so", "libclang.so.1"):
        if (given / name).exists():
            return given / name
    found = sorted(given.glob("libclang*.so*"))
    if not found:
        raise FileNotFoundError(f"no libclang.so in LIBCLANG_PATH={given}")
    return found[0]


def find_resource_include(library):
    """<resource dir>/include beside the libclang (as src/frontend/clang/load.rs looks)."""
    if os.environ.get("WYVERN_CLANG_RESOURCE_DIR"):
        return Path(os.environ["WYVERN_CLANG_RESOURCE_DIR"]) / "include"
    given, real = Path(library).parent, Path(os.path.realpath(library)).parent
    # Debian: /usr/lib/llvm-N/lib/libclang.so.1 links to /usr/lib/<triple>/libclang-N.so.N.x,
    # and the resource dir is /usr/lib/llvm-N/lib/clang/N.x.y/.
    for root in (given / "clang", real / "clang", real.parent / "lib" / "clang"):
        for d in sorted(root.glob("*/include"), reverse=True):
            if (d / "stddef.h").is_file():
                return d
    return None


def _timed(f):
    start = time.perf_counter_ns()
    f()
    return time.perf_counter_ns() - start


# ---- import time ---------------------------------------------------------------------


def import_ms(module, repeats):
    """Median cumulative ``-X importtime`` of ``module`` in fresh interpreters, in ms."""
    times = []
    for _ in range(repeats):
        p = subprocess.run([sys.executable, "-X", "importtime", "-c", f"import {module}"],
                           capture_output=True, text=True)
        if p.returncode != 0:
            raise ImportError(p.stderr.strip().splitlines()[-1] if p.stderr.strip() else "failed")
        us = None
        for line in p.stderr.splitlines():
            m = re.match(r"import time:\s+\d+\s+\|\s+(\d+)\s+\|\s*(\S+)$", line)
            if m and m.group(2) == module:
                us = int(m.group(1))
        if us is None:
            raise RuntimeError(f"no -X importtime line for {module}")
        times.append(us / 1000)
    return statistics.median(times)


# ---- the run -------------------------------------------------------------------------


def build(scratch):
    shutil.copy(HERE / "bench.h", scratch / "bench.h")
    shutil.copy(HERE / "bench.c", scratch / "bench.c")
    lib = scratch / "libbench.so"
    subprocess.run(["gcc", "-O2", "-shared", "-fPIC", "-o", str(lib), "bench.c"], cwd=scratch, check=True)
    return lib


NOTES = {}  # what went wrong, for the lines under the table: text -> footnote number


def attempt(f, *args):
    """(value, None) or (None, "why not") for one implementation's step."""
    try:
        return f(*args), None
    except ImportError as e:
        NOTES.setdefault(f"not installed: {e}", None)
        return None, "not installed"
    except Exception as e:  # noqa: BLE001 - a failing implementation is a row, not a crash
        first = str(e).splitlines()[0] if str(e) else ""
        note = f"{type(e).__name__}: {first}"
        NOTES.setdefault(note, len(NOTES) + 1)
        return None, f"error [{NOTES[note]}]"


def measure(args, lib_path):
    """{impl: {row: (value, ok) | "why not"}}, and the bare libclang used (or None)."""
    results = {}
    modules, impl_rows, keep = {}, {}, []
    for impl, name in (("wyvern", args.as_wyvern), ("cffi", "cffi")):
        modules[impl], why = attempt(importlib.import_module, name)
        if why:
            results[impl] = {row: why for row in (*CALL_ROWS, "cdef", "import")}
            continue
        got, why = attempt(cffi_like_rows, modules[impl], lib_path)
        impl_rows[impl] = got[0] if got else {}
        keep.append(got)
        results[impl] = {row: why for row in CALL_ROWS} if why else {}
    got, why = attempt(ctypes_rows, lib_path)
    impl_rows["ctypes"] = got[0] if got else {}
    keep.append(got)
    results["ctypes"] = {row: why for row in CALL_ROWS} if why else {}
    for impl, rows in time_call_rows(impl_rows, args.calls, args.repeats).items():
        results[impl].update(rows)
    del keep  # what the rows' arguments point into, alive until they are timed
    bare = measure_cdefs(args, results, modules, lib_path)
    results["pydffi"] = measure_pydffi_in_child(args, lib_path)
    for impl, name in (("wyvern", args.as_wyvern), ("cffi", "cffi"), ("ctypes", "ctypes"), ("pydffi", "pydffi")):
        if not isinstance(results[impl].get("import"), str):
            ms, why = attempt(import_ms, name, args.import_repeats)
            results[impl]["import"] = why or (ms, True)
    return results, bare


def measure_pydffi(args, lib_path):
    """pydffi's rows (run in a child process of its own: see measure_pydffi_in_child)."""
    got, why = attempt(pydffi_rows, lib_path)
    if why:
        return {row: why for row in (*CALL_ROWS, "cdef")}
    rows = time_call_rows({"pydffi": got[0]}, args.calls, args.repeats)["pydffi"]
    rows["callback"] = "n/a (no Python callbacks)"
    import pydffi

    cdef = {"pydffi": (lambda: pydffi.FFI().cdef(HEADERS_TEXT), lambda made: True)}
    rows["cdef"] = time_cdefs(cdef, args.repeats)["pydffi"]
    return rows


def measure_pydffi_in_child(args, lib_path):
    """pydffi's rows from ``bench.py --pydffi-child``.

    pydffi carries its own LLVM, and crashes (SIGSEGV in its first cdef) in a process
    where libclang-14 is already loaded, as wyvern and the bare parse load it; so it
    runs alone, with the same loops, and reports back as JSON.
    """
    cmd = [sys.executable, str(Path(__file__).resolve()), "--pydffi-child", str(lib_path),
           "--calls", str(args.calls), "--repeats", str(args.repeats)]
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        last = (p.stderr.strip().splitlines() or [f"exit status {p.returncode}"])[-1]
        _, why = attempt(_raise, RuntimeError(f"pydffi child process: {last}"))
        return {row: why for row in (*CALL_ROWS, "cdef")}
    child = json.loads(p.stdout)
    for note in child["notes"]:
        NOTES.setdefault(note, len(NOTES) + 1 if child["notes"][note] else None)
    return {row: tuple(v) if isinstance(v, list) else v for row, v in child["rows"].items()}


def _raise(error):
    raise error


def time_cdefs(makers, repeats):
    """{name: (ms, ok) | why not} for {name: (make, check)}, timed in turns.

    ``make()`` is one fresh cdef of the six headers; its first, untimed, call is
    checked (and loads libclang and reads the headers from disk).
    """
    out, runs, oks = {}, {}, {}
    for name, (make, check) in makers.items():
        made, why = attempt(make)
        oks[name], why2 = (None, why) if why else attempt(check, made)
        if why or why2:
            out[name] = why or why2
        else:
            runs[name] = lambda make=make: _timed(make)
    samples, why = attempt(interleaved, runs, repeats)
    for name in runs:
        out[name] = why or entry(samples[name], 1e6, oks[name])
    return out


def measure_cdefs(args, results, modules, lib_path):
    """The cdef row: the bare libclang parse and wyvern's cdef in turns, cffi's n/a."""
    bare, why = attempt(BareLibclang)
    makers = {}
    if why:
        results["bare libclang"] = {"cdef": why}
    else:
        # Diagnostics are counted once, untimed: the timed parses do not look at them.
        errors, why = attempt(bare.parse, HEADERS_TEXT, True)
        makers["bare libclang"] = (lambda: bare.parse(HEADERS_TEXT), lambda _: not why and errors == 0)
    if modules["cffi"] is not None:
        results["cffi"]["cdef"] = "n/a (cannot #include)"
    if modules["wyvern"] is not None:
        wy = modules["wyvern"]
        stat_size = ctypes.CDLL(str(lib_path)).stat_size
        stat_size.restype = ctypes.c_ulong

        def make():
            ffi = wy.FFI()
            ffi.cdef(HEADERS_TEXT)
            return ffi

        makers["wyvern"] = (make, lambda ffi: ffi.sizeof("struct stat") == stat_size())
    for name, entry in time_cdefs(makers, args.repeats).items():
        results.setdefault(name, {})["cdef"] = entry
    return bare


def cell(measured, unit_ns=True):
    if measured is None:
        return "-"
    if isinstance(measured, str):
        return measured
    value, ok = measured[0], measured[1]
    text = f"{value:,.0f}" if unit_ns else f"{value:,.1f}"
    return text if ok else f"{text} WRONG RESULT"


def verdict(row, results):
    wy = results.get("wyvern", {}).get(row)
    if not isinstance(wy, tuple):
        return "-", "not measured"
    if not wy[1]:
        return "-", "missed (wrong result)"
    if row == "import":
        return f"{wy[0]:.1f} ms", "met" if wy[0] < IMPORT_TARGET_MS else "missed"
    if row == "cdef":
        base, target = results["bare libclang"].get("cdef"), CDEF_TARGET
    else:
        base, target = results.get("cffi", {}).get(row), CALL_TARGET
    if not isinstance(base, tuple):
        return "-", "not measured (no baseline)"
    if len(wy) == 3 and len(base) == 3 and len(wy[2]) == len(base[2]):
        ratio = paired_ratio(wy[2], base[2])
    else:
        ratio = wy[0] / base[0]
    return f"{ratio:.2f}x", "met" if ratio <= target else "missed"


TARGET_TEXT = {row: f"<= {CALL_TARGET}x cffi" for row in CALL_ROWS}
TARGET_TEXT.update(cdef=f"<= {CDEF_TARGET}x bare", **{"import": f"< {IMPORT_TARGET_MS:.0f} ms"})


def table(results, wy_label):
    impls = ["wyvern", "cffi", "ctypes", "pydffi", "bare libclang"]
    head = ["", wy_label, "cffi ABI", "ctypes", "pydffi", "bare libclang", "wyvern ratio", "target", "status"]
    lines = [head]
    for row in (*CALL_ROWS, "cdef", "import"):
        unit_ns = row in CALL_ROWS
        cells = [cell(results.get(i, {}).get(row), unit_ns) if (i != "bare libclang" or row == "cdef") else "-"
                 for i in impls]
        ratio, status = verdict(row, results)
        title = ROW_TITLES[row] + (" ns" if unit_ns else "")
        lines.append([title, *cells, ratio, TARGET_TEXT[row], status])
    widths = [max(len(str(r[c])) for r in lines) for c in range(len(head))]
    out = []
    for i, r in enumerate(lines):
        out.append("| " + " | ".join(str(v).ljust(w) for v, w in zip(r, widths)) + " |")
        if i == 0:
            out.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(out)


def versions(args, bare):
    parts = [f"Python {platform.python_version()} ({platform.machine()})"]
    for name in dict.fromkeys((args.as_wyvern, "cffi", "pydffi")):
        parts.append(f"{name} {version_of(name)}")
    if bare:
        parts.append(f"libclang {bare.path} (args: {' '.join(bare.args)})")
    return "; ".join(parts)


def version_of(name):
    """A module's version and, when it was imported here, where from; never imports it."""
    module = sys.modules.get(name)
    if module is not None and getattr(module, "__version__", None):
        return f"{module.__version__} ({Path(module.__file__).parent})"
    try:
        from importlib.metadata import version

        return version(name)
    except Exception:  # noqa: BLE001 - no metadata: not installed as a distribution
        return "not installed"


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--calls", type=int, default=40_000, help="calls (callbacks) per timed loop")
    p.add_argument("--repeats", type=int, default=35, help="timed loops per row and implementation; the median is shown")
    p.add_argument("--import-repeats", type=int, default=5)
    p.add_argument("--as-wyvern", default="wyvern", metavar="MODULE",
                   help="module for the wyvern column (cffi, to check the code path)")
    p.add_argument("--pydffi-child", metavar="LIB", help=argparse.SUPPRESS)
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.pydffi_child:
        rows = measure_pydffi(args, Path(args.pydffi_child))
        print(json.dumps({"rows": rows, "notes": NOTES}))
        return 0
    scratch = Path(tempfile.mkdtemp(prefix="wyvern-pybench-"))
    try:
        lib_path = build(scratch)
        results, bare = measure(args, lib_path)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    label = "wyvern" if args.as_wyvern == "wyvern" else f"wyvern column = {args.as_wyvern}"
    print(f"{versions(args, bare)}")
    print(f"medians of {args.repeats} rounds of {args.calls:,} calls each (callbacks: "
          f"{args.calls // CALLBACKS_PER_CALL:,} calls of sum_cb x {CALLBACKS_PER_CALL}), taken in turns; "
          f"wyvern ratio: median of the rounds' ratios; import: median of {args.import_repeats} fresh interpreters")
    print()
    print(table(results, label))
    floor = median_ns(lambda: loop2(operator.add, 20, 22, args.calls), args.repeats) / args.calls
    print(f"floor: the same loop calling the builtin operator.add(20, 22) takes {floor:,.0f} ns a call")
    for text, number in NOTES.items():
        print(f"[{number}] {text}" if number else text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
