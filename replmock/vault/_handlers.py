"""One handler per endpoint family: what Vault answers, from the topology's state, for one call."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from replmock.generate import payloads
from replmock.vault._errors import ENTERPRISE_ONLY, SEALED, VaultError
from replmock.vault._params import parse_bool_text, parse_int_text
from replmock.vault._wire import Answer, generic_headers, json_answer

if TYPE_CHECKING:  # pragma: no cover
    from replmock.vault._core import Call


@dataclass
class Result:
    """A logical handler's response: ``data`` and ``warnings`` go into Vault's envelope."""

    data: Any = None
    warnings: list[str] = field(default_factory=list)
    auth: Any = None
    """The envelope's ``auth`` block (token creation)."""


# --- replication --------------------------------------------------------------------------------


def status_read(call: Call) -> Any:
    """GET sys/replication/{status,dr/status,performance/status}: a view of the topology (cached while unchanged)."""
    text = call.node.cached_view(call.endpoint)
    if text is None:  # open-source Vault 1.14+: the stub answers 404 (reference §5.2)
        raise VaultError(404, ENTERPRISE_ONLY)
    return text


def _enterprise(call: Call) -> None:
    if call.cluster.edition == "oss":
        raise VaultError(404, ENTERPRISE_ONLY)


def recover(call: Call) -> Result:
    """POST sys/replication/recover. Warning texts: best evidence (Enterprise-only, not observed; §9)."""
    _enterprise(call)
    started = call.node.topology.recover(call.node.cluster)
    if not started:
        return Result(warnings=["replication is not in an adverse state on this cluster; nothing to recover"])
    return Result(
        warnings=[
            f"{kind} replication recovery started; the secondary will reconnect and resume streaming"
            for kind in started
        ]
    )


def reindex(call: Call) -> Result:
    """POST sys/replication/reindex (sudo). Warning texts: best evidence (Enterprise-only, not observed; §9)."""
    _enterprise(call)
    f = call.fields
    if not call.node.topology.reindex(call.node.cluster, diff=f["diff"], force=f["force"], skip_flush=f["skip_flush"]):
        return Result(warnings=["a reindex is already in progress"])
    warnings = ["Reindexing the merkle tree; this can take a long time depending on the size of the data store"]
    if f["skip_flush"]:
        warnings.append(
            "skip_flush: the tree is flushed asynchronously; a node killed before it finishes may need a new reindex"
        )
    return Result(warnings=warnings)


# --- tokens -------------------------------------------------------------------------------------


def lookup_self(call: Call) -> Result:
    """auth/token/lookup-self: the calling token's entry, keys sorted as Go writes a map (§12.4)."""
    token = call.token
    assert token is not None  # noqa: S101 - the route's auth class guarantees a token
    created = int(call.node.topology.clock.start.timestamp())
    data = {
        "accessor": token.accessor(),
        "creation_time": created,
        "creation_ttl": 0,
        "display_name": token.display_name,
        "entity_id": "",
        "expire_time": None,
        "explicit_max_ttl": 0,
        "id": token.id,
        "issue_time": payloads.rfc3339(call.cluster, call.node.topology.clock.start),
        "meta": None,
        "num_uses": 0,
        "orphan": True,
        "path": "auth/token/create" if token.kind != "root" else "auth/token/root",
        "policies": token.policies,
        "renewable": False,
        "ttl": 0,
        "type": "service",
    }
    if token.kind == "root":  # a root token from sys/init has no lease entry: no issue_time or renewable
        del data["issue_time"], data["renewable"]
    return Result(data)


# --- the mux handlers (no token, no envelope) -----------------------------------------------------

# sys/health query parameters in the order Vault parses them (Vmain http/sys_health.go): (name, default, since).
HEALTH_BOOLS = ("standbyok", "perfstandbyok")
HEALTH_CODES: tuple[tuple[str, int, tuple[int, int, int]], ...] = (
    ("uninitcode", 501, (0, 0, 0)),
    ("sealedcode", 503, (0, 0, 0)),
    ("standbycode", 429, (0, 0, 0)),
    ("activecode", 200, (0, 0, 0)),
    ("drsecondarycode", 472, (0, 0, 0)),
    ("performancestandbycode", 473, (0, 0, 0)),
    ("haunhealthycode", 474, (1, 19, 0)),
    ("removedcode", 530, (1, 19, 0)),
)


def _bad_request_empty(call: Call) -> Answer:
    """``respondError(w, 400, nil)``: ``{"errors":[]}``; a HEAD gets neither body nor Content-Type (§11.1, §11.3)."""
    if call.request.method == "HEAD":
        return Answer(400, [("Cache-Control", "no-store"), ("Strict-Transport-Security", generic_headers()[2][1])])
    return json_answer(400, {"errors": []})


def health(call: Call) -> Answer:
    """GET/HEAD sys/health: status code by Vault's check order, then the body (reference §11)."""
    query = call.request.query()
    release = call.cluster.release
    values: dict[str, Any] = {}
    for name in HEALTH_BOOLS:  # parseutil.ParseBool: empty is false, else strconv.ParseBool spellings
        raw = query.get(name, [None])[0]
        parsed = False if not raw else parse_bool_text(raw)
        if parsed is None:
            return _bad_request_empty(call)
        values[name] = parsed
    for name, default, since in HEALTH_CODES:
        raw = query.get(name, [None])[0]
        if raw is None or release < since:
            values[name] = default
            continue
        code = parse_int_text(raw)  # strconv.Atoi, no range check
        if code is None:
            return _bad_request_empty(call)
        values[name] = code
    state = call.state
    enterprise = call.cluster.edition == "enterprise"
    dr_secondary = enterprise and call.node.topology.role(call.node.cluster, "dr").mode == "secondary"
    if state == "sealed":
        code = values["sealedcode"]
    elif dr_secondary:  # before the standby checks: a DR secondary answers 472 on any node (§11.4)
        code = values["drsecondarycode"]
    elif state == "perf-standby":
        code = values["activecode"] if values["perfstandbyok"] else values["performancestandbycode"]
    elif state == "standby":
        code = values["activecode"] if values["standbyok"] else values["standbycode"]
    else:
        code = values["activecode"]
    body = payloads.health(call.node.topology, call.node.cluster, call.node.node, state)
    return _coded(call, code, body)


def _coded(call: Call, code: int, body: Any) -> Answer:
    """What Go's server does with a handler's WriteHeader(code) followed by a JSON body."""
    if not 100 <= code <= 999:  # noqa: PLR2004 - WriteHeader panics; the client sees the connection close
        return Answer(0, drop=True)
    interim = None
    if 100 <= code < 200 and code != 101:  # noqa: PLR2004 - informational, then an implicit 200 with the body
        interim, code = code, 200
    answer = json_answer(code, body)
    if call.request.method == "HEAD" or code in {204, 304}:
        answer.body = b""
    answer.interim = interim
    return answer


def seal_status(call: Call) -> Answer:
    """GET sys/seal-status: SealStatusResponse in struct order (§12.1); 200 also when sealed."""
    cluster = call.cluster
    sealed = call.state == "sealed"
    body: dict[str, Any] = {
        "type": "shamir",
        "initialized": True,
        "sealed": sealed,
        "t": call.node.threshold,
        "n": call.node.shares,
        "progress": 0,
        "nonce": "",
        "version": cluster.version,
        "build_date": f"{2024 + cluster.release[1] % 3}-0{1 + cluster.release[2] % 9}-1{cluster.release[1] % 10}T09:00:00Z",
        "migration": False,
    }
    if not sealed:
        body["cluster_name"] = cluster.cluster_name
        body["cluster_id"] = cluster.storage_cluster_id
    body["recovery_seal"] = False
    body["storage_type"] = "raft"
    if cluster.release >= (1, 19, 0):
        body["removed_from_cluster"] = False
    return json_answer(200, body)


def leader(call: Call) -> Answer:
    """GET sys/leader: LeaderResponse in struct order (§12.2); an HA node that is sealed answers 503."""
    if call.state == "sealed":
        return json_answer(503, {"errors": [SEALED]})
    cluster = call.cluster
    is_self = call.state == "active"
    start = call.node.topology.clock.start
    body: dict[str, Any] = {
        "ha_enabled": True,
        "is_self": is_self,
        "active_time": payloads.rfc3339(cluster, cluster.active_since or start) if is_self else "0001-01-01T00:00:00Z",
        "leader_address": cluster.active.api_addr,
        "leader_cluster_address": cluster.active.cluster_addr,
        "performance_standby": call.state == "perf-standby",
        "performance_standby_last_remote_wal": int(cluster.wal) if call.state == "perf-standby" else 0,
    }
    if is_self and cluster.edition == "enterprise":
        body["last_wal"] = int(cluster.wal)
    index = 1000 + int(cluster.wal) % 100000
    body["raft_committed_index"] = index
    body["raft_applied_index"] = index
    return json_answer(200, body)


def init(call: Call) -> Answer:
    """GET sys/init: ``{"initialized":true}``; PUT/POST on an initialized node: 400 (http/sys_init.go)."""
    if call.request.method == "GET":
        return json_answer(200, {"initialized": True})
    return json_answer(400, {"errors": ["Vault is already initialized"]})


__all__ = ["Result", "health", "init", "leader", "lookup_self", "recover", "reindex", "seal_status"]
