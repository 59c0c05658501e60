"""Requests and answers without a transport, and JSON as Go's encoding/json reads and writes it."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, unquote_to_bytes

# --- requests ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Request:
    """One HTTP request as the server read it: method, request-target (path and query as sent), headers, body."""

    method: str
    target: str
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""

    @classmethod
    def build(
        cls,
        method: str,
        path: str,
        *,
        query: str = "",
        headers: Mapping[str, str] | Iterable[tuple[str, str]] = (),
        body: bytes | str | None = None,
        token: str | None = None,
    ) -> Request:
        """A request from parts (for fixtures, tests and the control API): ``token`` goes in X-Vault-Token."""
        pairs = list(headers.items()) if isinstance(headers, Mapping) else list(headers)
        if token is not None:
            pairs.append(("X-Vault-Token", token))
        raw = body.encode() if isinstance(body, str) else (body or b"")
        return cls(method, path + (f"?{query}" if query else ""), tuple(pairs), raw)

    def header(self, name: str) -> str | None:
        """The first value of header ``name`` (Go's Header.Get), or None."""
        lname = name.lower()
        for key, value in self.headers:
            if key.lower() == lname:
                return value
        return None

    @property
    def raw_path(self) -> str:
        """The path part of the target, still percent-encoded (an absolute-form target loses its scheme and host)."""
        target = self.target
        if target.startswith(("http://", "https://")):
            rest = target.split("://", 1)[1]
            target = "/" + rest.split("/", 1)[1] if "/" in rest else "/"
        return target.split("?", 1)[0]

    @property
    def raw_query(self) -> str:
        return self.target.split("?", 1)[1] if "?" in self.target else ""

    def path(self) -> str:
        """The decoded path (Go's URL.Path); raises ValueError on a bad %-escape, as Go's request parser does."""
        raw = self.raw_path
        if _BAD_ESCAPE.search(raw):
            msg = "invalid URL escape"
            raise ValueError(msg)
        return unquote_to_bytes(raw).decode("utf-8", errors="surrogateescape")

    def query(self) -> dict[str, list[str]]:
        """Query parameters as Go's URL.Query() reads them (``+`` is a space; pairs that do not decode are dropped)."""
        out: dict[str, list[str]] = {}
        for pair in self.raw_query.split("&"):
            if not pair or ";" in pair or _BAD_ESCAPE.search(pair):
                continue
            for key, value in parse_qsl(pair, keep_blank_values=True):
                out.setdefault(key, []).append(value)
        return out


_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")

# --- answers ---------------------------------------------------------------------------------

STS = "max-age=31536000; includeSubDomains"
"""Vault's default Strict-Transport-Security response header (internalshared/configutil/http_response_headers.go)."""


@dataclass
class Answer:
    """What the server sends: status, headers beyond Date/Content-Length, body bytes, and how the connection ends."""

    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    close: bool = False
    """Send ``Connection: close`` and close the connection afterwards (Go does for 413 and 431)."""
    drop: bool = False
    """Close the connection without an answer (Go's server on a status code outside 100-999)."""
    truncate: bool = False
    """Send half the body under the full Content-Length, then close (a fault)."""
    interim: int | None = None
    """An informational (1xx) status sent before the final 200, as Go does for a handler's WriteHeader(1xx)."""
    expected: bool = True
    """False when the request matched nothing replmock serves (strict mode reports it)."""
    endpoint: str | None = None
    """The served endpoint's name, for the journal and faults."""
    data: Any = None
    """The decoded JSON body, kept for drift and validation (None when there is none)."""

    def header(self, name: str) -> str | None:
        lname = name.lower()
        return next((v for k, v in self.headers if k.lower() == lname), None)

    def set_header(self, name: str, value: str) -> None:
        lname = name.lower()
        self.headers = [(k, v) for k, v in self.headers if k.lower() != lname] + [(name, value)]


def generic_headers(content_type: str = "application/json") -> list[tuple[str, str]]:
    """The headers Vault's generic handler wrapper adds to every answer (OpenBao 2.7 observed, Vault 1.14 code)."""
    return [("Cache-Control", "no-store"), ("Content-Type", content_type), ("Strict-Transport-Security", STS)]


def json_answer(status: int, body: Any, **kwargs: Any) -> Answer:
    """A JSON answer through Vault's generic wrapper; ``body`` None gives an empty body (Vault's 204)."""
    raw = b"" if body is None else encode(body)
    return Answer(status, generic_headers(), raw, data=body, **kwargs)


def go_plain_error(status: int, text: str) -> Answer:
    """What Go's net/http server writes itself for a request it cannot parse (server.go): plain text, then close."""
    return Answer(status, [("Content-Type", "text/plain; charset=utf-8")], text.encode(), close=True)


def go_redirect(status: int, location: str, method: str) -> Answer:
    """http.Redirect: Location, and for GET and HEAD a small HTML body (Fprintln adds the second newline)."""
    if method not in {"GET", "HEAD"}:  # no body, and so no Content-Type
        return Answer(
            status, [("Cache-Control", "no-store"), ("Location", location), ("Strict-Transport-Security", STS)]
        )
    headers = [*generic_headers("text/html; charset=utf-8"), ("Location", location)]
    body = b""
    if method in {"GET", "HEAD"}:
        escaped = location.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&#34;")
        body = f'<a href="{escaped}">{status_text(status)}</a>.\n\n'.encode()
    return Answer(status, headers, body)


# Go's net/http StatusText for the codes replmock can send; anything else is "status code N".
_STATUS_TEXT = {
    100: "Continue",
    101: "Switching Protocols",
    102: "Processing",
    103: "Early Hints",
    200: "OK",
    201: "Created",
    202: "Accepted",
    204: "No Content",
    301: "Moved Permanently",
    302: "Found",
    304: "Not Modified",
    307: "Temporary Redirect",
    308: "Permanent Redirect",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    412: "Precondition Failed",
    413: "Request Entity Too Large",
    414: "Request URI Too Long",
    415: "Unsupported Media Type",
    429: "Too Many Requests",
    431: "Request Header Fields Too Large",
    500: "Internal Server Error",
    501: "Not Implemented",
    502: "Bad Gateway",
    503: "Service Unavailable",
    505: "HTTP Version Not Supported",
}


def status_text(code: int) -> str:
    return _STATUS_TEXT.get(code, f"status code {code}")


# --- JSON as Go writes it ----------------------------------------------------------------------

_HTML_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}
_HTML_RE = re.compile("[<>&\u2028\u2029]")


def encode(value: Any) -> bytes:
    """JSON as Go's json.Encoder writes it: compact, HTML characters escaped, raw UTF-8, a final newline."""
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=_number_text)
    return (_HTML_RE.sub(lambda m: _HTML_ESCAPES[m.group()], text) + "\n").encode("utf-8", errors="replace")


def _number_text(value: Any) -> Any:
    if isinstance(value, GoNumber):
        return int(value) if value.isdigit() and len(value) < 4000 else float(value)  # noqa: PLR2004
    msg = f"{type(value).__name__} is not JSON"
    raise TypeError(msg)


# --- JSON as Vault reads a request body --------------------------------------------------------

MAX_JSON_DEPTH = 500
"""Vault's default ``max_json_depth`` (listener option, default 500; in Vault 1.16.25, 1.18.14, 1.19.9,
1.20.3, 1.21.0 and later: hashicorp/web-unified-docs PR #981, listener/tcp docs)."""


class GoNumber(str):
    """A JSON number kept as its text, as Vault decodes with UseNumber (json.Number)."""

    __slots__ = ()


class JSONInputError(ValueError):
    """A body Vault's JSON decoder refuses; ``str()`` is the detail after ``failed to decode JSON input:``."""


def decode_json(raw: bytes) -> Any:
    """Decode a request body as Go's json.Decoder with UseNumber: numbers keep their text, NaN is refused.

    Raises :class:`JSONInputError` with Go's wording for the common cases.
    """
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("utf-8", errors="replace")
    depth = _depth(text)
    if depth > MAX_JSON_DEPTH:
        # The text Vault sends here is not verified (Enterprise limit code is private); the 400 is.
        msg = f"JSON input exceeds allowed nesting depth ({depth} > {MAX_JSON_DEPTH})"
        raise JSONInputError(msg)
    try:
        return json.loads(text, parse_int=GoNumber, parse_float=GoNumber, parse_constant=_no_constant)
    except JSONInputError:
        raise
    except json.JSONDecodeError as exc:
        raise JSONInputError(_go_json_error(text, exc)) from None
    except (ValueError, RecursionError) as exc:  # pragma: no cover - guarded by the depth check
        raise JSONInputError(str(exc)) from None


def _no_constant(name: str) -> Any:
    raise JSONInputError(f"invalid character {name[0]!r} looking for beginning of value")


def _go_json_error(text: str, exc: json.JSONDecodeError) -> str:
    """Go's encoding/json wording as observed through OpenBao 2.7's request path ("{bad" -> 'b' ... value)."""
    if exc.pos >= len(text.rstrip()):
        return "unexpected EOF"
    return f"invalid character {text[exc.pos]!r} looking for beginning of value"


_STRUCTURE = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')


def _depth(text: str) -> int:
    """The deepest nesting of ``text`` (strings skipped); cheap enough for the bodies Vault accepts."""
    if text.count("[") + text.count("{") <= MAX_JSON_DEPTH:
        return 0
    depth = deepest = 0
    for match in _STRUCTURE.finditer(text):
        mark = match.group()
        if mark in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif mark in "]}":
            depth -= 1
    return deepest
