"""A raw HTTP/1.1 client and the projection of an answer onto the aspects the suite compares.

``requests`` (and urllib3) normalise what this suite needs to send verbatim: duplicate headers,
``//`` and ``/./`` in a path, unknown methods, a 70 KB request target. ``http.client`` with
``putrequest`` sends all of that as given, and never follows a redirect.
"""

from __future__ import annotations

import http.client
import json
import re
from dataclasses import dataclass
from typing import Any

TIMEOUT = 10.0


@dataclass(frozen=True)
class Answer:
    """One HTTP answer as received; ``status`` 0 when the server closed the connection without one."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes

    def header(self, name: str) -> str | None:
        found = [v for k, v in self.headers if k.lower() == name.lower()]
        return ", ".join(found) if found else None


def send(
    host: str,
    port: int,
    method: str,
    target: str,
    headers: list[tuple[str, str]],
    body: bytes | None = None,
) -> Answer:
    """Send one request on a fresh connection, exactly as given (plus Host and, with a body, Content-Length)."""
    conn = http.client.HTTPConnection(host, port, timeout=TIMEOUT)
    try:
        conn.putrequest(method, target, skip_host=False, skip_accept_encoding=True)
        for name, value in headers:
            conn.putheader(name, value)
        if body is not None:
            conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body)
        try:
            resp = conn.getresponse()
        except (http.client.RemoteDisconnected, ConnectionResetError, http.client.BadStatusLine):
            return Answer(0, (), b"")
        data = resp.read()
        return Answer(resp.status, tuple(resp.getheaders()), data)
    except (TimeoutError, ConnectionResetError, BrokenPipeError) as exc:
        return Answer(0, (("X-Client-Error", type(exc).__name__),), b"")
    finally:
        conn.close()


# --- what is compared ---------------------------------------------------------------------------

_UNRECOGNIZED = re.compile(r"^Endpoint ignored these unrecognized parameters: \[(.*)\]$")
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')


def framing(body: bytes) -> str:
    """How a body is written: Go's ``json.Encoder`` writes compact JSON and one ``\\n``.

    ``go-compact`` (no whitespace outside strings, one trailing newline), ``spaced`` (Python's
    ``json.dumps`` default), ``no-newline``, ``empty`` or ``not-json``.
    """
    if not body:
        return "empty"
    text = body.decode("utf-8", "replace")
    try:
        json.loads(text)
    except ValueError:
        return "not-json"
    if not text.endswith("\n") or text.endswith("\n\n"):
        return "no-newline"
    outside = _JSON_STRING.sub('""', text[:-1])
    return "spaced" if re.search(r"\s", outside) else "go-compact"


def json_body(answer: Answer) -> Any:
    try:
        return json.loads(answer.body)
    except ValueError:
        return None


def project(answer: Answer, replace: dict[str, str]) -> dict[str, Any]:
    """The aspects of an answer the suite compares, with the analogue-specific texts replaced.

    ``replace`` maps texts that legitimately differ between the two servers (the analogue path in
    an error, the name of the bool field, the server's base URL) to neutral placeholders.
    """

    def norm(text: str | None) -> str | None:
        if text is None:
            return None
        for old, new in sorted(replace.items(), key=lambda kv: -len(kv[0])):
            text = text.replace(old, new)
        return text

    body = json_body(answer)
    errors: list[str] | None = None
    ignored: list[str] | None = None
    envelope_keys: list[str] | None = None
    if isinstance(body, dict):
        if isinstance(body.get("errors"), list):
            errors = [norm(str(e)) or "" for e in body["errors"]]
        if "request_id" in body:
            envelope_keys = list(body)
            ignored = []
            for warning in body.get("warnings") or []:
                match = _UNRECOGNIZED.match(str(warning))
                if match:
                    ignored.append(norm(match.group(1)) or "")
    connection = (answer.header("Connection") or "").lower()
    return {
        "status": answer.status,
        "content_type": answer.header("Content-Type"),
        "cache_control": answer.header("Cache-Control"),
        "location": norm(answer.header("Location")),
        "server_header": answer.header("Server") is not None,
        "connection_close": "close" in connection,
        "errors": errors,
        "unrecognized_parameters": ignored,
        "envelope_keys": envelope_keys,
        "framing": framing(answer.body) if answer.header("Content-Type") == "application/json" else "n/a",
    }


def show(answer: Answer, limit: int = 600) -> str:
    """One answer for a failure message: status, headers and the start of the body."""
    heads = "; ".join(f"{k}: {v}" for k, v in answer.headers if k.lower() not in {"date"})
    text = answer.body[:limit].decode("utf-8", "replace")
    more = f" ... ({len(answer.body)} bytes)" if len(answer.body) > limit else ""
    return f"{answer.status} [{heads}] {text!r}{more}"
