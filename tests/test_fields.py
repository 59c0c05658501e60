"""The field table (replmock/schemas/_fields.py) is the one list of fields by category: facts derive from it."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from replmock.generate import scenario
from replmock.generate.payloads import health
from replmock.model import check
from replmock.schemas import _fields as table
from replmock.schemas import known_fields
from tests.conftest import REPO
from tests.helpers import observe

# --- the derived facts say what the table says ------------------------------------------------


def test_mode_specific_fields_come_from_the_modes_column() -> None:
    assert table.PRIMARY_ONLY == ("known_secondaries", "secondaries", "last_wal", "last_dr_wal", "last_performance_wal")
    # merkle_sync_progress is a secondary's (modes SECONDARY | BOOTSTRAPPING): the hand-kept copy had lost it.
    assert set(table.SECONDARY_ONLY) == {
        "connection_state",
        "primaries",
        "last_remote_wal",
        "known_primary_cluster_addrs",
        "secondary_id",
        "last_start",
        "merkle_sync_progress",
    }
    for fl in table.STATUS_FIELDS:
        assert (fl.name in table.PRIMARY_ONLY) == (fl.modes == table.Mode.PRIMARY), fl.name
        secondary_side = {table.Mode.SECONDARY, table.Mode.SECONDARY | table.Mode.BOOTSTRAPPING}
        assert (fl.name in table.SECONDARY_ONLY) == (fl.modes in secondary_side), fl.name


def test_number_columns_come_from_the_json_types() -> None:
    assert table.STRING_NUMBERS == ("last_reindex_epoch", "last_corruption_check_epoch")
    assert set(table.PEER_STRING_NUMBERS) == {
        "clock_skew_ms",
        "last_heartbeat_duration_ms",
        "replication_primary_canary_age_ms",
    }
    assert table.WAL_INDEXES == ("last_wal", "last_dr_wal", "last_performance_wal", "last_remote_wal")
    assert set(table.WAL_INDEXES) < set(table.JSON_NUMBERS)
    assert {"ssct_generation_counter", "reindex_building_progress", "reindex_building_total"} < set(table.JSON_NUMBERS)
    assert table.SHIPPED_WAL == {"dr": "last_dr_wal", "performance": "last_performance_wal"}
    assert table.PEER_LISTS == ("secondaries", "primaries")
    for fl in (*table.STATUS_FIELDS, *table.PEER_FIELDS):
        written_as_string = fl.json_type.get("type") == "string" and "pattern" in fl.json_type
        digits = written_as_string and str(fl.json_type["pattern"]).startswith(("^[0-9]", "^-?[0-9]"))
        assert fl.string_number == digits, fl.name


def test_health_fields_by_release_come_from_the_since_column() -> None:
    assert table.HEALTH_SINCE == {
        "enterprise": (1, 16),
        "echo_duration_ms": (1, 16),
        "clock_skew_ms": (1, 16),
        "replication_primary_canary_age_ms": (1, 16),
        "removed_from_cluster": (1, 19),
        "ha_connection_healthy": (1, 19),
        "last_request_forwarding_heartbeat_ms": (1, 19),
    }
    assert table.health_sends("initialized", (0, 9, 0))
    assert not table.health_sends("echo_duration_ms", (1, 15, 9))
    assert table.health_sends("echo_duration_ms", (1, 16, 0))
    assert not table.health_sends("removed_from_cluster", (1, 18, 12))
    assert table.health_sends("removed_from_cluster", (1, 19, 0))


@pytest.mark.parametrize(
    ("version", "present", "absent"),
    [
        ("1.15.6+ent", set(), set(table.HEALTH_SINCE)),
        ("1.18.12+ent", {"enterprise", "echo_duration_ms", "clock_skew_ms"}, {"removed_from_cluster"}),
        ("1.19.9+ent", {"enterprise", "removed_from_cluster"}, set()),
    ],
)
def test_the_generator_writes_the_health_fields_of_the_release_served(
    version: str, present: set[str], absent: set[str]
) -> None:
    top = scenario("perf-secondary", 3)
    top.cluster("A").version = version
    body = health(top, "A")
    assert present <= set(body)
    assert not absent & set(body)
    assert {"initialized", "sealed", "version"} <= set(body)


def test_known_fields_are_the_strict_schemas_properties() -> None:
    """known_fields() comes from the builder; the committed strict files say the same (and know sys/health's)."""
    import json

    names: set[str] = set()

    def walk(node: object) -> None:
        if isinstance(node, dict):
            names.update(node.get("properties") or {})
            for key, value in node.items():
                if key != "if":
                    walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for path in sorted((REPO / "schemas" / "strict").glob("*.json")):
        walk(json.loads(path.read_text(encoding="utf-8")))
    assert known_fields() == frozenset(names)
    assert {"merkle_sync_progress", "sync_total_keys", "removed_from_cluster", "cluster_name"} <= known_fields()


def test_importing_the_table_stays_cheap() -> None:
    code = (
        "import sys, replmock.schemas._fields, replmock.schemas._build; "
        "print(sorted(m for m in ('jsonschema', 'referencing', 'faker') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO)
    assert out.stdout.strip() == "[]"


# --- the runtime checks use the derived facts -------------------------------------------------


def test_i7_catches_merkle_sync_progress_on_a_primary() -> None:
    obs = {o.cluster: o for o in observe(scenario("perf-secondary", 4))}
    assert check(list(obs.values())) == []
    obs["A"].status["data"]["performance"]["merkle_sync_progress"] = {"sync_progress": 1, "sync_total_keys": 2}
    found = [v for v in check(list(obs.values())) if v.invariant == "I7"]
    assert found, "I7 did not fire"
    assert "mode 'primary' but carries merkle_sync_progress" in found[0].message


def test_i10_checks_every_json_number_of_the_table() -> None:
    obs = {o.cluster: o for o in observe(scenario("perf-secondary", 4))}
    obs["A"].status["data"]["performance"]["reindex_building_total"] = "12"
    found = [v for v in check(list(obs.values())) if v.invariant == "I10"]
    assert [v.message for v in found] == [
        "A: sys/replication/status $.data.performance.reindex_building_total = '12' is not a JSON number"
    ]


# --- no module keeps its own copy of a column -------------------------------------------------

GUARDED = frozenset(
    {
        *table.PRIMARY_ONLY,
        *table.SECONDARY_ONLY,
        *table.STRING_NUMBERS,
        *table.PEER_STRING_NUMBERS,
        *table.WAL_INDEXES,
        *table.PEER_LISTS,
        *table.HEALTH_SINCE,
    }
)
"""Names whose category (mode, string number, WAL index, release) only the table may enumerate."""

KNOWN_COPIES: set[tuple[str, str]] = set()
"""(file, assigned name) of literals allowed to repeat the table's names: none today."""


def column_copies(source: str) -> list[tuple[int, str, list[str]]]:
    """(line, assigned name, field names) of each list/tuple/set literal naming two or more guarded fields.

    Dict literals are payloads being built (values set field by field), not category lists.
    """
    found: list[tuple[int, str, list[str]]] = []

    def visit(node: ast.AST, target: str) -> None:
        if isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            target = ",".join(t.id for t in targets if isinstance(t, ast.Name)) or target
        if isinstance(node, ast.List | ast.Tuple | ast.Set):
            names = [e.value for e in node.elts if isinstance(e, ast.Constant) and e.value in GUARDED]
            if len(names) >= 2:
                found.append((node.lineno, target, names))
        for child in ast.iter_child_nodes(node):
            visit(child, target)

    visit(ast.parse(source), "")
    return found


def test_the_guard_finds_a_column_copy() -> None:
    source = (
        'WALS = ("last_wal", "last_dr_wal")\n'
        'def f(b):\n    return [k for k in b if k in {"secondary_id", "primaries"}]\n'
        'OK = {"last_wal": 1, "last_dr_wal": 2}\n'
        'ONE = ("last_wal", "mode")\n'
    )
    assert column_copies(source) == [
        (1, "WALS", ["last_wal", "last_dr_wal"]),
        (3, "", ["secondary_id", "primaries"]),
    ]


def test_no_module_keeps_a_copy_of_a_table_column() -> None:
    """Lists of mode-specific, string-number, WAL or version-dependent field names live in the table only."""
    copies = []
    for path in sorted([*(REPO / "replmock").rglob("*.py"), *(REPO / "contract_tests").rglob("*.py")]):
        rel = path.relative_to(REPO).as_posix()
        if rel in {"replmock/schemas/_fields.py", "replmock/types.py"}:
            continue
        for line, target, names in column_copies(path.read_text(encoding="utf-8")):
            if (rel, target) not in KNOWN_COPIES:
                copies.append(f"{rel}:{line} {target or '(expression)'}: {names}")
    assert not copies, "derive these from replmock.schemas._fields instead:\n" + "\n".join(copies)


def test_known_copies_still_exist() -> None:
    """An entry of KNOWN_COPIES that is gone must leave the list (it would hide a new copy)."""
    for rel, target in KNOWN_COPIES:
        source = Path(REPO / rel).read_text(encoding="utf-8")
        assert any(t == target for _, t, _ in column_copies(source)), (rel, target)
