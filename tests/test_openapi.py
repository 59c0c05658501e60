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
