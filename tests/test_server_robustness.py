"""The server never answers an unrequested 5xx, never dies, and stays consistent under concurrent clients."""

from __future__ import annotations

import http.client
import json
import threading
from collections.abc import Iterator
from urllib.parse import quote, urlsplit

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from replmock.model import check
from replmock.schemas import validate
from replmock.server import MockVault
from tests.helpers import observe


@pytest.fixture(scope="module")
def fuzzed() -> Iterator[MockVault]:
    with MockVault(scenario="perf-secondary", tokens=["app"], validate_responses=True, strict=False) as vault:
        yield vault
    assert vault.errors == [], vault.errors


PATHS = [
    "/v1/sys/replication/status",
    "/v1/sys/replication/dr/status",
    "/v1/sys/replication/performance/status",
    "/v1/sys/replication/recover",
    "/v1/sys/replication/reindex",
    "/v1/sys/health",
    "/v1/sys/replication/",
    "/",
    "/v1/",
]
methods = st.sampled_from(["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "LIST", "TRACE", "BREW"])
paths = st.one_of(
    st.sampled_from(PATHS),
    st.builds(lambda p, tail: p + "/" + quote(tail, safe=""), st.sampled_from(PATHS), st.text(max_size=20)),
    st.builds(
        lambda q: "/v1/sys/health?" + q,
        st.sampled_from(["standbyok=x", "activecode=abc", "standbycode=200", "drsecondarycode=-1"]),
    ),
)
bodies = st.one_of(
    st.binary(max_size=200),
    st.builds(
        lambda d: json.dumps(d).encode(),
        st.dictionaries(
            st.sampled_from(["diff", "force", "skip_flush", "x"]),
            st.from_type(object).filter(lambda v: v is None or isinstance(v, bool | int | str | list)),
            max_size=4,
        ),
    ),
    st.sampled_from([b"", b"null", b"{bad", b"[]", b'"x"', b"\xff\xfe"]),
)
headers = st.fixed_dictionaries(
    {},
    optional={
        "X-Vault-Token": st.sampled_from(["root", "app", "wrong", ""]),
        "X-Vault-Namespace": st.sampled_from(["", "root", "ns1", "/"]),
        "Content-Type": st.sampled_from(["application/json", "text/plain", "application/merge-patch+json"]),
    },
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(method=methods, path=paths, body=bodies, extra=headers)
def test_fuzzed_requests_never_get_an_unrequested_5xx_and_always_a_vault_body(
    fuzzed: MockVault, method: str, path: str, body: bytes, extra: dict[str, str]
) -> None:
    parts = urlsplit(fuzzed.url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=5)
    try:
        conn.request(method, path, body=body, headers=extra)
        response = conn.getresponse()
        data = response.read()
    finally:
        conn.close()
    assert response.status < 500, (method, path, body, response.status, data)
    if method != "HEAD" and response.status >= 400 and response.status != 472:
        assert response.getheader("Content-Type") == "application/json"
        assert isinstance(json.loads(data)["errors"], list)
    assert fuzzed.errors == []
    fuzzed.topology.advance(0.5)


def test_server_survives_the_fuzzing(fuzzed: MockVault) -> None:
    assert requests.get(fuzzed.url + "/v1/sys/replication/status", timeout=5).status_code == 200


@pytest.mark.parametrize("validate_responses", [True, False], ids=["validated", "fast-path"])
def test_concurrent_clients_see_a_consistent_topology(validate_responses: bool) -> None:
    with MockVault(scenario="secondary-idle", tokens=["app"], validate_responses=validate_responses) as vault:
        failures: list[str] = []

        def client(n: int) -> None:
            with requests.Session() as session:
                for i in range(40):
                    if i % 10 == n % 10:
                        r = session.put(
                            vault.url + "/v1/sys/replication/recover", headers={"X-Vault-Token": "app"}, timeout=10
                        )
                    elif i % 13 == 0:
                        r = session.post(
                            vault.url + "/v1/sys/replication/reindex", headers={"X-Vault-Token": "root"}, timeout=10
                        )
                    else:
                        r = session.get(vault.url + "/v1/sys/replication/status", timeout=10)
                        if not validate(r.json(), "status", "strict").ok:
                            failures.append(f"invalid status body: {r.text[:200]}")
                    if r.status_code != 200:
                        failures.append(f"{r.request.method} {r.url} -> {r.status_code} {r.text}")

        threads = [threading.Thread(target=client, args=(n,)) for n in range(8)]
        for t in threads:
            t.start()
        for _ in range(20):
            vault.advance(1)
        for t in threads:
            t.join()
        assert failures == []
        assert vault.errors == []
        assert len(vault.journal) == 8 * 40
        assert check(observe(vault.topology), level="error") == []
        vault.check()
