"""Vault request semantics: routes, auth rules, Vault's error texts, body and boolean parsing."""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass
from typing import Any

from replmock.schemas import ENDPOINT_PATHS

# Error texts as Vault writes them. Missing or invalid tokens get the bare message; a valid
# token that lacks a capability, and errors from the router, get go-multierror's wrapping
# (observed on an OpenBao 2.7 dev server, which shares Vault's request path).
PERMISSION_DENIED = "permission denied"
MULTI = "1 error occurred:\n\t* {}\n\n"
UNSUPPORTED_PATH = "unsupported path"
UNSUPPORTED_OPERATION = "unsupported operation"
NAMESPACE_REFUSED = "operation unavailable in namespaces"
DR_SECONDARY_DISABLED = "path disabled in replication DR secondary mode"
UNRECOGNIZED = "Endpoint ignored these unrecognized parameters: [{}]"

READ_METHODS = frozenset({"GET"})
WRITE_METHODS = frozenset({"POST", "PUT"})  # Vault maps both to the update operation
KNOWN_METHODS = frozenset({"GET", "POST", "PUT", "DELETE", "LIST", "PATCH", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class Route:
    """One path replmock serves, and what Vault requires on it."""

    endpoint: str
    """Short name: status, dr-status, performance-status, recover, reindex, health."""
    path: str
    methods: frozenset[str]
    auth: str
    """``none`` (unauthenticated), ``token`` (any valid token) or ``sudo``."""
    params: frozenset[str] = frozenset()


ROUTES: tuple[Route, ...] = (
    Route("status", ENDPOINT_PATHS["status"], READ_METHODS, "none"),
    Route("dr-status", ENDPOINT_PATHS["dr-status"], READ_METHODS, "none"),
    Route("performance-status", ENDPOINT_PATHS["performance-status"], READ_METHODS, "none"),
    Route("recover", ENDPOINT_PATHS["recover"], WRITE_METHODS, "token"),
    Route("reindex", ENDPOINT_PATHS["reindex"], WRITE_METHODS, "sudo", frozenset({"diff", "force", "skip_flush"})),
    Route("health", ENDPOINT_PATHS["health"], frozenset({"GET", "HEAD"}), "none"),
)
BY_PATH = {r.path: r for r in ROUTES}
ENDPOINT_NAMES = tuple(r.endpoint for r in ROUTES)


def route_for(path: str) -> Route | None:
    """The route of ``path`` (a trailing slash is ignored, as Vault's router does)."""
    return BY_PATH.get(path.rstrip("/") if path != "/" else path)


def suggest(path: str) -> str | None:
    """The served path closest to ``path``, for a "did you mean" hint."""
    candidates = [r.path for r in ROUTES]
    stripped = path if path.startswith("/v1/") else "/v1/" + path.lstrip("/")
    found = difflib.get_close_matches(stripped, candidates, n=1, cutoff=0.6)
    return found[0] if found else None


def hint(method: str, path: str) -> str | None:
    """Why a request matched nothing, in a few words: the right method, or the closest served path."""
    route = route_for(path)
    if route is not None:
        return f"{route.path} takes {' or '.join(sorted(route.methods))}, not {method}"
    close = suggest(path)
    return f"did you mean {close}?" if close else None


def normalize(endpoint: str) -> str:
    """An endpoint name, a /v1 path, or an hvac-style path (``sys/replication/status``) as a name when one matches."""
    path = endpoint if endpoint.startswith("/") else "/v1/" + endpoint
    route = route_for(path)
    return route.endpoint if route is not None else endpoint


class BodyError(ValueError):
    """A request body Vault would refuse; ``str()`` is Vault's error text."""


_GO_TYPES = {list: "[]interface {}", dict: "map[string]interface {}", float: "json.Number", bool: "bool", str: "string"}


def decode_body(raw: bytes) -> dict[str, Any]:
    """The JSON object of a write request (``{}`` when empty), or :class:`BodyError` with Vault's text."""
    if not raw.strip():
        return {}
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        msg = "failed to decode JSON input: invalid character looking for beginning of value"
        raise BodyError(msg) from None
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BodyError(f"failed to decode JSON input: {_go_json_error(text, exc)}") from None
    if value is None:  # Go leaves the map empty for `null` (what `vault write -f` sends)
        return {}
    if not isinstance(value, dict):
        kind = {list: "array", str: "string", bool: "bool", type(None): "null"}.get(type(value), "number")
        msg = f"failed to decode JSON input: json: cannot unmarshal {kind} into Go value of type map[string]interface {{}}"
        raise BodyError(msg)
    return value


def _go_json_error(text: str, exc: json.JSONDecodeError) -> str:
    """Go's encoding/json wording, as observed from Vault's request path ("{bad" -> 'b' ... beginning of value)."""
    if exc.pos >= len(text.rstrip()):
        return "unexpected EOF"
    return f"invalid character {text[exc.pos]!r} looking for beginning of value"


_TRUE = {"1", "t", "T", "TRUE", "true", "True"}
_FALSE = {"0", "f", "F", "FALSE", "false", "False", ""}


def parse_bool(field: str, value: Any) -> bool:
    """Decode a TypeBool field as Vault's framework does (mapstructure.WeakDecode over json.Number)."""
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    text = None
    if isinstance(value, str):
        text = value
    elif isinstance(value, int | float):
        text = json.dumps(value)  # Vault decodes numbers as json.Number, then parses the text
    if text is not None:
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        msg = (
            f'Field validation failed: error converting input for field "{field}": '
            "'' cannot parse value as 'bool': strconv.ParseBool: invalid syntax"
        )
        raise BodyError(msg)
    go = _GO_TYPES.get(type(value), type(value).__name__)
    msg = f"Field validation failed: error converting input for field \"{field}\": '' expected type 'bool', got unconvertible type '{go}'"
    raise BodyError(msg)


def unrecognized_warning(params: dict[str, Any], known: frozenset[str]) -> str | None:
    """Vault's warning for parameters an endpoint does not take (sorted, Go's %v of a []string)."""
    ignored = sorted(set(params) - known)
    return UNRECOGNIZED.format(" ".join(ignored)) if ignored else None


def token_of(environ: Any) -> str | None:
    """The client token from a WSGI environ: X-Vault-Token, or an ``Authorization: Bearer`` header."""
    token = environ.get("HTTP_X_VAULT_TOKEN")
    if token:
        return str(token)
    auth = str(environ.get("HTTP_AUTHORIZATION", ""))
    if auth.lower().startswith("bearer "):
        return str(auth[7:].strip()) or None
    return None


def namespace_of(environ: Any) -> str:
    """The namespace a request asks for (from a WSGI environ); "" for the root namespace."""
    ns = str(environ.get("HTTP_X_VAULT_NAMESPACE", "") or "").strip().strip("/")
    return "" if ns == "root" else ns
