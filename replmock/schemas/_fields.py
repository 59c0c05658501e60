"""The replication field table: every field replmock knows, described once.

Each :class:`Field` says what a replication payload field is: its JSON type (per profile), the modes it
appears in, which profile requires it in which mode, what it means and where the evidence comes from.
``replmock.schemas._build`` assembles the JSON Schema files from these tables.

Run ``python tools/build_schemas.py`` after editing; ``tests/test_schemas.py`` fails when the committed
files differ from what the builder writes.

This module imports only the standard library (the pytest plugin's import cost is checked).
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

DIALECT = "https://json-schema.org/draft/2020-12/schema"
BASE = "https://replmock.dev/schemas"
PROFILES = ("lenient", "strict")

# Evidence keys -> text written into ``x-source``.  Paths under fixtures/ are the
# verbatim samples this repository carries.
SRC = {
    "DOC-2024": "Vault 1.16+ docs, api-docs/system/replication/index.mdx (hashicorp/vault@03583e9f; fixtures/docs/032, 033)",
    "DOC-DR-1.21": "Vault 1.21 docs, api-docs/system/replication/replication-dr.mdx (web-unified-docs@4cd12f70; fixtures/docs/034, 035)",
    "DOC-PERF-1.20": "Vault 1.20 docs, api-docs/system/replication/replication-performance.mdx (web-unified-docs@55e2342b)",
    "DOC-1.15": "Vault 1.15 docs, api-docs/system/replication/index.mdx (web-unified-docs@7964be82)",
    "DOC-2020": "Vault 1.5-1.14 docs after hashicorp/vault#9215 (fixtures/docs/028-031)",
    "DOC-0.9": "Vault 0.9-1.4 docs, website/source/api/system/replication/*.html.md (fixtures/docs/025-027)",
    "DOC-0.7": "Vault 0.7-0.8 docs, top-level copies of data written by HTTPSysInjector (fixtures/docs/023, 024, 037)",
    "OBS-2019": "observed Vault Enterprise ~1.2-1.3 clusters (fixtures/observed/001-020)",
    "ISSUE-5565": "real Enterprise response in hashicorp/vault#5565 (2018)",
    "GOAPI": "Vault Go client api/replication_status.go (field types)",
    "UI": "Vault UI ui/app/models/replication-attributes.js and replication-mode.js",
    "UI-STATES": "Vault UI ui/lib/core/addon/helpers/cluster-states.js",
    "TUTORIAL": "HashiCorp tutorial 'Monitor replication'",
    "PR-24343": "hashicorp/vault#24343 (clock skew, Vault 1.16)",
    "PR-25763": "hashicorp/vault#25763 (heartbeat duration and canary age docs)",
    "KB-REINDEX": "third-party KB on reindex stages (low authority; only 'building' is confirmed by the UI)",
    "MERKLE-SYNC": "developer.hashicorp.com/vault/docs/enterprise/replication/troubleshoot/merkle-sync",
    "HTTP": "Vault docs api-docs/index.mdx and sdk/logical/translate_response.go (HTTPResponse envelope)",
    "ERRORS": "Vault docs api-docs/index.mdx 'Error response' and sdk/logical/response_util.go",
    "OSS": 'Vault CE vault/logical_system_helpers.go (flat {"mode": "disabled"}, 404 enterprise-only feature)',
    "HEALTH": "Vault docs api-docs/system/health.mdx (hashicorp/vault@b746f807, sample 1.17.0-beta1+ent) and "
    "http/sys_health.go; OpenBao 2.7 dev server",
    "REINDEX": "Vault docs api-docs/system/replication/index.mdx, 'Reindex replication' parameters",
    "DOC-DR-NEW": "Vault docs api-docs/system/replication/replication-dr.mdx (web-unified-docs v2.x@cdc068c2)",
    "DOC-PERF-NEW": "Vault docs api-docs/system/replication/replication-performance.mdx (web-unified-docs v1.20.x@55e2342b)",
    "GENROOT": "Vault http/sys_generate_root.go GenerateRootStatusResponse (struct order, all fields always written)",
    "WRAPINFO": "Vault sdk/logical/translate_response.go HTTPWrapInfo (wrapped_accessor omitempty)",
    "PARSEBOOL": "Vault sdk/framework/field_data.go TypeBool (mapstructure.WeakDecode: bools, numbers, "
    'strconv.ParseBool strings; the CLI sends "true")',
}


def src(*keys: str) -> str:
    return "; ".join(SRC[k] for k in keys)


# --- JSON value types ------------------------------------------------------

UINT = {"type": "integer", "minimum": 0}
UINT_STRING = {
    "type": "string",
    "pattern": "^[0-9]{1,20}$",
    "x-expected": 'a non-negative integer written as a JSON string, such as "0"',
}
INT_STRING = {
    "type": "string",
    "pattern": "^-?[0-9]{1,19}$",
    "x-expected": 'an integer written as a JSON string, such as "-1"',
}
EPOCH_STRING = {
    "type": "string",
    "pattern": "^-?[0-9]{1,19}$",
    "x-expected": 'Unix seconds written as a JSON string, such as "1709564740"',
}
BOOL = {"type": "boolean"}
DATE_TIME = {
    "type": "string",
    "format": "date-time",
    "x-expected": "an RFC 3339 date-time with a time zone, such as 2024-03-04T10:05:56-05:00",
}
_HOST_PORT = "(\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9._-]+)(:[0-9]{1,5})?(/\\S*)?"
URL = {
    "type": "string",
    "pattern": f"^https?://{_HOST_PORT}$",
    "x-expected": "an http(s) URL such as https://10.0.0.1:8201",
}
URL_OR_EMPTY = {"type": "string", "pattern": f"^(https?://{_HOST_PORT})?$", "x-expected": 'an http(s) URL, or ""'}
ID = {"type": "string", "minLength": 1}
VAULT_UUID = {
    "type": "string",
    "pattern": "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$",
    "x-expected": "a Vault id: 32 lower-case hex digits in 8-4-4-4-12 form",
}
MERKLE_ROOT = {"type": "string", "pattern": "^[0-9a-f]{40}$", "x-expected": "40 lower-case hex digits (a merkle root)"}

MODES = ["disabled", "primary", "secondary", "bootstrapping", "unknown", "unsupported"]
PRIMARY_STATES = ["running", "idle"]
SECONDARY_STATES = ["stream-wals", "merkle-diff", "merkle-sync", "idle"]
REPLICATION_STATES = PRIMARY_STATES + [s for s in SECONDARY_STATES if s not in PRIMARY_STATES]
CONNECTION_STATES = ["ready", "connecting", "idle", "transient_failure", "shutdown"]
REINDEX_STAGES = ["scanning", "building", "wal-replay", "commit"]


class Mode(enum.Flag):
    """The replication modes a field appears in.

    For a status object: its ``mode``. For a peer object: the mode of the node whose status lists it
    (``PRIMARY``: an entry of a primary's ``secondaries[]``; ``SECONDARY``: of a secondary's ``primaries[]``).
    """

    PRIMARY = enum.auto()
    SECONDARY = enum.auto()
    BOOTSTRAPPING = enum.auto()


NO_MODE = Mode(0)
"""Not mode-dependent (a field of an object without a mode: the envelope, sys/health, the reindex request)."""
EVERY_MODE = Mode.PRIMARY | Mode.SECONDARY | Mode.BOOTSTRAPPING
ALWAYS = EVERY_MODE
"""As a ``required_*`` value of a field of an object without a mode (sys/health): required whatever the mode."""


@dataclass(frozen=True)
class Field:
    """One property of an object schema: its type, where it appears, who requires it, and why we think so."""

    name: str
    json_type: dict[str, Any]
    """The JSON Schema of the value under the lenient profile (what real servers have been seen to send)."""
    description: str
    source: str
    """The evidence, written into the schema as ``x-source``."""
    strict_type: dict[str, Any] | None = None
    """A tighter value schema for the strict profile (None: the same as ``json_type``)."""
    modes: Mode = NO_MODE
    """The modes the field appears in (see :class:`Mode`)."""
    required_lenient: Mode = NO_MODE
    """The modes in which the lenient profile requires the field."""
    required_strict: Mode = NO_MODE
    """The modes in which the strict profile requires the field."""
    volatile: bool = False
    """The value moves on its own between two reads (WALs, heartbeats, states): two reads are not compared on it."""
    wal: bool = False
    """A WAL index: a JSON number that never goes backwards."""
    shipped_to: str | None = None
    """For a primary's per-type WAL index: the replication type (``dr``, ``performance``) it ships to."""
    since: tuple[int, int] | None = None
    """The Vault release (major, minor) that first sends the field (None: every release replmock models)."""

    @property
    def value_type(self) -> dict[str, Any]:
        """The lenient schema of the value, or of each item when the value is an array."""
        items = self.json_type.get("items")
        return items if self.json_type.get("type") == "array" and isinstance(items, dict) else self.json_type

    @property
    def string_number(self) -> bool:
        """Whether the value is a number written as a JSON string (``"0"``, ``"-1"``, Unix seconds)."""
        return self.json_type in (UINT_STRING, INT_STRING, EPOCH_STRING)

    def schema(self, profile: str) -> dict[str, Any]:
        body = self.strict_type if profile == "strict" and self.strict_type is not None else self.json_type
        if profile == "lenient" and body.get("type") == "array":
            # Go encodes a nil slice as null unless the field is omitempty: accept it from real servers.
            body = {**body, "type": ["array", "null"]}
        return {"description": self.description, "x-source": self.source, **body}


def array_of(item: dict[str, Any]) -> dict[str, Any]:
    return {"type": "array", "items": item}


# --- peer objects (secondaries[] on a primary, primaries[] on a secondary) ---

PEER_FIELDS = (
    Field(
        "api_address",
        URL,
        "API address of the peer node.",
        src("DOC-2020", "DOC-2024"),
        modes=Mode.PRIMARY | Mode.SECONDARY,
        required_lenient=Mode.PRIMARY | Mode.SECONDARY,
        required_strict=Mode.PRIMARY | Mode.SECONDARY,
    ),
    Field(
        "cluster_address",
        URL,
        "Cluster (replication gRPC) address of the peer node.",
        src("DOC-2020", "DOC-2024"),
        modes=Mode.PRIMARY | Mode.SECONDARY,
        required_lenient=Mode.PRIMARY | Mode.SECONDARY,
        required_strict=Mode.PRIMARY | Mode.SECONDARY,
    ),
    Field(
        "connection_status",
        {"type": "string", "enum": ["connected", "disconnected"]},
        "Whether this node currently talks to the peer: 'connected' or 'disconnected'.",
        src("DOC-2024", "DOC-2020"),
        modes=Mode.PRIMARY | Mode.SECONDARY,
        required_lenient=Mode.PRIMARY | Mode.SECONDARY,
        required_strict=Mode.PRIMARY | Mode.SECONDARY,
    ),
    Field(
        "last_heartbeat",
        DATE_TIME,
        "RFC 3339 time (with the node's local offset) of the last heartbeat exchanged with the peer.",
        src("DOC-2024", "DOC-2020"),
        modes=Mode.PRIMARY | Mode.SECONDARY,
        required_lenient=Mode.PRIMARY | Mode.SECONDARY,
        required_strict=Mode.PRIMARY | Mode.SECONDARY,
        volatile=True,
    ),
    Field(
        "node_id",
        ID,
        "Id of the secondary: equals its secondary_id and its entry in known_secondaries. Only in secondaries[].",
        src("DOC-2024", "DOC-2020"),
        modes=Mode.PRIMARY,
        required_lenient=Mode.PRIMARY,
        required_strict=Mode.PRIMARY,
    ),
    Field(
        "last_heartbeat_duration_ms",
        UINT_STRING,
        "Duration of the last heartbeat exchange in milliseconds, as a decimal STRING.",
        src("DOC-2024", "GOAPI", "PR-25763"),
        modes=Mode.PRIMARY | Mode.SECONDARY,
        required_strict=Mode.PRIMARY | Mode.SECONDARY,
        volatile=True,
    ),
    Field(
        "clock_skew_ms",
        INT_STRING,
        'Estimated clock skew to the peer in milliseconds, a signed decimal STRING such as "-1".',
        src("DOC-2024", "GOAPI", "PR-24343"),
        modes=Mode.PRIMARY | Mode.SECONDARY,
        required_strict=Mode.PRIMARY | Mode.SECONDARY,
        volatile=True,
    ),
    Field(
        "replication_primary_canary_age_ms",
        UINT_STRING,
        "Age in milliseconds of the replication canary written by the primary's active node, a decimal STRING.",
        src("DOC-2024", "GOAPI", "PR-25763"),
        modes=Mode.PRIMARY | Mode.SECONDARY,
        required_strict=Mode.PRIMARY | Mode.SECONDARY,
        volatile=True,
    ),
)

# --- the per-type replication status object --------------------------------

STATUS_FIELDS = (
    Field(
        "mode",
        {"type": "string", "enum": MODES},
        "Replication role of this cluster for this replication type.",
        src("DOC-2024", "UI"),
        modes=EVERY_MODE,
        required_lenient=EVERY_MODE,
        required_strict=EVERY_MODE,
    ),
    Field(
        "cluster_id",
        ID,
        "Id of the replication set; the same on the primary and all its secondaries of this type.",
        src("DOC-2024", "DOC-0.9", "TUTORIAL"),
        strict_type=VAULT_UUID,
        modes=EVERY_MODE,
        required_lenient=Mode.PRIMARY | Mode.SECONDARY,
        required_strict=Mode.PRIMARY | Mode.SECONDARY,
    ),
    Field(
        "state",
        {"type": "string", "minLength": 1},
        "Replication state machine state: 'running' on a healthy primary, 'stream-wals' on a healthy secondary, "
        "'merkle-diff'/'merkle-sync' while re-syncing, 'idle' when replication has stopped.",
        src("DOC-2024", "TUTORIAL", "UI-STATES"),
        strict_type={"type": "string", "enum": REPLICATION_STATES},
        modes=EVERY_MODE,
        required_lenient=Mode.SECONDARY,
        required_strict=Mode.PRIMARY | Mode.SECONDARY,
        volatile=True,
    ),
    Field(
        "connection_state",
        {"type": "string", "minLength": 1},
        "State of the secondary's gRPC connection to the primary ('ready' when healthy).",
        src("DOC-2024", "UI-STATES"),
        strict_type={"type": "string", "enum": CONNECTION_STATES},
        modes=Mode.SECONDARY | Mode.BOOTSTRAPPING,
        required_strict=Mode.SECONDARY,
        volatile=True,
    ),
    Field(
        "known_secondaries",
        array_of(ID),
        "Ids of every non-revoked secondary activation token created by this primary, used or not.",
        src("DOC-2024", "DOC-0.9", "OBS-2019", "TUTORIAL"),
        modes=Mode.PRIMARY,
        required_lenient=Mode.PRIMARY,
        required_strict=Mode.PRIMARY,
    ),
    Field(
        "secondaries",
        array_of({"$ref": "#/$defs/peer-secondary"}),
        "One entry per secondary this primary knows, with its addresses and heartbeat.",
        src("DOC-2024", "DOC-2020"),
        modes=Mode.PRIMARY,
        required_strict=Mode.PRIMARY,
        volatile=True,
    ),
    Field(
        "primaries",
        array_of({"$ref": "#/$defs/peer-primary"}),
        "The primary node(s) this secondary talks to.",
        src("DOC-2024", "DOC-2020"),
        modes=Mode.SECONDARY,
        required_strict=Mode.SECONDARY,
        volatile=True,
    ),
    Field(
        "last_wal",
        UINT,
        "Index of the last WAL entry written to local storage (a JSON number).",
        src("DOC-2024", "DOC-0.9", "OBS-2019", "GOAPI"),
        modes=Mode.PRIMARY,
        required_lenient=Mode.PRIMARY,
        required_strict=Mode.PRIMARY,
        volatile=True,
        wal=True,
    ),
    Field(
        "last_dr_wal",
        UINT,
        "Last WAL index shipped to DR secondaries (a JSON number).",
        src("DOC-2024", "GOAPI"),
        modes=Mode.PRIMARY,
        volatile=True,
        wal=True,
        shipped_to="dr",
    ),
    Field(
        "last_performance_wal",
        UINT,
        "Last WAL index shipped to performance secondaries; compare with a secondary's last_remote_wal.",
        src("DOC-2024", "GOAPI"),
        modes=Mode.PRIMARY,
        volatile=True,
        wal=True,
        shipped_to="performance",
    ),
    Field(
        "last_remote_wal",
        UINT,
        "Last WAL index this secondary received from the primary by WAL streaming (a JSON number).",
        src("DOC-2024", "DOC-0.9", "OBS-2019", "TUTORIAL"),
        modes=Mode.SECONDARY | Mode.BOOTSTRAPPING,
        required_lenient=Mode.SECONDARY,
        required_strict=Mode.SECONDARY,
        volatile=True,
        wal=True,
    ),
    Field(
        "merkle_root",
        MERKLE_ROOT,
        "Hash of the merkle tree root (40 hex digits); equal on primary and secondary when they are in sync.",
        src("DOC-2024", "DOC-0.9", "ISSUE-5565"),
        modes=EVERY_MODE,
        required_lenient=Mode.PRIMARY | Mode.SECONDARY,
        required_strict=Mode.PRIMARY | Mode.SECONDARY,
        volatile=True,
    ),
    Field(
        "primary_cluster_addr",
        URL_OR_EMPTY,
        'On a primary: the address given at enable, usually "". On a secondary: the first address it used to reach the primary.',
        src("DOC-2024", "OBS-2019", "ISSUE-5565", "TUTORIAL"),
        modes=EVERY_MODE,
        required_lenient=Mode.SECONDARY,
        required_strict=Mode.PRIMARY | Mode.SECONDARY,
    ),
    Field(
        "known_primary_cluster_addrs",
        array_of(URL),
        "cluster_addr of every node of the primary cluster, refreshed about every 5 seconds.",
        src("DOC-2024", "DOC-0.9", "OBS-2019", "TUTORIAL"),
        modes=Mode.SECONDARY | Mode.BOOTSTRAPPING,
        required_lenient=Mode.SECONDARY,
        required_strict=Mode.SECONDARY,
        volatile=True,
    ),
    Field(
        "secondary_id",
        ID,
        "Id of the activation token that enabled this secondary; listed in the primary's known_secondaries.",
        src("DOC-2024", "DOC-0.9", "OBS-2019", "TUTORIAL"),
        modes=Mode.SECONDARY | Mode.BOOTSTRAPPING,
        required_lenient=Mode.SECONDARY,
        required_strict=Mode.SECONDARY,
    ),
    Field(
        "last_reindex_epoch",
        EPOCH_STRING,
        'Unix time in seconds of the last reindex, as a decimal STRING; "0" means never.',
        src("DOC-2024", "OBS-2019", "UI"),
        modes=EVERY_MODE,
        required_strict=Mode.PRIMARY | Mode.SECONDARY,
        volatile=True,
    ),
    Field(
        "last_start",
        DATE_TIME,
        "RFC 3339 time at which replication last started on this secondary.",
        src("DOC-2024", "DOC-DR-1.21"),
        modes=Mode.SECONDARY | Mode.BOOTSTRAPPING,
        required_strict=Mode.SECONDARY,
        volatile=True,
    ),
    Field(
        "ssct_generation_counter",
        UINT,
        "Server-side consistent token generation counter (a JSON number).",
        src("DOC-2024", "GOAPI"),
        modes=EVERY_MODE,
        required_strict=Mode.PRIMARY | Mode.SECONDARY,
        volatile=True,
    ),
    Field(
        "corrupted_merkle_tree",
        BOOL,
        "Result of the last merkle tree corruption check.",
        src("DOC-2024", "DOC-1.15"),
        modes=EVERY_MODE,
        required_strict=Mode.PRIMARY | Mode.SECONDARY,
        volatile=True,
    ),
    Field(
        "last_corruption_check_epoch",
        EPOCH_STRING,
        'Unix time in seconds of the last corruption check, as a STRING; "-62135596800" (Go zero time) means never.',
        src("DOC-2024", "DOC-1.15"),
        modes=EVERY_MODE,
        required_strict=Mode.PRIMARY | Mode.SECONDARY,
        volatile=True,
    ),
    Field("reindex_in_progress", BOOL, "True while a reindex runs.", src("UI"), modes=EVERY_MODE, volatile=True),
    Field(
        "reindex_stage",
        {"type": "string", "minLength": 1},
        "Stage of the running reindex ('building' is confirmed; 'scanning', 'wal-replay', 'commit' are reported by a KB).",
        src("UI", "KB-REINDEX"),
        strict_type={"type": "string", "enum": REINDEX_STAGES},
        modes=EVERY_MODE,
        volatile=True,
    ),
    Field(
        "reindex_building_progress",
        UINT,
        "Keys processed so far in the reindex 'building' stage.",
        src("UI"),
        modes=EVERY_MODE,
        volatile=True,
    ),
    Field(
        "reindex_building_total",
        UINT,
        "Total keys of the reindex 'building' stage.",
        src("UI"),
        modes=EVERY_MODE,
        volatile=True,
    ),
    Field(
        "merkle_sync_progress",
        {"$ref": "#/$defs/merkle-sync-progress"},
        "Progress of a merkle sync on a secondary in state 'merkle-sync'.",
        src("UI", "MERKLE-SYNC"),
        modes=Mode.SECONDARY | Mode.BOOTSTRAPPING,
        volatile=True,
    ),
)

MERKLE_SYNC_FIELDS = (
    Field(
        "sync_progress",
        UINT,
        "Keys synced so far.",
        src("UI", "MERKLE-SYNC"),
        modes=Mode.SECONDARY,
        required_lenient=Mode.SECONDARY,
        required_strict=Mode.SECONDARY,
    ),
    Field(
        "sync_total_keys",
        UINT,
        "Keys to sync in total.",
        src("UI", "MERKLE-SYNC"),
        modes=Mode.SECONDARY,
        required_lenient=Mode.SECONDARY,
        required_strict=Mode.SECONDARY,
    ),
)

# --- envelope and other bodies ---------------------------------------------

ENVELOPE_FIELDS = (
    Field(
        "request_id",
        {"type": "string"},
        "Id of the request, generated by Vault for every request.",
        src("HTTP", "OBS-2019"),
    ),
    Field("lease_id", {"type": "string"}, 'Lease id; "" on these endpoints.', src("HTTP", "OBS-2019")),
    Field("renewable", BOOL, "Whether the lease is renewable; false on these endpoints.", src("HTTP", "OBS-2019")),
    Field(
        "lease_duration",
        {"type": "integer"},
        "Lease duration in seconds; 0 on these endpoints.",
        src("HTTP", "OBS-2019"),
    ),
    Field(
        "wrap_info",
        {"type": ["object", "null"]},
        "Response-wrapping information; null unless wrapped.",
        src("HTTP", "OBS-2019"),
    ),
    Field(
        "warnings",
        {"type": ["array", "null"], "items": {"type": "string"}},
        "Warnings produced by the request, or null.",
        src("HTTP", "OBS-2019"),
    ),
    Field(
        "auth",
        {"type": ["object", "null"]},
        "Authentication information; null on these endpoints.",
        src("HTTP", "OBS-2019"),
    ),
    Field(
        "mount_type",
        {"type": "string"},
        'Type of the mount that served the request; "system" for sys/ (Vault 1.16+).',
        src("HTTP"),
        since=(1, 16),  # CHANGELOG 1.16.0, GH-23047 (reference §14.13); OpenBao, forked at 1.14, has none
    ),
)

LEGACY_TOPLEVEL_FIELDS = (
    Field(
        "mode",
        {"type": "string", "enum": [*MODES, "dr-primary", "dr-secondary", "perf-primary", "perf-secondary"]},
        "Top-level copy of data.mode written by Vault < 0.9 (values such as 'dr-primary' appear only here).",
        src("DOC-0.7"),
    ),
    Field("cluster_id", ID, "Top-level copy of data.cluster_id (Vault < 0.9).", src("DOC-0.7")),
    Field("known_secondaries", array_of(ID), "Top-level copy of data.known_secondaries (Vault < 0.9).", src("DOC-0.7")),
    Field("last_wal", UINT, "Top-level copy of data.last_wal (Vault < 0.9).", src("DOC-0.7")),
    Field("merkle_root", MERKLE_ROOT, "Top-level copy of data.merkle_root (Vault < 0.9).", src("DOC-0.7")),
)

# What Vault's framework (mapstructure.WeakDecode over json.Number) turns into a bool: a bool,
# the numbers 0 and 1, a string strconv.ParseBool takes, "" or null (false).
PARSEBOOL_TRUE = ("1", "t", "T", "TRUE", "true", "True")
PARSEBOOL_FALSE = ("0", "f", "F", "FALSE", "false", "False")
"""What Go's strconv.ParseBool accepts, and nothing else."""
PARSEBOOL_STRINGS = [*PARSEBOOL_TRUE, *PARSEBOOL_FALSE]
BOOL_PARAM = {
    "anyOf": [
        {"type": "boolean"},
        {"enum": [0, 1]},
        {"type": "null"},
        {"type": "string", "enum": [*PARSEBOOL_STRINGS, ""]},
    ],
    "x-expected": 'a boolean, 0 or 1, or a string Vault parses as one ("true", "1", "false", ...)',
}

REINDEX_FIELDS = (
    Field(
        "diff",
        BOOL_PARAM,
        "Slower reindex with a key-level check to diagnose issues (default false).",
        src("REINDEX", "PARSEBOOL"),
    ),
    Field(
        "force",
        BOOL_PARAM,
        "Complete reindex that only scans data available in storage (default false).",
        src("REINDEX", "PARSEBOOL"),
    ),
    Field(
        "skip_flush",
        BOOL_PARAM,
        "Skip the tree flushing stage; the tree is flushed asynchronously afterwards (default false).",
        src("REINDEX", "PARSEBOOL"),
    ),
)

HEALTH_MODES = ["disabled", "primary", "secondary", "bootstrapping", "unknown"]

HEALTH_FIELDS = (
    Field(
        "initialized",
        BOOL,
        "Whether Vault is initialized.",
        src("HEALTH"),
        required_lenient=ALWAYS,
        required_strict=ALWAYS,
    ),
    Field(
        "sealed",
        BOOL,
        "Whether Vault is sealed.",
        src("HEALTH"),
        required_lenient=ALWAYS,
        required_strict=ALWAYS,
    ),
    Field(
        "standby",
        BOOL,
        "Whether this node is a standby.",
        src("HEALTH"),
        required_lenient=ALWAYS,
        required_strict=ALWAYS,
    ),
    Field(
        "performance_standby",
        BOOL,
        "Whether this node is a performance standby (Enterprise).",
        src("HEALTH"),
        required_strict=ALWAYS,
    ),
    Field(
        "replication_performance_mode",
        {"type": "string", "minLength": 1},
        "Performance replication mode of the cluster; agrees with the status endpoints' performance mode.",
        src("HEALTH"),
        strict_type={"type": "string", "enum": HEALTH_MODES},
        required_lenient=ALWAYS,
        required_strict=ALWAYS,
    ),
    Field(
        "replication_dr_mode",
        {"type": "string", "minLength": 1},
        "DR replication mode of the cluster; agrees with the status endpoints' DR mode.",
        src("HEALTH"),
        strict_type={"type": "string", "enum": HEALTH_MODES},
        required_lenient=ALWAYS,
        required_strict=ALWAYS,
    ),
    Field(
        "server_time_utc",
        UINT,
        "Server time as Unix seconds (a JSON number).",
        src("HEALTH"),
        required_strict=ALWAYS,
    ),
    Field(
        "version",
        {"type": "string", "minLength": 1},
        "Vault version string.",
        src("HEALTH"),
        required_strict=ALWAYS,
    ),
    Field(
        "enterprise",
        BOOL,
        "Whether the server is Vault Enterprise (Vault 1.16+).",
        src("HEALTH"),
        required_strict=ALWAYS,
        since=(1, 16),
    ),
    Field("cluster_name", {"type": "string"}, "Name of the cluster (omitted while sealed).", src("HEALTH")),
    Field(
        "cluster_id",
        {"type": "string"},
        "Id of the (storage) cluster, omitted while sealed; unrelated to the replication cluster_id.",
        src("HEALTH"),
    ),
    Field(
        "echo_duration_ms",
        {"type": "integer"},
        "Duration of the last echo to the active node in ms (standbys, Vault 1.16+).",
        src("HEALTH"),
        required_strict=ALWAYS,
        since=(1, 16),
    ),
    Field(
        "clock_skew_ms",
        {"type": "integer"},
        "Clock skew to the active node in ms; a JSON NUMBER here, unlike the status endpoints.",
        src("HEALTH"),
        required_strict=ALWAYS,
        since=(1, 16),
    ),
    Field(
        "replication_primary_canary_age_ms",
        {"type": "integer"},
        "Age of the replication canary in ms; a JSON NUMBER here, unlike the status endpoints.",
        src("HEALTH"),
        since=(1, 16),
    ),
    Field(
        "removed_from_cluster",
        BOOL,
        "Whether this node was removed from its raft cluster (Vault 1.19+).",
        src("HEALTH"),
        since=(1, 19),
    ),
    Field(
        "ha_connection_healthy",
        BOOL,
        "Whether the standby's connection to the active node is healthy (Vault 1.19+).",
        src("HEALTH"),
        since=(1, 19),
    ),
    Field(
        "last_request_forwarding_heartbeat_ms",
        {"type": "integer"},
        "Time since the last forwarding heartbeat (Vault 1.19+).",
        src("HEALTH"),
        since=(1, 19),
    ),
    Field("last_wal", UINT, "Last WAL index of an active, unsealed Enterprise node (a JSON number).", src("HEALTH")),
    Field("license", {"type": "object"}, "License state {state, expiry_time, terminated} (Enterprise).", src("HEALTH")),
)

ALL_FIELDS = (
    *PEER_FIELDS,
    *STATUS_FIELDS,
    *MERKLE_SYNC_FIELDS,
    *ENVELOPE_FIELDS,
    *LEGACY_TOPLEVEL_FIELDS,
    *REINDEX_FIELDS,
    *HEALTH_FIELDS,
)
"""Every table. A name can appear in several with different types (sys/health's clock_skew_ms is a number)."""


# --- facts derived from the table ---------------------------------------------------------------
# The only lists of fields by category: other modules import these instead of keeping copies.


def _names(fields: Iterable[Field], keep: Callable[[Field], bool]) -> tuple[str, ...]:
    return tuple(fl.name for fl in fields if keep(fl))


PRIMARY_ONLY = _names(STATUS_FIELDS, lambda fl: fl.modes == Mode.PRIMARY)
"""Status-object fields only a primary carries."""
SECONDARY_ONLY = _names(STATUS_FIELDS, lambda fl: bool(fl.modes) and Mode.PRIMARY not in fl.modes)
"""Status-object fields only a secondary (or a bootstrapping one) carries."""
STRING_NUMBERS = _names(STATUS_FIELDS, lambda fl: fl.string_number)
"""Status-object numbers written as JSON strings."""
PEER_STRING_NUMBERS = _names(PEER_FIELDS, lambda fl: fl.string_number)
"""Peer-object (secondaries[], primaries[]) numbers written as JSON strings."""
JSON_NUMBERS = _names(STATUS_FIELDS, lambda fl: fl.json_type.get("type") == "integer")
"""Status-object numbers written as JSON numbers."""
WAL_INDEXES = _names(STATUS_FIELDS, lambda fl: fl.wal)
"""Status-object WAL indexes (JSON numbers that never go backwards)."""
VOLATILE = frozenset(_names((*STATUS_FIELDS, *PEER_FIELDS), lambda fl: fl.volatile))
"""Fields whose value moves between two reads of the same cluster."""
EPOCH_STRINGS = frozenset(_names(ALL_FIELDS, lambda fl: fl.json_type == EPOCH_STRING))
"""Fields holding Unix seconds written as a JSON string."""
DATE_TIMES = frozenset(_names(ALL_FIELDS, lambda fl: fl.json_type.get("format") == "date-time"))
"""Fields holding an RFC 3339 date-time."""
IDENTIFIERS = frozenset(
    _names((*STATUS_FIELDS, *PEER_FIELDS), lambda fl: fl.value_type is ID or fl.strict_type is VAULT_UUID)
)
"""Status and peer fields holding identifiers of a replication set, a secondary or a node (or a list of them).

``ID`` is compared by identity: other non-empty strings (``state``) have the same schema but are no identifiers."""
ADDRESSES = frozenset(_names((*STATUS_FIELDS, *PEER_FIELDS), lambda fl: fl.value_type in (URL, URL_OR_EMPTY)))
"""Status and peer fields holding node addresses (or a list of them)."""
PEER_LISTS = _names(STATUS_FIELDS, lambda fl: str(fl.value_type.get("$ref", "")).startswith("#/$defs/peer-"))
"""Status-object fields listing peer objects (a primary's secondaries[], a secondary's primaries[])."""
SHIPPED_WAL: Mapping[str, str] = MappingProxyType(
    {fl.shipped_to: fl.name for fl in STATUS_FIELDS if fl.shipped_to is not None}
)
"""Replication type -> the primary's WAL index shipped to that type's secondaries."""
ENVELOPE_SINCE: Mapping[str, tuple[int, int]] = MappingProxyType(
    {fl.name: fl.since for fl in ENVELOPE_FIELDS if fl.since is not None}
)
"""Envelope keys that only newer releases write, with the first release that does."""
ENVELOPE_ALWAYS = tuple(
    fl.name for fl in ENVELOPE_FIELDS if fl.since is None and "null" not in fl.json_type.get("type", ())
)
"""Envelope keys every release writes with a non-null value (with ``data``, the body of any logical answer)."""
ENVELOPE_NULLABLE: Mapping[str, str] = MappingProxyType(
    {
        fl.name: next(t for t in fl.json_type["type"] if t != "null")
        for fl in ENVELOPE_FIELDS
        if fl.since is None and "null" in fl.json_type.get("type", ())
    }
)
"""Envelope keys every release writes, null when empty, with the JSON type of a non-null value."""
HEALTH_SINCE: Mapping[str, tuple[int, int]] = MappingProxyType(
    {fl.name: fl.since for fl in HEALTH_FIELDS if fl.since is not None}
)
"""sys/health fields that only newer releases send, with the first release that does."""


def health_sends(name: str, release: tuple[int, ...]) -> bool:
    """Whether a node of Vault ``release`` (major, minor, patch) writes the sys/health field ``name``."""
    since = HEALTH_SINCE.get(name)
    return since is None or tuple(release[:2]) >= since
