"""Invariants of one cluster's payloads (the same code replmock's generator is tested with), and WAL monotonicity."""

from __future__ import annotations

import functools

import pytest

from contract_tests.conftest import Suite, fail, guarded, warn
from replmock.conformance import Capabilities, Target
from replmock.model import INVARIANTS, Observation, wal_regressions
from replmock.model.invariants import now_utc

CLUSTER = [inv for inv in INVARIANTS if inv.scope == "cluster" and inv.id != "I9"]


def observe(target: Target) -> Observation:
    when = now_utc()
    return Observation(
        target.name,
        status=target.get("status").body,
        dr_status=target.get("dr-status").body,
        performance_status=target.get("performance-status").body,
        health=target.get("health").body,
        observed_at=when,
    )


@pytest.mark.parametrize("ident", [inv.id for inv in CLUSTER], ids=[f"{inv.id}-{inv.name}" for inv in CLUSTER])
def test_single_cluster_invariant(target: Target, enterprise: Capabilities, ident: str, suite: Suite) -> None:
    """One invariant over the target's own payloads; warning-level ones (weak evidence) warn instead of failing."""
    inv = next(i for i in INVARIANTS if i.id == ident)
    obs = observe(target)
    if target.mock and suite.mock is not None:
        obs.observed_at = suite.mock.topology.now()  # the mock runs on its own clock
    found = guarded(f"{target.name}: invariant {inv.id}", target, lambda: inv.run([obs]))
    if not found:
        return
    evidence = (inv.check.__doc__ or "").strip().splitlines()[0]
    text = "\n".join(f"  {v.message}" for v in found)
    if inv.level == "warning":
        warn(f"{target.name}: {inv.id} {inv.name} (warning, verify live):\n{text}", target.secrets())
        return
    fail(f"{target.name}: invariant {inv.id} {inv.name} does not hold:\n{text}\nrule: {evidence}", target)


def test_health_agrees_with_status(target: Target, enterprise: Capabilities) -> None:
    """sys/health's replication_*_mode equal the status modes, and dr/ and performance/status equal status's blocks (I9)."""
    obs = observe(target)
    found = guarded(
        f"{target.name}: invariant I9", target, lambda: next(i for i in INVARIANTS if i.id == "I9").run([obs])
    )
    if not found:
        return
    dr, _ = guarded(f"{target.name}: invariant I9", target, lambda: obs.block("dr"))
    health = [v.message for v in found if " sys/health " in v.message]
    others = [v.message for v in found if " sys/health " not in v.message]
    if others:  # the single-type endpoints are read at another instant: weak evidence, a warning
        warn(
            f"{target.name}: dr/ or performance/status differ from sys/replication/status (I9, verify live):\n"
            + "\n".join(others),
            target.secrets(),
        )
    if not health:
        return
    text = "\n".join(f"  {m}" for m in health)
    if dr is not None and dr.get("mode") == "secondary":
        warn(
            f"{target.name}: sys/health and the status differ on a DR secondary, which HashiCorp documents as expected:\n{text}",
            target.secrets(),
        )
        return
    fail(f"{target.name}: sys/health's replication modes disagree with sys/replication/status:\n{text}", target)


def test_wals_never_go_backwards(
    target: Target, enterprise: Capabilities, suite: Suite, pytestconfig: pytest.Config
) -> None:
    """WAL indexes only grow: read the status several times and compare (I14)."""
    polls = pytestconfig.getoption("--replmock-polls")
    interval = pytestconfig.getoption("--replmock-poll-interval")
    previous = Observation(target.name, status=target.get("status").body)
    for _ in range(polls - 1):
        suite.wait(interval)
        current = Observation(target.name, status=target.get("status").body)
        found = guarded(f"{target.name}: invariant I14", target, functools.partial(wal_regressions, previous, current))
        if found:
            fail("\n".join(f"{target.name}: {v.message}" for v in found), target)
        previous = current
