"""`replmock openapi`: a valid OpenAPI 3.1 document that covers every route the mock serves."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from openapi_spec_validator import validate

from replmock.cli import run
from replmock.openapi import document
from replmock.vault._routes import LOGICAL, MUX


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
    assert ok == {"$ref": "#/components/schemas/secondary-token-response"}
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
