"""The model: a clock that only moves when told, WALs that advance, recover and reindex as state machines."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from replmock._errors import UsageError
from replmock.generate import build_topology, scenario, status_object, view
from replmock.model import Clock, check
from tests.helpers import observe


def test_clock_is_frozen_until_advanced() -> None:
    ticks = iter([0.0, 100.0, 200.0, 300.0])
    clock = Clock(monotonic=lambda: next(ticks))
    first = clock.now()
    assert clock.now() == first
    clock.advance(2.5)
    assert clock.now() - first == timedelta(seconds=2.5)


def test_clock_can_follow_wall_time() -> None:
    ticks = iter([10.0, 15.0, 25.0])
    clock = Clock(follow_wall=True, monotonic=lambda: next(ticks))
    assert clock.elapsed() == 5.0
    assert clock.elapsed() == 15.0


def test_clock_rejects_bad_input() -> None:
    with pytest.raises(UsageError, match="time only moves forward"):
        Clock().advance(-1)
    with pytest.raises(UsageError, match="has no time zone"):
        Clock(datetime(2026, 1, 1))  # noqa: DTZ001


def test_wals_advance_and_secondaries_catch_up() -> None:
    top = build_topology(performance_secondaries=1, state="stream-wals", seed=9)
    a0 = status_object(top, "A", "performance")["last_wal"]
    top.advance(60)
    a1 = status_object(top, "A", "performance")["last_wal"]
    b1 = status_object(top, "B", "performance")
    assert a1 > a0
    assert b1["last_remote_wal"] == a1
    assert b1["merkle_root"] == status_object(top, "A", "performance")["merkle_root"]


def test_heartbeats_stay_fresh_while_connected_and_stale_when_disconnected() -> None:
    top = scenario("secondary-disconnected", 1)
    start = top.now()
    top.advance(3600)
    a = status_object(top, "A", "performance")
    beat = datetime.fromisoformat(a["secondaries"][0]["last_heartbeat"])
    assert a["secondaries"][0]["connection_status"] == "disconnected"
    assert start - beat >= timedelta(minutes=9)
    healthy = scenario("perf-primary", 1)
    healthy.advance(3600)
    beat = datetime.fromisoformat(status_object(healthy, "A", "performance")["secondaries"][0]["last_heartbeat"])
    assert healthy.now() - beat <= timedelta(seconds=5)


@pytest.mark.parametrize("name", ["secondary-idle", "secondary-disconnected"])
def test_recover_brings_a_secondary_back_to_stream_wals_through_realistic_states(name: str) -> None:
    top = scenario(name, 3)
    assert status_object(top, "B", "performance")["state"] == "idle"
    assert top.recover("B") == ["performance"]  # the adverse replication types it started recovering
    seen = []
    for _ in range(40):
        block = status_object(top, "B", "performance")
        seen.append((block["state"], block["connection_state"]))
        assert check(observe(top)) == []  # warnings too: heartbeats never precede last_start
        top.advance(1)
    states = [s for s, _ in seen]
    assert states[-1] == "stream-wals"
    assert "merkle-diff" in states
    assert seen[0] == ("idle", "connecting")
    final = status_object(top, "B", "performance")
    assert final["primaries"][0]["connection_status"] == "connected"
    assert final["merkle_root"] == status_object(top, "A", "performance")["merkle_root"]


def test_far_behind_secondary_goes_through_merkle_sync_with_progress() -> None:
    top = build_topology(performance_secondaries=1, state="idle", lag=50_000, seed=2)
    top.recover("B")
    progress = []
    for _ in range(200):
        block = status_object(top, "B", "performance")
        if block["state"] == "merkle-sync":
            progress.append(block["merkle_sync_progress"]["sync_progress"])
        if block["state"] == "stream-wals":
            break
        top.advance(1)
    assert progress
    assert progress == sorted(progress)
    assert block["state"] == "stream-wals"


def test_recover_on_a_healthy_cluster_changes_nothing() -> None:
    top = scenario("perf-primary", 1)
    before = view(top, "A", "status")
    assert top.recover("A") == []
    assert view(top, "A", "status") == before


def test_reindex_reports_progress_then_updates_last_reindex_epoch() -> None:
    top = scenario("perf-primary", 1)
    top.reindex("A", diff=True)
    stages = []
    for _ in range(60):
        block = status_object(top, "A", "performance")
        if "reindex_stage" not in block:
            break
        stages.append((block["reindex_stage"], block["reindex_building_progress"]))
        assert block["reindex_in_progress"] is True
        top.advance(1)
    assert stages[0][0] == "scanning"
    assert "building" in [s for s, _ in stages]
    built = [p for s, p in stages if s == "building"]
    assert built == sorted(built)
    assert int(block["last_reindex_epoch"]) == int(top.now().timestamp()) or int(block["last_reindex_epoch"]) > 0
    assert "reindex_in_progress" not in block
    assert int(block["last_reindex_epoch"]) <= int(top.now().timestamp())
    assert status_object(top, "A", "dr")["mode"] == "disabled"


def test_reindex_twice_is_refused() -> None:
    top = scenario("perf-primary", 1)
    assert top.reindex("A") is True
    assert top.reindex("A") is False


def test_unknown_cluster_and_bad_specs_are_clear_errors() -> None:
    top = scenario("perf-primary", 1)
    with pytest.raises(UsageError, match="unknown cluster 'Z'; this topology has: A, B, C"):
        top.cluster("Z")
    with pytest.raises(UsageError, match="unknown scenario 'nope'; expected one of: disabled"):
        scenario("nope")
    with pytest.raises(UsageError, match="give it a lag > 0"):
        build_topology(performance_secondaries=1, state="idle", lag=0)


def test_clock_start_moves_every_time_but_not_ids() -> None:
    late = datetime(2030, 1, 1, tzinfo=timezone.utc)
    a = scenario("perf-secondary", 7)
    b = scenario("perf-secondary", 7, start=late)
    pa, pb = status_object(a, "B", "performance"), status_object(b, "B", "performance")
    assert pa["cluster_id"] == pb["cluster_id"]
    assert pa["last_start"] != pb["last_start"]
    assert pb["last_start"].startswith("2029") or pb["last_start"].startswith("2030")


def test_a_merkle_sync_starts_from_zero_and_streaming_starts_where_the_sync_ended() -> None:
    top = build_topology(performance_secondaries=1, state="idle", lag=50_000, seed=2)
    top.recover("B")
    previous = None
    for _ in range(400):
        top.advance(0.5)
        block = status_object(top, "B", "performance")
        if block["state"] == "merkle-sync" and previous != "merkle-sync":
            assert block["merkle_sync_progress"]["sync_progress"] <= top.catch_up_rate * 0.5
        previous = block["state"]
        if previous == "stream-wals":
            break
    assert previous == "stream-wals"


def test_clock_overflow_is_refused_and_leaves_the_clock_usable() -> None:
    clock = Clock()
    with pytest.raises(UsageError, match="would pass the year 9999"):
        clock.advance(3e11)
    clock.advance(1)
    assert clock.elapsed() == 1


def test_a_cluster_cannot_be_its_own_secondary() -> None:
    from replmock.generate import SecondarySpec

    with pytest.raises(UsageError, match="cannot be its own performance secondary"):
        build_topology(secondaries=[SecondarySpec("performance", "A", "A")])


def test_secondaries_first_orders_chains() -> None:
    from replmock.model.invariants import secondaries_first

    top = scenario("four-cluster", 1)
    order = secondaries_first({n: {"data": view(top, n, "status")} for n in top.clusters})
    assert order.index("D") < order.index("B") < order.index("A")
    assert order.index("C") < order.index("A")


def test_both_halves_of_the_status_come_from_one_instant() -> None:
    import threading

    top = scenario("dr-primary-perf-primary", 1)
    stop = threading.Event()

    def tick() -> None:
        while not stop.is_set():
            top.advance(0.01)

    ticker = threading.Thread(target=tick)
    ticker.start()
    try:
        for _ in range(500):
            data = view(top, "A", "status")
            assert data is not None
            assert data["dr"]["last_dr_wal"] == data["performance"]["last_performance_wal"]
    finally:
        stop.set()
        ticker.join()
