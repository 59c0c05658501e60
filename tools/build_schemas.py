"""Build ``schemas/{lenient,strict}/*.json`` from the field tables below.

The tables are the single place where a replication field is described: its JSON
type, the modes it appears in, which profile requires it, what it means and where
the evidence comes from.  Both profiles are emitted as plain, self-contained
JSON Schema (draft 2020-12) files so that tools in any language can use them.

Run ``python tools/build_schemas.py`` after editing; ``tests/test_schemas.py``
fails when the committed files differ from what this script writes.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
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
    "HEALTH": "Vault docs api-docs/system/health.mdx (hashicorp/vault@b746f807, sample 1.17.0-beta1+ent) and http/sys_health.go; OpenBao 2.7 dev server",
    "REINDEX": "Vault docs api-docs/system/replication/index.mdx, 'Reindex replication' parameters",
    "DOC-DR-NEW": "Vault docs api-docs/system/replication/replication-dr.mdx (web-unified-docs v2.x@cdc068c2)",
    "DOC-PERF-NEW": "Vault docs api-docs/system/replication/replication-performance.mdx (web-unified-docs v1.20.x@55e2342b)",
    "GENROOT": "Vault http/sys_generate_root.go GenerateRootStatusResponse (struct order, all fields always written)",
    "WRAPINFO": "Vault sdk/logical/translate_response.go HTTPWrapInfo (wrapped_accessor omitempty)",
    "PARSEBOOL": 'Vault sdk/framework/field_data.go TypeBool (mapstructure.WeakDecode: bools, numbers, strconv.ParseBool strings; the CLI sends "true")',
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
CONNECTION_STATES = ["ready", "connecting", "idle", "transient_failure", "shutdown"]
REINDEX_STAGES = ["scanning", "building", "wal-replay", "commit"]


@dataclass(frozen=True)
class Field:
    """One property of an object schema."""

    name: str
    lenient: dict[str, Any]
    description: str
    source: str
    strict: dict[str, Any] | None = None  # tighter type for the strict profile
    modes: frozenset[str] = frozenset()  # P(rimary) S(econdary) B(ootstrapping); empty = n/a
    required_lenient: frozenset[str] = frozenset()
    required_strict: frozenset[str] = frozenset()

    def schema(self, profile: str) -> dict[str, Any]:
        body = self.strict if profile == "strict" and self.strict is not None else self.lenient
        if profile == "lenient" and body.get("type") == "array":
            # Go encodes a nil slice as null unless the field is omitempty: accept it from real servers.
            body = {**body, "type": ["array", "null"]}
        return {"description": self.description, "x-source": self.source, **body}


def f(
    name: str,
    typ: dict[str, Any],
    description: str,
    source: str,
    *,
    strict: dict[str, Any] | None = None,
    modes: str = "",
    lreq: str = "",
    sreq: str = "",
) -> Field:
    return Field(
        name,
        typ,
        description,
        source,
        strict,
        frozenset(modes),
        frozenset(lreq),
        frozenset(sreq),
    )


def array_of(item: dict[str, Any]) -> dict[str, Any]:
    return {"type": "array", "items": item}


# --- peer objects (secondaries[] on a primary, primaries[] on a secondary) ---

PEER_FIELDS = [
    f(
        "api_address",
        URL,
        "API address of the peer node.",
        src("DOC-2020", "DOC-2024"),
        modes="PS",
        lreq="PS",
        sreq="PS",
    ),
    f(
        "cluster_address",
        URL,
        "Cluster (replication gRPC) address of the peer node.",
        src("DOC-2020", "DOC-2024"),
        modes="PS",
        lreq="PS",
        sreq="PS",
    ),
    f(
        "connection_status",
        {"type": "string", "enum": ["connected", "disconnected"]},
        "Whether this node currently talks to the peer: 'connected' or 'disconnected'.",
        src("DOC-2024", "DOC-2020"),
        modes="PS",
        lreq="PS",
        sreq="PS",
    ),
    f(
        "last_heartbeat",
        DATE_TIME,
        "RFC 3339 time (with the node's local offset) of the last heartbeat exchanged with the peer.",
        src("DOC-2024", "DOC-2020"),
        modes="PS",
        lreq="PS",
        sreq="PS",
    ),
    f(
        "node_id",
        ID,
        "Id of the secondary: equals its secondary_id and its entry in known_secondaries. Only in secondaries[].",
        src("DOC-2024", "DOC-2020"),
        modes="P",
        lreq="P",
        sreq="P",
    ),
    f(
        "last_heartbeat_duration_ms",
        UINT_STRING,
        "Duration of the last heartbeat exchange in milliseconds, as a decimal STRING.",
        src("DOC-2024", "GOAPI", "PR-25763"),
        modes="PS",
        sreq="PS",
    ),
    f(
        "clock_skew_ms",
        INT_STRING,
        'Estimated clock skew to the peer in milliseconds, a signed decimal STRING such as "-1".',
        src("DOC-2024", "GOAPI", "PR-24343"),
        modes="PS",
        sreq="PS",
    ),
    f(
        "replication_primary_canary_age_ms",
        UINT_STRING,
        "Age in milliseconds of the replication canary written by the primary's active node, a decimal STRING.",
        src("DOC-2024", "GOAPI", "PR-25763"),
        modes="PS",
        sreq="PS",
    ),
]

# --- the per-type replication status object --------------------------------

STATUS_FIELDS = [
    f(
        "mode",
        {"type": "string", "enum": MODES},
        "Replication role of this cluster for this replication type.",
        src("DOC-2024", "UI"),
        modes="PSB",
        lreq="PSB",
        sreq="PSB",
    ),
    f(
        "cluster_id",
        ID,
        "Id of the replication set; the same on the primary and all its secondaries of this type.",
        src("DOC-2024", "DOC-0.9", "TUTORIAL"),
        strict=VAULT_UUID,
        modes="PSB",
        lreq="PS",
        sreq="PS",
    ),
    f(
        "state",
        {"type": "string", "minLength": 1},
        "Replication state machine state: 'running' on a healthy primary, 'stream-wals' on a healthy secondary, "
        "'merkle-diff'/'merkle-sync' while re-syncing, 'idle' when replication has stopped.",
        src("DOC-2024", "TUTORIAL", "UI-STATES"),
        strict={"type": "string", "enum": PRIMARY_STATES + [s for s in SECONDARY_STATES if s not in PRIMARY_STATES]},
        modes="PSB",
        lreq="S",
        sreq="PS",
    ),
    f(
        "connection_state",
        {"type": "string", "minLength": 1},
        "State of the secondary's gRPC connection to the primary ('ready' when healthy).",
        src("DOC-2024", "UI-STATES"),
        strict={"type": "string", "enum": CONNECTION_STATES},
        modes="SB",
        sreq="S",
    ),
    f(
        "known_secondaries",
        array_of(ID),
        "Ids of every non-revoked secondary activation token created by this primary, used or not.",
        src("DOC-2024", "DOC-0.9", "OBS-2019", "TUTORIAL"),
        modes="P",
        lreq="P",
        sreq="P",
    ),
    f(
        "secondaries",
        array_of({"$ref": "#/$defs/peer-secondary"}),
        "One entry per secondary this primary knows, with its addresses and heartbeat.",
        src("DOC-2024", "DOC-2020"),
        modes="P",
        sreq="P",
    ),
    f(
        "primaries",
        array_of({"$ref": "#/$defs/peer-primary"}),
        "The primary node(s) this secondary talks to.",
        src("DOC-2024", "DOC-2020"),
        modes="S",
        sreq="S",
    ),
    f(
        "last_wal",
        UINT,
        "Index of the last WAL entry written to local storage (a JSON number).",
        src("DOC-2024", "DOC-0.9", "OBS-2019", "GOAPI"),
        modes="P",
        lreq="P",
        sreq="P",
    ),
    f(
        "last_dr_wal",
        UINT,
        "Last WAL index shipped to DR secondaries (a JSON number).",
        src("DOC-2024", "GOAPI"),
        modes="P",
    ),
    f(
        "last_performance_wal",
        UINT,
        "Last WAL index shipped to performance secondaries; compare with a secondary's last_remote_wal.",
        src("DOC-2024", "GOAPI"),
        modes="P",
    ),
    f(
        "last_remote_wal",
        UINT,
        "Last WAL index this secondary received from the primary by WAL streaming (a JSON number).",
        src("DOC-2024", "DOC-0.9", "OBS-2019", "TUTORIAL"),
        modes="SB",
        lreq="S",
        sreq="S",
    ),
    f(
        "merkle_root",
        MERKLE_ROOT,
        "Hash of the merkle tree root (40 hex digits); equal on primary and secondary when they are in sync.",
        src("DOC-2024", "DOC-0.9", "ISSUE-5565"),
        modes="PSB",
        lreq="PS",
        sreq="PS",
    ),
    f(
        "primary_cluster_addr",
        URL_OR_EMPTY,
        'On a primary: the address given at enable, usually "". On a secondary: the first address it used to reach the primary.',
        src("DOC-2024", "OBS-2019", "ISSUE-5565", "TUTORIAL"),
        modes="PSB",
        lreq="S",
        sreq="PS",
    ),
    f(
        "known_primary_cluster_addrs",
        array_of(URL),
        "cluster_addr of every node of the primary cluster, refreshed about every 5 seconds.",
        src("DOC-2024", "DOC-0.9", "OBS-2019", "TUTORIAL"),
        modes="SB",
        lreq="S",
        sreq="S",
    ),
    f(
        "secondary_id",
        ID,
        "Id of the activation token that enabled this secondary; listed in the primary's known_secondaries.",
        src("DOC-2024", "DOC-0.9", "OBS-2019", "TUTORIAL"),
        modes="SB",
        lreq="S",
        sreq="S",
    ),
    f(
        "last_reindex_epoch",
        EPOCH_STRING,
        'Unix time in seconds of the last reindex, as a decimal STRING; "0" means never.',
        src("DOC-2024", "OBS-2019", "UI"),
        modes="PSB",
        sreq="PS",
    ),
    f(
        "last_start",
        DATE_TIME,
        "RFC 3339 time at which replication last started on this secondary.",
        src("DOC-2024", "DOC-DR-1.21"),
        modes="SB",
        sreq="S",
    ),
    f(
        "ssct_generation_counter",
        UINT,
        "Server-side consistent token generation counter (a JSON number).",
        src("DOC-2024", "GOAPI"),
        modes="PSB",
        sreq="PS",
    ),
    f(
        "corrupted_merkle_tree",
        BOOL,
        "Result of the last merkle tree corruption check.",
        src("DOC-2024", "DOC-1.15"),
        modes="PSB",
        sreq="PS",
    ),
    f(
        "last_corruption_check_epoch",
        EPOCH_STRING,
        'Unix time in seconds of the last corruption check, as a STRING; "-62135596800" (Go zero time) means never.',
        src("DOC-2024", "DOC-1.15"),
        modes="PSB",
        sreq="PS",
    ),
    f("reindex_in_progress", BOOL, "True while a reindex runs.", src("UI"), modes="PSB"),
    f(
        "reindex_stage",
        {"type": "string", "minLength": 1},
        "Stage of the running reindex ('building' is confirmed; 'scanning', 'wal-replay', 'commit' are reported by a KB).",
        src("UI", "KB-REINDEX"),
        strict={"type": "string", "enum": REINDEX_STAGES},
        modes="PSB",
    ),
    f(
        "reindex_building_progress",
        UINT,
        "Keys processed so far in the reindex 'building' stage.",
        src("UI"),
        modes="PSB",
    ),
    f("reindex_building_total", UINT, "Total keys of the reindex 'building' stage.", src("UI"), modes="PSB"),
    f(
        "merkle_sync_progress",
        {"$ref": "#/$defs/merkle-sync-progress"},
        "Progress of a merkle sync on a secondary in state 'merkle-sync'.",
        src("UI", "MERKLE-SYNC"),
        modes="SB",
    ),
]

MERKLE_SYNC_FIELDS = [
    f("sync_progress", UINT, "Keys synced so far.", src("UI", "MERKLE-SYNC"), modes="S", lreq="S", sreq="S"),
    f("sync_total_keys", UINT, "Keys to sync in total.", src("UI", "MERKLE-SYNC"), modes="S", lreq="S", sreq="S"),
]

# --- envelope and other bodies ---------------------------------------------

ENVELOPE_FIELDS = [
    f(
        "request_id",
        {"type": "string"},
        "Id of the request, generated by Vault for every request.",
        src("HTTP", "OBS-2019"),
    ),
    f("lease_id", {"type": "string"}, 'Lease id; "" on these endpoints.', src("HTTP", "OBS-2019")),
    f("renewable", BOOL, "Whether the lease is renewable; false on these endpoints.", src("HTTP", "OBS-2019")),
    f(
        "lease_duration",
        {"type": "integer"},
        "Lease duration in seconds; 0 on these endpoints.",
        src("HTTP", "OBS-2019"),
    ),
    f(
        "wrap_info",
        {"type": ["object", "null"]},
        "Response-wrapping information; null unless wrapped.",
        src("HTTP", "OBS-2019"),
    ),
    f(
        "warnings",
        {"type": ["array", "null"], "items": {"type": "string"}},
        "Warnings produced by the request, or null.",
        src("HTTP", "OBS-2019"),
    ),
    f(
        "auth",
        {"type": ["object", "null"]},
        "Authentication information; null on these endpoints.",
        src("HTTP", "OBS-2019"),
    ),
    f(
        "mount_type",
        {"type": "string"},
        'Type of the mount that served the request; "system" for sys/ (Vault 1.5+).',
        src("HTTP"),
    ),
]

LEGACY_TOPLEVEL_FIELDS = [
    f(
        "mode",
        {"type": "string", "enum": [*MODES, "dr-primary", "dr-secondary", "perf-primary", "perf-secondary"]},
        "Top-level copy of data.mode written by Vault < 0.9 (values such as 'dr-primary' appear only here).",
        src("DOC-0.7"),
    ),
    f("cluster_id", ID, "Top-level copy of data.cluster_id (Vault < 0.9).", src("DOC-0.7")),
    f("known_secondaries", array_of(ID), "Top-level copy of data.known_secondaries (Vault < 0.9).", src("DOC-0.7")),
    f("last_wal", UINT, "Top-level copy of data.last_wal (Vault < 0.9).", src("DOC-0.7")),
    f("merkle_root", MERKLE_ROOT, "Top-level copy of data.merkle_root (Vault < 0.9).", src("DOC-0.7")),
]

# What Vault's framework (mapstructure.WeakDecode over json.Number) turns into a bool: a bool,
# the numbers 0 and 1, a string strconv.ParseBool takes, "" or null (false).
PARSEBOOL_STRINGS = ["1", "t", "T", "TRUE", "true", "True", "0", "f", "F", "FALSE", "false", "False"]
BOOL_PARAM = {
    "anyOf": [
        {"type": "boolean"},
        {"enum": [0, 1]},
        {"type": "null"},
        {"type": "string", "enum": [*PARSEBOOL_STRINGS, ""]},
    ],
    "x-expected": 'a boolean, 0 or 1, or a string Vault parses as one ("true", "1", "false", ...)',
}

REINDEX_FIELDS = [
    f(
        "diff",
        BOOL_PARAM,
        "Slower reindex with a key-level check to diagnose issues (default false).",
        src("REINDEX", "PARSEBOOL"),
    ),
    f(
        "force",
        BOOL_PARAM,
        "Complete reindex that only scans data available in storage (default false).",
        src("REINDEX", "PARSEBOOL"),
    ),
    f(
        "skip_flush",
        BOOL_PARAM,
        "Skip the tree flushing stage; the tree is flushed asynchronously afterwards (default false).",
        src("REINDEX", "PARSEBOOL"),
    ),
]

HEALTH_MODES = ["disabled", "primary", "secondary", "bootstrapping", "unknown"]

HEALTH_FIELDS = [
    f("initialized", BOOL, "Whether Vault is initialized.", src("HEALTH"), modes="P", lreq="P", sreq="P"),
    f("sealed", BOOL, "Whether Vault is sealed.", src("HEALTH"), modes="P", lreq="P", sreq="P"),
    f("standby", BOOL, "Whether this node is a standby.", src("HEALTH"), modes="P", lreq="P", sreq="P"),
    f(
        "performance_standby",
        BOOL,
        "Whether this node is a performance standby (Enterprise).",
        src("HEALTH"),
        modes="P",
        sreq="P",
    ),
    f(
        "replication_performance_mode",
        {"type": "string", "minLength": 1},
        "Performance replication mode of the cluster; agrees with the status endpoints' performance mode.",
        src("HEALTH"),
        strict={"type": "string", "enum": HEALTH_MODES},
        modes="P",
        lreq="P",
        sreq="P",
    ),
    f(
        "replication_dr_mode",
        {"type": "string", "minLength": 1},
        "DR replication mode of the cluster; agrees with the status endpoints' DR mode.",
        src("HEALTH"),
        strict={"type": "string", "enum": HEALTH_MODES},
        modes="P",
        lreq="P",
        sreq="P",
    ),
    f("server_time_utc", UINT, "Server time as Unix seconds (a JSON number).", src("HEALTH"), modes="P", sreq="P"),
    f("version", {"type": "string", "minLength": 1}, "Vault version string.", src("HEALTH"), modes="P", sreq="P"),
    f("enterprise", BOOL, "Whether the server is Vault Enterprise (Vault 1.16+).", src("HEALTH"), modes="P", sreq="P"),
    f("cluster_name", {"type": "string"}, "Name of the cluster (omitted while sealed).", src("HEALTH")),
    f(
        "cluster_id",
        {"type": "string"},
        "Id of the (storage) cluster, omitted while sealed; unrelated to the replication cluster_id.",
        src("HEALTH"),
    ),
    f(
        "echo_duration_ms",
        {"type": "integer"},
        "Duration of the last echo to the active node in ms (standbys, Vault 1.16+).",
        src("HEALTH"),
        modes="P",
        sreq="P",
    ),
    f(
        "clock_skew_ms",
        {"type": "integer"},
        "Clock skew to the active node in ms; a JSON NUMBER here, unlike the status endpoints.",
        src("HEALTH"),
        modes="P",
        sreq="P",
    ),
    f(
        "replication_primary_canary_age_ms",
        {"type": "integer"},
        "Age of the replication canary in ms; a JSON NUMBER here, unlike the status endpoints.",
        src("HEALTH"),
    ),
    f(
        "removed_from_cluster",
        BOOL,
        "Whether this node was removed from its raft cluster (Vault 1.19+).",
        src("HEALTH"),
    ),
    f(
        "ha_connection_healthy",
        BOOL,
        "Whether the standby's connection to the active node is healthy (Vault 1.19+).",
        src("HEALTH"),
    ),
    f(
        "last_request_forwarding_heartbeat_ms",
        {"type": "integer"},
        "Time since the last forwarding heartbeat (Vault 1.19+).",
        src("HEALTH"),
    ),
    f("last_wal", UINT, "Last WAL index of an active, unsealed Enterprise node (a JSON number).", src("HEALTH")),
    f("license", {"type": "object"}, "License state {state, expiry_time, terminated} (Enterprise).", src("HEALTH")),
]


# --- assembly ----------------------------------------------------------------


def object_schema(
    fields: list[Field],
    profile: str,
    *,
    mode: str | None = None,
    description: str,
    source: str,
    closed: bool | None = None,
) -> dict[str, Any]:
    """An object schema over ``fields`` (restricted to ``mode`` when given)."""
    chosen = [fl for fl in fields if mode is None or mode in fl.modes]
    required = [
        fl.name
        for fl in chosen
        if mode is not None and mode in (fl.required_strict if profile == "strict" else fl.required_lenient)
    ]
    out: dict[str, Any] = {
        "type": "object",
        "description": description,
        "x-source": source,
        "properties": {fl.name: fl.schema(profile) for fl in chosen},
    }
    if required:
        out["required"] = required
    if closed if closed is not None else profile == "strict":
        out["additionalProperties"] = False
    return out


def mode_const(mode: str) -> dict[str, Any]:
    return {"properties": {"mode": {"const": mode}}, "required": ["mode"]}


def status_object(profile: str) -> dict[str, Any]:
    defs: dict[str, Any] = {
        "primary": object_schema(
            STATUS_FIELDS,
            profile,
            mode="P",
            description="A primary of this replication type.",
            source=src("DOC-2024", "DOC-2020", "OBS-2019"),
        ),
        "secondary": object_schema(
            STATUS_FIELDS,
            profile,
            mode="S",
            description="A secondary of this replication type.",
            source=src("DOC-2024", "DOC-2020", "OBS-2019"),
        ),
        "bootstrapping": object_schema(
            STATUS_FIELDS,
            profile,
            mode="B",
            description="A secondary being set up. No public sample exists; its fields are those of a secondary, all optional.",
            source=src("UI"),
        ),
        "disabled": {
            "type": "object",
            "description": 'Replication of this type is disabled: the object is exactly {"mode": "disabled"}.',
            "x-source": src("DOC-2024", "OBS-2019", "ISSUE-5565"),
            "properties": {
                "mode": {"const": "disabled", "description": "Always 'disabled'.", "x-source": src("OBS-2019")}
            },
            "required": ["mode"],
            "additionalProperties": False,
        },
        "unknown": {
            "type": "object",
            "description": "Vault could not tell the mode ('unknown') or replication is unsupported ('unsupported').",
            "x-source": src("UI"),
            "properties": {
                "mode": {"enum": ["unknown", "unsupported"], "description": "The mode.", "x-source": src("UI")},
            },
            "required": ["mode"],
            **({"additionalProperties": False} if profile == "strict" else {}),
        },
        "peer-secondary": object_schema(
            PEER_FIELDS,
            profile,
            mode="P",
            description="An entry of secondaries[] on a primary.",
            source=src("DOC-2024", "DOC-2020"),
        ),
        "peer-primary": object_schema(
            PEER_FIELDS,
            profile,
            mode="S",
            description="An entry of primaries[] on a secondary (no node_id).",
            source=src("DOC-2024", "DOC-2020"),
        ),
        "merkle-sync-progress": object_schema(
            MERKLE_SYNC_FIELDS,
            profile,
            mode="S",
            description="Progress of a merkle sync.",
            source=src("UI", "MERKLE-SYNC"),
        ),
    }
    mode_field = STATUS_FIELDS[0]
    return {
        "type": "object",
        "description": "Replication status of one replication type (DR or performance): the value of data.dr, "
        "data.performance, or data of dr/status and performance/status. Its shape depends on mode.",
        "x-source": src("DOC-2024", "DOC-DR-1.21", "DOC-2020", "OBS-2019"),
        "properties": {"mode": mode_field.schema(profile)},
        "required": ["mode"],
        "allOf": [
            {"if": mode_const("disabled"), "then": {"$ref": "#/$defs/disabled"}},
            {"if": mode_const("primary"), "then": {"$ref": "#/$defs/primary"}},
            {"if": mode_const("secondary"), "then": {"$ref": "#/$defs/secondary"}},
            {"if": mode_const("bootstrapping"), "then": {"$ref": "#/$defs/bootstrapping"}},
            {
                "if": {"properties": {"mode": {"enum": ["unknown", "unsupported"]}}, "required": ["mode"]},
                "then": {"$ref": "#/$defs/unknown"},
            },
        ],
        "$defs": defs,
    }


def ref(profile: str, name: str, fragment: str = "") -> dict[str, str]:
    return {"$ref": f"{BASE}/{profile}/{name}.json{fragment}"}


def envelope(profile: str, data: dict[str, Any], description: str, source: str) -> dict[str, Any]:
    """A response body: the full envelope, or just {"data": ...} as the docs show it."""
    props = {fl.name: fl.schema(profile) for fl in ENVELOPE_FIELDS}
    if profile == "lenient":
        props.update({fl.name: fl.schema(profile) for fl in LEGACY_TOPLEVEL_FIELDS})
    props["data"] = {"description": "The response data.", "x-source": source, **data}
    out: dict[str, Any] = {
        "type": "object",
        "description": description,
        "x-source": source,
        "properties": props,
        "required": ["data"],
    }
    if profile == "strict":
        out["additionalProperties"] = False
    return out


def wal_requirement(kind: str) -> dict[str, Any]:
    wal = "last_dr_wal" if kind == "dr" else "last_performance_wal"
    what = "DR" if kind == "dr" else "performance"
    return {
        "if": mode_const("primary"),
        "then": {
            "description": f"A {what} primary reports {wal}.",
            "x-source": src("DOC-2024", "GOAPI"),
            "properties": {
                wal: {
                    "description": f"Last WAL index shipped to {what} secondaries.",
                    "x-source": src("DOC-2024", "GOAPI"),
                }
            },
            "required": [wal],
        },
    }


def typed_object(profile: str, kind: str) -> dict[str, Any]:
    """The status object of one replication type, with strict's per-type WAL counter."""
    base = ref(profile, "status-object")
    if profile == "lenient":
        return base
    return {"allOf": [base, wal_requirement(kind)]}


def combined_data(profile: str) -> dict[str, Any]:
    combined: dict[str, Any] = {
        "type": "object",
        "description": "DR and performance replication status side by side.",
        "x-source": src("DOC-2024", "OBS-2019"),
        "properties": {
            "dr": {
                "description": "DR replication status.",
                "x-source": src("DOC-2024", "OBS-2019"),
                **typed_object(profile, "dr"),
            },
            "performance": {
                "description": "Performance replication status.",
                "x-source": src("DOC-2024", "OBS-2019"),
                **typed_object(profile, "performance"),
            },
        },
        "required": ["dr", "performance"],
    }
    if profile == "strict":
        combined["additionalProperties"] = False
        flat = {
            "description": 'Open-source Vault answers with a flat {"mode": "disabled"}.',
            "x-source": src("OSS"),
            **ref(profile, "status-object", "#/$defs/disabled"),
        }
    else:
        flat = {
            "description": 'Flat status object: open-source Vault ({"mode": "disabled"}) or Vault < 0.9 (before the DR/performance split).',
            "x-source": src("OSS", "DOC-0.7"),
            **ref(profile, "status-object"),
        }
    return {
        "if": {"required": ["mode"]},
        "then": flat,
        "else": combined,
    }


def bodies(profile: str) -> dict[str, dict[str, Any]]:
    data = combined_data(profile)
    status_env = envelope(
        profile, data, "GET /v1/sys/replication/status response.", src("DOC-2024", "OBS-2019", "HTTP")
    )
    out: dict[str, dict[str, Any]] = {
        "status-object": status_object(profile),
        "status": {
            "description": 'GET /v1/sys/replication/status: the response envelope, the docs\' {"data": ...}, or the bare data '
            "object (jq .data).",
            "x-source": src("DOC-2024", "OBS-2019", "HTTP"),
            "if": {"type": "object", "required": ["data"]},
            "then": status_env,
            "else": {"description": "The bare data object (jq .data).", "x-source": src("OBS-2019"), **data},
        },
    }
    for name, kind, what in (
        ("dr-status", "dr", "GET /v1/sys/replication/dr/status"),
        ("performance-status", "performance", "GET /v1/sys/replication/performance/status"),
        ("type-status", None, "GET /v1/sys/replication/dr/status or .../performance/status (type not known)"),
    ):
        obj = typed_object(profile, kind) if kind else ref(profile, "status-object")
        sources = src("DOC-DR-1.21", "DOC-PERF-1.20", "DOC-2020", "HTTP")
        out[name] = {
            "description": f'{what}: the response envelope, the docs\' {{"data": ...}}, or the bare data object.',
            "x-source": sources,
            "if": {"type": "object", "required": ["data"]},
            "then": envelope(profile, obj, f"{what} response.", sources),
            "else": {"description": "The bare data object (jq .data).", "x-source": sources, **obj},
        }
    warnings_body: dict[str, Any] = {
        "type": "object",
        "x-source": src("DOC-2024", "HTTP"),
        "properties": {fl.name: fl.schema(profile) for fl in ENVELOPE_FIELDS}
        | {"data": {"type": ["object", "null"], "description": "Null on these endpoints.", "x-source": src("HTTP")}},
        "required": ["warnings"],
    }
    if profile == "strict":
        warnings_body["additionalProperties"] = False
    out["recover-response"] = {
        "description": "POST /v1/sys/replication/recover response (a body with warnings).",
        **warnings_body,
    }
    out["reindex-response"] = {
        "description": "POST /v1/sys/replication/reindex response (a body with warnings).",
        **warnings_body,
    }
    reindex_req = object_schema(
        REINDEX_FIELDS,
        profile,
        description="POST /v1/sys/replication/reindex request body. Vault ignores unknown parameters with a warning.",
        source=src("REINDEX", "PARSEBOOL"),
    )
    out["reindex-request"] = reindex_req
    out["error"] = {
        "type": "object",
        "description": 'Error body of any status >= 400: {"errors": ["message", ...]}.',
        "x-source": src("ERRORS"),
        "properties": {
            "errors": {
                "type": "array",
                "items": {"type": "string"},
                "description": "One string per error.",
                "x-source": src("ERRORS"),
            }
        },
        "required": ["errors"],
        **({"additionalProperties": False} if profile == "strict" else {}),
    }
    out.update(api_bodies(profile))
    out["health"] = object_schema(
        HEALTH_FIELDS,
        profile,
        mode="P",
        description="GET /v1/sys/health response; replication_*_mode agree with the replication status.",
        source=src("HEALTH"),
        closed=False,
    )
    return out


def _obj(profile: str, props: dict[str, Any], required: list[str], description: str, source: str) -> dict[str, Any]:
    """A closed (strict) or open (lenient) object whose properties all carry a description and an x-source."""
    for name, prop in props.items():
        prop.setdefault("x-source", source)
        prop.setdefault("description", name.replace("_", " "))
    out: dict[str, Any] = {
        "type": "object",
        "description": description,
        "x-source": source,
        "properties": props,
        "required": required,
    }
    if profile == "strict":
        out["additionalProperties"] = False
    return out


def api_bodies(profile: str) -> dict[str, dict[str, Any]]:
    """The other replication endpoints' bodies (reference §2.10, §2.11, §13)."""
    string, boolean, integer = {"type": "string"}, {"type": "boolean"}, {"type": "integer", "minimum": 0}
    strings = {"type": ["array", "null"], "items": {"type": "string"}}
    dr_perf = src("DOC-DR-NEW", "DOC-PERF-NEW")
    wrap = _obj(
        profile,
        {
            "token": {**string, "description": "The activation token (a wrapping token)."},
            "accessor": {**string},
            "ttl": {**integer, "description": "Seconds the token stays valid."},
            "creation_time": {**string, "description": "RFC 3339 time the token was made."},
            "creation_path": {**string},
            "wrapped_accessor": {**string},
        },
        ["token", "ttl", "creation_time"]
        if profile == "lenient"
        else ["token", "accessor", "ttl", "creation_time", "creation_path"],
        "Response-wrapping information: the secondary activation token.",
        src("WRAPINFO", "DOC-DR-NEW"),
    )
    token_body = envelope(profile, {"type": "null"}, "POST */primary/secondary-token response: data is null.", dr_perf)
    token_body["properties"]["wrap_info"] = wrap
    token_body["required"] = ["data", "wrap_info"]
    tree = _obj(
        profile,
        {
            "corrupted_index_tuples_map": {"type": ["object", "null"]},
            "corrupted_subtree_root": {**boolean},
            "root_hash": {**string, "description": "Base64 hash of the subtree root."},
            "tree_type": {"enum": ["replicated", "local"]},
        },
        ["corrupted_subtree_root", "root_hash", "tree_type"],
        "One subtree of the merkle tree.",
        src("DOC-2024"),
    )
    report = _obj(
        profile,
        {
            "corrupted_root": {**boolean},
            "corrupted_tree_map": {"type": "object", "additionalProperties": tree},
            "last_corruption_check_epoch": {**string, "description": "RFC 3339 time of the check (not epoch seconds)."},
        },
        ["corrupted_root", "corrupted_tree_map"],
        "merkle_corruption_report.",
        src("DOC-2024", "DOC-1.15"),
    )
    merkle = _obj(
        profile,
        {"merkle_corruption_report": report},
        ["merkle_corruption_report"],
        "merkle-check data.",
        src("DOC-2024"),
    )
    genroot_fields = {
        "nonce": {**string},
        "started": {**boolean},
        "progress": {**integer, "description": "Key shares given so far."},
        "required": {**integer, "description": "Key shares needed (the threshold)."},
        "complete": {**boolean},
        "encoded_token": {**string, "description": "The token XOR the OTP, unpadded base64 (once complete)."},
        "encoded_root_token": {**string},
        "pgp_fingerprint": {**string},
        "otp": {**string, "description": "The one-time password, only in the answer that starts an attempt."},
        "otp_length": {**integer},
    }
    genroot = _obj(
        profile,
        genroot_fields,
        list(genroot_fields) if profile == "strict" else ["started", "progress", "required"],
        "dr/secondary/generate-operation-token/attempt and /update: top-level JSON, no envelope.",
        src("GENROOT", "DOC-DR-NEW"),
    )
    paths_filter = _obj(
        profile,
        {"mode": {"enum": ["allow", "deny"]}, "paths": {**strings}},
        ["mode", "paths"],
        "performance/primary/paths-filter/:id data.",
        src("DOC-PERF-NEW"),
    )
    dynamic = _obj(
        profile,
        {"dynamic_filtered_mounts": {**strings}, "dynamic_filtered_namespaces": {**strings}},
        ["dynamic_filtered_mounts", "dynamic_filtered_namespaces"],
        "performance/{primary,secondary}/dynamic-filter/:id data.",
        src("DOC-PERF-NEW"),
    )
    public_key = _obj(
        profile, {"secondary_public_key": {**string}}, ["secondary_public_key"], "generate-public-key data.", dr_perf
    )
    return {
        "secondary-token-response": token_body,
        "merkle-check-response": envelope(profile, merkle, "POST merkle-check response.", src("DOC-2024")),
        "operation-token-status": genroot,
        "paths-filter-response": envelope(profile, paths_filter, "GET paths-filter response.", src("DOC-PERF-NEW")),
        "dynamic-filter-response": envelope(profile, dynamic, "GET dynamic-filter response.", src("DOC-PERF-NEW")),
        "public-key-response": envelope(profile, public_key, "POST generate-public-key response.", dr_perf),
    }


def build() -> dict[str, str]:
    """Return {relative path: file text} for every schema file."""
    files: dict[str, str] = {}
    for profile in PROFILES:
        for name, body in bodies(profile).items():
            doc = {"$schema": DIALECT, "$id": f"{BASE}/{profile}/{name}.json", "title": f"{name} ({profile})", **body}
            files[f"{profile}/{name}.json"] = json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    return files


def main(argv: list[str]) -> int:
    root = Path(argv[1]) if len(argv) > 1 else Path(__file__).resolve().parent.parent / "schemas"
    for rel, text in build().items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    print(f"wrote {len(build())} schema files under {root}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
