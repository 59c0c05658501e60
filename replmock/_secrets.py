"""Secrets as a type: a token whose ``repr`` and ``str`` are redacted, and redaction of report text.

A :class:`Secret` is revealed in one place only, where the request headers are built
(``replmock.conformance.Target``); everything else (messages, reports, pytest's frame
locals and arguments) sees ``<redacted>``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any
from urllib.parse import SplitResult, urlsplit, urlunsplit

REDACTED = "<redacted>"
MIN_REDACTED_LENGTH = 4
"""Shorter values (test tokens such as ``r``) cannot be hidden in text without destroying it: left as they are."""


class Secret:
    """A credential. ``repr``, ``str`` and formatting never show it; :meth:`reveal` does."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        if not isinstance(value, str) or not value:
            msg = f"a secret must be a non-empty string, got {type(value).__name__}"
            raise TypeError(msg)
        self._value = value

    def reveal(self) -> str:
        """The value itself: call it only where a request header is built."""
        return self._value

    def __repr__(self) -> str:
        return f"Secret({REDACTED})"

    def __str__(self) -> str:
        return REDACTED

    def __format__(self, spec: str) -> str:
        return format(REDACTED, spec)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(("Secret", self._value))

    def __reduce__(self) -> Any:
        msg = "a Secret cannot be pickled"
        raise TypeError(msg)


def secret(value: str | Secret | None) -> Secret | None:
    """``value`` as a Secret (None and "" stay None)."""
    if value is None or isinstance(value, Secret):
        return value
    return Secret(value) if value else None


def _forms(value: str) -> list[str]:
    """The secret as written in plain text and inside a JSON string (escaped)."""
    escaped = json.dumps(value)[1:-1]
    return [value] if escaped == value else [value, escaped]


def redact(text: str, secrets: Iterable[Secret | str | None]) -> str:
    """``text`` with every secret (plain or JSON-escaped) replaced by ``<redacted>``."""
    for item in secrets:
        if item is None:
            continue
        value = item.reveal() if isinstance(item, Secret) else item
        if len(value) < MIN_REDACTED_LENGTH:
            continue
        # the longest forms first, so a JSON-escaped copy is not half-replaced
        for form in sorted(_forms(value), key=len, reverse=True):
            text = text.replace(form, REDACTED)
    return text


def redact_data(value: Any, secrets: Iterable[Secret | str | None]) -> Any:
    """A JSON-like value with every string (keys too) redacted; non-JSON leaves become strings."""
    found = list(secrets)
    stack_limit = 200

    def walk(node: Any, depth: int) -> Any:
        if depth > stack_limit:
            return "<too deeply nested>"
        if isinstance(node, str):
            return redact(node, found)
        if isinstance(node, dict):
            return {redact(str(k), found): walk(v, depth + 1) for k, v in node.items()}
        if isinstance(node, (list, tuple)):
            return [walk(v, depth + 1) for v in node]
        if node is None or isinstance(node, (bool, int, float)):
            return node
        return redact(str(node), found)

    return walk(value, 0)


def split_credentials(address: str) -> tuple[str, str | None, Secret | None]:
    """``address`` without ``user:password@``, the user name and the password (a Secret) found there."""
    parts = urlsplit(address)
    if parts.username is None and parts.password is None:
        return address, None, None
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:
        port = None
    netloc = host + (f":{port}" if port is not None else "")
    clean = urlunsplit(SplitResult(parts.scheme, netloc, parts.path, parts.query, parts.fragment))
    return clean, parts.username, secret(parts.password)


def safe_address(address: str) -> str:
    """``address`` fit to print: any ``user:password@`` is left out."""
    try:
        return split_credentials(address)[0]
    except ValueError:
        return "<unparsable address>"
