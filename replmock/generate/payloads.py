"""Payload views: the JSON each endpoint of a cluster answers, projected from the topology's state."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from replmock.model.topology import GO_ZERO_EPOCH, Cluster, Link, ReplicationSet, ReplicationType, Topology
from replmock.schemas import ENDPOINT_PATHS

ENDPOINTS = ("status", "dr-status", "performance-status", "health")
"""Views a node projects (file names of generated fixtures)."""


def rfc3339(cluster: Cluster, when: datetime) -> str:
    """``when`` as Vault writes it: whole seconds with the node's local offset."""
    return cluster.local(when).replace(microsecond=0).isoformat()


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


def _canary_age(top: Topology, link: Link) -> int:
    now = top.now()
    if not link.connected and link.disconnected_at is not None:
        return int((now - link.disconnected_at).total_seconds() * 1000) + 400
    ms = int((now - link.enabled_at).total_seconds() * 1000)
    return 200 + (ms + link.canary_phase_ms) % 600


def _peer(top: Topology, seen_from: Cluster, peer: Cluster, link: Link, *, skew_sign: int) -> dict[str, Any]:
    return {
        "api_address": peer.active.api_addr,
        "clock_skew_ms": str(skew_sign * link.clock_skew_ms),
        "cluster_address": peer.active.cluster_addr,
        "connection_status": "connected" if link.connected else "disconnected",
        "last_heartbeat": rfc3339(seen_from, top.last_heartbeat(link)),
        "last_heartbeat_duration_ms": str(link.heartbeat_duration_ms),
        "replication_primary_canary_age_ms": str(_canary_age(top, link)),
    }


def _primary(top: Topology, cluster: Cluster, kind: ReplicationType, rset: ReplicationSet) -> dict[str, Any]:
    wal = int(cluster.wal)
    secondaries = []
    for link in rset.links:
        entry = _peer(top, cluster, top.cluster(link.secondary), link, skew_sign=1)
        entry["node_id"] = link.secondary_id
        secondaries.append(dict(sorted(entry.items())))
    out = {
        **_common(top, cluster, kind),
        "cluster_id": rset.cluster_id,
        "known_secondaries": [link.secondary_id for link in rset.links],
        ("last_dr_wal" if kind == "dr" else "last_performance_wal"): wal,
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
    out["primaries"] = [dict(sorted(_peer(top, cluster, primary, link, skew_sign=-1).items()))]
    if link.state == "merkle-sync":
        out["merkle_sync_progress"] = {"sync_progress": int(link.sync_done), "sync_total_keys": link.sync_total}
    return dict(sorted(out.items()))


def status_object(top: Topology, name: str, kind: ReplicationType) -> dict[str, Any]:
    """The status object of cluster ``name`` for one replication type."""
    with top.lock:
        top.sync()
        cluster = top.cluster(name)
        role = top.role(name, kind)
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


def health(top: Topology, name: str, node: str | None = None) -> dict[str, Any]:
    """GET sys/health of one node (the active node unless ``node`` is given), in Vault's field order."""
    with top.lock:
        top.sync()
        cluster = top.cluster(name)
        member = cluster.active if node is None else next(n for n in cluster.nodes if n.name == node)
        enterprise = cluster.edition == "enterprise"
        out: dict[str, Any] = {
            "initialized": True,
            "sealed": False,
            "standby": not member.active,
            "performance_standby": False,
            "replication_performance_mode": top.role(name, "performance").mode if enterprise else "disabled",
            "replication_dr_mode": top.role(name, "dr").mode if enterprise else "disabled",
            "server_time_utc": int(top.now().timestamp()),
            "version": cluster.version,
            "enterprise": enterprise,
            "cluster_name": cluster.cluster_name,
            "cluster_id": cluster.storage_cluster_id,
        }
        if enterprise and member.active:
            out["last_wal"] = int(cluster.wal)
        if enterprise:
            expiry = top.now().replace(month=12, day=31, hour=23, minute=59, second=59, microsecond=0)
            out["license"] = {
                "expiry_time": expiry.isoformat().replace("+00:00", "Z"),
                "state": "autoloaded",
                "terminated": False,
            }
        out["echo_duration_ms"] = 0 if member.active else 1
        out["clock_skew_ms"] = 0
        out["replication_primary_canary_age_ms"] = 0
        return out


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


def envelope(
    data: Any, request_id: str, warnings: list[str] | None = None, *, mount_type: str | None = "system"
) -> dict[str, Any]:
    """Vault's response envelope, keys in Vault's order (HTTPResponse in sdk/logical/translate_response.go)."""
    out: dict[str, Any] = {
        "request_id": request_id,
        "lease_id": "",
        "renewable": False,
        "lease_duration": 0,
        "data": data,
        "wrap_info": None,
        "warnings": warnings or None,
        "auth": None,
    }
    if mount_type is not None:
        out["mount_type"] = mount_type
    return out


PATHS = {name: ENDPOINT_PATHS[name] for name in ENDPOINTS}

ENTERPRISE_ONLY = {"errors": ["enterprise-only feature"]}
"""What open-source Vault 1.14+ answers (404) on Enterprise-only replication paths."""


def health_code(top: Topology, name: str, node: str | None = None) -> int:
    """sys/health's default status code: 200 active, 429 standby, 472 DR secondary (Vault's defaults)."""
    cluster = top.cluster(name)
    member = cluster.active if node is None else next(n for n in cluster.nodes if n.name == node)
    if cluster.edition == "enterprise" and top.role(name, "dr").mode == "secondary":
        return 472
    return 200 if member.active else 429


def response(
    top: Topology, name: str, endpoint: str, request_id: str, node: str | None = None
) -> tuple[int, dict[str, Any]]:
    """(HTTP status, body) of a GET of ``endpoint`` on a node of cluster ``name``."""
    if endpoint == "health":
        return health_code(top, name, node), health(top, name, node)
    data = view(top, name, endpoint, node)
    if data is None:
        return 404, dict(ENTERPRISE_ONLY)
    return 200, envelope(data, request_id)
