"""The path kinds, the path each server answers them on, and the battery of generic requests.

OpenBao has no replication paths, so each battery entry names a path KIND; a kind maps to the
mock's path and to the OpenBao path that Vault's framework treats the same way. The table below
says why each pair is the same kind (sources: ``shared/reference/vault-replication-api.md`` §5,
§6.5, §10-§14 and OpenBao's ``internal/vault/logical_system.go`` ``PathsSpecial``).

| kind | mock | OpenBao | why it is the same kind |
|---|---|---|---|
| ``unauth-read`` | ``sys/replication/status`` | ``sys/internal/ui/mounts`` | a path of the logical ``sys`` backend listed in ``PathsSpecial.Unauthenticated``, an anchored pattern with the read operation only and no fields (every parameter is unrecognized), answering 200 with the logical envelope. Not used with a trailing slash or LIST: OpenBao also lists ``internal/ui/mounts/*`` as unauthenticated. |
| ``unauth-read-dr`` / ``unauth-read-perf`` | ``sys/replication/dr/status`` / ``performance/status`` | ``sys/internal/ui/mounts`` | as above (§6.5: all three status paths are in ``PathsSpecial.Unauthenticated``) |
| ``unauth-exact`` | ``sys/replication/status`` | ``sys/internal/specs/openapi`` | an unauthenticated entry with no ``/*`` sibling in ``PathsSpecial.Unauthenticated``: a trailing slash, ``LIST`` or ``?list=true`` (which appends ``/``, §14.5) leaves both the unauthenticated list and the anchored pattern, so the request needs a token and then ends in ``unsupported path``. Used only for those forms (its body is raw JSON, not an envelope, and it also takes POST). |
| ``token-write`` | ``sys/replication/recover`` | ``transit/sign/k`` | an update (POST/PUT) path any token with the ``update`` capability may call, no sudo, no required field, answering 200 with an envelope (so unrecognized parameters are warned about) |
| ``bool-write`` | ``sys/replication/reindex`` (root) | ``transit/sign/k`` (root), field ``prehashed`` | an update path with a ``TypeBool`` field decoded by the framework (``diff`` / ``prehashed``), answering 200 with an envelope; used with the root token only, since reindex needs sudo. ``input`` is sent to OpenBao so that ``prehashed=true`` has a digest to sign. |
| ``sudo-write`` | ``sys/replication/reindex`` | ``sys/config/auditing/request-headers/x-replmock`` | an update path in ``PathsSpecial.Root`` (sudo) with a ``TypeBool`` field (``diff`` / ``hmac``): refused without sudo, and refuses invalid input with root. Never sent with valid input as root (OpenBao's analogue answers 204 there, the mock's reindex 200 with warnings; that case is covered by ``bool-write``). |
| ``unknown-sys`` | ``sys/replication/bogus`` | the same path | an unknown path of the ``sys`` backend on both (OpenBao has no ``sys/replication/*`` at all) |
| ``unknown-mount`` | ``nomount/data/x`` | the same path | no mount at all (§14.8) |
| ``health``, ``seal-status``, ``leader``, ``init``, ``lookup-self`` | ``sys/health``, ``sys/seal-status``, ``sys/leader``, ``sys/init``, ``auth/token/lookup-self`` | the same paths | the same endpoints (§11, §12) |

Token kinds: ``None`` (no header), ``bogus`` (not a token), ``root``, ``op`` (operator: update on
the replication paths / the analogue paths, no sudo, plus ``default``) and ``default`` (only
Vault's ``default`` policy). On the mock these are ``MockVault(root_token=..., tokens=["op",
"viewer:default"])``: ``op`` and ``viewer``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Kind:
    name: str
    mock: str
    bao: str
    mock_field: str | None = None
    bao_field: str | None = None
    bao_extra: tuple[tuple[str, str], ...] = ()
    """Parameters the OpenBao analogue needs in every body that carries parameters."""


KINDS: dict[str, Kind] = {
    k.name: k
    for k in (
        Kind("unauth-read", "sys/replication/status", "sys/internal/ui/mounts"),
        Kind("unauth-read-dr", "sys/replication/dr/status", "sys/internal/ui/mounts"),
        Kind("unauth-read-perf", "sys/replication/performance/status", "sys/internal/ui/mounts"),
        Kind("unauth-exact", "sys/replication/status", "sys/internal/specs/openapi"),
        Kind("token-write", "sys/replication/recover", "transit/sign/k", bao_extra=(("input", "aGk="),)),
        Kind(
            "bool-write",
            "sys/replication/reindex",
            "transit/sign/k",
            "diff",
            "prehashed",
            bao_extra=(("input", "aGk="),),
        ),
        Kind("sudo-write", "sys/replication/reindex", "sys/config/auditing/request-headers/x-replmock", "diff", "hmac"),
        Kind("unknown-sys", "sys/replication/bogus", "sys/replication/bogus"),
        Kind("unknown-mount", "nomount/data/x", "nomount/data/x"),
        Kind("health", "sys/health", "sys/health"),
        Kind("seal-status", "sys/seal-status", "sys/seal-status"),
        Kind("leader", "sys/leader", "sys/leader"),
        Kind("init", "sys/init", "sys/init"),
        Kind("lookup-self", "auth/token/lookup-self", "auth/token/lookup-self"),
    )
}

BOGUS_TOKEN = "s.BogusBogusBogusBogus0000"
FORM = "application/x-www-form-urlencoded"
LONG = 70_000
LONG_PATH = 8_000
"""A long path segment: OpenBao's router takes time quadratic in the path length (20 KB: 1.7 s, 70 KB: over 10 s)."""


@dataclass(frozen=True)
class Entry:
    """One request of the battery, in terms of a path kind (see the module docstring)."""

    id: str
    kind: str
    method: str = "GET"
    form: str = "plain"
    """plain, slash (trailing /), double (``sys//x``), dot (``sys/./x``), dotdot (``sys/z/../x``),
    noprefix (``/sys/x``), v2 (``/v2/...``), lead (``//v1/...``), longpath (an 8 KB segment appended)."""
    query: str = ""
    token: str | None = None
    headers: tuple[tuple[str, str], ...] = ()
    """Extra headers; ``{root}``, ``{op}``, ``{default}``, ``{bogus}`` become that side's token."""
    body: Any = None
    """None (no body), a dict (sent as JSON; ``{bool}`` in a key is the kind's bool field) or a str (raw)."""
    content_type: str | None = None

    def effective_token(self) -> str | None:
        """Which kind of token Vault uses: the first X-Vault-Token, else ``Authorization: Bearer`` (§14.12)."""
        heads = ([("X-Vault-Token", "{" + self.token + "}")] if self.token else []) + list(self.headers)
        first = next((v for k, v in heads if k.lower() == "x-vault-token"), "")
        if not first:
            first = next((v[7:] for k, v in heads if k.lower() == "authorization" and v.startswith("Bearer ")), "")
        return first.strip("{}") or None


@dataclass(frozen=True)
class Side:
    """How one server is addressed: its tokens and how a kind maps onto its paths."""

    name: str
    """``openbao`` or ``mock``."""
    tokens: dict[str, str]
    base_url: str


@dataclass(frozen=True)
class Request:
    method: str
    target: str
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes | None = None
    replace: dict[str, str] = field(default_factory=dict)
    """Analogue-specific texts of this side -> neutral placeholders (see ``wire.project``)."""


def _path_form(path: str, form: str) -> str:
    first, _, rest = path.partition("/")
    forms = {
        "plain": f"/v1/{path}",
        "slash": f"/v1/{path}/",
        "double": f"/v1/{first}//{rest}",
        "dot": f"/v1/{first}/./{rest}",
        "dotdot": f"/v1/{first}/z/../{rest}",
        "noprefix": f"/{path}",
        "v2": f"/v2/{path}",
        "lead": f"//v1/{path}",
        "longpath": f"/v1/{path}/{'a' * LONG_PATH}",
    }
    return forms[form]


def render(entry: Entry, side: Side) -> Request:
    """The request ``entry`` stands for on one side."""
    kind = KINDS[entry.kind]
    mock = side.name == "mock"
    path = kind.mock if mock else kind.bao
    bool_field = (kind.mock_field if mock else kind.bao_field) or "bool"
    tokens = {**side.tokens, "bogus": BOGUS_TOKEN}

    def sub(text: str) -> str:
        for name, value in tokens.items():
            text = text.replace("{" + name + "}", value)
        return text.replace("{bool}", bool_field)

    headers: list[tuple[str, str]] = []
    if entry.token is not None:
        headers.append(("X-Vault-Token", tokens[entry.token]))
    headers.extend((name, sub(value)) for name, value in entry.headers)
    if entry.content_type is not None:
        headers.append(("Content-Type", entry.content_type))
    body: bytes | None = None
    extra = {} if mock else dict(kind.bao_extra)
    if isinstance(entry.body, dict):
        data = {sub(k): v for k, v in entry.body.items()}
        body = json.dumps({**data, **extra}, separators=(",", ":")).encode()
    elif isinstance(entry.body, str):
        text = sub(entry.body)
        if entry.content_type == FORM and extra and "=" in text and not text.lstrip().startswith(("{", "[")):
            text += "".join(f"&{k}={v}" for k, v in extra.items())
        body = text.encode()
    target = _path_form(path, entry.form) + (f"?{sub(entry.query)}" if entry.query else "")
    replace = {path: "<path>", f'"{bool_field}"': '"<field>"', side.base_url: ""}
    return Request(entry.method, target, headers, body, replace)


# --- the battery ------------------------------------------------------------------------------


def _e(id_: str, kind: str, **kw: Any) -> Entry:
    return Entry(id_, kind, **kw)


def _unauth_read() -> list[Entry]:
    k = "unauth-read"
    out = [
        _e("status GET no token", k),
        _e("status GET root", k, token="root"),
        _e("status GET operator", k, token="op"),
        _e("status GET default-policy", k, token="default"),
        _e("status GET bogus token", k, token="bogus"),
        _e("status GET bearer root", k, headers=(("Authorization", "Bearer {root}"),)),
        _e("status GET bearer bogus", k, headers=(("Authorization", "Bearer {bogus}"),)),
        _e(
            "status GET empty token + bearer root",
            k,
            headers=(("X-Vault-Token", ""), ("Authorization", "Bearer {root}")),
        ),
        _e("status GET bogus token + bearer root", k, token="bogus", headers=(("Authorization", "Bearer {root}"),)),
        _e("status GET dup tokens root,bogus", k, headers=(("X-Vault-Token", "{root}"), ("X-Vault-Token", "{bogus}"))),
        _e("status GET dup tokens bogus,root", k, headers=(("X-Vault-Token", "{bogus}"), ("X-Vault-Token", "{root}"))),
        _e("status GET namespace root", k, headers=(("X-Vault-Namespace", "root"),)),
        _e("status GET namespace root/ ", k, headers=(("X-Vault-Namespace", "root/"),)),
        _e("status GET unknown namespace", k, headers=(("X-Vault-Namespace", "nope"),)),
        _e("status GET unknown namespace root token", k, token="root", headers=(("X-Vault-Namespace", "nope"),)),
        _e("status HEAD", k, method="HEAD"),
        _e("status HEAD root", k, method="HEAD", token="root"),
        _e("status OPTIONS", k, method="OPTIONS"),
        _e("status POST", k, method="POST"),
        _e("status POST root json", k, method="POST", token="root", body={}),
        _e("status PUT root", k, method="PUT", token="root", body={}),
        _e("status PUT bogus token", k, method="PUT", token="bogus", body={}),
        _e("status DELETE", k, method="DELETE"),
        _e("status DELETE root", k, method="DELETE", token="root"),
        _e("status PATCH no content type", k, method="PATCH", body="{}"),
        _e("status PATCH application/json", k, method="PATCH", body="{}", content_type="application/json"),
        _e("status PATCH merge-patch", k, method="PATCH", body="{}", content_type="application/merge-patch+json"),
        _e(
            "status PATCH merge-patch root",
            k,
            method="PATCH",
            token="root",
            body="{}",
            content_type="application/merge-patch+json",
        ),
        _e("status PATCH form content type", k, method="PATCH", body="a=1", content_type=FORM),
        _e("status unknown method FOO", k, method="FOO"),
        _e("status unknown method FOO root", k, method="FOO", token="root"),
        _e("status GET unknown param", k, query="foo=1"),
        _e("status GET unknown params sorted", k, query="zeta=1&alpha=2&alpha=3"),
        _e("status GET help=1", k, query="help=1"),
        _e("status GET list=false", k, query="list=false"),
        _e("status GET list=false + unknown param", k, query="list=false&foo=1"),
        _e("status GET list=foo", k, query="list=foo"),
        _e("status GET empty query", k, query="="),
        _e("status GET long query 70KB", k, query="pad=" + "x" * LONG),
        _e("status GET with JSON body", k, body={"foo": 1}),
        _e("status GET double slash", k, form="double"),
        _e("status GET double slash with query", k, form="double", query="foo=1"),
        _e("status GET dot segment", k, form="dot"),
        _e("status GET dotdot segment", k, form="dotdot"),
        _e("status POST double slash", k, method="POST", form="double", body={}),
        _e("status HEAD double slash", k, method="HEAD", form="double"),
        _e("status GET no /v1 prefix", k, form="noprefix"),
        _e("status GET /v2 prefix", k, form="v2"),
        _e("status GET leading //v1", k, form="lead"),
    ]
    out += [
        _e("dr-status GET no token", "unauth-read-dr"),
        _e("dr-status GET bogus token", "unauth-read-dr", token="bogus"),
        _e("dr-status POST", "unauth-read-dr", method="POST"),
        _e("dr-status GET unknown param", "unauth-read-dr", query="foo=1"),
        _e("perf-status GET no token", "unauth-read-perf"),
        _e("perf-status PUT root", "unauth-read-perf", method="PUT", token="root", body={}),
        _e("perf-status DELETE", "unauth-read-perf", method="DELETE"),
        _e("perf-status GET unknown param", "unauth-read-perf", query="foo=1"),
    ]
    return out


def _unauth_exact() -> list[Entry]:
    k = "unauth-exact"
    return [
        _e("status/ trailing slash no token", k, form="slash"),
        _e("status/ trailing slash root", k, form="slash", token="root"),
        _e("status/ trailing slash operator", k, form="slash", token="op"),
        _e("status/ trailing slash default-policy", k, form="slash", token="default"),
        _e("status/ trailing slash bogus token", k, form="slash", token="bogus"),
        _e("status LIST no token", k, method="LIST"),
        _e("status LIST root", k, method="LIST", token="root"),
        _e("status GET list=true no token", k, query="list=true"),
        _e("status GET list=true root", k, query="list=true", token="root"),
        _e("status GET list=1 root", k, query="list=1", token="root"),
        _e("status GET list=TRUE root", k, query="list=TRUE", token="root"),
        _e("status POST trailing slash root", k, method="POST", form="slash", token="root", body={}),
    ]


def _token_write() -> list[Entry]:
    k = "token-write"
    return [
        _e("recover POST no token", k, method="POST"),
        _e("recover POST bogus token", k, method="POST", token="bogus"),
        _e("recover POST operator", k, method="POST", token="op"),
        _e("recover POST root", k, method="POST", token="root"),
        _e("recover POST default-policy", k, method="POST", token="default"),
        _e("recover POST operator via bearer", k, method="POST", headers=(("Authorization", "Bearer {op}"),)),
        _e(
            "recover POST dup tokens default,op",
            k,
            method="POST",
            headers=(("X-Vault-Token", "{default}"), ("X-Vault-Token", "{op}")),
        ),
        _e("recover PUT operator", k, method="PUT", token="op"),
        _e("recover PUT operator json {}", k, method="PUT", token="op", body={}),
        _e("recover GET operator", k, token="op"),
        _e("recover GET no token", k),
        _e("recover GET root", k, token="root"),
        _e("recover DELETE operator", k, method="DELETE", token="op"),
        _e("recover DELETE root", k, method="DELETE", token="root"),
        _e("recover LIST operator", k, method="LIST", token="op"),
        _e("recover LIST root", k, method="LIST", token="root"),
        _e("recover HEAD operator", k, method="HEAD", token="op"),
        _e("recover OPTIONS operator", k, method="OPTIONS", token="op"),
        _e("recover PATCH operator no content type", k, method="PATCH", token="op", body="{}"),
        _e(
            "recover PATCH operator merge-patch",
            k,
            method="PATCH",
            token="op",
            body="{}",
            content_type="application/merge-patch+json",
        ),
        _e("recover FOO operator", k, method="FOO", token="op"),
        _e("recover POST operator null", k, method="POST", token="op", body="null"),
        _e("recover POST operator [1,2]", k, method="POST", token="op", body="[1,2]"),
        _e("recover POST operator string", k, method="POST", token="op", body='"x"'),
        _e("recover POST operator number", k, method="POST", token="op", body="12"),
        _e("recover POST operator {bad", k, method="POST", token="op", body="{bad"),
        _e("recover POST operator truncated json", k, method="POST", token="op", body='{"a":'),
        _e("recover POST no token {bad", k, method="POST", body="{bad"),
        _e("recover POST default-policy {bad", k, method="POST", token="default", body="{bad"),
        _e("recover POST operator unknown param", k, method="POST", token="op", body={"zz": 1}),
        _e("recover POST operator unknown params sorted", k, method="POST", token="op", body={"zz": 1, "aa": True}),
        _e("recover POST operator form", k, method="POST", token="op", body="zz=1", content_type=FORM),
        _e(
            "recover POST operator form repeated key",
            k,
            method="POST",
            token="op",
            body="zz=1&yy=2&zz=3",
            content_type=FORM,
        ),
        _e(
            "recover POST operator form body as json type",
            k,
            method="POST",
            token="op",
            body="zz=1",
            content_type="application/json",
        ),
        _e(
            "recover POST operator form type json body",
            k,
            method="POST",
            token="op",
            body='{"zz":1}',
            content_type=FORM,
        ),
        _e("recover POST operator form type {bad", k, method="POST", token="op", body="{bad", content_type=FORM),
        _e(
            "recover POST operator text/plain form",
            k,
            method="POST",
            token="op",
            body="zz=1",
            content_type="text/plain",
        ),
        _e("recover POST operator query param", k, method="POST", token="op", query="zz=1"),
        _e("recover POST operator trailing slash", k, method="POST", token="op", form="slash"),
        _e("recover POST no token trailing slash", k, method="POST", form="slash"),
        _e(
            "recover POST operator unknown namespace",
            k,
            method="POST",
            token="op",
            headers=(("X-Vault-Namespace", "nope"),),
        ),
        _e(
            "recover POST operator namespace root",
            k,
            method="POST",
            token="op",
            headers=(("X-Vault-Namespace", "root"),),
        ),
        _e("recover POST operator double slash", k, method="POST", token="op", form="double"),
    ]


_GOOD_BOOLS: list[Any] = [
    True, False, "1", "t", "T", "TRUE", "true", "True", "0", "f", "F", "FALSE", "false", "False", "", 1, 0, None,
]  # fmt: skip
_BAD_BOOLS: list[Any] = ["yes", "maybe", "tru", " true", "true ", 2, -1, 1.0, 1.5, [True], {"a": 1}]


def _bool_write() -> list[Entry]:
    k = "bool-write"
    out = [
        _e(f"reindex POST root {{bool}}={json.dumps(v)}", k, method="POST", token="root", body={"{bool}": v})
        for v in _GOOD_BOOLS + _BAD_BOOLS
    ]
    out += [
        _e("reindex POST root no body", k, method="POST", token="root"),
        _e("reindex PUT root {bool}=true + unknown", k, method="PUT", token="root", body={"{bool}": True, "zz": 1}),
        _e("reindex POST root form {bool}=true", k, method="POST", token="root", body="{bool}=true", content_type=FORM),
        _e(
            "reindex POST root form {bool}=maybe",
            k,
            method="POST",
            token="root",
            body="{bool}=maybe",
            content_type=FORM,
        ),
        _e(
            "reindex POST root form repeated {bool}",
            k,
            method="POST",
            token="root",
            body="{bool}=true&{bool}=false",
            content_type=FORM,
        ),
        _e("reindex POST root form {bool}= empty", k, method="POST", token="root", body="{bool}=", content_type=FORM),
        _e("reindex POST root query {bool}=maybe", k, method="POST", token="root", query="{bool}=maybe"),
    ]
    return out


def _sudo_write() -> list[Entry]:
    k = "sudo-write"
    return [
        _e("reindex POST no token", k, method="POST", body={}),
        _e("reindex POST bogus token", k, method="POST", token="bogus", body={}),
        _e("reindex POST operator (no sudo)", k, method="POST", token="op", body={}),
        _e("reindex PUT operator (no sudo)", k, method="PUT", token="op", body={}),
        _e("reindex POST default-policy", k, method="POST", token="default", body={}),
        _e("reindex POST operator bad bool", k, method="POST", token="op", body={"{bool}": "maybe"}),
        _e("reindex POST operator {bad", k, method="POST", token="op", body="{bad"),
        _e("reindex POST root {bad", k, method="POST", token="root", body="{bad"),
        _e("reindex POST root [1,2]", k, method="POST", token="root", body="[1,2]"),
        _e("reindex POST root bad bool", k, method="POST", token="root", body={"{bool}": "maybe"}),
        _e("reindex POST root bad bool list", k, method="POST", token="root", body={"{bool}": [1]}),
        _e("reindex DELETE operator", k, method="DELETE", token="op"),
        _e("reindex LIST operator", k, method="LIST", token="op"),
        _e("reindex POST no token trailing slash", k, method="POST", form="slash", body={}),
    ]


def _unknown() -> list[Entry]:
    s, m = "unknown-sys", "unknown-mount"
    return [
        _e("sys/replication/bogus GET no token", s),
        _e("sys/replication/bogus GET bogus token", s, token="bogus"),
        _e("sys/replication/bogus GET root", s, token="root"),
        _e("sys/replication/bogus GET operator", s, token="op"),
        _e("sys/replication/bogus GET default-policy", s, token="default"),
        _e("sys/replication/bogus POST root", s, method="POST", token="root", body={}),
        _e("sys/replication/bogus POST no token {bad", s, method="POST", body="{bad"),
        _e("sys/replication/bogus LIST root", s, method="LIST", token="root"),
        _e("sys/replication/bogus GET list=true root", s, query="list=true", token="root"),
        _e("sys/replication/bogus HEAD root", s, method="HEAD", token="root"),
        _e("sys/replication/bogus OPTIONS root", s, method="OPTIONS", token="root"),
        _e("sys/replication/bogus DELETE root", s, method="DELETE", token="root"),
        _e("sys/replication/bogus FOO root", s, method="FOO", token="root"),
        _e(
            "sys/replication/bogus GET root unknown namespace",
            s,
            token="root",
            headers=(("X-Vault-Namespace", "nope"),),
        ),
        _e("sys/replication/bogus GET double slash", s, form="double"),
        _e("unknown mount GET no token", m),
        _e("unknown mount GET bogus token", m, token="bogus"),
        _e("unknown mount GET root", m, token="root"),
        _e("unknown mount GET operator", m, token="op"),
        _e("unknown mount GET default-policy", m, token="default"),
        _e("unknown mount POST root", m, method="POST", token="root", body={}),
        _e("unknown mount LIST root", m, method="LIST", token="root"),
        _e("unknown mount OPTIONS root", m, method="OPTIONS", token="root"),
        _e("unknown mount GET root long path 8KB", m, token="root", form="longpath"),
        _e("unknown mount GET no token long path 8KB", m, form="longpath"),
        _e("unknown mount GET root trailing slash", m, token="root", form="slash"),
        _e("unknown mount GET root dot segment", m, token="root", form="dot"),
    ]


def _health() -> list[Entry]:
    k = "health"
    out = [
        _e("health GET", k),
        _e("health GET root", k, token="root"),
        _e("health GET bogus token", k, token="bogus"),
        _e("health HEAD", k, method="HEAD"),
        _e("health GET unknown namespace", k, headers=(("X-Vault-Namespace", "nope"),)),
        _e("health GET namespace root", k, headers=(("X-Vault-Namespace", "root"),)),
        _e("health GET trailing slash", k, form="slash"),
        _e("health GET trailing slash root", k, form="slash", token="root"),
        _e("health GET double slash", k, form="double"),
        _e("health GET double slash keeps query", k, form="double", query="standbyok=true"),
        _e("health GET no /v1 prefix", k, form="noprefix"),
        _e("health GET /v2 prefix", k, form="v2"),
        _e("health GET list=true", k, query="list=true"),
        _e("health GET unknown param", k, query="foo=1"),
        _e("health GET long query 70KB", k, query="pad=" + "x" * LONG),
    ]
    out += [
        _e(f"health {m}", k, method=m, body="{}" if m in {"POST", "PUT", "PATCH"} else None)
        for m in ("POST", "PUT", "DELETE", "OPTIONS", "PATCH", "LIST", "FOO")
    ]
    queries = [
        "standbyok=true", "standbyok=1", "standbyok=t", "standbyok=", "standbyok", "standbyok=foo", "standbyok=yes",
        "perfstandbyok=true", "perfstandbyok=x",
        "activecode=200", "activecode=201", "activecode=299", "activecode=204", "activecode=abc", "activecode=",
        "activecode=%20200", "activecode=+200", "activecode=%2B200", "activecode=200.0", "activecode=0x1F",
        "activecode=1000", "activecode=200&activecode=abc", "activecode=abc&activecode=200",
        "standbycode=abc", "standbycode=299", "sealedcode=abc", "uninitcode=abc", "uninitcode=299",
        "drsecondarycode=abc", "drsecondarycode=299", "performancestandbycode=abc", "performancestandbycode=299",
        "haunhealthycode=abc", "removedcode=abc", "standbyok=foo&activecode=abc",
    ]  # fmt: skip
    out += [_e(f"health GET ?{q}", k, query=q) for q in queries]
    out += [
        _e("health HEAD ?activecode=abc", k, method="HEAD", query="activecode=abc"),
        _e("health HEAD ?standbyok=foo", k, method="HEAD", query="standbyok=foo"),
        _e("health HEAD ?activecode=204", k, method="HEAD", query="activecode=204"),
        _e("health HEAD ?perfstandbyok=x", k, method="HEAD", query="perfstandbyok=x"),
    ]
    return out


def _basic() -> list[Entry]:
    ss, ld, it, ls = "seal-status", "leader", "init", "lookup-self"
    return [
        _e("seal-status GET", ss),
        _e("seal-status GET root", ss, token="root"),
        _e("seal-status GET bogus token", ss, token="bogus"),
        _e("seal-status GET unknown param", ss, query="foo=1"),
        _e("seal-status HEAD", ss, method="HEAD"),
        _e("seal-status POST", ss, method="POST", body="{}"),
        _e("seal-status OPTIONS", ss, method="OPTIONS"),
        _e("seal-status GET trailing slash", ss, form="slash"),
        _e("seal-status GET trailing slash root", ss, form="slash", token="root"),
        _e("leader GET", ld),
        _e("leader GET bogus token", ld, token="bogus"),
        _e("leader POST", ld, method="POST", body="{}"),
        _e("leader DELETE", ld, method="DELETE"),
        _e("leader GET trailing slash root", ld, form="slash", token="root"),
        _e("init GET", it),
        _e("init GET bogus token", it, token="bogus"),
        _e("init DELETE", it, method="DELETE"),
        _e("init PUT already initialized", it, method="PUT", body='{"secret_shares":1,"secret_threshold":1}'),
        _e("init GET trailing slash", it, form="slash"),
        _e("lookup-self GET no token", ls),
        _e("lookup-self GET bogus token", ls, token="bogus"),
        _e("lookup-self GET root", ls, token="root"),
        _e("lookup-self GET operator", ls, token="op"),
        _e("lookup-self GET default-policy", ls, token="default"),
        _e("lookup-self GET bearer operator", ls, headers=(("Authorization", "Bearer {op}"),)),
        _e("lookup-self POST root", ls, method="POST", token="root", body={}),
        _e("lookup-self GET root unknown param", ls, token="root", query="foo=1"),
        _e("lookup-self DELETE root", ls, method="DELETE", token="root"),
        _e("lookup-self GET root trailing slash", ls, token="root", form="slash"),
        _e("lookup-self GET root unknown namespace", ls, token="root", headers=(("X-Vault-Namespace", "nope"),)),
    ]


BATTERY: list[Entry] = [
    *_unauth_read(),
    *_unauth_exact(),
    *_token_write(),
    *_bool_write(),
    *_sudo_write(),
    *_unknown(),
    *_health(),
    *_basic(),
]

assert len({e.id for e in BATTERY}) == len(BATTERY), "battery ids must be unique"
