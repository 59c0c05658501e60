"""Invariants: hold on real payload pairs and on generated ones; each is caught when broken, with a precise message."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from replmock.generate import scenario
from replmock.model import INVARIANTS, Observation, check, wal_regressions
from replmock.model.invariants import invariant, parse_time
from tests.conftest import FIXTURES, load_json
from tests.helpers import observe


def obs_of(name: str, file: str) -> Observation:
    return Observation(name, status=load_json(FIXTURES / "observed" / file))


@pytest.mark.parametrize(
    ("primary", "secondary"),
    [
        ("001-cli-status-dr-primary-perf-primary.json", "002-cli-status-dr-secondary-stream-wals.json"),
        ("007-cli-status-dr-disabled-perf-primary.json", "006-cli-status-perf-secondary-after-dr-promotion.json"),
        ("010-http-status-perf-primary-dr-disabled.json", "011-http-status-perf-secondary-last-remote-wal-0.json"),
        ("010-http-status-perf-primary-dr-disabled.json", "012-http-status-dr-secondary-perf-disabled.json"),
    ],
)
def test_real_clusters_satisfy_the_invariants(primary: str, secondary: str) -> None:
    observations = [obs_of("secondary", secondary), obs_of("primary", primary)]
    assert check(observations, level="error") == []


def test_reads_taken_in_the_wrong_order_show_the_secondary_ahead() -> None:
    # 003 was captured after 001, when the primary had written one more WAL: I5 holds only
    # for reads of the secondary before the primary, which is how the conformance suite reads.
    observations = [
        obs_of("primary", "001-cli-status-dr-primary-perf-primary.json"),
        obs_of("secondary", "003-cli-status-perf-secondary-stream-wals.json"),
    ]
    (v,) = check(observations, level="error")
    assert v.invariant == "I5"
    assert (
        "last_remote_wal = 25875 is ahead of primary: sys/replication/status $.data.performance.last_wal = 25874"
        in v.message
    )


def test_every_real_sample_satisfies_the_single_cluster_invariants() -> None:
    for path in sorted((FIXTURES / "docs").glob("*.json")) + sorted((FIXTURES / "observed").glob("*.json")):
        body = load_json(path)
        obs = Observation(path.stem, status=body, dr_status=body, performance_status=body)
        assert check([obs], scope="cluster", level="error") == [], path.name


def test_invariants_have_ids_levels_and_evidence() -> None:
    ids = [i.id for i in INVARIANTS]
    assert len(ids) == len(set(ids))
    for required in [f"I{n}" for n in range(1, 14)]:
        assert required in ids
    for inv in INVARIANTS:
        assert inv.check.__doc__, inv.id
        assert "Evidence" in inv.check.__doc__, inv.id
    assert invariant("I2").level == "warning"  # one sample only: verify live
    assert invariant("I9").level == "warning"
    with pytest.raises(KeyError, match="unknown invariant 'I99'"):
        invariant("I99")


def _perf_pair() -> dict[str, Observation]:
    return {o.cluster: o for o in observe(scenario("perf-secondary", 4))}


def _data(o: Observation) -> Any:
    return o.status["data"]


Breaker = Callable[[dict[str, Observation]], None]


def _set(cluster: str, kind: str, key: str, value: Any) -> Breaker:
    def breaker(obs: dict[str, Observation]) -> None:
        _data(obs[cluster])[kind][key] = value(_data(obs[cluster])[kind]) if callable(value) else value

    return breaker


BROKEN: list[tuple[str, Breaker, list[str]]] = [
    (
        "I1",
        _set("B", "performance", "cluster_id", "11111111-2222-3333-4444-555555555555"),
        ["B:", "A,", "cluster_id", "11111111-2222"],
    ),
    (
        "I3",
        _set("B", "performance", "secondary_id", "someone-else"),
        ["B:", "secondary_id = 'someone-else'", "known_secondaries"],
    ),
    (
        "I4",
        _set("B", "performance", "primary_cluster_addr", "https://10.9.9.9:8201"),
        ["primary_cluster_addr = 'https://10.9.9.9:8201'"],
    ),
    (
        "I5",
        _set("B", "performance", "last_remote_wal", lambda b: b["last_remote_wal"] + 10),
        ["is ahead of A:", "last_performance_wal"],
    ),
    ("I6", _set("B", "performance", "merkle_root", "0" * 40), ["has caught up", "merkle_root = '0000"]),
    ("I7", _set("A", "performance", "secondary_id", "x"), ["mode 'primary' but carries secondary_id"]),
    (
        "I8",
        _set("A", "performance", "secondaries", [{"connection_status": "flapping", "node_id": "x"}]),
        ["connection_status = 'flapping'"],
    ),
    (
        "I8w",
        _set("B", "performance", "connection_state", "transient_failure"),
        ["state is 'stream-wals' but connection_state"],
    ),
    ("I10", _set("A", "performance", "last_reindex_epoch", 0), ["last_reindex_epoch = 0 is not a decimal string"]),
    ("I11", _set("A", "performance", "last_corruption_check_epoch", "0"), ["'never' is '-62135596800'"]),
    (
        "I12",
        _set("B", "performance", "last_start", "2099-01-01T00:00:00Z"),
        ["is before last_start 2099-01-01T00:00:00Z"],
    ),
    (
        "I13",
        _set("A", "performance", "known_secondaries", ["other"]),
        ["node_id", "is not in known_secondaries ['other']"],
    ),
]


@pytest.mark.parametrize(("ident", "breaker", "words"), BROKEN, ids=[b[0] for b in BROKEN])
def test_a_broken_payload_is_caught_by_its_invariant_with_a_precise_message(
    ident: str, breaker: Breaker, words: list[str]
) -> None:
    obs = _perf_pair()
    assert check(list(obs.values())) == []
    breaker(obs)
    found = [v for v in check(list(obs.values())) if v.invariant == ident]
    assert found, f"{ident} did not fire"
    message = str(found[0])
    for word in words:
        assert word in message, message
    assert found[0].paths
    assert found[0].clusters


def test_i2_same_id_for_both_types() -> None:
    obs = {o.cluster: o for o in observe(scenario("dr-primary-perf-primary", 1))}
    data = _data(obs["A"])
    data["dr"]["cluster_id"] = data["performance"]["cluster_id"]
    (v,) = [v for v in check(list(obs.values())) if v.invariant == "I2"]
    assert v.level == "warning"
    assert "$.data.dr.cluster_id and sys/replication/status $.data.performance.cluster_id" in v.message


def test_i9_health_and_single_endpoints_agree_with_status() -> None:
    obs = _perf_pair()
    obs["B"].health["replication_performance_mode"] = "primary"
    obs["B"].performance_status["data"]["cluster_id"] = "changed"
    messages = [v.message for v in check(list(obs.values())) if v.invariant == "I9"]
    assert any("replication_performance_mode = 'primary'" in m for m in messages)
    assert any("performance/status $.data.cluster_id = 'changed'" in m for m in messages)


def test_i14_wals_never_go_backwards() -> None:
    top = scenario("perf-secondary", 2)
    before = {o.cluster: o for o in observe(top)}
    top.advance(30)
    after = {o.cluster: o for o in observe(top)}
    assert wal_regressions(before["A"], after["A"]) == []
    assert wal_regressions(before["B"], after["B"]) == []
    broken = copy.deepcopy(after["A"])
    broken.status["data"]["performance"]["last_wal"] = 1
    (v,) = [v for v in wal_regressions(before["A"], broken) if "last_wal" in v.message]
    assert v.invariant == "I14"
    assert "went from" in v.message


def test_parse_time() -> None:
    assert parse_time("2024-03-04T10:05:56-05:00") is not None
    assert parse_time("2023-09-11T11:25:59.44956-07:00") is not None
    assert parse_time("2024-03-04T10:05:56Z") is not None
    assert parse_time("yesterday") is None
    assert parse_time(5) is None
