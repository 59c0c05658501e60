"""MockVault: one node of a topology served over HTTP by pytest-httpserver, with Vault's semantics."""

from __future__ import annotations

import contextlib
import difflib
import hashlib
import json
import os
import re
import socket
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from replmock._errors import ReplmockError, UsageError
from replmock.generate import payloads
from replmock.generate.scenarios import scenario as build_scenario
from replmock.schemas import RESPONSE_SCHEMA
from replmock.server import vaultapi as api
from replmock.server.faults import DEFAULT_ERRORS, Fault, Faults, apply_drift, make_fault
from replmock.server.journal import Journal, JournalEntry, body_for_journal, headers_of, redact_headers

if TYPE_CHECKING:  # pragma: no cover
    from ssl import SSLContext
    from types import TracebackType

    from replmock.model import Topology


class UnexpectedRequestError(ReplmockError, AssertionError):
    """Requests that matched nothing the mock serves (raised by :meth:`MockVault.check` in strict mode)."""


class ResponseSchemaError(ReplmockError, AssertionError):
    """The mock sent a body its own schemas reject (only with ``validate_responses=True``)."""


class _Answer:
    """What the Vault logic decided: status, JSON body (or None) and extra headers."""

    __slots__ = ("body", "expected", "headers", "status", "text")

    def __init__(
        self,
        status: int,
        body: Any = None,
        *,
        expected: bool = True,
        headers: dict[str, str] | None = None,
        text: str | None = None,
    ) -> None:
        self.status = status
        self.body = body
        self.expected = expected
        self.headers = headers or {}
        self.text = text
        """The body already serialized (the cached path of status reads); ``body`` is then None."""


def _error(status: int, message: str, *, expected: bool = True) -> _Answer:
    return _Answer(status, {"errors": [message]}, expected=expected)


class _QuietHTTPServer(HTTPServer):
    """pytest-httpserver without its unbounded (request, response) log: the journal replaces it."""

    def application(self, request: Request) -> Response:
        request.get_data()
        return self.dispatch(request)

    def thread_target(self) -> None:
        # socketserver polls for shutdown every 0.5 s by default, which made stop() cost half
        # a second (pytest-httpserver#32); 50 ms keeps it cheap at no measurable CPU cost.
        assert self.server is not None  # noqa: S101 - start() set it
        self.server.serve_forever(poll_interval=0.05)


class MockVault:
    """A mock Vault Enterprise node serving the replication API of one cluster of a topology.

    >>> with MockVault(scenario="perf-secondary", seed=1) as vault:  # doctest: +SKIP
    ...     requests.get(vault.url + "/v1/sys/replication/status").json()["data"]["performance"]["mode"]
    'secondary'

    Status paths need no token; ``recover`` needs any known token; ``reindex`` needs the
    root token (sudo). State and time come from the topology, which may be shared with
    the other clusters' servers (see :class:`MockTopology`).
    """

    def __init__(
        self,
        topology: Topology | None = None,
        *,
        scenario: str = "perf-primary",
        seed: int = 0,
        cluster: str | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        root_token: str = "root",
        tokens: Iterable[str] = (),
        ssl_context: SSLContext | None = None,
        strict: bool = True,
        validate_responses: bool | None = None,
        threaded: bool = True,
        journal_limit: int | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.topology = topology if topology is not None else build_scenario(scenario, seed)
        self.cluster = cluster or self.topology.focus
        self.topology.cluster(self.cluster)  # fail early on a wrong name
        self.root_token = root_token
        self.tokens = {root_token: True, **{t: False for t in tokens if t != root_token}}
        self.strict = strict
        if validate_responses is None:  # a test suite can turn it on for every mock it starts
            validate_responses = os.environ.get("REPLMOCK_VALIDATE_RESPONSES", "") == "1"
        self.validate_responses = validate_responses
        self.faults = Faults()
        self.journal = Journal(journal_limit)
        self.errors: list[BaseException] = []
        self._sleep = sleep
        self._initial = (root_token, dict(self.tokens), sleep)
        self._count = 0
        self._lock = threading.Lock()
        self._views: dict[str, tuple[Any, str]] = {}
        self._server = _QuietHTTPServer(host=host, port=port, ssl_context=ssl_context, threaded=threaded)
        self._server.no_handler_status_code = 404
        self._server.expect_request(re.compile(r".*")).respond_with_handler(self._handle)

    def __repr__(self) -> str:
        where = self.url if self.running else "not running"
        return f"<MockVault cluster={self.cluster} scenario={self.topology.name} seed={self.topology.seed} {where}>"

    # --- lifecycle ---------------------------------------------------------------

    def start(self) -> MockVault:
        """Start serving (on a free port when ``port=0``) and point the topology's address at it."""
        if not self._server.is_running():
            if self._server.port:  # fail cleanly before werkzeug prints its own message and exits
                with socket.socket(socket.AF_INET6 if ":" in self._server.host else socket.AF_INET) as probe:
                    try:
                        probe.bind((self._server.host, self._server.port))
                    except OSError as exc:
                        msg = f"cannot listen on {self._server.host}:{self._server.port}: {exc.strerror or exc}"
                        raise UsageError(msg) from None
            try:
                self._server.start()
            except (OSError, SystemExit) as exc:  # werkzeug exits on "address already in use"
                reason = getattr(exc, "strerror", None) or "the address is in use or not available"
                msg = f"cannot listen on {self._server.host}:{self._server.port}: {reason}"
                raise UsageError(msg) from None
        self.topology.set_api_address(self.cluster, self.url)
        return self

    def stop(self) -> None:
        if self._server.is_running():
            self._server.stop()

    @property
    def running(self) -> bool:
        return bool(self._server.is_running())

    def __enter__(self) -> MockVault:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """Base URL, such as ``http://127.0.0.1:40123`` (what VAULT_ADDR should be)."""
        scheme = "https" if self._server.ssl_context is not None else "http"
        return f"{scheme}://{self._server.format_host(self._server.host)}:{self._server.port}"

    @property
    def port(self) -> int:
        return int(self._server.port)

    def reset(self, topology: Topology | None = None, cluster: str | None = None) -> None:
        """Forget requests, faults and errors; optionally serve a new topology (a fresh test)."""
        with self._lock:
            if topology is not None:
                self.topology = topology
                self.cluster = cluster or topology.focus
                self.topology.cluster(self.cluster)
                if self.running:
                    self.topology.set_api_address(self.cluster, self.url)
            self.root_token, tokens, self._sleep = self._initial
            self.tokens = dict(tokens)
            self.faults.clear()
            self.journal.clear()
            self.errors.clear()
            self._views.clear()
            self._count = 0

    # --- time and state ------------------------------------------------------------

    def advance(self, seconds: float) -> None:
        """Advance the topology's clock (shared by every cluster of the topology)."""
        self.topology.advance(seconds)

    def status(self, endpoint: str = "status") -> dict[str, Any] | None:
        """What the mock would answer now as ``data`` (without a request)."""
        return payloads.view(self.topology, self.cluster, endpoint)

    # --- faults ------------------------------------------------------------------------

    def fault(self, kind: str, endpoint: str | None = None, *, times: int | None = None, **params: Any) -> Fault:
        """Inject a fault (see :mod:`replmock.server.faults`); ``times=None`` keeps it until cleared."""
        __tracebackhide__ = True
        if endpoint is not None and endpoint not in api.ENDPOINT_NAMES:
            msg = f"unknown endpoint {endpoint!r}; expected one of: {', '.join(api.ENDPOINT_NAMES)} (or None for all)"
            raise UsageError(msg)
        return self.faults.add(make_fault(kind, endpoint=endpoint, times=times, **params))

    def fail(
        self, status: int, errors: list[str] | None = None, endpoint: str | None = None, *, times: int | None = 1
    ) -> Fault:
        """Answer ``status`` with a Vault error body (Vault's usual text for 429, 500, 502, 503)."""
        __tracebackhide__ = True
        if not isinstance(status, int) or status < 400:  # noqa: PLR2004
            msg = f"fail() answers an error status (400-599), got {status!r}; for a redirect use standby()"
            raise UsageError(msg)
        errors = errors if errors is not None else [DEFAULT_ERRORS.get(status, "internal error")]
        return self.fault("status", endpoint, times=times, status=status, errors=errors)

    def sealed(self, endpoint: str | None = None, *, times: int | None = None) -> Fault:
        """503 ``Vault is sealed`` until cleared (or ``times`` requests); sys/health reports ``sealed: true``."""
        return self.fault("status", endpoint, times=times, status=503, errors=["Vault is sealed"], node_state="sealed")

    def rate_limited(self, endpoint: str | None = None, *, times: int | None = 1) -> Fault:
        return self.fail(429, ["rate limit quota exceeded"], endpoint, times=times)

    def standby(self, endpoint: str | None = None, *, redirect: bool = True, times: int | None = 1) -> Fault:
        """A standby that cannot forward: 307 to the active node, or 503 ``no active Vault instance found``.

        sys/health answers as a standby does: 429 (200 with ``standbyok``) and ``standby: true``.
        """
        if redirect:
            return self.fault(
                "status",
                endpoint,
                times=times,
                status=307,
                errors=[],
                headers={"Location": "{active}"},
                node_state="standby",
            )
        return self.fault(
            "status", endpoint, times=times, status=503, errors=["no active Vault instance found"], node_state="standby"
        )

    def latency(self, seconds: float, endpoint: str | None = None, *, times: int | None = None) -> Fault:
        return self.fault("latency", endpoint, times=times, seconds=seconds)

    def drop(self, endpoint: str | None = None, *, times: int | None = 1) -> Fault:
        """Close the connection without an answer."""
        return self.fault("drop", endpoint, times=times)

    def truncate(self, endpoint: str | None = None, *, times: int | None = 1) -> Fault:
        """Send half the body and close the connection."""
        return self.fault("truncate", endpoint, times=times)

    def garbage(self, endpoint: str | None = None, *, times: int | None = 1, status: int = 200) -> Fault:
        """Answer an HTML page (what a load balancer in front of Vault sends) instead of JSON."""
        return self.fault("garbage", endpoint, times=times, status=status)

    def drift(
        self, op: str, field_name: str, *, to: Any = None, endpoint: str | None = None, times: int | None = None
    ) -> Fault:
        """Change a field in every successful body: ``remove``, ``rename`` (to ``to``), ``retype``, or ``enum`` (unknown value)."""
        __tracebackhide__ = True
        from replmock.schemas import known_fields

        known = known_fields()
        if field_name not in known:
            close = difflib.get_close_matches(field_name, sorted(known), n=3)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            msg = f"no replication payload has a field {field_name!r}{hint}"
            raise UsageError(msg)
        return self.fault("drift", endpoint, times=times, op=op, field_name=field_name, to=to)

    def clear_faults(self) -> None:
        self.faults.clear()

    # --- journal and checks ---------------------------------------------------------------

    def requests(self, endpoint: str | None = None, method: str | None = None) -> list[JournalEntry]:
        """Recorded requests, optionally for one endpoint name (or path) and method."""
        return self.journal.find(endpoint, method)

    def assert_requested(self, endpoint: str, method: str | None = None, times: int | None = None) -> None:
        """Fail unless ``endpoint`` was requested (exactly ``times`` times when given)."""
        found = self.requests(endpoint, method)
        what = f"{method + ' ' if method else ''}{endpoint}"
        if times is None and not found:
            raise AssertionError(f"replmock: {what} was never requested; requests were:\n{self._journal_text()}")
        if times is not None and len(found) != times:
            raise AssertionError(
                f"replmock: {what} was requested {len(found)} time(s), expected {times}:\n{self._journal_text()}"
            )

    def assert_not_requested(self, endpoint: str, method: str | None = None) -> None:
        found = self.requests(endpoint, method)
        if found:
            raise AssertionError(f"replmock: {endpoint} was requested {len(found)} time(s):\n{self._journal_text()}")

    def _journal_text(self) -> str:
        lines = [f"  {e.line()}" for e in self.journal]
        return "\n".join(lines) or "  (none)"

    def check(self) -> None:
        """Raise the first problem: an error inside the mock, a bad response, or (strict) an unexpected request."""
        if self.errors:
            raise self.errors[0]
        if self.strict:
            unexpected = self.journal.unexpected()
            if unexpected:
                raise UnexpectedRequestError(self.explain_unexpected(unexpected))

    def explain_unexpected(self, entries: list[JournalEntry]) -> str:
        lines = [f"{len(entries)} request(s) matched nothing the mock Vault of cluster {self.cluster} serves:"]
        for e in entries:
            hint = f" ({e.suggestion})" if e.suggestion else ""
            lines.append(f"  {e.line()}{hint}")
        lines.append("It serves:")
        lines.extend(f"  {'|'.join(sorted(r.methods))} {r.path} (auth: {r.auth})" for r in api.ROUTES)
        lines.append("Pass strict=False (or @pytest.mark.replmock(strict=False)) to allow such requests.")
        return "\n".join(lines)

    # --- request handling ------------------------------------------------------------------

    def _request_id(self) -> str:
        with self._lock:
            self._count += 1
            n = self._count
        h = hashlib.sha256(f"{self.topology.seed}/{self.cluster}/{n}".encode()).hexdigest()
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"

    def _handle(self, request: Request) -> Response:
        route = api.route_for(request.path)
        endpoint = route.endpoint if route else None
        raw = request.get_data(cache=True)
        applied: list[str] = []
        try:
            faults = self.faults.take(endpoint)
            applied = [f.describe() for f in faults]
            response, answer = self._respond(request, route, raw, faults)
        except Exception as exc:
            self.errors.append(exc)
            answer = _error(500, "internal error")
            response = self._json_response(answer)
        self.journal.add(
            JournalEntry(
                method=request.method,
                path=request.path,
                query=request.query_string.decode("latin-1"),
                headers=redact_headers(headers_of(request.environ)),
                body=body_for_journal(raw),
                status=response.status_code,
                endpoint=endpoint,
                expected=answer.expected,
                suggestion=None if answer.expected else api.hint(request.method, request.path),
                faults=tuple(applied),
            )
        )
        return response

    def _respond(
        self, request: Request, route: api.Route | None, raw: bytes, faults: list[Fault]
    ) -> tuple[Response, _Answer]:
        state = next((f.node_state for f in faults if f.node_state), None)
        if state and route is not None and route.endpoint == "health":
            faults = [f for f in faults if not f.node_state]  # health answers with the node's state instead
        else:
            state = None
        early = self._connection_faults(request, faults)
        if early is not None:
            return early
        fast = not self.validate_responses and not any(f.kind == "drift" for f in faults)
        answer = self._health(request, state) if state else self._vault(request, route, raw, fast=fast)
        drifted = False
        for fault in faults:
            if fault.kind == "drift" and answer.status < 400 and answer.body is not None:  # noqa: PLR2004
                answer.body, changed = apply_drift(answer.body, fault)
                drifted = drifted or changed > 0
        if self.validate_responses and not drifted and route is not None and answer.body is not None:
            self._validate(route.endpoint, answer)
        response = self._json_response(answer, head=request.method == "HEAD")
        if any(f.kind == "truncate" for f in faults):
            data = response.get_data()
            response = Response(data[: max(1, len(data) // 2)], answer.status, content_type="application/json")
            response.headers["Content-Length"] = str(len(data))
            response.headers["Connection"] = "close"
        return response, answer

    def _connection_faults(self, request: Request, faults: list[Fault]) -> tuple[Response, _Answer] | None:
        """Faults that replace Vault's answer: latency first, then a drop, a status or garbage."""
        for fault in faults:
            if fault.kind == "latency":
                self._sleep(fault.seconds)
        for fault in faults:
            if fault.kind == "drop":
                return self._drop(request), _Answer(0)
            if fault.kind == "status":
                headers = {
                    k: v.replace("{active}", self.url + request.full_path.rstrip("?")) for k, v in fault.headers.items()
                }
                answer = _Answer(fault.status, {"errors": list(fault.errors or [])}, headers=headers)
                return self._json_response(answer), answer
            if fault.kind == "garbage":
                page = "<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>\n"
                return Response(page, fault.status, content_type="application/json"), _Answer(fault.status)
        return None

    @staticmethod
    def _drop(request: Request) -> Response:
        sock = request.environ.get("werkzeug.socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        return Response(b"", 500, headers={"Connection": "close"})

    def _json_response(self, answer: _Answer, *, head: bool = False) -> Response:
        headers = {"Cache-Control": "no-store", **answer.headers}
        if head:
            body = b""
        elif answer.text is not None:
            body = (answer.text + "\n").encode()
        else:
            body = b"" if answer.body is None else (json.dumps(answer.body) + "\n").encode()
        return Response(body, answer.status, headers=headers, content_type="application/json")

    def _validate(self, endpoint: str, answer: _Answer) -> None:
        from replmock.schemas import validate

        is_error = isinstance(answer.body, dict) and "errors" in answer.body
        schema = "error" if is_error else RESPONSE_SCHEMA[endpoint]
        report = validate(answer.body, schema, "strict")
        if not report.ok:
            problems = "; ".join(map(str, report.issues))
            self.errors.append(
                ResponseSchemaError(f"{endpoint} answered a body its schema {schema} rejects: {problems}")
            )

    # --- Vault's logic ------------------------------------------------------------------

    def _read(self, endpoint: str, *, fast: bool) -> _Answer:
        """A status read; with ``fast``, the data's JSON is reused while the state and time stand still."""
        top = self.topology
        if not fast:
            data = payloads.view(top, self.cluster, endpoint)
            if data is None:
                return _Answer(404, dict(payloads.ENTERPRISE_ONLY))
            return _Answer(200, payloads.envelope(data, self._request_id()))
        with top.lock:
            top.sync()
            key = (id(top), top.version, top.now(), self.cluster)
            cached = self._views.get(endpoint)
            if cached is None or cached[0] != key:
                data = payloads.view(top, self.cluster, endpoint)
                cached = (key, "" if data is None else json.dumps(data))
                self._views[endpoint] = cached
        if not cached[1]:
            return _Answer(404, dict(payloads.ENTERPRISE_ONLY))
        # The envelope in Vault's key order around the cached data (what payloads.envelope builds).
        text = (
            f'{{"request_id": "{self._request_id()}", "lease_id": "", "renewable": false, "lease_duration": 0, '
            f'"data": {cached[1]}, "wrap_info": null, "warnings": null, "auth": null, "mount_type": "system"}}'
        )
        return _Answer(200, text=text)

    def _vault(self, request: Request, route: api.Route | None, raw: bytes, *, fast: bool = False) -> _Answer:  # noqa: C901, PLR0911, PLR0912
        method = request.method.upper()
        if method not in api.KNOWN_METHODS:
            return _Answer(405, {"errors": []}, expected=False)
        token = api.token_of(request.environ)
        known = token in self.tokens
        params: dict[str, Any] = {}
        if method in api.WRITE_METHODS:  # Vault decodes a write's JSON body before routing and auth
            try:
                params = api.decode_body(raw)
            except api.BodyError as exc:
                return _error(400, str(exc), expected=route is not None)
        if route is None:
            if not known:
                return _error(403, api.PERMISSION_DENIED, expected=False)
            return _error(404, api.MULTI.format(api.UNSUPPORTED_PATH), expected=False)
        if api.namespace_of(request.environ):
            return _error(400, api.NAMESPACE_REFUSED)
        if method not in route.methods:
            if route.auth != "none" and not known:
                return _error(403, api.PERMISSION_DENIED)
            return _error(405, api.MULTI.format(api.UNSUPPORTED_OPERATION), expected=False)
        cluster = self.topology.cluster(self.cluster)
        if route.endpoint == "health":
            return self._health(request)
        if route.auth == "none":
            return self._read(route.endpoint, fast=fast)
        if cluster.edition == "enterprise" and self.topology.role(self.cluster, "dr").mode == "secondary":
            return _error(400, api.DR_SECONDARY_DISABLED)
        if not known:
            return _error(403, api.PERMISSION_DENIED)
        if route.auth == "sudo" and not self.tokens[token]:  # type: ignore[index]
            return _error(403, api.MULTI.format(api.PERMISSION_DENIED))
        if cluster.edition == "oss":
            return _Answer(404, dict(payloads.ENTERPRISE_ONLY))
        try:
            if route.endpoint == "reindex":
                flags = {name: api.parse_bool(name, params.get(name)) for name in sorted(route.params)}
                warnings = self.topology.reindex(self.cluster, **flags)
            else:
                warnings = self.topology.recover(self.cluster)
        except api.BodyError as exc:
            return _error(400, str(exc))
        extra = api.unrecognized_warning(params, route.params)
        return _Answer(200, payloads.envelope(None, self._request_id(), [*warnings, *([extra] if extra else [])]))

    def _health(self, request: Request, state: str | None = None) -> _Answer:
        args = request.args
        try:
            standbyok = _query_bool(args, "standbyok")
            names = ("activecode", "standbycode", "drsecondarycode", "sealedcode")
            codes = {name: _query_int(args, name) for name in names}
        except ValueError as exc:
            return _error(400, str(exc))
        body = payloads.health(self.topology, self.cluster)
        if state == "sealed":  # a sealed node knows nothing of its cluster
            body = {k: v for k, v in body.items() if k not in {"cluster_name", "cluster_id", "last_wal", "license"}}
            body.update(sealed=True, standby=True)
            return _Answer(codes["sealedcode"] or 503, None if request.method == "HEAD" else body)
        code = 429 if state == "standby" else payloads.health_code(self.topology, self.cluster)
        if state == "standby":
            body.update(standby=True, echo_duration_ms=1)
            body.pop("last_wal", None)
        if code == 472:  # noqa: PLR2004
            code = codes["drsecondarycode"] or 472
        elif code == 429 and standbyok:  # noqa: PLR2004
            code = codes["activecode"] or 200
        elif code == 429:  # noqa: PLR2004
            code = codes["standbycode"] or 429
        else:
            code = codes["activecode"] or 200
        return _Answer(code, None if request.method == "HEAD" else body)


def _query_bool(args: Any, name: str) -> bool:
    value = args.get(name)
    if value is None:
        return False
    if value in {"1", "t", "T", "TRUE", "true", "True"}:
        return True
    if value in {"", "0", "f", "F", "FALSE", "false", "False"}:  # "" decodes as false, as in parseutil
        return False
    msg = f'bad value for {name} parameter: strconv.ParseBool: parsing "{value}": invalid syntax'
    raise ValueError(msg)


def _query_int(args: Any, name: str) -> int | None:
    value = args.get(name)
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        msg = f'bad code value for {name} parameter: strconv.Atoi: parsing "{value}": invalid syntax'
        raise ValueError(msg) from None


class MockTopology:
    """Every cluster of a topology, each served by its own :class:`MockVault` on its own port, sharing state and clock."""

    def __init__(
        self,
        topology: Topology | None = None,
        *,
        scenario: str = "four-cluster",
        seed: int = 0,
        host: str = "127.0.0.1",
        port: int = 0,
        **options: Any,
    ) -> None:
        self.topology = topology if topology is not None else build_scenario(scenario, seed)
        self.vaults = {
            name: MockVault(self.topology, cluster=name, host=host, port=port + i if port else 0, **options)
            for i, name in enumerate(self.topology.clusters)
        }

    @classmethod
    def from_vaults(cls, topology: Topology, vaults: dict[str, MockVault]) -> MockTopology:
        """Wrap servers that already serve ``topology`` (one per cluster), as the pytest plugin does."""
        self = cls.__new__(cls)
        self.topology = topology
        self.vaults = dict(vaults)
        return self

    def start(self) -> MockTopology:
        started = []
        try:
            for vault in self.vaults.values():
                vault.start()
                started.append(vault)
        except BaseException:
            for vault in started:
                vault.stop()
            raise
        return self

    def stop(self) -> None:
        for vault in self.vaults.values():
            vault.stop()

    def __enter__(self) -> MockTopology:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def __getitem__(self, name: str) -> MockVault:
        try:
            return self.vaults[name]
        except KeyError:
            msg = f"unknown cluster {name!r}; this topology has: {', '.join(self.vaults)}"
            raise UsageError(msg) from None

    def __iter__(self) -> Iterator[MockVault]:
        return iter(self.vaults.values())

    @property
    def urls(self) -> dict[str, str]:
        return {name: v.url for name, v in self.vaults.items()}

    def advance(self, seconds: float) -> None:
        self.topology.advance(seconds)

    def reset(self, topology: Topology | None = None) -> None:
        if topology is not None:
            self.topology = topology
        for name, vault in self.vaults.items():
            vault.reset(topology, name if topology is not None else None)

    def check(self) -> None:
        for vault in self.vaults.values():
            vault.check()

    def describe(self) -> list[str]:
        """One line per cluster: name, address and replication roles."""
        lines = []
        for name, vault in self.vaults.items():
            cluster = self.topology.cluster(name)
            if cluster.edition == "oss":
                roles = "open-source Vault (replication unsupported)"
            else:
                roles = f"dr={self.topology.role(name, 'dr').mode} performance={self.topology.role(name, 'performance').mode}"
            focus = "  (focus)" if name == self.topology.focus else ""
            lines.append(f"{name}  {vault.url}  {roles}{focus}")
        return lines
