"""`replmock openapi`: a valid OpenAPI 3.1 document that covers every route the mock serves."""

from __future__ import annotations

import io
import json
import re
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from openapi_spec_validator import validate

from replmock.cli import run
from replmock.generate import scenario
from replmock.model.topology import Topology
from replmock.openapi import document
from replmock.vault import Answer, Request, VaultNode
from replmock.vault._routes import LOGICAL, MUX

if TYPE_CHECKING:  # pragma: no cover
    from jsonschema import Draft202012Validator


@pytest.mark.parametrize("profile", ["strict", "lenient"])
def test_the_document_is_valid_openapi_3_1(profile: str) -> None:
    validate(document(profile))  # type: ignore[arg-type]


def test_every_route_of_the_route_table_is_in_the_document_and_nothing_else() -> None:
    doc = document()
    served = {r.path.removeprefix("/v1").replace(":id", "{id}") for r in (*MUX, *LOGICAL)}
    assert set(doc["paths"]) == served


def test_auth_classes_and_bodies_are_marked() -> None:
    paths = document()["paths"]
    assert paths["/sys/replication/status"]["get"]["security"] == []  # unauthenticated
    assert paths["/sys/replication/recover"]["post"]["security"] == [{"vaultToken": []}]
    assert paths["/sys/replication/reindex"]["post"]["x-vault-sudo"] is True
    promote = paths["/sys/replication/dr/secondary/promote"]["post"]
    assert (promote["security"], promote["x-dr-operation-token"]) == ([], True)
    assert "dr_operation_token" in promote["requestBody"]["content"]["application/json"]["schema"]["properties"]
    token = paths["/sys/replication/dr/primary/secondary-token"]["post"]
    assert token["requestBody"]["content"]["application/json"]["schema"]["required"] == ["id"]
    ok = token["responses"]["200"]["content"]["application/json"]["schema"]
    assert ok["allOf"] == [{"$ref": "#/components/schemas/secondary-token-response"}]
    assert {"request_id", "data", "wrap_info", "warnings", "auth"} <= set(ok["required"])  # the whole envelope
    assert set(paths["/sys/health"]["get"]["responses"]) >= {"200", "429", "472", "473", "503"}


def test_the_command_prints_or_writes_it(tmp_path: Path) -> None:
    out = io.StringIO()
    assert run(["openapi"], stdout=out, stderr=out) == 0
    assert json.loads(out.getvalue())["openapi"] == "3.1.0"
    target = tmp_path / "vault.json"
    assert run(["openapi", "--profile", "lenient", "--out", str(target)], stdout=out, stderr=out) == 0
    assert json.loads(target.read_text())["paths"]
    bad = io.StringIO()
    assert run(["openapi", "--out", str(tmp_path / "no" / "such" / "dir" / "x.json")], stdout=bad, stderr=bad) == 2
    assert "cannot write" in bad.getvalue()


def test_every_reference_resolves_inside_the_document() -> None:
    doc = document()

    def refs(node: object) -> list[str]:
        if isinstance(node, dict):
            found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
            return found + [r for v in node.values() for r in refs(v)]
        if isinstance(node, list):
            return [r for v in node for r in refs(v)]
        return []

    for ref in refs(doc):
        assert ref.startswith("#/"), ref
        target: object = doc
        for part in ref[2:].split("/"):
            assert isinstance(target, dict) and part in target, ref  # noqa: PT018
            target = target[part]


def test_each_operation_declares_the_codes_its_handler_answers() -> None:
    paths = document()["paths"]
    enable = paths["/sys/replication/dr/primary/enable"]["post"]["responses"]  # returns None: 204, never 200
    assert "204" in enable
    assert "200" not in enable
    assert {"307", "400", "403", "404", "413", "503"} <= set(enable)
    recover = paths["/sys/replication/recover"]["post"]["responses"]  # a body: 200, never 204
    assert "200" in recover
    assert "204" not in recover
    filters = paths["/sys/replication/performance/primary/paths-filter/{id}"]
    assert "204" not in filters["get"]["responses"]
    assert "404" in filters["get"]["responses"]
    assert "204" in filters["delete"]["responses"]
    attempt = paths["/sys/replication/dr/secondary/generate-operation-token/attempt"]
    assert "204" in attempt["delete"]["responses"]
    assert "200" in attempt["get"]["responses"]
    assert set(paths["/sys/init"]["put"]["responses"]) == {"400"}  # every replmock node is initialized
    health = paths["/sys/health"]
    assert [p["name"] for p in health["get"]["parameters"]] == ["standbyok", "perfstandbyok"]
    assert "content" not in health["head"]["responses"]["472"]


def test_request_bodies_take_what_the_parameter_framework_takes() -> None:
    from jsonschema import Draft202012Validator

    paths = document()["paths"]

    def body(path: str) -> Draft202012Validator:
        schema = paths[path]["post"]["requestBody"]["content"]["application/json"]["schema"]
        return Draft202012Validator(schema)

    reindex = body("/sys/replication/reindex")  # TypeBool: the values tests/test_differential.py sends OpenBao
    for good in (True, False, "t", "FALSE", "", 1, 0, None):
        assert reindex.is_valid({"diff": good}), good
    for bad in ("yes", " true", 2, -1, 1.5, [True], {"a": 1}):
        assert not reindex.is_valid({"diff": bad}), bad
    assert reindex.is_valid(None)  # a null body is no data (vault write -f)
    token = body("/sys/replication/dr/primary/secondary-token")  # a required TypeString: "" and null are missing
    assert token.is_valid({"id": "a"})
    assert token.is_valid({"id": True})
    assert token.is_valid({"id": 5})
    for bad in ({}, {"id": ""}, {"id": None}, {"id": []}, None):
        assert not token.is_valid(bad), bad
    promote = body("/sys/replication/dr/secondary/promote")
    assert not promote.is_valid({})
    assert promote.is_valid({"dr_operation_token": "t"})
    created = body("/auth/token/create")
    assert created.is_valid({"type": "batch", "policies": "a,b"})
    assert not created.is_valid({"type": "other"})
    assert created.is_valid({"policies": [None, True, 1, "a"]})
    assert not created.is_valid({"policies": [{}]})


# --- the document's response schemas against the mock's actual answers -------------------------------------------


@cache
def _response_validator(profile: str = "strict") -> tuple[dict[str, Any], Any]:
    """The document as a ``referencing`` resource, so a response schema is checked with the document's own refs."""
    from referencing import Registry
    from referencing.jsonschema import DRAFT202012

    doc = document(profile)
    return doc, Registry().with_resource("urn:replmock-openapi", DRAFT202012.create_resource(doc))


def _response_schema(method: str, path: str, status: int, profile: str = "strict") -> Draft202012Validator | None:
    """The validator of the document's body schema for ``method path`` answering ``status`` (None: no body)."""
    from jsonschema import Draft202012Validator

    doc, registry = _response_validator(profile)
    template = next(
        t for t in doc["paths"] if re.fullmatch(re.sub(r"\\{id\\}", "[^/]+", re.escape(t)), path.removeprefix("/v1"))
    )
    responses = doc["paths"][template][method.lower()]["responses"]
    assert str(status) in responses, (method, path, status)  # every code the mock answers is declared
    if "content" not in responses[str(status)]:
        return None
    pointer = "/".join(p.replace("~", "~0").replace("/", "~1") for p in (template, method.lower()))
    ref = f"urn:replmock-openapi#/paths/{pointer}/responses/{status}/content/application~1json/schema"
    return Draft202012Validator({"$ref": ref}, registry=registry)


def _check(method: str, path: str, answer: Answer, profile: str = "strict") -> Any:
    """The answer's body validates against the document's schema for its operation and status; returns the body."""
    validator = _response_schema(method, path, answer.status, profile)
    body = json.loads(answer.body) if answer.body else None
    if validator is not None:
        problems = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(body)]
        assert not problems, f"{method} {path} -> {answer.status}: {problems}\n{answer.body[:400]!r}"
    return body


def _nodes(name: str) -> list[tuple[Topology, str, str]]:
    top = scenario(name, 0)
    return [(top, c.name, n.name) for c in top.clusters.values() for n in c.nodes]


STATUS_PATHS = ["/v1/sys/replication/status", "/v1/sys/replication/dr/status", "/v1/sys/replication/performance/status"]


@pytest.mark.parametrize("name", ["four-cluster", "oss"])
def test_the_mock_s_status_answers_validate_against_the_document(name: str) -> None:
    """Every status endpoint on every node of every cluster: the answer is what the document promises."""
    seen = set()
    for top, cluster, node in _nodes(name):
        vault = VaultNode(top, cluster, node=node)
        for path in STATUS_PATHS:
            answer = vault.handle(Request.build("GET", path))
            body = _check("GET", path, answer)
            seen.add(answer.status)
            if answer.status == 200:
                assert {"request_id", "lease_id", "data", "wrap_info", "warnings", "auth"} <= set(body)
    assert seen == ({200} if name == "four-cluster" else {200, 404})


@pytest.mark.parametrize("profile", ["strict", "lenient"])
def test_a_status_200_is_the_envelope_not_the_docs_forms(profile: str) -> None:
    """The status schemas take the docs' {data} and the bare data object (for replmock validate); the document's
    200 is only the envelope the mock and Vault send, so a client generator gets a typed object."""
    top = scenario("four-cluster", 0)
    answer = VaultNode(top, "A").handle(Request.build("GET", STATUS_PATHS[0]))
    body = _check("GET", STATUS_PATHS[0], answer, profile)
    for path in STATUS_PATHS:
        validator = _response_schema("GET", path, 200, profile)
        assert validator is not None
        full = json.loads(VaultNode(top, "B").handle(Request.build("GET", path)).body)
        assert validator.is_valid(full)
        assert not validator.is_valid(full["data"]), path  # the bare data object
        assert not validator.is_valid({"data": full["data"]}), path  # the docs' form: the envelope has more keys
    bare = {"dr": {"mode": "disabled"}, "performance": {"mode": "disabled"}}
    assert not _response_schema("GET", STATUS_PATHS[0], 200, profile).is_valid(bare)  # type: ignore[union-attr]
    assert body["data"]["dr"]["mode"] == "primary"


def _ask(vault: VaultNode, method: str, path: str, body: object = None, token: str | None = "root") -> Any:
    text = None if body is None else json.dumps(body)
    answer = vault.handle(Request.build(method, path, body=text, token=token))
    return answer.status, _check(method, path, answer)


@pytest.mark.parametrize("name", ["four-cluster", "oss"])
def test_the_basic_endpoints_answers_validate_against_the_document(name: str) -> None:
    """sys/seal-status, sys/leader, sys/init, auth/token/*, sys/generate-root-token/attempt on every node (active,
    standby, performance standby): the handlers write what the document's schemas (strict: no other key) say."""
    codes: dict[str, set[int]] = {}
    for top, cluster, node in _nodes(name):
        vault = VaultNode(top, cluster, node=node, tokens=["operator"])
        for method, path in (
            ("GET", "/v1/sys/seal-status"),
            ("GET", "/v1/sys/leader"),
            ("GET", "/v1/sys/init"),
            ("GET", "/v1/auth/token/lookup-self"),
            ("POST", "/v1/auth/token/lookup-self"),
            ("PUT", "/v1/auth/token/lookup-self"),
            ("GET", "/v1/sys/generate-root-token/attempt"),
        ):
            status, _ = _ask(vault, method, path)
            codes.setdefault(path, set()).add(status)
        _ask(vault, "GET", "/v1/auth/token/lookup-self", token="operator")
        for kind in ("service", "batch"):
            status, made = _ask(vault, "POST", "/v1/auth/token/create", {"type": kind, "policies": "a,b", "ttl": "1h"})
            codes.setdefault("create", set()).add(status)
            if status == 200 and kind == "service":
                _ask(vault, "GET", "/v1/auth/token/lookup-self", token=made["auth"]["client_token"])
    assert codes["/v1/sys/seal-status"] == {200}
    assert 200 in codes["/v1/sys/leader"]
    assert 200 in codes["create"]
    assert 200 in codes["/v1/auth/token/lookup-self"]


def test_a_sealed_node_s_basic_answers_validate_too() -> None:
    top = scenario("four-cluster", 0)
    top.seal("B")
    vault = VaultNode(top, "B")
    status, body = _ask(vault, "GET", "/v1/sys/seal-status")
    assert (status, body["sealed"]) == (200, True)
    assert "cluster_name" not in body
    assert _ask(vault, "GET", "/v1/sys/leader")[0] == 503  # the error schema


def test_the_basic_schemas_are_not_any() -> None:
    paths = document()["paths"]
    for path, method in (
        ("/auth/token/create", "post"),
        ("/auth/token/lookup-self", "get"),
        ("/auth/token/lookup-self", "post"),
        ("/auth/token/lookup-self", "put"),
        ("/sys/generate-root-token/attempt", "get"),
        ("/sys/init", "get"),
        ("/sys/leader", "get"),
        ("/sys/seal-status", "get"),
    ):
        assert "content" in paths[path][method]["responses"]["200"], (path, method)
    for item in paths.values():
        for op in item.values():
            if isinstance(op, dict) and "307" in op.get("responses", {}):
                assert op["responses"]["307"]["headers"]["Location"]["required"] is True
            for code, response in op.get("responses", {}).items() if isinstance(op, dict) else ():
                if code.startswith("2") and code != "204" and "content" not in response:
                    assert response["description"] == "active", (op["operationId"], code)  # HEAD sys/health


def test_operations_read_as_api_docs() -> None:
    doc = document()
    tags = {t["name"] for t in doc["tags"]}
    assert tags == {"replication", "replication/dr", "replication/performance", "sys", "auth"}
    for path, item in doc["paths"].items():
        for method, op in item.items():
            if method == "parameters":
                continue
            assert op["summary"], (path, method)
            assert "\n" not in op["summary"]
            assert len(op["tags"]) == 1
            assert op["tags"][0] in tags
    assert doc["paths"]["/sys/replication/dr/primary/enable"]["post"]["tags"] == ["replication/dr"]
    assert doc["paths"]["/auth/token/create"]["post"]["tags"] == ["auth"]
    assert doc["paths"]["/sys/replication/performance/primary/paths-filter/{id}"]["get"]["summary"].endswith("(read)")
