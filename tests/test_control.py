"""The control API of `replmock serve` (any language): events over HTTP, seen through Vault's own endpoints."""

from __future__ import annotations

import argparse
import io
import json
import shutil
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import hvac
import pytest
import requests

from replmock.server.standalone import serve_command


@contextmanager
def served(scenario: str = "four-cluster") -> Iterator[tuple[dict[str, Any], io.StringIO]]:
    """`replmock serve --scenario S --port 0 --clock frozen --json` in a thread: its JSON start-up line, its log."""
    args = argparse.Namespace(
        scenario=scenario, seed=0, host="127.0.0.1", port=0, root_token="root", token=["ops"], tls_cert=None,
        tls_key=None, clock="frozen", json=True,
    )  # fmt: skip
    out, err = _Lines(), io.StringIO()
    stop = threading.Event()
    thread = threading.Thread(target=serve_command, args=(args, out, err), kwargs={"stop": stop}, daemon=True)
    thread.start()
    try:
        assert out.first.wait(30), err.getvalue()
        yield json.loads(out.getvalue().splitlines()[0]), err
    finally:
        stop.set()
        thread.join(10)


class _Lines(io.StringIO):
    def __init__(self) -> None:
        super().__init__()
        self.first = threading.Event()

    def flush(self) -> None:
        super().flush()
        if "\n" in self.getvalue():
            self.first.set()


def control(base: str, action: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    """POST a control action with curl when it is installed (as a shell script would), else requests."""
    url = f"{base}/_replmock/{action}"
    data = json.dumps(body or {})
    curl = shutil.which("curl")
    if curl:
        done = subprocess.run(
            [curl, "-sS", "-X", "POST", "-d", data, url], capture_output=True, text=True, timeout=30, check=False
        )
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)  # type: ignore[no-any-return]
    return requests.post(url, data=data, timeout=30).json()  # type: ignore[no-any-return]


def _refused(url: str) -> bool:
    """Whether connections to ``url`` end refused (the server stops right after answering the control request)."""
    for _ in range(50):
        try:
            requests.get(url, timeout=2)
        except requests.ConnectionError:
            return True
    return False


def perf(url: str) -> dict[str, Any]:
    return hvac.Client(url=url).read("sys/replication/performance/status")["data"]  # type: ignore[no-any-return]


def test_the_start_up_line_names_every_cluster_and_the_clock_stands_still_until_advanced() -> None:
    with served() as (info, _):
        assert set(info["clusters"]) == {"A", "B", "C", "D"}
        assert info["clock"] == "frozen"
        assert len(info["clusters"]["A"]["unseal_keys"]) == 5
        assert info["clusters"]["A"]["threshold"] == 3
        a = info["clusters"]["A"]["url"]
        topology = requests.get(a + "/_replmock/topology", timeout=10).json()
        assert {name: c["url"] for name, c in topology["clusters"].items()} == {
            name: c["url"] for name, c in info["clusters"].items()
        }
        assert topology["clusters"]["A"]["threshold"] == 3
        assert len(topology["clusters"]["A"]["unseal_keys"]) == 5
        first = requests.get(a + "/v1/sys/health", timeout=10).json()["server_time_utc"]
        assert requests.get(a + "/v1/sys/health", timeout=10).json()["server_time_utc"] == first
        control(a, "advance", {"seconds": 90})
        assert requests.get(a + "/v1/sys/health", timeout=10).json()["server_time_utc"] == first + 90


def test_a_partition_shows_on_both_sides_and_healing_restores_streaming() -> None:
    with served() as (info, log):
        a, b = info["clusters"]["A"]["url"], info["clusters"]["B"]["url"]
        control(a, "partition", {"clusters": ["A", "B"]})
        control(a, "advance", {"seconds": 20})
        assert perf(b)["connection_state"] == "transient_failure"
        assert perf(b)["primaries"][0]["connection_status"] == "disconnected"
        assert perf(a)["secondaries"][0]["connection_status"] == "disconnected"
        control(a, "advance", {"seconds": 60})
        assert int(perf(b)["primaries"][0]["replication_primary_canary_age_ms"]) > 60_000
        control(b, "heal", {"clusters": ["A", "B"]})
        control(b, "advance", {"seconds": 60})
        back = perf(b)
        assert (back["state"], back["connection_state"]) == ("stream-wals", "ready")
        assert int(back["primaries"][0]["replication_primary_canary_age_ms"]) < 2000
        assert "B  GET /v1/sys/replication/performance/status -> 200" in log.getvalue()
        journal = requests.get(a + "/_replmock/journal", timeout=10).json()["journal"]
        assert all(not e["path"].startswith("/_replmock/") for entries in journal.values() for e in entries)


def test_seal_kill_and_faults_through_the_control_api() -> None:
    with served() as (info, _):
        a, b, c = (info["clusters"][n]["url"] for n in "ABC")
        control(b, "seal", {"cluster": "A"})
        assert requests.get(a + "/v1/sys/health", timeout=10).status_code == 503
        assert requests.get(a + "/v1/sys/seal-status", timeout=10).json()["sealed"] is True
        assert requests.get(a + "/v1/sys/replication/status", timeout=10).json() == {"errors": ["Vault is sealed"]}
        assert perf(b)["primaries"][0]["connection_status"] == "disconnected"  # a seal closes the link at once
        control(b, "unseal", {"cluster": "A"})
        control(b, "advance", {"seconds": 30})
        assert perf(b)["state"] == "stream-wals"
        control(a, "kill", {"cluster": "C"})
        assert _refused(c + "/v1/sys/health")
        control(a, "restart", {"cluster": "C"})
        assert requests.get(c + "/v1/sys/health", timeout=10).status_code == 472  # C is a DR secondary
        added = control(a, "faults", {"cluster": "B", "kind": "status", "status": 502, "errors": ["bad gateway"]})
        assert "HTTP 502" in added["added"]
        assert requests.get(b + "/v1/sys/replication/status", timeout=10).status_code == 502
        assert requests.delete(a + "/_replmock/faults", timeout=10).status_code == 200
        assert requests.get(b + "/v1/sys/replication/status", timeout=10).status_code == 200


@pytest.mark.parametrize(
    ("action", "body", "words"),
    [
        ("partition", {"clusters": ["A", "Q"]}, '"clusters" must be two of'),
        ("seal", {}, '"cluster" must name one of'),
        ("advance", {"seconds": -1}, '"seconds" must be a number from 0 to'),
        ("partition", {"clusters": ["A", "A"]}, "two different clusters"),
        ("write", {"cluster": "A", "entries": 1e300}, '"entries" must be a whole number'),
        ("faults", {"kind": "latency", "seconds": 1e300}, "latency needs seconds from 0 to 3600"),
        ("faults", {"kind": "state", "state": "zzz"}, "unknown node state 'zzz'"),
        ("melt", {}, "unknown control action 'melt'"),
        ("faults", {"kind": "melt"}, "unknown fault kind 'melt'"),
    ],
)
def test_bad_control_requests_say_what_was_expected(action: str, body: dict[str, Any], words: str) -> None:
    with served("perf-primary") as (info, _):
        answer = requests.post(f"{info['clusters']['A']['url']}/_replmock/{action}", json=body, timeout=10)
        assert answer.status_code == 400
        assert words in answer.json()["errors"][0]


def test_the_command_line_takes_clock_json_and_token_kinds() -> None:
    """Through the real parser, as a user types it (the other tests build the arguments by hand)."""
    import subprocess
    import sys

    proc = subprocess.Popen(
        [sys.executable, "-m", "replmock.cli", "serve", "--scenario", "perf-primary", "--port", "0", "--clock",
         "frozen", "--json", "--token", "viewer:default", "--namespace", "team"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        info = json.loads(proc.stdout.readline())
        assert info["clock"] == "frozen"
        url = info["clusters"]["A"]["url"]
        first = requests.get(url + "/v1/sys/health", timeout=10).json()["server_time_utc"]
        assert requests.get(url + "/v1/sys/health", timeout=10).json()["server_time_utc"] == first
        viewer = requests.post(url + "/v1/sys/replication/recover", headers={"X-Vault-Token": "viewer"}, timeout=10)
        assert viewer.status_code == 403
        ns = requests.get(url + "/v1/sys/replication/status", headers={"X-Vault-Namespace": "team"}, timeout=10)
        assert ns.json() == {"errors": ["operation unavailable in namespaces"]}
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_restore_brings_back_the_topology_as_built() -> None:
    """After events, writes, a killed server and replication calls, restore answers every read as at start-up."""
    with served() as (info, _):
        urls = {n: info["clusters"][n]["url"] for n in info["clusters"]}
        a, b, c = urls["A"], urls["B"], urls["C"]

        def reads() -> dict[str, Any]:
            out = {}
            for name, url in urls.items():
                for path in ("sys/replication/status", "sys/health"):
                    body = requests.get(f"{url}/v1/{path}", timeout=10).json()
                    body.pop("request_id", None)
                    out[f"{name} {path}"] = body
            return out

        before = reads()
        control(a, "advance", {"seconds": 600})
        control(a, "write", {"cluster": "A", "entries": 50_000})
        control(a, "partition", {"clusters": ["A", "B"]})
        control(a, "seal", {"cluster": "D"})
        token = requests.post(
            a + "/v1/sys/replication/dr/primary/secondary-token",
            json={"id": "new"},
            headers={"X-Vault-Token": "root"},
            timeout=10,
        )
        assert token.status_code == 200
        control(a, "faults", {"cluster": "B", "kind": "status", "status": 502, "times": None})
        control(a, "kill", {"cluster": "C"})
        assert _refused(c + "/v1/sys/health")
        restored = control(b, "restore")
        assert restored["clusters"]["C"]["url"] == c
        assert reads() == before
        dr = requests.get(a + "/v1/sys/replication/dr/status", timeout=10).json()["data"]
        assert "new" not in dr["known_secondaries"]  # the activation made since is gone
