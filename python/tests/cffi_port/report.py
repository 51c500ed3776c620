#!/usr/bin/env python3
"""Runs the cffi port under pytest and writes RESULTS.md.

    python report.py [--ffi wyvern|cffi|MODULE] [--shim] [--output RESULTS.md]
                     [--hang-seconds 60] [-- extra pytest args]

pytest runs in a child process (``-p no:cacheprovider``) that logs each test's
outcome as it finishes (conftest.py, ``--port-log``). When the child dies (a
segfault in the FFI under test) or stops making progress for ``--hang-seconds``,
the test it was running is recorded as failed ("crashed" / "hung") and pytest is
started again on the tests not yet run, until every test has a result.

RESULTS.md gives the FFI tested, the upstream cffi version, totals (passed,
failed, skipped by the test itself, not applicable), the pass rate over the
applicable tests (passed / (total - not applicable): a test that skips itself,
e.g. on NotImplementedError, counts as not passed), one line per failure with the
first line of its error, and the names cffi's namespace has that the FFI's module
lacks.
"""

import argparse
import json
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
TARGET = 0.90
MAX_RESTARTS = 200


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--ffi", default=os.environ.get("CFFI_PORT_FFI", "wyvern"),
                   help="module whose FFI is tested (CFFI_PORT_FFI); default wyvern")
    p.add_argument("--shim", action="store_true",
                   help="with --ffi cffi: run real cffi through the stand-in module (CFFI_PORT_SHIM=1)")
    p.add_argument("--output", default=str(HERE / "RESULTS.md"))
    p.add_argument("--hang-seconds", type=float, default=60.0)
    p.add_argument("--check", action="store_true",
                   help="exit 1 when the pass rate over applicable tests is under the target (make test)")
    p.add_argument("pytest_args", nargs="*", help="passed to pytest after --")
    return p.parse_args(argv)


def read_log(path):
    if not path.exists():
        return []
    records = []
    for line in path.read_text().splitlines():
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError:
            pass  # a line cut short by a crash
    return records


def run_once(args, log, env):
    """Runs pytest once; returns (returncode, how it ended: "exit"|"crash"|"hang")."""
    # --port-log=FILE in one word: pytest would take a separate, existing FILE for a
    # test path and look for its rootdir and conftest there.
    cmd = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q",
           "-c", str(HERE / "pytest.ini"), "--rootdir", str(HERE),
           f"--port-log={log}", *args.pytest_args]
    child = subprocess.Popen(cmd, cwd=HERE, env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, start_new_session=True)
    out = tempfile.TemporaryFile()
    last_size, last_change = -1, time.monotonic()
    os.set_blocking(child.stdout.fileno(), False)
    while True:
        chunk = child.stdout.read()
        if chunk:
            out.write(chunk)
        rc = child.poll()
        if rc is not None:
            rest = child.stdout.read()
            if rest:
                out.write(rest)
            break
        size = log.stat().st_size if log.exists() else 0
        if size != last_size:
            last_size, last_change = size, time.monotonic()
        elif time.monotonic() - last_change > args.hang_seconds:
            os.killpg(child.pid, signal.SIGKILL)
            child.wait()
            return None, "hang", _tail(out)
        time.sleep(0.05)
    if rc < 0:
        return rc, "crash", _tail(out)
    return rc, "exit", _tail(out)


def _tail(f, n=4000):
    f.seek(0)
    return f.read().decode(errors="replace")[-n:]


def blame(log, why):
    """Records the test that was running (a start without a result) as failed."""
    records = read_log(log)
    done = {r["id"] for r in records if r.get("event") == "result"}
    started = [r["id"] for r in records if r.get("event") == "start" and r["id"] not in done]
    if not started:
        return False
    with open(log, "a") as f:
        f.write("\n" + json.dumps({"event": "result", "id": started[-1], "outcome": "failed",
                                   "message": why, "not_applicable": False}) + "\n")
    return True


def run_all(args):
    env = dict(os.environ, CFFI_PORT_FFI=args.ffi)
    if args.shim:
        env["CFFI_PORT_SHIM"] = "1"
    scratch = Path(tempfile.mkdtemp(prefix="cffi-port-"))
    log = scratch / "log.jsonl"
    output = ""
    try:
        for _ in range(MAX_RESTARTS):
            rc, how, output = run_once(args, log, env)
            if how == "exit":
                break
            why = (f"crashed the interpreter (signal {-rc})" if how == "crash"
                   else f"hung (no progress for {args.hang_seconds:g} s; killed)")
            if not blame(log, why):
                break  # died outside any test: report what there is
        return read_log(log), output
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def summarise(records):
    port = next((r for r in records if r.get("event") == "port"), None)
    results = {}
    for r in records:
        if r.get("event") == "result":
            results.setdefault(r["id"], r)
    errors = [r for r in records if r.get("event") == "collect_error"]
    return port, results, errors


def render(args, port, results, errors, output):
    counts = Counter(r["outcome"] for r in results.values())
    total = len(results)
    applicable = total - counts["not_applicable"]
    passed = counts["passed"]
    rate = passed / applicable if applicable else 0.0
    lines = [f"# cffi port results: {args.ffi}{' (through the stand-in)' if args.shim else ''}", ""]
    lines.append("Written by `python/tests/cffi_port/report.py`; do not edit by hand.")
    lines.append("")
    if port:
        lines.append(f"- FFI tested: {port['describe']}")
        lines.append(f"- upstream tests: cffi {port['upstream_version']} `testing/cffi0/backend_tests.py` "
                     "and `test_ownlib.py`, unchanged (upstream/README.md)")
    lines.append(f"- Python {platform.python_version()} on {platform.machine()} {platform.system()}, "
                 f"pytest run on {time.strftime('%Y-%m-%d', time.gmtime())}")
    lines.append("")
    if errors or not results:
        lines.append("## The run did not collect")
        lines.append("")
        for e in errors:
            lines.append("```")
            lines.append(e["message"].strip()[-3000:])
            lines.append("```")
        if not errors:
            lines += ["```", output.strip()[-3000:], "```"]
        lines.append("")
    lines.append("| | tests |")
    lines.append("|---|---:|")
    lines.append(f"| passed | {passed} |")
    lines.append(f"| failed | {counts['failed']} |")
    lines.append(f"| skipped by the test itself (counts as not passed) | {counts['skipped']} |")
    lines.append(f"| not applicable to ABI mode (not_applicable.txt) | {counts['not_applicable']} |")
    lines.append(f"| total | {total} |")
    lines.append("")
    met = "met" if rate >= TARGET else "missed"
    lines.append(f"**Pass rate over applicable tests: {passed}/{applicable} = {rate:.1%}** "
                 f"(target ≥ {TARGET:.0%}: {met})")
    lines.append("")
    if port and port.get("missing"):
        lines.append("Names `from cffi import ...` takes that the module lacks (placeholders that "
                     f"nothing raises): {', '.join(port['missing'])}")
        lines.append("")
    if port and port.get("unknown_not_applicable"):
        lines.append("not_applicable.txt names tests that do not exist: "
                     + ", ".join(port["unknown_not_applicable"]))
        lines.append("")
    lines += causes(results)
    lines += section("Failures", results, "failed")
    lines += section("Skipped by the test itself", results, "skipped")
    lines += section("Not applicable to ABI mode", results, "not_applicable",
                     strip="not applicable to ABI mode: ")
    return "\n".join(lines).rstrip() + "\n"


def cause(message):
    """A failure message with its particulars (quoted names, numbers, addresses) blanked."""
    message = re.sub(r"'[^']*'|\"[^\"]*\"", "'…'", message)
    message = re.sub(r"0x[0-9a-fA-F]+|\b\d+\b", "N", message)
    return message[:160]


def causes(results):
    """Failures grouped by cause(), most common first: what to fix first."""
    groups = Counter(cause(r["message"]) for r in results.values() if r["outcome"] == "failed")
    if not groups:
        return []
    out = [f"## Failures by cause ({len(groups)} causes)", "", "| tests | first line of the error, particulars blanked |",
           "|---:|---|"]
    out += [f"| {n} | `{text}` |" for text, n in groups.most_common()]
    out.append("")
    return out


def section(title, results, outcome, strip=""):
    rows = sorted((uid, r["message"]) for uid, r in results.items() if r["outcome"] == outcome)
    if not rows:
        return []
    out = [f"## {title} ({len(rows)})", ""]
    for uid, message in rows:
        message = message[len(strip):] if strip and message.startswith(strip) else message
        message = message.replace("|", "\\|")
        out.append(f"- `{uid}`: {message[:300]}")
    out.append("")
    return out


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    records, output = run_all(args)
    port, results, errors = summarise(records)
    text = render(args, port, results, errors, output)
    Path(args.output).write_text(text)
    counts = Counter(r["outcome"] for r in results.values())
    print(f"{args.output}: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    applicable = sum(v for k, v in counts.items() if k != "not_applicable")
    rate = counts.get("passed", 0) / applicable if applicable else 0.0
    print(f"pass rate over applicable tests: {counts.get('passed', 0)}/{applicable} = {rate:.1%} "
          f"(target {TARGET:.0%})")
    if args.check and rate < TARGET:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
