"""Tests of failover_check, written against replmock's pytest plugin."""

from __future__ import annotations

import pytest
from failover_check import assess, replication_alert

from replmock import build_topology
from replmock.server import MockTopology, MockVault

# A: DR primary, B: its DR secondary (see `replmock fixtures list`).
pytestmark = pytest.mark.replmock(scenario="dr-secondary")


def test_a_streaming_secondary_is_safe(vault_replication_topology: MockTopology) -> None:
    secondary = vault_replication_topology["B"]
    assert assess(secondary.url).safe


def test_a_sealed_secondary_is_not_safe(vault_replication_topology: MockTopology) -> None:
    vault_replication_topology["B"].sealed()
    verdict = assess(vault_replication_topology["B"].url)
    assert not verdict.safe
    assert "Vault is sealed" in str(verdict)


def test_an_unreachable_primary_is_reported(vault_replication_topology: MockTopology) -> None:
    vault_replication_topology["A"].sealed(endpoint="dr-status")
    verdict = assess(vault_replication_topology["B"].url)
    assert "cannot reach the primary" in str(verdict)


@pytest.mark.replmock(scenario="perf-primary")
def test_a_performance_primary_is_not_a_dr_secondary(vault_replication: MockVault) -> None:
    verdict = assess(vault_replication.url)
    assert verdict.reasons == ["this cluster is not a DR secondary (mode 'disabled')"]


@pytest.mark.replmock(scenario="oss")
def test_open_source_vault_has_no_dr(vault_replication: MockVault) -> None:
    assert "no DR replication" in str(assess(vault_replication.url))


def test_a_lost_connection_shows_up_after_a_while() -> None:
    with MockTopology(build_topology(dr_secondaries=1, state="disconnected", lag=5_000, seed=3)) as topo:
        verdict = assess(topo["B"].url)
    assert not verdict.safe
    assert "the primary is disconnected" in verdict.reasons
    assert any("heartbeat" in r for r in verdict.reasons)
    assert any(r.endswith("WAL entries behind the primary") for r in verdict.reasons)


def test_the_secondary_catches_up_as_time_passes(vault_replication_topology: MockTopology) -> None:
    vault_replication_topology.topology.write("A", 50_000)  # a burst of writes on the primary
    assert "behind the primary" in str(assess(vault_replication_topology["B"].url))
    vault_replication_topology.advance(60)
    assert assess(vault_replication_topology["B"].url).safe


def test_api_drift_does_not_crash_the_checker(vault_replication_topology: MockTopology) -> None:
    vault_replication_topology["B"].drift("remove", "primaries", endpoint="dr-status")
    verdict = assess(vault_replication_topology["B"].url)
    assert "unexpected response shape" in str(verdict)


def _canary_ms(alert: str) -> int:
    return int(alert.rsplit(" is ", 1)[1].split(maxsplit=1)[0])


def test_the_lag_alert_fires_while_the_primary_is_sealed_and_clears_after_unseal(
    vault_replication_topology: MockTopology,
) -> None:
    """No sleep: the mock's clock moves only when the test advances it, and a seal reaches every cluster."""
    topo = vault_replication_topology
    secondary = topo["B"].url
    assert replication_alert(secondary) is None
    topo.seal("A")  # the primary is sealed: its DR secondary loses it
    topo.advance(20)
    first = replication_alert(secondary)
    assert first is not None
    assert first.startswith("primary disconnected")
    topo.advance(300)  # five more minutes without the primary: still alerting, and the lag signal keeps growing
    later = replication_alert(secondary)
    assert later is not None
    assert _canary_ms(later) > _canary_ms(first) + 250_000
    topo.unseal("A")
    topo.advance(60)  # the secondary reconnects, diffs and streams again
    assert replication_alert(secondary) is None
