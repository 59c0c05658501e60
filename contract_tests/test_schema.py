"""Schema checks: every status endpoint and sys/health against replmock's schemas; drift from the documented contract."""

from __future__ import annotations

import json
import re

import pytest

from contract_tests.conftest import describe_reply, fail
from replmock.conformance import Capabilities, Target, drift_entries, schema_issues

STATUS_ENDPOINTS = ("status", "dr-status", "performance-status")


def check_schema(target: Target, endpoint: str, schema: str, profile: str) -> None:
    reply = target.get(endpoint)
    if reply.status != 200 or reply.body is None:
        fail(f"{target.name}: GET {endpoint} answered {describe_reply(reply)}; expected 200 with a JSON body", target)
    found, why = schema_issues(reply.body, schema, profile)
    if why:
        fail(f"{target.name}: GET {endpoint} cannot be checked against schema {schema}: {why}", target)
    if found:
        lines = [f"{target.name}: GET {endpoint} does not match schema {schema} ({profile}):"]
        lines += [f"  {i.path}: {i.message} [source: {i.source}]" for i in found]
        fail("\n".join(lines), target)


@pytest.mark.parametrize("endpoint", STATUS_ENDPOINTS)
def test_status_endpoint_matches_schema(target: Target, enterprise: Capabilities, endpoint: str, profile: str) -> None:
    """sys/replication/status, dr/status and performance/status match the schemas (lenient unless --replmock-profile strict)."""
    check_schema(target, endpoint, endpoint, profile)


def test_health_matches_schema(target: Target, profile: str, caps: Capabilities) -> None:
    """sys/health carries its replication fields with the documented types (any Vault-API server)."""
    reply = target.get("health")
    if reply.body is None:
        fail(f"{target.name}: GET sys/health answered {describe_reply(reply)}; expected a JSON body", target)
    found, why = schema_issues(reply.body, "health", profile if caps.enterprise else "lenient")
    if why:
        fail(f"{target.name}: sys/health cannot be checked against schema health: {why}", target)
    if found:
        fail(
            "\n".join(
                [f"{target.name}: sys/health does not match schema health:"]
                + [f"  {i.path}: {i.message} [source: {i.source}]" for i in found]
            ),
            target,
        )


def _version(caps: Capabilities) -> tuple[int, int]:
    match = re.match(r"(\d+)\.(\d+)", caps.version)
    return (int(match.group(1)), int(match.group(2))) if match else (0, 0)


@pytest.mark.parametrize("endpoint", STATUS_ENDPOINTS)
def test_current_contract(target: Target, enterprise: Capabilities, endpoint: str) -> None:
    """Vault Enterprise 1.16+ answers exactly the documented contract: every field known, present and typed (strict)."""
    if _version(enterprise) < (1, 16):
        pytest.skip(f"the strict contract documents Vault 1.16+; the target is {enterprise.describe()}")
    check_schema(target, endpoint, endpoint, "strict")


def test_drift_report(target: Target, caps: Capabilities, request: pytest.FixtureRequest) -> None:
    """Record every difference from the documented (strict) schema for the drift report; never fails."""
    endpoints = (*STATUS_ENDPOINTS, "health") if caps.enterprise else ("health",)
    found = []
    for endpoint in endpoints:
        reply = target.get(endpoint)
        if reply.status in {200, 429, 472, 473} and reply.body is not None:
            found += drift_entries(target.name, endpoint, reply.body)
    request.node.user_properties.append(("replmock-drift", json.dumps(found, default=str)))
