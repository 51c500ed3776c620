#!/usr/bin/env python3
"""Reports the source tree's shape: files over a line budget, functions over a
line budget, and pairs of modules that import each other. rustfmt's layout is
relied on: an item starts at a line holding `fn name` and ends at the first
later line that is a lone `}` at the same indentation.

    python3 scripts/structure.py [--files 600] [--fns 80] [src]

Exits 0 always: it is a report, read by people; the budgets are "about".
"""
import os
import re
import sys
from collections import defaultdict

FN = re.compile(r"^(\s*)(?:pub(?:\([^)]*\))?\s+)?(?:const\s+)?(?:async\s+)?(?:unsafe\s+)?(?:extern\s+\"[^\"]*\"\s+)?fn\s+(\w+)")
USE = re.compile(r"\b(crate|super|self)((?:::\w+)+)")


def module_of(root, path):
    rel = os.path.relpath(path, root)[:-3]
    parts = rel.split(os.sep)
    if parts[-1] in ("mod", "lib", "main"):
        parts = parts[:-1]
    return parts


def files(root):
    for d, _, names in os.walk(root):
        for n in sorted(names):
            if n.endswith(".rs"):
                yield os.path.join(d, n)


def long_fns(lines, budget):
    out = []
    for i, line in enumerate(lines):
        m = FN.match(line)
        if not m or line.rstrip().endswith(";"):
            continue
        indent = m.group(1)
        for j in range(i + 1, len(lines)):
            if lines[j].rstrip() == indent + "}":
                if j - i + 1 > budget:
                    out.append((m.group(2), i + 1, j - i + 1))
                break
    return out


def code_lines(lines, path):
    """Lines that are code: not blank, not comments or docs, not in a unit-test
    module (`#[cfg(test)] mod tests {...}` at the end of a file, or a tests.rs)."""
    if os.path.basename(path) == "tests.rs":
        return 0
    n = 0
    for i, line in enumerate(lines):
        t = line.strip()
        if t == "#[cfg(test)]" and i + 1 < len(lines) and lines[i + 1].startswith("mod tests"):
            break
        if t and not t.startswith("//"):
            n += 1
    return n


def imports(root, path, known):
    """The modules (as tuples) that `path` names through crate::/super:: paths,
    outside its tests."""
    me = module_of(root, path)
    is_dir_mod = os.path.basename(path) in ("mod.rs", "lib.rs", "main.rs")
    text = open(path, encoding="utf-8").read()
    cut = text.find("#[cfg(test)]\nmod tests")
    if cut >= 0:
        text = text[:cut]
    # comments (doc links among them) name modules without importing them
    text = re.sub(r"//[^\n]*", "", text)
    found = set()
    for m in USE.finditer(text):
        head, rest = m.group(1), m.group(2).split("::")[1:]
        if head == "crate":
            base = []
        elif head == "super":
            base = me[:-1]
        else:
            base = me if is_dir_mod else me[:-1] + [me[-1]]
        parts = base + rest
        # the longest prefix that is a module file
        for k in range(len(parts), 0, -1):
            t = tuple(parts[:k])
            if t in known:
                if t != tuple(me):
                    found.add(t)
                break
    return found


def main():
    args = sys.argv[1:]
    fb, nb, root = 600, 80, "src"
    while args:
        a = args.pop(0)
        if a == "--files":
            fb = int(args.pop(0))
        elif a == "--fns":
            nb = int(args.pop(0))
        else:
            root = a
    paths = list(files(root))
    known = {tuple(module_of(root, p)): p for p in paths}
    big, fns, total, code = [], [], 0, 0
    deps = defaultdict(set)
    for p in paths:
        lines = open(p, encoding="utf-8").read().split("\n")
        total += len(lines) - 1
        code += code_lines(lines, p)
        if len(lines) - 1 > fb:
            big.append((len(lines) - 1, p))
        for name, at, n in long_fns(lines, nb):
            fns.append((n, f"{p}:{at}", name))
        if os.path.relpath(p, root).startswith("bin" + os.sep):
            continue  # the CLI is a crate of its own, using wyvern's public API
        if os.path.basename(p) == "tests.rs":
            continue  # unit tests may use anything
        for t in imports(root, p, known):
            deps[tuple(module_of(root, p))].add(t)
    print(f"{len(paths)} files, {total} lines under {root}; {code} of code "
          "(no blank, comment or doc lines, no unit tests)")
    print(f"files over {fb} lines: {len(big)}")
    for n, p in sorted(big, reverse=True):
        print(f"  {n:5} {p}")
    print(f"functions over {nb} lines: {len(fns)}")
    for n, at, name in sorted(fns, reverse=True):
        print(f"  {n:5} {name} ({at})")
    print("top-level modules and the crate modules each uses:")
    top = defaultdict(set)
    for a, bs in deps.items():
        for b in bs:
            if a[:1] != b[:1]:
                top[a[:1] or ("lib",)].add(b[:1] or ("lib",))
    for a in sorted(top):
        print(f"  {a[0]:9} -> {', '.join(sorted(b[0] for b in top[a]))}")
    pairs = sorted({tuple(sorted((a, b))) for a in deps for b in deps[a] if a in deps.get(b, ())})
    print(f"modules that import each other: {len(pairs)}")
    for a, b in pairs:
        print(f"  {known[a]} <-> {known[b]}")


main()
