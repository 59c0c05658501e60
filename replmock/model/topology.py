"""Topology: clusters, nodes, replication sets and links, and how their state moves with the clock."""

from __future__ import annotations

import hashlib
import math
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Literal

from replmock._errors import UsageError
from replmock.model.clock import Clock

ReplicationType = Literal["dr", "performance"]
TYPES: tuple[ReplicationType, ...] = ("dr", "performance")
Edition = Literal["enterprise", "oss"]

GO_ZERO_EPOCH = "-62135596800"
"""Go's zero time.Time as Unix seconds: what Vault reports for 'never checked'."""

HEARTBEAT_INTERVAL = 5.0
"""Seconds between replication heartbeats (Vault refreshes known_primary_cluster_addrs about this often)."""


@dataclass
class Node:
    """One Vault server of a cluster."""

    name: str
    api_addr: str
    cluster_addr: str
    active: bool = False
    performance_standby: bool = False
    """A non-active node that serves reads itself (Vault Enterprise's default when licensed: reference §15.1)."""


@dataclass
class Link:
    """The relation between a primary and one secondary of a replication set, as both sides see it."""

    secondary: str
    """Name of the secondary cluster."""
    secondary_id: str
    """Id of the activation token (the primary's known_secondaries entry)."""
    remote_wal: float
    """The secondary's last_remote_wal."""
    enabled_at: datetime
    last_start: datetime
    state: str = "stream-wals"
    connection_state: str = "ready"
    connected: bool = True
    disconnected_at: datetime | None = None
    clock_skew_ms: int = 0
    heartbeat_duration_ms: int = 0
    heartbeat_phase: float = 0.0
    canary_phase_ms: int = 0
    mode: str = "secondary"
    """'secondary', or 'bootstrapping' while the secondary is being set up."""
    sync_total: int = 0
    sync_done: float = 0.0
    timeline: list[tuple[datetime, dict[str, object]]] = field(default_factory=list)
    """Scheduled state changes (recover), applied as the clock passes them."""


@dataclass
class ReplicationSet:
    """A primary and its secondaries for one replication type; ``cluster_id`` is shared by all of them."""

    kind: ReplicationType
    cluster_id: str
    primary: str
    links: list[Link] = field(default_factory=list)
    primary_cluster_addr: str = ""
    """What the primary was enabled with (usually empty)."""

    def link(self, secondary: str) -> Link:
        for link in self.links:
            if link.secondary == secondary:
                return link
        msg = f"cluster {secondary!r} is not a {self.kind} secondary of {self.primary!r}"
        raise UsageError(msg)


@dataclass
class Reindex:
    """A reindex running on one cluster."""

    started: datetime
    total: int
    building_seconds: float
    diff: bool = False
    force: bool = False
    skip_flush: bool = False

    def stage_at(self, now: datetime) -> tuple[str | None, int]:
        """(stage, keys built) at ``now``; stage is None once the reindex has finished."""
        t = (now - self.started).total_seconds()
        scan, replay, commit = 1.0, 1.0, 0.5 if self.skip_flush else 1.5
        if t < scan:
            return "scanning", 0
        if t < scan + self.building_seconds:
            return "building", int(self.total * (t - scan) / self.building_seconds)
        if t < scan + self.building_seconds + replay:
            return "wal-replay", self.total
        if t < scan + self.building_seconds + replay + commit:
            return "commit", self.total
        return None, self.total

    def finished_at(self) -> datetime:
        commit = 0.5 if self.skip_flush else 1.5
        return self.started + timedelta(seconds=1.0 + self.building_seconds + 1.0 + commit)


@dataclass
class TypeState:
    """What one cluster keeps per replication type beyond its set membership."""

    last_reindex: datetime | None = None
    corrupted: bool = False
    last_corruption_check: datetime | None = None
    ssct_generation_counter: int = 0


@dataclass
class Cluster:
    """A Vault cluster: its nodes, local WAL counter and per-type replication state."""

    name: str
    nodes: list[Node]
    wal: float
    write_rate: float
    """WAL entries written per second on this cluster."""
    utc_offset_minutes: int
    storage_cluster_id: str
    cluster_name: str
    version: str
    edition: Edition = "enterprise"
    types: dict[str, TypeState] = field(default_factory=lambda: {t: TypeState() for t in TYPES})
    reindex: Reindex | None = None

    @property
    def active(self) -> Node:
        return next((n for n in self.nodes if n.active), self.nodes[0])

    @property
    def release(self) -> tuple[int, int, int]:
        """The Vault version as numbers (``1.19.9+ent`` -> (1, 19, 9)), for version-dependent behaviour."""
        core = self.version.split("+", 1)[0].split("-", 1)[0]
        parts = [int(p) if p.isdigit() else 0 for p in core.split(".")[:3]]
        padded = [*parts, 0, 0, 0]
        return padded[0], padded[1], padded[2]

    def local(self, when: datetime) -> datetime:
        """``when`` in this cluster's local time zone (Vault writes local offsets)."""
        return when.astimezone(timezone(timedelta(minutes=self.utc_offset_minutes)))


@dataclass(frozen=True)
class Role:
    """How one cluster takes part in one replication type."""

    mode: str
    rset: ReplicationSet | None = None
    link: Link | None = None


class Topology:
    """Every cluster of a scenario and the replication sets between them, on one clock.

    State moves only through :meth:`advance` (or wall time for a clock that follows it),
    :meth:`recover` and :meth:`reindex`; the payload views in :mod:`replmock.generate`
    read it. All public methods are safe to call from several threads.
    """

    catch_up_rate = 2000.0
    """WAL entries per second a streaming secondary applies."""

    def __init__(self, clusters: list[Cluster], sets: list[ReplicationSet], clock: Clock | None = None) -> None:
        self.clock = clock or Clock()
        self.name = "custom"
        self.seed = 0
        self.focus = clusters[0].name if clusters else ""
        self.clusters = {c.name: c for c in clusters}
        self.sets = sets
        self._synced = self.clock.now()
        self.lock = threading.RLock()
        self.version = 0
        """Bumped on every state change, so views can be cached per (version, time)."""
        self._check_consistency()

    def _check_consistency(self) -> None:
        names = set(self.clusters)
        for rset in self.sets:
            if rset.primary not in names:
                msg = f"{rset.kind} set {rset.cluster_id} names unknown primary cluster {rset.primary!r}"
                raise UsageError(msg)
            for link in rset.links:
                if link.secondary not in names:
                    msg = f"{rset.kind} set {rset.cluster_id} names unknown secondary cluster {link.secondary!r}"
                    raise UsageError(msg)
        for name in names:
            for kind in TYPES:
                roles = [
                    r
                    for r in self.sets
                    if r.kind == kind and (r.primary == name or any(lk.secondary == name for lk in r.links))
                ]
                if len(roles) > 1:
                    msg = f"cluster {name!r} takes part in {len(roles)} {kind} replication sets; a cluster has one role per type"
                    raise UsageError(msg)

    # --- queries -------------------------------------------------------------

    def cluster(self, name: str) -> Cluster:
        try:
            return self.clusters[name]
        except KeyError:
            msg = f"unknown cluster {name!r}; this topology has: {', '.join(self.clusters)}"
            raise UsageError(msg) from None

    def role(self, name: str, kind: ReplicationType) -> Role:
        """The mode of cluster ``name`` for ``kind``, with its set and (for a secondary) its link."""
        self.cluster(name)
        for rset in self.sets:
            if rset.kind != kind:
                continue
            if rset.primary == name:
                return Role("primary", rset)
            for link in rset.links:
                if link.secondary == name:
                    return Role(link.mode, rset, link)
        return Role("disabled")

    def primary_wal(self, rset: ReplicationSet) -> int:
        """The primary's last_dr_wal / last_performance_wal (its local WAL counter)."""
        return int(self.cluster(rset.primary).wal)

    def iter_links(self) -> Iterator[tuple[ReplicationSet, Link]]:
        for rset in self.sets:
            for link in rset.links:
                yield rset, link

    def now(self) -> datetime:
        return self.clock.now()

    # --- time ------------------------------------------------------------------

    def advance(self, seconds: float) -> None:
        """Advance the clock and move every cluster's state with it."""
        with self.lock:
            self.clock.advance(seconds)
            self.sync()

    def sync(self) -> None:
        """Bring the state up to the clock's "now" (called before every view)."""
        with self.lock:
            now = self.clock.now()
            while self._synced < now:
                # Step to the next scheduled change, so transitions happen at their time.
                nxt = min([now, *self._pending_events(after=self._synced)])
                self._step(self._synced, nxt)
                self._synced = nxt

    def _pending_events(self, after: datetime) -> list[datetime]:
        times = [t for _, link in self.iter_links() for t, _ in link.timeline if t > after]
        times += [
            c.reindex.finished_at() for c in self.clusters.values() if c.reindex and c.reindex.finished_at() > after
        ]
        return times

    def write(self, name: str, entries: int) -> None:
        """``entries`` writes on cluster ``name`` now (its WAL index jumps; secondaries catch up over time)."""
        if entries < 0:
            msg = f"a cluster cannot un-write WAL entries (got {entries})"
            raise UsageError(msg)
        with self.lock:
            self.sync()
            self.cluster(name).wal += entries
            self.version += 1

    def touch(self) -> None:
        """Record a state change made by hand (after editing clusters or links directly)."""
        with self.lock:
            self.version += 1

    def _step(self, start: datetime, end: datetime) -> None:
        self.version += 1
        dt = (end - start).total_seconds()
        for cluster in self.clusters.values():
            cluster.wal += cluster.write_rate * dt
            if cluster.reindex is not None and cluster.reindex.finished_at() <= end:
                for kind in TYPES:
                    if self.role(cluster.name, kind).mode != "disabled":
                        cluster.types[kind].last_reindex = cluster.reindex.finished_at()
                cluster.reindex = None
        for rset, link in self.iter_links():
            self._step_link(link, self.cluster(rset.primary).wal, end, dt)

    def _step_link(self, link: Link, primary_wal: float, end: datetime, dt: float) -> None:
        # Progress over the interval in the state it had, then the changes due at its end
        # (sync() ends every interval at the next scheduled change).
        if link.state == "merkle-sync":
            link.sync_done = min(link.sync_total, link.sync_done + self.catch_up_rate * dt)
        if link.connected and link.state == "stream-wals":
            link.remote_wal = min(primary_wal, link.remote_wal + self.catch_up_rate * dt)
        for when, changes in [e for e in link.timeline if e[0] <= end]:
            link.timeline.remove((when, changes))
            for key, value in changes.items():
                setattr(link, key, value)
            if changes.get("connected"):
                link.disconnected_at = None

    # --- operations --------------------------------------------------------------

    def recover(self, name: str) -> list[ReplicationType]:
        """Start recovery on cluster ``name``; returns the replication types that were in an adverse state.

        A secondary that is idle or disconnected reconnects, re-diffs its merkle tree,
        syncs if it is far behind, and streams WALs again, over about 20 seconds.
        """
        with self.lock:
            self.sync()
            now = self.clock.now()
            adverse: list[ReplicationType] = []
            for kind in TYPES:
                role = self.role(name, kind)
                link = role.link
                if link is None or role.rset is None:
                    continue
                if link.state == "stream-wals" and link.connected:
                    continue
                adverse.append(kind)
                behind = self.primary_wal(role.rset) - int(link.remote_wal)
                sync = behind > 1000  # noqa: PLR2004 - far enough behind to need a merkle sync
                if link.connected:  # the stream is torn down and rebuilt: heartbeats stop until it is back
                    link.disconnected_at = self.last_heartbeat(link)
                link.connected = False
                link.connection_state, link.state = "connecting", "idle"
                back = now + timedelta(seconds=2)
                link.timeline = [
                    (
                        back,
                        {"connection_state": "ready", "connected": True, "state": "merkle-diff", "last_start": back},
                    ),
                ]
                at = now + timedelta(seconds=5)
                if sync:
                    total = max(1000, behind * 3)
                    link.timeline.append((at, {"state": "merkle-sync", "sync_total": total, "sync_done": 0.0}))
                    at += timedelta(seconds=math.ceil(total / self.catch_up_rate) + 1)
                link.timeline.append((at, {"state": "stream-wals", "sync_total": 0, "sync_done": 0.0}))
            self.sync()
            self.version += 1
            return adverse

    def reindex(self, name: str, *, diff: bool = False, force: bool = False, skip_flush: bool = False) -> bool:
        """Start a reindex of cluster ``name``'s merkle trees; False when one is already running."""
        with self.lock:
            self.sync()
            cluster = self.cluster(name)
            if cluster.reindex is not None:
                return False
            total = max(1000, int(cluster.wal) * 4)
            seconds = 10.0 * (2.0 if diff else 1.0) * (1.5 if force else 1.0)
            cluster.reindex = Reindex(self.clock.now(), total, seconds, diff=diff, force=force, skip_flush=skip_flush)
            self.version += 1
            return True

    # --- helpers for views ---------------------------------------------------------

    def last_heartbeat(self, link: Link) -> datetime:
        """When the two sides of ``link`` last exchanged heartbeats."""
        now = self.clock.now()
        if not link.connected and link.disconnected_at is not None:
            return link.disconnected_at
        base = max(link.enabled_at, link.last_start)  # heartbeats tick from the latest (re)connection
        since = (now - base).total_seconds() - link.heartbeat_phase
        if since < 0:
            return base
        return now - timedelta(seconds=since % HEARTBEAT_INTERVAL)

    @staticmethod
    def merkle_root(rset: ReplicationSet, wal: int) -> str:
        """The merkle root of a set after ``wal`` entries: equal on both sides once a secondary has caught up."""
        return hashlib.sha1(f"{rset.cluster_id}:{wal}".encode(), usedforsecurity=False).hexdigest()

    def set_api_address(self, cluster: str, url: str) -> None:
        """Point the active node of ``cluster`` at ``url`` (a server sets its bound address here)."""
        with self.lock:
            self.cluster(cluster).active.api_addr = url
            self.version += 1
