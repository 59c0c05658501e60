"""Plugin: thin pytest glue over replmock.server (fixtures, marker, options); imports nothing heavy at load.

Fixtures: ``vault_replication`` (a MockVault for one node, on a server kept for the whole
session and reset for each test), ``vault_replication_topology`` (every cluster of a
scenario, each with its own URL) and ``vault_replication_env`` (``vault_replication`` with
VAULT_ADDR/VAULT_TOKEN and BAO_ADDR/BAO_TOKEN set for the test).
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:  # pragma: no cover
    from replmock.server import MockTopology, MockVault

MARKER_ARGS = ("scenario", "seed", "cluster", "strict", "env", "recording")
MARKER_HELP = (
    "replmock(scenario=None, seed=None, cluster=None, strict=None, env=False, recording=None): configure the "
    "vault_replication fixtures for this test: the named scenario (`replmock fixtures list`), the seed, "
    "which cluster vault_replication serves, whether unexpected requests fail the test, and whether "
    "VAULT_ADDR/VAULT_TOKEN are set."
)
DEFAULT_SCENARIO = "perf-primary"
ROOT_TOKEN = "root"  # noqa: S105 - the mock's dev-mode root token
APP_TOKEN = "app"  # noqa: S105 - a token with update but no sudo
_SETTINGS = pytest.StashKey["Settings"]()
_BUILT = pytest.StashKey[dict[tuple[str, int], bytes]]()
_GENERATOR = pytest.StashKey[Any]()


@dataclass(frozen=True)
class Settings:
    """What one test asked for (marker over command line over ini)."""

    scenario: str
    seed: int
    strict: bool
    cluster: str | None = None
    env: bool = False
    recording: str | None = None
    """A recording folder (``replmock record``) to serve instead of a scenario."""

    def reproduce(self, nodeid: str) -> str:
        return f"pytest '{nodeid}' --replmock-scenario={self.scenario} --replmock-seed={self.seed}"

    @property
    def served(self) -> tuple[str, int, str | None] | None:
        """What a pool's server serves for these settings, when the pool may keep it for the next test that asks
        for the same (a recording is read afresh for each test, as its folder may change)."""
        return None if self.recording is not None else (self.scenario, self.seed, self.cluster)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("replmock", "replmock: mock Vault replication API")
    group.addoption(
        "--replmock-seed", metavar="N", help="seed of the generated values (default: ini replmock_seed, else 0)"
    )
    group.addoption(
        "--replmock-scenario",
        metavar="NAME",
        help="scenario the fixtures serve (default: ini replmock_scenario, else perf-primary)",
    )
    parser.addini("replmock_seed", "replmock: default seed of the generated values", default="0")
    parser.addini(
        "replmock_scenario", "replmock: default scenario of the vault_replication fixtures", default=DEFAULT_SCENARIO
    )
    parser.addini(
        "replmock_strict", "replmock: fail a test on requests the mock does not serve", type="bool", default=True
    )


def _seed(value: object, where: str) -> int:
    try:
        return int(str(value))
    except ValueError:
        msg = f"replmock: {where} must be a whole number, got {value!r}"
        raise pytest.UsageError(msg) from None


def _scenario(value: str, where: str) -> str:
    if value == DEFAULT_SCENARIO:
        return value
    from replmock.generate.scenarios import scenario_names  # only for a non-default name

    names = scenario_names()
    if value not in names:
        msg = f"replmock: unknown scenario {value!r} in {where}; choose one of: {', '.join(names)}"
        raise pytest.UsageError(msg)
    return value


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", MARKER_HELP)
    opt_seed, opt_scenario = config.getoption("--replmock-seed"), config.getoption("--replmock-scenario")
    seed = (
        _seed(opt_seed, "--replmock-seed")
        if opt_seed is not None
        else _seed(config.getini("replmock_seed"), "ini replmock_seed")
    )
    if opt_scenario is not None:
        scenario = _scenario(opt_scenario, "--replmock-scenario")
    else:
        scenario = _scenario(str(config.getini("replmock_scenario")), "ini replmock_scenario")
    try:
        strict = bool(config.getini("replmock_strict"))
    except ValueError as exc:
        msg = f"replmock: ini replmock_strict must be true or false: {exc}"
        raise pytest.UsageError(msg) from None
    config.stash[_SETTINGS] = Settings(scenario, seed, strict)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Check every replmock marker before anything runs, so a typo stops the session at once."""
    for item in items:
        if item.get_closest_marker("replmock") is not None:
            _settings_of(item)


def pytest_report_header(config: pytest.Config) -> str:
    s = config.stash[_SETTINGS]
    return f"replmock fixtures: scenario={s.scenario} seed={s.seed} strict={s.strict}"


def _settings_of(item: pytest.Item) -> Settings:
    """The settings of ``item``; raises pytest.UsageError naming the test for a bad marker."""
    base = item.config.stash[_SETTINGS]
    marker = item.get_closest_marker("replmock")
    if marker is None:
        return base
    where = f"replmock: {item.nodeid}:"
    if marker.args:
        raise pytest.UsageError(
            f"{where} the replmock marker takes keyword arguments only ({', '.join(MARKER_ARGS)}), got {marker.args!r}"
        )
    unknown = sorted(set(marker.kwargs) - set(MARKER_ARGS))
    if unknown:
        raise pytest.UsageError(
            f"{where} unknown replmock marker argument(s) {unknown}; expected: {', '.join(MARKER_ARGS)}"
        )
    kw = marker.kwargs
    return Settings(
        scenario=_scenario(kw["scenario"], f"the replmock marker of {item.nodeid}")
        if "scenario" in kw
        else base.scenario,
        seed=_seed(kw["seed"], "the replmock marker's seed") if "seed" in kw else base.seed,
        strict=bool(kw["strict"]) if kw.get("strict") is not None else base.strict,
        cluster=kw.get("cluster"),
        env=bool(kw.get("env", False)),
        recording=_recording(kw["recording"], item) if kw.get("recording") is not None else None,
    )


def _recording(value: object, item: pytest.Item) -> str:
    """A recording path, relative to the test file's folder unless absolute."""
    from pathlib import Path

    path = Path(str(value))
    if not path.is_absolute():
        path = Path(str(item.path)).parent / path
    if not (path / "manifest.json").is_file():
        raise pytest.UsageError(f"replmock: {item.nodeid}: recording={value!r}: no recording at {path}")
    return str(path)


@dataclass(frozen=True)
class _Setup:
    """How the pool set up one server: what every test starts with, whatever the previous test changed."""

    root_token: str
    tokens: dict[str, bool]
    validate_responses: bool

    @classmethod
    def of(cls, vault: MockVault) -> _Setup:
        return cls(vault.root_token, dict(vault.tokens), vault.validate_responses)


class _Pool:
    """MockVault servers kept for the session (one per cluster slot), reset for each test.

    A test may change its servers (strict, validate_responses, tokens, faults) or stop them:
    :meth:`take` replaces a stopped server and :meth:`prepare` brings a running one back to
    how the pool set it up. A test that changed nothing of a server's model or node (it only read:
    :meth:`MockVault.untouched`) leaves them for the next test that asks for the same scenario,
    seed and cluster (:meth:`kept`), which saves copying the topology afresh.
    """

    def __init__(self) -> None:
        self.vaults: list[MockVault] = []
        self.setups: list[_Setup] = []
        self.served: list[tuple[str, int, str | None] | None] = []
        """What each slot's server was prepared with, when its topology may be kept (see :meth:`kept`)."""

    def take(self, count: int, offset: int = 0) -> list[MockVault]:
        """Running servers ``offset`` to ``offset + count``: slot 0 is vault_replication's, the rest the topology's."""
        while len(self.vaults) < offset + count:
            self.vaults.append(self._start())
            self.setups.append(_Setup.of(self.vaults[-1]))
            self.served.append(None)
        for slot in range(offset, offset + count):
            if not self.vaults[slot].running:  # a test stopped it
                self._replace(slot)
        return self.vaults[offset : offset + count]

    @staticmethod
    def _start() -> MockVault:
        from replmock.server import MockVault

        return MockVault(root_token=ROOT_TOKEN, tokens=[APP_TOKEN]).start()

    def _replace(self, slot: int) -> MockVault:
        self.vaults[slot].stop()
        self.vaults[slot] = vault = self._start()
        self.setups[slot] = _Setup.of(vault)
        self.served[slot] = None
        return vault

    def kept(self, slot: int, served: tuple[str, int, str | None] | None) -> Any:
        """The topology slot ``slot``'s server serves, when the next test may have it as it is: it was prepared with
        the same scenario, seed and cluster (``served``) and nothing changed it since (:meth:`MockVault.untouched`).
        None otherwise: the test gets a fresh copy."""
        vault = self.vaults[slot]
        if served is None or self.served[slot] != served or not vault.untouched():
            return None
        return vault._topology  # not .topology: reading that counts as handing the topology out

    def prepare(
        self,
        vault: MockVault,
        topology: Any,
        cluster: str | None,
        strict: bool,
        served: tuple[str, int, str | None] | None = None,
    ) -> MockVault:
        """``vault`` (or its replacement) for a new test: this topology, no requests or faults, the pool's settings.

        ``served`` says what the topology is a pristine copy of, so that :meth:`kept` can hand it to the next test."""
        slot = self.vaults.index(vault)
        setup = self.setups[slot]
        vault.reset(topology, cluster)  # forgets requests (also those still in flight), faults and errors
        if vault.root_token != setup.root_token or vault.tokens != setup.tokens:
            vault = self._replace(slot)  # reset() could not bring its tokens back: a fresh server can
            vault.reset(topology, cluster)
        vault.validate_responses = setup.validate_responses
        vault.strict = strict
        self.served[slot] = served
        return vault

    def close(self) -> None:
        for vault in self.vaults:
            vault.stop()


@pytest.fixture(scope="session")
def vault_replication_servers() -> Iterator[_Pool]:
    """Session-scoped pool of mock servers (ephemeral ports, one set per xdist worker)."""
    pool = _Pool()
    yield pool
    pool.close()


def _build(settings: Settings, config: pytest.Config | None = None) -> Any:
    """A fresh topology for one test: each (scenario, seed) is built once per session and copied for each test."""
    if settings.recording is not None:
        from replmock.record import load_recording

        return load_recording(settings.recording)
    from replmock.generate.scenarios import Generator, get_scenario
    from replmock.model.clock import DEFAULT_EPOCH, Clock

    def build() -> Any:
        spec = get_scenario(settings.scenario).spec
        # One per session: it keeps one Faker, reseeded for each build.
        generator = Generator() if config is None else config.stash.setdefault(_GENERATOR, Generator())
        return generator.build(spec, settings.seed, clock=Clock(DEFAULT_EPOCH), name=settings.scenario)

    if config is None:
        return build()
    import pickle

    built = config.stash.setdefault(_BUILT, {})  # pickled once; unpickling is the whole per-test cost
    key = (settings.scenario, settings.seed)
    if key not in built:
        built[key] = pickle.dumps(build())
    return pickle.loads(built[key])  # noqa: S301 - bytes this session pickled itself


def _finish(request: pytest.FixtureRequest, vaults: list[MockVault], settings: Settings) -> None:
    report = getattr(request.node, "_replmock_call_report", None)
    passed = report is None or report.passed
    problem = None
    for vault in vaults:  # vault.strict as the test left it (it may have turned it off)
        if passed and problem is None:
            try:
                vault.check()
            except AssertionError as exc:
                problem = str(exc)
    if problem is not None:  # outside the except block: one clean message, not a chained traceback
        pytest.fail(problem, pytrace=False)


@pytest.fixture
def vault_replication(request: pytest.FixtureRequest, vault_replication_servers: _Pool) -> Iterator[MockVault]:
    """A mock Vault node of the test's scenario (its focus cluster unless the marker names one)."""
    settings = _settings_of(request.node)
    request.node.stash[_SETTINGS] = settings
    pool = vault_replication_servers
    (vault,) = pool.take(1)
    served = settings.served
    topology = pool.kept(0, served)
    if topology is None:
        topology = _build(settings, request.config)
    vault = pool.prepare(vault, topology, settings.cluster, settings.strict, served)
    if settings.env:  # monkeypatch only where it is needed: it is a per-test cost
        _setenv(request.getfixturevalue("monkeypatch"), vault)
    yield vault
    _finish(request, [vault], settings)


@pytest.fixture
def vault_replication_env(vault_replication: MockVault, monkeypatch: pytest.MonkeyPatch) -> MockVault:
    """``vault_replication`` with VAULT_ADDR, VAULT_TOKEN, BAO_ADDR and BAO_TOKEN set to it for this test."""
    _setenv(monkeypatch, vault_replication)
    return vault_replication


def _setenv(monkeypatch: pytest.MonkeyPatch, vault: MockVault) -> None:
    for prefix in ("VAULT", "BAO"):
        monkeypatch.setenv(f"{prefix}_ADDR", vault.url)
        monkeypatch.setenv(f"{prefix}_TOKEN", vault.root_token)
        monkeypatch.delenv(f"{prefix}_NAMESPACE", raising=False)


@pytest.fixture
def vault_replication_topology(
    request: pytest.FixtureRequest, vault_replication_servers: _Pool
) -> Iterator[MockTopology]:
    """Every cluster of the test's scenario, each served on its own URL, sharing one topology and clock."""
    from replmock.server import MockTopology

    settings = _settings_of(request.node)
    request.node.stash[_SETTINGS] = settings
    shared = "vault_replication" in request.fixturenames  # both in one test: one topology, one clock
    top = request.getfixturevalue("vault_replication").topology if shared else _build(settings, request.config)
    vaults = [
        vault_replication_servers.prepare(vault, top, name, settings.strict)
        for vault, name in zip(vault_replication_servers.take(len(top.clusters), offset=1), top.clusters, strict=True)
    ]
    yield MockTopology.from_vaults(top, dict(zip(top.clusters, vaults, strict=True)))
    _finish(request, vaults, settings)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    settings = item.stash.get(_SETTINGS, None)
    if settings is None:
        return report
    if report.when == "call":
        item._replmock_call_report = report  # type: ignore[attr-defined]
    if report.failed:
        report.sections.append(("replmock", f"reproduce with: {settings.reproduce(item.nodeid)}"))
    return report
