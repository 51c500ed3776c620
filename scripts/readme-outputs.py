#!/usr/bin/env python3
"""Runs the `$ wyvern ...` commands of README.md that need nothing but this
repository and the system headers, and prints each command with what it
printed, so two builds can be compared (`diff`), and says where the output
differs from what the README shows. Commands naming files the README builds
elsewhere (shapes.h, libcfg.so, ...) are listed as skipped. Addresses
(0x7f...) are masked: they change from run to run.

    python3 scripts/readme-outputs.py [path/to/wyvern] > outputs.txt
"""
import os
import re
import shlex
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ADDR = re.compile(r"0x[0-9a-f]{6,}")


def blocks(text):
    """(command, expected lines) for each `$ wyvern` line of a fenced block."""
    out, fence, cmd = [], False, None
    for line in text.split("\n"):
        if line.startswith("```"):
            if cmd:
                out.append(cmd)
            cmd, fence = None, not fence
            continue
        if not fence:
            continue
        if line.startswith("$ "):
            if cmd:
                out.append(cmd)
            cmd = (line[2:], []) if line.startswith("$ wyvern ") else None
        elif cmd:
            cmd[1].append(line)
    return out


def runnable(args, made):
    for a in args:
        if a.startswith("-") or a.startswith("<"):
            continue
        if re.search(r"\.(h|so|o|wydb|c)$", a) and not a.startswith("/"):
            if not (os.path.exists(os.path.join(ROOT, a)) or a in made):
                return False
    return True


def main():
    wyvern = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "target/debug/wyvern"))
    text = open(os.path.join(ROOT, "README.md"), encoding="utf-8").read()
    made, differ, ran = set(), 0, 0
    with tempfile.TemporaryDirectory() as tmp:
        os.symlink(os.path.join(ROOT, "include-fixtures"), os.path.join(tmp, "include-fixtures"))
        for cmd, expected in blocks(text):
            args = shlex.split(cmd)[1:]
            if not runnable(args, made):
                print(f"## skipped (needs files built elsewhere): {cmd}")
                continue
            if "-o" in args:
                made.add(args[args.index("-o") + 1])
            p = subprocess.run([wyvern] + args, cwd=tmp, capture_output=True, text=True)
            got = ADDR.sub("0x…", (p.stdout + p.stderr).rstrip("\n"))
            ran += 1
            print(f"$ {cmd}\n{got}\n## exit {p.returncode}")
            want = ADDR.sub("0x…", "\n".join(expected).rstrip("\n"))
            if want.strip() and "..." not in want and got != want:
                differ += 1
                print("## differs from the README")
    print(f"## {ran} commands run, {differ} differ from the README")


main()
