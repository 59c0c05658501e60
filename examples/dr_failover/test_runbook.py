"""The DR failover runbook against replmock's four-cluster scenario (no Vault Enterprise licence needed).

A: performance and DR primary; B: performance secondary of A; C: DR secondary of A; D: DR secondary of B.
"""

from __future__ import annotations

from typing import Any

import pytest
import requests
from runbook import Runbook, RunbookError

from replmock.server import MockTopology

pytestmark = pytest.mark.replmock(scenario="four-cluster")


def modes(topo: MockTopology, *names: str) -> dict[str, tuple[str, str]]:
    out = {}
    for name, vault in topo.vaults.items():
        if names and name not in names:
            continue
        data: dict[str, Any] = requests.get(vault.url + "/v1/sys/replication/status", timeout=10).json()["data"]
        out[name] = (data["dr"]["mode"], data["performance"]["mode"])
    return out


def test_failover_promotes_c_demotes_a_and_repoints_b(vault_replication_topology: MockTopology) -> None:
    topo = vault_replication_topology
    book = Runbook(
        topo["C"].url, topo["C"].unseal_keys, topo["A"].url, [topo["B"].url], topo["A"].root_token, say=lambda _: None
    )
    book.run()
    assert modes(topo) == {
        "A": ("secondary", "disabled"),  # demoted: a DR secondary that waits for update-primary
        "B": ("primary", "secondary"),
        "C": ("primary", "primary"),  # the new DR and performance primary
        "D": ("secondary", "disabled"),
    }
    topo.advance(600)  # B reconnects to C, diffs, syncs if it must, and streams
    perf = requests.get(topo["B"].url + "/v1/sys/replication/performance/status", timeout=10).json()["data"]
    assert perf["state"] == "stream-wals"
    assert perf["primaries"][0]["api_address"] == topo["C"].url
    assert len(book.steps) == 4


def test_a_primary_that_is_down_is_reported_not_fatal(vault_replication_topology: MockTopology) -> None:
    topo = vault_replication_topology
    topo.seal("A")  # the reason for the failover
    notes: list[str] = []
    Runbook(topo["C"].url, topo["C"].unseal_keys, topo["A"].url, [], topo["A"].root_token, say=notes.append).run()
    assert any("could not demote the old primary" in n for n in notes)
    assert modes(topo, "C")["C"] == ("primary", "primary")


def test_too_few_key_shares_stop_the_run(vault_replication_topology: MockTopology) -> None:
    topo = vault_replication_topology
    with pytest.raises(RunbookError, match="were not enough"):
        Runbook(topo["C"].url, topo["C"].unseal_keys[:2], say=lambda _: None).run()
    assert modes(topo)["C"] == ("secondary", "disabled")  # nothing was promoted
