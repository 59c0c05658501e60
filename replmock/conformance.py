"""Conformance: targets, capability detection, drift classification and the runner of the contract_tests suite."""

from __future__ import annotations

import base64
import contextlib
import importlib
import json
import os
import re
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

from replmock._errors import UsageError
from replmock._fleet_report import Fleet, markdown_section
from replmock._resources import data_dir
from replmock._secrets import REDACTED as _REDACTED
from replmock._secrets import Secret, redact_data, safe_address, secret, split_credentials
from replmock._secrets import redact as _redact
from replmock.schemas import ENDPOINT_PATHS, RESPONSE_SCHEMA

if TYPE_CHECKING:  # pragma: no cover
    import argparse

    import requests

PATHS = ENDPOINT_PATHS
REDACTED = _REDACTED

READ_METHODS = frozenset({"GET", "HEAD", "LIST"})
"""What a default (read-only) conformance run may send."""
DEFAULT_TIMEOUT = 30.0
"""Seconds a whole request may take (connect, headers, body, redirects): a wall deadline, not per read."""
CONNECT_TIMEOUT = 10.0
"""Seconds a TCP (and TLS) connect may take within a request's deadline. A host that drops packets silently
(a firewall, a wrong address in another network) would otherwise hold each request for the whole deadline."""
MAX_TIMEOUTS = 2
"""After this many timed-out requests a target is given up: its later requests fail at once."""
MAX_BODY = 4 * 1024 * 1024
"""Bytes of a response body read at most; a longer answer fails the check."""
MAX_DEPTH = 64
"""JSON nesting accepted in a response; deeper bodies count as not JSON (Vault's payloads nest 5 levels)."""
MAX_ISSUES = 50
"""Issues listed per payload in a check failure or the drift report; the rest are counted."""
MAX_REDIRECTS = 5
DEFAULT_RETRIES = 2
"""Retries of an idempotent read (GET, HEAD) that could not connect or lost its connection; writes never retry."""
RETRY_METHODS = frozenset({"GET", "HEAD"})
RETRY_BACKOFF = 0.25
"""urllib3's back-off factor: waits of 0 (first retry), 0.5 s, 1 s... between retries, within the request's deadline."""
_DEFAULT_PORTS = {"http": 80, "https": 443}


class RequestFailed(ConnectionError):
    """A request that got no usable answer (refused, reset, timeout, TLS, too large...). The message is safe to print.

    ``kind`` tells preflight what went wrong: ``tls``, ``connect``, ``timeout`` or ``other``.
    """

    def __init__(self, message: str, kind: str = "other") -> None:
        super().__init__(message)
        self.kind = kind


class _Timeout(Exception):
    pass


def _reject_constant(name: str) -> Any:
    msg = f"{name} is not JSON"
    raise ValueError(msg)


def _depth_exceeds(value: Any, limit: int) -> bool:
    """True when ``value`` nests deeper than ``limit`` (iterative: no recursion on hostile input)."""
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, (dict, list)):
            if depth > limit:
                return True
            children = node.values() if isinstance(node, dict) else node
            stack.extend((c, depth + 1) for c in children if isinstance(c, (dict, list)))
    return False


def parse_json(text: str) -> tuple[Any, str]:
    """The JSON value of ``text`` and "" or, when it is not acceptable JSON, None and why."""
    try:
        value = json.loads(text, parse_constant=_reject_constant)
    except RecursionError:
        return None, "not JSON: nested too deeply to parse"
    except ValueError as exc:
        return None, f"not JSON: {str(exc)[:120]}"
    if _depth_exceeds(value, MAX_DEPTH):
        return None, f"not accepted: JSON nested deeper than {MAX_DEPTH} levels"
    return value, ""


@dataclass(repr=False)
class Reply:
    """One HTTP answer: status code, Content-Type, the parsed JSON (None when not JSON) and the raw text."""

    status: int
    content_type: str
    body: Any
    text: str
    note: str = ""
    """Why ``body`` is None although there was text, or that a redirect was not followed."""

    def __repr__(self) -> str:  # frame locals in a traceback: never the body (it may echo a token, or be 4 MiB)
        return f"<Reply {self.status} {self.content_type!r} {len(self.text)} chars>"

    @property
    def errors(self) -> list[str]:
        if isinstance(self.body, dict) and isinstance(self.body.get("errors"), list):
            return [str(e) for e in self.body["errors"]]
        return []


def origin(url: str) -> tuple[str, str, int | None]:
    """(scheme, host, port) of ``url``, with the scheme's default port filled in."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:
        port = None
    return scheme, (parts.hostname or "").lower(), port if port is not None else _DEFAULT_PORTS.get(scheme)


def check_address(address: object, where: str) -> str:
    """``address`` when it is an http(s) URL with a host; a UsageError naming ``where`` otherwise."""
    if not isinstance(address, str):
        msg = f"{where}: address must be a string, got {type(address).__name__}"
        raise UsageError(msg)
    shown = safe_address(address)
    try:
        parts = urlsplit(address)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError as exc:
        msg = f"{where}: address {shown!r} is not a valid URL ({exc}); expected http(s)://host[:port]"
        raise UsageError(msg) from None
    if parts.scheme.lower() not in _DEFAULT_PORTS or not parts.hostname:
        msg = f"{where}: address {shown!r} needs a scheme and a host, such as https://vault.example:8200"
        raise UsageError(msg)
    return address


def read_retry(retries: int, expired: Callable[[], bool] = lambda: False) -> Any:
    """urllib3's Retry for a conformance run: connection and read failures of GET/HEAD only, with back-off.

    A status code is never retried (a 503 from a sealed node is an answer the checks look at), nor is a write;
    nor is anything once ``expired()`` (the request's wall deadline passed: its sockets were shut down on purpose).
    """
    from urllib3.exceptions import ConnectTimeoutError, MaxRetryError, NewConnectionError
    from urllib3.util.retry import Retry

    class _DeadlineRetry(Retry):  # Retry.new() makes type(self): the closure stays
        def is_exhausted(self) -> bool:
            return expired() or super().is_exhausted()

        def increment(
            self,
            method: str | None = None,
            url: str | None = None,
            response: Any = None,
            error: Exception | None = None,
            _pool: Any = None,
            _stacktrace: Any = None,
        ) -> Any:
            # A connect that timed out met a host that drops packets: trying again only multiplies the wait
            # (refused and reset connections are still retried; urllib3 makes NewConnectionError, a refusal, a
            # subclass of ConnectTimeoutError).
            if isinstance(error, ConnectTimeoutError) and not isinstance(error, NewConnectionError):
                raise MaxRetryError(_pool, url or "", error) from error
            return super().increment(method, url, response, error, _pool, _stacktrace)

    return _DeadlineRetry(
        total=retries,
        connect=retries,
        read=retries,
        status=0,
        other=0,
        allowed_methods=RETRY_METHODS,
        backoff_factor=RETRY_BACKOFF,
        raise_on_status=False,
        respect_retry_after_header=False,
    )


def _tracking_adapter(
    register: Callable[[socket.socket], None], retries: int = 0, expired: Callable[[], bool] = lambda: False
) -> Any:
    """A requests adapter whose connections report their sockets, so a wall deadline can shut them down."""
    from requests.adapters import HTTPAdapter
    from urllib3.connection import HTTPConnection, HTTPSConnection
    from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

    class _Conn(HTTPConnection):
        def _new_conn(self) -> socket.socket:
            sock = super()._new_conn()
            register(sock)
            return sock

    class _TLSConn(HTTPSConnection):
        def _new_conn(self) -> socket.socket:
            sock = super()._new_conn()
            register(sock)
            return sock

        def connect(self) -> None:
            super().connect()
            if isinstance(self.sock, socket.socket):
                register(self.sock)

    class _Pool(HTTPConnectionPool):
        ConnectionCls = _Conn

    class _TLSPool(HTTPSConnectionPool):
        ConnectionCls = _TLSConn

    classes = {"http": _Pool, "https": _TLSPool}

    class _Adapter(HTTPAdapter):
        def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
            super().init_poolmanager(*args, **kwargs)
            self.poolmanager.pool_classes_by_scheme = classes

        def proxy_manager_for(self, *args: Any, **kwargs: Any) -> Any:
            manager = super().proxy_manager_for(*args, **kwargs)
            manager.pool_classes_by_scheme = classes
            return manager

    return _Adapter(max_retries=read_retry(retries, expired))


@dataclass(repr=False)
class Target:
    """A Vault server to check. Its tokens are :class:`Secret` and never appear in ``repr``, messages or reports."""

    name: str
    address: str
    token: Secret | None = None
    nonsudo_token: Secret | None = None
    verify: bool | str = True
    cert: tuple[str, str] | None = None
    mock: bool = False
    timeout: float = DEFAULT_TIMEOUT
    max_timeouts: int = MAX_TIMEOUTS
    max_body: int = MAX_BODY
    retries: int = DEFAULT_RETRIES
    _user: str | None = None
    _password: Secret | None = None
    _session: requests.Session | None = None
    _sockets: list[socket.socket] = field(default_factory=list)
    _aborted: bool = False
    _timeouts: int = 0
    _deadline: float = float("inf")

    def __post_init__(self) -> None:
        self.token = secret(self.token)
        self.nonsudo_token = secret(self.nonsudo_token)
        self.address, self._user, self._password = split_credentials(self.address)

    def __repr__(self) -> str:
        return f"<Target {self.name} {safe_address(self.address)}{' (replmock mock)' if self.mock else ''}>"

    def session(self) -> requests.Session:
        if self._session is None:
            import requests

            session = requests.Session()
            session.verify = self.verify
            if self.cert:
                session.cert = self.cert
            adapter = _tracking_adapter(self._register, self.retries, self._expired)
            session.mount("http://", adapter)
            session.mount("https://", adapter)
            self._session = session
        return self._session

    def _expired(self) -> bool:
        return self._aborted or time.monotonic() >= self._deadline

    def close(self) -> None:
        """Close the connections (a new session is made on the next request)."""
        if self._session is not None:
            self._session.close()
            self._session = None
        self._sockets = []

    def _register(self, sock: socket.socket) -> None:
        self._sockets = [s for s in self._sockets if s.fileno() != -1]
        self._sockets.append(sock)

    def _abort(self) -> None:
        """The wall deadline passed: shut every socket down so a blocked read returns."""
        self._aborted = True
        for sock in list(self._sockets):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def request(
        self,
        method: str,
        endpoint: str,
        *,
        token: Secret | None = None,
        body: Any = None,
        raw: bytes | None = None,
    ) -> Reply:
        """Send a request; ``token`` goes as X-Vault-Token (never logged). Any failure is a :class:`RequestFailed`."""
        path = PATHS.get(endpoint, endpoint)
        what = f"{self.name}: {method} {path}"
        if self._timeouts >= self.max_timeouts:
            msg = f"{what} not sent: the target was given up after {self._timeouts} requests took longer than {self.timeout:g}s"
            raise RequestFailed(msg)
        failure, kind = "", "other"
        try:
            data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
            return self._exchange(method.upper(), self.address.rstrip("/") + path, token, data)
        except _Timeout:
            self._timeouts += 1
            failure = f"{what} got no complete answer within {self.timeout:g}s (the deadline of a whole request)"
            kind = "timeout"
        except Exception as exc:
            failure = f"{what} failed: {type(exc).__name__}: {redact(str(exc), self.secrets())[:300]}"
            kind = _failure_kind(exc)
        # raised outside the except block: no chained exception, no frame holding the request's headers
        raise RequestFailed(failure, kind)

    def _exchange(self, method: str, url: str, token: Secret | None, data: bytes | None) -> Reply:
        deadline = self._deadline = time.monotonic() + self.timeout
        self._aborted = False
        timer = threading.Timer(self.timeout, self._abort)
        timer.daemon = True
        timer.start()
        try:
            return self._follow(method, url, token, data, deadline)
        except Exception:
            if self._aborted or time.monotonic() >= deadline:
                raise _Timeout from None
            raise
        finally:
            timer.cancel()

    def _follow(self, method: str, url: str, token: Secret | None, data: bytes | None, deadline: float) -> Reply:
        """Send, following redirects only within the target's own scheme, host and port."""
        home = origin(url)
        for _ in range(MAX_REDIRECTS + 1):
            response = self._send(method, url, token, data, deadline)
            try:
                location = response.headers.get("Location") if response.is_redirect else None
                if location is None:
                    return self._read(response, deadline, "")
                nxt = split_credentials(urljoin(url, location))[0]
                if origin(nxt) != home:
                    note = (
                        f"redirect {response.status_code} to {safe_address(nxt)} not followed: "
                        f"credentials are sent only to {home[0]}://{home[1]}:{home[2]}"
                    )
                    return self._read(response, deadline, note)
            finally:
                response.close()
            if response.status_code == 303 or (response.status_code in {301, 302} and method not in READ_METHODS):  # noqa: PLR2004
                method, data = "GET", None
            url = nxt
        msg = f"more than {MAX_REDIRECTS} redirects"
        raise RuntimeError(msg)

    def _send(self, method: str, url: str, token: Secret | None, data: bytes | None, deadline: float) -> Any:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise _Timeout
        # verify and cert go with every request: requests lets REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE
        # override a session's settings, which would silently ignore VAULT_CACERT and VAULT_SKIP_VERIFY.
        # The one place a secret is revealed: the request's own headers (and URL credentials as basic auth).
        return self.session().request(
            method,
            url,
            headers={"X-Vault-Token": token.reveal()} if token else {},
            data=data,
            timeout=(min(remaining, CONNECT_TIMEOUT), remaining),
            verify=self.verify,
            cert=self.cert,
            auth=(self._user or "", self._password.reveal()) if self._password else None,
            allow_redirects=False,
            stream=True,
        )

    def _read(self, response: Any, deadline: float, note: str) -> Reply:
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > self.max_body:
            msg = f"the answer is {int(declared)} bytes; at most {self.max_body} are read"
            raise ValueError(msg)
        chunks, size = [], 0
        for chunk in response.iter_content(64 * 1024):
            size += len(chunk)
            if size > self.max_body:
                msg = f"the answer is larger than {self.max_body} bytes; reading stopped there"
                raise ValueError(msg)
            chunks.append(chunk)
            if time.monotonic() >= deadline:
                raise _Timeout
        text = b"".join(chunks).decode("utf-8", errors="replace")
        parsed, why = parse_json(text) if text.strip() else (None, "")
        return Reply(
            response.status_code,
            response.headers.get("Content-Type", ""),
            parsed,
            text,
            "; ".join(filter(None, [note, why])),
        )

    def get(self, endpoint: str, *, token: Secret | None = None) -> Reply:
        return self.request("GET", endpoint, token=token)

    def secrets(self) -> list[Secret]:
        """Every credential of this target, to redact: the tokens, an address's password and its basic-auth form."""
        found = [t for t in (self.token, self.nonsudo_token, self._password) if t is not None]
        if self._password is not None:
            pair = f"{self._user or ''}:{self._password.reveal()}".encode()
            found.append(Secret(base64.b64encode(pair).decode("ascii")))
        return found


def _failure_kind(exc: BaseException) -> str:
    import requests

    if isinstance(exc, requests.exceptions.SSLError):
        return "tls"
    if isinstance(exc, (requests.exceptions.ConnectionError, requests.exceptions.Timeout)):
        return "connect"
    return "other"


def redact(text: str, secrets: Iterable[Secret | str | None]) -> str:
    """``text`` with every secret replaced by ``<redacted>``."""
    return _redact(text, secrets)


def _env_bool(name: str) -> bool:
    """A boolean environment variable read as Vault does (Go's strconv.ParseBool); unset or "" is false."""
    from replmock.vault._params import parse_bool_text

    value = os.environ.get(name, "")
    parsed = False if value == "" else parse_bool_text(value)
    if parsed is not None:
        return parsed
    msg = f"{name}={value!r} is not a boolean; expected one of 1, t, true, 0, f, false (Go's strconv.ParseBool)"
    raise UsageError(msg)


def _existing_file(path: str, what: str) -> str:
    if not Path(path).exists():
        msg = f"{what} names {path!r}, which does not exist"
        raise UsageError(msg)
    return path


def _env_tls() -> tuple[bool | str, tuple[str, str] | None]:
    verify: bool | str = True
    if os.environ.get("VAULT_CACERT"):
        verify = _existing_file(os.environ["VAULT_CACERT"], "VAULT_CACERT")
    if _env_bool("VAULT_SKIP_VERIFY"):
        verify = False
    cert = None
    if os.environ.get("VAULT_CLIENT_CERT") and os.environ.get("VAULT_CLIENT_KEY"):
        cert = (
            _existing_file(os.environ["VAULT_CLIENT_CERT"], "VAULT_CLIENT_CERT"),
            _existing_file(os.environ["VAULT_CLIENT_KEY"], "VAULT_CLIENT_KEY"),
        )
    return verify, cert


def target_from_env(address: str | None, token: str | None, nonsudo: str | None) -> Target | None:
    """The single target of --vault-addr / VAULT_ADDR (None when neither is set)."""
    where = "--vault-addr" if address else "VAULT_ADDR"
    address = address or os.environ.get("VAULT_ADDR")
    if not address:
        return None
    check_address(address, where)
    verify, cert = _env_tls()
    return Target("vault", address, secret(token or os.environ.get("VAULT_TOKEN")), secret(nonsudo), verify, cert)


def _load_toml(path: str) -> Any:
    tomllib: Any = importlib.import_module("tomllib" if sys.version_info >= (3, 11) else "tomli")
    try:
        with open(path, "rb") as fh:  # noqa: PTH123
            return tomllib.load(fh)
    except OSError as exc:
        msg = f"cannot read --targets {path}: {exc.strerror or exc}"
        raise UsageError(msg) from None
    except UnicodeDecodeError as exc:
        msg = f"--targets {path} is not UTF-8 text (byte {exc.start}); TOML files are UTF-8"
        raise UsageError(msg) from None
    except tomllib.TOMLDecodeError as exc:
        msg = f"--targets {path} is not valid TOML: {exc}"
        raise UsageError(msg) from None


TARGET_KEYS = {
    "name": "string",
    "address": "string",
    "token": "string",
    "token_env": "string",
    "nonsudo_token": "string",
    "nonsudo_token_env": "string",
    "ca_cert": "string",
    "skip_verify": "boolean",
}


def _token_of(entry: Mapping[str, Any], key: str, where: str) -> Secret | None:
    if key in entry and f"{key}_env" in entry:
        msg = f"{where}: give {key} or {key}_env, not both"
        raise UsageError(msg)
    if f"{key}_env" in entry:
        var = entry[f"{key}_env"]
        if not os.environ.get(var):
            msg = f"{where}: {key}_env names the environment variable {var}, which is not set (or empty)"
            raise UsageError(msg)
        return Secret(os.environ[var])
    if key in entry and not entry[key]:
        msg = f"{where}: {key} is empty"
        raise UsageError(msg)
    return secret(entry.get(key))


def load_targets(path: str) -> list[Target]:
    """Targets of a TOML file: ``[[target]]`` tables with name, address, and token or token_env."""
    doc = _load_toml(path)
    entries = doc.get("target")
    if not isinstance(entries, list) or not entries:
        msg = f"--targets {path}: expected one or more [[target]] tables with name and address"
        raise UsageError(msg)
    verify, cert = _env_tls()
    targets = []
    for i, entry in enumerate(entries):
        where = f"--targets {path}: target #{i + 1}"
        if (
            not isinstance(entry, dict)
            or not isinstance(entry.get("name"), str)
            or not isinstance(entry.get("address"), str)
        ):
            msg = f"{where} needs string keys name and address, got {sorted(entry) if isinstance(entry, dict) else type(entry).__name__}"
            raise UsageError(msg)
        where = f"{where} ({entry['name']})"
        unknown = sorted(set(entry) - set(TARGET_KEYS))
        if unknown:
            msg = f"{where}: unknown key(s) {unknown}"
            raise UsageError(msg)
        for key, kind in TARGET_KEYS.items():
            if key in entry and not isinstance(entry[key], bool if kind == "boolean" else str):
                shown = "a value" if "token" in key and not key.endswith("_env") else repr(entry[key])
                msg = f"{where}: {key} must be a TOML {kind}, got {shown} ({type(entry[key]).__name__})"
                raise UsageError(msg)
        check_address(entry["address"], where)
        tverify: bool | str = verify
        if "ca_cert" in entry:
            tverify = _existing_file(entry["ca_cert"], f"{where}: ca_cert")
        if entry.get("skip_verify") is True:
            tverify = False
        token = _token_of(entry, "token", where)
        nonsudo = _token_of(entry, "nonsudo_token", where)
        targets.append(Target(entry["name"], entry["address"], token, nonsudo, tverify, cert))
    names = [t.name for t in targets]
    if len(set(names)) != len(names):
        msg = f"--targets {path}: target names must be unique, got {names}"
        raise UsageError(msg)
    return targets


# --- what kind of server ---------------------------------------------------------------


@dataclass(frozen=True)
class Capabilities:
    """What a target turned out to be."""

    kind: str
    """``enterprise``, ``oss`` (Vault CE), ``openbao``, ``unknown`` or ``unreachable``."""
    version: str
    detail: str

    @property
    def enterprise(self) -> bool:
        return self.kind == "enterprise"

    def describe(self) -> str:
        names = {
            "enterprise": "Vault Enterprise",
            "oss": "open-source Vault",
            "openbao": "OpenBao",
            "unknown": "an unknown server",
        }
        version = f" {self.version}" if self.version else ""
        return f"{names[self.kind]}{version} ({self.detail})"

    def skip_reason(self) -> str:
        return f"Enterprise-only check: the target is {self.describe()}"


def probe(target: Target) -> Capabilities:
    """Read the target's status and health and tell what it is (``unreachable`` when it does not answer)."""
    try:
        return detect_capabilities(target.get("status"), target.get("health"))
    except ConnectionError as exc:
        return Capabilities("unreachable", "", str(exc))


def detect_capabilities(status: Reply, health: Reply | None) -> Capabilities:
    """Tell Enterprise, open-source Vault and OpenBao apart from their status and health answers."""
    version = ""
    if health is not None and isinstance(health.body, dict):
        version = str(health.body.get("version", ""))
    data = status.body.get("data") if isinstance(status.body, dict) else None
    if status.status == 200 and isinstance(data, dict):  # noqa: PLR2004
        if "dr" in data or "performance" in data:
            return Capabilities("enterprise", version, "replication status has dr and performance")
        if data.get("mode") == "disabled":
            return Capabilities("oss", version, 'flat {"mode": "disabled"}: replication is an Enterprise feature')
    errors = " ".join(status.errors)
    if status.status == 404 and "enterprise-only feature" in errors:  # noqa: PLR2004
        return Capabilities("oss", version, "404 enterprise-only feature")
    if status.status == 404 and "unsupported path" in errors:  # noqa: PLR2004
        return Capabilities("openbao", version, "404 unsupported path: no replication paths")
    return Capabilities("unknown", version, f"status answered {status.status}")


# --- drift -------------------------------------------------------------------------------------

DRIFT_KIND = {
    "additionalProperties": "unknown-field",
    "required": "missing-field",
    "type": "type-mismatch",
    "enum": "enum-mismatch",
    "const": "enum-mismatch",
    "pattern": "format-mismatch",
    "format": "format-mismatch",
    "anyOf": "type-mismatch",
    "minimum": "value-mismatch",
    "minLength": "value-mismatch",
}


def preview(value: Any, limit: int = 200) -> Any:
    """``value`` when its JSON is short, else the start of its JSON text (a report never copies a huge value)."""
    try:
        text = json.dumps(value, default=str)
    except (ValueError, RecursionError):
        return "<not printable: nested too deeply>"
    return value if len(text) <= limit else text[:limit] + f"... ({len(text)} chars)"


def clip(text: str, limit: int = 300) -> str:
    return text if len(text) <= limit else text[:limit] + f"... ({len(text)} chars)"


def capped(lines: Sequence[str], limit: int = MAX_ISSUES) -> list[str]:
    """The first ``limit`` lines, then one saying how many more there were."""
    out = [clip(line) for line in lines[:limit]]
    if len(lines) > limit:
        out.append(f"  ... and {len(lines) - limit} more (first {limit} shown)")
    return out


def schema_issues(body: Any, schema: str, profile: str) -> tuple[list[Any], str]:
    """The issues of ``body`` against ``schema``, or [] and why they could not be computed (hostile input)."""
    from replmock.schemas import issues

    try:
        return list(issues(body, schema, profile)), ""  # type: ignore[arg-type]
    except RecursionError:
        return [], "the payload is nested too deeply to validate"
    except Exception as exc:
        return [], f"the payload could not be validated ({type(exc).__name__}: {clip(str(exc), 120)})"


def drift_entries(target: str, endpoint: str, body: Any, limit: int = MAX_ISSUES) -> list[dict[str, Any]]:
    """Every difference between ``body`` and the strict (documented) schema, classified for a schema update.

    At most ``limit`` entries per payload; when there are more, a last entry of kind ``more`` counts the rest.
    """
    found, why = schema_issues(body, RESPONSE_SCHEMA[endpoint], "strict")
    out = []
    for issue in found[:limit]:
        out.append(
            {
                "target": target,
                "endpoint": endpoint,
                "kind": DRIFT_KIND.get(issue.keyword, issue.keyword),
                "path": clip(issue.path, 200),
                "value": preview(issue.value),
                "expected": clip(issue.expected, 200),
                "message": clip(issue.message),
                "x-source": issue.source,
            }
        )
    rest = len(found) - limit
    if rest > 0 or why:
        message = why or f"{rest} more difference(s) in this payload, not listed (first {limit} shown)"
        out.append(
            {
                "target": target,
                "endpoint": endpoint,
                "kind": "unvalidated" if why else "more",
                "path": "$",
                "value": max(rest, 0),
                "expected": "",
                "message": message,
                "x-source": "replmock",
            }
        )
    return out


def write_drift_report(
    entries: Sequence[Mapping[str, Any]],
    kinds: Mapping[str, str],
    base: Path,
    secrets: Iterable[Secret | str | None] = (),
    fleet: Fleet | None = None,
) -> tuple[Path, Path]:
    """Write ``base``.json and ``base``.md, every string redacted of ``secrets``; returns both paths.

    With ``fleet``, the Markdown ends with the fleet as a Mermaid diagram (the graph of ``--report``).
    """
    hidden = list(secrets)
    entries = redact_data(list(entries), hidden)
    kinds = redact_data(dict(kinds), hidden)
    base.parent.mkdir(parents=True, exist_ok=True)
    data = {"targets": kinds, "differences": entries, "count": len(entries)}
    json_path, md_path = base.with_suffix(".json"), base.with_suffix(".md")
    json_path.write_text(json.dumps(data, indent=2, default=str) + "\n", encoding="utf-8")
    lines = [
        "# replmock drift report",
        "",
        "Differences between what the targets answered and the documented (strict) contract.",
        "",
    ]
    for name, kind in kinds.items():
        lines.append(f"- **{name}**: {kind}")
    lines.append("")
    if not entries:
        lines.append("No drift: every field seen is known, present and of the documented type.")
    else:
        lines += ["| target | endpoint | kind | path | value | expected | source |", "|---|---|---|---|---|---|---|"]
        for e in entries:
            shown = json.dumps(e["value"], default=str)[:60].replace("`", "'")  # a code span it cannot close
            value = "(absent)" if e["kind"] == "missing-field" else f"`{shown}`"
            if e["kind"] in {"more", "unvalidated"}:
                value = e["message"]
            cells = [e["target"], e["endpoint"], e["kind"], f"`{e['path']}`", value, e["expected"], e["x-source"]]
            lines.append("| " + " | ".join(str(c).replace("|", "\\|").replace("\n", " ") for c in cells) + " |")
    if fleet is not None:
        lines += ["", *(redact(line, hidden) for line in markdown_section(fleet))]
    md_path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return json_path, md_path


# --- the runner -------------------------------------------------------------------------------


def suite_dir() -> Path:
    """The contract_tests folder (inside the installed wheel, or the source checkout)."""
    return data_dir("contract_tests")


EXIT_PASSED, EXIT_BREACH, EXIT_USAGE, EXIT_UNUSABLE, EXIT_INTERRUPTED = 0, 1, 2, 3, 130
EXIT_CODES_HELP = """exit status (with several targets the worst wins: 3, then 1):
  0  every check passed (skipped checks count as passed)
  1  a target breaks the contract (a check failed)
  2  usage error: a bad option, a bad targets file, nothing to check (no target and no --self-test)
  3  a target is unusable: unreachable, TLS failure, not a Vault API, or its token was rejected (its checks
     are not run)"""


@dataclass(frozen=True)
class Option:
    """One option of the conformance suite: ``replmock conformance --help`` and the suite's pytest options both come
    from this table, so they cannot disagree."""

    flags: tuple[str, ...]
    """Command-line spellings; the last one is the pytest option (the others are aliases of the command)."""
    help: str
    metavar: str | None = None
    type: Callable[[str], Any] | None = None
    default: Any = None
    action: str | None = None
    choices: tuple[str, ...] | None = None
    hidden: bool = False

    @property
    def pytest_flag(self) -> str:
        return self.flags[-1]

    @property
    def dest(self) -> str:
        return self.pytest_flag.lstrip("-").replace("-", "_")

    def kwargs(self) -> dict[str, Any]:
        out: dict[str, Any] = {"help": self.help, "dest": self.dest}
        if self.action:
            out["action"] = self.action
        else:
            out["metavar"] = self.metavar
            if self.type is not None:
                out["type"] = self.type
            if self.choices:
                out["choices"] = list(self.choices)
        if self.default is not None:
            out["default"] = self.default
        return out

    def to_pytest(self, value: Any) -> list[str]:
        """The pytest arguments that pass ``value`` on (none for an unset value)."""
        if value is None or value is False or value == self.default:
            return []
        if self.action == "store_true":
            return [self.pytest_flag]
        if self.action == "append":
            return [f"{self.pytest_flag}={v}" for v in value]
        return [f"{self.pytest_flag}={value}"]


OPTIONS: tuple[Option, ...] = (
    Option(("--self-test",), "check replmock's own mock (started for the run) instead of a Vault", action="store_true"),
    Option(("--vault-addr",), "Vault to check (default: $VAULT_ADDR)", metavar="URL"),
    Option(
        ("--vault-token",),
        "token for --vault-addr; prefer $VAULT_TOKEN or ~/.vault-token: a command line is visible in ps",
        metavar="T",
    ),
    Option(("--vault-nonsudo-token",), "a valid token without sudo, to check that reindex refuses it", metavar="T"),
    Option(("--targets",), "TOML file of [[target]] tables (name, address, token or token_env)", metavar="FILE"),
    Option(
        ("--timeout", "--replmock-timeout"),
        f"seconds a whole request may take (default {DEFAULT_TIMEOUT:g}); a target is given up after two timeouts",
        metavar="S",
        type=float,
        default=DEFAULT_TIMEOUT,
    ),
    Option(
        ("--retries", "--replmock-retries"),
        f"retries of a read (GET) that could not connect or lost its connection, with back-off (default "
        f"{DEFAULT_RETRIES}); writes are never retried",
        metavar="N",
        type=int,
        default=DEFAULT_RETRIES,
    ),
    Option(
        ("--replmock-profile",),
        "schema profile: lenient (default) or strict",
        metavar="P",
        default="lenient",
        choices=("lenient", "strict"),
    ),
    Option(
        ("--replmock-allow-mutations",),
        "allow checks that send writes (recover; the POST reindex sudo check); without it only GET is sent",
        action="store_true",
    ),
    Option(
        ("--replmock-allow-reindex",), "also run a real reindex (needs --replmock-allow-mutations)", action="store_true"
    ),
    Option(
        ("--replmock-drift-report",),
        "write PATH.json and PATH.md listing drift from the documented schema",
        metavar="PATH",
    ),
    Option(
        ("--report", "--replmock-report"),
        "write a self-contained HTML picture of the fleet (clusters, replication links with state, WAL lag and "
        "canary age, failed checks) to FILE",
        metavar="FILE",
    ),
    Option(
        ("--replmock-polls",),
        "reads per target for the WAL monotonicity check (default 3)",
        metavar="N",
        type=int,
        default=3,
    ),
    Option(
        ("--replmock-poll-interval",),
        "seconds between those reads on a real server (default 1)",
        metavar="S",
        type=float,
        default=1.0,
    ),
    Option(("--replmock-scenario",), "the mock's scenario with --self-test (default four-cluster)", metavar="NAME"),
    Option(("--replmock-seed",), "the mock's seed with --self-test (default 0)", metavar="N", type=int),
    Option(
        ("--replmock-unusable",),
        "internal: a target that failed preflight, whose checks are not run",
        metavar="NAME",
        action="append",
        hidden=True,
    ),
)
DEFAULT_MOCK_SCENARIO = "four-cluster"
MOCK_TOKEN, MOCK_NONSUDO = "replmock-root", "replmock-app"
TOKEN_FILE = ".vault-token"  # noqa: S105 - a file name
"""The vault CLI's token helper file, in the home directory."""


def add_options(add: Callable[..., Any], *, hidden: Any = None, command: bool = False) -> None:
    """Declare every option with ``add`` (argparse's ``add_argument`` or pytest's ``addoption``).

    ``command``: the spellings of ``replmock conformance`` (with aliases); otherwise the pytest flag only.
    ``hidden``: the "suppress" help value of that parser for internal options.
    """
    for option in OPTIONS:
        kwargs = option.kwargs()
        if option.hidden and hidden is not None:
            kwargs["help"] = hidden
        add(*(option.flags if command else (option.pytest_flag,)), **kwargs)


def pytest_args(values: Mapping[str, Any]) -> list[str]:
    """The pytest arguments passing on every option set in ``values`` (by dest)."""
    return [arg for option in OPTIONS for arg in option.to_pytest(values.get(option.dest))]


@dataclass(repr=False)
class Plan:
    """What a run checks: the targets (with their tokens) or, for --self-test, the mock's scenario and seed."""

    targets: list[Target]
    scenario: str | None = None
    seed: int = 0
    notes: list[str] = field(default_factory=list)
    """Warnings to print before the run (never a token)."""


def token_file() -> Secret | None:
    """The vault CLI's ~/.vault-token, when it exists and is not empty."""
    path = Path("~").expanduser() / TOKEN_FILE
    try:
        text = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return Secret(text) if text else None


def _check_values(values: Mapping[str, Any]) -> tuple[float, int]:
    """The timeout and retries, once every option value is known to be acceptable (else a UsageError)."""
    if values.get("replmock_allow_reindex") and not values.get("replmock_allow_mutations"):
        msg = "--replmock-allow-reindex also needs --replmock-allow-mutations (reindex changes the server)"
        raise UsageError(msg)
    if int(values.get("replmock_polls") or 3) < 2:  # noqa: PLR2004
        msg = "--replmock-polls must be at least 2 to compare reads"
        raise UsageError(msg)
    timeout = values.get("replmock_timeout", DEFAULT_TIMEOUT)
    if timeout is None or not timeout > 0 or timeout == float("inf"):
        msg = f"--timeout must be a positive number of seconds, got {timeout}"
        raise UsageError(msg)
    retries = values.get("replmock_retries", DEFAULT_RETRIES)
    if retries is None or not 0 <= retries <= 10:  # noqa: PLR2004
        msg = f"--retries must be a whole number from 0 to 10, got {retries}"
        raise UsageError(msg)
    return float(timeout), int(retries)


def plan(values: Mapping[str, Any]) -> Plan:
    """Check the options (by dest) and resolve the targets; a :class:`UsageError` says what is wrong."""
    timeout, retries = _check_values(values)
    addr, targets_file = values.get("vault_addr"), values.get("targets")
    self_test = bool(values.get("self_test")) or values.get("replmock_scenario") is not None
    if targets_file and addr:
        msg = "give either --vault-addr or --targets, not both"
        raise UsageError(msg)
    if self_test and (targets_file or addr):
        msg = "--self-test checks replmock's own mock; it cannot be combined with --vault-addr or --targets"
        raise UsageError(msg)
    notes = []
    if values.get("vault_token"):
        notes.append(
            "warning: --vault-token puts the token on the command line, where other users of this machine can "
            "read it (ps, /proc); prefer VAULT_TOKEN, token_env in a targets file, or ~/.vault-token"
        )
    if self_test:
        return _self_test_plan(values, notes)
    if targets_file:
        targets = load_targets(str(targets_file))
    else:
        token = values.get("vault_token") or os.environ.get("VAULT_TOKEN") or None
        one = target_from_env(addr, token, values.get("vault_nonsudo_token"))
        if one is None:
            msg = (
                "nothing to check: set VAULT_ADDR (and VAULT_TOKEN) or give --vault-addr URL, or --targets FILE for "
                "several clusters; --self-test checks replmock's own mock instead"
            )
            raise UsageError(msg)
        if one.token is None:
            one.token = token_file()
        targets = [one]
    for one in targets:
        one.timeout, one.retries = timeout, retries
    return Plan(targets, notes=notes)


def _self_test_plan(values: Mapping[str, Any], notes: list[str]) -> Plan:
    from replmock.generate.scenarios import get_scenario, scenario_names

    name = values.get("replmock_scenario") or DEFAULT_MOCK_SCENARIO
    if name not in scenario_names():
        msg = f"unknown scenario {name!r} for --replmock-scenario; choose one of: {', '.join(scenario_names())}"
        raise UsageError(msg)
    targets = [
        Target(spec.name, "http://pending", secret(MOCK_TOKEN), secret(MOCK_NONSUDO), mock=True)
        for spec in get_scenario(name).spec.clusters
    ]
    for one in targets:
        one.timeout = float(values.get("replmock_timeout") or DEFAULT_TIMEOUT)
        one.retries = int(values.get("replmock_retries") or 0)
    return Plan(targets, name, int(values.get("replmock_seed") or 0), notes)


# --- preflight -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Preflight:
    """What preflight found about one target: its kind, or the one line saying why it is unusable."""

    target: str
    capabilities: Capabilities | None
    problem: str = ""

    @property
    def usable(self) -> bool:
        return not self.problem


_ADVICE = {
    "tls": "check the certificate: set VAULT_CACERT (or ca_cert in the targets file) to the CA that signed it, "
    "VAULT_CLIENT_CERT/VAULT_CLIENT_KEY if it wants a client certificate",
    "connect": "check the address and port, and that Vault listens there and this machine may reach it",
    "timeout": "the server did not answer in time: check it is not overloaded or behind a silent firewall, or raise "
    "--timeout",
}


_STOP = "[^(')\\]\"]+"
_REASONS = (
    re.compile("certificate verify failed: " + _STOP),
    re.compile(r"\[SSL: [A-Z_]+\] " + _STOP),
    re.compile(r"\[Errno -?\d+\] " + _STOP),
    re.compile(r"Read timed out|timed out"),
)


def short_reason(message: str) -> str:
    """The telling part of a connection error (``[Errno 111] Connection refused``, ``certificate verify failed: ...``)."""
    for pattern in _REASONS:
        found = pattern.search(message)
        if found:
            return found.group(0).strip(" .")
    return clip(message, 200)


def _vault_like(reply: Reply) -> bool:
    """Whether an answer has the shape of one of Vault's: a JSON object with data, errors or health fields."""
    body = reply.body
    return isinstance(body, dict) and bool({"data", "errors", "initialized", "sealed", "mode"} & set(body))


def preflight(target: Target) -> Preflight:
    """Before any check: reachable, TLS accepted, token valid (``auth/token/lookup-self``, a read), and what it is.

    A failure is one line: what failed, at which address, and what to do. Sends only reads.
    """
    where = safe_address(target.address)
    try:
        health = target.get("health")
    except RequestFailed as exc:
        what = {"tls": "TLS failure", "connect": "unreachable", "timeout": "no answer"}.get(exc.kind, "unusable")
        advice = _ADVICE.get(exc.kind, "check the address and the server")
        detail = short_reason(redact(str(exc), target.secrets()))
        return Preflight(target.name, None, f"{target.name}: {what} at {where}: {detail}; {advice}")
    try:
        if target.token is not None:
            lookup = target.request("GET", "/v1/auth/token/lookup-self", token=target.token)
            if lookup.status in {401, 403}:
                return Preflight(
                    target.name,
                    None,
                    f"{target.name}: token rejected at {where} (GET auth/token/lookup-self answered {lookup.status}): "
                    "check VAULT_TOKEN (or token_env / token in the targets file, or ~/.vault-token) is a live token "
                    "of this cluster",
                )
        status = target.get("status")
        caps = detect_capabilities(status, health)
        if caps.kind == "unknown" and not _vault_like(health) and not _vault_like(status):
            return Preflight(
                target.name,
                None,
                f"{target.name}: not a Vault API at {where}: GET sys/health answered {health.status} and "
                f"GET sys/replication/status answered {status.status}, neither with Vault's JSON; check the address "
                "is Vault's API listener (such as https://vault.example:8200), not a proxy, a load balancer's "
                "default page or another service",
            )
    except RequestFailed as exc:
        detail = short_reason(redact(str(exc), target.secrets()))
        return Preflight(target.name, None, f"{target.name}: unusable at {where}: {detail}; {_ADVICE['connect']}")
    return Preflight(target.name, caps)


def _pytest_code(code: int) -> int:
    """pytest's exit code as the command's: failures 1, usage and nothing collected 2, interrupted 130."""
    return {0: EXIT_PASSED, 1: EXIT_BREACH, 2: EXIT_INTERRUPTED, 4: EXIT_USAGE, 5: EXIT_USAGE}.get(code, EXIT_BREACH)


def conformance_command(args: argparse.Namespace, extra: list[str], out: IO[str], err: IO[str]) -> int:
    """``replmock conformance``: check the options, preflight every target, then run the packaged suite with pytest.

    Exit codes: :data:`EXIT_CODES_HELP`.
    """
    values = vars(args)
    try:
        run_plan = plan(values)
    except UsageError as exc:
        print(f"replmock conformance: {str(exc).removeprefix('replmock: ')}", file=err)
        return EXIT_USAGE
    for note in run_plan.notes:
        print(f"replmock conformance: {note}", file=err)
    unusable = []
    for one in run_plan.targets:
        if one.mock:
            continue
        found = preflight(one)
        if found.usable and found.capabilities is not None:
            print(
                redact(
                    f"replmock conformance: {one.name} at {safe_address(one.address)}: {found.capabilities.describe()}",
                    one.secrets(),
                ),
                file=out,
            )
        else:
            print(f"replmock conformance: {found.problem}", file=err)
            unusable.append(one.name)
        one.close()
    if unusable and len(unusable) == len(run_plan.targets):
        print(
            f"replmock conformance: no checks run: {len(unusable)} target(s) unusable (exit {EXIT_UNUSABLE})", file=err
        )
        return EXIT_UNUSABLE
    import pytest

    argv = [
        str(suite_dir()),
        "-p",
        "no:cacheprovider",
        f"--rootdir={suite_dir()}",
        "-c",
        str(suite_dir() / "pytest.ini"),
    ]
    # replmock is imported already (this command is part of it), so pytest cannot rewrite its asserts; say nothing.
    argv += ["-W", "ignore::pytest.PytestAssertRewriteWarning"]
    passed = dict(values)
    passed["replmock_unusable"] = unusable or None
    code = _pytest_code(int(pytest.main([*argv, *pytest_args(passed), *extra], plugins=[_Prog()])))
    if unusable:
        print(
            f"replmock conformance: {', '.join(unusable)} unusable (preflight failed, checks not run): exit "
            f"{EXIT_UNUSABLE}",
            file=err,
        )
        return max(code, EXIT_UNUSABLE) if code != EXIT_INTERRUPTED else code
    return code


class _Prog:
    """pytest plugin of the runner: pytest's own usage errors name ``replmock conformance``, not ``pytest.main()``."""

    def pytest_addoption(self, parser: Any) -> None:
        with contextlib.suppress(AttributeError):  # the setter exists in pytest 8+
            parser.prog = "replmock conformance"
