"""The fast paths and what keeps them honest: a wall clock in whole-second ticks, so reads within a tick share one
view; a pool server that keeps its topology for the next test only while nothing can have changed it."""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from typing import Any

import pytest
import requests

from replmock._errors import UsageError
from replmock.generate import payloads, scenario
from replmock.model import Clock, check
from replmock.model.invariants import wal_regressions
from replmock.server import MockVault
from replmock.vault import Request, VaultNode
from tests.helpers import observe

STATUS = "/v1/sys/replication/status"


class FakeMonotonic:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _wall_topology(name: str = "perf-primary") -> tuple[Any, FakeMonotonic]:
    fake = FakeMonotonic()
    return scenario(name, 0, clock=Clock(follow_wall=True, monotonic=fake)), fake


@pytest.fixture
def views(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every view the vault layer computes (endpoint names), in order."""
    computed: list[str] = []
    original = payloads.view

    def counting(top: Any, name: str, endpoint: str, node: str | None = None) -> Any:
        computed.append(endpoint)
        return original(top, name, endpoint, node)

    monkeypatch.setattr(payloads, "view", counting)
    return computed


# --- the wall clock's tick ---------------------------------------------------------------------------------------


def test_a_wall_clock_moves_in_whole_second_ticks() -> None:
    fake = FakeMonotonic()
    clock = Clock(follow_wall=True, monotonic=fake)
    start = clock.now()
    fake.now += 0.999
    assert clock.now() == start
    fake.now += 0.001
    assert clock.now() - start == timedelta(seconds=1)
    fake.now += 2.5
    assert clock.now() - start == timedelta(seconds=3)
    clock.advance(0.25)  # advancing is exact: only the wall clock's part moves in ticks
    assert clock.now() - start == timedelta(seconds=3.25)


def test_a_tick_of_zero_follows_the_wall_clock_exactly_and_a_negative_one_is_refused() -> None:
    fake = FakeMonotonic()
    clock = Clock(follow_wall=True, monotonic=fake, tick=0)
    start = clock.now()
    fake.now += 0.123
    assert clock.now() - start == timedelta(seconds=0.123)
    with pytest.raises(UsageError, match="tick must be 0 or more"):
        Clock(tick=-1)


def test_a_frozen_clock_ignores_the_tick() -> None:
    fake = FakeMonotonic()
    clock = Clock(monotonic=fake, tick=5)
    start = clock.now()
    fake.now += 7
    assert clock.now() == start
    clock.advance(0.5)
    assert clock.now() - start == timedelta(seconds=0.5)


# --- the view cache under a wall clock ---------------------------------------------------------------------------


def test_reads_within_a_tick_compute_the_view_once_and_the_next_tick_recomputes(views: list[str]) -> None:
    top, fake = _wall_topology()
    node = VaultNode(top, top.focus)
    bodies = []
    for i in range(20):  # twenty reads spread over one tick
        fake.now = 1000.0 + i * 0.045
        answer = node.handle(Request("GET", STATUS))
        assert answer.status == 200
        bodies.append(answer.body)
    assert views == ["status"]
    datas = {answer_data(body) for body in bodies}
    assert len(datas) == 1  # the same data; only the envelope's request_id differs
    fake.now = 1001.0  # the next tick: the WAL and the canary have moved
    node.handle(Request("GET", STATUS))
    node.handle(Request("GET", STATUS))
    assert views == ["status", "status"]


def answer_data(body: bytes) -> str:
    return json.dumps(json.loads(body)["data"], sort_keys=True)


@pytest.mark.parametrize("name", ["perf-primary", "four-cluster", "secondary-merkle-sync", "reindex-in-progress"])
def test_answers_in_ticks_keep_every_invariant(name: str) -> None:
    """What the ticks show is still a living system: every snapshot passes the invariants, no WAL goes back."""
    top, fake = _wall_topology(name)
    before = observe(top)
    assert check(before) == []
    for step in (0.4, 0.7, 1.3, 5.0, 20.0, 0.2):
        fake.now += step
        after = observe(top)
        assert check(after) == []
        for old, new in zip(before, after, strict=True):
            assert wal_regressions(old, new) == []
        before = after


def test_a_served_wall_clock_scenario_answers_reads_from_one_view_per_tick(views: list[str]) -> None:
    """Over HTTP, as ``replmock serve`` serves it: many reads in one tick, one computed view."""
    top, fake = _wall_topology()
    with MockVault(top) as vault, requests.Session() as session:
        views.clear()  # start() points the address at the server: a new state
        for _ in range(10):
            assert session.get(vault.url + STATUS, timeout=10).status_code == 200
        assert views == ["status"]
        fake.now += 1.0
        for _ in range(10):
            assert session.get(vault.url + STATUS, timeout=10).status_code == 200
        assert views == ["status", "status"]


# --- what a server knows about its own changes (the pytest pool keeps an untouched topology) ---------------------


@pytest.fixture
def vault() -> Any:
    with MockVault(scenario="perf-primary", seed=0) as vault:
        vault.reset()
        yield vault


def test_reads_leave_a_server_untouched(vault: MockVault) -> None:
    assert vault.untouched()
    for path in (STATUS, "/v1/sys/health", "/v1/sys/replication/dr/status", "/_replmock/topology", "/v1/typo"):
        requests.get(vault.url + path, timeout=10)
    vault.status()
    for value in (vault.url, vault.unseal_keys, vault.tokens, vault.root_token, vault.threshold, repr(vault)):
        assert value  # what a test reads of a server, but its model and node, leaves it untouched
    assert vault.untouched()


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda v: requests.post(v.url + "/v1/sys/replication/reindex", timeout=10), id="a-write"),
        pytest.param(lambda v: requests.request("LIST", v.url + "/v1/sys/typo", timeout=10), id="a-list"),
        pytest.param(
            lambda v: requests.post(v.url + "/_replmock/advance", json={"seconds": 1}, timeout=10), id="control-api"
        ),
        pytest.param(lambda v: v.topology, id="the-topology-handed-out"),
        pytest.param(lambda v: v.node, id="the-node-handed-out"),
        pytest.param(lambda v: v.advance(0), id="advance"),
        pytest.param(lambda v: v.sealed(), id="a-seal"),
        pytest.param(lambda v: v.unseal(), id="an-unseal"),
    ],
)
def test_anything_that_may_change_state_touches_a_server_until_the_next_reset(vault: MockVault, change: Any) -> None:
    change(vault)
    assert not vault.untouched()
    vault.reset()
    assert vault.untouched()


def test_a_model_change_from_elsewhere_touches_a_server(vault: MockVault) -> None:
    """A model event through another handle on the same topology (a MockTopology of it) moves its version."""
    top = vault.topology
    vault.reset()
    top.write(vault.cluster, 10)
    assert not vault.untouched()


def test_a_write_still_running_at_reset_touches_the_server_until_it_ends() -> None:
    entered, release = threading.Event(), threading.Event()

    def held(seconds: float) -> None:  # the latency fault's sleep: held until the test lets it go
        entered.set()
        release.wait(10)

    with MockVault(scenario="perf-primary", seed=0, sleep=held) as vault:
        vault.reset()
        vault.latency(1, endpoint="reindex", times=1)
        late = threading.Thread(
            target=requests.post, args=(vault.url + "/v1/sys/replication/reindex",), kwargs={"timeout": 10}
        )
        late.start()
        assert entered.wait(10)
        vault.reset()  # the next test begins while the write is still being answered
        assert not vault.untouched()
        release.set()
        late.join(10)
        assert not vault.untouched()  # it may have changed the state after the reset
        vault.reset()
        assert vault.untouched()


def test_reset_keeps_an_untouched_node_with_its_counter_back_at_zero_and_its_views(
    vault: MockVault, views: list[str]
) -> None:
    ids = []
    for _ in range(2):
        vault.reset()
        body = requests.get(vault.url + STATUS, timeout=10).json()
        ids.append(body["request_id"])
    assert ids[0] == ids[1]  # request ids count from the reset, as on a fresh node
    assert views == ["status"]  # the second test's read reused the first one's view


def test_reset_with_a_new_topology_builds_a_new_node(vault: MockVault) -> None:
    node = vault.node
    vault.reset()
    fresh = scenario("perf-primary", 0)
    vault.reset(fresh)
    assert vault.node is not node
    assert vault.node.topology is fresh
    assert fresh.cluster(vault.cluster).active.api_addr == vault.url
