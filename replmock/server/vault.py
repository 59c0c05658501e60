"""MockVault: one node of a topology served over HTTP; transport only (Vault's rules live in replmock.vault)."""

from __future__ import annotations

import difflib
import json
import os
import pickle
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any, NamedTuple

from pytest_httpserver import HTTPServer

from replmock._errors import ReplmockError, UsageError
from replmock.generate import payloads
from replmock.generate.scenarios import scenario as build_scenario
from replmock.server import control
from replmock.server._transport import MAX_REQUEST_SIZE, GoHTTPServer, GoRequestHandler
from replmock.server.faults import DEFAULT_ERRORS, Drift, Fault, Faults, Garbage, Latency, NodeState, Status, make_fault
from replmock.server.journal import Journal, JournalEntry, body_for_journal, headers_of, redact_headers
from replmock.vault import ENDPOINT_NAMES, Answer, Request, VaultNode, encode, endpoint_of, hint
from replmock.vault._routes import response_schema
from replmock.vault._wire import json_answer

if TYPE_CHECKING:  # pragma: no cover
    from ssl import SSLContext
    from types import TracebackType

    from replmock.model import Topology

MAX_ERRORS = 100
"""How many internal errors a server keeps (the newest); each is a short summary, not a live traceback."""


class UnexpectedRequestError(ReplmockError, AssertionError):
    """Requests that matched nothing the mock serves (raised by :meth:`MockVault.check` in strict mode)."""


class ResponseSchemaError(ReplmockError, AssertionError):
    """The mock sent a body its own schemas reject (only with ``validate_responses=True``)."""


class MockInternalError(ReplmockError, AssertionError):
    """An error inside the mock while it answered a request (the request got a 500)."""


class _Errors(list):  # type: ignore[type-arg]
    """A list that keeps only the newest :data:`MAX_ERRORS` items."""

    def append(self, item: Any) -> None:
        super().append(item)
        if len(self) > MAX_ERRORS:
            del self[0]


_READS = frozenset({"GET", "HEAD"})
"""Methods whose requests change nothing (Vault maps them to read and header operations)."""


class _Changes:
    """Whether a server's model or node may have changed since its last reset: a request that may write (POST, PUT,
    DELETE, LIST, anything but GET and HEAD; also the control API's), a model event started through the server's
    own methods, or the model or node handed out to code that may edit them directly."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.seen = False
        self.running = 0
        """Writing requests being answered: one that started before a reset may still change the state after it."""

    def mark(self) -> None:
        self.seen = True

    def __enter__(self) -> None:
        with self._lock:
            self.running += 1
            self.seen = True

    def __exit__(self, *exc: object) -> None:
        with self._lock:
            self.running -= 1
            self.seen = True  # again: the request's changes are complete now

    def clear(self) -> None:
        with self._lock:
            self.seen = False  # the count stays: a request still running has not finished changing things

    @property
    def none(self) -> bool:
        return not self.seen and self.running == 0


class _Settings(NamedTuple):
    """What a MockVault was built with, restored by :meth:`MockVault.reset`."""

    root_token: str
    tokens: tuple[str, ...]
    namespaces: tuple[str, ...]
    strict: bool
    validate_responses: bool
    sleep: Callable[[float], None]
    shares: int
    threshold: int


class _Host(HTTPServer):
    """pytest-httpserver's server lifecycle (a thread, start, stop) around replmock's Go-like transport."""

    def __init__(self, app: Callable[[Request, GoRequestHandler], Answer], **settings: Any) -> None:
        self._app = app
        self._settings = settings
        super().__init__(host=settings.pop("host"), port=settings.pop("port"), ssl_context=settings.pop("ssl_context"))

    def start(self) -> None:
        self.server = GoHTTPServer(  # type: ignore[assignment]
            self.host, self.port, self._app, ssl_context=self.ssl_context, **self._settings
        )
        self.port = self.server.port  # type: ignore[union-attr]
        self.server_thread = threading.Thread(target=self.thread_target, daemon=True)
        self.server_thread.start()

    def thread_target(self) -> None:
        assert self.server is not None  # noqa: S101 - start() set it
        self.server.serve_forever(poll_interval=0.05)


class MockVault:
    """A mock Vault Enterprise node serving one cluster of a topology over HTTP.

    >>> with MockVault(scenario="perf-secondary", seed=1) as vault:  # doctest: +SKIP
    ...     requests.get(vault.url + "/v1/sys/replication/status").json()["data"]["performance"]["mode"]
    'secondary'

    What it answers is :class:`replmock.vault.VaultNode`'s decision; this class is the transport around it:
    the server, faults, the journal and the checks. ``tokens`` are ``NAME`` (update on the replication
    paths, no sudo) or ``NAME:default`` (only Vault's default policy); ``root_token`` has sudo.
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
        namespaces: Iterable[str] = (),
        ssl_context: SSLContext | None = None,
        strict: bool = True,
        validate_responses: bool | None = None,
        journal_limit: int | None = None,
        journal_bytes: int = 8 << 20,
        header_timeout: float = 10.0,
        idle_timeout: float = 300.0,
        max_connections: int = 256,
        max_request_size: int = MAX_REQUEST_SIZE,
        shares: int = 5,
        threshold: int = 3,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._changes = _Changes()
        self._topology = topology if topology is not None else build_scenario(scenario, seed)
        self.cluster = cluster or self._topology.focus
        if validate_responses is None:  # a test suite can turn it on for every mock it starts
            validate_responses = os.environ.get("REPLMOCK_VALIDATE_RESPONSES", "") == "1"
        if not 1 <= threshold <= shares <= 255:  # noqa: PLR2004 - Shamir's limits in Vault
            msg = f"unseal keys: need 1 <= threshold <= shares <= 255, got threshold={threshold} shares={shares}"
            raise UsageError(msg)
        self._settings = _Settings(
            root_token, tuple(tokens), tuple(namespaces), strict, validate_responses, sleep, shares, threshold
        )
        self._node = self._new_node()
        self._reset_version = self._topology.version
        self.strict = strict
        self.validate_responses = validate_responses
        self.faults = Faults()
        self.journal = Journal(journal_limit, journal_bytes)
        self.errors: list[BaseException] = _Errors()
        self._sleep = sleep
        self.fleet: MockTopology | None = None
        """The MockTopology this server is part of (the control API acts on all of its clusters)."""
        self.log: Callable[[str], None] | None = None
        """Called with one line per request (``replmock serve`` prints them)."""
        self._generation = 0
        self._lock = threading.Lock()
        self._url: tuple[int | None, str] = (None, "")
        self._server = _Host(
            self._serve,
            host=host,
            port=port,
            ssl_context=ssl_context,
            header_timeout=header_timeout,
            idle_timeout=idle_timeout,
            max_connections=max_connections,
            max_request_size=max_request_size,
        )

    def __repr__(self) -> str:
        where = self.url if self.running else "not running"
        top = self._topology
        return f"<MockVault cluster={self.cluster} scenario={top.name} seed={top.seed} {where}>"

    @property
    def topology(self) -> Topology:
        """The model this server serves (shared by every server of a :class:`MockTopology`).

        Whoever reads it may edit it directly, so reading it counts as a change (see :meth:`untouched`)."""
        self._changes.mark()
        return self._topology

    @topology.setter
    def topology(self, topology: Topology) -> None:
        self._changes.mark()
        self._topology = topology

    @property
    def node(self) -> VaultNode:
        """The :class:`replmock.vault.VaultNode` that decides the answers (reading it counts as a change too)."""
        self._changes.mark()
        return self._node

    @node.setter
    def node(self, node: VaultNode) -> None:
        self._changes.mark()
        self._node = node

    def untouched(self) -> bool:
        """Whether nothing can have changed the model or the node since :meth:`reset`: no request but reads
        (GET, HEAD) reached the server, no model event was started through it, the model's version has not moved,
        and neither the model nor the node was handed out (a pytest pool then serves the next test the same
        state instead of a fresh copy of it)."""
        return self._changes.none and self._topology.version == self._reset_version

    def _new_node(self) -> VaultNode:
        s = self._settings
        return VaultNode(
            self._topology,
            self.cluster,
            root_token=s.root_token,
            tokens=s.tokens,
            namespaces=s.namespaces,
            shares=s.shares,
            threshold=s.threshold,
        )

    # --- tokens and keys -------------------------------------------------------------------------

    @property
    def unseal_keys(self) -> list[str]:
        """The cluster's unseal key shares (base64), for ``generate-operation-token`` and friends."""
        return self._node.unseal_keys()

    @property
    def threshold(self) -> int:
        return self._node.threshold

    @property
    def root_token(self) -> str:
        return self._node.root_token

    @property
    def tokens(self) -> dict[str, bool]:
        """Every known token and whether it has sudo."""
        return {name: token.sudo for name, token in self._node.tokens.items()}

    # --- lifecycle ---------------------------------------------------------------------------

    def start(self) -> MockVault:
        """Start serving (on a free port when ``port=0``) and point the topology's address at it."""
        if not self._server.is_running():
            try:
                self._server.start()
            except OSError as exc:
                msg = f"cannot listen on {self._server.host}:{self._server.port}: {exc.strerror or exc}"
                raise UsageError(msg) from None
        self._topology.set_api_address(self.cluster, self.url)
        return self

    def stop(self) -> None:
        if self._server.is_running():
            self._server.stop()

    def stop_after_answer(self) -> None:
        """Stop from a control request's thread, once its answer has gone out."""
        time.sleep(0.2)
        self.stop()

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
        port = self._server.port  # the one part that changes (start() binds port 0 to a free one)
        if self._url[0] != port:
            scheme = "https" if self._server.ssl_context is not None else "http"
            self._url = (port, f"{scheme}://{self._server.format_host(self._server.host)}:{port}")
        return self._url[1]

    @property
    def port(self) -> int:
        return int(self._server.port)

    def reset(self, topology: Topology | None = None, cluster: str | None = None) -> None:
        """Back to how it was built: no requests, faults or errors, the constructor's tokens and settings;
        optionally serving a new topology (a fresh test). Requests still in flight are not journaled.

        The work is in what changed: a node nothing could have changed (see :meth:`untouched`) that serves the
        same topology and cluster is kept, with its request counter back at zero and its cached views (their key
        says when they are stale); the topology's address is set only when it is not already this server's."""
        with self._lock:
            self._generation += 1
            keep = self._changes.none
            if topology is not None:
                keep = keep and topology is self._topology and (cluster or topology.focus) == self.cluster
                self._topology = topology
                self.cluster = cluster or topology.focus
            settings = self._settings
            if keep:
                self._node.reset()
            else:
                self._node = self._new_node()
            moved = not keep or self._topology.version != self._reset_version  # else the address is still ours
            if moved and self.running and self._topology.cluster(self.cluster).active.api_addr != self.url:
                self._topology.set_api_address(self.cluster, self.url)
            self._reset_version = self._topology.version
            self._changes.clear()
            self.strict = settings.strict
            self.validate_responses = settings.validate_responses
            self._sleep = settings.sleep
            self.faults.clear()
            self.journal.clear()
            self.errors.clear()

    # --- time and state ------------------------------------------------------------------------

    def advance(self, seconds: float) -> None:
        """Advance the topology's clock (shared by every cluster of the topology)."""
        self._changes.mark()
        self._topology.advance(seconds)

    def status(self, endpoint: str = "status") -> dict[str, Any] | None:
        """What the mock would answer now as ``data`` (without a request)."""
        return payloads.view(self._topology, self.cluster, endpoint)

    # --- faults ------------------------------------------------------------------------------------

    def fault(self, kind: str, endpoint: str | None = None, *, times: int | None = None, **params: Any) -> Fault:
        """Inject a fault (see :mod:`replmock.server.faults`); ``times=None`` keeps it until cleared."""
        __tracebackhide__ = True
        if endpoint is not None and endpoint not in ENDPOINT_NAMES:
            msg = f"unknown endpoint {endpoint!r}; expected one of: {', '.join(ENDPOINT_NAMES)} (or None for all)"
            raise UsageError(msg)
        if kind == "state" and params.get("state") == "standby" and params.get("redirect", True) and times is None:
            # The active node it redirects to is this same server: a client would follow 307s round in a loop.
            msg = (
                "a standby that redirects for good would send clients round in a loop (its active node is this "
                "same server); give times=N for the requests that meet the standby, or redirect=False for a "
                "standby that cannot forward (503) for good"
            )
            raise UsageError(msg)
        return self.faults.add(make_fault(kind, endpoint=endpoint, times=times, **params))

    def fail(
        self, status: int, errors: list[str] | None = None, endpoint: str | None = None, *, times: int | None = 1
    ) -> Fault:
        """Answer ``status`` with a Vault error body (Vault's usual text for 429, 500, 502, 503)."""
        __tracebackhide__ = True
        if isinstance(status, bool) or not isinstance(status, int) or not 400 <= status <= 599:  # noqa: PLR2004
            msg = f"fail() answers an error status (400-599), got {status!r}; for a redirect use standby()"
            raise UsageError(msg)
        errors = errors if errors is not None else [DEFAULT_ERRORS.get(status, "internal error")]
        return self.fault("status", endpoint, times=times, status=status, errors=errors)

    def sealed(self, endpoint: str | None = None, *, times: int | None = None) -> Fault | None:
        """Seal this cluster: 503 ``Vault is sealed``; sys/health, seal-status and leader answer as a sealed node.

        Without ``endpoint`` or ``times`` it is a topology event (its secondaries lose it, its primary sees it
        disconnected) until :meth:`unseal`; with either, only those requests answer as sealed (a fault).
        """
        if endpoint is None and times is None:
            self._changes.mark()
            self._topology.seal(self.cluster)
            return None
        return self.fault("state", endpoint, times=times, state="sealed")

    def unseal(self) -> None:
        """Undo :meth:`sealed`: replication links come back on their own."""
        self._changes.mark()
        self._topology.unseal(self.cluster)

    def rate_limited(self, endpoint: str | None = None, *, times: int | None = 1) -> Fault:
        return self.fail(429, ["rate limit quota exceeded"], endpoint, times=times)

    def standby(self, endpoint: str | None = None, *, redirect: bool = True, times: int | None = 1) -> Fault:
        """A standby that cannot forward: 307 to the active node, or 503 ``no active Vault instance found``.

        sys/health answers as a standby does: 429 (200 with ``standbyok``) and ``standby: true``.
        """
        return self.fault("state", endpoint, times=times, state="standby", redirect=redirect)

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
            suggestion = f"; did you mean {', '.join(close)}?" if close else ""
            msg = f"no replication payload has a field {field_name!r}{suggestion}"
            raise UsageError(msg)
        return self.fault("drift", endpoint, times=times, op=op, field_name=field_name, to=to)

    def clear_faults(self) -> None:
        self.faults.clear()

    # --- journal and checks ---------------------------------------------------------------------------

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
            suggestion = f" ({e.suggestion})" if e.suggestion else ""
            lines.append(f"  {e.line()}{suggestion}")
        from replmock.vault._routes import served

        lines.append("It serves:")
        lines += [f"  {line}" for line in served()]
        lines.append("(pass strict=False, or @pytest.mark.replmock(strict=False), to allow them)")
        return "\n".join(lines)

    # --- serving a request ----------------------------------------------------------------------------------

    def _serve(self, request: Request, conn: GoRequestHandler) -> Answer:
        """The transport's callback: a request that may change state is counted while it runs (see :meth:`untouched`)."""
        if request.method in _READS:
            return self._serve_one(request)
        with self._changes:
            return self._serve_one(request)

    def _serve_one(self, request: Request) -> Answer:
        """The control API, faults, Vault's answer, journal."""
        if request.raw_path.startswith(control.PREFIX):  # never journaled as Vault traffic
            fleet = self.fleet or MockTopology.from_vaults(self._topology, {self.cluster: self})
            return control.handle(fleet, request, self.cluster)
        if self._topology.cluster(self.cluster).down:  # killed: no process to answer
            return Answer(0, drop=True)
        generation = self._generation
        try:
            endpoint = endpoint_of(request.path())
        except ValueError:
            endpoint = None
        applied: list[str] = []
        try:
            faults = self.faults.take(endpoint)
            applied = [f.describe() for f in faults]
            answer = self._answer(request, faults, endpoint)
        except Exception as exc:
            self.errors.append(MockInternalError(f"{request.method} {request.raw_path}: {type(exc).__name__}: {exc}"))
            answer = json_answer(500, {"errors": ["internal error"]})
        if self.log is not None:
            path = request.raw_path if len(request.raw_path) <= 200 else request.raw_path[:200] + "..."  # noqa: PLR2004
            self.log(f"{self.cluster}  {request.method[:20]} {path} -> {answer.status or 'dropped'}")
        if generation == self._generation:  # a request from before reset() belongs to no test
            path = request.raw_path
            self.journal.add(
                JournalEntry(
                    method=request.method,
                    path=path,
                    query=request.raw_query[:4096],
                    headers=redact_headers(headers_of(request.headers)),
                    body=body_for_journal(request.body),
                    status=answer.status,
                    endpoint=answer.endpoint or endpoint,
                    expected=answer.expected,
                    suggestion=None if answer.expected else hint(request.method, path),
                    faults=tuple(applied),
                )
            )
        return answer

    def _answer(self, request: Request, faults: list[Fault], endpoint: str | None) -> Answer:  # noqa: C901 - one branch per fault stage
        state = None
        forwarding = True
        drifts: list[Drift] = []
        truncate = False
        for fault in faults:  # in stage order: delay, replace, state, body, wire
            if isinstance(fault, Latency):
                self._sleep(fault.seconds)
            elif fault.kind == "drop":
                return Answer(0, drop=True, endpoint=endpoint)
            elif isinstance(fault, Status):
                headers = [
                    (k, v.replace("{active}", self._active_url() + request.target)) for k, v in fault.headers.items()
                ]
                answer = json_answer(fault.status, {"errors": list(fault.errors)}, endpoint=endpoint)
                answer.headers += headers
                return answer
            elif isinstance(fault, Garbage):
                page = (
                    b"<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>\n"
                )
                return Answer(fault.status, [("Content-Type", "application/json")], page, endpoint=endpoint)
            elif isinstance(fault, NodeState):
                if not fault.redirect and endpoint not in {"health", "seal-status", "leader", "init"}:
                    return json_answer(503, {"errors": ["no active Vault instance found"]}, endpoint=endpoint)
                state, forwarding = fault.state, fault.state != "standby"
            elif isinstance(fault, Drift):
                drifts.append(fault)
            elif fault.kind == "truncate":
                truncate = True
        answer = self._node.handle(request, state, forwarding=forwarding)
        drifted = False
        if drifts and answer.status < 400 and answer.body:  # noqa: PLR2004
            body = json.loads(answer.body)
            for drift in drifts:
                body, changed = drift.apply(body)
                drifted = drifted or changed > 0
            answer.body, answer.data = encode(body), body
        if (
            self.validate_responses
            and not drifted
            and answer.body
            and not answer.drop
            and "help" not in request.query()
        ):
            self._validate(answer)
        answer.truncate = truncate
        return answer

    def _active_url(self) -> str:
        return self._topology.cluster(self.cluster).active.api_addr

    def _validate(self, answer: Answer) -> None:
        from replmock.schemas import validate

        endpoint = answer.endpoint
        success_schema = response_schema(endpoint)
        if success_schema is None or "json" not in (answer.header("Content-Type") or ""):
            return
        body = json.loads(answer.body)
        is_error = isinstance(body, dict) and "errors" in body
        schema = "error" if is_error else success_schema
        report = validate(body, schema, "strict")
        if not report.ok:
            problems = "; ".join(map(str, report.issues))
            self.errors.append(
                ResponseSchemaError(f"{endpoint} answered a body its schema {schema} rejects: {problems}")
            )


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
        self._initial: bytes | None = pickle.dumps(self.topology)  # what restore() brings back
        self.vaults = {
            name: MockVault(self.topology, cluster=name, host=host, port=port + i if port else 0, **options)
            for i, name in enumerate(self.topology.clusters)
        }
        for vault in self.vaults.values():
            vault.fleet = self

    @classmethod
    def from_vaults(cls, topology: Topology, vaults: dict[str, MockVault]) -> MockTopology:
        """Wrap servers that already serve ``topology`` (one per cluster), as the pytest plugin does."""
        self = cls.__new__(cls)
        self.topology = topology
        self._initial = None  # each test gets a fresh copy instead
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

    # --- events (each changes every cluster's view, as in Vault) ---------------------------

    def partition(self, a: str, b: str) -> None:
        self.topology.partition(a, b)

    def heal(self, a: str, b: str) -> None:
        self.topology.heal(a, b)

    def seal(self, name: str) -> None:
        self.topology.seal(name)

    def unseal(self, name: str) -> None:
        self.topology.unseal(name)

    def kill(self, name: str) -> None:
        """Stop cluster ``name``'s server (connections refused) and drop its replication links."""
        self.topology.kill(name)
        self[name].stop()

    def restart(self, name: str) -> None:
        """Start cluster ``name`` again on the same address; its links come back on their own."""
        vault = self[name]
        if not vault.running:
            vault.start()
        self.topology.restart(name)

    def step_down(self, name: str) -> None:
        self.topology.step_down(name)

    def slow_link(self, a: str, b: str, seconds: float) -> None:
        self.topology.slow_link(a, b, seconds)

    def write(self, name: str, entries: int) -> None:
        self.topology.write(name, entries)

    def describe_json(self) -> dict[str, Any]:
        """What ``GET /_replmock/topology`` answers."""
        return control.describe(self)

    def restore(self) -> None:
        """Back to the topology as it was built: every event, write and replication call since is undone, killed
        servers answer again, faults and journals are cleared. The clock comes back too (a wall clock, as in
        ``replmock serve``, keeps following wall time, so the restored topology has lived since it was built)."""
        if self._initial is None:
            msg = "restore needs a MockTopology built from a scenario or a topology (a pytest fixture's is fresh per test)"
            raise UsageError(msg)
        topology: Topology = pickle.loads(self._initial)  # noqa: S301 - our own bytes, made in __init__
        for vault in self.vaults.values():
            if not vault.running:
                vault.start()
        self.reset(topology)

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
