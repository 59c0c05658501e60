"""Topology: clusters, nodes, replication sets and links, and how their state moves with the clock."""

from __future__ import annotations

import hashlib
import math
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Literal

from replmock._errors import UsageError
from replmock.model.clock import Clock
from replmock.model.operations import ReplicationOperations

ReplicationType = Literal["dr", "performance"]
TYPES: tuple[ReplicationType, ...] = ("dr", "performance")
Edition = Literal["enterprise", "oss"]

GO_ZERO_EPOCH = "-62135596800"
"""Go's zero time.Time as Unix seconds: what Vault reports for 'never checked'."""

HEARTBEAT_INTERVAL = 5.0
"""Seconds between replication heartbeats (Vault refreshes known_primary_cluster_addrs about this often)."""
HEARTBEAT_TIMEOUT = 15.0
"""Seconds without a heartbeat before a link counts as disconnected after a partition (three missed heartbeats).
Weak evidence: the threshold is not in any public source (reference §16.4); a seal or a kill closes the
connection, which both sides notice at once."""
LOGSHIPPER_BUFFER = 16384
"""WAL entries the primary keeps for streaming (``logshipper_buffer_length`` default, §16.5): a secondary further
behind than this needs a merkle sync after a merkle diff."""
CONNECT_SECONDS = 2.0
"""From ``connecting`` to a ready connection (best evidence: a local round trip plus TLS)."""


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
    """Scheduled state changes (reconnection, recover), applied as the clock passes them."""
    stopped: bool = False
    """Replication was stopped on this link (an ``idle`` secondary with an error): it stays so until ``recover``,
    unlike a lost connection, which the secondary re-establishes by itself once its primary is reachable."""
    stale_since: datetime | None = None
    """Since when the secondary has applied nothing from its primary (its canary ages from here)."""
    delay: float = 0.0
    """Seconds of extra delay on the link (``slow_link``): the secondary applies what is that old."""
    cut_at: datetime | None = None
    """When a partition cut the link: nothing flows from then on (the link is declared lost a heartbeat timeout later)."""
    caught_up_at: datetime | None = None
    """The last time the secondary had applied everything it could (its canary ages from here while it lags)."""


@dataclass
class ReplicationSet:
    """A primary and its secondaries for one replication type; ``cluster_id`` is shared by all of them."""

    kind: ReplicationType
    cluster_id: str
    primary: str
    links: list[Link] = field(default_factory=list)
    primary_cluster_addr: str = ""
    """What the primary was enabled with (usually empty; a load balancer's address on some clusters)."""
    unconnected_ids: list[str] = field(default_factory=list)
    """Activation ids in ``known_secondaries`` that never connected (tokens issued, not used) or were revoked."""
    halted: bool = False
    """The primary stopped serving this set (it was demoted, or its cluster became a DR secondary)."""

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
    sealed: bool = False
    """Sealed: the node answers 503 but to sys/health and sys/seal-status; replication stops."""
    active_since: datetime | None = None
    """When the active node took over (None: when the clock started)."""
    recorded_extra: dict[str, dict[str, object]] = field(default_factory=dict)
    """Fields a recording had that the model does not produce, by view (``dr``, ``performance``, ``health``):
    served as recorded, so a recording from a newer Vault is served faithfully."""
    down: bool = False
    """Killed: the process is gone, connections are refused."""
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


@dataclass
class Detached:
    """A secondary with no primary to connect to: a demoted primary, or one whose primary went away.

    It keeps its cluster id and can rejoin the same set with ``update-primary`` without being wiped."""

    cluster_id: str
    secondary_id: str
    remote_wal: float
    last_start: datetime
    primary_cluster_addr: str = ""


@dataclass
class Activation:
    """A secondary activation token minted by a primary: bound to it, a secondary id and an expiry."""

    token: str
    kind: ReplicationType
    primary: str
    cluster_id: str
    secondary_id: str
    expires: datetime
    used: bool = False
    revoked: bool = False


@dataclass(frozen=True)
class Role:
    """How one cluster takes part in one replication type."""

    mode: str
    rset: ReplicationSet | None = None
    link: Link | None = None
    detached: Detached | None = None


class Topology(ReplicationOperations):
    """Every cluster of a scenario and the replication sets between them, on one clock.

    State moves only through :meth:`advance` (or wall time for a clock that follows it),
    :meth:`recover` and :meth:`reindex`; the payload views in :mod:`replmock.generate`
    read it. All public methods are safe to call from several threads.
    """

    def __init__(
        self,
        clusters: list[Cluster],
        sets: list[ReplicationSet],
        clock: Clock | None = None,
        *,
        catch_up_rate: float = 2000.0,
    ) -> None:
        self.clock = clock or Clock()
        self.catch_up_rate = catch_up_rate
        """WAL entries per second a streaming secondary applies (and keys per second of a merkle sync)."""
        self.name = "custom"
        self.seed = 0
        self.focus = clusters[0].name if clusters else ""
        self.clusters = {c.name: c for c in clusters}
        self.sets = sets
        self._synced = self.clock.now()
        self.lock = threading.RLock()
        self.version = 0
        """Bumped on every state change, so views can be cached per (version, time)."""
        self.partitions: dict[frozenset[str], datetime] = {}
        """Pairs of clusters that cannot reach each other, and since when."""
        self.detached: dict[tuple[str, str], Detached] = {}
        """(cluster, type) secondaries with no primary (demoted primaries, orphaned secondaries)."""
        self.activations: dict[str, Activation] = {}
        """Secondary activation tokens the primaries minted."""
        self.batch_tokens: dict[str, tuple[str, datetime]] = {}
        """Batch tokens (encrypted blobs, not stored by Vault) by the cluster that made them, with their expiry."""
        self._check_consistency()
        for rset, link in self.iter_links():  # transient states end on their own
            self._schedule_transient(rset, link, self._synced)
            primary = self.cluster(rset.primary)
            behind = primary.wal - link.remote_wal
            lag = behind / primary.write_rate if behind > primary.write_rate > 0 else 0.0
            link.caught_up_at = self._synced - timedelta(seconds=min(3600.0, lag))
            if rset.kind == "dr":  # a DR secondary's WAL is its primary's, as far as it has applied it
                self.cluster(link.secondary).wal = link.remote_wal

    def __getstate__(self) -> dict[str, object]:
        """Picklable, so a built topology can be copied cheaply for each test (the lock is made anew)."""
        state = dict(self.__dict__)
        del state["lock"]
        return state

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state)
        self.lock = threading.RLock()

    def copy(self) -> Topology:
        """An independent copy (its own state and clock)."""
        import pickle

        return pickle.loads(pickle.dumps(self))  # type: ignore[no-any-return]  # noqa: S301 - our own object

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
        detached = self.detached.get((name, kind))
        if detached is not None:
            return Role("secondary", detached=detached)
        for rset in self.sets:
            if rset.kind != kind:
                continue
            if rset.primary == name and not rset.halted:
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
        times += [t for t in (s + timedelta(seconds=HEARTBEAT_TIMEOUT) for s in self.partitions.values()) if t > after]
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
        mirrors = {link.secondary: link for rset, link in self.iter_links() if rset.kind == "dr"}
        readonly = set(mirrors) | {name for name, kind in self.detached if kind == "dr"}
        for cluster in self.clusters.values():
            if cluster.name not in readonly and self.up(cluster.name):  # a DR secondary accepts no writes
                cluster.wal += cluster.write_rate * dt
            if cluster.reindex is not None and cluster.reindex.finished_at() <= end:
                for kind in TYPES:
                    if self.role(cluster.name, kind).mode != "disabled":
                        cluster.types[kind].last_reindex = cluster.reindex.finished_at()
                cluster.reindex = None
        for rset, link in self.iter_links():
            primary = self.cluster(rset.primary)
            self._step_link(link, primary.wal - primary.write_rate * link.delay, primary.write_rate, end, dt)
            self._follow_reachability(rset, link, end)
        for name, link in mirrors.items():  # a DR secondary mirrors its primary's WAL
            self.cluster(name).wal = link.remote_wal

    def _step_link(self, link: Link, primary_wal: float, rate: float, end: datetime, dt: float) -> None:
        # Progress over the interval in the state it had, then the changes due at its end
        # (sync() ends every interval at the next scheduled change). A cut link moves nothing.
        if link.state == "merkle-sync" and link.cut_at is None:
            link.sync_done = min(link.sync_total, link.sync_done + self.catch_up_rate * dt)
        if link.connected and link.state == "stream-wals" and link.cut_at is None:
            link.remote_wal = max(link.remote_wal, min(primary_wal, link.remote_wal + self.catch_up_rate * dt))
            if primary_wal - link.remote_wal <= max(1.0, rate):  # caught up: the canary is fresh again
                link.caught_up_at = end
                link.stale_since = None
        for when, changes in [e for e in link.timeline if e[0] <= end]:
            link.timeline.remove((when, changes))
            for key, value in changes.items():
                if key == "caught_up":  # a merkle sync ends at the primary's current WAL
                    link.remote_wal = max(link.remote_wal, primary_wal)
                    link.sync_done = float(link.sync_total)
                else:
                    setattr(link, key, value)
            if changes.get("connected"):
                link.disconnected_at = None
            if changes.get("state") == "stream-wals":
                link.stale_since = None

    # --- reachability and events ---------------------------------------------------

    def up(self, name: str) -> bool:
        """Whether cluster ``name`` is running and unsealed."""
        cluster = self.cluster(name)
        return not (cluster.sealed or cluster.down)

    def _follow_reachability(self, rset: ReplicationSet, link: Link, now: datetime) -> None:
        """Lose a link whose peer went away; reconnect one whose cause is gone (Vault's secondary retries)."""
        pair = frozenset({rset.primary, link.secondary})
        ends_up = self.up(rset.primary) and self.up(link.secondary) and not rset.halted
        since = self.partitions.get(pair)
        if since is not None and link.cut_at is None:  # nothing flows from the moment of the partition
            link.cut_at = since
            if link.connected or link.timeline:
                link.stale_since = link.stale_since or since
        elif since is None:
            link.cut_at = None
        cut = since is not None and (now - since).total_seconds() >= HEARTBEAT_TIMEOUT
        if not ends_up or cut:
            if link.connected or link.timeline:
                self._lose(link, now)
        elif (
            since is None and not link.connected and not link.timeline and not link.stopped and link.mode == "secondary"
        ):
            self._reconnect(rset, link, now)

    def _lose(self, link: Link, now: datetime) -> None:
        if link.connected:
            link.disconnected_at = self.last_heartbeat(link)
        link.connected = False
        link.timeline = []
        link.connection_state, link.state = "transient_failure", "idle"
        link.stale_since = link.stale_since or now

    def _reconnect(self, rset: ReplicationSet, link: Link, now: datetime, *, after: float = 0.0) -> None:
        """Schedule connecting -> merkle-diff -> (merkle-sync when past the log shipper's buffer) -> stream-wals."""
        behind = self.primary_wal(rset) - int(link.remote_wal)
        start = now + timedelta(seconds=after)
        link.connection_state, link.state = "connecting", "idle"
        link.stale_since = link.stale_since or now
        back = start + timedelta(seconds=CONNECT_SECONDS)
        link.timeline = [
            (back, {"connection_state": "ready", "connected": True, "state": "merkle-diff", "last_start": back})
        ]
        self._schedule_diff(rset, link, back, behind)

    def _schedule_diff(self, rset: ReplicationSet, link: Link, start: datetime, behind: int) -> None:
        diff_seconds = 3.0 + min(30.0, self.cluster(rset.primary).wal / 1_000_000)  # scales with the data size
        at = start + timedelta(seconds=diff_seconds)
        if behind > LOGSHIPPER_BUFFER:
            total = max(1000, behind * 3)
            link.timeline.append((at, {"state": "merkle-sync", "sync_total": total, "sync_done": 0.0}))
            at += timedelta(seconds=math.ceil(total / self.catch_up_rate) + 1)
            link.timeline.append((at, {"state": "stream-wals", "caught_up": True}))
            link.timeline.append((at, {"sync_total": 0, "sync_done": 0.0}))
        else:
            link.timeline.append((at, {"state": "stream-wals"}))

    def _schedule_transient(self, rset: ReplicationSet, link: Link, now: datetime) -> None:
        """Give a link built in a transient state (merkle-diff, merkle-sync, bootstrapping) its way out."""
        if link.timeline or link.stopped or (not link.connected and link.mode == "secondary"):
            return
        if link.mode == "bootstrapping":  # the secondary finishes setting up, then diffs and streams
            done = now + timedelta(seconds=8)
            link.timeline = [
                (
                    done,
                    {
                        "mode": "secondary",
                        "connected": True,
                        "connection_state": "ready",
                        "state": "merkle-diff",
                        "last_start": done,
                    },
                )
            ]
            self._schedule_diff(rset, link, done, self.primary_wal(rset) - int(link.remote_wal))
            link.stale_since = now
        elif link.state == "merkle-diff":
            self._schedule_diff(rset, link, now, self.primary_wal(rset) - int(link.remote_wal))
            link.stale_since = now
        elif link.state == "merkle-sync":
            left = max(0, link.sync_total - int(link.sync_done))
            at = now + timedelta(seconds=math.ceil(left / self.catch_up_rate) + 1)
            link.timeline = [
                (at, {"state": "stream-wals", "caught_up": True}),
                (at, {"sync_total": 0, "sync_done": 0.0}),
            ]
            link.stale_since = now

    def _event(self) -> datetime:
        self.sync()
        self.version += 1
        return self.clock.now()

    def partition(self, a: str, b: str) -> None:
        """``a`` and ``b`` can no longer reach each other; links between them drop after a heartbeat timeout."""
        if a == b:
            msg = f"a partition needs two different clusters, got {a!r} twice"
            raise UsageError(msg)
        with self.lock:
            self.cluster(a), self.cluster(b)
            now = self._event()
            self.partitions.setdefault(frozenset({a, b}), now)
            self._recheck(now, lambda ends: ends == {a, b})

    def heal(self, a: str, b: str) -> None:
        """End a partition: secondaries reconnect, diff, sync if they must, and stream again."""
        with self.lock:
            self.cluster(a), self.cluster(b)
            now = self._event()
            self.partitions.pop(frozenset({a, b}), None)
            self._recheck(now, lambda ends: ends == {a, b})

    def _set_flag(self, name: str, flag: str, value: bool) -> None:
        with self.lock:
            now = self._event()
            setattr(self.cluster(name), flag, value)
            self._recheck(now, lambda ends: name in ends)

    def _recheck(self, now: datetime, which: Callable[[set[str]], bool]) -> None:
        """Apply an event at once to the links whose two ends ``which`` selects."""
        for rset, link in self.iter_links():
            if which({rset.primary, link.secondary}):
                self._follow_reachability(rset, link, now)

    def seal(self, name: str) -> None:
        """Seal cluster ``name``'s active node: it answers 503, and its replication links drop at once."""
        self._set_flag(name, "sealed", True)

    def unseal(self, name: str) -> None:
        self._set_flag(name, "sealed", False)

    def kill(self, name: str) -> None:
        """Stop cluster ``name`` (connections refused); its links drop at once."""
        self._set_flag(name, "down", True)

    def restart(self, name: str) -> None:
        self._set_flag(name, "down", False)

    def step_down(self, name: str) -> None:
        """The active node of ``name`` becomes a standby and the next node takes over; secondaries reconnect to it."""
        with self.lock:
            now = self._event()
            cluster = self.cluster(name)
            if len(cluster.nodes) < 2:  # noqa: PLR2004
                msg = f"cluster {name!r} has one node: there is no standby to take over"
                raise UsageError(msg)
            old = cluster.active
            index = cluster.nodes.index(old)
            new = cluster.nodes[(index + 1) % len(cluster.nodes)]
            old.api_addr, new.api_addr = new.api_addr, old.api_addr  # the served address follows the active node
            old.active, new.active = False, True
            cluster.active_since = now
            new.performance_standby, old.performance_standby = False, cluster.edition == "enterprise"
            cluster.nodes.remove(new)
            cluster.nodes.insert(0, new)
            for rset, link in self.iter_links():
                if name in {rset.primary, link.secondary} and link.connected:
                    link.disconnected_at = self.last_heartbeat(link)
                    link.connected = False
                    self._reconnect(rset, link, now)

    def slow_link(self, a: str, b: str, seconds: float) -> None:
        """Delay the link between ``a`` and ``b`` by ``seconds``: the secondary falls that far behind (0 restores it)."""
        if seconds < 0:
            msg = f"a link cannot be faster than real time (got {seconds} s)"
            raise UsageError(msg)
        with self.lock:
            self._event()
            found = [link for rset, link in self.iter_links() if {rset.primary, link.secondary} == {a, b}]
            if not found:
                msg = f"there is no replication link between {a!r} and {b!r}"
                raise UsageError(msg)
            for link in found:
                link.delay = float(seconds)

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
                link.stopped = False
                if not (self.up(role.rset.primary) and frozenset({role.rset.primary, name}) not in self.partitions):
                    continue  # nothing to reconnect to: the link comes back when its primary does
                if link.connected:  # the stream is torn down and rebuilt: heartbeats stop until it is back
                    link.disconnected_at = self.last_heartbeat(link)
                link.connected = False
                self._reconnect(role.rset, link, now)
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
        if link.cut_at is not None:  # no heartbeat crosses a partition: the last one is from before it
            now = min(now, link.cut_at)
        base = max(link.enabled_at, link.last_start)  # heartbeats tick from the latest (re)connection
        since = (now - base).total_seconds() - link.heartbeat_phase
        if since < 0:
            return base
        return now - timedelta(seconds=since % HEARTBEAT_INTERVAL)

    @staticmethod
    def merkle_root(rset: ReplicationSet, wal: int) -> str:
        """The merkle root of a set after ``wal`` entries: equal on both sides once a secondary has caught up."""
        return Topology.merkle_root_of(rset.cluster_id, wal)

    @staticmethod
    def merkle_root_of(cluster_id: str, wal: int) -> str:
        return hashlib.sha1(f"{cluster_id}:{wal}".encode(), usedforsecurity=False).hexdigest()

    def set_api_address(self, cluster: str, url: str) -> None:
        """Point the active node of ``cluster`` at ``url`` (a server sets its bound address here)."""
        with self.lock:
            self.cluster(cluster).active.api_addr = url
            self.version += 1
