"""Raw-socket HTTP/1.1 client and request generator for the wire fuzz test (tests/test_fuzz_wire.py).

Everything here is bounded: every socket has a timeout, every read loop a byte and a round limit,
and every exchange an overall deadline, so a server that hangs or floods makes a test fail, not stall.
"""

from __future__ import annotations

import json
import random
import re
import socket
import time
from dataclasses import dataclass, field

MAX_RESPONSE_BYTES = 4 * 1024 * 1024
"""A response bigger than this is reported as a failure (the mock's answers are a few KB)."""
MAX_INTERIM = 10
"""At most this many 1xx interim responses before the final one."""

STATUS_LINE = re.compile(rb"HTTP/1\.[01] ([1-9][0-9][0-9]) [^\r\n]*")
CODE_PARAMS = ("activecode", "standbycode", "drsecondarycode", "sealedcode", "uninitcode", "performancestandbycode")


class WireError(Exception):
    """The bytes on the wire are not a valid HTTP/1.1 response (the text says why and shows them)."""


@dataclass
class Reply:
    """One HTTP response as read off the wire."""

    status: int
    reason: str
    headers: list[tuple[str, str]]
    body: bytes
    interim: list[int] = field(default_factory=list)
    """The status codes of 1xx responses that came before this one."""
    raw_head: bytes = b""

    def header(self, name: str) -> str | None:
        name = name.lower()
        return next((v for k, v in self.headers if k.lower() == name), None)

    def header_values(self, name: str) -> list[str]:
        name = name.lower()
        return [v for k, v in self.headers if k.lower() == name]

    def looks_like_html(self) -> bool:
        ctype = (self.header("Content-Type") or "").lower()
        start = self.body[:512].lstrip().lower()
        markers = (b"<!doctype", b"<html", b"<head", b"<title", b"<body", b"<h1", b"<p>")
        return "html" in ctype or start.startswith(markers)

    def summary(self) -> str:
        head = self.raw_head.decode("latin-1")[:600]
        return f"{head!r} body={self.body[:300]!r}{'...' if len(self.body) > 300 else ''}"


@dataclass
class Outcome:
    """What one exchange produced: a reply, or why there was none."""

    reply: Reply | None = None
    closed_without_reply: bool = False
    """The server closed (or reset) the connection before sending a single byte."""
    error: str | None = None
    """Invalid HTTP, a timeout, or a close in the middle of a response (with the bytes seen)."""
    closed_after: bool | None = None
    """After the reply: True if the server closed the connection (checked only when asked)."""
    seconds: float = 0.0


class Reader:
    """Bounded reads from a socket: a byte cap, a deadline, a cap on rounds."""

    def __init__(self, sock: socket.socket, deadline: float) -> None:
        self.sock = sock
        self.deadline = deadline
        self.buf = bytearray()
        self.total = 0
        self.eof = False
        self.reset = False

    def _fill(self) -> bool:
        """Read more bytes; False at EOF. Raises TimeoutError past the deadline."""
        if self.eof:
            return False
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError
        self.sock.settimeout(min(left, 5.0))
        try:
            chunk = self.sock.recv(65536)
        except TimeoutError:
            if time.monotonic() >= self.deadline:
                raise
            return self._fill()
        except (ConnectionResetError, BrokenPipeError, ConnectionAbortedError):
            self.eof = self.reset = True
            return False
        if not chunk:
            self.eof = True
            return False
        self.total += len(chunk)
        if self.total > MAX_RESPONSE_BYTES:
            raise WireError(f"more than {MAX_RESPONSE_BYTES} bytes in answer to one request")
        self.buf += chunk
        return True

    def line(self, limit: int = 65536) -> bytes:
        for _ in range(100_000):
            i = self.buf.find(b"\n")
            if i >= 0:
                out = bytes(self.buf[: i + 1])
                del self.buf[: i + 1]
                return out
            if len(self.buf) > limit:
                raise WireError(f"a line longer than {limit} bytes: {bytes(self.buf[:200])!r}")
            if not self._fill():
                out = bytes(self.buf)
                self.buf.clear()
                return out
        raise WireError("too many reads for one line")

    def exact(self, n: int) -> bytes:
        for _ in range(100_000):
            if len(self.buf) >= n:
                out = bytes(self.buf[:n])
                del self.buf[:n]
                return out
            if not self._fill():
                raise WireError(f"connection closed after {len(self.buf)} of {n} body bytes: {bytes(self.buf[:200])!r}")
        raise WireError("too many reads for one body")

    def rest(self) -> bytes:
        for _ in range(100_000):
            if not self._fill():
                break
        out = bytes(self.buf)
        self.buf.clear()
        return out


def read_head(reader: Reader) -> tuple[int, str, list[tuple[str, str]], bytes] | None:
    """Status line and headers; None when the connection closed before the first byte."""
    first = reader.line()
    if not first:
        return None
    raw = bytearray(first)
    m = STATUS_LINE.fullmatch(first.rstrip(b"\r\n"))
    if not first.endswith(b"\r\n") or m is None:
        raise WireError(f"invalid status line {first[:200]!r}")
    reason = first.rstrip(b"\r\n").split(b" ", 2)[2].decode("latin-1") if first.count(b" ") >= 2 else ""
    headers: list[tuple[str, str]] = []
    for _ in range(1000):
        line = reader.line()
        raw += line
        if line == b"\r\n":
            return int(m.group(1)), reason, headers, bytes(raw)
        if not line.endswith(b"\r\n"):
            raise WireError(f"connection closed inside the headers: {bytes(raw[:600])!r}")
        name, sep, value = line[:-2].partition(b":")
        if not sep or not name or name != name.strip() or not re.fullmatch(rb"[!#$%&'*+.^_`|~0-9A-Za-z-]+", name):
            raise WireError(f"invalid header line {line[:200]!r} in {bytes(raw[:600])!r}")
        headers.append((name.decode("latin-1"), value.strip().decode("latin-1")))
    raise WireError("more than 1000 header lines")


def read_body(reader: Reader, status: int, headers: list[tuple[str, str]], *, head: bool) -> bytes:
    def values(name: str) -> list[str]:
        return [v for k, v in headers if k.lower() == name]

    if head or status < 200 or status in {204, 304}:
        return b""
    te = values("transfer-encoding")
    if te:
        if [t.strip().lower() for t in ",".join(te).split(",")] != ["chunked"]:
            raise WireError(f"unsupported Transfer-Encoding {te!r} in a response")
        body = bytearray()
        for _ in range(100_000):
            size_line = reader.line()
            size_text = size_line.split(b";")[0].strip()
            if not size_line.endswith(b"\r\n") or not re.fullmatch(rb"[0-9a-fA-F]{1,8}", size_text):
                raise WireError(f"bad chunk size line {size_line[:100]!r}")
            size = int(size_text, 16)
            if size == 0:
                for _ in range(100):  # trailers
                    if reader.line() in {b"\r\n", b""}:
                        return bytes(body)
                raise WireError("too many trailer lines")
            body += reader.exact(size)
            if reader.exact(2) != b"\r\n":
                raise WireError("chunk not followed by CRLF")
        raise WireError("too many chunks")
    lengths = values("content-length")
    if lengths:
        if len(set(lengths)) != 1 or not re.fullmatch(r"[0-9]{1,12}", lengths[0]):
            raise WireError(f"invalid Content-Length {lengths!r} in a response")
        return reader.exact(int(lengths[0]))
    return reader.rest()


def exchange(  # noqa: PLR0912 - one bounded read loop with its outcomes
    host: str,
    port: int,
    request: bytes,
    *,
    head: bool = False,
    half_close: bool = False,
    timeout: float = 3.0,
    check_closed: bool = False,
) -> Outcome:
    """Send ``request`` on a fresh connection and read one final response (after any 1xx interim ones).

    ``half_close`` shuts the write side after sending, so a server that waits for a body that will
    never come sees EOF. ``check_closed`` then waits (boundedly) to see whether the server closes.
    """
    start = time.monotonic()
    deadline = start + timeout
    out = Outcome()
    with socket.create_connection((host, port), timeout=timeout) as sock:
        try:
            sock.sendall(request)
            if half_close:
                sock.shutdown(socket.SHUT_WR)
        except OSError:  # broken pipe, reset, not connected: the server answered early (e.g. 413) and closed
            pass
        reader = Reader(sock, deadline)
        interim: list[int] = []
        try:
            for _ in range(MAX_INTERIM + 1):
                parsed = read_head(reader)
                if parsed is None:
                    if interim:
                        out.error = f"connection closed after interim response(s) {interim} without a final response"
                    else:
                        out.closed_without_reply = True
                    break
                status, reason, headers, raw_head = parsed
                if 100 <= status < 200 and status != 101:
                    interim.append(status)
                    continue
                body = read_body(reader, status, headers, head=head)
                out.reply = Reply(status, reason, headers, body, interim, raw_head)
                break
            else:
                out.error = f"more than {MAX_INTERIM} interim responses"
        except WireError as exc:
            out.error = f"invalid HTTP: {exc}"
        except TimeoutError:
            seen = bytes(reader.buf[:300])
            out.error = f"no complete response within {timeout:.1f}s (interim {interim}, buffered {seen!r})"
        if out.reply is not None and check_closed:
            try:
                extra = reader.rest()
                out.closed_after = True
                if extra:
                    out.error = f"bytes after the response: {extra[:200]!r}"
            except TimeoutError:
                out.closed_after = False
            except WireError as exc:
                out.error = f"invalid HTTP after the response: {exc}"
    out.seconds = time.monotonic() - start
    return out


# --- request generation -------------------------------------------------------------------------

REPLICATION_PATHS = (
    "/v1/sys/replication/status",
    "/v1/sys/replication/dr/status",
    "/v1/sys/replication/performance/status",
    "/v1/sys/replication/recover",
    "/v1/sys/replication/reindex",
    "/v1/sys/replication/dr/secondary/recover",
    "/v1/sys/replication/performance/primary/enable",
    "/v1/sys/health",
    "/v1/sys/health/",
    "/v1/sys/replication/",
    "/v1/sys/replication/status/",
)
ODD_PATHS = (
    "/",
    "/v1/",
    "/v1",
    "/ui",
    "/robots.txt",
    "/v1//sys/health",
    "/v1/sys/./health",
    "/v1/sys/x/../health",
    "/v1/sys/replication/%2e%2e/health",
    "/v1/sys/replication/status%00",
    "/v1/sys/%ZZ",
    "/v1/sys/replication/st%C3%A4tus",
    "//v1/sys/health",
    "/sys/health",
    "*",
    "http://127.0.0.1/v1/sys/health",
    "/v1/sys/replication/status?list=true",
    "/v1/sys/replication/status?list=foo",
    "/v1/sys/replication/status?help=1",
)
CODE_VALUES = (
    "-1",
    "0",
    "42",
    "99",
    "100",
    "101",
    "102",
    "103",
    "199",
    "200",
    "204",
    "299",
    "304",
    "307",
    "400",
    "429",
    "472",
    "500",
    "503",
    "599",
    "600",
    "999",
    "1000",
    "99999999999",
    "-99999999999",
    "9" * 30,
    "abc",
    "",
    "+200",
    "%2B200",
    "%20200",
    "1_000",
    "0x1F",
    "1e3",
    "%EF%BC%92%EF%BC%90%EF%BC%90",  # full-width "200"
    "200%00",
)
BOOL_VALUES = ("true", "false", "1", "0", "", "x", "TRUE", "t", "yes", "%00")
METHODS = ("GET", "GET", "GET", "POST", "POST", "PUT", "PUT", "DELETE", "LIST", "HEAD", "OPTIONS", "PATCH", "TRACE")
JUNK_METHODS = ("BREW", "get", "Post", "CONNECT", "PROPFIND", "M-SEARCH", "X" * 300, "GE\x7fT", "PO(ST", "")
TOKENS = ("root", "app", "bogus", "", "s.SECRET123abc", "root ", " root", "ROOT", "r\x00oot")


@dataclass
class Case:
    """One generated request and what the checks need to know about it."""

    raw: bytes
    method: str
    target: str
    head: bool = False
    half_close: bool = False
    asked_codes: set[int] = field(default_factory=set)
    """Status codes the request asked sys/health for: a 5xx among them is not a fault."""
    asked_out_of_range: bool = False
    """It asked for a code outside 100-999 (Go drops the connection) or 101 (Switching Protocols)."""
    notes: list[str] = field(default_factory=list)

    def describe(self) -> str:
        raw = self.raw if len(self.raw) <= 400 else self.raw[:300] + b"...<%d bytes>" % len(self.raw)
        return f"{self.method} {self.target[:120]} [{', '.join(self.notes)}] {raw!r}"


def nested_json(rng: random.Random, depth: int) -> bytes:
    if rng.random() < 0.5:
        return b'{"a":' * depth + b"1" + b"}" * depth
    inner = b"[" * depth + b"]" * depth
    return b'{"diff":' + inner + b"}" if rng.random() < 0.5 else inner


def huge_int(rng: random.Random, digits: int) -> bytes:
    first = str(rng.randint(1, 9))
    rest = "".join(rng.choice("0123456789") for _ in range(min(digits - 1, 64)))
    number = (first + rest * (digits // max(len(rest), 1) + 1))[:digits]
    return rng.choice((b'{"diff":%s}', b'{"x":%s}', b"%s", b'{"force":-%s}')) % number.encode()


def random_body(rng: random.Random) -> tuple[bytes, str, str | None]:  # noqa: PLR0911
    """A body, a note for messages and a Content-Type (or None)."""
    kind = rng.choices(
        ("empty", "random", "json", "deep", "bigint", "nan", "huge", "form", "weird"),
        weights=(20, 12, 25, 10, 7, 6, 2, 10, 8),
    )[0]
    ctype: str | None = rng.choice(("application/json", None, "application/x-www-form-urlencoded", "text/plain"))
    if kind == "empty":
        return b"", "empty body", ctype
    if kind == "random":
        return rng.randbytes(rng.randint(1, 2048)), "random bytes", ctype
    if kind == "json":
        value = rng.choice(
            (
                {"diff": True},
                {"force": "true", "skip_flush": 1},
                {"diff": "maybe"},
                {"diff": None},
                {"diff": [1]},
                {"token": "s.SECRET123abc"},
                {},
                {"a": {"b": {"c": [1, 2, 3]}}},
            )
        )
        return json.dumps(value).encode(), "json", ctype
    if kind == "deep":
        depth = rng.randint(500, 5000)
        return nested_json(rng, depth), f"json nested {depth}", ctype
    if kind == "bigint":
        digits = rng.randint(4000, 6000)
        return huge_int(rng, digits), f"{digits}-digit integer", ctype
    if kind == "nan":
        value_text = rng.choice((b"NaN", b"Infinity", b"-Infinity", b"1e999", b"-0", b"1.5e3"))
        return b'{"diff":' + value_text + b"}", "non-finite number", ctype
    if kind == "huge":
        size = rng.randint(256 * 1024, 1024 * 1024)
        return b'{"diff":"' + b"x" * size + b'"}', f"{size}-byte string", ctype
    if kind == "form":
        form = rng.choice((b"diff=true", b"a=1&b=2&a=3", b"diff=true&diff=false", b"%zz=1", b"=&&=", b"diff"))
        return form, "form", rng.choice(("application/x-www-form-urlencoded", None))
    weird = rng.choice(
        (
            b"null",
            b"[]",
            b'"x"',
            b"{bad",
            b'{"diff":true,"diff":false}',
            b"\xef\xbb\xbf{}",
            b"\xff\xfe{}",
            b'{"a":"\\ud800"}',
            b'{"\x00":1}',
            b"{}" * 1000,
            b" " * 10_000,
        )
    )
    return weird, "odd json", ctype


def health_query(rng: random.Random, case: Case) -> str:
    parts = []
    for _ in range(rng.randint(1, 4)):
        if rng.random() < 0.75:
            name = rng.choice(CODE_PARAMS)
            value = rng.choice(CODE_VALUES)
            parts.append(f"{name}={value}")
            try:
                code = int(value)
            except ValueError:
                continue
            case.asked_codes.add(code)
            if not 100 <= code <= 999 or code == 101:
                case.asked_out_of_range = True
        else:
            parts.append(f"{rng.choice(('standbyok', 'perfstandbyok', 'junk', ''))}={rng.choice(BOOL_VALUES)}")
    return "&".join(parts)


def random_case(seed: str, host: str) -> Case:  # noqa: PLR0912
    """One random request (reproducible from ``seed``); ``host`` goes into the Host header."""
    rng = random.Random(seed)  # noqa: S311 - reproducible fuzzing, not cryptography
    method = rng.choice(JUNK_METHODS) if rng.random() < 0.07 else rng.choice(METHODS)
    case = Case(b"", method, "")
    roll = rng.random()
    if roll < 0.35:
        path = "/v1/sys/health"
        query = health_query(rng, case)
        target = f"{path}?{query}"
    elif roll < 0.85:
        target = rng.choice(REPLICATION_PATHS)
    elif roll < 0.97:
        target = rng.choice(ODD_PATHS)
    else:
        target = "/v1/sys/replication/" + "a" * rng.choice((100, 5000, 70_000))
        case.notes.append(f"{'very long' if len(target) > 65536 else len(target)}-byte path")
    case.target = target
    case.head = method == "HEAD"
    version = "HTTP/1.0" if rng.random() < 0.05 else "HTTP/1.1"

    headers: list[tuple[str, str]] = [("Host", host)]
    if rng.random() < 0.6:
        tokens = rng.sample(TOKENS, k=rng.choice((1, 1, 1, 2, 3)))
        headers += [("X-Vault-Token", t) for t in tokens]
        if len(tokens) > 1:
            case.notes.append("duplicate X-Vault-Token")
    if rng.random() < 0.1:
        headers.append(("Authorization", rng.choice(("Bearer root", "Bearer bogus", "Basic cm9vdDo=", "Bearer"))))
    if rng.random() < 0.1:
        headers.append(("X-Vault-Namespace", rng.choice(("", "root", "ns1", "/", "a/b/c"))))
    if rng.random() < 0.05:
        headers.append(("Expect", "100-continue"))
    if rng.random() < 0.02:
        headers += [(f"X-Junk-{i}", "v") for i in range(150)]
        case.notes.append("150 headers")
    if rng.random() < 0.02:
        size = rng.choice((8000, 70_000))
        headers.append(("X-Long", "v" * size))
        case.notes.append(f"{'very long' if size > 65536 else size}-byte header")
    if rng.random() < 0.03:
        headers.append(("X-Odd", rng.choice(("\x01\x02", "a\tb", "é", "x" * 10))))

    body = b""
    if method not in {"GET", "HEAD"} or rng.random() < 0.15:
        body, note, ctype = random_body(rng)
        case.notes.append(note)
        if ctype:
            headers.append(("Content-Type", ctype))

    framing = rng.choices(
        ("length", "none", "junk-length", "long-length", "short-length", "chunked", "bad-chunked"),
        weights=(60, 6, 10, 6, 4, 8, 6),
    )[0]
    if framing == "length" or (framing == "none" and body):
        headers.append(("Content-Length", str(len(body))))
        payload = body
    elif framing == "none":
        payload = b""
    elif framing == "junk-length":
        junk = rng.choice(("-1", "-100", "abc", "", "1e3", "0x10", " ", "+5", "1, 2", "99999999999999999999999", "5 5"))
        headers.append(("Content-Length", junk))
        if rng.random() < 0.3:
            headers.append(("Content-Length", str(len(body))))
        payload = body
        case.half_close = True
        case.notes.append(f"Content-Length {junk!r}")
    elif framing == "long-length":
        headers.append(("Content-Length", str(len(body) + rng.randint(1, 5000))))
        payload = body
        case.half_close = True
        case.notes.append("Content-Length larger than the body")
    elif framing == "short-length":
        cut = rng.randint(0, len(body)) if body else 0
        headers.append(("Content-Length", str(cut)))
        payload = body
        case.notes.append("Content-Length smaller than the body")
    elif framing == "chunked":
        headers.append(("Transfer-Encoding", rng.choice(("chunked", "Chunked"))))
        payload = b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in _pieces(rng, body)) + b"0\r\n\r\n"
        case.notes.append("chunked")
    else:
        headers.append(("Transfer-Encoding", "chunked"))
        # Sizes far beyond the data (0x7fffffffffffffff) are tested in a server process of their own
        # (test_huge_chunk_size_gets_an_answer_and_does_not_spin): on werkzeug they spin a thread forever.
        bad = rng.choice((b"zz", b"-1", b"", b"5;" + b"x" * 5000, b"0x5", b" 5", b"5 5", b"\x00"))
        tail = rng.choice((b"\r\nhello\r\n0\r\n\r\n", b"\r\nhe", b"\n\n", b""))
        payload = b"%x\r\n%s\r\n" % (min(len(body), 3), body[:3]) + bad + tail
        case.half_close = True
        case.notes.append(f"bad chunk size {bad[:20]!r}")
    if rng.random() < 0.9:
        headers.append(("Connection", "close"))
    rng.shuffle(headers)
    head = f"{method} {target} {version}\r\n".encode("latin-1", errors="replace")
    head += b"".join(f"{k}: {v}\r\n".encode() for k, v in headers)
    case.raw = head + b"\r\n" + payload
    # Keep-alive requests: half-close so the server's wait for another request ends.
    case.half_close = case.half_close or ("Connection", "close") not in headers
    return case


def _pieces(rng: random.Random, body: bytes) -> list[bytes]:
    if not body:
        return []
    cuts = sorted(rng.sample(range(1, len(body)), k=min(3, len(body) - 1))) if len(body) > 1 else []
    out, last = [], 0
    for c in [*cuts, len(body)]:
        out.append(body[last:c])
        last = c
    return [p for p in out if p]
