"""`replmock record`: reads only, scrubbed with consistent pseudonyms, audited; and replay as a living topology."""

from __future__ import annotations

import io
import ipaddress
import json
import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import requests

from replmock.cli import run
from replmock.generate import scenario
from replmock.model import Observation, check
from replmock.record import Scrubber, load_recording
from replmock.server import MockTopology
from tests.differential.openbao import running_openbao

pytest_plugins = ["pytester"]

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def targets_file(path: Path, urls: dict[str, str]) -> Path:
    path.write_text("".join(f'[[target]]\nname = "{n}"\naddress = "{u}"\n' for n, u in urls.items()), encoding="utf-8")
    return path


def record(tmp_path: Path, urls: dict[str, str], out: str = "rec", *extra: str) -> tuple[int, str, Path]:
    stdout, stderr = io.StringIO(), io.StringIO()
    code = run(["record", "--targets", str(targets_file(tmp_path / "t.toml", urls)), "--out", str(tmp_path / out), *extra],
               stdout=stdout, stderr=stderr)  # fmt: skip
    return code, stdout.getvalue() + stderr.getvalue(), tmp_path / out


def load(folder: Path) -> dict[str, dict[str, Any]]:
    return {
        d.name: {f.stem: json.loads(f.read_text()) for f in d.glob("*.json")}
        for d in sorted(folder.iterdir())
        if d.is_dir()
    }


def strings(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for v in node.values():
            yield from strings(v)
    elif isinstance(node, list):
        for v in node:
            yield from strings(v)
    elif isinstance(node, str):
        yield node


@pytest.fixture
def fleet() -> Iterator[MockTopology]:
    with MockTopology(scenario("four-cluster", 4), strict=False) as topo:
        yield topo


def test_a_recording_reads_only_and_scrubs_every_identifier_consistently(tmp_path: Path, fleet: MockTopology) -> None:
    code, output, rec = record(tmp_path, fleet.urls)
    assert code == 0, output
    assert "scrub audit clean" in output
    for vault in fleet:  # reads only, and never a token
        assert {e.method for e in vault.requests()} == {"GET"}
        assert all("X-Vault-Token" not in e.headers for e in vault.requests())
    manifest = json.loads((rec / "manifest.json").read_text())
    assert manifest["format"] == "replmock-recording/1"
    assert set(manifest["targets"]) == {"A", "B", "C", "D"}
    assert manifest["targets"]["A"]["files"]["status"]["status"] == 200
    data = load(rec)
    original = {
        n: requests.get(u + "/v1/sys/replication/status", timeout=10).json()["data"] for n, u in fleet.urls.items()
    }
    everything = "".join(p.read_text() for p in rec.rglob("*.json"))
    for name in original:  # no original identifier anywhere
        for kind in ("dr", "performance"):
            for key in ("cluster_id", "secondary_id"):
                value = original[name][kind].get(key)
                if value:
                    assert value not in everything, (name, kind, key)
    status = {n: d["status"]["data"] for n, d in data.items()}
    assert UUID.match(status["A"]["performance"]["cluster_id"])  # a UUID stays a UUID
    assert (
        status["A"]["performance"]["cluster_id"] == status["B"]["performance"]["cluster_id"]
    )  # same value, same pseudonym
    assert status["B"]["performance"]["secondary_id"] in status["A"]["performance"]["known_secondaries"]
    observations = [
        Observation(
            n,
            status=data[n]["status"],
            dr_status=data[n]["dr-status"],
            performance_status=data[n]["performance-status"],
            health=data[n]["health"],
        )
        for n in ("B", "C", "D", "A")
    ]
    assert check(observations) == []  # the cross-cluster relations survive the pseudonyms
    valid = io.StringIO()
    assert run(["validate", "--profile", "strict", str(rec)], stdout=valid, stderr=valid) == 0, valid.getvalue()
    assert "manifest.json: SKIPPED" in valid.getvalue()


def test_pseudonyms_keep_their_format() -> None:
    scrub = Scrubber()
    for private in ("10.1.2.3", "172.20.0.9", "192.168.7.7"):
        assert ipaddress.ip_address(scrub.host(private)).is_private
        assert scrub.host(private) != private
    assert ipaddress.ip_address(scrub.host("8.8.8.8")) in ipaddress.ip_network("198.51.100.0/24")
    host = scrub.address("https://vault-east-1.prod.example.com:8201")
    assert host.startswith("https://")
    assert host.endswith(":8201")
    assert len(host.removeprefix("https://").rsplit(":", 1)[0].split(".")) == 4  # labels kept
    assert "vault-east" not in host
    assert scrub.address("127.0.0.1:8200") == "127.0.0.1:8200"  # the machine itself identifies nothing
    assert scrub.identifier("perf-secondary-b") == scrub.identifier("perf-secondary-b") != "perf-secondary-b"
    shifted = Scrubber(shift=timedelta(days=1))
    assert shifted.time("2026-03-02T14:30:00Z") == "2026-03-03T14:30:00Z"
    assert shifted.epoch("-62135596800") == "-62135596800"  # "never" stays never


def test_the_audit_fails_on_a_planted_identifier(tmp_path: Path, fleet: MockTopology) -> None:
    code, output, rec = record(tmp_path, fleet.urls)
    assert code == 0, output
    raw = tmp_path / "raw"
    raw.mkdir()
    for name, url in fleet.urls.items():
        (raw / f"{name}.json").write_text(requests.get(url + "/v1/sys/replication/status", timeout=10).text)
    clean = io.StringIO()
    assert run(["record", "--check", str(rec), "--against", str(raw)], stdout=clean, stderr=clean) == 0
    real = json.loads((raw / "A.json").read_text())["data"]["dr"]["cluster_id"]
    planted = rec / "A" / "dr-status.json"
    planted.write_text(planted.read_text().replace('"mode"', f'"note": "{real}", "mode"', 1))
    found = io.StringIO()
    assert run(["record", "--check", str(rec), "--against", str(raw)], stdout=found, stderr=found) == 1
    assert "A/dr-status.json contains a identifier" in found.getvalue()
    assert real not in found.getvalue()  # the report does not repeat the leak


def test_replay_serves_the_recording_and_recording_it_again_gives_the_same_folder(
    tmp_path: Path, fleet: MockTopology
) -> None:
    code, output, first = record(tmp_path, fleet.urls, "first")
    assert code == 0, output
    with MockTopology(load_recording(first), strict=False) as replayed:
        code, output, second = record(tmp_path, replayed.urls, "second")
    assert code == 0, output
    one, two = load(first), load(second)
    assert one.keys() == two.keys()

    def shape(node: Any) -> Any:  # everything but the pseudonymised strings and the times
        if isinstance(node, dict):
            return {k: shape(v) for k, v in node.items() if k not in {"request_id", "server_time_utc"}}
        if isinstance(node, list):
            return [shape(v) for v in node]
        return type(node).__name__ if isinstance(node, str) else node

    for name in one:
        for endpoint in ("status", "dr-status", "performance-status"):
            assert shape(one[name][endpoint]) == shape(two[name][endpoint]), (name, endpoint)


def test_a_replayed_recording_lives_and_keeps_fields_the_model_does_not_know(tmp_path: Path) -> None:
    with MockTopology(scenario("secondary-idle", 1), strict=False) as source:
        code, output, rec = record(tmp_path, source.urls)
    assert code == 0, output
    status_file = rec / "B" / "status.json"
    body = json.loads(status_file.read_text())
    body["data"]["performance"]["new_field_from_vault_3"] = {"x": 1}
    status_file.write_text(json.dumps(body))
    health_file = rec / "B" / "health.json"
    health = json.loads(health_file.read_text())
    health["brand_new"] = True
    health_file.write_text(json.dumps(health))
    with MockTopology(load_recording(rec), strict=False, tokens=["ops"]) as replayed:
        b = replayed["B"].url
        perf = requests.get(b + "/v1/sys/replication/performance/status", timeout=10).json()["data"]
        assert perf["state"] == "idle"
        assert perf["new_field_from_vault_3"] == {"x": 1}
        assert requests.get(b + "/v1/sys/health", timeout=10).json()["brand_new"] is True
        recover = requests.post(b + "/v1/sys/replication/recover", headers={"X-Vault-Token": "ops"}, timeout=10)
        assert recover.status_code == 200
        replayed.advance(60)
        assert (
            requests.get(b + "/v1/sys/replication/performance/status", timeout=10).json()["data"]["state"]
            == "stream-wals"
        )


@pytest.mark.slow
def test_an_openbao_server_can_be_recorded(tmp_path: Path) -> None:
    with running_openbao() as bao:
        code, output, rec = record(tmp_path, {"bao": bao.url})
    assert code == 0, output
    manifest = json.loads((rec / "manifest.json").read_text())
    assert manifest["targets"]["bao"]["version"] == "2.7.2"
    assert manifest["targets"]["bao"]["files"]["status"]["status"] == 404  # no replication paths in OpenBao
    health = json.loads((rec / "bao" / "health.json").read_text())
    assert UUID.match(health["cluster_id"])
    assert health["cluster_name"].startswith("vault-cluster-")


def test_bad_record_arguments_are_usage_errors(tmp_path: Path) -> None:
    for argv, words in [
        (["record"], "needs --out DIR"),
        (["record", "--out", str(tmp_path / "x")], "nothing to record"),
        (["record", "--check", str(tmp_path)], "needs --against RAW_DIR"),
        (["record", "--check", str(tmp_path / "nope"), "--against", str(tmp_path)], "not a folder"),
    ]:
        out = io.StringIO()
        assert run(argv, stdout=out, stderr=out) == 2, argv
        assert words in out.getvalue(), argv


def test_serve_and_the_plugin_replay_a_recording(tmp_path: Path, pytester: pytest.Pytester) -> None:
    import subprocess
    import sys

    with MockTopology(scenario("perf-secondary", 2), strict=False) as source:
        code, output, rec = record(tmp_path, source.urls)
    assert code == 0, output
    proc = subprocess.Popen(
        [sys.executable, "-m", "replmock.cli", "serve", "--recording", str(rec), "--port", "0", "--clock", "frozen", "--json"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        info = json.loads(proc.stdout.readline())
        assert set(info["clusters"]) == {"A", "B"}
        perf = requests.get(info["clusters"]["B"]["url"] + "/v1/sys/replication/performance/status", timeout=10).json()
        assert perf["data"]["mode"] == "secondary"
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    pytester.makepyfile(
        f"""
        import pytest, requests

        @pytest.mark.replmock(recording={str(rec)!r}, cluster="B")
        def test_recorded(vault_replication):
            perf = requests.get(vault_replication.url + "/v1/sys/replication/performance/status").json()["data"]
            assert perf["mode"] == "secondary"
            vault_replication.advance(30)
            assert requests.get(vault_replication.url + "/v1/sys/replication/status").status_code == 200
        """
    )
    pytester.runpytest_subprocess().assert_outcomes(passed=1)
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.replmock(recording="no-such-folder")
        def test_missing(vault_replication):
            pass
        """
    )
    missing = pytester.runpytest_subprocess()
    assert missing.ret == pytest.ExitCode.USAGE_ERROR
    missing.stderr.fnmatch_lines(["*recording='no-such-folder': no recording at*"])
