"""Conformance suite: targets (or replmock's own mock when none is given), options, capabilities, drift report."""

from __future__ import annotations

import json
import os
import warnings
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pytest

from replmock._secrets import Secret, safe_address, secret
from replmock.conformance import (
    DEFAULT_TIMEOUT,
    Capabilities,
    Reply,
    RequestFailed,
    Target,
    capped,
    clip,
    load_targets,
    probe,
    redact,
    target_from_env,
    write_drift_report,
)

T = TypeVar("T")
DEFAULT_MOCK_SCENARIO = "four-cluster"
MOCK_TOKEN, MOCK_NONSUDO = "replmock-root", "replmock-app"


class ConformanceWarning(UserWarning):
    """A weak-evidence invariant (marked "verify live") did not hold: reported, not failed."""


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("replmock-conformance", "replmock conformance suite")
    group.addoption("--vault-addr", help="Vault to check (default: $VAULT_ADDR; none: replmock starts its mock)")
    group.addoption("--vault-token", help="token for --vault-addr (default: $VAULT_TOKEN; status checks need none)")
    group.addoption("--vault-nonsudo-token", help="a valid token without sudo, to check that reindex refuses it")
    group.addoption(
        "--targets", metavar="FILE", help="TOML file of [[target]] tables (name, address, token or token_env)"
    )
    group.addoption(
        "--replmock-profile", default="lenient", choices=["lenient", "strict"], help="schema profile (default lenient)"
    )
    group.addoption(
        "--replmock-allow-mutations",
        action="store_true",
        help="allow checks that send writes (recover; the POST reindex sudo check); without it only GET is sent",
    )
    group.addoption(
        "--replmock-allow-reindex", action="store_true", help="also allow reindex (needs --replmock-allow-mutations)"
    )
    group.addoption(
        "--replmock-drift-report",
        metavar="PATH",
        help="write PATH.json and PATH.md listing drift from the documented schema",
    )
    group.addoption(
        "--replmock-polls", type=int, default=3, help="reads per target for the WAL monotonicity check (default 3)"
    )
    group.addoption(
        "--replmock-poll-interval", type=float, default=1.0, help="seconds between those reads on a real server"
    )
    group.addoption(
        "--replmock-timeout",
        type=float,
        default=DEFAULT_TIMEOUT,
        help=f"seconds a whole request may take (default {DEFAULT_TIMEOUT:g}); a target is given up after two timeouts",
    )


@dataclass
class Suite:
    """Session state: the targets, the mock when the suite runs against it, what each target turned out to be."""

    targets: dict[str, Target]
    scenario: str | None = None
    seed: int = 0
    mock: Any = None
    capabilities: dict[str, Capabilities] = field(default_factory=dict)

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

    if config.getoption("--replmock-allow-reindex") and not config.getoption("--replmock-allow-mutations"):
        raise pytest.UsageError(
            "--replmock-allow-reindex also needs --replmock-allow-mutations (reindex changes the server)"
        )
    if config.getoption("--replmock-polls") < 2:
        raise pytest.UsageError("--replmock-polls must be at least 2 to compare reads")
    timeout = config.getoption("--replmock-timeout")
    if not timeout > 0:
        raise pytest.UsageError(f"--replmock-timeout must be a positive number of seconds, got {timeout}")
    if config.getoption("--targets") and config.getoption("--vault-addr"):
        raise pytest.UsageError("give either --vault-addr or --targets, not both")
    try:
        if config.getoption("--targets"):
            targets = load_targets(config.getoption("--targets"))
        else:
            one = target_from_env(
                config.getoption("--vault-addr"),
                config.getoption("--vault-token"),
                config.getoption("--vault-nonsudo-token"),
            )
            targets = [one] if one else []
    except ReplmockError as exc:
        raise pytest.UsageError(str(exc)) from None
    suite = Suite({t.name: t for t in targets})
    if not targets:
        from replmock.generate.scenarios import get_scenario

        suite.scenario = config.getoption("--replmock-scenario", None) or DEFAULT_MOCK_SCENARIO
        seed = config.getoption("--replmock-seed", None)
        suite.seed = int(seed) if seed is not None else 0
        for spec in get_scenario(suite.scenario).spec.clusters:
            suite.targets[spec.name] = Target(
                spec.name, "http://pending", secret(MOCK_TOKEN), secret(MOCK_NONSUDO), mock=True
            )
    for one in suite.targets.values():
        one.timeout = timeout
    config.stash[_SUITE] = suite
    config.pluginmanager.register(_Reporter(config), "replmock-conformance-reporter")


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
            f"replmock conformance: no target given; checking replmock's mock, scenario {suite.scenario} (seed {suite.seed})"
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
    return found


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


class _Reporter:
    """Collects what the checks recorded (on the xdist controller too) and writes the summary and drift report."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.secrets = config.stash[_SUITE].secrets()
        self.drift: list[dict[str, Any]] = []
        self.kinds: dict[str, str] = {}

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when != "call":
            return
        for key, value in report.user_properties:
            if key == "replmock-drift":
                self.drift.extend(json.loads(str(value)))
            elif key == "replmock-target":
                name, kind = json.loads(str(value))
                self.kinds[name] = kind

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        base = self.config.getoption("--replmock-drift-report")
        if base and not hasattr(self.config, "workerinput"):
            entries = sorted(self.drift, key=lambda e: (e["target"], e["endpoint"], e["path"]))
            write_drift_report(entries, self.kinds, Path(base), self.secrets)

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if not self.kinds:
            return
        terminalreporter.section("replmock conformance")
        for name, kind in sorted(self.kinds.items()):
            terminalreporter.write_line(redact(f"{name}: {kind}", self.secrets))
        base = self.config.getoption("--replmock-drift-report")
        if base:
            where = Path(base).with_suffix(".md")
            terminalreporter.write_line(
                f"drift report: {where} ({len(self.drift)} difference(s) from the documented schema)"
            )
