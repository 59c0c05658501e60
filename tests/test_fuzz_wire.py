"""Wire-level robustness of the mock (issue 9, items 4, 5 and 9): raw-socket fuzzing and regressions.

Every request goes over a raw socket (tests/fuzzwire.py), so malformed HTTP reaches the server as sent.
What Vault's Go server does is the reference (shared/reference/vault-replication-api.md §11, §14, and
Go's net/http): status codes outside 100-999 make Go drop the connection; a 1xx is followed by the
final answer; a bad Content-Length gets Go's plain-text 400; a body over 32 MiB gets a JSON 413.

Everything is bounded: request counts, a time budget per fuzz run, socket timeouts on every read.
"""

from __future__ import annotations

import contextlib
import gc
import json
import logging
import os
import re
import select
import socket
import subprocess
import sys
import threading
import time
import tracemalloc
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from replmock.server import MockVault
from tests import fuzzwire as fw

REPO = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
MAX_REQUEST_BYTES = 32 * 1024 * 1024
"""Vault's default max_request_size (V1.14 http/handler.go DefaultMaxRequestSize)."""
ERRORS_KEPT = 100
"""MockVault.errors keeps at most this many entries."""
GO_400 = b"400 Bad Request"


def _ok_reply() -> bytes:
    return b"GET /v1/sys/replication/status HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n" % HOST.encode()


def _post(path: str, body: bytes, *, token: str | None = "root", extra: bytes = b"") -> bytes:
    token_line = b"X-Vault-Token: %s\r\n" % token.encode() if token is not None else b""
    return (
        b"POST %s HTTP/1.1\r\nHost: %s\r\n%sContent-Type: application/json\r\nContent-Length: %d\r\n%s"
        b"Connection: close\r\n\r\n%s" % (path.encode(), HOST.encode(), token_line, len(body), extra, body)
    )


def _get(target: str) -> bytes:
    return b"GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n" % (target.encode(), HOST.encode())


def _json(reply: fw.Reply) -> Any:
    return json.loads(reply.body, parse_int=str)


def _tracebacks(caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]) -> list[str]:
    """Tracebacks the server wrote to its log or to stderr while the test ran."""
    out = [
        r.getMessage()[:800]
        for r in caplog.records
        if r.exc_info or "Traceback (most recent call last)" in r.getMessage()
    ]
    err = capfd.readouterr().err
    out += [f"stderr: {chunk[:800]}" for chunk in err.split("Traceback (most recent call last)")[1:]]
    return out


# --- the fuzz --------------------------------------------------------------------------------------


def _judge(case: fw.Case, outcome: fw.Outcome) -> str | None:  # noqa: PLR0911
    """The failure category of one exchange, or None when it is fine."""
    if outcome.error:
        if outcome.error.startswith("invalid HTTP"):
            return "invalid HTTP"
        if "interim" in outcome.error and "without a final" in outcome.error:
            return "1xx without a final answer"
        if outcome.error.startswith("no complete response"):
            return "no answer in time"
        return "other wire error"
    if outcome.closed_without_reply:
        return None if case.asked_out_of_range else "connection closed without an answer"
    reply = outcome.reply
    assert reply is not None
    if reply.status >= 500 and reply.status not in case.asked_codes:
        return f"unrequested {reply.status}"
    if reply.looks_like_html() and not (reply.status in {301, 307, 308} and reply.header("Location")):
        return f"HTML body on {reply.status}"
    ctype = (reply.header("Content-Type") or "").split(";")[0].strip().lower()
    if ctype == "application/json" and reply.body.strip():
        try:
            json.loads(reply.body, parse_int=str)
        except ValueError:
            return "Content-Type JSON but the body is not JSON"
    return None


TRIGGERS = (
    ("150 headers", "150 headers"),
    ("very long-byte header", "header line over 64 KiB"),
    ("very long-byte path", "request line over 64 KiB"),
    ("bad chunk", "bad chunk size"),
    ("Content-Length", "bad Content-Length"),
    ("json nested", "deeply nested JSON"),
    ("-digit integer", "huge integer"),
    ("non-finite", "NaN/Infinity"),
    ("-byte string", "huge string"),
    ("chunked", "chunked body"),
    ("random bytes", "random bytes"),
    ("odd json", "odd JSON"),
    ("form", "form body"),
)


def _trigger(case: fw.Case, verdict: str) -> str:
    """The likeliest cause of a failure, from the verdict and what the request carried."""
    notes = " | ".join(case.notes)
    junk_method = f"method {case.method[:20]!r}" if case.method not in fw.METHODS else None
    odd_code = case.asked_out_of_range or any(100 <= c < 200 for c in case.asked_codes)
    if verdict.startswith(("invalid HTTP", "1xx", "connection closed")):
        if junk_method:
            return junk_method
        if odd_code:
            return "sys/health code outside 200-999"
    for needle, label in TRIGGERS:
        if needle in notes:
            return label
    if junk_method:
        return junk_method
    if case.target.startswith("/v1/sys/health?"):
        return "sys/health query"
    return "other"


def _fuzz(vault: MockVault, seed: str, count: int, budget: float) -> tuple[int, Counter[str], dict[str, str]]:
    port = vault.port
    failures: Counter[str] = Counter()
    examples: dict[str, str] = {}
    deadline = time.monotonic() + budget
    done = 0
    for i in range(count):
        if time.monotonic() > deadline:
            break
        case = fw.random_case(f"{seed}-{i}", f"{HOST}:{port}")
        outcome = fw.exchange(HOST, port, case.raw, head=case.head, half_close=case.half_close, timeout=3.0)
        done += 1
        verdict = _judge(case, outcome)
        if verdict:
            verdict = f"{verdict} <- {_trigger(case, verdict)}"
            failures[verdict] += 1
            if verdict not in examples:
                got = outcome.reply.summary() if outcome.reply else outcome.error or "closed without an answer"
                examples[verdict] = f"#{i} {case.describe()[:300]}\n      -> {got[:400]}"
    return done, failures, examples


def _alive(vault: MockVault) -> fw.Outcome:
    return fw.exchange(HOST, vault.port, _ok_reply(), timeout=5.0)


def _memory_report(vault: MockVault) -> list[str]:
    problems = []
    if len(vault.errors) > ERRORS_KEPT:
        problems.append(f"vault.errors keeps {len(vault.errors)} entries (at most {ERRORS_KEPT} expected)")
    nbytes = getattr(vault.journal, "nbytes", None)
    if not isinstance(nbytes, int):
        problems.append(f"vault.journal exposes no byte count: journal.nbytes is {nbytes!r}")
    else:
        limit = vault.journal.max_bytes
        if nbytes > limit:
            problems.append(f"journal holds {nbytes} bytes, over its limit {limit}")
        if len(vault.journal) and nbytes <= 0:
            problems.append(f"journal has {len(vault.journal)} entries but nbytes is {nbytes}")
    return problems


@pytest.mark.parametrize(
    ("scenario", "validate", "count", "budget"),
    [("perf-primary", False, 3000, 20.0), ("dr-secondary", True, 500, 5.0)],
    ids=["perf-primary", "dr-secondary-validated"],
)
def test_fuzzed_wire_requests(
    scenario: str,
    validate: bool,
    count: int,
    budget: float,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    """Random requests over raw sockets: no unrequested 5xx, no HTML, valid HTTP, alive and bounded afterwards."""
    caplog.set_level(logging.INFO)
    vault = MockVault(scenario=scenario, tokens=["app"], strict=False, validate_responses=validate).start()
    try:
        done, failures, examples = _fuzz(vault, f"{scenario}-0", count, budget)
        alive = _alive(vault)
        problems = []
        if failures:
            problems.append(f"{sum(failures.values())} of {done} requests failed:")
            problems += [f"  {n:5d} x {kind}\n      e.g. {examples[kind]}" for kind, n in failures.most_common(12)]
            problems += [f"  {n:5d} x {kind}" for kind, n in failures.most_common()[12:]]
        if done < min(count, 300):
            problems.append(f"only {done} requests in {budget}s (server too slow or hanging)")
        if alive.reply is None or alive.reply.status != 200:
            problems.append(
                f"server not answering afterwards: {alive.error or (alive.reply and alive.reply.summary())}"
            )
        problems += _memory_report(vault)
        tracebacks = _tracebacks(caplog, capfd)
        if tracebacks:
            problems.append(f"{len(tracebacks)} traceback(s) logged, first: {tracebacks[0]}")
        assert not problems, "\n".join(problems)
    finally:
        vault.stop()


# --- status codes (§11.2) -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def vault() -> Iterator[MockVault]:
    with MockVault(scenario="perf-primary", tokens=["app"], strict=False) as served:
        yield served


@pytest.mark.parametrize("code", ["-1", "42", "99", "0", "1000", "99999999999", "-99999999999"])
def test_health_code_out_of_range_closes_or_answers_validly(vault: MockVault, code: str) -> None:
    """Go's WriteHeader panics for codes outside 100-999: the connection closes with no response."""
    outcome = fw.exchange(HOST, vault.port, _get(f"/v1/sys/health?activecode={code}"), timeout=3.0)
    assert outcome.error is None, outcome.error
    assert outcome.closed_without_reply or (outcome.reply is not None and 200 <= outcome.reply.status <= 999), (
        outcome.reply and outcome.reply.summary()
    )


def test_health_activecode_100_is_not_a_bare_100_continue(vault: MockVault) -> None:
    """Go writes a 1xx as an interim response and then the final one (or the connection is dropped)."""
    outcome = fw.exchange(HOST, vault.port, _get("/v1/sys/health?activecode=100"), timeout=3.0)
    assert outcome.error is None, outcome.error
    if outcome.reply is not None:
        assert outcome.reply.status >= 200, outcome.reply.summary()


def test_health_activecode_103_sends_an_interim_103_then_the_final_answer(vault: MockVault) -> None:
    outcome = fw.exchange(HOST, vault.port, _get("/v1/sys/health?activecode=103"), timeout=3.0)
    assert outcome.error is None, outcome.error
    assert outcome.reply is not None, "connection closed without an answer"
    assert outcome.reply.interim == [103], outcome.reply.summary()
    assert outcome.reply.status == 200, outcome.reply.summary()
    assert outcome.reply.header("Content-Type") == "application/json"
    assert _json(outcome.reply)["initialized"] is True


@pytest.mark.parametrize(
    ("value", "status"),
    [
        ("%2B200", 200),
        ("0200", 200),
        ("%20200", 400),
        ("200%20", 400),
        ("1_000", 400),
        ("%EF%BC%92%EF%BC%90%EF%BC%90", 400),
        ("0x1F", 400),
        ("", 400),
    ],
    ids=[
        "plus-sign",
        "leading-zero",
        "leading-space",
        "trailing-space",
        "underscore",
        "full-width-digits",
        "hex",
        "empty",
    ],
)
def test_health_codes_parse_like_go_strconv_atoi(vault: MockVault, value: str, status: int) -> None:
    """strconv.Atoi takes an optional sign and ASCII digits only (Python's int() also takes spaces, '_', Unicode digits)."""
    outcome = fw.exchange(HOST, vault.port, _get(f"/v1/sys/health?activecode={value}"), timeout=3.0)
    assert outcome.reply is not None, outcome.error or "connection closed without an answer"
    assert outcome.reply.status == status, outcome.reply.summary()
    if status == 400:
        assert _json(outcome.reply) == {"errors": []}


# --- request framing (Go net/http) ----------------------------------------------------------------


@pytest.mark.parametrize(
    "lengths",
    [["-1"], ["-100"], ["abc"], ["1e3"], ["0x2"], ["+2"], [""], ["1, 2"], ["99999999999999999999999"], ["2", "3"]],
    ids=["minus-1", "minus-100", "letters", "exponent", "hex", "plus-sign", "empty", "list", "too-big", "two-values"],
)
def test_bad_content_length_gets_go_plain_400_and_close(vault: MockVault, lengths: list[str]) -> None:
    """Go rejects the request before any handler runs (server.go readRequest error path):
    ``HTTP/1.1 400 Bad Request\\r\\nContent-Type: text/plain; charset=utf-8\\r\\nConnection: close\\r\\n\\r\\n400 Bad Request``.
    """
    head = b"".join(b"Content-Length: %s\r\n" % v.encode() for v in lengths)
    raw = (
        b"POST /v1/sys/replication/recover HTTP/1.1\r\nHost: %s\r\nX-Vault-Token: root\r\n"
        b"Content-Type: application/json\r\n%s\r\n{}" % (HOST.encode(), head)
    )
    outcome = fw.exchange(HOST, vault.port, raw, half_close=True, timeout=3.0, check_closed=True)
    assert outcome.reply is not None, outcome.error or "connection closed without an answer"
    reply = outcome.reply
    assert (reply.status, reply.reason) == (400, "Bad Request"), reply.summary()
    assert reply.header("Content-Type") == "text/plain; charset=utf-8", reply.summary()
    assert (reply.header("Connection") or "").lower() == "close", reply.summary()
    assert reply.body == GO_400, reply.summary()
    assert outcome.closed_after, "the server kept the connection open after the 400"


def test_body_over_the_size_limit_gets_413_without_reading_it_all(vault: MockVault) -> None:
    """Content-Length over 32 MiB, only 64 KiB sent: Vault's 413 JSON error with Connection: close."""
    body = b'{"x":"' + b"a" * 65536
    raw = (
        b"POST /v1/sys/replication/recover HTTP/1.1\r\nHost: %s\r\nX-Vault-Token: root\r\nContent-Type: application/json\r\n"
        b"Content-Length: %d\r\n\r\n%s" % (HOST.encode(), MAX_REQUEST_BYTES + 1, body)
    )
    outcome = fw.exchange(HOST, vault.port, raw, timeout=5.0)
    assert outcome.reply is not None, outcome.error or "connection closed without an answer"
    reply = outcome.reply
    assert reply.status == 413, reply.summary()
    assert reply.header("Content-Type") == "application/json", reply.summary()
    assert (reply.header("Connection") or "").lower() == "close", reply.summary()
    assert _json(reply) == {"errors": ["http: request body too large"]}
    assert _alive(vault).reply is not None


def test_chunked_body_over_the_size_limit_gets_413(vault: MockVault) -> None:
    """No Content-Length to check up front: the limit applies while reading (Go's MaxBytesReader)."""
    chunk = b"a" * (1024 * 1024)
    stop = threading.Event()

    with socket.create_connection((HOST, vault.port), timeout=10) as sock:
        sock.sendall(
            b"POST /v1/sys/replication/recover HTTP/1.1\r\nHost: %s\r\nX-Vault-Token: root\r\n"
            b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n" % HOST.encode()
        )

        def send() -> None:
            with contextlib.suppress(OSError):
                for _ in range(MAX_REQUEST_BYTES // len(chunk) + 4):  # a little over 32 MiB
                    if stop.is_set():
                        return
                    sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                sock.sendall(b"0\r\n\r\n")

        sender = threading.Thread(target=send, daemon=True)
        sender.start()
        try:
            reader = fw.Reader(sock, time.monotonic() + 10)
            try:
                parsed = fw.read_head(reader)
            except (fw.WireError, TimeoutError) as exc:
                pytest.fail(f"no valid answer to a chunked body over 32 MiB: {exc!r}")
            assert parsed is not None, "connection closed without an answer"
            status, _, headers, raw_head = parsed
            assert status == 413, raw_head
            body = fw.read_body(reader, status, headers, head=False)
            assert json.loads(body) == {"errors": ["http: request body too large"]}
        finally:
            stop.set()
            sender.join(timeout=10)


# --- tokens (§14.12) ------------------------------------------------------------------------------


@pytest.mark.parametrize(("first", "second", "status"), [("root", "bogus", 200), ("bogus", "root", 403)])
def test_duplicate_x_vault_token_headers_the_first_one_counts(
    vault: MockVault, first: str, second: str, status: int
) -> None:
    """Go's Header.Get returns the first value (observed: root then bogus -> 200; bogus then root -> 403)."""
    raw = _post("/v1/sys/replication/reindex", b"{}", token=first, extra=b"X-Vault-Token: %s\r\n" % second.encode())
    outcome = fw.exchange(HOST, vault.port, raw, timeout=5.0)
    assert outcome.reply is not None, outcome.error or "connection closed without an answer"
    assert outcome.reply.status == status, outcome.reply.summary()


# --- bodies ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("depth", [600, 5000])
@pytest.mark.parametrize("path", ["/v1/sys/replication/recover", "/v1/sys/replication/reindex"])
def test_deeply_nested_json_gets_a_400_json_error(vault: MockVault, path: str, depth: int) -> None:
    """Vault's listener refuses JSON nested deeper than max_json_depth (default 500) with a 400 JSON error."""
    body = b'{"a":' * depth + b"1" + b"}" * depth
    outcome = fw.exchange(HOST, vault.port, _post(path, body), timeout=5.0)
    assert outcome.reply is not None, outcome.error or "connection closed without an answer"
    reply = outcome.reply
    assert reply.status == 400, reply.summary()
    assert reply.header("Content-Type") == "application/json", reply.summary()
    errors = _json(reply)["errors"]
    assert isinstance(errors, list), reply.summary()
    assert errors, reply.summary()


def test_deeply_nested_json_on_a_read_is_no_5xx(vault: MockVault) -> None:
    body = b"[" * 3000 + b"]" * 3000
    raw = (
        b"GET /v1/sys/replication/status HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\n"
        b"Content-Length: %d\r\nConnection: close\r\n\r\n%s" % (HOST.encode(), len(body), body)
    )
    outcome = fw.exchange(HOST, vault.port, raw, timeout=5.0)
    assert outcome.reply is not None, outcome.error or "connection closed without an answer"
    assert outcome.reply.status < 500, outcome.reply.summary()
    assert not outcome.reply.looks_like_html(), outcome.reply.summary()


@pytest.mark.parametrize(
    ("path", "template"),
    [
        ("/v1/sys/replication/recover", b'{"x":%s}'),
        ("/v1/sys/replication/reindex", b'{"diff":%s}'),
        ("/v1/sys/replication/recover", b"%s"),
        ("/v1/sys/replication/nope", b'{"x":-%s}'),
    ],
    ids=["recover-field", "reindex-flag", "bare-number", "unknown-path"],
)
def test_5000_digit_integer_gets_no_5xx(vault: MockVault, path: str, template: bytes) -> None:
    """Go decodes numbers as json.Number (any length); Python's int() refuses more than 4,300 digits."""
    body = template % (b"7" * 5000)
    outcome = fw.exchange(HOST, vault.port, _post(path, body), timeout=5.0)
    assert outcome.reply is not None, outcome.error or "connection closed without an answer"
    reply = outcome.reply
    assert reply.status < 500, reply.summary()
    assert reply.header("Content-Type") == "application/json", reply.summary()
    _json(reply)


# --- slow and idle connections --------------------------------------------------------------------


PARTIAL_REQUESTS = (
    b"GET /v1/sys/repl",
    b"GET /v1/sys/replication/status HTTP/1.1\r\nHost: 127.0.0.1\r\n",
    b"POST /v1/sys/replication/recover HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Vault-",
    b"G",
)


def test_half_sent_requests_are_closed_after_the_header_timeout() -> None:
    """Go's ReadHeaderTimeout (Vault: http_read_header_timeout) closes connections that never finish their headers."""
    header_timeout = 0.5
    vault = MockVault(scenario="perf-primary", strict=False, header_timeout=header_timeout).start()
    socks: list[socket.socket] = []
    try:
        for i in range(50):
            s = socket.create_connection((HOST, vault.port), timeout=5)
            s.sendall(PARTIAL_REQUESTS[i % len(PARTIAL_REQUESTS)])
            socks.append(s)
        start = time.monotonic()
        normal = _alive(vault)
        assert normal.reply is not None, normal.error
        assert normal.reply.status == 200, normal.reply.summary()
        assert time.monotonic() - start < 2.0, "a normal request waited behind the slow connections"

        open_socks = set(socks)
        deadline = time.monotonic() + header_timeout + 5.0
        while open_socks and time.monotonic() < deadline:
            ready, _, _ = select.select(list(open_socks), [], [], max(0.0, min(0.5, deadline - time.monotonic())))
            for s in ready:
                try:
                    data = s.recv(65536)
                except OSError:  # a reset is a close too
                    data = b""
                if not data:
                    open_socks.discard(s)
                # data: e.g. a 408 before the close; keep reading until EOF
        assert not open_socks, f"{len(open_socks)} of 50 half-sent connections still open {header_timeout + 5.0}s later"
    finally:
        for s in socks:
            s.close()
        vault.stop()


# --- a server process: spinning and memory ---------------------------------------------------------


@contextlib.contextmanager
def _serve_process(max_files: int | None = None) -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VAULT_", "BAO_"))}

    def limit() -> None:  # in the child, before exec: at most max_files descriptors
        if max_files is not None:
            import resource

            resource.setrlimit(resource.RLIMIT_NOFILE, (max_files, max_files))

    proc = subprocess.Popen(
        [sys.executable, "-m", "replmock.cli", "serve", "--scenario", "perf-primary", "--port", "0"],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        preexec_fn=limit if max_files is not None else None,  # noqa: PLW1509 - no threads in this test process need it
    )
    try:
        assert proc.stdout is not None
        fd = proc.stdout.fileno()
        found = None
        deadline = time.monotonic() + 30
        text = b""
        while found is None and time.monotonic() < deadline:
            ready, _, _ = select.select([fd], [], [], max(0.0, deadline - time.monotonic()))
            chunk = os.read(fd, 65536) if ready else b""
            if not chunk:
                break
            text += chunk
            found = re.search(rb"http://127\.0\.0\.1:(\d+)", text)
        assert found is not None, f"replmock serve printed no address: {text!r}"
        yield proc, int(found.group(1))
    finally:
        proc.kill()
        proc.wait(timeout=10)


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_huge_chunk_sizes_get_an_answer_and_do_not_spin() -> None:
    """A chunk size bigger than the data, then EOF: an error answer, not a thread looping forever at 100 % CPU.

    Run in a `replmock serve` process so a spinning thread dies with it.
    """
    with _serve_process() as (proc, port):
        problems = []
        for size in (b"7fffffffffffffff", b"ffffffffffffffffffffff", b"100000000"):
            raw = (
                b"POST /v1/sys/replication/recover HTTP/1.1\r\nHost: %s\r\nX-Vault-Token: root\r\n"
                b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n2\r\n{}\r\n%s\r\nabc" % (HOST.encode(), size)
            )
            outcome = fw.exchange(HOST, port, raw, half_close=True, timeout=2.0)
            reply = outcome.reply
            if reply is None:
                problems.append(f"chunk size {size!r}: {outcome.error or 'connection closed without an answer'}")
            elif reply.status >= 500 or reply.looks_like_html():
                problems.append(f"chunk size {size!r}: {reply.summary()}")
        before = _cpu_seconds(proc.pid)
        time.sleep(1.0)
        spent = _cpu_seconds(proc.pid) - before
        if spent >= 0.3:
            problems.append(f"the idle server used {spent:.2f}s of CPU in the 1s after these requests")
        assert not problems, "\n".join(problems)


def _heavy_requests(count: int, seed: int) -> Iterator[bytes]:
    """Large and malformed bodies of the kinds that grew `replmock serve` without bound."""
    big = b'{"diff":"' + b"x" * (1024 * 1024) + b'"}'
    deep = b'{"a":' * 3000 + b"1" + b"}" * 3000
    bigint = b'{"x":' + b"9" * 5000 + b"}"
    junk = bytes(range(256)) * 2048
    kinds = [
        _post("/v1/sys/replication/reindex", big),
        _post("/v1/sys/replication/recover", big),
        _post(f"/v1/sys/replication/nope/{seed}", big),
        _post("/v1/sys/replication/recover", deep),
        _post("/v1/sys/replication/recover", bigint),
        _post("/v1/sys/replication/recover", junk),
    ]
    for i in range(count):
        yield kinds[(i + seed) % len(kinds)]


def test_retained_memory_stays_bounded_under_large_and_malformed_bodies() -> None:
    """After a warm-up, 60 more requests with ~1 MiB bodies must not keep more than a few MB alive (tracemalloc)."""
    vault = MockVault(scenario="perf-primary", tokens=["app"], strict=False, validate_responses=False).start()
    try:
        for raw in _heavy_requests(30, 0):
            fw.exchange(HOST, vault.port, raw, timeout=5.0)
        gc.collect()
        tracemalloc.start()
        try:
            for raw in _heavy_requests(60, 1):
                fw.exchange(HOST, vault.port, raw, timeout=5.0)
            gc.collect()
            retained, _ = tracemalloc.get_traced_memory()
            top = tracemalloc.take_snapshot().statistics("lineno")[:3]
        finally:
            tracemalloc.stop()
        where = "\n".join(f"  {s}" for s in top)
        assert retained < 8 * 1024 * 1024, (
            f"{retained / 1e6:.1f} MB still allocated after 60 requests (~30 MiB of bodies); largest:\n{where}"
        )
        assert _alive(vault).reply is not None
        problems = _memory_report(vault)
        assert not problems, "\n".join(problems)
    finally:
        vault.stop()


def test_no_server_header(vault: MockVault) -> None:
    """Vault sends no Server header (§14.13)."""
    outcome = _alive(vault)
    assert outcome.reply is not None, outcome.error
    assert outcome.reply.header("Server") is None, outcome.reply.summary()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_running_out_of_file_descriptors_does_not_spin_and_the_server_recovers() -> None:
    """Issue 9: with its descriptors used up, accept() fails with EMFILE; the server must wait, not spin at 100 %."""
    with _serve_process(max_files=64) as (proc, port):
        held = []
        try:
            for _ in range(90):  # more connections than it has descriptors for: the rest wait in the backlog
                s = socket.create_connection((HOST, port), timeout=5)
                held.append(s)
            before = _cpu_seconds(proc.pid)
            probe = held[-1]
            probe.settimeout(1.0)
            with contextlib.suppress(TimeoutError, OSError):
                probe.recv(1)  # a bounded one-second window in which the server has nothing it can do
            used = _cpu_seconds(proc.pid) - before
            assert used < 0.5, f"the server burned {used:.2f} s of CPU in a second while out of descriptors"
        finally:
            for s in held:
                s.close()
        with socket.create_connection((HOST, port), timeout=10) as s:  # descriptors free again: it serves
            s.settimeout(10)
            s.sendall(_ok_reply())
            assert s.recv(12).startswith(b"HTTP/1.1 200")
