#!/usr/bin/env python3
"""Which parts of cffi's API the upstream tests use, ranked by how many tests use each.

    python api_usage.py [--output API-USAGE.md]

Reads upstream/testing/cffi0/{backend_tests,test_ownlib}.py with ``ast`` (nothing
is run). A test's uses include those of the ``self._helper(...)`` methods it calls.
For each kind of use it prints how many tests use it and how many times it occurs,
most-used first, so an FFI written to pass these tests can be built in the order
that unlocks the most tests:

- ``ffi.X``: attributes of an FFI object (a name ``ffi``, ``ffi1``, ``ffi2``...);
- ``lib.X``: a library from ``ffi.dlopen`` (called, read, assigned);
- CData behaviours, found by shape and so approximate: Python builtins applied
  (``int(p)``, ``len(p)``, ``repr(p)``...), indexing and slicing, field access and
  assignment on other names, and which exceptions ``pytest.raises`` expects.

Each test is also listed with the ``ffi`` methods it needs, and the methods are
ordered greedily: each next method is the one that completes the most tests not
yet complete.
"""

import argparse
import ast
import re
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
FILES = [HERE / "upstream/testing/cffi0/backend_tests.py", HERE / "upstream/testing/cffi0/test_ownlib.py"]
FFI_NAME = re.compile(r"^ffi\d*$")
LIB_NAME = re.compile(r"^(lib\d*|ownlib|m)$")
NOT_CDATA = {"self", "pytest", "sys", "os", "gc", "ctypes", "platform", "array", "io", "tempfile",
             "weakref", "warnings", "time", "e", "py", "subprocess", "math", "seen", "result",
             "lst", "keepalive", "cls", "f", "ba", "content", "alloc", "collected"}
BUILTINS = {"int", "float", "len", "repr", "bool", "str", "list", "hash", "bytes", "iter",
            "type", "isinstance", "complex", "abs", "sorted", "dir", "hasattr", "getattr", "setattr",
            "delattr", "memoryview", "bytearray", "tuple", "next", "ord", "id"}


class Uses(ast.NodeVisitor):
    """Everything one function body uses, as Counters."""

    def __init__(self):
        self.ffi = Counter()
        self.lib = Counter()
        self.cdata = Counter()
        self.raises = Counter()
        self.helpers = set()

    def visit_Attribute(self, node):
        base = node.value
        if isinstance(base, ast.Name):
            if FFI_NAME.match(base.id):
                self.ffi[node.attr] += 1
            elif LIB_NAME.match(base.id):
                kind = "assigned" if isinstance(node.ctx, ast.Store) else "read or called"
                self.lib[f"lib.<name> {kind}"] += 1
            elif base.id == "self" and node.attr.startswith(("_", "check")):
                self.helpers.add(node.attr)
            elif base.id not in NOT_CDATA and not base.id[0].isupper():
                kind = "assigned" if isinstance(node.ctx, ast.Store) else "read"
                self.cdata[f"field {kind} (p.x)"] += 1
        elif isinstance(base, (ast.Subscript, ast.Call)):
            kind = "assigned" if isinstance(node.ctx, ast.Store) else "read"
            self.cdata[f"field {kind} (p[i].x, f().x)"] += 1
        self.generic_visit(node)

    def visit_Subscript(self, node):
        if isinstance(node.value, ast.Name) and node.value.id in NOT_CDATA:
            return self.generic_visit(node)
        what = "slice" if isinstance(node.slice, ast.Slice) else "index"
        kind = "assigned" if isinstance(node.ctx, ast.Store) else "read"
        self.cdata[f"{what} {kind} (p[...])"] += 1
        self.generic_visit(node)

    def visit_Call(self, node):
        func = node.func
        if isinstance(func, ast.Name) and func.id in BUILTINS:
            self.cdata[f"{func.id}()"] += 1
        if (isinstance(func, ast.Attribute) and func.attr == "raises"
                and isinstance(func.value, ast.Name) and func.value.id == "pytest" and node.args):
            self.raises[ast.unparse(node.args[0])] += 1
        self.generic_visit(node)

    def visit_For(self, node):
        if isinstance(node.iter, ast.Name) or (
                isinstance(node.iter, ast.Call) and isinstance(node.iter.func, ast.Name)
                and node.iter.func.id == "list"):
            self.cdata["iteration (for x in p)"] += 1
        self.generic_visit(node)


def functions():
    """{(file, class, name): Uses} for every function in the upstream classes."""
    table = {}
    for path in FILES:
        tree = ast.parse(path.read_text())
        for cls in tree.body:
            if not isinstance(cls, ast.ClassDef):
                continue
            for fn in cls.body:
                if isinstance(fn, ast.FunctionDef):
                    uses = Uses()
                    for stmt in fn.body:
                        uses.visit(stmt)
                    table[(path.name, fn.name)] = uses
    return table


def merged(table):
    """{test id: Uses} with each test's helpers' uses added in."""
    out = {}
    for (file, name), uses in table.items():
        if not name.startswith("test_"):
            continue
        total = Uses()
        todo, done = [name], set()
        while todo:
            n = todo.pop()
            if n in done or (file, n) not in table:
                continue
            done.add(n)
            u = table[(file, n)]
            for field in ("ffi", "lib", "cdata", "raises"):
                getattr(total, field).update(getattr(u, field))
            todo.extend(u.helpers)
        out[f"{file}::{name}"] = total
    return out


def ranking(tests, field):
    in_tests, occurrences = Counter(), Counter()
    for uses in tests.values():
        counter = getattr(uses, field)
        occurrences.update(counter)
        in_tests.update(set(counter))
    return sorted(in_tests, key=lambda k: (-in_tests[k], -occurrences[k], k)), in_tests, occurrences


def greedy(tests):
    """ffi methods in the order that completes the most tests at each step."""
    need = {t: set(u.ffi) for t, u in tests.items()}
    have, order = set(), []
    done = sum(1 for s in need.values() if not s)
    while True:
        pending = [s - have for s in need.values() if s - have]
        if not pending:
            return order
        candidates = Counter(m for s in pending for m in s)

        def gain(m):
            return sum(1 for s in pending if s <= have | {m} or s == {m})

        best = max(candidates, key=lambda m: (gain(m), candidates[m], m))
        have.add(best)
        done += sum(1 for s in pending if s <= have)
        order.append((best, done))


def render(tests):
    lines = ["# cffi API used by the upstream tests", "",
             "Written by `python/tests/cffi_port/api_usage.py` from the upstream sources "
             f"(static analysis; {len(tests)} tests). \"tests\" = how many tests use it "
             "(helpers included), \"uses\" = occurrences.", ""]
    titles = {"ffi": "FFI attributes (`ffi.X`)", "lib": "Library objects (`lib = ffi.dlopen(...)`)",
              "cdata": "CData behaviours (by shape, approximate)",
              "raises": "Exceptions expected (`pytest.raises`)"}
    for field, title in titles.items():
        order, in_tests, occ = ranking(tests, field)
        lines += [f"## {title}", "", "| | tests | uses |", "|---|---:|---:|"]
        lines += [f"| `{k}` | {in_tests[k]} | {occ[k]} |" for k in order]
        lines.append("")
    lines += ["## An order to implement the `ffi` methods in", "",
              "Each row adds the method that completes the most tests (counting only their `ffi.X` "
              "needs); the count is the tests whose every `ffi` method is then available.", "",
              "| step | method | tests complete |", "|---:|---|---:|"]
    lines += [f"| {i} | `{m}` | {n} |" for i, (m, n) in enumerate(greedy(tests), 1)]
    lines += ["", "## Per test", "", "| test | `ffi` methods |", "|---|---|"]
    for t in sorted(tests):
        lines.append(f"| `{t}` | {', '.join(sorted(tests[t].ffi)) or '(none)'} |")
    return "\n".join(lines) + "\n"


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--output", default=str(HERE / "API-USAGE.md"))
    args = p.parse_args(argv)
    tests = merged(functions())
    Path(args.output).write_text(render(tests))
    print(f"{args.output}: {len(tests)} tests")
    return 0


if __name__ == "__main__":
    sys.exit(main())
