"""Handlers for the rest of the replication API: enable, tokens, promote, demote, update-primary, DR operation
tokens, merkle-check, paths filters (reference §1, §2.10-2.11, §13).

Evidence: the parameters, auth classes and documented bodies come from Vault's API docs (DOC-DR-NEW,
DOC-PERF-NEW, DOC-IDX-2024) and ``PathsSpecial`` in vault/logical_system.go; the DR operation token flow
from Vault 1.14's shared generate-root handler (§13, verified against OpenBao's equivalent root flow).
Error texts marked "best evidence" are not verified against Vault Enterprise, whose code is private.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import secrets
import string
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from replmock.model import ReplicationError, parse_ttl
from replmock.vault._errors import VaultError
from replmock.vault._handlers import Result
from replmock.vault._params import go_quote
from replmock.vault._wire import Answer, GoNumber, json_answer

if TYPE_CHECKING:  # pragma: no cover
    from replmock.vault._core import Call

_BASE62 = string.ascii_letters + string.digits
_MAX_DURATION_SECONDS = (2**63 - 1) / 1e9


def _kind(call: Call) -> Any:
    return "dr" if "/dr/" in call.request.raw_path or call.endpoint.startswith("dr-") else "performance"


def _model(call: Call, operation: str, *args: Any, **kwargs: Any) -> None:
    """Run a topology operation; a refusal is Vault's 400 with its text (texts: best evidence)."""
    _enterprise(call)
    try:
        getattr(call.node.topology, operation)(call.node.cluster, _kind(call), *args, **kwargs)
    except ReplicationError as exc:
        raise VaultError(400, str(exc)) from None


def _enterprise(call: Call) -> None:
    if call.cluster.edition == "oss":
        raise VaultError(404, "enterprise-only feature")


# --- primaries ------------------------------------------------------------------------------------


def primary_enable(call: Call) -> None:
    _model(call, "enable_primary", call.fields["primary_cluster_addr"] or "")


def primary_demote(call: Call) -> None:
    _model(call, "demote")


def primary_disable(call: Call) -> None:
    _model(call, "disable_primary")


def secondary_token(call: Call) -> Answer:
    """The activation token comes only in ``wrap_info``; ``data`` is null (DOC-DR-NEW sample, §2.11)."""
    _enterprise(call)
    try:
        ttl = parse_ttl(call.fields["ttl"])
        activation = call.node.topology.secondary_token(call.node.cluster, _kind(call), call.fields["id"], ttl)
    except ReplicationError as exc:
        raise VaultError(400, str(exc)) from None
    except (ValueError, OverflowError):  # digits int() refuses ("²"), or a duration past timedelta's range
        raise VaultError(400, f"invalid ttl {call.fields['ttl']!r}") from None
    top = call.node.topology
    from replmock.generate.payloads import rfc3339

    envelope = call.node.envelope(None)
    envelope["wrap_info"] = {
        "token": activation.token,
        "accessor": hashlib.sha256(activation.token.encode()).hexdigest()[:24],
        "ttl": int(ttl.total_seconds()),
        "creation_time": rfc3339(call.cluster, top.now()),
        "creation_path": call.request.raw_path.removeprefix("/v1/"),
    }
    return json_answer(200, envelope, endpoint=call.endpoint)


def revoke_secondary(call: Call) -> None:
    _model(call, "revoke_secondary", call.fields["id"])


def generate_public_key(call: Call) -> Result:
    """The secondary's public key for ``secondary_public_key`` (Vault 1.3+): an ECDH P-521 key, base64."""
    _enterprise(call)
    seed = f"{call.node.topology.seed}/{call.node.cluster}/public-key".encode()
    key = b"\x04" + hashlib.sha512(seed).digest() + hashlib.sha512(seed + b"/y").digest()[:68]
    return Result({"secondary_public_key": base64.b64encode(key).decode()})


# --- secondaries ----------------------------------------------------------------------------------


def secondary_enable(call: Call) -> None:
    _model(call, "enable_secondary", call.fields["token"])


def _require_dr_token(call: Call, *, batch_ok: bool = False) -> None:
    """The DR secondary endpoints take ``dr_operation_token`` in the body (they are unauthenticated otherwise).

    ``batch_ok``: promote and update-primary also take a batch token made on the primary with a policy for them
    (§13.6, weak evidence: docs headlines and tutorials, not code): a DR secondary shares its primary's keyring,
    so it can read the blob.
    """
    _enterprise(call)
    given = call.fields.get("dr_operation_token") or ""
    if not given:
        raise VaultError(400, "missing dr_operation_token")  # best evidence
    if given in call.node.dr_tokens or (batch_ok and _batch_valid(call, given)):
        return
    raise VaultError(400, "invalid dr_operation_token")  # best evidence; Vault logs the cause


def _batch_valid(call: Call, token: str) -> bool:
    top = call.node.topology
    made = top.batch_tokens.get(token)
    if made is None or top.now() > made[1]:
        return False
    issuer, mine = top.role(made[0], "dr"), top.role(call.node.cluster, "dr")
    issuer_id = issuer.rset.cluster_id if issuer.rset is not None else None
    mine_id = mine.rset.cluster_id if mine.rset is not None else (mine.detached.cluster_id if mine.detached else None)
    return issuer_id is not None and issuer_id == mine_id


def token_create(call: Call) -> Result:
    """``auth/token/create``: a batch token (``hvb.``) for DR operations, or a service token with the given
    policies (``default`` only, or ``replication-operator`` for update on the replication paths)."""
    f = call.fields
    try:
        ttl = parse_ttl(f["ttl"] or "768h")
    except (ReplicationError, ValueError, OverflowError):  # Go's time.ParseDuration error (observed on OpenBao 2.7)
        raise VaultError(400, f"time: invalid duration {go_quote(f['ttl'])}") from None
    if ttl.total_seconds() > _MAX_DURATION_SECONDS:  # past a Go time.Duration (int64 nanoseconds, ~292 years)
        if str(f["ttl"]).strip().isdigit():  # parseutil: seconds * time.Second (observed on OpenBao 2.7)
            raise VaultError(400, "multiplication of durations resulted in overflow, one operand may be too large")
        raise VaultError(400, f"time: invalid duration {go_quote(f['ttl'])}")
    top = call.node.topology
    # policyutil.SanitizePolicies: trimmed, empty names dropped
    policies = sorted({p for p in f["policies"] if p} | {"default"})
    if "root" in policies:
        raise VaultError(400, "root tokens can only be created with sys/generate-root")  # best evidence
    if f["type"] == "batch":
        token = "hvb." + base64.urlsafe_b64encode(secrets.token_bytes(96)).decode().rstrip("=")
        top.batch_tokens[token] = (call.node.cluster, top.now() + ttl)
        accessor = ""
    elif f["type"] in {"service", "default", ""}:
        token = "hvs." + "".join(secrets.choice(_BASE62) for _ in range(24))
        from replmock.vault._auth import Token, TokenKind

        kind: TokenKind = "operator" if "replication-operator" in policies else "default"

        call.node.tokens[token] = Token(token, kind, f["display_name"] or "token")
        accessor = call.node.tokens[token].accessor()
    else:
        raise VaultError(400, "invalid 'token_type' value")  # observed on OpenBao 2.7
    auth = {
        "client_token": token,
        "accessor": accessor,
        "policies": policies,
        "token_policies": policies,
        "metadata": None,
        "lease_duration": int(ttl.total_seconds()),
        "renewable": f["type"] != "batch",
        "entity_id": "",
        "token_type": "batch" if f["type"] == "batch" else "service",
        "orphan": bool(f["orphan"]) or f["type"] == "batch",
        "mfa_requirement": None,
        "num_uses": 0,
    }
    return Result(None, auth=auth)


def secondary_promote(call: Call) -> None:
    if _kind(call) == "dr":
        _require_dr_token(call, batch_ok=True)
    _model(call, "promote", call.fields["primary_cluster_addr"] or "")


def secondary_disable(call: Call) -> None:
    if _kind(call) == "dr":
        _require_dr_token(call)
    _model(call, "disable_secondary")


def update_primary(call: Call) -> None:
    if _kind(call) == "dr":
        _require_dr_token(call, batch_ok=True)
    token, addrs = call.fields["token"], call.fields["update_primary_addrs"]
    if token and addrs:
        raise VaultError(400, "token and update_primary_addrs are mutually exclusive")
    if not token and not addrs:
        raise VaultError(400, "either token or update_primary_addrs must be provided")  # best evidence
    _model(call, "update_primary", token=token or None, addrs=addrs or None)


def dr_reindex(call: Call) -> Result:
    _require_dr_token(call)
    from replmock.vault._handlers import reindex

    return reindex(call)


def dr_recover(call: Call) -> Result:
    _require_dr_token(call)
    from replmock.vault._handlers import recover

    return recover(call)


def operation_token_delete(call: Call) -> None:
    """``dr/secondary/operation-token/delete``: the given DR operation token stops working."""
    _require_dr_token(call)
    call.node.dr_tokens.discard(call.fields["dr_operation_token"])


def merkle_check(call: Call) -> Result:
    """``merkle_corruption_report`` (§2.10): the scenario's corruption state; the check time is now."""
    if _kind(call) == "dr" and "/secondary/" in call.request.raw_path:
        _require_dr_token(call)
    _enterprise(call)
    top = call.node.topology
    from replmock.generate.payloads import rfc3339

    with top.lock:
        top.sync()
        corrupted = any(call.cluster.types[k].corrupted for k in ("dr", "performance"))
        for kind in ("dr", "performance"):
            call.cluster.types[kind].last_corruption_check = top.now()
        top.version += 1
        digest = hashlib.sha1(f"{call.cluster.storage_cluster_id}/{int(call.cluster.wal)}".encode()).digest()  # noqa: S324
        now = rfc3339(call.cluster, top.now())
    report = {
        "corrupted_root": False,
        "corrupted_tree_map": {
            "1": {
                "corrupted_index_tuples_map": {"5": {"corrupted": corrupted, "subpages": [28]}} if corrupted else None,
                "corrupted_subtree_root": corrupted,
                "root_hash": base64.b64encode(digest).decode(),
                "tree_type": "replicated",
            },
            "2": {
                "corrupted_index_tuples_map": None,
                "corrupted_subtree_root": False,
                "root_hash": base64.b64encode(digest[::-1]).decode(),
                "tree_type": "local",
            },
        },
        "last_corruption_check_epoch": now,
    }
    return Result({"merkle_corruption_report": report})


# --- paths filters ----------------------------------------------------------------------------------


def paths_filter_read(call: Call) -> Result | None:
    found = call.node.paths_filters.get(call.path_params["id"])
    return None if found is None else Result(dict(found))


def paths_filter_write(call: Call) -> None:
    mode = call.fields["mode"] or "allow"
    if mode not in {"allow", "deny"}:
        raise VaultError(400, f'invalid mode {mode!r}: expected "allow" or "deny"')
    call.node.paths_filters[call.path_params["id"]] = {"mode": mode, "paths": call.fields["paths"]}


def paths_filter_delete(call: Call) -> None:
    call.node.paths_filters.pop(call.path_params["id"], None)


def dynamic_filter_read(call: Call) -> Result:
    found = call.node.paths_filters.get(call.path_params["id"], {"paths": []})
    paths = list(found.get("paths", []))
    return Result(
        {
            "dynamic_filtered_mounts": [p for p in paths if p.count("/") >= 1 and not p.endswith("//")],
            "dynamic_filtered_namespaces": sorted({p.split("/", 1)[0] + "/" for p in paths if p.count("/") > 1}),
        }
    )


# --- DR operation tokens: the generate-root handler with the DR strategy (§13) -----------------------------


@dataclass
class Attempt:
    nonce: str
    otp: str
    pgp_fingerprint: str = ""
    shares: list[bytes] = field(default_factory=list)


def otp_length(call: Call) -> int:
    """28 for ``hvs.`` tokens (Vault 1.10+), 26 before (§13.4)."""
    return 28 if call.cluster.release >= (1, 10, 0) else 26


def _status(call: Call, attempt: Attempt | None, **extra: Any) -> dict[str, Any]:
    out: dict[str, Any] = {
        "nonce": attempt.nonce if attempt else "",
        "started": attempt is not None,
        "progress": len(attempt.shares) if attempt else 0,
        "required": call.node.threshold,
        "complete": False,
        "encoded_token": "",
        "encoded_root_token": "",
        "pgp_fingerprint": attempt.pgp_fingerprint if attempt else "",
        "otp": "",
        "otp_length": otp_length(call),
    }
    out.update(extra)
    return out


def operation_token_attempt(call: Call) -> Answer:
    """GET/POST/PUT/DELETE ``dr/secondary/generate-operation-token/attempt`` (top-level JSON, §13.2)."""
    node, method = call.node, call.request.method
    if call.cluster.edition == "oss":
        return json_answer(404, {"errors": ["enterprise-only feature"]})
    if method == "GET":
        return json_answer(200, _status(call, node.dr_attempt))
    if method == "DELETE":
        node.dr_attempt = None
        return json_answer(204, None)
    if node.dr_attempt is not None:
        return json_answer(400, {"errors": ["root generation already in progress"]})
    body = _struct_body(call, _INIT_REQUEST)
    length = otp_length(call)
    otp, pgp = body.get("otp", ""), body.get("pgp_key", "")
    if otp and len(otp) != length:
        return json_answer(400, {"errors": ["OTP string is wrong length"]})
    fingerprint = hashlib.sha1(pgp.encode()).hexdigest() if pgp and not otp else ""  # noqa: S324
    generated = "" if otp or pgp else "".join(secrets.choice(_BASE62) for _ in range(length))
    node.dr_attempt = Attempt(_uuid(), otp or generated, fingerprint)
    return json_answer(200, _status(call, node.dr_attempt, otp=generated))


def operation_token_update(call: Call) -> Answer:  # noqa: PLR0911 - one answer per refusal, in Vault's order
    """POST ``.../generate-operation-token/update`` with one unseal key share (§13.2); the last one completes."""
    node = call.node
    body = _struct_body(call, _UPDATE_REQUEST)
    key, nonce = body.get("key"), body.get("nonce", "")
    if not key:
        return json_answer(400, {"errors": ["'key' must be specified in request body as JSON"]})
    share = _decode_share(key)
    if share is None:
        return json_answer(400, {"errors": ["'key' must be a valid hex or base64 string"]})
    attempt = node.dr_attempt
    if attempt is None:
        return json_answer(400, {"errors": ["no root generation in progress"]})
    if nonce != attempt.nonce:
        text = f'incorrect nonce supplied; nonce for this root generation operation is "{attempt.nonce}"'
        return json_answer(400, {"errors": [text]})
    if share in attempt.shares:
        return json_answer(400, {"errors": ["given key has already been provided during this generation operation"]})
    if share not in {base64.b64decode(k) for k in node.unseal_keys()}:
        return json_answer(400, {"errors": ["invalid key share"]})  # best evidence: Vault fails when combining
    attempt.shares.append(share)
    if len(attempt.shares) < node.threshold:
        return json_answer(200, _status(call, attempt, nonce=attempt.nonce, otp_length=0))
    token = "hvs." + "".join(secrets.choice(_BASE62) for _ in range(otp_length(call) - 4))
    if call.cluster.release < (1, 10, 0):
        token = "s." + token[4:]
    node.dr_tokens.add(token)
    node.dr_attempt = None
    if attempt.pgp_fingerprint:
        encoded = base64.b64encode(token.encode()).decode()  # stands in for the PGP-encrypted token
    else:
        xored = bytes(a ^ b for a, b in zip(token.encode(), attempt.otp.encode(), strict=True))
        encoded = base64.b64encode(xored).decode().rstrip("=")
    done = _status(
        call,
        attempt,
        nonce=attempt.nonce,
        progress=len(attempt.shares),
        complete=True,
        encoded_token=encoded,
        otp_length=0,
    )
    return json_answer(200, done)


def root_token_attempt_read(call: Call) -> Result:
    """OpenBao's ``sys/generate-root-token/attempt`` read, which ``bao operator generate-root -decode`` asks for
    ``otp_length`` (bao 2.6+, §13.3). Not a Vault path: served so that the bao CLI can decode DR tokens."""
    status = _status(call, None)
    return Result({k: status[k] for k in ("nonce", "started", "progress", "required", "complete", "otp_length")})


def _decode_share(text: str) -> bytes | None:
    """hex.DecodeString, else base64.StdEncoding (http/sys_generate_root.go); Python's fromhex would also take
    spaces between the bytes, Go's decoder does not."""
    if len(text) % 2 == 0 and all(c in string.hexdigits for c in text):
        return bytes.fromhex(text)
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None


_INIT_REQUEST = ("GenerateRootInitRequest", ("otp", "pgp_key"))
_UPDATE_REQUEST = ("GenerateRootUpdateRequest", ("key", "nonce"))


def _struct_body(call: Call, struct: tuple[str, tuple[str, ...]]) -> dict[str, str]:
    """The body as ``parseJSONRequest`` decodes it into one of http/sys_generate_root.go's structs of string fields:
    JSON whatever the Content-Type (no form), an empty body or ``null`` is no field, unknown keys are ignored, a key
    matches a field case-insensitively (encoding/json), ``null`` leaves a field empty and any other non-string value
    is refused (texts: OpenBao's ``failed to decode JSON input`` and Go's UnmarshalTypeError)."""
    from replmock.vault._wire import JSONInputError, decode_json

    name, fields = struct
    raw = call.request.body
    if not raw.strip():
        return {}
    try:
        value = decode_json(raw)
    except JSONInputError as exc:
        raise VaultError(400, f"failed to decode JSON input: {exc}") from None
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise VaultError(400, f"failed to decode JSON input: json: cannot unmarshal {_json_kind(value)} into Go value "
                         f"of type http.{name}")  # fmt: skip
    out: dict[str, str] = {}
    for key, item in value.items():
        field_name = key if key in fields else next((f for f in fields if f.lower() == key.lower()), None)
        if field_name is None or item is None:
            continue
        if not isinstance(item, str) or isinstance(item, GoNumber):
            raise VaultError(400, f"failed to decode JSON input: json: cannot unmarshal {_json_kind(item)} into Go "
                             f"struct field {name}.{field_name} of type string")  # fmt: skip
        out[field_name] = item
    return out


def _json_kind(value: Any) -> str:
    if isinstance(value, GoNumber):
        return "number"
    return {list: "array", dict: "object", str: "string", bool: "bool"}.get(type(value), "number")


def _uuid() -> str:
    h = secrets.token_hex(16)
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"
