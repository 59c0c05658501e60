"""The packaged conformance suite, run as an SRE runs it: against the mock, a real OpenBao, drifted and replayed servers."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
from pytest_httpserver import HTTPServer

from replmock.generate import scenario, scenario_names
from replmock.server import MockTopology
from tests.conftest import FIXTURES, load_json
from tests.test_clients import bao_binary

pytestmark = pytest.mark.slow


@dataclass
class Run:
    code: int
    output: str
    cases: dict[str, tuple[str, str]]
    """test id -> (outcome, message)."""
    files: dict[str, str]

    def outcomes(self, prefix: str) -> set[str]:
        return {o for name, (o, _) in self.cases.items() if name.startswith(prefix)}


def run_suite(tmp_path: Path, *args: str) -> Run:
    junit, drift = tmp_path / "junit.xml", tmp_path / "drift"
    script = Path(sys.executable).parent / "replmock"
    cmd = [
        str(script) if script.exists() else "replmock",
        "conformance",
        "-q",
        f"--junitxml={junit}",
        f"--replmock-drift-report={drift}",
        *args,
    ]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VAULT_", "BAO_"))}
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=env, cwd=tmp_path, check=False)
    cases = {}
    if junit.exists():
        for case in ET.parse(junit).getroot().iter("testcase"):  # noqa: S314 - our own file
            outcome, message = "passed", ""
            for child in case:
                if child.tag in {"failure", "error", "skipped"}:
                    outcome, message = child.tag, (child.get("message") or "") + (child.text or "")
            cases[case.get("name", "")] = (outcome, message)
    files = {
        p.name: p.read_text(encoding="utf-8")
        for p in (junit, drift.with_suffix(".json"), drift.with_suffix(".md"))
        if p.exists()
    }
    return Run(done.returncode, done.stdout + done.stderr, cases, files)


def write_targets(path: Path, urls: dict[str, str], token: str | None = None, nonsudo: str | None = None) -> Path:
    lines = []
    for name, url in urls.items():
        lines += ["[[target]]", f'name = "{name}"', f'address = "{url}"']
        if token:
            lines.append(f'token = "{token}"')
        if nonsudo:
            lines.append(f'nonsudo_token = "{nonsudo}"')
        lines.append("")
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


# One suite run per scenario is a subprocess of several seconds: these cover every role and special state.
# four-cluster has every role of perf-primary, perf-secondary, dr-primary, dr-secondary and the combined
# scenarios; tests/test_generate.py checks every scenario's payloads against the schemas and invariants.
CONFORMANCE_SCENARIOS = (
    "four-cluster",
    "oss",
    "disabled",
    "bootstrapping",
    "reindex-in-progress",
    "corrupted-merkle-tree",
    "secondary-merkle-sync",
    "secondary-disconnected",
)


def test_the_conformance_scenarios_are_named_scenarios() -> None:
    assert set(CONFORMANCE_SCENARIOS) <= set(scenario_names())


@pytest.mark.parametrize("name", CONFORMANCE_SCENARIOS)
def test_the_mock_passes_for_every_scenario(tmp_path: Path, name: str) -> None:
    run = run_suite(tmp_path, "--replmock-scenario", name, "--replmock-allow-mutations", "--replmock-allow-reindex")
    assert run.code == 0, run.output
    assert run.outcomes("test_status_needs_no_token") == {"passed"}
    failed = [n for n, (o, _) in run.cases.items() if o in {"failure", "error"}]
    assert failed == []
    drift = json.loads(run.files["drift.json"])
    assert drift["count"] == 0, drift["differences"][:3]
    if name == "oss":
        assert "open-source Vault" in run.output
        assert run.outcomes("test_open_source_answers") == {"passed"}
    else:
        assert run.outcomes("test_single_cluster_invariant") == {"passed"}
        assert "passed" in run.outcomes("test_current_contract")


@pytest.fixture(scope="module")
def openbao(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    root = "root-" + secrets.token_hex(8)
    log = tmp_path_factory.mktemp("bao") / "bao.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [bao_binary(), "server", "-dev", f"-dev-root-token-id={root}", f"-dev-listen-address=127.0.0.1:{port}"],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    addr = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:  # readiness: poll until the dev server answers
            try:
                if requests.get(addr + "/v1/sys/health", timeout=2).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            if time.monotonic() > deadline or proc.poll() is not None:
                pytest.fail(f"bao dev server did not start: {log.read_text()[-2000:]}")
            time.sleep(0.1)
        created = requests.post(
            addr + "/v1/auth/token/create", headers={"X-Vault-Token": root}, json={"policies": ["default"]}, timeout=10
        )
        created.raise_for_status()
        yield {"addr": addr, "root": root, "nonsudo": created.json()["auth"]["client_token"]}
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_openbao_is_detected_and_the_generic_checks_pass(tmp_path: Path, openbao: dict[str, str]) -> None:
    run = run_suite(
        tmp_path,
        f"--vault-addr={openbao['addr']}",
        f"--vault-token={openbao['root']}",
        f"--vault-nonsudo-token={openbao['nonsudo']}",
        "--replmock-allow-mutations",
    )
    assert run.code == 0, run.output
    assert "OpenBao 2." in run.output
    for check in (
        "test_health_matches_schema",
        "test_recover_needs_a_token",
        "test_reindex_needs_sudo",
        "test_error_format",
    ):
        assert run.outcomes(check) == {"passed"}, (check, run.cases)
    assert run.cases["test_status_needs_no_token[vault-status]"][0] == "passed"
    skipped = [m for o, m in run.cases.values() if o == "skipped"]
    assert sum("Enterprise-only check: the target is OpenBao" in m for m in skipped) >= 10
    assert openbao["root"] not in run.output + "".join(run.files.values())
    assert openbao["nonsudo"] not in run.output + "".join(run.files.values())


DRIFTS = [  # one per drift operation, on fields that different checks own (schema, invariants, cross-cluster)
    ("rename", "last_wal", "last_wal_index", "last_wal"),
    ("retype", "last_remote_wal", None, "last_remote_wal"),
    ("enum", "connection_status", None, "connection_status"),
    ("remove", "secondary_id", None, "secondary_id"),
]


@pytest.mark.parametrize(("op", "field", "to", "named"), DRIFTS, ids=[f"{d[0]}-{d[1]}" for d in DRIFTS])
def test_every_kind_of_drift_is_caught_by_a_named_check(
    tmp_path: Path, op: str, field: str, to: Any, named: str
) -> None:
    with MockTopology(scenario("perf-secondary", 2), root_token="r00t-tok", tokens=["app-tok"]) as mock:
        for vault in mock:
            vault.drift(op, field, to=to)
        targets = write_targets(tmp_path / "targets.toml", mock.urls, "r00t-tok", "app-tok")
        run = run_suite(tmp_path, f"--targets={targets}")
    assert run.code == 1, run.output
    failures = {n: m for n, (o, m) in run.cases.items() if o == "failure"}
    assert failures
    assert any(named in m for m in failures.values()), failures
    assert any("source:" in m or "rule:" in m for m in failures.values())
    kinds = {d["kind"] for d in json.loads(run.files["drift.json"])["differences"]}
    assert kinds
    assert "r00t-tok" not in run.output + "".join(run.files.values())


def test_replayed_enterprise_responses_pass(tmp_path: Path) -> None:
    """Responses captured from real Enterprise clusters (fixtures/observed), served as recorded."""
    servers = []
    urls = {}
    try:
        for name, file in (
            ("primary", "001-cli-status-dr-primary-perf-primary.json"),
            ("dr-secondary", "002-cli-status-dr-secondary-stream-wals.json"),
        ):
            body = load_json(FIXTURES / "observed" / file)
            server = HTTPServer(host="127.0.0.1", port=0)
            server.expect_request("/v1/sys/replication/status").respond_with_json(body)
            server.expect_request("/v1/sys/replication/dr/status").respond_with_json(
                {**body, "data": body["data"]["dr"]}
            )
            server.expect_request("/v1/sys/replication/performance/status").respond_with_json(
                {**body, "data": body["data"]["performance"]}
            )
            dr_mode, perf_mode = body["data"]["dr"]["mode"], body["data"]["performance"]["mode"]
            health = {
                "initialized": True,
                "sealed": False,
                "standby": False,
                "replication_dr_mode": dr_mode,
                "replication_performance_mode": perf_mode,
                "version": "1.2.3+prem",
            }
            server.expect_request("/v1/sys/health").respond_with_json(health)
            server.expect_request("/v1/sys/replication/recover").respond_with_json(
                {"errors": ["permission denied"]}, status=403
            )
            server.expect_request("/v1/sys/replication/replmock-no-such-path").respond_with_json(
                {"errors": ["permission denied"]}, status=403
            )
            for path in ("promote", "disable", "update-primary", "operation-token/delete", "reindex", "merkle-check"):
                # Unauthenticated, update-only paths: a GET reaches the router and gets the bare 405.
                server.expect_request(f"/v1/sys/replication/dr/secondary/{path}").respond_with_json(
                    {"errors": ["unsupported operation"]}, status=405
                )
            server.start()
            servers.append(server)
            urls[name] = server.url_for("").rstrip("/")
        run = run_suite(tmp_path, f"--targets={write_targets(tmp_path / 't.toml', urls)}")
    finally:
        for server in servers:
            server.stop()
    assert run.code == 0, run.output
    assert run.outcomes("test_status_endpoint_matches_schema") == {"passed"}
    assert run.outcomes("test_cross_cluster_invariant") == {"passed"}
    assert "the strict contract documents Vault 1.16+" in run.cases["test_current_contract[primary-status]"][1]


def test_tokens_never_appear_in_any_output(tmp_path: Path) -> None:
    secret = "hvs.SECRET" + secrets.token_hex(6)
    with MockTopology(scenario("perf-primary", 1), root_token=secret, tokens=[secret + "-app"]) as mock:
        for vault in mock:
            vault.drift("retype", "last_wal")
            vault.sealed(endpoint="health")
        targets = write_targets(tmp_path / "targets.toml", mock.urls, secret, secret + "-app")
        run = run_suite(tmp_path, f"--targets={targets}", "-vv", "--showlocals", "-rA", "--replmock-allow-mutations")
    assert run.code == 1
    assert set(run.files) == {"junit.xml", "drift.json", "drift.md"}
    everything = run.output + "".join(run.files.values())
    assert secret not in everything
    assert "last_wal" in everything


READS = {"GET", "HEAD", "LIST"}


def test_read_only_by_default(tmp_path: Path) -> None:
    """A default run sends no write of any kind (counted on the mock's request journal), yet checks the auth rules."""
    with MockTopology(scenario("secondary-idle", 1), root_token="r", tokens=["a"]) as mock:
        before = mock.topology.version
        run = run_suite(tmp_path, f"--targets={write_targets(tmp_path / 't.toml', mock.urls, 'r', 'a')}")
        sent = [e for v in mock for e in v.requests()]
        state = mock["B"].status()["performance"]["state"]  # type: ignore[index]
        assert mock.topology.version == before
    assert run.code == 0, run.output
    assert sent
    assert [f"{e.method} {e.path}" for e in sent if e.method not in READS] == []
    assert state == "idle"
    assert run.outcomes("test_recover_needs_a_token") == {"passed"}  # now a GET, refused before routing
    assert any(e.method == "GET" and e.endpoint == "recover" and e.status == 403 for e in sent)
    skipped = [m for n, (o, m) in run.cases.items() if n.startswith(("test_re", "test_reindex")) and o == "skipped"]
    assert any("--replmock-allow-mutations" in m for m in skipped)
    assert run.outcomes("test_reindex_needs_sudo") == {"skipped"}


def test_the_sudo_check_never_starts_a_reindex_even_with_a_sudo_token(tmp_path: Path) -> None:
    with MockTopology(scenario("perf-primary", 1), root_token="r", tokens=["a"]) as mock:
        run = run_suite(
            tmp_path,
            f"--targets={write_targets(tmp_path / 't.toml', mock.urls, 'r', 'r')}",
            "-k",
            "sudo",
            "--replmock-allow-mutations",
        )
        reindexing = [name for name in mock.urls if "reindex_in_progress" in mock[name].status()["performance"]]  # type: ignore[index]
    assert run.code == 1  # the check reports that the "non-sudo" token has sudo ...
    assert reindexing == []  # ... without reindexing anything


def test_parallel_targets_under_xdist(tmp_path: Path) -> None:
    with MockTopology(scenario("four-cluster", 4), root_token="r", tokens=["a"]) as mock:
        run = run_suite(
            tmp_path, f"--targets={write_targets(tmp_path / 't.toml', mock.urls, 'r', 'a')}", "-n", "2", "-p", "xdist"
        )
    assert run.code == 0, run.output
    assert run.outcomes("test_cross_cluster_invariant") == {"passed"}
    assert {n.split("[")[1].rstrip("]") for n in run.cases if n.startswith("test_envelope_format")} == {
        "A",
        "B",
        "C",
        "D",
    }
    assert json.loads(run.files["drift.json"])["targets"].keys() == {"A", "B", "C", "D"}


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ("not toml = = 1", "is not valid TOML"),
        ("[[target]]\nname = 'a'\n", "needs string keys name and address"),
        ("[[target]]\nname='a'\naddress='http://x'\ncolour='red'\n", "unknown key(s) ['colour']"),
        ("[[target]]\nname='a'\naddress='vault-a:8200'\n", "needs a scheme and a host"),
        ("[[target]]\nname='\udcff'\naddress='http://x'\n", "is not UTF-8 text"),
    ],
)
def test_bad_targets_files_are_usage_errors(tmp_path: Path, content: str, words: str) -> None:
    path = tmp_path / "targets.toml"
    path.write_bytes(content.encode("utf-8", errors="surrogateescape"))
    run = run_suite(tmp_path, f"--targets={path}")
    assert run.code == 2  # usage error: before any check, in the command's own name
    assert "replmock conformance: --targets" in run.output
    assert "pytest.main()" not in run.output
    assert words in run.output
    assert run.output.count(words) == 1  # one usage error at start-up, not an error in every test
    assert "Traceback" not in run.output
    assert "INTERNALERROR" not in run.output


def test_reindex_flag_needs_the_mutations_flag(tmp_path: Path) -> None:
    run = run_suite(tmp_path, "--self-test", "--replmock-allow-reindex")
    assert run.code == 2
    assert "replmock conformance: --replmock-allow-reindex also needs --replmock-allow-mutations" in run.output


def test_bao_binary_is_available() -> None:
    assert shutil.which("bao") or Path(bao_binary()).exists()
