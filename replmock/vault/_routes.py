"""The route table: every path replmock serves, its operations, auth class and fields, in one place.

Two kinds of route, as in Vault's ``http/handler.go``:

- **mux** routes are exact ``http.ServeMux`` entries with their own handler (``sys/health``, ``sys/seal-status``,
  ``sys/leader``, ``sys/init``): no token, any other method 405 ``{"errors":[]}``, a trailing slash is another path.
- **logical** routes go through the request framework: token, policy, operation, fields, response envelope.
  Paths are anchored (``$``): a trailing slash does not match (reference §14.4).

Auth classes: ``none`` (``PathsSpecial.Unauthenticated`` in vault/logical_system.go), ``token`` (a policy
must grant the operation), ``sudo`` (``PathsSpecial.Root``: sudo as well).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Literal

from replmock.schemas import ENDPOINT_PATHS
from replmock.schemas._fields import REINDEX_FIELDS as _TABLE_REINDEX_FIELDS
from replmock.vault import _handlers as h
from replmock.vault import _replication as r
from replmock.vault._params import Field, FieldType

if TYPE_CHECKING:  # pragma: no cover
    from replmock.vault._core import Call
    from replmock.vault._wire import Answer

Auth = Literal["none", "token", "sudo"]
Operation = Literal["read", "list", "update", "delete", "patch", "header"]
CAPABILITY: dict[str, str] = {
    "read": "read",
    "list": "list",
    "update": "update",
    "delete": "delete",
    "patch": "patch",
    "header": "header",
}
"""The ACL capability each logical operation needs (create is checked as update: the paths here exist). No
policy grants HEAD's header operation, so only a root token reaches a handler with it (observed on OpenBao 2.7)."""


@dataclass(frozen=True)
class Op:
    """One operation of a logical route: its handler and its fields."""

    handler: Callable[[Call], Any]
    fields: tuple[Field, ...] = ()


@dataclass(frozen=True)
class LogicalRoute:
    endpoint: str
    """replmock's short name (also the journal's and the faults' name for it)."""
    mount: str
    """The mount the path lives under (``sys/``, ``auth/token/``)."""
    pattern: str
    """The path under the mount, as Vault's framework regex (anchored)."""
    ops: dict[str, Op]
    auth: Auth
    mount_type: str = "system"
    evidence: str = ""
    schema: str | None = None
    """The schema of its successful body (None: the schemas layer's RESPONSE_SCHEMA, or none)."""
    _regex: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_regex", re.compile(f"^{self.pattern}$"))

    def matches(self, rel: str) -> bool:
        return bool(self._regex.match(rel))

    def params(self, rel: str) -> dict[str, str]:
        """The path's parameters (``paths-filter/:id``)."""
        match = self._regex.match(rel)
        return match.groupdict() if match else {}

    @property
    def path(self) -> str:
        return f"/v1/{self.mount}{self.pattern}".replace("(?P<id>[^/]+)", ":id")


@dataclass(frozen=True)
class MuxRoute:
    endpoint: str
    path: str
    methods: frozenset[str]
    handler: Callable[[Call], Answer]
    evidence: str = ""
    schema: str | None = None


_BOOL: FieldType = "bool"
# The reindex parameters are the field table's (replmock.schemas._fields): booleans, false unless given (§1a).
REINDEX_FIELDS = tuple(Field(fl.name, _BOOL, default=False) for fl in _TABLE_REINDEX_FIELDS)


def _rel(endpoint: str, mount: str = "sys/") -> str:
    return ENDPOINT_PATHS[endpoint].removeprefix("/v1/" + mount)


_S: FieldType = "string"
_LIST: FieldType = "strings"
DR_TOKEN = Field("dr_operation_token", _S)
ADDR = Field("primary_cluster_addr", _S, default="")
SECONDARY_TOKEN_FIELDS = (
    Field("id", _S, required=True),
    Field("ttl", _S, default="30m"),
    Field("secondary_public_key", _S),
)
ID = (Field("id", _S, required=True),)
ENABLE_SECONDARY = (
    Field("token", _S, required=True),
    Field("primary_api_addr", _S),
    Field("ca_file", _S),
    Field("ca_path", _S),
)
UPDATE_PRIMARY = (
    Field("token", _S),
    Field("primary_api_addr", _S),
    Field("ca_file", _S),
    Field("ca_path", _S),
    Field("update_primary_addrs", _LIST, default=[]),
)
PROMOTE = (ADDR, Field("force", _BOOL, default=False))


def _update(handler: Callable[[Call], Any], *fields: Field) -> dict[str, Op]:
    return {"update": Op(handler, tuple(fields))}


LEGACY_PATHS = (
    "primary/enable",
    "primary/demote",
    "primary/disable",
    "primary/secondary-token",
    "primary/revoke-secondary",
    "secondary/enable",
    "secondary/promote",
    "secondary/disable",
    "secondary/update-primary",
)
"""§1d: the un-prefixed paths of the API before the DR/performance split (DOC-OLD), still in the CE stub map."""


def _legacy_routes(typed: list[LogicalRoute]) -> list[LogicalRoute]:
    """``sys/replication/{primary,secondary}/*`` as aliases of the performance routes.

    WEAK EVIDENCE (§1d): DOC-OLD documents these paths for the single replication type that became performance
    replication, and the CE stub map (HELPERS) still lists them, so current Enterprise registers them; that they
    act on performance replication with today's fields and auth classes is inferred, not documented. In DOC-OLD
    ``primary/secondary-token`` was a GET with ``?id=``; here it is the current POST, as the performance path.
    """
    prefix = "replication/performance/"
    return [
        replace(
            route,
            endpoint="legacy-" + route.pattern.removeprefix(prefix).replace("/", "-"),
            pattern="replication/" + route.pattern.removeprefix(prefix),
            evidence=f"DOC-OLD; HELPERS (weak: alias of {route.endpoint}, §1d)",
        )
        for route in typed
        if route.pattern.removeprefix(prefix) in LEGACY_PATHS and route.pattern.startswith(prefix)
    ]


def _replication_routes() -> tuple[LogicalRoute, ...]:
    """The rest of §1: the primary and secondary endpoints of both types, DR operation token endpoints,
    merkle-check and the performance filters. DR secondary endpoints are unauthenticated in code
    (PathsSpecial.Unauthenticated) and check ``dr_operation_token`` in the body instead."""
    routes = [
        LogicalRoute(
            "merkle-check",
            "sys/",
            "replication/merkle-check",
            _update(r.merkle_check),
            "token",
            evidence="DOC-IDX-2024",
        ),
    ]
    for kind, short in (("dr", "dr"), ("performance", "perf")):
        base = f"replication/{kind}"
        docs = "DOC-DR-NEW" if kind == "dr" else "DOC-PERF-NEW"
        secondary_auth: Auth = "none" if kind == "dr" else "token"
        extra = (DR_TOKEN,) if kind == "dr" else ()
        routes += [
            LogicalRoute(
                f"{short}-primary-enable",
                "sys/",
                f"{base}/primary/enable",
                _update(r.primary_enable, ADDR),
                "token",
                evidence=docs,
            ),
            LogicalRoute(
                f"{short}-primary-demote",
                "sys/",
                f"{base}/primary/demote",
                _update(r.primary_demote),
                "token",
                evidence=docs,
            ),
            LogicalRoute(
                f"{short}-primary-disable",
                "sys/",
                f"{base}/primary/disable",
                _update(r.primary_disable),
                "token",
                evidence=docs,
            ),
            LogicalRoute(
                f"{short}-secondary-token",
                "sys/",
                f"{base}/primary/secondary-token",
                _update(r.secondary_token, *SECONDARY_TOKEN_FIELDS),
                "sudo",
                evidence=f"{docs}; PathsSpecial.Root",
            ),
            LogicalRoute(
                f"{short}-revoke-secondary",
                "sys/",
                f"{base}/primary/revoke-secondary",
                _update(r.revoke_secondary, *ID),
                "token",
                evidence=docs,
            ),
            LogicalRoute(
                f"{short}-generate-public-key",
                "sys/",
                f"{base}/secondary/generate-public-key",
                _update(r.generate_public_key),
                "token",
                evidence=docs,
            ),
            LogicalRoute(
                f"{short}-secondary-enable",
                "sys/",
                f"{base}/secondary/enable",
                _update(r.secondary_enable, *ENABLE_SECONDARY),
                "token",
                evidence=docs,
            ),
            LogicalRoute(
                f"{short}-promote",
                "sys/",
                f"{base}/secondary/promote",
                _update(r.secondary_promote, *extra, *PROMOTE),
                secondary_auth,
                evidence=docs,
            ),
            LogicalRoute(
                f"{short}-secondary-disable",
                "sys/",
                f"{base}/secondary/disable",
                _update(r.secondary_disable, *extra),
                secondary_auth,
                evidence=docs,
            ),
            LogicalRoute(
                f"{short}-update-primary",
                "sys/",
                f"{base}/secondary/update-primary",
                _update(r.update_primary, *extra, *UPDATE_PRIMARY),
                secondary_auth,
                evidence=docs,
            ),
            LogicalRoute(
                f"{short}-reindex",
                "sys/",
                f"{base}/reindex",
                _update(h.reindex, *REINDEX_FIELDS),
                "sudo",
                evidence="PathsSpecial.Root",
            ),
        ]
    routes += _legacy_routes(routes)
    routes += [
        LogicalRoute(
            "dr-operation-token-delete",
            "sys/",
            "replication/dr/secondary/operation-token/delete",
            _update(r.operation_token_delete, DR_TOKEN),
            "none",
            evidence="DOC-DR-NEW",
        ),
        LogicalRoute(
            "dr-secondary-reindex",
            "sys/",
            "replication/dr/secondary/reindex",
            _update(r.dr_reindex, DR_TOKEN, *REINDEX_FIELDS),
            "none",
            evidence="DOC-DR-NEW",
        ),
        LogicalRoute(
            "dr-secondary-merkle-check",
            "sys/",
            "replication/dr/secondary/merkle-check",
            _update(r.merkle_check, DR_TOKEN),
            "none",
            evidence="DOC-DR-NEW",
        ),
        LogicalRoute(
            "dr-secondary-recover",
            "sys/",
            "replication/dr/secondary/recover",
            _update(r.dr_recover, DR_TOKEN),
            "none",
            evidence="PathsSpecial.Unauthenticated",
        ),
        LogicalRoute(
            "perf-paths-filter",
            "sys/",
            "replication/performance/primary/paths-filter/(?P<id>[^/]+)",
            {
                "read": Op(r.paths_filter_read),
                "update": Op(
                    r.paths_filter_write,
                    (Field("mode", _S, default="allow", choices=("allow", "deny")), Field("paths", _LIST, default=[])),
                ),
                "delete": Op(r.paths_filter_delete),
            },
            "token",
            evidence="DOC-PERF-NEW",
        ),
        LogicalRoute(
            "perf-primary-dynamic-filter",
            "sys/",
            "replication/performance/primary/dynamic-filter/(?P<id>[^/]+)",
            {"read": Op(r.dynamic_filter_read)},
            "token",
            evidence="DOC-PERF-NEW",
        ),
        LogicalRoute(
            "perf-secondary-dynamic-filter",
            "sys/",
            "replication/performance/secondary/dynamic-filter/(?P<id>[^/]+)",
            {"read": Op(r.dynamic_filter_read)},
            "token",
            evidence="DOC-PERF-NEW",
        ),
        LogicalRoute(
            "token-create",
            "auth/token/",
            "create",
            _update(
                r.token_create,
                Field("type", _S, default="service", choices=("service", "batch", "default")),
                Field("policies", _LIST, default=[]),
                Field("ttl", _S, default=""),
                Field("orphan", _BOOL, default=False),
                Field("display_name", _S, default=""),
                Field("no_parent", _BOOL, default=False),
            ),
            "token",
            mount_type="token",
            evidence="vault/token_store.go handleCreate; batch tokens for DR operations (§13.6)",
        ),
        LogicalRoute(
            "root-token-attempt",
            "sys/",
            "generate-root-token/attempt",
            {"read": Op(r.root_token_attempt_read)},
            "token",
            evidence="OpenBao's path, for bao operator generate-root -decode (§13.3)",
        ),
    ]
    return tuple(routes)


MUX: tuple[MuxRoute, ...] = (
    MuxRoute("health", "/v1/sys/health", frozenset({"GET", "HEAD"}), h.health, "http/sys_health.go; reference §11"),
    MuxRoute("seal-status", "/v1/sys/seal-status", frozenset({"GET"}), h.seal_status, "http/sys_seal.go; §12.1"),
    MuxRoute("leader", "/v1/sys/leader", frozenset({"GET"}), h.leader, "vault/logical_system.go LeaderResponse; §12.2"),
    MuxRoute("init", "/v1/sys/init", frozenset({"GET", "PUT", "POST"}), h.init, "http/sys_init.go; §12.3"),
    MuxRoute(
        "dr-operation-token-attempt",
        "/v1/sys/replication/dr/secondary/generate-operation-token/attempt",
        frozenset({"GET", "POST", "PUT", "DELETE"}),
        r.operation_token_attempt,
        "the generate-root handler with the DR strategy (http/sys_generate_root.go; §13.1)",
    ),
    MuxRoute(
        "dr-operation-token-update",
        "/v1/sys/replication/dr/secondary/generate-operation-token/update",
        frozenset({"POST", "PUT"}),
        r.operation_token_update,
        "§13.2",
    ),
)

LOGICAL: tuple[LogicalRoute, ...] = (
    LogicalRoute(
        "status", "sys/", _rel("status"), {"read": Op(h.status_read)}, "none", evidence="PathsSpecial.Unauthenticated"
    ),
    LogicalRoute(
        "dr-status",
        "sys/",
        _rel("dr-status"),
        {"read": Op(h.status_read)},
        "none",
        evidence="PathsSpecial.Unauthenticated",
    ),
    LogicalRoute(
        "performance-status",
        "sys/",
        _rel("performance-status"),
        {"read": Op(h.status_read)},
        "none",
        evidence="PathsSpecial.Unauthenticated",
    ),
    LogicalRoute("recover", "sys/", _rel("recover"), {"update": Op(h.recover)}, "token", evidence="DOC-IDX-2024 §1a"),
    LogicalRoute(
        "reindex",
        "sys/",
        _rel("reindex"),
        {"update": Op(h.reindex, REINDEX_FIELDS)},
        "sudo",
        evidence="PathsSpecial.Root",
    ),
    LogicalRoute(
        "lookup-self",
        "auth/token/",
        "lookup-self",
        {"read": Op(h.lookup_self), "update": Op(h.lookup_self, (Field("token", "string"),))},
        "token",
        mount_type="token",
        evidence="vault/token_store.go handleLookupSelf; §12.4",
    ),
    *_replication_routes(),
)

MOUNTS: tuple[str, ...] = ("sys/", "auth/token/", "cubbyhole/", "identity/")
"""The mounts every Vault has (an unknown one answers ``no handler for route``)."""

SCHEMA_OF_ROUTE = {
    "dr-secondary-token": "secondary-token-response",
    "perf-secondary-token": "secondary-token-response",
    "legacy-primary-secondary-token": "secondary-token-response",
    "merkle-check": "merkle-check-response",
    "dr-secondary-merkle-check": "merkle-check-response",
    "dr-operation-token-attempt": "operation-token-status",
    "dr-operation-token-update": "operation-token-status",
    "perf-paths-filter": "paths-filter-response",
    "perf-primary-dynamic-filter": "dynamic-filter-response",
    "perf-secondary-dynamic-filter": "dynamic-filter-response",
    "dr-generate-public-key": "public-key-response",
    "perf-generate-public-key": "public-key-response",
    "dr-reindex": "reindex-response",
    "perf-reindex": "reindex-response",
    "dr-secondary-reindex": "reindex-response",
    "dr-secondary-recover": "recover-response",
}
"""Routes whose successful body has a schema of its own (the status, health, recover and reindex ones are the
schemas layer's RESPONSE_SCHEMA)."""

_ALL: tuple[MuxRoute | LogicalRoute, ...] = (*MUX, *LOGICAL)
BY_ENDPOINT: dict[str, MuxRoute | LogicalRoute] = {r.endpoint: r for r in _ALL}
ENDPOINT_NAMES: tuple[str, ...] = tuple(BY_ENDPOINT)
MUX_BY_PATH = {r.path: r for r in MUX}


def response_schema(endpoint: str | None) -> str | None:
    """The schema name of ``endpoint``'s successful body, if it has one."""
    from replmock.schemas import RESPONSE_SCHEMA

    if endpoint is None:
        return None
    return SCHEMA_OF_ROUTE.get(endpoint) or RESPONSE_SCHEMA.get(endpoint)


def mount_of(logical_path: str) -> str | None:
    """The longest mount that ``logical_path`` lives under."""
    found = [m for m in MOUNTS if logical_path.startswith(m) or logical_path + "/" == m]
    return max(found, key=len) if found else None


def logical_route(mount: str, rel: str) -> LogicalRoute | None:
    return next((r for r in LOGICAL if r.mount == mount and r.matches(rel)), None)


def endpoint_of(path: str) -> str | None:
    """The endpoint name of a /v1 path (exact), or None."""
    if path in MUX_BY_PATH:
        return MUX_BY_PATH[path].endpoint
    logical = path.removeprefix("/v1/")
    mount = mount_of(logical)
    route = logical_route(mount, logical[len(mount) :]) if mount else None
    return route.endpoint if route else None


def normalize(endpoint: str) -> str:
    """An endpoint name, a /v1 path, or an hvac-style path (``sys/replication/status``) as a name when one matches."""
    path = endpoint if endpoint.startswith("/") else "/v1/" + endpoint
    return endpoint_of(path) or endpoint


def hint(method: str, path: str) -> str | None:
    """Why a request matched nothing, in a few words: the methods a path takes, or the closest served path."""
    name = endpoint_of(path.rstrip("/") or "/")
    if name is not None:
        route = BY_ENDPOINT[name]
        methods = route.methods if isinstance(route, MuxRoute) else _methods(route)
        extra = " (without the trailing slash)" if path.endswith("/") else ""
        return f"{route.path}{extra} takes {' or '.join(sorted(methods))}, not {method}"
    candidates = [r.path for r in BY_ENDPOINT.values()]
    stripped = path if path.startswith("/v1/") else "/v1/" + path.lstrip("/")
    found = difflib.get_close_matches(stripped, candidates, n=1, cutoff=0.6)
    return f"did you mean {found[0]}?" if found else None


def served() -> list[str]:
    """One line per served path: its methods, path and auth class (for "did you mean" explanations)."""
    lines = []
    for route in BY_ENDPOINT.values():
        methods = route.methods if isinstance(route, MuxRoute) else _methods(route)
        auth = "none" if isinstance(route, MuxRoute) else route.auth
        lines.append(f"{'|'.join(sorted(methods))} {route.path} (auth: {auth})")
    return lines


def _methods(route: LogicalRoute) -> set[str]:
    names = {"read": {"GET"}, "update": {"POST", "PUT"}, "delete": {"DELETE"}, "list": {"LIST"}, "patch": {"PATCH"}}
    return set().union(*(names.get(op, set()) for op in route.ops))
