"""Checks that change the server: off unless --replmock-allow-mutations (and --replmock-allow-reindex for reindex).

A default run sends only GET requests (tests/test_conformance.py counts them on the mock's journal).
"""

from __future__ import annotations

from typing import Any

import pytest

from contract_tests.conftest import Suite, describe_reply, fail
from replmock.conformance import Capabilities, Target
from replmock.schemas import validate


def _status_data(target: Target) -> dict[str, Any]:
    """The status's data, both replication blocks objects; anything else fails the check cleanly."""
    reply = target.get("status")
    data = reply.body.get("data") if isinstance(reply.body, dict) else None
    if not isinstance(data, dict) or not all(isinstance(data.get(k), dict) for k in ("dr", "performance")):
        fail(
            f"{target.name}: GET status answered {describe_reply(reply)}; expected data.dr and data.performance", target
        )
    return data  # type: ignore[return-value]


def _skip_on_dr_secondary(target: Target) -> None:
    data = _status_data(target)
    if data["dr"].get("mode") == "secondary":
        pytest.skip("a DR secondary serves these paths only as dr/secondary/* with a DR operation token")


def test_recover_answers_with_warnings(target: Target, enterprise: Capabilities, pytestconfig: pytest.Config) -> None:
    """POST sys/replication/recover with a token answers 200 with warnings (or 204)."""
    if not pytestconfig.getoption("--replmock-allow-mutations"):
        pytest.skip("changes the server: pass --replmock-allow-mutations to run it")
    if not target.token:
        pytest.skip("needs a token: --vault-token or VAULT_TOKEN")
    _skip_on_dr_secondary(target)
    reply = target.request("POST", "recover", token=target.token)
    if reply.status == 204:
        return
    if reply.status != 200 or not validate(reply.body, "recover-response", "lenient").ok:
        fail(f"{target.name}: POST recover answered {describe_reply(reply)}; expected 200 with warnings", target)


def test_reindex_shows_progress_then_finishes(
    target: Target, enterprise: Capabilities, pytestconfig: pytest.Config, suite: Suite
) -> None:
    """POST sys/replication/reindex (sudo) answers with warnings; the status then reports the reindex."""
    if not (
        pytestconfig.getoption("--replmock-allow-mutations") and pytestconfig.getoption("--replmock-allow-reindex")
    ):
        pytest.skip("reindexes the server (can take long): pass --replmock-allow-mutations --replmock-allow-reindex")
    if not target.token:
        pytest.skip("needs a sudo token: --vault-token or VAULT_TOKEN")
    _skip_on_dr_secondary(target)
    before = _status_data(target)
    reply = target.request("POST", "reindex", token=target.token, body={"skip_flush": False})
    if reply.status not in {200, 204} or (
        reply.status == 200 and not validate(reply.body, "reindex-response", "lenient").ok
    ):
        fail(f"{target.name}: POST reindex answered {describe_reply(reply)}; expected 200 with warnings", target)
    enabled = [k for k in ("dr", "performance") if before[k].get("mode") in {"primary", "secondary"}]
    for _ in range(120):
        data = _status_data(target)
        if not any(data[k].get("reindex_in_progress") for k in enabled):
            break
        suite.wait(1.0)
    else:
        fail(f"{target.name}: the reindex was still running after 120 polls", target)
    for kind in enabled:
        if data[kind].get("last_reindex_epoch") == before[kind].get("last_reindex_epoch"):
            fail(
                f"{target.name}: $.data.{kind}.last_reindex_epoch stayed {before[kind].get('last_reindex_epoch')!r} after a reindex",
                target,
            )
