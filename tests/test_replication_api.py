"""The whole replication API as a state machine: set-up, DR failover and failback runbooks, over HTTP.

Each runbook is driven the way operators do it (hvac, the bao CLI, raw HTTP), and every status read along
the way must satisfy the invariants I1-I14.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
from collections.abc import Iterator
from typing import Any

import hvac
import pytest
import requests

from replmock.generate import ClusterSpec, Generator, TopologySpec
from replmock.model import Observation, check
from replmock.server import MockTopology
from tests.test_clients import bao_binary

ROOT = "root"


@pytest.fixture
def fleet() -> Iterator[MockTopology]:
    with MockTopology(scenario="four-cluster", tokens=["ops", "viewer:default"]) as topo:
        yield topo
    assert_no_mock_errors(topo)


def assert_no_mock_errors(topo: MockTopology) -> None:
    """Every body the mock sent passed its strict schema (tests/conftest.py turns validation on)."""
    errors = [str(e) for vault in topo for e in vault.errors]
    assert errors == [], errors


def status(topo: MockTopology) -> dict[str, dict[str, Any]]:
    return {
        n: requests.get(v.url + "/v1/sys/replication/status", timeout=10).json()["data"] for n, v in topo.vaults.items()
    }


def assert_invariants(topo: MockTopology) -> dict[str, dict[str, Any]]:
    """Read every cluster over HTTP (secondaries first) and check I1-I14 on what was read."""
    seen = status(topo)
    observations = []
    for name, data in seen.items():
        health = requests.get(topo[name].url + "/v1/sys/health?standbyok=true&drsecondarycode=200", timeout=10).json()
        dr = {"data": data["dr"]}
        perf = {"data": data["performance"]}
        observations.append(
            Observation(name, status={"data": data}, dr_status=dr, performance_status=perf, health=health)
        )
    violations = check(observations)
    assert violations == [], "\n".join(map(str, violations))
    return seen


def post(url: str, path: str, body: dict[str, Any] | None = None, token: str | None = ROOT) -> requests.Response:
    headers = {"X-Vault-Token": token} if token else {}
    return requests.post(f"{url}/v1/{path}", json=body or {}, headers=headers, timeout=10)


def secondary_token(url: str, kind: str, secondary_id: str) -> str:
    answer = post(url, f"sys/replication/{kind}/primary/secondary-token", {"id": secondary_id})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["data"] is None  # the token comes only in wrap_info (DOC-DR-NEW sample)
    return str(body["wrap_info"]["token"])


def dr_operation_token(topo: MockTopology, name: str) -> str:
    """generate-operation-token on a DR secondary with its unseal key shares, then decode (token XOR OTP)."""
    url = topo[name].url + "/v1/sys/replication/dr/secondary/generate-operation-token"
    keys = requests.get(topo[name].url + "/_replmock/topology", timeout=10).json()["clusters"][name]["unseal_keys"]
    started = requests.post(url + "/attempt", timeout=10).json()
    assert started["started"] is True
    otp, nonce = started["otp"], started["nonce"]
    assert len(otp) == started["otp_length"] == 28
    for i, key in enumerate(keys[:3]):
        step = requests.post(url + "/update", json={"key": key, "nonce": nonce}, timeout=10).json()
        assert step["progress"] == i + 1
    assert step["complete"] is True
    encoded = step["encoded_token"]
    raw = base64.b64decode(encoded + "=" * (-len(encoded) % 4))
    return bytes(a ^ b for a, b in zip(raw, otp.encode(), strict=True)).decode()


def test_set_up_replication_from_scratch_with_hvac() -> None:
    spec = TopologySpec((ClusterSpec("A"), ClusterSpec("B")))
    with MockTopology(Generator().build(spec, 5)) as topo:
        a, b = hvac.Client(url=topo["A"].url, token=ROOT), hvac.Client(url=topo["B"].url, token=ROOT)
        a.write_data("sys/replication/performance/primary/enable")
        assert a.read("sys/replication/performance/status")["data"]["mode"] == "primary"
        wrapped = a.write_data("sys/replication/performance/primary/secondary-token", data={"id": "b", "ttl": "10m"})
        assert wrapped["wrap_info"]["ttl"] == 600
        assert "b" in a.read("sys/replication/performance/status")["data"]["known_secondaries"]
        b.write_data("sys/replication/performance/secondary/enable", data={"token": wrapped["wrap_info"]["token"]})
        assert b.read("sys/replication/performance/status")["data"]["mode"] == "bootstrapping"
        states = []
        for _ in range(40):
            topo.advance(1)
            states.append(b.read("sys/replication/performance/status")["data"]["state"])
            assert_invariants(topo)
        assert states[-1] == "stream-wals"
        perf = status(topo)
        assert perf["A"]["performance"]["secondaries"][0]["node_id"] == "b"
        assert perf["A"]["performance"]["cluster_id"] == perf["B"]["performance"]["cluster_id"]
        assert_no_mock_errors(topo)


def test_activation_tokens_fail_as_vault_fails() -> None:
    spec = TopologySpec((ClusterSpec("A"), ClusterSpec("B")), primaries=(("dr", "A"), ("performance", "A")))
    with MockTopology(Generator().build(spec, 2), tokens=["ops"]) as topo:
        a, b = topo["A"].url, topo["B"].url
        refused = post(a, "sys/replication/performance/primary/secondary-token", {"id": "x"}, "ops")
        assert refused.status_code == 403  # the secondary-token endpoints need sudo
        token = secondary_token(a, "dr", "x")
        duplicate = post(a, "sys/replication/dr/primary/secondary-token", {"id": "x"})
        assert duplicate.json()["errors"][0].endswith("already exists")
        wrong_kind = post(b, "sys/replication/performance/secondary/enable", {"token": token})
        assert wrong_kind.json()["errors"] == ["the activation token is for dr replication, not performance"]
        junk = post(b, "sys/replication/dr/secondary/enable", {"token": "junk"})
        assert junk.json()["errors"] == ["error unwrapping secondary token: invalid or malformed activation token"]
        assert post(a, "sys/replication/dr/primary/revoke-secondary", {"id": "x"}).status_code == 204
        revoked = post(b, "sys/replication/dr/secondary/enable", {"token": token})
        assert revoked.status_code == 400
        assert "revoked" in revoked.json()["errors"][0]
        missing = post(b, "sys/replication/dr/secondary/enable", {})
        assert (missing.status_code, missing.json()["errors"]) == (400, ["missing token"])
        expiring = secondary_token(a, "dr", "y")
        topo.advance(31 * 60)  # the default ttl is 30 minutes
        expired = post(b, "sys/replication/dr/secondary/enable", {"token": expiring})
        assert "expired" in expired.json()["errors"][0]
        fresh = secondary_token(a, "dr", "z")
        assert post(b, "sys/replication/dr/secondary/enable", {"token": fresh}).status_code == 204
        used = post(b, "sys/replication/dr/secondary/enable", {"token": fresh})
        assert used.status_code == 400  # already a DR secondary (a DR secondary refuses the path itself)
        both = post(
            a, "sys/replication/performance/secondary/update-primary", {"token": "t", "update_primary_addrs": ["x"]}
        )
        assert both.json()["errors"] == ["token and update_primary_addrs are mutually exclusive"]


def test_dr_secondary_endpoints_need_a_dr_operation_token(fleet: MockTopology) -> None:
    c = fleet["C"].url  # a DR secondary: X-Vault-Token means nothing there
    for path in ("promote", "disable", "update-primary", "reindex", "merkle-check", "operation-token/delete"):
        missing = post(
            c, f"sys/replication/dr/secondary/{path}", {"token": "t"} if path == "update-primary" else {}, None
        )
        assert (missing.status_code, missing.json()["errors"]) == (400, ["missing dr_operation_token"]), path
        wrong = post(c, f"sys/replication/dr/secondary/{path}", {"dr_operation_token": "hvs.nope", "token": "t"}, None)
        assert (wrong.status_code, wrong.json()["errors"]) == (400, ["invalid dr_operation_token"]), path
    assert post(c, "sys/replication/recover").json()["errors"] == ["path disabled in replication DR secondary mode"]
    token = dr_operation_token(fleet, "C")
    report = post(c, "sys/replication/dr/secondary/merkle-check", {"dr_operation_token": token}, None).json()
    assert report["data"]["merkle_corruption_report"]["corrupted_root"] is False
    assert (
        post(c, "sys/replication/dr/secondary/operation-token/delete", {"dr_operation_token": token}, None).status_code
        == 204
    )
    again = post(c, "sys/replication/dr/secondary/merkle-check", {"dr_operation_token": token}, None)
    assert again.json()["errors"] == ["invalid dr_operation_token"]


def test_generate_operation_token_follows_vaults_generate_root_flow(fleet: MockTopology) -> None:
    url = fleet["C"].url + "/v1/sys/replication/dr/secondary/generate-operation-token"
    idle = requests.get(url + "/attempt", timeout=10).json()
    assert idle == {"nonce": "", "started": False, "progress": 0, "required": 3, "complete": False, "encoded_token": "",
                    "encoded_root_token": "", "pgp_fingerprint": "", "otp": "", "otp_length": 28}  # fmt: skip
    started = requests.post(url + "/attempt", timeout=10).json()
    assert requests.post(url + "/attempt", timeout=10).json() == {"errors": ["root generation already in progress"]}
    assert requests.get(url + "/attempt", timeout=10).json()["otp"] == ""  # never shown again
    wrong = requests.post(url + "/update", json={"key": "00", "nonce": "nope"}, timeout=10).json()
    assert wrong["errors"][0].startswith("incorrect nonce supplied")
    keys = requests.get(fleet["C"].url + "/_replmock/topology", timeout=10).json()["clusters"]["C"]["unseal_keys"]
    requests.post(url + "/update", json={"key": keys[0], "nonce": started["nonce"]}, timeout=10)
    twice = requests.post(url + "/update", json={"key": keys[0], "nonce": started["nonce"]}, timeout=10).json()
    assert twice == {"errors": ["given key has already been provided during this generation operation"]}
    assert requests.delete(url + "/attempt", timeout=10).status_code == 204
    assert requests.get(url + "/attempt", timeout=10).json()["started"] is False
    assert requests.request("PATCH", url + "/attempt", timeout=10).json() == {"errors": []}


def test_bao_decodes_a_dr_operation_token_with_the_otp(fleet: MockTopology) -> None:
    url = fleet["C"].url + "/v1/sys/replication/dr/secondary/generate-operation-token"
    keys = requests.get(fleet["C"].url + "/_replmock/topology", timeout=10).json()["clusters"]["C"]["unseal_keys"]
    started = requests.post(url + "/attempt", timeout=10).json()
    for key in keys[:3]:
        done = requests.post(url + "/update", json={"key": key, "nonce": started["nonce"]}, timeout=10).json()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BAO_", "VAULT_"))}
    env |= {"BAO_ADDR": fleet["A"].url, "BAO_TOKEN": ROOT}  # bao reads otp_length from sys/generate-root-token/attempt
    decoded = subprocess.run(
        [bao_binary(), "operator", "generate-root", f"-decode={done['encoded_token']}", f"-otp={started['otp']}"],
        env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert decoded.returncode == 0, decoded.stderr
    token = decoded.stdout.strip()
    assert token.startswith("hvs.")
    assert len(token) == 28
    promote = post(fleet["C"].url, "sys/replication/dr/secondary/merkle-check", {"dr_operation_token": token}, None)
    assert promote.status_code == 200


class Operator:
    """How an operator drives the API: with hvac, or with the bao CLI (the same commands as the vault CLI)."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("BAO_", "VAULT_"))}

    def write(
        self, url: str, path: str, data: dict[str, str] | None = None, token: str | None = ROOT
    ) -> dict[str, Any]:
        """``vault write`` / ``client.write_data``: the parsed answer ({} for a 204)."""
        if self.kind == "hvac":
            answer = hvac.Client(url=url, token=token or "").write_data(path, data=data or {})
            return answer if isinstance(answer, dict) else {}
        env = {**self.env, "BAO_ADDR": url} | ({"BAO_TOKEN": token} if token else {})
        pairs = [f"{k}={v}" for k, v in (data or {}).items()]
        force = [] if pairs else ["-f"]  # flags go before the path
        done = subprocess.run([bao_binary(), "write", "-format=json", *force, path, *pairs], env=env,
                              capture_output=True, text=True, timeout=60, check=False)  # fmt: skip
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout) if done.stdout.strip() else {}

    def dr_operation_token(self, topo: MockTopology, name: str) -> str:
        """hvac: the whole flow in Python. bao: the attempt over HTTP (bao 2.6+ has no -dr-token), then
        ``bao operator generate-root -decode``, which reads otp_length from sys/generate-root-token/attempt."""
        if self.kind == "hvac":
            return dr_operation_token(topo, name)
        url = topo[name].url + "/v1/sys/replication/dr/secondary/generate-operation-token"
        started = requests.post(url + "/attempt", timeout=10).json()
        for key in topo[name].unseal_keys[: topo[name].threshold]:
            done = requests.post(url + "/update", json={"key": key, "nonce": started["nonce"]}, timeout=10).json()
        env = {**self.env, "BAO_ADDR": topo["B"].url, "BAO_TOKEN": ROOT}
        decoded = subprocess.run(
            [bao_binary(), "operator", "generate-root", f"-decode={done['encoded_token']}", f"-otp={started['otp']}"],
            env=env, capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
        assert decoded.returncode == 0, decoded.stderr
        return decoded.stdout.strip()


@pytest.mark.parametrize("client", ["hvac", "bao"])
def test_dr_failover_and_failback_runbook(fleet: MockTopology, client: str) -> None:
    """Generate a DR operation token on C, promote C, demote A, point B at C; then fail back to A."""
    op = Operator(client)
    a, b, c = fleet["A"].url, fleet["B"].url, fleet["C"].url
    before = assert_invariants(fleet)
    dr_id, perf_id = before["A"]["dr"]["cluster_id"], before["A"]["performance"]["cluster_id"]

    token = op.dr_operation_token(fleet, "C")
    op.write(c, "sys/replication/dr/secondary/promote", {"dr_operation_token": token}, token=None)
    now = assert_invariants(fleet)
    assert (now["C"]["dr"]["mode"], now["C"]["performance"]["mode"]) == ("primary", "primary")
    assert (now["C"]["dr"]["cluster_id"], now["C"]["performance"]["cluster_id"]) == (dr_id, perf_id)

    op.write(a, "sys/replication/dr/primary/demote")
    now = assert_invariants(fleet)
    assert (now["A"]["dr"]["mode"], now["A"]["performance"]["mode"]) == ("secondary", "disabled")
    assert now["A"]["dr"]["cluster_id"] == dr_id  # it keeps its cluster id, to rejoin without a wipe
    fleet.advance(20)
    assert status(fleet)["B"]["performance"]["primaries"][0]["connection_status"] == "disconnected"

    minted = op.write(c, "sys/replication/performance/primary/secondary-token", {"id": "b-after-failover"})
    op.write(b, "sys/replication/performance/secondary/update-primary", {"token": minted["wrap_info"]["token"]})
    for _ in range(6):
        fleet.advance(60)
        now = assert_invariants(fleet)
    assert now["B"]["performance"]["state"] == "stream-wals"
    assert now["B"]["performance"]["primaries"][0]["api_address"] == c
    assert "b-after-failover" in now["C"]["performance"]["known_secondaries"]

    # Failback: A rejoins as C's DR secondary, catches up, is promoted; C is demoted; B goes back to A.
    a_token = op.dr_operation_token(fleet, "A")
    rejoin = op.write(c, "sys/replication/dr/primary/secondary-token", {"id": "a-failback"})["wrap_info"]["token"]
    op.write(
        a, "sys/replication/dr/secondary/update-primary", {"dr_operation_token": a_token, "token": rejoin}, token=None
    )
    for _ in range(6):
        fleet.advance(60)
        now = assert_invariants(fleet)
    assert now["A"]["dr"]["state"] == "stream-wals"
    a_token = op.dr_operation_token(fleet, "A")
    op.write(a, "sys/replication/dr/secondary/promote", {"dr_operation_token": a_token}, token=None)
    op.write(c, "sys/replication/dr/primary/demote")
    back = op.write(a, "sys/replication/performance/primary/secondary-token", {"id": "b-failback"})["wrap_info"][
        "token"
    ]
    op.write(b, "sys/replication/performance/secondary/update-primary", {"token": back})
    for _ in range(6):
        fleet.advance(60)
        now = assert_invariants(fleet)
    assert (now["A"]["dr"]["mode"], now["A"]["performance"]["mode"]) == ("primary", "primary")
    assert now["B"]["performance"]["state"] == "stream-wals"
    assert now["B"]["performance"]["primaries"][0]["api_address"] == a
    assert (now["A"]["dr"]["cluster_id"], now["A"]["performance"]["cluster_id"]) == (dr_id, perf_id)


@pytest.mark.parametrize("client", ["hvac", "bao"])
def test_set_up_runbook(client: str) -> None:
    """Enable a primary, mint a secondary token, enable a secondary with it, watch it reach stream-wals."""
    op = Operator(client)
    spec = TopologySpec((ClusterSpec("A"), ClusterSpec("B")))
    with MockTopology(Generator().build(spec, 5)) as topo:
        a, b = topo["A"].url, topo["B"].url
        op.write(a, "sys/replication/dr/primary/enable")
        minted = op.write(a, "sys/replication/dr/primary/secondary-token", {"id": "b", "ttl": "10m"})
        op.write(b, "sys/replication/dr/secondary/enable", {"token": minted["wrap_info"]["token"]})
        for _ in range(20):
            topo.advance(1)
            now = assert_invariants(topo)
        assert (now["B"]["dr"]["mode"], now["B"]["dr"]["state"]) == ("secondary", "stream-wals")
        assert now["A"]["dr"]["secondaries"][0]["node_id"] == "b"
        assert_no_mock_errors(topo)


def test_key_shares_are_configurable_and_handed_to_the_test() -> None:
    from replmock.server import MockVault

    with MockVault(scenario="dr-secondary", threshold=2, shares=3) as vault:
        assert len(vault.unseal_keys) == 3
        url = vault.url + "/v1/sys/replication/dr/secondary/generate-operation-token"
        started = requests.post(url + "/attempt", timeout=10).json()
        assert started["required"] == 2
        for key in vault.unseal_keys[:2]:
            done = requests.post(url + "/update", json={"key": key, "nonce": started["nonce"]}, timeout=10).json()
        assert done["complete"] is True


def test_paths_filters_and_dynamic_filters(fleet: MockTopology) -> None:
    a = hvac.Client(url=fleet["A"].url, token=ROOT)
    path = "sys/replication/performance/primary/paths-filter/b-id"
    assert a.read(path) is None  # nothing set: 404
    a.write_data(path, data={"mode": "deny", "paths": ["secret/", "ns1/kv/"]})
    assert a.read(path)["data"] == {"mode": "deny", "paths": ["secret/", "ns1/kv/"]}
    dynamic = a.read("sys/replication/performance/primary/dynamic-filter/b-id")["data"]
    assert dynamic["dynamic_filtered_mounts"] == ["secret/", "ns1/kv/"]
    bad = post(fleet["A"].url, path, {"mode": "maybe"})
    assert bad.status_code == 400
    a.delete(path)
    assert a.read(path) is None


def test_batch_dr_operation_tokens_made_on_the_primary_promote_its_dr_secondary(fleet: MockTopology) -> None:
    """Batch tokens made on the primary work as dr_operation_token for promote and update-primary (§13.6)."""
    made = post(fleet["A"].url, "auth/token/create", {"type": "batch", "policies": ["dr-ops"], "ttl": "1h"}).json()
    batch = made["auth"]["client_token"]
    assert batch.startswith("hvb.")
    assert (made["auth"]["token_type"], made["auth"]["orphan"], made["auth"]["renewable"]) == ("batch", True, False)
    foreign = post(fleet["B"].url, "auth/token/create", {"type": "batch"}).json()["auth"]["client_token"]
    c = fleet["C"].url  # a DR secondary of A, not of B
    assert post(c, "sys/replication/dr/secondary/merkle-check", {"dr_operation_token": batch}, None).status_code == 400
    assert post(c, "sys/replication/dr/secondary/promote", {"dr_operation_token": foreign}, None).status_code == 400
    assert post(c, "sys/replication/dr/secondary/promote", {"dr_operation_token": batch}, None).status_code == 204
    assert status(fleet)["C"]["dr"]["mode"] == "primary"
    refused = post(fleet["A"].url, "auth/token/create", {"type": "batch"}, "ops")
    assert refused.status_code == 403  # only a token whose policy allows it (here: root) creates tokens


def test_legacy_unprefixed_paths_act_on_performance_replication() -> None:
    """§1d: sys/replication/{primary,secondary}/* of the pre-split API are aliases of the performance paths
    (weak evidence: DOC-OLD and the CE stub map), with the performance paths' auth classes."""
    spec = TopologySpec((ClusterSpec("A"), ClusterSpec("B")))
    with MockTopology(Generator().build(spec, 3), tokens=["ops"]) as topo:
        a, b = topo["A"].url, topo["B"].url
        assert post(a, "sys/replication/primary/enable").status_code == 204
        seen = status(topo)
        assert (seen["A"]["performance"]["mode"], seen["A"]["dr"]["mode"]) == ("primary", "disabled")
        assert post(a, "sys/replication/primary/secondary-token", {"id": "b"}, "ops").status_code == 403  # sudo
        token = post(a, "sys/replication/primary/secondary-token", {"id": "b"}).json()["wrap_info"]["token"]
        assert post(b, "sys/replication/secondary/enable", {"token": token}).status_code == 204
        assert status(topo)["B"]["performance"]["mode"] == "bootstrapping"
        assert requests.get(f"{a}/v1/sys/replication/primary/enable", timeout=10).status_code == 403  # token first
        assert_no_mock_errors(topo)
