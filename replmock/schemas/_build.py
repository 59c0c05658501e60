"""Assemble the JSON Schema files (``schemas/{lenient,strict}/*.json``) from the field table.

Both profiles are emitted as plain, self-contained JSON Schema (draft 2020-12) files so that tools in any
language can use them. ``tools/build_schemas.py`` writes them; ``tests/test_schemas.py`` fails when the
committed files differ from :func:`build`. Standard library only (no jsonschema).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from replmock.schemas._fields import (
    ALWAYS,
    BASE,
    DIALECT,
    ENVELOPE_FIELDS,
    HEALTH_FIELDS,
    LEGACY_TOPLEVEL_FIELDS,
    MERKLE_SYNC_FIELDS,
    PEER_FIELDS,
    PROFILES,
    REINDEX_FIELDS,
    SHIPPED_WAL,
    STATUS_FIELDS,
    Field,
    Mode,
    src,
)

# --- assembly ----------------------------------------------------------------


def object_schema(
    fields: Sequence[Field],
    profile: str,
    *,
    mode: Mode | None = None,
    description: str,
    source: str,
    closed: bool | None = None,
) -> dict[str, Any]:
    """An object schema over ``fields``: those of ``mode`` when given, else all of them (an object without a mode,
    whose fields are required when their ``required_*`` is ``ALWAYS``)."""
    chosen = [fl for fl in fields if mode is None or mode in fl.modes]
    needs = {fl.name: fl.required_strict if profile == "strict" else fl.required_lenient for fl in chosen}
    required = [name for name, need in needs.items() if (need == ALWAYS if mode is None else mode in need)]
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
            mode=Mode.PRIMARY,
            description="A primary of this replication type.",
            source=src("DOC-2024", "DOC-2020", "OBS-2019"),
        ),
        "secondary": object_schema(
            STATUS_FIELDS,
            profile,
            mode=Mode.SECONDARY,
            description="A secondary of this replication type.",
            source=src("DOC-2024", "DOC-2020", "OBS-2019"),
        ),
        "bootstrapping": object_schema(
            STATUS_FIELDS,
            profile,
            mode=Mode.BOOTSTRAPPING,
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
            mode=Mode.PRIMARY,
            description="An entry of secondaries[] on a primary.",
            source=src("DOC-2024", "DOC-2020"),
        ),
        "peer-primary": object_schema(
            PEER_FIELDS,
            profile,
            mode=Mode.SECONDARY,
            description="An entry of primaries[] on a secondary (no node_id).",
            source=src("DOC-2024", "DOC-2020"),
        ),
        "merkle-sync-progress": object_schema(
            MERKLE_SYNC_FIELDS,
            profile,
            mode=Mode.SECONDARY,
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
    wal = SHIPPED_WAL[kind]
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


def property_names(profile: str) -> frozenset[str]:
    """Every property name the schemas of ``profile`` define, from the builder's output (no file is read)."""
    names: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            props = node.get("properties")
            if isinstance(props, dict):
                names.update(props)
            for key, value in node.items():
                if key != "if":  # an `if` only tests the mode; it defines no property
                    walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(bodies(profile))
    return frozenset(names)


def build() -> dict[str, str]:
    """Return {relative path: file text} for every schema file."""
    files: dict[str, str] = {}
    for profile in PROFILES:
        for name, body in bodies(profile).items():
            doc = {"$schema": DIALECT, "$id": f"{BASE}/{profile}/{name}.json", "title": f"{name} ({profile})", **body}
            files[f"{profile}/{name}.json"] = json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    return files
