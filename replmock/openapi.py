"""``replmock openapi``: an OpenAPI 3.1 document of every path the mock serves, generated from the route table.

Operations, parameters and request bodies come from :mod:`replmock.vault._routes` (the one owner of paths);
response bodies reference the same JSON Schemas (2020-12 is OpenAPI 3.1's dialect), embedded under
``components.schemas`` with their cross-file ``$ref``s rewritten into the document, so nothing is fetched. A 200 body
is only what the mock sends: the status schemas' envelope branch (not the docs' ``{data}`` or bare data forms they
also take), with the envelope's keys required. The basic endpoints' bodies (seal status, leader, init, tokens),
which are no replication payloads, are described in :mod:`replmock._openapi_bodies`.

The document promises what the mock does, so that a peer's test suite (Schemathesis, tests/test_schemathesis.py)
finds nothing: field types are what Vault's parameter framework decodes, each operation lists the status codes the
pipeline and its handler can answer (204 for a handler that returns no data, 200 for one that does), and what a
state machine decides (a 400 for an operation the replication state refuses) is said in words.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from replmock import __version__
from replmock._errors import UsageError
from replmock._openapi_bodies import BASIC_SCHEMA, ENVELOPE_REQUIRED, basic_schemas
from replmock.schemas._fields import PARSEBOOL_STRINGS

if TYPE_CHECKING:  # pragma: no cover
    import argparse

_METHODS = {"read": ["get"], "update": ["post", "put"], "delete": ["delete"], "list": [], "patch": [], "header": []}
_SCALARS = ["string", "boolean", "number", "null"]
_TYPES: dict[str, dict[str, Any]] = {
    # What Vault's framework (mapstructure.WeakDecode over json.Number) takes for each field type, as replmock's
    # parameter framework (replmock.vault._params) takes it; observed on OpenBao 2.7 (tests/test_differential.py and
    # the probes cited in _params.py). JSON null is an absent field. Integral floats such as 1.0 are refused for bool
    # and int fields although JSON Schema calls them integers.
    "bool": {
        "anyOf": [
            {"type": ["boolean", "null"]},
            {"type": "string", "pattern": f"^({'|'.join(PARSEBOOL_STRINGS)})?$"},
            {"enum": [0, 1]},
        ],
        "description": "a boolean, a string strconv.ParseBool takes (or empty: false), or the number 0 or 1",
    },
    "int": {
        "anyOf": [
            {"type": ["integer", "boolean", "null"], "minimum": -(2**63), "maximum": 2**63 - 1},
            {"type": "string", "pattern": "^([+-]?[0-9]{1,18})?$"},
        ],
        "description": "an integer, or a string strconv.Atoi takes (or empty: 0)",
    },
    "string": {"type": _SCALARS, "description": "a string; a boolean is read as 1 or 0, a number as its JSON text"},
    "strings": {
        "type": ["array", *_SCALARS],
        "items": {"type": _SCALARS},
        "description": "a list, or one comma-separated string (TypeCommaStringSlice); scalars are read as strings",
    },
    "map": {"type": ["object", "null"]},
}
_ERROR = {"application/json": {"schema": {"$ref": "#/components/schemas/error"}}}
_LOGICAL_ERRORS = {
    "400": "refused: a malformed body or field, or an operation the node's replication state does not allow "
    "(a DR secondary refuses every path but the status reads; a promote on a primary, ...)",
    "403": "permission denied: no token, an invalid token, or a policy without the capability (or sudo)",
    "404": "enterprise-only feature (open-source Vault), nothing at this path, or an unknown namespace",
    "503": "Vault is sealed",
}
_REF = re.compile(r"^https://replmock\.dev/schemas/(lenient|strict)/([a-z-]+)\.json(#.*)?$")


def document(profile: str = "strict") -> dict[str, Any]:
    """The OpenAPI 3.1 document (a dict ready for ``json.dumps``)."""
    from replmock.schemas import SCHEMA_NAMES, catalog
    from replmock.vault._routes import LOGICAL, MUX

    if profile not in {"strict", "lenient"}:
        raise UsageError(f"--profile must be strict or lenient, got {profile!r}")
    cat = catalog()
    schemas = {name: _rewrite(cat.schema(name, profile), name) for name in SCHEMA_NAMES}  # type: ignore[arg-type]
    schemas.update(basic_schemas(profile))
    paths: dict[str, dict[str, Any]] = {}
    for mux in MUX:
        item = paths.setdefault(_path(mux.path), {})
        for method in sorted(mux.methods):
            item[method.lower()] = _mux_operation(mux, method, schemas)
    for route in LOGICAL:
        item = paths.setdefault(_path(route.path), {})
        if "(?P<id>" in route.pattern:
            item["parameters"] = [_ID_PARAMETER]
        for op_name, op in route.ops.items():
            for method in _METHODS[op_name]:
                item[method] = _logical_operation(route, op_name, op, method.upper(), schemas)
    return {
        "openapi": "3.1.0",
        "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
        "info": {
            "title": "HashiCorp Vault Enterprise replication API (as replmock serves it)",
            "version": __version__,
            "description": "Every path replmock serves: /v1/sys/replication/*, sys/health and the basic endpoints "
            "clients touch. Evidence for each rule is in x-evidence; Vault Enterprise's source is private. Request "
            "bodies take what Vault's parameter framework takes (strconv booleans, numbers for strings, null for an "
            "absent field). Each operation declares the status codes replmock can answer it with; a 400 also "
            "comes from replication state (a state machine OpenAPI cannot express), so a schema-valid request can "
            "be refused with 400.",
        },
        "servers": [{"url": "http://127.0.0.1:8200/v1"}],
        "tags": [{"name": name, "description": why} for name, why in _TAGS.items()],
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": schemas,
            "securitySchemes": {"vaultToken": {"type": "apiKey", "in": "header", "name": "X-Vault-Token"}},
        },
    }


_ID_PARAMETER = {
    "name": "id",
    "in": "path",
    "required": True,
    # One path segment (the route's [^/]+); "." and ".." are cleaned away by Go's ServeMux (a redirect, §14.3).
    "schema": {"type": "string", "pattern": "^[^/]+$", "not": {"enum": [".", ".."]}},
}


def _path(path: str) -> str:
    return path.removeprefix("/v1").replace(":id", "{id}")


def _field_schema(field: Any, *, required: bool) -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(json.dumps(_TYPES[field.type]))  # a copy
    if field.choices:  # the handler refuses other values; "" and null are the default
        schema = {"enum": [*field.choices, "", None], "description": f"one of {', '.join(field.choices)}"}
    if required:  # the framework's "missing <name>": absent, null and "" are all missing
        if "anyOf" in schema:
            schema = {"allOf": [schema, {"not": {"enum": [None, ""]}}]}
        else:
            schema["type"] = [t for t in schema["type"] if t != "null"]
            schema["minLength"] = 1
    return schema


def _json_body(props: dict[str, Any], required: list[str]) -> dict[str, Any]:
    """A JSON object body; without a required field, ``null`` too (no data, what ``vault write -f`` sends)."""
    body: dict[str, Any] = {"type": "object" if required else ["object", "null"], "properties": props}
    if required:
        body["required"] = required
    return {"required": bool(required), "content": {"application/json": {"schema": body}}}


def _ok(schema: dict[str, Any] | None, description: str = "success") -> dict[str, Any]:
    if schema is None:
        return {"description": f"{description} (a body this document does not describe)"}
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _body(name: str | None, schemas: dict[str, Any], *, envelope: bool) -> dict[str, Any] | None:
    """The schema of a successful body: what the mock (like Vault) writes, never a looser form.

    The status schemas also take the docs' ``{"data": ...}`` and the bare data object (an if/then/else, for
    ``replmock validate``); a response is the envelope, their ``then`` branch, referenced so the fields have one
    source. A logical route's body is Vault's whole envelope (HTTPResponse has no omitempty): its keys are required.
    """
    if name is None:
        return None
    target = f"#/components/schemas/{name}"
    if "then" in schemas[name]:  # payload forms: the envelope branch only
        target += "/then"
    if not envelope or name in BASIC_SCHEMA.values():  # no envelope, or one that requires its keys itself
        return {"$ref": target}
    return {"allOf": [{"$ref": target}], "required": list(ENVELOPE_REQUIRED)}


def _schema_of(endpoint: str) -> str | None:
    from replmock.vault._routes import response_schema

    return BASIC_SCHEMA.get(endpoint) or response_schema(endpoint)


_TAGS = {
    "replication": "sys/replication: the status of both types, recover, reindex, merkle-check, and the un-prefixed "
    "paths of the API before the DR/performance split (aliases of the performance ones, §1d)",
    "replication/dr": "sys/replication/dr: disaster-recovery replication",
    "replication/performance": "sys/replication/performance: performance replication",
    "sys": "the basic sys endpoints clients touch (health, seal status, leader, init, generate-root-token)",
    "auth": "auth/token: creating and looking up tokens",
}


def _tag(path: str) -> str:
    for prefix in ("/sys/replication/dr/", "/sys/replication/performance/", "/sys/replication/"):
        if path.startswith(prefix):
            return prefix.strip("/").removeprefix("sys/")
    return "sys" if path.startswith("/sys/") else "auth"


_WORDS = {"dr": "DR", "perf": "performance", "legacy": "legacy (un-prefixed path)"}


def _describe(out: dict[str, Any], endpoint: str, path: str, operation: str | None) -> None:
    """``tags`` and a one-line ``summary`` from the route's endpoint name (and its operation, where it has several)."""
    words = [_WORDS.get(w, w) for w in endpoint.split("-")]
    summary = " ".join(words)
    summary = summary[0].upper() + summary[1:]
    out["summary"] = f"{summary} ({operation})" if operation else summary
    out["tags"] = [_tag(path)]


_LOCATION = {
    "Location": {
        "description": "the active node's address with the request's path and query",
        "required": True,
        "schema": {"type": "string"},
    }
}


def _errors(codes: dict[str, str]) -> dict[str, Any]:
    return {code: {"description": why, "content": _ERROR} for code, why in codes.items()}


def _logical_operation(route: Any, op_name: str, op: Any, method: str, schemas: dict[str, Any]) -> dict[str, Any]:
    """A logical route's operation: the framework's checks (§14) then the handler, whose return annotation says
    whether a success has a body (``Result``/``Answer``: 200) or none (``None``: 204, §6.1)."""
    import inspect

    out: dict[str, Any] = {"operationId": f"{route.endpoint}-{method.lower()}"}
    _describe(out, route.endpoint, _path(route.path), op_name if len(route.ops) > 1 else None)
    out["x-evidence"] = route.evidence or "replmock"
    out["security"] = [] if route.auth == "none" else [{"vaultToken": []}]
    if route.auth == "sudo":
        out["x-vault-sudo"] = True
    fields = op.fields
    # The DR secondary endpoints refuse a request without dr_operation_token ("missing dr_operation_token").
    dr_token = any(f.name == "dr_operation_token" for f in fields)
    if dr_token:
        out["x-dr-operation-token"] = True
    if fields and method in {"POST", "PUT"}:
        required = [f.name for f in fields if f.required or f.name == "dr_operation_token"]
        props = {f.name: _field_schema(f, required=f.name in required) for f in fields}
        out["requestBody"] = _json_body(props, required)
    returns = {part.strip() for part in str(inspect.signature(op.handler).return_annotation).split("|")}
    responses: dict[str, Any] = {}
    if returns - {"None"}:
        schema = _body(_schema_of(route.endpoint), schemas, envelope=True) if op_name != "delete" else None
        responses["200"] = _ok(schema, "success: Vault's response envelope")
    if "None" in returns and op_name not in {"read", "list"}:
        responses["204"] = {"description": "success, no body (Content-Type: application/json all the same)"}
    responses["307"] = {
        "description": "a standby that cannot forward redirects to the active node",
        "headers": _LOCATION,
    }
    responses.update(_errors(_LOGICAL_ERRORS))
    if "None" in returns and op_name in {"read", "list"}:
        responses["404"]["description"] += '; nothing stored there answers {"errors":[]}'
    if method in {"POST", "PUT"}:
        responses.update(_errors({"413": "http: request body too large (over 32 MiB)"}))
    out["responses"] = dict(sorted(responses.items()))
    return out


_HEALTH_QUERY = [
    {
        "name": name,
        "in": "query",
        "required": False,
        "description": "parseutil.ParseBool: empty is false; anything else but a strconv spelling answers 400",
        "schema": {"type": "string", "enum": ["", *PARSEBOOL_STRINGS]},
    }
    for name in ("standbyok", "perfstandbyok")
]
# An unseal key share as hex.DecodeString or base64.StdEncoding takes it ("'key' must be a valid hex or base64 string").
_KEY_SHARE = "^(([0-9a-fA-F]{2})+|([A-Za-z0-9+/]{4})*([A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{4}))$"
_MUX_BODIES: dict[str, dict[str, Any]] = {
    # http/sys_generate_root.go decodes these bodies into Go structs with encoding/json: a field of another JSON
    # type is refused ("cannot unmarshal ... into Go struct field"), unknown fields are ignored.
    "dr-operation-token-attempt": _json_body(
        {"otp": {"type": ["string", "null"]}, "pgp_key": {"type": ["string", "null"]}}, []
    ),
    "dr-operation-token-update": _json_body(
        {"key": {"type": "string", "pattern": _KEY_SHARE}, "nonce": {"type": ["string", "null"]}}, ["key"]
    ),
}


_HEALTH_CODES_NOTE = (
    "The status code says the node's state. The *code parameters (activecode, standbycode, drsecondarycode, "
    "performancestandbycode, sealedcode, uninitcode, and from 1.19 haunhealthycode, removedcode) are not declared: "
    "any integer strconv.Atoi takes becomes the status code, and one outside 100-999 makes Go's server drop the "
    "connection (reference §11.2), which OpenAPI cannot express."
)


def _health_responses(method: str) -> dict[str, Any]:
    """sys/health: the state's code with the health body (none for HEAD), 400 for a query that does not parse."""
    health = {"application/json": {"schema": {"$ref": "#/components/schemas/health"}}}
    responses: dict[str, Any] = {}
    for code, why in (("200", "active"), ("429", "standby"), ("472", "DR secondary"),
                      ("473", "performance standby"), ("503", "sealed")):  # fmt: skip
        responses[code] = {"description": why}
        if method == "GET":
            responses[code]["content"] = health
    responses["400"] = {"description": 'a query parameter that does not parse: {"errors":[]} (no body for HEAD)'}
    if method == "GET":
        responses["400"]["content"] = _ERROR
    return responses


_MUX_OPERATION = {"GET": "read", "HEAD": "read, no body", "POST": "update", "PUT": "update", "DELETE": "delete"}


def _mux_operation(mux: Any, method: str, schemas: dict[str, Any]) -> dict[str, Any]:
    """An exact ``http.ServeMux`` route (no token, no envelope): the codes its handler can answer."""
    out: dict[str, Any] = {"operationId": f"{mux.endpoint}-{method.lower()}"}
    _describe(out, mux.endpoint, _path(mux.path), _MUX_OPERATION[method] if len(mux.methods) > 1 else None)
    out["x-evidence"] = mux.evidence or "replmock"
    out["security"] = []
    ok = _body(_schema_of(mux.endpoint), schemas, envelope=False)
    namespace = {"400": "a request with X-Vault-Namespace (these handlers refuse any namespace)"}
    responses: dict[str, Any] = {}
    if mux.endpoint == "health":
        out["parameters"] = _HEALTH_QUERY
        out["description"] = _HEALTH_CODES_NOTE
        responses = _health_responses(method)
    elif mux.endpoint == "init":
        if method == "GET":
            responses["200"] = _ok(ok, '{"initialized": true}')
        else:
            namespace["400"] = "Vault is already initialized (every replmock node is), or a namespace header"
    elif mux.endpoint.startswith("dr-operation-token-"):
        if method == "DELETE":
            responses["204"] = {"description": "the attempt is cancelled"}
        else:
            responses["200"] = _ok(ok)
        if method in {"POST", "PUT"}:
            out["requestBody"] = _MUX_BODIES[mux.endpoint]
            namespace["400"] = (
                "a body that does not decode, a missing key, no attempt or one already in progress, a wrong nonce "
                "or key share, or a namespace header"
            )
        responses.update(_errors({"404": "enterprise-only feature (open-source Vault)"}))
    else:  # seal-status, leader
        responses["200"] = _ok(ok)
        if mux.endpoint == "leader":
            responses.update(_errors({"503": "Vault is sealed"}))
    if "400" not in responses:
        responses.update(_errors(namespace))
    out["responses"] = dict(sorted(responses.items()))
    return out


def _rewrite(node: Any, name: str) -> Any:
    """Schema ``name`` with its ``$id``/``$schema`` dropped and every ref (to another file, or local to its own root)
    pointing into the document, where it now lives under ``#/components/schemas/<name>``."""
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key in {"$id", "$schema"}:
                continue
            if key == "$ref" and isinstance(value, str) and (m := _REF.match(value)):
                fragment = (m.group(3) or "#").removeprefix("#")
                out[key] = f"#/components/schemas/{m.group(2)}{fragment}"
            elif key == "$ref" and isinstance(value, str) and value.startswith("#"):
                out[key] = f"#/components/schemas/{name}{value.removeprefix('#')}"
            else:
                out[key] = _rewrite(value, name)
        return out
    if isinstance(node, list):
        return [_rewrite(v, name) for v in node]
    return node


def openapi_command(args: argparse.Namespace, out: IO[str], err: IO[str]) -> int:
    """``replmock openapi [--profile strict|lenient] [--out FILE]``."""
    text = json.dumps(document(args.profile), indent=2) + "\n"
    if args.out:
        try:
            Path(args.out).write_text(text, encoding="utf-8")
        except OSError as exc:
            print(f"replmock openapi: cannot write {args.out}: {exc.strerror or exc}", file=err)
            return 2
        print(f"replmock openapi: wrote {args.out}", file=out)
    else:
        out.write(text)
    return 0
