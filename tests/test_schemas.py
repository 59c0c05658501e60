"""The schema files: generated from the field table (replmock/schemas/_fields.py), described, and right about real payloads."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from replmock.schemas import PROFILES, SCHEMA_NAMES, catalog, detect, is_rfc3339, validate
from tests.conftest import FIXTURES, REPO, load_json, real_samples


def test_committed_schemas_match_the_builder() -> None:
    from replmock.schemas._build import build

    built = build()
    on_disk = {
        p.relative_to(REPO / "schemas").as_posix(): p.read_text(encoding="utf-8")
        for p in (REPO / "schemas").glob("*/*.json")
    }
    assert set(built) == set(on_disk), "schema files added or removed without re-running tools/build_schemas.py"
    stale = [name for name, text in built.items() if on_disk[name] != text]
    assert not stale, f"re-run `python tools/build_schemas.py`: {stale} differ from the builder"


def _walk_properties(node: Any, where: str) -> list[str]:
    """Paths of property schemas lacking a description or an x-source."""
    missing: list[str] = []
    if isinstance(node, dict):
        for name, sub in node.get("properties", {}).items():
            if "description" not in sub or "x-source" not in sub:
                missing.append(f"{where}.properties.{name}")
        for key, sub in node.items():
            if key != "if":  # an `if` only tests the mode; it defines no property
                missing += _walk_properties(sub, f"{where}.{key}")
    elif isinstance(node, list):
        for i, sub in enumerate(node):
            missing += _walk_properties(sub, f"{where}[{i}]")
    return missing


@pytest.mark.parametrize("profile", PROFILES)
@pytest.mark.parametrize("name", SCHEMA_NAMES)
def test_every_schema_is_2020_12_with_stable_id_and_documented_properties(name: str, profile: str) -> None:
    doc = catalog().schema(name, profile)  # type: ignore[arg-type]
    assert doc["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert doc["$id"] == f"https://replmock.dev/schemas/{profile}/{name}.json"
    assert _walk_properties(doc, name) == []
    from jsonschema import Draft202012Validator

    Draft202012Validator.check_schema(doc)


@pytest.mark.parametrize("path", real_samples())
def test_every_real_sample_is_valid_under_lenient(path: Path) -> None:
    report = validate(load_json(path), profile="lenient")
    assert report.ok, "\n".join(map(str, report.issues))


NEWEST = sorted(p for p in (FIXTURES / "docs").glob("*.json") if "-v1.16-" in p.name or "-v1.21-" in p.name)


@pytest.mark.parametrize("path", NEWEST, ids=[p.stem for p in NEWEST])
def test_newest_doc_samples_are_valid_under_strict(path: Path) -> None:
    report = validate(load_json(path), profile="strict")
    assert report.ok, "\n".join(map(str, report.issues))


def test_there_are_newest_samples_to_check() -> None:
    assert len(NEWEST) == 4


OLD_TOPLEVEL = sorted((FIXTURES / "docs").glob("*toplevel*.json"))


@pytest.mark.parametrize("path", OLD_TOPLEVEL, ids=[p.stem for p in OLD_TOPLEVEL])
def test_pre_0_9_top_level_copies_are_rejected_by_strict_with_the_reason(path: Path) -> None:
    report = validate(load_json(path), profile="strict")
    messages = [i.message for i in report.issues if i.path == "$.mode"]
    assert messages, report.issues
    assert "only Vault < 0.9 wrote" in messages[0]


EXPECTED = load_json(FIXTURES / "invalid" / "EXPECTED.json")


@pytest.mark.parametrize("profile", PROFILES)
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_hand_made_invalid_payloads_are_rejected_at_the_right_path(name: str, profile: str) -> None:
    case = EXPECTED[name]
    report = validate(load_json(FIXTURES / "invalid" / name), case["schema"], profile)  # type: ignore[arg-type]
    assert not report.ok
    paths = {i.path for i in report.issues}
    for expected in case["paths"]:
        assert expected in paths, f"{name}: expected an issue at {expected}, got {sorted(paths)}"
    for issue in report.issues:
        assert issue.source
        assert issue.expected


def test_issue_names_path_value_expectation_and_source() -> None:
    payload = load_json(FIXTURES / "invalid" / "numeric-clock-skew.json")
    (issue,) = [i for i in validate(payload).issues if i.path.endswith("clock_skew_ms")]
    assert issue.value == 0
    assert "string" in issue.expected
    assert "PR-24343" in issue.source or "24343" in issue.source
    assert "got 0" in issue.message


@pytest.mark.parametrize(
    ("payload", "schema"),
    [
        ({"errors": ["permission denied"]}, "error"),
        ({"initialized": True, "sealed": False, "standby": False}, "health"),
        ({"diff": True}, "reindex-request"),
        ({"request_id": "x", "data": None, "warnings": ["w"]}, "recover-response"),
        ({"dr": {"mode": "disabled"}, "performance": {"mode": "disabled"}}, "status"),
        ({"data": {"mode": "primary", "last_dr_wal": 1}}, "dr-status"),
        ({"data": {"mode": "primary", "last_performance_wal": 1}}, "performance-status"),
        ({"data": {"mode": "disabled"}}, "type-status"),
        ({"mode": "dr-primary", "data": {"mode": "primary"}}, "dr-status"),
        ({"hello": 1}, None),
        ([1, 2], None),
    ],
)
def test_detect(payload: Any, schema: str | None) -> None:
    assert detect(payload).schema == schema


def test_unrecognised_payload_reports_why() -> None:
    report = validate({"hello": 1})
    assert not report.ok
    assert "unrecognised payload" in report.issues[0].message


def test_bad_profile_and_schema_names_are_usage_errors() -> None:
    from replmock._errors import UsageError

    with pytest.raises(UsageError, match="unknown profile 'loose'"):
        validate({}, "status", "loose")  # type: ignore[arg-type]
    with pytest.raises(UsageError, match="expected one of: status"):
        validate({}, "nope")


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("2024-03-04T10:05:56-05:00", True),
        ("2024-03-04T10:05:56.123Z", True),
        ("2024-02-30T10:05:56Z", False),
        ("2024-03-04 10:05:56", False),
        ("2024-03-04T10:05:56", False),
    ],
)
def test_rfc3339(value: str, ok: bool) -> None:
    assert is_rfc3339(value) is ok


def test_validators_are_compiled_once() -> None:
    cat = catalog()
    assert cat.validator("status", "strict") is cat.validator("status", "strict")
    assert catalog() is cat


def test_health_sample_from_the_docs_is_valid_under_strict() -> None:
    # Verbatim sample of api-docs/system/health.mdx (Enterprise, 1.17.0-beta1+ent).
    sample = json.loads(
        '{"clock_skew_ms": 0, "cluster_id": "e278ff10-0a4f-9417-5ae4-5a5a0b2e3d74", "cluster_name": '
        '"vault-cluster-88b4e092", "echo_duration_ms": 0, "enterprise": true, "initialized": true, "last_wal": 362, '
        '"license": {"expiry_time": "2024-08-03T23:59:59Z", "state": "autoloaded", "terminated": false}, '
        '"performance_standby": false, "replication_dr_mode": "disabled", "replication_performance_mode": "disabled", '
        '"replication_primary_canary_age_ms": 0, "sealed": false, "server_time_utc": 1709558830, "standby": false, '
        '"version": "1.17.0-beta1+ent"}'
    )
    assert validate(sample, profile="strict").ok
