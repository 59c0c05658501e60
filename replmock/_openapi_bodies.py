"""The bodies of the basic endpoints as JSON Schemas, for ``replmock openapi`` only.

They are not replication payloads, so they are not in the field table (``replmock.schemas._fields``); only the
response envelope's fields come from there. Each schema is what the handlers in ``replmock.vault._handlers`` and
``_replication`` write, checked against Vault's structs (reference §12, §13) and an OpenBao 2.7 dev server;
tests/test_openapi.py validates the mock's answers against them, so the two cannot drift apart. The strict profile
is what the mock writes (no other property, every field Vault always writes required); the lenient one is what a
real server of another version or OpenBao may write (fewer required fields, other properties allowed).
"""

from __future__ import annotations

from typing import Any

from replmock.schemas._fields import ENVELOPE_ALWAYS, ENVELOPE_FIELDS, ENVELOPE_NULLABLE

_SEAL = "Vault http/sys_seal.go and vault/logical_system.go SealStatusResponse (V1.14, struct order); reference §12.1"
_LEADER = "Vault vault/logical_system.go LeaderResponse (V1.14); reference §12.2"
_INIT = "Vault http/sys_init.go (V1.14); reference §12.3"
_LOOKUP = "Vault vault/token_store.go handleLookup (V1.14); reference §12.4"
_CREATE = "Vault vault/token_store.go handleCreateCommon and sdk/logical/translate_response.go HTTPAuth"
_GENROOT = "OpenBao api/sys_generate_root.go (sys/generate-root-token/attempt, bao 2.6+); reference §13.3"
_OPENBAO = "observed on an OpenBao 2.7 dev server"

ENVELOPE_REQUIRED: tuple[str, ...] = (*ENVELOPE_ALWAYS, *ENVELOPE_NULLABLE, "data")
"""The envelope keys every release writes (HTTPResponse has no omitempty; ``mount_type`` came later)."""

_S: dict[str, Any] = {"type": "string"}
_B: dict[str, Any] = {"type": "boolean"}
_I: dict[str, Any] = {"type": "integer"}
_STRINGS: dict[str, Any] = {"type": "array", "items": _S}
_TIME: dict[str, Any] = {"type": "string", "format": "date-time"}


def _object(
    props: dict[str, dict[str, Any]], required: list[str], profile: str, description: str | None, source: str
) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "object", "x-source": source}
    if description:
        out["description"] = description
    out["properties"] = props
    out["required"] = required
    if profile == "strict":
        out["additionalProperties"] = False
    return out


def envelope(
    data: dict[str, Any], profile: str, description: str, source: str, auth: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Vault's response envelope (the field table's envelope fields) around ``data`` (and ``auth``)."""
    props = {fl.name: fl.schema(profile) for fl in ENVELOPE_FIELDS}
    props["data"] = data
    if auth is not None:
        props["auth"] = auth
    return _object(props, list(ENVELOPE_REQUIRED), profile, description, source)


def _seal_status(profile: str) -> dict[str, Any]:
    props = {
        "type": {**_S, "description": "the seal type (shamir, or an auto-unseal type)"},
        "initialized": _B,
        "sealed": _B,
        "t": {**_I, "description": "unseal threshold"},
        "n": {**_I, "description": "number of unseal key shares"},
        "progress": {**_I, "description": "unseal key shares given so far"},
        "nonce": _S,
        "version": _S,
        "build_date": _S,
        "migration": _B,
        "cluster_name": {**_S, "description": "absent while sealed"},
        "cluster_id": {**_S, "description": "absent while sealed"},
        "recovery_seal": _B,
        "recovery_seal_type": {**_S, "description": "Vault 1.16+ (omitempty)"},
        "storage_type": _S,
        "hcp_link_status": _S,
        "hcp_link_resource_ID": _S,
        "removed_from_cluster": {**_B, "description": "Vault 1.19+ (omitempty)"},
        "warnings": _STRINGS,
    }
    always = ["type", "initialized", "sealed", "t", "n", "progress", "nonce", "version"]
    if profile == "strict":
        always += ["build_date", "migration", "recovery_seal"]
    else:
        props["commit_date"] = {**_S, "description": "OpenBao's name for build_date"}
    return _object(props, always, profile, "GET /v1/sys/seal-status: no envelope", f"{_SEAL}; {_OPENBAO}")


def _leader(profile: str) -> dict[str, Any]:
    props = {
        "ha_enabled": _B,
        "is_self": _B,
        "active_time": {**_TIME, "description": '"0001-01-01T00:00:00Z" on a node that is not active'},
        "leader_address": _S,
        "leader_cluster_address": _S,
        "performance_standby": _B,
        "performance_standby_last_remote_wal": _I,
        "last_wal": {**_I, "description": "the active node of an Enterprise cluster only (omitempty)"},
        "raft_committed_index": {**_I, "description": "raft storage only (omitempty)"},
        "raft_applied_index": {**_I, "description": "raft storage only (omitempty)"},
    }
    always = ["ha_enabled"]
    if profile == "strict":  # OpenBao writes fewer (OB #2383): only ha_enabled on a dev server
        always += [
            "is_self",
            "active_time",
            "leader_address",
            "leader_cluster_address",
            "performance_standby",
            "performance_standby_last_remote_wal",
        ]
    return _object(props, always, profile, "GET /v1/sys/leader: no envelope", f"{_LEADER}; {_OPENBAO}")


def _lookup_self(profile: str) -> dict[str, Any]:
    data = {
        "accessor": _S,
        "creation_time": {**_I, "description": "Unix seconds"},
        "creation_ttl": {**_I, "description": "seconds"},
        "display_name": _S,
        "entity_id": _S,
        "expire_time": {"type": ["string", "null"], "format": "date-time", "description": "null unless it expires"},
        "explicit_max_ttl": _I,
        "id": _S,
        "issue_time": {**_TIME, "description": "only for a token with a lease entry (not a root token from sys/init)"},
        "meta": {"type": ["object", "null"], "additionalProperties": _S},
        "num_uses": _I,
        "orphan": _B,
        "path": _S,
        "policies": _STRINGS,
        "renewable": {**_B, "description": "only for a token with a lease entry"},
        "ttl": {**_I, "description": "seconds left"},
        "type": {"enum": ["service", "batch"]},
        "last_renewal_time": _I,
        "last_renewal": _TIME,
        "role": _S,
        "period": _I,
        "bound_cidrs": _STRINGS,
        "namespace_path": _S,
        "identity_policies": _STRINGS,
        "external_namespace_policies": {"type": "object"},
    }
    required = [
        *("accessor", "creation_time", "creation_ttl", "display_name", "entity_id", "expire_time"),
        *("explicit_max_ttl", "id", "meta", "num_uses", "orphan", "path", "policies", "ttl", "type"),
    ]
    body = _object(data, required, profile, "the calling token's entry (keys sorted: a Go map)", _LOOKUP)
    return envelope(body, profile, "auth/token/lookup-self: the envelope", f"{_LOOKUP}; {_OPENBAO}")


def _token_create(profile: str) -> dict[str, Any]:
    auth = {
        "client_token": {**_S, "description": "hvs. (service) or hvb. (batch) on Vault 1.10+"},
        "accessor": {**_S, "description": '"" for a batch token'},
        "policies": _STRINGS,
        "token_policies": _STRINGS,
        "identity_policies": _STRINGS,
        "metadata": {"type": ["object", "null"], "additionalProperties": _S},
        "lease_duration": {**_I, "description": "seconds"},
        "renewable": _B,
        "entity_id": _S,
        "token_type": {"enum": ["service", "batch"]},
        "orphan": _B,
        "mfa_requirement": {"type": ["object", "null"]},
        "num_uses": _I,
    }
    required = [k for k in auth if k not in {"token_policies", "identity_policies"}]  # those two are omitempty
    block = _object(auth, required, profile, "the new token", _CREATE)
    return envelope(
        {"type": "null"}, profile, "auth/token/create: the token in auth, data null", f"{_CREATE}; {_OPENBAO}", block
    )


def _root_token_attempt(profile: str) -> dict[str, Any]:
    data = {
        "nonce": {**_S, "description": "the attempt's nonce"},
        "started": _B,
        "progress": _I,
        "required": _I,
        "complete": _B,
        "otp": _S,
        "otp_length": {**_I, "description": "what bao operator generate-root -decode reads"},
        "pgp_fingerprint": _S,
        "encoded_token": _S,
        "encoded_root_token": _S,
    }
    body = _object(data, ["started", "progress", "required", "complete", "otp_length"], profile, None, _GENROOT)
    return envelope(
        body, profile, "sys/generate-root-token/attempt: the attempt's status in data", f"{_GENROOT}; {_OPENBAO}"
    )


def basic_schemas(profile: str) -> dict[str, dict[str, Any]]:
    """The components, by name."""
    return {
        "seal-status": _seal_status(profile),
        "leader": _leader(profile),
        "init": _object({"initialized": _B}, ["initialized"], profile, "GET /v1/sys/init", f"{_INIT}; {_OPENBAO}"),
        "lookup-self-response": _lookup_self(profile),
        "token-create-response": _token_create(profile),
        "root-token-attempt-response": _root_token_attempt(profile),
    }


BASIC_SCHEMA = {
    "seal-status": "seal-status",
    "leader": "leader",
    "init": "init",
    "lookup-self": "lookup-self-response",
    "token-create": "token-create-response",
    "root-token-attempt": "root-token-attempt-response",
}
"""Endpoint name (the route table's) -> its body's component."""
