"""A replicated system that lives: states end on their own, the lag signal follows the lag, events propagate."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from replmock.generate import (
    ClusterSpec,
    Generator,
    SecondarySpec,
    TopologySpec,
    health,
    scenario,
    scenario_names,
    status_object,
)
from replmock.model import check
from replmock.model.topology import HEARTBEAT_TIMEOUT
from tests.helpers import observe

TRANSIENT = {"merkle-diff", "merkle-sync", "connecting"}


def _secondaries(top: Any) -> list[tuple[str, str, Any]]:
    return [(rset.kind, link.secondary, link) for rset, link in top.iter_links()]


def _block(top: Any, name: str, kind: str) -> dict[str, Any]:
    return status_object(top, name, kind)  # type: ignore[arg-type]


def _canary(top: Any, name: str, kind: str) -> int:
    return int(_block(top, name, kind)["primaries"][0]["replication_primary_canary_age_ms"])


@pytest.mark.parametrize("name", scenario_names())
def test_every_transient_state_ends_within_two_hours(name: str) -> None:
    """connecting, merkle-diff, merkle-sync and bootstrapping end on their own; a stopped (idle) link waits for
    recover, as Vault's does ("replication is no longer taking place" until an operator acts). A merkle sync lasts
    as long as its data: the largest generated primary (4 million WAL entries) syncs a new secondary in 100 min."""
    top = scenario(name, 0)
    top.advance(7200)
    for kind, secondary, link in _secondaries(top):
        block = _block(top, secondary, kind)
        assert block["mode"] == "secondary", (name, secondary, kind, block["mode"])
        assert "merkle_sync_progress" not in block
        expected = "idle" if link.stopped else "stream-wals"
        assert block["state"] == expected, (name, secondary, kind, block["state"])
        if expected == "stream-wals":
            assert _canary(top, secondary, kind) < 5000
    assert check(observe(top)) == []


def test_a_merkle_sync_ends_at_the_primarys_wal_instead_of_restreaming_the_gap() -> None:
    top = scenario("secondary-merkle-sync", 0)
    seen = []
    for _ in range(600):
        block = _block(top, "B", "performance")
        seen.append(block["state"])
        if block["state"] == "stream-wals":
            break
        top.advance(1)
    assert seen[0] == "merkle-sync"
    assert seen[-1] == "stream-wals"
    primary_wal = _block(top, "A", "performance")["last_performance_wal"]
    assert primary_wal - block["last_remote_wal"] <= top.cluster("A").write_rate * 2 + 1


@pytest.mark.parametrize("event", ["partition", "seal", "kill"])
def test_losing_the_primary_shows_everywhere_within_a_heartbeat_timeout_and_heals(event: str) -> None:
    top = scenario("perf-secondary", 0)
    top.advance(30)
    assert _block(top, "B", "performance")["state"] == "stream-wals"
    before = _canary(top, "B", "performance")
    {"partition": lambda: top.partition("A", "B"), "seal": lambda: top.seal("A"), "kill": lambda: top.kill("A")}[
        event
    ]()
    top.advance(HEARTBEAT_TIMEOUT + 1)
    secondary = _block(top, "B", "performance")
    assert secondary["connection_state"] == "transient_failure"
    assert secondary["primaries"][0]["connection_status"] == "disconnected"
    primary = _block(top, "A", "performance")
    assert primary["secondaries"][0]["connection_status"] == "disconnected"
    if event == "seal":
        assert health(top, "A")["sealed"] is False  # the view itself; a sealed server answers 503 (tested over HTTP)
    lagging = _canary(top, "B", "performance")
    top.advance(120)
    assert _canary(top, "B", "performance") > lagging + 100_000  # the lag signal grows while nothing is applied
    assert check(observe(top)) == []
    {"partition": lambda: top.heal("A", "B"), "seal": lambda: top.unseal("A"), "kill": lambda: top.restart("A")}[
        event
    ]()
    top.advance(60)
    back = _block(top, "B", "performance")
    assert (back["state"], back["connection_state"]) == ("stream-wals", "ready")
    assert back["primaries"][0]["connection_status"] == "connected"
    assert _canary(top, "B", "performance") < max(before, 1000) + 1000
    assert check(observe(top)) == []


def test_a_dr_secondary_mirrors_its_primary_and_writes_nothing_itself() -> None:
    top = scenario("dr-secondary", 0)
    top.advance(120)
    primary_wal = top.cluster("A").wal
    assert abs(top.cluster("B").wal - primary_wal) <= top.catch_up_rate
    top.kill("A")
    frozen = top.cluster("B").wal
    top.advance(300)
    assert top.cluster("B").wal == frozen  # cut off from its primary, a DR secondary's WAL stands still


def test_a_slow_link_lags_by_its_delay_and_a_standby_reports_the_lag() -> None:
    top = scenario("perf-secondary", 0)
    top.advance(30)
    top.slow_link("A", "B", 90)
    top.advance(120)
    assert 60_000 < _canary(top, "B", "performance") < 120_000
    standby = next(n.name for n in top.cluster("B").nodes if not n.active)
    assert health(top, "B", standby)["replication_primary_canary_age_ms"] > 60_000
    assert health(top, "B")["replication_primary_canary_age_ms"] == 0  # non-zero only on standbys (§16.3)


def test_step_down_hands_the_cluster_to_another_node_and_secondaries_follow() -> None:
    top = scenario("perf-secondary", 0)
    old = top.cluster("A").active.name
    top.step_down("A")
    assert top.cluster("A").active.name != old
    top.advance(30)
    assert _block(top, "B", "performance")["state"] == "stream-wals"
    assert check(observe(top)) == []


CLUSTERS = ["A", "B", "C", "D"]


class LivingTopology(RuleBasedStateMachine):
    """Random events on the four-cluster scenario: the invariants I1-I14 hold after every step."""

    def __init__(self) -> None:
        super().__init__()
        self.top = scenario("four-cluster", 0)

    @rule(seconds=st.floats(min_value=0.5, max_value=120))
    def advance(self, seconds: float) -> None:
        self.top.advance(seconds)

    @rule(a=st.sampled_from(CLUSTERS), b=st.sampled_from(CLUSTERS))
    def partition(self, a: str, b: str) -> None:
        if a != b:
            self.top.partition(a, b)

    @rule(a=st.sampled_from(CLUSTERS), b=st.sampled_from(CLUSTERS))
    def heal(self, a: str, b: str) -> None:
        if a != b:
            self.top.heal(a, b)

    @rule(name=st.sampled_from(CLUSTERS), up=st.booleans())
    def seal(self, name: str, up: bool) -> None:
        (self.top.unseal if up else self.top.seal)(name)

    @rule(name=st.sampled_from(CLUSTERS), up=st.booleans())
    def kill(self, name: str, up: bool) -> None:
        (self.top.restart if up else self.top.kill)(name)

    @rule(name=st.sampled_from(CLUSTERS), entries=st.integers(0, 50_000))
    def write(self, name: str, entries: int) -> None:
        self.top.write(name, entries)

    @rule(name=st.sampled_from(CLUSTERS))
    def recover(self, name: str) -> None:
        self.top.recover(name)

    @rule(name=st.sampled_from(["A", "B"]))
    def step_down(self, name: str) -> None:
        self.top.step_down(name)

    @invariant()
    def invariants_hold(self) -> None:
        violations = check(observe(self.top))  # warnings too
        assert violations == [], "\n".join(map(str, violations))


LivingTopology.TestCase.settings = settings(
    max_examples=25, stateful_step_count=20, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
test_living_topology_keeps_its_invariants = LivingTopology.TestCase


def test_scenario_options_for_load_balancers_and_secondaries_that_never_connected() -> None:
    spec = TopologySpec(
        (ClusterSpec("A"), ClusterSpec("B")),
        (SecondarySpec("performance", "A", "B"),),
        load_balancer=True,
        unconnected_secondaries=2,
        catch_up_rate=500.0,
    )
    top = Generator().build(spec, 3)
    primary = _block(top, "A", "performance")
    assert primary["primary_cluster_addr"].startswith("https://vault-lb.")
    assert len(primary["known_secondaries"]) == 3
    assert _block(top, "B", "performance")["secondary_id"] in primary["known_secondaries"]
    assert top.catch_up_rate == 500.0
    assert check(observe(top)) == []
    secondary = _block(top, "B", "performance")
    last_start = datetime.fromisoformat(secondary["last_start"].replace("Z", "+00:00"))
    assert int(secondary["last_reindex_epoch"]) <= int(last_start.timestamp())


def test_a_partition_stops_heartbeats_and_wals_at_once_and_the_canary_ages_from_then() -> None:
    top = scenario("perf-secondary", 0)
    top.advance(30)
    top.partition("A", "B")
    cut = top.now()
    before = _block(top, "B", "performance")
    for _ in range(7):  # within the heartbeat timeout: still "connected", but nothing crosses
        top.advance(2)
        block = _block(top, "B", "performance")
        assert block["last_remote_wal"] == before["last_remote_wal"]
        beat = datetime.fromisoformat(block["primaries"][0]["last_heartbeat"].replace("Z", "+00:00"))
        assert beat <= cut
    assert _canary(top, "B", "performance") >= 14_000


def test_a_write_burst_ages_the_canary_only_as_long_as_the_catch_up_takes() -> None:
    top = scenario("perf-secondary", 0)
    top.advance(30)
    top.write("A", 50_000)  # 25 s of work at the default catch-up rate of 2,000 entries/s
    assert _canary(top, "B", "performance") < 2_000  # the burst is new: nothing is old yet
    top.advance(10)
    assert 9_000 < _canary(top, "B", "performance") < 12_000
    top.advance(30)
    assert _canary(top, "B", "performance") < 2_000  # caught up


def test_step_down_starts_a_new_active_time() -> None:
    from replmock.vault import Request, VaultNode

    top = scenario("perf-primary", 0)
    node = VaultNode(top, "A")
    before = json.loads(node.handle(Request.build("GET", "/v1/sys/leader")).body)["active_time"]
    top.advance(120)
    top.step_down("A")
    after = json.loads(node.handle(Request.build("GET", "/v1/sys/leader")).body)["active_time"]
    assert after != before
