"""Conformance trust (issue 9): secrets stay secret, redirects keep credentials home, a default run only reads,
hostile servers cost bounded time and memory, and bad targets files are one clean usage error.

Most checks drive ``replmock.conformance.Target`` in-process against tiny hostile servers on 127.0.0.1;
one run of the packaged suite covers every report sink (stdout, JUnit, drift JSON and Markdown).
"""

from __future__ import annotations

import json
import os
import pickle
import socket
import socketserver
import subprocess
import sys
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from replmock._errors import UsageError
from replmock._secrets import REDACTED, Secret, redact, safe_address
from replmock.conformance import (
    MAX_ISSUES,
    RequestFailed,
    Target,
    capped,
    drift_entries,
    load_targets,
    origin,
    parse_json,
    target_from_env,
    write_drift_report,
)
from tests.conftest import REPO

TOKEN = "hvs.TRUSTSECRET0123456789"
STATUS = {
    "request_id": "r",
    "lease_id": "",
    "renewable": False,
    "lease_duration": 0,
    "data": {"mode": "disabled"},
    "wrap_info": None,
    "warnings": None,
    "auth": None,
}


# --- hostile loopback servers ------------------------------------------------------------------


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]


@dataclass
class Hostile:
    """A raw-socket HTTP server on 127.0.0.1; ``behave(conn, seen, server)`` answers each request."""

    behave: Callable[[socket.socket, Seen, Hostile], None]
    requests: list[Seen] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)
    port: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def _read_head(conn: socket.socket) -> Seen | None:
    data = b""
    while b"\r\n\r\n" not in data and len(data) < 65536:
        chunk = conn.recv(4096)
        if not chunk:
            return None
        if not data and chunk.startswith(b"\x16"):  # a TLS ClientHello to a plain-HTTP port
            conn.sendall(b"HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n")
            return None
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    method, path, _ = lines[0].split(" ", 2)
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    length = int(headers.get("content-length", "0") or 0)
    while len(rest) < length:
        chunk = conn.recv(4096)
        if not chunk:
            break
        rest += chunk
    return Seen(method, path, headers)


@pytest.fixture
def hostile() -> Iterator[Callable[[Callable[[socket.socket, Seen, Hostile], None]], Hostile]]:
    started: list[tuple[socketserver.ThreadingTCPServer, Hostile]] = []

    def start(behave: Callable[[socket.socket, Seen, Hostile], None]) -> Hostile:
        box = Hostile(behave)

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                conn: socket.socket = self.request
                conn.settimeout(10)
                for _ in range(20):  # keep-alive: a bounded number of requests per connection
                    try:
                        seen = _read_head(conn)
                    except OSError:
                        return
                    if seen is None:
                        return
                    box.requests.append(seen)
                    try:
                        box.behave(conn, seen, box)
                    except OSError:
                        return
                    if box.stop.is_set():
                        return

        server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        box.port = server.server_address[1]
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        started.append((server, box))
        return box

    yield start
    for server, box in started:
        box.stop.set()
        server.shutdown()
        server.server_close()


def answer(conn: socket.socket, status: int, body: bytes | str, extra: str = "") -> None:
    data = body.encode() if isinstance(body, str) else body
    head = f"HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {len(data)}\r\n{extra}\r\n"
    conn.sendall(head.encode() + data)


def json_answer(body: Any, status: int = 200) -> Callable[[socket.socket, Seen, Hostile], None]:
    return lambda conn, seen, box: answer(conn, status, json.dumps(body))


def assert_clean(exc: BaseException, *secrets: str) -> None:
    """A RequestFailed carries no chained exception, and no frame of its traceback holds a secret."""
    assert isinstance(exc, RequestFailed)
    assert exc.__cause__ is None
    assert exc.__context__ is None
    tb = exc.__traceback__
    frames = 0
    while tb is not None:
        if tb.tb_frame.f_code.co_filename != __file__:  # the frames of replmock's code, not this test's
            frames += 1
            local = repr(tb.tb_frame.f_locals) + repr(tb.tb_frame.f_code.co_varnames)
            for value in secrets:
                assert value not in local, (tb.tb_frame.f_code.co_name, "holds a secret")
        tb = tb.tb_next
    assert frames >= 1
    for value in secrets:
        assert value not in str(exc)


# --- 1. secrets as a type -------------------------------------------------------------------------


def test_a_secret_never_shows_itself() -> None:
    token = Secret(TOKEN)
    shown = [repr(token), str(token), f"{token}", f"{token!r}", f"{token:>40}", "%s" % (token,), repr([token])]  # noqa: UP031
    assert all(TOKEN not in s for s in shown)
    assert REDACTED in str(token)
    assert token.reveal() == TOKEN
    with pytest.raises(TypeError):
        pickle.dumps(token)
    with pytest.raises(TypeError):
        Secret("")
    target = Target("t", "http://127.0.0.1:1", TOKEN, TOKEN + "-app")  # type: ignore[arg-type]
    assert isinstance(target.token, Secret)
    assert isinstance(target.nonsudo_token, Secret)
    assert TOKEN not in repr(target) + repr(vars(target))


def test_redact_covers_plain_and_json_escaped_forms() -> None:
    odd = 'a"b\\c/é'
    text = f"plain {odd} json {json.dumps({'t': odd})}"
    out = redact(text, [Secret(odd)])
    assert odd not in out
    assert json.dumps(odd)[1:-1] not in out
    assert out.count(REDACTED) == 2


@pytest.mark.parametrize("kind", ["reset", "close", "tls", "deep-json", "refused"])
def test_every_request_failure_is_clean(hostile: Any, kind: str) -> None:
    """A reset, a closed connection, a TLS error, a body too deep to parse: no traceback carrying the token."""

    def reset(conn: socket.socket, seen: Seen, box: Hostile) -> None:
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        conn.close()

    def close(conn: socket.socket, seen: Seen, box: Hostile) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{")
        conn.close()

    def deep(conn: socket.socket, seen: Seen, box: Hostile) -> None:
        answer(conn, 200, "[" * 100_000 + "]" * 100_000)

    behaviours = {"reset": reset, "close": close, "tls": json_answer(STATUS), "deep-json": deep}
    if kind == "refused":
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            address = f"http://127.0.0.1:{s.getsockname()[1]}"
    else:
        server = hostile(behaviours[kind])
        address = server.url.replace("http://", "https://") if kind == "tls" else server.url
    target = Target("t", address, Secret(TOKEN), timeout=5)
    if kind == "deep-json":  # not an exception at all: the body is simply not JSON, and says why
        reply = target.get("status", token=target.token)
        assert reply.body is None
        assert "nested" in reply.note
        assert TOKEN not in repr(reply)
        return
    with pytest.raises(RequestFailed) as caught:
        target.request("POST", "reindex", token=target.token, body={"diff": True})
    assert_clean(caught.value, TOKEN)
    assert "t: POST /v1/sys/replication/reindex failed" in str(caught.value)


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("[" * 100 + "]" * 100, "deeper than 64"),
        ('{"a": NaN}', "NaN is not JSON"),
        ('{"a": Infinity}', "Infinity is not JSON"),
        ("1" * 5000, "not JSON"),
        ("{bad", "not JSON"),
    ],
)
def test_hostile_json_is_not_json(text: str, why: str) -> None:
    body, note = parse_json(text)
    assert body is None
    assert why in note


# --- 2. redirects ---------------------------------------------------------------------------------


def test_credentials_never_follow_a_redirect_to_another_port(hostile: Any) -> None:
    elsewhere = hostile(json_answer(STATUS))

    def redirect(conn: socket.socket, seen: Seen, box: Hostile) -> None:
        answer(conn, 307, "", f"Location: {elsewhere.url}{seen.path}\r\n")

    home = hostile(redirect)
    target = Target("t", home.url, Secret(TOKEN), timeout=5)
    reply = target.get("status", token=target.token)
    assert reply.status == 307
    assert "not followed" in reply.note
    post = target.request("POST", "recover", token=target.token, body={})
    assert post.status == 307
    assert elsewhere.requests == []  # neither the token nor the POST went there
    assert [s.method for s in home.requests] == ["GET", "POST"]
    assert all(s.headers.get("x-vault-token") == TOKEN for s in home.requests)


def test_a_redirect_within_the_target_is_followed_with_its_token(hostile: Any) -> None:
    def same(conn: socket.socket, seen: Seen, box: Hostile) -> None:
        if seen.path == "/v1/sys/replication/status":
            answer(conn, 307, "", "Location: /v1/sys/replication/dr/status\r\n")
        else:
            answer(conn, 200, json.dumps(STATUS))

    home = hostile(same)
    reply = Target("t", home.url, Secret(TOKEN), timeout=5).get("status", token=Secret(TOKEN))
    assert reply.status == 200
    assert [s.path for s in home.requests] == ["/v1/sys/replication/status", "/v1/sys/replication/dr/status"]
    assert [s.headers.get("x-vault-token") for s in home.requests] == [TOKEN, TOKEN]


def test_origin_compares_scheme_host_and_port() -> None:
    assert origin("https://Vault:443/v1") == origin("https://vault/x")
    assert origin("https://vault:8200/") != origin("http://vault:8200/")
    assert origin("http://vault:8200/") != origin("http://vault:8201/")
    assert origin("http://vault/") != origin("http://evil/")


@pytest.mark.filterwarnings("ignore:Unverified HTTPS request")
def test_https_to_http_redirect_does_not_carry_the_token(hostile: Any, tls_files: tuple[str, str]) -> None:
    import ssl

    plain = hostile(json_answer(STATUS))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*tls_files)

    def redirect(conn: socket.socket, seen: Seen, box: Hostile) -> None:
        answer(conn, 307, "", f"Location: http://127.0.0.1:{box.port}{seen.path}\r\n")

    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        port = listener.getsockname()[1]

        def serve_once() -> None:
            conn, _ = listener.accept()
            with context.wrap_socket(conn, server_side=True) as tls:
                seen = _read_head(tls)
                if seen is not None:
                    answer(tls, 307, "", f"Location: http://127.0.0.1:{port}{seen.path}\r\n")

        thread = threading.Thread(target=serve_once, daemon=True)
        thread.start()
        target = Target("t", f"https://127.0.0.1:{port}", Secret(TOKEN), verify=False, timeout=5)
        reply = target.request("POST", "recover", token=target.token, body={})
        thread.join(5)
    assert reply.status == 307
    assert "not followed" in reply.note
    assert plain.requests == []


# --- 4. bounded time and memory -------------------------------------------------------------------


def test_a_trickling_server_meets_the_total_deadline(hostile: Any) -> None:
    def trickle(conn: socket.socket, seen: Seen, box: Hostile) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n")
        for _ in range(1000):  # one byte every 0.2 s: each read is quick, the whole never ends
            if box.stop.wait(0.2):
                return
            conn.sendall(b" ")

    target = Target("t", hostile(trickle).url, Secret(TOKEN), timeout=1.0)
    started = time.monotonic()
    with pytest.raises(RequestFailed) as caught:
        target.get("status", token=target.token)
    assert time.monotonic() - started < 4
    assert "within 1s" in str(caught.value)
    assert_clean(caught.value, TOKEN)


def test_a_trickle_in_the_headers_meets_the_deadline_too(hostile: Any) -> None:
    def trickle(conn: socket.socket, seen: Seen, box: Hostile) -> None:
        head = b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 1000
        for i in range(len(head)):  # the status line and a header, one byte every 0.2 s
            if box.stop.wait(0.2):
                return
            conn.sendall(head[i : i + 1])

    target = Target("t", hostile(trickle).url, timeout=1.0)
    started = time.monotonic()
    with pytest.raises(RequestFailed):
        target.get("status")
    assert time.monotonic() - started < 4


def test_a_hanging_target_is_given_up_after_two_timeouts(hostile: Any) -> None:
    def hang(conn: socket.socket, seen: Seen, box: Hostile) -> None:
        box.stop.wait(30)

    server = hostile(hang)
    target = Target("t", server.url, timeout=0.5)
    for _ in range(2):
        with pytest.raises(RequestFailed, match=r"within 0\.5s"):
            target.get("status")
    started = time.monotonic()
    with pytest.raises(RequestFailed, match="given up after 2 requests"):
        target.get("health")
    assert time.monotonic() - started < 0.2
    assert len(server.requests) == 2  # the third was never sent


def _reset_first(conn: socket.socket, seen: Seen, box: Hostile) -> None:
    """The first request's connection is reset (as a restarting load balancer does); later ones are answered."""
    if len(box.requests) == 1:
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        conn.close()
        return
    answer(conn, 200, json.dumps(STATUS))


def test_a_read_is_retried_after_a_reset(hostile: Any) -> None:
    server = hostile(_reset_first)
    reply = Target("t", server.url, retries=1, timeout=5).get("status")
    assert reply.status == 200
    assert [s.method for s in server.requests] == ["GET", "GET"]


def test_without_retries_a_reset_read_fails(hostile: Any) -> None:
    server = hostile(_reset_first)
    with pytest.raises(RequestFailed):
        Target("t", server.url, retries=0, timeout=5).get("status")
    assert len(server.requests) == 1


def test_a_write_is_never_retried(hostile: Any) -> None:
    server = hostile(_reset_first)
    with pytest.raises(RequestFailed):
        Target("t", server.url, Secret(TOKEN), retries=5, timeout=5).request("POST", "recover", token=Secret(TOKEN))
    assert [s.method for s in server.requests] == ["POST"]  # one attempt: a recover is not sent twice


@pytest.mark.parametrize("declared", [True, False])
def test_the_response_size_is_capped(hostile: Any, declared: bool) -> None:
    size = 6 * 1024 * 1024

    def huge(conn: socket.socket, seen: Seen, box: Hostile) -> None:
        head = f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n{f'Content-Length: {size}' if declared else 'Connection: close'}\r\n\r\n"
        conn.sendall(head.encode())
        block = b" " * 65536
        for _ in range(size // len(block)):
            if box.stop.is_set():
                return
            conn.sendall(block)

    target = Target("t", hostile(huge).url, timeout=10)
    with pytest.raises(RequestFailed, match=r"at most 4194304|larger than 4194304"):
        target.get("status")


def generated_status() -> Any:
    return json.loads((REPO / "fixtures/generated/perf-primary/A/a-0/status.json").read_text(encoding="utf-8"))


def test_issues_are_capped_per_payload() -> None:
    body = generated_status()
    body["data"]["dr"].update({f"unknown_{i}": i for i in range(300)})
    started = time.monotonic()
    entries = drift_entries("t", "status", body)
    assert time.monotonic() - started < 10
    assert len(entries) == MAX_ISSUES + 1
    assert entries[-1]["kind"] == "more"
    assert "more difference(s)" in entries[-1]["message"]
    lines = capped([f"line {i}" for i in range(120)])
    assert len(lines) == MAX_ISSUES + 1
    assert lines[-1].strip() == "... and 70 more (first 50 shown)"


def test_a_4mb_hostile_body_costs_little(hostile: Any) -> None:
    """Measured: a 4 MB body of unknown fields and long strings is read, checked and reported in seconds."""
    status = generated_status()
    fields = {f"f{i}_{'x' * 30}": "y" * 200 for i in range(7000)}
    status["data"]["dr"].update(fields)
    status["data"]["performance"].update(fields)
    body = json.dumps(status)
    assert len(body) < 4 * 1024 * 1024
    target = Target("t", hostile(lambda conn, seen, box: answer(conn, 200, body)).url, timeout=10)
    started = time.monotonic()
    reply = target.get("status")
    entries = drift_entries("t", "status", reply.body)
    elapsed = time.monotonic() - started
    assert len(entries) == MAX_ISSUES + 1
    assert entries[-1]["value"] > 10_000
    assert len(json.dumps(entries)) < 100_000
    assert elapsed < 30, elapsed


def test_the_drift_report_is_redacted(tmp_path: Path) -> None:
    echoed = {**STATUS, "data": {"dr": {"mode": TOKEN, TOKEN: 1}, "performance": {"mode": "disabled"}}}
    entries = drift_entries("t", "status", echoed)
    assert any(TOKEN in json.dumps(e) for e in entries)  # the raw entries still carry what the target sent
    json_path, md_path = write_drift_report(entries, {"t": f"kind {TOKEN}"}, tmp_path / "drift", [Secret(TOKEN)])
    for path in (json_path, md_path):
        assert TOKEN not in path.read_text(encoding="utf-8")
    assert json.loads(json_path.read_text(encoding="utf-8"))["count"] == len(entries)


# --- 5. targets file ------------------------------------------------------------------------------


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in list(os.environ):
        if name.startswith(("VAULT_", "BAO_")):
            monkeypatch.delenv(name)
    return monkeypatch


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ("skip_verify = 'false'", "skip_verify must be a TOML boolean, got 'false'"),
        ("token_env = 'REPLMOCK_TEST_UNSET_TOKEN'", "REPLMOCK_TEST_UNSET_TOKEN, which is not set"),
        ("nonsudo_token_env = 'REPLMOCK_TEST_UNSET_TOKEN'", "REPLMOCK_TEST_UNSET_TOKEN, which is not set"),
        ("token = 7", "token must be a TOML string, got a value (int)"),
        ("token = ''", "token is empty"),
        ("ca_cert = '/nonexistent/ca.pem'", "ca_cert names '/nonexistent/ca.pem', which does not exist"),
    ],
)
def test_targets_values_are_type_checked(
    tmp_path: Path, clean_env: pytest.MonkeyPatch, content: str, words: str
) -> None:
    path = tmp_path / "t.toml"
    path.write_text(f"[[target]]\nname = 'a'\naddress = 'http://127.0.0.1:8200'\n{content}\n", encoding="utf-8")
    with pytest.raises(UsageError) as caught:
        load_targets(str(path))
    assert words in str(caught.value)
    assert "target #1 (a)" in str(caught.value)


def test_skip_verify_true_and_token_env_work(tmp_path: Path, clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("REPLMOCK_TEST_TOKEN", TOKEN)
    path = tmp_path / "t.toml"
    path.write_text(
        "[[target]]\nname='a'\naddress='https://u:pw-SECRET@127.0.0.1:8200'\nskip_verify=true\ntoken_env='REPLMOCK_TEST_TOKEN'\n",
        encoding="utf-8",
    )
    (target,) = load_targets(str(path))
    assert target.verify is False
    assert target.token == Secret(TOKEN)
    assert "pw-SECRET" not in repr(target) + target.address
    assert "pw-SECRET" in [s.reveal() for s in target.secrets()]


@pytest.mark.parametrize(
    "address", ["vault:8200", "127.0.0.1:8200", "ftp://vault", "https://", "http://vault:99999", "https://:8200"]
)
def test_bad_addresses_are_usage_errors(tmp_path: Path, clean_env: pytest.MonkeyPatch, address: str) -> None:
    path = tmp_path / "t.toml"
    path.write_text(f"[[target]]\nname='a'\naddress='{address}'\n", encoding="utf-8")
    with pytest.raises(UsageError, match="address"):
        load_targets(str(path))
    with pytest.raises(UsageError, match="--vault-addr"):
        target_from_env(address, None, None)


def test_a_non_utf8_targets_file_is_a_usage_error(tmp_path: Path) -> None:
    path = tmp_path / "t.toml"
    path.write_bytes(b"[[target]]\nname = '\xff\xfe'\n")
    with pytest.raises(UsageError, match="not UTF-8"):
        load_targets(str(path))


@pytest.mark.parametrize(
    ("name", "value", "words"),
    [
        ("VAULT_CACERT", "/nonexistent/ca.pem", "VAULT_CACERT names '/nonexistent/ca.pem'"),
        ("VAULT_SKIP_VERIFY", "nope", "VAULT_SKIP_VERIFY='nope' is not a boolean"),
    ],
)
def test_bad_tls_environment_is_a_usage_error(clean_env: pytest.MonkeyPatch, name: str, value: str, words: str) -> None:
    clean_env.setenv(name, value)
    with pytest.raises(UsageError) as caught:
        target_from_env("https://127.0.0.1:8200", None, None)
    assert words in str(caught.value)


def test_credentials_in_an_address_are_never_printed() -> None:
    assert safe_address("https://user:pa55@vault:8200/x") == "https://vault:8200/x"
    target = Target("t", "https://user:pa55@vault:8200")
    assert "pa55" not in repr(target)
    assert target.address == "https://vault:8200"


# --- the packaged suite against hostile targets: every sink, one run -------------------------------


def run_conformance(tmp_path: Path, *args: str, env: dict[str, str] | None = None) -> tuple[int, str, dict[str, str]]:
    junit, drift = tmp_path / "junit.xml", tmp_path / "drift"
    script = Path(sys.executable).parent / "replmock"
    cmd = [str(script) if script.exists() else "replmock", "conformance", f"--junitxml={junit}"]
    cmd += [f"--replmock-drift-report={drift}", *args]
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("VAULT_", "BAO_"))}
    done = subprocess.run(
        cmd, capture_output=True, text=True, timeout=300, env={**clean, **(env or {})}, cwd=tmp_path, check=False
    )
    files = {
        p.name: p.read_text(encoding="utf-8")
        for p in (junit, drift.with_suffix(".json"), drift.with_suffix(".md"))
        if p.exists()
    }
    return done.returncode, done.stdout + done.stderr, files


def test_hostile_targets_leak_nothing_and_fail_cleanly(tmp_path: Path, hostile: Any) -> None:
    """One run, five hostile targets: an echo of the token into every body, resets, too-deep JSON, a hang, wrong types."""

    def echo(conn: socket.socket, seen: Seen, box: Hostile) -> None:
        heard = seen.headers.get("x-vault-token", "") or seen.headers.get("authorization", "")
        if "replmock-no-such-path" in seen.path and "x-vault-token" not in seen.headers:
            answer(conn, 403, '{"errors": ["permission denied"]}')  # so the check goes on with the token
            return
        block = {"mode": "primary", "cluster_id": heard, "echo_" + heard: heard, "state": heard}
        answer(conn, 200, json.dumps({**STATUS, "data": {"dr": block, "performance": block}}))

    def reset(conn: socket.socket, seen: Seen, box: Hostile) -> None:
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        conn.close()

    def deep(conn: socket.socket, seen: Seen, box: Hostile) -> None:
        if seen.path.startswith("/v1/sys/health"):  # looks like Vault, so its checks run and meet the deep JSON
            answer(conn, 200, json.dumps({"initialized": True, "sealed": False, "standby": False}))
            return
        answer(conn, 200, '{"data": ' + "[" * 50_000 + "]" * 50_000 + "}")

    def hang(conn: socket.socket, seen: Seen, box: Hostile) -> None:
        box.stop.wait(30)

    typed_status = generated_status()
    typed_status["data"]["performance"]["secondaries"] = 5  # crashed invariants I8, I10, I12, I13 with a TypeError

    def typed(conn: socket.socket, seen: Seen, box: Hostile) -> None:
        answer(conn, 200, json.dumps(typed_status))

    behaviours = (("echo", echo), ("reset", reset), ("deep", deep), ("hang", hang), ("typed", typed))
    servers = {name: hostile(b) for name, b in behaviours}
    lines = []
    for name, server in servers.items():
        address = server.url.replace("http://", "http://admin:URLPASS-9f3@") if name == "echo" else server.url
        lines += ["[[target]]", f"name = '{name}'", f"address = '{address}'", "token_env = 'TRUST_TOKEN'"]
        lines += ["nonsudo_token = 'hvs.NONSUDO-4242'", ""]
    targets = tmp_path / "targets.toml"
    targets.write_text("\n".join(lines), encoding="utf-8")
    started = time.monotonic()
    code, output, files = run_conformance(
        tmp_path,
        f"--targets={targets}",
        "--replmock-timeout=1",
        "-vv",
        "--showlocals",
        "-rA",
        "-o",
        "junit_logging=all",
        env={"TRUST_TOKEN": TOKEN},
    )
    elapsed = time.monotonic() - started
    everything = output + "".join(files.values())
    assert code == 3, output[-3000:]  # two targets unusable (worst wins over the contract failures of the others)
    assert set(files) == {"junit.xml", "drift.json", "drift.md"}
    for value in (TOKEN, "URLPASS-9f3", "hvs.NONSUDO-4242"):
        assert value not in everything, value
    assert "Traceback" not in everything
    assert "INTERNALERROR" not in everything
    assert REDACTED in files["drift.json"]  # the echoed credentials were there, and were redacted
    echoed = [line for line in output.splitlines() if "an unknown path with the given token answered HTTP 200" in line]
    assert echoed  # the token, echoed into a failure message ...
    assert all(REDACTED in line for line in echoed)
    assert any(s.headers.get("x-vault-token") == TOKEN for s in servers["echo"].requests)  # ... was sent there
    # the resets and the hang fail preflight: one line each, and none of their checks run
    assert output.count("replmock conformance: reset: unreachable at http://127.0.0.1:") == 1, output[-3000:]
    assert output.count("replmock conformance: hang: no answer at http://127.0.0.1:") == 1, output[-3000:]
    assert "[reset]" not in output
    assert "[hang]" not in output
    assert "nested" in output  # the deep JSON: not JSON, said so
    assert "deep: not a Vault API" not in output  # its sys/health is Vault's: its checks ran
    assert "invariant I10: a payload has an unexpected shape (TypeError" in output  # wrongly typed: a clean failure
    assert elapsed < 120, elapsed  # a target hanging on every endpoint costs two timeouts per worker, not one each
    cases = ET.fromstring(files["junit.xml"]).iter("testcase")  # noqa: S314 - our own file
    assert any(c.find("failure") is not None for c in cases)
    sent = [s.method for server in servers.values() for s in server.requests]
    assert sent
    assert set(sent) <= {"GET", "HEAD", "LIST"}, sent  # a default run only reads
