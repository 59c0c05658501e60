"""Invariants between clusters: secondaries agree with their primaries (needs two or more targets)."""

from __future__ import annotations

import pytest

from contract_tests.conftest import Suite, fail, guarded, warn
from replmock.model import INVARIANTS, Observation
from replmock.model.invariants import secondaries_first

CROSS = [inv for inv in INVARIANTS if inv.scope == "cross"]


def _observe_secondaries_first(suite: Suite) -> list[Observation]:
    """Read every Enterprise target, each secondary before its primary (writes in between cannot fake an I5 failure)."""
    first = {name: t.get("status").body for name, t in suite.targets.items() if suite.caps(t).enterprise}
    order = guarded(
        "ordering the targets, secondaries first", None, lambda: secondaries_first(first), secrets=suite.secrets()
    )
    return [Observation(name, status=suite.targets[name].get("status").body) for name in order]


@pytest.mark.parametrize("ident", [inv.id for inv in CROSS], ids=[f"{inv.id}-{inv.name}" for inv in CROSS])
def test_cross_cluster_invariant(suite: Suite, ident: str) -> None:
    """One cross-cluster invariant over all targets (I1, I3, I5, I6)."""
    enterprise = [t for t in suite.targets.values() if suite.caps(t).enterprise]
    if len(enterprise) < 2:
        pytest.skip("needs two or more Vault Enterprise targets (--targets FILE)")
    inv = next(i for i in INVARIANTS if i.id == ident)
    observations = _observe_secondaries_first(suite)
    found = guarded(f"cross-cluster invariant {inv.id}", None, lambda: inv.run(observations), secrets=suite.secrets())
    if not found:
        return
    text = "\n".join(f"  {v.message}" for v in found)
    evidence = (inv.check.__doc__ or "").strip().splitlines()[0]
    if inv.level == "warning":
        warn(f"{inv.id} {inv.name} (warning, verify live):\n{text}", suite.secrets())
        return
    failure = f"invariant {inv.id} {inv.name} does not hold between clusters:\n{text}\nrule: {evidence}"
    fail(failure, secrets=suite.secrets())
