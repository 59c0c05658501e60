"""Scenarios: named topologies and states, and the API to build custom ones with realistic values."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Literal

from replmock._errors import UsageError
from replmock.generate.values import HOSTS_PER_SUBNET, Realism, Words
from replmock.model.clock import DEFAULT_EPOCH, Clock
from replmock.model.topology import Cluster, Link, Node, Reindex, ReplicationSet, ReplicationType, Topology

if TYPE_CHECKING:  # pragma: no cover
    from faker import Faker

SECONDARY_STATES = ("stream-wals", "merkle-diff", "merkle-sync", "idle", "disconnected")


@dataclass(frozen=True)
class ClusterSpec:
    """A cluster to build: its name (A, B...), node count and edition."""

    name: str
    nodes: int = 3
    edition: Literal["enterprise", "oss"] = "enterprise"
    write_rate: float | None = None
    """WAL entries per second; drawn from the seed when None."""


@dataclass(frozen=True)
class SecondarySpec:
    """A secondary of ``primary`` for one replication type, and the state it is in.

    ``state`` is one of ``stream-wals``, ``merkle-diff``, ``merkle-sync``, ``idle`` or
    ``disconnected`` (stale heartbeat, ``connection_status: disconnected`` on both sides);
    ``lag`` is how many WAL entries it is behind; ``bootstrapping`` makes it a secondary
    still being set up.
    """

    kind: ReplicationType
    primary: str
    secondary: str
    state: str = "stream-wals"
    lag: int = 0
    bootstrapping: bool = False
    disconnected_for: float = 600.0


@dataclass(frozen=True)
class TopologySpec:
    """Everything a topology needs besides the seed: clusters, primaries, secondaries and special states."""

    clusters: tuple[ClusterSpec, ...]
    secondaries: tuple[SecondarySpec, ...] = ()
    primaries: tuple[tuple[ReplicationType, str], ...] = ()
    """(type, cluster) primaries; those with secondaries are implied."""
    focus: str = "A"
    """The cluster a single-node mock serves."""
    reindexing: tuple[str, ...] = ()
    corrupted: tuple[tuple[ReplicationType, str], ...] = ()
    catch_up_rate: float = 2000.0
    """WAL entries per second a secondary applies while it catches up, and keys per second of a merkle sync."""
    load_balancer: bool = False
    """Primaries enabled with a load balancer's ``primary_cluster_addr`` (as some real clusters are)."""
    unconnected_secondaries: int = 0
    """Activation ids per primary in ``known_secondaries`` that never connected or were revoked."""


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    spec: TopologySpec = field(repr=False)


def _c(*names: str, edition: Literal["enterprise", "oss"] = "enterprise") -> tuple[ClusterSpec, ...]:
    return tuple(ClusterSpec(n, edition=edition) for n in names)


def _perf(primary: str, secondary: str, **kw: object) -> SecondarySpec:
    return SecondarySpec("performance", primary, secondary, **kw)  # type: ignore[arg-type]


def _dr(primary: str, secondary: str, **kw: object) -> SecondarySpec:
    return SecondarySpec("dr", primary, secondary, **kw)  # type: ignore[arg-type]


SCENARIOS: tuple[Scenario, ...] = (
    Scenario("disabled", "one Enterprise cluster, DR and performance replication both disabled", TopologySpec(_c("A"))),
    Scenario(
        "oss",
        "open-source Vault 1.14+: flat {mode: disabled}; dr/ and performance/ paths are 404",
        TopologySpec(_c("A", edition="oss")),
    ),
    Scenario(
        "perf-primary",
        "A is a performance primary with two connected, caught-up secondaries (B, C)",
        TopologySpec(_c("A", "B", "C"), (_perf("A", "B"), _perf("A", "C"))),
    ),
    Scenario(
        "perf-secondary",
        "B is a performance secondary of A, streaming WALs (serves B)",
        TopologySpec(_c("A", "B"), (_perf("A", "B"),), focus="B"),
    ),
    Scenario(
        "dr-primary", "A is a DR primary with one connected secondary (B)", TopologySpec(_c("A", "B"), (_dr("A", "B"),))
    ),
    Scenario(
        "dr-secondary",
        "B is a DR secondary of A, streaming WALs (serves B)",
        TopologySpec(_c("A", "B"), (_dr("A", "B"),), focus="B"),
    ),
    Scenario(
        "dr-primary-perf-primary",
        "A is DR and performance primary: B is its performance secondary, C its DR secondary",
        TopologySpec(_c("A", "B", "C"), (_perf("A", "B"), _dr("A", "C"))),
    ),
    Scenario(
        "dr-primary-perf-secondary",
        "B is a performance secondary of A and the DR primary of C (serves B)",
        TopologySpec(_c("A", "B", "C"), (_perf("A", "B"), _dr("B", "C")), focus="B"),
    ),
    Scenario(
        "secondary-merkle-diff",
        "B, a performance secondary, is comparing merkle trees with A (state merkle-diff; serves B)",
        TopologySpec(_c("A", "B"), (_perf("A", "B", state="merkle-diff", lag=120),), focus="B"),
    ),
    Scenario(
        "secondary-merkle-sync",
        "B, a performance secondary far behind A, is in merkle-sync with merkle_sync_progress (serves B)",
        TopologySpec(_c("A", "B"), (_perf("A", "B", state="merkle-sync", lag=25_000),), focus="B"),
    ),
    Scenario(
        "secondary-disconnected",
        "B lost its connection to A 10 minutes ago: stale heartbeats, connection_status disconnected (serves B)",
        TopologySpec(_c("A", "B"), (_perf("A", "B", state="disconnected", lag=3_000),), focus="B"),
    ),
    Scenario(
        "secondary-idle",
        "B is a performance secondary stuck in state idle, the adverse state sys/replication/recover is for (serves B)",
        TopologySpec(_c("A", "B"), (_perf("A", "B", state="idle", lag=800),), focus="B"),
    ),
    Scenario(
        "bootstrapping",
        "B is a performance secondary being set up (mode bootstrapping; serves B)",
        TopologySpec(_c("A", "B"), (_perf("A", "B", bootstrapping=True),), focus="B"),
    ),
    Scenario(
        "reindex-in-progress",
        "A, a performance primary with one secondary, is reindexing (reindex_stage building)",
        TopologySpec(_c("A", "B"), (_perf("A", "B"),), reindexing=("A",)),
    ),
    Scenario(
        "corrupted-merkle-tree",
        "A's last merkle check found its performance tree corrupted (corrupted_merkle_tree true)",
        TopologySpec(_c("A", "B"), (_perf("A", "B"),), corrupted=(("performance", "A"),)),
    ),
    Scenario(
        "four-cluster",
        "A: performance and DR primary; B: performance secondary of A; C: DR secondary of A; D: DR secondary of B",
        TopologySpec(_c("A", "B", "C", "D"), (_perf("A", "B"), _dr("A", "C"), _dr("B", "D"))),
    ),
)


def scenario_names() -> list[str]:
    """Names of the named scenarios, in a stable order."""
    return [s.name for s in SCENARIOS]


def get_scenario(name: str) -> Scenario:
    for s in SCENARIOS:
        if s.name == name:
            return s
    msg = f"unknown scenario {name!r}; expected one of: {', '.join(scenario_names())}"
    raise UsageError(msg)


class Generator:
    """Builds topologies with realistic values; reuse one to build many (it keeps one Faker)."""

    def __init__(self) -> None:
        self._fake: Faker | None = None
        self._words: Words | None = None

    def realism(self, seed: int) -> Realism:
        real = Realism(seed, self._fake, self._words)
        self._fake, self._words = real.fake, real.words
        return real

    def build(self, spec: TopologySpec, seed: int = 0, *, clock: Clock | None = None, name: str = "custom") -> Topology:
        """A topology for ``spec`` whose values all come from ``seed``."""
        _check_spec(spec)
        clock = clock or Clock()
        now = clock.now()
        real = self.realism(seed)
        clusters = [self._cluster(real, c) for c in spec.clusters]
        by_name = {c.name: c for c in clusters}
        sets: dict[tuple[str, str], ReplicationSet] = {}
        for kind, primary in (*spec.primaries, *((s.kind, s.primary) for s in spec.secondaries)):
            if (kind, primary) not in sets:
                sets[(kind, primary)] = ReplicationSet(kind, real.vault_id(), primary)
                by_name[primary].types[kind].last_reindex = None
        for sec in spec.secondaries:  # a primary has written at least what its secondaries lag behind
            upstream = by_name[sec.primary]
            if upstream.wal < sec.lag + 1000:
                upstream.wal += sec.lag
        for sec in spec.secondaries:
            rset = sets[(sec.kind, sec.primary)]
            rset.links.append(self._link(real, sec, by_name[sec.primary], by_name[sec.secondary], now))
            link = rset.links[-1]  # the tree is built while the secondary is set up: not after its last start
            by_name[sec.secondary].types[sec.kind].last_reindex = min(
                link.enabled_at + timedelta(seconds=real.rng.randint(2, 9)), link.last_start
            )
        for kind, cname in spec.corrupted:
            state = by_name[cname].types[kind]
            state.corrupted = True
            state.last_corruption_check = now - timedelta(minutes=real.rng.randint(2, 50))
        for cname in spec.reindexing:
            cluster = by_name[cname]
            total = max(5000, int(cluster.wal) * 4)
            cluster.reindex = Reindex(now - timedelta(seconds=4), total, 30.0)
        for rset in sets.values():
            if spec.load_balancer:
                rset.primary_cluster_addr = f"https://vault-lb.{real.domain_word()}.internal:8201"
            rset.unconnected_ids = [real.vault_id() for _ in range(spec.unconnected_secondaries)]
        top = Topology(clusters, list(sets.values()), clock, catch_up_rate=spec.catch_up_rate)
        top.name, top.seed, top.focus = name, seed, spec.focus
        return top

    @staticmethod
    def _cluster(real: Realism, spec: ClusterSpec) -> Cluster:
        addrs = real.addresses(spec.nodes)
        # Enterprise standbys are performance standbys unless disabled (reference §15.1: on by default when licensed).
        perf = spec.edition == "enterprise"
        nodes = [
            Node(f"{spec.name.lower()}-{i}", api, clus, active=(i == 0), performance_standby=perf and i > 0)
            for i, (api, clus) in enumerate(addrs)
        ]
        return Cluster(
            name=spec.name,
            nodes=nodes,
            wal=float(real.wal()),
            write_rate=spec.write_rate if spec.write_rate is not None else real.write_rate(),
            utc_offset_minutes=real.utc_offset(),
            storage_cluster_id=real.vault_id(),
            cluster_name=real.cluster_name(),
            version=real.version(spec.edition == "enterprise"),
            edition=spec.edition,
        )

    @staticmethod
    def _link(real: Realism, spec: SecondarySpec, primary: Cluster, secondary: Cluster, now: datetime) -> Link:
        enabled = now - timedelta(seconds=real.uptime_seconds())
        restarted = real.choice_bool(0.3)
        last_start = (
            now - timedelta(seconds=real.rng.randint(600, 86400)) if restarted else enabled + timedelta(seconds=8)
        )
        lag = max(0, min(spec.lag, int(primary.wal) - 1))
        state = spec.state
        link = Link(
            secondary=secondary.name,
            secondary_id=real.secondary_id(spec.kind, secondary.name),
            remote_wal=float(int(primary.wal) - lag),
            enabled_at=enabled,
            last_start=last_start,
            clock_skew_ms=real.clock_skew_ms(),
            heartbeat_duration_ms=real.heartbeat_duration_ms(),
            heartbeat_phase=real.phase(5.0),
            canary_phase_ms=int(real.phase(600)),
        )
        if spec.bootstrapping:
            link.mode, link.state, link.connection_state, link.remote_wal = "bootstrapping", "idle", "connecting", 0.0
            link.last_start = now - timedelta(seconds=3)
        elif state == "disconnected":  # the stream failed and was not re-established: recover brings it back
            link.connected, link.state, link.connection_state = False, "idle", "transient_failure"
            link.disconnected_at = now - timedelta(seconds=spec.disconnected_for)
            link.stopped = True
            link.stale_since = link.disconnected_at
        elif state == "merkle-sync":
            link.state = state
            link.sync_total = max(1000, lag * 3)
            link.sync_done = float(link.sync_total // 3)
        elif state in {"merkle-diff", "idle"}:
            link.state = state
            link.connection_state = "idle" if state == "idle" else "ready"
            link.stopped = state == "idle"  # replication stopped on an error: it stays idle until recovered
            link.stale_since = now - timedelta(seconds=real.rng.randint(60, 3600)) if state == "idle" else None
        return link


def _check_clusters(spec: TopologySpec) -> list[str]:
    names = [c.name for c in spec.clusters]
    if len(set(names)) != len(names):
        msg = f"cluster names must be unique, got {names}"
        raise UsageError(msg)
    for c in spec.clusters:
        if not 1 <= c.nodes <= HOSTS_PER_SUBNET:
            msg = f"cluster {c.name!r} has {c.nodes} nodes; expected 1 to {HOSTS_PER_SUBNET} (one /24 of addresses)"
            raise UsageError(msg)
    return names


def _check_spec(spec: TopologySpec) -> None:
    names = _check_clusters(spec)
    for sec in spec.secondaries:
        if sec.primary == sec.secondary:
            msg = f"cluster {sec.primary!r} cannot be its own {sec.kind} secondary"
            raise UsageError(msg)
        for who in (sec.primary, sec.secondary):
            if who not in names:
                msg = f"secondary spec {sec} names cluster {who!r}, which is not one of {names}"
                raise UsageError(msg)
        if sec.state not in SECONDARY_STATES:
            msg = f"unknown secondary state {sec.state!r}; expected one of: {', '.join(SECONDARY_STATES)}"
            raise UsageError(msg)
        if sec.lag < 0:
            msg = f"lag must not be negative, got {sec.lag}"
            raise UsageError(msg)
        if sec.state in {"merkle-diff", "merkle-sync", "idle", "disconnected"} and sec.lag == 0:
            msg = f"a secondary in state {sec.state!r} is behind its primary; give it a lag > 0"
            raise UsageError(msg)
    if spec.focus not in names:
        msg = f"focus {spec.focus!r} is not one of the clusters {names}"
        raise UsageError(msg)


def scenario(name: str, seed: int = 0, *, clock: Clock | None = None, start: datetime = DEFAULT_EPOCH) -> Topology:
    """Build the named scenario (see :func:`scenario_names`) with values from ``seed``."""
    return Generator().build(get_scenario(name).spec, seed, clock=clock or Clock(start), name=name)


def build_topology(
    *,
    performance_secondaries: int = 0,
    dr_secondaries: int = 0,
    state: str = "stream-wals",
    lag: int = 0,
    secondaries: Sequence[SecondarySpec] = (),
    primaries: Sequence[ReplicationType] = (),
    nodes: int = 3,
    seed: int = 0,
    focus: str = "A",
    clock: Clock | None = None,
) -> Topology:
    """A custom topology around primary cluster A, without a named scenario.

    ``performance_secondaries`` and ``dr_secondaries`` add that many secondaries of A
    (clusters B, C, ...), all in ``state`` and ``lag`` WAL entries behind; ``secondaries``
    adds :class:`SecondarySpec` entries for anything else (chains, per-secondary states);
    ``primaries`` makes A a primary of those types even without secondaries.

    >>> top = build_topology(performance_secondaries=2, dr_secondaries=1, seed=7)
    >>> sorted(top.clusters)
    ['A', 'B', 'C', 'D']
    """
    if performance_secondaries < 0 or dr_secondaries < 0:
        msg = "the number of secondaries must not be negative"
        raise UsageError(msg)
    count = performance_secondaries + dr_secondaries
    letters = [chr(ord("B") + i) for i in range(count)]
    specs = [
        SecondarySpec("performance" if i < performance_secondaries else "dr", "A", letter, state=state, lag=lag)
        for i, letter in enumerate(letters)
    ]
    extra = {s.primary for s in secondaries} | {s.secondary for s in secondaries}
    names = ["A", *letters, *sorted(extra - {"A", *letters})]
    spec = TopologySpec(
        clusters=tuple(ClusterSpec(n, nodes=nodes) for n in names),
        secondaries=(*specs, *secondaries),
        primaries=tuple((kind, "A") for kind in primaries),
        focus=focus,
    )
    return Generator().build(spec, seed, clock=clock)
