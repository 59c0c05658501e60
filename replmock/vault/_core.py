"""VaultNode: what one Vault node answers to a request, decided without any HTTP server.

The pipeline follows Vault's handler chain (reference §14.1): the generic wrapper's path-prefix check,
``http.ServeMux`` (path cleaning, exact routes), then the logical handler: operation from the method,
request data (body or query), namespace, seal and standby state, token and policy, routing, fields,
the handler, and the response envelope.
"""

from __future__ import annotations

import base64
import hashlib
import json
import posixpath
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from replmock.generate import payloads
from replmock.schemas._fields import ENVELOPE_SINCE
from replmock.vault import _errors as E
from replmock.vault._auth import Token, token_table
from replmock.vault._errors import VaultError, multierror
from replmock.vault._handlers import Result
from replmock.vault._params import (
    ParamError,
    body_data,
    parse_bool_text,
    parse_fields,
    query_data,
    unrecognized_warning,
)
from replmock.vault._replication import Attempt
from replmock.vault._routes import CAPABILITY, MUX_BY_PATH, LogicalRoute, Op, logical_route, mount_of
from replmock.vault._wire import Answer, Request, encode, generic_headers, go_plain_error, go_redirect, json_answer

if TYPE_CHECKING:  # pragma: no cover
    from collections.abc import Iterable

    from replmock.generate.payloads import NodeState
    from replmock.model import Topology
    from replmock.model.topology import Cluster

_OPS = {"GET": "read", "LIST": "list", "POST": "update", "PUT": "update", "DELETE": "delete", "HEAD": "header"}


@dataclass
class Call:
    """Everything a handler may look at for one request."""

    node: VaultNode
    request: Request
    state: NodeState
    endpoint: str = ""
    op: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    fields: dict[str, Any] = field(default_factory=dict)
    token: Token | None = None
    forwarding: bool = True
    path_params: dict[str, str] = field(default_factory=dict)

    @property
    def cluster(self) -> Cluster:
        return self.node.topology.cluster(self.node.cluster)


class VaultNode:
    """One node of cluster ``cluster`` of ``topology``, answering as Vault does.

    ``node`` names the node (None: the cluster's active node). ``tokens`` are ``NAME`` (operator: update on
    the replication paths, no sudo) or ``NAME:default`` (only Vault's default policy). ``namespaces`` are
    the namespaces that exist (any other answers ``namespace not found``).
    """

    def __init__(
        self,
        topology: Topology,
        cluster: str,
        *,
        node: str | None = None,
        root_token: str = "root",
        tokens: Iterable[str] = (),
        namespaces: Iterable[str] = (),
        shares: int = 5,
        threshold: int = 3,
    ) -> None:
        topology.cluster(cluster)  # fail early on a wrong name
        self.topology = topology
        self.cluster = cluster
        self.node = node
        self.root_token = root_token
        self.tokens = token_table(root_token, tokens)
        self.namespaces = frozenset(n.strip("/") for n in namespaces)
        self.shares, self.threshold = shares, threshold
        self._lock = threading.Lock()
        self._count = 0
        self._views: dict[str, tuple[tuple[Any, ...], str | None]] = {}
        self.dr_tokens: set[str] = set()
        """DR operation tokens generated on this node (valid until deleted)."""
        self.dr_attempt: Attempt | None = None
        self.paths_filters: dict[str, dict[str, Any]] = {}

    # --- entry point ------------------------------------------------------------------------

    def handle(self, request: Request, state: NodeState | None = None, *, forwarding: bool = True) -> Answer:
        """Vault's answer to ``request`` (``state`` overrides what the topology says the node is).

        A standby forwards requests to the active node, so it answers as the active node does; with
        ``forwarding`` off (it cannot reach the active node) it redirects them there instead.
        """
        cluster = self.topology.cluster(self.cluster)
        if state is None and cluster.sealed and (self.node is None or self.node == cluster.active.name):
            state = "sealed"  # the topology's seal event: the active node is sealed
        state = state or payloads.node_state(cluster, self.node)
        call = Call(self, request, state, forwarding=forwarding)
        try:
            return self._dispatch(call)
        except VaultError as exc:
            answer = json_answer(exc.status, {"errors": [exc.text] if exc.text is not None else []})
            answer.expected = exc.expected and bool(call.endpoint)  # no route matched: strict mode reports it
            answer.endpoint = call.endpoint or None
            return answer

    def request_id(self) -> str:
        with self._lock:
            self._count += 1
            n = self._count
        h = hashlib.sha256(f"{self.topology.seed}/{self.cluster}/{self.node}/{n}".encode()).hexdigest()
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"

    def unseal_keys(self) -> list[str]:
        """The cluster's unseal key shares (base64, Shamir's 32 bytes plus the x coordinate), stable for a seed."""
        seed = f"{self.topology.seed}/{self.cluster}/{self.topology.cluster(self.cluster).storage_cluster_id}"
        return [
            base64.b64encode(hashlib.sha256(f"{seed}/unseal/{i}".encode()).digest() + bytes([i + 1])).decode()
            for i in range(self.shares)
        ]

    def reset(self) -> None:
        with self._lock:
            self._count = 0  # the cached views stay: their key says when they are stale

    # --- the handler chain ------------------------------------------------------------------------

    def _dispatch(self, call: Call) -> Answer:
        request = call.request
        try:
            path = request.path()
        except ValueError:  # Go's request parser refuses a bad %-escape before any handler runs
            return go_plain_error(400, "400 Bad Request")
        if not path.startswith("/v1/"):  # wrapGenericHandler's prefix check (§14.2)
            if path in {"/", "/ui"}:
                return go_redirect(307, "/ui/", request.method)
            raise VaultError(404, None, expected=False)
        clean = _clean(path)
        if clean != path:  # http.ServeMux redirects to the cleaned path, query kept (§14.3)
            location = _escape_path(clean)
            if request.raw_query:
                location += "?" + request.raw_query
            return go_redirect(self._redirect_code(), location, request.method)
        mux = MUX_BY_PATH.get(path)
        if mux is not None:
            call.endpoint = mux.endpoint
            if request.method not in mux.methods:
                raise VaultError(405, None, expected=False)
            if request.header("X-Vault-Namespace"):  # any namespace, even "root" or one that does not exist
                raise VaultError(400, E.NAMESPACE_REFUSED)  # (observed on OpenBao 2.7, which shares this handler)
            answer = mux.handler(call)
            answer.endpoint = mux.endpoint
            return answer
        return self._logical(call, path[len("/v1/") :], self._namespace(request))

    def _redirect_code(self) -> int:
        """Go's ServeMux: 301 up to Go 1.25, 307 from Go 1.26 (golang/go#77745). Vault 1.21 ships Go 1.25
        (CHANGELOG "Bump Go version to 1.25.5"); which Vault release moves to Go 1.26 is not known: 2.0 is assumed."""
        return 307 if self.topology.cluster(self.cluster).release >= (2, 0, 0) else 301

    def _namespace(self, request: Request) -> str:
        namespace = (request.header("X-Vault-Namespace") or "").strip().strip("/")
        if namespace in {"", "root"}:
            return ""
        if namespace not in self.namespaces:
            raise VaultError(404, E.NAMESPACE_NOT_FOUND)
        return namespace

    def _logical(self, call: Call, logical_path: str, namespace: str) -> Answer:  # noqa: C901, PLR0912, PLR0915 - Vault's checks, in Vault's order
        request = call.request
        method = request.method
        if method == "OPTIONS":
            raise VaultError(400, E.INTERNAL_ONLY)
        if method == "PATCH":
            self._check_patch(request)
            op = "patch"
        elif method in _OPS:
            op = _OPS[method]
        else:
            raise VaultError(405, None, expected=False)
        query = request.query()
        if op == "read" and query.get("list", [""])[0]:  # ?list=<bool> turns a GET into a list (§14.5)
            listing = parse_bool_text(query["list"][0])
            if listing is None:
                raise VaultError(400, None)
            op = "list" if listing else "read"
        if op == "list" and not logical_path.endswith("/"):
            logical_path += "/"
        if op in {"update", "patch"} and logical_path.endswith("/"):  # vault/request_handling.go, before auth
            raise VaultError(400, "cannot write to a path ending in '/'")
        if op in {"update", "patch"}:
            try:
                data = body_data(request) or {}
            except ParamError as exc:
                raise VaultError(400, str(exc)) from None
        else:
            data = query_data(query)
            if op == "list":
                data.pop("list", None)
        call.op, call.data = op, data

        mount = mount_of(logical_path)
        rel = logical_path[len(mount) :] if mount else ""
        route = logical_route(mount, rel) if mount else None
        if route is not None:
            call.endpoint = route.endpoint
            call.path_params = route.params(rel)
        if namespace and logical_path.startswith("sys/"):
            raise VaultError(400, E.NAMESPACE_REFUSED)
        if call.state == "sealed":
            raise VaultError(503, E.SEALED)
        token = request.header("X-Vault-Token") or _bearer(request.header("Authorization"))
        # An unauthenticated path is a login path: its handler ignores the token and its errors are bare.
        login = route is not None and route.auth == "none"
        wrap = (lambda text: text) if login else multierror
        if call.state == "standby" and not call.forwarding:  # it redirects every request to the active node (§6.4)
            active = self.topology.cluster(self.cluster).active.api_addr
            return go_redirect(307, active + request.target, method)
        if login:
            assert route is not None  # noqa: S101 - a login path is a route
            if op not in route.ops and op != "read":
                raise VaultError(405, E.UNSUPPORTED_OPERATION, expected=False)
            if token and token not in self.tokens:  # handleLoginRequest still runs CheckToken(unauth=true)
                self._refuse_token(token)
        else:
            self._dr_secondary_gate(route)
            call.token = self._authorize(token, route, logical_path, op)
        if mount is None:
            raise VaultError(404, E.no_route(logical_path), expected=False)
        if route is None:
            raise VaultError(404, wrap(E.UNSUPPORTED_PATH), expected=False)
        operation = route.ops.get(op)
        if operation is None:
            raise VaultError(405, wrap(E.UNSUPPORTED_OPERATION), expected=False)
        if op == "read" and "help" in query:  # the framework's help document instead of the operation
            text = (
                f"Request:        {logical_path[len(mount) :]}\nMatching Route: ^{route.pattern}$\n\n{route.evidence}"
            )
            return json_answer(200, {"help": text}, endpoint=route.endpoint)
        try:
            call.fields = parse_fields(operation.fields, data)
        except ParamError as exc:
            raise VaultError(400, str(exc)) from None
        return self._respond(call, route, operation)

    def _check_patch(self, request: Request) -> None:
        """PATCH needs Content-Type application/merge-patch+json (http/logical.go; §14.7)."""
        content_type = request.header("Content-Type")
        media = (content_type or "").split(";", 1)[0].strip().lower()
        if not media:
            raise VaultError(400, "mime: no media type")
        if media != "application/merge-patch+json":
            raise VaultError(415, f"PATCH requires Content-Type of application/merge-patch+json, provided {media}")

    def _dr_secondary_gate(self, route: LogicalRoute | None) -> None:
        """A DR secondary refuses every path but the status reads (§6.4). Whether this comes before the token
        check is best evidence (DataDog/integrations-core#7819 shows the text, not the order)."""
        cluster = self.topology.cluster(self.cluster)
        if cluster.edition != "enterprise" or self.topology.role(self.cluster, "dr").mode != "secondary":
            return
        if route is None or route.auth != "none":
            raise VaultError(400, E.DR_SECONDARY_DISABLED)

    def _authorize(self, token: str | None, route: LogicalRoute | None, path: str, op: str) -> Token | None:
        """CheckToken then the ACL (vault/request_handling.go): 403 for a missing, invalid or unprivileged token."""
        found = self.tokens.get(token) if token else None
        if found is None:
            self._refuse_token(token)
        assert found is not None  # noqa: S101 - _refuse_token raised
        if route is not None and route.auth == "none":
            return found
        if not found.allows(path.rstrip("/") if op == "list" else path, CAPABILITY[op]) or (
            route is not None and route.auth == "sudo" and not found.sudo
        ):
            raise VaultError(403, multierror(E.PERMISSION_DENIED))
        return found

    def _refuse_token(self, token: str | None) -> None:
        """403 for a missing or invalid token. Vault 1.17+ adds "invalid token" for one that was sent (CHANGELOG
        1.17.0, GH-25953); what 1.17+ says when none was sent is not verified: the bare text, as before."""
        if token and self.topology.cluster(self.cluster).release >= (1, 17, 0):
            raise VaultError(403, multierror(E.PERMISSION_DENIED, E.INVALID_TOKEN))
        raise VaultError(403, E.PERMISSION_DENIED)

    # --- answers ------------------------------------------------------------------------------------

    def _respond(self, call: Call, route: LogicalRoute, operation: Op) -> Answer:
        result = operation.handler(call)
        if isinstance(result, Answer):
            return result
        if result is None and call.op in {"read", "list"}:  # nothing there: 404 {"errors":[]} (http/logical.go)
            raise VaultError(404, None)
        if result is None:  # a nil response: 204, still with the JSON Content-Type (§14.13)
            return Answer(204, generic_headers(), b"", endpoint=route.endpoint)
        warning = unrecognized_warning(call.data, operation.fields)
        if isinstance(result, str):  # a cached status view: the envelope around pre-encoded data
            body = self._envelope_text(result, [warning] if warning else None, route.mount_type)
            return Answer(200, generic_headers(), body, endpoint=route.endpoint)
        assert isinstance(result, Result)  # noqa: S101 - handlers return a Result, a cached text or None
        warnings = [*result.warnings, *([warning] if warning else [])]
        envelope = self.envelope(result.data, warnings, route.mount_type)
        if result.auth is not None:
            envelope["auth"] = result.auth
        return json_answer(200, envelope, endpoint=route.endpoint)

    def envelope(self, data: Any, warnings: list[str] | None = None, mount_type: str = "system") -> dict[str, Any]:
        """Vault's response envelope (HTTPResponse, sdk/logical/translate_response.go); ``mount_type`` from 1.16."""
        out: dict[str, Any] = {
            "request_id": self.request_id(),
            "lease_id": "",
            "renewable": False,
            "lease_duration": 0,
            "data": data,
            "wrap_info": None,
            "warnings": warnings or None,
            "auth": None,
        }
        if self.topology.cluster(self.cluster).release[:2] >= ENVELOPE_SINCE["mount_type"]:
            out["mount_type"] = mount_type
        return out

    def _envelope_text(self, data_text: str, warnings: list[str] | None, mount_type: str) -> bytes:
        marker = "\x00replmock-data\x00"
        text = encode(self.envelope(marker, warnings, mount_type)).decode()
        return text.replace(json.dumps(marker), data_text, 1).encode()

    def cached_view(self, endpoint: str) -> str | None:
        """The compact JSON of ``endpoint``'s data, recomputed only when the state or the time changed.

        The key holds the topology itself, not its ``id()``, which a later topology could reuse; "the time" is the
        model's clock, which in ``replmock serve`` moves in whole-second ticks (:class:`replmock.model.Clock`), so
        reads within a tick share one computation."""
        top = self.topology
        with top.lock:
            top.sync()
            key = (top, top.version, top.now(), self.node)
            cached = self._views.get(endpoint)
            if cached is None or cached[0] != key:
                data = payloads.view(top, self.cluster, endpoint, self.node)
                text = None if data is None else encode(data).decode().rstrip("\n")
                cached = (key, text)
                self._views[endpoint] = cached
        return cached[1]


def _bearer(value: str | None) -> str | None:
    if value and value[:7].lower() == "bearer ":
        return value[7:].strip() or None
    return None


def _clean(path: str) -> str:
    """Go's ServeMux cleanPath: path.Clean, keeping a trailing slash."""
    cleaned = posixpath.normpath(path)
    if cleaned.startswith("//"):
        cleaned = "/" + cleaned.lstrip("/")
    if path.endswith("/") and cleaned != "/":
        cleaned += "/"
    return cleaned


def _escape_path(path: str) -> str:
    from urllib.parse import quote

    return quote(path, safe="/:@!$&'()*+,;=-._~")
