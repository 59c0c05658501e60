"""Model layer: the replication topology, its clock and the invariants its payloads satisfy (no HTTP, no Faker)."""

from __future__ import annotations

from replmock.model.clock import DEFAULT_EPOCH, Clock
from replmock.model.invariants import INVARIANTS, Invariant, Observation, Violation, check, wal_regressions
from replmock.model.operations import ReplicationError, parse_ttl
from replmock.model.topology import (
    GO_ZERO_EPOCH,
    TYPES,
    Cluster,
    Link,
    Node,
    ReplicationSet,
    ReplicationType,
    Role,
    Topology,
    TypeState,
)

__all__ = [
    "DEFAULT_EPOCH",
    "GO_ZERO_EPOCH",
    "INVARIANTS",
    "TYPES",
    "Clock",
    "Cluster",
    "Invariant",
    "Link",
    "Node",
    "Observation",
    "ReplicationError",
    "ReplicationSet",
    "ReplicationType",
    "Role",
    "Topology",
    "TypeState",
    "Violation",
    "check",
    "parse_ttl",
    "wal_regressions",
]
