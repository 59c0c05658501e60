"""Journal: every request a server received, with secrets redacted, and assertions over it."""

from __future__ import annotations

import json
import threading
from collections import deque
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

REDACTED = "<redacted>"
SECRET_HEADERS = frozenset({"x-vault-token", "authorization", "cookie", "x-vault-wrap-token"})
SECRET_KEYS = frozenset({"token", "dr_operation_token", "client_token", "secret_id", "password", "key", "otp"})


def headers_of(environ: Mapping[str, Any]) -> dict[str, str]:
    """The request headers from a WSGI environ (cheaper than werkzeug's EnvironHeaders on the hot path)."""
    out = {}
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            out[key[5:].replace("_", "-").title()] = str(value)
        elif key in {"CONTENT_TYPE", "CONTENT_LENGTH"} and value:
            out[key.replace("_", "-").title()] = str(value)
    return out


def redact_headers(headers: Mapping[str, Any]) -> dict[str, str]:
    out = {}
    for key, value in headers.items():
        if key.lower() in SECRET_HEADERS:
            out[key] = "Bearer " + REDACTED if str(value).lower().startswith("bearer ") else REDACTED
        else:
            out[key] = str(value)
    return out


def redact_body(body: Any) -> Any:
    if isinstance(body, dict):
        return {k: REDACTED if k in SECRET_KEYS else redact_body(v) for k, v in body.items()}
    if isinstance(body, list):
        return [redact_body(v) for v in body]
    return body


@dataclass(frozen=True)
class JournalEntry:
    """One request and the status code it got."""

    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: Any
    """The JSON body (secrets redacted), the raw text when it is not JSON, or None."""
    status: int
    endpoint: str | None
    """The served endpoint name, or None for a path replmock does not serve."""
    expected: bool
    """False for a request that matched no route or method: strict mode fails the test on it."""
    suggestion: str | None = None
    faults: tuple[str, ...] = field(default=())

    def line(self) -> str:
        return f"{self.method} {self.path}{'?' + self.query if self.query else ''} -> {self.status}"


def body_for_journal(raw: bytes) -> Any:
    if not raw:
        return None
    text = raw.decode("utf-8", errors="replace")
    try:
        return redact_body(json.loads(text))
    except ValueError:
        return text[:2000]


class Journal:
    """Thread-safe request log (bounded when ``maxlen`` is set, as in standalone mode)."""

    def __init__(self, maxlen: int | None = None) -> None:
        self._entries: deque[JournalEntry] = deque(maxlen=maxlen)
        self._lock = threading.Lock()

    def add(self, entry: JournalEntry) -> None:
        with self._lock:
            self._entries.append(entry)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def entries(self) -> list[JournalEntry]:
        with self._lock:
            return list(self._entries)

    def __iter__(self) -> Iterator[JournalEntry]:
        return iter(self.entries())

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def find(self, endpoint: str | None = None, method: str | None = None) -> list[JournalEntry]:
        """Entries for ``endpoint`` (a name such as ``status``, ``/v1/...`` or ``sys/...`` path) and ``method``."""
        if endpoint is not None and "/" in endpoint:
            from replmock.server.vaultapi import normalize

            endpoint = normalize(endpoint)
        return [
            e
            for e in self.entries()
            if (endpoint is None or endpoint in {e.endpoint, e.path}) and (method is None or e.method == method.upper())
        ]

    def unexpected(self) -> list[JournalEntry]:
        return [e for e in self.entries() if not e.expected]
