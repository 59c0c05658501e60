"""``replmock openapi``: an OpenAPI 3.1 document of every path the mock serves, generated from the route table.

Operations, parameters and request bodies come from :mod:`replmock.vault._routes` (the one owner of paths);
response bodies reference the same JSON Schemas (2020-12 is OpenAPI 3.1's dialect), embedded under
``components.schemas`` with their cross-file ``$ref``s rewritten into the document, so nothing is fetched.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from replmock import __version__
from replmock._errors import UsageError

if TYPE_CHECKING:  # pragma: no cover
    import argparse

_METHODS = {"read": ["get"], "update": ["post", "put"], "delete": ["delete"], "list": [], "patch": [], "header": []}
_TYPES: dict[str, dict[str, Any]] = {
    "bool": {"type": ["boolean", "string"], "description": "a boolean, or a string strconv.ParseBool takes"},
    "int": {"type": ["integer", "string"]},
    "string": {"type": "string"},
    "strings": {"oneOf": [{"type": "array", "items": {"type": "string"}}, {"type": "string"}]},
    "map": {"type": "object"},
}
_REF = re.compile(r"^https://replmock\.dev/schemas/(lenient|strict)/([a-z-]+)\.json(#.*)?$")


def document(profile: str = "strict") -> dict[str, Any]:
    """The OpenAPI 3.1 document (a dict ready for ``json.dumps``)."""
    from replmock.schemas import SCHEMA_NAMES, catalog
    from replmock.vault._routes import LOGICAL, MUX, response_schema

    if profile not in {"strict", "lenient"}:
        raise UsageError(f"--profile must be strict or lenient, got {profile!r}")
    cat = catalog()
    schemas = {name: _rewrite(cat.schema(name, profile), name) for name in SCHEMA_NAMES}  # type: ignore[arg-type]
    paths: dict[str, dict[str, Any]] = {}
    for mux in MUX:
        item = paths.setdefault(_path(mux.path), {})
        for method in sorted(mux.methods):
            item[method.lower()] = _operation(
                mux.endpoint, "none", (), response_schema(mux.endpoint), mux.evidence, method
            )
    for route in LOGICAL:
        item = paths.setdefault(_path(route.path), {})
        if "(?P<id>" in route.pattern:
            item["parameters"] = [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}]
        for op_name, op in route.ops.items():
            for method in _METHODS[op_name]:
                schema = response_schema(route.endpoint) if op_name != "delete" else None
                item[method] = _operation(route.endpoint, route.auth, op.fields, schema, route.evidence, method.upper())
    return {
        "openapi": "3.1.0",
        "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
        "info": {
            "title": "HashiCorp Vault Enterprise replication API (as replmock serves it)",
            "version": __version__,
            "description": "Every path replmock serves: /v1/sys/replication/*, sys/health and the basic endpoints "
            "clients touch. Evidence for each rule is in x-evidence; Vault Enterprise's source is private.",
        },
        "servers": [{"url": "http://127.0.0.1:8200/v1"}],
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": schemas,
            "securitySchemes": {"vaultToken": {"type": "apiKey", "in": "header", "name": "X-Vault-Token"}},
        },
    }


def _path(path: str) -> str:
    return path.removeprefix("/v1").replace(":id", "{id}")


def _operation(  # noqa: PLR0917 - the route's columns, in the table's order
    endpoint: str, auth: str, fields: tuple[Any, ...], schema: str | None, evidence: str, method: str
) -> dict[str, Any]:
    op: dict[str, Any] = {"operationId": f"{endpoint}-{method.lower()}", "x-evidence": evidence or "replmock"}
    op["security"] = [] if auth == "none" else [{"vaultToken": []}]
    if auth == "sudo":
        op["x-vault-sudo"] = True
    if any(f.name == "dr_operation_token" for f in fields):
        op["x-dr-operation-token"] = True
    if fields and method in {"POST", "PUT"}:
        props = {f.name: {**_TYPES[f.type]} for f in fields}
        body: dict[str, Any] = {"type": "object", "properties": props}
        required = [f.name for f in fields if f.required]
        if required:
            body["required"] = required
        op["requestBody"] = {"required": bool(required), "content": {"application/json": {"schema": body}}}
    error = {
        "description": "Vault's error body",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/error"}}},
    }
    responses: dict[str, Any] = {}
    if endpoint == "health":
        health = {"$ref": "#/components/schemas/health"}
        for code, why in (("200", "active"), ("429", "standby"), ("472", "DR secondary"), ("473", "performance standby"),
                          ("501", "not initialized"), ("503", "sealed")):  # fmt: skip
            responses[code] = {
                "description": f"{why} (the codes are query parameters)",
                "content": {"application/json": {"schema": health}},
            }
    elif schema is not None:
        responses["200"] = {
            "description": "success",
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}},
        }
    else:
        responses["200"] = {"description": "success (a body this document does not describe)"}
        responses["204"] = {"description": "success, no body"}
    for code, why in (
        ("400", "bad request"),
        ("403", "permission denied"),
        ("404", "not found"),
        ("405", "unsupported operation"),
    ):
        responses[code] = {**error, "description": why}
    op["responses"] = responses
    return op


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
