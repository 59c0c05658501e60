"""Invariants: relations that real replication payloads satisfy, as checks over payloads of one or more clusters.

The generator's tests and the conformance suite run this same code: the generator must
satisfy every invariant by construction, and a real Vault is checked against them.
Each check has an id (I1..I14), a level (``error``, or ``warning`` where the evidence is
weak and marked "verify live" in the project's reference), and a docstring citing its
evidence. A violation names the clusters, the JSON paths and the values.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Literal

from replmock.model.topology import GO_ZERO_EPOCH
from replmock.schemas._fields import (
    JSON_NUMBERS,
    PEER_LISTS,
    PEER_STRING_NUMBERS,
    PRIMARY_ONLY,
    SECONDARY_ONLY,
    SHIPPED_WAL,
    STRING_NUMBERS,
    VOLATILE,
    WAL_INDEXES,
)

Level = Literal["error", "warning"]
KINDS = ("dr", "performance")
ENDPOINT = {"dr": "sys/replication/dr/status", "performance": "sys/replication/performance/status"}

_TIME = re.compile(r"^(\d{4}-\d{2}-\d{2})[Tt](\d{2}:\d{2}:\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")
_INT_STRING = re.compile(r"^-?[0-9]+$")


def parse_time(value: object) -> datetime | None:
    """An RFC 3339 string as an aware datetime (None when it is not one)."""
    if not isinstance(value, str):
        return None
    match = _TIME.match(value)
    if not match:
        return None
    date, clock, frac, zone = match.groups()
    zone = "+00:00" if zone in {"Z", "z"} else zone
    micro = (frac or ".0")[1:7].ljust(6, "0")
    try:
        return datetime.fromisoformat(f"{date}T{clock}.{micro}{zone}")
    except ValueError:
        return None


def unwrap(body: Any) -> Any:
    """The ``data`` of a response envelope (or the body itself when it has none)."""
    if isinstance(body, Mapping) and "data" in body and isinstance(body["data"], Mapping):
        return body["data"]
    return body


@dataclass
class Observation:
    """What was read from one cluster: the response bodies (envelopes or data) of its status endpoints."""

    cluster: str
    status: Any = None
    dr_status: Any = None
    performance_status: Any = None
    health: Any = None
    observed_at: datetime | None = None

    def block(self, kind: str) -> tuple[Mapping[str, Any] | None, str]:
        """The status object of ``kind`` and the JSON path it was read at."""
        status = unwrap(self.status)
        if isinstance(status, Mapping) and isinstance(status.get(kind), Mapping):
            return status[kind], f"sys/replication/status $.data.{kind}"
        single = unwrap(self.dr_status if kind == "dr" else self.performance_status)
        if isinstance(single, Mapping) and "mode" in single:
            return single, f"{ENDPOINT[kind]} $.data"
        return None, ""

    def blocks(self) -> Iterator[tuple[str, Mapping[str, Any], str]]:
        for kind in KINDS:
            block, where = self.block(kind)
            if block is not None:
                yield kind, block, where


@dataclass(frozen=True)
class Violation:
    """One failed invariant."""

    invariant: str
    name: str
    level: Level
    message: str
    clusters: tuple[str, ...] = ()
    paths: tuple[str, ...] = ()

    def __str__(self) -> str:
        return f"{self.invariant} {self.name} [{self.level}]: {self.message}"


@dataclass(frozen=True)
class Invariant:
    """A named check over a list of observations."""

    id: str
    name: str
    level: Level
    scope: Literal["cluster", "cross"]
    check: Callable[[Sequence[Observation]], Iterable[str | tuple[str, tuple[str, ...], tuple[str, ...]]]]
    evidence: str = field(default="")

    def run(self, observations: Sequence[Observation]) -> list[Violation]:
        found = []
        for item in self.check(observations):
            message, clusters, paths = (item, (), ()) if isinstance(item, str) else item
            found.append(Violation(self.id, self.name, self.level, message, clusters, paths))
        return found


def _v(message: str, clusters: Iterable[str], *paths: str) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
    return message, tuple(clusters), paths


def _wal_of_primary(block: Mapping[str, Any], kind: str) -> tuple[Any, str]:
    name = SHIPPED_WAL[kind]
    if name in block:
        return block[name], name
    return block.get("last_wal"), "last_wal"


def _pairs_by_set(
    observations: Sequence[Observation],
) -> Iterator[tuple[str, Observation, Mapping[str, Any], str, Observation, Mapping[str, Any], str]]:
    """(kind, secondary obs, its block, path, primary obs, its block, path) for pairs that share a cluster_id."""
    for kind in KINDS:
        primaries: list[tuple[Observation, Mapping[str, Any], str]] = []
        for o in observations:
            block, where = o.block(kind)
            if block is not None and block.get("mode") == "primary":
                primaries.append((o, block, where))
        for sec in observations:
            sblock, swhere = sec.block(kind)
            if sblock is None or sblock.get("mode") != "secondary":
                continue
            for prim, pblock, pwhere in primaries:
                if prim is not sec and pblock.get("cluster_id") == sblock.get("cluster_id"):
                    yield kind, sec, sblock, swhere, prim, pblock, pwhere


# --- the checks -----------------------------------------------------------------


def i1_secondary_shares_cluster_id(obs: Sequence[Observation]) -> Iterator[Any]:
    """A secondary's cluster_id equals the cluster_id of the primary that issued its activation token.

    Evidence: docs sample (Vault 1.16 index.mdx): the performance primary and secondary both
    report cluster_id 00616ea0-...; the tutorial: "This value should always match on the
    Primary and Secondary". Pairs are found by secondary_id in the primary's known_secondaries.
    """
    for kind in KINDS:
        for sec in obs:
            sblock, swhere = sec.block(kind)
            if sblock is None or sblock.get("mode") != "secondary":
                continue
            sid = sblock.get("secondary_id")
            issuers = []
            for prim in obs:
                pblock, pwhere = prim.block(kind)
                if prim is sec or pblock is None or pblock.get("mode") != "primary":
                    continue
                if sid in (pblock.get("known_secondaries") or []):
                    issuers.append((prim, pblock, pwhere))
            if issuers and not any(p.get("cluster_id") == sblock.get("cluster_id") for _, p, _ in issuers):
                prim, pblock, pwhere = issuers[0]
                yield _v(
                    f"{sec.cluster}: {swhere}.cluster_id = {sblock.get('cluster_id')!r} but {prim.cluster}, whose "
                    f"known_secondaries lists its secondary_id {sid!r}, has {pwhere}.cluster_id = {pblock.get('cluster_id')!r}",
                    [sec.cluster, prim.cluster],
                    f"{swhere}.cluster_id",
                    f"{pwhere}.cluster_id",
                )


def i2_types_have_separate_ids(obs: Sequence[Observation]) -> Iterator[Any]:
    """On one cluster, the DR and performance replication sets have different cluster_ids.

    Evidence: one docs sample (Vault 1.16 index.mdx: eef2a5ab-... vs 00616ea0-...); verify live.
    """
    for o in obs:
        dr, dwhere = o.block("dr")
        perf, pwhere = o.block("performance")
        if dr is None or perf is None:
            continue
        if dr.get("cluster_id") and dr.get("cluster_id") == perf.get("cluster_id"):
            yield _v(
                f"{o.cluster}: {dwhere}.cluster_id and {pwhere}.cluster_id are both {dr.get('cluster_id')!r}",
                [o.cluster],
                f"{dwhere}.cluster_id",
                f"{pwhere}.cluster_id",
            )


def i3_secondary_id_known_to_primary(obs: Sequence[Observation]) -> Iterator[Any]:
    """A secondary's secondary_id is in its primary's known_secondaries and is the node_id of a secondaries[] entry.

    Evidence: docs sample (Vault 1.16/1.21): secondary_id cd0463e0-... appears in the
    primary's known_secondaries and secondaries[].node_id. Pairs share a cluster_id.
    """
    for kind, sec, sblock, swhere, prim, pblock, pwhere in _pairs_by_set(obs):
        sid = sblock.get("secondary_id")
        if not sblock.get("primaries") and not sblock.get("known_primary_cluster_addrs"):
            continue  # attached to no primary (a demoted primary, an orphan): none knows it until update-primary
        known = pblock.get("known_secondaries") or []
        if sid not in known:
            yield _v(
                f"{sec.cluster}: {swhere}.secondary_id = {sid!r} is not in {prim.cluster}: "
                f"{pwhere}.known_secondaries = {known!r}",
                [sec.cluster, prim.cluster],
                f"{swhere}.secondary_id",
                f"{pwhere}.known_secondaries",
            )
        peers = pblock.get("secondaries")
        if isinstance(peers, list) and peers and sid not in [p.get("node_id") for p in peers if isinstance(p, Mapping)]:
            yield _v(
                f"{sec.cluster}: {swhere}.secondary_id = {sid!r} matches no {prim.cluster}: {pwhere}.secondaries[].node_id "
                f"({[p.get('node_id') for p in peers if isinstance(p, Mapping)]!r}) ({kind})",
                [sec.cluster, prim.cluster],
                f"{swhere}.secondary_id",
                f"{pwhere}.secondaries",
            )


def i4_primary_cluster_addr_known(obs: Sequence[Observation]) -> Iterator[Any]:
    """A secondary's primary_cluster_addr is in known_primary_cluster_addrs and is some primaries[].cluster_address.

    Evidence: docs samples (1.16/1.21) and observed clusters; Vault's testcluster checkClusterAddr.
    A warning: the tutorial says this address "may not reflect the current address".
    """
    for o in obs:
        for _kind, block, where in o.blocks():
            if block.get("mode") != "secondary":
                continue
            addr = block.get("primary_cluster_addr")
            known = block.get("known_primary_cluster_addrs")
            if isinstance(known, list) and known and addr not in known:
                yield _v(
                    f"{o.cluster}: {where}.primary_cluster_addr = {addr!r} is not in known_primary_cluster_addrs {known!r}",
                    [o.cluster],
                    f"{where}.primary_cluster_addr",
                )
            peers = block.get("primaries")
            if isinstance(peers, list) and peers:
                addrs = [p.get("cluster_address") for p in peers if isinstance(p, Mapping)]
                if addr not in addrs:
                    yield _v(
                        f"{o.cluster}: {where}.primary_cluster_addr = {addr!r} matches no primaries[].cluster_address {addrs!r}",
                        [o.cluster],
                        f"{where}.primaries",
                    )


def i5_secondary_not_ahead(obs: Sequence[Observation]) -> Iterator[Any]:
    """A secondary's last_remote_wal is not greater than its primary's last_dr_wal / last_performance_wal.

    Evidence: Vault's testcluster WaitForPerformanceWAL compares last_remote_wal with
    last_performance_wal; docs sample 223/223. Read the secondary before the primary, so
    that writes between the two reads cannot make it look ahead.
    """
    for _kind, sec, sblock, swhere, prim, pblock, pwhere in _pairs_by_set(obs):
        remote = sblock.get("last_remote_wal")
        wal, name = _wal_of_primary(pblock, _kind)
        if isinstance(remote, int) and isinstance(wal, int) and remote > wal:
            yield _v(
                f"{sec.cluster}: {swhere}.last_remote_wal = {remote} is ahead of {prim.cluster}: {pwhere}.{name} = {wal}",
                [sec.cluster, prim.cluster],
                f"{swhere}.last_remote_wal",
                f"{pwhere}.{name}",
            )


def i6_caught_up_means_same_merkle_root(obs: Sequence[Observation]) -> Iterator[Any]:
    """A secondary that has caught up (last_remote_wal == the primary's WAL) has the primary's merkle_root.

    Evidence: Vault's testcluster WaitForMatchingMerkleRoots; a maintainer in hashicorp/vault#5565:
    compare merkle_root to check sync; docs sample 7b75cf... on both sides.
    """
    for kind, sec, sblock, swhere, prim, pblock, pwhere in _pairs_by_set(obs):
        wal, _ = _wal_of_primary(pblock, kind)
        if (
            sblock.get("last_remote_wal") == wal
            and isinstance(wal, int)
            and wal > 0
            and sblock.get("merkle_root") != pblock.get("merkle_root")
        ):
            yield _v(
                f"{sec.cluster} has caught up with {prim.cluster} (WAL {wal}) but {swhere}.merkle_root = "
                f"{sblock.get('merkle_root')!r} differs from {pwhere}.merkle_root = {pblock.get('merkle_root')!r}",
                [sec.cluster, prim.cluster],
                f"{swhere}.merkle_root",
                f"{pwhere}.merkle_root",
            )


def i7_mode_decides_shape(obs: Sequence[Observation]) -> Iterator[Any]:
    """The mode decides the shape: primaries carry no secondary fields, secondaries no primary fields, disabled is bare.

    Evidence: every docs sample (0.9 to 1.21) and observed payload; Vault's AssertReplicationDisabled.
    """
    for o in obs:
        for _kind, block, where in o.blocks():
            mode = block.get("mode")
            wrong: tuple[str, ...] = ()
            if mode == "primary":
                wrong = tuple(k for k in SECONDARY_ONLY if k in block)
            elif mode == "secondary":
                wrong = tuple(k for k in PRIMARY_ONLY if k in block)
            elif mode == "disabled":
                wrong = tuple(k for k in block if k != "mode")
            if wrong:
                yield _v(
                    f"{o.cluster}: {where} has mode {mode!r} but carries {', '.join(wrong)}",
                    [o.cluster],
                    f"{where}.{wrong[0]}",
                )


def i8_connection_status_and_streaming(obs: Sequence[Observation]) -> Iterator[Any]:
    """connection_status is 'connected' or 'disconnected'.

    Evidence: docs text under the 1.16 samples; Vault's enos scripts treat 'disconnected' as failure.
    """
    for o in obs:
        for _kind, block, where in o.blocks():
            for list_name in PEER_LISTS:
                for i, peer in enumerate(block.get(list_name) or []):
                    status = peer.get("connection_status") if isinstance(peer, Mapping) else None
                    if status not in {"connected", "disconnected"}:
                        yield _v(
                            f"{o.cluster}: {where}.{list_name}[{i}].connection_status = {status!r}; expected 'connected' or 'disconnected'",
                            [o.cluster],
                            f"{where}.{list_name}[{i}].connection_status",
                        )


def i8w_streaming_is_connected(obs: Sequence[Observation]) -> Iterator[Any]:
    """A secondary in state 'stream-wals' has connection_state 'ready' and a connected primary.

    Evidence: docs samples only (stream-wals with ready/connected); verify live.
    """
    for o in obs:
        for _kind, block, where in o.blocks():
            if block.get("mode") != "secondary" or block.get("state") != "stream-wals":
                continue
            if "connection_state" in block and block["connection_state"] != "ready":
                yield _v(
                    f"{o.cluster}: {where}.state is 'stream-wals' but connection_state = {block['connection_state']!r}",
                    [o.cluster],
                    f"{where}.connection_state",
                )
            peers = [p for p in block.get("primaries") or [] if isinstance(p, Mapping)]
            if peers and not any(p.get("connection_status") == "connected" for p in peers):
                yield _v(
                    f"{o.cluster}: {where}.state is 'stream-wals' but no primaries[] entry is connected",
                    [o.cluster],
                    f"{where}.primaries",
                )


def i9_endpoints_agree(obs: Sequence[Observation]) -> Iterator[Any]:
    """sys/health's replication modes, dr/status and performance/status agree with sys/replication/status.

    Evidence: Vault's testcluster reads both (WaitForPerf/DRReplicationState); verify live: a
    HashiCorp support article says a DR secondary's health may show a performance mode of 'primary'.
    Fields that move between two reads (WALs, heartbeats, states) are not compared.
    """
    for o in obs:
        status = unwrap(o.status)
        if not isinstance(status, Mapping) or "dr" not in status:
            continue
        health = o.health if isinstance(o.health, Mapping) else {}
        for kind in KINDS:
            block = status.get(kind)
            if not isinstance(block, Mapping):
                continue
            hmode = health.get(f"replication_{kind}_mode")
            if hmode is not None and hmode != block.get("mode"):
                yield _v(
                    f"{o.cluster}: sys/health replication_{kind}_mode = {hmode!r} but sys/replication/status "
                    f"$.data.{kind}.mode = {block.get('mode')!r}",
                    [o.cluster],
                    f"sys/health $.replication_{kind}_mode",
                )
            single = unwrap(o.dr_status if kind == "dr" else o.performance_status)
            if not isinstance(single, Mapping) or "mode" not in single:
                continue
            for key in sorted((set(single) | set(block)) - VOLATILE):
                if single.get(key) != block.get(key):
                    yield _v(
                        f"{o.cluster}: {ENDPOINT[kind]} $.data.{key} = {single.get(key)!r} but sys/replication/status "
                        f"$.data.{kind}.{key} = {block.get(key)!r}",
                        [o.cluster],
                        f"{ENDPOINT[kind]} $.data.{key}",
                    )


def _is_int_string(value: object) -> bool:
    return isinstance(value, str) and bool(_INT_STRING.match(value))


def _peer_number_types(o: Observation, block: Mapping[str, Any], where: str) -> Iterator[Any]:
    for list_name in PEER_LISTS:
        for i, peer in enumerate(block.get(list_name) or []):
            if not isinstance(peer, Mapping):
                continue
            for key in PEER_STRING_NUMBERS:
                if key in peer and not _is_int_string(peer[key]):
                    path = f"{where}.{list_name}[{i}].{key}"
                    yield _v(f"{o.cluster}: {path} = {peer[key]!r} is not a decimal string", [o.cluster], path)


def i10_number_types(obs: Sequence[Observation]) -> Iterator[Any]:
    """WALs are JSON numbers; epochs and *_ms fields of the status endpoints are decimal strings.

    Evidence: docs samples (1.16/1.21) quote these fields; the Go client types them as string;
    Vault's blackbox smartCompare calls the mix "a mess".
    """
    for o in obs:
        for _kind, block, where in o.blocks():
            for key in JSON_NUMBERS:
                if key in block and (not isinstance(block[key], int) or isinstance(block[key], bool)):
                    yield _v(
                        f"{o.cluster}: {where}.{key} = {block[key]!r} is not a JSON number",
                        [o.cluster],
                        f"{where}.{key}",
                    )
            for key in STRING_NUMBERS:
                if key in block and not _is_int_string(block[key]):
                    yield _v(
                        f"{o.cluster}: {where}.{key} = {block[key]!r} is not a decimal string",
                        [o.cluster],
                        f"{where}.{key}",
                    )
            yield from _peer_number_types(o, block, where)


def i11_sentinels(obs: Sequence[Observation]) -> Iterator[Any]:
    """Sentinels: 'never' is "-62135596800" (Go zero time) for corruption checks and "0" for reindexes.

    Evidence: docs samples (1.16/1.21): last_corruption_check_epoch "-62135596800",
    last_reindex_epoch "0" on a never-reindexed primary.
    """
    for o in obs:
        for _kind, block, where in o.blocks():
            check = block.get("last_corruption_check_epoch")
            if isinstance(check, str) and _INT_STRING.match(check) and check != GO_ZERO_EPOCH and int(check) <= 0:
                yield _v(
                    f"{o.cluster}: {where}.last_corruption_check_epoch = {check!r}; 'never' is {GO_ZERO_EPOCH!r}, "
                    "anything else is a positive Unix time",
                    [o.cluster],
                    f"{where}.last_corruption_check_epoch",
                )
            reindex = block.get("last_reindex_epoch")
            if isinstance(reindex, str) and _INT_STRING.match(reindex) and int(reindex) < 0:
                yield _v(
                    f"{o.cluster}: {where}.last_reindex_epoch = {reindex!r}; 'never' is \"0\"",
                    [o.cluster],
                    f"{where}.last_reindex_epoch",
                )


def i12_heartbeat_times(obs: Sequence[Observation]) -> Iterator[Any]:
    """last_heartbeat is not before the secondary's last_start and not after the time of the read.

    Evidence: docs sample (1.16: last_start 10:05:48, heartbeat 10:05:56); verify live. One
    second of tolerance covers clock skew and the rounding to whole seconds.
    """
    slack = timedelta(seconds=1)
    for o in obs:
        for _kind, block, where in o.blocks():
            start = parse_time(block.get("last_start"))
            for list_name in PEER_LISTS:
                for i, peer in enumerate(block.get(list_name) or []):
                    beat = parse_time(peer.get("last_heartbeat")) if isinstance(peer, Mapping) else None
                    if beat is None:
                        continue
                    path = f"{where}.{list_name}[{i}].last_heartbeat"
                    if start is not None and peer.get("connection_status") == "connected" and beat + slack < start:
                        yield _v(
                            f"{o.cluster}: {path} = {peer['last_heartbeat']} is before last_start {block['last_start']}",
                            [o.cluster],
                            path,
                        )
                    if o.observed_at is not None and beat > o.observed_at + slack:
                        yield _v(
                            f"{o.cluster}: {path} = {peer['last_heartbeat']} is after the read at {o.observed_at.isoformat()}",
                            [o.cluster],
                            path,
                        )


def i13_peers_are_known(obs: Sequence[Observation]) -> Iterator[Any]:
    """Every secondaries[].node_id of a primary is one of its known_secondaries.

    Evidence: docs samples (1.5 to 1.21); known_secondaries lists every non-revoked token.
    """
    for o in obs:
        for _kind, block, where in o.blocks():
            if block.get("mode") != "primary":
                continue
            known = block.get("known_secondaries") or []
            for i, peer in enumerate(block.get("secondaries") or []):
                node = peer.get("node_id") if isinstance(peer, Mapping) else None
                if node not in known:
                    yield _v(
                        f"{o.cluster}: {where}.secondaries[{i}].node_id = {node!r} is not in known_secondaries {known!r}",
                        [o.cluster],
                        f"{where}.secondaries[{i}].node_id",
                    )


INVARIANTS: tuple[Invariant, ...] = (
    Invariant("I1", "secondary-shares-cluster-id", "error", "cross", i1_secondary_shares_cluster_id),
    Invariant("I2", "types-have-separate-ids", "warning", "cluster", i2_types_have_separate_ids),
    Invariant("I3", "secondary-id-known-to-primary", "error", "cross", i3_secondary_id_known_to_primary),
    Invariant("I4", "primary-cluster-addr-known", "warning", "cluster", i4_primary_cluster_addr_known),
    Invariant("I5", "secondary-not-ahead", "error", "cross", i5_secondary_not_ahead),
    Invariant("I6", "caught-up-same-merkle-root", "error", "cross", i6_caught_up_means_same_merkle_root),
    Invariant("I7", "mode-decides-shape", "error", "cluster", i7_mode_decides_shape),
    Invariant("I8", "connection-status-values", "error", "cluster", i8_connection_status_and_streaming),
    Invariant("I8w", "streaming-is-connected", "warning", "cluster", i8w_streaming_is_connected),
    Invariant("I9", "endpoints-agree", "warning", "cluster", i9_endpoints_agree),
    Invariant("I10", "number-types", "error", "cluster", i10_number_types),
    Invariant("I11", "sentinels", "error", "cluster", i11_sentinels),
    Invariant("I12", "heartbeat-times", "warning", "cluster", i12_heartbeat_times),
    Invariant("I13", "peers-are-known", "error", "cluster", i13_peers_are_known),
)


def invariant(ident: str) -> Invariant:
    """The invariant with id ``ident`` (such as ``"I5"``)."""
    for inv in INVARIANTS:
        if inv.id == ident:
            return inv
    msg = f"unknown invariant {ident!r}; known: {', '.join(i.id for i in INVARIANTS)}"
    raise KeyError(msg)


def check(
    observations: Sequence[Observation], *, scope: Literal["cluster", "cross"] | None = None, level: Level | None = None
) -> list[Violation]:
    """Run every invariant (optionally of one scope or level) and return the violations."""
    found: list[Violation] = []
    for inv in INVARIANTS:
        if (scope is None or inv.scope == scope) and (level is None or inv.level == level):
            found.extend(inv.run(observations))
    return found


def wal_regressions(before: Observation, after: Observation) -> list[Violation]:
    """WAL counters that went backwards between two reads of the same cluster (I14).

    Evidence: WALs are created for every write and indexes only grow (tutorial; Vault's
    WaitForPerformanceWAL polls them upwards). A reindex or a new secondary bootstrap resets
    nothing in these counters.
    """
    out = []
    for kind in KINDS:
        old, where = before.block(kind)
        new, _ = after.block(kind)
        if old is None or new is None or old.get("mode") != new.get("mode"):
            continue
        for key in WAL_INDEXES:
            a, b = old.get(key), new.get(key)
            if isinstance(a, int) and isinstance(b, int) and b < a:
                out.append(
                    Violation(
                        "I14",
                        "wals-never-go-backwards",
                        "error",
                        f"{before.cluster}: {where}.{key} went from {a} to {b} between two reads",
                        (before.cluster,),
                        (f"{where}.{key}",),
                    )
                )
    return out


def secondaries_first(statuses: Mapping[str, Any]) -> list[str]:
    """Cluster names ordered so that every secondary comes before its primary.

    Read clusters in this order: a primary that writes between two reads can then only be
    ahead of what its secondary reported, never behind (I5 stays meaningful on chains such
    as A -> B -> D).
    """
    primaries_of: dict[str, set[str]] = {name: set() for name in statuses}
    for kind in KINDS:
        owners = {}
        for name, body in statuses.items():
            block, _ = Observation(name, status=body).block(kind)
            if block is not None and block.get("mode") == "primary":
                owners[block.get("cluster_id")] = name
        for name, body in statuses.items():
            block, _ = Observation(name, status=body).block(kind)
            if block is not None and block.get("mode") == "secondary" and block.get("cluster_id") in owners:
                primaries_of[name].add(owners[block["cluster_id"]])
    order: list[str] = []
    remaining = list(statuses)
    while remaining:
        # next: a cluster that is not the primary of any cluster still unread
        ready = [n for n in remaining if not any(n in primaries_of[m] for m in remaining if m != n)]
        chosen = ready[0] if ready else remaining[0]  # a cycle is impossible in Vault; never loop forever
        order.append(chosen)
        remaining.remove(chosen)
    return order


def now_utc() -> datetime:
    """The wall-clock time, for observations of real servers."""
    return datetime.now(timezone.utc)
