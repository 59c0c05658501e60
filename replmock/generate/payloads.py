"""Payload views: the JSON each endpoint of a cluster answers, projected from the topology's state."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from replmock.model.topology import (
    GO_ZERO_EPOCH,
    TYPES,
    Cluster,
    Detached,
    Link,
    ReplicationSet,
    ReplicationType,
    Topology,
)
from replmock.schemas import ENDPOINT_PATHS
from replmock.schemas._fields import SHIPPED_WAL, health_sends

ENDPOINTS = ("status", "dr-status", "performance-status", "health")
"""Views a node projects (file names of generated fixtures)."""


def rfc3339(cluster: Cluster, when: datetime) -> str:
    """``when`` as Go's time.Time marshals it: whole seconds, the node's local offset, ``Z`` for UTC."""
    text = cluster.local(when).replace(microsecond=0).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def epoch(when: datetime | None, never: str) -> str:
    return never if when is None else str(int(when.timestamp()))


def _common(top: Topology, cluster: Cluster, kind: ReplicationType) -> dict[str, Any]:
    state = cluster.types[kind]
    out: dict[str, Any] = {
        "corrupted_merkle_tree": state.corrupted,
        "last_corruption_check_epoch": epoch(state.last_corruption_check, GO_ZERO_EPOCH),
        "last_reindex_epoch": epoch(state.last_reindex, "0"),
        "ssct_generation_counter": state.ssct_generation_counter,
    }
    if cluster.reindex is not None:
        stage, built = cluster.reindex.stage_at(top.now())
        if stage is not None:
            out["reindex_in_progress"] = True
            out["reindex_stage"] = stage
            out["reindex_building_progress"] = built
            out["reindex_building_total"] = cluster.reindex.total
    return out


def canary_age_ms(top: Topology, rset: ReplicationSet, link: Link) -> int:
    """The age of the newest canary the secondary applied (§16.3): a few hundred ms while it keeps up (the primary
    writes one a second), growing while it applies nothing (disconnected, diffing, syncing, stopped) or lags."""
    now = top.now()
    ms = int((now - link.enabled_at).total_seconds() * 1000)
    base = 200 + (ms + link.canary_phase_ms) % 600 + int(link.delay * 1000)
    if link.stale_since is not None:
        return base + int((now - link.stale_since).total_seconds() * 1000)
    primary = top.cluster(rset.primary)
    behind = primary.wal - primary.write_rate * link.delay - link.remote_wal
    if behind > max(1.0, primary.write_rate) and link.caught_up_at is not None:  # lagging: the oldest unapplied write
        return base + int((now - link.caught_up_at).total_seconds() * 1000)
    return base


def _peer(
    top: Topology, seen_from: Cluster, peer: Cluster, rset: ReplicationSet, link: Link, *, skew_sign: int
) -> dict[str, Any]:
    return {
        "api_address": peer.active.api_addr,
        "clock_skew_ms": str(skew_sign * link.clock_skew_ms),
        "cluster_address": peer.active.cluster_addr,
        "connection_status": "connected" if link.connected else "disconnected",
        "last_heartbeat": rfc3339(seen_from, top.last_heartbeat(link)),
        "last_heartbeat_duration_ms": str(link.heartbeat_duration_ms),
        "replication_primary_canary_age_ms": str(canary_age_ms(top, rset, link)),
    }


def _primary(top: Topology, cluster: Cluster, kind: ReplicationType, rset: ReplicationSet) -> dict[str, Any]:
    wal = int(cluster.wal)
    secondaries = []
    for link in rset.links:
        entry = _peer(top, cluster, top.cluster(link.secondary), rset, link, skew_sign=1)
        entry["node_id"] = link.secondary_id
        secondaries.append(dict(sorted(entry.items())))
    out = {
        **_common(top, cluster, kind),
        "cluster_id": rset.cluster_id,
        "known_secondaries": [link.secondary_id for link in rset.links] + rset.unconnected_ids,
        SHIPPED_WAL[kind]: wal,
        "last_wal": wal,
        "merkle_root": top.merkle_root(rset, wal),
        "mode": "primary",
        "primary_cluster_addr": rset.primary_cluster_addr,
        "secondaries": secondaries,
        "state": "running",
    }
    return dict(sorted(out.items()))


def _secondary(
    top: Topology, cluster: Cluster, kind: ReplicationType, rset: ReplicationSet, link: Link
) -> dict[str, Any]:
    primary = top.cluster(rset.primary)
    remote = int(link.remote_wal)
    out: dict[str, Any] = {
        "cluster_id": rset.cluster_id,
        "connection_state": link.connection_state,
        "known_primary_cluster_addrs": [n.cluster_addr for n in primary.nodes],
        "last_remote_wal": remote,
        "mode": link.mode,
        "primary_cluster_addr": primary.active.cluster_addr,
        "secondary_id": link.secondary_id,
        "state": link.state,
    }
    if link.mode == "bootstrapping":
        return dict(sorted(out.items()))
    out.update(_common(top, cluster, kind))
    out["last_start"] = rfc3339(cluster, link.last_start)
    out["merkle_root"] = top.merkle_root(rset, remote)
    out["primaries"] = [dict(sorted(_peer(top, cluster, primary, rset, link, skew_sign=-1).items()))]
    if link.state == "merkle-sync":
        out["merkle_sync_progress"] = {"sync_progress": int(link.sync_done), "sync_total_keys": link.sync_total}
    return dict(sorted(out.items()))


def _detached(top: Topology, cluster: Cluster, kind: ReplicationType, d: Detached) -> dict[str, Any]:
    """A secondary with no primary (demoted, or its primary went away): it connects to nothing (best evidence)."""
    out: dict[str, Any] = {
        **_common(top, cluster, kind),
        "cluster_id": d.cluster_id,
        "connection_state": "idle",
        "known_primary_cluster_addrs": [],
        "last_remote_wal": int(d.remote_wal),
        "last_start": rfc3339(cluster, d.last_start),
        "merkle_root": top.merkle_root_of(d.cluster_id, int(d.remote_wal)),
        "mode": "secondary",
        "primaries": [],
        "primary_cluster_addr": d.primary_cluster_addr,
        "secondary_id": d.secondary_id,
        "state": "idle",
    }
    return dict(sorted(out.items()))


def status_object(top: Topology, name: str, kind: ReplicationType) -> dict[str, Any]:
    """The status object of cluster ``name`` for one replication type (with any recorded extra fields)."""
    out = _status_object(top, name, kind)
    extra = top.cluster(name).recorded_extra.get(kind)
    if extra and out.get("mode") != "disabled":
        out = dict(sorted({**extra, **out}.items()))
    return out


def _status_object(top: Topology, name: str, kind: ReplicationType) -> dict[str, Any]:
    with top.lock:
        top.sync()
        cluster = top.cluster(name)
        role = top.role(name, kind)
        if role.detached is not None:
            return _detached(top, cluster, kind, role.detached)
        if role.rset is None:
            return {"mode": "disabled"}
        if role.link is None:
            return _primary(top, cluster, kind, role.rset)
        return _secondary(top, cluster, kind, role.rset, role.link)


def replication_status(top: Topology, name: str) -> dict[str, Any]:
    """``data`` of GET sys/replication/status (open-source Vault: a flat ``{"mode": "disabled"}``)."""
    if top.cluster(name).edition == "oss":
        return {"mode": "disabled"}
    with top.lock:  # both halves from the same instant
        return {"dr": status_object(top, name, "dr"), "performance": status_object(top, name, "performance")}


NodeState = Literal["active", "standby", "perf-standby", "sealed"]
NODE_STATES: tuple[str, ...] = ("active", "standby", "perf-standby", "sealed")


def node_state(cluster: Cluster, node: str | None = None) -> NodeState:
    """What a node of ``cluster`` is by the topology: active, a performance standby or a plain standby."""
    member = cluster.active if node is None else next(n for n in cluster.nodes if n.name == node)
    if member.active:
        return "active"
    return "perf-standby" if member.performance_standby else "standby"


def health(top: Topology, name: str, node: str | None = None, state: NodeState | None = None) -> dict[str, Any]:
    """GET sys/health of one node (see :func:`_health`), with any fields a recording had that the model lacks."""
    out = _health(top, name, node, state)
    for key, value in top.cluster(name).recorded_extra.get("health", {}).items():
        out.setdefault(key, value)
    return out


def _health(top: Topology, name: str, node: str | None = None, state: NodeState | None = None) -> dict[str, Any]:
    """GET sys/health of one node, fields in the order of Vault's HealthResponse struct for the version served.

    ``state`` overrides what the topology says of the node (a sealed node, a standby). Sources:
    reference §11.5 (Vault ``http/sys_health.go``: ``enterprise`` 1.16+, echo/skew/canary 1.16+,
    ``removed_from_cluster`` and ``ha_connection_healthy`` 1.19+) and §11.6 (a sealed node).
    """
    with top.lock:
        top.sync()
        cluster = top.cluster(name)
        state = state or node_state(cluster, node)
        release = cluster.release
        enterprise = cluster.edition == "enterprise"
        sealed = state == "sealed"
        standby = state != "active"

        def mode(kind: ReplicationType) -> str:
            if sealed:  # the replication state is unknown until the node hears from the active node
                return "unknown"
            return top.role(name, kind).mode if enterprise else "disabled"

        out: dict[str, Any] = {
            "initialized": True,
            "sealed": sealed,
            "standby": standby,
            "performance_standby": state == "perf-standby",
            "replication_performance_mode": mode("performance"),
            "replication_dr_mode": mode("dr"),
            "server_time_utc": int(top.now().timestamp()),
            "version": cluster.version,
        }
        out["enterprise"] = enterprise
        if not sealed:
            out["cluster_name"] = cluster.cluster_name
            out["cluster_id"] = cluster.storage_cluster_id
            if enterprise and not standby:
                out["last_wal"] = int(cluster.wal)
            if enterprise:
                expiry = top.now().replace(month=12, day=31, hour=23, minute=59, second=59, microsecond=0)
                out["license"] = {
                    "state": "autoloaded",
                    "expiry_time": expiry.isoformat().replace("+00:00", "Z"),
                    "terminated": False,
                }
        out["echo_duration_ms"] = 1 if standby and not sealed else 0
        out["clock_skew_ms"] = 0
        out["replication_primary_canary_age_ms"] = _standby_canary(top, name) if standby and not sealed else 0
        out["removed_from_cluster"] = False  # integrated storage (raft): the pointer is set
        if standby and not sealed:
            out["ha_connection_healthy"] = True
            out["last_request_forwarding_heartbeat_ms"] = 1
        # Which release first sends which field is the field table's ``since`` column.
        return {key: value for key, value in out.items() if health_sends(key, release)}


def _standby_canary(top: Topology, name: str) -> int:
    """A standby's canary age (non-zero only on standbys, §16.3): its cluster's replication lag when the cluster is
    a secondary (the larger of its links), else the few milliseconds the active node's canary takes to reach it."""
    ages = [
        canary_age_ms(top, role.rset, role.link)
        for role in (top.role(name, kind) for kind in TYPES)
        if role.rset is not None and role.link is not None
    ]
    return max(ages) if ages else 3


def view(top: Topology, name: str, endpoint: str, node: str | None = None) -> dict[str, Any] | None:
    """The body data of ``endpoint`` (one of :data:`ENDPOINTS`); None where the server answers 404."""
    if endpoint == "status":
        return replication_status(top, name)
    if endpoint == "health":
        return health(top, name, node)
    if top.cluster(name).edition == "oss":
        return None
    if endpoint == "dr-status":
        return status_object(top, name, "dr")
    if endpoint == "performance-status":
        return status_object(top, name, "performance")
    msg = f"unknown endpoint {endpoint!r}; expected one of: {', '.join(ENDPOINTS)}"
    raise ValueError(msg)


PATHS = {name: ENDPOINT_PATHS[name] for name in ENDPOINTS}
