"""Conformance suite: targets (or replmock's own mock when none is given), options, capabilities, drift report."""

from __future__ import annotations

import argparse
import json
import os
import re
import warnings
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pytest

from replmock._fleet_report import Fleet, capped_clusters, cluster_facts, failures_of, write_html
from replmock._secrets import Secret, redact_data, safe_address
from replmock.conformance import (
    MOCK_NONSUDO,
    MOCK_TOKEN,
    OPTIONS,
    Capabilities,
    Reply,
    RequestFailed,
    Target,
    add_options,
    capped,
    clip,
    plan,
    probe,
    redact,
    write_drift_report,
)

T = TypeVar("T")


class ConformanceWarning(UserWarning):
    """A weak-evidence invariant (marked "verify live") did not hold: reported, not failed."""


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("replmock-conformance", "replmock conformance suite")
    add_options(group.addoption, hidden=argparse.SUPPRESS)


@dataclass
class Suite:
    """Session state: the targets, the mock when the suite runs against it, what each target turned out to be."""

    targets: dict[str, Target]
    scenario: str | None = None
    seed: int = 0
    mock: Any = None
    capabilities: dict[str, Capabilities] = field(default_factory=dict)
    unusable: set[str] = field(default_factory=set)
    pictured: set[str] = field(default_factory=set)
    """Targets whose facts for the fleet picture this process has recorded (once per process and target)."""

    def start(self) -> None:
        if self.scenario is None or self.mock is not None:
            return
        from replmock.generate import scenario
        from replmock.server import MockTopology

        self.mock = MockTopology(
            scenario(self.scenario, self.seed), root_token=MOCK_TOKEN, tokens=[MOCK_NONSUDO], strict=False
        ).start()
        for name, vault in self.mock.vaults.items():
            self.targets[name].address = vault.url

    def stop(self) -> None:
        if self.mock is not None:
            self.mock.stop()

    def secrets(self) -> list[Secret]:
        return [s for t in self.targets.values() for s in t.secrets()]

    def caps(self, target: Target) -> Capabilities:
        if target.name not in self.capabilities:
            self.capabilities[target.name] = probe(target)
        return self.capabilities[target.name]

    def wait(self, seconds: float) -> None:
        """Let time pass between two reads: the mock's clock, or the wall clock for a real server."""
        if self.mock is not None:
            self.mock.advance(max(seconds, 5.0))
        elif seconds > 0:
            import time

            time.sleep(seconds)


_SUITE = pytest.StashKey[Suite]()


def pytest_configure(config: pytest.Config) -> None:
    from replmock._errors import ReplmockError

    values = {option.dest: config.getoption(option.dest) for option in OPTIONS}
    try:
        run_plan = plan(values)
    except ReplmockError as exc:
        raise pytest.UsageError(f"replmock conformance: {str(exc).removeprefix('replmock: ')}") from None
    unusable = set(values.get("replmock_unusable") or ())
    suite = Suite({t.name: t for t in run_plan.targets if t.name not in unusable}, run_plan.scenario, run_plan.seed)
    suite.unusable = unusable
    config.stash[_SUITE] = suite
    config.pluginmanager.register(_Reporter(config), "replmock-conformance-reporter")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The checks of a target that failed preflight are not run (the runner has said why, in one line): its own
    are not generated (it is not in the suite's targets), the cross-cluster ones are deselected."""
    unusable = config.stash[_SUITE].unusable
    if not unusable:
        return
    keep: list[pytest.Item] = []
    drop: list[pytest.Item] = []
    for item in items:
        callspec = getattr(item, "callspec", None)
        name = callspec.params.get("target") if callspec is not None else None
        (drop if name is None and _cross_cluster(item) else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


def _cross_cluster(item: pytest.Item) -> bool:
    """A check over every target at once: with one of them missing it would check a partial picture."""
    return "suite" in getattr(item, "fixturenames", ())


def pytest_report_header(config: pytest.Config) -> list[str]:
    suite = config.stash[_SUITE]
    lines = []
    namespace = os.environ.get("VAULT_NAMESPACE", "").strip("/")
    if namespace and namespace != "root":
        lines.append(
            f"replmock conformance: VAULT_NAMESPACE={namespace} is not sent: replication paths are root-namespace only"
        )
    if suite.scenario is not None:
        lines.append(
            f"replmock conformance: self-test: checking replmock's own mock, scenario {suite.scenario} (seed {suite.seed})"
        )
    else:
        names = ", ".join(f"{t.name}={safe_address(t.address)}" for t in suite.targets.values())
        lines.append(f"replmock conformance: {len(suite.targets)} target(s): {names}")
    return lines


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "target" in metafunc.fixturenames:
        names = list(metafunc.config.stash[_SUITE].targets)
        metafunc.parametrize("target", names, indirect=True, ids=names)


@pytest.fixture(scope="session")
def suite(pytestconfig: pytest.Config) -> Iterator[Suite]:
    current = pytestconfig.stash[_SUITE]
    current.start()
    yield current
    current.stop()


@pytest.fixture
def target(request: pytest.FixtureRequest, suite: Suite) -> Target:
    found = suite.targets[request.param]
    caps = suite.caps(found)
    if caps.kind == "unreachable":
        pytest.fail(redact(caps.detail, found.secrets()), pytrace=False)
    described = redact(f"{safe_address(found.address)}: {caps.describe()}", found.secrets())
    request.node.user_properties.append(("replmock-target", json.dumps([found.name, clip(described)])))
    if found.name not in suite.pictured and _wants_picture(request.config):
        suite.pictured.add(found.name)
        request.node.user_properties.append(("replmock-cluster", json.dumps(_facts(found, caps))))
    return found


def _wants_picture(config: pytest.Config) -> bool:
    return bool(config.getoption("--replmock-report") or config.getoption("--replmock-drift-report"))


def _facts(found: Target, caps: Capabilities) -> dict[str, Any]:
    """The target's facts for the fleet picture: one more read of its replication status (a GET)."""
    try:
        status = found.get("status").body
    except RequestFailed:
        status = None
    facts = cluster_facts(found.name, safe_address(found.address), caps.kind, caps.version, status)
    return dict(redact_data(facts, found.secrets()))


@pytest.fixture
def caps(target: Target, suite: Suite) -> Capabilities:
    return suite.caps(target)


@pytest.fixture
def enterprise(caps: Capabilities) -> Capabilities:
    """Skip the check unless the target is Vault Enterprise."""
    if not caps.enterprise:
        pytest.skip(caps.skip_reason())
    return caps


@pytest.fixture
def profile(pytestconfig: pytest.Config) -> str:
    return str(pytestconfig.getoption("--replmock-profile"))


def fail(message: str, target: Target | None = None, *, secrets: list[Secret] | None = None) -> None:
    """Fail a check with ``message`` (tokens of ``target``, or ``secrets``, redacted; at most 50 lines), no traceback."""
    lines = message.splitlines() or [""]
    text = "\n".join([clip(lines[0], 600), *capped(lines[1:])])
    hidden = secrets if secrets is not None else (target.secrets() if target else [])
    pytest.fail(redact(text, hidden), pytrace=False)


def warn(message: str, secrets: list[Secret]) -> None:
    """Report a weak-evidence finding as a warning (``secrets`` redacted, at most 50 lines)."""
    lines = message.splitlines() or [""]
    text = "\n".join([clip(lines[0], 600), *capped(lines[1:])])
    warnings.warn(ConformanceWarning(redact(text, secrets)), stacklevel=2)


def describe_reply(reply: Reply) -> str:
    note = f" ({reply.note})" if reply.note else ""
    return f"HTTP {reply.status} {reply.text[:200]!r}{note}"


def guarded(what: str, target: Target | None, call: Callable[[], T], *, secrets: list[Secret] | None = None) -> T:
    """Run invariant or schema code on a target's payloads; a wrongly typed or too deep payload fails the check cleanly."""
    failure = ""
    try:
        return call()
    except RecursionError:
        failure = f"{what}: a payload is nested too deeply to check"
    except Exception as exc:
        failure = f"{what}: a payload has an unexpected shape ({type(exc).__name__}: {clip(str(exc), 200)})"
    fail(failure, target, secrets=secrets)
    raise AssertionError(failure)  # pragma: no cover - fail() raised


@pytest.hookimpl(wrapper=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> Generator[None, Any, Any]:
    """A request that got no usable answer fails its check with the (safe) message alone: no traceback, no locals."""
    failure = ""
    try:
        return (yield)
    except RequestFailed as exc:
        failure = str(exc)
    fail(failure)
    return None  # pragma: no cover - fail() raised


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Every report sink (terminal, JUnit, xdist, user properties) gets the report with the targets' secrets redacted."""
    report: pytest.TestReport = yield
    callspec = getattr(item, "callspec", None)
    name = callspec.params.get("target") if callspec is not None else None
    report.user_properties.append(("replmock-check", str(name) if name is not None else CROSS_CLUSTER))
    scrub(report, item.config.stash[_SUITE].secrets())
    return report


def scrub(report: pytest.TestReport, secrets: list[Secret]) -> None:
    if not secrets:
        return
    if isinstance(report.longrepr, tuple):  # a skip: (path, line, reason)
        path, line, reason = report.longrepr
        report.longrepr = (path, line, redact(reason, secrets))
    elif report.longrepr is not None:
        text = str(report.longrepr)
        cleaned = redact(text, secrets)
        if cleaned != text:
            report.longrepr = cleaned
    report.sections = [(key, redact(value, secrets)) for key, value in report.sections]
    report.user_properties = [(key, redact(str(value), secrets)) for key, value in report.user_properties]


CROSS_CLUSTER = "cross-cluster"
_ISSUE = re.compile(r"^\s+(?P<path>\$\S*): (?P<message>.*?) \[source: (?P<source>[^\]]*)")


@dataclass
class Tally:
    """One target's results for the summary."""

    passed: int = 0
    failed: int = 0
    skipped: int = 0
    failures: list[str] = field(default_factory=list)


def failure_line(report: pytest.TestReport) -> str:
    """One line for a failed check: its name, the first line of why, and the first issue's field path and x-source."""
    lines = [line for line in report.longreprtext.splitlines() if line.strip()]
    head = lines[0].removeprefix("Failed: ") if lines else ""
    issues = [m for m in (_ISSUE.match(line) for line in lines[1:]) if m]
    where = ""
    if issues:
        first = issues[0]
        more = f" (+{len(issues) - 1} more)" if len(issues) > 1 else ""
        where = f" at {first['path']}: {clip(first['message'], 120)} (x-source: {clip(first['source'], 100)}){more}"
    check = report.nodeid.rsplit("::", 1)[-1]
    return f"FAILED {check}: {clip(head.rstrip(':'), 200)}{where}"


class _Reporter:
    """Collects what the checks recorded (on the xdist controller too) and writes the summary and drift report."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.secrets = config.stash[_SUITE].secrets()
        self.drift: list[dict[str, Any]] = []
        self.kinds: dict[str, str] = {}
        self.tallies: dict[str, Tally] = {}
        self.clusters: dict[str, dict[str, Any]] = {}

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        self._tally(report)
        for key, value in report.user_properties:
            if key == "replmock-cluster":  # recorded at setup: a check skipped there still brings it
                facts = json.loads(str(value))
                self.clusters.setdefault(str(facts.get("name")), facts)
        if report.when != "call":
            return
        for key, value in report.user_properties:
            if key == "replmock-drift":
                self.drift.extend(json.loads(str(value)))
            elif key == "replmock-target":
                name, kind = json.loads(str(value))
                self.kinds[name] = kind

    def _tally(self, report: pytest.TestReport) -> None:
        if not (report.when == "call" or (report.when == "setup" and not report.passed) or report.failed):
            return
        name = next((str(v) for k, v in report.user_properties if k == "replmock-check"), CROSS_CLUSTER)
        tally = self.tallies.setdefault(name, Tally())
        if report.failed:
            tally.failed += 1
            tally.failures.append(redact(failure_line(report), self.secrets))
        elif report.skipped:
            tally.skipped += 1
        elif report.when == "call":
            tally.passed += 1

    def fleet(self) -> Fleet:
        """The picture of the fleet: every cluster seen, its links, each target's failed checks."""
        clusters = redact_data(capped_clusters(self.clusters), self.secrets)
        failures = {name: failures_of(t.failures) for name, t in self.tallies.items() if t.failed}
        return Fleet(clusters, failures, sorted(self.config.stash[_SUITE].unusable))

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if hasattr(self.config, "workerinput"):
            return
        base = self.config.getoption("--replmock-drift-report")
        report = self.config.getoption("--replmock-report")
        fleet = self.fleet() if base or report else None
        if base:
            entries = sorted(self.drift, key=lambda e: (e["target"], e["endpoint"], e["path"]))
            write_drift_report(entries, self.kinds, Path(base), self.secrets, fleet)
        if report and fleet is not None:
            write_html(fleet, Path(report))

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if not self.kinds and not self.tallies:
            return
        terminalreporter.section("replmock conformance")
        for name, kind in sorted(self.kinds.items()):
            terminalreporter.write_line(redact(f"{name}: {kind}", self.secrets))
        unusable = self.config.stash[_SUITE].unusable
        for name in sorted(set(self.tallies) | unusable, key=lambda n: (n == CROSS_CLUSTER, n)):
            if name in unusable:
                terminalreporter.write_line(f"{name}: UNUSABLE: preflight failed, no checks run")
                continue
            t = self.tallies[name]
            verdict = "FAIL" if t.failed else "ok"
            terminalreporter.write_line(f"{name}: {verdict}: {t.passed} passed, {t.failed} failed, {t.skipped} skipped")
            for line in t.failures:
                terminalreporter.write_line(f"  {line}")
        base = self.config.getoption("--replmock-drift-report")
        if base:
            where = Path(base).with_suffix(".md")
            terminalreporter.write_line(
                f"drift report: {where} ({len(self.drift)} difference(s) from the documented schema)"
            )
        report = self.config.getoption("--replmock-report")
        if report:
            terminalreporter.write_line(
                f"fleet report: {report} ({len(self.clusters)} cluster(s), open it in a browser; no network needed)"
            )
