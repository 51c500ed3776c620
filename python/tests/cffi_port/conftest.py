"""Runs the upstream tests under the chosen FFI and logs each outcome for report.py.

- Tests listed in not_applicable.txt are skipped with their reason (run them anyway
  with CFFI_PORT_RUN_ALL=1).
- ``--port-log FILE`` appends one JSON object a line: ``port`` (what is tested),
  ``start`` (a test began, so a crash or hang can be blamed on it) and ``result``
  (upstream id, outcome, first line of the error). Tests already having a result in
  FILE are deselected, so report.py can resume after a crash.
"""

import json
import os

import pytest

import port

collect_ignore = ["upstream"]


def pytest_addoption(parser):
    parser.addoption("--port-log", default=None, help="append outcomes as JSON lines to this file")


class _Log:
    def __init__(self, path):
        self.path = path
        self.phases = {}  # nodeid -> [(phase, outcome, message)]

    def write(self, **record):
        if self.path:
            with open(self.path, "a") as f:
                f.write(json.dumps(record) + "\n")
                f.flush()
                os.fsync(f.fileno())

    def done_ids(self):
        if not self.path or not os.path.exists(self.path):
            return set()
        with open(self.path) as f:
            records = [json.loads(line) for line in f if line.strip()]
        return {r["id"] for r in records if r.get("event") == "result"}


def pytest_configure(config):
    config._port_log = _Log(config.getoption("--port-log"))
    config._port_ids = {}  # nodeid -> upstream id


def _first_line(text):
    for line in str(text).splitlines():
        if line.strip():
            return line.strip()
    return ""


def _message(report):
    longrepr = report.longrepr
    if longrepr is None:
        return ""
    if isinstance(longrepr, tuple):  # a skip: (path, line, "Skipped: reason")
        return _first_line(longrepr[2]).removeprefix("Skipped: ")
    crash = getattr(longrepr, "reprcrash", None)
    if crash is not None:
        return _first_line(crash.message)
    return _first_line(longrepr)


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector):
    outcome = yield
    report = outcome.get_result()
    if report.failed:
        collector.config._port_log.write(
            event="collect_error", where=str(collector.nodeid), message=str(report.longrepr)
        )


def pytest_collection_modifyitems(session, config, items):
    log = config._port_log
    table = port.not_applicable()
    run_all = os.environ.get("CFFI_PORT_RUN_ALL") == "1"
    done = log.done_ids()
    keep, dropped, seen = [], [], set()
    for item in items:
        uid = port.upstream_id(item.function)
        config._port_ids[item.nodeid] = uid
        seen.add(uid)
        if uid in done:
            dropped.append(item)
            continue
        if uid in table and not run_all:
            item.add_marker(pytest.mark.skip(reason=f"not applicable to ABI mode: {table[uid]}"))
        keep.append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = keep
    if items or dropped:
        chosen = items[0].module.PORT if items else dropped[0].module.PORT
        if not done:
            log.write(
                event="port",
                describe=chosen.describe(),
                module=chosen.module_name,
                shimmed=chosen.shimmed,
                missing=chosen.missing,
                upstream_version=port.UPSTREAM_VERSION,
                run_all=run_all,
                unknown_not_applicable=sorted(set(table) - seen),
                not_applicable=table,
            )


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_protocol(item, nextitem):
    item.config._port_log.write(event="start", id=item.config._port_ids[item.nodeid])


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    phases = item.config._port_log.phases.setdefault(item.nodeid, [])
    phases.append((report.when, report.outcome, _message(report)))
    if report.when == "teardown":
        _write_result(item, phases)


def _write_result(item, phases):
    config = item.config
    uid = config._port_ids[item.nodeid]
    table = port.not_applicable()
    failed = [(w, m) for w, o, m in phases if o == "failed"]
    skipped = [m for w, o, m in phases if o == "skipped"]
    if failed:
        when, message = failed[0]
        outcome = "failed"
        if when != "call":
            message = f"[{when}] {message}"
    elif skipped:
        message = skipped[0]
        outcome = "not_applicable" if message.startswith("not applicable to ABI mode:") else "skipped"
    else:
        outcome, message = "passed", ""
    config._port_log.write(event="result", id=uid, nodeid=item.nodeid, outcome=outcome,
                           message=message, not_applicable=uid in table)
