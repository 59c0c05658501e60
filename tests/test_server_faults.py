"""Fault injection: status codes, latency, broken connections, garbage, drift; one-shot and permanent."""

from __future__ import annotations

import http.client
from collections.abc import Callable
from urllib.parse import urlsplit

import pytest
import requests

from replmock._errors import UsageError
from replmock.schemas import validate
from replmock.server import MockVault

Serve = Callable[..., MockVault]
STATUS = "/v1/sys/replication/status"


def test_one_shot_status_fault_then_normal(serve: Serve) -> None:
    vault = serve()
    vault.fail(500)
    first = requests.get(vault.url + STATUS, timeout=5)
    assert first.status_code == 500
    assert first.json() == {"errors": ["internal error"]}
    assert requests.get(vault.url + STATUS, timeout=5).status_code == 200


@pytest.mark.parametrize(
    ("code", "text"), [(429, "rate limit quota exceeded"), (503, "Vault is sealed"), (502, "upstream rate limited")]
)
def test_vaults_texts_for_usual_codes(serve: Serve, code: int, text: str) -> None:
    vault = serve()
    vault.fail(code, endpoint="status")
    response = requests.get(vault.url + STATUS, timeout=5)
    assert response.status_code == code
    assert response.json() == {"errors": [text]}


def test_permanent_sealed_until_cleared_and_per_endpoint(serve: Serve) -> None:
    vault = serve()
    vault.sealed(endpoint="status")
    for _ in range(3):
        assert requests.get(vault.url + STATUS, timeout=5).status_code == 503
    assert requests.get(vault.url + "/v1/sys/replication/dr/status", timeout=5).status_code == 200
    vault.clear_faults()
    assert requests.get(vault.url + STATUS, timeout=5).status_code == 200


def test_times_counts_requests(serve: Serve) -> None:
    vault = serve()
    vault.rate_limited(times=2)
    codes = [requests.get(vault.url + STATUS, timeout=5).status_code for _ in range(3)]
    assert codes == [429, 429, 200]


def test_standby_redirects_to_the_active_node(serve: Serve) -> None:
    vault = serve()
    vault.standby()
    response = requests.get(vault.url + STATUS, allow_redirects=False, timeout=5)
    assert response.status_code == 307
    assert response.headers["Location"] == vault.url + STATUS
    assert requests.get(vault.url + STATUS, timeout=5).status_code == 200
    vault.standby(redirect=False)
    assert requests.get(vault.url + STATUS, timeout=5).json() == {"errors": ["no active Vault instance found"]}


def test_a_standby_that_redirects_for_good_is_refused_not_a_redirect_loop(serve: Serve) -> None:
    vault = serve()
    with pytest.raises(UsageError, match="loop"):
        vault.standby(times=None)
    with pytest.raises(UsageError, match="loop"):
        vault.fault("state", state="standby")
    assert requests.get(vault.url + STATUS, timeout=5).status_code == 200  # nothing was installed
    vault.standby(redirect=False, times=None)  # a standby that cannot forward may stay for good
    assert requests.get(vault.url + STATUS, timeout=5).status_code == 503


def test_latency_is_applied_through_the_sleep_hook() -> None:
    slept: list[float] = []
    with MockVault(sleep=slept.append) as vault:
        vault.latency(2.5, endpoint="status", times=1)
        assert requests.get(vault.url + STATUS, timeout=5).status_code == 200
        requests.get(vault.url + STATUS, timeout=5)
    assert slept == [2.5]


def _raw_get(url: str) -> http.client.HTTPResponse:
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=5)
    conn.request("GET", STATUS)
    return conn.getresponse()


def test_dropped_connection_then_the_server_keeps_serving(serve: Serve) -> None:
    vault = serve()
    vault.drop()
    with pytest.raises((requests.ConnectionError, requests.exceptions.ChunkedEncodingError)):
        requests.get(vault.url + STATUS, timeout=5)
    assert requests.get(vault.url + STATUS, timeout=5).status_code == 200


def test_truncated_body(serve: Serve) -> None:
    vault = serve()
    vault.truncate()
    response = _raw_get(vault.url)
    with pytest.raises(http.client.IncompleteRead):
        response.read()
    assert requests.get(vault.url + STATUS, timeout=5).status_code == 200


def test_garbage_body(serve: Serve) -> None:
    vault = serve()
    vault.garbage(status=502)
    response = requests.get(vault.url + STATUS, timeout=5)
    assert response.status_code == 502
    with pytest.raises(ValueError, match="Expecting value"):
        response.json()


@pytest.mark.parametrize(
    ("op", "field", "to", "check"),
    [
        ("remove", "clock_skew_ms", None, lambda p: "clock_skew_ms" not in p["secondaries"][0]),
        ("rename", "last_wal", "last_wal_index", lambda p: "last_wal_index" in p and "last_wal" not in p),
        ("retype", "clock_skew_ms", None, lambda p: isinstance(p["secondaries"][0]["clock_skew_ms"], int)),
        ("retype", "last_wal", None, lambda p: isinstance(p["last_wal"], str)),
        ("enum", "state", None, lambda p: p["state"] == "replmock-unknown-value"),
        ("enum", "connection_status", "flapping", lambda p: p["secondaries"][0]["connection_status"] == "flapping"),
    ],
)
def test_drift_changes_every_occurrence_and_the_schema_notices(
    serve: Serve, op: str, field: str, to: object, check: Callable[..., bool]
) -> None:
    vault = serve()
    vault.drift(op, field, to=to)
    body = requests.get(vault.url + STATUS, timeout=5).json()
    assert check(body["data"]["performance"])
    assert not validate(body, "status", "strict").ok
    assert vault.errors == []  # drifted bodies are deliberate, not mock bugs


def test_faults_are_recorded_in_the_journal(serve: Serve) -> None:
    vault = serve()
    vault.fail(503, endpoint="status")
    requests.get(vault.url + STATUS, timeout=5)
    (entry,) = vault.requests("status")
    assert entry.status == 503
    assert entry.faults == ("HTTP 503 on status, 1 of 1",)


def test_health_answers_as_a_sealed_or_standby_node(serve: Serve) -> None:
    vault = serve()
    vault.sealed()
    sealed = requests.get(vault.url + "/v1/sys/health", timeout=5)
    assert sealed.status_code == 503
    assert sealed.json()["sealed"] is True
    assert "cluster_id" not in sealed.json()
    assert requests.get(vault.url + "/v1/sys/health?sealedcode=200", timeout=5).status_code == 200
    assert requests.get(vault.url + STATUS, timeout=5).json() == {"errors": ["Vault is sealed"]}
    vault.clear_faults()
    vault.standby(redirect=False, times=None)
    standby = requests.get(vault.url + "/v1/sys/health", timeout=5)
    assert standby.status_code == 429
    assert standby.json()["standby"] is True
    assert requests.get(vault.url + "/v1/sys/health?standbyok=true", timeout=5).status_code == 200
    assert requests.get(vault.url + STATUS, timeout=5).status_code == 503
