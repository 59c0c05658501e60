"""Conformance: targets, capability detection, drift classification and the runner of the contract_tests suite."""

from __future__ import annotations

import base64
import contextlib
import importlib
import json
import os
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
MAX_TIMEOUTS = 2
"""After this many timed-out requests a target is given up: its later requests fail at once."""
MAX_BODY = 4 * 1024 * 1024
"""Bytes of a response body read at most; a longer answer fails the check."""
MAX_DEPTH = 64
"""JSON nesting accepted in a response; deeper bodies count as not JSON (Vault's payloads nest 5 levels)."""
MAX_ISSUES = 50
"""Issues listed per payload in a check failure or the drift report; the rest are counted."""
MAX_REDIRECTS = 5
_DEFAULT_PORTS = {"http": 80, "https": 443}


class RequestFailed(ConnectionError):
    """A request that got no usable answer (refused, reset, timeout, TLS, too large...). The message is safe to print."""


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


def _tracking_adapter(register: Callable[[socket.socket], None]) -> Any:
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

    return _Adapter()


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
    _user: str | None = None
    _password: Secret | None = None
    _session: requests.Session | None = None
    _sockets: list[socket.socket] = field(default_factory=list)
    _aborted: bool = False
    _timeouts: int = 0

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
            adapter = _tracking_adapter(self._register)
            session.mount("http://", adapter)
            session.mount("https://", adapter)
            self._session = session
        return self._session

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
        failure = ""
        try:
            data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
            return self._exchange(method.upper(), self.address.rstrip("/") + path, token, data)
        except _Timeout:
            self._timeouts += 1
            failure = f"{what} got no complete answer within {self.timeout:g}s (the deadline of a whole request)"
        except Exception as exc:
            failure = f"{what} failed: {type(exc).__name__}: {redact(str(exc), self.secrets())[:300]}"
        # raised outside the except block: no chained exception, no frame holding the request's headers
        raise RequestFailed(failure)

    def _exchange(self, method: str, url: str, token: Secret | None, data: bytes | None) -> Reply:
        deadline = time.monotonic() + self.timeout
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
            timeout=(remaining, remaining),
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


def redact(text: str, secrets: Iterable[Secret | str | None]) -> str:
    """``text`` with every secret replaced by ``<redacted>``."""
    return _redact(text, secrets)


_TRUE, _FALSE = {"1", "t", "T", "TRUE", "true", "True"}, {"0", "f", "F", "FALSE", "false", "False"}


def _env_bool(name: str) -> bool:
    """A boolean environment variable read as Vault does (Go's strconv.ParseBool); unset or "" is false."""
    value = os.environ.get(name, "")
    if value == "" or value in _FALSE:
        return False
    if value in _TRUE:
        return True
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
) -> tuple[Path, Path]:
    """Write ``base``.json and ``base``.md, every string redacted of ``secrets``; returns both paths."""
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
            value = "(absent)" if e["kind"] == "missing-field" else f"`{json.dumps(e['value'], default=str)[:60]}`"
            if e["kind"] in {"more", "unvalidated"}:
                value = e["message"]
            cells = [e["target"], e["endpoint"], e["kind"], f"`{e['path']}`", value, e["expected"], e["x-source"]]
            lines.append("| " + " | ".join(str(c).replace("|", "\\|").replace("\n", " ") for c in cells) + " |")
    md_path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return json_path, md_path


# --- the runner -------------------------------------------------------------------------------


def suite_dir() -> Path:
    """The contract_tests folder (inside the installed wheel, or the source checkout)."""
    return data_dir("contract_tests")


def conformance_command(args: argparse.Namespace, extra: list[str], out: IO[str], err: IO[str]) -> int:
    """``replmock conformance``: run the packaged suite with pytest; returns pytest's exit code."""
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
    if args.vault_addr:
        argv.append(f"--vault-addr={args.vault_addr}")
    return int(pytest.main([*argv, *extra]))
