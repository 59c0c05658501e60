"""The wire: an HTTP/1.1 server that reads and writes requests the way Go's net/http server does.

Go's server (and so Vault) differs from Python's http.server in what clients can see: no ``Server``
header, keep-alive unless the client asks to close, request lines and headers up to 1 MiB
(``DefaultMaxHeaderBytes``), its own plain-text answers for requests it cannot parse (``server.go``:
``400 Bad Request``, ``431 Request Header Fields Too Large``, ``501`` for an unknown transfer coding),
an informational status followed by the final one, and a dropped connection for a status outside
100-999. Everything here is bounded: header bytes, body bytes (Vault's ``max_request_size``, 32 MiB),
connections (a cap, then new ones are closed), and time (header and idle timeouts).
"""

from __future__ import annotations

import contextlib
import errno
import io
import queue
import re
import socket
import socketserver
import ssl
import threading
import time
from collections.abc import Callable
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler
from typing import Any, cast

from replmock.vault import Answer, Request
from replmock.vault._errors import BODY_TOO_LARGE
from replmock.vault._wire import encode, go_plain_error, json_answer, status_text

App = Callable[[Request, "GoRequestHandler"], Answer]

MAX_HEADER_BYTES = 1 << 20
"""Go's http.DefaultMaxHeaderBytes (1 MiB): request line and headers together."""
MAX_REQUEST_SIZE = 32 << 20
"""Vault's default listener ``max_request_size`` (32 MiB; http/handler.go DefaultMaxRequestSize)."""

BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
DISCARD_LIMIT = 256 << 10
"""Go's maxPostHandlerReadBytes: how much of an unread body the server drains to keep the connection."""
DISCARD_WAIT = 0.25
"""How long replmock waits for such a body before it closes instead (Go waits up to its read timeout)."""
_HEX = re.compile(rb"[0-9a-fA-F]{1,16}")
_TOKEN_CHARS = frozenset("!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
_BAD_LENGTH = "400 Bad Request"


class _BadRequest(Exception):
    def __init__(self, answer: Answer) -> None:
        super().__init__(answer.status)
        self.answer = answer


class GoRequestHandler(BaseHTTPRequestHandler):
    """One connection: requests read and answered in turn while the client keeps it open."""

    server: GoHTTPServer
    protocol_version = "HTTP/1.1"

    def setup(self) -> None:
        self.request.settimeout(self.server.header_timeout)
        super().setup()
        if isinstance(self.connection, ssl.SSLSocket):  # the handshake runs here, not in the accept loop
            self.connection.do_handshake()

    def handle(self) -> None:
        if not self.server.track(self.connection, add=True):
            return
        try:
            self.close_connection = False
            while not self.close_connection:
                self.handle_one_request()
        except (OSError, ssl.SSLError, ValueError):  # resets, timeouts, TLS errors: the connection is gone
            pass
        finally:
            self.server.track(self.connection, add=False)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the journal records requests."""

    # --- reading ------------------------------------------------------------------------------

    def handle_one_request(self) -> None:
        self.close_connection = True
        self.connection.settimeout(self.server.idle_timeout)  # Go's IdleTimeout: waiting for the next request
        if not cast("io.BufferedReader", self.rfile).peek(1):
            return
        self.connection.settimeout(self.server.header_timeout)  # ReadHeaderTimeout, from its first byte
        line = self.rfile.readline(MAX_HEADER_BYTES + 1)
        try:
            request, keep_alive, unread = self._read_request(line)
        except _BadRequest as bad:
            self._write(bad.answer, head=False, version="HTTP/1.1")
            return
        self.close_connection = not keep_alive
        answer = self.server.app(request, self)
        if unread and not self._discard(unread):  # Go discards up to 256 KiB of an unread body, else closes
            answer.close = True
        self._write(answer, head=request.method == "HEAD", version=self.request_version)

    def _read_request(self, line: bytes) -> tuple[Request, bool, int]:
        if len(line) > MAX_HEADER_BYTES:
            raise _BadRequest(go_plain_error(431, "431 Request Header Fields Too Large"))
        parts = line.decode("latin-1").rstrip("\r\n").split(" ")
        if len(parts) != 3 or not parts[0] or not set(parts[0]) <= _TOKEN_CHARS:  # noqa: PLR2004
            raise _BadRequest(go_plain_error(400, _BAD_LENGTH))
        method, target, version = parts
        if version not in {"HTTP/1.0", "HTTP/1.1"}:
            if version.startswith("HTTP/"):
                text = "505 HTTP Version Not Supported: unsupported protocol version"
                raise _BadRequest(go_plain_error(505, text))
            raise _BadRequest(go_plain_error(400, _BAD_LENGTH))
        self.request_version, self.command, self.path = version, method, target
        headers = self._read_headers(MAX_HEADER_BYTES - len(line))
        names = {k.lower() for k, _ in headers}
        if version == "HTTP/1.1" and sum(1 for k, _ in headers if k.lower() == "host") != 1:
            raise _BadRequest(go_plain_error(400, "400 Bad Request: missing required Host header"))
        connection = ",".join(v for k, v in headers if k.lower() == "connection").lower()
        keep_alive = "close" not in connection and (version == "HTTP/1.1" or "keep-alive" in connection)
        if method in BODY_METHODS:
            body, unread = self._read_body(headers, names), 0
        else:  # Vault reads a body only for writes; a GET's body stays unread, as in Go
            body = b""
            unread = self._check_framing(headers, names)
        return Request(method, target, tuple(headers), body), keep_alive, unread

    def _read_headers(self, budget: int) -> list[tuple[str, str]]:
        headers: list[tuple[str, str]] = []
        while True:
            raw = self.rfile.readline(budget + 1)
            budget -= len(raw)
            if budget < 0:
                raise _BadRequest(go_plain_error(431, "431 Request Header Fields Too Large"))
            if raw in {b"\r\n", b"\n", b""}:
                return headers
            text = raw.decode("latin-1").rstrip("\r\n")
            name, sep, value = text.partition(":")
            if not sep or not name or not set(name) <= _TOKEN_CHARS:
                raise _BadRequest(go_plain_error(400, _BAD_LENGTH))
            headers.append((name, value.strip(" \t")))

    def _discard(self, length: int) -> bool:
        """Read and drop an unread body of ``length`` bytes (-1: chunked) if it is small and arrives promptly."""
        if not 0 < length <= DISCARD_LIMIT:
            return False
        self.connection.settimeout(DISCARD_WAIT)
        try:
            return len(self.rfile.read(length)) == length
        except OSError:
            return False

    def _check_framing(self, headers: list[tuple[str, str]], names: set[str]) -> int:
        """The body's length as Go's request parser checks it (-1 for chunked); bad framing is a 400 or 501."""
        if "transfer-encoding" in names:
            codings = ",".join(v for k, v in headers if k.lower() == "transfer-encoding").lower().strip()
            if codings != "chunked":
                raise _BadRequest(go_plain_error(501, "Unsupported transfer encoding"))
            return -1
        lengths = {v.strip() for k, v in headers if k.lower() == "content-length"}
        if not lengths:
            return 0
        text = next(iter(lengths))
        # Go refuses a negative, junk, conflicting or over-int64 length ("bad Content-Length").
        if len(lengths) > 1 or not text.isascii() or not text.isdigit() or int(text) >= 2**63:
            raise _BadRequest(go_plain_error(400, _BAD_LENGTH))
        return int(text)

    def _read_body(self, headers: list[tuple[str, str]], names: set[str]) -> bytes:
        limit = self.server.max_request_size
        length = self._check_framing(headers, names)
        if length < 0:
            return self._read_chunked(limit)
        if length > limit:
            raise _BadRequest(_too_large())
        self._continue(headers, length)
        try:
            body = self.rfile.read(length)
        except TimeoutError:
            body = b""
        if len(body) < length:  # the client stopped sending: what Vault's JSON decoder then says
            raise _BadRequest(_short_body())
        return body

    def _read_chunked(self, limit: int) -> bytes:
        chunks: list[bytes] = []
        total = 0
        while True:
            size_line = self.rfile.readline(1024).split(b";", 1)[0].rstrip(b"\r\n \t")
            if not _HEX.fullmatch(size_line):  # Go: "invalid byte in chunk length"
                raise _BadRequest(_short_body("invalid byte in chunk length"))
            size = int(size_line, 16)
            if size == 0:
                while self.rfile.readline(1024) not in {b"\r\n", b"\n", b""}:  # trailers
                    pass
                return b"".join(chunks)
            total += size
            if total > limit:
                raise _BadRequest(_too_large())
            chunk = self.rfile.read(size)
            if len(chunk) < size:
                raise _BadRequest(_short_body())
            chunks.append(chunk)
            self.rfile.readline(3)

    def _continue(self, headers: list[tuple[str, str]], length: int) -> None:
        expect = next((v for k, v in headers if k.lower() == "expect"), "")
        if length and expect.lower() == "100-continue" and self.request_version == "HTTP/1.1":
            self.wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n")
            self.wfile.flush()

    # --- writing ------------------------------------------------------------------------------

    def drop(self) -> None:
        """Close the connection now, without an answer."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    def _write(self, answer: Answer, *, head: bool, version: str) -> None:
        if answer.drop:
            self.drop()
            return
        out = bytearray()
        headers = sorted(answer.headers, key=lambda kv: kv[0])
        if answer.interim is not None:
            out += f"{version} {answer.interim} {status_text(answer.interim)}\r\n".encode()
            out += b"".join(f"{k}: {v}\r\n".encode("latin-1", "replace") for k, v in headers)
            out += b"\r\n"
        close = answer.close or self.close_connection
        self.close_connection = close
        out += f"{version} {answer.status} {status_text(answer.status)}\r\n".encode()
        if close:
            headers = [*headers, ("Connection", "close")]
            headers.sort(key=lambda kv: kv[0])
        bodyless = answer.status in {204, 304} or 100 <= answer.status < 200  # noqa: PLR2004
        lines = [*headers, ("Date", formatdate(usegmt=True))]
        if not bodyless and not any(k.lower() == "content-length" for k, _ in headers):
            lines.append(("Content-Length", str(len(answer.body))))
        out += b"".join(f"{k}: {v}\r\n".encode("latin-1", "replace") for k, v in lines)
        out += b"\r\n"
        if not head and not bodyless:
            out += answer.body[: max(1, len(answer.body) // 2)] if answer.truncate else answer.body
        self.wfile.write(bytes(out))
        self.wfile.flush()
        if answer.truncate:
            self.drop()


def _short_body(detail: str = "unexpected EOF") -> Answer:
    """A write whose body ends early: Vault's JSON decoder fails (400), and the connection cannot be reused."""
    answer = json_answer(400, {"errors": [f"failed to decode JSON input: {detail}"]})
    answer.close = True
    return answer


def _too_large() -> Answer:
    """Vault's size wrapper (outside the generic one: no Cache-Control), then Go closes (§14.9)."""
    return Answer(413, [("Content-Type", "application/json")], encode({"errors": [BODY_TOO_LARGE]}), close=True)


WORKER_IDLE_SECONDS = 30.0
"""How long a connection thread waits for the next connection before it ends."""


class GoHTTPServer(socketserver.TCPServer):
    """A TCP server with a thread per open connection, bounded connections, Go-like timeouts and TLS handshakes
    off the accept loop.

    Connection threads are reused, as Go reuses goroutine stacks: a thread whose connection closed waits for
    the next one instead of ending. Starting a thread for every connection cost about 0.4 ms of CPU per
    request from a client that opens a connection per request (``requests.get``), a third of the server's
    share of such a request. At most ``max_connections`` threads exist; idle ones end after 30 s and when the
    server closes."""

    allow_reuse_address = True  # restart on a fixed port at once, as Vault's listener does
    request_queue_size = 128

    def __init__(
        self,
        host: str,
        port: int,
        app: App,
        *,
        ssl_context: ssl.SSLContext | None = None,
        header_timeout: float = 10.0,
        idle_timeout: float = 300.0,
        max_connections: int = 256,
        max_request_size: int = MAX_REQUEST_SIZE,
    ) -> None:
        self.address_family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self._slots = threading.BoundedSemaphore(max_connections)
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        self._work: queue.SimpleQueue[tuple[Any, Any] | None] = queue.SimpleQueue()
        self._idle = 0  # threads waiting for a connection and not yet promised one; under _open_lock
        self._closed = False
        super().__init__((host, port), GoRequestHandler)  # closes itself (server_close) when the bind fails
        self.app = app
        self.header_timeout = header_timeout  # Vault's http_read_header_timeout default is 10 s
        self.idle_timeout = idle_timeout  # Vault's http_idle_timeout default is 5 minutes
        self.max_request_size = max_request_size
        if ssl_context is not None:
            self.socket = ssl_context.wrap_socket(self.socket, server_side=True, do_handshake_on_connect=False)

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    def get_request(self) -> tuple[Any, Any]:
        try:
            return super().get_request()
        except OSError as exc:
            if exc.errno in {errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM}:
                time.sleep(0.05)  # out of descriptors: wait for some to free instead of spinning on accept
            raise

    def process_request(self, request: Any, client_address: Any) -> None:
        if not self._slots.acquire(blocking=False):  # over the connection cap: close the newcomer
            self.shutdown_request(request)
            return
        try:
            with self._open_lock:  # promise the connection to an idle thread, or start one with it
                start = self._idle == 0
                self._idle -= 0 if start else 1
            if start:
                name = f"replmock-connection-{self.port}"
                threading.Thread(target=self._worker, args=((request, client_address),), name=name, daemon=True).start()
            else:
                self._work.put((request, client_address))
        except BaseException:  # e.g. no thread could start: nothing holds the connection, socketserver closes it
            self._slots.release()
            raise

    def _worker(self, first: tuple[Any, Any]) -> None:
        item: tuple[Any, Any] | None = first
        while item is not None:
            self._serve(*item)
            with self._open_lock:
                closed = self._closed
                self._idle += 0 if closed else 1
            self._slots.release()  # after counting itself idle: never more threads than max_connections
            item = None if closed else self._next()

    def _next(self) -> tuple[Any, Any] | None:
        """The next connection promised to this idle thread; None when it should end."""
        while True:
            try:
                return self._work.get(timeout=WORKER_IDLE_SECONDS)  # None: the server closed
            except queue.Empty:
                with self._open_lock:
                    if self._idle > 0:  # not promised a connection: end
                        self._idle -= 1
                        return None
                # promised one, which is on its way

    def _serve(self, request: Any, client_address: Any) -> None:
        try:
            if not self._closed:  # a connection accepted just before the server stopped is closed unanswered
                self.finish_request(request, client_address)
        except Exception:  # a broken connection is the client's business
            self.handle_error(request, client_address)
        finally:
            with contextlib.suppress(OSError):
                self.shutdown_request(request)

    def server_close(self) -> None:
        super().server_close()
        with self._open_lock:
            self._closed = True
            idle, self._idle = self._idle, 0
        for _ in range(idle):  # wake the idle threads so that they end with the server
            self._work.put(None)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Quiet: a broken connection is the client's business; the server keeps serving."""

    def track(self, conn: socket.socket, *, add: bool) -> bool:
        """Count a connection open (``add``) or closed; False when the server has stopped and it must close."""
        with self._open_lock:
            if add and self._closed:
                return False
            (self._open.add if add else self._open.discard)(conn)
            return True

    def close_connections(self) -> None:
        """Close every open connection (a stopped server must not keep answering on kept-alive ones)."""
        with self._open_lock:
            self._closed = True  # stopping: connections not yet served are closed unanswered
            conns, self._open = list(self._open), set()
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)

    def serve_forever(self, poll_interval: float = 0.05) -> None:
        try:
            super().serve_forever(poll_interval=poll_interval)
        finally:
            self.close_connections()
            self.server_close()
