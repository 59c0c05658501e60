"""Journal: every request a server received, with secrets redacted, and assertions over it."""

from __future__ import annotations

import json
import threading
from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

REDACTED = "<redacted>"
SECRET_HEADERS = frozenset({"x-vault-token", "authorization", "cookie", "x-vault-wrap-token"})
SECRET_KEYS = frozenset({"token", "dr_operation_token", "client_token", "secret_id", "password", "key", "otp"})


def headers_of(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Request headers as a dict (a repeated header's values joined with ", ", as they were sent)."""
    out: dict[str, str] = {}
    for key, value in pairs:
        name = key.title()
        out[name] = f"{out[name]}, {value}" if name in out else value
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


BODY_LIMIT = 16 * 1024
"""Bytes of a request body the journal keeps (the rest is summarised)."""
DEFAULT_MAX_BYTES = 8 << 20
"""What one journal may hold, in (approximate) bytes, before it forgets its oldest entries."""


def body_for_journal(raw: bytes) -> Any:
    """The JSON body (secrets redacted) when it is small and decodes; else a bounded text summary."""
    if not raw:
        return None
    if len(raw) <= BODY_LIMIT:
        from replmock.vault._wire import JSONInputError, decode_json

        try:
            return redact_body(decode_json(raw))
        except (JSONInputError, ValueError, RecursionError):
            pass
    text = raw[:BODY_LIMIT].decode("utf-8", errors="replace")
    return text if len(raw) <= BODY_LIMIT else f"{text}... ({len(raw)} bytes)"


def _size(entry: JournalEntry) -> int:
    body = entry.body
    size = len(body) if isinstance(body, str) else len(json.dumps(body, default=str)) if body is not None else 0
    return 200 + len(entry.path) + len(entry.query) + sum(len(k) + len(v) for k, v in entry.headers.items()) + size


class Journal:
    """Thread-safe request log, bounded in entries (``maxlen``) and in bytes (``max_bytes``): the oldest go first."""

    def __init__(self, maxlen: int | None = None, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self._entries: deque[tuple[JournalEntry, int]] = deque()
        self._lock = threading.Lock()
        self.maxlen = maxlen
        self.max_bytes = max_bytes
        self.nbytes = 0
        """What the journal holds now, in approximate bytes (never more than ``max_bytes``)."""
        self.dropped = 0
        """How many entries were forgotten to stay within the bounds."""

    def add(self, entry: JournalEntry) -> None:
        size = _size(entry)
        with self._lock:
            self._entries.append((entry, size))
            self.nbytes += size
            while self._entries and (
                self.nbytes > self.max_bytes or (self.maxlen is not None and len(self._entries) > self.maxlen)
            ):
                _, gone = self._entries.popleft()
                self.nbytes -= gone
                self.dropped += 1

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.nbytes = 0
            self.dropped = 0

    def entries(self) -> list[JournalEntry]:
        with self._lock:
            return [e for e, _ in self._entries]

    def __iter__(self) -> Iterator[JournalEntry]:
        return iter(self.entries())

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def find(self, endpoint: str | None = None, method: str | None = None) -> list[JournalEntry]:
        """Entries for ``endpoint`` (a name such as ``status``, ``/v1/...`` or ``sys/...`` path) and ``method``."""
        if endpoint is not None and "/" in endpoint:
            from replmock.vault import normalize

            endpoint = normalize(endpoint)
        return [
            e
            for e in self.entries()
            if (endpoint is None or endpoint in {e.endpoint, e.path}) and (method is None or e.method == method.upper())
        ]

    def unexpected(self) -> list[JournalEntry]:
        return [e for e in self.entries() if not e.expected]
